/*
 * results.c - the SoA's `checks` column: the latest scan results saved in
 * the store (STORE/results/NAME.json, one file per scan kind and pack, written
 * by cw_results_save) summarised per control.
 *
 * A control's cell reads "debian-12 at 2026-11-22T10:00:00Z: 40 pass,
 * 3 fail (ssh-permit-root-login, ...), 2 not-applicable"; one such part per
 * pack that has checks evidencing the control, joined with "; ". Only
 * checks that list the control ("CATALOG ID") count, so a control of an
 * edition a pack does not map stays empty rather than borrowing results.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cloudward/cw_runs.h>
#include <cloudward/cw_soa.h>

#include "../parse/node.h"
#include "../store/runs.h"
#include "soa_internal.h"

#define MAX_RESULTS_BYTES ((size_t)64 << 20)
#define MAX_FAILED_NAMED 5

static const char *const verdicts[] = { "pass", "fail", "not-applicable",
                                        "unknown", "error", NULL };

struct scan {
    const char *pack, *time;
    const struct cw__node *root;
    const struct cw__node *results;
};

static bool lists_control(const struct cw__node *res, const char *ref)
{
    const struct cw__node *c = cw__node_get(res, "controls");
    size_t i;
    for (i = 0; c && c->kind == CW__NODE_SEQ && i < c->n; i++)
        if (c->kids[i]->kind == CW__NODE_SCALAR &&
            strcmp(c->kids[i]->str, ref) == 0)
            return true;
    return false;
}

/* "; PACK at TIME: N pass, M fail (ids, ...), ..." onto `b`: one scan's
 * part of a control's checks cell. */
static enum cw_status put_part(struct cw__buf *b, const char *pack,
                               const char *time, const size_t counts[5],
                               const char *failed, bool more)
{
    enum cw_status st = CW_OK;
    size_t v;

    if (b->len)
        st = cw__buf_puts(b, "; ");
    if (!st)
        st = cw__buf_printf(b, "%s at %s:", pack, time);
    for (v = 0; !st && verdicts[v]; v++) {
        if (!counts[v])
            continue;
        st = cw__buf_printf(b, " %zu %s", counts[v], verdicts[v]);
        if (!st && v == 1)
            st = cw__buf_printf(b, " (%s%s)", failed, more ? ", ..." : "");
        if (!st && verdicts[v + 1])
            st = cw__buf_puts(b, ",");
    }
    if (!st && b->len && b->data[b->len - 1] == ',')
        b->data[--b->len] = '\0';
    return st;
}

/* Appends this scan's part for `ref` to `b`; nothing when no check maps. */
static enum cw_status part(struct cw__buf *b, const struct scan *s,
                           const char *ref, size_t *failed_out,
                           size_t *passed_out)
{
    size_t counts[5] = { 0 }, i, v, named = 0;
    char failed[400] = "";
    bool any = false;

    for (i = 0; i < s->results->n; i++) {
        const struct cw__node *r = s->results->kids[i];
        const struct cw__node *vn = cw__node_get(r, "verdict");
        const struct cw__node *id = cw__node_get(r, "id");
        if (!vn || !lists_control(r, ref))
            continue;
        for (v = 0; verdicts[v]; v++)
            if (strcmp(vn->str, verdicts[v]) == 0)
                break;
        if (!verdicts[v])
            continue;
        counts[v]++;
        any = true;
        if (v == 1 && id && named++ < MAX_FAILED_NAMED) {
            size_t len = strlen(failed);
            snprintf(failed + len, sizeof(failed) - len, "%s%s",
                     len ? ", " : "", id->str);
        }
    }
    {
        const struct cw__node *passes = cw__node_get(s->root, "passes");
        for (i = 0; passes && passes->kind == CW__NODE_SEQ && i < passes->n;
             i++) {
            const struct cw__node *cnt = cw__node_get(passes->kids[i],
                                                      "count");
            if (!cnt || !lists_control(passes->kids[i], ref))
                continue;
            counts[0] += (size_t)strtoull(cnt->str, NULL, 10);
            any = true;
        }
    }
    if (!any)
        return CW_OK;
    *failed_out += counts[1];
    *passed_out += counts[0];
    return put_part(b, s->pack, s->time, counts, failed,
                    named > MAX_FAILED_NAMED);
}

static enum cw_status load_scan(struct cw__arena *a, const char *path,
                                struct scan *s, struct cw_diag *d)
{
    struct cw__buf b;
    struct cw__node *root = NULL;
    struct cw__yaml_limits lim = { 16, MAX_RESULTS_BYTES * 4, false };
    enum cw_status st;

    cw__buf_init(&b, MAX_RESULTS_BYTES);
    st = cw__read_file(path, &b, d);
    if (!st)
        st = cw__yaml_parse(a, cw__arena_strdup(a, path), b.data ? b.data : "",
                            b.len, &lim, &root, d);
    cw__buf_release(&b);
    if (st)
        return st;
    s->root = root;
    s->results = cw__node_get(root, "results");
    if (cw__node_get_str(root, "pack", true, path, &s->pack, d) ||
        cw__node_get_str(root, "time", true, path, &s->time, d))
        return CW_ESCHEMA;
    if (!s->results || s->results->kind != CW__NODE_SEQ)
        return cw__diag_set(d, CW_ESCHEMA, path, root->line, root->col,
                            "expected saved scan results with a 'results' "
                            "list; remove the file or scan again");
    return CW_OK;
}

/* ---- runs saved as data (STORE/results.db) ------------------------------ */

/* One check of a run: its counts by verdict and its first failing results'
 * places, enough to write a control's part as the JSON reader does. */
struct run_check {
    const char *key;       /* the reader's string for the check: its id */
    char *id, *controls;
    size_t counts[5];
    size_t failseq[MAX_FAILED_NAMED + 1];
    size_t nfail;          /* failing results (all, not just those kept) */
};

struct run_agg {
    int64_t id;
    char *kind, *pack, *time, *target;
    bool name_target;      /* another latest run has this kind and pack */
    struct run_check *c;
    size_t n, cap;
    size_t *slot;          /* by key address: index + 1 */
    size_t nslot;
    bool oom;
};

static struct run_check *agg_check(struct run_agg *g,
                                   const struct cw_run_result *x)
{
    size_t mask, i;

    if (2 * (g->n + 1) > g->nslot) {
        size_t na = g->nslot ? 2 * g->nslot : 256, k, j;
        size_t *ns = cw__calloc(na, sizeof(*ns));
        if (!ns)
            return NULL;
        for (k = 0; k < g->n; k++) {
            for (j = ((uintptr_t)g->c[k].key >> 3) & (na - 1); ns[j];
                 j = (j + 1) & (na - 1))
                ;
            ns[j] = k + 1;
        }
        cw__free(g->slot);
        g->slot = ns;
        g->nslot = na;
    }
    mask = g->nslot - 1;
    for (i = ((uintptr_t)x->check >> 3) & mask; g->slot[i];
         i = (i + 1) & mask)
        if (g->c[g->slot[i] - 1].key == x->check)
            return &g->c[g->slot[i] - 1];
    if (g->n == g->cap) {
        size_t na = g->cap ? 2 * g->cap : 64;
        struct run_check *nc = cw__realloc(g->c, na * sizeof(*nc));
        if (!nc)
            return NULL;
        g->c = nc;
        g->cap = na;
    }
    memset(&g->c[g->n], 0, sizeof(g->c[g->n]));
    g->c[g->n].key = x->check;
    g->c[g->n].id = cw__strdup(x->check);
    g->c[g->n].controls = cw__strdup(x->controls);
    if (!g->c[g->n].id || !g->c[g->n].controls)
        return NULL;
    g->slot[i] = ++g->n;
    return &g->c[g->n - 1];
}

static int agg_result(void *arg, const struct cw_run_result *x)
{
    struct run_agg *g = arg;
    struct run_check *c = agg_check(g, x);

    if (!c) {
        g->oom = true;
        return 1;
    }
    c->counts[x->verdict] += x->count;
    if (x->verdict == CW_VERDICT_FAIL && c->nfail++ <= MAX_FAILED_NAMED)
        c->failseq[c->nfail - 1] = x->seq;
    return 0;
}

struct run_list {
    struct run_agg *v;
    size_t n;
    const char *store;
    struct cw_diag *d;
    enum cw_status st;
};

static int agg_run(void *arg, const struct cw_run *run)
{
    struct run_list *L = arg;
    struct run_agg *g, *nv = cw__realloc(L->v, (L->n + 1) * sizeof(*nv));

    if (!nv) {
        L->st = cw__diag_set(L->d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        return 1;
    }
    L->v = nv;
    g = &nv[L->n++];
    memset(g, 0, sizeof(*g));
    g->id = run->id;
    g->kind = cw__strdup(run->kind);
    g->pack = cw__strdup(run->pack);
    g->time = cw__strdup(run->started);
    g->target = cw__strdup(run->target);
    if (!g->kind || !g->pack || !g->time || !g->target) {
        L->st = cw__diag_set(L->d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        return 1;
    }
    return 0;
}

static void runs_free(struct run_list *L)
{
    size_t i, k;
    for (i = 0; i < L->n; i++) {
        for (k = 0; k < L->v[i].n; k++) {
            cw__free(L->v[i].c[k].id);
            cw__free(L->v[i].c[k].controls);
        }
        cw__free(L->v[i].c);
        cw__free(L->v[i].slot);
        cw__free(L->v[i].kind);
        cw__free(L->v[i].pack);
        cw__free(L->v[i].time);
        cw__free(L->v[i].target);
    }
    cw__free(L->v);
}

/* Whether `controls` (newline-separated) lists `ref`. */
static bool in_lines(const char *controls, const char *ref)
{
    size_t n = strlen(ref);
    const char *p = controls;
    while ((p = strstr(p, ref)) != NULL) {
        if ((p == controls || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
            return true;
        p += n;
    }
    return false;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_run(const void *a, const void *b)
{
    const struct run_agg *x = a, *y = b;
    int c = strcmp(x->kind, y->kind);
    if (!c)
        c = strcmp(x->pack, y->pack);
    return c ? c : strcmp(x->target, y->target);
}

/* This run's part for `ref`, written as part() writes a saved report's. */
static enum cw_status run_part(struct cw__buf *b, const struct run_agg *g,
                               const char *ref, size_t *failed_out,
                               size_t *passed_out)
{
    size_t counts[5] = { 0 }, seqs[64], nseq = 0, total_fail = 0, i, v;
    const char *who[64];
    char failed[400] = "";
    bool any = false;

    for (i = 0; i < g->n; i++) {
        const struct run_check *c = &g->c[i];
        size_t k;
        if (!in_lines(c->controls, ref))
            continue;
        any = true;
        for (v = 0; v < 5; v++)
            counts[v] += c->counts[v];
        total_fail += c->nfail;
        for (k = 0; k < c->nfail && k <= MAX_FAILED_NAMED && nseq < 64;
             k++) {
            seqs[nseq] = c->failseq[k];
            who[nseq++] = c->id;
        }
    }
    if (!any)
        return CW_OK;
    /* the first failing results in the run's order, as a report lists
     * them: sort the places, carrying the ids along */
    {
        size_t order[64], j;
        for (i = 0; i < nseq; i++)
            order[i] = seqs[i] << 6 | i;
        qsort(order, nseq, sizeof(order[0]), cmp_size);
        for (j = 0; j < nseq && j < MAX_FAILED_NAMED; j++) {
            size_t len = strlen(failed);
            snprintf(failed + len, sizeof(failed) - len, "%s%s",
                     len ? ", " : "", who[order[j] & 63]);
        }
    }
    *failed_out += counts[1];
    *passed_out += counts[0];
    if (g->name_target) { /* "debian-12 on /mnt/web1": which host */
        char label[600];
        snprintf(label, sizeof(label), "%s on %s", g->pack, g->target);
        return put_part(b, label, g->time, counts, failed,
                        total_fail > MAX_FAILED_NAMED);
    }
    return put_part(b, g->pack, g->time, counts, failed,
                    total_fail > MAX_FAILED_NAMED);
}

/* The checks cells from the latest run of each kind, pack and target
 * (each host of a fleet scanned with one pack counts); *found
 * tells whether the store has any run. */
static enum cw_status attach_runs(struct cw__arena *a,
                                  struct cw_soa_line *lines, size_t n,
                                  const char *store, const char *as_of,
                                  bool *found, struct cw_diag *d)
{
    struct run_list L = { 0 };
    enum cw_status st;
    size_t i, j;
    char ref[200];

    L.store = store;
    L.d = d;
    *found = false;
    /* the latest runs by the date, newest first; ids in that order */
    if ((st = cw_runs_latest_by(store, as_of, agg_run, &L, d)) ||
        (st = L.st))
        goto out;
    if (!L.n)
        goto out;
    *found = true;
    /* by kind and pack, the order of the report files this replaces
     * (STORE/results/KIND-PACK.json) */
    qsort(L.v, L.n, sizeof(*L.v), cmp_run);
    for (i = 0; i + 1 < L.n; i++)
        if (strcmp(L.v[i].kind, L.v[i + 1].kind) == 0 &&
            strcmp(L.v[i].pack, L.v[i + 1].pack) == 0)
            L.v[i].name_target = L.v[i + 1].name_target = true;
    for (i = 0; !st && i < L.n; i++) {
        struct run_agg *g = &L.v[i];
        st = cw__run_results_bare(store, g->id, agg_result, g, d);
        if (!st && g->oom)
            st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (i = 0; !st && i < n; i++) {
        struct cw__buf b;
        cw__buf_init(&b, 8192);
        snprintf(ref, sizeof(ref), "%s %s", lines[i].control->catalog,
                 lines[i].control->id);
        for (j = 0; !st && j < L.n; j++)
            st = run_part(&b, &L.v[j], ref,
                          &lines[i].checks_failed, &lines[i].checks_passed);
        if (!st && b.len && !(lines[i].checks = cw__arena_strdup(a, b.data)))
            st = CW_ENOMEM;
        cw__buf_release(&b);
        if (st == CW_ENOMEM || st == CW_ELIMIT)
            cw__diag_set(d, st, NULL, 0, 0, "out of memory");
    }
out:
    runs_free(&L);
    return st;
}

enum cw_status cw__soa_attach_results(struct cw__arena *a,
                                      struct cw_soa_line *lines, size_t n,
                                      const char *store, const char *as_of,
                                      struct cw_diag *d)
{
    char pat[4200], ref[200];
    struct scan *scans = NULL;
    enum cw_status st = CW_OK;
    size_t i, j, nscans = 0;
    glob_t g;
    bool found;

    if ((st = attach_runs(a, lines, n, store, as_of, &found, d)) || found)
        return st;
    /* Stores written before runs were data kept each pack's latest scan
     * as its JSON report: read those. */
    snprintf(pat, sizeof(pat), "%s/results/*.json", store);
    memset(&g, 0, sizeof(g));
    if (glob(pat, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
        globfree(&g);
        return CW_OK; /* nothing scanned yet */
    }
    scans = cw__arena_alloc(a, g.gl_pathc * sizeof(*scans));
    if (!scans) {
        globfree(&g);
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (i = 0; !st && i < g.gl_pathc; i++)
        if (!(st = load_scan(a, g.gl_pathv[i], &scans[nscans], d)))
            nscans++;
    globfree(&g);
    for (i = 0; !st && i < n; i++) {
        struct cw__buf b;
        cw__buf_init(&b, 8192);
        snprintf(ref, sizeof(ref), "%s %s", lines[i].control->catalog,
                 lines[i].control->id);
        for (j = 0; !st && j < nscans; j++)
            st = part(&b, &scans[j], ref, &lines[i].checks_failed,
                      &lines[i].checks_passed);
        if (!st && b.len && !(lines[i].checks = cw__arena_strdup(a, b.data)))
            st = CW_ENOMEM;
        cw__buf_release(&b);
        if (st == CW_ENOMEM || st == CW_ELIMIT)
            cw__diag_set(d, st, NULL, 0, 0, "out of memory");
    }
    return st;
}
