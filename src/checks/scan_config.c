/*
 * scan_config.c - config packs over cloud documents: each resource a
 * loader streams out (src/config) is judged by every check whose
 * `resource` list names its type, while the resource is in memory; one
 * result per (check, resource). Rules select with RFC 9535 JSONPath from
 * the resource's attributes (`$`), and `each`/`some` move `$` to every
 * selected element for their inner rule.
 *
 * Typed predicates in C, never string matching: `cidr` parses blocks and
 * tests containment or overlap (IPv4 and IPv6 apart), `ports` compares
 * numeric ranges, `count` counts nodes, `value` applies the value tests of
 * host packs to scalars (booleans as true/false, numbers as written).
 */
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>

#include "../config/config.h"
#include "../query/jsonpath.h"
#include "checks.h"

#define MAX_SELECTED 100000
#define INLINE_SELECTED 16

struct doc {
    const struct cw__node *cur; /* `$` for the rule being evaluated */
    const struct cw__node *unk; /* the same place in Terraform's
                                   after_unknown, or NULL */
    const struct cw__resource *res;
};

/* Selected nodes: a few inline (the common case, no allocation), more
 * on the heap. Release with picked_release(). */
struct picked {
    const struct cw__node *inl[INLINE_SELECTED];
    const struct cw__node **v;
    size_t n, cap;
    bool truncated, oom;
};

static void picked_init(struct picked *p)
{
    p->v = p->inl;
    p->n = 0;
    p->cap = INLINE_SELECTED;
    p->truncated = p->oom = false;
}

static void picked_release(struct picked *p)
{
    if (p->v != p->inl)
        cw__free(p->v);
    picked_init(p);
}

static bool pick(void *arg, const struct cw__node *n,
                 const struct cw__jp_loc *loc)
{
    struct picked *p = arg;
    (void)loc;
    if (p->n == p->cap) {
        size_t nc = 2 * p->cap;
        const struct cw__node **v;
        if (nc > MAX_SELECTED) {
            p->truncated = true;
            return false;
        }
        v = cw__malloc(nc * sizeof(*v));
        if (!v) {
            p->oom = true;
            return false;
        }
        memcpy(v, p->v, p->n * sizeof(*v));
        if (p->v != p->inl)
            cw__free(p->v);
        p->v = v;
        p->cap = nc;
    }
    p->v[p->n++] = n;
    return true;
}

static bool any_true(void *arg, const struct cw__node *n,
                     const struct cw__jp_loc *loc)
{
    (void)loc;
    if (n->kind == CW__NODE_SCALAR && n->type == CW__T_TRUE) {
        *(bool *)arg = true;
        return false;
    }
    return true;
}

/*
 * Runs `q` from the current node; false (and an outcome) when the result
 * cannot be used. Terraform's after_unknown mirrors the values with `true`
 * where a value is known only after apply, so the same query over it finds
 * exactly the unknown places: any of them makes the rule unknown, never a
 * pass or a fail on a value that does not exist yet.
 */
static bool select_nodes(const struct cw__jp *q, const struct doc *c,
                         struct picked *p, struct outcome *o)
{
    const struct cw__node *cur = c->cur;
    struct cw_diag d;
    bool unknown = false;
    size_t k;

    /* A `true` where the path ends, or anywhere along it (an unknown
     * list or object), makes the selection unknown. */
    for (k = c->unk ? cw__jp_segments(q) : 0; k > 0 && !unknown; k--)
        if (cw__jp_eval_prefix(q, k, c->unk, any_true, &unknown, &d))
            break;
    if (unknown) {
        outcome_set(o, CW_VERDICT_UNKNOWN, "%s is known only after apply",
                    c->res->address);
        o->file = c->res->file;
        o->line = c->res->line;
        return false;
    }
    if (!cur)
        return true;
    if (cw__jp_eval(q, cur, pick, p, &d) || p->oom) {
        outcome_set(o, CW_VERDICT_ERROR, "query failed: %s",
                    p->oom ? "out of memory" : d.msg);
        return false;
    }
    if (p->truncated) {
        outcome_set(o, CW_VERDICT_UNKNOWN, "more than %d nodes selected",
                    MAX_SELECTED);
        return false;
    }
    return true;
}

/* A scalar as the text value tests see; NULL for containers. */
static const char *scalar_text(const struct cw__node *n)
{
    if (n->kind != CW__NODE_SCALAR)
        return NULL;
    switch (n->type) {
    case CW__T_TRUE:
        return "true";
    case CW__T_FALSE:
        return "false";
    case CW__T_NULL:
        return "null";
    default:
        return n->str;
    }
}

static void at_node(struct outcome *o, const struct doc *c,
                    const struct cw__node *n)
{
    o->file = c->res->file;
    o->line = n ? n->line : c->res->line;
}

static void doc_leaf(void *ctx, const struct rule *r, struct outcome *o);

static void quantify(struct doc *c, const struct rule *r, struct outcome *o)
{
    struct picked pk, unk, *p = &pk;
    struct doc sub = *c;
    size_t i;
    bool some = r->kind == R_SOME, unknown = false;

    picked_init(p);
    picked_init(&unk);
    if (!select_nodes(r->sel, c, p, o))
        goto out;
    /* The matching elements of after_unknown, when they line up. */
    if (c->unk) {
        struct doc u = *c;
        u.cur = c->unk;
        u.unk = NULL;
        if (!select_nodes(r->sel, &u, &unk, o) || unk.n != p->n)
            unk.n = 0;
    }
    for (i = 0; i < p->n; i++) {
        struct outcome kid;
        memset(&kid, 0, sizeof(kid));
        sub.cur = p->v[i];
        sub.unk = unk.n ? unk.v[i] : NULL;
        doc_leaf(&sub, r->kids[0], &kid);
        if (kid.v == CW_VERDICT_ERROR || (!some && kid.v == CW_VERDICT_FAIL) ||
            (some && kid.v == CW_VERDICT_PASS)) {
            *o = kid;
            if (kid.v != CW_VERDICT_ERROR) {
                char why[sizeof(o->reason)];
                snprintf(why, sizeof(why), "%s", kid.reason);
                outcome_set(o, kid.v, "%s #%zu: %s", r->sel_src, i, why);
            }
            goto out;
        }
        unknown |= kid.v == CW_VERDICT_UNKNOWN;
    }
    at_node(o, c, p->n ? p->v[0] : NULL);
    if (unknown)
        outcome_set(o, CW_VERDICT_UNKNOWN, "an element of %s could not be "
                    "decided", r->sel_src);
    else if (some)
        outcome_set(o, CW_VERDICT_FAIL, "no element of %s (%zu) qualifies",
                    r->sel_src, p->n);
    else
        outcome_set(o, CW_VERDICT_PASS, "all %zu elements of %s comply",
                    p->n, r->sel_src);
out:
    picked_release(&unk);
    picked_release(p);
}

static void cidr_rule(struct doc *c, const struct rule *r,
                      const struct picked *p, struct outcome *o)
{
    size_t i, bad = 0;
    for (i = 0; i < p->n; i++) {
        unsigned char net[16];
        unsigned bits;
        bool v6, hit;
        const char *s = scalar_text(p->v[i]);
        if (!s || p->v[i]->type != CW__T_STRING ||
            !cw__cidr_parse(s, net, &bits, &v6)) {
            bad++;
            continue;
        }
        hit = r->cidr_mode == CIDR_CONTAINS
                  ? cw__cidr_contains(net, bits, v6, r->net, r->net_bits,
                                      r->net_v6)
              : r->cidr_mode == CIDR_OVERLAPS
                  ? cw__cidr_overlaps(net, bits, v6, r->net, r->net_bits,
                                      r->net_v6)
                  : !cw__cidr_contains(r->net, r->net_bits, r->net_v6, net,
                                       bits, v6);
        if (hit) {
            at_node(o, c, p->v[i]);
            outcome_set(o, r->cidr_mode == CIDR_WITHIN ? CW_VERDICT_FAIL
                                                       : CW_VERDICT_PASS,
                        "%s %s", s,
                        r->cidr_mode == CIDR_CONTAINS   ? "covers the block"
                        : r->cidr_mode == CIDR_OVERLAPS ? "overlaps the block"
                                                        : "lies outside");
            return;
        }
    }
    at_node(o, c, p->n ? p->v[0] : NULL);
    if (bad)
        outcome_set(o, CW_VERDICT_UNKNOWN, "%zu value(s) of %s are not CIDR "
                    "blocks (references known only after apply?)",
                    bad, r->sel_src);
    else
        outcome_set(o, r->cidr_mode == CIDR_WITHIN ? CW_VERDICT_PASS
                                                   : CW_VERDICT_FAIL,
                    "%zu block(s) at %s, none %s", p->n, r->sel_src,
                    r->cidr_mode == CIDR_WITHIN ? "outside" : "matching");
}

static bool number_of(const struct picked *p, double *out)
{
    if (p->n != 1 || p->v[0]->kind != CW__NODE_SCALAR ||
        p->v[0]->type != CW__T_NUMBER)
        return false;
    *out = p->v[0]->num;
    return true;
}

static void ports_rule(struct doc *c, const struct rule *r, struct outcome *o)
{
    struct picked pa, pb, *a = &pa, *b = &pb;
    double from, to;

    picked_init(a);
    picked_init(b);
    if (select_nodes(r->sel, c, a, o) &&
               select_nodes(r->sel_to, c, b, o)) {
        at_node(o, c, a->n ? a->v[0] : NULL);
        if (!number_of(a, &from) || !number_of(b, &to))
            outcome_set(o, CW_VERDICT_UNKNOWN, "the port range is not two "
                        "numbers");
        else if (from <= r->port_hi && to >= r->port_lo)
            outcome_set(o, CW_VERDICT_PASS, "ports %.0f-%.0f include %u-%u",
                        from, to, r->port_lo, r->port_hi);
        else
            outcome_set(o, CW_VERDICT_FAIL, "ports %.0f-%.0f miss %u-%u",
                        from, to, r->port_lo, r->port_hi);
    }
    picked_release(a);
    picked_release(b);
}

static void doc_leaf(void *ctx, const struct rule *r, struct outcome *o)
{
    struct doc *c = ctx;
    struct picked pk, *p = &pk;
    size_t i;

    if (cw__eval_logic(ctx, doc_leaf, r, o))
        return;
    if (r->kind == R_EACH || r->kind == R_SOME) {
        quantify(c, r, o);
        return;
    }
    if (r->kind == R_PORTS) {
        ports_rule(c, r, o);
        return;
    }
    picked_init(p);
    if (!select_nodes(r->sel, c, p, o)) {
        picked_release(p);
        return;
    }
    at_node(o, c, p->n ? p->v[0] : NULL);
    switch (r->kind) {
    case R_EXISTS:
        outcome_set(o, p->n ? CW_VERDICT_PASS : CW_VERDICT_FAIL,
                    p->n ? "%s is set" : "nothing at %s", r->sel_src);
        break;
    case R_COUNT:
        if ((r->has_count_min && (long long)p->n < r->count_min) ||
            (r->has_count_max && (long long)p->n > r->count_max))
            outcome_set(o, CW_VERDICT_FAIL, "%zu node(s) at %s", p->n,
                        r->sel_src);
        else
            outcome_set(o, CW_VERDICT_PASS, "%zu node(s) at %s", p->n,
                        r->sel_src);
        break;
    case R_CIDR:
        cidr_rule(c, r, p, o);
        break;
    case R_VALUE:
        if (!p->n) {
            value_judge(&r->vt, r->sel_src, NULL, c->res->file, c->res->line,
                        false, o);
            break;
        }
        for (i = 0; i < p->n; i++) {
            const char *s = scalar_text(p->v[i]);
            if (!s) {
                outcome_set(o, CW_VERDICT_FAIL, "%s is %s, not a value",
                            r->sel_src,
                            p->v[i]->kind == CW__NODE_MAP ? "an object"
                                                          : "an array");
                break;
            }
            value_judge(&r->vt, r->sel_src, s, c->res->file, p->v[i]->line,
                        false, o);
            if (o->v != CW_VERDICT_PASS)
                break;
        }
        break;
    default:
        outcome_set(o, CW_VERDICT_ERROR, "not a document rule");
        break;
    }
    picked_release(p);
}

/* ---- the scan ------------------------------------------------------------ */

struct scan {
    const struct cw_pack *pack;
    struct cw_results *res;
    bool oom;
    size_t resources;
};

static bool applies(const struct pack_check *pc, const char *type)
{
    size_t i;
    for (i = 0; i < pc->ntypes; i++)
        if (strcmp(pc->types[i], type) == 0)
            return true;
    return false;
}

static bool on_resource(void *arg, const struct cw__resource *r)
{
    struct scan *s = arg;
    struct doc c;
    size_t i;

    s->resources++;
    c.res = r;
    c.unk = r->unknown;
    for (i = 0; i < s->pack->nchecks; i++) {
        const struct pack_check *pc = &s->pack->checks[i];
        struct outcome o;
        if (!applies(pc, r->type))
            continue;
        memset(&o, 0, sizeof(o));
        c.cur = r->attrs;
        c.unk = r->unknown;
        if (pc->when) {
            doc_leaf(&c, pc->when, &o);
            if (o.v == CW_VERDICT_FAIL) {
                outcome_set(&o, CW_VERDICT_NOT_APPLICABLE,
                            "does not apply");
                o.file = r->file;
                o.line = r->line;
            }
        }
        if (!pc->when || o.v == CW_VERDICT_PASS)
            doc_leaf(&c, pc->rule, &o);
        if (!o.file) {
            o.file = r->file;
            o.line = r->line;
        }
        if (!cw__results_add(s->res, &pc->pub, &o, r->address)) {
            s->oom = true;
            return false;
        }
    }
    return true;
}

enum cw_status cw_scan_config(const struct cw_pack *pack,
                              const char *const *paths, size_t n,
                              const char *type, struct cw_results **out,
                              struct cw_diag *d)
{
    struct scan s;
    enum cw_status st = CW_OK;
    size_t i;

    *out = NULL;
    if (!pack->config)
        return cw__diag_set(d, CW_EINVAL, pack->file, 0, 0,
                            "pack '%s' checks hosts; use 'scan host'",
                            pack->name);
    memset(&s, 0, sizeof(s));
    s.pack = pack;
    s.res = cw__results_new(pack, n == 1 ? paths[0] : "(several files)",
                            "config");
    if (!s.res)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    for (i = 0; !st && i < n; i++) {
        struct cw__map m;
        st = cw__map_file(paths[i], &m, d);
        if (st)
            break;
        st = cw__config_load(paths[i], m.data, m.len, type, on_resource, &s,
                             d);
        cw__unmap_file(&m);
    }
    if (!st && s.oom)
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    if (st) {
        cw_results_free(s.res);
        return st;
    }
    *out = s.res;
    return CW_OK;
}
