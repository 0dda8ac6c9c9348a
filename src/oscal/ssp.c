/*
 * ssp.c - the SoA as an OSCAL system security plan (docs/oscal.md).
 *
 * Our three questions per control map onto OSCAL's by-components of one
 * implemented requirement:
 *   1. its own implementation: the this-system by-component (status,
 *      justification, evidence and checks as props);
 *   2. what it relies on upstream: one by-component per provider relied on,
 *      on that provider's component (a leveraged authorization), with
 *      `inherited` (the part relied on, pointing at the provider's
 *      `provided` UUID) and `satisfied` (the provider's responsibility this
 *      system carries);
 *   3. what it carries for its customers: the this-system by-component's
 *      `export`: `provided` (the provider's part) and `responsibilities`
 *      (the customer's part), which a customer's tool imports
 *      (cw_oscal_import_provider).
 * Provided and responsibility UUIDs are derived from the organisation,
 * catalog and control alone, so a customer's `inherited` written from our
 * JSON matrix points at the same UUID our SSP gives.
 */
#include <stdio.h>
#include <string.h>

#include "oscal_internal.h"

static void uuid_part(char out[37], const char *kind, const char *org,
                      const struct cw_control *c)
{
    cw__oscal_uuid4(out, kind, org, c->catalog, c->id);
}

static const char *oscal_state(enum cw_impl_status s)
{
    switch (s) {
    case CW_IMPL_IMPLEMENTED: return "implemented";
    case CW_IMPL_PARTIAL: return "partial";
    case CW_IMPL_NOT_APPLICABLE: return "not-applicable";
    default: return "planned"; /* planned and not started alike */
    }
}

void cw__oscal_assurance_props(struct jw *w, const struct cw_assurance *a,
                               const char *state)
{
    char buf[1024];
    size_t i, o = 0;
    unsigned m;

    jw_prop(w, "assurance-kind",
            a->kind == CW_ASSURANCE_CERTIFICATE ? "certificate"
                                                : "attestation",
            NULL, false);
    jw_prop(w, "assurance-standard", a->standard, NULL, false);
    jw_prop(w, "assurance-edition", a->edition, NULL, false);
    buf[0] = '\0';
    for (i = 0; i < a->ncovers && o < sizeof(buf); i++)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? " " : "",
                              a->covers[i]);
    jw_prop(w, "assurance-covers", buf, NULL, false);
    jw_prop(w, "assurance-body", a->body, NULL, false);
    jw_prop(w, "assurance-number", a->number, NULL, false);
    jw_prop(w, "assurance-scope", a->scope, NULL, false);
    buf[0] = '\0';
    for (m = 0, o = 0; m < CW_MODEL_COUNT && o < sizeof(buf); m++)
        if (a->models & (1u << m))
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s",
                                  o ? " " : "",
                                  cw_model_name((enum cw_model)m));
    jw_prop(w, "assurance-service-models", buf, NULL, false);
    jw_prop(w, "assurance-issued", a->issued, NULL, false);
    jw_prop(w, "assurance-valid-until", a->valid_until, NULL, false);
    jw_prop(w, "assurance-state", state, NULL, false);
}

static const char *own_state(const struct cw_assurance *a, const char *as_of)
{
    return a->valid_until && strcmp(a->valid_until, as_of) < 0 ? "lapsed"
                                                               : "valid";
}

static void system_characteristics(struct jw *w, const struct cw_soa *soa)
{
    const struct cw_scope *s = cw_soa_scope(soa);
    const char *org = cw_scope_organisation(s);
    const char *stmt = cw_scope_statement(s);
    char slug[256], id[37], desc[1024];
    unsigned m;

    cw__oscal_system_slug(org, slug, sizeof(slug));
    snprintf(desc, sizeof(desc), "The service %s runs, as its scope states.",
             org);
    jw_obj(w, "system-characteristics");
    jw_arr(w, "system-ids");
    jw_obj(w, NULL);
    jw_str(w, "identifier-type", CW_OSCAL_NS);
    jw_str(w, "id", slug);
    jw_end(w);
    jw_end(w);
    jw_str(w, "system-name", org);
    jw_str(w, "description", stmt ? stmt : desc);
    jw_arr(w, "props");
    for (m = 0; m < CW_MODEL_COUNT; m++)
        if (cw_scope_models(s) & (1u << m))
            jw_prop(w, "cloud-service-model", cw_model_name((enum cw_model)m),
                    NULL, true);
    jw_prop(w, "role", cw_role_name(cw_scope_role(s)), NULL, false);
    jw_prop(w, "pii-processor", cw_scope_pii_processor(s) ? "true" : "false",
            NULL, false);
    jw_prop(w, "soa-as-of", cw_soa_as_of(soa), NULL, false);
    jw_end(w);
    jw_obj(w, "system-information");
    jw_arr(w, "information-types");
    cw__oscal_uuid4(id, "information-type", org, "customer-data", NULL);
    jw_obj(w, NULL);
    jw_str(w, "uuid", id);
    jw_str(w, "title", cw_scope_pii_processor(s)
                           ? "Customer data, personal data (PII) included"
                           : "Customer data");
    jw_str(w, "description",
           cw_scope_pii_processor(s)
               ? "Data the service's customers put in it, which holds "
                 "personal data the organisation processes for them as a "
                 "PII processor (ISO/IEC 27018)."
               : "Data the service's customers put in it.");
    jw_end(w);
    jw_end(w);
    jw_end(w);
    jw_obj(w, "status");
    jw_str(w, "state", "operational");
    jw_end(w);
    jw_obj(w, "authorization-boundary");
    jw_str(w, "description", stmt ? stmt : desc);
    jw_end(w);
    jw_end(w);
}

static void upstream_component_uuid(char out[37], const char *org,
                                    const struct cw_upstream *u)
{
    cw__oscal_uuid4(out, "component", org, u->name, NULL);
}

/* `text` ("PREFIX DIR/decisions/x.yaml:5") with the scope's folder taken
 * off the path after `prefix` ("PREFIX decisions/x.yaml:5"): files named
 * relative to the scope, so that the plan says the same wherever it was
 * made from and shows no local path. */
static const char *scope_relative(const struct cw_soa *soa,
                                  const char *prefix, const char *text,
                                  char *buf, size_t n)
{
    const char *scope = cw_scope_path(cw_soa_scope(soa));
    const char *slash = scope ? strrchr(scope, '/') : NULL;
    size_t dir = slash ? (size_t)(slash - scope) + 1 : 0;
    size_t pre = strlen(prefix);

    if (!text || strncmp(text, prefix, pre) != 0 || !dir ||
        strncmp(text + pre, scope, dir) != 0)
        return text;
    snprintf(buf, n, "%s%s", prefix, text + pre + dir);
    return buf;
}

static void system_implementation(struct jw *w, const struct cw_soa *soa)
{
    const struct cw_scope *s = cw_soa_scope(soa);
    const char *org = cw_scope_organisation(s);
    size_t i, k;
    char id[37], party_id[37], desc[1024];

    jw_obj(w, "system-implementation");
    jw_arr(w, "leveraged-authorizations");
    for (i = 0; i < cw_scope_upstream_count(s); i++) {
        const struct cw_upstream *u = cw_scope_upstream(s, i);
        for (k = 0; k < u->nassurance; k++) {
            const struct cw_assurance *a = &u->assurance[k];
            char title[600];
            if (!a->issued)
                continue; /* OSCAL needs its date */
            cw__oscal_uuid4(id, "leveraged-authorization", org, u->name,
                            a->number ? a->number : "");
            cw__oscal_uuid4(party_id, "party", u->name, NULL, NULL);
            snprintf(title, sizeof(title), "%s: %s%s%s%s%s", u->name,
                     a->standard ? a->standard : "assurance",
                     a->edition ? ":" : "", a->edition ? a->edition : "",
                     a->number ? " " : "", a->number ? a->number : "");
            jw_obj(w, NULL);
            jw_str(w, "uuid", id);
            jw_str(w, "title", title);
            jw_arr(w, "props");
            jw_prop(w, "provider", u->name, NULL, false);
            cw__oscal_assurance_props(w, a,
                                      own_state(a, cw_soa_as_of(soa)));
            jw_end(w);
            jw_str(w, "party-uuid", party_id);
            jw_str(w, "date-authorized", a->issued);
            jw_end(w);
        }
    }
    jw_end(w);
    jw_arr(w, "users");
    cw__oscal_uuid4(id, "user", org, "staff", NULL);
    jw_obj(w, NULL);
    jw_str(w, "uuid", id);
    snprintf(desc, sizeof(desc), "Staff of %s", org);
    jw_str(w, "title", desc);
    jw_str(w, "description", "The people who run the service; their roles "
                             "are the owners the SoA names.");
    jw_end(w);
    jw_end(w);
    jw_arr(w, "components");
    cw__oscal_uuid4(id, "component", org, "this-system", NULL);
    jw_obj(w, NULL);
    jw_str(w, "uuid", id);
    jw_str(w, "type", "this-system");
    jw_str(w, "title", org);
    jw_str(w, "description", cw_scope_statement(s)
                                 ? cw_scope_statement(s)
                                 : "The system this plan describes.");
    jw_obj(w, "status");
    jw_str(w, "state", "operational");
    jw_end(w);
    jw_end(w);
    for (i = 0; i < cw_scope_upstream_count(s); i++) {
        const struct cw_upstream *u = cw_scope_upstream(s, i);
        upstream_component_uuid(id, org, u);
        snprintf(desc, sizeof(desc),
                 "%s, an upstream provider whose %s service this system "
                 "runs on; what it is relied on for is inherited below.",
                 u->name, cw_model_name(u->model));
        jw_obj(w, NULL);
        jw_str(w, "uuid", id);
        jw_str(w, "type", "service");
        jw_str(w, "title", u->name);
        jw_str(w, "description", desc);
        jw_arr(w, "props");
        jw_prop(w, "cloud-service-model", cw_model_name(u->model), NULL,
                true);
        for (k = 0; k < u->nassurance; k++) {
            char la[37];
            if (!u->assurance[k].issued)
                continue;
            cw__oscal_uuid4(la, "leveraged-authorization", org, u->name,
                            u->assurance[k].number ? u->assurance[k].number
                                                   : "");
            jw_prop(w, "leveraged-authorization-uuid", la, NULL, true);
        }
        {
            char rel[4096];
            jw_prop(w, "matrix", scope_relative(soa, "", u->matrix, rel,
                                                sizeof(rel)),
                    NULL, false);
        }
        jw_end(w);
        jw_obj(w, "status");
        jw_str(w, "state", "operational");
        jw_end(w);
        jw_end(w);
    }
    jw_end(w);
    jw_end(w);
}

/* The export of the line: what its customers are given. */
static void export_out(struct jw *w, const char *org,
                       const struct cw_soa_line *l)
{
    char pid[37], rid[37];
    bool prov = l->responsibility == CW_RESP_PROVIDER ||
                l->responsibility == CW_RESP_SPLIT ||
                l->responsibility == CW_RESP_EACH;
    bool cust = l->responsibility == CW_RESP_CUSTOMER ||
                l->responsibility == CW_RESP_SPLIT ||
                l->responsibility == CW_RESP_EACH;

    if (l->responsibility == CW_RESP_NONE)
        return;
    prov = prov && l->provider_duty;
    cust = cust && l->customer_duty;
    uuid_part(pid, "provided", org, l->control);
    uuid_part(rid, "responsibility", org, l->control);
    jw_obj(w, "export");
    /* A customer-carried line may still say what the provider does for
     * its own side: the export's description, as words. */
    if (!prov && l->provider_duty)
        jw_str(w, "description", l->provider_duty);
    jw_arr(w, "props");
    jw_prop(w, "responsibility", cw_resp_name(l->responsibility), NULL,
            false);
    jw_end(w);
    jw_arr(w, "provided");
    if (prov) {
        jw_obj(w, NULL);
        jw_str(w, "uuid", pid);
        jw_str(w, "description", l->provider_duty);
        jw_arr(w, "props");
        jw_prop(w, "part", l->part, NULL, false);
        jw_end(w);
        jw_end(w);
    }
    jw_end(w);
    jw_arr(w, "responsibilities");
    if (cust) {
        jw_obj(w, NULL);
        jw_str(w, "uuid", rid);
        if (prov && l->responsibility == CW_RESP_SPLIT)
            jw_str(w, "provided-uuid", pid);
        jw_str(w, "description", l->customer_duty);
        jw_end(w);
    }
    jw_end(w);
    /* A provider-carried line may still say what the customer does (or
     * that it has nothing to do): words for people, not a duty. */
    if (!cust && l->customer_duty)
        jw_str(w, "remarks", l->customer_duty);
    jw_end(w);
}

static void reliance_out(struct jw *w, const char *org,
                         const struct cw_soa_line *l,
                         const struct cw_soa_reliance *x)
{
    const struct cw_upstream *u = x->upstream;
    const struct cw_matrix_row *row = x->row;
    char id[37], ref[37], desc[2048];

    if (!u)
        return;
    upstream_component_uuid(id, org, u);
    jw_obj(w, NULL);
    jw_str(w, "component-uuid", id);
    {
        const char *parts[] = { "by-component", org, u->name,
                                l->control->catalog, l->control->id, NULL };
        cw__oscal_uuid(id, parts);
    }
    jw_str(w, "uuid", id);
    snprintf(desc, sizeof(desc), "Relies on %s for %s (%s).", u->name,
             x->part ? x->part : "its part",
             cw_rely_state_name(x->state));
    jw_str(w, "description", desc);
    jw_arr(w, "props");
    jw_prop(w, "reliance-state", cw_rely_state_name(x->state), x->reason,
            false);
    jw_end(w);
    jw_arr(w, "inherited");
    {
        const char *parts[] = { "inherited", org, u->name, l->control->catalog,
                                l->control->id, NULL };
        cw__oscal_uuid(id, parts);
    }
    jw_obj(w, NULL);
    jw_str(w, "uuid", id);
    if (row && (row->responsibility == CW_RESP_PROVIDER ||
                row->responsibility == CW_RESP_SPLIT)) {
        uuid_part(ref, "provided", u->name, l->control);
        jw_str(w, "provided-uuid", ref);
    }
    jw_str(w, "description", x->part ? x->part : desc);
    jw_end(w);
    jw_end(w);
    jw_arr(w, "satisfied");
    if (row && row->customer_duty &&
        (row->responsibility == CW_RESP_SPLIT ||
         row->responsibility == CW_RESP_CUSTOMER)) {
        const char *parts[] = { "satisfied", org, u->name,
                                l->control->catalog, l->control->id, NULL };
        cw__oscal_uuid(id, parts);
        uuid_part(ref, "responsibility", u->name, l->control);
        jw_obj(w, NULL);
        jw_str(w, "uuid", id);
        jw_str(w, "responsibility-uuid", ref);
        snprintf(desc, sizeof(desc), "%s carries the customer's part %s "
                 "names: %s", org, u->name, row->customer_duty);
        jw_str(w, "description", desc);
        jw_end(w);
    }
    jw_end(w);
    jw_end(w);
}

static void requirement_out(struct jw *w, const struct cw_soa *soa,
                            const struct cw_soa_line *l)
{
    char why[1024];
    const char *org = cw_scope_organisation(cw_soa_scope(soa));
    const struct cw_control *c = l->control;
    char id[37], cid[200], desc[4096];
    size_t i;

    uuid_part(id, "implemented-requirement", org, c);
    jw_obj(w, NULL);
    jw_str(w, "uuid", id);
    jw_str(w, "control-id", cw__oscal_control_id(c->catalog, c->id, cid,
                                                 sizeof(cid)));
    jw_arr(w, "props");
    jw_prop(w, "label", c->id, NULL, true);
    jw_prop(w, "catalog", c->catalog, NULL, false);
    jw_prop(w, "applicable", l->applicable ? "true" : "false",
            l->applicable ? NULL : l->justification, false);
    jw_prop(w, "source", l->source, NULL, false);
    jw_prop(w, "status", cw_impl_status_name(l->status), NULL, false);
    jw_prop(w, "owner", l->owner, NULL, false);
    jw_prop(w, "reliance", cw_rely_state_name(l->reliance), NULL, false);
    jw_prop(w, "decided", l->decided ? "true" : "false",
            scope_relative(soa, "decision ", l->why, why, sizeof(why)),
            false);
    if (l->flags)
        jw_prop(w, "flag", "contradiction", l->flags, false);
    jw_end(w);
    jw_arr(w, "by-components");
    cw__oscal_uuid4(id, "component", org, "this-system", NULL);
    jw_obj(w, NULL);
    jw_str(w, "component-uuid", id);
    uuid_part(id, "by-component", org, c);
    jw_str(w, "uuid", id);
    snprintf(desc, sizeof(desc), "%s%s",
             l->justification ? l->justification
                              : (l->applicable ? "Applicable; no "
                                                 "justification recorded."
                                               : "Not applicable."),
             "");
    jw_str(w, "description", desc);
    jw_arr(w, "props");
    jw_prop(w, "evidence", l->evidence ? "recorded" : NULL, l->evidence,
            false);
    jw_prop(w, "checks", l->checks ? (l->checks_failed ? "failing"
                                                       : "passing")
                                   : NULL,
            l->checks, false);
    jw_end(w);
    jw_obj(w, "implementation-status");
    jw_str(w, "state", oscal_state(l->status));
    if (l->status == CW_IMPL_NOT_STARTED)
        jw_str(w, "remarks", "Not started: no work is planned yet.");
    jw_end(w);
    export_out(w, org, l);
    jw_end(w);
    for (i = 0; i < l->nrelies; i++)
        reliance_out(w, org, l, &l->relies[i]);
    jw_end(w);
    jw_str(w, "remarks", l->notes);
    jw_end(w);
}

enum cw_status cw__oscal_ssp(const struct cw_oscal_input *in, struct jw *w,
                             struct cw_diag *d)
{
    const struct cw_soa *soa = in->soa;
    const struct cw_scope *s = cw_soa_scope(soa);
    const struct cw_document *doc = cw_scope_document(s);
    const struct cw_assurance *own;
    size_t i, n;
    char title[600], id[37];
    (void)d;

    snprintf(title, sizeof(title), "%s: system security plan",
             cw_scope_organisation(s));
    cw__oscal_begin(w, "system-security-plan", title, in->last_modified,
                       doc ? doc->version : NULL);
    jw_arr(w, "parties");
    cw__oscal_party(w, cw_scope_organisation(s));
    for (i = 0; i < cw_scope_upstream_count(s); i++)
        cw__oscal_party(w, cw_scope_upstream(s, i)->name);
    jw_end(w);
    if (doc && doc->approver)
        jw_strf(w, "remarks", "Approved by %s on %s.", doc->approver,
                doc->approved ? doc->approved : "(no date)");
    jw_end(w); /* metadata */
    {
        char file[64];
        jw_obj(w, "import-profile");
        jw_str(w, "href", cw_oscal_file_name(CW_OSCAL_PROFILE, NULL, file,
                                             sizeof(file)));
        jw_end(w);
    }
    system_characteristics(w, soa);
    system_implementation(w, soa);
    jw_obj(w, "control-implementation");
    jw_str(w, "description",
           "One requirement per control of the Statement of Applicability. "
           "The this-system by-component is the organisation's own "
           "implementation and, in its export, what it provides to its "
           "customers and leaves to them; a provider's by-component is "
           "what the organisation inherits from it.");
    jw_arr(w, "implemented-requirements");
    for (i = 0; i < cw_soa_count(soa); i++)
        requirement_out(w, soa, cw_soa_line_at(soa, i));
    jw_end(w);
    jw_end(w);
    own = cw_scope_assurance(s, &n);
    if (n) {
        jw_obj(w, "back-matter");
        jw_arr(w, "resources");
        for (i = 0; i < n; i++) {
            cw__oscal_uuid4(id, "assurance", cw_scope_organisation(s),
                            own[i].number ? own[i].number : "", NULL);
            jw_obj(w, NULL);
            jw_str(w, "uuid", id);
            jw_strf(w, "title", "%s's %s%s%s", cw_scope_organisation(s),
                    own[i].standard ? own[i].standard : "assurance",
                    own[i].number ? " " : "",
                    own[i].number ? own[i].number : "");
            jw_arr(w, "props");
            jw_prop(w, "assurance-of", "this-system", NULL, false);
            cw__oscal_assurance_props(w, &own[i],
                                      own_state(&own[i], cw_soa_as_of(soa)));
            jw_end(w);
            jw_end(w);
        }
        jw_end(w);
        jw_end(w);
    }
    jw_end(w);
    jw_end(w);
    return CW_OK;
}
