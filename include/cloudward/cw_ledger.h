/*
 * cw_ledger.h - the tamper-evident ledger every state change of cloudward
 * goes through (ISO/IEC 27017 CLD.12.1.5, CLD.12.4.5; 27018 records of
 * disclosures and restorations).
 *
 * Each event becomes one entry: canonical JSON following OCSF 1.1
 * (docs/ledger.md), and a leaf of an RFC 6962 Merkle tree. Checkpoints of
 * the tree are signed with the store's Ed25519 key in the C2SP
 * tlog-checkpoint format; inclusion proofs show an entry is in a
 * checkpointed tree, consistency proofs that a later tree extends an
 * earlier one. Entries are never updated or deleted: `cw_ledger_verify`
 * recomputes everything and names the first entry that differs.
 *
 * Storage is SQLite in the store directory (ledger.db, WAL,
 * synchronous=FULL); the signing key is ledger.key beside it (mode 0600).
 * An append returns only once its entries are durable; several processes
 * may append at once. A failed write stops the append with an error, it is
 * never retried behind the caller's back.
 */
#ifndef CLOUDWARD_CW_LEDGER_H
#define CLOUDWARD_CW_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cloudward/cw_core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One event. actor, action and target are required; keep personal data
 * out (pseudonymous ids): the ledger cannot be erased. */
struct cw_log_event {
    const char *actor;
    const char *action;   /* "scan.config", "evidence.add", "auth.logon" */
    const char *target;
    const char *tenant;   /* NULL: the organisation's own */
    const char *outcome;  /* "success" (NULL) or "failure" */
    const char *reason;   /* may be NULL */
    const char *details_json; /* a JSON object, integers only; or NULL */
    long long time_ms;    /* 0: now */
    const char *file;     /* where the event was read, for errors */
    unsigned line;
};

struct cw_ledger;

/* Opens (creating on first use) the ledger of the store `dir`: a folder,
 * or a PostgreSQL database named by a postgresql:// URL (libpq's), whose
 * signing key is kept in the folder $CLOUDWARD_KEY_DIR (docs/scaling.md). */
CW_API enum cw_status cw_ledger_open(const char *dir, struct cw_ledger **out,
                                     struct cw_diag *d);

/* Opens the ledger of an existing store; CW_ENOENT, creating nothing, when
 * `dir` or its ledger is missing (a mistyped --store must not verify as
 * an empty log). For the verbs that only read. */
CW_API enum cw_status cw_ledger_open_existing(const char *dir,
                                              struct cw_ledger **out,
                                              struct cw_diag *d);
CW_API void cw_ledger_close(struct cw_ledger *l);

/* The store `store` (a folder or a URL) as messages may name it: a URL's
 * password shown as "***". */
CW_API void cw_store_display(const char *store, char *out, size_t n);

/* Appends `n` events in one durable transaction; the first gets index
 * *first. `leaves` (n * 32 bytes) receives their leaf hashes, or NULL. */
CW_API enum cw_status cw_ledger_append(struct cw_ledger *l,
                                       const struct cw_log_event *ev,
                                       size_t n, uint64_t *first,
                                       unsigned char *leaves,
                                       struct cw_diag *d);

/* Appends one event per JSON line of `in` (fields as in cw_log_event),
 * `batch` lines per transaction; after each transaction `ack` is called
 * for each entry with its index and leaf hash. A bad line stops the run
 * with its FILE:LINE:COL; the batches before it stay appended. */
CW_API enum cw_status cw_ledger_append_lines(
    struct cw_ledger *l, FILE *in, const char *name, size_t batch,
    void (*ack)(void *arg, uint64_t index, const unsigned char leaf[32]),
    void *arg, struct cw_diag *d);

CW_API enum cw_status cw_ledger_size(struct cw_ledger *l, uint64_t *size,
                                     struct cw_diag *d);

/* Signs and stores a checkpoint of the current tree; the note text is
 * written to `note` (n bytes; 1024 are enough). */
CW_API enum cw_status cw_ledger_checkpoint(struct cw_ledger *l, char *note,
                                           size_t n, struct cw_diag *d);

/* The latest signed checkpoint's note into `note` (n bytes); CW_ENOENT
 * when none was signed yet. */
CW_API enum cw_status cw_ledger_latest_checkpoint(struct cw_ledger *l,
                                                  char *note, size_t n,
                                                  struct cw_diag *d);

/* The number of entries and the root of their tree (RFC 9162), read in
 * one snapshot. */
CW_API enum cw_status cw_ledger_root(struct cw_ledger *l, uint64_t *size,
                                     unsigned char root[32],
                                     struct cw_diag *d);

/* The verifier key text of the ledger's signing key. */
CW_API enum cw_status cw_ledger_vkey(struct cw_ledger *l, char *vkey,
                                     size_t n, struct cw_diag *d);

/* Inclusion proof of entry `index` in the tree of `size` entries, and
 * consistency proof from `size1` to `size2` entries: hashes end to end,
 * *nproof of them (at most 128; `proof` holds 128 * 32 bytes). */
CW_API enum cw_status cw_ledger_prove(struct cw_ledger *l, uint64_t index,
                                      uint64_t size, unsigned char *proof,
                                      size_t *nproof, struct cw_diag *d);
CW_API enum cw_status cw_ledger_consistency(struct cw_ledger *l,
                                            uint64_t size1, uint64_t size2,
                                            unsigned char *proof,
                                            size_t *nproof,
                                            struct cw_diag *d);

/* Recomputes every leaf, every stored subtree hash and every checkpoint
 * signature and root, and checks that the ledger still extends the copy
 * of its last checkpoint kept outside the database (STORE/checkpoint).
 * CW_OK when all hold; else CW_EINTEGRITY with the first diverging entry
 * in *bad (or the checkpoint's size) and `d` saying what differs. What
 * this can and cannot prove alone: docs/ledger.md, "What verify proves". */
CW_API enum cw_status cw_ledger_verify(struct cw_ledger *l, uint64_t *bad,
                                       struct cw_diag *d);

/* Checks that the ledger extends checkpoint `note` (len bytes), one that
 * someone kept (a customer, an auditor, another store): signed by this
 * ledger's key, of a size the ledger still reaches, with the root of the
 * ledger's first entries. `what` names it in messages. CW_EINTEGRITY
 * saying which does not hold. */
CW_API enum cw_status cw_ledger_extends(struct cw_ledger *l, const char *note,
                                        size_t len, const char *what,
                                        struct cw_diag *d);

/*
 * Writes the entries (of `tenant` only, when not NULL) as JSON lines:
 * {"index", "leaf", "entry", "proof": [...], "checkpoint"}, each with its
 * inclusion proof against the latest signed checkpoint (entries after it
 * have none until the next checkpoint). With json false, a table.
 */
CW_API enum cw_status cw_ledger_show(struct cw_ledger *l, const char *tenant,
                                     bool json, FILE *out, struct cw_diag *d);

/* Reads from here on see `tenant`'s entries only (NULL: every one): on
 * PostgreSQL the store's row-level security keeps the others out of the
 * transactions themselves, beside cw_ledger_show's own filter. For a
 * server answering one tenant's request on a shared handle. */
CW_API void cw_ledger_view_as(struct cw_ledger *l, const char *tenant);

/* As cw_ledger_show, one page: passes over the first `skip` entries (of
 * the tenant's, with `tenant`) and writes at most `limit` (0: all). */
CW_API enum cw_status cw_ledger_show_page(struct cw_ledger *l,
                                          const char *tenant, uint64_t skip,
                                          uint64_t limit, bool json,
                                          FILE *out, struct cw_diag *d);

/*
 * A customer's offline check of one line of `cloudward log show --format
 * json`: the entry hashes to its leaf, the proof leads from that leaf to
 * the root of the line's checkpoint (RFC 9162), and the checkpoint is
 * signed by `vkey`, the provider's verifier key (`cloudward log vkey`).
 * Needs no store. CW_OK with *index and *tree_size; CW_ENOENT for an entry
 * appended after the latest checkpoint (no proof yet); CW_EINTEGRITY
 * saying what does not hold; CW_EPARSE/CW_ESCHEMA for a malformed line.
 */
CW_API enum cw_status cw_ledger_check_line(const char *line, size_t len,
                                           const char *vkey,
                                           const char *file, unsigned lineno,
                                           uint64_t *index,
                                           uint64_t *tree_size,
                                           struct cw_diag *d);

/* ---- the scope and its decisions ---------------------------------------
 *
 * The scope file and the decision files are edited by people, outside
 * cloudward. cw_ledger_record_scope brings the ledger up to date with them
 * before anything is built on them: a scope.set entry when the scope
 * file's content changed since the last one recorded, a decision.set entry
 * for each decision that is new or says something else than the last one
 * recorded for its control (details: applicable, status, responsibility,
 * source, file, line, and the SHA-256 of everything it says; its free
 * texts stay out of the ledger), and a decision.remove entry for each
 * control whose recorded decision no file holds any more. One append;
 * *changes is the number of entries (0: the ledger already held this
 * state). `cloudward soa` and `matrix` call it whenever the store has a
 * ledger.
 */
struct cw_scope;

CW_API enum cw_status cw_ledger_record_scope(struct cw_ledger *l,
                                             const struct cw_scope *s,
                                             const char *actor,
                                             size_t *changes,
                                             struct cw_diag *d);

/* One recorded change of the scope or a decision, as read back. */
struct cw_record {
    uint64_t index;
    const char *action;  /* scope.init, scope.set, decision.set,
                            decision.remove */
    const char *target;  /* the scope file's name, or "CATALOG ID" */
    const char *actor;
    long long time_ms;
    int applicable;      /* 1, 0, or -1 when not a decision.set */
    const char *status, *responsibility, *file; /* or NULL */
    unsigned line;
    const char *sha256;  /* or NULL */
    const char *organisation; /* scope.set: the scope's organisation */
    const char *scope_file;   /* scope.set: digest of the file's path */
    const char *source;  /* decision.set: its reasons ("legal, risk"), or
                            NULL */
};

/* Calls `fn` with each recorded change (of `target` only, when not NULL),
 * oldest first, until it returns false. */
CW_API enum cw_status cw_ledger_record_each(struct cw_ledger *l,
                                            const char *target,
                                            bool (*fn)(void *arg,
                                                       const struct cw_record *r),
                                            void *arg, struct cw_diag *d);

/* ---- evidence ----------------------------------------------------------
 *
 * Evidence files are stored content-addressed in STORE/evidence/SHA256
 * (written atomically, never twice), and each addition is a ledger entry
 * (action evidence.add, target the hash, details: control, name, size,
 * effective and expiry dates). The ledger is the record: listing evidence
 * reads it back, so metadata and history cannot disagree.
 */
struct cw_evidence {
    uint64_t index;       /* its ledger entry */
    const char *hash;     /* SHA-256, hex */
    const char *control;  /* "CATALOG ID" */
    const char *name;     /* the file's base name when added */
    long long size;
    const char *effective; /* YYYY-MM-DD or NULL */
    const char *expires;   /* YYYY-MM-DD or NULL */
    long long time_ms;    /* when it was added */
};

/* Stores `path` as evidence for `control` ("CATALOG ID") and records it.
 * *dup tells whether the same content was already stored (it is recorded
 * again for this control). `hash` receives the hex SHA-256. A symbolic
 * link is refused unless `follow` (a link to /etc/shadow would otherwise
 * be copied into the store); only regular files are read. The stored copy
 * is 0600. When the entry cannot be recorded, a copy stored for it is
 * removed again: no stored file without an entry. */
CW_API enum cw_status cw_evidence_add(struct cw_ledger *l, const char *path,
                                      const char *control,
                                      const char *effective,
                                      const char *expires, const char *actor,
                                      bool follow, char hash[65], bool *dup,
                                      struct cw_diag *d);

/* Calls `fn` for each piece of evidence recorded, oldest first. */
CW_API enum cw_status cw_evidence_each(struct cw_ledger *l,
                                       bool (*fn)(void *arg,
                                                  const struct cw_evidence *e),
                                       void *arg, struct cw_diag *d);

/* True when the stored file of `e` is present and hashes to `e->hash`. */
CW_API bool cw_evidence_intact(struct cw_ledger *l,
                               const struct cw_evidence *e);

/* Copies the stored file of `e` to `path`, which must not exist (written
 * privately and atomically; a link or an existing file there is refused). */
CW_API enum cw_status cw_evidence_export_to(struct cw_ledger *l,
                                            const struct cw_evidence *e,
                                            const char *path,
                                            struct cw_diag *d);

/* Copies the stored file of `e` to `dir`/HASH. */
CW_API enum cw_status cw_evidence_export(struct cw_ledger *l,
                                         const struct cw_evidence *e,
                                         const char *dir, struct cw_diag *d);

#ifdef __cplusplus
}
#endif
#endif
