/*
 * import.c - a provider's OSCAL export made into the responsibility matrix
 * a scope names for it (cw_oscal_import_provider).
 *
 * From a system security plan: each implemented requirement's this-system
 * by-component gives the row: `export.provided` is the provider's part
 * (its `part` prop what a customer may rely on), `export.responsibilities`
 * the customer's, the `responsibility` prop who carries it (else: both
 * named is split, provided alone provider, responsibilities alone
 * customer); its implementation-status and our `applicable`/`status`
 * props the provider's own state. Every other by-component is a reliance
 * of the provider (a chain link): its component's title names the
 * provider, `inherited` the part, the `reliance-state` prop its state, the
 * component's leveraged authorization its certificate. Back-matter
 * resources marked `assurance-of: this-system` are the provider's own
 * certificates. Our props are read when present and not needed otherwise:
 * an SSP from another tool imports with what OSCAL itself says.
 *
 * From a component-definition (which has no export in OSCAL 1.0.6): each
 * control a component implements is carried by the provider, its
 * description the provider's part.
 */
#include <stdio.h>
#include <string.h>

#include "../parse/node.h"
#include "oscal_internal.h"

#define IMPORT_FILE_MAX ((size_t)256 << 20)

struct imp {
    const struct cw_catalogs *cats;
    const struct cw_control **seen; /* controls imported so far */
    const struct cw__node **seen_at;
    const char *file;
    const struct cw__node *root;   /* the model's object */
    const struct cw__node *comps;  /* system-implementation.components */
    const struct cw__node *las;    /* leveraged-authorizations */
    const char *this_system;       /* its component UUID */
    struct jw *w;
    size_t rows;
    struct cw_diag *d;
};

static const struct cw__node *seq(const struct cw__node *m, const char *key)
{
    const struct cw__node *v = cw__node_get(m, key);
    return v && v->kind == CW__NODE_SEQ ? v : NULL;
}

/* Prop `name` of m.props (ours or OSCAL's), or NULL. */
static const struct cw__node *prop_node(const struct cw__node *m,
                                        const char *name)
{
    const struct cw__node *ps = seq(m, "props");
    size_t i;

    for (i = 0; ps && i < ps->n; i++) {
        const char *n = cw__node_str(ps->kids[i], "name");
        if (n && strcmp(n, name) == 0)
            return ps->kids[i];
    }
    return NULL;
}

/* The value of prop `name` in m.props, and its remarks. */
static const char *prop(const struct cw__node *m, const char *name,
                        const char **remarks)
{
    const struct cw__node *p = prop_node(m, name);

    if (remarks)
        *remarks = p ? cw__node_str(p, "remarks") : NULL;
    return p ? cw__node_str(p, "value") : NULL;
}

static const struct cw__node *by_uuid(const struct cw__node *list,
                                      const char *uuid)
{
    size_t i;
    for (i = 0; list && uuid && i < list->n; i++) {
        const char *u = cw__node_str(list->kids[i], "uuid");
        if (u && strcmp(u, uuid) == 0)
            return list->kids[i];
    }
    return NULL;
}

static enum cw_status bad(struct imp *im, const struct cw__node *at,
                          const char *what)
{
    return cw__diag_set(im->d, CW_ESCHEMA, im->file, at ? at->line : 0,
                        at ? at->col : 0, "%s", what);
}

/* Our catalog name and control id of an implemented requirement: the
 * catalog/label props, else its control-id split at the first '_' with
 * the slug matched to a loaded catalog. */
static enum cw_status control_of(struct imp *im, const struct cw__node *ir,
                                 const struct cw_control **out)
{
    const char *catalog = prop(ir, "catalog", NULL);
    const char *label = prop(ir, "label", NULL);
    const char *cid = cw__node_str(ir, "control-id");
    const struct cw__node *at = cw__node_get(ir, "control-id");
    const struct cw_catalog *cat = NULL;
    char msg[600];
    size_t i;

    if (!cid)
        return bad(im, ir, "an implemented requirement without a "
                           "control-id");
    if (catalog && label) {
        char want[200];
        cat = cw_catalogs_find(im->cats, catalog);
        *out = cat ? cw_catalog_control(cat, label) : NULL;
        /* The props name the control as we wrote it; the control-id is
         * what other tools read: the two must agree. */
        if (*out && strcmp(cid, cw__oscal_control_id(catalog, label, want,
                                                     sizeof(want))) != 0) {
            snprintf(msg, sizeof(msg),
                     "control-id '%s' is not the control its catalog and "
                     "label props name (%s %s, '%s')",
                     cid, catalog, label, want);
            return bad(im, at, msg);
        }
    } else {
        const char *us = strchr(cid, '_');
        *out = NULL;
        for (i = 0; us && i < cw_catalogs_count(im->cats) && !*out; i++) {
            char slug[128];
            cat = cw_catalogs_at(im->cats, i);
            cw__oscal_slug(cat->name, slug, sizeof(slug));
            if (strlen(slug) == (size_t)(us - cid) &&
                strncmp(slug, cid, (size_t)(us - cid)) == 0)
                *out = cw_catalog_control(cat, us + 1);
        }
    }
    if (*out)
        return CW_OK;
    snprintf(msg, sizeof(msg),
             "control '%s' is in none of the catalogs loaded (expected ids "
             "as cloudward writes them, such as iso27017-2015_CLD.6.3.1, or "
             "catalog and label props)",
             cid);
    return bad(im, at, msg);
}

/* An assurance object from the assurance-* props of `m`. */
static void assurance_out(struct jw *w, const struct cw__node *m)
{
    const char *covers = prop(m, "assurance-covers", NULL);
    const char *models = prop(m, "assurance-service-models", NULL);
    char buf[1024];

    jw_obj(w, NULL);
    jw_str(w, "kind", prop(m, "assurance-kind", NULL)
                          ? prop(m, "assurance-kind", NULL)
                          : "certificate");
    jw_str(w, "standard", prop(m, "assurance-standard", NULL));
    jw_str(w, "edition", prop(m, "assurance-edition", NULL));
    jw_arr(w, "covers");
    while (covers && *covers) {
        const char *sp = strchr(covers, ' ');
        size_t len = sp ? (size_t)(sp - covers) : strlen(covers);
        snprintf(buf, sizeof(buf), "%.*s", (int)len, covers);
        jw_str(w, NULL, buf);
        covers = sp ? sp + 1 : NULL;
    }
    jw_end(w);
    jw_str(w, "body", prop(m, "assurance-body", NULL));
    jw_str(w, "number", prop(m, "assurance-number", NULL));
    jw_str(w, "scope", prop(m, "assurance-scope", NULL));
    jw_arr(w, "service_models");
    while (models && *models) {
        const char *sp = strchr(models, ' ');
        size_t len = sp ? (size_t)(sp - models) : strlen(models);
        snprintf(buf, sizeof(buf), "%.*s", (int)len, models);
        jw_str(w, NULL, buf);
        models = sp ? sp + 1 : NULL;
    }
    jw_end(w);
    jw_str(w, "issued", prop(m, "assurance-issued", NULL)
                            ? prop(m, "assurance-issued", NULL)
                            : cw__node_str(m, "date-authorized"));
    jw_str(w, "valid_until", prop(m, "assurance-valid-until", NULL));
    jw_str(w, "state", prop(m, "assurance-state", NULL));
    jw_end(w);
}

static const char *desc_of(const struct cw__node *list)
{
    return list && list->n ? cw__node_str(list->kids[0], "description")
                           : NULL;
}

/* One chain link from a by-component on another component. */
static void link_out(struct imp *im, const struct cw__node *bc)
{
    const struct cw__node *comp =
        by_uuid(im->comps, cw__node_str(bc, "component-uuid"));
    const char *reason, *state = prop(bc, "reliance-state", &reason);
    const struct cw__node *ps = comp ? seq(comp, "props") : NULL;
    size_t i;
    bool any = false;

    jw_obj(im->w, NULL);
    jw_str(im->w, "provider", comp && cw__node_str(comp, "title")
                                  ? cw__node_str(comp, "title")
                                  : "(unnamed provider)");
    jw_str(im->w, "part", desc_of(seq(bc, "inherited"))
                              ? desc_of(seq(bc, "inherited"))
                              : cw__node_str(bc, "description"));
    jw_str(im->w, "state", state);
    jw_str(im->w, "reason", reason);
    for (i = 0; ps && i < ps->n; i++) {
        const char *n = cw__node_str(ps->kids[i], "name");
        const struct cw__node *la;
        if (!n || strcmp(n, "leveraged-authorization-uuid") != 0)
            continue;
        la = by_uuid(im->las, cw__node_str(ps->kids[i], "value"));
        if (!la)
            continue;
        if (!any)
            jw_arr(im->w, "assurance");
        any = true;
        assurance_out(im->w, la);
    }
    if (any)
        jw_end(im->w);
    jw_end(im->w);
}

static enum cw_status row_out(struct imp *im, const struct cw__node *ir)
{
    const struct cw_control *c;
    const struct cw__node *bcs = seq(ir, "by-components"), *own = NULL;
    const struct cw__node *exp = NULL, *prov = NULL, *resp = NULL;
    const char *responsibility, *status, *applicable, *state = NULL;
    enum cw_status st;
    size_t i;
    bool any = false;

    if ((st = control_of(im, ir, &c)))
        return st;
    for (i = 0; i < im->rows; i++)
        if (im->seen[i] == c) {
            char msg[300];
            snprintf(msg, sizeof(msg),
                     "a second requirement for %s %s (the first at line "
                     "%u): a provider says one thing per control",
                     c->catalog, c->id, im->seen_at[i]->line);
            return bad(im, cw__node_get(ir, "control-id"), msg);
        }
    im->seen[im->rows] = c;
    im->seen_at[im->rows] = ir;
    for (i = 0; bcs && i < bcs->n && !own; i++) {
        const char *cu = cw__node_str(bcs->kids[i], "component-uuid");
        if (cu && im->this_system && strcmp(cu, im->this_system) == 0)
            own = bcs->kids[i];
    }
    if (own) {
        exp = cw__node_get(own, "export");
        prov = exp ? seq(exp, "provided") : NULL;
        resp = exp ? seq(exp, "responsibilities") : NULL;
        state = cw__node_str(cw__node_get(own, "implementation-status"),
                             "state");
    }
    responsibility = exp ? prop(exp, "responsibility", NULL) : NULL;
    if (!responsibility)
        responsibility = prov && resp ? "split"
                         : resp       ? "customer"
                         : prov       ? "provider"
                                      : "each";
    /* What the scope's matrix loader would refuse is refused here, where
     * the file and line are this document's. */
    if (exp && prop(exp, "responsibility", NULL)) {
        enum cw_resp r;
        if (!cw_resp_parse(responsibility, &r) || r == CW_RESP_NONE)
            return bad(im, prop_node(exp, "responsibility"),
                       "unknown responsibility; expected provider, "
                       "customer, split or each");
    }
    status = prop(ir, "status", NULL);
    if (status && strcmp(status, "not-started") != 0 &&
        strcmp(status, "planned") != 0 && strcmp(status, "partial") != 0 &&
        strcmp(status, "implemented") != 0 &&
        strcmp(status, "not-applicable") != 0)
        return bad(im, prop_node(ir, "status"),
                   "unknown status; expected not-started, planned, "
                   "partial, implemented or not-applicable");
    if (prop(ir, "applicable", NULL) &&
        strcmp(prop(ir, "applicable", NULL), "true") != 0 &&
        strcmp(prop(ir, "applicable", NULL), "false") != 0)
        return bad(im, prop_node(ir, "applicable"),
                   "applicable is true or false");
    if (!status && state)
        status = strcmp(state, "partial") == 0 ||
                         strcmp(state, "planned") == 0 ||
                         strcmp(state, "implemented") == 0 ||
                         strcmp(state, "not-applicable") == 0
                     ? state
                     : NULL;
    applicable = prop(ir, "applicable", NULL);
    if (!applicable && state)
        applicable = strcmp(state, "not-applicable") == 0 ? "false" : "true";

    jw_obj(im->w, NULL);
    jw_str(im->w, "id", c->id);
    jw_str(im->w, "catalog", c->catalog);
    jw_str(im->w, "title", c->title);
    jw_str(im->w, "responsibility", responsibility);
    jw_str(im->w, "part", prov ? prop(prov->kids[0], "part", NULL) : NULL);
    jw_str(im->w, "provider_duty",
           desc_of(prov) ? desc_of(prov)
                         : (exp ? cw__node_str(exp, "description") : NULL));
    jw_str(im->w, "customer_duty",
           desc_of(resp) ? desc_of(resp)
                         : (exp ? cw__node_str(exp, "remarks") : NULL));
    if (applicable)
        jw_bool(im->w, "applicable", strcmp(applicable, "false") != 0);
    jw_str(im->w, "status", status);
    for (i = 0; bcs && i < bcs->n; i++) {
        if (bcs->kids[i] == own)
            continue;
        if (!any)
            jw_arr(im->w, "relies_on");
        any = true;
        link_out(im, bcs->kids[i]);
    }
    if (any)
        jw_end(im->w);
    jw_end(im->w);
    im->rows++;
    return CW_OK;
}

static enum cw_status from_ssp(struct imp *im)
{
    const struct cw__node *ssp = im->root;
    const struct cw__node *sc = cw__node_get(ssp, "system-characteristics");
    const struct cw__node *si = cw__node_get(ssp, "system-implementation");
    const struct cw__node *ci = cw__node_get(ssp, "control-implementation");
    const struct cw__node *irs = seq(ci, "implemented-requirements");
    const struct cw__node *bm = cw__node_get(ssp, "back-matter");
    const struct cw__node *res = seq(bm, "resources");
    const struct cw__node *ps = sc ? seq(sc, "props") : NULL;
    struct jw *w = im->w;
    enum cw_status st = CW_OK;
    char models[64] = "";
    size_t i, o = 0;
    bool any = false;

    if (!sc || !si || !irs)
        return bad(im, ssp, "a system security plan needs "
                            "system-characteristics, system-implementation "
                            "and control-implementation.implemented-"
                            "requirements");
    im->comps = seq(si, "components");
    im->las = seq(si, "leveraged-authorizations");
    for (i = 0; im->comps && i < im->comps->n; i++) {
        const char *t = cw__node_str(im->comps->kids[i], "type");
        if (t && strcmp(t, "this-system") == 0)
            im->this_system = cw__node_str(im->comps->kids[i], "uuid");
    }
    if (!im->this_system)
        return bad(im, si, "no component of type 'this-system': the "
                           "provider's own part cannot be told apart");
    for (i = 0; ps && i < ps->n; i++) {
        const char *n = cw__node_str(ps->kids[i], "name");
        const char *v = cw__node_str(ps->kids[i], "value");
        if (n && v && strcmp(n, "cloud-service-model") == 0 &&
            o + strlen(v) + 2 < sizeof(models))
            o += (size_t)snprintf(models + o, sizeof(models) - o, "%s%s",
                                  o ? "," : "", v);
    }
    jw_obj(w, NULL);
    jw_str(w, "cloudward", "matrix");
    jw_int(w, "schema", 2);
    jw_str(w, "organisation", cw__node_str(sc, "system-name"));
    jw_str(w, "role", prop(sc, "role", NULL) ? prop(sc, "role", NULL)
                                             : "provider");
    jw_str(w, "service_models", models);
    jw_str(w, "scope_statement", cw__node_str(sc, "description"));
    jw_str(w, "document_version",
           cw__node_str(cw__node_get(ssp, "metadata"), "version"));
    jw_str(w, "as_of", prop(sc, "soa-as-of", NULL));
    jw_str(w, "imported_from", im->file);
    for (i = 0; res && i < res->n; i++) {
        const char *of = prop(res->kids[i], "assurance-of", NULL);
        if (!of || strcmp(of, "this-system") != 0)
            continue;
        if (!any)
            jw_arr(w, "assurance");
        any = true;
        assurance_out(w, res->kids[i]);
    }
    if (any)
        jw_end(w);
    im->seen = cw__calloc(irs->n + 1, sizeof(*im->seen));
    im->seen_at = cw__calloc(irs->n + 1, sizeof(*im->seen_at));
    if (!im->seen || !im->seen_at)
        return cw__diag_set(im->d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    jw_arr(w, "controls");
    for (i = 0; !st && i < irs->n; i++)
        st = row_out(im, irs->kids[i]);
    jw_end(w);
    jw_end(w);
    return st;
}

static enum cw_status from_components(struct imp *im)
{
    const struct cw__node *comps = seq(im->root, "components");
    struct jw *w = im->w;
    const char *org = NULL;
    size_t i, k, j;

    if (!comps || !comps->n)
        return bad(im, comps ? comps : im->root,
                   "a component-definition without components");
    org = cw__node_str(comps->kids[0], "title");
    jw_obj(w, NULL);
    jw_str(w, "cloudward", "matrix");
    jw_int(w, "schema", 2);
    jw_str(w, "organisation", org);
    jw_str(w, "role", "provider");
    jw_str(w, "imported_from", im->file);
    jw_arr(w, "controls");
    for (i = 0; i < comps->n; i++) {
        const struct cw__node *cis =
            seq(comps->kids[i], "control-implementations");
        for (k = 0; cis && k < cis->n; k++) {
            const struct cw__node *irs =
                seq(cis->kids[k], "implemented-requirements");
            for (j = 0; irs && j < irs->n; j++) {
                const struct cw_control *c;
                enum cw_status st = control_of(im, irs->kids[j], &c);
                if (st)
                    return st;
                jw_obj(w, NULL);
                jw_str(w, "id", c->id);
                jw_str(w, "catalog", c->catalog);
                jw_str(w, "title", c->title);
                jw_str(w, "responsibility", "provider");
                jw_str(w, "provider_duty",
                       cw__node_str(irs->kids[j], "description"));
                jw_end(w);
                im->rows++;
            }
        }
    }
    jw_end(w);
    jw_end(w);
    return CW_OK;
}

/* A string holding a NUL (JSON \u0000) would be cut there when written
 * out: what follows it would vanish from the matrix unseen. Refused,
 * with its place, before anything is read from the document. */
static enum cw_status no_nul(struct imp *im, const struct cw__node *n)
{
    size_t i;

    if (n->kind == CW__NODE_SCALAR)
        return strlen(n->str) != n->len
                   ? bad(im, n, "a string holds a NUL character (\\u0000)")
                   : CW_OK;
    for (i = 0; i < (n->kind == CW__NODE_MAP ? 2 * n->n : n->n); i++) {
        enum cw_status st = no_nul(im, n->kids[i]);
        if (st)
            return st;
    }
    return CW_OK;
}

enum cw_status cw__oscal_import_buffer(const struct cw_catalogs *cats,
                                      const char *name, const char *data,
                                      size_t len, struct cw__buf *out,
                                      size_t *rows, struct cw_diag *d)
{
    struct cw__yaml_limits lim = { CW__YAML_DEFAULT_DEPTH,
                                   (size_t)1 << 30, false };
    struct cw__arena arena;
    struct cw__node *root = NULL;
    struct imp im;
    struct jw w;
    enum cw_status st;

    memset(&im, 0, sizeof(im));
    im.cats = cats;
    im.file = name;
    im.d = d;
    im.w = &w;
    cw__arena_init(&arena, (size_t)1 << 30);
    jw_init(&w, out);
    st = cw__json_parse(&arena, name, data, len, &lim, &root, d);
    if (!st)
        st = no_nul(&im, root);
    if (!st) {
        if (root->kind == CW__NODE_MAP &&
            (im.root = cw__node_get(root, "system-security-plan")))
            st = from_ssp(&im);
        else if (root->kind == CW__NODE_MAP &&
                 (im.root = cw__node_get(root, "component-definition")))
            st = from_components(&im);
        else
            st = bad(&im, root, "expected an OSCAL document with a "
                                "'system-security-plan' or a "
                                "'component-definition'");
    }
    if (!st && !im.rows)
        st = bad(&im, root, "no implemented requirement to import");
    if (!st && w.st)
        st = cw__diag_set(d, w.st, name, 0, 0, "cannot build the matrix");
    if (rows)
        *rows = im.rows;
    cw__free(im.seen);
    cw__free(im.seen_at);
    cw__arena_release(&arena);
    return st;
}

enum cw_status cw_oscal_import_provider(const struct cw_catalogs *cats,
                                        const char *path,
                                        const char *out_path, size_t *rows,
                                        struct cw_diag *d)
{
    struct cw__buf in, out;
    enum cw_status st;

    cw__buf_init(&in, IMPORT_FILE_MAX);
    cw__buf_init(&out, (size_t)1 << 30);
    st = cw__read_file(path, &in, d);
    if (!st)
        st = cw__oscal_import_buffer(cats, path, in.data ? in.data : "",
                                     in.len, &out, rows, d);
    if (!st)
        st = cw__oscal_emit(&out, out_path, d);
    cw__buf_release(&in);
    cw__buf_release(&out);
    return st;
}
