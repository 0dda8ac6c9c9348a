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
cmake --build "$repo/build" -j"$(nproc)" --target bench_ledger >/dev/null
"$repo/build/bench/bench_ledger" "$dir" "${1:-10000000}"
rm -rf "$dir"/append-*
