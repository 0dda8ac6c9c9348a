/*
 * soa_internal.h - pieces of the SoA builder shared between its files.
 */
#ifndef CW_SOA_SOA_INTERNAL_H
#define CW_SOA_SOA_INTERNAL_H

#include <cloudward/cw_soa.h>

#include "../core/core.h"

/*
 * Fills the `checks` cell of each of the `n` lines from the scan results
 * saved in `store` (STORE/results/NAME.json). No results folder is not an
 * error. Strings are allocated in `a`. A results file that is not what
 * cw_results_save writes fails with its FILE:LINE:COL in `d`. Counts the
 * failing results per line into `checks_failed`.
 */
/* `as_of` (YYYY-MM-DD, or NULL for no date given): the latest run of
 * each kind, pack and target started on or before that day; a run of
 * a later day is not what the lines knew then. */
enum cw_status cw__soa_attach_results(struct cw__arena *a,
                                      struct cw_soa_line *lines, size_t n,
                                      const char *store, const char *as_of,
                                      struct cw_diag *d);

/*
 * Appends to the `evidence` cell of each line the evidence files recorded
 * for its control, or for a control of another edition the crosswalks of
 * `cats` map onto it, in the store's ledger; flagged when expired (as of
 * `as_of`), not yet effective, or missing, and counted in
 * `evidence_stale`. No ledger is not an error.
 */
enum cw_status cw__soa_attach_evidence(struct cw__arena *a,
                                       const struct cw_catalogs *cats,
                                       struct cw_soa_line *lines, size_t n,
                                       const char *store, const char *as_of,
                                       bool dated, struct cw_diag *d);

/*
 * Adds the 27018 registers' state to the lines (registers.c): the
 * `checks` cell of each control a register drives, judged at the last
 * second of `as_of` (or now, when `today`), with its findings counted in
 * `register_findings`; and a pointer to the register in the `evidence`
 * cell of every control it is linked to. No registers is not an error.
 */
enum cw_status cw__soa_attach_registers(struct cw__arena *a,
                                        struct cw_soa_line *lines, size_t n,
                                        const struct cw_soa_options *opt,
                                        const char *as_of, bool today,
                                        struct cw_diag *d);

/*
 * The decisions as the ledger of `store` recorded them by the end of
 * `as_of` (recorded.c; cw_soa_options.decisions_as_recorded). Load reads
 * the ledger once (no store or no ledger: nothing recorded) and counts in
 * `unrecorded` the decisions of `scope` whose control it never recorded;
 * find answers the decision in force for control `c`: the file's when
 * the ledger never recorded `c`, NULL when it recorded `c` only later or
 * removed it by then, else the recorded one (strings in `a`; *oom set
 * when memory runs out). Everything lives in `a`.
 */
struct cw__soa_rec;
struct cw__soa_recorded {
    struct cw__soa_rec *v; /* sorted by control */
    size_t n;
    size_t unrecorded;
};

enum cw_status cw__soa_recorded_load(struct cw__arena *a,
                                     const struct cw_catalogs *cats,
                                     const struct cw_scope *scope,
                                     const char *store, const char *as_of,
                                     struct cw__soa_recorded *out,
                                     struct cw_diag *d);
const struct cw_decision *cw__soa_recorded_find(struct cw__soa_recorded *r,
                                                struct cw__arena *a,
                                                const struct cw_scope *scope,
                                                const struct cw_control *c,
                                                bool *oom);

#endif
