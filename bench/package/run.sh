#!/usr/bin/env bash
# bench/package/run.sh - the audit package of the acme example with 1,000
# evidence files of 100 KB and a ledger of 1M entries: how long building
# and verifying take, how large the archive is, and building against
# `tar czf` of the very same files (unpacked from the package) in one run.
# Target (issue 19): building at most 1.5x the time of `tar czf`, i.e.
# bound by reading and compressing the files, not by our own work.
#
# The store is kept in CW_BENCH_DIR (default /var/tmp/cloudward-bench/package)
# between runs; delete it to start over.
#
# usage: bench/package/run.sh [ENTRIES] [EVIDENCE]   (default 1000000 1000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
entries=${1:-1000000}
nevidence=${2:-1000}
dir=${CW_BENCH_DIR:-/var/tmp/cloudward-bench}/package
cw=$repo/build/cloudward
mkdir -p "$dir"
cmake -S "$repo" -B "$repo/build" >/dev/null
cmake --build "$repo/build" -j"$(nproc)" --target cloudward >/dev/null

store=$dir/store-$entries-$nevidence
scope=$dir/acme/cloudward.yaml
rm -rf "$dir/acme"
cp -r "$repo/examples/acme-notes" "$dir/acme"
export CLOUDWARD_ACTOR=bench
if [ ! -s "$store/.ready" ]; then
  rm -rf "$store"
  echo "building the store: $entries ledger entries, $nevidence evidence files of 100 KB"
  # The entries are dated before today: the package's slice is the
  # ledger's prefix up to the end of its date.
  python3 -c '
import sys
n = int(sys.argv[1])
t0 = 1793000000000  # 2026-10-26
for i in range(n):
    print("{\"actor\":\"svc-%d\",\"action\":\"scan.config\",\"target\":\"arn:aws:s3:::bucket-%d\",\"tenant\":\"%s\",\"time\":%d,\"details\":{\"pass\":%d,\"fail\":%d}}"
          % (i % 7, i, ("globex", "initech", "")[i % 3] or "acme", t0 + i, i % 300, i % 11))' "$entries" \
    | sed 's/"tenant":"acme",//' >"$dir/lines.jsonl"
  "$cw" log append --store "$store" --from "$dir/lines.jsonl" >/dev/null
  rm -f "$dir/lines.jsonl"
  # Evidence: 100 KB each, half text-like and half random (scans of
  # signed documents compress badly), each cited by one control of the SoA.
  mkdir -p "$dir/ev"
  controls=$("$cw" soa --scope "$scope" --store "$store" --format json 2>/dev/null |
    jq -r '.controls[] | select(.applicable) | "\(.catalog) \(.id)"')
  mapfile -t ctl <<<"$controls"
  python3 -c '
import os, sys
for i in range(int(sys.argv[2])):
    line = b"evidence %d: access review of the production accounts, all approved\n" % i
    text = (line * (51200 // len(line) + 1))[:51200]
    with open("%s/evidence-%d.bin" % (sys.argv[1], i), "wb") as f:
        f.write(os.urandom(51200) + text)' "$dir/ev" "$nevidence"
  for ((i = 0; i < nevidence; i++)); do
    f=$dir/ev/evidence-$i.bin
    "$cw" evidence add "$f" --control "${ctl[$((i % ${#ctl[@]}))]}" \
      --store "$store" --scope "$scope" >/dev/null
  done
  rm -rf "$dir/ev"
  echo ok >"$store/.ready"
fi

as_of=$(date -u +%F)
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", b - a }'; }
build_t="" tar_t="" verify_t=""
for r in 1 2 3; do
  sync
  t0=$(date +%s.%N)
  "$cw" package --as-of "$as_of" -o "$dir/package.tar.gz" --scope "$scope" \
    --store "$store" --quiet
  t1=$(date +%s.%N)
  build_t="$build_t$(secs "$t0" "$t1")"$'\n'
  rm -rf "$dir/unpacked" && mkdir "$dir/unpacked"
  tar xzf "$dir/package.tar.gz" -C "$dir/unpacked"
  sync
  t0=$(date +%s.%N)
  tar czf "$dir/tar.tar.gz" -C "$dir/unpacked" .
  t1=$(date +%s.%N)
  tar_t="$tar_t$(secs "$t0" "$t1")"$'\n'
  t0=$(date +%s.%N)
  "$cw" package verify "$dir/package.tar.gz" >/dev/null
  t1=$(date +%s.%N)
  verify_t="$verify_t$(secs "$t0" "$t1")"$'\n'
done
b=$(printf '%s' "$build_t" | median)
t=$(printf '%s' "$tar_t" | median)
v=$(printf '%s' "$verify_t" | median)
content=$(du -sb "$dir/unpacked" | cut -f1)
size=$(stat -c %s "$dir/package.tar.gz")
tsize=$(stat -c %s "$dir/tar.tar.gz")
ratio=$(awk -v b="$b" -v t="$t" 'BEGIN { printf "%.2f", b / t }')
echo "package of $entries ledger entries and $nevidence evidence files ($(nproc) cores), medians of 3:"
echo "  content           $((content / 1048576)) MiB in $(tar tzf "$dir/package.tar.gz" | wc -l) files"
echo "  build             $b s  -> $((size / 1048576)) MiB archive"
echo "  tar czf (same)    $t s  -> $((tsize / 1048576)) MiB"
echo "  build / tar czf   $ratio (target <= 1.5)"
echo "  verify            $v s"
peak=$( { /usr/bin/time -f '%M' "$cw" package --as-of "$as_of" -o "$dir/package.tar.gz" \
  --scope "$scope" --store "$store" --quiet; } 2>&1 | tail -1)
echo "  build peak RSS    $((peak / 1024)) MiB"
rm -rf "$dir/unpacked" "$dir/tar.tar.gz"
awk -v r="$ratio" 'BEGIN { exit !(r <= 1.5) }' || { echo "bench/package: build is slower than 1.5x tar czf" >&2; exit 1; }
