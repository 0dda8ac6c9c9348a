#!/usr/bin/env bash
# config_formats.sh - `cloudward scan config` on CloudFormation templates
# (YAML short-form tags, JSON), aws/az/gcloud CLI exports, join rules
# (a bucket and its separate settings; workloads and NetworkPolicies) and
# the PII location rule against the scope's pii_regions. Every non-pass
# verdict must be exactly the expected list; every planted pass must pass.
. "$(dirname "$0")/lib.sh"
CASES=$SRC/tests/cases/config
cp -r "$CASES/cfn" "$CASES/cli" "$CASES/joins" .

verdicts() { jq -r '.results[] | "\(.id) \(.resource) \(.verdict) \(.line)"' "$1"; }

# CloudFormation: detected from the files, default pack cloudformation.
expect_exit 1 "$CW" scan config cfn/template.yaml cfn/template.json --no-save \
  --format json -o cfn.json
verdicts cfn.json >got
cat >want <<'END'
cfn-s3-encryption OpenBucket fail 9
cfn-s3-public-access-block OpenBucket fail 9
cfn-sg-ssh-from-internet AdminSG fail 36
cfn-sg-ssh-from-internet PendingSG unknown 55
cfn-ebs-encrypted PlainVolume fail 63
cfn-kms-rotation Key fail 71
cfn-cloudtrail-log-validation Trail unknown 73
cfn-rds-storage-encrypted Db fail 9
cfn-s3-public-access-block Logs unknown 14
END
diff want got >&2 || fail "cloudformation verdicts (- wanted, + got)"
[ "$(jq '.summary.pass' cfn.json)" -ge 4 ] || fail "SealedBucket and WebSG pass"
jq -e '.pack == "cloudformation"' cfn.json >/dev/null || fail "default pack by format"
expect_exit 0 "$CW" scan config cfn/template.yaml --type cloudformation --no-save --fail-on never
printf 'Resources:\n  X:\n    Type: AWS::S3::Bucket\n    Properties:\n      A: !Bogus 1\n' >badtag.yaml
expect_exit 2 "$CW" scan config badtag.yaml --no-save
grep -q "badtag.yaml:5:10: unknown CloudFormation tag '!Bogus'" err || fail "bad tag: $(cat err)"
printf 'Resources:\n  X:\n    Properties: {}\n' >notype.yaml
expect_exit 2 "$CW" scan config notype.yaml --no-save
grep -q "notype.yaml:3:5: resource 'X': expected a 'Type'" err || fail "no Type: $(cat err)"

# CLI exports, with the scope's pii_regions.
cat >cloudward.yaml <<'END'
organisation: Formats Test
role: provider
service_models: [saas]
pii_processor: true
pii_regions: [eu-*, westeurope, europe-*]
END
expect_exit 1 "$CW" scan config cli/aws-sg.json cli/aws-account.json \
  cli/az-storage.json cli/gcloud-firewall.json --no-save --format json -o cli.json
verdicts cli.json >got
cat >want <<'END'
cli-aws-sg-ssh-from-internet sg-0bastion fail 10
cli-aws-root-access-keys account fail 2
cli-aws-root-mfa account fail 2
cli-pii-location legacy-exports fail 8
cli-pii-location /subscriptions/0000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/oldlogs fail 10
END
diff want got >&2 || fail "cli export verdicts (- wanted, + got)"
jq -e '.pack == "cloud-cli"' cli.json >/dev/null || fail "default pack for exports"
# customer-data (eu-west-1), i-0abc (eu-central-1b), custdata (westeurope),
# eu-archive (EUROPE-WEST1) are where the scope allows.
[ "$(jq '[.passes[] | select(.id == "cli-pii-location")][0].count' cli.json)" = 4 ] ||
  fail "location passes: $(jq -c '.passes' cli.json)"
# No pii_regions: the location check cannot decide.
mkdir noregions && sed '/pii_regions/d' cloudward.yaml >noregions/cloudward.yaml
expect_exit 1 "$CW" scan config cli/aws-account.json --scope noregions/cloudward.yaml \
  --no-save --format json -o noreg.json
jq -e '[.results[] | select(.id == "cli-pii-location")] | length == 3 and
  all(.verdict == "unknown" and (.reason | test("pii_regions")))' noreg.json >/dev/null ||
  fail "location without pii_regions"
printf '{"Nothing": []}' >none.json
expect_exit 2 "$CW" scan config none.json --type cli --no-save
grep -q "none.json:1:1: no resources recognised" err || fail "unknown export: $(cat err)"

# Joins.
expect_exit 1 "$CW" scan config joins/state.json --pack joins/pack.yaml --no-save \
  --format json -o j1.json
verdicts j1.json >got
cat >want <<'END'
bucket-encrypted aws_s3_bucket.beta fail 6
bucket-public-access-blocked aws_s3_bucket.beta fail 6
bucket-public-access-blocked aws_s3_bucket.gamma fail 9
END
diff want got >&2 || fail "join verdicts (- wanted, + got)"
[ "$(jq '.summary.pass' j1.json)" = 3 ] || fail "alpha (2 joins) and gamma (inline) pass"
# A public access block whose bucket is known only after apply may be
# anyone's: the buckets it could belong to are unknown, not failed.
expect_exit 1 "$CW" scan config joins/state.json joins/plan.json --pack joins/pack.yaml \
  --no-save --format json -o j2.json
jq -e '[.results[] | select(.id == "bucket-public-access-blocked") | .verdict] ==
  ["unknown", "unknown", "unknown"]' j2.json >/dev/null || fail "unknown join keys"
expect_exit 1 "$CW" scan config joins/workloads.yaml joins/policies.yaml \
  --pack joins/pack.yaml --no-save --format json -o j3.json
verdicts j3.json >got
cat >want <<'END'
workload-network-policy Deployment/shop/db fail 10
pod-network-policy Pod/default/stray fail 24
END
diff want got >&2 || fail "NetworkPolicy join verdicts (- wanted, + got)"
# The policies file first: order does not matter.
expect_exit 1 "$CW" scan config joins/policies.yaml joins/workloads.yaml \
  --pack joins/pack.yaml --no-save --format json -o j4.json
verdicts j4.json | diff want - >&2 || fail "join depends on file order"
# Terraform regions: an attribute (availability zone) first, else the
# provider's configured region (configuration.provider_config).
expect_exit 1 "$CW" scan config joins/region-plan.json --pack joins/location-pack.yaml \
  --no-save --format json -o loc.json
verdicts loc.json | diff - <(echo "loc aws_ebs_volume.v fail 5") >&2 ||
  fail "terraform regions"
jq -e '.passes[0].count == 1' loc.json >/dev/null || fail "provider region of the bucket"
cat >badjoin.yaml <<'END'
pack: bad
kind: config
checks:
- id: x
  title: x
  severity: low
  rationale: x
  remediation: x
  controls: [iso27002:2013 10.1.1]
  resource: [aws_s3_bucket]
  rule:
    each:
      select: $.x[*]
      rule:
        join: {type: t, key: $.a, match: $.b}
END
expect_exit 2 "$CW" scan config joins/state.json --pack badjoin.yaml --no-save
grep -q "badjoin.yaml:15:9: a join cannot sit inside each" err || fail "nested join: $(cat err)"
finish
