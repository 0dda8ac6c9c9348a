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
expect_exit 1 "$CW" scan config cfn/template.yaml cfn/template.json cfn/more.yaml --no-save \
  --format json -o cfn.json
verdicts cfn.json >got
cat >want <<'END'
cfn-s3-encryption OpenBucket fail 9
cfn-s3-public-access-block OpenBucket fail 9
cfn-s3-access-logging OpenBucket fail 9
cfn-s3-versioning OpenBucket fail 9
cfn-sg-ssh-from-internet AdminSG fail 38
cfn-sg-ssh-from-internet PendingSG unknown 57
cfn-ebs-encrypted PlainVolume fail 65
cfn-kms-rotation Key fail 73
cfn-cloudtrail-log-validation Trail unknown 75
cfn-cloudtrail-kms Trail fail 75
cfn-rds-storage-encrypted Db fail 9
cfn-rds-not-public Db fail 10
cfn-rds-backup-retention Db fail 11
cfn-s3-public-access-block Logs unknown 14
cfn-s3-access-logging Logs fail 14
cfn-s3-versioning Logs fail 14
cfn-sg-rdp-from-internet RdpSG fail 12
cfn-sg-db-ports-from-internet DbSG fail 25
cfn-sg-ingress-admin-db-from-internet OpenMysqlRule fail 42
cfn-rds-storage-encrypted Cluster fail 59
cfn-rds-backup-retention Cluster fail 59
cfn-dynamodb-pitr PlainTable fail 71
cfn-dynamodb-kms PlainTable fail 71
cfn-efs-encrypted PlainFs fail 82
cfn-sns-topic-kms PlainTopic fail 87
cfn-sqs-queue-encrypted PlainQueue fail 100
cfn-lb-listener-https HttpListener fail 109
cfn-lb-listener-tls12 HttpListener not-applicable 104
cfn-lb-listener-tls12 RedirectListener not-applicable 113
cfn-lb-listener-tls12 OldTlsListener fail 128
cfn-lb-listener-https TcpListener not-applicable 142
cfn-lb-listener-tls12 TcpListener not-applicable 142
cfn-cloudtrail-multi-region RegionalTrail fail 156
cfn-iam-policy-no-admin AdminPolicy fail 169
cfn-iam-policy-no-admin SingleAdminPolicy fail 180
cfn-flow-log-all-traffic RejectFlowLog fail 201
cfn-iam-inline-no-admin AdminRole fail 225
cfn-iam-user-no-administrator-access OpsUser fail 251
cfn-rds-storage-encrypted AuroraMember not-applicable 257
cfn-rds-backup-retention AuroraMember not-applicable 257
cfn-s3-policy-no-public-principal PublicBucketPolicy fail 275
END
diff want got >&2 || fail "cloudformation verdicts (- wanted, + got)"
# Planted passes: SealedBucket, WebSG, the twins in more.yaml; Aurora
# instances are judged through their cluster (not applicable above).
[ "$(jq '.summary.pass' cfn.json)" -ge 45 ] || fail "planted passes: $(jq -c '.summary' cfn.json)"
jq -e '[.passes[] | {(.id): .count}] | add |
  .["cfn-sqs-queue-encrypted"] == 2 and .["cfn-lb-listener-https"] == 3 and
  .["cfn-lb-listener-tls12"] == 1 and .["cfn-iam-policy-no-admin"] == 1 and
  .["cfn-sg-ingress-admin-db-from-internet"] == 1 and .["cfn-rds-backup-retention"] == 2 and
  .["cfn-s3-versioning"] == 1 and .["cfn-s3-access-logging"] == 1 and
  .["cfn-iam-inline-no-admin"] == 3 and .["cfn-iam-user-no-administrator-access"] == 1' cfn.json >/dev/null ||
  fail "cloudformation planted passes: $(jq -c '[.passes[] | {(.id): .count}] | add' cfn.json)"
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
  cli/az-storage.json cli/gcloud-firewall.json cli/aws-more.json cli/az-more.json \
  cli/gcloud-more.json --no-save --format json -o cli.json
verdicts cli.json >got
cat >want <<'END'
cli-aws-sg-ssh-from-internet sg-0bastion fail 10
cli-aws-sg-rdp-from-internet sg-0rdp fail 46
cli-aws-sg-db-ports-from-internet sg-0db fail 57
cli-aws-sg-ssh-from-internet sg-0all fail 67
cli-aws-sg-rdp-from-internet sg-0all fail 67
cli-aws-sg-db-ports-from-internet sg-0all fail 67
cli-aws-root-access-keys account fail 2
cli-aws-root-mfa account fail 2
cli-pii-location legacy-exports fail 12
cli-aws-s3-encryption legacy-exports fail 12
cli-aws-s3-public-access-block legacy-exports fail 15
cli-aws-s3-versioning legacy-exports fail 16
cli-aws-s3-access-logging legacy-exports fail 12
cli-pii-location /subscriptions/0000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/oldlogs fail 10
cli-az-storage-secure-transfer /subscriptions/0000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/oldlogs fail 15
cli-gcp-firewall-admin-from-internet https://www.googleapis.com/compute/v1/projects/p/global/firewalls/allow-ssh fail 9
cli-aws-password-min-length account fail 2
cli-aws-iam-inline-no-admin alice fail 9
cli-aws-iam-user-no-administrator-access alice fail 6
cli-aws-iam-inline-no-admin ops fail 24
cli-aws-iam-policy-no-admin AdminCopy fail 30
cli-aws-rds-encrypted db-bad fail 43
cli-aws-rds-not-public db-bad fail 44
cli-aws-rds-backup-retention db-bad fail 44
cli-aws-cloudtrail-multi-region local-trail fail 48
cli-aws-cloudtrail-log-validation local-trail fail 49
cli-aws-lb-listener-tls arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/1/plain fail 52
cli-aws-lb-listener-tls arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/1/old fail 57
cli-aws-lb-listener-tls arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/nlb/2/tcp not-applicable 62
cli-aws-ebs-encrypted vol-0plain fail 66
cli-aws-flow-log-all-traffic fl-0reject fail 73
cli-az-nsg-admin-from-internet /subscriptions/0000/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/open fail 11
cli-az-nsg-admin-from-internet /subscriptions/0000/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/multi fail 21
cli-az-sql-tls12 /subscriptions/0000/resourceGroups/rg/providers/Microsoft.Sql/servers/legacy fail 51
cli-gcp-firewall-admin-from-internet https://www.googleapis.com/compute/v1/projects/p/global/firewalls/allow-all fail 8
cli-gcp-firewall-admin-from-internet https://www.googleapis.com/compute/v1/projects/p/global/firewalls/allow-range fail 16
cli-gcp-firewall-admin-from-internet https://www.googleapis.com/compute/v1/projects/p/global/firewalls/egress-any not-applicable 43
cli-gcp-sql-require-ssl https://sqladmin.googleapis.com/sql/v1beta4/projects/p/instances/reports fail 63
cli-aws-vpc-flow-logs vpc-2 fail 69
END
diff want got >&2 || fail "cli export verdicts (- wanted, + got)"
jq -e '.pack == "cloud-cli"' cli.json >/dev/null || fail "default pack for exports"
# customer-data (eu-west-1), i-0abc (eu-central-1b), custdata (westeurope),
# eu-archive (EUROPE-WEST1), db-good and db-bad (eu-west-1a/b), both volumes
# (eu-west-1a/b), the SQL servers modern and legacy (westeurope) and the
# Cloud SQL instances orders and reports (europe-west1) are where the scope
# allows.
[ "$(jq '[.passes[] | select(.id == "cli-pii-location")][0].count' cli.json)" = 12 ] ||
  fail "location passes: $(jq -c '.passes' cli.json)"
# Planted passes: each is the twin of a planted failure above.
jq -e '[.passes[] | {(.id): .count}] | add |
  .["cli-aws-sg-rdp-from-internet"] == 3 and .["cli-aws-sg-db-ports-from-internet"] == 3 and
  .["cli-aws-iam-policy-no-admin"] == 1 and .["cli-aws-iam-inline-no-admin"] == 2 and
  .["cli-aws-s3-versioning"] == 1 and .["cli-aws-lb-listener-tls"] == 2 and
  .["cli-aws-vpc-flow-logs"] == 1 and .["cli-az-storage-secure-transfer"] == 1 and
  .["cli-az-nsg-admin-from-internet"] == 1 and .["cli-gcp-firewall-admin-from-internet"] == 3 and
  .["cli-gcp-sql-require-ssl"] == 1 and .["cli-aws-password-reuse"] == 1 and
  .["cli-aws-iam-user-no-administrator-access"] == 1' cli.json >/dev/null ||
  fail "cli planted passes: $(jq -c '[.passes[] | {(.id): .count}] | add' cli.json)"
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
bucket-block-by-arn aws_s3_bucket.alpha fail 3
bucket-encrypted aws_s3_bucket.beta fail 6
bucket-public-access-blocked aws_s3_bucket.beta fail 6
bucket-block-by-arn aws_s3_bucket.beta fail 6
bucket-public-access-blocked aws_s3_bucket.gamma fail 9
bucket-block-by-arn aws_s3_bucket.gamma fail 9
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
verdicts loc.json | diff - <(printf '%s\n' "loc-us aws_s3_bucket.a fail 3" \
  "loc aws_ebs_volume.v fail 5" "loc-us aws_s3_bucket.b fail 7" "loc aws_ebs_volume.w fail 9") >&2 ||
  fail "terraform regions"
jq -e '.passes[0].count == 2 and .passes[1].count == 2' loc.json >/dev/null ||
  fail "provider region of the buckets, zones of the volumes"
# JSON null (an unset optional attribute in plans and states) is not set:
# value takes its default, cidr sees no block, ports sees no range.
cp -r "$CASES/nulls" .
expect_exit 1 "$CW" scan config nulls/state.json --pack nulls/pack.yaml --no-save \
  --format json -o nulls.json
verdicts nulls.json | diff - <(printf '%s\n' "null-value-default aws_ebs_volume.v fail 4" \
  "null-value-unset aws_ebs_volume.v fail 4") >&2 || fail "null verdicts"
jq -e '.results[1].reason == "kms_key_id is not set" and
  .results[1].reason_jsonpath == "$.kms_key_id is not set" and
  (.passes | map(select(.id == "null-cidr"))[0].count == 1)' nulls.json >/dev/null ||
  fail "null reasons: $(jq -c '.results, .passes' nulls.json)"
# within: every selected block inside the pack's block (10.0.0.0/8 and
# fd00::/8). One bit wider, one address past either end, or the other
# family is outside; the block itself and its last address are inside.
cp -r "$CASES/within" .
expect_exit 1 "$CW" scan config within/state.json --pack within/pack.yaml --no-save \
  --format json -o within.json
verdicts within.json | diff - <(printf '%s\n' \
  "subnet-within-10-8 aws_subnet.neighbour fail 6" \
  "subnet-within-10-8 aws_subnet.wider fail 10" \
  "subnet-within-10-8 aws_subnet.below fail 14" \
  "subnet-within-10-8 aws_subnet.v6 fail 16" \
  "vpc-within-fd00-8 aws_vpc.half fail 20" \
  "vpc-within-fd00-8 aws_vpc.wider fail 22") >&2 || fail "within verdicts (- wanted, + got)"
# inside (10.1.0.0/16), whole and last pass; so does ula, both of its blocks.
jq -e '([.passes[] | {(.id): .count}] | add) ==
    {"subnet-within-10-8": 3, "vpc-within-fd00-8": 1} and
  ([.results[].reason] | .[0] == "11.0.0.0/8 lies outside" and
    .[4] == "fc00::/8 lies outside")' within.json >/dev/null ||
  fail "within passes and reasons: $(jq -c '.passes, [.results[].reason]' within.json)"
# Rules a pack writes more than once are judged once per node of a
# resource (the memo); the verdicts are those of the same pack with every
# repeated rule spelled another way, which shares nothing, on one thread
# and on two. The plan puts a compliant element before an offending one,
# an element known only after apply, and JSON documents of equal shape
# (a second parse may reuse the first's addresses).
cp -r "$CASES/memo" .
for jobs in 1 2; do
  for p in pack pack-unshared; do
    expect_exit 1 "$CW" scan config memo/plan.json --pack "memo/$p.yaml" --no-save \
      --jobs "$jobs" --format json -o "memo-$p-$jobs.json"
  done
  diff <(jq 'del(.time, .pack_sha256)' "memo-pack-$jobs.json") <(jq 'del(.time, .pack_sha256)' "memo-pack-unshared-$jobs.json") >&2 ||
    fail "memo: rules written alike judged differently (--jobs $jobs)"
  verdicts "memo-pack-$jobs.json" | diff - <(printf '%s\n' \
    "ssh-from-internet aws_security_group.a fail 6" \
    "egress-ssh-to-internet aws_security_group.a fail 9" \
    "rdp-from-internet aws_security_group.b fail 14" \
    "ssh-from-internet aws_security_group.c unknown 19" \
    "some-ingress-open aws_security_group.c unknown 19" \
    "ssh-from-internet aws_security_group.d fail 26" \
    "no-allow-all aws_iam_policy.p fail 31") >&2 || fail "memo verdicts (--jobs $jobs)"
done
# Thousands of deferred join checks are decided on two threads (the
# second half apart, then put in order): 3,000 buckets, three joins each,
# and a public access block for every third bucket after them all.
awk 'BEGIN {
  printf "{\"format_version\": \"1.2\", \"planned_values\": {\"root_module\": {\"resources\": ["
  for (i = 0; i < 3000; i++)
    printf "%s{\"address\": \"aws_s3_bucket.b%d\", \"type\": \"aws_s3_bucket\", \"name\": \"b%d\", \"values\": {\"bucket\": \"b%d\", \"acl\": \"private\", \"logging\": [{\"target_bucket\": \"logs\"}]}}", i ? "," : "", i, i, i
  for (i = 0; i < 3000; i += 3)
    printf ",{\"address\": \"aws_s3_bucket_public_access_block.p%d\", \"type\": \"aws_s3_bucket_public_access_block\", \"name\": \"p%d\", \"values\": {\"bucket\": \"b%d\", \"block_public_acls\": true, \"block_public_policy\": true, \"ignore_public_acls\": true, \"restrict_public_buckets\": true}}", i, i, i
  print "]}}}"
}' >buckets.json
expect_exit 1 "$CW" scan config buckets.json --no-save --format json -o buckets-out.json
for id in aws-s3-bucket-public-access-block aws-s3-versioning aws-s3-bucket-encryption; do
  jq -r --arg id "$id" '.results[] | select(.id == $id) | .resource' buckets-out.json >got
  if [ "$id" = aws-s3-bucket-public-access-block ]; then
    seq 0 2999 | awk '$1 % 3 { print "aws_s3_bucket.b" $1 }' >want
  else
    seq 0 2999 | awk '{ print "aws_s3_bucket.b" $1 }' >want
  fi
  diff want got >/dev/null || fail "deferred $id: wrong buckets or order"
done
jq -e '(.passes | map(select(.id == "aws-s3-bucket-public-access-block"))[0].count) == 1000' \
  buckets-out.json >/dev/null || fail "deferred: 1000 blocked buckets pass"

# Two threads (batches evaluated off the loading thread, merged in order)
# give exactly the results of one.
cp "$CASES/plan.json" .
# A plan laid out unlike terraform's: blank lines and newlines between and
# inside resources, resources in several modules, one resource larger than
# a batch's text buffer (2 MB; read through the mapping instead).
sg() { printf '{"address": "%s.aws_security_group.s%d", "type": "aws_security_group",\n "name": "s%d", "values":\n  {"ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["%s"]}]}}' "$1" "$2" "$2" "$3"; }
{
  printf '{"format_version": "1.2", "planned_values": {"root_module": {\n"resources": [\n'
  for i in 1 2 3; do sg root "$i" 0.0.0.0/0; printf ',\n\n'; done
  printf '{"address": "aws_s3_bucket.big", "type": "aws_s3_bucket", "name": "big",\n "values": {"bucket": "big", "acl": "public-read", "policy": "'
  head -c 2500000 /dev/zero | tr '\0' x
  printf '"}},\n'
  sg root 4 10.0.0.0/8
  printf '],\n"child_modules": ['
  for m in 1 2 3 4 5; do
    [ "$m" = 1 ] || printf ',\n'
    printf '{"address": "module.m%d", "resources": [' "$m"
    for i in 1 2 3 4 5 6 7; do [ "$i" = 1 ] || printf ' ,\n '; sg "module.m$m" "$i" 0.0.0.0/0; done
    printf ']}'
  done
  printf ']}}}\n'
} >layout.json
for f in plan.json layout.json "joins/state.json joins/plan.json --pack joins/pack.yaml"; do
  # shellcheck disable=SC2086
  "$CW" scan config $f --no-save --fail-on never --jobs 1 --format json -o one.json >/dev/null
  # shellcheck disable=SC2086
  "$CW" scan config $f --no-save --fail-on never --jobs 2 --format json -o two.json >/dev/null
  diff <(jq 'del(.time)' one.json) <(jq 'del(.time)' two.json) >&2 ||
    fail "--jobs 2 differs from --jobs 1 on $f"
done
expect_exit 2 "$CW" scan config plan.json --jobs 3
# A malformed plan gives the same one error on two threads, where the
# loading thread only finds each resource's span and the batches parse
# them, as on one: cut short, an unterminated string slipped in, a byte
# lost, a bracket of the wrong kind.
size=$(stat -c %s plan.json)
for o in 300 777 2000 9000 20000 33333 45000 $((size - 3)); do
  head -c "$o" plan.json >"cut-$o.json"
  { head -c "$o" plan.json; printf '"\\'; tail -c +$((o + 1)) plan.json; } >"quote-$o.json"
  { head -c "$o" plan.json; tail -c +$((o + 2)) plan.json; } >"lost-$o.json"
  sed "0,/}/{s/}/]/}" <(tail -c +$((o + 1)) plan.json) >tail.json
  { head -c "$o" plan.json; cat tail.json; } >"bracket-$o.json"
done
# Two errors: a bad escape in the first resource (its span stays exact, a
# batch finds it) and a comma lost between later resources (the loading
# thread finds it first). The earlier one is the error.
sed -e 's/"name": "open-ssh"/"name": "open\\qssh"/' -e '116s/^        },$/        }/' \
  plan.json >twice-1.json
cmp -s plan.json twice-1.json && fail "twice-1.json: the fixture changed; fix the sed"
for m in cut-*.json quote-*.json lost-*.json bracket-*.json twice-*.json; do
  e1=0 e2=0
  "$CW" scan config "$m" --no-save --jobs 1 -o /dev/null >/dev/null 2>one.err || e1=$?
  "$CW" scan config "$m" --no-save --jobs 2 -o /dev/null >/dev/null 2>two.err || e2=$?
  [ "$e1" = "$e2" ] || fail "$m: exit $e1 on one thread, $e2 on two"
  diff one.err two.err >&2 || fail "$m: another error on two threads"
done
grep -q "twice-1.json:13:26: unknown escape" <("$CW" scan config twice-1.json --no-save --jobs 2 \
  -o /dev/null 2>&1) || fail "twice-1.json: not the earlier of two errors"
grep -q "quote-777.json:" <("$CW" scan config quote-777.json --no-save --jobs 2 -o /dev/null 2>&1) ||
  fail "the slipped-in quote is not reported with its file"
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
