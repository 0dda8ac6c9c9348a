#!/usr/bin/env bash
# bench/config/run_pg.sh - `scan config` of the 500k-resource plan (the
# one bench/config/run.sh generates) with the full aws pack: without
# saving, saving into a folder store (SQLite), and saving into PostgreSQL
# (a private server started here as tests/e2e/pg.sh does, a fresh
# database each time, its tables made before the timing), in turn, 3
# times each; best wall times, the ratios
# to the scan without saving (target: at most 1.3x) and the saved sizes.
# usage: bench/config/run_pg.sh [N_RESOURCES]   (default 500000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
n=${1:-500000}
dir=${CW_BENCH_DIR:-/var/tmp/cloudward-bench}
plan=$dir/plan-$n-v2.json
mkdir -p "$dir"
if [ ! -s "$plan" ]; then
  echo "generating $plan ($n resources, fixed seed)..." >&2
  python3 "$here/gen.py" "$n" >"$plan.tmp" && mv "$plan.tmp" "$plan"
fi
cmake -S "$repo" -B "$repo/build" >/dev/null
cmake --build "$repo/build" -j"$(nproc)" --target cloudward >/dev/null
printf 'organisation: Bench\nrole: provider\nservice_models: [saas]\npii_processor: true\npii_regions: ["eu-*"]\n' >"$dir/cloudward.yaml"
cat "$plan" >/dev/null
WORK=$(mktemp -d /var/tmp/cw-bench-pg.XXXXXX)
failures=0
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$repo/tests/e2e/pg.sh"
pg_start

best() { # name, seconds: keeps the smallest per name
  local cur
  cur=$(eval echo "\${best_$1:-}")
  if [ -z "$cur" ] || awk "BEGIN{exit !($2 < $cur)}"; then eval "best_$1=$2"; fi
  eval "all_$1=\"\${all_$1:-} $2\""
}
timed() { # name, store args...
  local name=$1 w k
  shift
  /usr/bin/time -o "$dir/pg.time" -f '%e %M' "$repo/build/cloudward" scan config "$plan" \
    --scope "$dir/cloudward.yaml" --fail-on never --format json -o /dev/null --quiet "$@"
  read -r w k <"$dir/pg.time"
  best "$name" "$w"
}
# Each save goes to a fresh store that exists already (made by one ledger
# entry, untimed): the steady state, not the first open's table creation.
fresh() {
  "$repo/build/cloudward" log append --store "$1" --actor bench --action store.init \
    --target bench >/dev/null
}
pg_url="postgresql:///b?host=$PGTMP&user=cw_owner"
for r in 1 2 3; do
  timed nosave --no-save
  rm -rf "$WORK/lite"
  fresh "$WORK/lite"
  timed sqlite --store "$WORK/lite"
  PGDB=postgres pg_super -c "DROP DATABASE IF EXISTS b" -c "CREATE DATABASE b OWNER cw_owner" >/dev/null 2>&1
  rm -rf "$CLOUDWARD_KEY_DIR"
  fresh "$pg_url"
  timed pg --store "$pg_url"
done
lite_bytes=$(stat -c %s "$WORK/lite/results.db")
pg_bytes=$(PGDB=b pg_super -tAc "SELECT sum(pg_total_relation_size(c)) FROM unnest(ARRAY['chunks',
  'passes', 'runs', 'packs', 'checks', 'reasons', 'files']) c")
echo "scan config, $n resources, full aws pack; wall seconds, in turn:"
echo "  without saving:%s" | sed "s/%s/$all_nosave/"
echo "  saving, SQLite:%s" | sed "s/%s/$all_sqlite/"
echo "  saving, PostgreSQL:%s" | sed "s/%s/$all_pg/"
awk -v n="$best_nosave" -v s="$best_sqlite" -v p="$best_pg" -v sb="$lite_bytes" -v pb="$pg_bytes" 'BEGIN {
  printf "best: without %.2f s; SQLite %.2f s (%.2fx); PostgreSQL %.2f s (%.2fx); target <= 1.3x\n", n, s, s / n, p, p / n
  printf "saved run: %.1f MB in results.db, %.1f MB in PostgreSQL (tables and indexes)\n", sb / 1e6, pb / 1e6
}'
