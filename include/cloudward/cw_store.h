/*
 * cw_store.h - moving a store: from a folder (SQLite) into PostgreSQL
 * (docs/scaling.md).
 */
#ifndef CLOUDWARD_CW_STORE_H
#define CLOUDWARD_CW_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <cloudward/cw_core.h>
#include <cloudward/cw_export.h>
#include <cloudward/cw_status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a migration copied, as proved on the copy. */
struct cw_store_migration {
    uint64_t entries;        /* ledger entries: the same number on both */
    unsigned char root[32];  /* and the same tree root */
    size_t checkpoints;      /* signed checkpoints copied */
    size_t evidence;         /* evidence entries, each file's digest
                                checked in the copy */
    size_t runs;             /* scan runs, each with the same results */
    size_t results;          /* results read back from them */
};

/*
 * Copies the folder store `from` into the empty PostgreSQL store `to`
 * (a postgresql:// URL), then proves the copy: the ledger verifies and has
 * the same size and root, every evidence file has its recorded digest,
 * every run gives the same results. The ledger's key is copied into
 * $CLOUDWARD_KEY_DIR (refused when a different key is there). The source
 * is only read; it must verify first. Evidence and runs are copied before
 * the ledger, which goes last in one transaction: a copy cut short has
 * no ledger (or an empty one), and a second run refuses a destination
 * that holds runs or entries. CW_EINTEGRITY when a proof fails.
 */
CW_API enum cw_status cw_store_migrate(const char *from, const char *to,
                                       struct cw_store_migration *m,
                                       struct cw_diag *d);

#ifdef __cplusplus
}
#endif
#endif
