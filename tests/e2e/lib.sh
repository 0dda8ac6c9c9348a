# lib.sh - helpers for the end-to-end tests: each runs the real cloudward
# binary ($1) from the source tree ($2) in a fresh temporary directory.
set -euo pipefail
CW=$(realpath "$1")
SRC=$(realpath "$2")
WORK=$(mktemp -d)
# At exit, whatever way: stop a server still running (serve_start), then
# remove the folder. pg.sh adds its own stop to cleanup_hooks.
cleanup_hooks=""
cleanup() {
  if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; fi
  eval "$cleanup_hooks"
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_exit CODE CMD...: runs CMD, keeps stdout/stderr in out/err.
expect_exit() {
  local want=$1
  shift
  local got=0
  "$@" >out 2>err || got=$?
  if [ "$got" != "$want" ]; then
    fail "exit $got (wanted $want): $*"
    sed 's/^/  stderr: /' err | head -5 >&2
    return 1
  fi
}

# sarif_ok FILE...: valid SARIF 2.1.0 that GitHub's upload takes
# (tests/e2e/sarif_check.py), with a python3 that has jsonschema.
sarif_ok() {
  local py
  for py in python3 /usr/bin/python3; do
    if "$py" -c 'import jsonschema' 2>/dev/null; then
      "$py" "$SRC/tests/e2e/sarif_check.py" "$@" >&2 || fail "SARIF not accepted: $*"
      return 0
    fi
  done
  fail "no python3 with jsonschema (scripts/setup.sh installs python3-jsonschema)"
}

# schema_ok NAME FILE...: valid against docs/schemas/NAME.schema.json.
schema_ok() {
  local py schema=$SRC/docs/schemas/$1.schema.json
  shift
  for py in python3 /usr/bin/python3; do
    if "$py" -c 'import jsonschema' 2>/dev/null; then
      "$py" "$SRC/tests/e2e/schema_check.py" "$schema" "$@" >&2 ||
        fail "not valid against $(basename "$schema"): $*"
      return 0
    fi
  done
  fail "no python3 with jsonschema (scripts/setup.sh installs python3-jsonschema)"
}

# junit_ok FILE...: valid against the Jenkins JUnit schema (xmllint).
junit_ok() {
  xmllint --noout --schema "$SRC/tests/data/junit-jenkins/junit-10.xsd" "$@" 2>err.xsd ||
    fail "JUnit not valid: $(head -3 err.xsd)"
}

# kill_appends ROUNDS STORE: appends many.jsonl to STORE, killing the
# appender with SIGKILL at a random moment, ROUNDS times; then `log
# verify` must pass, and the lines acknowledged (whole lines only: the
# last one a killed appender printed may be cut) are left sorted in
# acked.sorted, for the caller to find in its store.
kill_appends() {
  local rounds=$1 store=$2 round pid delay f
  for i in $(seq 1 2000); do
    printf '{"actor":"svc","action":"crash.test","target":"t-%d","tenant":"t%d"}\n' "$i" $((i % 3))
  done >many.jsonl
  for round in $(seq 1 "$rounds"); do
    "$CW" log append --store="$store" --from many.jsonl --batch $((RANDOM % 8 + 1)) \
      >"acked.$round" 2>/dev/null &
    pid=$!
    # Mostly 10-90 ms; every tenth round 0.3-0.7 s, so that some appends
    # are acknowledged even where starting the binary takes longer than
    # 90 ms (under AddressSanitizer on a loaded machine none was, in one
    # CI run).
    delay="0.0$((RANDOM % 9 + 1))"
    [ $((round % 10)) -ne 0 ] || delay="0.$((RANDOM % 5 + 3))"
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  expect_exit 0 "$CW" log verify --store="$store"
  for f in acked.[0-9]*; do
    if [ -n "$(tail -c1 "$f")" ]; then sed '$d' "$f"; else cat "$f"; fi
  done | grep -E '^[0-9]+ [0-9a-f]{64}$' | sort -u >acked.sorted
  [ -s acked.sorted ] || fail "no append was acknowledged in $rounds rounds"
}

finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
  fi
  echo "all passed"
}

# serve_start STORE [ARGS...]: `cloudward serve` on any free port of
# 127.0.0.1, its log in server.log; sets pid and U (its base URL).
serve_start() {
  local store=$1
  shift
  "$CW" serve --store "$store" --listen 127.0.0.1:0 "$@" 2>server.log &
  pid=$!
  for _ in $(seq 1 50); do
    grep -q "listening on" server.log && break
    sleep 0.1
  done
  PORT=$(sed -n 's/.*listening on https\{0,1\}:\/\/127.0.0.1:\([0-9]*\) .*/\1/p' server.log)
  [ -n "$PORT" ] || { fail "the server did not start: $(cat server.log)"; finish; }
  U=$(sed -n 's/.*listening on \(https\{0,1\}\):.*/\1/p' server.log)://127.0.0.1:$PORT
  # Answering, not only listening (a loaded machine, a sanitizer build).
  for _ in $(seq 1 50); do
    curl -sk -o /dev/null --max-time 2 "$U/healthz" && return 0
    sleep 0.1
  done
  fail "the server does not answer on $U: $(tail -3 server.log)"
}

# get URL [curl args...]: the status in code, headers in hdr, body in body.
get() {
  local url=$1
  shift
  curl -s -o body -D hdr -w '%{http_code}' "$@" "$U$url" >code || echo 000 >code
}

# engine_store DIR: S, the store the test uses: folder DIR, or with
# CW_ENGINE=pg a private PostgreSQL (tests/e2e/pg.sh) started for it.
engine_store() {
  if [ "${CW_ENGINE:-sqlite}" = pg ]; then
    . "$SRC/tests/e2e/pg.sh"
    pg_start
    S=$PG_OWNER
  else
    S=$1
  fi
}

# totp SECRET: the current RFC 6238 code (SHA-1, 6 digits, 30 s).
totp() {
  python3 -c 'import sys, hmac, hashlib, struct, time, base64
s = sys.argv[1]; k = base64.b32decode(s + "=" * (-len(s) % 8))
h = hmac.new(k, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$1"
}

# provider_signin LOGIN ROLE: a provider's user LOGIN made with ROLE
# (password LOGIN-password-long) signed in with its second factor: the
# cookie jar in jar.LOGIN, the form token in csrf.LOGIN.
provider_signin() {
  local login=$1 role=$2 secret
  echo "$login-password-long" | "$CW" admin user add "$login" --role "$role" --store "$S" >otp 2>/dev/null ||
    { fail "user $login"; return 1; }
  secret=$(sed -n 's/.*secret=\([A-Z2-7]*\).*/\1/p' otp)
  get /api/v1/session "${TLS_ARGS[@]}" -c "jar.$login" -H "Content-Type: application/json" \
    --data "{\"login\":\"$login\",\"password\":\"$login-password-long\",\"code\":\"$(totp "$secret")\"}"
  [ "$(cat code)" = 201 ] || { fail "sign-in of $login: $(cat code) $(cat body)"; return 1; }
  jq -r .csrf body >"csrf.$login"
}
TLS_ARGS=()
