#!/usr/bin/env bash
# golden.sh - the SoA and the matrix of the bundled examples, in every text
# format, compared byte for byte with tests/cases/golden/. After an intended
# change, regenerate with UPDATE_GOLDEN=1 and review the diff.
. "$(dirname "$0")/lib.sh"
GOLD=$SRC/tests/cases/golden
run() { # NAME EXAMPLE VERB FORMAT [ARGS...]
  local name=$1 ex=$2 verb=$3 fmt=$4
  shift 4
  (cd "$SRC/examples/$ex" &&
    "$CW" "$verb" --scope cloudward.yaml --as-of 2026-11-22 --format "$fmt" \
      "$@" -o "$WORK/$name") >/dev/null
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
run nimbus-matrix.json nimbus-iaas matrix json
# The examples publish each other's matrices (Nimbus -> Acme -> Globex);
# the copies they carry must be what cloudward writes today.
cmp -s "$WORK/nimbus-matrix.json" \
  "$SRC/examples/acme-notes/providers/nimbus-iaas-matrix.json" ||
  fail "examples/acme-notes/providers/nimbus-iaas-matrix.json is stale"
cmp -s "$WORK/acme-matrix.json" \
  "$SRC/examples/globex-customer/providers/acme-notes-matrix.json" ||
  fail "examples/globex-customer/providers/acme-notes-matrix.json is stale"
finish
