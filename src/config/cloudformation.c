/*
 * cloudformation.c - CloudFormation templates (JSON or YAML) into
 * resources: type = the resource's Type ("AWS::S3::Bucket"), address =
 * its logical id, attributes = its Properties, so rules select from
 * `$.BucketEncryption...`. Templates are small; the whole file is one tree.
 *
 * Intrinsic functions: YAML short forms (!Ref X, !GetAtt A.B, !Sub ...)
 * are rewritten to the long JSON form ({"Ref": "X"}, {"Fn::GetAtt":
 * ["A", "B"]}) so one rule reads both. Their values are decided only when
 * the stack is deployed, so each resource carries an `unknown` mirror of
 * its Properties with `true` at every intrinsic (the same shape Terraform's
 * after_unknown has): a rule that reads such a value is unknown, never a
 * pass. Two are resolved here because their value is plain: a !Sub with
 * no ${...} is its string, and {"Ref": "AWS::NoValue"} removes the
 * property or list item it stands for.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"

#define MAX_TEMPLATE_BYTES ((size_t)256 << 20)

struct cfn {
    struct cw__arena *a;
    const char *name;
    struct cw_diag *d;
};

/* Short-form tags and the long-form keys they stand for. */
static const char *const fn_names[] = {
    "Base64", "Cidr",   "FindInMap", "GetAtt", "GetAZs",       "ImportValue",
    "Join",   "Select", "Split",     "Sub",    "Transform",    "And",
    "Equals", "If",     "Not",       "Or",     "ToJsonString", "Length",
    NULL
};

static struct cw__node *scalar(struct cfn *c, const char *s,
                               const struct cw__node *at)
{
    struct cw__node *n = cw__arena_alloc(c->a, sizeof(*n));
    if (!n || !(n->str = cw__arena_strdup(c->a, s)))
        return NULL;
    n->kind = CW__NODE_SCALAR;
    n->type = CW__T_STRING;
    n->len = strlen(s);
    n->line = at->line;
    n->col = at->col;
    return n;
}

/* {key: value} at value's position. */
static struct cw__node *wrap(struct cfn *c, const char *key,
                             struct cw__node *value)
{
    struct cw__node *m = cw__arena_alloc(c->a, sizeof(*m));
    if (!m || !(m->kids = cw__arena_alloc(c->a, 2 * sizeof(*m->kids))) ||
        !(m->kids[0] = scalar(c, key, value)))
        return NULL;
    m->kind = CW__NODE_MAP;
    m->str = "";
    m->n = 1;
    m->line = value->line;
    m->col = value->col;
    m->kids[1] = value;
    return m;
}

/* !GetAtt Resource.Attribute -> ["Resource", "Attribute"] */
static struct cw__node *split_getatt(struct cfn *c, struct cw__node *v)
{
    struct cw__node *s;
    const char *dot = strchr(v->str, '.');
    char *left;

    if (v->kind != CW__NODE_SCALAR || !dot)
        return v;
    s = cw__arena_alloc(c->a, sizeof(*s));
    if (!s || !(s->kids = cw__arena_alloc(c->a, 2 * sizeof(*s->kids))) ||
        !(left = cw__arena_strndup(c->a, v->str, (size_t)(dot - v->str))) ||
        !(s->kids[0] = scalar(c, left, v)) ||
        !(s->kids[1] = scalar(c, dot + 1, v)))
        return NULL;
    s->kind = CW__NODE_SEQ;
    s->str = "";
    s->n = 2;
    s->line = v->line;
    s->col = v->col;
    return s;
}

static bool is_novalue(const struct cw__node *n)
{
    const struct cw__node *r = cw__node_get(n, "Ref");
    return n->kind == CW__NODE_MAP && n->n == 1 && r &&
           r->kind == CW__NODE_SCALAR && strcmp(r->str, "AWS::NoValue") == 0;
}

static enum cw_status oom(struct cfn *c)
{
    return cw__diag_set(c->d, CW_ENOMEM, c->name, 0, 0, "out of memory");
}

/* Rewrites tags into the long form, in place; *out is the node to keep,
 * NULL when it is AWS::NoValue. */
static enum cw_status normalize(struct cfn *c, struct cw__node *n,
                                struct cw__node **out)
{
    size_t i, k, step = n->kind == CW__NODE_MAP ? 2 : 1;
    size_t total = n->kind == CW__NODE_SCALAR ? 0 : step * n->n;
    enum cw_status st;

    for (i = k = 0; i < total; i += step) {
        struct cw__node *kid = NULL;
        if ((st = normalize(c, n->kids[i + step - 1], &kid)))
            return st;
        if (!kid)
            continue; /* AWS::NoValue: the pair or item goes */
        if (step == 2)
            n->kids[k++] = n->kids[i];
        n->kids[k++] = kid;
    }
    if (total)
        n->n = k / step;
    *out = n;
    if (n->tag) {
        const char *name = n->tag + 1;
        char key[32];
        for (i = 0; fn_names[i] && strcmp(fn_names[i], name) != 0; i++)
            ;
        if (strcmp(name, "Ref") == 0 || strcmp(name, "Condition") == 0)
            snprintf(key, sizeof(key), "%s", name);
        else if (fn_names[i])
            snprintf(key, sizeof(key), "Fn::%s", name);
        else
            return cw__diag_set(c->d, CW_ESCHEMA, c->name, n->line, n->col,
                                "unknown CloudFormation tag '%s'; expected "
                                "!Ref, !GetAtt, !Sub, !Join, !If or another "
                                "intrinsic function",
                                n->tag);
        n->tag = NULL;
        if (strcmp(name, "GetAtt") == 0 && !(n = split_getatt(c, n)))
            return oom(c);
        if (!(*out = wrap(c, key, n)))
            return oom(c);
    }
    n = *out;
    /* A !Sub without ${...} is its own string. */
    if (n->kind == CW__NODE_MAP && n->n == 1 &&
        strcmp(n->kids[0]->str, "Fn::Sub") == 0 &&
        n->kids[1]->kind == CW__NODE_SCALAR && !strstr(n->kids[1]->str, "${"))
        *out = n->kids[1];
    if (is_novalue(*out))
        *out = NULL;
    return CW_OK;
}

static bool is_intrinsic(const struct cw__node *n)
{
    const char *k;
    if (n->kind != CW__NODE_MAP || n->n != 1)
        return false;
    k = n->kids[0]->str;
    return strcmp(k, "Ref") == 0 || strncmp(k, "Fn::", 4) == 0;
}

static bool has_intrinsic(const struct cw__node *n)
{
    size_t i;
    if (is_intrinsic(n))
        return true;
    if (n->kind == CW__NODE_SCALAR)
        return false;
    for (i = 0; i < n->n; i++)
        if (has_intrinsic(n->kind == CW__NODE_MAP ? n->kids[2 * i + 1]
                                                  : n->kids[i]))
            return true;
    return false;
}

/* The after_unknown-shaped mirror: `true` where an intrinsic stands. */
static struct cw__node *mirror(struct cfn *c, const struct cw__node *n)
{
    struct cw__node *m = cw__arena_alloc(c->a, sizeof(*m));
    size_t i;

    if (!m)
        return NULL;
    m->str = "";
    m->line = n->line;
    m->col = n->col;
    if (is_intrinsic(n) || n->kind == CW__NODE_SCALAR) {
        m->kind = CW__NODE_SCALAR;
        m->type = is_intrinsic(n) ? CW__T_TRUE : CW__T_FALSE;
        return m;
    }
    m->kind = n->kind;
    m->n = n->n;
    if (!n->n)
        return m;
    i = n->kind == CW__NODE_MAP ? 2 * n->n : n->n;
    if (!(m->kids = cw__arena_alloc(c->a, i * sizeof(*m->kids))))
        return NULL;
    for (i = 0; i < n->n; i++) {
        if (n->kind == CW__NODE_MAP) {
            m->kids[2 * i] = n->kids[2 * i];
            if (!(m->kids[2 * i + 1] = mirror(c, n->kids[2 * i + 1])))
                return NULL;
        } else if (!(m->kids[i] = mirror(c, n->kids[i]))) {
            return NULL;
        }
    }
    return m;
}

static const struct cw__node empty_map = { .kind = CW__NODE_MAP, .str = "" };

enum cw_status cw__cfn_load(const char *name, const char *buf, size_t len,
                            bool json, cw__resource_fn fn, void *arg,
                            struct cw_diag *d)
{
    struct cw__yaml_limits lim = { 128, MAX_TEMPLATE_BYTES, false };
    struct cw__node *root = NULL, *res;
    struct cw__arena a;
    struct cfn c = { &a, name, d };
    enum cw_status st;
    size_t i;

    cw__arena_init(&a, 0);
    st = json ? cw__json_parse(&a, name, buf, len, &lim, &root, d)
              : cw__yaml_parse(&a, name, buf, len, &lim, &root, d);
    if (!st && root->kind == CW__NODE_MAP)
        st = normalize(&c, root, &root);
    res = st || !root ? NULL : (struct cw__node *)cw__node_get(root,
                                                               "Resources");
    if (!st && (!res || res->kind != CW__NODE_MAP))
        st = cw__diag_set(d, CW_ESCHEMA, name, root ? root->line : 1,
                          root ? root->col : 1,
                          "not a CloudFormation template: expected a "
                          "'Resources' map at the top");
    if (!st && !res->n)
        st = cw__diag_set(d, CW_ESCHEMA, name, res->line, res->col,
                          "expected at least one resource under "
                          "'Resources'");
    for (i = 0; !st && i < res->n; i++) {
        const struct cw__node *id = res->kids[2 * i], *body = res->kids[2 * i + 1];
        const struct cw__node *type = cw__node_get(body, "Type");
        const struct cw__node *props = cw__node_get(body, "Properties");
        struct cw__resource r;

        if (!type || type->kind != CW__NODE_SCALAR || !type->str[0])
            st = cw__diag_set(d, CW_ESCHEMA, name, body->line, body->col,
                              "resource '%s': expected a 'Type' such as "
                              "AWS::S3::Bucket",
                              id->str);
        else if (props && props->kind != CW__NODE_MAP)
            st = cw__diag_set(d, CW_ESCHEMA, name, props->line, props->col,
                              "resource '%s': 'Properties' must be a map",
                              id->str);
        if (st)
            break;
        memset(&r, 0, sizeof(r));
        r.type = type->str;
        r.address = id->str;
        r.provider = "aws";
        r.attrs = props ? props : &empty_map;
        if (props && has_intrinsic(props) && !(r.unknown = mirror(&c, props)))
            st = oom(&c);
        r.file = name;
        r.line = id->line;
        if (!st && !fn(arg, &r))
            break;
    }
    cw__arena_release(&a);
    return st;
}
