/*
 * scope.c - loading cloudward.yaml, its decision files and the matrices
 * of upstream providers.
 *
 * Everything lives in one arena owned by the struct cw_scope, parse trees
 * included (their strings are reused, not copied). Loading stops at the
 * first problem and reports it with FILE:LINE:COL; nothing is written, so a
 * bad file can never damage stored data.
 *
 * Decision files are found by glob patterns relative to the scope file, and
 * read in sorted order so that "duplicate decision" always names the same
 * pair of places.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cloudward/cw_scope.h>

#include "../parse/node.h"
#include "scope_internal.h"

#define SCOPE_FILE_MAX  ((size_t)4 << 20)
#define MATRIX_FILE_MAX ((size_t)64 << 20)
#define MAX_CATALOGS    32
#define MAX_UPSTREAMS   64
#define MAX_DECISION_FILES 4096

struct cw_scope {
    struct cw__arena arena;
    const struct cw_catalogs *cats;
    const char *path;
    const char *dir;
    const char *organisation;
    enum cw_role role;
    unsigned models;
    bool pii;
    const char *catalogs[MAX_CATALOGS];
    size_t ncatalogs;
    const char **regions; /* pii_regions: globs, NULL-terminated */
    size_t nregions;
    struct cw_upstream ups[MAX_UPSTREAMS];
    size_t nups;
    struct cw_decision *decisions;
    size_t ndecisions;
    size_t decisions_cap;
    bool offline; /* fuzzing: never read decision files or matrices */
};

static const char *const role_names[] = { "provider", "customer", "both",
                                          NULL };
static const char *const model_names[] = { "iaas", "paas", "saas", NULL };
static const char *const source_names[] = { "risk", "legal", "contract",
                                            "best-practice", NULL };
static const char *const status_names[] = { "implemented", "partial",
                                            "planned", "not-implemented",
                                            "not-assessed", NULL };
static const char *const resp_names[] = { "provider", "customer", "shared",
                                          NULL };

const char *cw_role_name(enum cw_role r)
{
    return (unsigned)r <= CW_ROLE_BOTH ? role_names[r] : NULL;
}

bool cw_role_parse(const char *s, enum cw_role *out)
{
    size_t i;
    for (i = 0; role_names[i]; i++) {
        if (strcmp(s, role_names[i]) == 0) {
            *out = (enum cw_role)i;
            return true;
        }
    }
    return false;
}

static enum cw_status oom(const char *file, struct cw_diag *d)
{
    return cw__diag_set(d, CW_ENOMEM, file, 0, 0, "out of memory");
}

/* Reads and parses one YAML (or JSON) file into the scope's arena. */
static enum cw_status parse_file(struct cw_scope *s, const char *path,
                                 size_t cap, struct cw__node **root,
                                 struct cw_diag *d)
{
    struct cw__buf b;
    enum cw_status st;

    cw__buf_init(&b, cap);
    st = cw__read_file(path, &b, d);
    if (!st)
        st = cw__yaml_parse(&s->arena, path, b.data, b.len, NULL, root, d);
    cw__buf_release(&b);
    return st;
}

/* "dir/name" unless `name` is absolute or the scope is in ".". */
static const char *relative_to(struct cw_scope *s, const char *name)
{
    if (name[0] == '/' || strcmp(s->dir, ".") == 0)
        return cw__arena_strdup(&s->arena, name);
    return cw__arena_printf(&s->arena, "%s/%s", s->dir, name);
}

/* ---- cloudward.yaml ---------------------------------------------------- */

static enum cw_status add_catalog(struct cw_scope *s, const char *name,
                                  const struct cw__node *at,
                                  struct cw_diag *d)
{
    const struct cw_catalog *cat = cw_catalogs_find(s->cats, name);
    size_t i;

    if (!cat) {
        char list[300];
        size_t used = 0;
        list[0] = '\0';
        for (i = 0; i < cw_catalogs_count(s->cats) && used < sizeof(list);
             i++) {
            int w = snprintf(list + used, sizeof(list) - used, "%s%s",
                             i ? ", " : "", cw_catalogs_at(s->cats, i)->name);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        return cw__diag_set(d, CW_ESCHEMA, s->path, at ? at->line : 0,
                            at ? at->col : 0,
                            "unknown catalog '%s'; expected one of: %s", name,
                            list);
    }
    for (i = 0; i < s->ncatalogs; i++)
        if (strcmp(s->catalogs[i], cat->name) == 0)
            return CW_OK;
    if (s->ncatalogs == MAX_CATALOGS)
        return cw__diag_set(d, CW_ELIMIT, s->path, at ? at->line : 0,
                            at ? at->col : 0, "more than %d catalogs",
                            MAX_CATALOGS);
    s->catalogs[s->ncatalogs++] = cat->name;
    if (cat->base)
        return add_catalog(s, cat->base, at, d);
    return CW_OK;
}

static enum cw_status parse_catalogs(struct cw_scope *s,
                                     const struct cw__node *v,
                                     struct cw_diag *d)
{
    enum cw_status st;
    size_t i;

    if (!v) {
        /* Default: the 2013 family the current 27017/27018 build on. */
        st = add_catalog(s, "iso27017:2015", NULL, d);
        if (!st && s->pii)
            st = add_catalog(s, "iso27018:2019", NULL, d);
        return st;
    }
    st = cw__node_expect(v, CW__NODE_SEQ, s->path, "catalogs", d);
    for (i = 0; !st && i < v->n; i++) {
        st = cw__node_expect(v->kids[i], CW__NODE_SCALAR, s->path,
                             "a catalog name", d);
        if (!st)
            st = add_catalog(s, v->kids[i]->str, v->kids[i], d);
    }
    if (!st && !s->ncatalogs)
        st = cw__diag_set(d, CW_ESCHEMA, s->path, v->line, v->col,
                          "expected at least one catalog");
    return st;
}

/* pii_regions: where PII may be stored, as region names or globs
 * ("eu-*", "westeurope"); checked by the location rule of config packs. */
static enum cw_status parse_regions(struct cw_scope *s,
                                    const struct cw__node *v,
                                    struct cw_diag *d)
{
    enum cw_status st;
    size_t i;

    st = cw__node_expect(v, CW__NODE_SEQ, s->path, "pii_regions", d);
    if (!st && !(s->regions = cw__arena_alloc(&s->arena, (v->n + 1) *
                                                          sizeof(*s->regions))))
        return cw__diag_set(d, CW_ENOMEM, s->path, v->line, v->col,
                            "out of memory");
    for (i = 0; !st && i < v->n; i++) {
        const struct cw__node *k = v->kids[i];
        if (k->kind != CW__NODE_SCALAR || k->type != CW__T_STRING || !k->len)
            st = cw__diag_set(d, CW_ESCHEMA, s->path, k->line, k->col,
                              "expected a region name or glob such as "
                              "eu-west-1 or eu-*");
        else
            s->regions[s->nregions++] = k->str;
    }
    return st;
}

static enum cw_status parse_models(struct cw_scope *s,
                                   const struct cw__node *v, unsigned *mask,
                                   struct cw_diag *d)
{
    enum cw_status st;
    size_t i, idx;

    st = cw__node_expect(v, CW__NODE_SEQ, s->path, "service_models", d);
    for (i = 0; !st && i < v->n; i++) {
        st = cw__node_enum(v->kids[i], model_names, s->path, "service model",
                           &idx, d);
        if (!st)
            *mask |= 1u << idx;
    }
    if (!st && !*mask)
        st = cw__diag_set(d, CW_ESCHEMA, s->path, v->line, v->col,
                          "expected at least one of iaas, paas, saas");
    return st;
}

static enum cw_status load_matrix(struct cw_scope *s, struct cw_upstream *u,
                                  const struct cw__node *at,
                                  struct cw_diag *d);

static enum cw_status parse_upstream(struct cw_scope *s,
                                     const struct cw__node *m,
                                     struct cw_upstream *u, struct cw_diag *d)
{
    static const char *const keys[] = { "name", "service_model",
                                        "certificate", "expires", "matrix",
                                        "notes", NULL };
    const struct cw__node *v;
    enum cw_status st;
    size_t idx;

    if ((st = cw__node_expect(m, CW__NODE_MAP, s->path, "a provider", d)) ||
        (st = cw__node_check_keys(m, keys, s->path, d)) ||
        (st = cw__node_get_str(m, "name", true, s->path, &u->name, d)) ||
        (st = cw__node_get_str(m, "certificate", false, s->path,
                               &u->certificate, d)) ||
        (st = cw__node_get_str(m, "expires", false, s->path, &u->expires,
                               d)) ||
        (st = cw__node_get_str(m, "matrix", false, s->path, &u->matrix, d)))
        return st;
    u->file = s->path;
    u->line = m->line;
    v = cw__node_get(m, "service_model");
    if (!v)
        return cw__diag_set(d, CW_ESCHEMA, s->path, m->line, m->col,
                            "missing required key 'service_model' (iaas, "
                            "paas or saas)");
    if ((st = cw__node_enum(v, model_names, s->path, "service model", &idx,
                            d)))
        return st;
    u->model = (enum cw_model)idx;
    v = cw__node_get(m, "expires");
    if (u->expires && !cw__date_valid(u->expires))
        return cw__diag_set(d, CW_ESCHEMA, s->path, v->line, v->col,
                            "expected a date YYYY-MM-DD, found '%s'",
                            u->expires);
    if (u->certificate && !u->expires)
        return cw__diag_set(d, CW_ESCHEMA, s->path, m->line, m->col,
                            "provider '%s' names a certificate but no "
                            "'expires' date",
                            u->name);
    if (u->matrix && !s->offline) {
        u->matrix = relative_to(s, u->matrix);
        if (!u->matrix)
            return oom(s->path, d);
        return load_matrix(s, u, cw__node_get(m, "matrix"), d);
    }
    return CW_OK;
}

static enum cw_status parse_upstreams(struct cw_scope *s,
                                      const struct cw__node *v,
                                      struct cw_diag *d)
{
    enum cw_status st;
    size_t i;

    st = cw__node_expect(v, CW__NODE_SEQ, s->path, "providers", d);
    if (!st && v->n > MAX_UPSTREAMS)
        return cw__diag_set(d, CW_ELIMIT, s->path, v->line, v->col,
                            "more than %d providers", MAX_UPSTREAMS);
    for (i = 0; !st && i < v->n; i++) {
        st = parse_upstream(s, v->kids[i], &s->ups[i], d);
        if (!st)
            s->nups++;
    }
    return st;
}

/* ---- an upstream provider's published matrix ------------------------ */

static enum cw_status parse_matrix_row(struct cw_scope *s, const char *file,
                                       const struct cw__node *m,
                                       struct cw_matrix_row *r, bool *keep,
                                       struct cw_diag *d)
{
    const char *catalog = NULL, *id = NULL, *resp = NULL;
    const struct cw_catalog *cat;
    enum cw_status st;
    size_t i;

    *keep = false;
    if ((st = cw__node_expect(m, CW__NODE_MAP, file, "a matrix row", d)) ||
        (st = cw__node_get_str(m, "catalog", true, file, &catalog, d)) ||
        (st = cw__node_get_str(m, "id", true, file, &id, d)) ||
        (st = cw__node_get_str(m, "responsibility", true, file, &resp, d)) ||
        (st = cw__node_get_str(m, "provider_duty", false, file,
                               &r->provider_duty, d)) ||
        (st = cw__node_get_str(m, "customer_duty", false, file,
                               &r->customer_duty, d)))
        return st;
    if (!cw_resp_parse(resp, &r->responsibility)) {
        const struct cw__node *v = cw__node_get(m, "responsibility");
        return cw__diag_set(d, CW_ESCHEMA, file, v->line, v->col,
                            "unknown responsibility '%s'; expected one of: "
                            "provider, customer, shared",
                            resp);
    }
    /* Rows of catalogs this scope does not use are not ours to judge. */
    for (i = 0; i < s->ncatalogs; i++)
        if (strcmp(s->catalogs[i], catalog) == 0)
            break;
    if (i == s->ncatalogs)
        return CW_OK;
    cat = cw_catalogs_find(s->cats, catalog);
    r->control = cat ? cw_catalog_control(cat, id) : NULL;
    if (!r->control) {
        const struct cw__node *v = cw__node_get(m, "id");
        return cw__diag_set(d, CW_ESCHEMA, file, v->line, v->col,
                            "catalog %s has no control '%s'", catalog, id);
    }
    *keep = true;
    return CW_OK;
}

static enum cw_status load_matrix(struct cw_scope *s, struct cw_upstream *u,
                                  const struct cw__node *at,
                                  struct cw_diag *d)
{
    struct cw__node *root = NULL;
    const struct cw__node *rows;
    struct cw_matrix_row *v;
    enum cw_status st;
    size_t i;

    st = parse_file(s, u->matrix, MATRIX_FILE_MAX, &root, d);
    if (st == CW_ENOENT)
        return cw__diag_set(d, CW_ENOENT, s->path, at->line, at->col,
                            "cannot read the matrix of provider '%s': %s",
                            u->name, u->matrix);
    if (st)
        return st;
    rows = cw__node_get(root, "controls");
    if (!rows)
        return cw__diag_set(d, CW_ESCHEMA, u->matrix, root->line, root->col,
                            "expected a responsibility matrix (a 'controls' "
                            "list, as written by 'cloudward matrix --format "
                            "json')");
    if ((st = cw__node_expect(rows, CW__NODE_SEQ, u->matrix, "controls", d)))
        return st;
    v = cw__arena_alloc(&s->arena, (rows->n + 1) * sizeof(*v));
    if (!v)
        return oom(u->matrix, d);
    for (i = 0; i < rows->n; i++) {
        bool keep;
        st = parse_matrix_row(s, u->matrix, rows->kids[i], &v[u->nrows],
                              &keep, d);
        if (st)
            return st;
        if (keep)
            u->nrows++;
    }
    u->rows = v;
    return CW_OK;
}

/* ---- decision files ---------------------------------------------------- */

static enum cw_status parse_evidence(struct cw_scope *s, const char *file,
                                     const struct cw__node *v,
                                     const char **out, struct cw_diag *d)
{
    struct cw__buf b;
    enum cw_status st;
    size_t i;

    st = cw__node_expect(v, CW__NODE_SEQ, file, "evidence (a list)", d);
    if (st)
        return st;
    cw__buf_init(&b, 65536);
    for (i = 0; i < v->n && !st; i++) {
        st = cw__node_expect(v->kids[i], CW__NODE_SCALAR, file,
                             "an evidence reference", d);
        if (!st && i)
            st = cw__buf_puts(&b, "; ");
        if (!st)
            st = cw__buf_puts(&b, v->kids[i]->str);
    }
    if (!st && b.len)
        *out = cw__arena_strdup(&s->arena, b.data);
    if (!st && b.len && !*out)
        st = oom(file, d);
    if (st == CW_ELIMIT)
        st = cw__diag_set(d, st, file, v->line, v->col,
                          "evidence list too long");
    cw__buf_release(&b);
    return st;
}

/* Reads an optional enumerated string. */
static enum cw_status get_enum(const struct cw__node *m, const char *key,
                               const char *const *values, const char *file,
                               const char **out, struct cw_diag *d)
{
    const struct cw__node *v = cw__node_get(m, key);
    size_t idx;
    enum cw_status st;

    if (!v || cw__node_is_null(v))
        return CW_OK;
    st = cw__node_enum(v, values, file, key, &idx, d);
    if (!st)
        *out = values[idx];
    return st;
}

static enum cw_status parse_decision(struct cw_scope *s, const char *file,
                                     const struct cw__node *m,
                                     struct cw_decision *dc,
                                     struct cw_diag *d)
{
    static const char *const keys[] = {
        "control", "applicable", "justification", "source", "status",
        "owner",   "responsibility", "notes",     "evidence", NULL
    };
    const char *ref = NULL, *resp = NULL;
    const struct cw__node *v;
    enum cw_status st;
    bool applicable;

    if ((st = cw__node_expect(m, CW__NODE_MAP, file, "a decision", d)) ||
        (st = cw__node_check_keys(m, keys, file, d)) ||
        (st = cw__node_get_str(m, "control", true, file, &ref, d)) ||
        (st = cw__node_get_str(m, "justification", false, file,
                               &dc->justification, d)) ||
        (st = cw__node_get_str(m, "owner", false, file, &dc->owner, d)) ||
        (st = cw__node_get_str(m, "notes", false, file, &dc->notes, d)) ||
        (st = get_enum(m, "source", source_names, file, &dc->source, d)) ||
        (st = get_enum(m, "status", status_names, file, &dc->status, d)) ||
        (st = get_enum(m, "responsibility", resp_names, file, &resp, d)))
        return st;
    v = cw__node_get(m, "control");
    st = cw_catalogs_resolve(s->cats, ref, s->catalogs, s->ncatalogs,
                             &dc->control, d);
    if (st) {
        char msg[CW_DIAG_MSG_MAX];
        snprintf(msg, sizeof(msg), "%s", d->msg);
        return cw__diag_set(d, CW_ESCHEMA, file, v->line, v->col, "%s", msg);
    }
    v = cw__node_get(m, "applicable");
    if (!v)
        return cw__diag_set(d, CW_ESCHEMA, file, m->line, m->col,
                            "missing required key 'applicable' (true or "
                            "false)");
    if ((st = cw__node_bool(v, file, &applicable, d)))
        return st;
    dc->applicable = applicable;
    if (!applicable && !dc->justification)
        return cw__diag_set(d, CW_ESCHEMA, file, m->line, m->col,
                            "a control marked not applicable needs a "
                            "'justification'");
    if (resp)
        cw_resp_parse(resp, &dc->responsibility);
    if ((v = cw__node_get(m, "evidence")) &&
        (st = parse_evidence(s, file, v, &dc->evidence, d)))
        return st;
    dc->file = file;
    dc->line = m->line;
    dc->col = m->col;
    return CW_OK;
}

static enum cw_status add_decision(struct cw_scope *s,
                                   const struct cw_decision *dc,
                                   struct cw_diag *d)
{
    const struct cw_decision *prev = cw_scope_find_decision(s, dc->control);

    if (prev)
        return cw__diag_set(d, CW_ESCHEMA, dc->file, dc->line, dc->col,
                            "duplicate decision for %s %s (first at %s:%u)",
                            dc->control->catalog, dc->control->id, prev->file,
                            prev->line);
    if (s->ndecisions == s->decisions_cap) {
        size_t want = s->decisions_cap ? s->decisions_cap * 2 : 64;
        struct cw_decision *v =
            cw__arena_alloc(&s->arena, want * sizeof(*v));
        if (!v)
            return oom(dc->file, d);
        if (s->ndecisions)
            memcpy(v, s->decisions, s->ndecisions * sizeof(*v));
        s->decisions = v;
        s->decisions_cap = want;
    }
    s->decisions[s->ndecisions++] = *dc;
    return CW_OK;
}

static enum cw_status decisions_from_tree(struct cw_scope *s,
                                          const char *file,
                                          const struct cw__node *root,
                                          struct cw_diag *d)
{
    static const char *const top[] = { "decisions", NULL };
    const struct cw__node *list;
    enum cw_status st;
    size_t i;

    if (cw__node_is_null(root))
        return CW_OK; /* an empty file decides nothing */
    if ((st = cw__node_expect(root, CW__NODE_MAP, file,
                              "a mapping with a 'decisions' list", d)) ||
        (st = cw__node_check_keys(root, top, file, d)))
        return st;
    list = cw__node_get(root, "decisions");
    if (!list || cw__node_is_null(list))
        return CW_OK;
    if ((st = cw__node_expect(list, CW__NODE_SEQ, file, "decisions", d)))
        return st;
    for (i = 0; i < list->n; i++) {
        struct cw_decision dc;
        memset(&dc, 0, sizeof(dc));
        if ((st = parse_decision(s, file, list->kids[i], &dc, d)) ||
            (st = add_decision(s, &dc, d)))
            return st;
    }
    return CW_OK;
}

static enum cw_status load_decision_file(struct cw_scope *s, const char *path,
                                         struct cw_diag *d)
{
    struct cw__node *root = NULL;
    const char *file = cw__arena_strdup(&s->arena, path);
    enum cw_status st;

    if (!file)
        return oom(path, d);
    if ((st = parse_file(s, file, SCOPE_FILE_MAX, &root, d)))
        return st;
    return decisions_from_tree(s, file, root, d);
}

static bool has_glob_chars(const char *p)
{
    return strpbrk(p, "*?[") != NULL;
}

static enum cw_status load_decision_pattern(struct cw_scope *s,
                                            const char *pattern,
                                            const struct cw__node *at,
                                            struct cw_diag *d)
{
    const char *full = relative_to(s, pattern);
    glob_t g;
    enum cw_status st = CW_OK;
    size_t i;
    int rc;

    if (!full)
        return oom(s->path, d);
    memset(&g, 0, sizeof(g));
    rc = glob(full, 0, NULL, &g);
    if (rc == GLOB_NOMATCH) {
        globfree(&g);
        if (has_glob_chars(pattern))
            return CW_OK;
        return cw__diag_set(d, CW_ENOENT, s->path, at ? at->line : 0,
                            at ? at->col : 0,
                            "decision file '%s' does not exist", full);
    }
    if (rc) {
        globfree(&g);
        return cw__diag_set(d, CW_EIO, s->path, at ? at->line : 0,
                            at ? at->col : 0, "cannot list '%s'", full);
    }
    if (g.gl_pathc > MAX_DECISION_FILES)
        st = cw__diag_set(d, CW_ELIMIT, s->path, at ? at->line : 0,
                          at ? at->col : 0, "more than %d decision files",
                          MAX_DECISION_FILES);
    for (i = 0; !st && i < g.gl_pathc; i++)
        st = load_decision_file(s, g.gl_pathv[i], d);
    globfree(&g);
    return st;
}

static enum cw_status load_decisions(struct cw_scope *s,
                                     const struct cw__node *v,
                                     struct cw_diag *d)
{
    enum cw_status st;
    size_t i;

    if (!v)
        return load_decision_pattern(s, "decisions/*.yaml", NULL, d);
    st = cw__node_expect(v, CW__NODE_SEQ, s->path,
                         "decisions (a list of files or patterns)", d);
    for (i = 0; !st && i < v->n; i++) {
        st = cw__node_expect(v->kids[i], CW__NODE_SCALAR, s->path,
                             "a file name or pattern", d);
        if (!st)
            st = load_decision_pattern(s, v->kids[i]->str, v->kids[i], d);
    }
    return st;
}

static enum cw_status parse_scope(struct cw_scope *s,
                                  const struct cw__node *root,
                                  struct cw_diag *d)
{
    static const char *const keys[] = { "organisation", "role",
                                        "service_models", "pii_processor",
                                        "catalogs",     "decisions",
                                        "providers",    "pii_regions",
                                        NULL };
    const struct cw__node *v;
    enum cw_status st;
    size_t idx;

    if ((st = cw__node_expect(root, CW__NODE_MAP, s->path,
                              "a scope (organisation, role, ...)", d)) ||
        (st = cw__node_check_keys(root, keys, s->path, d)) ||
        (st = cw__node_get_str(root, "organisation", true, s->path,
                               &s->organisation, d)))
        return st;
    if (!(v = cw__node_get(root, "role")))
        return cw__diag_set(d, CW_ESCHEMA, s->path, root->line, root->col,
                            "missing required key 'role' (provider, "
                            "customer or both)");
    if ((st = cw__node_enum(v, role_names, s->path, "role", &idx, d)))
        return st;
    s->role = (enum cw_role)idx;
    if (!(v = cw__node_get(root, "service_models")))
        return cw__diag_set(d, CW_ESCHEMA, s->path, root->line, root->col,
                            "missing required key 'service_models' (a list "
                            "of iaas, paas, saas)");
    if ((st = parse_models(s, v, &s->models, d)))
        return st;
    if (!(v = cw__node_get(root, "pii_processor")))
        return cw__diag_set(d, CW_ESCHEMA, s->path, root->line, root->col,
                            "missing required key 'pii_processor' (true or "
                            "false)");
    if ((st = cw__node_bool(v, s->path, &s->pii, d)))
        return st;
    if ((st = parse_catalogs(s, cw__node_get(root, "catalogs"), d)))
        return st;
    if ((v = cw__node_get(root, "pii_regions")) && !cw__node_is_null(v) &&
        (st = parse_regions(s, v, d)))
        return st;
    if ((v = cw__node_get(root, "providers")) && !cw__node_is_null(v) &&
        (st = parse_upstreams(s, v, d)))
        return st;
    if (s->offline)
        return CW_OK;
    return load_decisions(s, cw__node_get(root, "decisions"), d);
}

enum cw_status cw_scope_load(const struct cw_catalogs *cats, const char *path,
                             struct cw_scope **out, struct cw_diag *d)
{
    struct cw_scope *s;
    struct cw__node *root = NULL;
    const char *slash;
    enum cw_status st;

    *out = NULL;
    s = cw__calloc(1, sizeof(*s));
    if (!s)
        return oom(path, d);
    cw__arena_init(&s->arena, 0);
    s->cats = cats;
    s->path = cw__arena_strdup(&s->arena, path);
    slash = s->path ? strrchr(s->path, '/') : NULL;
    s->dir = !s->path ? NULL
             : slash  ? cw__arena_strndup(&s->arena, s->path,
                                          slash == s->path
                                              ? 1
                                              : (size_t)(slash - s->path))
                      : ".";
    if (!s->path || !s->dir)
        st = oom(path, d);
    else
        st = parse_file(s, s->path, SCOPE_FILE_MAX, &root, d);
    if (!st)
        st = parse_scope(s, root, d);
    if (st) {
        cw_scope_free(s);
        return st;
    }
    *out = s;
    return CW_OK;
}

void cw_scope_free(struct cw_scope *s)
{
    if (!s)
        return;
    cw__arena_release(&s->arena);
    cw__free(s);
}

const char *cw_scope_path(const struct cw_scope *s)
{
    return s->path;
}

const char *cw_scope_organisation(const struct cw_scope *s)
{
    return s->organisation;
}

enum cw_role cw_scope_role(const struct cw_scope *s)
{
    return s->role;
}

unsigned cw_scope_models(const struct cw_scope *s)
{
    return s->models;
}

const char *const *cw_scope_pii_regions(const struct cw_scope *s, size_t *n)
{
    *n = s->nregions;
    return s->regions;
}

bool cw_scope_pii_processor(const struct cw_scope *s)
{
    return s->pii;
}

size_t cw_scope_catalog_count(const struct cw_scope *s)
{
    return s->ncatalogs;
}

const char *const *cw_scope_catalogs(const struct cw_scope *s)
{
    return s->catalogs;
}

size_t cw_scope_upstream_count(const struct cw_scope *s)
{
    return s->nups;
}

const struct cw_upstream *cw_scope_upstream(const struct cw_scope *s,
                                            size_t i)
{
    return i < s->nups ? &s->ups[i] : NULL;
}

size_t cw_scope_decision_count(const struct cw_scope *s)
{
    return s->ndecisions;
}

const struct cw_decision *cw_scope_decision(const struct cw_scope *s,
                                            size_t i)
{
    return i < s->ndecisions ? &s->decisions[i] : NULL;
}

const struct cw_decision *cw_scope_find_decision(const struct cw_scope *s,
                                                 const struct cw_control *ctl)
{
    size_t i;
    for (i = 0; i < s->ndecisions; i++)
        if (s->decisions[i].control == ctl)
            return &s->decisions[i];
    return NULL;
}

enum cw_status cw_scope_store_dir(const char *scope_path,
                                  const char *override, char *out, size_t n)
{
    const char *env = getenv("CLOUDWARD_STORE");
    const char *slash = strrchr(scope_path, '/');
    int w;

    if (override)
        w = snprintf(out, n, "%s", override);
    else if (env && *env)
        w = snprintf(out, n, "%s", env);
    else if (slash)
        w = snprintf(out, n, "%.*s/.cloudward", (int)(slash - scope_path),
                     scope_path);
    else
        w = snprintf(out, n, ".cloudward");
    return w < 0 || (size_t)w >= n ? CW_ELIMIT : CW_OK;
}

enum cw_status cw__scope_check_buffer(const struct cw_catalogs *cats,
                                      const char *buf, size_t len,
                                      struct cw_diag *d)
{
    struct cw_scope *s = cw__calloc(1, sizeof(*s));
    struct cw__node *root = NULL;
    enum cw_status st, st2;

    if (!s)
        return CW_ENOMEM;
    cw__arena_init(&s->arena, 0);
    s->cats = cats;
    s->path = "fuzz.yaml";
    s->dir = ".";
    s->offline = true;
    st = cw__yaml_parse(&s->arena, s->path, buf, len, NULL, &root, d);
    if (!st) {
        st = parse_scope(s, root, d);
        /* The same tree as a decision file, against the default catalogs. */
        if (!s->ncatalogs)
            st2 = add_catalog(s, "iso27017:2015", NULL, d);
        else
            st2 = CW_OK;
        if (!st2)
            st2 = decisions_from_tree(s, s->path, root, d);
        if (!st)
            st = st2;
    }
    cw_scope_free(s);
    return st;
}
