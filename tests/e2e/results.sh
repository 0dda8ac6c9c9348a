#!/usr/bin/env bash
# results.sh - scan runs saved as data (STORE/results.db): each scan a
# run with its pack's digest and counts; `results list|show|diff`; the SoA
# reading each pack's latest run; concurrent saves all kept; a store from
# a newer cloudward, an unknown run and a damaged record refused.
# With CW_ENGINE=pg, the same on a private PostgreSQL (tests/e2e/pg.sh).
. "$(dirname "$0")/lib.sh"
engine_store s
CASES=$SRC/tests/cases/config
cp "$CASES/plan.json" before.json
# The later plan: the database made private, a security group opened.
sed -e 's/"publicly_accessible": true/"publicly_accessible": false/' \
  before.json >after.json
cmp -s before.json after.json && fail "the edit of the plan did nothing"

expect_exit 1 "$CW" scan config before.json --pack aws --store "$S" -o r1.json
grep -qF "saved as run 1 in $S" err || fail "scan does not name its run: $(cat err)"
expect_exit 1 "$CW" scan config after.json --pack aws --store "$S" -o r2.json

# list: newest first, counts as the scans' summaries.
expect_exit 0 "$CW" results list --store "$S" --format json
jq -s -e '[.[].run] == [2, 1] and
  (.[1] | .pass == 148 and .fail == 72 and ."not-applicable" == 3 and
   .unknown == 18 and .stored == 93 and .kind == "config" and .pack == "aws")' \
  out >/dev/null || fail "results list: $(cat out)"
[ "$(jq -s '.[1].fail' out)" = "$(jq '.summary.fail' r1.json)" ] ||
  fail "a run's counts differ from its report's"

# show: every stored result of the report, then the counted passes.
expect_exit 0 "$CW" results show 1 --store "$S" --format json
tail -n +2 out >shown
[ "$(jq -s '[.[] | select(.counted | not)] | length' shown)" = 93 ] ||
  fail "show lists $(jq -s length shown) results, wanted 93 and the passes"
jq -s -e '[.[] | select(.counted) | .count] | add == 148' \
  shown >/dev/null || fail "show's counted passes do not add up to 148"
diff <(jq -r '.results[] | "\(.id) \(.resource) \(.verdict) \(.file):\(.line)"' r1.json) \
  <(jq -r 'select(.counted | not) | "\(.check) \(.resource) \(.verdict) \(.file):\(.line)"' shown) >&2 ||
  fail "show differs from the scan's report (- report, + show)"
jq -s -e '[.[] | select(.check == "aws-s3-access-logging" and .resource) |
  .reason] == ["logging is not set"]' shown >/dev/null ||
  fail "show does not give reasons in words"

# diff: the database became private (fixed); nothing new failing.
expect_exit 0 "$CW" results diff 1 2 --store "$S" --format json
jq -s -e 'length == 2 and all(.change == "fixed") and
  ([.[].before.resource] | sort) == ["aws_db_instance.main",
  "module.crypto.aws_redshift_cluster.open"] and all(.after == null)' out \
  >/dev/null || fail "diff 1 2: $(cat out)"
grep -q "0 now failing, 2 fixed" err || fail "diff summary: $(cat err)"
# the other way round they become failing, and the exit status says so.
expect_exit 1 "$CW" results diff latest latest~1 --store "$S"
[ "$(grep -c '^failing ' out)" = 2 ] || fail "diff 2 1: $(cat out)"

# A host run cannot be compared with a config run.
bash "$SRC/tests/cases/host/make-root.sh" root >/dev/null 2>&1
expect_exit 1 "$CW" scan host --root root --pack "$SRC/tests/cases/host/probes.yaml" \
  --store "$S" -o host.json
expect_exit 2 "$CW" results diff 1 3 --store "$S"
grep -q "compare runs of one kind and pack" err || fail "diff across packs: $(cat err)"
expect_exit 2 "$CW" results show 99 --store "$S"
grep -q "no run 99" err || fail "unknown run: $(cat err)"
expect_exit 2 "$CW" results show latest~9 --store "$S"
expect_exit 2 "$CW" results show bogus --store "$S"
expect_exit 0 "$CW" results list --store nowhere
[ -e nowhere ] && fail "results list created a store"

# The SoA reads the latest run of each pack and target: one host alone is
# named by its pack; two plans scanned with one pack are each named.
"$CW" init --organisation "Runs Test" --role provider --service-model iaas >/dev/null
expect_exit 0 "$CW" soa --store "$S" --format json -o soa.json
jq -r '.controls[].checks // empty' soa.json >cells
grep -q "probes at " cells || fail "the SoA does not show the host run"
grep -q "aws on after.json at .*; aws on before.json at " cells ||
  fail "the SoA does not show each plan's latest run: $(grep aws cells | head -1)"
# A second host scanned with the same pack: both count, each named.
cp -a root root2
expect_exit 1 "$CW" scan host --root root2 --pack "$SRC/tests/cases/host/probes.yaml" \
  --store "$S" -o host2.json
expect_exit 0 "$CW" soa --store "$S" --format json -o soa2.json
jq -r '.controls[] | select(.id == "CLD.9.5.2") | .checks' soa2.json >cell2
grep -q "probes on $WORK/root at .*; probes on $WORK/root2 at " cell2 ||
  fail "two hosts of one pack: $(cat cell2)"

# Saves from several processes at once are all kept, each whole.
for i in 1 2 3 4; do
  "$CW" scan config before.json --pack aws --store "$S" --quiet -o "c$i.json" &
done
wait
expect_exit 0 "$CW" results list --store "$S" --format json
[ "$(jq -s length out)" = 8 ] || fail "concurrent saves: $(jq -s length out) runs, wanted 8"
[ "$(jq -s '[.[] | select(.pack == "aws" and .stored == 93)] | length' out)" = 5 ] ||
  fail "a concurrent save is incomplete"

if [ "$S" != s ]; then
  # A store written by a newer cloudward is refused, not read or changed.
  v=$(pg_super -tAc "SELECT version FROM cw_schema")
  pg_super -c "UPDATE cw_schema SET version = 99"
  expect_exit 2 "$CW" results list --store "$S"
  grep -q "written by a newer cloudward (schema version 99" err || fail "newer store: $(cat err)"
  pg_super -c "UPDATE cw_schema SET version = $v"
  # A damaged record is an error naming the run, never a short answer.
  pg_super -c "UPDATE chunks SET data = substr(data, 1, length(data) - 7) WHERE run = 1"
  expect_exit 2 "$CW" results show 1 --store "$S"
  grep -q "run 1, chunk 0: not a well-formed results record" err || fail "damaged chunk: $(cat err)"
  finish
  exit 0
fi
# A planted results.db (a link, a FIFO) or a store others may write to is
# refused before anything is written or read through it.
mkdir -m 700 planted
echo secret >victim
ln -s "$WORK/victim" planted/results.db
expect_exit 2 "$CW" scan config before.json --pack aws --store planted -o x.json
grep -q "results.db: is not a regular file" err || fail "results.db link: $(cat err)"
[ "$(cat victim)" = secret ] || fail "a save wrote through a link"
rm planted/results.db && mkfifo planted/results.db
expect_exit 2 timeout 10 "$CW" results list --store planted
mkdir -m 777 open-store
expect_exit 2 "$CW" scan config before.json --pack aws --store open-store -o x.json
grep -q "writable by others" err || fail "world-writable store: $(cat err)"

# A store written by a newer cloudward is refused, not read or changed.
cp -r s newer
python3 - newer/results.db <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version = 99"); c.commit()
PY
expect_exit 2 "$CW" results list --store newer
grep -q "written by a newer cloudward (results schema 99" err ||
  fail "newer store: $(cat err)"
# A damaged record is an error naming the run, never a short answer.
cp -r s damaged
python3 - damaged/results.db <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE chunks SET data = substr(data, 1, length(data) - 7) WHERE run = 1")
c.commit()
PY
expect_exit 2 "$CW" results show 1 --store damaged
grep -q "run 1, chunk 0: not a well-formed results record" err ||
  fail "damaged chunk: $(cat err)"
finish
