/*
 * sql.h - one small statement interface over SQLite and PostgreSQL, for
 * the store modules whose SQL is the same on both (runs_sqlite.c): the
 * shape of SQLite's own API (prepare, bind, step, column), so that code
 * written for SQLite reads the same. Statements use '?' placeholders;
 * on PostgreSQL each becomes $N, and a statement runs (one round trip)
 * at its first step after a bind or reset, its rows then read from
 * memory. Bound text and blobs must stay valid until that step, as with
 * SQLITE_STATIC.
 *
 * Column types on PostgreSQL: bigint, double precision, text and bytea
 * (the schema declares no other); results come back binary.
 */
#ifndef CW_STORE_SQL_H
#define CW_STORE_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cw__db;
struct cw__q;

enum { CW__Q_ROW = 1, CW__Q_DONE = 2, CW__Q_ERROR = 3 };

/* Opens SQLite database `path` (WAL, synchronous=FULL, a 30 s wait for
 * the write lock), creating it when `create`; NULL with the reason in
 * err. */
struct cw__db *cw__db_open_sqlite(const char *path, bool create, char *err,
                                  size_t n);
/* Connects to PostgreSQL at `url` (libpq URI) as the provider (every
 * tenant's rows); a role that bypasses row-level security is refused.
 * NULL with the reason (never the password) in err. */
struct cw__db *cw__db_open_pg(const char *url, char *err, size_t n);
void cw__db_close(struct cw__db *db);
bool cw__db_is_pg(const struct cw__db *db);
const char *cw__db_errmsg(struct cw__db *db);

/* Runs statements that return nothing worth keeping. */
bool cw__db_exec(struct cw__db *db, const char *sql);
/* A write transaction: the one writer (others wait; on PostgreSQL an
 * advisory lock keyed by `lock`, so each module queues on its own). */
bool cw__db_begin_write(struct cw__db *db, int64_t lock);

bool cw__db_prepare(struct cw__db *db, const char *sql, struct cw__q **q);
void cw__q_reset(struct cw__q *q);
void cw__q_finalize(struct cw__q *q);
/* Parameters count from 1. Text NULL binds SQL NULL. */
void cw__q_int64(struct cw__q *q, int i, int64_t v);
void cw__q_double(struct cw__q *q, int i, double v);
void cw__q_text(struct cw__q *q, int i, const char *s);
void cw__q_blob(struct cw__q *q, int i, const void *p, size_t n);
int cw__q_step(struct cw__q *q);
/* Columns count from 0, of the row the last step returned. */
int64_t cw__col_int64(struct cw__q *q, int c);
double cw__col_double(struct cw__q *q, int c);
const char *cw__col_text(struct cw__q *q, int c); /* NULL when NULL */
const void *cw__col_blob(struct cw__q *q, int c);
size_t cw__col_bytes(struct cw__q *q, int c);

#endif
