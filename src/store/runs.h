/*
 * runs.h - what the library reads of saved runs beyond cw_runs.h.
 */
#ifndef CW_STORE_RUNS_H
#define CW_STORE_RUNS_H

#include <cloudward/cw_runs.h>

#include "../core/core.h"

/* As cw_run_results, without the reasons and file names (NULL): what
 * counting needs, without a lookup per result. */
enum cw_status cw__run_results_bare(const char *store, int64_t id,
                                    cw_run_result_fn fn, void *arg,
                                    struct cw_diag *d);

/* The ledger's record of saved run `run` of `r` (scan.KIND by `actor`)
 * into *ev, its strings in action[32] and details[400]: what
 * cw_results_record appends, for a caller that appends it with other
 * entries in one transaction. */
struct cw_log_event;
void cw__results_event(const struct cw_results *r, const char *kind,
                       int64_t run, const char *actor,
                       struct cw_log_event *ev, char action[32],
                       char details[400]);

/* Copies every run of store `from` (packs, checks, interned strings,
 * results, counted passes, with their ids) into store `to`, which must
 * hold none, in one transaction on `to`. *runs: how many. */
enum cw_status cw__runs_copy(const char *from, const char *to, size_t *runs,
                             struct cw_diag *d);

/* One packed result of a chunk (runs_sqlite.c): the check's index, the
 * verdict, the reason's and file's ids plus one (0: none), the line, the
 * resource (NULL: none; valid until the next record). */
struct cw__chunk_rec {
    uint64_t check, reason, file, line;
    enum cw_verdict verdict;
    const char *resource;
};

typedef int (*cw__chunk_fn)(void *arg, const struct cw__chunk_rec *r);

/*
 * Decodes a chunk of `n` results (`len` bytes at p) of a pack with
 * `nchecks` checks, calling fn for each; `res` holds the resource being
 * built. Returns 0 when the chunk decodes exactly, -1 when it does not
 * (cut short, trailing bytes, a check or verdict out of range), -2 when
 * memory ran out, or fn's non-zero return.
 */
int cw__chunk_decode(const unsigned char *p, size_t len, uint64_t n,
                     size_t nchecks, struct cw__buf *res, cw__chunk_fn fn,
                     void *arg);

#endif
