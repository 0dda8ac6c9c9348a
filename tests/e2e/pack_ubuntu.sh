#!/usr/bin/env bash
# pack_ubuntu.sh - the built-in ubuntu-24.04 pack end to end: an Ubuntu 24.04
# root hardened along the pack, with planted misconfigurations
# (tests/cases/builtin-ubuntu-24.04/make-root.sh), must give exactly the
# verdicts of tests/cases/builtin-ubuntu-24.04/expected for every check and
# for every rule a check cites; the embedded pack must be the YAML in
# data/policies; the scan must leave the tree untouched; and the pack must
# keep its size (250 checks, 220 distinct SSG rules cited as equivalents).
. "$(dirname "$0")/lib.sh"
CASES=$SRC/tests/cases/builtin-ubuntu-24.04
ROOT=$WORK/root
bash "$CASES/make-root.sh" "$ROOT"

snapshot() { (cd "$1" && find . -printf '%p %y %m %U %G %s %T@ %l\n' | sort &&
  find . -type f -exec sha256sum {} + | sort) | sha256sum; }
before=$(snapshot "$ROOT")

# "AS-ROOT:AS-OTHER" verdicts: keep the one for the user running the test.
if [ "$(id -u)" = 0 ]; then keep='\1'; else keep='\2'; fi
grep -v '^#' "$CASES/expected" |
  sed -E "s/ ([a-z-]+):([a-z-]+)\$/ $keep/" >want

verdicts='.results[] | "\(.id) \(.verdict)",
  (select(.cited) | .cited[] | "  \(.scheme) \(.id) \(.verdict)")'
expect_exit 1 "$CW" scan host --root "$ROOT" --pack ubuntu-24.04 --no-save \
  --format json -o scan.json
jq -r "$verdicts" scan.json >got
diff want got >&2 ||
  fail "verdicts differ from tests/cases/builtin-ubuntu-24.04/expected (- wanted, + got)"
[ "$(snapshot "$ROOT")" = "$before" ] || fail "the scan changed the scanned tree"

# The pack file in the source tree is the one the binary embeds.
expect_exit 1 "$CW" scan host --root "$ROOT" \
  --pack "$SRC/data/policies/ubuntu-24.04.yaml" --no-save --format json -o file.json
jq -r "$verdicts" file.json >got.file
cmp -s got got.file ||
  fail "data/policies/ubuntu-24.04.yaml differs from the embedded pack (rebuild)"

# Size: at least 250 checks and 220 distinct SSG rules under ssg (a rule
# cited under related is not counted; it is never in 'cited' nor in 'ssg').
n=$(jq '.results | length' scan.json)
[ "$n" -ge 250 ] || fail "ubuntu-24.04 has $n checks (want at least 250)"
ssg=$(jq '.checks as $c | [.results[] | ((.cited // [])[] | select(.scheme == "ssg") | .id),
           (select(.cited == null) | $c[.check].ssg // empty)] | unique | length' scan.json)
[ "$ssg" -ge 220 ] || fail "ubuntu-24.04 cites $ssg distinct SSG rules (want at least 220)"

# Each cited rule is judged on its own part: cron.allow's owner holds (as
# root) while its mode fails the check; the SSG form of the kernel-module
# rules (with the 32-bit syscalls) fails while the check, which asks what
# CIS asks, passes.
owner=fail
[ "$(id -u)" != 0 ] || owner=pass
jq -e --arg owner "$owner" '.results[] | select(.id == "cron-allow") |
  .verdict == "fail" and
  ([.cited[] | select(.id == "file_owner_cron_allow") | .verdict] == [$owner])' \
  scan.json >/dev/null || fail "cron-allow: the owner rule is not judged on its own"
jq -e '.results[] | select(.id == "audit-rules-modules") | .verdict == "pass" and
  ([.cited[] | select(.scheme == "ssg") | .verdict] == ["fail", "fail"])' \
  scan.json >/dev/null || fail "audit-rules-modules: the SSG rules are not judged on their own"

# SARIF lists the cited rules as taxa with their own verdicts.
expect_exit 1 "$CW" scan host --root "$ROOT" --pack ubuntu-24.04 --no-save \
  --format sarif -o scan.sarif
jq -e '[.runs[0].results[] | select(.ruleId == "perm-cron-monthly") | .taxa[] |
  select(.id == "file_permissions_cron_monthly") | .properties.verdict] == ["fail"]' \
  scan.sarif >/dev/null || fail "SARIF taxa of perm-cron-monthly"

finish
