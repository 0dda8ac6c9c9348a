#!/usr/bin/env bash
# decisions.sh - the scope and its decision files, edited by hand, land in
# the ledger: `soa` records what it is built on (scope.set, decision.set,
# decision.remove) and records nothing twice; a changed decision is one
# entry; the free texts stay out of the ledger (their digest goes in);
# `decisions history` shows who changed what; a store without a ledger is
# left alone by `soa`; bad arguments are refused. With CW_ENGINE=pg, the
# same with the store on a private PostgreSQL (tests/e2e/pg.sh).
. "$(dirname "$0")/lib.sh"
if [ "${CW_ENGINE:-sqlite}" = pg ]; then
  . "$SRC/tests/e2e/pg.sh"
  pg_start
  export CLOUDWARD_STORE=$PG_OWNER
fi
"$CW" init --organisation "Decision Test" --role provider --service-model saas >/dev/null
cat >decisions/a.yaml <<'END'
decisions:
  - control: "11.1.1"
    applicable: false
    justification: Nobody from Example Street 7 keeps customer data on premises.
    source: risk
  - control: "CLD.9.5.1"
    applicable: true
    status: implemented
    owner: jane-doe-team
    responsibility: provider
END
ops() { "$CW" log show --format json | jq -r '.entry.api.operation' | tr '\n' ' '; }

expect_exit 0 "$CW" soa --format csv
grep -q "recorded 3 change(s)" err || fail "first soa records scope + 2 decisions: $(cat err)"
[ "$(ops)" = "scope.init scope.set decision.set decision.set " ] || fail "entries: $(ops)"
# Nothing changed: nothing recorded, by soa or by record.
expect_exit 0 "$CW" soa --format csv
[ -s err ] && fail "second soa recorded again: $(cat err)"
expect_exit 0 "$CW" decisions record
grep -q "already holds" out || fail "record with nothing new: $(cat out)"

# The ledger holds the digest, never the free texts.
expect_exit 0 "$CW" log show --format json
grep -q "Example Street" out && fail "a justification reached the ledger"
grep -q "jane-doe" out && fail "an owner reached the ledger"
jq -e 'select(.entry.resources[0].uid == "iso27017:2015 CLD.9.5.1") | .entry.unmapped.details |
  .applicable == true and .status == "implemented" and .responsibility == "provider"
  and .file == "decisions/a.yaml" and .line == 6 and (.sha256 | test("^[0-9a-f]{64}$"))' \
  out >/dev/null || fail "decision.set details: $(grep CLD.9.5.1 out)"

# A changed status is one decision.set; so is a changed free text.
sed -i 's/status: implemented/status: partial/' decisions/a.yaml
expect_exit 0 "$CW" decisions record
grep -q "recorded 1 change(s)" out || fail "status change: $(cat out)"
sed -i 's/Example Street 7/the registered office/' decisions/a.yaml
expect_exit 0 "$CW" matrix --format csv
grep -q "recorded 1 change(s)" err || fail "justification change via matrix: $(cat err)"
expect_exit 0 "$CW" decisions history CLD.9.5.1 --format json
[ "$(jq -r .status out | tr '\n' ' ')" = "implemented partial " ] ||
  fail "history of CLD.9.5.1: $(cat out)"
jq -e 'select(.actor | test("^uid:[0-9]+(@.+)?$") | not)' out >/dev/null &&
  fail "actors are uid:N@HOST"
# A decision taken out of the files is recorded as removed.
sed -i '2,5d' decisions/a.yaml
expect_exit 0 "$CW" decisions record
expect_exit 0 "$CW" decisions history 11.1.1 --format json
[ "$(jq -r .action out | tr '\n' ' ')" = "decision.set decision.set decision.remove " ] ||
  fail "history of 11.1.1: $(jq -r .action out)"
# An edit of the scope file is a scope.set.
sed -i 's/Decision Test/Decision Test Ltd/' cloudward.yaml
expect_exit 0 "$CW" decisions record
expect_exit 0 "$CW" decisions history --format json
[ "$(jq -r 'select(.action == "scope.set") | .index' out | wc -l)" = 2 ] ||
  fail "scope edits: $(jq -r .action out)"
expect_exit 0 "$CW" log verify

# soa on a store without a ledger creates nothing; record creates it.
expect_exit 0 "$CW" soa --format csv --store elsewhere
[ -e elsewhere ] && fail "soa created a store"
expect_exit 0 "$CW" decisions record --store elsewhere
[ -s elsewhere/ledger.db ] || fail "record did not create the ledger"
# A decision file that does not load is one error, and nothing recorded.
before=$("$CW" log show --format json | wc -l)
printf 'decisions:\n  - control: "NOPE.1"\n    applicable: true\n' >decisions/b.yaml
expect_exit 2 "$CW" decisions record
grep -q "decisions/b.yaml:2:" err || fail "bad decision file: $(cat err)"
[ "$("$CW" log show --format json | wc -l)" = "$before" ] || fail "a bad file was recorded"
rm decisions/b.yaml
expect_exit 2 "$CW" decisions history NOPE.1
expect_exit 2 "$CW" decisions forget
expect_exit 2 "$CW" decisions record extra
# $CLOUDWARD_ACTOR names who acts (a pseudonymous id).
echo "# touched" >>cloudward.yaml
CLOUDWARD_ACTOR=cw-admin-7 "$CW" decisions record >/dev/null
expect_exit 0 "$CW" decisions history --format json
[ "$(jq -r .actor out | tail -1)" = cw-admin-7 ] || fail "CLOUDWARD_ACTOR: $(tail -1 out)"
# --actor, on any verb that writes, wins over the environment; an actor
# that is free text is refused, never recorded.
echo "# touched again" >>cloudward.yaml
CLOUDWARD_ACTOR=cw-admin-7 "$CW" decisions record --actor cw-auditor-2 >/dev/null
expect_exit 0 "$CW" decisions history --format json
[ "$(jq -r .actor out | tail -1)" = cw-auditor-2 ] || fail "--actor: $(tail -1 out)"
echo "note" >note.txt
expect_exit 0 "$CW" evidence add note.txt --control 5.1 --actor cw-eng-3
expect_exit 0 "$CW" log show --format json
[ "$(jq -r '.entry.actor.user.uid' out | tail -1)" = cw-eng-3 ] ||
  fail "evidence add --actor: $(tail -1 out)"
expect_exit 2 "$CW" evidence add note.txt --control 5.1 --actor "Jane Doe"
grep -q -- "--actor takes an id" err || fail "free-text actor: $(cat err)"
finish
