#!/usr/bin/env bash
# bench/ledger/run_pg.sh - the ledger on PostgreSQL 15 (a private server
# started here from Debian's package, as tests/e2e/pg.sh does: fsync and
# synchronous_commit on, a Unix socket, stopped at the end):
#   1. durable appends at batch 64 and 1024 against plain inserts of the
#      same rows (unnest, as the ledger sends them, and COPY);
#      target: >= 50% of the plain rate at batch 1024;
#   2. a tenant's page (100 entries with proofs) on a 1M-entry ledger of
#      1,000 tenants: p99 on PostgreSQL as the servers' role with
#      row-level security, the same with it disabled (target: within 10%),
#      and on SQLite.
# usage: bench/ledger/run_pg.sh [APPENDS] [ENTRIES] [PAGES]
#        (defaults 100000, 1000000, 2000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
appends=${1:-100000} entries=${2:-1000000} pages=${3:-2000}
cmake -S "$repo" -B "$repo/build" >/dev/null
cmake --build "$repo/build" -j"$(nproc)" --target bench_ledger_pg >/dev/null
B="$repo/build/bench/bench_ledger_pg"
WORK=$(mktemp -d /var/tmp/cw-bench.XXXXXX)
failures=0
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$repo/tests/e2e/pg.sh"
pg_start

echo "== appends, PostgreSQL"
"$B" append "$PG_OWNER" "$appends"

echo "== tenant pages, $entries entries, 1000 tenants"
pg_super -c "DROP TABLE IF EXISTS cw_schema, cw_meta, ledger_entries,
  ledger_tenant_runs, ledger_checkpoints CASCADE; DROP FUNCTION IF EXISTS ledger_hashes" >/dev/null
rm -rf "$CLOUDWARD_KEY_DIR"
"$B" page "$PG_OWNER" "$entries" 1000 10 >/dev/null
pg_grant_app
pg_super -c "VACUUM ANALYZE" >/dev/null
rls() { # on|off
  local t
  for t in ledger_entries ledger_tenant_runs; do
    if [ "$1" = on ]; then
      pg_super -c "ALTER TABLE $t ENABLE ROW LEVEL SECURITY"
    else
      pg_super -c "ALTER TABLE $t DISABLE ROW LEVEL SECURITY"
    fi
  done
}
for round in 1 2; do
  rls on
  printf 'PostgreSQL, cw_app, row-level security on:  '
  "$B" page "$PG_APP" "$entries" 1000 "$pages"
  rls off
  printf 'PostgreSQL, cw_app, row-level security off: '
  "$B" page "$PG_APP" "$entries" 1000 "$pages"
done
rls on
sqlite_store="$WORK/sqlite"
printf 'SQLite:                                     '
"$B" page "$sqlite_store" "$entries" 1000 10 >/dev/null
"$B" page "$sqlite_store" "$entries" 1000 "$pages"
du -sh "$PGTMP/data" "$sqlite_store" | sed 's/^/size: /'
