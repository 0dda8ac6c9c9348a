/*
 * node.c - lookups and schema checks over the neutral tree. Every check
 * reports the position of the node it rejects and what it expected there.
 */
#include <stdio.h>
#include <string.h>

#include "node.h"

static const char *kind_name(enum cw__node_kind k)
{
    switch (k) {
    case CW__NODE_MAP:
        return "a mapping";
    case CW__NODE_SEQ:
        return "a list";
    default:
        return "a scalar";
    }
}

const struct cw__node *cw__node_get(const struct cw__node *m,
                                    const char *key)
{
    size_t i, klen = strlen(key);

    if (!m || m->kind != CW__NODE_MAP)
        return NULL;
    for (i = 0; i < m->n; i++) {
        const struct cw__node *k = m->kids[2 * i];
        if (k->kind == CW__NODE_SCALAR && k->len == klen &&
            memcmp(k->str, key, klen) == 0)
            return m->kids[2 * i + 1];
    }
    return NULL;
}

void cw__node_fields(const struct cw__node *m, const char *const *keys,
                     const struct cw__node **out, size_t n)
{
    size_t i, k, left = n, klen[16];

    for (k = 0; k < n; k++) {
        out[k] = NULL;
        klen[k] = k < 16 ? strlen(keys[k]) : 0;
    }
    if (!m || m->kind != CW__NODE_MAP || n > 16)
        return;
    for (i = 0; i < m->n && left; i++) {
        const struct cw__node *key = m->kids[2 * i];
        if (key->kind != CW__NODE_SCALAR)
            continue;
        for (k = 0; k < n; k++)
            if (!out[k] && key->len == klen[k] && key->str[0] == keys[k][0] &&
                memcmp(key->str, keys[k], klen[k]) == 0) {
                out[k] = m->kids[2 * i + 1];
                left--;
                break;
            }
    }
}

bool cw__node_is_null(const struct cw__node *n)
{
    if (!n || n->kind != CW__NODE_SCALAR || !n->plain)
        return false;
    return n->len == 0 || strcmp(n->str, "~") == 0 ||
           strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
           strcmp(n->str, "NULL") == 0;
}

enum cw_status cw__node_expect(const struct cw__node *n,
                               enum cw__node_kind kind, const char *file,
                               const char *what, struct cw_diag *d)
{
    if (n->kind == kind && !(kind == CW__NODE_SCALAR && cw__node_is_null(n)))
        return CW_OK;
    return cw__diag_set(d, CW_ESCHEMA, file, n->line, n->col,
                        "expected %s (%s), found %s", what, kind_name(kind),
                        cw__node_is_null(n) ? "nothing" : kind_name(n->kind));
}

enum cw_status cw__node_check_keys(const struct cw__node *m,
                                   const char *const *allowed,
                                   const char *file, struct cw_diag *d)
{
    size_t i, j;

    for (i = 0; i < m->n; i++) {
        const struct cw__node *k = m->kids[2 * i];
        bool ok = false;
        char list[400];
        size_t used = 0;

        for (j = 0; allowed[j] && !ok; j++)
            ok = k->kind == CW__NODE_SCALAR && strcmp(k->str, allowed[j]) == 0;
        if (ok)
            continue;
        list[0] = '\0';
        for (j = 0; allowed[j] && used < sizeof(list); j++) {
            int w = snprintf(list + used, sizeof(list) - used, "%s%s",
                             j ? ", " : "", allowed[j]);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        return cw__diag_set(d, CW_ESCHEMA, file, k->line, k->col,
                            "unknown key '%s'; expected one of: %s", k->str,
                            list);
    }
    return CW_OK;
}

enum cw_status cw__node_get_str(const struct cw__node *m, const char *key,
                                bool required, const char *file,
                                const char **out, struct cw_diag *d)
{
    const struct cw__node *v = cw__node_get(m, key);
    enum cw_status st;

    if (!v || cw__node_is_null(v)) {
        if (!required)
            return CW_OK;
        return cw__diag_set(d, CW_ESCHEMA, file, v ? v->line : m->line,
                            v ? v->col : m->col, "missing required key '%s'",
                            key);
    }
    st = cw__node_expect(v, CW__NODE_SCALAR, file, key, d);
    if (st)
        return st;
    *out = v->str;
    return CW_OK;
}

enum cw_status cw__node_bool(const struct cw__node *n, const char *file,
                             bool *out, struct cw_diag *d)
{
    static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes",
                                       "YES" };
    static const char *const no[] = { "false", "False", "FALSE", "no", "No",
                                      "NO" };
    size_t i;

    if (n->kind == CW__NODE_SCALAR && n->plain) {
        for (i = 0; i < CW__ARRAY_LEN(yes); i++) {
            if (strcmp(n->str, yes[i]) == 0) {
                *out = true;
                return CW_OK;
            }
            if (strcmp(n->str, no[i]) == 0) {
                *out = false;
                return CW_OK;
            }
        }
    }
    return cw__diag_set(d, CW_ESCHEMA, file, n->line, n->col,
                        "expected true or false, found '%s'",
                        n->kind == CW__NODE_SCALAR ? n->str : kind_name(n->kind));
}

enum cw_status cw__node_enum(const struct cw__node *n,
                             const char *const *values, const char *file,
                             const char *what, size_t *index,
                             struct cw_diag *d)
{
    char list[400];
    size_t j, used = 0;

    if (n->kind == CW__NODE_SCALAR) {
        for (j = 0; values[j]; j++) {
            if (strcmp(n->str, values[j]) == 0) {
                *index = j;
                return CW_OK;
            }
        }
    }
    list[0] = '\0';
    for (j = 0; values[j] && used < sizeof(list); j++) {
        int w = snprintf(list + used, sizeof(list) - used, "%s%s",
                         j ? ", " : "", values[j]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return cw__diag_set(d, CW_ESCHEMA, file, n->line, n->col,
                        "unknown %s '%s'; expected one of: %s", what,
                        n->kind == CW__NODE_SCALAR ? n->str : kind_name(n->kind),
                        list);
}

struct cw__node *cw__node_copy(struct cw__arena *a, const struct cw__node *n)
{
    struct cw__node *c = cw__arena_alloc(a, sizeof(*c));
    size_t i, k;
    if (!c)
        return NULL;
    *c = *n;
    c->tag = NULL;
    c->str = cw__arena_strndup(a, n->str, n->len);
    if (!c->str)
        return NULL;
    k = n->kind == CW__NODE_MAP ? 2 * n->n : n->kind == CW__NODE_SEQ ? n->n : 0;
    if (!k)
        return c;
    c->kids = cw__arena_alloc(a, k * sizeof(*c->kids));
    if (!c->kids)
        return NULL;
    for (i = 0; i < k; i++)
        if (!(c->kids[i] = cw__node_copy(a, n->kids[i])))
            return NULL;
    return c;
}

const char *cw__node_string(const struct cw__node *v)
{
    return v && v->kind == CW__NODE_SCALAR && v->type == CW__T_STRING &&
                   v->len
               ? v->str
               : NULL;
}

const char *cw__node_str(const struct cw__node *m, const char *key)
{
    return cw__node_string(cw__node_get(m, key));
}
