#!/usr/bin/env bash
# monitor.sh - `cloudward serve --monitor FILE` end to end, with receivers
# written in the test suite (tests/e2e/sinks.py) on 127.0.0.1: a webhook
# receiver checking each signature, an SMTP server and a UDP syslog
# listener. Its schedules run on demand (POST /api/v1/monitor/run): a
# config scan of a plan CI "exports" finds critical failures, a sweep
# makes them alerts, delivered to the provider's webhook (signed), by
# e-mail (a resource name carrying a line break cannot add a header)
# and to syslog (RFC 5424); an alert is assigned, acknowledged and
# resolved by people, each a ledger entry; the plan fixed, the next scan
# and sweep resolve the others as the monitor; an agent silent past its
# schedule is an alert; a checkpoint is signed. The monitor's file is
# checked (errors at FILE:LINE:COL; a host pack cannot be a scan's).
# With CW_ENGINE=pg, the store on a private PostgreSQL.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "monitor.sh needs curl" >&2; exit 1; }
command -v python3 >/dev/null || { echo "monitor.sh needs python3" >&2; exit 1; }
engine_store $WORK/st
cp -r "$SRC/examples/acme-notes" acme
SCOPE=$WORK/acme/cloudward.yaml

sinkpids=()
cleanup_hooks="${cleanup_hooks}for p in \${sinkpids[@]:-}; do kill \$p 2>/dev/null || true; done;"
start_sink() { # KIND NAME ARGS...: its port in NAME.port
  local kind=$1 name=$2
  shift 2
  python3 "$SRC/tests/e2e/sinks.py" "$kind" "$name.port" "$@" 2>"$name.err" &
  sinkpids+=($!)
  for _ in $(seq 1 100); do [ -s "$name.port" ] && break; sleep 0.05; done
  [ -s "$name.port" ] || fail "$kind sink did not start: $(cat "$name.err")"
}
wait_for() { # SECONDS CMD...: until CMD succeeds
  local t=$1
  shift
  for _ in $(seq 1 $((t * 10))); do "$@" && return 0; sleep 0.1; done
  return 1
}

expect_exit 0 "$CW" token create --name admin --role admin --store "$S"
A=(-H "Authorization: Bearer $(cat out)")
expect_exit 0 "$CW" token create --name eng --role engineer --store "$S"
E=(-H "Authorization: Bearer $(cat out)")
expect_exit 0 "$CW" token create --name aud --role auditor --store "$S"
AU=(-H "Authorization: Bearer $(cat out)")

start_sink webhook hook hook.jsonl hook.secret
start_sink smtp smtp mail
start_sink syslog syslog syslog.log
expect_exit 0 "$CW" webhook set --provider --url "http://127.0.0.1:$(cat hook.port)/alerts" --store "$S"
cp out hook.secret

# A plan CI exports: critical failures, and a resource whose address
# carries a line break and a header (hostile input to the e-mail).
mkdir ci
jq '(.planned_values.root_module.resources[] | select(.address == "aws_db_instance.main") | .address) =
    "aws_db_instance.main\r\nBcc: evil@example.net"' "$SRC/tests/cases/config/plan.json" >ci/plan.json 2>/dev/null ||
  cp "$SRC/tests/cases/config/plan.json" ci/plan.json
cat >monitor.yaml <<EOF
schedules:
  - name: plan
    cron: "0 0 1 1 *"
    scan: aws
    paths: [$WORK/ci/plan.json]
  - name: sweep
    cron: "*/30 * * * *"
    sweep: true
  - name: checkpoint
    cron: "0 0 1 1 *"
    checkpoint: true
alerts:
  fail_on: high
  smtp: smtp://127.0.0.1:$(cat smtp.port)
  mail_from: cloudward@acme.example
  mail_to: [soc@acme.example, oncall@acme.example]
  syslog: udp:127.0.0.1:$(cat syslog.port)
EOF
expect_exit 0 "$CW" monitor check monitor.yaml
grep -q "^plan  *scan  *0 0 1 1 \*  *next 20[0-9][0-9]-01-01T00:00:00Z" out || fail "monitor check: $(cat out)"

# The monitor's file, checked at start.
printf 'schedules:\n  - name: x\n    cron: "0 25 * * *"\n    sweep: true\n' >bad.yaml
expect_exit 2 "$CW" serve --store "$S" --scope "$SCOPE" --monitor bad.yaml --listen 127.0.0.1:0
grep -q "bad.yaml:3:14: cron: hour: 25 is out of range 0-23" err || fail "bad cron: $(cat err)"
printf 'schedules:\n  - name: x\n    cron: "@daily"\n    scan: debian-12\n    paths: [/etc]\n' >host.yaml
expect_exit 2 "$CW" serve --store "$S" --scope "$SCOPE" --monitor host.yaml --listen 127.0.0.1:0
grep -q "debian-12 is not a built-in config pack" err || fail "a host pack scanned by the monitor: $(cat err)"
printf 'schedules:\n  - name: x\n    cron: "@daily"\n    sweep: true\n    paths: [a]\n' >paths.yaml
expect_exit 2 "$CW" monitor check paths.yaml
grep -q "paths.yaml:2:5: schedule 'x': paths belong to a scan" err || fail "paths on a sweep: $(cat err)"
printf 'alerts:\n  smtp: smtp://127.0.0.1:25\n' >mail.yaml
expect_exit 2 "$CW" monitor check mail.yaml
grep -q "smtp needs mail_from and mail_to" err || fail "smtp alone: $(cat err)"

SS=$S
if [ -n "${PG_APP:-}" ]; then pg_grant_app; SS=$PG_APP; fi
serve_start "$SS" --scope "$SCOPE" --monitor monitor.yaml --webhooks-to-internal
get /api/v1/monitor "${AU[@]}"
jq -e '.monitor and (.schedules | map(.name) == ["plan", "sweep", "checkpoint"]) and
  (.schedules[1].next % 1800 == 0)' body >/dev/null || fail "GET /api/v1/monitor: $(cat body)"
get "/api/v1/monitor/run?schedule=plan" "${E[@]}" -X POST
[ "$(cat code)" = 403 ] || fail "an engineer ran a schedule: $(cat code)"
get "/api/v1/monitor/run?schedule=nope" "${A[@]}" -X POST
[ "$(cat code)" = 404 ] || fail "an unknown schedule: $(cat code)"

# The scan, then the sweep.
get "/api/v1/monitor/run?schedule=plan" "${A[@]}" -X POST
[ "$(cat code)" = 202 ] || fail "run plan: $(cat code) $(cat body)"
wait_for 20 grep -q '"monitor":"plan","did"' server.log || fail "the scan did not run: $(grep monitor server.log)"
"$CW" results list --store "$S" --format json >runs.json 2>/dev/null || fail "results list"
jq -e -s --arg p "$WORK/ci/plan.json" 'map(select(.target == $p and .actor == "monitor:plan")) | length == 1' runs.json >/dev/null ||
  fail "the monitor's run: $(cat runs.json)"
get "/api/v1/monitor/run?schedule=sweep" "${A[@]}" -X POST
wait_for 30 grep -q '"monitor":"sweep","did"' server.log || fail "the sweep did not run: $(grep monitor server.log)"
get "/api/v1/alerts?state=open" "${AU[@]}"
cp body open1.json
jq -e '.alerts | length >= 2 and all(.kind == "check-failing" and (.severity == "critical" or .severity == "high"))
  and any(.subject | contains("aws-redshift-not-public"))' open1.json >/dev/null ||
  fail "alerts after the sweep: $(head -c 800 open1.json)"
nopen=$(jq '.alerts | length' open1.json)
# A second sweep opens nothing new.
get "/api/v1/monitor/run?schedule=sweep" "${A[@]}" -X POST
wait_for 30 sh -c "[ \$(grep -c '\"monitor\":\"sweep\",\"did\"' server.log) -ge 2 ]" || fail "second sweep"
grep '"monitor":"sweep","did"' server.log | tail -1 | grep -q ": 0 alert(s) opened, $nopen open seen again" ||
  fail "the second sweep: $(grep '"monitor":"sweep"' server.log | tail -1)"

# Delivered: the webhook (signed, one alert.open per alert), e-mail (one
# per alert, to both, the subject's line break gone), syslog.
wait_for 30 sh -c "[ \$(grep -c alert.open hook.jsonl 2>/dev/null) -ge $nopen ]" ||
  fail "webhook deliveries: $(cat hook.jsonl 2>/dev/null | head -c 600)"
jq -e -s 'map(select(.event == "alert.open")) | all(.signed) and
  all(.body | fromjson | .alert | test("^[0-9a-f]{16}$"))' hook.jsonl >/dev/null ||
  fail "webhook bodies or signatures: $(head -c 600 hook.jsonl)"
wait_for 30 sh -c "[ \$(ls mail/*.eml 2>/dev/null | wc -l) -ge $nopen ]" || fail "mails: $(ls mail)"
jq -e '.to == ["<soc@acme.example>", "<oncall@acme.example>"] and .from == "FROM:<cloudward@acme.example>"' mail/1.env >/dev/null ||
  jq -e '(.to | length) == 2' mail/1.env >/dev/null || fail "envelope: $(cat mail/1.env)"
grep -l 'evil@example.net' mail/*.eml >/dev/null ||
  fail "the hostile resource name reached no mail (was the plan changed?)"
for f in mail/*.eml; do
  grep -qi '^Subject: \[cloudward\] \(critical\|high\): ' "$f" || fail "subject of $f: $(grep -i ^subject "$f")"
  sed $'/^\r\{0,1\}$/q' "$f" | grep -qi '^bcc:' && fail "a finding added a header to $f"
  grep -q '^X-Cloudward-Alert: [0-9a-f]\{16\}' "$f" || fail "alert id header in $f"
done
wait_for 30 sh -c "[ \$(grep -c 'alert.open' syslog.log 2>/dev/null) -ge $nopen ]" || fail "syslog: $(head -3 syslog.log)"
grep -qE '^<2[67]>1 [0-9T:-]+Z [^ ]+ cloudward [0-9]+ alert\.open \[alert@32473 id="[0-9a-f]{16}" severity="(critical|high)"' syslog.log ||
  fail "RFC 5424 line: $(head -1 syslog.log)"

# People: assign, acknowledge, resolve (an engineer may; an auditor may not).
ID=$(jq -r '.alerts[0].id' open1.json)
get "/api/v1/alerts/$ID/ack" "${AU[@]}" -X POST -H "Content-Type: application/json" --data '{}'
[ "$(cat code)" = 403 ] || fail "an auditor acknowledged: $(cat code)"
get "/api/v1/alerts/$ID/assign" "${E[@]}" -X POST -H "Content-Type: application/json" --data '{"owner":"dba-team"}'
[ "$(cat code)" = 204 ] || fail "assign: $(cat code) $(cat body)"
get "/api/v1/alerts/$ID/ack" "${E[@]}" -X POST -H "Content-Type: application/json" --data '{}'
[ "$(cat code)" = 204 ] || fail "ack: $(cat code) $(cat body)"
get "/api/v1/alerts/$ID/resolve" "${E[@]}" -X POST -H "Content-Type: application/json" \
  --data '{"resolution":"database made private in change CHG-42"}'
[ "$(cat code)" = 204 ] || fail "resolve: $(cat code) $(cat body)"
get "/api/v1/alerts/$ID/resolve" "${E[@]}" -X POST -H "Content-Type: application/json" --data '{"resolution":"again"}'
[ "$(cat code)" = 409 ] || fail "resolving twice: $(cat code)"
expect_exit 0 "$CW" alert list --store "$S" --state resolved --format json
jq -e -s --arg id "$ID" 'map(select(.id == $id))[0] | .owner == "dba-team" and .acked > 0 and
  .resolution == "database made private in change CHG-42"' out >/dev/null || fail "the resolved alert: $(cat out)"
expect_exit 0 "$CW" log show --store "$S" --format json --limit 100000
jq -r --arg id "$ID" 'select(.entry.resources[0].uid == $id) | .entry.api.operation' out | tr '\n' ' ' >ops
[ "$(cat ops)" = "alert.open alert.assign alert.ack alert.resolve " ] || fail "ledger of the alert: $(cat ops)"

# The plan fixed: the next scan and sweep resolve the rest as the monitor.
sed -e 's/"publicly_accessible": true/"publicly_accessible": false/' "$SRC/tests/cases/config/plan.json" >ci/plan.json
get "/api/v1/monitor/run?schedule=plan" "${A[@]}" -X POST
wait_for 20 sh -c "[ \$(grep -c '\"monitor\":\"plan\",\"did\"' server.log) -ge 2 ]" || fail "second scan"
get "/api/v1/monitor/run?schedule=sweep" "${A[@]}" -X POST
wait_for 30 sh -c "[ \$(grep -c '\"monitor\":\"sweep\",\"did\"' server.log) -ge 3 ]" || fail "third sweep"
get "/api/v1/alerts?state=resolved" "${AU[@]}"
jq -e '[.alerts[] | select(.resolved_by == "monitor:sweep" and .resolution == "no longer found by the monitor")] | length >= 1' body >/dev/null ||
  fail "resolved by the monitor: $(head -c 800 body)"
wait_for 30 grep -q '"event": "alert.resolve"' hook.jsonl || fail "no alert.resolve delivered"

# An agent silent past twice its interval and five minutes.
expect_exit 0 "$CW" agent token --store "$S"
tok=$(cat out)
key=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | cut -c1-43)
get /api/v1/agents -X POST -H "Content-Type: application/json" \
  --data "{\"token\":\"$tok\",\"host\":\"db-7\",\"pack\":\"debian-12\",\"public_key\":\"$key\",\"interval\":\"60\"}"
[ "$(cat code)" = 201 ] || fail "enrol: $(cat code) $(cat body)"
AID=$(jq -r .id body)
old=$(($(date +%s) - 3600))
if [ "${CW_ENGINE:-sqlite}" = pg ]; then
  pg_super -c "UPDATE agents SET enrolled = $old WHERE id = '$AID'"
else
  python3 -c "import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); d.execute('UPDATE agents SET enrolled=? WHERE id=?', (int(sys.argv[2]), sys.argv[3])); d.commit()" \
    "$S/access.db" "$old" "$AID"
fi
get "/api/v1/monitor/run?schedule=sweep" "${A[@]}" -X POST
wait_for 30 sh -c "[ \$(grep -c '\"monitor\":\"sweep\",\"did\"' server.log) -ge 4 ]" || fail "fourth sweep"
get "/api/v1/alerts?state=open" "${AU[@]}"
jq -e --arg k "agent|$AID" '[.alerts[] | select(.key == $k and .kind == "agent-silent" and (.subject | contains("db-7")))] | length == 1' body >/dev/null ||
  fail "silent agent alert: $(head -c 800 body)"
expect_exit 0 "$CW" agent revoke "$AID" --store "$S"
get "/api/v1/monitor/run?schedule=sweep" "${A[@]}" -X POST
wait_for 30 sh -c "[ \$(grep -c '\"monitor\":\"sweep\",\"did\"' server.log) -ge 5 ]" || fail "fifth sweep"
get "/api/v1/alerts?state=resolved" "${AU[@]}"
jq -e --arg k "agent|$AID" '[.alerts[] | select(.key == $k and .resolution == "the agent was revoked")] | length == 1' body >/dev/null ||
  fail "a revoked agent's alert: $(head -c 600 body)"

# The checkpoint.
get "/api/v1/monitor/run?schedule=checkpoint" "${A[@]}" -X POST
wait_for 20 grep -q '"monitor":"checkpoint","did":"checkpoint signed at size [0-9]' server.log ||
  fail "checkpoint: $(grep '"monitor":"checkpoint"' server.log)"
get /api/v1/log/checkpoint "${AU[@]}"
[ "$(cat code)" = 200 ] || fail "the signed checkpoint: $(cat code)"

# The alerts page.
TLS_ARGS=()
provider_signin ops compliance
get /alerts -b jar.ops
[ "$(cat code)" = 200 ] && grep -q "Acknowledge" body || fail "alerts page: $(cat code) $(head -c 300 body)"
get "/alerts?state=resolved" -b jar.ops
grep -q "CHG-42" body || fail "resolved alerts page"

grep -q "$(cat hook.secret)" server.log && fail "the webhook's secret in the server's log"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
expect_exit 0 "$CW" log verify --store "$S"
finish
