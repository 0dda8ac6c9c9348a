#!/usr/bin/env bash
# cli.sh - the cloudward command end to end on the bundled examples.
. "$(dirname "$0")/lib.sh"
ACME=$SRC/examples/acme-notes/cloudward.yaml

# --help on every verb, usage errors exit 2.
for verb in controls init soa matrix; do
  expect_exit 0 "$CW" $verb --help && grep -q "usage: cloudward $verb" out ||
    fail "$verb --help"
done
expect_exit 2 "$CW"
expect_exit 2 "$CW" frobnicate && grep -q "unknown verb 'frobnicate'" err ||
  fail "unknown verb message"
expect_exit 2 "$CW" soa --format pdf --scope "$ACME"
expect_exit 0 "$CW" version && grep -Eq '^cloudward [0-9]+\.[0-9]+\.[0-9]+$' out ||
  fail "version"

# controls list: the 27017 cloud view is the 7 CLD controls plus the 37
# 27002 controls 27017 gives cloud guidance on.
expect_exit 0 "$CW" controls list --catalog iso27017:2015 --cloud --format json
[ "$(jq length out)" = 44 ] || fail "27017 --cloud lists $(jq length out), wanted 44"
[ "$(jq '[.[] | select(.id | startswith("CLD."))] | length' out)" = 7 ] ||
  fail "27017 --cloud: not 7 CLD controls"
jq -e 'all(.[]; .id and .title and .catalog == "iso27017:2015")' out >/dev/null ||
  fail "json objects lack id/title/catalog"
expect_exit 0 "$CW" controls list --format json
[ "$(jq length out)" = $((114 + 7 + 25 + 93)) ] || fail "all controls: $(jq length out)"
expect_exit 0 "$CW" controls list --catalog iso27002:2013 --cloud --format json
[ "$(jq length out)" = 37 ] || fail "27002 --cloud: $(jq length out)"
expect_exit 0 "$CW" controls list --catalog iso27018:2019 --pii --format json
[ "$(jq length out)" = 39 ] || fail "27018 --pii: $(jq length out)"
expect_exit 0 "$CW" controls list --catalog iso27002:2013 --clause 12 --format csv
[ "$(($(wc -l <out) - 1))" = 14 ] || fail "clause 12 has 14 controls"
expect_exit 0 "$CW" controls list --catalog iso27017:2015 --role customer --format json
jq -e 'all(.[]; .customer != null)' out >/dev/null || fail "--role customer"
expect_exit 0 "$CW" controls show CLD.9.5.2
grep -q "Virtual machine hardening" out || fail "show CLD.9.5.2"
expect_exit 0 "$CW" controls show 13.2.1 --catalog iso27002:2013
grep -q "maps to.*iso27002:2022: 5.14" out || fail "show crosswalk"
expect_exit 0 "$CW" controls show 12.4.1 --catalog iso27002:2013
grep -q "guidance from iso27017:2015" out || fail "show guidance"
expect_exit 2 "$CW" controls show NOPE
grep -q "NOPE" err || fail "show unknown"
expect_exit 2 "$CW" controls list --catalog iso99999:1

# init writes a scope that loads, refuses to overwrite.
mkdir -p new
expect_exit 0 "$CW" init --scope new/cloudward.yaml --organisation "New Co" \
  --role customer --service-model iaas --no-pii
[ -f new/decisions/example.yaml ] || fail "init wrote no decisions example"
expect_exit 2 "$CW" init --scope new/cloudward.yaml
grep -q "already exists" err || fail "init overwrite message"
# A customer naming no provider relies on one it cannot verify: exit 1.
expect_exit 1 "$CW" soa --scope new/cloudward.yaml --format json
[ "$(jq '.controls | length' out)" = 100 ] || fail "new scope soa rows (93+7)"
[ "$(jq -r .role out)" = customer ] || fail "new scope role"
grep -q "without verified assurance" err || fail "new scope: no finding said"
[ "$(jq -r '.controls[] | select(.id=="7.1") | .reliance' out)" = no-assurance ] ||
  fail "new scope: 7.1 relies on an unnamed provider"

# soa: every format; file output is atomic and prints a summary.
for f in csv md html json xlsx; do
  expect_exit 0 "$CW" soa --scope "$ACME" --format $f -o soa.$f
  grep -q "wrote soa.$f ($f)" err || fail "summary for $f"
  [ -s out ] && fail "soa -o printed on stdout"
done
rows=$(jq '.controls | length' soa.json)
[ "$rows" = 125 ] || fail "acme soa has $rows rows, wanted 93+7+25"
# The CSV: the document's header lines, an empty row, then the table.
head -1 soa.csv | grep -q '^Statement of Applicability: Acme Notes Ltd' ||
  fail "csv title"
grep -q '^"Implementation: .* (of 125)' soa.csv || fail "csv counts"
[ "$(sed -n '/^ID,Catalog,/,$p' soa.csv | grep -c $'\r$')" = $((rows + 1)) ] ||
  fail "csv rows"
ls soa.*.tmp-* 2>/dev/null && fail "temporary files left behind"
# Format from the file name when --format is absent.
expect_exit 0 "$CW" soa --scope "$ACME" -o by-name.md
head -1 by-name.md | grep -q '^# Statement of Applicability' || fail "md by name"
# XLSX to stdout is refused.
expect_exit 2 "$CW" soa --scope "$ACME" --format xlsx

# The workbook: one sheet row per control plus the header, frozen, filtered.
unzip -o -q soa.xlsx -d x
sheet=x/xl/worksheets/sheet1.xml
[ "$(grep -o '<row ' $sheet | wc -l)" = $((rows + 1)) ] || fail "xlsx rows"
grep -q '<pane ySplit="1"' $sheet || fail "xlsx header not frozen"
grep -q '<autoFilter ref="A1:' $sheet || fail "xlsx has no filter"
grep -q 'CLD.9.5.2' x/xl/sharedStrings.xml || fail "xlsx lacks CLD.9.5.2"
grep -q 'Virtual machine hardening' x/xl/sharedStrings.xml || fail "xlsx titles"
grep -q 'Reliance on providers: ' x/xl/sharedStrings.xml || fail "xlsx header"
# Dates are Excel dates: the About sheet's as_of is a day number in the
# yyyy-mm-dd format, not text.
grep -q 'formatCode="yyyy-mm-dd"' x/xl/styles.xml || fail "xlsx has no date format"
grep -Eq '<c r="B[0-9]+" s="[0-9]+"><v>4[0-9]{4}</v>' x/xl/worksheets/sheet2.xml ||
  fail "xlsx dates are not dates"

# A cell longer than Excel takes is cut visibly, never dropped.
mkdir -p long/decisions
printf 'organisation: Long Co\nrole: provider\nservice_models: [saas]\npii_processor: false\n' \
  >long/cloudward.yaml
python3 -c 'print("decisions:\n  - control: \"5.1\"\n    applicable: true\n    justification: " + "word " * 9000)' \
  >long/decisions/a.yaml
expect_exit 0 "$CW" soa --scope long/cloudward.yaml --store long/s -o long.xlsx
grep -q "1 cell longer than Excel's 32767 characters was cut" err || fail "no warning: $(cat err)"
unzip -o -q long.xlsx -d lx
grep -q "cut here: [0-9]* more bytes" lx/xl/sharedStrings.xml || fail "long cell dropped"
grep -q "<dc:title>Statement of Applicability: Long Co</dc:title>" lx/docProps/core.xml ||
  fail "workbook title"

# The matrix, per service model.
expect_exit 0 "$CW" matrix --scope "$ACME" --format json
jq -e '.controls | all(.responsibility and .provider_duty and .customer_duty)' out \
  >/dev/null || fail "matrix duties"
expect_exit 0 "$CW" matrix --scope "$ACME" --service-model iaas --format json
[ "$(jq -r '.controls[] | select(.id=="CLD.9.5.2") | .responsibility' out)" = split ] ||
  fail "iaas matrix: VM hardening is split (images / what the customer builds)"
[ "$(jq -r '.controls[] | select(.id=="5.1") | .responsibility' out)" = each ] ||
  fail "iaas matrix: policies are each party's own"
expect_exit 2 "$CW" matrix --scope "$ACME" --service-model faas

# A customer relies on its provider for the parts its published matrix
# says it carries; a lapsed certificate makes those lines unverified in
# every format, counted, and exits 1.
G=$SRC/examples/globex-customer/cloudward.yaml
expect_exit 1 "$CW" soa --scope "$G" --as-of 2026-11-22 --format json
lapsed=$(jq '[.controls[] | select(.reliance == "lapsed")] | length' out)
[ "$lapsed" -gt 0 ] || fail "globex: no lapsed reliance"
[ "$(jq .summary.reliance.unverified out)" -ge "$lapsed" ] ||
  fail "globex: unverified not counted"
jq -e '.controls[] | select(.id == "7.1") | .reliance_reason |
  test("lapsed on 2025-10-31")' out >/dev/null || fail "globex: reason"
for f in csv md html; do
  expect_exit 1 "$CW" soa --scope "$G" --as-of 2026-11-22 --format $f
  grep -q "lapsed on 2025-10-31" out || fail "lapsed reliance missing in $f"
  grep -q "Reliance on providers: .* $lapsed unverified\| [0-9]* unverified" out ||
    fail "unverified count missing in $f"
done
expect_exit 1 "$CW" soa --scope "$G" --as-of 2026-11-22 -o g.xlsx
grep -q "unverified" err || fail "summary lacks unverified"
# --quiet: only what is wrong, on stderr.
expect_exit 1 "$CW" soa --scope "$G" --as-of 2026-11-22 -o g2.xlsx --quiet
[ -s out ] && fail "--quiet printed: $(cat out)"
grep -q "Statement of Applicability" err && fail "--quiet printed the summary"
grep -q "without verified assurance" err || fail "--quiet hid the finding"
unzip -o -q g.xlsx -d g && grep -q "lapsed on 2025-10-31" g/xl/sharedStrings.xml ||
  fail "lapsed reliance missing in xlsx"
"$CW" soa --scope "$G" --as-of 2025-06-01 --format json >before.json 2>/dev/null || true
[ "$(jq '[.controls[] | select(.reliance == "lapsed")] | length' before.json)" = 0 ] ||
  fail "lapsed before the transition ended"

# Shell completion: the bash script runs and completes verbs, sub-verbs
# and options; zsh and fish scripts are written.
expect_exit 0 "$CW" completion bash
bash -n out || fail "completion bash: not bash"
cp out comp.bash
got=$(bash -c '. ./comp.bash; COMP_WORDS=(cloudward sca); COMP_CWORD=1; _cloudward; echo "${COMPREPLY[*]}"')
[ "$got" = "scan" ] || fail "completion of 'sca': $got"
got=$(bash -c '. ./comp.bash; COMP_WORDS=(cloudward log ver); COMP_CWORD=2; _cloudward; echo "${COMPREPLY[*]}"')
[ "$got" = "verify" ] || fail "completion of 'log ver': $got"
got=$(bash -c '. ./comp.bash; COMP_WORDS=(cloudward evidence add x --fo); COMP_CWORD=4; _cloudward; echo "${COMPREPLY[*]}"')
[ "$got" = "--format --follow" ] || fail "completion of 'evidence add --fo': $got"
expect_exit 0 "$CW" completion zsh
grep -q bashcompinit out || fail "completion zsh"
expect_exit 0 "$CW" completion fish
grep -q "complete -c cloudward -f -n __fish_use_subcommand" out || fail "completion fish"
expect_exit 2 "$CW" completion tcsh

# The binary works from any directory: catalogs are embedded.
(cd / && "$CW" controls list --catalog iso27017:2015 --format csv >/dev/null) ||
  fail "controls list from /"

# -o onto something that is not a regular file (a FIFO here, /dev/null in
# real life) writes into it; renaming over it would replace the node.
mkfifo pipe.csv
cat pipe.csv >from-pipe &
expect_exit 0 "$CW" soa --scope "$ACME" -o pipe.csv
wait
[ -p pipe.csv ] || fail "-o replaced a FIFO with a regular file"
grep -q '^CLD.9.5.2,' from-pipe || fail "nothing written through the FIFO"
finish
