/*
 * restore.c - a saved run's results rebuilt against its pack
 * (cw_run_load), so that a report written long after the scan (the audit
 * package's SARIF) says what the scan said then.
 */
#include <stdio.h>
#include <string.h>

#include <cloudward/cw_runs.h>

#include "checks.h"

struct restore {
    const struct cw_pack *pack;
    struct cw_results *res;
    const struct cw_run *run;  /* during cw_run_get only */
    char kind[16], digest[80], time[32], target[4096];
    double seconds;
    bool found, oom;
    const char *missing;       /* a check id the pack lacks */
    char missing_buf[256];
    size_t last;               /* the index found last: results come in
                                  pack order, so the next is usually it */
};

static int got_run(void *arg, const struct cw_run *r)
{
    struct restore *x = arg;
    snprintf(x->kind, sizeof(x->kind), "%s", r->kind);
    snprintf(x->digest, sizeof(x->digest), "%s",
             r->pack_digest ? r->pack_digest : "");
    snprintf(x->time, sizeof(x->time), "%s", r->started ? r->started : "");
    snprintf(x->target, sizeof(x->target), "%s", r->target);
    x->seconds = r->seconds;
    x->found = true;
    return 1;
}

static const struct cw_check *check_of(struct restore *x, const char *id,
                                       size_t *index)
{
    size_t n = cw_pack_count(x->pack), i;

    for (i = 0; i < n; i++) {
        size_t k = (x->last + i) % n;
        const struct cw_check *c = cw_pack_check_at(x->pack, k);
        if (strcmp(c->id, id) == 0) {
            x->last = k;
            *index = k;
            return c;
        }
    }
    return NULL;
}

static int got_result(void *arg, const struct cw_run_result *r)
{
    struct restore *x = arg;
    size_t index;
    const struct cw_check *c = check_of(x, r->check, &index);

    if (!c) {
        snprintf(x->missing_buf, sizeof(x->missing_buf), "%s", r->check);
        x->missing = x->missing_buf;
        return 1;
    }
    if (r->counted) {
        cw__results_add_passes(x->res, index, r->count);
        return 0;
    }
    if (!cw__results_put(x->res, c, r->verdict, r->reason, r->file, r->line,
                         r->resource)) {
        x->oom = true;
        return 1;
    }
    return 0;
}

enum cw_status cw_run_load(const char *store, int64_t id,
                           const struct cw_pack *pack,
                           struct cw_results **out, struct cw_diag *d)
{
    struct restore x;
    enum cw_status st;

    *out = NULL;
    memset(&x, 0, sizeof(x));
    x.pack = pack;
    if ((st = cw_run_get(store, id, got_run, &x, d)))
        return st;
    if (!x.found)
        return cw__diag_set(d, CW_ENOENT, store, 0, 0, "no run %lld",
                            (long long)id);
    if (strcmp(x.digest, cw_pack_digest(pack)) != 0)
        return cw__diag_set(d, CW_ESCHEMA, store, 0, 0,
                            "run %lld was made with another text of pack "
                            "'%s' (SHA-256 %s, this one %s)",
                            (long long)id, cw_pack_name(pack), x.digest,
                            cw_pack_digest(pack));
    /* The kind is kept by pointer: one of the two literals. */
    x.res = cw__results_new(pack, x.target,
                            strcmp(x.kind, "host") == 0 ? "host" : "config");
    if (!x.res)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    st = cw_run_results(store, id, got_result, &x, d);
    if (!st && x.oom)
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    if (!st && x.missing)
        st = cw__diag_set(d, CW_ESCHEMA, store, 0, 0,
                          "run %lld has results of check '%s', which pack "
                          "'%s' does not have",
                          (long long)id, x.missing, cw_pack_name(pack));
    if (st) {
        cw_results_free(x.res);
        return st;
    }
    cw__results_restored(x.res, x.time, x.seconds);
    *out = x.res;
    return CW_OK;
}
