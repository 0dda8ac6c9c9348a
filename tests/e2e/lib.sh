# lib.sh - helpers for the end-to-end tests: each runs the real cloudward
# binary ($1) from the source tree ($2) in a fresh temporary directory.
set -euo pipefail
CW=$(realpath "$1")
SRC=$(realpath "$2")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_exit CODE CMD...: runs CMD, keeps stdout/stderr in out/err.
expect_exit() {
  local want=$1
  shift
  local got=0
  "$@" >out 2>err || got=$?
  if [ "$got" != "$want" ]; then
    fail "exit $got (wanted $want): $*"
    sed 's/^/  stderr: /' err | head -5 >&2
    return 1
  fi
}

# sarif_ok FILE...: valid SARIF 2.1.0 that GitHub's upload takes
# (tests/e2e/sarif_check.py), with a python3 that has jsonschema.
sarif_ok() {
  local py
  for py in python3 /usr/bin/python3; do
    if "$py" -c 'import jsonschema' 2>/dev/null; then
      "$py" "$SRC/tests/e2e/sarif_check.py" "$@" >&2 || fail "SARIF not accepted: $*"
      return 0
    fi
  done
  fail "no python3 with jsonschema (scripts/setup.sh installs python3-jsonschema)"
}

# schema_ok NAME FILE...: valid against docs/schemas/NAME.schema.json.
schema_ok() {
  local py schema=$SRC/docs/schemas/$1.schema.json
  shift
  for py in python3 /usr/bin/python3; do
    if "$py" -c 'import jsonschema' 2>/dev/null; then
      "$py" "$SRC/tests/e2e/schema_check.py" "$schema" "$@" >&2 ||
        fail "not valid against $(basename "$schema"): $*"
      return 0
    fi
  done
  fail "no python3 with jsonschema (scripts/setup.sh installs python3-jsonschema)"
}

# junit_ok FILE...: valid against the Jenkins JUnit schema (xmllint).
junit_ok() {
  xmllint --noout --schema "$SRC/tests/data/junit-jenkins/junit-10.xsd" "$@" 2>err.xsd ||
    fail "JUnit not valid: $(head -3 err.xsd)"
}

finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
  fi
  echo "all passed"
}
