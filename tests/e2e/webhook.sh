#!/usr/bin/env bash
# webhook.sh - tenants' webhooks through `cloudward serve`: a receiver
# written here (python3 http.server on 127.0.0.1) records what it is
# sent and checks each signature with the tenant's secret; globex's
# answers 500 to the first two attempts at each delivery, then 200: the
# server retries (CLOUDWARD_WEBHOOK_BACKOFF_MS, the test knob, makes the
# waits short), delivers each notice exactly once, and the delivery log
# shows every attempt. initech's webhook never gets globex's notices; a
# URL of another scheme is refused; a customer (not its admin) may not
# touch the webhook; the secret is in neither the server's log nor the
# ledger, nor is the URL's query. The CLI: webhook set, list, remove.
# With CW_ENGINE=pg, the store on a private PostgreSQL.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "webhook.sh needs curl" >&2; exit 1; }
command -v python3 >/dev/null || { echo "webhook.sh needs python3" >&2; exit 1; }
engine_store $WORK/st

expect_exit 0 "$CW" tenant add globex --name "Globex" --store "$S"
expect_exit 0 "$CW" tenant add initech --name "Initech" --store "$S"
expect_exit 0 "$CW" token create --name admin --role admin --store "$S"
A=(-H "Authorization: Bearer $(cat out)")
expect_exit 0 "$CW" token create --name gadmin --role customer-admin --tenant globex --store "$S"
GA=(-H "Authorization: Bearer $(cat out)")
expect_exit 0 "$CW" token create --name iadmin --role customer-admin --tenant initech --store "$S"
IA=(-H "Authorization: Bearer $(cat out)")
expect_exit 0 "$CW" token create --name gcust --role customer --tenant globex --store "$S"
GC=(-H "Authorization: Bearer $(cat out)")
for u in g1:globex i1:initech; do
  echo "${u%%:*}-password-long" |
    "$CW" admin user add "${u%%:*}" --role customer --tenant "${u#*:}" --store "$S" >/dev/null 2>&1 ||
    fail "user $u"
done
J=(-H "Content-Type: application/json")

# The receiver: every request as a JSON line in got.jsonl (path, the
# three headers, the body, the status answered, whether the signature
# held with the secret in secret.TENANT); /globex answers 500 to a
# delivery's first two attempts.
cat >receiver.py <<'EOF'
import hashlib, hmac, json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
seen = {}

class H(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        tenant = self.path.split("?")[0].strip("/")
        sig = self.headers.get("X-Cloudward-Signature", "")
        delivery = self.headers.get("X-Cloudward-Delivery", "")
        ok = False
        try:
            secret = open("secret." + tenant, "rb").read().strip()
            parts = dict(p.split("=", 1) for p in sig.split(","))
            want = hmac.new(secret, parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
            ok = hmac.compare_digest(want, parts["v1"])
        except Exception:
            ok = False
        with lock:
            seen[delivery] = seen.get(delivery, 0) + 1
            status = 500 if tenant == "globex" and seen[delivery] <= 2 else 200
            with open("got.jsonl", "a") as f:
                f.write(json.dumps({"path": self.path, "tenant": tenant,
                                    "event": self.headers.get("X-Cloudward-Event"),
                                    "delivery": delivery,
                                    "type": self.headers.get("Content-Type"),
                                    "body": body.decode(), "status": status,
                                    "signed": ok}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass

s = ThreadingHTTPServer(("127.0.0.1", 0), H)
open("receiver.port.tmp", "w").write(str(s.server_address[1]))
import os
os.rename("receiver.port.tmp", "receiver.port")
s.serve_forever()
EOF
python3 receiver.py 2>receiver.log &
rpid=$!
cleanup_hooks="kill $rpid 2>/dev/null || true;$cleanup_hooks"
for _ in $(seq 1 50); do [ -s receiver.port ] && break; sleep 0.1; done
RP=$(cat receiver.port 2>/dev/null) || { fail "the receiver did not start: $(cat receiver.log)"; finish; }
: >got.jsonl

export CLOUDWARD_WEBHOOK_BACKOFF_MS=200
serve_start "$S" --threads 2 --webhooks-to-internal

# Who may set it, and what.
get /api/v1/webhook -X PUT "${GC[@]}" "${J[@]}" --data "{\"url\":\"http://127.0.0.1:$RP/globex\"}"
[ "$(cat code)" = 403 ] || fail "a customer sets the webhook: $(cat code)"
get /api/v1/webhook "${GC[@]}"
[ "$(cat code)" = 403 ] || fail "a customer reads the webhook: $(cat code)"
for url in "ftp://127.0.0.1:$RP/globex" "file:///etc/passwd" "gopher://127.0.0.1:$RP/" \
  "javascript:alert(1)" "http://user:pw@127.0.0.1:$RP/globex" "127.0.0.1:$RP/globex"; do
  get /api/v1/webhook -X PUT "${GA[@]}" "${J[@]}" --data "{\"url\":\"$url\"}"
  [ "$(cat code)" = 400 ] && jq -e '.status == 400' body >/dev/null || fail "URL $url: $(cat code) $(cat body)"
done
get /api/v1/webhook -X PUT "${GA[@]}" "${J[@]}" --data "{\"url\":\"http://127.0.0.1:$RP/initech\",\"tenant\":\"initech\"}"
[ "$(cat code)" = 404 ] || fail "globex's admin sets initech's webhook: $(cat code)"
get /api/v1/webhook -X PUT "${A[@]}" "${J[@]}" --data "{\"url\":\"http://127.0.0.1:$RP/initech\"}"
[ "$(cat code)" = 400 ] || fail "the provider's admin without a tenant: $(cat code)"
get /api/v1/webhook "${GA[@]}"
[ "$(cat code)" = 404 ] || fail "no webhook yet: $(cat code)"

# globex's, by its own admin (the URL carries a token of the receiver's);
# initech's by the provider's admin.
get /api/v1/webhook -X PUT "${GA[@]}" "${J[@]}" --data "{\"url\":\"http://127.0.0.1:$RP/globex?token=do-not-log-me\"}"
[ "$(cat code)" = 201 ] || fail "set globex's webhook: $(cat code) $(cat body)"
jq -r .secret body >secret.globex
[[ "$(cat secret.globex)" =~ ^cwh_[A-Za-z0-9_-]{43}$ ]] || fail "globex's secret: $(cat body)"
jq -e '.tenant == "globex" and (.id | test("^[0-9a-f]{16}$"))' body >/dev/null || fail "set: $(cat body)"
get /api/v1/webhook -X PUT "${A[@]}" "${J[@]}" --data "{\"url\":\"http://127.0.0.1:$RP/initech\",\"tenant\":\"initech\"}"
[ "$(cat code)" = 201 ] || fail "set initech's webhook: $(cat code) $(cat body)"
jq -r .secret body >secret.initech
cmp -s secret.globex secret.initech && fail "two tenants got one secret"
get /api/v1/webhook "${GA[@]}"
[ "$(cat code)" = 200 ] && jq -e '.tenant == "globex" and (.url | test("/globex")) and (has("secret") | not)' body >/dev/null ||
  fail "globex reads its webhook: $(cat code) $(cat body)"
get "/api/v1/webhook?tenant=initech" "${GA[@]}"
[ "$(cat code)" = 404 ] || fail "globex reads initech's webhook: $(cat code)"
get "/api/v1/webhook?tenant=initech" "${A[@]}"
[ "$(cat code)" = 200 ] && jq -e '.tenant == "initech"' body >/dev/null || fail "the admin reads initech's: $(cat body)"
grep -qF "$(cut -c5- secret.globex)" body && fail "a read shows the secret"

# Documents and who follows them: g1 the public policy, globex's own
# plan and the SOC report; i1 the SOC report only.
up() { # ID QUERY
  echo "$1, $RANDOM" >doc.txt
  get "/api/v1/documents?id=$1&$2&name=$1.txt" "${A[@]}" --data-binary @doc.txt
  [ "$(cat code)" = 201 ] || fail "upload $1: $(cat code) $(cat body)"
}
up policy "title=Security+policy&type=policy&class=public"
up plan "title=Globex%27s+%22plan%22&type=policy&class=tenant&tenant=globex"
up soc "title=SOC+2&type=audit-report&class=public"
for u in g1 i1; do
  curl -s -c "jar.$u" -o body -H "Content-Type: application/json" \
    --data "{\"login\":\"$u\",\"password\":\"$u-password-long\"}" "$U/api/v1/session" >/dev/null
  jq -r .csrf body >"csrf.$u"
done
follow() { # USER DOC WANT
  get "/api/v1/documents/$2/subscription" -X POST -b "jar.$1" -H "X-CSRF-Token: $(cat "csrf.$1")"
  [ "$(cat code)" = "$3" ] || fail "$1 follows $2: $(cat code), wanted $3"
}
follow g1 policy 204
follow g1 plan 204
follow g1 soc 204
follow i1 soc 204
follow i1 plan 404
up policy "title=Security+policy&type=policy&class=public"
up plan "title=Globex%27s+%22plan%22&type=policy&class=tenant&tenant=globex"
up soc "title=SOC+2&type=audit-report&class=public"

# Three deliveries to globex, three attempts each; one to initech.
for _ in $(seq 1 150); do
  [ "$(jq -s '[.[] | select(.status == 200)] | length' got.jsonl)" -ge 4 ] && break
  sleep 0.2
done
sleep 2.5 # a delivery made twice would show by now
jq -e -s 'all(.signed)' got.jsonl >/dev/null || fail "a signature did not verify: $(jq -c -s 'map(select(.signed | not))' got.jsonl)"
jq -e -s 'all(.event == "document.version" and .type == "application/json")' got.jsonl >/dev/null ||
  fail "headers: $(head -c 600 got.jsonl)"
jq -e -s 'all((.body | fromjson) as $b | $b.id == .delivery and $b.tenant == .tenant)' got.jsonl >/dev/null ||
  fail "body and headers disagree: $(head -c 600 got.jsonl)"
[ "$(jq -r -s '[.[] | select(.tenant == "globex")] | group_by(.delivery) | map("\(length):\(map(.status) | join(","))") | join(" ")' got.jsonl)" = \
  "3:500,500,200 3:500,500,200 3:500,500,200" ] ||
  fail "globex's attempts: $(jq -r -s '[.[] | select(.tenant == "globex")] | group_by(.delivery) | map(map(.status))' got.jsonl)"
[ "$(jq -r -s '[.[] | select(.tenant == "initech") | .body | fromjson | .document] | join(",")' got.jsonl)" = soc ] ||
  fail "initech got: $(jq -c -s 'map(select(.tenant == "initech") | .body)' got.jsonl)"
jq -r -s '.[] | select(.tenant == "initech") | .body' got.jsonl | grep -q globex &&
  fail "initech's webhook got something of globex's"
[ "$(jq -r -s '[.[] | select(.tenant == "globex") | .body | fromjson | "\(.document):\(.version)"] | unique | join(",")' got.jsonl)" = \
  "plan:2,policy:2,soc:2" ] || fail "globex got: $(jq -c -s 'map(.body)' got.jsonl)"
jq -e -s '[.[] | .body | fromjson | select(.document == "plan")][0] | .subject == "Globex'"'"'s \"plan\": version 2" and .kind == "document.version" and (.created | type) == "number"' \
  got.jsonl >/dev/null || fail "the plan's body: $(jq -c -s 'map(.body | fromjson | select(.document == "plan"))' got.jsonl)"
grep -q '"g1\|"i1\|password' got.jsonl && fail "a body names a user"

# The delivery log: each tenant its own attempts, newest first.
get /api/v1/webhook/deliveries "${GA[@]}"
[ "$(cat code)" = 200 ] || fail "globex's deliveries: $(cat code) $(cat body)"
[ "$(jq -r '[.deliveries[] | .tenant] | unique | join(",")' body)" = globex ] || fail "globex's log: $(cat body)"
[ "$(jq '.deliveries | length' body)" = 9 ] || fail "globex's log length: $(jq '.deliveries | length' body)"
[ "$(jq -r '.deliveries | group_by(.delivery) | map(sort_by(.attempt) | map("\(.attempt):\(.status):\(.outcome)") | join(",")) | unique | join(" ")' body)" = \
  "1:500:retry,2:500:retry,3:200:delivered" ] || fail "globex's attempts in the log: $(cat body)"
jq -e '[.deliveries[].id] | . == (sort | reverse)' body >/dev/null || fail "the log is not newest first"
get "/api/v1/webhook/deliveries?limit=4" "${GA[@]}"
NEXT=$(jq -r .next body)
[ "$(jq '.deliveries | length' body)" = 4 ] && [[ "$NEXT" == /api/v1/webhook/deliveries\?before=* ]] || fail "a page: $(cat body)"
get "$NEXT" "${GA[@]}"
[ "$(jq '.deliveries | length' body)" = 4 ] || fail "the next page: $(cat body)"
get /api/v1/webhook/deliveries "${IA[@]}"
[ "$(jq -r '[.deliveries[] | "\(.tenant):\(.status):\(.outcome)"] | join(",")' body)" = "initech:200:delivered" ] ||
  fail "initech's log: $(cat body)"
get "/api/v1/webhook/deliveries?tenant=initech" "${GA[@]}"
[ "$(cat code)" = 404 ] || fail "globex reads initech's log: $(cat code)"
get /api/v1/webhook/deliveries "${A[@]}"
[ "$(jq '.deliveries | length' body)" = 10 ] || fail "the admin's log: $(jq '.deliveries | length' body)"
get "/api/v1/webhook/deliveries?tenant=initech" "${A[@]}"
[ "$(jq '.deliveries | length' body)" = 1 ] || fail "the admin's log of initech: $(cat body)"
get /api/v1/webhook/deliveries "${GC[@]}"
[ "$(cat code)" = 403 ] || fail "a customer reads the log: $(cat code)"

# Removed: nothing more is sent.
get /api/v1/webhook -X DELETE "${GA[@]}"
[ "$(cat code)" = 204 ] || fail "remove: $(cat code) $(cat body)"
get /api/v1/webhook -X DELETE "${GA[@]}"
[ "$(cat code)" = 404 ] || fail "remove twice: $(cat code)"
get /api/v1/webhook "${GA[@]}"
[ "$(cat code)" = 404 ] || fail "read after remove: $(cat code)"
n=$(wc -l <got.jsonl)
up policy "title=Security+policy&type=policy&class=public"
sleep 2
[ "$(wc -l <got.jsonl)" = "$n" ] || fail "a removed webhook was sent to: $(tail -1 got.jsonl)"

# The ledger: each end in the tenant's own view; no secret, no query.
expect_exit 0 "$CW" log show --store "$S" --tenant globex --format json
[ "$(jq -r '.entry.api.operation // .entry.activity_name' out | grep -c '^webhook.delivered$')" = 3 ] ||
  fail "globex's ledger: $(jq -r '.entry.api.operation // .entry.activity_name' out | sort | uniq -c)"
grep -q '"webhook.remove"\|webhook.remove' out || fail "no webhook.remove in globex's ledger"
expect_exit 0 "$CW" log show --store "$S" --tenant initech --format json
[ "$(jq -r '.entry.api.operation // .entry.activity_name' out | grep -c '^webhook.delivered$')" = 1 ] ||
  fail "initech's ledger: $(jq -r '.entry.api.operation // .entry.activity_name' out | sort | uniq -c)"
expect_exit 0 "$CW" log show --store "$S" --format json
cp out ledger.json

# The CLI.
expect_exit 0 "$CW" webhook set --tenant globex --url "https://hooks.example/cloudward" --store "$S"
[[ "$(cat out)" =~ ^cwh_[A-Za-z0-9_-]{43}$ ]] || fail "webhook set: $(cat out)"
CSEC=$(cat out)
expect_exit 0 "$CW" webhook list --store "$S" --format json
[ "$(jq -r -s 'map("\(.tenant)=\(.url)") | join(" ")' out)" = \
  "globex=https://hooks.example/cloudward initech=http://127.0.0.1:$RP/initech" ] || fail "webhook list: $(cat out)"
grep -qF -e "${CSEC:4}" out && fail "the list shows a secret"
expect_exit 0 "$CW" webhook list --tenant initech --store "$S"
grep -q initech out && ! grep -q globex out || fail "webhook list --tenant: $(cat out)"
expect_exit 2 "$CW" webhook set --tenant globex --url "ftp://hooks.example/" --store "$S"
expect_exit 2 "$CW" webhook set --tenant nobody --url "https://hooks.example/" --store "$S"
expect_exit 2 "$CW" webhook set --tenant globex --store "$S"
expect_exit 0 "$CW" webhook remove --tenant globex --store "$S"
expect_exit 2 "$CW" webhook remove --tenant globex --store "$S"
expect_exit 0 "$CW" webhook --help
grep -q "X-Cloudward-Signature" out || fail "webhook --help"

# SIGTERM stops the worker with the server.
kill -TERM "$pid"
wait "$pid" || fail "the server exited $?"
pid=""
grep -q "SIGTERM: stopped" server.log || fail "no stop line: $(tail -2 server.log)"
grep '^{' server.log | jq -e . >/dev/null || fail "a log line is not JSON"
[ "$(grep -c '"webhook":"[0-9a-f]\{16\}"' server.log)" -ge 10 ] || fail "no attempt in the log: $(tail -5 server.log)"
expect_exit 0 "$CW" log show --store "$S" --format json
cat out >>ledger.json
for s in "$(cat secret.globex)" "$(cat secret.initech)" "$CSEC"; do
  grep -qF -e "${s:4}" server.log && fail "a webhook's secret reached the server's log"
  grep -qF -e "${s:4}" ledger.json && fail "a webhook's secret reached the ledger"
done
grep -q "do-not-log-me" server.log && fail "a webhook URL's query reached the server's log"
grep -q "do-not-log-me" ledger.json && fail "a webhook URL's query reached the ledger"

# Without --webhooks-to-internal, nothing is posted to a loopback (or
# private, or link-local) address: the attempt fails before connecting.
serve_start "$S" --threads 2
get /api/v1/webhook -X PUT "${A[@]}" "${J[@]}" --data "{\"url\":\"http://127.0.0.1:$RP/inside\",\"tenant\":\"globex\"}"
[ "$(cat code)" = 201 ] || fail "set globex's webhook again: $(cat code) $(cat body)"
n=$(wc -l <got.jsonl)
up policy "title=Security+policy&type=policy&class=public"
for _ in $(seq 1 50); do
  get /api/v1/webhook/deliveries "${GA[@]}"
  [ "$(jq '[.deliveries[] | select(.outcome == "retry" and (.status == null or .status == 0))] | length' body)" -ge 1 ] && break
  sleep 0.2
done
[ "$(jq '[.deliveries[] | select(.outcome == "retry" and (.status == null or .status == 0))] | length' body)" -ge 1 ] ||
  fail "no refused attempt in the log: $(head -c 400 body)"
[ "$(wc -l <got.jsonl)" = "$n" ] || fail "a webhook was posted to a loopback address: $(tail -1 got.jsonl)"
kill -TERM "$pid"
wait "$pid" || fail "the second server exited $?"
pid=""
finish
