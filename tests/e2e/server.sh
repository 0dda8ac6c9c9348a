#!/usr/bin/env bash
# server.sh - `cloudward serve` on 127.0.0.1 and `tenant`/`token`: tokens
# shown once and checked (a missing, malformed, altered, unknown, revoked
# or expired one gets the same 401 problem+json); the controls listing
# byte for byte as `controls list --format json`, with its ETag; problem
# answers for bad requests; security headers on every response; a slow
# client cut off after --timeout; oversized headers and bodies refused;
# Prometheus metrics; one JSON log line per request without any token;
# SIGTERM stops it cleanly. With CW_ENGINE=pg, the store on a private
# PostgreSQL (tests/e2e/pg.sh).
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "server.sh needs curl" >&2; exit 1; }
engine_store $WORK/st

# Tenants and tokens.
expect_exit 0 "$CW" tenant add globex --name "Globex Corp" --store "$S"
expect_exit 2 "$CW" tenant add globex --name "Globex" --store "$S"
grep -q "exists already" err || fail "tenant twice: $(cat err)"
expect_exit 2 "$CW" tenant add Bad_Id --name x --store "$S"
expect_exit 0 "$CW" tenant list --store "$S" --format json
jq -e '.tenant == "globex" and .name == "Globex Corp"' out >/dev/null || fail "tenant list: $(cat out)"
expect_exit 0 "$CW" token create --name ci --role engineer --store "$S"
TOK=$(cat out)
[[ "$TOK" =~ ^cwt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$ ]] || fail "token text: $TOK"
ID=${TOK:4:16}
grep -q "token $ID (engineer), valid 90 days: shown once" err || fail "create's note: $(cat err)"
expect_exit 0 "$CW" token create --name portal --role customer --tenant globex --days 1 --store "$S"
CTOK=$(cat out)
expect_exit 2 "$CW" token create --name x --role customer --store "$S"
grep -q "belongs to a tenant" err || fail "tenant role without tenant: $(cat err)"
expect_exit 2 "$CW" token create --name x --role admin --tenant globex --store "$S"
expect_exit 2 "$CW" token create --name x --role customer --tenant nobody --store "$S"
expect_exit 2 "$CW" token create --name x --role root --store "$S"
expect_exit 0 "$CW" token create --name old --role auditor --store "$S"
OTOK=$(cat out)
expect_exit 0 "$CW" token create --name gone --role compliance --store "$S"
RTOK=$(cat out)
expect_exit 0 "$CW" token revoke "${RTOK:4:16}" --store "$S"
expect_exit 2 "$CW" token revoke "${RTOK:4:16}" --store "$S"
grep -q "revoked already" err || fail "revoke twice: $(cat err)"
expect_exit 0 "$CW" token list --store "$S" --format json
[ "$(jq -s 'map(select(.revoked)) | length' out)" = 1 ] || fail "token list: $(cat out)"
grep -q -e "${TOK:21}" out && fail "a token's secret is listed"
# An expired token: its expiry moved into the past in the store.
if [ "$S" = "$WORK/st" ]; then
  sqlite3 st/access.db "UPDATE api_tokens SET expires = 1 WHERE id = '${OTOK:4:16}'"
else
  pg_super -c "UPDATE api_tokens SET expires = 1 WHERE id = '${OTOK:4:16}'" >/dev/null
fi
# Every change is a ledger entry, none holds a token.
expect_exit 0 "$CW" log show --store "$S" --format json
[ "$(jq -r '.entry.api.operation' out | sort | uniq -c | tr -s ' ' | tr '\n' ';')" = \
  " 1 tenant.add; 4 token.create; 1 token.revoke;" ] || fail "ledger: $(jq -r '.entry.api.operation' out)"
grep -q "${TOK:21}\|${CTOK:21}" out && fail "a token reached the ledger"

# Two tenants' entries in the log, and a checkpoint over them.
expect_exit 0 "$CW" tenant add initech --name "Initech" --store "$S"
for i in $(seq 1 30); do
  printf '{"actor":"svc","action":"scan.host","target":"h-%d","tenant":"%s"}\n' "$i" \
    "$([ $((i % 3)) = 0 ] && echo initech || echo globex)"
done >events.jsonl
expect_exit 0 "$CW" log append --from events.jsonl --store "$S"
expect_exit 0 "$CW" log checkpoint --store "$S"

# The server, on any free port, with a short timeout for the slow client.
# A saved scan run, for the runs routes.
expect_exit 1 "$CW" scan config "$SRC/tests/cases/config/plan.json" --pack aws --store "$S" -o run.json
serve_start "$S" --timeout 2 --threads 2 --scope "$SRC/examples/acme-notes/cloudward.yaml"

get /healthz
[ "$(cat code)" = 200 ] && [ "$(cat body)" = ok ] || fail "healthz: $(cat code) $(cat body)"
for h in "X-Content-Type-Options: nosniff" "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'" \
  "Cache-Control: no-store" "Referrer-Policy: same-origin"; do
  grep -qiF "$h" hdr || fail "missing header: $h"
done
get /readyz
[ "$(cat code)" = 200 ] || fail "readyz: $(cat code) $(cat body)"

# The listing, byte for byte as the CLI writes it; then its ETag.
C=iso27002:2022
"$CW" controls list --catalog "$C" --format json >want.json
get "/api/v1/controls?catalog=$C" -H "Authorization: Bearer $TOK"
[ "$(cat code)" = 200 ] || fail "controls: $(cat code) $(cat body)"
cmp -s body want.json || fail "the listing differs from controls list --format json"
grep -qi "^Content-Type: application/json" hdr || fail "content type: $(cat hdr)"
etag=$(sed -n 's/^ETag: \(.*\)\r$/\1/Ip' hdr)
[ -n "$etag" ] || fail "no ETag"
get "/api/v1/controls?catalog=$C" -H "Authorization: Bearer $CTOK" -H "If-None-Match: $etag"
[ "$(cat code)" = 304 ] || fail "If-None-Match: $(cat code)"

# One 401 for every token that does not hold, the same body each time.
get "/api/v1/controls?catalog=$C"
[ "$(cat code)" = 401 ] || fail "no token: $(cat code)"
grep -qi '^WWW-Authenticate: Bearer' hdr || fail "no WWW-Authenticate"
grep -qi '^Content-Type: application/problem+json' hdr || fail "401 is not problem+json"
jq -e '.status == 401 and .title == "Unauthorized"' body >/dev/null || fail "401 body: $(cat body)"
cp body want401
altered=${TOK:0:40}$([ "${TOK:40:1}" = A ] && echo B || echo A)${TOK:41}
for t in "Bearer $RTOK" "Bearer $OTOK" "Bearer $altered" "Bearer ${TOK:0:63}" \
  "Bearer cwt_0000000000000000_${TOK:21}" "Basic $TOK" "Bearer"; do
  get "/api/v1/controls?catalog=$C" -H "Authorization: $t"
  [ "$(cat code)" = 401 ] && cmp -s body want401 || fail "'${t:0:12}...': $(cat code) $(cat body)"
done

# A tenant's log: its own entries with proofs, as `log show --tenant`
# prints them, that `log check` verifies offline; another tenant's is
# answered as one that does not exist; the provider sees any tenant's.
"$CW" log show --tenant globex --format json --store "$S" >want.globex
get "/api/v1/log?limit=1000" -H "Authorization: Bearer $CTOK"
[ "$(cat code)" = 200 ] || fail "log as globex: $(cat code) $(cat body)"
jq -c '.[]' body >got.globex
cmp -s got.globex want.globex || fail "globex's log differs from log show --tenant globex"
[ "$(jq -r '.[].entry.metadata.tenant_uid' body | sort -u)" = globex ] || fail "globex sees other tenants"
"$CW" log vkey --store "$S" >vkey
expect_exit 0 "$CW" log check --vkey "$(cat vkey)" got.globex
get "/api/v1/log?offset=2&limit=3" -H "Authorization: Bearer $CTOK"
[ "$(jq -c '[.[].index]' body)" = "$(sed -n 3,5p want.globex | jq -sc '[.[].index]')" ] ||
  fail "a page of globex's log: $(jq -c '[.[].index]' body)"
get "/api/v1/log?tenant=initech" -H "Authorization: Bearer $CTOK"
[ "$(cat code)" = 404 ] || fail "globex reading initech's log: $(cat code)"
cp body notfound
get "/api/v1/log?tenant=nosuch" -H "Authorization: Bearer $CTOK"
[ "$(cat code)" = 404 ] && cmp -s body notfound || fail "another tenant differs from none"
get "/api/v1/log?tenant=initech&limit=1000" -H "Authorization: Bearer $TOK"
[ "$(jq -r '.[].entry.metadata.tenant_uid' body | sort -u)" = initech ] && [ "$(jq length body)" = 11 ] ||
  fail "the provider reading initech's log: $(head -c 200 body)"
get "/api/v1/log?limit=0" -H "Authorization: Bearer $TOK"
[ "$(cat code)" = 400 ] || fail "limit 0: $(cat code)"
get "/api/v1/log?offset=-1" -H "Authorization: Bearer $TOK"
[ "$(cat code)" = 400 ] || fail "offset -1: $(cat code)"
get "/api/v1/log"
[ "$(cat code)" = 401 ] || fail "log without a token: $(cat code)"

# The authorization matrix (tests/cases/server/authz.tsv): every route
# the server registers, every kind of caller, the status each must get.
for r in compliance admin; do
  "$CW" token create --name "m-$r" --role "$r" --store "$S" >"tok.$r" 2>/dev/null ||
    fail "token for $r"
done
echo "$TOK" >tok.engineer
"$CW" token create --name m-auditor --role auditor --store "$S" >tok.auditor 2>/dev/null
"$CW" token create --name m-cadmin --role customer-admin --tenant globex --store "$S" >tok.customer-admin 2>/dev/null
echo "$CTOK" >tok.customer
echo "$OTOK" >tok.expired
echo "$RTOK" >tok.revoked
# What the rows read: an agreement, a public, a gated and two tenants'
# documents, and globex's user signed in.
A="Authorization: Bearer $(cat tok.admin)"
get /api/v1/agreements -H "$A" -H "Content-Type: application/json" \
  --data '{"id":"nda","title":"Mutual NDA","text":"We keep your secrets; you keep ours."}'
[ "$(cat code)" = 201 ] || fail "agreement: $(cat code) $(cat body)"
for d in "policy&title=Security+policy&type=policy&class=public" \
  "soc-report&title=SOC+2&type=audit-report&class=gated&agreement=nda" \
  "globex-plan&title=Globex+plan&type=policy&class=tenant&tenant=globex" \
  "initech-plan&title=Initech+plan&type=policy&class=tenant&tenant=initech"; do
  echo "the ${d%%&*} document" >doc.txt
  get "/api/v1/documents?id=$d&name=${d%%&*}.txt" -H "$A" --data-binary @doc.txt
  [ "$(cat code)" = 201 ] || fail "document ${d%%&*}: $(cat code) $(cat body)"
done
echo 'globex-user-password' | "$CW" admin user add g1 --role customer --tenant globex --store "$S" >/dev/null 2>&1 ||
  fail "user g1"
curl -s -c jar -o body -w '%{http_code}' -H "Content-Type: application/json" \
  --data '{"login":"g1","password":"globex-user-password"}' "$U/api/v1/session" >code
[ "$(cat code)" = 201 ] || fail "sign-in: $(cat code) $(cat body)"
CSRF=$(jq -r .csrf body)
"$CW" serve --routes >routes
M=$SRC/tests/cases/server/authz.tsv
grep -v '^#' "$M" >matrix
while IFS=$'\t' read -r method pattern rule; do
  re="^$method ${pattern//\{\}/[^/?]+}(\\?.*)?\$"
  grep -E -q "^$method ${pattern//\{\}/[^/?]+}(\?[^	]*)?	" matrix || fail "route $method $pattern has no rule in authz.tsv"
  if [ "${rule%% *}" != public ]; then
    for who in none expired revoked admin compliance engineer auditor customer-admin:own customer:own; do
      grep -E -q "^$method ${pattern//\{\}/[^/?]+}(\?[^	]*)?	$who	" matrix ||
        fail "route $method $pattern: no rule for caller $who"
    done
  fi
  : "$re"
done < <(sed 's/ /\t/' routes)
while IFS=$'\t' read -r mu who want data; do
  method=${mu%% *}
  url=${mu#* }
  role=${who%%:*}
  args=(-X "$method")
  [ -n "$data" ] && args+=(-H "Content-Type: application/json" --data "$data")
  if [ "$role" = session ]; then
    args+=(-b jar -H "X-CSRF-Token: $CSRF")
  elif [ "$role" != none ]; then
    args+=(-H "Authorization: Bearer $(cat "tok.$role")")
  fi
  [ "$method" = GET ] && [ -z "$data" ] && args=("${args[@]:2}")
  get "$url" "${args[@]}"
  [ "$(cat code)" = "$want" ] || echo "FAIL: $mu as $who: $(cat code), wanted $want ($(head -c 200 body))" >>authz.fail
done <matrix
[ -s authz.fail ] && fail "authorization matrix: $(cat authz.fail)"
# Every refusal of an identified caller is a ledger entry.
expect_exit 0 "$CW" log show --store "$S" --format json
[ "$(jq -r 'select(.entry.activity_name == "auth.denied") | 1' out | wc -l)" -ge 20 ] ||
  fail "refusals in the ledger: $(jq -r .entry.activity_name out | sort | uniq -c)"

# Problems for bad requests.
get "/api/v1/controls" -H "Authorization: Bearer $TOK"
[ "$(cat code)" = 400 ] || fail "no catalog: $(cat code)"
get "/api/v1/controls?catalog=nope" -H "Authorization: Bearer $TOK"
[ "$(cat code)" = 404 ] || fail "unknown catalog: $(cat code)"
get "/api/v1/nothing" -H "Authorization: Bearer $TOK"
[ "$(cat code)" = 404 ] && jq -e '.status == 404' body >/dev/null || fail "unknown route: $(cat code)"
get "/../../etc/passwd" --path-as-is
[ "$(cat code)" = 404 ] || fail "traversal: $(cat code)"
get /healthz -X POST
[ "$(cat code)" = 405 ] || fail "POST: $(cat code)"
head -c $((2 * 1024 * 1024)) /dev/zero >big.bin
get /healthz --data-binary @big.bin -X GET -H "Content-Type: application/octet-stream"
[ "$(cat code)" = 413 ] || fail "a 2 MB body: $(cat code)"
get /healthz -H "X-Big: $(head -c 100000 /dev/zero | tr '\0' a)"
[ "$(cat code)" = 431 ] || [ "$(cat code)" = 000 ] || fail "100 kB of headers: $(cat code)"

# A client that sends half a request is cut off after --timeout.
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n' >&3
t0=$(date +%s)
timeout 10 cat <&3 >/dev/null || true
exec 3<&-
[ $(($(date +%s) - t0)) -le 5 ] || fail "a slow client kept its connection"

# Metrics: the counters above.
get /metrics
grep -q '^cloudward_http_requests_total{route="GET /api/v1/controls",code="4xx"} [1-9]' body ||
  fail "metrics: $(grep controls body | head -3)"
grep -q '^cloudward_ledger_entries [0-9]' body || fail "no ledger gauge"
grep -q '^cloudward_scan_runs{kind="config"} [1-9]' body || fail "scan runs gauge: $(grep scan_runs body)"
grep -q '^cloudward_evidence [1-9]' body || fail "evidence gauge: $(grep evidence body)"

# SIGTERM: a clean stop. The log: one JSON line per request, no token.
kill -TERM "$pid"
wait "$pid" || fail "the server exited $?"
grep -q "SIGTERM: stopped" server.log || fail "no stop line: $(tail -2 server.log)"
grep '^{' server.log | jq -e . >/dev/null || fail "a log line is not JSON"
grep -q "\"token\":\"$ID\"" server.log || fail "the log does not name the token's id"
for t in "$TOK" "$CTOK" "$RTOK" "$OTOK"; do
  grep -q -e "${t:21}" server.log && fail "a token's secret reached the log"
done
grep -q "etc/passwd\|catalog=" server.log && fail "a raw path or query reached the log"
finish
