#!/usr/bin/env bash
# config.sh - `cloudward scan config` end to end on a Terraform plan with
# planted misconfigurations (tests/cases/config/plan.json, nested module
# and values known only after apply included): the failing (check, resource) pairs and their lines must be
# exactly tests/cases/config/expected; SARIF points at the file and line;
# results reach the SoA; bad documents and bad packs exit 2 with a
# position.
. "$(dirname "$0")/lib.sh"
CASES=$SRC/tests/cases/config
cp "$CASES/plan.json" plan.json

expect_exit 1 "$CW" scan config plan.json --store store --format json -o scan.json
jq -r '.results[] | "\(.id) \(.resource) \(.verdict) \(.line)"' scan.json >got
diff "$CASES/expected" got >&2 || fail "verdicts differ from tests/cases/config/expected"
# A data source (mode: data) is read, not managed: never judged.
grep -q "data.aws_security_group.shared" got && fail "a data source was judged"
[ "$(jq '.summary.pass' scan.json)" -gt 10 ] || fail "passes not counted"
# A finding's reason names every condition that made it, not the first,
# in words (the attribute, not its JSONPath); the JSONPath form stays in
# reason_jsonpath.
want='ingress[1]: 0.0.0.0/0 covers the block; ports 20-25 include 22-22|$.ingress[*] #1: 0.0.0.0/0 covers the block; ports 20-25 include 22-22'
got=$(jq -r '.results[] | select(.id == "aws-sg-ssh-from-internet" and
  .resource == "aws_security_group.open_ssh") | "\(.reason)|\(.reason_jsonpath)"' scan.json)
[ "$got" = "$want" ] || fail "ssh reason: $got"
# Every reason a person reads is free of JSONPath: JSON's reason, the
# table, SARIF messages and JUnit messages.
jq -e '[.results[].reason | select(test("\\$[.\\[]|node\\(s\\)|no element of"))] == []' \
  scan.json >/dev/null || fail "a JSON reason still reads as JSONPath"
jq -e '.results[] | select(.reason | startswith("logging is not set")) |
  .reason_jsonpath == "no element of $.logging[*] (0) qualifies"' scan.json \
  >/dev/null || fail "an absent block is not said in words"
expect_exit 1 "$CW" scan config plan.json --pack aws --no-save
cp out table.txt
grep -q '\$\.' table.txt && fail "the table shows a JSONPath reason"
grep -q 'ingress\[1\]: 0.0.0.0/0 covers the block' table.txt ||
  fail "the table's reason is not in words"
# The table heads its rows with counts that add up, and places them.
head -3 table.txt | grep -q '241 results: 148 pass, 72 fail, 3 not applicable, 18 unknown, 0 error' ||
  fail "the table's totals: $(head -3 table.txt)"
grep -q 'Listed below: the 93 results other than pass' table.txt ||
  fail "the table does not say which results it lists"
[ "$(grep -c 'plan.json:[0-9]' table.txt)" = 93 ] ||
  fail "table rows lack file:line"
# A saved scan is a ledger entry.
"$CW" log show --store store --format json >log.json
jq -e '.entry.api.operation == "scan.config" and .entry.resources[0].uid == "plan.json"
  and .entry.unmapped.details.pack == "aws"' log.json >/dev/null ||
  fail "scan not in the ledger: $(cat log.json)"
# Values known only after apply (resource_changes[].change.after_unknown)
# are unknown, never a pass or a fail on a default.
# (The PII location check is unknown too: no scope names pii_regions yet.)
jq -e '[.results[] | select(.verdict == "unknown" and .id != "aws-pii-location" and
  .id != "aws-iam-policy-no-admin") | .resource] | unique ==
  ["aws_security_group.pending", "module.storage.aws_ebs_volume.later"]' \
  scan.json >/dev/null || fail "after_unknown values are not unknown"
# A policy is a JSON document inside a string (json: true): read parsed,
# a single statement object or a list, "*" or ["*:*"]; a string that is
# not JSON is unknown.
[ "$(jq -r '[.results[] | select(.id == "aws-iam-policy-no-admin") |
  "\(.resource)=\(.verdict)"] | join(" ")' scan.json)" = \
  "aws_iam_policy.admin=fail aws_iam_role_policy.single=fail aws_iam_user_policy.garbled=unknown" ] ||
  fail "policies in strings: $(jq -c '[.results[] | select(.id == "aws-iam-policy-no-admin")]' scan.json)"
[ "$(jq -r '[.results[] | select(.id == "aws-s3-policy-no-public-principal") | .resource] |
  join(" ")' scan.json)" = "aws_s3_bucket_policy.public" ] ||
  fail "public bucket policies (a conditional statement is not one)"

expect_exit 1 "$CW" scan config plan.json --no-save --format sarif -o scan.sarif
jq -e '.runs[0].results[] | select(.ruleId == "aws-ebs-encrypted" and .kind == "fail") |
  .locations[0].physicalLocation.artifactLocation.uri == "plan.json" and
  .locations[0].physicalLocation.region.startLine == 244 and
  (.message.text | startswith("module.storage.aws_ebs_volume.data: "))' \
  scan.sarif >/dev/null || fail "sarif location of the EBS finding"
jq -e '.runs[0].locations[0].physicalLocation.artifactLocation.uriBaseId == null and
  (.runs[0].originalUriBaseIds.SRCROOT.uri | startswith("file:///") and endswith("/")) and
  (.runs[0].results | all(.locations[0].physicalLocation.artifactLocation.uriBaseId == "SRCROOT"))' \
  scan.sarif >/dev/null || fail "sarif base: the folder the scan ran in"
sarif_ok scan.sarif
# Several files, one of them in a folder with a space, one by its absolute
# path outside the working folder: one base folder, encoded URIs.
mkdir -p "with space"
cp plan.json "with space/plan two.json"
cp plan.json "$WORK/../cw-abs-plan-$$.json"
expect_exit 1 "$CW" scan config plan.json "with space/plan two.json" \
  "$WORK/../cw-abs-plan-$$.json" --no-save --format sarif -o multi.sarif
rm -f "$WORK/../cw-abs-plan-$$.json"
sarif_ok multi.sarif
jq -e '[.runs[0].results[].locations[0].physicalLocation.artifactLocation.uri] |
  (index("with%20space/plan%20two.json") != null) and
  (map(select(startswith("file:///"))) | length > 0)' multi.sarif >/dev/null ||
  fail "multi-file SARIF URIs: $(jq -c '[.runs[0].results[].locations[0].physicalLocation.artifactLocation.uri] | unique' multi.sarif)"
expect_exit 1 "$CW" scan config plan.json --no-save --fail-on critical
expect_exit 0 "$CW" scan config plan.json --no-save --fail-on never
expect_exit 1 "$CW" scan config plan.json --no-save --fail-on high -o scan.xml
grep -q 'module.storage.aws_s3_bucket.logs' scan.xml || fail "junit names resources"
# JUnit: Jenkins' schema; tests= counts every result, passes included (as
# the summary does), file and line of each failure, the scan's time.
junit_ok scan.xml
# The HTML heading's counts add up to its results total.
expect_exit 1 "$CW" scan config plan.json --no-save --format html -o scan.html
h=$(grep -o '[0-9]* results: [0-9]* pass, [0-9]* fail, [0-9]* not applicable, [0-9]* unknown, [0-9]* error' scan.html | head -1)
[ -n "$h" ] && [ "$(echo "$h" | awk '{print $1}')" = "$(echo "$h" | awk '{print $3 + $5 + $7 + $10 + $12}')" ] ||
  fail "HTML heading counts: $h"
expect_exit 1 "$CW" scan config plan.json --no-save --format json -o sum.json
schema_ok findings-2 sum.json
total=$(jq '.summary | [.pass, .fail, ."not-applicable", .unknown, .error] | add' sum.json)
grep -q "<testsuite name=\"cloudward aws\" tests=\"$total\"" scan.xml ||
  fail "junit tests= is not the summary's $total: $(grep -o '<testsuite [^>]*>' scan.xml)"
grep -q '>plan.json:244</failure>' scan.xml || fail "junit failure without file:line"
grep -q 'time="[0-9]*\.[0-9]*"' scan.xml || fail "junit time"

# SoA: the cloud network controls show the config results.
"$CW" init --organisation "Config Test" --role provider --service-model saas \
  >/dev/null
expect_exit 0 "$CW" soa --store store --format json -o soa.json
jq -r '.controls[] | select(.id == "CLD.13.1.4") | .checks' soa.json |
  grep -q "^aws at .*pass, [0-9]* fail (aws-sg-ssh-from-internet" ||
  fail "SoA checks cell for CLD.13.1.4"

# Kubernetes: multi-document YAML (Helm output, an empty document, a
# List), and kubectl JSON.
cp "$CASES/manifests.yaml" "$CASES/kubectl.json" .
expect_exit 1 "$CW" scan config manifests.yaml --pack kubernetes --no-save \
  --format json -o k8s.json
jq -r '.results[] | "\(.id) \(.resource) \(.verdict) \(.line)"' k8s.json >got-k8s
diff "$CASES/expected-k8s" got-k8s >&2 || fail "kubernetes verdicts differ (- wanted, + got)"
[ "$(jq '.summary.pass' k8s.json)" -gt 20 ] || fail "the hardened Deployment should pass"
expect_exit 1 "$CW" scan config kubectl.json --pack kubernetes --no-save \
  --format json -o k8s2.json
jq -e '[.results[] | select(.id == "k8s-no-hostnetwork")][0] |
  .resource == "Pod/team/p" and .line == 3' k8s2.json >/dev/null ||
  fail "kubectl List JSON"
# PodSecurityPolicies (policy/v1beta1, before 1.25): one admitting
# privileged containers, one the host's network, PID and IPC namespaces,
# one hostPath volumes and one every volume type ('*') fail exactly those
# checks; the restricted one fails none.
cp "$CASES/psp.yaml" .
expect_exit 1 "$CW" scan config psp.yaml --pack kubernetes --no-save \
  --format json -o psp.json
jq -r '.results[] | "\(.id) \(.resource) \(.verdict) \(.line)"' psp.json >got-psp
cat >want-psp <<'END'
k8s-psp-no-privileged PodSecurityPolicy/privileged fail 8
k8s-psp-no-hostnetwork PodSecurityPolicy/host-namespaces fail 17
k8s-psp-no-hostpid PodSecurityPolicy/host-namespaces fail 18
k8s-psp-no-hostipc PodSecurityPolicy/host-namespaces fail 19
k8s-psp-no-hostpath PodSecurityPolicy/host-path fail 28
k8s-psp-no-hostpath PodSecurityPolicy/any-volume fail 35
END
diff want-psp got-psp >&2 || fail "PodSecurityPolicy verdicts differ (- wanted, + got)"
jq -e '([.passes[] | {(.id): .count}] | add) == {"k8s-psp-no-privileged": 4,
  "k8s-psp-no-hostnetwork": 4, "k8s-psp-no-hostpid": 4, "k8s-psp-no-hostipc": 4,
  "k8s-psp-no-hostpath": 3}' psp.json >/dev/null ||
  fail "PodSecurityPolicy passes: $(jq -c '[.passes[] | {(.id): .count}] | add' psp.json)"
expect_exit 0 "$CW" scan config manifests.yaml --type kubernetes --pack kubernetes \
  --no-save --fail-on never
printf 'apiVersion: v1\nmetadata: {name: x}\n' >nokind.yaml
expect_exit 2 "$CW" scan config nokind.yaml --pack kubernetes --no-save
grep -q "nokind.yaml:1:1: expected a Kubernetes object" err || fail "no kind: $(cat err)"

# Refusals.
printf '{"planned_values": {"root_module": {"resources": [{"a": 1,}]}}}' >bad.json
expect_exit 2 "$CW" scan config bad.json --no-save
grep -q "bad.json:1:59: expected a member name" err || fail "malformed plan: $(cat err)"
printf '{"Resources": {}}' >cfn.json
expect_exit 2 "$CW" scan config cfn.json --no-save
grep -q "cfn.json:1:15: expected at least one resource" err || fail "empty template: $(cat err)"
printf '{"format_version": "1.2"}' >noplan.json
expect_exit 2 "$CW" scan config noplan.json --no-save
grep -q "not a Terraform plan or state" err || fail "not a plan: $(cat err)"
printf 'a: [1,\n' >broken.yaml
expect_exit 2 "$CW" scan config broken.yaml --no-save
grep -q "broken.yaml:2:1: " err || fail "broken yaml: $(cat err)"
# A built-in pack's name is that pack, even beside a file of that name;
# the file is ./NAME.
echo "not a pack" >aws
expect_exit 1 "$CW" scan config plan.json --no-save --pack aws
expect_exit 2 "$CW" scan config plan.json --no-save --pack ./aws
grep -q "aws:1:1" err || fail "./aws is the file: $(cat err)"
rm aws
expect_exit 2 "$CW" scan config plan.json --no-save --pack debian-12
grep -q "checks hosts" err || fail "host pack on documents"
expect_exit 2 "$CW" scan host --no-save --pack aws
expect_exit 2 "$CW" scan config plan.json --type cloudformation
expect_exit 2 "$CW" scan config
expect_exit 2 "$CW" scan config plan.json --no-save --pack "$CASES/bad-path-pack.yaml"
grep -q "bad-path-pack.yaml:11:32: bad JSONPath: an integer cannot start with 0" err ||
  fail "bad JSONPath in a pack: $(cat err)"
# A document with nothing the pack checks (the wrong file, or the wrong
# pack) is an error, not an empty report that reads as "nothing failed".
echo 'not a plan' >notes.json
expect_exit 2 "$CW" scan config notes.json --pack aws --no-save
grep -q "no resource of a type pack aws checks is in the document given" err || fail "an empty scan: $(cat err)"
expect_exit 2 "$CW" scan config plan.json --pack kubernetes --no-save
grep -q "pack kubernetes checks" err || fail "the wrong pack: $(cat err)"
finish
