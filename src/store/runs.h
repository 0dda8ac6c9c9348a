/*
 * runs.h - what the library reads of saved runs beyond cw_runs.h.
 */
#ifndef CW_STORE_RUNS_H
#define CW_STORE_RUNS_H

#include <cloudward/cw_runs.h>

/* As cw_run_results, without the reasons and file names (NULL): what
 * counting needs, without a lookup per result. */
enum cw_status cw__run_results_bare(const char *store, int64_t id,
                                    cw_run_result_fn fn, void *arg,
                                    struct cw_diag *d);

#endif
