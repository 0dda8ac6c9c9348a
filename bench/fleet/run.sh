#!/usr/bin/env bash
# bench/fleet/run.sh - AGENTS simulated host agents (one process,
# distinct Ed25519 keys: bench_fleet.c) each pushing one signed debian-12
# host result (every check of the pack judged, from a scan of the
# hardened Debian root of tests/cases/builtin-debian-12) to one
# `cloudward serve` on 127.0.0.1, first on a folder store (SQLite), then
# on a private PostgreSQL (started as tests/e2e/pg.sh does, the server
# connecting as the least-privileged role of docs/scaling.md). For each:
# pushes accepted per second and their latency (p50, p90, p99), the
# server's CPU seconds during the pushes and its peak memory (VmHWM),
# and the latency of GET /api/v1/score right after each of 50 hosts
# pushes its next result (the score recomputed after each result;
# target: under 10 ms at 1,000 hosts), then with nothing new.
# usage: bench/fleet/run.sh [AGENTS] [CONNECTIONS]   (default 1000 8)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
n=${1:-1000}
conns=${2:-8}
cmake -S "$repo" -B "$repo/build" >/dev/null
cmake --build "$repo/build" -j"$(nproc)" --target cloudward bench_fleet >/dev/null
CW=$repo/build/cloudward
WORK=$(mktemp -d /var/tmp/cw-bench-fleet.XXXXXX)
chmod 755 "$WORK"
cleanup_hooks=""
spid=
cleanup() { [ -z "$spid" ] || kill "$spid" 2>/dev/null || true; eval "$cleanup_hooks"; rm -rf "$WORK"; }
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*" >&2; exit 1; }
bash "$repo/tests/cases/builtin-debian-12/make-root.sh" "$WORK/root" >/dev/null 2>&1
tick=$(getconf CLK_TCK)
scope=$repo/examples/acme-notes/cloudward.yaml

cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }

one() { # NAME STORE SERVER_STORE
  local name=$1 store=$2 sstore=$3 tok c0 c1 port
  tok=$("$CW" token create --name bench --role admin --store "$store" 2>/dev/null)
  "$CW" serve --store "$sstore" --scope "$scope" --listen 127.0.0.1:0 \
    --no-access-log 2>"$WORK/serve-$name.log" &
  spid=$!
  for _ in $(seq 1 100); do grep -q "listening on" "$WORK/serve-$name.log" && break; sleep 0.1; done
  port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\) .*/\1/p' "$WORK/serve-$name.log")
  [ -n "$port" ] || fail "the server did not start: $(cat "$WORK/serve-$name.log")"
  echo "== $name: $n agents, $conns connections"
  "$repo/build/bench/bench_fleet" "http://127.0.0.1:$port" "$tok" "$WORK/root" "$n" "$conns" 50 \
    >"$WORK/out-$name" & local bpid=$!
  # The push phase starts when enrolment is done: CPU from then on.
  while ! grep -q "^enrolled" "$WORK/out-$name" 2>/dev/null; do
    kill -0 "$bpid" 2>/dev/null || break; sleep 0.05
  done
  c0=$(cpu_of "$spid")
  while ! grep -q "^pushes:" "$WORK/out-$name" 2>/dev/null; do
    kill -0 "$bpid" 2>/dev/null || break; sleep 0.05
  done
  c1=$(cpu_of "$spid")
  wait "$bpid" || fail "bench_fleet: $(cat "$WORK/out-$name")"
  cat "$WORK/out-$name"
  echo "server CPU during the pushes: $(awk -v a="$c0" -v b="$c1" -v t="$tick" 'BEGIN{printf "%.2f", (b - a) / t}') s;" \
    "peak RSS $(awk '/VmHWM/{print $2 / 1024 " MiB"}' "/proc/$spid/status")"
  # The score with the fleet's runs in the store, 50 times (nothing new).
  "$repo/build/bench/bench_fleet" "http://127.0.0.1:$port" "$tok" "$WORK/root" 0 1 50 | sed "s/with 0 hosts' runs/with $n hosts' runs, nothing new,/"
  kill "$spid"; wait "$spid" 2>/dev/null || true; spid=
}

one sqlite "$WORK/st" "$WORK/st"
. "$repo/tests/e2e/pg.sh"
pg_start
"$CW" token create --name init --role admin --store "$PG_OWNER" >/dev/null 2>&1
pg_grant_app
one postgresql "$PG_OWNER" "$PG_APP"
