/*
 * query.c - the public face of JSONPath (cw_query.h): compile, load a JSON
 * or YAML file into the positioned tree, evaluate, and hand each selected
 * node to the caller as a normalized path and compact JSON.
 */
#include <string.h>

#include <cloudward/cw_query.h>

#include "jsonpath.h"

#define MAX_DOC_BYTES ((size_t)1 << 30)
#define MAX_DOC_DEPTH 512

struct cw_query {
    struct cw__jp *jp;
};

enum cw_status cw_query_compile(const char *expr, struct cw_query **out,
                                struct cw_diag *d)
{
    struct cw_query *q;
    enum cw_status st;

    *out = NULL;
    q = cw__calloc(1, sizeof(*q));
    if (!q)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    st = cw__jp_compile(expr, strlen(expr), "query", &q->jp, d);
    if (st) {
        cw__free(q);
        return st;
    }
    *out = q;
    return CW_OK;
}

void cw_query_free(struct cw_query *q)
{
    if (!q)
        return;
    cw__jp_free(q->jp);
    cw__free(q);
}

struct hit_ctx {
    cw_query_fn fn;
    void *arg;
    struct cw__buf path, json;
    enum cw_status st;
};

static bool on_node(void *arg, const struct cw__node *n,
                    const struct cw__jp_loc *loc)
{
    struct hit_ctx *c = arg;
    struct cw_query_hit h;

    c->path.len = c->json.len = 0;
    c->st = cw__jp_normalized(loc, &c->path);
    if (!c->st)
        c->st = cw__json_write(n, &c->json);
    if (!c->st && (!c->path.data || !c->json.data))
        c->st = CW_ENOMEM;
    if (c->st)
        return false;
    h.path = c->path.data;
    h.json = c->json.data;
    h.line = n->line;
    h.col = n->col;
    return c->fn(c->arg, &h);
}

enum cw_status cw_query_file(const struct cw_query *q, const char *file,
                             cw_query_fn fn, void *arg, struct cw_diag *d)
{
    struct cw__limits_holder {
        struct cw__yaml_limits lim;
    } L = { { MAX_DOC_DEPTH, MAX_DOC_BYTES * 4, false } };
    struct cw__arena a;
    struct cw__buf b;
    struct cw__node *root = NULL;
    struct hit_ctx c;
    enum cw_status st;
    size_t i = 0;

    cw__arena_init(&a, 0);
    cw__buf_init(&b, MAX_DOC_BYTES);
    st = cw__read_file(file, &b, d);
    if (!st) {
        const char *s = b.data ? b.data : "";
        while (i < b.len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
                             s[i] == '\r'))
            i++;
        if (i < b.len && (s[i] == '{' || s[i] == '['))
            st = cw__json_parse(&a, file, s, b.len, &L.lim, &root, d);
        else
            st = cw__yaml_parse(&a, file, s, b.len, &L.lim, &root, d);
    }
    cw__buf_release(&b);
    if (!st) {
        memset(&c, 0, sizeof(c));
        c.fn = fn;
        c.arg = arg;
        cw__buf_init(&c.path, (size_t)1 << 20);
        cw__buf_init(&c.json, MAX_DOC_BYTES);
        st = cw__jp_eval(q->jp, root, on_node, &c, d);
        if (!st && c.st)
            st = cw__diag_set(d, c.st, file, 0, 0, "out of memory");
        cw__buf_release(&c.path);
        cw__buf_release(&c.json);
    }
    cw__arena_release(&a);
    return st;
}
