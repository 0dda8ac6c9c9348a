/*
 * terraform.c - Terraform plan and state JSON (`terraform show -json`)
 * into resources, streamed: the outer structure (planned_values or values,
 * root_module, child_modules) is walked with the JSON cursor and only each
 * resource object is built as a tree, in an arena released after its
 * callback. Memory stays at one resource however large the plan.
 *
 * Not yet: after_unknown from resource_changes (values known only after
 * apply), which needs a first pass indexing resource_changes by address.
 */
#include <string.h>

#include "config.h"

struct tf {
    struct cw__jcur *c;
    const char *name;
    cw__resource_fn fn;
    void *arg;
    struct cw_diag *d;
    bool stop;
    bool found;
};

static const char *str_of(const struct cw__node *m, const char *key)
{
    const struct cw__node *v = cw__node_get(m, key);
    return v && v->kind == CW__NODE_SCALAR && v->type == CW__T_STRING ? v->str
                                                                      : NULL;
}

static enum cw_status resources(struct tf *t)
{
    struct cw__arena a;
    enum cw_status st;
    const char *key;
    bool more;

    if ((st = cw__jcur_enter(t->c, false)))
        return st;
    cw__arena_init(&a, 0);
    for (;;) {
        struct cw__node *n = NULL;
        struct cw__resource r;
        if ((st = cw__jcur_next(t->c, &key, &more)) || !more)
            break;
        if (t->stop) {
            st = cw__jcur_skip(t->c);
        } else if (!(st = cw__jcur_build(t->c, &a, &n))) {
            memset(&r, 0, sizeof(r));
            r.type = str_of(n, "type");
            r.address = str_of(n, "address");
            r.provider = str_of(n, "provider_name");
            r.attrs = cw__node_get(n, "values");
            r.file = t->name;
            r.line = n->line;
            if (!r.type || !r.address)
                st = cw__diag_set(t->d, CW_ESCHEMA, t->name, n->line, n->col,
                                  "expected a resource with 'type' and "
                                  "'address'");
            else if (!t->fn(t->arg, &r))
                t->stop = true;
            t->found = true;
        }
        cw__arena_reset(&a);
        if (st)
            break;
    }
    cw__arena_release(&a);
    return st;
}

static enum cw_status module(struct tf *t, unsigned depth);

static enum cw_status child_modules(struct tf *t, unsigned depth)
{
    enum cw_status st;
    const char *key;
    bool more;

    if ((st = cw__jcur_enter(t->c, false)))
        return st;
    while (!(st = cw__jcur_next(t->c, &key, &more)) && more)
        if ((st = module(t, depth + 1)))
            break;
    return st;
}

static enum cw_status module(struct tf *t, unsigned depth)
{
    enum cw_status st;
    const char *key;
    bool more;

    if (depth > 32)
        return cw__diag_set(t->d, CW_ELIMIT, t->name, cw__jcur_line(t->c), 0,
                            "modules nest deeper than 32");
    if ((st = cw__jcur_enter(t->c, true)))
        return st;
    while (!(st = cw__jcur_next(t->c, &key, &more)) && more) {
        if (strcmp(key, "resources") == 0)
            st = resources(t);
        else if (strcmp(key, "child_modules") == 0)
            st = child_modules(t, depth);
        else
            st = cw__jcur_skip(t->c);
        if (st)
            break;
    }
    return st;
}

/* planned_values / values: { "root_module": {...}, "outputs": ... } */
static enum cw_status values(struct tf *t)
{
    enum cw_status st;
    const char *key;
    bool more;

    if ((st = cw__jcur_enter(t->c, true)))
        return st;
    while (!(st = cw__jcur_next(t->c, &key, &more)) && more) {
        st = strcmp(key, "root_module") == 0 ? module(t, 0)
                                             : cw__jcur_skip(t->c);
        if (st)
            break;
    }
    return st;
}

enum cw_status cw__tf_load(const char *name, const char *buf, size_t len,
                           cw__resource_fn fn, void *arg, struct cw_diag *d)
{
    struct tf t;
    enum cw_status st;
    const char *key;
    bool more, seen = false;

    memset(&t, 0, sizeof(t));
    t.name = name;
    t.fn = fn;
    t.arg = arg;
    t.d = d;
    st = cw__jcur_new(name, buf, len, &t.c, d);
    if (!st)
        st = cw__jcur_enter(t.c, true);
    while (!st && !(st = cw__jcur_next(t.c, &key, &more)) && more) {
        if (strcmp(key, "planned_values") == 0 || strcmp(key, "values") == 0) {
            seen = true;
            st = values(&t);
        } else {
            st = cw__jcur_skip(t.c);
        }
    }
    if (!st)
        st = cw__jcur_finish(t.c);
    if (!st && !seen)
        st = cw__diag_set(d, CW_ESCHEMA, name, 1, 1,
                          "not a Terraform plan or state: no "
                          "'planned_values' or 'values' (make it with "
                          "'terraform show -json')");
    cw__jcur_free(t.c);
    return st;
}
