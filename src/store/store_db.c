/*
 * store_db.c - the database of one part of a store (store_db.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>
#include <sys/stat.h>

#include "ledger_store.h"
#include "store_db.h"
#include "store_dir.h"

/* Brings SQLite file `path` to the part's version inside the open
 * transaction: each migration, the new version recorded (user_version). */
static enum cw_status migrate(struct cw__db *db, const struct cw__part *p,
                              const char *path, struct cw_diag *d)
{
    struct cw__q *q;
    int64_t version = 0;
    char set[96];

    if (!cw__db_prepare(db, "PRAGMA user_version", &q))
        return cw__diag_set(d, CW_EIO, path, 0, 0, "cannot open: %s",
                            cw__db_errmsg(db));
    if (cw__q_step(q) == CW__Q_ROW)
        version = cw__col_int64(q, 0);
    cw__q_finalize(q);
    if (version > (int64_t)p->nmigrations)
        return cw__diag_set(d, CW_EFORMAT, path, 0, 0,
                            "written by a newer cloudward (%s schema %lld; "
                            "this one reads up to %zu): upgrade cloudward, "
                            "or use another --store",
                            p->what, (long long)version, p->nmigrations);
    for (; version < (int64_t)p->nmigrations; version++) {
        snprintf(set, sizeof(set), "PRAGMA user_version = %d",
                 (int)version + 1);
        if (!cw__db_exec(db, p->migrations[version]) ||
            !cw__db_exec(db, set))
            return cw__diag_set(d, CW_EIO, path, 0, 0,
                                "cannot bring the %s store up to date: %s",
                                p->what, cw__db_errmsg(db));
    }
    return CW_OK;
}

enum cw_status cw__store_db_open(const char *store, const struct cw__part *p,
                                 bool create, struct cw__db **out,
                                 char *path, size_t n, bool *absent,
                                 struct cw_diag *d)
{
    const char *names[4];
    char wal[64], shm[64], err[600];
    struct stat sb;
    enum cw_status st;
    struct cw__db *db;

    *out = NULL;
    *absent = false;
    if (cw__store_is_url(store)) {
        struct cw__lstore *schema;
        int rc;
        cw__store_display(store, path, n);
        /* One schema, one version for the whole database: opening it as
         * the ledger's store brings every table (these too) up to date,
         * or refuses a newer one. */
        rc = cw__lstore_pg_open(store, NULL, create, &schema, err,
                                sizeof(err));
        if (rc == CW__STORE_MISSING) {
            *absent = true;
            return CW_OK;
        }
        if (rc)
            return cw__diag_set(d, CW_EIO, path, 0, 0, "%s", err);
        schema->ops->close(schema);
        if (!(*out = cw__db_open_pg(store, err, sizeof(err))))
            return cw__diag_set(d, CW_EIO, path, 0, 0, "%s", err);
        return CW_OK;
    }
    snprintf(path, n, "%s/%s", store, p->file);
    /* reading a store that has no folder or file yet: nothing there */
    *absent = !create && lstat(path, &sb) != 0;
    if (*absent)
        return CW_OK;
    if (create && mkdir(store, 0700) != 0 && errno != EEXIST)
        return cw__diag_set(d, CW_EIO, store, 0, 0, "cannot create: %s",
                            strerror(errno));
    snprintf(wal, sizeof(wal), "%s-wal", p->file);
    snprintf(shm, sizeof(shm), "%s-shm", p->file);
    names[0] = p->file;
    names[1] = wal;
    names[2] = shm;
    names[3] = NULL;
    if ((st = cw__store_dir_check(store, names, create ? p->file : NULL, d)))
        return st;
    if (!(db = cw__db_open_sqlite(path, false, err, sizeof(err))))
        return cw__diag_set(d, CW_EIO, path, 0, 0, "cannot open: %s", err);
    if (!cw__db_begin_write(db, 0)) {
        st = cw__diag_set(d, CW_EIO, path, 0, 0, "cannot open: %s",
                          cw__db_errmsg(db));
        cw__db_close(db);
        return st;
    }
    st = migrate(db, p, path, d);
    if (!st && !cw__db_exec(db, "COMMIT"))
        st = cw__diag_set(d, CW_EIO, path, 0, 0, "cannot open: %s",
                          cw__db_errmsg(db));
    if (st) {
        cw__db_exec(db, "ROLLBACK");
        cw__db_close(db);
        return st;
    }
    *out = db;
    return CW_OK;
}
