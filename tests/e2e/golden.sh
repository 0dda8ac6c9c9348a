#!/usr/bin/env bash
# golden.sh - the SoA and the matrix of the bundled examples, in every text
# format, compared byte for byte with tests/cases/golden/. After an intended
# change, regenerate with UPDATE_GOLDEN=1 and review the diff.
#
# The examples are a chain: Nimbus (IaaS) publishes its matrix, Acme (SaaS
# on Nimbus) reads it and publishes its own, Globex (Acme's customer) reads
# that. The copies each carries must be what cloudward writes today, so
# with UPDATE_GOLDEN=1 they are rewritten in that order first.
. "$(dirname "$0")/lib.sh"
GOLD=$SRC/tests/cases/golden
AS_OF=2026-11-22
gen() { # EXAMPLE VERB FORMAT OUT [ARGS...]: exit 0, or 1 for findings
  local ex=$1 verb=$2 fmt=$3 out=$4 rc=0
  shift 4
  (cd "$SRC/examples/$ex" &&
    "$CW" "$verb" --scope cloudward.yaml --store "$WORK/store-$ex" \
      --as-of $AS_OF --format "$fmt" "$@" -o "$out") >/dev/null 2>&1 || rc=$?
  [ "$rc" -le 1 ] || fail "$ex $verb $fmt: exit $rc"
}
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
  gen nimbus-iaas matrix json "$SRC/examples/acme-notes/providers/nimbus-iaas-matrix.json"
  gen acme-notes matrix json "$SRC/examples/globex-customer/providers/acme-notes-matrix.json"
fi
run() { # NAME EXAMPLE VERB FORMAT [ARGS...]
  local name=$1 ex=$2 verb=$3 fmt=$4
  shift 4
  gen "$ex" "$verb" "$fmt" "$WORK/$name" "$@"
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    mkdir -p "$GOLD"
    cp "$WORK/$name" "$GOLD/$name"
  elif ! cmp -s "$WORK/$name" "$GOLD/$name"; then
    fail "$name differs from the golden file"
    diff "$GOLD/$name" "$WORK/$name" | head -10 >&2 || true
  fi
}
for fmt in csv md html json; do
  run acme-soa.$fmt acme-notes soa $fmt
  run acme-matrix.$fmt acme-notes matrix $fmt
done
run acme-matrix-iaas.csv acme-notes matrix csv --service-model iaas
run globex-soa.csv globex-customer soa csv
run globex-soa.json globex-customer soa json
run nimbus-soa.csv nimbus-iaas soa csv
run nimbus-matrix.json nimbus-iaas matrix json
cmp -s "$WORK/nimbus-matrix.json" \
  "$SRC/examples/acme-notes/providers/nimbus-iaas-matrix.json" ||
  fail "examples/acme-notes/providers/nimbus-iaas-matrix.json is stale"
cmp -s "$WORK/acme-matrix.json" \
  "$SRC/examples/globex-customer/providers/acme-notes-matrix.json" ||
  fail "examples/globex-customer/providers/acme-notes-matrix.json is stale"
# The JSON documents follow their published schemas (docs/schemas), and
# the schemas can fail: a row without its part is refused.
schema_ok soa-2 "$WORK/acme-soa.json" "$WORK/globex-soa.json"
schema_ok matrix-2 "$WORK/acme-matrix.json" "$WORK/nimbus-matrix.json"
jq 'del(.controls[0].part)' "$WORK/acme-matrix.json" >bad-matrix.json
if python3 "$SRC/tests/e2e/schema_check.py" "$SRC/docs/schemas/matrix-2.schema.json" \
  bad-matrix.json >/dev/null 2>&1; then fail "the matrix schema accepts a row without part"; fi
# What the issue asked of the examples, checked on the golden JSON.
j=$WORK/acme-soa.json
# Organisational, people, endpoint and identity-policy controls of 2022,
# and Annex A but its two data-centre parts.
own='^5\.([1-8]|1[0-2]|1[45]|19|2[0-9]|3[0-7])$|^6\.|^7\.(7|9|10)$|^8\.[12]$|^A\.(?!11\.(4|13)$)'
[ "$(jq --arg re "$own" '[.controls[] | select(.relies_on != null) | select(.id | test($re))] | length' "$j")" = 0 ] ||
  fail "acme relies on someone for an organisational or 27018 duty"
for f in "$j" "$WORK/globex-soa.json"; do
  [ "$(jq --arg re "$own" '[.controls[] | select(.catalog != "iso27018:2019") | select(.relies_on != null) | select(.id | test($re))] | length' "$f")" = 0 ] ||
    fail "$f: reliance on an organisational duty"
done
jq -e '.summary | (.status | add) == .total and
  (.reliance | add) == .total' "$j" >/dev/null || fail "acme counts do not add up"
g=$WORK/globex-soa.json
jq -e '.summary.reliance.unverified > 0' "$g" >/dev/null || fail "globex unverified"
finish
