#!/usr/bin/env bash
# score.sh - the compliance score on every example: the per-control points
# add up to the total (and by clause and by responsibility), every
# control's explanation adds up to its points, each factor's weight and
# source; a failing scan and a decision moved back lower it where they
# should; per tenant; improvement actions ranked by gain per unit of work;
# the history per day (decisions recorded on known days, a scan of today,
# JSON and table, its refusals); bad input refused. docs/score.md.
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

# ---- History: the total per day as it stood at the end of each --------------
cp -r "$SRC/examples/acme-notes" hist
cp -r "$SRC/examples/acme-notes" nodec
for f in nodec/decisions/*.yaml; do echo 'decisions: []' >"$f"; done
TODAY=$(date -u +%F)
day() { date -u -d "$TODAY $1 days" +%F; }
# score_of SCOPE STORE ARGS...: "earned possible" of plain `score`.
score_of() {
  local sc=$1 st=$2
  shift 2
  expect_exit 0 "$CW" score --scope "$sc" --store "$st" --format json --actions 0 "$@" &&
    jq -r '"\(.earned_milli) \(.possible_milli)"' out
}
# day_of FILE DATE: "earned possible" of that day of a history.
day_of() { jq -r --arg d "$2" '.days[] | select(.date == $d) | "\(.earned_milli) \(.possible_milli)"' "$1"; }

# A store without a ledger recorded no decision: every day counts the
# files' decisions, and says how many were never recorded.
expect_exit 0 "$CW" score --history --since "$(day -3)" --scope hist/cloudward.yaml \
  --store "$WORK/s-none" --format json
jq -e --arg t "$TODAY" '(.days | length) == 4 and .until == $t and .days[-1].date == $t and
  all(.days[]; .unrecorded == 110) and ([.days[].earned_milli] | unique | length) == 1' out >/dev/null ||
  fail "history without a ledger: $(jq -c '.days[0]' out)"
expect_exit 0 "$CW" score --history --since "$(day -3)" --scope hist/cloudward.yaml --store "$WORK/s-none"
grep -q '^110 decision(s) of the files were never recorded in the ledger' out ||
  fail "the table does not say what was never recorded: $(tail -2 out)"
[ ! -e "$WORK/s-none/ledger.db" ] || fail "score --history created a ledger"

# Decisions recorded on known days: the entries 'decisions record' writes,
# given to a ledger with a time of the past (log append takes one): all
# of them 20 days ago, 5.1 set back to planned 15 days ago.
D1=$(day -20)
D2=$(day -15)
expect_exit 0 "$CW" decisions record --scope hist/cloudward.yaml --store "$WORK/s-rec"
expect_exit 0 "$CW" log show --store "$WORK/s-rec" --format json
jq -c --argjson t "$(($(date -u -d "$D1 10:00" +%s) * 1000))" '{actor: .entry.actor.user.uid,
  action: .entry.api.operation, target: .entry.resources[0].uid,
  details: .entry.unmapped.details, time: $t}' out >past.jsonl
jq -c --argjson t "$(($(date -u -d "$D2 10:00" +%s) * 1000))" 'select(.target == "iso27002:2022 5.1") |
  .time = $t | .details.status = "planned" | .details.sha256 = ("0" * 64)' past.jsonl >planned.jsonl
[ "$(wc -l <planned.jsonl)" = 1 ] || fail "5.1 was not recorded: $(head -c 300 past.jsonl)"
cat planned.jsonl >>past.jsonl
expect_exit 0 "$CW" log append --store "$WORK/s-hist" --from past.jsonl
H=(--scope hist/cloudward.yaml --store "$WORK/s-hist")
expect_exit 0 "$CW" score --history --since "$(day -22)" --format json "${H[@]}"
cp out h1.json
grep -q 'recorded 1 change(s) of the scope and its decisions' err ||
  fail "5.1, implemented in its file, was not recorded first: $(cat err)"
jq -e --arg s "$(day -22)" --arg t "$TODAY" '.since == $s and .until == $t and (.days | length) == 23 and
  ([.days[].date] == ([.days[].date] | sort)) and all(.days[]; .unrecorded == 0)' h1.json >/dev/null ||
  fail "history days: $(jq -c '{since, until, n: (.days | length)}' h1.json)"
# Before the first record: as if the scope had no decision at all.
want=$(score_of nodec/cloudward.yaml "$WORK/s-empty" --as-of "$(day -21)")
[ "$(day_of h1.json "$(day -21)")" = "$want" ] ||
  fail "the day before the decisions were recorded: $(day_of h1.json "$(day -21)"), wanted $want"
# From D1: the decisions as the files hold them (no run, no evidence yet).
want=$(score_of hist/cloudward.yaml "$WORK/s-none" --as-of "$D1")
[ "$(day_of h1.json "$D1")" = "$want" ] ||
  fail "the day the decisions were recorded: $(day_of h1.json "$D1"), wanted $want"
# From D2, 5.1 planned: its implementation earns 10 % instead of 100 %.
expect_exit 0 "$CW" score --scope hist/cloudward.yaml --store "$WORK/s-none" --as-of "$D2" \
  --explain 5.1 --format json
delta=$(jq '.possible_milli as $p | (.factors[] | select(.factor == "implementation") | .weight) as $w |
  (($p * $w * 100 / 10000) | floor) - (($p * $w * 10 / 10000) | floor)' out)
before=$(day_of h1.json "$(day -16)")
after=$(day_of h1.json "$D2")
[ "${before% *}" -eq "$((${after% *} + delta))" ] && [ "${before#* }" = "${after#* }" ] ||
  fail "5.1 set back to planned on $D2: $before -> $after (wanted a loss of $delta)"
[ "$(day_of h1.json "$(day -1)")" = "$after" ] || fail "planned until yesterday: $(day_of h1.json "$(day -1)")"
# The last day is the score of today, to the thousandth.
want=$(score_of hist/cloudward.yaml "$WORK/s-hist")
[ "$(day_of h1.json "$TODAY")" = "$want" ] || fail "today: $(day_of h1.json "$TODAY"), score says $want"
[ "$(day_of h1.json "$TODAY")" = "$(day_of h1.json "$(day -16)")" ] ||
  fail "5.1 implemented again today: $(day_of h1.json "$TODAY")"
# Up to a past date (--as-of), the same days.
expect_exit 0 "$CW" score --history --since "$(day -22)" --as-of "$D2" --format json "${H[@]}"
jq -e --slurpfile h h1.json --arg d "$D2" '.until == $d and
  .days == [$h[0].days[] | select(.date <= $d)]' out >/dev/null ||
  fail "history up to $D2: $(jq -c '.days[-1]' out)"
# One catalog: its lines alone, today as 'score --catalog' says.
expect_exit 0 "$CW" score --history --since "$(day -1)" --catalog iso27017:2015 --format json "${H[@]}"
jq -r '.days[-1] | "\(.earned_milli) \(.possible_milli)"' out >cat.got
[ "$(cat cat.got)" = "$(score_of hist/cloudward.yaml "$WORK/s-hist" --catalog iso27017:2015)" ] ||
  fail "history of iso27017:2015: $(cat cat.got)"

# A scan run today changes today's score, and no day before it.
expect_exit 1 "$CW" scan config "$SRC/tests/cases/config/plan.json" --pack aws "${H[@]}" -o /dev/null --quiet
expect_exit 0 "$CW" score --history --since "$(day -22)" --format json "${H[@]}"
cp out h2.json
jq -e --slurpfile h h1.json '.days[:-1] == $h[0].days[:-1] and
  .days[-1].earned_milli < $h[0].days[-1].earned_milli' h2.json >/dev/null ||
  fail "the scan of today: $(jq -c '.days[-2:]' h2.json) before: $(jq -c '.days[-2:]' h1.json)"
want=$(score_of hist/cloudward.yaml "$WORK/s-hist")
[ "$(day_of h2.json "$TODAY")" = "$want" ] || fail "today after the scan: $(day_of h2.json "$TODAY"), score says $want"

# The table says what the JSON says: points, percent, and the change in
# points from the day before.
expect_exit 0 "$CW" score --history --since "$(day -22)" "${H[@]}"
head -1 out | grep -q '^DATE  *EARNED  *POSSIBLE  *PERCENT  *CHANGE$' || fail "table header: $(head -1 out)"
tail -n +2 out | awk '{ gsub("%", "", $4); print $1, $2, $3, $4, $5 }' >table.txt
jq -r '.days as $d | range(0; $d | length) as $i | $d[$i] |
  [.date, "\(.earned_milli / 1000)", "\(.possible_milli / 1000)", (.percent | tostring),
   (if $i == 0 then "-" else ((.earned_milli - $d[$i - 1].earned_milli) / 1000 | tostring) end)] | @tsv' \
  h2.json >json.txt
awk '{ printf "%s %.3f %.3f %.1f %s\n", $1, $2, $3, $4, $5 == "-" ? "-" : sprintf("%.3f", $5) }' table.txt >a.txt
awk -F'\t' '{ printf "%s %.3f %.3f %.1f %s\n", $1, $2, $3, $4, $5 == "-" ? "-" : sprintf("%.3f", $5) }' json.txt >b.txt
diff a.txt b.txt >/dev/null || fail "table and JSON differ: $(diff a.txt b.txt | head -4)"
[ "$(wc -l <a.txt)" = 23 ] || fail "table rows: $(wc -l <a.txt)"

# Refused, each with its reason, and before anything is recorded (a
# decision edited since is still not in the ledger after them).
sed -i '0,/status: implemented/s//status: planned/' hist/decisions/organisational.yaml
"$CW" log show --store "$WORK/s-hist" --format json | wc -l >size.before
expect_exit 2 "$CW" score --history --since 2026-13-01 "${H[@]}"
grep -q "expected a date YYYY-MM-DD for the history's first day, found '2026-13-01'" err ||
  fail "bad date: $(cat err)"
expect_exit 2 "$CW" score --history --as-of 2026-02-30 "${H[@]}"
grep -q "found '2026-02-30'" err || fail "bad --as-of: $(cat err)"
expect_exit 2 "$CW" score --history --since "$(day 1)" "${H[@]}"
grep -q "cannot start on $(day 1), after its last day $TODAY" err || fail "since after: $(cat err)"
expect_exit 2 "$CW" score --history --since "$(day -3660)" "${H[@]}"
grep -q 'a history of 3661 days.*at most 3660 days at a time' err || fail "too long: $(cat err)"
expect_exit 2 "$CW" score --history --by clause "${H[@]}"
grep -q -- '--history gives one total per day: --by does not apply' err || fail "--by: $(cat err)"
expect_exit 2 "$CW" score --history --explain 5.1 "${H[@]}"
grep -q -- '--explain does not apply' err || fail "--explain: $(cat err)"
expect_exit 2 "$CW" score --history --actions 3 "${H[@]}"
expect_exit 2 "$CW" score --since "$(day -3)" "${H[@]}"
grep -q -- '--since is the first day of --history' err || fail "--since alone: $(cat err)"
"$CW" log show --store "$WORK/s-hist" --format json | wc -l >size.after
cmp -s size.before size.after || fail "a refused history wrote to the ledger: $(cat size.before size.after)"

# Bad input.
expect_exit 2 "$CW" score --scope acme-notes/cloudward.yaml --by nothing
expect_exit 2 "$CW" score --scope acme-notes/cloudward.yaml --explain 99.99
expect_exit 2 "$CW" score --scope acme-notes/cloudward.yaml --explain 8.30
grep -q 'not an applicable control' err || fail "an excluded control: $(cat err)"
expect_exit 2 "$CW" score --scope acme-notes/cloudward.yaml --catalog iso9001:2015
expect_exit 2 "$CW" score --scope acme-notes/cloudward.yaml --actions -1
finish
