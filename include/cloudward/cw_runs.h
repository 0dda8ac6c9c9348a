/*
 * cw_runs.h - scan runs saved in the store, as data.
 *
 * A saved scan is a run: what was scanned, with which exact pack, when, by
 * whom, its counts, and its results (check, resource, verdict, reason,
 * file, line), the passes of a config scan counted per check as the scan
 * counts them. The SoA reads each pack's latest run; `cloudward results`
 * lists runs, shows one and compares two. Runs live in STORE/results.db
 * (docs/store.md: the layout, its versions and what a run costs).
 */
#ifndef CLOUDWARD_CW_RUNS_H
#define CLOUDWARD_CW_RUNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cloudward/cw_checks.h>
#include <cloudward/cw_core.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_run {
    int64_t id;            /* 1, 2, ... in the order saved */
    const char *kind;      /* "host" or "config" */
    const char *pack;      /* the pack's name */
    const char *pack_digest; /* SHA-256 of its text (cw_pack_digest) */
    const char *target;    /* what was scanned */
    const char *started;   /* UTC, ISO 8601 */
    double seconds;
    const char *actor;     /* who saved it, or NULL */
    size_t counts[CW_VERDICT_COUNT]; /* every result, counted passes too */
    size_t stored;         /* results kept one by one */
};

/* One result of a run, with what its check says of itself. A config
 * run's passes come as one result per check, `counted`, with `count`
 * passes and no resource; every other result has count 1. */
struct cw_run_result {
    size_t seq;            /* its place in the run, from 0 */
    const char *check;     /* the check's id */
    const char *title;
    enum cw_severity severity;
    const char *controls;  /* "CATALOG ID" each, newline-separated */
    const char *resource;  /* config results: the resource's address */
    enum cw_verdict verdict;
    const char *reason;
    const char *file;
    unsigned line;
    size_t count;
    bool counted;          /* passes counted per check, not one by one */
};

/*
 * Saves `r` as a new run in the store folder `store` (created when
 * absent; private), with `kind` "host" or "config" and `actor` (may be
 * NULL), in one transaction: a run is there whole or not at all. Its id
 * goes to *run (may be NULL).
 */
CW_API enum cw_status cw_results_save(const struct cw_results *r,
                                      const char *store, const char *kind,
                                      const char *actor, int64_t *run,
                                      struct cw_diag *d);

/* A callback's non-zero return stops the listing and is returned as
 * CW_OK; the run and result passed are valid during the call only. */
/* Records saved run `run` of `r` in the store's ledger (scan.KIND: the
 * run, the exact pack and its SHA-256, the counts), by `actor`. */
CW_API enum cw_status cw_results_record(const struct cw_results *r,
                                        const char *store, const char *kind,
                                        int64_t run, const char *actor,
                                        struct cw_diag *d);

typedef int (*cw_run_fn)(void *arg, const struct cw_run *run);
typedef int (*cw_run_result_fn)(void *arg, const struct cw_run_result *x);

/* The runs saved in `store`, newest first. A store without runs (or a
 * folder that does not exist) lists none and creates nothing. */
CW_API enum cw_status cw_runs_list(const char *store, cw_run_fn fn,
                                   void *arg, struct cw_diag *d);

/* The latest run of each kind, pack and target (two hosts scanned with
 * one pack are two), newest first. */
CW_API enum cw_status cw_runs_latest(const char *store, cw_run_fn fn,
                                     void *arg, struct cw_diag *d);

/* The same as they stood at the end of day `as_of` (YYYY-MM-DD, UTC):
 * the latest of each started on or before it; NULL: cw_runs_latest. */
CW_API enum cw_status cw_runs_latest_by(const char *store, const char *as_of,
                                        cw_run_fn fn, void *arg,
                                        struct cw_diag *d);

/* Run `id` (CW_ENOENT when there is none). */
CW_API enum cw_status cw_run_get(const char *store, int64_t id, cw_run_fn fn,
                                 void *arg, struct cw_diag *d);

/* The results of run `id` in the order the scan gave them, then a config
 * run's counted passes, one per check. */
CW_API enum cw_status cw_run_results(const char *store, int64_t id,
                                     cw_run_result_fn fn, void *arg,
                                     struct cw_diag *d);

/*
 * The results of saved run `id` rebuilt against `pack`, the pack it was
 * run with (its SHA-256 must be the run's: CW_ESCHEMA otherwise, saying
 * so), for the reports of cw_report_results: the same JSON and SARIF as
 * when it ran, its time and duration included. Results of a check the
 * pack does not have are CW_ESCHEMA too. Free with cw_results_free().
 */
CW_API enum cw_status cw_run_load(const char *store, int64_t id,
                                  const struct cw_pack *pack,
                                  struct cw_results **out, struct cw_diag *d);

/* The resources of config run `id` that no check of its pack knows
 * (cw_results_uncovered_at), in the order the scan met them; none for a
 * host run or a run saved before they were kept. */
CW_API enum cw_status cw_run_uncovered(const char *store, int64_t id,
                                       int (*fn)(void *arg,
                                                 const struct cw_uncovered *u),
                                       void *arg, struct cw_diag *d);

/* How a result changed from one run to another (cw_runs_diff). */
enum cw_change {
    CW_CHANGE_FAILING, /* fails now, did not before */
    CW_CHANGE_FIXED,   /* failed before, does not now */
    CW_CHANGE_NEW,     /* a result the earlier run has none of */
    CW_CHANGE_OTHER    /* another verdict change (unknown to pass, ...) */
};

/* "failing", "fixed", "new", "changed". */
CW_API const char *cw_change_name(enum cw_change c);

/* `before` is NULL when the earlier run has no result for the check and
 * resource (for a config run: it passed, counted, or did not exist);
 * `after` is NULL when the later run has none (likewise). */
typedef int (*cw_change_fn)(void *arg, enum cw_change c,
                            const struct cw_run_result *before,
                            const struct cw_run_result *after);

/*
 * Compares run `a` (earlier) with run `b` (later), result by result,
 * matching on check id and resource: calls `fn` for each change, in b's
 * order, then for the fixed results that b no longer lists, in a's
 * order. Runs of different kinds or packs are CW_EINVAL.
 */
CW_API enum cw_status cw_runs_diff(const char *store, int64_t a, int64_t b,
                                   cw_change_fn fn, void *arg,
                                   struct cw_diag *d);

#ifdef __cplusplus
}
#endif

#endif
