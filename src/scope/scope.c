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
#include <sys/stat.h>
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
    /* Catalogs that resolve references and carry guidance but have no
     * lines: the 2013 base of 27017/27018 in a 2022 scope. */
    const char *refs[MAX_CATALOGS];
    size_t nrefs;
    const char *statement;
    struct cw_document doc;
    const struct cw_assurance *assurance;
    size_t nassurance;
    const char **regions; /* pii_regions: globs, NULL-terminated */
    size_t nregions;
    struct cw_upstream ups[MAX_UPSTREAMS];
    size_t nups;
    struct cw_decision *decisions;
    size_t ndecisions;
    size_t decisions_cap;
    bool offline; /* fuzzing: never read decision files or matrices */
    /* What it was read from, for cw_scope_fresh: each file as it stood
     * just before it was read, and each decision pattern's matches. */
    struct seen_file {
        const char *path;
        struct stat st;
        bool absent;
    } *seen;
    size_t nseen, aseen;
    struct seen_glob {
        const char *pattern;
        const char *matches; /* joined by '\n' */
    } *globs;
    size_t nglobs, aglobs;
};

/* Notes file `path` as it stands, before it is read (a change after the
 * stat is then seen by the next cw_scope_fresh). */
static bool note_file(struct cw_scope *s, const char *path)
{
    struct seen_file *f;
    if (!cw__grow((void **)&s->seen, &s->aseen, s->nseen, sizeof(*s->seen)))
        return false;
    f = &s->seen[s->nseen];
    memset(f, 0, sizeof(*f));
    if (!(f->path = cw__arena_strdup(&s->arena, path)))
        return false;
    f->absent = stat(path, &f->st) != 0;
    s->nseen++;
    return true;
}

static const char *glob_matches(struct cw_scope *s, const glob_t *g)
{
    struct cw__buf b;
    const char *out;
    size_t i;
    cw__buf_init(&b, (size_t)1 << 24);
    for (i = 0; i < g->gl_pathc; i++)
        if (cw__buf_printf(&b, "%s%s", i ? "\n" : "", g->gl_pathv[i])) {
            cw__buf_release(&b);
            return NULL;
        }
    out = cw__arena_strdup(&s->arena, b.data ? b.data : "");
    cw__buf_release(&b);
    return out;
}

static bool note_glob(struct cw_scope *s, const char *pattern,
                      const glob_t *g)
{
    struct seen_glob *x;
    if (!cw__grow((void **)&s->globs, &s->aglobs, s->nglobs,
                  sizeof(*s->globs)))
        return false;
    x = &s->globs[s->nglobs];
    if (!(x->pattern = cw__arena_strdup(&s->arena, pattern)) ||
        !(x->matches = glob_matches(s, g)))
        return false;
    s->nglobs++;
    return true;
}

bool cw_scope_fresh(const struct cw_scope *s)
{
    size_t i;
    for (i = 0; i < s->nseen; i++) {
        const struct seen_file *f = &s->seen[i];
        struct stat st;
        bool absent = stat(f->path, &st) != 0;
        if (absent != f->absent)
            return false;
        if (!absent &&
            (st.st_dev != f->st.st_dev || st.st_ino != f->st.st_ino ||
             st.st_size != f->st.st_size ||
             st.st_mtim.tv_sec != f->st.st_mtim.tv_sec ||
             st.st_mtim.tv_nsec != f->st.st_mtim.tv_nsec ||
             st.st_ctim.tv_sec != f->st.st_ctim.tv_sec ||
             st.st_ctim.tv_nsec != f->st.st_ctim.tv_nsec))
            return false;
    }
    for (i = 0; i < s->nglobs; i++) {
        glob_t g;
        struct cw__buf b;
        size_t k;
        bool same;
        memset(&g, 0, sizeof(g));
        if (glob(s->globs[i].pattern, 0, NULL, &g) != 0 &&
            g.gl_pathc != 0) {
            globfree(&g);
            return false;
        }
        cw__buf_init(&b, (size_t)1 << 24);
        for (k = 0; k < g.gl_pathc; k++)
            (void)cw__buf_printf(&b, "%s%s", k ? "\n" : "", g.gl_pathv[k]);
        same = strcmp(b.data ? b.data : "", s->globs[i].matches) == 0;
        cw__buf_release(&b);
        globfree(&g);
        if (!same)
            return false;
    }
    return true;
}

static const char *const role_names[] = { "provider", "customer", "both",
                                          NULL };
static const char *const model_names[] = { "iaas", "paas", "saas", NULL };
static const char *const source_names[] = { "risk",     "legal",
                                            "contract", "business",
                                            "best-practice", NULL };
static const char *const status_names[] = { "not-started", "planned",
                                            "partial",     "implemented",
                                            "not-applicable", NULL };
static const char *const resp_names[] = { "provider", "customer", "split",
                                          "each", NULL };

const char *cw_assurance_cite(const struct cw_assurance *a, bool full,
                              char *buf, size_t n)
{
    size_t i, used;
    int w;

    if (!n)
        return buf;
    if (!a->standard)
        w = snprintf(buf, n, "certificate '%s' (standard not stated)",
                     a->number ? a->number : "?");
    else
        w = snprintf(buf, n, "%s%s%s %s%s%s%s%s%s", a->standard,
                     a->edition ? ":" : "", a->edition ? a->edition : "",
                     a->kind == CW_ASSURANCE_CERTIFICATE ? "certificate"
                                                         : "report",
                     a->number ? " " : "", a->number ? a->number : "",
                     a->body ? " (" : "", a->body ? a->body : "",
                     a->body ? ")" : "");
    used = w < 0 ? 0 : (size_t)w;
    for (i = 0; full && i < a->ncovers && used < n; i++) {
        w = snprintf(buf + used, n - used, "%s%s",
                     i ? (i + 1 == a->ncovers ? " and " : ", ")
                       : " extended to ",
                     a->covers[i]);
        used += w < 0 ? 0 : (size_t)w;
    }
    if (full && used < n)
        snprintf(buf + used, n - used, ", valid until %s",
                 a->valid_until ? a->valid_until : "?");
    return buf;
}

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

    if (!note_file(s, path))
        return oom(path, d);
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

static enum cw_status unknown_catalog(struct cw_scope *s, const char *name,
                                      const struct cw__node *at,
                                      struct cw_diag *d)
{
    char list[300];
    return cw__diag_set(d, CW_ESCHEMA, s->path, at ? at->line : 0,
                        at ? at->col : 0,
                        "unknown catalog '%s'; expected one of: %s", name,
                        cw_catalogs_names(s->cats, list, sizeof(list)));
}

static bool listed(const char *const *v, size_t n, const char *name)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcmp(v[i], name) == 0)
            return true;
    return false;
}

static enum cw_status add_name(struct cw_scope *s, const char **v, size_t *n,
                               const char *name, const struct cw__node *at,
                               struct cw_diag *d)
{
    if (listed(v, *n, name))
        return CW_OK;
    if (*n == MAX_CATALOGS)
        return cw__diag_set(d, CW_ELIMIT, s->path, at ? at->line : 0,
                            at ? at->col : 0, "more than %d catalogs",
                            MAX_CATALOGS);
    v[(*n)++] = name;
    return CW_OK;
}

static enum cw_status add_catalog(struct cw_scope *s, const char *name,
                                  const struct cw__node *at,
                                  struct cw_diag *d)
{
    const struct cw_catalog *cat = cw_catalogs_find(s->cats, name);

    if (!cat)
        return unknown_catalog(s, name, at, d);
    return add_name(s, s->catalogs, &s->ncatalogs, cat->name, at, d);
}

/* Is another edition of `base` in force (one with a crosswalk from it)? */
static bool newer_edition_in_force(const struct cw_scope *s, const char *base)
{
    size_t i, j;

    for (i = 0; i < cw_catalogs_crosswalk_count(s->cats); i++) {
        const struct cw_crosswalk *x = cw_catalogs_crosswalk_at(s->cats, i);
        if (strcmp(x->from, base) != 0)
            continue;
        for (j = 0; j < s->ncatalogs; j++)
            if (strcmp(s->catalogs[j], x->to) == 0)
                return true;
    }
    return false;
}

/* Bases of the listed extensions: in force, or references only when the
 * scope follows a newer edition of the base (docs/scope.md, "Editions"). */
static enum cw_status add_bases(struct cw_scope *s, const struct cw__node *at,
                                struct cw_diag *d)
{
    enum cw_status st = CW_OK;
    size_t i;

    for (i = 0; !st && i < s->ncatalogs; i++) {
        const struct cw_catalog *cat = cw_catalogs_find(s->cats,
                                                        s->catalogs[i]);
        if (!cat->base || listed(s->catalogs, s->ncatalogs, cat->base))
            continue;
        if (newer_edition_in_force(s, cat->base))
            st = add_name(s, s->refs, &s->nrefs, cat->base, at, d);
        else
            st = add_catalog(s, cat->base, at, d);
    }
    return st;
}

static enum cw_status parse_catalogs(struct cw_scope *s,
                                     const struct cw__node *v,
                                     struct cw_diag *d)
{
    enum cw_status st;
    size_t i;

    if (!v) {
        /* Default: ISO/IEC 27001:2022 Annex A with the cloud and PII
         * extensions, as a certification audit today expects. */
        st = add_catalog(s, "iso27002:2022", NULL, d);
        if (!st)
            st = add_catalog(s, "iso27017:2015", NULL, d);
        if (!st && s->pii)
            st = add_catalog(s, "iso27018:2019", NULL, d);
        return st ? st : add_bases(s, NULL, d);
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
    return st ? st : add_bases(s, v, d);
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

static enum cw_status parse_models(struct cw_scope *s, const char *file,
                                   const struct cw__node *v, unsigned *mask,
                                   struct cw_diag *d)
{
    enum cw_status st;
    size_t i, idx;

    (void)s;
    st = cw__node_expect(v, CW__NODE_SEQ, file, "service_models", d);
    for (i = 0; !st && i < v->n; i++) {
        st = cw__node_enum(v->kids[i], model_names, file, "service model",
                           &idx, d);
        if (!st)
            *mask |= 1u << idx;
    }
    if (!st && !*mask)
        st = cw__diag_set(d, CW_ESCHEMA, file, v->line, v->col,
                          "expected at least one of iaas, paas, saas");
    return st;
}

static enum cw_status load_matrix(struct cw_scope *s, struct cw_upstream *u,
                                  const struct cw__node *at,
                                  struct cw_diag *d);

/* A date value of `key` in `m` (YYYY-MM-DD), optional unless `required`. */
static enum cw_status get_date(const struct cw__node *m, const char *key,
                               bool required, const char *file,
                               const char **out, struct cw_diag *d)
{
    enum cw_status st = cw__node_get_str(m, key, required, file, out, d);
    const struct cw__node *v = cw__node_get(m, key);

    if (!st && *out && !cw__date_valid(*out))
        st = cw__diag_set(d, CW_ESCHEMA, file, v->line, v->col,
                          "expected a date YYYY-MM-DD, found '%s'", *out);
    return st;
}

/* A list of catalog names (an assurance's `covers`), each one known. */
static enum cw_status get_catalog_list(struct cw_scope *s, const char *file,
                                       const struct cw__node *v,
                                       const char *const **out, size_t *n,
                                       struct cw_diag *d)
{
    const char **names;
    enum cw_status st;
    size_t i;

    if ((st = cw__node_expect(v, CW__NODE_SEQ, file,
                              "covers (a list of catalogs)", d)))
        return st;
    names = cw__arena_alloc(&s->arena, (v->n + 1) * sizeof(*names));
    if (!names)
        return oom(file, d);
    for (i = 0; i < v->n; i++) {
        const struct cw__node *k = v->kids[i];
        const struct cw_catalog *cat;
        if ((st = cw__node_expect(k, CW__NODE_SCALAR, file, "a catalog name",
                                  d)))
            return st;
        cat = cw_catalogs_find(s->cats, k->str);
        if (!cat) {
            char list[300];
            return cw__diag_set(d, CW_ESCHEMA, file, k->line, k->col,
                                "unknown catalog '%s'; expected one of: %s",
                                k->str,
                                cw_catalogs_names(s->cats, list,
                                                  sizeof(list)));
        }
        names[i] = cat->name;
    }
    *out = names;
    *n = v->n;
    return CW_OK;
}

static enum cw_status parse_one_assurance(struct cw_scope *s,
                                          const char *file,
                                          const struct cw__node *m,
                                          struct cw_assurance *a,
                                          struct cw_diag *d)
{
    static const char *const keys[] = {
        "kind",  "standard", "edition", "covers",         "body",
        "number", "scope",   "issued",  "valid_until",    "service_models",
        "state", NULL
    };
    static const char *const kinds[] = { "certificate", "attestation",
                                         NULL };
    const struct cw__node *v;
    enum cw_status st;
    size_t idx;

    if ((st = cw__node_expect(m, CW__NODE_MAP, file,
                              "an assurance entry (kind, standard, edition, "
                              "valid_until, ...)",
                              d)) ||
        (st = cw__node_check_keys(m, keys, file, d)) ||
        (st = cw__node_get_str(m, "standard", true, file, &a->standard, d)) ||
        (st = cw__node_get_str(m, "edition", false, file, &a->edition, d)) ||
        (st = cw__node_get_str(m, "body", false, file, &a->body, d)) ||
        (st = cw__node_get_str(m, "number", false, file, &a->number, d)) ||
        (st = cw__node_get_str(m, "scope", false, file, &a->scope, d)) ||
        (st = get_date(m, "issued", false, file, &a->issued, d)) ||
        (st = get_date(m, "valid_until", true, file, &a->valid_until, d)))
        return st;
    if ((v = cw__node_get(m, "kind")) && !cw__node_is_null(v)) {
        if ((st = cw__node_enum(v, kinds, file, "assurance kind", &idx, d)))
            return st;
        a->kind = (enum cw_assurance_kind)idx;
    }
    if ((v = cw__node_get(m, "covers")) && !cw__node_is_null(v) &&
        (st = get_catalog_list(s, file, v, &a->covers, &a->ncovers, d)))
        return st;
    if ((v = cw__node_get(m, "service_models")) && !cw__node_is_null(v) &&
        (st = parse_models(s, file, v, &a->models, d)))
        return st;
    if (a->issued && strcmp(a->issued, a->valid_until) > 0)
        return cw__diag_set(d, CW_ESCHEMA, file, m->line, m->col,
                            "'issued' (%s) is after 'valid_until' (%s)",
                            a->issued, a->valid_until);
    a->file = file;
    a->line = m->line;
    return CW_OK;
}

/* A list of assurance entries into the scope's arena. */
static enum cw_status parse_assurance(struct cw_scope *s, const char *file,
                                      const struct cw__node *v,
                                      const struct cw_assurance **out,
                                      size_t *n, struct cw_diag *d)
{
    struct cw_assurance *a;
    enum cw_status st;
    size_t i;

    if ((st = cw__node_expect(v, CW__NODE_SEQ, file,
                              "assurance (a list of certificates or "
                              "reports)",
                              d)))
        return st;
    a = cw__arena_alloc(&s->arena, (v->n + 1) * sizeof(*a));
    if (!a)
        return oom(file, d);
    for (i = 0; i < v->n; i++)
        if ((st = parse_one_assurance(s, file, v->kids[i], &a[i], d)))
            return st;
    *out = a;
    *n = v->n;
    return CW_OK;
}

/* The former `certificate: TEXT` and `expires: DATE` of a provider: one
 * assurance entry whose standard is not stated, so it covers nothing. */
static enum cw_status legacy_certificate(struct cw_scope *s,
                                         const struct cw__node *m,
                                         struct cw_upstream *u,
                                         struct cw_diag *d)
{
    struct cw_assurance *a;
    const char *number = NULL, *expires = NULL;
    enum cw_status st;

    if ((st = cw__node_get_str(m, "certificate", false, s->path, &number,
                               d)) ||
        (st = get_date(m, "expires", false, s->path, &expires, d)))
        return st;
    if (!number && !expires)
        return CW_OK;
    if (u->nassurance)
        return cw__diag_set(d, CW_ESCHEMA, s->path, m->line, m->col,
                            "provider '%s' has both 'assurance' and the "
                            "former 'certificate'/'expires'; keep "
                            "'assurance'",
                            u->name);
    if (number && !expires)
        return cw__diag_set(d, CW_ESCHEMA, s->path, m->line, m->col,
                            "provider '%s' names a certificate but no "
                            "'expires' date",
                            u->name);
    a = cw__arena_alloc(&s->arena, sizeof(*a));
    if (!a)
        return oom(s->path, d);
    a->number = number;
    a->valid_until = expires;
    a->file = s->path;
    a->line = m->line;
    u->assurance = a;
    u->nassurance = 1;
    return CW_OK;
}

static enum cw_status parse_upstream(struct cw_scope *s,
                                     const struct cw__node *m,
                                     struct cw_upstream *u, struct cw_diag *d)
{
    static const char *const keys[] = { "name",    "service_model",
                                        "assurance", "certificate",
                                        "expires", "matrix",
                                        "notes",   NULL };
    const struct cw__node *v;
    enum cw_status st;
    size_t idx, i;

    if ((st = cw__node_expect(m, CW__NODE_MAP, s->path, "a provider", d)) ||
        (st = cw__node_check_keys(m, keys, s->path, d)) ||
        (st = cw__node_get_str(m, "name", true, s->path, &u->name, d)) ||
        (st = cw__node_get_str(m, "notes", false, s->path, &u->notes, d)) ||
        (st = cw__node_get_str(m, "matrix", false, s->path, &u->matrix, d)))
        return st;
    u->file = s->path;
    u->line = m->line;
    for (i = 0; i < s->nups; i++)
        if (strcmp(s->ups[i].name, u->name) == 0)
            return cw__diag_set(d, CW_ESCHEMA, s->path, m->line, m->col,
                                "provider '%s' is listed twice", u->name);
    v = cw__node_get(m, "service_model");
    if (!v)
        return cw__diag_set(d, CW_ESCHEMA, s->path, m->line, m->col,
                            "missing required key 'service_model' (iaas, "
                            "paas or saas)");
    if ((st = cw__node_enum(v, model_names, s->path, "service model", &idx,
                            d)))
        return st;
    u->model = (enum cw_model)idx;
    if ((v = cw__node_get(m, "assurance")) && !cw__node_is_null(v) &&
        (st = parse_assurance(s, s->path, v, &u->assurance, &u->nassurance,
                              d)))
        return st;
    if ((st = legacy_certificate(s, m, u, d)))
        return st;
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

static enum cw_status parse_chain(struct cw_scope *s, const char *file,
                                  const struct cw__node *v,
                                  struct cw_matrix_row *r, struct cw_diag *d)
{
    static const char *const keys[] = { "provider", "part", "state",
                                        "reason", "assurance", NULL };
    struct cw_chain_link *c;
    enum cw_status st;
    size_t i;

    if ((st = cw__node_expect(v, CW__NODE_SEQ, file,
                              "relies_on (a list of links)", d)))
        return st;
    c = cw__arena_alloc(&s->arena, (v->n + 1) * sizeof(*c));
    if (!c)
        return oom(file, d);
    for (i = 0; i < v->n; i++) {
        const struct cw__node *m = v->kids[i], *a;
        if ((st = cw__node_expect(m, CW__NODE_MAP, file, "a link", d)) ||
            (st = cw__node_check_keys(m, keys, file, d)) ||
            (st = cw__node_get_str(m, "provider", true, file, &c[i].provider,
                                   d)) ||
            (st = cw__node_get_str(m, "part", false, file, &c[i].part, d)) ||
            (st = cw__node_get_str(m, "state", false, file, &c[i].state,
                                   d)) ||
            (st = cw__node_get_str(m, "reason", false, file,
                                   &c[i].state_reason, d)))
            return st;
        if ((a = cw__node_get(m, "assurance")) && !cw__node_is_null(a) &&
            (st = parse_assurance(s, file, a, &c[i].assurance,
                                  &c[i].nassurance, d)))
            return st;
    }
    r->chain = c;
    r->nchain = v->n;
    return CW_OK;
}

static enum cw_status parse_matrix_row(struct cw_scope *s, const char *file,
                                       const struct cw__node *m,
                                       struct cw_matrix_row *r, bool *keep,
                                       struct cw_diag *d)
{
    const char *catalog = NULL, *id = NULL, *resp = NULL;
    const struct cw_catalog *cat;
    const struct cw__node *v;
    enum cw_status st;
    bool b;

    *keep = false;
    if ((st = cw__node_expect(m, CW__NODE_MAP, file, "a matrix row", d)) ||
        (st = cw__node_get_str(m, "catalog", true, file, &catalog, d)) ||
        (st = cw__node_get_str(m, "id", true, file, &id, d)) ||
        (st = cw__node_get_str(m, "responsibility", true, file, &resp, d)) ||
        (st = cw__node_get_str(m, "part", false, file, &r->part, d)) ||
        (st = cw__node_get_str(m, "status", false, file, &r->status, d)) ||
        (st = cw__node_get_str(m, "provider_duty", false, file,
                               &r->provider_duty, d)) ||
        (st = cw__node_get_str(m, "customer_duty", false, file,
                               &r->customer_duty, d)))
        return st;
    if (!cw_resp_parse(resp, &r->responsibility)) {
        v = cw__node_get(m, "responsibility");
        return cw__diag_set(d, CW_ESCHEMA, file, v->line, v->col,
                            "unknown responsibility '%s'; expected one of: "
                            "provider, customer, split, each",
                            resp);
    }
    r->applicable = -1;
    if ((v = cw__node_get(m, "applicable")) && !cw__node_is_null(v)) {
        if ((st = cw__node_bool(v, file, &b, d)))
            return st;
        r->applicable = b;
    }
    if ((v = cw__node_get(m, "relies_on")) && !cw__node_is_null(v) &&
        (st = parse_chain(s, file, v, r, d)))
        return st;
    /* Rows of catalogs this scope does not use are not ours to judge. */
    if (!listed(s->catalogs, s->ncatalogs, catalog))
        return CW_OK;
    cat = cw_catalogs_find(s->cats, catalog);
    r->control = cat ? cw_catalog_control(cat, id) : NULL;
    if (!r->control) {
        v = cw__node_get(m, "id");
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
    const struct cw__node *rows, *v;
    struct cw_matrix_row *rv;
    enum cw_status st;
    size_t i;

    st = parse_file(s, u->matrix, MATRIX_FILE_MAX, &root, d);
    if (st == CW_ENOENT)
        return cw__diag_set(d, CW_ENOENT, s->path, at->line, at->col,
                            "cannot read the matrix of provider '%s': %s",
                            u->name, u->matrix);
    if (st)
        return st;
    rows = root->kind == CW__NODE_MAP ? cw__node_get(root, "controls") : NULL;
    if (!rows)
        return cw__diag_set(d, CW_ESCHEMA, u->matrix, root->line, root->col,
                            "expected a responsibility matrix (a 'controls' "
                            "list, as written by 'cloudward matrix --format "
                            "json')");
    if ((st = cw__node_expect(rows, CW__NODE_SEQ, u->matrix, "controls", d)))
        return st;
    if ((v = cw__node_get(root, "assurance")) && !cw__node_is_null(v) &&
        (st = parse_assurance(s, u->matrix, v, &u->published,
                              &u->npublished, d)))
        return st;
    rv = cw__arena_alloc(&s->arena, (rows->n + 1) * sizeof(*rv));
    if (!rv)
        return oom(u->matrix, d);
    for (i = 0; i < rows->n; i++) {
        bool keep;
        st = parse_matrix_row(s, u->matrix, rows->kids[i], &rv[u->nrows],
                              &keep, d);
        if (st)
            return st;
        if (keep)
            u->nrows++;
        else
            memset(&rv[u->nrows], 0, sizeof(rv[u->nrows]));
    }
    u->rows = rv;
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

/* Older names still read: statuses of the first decision format, and
 * "shared" for split. Messages list only the current names. */
static const char *const legacy_names[][3] = {
    { "status", "not-implemented", "not-started" },
    { "status", "not-assessed", "not-started" },
    { "responsibility", "shared", "split" },
};

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
    for (idx = 0; v->kind == CW__NODE_SCALAR && idx < CW__ARRAY_LEN(legacy_names);
         idx++) {
        if (strcmp(key, legacy_names[idx][0]) == 0 &&
            strcmp(v->str, legacy_names[idx][1]) == 0) {
            *out = legacy_names[idx][2];
            return CW_OK;
        }
    }
    st = cw__node_enum(v, values, file, key, &idx, d);
    if (!st)
        *out = values[idx];
    return st;
}

/* `source`: one reason or a list of them, joined with ", ". */
static enum cw_status parse_source(struct cw_scope *s, const char *file,
                                   const struct cw__node *v, const char **out,
                                   struct cw_diag *d)
{
    const struct cw__node *one = v;
    enum cw_status st = CW_OK;
    struct cw__buf b;
    size_t i, idx, n = 1;

    if (cw__node_is_null(v))
        return CW_OK;
    if (v->kind == CW__NODE_SEQ)
        n = v->n;
    cw__buf_init(&b, 4096);
    for (i = 0; i < n && !st; i++) {
        one = v->kind == CW__NODE_SEQ ? v->kids[i] : v;
        st = cw__node_enum(one, source_names, file, "source", &idx, d);
        if (!st && strstr(b.data ? b.data : "", source_names[idx]))
            continue; /* said twice */
        if (!st)
            st = cw__buf_printf(&b, "%s%s", b.len ? ", " : "",
                                source_names[idx]);
    }
    if (!st && b.len && !(*out = cw__arena_strdup(&s->arena, b.data)))
        st = oom(file, d);
    if (st == CW_ELIMIT)
        st = cw__diag_set(d, st, file, v->line, v->col, "source too long");
    cw__buf_release(&b);
    return st;
}

/* `relies_on`: a list of {provider, part}; providers must be the scope's. */
static enum cw_status parse_relies(struct cw_scope *s, const char *file,
                                   const struct cw__node *v,
                                   struct cw_decision *dc, struct cw_diag *d)
{
    static const char *const keys[] = { "provider", "part", NULL };
    struct cw_reliance *r;
    enum cw_status st;
    size_t i, j;

    if (cw__node_is_null(v))
        return CW_OK;
    if ((st = cw__node_expect(v, CW__NODE_SEQ, file,
                              "relies_on (a list of {provider, part})", d)))
        return st;
    r = cw__arena_alloc(&s->arena, (v->n + 1) * sizeof(*r));
    if (!r)
        return oom(file, d);
    for (i = 0; i < v->n; i++) {
        const struct cw__node *m = v->kids[i];
        const char *name = NULL;
        if ((st = cw__node_expect(m, CW__NODE_MAP, file,
                                  "a reliance {provider, part}", d)) ||
            (st = cw__node_check_keys(m, keys, file, d)) ||
            (st = cw__node_get_str(m, "provider", true, file, &name, d)) ||
            (st = cw__node_get_str(m, "part", false, file, &r[i].part, d)))
            return st;
        r[i].upstream = cw_scope_find_upstream(s, name);
        if (!r[i].upstream) {
            char list[300] = "";
            size_t used = 0;
            for (j = 0; j < s->nups && used < sizeof(list); j++) {
                int w = snprintf(list + used, sizeof(list) - used, "%s'%s'",
                                 j ? ", " : "", s->ups[j].name);
                if (w < 0)
                    break;
                used += (size_t)w;
            }
            m = cw__node_get(m, "provider");
            return cw__diag_set(d, CW_ESCHEMA, file, m->line, m->col,
                                "unknown provider '%s'; the scope's "
                                "providers are: %s",
                                name, s->nups ? list : "(none)");
        }
    }
    dc->relies = r;
    dc->nrelies = v->n;
    return CW_OK;
}

/* Refuses a reliance nobody can claim: on a control the rules give no part
 * that a provider can carry (organisation, endpoint and identity-policy
 * duties; a PII processor's 27018 duties towards its own customers). */
static enum cw_status check_relies(struct cw_scope *s, const char *file,
                                   const struct cw__node *v,
                                   const struct cw_decision *dc,
                                   struct cw_diag *d)
{
    const struct cw_control *c = dc->control;
    size_t i;

    for (i = 0; i < dc->nrelies; i++) {
        const struct cw__node *at = v->kids[i];
        if (cw_catalogs_part(s->cats, c, dc->relies[i].upstream->model))
            continue;
        if (c->layer == CW_LAYER_PII)
            return cw__diag_set(
                d, CW_ESCHEMA, file, at->line, at->col,
                "%s %s is a duty of the PII processor towards its own "
                "customers: it cannot rely on '%s' for it (a sub-processor's "
                "certificate is evidence you check under supplier "
                "monitoring, not a discharge); remove 'relies_on'",
                c->catalog, c->id, dc->relies[i].upstream->name);
        return cw__diag_set(
            d, CW_ESCHEMA, file, at->line, at->col,
            "%s %s (layer %s) is carried by each party for its own "
            "organisation: it cannot rely on '%s' for it; remove "
            "'relies_on'",
            c->catalog, c->id, cw_layer_name(c->layer),
            dc->relies[i].upstream->name);
    }
    return CW_OK;
}

/* A control reference of a decision: a catalog in force first, then a
 * reference catalog (the 2013 base of a 2022 scope). */
static enum cw_status resolve_ref(struct cw_scope *s, const char *ref,
                                  const struct cw_control **out,
                                  struct cw_diag *d)
{
    enum cw_status st;
    struct cw_diag d2;

    st = cw_catalogs_resolve(s->cats, ref, s->catalogs, s->ncatalogs, out, d);
    if (st != CW_ENOENT || strchr(ref, ' ') || !s->nrefs)
        return st;
    if (!cw_catalogs_resolve(s->cats, ref, s->refs, s->nrefs, out, &d2))
        return CW_OK;
    return st;
}

static enum cw_status parse_decision(struct cw_scope *s, const char *file,
                                     const struct cw__node *m,
                                     struct cw_decision *dc,
                                     struct cw_diag *d)
{
    static const char *const keys[] = {
        "control",       "applicable",    "justification", "source",
        "status",        "owner",         "responsibility", "provider_part",
        "customer_part", "notes",         "evidence",      "relies_on",
        "due",           NULL
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
        (st = cw__node_get_str(m, "provider_part", false, file,
                               &dc->provider_part, d)) ||
        (st = cw__node_get_str(m, "customer_part", false, file,
                               &dc->customer_part, d)) ||
        (st = get_enum(m, "status", status_names, file, &dc->status, d)) ||
        (st = get_enum(m, "responsibility", resp_names, file, &resp, d)) ||
        (st = get_date(m, "due", false, file, &dc->due, d)))
        return st;
    if ((v = cw__node_get(m, "source")) &&
        (st = parse_source(s, file, v, &dc->source, d)))
        return st;
    v = cw__node_get(m, "control");
    st = resolve_ref(s, ref, &dc->control, d);
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
    if ((v = cw__node_get(m, "relies_on")) &&
        (st = parse_relies(s, file, v, dc, d)))
        return st;
    if (!applicable && dc->nrelies) {
        v = cw__node_get(m, "relies_on");
        return cw__diag_set(d, CW_ESCHEMA, file, v->line, v->col,
                            "a control marked not applicable relies on "
                            "nobody; remove 'relies_on'");
    }
    if ((st = check_relies(s, file, cw__node_get(m, "relies_on"), dc, d)))
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
    if ((rc == 0 || rc == GLOB_NOMATCH) && !note_glob(s, full, &g)) {
        globfree(&g);
        return oom(s->path, d);
    }
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

static enum cw_status parse_document(struct cw_scope *s,
                                     const struct cw__node *m,
                                     struct cw_diag *d)
{
    static const char *const keys[] = { "version", "approver", "approved",
                                        NULL };
    enum cw_status st;

    if ((st = cw__node_expect(m, CW__NODE_MAP, s->path,
                              "document (version, approver, approved)", d)) ||
        (st = cw__node_check_keys(m, keys, s->path, d)) ||
        (st = cw__node_get_str(m, "version", false, s->path, &s->doc.version,
                               d)) ||
        (st = cw__node_get_str(m, "approver", false, s->path,
                               &s->doc.approver, d)) ||
        (st = get_date(m, "approved", false, s->path, &s->doc.approved, d)))
        return st;
    return CW_OK;
}

static enum cw_status parse_scope(struct cw_scope *s,
                                  const struct cw__node *root,
                                  struct cw_diag *d)
{
    static const char *const keys[] = {
        "organisation", "role",      "service_models", "pii_processor",
        "catalogs",     "decisions", "providers",      "pii_regions",
        "scope_statement", "document", "assurance",    NULL
    };
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
    if ((st = parse_models(s, s->path, v, &s->models, d)))
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
    if ((st = cw__node_get_str(root, "scope_statement", false, s->path,
                               &s->statement, d)))
        return st;
    if ((v = cw__node_get(root, "document")) && !cw__node_is_null(v) &&
        (st = parse_document(s, v, d)))
        return st;
    if ((v = cw__node_get(root, "assurance")) && !cw__node_is_null(v) &&
        (st = parse_assurance(s, s->path, v, &s->assurance, &s->nassurance,
                              d)))
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
    cw__free(s->seen);
    cw__free(s->globs);
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

const char *cw_scope_statement(const struct cw_scope *s)
{
    return s->statement;
}

const struct cw_document *cw_scope_document(const struct cw_scope *s)
{
    return &s->doc;
}

const struct cw_assurance *cw_scope_assurance(const struct cw_scope *s,
                                              size_t *n)
{
    *n = s->nassurance;
    return s->assurance;
}

const struct cw_upstream *cw_scope_find_upstream(const struct cw_scope *s,
                                                 const char *name)
{
    size_t i;
    for (i = 0; name && i < s->nups; i++)
        if (strcmp(s->ups[i].name, name) == 0)
            return &s->ups[i];
    return NULL;
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
            st2 = add_catalog(s, "iso27002:2022", NULL, d);
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
