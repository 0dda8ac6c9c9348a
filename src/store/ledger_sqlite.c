/*
 * ledger_sqlite.c - the ledger's store in SQLite (ledger_store.h).
 *
 *   entries(idx, tenant, action, leaf, body, nodes)
 *       one row per entry, idx the rowid. The tree lives in these rows
 *       (nodes: the even-level subtrees the entry completes), so an
 *       append writes one row per entry and nothing else.
 *   tenant_runs(tenant, first, idxs)   WITHOUT ROWID, by (tenant, first)
 *   checkpoints(size, note)
 *   meta(key, value)
 *
 * Only the actions something looks up are indexed (partial indexes), so
 * other appends save a b-tree insert. WAL with synchronous=FULL: COMMIT
 * returns after the WAL is synced. BEGIN IMMEDIATE takes the write lock
 * at once; other processes wait up to 30 s for it.
 */
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>

#include <sqlite3.h>

#include "../core/core.h"
#include "ledger_store.h"

#define EVIDENCE_ACTIONS "action = 'evidence.add'"
/* ORs, not IN: SQLite evaluates a partial index's IN list through a
 * temporary b-tree built on every insert, a third of an append. */
#define FOUNDATION_ACTIONS                                                    \
    "(action = 'scope.init' OR action = 'scope.set' OR "                     \
    "action = 'decision.set' OR action = 'decision.remove')"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS entries(idx INTEGER PRIMARY KEY,"
    " tenant TEXT, action TEXT NOT NULL, leaf BLOB NOT NULL,"
    " body TEXT NOT NULL, nodes BLOB);"
    "CREATE TABLE IF NOT EXISTS tenant_runs(tenant TEXT NOT NULL,"
    " first INTEGER NOT NULL, idxs BLOB NOT NULL, PRIMARY KEY(tenant, first))"
    " WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS entries_evidence ON entries(idx)"
    " WHERE " EVIDENCE_ACTIONS ";"
    "CREATE INDEX IF NOT EXISTS entries_foundation ON entries(idx)"
    " WHERE " FOUNDATION_ACTIONS ";"
    "CREATE TABLE IF NOT EXISTS checkpoints(size INTEGER PRIMARY KEY,"
    " note TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY,"
    " value TEXT NOT NULL);";

/* The statements prepared once, by what they do. */
enum {
    Q_LEAF,
    Q_NODES,
    Q_GET,
    Q_PUT,
    Q_RUN,
    Q_SIZE,
    Q_COUNT
};

static const char *const sql[Q_COUNT] = {
    "SELECT leaf FROM entries WHERE idx = ?",
    "SELECT nodes FROM entries WHERE idx = ?",
    "SELECT idx, tenant, action, leaf, nodes, body FROM entries "
    "WHERE idx = ?",
    "INSERT INTO entries(idx, tenant, action, leaf, nodes, body) "
    "VALUES (?, ?, ?, ?, ?, ?)",
    "INSERT INTO tenant_runs(tenant, first, idxs) VALUES (?, ?, ?)",
    "SELECT COALESCE(MAX(idx) + 1, 0) FROM entries",
};

struct sq {
    struct cw__lstore base;
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
    char err[256]; /* a message of our own, when SQLite has none */
};

#define SQ(s) ((struct sq *)(void *)(s))

static int exec(struct sq *s, const char *text)
{
    return sqlite3_exec(s->db, text, NULL, NULL, NULL) == SQLITE_OK
               ? CW__STORE_OK
               : CW__STORE_ERROR;
}

static int fail(struct sq *s, const char *why)
{
    snprintf(s->err, sizeof(s->err), "%s", why);
    return CW__STORE_ERROR;
}

/* ---- opening: layout and what earlier versions wrote ------------------ */

/* 1 when the schema has an object of `type` called `name`, 0 when not,
 * -1 on error. */
static int has(struct sq *s, const char *type, const char *name)
{
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT 1 FROM sqlite_master WHERE "
                                "type = ? AND name = ?",
                                -1, &q, NULL);
    if (rc)
        return -1;
    sqlite3_bind_text(q, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Stores made before the tree moved into the entry rows kept it in a
 * nodes(level, idx, hash) table: each hash goes to the row of its
 * subtree's last leaf, in level order, and the table goes. */
static int migrate_nodes(struct sq *s)
{
    sqlite3_stmt *q = NULL, *u = NULL;
    unsigned char blob[32 * 32];
    sqlite3_int64 row = -1;
    size_t len = 0;
    int rc;

    if (sqlite3_prepare_v2(s->db, "SELECT nodes FROM entries LIMIT 0", -1,
                           &q, NULL) != SQLITE_OK &&
        exec(s, "ALTER TABLE entries ADD COLUMN nodes BLOB"))
        return CW__STORE_ERROR;
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT ((idx + 1) << level) - 1, hash "
                           "FROM nodes ORDER BY 1, level",
                           -1, &q, NULL) ||
        sqlite3_prepare_v2(s->db, "UPDATE entries SET nodes = ? WHERE idx = ?",
                           -1, &u, NULL))
        goto bad;
    for (;;) {
        rc = sqlite3_step(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            goto bad;
        if (row >= 0 &&
            (rc == SQLITE_DONE || sqlite3_column_int64(q, 0) != row)) {
            sqlite3_reset(u);
            sqlite3_bind_blob(u, 1, blob, (int)len, SQLITE_STATIC);
            sqlite3_bind_int64(u, 2, row);
            if (sqlite3_step(u) != SQLITE_DONE)
                goto bad;
            len = 0;
        }
        if (rc == SQLITE_DONE)
            break;
        row = sqlite3_column_int64(q, 0);
        if (sqlite3_column_bytes(q, 1) != 32 || len + 32 > sizeof(blob))
            goto bad;
        memcpy(blob + len, sqlite3_column_blob(q, 1), 32);
        len += 32;
    }
    sqlite3_finalize(q);
    sqlite3_finalize(u);
    return exec(s, "DROP TABLE nodes");
bad:
    sqlite3_finalize(q);
    sqlite3_finalize(u);
    return CW__STORE_ERROR;
}

/* Brings a store written by an earlier version to this layout, inside
 * the opening transaction: all or nothing. */
static int migrate(struct sq *s)
{
    int rc;
    /* An index on entries(tenant) became tenant_runs: one run per entry
     * says the same. */
    if ((rc = has(s, "index", "entries_tenant")) < 0)
        return CW__STORE_ERROR;
    if (rc && exec(s, "INSERT INTO tenant_runs(tenant, first, idxs) "
                      "SELECT tenant, idx, x'' FROM entries WHERE "
                      "tenant IS NOT NULL; DROP INDEX entries_tenant;"))
        return CW__STORE_ERROR;
    if ((rc = has(s, "table", "nodes")) < 0)
        return CW__STORE_ERROR;
    return rc ? migrate_nodes(s) : CW__STORE_OK;
}

/* ---- operations -------------------------------------------------------- */

static void sq_close(struct cw__lstore *b)
{
    struct sq *s = SQ(b);
    size_t i;
    if (!s)
        return;
    for (i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    sqlite3_close(s->db);
    cw__free(s);
}

static const char *sq_errmsg(struct cw__lstore *b)
{
    struct sq *s = SQ(b);
    if (s->err[0])
        return s->err;
    return s->db ? sqlite3_errmsg(s->db) : "out of memory";
}

static int sq_begin(struct cw__lstore *b, bool write)
{
    SQ(b)->err[0] = '\0';
    return exec(SQ(b), write ? "BEGIN IMMEDIATE" : "BEGIN");
}

/* Statements left stepped (a row get() handed out) end with their
 * transaction. */
static void reset_all(struct sq *s)
{
    size_t i;
    for (i = 0; i < Q_COUNT; i++)
        sqlite3_reset(s->q[i]);
}

static int sq_commit(struct cw__lstore *b)
{
    reset_all(SQ(b));
    return exec(SQ(b), "COMMIT");
}

static void sq_rollback(struct cw__lstore *b)
{
    reset_all(SQ(b));
    (void)exec(SQ(b), "ROLLBACK");
}

static int sq_meta_get(struct cw__lstore *b, const char *key, char *out,
                       size_t n)
{
    struct sq *s = SQ(b);
    sqlite3_stmt *q;
    int rc;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?", -1,
                           &q, NULL) != SQLITE_OK)
        return CW__STORE_ERROR;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return rc == SQLITE_ROW    ? CW__STORE_OK
           : rc == SQLITE_DONE ? CW__STORE_MISSING
                               : CW__STORE_ERROR;
}

/* Runs a one-off write whose first parameter is `key` (text, or the
 * integer `num` when key is NULL) and whose second is `value`. */
static int write_once(struct sq *s, const char *text, const char *key,
                      sqlite3_int64 num, const char *value)
{
    sqlite3_stmt *q;
    int rc;
    if (sqlite3_prepare_v2(s->db, text, -1, &q, NULL) != SQLITE_OK)
        return CW__STORE_ERROR;
    if (key)
        sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(q, 1, num);
    sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? CW__STORE_OK : CW__STORE_ERROR;
}

static int sq_meta_put(struct cw__lstore *b, const char *key,
                       const char *value)
{
    return write_once(SQ(b),
                      "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                      key, 0, value);
}

static int sq_size(struct cw__lstore *b, uint64_t *n)
{
    sqlite3_stmt *q = SQ(b)->q[Q_SIZE];
    int rc;
    sqlite3_reset(q);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *n = (uint64_t)sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return rc == SQLITE_ROW ? CW__STORE_OK : CW__STORE_ERROR;
}

static int sq_hash(struct cw__lstore *b, uint64_t idx, unsigned slot,
                   unsigned char out[32])
{
    sqlite3_stmt *q = SQ(b)->q[slot ? Q_NODES : Q_LEAF];
    size_t off = slot ? (size_t)(slot - 1) * 32 : 0;
    int rc;

    if (idx > INT64_MAX)
        return CW__STORE_MISSING;
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, (sqlite3_int64)idx);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW &&
        (size_t)sqlite3_column_bytes(q, 0) >= off + 32 &&
        (slot || sqlite3_column_bytes(q, 0) == 32)) {
        memcpy(out, (const unsigned char *)sqlite3_column_blob(q, 0) + off,
               32);
        sqlite3_reset(q);
        return CW__STORE_OK;
    }
    sqlite3_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? CW__STORE_MISSING
                                                 : CW__STORE_ERROR;
}

static int sq_put(struct cw__lstore *b, const struct cw__lrow *r)
{
    sqlite3_stmt *q = SQ(b)->q[Q_PUT];
    int rc;
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, (sqlite3_int64)r->idx);
    if (r->tenant)
        sqlite3_bind_text(q, 2, r->tenant, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 2);
    sqlite3_bind_text(q, 3, r->action, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 4, r->leaf, (int)r->leaf_len, SQLITE_STATIC);
    if (r->nodes_len)
        sqlite3_bind_blob(q, 5, r->nodes, (int)r->nodes_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 5);
    sqlite3_bind_text(q, 6, r->body, (int)r->body_len, SQLITE_STATIC);
    rc = sqlite3_step(q);
    return rc == SQLITE_DONE ? CW__STORE_OK : CW__STORE_ERROR;
}

/* A row of (idx, tenant, action, leaf, nodes, body) into *r. */
static void row_of(sqlite3_stmt *q, struct cw__lrow *r)
{
    r->idx = (uint64_t)sqlite3_column_int64(q, 0);
    r->tenant = (const char *)sqlite3_column_text(q, 1);
    r->action = (const char *)sqlite3_column_text(q, 2);
    r->leaf = sqlite3_column_blob(q, 3);
    r->leaf_len = (size_t)sqlite3_column_bytes(q, 3);
    r->nodes = sqlite3_column_blob(q, 4);
    r->nodes_len = (size_t)sqlite3_column_bytes(q, 4);
    r->body = (const char *)sqlite3_column_text(q, 5);
    r->body_len = (size_t)sqlite3_column_bytes(q, 5);
}

static int sq_get(struct cw__lstore *b, uint64_t idx, struct cw__lrow *r)
{
    sqlite3_stmt *q = SQ(b)->q[Q_GET];
    int rc;
    if (idx > INT64_MAX)
        return CW__STORE_MISSING;
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, (sqlite3_int64)idx);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        row_of(q, r); /* valid until the next get */
        return CW__STORE_OK;
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? CW__STORE_MISSING : CW__STORE_ERROR;
}

/* The end of a scan: what its callback stopped with, else whether the
 * statement ran to its end. */
static int scan_end(sqlite3_stmt *q, int rc, int stop)
{
    sqlite3_finalize(q);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? CW__STORE_OK : CW__STORE_ERROR;
}

static int sq_scan(struct cw__lstore *b, enum cw__lkind kind, cw__lrow_fn fn,
                   void *arg)
{
    struct sq *s = SQ(b);
    sqlite3_stmt *q;
    struct cw__lrow r;
    int rc, stop = 0;
    /* Each WHERE is word for word its partial index's, so SQLite reads
     * the index, not the table. */
    const char *text =
        kind == CW__LKIND_EVIDENCE
            ? "SELECT idx, tenant, action, leaf, nodes, body FROM entries "
              "WHERE " EVIDENCE_ACTIONS " ORDER BY idx"
        : kind == CW__LKIND_FOUNDATION
            ? "SELECT idx, tenant, action, leaf, nodes, body FROM entries "
              "WHERE " FOUNDATION_ACTIONS " ORDER BY idx"
            : "SELECT idx, tenant, action, leaf, nodes, body FROM entries "
              "ORDER BY idx";

    if (sqlite3_prepare_v2(s->db, text, -1, &q, NULL) != SQLITE_OK)
        return CW__STORE_ERROR;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        row_of(q, &r);
        if ((stop = fn(arg, &r)) != 0)
            break;
    }
    return scan_end(q, rc, stop);
}

static int sq_put_run(struct cw__lstore *b, const char *tenant,
                      uint64_t first, const unsigned char *gaps, size_t n)
{
    sqlite3_stmt *q = SQ(b)->q[Q_RUN];
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)first);
    sqlite3_bind_blob(q, 3, n ? (const void *)gaps : "", (int)n,
                      SQLITE_STATIC);
    return sqlite3_step(q) == SQLITE_DONE ? CW__STORE_OK : CW__STORE_ERROR;
}

static int sq_scan_runs(struct cw__lstore *b, const char *tenant,
                        cw__lrun_fn fn, void *arg)
{
    struct sq *s = SQ(b);
    sqlite3_stmt *q;
    int rc, stop = 0;
    if (sqlite3_prepare_v2(s->db,
                           tenant ? "SELECT tenant, first, idxs FROM "
                                    "tenant_runs WHERE tenant = ? "
                                    "ORDER BY first"
                                  : "SELECT tenant, first, idxs FROM "
                                    "tenant_runs ORDER BY tenant, first",
                           -1, &q, NULL) != SQLITE_OK)
        return CW__STORE_ERROR;
    if (tenant)
        sqlite3_bind_text(q, 1, tenant, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(q, 0);
        if (!t) {
            stop = fail(s, "a tenant index row has no tenant");
            break;
        }
        if ((stop = fn(arg, t, (uint64_t)sqlite3_column_int64(q, 1),
                       sqlite3_column_blob(q, 2),
                       (size_t)sqlite3_column_bytes(q, 2))) != 0)
            break;
    }
    return scan_end(q, rc, stop);
}

static int sq_put_checkpoint(struct cw__lstore *b, uint64_t size,
                             const char *note)
{
    return write_once(SQ(b),
                      "INSERT OR IGNORE INTO checkpoints(size, note) "
                      "VALUES (?, ?)",
                      NULL, (sqlite3_int64)size, note);
}

static int sq_scan_checkpoints(struct cw__lstore *b, bool latest,
                               cw__lcheckpoint_fn fn, void *arg)
{
    struct sq *s = SQ(b);
    sqlite3_stmt *q;
    int rc, stop = 0;
    if (sqlite3_prepare_v2(s->db,
                           latest ? "SELECT size, note FROM checkpoints "
                                    "ORDER BY size DESC LIMIT 1"
                                  : "SELECT size, note FROM checkpoints "
                                    "ORDER BY size",
                           -1, &q, NULL) != SQLITE_OK)
        return CW__STORE_ERROR;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *note = (const char *)sqlite3_column_text(q, 1);
        if ((stop = fn(arg, (uint64_t)sqlite3_column_int64(q, 0),
                       note ? note : "")) != 0)
            break;
    }
    return scan_end(q, rc, stop);
}

static const struct cw__lstore_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .errmsg = sq_errmsg,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .meta_get = sq_meta_get,
    .meta_put = sq_meta_put,
    .size = sq_size,
    .hash = sq_hash,
    .put = sq_put,
    .get = sq_get,
    .scan = sq_scan,
    .put_run = sq_put_run,
    .scan_runs = sq_scan_runs,
    .put_checkpoint = sq_put_checkpoint,
    .scan_checkpoints = sq_scan_checkpoints,
};

int cw__lstore_sqlite_open(const char *path, struct cw__lstore **out,
                           char *err, size_t n)
{
    struct sq *s;
    size_t i;

    *out = NULL;
    if (!(s = cw__calloc(1, sizeof(*s)))) {
        snprintf(err, n, "out of memory");
        return CW__STORE_ERROR;
    }
    s->base.ops = &sqlite_ops;
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
                        NULL) != SQLITE_OK)
        goto bad;
    sqlite3_busy_timeout(s->db, 30000);
    if (exec(s, "PRAGMA journal_mode=WAL") ||
        exec(s, "PRAGMA synchronous=FULL") || exec(s, "BEGIN IMMEDIATE"))
        goto bad;
    if (exec(s, schema) || migrate(s) || exec(s, "COMMIT")) {
        snprintf(err, n, "cannot create the tables: %s",
                 sqlite3_errmsg(s->db));
        exec(s, "ROLLBACK");
        sq_close(&s->base);
        return CW__STORE_ERROR;
    }
    for (i = 0; i < Q_COUNT; i++)
        if (sqlite3_prepare_v2(s->db, sql[i], -1, &s->q[i], NULL) !=
            SQLITE_OK)
            goto bad;
    *out = &s->base;
    return CW__STORE_OK;
bad:
    snprintf(err, n, "%s", s->db ? sqlite3_errmsg(s->db) : "out of memory");
    sq_close(&s->base);
    return CW__STORE_ERROR;
}
