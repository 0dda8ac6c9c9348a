#!/usr/bin/env bash
# migrate.sh - `cloudward store migrate --from DIR --to URL`: a folder
# store with a ledger of several tenants, checkpoints, evidence and scan
# runs copied into a private PostgreSQL (tests/e2e/pg.sh); the copy proves
# itself, and every verb then reads the same from both; the copy carries
# on where the source stopped; a second migration into a full database, a
# damaged source and another key in the key folder are refused.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/pg.sh"
pg_start

# The source: a scope, decisions recorded, evidence, two config runs and a
# host run, tenants' entries, a checkpoint.
"$CW" init --organisation "Migrate Test" --role provider --service-model saas --pii >/dev/null
export CLOUDWARD_STORE=.cloudward
echo "penetration test" >pentest.pdf
"$CW" evidence add pentest.pdf --control CLD.9.5.1 --expires 2027-06-30 >/dev/null
cp "$SRC/tests/cases/config/plan.json" plan.json
expect_exit 1 "$CW" scan config plan.json --pack aws -o /dev/null
sed 's/"publicly_accessible": true/"publicly_accessible": false/' plan.json >plan2.json
expect_exit 1 "$CW" scan config plan2.json --pack aws -o /dev/null
bash "$SRC/tests/cases/host/make-root.sh" root >/dev/null 2>&1
expect_exit 1 "$CW" scan host --root root --pack "$SRC/tests/cases/host/probes.yaml" -o /dev/null
for i in $(seq 1 300); do
  printf '{"actor":"svc","action":"scan.host","target":"h-%d","tenant":"t%d"}\n' "$i" $((i % 7))
done >events.jsonl
expect_exit 0 "$CW" log append --from events.jsonl --batch 64
expect_exit 0 "$CW" log checkpoint
expect_exit 0 "$CW" soa --as-of 2026-12-01 --format json -o soa.dir.json
expect_exit 0 "$CW" log show --format json
cp out show.dir

P=$PG_OWNER
expect_exit 0 "$CW" store migrate --from .cloudward --to "$P"
grep -q "^  ledger: $(wc -l <show.dir) entries, root [0-9a-f]\{64\}, 1 checkpoint(s): the same, and it verifies$" out ||
  fail "migrate's ledger proof: $(cat out)"
grep -q "^  evidence: 1 entry, every file with its recorded digest$" out || fail "evidence proof: $(cat out)"
grep -q "^  scan runs: 3, [0-9]* results read back: the same$" out || fail "runs proof: $(cat out)"

# Every verb reads the same from both.
same() { # what, command args...
  local what=$1
  shift
  "$CW" "$@" --store .cloudward >a.out 2>&1 || true
  "$CW" "$@" --store "$P" >b.out 2>&1 || true
  [ -s a.out ] && cmp -s a.out b.out || fail "$what differs: $(diff a.out b.out | head -4)"
}
same "log show" log show --format json
same "a tenant's view" log show --tenant t3 --format json
same "log vkey" log vkey
same "results list" results list --format json
same "results show" results show 1 --format json
same "results diff" results diff 1 2 --format json
same "evidence list" evidence list --format json
same "log prove" log prove 100
expect_exit 0 "$CW" log verify --store "$P"
expect_exit 0 "$CW" soa --as-of 2026-12-01 --format json -o soa.pg.json --store "$P"
cmp -s soa.dir.json soa.pg.json || fail "the SoA differs: $(diff soa.dir.json soa.pg.json | head -4)"

# The copy carries on where the source stopped, signed by the same key.
n=$(wc -l <show.dir)
expect_exit 0 "$CW" log append --store "$P" --actor a --action decision.set --target CLD.9.5.1
grep -q "^$n " out || fail "the copy's next index: $(cat out), wanted $n"
expect_exit 1 "$CW" scan config plan.json --pack aws -o /dev/null --store "$P"
expect_exit 0 "$CW" results list --store "$P" --format json
[ "$(jq -s '.[0].run' out)" = 4 ] || fail "the copy's next run: $(jq -s '.[0].run' out)"
expect_exit 0 "$CW" log verify --store "$P"

# Refused: a database that holds a ledger already (nothing changes).
expect_exit 2 "$CW" store migrate --from .cloudward --to "$P"
grep -q "already holds" err || fail "second migrate: $(cat err)"
# A damaged source is not copied (another, empty, database).
PGDB=postgres pg_super -c "CREATE DATABASE second OWNER cw_owner"
P2="postgresql:///second?host=$PGTMP&user=cw_owner"
cp -r .cloudward damaged
sqlite3 damaged/ledger.db "UPDATE entries SET leaf = zeroblob(32) WHERE idx = 10"
expect_exit 2 "$CW" store migrate --from damaged --to "$P2"
grep -q "entry 10" err || fail "damaged source: $(cat err)"
[ "$(pg_super -d second -tAc "SELECT to_regclass('ledger_entries') IS NULL")" = t ] ||
  fail "a damaged source left tables behind"
# Another ledger's key in the key folder is refused, not overwritten.
mkdir -m 700 otherkeys
echo "not the key" >otherkeys/ledger.key
CLOUDWARD_KEY_DIR=$WORK/otherkeys expect_exit 2 "$CW" store migrate --from .cloudward --to "$P2"
grep -q "holds another ledger key" err || fail "other key: $(cat err)"
[ "$(cat otherkeys/ledger.key)" = "not the key" ] || fail "the other key was overwritten"
expect_exit 2 "$CW" store migrate --from "$P" --to .cloudward
grep -q "copies a folder store into PostgreSQL" err || fail "reverse: $(cat err)"
finish
