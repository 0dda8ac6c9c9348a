/*
 * ledger_store.h - what the ledger keeps, behind one interface (DESIGN.md:
 * "store"). The ledger (src/ledger/ledger.c) decides what an entry is,
 * builds the Merkle tree, signs and verifies; a store only keeps rows and
 * gives them back, in transactions. SQLite (ledger_sqlite.c) is the
 * implementation by default; ledger_pg.c implements the same operations
 * in PostgreSQL, with the tenant id as the key of its row-level security.
 *
 * What a store keeps:
 *
 *   entries      one row per entry, by index: tenant (or none), action,
 *                leaf hash, the hashes of the even-level subtrees the entry
 *                completes ("nodes", 32 bytes each, lowest level first),
 *                and the stored entry text
 *   tenant runs  per tenant per append: its first index there and the
 *                gaps to its next ones (LEB128), the tenant views' index
 *   checkpoints  signed tree heads, by tree size
 *   meta         a few named values (the verifier key)
 *
 * Every operation returns CW__STORE_OK, CW__STORE_MISSING (no such row),
 * or CW__STORE_ERROR with the reason in errmsg(). A write is durable when
 * commit() returns CW__STORE_OK, and not before. Rows passed to a callback
 * are valid during the call only.
 */
#ifndef CW_STORE_LEDGER_STORE_H
#define CW_STORE_LEDGER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    CW__STORE_OK = 0,
    CW__STORE_ERROR = 1,
    CW__STORE_MISSING = 2,
    CW__STORE_STOP = 3 /* what a callback returns to end a scan early */
};

struct cw__lrow {
    uint64_t idx;
    const char *tenant; /* NULL: the organisation's own */
    const char *action;
    const unsigned char *leaf;
    size_t leaf_len;
    const unsigned char *nodes; /* NULL when the entry completes none */
    size_t nodes_len;
    const char *body;
    size_t body_len;
};

/* Which entries scan() reads. Each but ALL has its own index. */
enum cw__lkind {
    CW__LKIND_ALL,
    CW__LKIND_EVIDENCE,   /* evidence.add */
    CW__LKIND_FOUNDATION  /* scope.init, scope.set, decision.set,
                             decision.remove */
};

struct cw__lstore;

/* A callback's non-zero return (CW__STORE_STOP, or a reason of its own
 * above it) stops the scan and is what the scan returns. */
typedef int (*cw__lrow_fn)(void *arg, const struct cw__lrow *r);
typedef int (*cw__lrun_fn)(void *arg, const char *tenant, uint64_t first,
                           const unsigned char *gaps, size_t n);
typedef int (*cw__lcheckpoint_fn)(void *arg, uint64_t size,
                                  const char *note);

struct cw__lstore_ops {
    const char *name;
    void (*close)(struct cw__lstore *s);
    const char *(*errmsg)(struct cw__lstore *s);

    /* A transaction: a consistent snapshot for reads; with `write`, the
     * one writer (appenders in other processes wait their turn). */
    int (*begin)(struct cw__lstore *s, bool write);
    int (*commit)(struct cw__lstore *s);
    void (*rollback)(struct cw__lstore *s);

    int (*meta_get)(struct cw__lstore *s, const char *key, char *out,
                    size_t n);
    int (*meta_put)(struct cw__lstore *s, const char *key,
                    const char *value);

    /* The number of entries (the highest index + 1). */
    int (*size)(struct cw__lstore *s, uint64_t *n);
    /* Hash `slot` of entry `idx`: 0 its leaf, k its node at level 2k. */
    int (*hash)(struct cw__lstore *s, uint64_t idx, unsigned slot,
                unsigned char out[32]);
    int (*put)(struct cw__lstore *s, const struct cw__lrow *r);
    int (*get)(struct cw__lstore *s, uint64_t idx, struct cw__lrow *r);
    /* Entries of `kind` in index order. */
    int (*scan)(struct cw__lstore *s, enum cw__lkind kind, cw__lrow_fn fn,
                void *arg);

    int (*put_run)(struct cw__lstore *s, const char *tenant, uint64_t first,
                   const unsigned char *gaps, size_t n);
    /* The runs of `tenant` by first index, or of every tenant (NULL). */
    int (*scan_runs)(struct cw__lstore *s, const char *tenant,
                     cw__lrun_fn fn, void *arg);

    /* Optional (NULL where reads are cheap): within a read transaction,
     * loads rows `idx` (n, in any order; hashes only for rows this
     * transaction may not read) in one round trip, so that the get() and
     * hash() calls that follow find them. A failure only loses the
     * shortcut: the reads then go to the store one by one. */
    void (*prefetch)(struct cw__lstore *s, const uint64_t *idx, size_t n);

    /* Optional (NULL: evidence files live in the store's folder): keeps
     * `len` bytes under `hash` (hex SHA-256) in the database, durably on
     * return; *dup when they were there already. CW__STORE_MISSING when
     * they are too large to keep there (blob_max). */
    int (*blob_put)(struct cw__lstore *s, const char *hash, const void *p,
                    size_t len, bool *dup);
    /* The bytes kept under `hash`, appended to *out (a struct cw__buf);
     * CW__STORE_MISSING when none are. */
    int (*blob_get)(struct cw__lstore *s, const char *hash, void *out);

    /* Optional (NULL where the ledger filters by tenant itself): the
     * tenant the transactions from the next begin() on are scoped to,
     * row-level security keeping out every other (NULL: all). */
    void (*scope)(struct cw__lstore *s, const char *tenant);

    /* A checkpoint at a size already stored is kept, not replaced. */
    int (*put_checkpoint)(struct cw__lstore *s, uint64_t size,
                          const char *note);
    /* By size; with `latest`, only the largest. */
    int (*scan_checkpoints)(struct cw__lstore *s, bool latest,
                            cw__lcheckpoint_fn fn, void *arg);
};

struct cw__lstore {
    const struct cw__lstore_ops *ops;
};

/*
 * Opens (creating on first use) the SQLite store `path`: WAL,
 * synchronous=FULL, a 30 s wait for the write lock, and stores written by
 * earlier versions brought to this layout. On error *out is NULL and the
 * reason is in err.
 */
int cw__lstore_sqlite_open(const char *path, struct cw__lstore **out,
                           char *err, size_t n);

/*
 * Opens the PostgreSQL store at `url` (a libpq connection URI): its tables
 * brought to this version in one transaction, created on first use when
 * `create` (else CW__STORE_MISSING, creating nothing, when the database
 * holds no store). Every transaction names `tenant` for the row-level
 * security policies; NULL is "*", every tenant's rows (the provider's own
 * view: the CLI, the verifier). A role that bypasses row-level security
 * is refused. On error *out is NULL and the reason (never the password)
 * is in err.
 */
int cw__lstore_pg_open(const char *url, const char *tenant, bool create,
                       struct cw__lstore **out, char *err, size_t n);

#endif
