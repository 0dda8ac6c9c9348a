#!/usr/bin/env bash
# agent.sh - host agents against a real `cloudward serve` on 127.0.0.1:
# a one-time token enrols one host (a second use, a forged token and an
# expired one are refused); `agent run` scans a Debian 12 root
# (tests/cases/builtin-debian-12/make-root.sh) and pushes the result
# signed: the server saves the run (actor agent:ID), records agent.push
# with the signature, which openssl verifies against the host's key and
# the bytes sent; the fleet (CLI, API, page) shows the host. Refused: a
# replayed push (409), a push with one byte changed (401), an unknown
# agent (401), a revoked one (403, and `agent run` exits 1). Offline:
# results queue (exit 75), the queue is bounded, and they go in order
# when the server is back. HTTPS with a private CA (--cacert). Roles:
# only the provider's see the fleet, only the admin makes tokens.
# With CW_ENGINE=pg, the store on a private PostgreSQL.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "agent.sh needs curl" >&2; exit 1; }
command -v openssl >/dev/null || { echo "agent.sh needs openssl" >&2; exit 1; }
engine_store $WORK/st
ROOT=$WORK/root
bash "$SRC/tests/cases/builtin-debian-12/make-root.sh" "$ROOT"

expect_exit 0 "$CW" token create --name admin --role admin --store "$S"
A=(-H "Authorization: Bearer $(cat out)")
expect_exit 0 "$CW" token create --name eng --role engineer --store "$S"
E=(-H "Authorization: Bearer $(cat out)")
expect_exit 0 "$CW" tenant add globex --name Globex --store "$S"
expect_exit 0 "$CW" token create --name gadmin --role customer-admin --tenant globex --store "$S"
GA=(-H "Authorization: Bearer $(cat out)")

# TLS with a certificate the agent trusts through --cacert.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=cloudward agent test" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout tls.key -out tls.crt 2>/dev/null || fail "openssl req"
chmod 600 tls.key
# On PostgreSQL the server runs as the least-privileged role of
# docs/scaling.md.
SS=$S
if [ -n "${PG_APP:-}" ]; then pg_grant_app; SS=$PG_APP; fi
serve_start "$SS" --tls-cert tls.crt --tls-key tls.key
C=(--cacert tls.crt)

# ---- tokens and enrolment ----
expect_exit 0 "$CW" agent token --store "$S"
T1=$(cat out)
[[ $T1 =~ ^cwe_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$ ]] || fail "token shape: $T1"
expect_exit 0 "$CW" agent enroll --server "$U" --token "$T1" --dir a1 \
  --pack debian-12 --host web-1 --interval 600 --cacert tls.crt
ID1=$(cat out)
[[ $ID1 =~ ^[0-9a-f]{16}$ ]] || fail "agent id: $ID1"
[ "$(stat -c %a a1)" = 700 ] && [ "$(stat -c %a a1/agent.key)" = 600 ] ||
  fail "the agent's folder and key must be private"
grep -q "$T1" a1/* 2>/dev/null && fail "the token was kept in the agent's folder"
grep -q "$T1" server.log && fail "the token reached the server's log"
# The token is spent: a second host cannot use it.
expect_exit 1 "$CW" agent enroll --server "$U" --token "$T1" --dir a2 \
  --pack debian-12 --host web-2 --cacert tls.crt
grep -q "not a valid enrolment token" err || fail "token reuse: $(cat err)"
[ -e a2/agent.conf ] && fail "a refused enrolment left a configuration"
# A forged token (right shape, wrong secret) gets the same answer.
forged="${T1%_*}_$(printf 'A%.0s' $(seq 1 43))"
expect_exit 1 "$CW" agent enroll --server "$U" --token "$forged" --dir a3 \
  --pack debian-12 --host web-3 --cacert tls.crt
grep -q "not a valid enrolment token" err || fail "forged token: $(cat err)"
# Without the private CA the server is not trusted.
expect_exit 0 "$CW" agent token --store "$S"
T2=$(cat out)
expect_exit 1 "$CW" agent enroll --server "$U" --token "$T2" --dir a2 \
  --pack debian-12 --host web-2
grep -qi "certificate\|SSL" err || fail "TLS without the CA: $(cat err)"
# A config pack cannot be an agent's.
get /api/v1/agents "${C[@]}" -H "Content-Type: application/json" -X POST \
  --data "{\"token\":\"$T2\",\"host\":\"x\",\"pack\":\"aws\",\"public_key\":\"$(head -c 32 /dev/zero | base64 | tr '+/' '-_' | tr -d '=')\"}"
[ "$(cat code)" = 400 ] || fail "a config pack enrolled: $(cat code) $(cat body)"
expect_exit 0 "$CW" agent enroll --server "$U" --token "$T2" --dir a2 \
  --pack debian-12 --host web-2 --interval 600 --cacert tls.crt
ID2=$(cat out)
if [ "${CW_ENGINE:-sqlite}" = sqlite ]; then
  # An expired token: made, then aged in the store.
  expect_exit 0 "$CW" agent token --store "$S"
  T3=$(cat out)
  python3 - "$S/access.db" "${T3:4:16}" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE agent_tokens SET expires = 1 WHERE id = ?", (sys.argv[2],))
db.commit()
EOF
  expect_exit 1 "$CW" agent enroll --server "$U" --token "$T3" --dir a3 \
    --pack debian-12 --host web-3 --cacert tls.crt
  grep -q "not a valid enrolment token" err || fail "expired token: $(cat err)"
fi

# ---- a signed push ----
expect_exit 0 "$CW" agent run --dir a1 --root "$ROOT"
grep -q "sent 1 result" err || fail "run: $(cat err)"
expect_exit 0 "$CW" agent list --store "$S" --format json
jq -se --arg id "$ID1" 'map(select(.id == $id))[0] | .host == "web-1" and .seq == 1 and
  .run >= 1 and .pass > 0 and .fail > 0 and .state == "ok"' out >/dev/null ||
  fail "fleet after one push: $(cat out)"
RUN1=$(jq -r --arg id "$ID1" 'select(.id == $id) | .run' out)
expect_exit 0 "$CW" results show "$RUN1" --store "$S" --format json
head -1 out | jq -e --arg a "agent:$ID1" '.target == "web-1" and .kind == "host" and
  .actor == $a' >/dev/null || fail "the saved run: $(head -c 400 out)"
# The same verdicts as a scan of the root on the spot.
tail -n +2 out | jq -r '"\(.check) \(.verdict)"' | sort >pushed.v
expect_exit 1 "$CW" scan host --root "$ROOT" --pack debian-12 --no-save --format json -o local.json
jq -r '.results[] | "\(.id) \(.verdict)"' local.json | sort >local.v
diff local.v pushed.v >&2 || fail "the pushed verdicts differ from a local scan"

# Offline: the server is stopped, two runs queue (exit 75).
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
expect_exit 75 "$CW" agent run --dir a1 --root "$ROOT"
expect_exit 75 "$CW" agent run --dir a1 --root "$ROOT"
expect_exit 0 "$CW" agent status --dir a1
grep -q "^queued 2$" out || fail "two results queued: $(cat out)"
cp a1/queue/00000000000000000002.push seq2.push
# A bounded queue: a third run with --queue-max 2 drops the oldest.
expect_exit 75 "$CW" agent run --dir a1 --root "$ROOT" --queue-max 2
cp a1/queue/00000000000000000003.push seq3.push
grep -q "dropped the oldest" err || fail "queue bound: $(cat err)"
ls a1/queue | tr '\n' ' ' | grep -q "^00000000000000000003.push 00000000000000000004.push $" ||
  fail "queue after the bound: $(ls a1/queue)"
serve_start "$SS" --tls-cert tls.crt --tls-key tls.key --listen "127.0.0.1:$PORT"
expect_exit 0 "$CW" agent run --dir a1 --send-only
grep -q "sent 2 result" err || fail "the queue went: $(cat err)"
[ -z "$(ls a1/queue)" ] || fail "the queue is not empty: $(ls a1/queue)"
expect_exit 0 "$CW" agent list --store "$S" --format json
jq -se --arg id "$ID1" 'map(select(.id == $id))[0] | .seq == 4' out >/dev/null ||
  fail "sequence after the queue: $(cat out)"

# Replay: the push dropped from the queue (sequence 2) is older than
# the last accepted, and sequence 3 was accepted already.
sig2=$(head -1 seq2.push); tail -n +2 seq2.push >seq2.body
get "/api/v1/agents/$ID1/results" "${C[@]}" -X POST -H "X-Cloudward-Signature: $sig2" \
  -H "Content-Type: application/json" --data-binary @seq2.body
[ "$(cat code)" = 409 ] || fail "an old push was accepted: $(cat code) $(cat body)"
sig=$(head -1 seq3.push); tail -n +2 seq3.push >seq3.body
get "/api/v1/agents/$ID1/results" "${C[@]}" -X POST -H "X-Cloudward-Signature: $sig" \
  -H "Content-Type: application/json" --data-binary @seq3.body
[ "$(cat code)" = 409 ] || fail "a replay was accepted: $(cat code) $(cat body)"
# One changed byte breaks the signature.
sed 's/"seq":3/"seq":9/' seq3.body >forged.body
get "/api/v1/agents/$ID1/results" "${C[@]}" -X POST -H "X-Cloudward-Signature: $sig" \
  -H "Content-Type: application/json" --data-binary @forged.body
[ "$(cat code)" = 401 ] || fail "a changed push was accepted: $(cat code) $(cat body)"
# Another agent's address, or one that does not exist.
get "/api/v1/agents/$ID2/results" "${C[@]}" -X POST -H "X-Cloudward-Signature: $sig" \
  -H "Content-Type: application/json" --data-binary @seq3.body
[ "$(cat code)" = 401 ] || fail "a push under another agent: $(cat code)"
get "/api/v1/agents/0123456789abcdef/results" "${C[@]}" -X POST -H "X-Cloudward-Signature: $sig" \
  -H "Content-Type: application/json" --data-binary @seq2.body
[ "$(cat code)" = 401 ] || fail "an unknown agent: $(cat code)"
get "/api/v1/agents/$ID1/results" "${C[@]}" -X POST \
  -H "Content-Type: application/json" --data-binary @seq2.body
[ "$(cat code)" = 401 ] || fail "an unsigned push: $(cat code)"

# The ledger holds each push's signature: openssl checks it against the
# host's public key and the bytes that were sent (sequence 3's).
expect_exit 0 "$CW" log show --store "$S" --format json --limit 1000
jq -c 'select(.entry.api.operation == "agent.push") | .entry.unmapped.details' out >pushes
[ "$(jq -r .seq pushes | tr '\n' ' ')" = "1 3 4 " ] || fail "agent.push entries: $(cat pushes)"
lsig=$(jq -r 'select(.seq == 3) | .signature' pushes)
[ "$lsig" = "$sig" ] || fail "the ledger's signature of push 3 is not the one sent"
[ "$(jq -r 'select(.seq == 3) | .sha256' pushes)" = "$(sha256sum seq3.body | cut -c1-64)" ] ||
  fail "the ledger's SHA-256 of push 3"
get /api/v1/agents "${C[@]}" "${A[@]}"
key=$(jq -r --arg id "$ID1" '.agents[] | select(.id == $id) | .public_key' body)
b64url_dec() { local s=$1; s=${s//-/+}; s=${s//_//}; while [ $(( ${#s} % 4 )) -ne 0 ]; do s="$s="; done; printf '%s' "$s" | base64 -d; }
{ printf '\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00'; b64url_dec "$key"; } >pub.der
openssl pkey -pubin -inform DER -in pub.der -out pub.pem 2>/dev/null || fail "the agent's key is not Ed25519"
b64url_dec "$sig" >sig.bin
{ printf 'cloudward-agent-push/1\n'; cat seq3.body; } >signed.bin
openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in signed.bin -sigfile sig.bin >/dev/null 2>&1 ||
  fail "openssl does not verify the recorded signature"

# ---- the fleet: API, page, roles ----
jq -e '.agents | length == 2 and (map(.host) | sort == ["web-1", "web-2"])' body >/dev/null ||
  fail "API fleet: $(cat body)"
jq -e '.agents[] | select(.host == "web-2") | .state == "new" and .seq == 0' body >/dev/null ||
  fail "a host that never pushed: $(cat body)"
get /api/v1/agents "${C[@]}" "${GA[@]}"
[ "$(cat code)" = 403 ] || fail "a tenant saw the fleet: $(cat code)"
get /api/v1/agents/tokens "${C[@]}" "${E[@]}" -X POST -H "Content-Type: application/json" --data '{}'
[ "$(cat code)" = 403 ] || fail "an engineer made an enrolment token: $(cat code)"
get /api/v1/agents/tokens "${C[@]}" "${A[@]}" -X POST -H "Content-Type: application/json" --data '{"expires_in":"600"}'
[ "$(cat code)" = 201 ] && jq -e '.token | startswith("cwe_")' body >/dev/null ||
  fail "the admin's token over the API: $(cat code) $(cat body)"
grep -q "$(jq -r .token body)" server.log && fail "a token in the server's log"
TLS_ARGS=("${C[@]}")
provider_signin ops compliance
get /fleet "${C[@]}" -b jar.ops
[ "$(cat code)" = 200 ] || fail "fleet page: $(cat code)"
grep -q "web-1" body && grep -q "web-2" body && grep -q "run $RUN1\|run [0-9]" body ||
  fail "fleet page rows: $(head -c 600 body)"

# ---- revocation ----
get "/api/v1/agents/$ID1" "${C[@]}" "${GA[@]}" -X DELETE
[ "$(cat code)" = 403 ] || fail "a tenant revoked an agent: $(cat code)"
get "/api/v1/agents/$ID1" "${C[@]}" "${A[@]}" -X DELETE
[ "$(cat code)" = 204 ] || fail "revoke over the API: $(cat code) $(cat body)"
expect_exit 1 "$CW" agent run --dir a1 --root "$ROOT"
grep -q "revoked" err || fail "a revoked agent's run: $(cat err)"
expect_exit 0 "$CW" agent revoke "$ID2" --store "$S"
expect_exit 0 "$CW" agent list --store "$S" --format json
[ "$(jq -r .state out | sort -u)" = revoked ] || fail "both revoked: $(cat out)"
expect_exit 2 "$CW" agent revoke 0123456789abcdef --store "$S"
expect_exit 0 "$CW" log verify --store "$S"
finish
