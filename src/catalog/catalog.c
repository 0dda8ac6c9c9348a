/*
 * catalog.c - loading, linking and querying control catalogs.
 *
 * Every catalog file is parsed into the neutral tree, then copied into the
 * public structs of cw_catalog.h, all allocated in one arena owned by the
 * struct cw_catalogs. Loading happens in two passes: first every file on
 * its own (shape, values, duplicates), then all together (bases, replaced
 * editions, group references, crosswalk coverage), because a file may
 * refer to a catalog loaded after it.
 *
 * Catalogs are few (tens) and controls per catalog small (hundreds), so
 * lookups are linear scans; a hash map would cost more code than it saves
 * time (`controls list` over all catalogs takes well under a millisecond).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cloudward/cw_catalog.h>

#include "../parse/node.h"
#include "embedded.h"

#define CATALOG_FILE_MAX ((size_t)16 << 20)
#define MAX_FILES        1024

struct cw_catalogs {
    struct cw__arena arena;
    struct cw_catalog *cats;
    size_t ncats;
    struct cw_crosswalk *xws;
    size_t nxws;
    size_t cap; /* capacity of both arrays: one slot per file */
    bool have_rules;
    enum cw_resp layer_resp[CW_LAYER_COUNT][CW_MODEL_COUNT];
    const char *duty[CW_LAYER_COUNT][2];
    const char *part[CW_LAYER_COUNT][CW_MODEL_COUNT]; /* NULL: none */
    /* Read from the rules file, resolved once every catalog is loaded. */
    const struct cw__node *parts;   /* "CATALOG ID": part */
    const struct cw__node *related; /* ["CATALOG ID", "CATALOG ID"] pairs */
    const char *rules_file;
    const struct cw_control *(*rel)[2];
    size_t nrel;
    struct cw_transition *trans;
    size_t ntrans;
};

static const char *const layer_names[] = {
#define CW__LAYER_NAME(name, str) str,
    CW_LAYER_MAP(CW__LAYER_NAME)
#undef CW__LAYER_NAME
        NULL
};
static const char *const model_names[] = { "iaas", "paas", "saas", NULL };
static const char *const resp_names[] = { "none",  "provider", "customer",
                                          "split", "each",     NULL };
/* What a file may say; "shared" is the name older files used for split. */
static const char *const resp_values[] = { "provider", "customer", "split",
                                           "each",     "shared",   NULL };

static enum cw_resp resp_of_value(size_t idx)
{
    return idx == 4 ? CW_RESP_SPLIT : (enum cw_resp)(idx + 1);
}

const char *cw_layer_name(enum cw_layer l)
{
    return (unsigned)l < CW_LAYER_COUNT ? layer_names[l] : NULL;
}

const char *cw_model_name(enum cw_model m)
{
    return (unsigned)m < CW_MODEL_COUNT ? model_names[m] : NULL;
}

const char *cw_resp_name(enum cw_resp r)
{
    return (unsigned)r <= CW_RESP_EACH ? resp_names[r] : NULL;
}

bool cw_model_parse(const char *s, enum cw_model *out)
{
    size_t i;
    for (i = 0; i < CW_MODEL_COUNT; i++) {
        if (strcmp(s, model_names[i]) == 0) {
            *out = (enum cw_model)i;
            return true;
        }
    }
    return false;
}

bool cw_resp_parse(const char *s, enum cw_resp *out)
{
    size_t i;
    for (i = 0; resp_values[i]; i++) {
        if (strcmp(s, resp_values[i]) == 0) {
            *out = resp_of_value(i);
            return true;
        }
    }
    return false;
}

/* ---- pass 1: one file ------------------------------------------------ */

struct loader {
    struct cw_catalogs *c;
    const char *file;
    struct cw_diag *d;
};

static enum cw_status oom(struct loader *l)
{
    return cw__diag_set(l->d, CW_ENOMEM, l->file, 0, 0, "out of memory");
}

static enum cw_status parse_groups(struct loader *l, const struct cw__node *seq,
                                   struct cw_catalog *cat)
{
    static const char *const keys[] = { "id", "kind", "title", "parent",
                                        NULL };
    static const char *const kinds[] = { "clause", "objective", "theme",
                                         "principle", NULL };
    struct cw_group *g;
    size_t i, j, kind;
    enum cw_status st;

    st = cw__node_expect(seq, CW__NODE_SEQ, l->file, "groups", l->d);
    if (st)
        return st;
    g = cw__arena_alloc(&l->c->arena, (seq->n + 1) * sizeof(*g));
    if (!g)
        return oom(l);
    for (i = 0; i < seq->n; i++) {
        const struct cw__node *m = seq->kids[i];
        if ((st = cw__node_expect(m, CW__NODE_MAP, l->file, "a group", l->d)) ||
            (st = cw__node_check_keys(m, keys, l->file, l->d)) ||
            (st = cw__node_get_str(m, "id", true, l->file, &g[i].id, l->d)) ||
            (st = cw__node_get_str(m, "title", true, l->file, &g[i].title,
                                   l->d)) ||
            (st = cw__node_get_str(m, "parent", false, l->file, &g[i].parent,
                                   l->d)))
            return st;
        if (!cw__node_get(m, "kind"))
            return cw__diag_set(l->d, CW_ESCHEMA, l->file, m->line, m->col,
                                "missing required key 'kind'");
        st = cw__node_enum(cw__node_get(m, "kind"), kinds, l->file,
                           "group kind", &kind, l->d);
        if (st)
            return st;
        g[i].kind = kinds[kind];
        for (j = 0; j < i; j++)
            if (strcmp(g[j].id, g[i].id) == 0)
                return cw__diag_set(l->d, CW_ESCHEMA, l->file, m->line,
                                    m->col, "duplicate group '%s'", g[i].id);
    }
    cat->groups = g;
    cat->ngroups = seq->n;
    return CW_OK;
}

/* Reads a list of scalars and joins it with ", " into *out. */
static enum cw_status join_list(struct loader *l, const struct cw__node *seq,
                                const char *what, const char **out)
{
    struct cw__buf b;
    enum cw_status st;
    size_t i;

    st = cw__node_expect(seq, CW__NODE_SEQ, l->file, what, l->d);
    if (st)
        return st;
    cw__buf_init(&b, 4096);
    for (i = 0; i < seq->n && !st; i++) {
        st = cw__node_expect(seq->kids[i], CW__NODE_SCALAR, l->file, what,
                             l->d);
        if (!st && i)
            st = cw__buf_puts(&b, ", ");
        if (!st)
            st = cw__buf_puts(&b, seq->kids[i]->str);
    }
    if (!st) {
        *out = cw__arena_strdup(&l->c->arena, b.data ? b.data : "");
        if (!*out)
            st = oom(l);
    } else if (st == CW_ELIMIT || st == CW_ENOMEM) {
        st = cw__diag_set(l->d, st, l->file, seq->line, seq->col,
                          "%s: list too long", what);
    }
    cw__buf_release(&b);
    return st;
}

static enum cw_status parse_attributes(struct loader *l,
                                       const struct cw__node *m,
                                       struct cw_control *ctl)
{
    static const char *const fams[] = { "control_type", "security_properties",
                                        "cybersecurity_concepts",
                                        "operational_capabilities",
                                        "security_domains", NULL };
    enum cw_status st;
    size_t i;

    st = cw__node_expect(m, CW__NODE_MAP, l->file, "attributes", l->d);
    if (!st)
        st = cw__node_check_keys(m, fams, l->file, l->d);
    for (i = 0; !st && i < CW_ATTR_FAMILIES; i++) {
        const struct cw__node *v = cw__node_get(m, fams[i]);
        if (v)
            st = join_list(l, v, fams[i], &ctl->attributes[i]);
    }
    return st;
}

static enum cw_status parse_resp_override(struct loader *l,
                                          const struct cw__node *m,
                                          struct cw_control *ctl)
{
    enum cw_status st;
    size_t i, idx;

    st = cw__node_expect(m, CW__NODE_MAP, l->file, "responsibility", l->d);
    if (!st)
        st = cw__node_check_keys(m, model_names, l->file, l->d);
    for (i = 0; !st && i < CW_MODEL_COUNT; i++) {
        const struct cw__node *v = cw__node_get(m, model_names[i]);
        if (!v)
            continue;
        st = cw__node_enum(v, resp_values, l->file, "responsibility", &idx,
                           l->d);
        if (!st)
            ctl->resp_override[i] = resp_of_value(idx);
    }
    return st;
}

static enum cw_status parse_control(struct loader *l, const struct cw__node *m,
                                    struct cw_catalog *cat,
                                    struct cw_control *ctl)
{
    static const char *const keys[] = { "id", "title", "group", "layer",
                                        "summary", "provider", "customer",
                                        "attributes", "former_id",
                                        "confidence", "responsibility", NULL };
    const struct cw__node *v;
    enum cw_status st;
    size_t layer;

    if ((st = cw__node_expect(m, CW__NODE_MAP, l->file, "a control", l->d)) ||
        (st = cw__node_check_keys(m, keys, l->file, l->d)) ||
        (st = cw__node_get_str(m, "id", true, l->file, &ctl->id, l->d)) ||
        (st = cw__node_get_str(m, "title", true, l->file, &ctl->title,
                               l->d)) ||
        (st = cw__node_get_str(m, "group", true, l->file, &ctl->group,
                               l->d)) ||
        (st = cw__node_get_str(m, "summary", true, l->file, &ctl->summary,
                               l->d)) ||
        (st = cw__node_get_str(m, "provider", false, l->file, &ctl->provider,
                               l->d)) ||
        (st = cw__node_get_str(m, "customer", false, l->file, &ctl->customer,
                               l->d)) ||
        (st = cw__node_get_str(m, "former_id", false, l->file,
                               &ctl->former_id, l->d)) ||
        (st = cw__node_get_str(m, "confidence", false, l->file,
                               &ctl->confidence, l->d)))
        return st;
    v = cw__node_get(m, "layer");
    if (!v)
        return cw__diag_set(l->d, CW_ESCHEMA, l->file, m->line, m->col,
                            "missing required key 'layer'");
    st = cw__node_enum(v, layer_names, l->file, "layer", &layer, l->d);
    if (st)
        return st;
    ctl->layer = (enum cw_layer)layer;
    if ((v = cw__node_get(m, "attributes")) &&
        (st = parse_attributes(l, v, ctl)))
        return st;
    if ((v = cw__node_get(m, "responsibility")) &&
        (st = parse_resp_override(l, v, ctl)))
        return st;
    ctl->catalog = cat->name;
    ctl->kind = CW_ENTRY_CONTROL;
    ctl->cloud = ctl->provider || ctl->customer;
    ctl->pii_related = ctl->layer == CW_LAYER_PII;
    ctl->file = l->file;
    ctl->line = m->line;
    return CW_OK;
}

static enum cw_status parse_guidance(struct loader *l, const struct cw__node *m,
                                     struct cw_catalog *cat,
                                     struct cw_control *g)
{
    static const char *const keys[] = { "control", "provider", "customer",
                                        "pii", "confidence", NULL };
    enum cw_status st;

    if ((st = cw__node_expect(m, CW__NODE_MAP, l->file, "a guidance entry",
                              l->d)) ||
        (st = cw__node_check_keys(m, keys, l->file, l->d)) ||
        (st = cw__node_get_str(m, "control", true, l->file, &g->id, l->d)) ||
        (st = cw__node_get_str(m, "provider", false, l->file, &g->provider,
                               l->d)) ||
        (st = cw__node_get_str(m, "customer", false, l->file, &g->customer,
                               l->d)) ||
        (st = cw__node_get_str(m, "pii", false, l->file, &g->pii, l->d)) ||
        (st = cw__node_get_str(m, "confidence", false, l->file,
                               &g->confidence, l->d)))
        return st;
    if (!g->provider && !g->customer && !g->pii)
        return cw__diag_set(l->d, CW_ESCHEMA, l->file, m->line, m->col,
                            "guidance for '%s' has no text; expected "
                            "provider, customer or pii",
                            g->id);
    if (!cat->base)
        return cw__diag_set(l->d, CW_ESCHEMA, l->file, m->line, m->col,
                            "guidance needs the catalog to name its 'base'");
    g->catalog = cat->name;
    g->kind = CW_ENTRY_GUIDANCE;
    g->base = cat->base;
    g->cloud = g->provider || g->customer;
    g->pii_related = g->pii != NULL;
    g->file = l->file;
    g->line = m->line;
    return CW_OK;
}

/* Parses the list under `key` with `one` into a fresh array, refusing
 * duplicate ids. */
static enum cw_status
parse_entries(struct loader *l, const struct cw__node *seq,
              struct cw_catalog *cat, const char *what,
              enum cw_status (*one)(struct loader *, const struct cw__node *,
                                    struct cw_catalog *, struct cw_control *),
              struct cw_control **out, size_t *n)
{
    struct cw_control *v;
    size_t i, j;
    enum cw_status st;

    st = cw__node_expect(seq, CW__NODE_SEQ, l->file, what, l->d);
    if (st)
        return st;
    v = cw__arena_alloc(&l->c->arena, (seq->n + 1) * sizeof(*v));
    if (!v)
        return oom(l);
    for (i = 0; i < seq->n; i++) {
        st = one(l, seq->kids[i], cat, &v[i]);
        if (st)
            return st;
        for (j = 0; j < i; j++)
            if (strcmp(v[j].id, v[i].id) == 0)
                return cw__diag_set(l->d, CW_ESCHEMA, l->file,
                                    seq->kids[i]->line, seq->kids[i]->col,
                                    "duplicate %s '%s' (first at line %u)",
                                    what, v[i].id, v[j].line);
    }
    *out = v;
    *n = seq->n;
    return CW_OK;
}

static bool valid_catalog_name(const char *s)
{
    const char *colon = strchr(s, ':');
    return colon && colon != s && colon[1] && !strchr(s, ' ') &&
           !strchr(colon + 1, ':');
}

static enum cw_status parse_catalog(struct loader *l,
                                    const struct cw__node *root)
{
    static const char *const keys[] = { "catalog", "title", "base",
                                        "replaces", "note", "groups",
                                        "controls", "guidance", NULL };
    struct cw_catalog *cat = &l->c->cats[l->c->ncats];
    const struct cw__node *v;
    enum cw_status st;
    size_t i;

    memset(cat, 0, sizeof(*cat));
    if ((st = cw__node_check_keys(root, keys, l->file, l->d)) ||
        (st = cw__node_get_str(root, "catalog", true, l->file, &cat->name,
                               l->d)) ||
        (st = cw__node_get_str(root, "title", true, l->file, &cat->title,
                               l->d)) ||
        (st = cw__node_get_str(root, "base", false, l->file, &cat->base,
                               l->d)) ||
        (st = cw__node_get_str(root, "replaces", false, l->file,
                               &cat->replaces, l->d)) ||
        (st = cw__node_get_str(root, "note", false, l->file, &cat->note,
                               l->d)))
        return st;
    v = cw__node_get(root, "catalog");
    if (!valid_catalog_name(cat->name))
        return cw__diag_set(l->d, CW_ESCHEMA, l->file, v->line, v->col,
                            "catalog name '%s' should read FAMILY:EDITION, "
                            "e.g. iso27017:2015",
                            cat->name);
    for (i = 0; i < l->c->ncats; i++)
        if (strcmp(l->c->cats[i].name, cat->name) == 0)
            return cw__diag_set(l->d, CW_EEXIST, l->file, v->line, v->col,
                                "catalog '%s' is already defined in %s",
                                cat->name, l->c->cats[i].file);
    cat->file = l->file;
    if ((v = cw__node_get(root, "groups")) &&
        (st = parse_groups(l, v, cat)))
        return st;
    v = cw__node_get(root, "controls");
    if (!v)
        return cw__diag_set(l->d, CW_ESCHEMA, l->file, root->line, root->col,
                            "missing required key 'controls'");
    {
        struct cw_control *ctl = NULL;
        st = parse_entries(l, v, cat, "control", parse_control, &ctl,
                           &cat->ncontrols);
        cat->controls = ctl;
    }
    if (!st && (v = cw__node_get(root, "guidance"))) {
        struct cw_control *g = NULL;
        st = parse_entries(l, v, cat, "guidance", parse_guidance, &g,
                           &cat->nguidance);
        cat->guidance = g;
    }
    if (!st)
        l->c->ncats++;
    return st;
}

static enum cw_status parse_id_list(struct loader *l,
                                    const struct cw__node *seq,
                                    const char *what,
                                    const char *const **out, size_t *n)
{
    const char **v;
    size_t i;
    enum cw_status st;

    st = cw__node_expect(seq, CW__NODE_SEQ, l->file, what, l->d);
    if (st)
        return st;
    v = cw__arena_alloc(&l->c->arena, (seq->n + 1) * sizeof(*v));
    if (!v)
        return oom(l);
    for (i = 0; i < seq->n; i++) {
        st = cw__node_expect(seq->kids[i], CW__NODE_SCALAR, l->file,
                             "a control id", l->d);
        if (st)
            return st;
        v[i] = seq->kids[i]->str;
    }
    *out = v;
    *n = seq->n;
    return CW_OK;
}

static enum cw_status parse_crosswalk(struct loader *l,
                                      const struct cw__node *root)
{
    static const char *const top[] = { "crosswalk", NULL };
    static const char *const keys[] = { "from", "to", "note", "map", "new",
                                        "removed", NULL };
    struct cw_crosswalk *x = &l->c->xws[l->c->nxws];
    const struct cw__node *m = cw__node_get(root, "crosswalk");
    const struct cw__node *v;
    const char *(*pairs)[2];
    enum cw_status st;
    size_t i;

    memset(x, 0, sizeof(*x));
    if ((st = cw__node_check_keys(root, top, l->file, l->d)) ||
        (st = cw__node_expect(m, CW__NODE_MAP, l->file, "crosswalk", l->d)) ||
        (st = cw__node_check_keys(m, keys, l->file, l->d)) ||
        (st = cw__node_get_str(m, "from", true, l->file, &x->from, l->d)) ||
        (st = cw__node_get_str(m, "to", true, l->file, &x->to, l->d)) ||
        (st = cw__node_get_str(m, "note", false, l->file, &x->note, l->d)))
        return st;
    v = cw__node_get(m, "map");
    if (!v)
        return cw__diag_set(l->d, CW_ESCHEMA, l->file, m->line, m->col,
                            "missing required key 'map'");
    if ((st = cw__node_expect(v, CW__NODE_SEQ, l->file, "map", l->d)))
        return st;
    pairs = cw__arena_alloc(&l->c->arena, (v->n + 1) * sizeof(*pairs));
    if (!pairs)
        return oom(l);
    for (i = 0; i < v->n; i++) {
        const struct cw__node *p = v->kids[i];
        if (p->kind != CW__NODE_SEQ || p->n != 2 ||
            p->kids[0]->kind != CW__NODE_SCALAR ||
            p->kids[1]->kind != CW__NODE_SCALAR)
            return cw__diag_set(l->d, CW_ESCHEMA, l->file, p->line, p->col,
                                "expected a pair [FROM-ID, TO-ID]");
        pairs[i][0] = p->kids[0]->str;
        pairs[i][1] = p->kids[1]->str;
    }
    x->pairs = (const char *const(*)[2])pairs;
    x->npairs = v->n;
    if ((v = cw__node_get(m, "new")) &&
        (st = parse_id_list(l, v, "new", &x->added, &x->nadded)))
        return st;
    if ((v = cw__node_get(m, "removed")) &&
        (st = parse_id_list(l, v, "removed", &x->removed, &x->nremoved)))
        return st;
    for (i = 0; i < l->c->nxws; i++)
        if (strcmp(l->c->xws[i].from, x->from) == 0 &&
            strcmp(l->c->xws[i].to, x->to) == 0)
            return cw__diag_set(l->d, CW_EEXIST, l->file, m->line, m->col,
                                "crosswalk %s -> %s is already defined",
                                x->from, x->to);
    l->c->nxws++;
    return CW_OK;
}

/* `part` of a layer: one noun phrase for every model, or one per model. */
static enum cw_status parse_layer_part(struct loader *l,
                                       const struct cw__node *v, size_t layer)
{
    enum cw_status st;
    size_t j;

    if (v->kind == CW__NODE_SCALAR) {
        for (j = 0; j < CW_MODEL_COUNT; j++)
            l->c->part[layer][j] = v->str;
        return CW_OK;
    }
    if ((st = cw__node_expect(v, CW__NODE_MAP, l->file,
                              "part (a phrase, or one per model)", l->d)) ||
        (st = cw__node_check_keys(v, model_names, l->file, l->d)))
        return st;
    for (j = 0; j < CW_MODEL_COUNT && !st; j++)
        st = cw__node_get_str(v, model_names[j], false, l->file,
                              &l->c->part[layer][j], l->d);
    return st;
}

static enum cw_status parse_layer_rules(struct loader *l,
                                        const struct cw__node *m, size_t i)
{
    static const char *const keys[] = { "iaas",     "paas", "saas", "part",
                                        "provider", "customer", NULL };
    const struct cw__node *r = cw__node_get(m, layer_names[i]), *v;
    enum cw_status st;
    size_t j, idx;

    if (!r)
        return cw__diag_set(l->d, CW_ESCHEMA, l->file, m->line, m->col,
                            "missing rules for layer '%s'", layer_names[i]);
    if ((st = cw__node_expect(r, CW__NODE_MAP, l->file, layer_names[i],
                              l->d)) ||
        (st = cw__node_check_keys(r, keys, l->file, l->d)) ||
        (st = cw__node_get_str(r, "provider", true, l->file,
                               &l->c->duty[i][0], l->d)) ||
        (st = cw__node_get_str(r, "customer", true, l->file,
                               &l->c->duty[i][1], l->d)))
        return st;
    if ((v = cw__node_get(r, "part")) && (st = parse_layer_part(l, v, i)))
        return st;
    for (j = 0; j < CW_MODEL_COUNT; j++) {
        v = cw__node_get(r, model_names[j]);
        if (!v)
            return cw__diag_set(l->d, CW_ESCHEMA, l->file, r->line, r->col,
                                "missing required key '%s'", model_names[j]);
        st = cw__node_enum(v, resp_values, l->file, "responsibility", &idx,
                           l->d);
        if (st)
            return st;
        l->c->layer_resp[i][j] = resp_of_value(idx);
    }
    return CW_OK;
}

static enum cw_status parse_transitions(struct loader *l,
                                        const struct cw__node *seq)
{
    static const char *const keys[] = { "standard", "edition", "ends",
                                        NULL };
    enum cw_status st;
    size_t i;

    if ((st = cw__node_expect(seq, CW__NODE_SEQ, l->file, "transitions",
                              l->d)))
        return st;
    l->c->trans = cw__arena_alloc(&l->c->arena,
                                  (seq->n + 1) * sizeof(*l->c->trans));
    if (!l->c->trans)
        return oom(l);
    for (i = 0; i < seq->n; i++) {
        const struct cw__node *m = seq->kids[i];
        struct cw_transition *t = &l->c->trans[i];
        if ((st = cw__node_expect(m, CW__NODE_MAP, l->file, "a transition",
                                  l->d)) ||
            (st = cw__node_check_keys(m, keys, l->file, l->d)) ||
            (st = cw__node_get_str(m, "standard", true, l->file,
                                   &t->standard, l->d)) ||
            (st = cw__node_get_str(m, "edition", true, l->file, &t->edition,
                                   l->d)) ||
            (st = cw__node_get_str(m, "ends", true, l->file, &t->ends,
                                   l->d)))
            return st;
        if (!cw__date_valid(t->ends))
            return cw__diag_set(l->d, CW_ESCHEMA, l->file, m->line, m->col,
                                "expected a date YYYY-MM-DD for 'ends'");
    }
    l->c->ntrans = seq->n;
    return CW_OK;
}

static enum cw_status parse_rules(struct loader *l,
                                  const struct cw__node *root)
{
    static const char *const top[] = { "responsibility", "parts", "related",
                                       "transitions", NULL };
    const struct cw__node *m = cw__node_get(root, "responsibility"), *v;
    enum cw_status st;
    size_t i;

    if ((st = cw__node_check_keys(root, top, l->file, l->d)) ||
        (st = cw__node_expect(m, CW__NODE_MAP, l->file, "responsibility",
                              l->d)))
        return st;
    if (l->c->have_rules)
        return cw__diag_set(l->d, CW_EEXIST, l->file, m->line, m->col,
                            "responsibility rules are already defined");
    for (i = 0; i < CW_LAYER_COUNT; i++)
        if ((st = parse_layer_rules(l, m, i)))
            return st;
    if ((st = cw__node_check_keys(m, layer_names, l->file, l->d)))
        return st;
    if ((v = cw__node_get(root, "parts")) &&
        (st = cw__node_expect(v, CW__NODE_MAP, l->file,
                              "parts (\"CATALOG ID\": part)", l->d)))
        return st;
    l->c->parts = v;
    if ((v = cw__node_get(root, "related")) &&
        (st = cw__node_expect(v, CW__NODE_SEQ, l->file,
                              "related (a list of pairs)", l->d)))
        return st;
    l->c->related = v;
    if ((v = cw__node_get(root, "transitions")) &&
        (st = parse_transitions(l, v)))
        return st;
    l->c->rules_file = l->file;
    l->c->have_rules = true;
    return CW_OK;
}

static enum cw_status load_buffer(struct cw_catalogs *c, const char *file,
                                  const char *buf, size_t len,
                                  struct cw_diag *d)
{
    struct loader l = { c, NULL, d };
    struct cw__node *root = NULL;
    enum cw_status st;

    l.file = cw__arena_strdup(&c->arena, file);
    if (!l.file)
        return oom(&l);
    st = cw__yaml_parse(&c->arena, l.file, buf, len, NULL, &root, d);
    if (st)
        return st;
    if (root->kind != CW__NODE_MAP)
        return cw__diag_set(d, CW_ESCHEMA, l.file, root->line, root->col,
                            "expected a mapping with 'catalog', 'crosswalk' "
                            "or 'responsibility' at the top");
    if (cw__node_get(root, "catalog"))
        return parse_catalog(&l, root);
    if (cw__node_get(root, "crosswalk"))
        return parse_crosswalk(&l, root);
    if (cw__node_get(root, "responsibility"))
        return parse_rules(&l, root);
    return cw__diag_set(d, CW_ESCHEMA, l.file, root->line, root->col,
                        "expected a top-level key 'catalog', 'crosswalk' or "
                        "'responsibility'");
}

/* ---- pass 2: all files together -------------------------------------- */

const struct cw_catalog *cw_catalogs_find(const struct cw_catalogs *c,
                                          const char *name)
{
    size_t i;
    for (i = 0; i < c->ncats; i++)
        if (strcmp(c->cats[i].name, name) == 0)
            return &c->cats[i];
    return NULL;
}

const struct cw_control *cw_catalog_control(const struct cw_catalog *cat,
                                            const char *id)
{
    size_t i;
    for (i = 0; i < cat->ncontrols; i++)
        if (strcmp(cat->controls[i].id, id) == 0)
            return &cat->controls[i];
    return NULL;
}

const struct cw_control *cw_catalog_guidance(const struct cw_catalog *cat,
                                             const char *id)
{
    size_t i;
    for (i = 0; i < cat->nguidance; i++)
        if (strcmp(cat->guidance[i].id, id) == 0)
            return &cat->guidance[i];
    return NULL;
}

static const struct cw_group *find_group(const struct cw_catalog *cat,
                                         const char *id)
{
    size_t i;
    for (i = 0; i < cat->ngroups; i++)
        if (strcmp(cat->groups[i].id, id) == 0)
            return &cat->groups[i];
    return NULL;
}

const struct cw_group *cw_catalogs_group(const struct cw_catalogs *c,
                                         const struct cw_catalog *cat,
                                         const char *id)
{
    const struct cw_group *g = find_group(cat, id);
    const struct cw_catalog *base;

    if (g || !cat->base)
        return g;
    base = cw_catalogs_find(c, cat->base);
    return base ? find_group(base, id) : NULL;
}

/* Walks up the parents of `group` to the top; NULL if one is missing or the
 * chain loops. */
static const char *top_group(const struct cw_catalogs *c,
                             const struct cw_catalog *cat, const char *group)
{
    const struct cw_group *g = cw_catalogs_group(c, cat, group);
    unsigned hops = 0;

    while (g && g->parent && hops++ < 16)
        g = cw_catalogs_group(c, cat, g->parent);
    return g && !g->parent ? g->id : NULL;
}

static enum cw_status link_catalog(struct cw_catalogs *c,
                                   struct cw_catalog *cat, struct cw_diag *d)
{
    const struct cw_catalog *base = NULL;
    size_t i;

    if (cat->base && !(base = cw_catalogs_find(c, cat->base)))
        return cw__diag_set(d, CW_ENOENT, cat->file, 1, 1,
                            "base catalog '%s' is not loaded", cat->base);
    for (i = 0; i < cat->ngroups; i++) {
        const struct cw_group *g = &cat->groups[i];
        if (g->parent && !cw_catalogs_group(c, cat, g->parent))
            return cw__diag_set(d, CW_ENOENT, cat->file, 1, 1,
                                "group '%s' names unknown parent '%s'", g->id,
                                g->parent);
    }
    for (i = 0; i < cat->ncontrols; i++) {
        struct cw_control *ctl = (struct cw_control *)&cat->controls[i];
        ctl->clause = top_group(c, cat, ctl->group);
        if (!ctl->clause)
            return cw__diag_set(d, CW_ENOENT, cat->file, ctl->line, 1,
                                "control '%s' names unknown group '%s' (or "
                                "its parents do not lead to a top group)",
                                ctl->id, ctl->group);
    }
    for (i = 0; i < cat->nguidance; i++) {
        struct cw_control *g = (struct cw_control *)&cat->guidance[i];
        struct cw_control *bc =
            (struct cw_control *)cw_catalog_control(base, g->id);
        if (!bc)
            return cw__diag_set(d, CW_ENOENT, cat->file, g->line, 1,
                                "guidance refers to control '%s', which "
                                "base catalog %s does not have",
                                g->id, base->name);
        g->base_control = bc;
        g->title = bc->title;
        g->group = bc->group;
        g->summary = bc->summary;
        g->clause = bc->clause;
        g->layer = bc->layer;
        memcpy(g->resp_override, bc->resp_override,
               sizeof(g->resp_override));
        bc->cloud = bc->cloud || g->cloud;
        bc->pii_related = bc->pii_related || g->pii_related;
    }
    return CW_OK;
}

static const struct cw_crosswalk *find_crosswalk(const struct cw_catalogs *c,
                                          const char *from, const char *to)
{
    size_t i;
    for (i = 0; i < c->nxws; i++)
        if (strcmp(c->xws[i].from, from) == 0 && strcmp(c->xws[i].to, to) == 0)
            return &c->xws[i];
    return NULL;
}

static bool in_list(const char *const *v, size_t n, const char *id)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcmp(v[i], id) == 0)
            return true;
    return false;
}

/* Every id of both editions is accounted for, and every id in the file
 * exists. The diagnostic names the first id at fault. */
static enum cw_status check_crosswalk(const struct cw_catalogs *c,
                                      const struct cw_crosswalk *x,
                                      struct cw_diag *d)
{
    const struct cw_catalog *from = cw_catalogs_find(c, x->from);
    const struct cw_catalog *to = cw_catalogs_find(c, x->to);
    const char *hit;
    size_t i;

    if (!from || !to)
        return cw__diag_set(d, CW_ENOENT, "crosswalk", 0, 0,
                            "crosswalk %s -> %s names a catalog that is not "
                            "loaded",
                            x->from, x->to);
    for (i = 0; i < x->npairs; i++) {
        if (!cw_catalog_control(from, x->pairs[i][0]))
            return cw__diag_set(d, CW_ENOENT, "crosswalk", 0, 0,
                                "crosswalk %s -> %s: %s has no control '%s'",
                                x->from, x->to, x->from, x->pairs[i][0]);
        if (!cw_catalog_control(to, x->pairs[i][1]))
            return cw__diag_set(d, CW_ENOENT, "crosswalk", 0, 0,
                                "crosswalk %s -> %s: %s has no control '%s'",
                                x->from, x->to, x->to, x->pairs[i][1]);
    }
    for (i = 0; i < from->ncontrols; i++) {
        const char *id = from->controls[i].id;
        if (!cw_crosswalk_map(x, id, false, &hit, 1) &&
            !in_list(x->removed, x->nremoved, id))
            return cw__diag_set(d, CW_ESCHEMA, "crosswalk", 0, 0,
                                "crosswalk %s -> %s does not say where %s "
                                "went; add a pair or list it under 'removed'",
                                x->from, x->to, id);
    }
    for (i = 0; i < to->ncontrols; i++) {
        const char *id = to->controls[i].id;
        bool mapped = cw_crosswalk_map(x, id, true, &hit, 1) != 0;
        bool added = in_list(x->added, x->nadded, id);
        if (mapped == added)
            return cw__diag_set(d, CW_ESCHEMA, "crosswalk", 0, 0,
                                "crosswalk %s -> %s: %s %s", x->from, x->to,
                                id,
                                mapped ? "is listed as new but has a source"
                                       : "has no source; add a pair or list "
                                         "it under 'new'");
    }
    return CW_OK;
}

static int cmp_catalog(const void *a, const void *b)
{
    return strcmp(((const struct cw_catalog *)a)->name,
                  ((const struct cw_catalog *)b)->name);
}

/* A "CATALOG ID" of the rules file, resolved, or an error at its place. */
static enum cw_status rules_control(struct cw_catalogs *c,
                                    const struct cw__node *v,
                                    const struct cw_control **out,
                                    struct cw_diag *d)
{
    char msg[CW_DIAG_MSG_MAX];

    if (v->kind != CW__NODE_SCALAR || !strchr(v->str, ' '))
        return cw__diag_set(d, CW_ESCHEMA, c->rules_file, v->line, v->col,
                            "expected \"CATALOG ID\", e.g. \"iso27002:2022 "
                            "7.14\"");
    if (!cw_catalogs_resolve(c, v->str, NULL, 0, out, d))
        return CW_OK;
    snprintf(msg, sizeof(msg), "%s", d->msg);
    return cw__diag_set(d, CW_ESCHEMA, c->rules_file, v->line, v->col, "%s",
                        msg);
}

/* The rules' per-control parts and related pairs, once every catalog is
 * loaded (a rules file may name controls of catalogs loaded after it). */
static enum cw_status link_rules(struct cw_catalogs *c, struct cw_diag *d)
{
    const struct cw_control *ctl;
    enum cw_status st;
    size_t i;

    for (i = 0; c->parts && i < c->parts->n; i++) {
        const struct cw__node *k = c->parts->kids[2 * i];
        const struct cw__node *v = c->parts->kids[2 * i + 1];
        if ((st = rules_control(c, k, &ctl, d)))
            return st;
        if (v->kind != CW__NODE_SCALAR || !v->len)
            return cw__diag_set(d, CW_ESCHEMA, c->rules_file, v->line,
                                v->col, "expected the part as a phrase");
        ((struct cw_control *)ctl)->part = v->str;
    }
    if (!c->related)
        return CW_OK;
    c->rel = cw__arena_alloc(&c->arena, (c->related->n + 1) * sizeof(*c->rel));
    if (!c->rel)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    for (i = 0; i < c->related->n; i++) {
        const struct cw__node *p = c->related->kids[i];
        if (p->kind != CW__NODE_SEQ || p->n != 2)
            return cw__diag_set(d, CW_ESCHEMA, c->rules_file, p->line,
                                p->col,
                                "expected a pair [\"CATALOG ID\", "
                                "\"CATALOG ID\"]");
        if ((st = rules_control(c, p->kids[0], &c->rel[i][0], d)) ||
            (st = rules_control(c, p->kids[1], &c->rel[i][1], d)))
            return st;
    }
    c->nrel = c->related->n;
    return CW_OK;
}

static enum cw_status link_all(struct cw_catalogs *c, struct cw_diag *d)
{
    enum cw_status st;
    size_t i;

    if (!c->have_rules)
        return cw__diag_set(d, CW_ENOENT, "rules/responsibility.yaml", 0, 0,
                            "no responsibility rules were loaded");
    qsort(c->cats, c->ncats, sizeof(*c->cats), cmp_catalog);
    /* Bases first, so guidance can copy base fields in any order. */
    for (i = 0; i < c->ncats; i++)
        if (!c->cats[i].nguidance && (st = link_catalog(c, &c->cats[i], d)))
            return st;
    for (i = 0; i < c->ncats; i++)
        if (c->cats[i].nguidance && (st = link_catalog(c, &c->cats[i], d)))
            return st;
    for (i = 0; i < c->nxws; i++)
        if ((st = check_crosswalk(c, &c->xws[i], d)))
            return st;
    if ((st = link_rules(c, d)))
        return st;
    for (i = 0; i < c->ncats; i++) {
        const struct cw_catalog *cat = &c->cats[i];
        if (!cat->replaces)
            continue;
        if (!cw_catalogs_find(c, cat->replaces))
            return cw__diag_set(d, CW_ENOENT, cat->file, 1, 1,
                                "catalog %s replaces %s, which is not loaded",
                                cat->name, cat->replaces);
        if (!find_crosswalk(c, cat->replaces, cat->name))
            return cw__diag_set(d, CW_ENOENT, cat->file, 1, 1,
                                "catalog %s replaces %s but no crosswalk %s "
                                "-> %s is loaded; add one (see "
                                "docs/catalog-format.md)",
                                cat->name, cat->replaces, cat->replaces,
                                cat->name);
    }
    return CW_OK;
}

/* ---- loading --------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool is_yaml_name(const char *n)
{
    size_t len = strlen(n);
    return n[0] != '.' &&
           ((len > 5 && strcmp(n + len - 5, ".yaml") == 0) ||
            (len > 4 && strcmp(n + len - 4, ".yml") == 0));
}

/* Lists the YAML files of `dir`, sorted, into an arena array. */
static enum cw_status list_dir(struct cw_catalogs *c, const char *dir,
                               char ***names, size_t *n, struct cw_diag *d)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    char **v = NULL;
    size_t count = 0;

    if (!dp)
        return cw__diag_set(d, CW_ENOENT, dir, 0, 0,
                            "cannot open catalog directory");
    v = cw__arena_alloc(&c->arena, MAX_FILES * sizeof(*v));
    if (!v) {
        closedir(dp);
        return cw__diag_set(d, CW_ENOMEM, dir, 0, 0, "out of memory");
    }
    while ((e = readdir(dp))) {
        if (!is_yaml_name(e->d_name))
            continue;
        if (count == MAX_FILES) {
            closedir(dp);
            return cw__diag_set(d, CW_ELIMIT, dir, 0, 0,
                                "more than %d catalog files", MAX_FILES);
        }
        v[count] = cw__arena_printf(&c->arena, "%s/%s", dir, e->d_name);
        if (!v[count]) {
            closedir(dp);
            return cw__diag_set(d, CW_ENOMEM, dir, 0, 0, "out of memory");
        }
        count++;
    }
    closedir(dp);
    qsort(v, count, sizeof(*v), cmp_str);
    *names = v;
    *n = count;
    return CW_OK;
}

static enum cw_status load_dirs(struct cw_catalogs *c,
                                const char *const *dirs, struct cw_diag *d)
{
    size_t i, j;
    enum cw_status st = CW_OK;

    for (i = 0; dirs && dirs[i]; i++) {
        char **names = NULL;
        size_t n = 0;
        if ((st = list_dir(c, dirs[i], &names, &n, d)))
            return st;
        for (j = 0; j < n && !st; j++) {
            struct cw__buf b;
            if (c->ncats + c->nxws >= c->cap)
                return cw__diag_set(d, CW_ELIMIT, names[j], 0, 0,
                                    "too many catalog files");
            cw__buf_init(&b, CATALOG_FILE_MAX);
            st = cw__read_file(names[j], &b, d);
            if (!st)
                st = load_buffer(c, names[j], b.data, b.len, d);
            cw__buf_release(&b);
        }
    }
    return st;
}

enum cw_status cw_catalogs_new(const char *const *dirs,
                               struct cw_catalogs **out, struct cw_diag *d)
{
    struct cw_catalogs *c;
    enum cw_status st = CW_OK;
    size_t i;

    *out = NULL;
    c = cw__calloc(1, sizeof(*c));
    if (!c)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    cw__arena_init(&c->arena, 0);
    c->cap = cw__embedded_count + MAX_FILES;
    c->cats = cw__arena_alloc(&c->arena, c->cap * sizeof(*c->cats));
    c->xws = cw__arena_alloc(&c->arena, c->cap * sizeof(*c->xws));
    if (!c->cats || !c->xws)
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    for (i = 0; !st && i < cw__embedded_count; i++) {
        const struct cw__embedded *e = &cw__embedded_files[i];
        char name[256];
        if (strncmp(e->name, "policies/", 9) == 0)
            continue; /* check packs: src/checks loads those */
        snprintf(name, sizeof(name), "(built-in)/%s", e->name);
        st = load_buffer(c, name, e->data, e->len, d);
    }
    if (!st)
        st = load_dirs(c, dirs, d);
    if (!st)
        st = link_all(c, d);
    if (st) {
        cw_catalogs_free(c);
        return st;
    }
    *out = c;
    return CW_OK;
}

void cw_catalogs_free(struct cw_catalogs *c)
{
    if (!c)
        return;
    cw__arena_release(&c->arena);
    cw__free(c);
}

size_t cw_catalogs_count(const struct cw_catalogs *c)
{
    return c->ncats;
}

const struct cw_catalog *cw_catalogs_at(const struct cw_catalogs *c, size_t i)
{
    return i < c->ncats ? &c->cats[i] : NULL;
}

size_t cw_catalogs_crosswalk_count(const struct cw_catalogs *c)
{
    return c->nxws;
}

const struct cw_crosswalk *cw_catalogs_crosswalk_at(const struct cw_catalogs *c,
                                                    size_t i)
{
    return i < c->nxws ? &c->xws[i] : NULL;
}

size_t cw_crosswalk_map(const struct cw_crosswalk *x, const char *id,
                        bool reverse, const char **out, size_t max)
{
    size_t i, n = 0;
    int from = reverse ? 1 : 0;

    for (i = 0; i < x->npairs; i++) {
        if (strcmp(x->pairs[i][from], id) != 0)
            continue;
        if (n < max)
            out[n] = x->pairs[i][1 - from];
        n++;
    }
    return n;
}

enum cw_status cw_catalogs_resolve(const struct cw_catalogs *c,
                                   const char *ref, const char *const *names,
                                   size_t n, const struct cw_control **out,
                                   struct cw_diag *d)
{
    const char *sp = strchr(ref, ' ');
    const struct cw_control *hit = NULL;
    size_t i;

    *out = NULL;
    if (sp) {
        char name[128];
        const struct cw_catalog *cat;
        size_t len = (size_t)(sp - ref);
        if (len >= sizeof(name))
            return cw__diag_set(d, CW_ENOENT, NULL, 0, 0,
                                "unknown catalog in '%s'", ref);
        memcpy(name, ref, len);
        name[len] = '\0';
        cat = cw_catalogs_find(c, name);
        if (!cat) {
            char list[300];
            return cw__diag_set(d, CW_ENOENT, NULL, 0, 0,
                                "unknown catalog '%s'; expected one of: %s",
                                name, cw_catalogs_names(c, list,
                                                        sizeof(list)));
        }
        hit = cw_catalog_control(cat, sp + 1);
        if (!hit)
            return cw__diag_set(d, CW_ENOENT, NULL, 0, 0,
                                "catalog %s has no control '%s'", name,
                                sp + 1);
        *out = hit;
        return CW_OK;
    }
    for (i = 0; i < n; i++) {
        const struct cw_catalog *cat = cw_catalogs_find(c, names[i]);
        const struct cw_control *ctl = cat ? cw_catalog_control(cat, ref)
                                           : NULL;
        if (!ctl)
            continue;
        if (hit)
            return cw__diag_set(d, CW_EAMBIG, NULL, 0, 0,
                                "control '%s' exists in %s and %s; write "
                                "'CATALOG ID', e.g. '%s %s'",
                                ref, hit->catalog, ctl->catalog, ctl->catalog,
                                ref);
        hit = ctl;
    }
    if (!hit)
        return cw__diag_set(d, CW_ENOENT, NULL, 0, 0,
                            "no catalog in force has a control '%s'", ref);
    *out = hit;
    return CW_OK;
}

enum cw_resp cw_catalogs_layer_resp(const struct cw_catalogs *c,
                                    enum cw_layer layer, enum cw_model m)
{
    if ((unsigned)layer >= CW_LAYER_COUNT || (unsigned)m >= CW_MODEL_COUNT)
        return CW_RESP_NONE;
    return c->layer_resp[layer][m];
}

const char *cw_catalogs_names(const struct cw_catalogs *c, char *buf,
                              size_t n)
{
    size_t i, used = 0;

    if (n)
        buf[0] = '\0';
    for (i = 0; i < c->ncats && used < n; i++) {
        int w = snprintf(buf + used, n - used, "%s%s", i ? ", " : "",
                         c->cats[i].name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

enum cw_resp cw_catalogs_resp(const struct cw_catalogs *c,
                              const struct cw_control *ctl, enum cw_model m)
{
    enum cw_resp r;

    if ((unsigned)m >= CW_MODEL_COUNT)
        return CW_RESP_NONE;
    r = ctl->resp_override[m] != CW_RESP_NONE
            ? ctl->resp_override[m]
            : cw_catalogs_layer_resp(c, ctl->layer, m);
    return r;
}

const char *cw_catalogs_part(const struct cw_catalogs *c,
                             const struct cw_control *ctl, enum cw_model m)
{
    if (ctl->part)
        return ctl->part;
    if ((unsigned)ctl->layer >= CW_LAYER_COUNT ||
        (unsigned)m >= CW_MODEL_COUNT)
        return NULL;
    return c->part[ctl->layer][m];
}

size_t cw_catalogs_related(const struct cw_catalogs *c,
                           const struct cw_control *ctl,
                           const struct cw_control **out, size_t max)
{
    size_t i, n = 0;

    for (i = 0; i < c->nrel; i++) {
        if (c->rel[i][0] != ctl)
            continue;
        if (n < max)
            out[n] = c->rel[i][1];
        n++;
    }
    return n;
}

const char *cw_catalogs_transition_end(const struct cw_catalogs *c,
                                       const char *standard,
                                       const char *edition)
{
    size_t i;

    for (i = 0; standard && edition && i < c->ntrans; i++)
        if (strcmp(c->trans[i].standard, standard) == 0 &&
            strcmp(c->trans[i].edition, edition) == 0)
            return c->trans[i].ends;
    return NULL;
}

const char *cw_catalogs_layer_duty(const struct cw_catalogs *c,
                                   enum cw_layer layer, bool customer)
{
    if ((unsigned)layer >= CW_LAYER_COUNT)
        return "";
    return c->duty[layer][customer ? 1 : 0];
}
