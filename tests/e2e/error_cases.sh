#!/usr/bin/env bash
# error_cases.sh - data-driven refusals (the jq way: a new regression is a
# new folder). Each folder of tests/cases/errors/ holds a scope that must be
# refused: exit 2, exactly the one line in `expected` on stderr (with @ for
# the case folder), and the output file untouched.
. "$(dirname "$0")/lib.sh"
for case in "$SRC"/tests/cases/errors/*/; do
  case=${case%/}
  name=$(basename "$case")
  cp -r "$case" "$WORK/$name"
  dir="$WORK/$name"
  echo previous >"$dir/out.csv"
  got=0
  (cd "$dir" && "$CW" soa --scope cloudward.yaml -o out.csv) >out 2>err || got=$?
  want=$(sed "s|@|$dir|g" "$case/expected")
  if [ "$got" != 2 ]; then
    fail "$name: exit $got, wanted 2"
  elif [ "$(cat err)" != "cloudward: $want" ]; then
    fail "$name: stderr"
    echo "  got:    $(cat err)" >&2
    echo "  wanted: cloudward: $want" >&2
  fi
  [ "$(cat "$dir/out.csv")" = previous ] || fail "$name: output overwritten"
  [ -s out ] && fail "$name: printed to stdout"
  ls "$dir"/out.csv.tmp-* >/dev/null 2>&1 && fail "$name: temp file left"
done
finish
