/*
 * pg.h - connecting to a PostgreSQL store, shared by its modules
 * (ledger_pg.c, sql.c).
 */
#ifndef CW_STORE_PG_H
#define CW_STORE_PG_H

#include <stddef.h>

#include <libpq-fe.h>

/*
 * Connects to `url` (a libpq URI). NOTICEs are not printed; a role that
 * bypasses row-level security (superuser, BYPASSRLS) is refused, since it
 * would let one tenant's request read another's rows. Without `tenant`
 * the connection is the provider's: every tenant's rows, in and out of
 * transactions. NULL on error, with the reason (never the password) in
 * err.
 */
PGconn *cw__pg_connect(const char *url, const char *tenant, char *err,
                       size_t n);

/* Done with connection `c`, made by cw__pg_connect(url, tenant): parked
 * for this thread's next connect to the same store when it is idle and
 * healthy (sql.c), else closed. */
void cw__pg_finish(PGconn *c, const char *url, const char *tenant);

/* The error of `r` (or of the connection when r has none) as one line in
 * out; clears r. */
void cw__pg_error(PGconn *c, PGresult *r, char *out, size_t n);

#endif
