#!/usr/bin/env bash
# bench/ledger/run.sh - the ledger's durable appends (batch 1, 64, 1024)
# against plain SQLite inserts of the same rows, verify throughput, and
# inclusion-proof time at 1M and 10M entries. The big ledger is kept in
# CW_BENCH_DIR (default /var/tmp/cloudward-bench/ledger) between runs.
# Targets: >= 200,000 appends/s at batch 1024 and >= 50% of the plain
# inserts; a proof under 1 ms at 10M entries.
#
# usage: bench/ledger/run.sh [MAX_ENTRIES]   (default 10000000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
dir=${CW_BENCH_DIR:-/var/tmp/cloudward-bench}/ledger
mkdir -p "$dir"
rm -rf "$dir"/append-*
cmake -S "$repo" -B "$repo/build" >/dev/null
cmake --build "$repo/build" -j"$(nproc)" --target bench_ledger cloudward >/dev/null

# The command against the library, on the same 300,000 lines (3 tenants,
# as the rows above): `cloudward log append --from FILE` (batch 1024,
# acknowledgements to /dev/null) and cw_ledger_append_lines in-process,
# each into a new store, in turns, 3 times; medians. Target: the command
# at >= 80% of the library.
lines=$dir/lines-300000.jsonl
[ -s "$lines" ] || python3 -c '
for i in range(300000):
    print("{\"actor\":\"svc-bench\",\"action\":\"scan.config\",\"target\":\"res-%d\",\"tenant\":\"%s\",\"time\":%d}"
          % (i, ("acme", "globex", "initech")[i % 3], 1796000000000 + i))' >"$lines"
cli_all="" lib_all=""
for r in 1 2 3; do
  rm -rf "$dir/append-cli" "$dir/append-lib"
  t0=$(date +%s.%N)
  "$repo/build/cloudward" log append --store "$dir/append-cli" --from "$lines" >/dev/null
  t1=$(date +%s.%N)
  cli_all="$cli_all $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", 300000 / (b - a) }')"
  lib_all="$lib_all $("$repo/build/bench/bench_ledger" --lines "$lines" "$dir/append-lib")"
done
rm -rf "$dir/append-cli" "$dir/append-lib"
median() { tr ' ' '\n' | grep . | sort -n | sed -n 2p; }
cli=$(echo "$cli_all" | median) lib=$(echo "$lib_all" | median)
echo "log append --from, 300000 lines: command$cli_all; library$lib_all (entries/s)"
awk -v c="$cli" -v l="$lib" 'BEGIN { r = 100 * c / l; v = "target missed"
  if (r >= 80) v = "target met"
  printf "medians: command %d/s, library %d/s: %.0f%% (target >= 80%%): %s\n\n", c, l, r, v }'

"$repo/build/bench/bench_ledger" "$dir" "${1:-10000000}"
rm -rf "$dir"/append-*
