#!/usr/bin/env bash
# drift.sh - `cloudward drift` between two real runs and over the store's
# other data: a check fixed then failing again (per resource, with its
# severity; --fail-on deciding the exit), evidence expired and expiring,
# the organisation's and its provider's certificates lapsing as the date
# moves, the 27018 registers' overdue duties, a decision changed; JSON
# and table; bad input refused. With CW_ENGINE=pg, the store on
# PostgreSQL.
. "$(dirname "$0")/lib.sh"
engine_store $WORK/st
export CLOUDWARD_STORE=$S
TODAY=$(date -u +%F)
YESTERDAY=$(date -u -d yesterday +%F)
cp -r "$SRC/examples/acme-notes" acme
SC=(--scope acme/cloudward.yaml)
# One plan file, exported again by each pipeline run: a run's target is
# its path, and drift compares runs of one kind, pack and target.
cp "$SRC/tests/cases/config/plan.json" before.json
sed -e 's/"publicly_accessible": true/"publicly_accessible": false/' before.json >after.json
cp before.json plan.json
expect_exit 1 "$CW" scan config plan.json --pack aws "${SC[@]}" -o /dev/null --quiet
cp after.json plan.json
expect_exit 1 "$CW" scan config plan.json --pack aws "${SC[@]}" -o /dev/null --quiet

# Run 2 against run 1: the two databases made private are fixed, nothing
# newly fails; fixed checks are good news and never fail the command.
expect_exit 0 "$CW" drift "${SC[@]}" --since 1 --format json
jq -e '[.items[] | select(.kind == "check-fixed")] | length == 2 and
  all(.severity == "info") and
  (map(.subject) | sort) == ["aws on plan.json: aws-rds-not-public aws_db_instance.main",
                             "aws on plan.json: aws-redshift-not-public module.crypto.aws_redshift_cluster.open"]' \
  out >/dev/null || fail "fixed: $(jq -c '[.items[] | select(.kind == "check-fixed")]' out)"
jq -e '[.items[] | select(.kind == "check-failing")] == [] and .since == {"run": 1}' out >/dev/null ||
  fail "nothing newly fails after run 1: $(head -c 400 out)"

# The plan goes back: run 3 against run 2 fails them again, critical.
cp before.json plan.json
expect_exit 1 "$CW" scan config plan.json --pack aws "${SC[@]}" -o /dev/null --quiet
expect_exit 1 "$CW" drift "${SC[@]}" --since 2 --format json
jq -e '[.items[] | select(.kind == "check-failing")] | length == 2 and all(.severity == "critical")
  and all(.control != null)' out >/dev/null || fail "failing again: $(head -c 600 out)"
jq -e '.items[0].severity == "critical"' out >/dev/null || fail "items not by severity"
expect_exit 0 "$CW" drift "${SC[@]}" --since 2 --fail-on never
expect_exit 1 "$CW" drift "${SC[@]}" --since 2 --fail-on critical
grep -q 'aws-rds-not-public' out && grep -q '^critical  check-failing' out || fail "table: $(head -3 out)"
# Against a date: with no run by then, every failing result is new.
expect_exit 1 "$CW" drift "${SC[@]}" --since "$YESTERDAY" --format json
[ "$(jq '[.items[] | select(.kind == "check-failing")] | length' out)" -gt 50 ] ||
  fail "no run before: every failing result is drift"

# Evidence past its expiry, and within the window.
echo "old pentest" >old.pdf
echo "recent review" >review.pdf
echo "long-lived policy" >policy.pdf
expect_exit 0 "$CW" evidence add old.pdf --control "iso27002:2022 8.8" --expires "$YESTERDAY" "${SC[@]}"
expect_exit 0 "$CW" evidence add review.pdf --control "iso27002:2022 5.18" --expires "$(date -u -d '+10 days' +%F)" "${SC[@]}"
expect_exit 0 "$CW" evidence add policy.pdf --control "iso27002:2022 5.1" --expires 2099-12-31 "${SC[@]}"
expect_exit 1 "$CW" drift "${SC[@]}" --since 3 --format json
jq -e '[.items[] | select(.kind == "evidence-expired")] | length == 1 and .[0].severity == "high"
  and .[0].control == "iso27002:2022 8.8" and (.[0].subject | startswith("old.pdf"))' out >/dev/null ||
  fail "expired: $(jq -c '[.items[] | select(.kind | startswith("evidence"))]' out)"
jq -e '[.items[] | select(.kind == "evidence-expiring")] | length == 1 and .[0].severity == "medium"' out >/dev/null ||
  fail "expiring: $(jq -c '[.items[] | select(.kind | startswith("evidence"))]' out)"
expect_exit 1 "$CW" drift "${SC[@]}" --since 3 --within 5 --format json
jq -e '[.items[] | select(.kind == "evidence-expiring")] == []' out >/dev/null || fail "--within 5"

# Certificates: Acme's own ends 2029-03-31, Nimbus's (relied on) 2028-09-30.
expect_exit 1 "$CW" drift "${SC[@]}" --since 3 --as-of 2029-03-15 --format json
jq -e '[.items[] | select(.kind == "assurance-expiring")] | length == 1 and
  (.[0].subject | startswith("Acme Notes Ltd: ISO/IEC 27001:2022 AN-2026-117"))' out >/dev/null ||
  fail "own certificate lapsing: $(jq -c '[.items[] | select(.kind | startswith("assurance"))]' out)"
jq -e '[.items[] | select(.kind == "assurance-lapsed")] | length == 1 and
  (.[0].subject | startswith("Nimbus Cloud: ISO/IEC 27001:2022 NC-2025-0042"))' out >/dev/null ||
  fail "provider's certificate lapsed: $(jq -c '[.items[] | select(.kind | startswith("assurance"))]' out)"
expect_exit 1 "$CW" drift "${SC[@]}" --since 3 --format json
jq -e '[.items[] | select(.kind | startswith("assurance"))] == []' out >/dev/null ||
  fail "certificates drift today: $(jq -c '[.items[] | select(.kind | startswith("assurance"))]' out)"

# The registers' overdue duties.
expect_exit 0 "$CW" tenant add globex --name Globex
expect_exit 0 "$CW" tenant add initech --name Initech
expect_exit 0 "$CW" registers import acme/registers
expect_exit 1 "$CW" drift "${SC[@]}" --since 3 --as-of 2026-12-06 --format json
jq -e '[.items[] | select(.kind == "duty-overdue")] | (map(.subject) == ["breaches br-2026-12"]) and
  all(.control == "iso27018:2019 A.10.1" and .severity == "high")' \
  out >/dev/null || fail "overdue: $(jq -c '[.items[] | select(.kind == "duty-overdue")]' out)"

# A decision changed after the date.
expect_exit 0 "$CW" decisions record "${SC[@]}"
sed -i '0,/status: implemented/s//status: planned/' acme/decisions/organisational.yaml
expect_exit 0 "$CW" decisions record "${SC[@]}"
expect_exit 1 "$CW" drift "${SC[@]}" --since "$YESTERDAY" --format json
jq -e '[.items[] | select(.kind == "decision-changed" and .subject == "iso27002:2022 5.1"
  and (.what | test("status planned")))] | length == 1' out >/dev/null ||
  fail "decision: $(jq -c '[.items[] | select(.kind == "decision-changed" and .subject == "iso27002:2022 5.1")]' out)"
# Against a run, decisions do not count (a run is no date to them).
expect_exit 1 "$CW" drift "${SC[@]}" --since 3 --format json
jq -e '[.items[] | select(.kind == "decision-changed")] == []' out >/dev/null || fail "decisions against a run"

# A resource of a type no check of the pack knows appears in the next
# export: new and unjudged, it is drift (low); in the export after, it is
# no longer new. Run 4 is run 3's plan with it added.
jq '.planned_values.root_module.resources += [{"address": "aws_made_up_service.etl",
  "name": "etl", "provider_name": "registry.terraform.io/hashicorp/aws",
  "type": "aws_made_up_service", "values": {"name": "etl"}}]' before.json >plan.json
expect_exit 1 "$CW" scan config plan.json --pack aws "${SC[@]}" -o /dev/null --quiet
expect_exit 1 "$CW" drift "${SC[@]}" --since 3 --format json
jq -e '[.items[] | select(.kind == "resource-uncovered")] | length == 1 and .[0].severity == "low"
  and .[0].subject == "aws on plan.json: aws_made_up_service.etl"
  and (.[0].what | test("type aws_made_up_service that no check of pack aws knows"))' out >/dev/null ||
  fail "uncovered: $(jq -c '[.items[] | select(.kind == "resource-uncovered")]' out)"
jq -e '[.items[] | select(.kind | startswith("check-"))] == []' out >/dev/null ||
  fail "the checks did not change: $(head -c 400 out)"
expect_exit 1 "$CW" scan config plan.json --pack aws "${SC[@]}" -o /dev/null --quiet
# (the evidence, certificates and duties above still drift: exit 1)
expect_exit 1 "$CW" drift "${SC[@]}" --since 4 --format json
jq -e '[.items[] | select(.kind == "resource-uncovered")] == []' out >/dev/null ||
  fail "no longer new: $(head -c 400 out)"

# Bad input.
expect_exit 2 "$CW" drift "${SC[@]}" --since 2026-02-30
expect_exit 2 "$CW" drift "${SC[@]}" --since 99
grep -q 'no run 99' err || fail "unknown run: $(cat err)"
expect_exit 2 "$CW" drift "${SC[@]}" --since yesterday
expect_exit 2 "$CW" drift "${SC[@]}" --fail-on maybe
expect_exit 2 "$CW" drift "${SC[@]}" --within 0
finish
