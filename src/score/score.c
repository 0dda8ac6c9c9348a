/*
 * score.c - cw_score_build: points per applicable control, earned factor
 * by factor, in thousandths so that every sum is exact (docs/score.md).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cloudward/cw_registers.h>
#include <cloudward/cw_score.h>

#include "../core/core.h"

struct cw_score {
    struct cw__arena arena;
    struct cw_score_line *v;
    size_t n;
    long long earned, possible;
    bool oom;
};

static const char *const factor_names[CW_SCORE_FACTOR_COUNT] = {
#define CW__SCORE_NAME(name, str, w) str,
    CW_SCORE_MAP(CW__SCORE_NAME)
#undef CW__SCORE_NAME
};

static const unsigned factor_weights[CW_SCORE_FACTOR_COUNT] = {
#define CW__SCORE_W(name, str, w) w,
    CW_SCORE_MAP(CW__SCORE_W)
#undef CW__SCORE_W
};

const char *cw_score_factor_name(enum cw_score_factor f)
{
    return (unsigned)f < CW_SCORE_FACTOR_COUNT ? factor_names[f] : NULL;
}

unsigned cw_score_factor_weight(enum cw_score_factor f)
{
    return (unsigned)f < CW_SCORE_FACTOR_COUNT ? factor_weights[f] : 0;
}

static const char *keepf(struct cw_score *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *keepf(struct cw_score *s, const char *fmt, ...)
{
    char buf[2048];
    const char *c;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (!(c = cw__arena_strdup(&s->arena, buf)))
        s->oom = true;
    return c;
}

/* ---- a control's nature ---------------------------------------------------- */

enum ctype { CT_CORRECTIVE = 1, CT_DETECTIVE = 2, CT_PREVENTIVE = 3 };

static int type_of_attr(const char *attr)
{
    if (!attr)
        return 0;
    if (strstr(attr, "preventive"))
        return CT_PREVENTIVE;
    if (strstr(attr, "detective"))
        return CT_DETECTIVE;
    if (strstr(attr, "corrective"))
        return CT_CORRECTIVE;
    return 0;
}

/* The control's type: its own 27002:2022 attribute, else the strongest
 * of its 2022 counterparts' through the crosswalk, else preventive (the
 * cloud and PII controls, which state none, are duties to prevent). */
static int type_of(const struct cw_catalogs *cats, const struct cw_control *c,
                   const char **why)
{
    int t = type_of_attr(c->attributes[0]);
    size_t i, k, n;

    *why = "its attribute";
    for (i = 0; !t && i < cw_catalogs_crosswalk_count(cats); i++) {
        const struct cw_crosswalk *x = cw_catalogs_crosswalk_at(cats, i);
        const char *ids[16];
        const struct cw_catalog *to;
        bool rev;
        if (strcmp(x->from, c->catalog) == 0)
            rev = false;
        else if (strcmp(x->to, c->catalog) == 0)
            rev = true;
        else
            continue;
        to = cw_catalogs_find(cats, rev ? x->from : x->to);
        n = cw_crosswalk_map(x, c->id, rev, ids, 16);
        for (k = 0; to && k < n && k < 16; k++) {
            const struct cw_control *o = cw_catalog_control(to, ids[k]);
            int ot = o ? type_of_attr(o->attributes[0]) : 0;
            if (ot > t)
                t = ot;
        }
        if (t)
            *why = "its 2022 counterpart's attribute";
    }
    if (!t) {
        t = CT_PREVENTIVE;
        *why = "none stated: a duty to prevent";
    }
    return t;
}

static const char *mandatory_why(const struct cw_soa *soa,
                                 const struct cw_soa_line *l)
{
    if (l->source && strstr(l->source, "legal"))
        return "legal";
    if (l->source && strstr(l->source, "contract"))
        return "contract";
    if (strcmp(l->control->catalog, "iso27018:2019") == 0 &&
        cw_scope_pii_processor(cw_soa_scope(soa)))
        return "PII processor";
    return NULL;
}

static bool register_driven(const struct cw_control *c)
{
    int r;
    for (r = 0; r < CW_REG_COUNT; r++) {
        size_t n, i;
        const struct cw_register_link *k =
            cw_register_links((enum cw_register)r, &n);
        for (i = 0; i < n; i++)
            if (k[i].drives && strcmp(k[i].catalog, c->catalog) == 0 &&
                strcmp(k[i].control, c->id) == 0)
                return true;
    }
    return false;
}

/* ---- one line --------------------------------------------------------------- */

static unsigned status_value(enum cw_impl_status st)
{
    switch (st) {
    case CW_IMPL_IMPLEMENTED:
    case CW_IMPL_NOT_APPLICABLE: /* no part of its own: all relied on */
        return 100;
    case CW_IMPL_PARTIAL:
        return 50;
    case CW_IMPL_PLANNED:
        return 10;
    default:
        return 0;
    }
}

static void score_line(struct cw_score *s, const struct cw_soa *soa,
                       const struct cw_soa_line *l, struct cw_score_line *o)
{
    const struct cw_catalogs *cats = cw_soa_catalogs(soa);
    static const char *const tnames[] = { "", "corrective", "detective",
                                          "preventive" };
    struct cw_score_part *p = o->part;
    const char *type_why, *mand = mandatory_why(soa, l);
    int t = type_of(cats, l->control, &type_why);
    unsigned moved = 0;
    size_t i, verified = 0, checks = l->checks_passed + l->checks_failed;

    memset(o, 0, sizeof(*o));
    o->line = l;
    o->possible = (long long)t * (mand ? 3 : 1) * 1000;
    o->nature = keepf(s, "%s (%s), %s%s%s%s", tnames[t], type_why,
                      mand ? "mandatory (" : "discretionary",
                      mand ? mand : "", mand ? ")" : "",
                      "");
    for (i = 0; i < CW_SCORE_FACTOR_COUNT; i++) {
        p[i].applies = true;
        p[i].weight = factor_weights[i];
    }
    /* implementation */
    p[CW_SCORE_IMPLEMENTATION].value = status_value(l->status);
    p[CW_SCORE_IMPLEMENTATION].source =
        keepf(s, "status %s (%s)", cw_impl_status_name(l->status),
              l->why ? l->why : "no decision");
    /* evidence */
    p[CW_SCORE_EVIDENCE].value = l->evidence && !l->evidence_stale ? 100 : 0;
    p[CW_SCORE_EVIDENCE].source =
        !l->evidence ? "no evidence recorded"
        : l->evidence_stale
            ? keepf(s, "%zu stale (expired, not yet effective or missing): "
                       "%s",
                    l->evidence_stale, l->evidence)
            : keepf(s, "%s", l->evidence);
    /* checks */
    if (checks) {
        p[CW_SCORE_CHECKS].value =
            (unsigned)(l->checks_passed * 100 / checks);
        p[CW_SCORE_CHECKS].source =
            keepf(s, "%zu of %zu results pass: %s", l->checks_passed, checks,
                  l->checks ? l->checks : "");
    } else
        p[CW_SCORE_CHECKS].applies = false;
    /* registers */
    if (register_driven(l->control)) {
        p[CW_SCORE_REGISTERS].value = l->register_findings ? 0 : 100;
        p[CW_SCORE_REGISTERS].source =
            l->register_findings
                ? keepf(s, "%zu finding%s: %s", l->register_findings,
                        l->register_findings == 1 ? "" : "s",
                        l->checks ? l->checks : "")
                : keepf(s, "no finding%s%s", l->checks ? ": " : "",
                        l->checks ? l->checks : "");
    } else
        p[CW_SCORE_REGISTERS].applies = false;
    /* reliance */
    if (l->nrelies) {
        char buf[1024] = "";
        size_t off = 0;
        for (i = 0; i < l->nrelies; i++) {
            const struct cw_soa_reliance *r = &l->relies[i];
            if (CW_RELY_VERIFIED(r->state))
                verified++;
            if (off < sizeof(buf))
                off += (size_t)snprintf(buf + off, sizeof(buf) - off,
                                        "%s%s for %s: %s", i ? "; " : "",
                                        r->upstream ? r->upstream->name : "?",
                                        r->part ? r->part : "its part",
                                        cw_rely_state_name(r->state));
        }
        p[CW_SCORE_RELIANCE].value = (unsigned)(verified * 100 / l->nrelies);
        p[CW_SCORE_RELIANCE].source = keepf(s, "%s", buf);
    } else
        p[CW_SCORE_RELIANCE].applies = false;
    /* Weights of factors that do not apply go to the implementation. */
    for (i = 1; i < CW_SCORE_FACTOR_COUNT; i++)
        if (!p[i].applies) {
            moved += p[i].weight;
            p[i].weight = 0;
            p[i].value = 0;
            p[i].source = NULL;
        }
    p[CW_SCORE_IMPLEMENTATION].weight += moved;
    for (i = 0; i < CW_SCORE_FACTOR_COUNT; i++) {
        p[i].earned = o->possible * (long long)p[i].weight *
                      (long long)p[i].value / 10000;
        o->earned += p[i].earned;
    }
    /* What to do for the rest, and what that takes. */
    if (o->earned == o->possible)
        return;
    if (l->status == CW_IMPL_NOT_STARTED)
        o->action = "implement it: nothing is started", o->effort = 3;
    else if (l->status == CW_IMPL_PLANNED)
        o->action = "carry out the planned work", o->effort = 2;
    else if (l->status == CW_IMPL_PARTIAL)
        o->action = "complete the implementation (partial)", o->effort = 2;
    else if (checks && l->checks_failed)
        o->action = keepf(s, "fix the %zu failing check result%s",
                          l->checks_failed, l->checks_failed == 1 ? "" : "s"),
        o->effort = 1;
    else if (p[CW_SCORE_REGISTERS].applies && l->register_findings)
        o->action = "clear the register findings ('cloudward registers "
                    "due')",
        o->effort = 1;
    else if (!l->evidence)
        o->action = "record evidence ('cloudward evidence add')",
        o->effort = 1;
    else if (l->evidence_stale)
        o->action = "renew the stale evidence", o->effort = 1;
    else
        o->action = "get current assurance from the provider relied on",
        o->effort = 2;
}

enum cw_status cw_score_build(const struct cw_soa *soa, struct cw_score **out,
                              struct cw_diag *d)
{
    struct cw_score *s;
    size_t i, n = cw_soa_count(soa);

    *out = NULL;
    if (!(s = cw__calloc(1, sizeof(*s))))
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    cw__arena_init(&s->arena, 0);
    if (!(s->v = cw__calloc(n + 1, sizeof(*s->v)))) {
        cw_score_free(s);
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (i = 0; i < n; i++) {
        const struct cw_soa_line *l = cw_soa_line_at(soa, i);
        if (!l->applicable)
            continue;
        score_line(s, soa, l, &s->v[s->n]);
        s->earned += s->v[s->n].earned;
        s->possible += s->v[s->n].possible;
        s->n++;
    }
    if (s->oom) {
        cw_score_free(s);
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    *out = s;
    return CW_OK;
}

void cw_score_free(struct cw_score *s)
{
    if (!s)
        return;
    cw__free(s->v);
    cw__arena_release(&s->arena);
    cw__free(s);
}

size_t cw_score_count(const struct cw_score *s)
{
    return s ? s->n : 0;
}

const struct cw_score_line *cw_score_at(const struct cw_score *s, size_t i)
{
    return s && i < s->n ? &s->v[i] : NULL;
}

long long cw_score_earned(const struct cw_score *s)
{
    return s ? s->earned : 0;
}

long long cw_score_possible(const struct cw_score *s)
{
    return s ? s->possible : 0;
}

const struct cw_score_line *cw_score_find(const struct cw_score *s,
                                          const char *catalog, const char *id)
{
    size_t i;
    for (i = 0; s && i < s->n; i++)
        if ((!catalog || strcmp(s->v[i].line->control->catalog, catalog) ==
                             0) &&
            strcmp(s->v[i].line->control->id, id) == 0)
            return &s->v[i];
    return NULL;
}
