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
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>

#include "../config/config.h"
#include "../query/jsonpath.h"
#include "checks.h"

#define MAX_SELECTED 100000
#define INLINE_SELECTED 16

struct scan;
struct slot;

/* Reasons recorded for join checks, remembered by content: a large plan
 * records the same few reasons hundreds of thousands of times (once kept,
 * 35 MB of a 500,000-resource plan's join records). Direct-mapped: a new
 * reason takes its slot. Entries point into keep arenas, which all live
 * until the scan ends. */
#define REASON_SLOTS 256

struct reason_cache {
    const char *s[REASON_SLOTS];
};

/*
 * Verdicts already reached on the resource being judged, by rule (its
 * `memo` number: the pack writes it in more than one place) and node: the
 * fourteen security-group checks each ask whether every ingress rule is
 * open to the internet, and the second to ask reads the answer here.
 * Only terse verdicts (no reason) are kept, which is how nearly every rule
 * is evaluated (see judge). Direct-mapped; a new verdict takes its slot.
 * `gen` changes with each resource, so no entry outlives its resource's
 * tree (and no node address reused by the next tree can match).
 */
#define MEMO_SLOTS 64
/* Likewise what a query several rules use selected (`$.ingress[*]`, for
 * each of those fourteen checks), when it is a few nodes. */
#define PICK_SLOTS 16
#define PICK_NODES 8

struct memo {
    struct memo_entry {
        const struct cw__node *cur, *unk;
        const char *file;
        unsigned id, gen, line;
        enum cw_verdict v;
    } e[MEMO_SLOTS];
    struct pick_entry {
        const struct cw__jp *q;
        const struct cw__node *cur, *unk;
        unsigned gen, n;
        bool leaf_asked, leaf_set;
        const struct cw__node *v[PICK_NODES];
    } p[PICK_SLOTS];
    unsigned gen;
    /* The location rule's globs matched against a region: the same few
     * regions over and over (kept across resources). */
    struct region_entry {
        const char *const *allow; /* the glob list */
        char region[40];
        int match;                /* its first matching glob, or -1 */
    } regions[8];
    unsigned next_region;
};

static void memo_next(struct memo *m)
{
    if (++m->gen == 0) { /* wrapped: forget every entry */
        memset(m->e, 0, sizeof(m->e));
        memset(m->p, 0, sizeof(m->p));
        m->gen = 1;
    }
}

static struct memo_entry *memo_slot(struct memo *m, unsigned id,
                                    const struct cw__node *cur,
                                    const struct cw__node *unk)
{
    uintptr_t h = (uintptr_t)id * 0x9E3779B97F4A7C15ull ^
                  (uintptr_t)cur >> 4 ^ (uintptr_t)unk >> 3;
    return &m->e[(h ^ h >> 29) & (MEMO_SLOTS - 1)];
}

static struct pick_entry *pick_slot(struct memo *m, const struct cw__jp *q,
                                    const struct cw__node *cur,
                                    const struct cw__node *unk)
{
    uintptr_t h = ((uintptr_t)q >> 4) * 0x9E3779B97F4A7C15ull ^
                  (uintptr_t)cur >> 4 ^ (uintptr_t)unk >> 3;
    return &m->p[(h ^ h >> 29) & (PICK_SLOTS - 1)];
}

struct doc {
    const struct cw__node *cur; /* `$` for the rule being evaluated */
    const struct cw__node *unk; /* the same place in Terraform's
                                   after_unknown, or NULL */
    const struct cw__resource *res;
    struct scan *s;
    struct slot *slots;         /* deciding a deferred join check: the
                                   leaves' recorded outcomes */
    struct cw__arena *keep;     /* recording a join check: where slots go */
    struct reason_cache *reasons; /* ... and reasons already kept */
    bool *oom;                  /* ... and where a failed allocation shows */
    bool forced;                /* every join leaf takes `force` (deciding
                                   early when joins cannot change the
                                   result) */
    enum cw_verdict force;
    struct memo *memo;          /* NULL: every rule evaluated afresh */
    /* Recording join checks: the last capture made for the resource, by
     * the join's key query (a bucket's three joins each take $.bucket). */
    const struct cw__jp *cap_sel;
    bool cap_jselector;
    struct capture *cap;
};

/* Join bookkeeping; see "joins" below. */
/* What a join leaf took from its subject. */
struct capture {
    const char **keys;        /* join key: the subject's values */
    size_t nkeys;
    const struct cw__node *labels; /* join selector: the subject's labels */
    const char *ns;
};

/* One top-level leaf of a deferred check. Passes keep no reason (they are
 * counted, never shown); the file is always the subject's. */
struct slot {
    union {                   /* 16 bytes a slot: a large plan keeps ~1M */
        const char *reason;   /* a leaf's outcome, or a decided join's */
        struct capture *cap;  /* a join leaf not yet decided: what it
                                 needs */
    };
    unsigned line;
    unsigned char v;          /* enum cw_verdict */
    bool decided;             /* a join whose outcome is already known */
};

struct deferred {
    struct deferred *next;    /* in document order */
    const struct pack_check *pc;
    const char *address, *file;
    unsigned line;
    struct slot *slots;
};

/* Equal-value lookup for one join rule: its targets' match values,
 * sorted, built the first time the rule is decided. */
struct join_index {
    const struct rule *rule;
    struct kv {
        const char *value;
        size_t target;
    } *v;
    size_t n;
    size_t *unknown;          /* targets whose match value is unknown */
    size_t nunknown;
};

/* Which checks judge a resource type: (type, check) pairs sorted by type
 * and then pack order. */
struct type_check {
    const char *type;
    size_t check;
};

/* One resource type the pack names: its checks are tc[lo, hi), and
 * `joined` when join checks look it up. Found by hash once per resource
 * (a sorted search cost a tenth of the scan in strcmp). */
struct type_slot {
    const char *type;
    size_t lo, hi;
    bool joined;
};

struct batch;

struct scan {
    const struct cw_pack *pack;
    struct type_check *tc;
    size_t ntc;
    struct type_slot *types;  /* one per type */
    size_t ntypes;
    struct type_slot **thash; /* open addressing over `types` */
    size_t thash_mask;
    /* Batches of a large Terraform plan are evaluated on two threads while
     * the loader reads on; see "batches" below. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t worker;
    bool threaded, ending;
    struct batch *inflight[8];
    size_t ninflight, next_seq, next_merge;
    struct cw__arena *pool[8]; /* batch arenas to reuse, reset */
    size_t npool;
    struct batch *bpool[8];    /* batches to reuse, with their arrays */
    size_t nbpool;
    struct cw__arena **keeps;  /* batches' join records, kept to the end */
    size_t nkeeps, akeeps;
    struct cw_results *res;
    enum cw_status bst;       /* the first batch (in order) that failed */
    struct cw_diag bd;
    const char *const *regions;
    size_t nregions;
    const struct cw_config_options *opt; /* on_location, or NULL */
    bool oom;
    size_t resources;
    struct memo *memo;        /* the one-thread path's (NULL: none) */
    struct cw__arena keep;    /* join targets and deferred subjects */
    struct reason_cache reasons; /* one thread: reasons kept in `keep` */
    struct cw__resource *targets; /* copies, in `keep` */
    size_t ntargets, atargets;
    /* In `keep`, a list: 375k of them in a large plan, and a growing
     * array would copy (and fault in) each of its doublings. */
    struct deferred *defer, **defer_tail;
    struct join_index *idx;
    size_t nidx;
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

static bool select_fresh(const struct cw__jp *q, const struct doc *c,
                         struct picked *p, struct outcome *o, bool *leaf_set);

/* What the rule `r` selects from the current node, from the memo when
 * its query is other rules' too. */
static bool select_rule(const struct rule *r, const struct doc *c,
                        struct picked *p, struct outcome *o, bool *leaf_set)
{
    const struct cw__jp *q = r->sel;
    struct pick_entry *e;
    bool ok;

    if (!c->memo || !r->sel_shared)
        return select_fresh(q, c, p, o, leaf_set);
    e = pick_slot(c->memo, q, c->cur, c->unk);
    if (e->gen == c->memo->gen && e->q == q && e->cur == c->cur &&
        e->unk == c->unk && e->leaf_asked == (leaf_set != NULL)) {
        memcpy(p->v, e->v, e->n * sizeof(*e->v));
        p->n = e->n;
        if (leaf_set)
            *leaf_set = e->leaf_set;
        return true;
    }
    ok = select_fresh(q, c, p, o, leaf_set);
    /* What failed (an unknown value, an error) is not kept: its outcome
     * says why, and is rare. */
    if (ok && p->n <= PICK_NODES) {
        e->q = q;
        e->cur = c->cur;
        e->unk = c->unk;
        e->gen = c->memo->gen;
        e->n = (unsigned)p->n;
        e->leaf_asked = leaf_set != NULL;
        e->leaf_set = leaf_set && *leaf_set;
        memcpy(e->v, p->v, p->n * sizeof(*e->v));
    }
    return ok;
}

/*
 * Runs `q` from the current node; false (and an outcome) when the result
 * cannot be used. Terraform's after_unknown (and the mirror the
 * CloudFormation loader builds of intrinsic functions) has `true` where a
 * value is known only after apply, so the same query over it finds
 * exactly the unknown places: any of them makes the rule unknown, never a
 * pass or a fail on a value that does not exist yet. With `leaf_set`, a
 * value unknown only where the path ends (a reference to another
 * resource) is not a reason to stop: *leaf_set tells the caller such a
 * value will exist.
 */
static bool select_fresh(const struct cw__jp *q, const struct doc *c,
                         struct picked *p, struct outcome *o, bool *leaf_set)
{
    const struct cw__node *cur = c->cur;
    struct cw_diag d;
    bool unknown = false;
    size_t k, segs = c->unk ? cw__jp_segments(q) : 0;

    for (k = segs; k > 0 && !unknown; k--) {
        if (cw__jp_eval_prefix(q, k, c->unk, any_true, &unknown, &d))
            break;
        if (unknown && k == segs && leaf_set) {
            *leaf_set = true;
            unknown = false;
        }
    }
    if (unknown) {
        outcome_set(o, CW_VERDICT_UNKNOWN, "%s is known only after %s",
                    c->res->address,
                    c->res->provider && strcmp(c->res->provider, "aws") == 0
                        ? "deployment"
                        : "apply");
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

static bool select_nodes(const struct cw__jp *q, const struct doc *c,
                         struct picked *p, struct outcome *o)
{
    return select_fresh(q, c, p, o, NULL);
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

/* Every node of `n` placed at `line`: a document read out of a string
 * has its own line numbers, and results should point at the string. */
static void place(struct cw__node *n, unsigned line)
{
    size_t i, k = n->kind == CW__NODE_MAP ? 2 * n->n
                  : n->kind == CW__NODE_SEQ ? n->n
                                            : 0;
    n->line = line;
    for (i = 0; i < k; i++)
        place(n->kids[i], line);
}

/* `each`/`some` with json: a selected string is parsed (in `a`) and
 * becomes `$` of the inner rule; an object or array is taken as it is (a
 * CloudFormation policy is already one). False, with *o unknown, when the
 * string is not JSON: what it allows cannot be told. */
static bool json_text(const struct doc *c, const struct rule *r,
                      const struct cw__node *n, struct cw__arena *a,
                      struct doc *sub, struct outcome *o)
{
    struct cw__node *tree = NULL;
    struct cw_diag d;

    if (n->kind != CW__NODE_SCALAR)
        return true;
    if (n->type != CW__T_STRING || n->len > ((size_t)1 << 20) ||
        cw__json_parse(a, c->res->file, n->str, n->len, NULL, &tree, &d)) {
        at_node(o, c, n);
        outcome_set(o, CW_VERDICT_UNKNOWN, "%s is not a JSON document",
                    r->sel_src);
        return false;
    }
    place(tree, n->line);
    sub->cur = tree;
    sub->unk = NULL;
    /* The tree goes with `a`, and a later one may take its addresses. */
    sub->memo = NULL;
    return true;
}

static void quantify(struct doc *c, const struct rule *r, struct outcome *o)
{
    struct picked pk, unk, *p = &pk;
    struct doc sub = *c;
    size_t i;
    bool some = r->kind == R_SOME, unknown = false;

    picked_init(p);
    picked_init(&unk);
    if (!select_rule(r, c, p, o, NULL))
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
        struct cw__arena a;
        kid.v = CW_VERDICT_NOT_APPLICABLE;
        kid.reason[0] = '\0';
        kid.file = NULL;
        kid.line = 0;
        sub.cur = p->v[i];
        sub.unk = unk.n ? unk.v[i] : NULL;
        /* (When a JSON string cannot be read, kid says so.) */
        if (!r->json_text) {
            doc_leaf(&sub, r->kids[0], &kid);
        } else {
            cw__arena_init(&a, 0);
            if (json_text(c, r, p->v[i], &a, &sub, &kid))
                doc_leaf(&sub, r->kids[0], &kid);
            cw__arena_release(&a);
        }
        if (kid.v == CW_VERDICT_ERROR || (!some && kid.v == CW_VERDICT_FAIL) ||
            (some && kid.v == CW_VERDICT_PASS)) {
            outcome_copy(o, &kid);
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
        if (p->v[i]->kind == CW__NODE_SCALAR &&
            p->v[i]->type == CW__T_NULL)
            continue; /* not set: no block */
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

/* Nothing selected, or a lone JSON null: not set. */
static bool is_null_pick(const struct picked *p)
{
    return !p->n || (p->n == 1 && p->v[0]->kind == CW__NODE_SCALAR &&
                     p->v[0]->type == CW__T_NULL);
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
        if (is_null_pick(a) || is_null_pick(b))
            outcome_set(o, CW_VERDICT_FAIL, "the port range is not set");
        else if (!number_of(a, &from) || !number_of(b, &to))
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

/* Location of PII (ISO/IEC 27018): the resource's region must match one
 * of the allowed globs, the rule's own or the scope's pii_regions. */
static void location_rule(struct doc *c, const struct rule *r,
                          struct outcome *o)
{
    const char *const *allow = r->nallow ? r->allow : c->s->regions;
    size_t n = r->nallow ? r->nallow : c->s->nregions, i, off = 0;
    char list[200], buf[64];
    const char *region = cw__region_of(c->res->attrs, buf, sizeof(buf));

    o->file = c->res->file;
    o->line = c->res->line;
    if (!region)
        region = c->res->region;
    if (region && c->s->opt)
        c->s->opt->on_location(c->s->opt->location_arg, c->res->address,
                               c->res->type, region, c->res->file,
                               c->res->line);
    if (!n) {
        outcome_set(o, CW_VERDICT_UNKNOWN,
                    "no allowed regions: list them as pii_regions in "
                    "cloudward.yaml");
        return;
    }
    if (!region) {
        outcome_set(o, CW_VERDICT_UNKNOWN, "%s does not say its region",
                    c->res->address);
        return;
    }
    list[0] = '\0';
    if (c->memo && strlen(region) < sizeof(c->memo->regions[0].region)) {
        struct memo *m = c->memo;
        struct region_entry *e = NULL;
        size_t k;
        for (k = 0; k < sizeof(m->regions) / sizeof(*m->regions); k++)
            if (m->regions[k].allow == allow &&
                strcmp(m->regions[k].region, region) == 0)
                e = &m->regions[k];
        if (!e) { /* a new one: matched below, then kept */
            e = &m->regions[m->next_region++ %
                            (sizeof(m->regions) / sizeof(*m->regions))];
            e->allow = allow;
            memcpy(e->region, region, strlen(region) + 1); /* fits */
            e->match = -1;
            for (k = 0; k < n && e->match < 0; k++)
                if (fnmatch(allow[k], region, 0) == 0)
                    e->match = (int)k;
        }
        if (e->match >= 0) {
            outcome_set(o, CW_VERDICT_PASS, "region %s is allowed (%s)",
                        region, allow[e->match]);
            return;
        }
        if (cw__terse) { /* no reason to list the globs for */
            outcome_set(o, CW_VERDICT_FAIL, "region not allowed");
            return;
        }
    }
    for (i = 0; i < n; i++) {
        if (fnmatch(allow[i], region, 0) == 0) {
            outcome_set(o, CW_VERDICT_PASS, "region %s is allowed (%s)",
                        region, allow[i]);
            return;
        }
        if (off < sizeof(list))
            off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
                                    i ? ", " : "", allow[i]);
    }
    outcome_set(o, CW_VERDICT_FAIL, "region %s is not among the allowed "
                "regions (%s)", region, list);
}

static void memo_leaf(struct doc *c, const struct rule *r, struct outcome *o);
static void doc_rule(struct doc *c, const struct rule *r, struct outcome *o);

/* A rule on the current node: its verdict from the memo when the rule
 * is written elsewhere in the pack and was judged on this node already. */
static void doc_leaf(void *ctx, const struct rule *r, struct outcome *o)
{
    struct doc *c = ctx;
    struct memo_entry *e;

    if (!r->memo || !c->memo || !cw__terse || c->slots) {
        doc_rule(c, r, o);
        return;
    }
    e = memo_slot(c->memo, r->memo, c->cur, c->unk);
    if (e->gen == c->memo->gen && e->id == r->memo && e->cur == c->cur &&
        e->unk == c->unk) {
        o->v = e->v;
        o->reason[0] = '\0';
        o->file = e->file;
        o->line = e->line;
        return;
    }
    doc_rule(c, r, o);
    e->cur = c->cur;
    e->unk = c->unk;
    e->id = r->memo;
    e->gen = c->memo->gen;
    e->v = o->v;
    e->file = o->file;
    e->line = o->line;
}

static void doc_rule(struct doc *c, const struct rule *r, struct outcome *o)
{
    struct picked pk, *p = &pk;
    size_t i;
    bool set = false;

    if (cw__eval_logic(c, doc_leaf, r, o))
        return;
    if (c->slots) { /* a deferred join check: recorded or joined now */
        memo_leaf(c, r, o);
        return;
    }
    if (r->kind == R_LOCATION) {
        location_rule(c, r, o);
        return;
    }
    if (r->kind == R_JOIN) { /* the pack loader keeps joins at the top */
        outcome_set(o, CW_VERDICT_ERROR, "join outside a join check");
        return;
    }
    if (r->kind == R_EACH || r->kind == R_SOME) {
        quantify(c, r, o);
        return;
    }
    if (r->kind == R_PORTS) {
        ports_rule(c, r, o);
        return;
    }
    picked_init(p);
    if (!select_rule(r, c, p, o, r->kind == R_EXISTS ? &set : NULL)) {
        picked_release(p);
        return;
    }
    at_node(o, c, p->n ? p->v[0] : NULL);
    switch (r->kind) {
    case R_EXISTS:
        outcome_set(o, p->n || set ? CW_VERDICT_PASS : CW_VERDICT_FAIL,
                    p->n  ? "%s is set"
                    : set ? "%s is set (by a reference decided on deployment)"
                          : "nothing at %s",
                    r->sel_src);
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
                        VJ_NO_POS, o);
            break;
        }
        for (i = 0; i < p->n; i++) {
            const struct cw__node *n = p->v[i];
            /* JSON null is how plans write an unset optional attribute:
             * not set, so `default` applies. */
            bool null = n->kind == CW__NODE_SCALAR && n->type == CW__T_NULL;
            const char *s = null ? NULL : scalar_text(n);
            if (!s && !null) {
                outcome_set(o, CW_VERDICT_FAIL, "%s is %s, not a value",
                            r->sel_src,
                            p->v[i]->kind == CW__NODE_MAP ? "an object"
                                                          : "an array");
                break;
            }
            value_judge(&r->vt, r->sel_src, s, c->res->file, p->v[i]->line,
                        VJ_NO_POS, o);
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

/* ---- joins ------------------------------------------------------------- */

/*
 * A check that joins resources (a bucket and the separate resource holding
 * its encryption settings) cannot be decided while the stream is on the
 * subject: the other resource may come later, or in another file. So the
 * scan keeps a copy of every resource of a joined type (they are small
 * and few), and for each subject records, in one slot per leaf of the
 * check's rule, the outcome of every ordinary leaf and what each join
 * needs from the subject (its key values, or its labels and namespace).
 * Once every document is read the rule is evaluated again over the slots,
 * the joins now against all the copies. Nothing of the subject's tree is
 * kept; when the joins cannot change the verdict it is decided at once.
 */
static bool type_in(const char *type, const char *const *types, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcmp(types[i], type) == 0)
            return true;
    return false;
}

static bool keep_target(struct scan *s, const struct cw__resource *r)
{
    struct cw__arena *a = &s->keep;
    struct cw__resource *c;

    if (!cw__grow((void **)&s->targets, &s->atargets, s->ntargets,
              sizeof(*s->targets)))
        return false;
    c = &s->targets[s->ntargets];
    *c = *r;
    c->type = cw__arena_strdup(a, r->type);
    c->address = cw__arena_strdup(a, r->address);
    c->provider = r->provider ? cw__arena_strdup(a, r->provider) : NULL;
    c->region = r->region ? cw__arena_strdup(a, r->region) : NULL;
    c->attrs = r->attrs ? cw__node_copy(a, r->attrs) : NULL;
    c->unknown = r->unknown ? cw__node_copy(a, r->unknown) : NULL;
    if (!c->type || !c->address || (r->provider && !c->provider) ||
        (r->region && !c->region) || (r->attrs && !c->attrs) ||
        (r->unknown && !c->unknown))
        return false;
    s->ntargets++;
    return true;
}

static const char *text_of(const struct cw__node *n)
{
    return n && n->kind == CW__NODE_SCALAR ? n->str : NULL;
}

static const char *namespace_of(const struct cw__node *attrs)
{
    const char *ns = text_of(cw__node_get(cw__node_get(attrs, "metadata"),
                                          "namespace"));
    return ns && ns[0] ? ns : "default";
}

/* Kubernetes label selector semantics: matchLabels all equal, and every
 * matchExpressions requirement (In, NotIn, Exists, DoesNotExist) holds;
 * an empty selector selects everything. */
static bool selects(const struct cw__node *sel, const struct cw__node *labels)
{
    const struct cw__node *ml = cw__node_get(sel, "matchLabels");
    const struct cw__node *me = cw__node_get(sel, "matchExpressions");
    size_t i, k;

    if (!sel || sel->kind != CW__NODE_MAP)
        return false;
    for (i = 0; ml && ml->kind == CW__NODE_MAP && i < ml->n; i++) {
        const char *want = text_of(ml->kids[2 * i + 1]);
        const char *have = text_of(cw__node_get(labels, ml->kids[2 * i]->str));
        if (!want || !have || strcmp(want, have) != 0)
            return false;
    }
    for (i = 0; me && me->kind == CW__NODE_SEQ && i < me->n; i++) {
        const struct cw__node *e = me->kids[i];
        const char *key = text_of(cw__node_get(e, "key"));
        const char *op = text_of(cw__node_get(e, "operator"));
        const struct cw__node *vals = cw__node_get(e, "values");
        const char *have = key ? text_of(cw__node_get(labels, key)) : NULL;
        bool in = false;
        if (!key || !op)
            return false;
        for (k = 0; have && vals && vals->kind == CW__NODE_SEQ && k < vals->n;
             k++)
            in |= text_of(vals->kids[k]) &&
                  strcmp(text_of(vals->kids[k]), have) == 0;
        if ((strcmp(op, "In") == 0 && !in) ||
            (strcmp(op, "NotIn") == 0 && in) ||
            (strcmp(op, "Exists") == 0 && !have) ||
            (strcmp(op, "DoesNotExist") == 0 && have))
            return false;
        if (strcmp(op, "In") != 0 && strcmp(op, "NotIn") != 0 &&
            strcmp(op, "Exists") != 0 && strcmp(op, "DoesNotExist") != 0)
            return false;
    }
    return true;
}

/* A copy of reason `r` in `a`, or one made before through `rc` (which
 * may be NULL); NULL (and *oom) when out of memory. */
static const char *cached_copy(struct cw__arena *a, struct reason_cache *rc,
                               const char *r, bool *oom)
{
    const char **e = NULL;
    char *d;
    if (rc) {
        e = &rc->s[cw__str_hash(r) % REASON_SLOTS];
        if (*e && strcmp(*e, r) == 0)
            return *e;
    }
    if (!(d = cw__arena_strdup(a, r)))
        *oom = true;
    else if (e)
        *e = d;
    return d;
}

/* A copy of reason `r` in c->keep, or one kept before. */
static const char *keep_reason(struct doc *c, const char *r)
{
    return cached_copy(c->keep, c->reasons, r, c->oom);
}

static void slot_set(struct doc *c, struct slot *sl, const struct outcome *o)
{
    sl->v = (unsigned char)o->v;
    sl->line = o->line;
    if (o->v == CW_VERDICT_PASS)
        return;
    sl->reason = keep_reason(c, o->reason);
}

/* What a join needs from its subject, while the subject is in memory. */
static void capture(struct doc *c, const struct rule *r, struct slot *sl)
{
    struct picked pk, *p = &pk;
    struct outcome o;
    struct capture *cp;
    struct cw__arena *a = c->keep;
    size_t i;

    if (c->cap && c->cap_sel == r->sel && c->cap_jselector == r->jselector) {
        sl->cap = c->cap; /* read only from here on: shared */
        return;
    }
    outcome_clear(&o);
    picked_init(p);
    if (!select_nodes(r->sel, c, p, &o)) {
        slot_set(c, sl, &o);
        sl->decided = true;
        picked_release(p);
        return;
    }
    c->cap = NULL;
    if (!(cp = sl->cap = cw__arena_alloc(a, sizeof(*cp)))) {
        *c->oom = true;
    } else if (r->jselector) {
        cp->labels = p->n && p->v[0]->kind == CW__NODE_MAP
                         ? cw__node_copy(a, p->v[0])
                         : NULL;
        cp->ns = cw__arena_strdup(a, namespace_of(c->res->attrs));
        *c->oom |= (p->n && p->v[0]->kind == CW__NODE_MAP && !cp->labels) ||
                     !cp->ns;
    } else if (p->n) {
        cp->keys = cw__arena_alloc(a, p->n * sizeof(*cp->keys));
        for (i = 0; cp->keys && i < p->n; i++)
            if (text_of(p->v[i]) && text_of(p->v[i])[0] &&
                !(cp->keys[cp->nkeys++] =
                      cw__arena_strdup(a, text_of(p->v[i]))))
                cp->keys = NULL;
        *c->oom |= !cp->keys;
    }
    if (cp && !*c->oom) {
        c->cap = cp;
        c->cap_sel = r->sel;
        c->cap_jselector = r->jselector;
    }
    picked_release(p);
}

/* A document context over a kept copy of a joined resource. */
static void target_doc(struct doc *d, struct scan *s,
                       const struct cw__resource *t)
{
    memset(d, 0, sizeof(*d));
    d->cur = t->attrs;
    d->unk = t->unknown;
    d->res = t;
    d->s = s;
}

static int cmp_kv(const void *a, const void *b)
{
    return strcmp(((const struct kv *)a)->value, ((const struct kv *)b)->value);
}

static struct join_index *index_of(struct scan *s, const struct rule *r)
{
    struct join_index *x;
    size_t i, k, alloc = 0, ualloc = 0;

    for (i = 0; i < s->nidx; i++)
        if (s->idx[i].rule == r)
            return &s->idx[i];
    x = cw__realloc(s->idx, (s->nidx + 1) * sizeof(*x));
    if (!x)
        return NULL;
    s->idx = x;
    x = &s->idx[s->nidx++];
    memset(x, 0, sizeof(*x));
    x->rule = r;
    for (i = 0; i < s->ntargets; i++) {
        const struct cw__resource *t = &s->targets[i];
        struct doc d;
        struct picked pk;
        struct outcome o;
        if (!type_in(t->type, r->jtypes, r->njtypes))
            continue;
        target_doc(&d, s, t);
        picked_init(&pk);
        if (!select_nodes(r->sel_to, &d, &pk, &o)) {
            if (!cw__grow((void **)&x->unknown, &ualloc, x->nunknown,
                      sizeof(*x->unknown)))
                s->oom = true;
            else
                x->unknown[x->nunknown++] = i;
        }
        for (k = 0; k < pk.n && !s->oom; k++) {
            const char *v = text_of(pk.v[k]);
            if (!v)
                continue;
            if (!cw__grow((void **)&x->v, &alloc, x->n, sizeof(*x->v))) {
                s->oom = true;
                break;
            }
            x->v[x->n].value = v;
            x->v[x->n++].target = i;
        }
        picked_release(&pk);
    }
    if (x->n)
        qsort(x->v, x->n, sizeof(*x->v), cmp_kv);
    return x;
}

/* Judges one joined resource with the join's rule; PASS without a rule. */
static void judge_target(struct doc *c, const struct rule *r,
                         const struct cw__resource *t, struct outcome *o)
{
    struct doc d;

    target_doc(&d, c->s, t);
    if (r->nkids) {
        doc_leaf(&d, r->kids[0], o);
        if (o->v == CW_VERDICT_NOT_APPLICABLE)
            o->v = CW_VERDICT_FAIL;
    } else {
        outcome_set(o, CW_VERDICT_PASS, "%s", "");
    }
}

/* Folds one joined target's outcome into the join's: the first pass
 * wins; else unknown beats fail. */
static bool fold(const struct cw__resource *t, const struct outcome *k,
                 struct outcome *best, bool *any, bool *unknown)
{
    *any = true;
    if (k->v == CW_VERDICT_PASS) {
        outcome_set(best, CW_VERDICT_PASS, "%s %s%s%s", t->type, t->address,
                    k->reason[0] ? ": " : "", k->reason);
        return true;
    }
    if (k->v == CW_VERDICT_UNKNOWN || k->v == CW_VERDICT_ERROR) {
        *unknown = true;
    } else if (best->v != CW_VERDICT_FAIL) {
        outcome_set(best, CW_VERDICT_FAIL, "%s %s: %s", t->type, t->address,
                    k->reason);
    }
    return false;
}

static void join_eval(struct doc *c, const struct rule *r,
                      const struct capture *sl, struct outcome *o)
{
    struct scan *s = c->s;
    struct outcome k, best;
    bool any = false, unknown = false;
    size_t i, j;

    outcome_clear(&best);
    best.v = CW_VERDICT_NOT_APPLICABLE;
    if (r->jselector) {
        for (i = 0; i < s->ntargets; i++) {
            const struct cw__resource *t = &s->targets[i];
            struct doc d;
            struct picked pk;
            if (!type_in(t->type, r->jtypes, r->njtypes) ||
                strcmp(namespace_of(t->attrs), sl->ns) != 0)
                continue;
            target_doc(&d, s, t);
            picked_init(&pk);
            if (!select_nodes(r->sel_to, &d, &pk, &k))
                unknown = true;
            else if (pk.n && selects(pk.v[0], sl->labels)) {
                outcome_clear(&k);
                judge_target(c, r, t, &k);
                if (fold(t, &k, &best, &any, &unknown)) {
                    picked_release(&pk);
                    break;
                }
            }
            picked_release(&pk);
        }
    } else {
        struct join_index *x = index_of(s, r);
        if (!x) {
            s->oom = true;
            outcome_set(o, CW_VERDICT_ERROR, "out of memory");
            return;
        }
        for (j = 0; j < sl->nkeys && best.v != CW_VERDICT_PASS; j++) {
            struct kv key = { sl->keys[j], 0 }, *hit;
            hit = x->n ? bsearch(&key, x->v, x->n, sizeof(*x->v), cmp_kv)
                       : NULL;
            while (hit && hit > x->v && strcmp(hit[-1].value, key.value) == 0)
                hit--;
            for (; hit && hit < x->v + x->n &&
                   strcmp(hit->value, key.value) == 0;
                 hit++) {
                const struct cw__resource *t = &s->targets[hit->target];
                outcome_clear(&k);
                judge_target(c, r, t, &k);
                if (fold(t, &k, &best, &any, &unknown))
                    break;
            }
        }
        /* A target whose key is decided only at apply could be ours. */
        if (best.v != CW_VERDICT_PASS && x->nunknown && sl->nkeys)
            unknown = true;
    }
    outcome_copy(o, &best);
    if (best.v == CW_VERDICT_PASS)
        ;
    else if (unknown)
        outcome_set(o, CW_VERDICT_UNKNOWN, "a %s whose join value is known "
                    "only after apply may be the one for it", r->jtypes[0]);
    else if (!any)
        outcome_set(o, CW_VERDICT_FAIL, "no %s applies to it%s", r->jtypes[0],
                    !r->jselector && !sl->nkeys ? " (it has no value at the "
                                                  "join key)"
                                                : "");
    o->file = c->res->file;
    o->line = c->res->line;
}

/* A leaf of a deferred check: its recorded outcome, or the join decided
 * over every resource now read (or forced, when deciding early). */
static void memo_leaf(struct doc *c, const struct rule *r, struct outcome *o)
{
    const struct slot *sl = &c->slots[r->leaf];

    if (r->kind == R_JOIN && !sl->decided) {
        if (c->forced) {
            outcome_set(o, c->force, "(joined later)");
            o->file = c->res->file;
            o->line = c->res->line;
        } else {
            join_eval(c, r, sl->cap, o);
        }
        return;
    }
    /* The recorded reason as it is (no printf: once per leaf of every
     * deferred check). */
    o->v = (enum cw_verdict)sl->v;
    o->reason[0] = '\0';
    if (!cw__terse && sl->reason) {
        size_t n = strlen(sl->reason);
        if (n >= sizeof(o->reason))
            n = sizeof(o->reason) - 1;
        memcpy(o->reason, sl->reason, n);
        o->reason[n] = '\0';
    }
    o->file = c->res->file;
    o->line = sl->line;
}

/* Records every leaf of a join check's rule for the subject in `c`. */
static void record(struct doc *c, const struct rule *r, struct slot *slots)
{
    size_t i;
    struct outcome o;

    if (r->kind <= R_NOT) {
        for (i = 0; i < r->nkids; i++)
            record(c, r->kids[i], slots);
        return;
    }
    if (r->kind == R_JOIN) {
        capture(c, r, &slots[r->leaf]);
        return;
    }
    /* With its reason at once (a pass keeps none): a join check's other
     * leaves are mostly the inline settings the joined resource replaces
     * ("some $.versioning[*]"), which fail, and a terse try first cost a
     * second evaluation each. */
    outcome_clear(&o);
    doc_leaf(c, r, &o);
    if (!o.file)
        o.line = c->res->line;
    slot_set(c, &slots[r->leaf], &o);
}

/* What a join check came to for one subject: decided (slots NULL), or
 * recorded for deciding after the last document. */
struct join_result {
    const struct pack_check *pc;
    size_t res;               /* batches: the subject's index */
    struct slot *slots;
    const char *reason;       /* decided: in the recording arena */
    const char *file;
    unsigned line;
    unsigned char v;
};

static void decided(struct doc *c, struct join_result *jr,
                    const struct outcome *o)
{
    jr->slots = NULL;
    jr->v = (unsigned char)o->v;
    jr->file = o->file ? o->file : c->res->file;
    jr->line = o->file ? o->line : c->res->line;
    jr->reason = keep_reason(c, o->reason);
}

/* Evaluates a join check on the subject in `c` as far as it can without
 * the other resources: its `when`, every leaf, and the verdict at once
 * when forcing the joins either way gives the same. Allocates only in
 * c->keep, so batches do this on any thread. */
static void join_prepare(struct doc *c, const struct pack_check *pc,
                         struct join_result *jr)
{
    struct outcome yes, no;

    memset(jr, 0, sizeof(*jr));
    jr->pc = pc;
    outcome_clear(&yes);
    c->cur = c->res->attrs;
    c->unk = c->res->unknown;
    if (pc->when) {
        doc_leaf(c, pc->when, &yes);
        if (yes.v == CW_VERDICT_FAIL)
            outcome_set(&yes, CW_VERDICT_NOT_APPLICABLE, "does not apply");
        if (yes.v != CW_VERDICT_PASS) {
            yes.file = NULL;
            decided(c, jr, &yes);
            return;
        }
    }
    if (!(jr->slots = cw__arena_alloc(c->keep,
                                      pc->nleaves * sizeof(*jr->slots)))) {
        *c->oom = true;
        return;
    }
    record(c, pc->rule, jr->slots);
    outcome_clear(&yes);
    outcome_clear(&no);
    c->slots = jr->slots;
    c->forced = true;
    /* Tersely: when the joins can change the verdict (the usual case),
     * no reason is needed; when they cannot, the reason is made once, and
     * a reason that came from a forced join leaf still waits for the
     * joins. */
    cw__terse = true;
    c->force = CW_VERDICT_PASS;
    doc_leaf(c, pc->rule, &yes);
    c->force = CW_VERDICT_FAIL;
    doc_leaf(c, pc->rule, &no);
    cw__terse = false;
    if (yes.v == no.v) {
        outcome_clear(&yes);
        c->force = CW_VERDICT_PASS;
        doc_leaf(c, pc->rule, &yes);
    }
    c->slots = NULL;
    c->forced = false;
    if (yes.v == no.v && !strstr(yes.reason, "(joined later)"))
        decided(c, jr, &yes);
}

/* Puts a prepared join check into the scan, in document order.
 * *address: the resource's address as kept for the deferred checks (its
 * several join checks share one copy), NULL before the first. */
static void join_commit(struct scan *s, const struct cw__resource *r,
                        const struct join_result *jr, const char **address)
{
    struct deferred *df;

    if (s->oom)
        return;
    if (!jr->slots) {
        if (!cw__results_put(s->res, &jr->pc->pub, (enum cw_verdict)jr->v,
                             jr->reason, jr->file, jr->line, r->address))
            s->oom = true;
        return;
    }
    if (!(df = cw__arena_alloc_raw(&s->keep, sizeof(*df)))) {
        s->oom = true;
        return;
    }
    df->next = NULL;
    *s->defer_tail = df;
    s->defer_tail = &df->next;
    df->pc = jr->pc;
    df->slots = jr->slots;
    df->file = r->file;
    df->line = r->line;
    if (!*address)
        *address = cw__arena_strdup(&s->keep, r->address);
    df->address = *address;
    s->oom |= !df->address;
}

/* After the last document: the deferred join checks. A large plan defers
 * hundreds of thousands (a bucket's joins with its separate settings),
 * and deciding them is serial time: the second half is decided on
 * another thread while this one decides the first, and its outcomes are
 * then put in order. */
#define DEFER_SPLIT 8192 /* fewer: one thread */

/* A decided outcome kept for putting later. */
struct decided {
    const char *reason, *file;
    unsigned line;
    unsigned char v;
};

struct defer_half {
    struct scan *s;
    const struct deferred *from;
    size_t n;
    struct decided *out;
    struct cw__arena reasons;  /* out[].reason: each kept once per run
                                  of equal reasons of a check */
    const char **last;         /* per check: the last reason kept */
    bool oom;
};

/* Decides deferred check `df`, its outcome into *o. */
static void decide_one(struct scan *s, const struct deferred *df,
                       struct outcome *o)
{
    struct cw__resource r;
    struct doc c;

    memset(&r, 0, sizeof(r));
    r.address = df->address;
    r.file = df->file;
    r.line = df->line;
    memset(&c, 0, sizeof(c));
    c.res = &r;
    c.s = s;
    c.slots = df->slots;
    outcome_clear(o);
    doc_leaf(&c, df->pc->rule, o);
    if (!o->file) {
        o->file = r.file;
        o->line = r.line;
    }
}

static void *decide_half(void *arg)
{
    struct defer_half *h = arg;
    const struct deferred *df = h->from;
    size_t i;

    for (i = 0; i < h->n && !h->oom; i++, df = df->next) {
        struct outcome o;
        struct decided *d = &h->out[i];
        size_t ci = (size_t)(df->pc - h->s->pack->checks);
        decide_one(h->s, df, &o);
        d->v = (unsigned char)o.v;
        d->file = o.file;
        d->line = o.line;
        if (!h->last[ci] || strcmp(h->last[ci], o.reason) != 0)
            h->oom |= !(h->last[ci] = cw__arena_strdup(&h->reasons, o.reason));
        d->reason = h->last[ci];
    }
    return NULL;
}

/* Puts a decided outcome; `last` (per check, may be NULL) remembers the
 * check's last stored reason, and `from` what it was stored from (the
 * text: NULL), so that a run of equal reasons is interned once. */
static bool put_decided(struct scan *s, const struct deferred *df,
                        enum cw_verdict v, const char *reason,
                        const char *file, unsigned line, const char **last,
                        const char **from)
{
    size_t ci = (size_t)(df->pc - s->pack->checks);
    const char *stored;

    if (v == CW_VERDICT_PASS || !last)
        return cw__results_put(s->res, &df->pc->pub, v, reason, file, line,
                               df->address);
    if (last[ci] && (from ? from[ci] == reason
                          : strcmp(last[ci], reason) == 0)) {
        stored = last[ci];
    } else {
        if (!(stored = cw__results_intern(s->res, reason)))
            return false;
        last[ci] = stored;
        if (from)
            from[ci] = reason;
    }
    return cw__results_put_interned(s->res, &df->pc->pub, v, stored, file,
                                    line, df->address);
}

/* Builds every join index before two threads read them. */
static bool index_joins(struct scan *s, const struct rule *r)
{
    size_t i;
    if (r->kind == R_JOIN && !r->jselector && !index_of(s, r))
        return false;
    for (i = 0; i < r->nkids; i++)
        if (!index_joins(s, r->kids[i]))
            return false;
    return true;
}

static void decide_deferred(struct scan *s)
{
    const struct deferred *df, *mid = NULL;
    struct defer_half h;
    size_t n = 0, i, nc = s->pack->nchecks;
    const char **last = cw__calloc(2 * nc + 1, sizeof(*last));
    const char **from = last ? last + nc : NULL;
    pthread_t t;
    bool two = false;

    for (df = s->defer; df; df = df->next)
        n++;
    memset(&h, 0, sizeof(h));
    if (n >= DEFER_SPLIT && last) {
        for (i = 0; i < s->pack->nchecks; i++)
            if (s->pack->checks[i].has_join &&
                !index_joins(s, s->pack->checks[i].rule))
                s->oom = true;
        for (mid = s->defer, i = 0; i < n / 2; i++)
            mid = mid->next;
        h.s = s;
        h.from = mid;
        h.n = n - n / 2;
        h.out = cw__malloc(h.n * sizeof(*h.out));
        h.last = cw__calloc(nc + 1, sizeof(*h.last));
        cw__arena_init(&h.reasons, 0);
        two = !s->oom && h.out && h.last &&
              pthread_create(&t, NULL, decide_half, &h) == 0;
        if (!two)
            mid = NULL;
    }
    for (df = s->defer; df && df != mid && !s->oom; df = df->next) {
        struct outcome o;
        decide_one(s, df, &o);
        if (!put_decided(s, df, o.v, o.reason, o.file, o.line, last, NULL))
            s->oom = true;
    }
    if (two) {
        pthread_join(t, NULL);
        s->oom |= h.oom;
        memset(last, 0, nc * sizeof(*last));
        for (df = mid, i = 0; i < h.n && !s->oom; i++, df = df->next)
            if (!put_decided(s, df, (enum cw_verdict)h.out[i].v,
                             h.out[i].reason, h.out[i].file, h.out[i].line,
                             last, from))
                s->oom = true;
    }
    cw__arena_release(&h.reasons);
    cw__free(h.out);
    cw__free(h.last);
    cw__free(last);
}

/* ---- the scan ------------------------------------------------------------ */

/* Evaluates one check on the resource in `c`: tersely first, since most
 * verdicts are passes that are only counted; with reasons when the
 * result will be stored. */
static void judge(struct doc *c, const struct pack_check *pc,
                  struct outcome *o)
{
    const struct cw__resource *r = c->res;
    int round;

    for (round = 0; round < 2; round++) {
        cw__terse = round == 0;
        o->v = CW_VERDICT_NOT_APPLICABLE;
        o->reason[0] = '\0';
        o->file = NULL;
        o->line = 0;
        c->cur = r->attrs;
        c->unk = r->unknown;
        if (pc->when) {
            doc_leaf(c, pc->when, o);
            if (o->v == CW_VERDICT_FAIL) {
                cw__terse = false;
                outcome_set(o, CW_VERDICT_NOT_APPLICABLE, "does not apply");
                o->file = r->file;
                o->line = r->line;
                return;
            }
        }
        if (!pc->when || o->v == CW_VERDICT_PASS)
            doc_leaf(c, pc->rule, o);
        if (o->v == CW_VERDICT_PASS && round == 0)
            break; /* counted, never shown: no reason needed */
    }
    cw__terse = false;
}

static int cmp_tc(const void *a, const void *b)
{
    const struct type_check *x = a, *y = b;
    int k = strcmp(x->type, y->type);
    return k ? k : x->check < y->check ? -1 : x->check > y->check;
}

/* The slot of `type`, or NULL when no check names it. */
static const struct type_slot *type_slot(const struct scan *s,
                                         const char *type)
{
    size_t i;
    if (!s->thash)
        return NULL;
    for (i = cw__str_hash(type) & s->thash_mask; s->thash[i];
         i = (i + 1) & s->thash_mask)
        if (strcmp(s->thash[i]->type, type) == 0)
            return s->thash[i];
    return NULL;
}

static void add_type(struct scan *s, const char *type, size_t lo, size_t hi,
                     bool joined)
{
    struct type_slot *t = (struct type_slot *)type_slot(s, type);
    size_t i;
    if (t) {
        t->joined |= joined;
        return;
    }
    t = &s->types[s->ntypes++];
    t->type = type;
    t->lo = lo;
    t->hi = hi;
    t->joined = joined;
    for (i = cw__str_hash(type) & s->thash_mask; s->thash[i];
         i = (i + 1) & s->thash_mask)
        ;
    s->thash[i] = t;
}

static bool index_types(struct scan *s)
{
    size_t i, k, n = 0, size = 16;

    for (i = 0; i < s->pack->nchecks; i++)
        n += s->pack->checks[i].ntypes;
    while (size < 2 * (n + s->pack->njoin_types))
        size *= 2;
    s->types = cw__calloc(n + s->pack->njoin_types + 1, sizeof(*s->types));
    s->thash = cw__calloc(size, sizeof(*s->thash));
    s->tc = cw__malloc((n + 1) * sizeof(*s->tc));
    if (!s->types || !s->thash || !s->tc)
        return false;
    s->thash_mask = size - 1;
    for (i = 0; i < s->pack->nchecks; i++)
        for (k = 0; k < s->pack->checks[i].ntypes; k++) {
            s->tc[s->ntc].type = s->pack->checks[i].types[k];
            s->tc[s->ntc++].check = i;
        }
    qsort(s->tc, s->ntc, sizeof(*s->tc), cmp_tc);
    for (i = 0; i < s->ntc; i = k) {
        for (k = i + 1; k < s->ntc && strcmp(s->tc[k].type, s->tc[i].type) == 0;
             k++)
            ;
        add_type(s, s->tc[i].type, i, k, false);
    }
    for (i = 0; i < s->pack->njoin_types; i++)
        add_type(s, s->pack->join_types[i], 0, 0, true);
    return true;
}

/* The checks of type slot `ts` (NULL: none), in pack order. */
#define EACH_CHECK(s, ts, i, pc)                                              \
    for (i = (ts) ? (ts)->lo : 0;                                             \
         (ts) && i < (ts)->hi &&                                              \
         ((pc) = &(s)->pack->checks[(s)->tc[i].check], true);                 \
         i++)

/* Keeps a joined type's resource, and decides its join checks (at once or
 * deferred). The part of a resource's evaluation that touches shared
 * state: always on one thread, in document order. */
static bool serial_part(struct scan *s, const struct cw__resource *r,
                        const struct type_slot *ts,
                        const struct join_result *joins, size_t njoins)
{
    const struct pack_check *pc;
    const char *address = NULL;
    struct doc c;
    size_t i;

    if (ts && ts->joined && !keep_target(s, r))
        s->oom = true;
    /* A type no check names: nothing judges this resource. Drift tells
     * of new ones (cw_drift.h), so an unchecked service is not silent. */
    if (!ts && !cw__results_uncovered(s->res, r->address, r->type, r->file,
                                      r->line))
        s->oom = true;
    if (joins) { /* prepared by a batch */
        for (i = 0; i < njoins; i++)
            join_commit(s, r, &joins[i], &address);
        return !s->oom;
    }
    memset(&c, 0, sizeof(c));
    c.res = r;
    c.s = s;
    c.keep = &s->keep;
    c.reasons = &s->reasons;
    c.oom = &s->oom;
    EACH_CHECK(s, ts, i, pc) {
        struct join_result jr;
        if (!pc->has_join || s->oom)
            continue;
        join_prepare(&c, pc, &jr);
        join_commit(s, r, &jr, &address);
    }
    return !s->oom;
}

static bool on_resource(void *arg, const struct cw__resource *r)
{
    struct scan *s = arg;
    const struct type_slot *ts = type_slot(s, r->type);
    const struct pack_check *pc;
    struct doc c;
    size_t i;

    s->resources++;
    memset(&c, 0, sizeof(c));
    c.res = r;
    c.s = s;
    if ((c.memo = s->memo))
        memo_next(s->memo);
    EACH_CHECK(s, ts, i, pc) {
        struct outcome o;
        if (pc->has_join)
            continue;
        judge(&c, pc, &o);
        if (!o.file) {
            o.file = r->file;
            o.line = r->line;
        }
        if (!cw__results_add(s->res, &pc->pub, &o, r->address)) {
            s->oom = true;
            return false;
        }
    }
    return serial_part(s, r, ts, NULL, 0);
}

/* ---- batches ------------------------------------------------------------ */

/*
 * A large plan comes from the loader in batches of resources. Their plain
 * checks are evaluated on two threads (a worker, and the loading thread
 * whenever the worker falls behind); each batch keeps its non-pass
 * outcomes and pass counts to itself. Batches are then merged strictly in
 * document order, under the lock: join bookkeeping, results and counts go
 * into the scan exactly as the one-thread path puts them.
 */
struct pending {
    size_t check, res;        /* pack index; index in the batch */
    const char *reason;       /* in the batch's arena */
    const char *file;
    unsigned line;
    unsigned char v;
};

struct batch {
    struct cw__resource *v;
    size_t n, seq;
    struct cw__arena *arena;
    struct cw__arena *keep;   /* join records: they outlive the batch */
    struct join_result *joins;
    size_t njoins, ajoins;
    struct pending *out;
    size_t nout, aout;
    size_t *passes;           /* per check */
    struct reason_cache reasons; /* into this and earlier batches' keep */
    struct reason_cache out_reasons; /* the pending reasons, in `arena` */
    bool running, done, oom;
    enum cw_status st;        /* a resource failed to build: `d` says */
    struct cw_diag d;
};

#define MAX_INFLIGHT 4
#define THREADED_BYTES ((size_t)4 << 20) /* smaller plans: one thread */

static void batch_release(struct batch *b)
{
    if (b->keep) {
        cw__arena_release(b->keep);
        cw__free(b->keep);
    }
    cw__free(b->joins);
    cw__free(b->out);
    cw__free(b->passes);
    cw__free(b);
}

/* Under the lock (or alone): the batch and its arena go back to their
 * pools. A batch keeps its arrays: grown anew for every batch, they were
 * an eighth of the page faults of a large plan. */
static void batch_free(struct scan *s, struct batch *b)
{
    if (!b)
        return;
    if (s->npool < sizeof(s->pool) / sizeof(s->pool[0])) {
        cw__arena_recycle(b->arena);
        s->pool[s->npool++] = b->arena;
    } else {
        cw__arena_release(b->arena);
        cw__free(b->arena);
    }
    b->arena = NULL;
    /* Not after a failure: its reasons may be in a keep arena freed. */
    if (!b->keep && !s->oom &&
        s->nbpool < sizeof(s->bpool) / sizeof(s->bpool[0])) {
        memset(b->passes, 0, (s->pack->nchecks + 1) * sizeof(*b->passes));
        b->v = NULL;
        b->n = b->seq = b->njoins = b->nout = 0;
        b->running = b->done = b->oom = false;
        b->st = CW_OK;
        s->bpool[s->nbpool++] = b;
        return;
    }
    batch_release(b);
}

/* A batch from the pool, or a new one; NULL when out of memory. */
static struct batch *batch_get(struct scan *s)
{
    struct batch *b = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->nbpool)
        b = s->bpool[--s->nbpool];
    pthread_mutex_unlock(&s->mu);
    if (!b && (b = cw__calloc(1, sizeof(*b))) &&
        !(b->passes = cw__calloc(s->pack->nchecks + 1, sizeof(*b->passes)))) {
        cw__free(b);
        b = NULL;
    }
    if (b && (b->keep = cw__malloc(sizeof(*b->keep))))
        cw__arena_init_bulk(b->keep, 0);
    return b;
}

static void batch_eval(struct scan *s, struct batch *b)
{
    struct cw__jscratch scratch = { NULL, 0, NULL };
    struct memo *memo = cw__calloc(1, sizeof(*memo)); /* NULL: none */
    size_t k, i;

    /* Equal reasons share one copy in the batch's arena (and the merge
     * then interns each once); the arena is new to this batch. */
    memset(&b->out_reasons, 0, sizeof(b->out_reasons));
    for (k = 0; k < b->n && !b->oom && !b->st; k++) {
        const struct cw__resource *r = &b->v[k];
        const struct type_slot *ts;
        const struct pack_check *pc;
        struct doc c;
        /* Parsed here, on this thread: the loader only found its text. */
        if ((b->st = cw__resource_build(&b->v[k], b->arena, &scratch,
                                        &b->d))) {
            b->n = k; /* the batch ends before it */
            break;
        }
        b->v[k].user = ts = type_slot(s, r->type); /* the merge's too */
        memset(&c, 0, sizeof(c));
        c.res = r;
        c.s = s;
        if ((c.memo = memo))
            memo_next(memo);
        c.keep = b->keep;
        c.reasons = &b->reasons;
        c.oom = &b->oom;
        EACH_CHECK(s, ts, i, pc) {
            struct outcome o;
            struct pending *p;
            if (pc->has_join) {
                if (!cw__grow((void **)&b->joins, &b->ajoins, b->njoins,
                          sizeof(*b->joins))) {
                    b->oom = true;
                    break;
                }
                join_prepare(&c, pc, &b->joins[b->njoins]);
                b->joins[b->njoins++].res = k;
                continue;
            }
            judge(&c, pc, &o);
            if (o.v == CW_VERDICT_PASS) {
                b->passes[s->tc[i].check]++;
                continue;
            }
            if (!cw__grow((void **)&b->out, &b->aout, b->nout, sizeof(*b->out))) {
                b->oom = true;
                break;
            }
            p = &b->out[b->nout];
            p->check = s->tc[i].check;
            p->res = k;
            p->v = (unsigned char)o.v;
            p->file = o.file ? o.file : r->file;
            p->line = o.file ? o.line : r->line;
            if (!(p->reason = cached_copy(b->arena, &b->out_reasons, o.reason,
                                          &b->oom)))
                break;
            b->nout++;
        }
    }
    cw__jscratch_release(&scratch);
    cw__free(memo);
}

static bool keep_arena(struct scan *s, struct cw__arena *a)
{
    if (!cw__grow((void **)&s->keeps, &s->akeeps, s->nkeeps, sizeof(*s->keeps))) {
        cw__arena_release(a);
        cw__free(a);
        return false;
    }
    s->keeps[s->nkeeps++] = a;
    return true;
}

/* Under the lock: merges every finished batch that is next in order. */
static void merge_ready(struct scan *s)
{
    for (;;) {
        struct batch *b = NULL;
        size_t i, k, j = 0, jn = 0;
        for (i = 0; i < s->ninflight; i++)
            if (s->inflight[i]->seq == s->next_merge && s->inflight[i]->done)
                b = s->inflight[i];
        if (!b)
            return;
        /* The batch's reasons as stored, by their address in its arena
         * (valid while this batch is merged: its arena is then reused). */
        const char *from_at[64] = { NULL }, *stored[64];
        /* Likewise the file (all of a batch's results name one or two),
         * and each resource's address once for all its results. */
        const char *file_from = NULL, *file = NULL;
        s->oom |= b->oom;
        for (k = 0; k < b->n && !s->oom; k++) {
            const struct cw__resource *r = &b->v[k];
            const char *address = NULL;
            size_t from = jn;
            s->resources++;
            while (jn < b->njoins && b->joins[jn].res == k)
                jn++;
            for (; j < b->nout && b->out[j].res == k && !s->oom; j++) {
                const struct pending *p = &b->out[j];
                size_t h = ((uintptr_t)p->reason >> 3) % 64;
                if (from_at[h] != p->reason) {
                    if (!(stored[h] = cw__results_intern(s->res, p->reason))) {
                        s->oom = true;
                        break;
                    }
                    from_at[h] = p->reason;
                }
                if (file_from != p->file) {
                    file_from = p->file;
                    file = cw__results_file(s->res, p->file);
                }
                if (!address) /* each resource of a batch is new */
                    address = cw__results_new_resource(s->res, r->address);
                if (!file || !address ||
                    !cw__results_put_stored(
                        s->res, &s->pack->checks[p->check].pub,
                        (enum cw_verdict)p->v, stored[h], file, p->line,
                        address))
                    s->oom = true;
            }
            if (!s->oom)
                serial_part(s, r, r->user, b->joins + from, jn - from);
        }
        if (b->st && !s->bst) {
            s->bst = b->st;
            s->bd = b->d;
        }
        /* The batch's join records now belong to the scan. */
        if (b->keep && !keep_arena(s, b->keep))
            s->oom = true;
        b->keep = NULL;
        for (i = 0; i < s->pack->nchecks; i++)
            cw__results_add_passes(s->res, i, b->passes[i]);
        for (i = 0; s->inflight[i] != b; i++)
            ;
        s->inflight[i] = s->inflight[--s->ninflight];
        batch_free(s, b);
        s->next_merge++;
    }
}

/* Under the lock: the oldest batch nobody evaluates yet, or NULL. */
static struct batch *take(struct scan *s)
{
    struct batch *b = NULL;
    size_t i;
    for (i = 0; i < s->ninflight; i++)
        if (!s->inflight[i]->running && (!b || s->inflight[i]->seq < b->seq))
            b = s->inflight[i];
    if (b)
        b->running = true;
    return b;
}

/* Called with the lock held; evaluates `b` without it. */
static void run_batch(struct scan *s, struct batch *b)
{
    pthread_mutex_unlock(&s->mu);
    batch_eval(s, b);
    pthread_mutex_lock(&s->mu);
    b->done = true;
    merge_ready(s);
    pthread_cond_broadcast(&s->cv);
}

static void *worker_main(void *arg)
{
    struct scan *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        struct batch *b = take(s);
        if (b)
            run_batch(s, b);
        else if (s->ending)
            break;
        else
            pthread_cond_wait(&s->cv, &s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static bool on_batch(void *arg, struct cw__resource *v, size_t n,
                     struct cw__arena *arena);

static struct cw__arena *pooled_arena(void *arg)
{
    struct scan *s = arg;
    struct cw__arena *a = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->npool)
        a = s->pool[--s->npool];
    pthread_mutex_unlock(&s->mu);
    return a;
}

static const struct cw__batch_sink batch_sink = { on_batch, pooled_arena };

/* The loader's batch callback: queue the batch, helping the worker while
 * too many are in flight; the final call waits for every batch. */
static bool on_batch(void *arg, struct cw__resource *v, size_t n,
                     struct cw__arena *arena)
{
    struct scan *s = arg;
    struct batch *b = NULL;
    bool ok;

    if (v && (!(b = batch_get(s)) || !b->keep)) {
        if (b)
            batch_release(b);
        cw__arena_release(arena);
        cw__free(arena);
        s->oom = true;
        return false;
    }
    if (b) {
        b->v = v;
        b->n = n;
        b->arena = arena;
    }
    pthread_mutex_lock(&s->mu);
    while (s->ninflight >= MAX_INFLIGHT || (!b && s->ninflight)) {
        struct batch *t = take(s);
        if (t)
            run_batch(s, t);
        else
            pthread_cond_wait(&s->cv, &s->mu);
    }
    if (b) {
        b->seq = s->next_seq++;
        s->inflight[s->ninflight++] = b;
        pthread_cond_broadcast(&s->cv);
    }
    ok = !s->oom && !s->bst;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

/* A resource a batch failed to parse, or the loader's own error: the one
 * earlier in the document (the loader reads on while batches are parsed,
 * so it may stop later, on text a bad resource's span misplaced); the
 * batch's on a tie. */
static enum cw_status first_error(struct scan *s, enum cw_status st,
                                  struct cw_diag *d)
{
    if (!s->bst)
        return st;
    if (!st || s->bd.line < d->line ||
        (s->bd.line == d->line && s->bd.col <= d->col)) {
        st = s->bst;
        *d = s->bd;
    }
    s->bst = CW_OK;
    return st;
}

enum cw_status cw_config_type(const char *path, const char **type,
                              struct cw_diag *d)
{
    struct cw__map m;
    enum cw_status st = cw__map_file(path, &m, d);
    if (st)
        return st;
    *type = cw__config_detect(m.data, m.len);
    cw__unmap_file(&m);
    return CW_OK;
}

enum cw_status cw_scan_config(const struct cw_pack *pack,
                              const char *const *paths, size_t n,
                              const struct cw_config_options *opt,
                              struct cw_results **out, struct cw_diag *d)
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
    if (opt) {
        s.regions = opt->regions;
        s.nregions = opt->nregions;
        s.opt = opt->on_location ? opt : NULL;
    }
    cw__arena_init_bulk(&s.keep, 0);
    s.defer_tail = &s.defer;
    s.res = cw__results_new(pack, n == 1 ? paths[0] : "(several files)",
                            "config");
    if (!s.res || !index_types(&s)) {
        cw_results_free(s.res);
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    /* Without memory for it, every rule is evaluated afresh. */
    s.memo = cw__calloc(1, sizeof(*s.memo));
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, NULL);
    for (i = 0; !st && !s.oom && i < n; i++) {
        struct cw__map m;
        /* A location callback is called from one thread only. */
        unsigned threads = !opt ? 0 : opt->on_location ? 1 : opt->threads;
        bool two;
        st = cw__map_file(paths[i], &m, d);
        if (st)
            break;
        two = threads == 2 || (threads == 0 && m.len >= THREADED_BYTES);
        if (two && !s.threaded) {
            s.ending = false;
            s.threaded = pthread_create(&s.worker, NULL, worker_main, &s) == 0;
        }
        st = cw__config_load_map(paths[i], &m, opt ? opt->type : NULL,
                                 on_resource, s.threaded ? &batch_sink : NULL,
                                 &s, d);
        cw__unmap_file(&m);
        st = first_error(&s, st, d);
    }
    if (s.threaded) {
        pthread_mutex_lock(&s.mu);
        s.ending = true;
        pthread_cond_broadcast(&s.cv);
        pthread_mutex_unlock(&s.mu);
        pthread_join(s.worker, NULL);
    }
    while (s.npool) {
        cw__arena_release(s.pool[--s.npool]);
        cw__free(s.pool[s.npool]);
    }
    while (s.nbpool)
        batch_release(s.bpool[--s.nbpool]);
    pthread_cond_destroy(&s.cv);
    pthread_mutex_destroy(&s.mu);
    if (!st && !s.oom)
        decide_deferred(&s);
    if (!st && s.oom)
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    for (i = 0; i < s.nidx; i++) {
        cw__free(s.idx[i].v);
        cw__free(s.idx[i].unknown);
    }
    cw__free(s.idx);
    cw__free(s.memo);
    cw__free(s.tc);
    cw__free(s.types);
    cw__free(s.thash);
    cw__free(s.targets);
    for (i = 0; i < s.nkeeps; i++) { /* after the deferred are decided */
        cw__arena_release(s.keeps[i]);
        cw__free(s.keeps[i]);
    }
    cw__free(s.keeps);
    cw__arena_release(&s.keep);
    if (st) {
        cw_results_free(s.res);
        return st;
    }
    cw__results_finish(s.res);
    *out = s.res;
    return CW_OK;
}
