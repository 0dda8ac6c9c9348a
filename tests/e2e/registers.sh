#!/usr/bin/env bash
# registers.sh - the 27018 registers end to end (docs/registers.md): the
# acme example imported, `registers due` listing the overdue breach
# notification and the open objection windows (exit 1), the SoA lines of
# the 27018 controls carrying the registers' state and flagging A.10.1;
# each change a ledger entry under the customers it concerns, with no
# free text in the ledger, and the log verifying; a customer's view cut
# to its own records; flags, update, close, history; each finding rule
# firing and not; malformed input refused with FILE:LINE:COL and nothing
# written; every export format. With CW_ENGINE=pg, the same on a private
# PostgreSQL (tests/e2e/pg.sh).
. "$(dirname "$0")/lib.sh"
engine_store .cloudward
export CLOUDWARD_STORE=$S
A=(--as-of 2026-12-06)
entries() { "$CW" log show --format json | wc -l; }

cp -r "$SRC/examples/acme-notes" acme
"$CW" tenant add globex --name "Globex Corporation" >/dev/null
# A record for a customer the store does not know is refused: the file
# (contracts, imported first) saves nothing.
expect_exit 2 "$CW" registers import acme/registers
grep -q "customer 'initech' is not a tenant of this store: add it first" err ||
  fail "unknown tenant: $(cat err)"
expect_exit 0 "$CW" register contracts list --format json
[ "$(jq '.records | length' out)" = 0 ] || fail "a refused file saved records"
"$CW" tenant add initech --name Initech >/dev/null
expect_exit 0 "$CW" registers import acme/registers
grep -q "breaches.yaml (breaches): 2 added, 0 updated, 0 unchanged" err ||
  fail "import counts: $(cat err)"
n1=$(entries)
# Again: nothing changed, nothing written.
expect_exit 0 "$CW" registers import acme/registers
grep -q "breaches.yaml (breaches): 0 added, 0 updated, 2 unchanged" err ||
  fail "re-import: $(cat err)"
[ "$(entries)" = "$n1" ] || fail "an unchanged import wrote ledger entries"

# Deadlines: the overdue breach notification is a finding (exit 1).
expect_exit 1 "$CW" registers due "${A[@]}" --format json
jq -e '.duties[0] | .state == "FINDING" and .register == "breaches" and
  .record == "br-2026-12" and .customer == "globex" and .control == "A.10.1"
  and .due == "2026-12-05T15:00:00+01:00"' out >/dev/null ||
  fail "overdue breach notification: $(jq -c '.duties[0]' out)"
[ "$(jq '[.duties[] | select(.state == "FINDING")] | length' out)" = 1 ] ||
  fail "one finding: $(jq -c '.duties' out)"
jq -e '[.duties[] | select(.register == "subprocessors" and
  (.what | test("objection window is open")))] | map(.customer) | sort ==
  ["globex", "initech"]' out >/dev/null || fail "objection windows: $(cat out)"
# In the customer's zone: Initech's 14 days end at 04:00 New York time.
jq -e '.duties[] | select(.customer == "initech" and .register ==
  "subprocessors") | select(.due == "2026-12-09T04:00:00-05:00")' out \
  >/dev/null || fail "initech's window in its zone: $(cat out)"
# On a terminal, the sentence whole, with the deadline it names.
expect_exit 1 "$CW" registers due "${A[@]}"
grep -q "^FINDING .* notify globex within 48 h of confirmation: overdue since 2026-12-05T15:00:00+01:00$" out ||
  fail "the table cuts the duty: $(head -3 out)"
expect_exit 1 "$CW" registers due "${A[@]}" --within 7d --format json
[ "$(jq '.duties | length' out)" = 4 ] || fail "--within 7d: $(jq -c '.duties' out)"
# Before the breach clock ran out: no finding, exit 0.
expect_exit 0 "$CW" registers due --at 2026-12-05T13:59:00Z --format json
jq -e '.duties[] | select(.record == "br-2026-12" and .customer == "globex"
  and .state == "due")' out >/dev/null || fail "breach due, not yet overdue"
expect_exit 2 "$CW" registers due --within soon
expect_exit 2 "$CW" registers due --at yesterday

# The SoA: the registers' state in the checks column, A.10.1 flagged.
expect_exit 1 "$CW" soa --scope acme/cloudward.yaml "${A[@]}" --format json -o soa.json
line() { jq -r --arg id "$1" --arg c "$2" '.controls[] | select(.id == $id and .catalog == $c) | .'"$3" soa.json; }
line A.10.1 iso27018:2019 checks | grep -q "^breaches: 2 in the last 12 months; 1 finding (nonconformity): Breach br-2026-12: notify globex within 48 h of confirmation: overdue since 2026-12-05T15:00:00+01:00.$" ||
  fail "A.10.1 checks: $(line A.10.1 iso27018:2019 checks)"
line A.10.1 iso27018:2019 flags | grep -q "Marked implemented, but its register shows 1 finding" ||
  fail "A.10.1 flag: $(line A.10.1 iso27018:2019 flags)"
line A.8.1 iso27018:2019 checks | grep -q "^subprocessors: 2 records, no finding; 3 duties open, the next due 2026-12-09T04:00:00-05:00.$" ||
  fail "A.8.1: $(line A.8.1 iso27018:2019 checks)"
line A.6.2 iso27018:2019 checks | grep -q "^disclosures: 2 requests, 1 disclosure recorded, no finding.$" ||
  fail "A.6.2: $(line A.6.2 iso27018:2019 checks)"
# The matrix carries the flag too, in words that stand without the SoA.
expect_exit 1 "$CW" matrix --scope acme/cloudward.yaml "${A[@]}" --format json -o matrix.json
jq -e '.controls[] | select(.id == "A.10.1") | .flags | test("registers due. lists it")' matrix.json \
  >/dev/null || fail "matrix A.10.1: $(jq -c '.controls[] | select(.id == "A.10.1")' matrix.json)"
line A.6.2 iso27018:2019 evidence | grep -q "register disclosures (2 records)" ||
  fail "A.6.2 evidence: $(line A.6.2 iso27018:2019 evidence)"
line 5.26 iso27002:2022 evidence | grep -q "register breaches (2 records)" ||
  fail "5.26 evidence points at the register: $(line 5.26 iso27002:2022 evidence)"
[ "$(line 5.26 iso27002:2022 checks)" = null ] ||
  fail "5.26 is not driven by the register: $(line 5.26 iso27002:2022 checks)"
# Before the breach: A.10.1 is not flagged.
expect_exit 0 "$CW" soa --scope acme/cloudward.yaml --as-of 2026-12-04 --format json -o soa2.json
jq -e '.controls[] | select(.id == "A.10.1" and .catalog == "iso27018:2019")
  | (.flags // "") == "" and (.checks | test("all notified in time"))' soa2.json \
  >/dev/null || fail "A.10.1 on 2026-12-04: $(jq -c '.controls[] | select(.id == "A.10.1")' soa2.json)"

# The ledger: entries per customer, the body's digest, never its text.
expect_exit 0 "$CW" log verify
expect_exit 0 "$CW" log show --format json
grep -q "outdated tenant filter\|search suggestions\|support ticket" out &&
  fail "a breach's free text reached the ledger"
[ "$(jq -r 'select(.entry.resources[0].uid == "breaches/br-2026-12") |
  .entry.unmapped.details.sha256' out | sort -u | grep -cE '^[0-9a-f]{64}$')" = 1 ] ||
  fail "the entry names the body's SHA-256"
[ "$(jq -r 'select(.entry.resources[0].uid == "breaches/br-2026-12") | .entry.metadata.tenant_uid' out | sort | tr '\n' ' ')" = "globex initech " ] ||
  fail "one entry per customer concerned"
expect_exit 0 "$CW" register breaches export --format json
sha=$(jq -r '.records[] | select(.id == "br-2026-12") | .sha256' out)
[ "$(printf '%s' "$(jq -c '.records[] | select(.id == "br-2026-12") | .record' out)" | sha256sum | cut -c1-64)" = "$sha" ] ||
  fail "the SHA-256 is the stored body's"
# A prohibited disclosure request stays the provider's: not in Globex's log.
expect_exit 0 "$CW" log show --tenant globex --format json
grep -q "disclosures/dr-2026-10" out && fail "a prohibited request in the customer's log"

# A customer's view: its own records, cut to its part.
expect_exit 0 "$CW" register breaches list --tenant globex --format json
jq -e '[.records[].id] == ["br-2026-12"]' out >/dev/null || fail "globex sees: $(jq -c '[.records[].id]' out)"
jq -e '.records[0].record | .customers == ["globex"] and (.notifications
  | length) == 0 and (has("description") | not) and (has("measures") | not)' \
  out >/dev/null || fail "globex's view of a shared breach: $(jq -c '.records[0].record' out)"
expect_exit 0 "$CW" register disclosures list --tenant globex --format json
[ "$(jq '.records | length' out)" = 0 ] || fail "a prohibited request shown to the customer"
expect_exit 0 "$CW" register breaches list --tenant initech --format json
jq -e '.records[] | select(.id == "br-2026-07") | .record | has("description")' out \
  >/dev/null || fail "a record of initech's alone keeps its text for initech"

# Flags, update (fields merged), close, history.
expect_exit 0 "$CW" register breaches update br-2026-12 --notifications \
  '[{"customer":"globex","at":"2026-12-06T20:00:00Z","how":"email"},{"customer":"initech","at":"2026-12-04T11:00:00-05:00","how":"email"}]'
expect_exit 1 "$CW" registers due "${A[@]}" --format json
jq -e '.duties[] | select(.record == "br-2026-12" and .customer == "globex") |
  .state == "FINDING" and (.what | test("done late"))' out >/dev/null ||
  fail "a late notification stays a finding: $(cat out)"
# A year after its deadline, a late notification is history.
expect_exit 1 "$CW" registers due --as-of 2027-12-07 --format json
jq -e '[.duties[] | select(.register == "breaches")] | length == 0' out \
  >/dev/null || fail "late a year ago: $(jq -c '.duties' out)"
expect_exit 0 "$CW" register breaches show br-2026-12 --format json
[ "$(jq -s 'map(.version) == [1, 2]' out)" = true ] || fail "history: $(cat out)"
jq -s -e '.[1].record.pii_categories == ["note titles"]' out >/dev/null ||
  fail "update keeps the fields not given"
expect_exit 0 "$CW" register locations add --id loc-us --system "analytics" \
  --purpose processing --country US --region us-west-2 --customers globex,initech
expect_exit 1 "$CW" registers due "${A[@]}" --format json
jq -e '[.duties[] | select(.register == "locations")] | length == 2' out >/dev/null ||
  fail "us-west-2 is outside both contracts: $(jq -c '[.duties[] | select(.register == "locations")]' out)"
expect_exit 0 "$CW" register locations update loc-us --region us-east-1 --customers initech
expect_exit 1 "$CW" registers due "${A[@]}" --format json
jq -e '[.duties[] | select(.register == "locations")] | length == 0' out >/dev/null ||
  fail "us-east-1 is inside initech's contract"
expect_exit 0 "$CW" register instructions add --id in-x --customer initech \
  --purposes "product analytics" --marketing_use true
expect_exit 1 "$CW" registers due "${A[@]}" --format json
jq -e '.duties[] | select(.record == "in-x" and .control == "A.3.2" and .state == "FINDING")' out \
  >/dev/null || fail "marketing without consent"
expect_exit 0 "$CW" register instructions close in-x
# Closing does not undo what happened: the finding stays a year.
expect_exit 1 "$CW" registers due --at "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" --format json
jq -e '.duties[] | select(.record == "in-x" and .state == "FINDING")' out >/dev/null ||
  fail "a closed record's finding is gone: $(jq -c '.duties' out)"
expect_exit 1 "$CW" registers due --at "$(date -u -d '+367 days' +%Y-%m-%dT%H:%M:%SZ)" --format json
jq -e '[.duties[] | select(.record == "in-x")] | length == 0' out >/dev/null ||
  fail "a year after its close, history"
expect_exit 2 "$CW" register instructions update in-x --purposes x
grep -q "is closed" err || fail "a closed record is not changed: $(cat err)"
expect_exit 2 "$CW" register instructions add --id in-x --customer initech --purposes x
grep -q "exists" err || fail "add of an existing id: $(cat err)"

# Fed from a config scan: where the PII location check found each
# resource becomes a location record; one outside Globex's contract
# (eu-*) is a finding for Globex; a region of unknown country is left
# for a person, said so.
cat >plan.json <<'JSON'
{"format_version":"1.2","terraform_version":"1.6.0","planned_values":{"root_module":{"resources":[
{"address":"aws_s3_bucket.notes","mode":"managed","type":"aws_s3_bucket","name":"notes","values":{"bucket":"notes","region":"eu-west-1"}},
{"address":"aws_instance.app","mode":"managed","type":"aws_instance","name":"app","values":{"ami":"ami-1","availability_zone":"eu-west-1a"}},
{"address":"aws_db_instance.analytics","mode":"managed","type":"aws_db_instance","name":"analytics","values":{"availability_zone":"us-west-2b"}},
{"address":"aws_ebs_volume.mars","mode":"managed","type":"aws_ebs_volume","name":"mars","values":{"availability_zone":"mars-north-1a"}}
]}}}
JSON
expect_exit 0 "$CW" scan config plan.json --scope acme/cloudward.yaml --record-locations \
  --customers globex --fail-on never
grep -q "locations register: 3 added, 0 updated, 0 unchanged" err || fail "scan-fed locations: $(cat err)"
grep -q "1 resource left out: no country is known" err || fail "unknown region: $(cat err)"
expect_exit 0 "$CW" register locations list --format json
jq -e '[.records[].record | select(.source == "config scan of plan.json")] |
  map([.system, .purpose, .country, .region] | join(" ")) | sort ==
  ["aws_db_instance.analytics storage US us-west-2", "aws_instance.app processing IE eu-west-1",
   "aws_s3_bucket.notes storage IE eu-west-1"]' out >/dev/null || fail "scan-fed records: $(cat out)"
expect_exit 1 "$CW" registers due "${A[@]}" --format json
jq -e '[.duties[] | select(.register == "locations" and .customer == "globex" and .state == "FINDING")
  | .record] == ["aws-db-instance-analytics-cc1df7d50329"]' out >/dev/null ||
  fail "us-west-2 outside globex's contract: $(jq -c '[.duties[] | select(.register == "locations")]' out)"
# Scanned again: nothing changes, nothing is written.
n2=$(entries)
expect_exit 0 "$CW" scan config plan.json --scope acme/cloudward.yaml --record-locations \
  --customers globex --fail-on never --no-save
grep -q "locations register: 0 added, 0 updated, 3 unchanged" err || fail "rescan: $(cat err)"
[ "$(entries)" = "$n2" ] || fail "an unchanged rescan wrote ledger entries"

# Malformed input: FILE:LINE:COL, nothing written.
before=$(entries)
cat >bad.yaml <<'YAML'
register: breaches
records:
  - id: br-ok
    detected: 2026-12-01T10:00:00Z
    customers: [globex]
    pii_categories: [email]
  - id: br-bad
    detected: 2026-02-30T10:00:00Z
    customers: [globex]
    pii_categories: [email]
YAML
expect_exit 2 "$CW" register breaches add --file bad.yaml
grep -q "bad.yaml:8:15: breaches record 'br-bad': field 'detected': expected an RFC 3339 time" err ||
  fail "bad time: $(cat err)"
printf 'register: breaches\nrecords:\n  - id: br-x\n    detected: 2026-12-01T10:00:00Z\n    customers: [globex]\n    pii_categories: [email]\n    confirmd: 2026-12-01\n' >bad2.yaml
expect_exit 2 "$CW" register breaches add --file bad2.yaml
grep -q "bad2.yaml:7:5: .*unknown field 'confirmd'" err || fail "unknown field: $(cat err)"
printf 'register: locations\nrecords: [{id: l1, system: s, purpose: storage, country: ie, region: r, customers: ["*"]}]\n' >bad3.yaml
expect_exit 2 "$CW" register breaches add --file bad3.yaml
grep -q "holds register 'locations', not 'breaches'" err || fail "wrong register: $(cat err)"
expect_exit 2 "$CW" registers import bad3.yaml
grep -q "bad3.yaml:2:.*country" err || fail "bad country: $(cat err)"
printf '{"register": "disclosures", "id": "d1", "received": "2026-12-01", "authority": "a", "legal_basis": "b", "customers": ["globex"], "prohibited": true}' >bad4.json
expect_exit 2 "$CW" registers import bad4.json
grep -q "bad4.json:1:.*prohibition_basis" err || fail "prohibition without basis: $(cat err)"
# A NUL inside a JSON string (\u0000) must not cut a value short of its check.
printf '{"register": "breaches", "id": "b-nul", "detected": "2026-12-01T10:00:00Z\\u0000junk", "customers": ["globex"], "pii_categories": ["x"]}' >nul.json
expect_exit 2 "$CW" registers import nul.json
grep -q "nul.json:1:.*field 'detected': holds a NUL character" err || fail "NUL: $(cat err)"
printf '{"register": "breaches", "id\\u0000x": "b-nul", "detected": "2026-12-01T10:00:00Z", "customers": ["globex"], "pii_categories": ["x"]}' >nul2.json
expect_exit 2 "$CW" registers import nul2.json
printf 'register: breaches\nrecords:\n  - id: b-r\n    register: [whatever]\n    detected: 2026-12-01\n    customers: [globex]\n    pii_categories: [x]\n' >bad5.yaml
expect_exit 2 "$CW" registers import bad5.yaml
grep -q "bad5.yaml:4:15: 'register' goes beside 'records'" err || fail "register in a record: $(cat err)"
expect_exit 2 "$CW" register breaches add --id br-y --detected now --customers globex --pii_categories x
grep -q "^cloudward: command line: --detected: breaches record 'br-y': expected an RFC 3339" err ||
  fail "flag error: $(cat err)"
expect_exit 2 "$CW" register temp-erasure add --id te-x --system s --every_days 0x10
grep -q -- "--every_days: .*expected a whole number" err || fail "hex days: $(cat err)"
expect_exit 2 "$CW" register contracts add --id c2 --customer globex
grep -q "already has contract 'ct-globex'" err || fail "two contracts: $(cat err)"
# A folder is imported whole or not at all: a bad file saves nothing of
# the good ones read before it.
mkdir mix
sed 's/rs-2026-09/rs-mix/' acme/registers/restorations.yaml >mix/a-restorations.yaml
cp bad.yaml mix/b-breaches.yaml
expect_exit 2 "$CW" registers import mix
grep -q "b-breaches.yaml:8:15:" err || fail "the bad file named: $(cat err)"
expect_exit 0 "$CW" register restorations list --format json
jq -e '[.records[].id] | index("rs-mix-12") == null' out >/dev/null || fail "a good file of a refused folder was saved"
expect_exit 2 "$CW" register nosuch list
[ "$(entries)" = "$before" ] || fail "bad input wrote ledger entries"
expect_exit 0 "$CW" log verify

# Exports: CSV with the fields, XLSX a workbook, HTML with findings red.
expect_exit 0 "$CW" register breaches export --format csv -o b.csv
head -1 b.csv | grep -q "^Id,Version,State,Recorded,By,SHA-256,Findings,detected,confirmed,customers," ||
  fail "csv header: $(head -1 b.csv)"
grep -q "^br-2026-12,2,open," b.csv || fail "csv row: $(cat b.csv)"
expect_exit 0 "$CW" register breaches export --format xlsx -o b.xlsx
unzip -l b.xlsx >list || fail "xlsx does not unzip"
grep -q "xl/worksheets/sheet1.xml" list || fail "xlsx is not a workbook"
expect_exit 2 "$CW" register breaches export --format xlsx
expect_exit 1 "$CW" registers due "${A[@]}" --format html -o due.html
grep -q "br-2026-12" due.html || fail "html: $(head -c 300 due.html)"
expect_exit 0 "$CW" register subprocessors list
grep -q "sp-postbox-mail" out || fail "list: $(cat out)"

# Through the server: a customer sees what is owed to it, nothing of
# another customer's.
expect_exit 0 "$CW" token create --name i --role customer --tenant initech
ITOK=$(cat out)
expect_exit 0 "$CW" token create --name p --role compliance
PTOK=$(cat out)
# On PostgreSQL, as the servers' least-privileged role (docs/scaling.md):
# row-level security on register_records must let it read.
if [ -n "${PG_APP:-}" ]; then
  pg_grant_app
  serve_start "$PG_APP"
else
  serve_start "$S"
fi
get /api/v1/registers/due -H "Authorization: Bearer $ITOK"
[ "$(cat code)" = 200 ] || fail "due as initech: $(cat code)"
jq -e '[.duties[].customer] | all(. == "initech" or . == null)' body >/dev/null ||
  fail "initech sees another's duties: $(cat body)"
grep -q globex body && fail "globex named to initech: $(cat body)"
get /api/v1/registers/breaches -H "Authorization: Bearer $ITOK"
grep -q globex body && fail "a shared breach names globex to initech: $(cat body)"
jq -e '[.records[].id] | sort == ["br-2026-07", "br-2026-12"]' body >/dev/null ||
  fail "initech's breaches: $(cat body)"
# Written through the API by the provider's compliance role, as the CLI
# would: checked whole, FILE:LINE:COL in the answer, a ledger entry.
n3=$(entries)
get /api/v1/registers/restorations -X POST -H "Authorization: Bearer $PTOK" \
  -H "Content-Type: application/json" \
  --data '{"id":"rs-api","at":"2026-12-05T10:00:00Z","by":"on-call SRE","customers":["initech"],"what":"one workspace","why":"deleted by mistake"}'
[ "$(cat code)" = 201 ] && jq -e '.added == 1' body >/dev/null || fail "POST a restoration: $(cat code) $(cat body)"
[ "$(entries)" = $((n3 + 1)) ] || fail "the API's change is one ledger entry"
get /api/v1/registers/restorations -X POST -H "Authorization: Bearer $PTOK" \
  -H "Content-Type: application/json" --data '{"id":"rs-bad","at":"later"}'
[ "$(cat code)" = 400 ] && grep -q 'request.json:1:' body || fail "a bad record: $(cat code) $(cat body)"
get /api/v1/registers/restorations -X POST -H "Authorization: Bearer $ITOK" \
  -H "Content-Type: application/json" --data '{"id":"rs-x"}'
[ "$(cat code)" = 403 ] || fail "a customer writes a register: $(cat code)"
get "/api/v1/registers/breaches?history=true" -H "Authorization: Bearer $PTOK"
jq -e '[.records[] | select(.id == "br-2026-12") | .version] == [1, 2]' body >/dev/null ||
  fail "the breach's history: $(cat body)"
get /api/v1/registers/due -H "Authorization: Bearer $PTOK"
jq -e '[.duties[] | select(.customer == "globex")] | length > 0' body >/dev/null ||
  fail "the provider sees every customer's duties: $(cat body)"
finish
