#!/usr/bin/env bash
# host.sh - `cloudward scan host` end to end: a root with planted
# misconfigurations (tests/cases/host/make-root.sh) scanned with the probe
# test pack must give exactly the verdicts of tests/cases/host/expected;
# the scan must not change one byte, mode or time of the tree; results
# must reach the SoA; every report format must be well-formed; malformed
# packs (tests/cases/packs/*) exit 2 with their FILE:LINE:COL line.
. "$(dirname "$0")/lib.sh"
CASES=$SRC/tests/cases/host
ROOT=$WORK/root
bash "$CASES/make-root.sh" "$ROOT"

snapshot() { (cd "$1" && find . -printf '%p %y %m %U %G %s %T@ %l\n' | sort &&
  find . -type f -exec sha256sum {} + | sort) | sha256sum; }
before=$(snapshot "$ROOT")

# Verdicts. The unowned and ungrouped plant needs root to chown; otherwise
# those checks pass.
as_root=fail
[ "$(id -u)" = 0 ] || as_root=pass
expect_exit 1 "$CW" scan host --root "$ROOT" --pack "$CASES/probes.yaml" \
  --store "$WORK/store" --format json -o scan.json
jq -r '.results[] | "\(.id) \(.verdict)"' scan.json >got
sed "s/ fail-if-root\$/ $as_root/" "$CASES/expected" >want
if ! diff want got >&2; then
  fail "verdicts differ from tests/cases/host/expected (- wanted, + got)"
fi
[ "$(snapshot "$ROOT")" = "$before" ] || fail "the scan changed the scanned tree"

# A check citing several rules gives each its own verdict: a part tied
# with `cite:` is judged alone (the owner holds while the mode fails), the
# others take the check's; a check that does not apply makes none apply.
jq -e '[.results[] | select(.id == "cite-parts") | .cited[] |
  "\(.scheme):\(.id)=\(.verdict)"] == ["cis:9.9=fail", "ssg:rule_mode=fail",
  "ssg:rule_owner=pass", "ssg:rule_whole=fail"]' scan.json >/dev/null ||
  fail "cited rules of cite-parts have the wrong verdicts"
jq -e '.results[] | select(.id == "cite-parts") | .cited[2] |
  .file == "/etc/shadow" and (.reason | test("uid 0"))' scan.json \
  >/dev/null || fail "a tied rule does not carry its part's reason and file"
jq -e '[.results[] | select(.id == "cite-parts-na") | .cited[].verdict] ==
  ["not-applicable", "not-applicable"]' scan.json >/dev/null ||
  fail "cited rules of a check that does not apply"
jq -e '[.results[] | select(.cited) | .id] | sort ==
  ["cite-parts", "cite-parts-na"]' scan.json >/dev/null ||
  fail "'cited' written for a check citing one rule as a whole"

# Reasons name the value and where it came from.
jq -e '.results[] | select(.id == "sshd-dropin-overrides-main") |
  .file == "/etc/ssh/sshd_config.d/10-local.conf" and .line == 1' scan.json \
  >/dev/null || fail "sshd reason does not point at the drop-in"
jq -e '.results[] | select(.id == "sysctl-d-overrides-sysctl-conf") |
  .file == "/etc/sysctl.d/99-zz-local.conf"' scan.json >/dev/null ||
  fail "sysctl reason does not point at the overriding file"

# Tree checks name exactly what they found, sorted, first as the file: a
# wrong mode test reports another path with the same verdict. Where none
# is found, every entry of the root was walked.
entries=$(find "$ROOT" -mindepth 1 | wc -l)
jq -r '.results[] | select(.id | startswith("tree-")) |
  "\(.id) \(.verdict) \(.file) \(.reason)"' scan.json >got-tree
orphan="fail /opt/orphan 1 found: /opt/orphan"
[ "$as_root" = fail ] || orphan="pass null none found in $entries entries"
cat >want-tree <<END
tree-world-writable-file fail /etc/ww.conf 2 found: /etc/ww.conf, /tmp/scratch
tree-ww-dir-without-sticky fail /var/share 2 found: /var/share, /var/share/inner
tree-suid-outside-allow fail /usr/local/bin/backdoor 1 found: /usr/local/bin/backdoor
tree-suid-all-allowed pass null none found in $entries entries
tree-sgid-none pass null none found in $entries entries
tree-unowned $orphan
tree-ungrouped $orphan
END
diff want-tree got-tree >&2 || fail "tree paths differ (- wanted, + got)"

# A second root whose only world-writable directory is sticky: nothing
# one mode bit away from a finding is one; its set-gid file is.
STICKY=$WORK/sticky-root
bash "$CASES/make-sticky-root.sh" "$STICKY"
sticky_entries=$(find "$STICKY" -mindepth 1 | wc -l)
{
  echo "pack: sticky"
  echo "checks:"
  for kind in world-writable-files world-writable-dirs-without-sticky suid sgid \
    unowned ungrouped; do
    echo "  - {id: $kind, title: t, severity: low, rationale: r, remediation: r,"
    echo "     controls: [\"iso27017:2015 CLD.9.5.2\"], rule: {tree: {find: $kind}}}"
  done
} >sticky.yaml
expect_exit 1 "$CW" scan host --root "$STICKY" --pack sticky.yaml --no-save \
  --format json -o sticky.json
jq -r '.results[] | "\(.id) \(.verdict) \(.file) \(.reason)"' sticky.json >got-sticky
none="pass null none found in $sticky_entries entries"
cat >want-sticky <<END
world-writable-files $none
world-writable-dirs-without-sticky $none
suid $none
sgid fail /usr/bin/wall 1 found: /usr/bin/wall
unowned $none
ungrouped $none
END
diff want-sticky got-sticky >&2 || fail "sticky root: tree results differ (- wanted, + got)"

# Results are in the store and in the SoA, per control.
[ -s "$WORK/store/results.db" ] || fail "results not saved"
"$CW" results list --store "$WORK/store" --format json >runs.json
jq -e -s 'length >= 1 and (.[0] | .kind == "host" and .pack == "probes" and
  (.pack_sha256 | length) == 64)' runs.json >/dev/null ||
  fail "the saved run: $(cat runs.json)"
"$CW" init --organisation "Scan Test" --role provider --service-model iaas \
  >/dev/null
expect_exit 0 "$CW" soa --store "$WORK/store" --format json -o soa.json
jq -r '.controls[] | select(.id == "CLD.9.5.2") | .checks' soa.json >cell
grep -q "^probes at .*: [0-9]* pass, [0-9]* fail (" cell ||
  fail "SoA checks cell for CLD.9.5.2: $(cat cell)"
# The pack maps the 2013 edition: a 2013 scope shows them on 12.6.2; a
# 2022 scope has no 12.6.2 line and borrows no results for 8.19.
jq -r '.controls[] | select(.id == "8.19") | .checks' soa.json | grep -q probes &&
  fail "8.19 borrowed results the pack maps to 12.6.2 only"
sed -i 's/^catalogs: .*/catalogs: [iso27017:2015]/' cloudward.yaml
expect_exit 0 "$CW" soa --store "$WORK/store" --format json -o soa.json
jq -r '.controls[] | select(.id == "12.6.2") | .checks' soa.json | grep -q probes ||
  fail "SoA has no checks for 27002:2013 12.6.2"

# Formats.
expect_exit 1 "$CW" scan host --root "$ROOT" --pack "$CASES/probes.yaml" \
  --no-save --format sarif -o scan.sarif
# SARIF lists findings (no pass, no not-applicable) unless --sarif-all;
# every result located, valid against the OASIS schema and GitHub's rules.
jq -e '.version == "2.1.0" and ([.runs[0].results[] | select(.kind == "pass")] | length) == 0' \
  scan.sarif >/dev/null || fail "sarif shape"
sarif_ok scan.sarif
expect_exit 1 "$CW" scan host --root "$ROOT" --pack "$CASES/probes.yaml" \
  --no-save --format sarif --sarif-all -o all.sarif
jq -e '(.runs[0].results | length) > 60 and
  (.runs[0].results | all(.locations[0].physicalLocation.artifactLocation.uri))' \
  all.sarif >/dev/null || fail "sarif --sarif-all"
sarif_ok all.sarif
jq -e '(.runs[0].tool.driver.informationUri | test("^(file|https?)://.+/README.md$")) and
  (.runs[0].tool.driver.rules | all(.helpUri | test("^(file|https?)://"))) and
  .runs[0].automationDetails.id == "cloudward/host/probes/" and
  (.runs[0].originalUriBaseIds.ROOT.uri | startswith("file:///")) and
  (.runs[0].tool.driver.rules | all(.name and .defaultConfiguration.level and
    (.properties.tags | index("security"))))' all.sarif >/dev/null ||
  fail "sarif run details"
jq -e '.runs[0].results[] | select(.ruleId == "sshd-main-value") |
  .kind == "fail" and .locations[0].physicalLocation.region.startLine == 3' \
  scan.sarif >/dev/null || fail "sarif location of a failed check"
# Cited rules are taxa: each result lists them with their own verdicts.
jq -e '(.runs[0].taxonomies | map(.name)) == ["CIS", "SSG"] and
  ([.runs[0].results[] | select(.ruleId == "cite-parts") | .taxa[] |
    "\(.toolComponent.name):\(.id)=\(.properties.verdict)"] ==
   ["CIS:9.9=fail", "SSG:rule_mode=fail", "SSG:rule_owner=pass",
    "SSG:rule_whole=fail"]) and
  ([.runs[0].tool.driver.rules[] | select(.id == "cite-parts") |
    .relationships[].kinds[0]] == ["equal", "superset", "superset",
    "superset"])' scan.sarif >/dev/null || fail "sarif taxa of cited rules"
expect_exit 1 "$CW" scan host --root "$ROOT" --pack "$CASES/probes.yaml" \
  --no-save -o scan.xml
grep -q '<testsuite name="cloudward probes"' scan.xml || fail "junit suite"
junit_ok scan.xml
grep -q '<failure type="medium"' scan.xml || fail "junit failure"
expect_exit 1 "$CW" scan host --root "$ROOT" --pack "$CASES/probes.yaml" \
  --no-save -o scan.html
grep -q '<table' scan.html || fail "html table"
expect_exit 0 "$CW" scan host --root "$ROOT" --pack "$CASES/probes.yaml" \
  --no-save --fail-on never --format table
grep -q "sshd-main-value" out || fail "table output"
expect_exit 0 "$CW" scan host --root "$ROOT" --pack "$CASES/probes.yaml" \
  --no-save --fail-on critical --format json
expect_exit 2 "$CW" scan host --root "$ROOT" --pack "$CASES/probes.yaml" \
  --fail-on sometimes
expect_exit 2 "$CW" scan host --root "$WORK/nowhere" --pack "$CASES/probes.yaml"
expect_exit 2 "$CW" scan host --root "$ROOT" --pack no-such-pack
grep -q "built-in: " err || fail "unknown pack does not list the built-in ones"
[ "$(snapshot "$ROOT")" = "$before" ] || fail "a scan changed the scanned tree"

# Malformed packs.
for case in "$SRC"/tests/cases/packs/*/; do
  name=$(basename "$case")
  got=0
  (cd "$case" && "$CW" scan host --root "$ROOT" --pack pack.yaml --no-save) \
    >out 2>err || got=$?
  [ "$got" = 2 ] || fail "pack $name: exit $got, wanted 2"
  [ "$(cat err)" = "cloudward: $(cat "$case/expected")" ] ||
    fail "pack $name: got '$(cat err)'"
done
# Include loops in a hostile image: each file includes itself twice, which
# would be 2^16 reads; the include budget makes them unknown, at once.
LOOP=$WORK/loop
mkdir -p "$LOOP/etc/ssh" "$LOOP/etc/pam.d" "$LOOP/etc/sudoers.d"
printf 'ID=debian\nVERSION_ID="12"\n' >"$LOOP/etc/os-release"
printf 'Include /etc/ssh/sshd_config\nInclude /etc/ssh/sshd_config\n' \
  >"$LOOP/etc/ssh/sshd_config"
printf '@include common-auth\n@include common-auth\n' >"$LOOP/etc/pam.d/common-auth"
printf '@includedir /etc/sudoers.d\n' >"$LOOP/etc/sudoers"
printf '#include /etc/sudoers\n#include /etc/sudoers\n' >"$LOOP/etc/sudoers.d/a"
cat >loop.yaml <<'YAML'
pack: loop
checks:
  - {id: sshd, title: t, severity: low, rationale: r, remediation: r,
     controls: ["iso27017:2015 CLD.9.5.2"],
     rule: {sshd: {key: PermitRootLogin, equals: "no"}}}
  - {id: pam, title: t, severity: low, rationale: r, remediation: r,
     controls: ["iso27017:2015 CLD.9.5.2"],
     rule: {pam: {service: common-auth, module: pam_unix.so}}}
  - {id: sudo, title: t, severity: low, rationale: r, remediation: r,
     controls: ["iso27017:2015 CLD.9.5.2"],
     rule: {sudoers: {match: NOPASSWD, expect: absent}}}
YAML
expect_exit 0 timeout 20 "$CW" scan host --root "$LOOP" --pack loop.yaml \
  --no-save --fail-on never --format json -o loop.json
[ "$(jq -r '[.results[].verdict] | unique | join(",")' loop.json)" = unknown ] ||
  fail "include loops: $(jq -c '[.results[] | [.id, .verdict, .reason]]' loop.json)"
finish
