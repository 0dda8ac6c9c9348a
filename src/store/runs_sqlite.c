/*
 * runs_sqlite.c - scan runs as data, in STORE/results.db (cw_runs.h).
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
 *
 * A chunk's data: a format byte (1), then per result
 *   varint check index, verdict byte, varint reason id + 1 (0: none),
 *   varint file id + 1 (0: none), varint line,
 *   varint resource tag: 0 none, else the length of the prefix it shares
 *   with the previous result's resource + 1, then varint suffix length and
 *   the suffix bytes (a config scan lists a resource's results together,
 *   and addresses share their module paths).
 *
 * The schema's version is PRAGMA user_version; each newer version is a
 * forward migration run in the opening transaction, and a store written
 * by a newer cloudward is refused. Every run is saved in one transaction:
 * whole or not at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include <cloudward/cw_runs.h>

#include "../core/core.h"
#include "runs.h"
#include "store_dir.h"

#define RUNS_SCHEMA 1
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
};

struct db {
    sqlite3 *h;
    const char *path;
    struct cw_diag *d;
};

static enum cw_status db_fail(struct db *db, const char *what)
{
    return cw__diag_set(db->d, CW_EIO, db->path, 0, 0, "%s: %s", what,
                        sqlite3_errmsg(db->h));
}

static bool exec(struct db *db, const char *sql)
{
    return sqlite3_exec(db->h, sql, NULL, NULL, NULL) == SQLITE_OK;
}

static void db_close(struct db *db)
{
    sqlite3_close(db->h);
    db->h = NULL;
}

/*
 * Opens STORE/results.db, bringing its schema to this version. `create`:
 * the store folder and the file may be created (saving); otherwise a store
 * without results.db sets *absent, creating nothing (db->h stays NULL).
 */
static enum cw_status db_open(struct db *db, const char *store, bool create,
                              char *path, size_t n, bool *absent,
                              struct cw_diag *d)
{
    static const char *const names[] = { "results.db", "results.db-wal",
                                         "results.db-shm", NULL };
    struct stat sb;
    enum cw_status st;
    int version = 0;
    sqlite3_stmt *q;

    memset(db, 0, sizeof(*db));
    db->d = d;
    db->path = path;
    if (cw__store_is_url(store)) {
        /* Never "no runs": an SoA would then show no check results. */
        cw__store_display(store, path, n);
        return cw__diag_set(d, CW_EINVAL, path, 0, 0,
                            "scan runs are not kept in PostgreSQL yet (the "
                            "ledger is): save and read scans with a folder "
                            "store, --store DIR");
    }
    snprintf(path, n, "%s/results.db", store);
    /* reading a store that has no folder or no results.db yet: no runs */
    *absent = !create && lstat(path, &sb) != 0;
    if (*absent)
        return CW_OK; /* no run saved yet: the caller decides */
    if (create && mkdir(store, 0700) != 0 && errno != EEXIST)
        return cw__diag_set(d, CW_EIO, store, 0, 0, "cannot create: %s",
                            strerror(errno));
    if ((st = cw__store_dir_check(store, names, create ? "results.db" : NULL,
                                  d)))
        return st;
    if (sqlite3_open_v2(path, &db->h,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                            SQLITE_OPEN_NOFOLLOW,
                        NULL) != SQLITE_OK) {
        st = db_fail(db, "cannot open");
        db_close(db);
        return st;
    }
    sqlite3_busy_timeout(db->h, 30000);
    if (!exec(db, "PRAGMA journal_mode=WAL") ||
        !exec(db, "PRAGMA synchronous=FULL") ||
        !exec(db, "BEGIN IMMEDIATE"))
        goto bad;
    if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &q, NULL) !=
        SQLITE_OK)
        goto bad;
    if (sqlite3_step(q) == SQLITE_ROW)
        version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (version > RUNS_SCHEMA) {
        exec(db, "ROLLBACK");
        db_close(db);
        return cw__diag_set(d, CW_EFORMAT, path, 0, 0,
                            "written by a newer cloudward (results schema "
                            "%d; this one reads up to %d): upgrade "
                            "cloudward, or use another --store",
                            version, RUNS_SCHEMA);
    }
    for (; version < RUNS_SCHEMA; version++) {
        char pragma[64];
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
                 version + 1);
        if (!exec(db, migrations[version]) || !exec(db, pragma))
            goto bad;
    }
    if (!exec(db, "COMMIT"))
        goto bad;
    return CW_OK;
bad:
    st = db_fail(db, "cannot open the results store");
    exec(db, "ROLLBACK");
    db_close(db);
    return st;
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
    sqlite3_stmt *ins, *sel;
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
    sqlite3_reset(m->ins);
    sqlite3_bind_text(m->ins, 1, s, -1, SQLITE_STATIC);
    if (sqlite3_step(m->ins) != SQLITE_DONE)
        return db_fail(db, "cannot save");
    sqlite3_reset(m->sel);
    sqlite3_bind_text(m->sel, 1, s, -1, SQLITE_STATIC);
    if (sqlite3_step(m->sel) != SQLITE_ROW)
        return db_fail(db, "cannot save");
    *out = sqlite3_column_int64(m->sel, 0);
    m->key[i] = s;
    m->val[i] = *out;
    m->n++;
    return CW_OK;
}

static void ids_free(struct ids *m)
{
    sqlite3_finalize(m->ins);
    sqlite3_finalize(m->sel);
    cw__free(m->key);
    cw__free(m->val);
}

static enum cw_status prepare(struct db *db, const char *sql,
                              sqlite3_stmt **q)
{
    return sqlite3_prepare_v2(db->h, sql, -1, q, NULL) == SQLITE_OK
               ? CW_OK
               : db_fail(db, "cannot prepare");
}

/* ---- saving ------------------------------------------------------------- */

/* The pack's row, with its checks, added the first time it is seen. */
static enum cw_status pack_row(struct db *db, const struct cw_pack *p,
                               const char *kind, int64_t *out)
{
    sqlite3_stmt *q = NULL;
    enum cw_status st;
    size_t i, k;

    if ((st = prepare(db, "SELECT id FROM packs WHERE digest = ?", &q)))
        return st;
    sqlite3_bind_text(q, 1, cw_pack_digest(p), -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
        *out = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
        return CW_OK;
    }
    sqlite3_finalize(q);
    if ((st = prepare(db,
                      "INSERT INTO packs(name, kind, title, digest) "
                      "VALUES (?, ?, ?, ?)",
                      &q)))
        return st;
    sqlite3_bind_text(q, 1, cw_pack_name(p), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, cw_pack_title(p), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, cw_pack_digest(p), -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE) {
        sqlite3_finalize(q);
        return db_fail(db, "cannot save");
    }
    sqlite3_finalize(q);
    *out = sqlite3_last_insert_rowid(db->h);
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
            sqlite3_reset(q);
            sqlite3_bind_int64(q, 1, *out);
            sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
            sqlite3_bind_text(q, 3, c->id, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 4, c->title, -1, SQLITE_STATIC);
            sqlite3_bind_int(q, 5, (int)c->severity);
            sqlite3_bind_text(q, 6, ctl.data ? ctl.data : "", -1,
                              SQLITE_TRANSIENT);
            sqlite3_bind_text(q, 7, refs.data ? refs.data : "", -1,
                              SQLITE_TRANSIENT);
            if (sqlite3_step(q) != SQLITE_DONE)
                st = db_fail(db, "cannot save");
        }
        cw__buf_release(&ctl);
        cw__buf_release(&refs);
    }
    sqlite3_finalize(q);
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
    sqlite3_stmt *q = NULL;
    struct cw__buf b;
    enum cw_status st;
    size_t i, n = cw_results_count(r), inchunk = 0, seq = 0;
    const char *prev = NULL;

    cw__buf_init(&b, SIZE_MAX);
    if ((st = prepare(db, "INSERT OR IGNORE INTO reasons(text) VALUES (?)",
                      &reasons.ins)) ||
        (st = prepare(db, "SELECT id FROM reasons WHERE text = ?",
                      &reasons.sel)) ||
        (st = prepare(db, "INSERT OR IGNORE INTO files(path) VALUES (?)",
                      &files.ins)) ||
        (st = prepare(db, "SELECT id FROM files WHERE path = ?",
                      &files.sel)) ||
        (st = prepare(db,
                      "INSERT INTO chunks(run, seq, n, data) "
                      "VALUES (?, ?, ?, ?)",
                      &q)))
        goto out;
    for (i = 0; !st && i <= n; i++) {
        const struct cw_result *x;
        int64_t rid = -1, fid = -1;
        if ((i == n && inchunk) || inchunk == CHUNK) {
            sqlite3_reset(q);
            sqlite3_bind_int64(q, 1, run);
            sqlite3_bind_int64(q, 2, (sqlite3_int64)seq++);
            sqlite3_bind_int64(q, 3, (sqlite3_int64)inchunk);
            sqlite3_bind_blob(q, 4, b.data, (int)b.len, SQLITE_STATIC);
            if (sqlite3_step(q) != SQLITE_DONE) {
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
    sqlite3_finalize(q);
    q = NULL;
    if (st || (st = prepare(db,
                            "INSERT INTO passes(run, chk, n) VALUES (?, ?, ?)",
                            &q)))
        goto out;
    for (i = 0; !st && i < cw_pack_count(p); i++) {
        size_t np = cw_results_passes_of(r, i);
        if (!np)
            continue;
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, run);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)np);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = db_fail(db, "cannot save");
    }
out:
    sqlite3_finalize(q);
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
    sqlite3_stmt *q = NULL;
    enum cw_status st;
    int64_t pack = 0, id;
    bool absent;

    if ((st = db_open(&db, store, true, path, sizeof(path), &absent, d)))
        return st;
    if (!exec(&db, "BEGIN IMMEDIATE")) {
        st = db_fail(&db, "cannot save");
        db_close(&db);
        return st;
    }
    if (!(st = pack_row(&db, cw_results_pack(r), kind, &pack)) &&
        !(st = prepare(&db,
                       "INSERT INTO runs(kind, pack, target, started, "
                       "seconds, actor, n_pass, n_fail, n_na, n_unknown, "
                       "n_error, n_stored) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       &q))) {
        int v;
        sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, pack);
        sqlite3_bind_text(q, 3, cw_results_target(r), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, cw_results_time(r), -1, SQLITE_STATIC);
        sqlite3_bind_double(q, 5, cw_results_seconds(r));
        if (actor)
            sqlite3_bind_text(q, 6, actor, -1, SQLITE_STATIC);
        for (v = 0; v < CW_VERDICT_COUNT; v++)
            sqlite3_bind_int64(q, 7 + v, (sqlite3_int64)cw_results_tally(
                                             r, (enum cw_verdict)v));
        sqlite3_bind_int64(q, 12, (sqlite3_int64)cw_results_count(r));
        if (sqlite3_step(q) != SQLITE_DONE)
            st = db_fail(&db, "cannot save");
        sqlite3_finalize(q);
    }
    id = sqlite3_last_insert_rowid(db.h);
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

static const char *text(sqlite3_stmt *q, int col)
{
    return (const char *)sqlite3_column_text(q, col);
}

static void run_of(sqlite3_stmt *q, struct cw_run *run)
{
    int v;
    run->id = sqlite3_column_int64(q, 0);
    run->kind = text(q, 1);
    run->pack = text(q, 2);
    run->pack_digest = text(q, 3);
    run->target = text(q, 4);
    run->started = text(q, 5);
    run->seconds = sqlite3_column_double(q, 6);
    run->actor = text(q, 7);
    for (v = 0; v < CW_VERDICT_COUNT; v++)
        run->counts[v] = (size_t)sqlite3_column_int64(q, 8 + v);
    run->stored = (size_t)sqlite3_column_int64(q, 13);
}

/* Runs selected by `sql` (binding `id` when >= 0), to `fn`; CW_ENOENT
 * when `want_one` and none is. */
static enum cw_status runs_query(const char *store, const char *sql,
                                 int64_t id, bool want_one, cw_run_fn fn,
                                 void *arg, struct cw_diag *d)
{
    char path[4200];
    struct db db;
    sqlite3_stmt *q;
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
        sqlite3_bind_int64(q, 1, id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct cw_run run;
        run_of(q, &run);
        seen++;
        if (fn(arg, &run))
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = db_fail(&db, "cannot read");
    sqlite3_finalize(q);
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
                      -1, false, fn, arg, d);
}

enum cw_status cw_run_get(const char *store, int64_t id, cw_run_fn fn,
                          void *arg, struct cw_diag *d)
{
    return runs_query(store, "SELECT " RUN_COLUMNS " WHERE r.id = ?", id,
                      true, fn, arg, d);
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
    sqlite3_stmt *reason, *file;
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
    sqlite3_finalize(R->reason);
    sqlite3_finalize(R->file);
    db_close(&R->db);
}

static char *dup_col(sqlite3_stmt *q, int col)
{
    const char *s = text(q, col);
    return cw__strdup(s ? s : "");
}

static enum cw_status reader_open(struct reader *R, const char *store,
                                  int64_t run, struct cw_diag *d)
{
    sqlite3_stmt *q = NULL;
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
    sqlite3_bind_int64(q, 1, run);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        size_t idx = (size_t)sqlite3_column_int64(q, 0);
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
        g[idx].severity = sqlite3_column_int(q, 3);
        g[idx].controls = dup_col(q, 4);
        R->nchecks++;
        if (!g[idx].id || !g[idx].title || !g[idx].controls) {
            st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
            goto bad;
        }
    }
    if (rc != SQLITE_DONE) {
        st = db_fail(&R->db, "cannot read");
        goto bad;
    }
    sqlite3_finalize(q);
    q = NULL;
    if ((st = prepare(&R->db, "SELECT text FROM reasons WHERE id = ?",
                      &R->reason)) ||
        (st = prepare(&R->db, "SELECT path FROM files WHERE id = ?",
                      &R->file)))
        goto bad;
    return CW_OK;
bad:
    sqlite3_finalize(q);
    reader_close(R);
    return st;
}

/* Interned string `id` (0: none, else row id + 1) through `q`, kept in
 * *cache until the next different one. */
static enum cw_status lookup(struct reader *R, sqlite3_stmt *q, uint64_t id,
                             int64_t *cached, char **cache, const char **out)
{
    *out = NULL;
    if (!id)
        return CW_OK;
    if ((int64_t)id - 1 != *cached) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, (sqlite3_int64)id - 1);
        if (sqlite3_step(q) != SQLITE_ROW)
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
    sqlite3_stmt *q = NULL;
    enum cw_status st = CW_OK;
    struct reading G = { R, texts, 0, fn, arg, CW_OK };
    struct cw__buf res;
    size_t seq;
    int rc = SQLITE_DONE;
    bool stop = false;

    cw__buf_init(&res, SIZE_MAX);
    if ((st = prepare(&R->db,
                      "SELECT seq, n, data FROM chunks WHERE run = ? "
                      "ORDER BY seq",
                      &q)))
        return st;
    sqlite3_bind_int64(q, 1, run);
    while (!st && !stop && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t cseq = sqlite3_column_int64(q, 0);
        const unsigned char *p = sqlite3_column_blob(q, 2);
        int got = cw__chunk_decode(p ? p : (const unsigned char *)"",
                                   (size_t)sqlite3_column_bytes(q, 2),
                                   (uint64_t)sqlite3_column_int64(q, 1),
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
    if (!st && !stop && rc != SQLITE_DONE)
        st = db_fail(&R->db, "cannot read");
    sqlite3_finalize(q);
    q = NULL;
    if (!st && !stop &&
        !(st = prepare(&R->db,
                       "SELECT chk, n FROM passes WHERE run = ? ORDER BY chk",
                       &q))) {
        sqlite3_bind_int64(q, 1, run);
        while (!stop && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            struct cw_run_result x;
            uint64_t chk = (uint64_t)sqlite3_column_int64(q, 0);
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
            x.count = (size_t)sqlite3_column_int64(q, 1);
            x.counted = true;
            stop = fn(arg, &x) != 0;
        }
    }
    sqlite3_finalize(q);
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
