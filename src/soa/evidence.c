/*
 * evidence.c - the SoA's `evidence` cell from the evidence recorded in the
 * store's ledger (cw_evidence_each): after the decision's references, each
 * file added for the control, with its short hash and expiry, flagged
 * EXPIRED (past its expiry at the SoA's date), NOT YET EFFECTIVE, or
 * MISSING (the stored file is gone or altered). A store without a ledger
 * has no evidence; the SoA never creates one.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cloudward/cw_ledger.h>

#include "soa_internal.h"

struct attach {
    struct cw__arena *a;
    struct cw_soa_line *lines;
    size_t n;
    const char *as_of;
    struct cw_ledger *l;
    bool oom;
};

static bool one(void *arg, const struct cw_evidence *e)
{
    struct attach *x = arg;
    size_t i;
    char ref[300];
    const char *flag;

    for (i = 0; i < x->n; i++) {
        struct cw_soa_line *l = &x->lines[i];
        const char *cell;
        snprintf(ref, sizeof(ref), "%s %s", l->control->catalog,
                 l->control->id);
        if (strcmp(ref, e->control) != 0)
            continue;
        flag = !cw_evidence_intact(x->l, e)                  ? "MISSING: "
               : e->expires && strcmp(e->expires, x->as_of) < 0 ? "EXPIRED: "
               : e->effective && strcmp(e->effective, x->as_of) > 0
                   ? "NOT YET EFFECTIVE: "
                   : "";
        cell = cw__arena_printf(x->a, "%s%s%s%s (sha256:%.12s%s%s)",
                                l->evidence ? l->evidence : "",
                                l->evidence ? "; " : "", flag, e->name,
                                e->hash, e->expires ? ", expires " : "",
                                e->expires ? e->expires : "");
        if (!cell) {
            x->oom = true;
            return false;
        }
        l->evidence = cell;
    }
    return true;
}

enum cw_status cw__soa_attach_evidence(struct cw__arena *a,
                                       struct cw_soa_line *lines, size_t n,
                                       const char *store, const char *as_of,
                                       struct cw_diag *d)
{
    struct attach x = { a, lines, n, as_of, NULL, false };
    char path[4096];
    struct stat sb;
    enum cw_status st;

    snprintf(path, sizeof(path), "%s/ledger.db", store);
    if (stat(path, &sb) != 0)
        return CW_OK;
    if ((st = cw_ledger_open(store, &x.l, d)))
        return st;
    st = cw_evidence_each(x.l, one, &x, d);
    cw_ledger_close(x.l);
    if (!st && x.oom)
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    return st;
}
