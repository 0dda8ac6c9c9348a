/*
 * drift.c - cw_drift_find: what drifted, from what the store holds.
 *
 * Checks: the latest run of each kind, pack and target on the SoA's date
 * against the latest of the same key at the end of the `since` day (or
 * the run given), result by result (cw_runs_diff); a key with no run then
 * counts every failing result as new. Evidence and assurance: what has
 * lapsed by the SoA's date or lapses within the window. Duties: the
 * registers' findings at the end of the SoA's date. Decisions: the
 * ledger's records of the scope and its decisions after `since`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cloudward/cw_drift.h>
#include <cloudward/cw_ledger.h>
#include <cloudward/cw_registers.h>
#include <cloudward/cw_runs.h>
#include <cloudward/cw_scope.h>

#include "../core/core.h"
#include "../registers/clock.h"

struct cw_drift {
    struct cw__arena arena;
    struct cw_drift_item *v;
    size_t n, cap;
    bool oom;
};

static const char *const kind_names[CW_DRIFT_COUNT] = {
#define CW__DRIFT_NAME(name, str) str,
    CW_DRIFT_MAP(CW__DRIFT_NAME)
#undef CW__DRIFT_NAME
};

const char *cw_drift_kind_name(enum cw_drift_kind k)
{
    return (unsigned)k < CW_DRIFT_COUNT ? kind_names[k] : NULL;
}

static const char *keep(struct cw_drift *x, const char *s)
{
    const char *c;
    if (!s)
        return NULL;
    if (!(c = cw__arena_strdup(&x->arena, s)))
        x->oom = true;
    return c;
}

static void add(struct cw_drift *x, enum cw_drift_kind k,
                enum cw_severity sev, const char *subject,
                const char *control, const char *what, const char *when)
{
    struct cw_drift_item *it;

    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 32;
        struct cw_drift_item *v = cw__realloc(x->v, cap * sizeof(*v));
        if (!v) {
            x->oom = true;
            return;
        }
        x->v = v;
        x->cap = cap;
    }
    it = &x->v[x->n++];
    it->kind = k;
    it->severity = sev;
    it->subject = keep(x, subject);
    it->control = keep(x, control);
    it->what = keep(x, what);
    it->when = keep(x, when);
}

/* ---- days ---------------------------------------------------------------- */

static long long day_of(const char *date)
{
    return cw__days_from_civil(strtoll(date, NULL, 10),
                               (unsigned)strtoul(date + 5, NULL, 10),
                               (unsigned)strtoul(date + 8, NULL, 10));
}

static void date_of(long long day, char out[16])
{
    long long y;
    unsigned m, dd;
    cw__civil_from_days(day, &y, &m, &dd);
    snprintf(out, 16, "%04lld-%02u-%02u", y % 10000, m % 13, dd % 32);
}

/* ---- checks ----------------------------------------------------------------- */

struct run_key {
    int64_t id;
    char kind[16], pack[128], target[1024], started[32];
};

struct keys {
    struct run_key *v;
    size_t n, cap;
    bool oom;
};

static int take_key(void *arg, const struct cw_run *r)
{
    struct keys *k = arg;
    struct run_key *e;

    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 16;
        struct run_key *v = cw__realloc(k->v, cap * sizeof(*v));
        if (!v) {
            k->oom = true;
            return 1;
        }
        k->v = v;
        k->cap = cap;
    }
    e = &k->v[k->n++];
    e->id = r->id;
    snprintf(e->kind, sizeof(e->kind), "%s", r->kind);
    snprintf(e->pack, sizeof(e->pack), "%s", r->pack);
    snprintf(e->target, sizeof(e->target), "%s", r->target);
    snprintf(e->started, sizeof(e->started), "%s",
             r->started ? r->started : "");
    return 0;
}

static const struct run_key *same_key(const struct keys *k,
                                      const struct run_key *r)
{
    size_t i;
    for (i = 0; i < k->n; i++)
        if (strcmp(k->v[i].kind, r->kind) == 0 &&
            strcmp(k->v[i].pack, r->pack) == 0 &&
            strcmp(k->v[i].target, r->target) == 0)
            return &k->v[i];
    return NULL;
}

struct diffing {
    struct cw_drift *x;
    const struct run_key *now;
};

static void first_control(const char *controls, char *out, size_t n)
{
    size_t len = controls ? strcspn(controls, "\n") : 0;
    snprintf(out, n, "%.*s", (int)len, controls ? controls : "");
}

static void result_item(struct diffing *g, enum cw_drift_kind k,
                        const struct cw_run_result *r)
{
    char subject[1400], what[1200], control[200];

    snprintf(subject, sizeof(subject), "%s on %s: %s%s%s", g->now->pack,
             g->now->target, r->check, r->resource ? " " : "",
             r->resource ? r->resource : "");
    snprintf(what, sizeof(what), "%s: %s%s%s", r->title,
             k == CW_DRIFT_CHECK_FIXED ? "fixed"
                                       : cw_verdict_name(r->verdict),
             r->reason && k != CW_DRIFT_CHECK_FIXED ? ", " : "",
             r->reason && k != CW_DRIFT_CHECK_FIXED ? r->reason : "");
    first_control(r->controls, control, sizeof(control));
    add(g->x, k, k == CW_DRIFT_CHECK_FIXED ? CW_SEVERITY_INFO : r->severity,
        subject, control[0] ? control : NULL, what, g->now->started);
}

static bool failing(const struct cw_run_result *r)
{
    return r && (r->verdict == CW_VERDICT_FAIL ||
                 r->verdict == CW_VERDICT_ERROR);
}

static int one_change(void *arg, enum cw_change c,
                      const struct cw_run_result *before,
                      const struct cw_run_result *after)
{
    struct diffing *g = arg;

    if (failing(after) && !failing(before))
        result_item(g, CW_DRIFT_CHECK_FAILING, after);
    else if (failing(before) && !failing(after) && c != CW_CHANGE_NEW)
        result_item(g, CW_DRIFT_CHECK_FIXED, before);
    return 0;
}

static int all_failing(void *arg, const struct cw_run_result *r)
{
    if (failing(r))
        result_item(arg, CW_DRIFT_CHECK_FAILING, r);
    return 0;
}

/* Resources no check knows: the earlier run's, by address, to tell the
 * new ones. */
struct addrs {
    char **v;
    size_t n, cap;
    bool oom;
};

static int take_addr(void *arg, const struct cw_uncovered *u)
{
    struct addrs *a = arg;
    char *c;
    if (!cw__grow((void **)&a->v, &a->cap, a->n, sizeof(*a->v)) ||
        !(c = cw__strdup(u->address))) {
        a->oom = true;
        return 1;
    }
    a->v[a->n++] = c;
    return 0;
}

static int by_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

struct uncov {
    struct cw_drift *x;
    const struct run_key *now;
    const struct addrs *before;
};

static int new_uncovered(void *arg, const struct cw_uncovered *u)
{
    struct uncov *g = arg;
    const char *key = u->address;
    char subject[1400], what[600];
    if (g->before->n && bsearch(&key, g->before->v, g->before->n,
                                sizeof(*g->before->v), by_str))
        return 0;
    snprintf(subject, sizeof(subject), "%s on %s: %s", g->now->pack,
             g->now->target, u->address);
    snprintf(what, sizeof(what),
             "A new resource of type %s that no check of pack %s knows: "
             "nothing judges it (%s line %u)",
             u->type, g->now->pack, u->file ? u->file : "?", u->line);
    add(g->x, CW_DRIFT_RESOURCE_UNCOVERED, CW_SEVERITY_LOW, subject, NULL,
        what, g->now->started);
    return 0;
}

/* The resources of config run `now` no check knows that run `base` (0:
 * none) did not have. */
static enum cw_status uncovered(struct cw_drift *x, const char *store,
                                const struct run_key *now, int64_t base,
                                struct cw_diag *d)
{
    struct addrs before = { NULL, 0, 0, false };
    struct uncov g = { x, now, &before };
    enum cw_status st = CW_OK;
    size_t i;

    if (strcmp(now->kind, "config") != 0)
        return CW_OK;
    if (base > 0 && !(st = cw_run_uncovered(store, base, take_addr, &before,
                                            d)) &&
        before.oom)
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    if (!st && before.n)
        qsort(before.v, before.n, sizeof(*before.v), by_str);
    if (!st)
        st = cw_run_uncovered(store, now->id, new_uncovered, &g, d);
    for (i = 0; i < before.n; i++)
        cw__free(before.v[i]);
    cw__free(before.v);
    return st;
}

static enum cw_status checks(struct cw_drift *x,
                             const struct cw_drift_options *o,
                             const char *as_of, struct cw_diag *d)
{
    struct keys now = { NULL, 0, 0, false }, then = { NULL, 0, 0, false };
    enum cw_status st;
    size_t i;

    st = cw_runs_latest_by(o->store, as_of, take_key, &now, d);
    if (!st && o->since_run > 0) {
        st = cw_run_get(o->store, o->since_run, take_key, &then, d);
        if (st == CW_ENOENT)
            st = cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                              "no run %lld (cloudward results list shows "
                              "the saved ones)",
                              (long long)o->since_run);
    } else if (!st && o->since)
        st = cw_runs_latest_by(o->store, o->since, take_key, &then, d);
    if (!st && (now.oom || then.oom))
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    for (i = 0; !st && i < now.n; i++) {
        const struct run_key *base = same_key(&then, &now.v[i]);
        struct diffing g = { x, &now.v[i] };
        if (o->since_run > 0 && !base)
            continue; /* another key than the run given */
        if (!base)
            st = cw_run_results(o->store, now.v[i].id, all_failing, &g, d);
        else if (base->id != now.v[i].id)
            st = cw_runs_diff(o->store, base->id, now.v[i].id, one_change,
                              &g, d);
        if (!st && (!base || base->id != now.v[i].id))
            st = uncovered(x, o->store, &now.v[i], base ? base->id : 0, d);
    }
    cw__free(now.v);
    cw__free(then.v);
    return st;
}

/* ---- evidence -------------------------------------------------------------- */

struct ev {
    struct cw_drift *x;
    long long today, soon, until_ms;
};

static bool one_evidence(void *arg, const struct cw_evidence *e)
{
    struct ev *g = arg;
    char subject[400], what[400];
    long long exp;

    if (!e->expires || e->time_ms > g->until_ms)
        return true;
    exp = day_of(e->expires);
    if (exp > g->soon)
        return true;
    snprintf(subject, sizeof(subject), "%s (sha256:%.12s)", e->name,
             e->hash);
    snprintf(what, sizeof(what), "evidence for %s %s on %s", e->control,
             exp < g->today ? "expired" : "expires", e->expires);
    add(g->x,
        exp < g->today ? CW_DRIFT_EVIDENCE_EXPIRED : CW_DRIFT_EVIDENCE_EXPIRING,
        exp < g->today ? CW_SEVERITY_HIGH : CW_SEVERITY_MEDIUM, subject,
        e->control, what, e->expires);
    return true;
}

/* ---- assurance -------------------------------------------------------------- */

static void assurance_item(struct cw_drift *x, const char *who,
                           const struct cw_assurance *a, bool lapsed,
                           const char *control)
{
    char subject[600], what[800];

    snprintf(subject, sizeof(subject), "%s: %s%s%s %s", who,
             a->standard ? a->standard : "assurance", a->edition ? ":" : "",
             a->edition ? a->edition : "", a->number ? a->number : "");
    snprintf(what, sizeof(what), "%s %s %s", subject,
             lapsed ? "lapsed on" : "lapses on",
             a->valid_until ? a->valid_until : "(no date)");
    add(x, lapsed ? CW_DRIFT_ASSURANCE_LAPSED : CW_DRIFT_ASSURANCE_EXPIRING,
        lapsed ? CW_SEVERITY_HIGH : CW_SEVERITY_MEDIUM, subject, control,
        what, a->valid_until);
}

static void assurance(struct cw_drift *x, const struct cw_soa *soa,
                      long long today, long long soon)
{
    const struct cw_scope *s = cw_soa_scope(soa);
    const struct cw_assurance *own;
    const struct cw_assurance **seen;
    size_t i, k, n, nseen = 0, cap = 1;

    own = cw_scope_assurance(s, &n);
    for (i = 0; i < n; i++) {
        long long end = own[i].valid_until ? day_of(own[i].valid_until)
                                           : today;
        if (end <= soon)
            assurance_item(x, cw_scope_organisation(s), &own[i],
                           end < today, NULL);
    }
    for (i = 0; i < cw_soa_count(soa); i++)
        cap += cw_soa_line_at(soa, i)->nrelies;
    if (!(seen = cw__malloc(cap * sizeof(*seen)))) {
        x->oom = true;
        return;
    }
    /* A provider's certificate once, however many lines rely on it. */
    for (i = 0; i < cw_soa_count(soa); i++) {
        const struct cw_soa_line *l = cw_soa_line_at(soa, i);
        for (k = 0; k < l->nrelies; k++) {
            const struct cw_soa_reliance *r = &l->relies[k];
            size_t j;
            bool dup = false;
            if (!r->assurance || !r->upstream ||
                (r->state != CW_RELY_LAPSED && r->state != CW_RELY_EXPIRING))
                continue;
            for (j = 0; j < nseen && !dup; j++)
                dup = seen[j] == r->assurance;
            if (dup)
                continue;
            seen[nseen++] = r->assurance;
            assurance_item(x, r->upstream->name, r->assurance,
                           r->state == CW_RELY_LAPSED, NULL);
        }
    }
    cw__free(seen);
}

/* ---- duties and decisions ---------------------------------------------------- */

static enum cw_status duties(struct cw_drift *x, const char *store,
                             const char *as_of, struct cw_diag *d)
{
    struct cw_registers *g = NULL;
    enum cw_status st;
    long long now;
    size_t i;

    cw_registers_instant(as_of, &now);
    if ((st = cw_registers_load(store, NULL, now, &g, d)))
        return st;
    for (i = 0; i < cw_registers_duty_count(g); i++) {
        const struct cw_duty *u = cw_registers_duty_at(g, i);
        char subject[300], control[64], when[40] = "";
        if (!u->finding)
            continue;
        snprintf(subject, sizeof(subject), "%s %s",
                 cw_register_name(u->reg), u->record);
        snprintf(control, sizeof(control), "iso27018:2019 %s",
                 u->control ? u->control : "");
        if (u->due) {
            long long day = u->due / 86400;
            char date[16];
            date_of(day, date);
            snprintf(when, sizeof(when), "%s", date);
        }
        add(x, CW_DRIFT_DUTY_OVERDUE, CW_SEVERITY_HIGH, subject,
            u->control ? control : NULL, u->what, when[0] ? when : NULL);
    }
    cw_registers_free(g);
    return CW_OK;
}

struct dec {
    struct cw_drift *x;
    long long from_ms, until_ms;
};

static bool one_record(void *arg, const struct cw_record *r)
{
    struct dec *g = arg;
    char what[600], when[16];

    if (r->time_ms <= g->from_ms || r->time_ms > g->until_ms ||
        strcmp(r->action, "scope.init") == 0)
        return true;
    if (strcmp(r->action, "scope.set") == 0)
        snprintf(what, sizeof(what), "the scope file changed (by %s)",
                 r->actor ? r->actor : "someone");
    else if (strcmp(r->action, "decision.remove") == 0)
        snprintf(what, sizeof(what), "the decision was removed (by %s)",
                 r->actor ? r->actor : "someone");
    else
        snprintf(what, sizeof(what),
                 "decided: %s, status %s, responsibility %s (%s:%u, by %s)",
                 r->applicable == 1 ? "applicable" : "not applicable",
                 r->status ? r->status : "-",
                 r->responsibility ? r->responsibility : "-",
                 r->file ? r->file : "-", r->line,
                 r->actor ? r->actor : "someone");
    date_of(r->time_ms / 86400000, when);
    add(g->x, CW_DRIFT_DECISION_CHANGED, CW_SEVERITY_INFO, r->target,
        strcmp(r->action, "scope.set") == 0 ? NULL : r->target, what, when);
    return true;
}

/* ---- the whole --------------------------------------------------------------- */

static int item_cmp(const void *a, const void *b)
{
    const struct cw_drift_item *x = a, *y = b;
    int c;

    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    c = strcmp(x->subject ? x->subject : "", y->subject ? y->subject : "");
    return c ? c : strcmp(x->what ? x->what : "", y->what ? y->what : "");
}

enum cw_status cw_drift_find(const struct cw_drift_options *o,
                             struct cw_drift **out, struct cw_diag *d)
{
    struct cw_drift *x;
    const char *as_of;
    long long today, soon;
    enum cw_status st = CW_OK;

    *out = NULL;
    if (!o || !o->soa || !o->store)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "drift needs an SoA and a store");
    if (o->since && !cw__date_valid(o->since))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "expected a date YYYY-MM-DD, found '%s'",
                            o->since);
    as_of = cw_soa_as_of(o->soa);
    today = day_of(as_of);
    soon = today + (o->within_days > 0 ? o->within_days : 30);
    if (!(x = cw__calloc(1, sizeof(*x))))
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    cw__arena_init(&x->arena, 0);
    st = checks(x, o, as_of, d);
    if (!st) {
        struct cw_ledger *l = NULL;
        st = cw_ledger_open_existing(o->store, &l, d);
        if (st == CW_ENOENT) {
            cw_diag_clear(d);
            st = CW_OK;
        } else if (!st) {
            struct ev e = { x, today, soon, (today + 1) * 86400000 - 1 };
            struct dec g = { x, o->since ? (day_of(o->since) + 1) * 86400000 - 1
                                         : -1,
                             (today + 1) * 86400000 - 1 };
            st = cw_evidence_each(l, one_evidence, &e, d);
            /* Decisions only against a date: a run is no date to them. */
            if (!st && o->since)
                st = cw_ledger_record_each(l, NULL, one_record, &g, d);
        }
        cw_ledger_close(l);
    }
    if (!st)
        assurance(x, o->soa, today, soon);
    if (!st)
        st = duties(x, o->store, as_of, d);
    if (!st && x->oom)
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    if (st) {
        cw_drift_free(x);
        return st;
    }
    if (x->n)
        qsort(x->v, x->n, sizeof(*x->v), item_cmp);
    *out = x;
    return CW_OK;
}

size_t cw_drift_count(const struct cw_drift *x)
{
    return x ? x->n : 0;
}

const struct cw_drift_item *cw_drift_at(const struct cw_drift *x, size_t i)
{
    return x && i < x->n ? &x->v[i] : NULL;
}

void cw_drift_free(struct cw_drift *x)
{
    if (!x)
        return;
    cw__free(x->v);
    cw__arena_release(&x->arena);
    cw__free(x);
}
