#!/usr/bin/env bash
# pack_debian.sh - the built-in debian-12 pack end to end: a Debian 12 root
# hardened along the pack with planted misconfigurations
# (tests/cases/builtin-debian-12/make-root.sh) must give exactly the verdicts
# of tests/cases/builtin-debian-12/expected, for every check and for every
# rule a multi-rule check cites; the pack file in the source tree must be the
# one embedded in the binary, and the scan must not change the tree.
. "$(dirname "$0")/lib.sh"
CASES=$SRC/tests/cases/builtin-debian-12
ROOT=$WORK/root
bash "$CASES/make-root.sh" "$ROOT"

snapshot() { (cd "$1" && find . -printf '%p %y %m %U %G %s %T@ %l\n' | sort &&
  find . -type f -exec sha256sum {} + | sort) | sha256sum; }
before=$(snapshot "$ROOT")

# Expected lines "ID ROOT:OTHER" depend on who owns the files of the root.
if [ "$(id -u)" = 0 ]; then pick='s/ \([a-z-]*\):[a-z-]*$/ \1/'; else pick='s/ [a-z-]*:\([a-z-]*\)$/ \1/'; fi
grep -v '^#' "$CASES/expected" | sed "$pick" >want

verdicts='.results[] | "\(.id) \(.verdict)",
  (select(.cited) | .cited[] | "  \(.scheme) \(.id) \(.verdict)")'
expect_exit 1 "$CW" scan host --root "$ROOT" --pack debian-12 --no-save \
  --format json -o scan.json
jq -r "$verdicts" scan.json >got
if ! diff want got >&2; then
  fail "verdicts differ from tests/cases/builtin-debian-12/expected (- wanted, + got)"
fi
[ "$(snapshot "$ROOT")" = "$before" ] || fail "the scan changed the scanned tree"

# The YAML in data/policies is what the binary embeds.
expect_exit 1 "$CW" scan host --root "$ROOT" \
  --pack "$SRC/data/policies/debian-12.yaml" --no-save --format json -o file.json
jq -r "$verdicts" file.json >got.file
cmp -s got got.file || fail "data/policies/debian-12.yaml differs from the embedded pack (rebuild)"

# Every check has a result, and the pack meets its coverage: at least 250
# checks citing at least 220 distinct SSG rules (under ssg, not related).
checks=$(jq '.results | length' scan.json)
[ "$checks" -ge 250 ] || fail "debian-12 has $checks checks (want >= 250)"
ssg=$(jq '.checks as $c | [.results[] | (.cited // [] | .[] | select(.scheme == "ssg") | .id),
            (select(.cited == null) | $c[.check].ssg // empty)] | unique | length' scan.json)
[ "$ssg" -ge 220 ] || fail "debian-12 cites $ssg distinct SSG rules (want >= 220)"

# A multi-rule check judges each rule on its own part: the group backup's
# owner and group pass (as root) while its mode fails the check.
jq -e '.results[] | select(.id == "perm-group-backup") |
  .verdict == "fail" and
  ([.cited[] | select(.id == "file_permissions_backup_etc_group") | .verdict] == ["fail"])' \
  scan.json >/dev/null || fail "perm-group-backup: the mode rule does not fail on its own"
# The CIS form of the clock_settime rule satisfies the check, the SSG form
# (with a0=0x0) does not: the check passes while its cited rule fails.
jq -e '.results[] | select(.id == "audit-time-change") | .verdict == "pass" and
  ([.cited[] | select(.id == "audit_rules_time_clock_settime") | .verdict] == ["fail"])' \
  scan.json >/dev/null || fail "audit-time-change: clock_settime is not judged on its own"

# SARIF carries the cited rules as taxa.
expect_exit 1 "$CW" scan host --root "$ROOT" --pack debian-12 --no-save \
  --format sarif -o scan.sarif
jq -e '[.runs[0].results[] | select(.ruleId == "perm-group-backup") | .taxa[] |
  select(.id == "file_permissions_backup_etc_group") | .properties.verdict] == ["fail"]' \
  scan.sarif >/dev/null || fail "SARIF taxa of perm-group-backup"

finish
