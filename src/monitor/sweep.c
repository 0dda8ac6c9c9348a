/*
 * sweep.c - cw_monitor_sweep: drift and silent agents made alerts, and
 * alerts whose finding is gone resolved.
 *
 * A sweep looks at what is wrong now, not at what changed since some
 * day: the drift since the epoch (so every check failing in the latest
 * runs is "newly failing"), evidence expired or expiring, assurance
 * lapsed or lapsing, register duties overdue. An alert's key says what
 * it is about, so that the same finding seen again refreshes it rather
 * than opening another, and an open alert whose finding is no longer
 * there is resolved:
 *   check|SUBJECT       a check failing on a resource
 *   evidence|SUBJECT    evidence expired or expiring
 *   assurance|SUBJECT   a certificate lapsed or lapsing
 *   duty|SUBJECT        a 27018 register duty overdue
 *   decision|SUBJECT|WHEN  a decision changed in the last two days (an
 *                       event, alerted only when fail_on is info: a
 *                       person resolves it)
 *   agent|ID            an agent silent past twice its schedule;
 *                       resolved when it reports again or is revoked
 */
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>
#include <time.h>

#include <cloudward/cw_agent.h>
#include <cloudward/cw_alert.h>
#include <cloudward/cw_drift.h>
#include <cloudward/cw_monitor.h>

#include "../core/core.h"

#define WINDOW_DAYS 2

/* A set of keys (open addressing): the states the sweep found, and the
 * keys of the alerts open when it began (raised again, they would only
 * be refreshed: a sweep of a large fleet writes only what changed). */
struct seen {
    char **v;
    size_t n, cap; /* cap: a power of two, or 0 */
};

static size_t key_hash(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static bool seen_has(const struct seen *s, const char *key)
{
    size_t i;
    if (!s->cap)
        return false;
    for (i = key_hash(key) & (s->cap - 1); s->v[i]; i = (i + 1) & (s->cap - 1))
        if (strcmp(s->v[i], key) == 0)
            return true;
    return false;
}

static bool seen_add(struct seen *s, const char *key)
{
    size_t i;
    if (seen_has(s, key))
        return true;
    if (2 * (s->n + 1) > s->cap) {
        size_t na = s->cap ? 2 * s->cap : 256, k, j;
        char **nv = cw__calloc(na, sizeof(*nv));
        if (!nv)
            return false;
        for (k = 0; k < s->cap; k++) {
            if (!s->v[k])
                continue;
            for (j = key_hash(s->v[k]) & (na - 1); nv[j]; j = (j + 1) & (na - 1))
                ;
            nv[j] = s->v[k];
        }
        cw__free(s->v);
        s->v = nv;
        s->cap = na;
    }
    for (i = key_hash(key) & (s->cap - 1); s->v[i]; i = (i + 1) & (s->cap - 1))
        ;
    if (!(s->v[i] = cw__strdup(key)))
        return false;
    s->n++;
    return true;
}

static void seen_free(struct seen *s)
{
    size_t i;
    for (i = 0; i < s->cap; i++)
        cw__free(s->v[i]);
    cw__free(s->v);
}

/* The key of a drift item (into out) and whether it is a state. */
static void key_of(const struct cw_drift_item *it, char *out, size_t n,
                   bool *state)
{
    *state = false;
    switch (it->kind) {
    case CW_DRIFT_CHECK_FAILING:
    case CW_DRIFT_CHECK_FIXED:
        snprintf(out, n, "check|%s", it->subject);
        *state = true;
        break;
    case CW_DRIFT_EVIDENCE_EXPIRED:
    case CW_DRIFT_EVIDENCE_EXPIRING:
        snprintf(out, n, "evidence|%s", it->subject);
        *state = true;
        break;
    case CW_DRIFT_ASSURANCE_LAPSED:
    case CW_DRIFT_ASSURANCE_EXPIRING:
        snprintf(out, n, "assurance|%s", it->subject);
        *state = true;
        break;
    case CW_DRIFT_DUTY_OVERDUE:
        snprintf(out, n, "duty|%s", it->subject);
        *state = true;
        break;
    default:
        snprintf(out, n, "decision|%s|%s", it->subject,
                 it->when ? it->when : "");
        break;
    }
}

struct resolver {
    const struct seen *seen;
    enum cw_status st;
    struct cw_diag *d;
    /* the open alerts to resolve, collected first: no write while the
     * listing reads */
    char (*ids)[CW_TOKEN_ID];
    size_t n, cap;
};

static int collect_gone(void *arg, const struct cw_alert *x)
{
    struct resolver *r = arg;
    bool state = strncmp(x->key, "check|", 6) == 0 ||
                 strncmp(x->key, "evidence|", 9) == 0 ||
                 strncmp(x->key, "assurance|", 10) == 0 ||
                 strncmp(x->key, "duty|", 5) == 0;
    if (!state || seen_has(r->seen, x->key))
        return 0;
    if (!cw__grow((void **)&r->ids, &r->cap, r->n, sizeof(*r->ids))) {
        r->st = cw__diag_set(r->d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        return 1;
    }
    snprintf(r->ids[r->n++], CW_TOKEN_ID, "%s", x->id);
    return 0;
}

/* Resolves the open alert of `key`, if any, with `why`. */
struct one {
    const char *key;
    char id[CW_TOKEN_ID];
};

static int find_one(void *arg, const struct cw_alert *x)
{
    struct one *o = arg;
    if (strcmp(x->key, o->key) != 0)
        return 0; /* a longer key with this one as its start */
    snprintf(o->id, sizeof(o->id), "%s", x->id);
    return 1;
}

static enum cw_status resolve_key(struct cw_access *a, const char *key,
                                  const char *why, const char *actor,
                                  struct cw_sweep *out, struct cw_diag *d)
{
    struct one o = { key, "" };
    enum cw_status st = cw_alert_each_open(a, key, find_one, &o, d);
    if (st || !o.id[0])
        return st;
    if (!(st = cw_alert_resolve(a, o.id, why, actor, d)))
        out->resolved++;
    return st;
}

struct agents {
    struct cw_agent *v;
    char (*ids)[CW_TOKEN_ID];
    char (*hosts)[CW_AGENT_HOST_MAX + 1];
    size_t n, cap;
    long long now;
    bool oom;
};

static int got_agent(void *arg, const struct cw_agent *g)
{
    struct agents *s = arg;
    if (s->n == s->cap) {
        size_t na = s->cap ? 2 * s->cap : 64;
        struct cw_agent *nv = cw__realloc(s->v, na * sizeof(*nv));
        char(*ni)[CW_TOKEN_ID] = nv ? cw__realloc(s->ids, na * sizeof(*ni))
                                    : NULL;
        char(*nh)[CW_AGENT_HOST_MAX + 1] =
            ni ? cw__realloc(s->hosts, na * sizeof(*nh)) : NULL;
        if (nv)
            s->v = nv;
        if (ni)
            s->ids = ni;
        if (!nh) {
            s->oom = true;
            return 1;
        }
        s->hosts = nh;
        s->cap = na;
    }
    s->v[s->n] = *g;
    snprintf(s->ids[s->n], CW_TOKEN_ID, "%s", g->id);
    snprintf(s->hosts[s->n], CW_AGENT_HOST_MAX + 1, "%s", g->host);
    s->v[s->n].id = s->ids[s->n];
    s->v[s->n].host = s->hosts[s->n];
    s->v[s->n].pack = s->v[s->n].public_key = NULL;
    s->n++;
    return 0;
}

static enum cw_status sweep_agents(struct cw_access *a, long long now,
                                   const char *actor, struct cw_sweep *out,
                                   struct cw_diag *d)
{
    struct agents s;
    enum cw_status st;
    size_t i;

    memset(&s, 0, sizeof(s));
    if ((st = cw_agent_each(a, NULL, got_agent, &s, d)))
        goto out;
    if (s.oom) {
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    for (i = 0; !st && i < s.n; i++) {
        const struct cw_agent *g = &s.v[i];
        char key[64], subject[CW_AGENT_HOST_MAX + 64], what[600], when[32];
        time_t t = (time_t)(g->last_seen ? g->last_seen : g->enrolled);
        struct tm tm;
        snprintf(key, sizeof(key), "agent|%s", g->id);
        if (!cw_agent_silent(g, now)) {
            st = resolve_key(a, key,
                             g->revoked ? "the agent was revoked"
                                        : "the agent reported again",
                             actor, out, d);
            continue;
        }
        out->findings++;
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
                 gmtime_r(&t, &tm));
        snprintf(subject, sizeof(subject), "agent %s (%s)", g->id, g->host);
        snprintf(what, sizeof(what),
                 "Host %s has sent no result since %s; it runs every %lld "
                 "s: check the host, its timer and its way to the server.",
                 g->host, when, g->interval);
        if (a) {
            struct cw_alert_finding f = { key, "agent-silent", "high",
                                          subject, NULL, what };
            char id[CW_TOKEN_ID];
            bool opened = false;
            if (!(st = cw_alert_raise(a, &f, now, actor, id, &opened, d))) {
                out->opened += opened;
                out->refreshed += !opened;
            }
        }
    }
out:
    cw__free(s.v);
    cw__free(s.ids);
    cw__free(s.hosts);
    return st;
}

static int note_open(void *arg, const struct cw_alert *x)
{
    return seen_add(arg, x->key) ? 0 : 1;
}

/* Raises (or counts) the drift of `x` at or above fail_on; the keys of
 * states found go to `seen`. `events`: decisions only, else all but
 * decisions. */
static enum cw_status raise_drift(struct cw_access *a, const struct cw_drift *x,
                                  const struct cw_monitor_alerts *o,
                                  bool events, long long now,
                                  const char *actor, struct seen *seen,
                                  const struct seen *open,
                                  struct cw_sweep *out, struct cw_diag *d)
{
    enum cw_status st = CW_OK;
    char key[1200];
    size_t i;

    for (i = 0; !st && i < cw_drift_count(x); i++) {
        const struct cw_drift_item *it = cw_drift_at(x, i);
        bool state;
        if ((it->kind == CW_DRIFT_DECISION_CHANGED) != events ||
            it->kind == CW_DRIFT_CHECK_FIXED || it->severity < o->fail_on)
            continue;
        key_of(it, key, sizeof(key), &state);
        out->findings++;
        if (state && !seen_add(seen, key))
            return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        if (seen_has(open, key)) {
            out->refreshed++;
            continue;
        }
        if (a) {
            struct cw_alert_finding f = { key, cw_drift_kind_name(it->kind),
                                          cw_severity_name(it->severity),
                                          it->subject, it->control,
                                          it->what };
            char id[CW_TOKEN_ID];
            bool opened = false;
            if (!(st = cw_alert_raise(a, &f, now, actor, id, &opened, d))) {
                out->opened += opened;
                out->refreshed += !opened;
            }
        }
    }
    return st;
}

enum cw_status cw_monitor_sweep(struct cw_access *a,
                                const struct cw_soa *soa, const char *store,
                                const struct cw_monitor_alerts *o,
                                long long now, const char *actor,
                                struct cw_sweep *out, struct cw_diag *d)
{
    struct cw_drift_options opt;
    struct cw_drift *x = NULL;
    struct seen seen = { NULL, 0, 0 }, open = { NULL, 0, 0 };
    struct resolver r;
    enum cw_status st = CW_OK;
    char since[16];
    time_t t = (time_t)(now - WINDOW_DAYS * 86400);
    struct tm tm;
    size_t i;

    memset(out, 0, sizeof(*out));
    memset(&opt, 0, sizeof(opt));
    opt.soa = soa;
    opt.store = store;
    opt.within_days = o->within_days;
    if (a)
        st = cw_alert_each_open(a, "", note_open, &open, d);
    /* what is wrong now: every failing result of the latest runs */
    opt.since = "1970-01-01";
    if (!st && !(st = cw_drift_find(&opt, &x, d)))
        st = raise_drift(a, x, o, false, now, actor, &seen, &open, out,
                         d);
    cw_drift_free(x);
    x = NULL;
    /* decisions changed lately: events, alerted only at fail_on info */
    if (!st && o->fail_on == CW_SEVERITY_INFO) {
        strftime(since, sizeof(since), "%Y-%m-%d", gmtime_r(&t, &tm));
        opt.since = since;
        if (!(st = cw_drift_find(&opt, &x, d)))
            st = raise_drift(a, x, o, true, now, actor, &seen, &open, out,
                             d);
        cw_drift_free(x);
    }
    if (!st && a) {
        memset(&r, 0, sizeof(r));
        r.seen = &seen;
        r.d = d;
        st = cw_alert_each_open(a, "", collect_gone, &r, d);
        if (!st)
            st = r.st;
        for (i = 0; !st && i < r.n; i++)
            if (!(st = cw_alert_resolve(a, r.ids[i],
                                        "no longer found by the monitor",
                                        actor, d)))
                out->resolved++;
        cw__free(r.ids);
    }
    if (!st && a)
        st = sweep_agents(a, now, actor, out, d);
    seen_free(&seen);
    seen_free(&open);
    return st;
}
