# pg.sh - a private PostgreSQL server for one test, from Debian's
# postgresql package: no system service, nothing outside a temporary
# folder. Source it after lib.sh, then call pg_start.
#
#   pg_start   initdb in a temporary folder (as the postgres user when the
#              test runs as root: initdb refuses root), a server listening
#              on a socket in that folder only (no TCP), fsync and
#              synchronous_commit on; a non-superuser role cw_owner owning
#              the database "cloudward", and a role cw_app that neither
#              owns the tables nor bypasses row-level security. Sets
#              PG_OWNER and PG_APP (libpq URLs) and pg_super (a psql
#              command as the superuser, for tampering). Stopped at exit.
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

pg_as() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

pg_stop() {
  [ -n "${PGTMP:-}" ] || return 0
  [ ! -d "$PGTMP/replica" ] ||
    pg_as "$PGBIN/pg_ctl" -D "$PGTMP/replica" -m immediate stop >/dev/null 2>&1 || true
  pg_as "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGTMP"
  PGTMP=
}

pg_start() {
  [ -x "$PGBIN/initdb" ] || { echo "no PostgreSQL server (scripts/setup.sh installs postgresql)" >&2; exit 1; }
  PGTMP=$(mktemp -d /tmp/cw-pg.XXXXXX)
  cleanup_hooks="pg_stop;"
  [ "$(id -u)" != 0 ] || chown postgres "$PGTMP"
  pg_as "$PGBIN/initdb" -D "$PGTMP/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 >"$PGTMP/initdb.log" 2>&1 ||
    { cat "$PGTMP/initdb.log" >&2; exit 1; }
  pg_as "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w \
    -o "-c listen_addresses='' -c unix_socket_directories='$PGTMP' -c fsync=on -c synchronous_commit=on ${PG_EXTRA:-}" \
    start >/dev/null || { cat "$PGTMP/server.log" >&2; exit 1; }
  pg_super() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGTMP" -U postgres -d "${PGDB:-cloudward}" "$@"; }
  PGDB=postgres pg_super -c "CREATE ROLE cw_owner LOGIN" -c "CREATE ROLE cw_app LOGIN NOBYPASSRLS" \
    -c "CREATE DATABASE cloudward OWNER cw_owner"
  PG_OWNER="postgresql:///cloudward?host=$PGTMP&user=cw_owner"
  PG_APP="postgresql:///cloudward?host=$PGTMP&user=cw_app"
  export CLOUDWARD_KEY_DIR="$WORK/keys"
}

# pg_grant_app: what docs/scaling.md tells an operator to grant the
# servers' role, once the store's tables exist.
pg_grant_app() {
  pg_super -c "GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO cw_app;
    GRANT UPDATE ON cw_meta TO cw_app; GRANT EXECUTE ON FUNCTION ledger_hashes(bigint[]) TO cw_app;
    GRANT UPDATE ON users, api_tokens, sessions, documents, downloads, notices, webhooks, webhook_outbox,
      agents, agent_tokens, alerts TO cw_app;
    GRANT UPDATE, DELETE ON published_rows TO cw_app; GRANT DELETE ON subscriptions TO cw_app;
    GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO cw_app;
    ALTER DEFAULT PRIVILEGES FOR ROLE cw_owner IN SCHEMA public GRANT SELECT, INSERT ON TABLES TO cw_app;
    ALTER DEFAULT PRIVILEGES FOR ROLE cw_owner IN SCHEMA public GRANT USAGE ON SEQUENCES TO cw_app;"
}

# pg_start_replica: a hot standby of the server (pg_basebackup, streaming
# replication; a fast checkpoint, not a spread one that can take minutes),
# on port 5433 of the same private socket folder; sets
# PG_REPLICA. pg_wait_replica waits (up to 10 s) until it has replayed
# everything the primary has written so far.
pg_start_replica() {
  pg_as "$PGBIN/pg_basebackup" -D "$PGTMP/replica" -h "$PGTMP" -U postgres -R -X stream -c fast \
    >"$PGTMP/basebackup.log" 2>&1 || { cat "$PGTMP/basebackup.log" >&2; exit 1; }
  pg_as "$PGBIN/pg_ctl" -D "$PGTMP/replica" -l "$PGTMP/replica.log" -w \
    -o "-c listen_addresses='' -c unix_socket_directories='$PGTMP' -c port=5433 -c hot_standby=on" \
    start >/dev/null || { cat "$PGTMP/replica.log" >&2; exit 1; }
  PG_REPLICA="postgresql:///cloudward?host=$PGTMP&port=5433&user=cw_owner"
}

pg_wait_replica() {
  local lsn i
  lsn=$(pg_super -tAc "SELECT pg_current_wal_lsn()")
  for i in $(seq 1 100); do
    [ "$("$PGBIN/psql" -X -tA -h "$PGTMP" -p 5433 -U postgres -d postgres \
      -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ] && return 0
    sleep 0.1
  done
  return 1
}
