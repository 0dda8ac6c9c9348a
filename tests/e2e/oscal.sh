#!/usr/bin/env bash
# oscal.sh - the OSCAL 1.0.6 documents end to end: a store with real scans
# (the planted Debian root, the Terraform plan), the whole set written for
# the three bundled examples; every document valid against NIST's schemas
# (tests/oscal/validate.sh, ajv) and every reference between them resolving
# (tests/oscal/xref.py, the SSPs' inherited parts in the provider's SSP);
# both tools shown to catch breakage; the same data giving the same bytes,
# and the SSP's UUID following its content; last-modified the data's time,
# not the clock's; the assessment results the runs, the POA&M the open
# lines of the SoA; a provider's SSP imported as its matrix giving the
# customer the same SoA and matrix as the matrix the provider published;
# bad input refused with FILE:LINE:COL; the component-definition naming
# the checks of a pack per control.
. "$(dirname "$0")/lib.sh" "$@"
XREF=$SRC/tests/oscal/xref.py
SET="assessment-results.json catalog-iso27002-2013.json catalog-iso27002-2022.json
catalog-iso27017-2015.json catalog-iso27018-2019.json component-definition.json
poam.json profile.json ssp.json"

# indir DIR CMD...: CMD run inside DIR (for expect_exit: out and err stay here).
indir() { (cd "$1" && shift && "$@"); }
# valid FILE...: valid OSCAL. validate.sh exits 2 when its node_modules is
# missing: a failure, never a skip (scripts/setup.sh installs it).
valid() {
  local rc=0
  sh "$SRC/tests/oscal/validate.sh" "$@" 2>valid.err || rc=$?
  case $rc in
  0) ;;
  2) fail "validate.sh cannot run: $(head -3 valid.err)" ;;
  *) fail "not valid OSCAL: $(head -c 600 valid.err)" ;;
  esac
}
# xref ARGS...: tests/oscal/xref.py, its report in xref.out.
xref() { python3 "$XREF" "$@" >xref.out 2>&1; }
# set_ok DIR: the nine files of a set, nothing else.
set_ok() {
  [ "$(cd "$1" && ls | tr '\n' ' ')" = "$(echo $SET) " ] ||
    fail "$1 holds: $(ls "$1" | tr '\n' ' ')"
}
# oscal_all DIR SCOPE_DIR STORE AS_OF: the set of the scope in SCOPE_DIR,
# run from inside it (paths in the documents are then relative).
oscal_all() {
  expect_exit 0 indir "$2" "$CW" oscal all -o "$WORK/$1" --scope cloudward.yaml \
    --store "$WORK/$3" --as-of "$4" &&
    grep -q "wrote 9 OSCAL documents into $WORK/$1" err || fail "oscal all $1: $(cat err)"
  set_ok "$1"
}
ssp() { jq '."system-security-plan"' "$1"; }

xref --self-test || fail "xref.py --self-test: $(cat xref.out)"

# ---- a store with real scans ---------------------------------------------
bash "$SRC/tests/cases/builtin-debian-12/make-root.sh" root >/dev/null
expect_exit 1 "$CW" scan host --root root --pack debian-12 --store S -o /dev/null --quiet
expect_exit 1 "$CW" scan config "$SRC/tests/cases/config/plan.json" --pack aws --store S \
  -o /dev/null --quiet
expect_exit 0 "$CW" log checkpoint --store S
CP_SIZE=$(sed -n 2p out)
# The same scans as reports, to compare the documents with (not saved).
expect_exit 1 "$CW" scan host --root root --pack debian-12 --format json -o host.json --no-save --quiet
expect_exit 1 "$CW" scan config "$SRC/tests/cases/config/plan.json" --pack aws --format json \
  -o config.json --no-save --quiet

# ---- the three sets ---------------------------------------------------------
cp -r "$SRC/examples/acme-notes" acme
cp -r "$SRC/examples/nimbus-iaas" nimbus
cp -r "$SRC/examples/globex-customer" globex
oscal_all acme-set acme S 2026-12-06
oscal_all nimbus-set nimbus SN 2026-11-22
oscal_all globex-set globex SG 2026-12-06
[ ! -e SN ] || fail "oscal created the store of a scope that had none"
# The runs of today, read by a set as of today (the SoA's date bounds the
# runs the assessment results read).
TODAY=$(date -u +%F)
oscal_all acme-today acme S "$TODAY"
# Its last-modified: the store's latest ledger entry (the scope recorded by
# the first `oscal all`, after the runs), to the second.
expect_exit 0 "$CW" log show --store S --format json
LATEST=$(jq -s -r 'map(.entry.time) | max / 1000 | floor | todate' out)

# ---- cross-references: every set resolves, breakage is caught --------------
xref --upstream nimbus-set/ssp.json acme-set/*.json || fail "acme: $(head -5 xref.out)"
grep -q "^xref.py: 9 documents (4 catalogs" xref.out || fail "acme summary: $(cat xref.out)"
xref --upstream nimbus-set/ssp.json acme-today/*.json || fail "acme today: $(head -5 xref.out)"
xref --upstream acme-set/ssp.json globex-set/*.json || fail "globex: $(head -5 xref.out)"
xref nimbus-set/*.json || fail "nimbus: $(head -5 xref.out)"
# Acme's SSP inherits from Nimbus: without Nimbus's SSP it cannot resolve.
if xref acme-set/*.json; then fail "acme's inherited parts resolved without --upstream"; fi
grep -q "provided-uuid .* points at a provider's SSP, and no --upstream SSP was given" xref.out ||
  fail "no --upstream: $(head -3 xref.out)"
# Globex's inherited parts are not Nimbus's.
if xref --upstream nimbus-set/ssp.json globex-set/*.json; then
  fail "globex resolved against the wrong provider"
fi
mkdir bad1 bad2
cp acme-set/* bad1/
cp acme-set/* bad2/
jq '(."system-security-plan"."control-implementation"."implemented-requirements"[3]."by-components"[0]."component-uuid") = "0badc0de-0000-5000-8000-000000000000"' \
  acme-set/ssp.json >bad1/ssp.json
if xref --upstream nimbus-set/ssp.json bad1/*.json; then fail "xref.py missed an unknown component-uuid"; fi
grep -q "^bad1/ssp.json: \$\['system-security-plan'\]\['control-implementation'\]\['implemented-requirements'\]\[3\]\['by-components'\]\[0\]\['component-uuid'\]: component-uuid 0badc0de-0000-5000-8000-000000000000 names no component of this document$" xref.out ||
  fail "unknown component-uuid: $(cat xref.out)"
# The path printed is one `cloudward query` reads back.
expect_exit 0 "$CW" query "$(cut -d' ' -f2 xref.out | head -1 | sed 's/:$//')" bad1/ssp.json
grep -q '"value": "0badc0de-0000-5000-8000-000000000000"' out || fail "query of the path: $(cat out)"
jq '(."system-security-plan"."control-implementation"."implemented-requirements"[0]."control-id") = "iso27002-2022_99.99"' \
  acme-set/ssp.json >bad2/ssp.json
if xref --upstream nimbus-set/ssp.json bad2/*.json; then fail "xref.py missed an unknown control-id"; fi
grep -q "control-id iso27002-2022_99.99 is a control of no catalog of the set" xref.out ||
  fail "unknown control-id: $(cat xref.out)"
[ "$(grep -c '^bad2/' xref.out)" = 1 ] || fail "one problem, one line: $(cat xref.out)"
# A set missing the catalog its documents link to.
if xref --upstream nimbus-set/ssp.json $(ls acme-set/*.json | grep -v catalog-iso27002-2013); then
  fail "xref.py missed a catalog left out of the set"
fi
grep -q "^acme-set/catalog-iso27017-2015.json: .*\.href: href catalog-iso27002-2013.json#iso27002-2013_[0-9.]*: no file catalog-iso27002-2013.json in the set$" xref.out ||
  fail "missing catalog: $(head -3 xref.out)"
expect_exit 2 python3 "$XREF"
printf '{' >broken.json
expect_exit 2 python3 "$XREF" broken.json

# ---- schemas: every document written, and a broken one ----------------------
# Each distinct file once: the catalogs and the component-definition are the
# same bytes in every set (compared here).
for f in acme-set/catalog-* acme-set/component-definition.json; do
  for s in nimbus-set globex-set acme-today; do
    cmp -s "$f" "$s/$(basename "$f")" || fail "$s/$(basename "$f") differs from acme's"
  done
done
valid acme-set/*.json nimbus-set/{profile,ssp,assessment-results,poam}.json \
  globex-set/{profile,ssp,assessment-results,poam}.json \
  acme-today/{profile,ssp,assessment-results,poam}.json
jq '.profile.uuid = "x"' acme-set/profile.json >bad-profile.json
rc=0
sh "$SRC/tests/oscal/validate.sh" bad-profile.json 2>valid.err || rc=$?
[ "$rc" = 1 ] || fail "validate.sh on a profile whose uuid is 'x': exit $rc ($(head -2 valid.err))"

# ---- determinism -------------------------------------------------------------
oscal_all acme-set2 acme S 2026-12-06
touch acme/cloudward.yaml acme/decisions/*.yaml
oscal_all acme-set3 acme S 2026-12-06
for f in $SET; do
  cmp acme-set/$f acme-set2/$f >&2 || fail "$f: a second run gives other bytes"
  cmp acme-set/$f acme-set3/$f >&2 || fail "$f: other bytes after touching the scope"
done
# The same data elsewhere: the same SSP; one justification changed: a new
# document UUID, the same requirement UUIDs.
mkdir -p d1 d2
cp -r "$SRC/examples/acme-notes" d1/acme
cp -r "$SRC/examples/acme-notes" d2/acme
cp -r S S1
cp -r S S2
sed -i '0,/justification: Required by ISO\/IEC 27001 and by every enterprise customer contract\./s//justification: Required by ISO\/IEC 27001, by every enterprise customer contract and by our insurer./' \
  d2/acme/decisions/organisational.yaml
cmp -s "$SRC/examples/acme-notes/decisions/organisational.yaml" d2/acme/decisions/organisational.yaml &&
  fail "the justification was not edited"
expect_exit 0 indir d1/acme "$CW" oscal ssp --scope cloudward.yaml --store "$WORK/S1" --as-of 2026-12-06 -o "$WORK/d1.json"
expect_exit 0 indir d2/acme "$CW" oscal ssp --scope cloudward.yaml --store "$WORK/S2" --as-of 2026-12-06 -o "$WORK/d2.json"
cmp d1.json acme-set/ssp.json >&2 || fail "oscal ssp and oscal all give other SSPs"
u1=$(ssp d1.json | jq -r .uuid)
u2=$(ssp d2.json | jq -r .uuid)
[ "$u1" != "$u2" ] || fail "the SSP's uuid stayed $u1 though a justification changed"
irs() { ssp "$1" | jq -r '."control-implementation"."implemented-requirements"[] | [.uuid, ."control-id", ."by-components"[].uuid] | join(" ")'; }
[ "$(irs d1.json)" = "$(irs d2.json)" ] || fail "requirement uuids changed with a justification"
[ "$(diff d1.json d2.json | grep -c '^[<>]')" = 4 ] ||
  fail "more than the uuid and the justification changed: $(diff d1.json d2.json | head)"

# ---- last-modified: the data's time -------------------------------------------
# As of 2026-12-06 the store's ledger entries and runs are today's, after
# that date: the latest time known is the scope's approval day.
[ "$TODAY" \> 2026-12-06 ] || fail "this test expects a clock after 2026-12-06 (it is $TODAY)"
for f in profile ssp assessment-results poam; do
  lm=$(jq -r '.[].metadata."last-modified"' acme-set/$f.json)
  [ "$lm" = 2026-11-20T00:00:00Z ] || fail "acme $f last-modified $lm, not the approval day"
done
[ "$(jq -r '.[].metadata."last-modified"' nimbus-set/ssp.json)" = 2026-09-15T00:00:00Z ] ||
  fail "nimbus last-modified: $(jq -r '.[].metadata."last-modified"' nimbus-set/ssp.json)"
[ "$(jq -r '.[].metadata."last-modified"' globex-set/profile.json)" = 2026-10-30T00:00:00Z ] ||
  fail "globex last-modified: $(jq -r '.[].metadata."last-modified"' globex-set/profile.json)"
for f in profile ssp assessment-results poam; do
  lm=$(jq -r '.[].metadata."last-modified"' acme-today/$f.json)
  [ "$lm" = "$LATEST" ] || fail "acme today: $f last-modified $lm, not $LATEST"
done
# Catalogs and packs are data of the release: one time for all (and the
# same bytes in every set, above), not the clock's.
lm=$(jq -r '.[].metadata."last-modified"' acme-set/catalog-*.json acme-set/component-definition.json | sort -u)
[ "$(echo "$lm" | wc -l)" = 1 ] && [ "${lm#"$TODAY"}" = "$lm" ] || fail "library last-modified: $lm"

# ---- assessment results ------------------------------------------------------
AR='."assessment-results"'
# As of 2026-12-06, no run (they are today's): one result saying so.
jq -e "$AR.results | length == 1 and .[0].title == \"No scan saved\"" acme-set/assessment-results.json \
  >/dev/null || fail "acme as of 2026-12-06: $(jq -c "$AR.results[].title" acme-set/assessment-results.json)"
A2=acme-today/assessment-results.json
jq -e "$AR.results | length == 2" $A2 >/dev/null || fail "two results: $(jq -c "[$AR.results[].title]" $A2)"
jq -e --arg root "$WORK/root" "[$AR.results[].title] == [\"host scan of \(\$root) with pack debian-12\",
  \"config scan of $SRC/tests/cases/config/plan.json with pack aws\"]" $A2 >/dev/null ||
  fail "result titles: $(jq -c "[$AR.results[].title]" $A2)"
# Observations: every host result; a config scan's passes counted per check.
[ "$(jq "$AR.results[0].observations | length" $A2)" = "$(jq '.results | length' host.json)" ] ||
  fail "host observations: $(jq "$AR.results[0].observations | length" $A2)"
[ "$(jq "$AR.results[1].observations | length" $A2)" = \
  "$(jq '[.results[] | select(.verdict != "pass")] + .passes | length' config.json)" ] ||
  fail "config observations: $(jq "$AR.results[1].observations | length" $A2)"
# Findings: not-satisfied exactly on the controls a failing check cites.
failing() { # SCAN.json: the OSCAL ids of the controls its failing checks cite
  jq -r '[.results[] | select(.verdict == "fail" or .verdict == "error") | .id] as $f
    | [.checks[] | select(.id as $i | $f | index($i)) | .controls[]
    | sub(":"; "-") | sub(" "; "_")] | unique[]' "$1"
}
for i in 0 1; do
  scan=$([ $i = 0 ] && echo host.json || echo config.json)
  got=$(jq -r "[$AR.results[$i].findings[] | select(.target.status.state == \"not-satisfied\") | .target.\"target-id\"] | unique[]" $A2)
  [ -n "$got" ] && [ "$got" = "$(failing $scan)" ] ||
    fail "result $i not-satisfied: $(echo $got | head -c 300) / $(failing $scan | tr '\n' ' ' | head -c 300)"
  jq -e --arg n "$CP_SIZE" "$AR.results[$i].props[] | select(.name == \"ledger-checkpoint-size\") | .value == \$n and (.remarks | test(\"^cloudward.local/ledger-\"))" \
    $A2 >/dev/null || fail "result $i ledger-checkpoint-size: $(jq -c "$AR.results[$i].props" $A2)"
done
jq -e "$AR.results[0].props[] | select(.name == \"pack-sha256\") | .value == \"$(jq -r .pack_sha256 host.json)\"" \
  $A2 >/dev/null || fail "host pack-sha256"

# ---- POA&M -----------------------------------------------------------------------
P='."plan-of-action-and-milestones"'
# poam_ok SET AS_OF: the POA&M of SET against the SoA of that date.
poam_ok() {
  local set=$1 as_of=$2 rc=0
  (cd acme && "$CW" soa --scope cloudward.yaml --store "$WORK/S" --as-of "$as_of" --as-recorded \
    --format json -o "$WORK/soa-$set.json") >/dev/null 2>&1 || rc=$?
  [ "$rc" -le 1 ] || fail "soa as of $as_of: exit $rc"
  # Open, as assess.c's open_line says: applicable and not started, partial
  # or planned, or flagged (failing checks on an implemented line, register
  # findings, stale evidence, contradictions), or relying on unverified
  # assurance.
  jq -r '.controls[] | select(.applicable and ((.status | IN("not-started", "partial", "planned"))
    or .flags != null or (.reliance | IN("none", "valid", "expiring") | not)))
    | (.catalog | sub(":"; "-")) + "_" + .id' soa-$set.json | sort >open.want
  jq -r "$P.\"poam-items\"[].props[] | select(.name == \"control-id\") | .value" $set/poam.json | sort >open.got
  [ -s open.want ] && cmp open.want open.got >&2 ||
    fail "$set: POA&M items ($(wc -l <open.got)) are not the SoA's open lines ($(wc -l <open.want))"
  jq -r '.controls[] | select(.applicable and .status != "implemented") | (.catalog | sub(":"; "-")) + "_" + .id' \
    soa-$set.json | sort | comm -23 - open.got | grep -q . && fail "$set: a line not implemented is no POA&M item"
  # A line whose checks fail is a high risk.
  jq -r '.controls[] | select(.applicable and (.checks // "" | test("[0-9]+ (fail|error)")))
    | (.catalog | sub(":"; "-")) + "_" + .id' soa-$set.json | sort >failing.want
  jq -r "$P.\"poam-items\"[] | select(.props[] | .name == \"risk-level\" and .value == \"high\")
    | .props[] | select(.name == \"control-id\") | .value" $set/poam.json | sort >high.got
  comm -23 failing.want high.got | grep -q . && fail "$set: failing checks not a high risk: $(comm -23 failing.want high.got)"
  # Every item: one related risk, open, with a deadline; no decision names a
  # due date, so the window of its risk from the SoA's date (30, 90, 180 days).
  jq -e "$P | (.risks | map({key: .uuid, value: .}) | from_entries) as \$r | .\"poam-items\"
    | length > 0 and all(.[]; (.\"related-risks\" | length) == 1 and
      (\$r[.\"related-risks\"[0].\"risk-uuid\"] | .deadline != null and .status == \"open\"))" \
    $set/poam.json >/dev/null || fail "$set: an item without a risk and its deadline"
  jq -e --arg h "$(date -u -d "$as_of + 30 days" +%F)T23:59:59Z" \
    --arg m "$(date -u -d "$as_of + 90 days" +%F)T23:59:59Z" \
    --arg l "$(date -u -d "$as_of + 180 days" +%F)T23:59:59Z" \
    "$P.risks | all(.[]; (.props[] | select(.name == \"risk-level\") | .value) as \$v
    | .deadline == {high: \$h, moderate: \$m, low: \$l}[\$v])" $set/poam.json >/dev/null ||
    fail "$set: deadlines: $(jq -c "[$P.risks[] | .deadline] | unique" $set/poam.json)"
}
poam_ok acme-set 2026-12-06
# One set, one view of the store: as of 2026-12-06 (the scans are today's)
# neither the SSP nor the POA&M counts today's scans, as the assessment
# results do not.
if grep -q '"name": "checks"' acme-set/ssp.json || grep -q 'automated check' acme-set/poam.json; then
  fail "acme as of 2026-12-06: the SSP or the POA&M counts later scans"
fi
# The plan names decision files relative to the scope, wherever it is made from.
expect_exit 0 "$CW" oscal ssp --scope "$WORK/acme/cloudward.yaml" --store "$WORK/Sabs" --as-of 2026-12-06 -o abs.json
expect_exit 0 indir acme "$CW" oscal ssp --scope cloudward.yaml --store "$WORK/Srel" --as-of 2026-12-06 -o "$WORK/rel.json"
cmp abs.json rel.json >&2 || fail "the SSP depends on where it was made from"
grep -q "$WORK" abs.json && fail "the SSP holds a local path"
jq -e "$P.risks | length > 0 and (map(.deadline) | unique) - [\"2027-01-05T23:59:59Z\",
  \"2027-03-06T23:59:59Z\", \"2027-06-04T23:59:59Z\"] == []" acme-set/poam.json >/dev/null || fail "acme deadlines: $(jq -c "[$P.risks[] | .deadline] | unique" acme-set/poam.json)"
poam_ok acme-today "$TODAY"
# As of today the scans' failures are open: every control a failing check
# cites that the SoA applies is an item.
jq -r "$AR.results[].findings[] | select(.target.status.state == \"not-satisfied\") | .target.\"target-id\"" \
  acme-today/assessment-results.json | sort -u >ns.all
jq -r '.controls[] | select(.applicable) | (.catalog | sub(":"; "-")) + "_" + .id' soa-acme-today.json |
  sort | comm -12 - ns.all >ns.want
[ -s ns.want ] || fail "no failing control of the scans is in acme's SoA"
comm -23 ns.want open.got | grep -q . && fail "failing in the assessment, not in the POA&M: $(comm -23 ns.want open.got)"
# As of today the SSP cites the failing checks.
ssp acme-today/ssp.json | jq -e '[.. | objects | select(.name? == "checks" and .value == "failing")] | length > 0' \
  >/dev/null || fail "the SSP as of today cites no failing check"
# A decision's due date is the deadline.
printf 'decisions:\n  - control: "5.6"\n    applicable: true\n    status: planned\n    due: 2027-02-01\n' \
  >d2/acme/decisions/zz-due.yaml
expect_exit 0 indir d2/acme "$CW" oscal poam --scope cloudward.yaml --store "$WORK/S2" --as-of 2026-12-06 -o "$WORK/due.json"
jq -e "$P | (.\"poam-items\"[] | select(.props[] | .name == \"control-id\" and .value == \"iso27002-2022_5.6\")
  | .\"related-risks\"[0].\"risk-uuid\") as \$u | .risks[] | select(.uuid == \$u) | .deadline == \"2027-02-01T23:59:59Z\"" \
  due.json >/dev/null || fail "a decision's due date: $(jq -c "$P.risks[] | select(.title | test(\" 5.6 \"))" due.json)"

# ---- round trip: a provider's SSP imported as its matrix -------------------------
# roundtrip PROVIDER_DIR AS_OF MATRIX CUSTOMER_EXAMPLE: the provider's SSP
# imported in place of the matrix the customer's copy carries gives the
# same SoA and matrix, byte for byte.
roundtrip() {
  local prov=$1 as_of=$2 matrix=$3 ex=$4 v
  expect_exit 0 indir "$prov" "$CW" oscal ssp --scope cloudward.yaml --store "$WORK/rt-$ex-p" \
    --as-of "$as_of" -o "$WORK/$ex-provider-ssp.json"
  valid "$ex-provider-ssp.json"
  expect_exit 0 "$CW" scope import-provider "$ex-provider-ssp.json" -o "$ex-imported.json"
  grep -q "wrote $ex-imported.json: 125 controls" err || fail "import $ex: $(cat err)"
  rm -rf "rt-$ex-orig" "rt-$ex-imp"
  cp -r "$SRC/examples/$ex" "rt-$ex-orig"
  cp -r "$SRC/examples/$ex" "rt-$ex-imp"
  cp "$ex-imported.json" "rt-$ex-imp/providers/$matrix"
  for v in soa matrix; do
    for c in orig imp; do
      (cd "rt-$ex-$c" && "$CW" $v --scope cloudward.yaml --store "$WORK/rt-$ex-$c-$v" \
        --as-of 2026-12-06 --format json -o "$WORK/rt-$ex-$c.$v.json") >/dev/null 2>&1 ||
        [ $? = 1 ] || fail "$ex $c $v failed"
    done
    [ -s "rt-$ex-orig.$v.json" ] && cmp "rt-$ex-orig.$v.json" "rt-$ex-imp.$v.json" >&2 ||
      fail "$ex: the $v from the imported SSP differs from the published matrix's"
  done
}
roundtrip nimbus 2026-11-22 nimbus-iaas-matrix.json acme-notes
cmp nimbus-set/ssp.json acme-notes-provider-ssp.json >&2 || fail "nimbus: oscal ssp and oscal all differ"
roundtrip acme 2026-11-22 acme-notes-matrix.json globex-customer
# The customer's SSP resolves against the SSP its matrix came from.
xref --upstream globex-customer-provider-ssp.json globex-set/*.json || fail "globex vs acme's SSP: $(head -3 xref.out)"
# A component-definition imports too: each control the provider's.
expect_exit 0 "$CW" scope import-provider acme-set/component-definition.json -o comp-matrix.json
jq -e '.controls | length > 0 and all(.[]; .responsibility == "provider")' comp-matrix.json >/dev/null ||
  fail "component-definition import: $(head -c 300 comp-matrix.json)"

# ---- bad input -------------------------------------------------------------------
printf 'not json {\n' >notjson.json
expect_exit 2 "$CW" scope import-provider notjson.json -o m.json
grep -q "^cloudward: notjson.json:1:1: " err || fail "not JSON: $(cat err)"
printf '{\n  "hello": [1, 2]\n}\n' >notoscal.json
expect_exit 2 "$CW" scope import-provider notoscal.json -o m.json
grep -q "^cloudward: notoscal.json:1:1: expected an OSCAL document" err || fail "no OSCAL: $(cat err)"
# An unknown control: in an SSP of another tool (control-id alone) ...
jq '(."system-security-plan"."control-implementation"."implemented-requirements"[7]
  | ."control-id") = "iso27002-2022_99.99"
  | del(."system-security-plan"."control-implementation"."implemented-requirements"[].props)' \
  acme-set/ssp.json >unknown1.json
line=$(grep -n '"iso27002-2022_99.99"' unknown1.json | cut -d: -f1 || true)
expect_exit 2 "$CW" scope import-provider unknown1.json -o m.json
grep -q "^cloudward: unknown1.json:$line:[0-9]*: control 'iso27002-2022_99.99' is in none of the catalogs" err ||
  fail "unknown control: $(cat err)"
# ... and in ours (control-id and label).
jq '."system-security-plan"."control-implementation"."implemented-requirements"[7]
  |= (."control-id" = "iso27002-2022_99.99" | (.props[] | select(.name == "label") | .value) = "99.99")' \
  acme-set/ssp.json >unknown2.json
line=$(grep -n '"iso27002-2022_99.99"' unknown2.json | cut -d: -f1 || true)
expect_exit 2 "$CW" scope import-provider unknown2.json -o m.json
grep -q "^cloudward: unknown2.json:$line:[0-9]*: control 'iso27002-2022_99.99'" err ||
  fail "unknown control (ours): $(cat err)"
[ ! -e m.json ] || fail "a refused import wrote its matrix"
# A control-id that says another control than its catalog and label props.
jq '."system-security-plan"."control-implementation"."implemented-requirements"[7]."control-id" = "iso27002-2022_5.9"' \
  acme-set/ssp.json >mismatch.json
expect_exit 2 "$CW" scope import-provider mismatch.json -o m.json
grep -q "control-id 'iso27002-2022_5.9' is not the control its catalog and label props name" err ||
  fail "control-id against its props: $(cat err)"
# Two requirements for one control: a provider says one thing per control.
jq '."system-security-plan"."control-implementation"."implemented-requirements" |= . + [.[7]]' \
  acme-set/ssp.json >twice.json
expect_exit 2 "$CW" scope import-provider twice.json -o m.json
grep -q "a second requirement for" err || fail "a control twice: $(cat err)"
# What the scope's matrix loader would refuse, refused at its line here.
jq '(."system-security-plan"."control-implementation"."implemented-requirements"[0]."by-components"[0].export.props[]
  | select(.name == "responsibility") | .value) = "e.ach"' acme-set/ssp.json >badresp.json
expect_exit 2 "$CW" scope import-provider badresp.json -o m.json
grep -q "badresp.json:[0-9]*:[0-9]*: unknown responsibility" err || fail "a bad responsibility: $(cat err)"
jq '(."system-security-plan"."control-implementation"."implemented-requirements"[0].props[]
  | select(.name == "status") | .value) = "done"' acme-set/ssp.json >badstatus.json
expect_exit 2 "$CW" scope import-provider badstatus.json -o m.json
grep -q "unknown status" err || fail "a bad status: $(cat err)"
# A NUL inside a string would cut what follows it out of the matrix.
jq '."system-security-plan"."control-implementation"."implemented-requirements"[0]."by-components"[0].description
  = "carried\u0000 except the backups"' acme-set/ssp.json >nul.json
expect_exit 2 "$CW" scope import-provider nul.json -o m.json
grep -q "nul.json:[0-9]*:[0-9]*: a string holds a NUL character" err || fail "a NUL: $(cat err)"
printf '{"component-definition": {"uuid": "x", "components": []}}\n' >nocomp.json
expect_exit 2 "$CW" scope import-provider nocomp.json -o m.json
grep -q "nocomp.json:1:[0-9]*: a component-definition without components" err ||
  fail "no components: $(cat err)"
[ ! -e m.json ] || fail "a refused import wrote its matrix"
expect_exit 2 "$CW" scope import-provider
expect_exit 2 "$CW" oscal catalog
grep -q "needs --catalog" err || fail "catalog without --catalog: $(cat err)"
expect_exit 2 "$CW" oscal all --scope acme/cloudward.yaml
grep -q "needs -o DIR" err || fail "all without -o: $(cat err)"
expect_exit 2 "$CW" oscal catalog --catalog nope -o nope.json
[ ! -e nope.json ] || fail "an unknown catalog wrote a file"
expect_exit 2 "$CW" oscal ssp --catalog iso27017:2015 --scope acme/cloudward.yaml
expect_exit 2 "$CW" oscal nosuch
expect_exit 0 "$CW" oscal catalog --catalog iso27017:2015 -o one.json
cmp one.json acme-set/catalog-iso27017-2015.json >&2 || fail "oscal catalog and oscal all differ"

# ---- the component-definition: a pack's checks per control --------------------------
expect_exit 0 "$CW" oscal component --pack debian-12 -o comp.json
C='."component-definition".components'
jq -e "$C | length == 1 and (.[0].props[] | select(.name == \"pack-sha256\") | .value)
  == \"$(jq -r .pack_sha256 host.json)\"" comp.json >/dev/null || fail "one component, the pack's digest"
# Per control, the checks citing it: as the pack's report lists them.
jq -S '[.checks[] | .id as $id | .controls[] | {key: (sub(":"; "-") | sub(" "; "_")), value: $id}]
  | group_by(.key) | map({key: .[0].key, value: (map(.value) | unique)}) | from_entries' host.json >cited.want
jq -S "[$C[0].\"control-implementations\"[].\"implemented-requirements\"[] | {key: .\"control-id\",
  value: ([.props[] | select(.name == \"check\") | .value] | sort)}] | from_entries" comp.json >cited.got
cmp cited.want cited.got >&2 || fail "the component's checks per control are not the pack's"
valid comp.json due.json
# And one control read in the pack's own file.
want=$(awk '/^  - id: /{id=$3} /"iso27002:2022 8.5"/{print id}' "$SRC/data/policies/debian-12.yaml" | sort)
[ -n "$want" ] && [ "$(jq -r '.["iso27002-2022_8.5"][]' cited.got)" = "$want" ] ||
  fail "8.5: $(jq -c '.["iso27002-2022_8.5"]' cited.got) / $want"
expect_exit 0 "$CW" oscal component -o comps.json
[ "$(jq -r "$C | map(.props[0].value) | join(\" \")" comps.json)" = \
  "$(jq -r "$C | map(.props[0].value) | join(\" \")" acme-set/component-definition.json)" ] ||
  fail "every built-in pack: $(jq -c "$C | map(.props[0].value)" comps.json)"
finish
