/*
 * evidence.c - the SoA's `evidence` cell from the evidence recorded in the
 * store's ledger (cw_evidence_each): after the decision's references, each
 * file added for the control, with its short hash and expiry, flagged
 * EXPIRED (past its expiry at the SoA's date), NOT YET EFFECTIVE, or
 * MISSING (the stored file is gone or altered). A store without a ledger
 * has no evidence; the SoA never creates one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include <cloudward/cw_ledger.h>

#include "soa_internal.h"

struct attach {
    struct cw__arena *a;
    const struct cw_catalogs *cats;
    struct cw_soa_line *lines;
    size_t n;
    const char *as_of;
    long long until_ms; /* evidence recorded later is not shown; 0: all */
    struct cw_ledger *l;
    bool oom;
};

/* Does the crosswalk map `from` onto `to` (either direction)? */
static bool counterpart(const struct cw_catalogs *cats,
                        const struct cw_control *from,
                        const struct cw_control *to)
{
    size_t i, k, m;

    for (i = 0; i < cw_catalogs_crosswalk_count(cats); i++) {
        const struct cw_crosswalk *x = cw_catalogs_crosswalk_at(cats, i);
        const char *ids[16];
        bool fwd = strcmp(x->from, from->catalog) == 0 &&
                   strcmp(x->to, to->catalog) == 0;
        bool rev = strcmp(x->to, from->catalog) == 0 &&
                   strcmp(x->from, to->catalog) == 0;
        if (!fwd && !rev)
            continue;
        m = cw_crosswalk_map(x, from->id, rev, ids, 16);
        for (k = 0; k < m && k < 16; k++)
            if (strcmp(ids[k], to->id) == 0)
                return true;
    }
    return false;
}

static bool one(void *arg, const struct cw_evidence *e)
{
    struct attach *x = arg;
    const struct cw_control *ctl = NULL;
    struct cw_diag d;
    const char *flag;
    size_t i;

    if (x->until_ms && e->time_ms > x->until_ms)
        return true; /* recorded after the SoA's date */
    /* Evidence names "CATALOG ID"; one of an unknown catalog (a catalog
     * directory no longer loaded) shows nowhere. */
    if (cw_catalogs_resolve(x->cats, e->control, NULL, 0, &ctl, &d))
        return true;
    flag = !cw_evidence_intact(x->l, e)                     ? "MISSING: "
           : e->expires && strcmp(e->expires, x->as_of) < 0 ? "EXPIRED: "
           : e->effective && strcmp(e->effective, x->as_of) > 0
               ? "NOT YET EFFECTIVE: "
               : "";
    for (i = 0; i < x->n; i++) {
        struct cw_soa_line *l = &x->lines[i];
        bool via = l->control != ctl;
        const char *cell;
        if (via && !counterpart(x->cats, ctl, l->control))
            continue;
        cell = cw__arena_printf(x->a, "%s%s%s%s (sha256:%.12s%s%s%s%s)",
                                l->evidence ? l->evidence : "",
                                l->evidence ? "; " : "", flag, e->name,
                                e->hash, e->expires ? ", expires " : "",
                                e->expires ? e->expires : "",
                                via ? ", filed under " : "",
                                via ? e->control : "");
        if (!cell) {
            x->oom = true;
            return false;
        }
        l->evidence = cell;
        if (*flag)
            l->evidence_stale++;
    }
    return true;
}

enum cw_status cw__soa_attach_evidence(struct cw__arena *a,
                                       const struct cw_catalogs *cats,
                                       struct cw_soa_line *lines, size_t n,
                                       const char *store, const char *as_of,
                                       bool dated, struct cw_diag *d)
{
    struct attach x = { a, cats, lines, n, as_of, 0, NULL, false };
    enum cw_status st;

    if (dated) { /* the last millisecond of the SoA's date */
        struct tm tm;
        memset(&tm, 0, sizeof(tm));
        tm.tm_year = (int)strtol(as_of, NULL, 10) - 1900;
        tm.tm_mon = (int)strtol(as_of + 5, NULL, 10) - 1;
        tm.tm_mday = (int)strtol(as_of + 8, NULL, 10) + 1;
        x.until_ms = (long long)timegm(&tm) * 1000 - 1;
    }

    /* A store without a ledger (a folder or a database) has no evidence;
     * any other failure to open it is an error, never an empty column. */
    st = cw_ledger_open_existing(store, &x.l, d);
    if (st == CW_ENOENT) {
        cw_diag_clear(d);
        return CW_OK;
    }
    if (st)
        return st;
    st = cw_evidence_each(x.l, one, &x, d);
    cw_ledger_close(x.l);
    if (!st && x.oom)
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    return st;
}
