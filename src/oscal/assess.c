/*
 * assess.c - the latest scan runs as OSCAL assessment results, the open
 * lines of the SoA as a plan of action and milestones, and the data's
 * own time that documents of a system carry as last-modified.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cloudward/cw_ledger.h>
#include <cloudward/cw_runs.h>

#include "../registers/clock.h"
#include "oscal_internal.h"

/* ---- the runs as of the SoA's date ------------------------------------ */

struct run_copy {
    int64_t id;
    char *kind, *pack, *digest, *target, *started;
    double seconds;
    size_t counts[CW_VERDICT_COUNT];
};

struct run_list {
    struct run_copy *v;
    size_t n, cap;
    const char *as_of;
    bool oom;
};

static char *dup(const char *s)
{
    return cw__strdup(s ? s : "");
}

static int keep_run(void *arg, const struct cw_run *r)
{
    struct run_list *l = arg;

    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct run_copy *v = cw__realloc(l->v, cap * sizeof(*v));
        if (!v) {
            l->oom = true;
            return 1;
        }
        l->v = v;
        l->cap = cap;
    }
    memset(&l->v[l->n], 0, sizeof(l->v[0]));
    l->v[l->n].id = r->id;
    l->v[l->n].kind = dup(r->kind);
    l->v[l->n].pack = dup(r->pack);
    l->v[l->n].digest = dup(r->pack_digest);
    l->v[l->n].target = dup(r->target);
    l->v[l->n].started = dup(r->started);
    l->v[l->n].seconds = r->seconds;
    memcpy(l->v[l->n].counts, r->counts, sizeof(r->counts));
    if (!l->v[l->n].kind || !l->v[l->n].pack || !l->v[l->n].digest ||
        !l->v[l->n].target || !l->v[l->n].started)
        l->oom = true;
    l->n++;
    return l->oom;
}

static void runs_free(struct run_list *l)
{
    size_t i;
    for (i = 0; i < l->n; i++) {
        cw__free(l->v[i].kind);
        cw__free(l->v[i].pack);
        cw__free(l->v[i].digest);
        cw__free(l->v[i].target);
        cw__free(l->v[i].started);
    }
    cw__free(l->v);
}

static int run_cmp(const void *a, const void *b)
{
    const struct run_copy *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static enum cw_status runs_load(const struct cw_oscal_input *in,
                                struct run_list *l, struct cw_diag *d)
{
    enum cw_status st;

    memset(l, 0, sizeof(*l));
    l->as_of = cw_soa_as_of(in->soa);
    if (!in->store)
        return CW_OK;
    st = cw_runs_latest_by(in->store, l->as_of, keep_run, l, d);
    if (!st && l->oom)
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    if (!st && l->n)
        qsort(l->v, l->n, sizeof(*l->v), run_cmp); /* oldest first */
    return st;
}

/* ---- the data's own time ----------------------------------------------- */

struct latest {
    long long ms;
    long long until_ms; /* the end of the SoA's date */
};

static bool latest_record(void *arg, const struct cw_record *r)
{
    struct latest *t = arg;
    if (r->time_ms <= t->until_ms && r->time_ms > t->ms)
        t->ms = r->time_ms;
    return true;
}

static void day_of(const char *date, long long *y, unsigned *m, unsigned *dd)
{
    /* A date the scope or the SoA checked: YYYY-MM-DD. */
    *y = strtoll(date, NULL, 10);
    *m = (unsigned)strtoul(date + 5, NULL, 10);
    *dd = (unsigned)strtoul(date + 8, NULL, 10);
}

static void format_ms(long long ms, char out[32])
{
    long long days = ms / 86400000, y;
    long long sec = (ms / 1000) % 86400;
    unsigned m, dd;

    cw__civil_from_days(days, &y, &m, &dd);
    snprintf(out, 32, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", y, m, dd,
             sec / 3600, sec / 60 % 60, sec % 60);
}

/*
 * The latest of: the scope's approval day, the last change of the scope
 * or a decision the ledger recorded, and the start of the runs read; all
 * on or before the SoA's date. The SoA's date when none is known.
 */
static void data_time(const struct cw_oscal_input *in,
                      const struct run_list *runs, char out[32])
{
    const struct cw_scope *s = cw_soa_scope(in->soa);
    const struct cw_document *doc = cw_scope_document(s);
    const char *as_of = cw_soa_as_of(in->soa);
    struct latest t;
    long long y;
    unsigned m, dd;
    size_t i;

    day_of(as_of, &y, &m, &dd);
    t.until_ms = (cw__days_from_civil(y, m, dd) + 1) * 86400000 - 1;
    t.ms = 0;
    if (doc && doc->approved && strcmp(doc->approved, as_of) <= 0) {
        day_of(doc->approved, &y, &m, &dd);
        t.ms = cw__days_from_civil(y, m, dd) * 86400000;
    }
    if (in->store) {
        struct cw_ledger *l = NULL;
        struct cw_diag d;
        cw_diag_clear(&d);
        if (cw_ledger_open_existing(in->store, &l, &d) == CW_OK)
            cw_ledger_record_each(l, NULL, latest_record, &t, &d);
        cw_ledger_close(l);
    }
    for (i = 0; runs && i < runs->n; i++) {
        long long rt;
        if (cw__time_parse(runs->v[i].started, NULL, &rt, NULL) &&
            rt * 1000 > t.ms && rt * 1000 <= t.until_ms)
            t.ms = rt * 1000;
    }
    if (!t.ms) {
        snprintf(out, 32, "%sT00:00:00Z", as_of);
        return;
    }
    format_ms(t.ms, out);
}

enum cw_status cw__oscal_last_modified(const struct cw_oscal_input *in,
                                       char out[32], struct cw_diag *d)
{
    struct run_list runs;
    enum cw_status st = runs_load(in, &runs, d);

    if (!st)
        data_time(in, &runs, out);
    runs_free(&runs);
    return st;
}

/* ---- assessment results ------------------------------------------------- */

struct result_copy {
    char *check, *title, *controls, *resource, *reason, *file;
    enum cw_severity severity;
    enum cw_verdict verdict;
    unsigned line;
    size_t count, seq;
    bool counted;
};

struct result_list {
    struct result_copy *v;
    size_t n, cap;
    bool oom;
};

static int keep_result(void *arg, const struct cw_run_result *x)
{
    struct result_list *l = arg;
    struct result_copy *c;

    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct result_copy *v = cw__realloc(l->v, cap * sizeof(*v));
        if (!v) {
            l->oom = true;
            return 1;
        }
        l->v = v;
        l->cap = cap;
    }
    c = &l->v[l->n++];
    memset(c, 0, sizeof(*c));
    c->check = dup(x->check);
    c->title = dup(x->title);
    c->controls = dup(x->controls);
    c->resource = x->resource ? dup(x->resource) : NULL;
    c->reason = x->reason ? dup(x->reason) : NULL;
    c->file = x->file ? dup(x->file) : NULL;
    c->severity = x->severity;
    c->verdict = x->verdict;
    c->line = x->line;
    c->count = x->count;
    c->seq = x->seq;
    c->counted = x->counted;
    if (!c->check || !c->title || !c->controls)
        l->oom = true;
    return l->oom;
}

static void results_free(struct result_list *l)
{
    size_t i;
    for (i = 0; i < l->n; i++) {
        cw__free(l->v[i].check);
        cw__free(l->v[i].title);
        cw__free(l->v[i].controls);
        cw__free(l->v[i].resource);
        cw__free(l->v[i].reason);
        cw__free(l->v[i].file);
    }
    cw__free(l->v);
    memset(l, 0, sizeof(*l));
}

/* The subject of a result: its resource, else what the run scanned. */
static const char *subject_of(const struct run_copy *r,
                              const struct result_copy *x)
{
    return x->resource && *x->resource ? x->resource : r->target;
}

static void subject_uuid(char out[37], const struct run_copy *r,
                         const char *subject)
{
    cw__oscal_uuid4(out, "subject", r->kind, r->target, subject);
}

static void obs_uuid(char out[37], const struct run_copy *r, size_t seq)
{
    char s[32];
    snprintf(s, sizeof(s), "%zu", seq);
    cw__oscal_uuid4(out, "observation", r->started, r->pack, s);
}

/* Controls cited by the run's results, "CATALOG ID" each, sorted and
 * unique, into *out (a cw__malloc'd array of pointers into the results). */
static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t cited_controls(const struct result_list *rl, char ***out)
{
    size_t i, n = 0, cap = 0, k;
    char **v = NULL;

    for (i = 0; i < rl->n; i++) {
        char *p = rl->v[i].controls;
        while (p && *p) {
            char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            if (n == cap) {
                size_t c2 = cap ? cap * 2 : 32;
                char **v2 = cw__realloc(v, c2 * sizeof(*v2));
                if (!v2)
                    goto done;
                v = v2;
                cap = c2;
            }
            v[n] = cw__malloc(len + 1);
            if (!v[n])
                goto done;
            memcpy(v[n], p, len);
            v[n][len] = '\0';
            n++;
            p = nl ? nl + 1 : NULL;
        }
    }
done:
    if (n)
        qsort(v, n, sizeof(*v), str_cmp);
    for (i = 0, k = 0; i < n; i++) {
        if (k && strcmp(v[k - 1], v[i]) == 0) {
            cw__free(v[i]);
            continue;
        }
        v[k++] = v[i];
    }
    *out = v;
    return k;
}

static bool cites(const char *controls, const char *ref)
{
    size_t len = strlen(ref);
    const char *p = controls;

    while (p && *p) {
        if (strncmp(p, ref, len) == 0 && (p[len] == '\n' || !p[len]))
            return true;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return false;
}

static void control_token(const char *ref, char *out, size_t n)
{
    char cat[128];
    const char *sp = strchr(ref, ' ');
    size_t len = sp ? (size_t)(sp - ref) : 0;

    if (!sp || len >= sizeof(cat)) {
        cw__oscal_control_id("unknown", ref, out, n);
        return;
    }
    memcpy(cat, ref, len);
    cat[len] = '\0';
    cw__oscal_control_id(cat, sp + 1, out, n);
}

static void result_out(struct jw *w, const struct run_copy *r,
                       const struct result_list *rl, const char *checkpoint,
                       uint64_t cp_size)
{
    char id[37], buf[4096];
    char **ctl = NULL;
    size_t nctl = cited_controls(rl, &ctl), i, k;

    cw__oscal_uuid4(id, "result", r->kind, r->pack, r->started);
    jw_obj(w, NULL);
    jw_str(w, "uuid", id);
    snprintf(buf, sizeof(buf), "%s scan of %s with pack %s", r->kind,
             r->target, r->pack);
    jw_str(w, "title", buf);
    snprintf(buf, sizeof(buf),
             "Run %lld saved in the store: %zu passed, %zu failed, %zu "
             "errors, %zu not applicable, in %.2f s.",
             (long long)r->id, r->counts[CW_VERDICT_PASS],
             r->counts[CW_VERDICT_FAIL], r->counts[CW_VERDICT_ERROR],
             r->counts[CW_VERDICT_NOT_APPLICABLE], r->seconds);
    jw_str(w, "description", buf);
    jw_str(w, "start", r->started);
    jw_arr(w, "props");
    jw_prop(w, "run", (snprintf(buf, sizeof(buf), "%lld", (long long)r->id),
                       buf), NULL, false);
    jw_prop(w, "pack", r->pack, NULL, false);
    jw_prop(w, "pack-sha256", r->digest, NULL, false);
    if (checkpoint) {
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cp_size);
        jw_prop(w, "ledger-checkpoint-size", buf, checkpoint, false);
    }
    jw_end(w);
    jw_obj(w, "local-definitions");
    jw_arr(w, "inventory-items");
    for (i = 0; i < rl->n; i++) {
        const char *sub = subject_of(r, &rl->v[i]);
        bool seen = false;
        for (k = 0; k < i && !seen; k++)
            seen = strcmp(subject_of(r, &rl->v[k]), sub) == 0;
        if (seen)
            continue;
        subject_uuid(id, r, sub);
        jw_obj(w, NULL);
        jw_str(w, "uuid", id);
        jw_str(w, "description", sub);
        jw_end(w);
    }
    jw_end(w);
    jw_end(w);
    jw_obj(w, "reviewed-controls");
    jw_arr(w, "control-selections");
    jw_obj(w, NULL);
    if (!nctl) {
        jw_obj(w, "include-all");
        jw_end(w);
    }
    jw_arr(w, "include-controls");
    for (i = 0; i < nctl; i++) {
        char cid[200];
        control_token(ctl[i], cid, sizeof(cid));
        jw_obj(w, NULL);
        jw_str(w, "control-id", cid);
        jw_end(w);
    }
    jw_end(w);
    jw_end(w);
    jw_end(w);
    jw_end(w);
    jw_arr(w, "observations");
    for (i = 0; i < rl->n; i++) {
        const struct result_copy *x = &rl->v[i];
        obs_uuid(id, r, x->seq);
        jw_obj(w, NULL);
        jw_str(w, "uuid", id);
        jw_str(w, "title", x->check);
        if (x->counted)
            snprintf(buf, sizeof(buf), "%s: passed on %zu resources.",
                     x->title, x->count);
        else
            snprintf(buf, sizeof(buf), "%s: %s%s%s", x->title,
                     cw_verdict_name(x->verdict), x->reason ? ". " : ".",
                     x->reason ? x->reason : "");
        jw_str(w, "description", buf);
        jw_arr(w, "props");
        jw_prop(w, "verdict", cw_verdict_name(x->verdict), NULL, false);
        jw_prop(w, "severity", cw_severity_name(x->severity), NULL, false);
        jw_end(w);
        jw_arr(w, "methods");
        jw_str(w, NULL, "TEST");
        jw_end(w);
        jw_arr(w, "subjects");
        if (!x->counted) {
            subject_uuid(id, r, subject_of(r, x));
            jw_obj(w, NULL);
            jw_str(w, "subject-uuid", id);
            jw_str(w, "type", "inventory-item");
            jw_end(w);
        }
        jw_end(w);
        jw_arr(w, "relevant-evidence");
        if (x->file) {
            snprintf(buf, sizeof(buf), "%s, line %u", x->file, x->line);
            jw_obj(w, NULL);
            jw_str(w, "description", buf);
            jw_end(w);
        }
        jw_end(w);
        jw_str(w, "collected", r->started);
        jw_end(w);
    }
    jw_end(w);
    jw_arr(w, "findings");
    for (k = 0; k < nctl; k++) {
        size_t failed = 0, total = 0;
        char cid[200];
        for (i = 0; i < rl->n; i++)
            if (cites(rl->v[i].controls, ctl[k])) {
                total++;
                if (rl->v[i].verdict == CW_VERDICT_FAIL ||
                    rl->v[i].verdict == CW_VERDICT_ERROR)
                    failed++;
            }
        cw__oscal_uuid4(id, "finding", r->kind, r->started, ctl[k]);
        control_token(ctl[k], cid, sizeof(cid));
        jw_obj(w, NULL);
        jw_str(w, "uuid", id);
        jw_str(w, "title", ctl[k]);
        snprintf(buf, sizeof(buf),
                 "%zu of the %zu results citing %s failed or could not be "
                 "judged.",
                 failed, total, ctl[k]);
        jw_str(w, "description", buf);
        jw_obj(w, "target");
        jw_str(w, "type", "objective-id");
        jw_str(w, "target-id", cid);
        jw_obj(w, "status");
        jw_str(w, "state", failed ? "not-satisfied" : "satisfied");
        jw_end(w);
        jw_end(w);
        jw_arr(w, "related-observations");
        for (i = 0; i < rl->n; i++) {
            if (!cites(rl->v[i].controls, ctl[k]))
                continue;
            obs_uuid(id, r, rl->v[i].seq);
            jw_obj(w, NULL);
            jw_str(w, "observation-uuid", id);
            jw_end(w);
        }
        jw_end(w);
        jw_end(w);
    }
    jw_end(w);
    jw_end(w);
    for (i = 0; i < nctl; i++)
        cw__free(ctl[i]);
    cw__free(ctl);
}

enum cw_status cw__oscal_results(const struct cw_oscal_input *in,
                                 struct jw *w, struct cw_diag *d)
{
    const struct cw_scope *s = cw_soa_scope(in->soa);
    struct run_list runs;
    struct result_list rl = { NULL, 0, 0, false };
    char lm[32], title[600], ap[37], note[1024];
    const char *checkpoint = NULL;
    uint64_t cp_size = 0;
    enum cw_status st;
    size_t i;

    if ((st = runs_load(in, &runs, d)))
        return st;
    data_time(in, &runs, lm);
    if (in->store) {
        struct cw_ledger *l = NULL;
        struct cw_diag d2;
        cw_diag_clear(&d2);
        if (cw_ledger_open_existing(in->store, &l, &d2) == CW_OK &&
            cw_ledger_latest_checkpoint(l, note, sizeof(note), &d2) ==
                CW_OK) {
            const char *nl = strchr(note, '\n');
            checkpoint = note;
            if (nl)
                cp_size = strtoull(nl + 1, NULL, 10);
        }
        cw_ledger_close(l);
    }
    snprintf(title, sizeof(title), "%s: results of automated checks",
             cw_scope_organisation(s));
    cw__oscal_uuid4(ap, "assessment-plan", cw_scope_organisation(s), NULL,
                    NULL);
    cw__oscal_begin(w, "assessment-results", title, in->last_modified ? in->last_modified : lm,
                       NULL);
    jw_str(w, "remarks",
           "The latest run of each kind, pack and target saved in the store "
           "on or before the SoA's date. Passes of a config scan are counted "
           "per check. The ledger checkpoint prop is the latest signed "
           "checkpoint of the store's log, which records each run.");
    jw_end(w);
    jw_obj(w, "import-ap");
    jw_strf(w, "href", "#%s", ap);
    jw_end(w);
    jw_arr(w, "results");
    for (i = 0; !st && i < runs.n; i++) {
        st = cw_run_results(in->store, runs.v[i].id, keep_result, &rl, d);
        if (!st && rl.oom)
            st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        if (!st)
            result_out(w, &runs.v[i], &rl, checkpoint, cp_size);
        results_free(&rl);
    }
    if (!runs.n) {
        /* OSCAL needs one result: say that nothing was run. */
        char id[37];
        cw__oscal_uuid4(id, "result", "none", cw_soa_as_of(in->soa), NULL);
        jw_obj(w, NULL);
        jw_str(w, "uuid", id);
        jw_str(w, "title", "No scan saved");
        jw_str(w, "description", "The store holds no scan run on or before "
                                 "the SoA's date.");
        jw_str(w, "start", lm);
        jw_obj(w, "reviewed-controls");
        jw_arr(w, "control-selections");
        jw_obj(w, NULL);
        jw_obj(w, "include-all");
        jw_end(w);
        jw_end(w);
        jw_end(w);
        jw_end(w);
        jw_end(w);
    }
    jw_end(w);
    jw_obj(w, "back-matter");
    jw_arr(w, "resources");
    jw_obj(w, NULL);
    jw_str(w, "uuid", ap);
    jw_str(w, "title", "Assessment plan: cloudward's automated checks");
    jw_str(w, "description",
           "The checks of each pack named in a result, run by 'cloudward "
           "scan host' or 'cloudward scan config' and saved in the store; "
           "docs/check-packs.md describes them.");
    jw_end(w);
    jw_end(w);
    jw_end(w);
    jw_end(w);
    jw_end(w);
    runs_free(&runs);
    return st;
}

/* ---- plan of action and milestones -------------------------------------- */

enum risk { RISK_LOW, RISK_MODERATE, RISK_HIGH };

/* What is open on a line, in words, and its risk; false when nothing. */
static bool open_line(const struct cw_soa_line *l, char *what, size_t n,
                      enum risk *risk)
{
    size_t o = 0;
    bool unverified = l->reliance != CW_RELY_NONE &&
                      !CW_RELY_VERIFIED(l->reliance);

    *risk = RISK_LOW;
    what[0] = '\0';
    if (!l->applicable)
        return false;
#define SAY(...)                                                              \
    do {                                                                      \
        if (o < n)                                                            \
            o += (size_t)snprintf(what + o, n - o, __VA_ARGS__);              \
    } while (0)
    if (l->status == CW_IMPL_NOT_STARTED || l->status == CW_IMPL_PARTIAL) {
        SAY("Implementation %s. ", cw_impl_status_name(l->status));
        *risk = RISK_MODERATE;
    } else if (l->status == CW_IMPL_PLANNED)
        SAY("Implementation planned. ");
    if (l->checks_failed) {
        SAY("%zu automated check result%s failing. ", l->checks_failed,
            l->checks_failed == 1 ? "" : "s");
        *risk = RISK_HIGH;
    }
    if (l->register_findings) {
        SAY("%zu finding%s of the 27018 registers. ", l->register_findings,
            l->register_findings == 1 ? "" : "s");
        *risk = RISK_HIGH;
    }
    if (unverified) {
        SAY("Reliance on a provider unverified (%s). ",
            cw_rely_state_name(l->reliance));
        *risk = RISK_HIGH;
    }
    if (l->evidence_stale) {
        SAY("%zu piece%s of evidence expired, not yet effective or missing. ",
            l->evidence_stale, l->evidence_stale == 1 ? "" : "s");
        if (*risk < RISK_MODERATE)
            *risk = RISK_MODERATE;
    }
    if (l->nflags) {
        SAY("Contradiction: %s ", l->flags);
        if (*risk < RISK_MODERATE)
            *risk = RISK_MODERATE;
    }
#undef SAY
    while (o > 0 && o < n && what[o - 1] == ' ')
        what[--o] = '\0';
    return o > 0;
}

/* Remediation windows when a decision names no due date: 30, 90 and 180
 * days from the SoA's date for high, moderate and low risk. */
static void deadline(const struct cw_soa *soa, const struct cw_soa_line *l,
                     enum risk risk, char out[32])
{
    const struct cw_decision *dc =
        cw_scope_find_decision(cw_soa_scope(soa), l->control);
    static const int days[] = { 180, 90, 30 };
    long long y;
    unsigned m, dd;

    if (dc && dc->due) {
        snprintf(out, 32, "%sT23:59:59Z", dc->due);
        return;
    }
    day_of(cw_soa_as_of(soa), &y, &m, &dd);
    cw__civil_from_days(cw__days_from_civil(y, m, dd) + days[risk], &y, &m,
                        &dd);
    snprintf(out, 32, "%04lld-%02u-%02uT23:59:59Z", y, m, dd);
}

enum cw_status cw__oscal_poam(const struct cw_oscal_input *in, struct jw *w,
                              struct cw_diag *d)
{
    static const char *const risk_names[] = { "low", "moderate", "high" };
    const struct cw_soa *soa = in->soa;
    const struct cw_scope *s = cw_soa_scope(soa);
    const char *org = cw_scope_organisation(s);
    char lm[32], title[600], what[4096], id[37], due[32], file[64];
    enum cw_status st;
    enum risk risk;
    size_t i;
    struct run_list runs;

    if ((st = runs_load(in, &runs, d)))
        return st;
    data_time(in, &runs, lm);
    runs_free(&runs);
    snprintf(title, sizeof(title), "%s: plan of action and milestones", org);
    cw__oscal_begin(w, "plan-of-action-and-milestones", title, in->last_modified ? in->last_modified : lm,
                       NULL);
    jw_strf(w, "remarks",
            "Every applicable control of the SoA as of %s that is not "
            "implemented, fails a check, has a register finding, relies on "
            "unverified assurance, has stale evidence or a contradiction. "
            "Risk: high for failing checks, register findings and "
            "unverified reliance; moderate for work not started or partial, "
            "stale evidence, contradictions; low for planned work. "
            "Deadline: the decision's 'due' date, else 30, 90 or 180 days "
            "after the SoA's date by risk.",
            cw_soa_as_of(soa));
    jw_end(w);
    jw_obj(w, "import-ssp");
    jw_str(w, "href", cw_oscal_file_name(CW_OSCAL_SSP, NULL, file,
                                         sizeof(file)));
    jw_end(w);
    jw_obj(w, "system-id");
    jw_str(w, "identifier-type", CW_OSCAL_NS);
    {
        char slug[256];
        jw_str(w, "id", cw__oscal_system_slug(org, slug, sizeof(slug)));
    }
    jw_end(w);
    jw_arr(w, "risks");
    for (i = 0; i < cw_soa_count(soa); i++) {
        const struct cw_soa_line *l = cw_soa_line_at(soa, i);
        if (!open_line(l, what, sizeof(what), &risk))
            continue;
        cw__oscal_uuid4(id, "risk", org, l->control->catalog, l->control->id);
        deadline(soa, l, risk, due);
        jw_obj(w, NULL);
        jw_str(w, "uuid", id);
        jw_strf(w, "title", "%s %s %s: %s risk", l->control->catalog,
                l->control->id, l->control->title, risk_names[risk]);
        jw_str(w, "description", what);
        jw_strf(w, "statement",
                "Until it is done, %s %s (%s) is not fully met.",
                l->control->catalog, l->control->id, l->control->title);
        jw_arr(w, "props");
        jw_prop(w, "risk-level", risk_names[risk], NULL, false);
        jw_end(w);
        jw_str(w, "status", "open");
        jw_str(w, "deadline", due);
        jw_end(w);
    }
    jw_end(w);
    jw_arr(w, "poam-items");
    {
        size_t open = 0;
        for (i = 0; i < cw_soa_count(soa); i++)
            open += open_line(cw_soa_line_at(soa, i), what, sizeof(what),
                              &risk);
        if (!open) { /* OSCAL needs one item: say that none is open */
            cw__oscal_uuid4(id, "poam-item", org, "none", NULL);
            jw_obj(w, NULL);
            jw_str(w, "uuid", id);
            jw_str(w, "title", "Nothing open");
            jw_strf(w, "description", "No applicable control is open as of "
                    "%s.", cw_soa_as_of(soa));
            jw_end(w);
        }
    }
    for (i = 0; i < cw_soa_count(soa); i++) {
        const struct cw_soa_line *l = cw_soa_line_at(soa, i);
        char rid[37], cid[200];
        if (!open_line(l, what, sizeof(what), &risk))
            continue;
        cw__oscal_uuid4(rid, "risk", org, l->control->catalog,
                        l->control->id);
        cw__oscal_uuid4(id, "poam-item", org, l->control->catalog,
                        l->control->id);
        jw_obj(w, NULL);
        jw_str(w, "uuid", id);
        jw_strf(w, "title", "%s %s %s", l->control->catalog, l->control->id,
                l->control->title);
        jw_str(w, "description", what);
        jw_arr(w, "props");
        jw_prop(w, "control-id", cw__oscal_control_id(l->control->catalog,
                                                      l->control->id, cid,
                                                      sizeof(cid)),
                NULL, false);
        jw_prop(w, "status", cw_impl_status_name(l->status), NULL, false);
        jw_prop(w, "risk-level", risk_names[risk], NULL, false);
        jw_prop(w, "owner", l->owner, NULL, false);
        jw_end(w);
        jw_arr(w, "related-risks");
        jw_obj(w, NULL);
        jw_str(w, "risk-uuid", rid);
        jw_end(w);
        jw_end(w);
        jw_end(w);
    }
    jw_end(w);
    jw_end(w);
    jw_end(w);
    return CW_OK;
}
