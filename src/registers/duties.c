/*
 * duties.c - deadlines are data: the registers loaded at one instant,
 * and every duty their records carry, open or not met
 * (docs/registers.md gives each rule in prose; keep them in step).
 *
 * Day periods are counted on the calendar of the customer's zone (its
 * contract's time_zone), hour periods as elapsed time. A duty whose
 * deadline passed unmet is a finding for as long as it stays unmet; one
 * met late stays a finding for a year after its deadline, so that the
 * SoA of that year shows it. A closed record's duties not yet due end
 * with it; what it had failed by then stays a finding for a year after
 * it was closed (duty() decides, for every rule).
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>

#include "../store/access_internal.h"
#include "clock.h"
#include "registers_internal.h"

#define DAY 86400LL
#define YEAR (365 * DAY)

struct rec {
    enum cw_register reg;
    const char *id;
    bool closed;
    long long closed_at; /* when it was closed (its last version) */
    const struct cw__node *m;
};

/* A customer's contract terms, or the defaults. */
struct terms {
    const char *customer;
    const char *contract; /* its record id, or NULL: the defaults */
    const struct cw__tz *tz;
    const struct cw__node *allowed; /* a list, or NULL: not agreed */
    long objection_days, breach_hours, disclosure_days, principal_days,
        return_days, disposal_days;
};

struct cw_registers {
    struct cw__arena arena;
    long long now;
    const char *tenant;
    struct rec *recs;
    size_t nrec, rcap;
    struct terms *terms;
    size_t nterms;
    struct cw__tz **zones;
    size_t nzones;
    struct cw__tz *utc;
    const char **tenants; /* every customer, for "*" */
    size_t ntenants, tcap;
    struct cw_duty *duties;
    size_t nduty, dcap;
    size_t count[CW_REG_COUNT];
    bool oom;
};

static const char *fmt(struct cw_registers *g, const char *f, ...)
    __attribute__((format(printf, 2, 3)));

static const char *fmt(struct cw_registers *g, const char *f, ...)
{
    char buf[1024];
    va_list ap;
    const char *s;
    va_start(ap, f);
    vsnprintf(buf, sizeof(buf), f, ap);
    va_end(ap);
    if (!(s = cw__arena_strdup(&g->arena, buf)))
        g->oom = true;
    return s ? s : "";
}

static bool grow(struct cw_registers *g, void **p, size_t *cap, size_t n,
                 size_t size)
{
    void *q;
    size_t c;
    if (n < *cap)
        return true;
    c = *cap ? *cap * 2 : 32;
    if (!(q = cw__arena_alloc(&g->arena, c * size))) {
        g->oom = true;
        return false;
    }
    if (n)
        memcpy(q, *p, n * size);
    *p = q;
    *cap = c;
    return true;
}

/* ---- loading -------------------------------------------------------------- */

static int take_record(void *arg, const struct cw_reg_record *c)
{
    struct cw_registers *g = arg;
    struct rec *r;
    if (!grow(g, (void **)&g->recs, &g->rcap, g->nrec, sizeof(*g->recs)))
        return 1;
    r = &g->recs[g->nrec];
    r->reg = c->reg;
    r->id = cw__arena_strdup(&g->arena, c->id);
    r->closed = c->closed;
    r->closed_at = c->closed ? c->recorded : 0;
    r->m = cw__record_tree(&g->arena, c->json);
    if (!r->id || !r->m)
        return 0; /* a damaged row reads as absent: the verifier says so */
    g->count[c->reg]++;
    g->nrec++;
    return 0;
}

static int take_tenant(void *arg, const struct cw_tenant *t)
{
    struct cw_registers *g = arg;
    if (!grow(g, (void **)&g->tenants, &g->tcap, g->ntenants,
              sizeof(*g->tenants)))
        return 1;
    g->tenants[g->ntenants++] = cw__arena_strdup(&g->arena, t->id);
    return 0;
}

/* Zone `name`, loaded once per load (UTC when it does not load: the
 * contract's zone was checked when it was saved). */
static const struct cw__tz *zone(struct cw_registers *g, const char *name)
{
    struct cw__tz *tz = NULL, **z;
    struct cw_diag d;
    size_t i;
    if (!name)
        return g->utc;
    for (i = 0; i < g->nzones; i++)
        if (strcmp(cw__tz_name(g->zones[i]), name) == 0)
            return g->zones[i];
    if (cw__tz_load(name, &tz, &d))
        return g->utc;
    z = cw__arena_alloc(&g->arena, (g->nzones + 1) * sizeof(*z));
    if (!z) {
        cw__tz_free(tz);
        g->oom = true;
        return g->utc;
    }
    if (g->nzones)
        memcpy(z, g->zones, g->nzones * sizeof(*z));
    z[g->nzones++] = tz;
    g->zones = z;
    return tz;
}

static long num(const struct cw__node *m, const char *name, long def)
{
    const struct cw__node *v = cw__member(m, name);
    return v && v->type == CW__T_NUMBER ? (long)v->num : def;
}

static void load_terms(struct cw_registers *g)
{
    size_t i;
    g->terms = cw__arena_alloc(&g->arena, (g->nrec + 1) * sizeof(*g->terms));
    if (!g->terms) {
        g->oom = true;
        return;
    }
    for (i = 0; i < g->nrec; i++) {
        const struct rec *r = &g->recs[i];
        struct terms *t;
        if (r->reg != CW_REG_CONTRACTS || r->closed)
            continue;
        t = &g->terms[g->nterms++];
        t->customer = cw__member_text(r->m, "customer");
        t->contract = r->id;
        t->tz = zone(g, cw__member_text(r->m, "time_zone"));
        t->allowed = cw__member(r->m, "allowed_regions");
        t->objection_days = num(r->m, "objection_days", 30);
        t->breach_hours = num(r->m, "breach_notify_hours", 72);
        t->disclosure_days = num(r->m, "disclosure_notify_days", 3);
        t->principal_days = num(r->m, "principal_request_days", 30);
        t->return_days = num(r->m, "return_days", 30);
        t->disposal_days = num(r->m, "disposal_days", 90);
    }
}

static struct terms terms_of(struct cw_registers *g, const char *customer)
{
    struct terms t = { customer, NULL, g->utc, NULL, 30, 72, 3, 30, 30, 90 };
    size_t i;
    for (i = 0; customer && i < g->nterms; i++)
        if (g->terms[i].customer &&
            strcmp(g->terms[i].customer, customer) == 0)
            return g->terms[i];
    return t;
}

/* ---- duties ---------------------------------------------------------------- */

static void duty(struct cw_registers *g, const struct rec *r,
                 const struct terms *t, const char *control, long long due,
                 bool finding, const char *what)
{
    struct cw_duty *u;
    /* A closed record's open duties end with it; what it had failed by
     * then stays a finding for a year after, as a late act does. */
    if (r->closed && (!finding || (due ? due : r->closed_at) > r->closed_at ||
                      g->now > r->closed_at + YEAR))
        return;
    if (!grow(g, (void **)&g->duties, &g->dcap, g->nduty, sizeof(*u)))
        return;
    u = &g->duties[g->nduty++];
    u->reg = r->reg;
    u->record = r->id;
    u->customer = t ? t->customer : NULL;
    u->control = control;
    u->what = what;
    u->due = due;
    u->zone = t ? cw__tz_name(t->tz) : "UTC";
    u->finding = finding;
}

static const char *when(struct cw_registers *g, const struct terms *t,
                        long long at)
{
    char buf[40];
    cw__time_format(t ? t->tz : g->utc, at, buf);
    return fmt(g, "%s", buf);
}

/*
 * A deadline `due` for an act done at `done` (0: not yet): open until
 * due, a finding once past; done late, a finding for a year after due.
 * `what` says the act; the rest is added here.
 */
static void deadline(struct cw_registers *g, const struct rec *r,
                     const struct terms *t, const char *control,
                     long long due, long long done, const char *what)
{
    if (done) {
        if (done > due && g->now < due + YEAR)
            duty(g, r, t, control, due, true,
                 fmt(g, "%s: done late, at %s (due %s)", what,
                     when(g, t, done), when(g, t, due)));
        return;
    }
    if (g->now > due)
        duty(g, r, t, control, due, true,
             fmt(g, "%s: overdue since %s", what, when(g, t, due)));
    else
        duty(g, r, t, control, due, false,
             fmt(g, "%s: due %s", what, when(g, t, due)));
}

/* The time of member `name` in the customer's zone; 0 when absent. */
static long long at(const struct cw__node *m, const char *name,
                    const struct terms *t)
{
    const char *s = cw__member_text(m, name);
    long long v = 0;
    if (!s || !cw__time_parse(s, t->tz, &v, NULL))
        return 0;
    return v;
}

/* The entry of list `name` for customer `c` (its notification). */
static const struct cw__node *entry_for(const struct cw__node *m,
                                        const char *name, const char *c)
{
    const struct cw__node *l = cw__member(m, name);
    size_t i;
    for (i = 0; l && i < l->n; i++) {
        const char *who = cw__member_text(l->kids[i], "customer");
        if (who && strcmp(who, c) == 0)
            return l->kids[i];
    }
    return NULL;
}

/* Each customer of record r: those it names, or every one for "*" (for a
 * customer reading, itself only). */
static size_t customers(struct cw_registers *g, const struct rec *r,
                        const char ***out)
{
    const struct cw__node *l = cw__member(r->m, "customers");
    static const char *none[1];
    const char **v;
    size_t i, n = 0;
    if (!l) {
        const char *one = cw__member_text(r->m, "customer");
        if (!one || (g->tenant && strcmp(one, g->tenant) != 0))
            return 0;
        if (!(v = cw__arena_alloc(&g->arena, sizeof(*v)))) {
            g->oom = true;
            *out = none;
            return 0;
        }
        v[0] = one;
        *out = v;
        return 1;
    }
    if (cw__names_customer(l, NULL)) {
        if (g->tenant) {
            *out = &g->tenant;
            return 1;
        }
        *out = g->tenants;
        return g->ntenants;
    }
    if (!(v = cw__arena_alloc(&g->arena, (l->n + 1) * sizeof(*v)))) {
        g->oom = true;
        *out = none;
        return 0;
    }
    for (i = 0; i < l->n; i++)
        if (!g->tenant || strcmp(l->kids[i]->str, g->tenant) == 0)
            v[n++] = l->kids[i]->str;
    *out = v;
    return n;
}

static bool region_allowed(const struct cw__node *allowed, const char *region)
{
    size_t i;
    for (i = 0; i < allowed->n; i++)
        if (fnmatch(allowed->kids[i]->str, region, 0) == 0)
            return true;
    return false;
}

static void locations(struct cw_registers *g, const struct rec *r)
{
    const char **cs, *region = cw__member_text(r->m, "region");
    size_t i, n = customers(g, r, &cs);
    if (!region)
        return;
    for (i = 0; i < n; i++) {
        struct terms t = terms_of(g, cs[i]);
        if (t.allowed && !region_allowed(t.allowed, region))
            duty(g, r, &t, "A.12.1", 0, true,
                 fmt(g, "%s PII of %s at %s (%s, %s) is outside the "
                        "regions its contract %s allows",
                     cw__member_text(r->m, "purpose"), cs[i],
                     cw__member_text(r->m, "system"), region,
                     cw__member_text(r->m, "country"), t.contract));
    }
}

static void subprocessors(struct cw_registers *g, const struct rec *r)
{
    const char **cs, *name = cw__member_text(r->m, "name");
    size_t i, n = customers(g, r, &cs);
    for (i = 0; i < n; i++) {
        struct terms t = terms_of(g, cs[i]);
        long long notified = at(r->m, "notified", &t);
        long long start = at(r->m, "start", &t);
        long long end = at(r->m, "end", &t);
        long long close = cw__add_days(t.tz, notified, t.objection_days);
        const struct cw__node *o = entry_for(r->m, "objections", cs[i]);
        const char *outcome = o ? cw__member_text(o, "outcome") : NULL;
        if (end && end + DAY <= g->now)
            continue; /* no longer in use */
        if (!notified) {
            duty(g, r, &t, "A.8.1", 0, true,
                 fmt(g, "Sub-processor %s: no change notice recorded for %s",
                     name, cs[i]));
            continue;
        }
        if (g->now < close)
            duty(g, r, &t, "A.8.1", close, false,
                 fmt(g, "Sub-processor %s: %s's objection window is open "
                        "until %s",
                     name, cs[i], when(g, &t, close)));
        if (start < close && start <= g->now)
            duty(g, r, &t, "A.8.1", 0, true, /* a rule broken: no deadline */
                 fmt(g, "Sub-processor %s: in use from %s, before %s's "
                        "objection window closed at %s",
                     name, when(g, &t, start), cs[i], when(g, &t, close)));
        else if (start < close)
            duty(g, r, &t, "A.8.1", start, false,
                 fmt(g, "Sub-processor %s: starts %s, before %s's objection "
                        "window closes: move the start or get its agreement",
                     name, when(g, &t, start), cs[i]));
        if (o && (!outcome || strcmp(outcome, "pending") == 0)) {
            if (g->now < close)
                duty(g, r, &t, "A.8.1", close, false,
                     fmt(g, "Sub-processor %s: %s's objection awaits an "
                            "answer before %s",
                         name, cs[i], when(g, &t, close)));
            else
                duty(g, r, &t, "A.8.1", close, true,
                     fmt(g, "Sub-processor %s: %s's objection is still "
                            "unanswered after its window closed at %s",
                         name, cs[i], when(g, &t, close)));
        }
    }
}

static void disclosures(struct cw_registers *g, const struct rec *r)
{
    const char **cs;
    const struct cw__node *p = cw__member(r->m, "prohibited");
    size_t i, n = customers(g, r, &cs);
    if (p && p->type == CW__T_TRUE)
        return; /* the law forbids telling: its basis is recorded */
    for (i = 0; i < n; i++) {
        struct terms t = terms_of(g, cs[i]);
        const struct cw__node *e = entry_for(r->m, "notifications", cs[i]);
        long long due = cw__add_days(t.tz, at(r->m, "received", &t),
                                     t.disclosure_days);
        deadline(g, r, &t, "A.6.1", due, e ? at(e, "at", &t) : 0,
                 fmt(g, "Disclosure request %s: notify %s", r->id, cs[i]));
    }
}

static void breaches(struct cw_registers *g, const struct rec *r)
{
    const char **cs;
    size_t i, n = customers(g, r, &cs);
    for (i = 0; i < n; i++) {
        struct terms t = terms_of(g, cs[i]);
        const struct cw__node *e = entry_for(r->m, "notifications", cs[i]);
        long long confirmed = at(r->m, "confirmed", &t);
        long hours = t.breach_hours < 72 ? t.breach_hours : 72;
        if (!confirmed)
            continue; /* no clock before it is confirmed */
        deadline(g, r, &t, "A.10.1", confirmed + hours * 3600LL,
                 e ? at(e, "at", &t) : 0,
                 fmt(g, "Breach %s: notify %s within %ld h of confirmation",
                     r->id, cs[i], hours));
    }
}

static void instructions(struct cw_registers *g, const struct rec *r)
{
    const char **cs;
    const struct cw__node *m = cw__member(r->m, "marketing_use");
    size_t n = customers(g, r, &cs);
    if (!n || !m || m->type != CW__T_TRUE ||
        cw__member(r->m, "consent_at"))
        return;
    {
        struct terms t = terms_of(g, cs[0]);
        duty(g, r, &t, "A.3.2", 0, true,
             fmt(g, "Instructions %s: %s's PII is used for marketing or "
                    "advertising without its recorded express consent",
                 r->id, cs[0]));
    }
}

static void returns(struct cw_registers *g, const struct rec *r)
{
    const char **cs;
    size_t n = customers(g, r, &cs);
    struct terms t;
    long long end, requested, dispose, backups;
    if (!n)
        return;
    t = terms_of(g, cs[0]);
    /* The contract's last day ends at the start of the next. */
    end = cw__add_days(t.tz, at(r->m, "contract_end", &t), 1);
    requested = at(r->m, "requested", &t);
    if (requested)
        deadline(g, r, &t, "A.10.3",
                 cw__add_days(t.tz, requested, t.return_days),
                 at(r->m, "export_delivered", &t),
                 fmt(g, "Return %s: deliver %s's export", r->id, cs[0]));
    dispose = cw__add_days(t.tz, end, t.disposal_days);
    deadline(g, r, &t, "A.10.3", dispose, at(r->m, "production_disposed", &t),
             fmt(g, "Return %s: dispose of %s's PII in production", r->id,
                 cs[0]));
    backups = at(r->m, "backup_expiry", &t);
    if (backups)
        backups = cw__add_days(t.tz, backups, 1);
    deadline(g, r, &t, "A.10.3", backups > dispose ? backups : dispose,
             at(r->m, "backups_disposed", &t),
             fmt(g, "Return %s: dispose of %s's PII in backups", r->id,
                 cs[0]));
}

static void temp_erasure(struct cw_registers *g, const struct rec *r)
{
    struct terms t = terms_of(g, NULL);
    long long last = at(r->m, "last_run", &t);
    long every = num(r->m, "every_days", 1);
    const char *sys = cw__member_text(r->m, "system");
    t.customer = NULL;
    if (!last)
        duty(g, r, &t, "A.5.1", 0, true,
             fmt(g, "Temporary files of %s: never erased", sys));
    else
        deadline(g, r, &t, "A.5.1", last + every * DAY, 0,
                 fmt(g, "Temporary files of %s: erase (every %ld day%s)",
                     sys, every, every == 1 ? "" : "s"));
}

static void principal_requests(struct cw_registers *g, const struct rec *r)
{
    const char **cs;
    size_t n = customers(g, r, &cs);
    struct terms t;
    long long due;
    if (!n)
        return;
    t = terms_of(g, cs[0]);
    due = at(r->m, "due", &t);
    if (!due)
        due = cw__add_days(t.tz, at(r->m, "received", &t), t.principal_days);
    deadline(g, r, &t, "A.2.1", due, at(r->m, "completed", &t),
             fmt(g, "Request %s (%s) passed on by %s: complete our part",
                 r->id, cw__member_text(r->m, "kind"), cs[0]));
}

static void user_records(struct cw_registers *g, const struct rec *r)
{
    struct terms t = terms_of(g, NULL);
    long every = num(r->m, "every_days", 90);
    t.customer = NULL;
    deadline(g, r, &t, "A.11.9", at(r->m, "reviewed", &t) + every * DAY, 0,
             fmt(g, "Authorised users of %s: review (every %ld days)",
                 cw__member_text(r->m, "system"), every));
}

static int by_due(const void *a, const void *b)
{
    const struct cw_duty *x = a, *y = b;
    int c;
    if (x->finding != y->finding)
        return x->finding ? -1 : 1;
    if (x->due != y->due)
        return x->due < y->due ? -1 : 1;
    if ((c = strcmp(cw_register_name(x->reg), cw_register_name(y->reg))))
        return c;
    if ((c = strcmp(x->record, y->record)))
        return c;
    return strcmp(x->customer ? x->customer : "",
                  y->customer ? y->customer : "");
}

static void evaluate(struct cw_registers *g)
{
    static void (*const rules[CW_REG_COUNT])(struct cw_registers *,
                                             const struct rec *) = {
        [CW_REG_LOCATIONS] = locations,
        [CW_REG_SUBPROCESSORS] = subprocessors,
        [CW_REG_DISCLOSURES] = disclosures,
        [CW_REG_BREACHES] = breaches,
        [CW_REG_INSTRUCTIONS] = instructions,
        [CW_REG_RETURNS] = returns,
        [CW_REG_TEMP_ERASURE] = temp_erasure,
        [CW_REG_PRINCIPAL_REQUESTS] = principal_requests,
        [CW_REG_USER_RECORDS] = user_records,
    };
    size_t i;
    load_terms(g);
    for (i = 0; i < g->nrec && !g->oom; i++)
        if (rules[g->recs[i].reg])
            rules[g->recs[i].reg](g, &g->recs[i]);
    if (g->nduty)
        qsort(g->duties, g->nduty, sizeof(*g->duties), by_due);
}

enum cw_status cw_registers_load_open(struct cw_access *a, const char *tenant,
                                      long long now,
                                      struct cw_registers **out,
                                      struct cw_diag *d)
{
    return cw__registers_load_until(a, tenant, now, 0, out, d);
}

enum cw_status cw__registers_load_until(struct cw_access *a,
                                        const char *tenant, long long now,
                                        long long until,
                                        struct cw_registers **out,
                                        struct cw_diag *d)
{
    struct cw_registers *g;
    enum cw_status st;

    *out = NULL;
    if (!(g = cw__calloc(1, sizeof(*g))))
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    cw__arena_init(&g->arena, 0);
    g->now = now;
    if ((tenant && !(g->tenant = cw__arena_strdup(&g->arena, tenant))) ||
        (st = cw__tz_load("UTC", &g->utc, d)) != CW_OK) {
        cw_registers_free(g);
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    st = a ? cw__register_each_until(a, -1, NULL, tenant, false, until,
                                     take_record, g, d)
           : CW_OK;
    if (!st && a && !tenant)
        st = cw_tenant_each(a, take_tenant, g, d);
    if (!st)
        evaluate(g);
    if (!st && g->oom)
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    if (st) {
        cw_registers_free(g);
        return st;
    }
    *out = g;
    return CW_OK;
}

enum cw_status cw_registers_load(const char *store, const char *tenant,
                                 long long now, struct cw_registers **out,
                                 struct cw_diag *d)
{
    return cw__registers_load_store_until(store, tenant, now, 0, out, d);
}

enum cw_status cw__registers_load_store_until(const char *store,
                                              const char *tenant,
                                              long long now, long long until,
                                              struct cw_registers **out,
                                              struct cw_diag *d)
{
    struct cw_access *a = NULL;
    enum cw_status st = cw_access_open(store, false, &a, d);
    if (st == CW_ENOENT) {
        cw_diag_clear(d);
        return cw__registers_load_until(NULL, tenant, now, until, out, d);
    }
    if (st)
        return st;
    st = cw__registers_load_until(a, tenant, now, until, out, d);
    cw_access_close(a);
    return st;
}

void cw_registers_free(struct cw_registers *g)
{
    size_t i;
    if (!g)
        return;
    for (i = 0; i < g->nzones; i++)
        cw__tz_free(g->zones[i]);
    cw__tz_free(g->utc);
    cw__arena_release(&g->arena);
    cw__free(g);
}

size_t cw_registers_duty_count(const struct cw_registers *g)
{
    return g->nduty;
}

const struct cw_duty *cw_registers_duty_at(const struct cw_registers *g,
                                           size_t i)
{
    return i < g->nduty ? &g->duties[i] : NULL;
}

size_t cw_registers_record_count(const struct cw_registers *g,
                                 enum cw_register r)
{
    return (unsigned)r < CW_REG_COUNT ? g->count[r] : 0;
}

/* ---- what the SoA shows ------------------------------------------------ */

/* The sentence about register `r`'s records. */
static const char *records_line(struct cw_registers *g, enum cw_register r)
{
    size_t i, open = 0, closed = 0, recent = 0;
    for (i = 0; i < g->nrec; i++) {
        const struct rec *x = &g->recs[i];
        long long t = 0;
        if (x->reg != r)
            continue;
        if (x->closed)
            closed++;
        else
            open++;
        if (r == CW_REG_BREACHES &&
            cw__time_parse(cw__member_text(x->m, "detected"), g->utc, &t,
                           NULL) &&
            t > g->now - YEAR && t <= g->now)
            recent++;
    }
    if (r == CW_REG_BREACHES)
        return fmt(g, "breaches: %zu in the last 12 months", recent);
    if (r == CW_REG_DISCLOSURES) {
        size_t made = 0;
        for (i = 0; i < g->nrec; i++) {
            const struct cw__node *l = g->recs[i].reg == r
                                           ? cw__member(g->recs[i].m,
                                                        "disclosures")
                                           : NULL;
            made += l ? l->n : 0;
        }
        return fmt(g, "disclosures: %zu request%s, %zu disclosure%s "
                      "recorded",
                   open + closed, open + closed == 1 ? "" : "s", made,
                   made == 1 ? "" : "s");
    }
    return fmt(g, "%s: %zu record%s%s", cw_register_name(r), open + closed,
               open + closed == 1 ? "" : "s",
               closed ? fmt(g, " (%zu closed)", closed) : "");
}

const char *cw_registers_state(const struct cw_registers *cg,
                               const char *catalog, const char *control,
                               size_t *findings)
{
    struct cw_registers *g = (struct cw_registers *)cg;
    struct cw__buf b;
    const char *out = NULL;
    int r;

    *findings = 0;
    cw__buf_init(&b, (size_t)1 << 20);
    for (r = 0; r < CW_REG_COUNT; r++) {
        size_t n, i, k, f = 0, open = 0, shown = 0;
        const struct cw_duty *next = NULL;
        const struct cw_register_link *l =
            cw_register_links((enum cw_register)r, &n);
        for (k = 0; k < n; k++)
            if (l[k].drives && strcmp(l[k].catalog, catalog) == 0 &&
                strcmp(l[k].control, control) == 0)
                break;
        if (k == n || !g->count[r])
            continue; /* nothing recorded: nothing to say */
        cw__buf_printf(&b, "%s%s", b.len ? " " : "",
                       records_line(g, (enum cw_register)r));
        for (i = 0; i < g->nduty; i++) {
            const struct cw_duty *u = &g->duties[i];
            if ((int)u->reg != r || strcmp(u->control, control) != 0)
                continue;
            if (u->finding)
                f++;
            else if (!open++)
                next = u; /* sorted by due: the first is the next */
        }
        if (f) {
            cw__buf_printf(&b, "; %zu finding%s (nonconformity):", f,
                           f == 1 ? "" : "s");
            for (i = 0; i < g->nduty && shown < 3; i++) {
                const struct cw_duty *u = &g->duties[i];
                if ((int)u->reg == r && u->finding &&
                    strcmp(u->control, control) == 0)
                    cw__buf_printf(&b, "%s %s", shown++ ? ";" : "", u->what);
            }
            if (f > shown)
                cw__buf_printf(&b, "; and %zu more", f - shown);
        } else if (r == CW_REG_BREACHES) {
            cw__buf_puts(&b, ", all notified in time");
        } else {
            cw__buf_puts(&b, ", no finding");
        }
        if (next) {
            char due[40];
            cw__time_format(zone(g, next->zone), next->due, due);
            cw__buf_printf(&b, "; %zu dut%s open, the next due %s", open,
                           open == 1 ? "y" : "ies", due);
        }
        cw__buf_puts(&b, ".");
        *findings += f;
    }
    if (b.len && !(out = cw__arena_strdup(&g->arena, b.data)))
        g->oom = true;
    cw__buf_release(&b);
    return out;
}

bool cw_registers_instant(const char *s, long long *out)
{
    bool date_only = false;
    if (!s || !cw__time_parse(s, NULL, out, &date_only))
        return false;
    if (date_only)
        *out += DAY - 1;
    return true;
}
