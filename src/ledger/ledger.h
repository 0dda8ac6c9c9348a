/*
 * ledger.h - internals of the ledger (src/ledger): entries, the Merkle
 * tree (merkle.h), signed checkpoints (note.h), the SQLite store
 * (ledger.c).
 */
#ifndef CW_LEDGER_LEDGER_H
#define CW_LEDGER_LEDGER_H

#include <cloudward/cw_ledger.h>

#include "../core/core.h"
#include "../parse/node.h"
#include "merkle.h"
#include "note.h"

/* The largest entry (canonical JSON) the ledger takes. */
#define ENTRY_MAX ((size_t)64 << 10)

/* The canonical OCSF JSON of an event, with a fresh random entry id;
 * *out is cw__malloc'd. Errors name the event's file and line. */
enum cw_status cw__entry_build(const struct cw_log_event *e, char **out,
                               struct cw_diag *d);

/*
 * The same entry as it is stored: each fixed fragment of the OCSF shape
 * written as one byte below 0x20 (entry.c lists them). *len is its length.
 * cw__entry_expand() gives the canonical bytes back; it is what is hashed
 * and shown.
 */
enum cw_status cw__entry_build_stored(const struct cw_log_event *e,
                                      char **out, size_t *len,
                                      struct cw_diag *d);

/*
 * In canonical entry `canon`, the tenant (metadata.tenant_uid) or, when
 * !tenant, the action, as written there: a JSON string with its quotes,
 * *val NULL when the entry has no tenant. False when the entry does not
 * have the shape this builder writes.
 */
bool cw__entry_field(const char *canon, size_t n, bool tenant,
                     const char **val, size_t *len);

/* As cw__entry_build_stored, appending the entry and a NUL (counted in
 * b->len) to `b`, which is left as it was on error: a batch of entries in
 * one buffer. */
enum cw_status cw__entry_append_stored(const struct cw_log_event *e,
                                       struct cw__buf *b, struct cw_diag *d);

/* The canonical entry of a stored one, into `out` (emptied first; NUL-
 * terminated, the NUL not counted in out->len). CW_EPARSE for a byte below
 * 0x20 that names no fragment. Canonical text expands to itself. */
enum cw_status cw__entry_expand(const char *s, size_t n, struct cw__buf *out);

/*
 * One event from a JSON line (`log append --from`): fields as in
 * cw_log_event, strings only, `details` an object, `time` integer
 * milliseconds. Strings live in `a`. Errors carry FILE:LINE:COL.
 */
enum cw_status cw__event_parse(struct cw__arena *a, const char *text,
                               size_t len, const char *file, unsigned line,
                               struct cw_log_event *e, struct cw_diag *d);

/* Writes JSON value `n` canonically (keys sorted, integers only); a
 * fraction or a duplicate key is an error at its position in `file`. */
enum cw_status cw__canonical(const struct cw__node *n, struct cw__buf *b,
                             const char *file, struct cw_diag *d);

/* `s` (n bytes) as a JSON string, canonical escapes. */
enum cw_status cw__json_str(struct cw__buf *b, const char *s, size_t n);

/* The store folder of an open ledger. */
const char *cw__ledger_dir(const struct cw_ledger *l);

/* Evidence kept by the store itself (PostgreSQL: in the database), or
 * CW_ENOENT from both when the store keeps it as files in
 * cw__ledger_dir()/evidence. put: *dup when the bytes were there; a file
 * too large for the database is CW_ELIMIT. get: appends to `b`; CW_ENOENT
 * also when nothing is kept under `hash`. */
enum cw_status cw__ledger_blob_put(struct cw_ledger *l, const char *hash,
                                   const void *p, size_t len, bool *dup,
                                   struct cw_diag *d);
enum cw_status cw__ledger_blob_get(struct cw_ledger *l, const char *hash,
                                   struct cw__buf *b, struct cw_diag *d);
bool cw__ledger_keeps_blobs(const struct cw_ledger *l);

/* Keeps every evidence file `from`'s ledger names (each checked against
 * its hash first) in store `to`; *n counts the entries. */
enum cw_status cw__evidence_copy(struct cw_ledger *from, struct cw_ledger *to,
                                 size_t *n, struct cw_diag *d);

/* Copies every entry, tenant index row and checkpoint of `from` into
 * `to` (empty, and signed by the same key) in one transaction on `to`,
 * then the copy of the last checkpoint kept beside the key. For `store
 * migrate`; *checkpoints counts those copied. */
enum cw_status cw__ledger_copy(struct cw_ledger *from, struct cw_ledger *to,
                               size_t *checkpoints, struct cw_diag *d);

/*
 * The ledger as an audit package holds it (src/package): the entries from
 * the first up to the first one timed after `until_ms` (the slice: *n of
 * them), each given to `fn` as canonical JSON in index order, then a
 * checkpoint of the slice signed now (`note_n`), the latest signed
 * checkpoint of a tree at least as large (`note_head`; one is signed and
 * stored when none is), and the consistency proof between the two
 * (*nproof hashes into `proof`, 128 * 32 bytes). All in one snapshot:
 * what the package says is what the ledger held at one instant. The same
 * ledger gives the same bytes (Ed25519 signs deterministically).
 */
struct cw__slice {
    uint64_t n, head;
    char note_n[CW__NOTE_MAX];
    char note_head[CW__NOTE_MAX];
    unsigned char proof[CW__MERKLE_MAX_PROOF * CW__HASH_LEN];
    size_t nproof;
    char vkey[CW__NOTE_KEY_MAX];
};
enum cw_status cw__ledger_slice(struct cw_ledger *l, long long until_ms,
                                int (*fn)(void *arg, uint64_t idx,
                                          const char *canon, size_t len),
                                void *arg, struct cw__slice *out,
                                struct cw_diag *d);

/* The time (ms) of canonical entry `canon`; false when it has none. */
bool cw__entry_time(const char *canon, long long *ms);

/* The entries cw__ledger_each reads back (each kind has its own index). */
enum cw__ledger_kind {
    CW__KIND_EVIDENCE,   /* evidence.add */
    CW__KIND_FOUNDATION  /* scope.init, scope.set, decision.set,
                            decision.remove */
};

/* Calls `fn` with each entry of `kind` (its canonical JSON), in order,
 * until it says stop. */
enum cw_status cw__ledger_each(struct cw_ledger *l, enum cw__ledger_kind kind,
                               bool (*fn)(void *arg, uint64_t index,
                                          const char *body),
                               void *arg, struct cw_diag *d);

#endif
