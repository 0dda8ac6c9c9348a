/*
 * recorded.c - the decisions as the ledger recorded them by a date
 * (cw_soa_options.decisions_as_recorded; docs/score.md, "History").
 *
 * The decision files only hold their present state; every change of them
 * went into the ledger as decision.set (applicable, status,
 * responsibility, source, file, line and a digest) or decision.remove
 * (cw_ledger_record_scope). Read back, they say what each control's
 * decision was at the end of any day: the entry timed latest then or
 * before (the later index among equal times; an entry appended with a
 * time of the past counts on that time, as everywhere else the ledger is
 * read by date).
 *
 * One pass over the foundation entries collects, per control, whether
 * the ledger recorded it at all and its latest entry by the date; the
 * table is sorted by control for the lookups of the line builder, which
 * asks once per line and once per crosswalk counterpart. A recorded
 * decision whose fields are those of the file's decision is the file's
 * decision itself (its line reads exactly as without this option); one
 * that differs is a copy of the file's with the recorded fields put in,
 * or, when no file holds a decision for the control any more, the
 * recorded fields alone: the ledger keeps only a digest of the free
 * texts, the evidence references and the reliances, so those are today's
 * or none. Rejected: replaying the digests against older versions of the
 * files (they are not kept anywhere), and a decision never recorded
 * counted as absent (a store whose scope was never recorded would show
 * every past day undecided; it stays as the files say and is counted).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cloudward/cw_ledger.h>

#include "soa_internal.h"

struct cw__soa_rec {
    const struct cw_control *ctl;
    bool set;          /* its latest entry by the date is a decision.set */
    bool dated;        /* it has an entry by the date */
    long long time_ms; /* of that entry */
    uint64_t index;
    bool applicable;
    const char *status, *source, *file; /* in the SoA's arena, or NULL */
    enum cw_resp responsibility;
    unsigned line;
    const struct cw_decision *made; /* built on first use */
};

struct fold {
    struct cw__arena *a;
    const struct cw_catalogs *cats;
    long long until_ms;
    struct cw__soa_rec *v;
    size_t n, cap;
    bool oom;
};

/* The control "CATALOG ID" names, or NULL (a catalog no longer loaded). */
static const struct cw_control *control_of(const struct cw_catalogs *cats,
                                           const char *target)
{
    const char *sp = strchr(target, ' ');
    char name[128];
    const struct cw_catalog *cat;

    if (!sp || (size_t)(sp - target) >= sizeof(name))
        return NULL;
    memcpy(name, target, (size_t)(sp - target));
    name[sp - target] = '\0';
    cat = cw_catalogs_find(cats, name);
    return cat ? cw_catalog_control(cat, sp + 1) : NULL;
}

static struct cw__soa_rec *slot(struct fold *f, const struct cw_control *c)
{
    size_t i;

    /* Records arrive grouped in time, not by control; the table is small
     * (one slot per control ever decided) and sorted only once filled. */
    for (i = f->n; i-- > 0;)
        if (f->v[i].ctl == c)
            return &f->v[i];
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 128;
        struct cw__soa_rec *p = cw__realloc(f->v, cap * sizeof(*p));
        if (!p)
            return NULL;
        f->v = p;
        f->cap = cap;
    }
    memset(&f->v[f->n], 0, sizeof(f->v[f->n]));
    f->v[f->n].ctl = c;
    return &f->v[f->n++];
}

static const char *keep(struct fold *f, const char *s)
{
    char *c;
    if (!s)
        return NULL;
    if (!(c = cw__arena_strdup(f->a, s)))
        f->oom = true;
    return c;
}

static bool one(void *arg, const struct cw_record *r)
{
    struct fold *f = arg;
    const struct cw_control *c;
    struct cw__soa_rec *x;
    bool set = strcmp(r->action, "decision.set") == 0;

    if (!set && strcmp(r->action, "decision.remove") != 0)
        return true;
    if (!(c = control_of(f->cats, r->target)))
        return true;
    if (!(x = slot(f, c))) {
        f->oom = true;
        return false;
    }
    if (r->time_ms > f->until_ms)
        return true; /* recorded, but after the date */
    if (x->dated && (r->time_ms < x->time_ms ||
                     (r->time_ms == x->time_ms && r->index < x->index)))
        return true; /* an older entry appended later */
    x->dated = true;
    x->set = set;
    x->time_ms = r->time_ms;
    x->index = r->index;
    x->applicable = r->applicable != 0; /* unstated: the rules' default */
    x->status = keep(f, r->status);
    x->source = keep(f, r->source);
    x->file = keep(f, r->file);
    x->line = r->line;
    if (!r->responsibility ||
        !cw_resp_parse(r->responsibility, &x->responsibility))
        x->responsibility = CW_RESP_NONE;
    return !f->oom;
}

static int by_control(const void *a, const void *b)
{
    const struct cw_control *x = ((const struct cw__soa_rec *)a)->ctl;
    const struct cw_control *y = ((const struct cw__soa_rec *)b)->ctl;
    return x == y ? 0 : (uintptr_t)x < (uintptr_t)y ? -1 : 1;
}

enum cw_status cw__soa_recorded_load(struct cw__arena *a,
                                     const struct cw_catalogs *cats,
                                     const struct cw_scope *scope,
                                     const char *store, const char *as_of,
                                     struct cw__soa_recorded *out,
                                     struct cw_diag *d)
{
    struct fold f;
    struct cw_ledger *l = NULL;
    struct tm tm;
    enum cw_status st = CW_OK;
    size_t i;

    memset(out, 0, sizeof(*out));
    memset(&f, 0, sizeof(f));
    f.a = a;
    f.cats = cats;
    /* The last millisecond of the date, UTC. */
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = (int)strtol(as_of, NULL, 10) - 1900;
    tm.tm_mon = (int)strtol(as_of + 5, NULL, 10) - 1;
    tm.tm_mday = (int)strtol(as_of + 8, NULL, 10) + 1;
    f.until_ms = (long long)timegm(&tm) * 1000 - 1;
    /* No store or no ledger: nothing was recorded, every decision of the
     * files is unrecorded. */
    if (store) {
        st = cw_ledger_open_existing(store, &l, d);
        if (st == CW_ENOENT) {
            cw_diag_clear(d);
            st = CW_OK;
        } else if (!st) {
            st = cw_ledger_record_each(l, NULL, one, &f, d);
            cw_ledger_close(l);
        }
    }
    if (!st && f.oom)
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    if (st) {
        cw__free(f.v);
        return st;
    }
    if (f.n) {
        qsort(f.v, f.n, sizeof(*f.v), by_control);
        out->v = cw__arena_alloc(a, f.n * sizeof(*out->v));
        if (!out->v) {
            cw__free(f.v);
            return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        }
        memcpy(out->v, f.v, f.n * sizeof(*out->v));
        out->n = f.n;
    }
    cw__free(f.v);
    for (i = 0; i < cw_scope_decision_count(scope); i++) {
        struct cw__soa_rec key;
        key.ctl = cw_scope_decision(scope, i)->control;
        if (!out->n ||
            !bsearch(&key, out->v, out->n, sizeof(*out->v), by_control))
            out->unrecorded++;
    }
    return CW_OK;
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

const struct cw_decision *cw__soa_recorded_find(struct cw__soa_recorded *r,
                                                struct cw__arena *a,
                                                const struct cw_scope *scope,
                                                const struct cw_control *c,
                                                bool *oom)
{
    const struct cw_decision *file = cw_scope_find_decision(scope, c);
    struct cw__soa_rec key, *x;
    struct cw_decision *dc;

    key.ctl = c;
    x = r->n ? bsearch(&key, r->v, r->n, sizeof(*r->v), by_control) : NULL;
    if (!x)
        return file; /* never recorded: the file's, counted unrecorded */
    if (!x->set)
        return NULL; /* recorded later only, or removed by then */
    if (x->made)
        return x->made;
    if (file && file->applicable == x->applicable &&
        same_text(file->status, x->status) &&
        same_text(file->source, x->source) &&
        file->responsibility == x->responsibility)
        return x->made = file;
    if (!(dc = cw__arena_alloc(a, sizeof(*dc)))) {
        *oom = true;
        return NULL;
    }
    if (file)
        *dc = *file; /* its free texts, evidence and reliances: today's */
    dc->control = c;
    dc->applicable = x->applicable;
    dc->status = x->status;
    dc->source = x->source;
    dc->responsibility = x->responsibility;
    dc->file = x->file ? x->file : "(ledger)";
    dc->line = x->line;
    dc->col = 0;
    return x->made = dc;
}
