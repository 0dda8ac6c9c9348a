#!/usr/bin/env bash
# query.sh - `cloudward query` end to end: JSON lines with normalized
# paths and positions, JSON and YAML inputs, and one clear error (exit 2)
# for a bad query or a bad document: malformed, UTF-16, deep nesting,
# YAML alias bombs. (The language itself is tested by the RFC 9535
# compliance suite, ctest -R jsonpath_cts.)
. "$(dirname "$0")/lib.sh"

printf '{"sg": [{"port": 22, "cidr": "0.0.0.0/0"},\n {"port": 443, "cidr": "10.0.0.0/8"}]}\n' >doc.json
expect_exit 0 "$CW" query '$.sg[?@.cidr == "0.0.0.0/0"].port' doc.json
[ "$(cat out)" = '{"file": "doc.json", "line": 1, "col": 18, "path": "$['"'"'sg'"'"'][0]['"'"'port'"'"']", "value": 22}' ] ||
  fail "query output: $(cat out)"
printf 'sg:\n  - port: 22\n    open: true\n  - port: 3389\n' >doc.yaml
expect_exit 0 "$CW" query '$..port' doc.yaml
[ "$(jq -s 'map(.value)' -c out)" = '[22,3389]' ] || fail "yaml values: $(cat out)"
[ "$(jq -s 'map(.line)' -c out)" = '[2,4]' ] || fail "yaml lines"
expect_exit 0 "$CW" query '$.nothing' doc.json
[ ! -s out ] || fail "empty selection printed something"
expect_exit 0 "$CW" query '$.sg[*].port' doc.json doc.yaml
[ "$(wc -l <out)" = 4 ] || fail "two files"

# Refusals: exit 2, one line, position.
expect_exit 2 "$CW" query '$.sg[01]' doc.json
grep -q "cloudward: \$.sg\[01\]:6: " err || fail "bad query: $(cat err)"
expect_exit 2 "$CW" query '$[?count(@.a) == "x"' doc.json
printf '{"a": [1, 2,]}' >bad.json
expect_exit 2 "$CW" query '$' bad.json
grep -q "bad.json:1:13: expected a value" err || fail "malformed: $(cat err)"
printf '\xff\xfe{\x00}\x00' >utf16.json
expect_exit 2 "$CW" query '$' utf16.json
grep -q "utf16.json:1:1: expected UTF-8" err || fail "utf16: $(cat err)"
{ printf '[%.0s' $(seq 10000); printf ']%.0s' $(seq 10000); } >deep.json
expect_exit 2 "$CW" query '$' deep.json
grep -q "deep.json:1:513: nesting exceeds the depth limit" err || fail "deep: $(cat err)"
printf 'a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n' >bomb.yaml
expect_exit 2 "$CW" query '$' bomb.yaml
grep -q "bomb.yaml:2:8: YAML aliases" err || fail "alias bomb: $(cat err)"
printf '{"a": 1' >trunc.json
expect_exit 2 "$CW" query '$' trunc.json
expect_exit 2 "$CW" query '$' missing.json
finish
