/*
 * runs_db.c - scan runs as data (cw_runs.h): in STORE/results.db for a
 * folder store, in the database of a PostgreSQL store (the same tables;
 * sql.h runs the same statements on both).
 *
 * A large config scan stores a million results: one SQL row each would
 * cost more than the scan (SQLite inserts some 700k rows a second here),
 * so results are kept in chunks of up to 4096, each one row holding them
 * packed (the record below); reasons and file names are interned in their
 * own tables and results refer to them by number. The 500k-resource plan's
 * 1.2 million stored results take a few bytes each instead of the
 * report's 650.
 *
 *   packs(id, name, kind, title, digest)   one row per exact pack text
 *   checks(pack, idx, id, title, severity, controls, refs)
 *   runs(id, kind, pack, target, started, seconds, actor,
 *        n_pass, n_fail, n_na, n_unknown, n_error, n_stored)
 *   reasons(id, text)   files(id, path)
 *   chunks(run, seq, n, data)   results seq*4096 ... in `data`
 *   passes(run, chk, n)         a config run's passes, counted per check
 *   uncovered(run, seq, address, type, file, line)
 *                               a config run's resources no check knows
 *                               (the first CW_UNCOVERED_MAX; runs.
 *                               n_uncovered counts them all)
 *
 * A chunk's data: a format byte (1), then per result
 *   varint check index, verdict byte, varint reason id + 1 (0: none),
 *   varint file id + 1 (0: none), varint line,
 *   varint resource tag: 0 none, else the length of the prefix it shares
 *   with the previous result's resource + 1, then varint suffix length and
 *   the suffix bytes (a config scan lists a resource's results together,
 *   and addresses share their module paths).
 *
 * The schema's version is PRAGMA user_version (SQLite), or on
 * PostgreSQL the whole database's (ledger_pg.c, which creates these
 * tables too); each newer version is a forward migration run in the
 * opening transaction, and a store written by a newer cloudward is
 * refused. Every run is saved in one transaction: whole or not at all.
 * Runs are the provider's own (its hosts, its plans): not tenant-scoped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>
#include <sys/stat.h>

#include <cloudward/cw_ledger.h>
#include <cloudward/cw_runs.h>

#include "../core/core.h"
#include "runs.h"
#include "sql.h"
#include "store_db.h"

#define CHUNK 4096
#define FORMAT 1

/* Schema version N is migrations[N - 1] applied to version N - 1. */
static const char *const migrations[] = {
    "CREATE TABLE packs(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " kind TEXT NOT NULL, title TEXT, digest TEXT NOT NULL UNIQUE);"
    "CREATE TABLE checks(pack INTEGER NOT NULL, idx INTEGER NOT NULL,"
    " id TEXT NOT NULL, title TEXT NOT NULL, severity INTEGER NOT NULL,"
    " controls TEXT NOT NULL, refs TEXT NOT NULL, PRIMARY KEY(pack, idx))"
    " WITHOUT ROWID;"
    "CREATE TABLE runs(id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
    " pack INTEGER NOT NULL, target TEXT NOT NULL, started TEXT NOT NULL,"
    " seconds REAL NOT NULL, actor TEXT, n_pass INTEGER NOT NULL,"
    " n_fail INTEGER NOT NULL, n_na INTEGER NOT NULL,"
    " n_unknown INTEGER NOT NULL, n_error INTEGER NOT NULL,"
    " n_stored INTEGER NOT NULL);"
    "CREATE TABLE reasons(id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);"
    "CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);"
    "CREATE TABLE chunks(run INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(run, seq))"
    " WITHOUT ROWID;"
    "CREATE TABLE passes(run INTEGER NOT NULL, chk INTEGER NOT NULL,"
    " n INTEGER NOT NULL, PRIMARY KEY(run, chk)) WITHOUT ROWID;",
    /* 2: a config run's resources no check knows (cw_results_uncovered_at),
     * and how many there were in all */
    "CREATE TABLE uncovered(run INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " address TEXT NOT NULL, type TEXT NOT NULL, file TEXT,"
    " line INTEGER NOT NULL, PRIMARY KEY(run, seq)) WITHOUT ROWID;"
    "ALTER TABLE runs ADD COLUMN n_uncovered INTEGER NOT NULL DEFAULT 0;",
};

/* Saves queue on this advisory lock ("cwruns"), not the ledger's. */
#define RUNS_LOCK 0x637772756e73LL

struct db {
    struct cw__db *h;
    const char *path; /* as messages name it (a URL without password) */
    struct cw_diag *d;
};

static enum cw_status db_fail(struct db *db, const char *what)
{
    return cw__diag_set(db->d, CW_EIO, db->path, 0, 0, "%s: %s", what,
                        cw__db_errmsg(db->h));
}

static bool exec(struct db *db, const char *sql)
{
    return cw__db_exec(db->h, sql);
}

static void db_close(struct db *db)
{
    cw__db_close(db->h);
    db->h = NULL;
}

static const struct cw__part part = {
    "results.db", "results", migrations,
    sizeof(migrations) / sizeof(migrations[0])
};

/*
 * Opens the runs of `store` (store_db.h): the folder's results.db, or the
 * tables of a PostgreSQL store. `create`: they may be created (saving);
 * otherwise a store without them sets *absent, creating nothing (db->h
 * stays NULL).
 */
static enum cw_status db_open(struct db *db, const char *store, bool create,
                              char *path, size_t n, bool *absent,
                              struct cw_diag *d)
{
    memset(db, 0, sizeof(*db));
    db->d = d;
    db->path = path;
    return cw__store_db_open(store, &part, create, &db->h, path, n, absent,
                             d);
}

/* ---- the packed records --------------------------------------------------- */

static enum cw_status put_varint(struct cw__buf *b, uint64_t v)
{
    unsigned char t[10];
    return cw__buf_append(b, t, cw__varint_put(t, v));
}

/* Interned strings by their address (results share them) to their row id
 * in `table`, inserted when new. */
struct ids {
    const char **key;
    int64_t *val;
    size_t n, cap;
    struct cw__q *ins, *sel;
};

static enum cw_status id_of(struct db *db, struct ids *m, const char *s,
                            int64_t *out)
{
    size_t i, mask;

    if (2 * (m->n + 1) > m->cap) {
        size_t na = m->cap ? 2 * m->cap : 1024, k;
        const char **nk = cw__calloc(na, sizeof(*nk));
        int64_t *nv = cw__calloc(na, sizeof(*nv));
        if (!nk || !nv) {
            cw__free(nk);
            cw__free(nv);
            return cw__diag_set(db->d, CW_ENOMEM, NULL, 0, 0,
                                "out of memory");
        }
        for (k = 0; k < m->cap; k++) {
            if (!m->key[k])
                continue;
            for (i = ((uintptr_t)m->key[k] >> 3) & (na - 1); nk[i];
                 i = (i + 1) & (na - 1))
                ;
            nk[i] = m->key[k];
            nv[i] = m->val[k];
        }
        cw__free(m->key);
        cw__free(m->val);
        m->key = nk;
        m->val = nv;
        m->cap = na;
    }
    mask = m->cap - 1;
    for (i = ((uintptr_t)s >> 3) & mask; m->key[i]; i = (i + 1) & mask)
        if (m->key[i] == s) {
            *out = m->val[i];
            return CW_OK;
        }
    cw__q_reset(m->ins);
    cw__q_text(m->ins, 1, s);
    if (cw__q_step(m->ins) != CW__Q_DONE)
        return db_fail(db, "cannot save");
    cw__q_reset(m->sel);
    cw__q_text(m->sel, 1, s);
    if (cw__q_step(m->sel) != CW__Q_ROW)
        return db_fail(db, "cannot save");
    *out = cw__col_int64(m->sel, 0);
    m->key[i] = s;
    m->val[i] = *out;
    m->n++;
    return CW_OK;
}

static enum cw_status prepare(struct db *db, const char *sql,
                              struct cw__q **q)
{
    return cw__db_prepare(db->h, sql, q) ? CW_OK
                                         : db_fail(db, "cannot prepare");
}

/* The statements interning into `table`'s column `col`. PostgreSQL keys
 * them by MD5 (migrations_pg), so it looks them up by it. */
static enum cw_status ids_prepare(struct db *db, struct ids *m,
                                  const char *table, const char *col)
{
    char ins[128], sel[160];
    enum cw_status st;
    snprintf(ins, sizeof(ins),
             "INSERT INTO %s(%s) VALUES (?1) ON CONFLICT DO NOTHING", table,
             col);
    if (cw__db_is_pg(db->h))
        snprintf(sel, sizeof(sel),
                 "SELECT id FROM %s WHERE md5(%s) = md5(?1) AND %s = ?1",
                 table, col, col);
    else
        snprintf(sel, sizeof(sel), "SELECT id FROM %s WHERE %s = ?1", table,
                 col);
    if ((st = prepare(db, ins, &m->ins)))
        return st;
    return prepare(db, sel, &m->sel);
}

static void ids_free(struct ids *m)
{
    cw__q_finalize(m->ins);
    cw__q_finalize(m->sel);
    cw__free(m->key);
    cw__free(m->val);
}


/* ---- saving ------------------------------------------------------------- */

/* The pack's row, with its checks, added the first time it is seen. */
static enum cw_status pack_row(struct db *db, const struct cw_pack *p,
                               const char *kind, int64_t *out)
{
    struct cw__q *q = NULL;
    enum cw_status st;
    size_t i, k;

    if ((st = prepare(db, "SELECT id FROM packs WHERE digest = ?", &q)))
        return st;
    cw__q_text(q, 1, cw_pack_digest(p));
    if (cw__q_step(q) == CW__Q_ROW) {
        *out = cw__col_int64(q, 0);
        cw__q_finalize(q);
        return CW_OK;
    }
    cw__q_finalize(q);
    if ((st = prepare(db,
                      "INSERT INTO packs(name, kind, title, digest) "
                      "VALUES (?, ?, ?, ?) RETURNING id",
                      &q)))
        return st;
    cw__q_text(q, 1, cw_pack_name(p));
    cw__q_text(q, 2, kind);
    cw__q_text(q, 3, cw_pack_title(p));
    cw__q_text(q, 4, cw_pack_digest(p));
    if (cw__q_step(q) != CW__Q_ROW) {
        cw__q_finalize(q);
        return db_fail(db, "cannot save");
    }
    *out = cw__col_int64(q, 0);
    cw__q_finalize(q);
    if ((st = prepare(db,
                      "INSERT INTO checks(pack, idx, id, title, severity, "
                      "controls, refs) VALUES (?, ?, ?, ?, ?, ?, ?)",
                      &q)))
        return st;
    for (i = 0; !st && i < cw_pack_count(p); i++) {
        const struct cw_check *c = cw_pack_check_at(p, i);
        struct cw__buf ctl, refs;
        cw__buf_init(&ctl, SIZE_MAX);
        cw__buf_init(&refs, SIZE_MAX);
        for (k = 0; !st && k < c->ncontrols; k++)
            st = cw__buf_printf(&ctl, "%s%s %s", k ? "\n" : "",
                                c->controls[k].catalog, c->controls[k].id);
        for (k = 0; !st && k < c->nrefs; k++)
            st = cw__buf_printf(&refs, "%s%s:%s", k ? "\n" : "",
                                c->refs[k].scheme, c->refs[k].id);
        if (!st) {
            cw__q_reset(q);
            cw__q_int64(q, 1, *out);
            cw__q_int64(q, 2, (int64_t)i);
            cw__q_text(q, 3, c->id);
            cw__q_text(q, 4, c->title);
            cw__q_int64(q, 5, (int)c->severity);
            cw__q_text(q, 6, ctl.data ? ctl.data : "");
            cw__q_text(q, 7, refs.data ? refs.data : "");
            if (cw__q_step(q) != CW__Q_DONE)
                st = db_fail(db, "cannot save");
        }
        cw__buf_release(&ctl);
        cw__buf_release(&refs);
    }
    cw__q_finalize(q);
    return st;
}

static size_t shared_prefix(const char *a, const char *b)
{
    size_t i = 0;
    if (!a)
        return 0;
    while (a[i] && a[i] == b[i])
        i++;
    return i;
}

static enum cw_status save_chunks(struct db *db, const struct cw_results *r,
                                  int64_t run)
{
    const struct cw_pack *p = cw_results_pack(r);
    struct ids reasons = { 0 }, files = { 0 };
    struct cw__q *q = NULL;
    struct cw__buf b;
    enum cw_status st;
    size_t i, n = cw_results_count(r), inchunk = 0, seq = 0;
    const char *prev = NULL;

    cw__buf_init(&b, SIZE_MAX);
    if ((st = ids_prepare(db, &reasons, "reasons", "text")) ||
        (st = ids_prepare(db, &files, "files", "path")) ||
        (st = prepare(db,
                      "INSERT INTO chunks(run, seq, n, data) "
                      "VALUES (?, ?, ?, ?)",
                      &q)))
        goto out;
    for (i = 0; !st && i <= n; i++) {
        const struct cw_result *x;
        int64_t rid = -1, fid = -1;
        if ((i == n && inchunk) || inchunk == CHUNK) {
            cw__q_reset(q);
            cw__q_int64(q, 1, run);
            cw__q_int64(q, 2, (int64_t)seq++);
            cw__q_int64(q, 3, (int64_t)inchunk);
            cw__q_blob(q, 4, b.data, b.len);
            if (cw__q_step(q) != CW__Q_DONE) {
                st = db_fail(db, "cannot save");
                break;
            }
            inchunk = 0;
            prev = NULL;
        }
        if (i == n)
            break;
        if (!inchunk) {
            b.len = 0;
            if ((st = cw__buf_append(&b, "\x01", 1)))
                break;
        }
        x = cw_results_at(r, i);
        if ((x->reason && (st = id_of(db, &reasons, x->reason, &rid))) ||
            (x->file && (st = id_of(db, &files, x->file, &fid))))
            break;
        {
            unsigned char v = (unsigned char)x->verdict;
            st = put_varint(&b, cw_pack_check_index(p, x->check));
            if (!st)
                st = cw__buf_append(&b, &v, 1);
            if (!st)
                st = put_varint(&b, (uint64_t)(rid + 1));
            if (!st)
                st = put_varint(&b, (uint64_t)(fid + 1));
            if (!st)
                st = put_varint(&b, x->line);
        }
        if (!st && !x->resource) {
            st = put_varint(&b, 0);
        } else if (!st) {
            size_t k = shared_prefix(prev, x->resource);
            size_t rest = strlen(x->resource + k);
            st = put_varint(&b, k + 1);
            if (!st)
                st = put_varint(&b, rest);
            if (!st)
                st = cw__buf_append(&b, x->resource + k, rest);
            prev = x->resource;
        }
        inchunk++;
    }
    cw__q_finalize(q);
    q = NULL;
    if (st || (st = prepare(db,
                            "INSERT INTO passes(run, chk, n) VALUES (?, ?, ?)",
                            &q)))
        goto out;
    for (i = 0; !st && i < cw_pack_count(p); i++) {
        size_t np = cw_results_passes_of(r, i);
        if (!np)
            continue;
        cw__q_reset(q);
        cw__q_int64(q, 1, run);
        cw__q_int64(q, 2, (int64_t)i);
        cw__q_int64(q, 3, (int64_t)np);
        if (cw__q_step(q) != CW__Q_DONE)
            st = db_fail(db, "cannot save");
    }
    cw__q_finalize(q);
    q = NULL;
    if (!st && cw_results_uncovered_total(r) &&
        !(st = prepare(db,
                       "INSERT INTO uncovered(run, seq, address, type, file, "
                       "line) VALUES (?, ?, ?, ?, ?, ?)",
                       &q))) {
        for (i = 0; !st && i < cw_results_uncovered_count(r); i++) {
            const struct cw_uncovered *u = cw_results_uncovered_at(r, i);
            cw__q_reset(q);
            cw__q_int64(q, 1, run);
            cw__q_int64(q, 2, (int64_t)i);
            cw__q_text(q, 3, u->address);
            cw__q_text(q, 4, u->type);
            cw__q_text(q, 5, u->file);
            cw__q_int64(q, 6, (int64_t)u->line);
            if (cw__q_step(q) != CW__Q_DONE)
                st = db_fail(db, "cannot save");
        }
    }
out:
    cw__q_finalize(q);
    ids_free(&reasons);
    ids_free(&files);
    cw__buf_release(&b);
    return st;
}

enum cw_status cw_results_save(const struct cw_results *r, const char *store,
                               const char *kind, const char *actor,
                               int64_t *run, struct cw_diag *d)
{
    char path[4200];
    struct db db;
    struct cw__q *q = NULL;
    enum cw_status st;
    int64_t pack = 0, id = 0;
    bool absent;

    if ((st = db_open(&db, store, true, path, sizeof(path), &absent, d)))
        return st;
    if (!cw__db_begin_write(db.h, RUNS_LOCK)) {
        st = db_fail(&db, "cannot save");
        db_close(&db);
        return st;
    }
    if (!(st = pack_row(&db, cw_results_pack(r), kind, &pack)) &&
        !(st = prepare(&db,
                       "INSERT INTO runs(kind, pack, target, started, "
                       "seconds, actor, n_pass, n_fail, n_na, n_unknown, "
                       "n_error, n_stored, n_uncovered) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                       "RETURNING id",
                       &q))) {
        int v;
        cw__q_text(q, 1, kind);
        cw__q_int64(q, 2, pack);
        cw__q_text(q, 3, cw_results_target(r));
        cw__q_text(q, 4, cw_results_time(r));
        cw__q_double(q, 5, cw_results_seconds(r));
        cw__q_text(q, 6, actor);
        for (v = 0; v < CW_VERDICT_COUNT; v++)
            cw__q_int64(q, 7 + v, (int64_t)cw_results_tally(
                                             r, (enum cw_verdict)v));
        cw__q_int64(q, 12, (int64_t)cw_results_count(r));
        cw__q_int64(q, 13, (int64_t)cw_results_uncovered_total(r));
        if (cw__q_step(q) != CW__Q_ROW)
            st = db_fail(&db, "cannot save");
        else
            id = cw__col_int64(q, 0);
        cw__q_finalize(q);
    }
    if (!st)
        st = save_chunks(&db, r, id);
    if (!st && !exec(&db, "COMMIT"))
        st = db_fail(&db, "cannot save");
    if (st)
        exec(&db, "ROLLBACK");
    else if (run)
        *run = id;
    db_close(&db);
    return st;
}

/* ---- reading ------------------------------------------------------------ */

#define RUN_COLUMNS                                                           \
    "r.id, r.kind, p.name, p.digest, r.target, r.started, r.seconds, "      \
    "r.actor, r.n_pass, r.n_fail, r.n_na, r.n_unknown, r.n_error, "         \
    "r.n_stored FROM runs r JOIN packs p ON p.id = r.pack"

static const char *text(struct cw__q *q, int col)
{
    return cw__col_text(q, col);
}

static void run_of(struct cw__q *q, struct cw_run *run)
{
    int v;
    run->id = cw__col_int64(q, 0);
    run->kind = text(q, 1);
    run->pack = text(q, 2);
    run->pack_digest = text(q, 3);
    run->target = text(q, 4);
    run->started = text(q, 5);
    run->seconds = cw__col_double(q, 6);
    run->actor = text(q, 7);
    for (v = 0; v < CW_VERDICT_COUNT; v++)
        run->counts[v] = (size_t)cw__col_int64(q, 8 + v);
    run->stored = (size_t)cw__col_int64(q, 13);
}

/* Runs selected by `sql` (binding `id` when >= 0), to `fn`; CW_ENOENT
 * when `want_one` and none is. */
static enum cw_status runs_query(const char *store, const char *sql,
                                 int64_t id, const char *text, bool want_one,
                                 cw_run_fn fn, void *arg, struct cw_diag *d)
{
    char path[4200];
    struct db db;
    struct cw__q *q;
    enum cw_status st;
    size_t seen = 0;
    bool absent;
    int rc;

    if ((st = db_open(&db, store, false, path, sizeof(path), &absent, d)))
        return st;
    if (absent)
        return want_one ? cw__diag_set(d, CW_ENOENT, store, 0, 0,
                                       "no saved runs in this store")
                        : CW_OK;
    if ((st = prepare(&db, sql, &q))) {
        db_close(&db);
        return st;
    }
    if (id >= 0)
        cw__q_int64(q, 1, id);
    if (text)
        cw__q_text(q, 1, text);
    while ((rc = cw__q_step(q)) == CW__Q_ROW) {
        struct cw_run run;
        run_of(q, &run);
        seen++;
        if (fn(arg, &run))
            break;
    }
    if (rc != CW__Q_ROW && rc != CW__Q_DONE)
        st = db_fail(&db, "cannot read");
    cw__q_finalize(q);
    db_close(&db);
    if (!st && want_one && !seen)
        st = cw__diag_set(d, CW_ENOENT, path, 0, 0,
                          "no run %lld (cloudward results list shows the "
                          "saved ones)",
                          (long long)id);
    return st;
}

enum cw_status cw_runs_list(const char *store, cw_run_fn fn, void *arg,
                            struct cw_diag *d)
{
    return runs_query(store, "SELECT " RUN_COLUMNS " ORDER BY r.id DESC", -1,
                      NULL,
                      false, fn, arg, d);
}

enum cw_status cw_runs_latest(const char *store, cw_run_fn fn, void *arg,
                              struct cw_diag *d)
{
    return runs_query(store,
                      "SELECT " RUN_COLUMNS " WHERE r.id IN (SELECT "
                      "MAX(r2.id) FROM runs r2 JOIN packs p2 ON p2.id = "
                      "r2.pack GROUP BY r2.kind, p2.name, r2.target) "
                      "ORDER BY r.id DESC",
                      -1, NULL, false, fn, arg, d);
}

enum cw_status cw_runs_latest_by(const char *store, const char *as_of,
                                 cw_run_fn fn, void *arg, struct cw_diag *d)
{
    if (!as_of)
        return cw_runs_latest(store, fn, arg, d);
    /* `started` is UTC ISO 8601: its first ten bytes are its day. */
    return runs_query(store,
                      "SELECT " RUN_COLUMNS " WHERE r.id IN (SELECT "
                      "MAX(r2.id) FROM runs r2 JOIN packs p2 ON p2.id = "
                      "r2.pack WHERE substr(r2.started, 1, 10) <= ? "
                      "GROUP BY r2.kind, p2.name, r2.target) "
                      "ORDER BY r.id DESC",
                      -1, as_of, false, fn, arg, d);
}

enum cw_status cw_run_get(const char *store, int64_t id, cw_run_fn fn,
                          void *arg, struct cw_diag *d)
{
    return runs_query(store, "SELECT " RUN_COLUMNS " WHERE r.id = ?", id,
                      NULL,
                      true, fn, arg, d);
}

enum cw_status cw_run_uncovered(const char *store, int64_t id,
                                int (*fn)(void *arg,
                                          const struct cw_uncovered *u),
                                void *arg, struct cw_diag *d)
{
    char path[4200];
    struct db db;
    struct cw__q *q;
    enum cw_status st;
    bool absent;
    int rc;

    if ((st = db_open(&db, store, false, path, sizeof(path), &absent, d)) ||
        absent)
        return st;
    if ((st = prepare(&db,
                      "SELECT address, type, file, line FROM uncovered "
                      "WHERE run = ? ORDER BY seq",
                      &q))) {
        db_close(&db);
        return st;
    }
    cw__q_int64(q, 1, id);
    while ((rc = cw__q_step(q)) == CW__Q_ROW) {
        struct cw_uncovered u;
        u.address = cw__col_text(q, 0);
        u.type = cw__col_text(q, 1);
        u.file = cw__col_text(q, 2);
        u.line = (unsigned)cw__col_int64(q, 3);
        if (u.address && u.type && fn(arg, &u))
            break;
    }
    if (rc != CW__Q_ROW && rc != CW__Q_DONE)
        st = db_fail(&db, "cannot read");
    cw__q_finalize(q);
    db_close(&db);
    return st;
}

/* A run's checks, by index, and the interned strings it refers to. */
struct reader {
    struct db db;
    char path[4200];
    struct chk {
        char *id, *title, *controls;
        int severity;
    } *checks;
    size_t nchecks;
    struct cw__q *reason, *file;
    char *reason_text, *file_text; /* the last looked up, by id */
    int64_t reason_id, file_id;
};

static void reader_close(struct reader *R)
{
    size_t i;
    for (i = 0; i < R->nchecks; i++) {
        cw__free(R->checks[i].id);
        cw__free(R->checks[i].title);
        cw__free(R->checks[i].controls);
    }
    cw__free(R->checks);
    cw__free(R->reason_text);
    cw__free(R->file_text);
    cw__q_finalize(R->reason);
    cw__q_finalize(R->file);
    db_close(&R->db);
}

static char *dup_col(struct cw__q *q, int col)
{
    const char *s = text(q, col);
    return cw__strdup(s ? s : "");
}

static enum cw_status reader_open(struct reader *R, const char *store,
                                  int64_t run, struct cw_diag *d)
{
    struct cw__q *q = NULL;
    enum cw_status st;
    int rc;

    bool absent;

    memset(R, 0, sizeof(*R));
    R->reason_id = R->file_id = -1;
    if ((st = db_open(&R->db, store, false, R->path, sizeof(R->path),
                      &absent, d)))
        return st;
    if (absent)
        return cw__diag_set(d, CW_ENOENT, store, 0, 0,
                            "no saved runs in this store");
    if ((st = prepare(&R->db,
                      "SELECT c.idx, c.id, c.title, c.severity, c.controls "
                      "FROM checks c JOIN runs r ON r.pack = c.pack "
                      "WHERE r.id = ? ORDER BY c.idx",
                      &q)))
        goto bad;
    cw__q_int64(q, 1, run);
    while ((rc = cw__q_step(q)) == CW__Q_ROW) {
        size_t idx = (size_t)cw__col_int64(q, 0);
        struct chk *g;
        if (idx != R->nchecks) {
            st = cw__diag_set(d, CW_EINTEGRITY, R->path, 0, 0,
                              "run %lld: its pack's checks are not "
                              "numbered 0, 1, ...",
                              (long long)run);
            goto bad;
        }
        g = cw__realloc(R->checks, (R->nchecks + 1) * sizeof(*g));
        if (!g) {
            st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
            goto bad;
        }
        R->checks = g;
        g[idx].id = dup_col(q, 1);
        g[idx].title = dup_col(q, 2);
        g[idx].severity = (int)cw__col_int64(q, 3);
        g[idx].controls = dup_col(q, 4);
        R->nchecks++;
        if (!g[idx].id || !g[idx].title || !g[idx].controls) {
            st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
            goto bad;
        }
    }
    if (rc != CW__Q_DONE) {
        st = db_fail(&R->db, "cannot read");
        goto bad;
    }
    cw__q_finalize(q);
    q = NULL;
    if ((st = prepare(&R->db, "SELECT text FROM reasons WHERE id = ?",
                      &R->reason)) ||
        (st = prepare(&R->db, "SELECT path FROM files WHERE id = ?",
                      &R->file)))
        goto bad;
    return CW_OK;
bad:
    cw__q_finalize(q);
    reader_close(R);
    return st;
}

/* Interned string `id` (0: none, else row id + 1) through `q`, kept in
 * *cache until the next different one. */
static enum cw_status lookup(struct reader *R, struct cw__q *q, uint64_t id,
                             int64_t *cached, char **cache, const char **out)
{
    *out = NULL;
    if (!id)
        return CW_OK;
    if ((int64_t)id - 1 != *cached) {
        cw__q_reset(q);
        cw__q_int64(q, 1, (int64_t)id - 1);
        if (cw__q_step(q) != CW__Q_ROW)
            return cw__diag_set(R->db.d, CW_EINTEGRITY, R->path, 0, 0,
                                "a result names string %llu, which the "
                                "store does not hold",
                                (unsigned long long)id - 1);
        cw__free(*cache);
        if (!(*cache = dup_col(q, 0)))
            return cw__diag_set(R->db.d, CW_ENOMEM, NULL, 0, 0,
                                "out of memory");
        *cached = (int64_t)id - 1;
    }
    *out = *cache;
    return CW_OK;
}

static enum cw_status corrupt(struct reader *R, int64_t run, int64_t seq)
{
    return cw__diag_set(R->db.d, CW_EINTEGRITY, R->path, 0, 0,
                        "run %lld, chunk %lld: not a well-formed results "
                        "record",
                        (long long)run, (long long)seq);
}

/* Decodes run `run`'s chunks to `fn`; `texts`: look reasons and files up
 * (diff and show need them; the SoA's counts do not). */
/* A decoded result record of a chunk (runs.h). */
int cw__chunk_decode(const unsigned char *p, size_t len, uint64_t n,
                     size_t nchecks, struct cw__buf *res,
                     cw__chunk_fn fn, void *arg)
{
    const unsigned char *end = p + len;
    uint64_t k;

    res->len = 0;
    if (!len || *p++ != FORMAT)
        return -1;
    for (k = 0; k < n; k++) {
        struct cw__chunk_rec r;
        uint64_t tag, rest;
        int stop;
        memset(&r, 0, sizeof(r));
        if (!cw__varint_get(&p, end, &r.check) || r.check >= nchecks ||
            p >= end || *p >= CW_VERDICT_COUNT)
            return -1;
        r.verdict = (enum cw_verdict)*p++;
        if (!cw__varint_get(&p, end, &r.reason) ||
            !cw__varint_get(&p, end, &r.file) ||
            !cw__varint_get(&p, end, &r.line) || r.line > UINT32_MAX ||
            !cw__varint_get(&p, end, &tag))
            return -1;
        if (tag) {
            if (tag - 1 > res->len || !cw__varint_get(&p, end, &rest) ||
                rest > (uint64_t)(end - p))
                return -1;
            res->len = (size_t)(tag - 1);
            if (cw__buf_append(res, p, (size_t)rest) ||
                cw__buf_append(res, "", 1)) /* ends it, whatever it cut */
                return -2;
            res->len--;
            p += rest;
            r.resource = res->data;
        }
        if ((stop = fn(arg, &r)) != 0)
            return stop;
    }
    return p == end ? 0 : -1;
}

struct reading {
    struct reader *R;
    bool texts;
    size_t seq;
    cw_run_result_fn fn;
    void *arg;
    enum cw_status st;
};

static int deliver(void *arg, const struct cw__chunk_rec *r)
{
    struct reading *G = arg;
    struct reader *R = G->R;
    struct cw_run_result x;

    memset(&x, 0, sizeof(x));
    x.verdict = r->verdict;
    x.resource = r->resource;
    if (G->texts &&
        ((G->st = lookup(R, R->reason, r->reason, &R->reason_id,
                         &R->reason_text, &x.reason)) ||
         (G->st = lookup(R, R->file, r->file, &R->file_id, &R->file_text,
                         &x.file))))
        return 1;
    x.seq = G->seq++;
    x.check = R->checks[r->check].id;
    x.title = R->checks[r->check].title;
    x.severity = (enum cw_severity)R->checks[r->check].severity;
    x.controls = R->checks[r->check].controls;
    x.line = (unsigned)r->line;
    x.count = 1;
    return G->fn(G->arg, &x) != 0 ? 2 : 0;
}

static enum cw_status read_results(struct reader *R, int64_t run, bool texts,
                                   cw_run_result_fn fn, void *arg)
{
    struct cw__q *q = NULL;
    enum cw_status st = CW_OK;
    struct reading G = { R, texts, 0, fn, arg, CW_OK };
    struct cw__buf res;
    size_t seq;
    int rc = CW__Q_DONE;
    bool stop = false;

    cw__buf_init(&res, SIZE_MAX);
    if ((st = prepare(&R->db,
                      "SELECT seq, n, data FROM chunks WHERE run = ? "
                      "ORDER BY seq",
                      &q)))
        return st;
    cw__q_int64(q, 1, run);
    while (!st && !stop && (rc = cw__q_step(q)) == CW__Q_ROW) {
        int64_t cseq = cw__col_int64(q, 0);
        const unsigned char *p = cw__col_blob(q, 2);
        int got = cw__chunk_decode(p ? p : (const unsigned char *)"",
                                   (size_t)cw__col_bytes(q, 2),
                                   (uint64_t)cw__col_int64(q, 1),
                                   R->nchecks, &res, deliver, &G);
        if (got == -1)
            st = corrupt(R, run, cseq);
        else if (got == -2)
            st = cw__diag_set(R->db.d, CW_ENOMEM, NULL, 0, 0,
                              "out of memory");
        else if (got == 1)
            st = G.st;
        else if (got == 2)
            stop = true;
    }
    seq = G.seq;
    if (!st && !stop && rc != CW__Q_DONE)
        st = db_fail(&R->db, "cannot read");
    cw__q_finalize(q);
    q = NULL;
    if (!st && !stop &&
        !(st = prepare(&R->db,
                       "SELECT chk, n FROM passes WHERE run = ? ORDER BY chk",
                       &q))) {
        cw__q_int64(q, 1, run);
        while (!stop && (rc = cw__q_step(q)) == CW__Q_ROW) {
            struct cw_run_result x;
            uint64_t chk = (uint64_t)cw__col_int64(q, 0);
            if (chk >= R->nchecks) {
                st = corrupt(R, run, -1);
                break;
            }
            memset(&x, 0, sizeof(x));
            x.seq = seq++;
            x.check = R->checks[chk].id;
            x.title = R->checks[chk].title;
            x.severity = (enum cw_severity)R->checks[chk].severity;
            x.controls = R->checks[chk].controls;
            x.verdict = CW_VERDICT_PASS;
            x.count = (size_t)cw__col_int64(q, 1);
            x.counted = true;
            stop = fn(arg, &x) != 0;
        }
    }
    cw__q_finalize(q);
    cw__buf_release(&res);
    return st;
}

static int one_run(void *arg, const struct cw_run *run)
{
    (void)arg;
    (void)run;
    return 0;
}

static enum cw_status run_results(const char *store, int64_t id, bool texts,
                                  cw_run_result_fn fn, void *arg,
                                  struct cw_diag *d)
{
    struct reader R;
    enum cw_status st;

    if ((st = cw_run_get(store, id, one_run, NULL, d)) ||
        (st = reader_open(&R, store, id, d)))
        return st;
    st = read_results(&R, id, texts, fn, arg);
    reader_close(&R);
    return st;
}

enum cw_status cw_run_results(const char *store, int64_t id,
                              cw_run_result_fn fn, void *arg,
                              struct cw_diag *d)
{
    return run_results(store, id, true, fn, arg, d);
}

enum cw_status cw__run_results_bare(const char *store, int64_t id,
                                    cw_run_result_fn fn, void *arg,
                                    struct cw_diag *d)
{
    return run_results(store, id, false, fn, arg, d);
}

/* ---- comparing two runs -------------------------------------------------- */

const char *cw_change_name(enum cw_change c)
{
    static const char *const names[] = { "failing", "fixed", "new",
                                         "changed" };
    return (unsigned)c < 4 ? names[c] : "?";
}

/* A copy of a result, its strings in one block after it. */
struct kept {
    struct cw_run_result x;
    bool matched;
};

struct side {
    struct kept **v;
    size_t n, cap;
    size_t *slot; /* open addressing by check and resource: index + 1 */
    size_t nslot;
};

static char *put_str(char **p, const char *s)
{
    char *r;
    size_t n;
    if (!s)
        return NULL;
    n = strlen(s) + 1;
    r = memcpy(*p, s, n);
    *p += n;
    return r;
}

static int keep(void *arg, const struct cw_run_result *x)
{
    struct side *S = arg;
    size_t n = sizeof(struct kept);
    const char *strs[6] = { x->check,  x->title, x->controls,
                            x->resource, x->reason, x->file };
    struct kept *k;
    char *p;
    size_t i;

    for (i = 0; i < 6; i++)
        if (strs[i])
            n += strlen(strs[i]) + 1;
    if (S->n == S->cap) {
        size_t na = S->cap ? 2 * S->cap : 1024;
        struct kept **g = cw__realloc(S->v, na * sizeof(*g));
        if (!g)
            return 2;
        S->v = g;
        S->cap = na;
    }
    if (!(k = cw__malloc(n)))
        return 2;
    k->x = *x;
    k->matched = false;
    p = (char *)(k + 1);
    k->x.check = put_str(&p, x->check);
    k->x.title = put_str(&p, x->title);
    k->x.controls = put_str(&p, x->controls);
    k->x.resource = put_str(&p, x->resource);
    k->x.reason = put_str(&p, x->reason);
    k->x.file = put_str(&p, x->file);
    S->v[S->n++] = k;
    return 0;
}

static uint64_t key_hash(const struct cw_run_result *x)
{
    uint64_t h = cw__str_hash(x->check);
    return h * 31 + (x->resource ? cw__str_hash(x->resource) : 7);
}

static bool same_key(const struct cw_run_result *a,
                     const struct cw_run_result *b)
{
    return strcmp(a->check, b->check) == 0 &&
           (a->resource && b->resource ? strcmp(a->resource, b->resource) == 0
                                       : a->resource == b->resource);
}

static bool index_side(struct side *S)
{
    size_t i, j, mask;
    S->nslot = 16;
    while (S->nslot < 2 * S->n + 2)
        S->nslot *= 2;
    if (!(S->slot = cw__calloc(S->nslot, sizeof(*S->slot))))
        return false;
    mask = S->nslot - 1;
    for (i = 0; i < S->n; i++) {
        if (S->v[i]->x.counted)
            continue; /* counted passes match nothing one by one */
        for (j = key_hash(&S->v[i]->x) & mask; S->slot[j];
             j = (j + 1) & mask)
            ;
        S->slot[j] = i + 1;
    }
    return true;
}

static struct kept *find(struct side *S, const struct cw_run_result *x)
{
    size_t mask = S->nslot - 1, j;
    for (j = key_hash(x) & mask; S->slot[j]; j = (j + 1) & mask)
        if (same_key(&S->v[S->slot[j] - 1]->x, x))
            return S->v[S->slot[j] - 1];
    return NULL;
}

static void side_free(struct side *S)
{
    size_t i;
    for (i = 0; i < S->n; i++)
        cw__free(S->v[i]);
    cw__free(S->v);
    cw__free(S->slot);
}

struct pair {
    const char *kind, *pack;
    char *kinds[2], *packs[2];
    int which;
};

static int note_run(void *arg, const struct cw_run *run)
{
    struct pair *P = arg;
    P->kinds[P->which] = cw__strdup(run->kind);
    P->packs[P->which] = cw__strdup(run->pack);
    return 0;
}

enum cw_status cw_runs_diff(const char *store, int64_t a, int64_t b,
                            cw_change_fn fn, void *arg, struct cw_diag *d)
{
    struct side A = { 0 }, B = { 0 };
    struct pair P = { 0 };
    enum cw_status st;
    size_t i;
    int stop = 0;

    if ((st = cw_run_get(store, a, note_run, &P, d)))
        return st;
    P.which = 1;
    if ((st = cw_run_get(store, b, note_run, &P, d)))
        goto out;
    if (!P.kinds[0] || !P.kinds[1] || !P.packs[0] || !P.packs[1]) {
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    if (strcmp(P.kinds[0], P.kinds[1]) != 0 ||
        strcmp(P.packs[0], P.packs[1]) != 0) {
        st = cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                          "run %lld is a %s scan with %s, run %lld a %s "
                          "scan with %s: compare runs of one kind and pack",
                          (long long)a, P.kinds[0], P.packs[0], (long long)b,
                          P.kinds[1], P.packs[1]);
        goto out;
    }
    if ((st = cw_run_results(store, a, keep, &A, d)) ||
        (st = cw_run_results(store, b, keep, &B, d)))
        goto out;
    if (!index_side(&A)) {
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    for (i = 0; !stop && i < B.n; i++) {
        const struct cw_run_result *y = &B.v[i]->x;
        struct kept *k;
        if (y->counted)
            continue;
        k = find(&A, y);
        if (k)
            k->matched = true;
        if (y->verdict == CW_VERDICT_FAIL &&
            (!k || k->x.verdict != CW_VERDICT_FAIL))
            stop = fn(arg, CW_CHANGE_FAILING, k ? &k->x : NULL, y);
        else if (k && k->x.verdict == CW_VERDICT_FAIL &&
                 y->verdict != CW_VERDICT_FAIL)
            stop = fn(arg, CW_CHANGE_FIXED, &k->x, y);
        else if (!k)
            stop = fn(arg, CW_CHANGE_NEW, NULL, y);
        else if (k->x.verdict != y->verdict)
            stop = fn(arg, CW_CHANGE_OTHER, &k->x, y);
    }
    for (i = 0; !stop && i < A.n; i++)
        if (!A.v[i]->x.counted && !A.v[i]->matched &&
            A.v[i]->x.verdict == CW_VERDICT_FAIL)
            stop = fn(arg, CW_CHANGE_FIXED, &A.v[i]->x, NULL);
out:
    for (i = 0; i < 2; i++) {
        cw__free(P.kinds[i]);
        cw__free(P.packs[i]);
    }
    side_free(&A);
    side_free(&B);
    return st;
}

/* ---- copying every run to another store ----------------------------------- */

/* The tables in the order their rows may be inserted, with their columns
 * and each column's type (i: integer, d: double, t: text, b: blob). */
static const struct table {
    const char *name, *cols, *types, *order;
    bool identity; /* an id PostgreSQL hands out, to carry on after */
} tables[] = {
    { "packs", "id, name, kind, title, digest", "itttt", "id", true },
    { "checks", "pack, idx, id, title, severity, controls, refs", "iittitt",
      "pack, idx", false },
    { "runs",
      "id, kind, pack, target, started, seconds, actor, n_pass, n_fail, "
      "n_na, n_unknown, n_error, n_stored",
      "itittdtiiiiii", "id", true },
    { "reasons", "id, text", "it", "id", true },
    { "files", "id, path", "it", "id", true },
    { "chunks", "run, seq, n, data", "iiib", "run, seq", false },
    { "passes", "run, chk, n", "iii", "run, chk", false },
};

static enum cw_status copy_table(struct db *from, struct db *to,
                                 const struct table *t, size_t *rows)
{
    char sel[256], ins[512];
    struct cw__q *q = NULL, *w = NULL;
    size_t ncols = strlen(t->types), i;
    enum cw_status st = CW_OK;
    int rc;

    snprintf(sel, sizeof(sel), "SELECT %s FROM %s ORDER BY %s", t->cols,
             t->name, t->order);
    {
        int o = snprintf(ins, sizeof(ins), "INSERT INTO %s(%s) VALUES (?",
                         t->name, t->cols);
        for (i = 1; i < ncols; i++)
            o += snprintf(ins + o, sizeof(ins) - (size_t)o, ", ?");
        snprintf(ins + o, sizeof(ins) - (size_t)o, ")");
    }
    if ((st = prepare(from, sel, &q)) || (st = prepare(to, ins, &w)))
        goto out;
    *rows = 0;
    while ((rc = cw__q_step(q)) == CW__Q_ROW) {
        cw__q_reset(w);
        for (i = 0; i < ncols; i++) {
            int c = (int)i;
            switch (t->types[i]) {
            case 'i':
                cw__q_int64(w, c + 1, cw__col_int64(q, c));
                break;
            case 'd':
                cw__q_double(w, c + 1, cw__col_double(q, c));
                break;
            case 't':
                cw__q_text(w, c + 1, cw__col_text(q, c));
                break;
            default:
                cw__q_blob(w, c + 1, cw__col_blob(q, c),
                           cw__col_bytes(q, c));
            }
        }
        if (cw__q_step(w) != CW__Q_DONE) {
            st = db_fail(to, "cannot copy the runs");
            goto out;
        }
        ++*rows;
    }
    if (rc != CW__Q_DONE)
        st = db_fail(from, "cannot read the runs");
out:
    cw__q_finalize(q);
    cw__q_finalize(w);
    return st;
}

enum cw_status cw__runs_copy(const char *from, const char *to, size_t *runs,
                             struct cw_diag *d)
{
    char pfrom[4200], pto[4200], sql[256];
    struct db a, b;
    struct cw__q *q = NULL;
    enum cw_status st;
    bool absent;
    size_t i, rows;

    *runs = 0;
    if ((st = db_open(&a, from, false, pfrom, sizeof(pfrom), &absent, d)))
        return st;
    if (absent)
        return CW_OK; /* no run saved: nothing to copy */
    if ((st = db_open(&b, to, true, pto, sizeof(pto), &absent, d))) {
        db_close(&a);
        return st;
    }
    if (!cw__db_begin_write(b.h, RUNS_LOCK)) {
        st = db_fail(&b, "cannot copy the runs");
        goto out;
    }
    if ((st = prepare(&b, "SELECT count(*) FROM runs", &q)))
        goto rollback;
    if (cw__q_step(q) != CW__Q_ROW || cw__col_int64(q, 0) != 0) {
        st = cw__diag_set(d, CW_EEXIST, pto, 0, 0,
                          "already holds scan runs; copy into an empty "
                          "store");
        goto rollback;
    }
    for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        if ((st = copy_table(&a, &b, &tables[i], &rows)))
            goto rollback;
        if (strcmp(tables[i].name, "runs") == 0)
            *runs = rows;
        /* The ids handed out next follow the copied ones. */
        if (tables[i].identity && cw__db_is_pg(b.h)) {
            snprintf(sql, sizeof(sql),
                     "SELECT setval(pg_get_serial_sequence('%s', 'id'), "
                     "COALESCE(MAX(id), 0) + 1, false) FROM %s",
                     tables[i].name, tables[i].name);
            if (!exec(&b, sql)) {
                st = db_fail(&b, "cannot copy the runs");
                goto rollback;
            }
        }
    }
    if (!exec(&b, "COMMIT"))
        st = db_fail(&b, "cannot copy the runs");
    goto out;
rollback:
    exec(&b, "ROLLBACK");
out:
    cw__q_finalize(q);
    db_close(&a);
    db_close(&b);
    return st;
}

void cw__results_event(const struct cw_results *r, const char *kind,
                       int64_t run, const char *actor,
                       struct cw_log_event *ev, char action[32],
                       char details[400])
{
    memset(ev, 0, sizeof(*ev));
    snprintf(action, 32, "scan.%s", kind);
    /* the run it saved, and the exact pack (names are [a-z0-9._-]) */
    snprintf(details, 400,
             "{\"run\":%lld,\"pack\":\"%s\",\"pack_sha256\":\"%s\","
             "\"pass\":%zu,\"fail\":%zu,\"unknown\":%zu,\"error\":%zu}",
             (long long)run, cw_pack_name(cw_results_pack(r)),
             cw_pack_digest(cw_results_pack(r)),
             cw_results_tally(r, CW_VERDICT_PASS),
             cw_results_tally(r, CW_VERDICT_FAIL),
             cw_results_tally(r, CW_VERDICT_UNKNOWN),
             cw_results_tally(r, CW_VERDICT_ERROR));
    ev->actor = actor;
    ev->action = action;
    ev->target = cw_results_target(r);
    ev->details_json = details;
    ev->file = "(scan)";
}

enum cw_status cw_results_record(const struct cw_results *r,
                                 const char *store, const char *kind,
                                 int64_t run, const char *actor,
                                 struct cw_diag *d)
{
    struct cw_log_event ev;
    struct cw_ledger *l = NULL;
    char action[32], details[400];
    enum cw_status st;

    cw__results_event(r, kind, run, actor, &ev, action, details);
    if ((st = cw_ledger_open(store, &l, d)) == CW_OK)
        st = cw_ledger_append(l, &ev, 1, NULL, NULL, d);
    cw_ledger_close(l);
    return st;
}
