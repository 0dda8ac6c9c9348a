/*
 * ledger_pg.c - the ledger's store in PostgreSQL (ledger_store.h), through
 * libpq. The same rows as ledger_sqlite.c, laid out for many servers on
 * one database:
 *
 *   ledger_entries(idx, tenant_id, action, leaf, nodes, body)
 *       one row per entry (nodes: the even-level subtrees it completes),
 *       under row-level security on tenant_id
 *   ledger_tenant_runs(tenant_id, first, idxs)      row-level security
 *   ledger_checkpoints(size, note)
 *   evidence_blobs(sha256, data)   evidence files, up to BLOB_MAX each
 *   packs, checks, runs, reasons, files, chunks, passes   scan runs
 *       (runs_db.c, which reads and writes them through sql.h)
 *   tenants, api_tokens, users     row-level security (access.c)
 *   webhooks, webhook_outbox, webhook_attempts     row-level security
 *       (webhook.c)
 *   cw_meta(key, value), cw_schema(version)
 *   ledger_hashes(idx[])
 *       the leaf and nodes of entries, whoever's they are: every proof
 *       needs other entries' hashes, and hashes say nothing about a
 *       tenant. SECURITY DEFINER, so it reads as the tables' owner.
 *
 * Row-level security: each transaction names its tenant with
 * set_config('cloudward.tenant', T, true), the SET LOCAL of a parameter.
 * The policies show and accept only rows whose tenant_id is T; '*' is the
 * provider's view of every row. A transaction that names no tenant sees
 * no tenant-scoped row at all, so a query that forgets its tenant filter
 * can never show one tenant another's entries. The servers connect as a
 * role that owns nothing (docs/scaling.md); the owner, who migrates the
 * schema, is not held to the policies (ledger_hashes relies on that), and
 * a role that bypasses them everywhere (superuser, BYPASSRLS) is refused
 * at open.
 *
 * (The hashes lived in a table of their own at first, open to every
 * tenant; a second row per entry held appends at 40% of plain inserts.)
 *
 * Writers serialise on a transaction-scoped advisory lock taken first
 * thing in a write transaction: appenders in other processes (other
 * servers) queue there, and the size read after it is final. An append's
 * rows are held in memory and sent at commit as one INSERT ... SELECT
 * FROM unnest(arrays) (COPY FROM refuses tables with row-level
 * security): one round trip per append, whatever its size.
 * COMMIT returns once PostgreSQL has flushed its WAL
 * (synchronous_commit, the server's default).
 *
 * Schema versions: cw_schema holds the version; opening runs each newer
 * version's migration in one transaction under another advisory lock, and
 * a database of a newer version is refused.
 */
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>

#include <libpq-fe.h>

#include "../core/core.h"
#include "ledger_store.h"
#include "pg.h"

/* Advisory lock keys: "cwledger" and "cwschema" as big-endian bytes. */
#define LOCK_LEDGER "7161966067113256306"
#define LOCK_SCHEMA "7161972265290802529"

/* Who sees a tenant-scoped row (the policies' USING and WITH CHECK). */
#define VISIBLE                                                               \
    "(current_setting('cloudward.tenant', true) = '*' OR tenant_id = "      \
    "current_setting('cloudward.tenant', true))"

#define TENANT_TABLE(t)                                                       \
    "ALTER TABLE " t " ENABLE ROW LEVEL SECURITY;"                           \
    "CREATE POLICY " t "_tenant ON " t " USING " VISIBLE                     \
    " WITH CHECK " VISIBLE ";"

/* A table of the provider's alone: no tenant's connection sees a row. */
#define PROVIDER_TABLE(t)                                                     \
    "ALTER TABLE " t " ENABLE ROW LEVEL SECURITY;"                           \
    "CREATE POLICY " t "_provider ON " t " USING "                           \
    "(current_setting('cloudward.tenant', true) = '*') WITH CHECK "         \
    "(current_setting('cloudward.tenant', true) = '*');"

/* migrations[v] brings version v to v + 1. Append, never edit. */
static const char *const migrations[] = {
    "CREATE TABLE cw_meta(key text PRIMARY KEY, value text NOT NULL);"
    "CREATE TABLE ledger_entries(idx bigint PRIMARY KEY, tenant_id text,"
    " action text NOT NULL, leaf bytea NOT NULL, nodes bytea,"
    " body text NOT NULL);"
    "CREATE INDEX ledger_entries_evidence ON ledger_entries(idx)"
    " WHERE action = 'evidence.add';"
    "CREATE INDEX ledger_entries_foundation ON ledger_entries(idx)"
    " WHERE action IN ('scope.init', 'scope.set', 'decision.set',"
    " 'decision.remove');"
    "CREATE TABLE ledger_tenant_runs(tenant_id text NOT NULL,"
    " first bigint NOT NULL, idxs bytea NOT NULL,"
    " PRIMARY KEY(tenant_id, first));"
    "CREATE TABLE ledger_checkpoints(size bigint PRIMARY KEY,"
    " note text NOT NULL);" TENANT_TABLE("ledger_entries")
        TENANT_TABLE("ledger_tenant_runs")
    /* search_path pinned to the store's schema: a definer function must
     * not resolve names where a caller could plant its own. */
    "DO $$ BEGIN EXECUTE format('CREATE FUNCTION ledger_hashes(i bigint[])"
    " RETURNS TABLE(idx bigint, leaf bytea, nodes bytea) LANGUAGE sql"
    " STABLE SECURITY DEFINER SET search_path = %I, pg_temp AS"
    " ''SELECT e.idx, e.leaf, e.nodes FROM ledger_entries e"
    " WHERE e.idx = ANY(i) ORDER BY e.idx''', current_schema()); END $$;"
    "REVOKE EXECUTE ON FUNCTION ledger_hashes(bigint[]) FROM PUBLIC;",
    /* 2: evidence files, by SHA-256, so that every server has them */
    "CREATE TABLE evidence_blobs(sha256 text PRIMARY KEY,"
    " data bytea NOT NULL);",
    /* 3: scan runs (runs_db.c; results.db's tables on SQLite). Interned
     * strings are unique by their MD5: a B-tree key holds at most some
     * 2.7 kB, and a reason can be longer. */
    "CREATE TABLE packs(id bigint GENERATED BY DEFAULT AS IDENTITY"
    " PRIMARY KEY, name text NOT NULL, kind text NOT NULL, title text,"
    " digest text NOT NULL UNIQUE);"
    "CREATE TABLE checks(pack bigint NOT NULL, idx bigint NOT NULL,"
    " id text NOT NULL, title text NOT NULL, severity bigint NOT NULL,"
    " controls text NOT NULL, refs text NOT NULL, PRIMARY KEY(pack, idx));"
    "CREATE TABLE runs(id bigint GENERATED BY DEFAULT AS IDENTITY"
    " PRIMARY KEY, kind text NOT NULL, pack bigint NOT NULL,"
    " target text NOT NULL, started text NOT NULL,"
    " seconds double precision NOT NULL, actor text,"
    " n_pass bigint NOT NULL, n_fail bigint NOT NULL, n_na bigint NOT NULL,"
    " n_unknown bigint NOT NULL, n_error bigint NOT NULL,"
    " n_stored bigint NOT NULL);"
    "CREATE TABLE reasons(id bigint GENERATED BY DEFAULT AS IDENTITY"
    " PRIMARY KEY, text text NOT NULL);"
    "CREATE UNIQUE INDEX reasons_text ON reasons(md5(text));"
    "CREATE TABLE files(id bigint GENERATED BY DEFAULT AS IDENTITY"
    " PRIMARY KEY, path text NOT NULL);"
    "CREATE UNIQUE INDEX files_path ON files(md5(path));"
    "CREATE TABLE chunks(run bigint NOT NULL, seq bigint NOT NULL,"
    " n bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY(run, seq));"
    "CREATE TABLE passes(run bigint NOT NULL, chk bigint NOT NULL,"
    " n bigint NOT NULL, PRIMARY KEY(run, chk));",
    /* 4: tenants and API tokens (access.c) */
    "CREATE TABLE tenants(tenant_id text PRIMARY KEY, name text NOT NULL,"
    " created bigint NOT NULL);"
    "CREATE TABLE api_tokens(id text PRIMARY KEY, tenant_id text,"
    " role text NOT NULL, name text NOT NULL, hash text NOT NULL,"
    " created bigint NOT NULL, expires bigint NOT NULL,"
    " revoked bigint NOT NULL DEFAULT 0);" TENANT_TABLE("tenants")
        TENANT_TABLE("api_tokens"),
    /* 5: users (access.c) */
    "CREATE TABLE users(id text PRIMARY KEY, login text NOT NULL UNIQUE,"
    " tenant_id text, role text NOT NULL, pwhash text NOT NULL,"
    " totp bytea, totp_step bigint NOT NULL DEFAULT 0,"
    " failures bigint NOT NULL DEFAULT 0,"
    " locked_until bigint NOT NULL DEFAULT 0,"
    " disabled bigint NOT NULL DEFAULT 0, created bigint NOT NULL);"
    TENANT_TABLE("users"),
    /* 6: sessions and the trust portal (access.c, portal.c). Documents
     * and their versions without a tenant are everyone's to list (what a
     * caller may read is decided again in portal.c). */
    "CREATE TABLE sessions(id text PRIMARY KEY, tenant_id text,"
    " user_id text NOT NULL, hash text NOT NULL, created bigint NOT NULL,"
    " expires bigint NOT NULL, ended bigint NOT NULL DEFAULT 0);"
    "CREATE TABLE documents(id text PRIMARY KEY, tenant_id text,"
    " title text NOT NULL, type text NOT NULL, class text NOT NULL,"
    " agreement text, created bigint NOT NULL);"
    "CREATE TABLE document_versions(doc_id text NOT NULL,"
    " version bigint NOT NULL, tenant_id text, sha256 text NOT NULL,"
    " size bigint NOT NULL, name text NOT NULL, created bigint NOT NULL,"
    " PRIMARY KEY(doc_id, version));"
    "CREATE TABLE document_blobs(sha256 text PRIMARY KEY,"
    " data bytea NOT NULL);"
    "CREATE TABLE agreements(id text NOT NULL, version bigint NOT NULL,"
    " title text NOT NULL, body text NOT NULL, created bigint NOT NULL,"
    " PRIMARY KEY(id, version));"
    "CREATE TABLE acceptances(tenant_id text NOT NULL,"
    " user_id text NOT NULL, agreement text NOT NULL,"
    " version bigint NOT NULL, accepted bigint NOT NULL,"
    " source text NOT NULL, PRIMARY KEY(user_id, agreement, version));"
    "CREATE TABLE downloads(id text PRIMARY KEY, tenant_id text,"
    " user_id text NOT NULL, hash text NOT NULL, doc_id text NOT NULL,"
    " version bigint NOT NULL, created bigint NOT NULL,"
    " expires bigint NOT NULL, used bigint NOT NULL DEFAULT 0);"
    "CREATE TABLE subscriptions(user_id text NOT NULL, tenant_id text,"
    " doc_id text NOT NULL, PRIMARY KEY(user_id, doc_id));"
    "CREATE TABLE notices(id bigint GENERATED BY DEFAULT AS IDENTITY"
    " PRIMARY KEY, tenant_id text, user_id text NOT NULL, kind text NOT NULL,"
    " doc_id text, version bigint, subject text NOT NULL,"
    " created bigint NOT NULL, seen bigint NOT NULL DEFAULT 0);"
    "CREATE INDEX notices_user ON notices(user_id, id);"
    TENANT_TABLE("sessions") TENANT_TABLE("acceptances")
    TENANT_TABLE("downloads") TENANT_TABLE("subscriptions")
    TENANT_TABLE("notices")
    "ALTER TABLE documents ENABLE ROW LEVEL SECURITY;"
    "CREATE POLICY documents_tenant ON documents USING (tenant_id IS NULL"
    " OR " VISIBLE ") WITH CHECK " VISIBLE ";"
    "ALTER TABLE document_versions ENABLE ROW LEVEL SECURITY;"
    "CREATE POLICY document_versions_tenant ON document_versions USING"
    " (tenant_id IS NULL OR " VISIBLE ") WITH CHECK " VISIBLE ";",
    /* 7: webhooks, their outbox and delivery log (webhook.c) */
    "CREATE TABLE webhooks(id text PRIMARY KEY, tenant_id text NOT NULL,"
    " url text NOT NULL, secret bytea NOT NULL, created bigint NOT NULL,"
    " disabled bigint NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX webhooks_tenant ON webhooks(tenant_id)"
    " WHERE disabled = 0;"
    "CREATE TABLE webhook_outbox(id text PRIMARY KEY,"
    " tenant_id text NOT NULL, webhook_id text NOT NULL, kind text NOT NULL,"
    " body text NOT NULL, created bigint NOT NULL,"
    " attempts bigint NOT NULL DEFAULT 0, next_attempt bigint NOT NULL,"
    " state text NOT NULL DEFAULT 'pending',"
    " delivered bigint NOT NULL DEFAULT 0,"
    " last_status bigint NOT NULL DEFAULT 0, last_error text);"
    "CREATE INDEX webhook_outbox_due ON webhook_outbox(next_attempt)"
    " WHERE state = 'pending';"
    "CREATE TABLE webhook_attempts(id bigint GENERATED BY DEFAULT AS"
    " IDENTITY PRIMARY KEY, outbox_id text NOT NULL,"
    " tenant_id text NOT NULL, webhook_id text NOT NULL, kind text NOT NULL,"
    " attempt bigint NOT NULL, at bigint NOT NULL,"
    " http_status bigint NOT NULL, error text, outcome text NOT NULL);"
    "CREATE INDEX webhook_attempts_tenant ON webhook_attempts(tenant_id, id);"
    TENANT_TABLE("webhooks") TENANT_TABLE("webhook_outbox")
    TENANT_TABLE("webhook_attempts"),
    /* 8: an end to a user's access (auditors'), Unix seconds; 0: none */
    "ALTER TABLE users ADD COLUMN until bigint NOT NULL DEFAULT 0;",
    /* 9: the matrix rows last published to customers, by digest */
    "CREATE TABLE published_rows(control text PRIMARY KEY, digest text NOT NULL);",
    /* 10: the 27018 registers' records, every version kept
     * (src/registers/store.c). A record may concern several customers:
     * `tenants` lists them as " a b " ("*": every one), and a tenant's
     * connection sees the versions that name it; only the provider's
     * connections write. */
    "CREATE TABLE register_records(register text NOT NULL, id text NOT NULL,"
    " version bigint NOT NULL, body text NOT NULL, sha256 text NOT NULL,"
    " closed bigint NOT NULL DEFAULT 0, actor text NOT NULL,"
    " created bigint NOT NULL, tenants text NOT NULL,"
    " PRIMARY KEY(register, id, version));"
    "ALTER TABLE register_records ENABLE ROW LEVEL SECURITY;"
    "CREATE POLICY register_records_tenant ON register_records USING"
    " (current_setting('cloudward.tenant', true) = '*' OR tenants = '*' OR"
    " position(' ' || current_setting('cloudward.tenant', true) || ' ' IN"
    " tenants) > 0) WITH CHECK"
    " (current_setting('cloudward.tenant', true) = '*');",
    /* 11: host agents and their one-time enrolment tokens
     * (src/store/agents.c): the provider's, seen by no tenant's
     * connection */
    "CREATE TABLE agent_tokens(id text PRIMARY KEY, hash text NOT NULL,"
    " created bigint NOT NULL, expires bigint NOT NULL,"
    " spent bigint NOT NULL DEFAULT 0, agent_id text);"
    "CREATE TABLE agents(id text PRIMARY KEY, host text NOT NULL,"
    " pack text NOT NULL, public_key text NOT NULL, every_s bigint NOT NULL,"
    " enrolled bigint NOT NULL, token_id text NOT NULL,"
    " last_seen bigint NOT NULL DEFAULT 0, seq bigint NOT NULL DEFAULT 0,"
    " last_run bigint NOT NULL DEFAULT 0, n_pass bigint NOT NULL DEFAULT 0,"
    " n_fail bigint NOT NULL DEFAULT 0, failing bigint NOT NULL DEFAULT 0,"
    " fixed bigint NOT NULL DEFAULT 0, revoked bigint NOT NULL DEFAULT 0);"
    PROVIDER_TABLE("agent_tokens") PROVIDER_TABLE("agents"),
    /* 12: alerts (src/store/alerts.c): the provider's */
    "CREATE TABLE alerts(id text PRIMARY KEY, akey text NOT NULL,"
    " kind text NOT NULL, severity text NOT NULL, subject text NOT NULL,"
    " control text, what text NOT NULL, opened bigint NOT NULL,"
    " last_seen bigint NOT NULL, owner text,"
    " acked bigint NOT NULL DEFAULT 0, acked_by text,"
    " resolved bigint NOT NULL DEFAULT 0, resolved_by text, resolution text,"
    " mail_state bigint NOT NULL DEFAULT 0,"
    " mail_attempts bigint NOT NULL DEFAULT 0,"
    " mail_next bigint NOT NULL DEFAULT 0,"
    " log_state bigint NOT NULL DEFAULT 0,"
    " log_attempts bigint NOT NULL DEFAULT 0,"
    " log_next bigint NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX alerts_unresolved ON alerts(akey) WHERE resolved = 0;"
    PROVIDER_TABLE("alerts"),
    /* 13: a config run's resources no check knows (runs_db.c) */
    "CREATE TABLE uncovered(run bigint NOT NULL, seq bigint NOT NULL,"
    " address text NOT NULL, type text NOT NULL, file text,"
    " line bigint NOT NULL, PRIMARY KEY(run, seq));"
    "ALTER TABLE runs ADD COLUMN n_uncovered bigint NOT NULL DEFAULT 0;",
};
#define SCHEMA_VERSION (sizeof(migrations) / sizeof(migrations[0]))

/* Rows fetched per round trip by a scan. */
#define SCAN_BATCH "4096"
/* What one append may hold in memory before commit sends it, and the
 * rows after which it is sent anyway (the transaction stays open). */
#define PENDING_MAX ((size_t)1 << 31)
#define FLUSH_ROWS 8192

/* The columns an append holds until commit, one array each. */
enum {
    A_IDX, /* the entries: $1..$6 of the INSERT, in order */
    A_TENANT,
    A_ACTION,
    A_LEAF,
    A_NODES,
    A_BODY,
    A_RUN_TENANT, /* the tenant runs: $1..$3 of theirs */
    A_RUN_FIRST,
    A_RUN_IDXS,
    A_COUNT
};

struct pg {
    struct cw__lstore base;
    PGconn *db;
    PGresult *row;    /* the row get() handed out */
    PGresult *pre;    /* prefetched rows, by idx (this transaction's) */
    PGresult *pre_h;  /* prefetched hashes, by idx */
    char err[512];
    char tenant[128]; /* '*', or the one tenant this connection serves */
    char *url;        /* where it connected: parked by it when closed */
    bool in_txn;
    unsigned cursors; /* for unique cursor names */
    /* An append's rows, as PostgreSQL array literals, until commit. */
    struct cw__buf a[A_COUNT];
    size_t pending, pending_runs;
};

#define PG(s) ((struct pg *)(void *)(s))

static int fail(struct pg *s, const char *why)
{
    snprintf(s->err, sizeof(s->err), "%s", why);
    return CW__STORE_ERROR;
}

/* The error of `r` (or of the connection) as this store's message;
 * clears r. */
static int failed_result(struct pg *s, PGresult *r)
{
    cw__pg_error(s->db, r, s->err, sizeof(s->err));
    return CW__STORE_ERROR;
}

/* Runs a statement that returns nothing worth keeping. */
static int run(struct pg *s, const char *text)
{
    PGresult *r = PQexec(s->db, text);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        return failed_result(s, r);
    PQclear(r);
    return CW__STORE_OK;
}

/* A statement with text parameters (NULL: SQL NULL) and binary results;
 * NULL on error, with the reason in s->err. */
static PGresult *query(struct pg *s, const char *text, int n,
                       const char *const *values, const int *lengths,
                       const int *formats)
{
    PGresult *r = PQexecParams(s->db, text, n, NULL, values, lengths,
                               formats, 1);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        failed_result(s, r);
        return NULL;
    }
    return r;
}

/* A statement with text parameters whose result is not needed. */
static int command(struct pg *s, const char *text, int n,
                   const char *const *values)
{
    PGresult *r = query(s, text, n, values, NULL, NULL);
    if (!r)
        return CW__STORE_ERROR;
    PQclear(r);
    return CW__STORE_OK;
}

static uint64_t be64(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    uint64_t v = 0;
    int i;
    for (i = 0; i < 8; i++)
        v = v << 8 | u[i];
    return v;
}

/* Column c of row i of a binary result as an int8 (0 when NULL). */
static uint64_t col_u64(const PGresult *r, int i, int c)
{
    if (PQgetisnull(r, i, c) || PQgetlength(r, i, c) != 8)
        return 0;
    return be64(PQgetvalue(r, i, c));
}

/* ---- an append's rows, held until commit ------------------------------- */

static const char hexdigits[] = "0123456789abcdef";

static enum cw_status arr_sep(struct cw__buf *b)
{
    return cw__buf_append(b, b->len ? "," : "{", 1);
}

static enum cw_status arr_text(struct cw__buf *b, const char *p, size_t n)
{
    size_t i, from = 0;
    enum cw_status st = arr_sep(b);
    if (!st && !p)
        return cw__buf_append(b, "NULL", 4);
    if (!st)
        st = cw__buf_append(b, "\"", 1);
    /* Inside a quoted element only '"' and '\' are special. */
    for (i = 0; !st && i < n; i++)
        if (p[i] == '"' || p[i] == '\\') {
            if (!(st = cw__buf_append(b, p + from, i - from)))
                st = cw__buf_append(b, "\\", 1);
            from = i;
        }
    if (!st)
        st = cw__buf_append(b, p + from, n - from);
    return st ? st : cw__buf_append(b, "\"", 1);
}

/* A bytea element: "\\x<hex>" (the array's escape, then bytea's). */
static enum cw_status arr_bytes(struct cw__buf *b, const unsigned char *p,
                                size_t n)
{
    char hex[512];
    size_t i, k;
    enum cw_status st = arr_sep(b);
    if (!st && !p)
        return cw__buf_append(b, "NULL", 4);
    if (!st)
        st = cw__buf_append(b, "\"\\\\x", 4);
    for (i = 0; !st && i < n; i += k) {
        size_t j;
        k = n - i < sizeof(hex) / 2 ? n - i : sizeof(hex) / 2;
        for (j = 0; j < k; j++) {
            hex[2 * j] = hexdigits[p[i + j] >> 4];
            hex[2 * j + 1] = hexdigits[p[i + j] & 15];
        }
        st = cw__buf_append(b, hex, 2 * k);
    }
    return st ? st : cw__buf_append(b, "\"", 1);
}

static void pending_clear(struct pg *s)
{
    size_t i;
    for (i = 0; i < A_COUNT; i++)
        s->a[i].len = 0;
    s->pending = s->pending_runs = 0;
}

/* Runs `text` with the n arrays from a[first], closed. */
static int send(struct pg *s, const char *text, int first, int n)
{
    const char *v[A_COUNT];
    PGresult *r;
    int i;
    for (i = 0; i < n; i++) {
        if (cw__buf_append(&s->a[first + i], "}", 1))
            return fail(s, "an append too large to send at once");
        v[i] = s->a[first + i].data;
    }
    if (!(r = query(s, text, n, v, NULL, NULL)))
        return CW__STORE_ERROR;
    PQclear(r);
    return CW__STORE_OK;
}

static int flush(struct pg *s)
{
    if (s->pending &&
        send(s,
             "INSERT INTO ledger_entries(idx, tenant_id, action, leaf, "
             "nodes, body) SELECT * FROM unnest($1::bigint[], $2::text[], "
             "$3::text[], $4::bytea[], $5::bytea[], $6::text[])",
             A_IDX, 6))
        return CW__STORE_ERROR;
    if (s->pending_runs &&
        send(s,
             "INSERT INTO ledger_tenant_runs(tenant_id, first, idxs) "
             "SELECT * FROM unnest($1::text[], $2::bigint[], $3::bytea[])",
             A_RUN_TENANT, 3))
        return CW__STORE_ERROR;
    pending_clear(s);
    return CW__STORE_OK;
}

/* Reads inside a write transaction see its rows: send them first. */
#define FLUSHED(s)                                                            \
    do {                                                                      \
        if (((s)->pending || (s)->pending_runs) && flush(s))                  \
            return CW__STORE_ERROR;                                           \
    } while (0)

/* ---- operations -------------------------------------------------------- */

static void forget(struct pg *s)
{
    PQclear(s->row);
    PQclear(s->pre);
    PQclear(s->pre_h);
    s->row = s->pre = s->pre_h = NULL;
}

/* Row of result r (sorted by its first column, an int8 idx) holding
 * `idx`, or -1. */
static int find(const PGresult *r, uint64_t idx)
{
    int lo = 0, hi = r ? PQntuples(r) : 0;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        uint64_t v = col_u64(r, mid, 0);
        if (v == idx)
            return mid;
        if (v < idx)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static void pg_close(struct cw__lstore *b)
{
    struct pg *s = PG(b);
    size_t i;
    if (!s)
        return;
    forget(s);
    if (s->db)
        cw__pg_finish(s->db, s->url,
                      strcmp(s->tenant, "*") == 0 ? NULL : s->tenant);
    cw__free(s->url);
    for (i = 0; i < A_COUNT; i++)
        cw__buf_release(&s->a[i]);
    cw__free(s);
}

static const char *pg_errmsg(struct cw__lstore *b)
{
    return PG(b)->err[0] ? PG(b)->err : "unknown database error";
}

/* Names this transaction's tenant (and, writing, takes the ledger's
 * lock): the first statement, so a read's snapshot starts here. */
static int pg_begin(struct cw__lstore *b, bool write)
{
    struct pg *s = PG(b);
    const char *v[1] = { s->tenant };
    PGresult *r;

    s->err[0] = '\0';
    pending_clear(s);
    forget(s);
    if (run(s, write ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                     : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        return CW__STORE_ERROR;
    r = query(s,
              write ? "SELECT set_config('cloudward.tenant', $1, true), "
                      "pg_advisory_xact_lock(" LOCK_LEDGER ")"
                    : "SELECT set_config('cloudward.tenant', $1, true)",
              1, v, NULL, NULL);
    if (!r) {
        (void)run(s, "ROLLBACK");
        return CW__STORE_ERROR;
    }
    PQclear(r);
    s->in_txn = true;
    return CW__STORE_OK;
}

static int pg_commit(struct cw__lstore *b)
{
    struct pg *s = PG(b);
    forget(s);
    if (flush(s))
        return CW__STORE_ERROR;
    s->in_txn = false;
    return run(s, "COMMIT");
}

static void pg_rollback(struct cw__lstore *b)
{
    struct pg *s = PG(b);
    forget(s);
    pending_clear(s);
    s->in_txn = false;
    (void)run(s, "ROLLBACK");
}

static int pg_meta_get(struct cw__lstore *b, const char *key, char *out,
                       size_t n)
{
    struct pg *s = PG(b);
    const char *v[1] = { key };
    PGresult *r;
    int rc;
    FLUSHED(s);
    if (!(r = query(s, "SELECT value FROM cw_meta WHERE key = $1", 1, v,
                    NULL, NULL)))
        return CW__STORE_ERROR;
    rc = PQntuples(r) ? CW__STORE_OK : CW__STORE_MISSING;
    if (!rc)
        snprintf(out, n, "%.*s", PQgetlength(r, 0, 0), PQgetvalue(r, 0, 0));
    PQclear(r);
    return rc;
}

static int pg_meta_put(struct cw__lstore *b, const char *key,
                       const char *value)
{
    const char *v[2] = { key, value };
    return command(PG(b),
                   "INSERT INTO cw_meta(key, value) VALUES ($1, $2) "
                   "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                   2, v);
}

static int pg_size(struct cw__lstore *b, uint64_t *n)
{
    struct pg *s = PG(b);
    PGresult *r;
    FLUSHED(s);
    if (!(r = query(s, "SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entries",
                    0, NULL, NULL, NULL)))
        return CW__STORE_ERROR;
    *n = col_u64(r, 0, 0);
    PQclear(r);
    return CW__STORE_OK;
}

static int pg_hash(struct cw__lstore *b, uint64_t idx, unsigned slot,
                   unsigned char out[32])
{
    struct pg *s = PG(b);
    char num[26];
    const char *v[1] = { num };
    size_t off = slot ? (size_t)(slot - 1) * 32 : 0;
    int col = slot ? 2 : 1, i;
    PGresult *r;
    int rc = CW__STORE_MISSING;

    if (idx > INT64_MAX)
        return CW__STORE_MISSING;
    FLUSHED(s);
    if ((i = find(s->pre_h, idx)) >= 0) {
        r = s->pre_h;
    } else {
        snprintf(num, sizeof(num), "{%llu}", (unsigned long long)idx);
        if (!(r = query(s, "SELECT * FROM ledger_hashes($1)", 1, v, NULL,
                        NULL)))
            return CW__STORE_ERROR;
        i = PQntuples(r) == 1 ? 0 : -1;
    }
    /* (idx, leaf, nodes) */
    if (i >= 0 && !PQgetisnull(r, i, col) &&
        (size_t)PQgetlength(r, i, col) >= off + 32 &&
        (slot || PQgetlength(r, i, col) == 32)) {
        memcpy(out, PQgetvalue(r, i, col) + off, 32);
        rc = CW__STORE_OK;
    }
    if (r != s->pre_h)
        PQclear(r);
    return rc;
}

static int pg_put(struct cw__lstore *b, const struct cw__lrow *r)
{
    struct pg *s = PG(b);
    char num[24];
    int len = snprintf(num, sizeof(num), "%llu", (unsigned long long)r->idx);
    enum cw_status st;

    if (r->idx > INT64_MAX)
        return fail(s, "an index beyond PostgreSQL's bigint");
    st = arr_sep(&s->a[A_IDX]);
    if (!st)
        st = cw__buf_append(&s->a[A_IDX], num, (size_t)len);
    if (!st)
        st = arr_bytes(&s->a[A_LEAF], r->leaf, r->leaf_len);
    if (!st)
        st = arr_bytes(&s->a[A_NODES], r->nodes_len ? r->nodes : NULL,
                       r->nodes_len);
    if (!st)
        st = arr_text(&s->a[A_TENANT], r->tenant,
                      r->tenant ? strlen(r->tenant) : 0);
    if (!st)
        st = arr_text(&s->a[A_ACTION], r->action, strlen(r->action));
    if (!st)
        st = arr_text(&s->a[A_BODY], r->body, r->body_len);
    if (st)
        return fail(s, st == CW_ENOMEM ? "out of memory"
                                       : "an append too large to send at "
                                         "once");
    /* A very large transaction (a copy) goes in parts, within it. */
    return ++s->pending >= FLUSH_ROWS ? flush(s) : CW__STORE_OK;
}

/* Row i of (idx, tenant, action, leaf, nodes, body) into *o. */
static void row_of(const PGresult *r, int i, struct cw__lrow *o)
{
    o->idx = col_u64(r, i, 0);
    o->tenant = PQgetisnull(r, i, 1) ? NULL : PQgetvalue(r, i, 1);
    o->action = PQgetvalue(r, i, 2);
    o->leaf = (const unsigned char *)PQgetvalue(r, i, 3);
    o->leaf_len = (size_t)PQgetlength(r, i, 3);
    o->nodes = PQgetisnull(r, i, 4)
                   ? NULL
                   : (const unsigned char *)PQgetvalue(r, i, 4);
    o->nodes_len = (size_t)PQgetlength(r, i, 4);
    o->body = PQgetvalue(r, i, 5);
    o->body_len = (size_t)PQgetlength(r, i, 5);
}

#define ROW_COLUMNS                                                           \
    "SELECT idx, tenant_id, action, leaf, nodes, body FROM ledger_entries "

static int pg_get(struct cw__lstore *b, uint64_t idx, struct cw__lrow *o)
{
    struct pg *s = PG(b);
    int i;
    char num[24];
    const char *v[1] = { num };
    if (idx > INT64_MAX)
        return CW__STORE_MISSING;
    FLUSHED(s);
    if ((i = find(s->pre, idx)) >= 0) {
        row_of(s->pre, i, o); /* valid until the transaction ends */
        return CW__STORE_OK;
    }
    snprintf(num, sizeof(num), "%llu", (unsigned long long)idx);
    PQclear(s->row);
    if (!(s->row = query(s, ROW_COLUMNS "WHERE idx = $1", 1, v, NULL,
                         NULL)))
        return CW__STORE_ERROR;
    if (PQntuples(s->row) != 1)
        return CW__STORE_MISSING;
    row_of(s->row, 0, o); /* valid until the next get */
    return CW__STORE_OK;
}

static void pg_prefetch(struct cw__lstore *b, const uint64_t *idx, size_t n)
{
    struct pg *s = PG(b);
    struct cw__buf a;
    const char *v[1];
    size_t i;
    enum cw_status st = CW_OK;

    if (!s->in_txn || s->pending || !n)
        return;
    forget(s);
    cw__buf_init(&a, PENDING_MAX);
    for (i = 0; !st && i < n; i++)
        st = cw__buf_printf(&a, "%c%llu", i ? ',' : '{',
                            (unsigned long long)idx[i]);
    if (!st)
        st = cw__buf_append(&a, "}", 1);
    v[0] = a.data;
    if (!st) {
        s->pre = query(s, ROW_COLUMNS "WHERE idx = ANY($1::bigint[]) "
                                      "ORDER BY idx",
                       1, v, NULL, NULL);
        s->pre_h = query(s, "SELECT * FROM ledger_hashes($1)", 1, v, NULL,
                         NULL);
    }
    cw__buf_release(&a);
}

/* Runs `sql` through a cursor, SCAN_BATCH rows per round trip, calling
 * each(arg, result, row) per row; a callback may use the store between
 * rows. Inside the caller's transaction, or in a read transaction of its
 * own. */
typedef int (*row_fn)(struct pg *s, const PGresult *r, int i, void *arg);

static int cursor_scan(struct pg *s, const char *sql, const char *param,
                       row_fn each, void *arg)
{
    char decl[2048], fetch[96], close_[64];
    const char *v[1] = { param };
    bool own = !s->in_txn;
    PGresult *r;
    int rc = CW__STORE_OK, i, n;
    bool broken = false; /* a statement failed: the transaction is over */

    FLUSHED(s);
    if (own && pg_begin(&s->base, false))
        return CW__STORE_ERROR;
    snprintf(decl, sizeof(decl), "DECLARE cw_c%u BINARY NO SCROLL CURSOR "
             "FOR %s", ++s->cursors, sql);
    snprintf(fetch, sizeof(fetch), "FETCH " SCAN_BATCH " FROM cw_c%u",
             s->cursors);
    snprintf(close_, sizeof(close_), "CLOSE cw_c%u", s->cursors);
    if (!(r = query(s, decl, param ? 1 : 0, param ? v : NULL, NULL, NULL))) {
        rc = CW__STORE_ERROR;
        broken = true;
        goto out;
    }
    PQclear(r);
    for (;;) {
        if (!(r = query(s, fetch, 0, NULL, NULL, NULL))) {
            rc = CW__STORE_ERROR;
            broken = true;
            goto out;
        }
        n = PQntuples(r);
        for (i = 0; i < n && !rc; i++)
            rc = each(s, r, i, arg);
        PQclear(r);
        if (rc || n == 0)
            break;
    }
    (void)run(s, close_);
out:
    if (own) {
        if (broken)
            pg_rollback(&s->base);
        else if (pg_commit(&s->base) && !rc)
            rc = CW__STORE_ERROR;
    }
    return rc;
}

struct entry_scan {
    cw__lrow_fn fn;
    void *arg;
};

static int entry_row(struct pg *s, const PGresult *r, int i, void *arg)
{
    struct entry_scan *x = arg;
    struct cw__lrow o;
    (void)s;
    row_of(r, i, &o);
    return x->fn(x->arg, &o);
}

static int pg_scan(struct cw__lstore *b, enum cw__lkind kind, cw__lrow_fn fn,
                   void *arg)
{
    struct entry_scan x = { fn, arg };
    const char *sql =
        kind == CW__LKIND_EVIDENCE
            ? ROW_COLUMNS "WHERE action = 'evidence.add' ORDER BY idx"
        : kind == CW__LKIND_FOUNDATION
            ? ROW_COLUMNS "WHERE action IN ('scope.init', 'scope.set', "
                          "'decision.set', 'decision.remove') ORDER BY idx"
            : ROW_COLUMNS "ORDER BY idx";
    return cursor_scan(PG(b), sql, NULL, entry_row, &x);
}

static int pg_put_run(struct cw__lstore *b, const char *tenant,
                      uint64_t first, const unsigned char *gaps, size_t n)
{
    struct pg *s = PG(b);
    char num[24];
    int len;
    enum cw_status st;

    if (first > INT64_MAX)
        return fail(s, "a tenant run beyond PostgreSQL's limits");
    len = snprintf(num, sizeof(num), "%llu", (unsigned long long)first);
    st = arr_text(&s->a[A_RUN_TENANT], tenant, strlen(tenant));
    if (!st)
        st = arr_sep(&s->a[A_RUN_FIRST]);
    if (!st)
        st = cw__buf_append(&s->a[A_RUN_FIRST], num, (size_t)len);
    if (!st)
        st = arr_bytes(&s->a[A_RUN_IDXS], n ? gaps : (const unsigned char *)"",
                       n);
    if (st)
        return fail(s, st == CW_ENOMEM ? "out of memory"
                                       : "an append too large to send at "
                                         "once");
    return ++s->pending_runs >= FLUSH_ROWS ? flush(s) : CW__STORE_OK;
}

struct run_scan {
    cw__lrun_fn fn;
    void *arg;
};

static int run_row(struct pg *s, const PGresult *r, int i, void *arg)
{
    struct run_scan *x = arg;
    if (PQgetisnull(r, i, 0))
        return fail(s, "a tenant index row has no tenant");
    return x->fn(x->arg, PQgetvalue(r, i, 0), col_u64(r, i, 1),
                 (const unsigned char *)PQgetvalue(r, i, 2),
                 (size_t)PQgetlength(r, i, 2));
}

static int pg_scan_runs(struct cw__lstore *b, const char *tenant,
                        cw__lrun_fn fn, void *arg)
{
    struct run_scan x = { fn, arg };
    /* Byte order, as SQLite sorts: a collation must not reorder them. */
    return cursor_scan(PG(b),
                       tenant ? "SELECT tenant_id, first, idxs FROM "
                                "ledger_tenant_runs WHERE tenant_id = $1 "
                                "ORDER BY first"
                              : "SELECT tenant_id, first, idxs FROM "
                                "ledger_tenant_runs ORDER BY tenant_id "
                                "COLLATE \"C\", first",
                       tenant, run_row, &x);
}

static int pg_put_checkpoint(struct cw__lstore *b, uint64_t size,
                             const char *note)
{
    struct pg *s = PG(b);
    char num[24];
    const char *v[2] = { num, note };
    FLUSHED(s);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)size);
    return command(s,
                   "INSERT INTO ledger_checkpoints(size, note) VALUES ($1, "
                   "$2) ON CONFLICT (size) DO NOTHING",
                   2, v);
}

struct cp_scan {
    cw__lcheckpoint_fn fn;
    void *arg;
};

static int cp_row(struct pg *s, const PGresult *r, int i, void *arg)
{
    struct cp_scan *x = arg;
    (void)s;
    return x->fn(x->arg, col_u64(r, i, 0), PQgetvalue(r, i, 1));
}

static int pg_scan_checkpoints(struct cw__lstore *b, bool latest,
                               cw__lcheckpoint_fn fn, void *arg)
{
    struct cp_scan x = { fn, arg };
    return cursor_scan(PG(b),
                       latest ? "SELECT size, note FROM ledger_checkpoints "
                                "ORDER BY size DESC LIMIT 1"
                              : "SELECT size, note FROM ledger_checkpoints "
                                "ORDER BY size",
                       NULL, cp_row, &x);
}

/* Evidence kept in the database: up to this size (a bytea value is read
 * and written whole, in one message); larger files are refused on a
 * PostgreSQL store (docs/scaling.md). */
#define BLOB_MAX ((size_t)64 << 20)

static int pg_blob_put(struct cw__lstore *b, const char *hash, const void *p,
                       size_t len, bool *dup)
{
    struct pg *s = PG(b);
    const char *v[2] = { hash, len ? p : "" };
    int lens[2] = { 0, (int)len }, fmt[2] = { 0, 1 };
    PGresult *r;

    if (len > BLOB_MAX)
        return CW__STORE_MISSING;
    if (!(r = query(s,
                    "INSERT INTO evidence_blobs(sha256, data) VALUES ($1, "
                    "$2) ON CONFLICT (sha256) DO NOTHING",
                    2, v, lens, fmt)))
        return CW__STORE_ERROR;
    *dup = strcmp(PQcmdTuples(r), "0") == 0;
    PQclear(r);
    return CW__STORE_OK;
}

static int pg_blob_get(struct cw__lstore *b, const char *hash, void *out)
{
    struct pg *s = PG(b);
    const char *v[1] = { hash };
    PGresult *r;
    int rc = CW__STORE_MISSING;

    if (!(r = query(s, "SELECT data FROM evidence_blobs WHERE sha256 = $1",
                    1, v, NULL, NULL)))
        return CW__STORE_ERROR;
    if (PQntuples(r) == 1)
        rc = cw__buf_append(out, PQgetvalue(r, 0, 0),
                            (size_t)PQgetlength(r, 0, 0))
                 ? fail(s, "the evidence file does not fit in memory")
                 : CW__STORE_OK;
    PQclear(r);
    return rc;
}

static void pg_scope(struct cw__lstore *b, const char *tenant)
{
    struct pg *s = PG(b);
    snprintf(s->tenant, sizeof(s->tenant), "%s", tenant ? tenant : "*");
}

static const struct cw__lstore_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .errmsg = pg_errmsg,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .meta_get = pg_meta_get,
    .meta_put = pg_meta_put,
    .size = pg_size,
    .hash = pg_hash,
    .put = pg_put,
    .get = pg_get,
    .scan = pg_scan,
    .put_run = pg_put_run,
    .scan_runs = pg_scan_runs,
    .prefetch = pg_prefetch,
    .blob_put = pg_blob_put,
    .blob_get = pg_blob_get,
    .scope = pg_scope,
    .put_checkpoint = pg_put_checkpoint,
    .scan_checkpoints = pg_scan_checkpoints,
};

/* ---- opening ------------------------------------------------------------ */

/* 1 when the server is a hot standby (a read replica), 0 when not, -1 on
 * error. */
static int in_recovery(struct pg *s)
{
    PGresult *r = query(s, "SELECT pg_is_in_recovery()", 0, NULL, NULL,
                        NULL);
    int rc;
    if (!r)
        return -1;
    rc = PQntuples(r) == 1 && PQgetlength(r, 0, 0) == 1 &&
         PQgetvalue(r, 0, 0)[0];
    PQclear(r);
    return rc;
}

/* The schema's version, read in the current transaction (*exists false
 * and 0 when there is no cw_schema); -1 on error. */
static int64_t schema_version(struct pg *s, bool *exists)
{
    PGresult *r;
    int64_t v = 0;
    bool have;

    if (!(r = query(s, "SELECT to_regclass('cw_schema') IS NOT NULL", 0,
                    NULL, NULL, NULL)))
        return -1;
    have = PQgetlength(r, 0, 0) == 1 && PQgetvalue(r, 0, 0)[0];
    PQclear(r);
    if (!(*exists = have))
        return 0;
    if (!(r = query(s, "SELECT version FROM cw_schema", 0, NULL, NULL,
                    NULL)))
        return -1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        fail(s, "cw_schema does not hold one version");
        return -1;
    }
    v = (int64_t)col_u64(r, 0, 0);
    PQclear(r);
    return v;
}

/*
 * Brings the schema to SCHEMA_VERSION in one transaction (under an
 * advisory lock: several processes may open a new database at once), or
 * on a read replica checks that it is there already: nothing can be
 * created on a replica, and a schema behind this binary is refused there
 * until the primary is opened once by its owner.
 */
static int migrate(struct pg *s, bool create)
{
    int64_t have;
    size_t v;
    char sql[96];
    bool exists;
    int replica = in_recovery(s);

    if (replica < 0)
        return CW__STORE_ERROR;
    if (run(s, replica ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                       : "BEGIN") ||
        (!replica &&
         run(s, "SELECT pg_advisory_xact_lock(" LOCK_SCHEMA ")")))
        return CW__STORE_ERROR;
    if ((have = schema_version(s, &exists)) < 0)
        goto bad;
    if (!exists && (!create || replica)) {
        (void)run(s, "ROLLBACK");
        return CW__STORE_MISSING;
    }
    if ((uint64_t)have > SCHEMA_VERSION) {
        snprintf(s->err, sizeof(s->err),
                 "the database was written by a newer cloudward (schema "
                 "version %lld; this one reads up to %zu): upgrade "
                 "cloudward",
                 (long long)have, SCHEMA_VERSION);
        goto bad;
    }
    if (replica && (uint64_t)have < SCHEMA_VERSION) {
        snprintf(s->err, sizeof(s->err),
                 "this read replica's store is at schema version %lld and "
                 "this cloudward needs %zu: open the primary once as the "
                 "store's owner to bring it up to date",
                 (long long)have, SCHEMA_VERSION);
        goto bad;
    }
    if (replica)
        return run(s, "COMMIT");
    if (!exists && run(s, "CREATE TABLE cw_schema(version bigint NOT NULL);"
                          "INSERT INTO cw_schema VALUES (0)"))
        goto bad;
    for (v = (size_t)have; v < SCHEMA_VERSION; v++)
        if (run(s, migrations[v]))
            goto bad;
    snprintf(sql, sizeof(sql), "UPDATE cw_schema SET version = %zu",
             SCHEMA_VERSION);
    if ((uint64_t)have < SCHEMA_VERSION && run(s, sql))
        goto bad;
    return run(s, "COMMIT");
bad:
    (void)run(s, "ROLLBACK");
    return CW__STORE_ERROR;
}

int cw__lstore_pg_open(const char *url, const char *tenant, bool create,
                       struct cw__lstore **out, char *err, size_t n)
{
    struct pg *s;
    size_t i;
    int rc = CW__STORE_ERROR;

    *out = NULL;
    if (!(s = cw__calloc(1, sizeof(*s)))) {
        snprintf(err, n, "out of memory");
        return CW__STORE_ERROR;
    }
    s->base.ops = &pg_ops;
    snprintf(s->tenant, sizeof(s->tenant), "%s", tenant ? tenant : "*");
    for (i = 0; i < A_COUNT; i++)
        cw__buf_init(&s->a[i], PENDING_MAX);
    if (!(s->db = cw__pg_connect(url, tenant, err, n)))
        goto out;
    s->url = cw__strdup(url); /* none: closed rather than parked */
    if ((rc = migrate(s, create)) == CW__STORE_MISSING) {
        snprintf(err, n, "the database holds no cloudward store; nothing "
                         "was created");
        goto out;
    }
    if (rc)
        goto dberr;
    *out = &s->base;
    return CW__STORE_OK;
dberr:
    rc = CW__STORE_ERROR;
    snprintf(err, n, "%s", s->err);
out:
    pg_close(&s->base);
    return rc;
}
