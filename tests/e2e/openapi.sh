#!/usr/bin/env bash
# openapi.sh - the API description (src/server/assets/openapi.json) kept
# true to the server: the linter (Redocly CLI, which scripts/setup.sh
# installs under tests/openapi/node_modules) finds nothing in it; its
# operations are exactly the routes `cloudward serve --routes` prints,
# each with the same rule; the server serves its very bytes, with an ETag
# and 304; and live answers of every operation, good and bad, have a
# status the description gives that operation, the media type and the
# headers it declares, and a body valid against its schema (python3
# jsonschema, draft 2020-12, the dialect of OpenAPI 3.1).
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "openapi.sh needs curl" >&2; exit 1; }
export LC_ALL=C # sort, comm and join agree on one order
DESC=$SRC/src/server/assets/openapi.json
jq -e '.openapi == "3.1.0"' "$DESC" >/dev/null || fail "$DESC: not JSON, or not OpenAPI 3.1.0"

# (a) The linter, from the project's own lock file: never skipped.
LINT=$SRC/tests/openapi/node_modules/.bin/redocly
if ! command -v node >/dev/null; then
  fail "no node to run the OpenAPI linter: run scripts/setup.sh"
elif ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
                process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  fail "node $(node --version) is too old for the OpenAPI linter (20.19 or later)"
elif [ ! -x "$LINT" ]; then
  fail "the OpenAPI linter is not installed (tests/openapi/node_modules): run scripts/setup.sh"
elif ! REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1 \
  "$LINT" lint --config "$SRC/tests/openapi/redocly.yaml" "$DESC" >lint.out 2>&1; then
  # What follows its banners: the findings, or else whatever it said.
  fail "the linter refuses the description: $(sed -n '/^validating /,$p' lint.out | grep . || tail -40 lint.out)"
fi
want_version=$(sed -n 's/^project(cloudward VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
[ "$(jq -r .info.version "$DESC")" = "$want_version" ] ||
  fail "info.version is $(jq -r .info.version "$DESC"), the project is $want_version"

# (b) The operations are the routes, both ways, with the same rules.
"$CW" serve --api-routes | sort >routes.tsv
jq -r '.paths | to_entries[] | .key as $p | .value | to_entries[]
  | select(.key | IN("get", "put", "post", "delete", "options", "head", "patch", "trace"))
  | "\(.key | ascii_upcase) \($p | gsub("\\{[^}/]*\\}"; "{}"))\t\(.value["x-cloudward-rule"] // "(no x-cloudward-rule)")"' \
  "$DESC" | sort >described.tsv
cut -f1 routes.tsv >routes.keys
cut -f1 described.tsv >described.keys
[ -s routes.keys ] || fail "cloudward serve --routes printed nothing"
missing=$(comm -23 routes.keys described.keys)
extra=$(comm -13 routes.keys described.keys)
[ -z "$missing" ] || fail "routes the description lacks: $(echo "$missing" | paste -sd';')"
[ -z "$extra" ] || fail "operations the server does not route: $(echo "$extra" | paste -sd';')"
[ -z "$(cut -f1 described.tsv | uniq -d)" ] || fail "an operation described twice: $(cut -f1 described.tsv | uniq -d)"
join -t $'\t' routes.tsv described.tsv | awk -F'\t' '$2 != $3' >rules.diff || true
[ -s rules.diff ] && fail "x-cloudward-rule differs from serve --routes (route, server, description): $(cat rules.diff)"

# A fresh store: two tenants, a provider's token and a tenant's, a
# tenant's user; log entries with a checkpoint over some of them.
S=$WORK/st
expect_exit 0 "$CW" tenant add globex --name Globex --store "$S"
expect_exit 0 "$CW" tenant add initech --name Initech --store "$S"
expect_exit 0 "$CW" token create --name t --role admin --store "$S"
TOK=$(cat out)
expect_exit 0 "$CW" token create --name c --role customer --tenant globex --store "$S"
CTOK=$(cat out)
echo 'g1-password-long' | "$CW" admin user add g1 --role customer --tenant globex --store "$S" >/dev/null 2>&1 ||
  fail "user g1"
expect_exit 0 "$CW" register breaches add --id br-1 --detected 2026-12-01T10:00:00Z \
  --confirmed 2026-12-01T12:00:00Z --customers globex,initech --pii_categories email --store "$S"
expect_exit 0 "$CW" log checkpoint --store "$S"
serve_start "$S" --threads 2 --scope "$SRC/examples/acme-notes/cloudward.yaml"

# (c) The description as served: the file's bytes, JSON, an ETag, 304.
get /api/v1/openapi.json
[ "$(cat code)" = 200 ] || fail "GET /api/v1/openapi.json: $(cat code)"
cmp -s body "$DESC" || fail "the served description differs from $DESC (rebuild: cmake --build build)"
grep -qi '^Content-Type: application/json'$'\r''$' hdr || fail "description's type: $(grep -i '^content-type' hdr)"
etag=$(sed -n 's/^ETag: \(.*\)\r$/\1/Ip' hdr)
[ -n "$etag" ] || fail "the description has no ETag"
: >body
get /api/v1/openapi.json -H "If-None-Match: $etag"
[ "$(cat code)" = 304 ] && [ ! -s body ] || fail "If-None-Match on the description: $(cat code)"

# (d) Live answers against the description. check METHOD PATH WANT [curl
# args]: makes the request (PATH as sent; its operation is found by
# matching the description's paths), wants status WANT, and keeps the
# answer for the validator below.
n=0
check() {
  local method=$1 path=$2 want=$3
  shift 3
  n=$((n + 1))
  : >body # curl writes no file for an empty body
  : >hdr
  get "$path" -X "$method" "$@"
  [ "$(cat code)" = "$want" ] || fail "$method $path: $(cat code), wanted $want ($(head -c 200 body))"
  cp body "answer.$n.body"
  cp hdr "answer.$n.hdr"
  printf '%s\t%s\t%s\t%s\n' "$method" "${path%%\?*}" "$(cat code)" "$n" >>answers.tsv
}
A=(-H "Authorization: Bearer $TOK")
C=(-H "Authorization: Bearer $CTOK")
J=(-H "Content-Type: application/json")

check GET /healthz 200
check GET /readyz 200
check GET /metrics 200
check GET /api/v1/openapi.json 200
check GET /api/v1/openapi.json 304 -H "If-None-Match: $etag"
check GET /assets/openapi.json 404
check GET /assets/no-such.css 404
check GET /healthz 415 --data x
check GET "/api/v1/controls?catalog=iso27002:2022" 200 "${C[@]}"
cetag=$(sed -n 's/^ETag: \(.*\)\r$/\1/Ip' hdr)
check GET "/api/v1/controls?catalog=iso27002:2022" 304 "${A[@]}" -H "If-None-Match: $cetag"
check GET /api/v1/controls 400 "${A[@]}"
check GET "/api/v1/controls?catalog=nope" 404 "${A[@]}"
check GET "/api/v1/controls?catalog=iso27002:2022" 401
check GET "/api/v1/controls?catalog=iso27002:2022" 401 -H "Authorization: Bearer cwt_0000000000000000_${TOK:21}"
check GET /api/v1/session 200 "${A[@]}"
check GET /api/v1/session 200 "${C[@]}"
check GET /api/v1/session 415 "${A[@]}" --data x

# Sign-in: a failure, then g1's session (its cookie in jar).
check POST /api/v1/session 401 "${J[@]}" --data '{"login":"g1","password":"not-the-password"}'
check POST /api/v1/session 400 "${J[@]}" --data '{"login":"g1"}'
check POST /api/v1/session 400 "${J[@]}" --data '{"login":'
check POST /api/v1/session 415 -H "Content-Type: text/plain" --data 'login=g1'
check POST /api/v1/session 201 -c jar -H "Content-Type: application/x-www-form-urlencoded" \
  --data 'login=g1&password=g1-password-long'
CSRF=$(jq -r .csrf body)
G=(-b jar -H "X-CSRF-Token: $CSRF")
check GET /api/v1/session 200 -b jar

# Agreements and documents.
check POST /api/v1/agreements 201 "${A[@]}" "${J[@]}" \
  --data '{"id":"nda","title":"Mutual NDA","text":"We keep your secrets; you keep ours."}'
check POST /api/v1/agreements 400 "${A[@]}" "${J[@]}" --data '{"id":"Bad Id","title":"x","text":"y"}'
check POST /api/v1/agreements 403 "${C[@]}" "${J[@]}" --data '{"id":"x","title":"x","text":"y"}'
check POST /api/v1/agreements 403 -b jar "${J[@]}" --data '{"id":"x","title":"x","text":"y"}'
check GET /api/v1/agreements/nda 200 "${A[@]}"
check GET /api/v1/agreements/nda 200 -b jar
check GET /api/v1/agreements/no-such 404 "${C[@]}"
echo "the policy" >policy.txt
echo "the SOC 2 report" >soc2.pdf
echo "Globex's plan" >plan.txt
check POST "/api/v1/documents?id=policy&title=Security+policy&type=policy&class=public&name=policy.txt" 201 \
  "${A[@]}" -H "Content-Type: application/octet-stream" --data-binary @policy.txt
check POST "/api/v1/documents?id=soc2&title=SOC+2&type=audit-report&class=gated&agreement=nda&name=soc2.pdf" 201 \
  "${A[@]}" --data-binary @soc2.pdf
check POST "/api/v1/documents?id=plan&title=Plan&type=policy&class=tenant&tenant=globex&name=plan.txt" 201 \
  "${A[@]}" --data-binary @plan.txt
check POST "/api/v1/documents?id=x&title=X&type=policy&class=secret&name=x.txt" 400 "${A[@]}" --data-binary @plan.txt
check POST "/api/v1/documents?id=x&title=X&type=policy&class=gated&agreement=none&name=x.txt" 404 \
  "${A[@]}" --data-binary @plan.txt
check POST "/api/v1/documents?id=x&title=X&type=policy&class=public&name=x.txt" 403 "${C[@]}" --data-binary @plan.txt
check GET /api/v1/documents 200 "${A[@]}"
check GET /api/v1/documents 200 -b jar
check GET /api/v1/documents/plan 200 "${C[@]}"
detag=$(sed -n 's/^ETag: \(.*\)\r$/\1/Ip' hdr)
check GET /api/v1/documents/plan 304 "${C[@]}" -H "If-None-Match: $detag"
check GET "/api/v1/documents/policy?version=1" 200 "${A[@]}"
check GET "/api/v1/documents/policy?version=x" 400 "${A[@]}"
check GET /api/v1/documents/no-such 404 "${A[@]}"

# Subscriptions, the gate, acceptance, a single-use download.
check POST /api/v1/documents/soc2/subscription 204 "${G[@]}"
check POST /api/v1/documents/soc2/subscription 403 "${A[@]}"
check POST /api/v1/documents/no-such/subscription 404 "${G[@]}"
check DELETE /api/v1/documents/policy/subscription 204 "${G[@]}"
check DELETE /api/v1/documents/policy/subscription 403 -b jar
check POST /api/v1/documents/soc2/download 403 "${G[@]}"
check POST /api/v1/agreements/nda/acceptance 400 "${G[@]}" "${J[@]}" --data '{"version":2}'
check POST /api/v1/agreements/nda/acceptance 403 "${C[@]}" "${J[@]}" --data '{"version":1}'
check POST /api/v1/agreements/nda/acceptance 204 "${G[@]}" "${J[@]}" --data '{"version":1}'
check POST /api/v1/documents/soc2/download 201 "${G[@]}" "${J[@]}" --data '{"version":"1"}'
LINK=$(jq -r .url body)
check POST /api/v1/documents/no-such/download 404 "${G[@]}"
check POST /api/v1/documents/soc2/download 400 "${G[@]}" "${J[@]}" --data '{"version":"0"}'
check GET "$LINK" 200 -b jar
cmp -s "answer.$n.body" soc2.pdf || fail "the download's bytes differ"
check GET "$LINK" 403 -b jar
check GET "$LINK" 403 "${A[@]}"

# Notices: two new versions for the subscriber; a full page has next.
for v in 2 3; do
  echo "SOC 2 report, version $v" >soc2.pdf
  check POST "/api/v1/documents?id=soc2&title=SOC+2&type=audit-report&class=gated&agreement=nda&name=soc2.pdf" 201 \
    "${A[@]}" --data-binary @soc2.pdf
done
check GET "/api/v1/notices?limit=1" 200 -b jar
jq -e '(.notices | length) == 1 and (.next | type) == "string"' body >/dev/null || fail "a full page of notices: $(cat body)"
check GET "$(jq -r .next body)" 200 -b jar
check GET /api/v1/notices 200 -b jar
check GET /api/v1/registers/due 200 "${A[@]}"
jq -e '.duties | map(select(.record == "br-1" and .customer == "globex")) | length == 1' body >/dev/null ||
  fail "the breach's duty: $(cat body)"
check GET "/api/v1/registers/due?within=7" 200 "${C[@]}"
check GET "/api/v1/registers/due?within=soon" 400 "${A[@]}"
check GET /api/v1/registers/due 401
check GET /api/v1/registers/breaches 200 "${C[@]}"
jq -e '.records[0].record.customers == ["globex"]' body >/dev/null || fail "globex's view: $(cat body)"
check GET "/api/v1/registers/breaches?history=true" 200 "${A[@]}"
check GET "/api/v1/registers/breaches?history=maybe" 400 "${A[@]}"
check GET /api/v1/registers/nosuch 404 "${A[@]}"
check POST /api/v1/registers/breaches 201 "${A[@]}" "${J[@]}" \
  --data '{"id":"br-2","detected":"2026-12-02T10:00:00Z","customers":["globex"],"pii_categories":["email"]}'
check POST /api/v1/registers/breaches 409 "${A[@]}" "${J[@]}" \
  --data '{"id":"br-2","detected":"2026-12-02T10:00:00Z","customers":["globex"],"pii_categories":["email"]}'
check POST "/api/v1/registers/breaches?mode=upsert" 201 "${A[@]}" -H "Content-Type: application/yaml" \
  --data-binary $'records:\n  - id: br-2\n    detected: 2026-12-02T10:00:00Z\n    customers: [globex]\n    pii_categories: [email, name]\n'
check POST /api/v1/registers/breaches 400 "${A[@]}" "${J[@]}" --data '{"id":"br-3","detected":"soon"}'
check POST /api/v1/registers/breaches 403 "${C[@]}" "${J[@]}" --data '{"id":"br-4"}'
check POST /api/v1/registers/breaches/br-2/close 204 "${A[@]}"
check POST /api/v1/registers/breaches/br-2/close 400 "${A[@]}"
check POST /api/v1/registers/breaches/no-such/close 404 "${A[@]}"
check GET "/api/v1/notices?limit=0" 400 -b jar
check GET /api/v1/notices 403 "${C[@]}"

# Evidence, and a generated document.
echo "a backup report" >backup.txt
check POST "/api/v1/evidence?control=iso27017:2015%20CLD.12.1.5&name=backup.txt" 201 "${A[@]}" --data-binary @backup.txt
check POST "/api/v1/evidence?control=nope&name=backup.txt" 400 "${A[@]}" --data-binary @backup.txt
check POST "/api/v1/evidence?control=iso27017:2015%20CLD.12.1.5&name=backup.txt" 403 "${C[@]}" --data-binary @backup.txt
check GET /api/v1/evidence 200 "${A[@]}"
check GET /api/v1/evidence 403 "${C[@]}"
check POST "/api/v1/documents?id=live-soa&title=SoA&type=soa&class=public&name=soa.csv&generated=yes" 201 "${A[@]}" -X POST

# Users: the admin's, and a customer-admin's own tenant's.
"$CW" token create --name ca --role customer-admin --tenant globex --store "$S" >ca.tok 2>/dev/null || fail "customer-admin token"
CA=(-H "Authorization: Bearer $(cat ca.tok)")
check GET /api/v1/users 200 "${A[@]}"
check GET /api/v1/users 200 "${CA[@]}"
check GET /api/v1/users 403 "${C[@]}"
check POST /api/v1/users 201 "${A[@]}" "${J[@]}" --data '{"login":"staff1","role":"compliance"}'
check POST /api/v1/users 201 "${CA[@]}" "${J[@]}" --data '{"login":"g-new","role":"customer"}'
check POST /api/v1/users 404 "${CA[@]}" "${J[@]}" --data '{"login":"i-new","role":"customer","tenant":"initech"}'
check POST /api/v1/users 400 "${A[@]}" "${J[@]}" --data '{"login":"x"}'
check POST /api/v1/users/g-new/disable 204 "${CA[@]}"
check POST /api/v1/users/g-new/disable 409 "${A[@]}"
check POST /api/v1/users/staff1/disable 404 "${CA[@]}"
check POST /api/v1/users/staff1/disable 403 "${C[@]}"

# Saved scan runs: one the server makes from a plan CI sends.
check GET /api/v1/runs 200 "${A[@]}"
check POST "/api/v1/scans/config?pack=aws&name=plan.json" 201 "${A[@]}" --data-binary "@$SRC/tests/cases/config/plan.json"
check POST "/api/v1/scans/config?pack=kubernetes&name=plan.json" 400 "${A[@]}" --data-binary "@$SRC/tests/cases/config/plan.json"
jq -e '.detail | test("no resource of a type pack kubernetes checks")' body >/dev/null || fail "an empty scan: $(cat body)"
check POST "/api/v1/scans/config?pack=debian-12&name=plan.json" 400 "${A[@]}" --data-binary "@$SRC/tests/cases/config/plan.json"
check POST "/api/v1/scans/config?pack=aws&name=plan.json" 400 "${A[@]}" --data-binary '{"a":'
check POST "/api/v1/scans/config?pack=aws&name=plan.json" 403 "${C[@]}" --data-binary "@$SRC/tests/cases/config/plan.json"
check GET /api/v1/runs/1 200 "${A[@]}"
check GET "/api/v1/runs/1?offset=1&limit=2" 200 "${A[@]}"
check GET /api/v1/runs/x 400 "${A[@]}"
check GET /api/v1/runs/99 404 "${A[@]}"
check GET /api/v1/runs 403 "${C[@]}"

# Tenants, tokens, and the log's checkpoint and consistency.
check GET /api/v1/tenants 200 "${A[@]}"
check GET /api/v1/tenants 403 "${C[@]}"
check POST /api/v1/tenants 201 "${A[@]}" "${J[@]}" --data '{"id":"umbrella","name":"Umbrella"}'
check POST /api/v1/tenants 409 "${A[@]}" "${J[@]}" --data '{"id":"umbrella","name":"Umbrella"}'
check POST /api/v1/tenants 400 "${A[@]}" "${J[@]}" --data '{"id":"Bad Id","name":"x"}'
check GET /api/v1/tokens 200 "${A[@]}"
check GET /api/v1/tokens 200 "${CA[@]}"
check POST /api/v1/tokens 201 "${CA[@]}" "${J[@]}" --data '{"name":"portal-bot","role":"customer","days":"30"}'
NEWTOK=$(jq -r .id body)
check POST /api/v1/tokens 404 "${CA[@]}" "${J[@]}" --data '{"name":"x","role":"customer","tenant":"initech"}'
check POST /api/v1/tokens 400 "${A[@]}" "${J[@]}" --data '{"name":"x","role":"root"}'
check DELETE "/api/v1/tokens/$NEWTOK" 204 "${CA[@]}"
check DELETE "/api/v1/tokens/$NEWTOK" 409 "${A[@]}"
check DELETE /api/v1/tokens/0123456789abcdef 404 "${A[@]}"
check GET /api/v1/tokens 403 "${C[@]}"
"$CW" log checkpoint --store "$S" >/dev/null 2>&1 || fail "log checkpoint"
check GET /api/v1/log/checkpoint 200 "${C[@]}"
check GET "/api/v1/log/consistency?from=1&to=3" 200 "${C[@]}"
check GET "/api/v1/log/consistency?from=3&to=1" 400 "${C[@]}"

# The live SoA and matrix, in several formats.
check GET /api/v1/soa 200 "${A[@]}"
check GET "/api/v1/soa?format=csv" 200 "${A[@]}"
check GET "/api/v1/soa?format=table" 400 "${A[@]}"
check GET /api/v1/soa 403 "${C[@]}"
check GET /api/v1/score 200 "${A[@]}"
check GET "/api/v1/score?by=clause&catalog=iso27018:2019&actions=3" 200 "${A[@]}"
# The API's score is the command's: one writer, the same store and scope.
cp body score-api.json
"$CW" score --scope "$SRC/examples/acme-notes/cloudward.yaml" --store "$S" --by clause \
  --catalog iso27018:2019 --actions 3 --format json >score-cli.json 2>/dev/null ||
  fail "score --format json"
cmp -s score-api.json score-cli.json || fail "GET /api/v1/score differs from 'cloudward score'"
check GET "/api/v1/score?by=tenant" 400 "${A[@]}"
check GET "/api/v1/score?catalog=iso9001:2015" 400 "${A[@]}"
check GET /api/v1/score 403 "${C[@]}"
check GET "/api/v1/matrix?model=saas&format=md" 200 "${C[@]}"
check GET "/api/v1/matrix?format=xlsx" 200 "${C[@]}"
check GET "/api/v1/matrix?model=mainframe" 400 "${C[@]}"
check GET /api/v1/matrix 401

# Agents: a token, an enrolment with a key made by openssl, a signed
# push of a scan of an empty root (every check judged), its replay, a
# bad signature, the fleet, a revocation.
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
check POST /api/v1/agents/tokens 201 "${A[@]}" "${J[@]}" --data '{"expires_in":"600"}'
etok=$(jq -r .token body)
check POST /api/v1/agents/tokens 400 "${A[@]}" "${J[@]}" --data '{"expires_in":"5"}'
check POST /api/v1/agents/tokens 403 "${C[@]}" "${J[@]}" --data '{}'
openssl genpkey -algorithm ed25519 -out agent.pem 2>/dev/null || fail "openssl genpkey"
apub=$(openssl pkey -in agent.pem -pubout -outform DER | tail -c 32 | b64url)
check POST /api/v1/agents 201 "${J[@]}" \
  --data "{\"token\":\"$etok\",\"host\":\"h1\",\"pack\":\"debian-12\",\"public_key\":\"$apub\"}"
aid=$(jq -r .id body)
psha=$(jq -r .pack_sha256 body)
check POST /api/v1/agents 403 "${J[@]}" \
  --data "{\"token\":\"$etok\",\"host\":\"h2\",\"pack\":\"debian-12\",\"public_key\":\"$apub\"}"
check POST /api/v1/agents 400 "${J[@]}" --data '{"token":"x"}'
mkdir -p emptyroot
"$CW" scan host --root emptyroot --pack debian-12 --no-save --format json -o scan.json 2>/dev/null || true
jq -c --arg id "$aid" --arg sha "$psha" '{format: "cloudward-agent-push/1", agent: $id, seq: 1,
  pack: "debian-12", pack_sha256: $sha, started: "2026-12-07T00:00:00Z", seconds: 0.5,
  results: [.results[] | {check: .id, verdict: .verdict, reason: .reason}]}' scan.json | tr -d '\n' >push.json
{ printf 'cloudward-agent-push/1\n'; cat push.json; } >push.signed
psig=$(openssl pkeyutl -sign -inkey agent.pem -rawin -in push.signed | b64url)
check POST "/api/v1/agents/$aid/results" 201 -H "X-Cloudward-Signature: $psig" "${J[@]}" --data-binary @push.json
check POST "/api/v1/agents/$aid/results" 409 -H "X-Cloudward-Signature: $psig" "${J[@]}" --data-binary @push.json
check POST "/api/v1/agents/$aid/results" 401 -H "X-Cloudward-Signature: $apub" "${J[@]}" --data-binary @push.json
jq -c '.seq = 2 | .results |= .[1:]' push.json | tr -d '\n' >short.json
{ printf 'cloudward-agent-push/1\n'; cat short.json; } >short.signed
ssig=$(openssl pkeyutl -sign -inkey agent.pem -rawin -in short.signed | b64url)
check POST "/api/v1/agents/$aid/results" 400 -H "X-Cloudward-Signature: $ssig" "${J[@]}" --data-binary @short.json
grep -q "has no result" body || fail "a push that leaves a check out: $(cat body)"
check GET /api/v1/agents 200 "${A[@]}"
jq -e '.agents[0] | .host == "h1" and .seq == 1 and .state == "ok"' body >/dev/null || fail "fleet: $(cat body)"
check GET /api/v1/agents 403 "${C[@]}"
check DELETE "/api/v1/agents/$aid" 204 "${A[@]}"
check DELETE /api/v1/agents/0123456789abcdef 404 "${A[@]}"
check POST "/api/v1/agents/$aid/results" 403 -H "X-Cloudward-Signature: $psig" "${J[@]}" --data-binary @push.json

# Alerts and the monitor (this server runs none: --monitor).
check GET /api/v1/alerts 200 "${A[@]}"
check GET "/api/v1/alerts?state=open&limit=5" 200 "${A[@]}"
check GET "/api/v1/alerts?state=maybe" 400 "${A[@]}"
check GET /api/v1/alerts 403 "${C[@]}"
check POST /api/v1/alerts/0123456789abcdef/ack 404 "${A[@]}" "${J[@]}" --data '{}'
check POST /api/v1/alerts/0123456789abcdef/assign 400 "${A[@]}" "${J[@]}" --data '{}'
check GET /api/v1/monitor 200 "${A[@]}"
jq -e '.monitor == false and .schedules == []' body >/dev/null || fail "no monitor: $(cat body)"
check POST "/api/v1/monitor/run?schedule=sweep" 409 "${A[@]}" "${J[@]}" --data '{}'

# A tenant's webhook and its delivery log: globex's admin points it at an
# address where nothing listens, a new version of the document g1
# follows is sent there, and the attempt fails (no answer: status 0).
"$CW" token create --name ca --role customer-admin --tenant globex --store "$S" >ca.tok 2>/dev/null ||
  fail "a customer-admin's token"
CA=(-H "Authorization: Bearer $(cat ca.tok)")
check GET /api/v1/webhook 404 "${CA[@]}"
check PUT /api/v1/webhook 400 "${CA[@]}" "${J[@]}" --data '{"url":"ftp://127.0.0.1:9/"}'
check PUT /api/v1/webhook 403 "${C[@]}" "${J[@]}" --data '{"url":"http://127.0.0.1:9/"}'
check PUT /api/v1/webhook 201 "${CA[@]}" "${J[@]}" --data '{"url":"http://127.0.0.1:9/hook"}'
check PUT /api/v1/webhook 201 "${A[@]}" -H "Content-Type: application/x-www-form-urlencoded" \
  --data 'tenant=initech&url=https%3A%2F%2Fhooks.example%2Fi'
check PUT /api/v1/webhook 404 "${A[@]}" "${J[@]}" --data '{"url":"http://127.0.0.1:9/","tenant":"nobody"}'
check GET /api/v1/webhook 200 "${CA[@]}"
check GET "/api/v1/webhook?tenant=initech" 200 "${A[@]}"
check GET /api/v1/webhook 400 "${A[@]}"
check GET "/api/v1/webhook?tenant=initech" 404 "${CA[@]}"
echo "SOC 2 report, version 4" >soc2.pdf
check POST "/api/v1/documents?id=soc2&title=SOC+2&type=audit-report&class=gated&agreement=nda&name=soc2.pdf" 201 \
  "${A[@]}" --data-binary @soc2.pdf
for _ in $(seq 1 50); do
  get /api/v1/webhook/deliveries "${CA[@]}"
  [ "$(jq '.deliveries | length' body 2>/dev/null || echo 0)" -ge 1 ] && break
  sleep 0.2
done
check GET /api/v1/webhook/deliveries 200 "${CA[@]}"
jq -e '.deliveries[0] | .status == 0 and (.error | type) == "string" and .outcome == "retry" and .attempt == 1' body >/dev/null ||
  fail "a failed delivery in the log: $(cat body)"
check GET "/api/v1/webhook/deliveries?tenant=globex&limit=1" 200 "${A[@]}"
check GET "$(jq -r .next body)" 200 "${A[@]}"
check GET "/api/v1/webhook/deliveries?limit=0" 400 "${CA[@]}"
check GET "/api/v1/webhook/deliveries?tenant=initech" 404 "${CA[@]}"
check GET /api/v1/webhook/deliveries 403 "${C[@]}"
check DELETE /api/v1/webhook 204 "${CA[@]}"
check DELETE /api/v1/webhook 404 "${CA[@]}"
check DELETE "/api/v1/webhook?tenant=initech" 204 "${A[@]}"
check DELETE /api/v1/webhook 403 -b jar

# The log, with proofs (entries before the checkpoint) and without.
check GET /api/v1/log 200 "${A[@]}"
jq -e 'any(.[]; .proof != null) and any(.[]; .proof == null)' body >/dev/null ||
  fail "the log page lacks an entry with a proof or one without"
check GET "/api/v1/log?tenant=globex&offset=1&limit=2" 200 "${A[@]}"
check GET /api/v1/log 200 "${C[@]}"
check GET "/api/v1/log?tenant=initech" 404 "${C[@]}"
check GET "/api/v1/log?limit=1001" 400 "${A[@]}"

# Sign-out, last.
check DELETE /api/v1/session 403 "${A[@]}"
check DELETE /api/v1/session 403 -b jar
check DELETE /api/v1/session 204 "${G[@]}"
check GET /api/v1/session 401 -b jar

# The validator: each answer against the operation its path and method
# name; then the operations no answer above exercised.
cat >validate.py <<'EOF'
import json, re, sys

import jsonschema

desc = json.load(open(sys.argv[1], encoding="utf-8"))
problems = []


def resolve(node):
    """A $ref to a component, followed (one document, local refs only)."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = desc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def valid(schema, value, what):
    # The schema with the description's components beside it, so that
    # its local $refs resolve in this one root.
    root = dict(schema)
    root["components"] = desc["components"]
    for e in jsonschema.Draft202012Validator(root).iter_errors(value):
        path = "/".join(str(p) for p in e.absolute_path)
        problems.append("%s: %s at /%s" % (what, e.message[:300], path))


def operation(method, path):
    for template, item in desc["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}/]*\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return template, item[method.lower()]
    return None, None


def headers_of(fname):
    # The last block (curl keeps a 100 Continue's too); names lowercased.
    blocks = open(fname, encoding="latin-1", newline="").read().split("\r\n\r\n")
    block = ([b for b in blocks if b.strip()] or [""])[-1]
    out = {}
    for line in block.split("\r\n")[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            out.setdefault(k.strip().lower(), v.strip())
    return out


used = set()
for line in open(sys.argv[2], encoding="utf-8"):
    method, path, status, n = line.rstrip("\n").split("\t")
    what = "%s %s (%s, answer.%s)" % (method, path, status, n)
    template, op = operation(method, path)
    body = open("answer.%s.body" % n, "rb").read()
    hdrs = headers_of("answer.%s.hdr" % n)
    if op is None:
        problems.append("%s: no operation in the description" % what)
        continue
    used.add((method, template))
    resp = op["responses"].get(status)
    if resp is None:
        problems.append("%s: status %s is not among the operation's responses (%s)"
                        % (what, status, ", ".join(op["responses"])))
        continue
    resp = resolve(resp)
    for name, h in resp.get("headers", {}).items():
        h = resolve(h)
        v = hdrs.get(name.lower())
        if v is None:
            problems.append("%s: no %s header" % (what, name))
            continue
        schema = h.get("schema", {})
        if resolve(schema).get("type") == "integer" and re.fullmatch(r"-?[0-9]+", v):
            v = int(v)
        valid(schema, v, "%s: header %s" % (what, name))
    content = resp.get("content")
    if not content:
        if body:
            problems.append("%s: a body where the description gives none" % what)
        continue
    ctype = hdrs.get("content-type", "")
    if ctype not in content:
        problems.append("%s: Content-Type %r, described: %s" % (what, ctype, ", ".join(content)))
        continue
    schema = content[ctype].get("schema", {})
    if ctype == "application/json" or ctype.endswith("+json"):
        try:
            value = json.loads(body)
        except ValueError as e:
            problems.append("%s: not JSON: %s" % (what, e))
            continue
        valid(schema, value, what)
    elif ctype.startswith("text/"):
        valid(schema, body.decode("utf-8"), what)

for template, item in desc["paths"].items():
    for method in item:
        if method in ("get", "put", "post", "delete", "options", "head", "patch", "trace") \
                and (method.upper(), template) not in used:
            problems.append("%s %s: no answer of it is checked (tests/e2e/openapi.sh)"
                            % (method.upper(), template))
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
EOF
py=""
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import jsonschema; jsonschema.Draft202012Validator' 2>/dev/null; then py=$p; break; fi
done
if [ -z "$py" ]; then
  fail "no python3 with jsonschema (draft 2020-12): run scripts/setup.sh (python3-jsonschema)"
elif ! "$py" validate.py "$DESC" answers.tsv >validate.out 2>&1; then
  fail "answers that differ from the description ($(wc -l <validate.out)):"$'\n'"$(head -40 validate.out)"
fi

# The problems for requests no operation takes follow the Problem schema.
get /api/v1/nothing
[ "$(cat code)" = 404 ] || fail "an unknown route: $(cat code)"
cp body unknown.json
get /healthz -X POST
[ "$(cat code)" = 405 ] || fail "POST /healthz: $(cat code)"
cp body method.json
cat >problem.py <<'EOF'
import json, sys
import jsonschema
desc = json.load(open(sys.argv[1], encoding="utf-8"))
root = {"$ref": "#/components/schemas/Problem", "components": desc["components"]}
bad = 0
for f in sys.argv[2:]:
    for e in jsonschema.Draft202012Validator(root).iter_errors(json.load(open(f))):
        print("%s: %s" % (f, e.message))
        bad = 1
sys.exit(bad)
EOF
if [ -n "$py" ]; then
  "$py" problem.py "$DESC" unknown.json method.json >problem.out 2>&1 || fail "problem documents: $(cat problem.out)"
fi

kill -TERM "$pid"
wait "$pid" || fail "the server exited $?"
pid=""
finish
