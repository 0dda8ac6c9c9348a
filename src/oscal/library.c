/*
 * library.c - OSCAL documents of what cloudward itself carries: each
 * catalog (our own summaries, groups per clause, the 2013 -> 2022
 * crosswalk as links), the scope's profile (catalogs in force, exclusions
 * with their reasons) and the check packs as a component-definition.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oscal_internal.h"

/* When the catalog data last changed: the last-modified of catalogs and
 * packs, which are data of this release, not of any store. Bump it with
 * data/catalog or data/policies. */
#define CW_LIBRARY_DATA_TIME "2026-12-01T00:00:00Z"

static const char *const attr_names[CW_ATTR_FAMILIES] = {
    "control-type", "security-properties", "cybersecurity-concepts",
    "operational-capabilities", "security-domains"
};

/* ---- catalog ------------------------------------------------------------ */

struct groupset {
    const struct cw_group **v;
    size_t n;
};

static bool gs_has(const struct groupset *g, const char *id)
{
    size_t i;
    for (i = 0; i < g->n; i++)
        if (strcmp(g->v[i]->id, id) == 0)
            return true;
    return false;
}

/* Adds group `id` (own or the base's) and its parents. */
static void gs_add(struct groupset *g, const struct cw_catalogs *cats,
                   const struct cw_catalog *cat, const char *id,
                   size_t cap)
{
    while (id && !gs_has(g, id) && g->n < cap) {
        const struct cw_group *gr = cw_catalogs_group(cats, cat, id);
        if (!gr)
            return;
        g->v[g->n++] = gr;
        id = gr->parent;
    }
}

static void group_id(const struct cw_catalog *cat, const char *id, char *out,
                     size_t n)
{
    char gid[160];
    snprintf(gid, sizeof(gid), "g%s", id);
    cw__oscal_control_id(cat->name, gid, out, n);
}

static void guidance_part(struct jw *w, const char *cid, const char *suffix,
                          const char *title, const char *prose)
{
    if (!prose)
        return;
    jw_obj(w, NULL);
    jw_strf(w, "id", "%s_%s", cid, suffix);
    jw_str(w, "name", "guidance");
    jw_str(w, "title", title);
    jw_str(w, "prose", prose);
    jw_end(w);
}

static void crosswalk_links(struct jw *w, const struct cw_catalogs *cats,
                            const struct cw_control *c)
{
    size_t i, k, n;

    for (i = 0; i < cw_catalogs_crosswalk_count(cats); i++) {
        const struct cw_crosswalk *x = cw_catalogs_crosswalk_at(cats, i);
        const char *to[16], *other;
        bool reverse;
        if (strcmp(x->from, c->catalog) == 0) {
            reverse = false;
            other = x->to;
        } else if (strcmp(x->to, c->catalog) == 0) {
            reverse = true;
            other = x->from;
        } else
            continue;
        n = cw_crosswalk_map(x, c->id, reverse, to, 16);
        for (k = 0; k < n && k < 16; k++) {
            char file[160], id[200], href[400];
            cw_oscal_file_name(CW_OSCAL_CATALOG, other, file, sizeof(file));
            cw__oscal_control_id(other, to[k], id, sizeof(id));
            snprintf(href, sizeof(href), "%s#%s", file, id);
            jw_link(w, href, reverse ? "replaces" : "replaced-by");
        }
    }
}

static void control_out(struct jw *w, const struct cw_catalogs *cats,
                        const struct cw_control *c)
{
    char cid[200];
    size_t i;
    bool guidance = c->kind == CW_ENTRY_GUIDANCE;

    cw__oscal_control_id(c->catalog, c->id, cid, sizeof(cid));
    jw_obj(w, NULL);
    jw_str(w, "id", cid);
    jw_str(w, "class", guidance ? "guidance" : "control");
    jw_str(w, "title", c->title);
    jw_arr(w, "props");
    jw_prop(w, "label", c->id, NULL, true);
    jw_prop(w, "layer", cw_layer_name(c->layer), NULL, false);
    jw_prop(w, "former-id", c->former_id, NULL, false);
    jw_prop(w, "confidence", c->confidence, NULL, false);
    for (i = 0; i < CW_ATTR_FAMILIES; i++)
        jw_prop(w, attr_names[i], c->attributes[i], NULL, false);
    if (c->cloud)
        jw_prop(w, "cloud", "true", NULL, false);
    if (c->pii_related)
        jw_prop(w, "pii", "true", NULL, false);
    jw_end(w);
    jw_arr(w, "links");
    if (guidance && c->base) {
        char file[160], id[200], href[400];
        cw_oscal_file_name(CW_OSCAL_CATALOG, c->base, file, sizeof(file));
        cw__oscal_control_id(c->base, c->id, id, sizeof(id));
        snprintf(href, sizeof(href), "%s#%s", file, id);
        jw_link(w, href, "refines");
    }
    crosswalk_links(w, cats, c);
    jw_end(w);
    jw_arr(w, "parts");
    if (c->summary && !guidance) {
        jw_obj(w, NULL);
        jw_strf(w, "id", "%s_overview", cid);
        jw_str(w, "name", "overview");
        jw_str(w, "prose", c->summary);
        jw_end(w);
    }
    guidance_part(w, cid, "provider", "Cloud service provider",
                  c->provider);
    guidance_part(w, cid, "customer", "Cloud service customer",
                  c->customer);
    guidance_part(w, cid, "pii", "Public-cloud PII processor", c->pii);
    jw_end(w);
    jw_end(w);
}

/* Is entry `c` in group `g` (NULL: in no group of the set)? */
static bool in_group(const struct cw_control *c, const struct cw_group *g,
                     const struct groupset *gs)
{
    if (g)
        return c->group && strcmp(c->group, g->id) == 0;
    return !c->group || !gs_has(gs, c->group);
}

static void entries_in(struct jw *w, const struct cw_catalogs *cats,
                       const struct cw_catalog *cat,
                       const struct cw_group *g, const struct groupset *gs)
{
    size_t i;

    jw_arr(w, "controls");
    for (i = 0; i < cat->ncontrols; i++)
        if (in_group(&cat->controls[i], g, gs))
            control_out(w, cats, &cat->controls[i]);
    for (i = 0; i < cat->nguidance; i++)
        if (in_group(&cat->guidance[i], g, gs))
            control_out(w, cats, &cat->guidance[i]);
    jw_end(w);
}

static void groups_under(struct jw *w, const struct cw_catalogs *cats,
                         const struct cw_catalog *cat, const char *parent,
                         const struct groupset *gs, int depth)
{
    size_t i;

    if (depth > 8)
        return;
    jw_arr(w, "groups");
    for (i = 0; i < gs->n; i++) {
        const struct cw_group *g = gs->v[i];
        bool root = !g->parent || !gs_has(gs, g->parent);
        char gid[200];
        if (parent ? !g->parent || strcmp(g->parent, parent) != 0 : !root)
            continue;
        group_id(cat, g->id, gid, sizeof(gid));
        jw_obj(w, NULL);
        jw_str(w, "id", gid);
        jw_str(w, "class", g->kind);
        jw_str(w, "title", g->title);
        jw_arr(w, "props");
        jw_prop(w, "label", g->id, NULL, true);
        jw_end(w);
        groups_under(w, cats, cat, g->id, gs, depth + 1);
        entries_in(w, cats, cat, g, gs);
        jw_end(w);
    }
    jw_end(w);
}

static int group_cmp(const void *a, const void *b)
{
    const struct cw_group *x = *(const struct cw_group *const *)a;
    const struct cw_group *y = *(const struct cw_group *const *)b;
    return strcmp(x->id, y->id);
}

enum cw_status cw__oscal_catalog(const struct cw_oscal_input *in,
                                 struct jw *w, struct cw_diag *d)
{
    const struct cw_catalog *cat = cw_catalogs_find(in->cats, in->catalog);
    struct groupset gs = { NULL, 0 };
    size_t cap, i;
    char remarks[2048];

    if (!cat)
        return cw__diag_set(d, CW_ENOENT, NULL, 0, 0,
                            "no catalog '%s'", in->catalog);
    cap = cat->ngroups + 2 * (cat->ncontrols + cat->nguidance) + 1;
    gs.v = cw__malloc(cap * sizeof(*gs.v));
    if (!gs.v)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    for (i = 0; i < cat->ngroups; i++)
        gs_add(&gs, in->cats, cat, cat->groups[i].id, cap);
    for (i = 0; i < cat->ncontrols; i++)
        gs_add(&gs, in->cats, cat, cat->controls[i].group, cap);
    for (i = 0; i < cat->nguidance; i++)
        gs_add(&gs, in->cats, cat, cat->guidance[i].group, cap);
    /* Keep the catalog's own order; groups from its base after it,
     * sorted, so the output does not depend on lookup order. */
    qsort(gs.v + cat->ngroups, gs.n - (gs.n < cat->ngroups ? gs.n
                                                             : cat->ngroups),
          sizeof(*gs.v), group_cmp);

    cw__oscal_begin(w, "catalog", cat->title, in->last_modified
                                          ? in->last_modified
                                          : CW_LIBRARY_DATA_TIME,
                       cw_version());
    jw_arr(w, "props");
    jw_prop(w, "catalog", cat->name, NULL, false);
    jw_prop(w, "base", cat->base, NULL, false);
    jw_prop(w, "replaces", cat->replaces, NULL, false);
    jw_end(w);
    snprintf(remarks, sizeof(remarks),
             "Control ids and short titles of %s, with summaries and "
             "guidance in cloudward's own words: the standard's text is not "
             "reproduced; read the standard for it.%s%s",
             cat->name, cat->note ? " " : "", cat->note ? cat->note : "");
    jw_str(w, "remarks", remarks);
    jw_end(w); /* metadata */
    groups_under(w, in->cats, cat, NULL, &gs, 0);
    entries_in(w, in->cats, cat, NULL, &gs);
    jw_end(w);
    jw_end(w);
    cw__free(gs.v);
    return CW_OK;
}

/* ---- profile -------------------------------------------------------------- */

enum cw_status cw__oscal_profile(const struct cw_oscal_input *in,
                                 struct jw *w, struct cw_diag *d)
{
    const struct cw_scope *s = cw_soa_scope(in->soa);
    const struct cw_document *doc = cw_scope_document(s);
    size_t i, k, n = cw_soa_count(in->soa);
    char title[600];
    (void)d;

    snprintf(title, sizeof(title), "%s: the controls in force",
             cw_scope_organisation(s));
    cw__oscal_begin(w, "profile", title, in->last_modified,
                       doc ? doc->version : NULL);
    jw_arr(w, "props");
    for (i = 0; i < n; i++) {
        const struct cw_soa_line *l = cw_soa_line_at(in->soa, i);
        char cid[200], why[4096];
        if (l->applicable)
            continue;
        cw__oscal_control_id(l->control->catalog, l->control->id, cid,
                             sizeof(cid));
        snprintf(why, sizeof(why), "%s%s%s%s",
                 l->justification ? l->justification : "not applicable",
                 l->source ? " (" : "", l->source ? l->source : "",
                 l->source ? ")" : "");
        jw_prop(w, "excluded-control", cid, why, false);
    }
    jw_end(w);
    jw_arr(w, "parties");
    cw__oscal_party(w, cw_scope_organisation(s));
    jw_end(w);
    jw_str(w, "remarks",
           "The Statement of Applicability's selection: every control of "
           "the catalogs in force, less the exclusions, each excluded-control "
           "prop giving the reason.");
    jw_end(w); /* metadata */
    jw_arr(w, "imports");
    for (k = 0; k < cw_scope_catalog_count(s); k++) {
        const char *cat = cw_scope_catalogs(s)[k];
        char file[160];
        bool any = false;
        jw_obj(w, NULL);
        jw_str(w, "href", cw_oscal_file_name(CW_OSCAL_CATALOG, cat, file,
                                             sizeof(file)));
        jw_obj(w, "include-all");
        jw_end(w);
        for (i = 0; i < n; i++) {
            const struct cw_soa_line *l = cw_soa_line_at(in->soa, i);
            char cid[200];
            if (l->applicable || strcmp(l->control->catalog, cat) != 0)
                continue;
            if (!any) {
                jw_arr(w, "exclude-controls");
                jw_obj(w, NULL);
                jw_arr(w, "with-ids");
                any = true;
            }
            jw_str(w, NULL, cw__oscal_control_id(cat, l->control->id, cid,
                                                 sizeof(cid)));
        }
        if (any) {
            jw_end(w);
            jw_end(w);
            jw_end(w);
        }
        jw_end(w);
    }
    jw_end(w);
    jw_obj(w, "merge");
    jw_bool(w, "as-is", true);
    jw_end(w);
    jw_end(w);
    jw_end(w);
    return CW_OK;
}

/* ---- component-definition ---------------------------------------------- */

struct cref {
    const struct cw_catalog *cat;
    const struct cw_control *ctl;
    size_t check;
};

static int cref_cmp(const void *a, const void *b)
{
    const struct cref *x = a, *y = b;
    int c = strcmp(x->cat->name, y->cat->name);
    if (c)
        return c;
    if (x->ctl != y->ctl)
        return x->ctl < y->ctl ? -1 : 1;
    return x->check < y->check ? -1 : x->check > y->check;
}

static enum cw_status pack_out(struct jw *w, const struct cw_catalogs *cats,
                               const struct cw_pack *p, struct cw_diag *d)
{
    struct cref *v;
    size_t i, k, n = 0, cap = 0;
    char id[37], desc[1024];

    for (i = 0; i < cw_pack_count(p); i++)
        cap += cw_pack_check_at(p, i)->ncontrols;
    v = cw__malloc((cap + 1) * sizeof(*v));
    if (!v)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    for (i = 0; i < cw_pack_count(p); i++) {
        const struct cw_check *c = cw_pack_check_at(p, i);
        for (k = 0; k < c->ncontrols; k++) {
            const struct cw_catalog *cat =
                cw_catalogs_find(cats, c->controls[k].catalog);
            const struct cw_control *ctl =
                cat ? cw_catalog_control(cat, c->controls[k].id) : NULL;
            if (ctl) {
                v[n].cat = cat;
                v[n].ctl = ctl;
                v[n].check = i;
                n++;
            }
        }
    }
    qsort(v, n, sizeof(*v), cref_cmp);

    cw__oscal_uuid4(id, "component", cw_pack_name(p), NULL, NULL);
    jw_obj(w, NULL);
    jw_str(w, "uuid", id);
    jw_str(w, "type", "validation");
    jw_str(w, "title", cw_pack_title(p) ? cw_pack_title(p) : cw_pack_name(p));
    snprintf(desc, sizeof(desc),
             "cloudward check pack '%s': %zu automated checks; each control "
             "below is evidenced by the checks its props name.",
             cw_pack_name(p), cw_pack_count(p));
    jw_str(w, "description", desc);
    jw_arr(w, "props");
    jw_prop(w, "pack", cw_pack_name(p), NULL, false);
    jw_prop(w, "pack-sha256", cw_pack_digest(p), NULL, false);
    jw_end(w);
    jw_arr(w, "control-implementations");
    for (i = 0; i < n;) {
        const struct cw_catalog *cat = v[i].cat;
        char file[160];
        cw__oscal_uuid4(id, "component-ci", cw_pack_name(p), cat->name, NULL);
        jw_obj(w, NULL);
        jw_str(w, "uuid", id);
        jw_str(w, "source", cw_oscal_file_name(CW_OSCAL_CATALOG, cat->name,
                                               file, sizeof(file)));
        snprintf(desc, sizeof(desc), "Controls of %s the pack's checks "
                 "evidence.", cat->name);
        jw_str(w, "description", desc);
        jw_arr(w, "implemented-requirements");
        while (i < n && v[i].cat == cat) {
            const struct cw_control *ctl = v[i].ctl;
            char cid[200];
            size_t j;
            cw__oscal_uuid4(id, "component-ir", cw_pack_name(p), cat->name,
                            ctl->id);
            jw_obj(w, NULL);
            jw_str(w, "uuid", id);
            jw_str(w, "control-id", cw__oscal_control_id(cat->name, ctl->id,
                                                         cid, sizeof(cid)));
            for (j = i; j < n && v[j].ctl == ctl; j++)
                ;
            snprintf(desc, sizeof(desc),
                     "Evidenced by %zu check%s of pack '%s' (each named in "
                     "a check prop); a failing result there is a finding "
                     "against %s %s.",
                     j - i, j - i == 1 ? "" : "s", cw_pack_name(p),
                     cat->name, ctl->id);
            jw_str(w, "description", desc);
            jw_arr(w, "props");
            for (; i < j; i++) {
                const struct cw_check *c = cw_pack_check_at(p, v[i].check);
                jw_prop(w, "check", c->id, c->title, false);
            }
            jw_end(w);
            jw_end(w);
        }
        jw_end(w);
        jw_end(w);
    }
    jw_end(w);
    jw_end(w);
    cw__free(v);
    return CW_OK;
}

enum cw_status cw__oscal_component(const struct cw_oscal_input *in,
                                   struct jw *w, struct cw_diag *d)
{
    enum cw_status st = CW_OK;
    size_t i;

    cw__oscal_begin(w, "component-definition", "cloudward check packs", in->last_modified
                                                       ? in->last_modified
                                                       : CW_LIBRARY_DATA_TIME,
                       cw_version());
    jw_end(w);
    jw_arr(w, "components");
    for (i = 0; !st && i < in->npacks; i++)
        st = pack_out(w, in->cats, in->packs[i], d);
    jw_end(w);
    jw_end(w);
    jw_end(w);
    return st;
}
