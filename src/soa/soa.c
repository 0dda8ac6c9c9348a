/*
 * soa.c - the applicability engine.
 *
 * For every control of every catalog in force:
 *   1. the cloud and PII guidance that catalogs in force add to it is
 *      gathered (27017 for provider/customer duties, 27018 for PII);
 *   2. a default is computed from role x service model x PII processing x
 *      upstream providers: whoever operates the control's layer carries it
 *      (data/rules/responsibility.yaml), a layer an upstream provider runs
 *      is inherited from it (per control from its published matrix when it
 *      has one), and 27018 Annex A applies only to a PII processor;
 *   3. a decision, when there is one, overrides the default field by field.
 * Each line records why in one string, so every figure a user sees can be
 * traced back to a rule or to a decision's FILE:LINE.
 *
 * Strings built here live in the arena of the struct cw_soa.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cloudward/cw_soa.h>

#include "../core/core.h"
#include "soa_internal.h"

struct cw_soa {
    struct cw__arena arena;
    const struct cw_catalogs *cats;
    const struct cw_scope *scope;
    struct cw_soa_line *lines;
    size_t n;
    struct cw_soa_summary sum;
    char as_of[11];
    int model;
};

/* Who carries `c` in model `m`: the control's own override, else its layer. */
static enum cw_resp resp_for(const struct cw_catalogs *cats,
                             const struct cw_control *c, enum cw_model m)
{
    if (c->resp_override[m] != CW_RESP_NONE)
        return c->resp_override[m];
    return cw_catalogs_layer_resp(cats, c->layer, m);
}

/* The responsibility over a set of models: the common value, or shared
 * when the models disagree. */
static enum cw_resp resp_over(const struct cw_catalogs *cats,
                              const struct cw_control *c, unsigned mask)
{
    enum cw_resp r = CW_RESP_NONE;
    unsigned m;

    for (m = 0; m < CW_MODEL_COUNT; m++) {
        enum cw_resp x;
        if (!(mask & (1u << m)))
            continue;
        x = resp_for(cats, c, (enum cw_model)m);
        if (r == CW_RESP_NONE)
            r = x;
        else if (r != x)
            r = CW_RESP_SHARED;
    }
    return r == CW_RESP_NONE ? CW_RESP_SHARED : r;
}

static void gather_guidance(const struct cw_soa *soa, const struct cw_control *c,
                            struct cw_soa_line *l)
{
    const char *const *names = cw_scope_catalogs(soa->scope);
    size_t i, n = cw_scope_catalog_count(soa->scope);

    l->provider_duty = c->provider;
    l->customer_duty = c->customer;
    for (i = 0; i < n; i++) {
        const struct cw_catalog *cat = cw_catalogs_find(soa->cats, names[i]);
        const struct cw_control *g;
        if (!cat || !cat->base || strcmp(cat->base, c->catalog) != 0)
            continue;
        g = cw_catalog_guidance(cat, c->id);
        if (!g)
            continue;
        if (g->provider && !l->provider_duty)
            l->provider_duty = g->provider;
        if (g->customer && !l->customer_duty)
            l->customer_duty = g->customer;
        if (g->pii && !l->pii_guidance)
            l->pii_guidance = g->pii;
    }
    if (!l->provider_duty)
        l->provider_duty = cw_catalogs_layer_duty(soa->cats, c->layer, false);
    if (!l->customer_duty)
        l->customer_duty = cw_catalogs_layer_duty(soa->cats, c->layer, true);
}

/* How much of `c` an upstream provider carries: its published matrix row
 * when it has one, else the layer rule for the model bought from it. */
static enum cw_resp upstream_resp(const struct cw_catalogs *cats,
                                  const struct cw_upstream *u,
                                  const struct cw_control *c, bool *from_matrix)
{
    size_t i;

    *from_matrix = false;
    for (i = 0; i < u->nrows; i++) {
        if (u->rows[i].control == c) {
            *from_matrix = true;
            return u->rows[i].responsibility;
        }
    }
    return resp_for(cats, c, u->model);
}

struct coverage {
    const struct cw_upstream *u; /* NULL: an unnamed provider */
    enum cw_resp resp;           /* provider: fully; shared: partly */
    enum cw_model model;
    bool from_matrix;
};

/* The upstream that carries the most of `c`: a provider-side row wins over
 * a shared one; the first listed provider wins among equals. */
static struct coverage upstream_coverage(const struct cw_soa *soa,
                                         const struct cw_control *c)
{
    struct coverage best = { NULL, CW_RESP_CUSTOMER, CW_MODEL_IAAS, false };
    size_t i, n = cw_scope_upstream_count(soa->scope);
    unsigned m;

    for (i = 0; i < n; i++) {
        const struct cw_upstream *u = cw_scope_upstream(soa->scope, i);
        bool fm;
        enum cw_resp r = upstream_resp(soa->cats, u, c, &fm);
        if (r == CW_RESP_PROVIDER ||
            (r == CW_RESP_SHARED && best.resp == CW_RESP_CUSTOMER)) {
            best = (struct coverage){ u, r, u->model, fm };
            if (r == CW_RESP_PROVIDER)
                return best;
        }
    }
    /* A customer that names no provider still consumes its models. */
    if (n || cw_scope_role(soa->scope) != CW_ROLE_CUSTOMER)
        return best;
    for (m = 0; m < CW_MODEL_COUNT; m++) {
        enum cw_resp r;
        if (!(cw_scope_models(soa->scope) & (1u << m)))
            continue;
        r = resp_for(soa->cats, c, (enum cw_model)m);
        if (r == CW_RESP_PROVIDER ||
            (r == CW_RESP_SHARED && best.resp == CW_RESP_CUSTOMER))
            best = (struct coverage){ NULL, r, (enum cw_model)m, false };
    }
    return best;
}

static const char *models_text(struct cw_soa *soa, unsigned mask)
{
    char buf[32] = "";
    size_t used = 0;
    unsigned m;

    for (m = 0; m < CW_MODEL_COUNT; m++) {
        int w;
        if (!(mask & (1u << m)))
            continue;
        w = snprintf(buf + used, sizeof(buf) - used, "%s%s", used ? "+" : "",
                     cw_model_name((enum cw_model)m));
        if (w > 0 && (size_t)w < sizeof(buf) - used)
            used += (size_t)w;
    }
    return cw__arena_strdup(&soa->arena, buf);
}

static bool default_pii(struct cw_soa *soa, struct cw_soa_line *l)
{
    enum cw_role role = cw_scope_role(soa->scope);

    if (role == CW_ROLE_CUSTOMER) {
        l->applicable = false;
        l->responsibility = CW_RESP_PROVIDER;
        l->why = "rule pii-customer: 27018 Annex A binds the PII processor, "
                 "not its customer";
        l->justification = "These are duties of the provider as PII "
                           "processor; the organisation, as controller, "
                           "checks them through the provider's attestation.";
        return true;
    }
    if (!cw_scope_pii_processor(soa->scope)) {
        l->applicable = false;
        l->responsibility = CW_RESP_PROVIDER;
        l->why = "rule pii-none: the scope says pii_processor: false";
        l->justification = "The service does not process personal data on "
                           "behalf of its customers.";
        return true;
    }
    return false;
}

/* Fills the default of one line; returns false on out of memory. */
static bool default_line(struct cw_soa *soa, struct cw_soa_line *l)
{
    const struct cw_control *c = l->control;
    enum cw_role role = cw_scope_role(soa->scope);
    unsigned mask = soa->model >= 0 ? 1u << soa->model
                                    : cw_scope_models(soa->scope);
    const char *layer = cw_layer_name(c->layer);
    const char *who;
    struct coverage cov;

    l->applicable = true;
    l->status = "not-assessed";
    if (c->layer == CW_LAYER_PII && default_pii(soa, l))
        return true;
    cov = upstream_coverage(soa, c);
    who = cov.u ? cov.u->name : "the cloud service provider";
    if (role == CW_ROLE_CUSTOMER)
        l->responsibility = cov.resp;
    else
        l->responsibility = resp_over(soa->cats, c, mask);
    if (cov.resp == CW_RESP_CUSTOMER) {
        l->why = cw__arena_printf(
            &soa->arena, "rule own-%s: the organisation runs the %s layer (%s %s)",
            layer, layer, cw_role_name(role), models_text(soa, mask));
        l->justification = cw__arena_printf(
            &soa->arena,
            "The organisation operates the %s layer of its service itself.",
            layer);
        return l->why && l->justification;
    }
    l->inherited_from = cov.u;
    if (cov.resp == CW_RESP_PROVIDER)
        l->status = "inherited";
    l->why = cw__arena_printf(
        &soa->arena, "rule %s-%s: %s %s the %s layer (%s, %s)",
        cov.resp == CW_RESP_PROVIDER ? "inherit" : "share", layer, who,
        cov.resp == CW_RESP_PROVIDER ? "runs" : "shares", layer,
        cw_model_name(cov.model),
        cov.from_matrix ? "its published matrix" : "layer rule");
    if (cov.u && cov.u->certificate)
        l->justification = cw__arena_printf(
            &soa->arena, "%s by %s under %s (expires %s).",
            cov.resp == CW_RESP_PROVIDER ? "Carried out" : "Carried out in part",
            who, cov.u->certificate, cov.u->expires);
    else
        l->justification = cw__arena_printf(
            &soa->arena, "%s by %s, which declares no certificate.",
            cov.resp == CW_RESP_PROVIDER ? "Carried out" : "Carried out in part",
            who);
    return l->why && l->justification;
}

static bool apply_decision(struct cw_soa *soa, struct cw_soa_line *l,
                           const struct cw_decision *dc)
{
    l->applicable = dc->applicable;
    if (dc->justification)
        l->justification = dc->justification;
    if (dc->source)
        l->source = dc->source;
    if (dc->status)
        l->status = dc->status;
    if (dc->owner)
        l->owner = dc->owner;
    if (dc->responsibility != CW_RESP_NONE)
        l->responsibility = dc->responsibility;
    if (dc->notes)
        l->notes = dc->notes;
    if (dc->evidence)
        l->evidence = dc->evidence;
    if (!dc->applicable) {
        l->inherited_from = NULL;
        if (strcmp(l->status, "inherited") == 0)
            l->status = "not-assessed";
    }
    l->why = cw__arena_printf(&soa->arena, "decision %s:%u", dc->file,
                              dc->line);
    return l->why != NULL;
}

static void count(struct cw_soa *soa, const struct cw_soa_line *l, bool dec)
{
    struct cw_soa_summary *s = &soa->sum;

    s->total++;
    if (l->applicable)
        s->applicable++;
    else
        s->not_applicable++;
    if (l->inherited_from || strcmp(l->status, "inherited") == 0)
        s->inherited++;
    if (l->certificate_expired)
        s->expired++;
    if (dec)
        s->decided++;
    if (strcmp(l->status, "implemented") == 0)
        s->implemented++;
    if (strcmp(l->status, "not-assessed") == 0)
        s->not_assessed++;
}

static enum cw_status build_lines(struct cw_soa *soa, struct cw_diag *d)
{
    size_t i, j, total = 0;

    for (i = 0; i < cw_catalogs_count(soa->cats); i++) {
        const struct cw_catalog *cat = cw_catalogs_at(soa->cats, i);
        for (j = 0; j < cw_scope_catalog_count(soa->scope); j++)
            if (strcmp(cw_scope_catalogs(soa->scope)[j], cat->name) == 0)
                total += cat->ncontrols;
    }
    soa->lines = cw__arena_alloc(&soa->arena, (total + 1) * sizeof(*soa->lines));
    if (!soa->lines)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    /* Catalogs come sorted by name, so the order is stable. */
    for (i = 0; i < cw_catalogs_count(soa->cats); i++) {
        const struct cw_catalog *cat = cw_catalogs_at(soa->cats, i);
        bool in_force = false;
        for (j = 0; j < cw_scope_catalog_count(soa->scope); j++)
            in_force |= strcmp(cw_scope_catalogs(soa->scope)[j], cat->name) == 0;
        for (j = 0; in_force && j < cat->ncontrols; j++) {
            struct cw_soa_line *l = &soa->lines[soa->n++];
            const struct cw_decision *dc;
            l->control = &cat->controls[j];
            gather_guidance(soa, l->control, l);
            if (!default_line(soa, l))
                return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
            dc = cw_scope_find_decision(soa->scope, l->control);
            if (dc && !apply_decision(soa, l, dc))
                return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
            l->certificate_expired = l->applicable && l->inherited_from &&
                                     l->inherited_from->expires &&
                                     strcmp(l->inherited_from->expires,
                                            soa->as_of) < 0;
            count(soa, l, dc != NULL);
        }
    }
    return CW_OK;
}

enum cw_status cw_soa_build(const struct cw_catalogs *cats,
                            const struct cw_scope *scope,
                            const struct cw_soa_options *opt,
                            struct cw_soa **out, struct cw_diag *d)
{
    struct cw_soa *soa;
    enum cw_status st;

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
    if (opt && opt->as_of) {
        snprintf(soa->as_of, sizeof(soa->as_of), "%s", opt->as_of);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(soa->as_of, sizeof(soa->as_of), "%Y-%m-%d", &tm);
    }
    st = build_lines(soa, d);
    if (!st && opt && opt->store)
        st = cw__soa_attach_results(&soa->arena, soa->lines, soa->n,
                                    opt->store, d);
    if (!st && opt && opt->store)
        st = cw__soa_attach_evidence(&soa->arena, soa->lines, soa->n,
                                     opt->store, soa->as_of, d);
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

const char *cw_soa_as_of(const struct cw_soa *soa)
{
    return soa->as_of;
}

int cw_soa_model(const struct cw_soa *soa)
{
    return soa->model;
}
