#!/usr/bin/env bash
# demo.sh - the README's third command, `cloudward serve --demo`: it fills
# a fresh store from the bundled examples, prints each person's password
# once and serves; a customer signs in, accepts the NDA and downloads the
# live SoA (an .xlsx whose first line names the tenant, the user and the
# download); the other customer cannot see Globex's own document; the
# auditor's sign-in needs its second factor.
. "$(dirname "$0")/lib.sh"
cd "$SRC" # the demo finds examples/ here, as it does from a checkout
out=$WORK/out
"$CW" serve --demo --listen 127.0.0.1:0 >"$out" 2>"$WORK/server.log" &
pid=$!
for _ in $(seq 1 100); do grep -q "Open http" "$out" && break; sleep 0.1; done
cd "$WORK"
grep -q "Open http" out || { fail "the demo did not start: $(cat out server.log)"; finish; }
U=$(sed -n 's/^Open \(http:\/\/127.0.0.1:[0-9]*\)\/ .*/\1/p' out)
pw() { awk -v u="$1" '$1 == u { for (i = 1; i < NF; i++) if ($i == "password") print $(i + 1) }' out; }
for u in ada alex gina gus ian; do [ -n "$(pw $u)" ] || fail "no password for $u: $(cat out)"; done
grep -q "ada .*admin" out && grep -q "second factor: otpauth://totp/cloudward:ada?secret=" out ||
  fail "the admin's second factor: $(cat out)"

signin() { # LOGIN: a session in jar.LOGIN, its form token in csrf.LOGIN
  get /api/v1/session -c "jar.$1" -H "Content-Type: application/json" \
    --data "{\"login\":\"$1\",\"password\":\"$(pw "$1")\"}"
  if [ "$(cat code)" = 201 ]; then jq -r .csrf body >"csrf.$1"; fi
}
as() { local l=$1 url=$2; shift 2; get "$url" -b "jar.$l" -H "X-CSRF-Token: $(cat "csrf.$l")" "$@"; }

signin alex
[ "$(cat code)" = 401 ] || fail "the auditor without its code: $(cat code)"
signin gus
[ "$(cat code)" = 201 ] || fail "gus signs in: $(cat code) $(cat body)"
as gus /api/v1/documents
[ "$(jq -r '[.documents[].id] | join(",")' body)" = "globex-review,iso27001,matrix,pentest-2026,security-policy,soa,subprocessors" ] ||
  fail "gus's library: $(cat body)"
signin ian
as ian /api/v1/documents
jq -e '[.documents[].id] | index("globex-review") == null' body >/dev/null || fail "ian sees Globex's document"
as gus /api/v1/documents/soa/download -X POST
[ "$(cat code)" = 403 ] || fail "the SoA before the NDA: $(cat code)"
as gus /api/v1/agreements/nda/acceptance -H "Content-Type: application/json" --data '{"version":"1"}'
[ "$(cat code)" = 204 ] || fail "accept: $(cat code) $(cat body)"
as gus /api/v1/documents/soa/download -X POST
LINK=$(jq -r .url body)
curl -s -o soa.xlsx -D hdr -b jar.gus "$U$LINK" -w '%{http_code}' >code
[ "$(cat code)" = 200 ] || fail "the SoA: $(cat code) $(cat soa.xlsx; tail -5 "$WORK/server.log")"
[ "$(head -c 2 soa.xlsx)" = PK ] || fail "not an xlsx"
DL=$(sed -n 's/^x-cloudward-download: //Ip' hdr | tr -d '\r')
unzip -p soa.xlsx xl/sharedStrings.xml >strings.xml 2>/dev/null || unzip -p soa.xlsx 'xl/worksheets/*.xml' >strings.xml
grep -q "Prepared for globex, gus, .*download $DL" strings.xml || fail "no 'prepared for' line naming the download"
# On the sheet people open: its printed header, and its first row (a
# shared string, the first the sheet's row 1 names).
unzip -p soa.xlsx xl/worksheets/sheet1.xml >sheet1.xml
grep -q '<oddHeader>&amp;LPrepared for globex, gus, ' sheet1.xml || fail "the Controls sheet has no printed stamp"
grep -q '<row r="1"[^>]*><c r="A1"[^>]*t="s"><v>0</v>' sheet1.xml || fail "the stamp is not the Controls sheet's first row"
first=$(grep -o '<si><t[^>]*>[^<]*</t></si>' strings.xml | sed -n 1p)
[[ "$first" == *"Prepared for globex, gus"* ]] || fail "the first shared string is not the stamp: $first"
SHA=$(sha256sum soa.xlsx | cut -d' ' -f1)
grep -qi "^x-cloudward-sha256: $SHA" hdr || fail "the header's SHA-256 is not the copy's"
STORE=$(sed -n 's/^cloudward demo: a fresh store in //p' out)
expect_exit 0 "$CW" log show --store "$STORE" --tenant globex --format json
grep -q "$SHA" out || fail "the download's entry lacks the copy's SHA-256"
# The example's registers: Globex's overdue breach notification; Initech
# sees its own duties, none of Globex's.
as gus /api/v1/registers/due
jq -e '.duties[] | select(.record == "br-2026-12" and .customer == "globex" and .finding)' body \
  >/dev/null || fail "gus's registers: $(cat body)"
as ian /api/v1/registers/due
jq -e '[.duties[].customer] | all(. == "initech")' body >/dev/null || fail "ian's registers: $(cat body)"
# The sub-processors' list, made at each download from the register.
as gus /api/v1/documents/subprocessors/download -X POST
LINK=$(jq -r .url body)
curl -s -o subs.xlsx -b jar.gus "$U${LINK}" >/dev/null
unzip -p subs.xlsx xl/sharedStrings.xml >subs.xml 2>/dev/null || true
grep -q "sp-postbox-mail" subs.xml || fail "the sub-processors' list: $(head -c 300 subs.xlsx)"
kill -TERM "$pid"
wait "$pid" || fail "the demo exited $?"
rm -rf "$(dirname "$STORE")"
finish
