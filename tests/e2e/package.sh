#!/usr/bin/env bash
# package.sh - the audit package end to end: built from a store with scans,
# evidence, registers and a ledger; verified offline by the command and by
# hand (openssl, sha256sum); the same store and date give the same bytes;
# and every kind of tampering an auditor must catch is caught, naming the
# first thing that differs: a flipped byte, a removed file, an added file,
# a swapped evidence file, a rewritten ledger, a re-signed manifest, a
# replayed older package. With CW_ENGINE=pg, the store on PostgreSQL.
. "$(dirname "$0")/lib.sh"
engine_store $WORK/st
export CLOUDWARD_STORE=$S CLOUDWARD_ACTOR=uid:tester
TODAY=$(date -u +%F)

cp -r "$SRC/examples/acme-notes" acme
bash "$SRC/tests/cases/builtin-debian-12/make-root.sh" root >/dev/null 2>&1
expect_exit 1 "$CW" scan host --root root --pack debian-12 --scope acme/cloudward.yaml -o /dev/null --quiet
expect_exit 1 "$CW" scan config "$SRC/tests/cases/config/plan.json" --pack aws --scope acme/cloudward.yaml -o /dev/null --quiet
echo "access review, 2026 Q4" >review.txt
echo "backup restore test" >restore.txt
expect_exit 0 "$CW" evidence add review.txt --control "iso27002:2022 5.18" --scope acme/cloudward.yaml
expect_exit 0 "$CW" evidence add restore.txt --control "iso27002:2022 8.13" --scope acme/cloudward.yaml
# The same file for a second control is one evidence file in the package.
expect_exit 0 "$CW" evidence add review.txt --control "iso27002:2022 5.15" --scope acme/cloudward.yaml
expect_exit 0 "$CW" tenant add globex --name Globex
expect_exit 0 "$CW" tenant add initech --name Initech
expect_exit 0 "$CW" registers import acme/registers

# Building: usage errors first.
expect_exit 2 "$CW" package -o p.tar.gz --scope acme/cloudward.yaml
expect_exit 2 "$CW" package --as-of 2026-02-30 -o p.tar.gz --scope acme/cloudward.yaml
expect_exit 2 "$CW" package --as-of "$TODAY" -o p.tar.gz --scope acme/cloudward.yaml --store "$WORK/none"
grep -q 'no ledger' err || fail "a store without a ledger: $(cat err)"
expect_exit 2 "$CW" package frobnicate
expect_exit 0 "$CW" package --as-of "$TODAY" -o p1.tar.gz --scope acme/cloudward.yaml
grep -q '2 evidence, 2 scan runs' err || fail "build summary: $(cat err)"
expect_exit 0 "$CW" package vkey
cp out key.pem
grep -q 'BEGIN PUBLIC KEY' key.pem || fail "vkey: $(cat key.pem)"
expect_exit 0 "$CW" package vkey
cmp -s out key.pem || fail "the package key changed between two reads"

# What is inside.
mkdir x && tar xzf p1.tar.gz -C x
for f in soa/soa.json soa/soa.csv soa/soa.xlsx soa/matrix.json soa/matrix.csv soa/matrix.xlsx \
  oscal/ssp.json oscal/profile.json oscal/poam.json oscal/assessment-results.json \
  oscal/component-definition.json oscal/catalog-iso27017-2015.json \
  registers/breaches.csv registers/duties.json decisions/history.json evidence/index.json \
  ledger/entries.jsonl ledger/checkpoint.txt ledger/head.txt ledger/consistency.json \
  ledger/vkey.txt manifest.json manifest.sig package-key.pem; do
  [ -s "x/$f" ] || fail "the package lacks $f"
done
[ "$(ls x/scans | wc -l)" = 4 ] || fail "scans: $(ls x/scans)"
sarif_ok x/scans/*.sarif || fail "the package's SARIF"
[ "$(ls x/evidence | grep -vc index.json)" = 2 ] || fail "evidence files: $(ls x/evidence)"
jq -e '.evidence | length == 3' x/evidence/index.json >/dev/null || fail "evidence index: $(cat x/evidence/index.json)"
for h in $(sha256sum review.txt restore.txt | cut -d' ' -f1); do
  [ -f "x/evidence/$h" ] || fail "evidence $h missing"
done
jq -e --arg d "$TODAY" '.as_of == $d and .organisation == "Acme Notes Ltd" and (.scope_sha256 | length) == 64
  and (.files | length) > 30 and .ledger.entries > 0 and .ledger.head >= .ledger.entries' \
  x/manifest.json >/dev/null || fail "manifest: $(head -c 600 x/manifest.json)"
[ "$(jq -r .ledger.entries x/manifest.json)" = "$(wc -l <x/ledger/entries.jsonl)" ] ||
  fail "the manifest's entry count"
jq -e '[.files[].path] == ([.files[].path] | sort)' x/manifest.json >/dev/null || fail "manifest not sorted"
[ "$(tar tzf p1.tar.gz | tail -3 | tr '\n' ' ')" = "manifest.json manifest.sig package-key.pem " ] ||
  fail "the archive's last entries: $(tar tzf p1.tar.gz | tail -3)"
tar tzvf p1.tar.gz | awk '{ print $1, $2 }' | sort -u >modes
[ "$(cat modes)" = "-r--r--r-- 0/0" ] || fail "entries' modes and owners: $(cat modes)"
gzip -t p1.tar.gz || fail "gzip -t"
"$SRC/tests/oscal/validate.sh" x/oscal/*.json || fail "the package's OSCAL documents"

# Verifying: by the command, and by hand with standard tools.
expect_exit 0 "$CW" package verify p1.tar.gz
grep -q 'verified' out && grep -q 'key inside' out || fail "verify without a key: $(cat out)"
expect_exit 0 "$CW" package verify p1.tar.gz --vkey key.pem --as-of "$TODAY"
grep -q 'key inside' out && fail "a pinned key still says the key inside"
(cd x && jq -r '.files[] | "\(.sha256)  \(.path)"' manifest.json | sha256sum -c --quiet) ||
  fail "sha256sum -c of the manifest"
openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in x/manifest.json -sigfile x/manifest.sig >ossl 2>&1 ||
  fail "openssl verify: $(cat ossl)"
# Building is a ledger entry.
expect_exit 0 "$CW" log show --format json
jq -s -e --arg d "$TODAY" 'map(select(.entry.api.operation == "package.create"
  and .entry.resources[0].uid == ("package as of " + $d))) | length == 1' out >/dev/null ||
  fail "no package.create entry"

# Deterministic: two copies of one store give byte-identical packages,
# and a past date gives the same bytes twice from the same store.
if [ "${CW_ENGINE:-sqlite}" = sqlite ]; then
  cp -a st st2 && cp -a st st3
  expect_exit 0 "$CW" package --as-of "$TODAY" -o c2.tar.gz --scope acme/cloudward.yaml --store st2
  expect_exit 0 "$CW" package --as-of "$TODAY" -o c3.tar.gz --scope acme/cloudward.yaml --store st3
  cmp -s c2.tar.gz c3.tar.gz || fail "two copies of a store gave two packages"
  touch acme/cloudward.yaml acme/decisions/*.yaml
fi
PAST=$(date -u -d yesterday +%F)
expect_exit 0 "$CW" package --as-of "$PAST" -o past1.tar.gz --scope acme/cloudward.yaml
expect_exit 0 "$CW" package --as-of "$PAST" -o past2.tar.gz --scope acme/cloudward.yaml
cmp -s past1.tar.gz past2.tar.gz || fail "one store and a past date gave two packages"
expect_exit 0 "$CW" package verify past1.tar.gz --vkey key.pem
jq -e '.ledger.entries == 0' <(tar xzf past1.tar.gz -O manifest.json) >/dev/null ||
  fail "yesterday's package holds today's entries"
[ "$(tar tzf past1.tar.gz | grep -c '^scans/')" = 0 ] || fail "yesterday's package holds today's scans"
[ "$(tar tzf past1.tar.gz | grep -c '^registers/')" = 0 ] || fail "yesterday's package holds today's records"
# Its SoA is the SoA of what it holds: no scan or evidence of today.
tar xzf past1.tar.gz -O soa/soa.json >past-soa.json
jq -e '[.controls[] | select(((.checks // "") | test("(debian-12|aws) at |breaches: ")) or
  ((.evidence // "") | test("sha256:")))] | length == 0' past-soa.json >/dev/null ||
  fail "yesterday's SoA shows today's scans or evidence"
jq -e '[.controls[] | select((.checks // "") | test("(debian-12|aws) at "))] | length > 10' x/soa/soa.json >/dev/null &&
  jq -e '[.controls[] | select((.evidence // "") | test("sha256:"))] | length == 3' x/soa/soa.json >/dev/null ||
  fail "today's SoA lost its scans or evidence"

# Tampering. rebuild.py OUT MODE [ARG]: a copy of p1.tar.gz changed one
# way; with --resign KEY the manifest is rehashed and signed by KEY (an
# attacker's), as someone who rewrote the package would.
cat >rebuild.py <<'PY'
import hashlib, io, json, subprocess, sys, tarfile
out, mode = sys.argv[1], sys.argv[2]
resign = sys.argv[3] if len(sys.argv) > 3 else None
with tarfile.open("p1.tar.gz", "r:gz") as t:
    items = [(m.name, t.extractfile(m).read()) for m in t.getmembers()]
d = dict(items)
names = [n for n, _ in items]
ev = sorted(n for n in names if n.startswith("evidence/") and not n.endswith("index.json"))
if mode == "flip":
    b = bytearray(d["soa/soa.csv"]); b[len(b) // 2] ^= 1; d["soa/soa.csv"] = bytes(b)
elif mode == "remove":
    names.remove("oscal/poam.json")
elif mode == "dup":
    names.insert(0, "soa/soa.csv")
elif mode == "add":
    names.insert(0, "soa/notes.txt"); d["soa/notes.txt"] = b"all fine\n"
elif mode == "swap":
    d[ev[0]], d[ev[1]] = d[ev[1]], d[ev[0]]
elif mode == "forge-evidence":
    fake = b"a forged access review\n"
    name = "evidence/" + hashlib.sha256(fake).hexdigest()
    names.insert(names.index(ev[0]), name); d[name] = fake
elif mode == "ledger":
    d["ledger/entries.jsonl"] = d["ledger/entries.jsonl"].replace(b'"scan.host"', b'"scan.none"', 1)
elif mode == "drop-entry":
    lines = d["ledger/entries.jsonl"].splitlines(True)
    d["ledger/entries.jsonl"] = b"".join(lines[:-1])
elif mode == "manifest":
    d["manifest.json"] = d["manifest.json"].replace(b"Acme Notes Ltd", b"Acme Notes Inc", 1)
if resign:
    m = json.loads(d["manifest.json"])
    m["files"] = [{"path": n, "size": len(d[n]), "sha256": hashlib.sha256(d[n]).hexdigest()}
                  for n in sorted(names) if n not in ("manifest.json", "manifest.sig", "package-key.pem")]
    if mode == "drop-entry":
        m["ledger"]["entries"] -= 1
    pem = subprocess.run(["openssl", "pkey", "-in", resign, "-pubout"], capture_output=True, check=True).stdout
    m["signer"] = pem.decode()
    d["manifest.json"] = json.dumps(m, indent=2).encode()
    open("m.json", "wb").write(d["manifest.json"])
    subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", resign, "-rawin", "-in", "m.json",
                    "-out", "m.sig"], check=True)
    d["manifest.sig"] = open("m.sig", "rb").read()
    d["package-key.pem"] = pem
with tarfile.open(out, "w:gz", format=tarfile.USTAR_FORMAT) as t:
    for n in names:
        i = tarfile.TarInfo(n); i.size = len(d[n]); i.mode = 0o444
        t.addfile(i, io.BytesIO(d[n]))
PY
openssl genpkey -algorithm ed25519 -out attacker.pem 2>/dev/null
# tampered MODE WANT-EXIT MESSAGE-RE [verify args]
tampered() {
  local mode=$1 want=$2 re=$3
  shift 3
  python3 rebuild.py "t-$mode.tar.gz" "$mode" ${RESIGN:-} || { fail "rebuild $mode"; return; }
  expect_exit "$want" "$CW" package verify "t-$mode.tar.gz" "$@" || return
  [ "$want" = 0 ] || grep -Eq "$re" err || fail "$mode${RESIGN:+ (re-signed)}: $(cat err)"
}
RESIGN="" tampered none 0 ''
RESIGN="" tampered flip 1 "'soa/soa.csv' differs"
RESIGN="" tampered remove 1 "'oscal/poam.json' is missing"
RESIGN="" tampered add 1 "'soa/notes.txt' was added"
RESIGN="" tampered dup 1 "'soa/soa.csv' is in the archive twice"
RESIGN="" tampered swap 1 "'evidence/[0-9a-f]{64}' differs"
RESIGN="" tampered forge-evidence 1 "'evidence/[0-9a-f]{64}' was added"
RESIGN="" tampered ledger 1 "'ledger/entries.jsonl' differs"
RESIGN="" tampered manifest 1 "signature of manifest.json does not verify"
# Rewritten and re-signed by someone else: the provider's key catches
# every one; without it, what the ledger's own signatures cover still
# fails (entries, evidence), and the verdict says the key was not pinned.
RESIGN=attacker.pem tampered flip 1 "signed by another key" --vkey key.pem
RESIGN=attacker.pem tampered flip 0 ''
grep -q 'key inside' out || fail "an unpinned verdict does not say so: $(cat out)"
RESIGN=attacker.pem tampered swap 1 "does not hash to its name"
RESIGN=attacker.pem tampered forge-evidence 1 "no evidence.add entry"
RESIGN=attacker.pem tampered ledger 1 "do not hash to the root"
RESIGN=attacker.pem tampered drop-entry 1 "do not hash to the root"
# Not a package at all.
echo "not a package" >junk.tar.gz
expect_exit 2 "$CW" package verify junk.tar.gz
tar czf plain.tar.gz review.txt
expect_exit 2 "$CW" package verify plain.tar.gz
grep -q 'not a cloudward package' err || fail "a plain tar.gz: $(cat err)"
head -c 20000 p1.tar.gz >cut.tar.gz
expect_exit 2 "$CW" package verify cut.tar.gz
expect_exit 2 "$CW" package verify p1.tar.gz --vkey review.txt
# A FIFO in place of a package is refused at once, never waited on.
mkfifo fifo.tar.gz
expect_exit 2 timeout 10 "$CW" package verify fifo.tar.gz
grep -q 'not a regular file' err || fail "a FIFO: $(cat err)"

# A replayed older package: yesterday's is refused when today's is
# expected, and against the head an auditor kept from a later package.
expect_exit 1 "$CW" package verify past1.tar.gz --vkey key.pem --as-of "$TODAY"
grep -q "is as of $PAST, not $TODAY" err || fail "replay by date: $(cat err)"
expect_exit 0 "$CW" package --as-of "$TODAY" -o p2.tar.gz --scope acme/cloudward.yaml
tar xzf p2.tar.gz -O ledger/head.txt >held.txt
expect_exit 0 "$CW" package verify p2.tar.gz --since held.txt
expect_exit 1 "$CW" package verify p1.tar.gz --since held.txt
grep -q 'older package replayed' err || fail "replay by checkpoint: $(cat err)"
expect_exit 2 "$CW" package verify p1.tar.gz --since review.txt
finish
