#!/usr/bin/env bash
# score.sh - the compliance score on every example: the per-control points
# add up to the total (and by clause and by responsibility), every
# control's explanation adds up to its points, each factor's weight and
# source; a failing scan and a decision moved back lower it where they
# should; per tenant; improvement actions ranked by gain per unit of work;
# bad input refused. docs/score.md.
. "$(dirname "$0")/lib.sh"
for ex in acme-notes nimbus-iaas globex-customer; do
  cp -r "$SRC/examples/$ex" "$ex"
done

# sums_ok EX: the lines add up to the total, by control, clause and
# responsibility; every explanation adds up to its line.
sums_ok() {
  local ex=$1 by
  for by in control clause responsibility; do
    expect_exit 0 "$CW" score --scope "$ex/cloudward.yaml" --store "$WORK/s-$ex" \
      --as-of 2026-12-06 --by "$by" --format json || return
    jq -e '([.groups[].earned_milli] | add) == .earned_milli and
      ([.groups[].possible_milli] | add) == .possible_milli and .possible_milli > 0' out >/dev/null ||
      fail "$ex by $by: the groups do not add up: $(jq -c '{earned_milli, possible_milli}' out)"
  done
  expect_exit 0 "$CW" score --scope "$ex/cloudward.yaml" --store "$WORK/s-$ex" --as-of 2026-12-06 \
    --by control --format json
  cp out "$ex.score.json"
  jq -r '.groups[] | "\(.catalog) \(.key)"' "$ex.score.json" >"$ex.controls"
  [ "$(wc -l <"$ex.controls")" -gt 50 ] || fail "$ex: $(wc -l <"$ex.controls") controls scored"
  local bad=0 n=0
  while read -r cat id; do
    n=$((n + 1))
    "$CW" score --scope "$ex/cloudward.yaml" --store "$WORK/s-$ex" --as-of 2026-12-06 \
      --explain "$cat $id" --format json >x.json 2>/dev/null || { bad=$((bad + 1)); continue; }
    jq -e --argjson line "$(jq -c --arg c "$cat" --arg i "$id" \
        '.groups[] | select(.catalog == $c and .key == $i)' "$ex.score.json")" '
      ([.factors[].earned_milli] | add) == .earned_milli and
      .earned_milli == $line.earned_milli and .possible_milli == $line.possible_milli and
      ([.factors[] | select(.applies) | .weight] | add) == 100 and
      all(.factors[]; (.applies | not) or (.source != null)) and
      (.possible_milli | IN(1000, 2000, 3000, 6000, 9000)) and
      (.earned_milli <= .possible_milli)' x.json >/dev/null || bad=$((bad + 1))
  done <"$ex.controls"
  [ "$bad" = 0 ] || fail "$ex: $bad of $n explanations do not add up to their line"
}
for ex in acme-notes nimbus-iaas globex-customer; do sums_ok "$ex"; done

# The weights, the sources and the action of one control, in words.
expect_exit 0 "$CW" score --scope acme-notes/cloudward.yaml --store "$WORK/s-acme-notes" \
  --as-of 2026-12-06 --explain 8.8
grep -q '^  worth: 9.000 points, preventive (its attribute), mandatory (contract)' out ||
  fail "8.8's nature: $(head -3 out)"
grep -q 'implementation  weight  80, 100% met: 7.200 points; status implemented (decision acme-notes/decisions/technological.yaml:' out ||
  fail "8.8's implementation: $(cat out)"
grep -q 'checks          does not apply' out || fail "8.8 before any scan: $(cat out)"

# A failing scan lowers the lines it cites, and only through the checks.
before=$(jq .earned_milli acme-notes.score.json)
expect_exit 1 "$CW" scan config "$SRC/tests/cases/config/plan.json" --pack aws \
  --scope acme-notes/cloudward.yaml --store "$WORK/s-acme-notes" -o /dev/null --quiet
expect_exit 0 "$CW" score --scope acme-notes/cloudward.yaml --store "$WORK/s-acme-notes" \
  --format json --actions 0
after=$(jq .earned_milli out)
[ "$after" -lt "$before" ] || fail "a failing scan did not lower the score ($before -> $after)"
expect_exit 0 "$CW" score --scope acme-notes/cloudward.yaml --store "$WORK/s-acme-notes" \
  --explain 8.8 --format json
jq -e '(.factors[] | select(.factor == "checks")) | .applies and .weight == 20 and .value == 50
  and (.source | test("^1 of 2 results pass: aws at "))' out >/dev/null ||
  fail "8.8's checks after the scan: $(jq -c '.factors[2]' out)"

# A decision moved back to not-started loses that control's implementation.
sed -i '0,/status: implemented/s//status: not-started/' acme-notes/decisions/organisational.yaml
expect_exit 0 "$CW" score --scope acme-notes/cloudward.yaml --store "$WORK/s-acme-notes" \
  --explain 5.1 --format json
jq -e '(.factors[0] | .value == 0 and .earned_milli == 0 and (.source | test("not-started")))
  and .action == "implement it: nothing is started"' out >/dev/null ||
  fail "5.1 not started: $(head -c 500 out)"
expect_exit 0 "$CW" score --scope acme-notes/cloudward.yaml --store "$WORK/s-acme-notes" --format json
jq -e '.actions | length == 10 and .[0].effort >= 1 and
  ([.[] | .gain_milli / .effort] as $g | $g == ($g | sort | reverse))' out >/dev/null ||
  fail "actions not ranked by gain per unit of work: $(jq -c .actions out)"
jq -e '[.actions[] | select(.control == "5.1")] | length == 1' out >/dev/null ||
  fail "5.1 is not among the actions: $(jq -c '[.actions[].control]' out)"

# One catalog; per tenant, each customer's copy counting its own records.
expect_exit 0 "$CW" score --scope acme-notes/cloudward.yaml --store "$WORK/s-acme-notes" \
  --catalog iso27018:2019 --by clause --format json
jq -e '([.groups[].earned_milli] | add) == .earned_milli and all(.groups[]; .key | startswith("A."))' \
  out >/dev/null || fail "iso27018 alone: $(jq -c '.groups' out)"
expect_exit 0 "$CW" tenant add globex --name Globex --store "$WORK/s-acme-notes"
expect_exit 0 "$CW" tenant add initech --name Initech --store "$WORK/s-acme-notes"
expect_exit 0 "$CW" registers import acme-notes/registers --store "$WORK/s-acme-notes"
expect_exit 0 "$CW" score --scope acme-notes/cloudward.yaml --store "$WORK/s-acme-notes" \
  --as-of 2026-12-06 --by tenant --format json
jq -e '[.groups[].key] == ["(provider)", "globex", "initech"] and
  (.groups[0].earned_milli == .earned_milli) and
  ([.groups[] | .earned_milli] | (.[1] < .[2]))' out >/dev/null ||
  fail "by tenant (globex has the overdue breach): $(jq -c .groups out)"

# Bad input.
expect_exit 2 "$CW" score --scope acme-notes/cloudward.yaml --by nothing
expect_exit 2 "$CW" score --scope acme-notes/cloudward.yaml --explain 99.99
expect_exit 2 "$CW" score --scope acme-notes/cloudward.yaml --explain 8.30
grep -q 'not an applicable control' err || fail "an excluded control: $(cat err)"
expect_exit 2 "$CW" score --scope acme-notes/cloudward.yaml --catalog iso9001:2015
expect_exit 2 "$CW" score --scope acme-notes/cloudward.yaml --actions -1
finish
