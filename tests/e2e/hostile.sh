#!/usr/bin/env bash
# hostile.sh - hostile roots and files: what an attacker plants in a VM
# image or a scanned tree must never turn into a pass, lead a path outside
# --root, or hang a read. Each case here failed before its fix.
. "$(dirname "$0")/lib.sh"
PACK=$SRC/tests/cases/hostile/pack.yaml

# base ROOT: the smallest root the pack applies to.
base() {
  mkdir -p "$1/etc/ssh" "$1/etc/sysctl.d"
  printf 'ID=debian\nVERSION_ID="12"\n' >"$1/etc/os-release"
  printf 'root:x:0:0:root:/root:/bin/bash\n' >"$1/etc/passwd"
  printf 'root:x:0:\n' >"$1/etc/group"
  printf 'PermitEmptyPasswords no\n' >"$1/etc/ssh/sshd_config"
  printf 'kernel.randomize_va_space = 2\n' >"$1/etc/sysctl.conf"
}
# verdict ROOT CHECK: the verdict and reason of one check, "VERDICT REASON".
verdict() {
  "$CW" scan host --root "$1" --pack "$PACK" --store "$WORK/store" \
    --format json -o "$WORK/v.json" >/dev/null 2>&1 || true
  jq -r --arg id "$2" '.results[] | select(.id == $id) | "\(.verdict) \(.reason)"' "$WORK/v.json"
}

# 1. A NUL byte must not hide the lines after it (sshd -T applies them).
base nul
printf 'X11Forwarding no\n\0\nPermitEmptyPasswords yes\n' >nul/etc/ssh/sshd_config
v=$(verdict nul sshd-empty-passwords)
case $v in unknown*NUL*) ;; *) fail "NUL in sshd_config: $v" ;; esac
base nul2
printf 'kernel.randomize_va_space = 2\n\0kernel.randomize_va_space = 0\n' \
  >nul2/etc/sysctl.d/50-x.conf
v=$(verdict nul2 sysctl-aslr)
case $v in unknown*NUL*) ;; *) fail "NUL in sysctl.d: $v" ;; esac
# A clean file still passes (the NUL rule is not a blanket unknown).
base clean
v=$(verdict clean sshd-empty-passwords)
case $v in pass*) ;; *) fail "clean sshd_config: $v" ;; esac

# 2. A path longer than PATH_MAX still gets examined: a setuid,
# world-writable file 17 directories of 250-character names deep.
base deep
python3 - deep <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
for _ in range(17):
    name = "d" * 250
    os.mkdir(name, dir_fd=fd)
    nfd = os.open(name, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
# More directories than the walk keeps open: most are reopened from the
# root, in one openat2() call or, this deep, one component at a time.
for i in range(300):
    os.mkdir("s%03d" % i, dir_fd=fd)
    os.mkdir("s%03d/sub" % i, dir_fd=fd)
fd = os.open("s150/sub", os.O_RDONLY, dir_fd=fd)
f = os.open("planted", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd)
os.close(f)
os.chmod("planted", 0o4777, dir_fd=fd)
PY
mkdir -p deep/wide
for i in $(seq 300); do mkdir -p deep/wide/w$i/sub; done
touch deep/wide/w150/sub/planted2 && chmod 4755 deep/wide/w150/sub/planted2
# Both plants: the deep one and the one among 300 directories.
v=$(verdict deep suid-inventory)
case $v in "fail 2 found"*) ;; *) fail "deep setuid file: ${v:0:200}" ;; esac
jq -e '.results[] | select(.id == "suid-inventory") | .file | endswith("/planted")' \
  v.json >/dev/null || fail "deep setuid file: not located"
v=$(verdict deep world-writable-files)
case $v in "fail 1 found"*) ;; *) fail "deep world-writable file: ${v:0:200}" ;; esac
# Deeper than the walk goes: unknown, naming the path, never a pass.
base deeper
python3 - deeper <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
for _ in range(140):
    os.mkdir("x", dir_fd=fd)
    nfd = os.open("x", os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
PY
v=$(verdict deeper suid-inventory)
case $v in unknown*x/x/x*) ;; *) fail "too deep: ${v:0:200}" ;; esac
rm -rf deep deeper 2>/dev/null || python3 -c 'import shutil; shutil.rmtree("deep", True); shutil.rmtree("deeper", True)'
# More hits than the walk keeps, all allowed but one: never a pass (the
# forbidden one may lie past the cap).
base many-ww
mkdir -p many-ww/a/zz/sub
python3 -c '
import os
for i in range(20100):
    p = "many-ww/a/f%d" % i
    open(p, "w").close()
    os.chmod(p, 0o666)'
# Found after /a's own files are all counted: past the cap every time.
: >many-ww/a/zz/sub/x && chmod 666 many-ww/a/zz/sub/x
v=$(verdict many-ww ww-files-but-in-a)
case $v in pass*) fail "a forbidden file past the hit cap passed: $v" ;; esac
rm -rf many-ww
# The root folder itself is judged.
base openroot
chmod 0777 openroot
v=$(verdict openroot ww-dirs-no-sticky)
case $v in "fail 1 found: /"*) ;; *) fail "a world-writable root passed: $v" ;; esac
chmod 0755 openroot

# 3. Include globs stay in the root: ".." at the root stays at the root.
base inc
mkdir -p outside
printf 'PermitEmptyPasswords yes\n' >outside/evil.conf
# (a wildcard before the last component went straight to glob(3) on the
# root's path, ".." and all)
printf 'Include /../outside/*.conf\nInclude /../../../../../../../..%s/outsid*/*.conf\nPermitEmptyPasswords no\n' \
  "$WORK" >inc/etc/ssh/sshd_config
for no2 in 0 1; do
  export CW_TEST_NO_OPENAT2=$no2
  v=$(verdict inc sshd-empty-passwords)
  case $v in pass*sshd_config:3*) ;; *) fail "Include climbed out (no_openat2=$no2): $v" ;; esac
  grep -q "outside" v.json && fail "the report names a file outside the root"
done
unset CW_TEST_NO_OPENAT2
# A pattern walking everything is stopped by a budget: unknown, not pass.
base many
mkdir -p many/etc/ssh/many
for i in $(seq 4200); do : >"many/etc/ssh/many/f$i.conf"; done
printf 'Include /etc/ssh/many/*\nPermitEmptyPasswords no\n' >many/etc/ssh/sshd_config
v=$(verdict many sshd-empty-passwords)
case $v in unknown*"more than 4096"*) ;; *) fail "glob budget: $v" ;; esac
base wide
printf 'Include /../../../../*/*/*/*/*/*/*\nPermitEmptyPasswords no\n' >wide/etc/ssh/sshd_config
v=$(timeout 60 bash -c "$(declare -f verdict); CW=$CW PACK=$PACK WORK=$WORK verdict wide sshd-empty-passwords")
case $v in pass*|unknown*) ;; *) fail "wide glob: $v" ;; esac

# 4. A directory swapped for a link to outside during scans never leads a
# read outside the root (the path is never checked, then opened).
base race
mkdir -p race/etc/ssh.real outside/etc-ssh
printf 'PermitEmptyPasswords no\n' >race/etc/ssh.real/sshd_config
printf 'PermitEmptyPasswords yes\n' >outside/etc-ssh/sshd_config
rm -rf race/etc/ssh
ln -s ssh.real race/etc/ssh
(
  end=$((SECONDS + 4))
  while [ $SECONDS -lt $end ]; do
    ln -sfn "$WORK/outside/etc-ssh" race/etc/ssh.tmp && mv -T race/etc/ssh.tmp race/etc/ssh
    ln -sfn ssh.real race/etc/ssh.tmp && mv -T race/etc/ssh.tmp race/etc/ssh
  done
) &
swapper=$!
for i in $(seq 40); do
  v=$(verdict race sshd-empty-passwords)
  case $v in fail*) fail "race $i: read outside the root: $v"; break ;; esac
done
wait $swapper || true

# 10. Duplicate member names: jq and Go take the last, so a plan whose
# bucket says "private" then "public-read-write" must not pass on the
# first; it is refused, naming both places.
cat >dup-plan.json <<'JSON'
{"format_version":"1.2","planned_values":{"root_module":{"resources":[
{"address":"aws_s3_bucket_acl.b","mode":"managed","type":"aws_s3_bucket_acl",
 "name":"b","provider_name":"registry.terraform.io/hashicorp/aws",
 "values":{"bucket":"b","acl":"private","acl":"public-read-write"}}]}}}
JSON
expect_exit 2 "$CW" scan config dup-plan.json --no-save --format json
grep -q 'dup-plan.json:4:41: duplicate member name "acl" (first at line 4, column 25)' err ||
  fail "duplicate key in a plan: $(cat err)"
# Also at the outer levels the plan loader walks member by member.
printf '{"format_version":"1.2","planned_values":{"root_module":{"resources":[]}},"planned_values":{}}' >dup-outer.json
expect_exit 2 "$CW" scan config dup-outer.json --no-save
grep -q 'duplicate member name "planned_values" (first at line 1, column 25)' err ||
  fail "duplicate outer key: $(cat err)"
printf '{"a": {"k": 1, "k": 2}}' >dup.json
expect_exit 2 "$CW" query '$.a.k' dup.json
grep -q 'duplicate member name "k"' err || fail "duplicate key in query input: $(cat err)"
# Thirty members out of order with the duplicate far apart (the sorted
# path), and a \u escape spelling the same name.
python3 -c '
import json
m = ", ".join("\"k%02d\": %d" % (i, i) for i in range(30, 0, -1))
print("{" + m + ", \"k\\u0030\u0035\": 0}")' >dup2.json
expect_exit 2 "$CW" query '$.k05' dup2.json
grep -q 'duplicate member name "k05"' err || fail "escaped duplicate: $(cat err)"

# 12. What is not a regular file is refused at once, never read for ever:
# a FIFO as scope, decision file, pack, query, scan config, evidence or
# ledger input; /dev/zero as a plan.
mkfifo fifo
mkdir -p fscope/decisions
printf 'organisation: F\nrole: provider\nservice_models: [saas]\npii_processor: false\n' \
  >fscope/cloudward.yaml
mkfifo fscope/decisions/x.yaml
try() { # WHAT CMD...: exit 2 within 10 s, saying "not a regular file"
  local what=$1 got=0
  shift
  timeout 10 "$@" >out 2>err </dev/null || got=$?
  [ "$got" = 2 ] && grep -q "not a regular file" err || fail "$what: exit $got: $(cat err)"
}
try "FIFO scope" "$CW" soa --scope fifo --store s1
try "FIFO decision file" "$CW" soa --scope fscope/cloudward.yaml --store s2
try "FIFO pack" "$CW" scan host --root clean --pack fifo --store s3
try "FIFO query input" "$CW" query '$' fifo
try "FIFO plan" "$CW" scan config fifo --no-save
try "/dev/zero plan" "$CW" scan config /dev/zero --no-save
try "FIFO evidence" "$CW" evidence add fifo --control 5.1 --store s4
try "FIFO ledger input" "$CW" log append --from fifo --store s5

# 7. Evidence: a link is not followed unless asked; export writes only
# into a new or empty folder, never through a planted link; a name that is
# not UTF-8 leaves no stored file without an entry.
echo "secret" >victim
ln -s "$WORK/victim" link.pdf
expect_exit 2 "$CW" evidence add link.pdf --control 5.1 --store ev
grep -q "symbolic link.*--follow" err || fail "evidence add followed a link: $(cat err)"
expect_exit 0 "$CW" evidence add link.pdf --control 5.1 --store ev --follow
echo "report" >"$(printf 'r\377port.pdf')"
expect_exit 0 "$CW" evidence add "$(printf 'r\377port.pdf')" --control 5.2 --store ev
expect_exit 0 "$CW" evidence list --store ev --format json
jq -e 'select(.name == "r?port.pdf")' out >/dev/null || fail "non-UTF-8 name: $(cat out)"
[ "$(find ev/evidence -type f | wc -l)" = "$(jq -r .sha256 out | sort -u | wc -l)" ] ||
  fail "a stored evidence file without an entry"
mkdir -p exp
ln -s "$WORK/victim" exp/manifest.json
expect_exit 2 "$CW" evidence export exp --store ev
grep -q "not empty" err || fail "export into a folder holding a link: $(cat err)"
[ "$(cat victim)" = secret ] || fail "export wrote through a link"
expect_exit 0 "$CW" evidence export fresh --store ev

# 8. The store is private whatever the umask, and refused when others
# could change it or its files are links.
(
  umask 000
  "$CW" log append --store priv --actor a --action x.y --target t >/dev/null
  "$CW" evidence add victim --control 5.1 --store priv >/dev/null
  "$CW" evidence export privexp --store priv >/dev/null
  "$CW" scan host --root clean --pack "$PACK" --store priv -o /dev/null >/dev/null 2>&1 || true
)
for f in priv/ledger.db priv/ledger.key priv/evidence/* priv/results/* privexp/*; do
  [ -e "$f" ] || continue
  m=$(stat -c %a "$f")
  [ "$m" = 600 ] || fail "$f is $m under umask 000"
done
[ "$(stat -c %a priv)" = 700 ] || fail "the store folder is $(stat -c %a priv)"
mkdir -p open && chmod 777 open
expect_exit 2 "$CW" log append --store open --actor a --action x.y --target t
grep -q "writable by others" err || fail "a world-writable store: $(cat err)"
mkdir -p planted && chmod 700 planted
ln -s "$WORK/victim" planted/ledger.db
expect_exit 2 "$CW" log append --store planted --actor a --action x.y --target t
grep -q "not a regular file" err || fail "a planted ledger.db link: $(cat err)"
[ "$(cat victim)" = secret ] || fail "the store wrote through a planted link"

# 5. Cutting the tail: rows deleted from the end of the database with its
# checkpoints are found through the copy of the last checkpoint outside
# it, and through a checkpoint a customer kept; nothing is appended to a
# cut log.
for i in $(seq 20); do
  "$CW" log append --store cut --actor a --action x.y --target "t$i" >/dev/null
  [ "$i" = 13 ] && "$CW" log checkpoint --store cut >kept.note
done
"$CW" log checkpoint --store cut >/dev/null
cp -r cut cut2
sqlite3 cut/ledger.db "DELETE FROM entries WHERE idx >= 15; DELETE FROM checkpoints;"
expect_exit 1 "$CW" log verify --store cut
grep -q "signed a tree of 20 entries, but the ledger holds 15" err ||
  fail "tail cut not found: $(cat err)"
expect_exit 2 "$CW" log append --store cut --actor a --action x.y --target t
grep -q "nothing is appended to a cut log" err || fail "append on a cut log: $(cat err)"
# Without the copy (deleted too) the store alone cannot tell; a kept
# checkpoint still can.
sqlite3 cut2/ledger.db "DELETE FROM entries WHERE idx >= 10; DELETE FROM checkpoints;"
rm cut2/checkpoint
expect_exit 0 "$CW" log verify --store cut2
expect_exit 1 "$CW" log verify --store cut2 --checkpoint kept.note
grep -q "kept.note: signed a tree of 13 entries, but the ledger holds 10" err ||
  fail "kept checkpoint: $(cat err)"
expect_exit 1 "$CW" log verify --store cut2 --checkpoint - <kept.note
# An intact store extends an older kept checkpoint.
"$CW" log append --store whole --actor a --action x.y --target t >/dev/null
"$CW" log checkpoint --store whole >whole.note
"$CW" log append --store whole --actor a --action x.y --target u >/dev/null
expect_exit 0 "$CW" log verify --store whole --checkpoint whole.note
grep -q "it extends the checkpoint in whole.note" out || fail "kept checkpoint ok: $(cat out)"
expect_exit 1 "$CW" log verify --store cut2 --checkpoint whole.note
grep -q "not a checkpoint signed by this ledger's key" err || fail "other key: $(cat err)"

# 9. A file name that is not UTF-8, or holds control characters, leaves
# every report well-formed: JSON and SARIF parse, JUnit is XML, the
# table and HTML carry no raw escape byte.
base names
bad=$(printf 'names/bad\377\033[2Jname')
: >"$bad"
chmod 0666 "$bad"
for fmt in json sarif junit table html; do
  "$CW" scan host --root names --pack "$PACK" --store "$WORK/store" \
    --format $fmt -o "names.$fmt" >/dev/null 2>&1 || true
done
jq -e '.results[] | select(.id == "world-writable-files") | .reason |
  test("bad\\\\xff.\\[2Jname")' names.json >/dev/null ||
  fail "JSON: $(jq -r '.results[] | select(.id == "world-writable-files") | .reason' names.json)"
jq -e . names.sarif >/dev/null || fail "SARIF is not JSON"
schema_ok findings-2 names.json
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' names.junit ||
  fail "JUnit is not XML"
for fmt in table html; do
  if LC_ALL=C grep -q "$(printf '\033')" "names.$fmt"; then fail "$fmt holds a raw escape"; fi
  grep -q 'bad\\xff' "names.$fmt" || fail "$fmt lost the byte"
done

# 11. Numbers beyond a double's range stay exact, as written.
python3 -c 'print("{\"a\": 1e999999, \"b\": -" + "9" * 100000 + ", \"c\": 1.50}")' >big.json
expect_exit 0 "$CW" query '$.*' big.json
[ "$(jq -r .value out | head -1)" != null ] && grep -q '"value": 1e999999}' out ||
  fail "1e999999: $(head -c 200 out)"
[ "$(sed -n 2p out | grep -o '9' | wc -l)" = 100000 ] || fail "100k digits not kept"
grep -q '"value": 1.50}' out || fail "1.50 not kept as written"

# 13. A bad line of --from is named by its own line; a deep --details by
# the limit it breaks, not by a size it does not have.
for i in 1 2 3 4 5; do echo '{"actor":"a","action":"x.y","target":"t"}'; done >ev.jsonl
echo '{"actor":"a","action":"x.y","target":"t","details":{"k":1.5}}' >>ev.jsonl
expect_exit 2 "$CW" log append --from ev.jsonl --store evs
grep -q "ev.jsonl:6:57: details: '1.5' is not an integer" err || fail "line of --from: $(cat err)"
deep=$(python3 -c 'print("{\"a\":" * 100 + "1" + "}" * 100)')
expect_exit 2 "$CW" log append --store evs --actor a --action x.y --target t --details "$deep"
grep -q "nesting exceeds the depth limit of 64 levels" err || fail "deep details: $(cat err)"
# verify does not speak of checkpoint signatures where none was signed.
expect_exit 0 "$CW" log verify --store evs
grep -q "no checkpoint signed yet" out || fail "verify wording: $(cat out)"

# 14. Two scopes sharing one store: the second is refused, the first's
# decisions are not recorded as removed; a moved checkout is the same
# scope.
cp -r "$SRC/examples/acme-notes" acme
cp -r "$SRC/examples/globex-customer" globex
"$CW" decisions record --scope acme/cloudward.yaml --store shared >/dev/null
expect_exit 2 "$CW" soa --scope globex/cloudward.yaml --store shared -o /dev/null
grep -q "this store records the scope of 'Acme Notes Ltd'" err || fail "second scope: $(cat err)"
"$CW" log show --store shared --format json >entries.json
grep -q decision.remove entries.json && fail "the second scope removed the first's decisions"
mv acme acme-moved
expect_exit 0 "$CW" decisions record --scope acme-moved/cloudward.yaml --store shared
expect_exit 0 "$CW" decisions record --scope acme-moved/cloudward.yaml --store shared
grep -q "already holds" out || fail "a moved scope is recorded again and again: $(cat out)"

finish
