#!/usr/bin/env bash
# ledger.sh - `cloudward log` end to end: appends (flags, a file, standard
# input) acknowledged with index and leaf hash; a tenant's view carrying
# inclusion proofs that this script checks itself (RFC 9162 in bash with
# sha256sum, sharing nothing with the C code) against the signed
# checkpoint's root; `verify` catching every tampering tried (an entry's
# body, its leaf, a tree node, a checkpoint, a removed entry) and naming
# the entry; bad input refused with its position; and a crash test: an
# appender killed with SIGKILL at random moments, 100 times, after which
# every acknowledged entry is there and the ledger verifies.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "ledger.sh needs sqlite3" >&2; exit 1; }

S=--store=st
expect_exit 0 "$CW" log append $S --actor u-1 --action decision.set --target CLD.9.5.1
grep -Eq '^0 [0-9a-f]{64}$' out || fail "append prints INDEX LEAF: $(cat out)"
expect_exit 0 "$CW" log append $S --actor u-2 --action evidence.add --target ev-9 \
  --tenant acme --details '{"b": 2, "a": [1, "x"]}'
cat >events.jsonl <<'END'
{"actor":"svc","action":"scan.config","target":"plan.json","tenant":"acme"}
{"actor":"svc","action":"auth.logon","target":"u-7","tenant":"globex","outcome":"failure","reason":"bad token"}

{"actor":"svc","action":"account.create","target":"u-8","tenant":"acme","time":1796000000000}
END
expect_exit 0 "$CW" log append $S --from events.jsonl --batch 2
[ "$(cut -d' ' -f1 out | tr '\n' ' ')" = "2 3 4 " ] || fail "indexes: $(cat out)"
printf '%s\n' '{"actor":"x","action":"y","target":"z","tenant":"acme"}' |
  "$CW" log append $S --from - >out || fail "stdin append"
grep -q '^5 ' out || fail "stdin append index: $(cat out)"

# Canonical OCSF JSON: sorted keys, integers, tenant in metadata.
expect_exit 0 "$CW" log show $S --format json
sed -n 2p out | jq -e '.entry.class_uid == 6003 and .entry.metadata.tenant_uid == "acme"
  and .entry.unmapped.details == {"a": [1, "x"], "b": 2}
  and (.entry.metadata.uid | test("^[0-9a-f]{32}$"))' >/dev/null || fail "entry 1: $(sed -n 2p out)"
sed -n 4p out | jq -e '.entry.class_uid == 3002 and .entry.status_id == 2 and
  .entry.message == "bad token"' >/dev/null || fail "authentication entry"
sed -n 5p out | jq -e '.entry.class_uid == 3001 and .entry.time == 1796000000000' \
  >/dev/null || fail "account change entry"
sed -n 2p out | jq -c '.entry' | grep -q '"unmapped":{"details":{"a":\[1,"x"\],"b":2}}' ||
  fail "entry JSON is not canonical"
# Canonical: every entry is exactly its own key-sorted compact form.
while read -r line; do
  [ "$(jq -cj .entry <<<"$line")" = "$(jq -cjS .entry <<<"$line")" ] ||
    fail "entry $(jq .index <<<"$line") has unsorted keys"
done <out

# The tenant's view, checked here against the signed checkpoint.
expect_exit 0 "$CW" log checkpoint $S
cp out checkpoint
expect_exit 0 "$CW" log show $S --tenant acme --format json
cp out acme.jsonl
[ "$(jq -r '.entry.metadata.tenant_uid' acme.jsonl | sort -u)" = acme ] ||
  fail "the tenant view shows other tenants"
[ "$(wc -l <acme.jsonl)" = 4 ] || fail "acme has 4 entries"

sha() { sha256sum | cut -c1-64; }
bytes() { printf "$(sed 's/../\\x&/g' <<<"$1")"; }
node() { { printf '\x01'; bytes "$1"; bytes "$2"; } | sha; }
root_hex=$(sed -n 3p checkpoint | base64 -d | od -An -tx1 | tr -d ' \n')
size=$(sed -n 2p checkpoint)
[ "$size" = 6 ] || fail "checkpoint size $size"
verify_line() { # RFC 9162 2.1.3.2
  local line=$1 idx leaf r fn sn p
  idx=$(jq -r .index <<<"$line")
  leaf=$( { printf '\x00'; jq -cj .entry <<<"$line"; } | sha)
  [ "$leaf" = "$(jq -r .leaf <<<"$line")" ] || return 1
  [ "$(jq -r .checkpoint <<<"$line")" = "$(cat checkpoint)" ] || return 1
  r=$leaf; fn=$idx; sn=$((size - 1))
  for p in $(jq -r '.proof[]' <<<"$line"); do
    [ "$sn" -ne 0 ] || return 1
    if [ $((fn & 1)) -eq 1 ] || [ "$fn" -eq "$sn" ]; then
      r=$(node "$p" "$r")
      if [ $((fn & 1)) -eq 0 ]; then
        while [ $((fn & 1)) -eq 0 ] && [ "$fn" -ne 0 ]; do fn=$((fn >> 1)); sn=$((sn >> 1)); done
      fi
    else
      r=$(node "$r" "$p")
    fi
    fn=$((fn >> 1)); sn=$((sn >> 1))
  done
  [ "$sn" -eq 0 ] && [ "$r" = "$root_hex" ]
}
while read -r line; do
  verify_line "$line" || fail "inclusion proof of entry $(jq .index <<<"$line") does not verify"
done <acme.jsonl
# A proof with one hash changed does not verify.
bad=$(head -1 acme.jsonl | jq -c '.proof[0] |= (.[0:63] + (if .[63:] == "0" then "1" else "0" end))')
verify_line "$bad" && fail "a corrupted proof verified"

# The same with cloudward's own customer-side check, needing no store.
expect_exit 0 "$CW" log vkey $S
vk=$(cat out)
expect_exit 0 "$CW" log check --vkey "$vk" acme.jsonl
grep -q "^4 verified, 0 pending, 0 failed" out || fail "log check: $(cat out)"
sed '2s/"scan.config"/"scan.host"/' acme.jsonl >acme-bad.jsonl
expect_exit 1 "$CW" log check --vkey "$vk" acme-bad.jsonl
grep -q "acme-bad.jsonl:2:0: the entry does not hash to its leaf" err || fail "check: $(cat err)"
# A read-only verb never creates a store: a mistyped --store is exit 2.
for v in verify show vkey checkpoint; do
  expect_exit 2 "$CW" log $v --store=mistyped
  grep -q "mistyped: no store here" err || fail "log $v on a missing store: $(cat err)"
done
expect_exit 2 "$CW" evidence list --store=mistyped
[ -e mistyped ] && fail "a read-only verb created a store"
"$CW" log append --store=other --actor a --action x.y --target t >/dev/null
"$CW" log vkey --store=other >other.vkey
expect_exit 1 "$CW" log check --vkey "$(cat other.vkey)" acme.jsonl
grep -q "not signed by this verifier key" err || fail "check with another key: $(cat err)"
expect_exit 2 "$CW" log check acme.jsonl

expect_exit 0 "$CW" log verify $S
grep -q "6 entries" out || fail "verify: $(cat out)"
expect_exit 0 "$CW" log prove 5 $S --size 6
[ "$(wc -l <out)" -ge 1 ] || fail "prove prints the path"
expect_exit 0 "$CW" log consistency 3 6 $S
expect_exit 2 "$CW" log prove 9 $S
expect_exit 2 "$CW" log consistency 0 6 $S

# Tampering: any stored change is caught and named.
tamper() { # SQL, expected message
  cp -r st st.bak
  sqlite3 st/ledger.db "$1"
  expect_exit 1 "$CW" log verify $S
  grep -q "$2" err || fail "tamper '$1': $(cat err)"
  rm -rf st && mv st.bak st
}
tamper "UPDATE entries SET body = replace(body, 'u-2', 'u-3') WHERE idx = 1" "entry 1: its content"
tamper "UPDATE entries SET leaf = zeroblob(32) WHERE idx = 4" "entry 4: its content"
# The stored body abbreviates the fixed OCSF fragments; the leaf is the
# hash of the canonical entry, as `log show` prints it.
"$CW" log show $S --format json | sed -n 2p | jq -cj .entry >entry1 || fail "show"
tamper "UPDATE entries SET body = replace(body, 'u-2', 'u-3'), leaf = X'$( { printf '\x00';
  sed 's/u-2/u-3/' entry1; } | sha)' WHERE idx = 1" "entries 0-3: they do not give the stored tree"
tamper "UPDATE entries SET body = body || char(1) WHERE idx = 3" "entry 3 cannot be read"
tamper "UPDATE entries SET nodes = zeroblob(32) WHERE idx = 3" "entries 0-3: they do not give"
tamper "UPDATE entries SET nodes = NULL WHERE idx = 3" "entry 3: its tree hashes are 0 bytes, not 32"
tamper "UPDATE entries SET nodes = zeroblob(32) WHERE idx = 2" "entry 2: its tree hashes are 32 bytes, not 0"
tamper "UPDATE entries SET nodes = nodes || x'00' WHERE idx = 3" "entry 3: its tree hashes are 33 bytes"
tamper "DELETE FROM entries WHERE idx = 2" "entry 2 is missing"
tamper "UPDATE checkpoints SET note = replace(note, '6', '7')" "checkpoint"
# The columns beside an entry and the tenant index are held to the entries.
tamper "UPDATE entries SET tenant = 'globex' WHERE idx = 1" "entry 1: its tenant column"
tamper "UPDATE entries SET tenant = NULL WHERE idx = 1" "entry 1: its tenant column"
tamper "UPDATE entries SET action = 'scan.host' WHERE idx = 2" "entry 2: its action column"
tamper "DELETE FROM tenant_runs WHERE first = 5" "entry 5 is missing from the index of tenant 'acme'"
tamper "INSERT INTO tenant_runs VALUES ('acme', 3, x'')" "index of tenant 'acme' names entry 3"
tamper "UPDATE tenant_runs SET tenant = 'globex' WHERE first = 5" "names entry 5"
# Malformed gaps: a cut-off varint, and a gap of 0.
tamper "UPDATE tenant_runs SET idxs = x'80' WHERE first = 1" "index of tenant 'acme' cannot be read"
tamper "UPDATE tenant_runs SET idxs = x'00' WHERE first = 1" "index of tenant 'acme' cannot be read"
expect_exit 0 "$CW" log verify $S

# Bad input: one clear error with its position, nothing appended.
printf '%s\n' '{"actor":"a","action":"b","target":"c"}' '{"actor":"a",' >bad.jsonl
expect_exit 2 "$CW" log append $S --from bad.jsonl --batch 10
grep -q "bad.jsonl:2:" err || fail "bad line position: $(cat err)"
printf '%s\n' '{"actor":"a","action":"b","target":"c","details":{"x":1.5}}' >float.jsonl
expect_exit 2 "$CW" log append $S --from float.jsonl
grep -q "not an integer" err || fail "float details: $(cat err)"
printf '%s\n' '{"actor":"a","action":"b"}' >short.jsonl
expect_exit 2 "$CW" log append $S --from short.jsonl
grep -q "needs actor, action and target" err || fail "missing target: $(cat err)"
expect_exit 2 "$CW" log append $S --actor a --action b --target c --outcome maybe
expect_exit 2 "$CW" log append $S --actor a
expect_exit 0 "$CW" log verify $S
grep -q "6 entries" out || fail "bad input appended something: $(cat out)"

# Several processes appending at once: every entry gets its own index,
# none is lost, the tree holds.
for p in 1 2 3 4; do
  for i in $(seq 1 300); do
    printf '{"actor":"p%d","action":"concurrent.test","target":"t-%d"}\n' "$p" "$i"
  done >"conc$p.jsonl"
  "$CW" log append --store=conc --from "conc$p.jsonl" --batch 8 >"conc$p.out" 2>&1 &
done
wait
cat conc?.out >conc.all
[ "$(grep -cE '^[0-9]+ [0-9a-f]{64}$' conc.all)" = 1200 ] || fail "concurrent appends: $(grep -v '^[0-9]' conc.all | head -3)"
[ "$(cut -d' ' -f1 conc.all | sort -un | wc -l)" = 1200 ] || fail "an index was given twice"
expect_exit 0 "$CW" log verify --store=conc
grep -q "1200 entries" out || fail "concurrent verify: $(cat out)"

# A ledger killed while it is being created opens afterwards.
for round in $(seq 1 20); do
  "$CW" log append --store="new$round" --actor a --action b --target c >/dev/null 2>&1 &
  pid=$!
  sleep "0.00$((RANDOM % 6))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # Killed before it made a ledger, the store is not there to verify.
  got=0
  "$CW" log verify --store="new$round" >out 2>err || got=$?
  [ "$got" = 0 ] || { [ "$got" = 2 ] && grep -q "new$round: \(no store here\|the store has no ledger\)" err; } ||
    fail "verify after a killed creation: exit $got: $(cat err)"
  expect_exit 0 "$CW" log append --store="new$round" --actor a --action b --target c
  expect_exit 0 "$CW" log verify --store="new$round" || cat err >&2
done

# Tenant views come from one index row per tenant per append: tenants
# interleaved in one batch each see exactly their own entries, in order.
for i in $(seq 0 299); do
  printf '{"actor":"svc","action":"scan.host","target":"h-%d","tenant":"t%d"}\n' "$i" $((i % 3 == 0 ? 0 : i % 7 + 1))
done >mixed.jsonl
expect_exit 0 "$CW" log append --store=runs --from mixed.jsonl --batch 1000
for t in t0 t1 t3; do
  want=$(jq -r --arg t "$t" 'select(.tenant == $t) | .target' mixed.jsonl | tr '\n' ' ')
  expect_exit 0 "$CW" log show --store=runs --tenant "$t" --format json
  [ "$(jq -r '.entry.resources[0].uid' out | tr '\n' ' ')" = "$want" ] ||
    fail "tenant $t sees $(jq -r '.entry.resources[0].uid' out | head -3 | tr '\n' ' ')..."
  [ "$(jq -r .index out | tr '\n' ' ')" = "$(jq -r '.target | ltrimstr("h-")' \
    <(jq -c --arg t "$t" 'select(.tenant == $t)' mixed.jsonl) | tr '\n' ' ')" ] ||
    fail "tenant $t: wrong indexes"
done
# A page of a view is the same view, cut: --offset passes over, --limit
# stops.
expect_exit 0 "$CW" log show --store=runs --tenant t1 --format json
jq -r .index out | sed -n 3,7p >page.want
expect_exit 0 "$CW" log show --store=runs --tenant t1 --offset 2 --limit 5 --format json
[ "$(jq -r .index out)" = "$(cat page.want)" ] || fail "tenant page: $(jq -r .index out | tr '\n' ' ')"
expect_exit 0 "$CW" log show --store=runs --offset 10 --limit 2 --format json
[ "$(jq -r .index out | tr '\n' ' ')" = "10 11 " ] || fail "log page: $(jq -r .index out | tr '\n' ' ')"
expect_exit 2 "$CW" log show --store=runs --limit many
expect_exit 0 "$CW" log show --store=runs --tenant nobody --format json
[ -s out ] && fail "an unknown tenant sees entries"
# An index row pointing at another tenant's entry is damage, not a view.
sqlite3 runs/ledger.db "INSERT INTO tenant_runs VALUES ('t0', 1, x'')"
expect_exit 2 "$CW" log show --store=runs --tenant t0
grep -q "index of tenant 't0' names entry 1" err || fail "altered tenant index: $(cat err)"
# A store from before tenant_runs (an index on entries.tenant) is carried
# over on open.
sqlite3 runs/ledger.db "DELETE FROM tenant_runs;
  CREATE INDEX entries_tenant ON entries(tenant, idx) WHERE tenant IS NOT NULL"
expect_exit 0 "$CW" log show --store=runs --tenant t3 --format json
[ "$(jq -r '.entry.resources[0].uid' out | tr '\n' ' ')" = \
  "$(jq -r 'select(.tenant == "t3") | .target' mixed.jsonl | tr '\n' ' ')" ] ||
  fail "the old store's tenant index was not carried over"
[ -z "$(sqlite3 runs/ledger.db "SELECT name FROM sqlite_master WHERE name = 'entries_tenant'")" ] ||
  fail "the old index is still there"

# A store from before the tree moved into the entry rows kept it in a
# nodes(level, idx, hash) table: rebuilt here from the rows, then carried
# back on open; proofs and verify agree before and after.
expect_exit 0 "$CW" log checkpoint --store=runs
expect_exit 0 "$CW" log prove 77 --store=runs
cp out proof.before
sqlite3 runs/ledger.db "CREATE TABLE nodes(level INTEGER NOT NULL, idx INTEGER NOT NULL,
    hash BLOB NOT NULL, PRIMARY KEY(level, idx)) WITHOUT ROWID;
  $(for k in 1 2 3 4; do
      echo "INSERT INTO nodes SELECT $((2 * k)), ((idx + 1) >> $((2 * k))) - 1,
        substr(nodes, $((32 * (k - 1) + 1)), 32) FROM entries WHERE length(nodes) >= $((32 * k));"
    done)
  UPDATE entries SET nodes = NULL;"
[ "$(sqlite3 runs/ledger.db "SELECT count(*) FROM nodes")" -gt 90 ] || fail "old nodes table"
expect_exit 0 "$CW" log verify --store=runs
expect_exit 0 "$CW" log prove 77 --store=runs
cmp -s out proof.before || fail "the proof changed across the carry-over"
[ -z "$(sqlite3 runs/ledger.db "SELECT name FROM sqlite_master WHERE name = 'nodes'")" ] ||
  fail "the old nodes table is still there"

# Crash test: SIGKILL an appender 100 times at random moments; every
# acknowledged entry is stored, with the leaf it was acknowledged with.
kill_appends 100 crash
sqlite3 crash/ledger.db "SELECT idx || ' ' || lower(hex(leaf)) FROM entries" | sort -u >stored
comm -23 acked.sorted stored | head -1 | grep -q . && fail "an acknowledged leaf differs from the stored one"
finish
