#!/usr/bin/env bash
# evidence.sh - `cloudward evidence`: files stored once by SHA-256 however
# often added, each addition a ledger entry; list and export with a
# manifest; verify catching a removed or altered file; the SoA showing
# each control's evidence and flagging expired, not yet effective and
# missing files; bad controls and dates refused. With CW_ENGINE=pg, the
# same on a private PostgreSQL (tests/e2e/pg.sh), the files in its
# database.
. "$(dirname "$0")/lib.sh"
if [ "${CW_ENGINE:-sqlite}" = pg ]; then
  . "$SRC/tests/e2e/pg.sh"
  pg_start
  export CLOUDWARD_STORE=$PG_OWNER
  stored() { pg_super -tAc "SELECT count(*) FROM evidence_blobs"; }
  alter() { pg_super -c "UPDATE evidence_blobs SET data = convert_to('$2', 'UTF8') WHERE sha256 = '$1'"; }
else
  export CLOUDWARD_STORE=.cloudward
  stored() { find .cloudward/evidence -type f | wc -l; }
  alter() { echo "$2" >".cloudward/evidence/$1"; }
fi
"$CW" init --organisation "Evidence Test" --role provider --service-model saas --pii >/dev/null
echo "penetration test, summer" >pentest.pdf
echo "backup restore drill" >drill.txt
echo "policy v1" >policy.md
expect_exit 0 "$CW" evidence add pentest.pdf --control CLD.9.5.1 --expires 2027-06-30
grep -q " iso27017:2015 CLD.9.5.1: stored pentest.pdf, 25 bytes, expires 2027-06-30$" out ||
  fail "add does not say what it stored for which control: $(cat out)"
h1=$(cut -d' ' -f1 out)
[ "$h1" = "$(sha256sum pentest.pdf | cut -c1-64)" ] || fail "content address: $(cat out)"
expect_exit 0 "$CW" evidence add pentest.pdf --control 12.4.1 --effective 2026-01-01 --expires 2026-06-30
grep -q "iso27002:2013 12.4.1 (content already stored): recorded pentest.pdf, 25 bytes, effective 2026-01-01, expires 2026-06-30$" out ||
  fail "dedup: $(cat out)"
expect_exit 0 "$CW" evidence add drill.txt --control "iso27002:2013 12.3.1" --effective 2027-01-01
expect_exit 0 "$CW" evidence add policy.md --control A.12.1
[ "$(stored)" = 3 ] || fail "three files stored once each: $(stored)"
expect_exit 0 "$CW" evidence list --format json
[ "$(wc -l <out)" = 4 ] || fail "four additions listed"
expect_exit 0 "$CW" evidence list --control CLD.9.5.1 --format json
jq -e '.sha256 == "'"$h1"'" and .expires == "2027-06-30" and .intact' out >/dev/null ||
  fail "list by control: $(cat out)"
expect_exit 0 "$CW" log show --format json
[ "$(jq -r '.entry.api.operation' out | tr '\n' ' ')" = \
  "scope.init evidence.add evidence.add evidence.add evidence.add " ] ||
  fail "init and each addition are ledger entries: $(jq -r '.entry.api.operation' out)"
expect_exit 0 "$CW" evidence verify
grep -q "4 evidence file(s), 0 missing" out || fail "verify: $(cat out)"

# The SoA: evidence per control, expired / not yet effective / missing.
alter "$(sha256sum policy.md | cut -c1-64)" "policy v1, edited"
# Stale evidence is a contradiction: flagged on its line, exit 1. The scope
# follows the 2022 edition: evidence filed under a 2013 control shows on
# its 2022 counterparts (12.4.1 -> 8.15, 12.3.1 -> 8.13).
expect_exit 1 "$CW" soa --as-of 2026-12-01 --format json -o soa.json
grep -q "3 lines are flagged" err || fail "stale evidence not counted: $(cat err)"
cell() { jq -r --arg id "$1" '.controls[] | select(.id == $id) | .evidence' soa.json; }
flags() { jq -r --arg id "$1" '.controls[] | select(.id == $id) | .flags' soa.json; }
cell CLD.9.5.1 | grep -q "^pentest.pdf (sha256:${h1:0:12}, expires 2027-06-30)$" ||
  fail "CLD.9.5.1 evidence: $(cell CLD.9.5.1)"
cell 8.15 | grep -q "^EXPIRED: pentest.pdf .*filed under iso27002:2013 12.4.1)" ||
  fail "8.15: $(cell 8.15)"
cell 8.13 | grep -q "^NOT YET EFFECTIVE: drill.txt" || fail "8.13: $(cell 8.13)"
cell A.12.1 | grep -q "^MISSING: policy.md" || fail "A.12.1: $(cell A.12.1)"
flags 8.15 | grep -q "1 evidence file is expired" || fail "8.15 flag: $(flags 8.15)"
[ "$(flags CLD.9.5.1)" = null ] || fail "CLD.9.5.1 flagged: $(flags CLD.9.5.1)"
[ "$(jq .summary.flagged soa.json)" = 3 ] || fail "summary.flagged"

# One piece of evidence, every edition: a penetration test filed under the
# 2022 control 8.8 shows on 12.6.1 of a 2013 scope sharing the store.
expect_exit 0 "$CW" evidence add pentest.pdf --control "iso27002:2022 8.8" --expires 2027-06-30
mkdir -p old
cat >old/cloudward.yaml <<'EOF2'
organisation: Evidence Test
role: provider
service_models: [saas]
pii_processor: false
catalogs: [iso27017:2015]
decisions: []
EOF2
"$CW" soa --scope old/cloudward.yaml --store "$CLOUDWARD_STORE" --as-of 2026-12-01 \
  --format json -o old.json >/dev/null 2>&1 || true
jq -r '.controls[] | select(.id == "12.6.1") | .evidence' old.json |
  grep -q "pentest.pdf .*filed under iso27002:2022 8.8" ||
  fail "8.8 evidence missing on 12.6.1"
expect_exit 1 "$CW" evidence verify
grep -q "missing or altered" err || fail "verify names the altered file: $(cat err)"

expect_exit 1 "$CW" evidence export exported
[ -f exported/pentest.pdf ] && [ -f exported/manifest.json ] || fail "export"
cmp -s exported/pentest.pdf pentest.pdf || fail "exported content differs"
jq -e '.evidence | length == 5 and (map(select(.intact | not)) | length == 1)' \
  exported/manifest.json >/dev/null || fail "manifest: $(cat exported/manifest.json)"
# Files keep their names beside their hashes: the same content under one
# name is one file; an altered one is not exported (file null).
jq -e '[.evidence[] | select(.sha256 == "'"$h1"'") | .file] | unique == ["pentest.pdf"]' \
  exported/manifest.json >/dev/null || fail "manifest names: $(cat exported/manifest.json)"
jq -e '[.evidence[] | select(.intact | not) | .file] == [null]' \
  exported/manifest.json >/dev/null || fail "an altered file was exported"
[ "$(find exported -type f | wc -l)" = "$(jq '[.evidence[].file | select(.)] | unique | length + 1' exported/manifest.json)" ] ||
  fail "exported files and manifest disagree: $(ls exported)"
# Another content under a taken name gets a numbered name; names that
# would climb out or hide are made plain.
mkdir -p other sub
echo "another pentest" >other/pentest.pdf
echo "hidden" >sub/.profile
"$CW" evidence add other/pentest.pdf --control CLD.9.5.1 >/dev/null
"$CW" evidence add sub/.profile --control CLD.9.5.1 >/dev/null
expect_exit 1 "$CW" evidence export exported2
[ -f exported2/pentest-2.pdf ] && cmp -s exported2/pentest-2.pdf other/pentest.pdf ||
  fail "a second content under a taken name: $(ls exported2)"
ls exported2 | grep -q '^evidence-[0-9a-f]\{12\}$' || fail "a dot file exported as is: $(ls -a exported2)"
ls -a exported2 | grep -q '^\.profile$' && fail "a hidden file was exported"

expect_exit 2 "$CW" evidence add pentest.pdf --control NO.SUCH.1
grep -q "NO.SUCH.1" err || fail "unknown control: $(cat err)"
expect_exit 2 "$CW" evidence add pentest.pdf --control CLD.9.5.1 --expires 2026-13-01
expect_exit 2 "$CW" evidence add pentest.pdf --control CLD.9.5.1 --effective 2027-01-01 --expires 2026-01-01
expect_exit 2 "$CW" evidence add missing.pdf --control CLD.9.5.1
expect_exit 2 "$CW" evidence add pentest.pdf
expect_exit 0 "$CW" log verify
if [ "${CW_ENGINE:-sqlite}" = pg ]; then
  # The database keeps files up to 64 MiB; a larger one is refused whole.
  head -c $((65 * 1024 * 1024)) /dev/zero >big.bin
  expect_exit 2 "$CW" evidence add big.bin --control CLD.9.5.1
  grep -q "more than a PostgreSQL store keeps (64 MiB)" err || fail "big evidence: $(cat err)"
  [ "$(stored)" = 5 ] || fail "a refused file was kept: $(stored)"
fi
finish
