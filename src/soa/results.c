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
#include <pthread.h>
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
 * places, enough to write a control's part as the JSON reader does. Its
 * id and controls are interned (intern()): every run of a pack shares
 * them, and a fleet's runs match check by check on the address. */
struct run_check {
    const char *id, *controls;
    size_t counts[5];
    size_t failseq[MAX_FAILED_NAMED + 1];
    size_t nfail;          /* failing results (all, not just those kept) */
};

/* A run's checks, as read once (cached when cw_soa_run_cache allows). */
struct run_sum {
    int64_t id;
    char *store, *time, *target, *digest;
    struct run_check *c;
    size_t n, cap;
    size_t *slot;          /* by id address: index + 1 */
    size_t nslot;
    unsigned refs;         /* requests using it (under cache.mu) */
    bool oom;
};

/* A latest run as the SoA lists it, and its checks. */
struct run_agg {
    int64_t id;
    char *kind, *pack, *time, *target, *digest;
    struct run_sum *sum;
};

/* ---- interned strings and the cache of runs' checks ----------------------- */

static struct {
    pthread_mutex_t mu;
    size_t max;            /* runs kept; 0: none (each build reads its own) */
    struct run_sum **v;    /* open addressing by (id, store) */
    size_t nv, used;
    char **strs;           /* interned strings, open addressing */
    size_t nstrs, nused;
} cache = { .mu = PTHREAD_MUTEX_INITIALIZER };

static size_t str_hash(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The one copy of `s` (under cache.mu); NULL when out of memory. */
static const char *intern(const char *s)
{
    size_t i, mask;
    char *c;
    if (2 * (cache.nused + 1) > cache.nstrs) {
        size_t na = cache.nstrs ? 2 * cache.nstrs : 1024, k, j;
        char **ns = cw__calloc(na, sizeof(*ns));
        if (!ns)
            return NULL;
        for (k = 0; k < cache.nstrs; k++) {
            if (!cache.strs[k])
                continue;
            for (j = str_hash(cache.strs[k]) & (na - 1); ns[j];
                 j = (j + 1) & (na - 1))
                ;
            ns[j] = cache.strs[k];
        }
        cw__free(cache.strs);
        cache.strs = ns;
        cache.nstrs = na;
    }
    mask = cache.nstrs - 1;
    for (i = str_hash(s) & mask; cache.strs[i]; i = (i + 1) & mask)
        if (strcmp(cache.strs[i], s) == 0)
            return cache.strs[i];
    if (!(c = cw__strdup(s)))
        return NULL;
    cache.strs[i] = c;
    cache.nused++;
    return c;
}

static void sum_free(struct run_sum *r)
{
    if (!r)
        return;
    cw__free(r->c);
    cw__free(r->slot);
    cw__free(r->store);
    cw__free(r->time);
    cw__free(r->target);
    cw__free(r->digest);
    cw__free(r);
}

static size_t run_slot(int64_t id, const char *store)
{
    return (size_t)id * 0x9e3779b97f4a7c15ULL ^ str_hash(store);
}

/* The cached checks of run `g` of `store`, a reference taken; NULL when
 * not cached (or cached for another run of that id: a store made anew). */
static struct run_sum *cache_get(const char *store, const struct run_agg *g)
{
    size_t i, mask;
    if (!cache.nv)
        return NULL;
    mask = cache.nv - 1;
    for (i = run_slot(g->id, store) & mask; cache.v[i]; i = (i + 1) & mask) {
        struct run_sum *r = cache.v[i];
        if (r->id == g->id && strcmp(r->store, store) == 0 &&
            strcmp(r->time, g->time) == 0 &&
            strcmp(r->target, g->target) == 0 &&
            strcmp(r->digest, g->digest) == 0) {
            r->refs++;
            return r;
        }
    }
    return NULL;
}

/* Empties the cache of every run no build is using (under cache.mu):
 * runs are kept until the cache is full, then it starts again. */
static void cache_sweep(void)
{
    size_t i, n = cache.nv;
    struct run_sum **old = cache.v;
    cache.v = NULL;
    cache.nv = cache.used = 0;
    for (i = 0; i < n; i++)
        if (old[i] && !old[i]->refs)
            sum_free(old[i]);
        else if (old[i])
            old[i]->store[0] = '\0'; /* in use: freed when released */
    cw__free(old);
}

/* Keeps r (a reference taken for the caller) when the cache allows. */
static bool cache_put(struct run_sum *r)
{
    size_t i, mask;
    if (!cache.max)
        return false;
    if (cache.used + 1 > cache.max)
        cache_sweep();
    if (2 * (cache.used + 1) > cache.nv) {
        size_t na = cache.nv ? 2 * cache.nv : 256, k, j;
        struct run_sum **nv = cw__calloc(na, sizeof(*nv));
        if (!nv)
            return false;
        for (k = 0; k < cache.nv; k++) {
            if (!cache.v[k])
                continue;
            for (j = run_slot(cache.v[k]->id, cache.v[k]->store) & (na - 1);
                 nv[j]; j = (j + 1) & (na - 1))
                ;
            nv[j] = cache.v[k];
        }
        cw__free(cache.v);
        cache.v = nv;
        cache.nv = na;
    }
    mask = cache.nv - 1;
    for (i = run_slot(r->id, r->store) & mask; cache.v[i];
         i = (i + 1) & mask)
        ;
    cache.v[i] = r;
    cache.used++;
    return true;
}

/* Drops a reference; a run the cache does not hold is freed with the
 * last one. */
static void cache_release(struct run_sum *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&cache.mu);
    if (r->refs)
        r->refs--;
    if (!r->refs && !r->store[0])
        sum_free(r);
    pthread_mutex_unlock(&cache.mu);
}

/* ---- reading a run's checks --------------------------------------------- */

static struct run_check *agg_check(struct run_sum *g,
                                   const struct cw_run_result *x,
                                   const char *id)
{
    size_t mask, i;

    if (2 * (g->n + 1) > g->nslot) {
        size_t na = g->nslot ? 2 * g->nslot : 256, k, j;
        size_t *ns = cw__calloc(na, sizeof(*ns));
        if (!ns)
            return NULL;
        for (k = 0; k < g->n; k++) {
            for (j = ((uintptr_t)g->c[k].id >> 3) & (na - 1); ns[j];
                 j = (j + 1) & (na - 1))
                ;
            ns[j] = k + 1;
        }
        cw__free(g->slot);
        g->slot = ns;
        g->nslot = na;
    }
    mask = g->nslot - 1;
    for (i = ((uintptr_t)id >> 3) & mask; g->slot[i]; i = (i + 1) & mask)
        if (g->c[g->slot[i] - 1].id == id)
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
    g->c[g->n].id = id;
    if (!(g->c[g->n].controls = intern(x->controls)))
        return NULL;
    g->slot[i] = ++g->n;
    return &g->c[g->n - 1];
}

/* One result into its run's checks (under cache.mu, for intern()). The
 * reader hands each check's id at one address for the whole run: the
 * last one interned is remembered. */
struct reading {
    struct run_sum *sum;
    const char *last_key, *last_id;
};

static int agg_result(void *arg, const struct cw_run_result *x)
{
    struct reading *r = arg;
    struct run_sum *g = r->sum;
    struct run_check *c;
    const char *id = x->check == r->last_key ? r->last_id : intern(x->check);

    if (!id || !(c = agg_check(g, x, id))) {
        g->oom = true;
        return 1;
    }
    r->last_key = x->check;
    r->last_id = id;
    c->counts[x->verdict] += x->count;
    if (x->verdict == CW_VERDICT_FAIL && c->nfail++ <= MAX_FAILED_NAMED)
        c->failseq[c->nfail - 1] = x->seq;
    return 0;
}

/* Run g's checks: from the cache, or read (and cached when allowed). */
static enum cw_status run_checks(const char *store, struct run_agg *g,
                                 struct cw_diag *d)
{
    struct reading r = { NULL, NULL, NULL };
    enum cw_status st;

    pthread_mutex_lock(&cache.mu);
    g->sum = cache_get(store, g);
    pthread_mutex_unlock(&cache.mu);
    if (g->sum)
        return CW_OK;
    if (!(r.sum = cw__calloc(1, sizeof(*r.sum))) ||
        !(r.sum->store = cw__strdup(store)) ||
        !(r.sum->time = cw__strdup(g->time)) ||
        !(r.sum->target = cw__strdup(g->target)) ||
        !(r.sum->digest = cw__strdup(g->digest))) {
        sum_free(r.sum);
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    r.sum->id = g->id;
    r.sum->refs = 1;
    /* Reading holds the lock for intern(): concurrent builds reading
     * new runs take turns; cached runs are shared. */
    pthread_mutex_lock(&cache.mu);
    st = cw__run_results_bare(store, g->id, agg_result, &r, d);
    if (!st && r.sum->oom)
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    if (st || !cache_put(r.sum))
        r.sum->store[0] = '\0'; /* not cached: freed when released */
    pthread_mutex_unlock(&cache.mu);
    g->sum = r.sum;
    return st;
}

void cw_soa_run_cache_put(const char *store, int64_t run,
                          const struct cw_results *r)
{
    const struct cw_pack *p = cw_results_pack(r);
    struct run_agg g;
    struct run_sum *sum;
    size_t i, n = cw_results_count(r);
    bool ok = true;

    memset(&g, 0, sizeof(g));
    g.id = run;
    g.time = (char *)cw_results_time(r);
    g.target = (char *)cw_results_target(r);
    g.digest = (char *)cw_pack_digest(p);
    pthread_mutex_lock(&cache.mu);
    if (!cache.max || (sum = cache_get(store, &g)) != NULL) {
        if (cache.max && sum)
            sum->refs--; /* there already */
        pthread_mutex_unlock(&cache.mu);
        return;
    }
    if (!(sum = cw__calloc(1, sizeof(*sum))) ||
        !(sum->store = cw__strdup(store)) ||
        !(sum->time = cw__strdup(g.time)) ||
        !(sum->target = cw__strdup(g.target)) ||
        !(sum->digest = cw__strdup(g.digest)))
        ok = false;
    if (ok)
        sum->id = run;
    /* The same figures as reading the run back: each result once, at its
     * place; a config run's passes counted per check after them. */
    for (i = 0; ok && i <= n + cw_pack_count(p); i++) {
        const struct cw_check *c;
        struct cw_run_result x;
        struct reading rd = { sum, NULL, NULL };
        struct cw__buf ctl;
        size_t k;
        memset(&x, 0, sizeof(x));
        if (i < n) {
            const struct cw_result *res = cw_results_at(r, i);
            c = res->check;
            x.verdict = res->verdict;
            x.count = 1;
            x.seq = i;
        } else if (i - n < cw_pack_count(p)) {
            c = cw_pack_check_at(p, i - n);
            if (!(x.count = cw_results_passes_of(r, i - n)))
                continue;
            x.verdict = CW_VERDICT_PASS;
            x.counted = true;
            x.seq = i;
        } else {
            break;
        }
        cw__buf_init(&ctl, (size_t)1 << 20);
        for (k = 0; ok && k < c->ncontrols; k++)
            ok = !cw__buf_printf(&ctl, "%s%s %s", k ? "\n" : "",
                                 c->controls[k].catalog, c->controls[k].id);
        x.check = c->id;
        x.controls = ctl.data ? ctl.data : "";
        ok = ok && agg_result(&rd, &x) == 0;
        cw__buf_release(&ctl);
    }
    if (!ok || !cache_put(sum))
        sum_free(sum);
    else
        sum->refs = 0; /* the cache's alone until a build takes it */
    pthread_mutex_unlock(&cache.mu);
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
    g->digest = cw__strdup(run->pack_digest ? run->pack_digest : "");
    if (!g->kind || !g->pack || !g->time || !g->target || !g->digest) {
        L->st = cw__diag_set(L->d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        return 1;
    }
    return 0;
}

static void runs_free(struct run_list *L)
{
    size_t i;
    for (i = 0; i < L->n; i++) {
        cache_release(L->v[i].sum);
        cw__free(L->v[i].kind);
        cw__free(L->v[i].pack);
        cw__free(L->v[i].time);
        cw__free(L->v[i].target);
        cw__free(L->v[i].digest);
    }
    cw__free(L->v);
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

/*
 * What the SoA reports per control: one source per latest run, or, for
 * a fleet (more than FLEET_NAMED latest runs of one kind and pack, one
 * per host), one source for them all, its checks' counts summed: "debian-12
 * on 1000 targets (latest at T): ..." rather than a thousand parts.
 */
#define FLEET_NAMED 3

/* A control a check lists, and the check: a source's checks by the
 * controls they list, sorted, so that each SoA line finds its checks
 * without reading every check's list. */
struct ref_pair {
    const char *ref;         /* into the check's controls, not ended */
    size_t len, check;
};

struct source {
    const char *pack, *time;
    char label[600];         /* "" : the pack's name alone */
    const struct run_check *c;
    size_t n;
    struct run_check *own;   /* a fleet's summed checks (freed after) */
    bool one_place;          /* a fleet: one failing place per check, its
                                first run's (places of different runs
                                do not compare) */
    struct ref_pair *refs;   /* made by index_source */
    size_t nrefs;
};

static int by_ref(const void *a, const void *b)
{
    const struct ref_pair *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->ref, y->ref, n);
    if (!c)
        c = x->len < y->len ? -1 : x->len > y->len;
    return c ? c : x->check < y->check ? -1 : x->check > y->check;
}

static bool index_source(struct source *g)
{
    size_t i, cap = 0;
    for (i = 0; i < g->n; i++) {
        const char *p = g->c[i].controls;
        while (p && *p) {
            size_t len = strcspn(p, "\n");
            if (g->nrefs == cap) {
                size_t na = cap ? 2 * cap : 1024;
                struct ref_pair *nr = cw__realloc(g->refs, na * sizeof(*nr));
                if (!nr)
                    return false;
                g->refs = nr;
                cap = na;
            }
            g->refs[g->nrefs].ref = p;
            g->refs[g->nrefs].len = len;
            g->refs[g->nrefs++].check = i;
            p += len;
            if (*p)
                p++;
        }
    }
    if (g->nrefs)
        qsort(g->refs, g->nrefs, sizeof(*g->refs), by_ref);
    return true;
}

/* The first of g's pairs for `ref` (g->nrefs when none). */
static size_t first_ref(const struct source *g, const char *ref)
{
    struct ref_pair key = { ref, strlen(ref), 0 };
    size_t lo = 0, hi = g->nrefs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (by_ref(&g->refs[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* This source's part for `ref`, written as part() writes a saved
 * report's. */
static enum cw_status source_part(struct cw__buf *b, const struct source *g,
                                  const char *ref, size_t *failed_out,
                                  size_t *passed_out)
{
    size_t counts[5] = { 0 }, seqs[64], nseq = 0, total_fail = 0, i, v;
    const char *who[64];
    char failed[400] = "";
    bool any = false;
    size_t at, rlen = strlen(ref);

    for (at = first_ref(g, ref);
         at < g->nrefs && g->refs[at].len == rlen &&
         memcmp(g->refs[at].ref, ref, rlen) == 0;
         at++) {
        const struct run_check *c = &g->c[g->refs[at].check];
        size_t k;
        if (!c->counts[0] && !c->counts[1] && !c->counts[2] &&
            !c->counts[3] && !c->counts[4])
            continue; /* (a fleet's check no run of it has now) */
        any = true;
        for (v = 0; v < 5; v++)
            counts[v] += c->counts[v];
        total_fail += c->nfail;
        for (k = 0; k < c->nfail && k <= MAX_FAILED_NAMED && nseq < 64 &&
                    (!k || !g->one_place);
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
    return put_part(b, g->label[0] ? g->label : g->pack, g->time, counts,
                    failed, total_fail > MAX_FAILED_NAMED);
}

/* ---- a fleet's checks, summed ------------------------------------------------- */

/* The sum of a fleet's runs' checks: counts and failing results added up
 * check by check; a failing check's place is its place in the pack
 * (places in different runs do not compare), so that a sum can lose a
 * run as exactly as it gains one. */
struct fleet_sum {
    struct run_check *c;
    size_t n, cap;
};

/* Adds (sign 1) or takes away (sign -1) run r's checks. */
static bool sum_apply(struct fleet_sum *f, const struct run_sum *r, int sign)
{
    size_t k, j, v;
    for (k = 0; k < r->n; k++) {
        const struct run_check *c = &r->c[k];
        struct run_check *o = NULL;
        /* the same pack: usually the same place */
        if (k < f->n && f->c[k].id == c->id)
            o = &f->c[k];
        for (j = 0; !o && j < f->n; j++)
            if (f->c[j].id == c->id)
                o = &f->c[j];
        if (!o) {
            if (sign < 0)
                continue; /* not there: nothing to take away */
            if (f->n == f->cap) {
                size_t na = f->cap ? 2 * f->cap : 512;
                struct run_check *no = cw__realloc(f->c, na * sizeof(*no));
                if (!no)
                    return false;
                f->c = no;
                f->cap = na;
            }
            o = &f->c[f->n];
            memset(o, 0, sizeof(*o));
            o->id = c->id;
            o->controls = c->controls;
            o->failseq[0] = f->n++;
        }
        for (v = 0; v < 5; v++)
            o->counts[v] = sign > 0 ? o->counts[v] + c->counts[v]
                                    : o->counts[v] - c->counts[v];
        o->nfail = sign > 0 ? o->nfail + c->nfail : o->nfail - c->nfail;
    }
    return true;
}

/* The sums kept between builds (with cw_soa_run_cache): per store, kind
 * and pack, the member runs (a reference held on each, by id) and their
 * sum. The next build of a fleet whose hosts pushed since takes away the
 * runs replaced and adds the new: the work of the runs that changed, not
 * of the whole fleet. */
struct fleet_entry {
    char *store, *kind, *pack;
    struct run_sum **m; /* sorted by id */
    size_t n;
    struct fleet_sum sum;
};

static struct {
    struct fleet_entry *v;
    size_t n;
} fleets;

static int by_run_id(const void *a, const void *b)
{
    const struct run_sum *x = *(struct run_sum *const *)a,
                         *y = *(struct run_sum *const *)b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Drops the reference an entry held (under cache.mu). */
static void member_release(struct run_sum *r)
{
    if (r->refs)
        r->refs--;
    if (!r->refs && !r->store[0])
        sum_free(r);
}

static void fleet_entry_free(struct fleet_entry *e)
{
    size_t i;
    for (i = 0; i < e->n; i++)
        member_release(e->m[i]);
    cw__free(e->m);
    cw__free(e->sum.c);
    cw__free(e->store);
    cw__free(e->kind);
    cw__free(e->pack);
    memset(e, 0, sizeof(*e));
}

/* Brings entry e to members m[0..n) (sorted by id): the runs it no
 * longer has taken away from its sum, the new ones added. Under
 * cache.mu. On failure (memory) e is left empty, to be summed anew. */
static bool fleet_update(struct fleet_entry *e, struct run_sum **m, size_t n)
{
    size_t i = 0, j = 0, k;
    struct run_sum **nm = cw__calloc(n ? n : 1, sizeof(*nm));
    bool ok = nm != NULL;

    while (ok && (i < e->n || j < n)) {
        if (j == n || (i < e->n && e->m[i]->id < m[j]->id)) {
            sum_apply(&e->sum, e->m[i], -1); /* never grows: no failure */
            member_release(e->m[i++]);
        } else if (i == e->n || m[j]->id < e->m[i]->id) {
            m[j]->refs++;
            nm[j] = m[j];
            ok = sum_apply(&e->sum, m[j++], 1);
        } else { /* the same run: kept, its reference with it */
            nm[j++] = e->m[i++];
        }
    }
    if (!ok) {
        for (k = 0; nm && k < j; k++)
            member_release(nm[k]);
        for (; i < e->n; i++)
            member_release(e->m[i]);
        cw__free(nm);
        cw__free(e->m);
        cw__free(e->sum.c);
        e->m = NULL;
        e->n = 0;
        memset(&e->sum, 0, sizeof(e->sum));
        return false;
    }
    cw__free(e->m);
    e->m = nm;
    e->n = n;
    return true;
}

void cw_soa_run_cache(size_t max_runs)
{
    pthread_mutex_lock(&cache.mu);
    cache.max = max_runs;
    if (!max_runs) {
        size_t i;
        for (i = 0; i < fleets.n; i++)
            fleet_entry_free(&fleets.v[i]);
        cw__free(fleets.v);
        fleets.v = NULL;
        fleets.n = 0;
        cache_sweep();
        for (i = 0; i < cache.nstrs; i++)
            cw__free(cache.strs[i]);
        cw__free(cache.strs);
        cache.strs = NULL;
        cache.nstrs = cache.nused = 0;
    }
    pthread_mutex_unlock(&cache.mu);
}

/* The checks of runs v[0..n) (one kind and pack, a fleet) summed into
 * s->own. */
static enum cw_status fleet_sum(const char *store, struct source *s,
                                const struct run_agg *v, size_t n)
{
    struct run_sum **m = cw__calloc(n ? n : 1, sizeof(*m));
    struct fleet_entry *e = NULL, tmp;
    struct fleet_sum *f;
    enum cw_status st = CW_OK;
    size_t i;

    if (!m)
        return CW_ENOMEM;
    for (i = 0; i < n; i++)
        m[i] = v[i].sum;
    qsort(m, n, sizeof(*m), by_run_id);
    memset(&tmp, 0, sizeof(tmp));
    pthread_mutex_lock(&cache.mu);
    for (i = 0; cache.max && i < fleets.n && !e; i++)
        if (strcmp(fleets.v[i].store, store) == 0 &&
            strcmp(fleets.v[i].kind, v[0].kind) == 0 &&
            strcmp(fleets.v[i].pack, v[0].pack) == 0)
            e = &fleets.v[i];
    if (!e && cache.max) {
        struct fleet_entry *nv =
            cw__realloc(fleets.v, (fleets.n + 1) * sizeof(*nv));
        if (nv) {
            fleets.v = nv;
            e = &fleets.v[fleets.n];
            memset(e, 0, sizeof(*e));
            if ((e->store = cw__strdup(store)) &&
                (e->kind = cw__strdup(v[0].kind)) &&
                (e->pack = cw__strdup(v[0].pack)))
                fleets.n++;
            else {
                fleet_entry_free(e);
                e = NULL;
            }
        }
    }
    if (!e)
        e = &tmp; /* not kept: summed for this build alone */
    if (!fleet_update(e, m, n))
        st = CW_ENOMEM;
    f = &e->sum;
    if (!st && !(s->own = cw__calloc(f->n ? f->n : 1, sizeof(*s->own))))
        st = CW_ENOMEM;
    if (!st) {
        memcpy(s->own, f->c, f->n * sizeof(*s->own));
        s->n = f->n;
        s->c = s->own;
    }
    if (e == &tmp)
        fleet_entry_free(&tmp);
    pthread_mutex_unlock(&cache.mu);
    cw__free(m);
    return st;
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
    struct source *src = NULL;
    enum cw_status st;
    size_t i, j, k, nsrc = 0;
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
    for (i = 0; !st && i < L.n; i++)
        st = run_checks(store, &L.v[i], d);
    if (st)
        goto out;
    if (!(src = cw__calloc(L.n, sizeof(*src)))) {
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    for (i = 0; !st && i < L.n; i = j) {
        const char *latest = L.v[i].time;
        for (j = i + 1; j < L.n && strcmp(L.v[j].kind, L.v[i].kind) == 0 &&
                        strcmp(L.v[j].pack, L.v[i].pack) == 0;
             j++)
            if (strcmp(L.v[j].time, latest) > 0)
                latest = L.v[j].time;
        if (j - i > FLEET_NAMED) {
            struct source *s = &src[nsrc++];
            s->pack = L.v[i].pack;
            s->time = latest;
            snprintf(s->label, sizeof(s->label), "%s on %zu targets, latest",
                     L.v[i].pack, j - i);
            s->one_place = true;
            if (fleet_sum(store, s, &L.v[i], j - i))
                st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
            continue;
        }
        /* "debian-12 on /mnt/web1": which host, when the pack has
         * another latest run */
        for (k = i; k < j; k++) {
            struct source *s = &src[nsrc++];
            s->pack = L.v[k].pack;
            s->time = L.v[k].time;
            s->c = L.v[k].sum->c;
            s->n = L.v[k].sum->n;
            if (j - i > 1)
                snprintf(s->label, sizeof(s->label), "%s on %s",
                         L.v[k].pack, L.v[k].target);
        }
    }
    for (j = 0; !st && j < nsrc; j++)
        if (!index_source(&src[j]))
            st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    for (i = 0; !st && i < n; i++) {
        struct cw__buf b;
        cw__buf_init(&b, 8192);
        snprintf(ref, sizeof(ref), "%s %s", lines[i].control->catalog,
                 lines[i].control->id);
        for (j = 0; !st && j < nsrc; j++)
            st = source_part(&b, &src[j], ref, &lines[i].checks_failed,
                             &lines[i].checks_passed);
        if (!st && b.len && !(lines[i].checks = cw__arena_strdup(a, b.data)))
            st = CW_ENOMEM;
        cw__buf_release(&b);
        if (st == CW_ENOMEM || st == CW_ELIMIT)
            cw__diag_set(d, st, NULL, 0, 0, "out of memory");
    }
out:
    for (i = 0; src && i < nsrc; i++) {
        cw__free(src[i].own);
        cw__free(src[i].refs);
    }
    cw__free(src);
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
