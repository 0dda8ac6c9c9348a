#!/usr/bin/env bash
# ledger_pg.sh - the ledger on PostgreSQL, end to end, against a private
# server this script starts (tests/e2e/pg.sh): the same appends give the
# same entries, views and proofs as on SQLite; row-level security keeps a
# tenant's transaction to its own rows even when a query forgets its
# filter (run here on purpose, as the servers' role); tampering with rows
# directly in the database is caught by `log verify`; several processes
# append at once; appenders killed with SIGKILL lose no acknowledged
# entry; a read replica answers the read verbs as the primary does; a
# schema newer than the binary, a missing store, a role that bypasses
# row-level security and a missing key folder are refused with one clear
# error; a password never reaches the output.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/pg.sh"
pg_start
S="--store=$PG_OWNER"

# Missing pieces first: no key folder, no store, a superuser.
(unset CLOUDWARD_KEY_DIR; expect_exit 2 "$CW" log append $S --actor a --action b --target c)
grep -q "set CLOUDWARD_KEY_DIR" err || fail "no key folder: $(cat err)"
expect_exit 2 "$CW" log verify $S
grep -q "holds no cloudward store; nothing was created" err || fail "verify on an empty database: $(cat err)"
[ "$(pg_super -tAc "SELECT to_regclass('cw_schema') IS NULL")" = t ] || fail "a read-only verb created tables"
expect_exit 2 "$CW" log append "--store=postgresql:///cloudward?host=$PGTMP&user=postgres" \
  --actor a --action b --target c
grep -q "role 'postgres' bypasses row-level security" err || fail "superuser: $(cat err)"
expect_exit 2 "$CW" log append "--store=postgresql://cw_owner:hunter2@/nosuchdb?host=$PGTMP" \
  --actor a --action b --target c
grep -q 'cw_owner:\*\*\*@' err || fail "the failing store is not named: $(cat err)"
grep -q hunter2 err out && fail "a password was printed: $(cat err)"

# The same events on both engines: the same entries, tenants and views.
cat >events.jsonl <<'END'
{"actor":"u-1","action":"decision.set","target":"CLD.9.5.1","time":1796000000000}
{"actor":"u-2","action":"evidence.add","target":"ev-9","tenant":"acme","details":{"b":2,"a":[1,"x"]},"time":1796000000001}
{"actor":"svc","action":"scan.config","target":"plan.json","tenant":"acme","time":1796000000002}
{"actor":"svc","action":"auth.logon","target":"u-7","tenant":"globex","outcome":"failure","reason":"bad \"token\" \\ here","time":1796000000003}
{"actor":"svc","action":"account.create","target":"u-8","tenant":"acme","time":1796000000004}
END
expect_exit 0 "$CW" log append $S --from events.jsonl --batch 2
cp out acked.pg
expect_exit 0 "$CW" log append --store=lite --from events.jsonl --batch 2
[ "$(cut -d' ' -f1 acked.pg | tr '\n' ' ')" = "0 1 2 3 4 " ] || fail "indexes: $(cat acked.pg)"
printf '%s\n' '{"actor":"x","action":"y","target":"z","tenant":"acme","time":1796000000005}' |
  "$CW" log append $S --from - >out || fail "stdin append"
grep -q '^5 ' out || fail "stdin append index: $(cat out)"
printf '%s\n' '{"actor":"x","action":"y","target":"z","tenant":"acme","time":1796000000005}' |
  "$CW" log append --store=lite --from - >/dev/null
for v in "" "--tenant acme" "--tenant globex"; do
  # Entries differ only in their uid (random per entry); take it out.
  "$CW" log show $S $v --format json | jq -c 'del(.checkpoint, .proof, .leaf, .entry.metadata.uid)' >pg.view
  "$CW" log show --store=lite $v --format json | jq -c 'del(.checkpoint, .proof, .leaf, .entry.metadata.uid)' >lite.view
  [ -s pg.view ] && cmp -s pg.view lite.view || fail "log show $v differs between the engines"
done
grep -q 'bad \\"token\\" \\\\ here' pg.view || fail "quotes and backslashes did not survive: $(cat pg.view)"

# A tenant's view with proofs, checked by the customer-side command.
expect_exit 0 "$CW" log checkpoint $S
expect_exit 0 "$CW" log show $S --tenant acme --format json
cp out acme.jsonl
[ "$(wc -l <acme.jsonl)" = 4 ] || fail "acme has 4 entries: $(wc -l <acme.jsonl)"
expect_exit 0 "$CW" log vkey $S
vk=$(cat out)
expect_exit 0 "$CW" log check --vkey "$vk" acme.jsonl
grep -q "^4 verified, 0 pending, 0 failed" out || fail "log check: $(cat out)"
expect_exit 0 "$CW" log verify $S
grep -q "6 entries" out || fail "verify: $(cat out)"
expect_exit 0 "$CW" log prove 5 $S --size 6
expect_exit 0 "$CW" log consistency 3 6 $S

# Row-level security, as the servers' role (neither owner nor BYPASSRLS):
# a transaction that names tenant acme and then forgets to filter sees
# acme's rows and nothing else; one that names none sees nothing; writing
# another tenant's row is refused, and so is changing any.
pg_grant_app
app() { "$PGBIN/psql" -X -q -tA -v ON_ERROR_STOP=1 "$PG_APP" "$@"; }
[ "$(app -c "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")" = f ] ||
  fail "cw_app bypasses row-level security"
[ "$(app -c "SELECT count(*) FROM pg_tables WHERE tableowner = current_user")" = 0 ] ||
  fail "cw_app owns tables"
got=$(app -c "BEGIN" -c "SET LOCAL cloudward.tenant = 'acme'" \
  -c "SELECT coalesce(tenant_id, '-') || ':' || count(*) FROM ledger_entries GROUP BY tenant_id ORDER BY 1" -c "COMMIT")
[ "$got" = "acme:4" ] || fail "acme's unfiltered query saw: $got"
got=$(app -c "BEGIN" -c "SET LOCAL cloudward.tenant = 'globex'" \
  -c "SELECT string_agg(DISTINCT tenant_id, ','), count(*) FROM ledger_tenant_runs" -c "COMMIT")
[ "$got" = "globex|1" ] || fail "globex's unfiltered tenant index saw: $got"
[ "$(app -c "SELECT count(*) FROM ledger_entries")" = 0 ] ||
  fail "a transaction that names no tenant sees entries"
[ "$(app -c "BEGIN" -c "SET LOCAL cloudward.tenant = '*'" -c "SELECT count(*) FROM ledger_entries" -c "COMMIT")" = 6 ] ||
  fail "the provider's view does not see every entry"
app -c "BEGIN" -c "SET LOCAL cloudward.tenant = 'acme'" \
  -c "INSERT INTO ledger_entries VALUES (99, 'globex', 'x', 'y')" -c "COMMIT" 2>err &&
  fail "acme's transaction wrote a globex row"
grep -q "row-level security" err || fail "cross-tenant insert: $(cat err)"
app -c "UPDATE ledger_entries SET body = 'x'" 2>err && fail "cw_app may update entries"
grep -q "permission denied" err || fail "update as cw_app: $(cat err)"
app -c "DELETE FROM ledger_entries" 2>err && fail "cw_app may delete entries"
# Every entry's hashes, whoever's it is, for proofs; nothing else of it.
[ "$(app -c "BEGIN" -c "SET LOCAL cloudward.tenant = 'acme'" \
  -c "SELECT count(*) FROM ledger_hashes(ARRAY[3, 4])" -c "COMMIT")" = 2 ] ||
  fail "acme's transaction cannot read globex's entry hashes"
# cloudward itself runs as that role.
A="--store=$PG_APP"
expect_exit 0 "$CW" log append $A --actor svc --action scan.host --target h1 --tenant globex
grep -q '^6 ' out || fail "append as cw_app: $(cat out)"
expect_exit 0 "$CW" log verify $A
grep -q "7 entries" out || fail "verify as cw_app: $(cat out)"

# The servers' role saves scan runs too: their tables, made after the
# grants, come under the default privileges.
cp "$SRC/tests/cases/config/plan.json" plan.json
expect_exit 1 "$CW" scan config plan.json --pack aws -o /dev/null $A
expect_exit 0 "$CW" results list $A --format json
[ "$(jq -s length out)" = 1 ] || fail "a run saved as cw_app: $(cat out)"
app -c "DELETE FROM runs" 2>err && fail "cw_app may delete runs"

# Tampering with rows in the database (as the superuser, who bypasses
# every policy) is caught and named, as on SQLite. Each tampering starts
# from the rows as saved here.
pg_super -c "CREATE TABLE saved_e AS SELECT * FROM ledger_entries;
  CREATE TABLE saved_r AS SELECT * FROM ledger_tenant_runs; CREATE TABLE saved_c AS SELECT * FROM ledger_checkpoints"
tamper() { # SQL, expected message
  pg_super -c "$1" >/dev/null
  expect_exit 1 "$CW" log verify $S
  grep -q "$2" err || fail "tamper '$1': $(cat err)"
  pg_super -c "BEGIN; TRUNCATE ledger_entries, ledger_tenant_runs, ledger_checkpoints;
    INSERT INTO ledger_entries SELECT * FROM saved_e;
    INSERT INTO ledger_tenant_runs SELECT * FROM saved_r; INSERT INTO ledger_checkpoints SELECT * FROM saved_c;
    COMMIT" >/dev/null
}
tamper "UPDATE ledger_entries SET body = replace(body, 'u-2', 'u-3') WHERE idx = 1" "entry 1: its content"
tamper "UPDATE ledger_entries SET leaf = '\\x$(printf '%064d' 0)' WHERE idx = 4" "entry 4: its content"
tamper "UPDATE ledger_entries SET body = body || chr(1) WHERE idx = 3" "entry 3 cannot be read"
tamper "UPDATE ledger_entries SET nodes = '\\x$(printf '%064d' 0)' WHERE idx = 3" "entries 0-3: they do not give"
tamper "UPDATE ledger_entries SET nodes = NULL WHERE idx = 3" "entry 3: its tree hashes are 0 bytes, not 32"
tamper "DELETE FROM ledger_entries WHERE idx = 2" "entry 2 is missing"
tamper "UPDATE ledger_checkpoints SET note = replace(note, E'\\n6\\n', E'\\n7\\n')" "checkpoint"
tamper "UPDATE ledger_entries SET tenant_id = 'globex' WHERE idx = 1" "entry 1: its tenant column"
tamper "UPDATE ledger_entries SET tenant_id = NULL WHERE idx = 1" "entry 1: its tenant column"
tamper "UPDATE ledger_entries SET action = 'scan.host' WHERE idx = 2" "entry 2: its action column"
tamper "DELETE FROM ledger_tenant_runs WHERE first = 5" "entry 5 is missing from the index of tenant 'acme'"
tamper "INSERT INTO ledger_tenant_runs VALUES ('acme', 3, '')" "index of tenant 'acme' names entry 3"
tamper "UPDATE ledger_tenant_runs SET idxs = '\\x80' WHERE first = 1" "index of tenant 'acme' cannot be read"
# Rows removed at the end (checkpoints with them): the copy of the last
# checkpoint in the key folder still knows the size it signed.
tamper "DELETE FROM ledger_entries WHERE idx >= 4;
  DELETE FROM ledger_tenant_runs WHERE first >= 4; DELETE FROM ledger_checkpoints" "signed a tree of 6 entries, but the ledger holds 4"
expect_exit 0 "$CW" log verify $S
pg_super -c "DROP TABLE saved_e, saved_r, saved_c"

# A store written by a newer cloudward is refused, and left as it was.
v=$(pg_super -tAc "SELECT version FROM cw_schema")
pg_super -c "UPDATE cw_schema SET version = 99"
expect_exit 2 "$CW" log verify $S
grep -q "newer cloudward (schema version 99; this one reads up to $v)" err || fail "newer schema: $(cat err)"
pg_super -c "UPDATE cw_schema SET version = $v"
# A store of version 1 (before evidence files, scan runs, tenants and
# tokens moved into the database) is brought to this version on open, in
# one transaction, and keeps working.
pg_super -c "DROP TABLE evidence_blobs, packs, checks, runs, reasons, files, chunks, passes,
  tenants, api_tokens, users, sessions, documents, document_versions, document_blobs,
  agreements, acceptances, downloads, subscriptions, notices, published_rows, register_records, webhooks, webhook_outbox,
  webhook_attempts, agent_tokens, agents, alerts, uncovered; UPDATE cw_schema SET version = 1"
expect_exit 0 "$CW" log verify $S
[ "$(pg_super -tAc "SELECT version FROM cw_schema")" = "$v" ] || fail "not migrated to version $v"
[ "$(pg_super -tAc "SELECT to_regclass('evidence_blobs') IS NOT NULL AND to_regclass('api_tokens') IS NOT NULL")" = t ] ||
  fail "tables missing after the migration"

# Several processes appending at once (as the servers' role).
for p in 1 2 3 4; do
  for i in $(seq 1 300); do
    printf '{"actor":"p%d","action":"concurrent.test","target":"t-%d","tenant":"c%d"}\n' "$p" "$i" "$p"
  done >"conc$p.jsonl"
  "$CW" log append $A --from "conc$p.jsonl" --batch 8 >"conc$p.out" 2>&1 &
done
wait
cat conc?.out >conc.all
[ "$(grep -cE '^[0-9]+ [0-9a-f]{64}$' conc.all)" = 1200 ] || fail "concurrent appends: $(grep -v '^[0-9]' conc.all | head -3)"
[ "$(cut -d' ' -f1 conc.all | sort -un | wc -l)" = 1200 ] || fail "an index was given twice"
expect_exit 0 "$CW" log verify $S
grep -q "1208 entries" out || fail "concurrent verify: $(cat out)"
expect_exit 0 "$CW" log show $A --tenant c3 --format json
[ "$(jq -r '.entry.actor.user.uid // .entry.actor.app_name // empty' out | sort -u | wc -l)" -le 1 ] ||
  fail "tenant c3 sees other appenders' entries"
[ "$(wc -l <out)" = 300 ] || fail "tenant c3 has $(wc -l <out) entries, not 300"

# Crash test: SIGKILL an appender 50 times at random moments; every
# acknowledged entry is stored, with the leaf it was acknowledged with.
kill_appends 50 "$PG_APP"
pg_super -tAc "SELECT idx || ' ' || encode(leaf, 'hex') FROM ledger_entries" | sort -u >stored
comm -23 acked.sorted stored | head -1 | grep -q . && fail "an acknowledged entry is missing or differs"

# A read replica serves the read verbs once it has replayed the latest
# checkpoint: the same views and proofs as the primary. It takes no
# writes, and says so.
expect_exit 0 "$CW" log checkpoint $S
pg_start_replica
pg_wait_replica || fail "the replica did not catch up in 10 s"
R="--store=$PG_REPLICA"
for v in "log show --tenant c3 --format json" "log prove 1000" "log vkey" \
  "log show --offset 1200 --limit 30 --format json" "results list --format json"; do
  "$CW" $v $S >p.out 2>&1 || fail "primary: $v: $(cat p.out)"
  "$CW" $v $R >r.out 2>&1 || fail "replica: $v: $(cat r.out)"
  cmp -s p.out r.out || fail "the replica answers otherwise: $v"
done
expect_exit 0 "$CW" log verify $R
expect_exit 2 "$CW" log append $R --actor a --action b --target c
grep -q "read-only" err || fail "append on a replica: $(cat err)"
finish
