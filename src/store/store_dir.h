/*
 * store_dir.h - a store folder's safety checks, shared by the files kept
 * there (the ledger's ledger.db and ledger.key, the runs' results.db).
 */
#ifndef CW_STORE_STORE_DIR_H
#define CW_STORE_STORE_DIR_H

#include "../core/core.h"

/*
 * Checks the store folder `dir` before a file of it is opened: refused
 * (CW_EPERM) when others may write to it, or when one of `names`
 * (NULL-terminated, relative to dir) exists as anything but a regular
 * file (a planted link would make cloudward write at its target); those
 * files are made private (0600) when they are not. Then, when `create` is
 * not NULL, creates dir/create empty and private if it is absent, so that
 * SQLite opens a private file rather than one the umask made readable.
 */
enum cw_status cw__store_dir_check(const char *dir, const char *const *names,
                                   const char *create, struct cw_diag *d);

/* True when `store` names a PostgreSQL database (postgresql:// or
 * postgres://) rather than a folder. */
bool cw__store_is_url(const char *store);

/* `store` as it may be shown: a URL's password (user:PASSWORD@ or
 * password=...) replaced by "***". */
void cw__store_display(const char *store, char *out, size_t n);

/* The local folder of a PostgreSQL store: $CLOUDWARD_KEY_DIR. It keeps
 * what must not live in the database: the ledger's signing key and the
 * copy of the last checkpoint (docs/scaling.md). */
enum cw_status cw__store_key_dir(char *out, size_t n, struct cw_diag *d);

#endif
