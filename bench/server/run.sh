#!/usr/bin/env bash
# bench/server/run.sh - `cloudward serve` against nginx, both on 127.0.0.1
# with keep-alive, driven by wrk (Debian packages wrk, nginx-light):
#   1. GET /api/v1/controls?catalog=iso27002:2022 with an API token,
#      against nginx serving the same bytes as a static file: requests/s
#      and latency percentiles of each (target: cloudward >= 50% of
#      nginx's requests/s), 100 connections, 2 threads, DURATION seconds;
#   2. 1,000 concurrent keep-alive connections on cloudward: wrk's error
#      count (target: none);
#   3. memory per idle connection: cloudward's RSS with 1,000 idle
#      keep-alive connections open, less its RSS before, per connection;
#   4. GET /api/v1/log?offset=500&limit=100 with a tenant's token on a
#      1,000,000-entry ledger of 1,000 tenants (built once with
#      bench_ledger_pg and kept in CW_BENCH_DIR): a page of 100 entries
#      with their proofs, from one client and from two; p99 (target:
#      under 10 ms).
# cloudward logs every request (to /dev/null here), as it would serve.
# usage: bench/server/run.sh [DURATION]   (default 10)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
secs=${1:-10}
for t in wrk nginx curl python3; do
  command -v "$t" >/dev/null || { echo "bench: install $t (apt-get install wrk nginx-light curl)" >&2; exit 2; }
done
cmake -S "$repo" -B "$repo/build" >/dev/null
cmake --build "$repo/build" -j"$(nproc)" --target cloudward bench_ledger_pg >/dev/null
CW=$repo/build/cloudward
ulimit -n 65536 2>/dev/null || ulimit -n 8192 2>/dev/null || true
work=$(mktemp -d /tmp/cw-bench-server.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

tok=$("$CW" token create --name bench --role engineer --store "$work/st" 2>/dev/null)
"$CW" serve --store "$work/st" --listen 127.0.0.1:0 2>"$work/serve.log" &
pids+=($!)
cwpid=$!
for _ in $(seq 1 50); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
port=$(sed -n 's/.*127.0.0.1:\([0-9]*\) .*/\1/p' "$work/serve.log")
# From here on the log goes nowhere: it is written, and thrown away.
url="http://127.0.0.1:$port/api/v1/controls?catalog=iso27002:2022"
mkdir -p "$work/www/api/v1"
curl -sf -H "Authorization: Bearer $tok" "$url" >"$work/www/api/v1/controls.json"
bytes=$(stat -c %s "$work/www/api/v1/controls.json")
chmod -R a+rX "$work/www"
nport=$((port + 1))
cat >"$work/nginx.conf" <<CONF
worker_processes $(nproc);
daemon off;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nport;
    location / { root $work/www; default_type application/json; }
  }
}
CONF
nginx -c "$work/nginx.conf" &
pids+=($!)
sleep 0.5
curl -sf "http://127.0.0.1:$nport/api/v1/controls.json" | cmp -s - "$work/www/api/v1/controls.json" ||
  { echo "bench: nginx does not serve the same bytes" >&2; exit 1; }

run() { # label, url, extra wrk args...
  local label=$1 u=$2
  shift 2
  wrk -t2 -c100 -d"${secs}s" --latency "$@" "$u" >"$work/$label.wrk"
  awk -v l="$label" '/Requests\/sec/ { rps = $2 } /^ +99%/ { p99 = $2 } /^ +50%/ { p50 = $2 }
    /Socket errors|Non-2xx/ { err = err " " $0 }
    END { printf "%-10s %10.0f req/s   p50 %8s   p99 %8s%s\n", l, rps, p50, p99, err }' "$work/$label.wrk"
}
echo "GET of a $bytes-byte catalog listing, 100 keep-alive connections, 2 wrk threads, ${secs} s each"
run cloudward "$url" -H "Authorization: Bearer $tok"
run nginx "http://127.0.0.1:$nport/api/v1/controls.json"
run cloudward2 "$url" -H "Authorization: Bearer $tok"
run nginx2 "http://127.0.0.1:$nport/api/v1/controls.json"
awk '/Requests\/sec/ { r[FILENAME] = $2 } END {
  c = (r[ARGV[1]] + r[ARGV[2]]) / 2; n = (r[ARGV[3]] + r[ARGV[4]]) / 2
  v = "target missed"; if (c >= 0.5 * n) v = "target met"
  printf "mean of two runs each: cloudward %.0f req/s, nginx %.0f req/s: %.0f%% (target >= 50%%): %s\n", c, n, 100 * c / n, v }' \
  "$work/cloudward.wrk" "$work/cloudward2.wrk" "$work/nginx.wrk" "$work/nginx2.wrk"

echo
echo "1,000 concurrent keep-alive connections on cloudward, ${secs} s:"
wrk -t2 -c1000 -d"${secs}s" --latency -H "Authorization: Bearer $tok" "$url" >"$work/c1000.wrk"
awk '/Requests\/sec/ { rps = $2 } /^ +99%/ { p99 = $2 } /Socket errors/ { err = $0 }
  END { if (err == "") err = "no socket errors"; printf "%.0f req/s, p99 %s; %s\n", rps, p99, err }' "$work/c1000.wrk"

echo
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$cwpid/status"; }
before=$(rss)
python3 - "$port" "$tok" >"$work/idle.out" <<'PY' &
import socket, sys, time
port, tok = int(sys.argv[1]), sys.argv[2]
req = ("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").encode()
socks = []
for _ in range(1000):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(req)
    s.recv(4096)
    socks.append(s)
print("open", flush=True)
time.sleep(20)
PY
pids+=($!)
for _ in $(seq 1 100); do grep -q open "$work/idle.out" 2>/dev/null && break; sleep 0.1; done
after=$(rss)
awk -v b="$before" -v a="$after" 'BEGIN { printf "RSS %d kB before, %d kB with 1,000 idle keep-alive connections: %.1f kB per connection\n", b, a, (a - b) / 1000 }'
echo "(each connection reserves a 32 KiB request budget; the pages an idle one never touched are not resident)"

echo
big=${CW_BENCH_DIR:-/var/tmp/cloudward-bench}/server-1m
if [ ! -s "$big/ledger.db" ]; then
  echo "building a 1,000,000-entry ledger of 1,000 tenants in $big (once)..."
  "$repo/build/bench/bench_ledger_pg" page "$big" 1000000 1000 10 >/dev/null
fi
"$CW" tenant list --store "$big" 2>/dev/null | grep -q '^tenant-7 ' ||
  "$CW" tenant add tenant-7 --name "Tenant 7" --store "$big" >/dev/null
ttok=$("$CW" token create --name bench-page --role customer --tenant tenant-7 --days 1 --store "$big" 2>/dev/null)
"$CW" serve --store "$big" --listen 127.0.0.1:0 2>"$work/serve-big.log" &
pids+=($!)
for _ in $(seq 1 50); do grep -q "listening on" "$work/serve-big.log" && break; sleep 0.1; done
bport=$(sed -n 's/.*127.0.0.1:\([0-9]*\) .*/\1/p' "$work/serve-big.log")
purl="http://127.0.0.1:$bport/api/v1/log?offset=500&limit=100"
[ "$(curl -sf -H "Authorization: Bearer $ttok" "$purl" | jq length)" = 100 ] ||
  { echo "bench: the page does not hold 100 entries" >&2; exit 1; }
# One client, then two (the server has one thread per core, two here):
# latency while the server keeps up; more clients only queue.
for conns in 1 2; do
  wrk -t1 -c"$conns" -d"${secs}s" --latency -H "Authorization: Bearer $ttok" "$purl" >"$work/page.wrk"
  awk -v c="$conns" '/Requests\/sec/ { rps = $2 } /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
    END { printf "a tenant'"'"'s page of 100 entries with proofs, 1M-entry ledger, %d connection(s): %.0f req/s, p50 %s, p99 %s (target: p99 under 10 ms)\n", c, rps, p50, p99 }' "$work/page.wrk"
done
