/*
 * store_db.h - the database of one part of a store (scan runs, access):
 * in a folder store its own SQLite file (private, WAL, its schema versioned
 * by user_version), in a PostgreSQL store the one database (its schema,
 * all parts' tables, versioned as a whole by ledger_pg.c).
 */
#ifndef CW_STORE_STORE_DB_H
#define CW_STORE_STORE_DB_H

#include "../core/core.h"
#include "sql.h"

struct cw__part {
    const char *file;                  /* "results.db" */
    const char *what;                  /* "results", for messages */
    const char *const *migrations;     /* SQLite: [v] takes v to v + 1 */
    size_t nmigrations;
};

/*
 * Opens part `p` of `store`, its schema brought to this version (a newer
 * one refused). `create`: the folder, file or tables may be created;
 * otherwise a store without them sets *absent, creating nothing (*out
 * stays NULL). `path` (n bytes) receives the name messages use (a URL
 * without its password).
 */
enum cw_status cw__store_db_open(const char *store, const struct cw__part *p,
                                 bool create, struct cw__db **out,
                                 char *path, size_t n, bool *absent,
                                 struct cw_diag *d);

#endif
