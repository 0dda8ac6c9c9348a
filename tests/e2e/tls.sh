#!/usr/bin/env bash
# tls.sh - `cloudward serve --tls-cert --tls-key`: HTTPS with HSTS, TLS
# 1.2 at least, plain HTTP refused on the port; SIGHUP loads a new
# certificate (new connections get it) and a broken one is refused while
# the old keeps serving; a key that is not the certificate's is refused
# at start.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "tls.sh needs openssl (scripts/setup.sh)" >&2; exit 1; }
mkcert() { # NAME CN: NAME.crt, NAME.key, self-signed for 127.0.0.1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=$2" -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$1.key" -out "$1.crt" 2>/dev/null || fail "openssl req"
  chmod 600 "$1.key"
}
mkcert one "cloudward test one"
mkcert two "cloudward test two"
expect_exit 0 "$CW" tenant add globex --name Globex --store st

expect_exit 2 "$CW" serve --store st --listen 127.0.0.1:0 --tls-cert one.crt
grep -q "both --tls-cert and --tls-key" err || fail "half of TLS: $(cat err)"
expect_exit 2 "$CW" serve --store st --listen 127.0.0.1:0 --tls-cert one.crt --tls-key two.key
grep -q "cannot start TLS" err || fail "a key that is not the certificate's: $(cat err)"

cp one.crt live.crt
cp one.key live.key
serve_start st --tls-cert live.crt --tls-key live.key --drain 2
grep -q "listening on https://" server.log || fail "start line: $(cat server.log)"
get /healthz --cacert one.crt
[ "$(cat code)" = 200 ] || fail "HTTPS: $(cat code)"
grep -qi '^strict-transport-security: max-age=31536000' hdr || fail "no HSTS: $(cat hdr)"
curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/healthz" -w '%{http_code}' >code || true
[ "$(cat code)" != 200 ] || fail "plain HTTP served on the TLS port"
curl -s -o /dev/null --cacert one.crt --tls-max 1.1 "$U/healthz" && fail "TLS 1.1 accepted"

# SIGHUP: the new certificate for new connections.
cp two.crt live.crt
cp two.key live.key
kill -HUP "$pid"
for _ in $(seq 1 50); do grep -q "certificate reloaded" server.log && break; sleep 0.1; done
grep -q "certificate reloaded" server.log || fail "no reload: $(tail -3 server.log)"
get /healthz --cacert two.crt
[ "$(cat code)" = 200 ] || fail "the new certificate: $(cat code)"
get /healthz --cacert one.crt
[ "$(cat code)" = 000 ] || fail "the old certificate still served: $(cat code)"
# A broken certificate: refused, the current one keeps serving.
echo "not a certificate" >live.crt
kill -HUP "$pid"
for _ in $(seq 1 50); do grep -q "still serving the previous" server.log && break; sleep 0.1; done
grep -q "still serving the previous certificate" server.log || fail "a broken reload: $(tail -3 server.log)"
get /healthz --cacert two.crt
[ "$(cat code)" = 200 ] || fail "after a broken reload: $(cat code)"

kill -TERM "$pid"
wait "$pid" || fail "the server exited $?"
grep -q "SIGTERM: stopped" server.log || fail "no stop line"
grep -q "PRIVATE KEY" server.log && fail "a key reached the log"
finish
