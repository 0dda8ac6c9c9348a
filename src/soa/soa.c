/*
 * soa.c - the applicability engine.
 *
 * Every line answers three questions apart (docs/responsibility.md):
 *
 *   1. own implementation: applicable or not and why, status, owner,
 *      evidence, checks. Every control of a catalog in force applies until
 *      a decision says otherwise; 27018 Annex A applies only to a PII
 *      processor. A default line is "not-started": nothing was recorded.
 *   2. reliance: the named part of the control an upstream provider
 *      carries (its published matrix row, else the layer rule for the
 *      model bought from it), with the assurance the scope records for
 *      that provider judged on the SoA's date, and every link further up
 *      the chain judged again. A part exists only where the rules name one
 *      (data/rules/responsibility.yaml): organisation, endpoint and
 *      identity-policy controls, and a processor's 27018 duties, are never
 *      relied on. A decision replaces the default reliance entirely.
 *   3. what the organisation publishes to its customers: provider,
 *      customer, split or each, the parts in words (27017 guidance, through
 *      the crosswalk for a 2022 line), its own status and assurance.
 *
 * Contradictions (implemented but failing checks, reliance on a part our
 * own scan shows failing, stale evidence, an exclusion a related control
 * needs, two decisions of another edition reaching one line, nobody
 * carrying an applicable control) are flagged on the line in one sentence
 * each, after results and evidence are attached.
 *
 * Rejected: an "inherited" implementation status (it mixed questions 1 and
 * 2, and counted every line naming an upstream as done), and one
 * responsibility cell per SoA line (a provider's SoA then printed its
 * customers' duty as its own).
 *
 * Decisions are the files' present ones; with decisions_as_recorded,
 * those the ledger recorded by the SoA's date (recorded.c), so that a
 * past day's SoA is the one its decisions made then.
 *
 * Strings built here live in the arena of the struct cw_soa.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cloudward/cw_soa.h>

#include "../core/core.h"
#include "soa_internal.h"

#define DEFAULT_EXPIRING_DAYS 90
#define MAX_COUNTERPARTS      16
#define MAX_RELATED           8

struct cw_soa {
    struct cw__arena arena;
    const struct cw_catalogs *cats;
    const struct cw_scope *scope;
    struct cw_soa_line *lines;
    size_t n;
    struct cw_soa_summary sum;
    char as_of[11];
    char soon[11]; /* as_of + the expiring window */
    const char *prepared_for; /* in the arena, or NULL */
    int model;
    bool oom;
    /* decisions_as_recorded: the ledger's decisions by as_of */
    bool recorded;
    struct cw__soa_recorded rec;
};

static const char *const rely_names[] = {
#define CW__RELY_NAME(name, str) str,
    CW_RELY_MAP(CW__RELY_NAME)
#undef CW__RELY_NAME
};

static const char *const status_names[] = {
#define CW__STATUS_NAME(name, str) str,
    CW_IMPL_MAP(CW__STATUS_NAME)
#undef CW__STATUS_NAME
};

const char *cw_rely_state_name(enum cw_rely_state s)
{
    return (unsigned)s < CW_RELY_COUNT ? rely_names[s] : NULL;
}

const char *cw_impl_status_name(enum cw_impl_status s)
{
    return (unsigned)s < CW_IMPL_COUNT ? status_names[s] : NULL;
}

static enum cw_impl_status status_of(const char *s)
{
    size_t i;
    for (i = 0; s && i < CW_IMPL_COUNT; i++)
        if (strcmp(s, status_names[i]) == 0)
            return (enum cw_impl_status)i;
    return CW_IMPL_NOT_STARTED;
}

/* Arena printf that remembers running out of memory. */
static const char *fmt(struct cw_soa *soa, const char *f, ...)
    __attribute__((format(printf, 2, 3)));
static const char *fmt(struct cw_soa *soa, const char *f, ...)
{
    char small[2048], *s;
    va_list ap;
    int w;

    va_start(ap, f);
    w = vsnprintf(small, sizeof(small), f, ap);
    va_end(ap);
    if (w < 0) {
        soa->oom = true;
        return NULL;
    }
    if ((size_t)w < sizeof(small)) {
        s = cw__arena_strdup(&soa->arena, small);
    } else {
        s = cw__arena_alloc(&soa->arena, (size_t)w + 1);
        if (s) {
            va_start(ap, f);
            vsnprintf(s, (size_t)w + 1, f, ap);
            va_end(ap);
        }
    }
    if (!s)
        soa->oom = true;
    return s;
}

/* `a` followed by `sep` and `b`, or whichever is set. */
static const char *join(struct cw_soa *soa, const char *a, const char *sep,
                        const char *b)
{
    if (!a || !*a)
        return b;
    if (!b || !*b)
        return a;
    return fmt(soa, "%s%s%s", a, sep, b);
}

/* ---- dates ----------------------------------------------------------- */

static void add_days(const char *date, int days, char out[11])
{
    struct tm tm;
    time_t t;

    memset(&tm, 0, sizeof(tm));
    sscanf(date, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_mday += days;
    tm.tm_hour = 12;
    t = timegm(&tm);
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* ---- guidance -------------------------------------------------------- */

struct guidance {
    const char *provider, *customer, *pii;
    bool both; /* 27017 names a duty for each party */
};

static void add_piece(struct cw_soa *soa, const char **to, const char *text,
                      const char *origin)
{
    const char *piece = origin ? fmt(soa, "(from %s) %s", origin, text) : text;
    *to = join(soa, *to, " ", piece);
}

static void add_guidance(struct cw_soa *soa, struct guidance *g,
                         const struct cw_control *e, const char *origin)
{
    if (e->provider)
        add_piece(soa, &g->provider, e->provider, origin);
    if (e->customer)
        add_piece(soa, &g->customer, e->customer, origin);
    if (e->pii)
        add_piece(soa, &g->pii, e->pii, origin);
}

/*
 * The cloud and PII guidance that catalogs in force add to `c`: directly
 * when `c` is of their base, through the crosswalk from their base when
 * `c` is of another edition (each piece then says which control it came
 * from).
 */
static struct guidance gather_guidance(struct cw_soa *soa,
                                       const struct cw_control *c)
{
    const char *const *names = cw_scope_catalogs(soa->scope);
    size_t i, j, k, n = cw_scope_catalog_count(soa->scope);
    struct guidance g = { c->provider, c->customer, NULL, false };

    for (i = 0; i < n; i++) {
        const struct cw_catalog *cat = cw_catalogs_find(soa->cats, names[i]);
        const struct cw_control *e;
        if (!cat || !cat->base)
            continue;
        if (strcmp(cat->base, c->catalog) == 0) {
            if ((e = cw_catalog_guidance(cat, c->id)))
                add_guidance(soa, &g, e, NULL);
            continue;
        }
        for (j = 0; j < cw_catalogs_crosswalk_count(soa->cats); j++) {
            const struct cw_crosswalk *x =
                cw_catalogs_crosswalk_at(soa->cats, j);
            const char *ids[MAX_COUNTERPARTS];
            size_t m;
            if (strcmp(x->from, cat->base) != 0 ||
                strcmp(x->to, c->catalog) != 0)
                continue;
            m = cw_crosswalk_map(x, c->id, true, ids, MAX_COUNTERPARTS);
            for (k = 0; k < m && k < MAX_COUNTERPARTS; k++)
                if ((e = cw_catalog_guidance(cat, ids[k])))
                    add_guidance(soa, &g, e, ids[k]);
        }
    }
    g.both = g.provider && g.customer;
    return g;
}

/* ---- responsibility -------------------------------------------------- */

/* Who carries `c` in model `m` as a provider publishes it: the rule, made
 * a split where 27017 names a duty for each party, unless the catalog says
 * who carries this very control in that model. */
static enum cw_resp kind_for(const struct cw_soa *soa,
                             const struct cw_control *c, enum cw_model m,
                             bool both)
{
    enum cw_resp r = cw_catalogs_resp(soa->cats, c, m);
    if (c->resp_override[m] != CW_RESP_NONE)
        return r;
    if (both && (r == CW_RESP_PROVIDER || r == CW_RESP_CUSTOMER))
        r = CW_RESP_SPLIT;
    return r;
}

static enum cw_resp kind_over(const struct cw_soa *soa,
                              const struct cw_control *c, unsigned mask,
                              bool both)
{
    enum cw_resp r = CW_RESP_NONE;
    unsigned m;

    for (m = 0; m < CW_MODEL_COUNT; m++) {
        enum cw_resp x;
        if (!(mask & (1u << m)))
            continue;
        x = kind_for(soa, c, (enum cw_model)m, both);
        r = r == CW_RESP_NONE || r == x ? x : CW_RESP_SPLIT;
    }
    return r == CW_RESP_NONE ? CW_RESP_SPLIT : r;
}

static const struct cw_matrix_row *row_of(const struct cw_upstream *u,
                                          const struct cw_control *c)
{
    size_t i;
    for (i = 0; u && i < u->nrows; i++)
        if (u->rows[i].control == c)
            return &u->rows[i];
    return NULL;
}

static unsigned line_models(const struct cw_soa *soa)
{
    return soa->model >= 0 ? 1u << soa->model : cw_scope_models(soa->scope);
}

/* ---- assurance ------------------------------------------------------- */

static bool lists(const struct cw_assurance *a, const char *catalog)
{
    size_t i;
    for (i = 0; i < a->ncovers; i++)
        if (strcmp(a->covers[i], catalog) == 0)
            return true;
    return false;
}

/* An assurance entry in a sentence, kept in the SoA's arena. */
static const char *cite(struct cw_soa *soa, const struct cw_assurance *a)
{
    char buf[1024];
    return fmt(soa, "%s", cw_assurance_cite(a, false, buf, sizeof(buf)));
}

/* Does `a` cover control `c` for a provider bought as `model` (-1: any)?
 * When not, *why says what it misses. */
static bool covers(struct cw_soa *soa, const struct cw_assurance *a,
                   const struct cw_control *c, int model, const char **why)
{
    const struct cw_catalog *cat = cw_catalogs_find(soa->cats, c->catalog);

    if (!a->standard) {
        *why = "states no standard or edition";
        return false;
    }
    if (model >= 0 && a->models && !(a->models & (1u << model))) {
        *why = fmt(soa, "does not cover the %s service",
                   cw_model_name((enum cw_model)model));
        return false;
    }
    if (lists(a, c->catalog))
        return true;
    if (cat && !cat->base && a->kind == CW_ASSURANCE_CERTIFICATE &&
        strcmp(a->standard, "ISO/IEC 27001") == 0)
        return true; /* 27001 Annex A is 27002, either edition */
    *why = fmt(soa, "does not cover %s", c->catalog);
    return false;
}

/* The state of an assurance entry on the SoA's date; *end receives the
 * day it ends and *transition whether an edition's transition ends it. */
static enum cw_rely_state dated(const struct cw_soa *soa,
                                const struct cw_assurance *a,
                                const char **end, bool *transition)
{
    const char *t = cw_catalogs_transition_end(soa->cats, a->standard,
                                               a->edition);

    *end = a->valid_until ? a->valid_until : "0000-00-00";
    *transition = false;
    if (t && strcmp(t, *end) < 0) {
        *end = t;
        *transition = true;
    }
    if (strcmp(*end, soa->as_of) < 0)
        return CW_RELY_LAPSED;
    if (strcmp(*end, soa->soon) <= 0)
        return CW_RELY_EXPIRING;
    return CW_RELY_VALID;
}

struct verdict {
    enum cw_rely_state state;
    const struct cw_assurance *a; /* the entry judged, or NULL */
    const char *why;              /* one sentence, or NULL when valid */
};

/* Judges `n` entries recorded for `who` for control `c`: the best covering
 * one decides; none covering is NOT_COVERING; none at all NO_ASSURANCE. */
static struct verdict judge_entries(struct cw_soa *soa, const char *who,
                                    const struct cw_assurance *v, size_t n,
                                    const struct cw_control *c, int model)
{
    struct verdict best = { CW_RELY_NO_ASSURANCE, NULL, NULL };
    const char *miss = NULL;
    size_t i;

    for (i = 0; i < n; i++) {
        const char *why = NULL, *end;
        bool trans;
        enum cw_rely_state st;
        if (!covers(soa, &v[i], c, model, &why)) {
            if (!best.a) {
                best = (struct verdict){ CW_RELY_NOT_COVERING, &v[i], NULL };
                miss = why;
            }
            continue;
        }
        st = dated(soa, &v[i], &end, &trans);
        if (best.a && best.state != CW_RELY_NOT_COVERING &&
            best.state <= st)
            continue;
        best.state = st;
        best.a = &v[i];
        best.why = st == CW_RELY_VALID ? NULL
                   : st == CW_RELY_EXPIRING
                       ? fmt(soa, "%s's %s ends on %s: ask for its renewal.",
                             who, cite(soa, &v[i]), end)
                   : trans
                       ? fmt(soa,
                             "%s's %s lapsed on %s, when the transition "
                             "from the %s edition ended (its own expiry: "
                             "%s).",
                             who, cite(soa, &v[i]), end, v[i].edition,
                             v[i].valid_until)
                       : fmt(soa, "%s's %s lapsed on %s.", who,
                             cite(soa, &v[i]), end);
    }
    if (best.state == CW_RELY_NOT_COVERING)
        best.why = fmt(soa, "%s's %s %s.", who, cite(soa, best.a), miss);
    return best;
}

static const char *todo(struct cw_soa *soa, enum cw_rely_state st,
                        const struct cw_upstream *u)
{
    const char *pub = NULL;
    size_t i;

    for (i = 0; u && i < u->npublished; i++)
    {
        char buf[1024];
        pub = join(soa, pub, "; ",
                   fmt(soa, "%s",
                       cw_assurance_cite(&u->published[i], true, buf,
                                         sizeof(buf))));
    }
    switch (st) {
    case CW_RELY_LAPSED:
    case CW_RELY_NOT_COVERING:
        return fmt(soa,
                   " Obtain a current certificate that covers it and record "
                   "it under providers[].assurance, or other assurance "
                   "(supplier monitoring, 5.22 / 15.2.1)%s%s.",
                   pub ? "; its matrix states: " : "", pub ? pub : "");
    case CW_RELY_NO_ASSURANCE:
        return fmt(soa,
                   " Record the certificate or report you checked under "
                   "providers[].assurance%s%s.",
                   pub ? "; its matrix states: " : "", pub ? pub : "");
    default:
        return NULL;
    }
}

/* Worse of two states for a line: any unverified state beats EXPIRING,
 * which beats VALID; among unverified ones the first found stays. */
static enum cw_rely_state worse(enum cw_rely_state a, enum cw_rely_state b)
{
    if (a == CW_RELY_NONE)
        return b;
    if (!CW_RELY_VERIFIED(a))
        return a;
    if (!CW_RELY_VERIFIED(b))
        return b;
    return a == CW_RELY_EXPIRING || b == CW_RELY_EXPIRING ? CW_RELY_EXPIRING
                                                          : CW_RELY_VALID;
}

/* What the upstream's own row says against relying on it. */
static const char *row_gap(struct cw_soa *soa, const struct cw_upstream *u,
                           const struct cw_matrix_row *r)
{
    const char *id = r->control->id;

    if (r->applicable == 0)
        return fmt(soa, "%s excludes %s in its published matrix.", u->name,
                   id);
    if (r->status && (strcmp(r->status, "not-started") == 0 ||
                      strcmp(r->status, "planned") == 0))
        return fmt(soa, "%s reports its own implementation of %s as %s.",
                   u->name, id, r->status);
    if (r->responsibility == CW_RESP_CUSTOMER ||
        r->responsibility == CW_RESP_EACH)
        return fmt(soa, "%s's matrix leaves %s to its customers (%s).",
                   u->name, id, cw_resp_name(r->responsibility));
    return NULL;
}

/* Judges every link further up the chain of row `r` on our own date. */
static enum cw_rely_state judge_chain(struct cw_soa *soa,
                                      const struct cw_upstream *u,
                                      const struct cw_matrix_row *r,
                                      const char **why)
{
    enum cw_rely_state out = CW_RELY_VALID;
    size_t i;

    for (i = 0; r && i < r->nchain; i++) {
        const struct cw_chain_link *k = &r->chain[i];
        struct verdict v = judge_entries(soa, k->provider, k->assurance,
                                         k->nassurance, r->control, -1);
        const char *said = k->state && strcmp(k->state, "valid") != 0 &&
                                   strcmp(k->state, "expiring") != 0
                               ? k->state
                               : NULL;
        if (said) {
            *why = join(soa, *why, " ",
                        fmt(soa, "%s relies on %s for %s, which it reports "
                                 "as %s%s%s",
                            u->name, k->provider, k->part ? k->part : "a part",
                            said, k->state_reason ? ": " : ".",
                            k->state_reason ? k->state_reason : ""));
            out = CW_RELY_CHAIN;
        } else if (!CW_RELY_VERIFIED(v.state)) {
            *why = join(soa, *why, " ",
                        fmt(soa, "Up the chain, %s relies on %s for %s: %s",
                            u->name, k->provider,
                            k->part ? k->part : "a part",
                            v.why ? v.why
                                  : "no certificate or report is recorded "
                                    "for it."));
            out = CW_RELY_CHAIN;
        } else if (v.state == CW_RELY_EXPIRING && out == CW_RELY_VALID) {
            *why = join(soa, *why, " ", v.why);
            out = CW_RELY_EXPIRING;
        }
    }
    return out;
}

static void judge(struct cw_soa *soa, const struct cw_control *c,
                  struct cw_soa_reliance *r)
{
    const struct cw_upstream *u = r->upstream;
    const char *why = NULL, *gap;
    struct verdict own;
    enum cw_rely_state chain;

    if (!u) {
        r->state = CW_RELY_NO_ASSURANCE;
        r->reason = "The scope names no provider: list it under providers "
                    "with the assurance you hold.";
        return;
    }
    own = judge_entries(soa, u->name, u->assurance, u->nassurance, c,
                        (int)u->model);
    r->assurance = own.a;
    r->state = own.state;
    if (own.state == CW_RELY_NO_ASSURANCE)
        why = fmt(soa, "No certificate or report of %s is recorded.",
                  u->name);
    else
        why = own.why;
    why = join(soa, why, "", todo(soa, own.state, u));
    if (r->row && (gap = row_gap(soa, u, r->row))) {
        why = join(soa, why, " ", gap);
        r->state = worse(r->state, CW_RELY_UPSTREAM_GAP);
    }
    chain = judge_chain(soa, u, r->row, &why);
    r->state = worse(r->state, chain);
    r->reason = why;
}

/* ---- reliance -------------------------------------------------------- */

/* The part a customer of `u` relies on for `c`, or NULL when none can be:
 * the rules decide whether any part exists; the row may name it. */
static const char *default_part(const struct cw_soa *soa,
                                const struct cw_upstream *u,
                                const struct cw_control *c,
                                const struct cw_matrix_row *row)
{
    const char *rule = cw_catalogs_part(soa->cats, c, u->model);
    if (!rule)
        return NULL;
    return row && row->part ? row->part : rule;
}

static struct cw_soa_reliance *new_relies(struct cw_soa *soa, size_t n)
{
    struct cw_soa_reliance *v = cw__arena_alloc(&soa->arena,
                                                (n + 1) * sizeof(*v));
    if (!v)
        soa->oom = true;
    return v;
}

/* The default reliances of a line: every provider whose row (or layer rule
 * for the model bought) carries `c` or a part of it, where a part exists. */
static void default_relies(struct cw_soa *soa, struct cw_soa_line *l,
                           bool both)
{
    size_t i, n = cw_scope_upstream_count(soa->scope);
    const struct cw_control *c = l->control;
    struct cw_soa_reliance *v;
    const char *why = NULL;

    if (!n && cw_scope_role(soa->scope) == CW_ROLE_CUSTOMER) {
        /* A customer that names no provider still relies on one. */
        unsigned mask = cw_scope_models(soa->scope), m;
        for (m = 0; m < CW_MODEL_COUNT; m++) {
            enum cw_resp k;
            if (!(mask & (1u << m)))
                continue;
            k = kind_for(soa, c, (enum cw_model)m, both);
            if ((k == CW_RESP_PROVIDER || k == CW_RESP_SPLIT) &&
                cw_catalogs_part(soa->cats, c, (enum cw_model)m)) {
                if (!(v = new_relies(soa, 1)))
                    return;
                v->part = cw_catalogs_part(soa->cats, c, (enum cw_model)m);
                l->relies = v;
                l->nrelies = 1;
                l->why = join(soa, l->why, "; ",
                              fmt(soa, "rely-%s: an unnamed %s provider "
                                       "carries %s",
                                  cw_layer_name(c->layer),
                                  cw_model_name((enum cw_model)m), v->part));
                return;
            }
        }
        return;
    }
    if (!(v = new_relies(soa, n)))
        return;
    for (i = 0; i < n; i++) {
        const struct cw_upstream *u = cw_scope_upstream(soa->scope, i);
        const struct cw_matrix_row *row = row_of(u, c);
        enum cw_resp k = row ? row->responsibility
                             : kind_for(soa, c, u->model, both);
        const char *part = default_part(soa, u, c, row);
        if ((k != CW_RESP_PROVIDER && k != CW_RESP_SPLIT) || !part)
            continue;
        v[l->nrelies].upstream = u;
        v[l->nrelies].part = part;
        v[l->nrelies].row = row;
        l->nrelies++;
        why = join(soa, why, "; ",
                   fmt(soa, "rely-%s: %s carries %s (%s, %s)",
                       cw_layer_name(c->layer), u->name, part,
                       cw_model_name(u->model),
                       row ? "its published matrix" : "layer rule"));
    }
    l->relies = v;
    l->why = join(soa, l->why, "; ", why);
}

static void decided_relies(struct cw_soa *soa, struct cw_soa_line *l,
                           const struct cw_decision *dc)
{
    struct cw_soa_reliance *v;
    size_t i;

    l->relies = NULL;
    l->nrelies = 0;
    if (!dc->nrelies || !(v = new_relies(soa, dc->nrelies)))
        return;
    for (i = 0; i < dc->nrelies; i++) {
        const struct cw_upstream *u = dc->relies[i].upstream;
        const struct cw_matrix_row *row = row_of(u, l->control);
        const char *part = dc->relies[i].part;
        if (!part)
            part = default_part(soa, u, l->control, row);
        v[i].upstream = u;
        v[i].part = part ? part : "its part of the control";
        v[i].row = row;
    }
    l->relies = v;
    l->nrelies = dc->nrelies;
}

static void flag(struct cw_soa *soa, struct cw_soa_line *l, const char *s);

/* ---- decisions ------------------------------------------------------- */

/* The decision about `c` in force: the file's, or the ledger's by the
 * SoA's date (decisions_as_recorded). */
static const struct cw_decision *decision_of(struct cw_soa *soa,
                                            const struct cw_control *c)
{
    if (!soa->recorded)
        return cw_scope_find_decision(soa->scope, c);
    return cw__soa_recorded_find(&soa->rec, &soa->arena, soa->scope, c,
                                 &soa->oom);
}

/* The decision that sets `c`: its own, else one on a control of another
 * edition that the crosswalk maps onto it. *conflict names the others when
 * several reach it; *via the control the decision was written on. */
static const struct cw_decision *find_decision(struct cw_soa *soa,
                                               const struct cw_control *c,
                                               const char **conflict)
{
    const struct cw_decision *hit = decision_of(soa, c);
    size_t i, k;

    *conflict = NULL;
    if (hit)
        return hit;
    for (i = 0; i < cw_catalogs_crosswalk_count(soa->cats); i++) {
        const struct cw_crosswalk *x = cw_catalogs_crosswalk_at(soa->cats, i);
        bool rev = strcmp(x->to, c->catalog) == 0;
        const struct cw_catalog *other;
        const char *ids[MAX_COUNTERPARTS];
        size_t m;
        if (!rev && strcmp(x->from, c->catalog) != 0)
            continue;
        other = cw_catalogs_find(soa->cats, rev ? x->from : x->to);
        m = cw_crosswalk_map(x, c->id, rev, ids, MAX_COUNTERPARTS);
        for (k = 0; other && k < m && k < MAX_COUNTERPARTS; k++) {
            const struct cw_control *o = cw_catalog_control(other, ids[k]);
            const struct cw_decision *dc =
                o ? decision_of(soa, o) : NULL;
            if (!dc)
                continue;
            if (!hit)
                hit = dc;
            else
                *conflict = join(soa, *conflict, ", ",
                                 fmt(soa, "%s %s", o->catalog, o->id));
        }
    }
    if (*conflict)
        *conflict = fmt(soa,
                        "Decisions on %s %s and on %s all reach this line "
                        "through the crosswalk; decide %s directly.",
                        hit->control->catalog, hit->control->id, *conflict,
                        c->id);
    return hit;
}

static void apply_decision(struct cw_soa *soa, struct cw_soa_line *l,
                           const struct cw_decision *dc)
{
    enum cw_impl_status said = dc->status ? status_of(dc->status)
                                          : CW_IMPL_NOT_STARTED;

    l->applicable = dc->applicable;
    l->justification = dc->justification;
    l->source = dc->source;
    /* An excluded control is not applicable, whatever else the decision
     * says; saying it is under way is a contradiction. */
    l->status = dc->applicable ? said : CW_IMPL_NOT_APPLICABLE;
    if (!dc->applicable && (said == CW_IMPL_IMPLEMENTED ||
                            said == CW_IMPL_PARTIAL ||
                            said == CW_IMPL_PLANNED))
        flag(soa, l,
             fmt(soa, "Excluded, yet its decision says %s.",
                 cw_impl_status_name(said)));
    l->owner = dc->owner;
    l->notes = dc->notes;
    l->evidence = dc->evidence;
    if (dc->responsibility != CW_RESP_NONE)
        l->responsibility = dc->responsibility;
    if (dc->provider_part)
        l->provider_duty = dc->provider_part;
    if (dc->customer_part)
        l->customer_duty = dc->customer_part;
    decided_relies(soa, l, dc);
    l->decided = true;
    l->why = dc->control == l->control
                 ? fmt(soa, "decision %s:%u", dc->file, dc->line)
                 : fmt(soa, "decision %s:%u (on %s %s)", dc->file, dc->line,
                       dc->control->catalog, dc->control->id);
}

/* ---- one line -------------------------------------------------------- */

/* 27018 Annex A binds a PII processor only. */
static bool default_pii(struct cw_soa *soa, struct cw_soa_line *l)
{
    if (cw_scope_role(soa->scope) == CW_ROLE_CUSTOMER) {
        l->why = "rule pii-customer: 27018 Annex A binds the PII processor, "
                 "not its customer";
        l->justification = "These are duties of the provider as PII "
                           "processor; the organisation, as controller, "
                           "checks them through the provider's assurance.";
    } else if (!cw_scope_pii_processor(soa->scope)) {
        l->why = "rule pii-none: the scope says pii_processor: false";
        l->justification = "The service does not process personal data on "
                           "behalf of its customers.";
    } else {
        return false;
    }
    l->applicable = false;
    l->status = CW_IMPL_NOT_APPLICABLE;
    return true;
}

static void build_line(struct cw_soa *soa, struct cw_soa_line *l,
                       const struct cw_control *c)
{
    struct guidance g = gather_guidance(soa, c);
    const struct cw_decision *dc;
    const char *conflict;
    size_t i;

    l->control = c;
    l->provider_duty = g.provider
                           ? g.provider
                           : cw_catalogs_layer_duty(soa->cats, c->layer, false);
    l->customer_duty = g.customer
                           ? g.customer
                           : cw_catalogs_layer_duty(soa->cats, c->layer, true);
    l->pii_guidance = g.pii;
    l->applicable = true;
    l->status = CW_IMPL_NOT_STARTED;
    if (cw_scope_role(soa->scope) == CW_ROLE_CUSTOMER &&
        cw_scope_upstream_count(soa->scope)) {
        /* A customer publishes nothing: its matrix shows what its first
         * provider carries and what is left to it. */
        const struct cw_upstream *u = cw_scope_upstream(soa->scope, 0);
        const struct cw_matrix_row *row = row_of(u, c);
        l->responsibility = row ? row->responsibility
                                : kind_for(soa, c, u->model, g.both);
        /* Whatever a row claims, each party's own organisation stays its
         * own. */
        if (cw_catalogs_resp(soa->cats, c, u->model) == CW_RESP_EACH)
            l->responsibility = CW_RESP_EACH;
    } else {
        l->responsibility = kind_over(soa, c, line_models(soa), g.both);
    }
    if (!(c->layer == CW_LAYER_PII && default_pii(soa, l))) {
        l->why = "rule applies: every control of a catalog in force applies "
                 "until a decision says otherwise";
        default_relies(soa, l, g.both);
    }
    dc = find_decision(soa, c, &conflict);
    if (dc)
        apply_decision(soa, l, dc);
    if (conflict)
        flag(soa, l, conflict);
    for (i = 0; i < l->nrelies; i++) {
        struct cw_soa_reliance *r = (struct cw_soa_reliance *)&l->relies[i];
        judge(soa, c, r);
        l->reliance = worse(l->reliance, r->state);
    }
    /* What customers may rely on: the part, where one exists. */
    if (l->responsibility == CW_RESP_PROVIDER ||
        l->responsibility == CW_RESP_SPLIT) {
        unsigned mask = line_models(soa), m;
        for (m = 0; m < CW_MODEL_COUNT && !l->part; m++)
            if (mask & (1u << m))
                l->part = cw_catalogs_part(soa->cats, c, (enum cw_model)m);
    }
}

/* ---- contradictions -------------------------------------------------- */

static void flag(struct cw_soa *soa, struct cw_soa_line *l, const char *s)
{
    l->flags = join(soa, l->flags, " ", s);
    l->nflags++;
}

static const struct cw_soa_line *line_for(const struct cw_soa *soa,
                                          const struct cw_control *c)
{
    size_t i;
    for (i = 0; i < soa->n; i++)
        if (soa->lines[i].control == c)
            return &soa->lines[i];
    return NULL;
}

static void find_contradictions(struct cw_soa *soa, struct cw_soa_line *l)
{
    size_t i, k;

    if (l->applicable && l->checks_failed &&
        (l->status == CW_IMPL_IMPLEMENTED || l->status == CW_IMPL_PARTIAL))
        flag(soa, l,
             fmt(soa, "Marked %s, but %zu of its automated check results "
                      "fail.",
                 cw_impl_status_name(l->status), l->checks_failed));
    for (i = 0; l->checks_failed && i < l->nrelies; i++)
        flag(soa, l,
             fmt(soa, "Relies on %s for %s, but our own scan shows %zu "
                      "failing check results on this control.",
                 l->relies[i].upstream ? l->relies[i].upstream->name
                                       : "a provider",
                 l->relies[i].part, l->checks_failed));
    if (l->applicable && l->register_findings &&
        (l->status == CW_IMPL_IMPLEMENTED || l->status == CW_IMPL_PARTIAL))
        flag(soa, l,
             fmt(soa, "Marked %s, but its register shows %zu finding%s "
                      "(nonconformity) on this date: 'cloudward registers "
                      "due' lists %s.",
                 cw_impl_status_name(l->status), l->register_findings,
                 l->register_findings == 1 ? "" : "s",
                 l->register_findings == 1 ? "it" : "them"));
    if (l->evidence_stale)
        flag(soa, l,
             fmt(soa, "%zu evidence file%s expired, not yet effective or "
                      "missing.",
                 l->evidence_stale, l->evidence_stale == 1 ? " is" : "s are"));
    if (l->applicable && l->status == CW_IMPL_NOT_APPLICABLE &&
        !l->nrelies)
        flag(soa, l, "Applicable, with no part of its own and no reliance: "
                     "nobody carries it.");
    if (l->applicable)
        return;
    /* An exclusion that a related control which applies needs. */
    for (i = 0; i < soa->n; i++) {
        const struct cw_soa_line *o = &soa->lines[i];
        const struct cw_control *rel[MAX_RELATED];
        size_t m;
        if (!o->applicable)
            continue;
        m = cw_catalogs_related(soa->cats, o->control, rel, MAX_RELATED);
        for (k = 0; k < m && k < MAX_RELATED; k++)
            if (rel[k] == l->control && line_for(soa, rel[k]) == l)
                flag(soa, l,
                     fmt(soa, "Excluded, but %s %s applies and needs it.",
                         o->control->id, o->control->title));
    }
}

static void count(struct cw_soa *soa, const struct cw_soa_line *l)
{
    struct cw_soa_summary *s = &soa->sum;

    s->total++;
    if (l->applicable)
        s->applicable++;
    else
        s->not_applicable++;
    if (l->decided)
        s->decided++;
    s->status[l->status]++;
    if (l->reliance == CW_RELY_NONE)
        s->relies_none++;
    else if (l->reliance == CW_RELY_VALID)
        s->relies_verified++;
    else if (l->reliance == CW_RELY_EXPIRING)
        s->relies_expiring++;
    else
        s->relies_unverified++;
    if (l->flags)
        s->flagged++;
}

static enum cw_status build_lines(struct cw_soa *soa, struct cw_diag *d)
{
    const char *const *names = cw_scope_catalogs(soa->scope);
    size_t i, j, total = 0, n = cw_scope_catalog_count(soa->scope);
    bool in_force;

    for (i = 0; i < cw_catalogs_count(soa->cats); i++) {
        const struct cw_catalog *cat = cw_catalogs_at(soa->cats, i);
        for (j = 0; j < n; j++)
            if (strcmp(names[j], cat->name) == 0)
                total += cat->ncontrols;
    }
    soa->lines = cw__arena_alloc(&soa->arena, (total + 1) * sizeof(*soa->lines));
    if (!soa->lines)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    /* Catalogs come sorted by name, so the order is stable. */
    for (i = 0; i < cw_catalogs_count(soa->cats); i++) {
        const struct cw_catalog *cat = cw_catalogs_at(soa->cats, i);
        for (j = 0, in_force = false; j < n; j++)
            in_force |= strcmp(names[j], cat->name) == 0;
        for (j = 0; in_force && j < cat->ncontrols; j++)
            build_line(soa, &soa->lines[soa->n++], &cat->controls[j]);
    }
    return soa->oom ? cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory")
                    : CW_OK;
}

enum cw_status cw_soa_build(const struct cw_catalogs *cats,
                            const struct cw_scope *scope,
                            const struct cw_soa_options *opt,
                            struct cw_soa **out, struct cw_diag *d)
{
    struct cw_soa *soa;
    enum cw_status st;
    size_t i;

    *out = NULL;
    if (opt && opt->as_of && !cw__date_valid(opt->as_of))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "expected a date YYYY-MM-DD, found '%s'",
                            opt->as_of);
    if (opt && (opt->model < -1 || opt->model >= CW_MODEL_COUNT))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0, "unknown service model");
    soa = cw__calloc(1, sizeof(*soa));
    if (!soa)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    cw__arena_init(&soa->arena, 0);
    soa->cats = cats;
    soa->scope = scope;
    soa->model = opt ? opt->model : -1;
    if (opt && opt->prepared_for &&
        !(soa->prepared_for =
              cw__arena_printf(&soa->arena, "%s", opt->prepared_for))) {
        cw_soa_free(soa);
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (opt && opt->as_of) {
        snprintf(soa->as_of, sizeof(soa->as_of), "%s", opt->as_of);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(soa->as_of, sizeof(soa->as_of), "%Y-%m-%d", &tm);
    }
    add_days(soa->as_of,
             opt && opt->expiring_days > 0 ? opt->expiring_days
                                           : DEFAULT_EXPIRING_DAYS,
             soa->soon);
    st = CW_OK;
    if (opt && opt->decisions_as_recorded) {
        soa->recorded = true;
        st = cw__soa_recorded_load(&soa->arena, cats, scope, opt->store,
                                   soa->as_of, &soa->rec, d);
        soa->sum.unrecorded = soa->rec.unrecorded;
    }
    if (!st)
        st = build_lines(soa, d);
    if (!st && opt && opt->store)
        st = cw__soa_attach_results(&soa->arena, soa->lines, soa->n,
                                    opt->store,
                                    opt->as_recorded ? soa->as_of : NULL,
                                    d);
    if (!st && opt && opt->store)
        st = cw__soa_attach_evidence(&soa->arena, cats, soa->lines, soa->n,
                                     opt->store, soa->as_of,
                                     opt->as_recorded, d);
    if (!st && opt && opt->store)
        st = cw__soa_attach_registers(&soa->arena, soa->lines, soa->n, opt,
                                      soa->as_of, !opt->as_of, d);
    for (i = 0; !st && i < soa->n; i++)
        find_contradictions(soa, &soa->lines[i]);
    if (!st && soa->oom)
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    for (i = 0; !st && i < soa->n; i++)
        count(soa, &soa->lines[i]);
    if (st) {
        cw_soa_free(soa);
        return st;
    }
    *out = soa;
    return CW_OK;
}

void cw_soa_free(struct cw_soa *soa)
{
    if (!soa)
        return;
    cw__arena_release(&soa->arena);
    cw__free(soa);
}

size_t cw_soa_count(const struct cw_soa *soa)
{
    return soa->n;
}

const struct cw_soa_line *cw_soa_line_at(const struct cw_soa *soa, size_t i)
{
    return i < soa->n ? &soa->lines[i] : NULL;
}

const struct cw_soa_summary *cw_soa_get_summary(const struct cw_soa *soa)
{
    return &soa->sum;
}

const struct cw_scope *cw_soa_scope(const struct cw_soa *soa)
{
    return soa->scope;
}

const struct cw_catalogs *cw_soa_catalogs(const struct cw_soa *soa)
{
    return soa->cats;
}

const char *cw_soa_as_of(const struct cw_soa *soa)
{
    return soa->as_of;
}

const char *cw_soa_prepared_for(const struct cw_soa *soa)
{
    return soa->prepared_for;
}

int cw_soa_model(const struct cw_soa *soa)
{
    return soa->model;
}
