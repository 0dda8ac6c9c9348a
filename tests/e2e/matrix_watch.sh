#!/usr/bin/env bash
# matrix_watch.sh - a changed row of the responsibility matrix reaches the
# customers who follow the matrix: the server rebuilds it from the scope
# (here a copy of the example), the first time only records it, and when
# a decision changes what a row tells customers (a control's status),
# each follower of a matrix document gets a notice naming the row; an
# unchanged matrix brings no notice.
. "$(dirname "$0")/lib.sh"
engine_store "$WORK/st"
cp -r "$SRC/examples/acme-notes" scope
expect_exit 0 "$CW" tenant add globex --name Globex --store "$S"
echo 'globex-password-long' | "$CW" admin user add g1 --role customer --tenant globex --store "$S" >/dev/null 2>&1 ||
  fail "user g1"
expect_exit 0 "$CW" token create --name admin --role admin --store "$S"
A=(-H "Authorization: Bearer $(cat out)")
export CLOUDWARD_MATRIX_SWEEP_MS=200
serve_start "$S" --threads 2 --scope "$WORK/scope/cloudward.yaml"
get "/api/v1/documents?id=matrix&title=Matrix&type=matrix&class=public&name=matrix.csv&generated=yes" "${A[@]}" -X POST
[ "$(cat code)" = 201 ] || fail "the matrix document: $(cat code) $(cat body)"
get /api/v1/session -c jar -H "Content-Type: application/json" --data '{"login":"g1","password":"globex-password-long"}'
CSRF=$(jq -r .csrf body)
get /api/v1/documents/matrix/subscription -X POST -b jar -H "X-CSRF-Token: $CSRF"
[ "$(cat code)" = 204 ] || fail "follow: $(cat code)"
sleep 1.5 # the baseline, then several sweeps of an unchanged matrix
get /api/v1/notices -b jar
jq -e '.notices == []' body >/dev/null || fail "notices before any change: $(cat body)"
# CLD.9.5.2 implemented -> partial: its row tells customers something new.
python3 - scope/decisions/cloud.yaml <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
i = s.index("control: CLD.9.5.2"); j = s.index("status: implemented", i)
open(p, "w").write(s[:j] + "status: partial" + s[j + len("status: implemented"):])
PY
for _ in $(seq 1 50); do
  get /api/v1/notices -b jar
  [ "$(jq '.notices | length' body)" -ge 1 ] && break
  sleep 0.1
done
jq -e '.notices | length == 1 and .[0].kind == "matrix.change" and .[0].document == "matrix" and (.[0].subject | test("1 row changed \\(iso27017:2015 CLD.9.5.2\\)"))' body >/dev/null ||
  fail "the notice: $(cat body)"
sleep 1
get /api/v1/notices -b jar
[ "$(jq '.notices | length' body)" = 1 ] || fail "an unchanged matrix brought more notices: $(cat body)"
expect_exit 0 "$CW" log show --store "$S" --format json
[ "$(jq -r '.entry.api.operation // .entry.activity_name' out | grep -c '^matrix.publish$')" = 2 ] ||
  fail "publications in the ledger: $(jq -r '.entry.api.operation // .entry.activity_name' out | sort | uniq -c)"
kill -TERM "$pid"
wait "$pid" || fail "the server exited $?"
pid=""
finish
