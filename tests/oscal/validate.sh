#!/bin/sh
# validate.sh FILE... - validates OSCAL JSON documents against NIST's OSCAL
# 1.0.6 JSON schemas (tests/data/oscal-1.0.6) with ajv (draft-07,
# ajv-formats), each against the schema of its model, read from the
# document's root key. Exit 0 when all are valid.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
schemas="$here/../data/oscal-1.0.6"
ajv="$here/node_modules/.bin/ajv"
[ -x "$ajv" ] || { echo "validate.sh: run 'npm ci --prefix tests/oscal' first" >&2; exit 2; }
rc=0
for f in "$@"; do
    root=$(jq -r 'keys[0]' "$f")
    case "$root" in
    catalog) s=catalog ;;
    profile) s=profile ;;
    component-definition) s=component ;;
    system-security-plan) s=ssp ;;
    assessment-results) s=assessment-results ;;
    plan-of-action-and-milestones) s=poam ;;
    *) echo "$f: not an OSCAL document (root '$root')" >&2; rc=1; continue ;;
    esac
    # --strict=false: the schemas use the "format" keyword ajv-formats
    # provides and NIST's own keywords ajv does not know.
    if ! "$ajv" validate --spec=draft7 -c ajv-formats --strict=false \
        --all-errors -s "$schemas/oscal_${s}_schema.json" -d "$f" >/tmp/ajv.$$ 2>&1; then
        cat /tmp/ajv.$$ >&2
        rc=1
    fi
done
rm -f /tmp/ajv.$$
exit $rc
