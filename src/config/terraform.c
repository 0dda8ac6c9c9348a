/*
 * terraform.c - Terraform plan and state JSON (`terraform show -json`)
 * into resources, streamed: the outer structure (planned_values or values,
 * root_module, child_modules) is walked with the JSON cursor and only each
 * resource object is built as a tree, in an arena released after its
 * callback. Memory stays at one resource however large the plan.
 *
 * Values known only after apply: a plan lists them in
 * resource_changes[].change.after_unknown, which comes after planned_values
 * in the file. A first pass indexes the after_unknown trees that hold any
 * `true` by resource address (and the providers' regions), stepping over
 * planned_values by span; the second pass attaches them to the resources
 * so rules can answer "unknown". Every byte is validated once: what the
 * first pass reads by the first, the rest by the second.
 *
 * In batches (a large plan), the second pass does not parse resources
 * either: it hands each one's span to the consumer, whose threads parse
 * it (cw__resource_build). A malformed resource may then be found by a
 * consumer after the cursor has moved on; the consumer orders the errors
 * by position, and the earliest is the document's first (a span parse
 * starts from the state a whole-text parse would be in, and stops at the
 * same byte).
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"

struct unknown {
    const char *address;
    const struct cw__node *tree;
    size_t hash;              /* of address, compared before the text */
};

/* A provider configuration's region: configuration.provider_config.*. */
struct pregion {
    const char *provider; /* full_name: registry.terraform.io/hashicorp/aws */
    const char *region;
};

struct tf {
    struct cw__jcur *c;
    struct pregion pregions[16];  /* default (unaliased) configurations */
    size_t npregions;
    struct cw__arena idx_arena; /* the after_unknown index */
    struct unknown *idx;
    size_t nidx, aidx;
    size_t *hash;     /* open addressing over idx, by address; 0 = empty */
    size_t hmask;
    const char *name;
    cw__resource_fn fn;
    void *arg;
    struct cw_diag *d;
    bool stop;
    int fd;           /* buf maps this file (the first pass reads it
                         through fd; what was read is dropped); else -1 */
    const struct cw__batch_sink *sink; /* batches instead of fn, when set */
    cw__batch_fn bfn;
    struct cw__arena *ba; /* the batch being filled */
    struct cw__resource *bv;
    size_t bn;
    size_t braw;      /* bytes of text in the batch's spans */
    char *text;       /* the batch's copy of its resources' text (plans
                         read through fd), BATCH_RAW_BYTES ... */
    size_t tused;     /* ... of which these are used */
    const char *buf;
    size_t dropped;   /* bytes given back so far */
};

#define DROP_STEP ((size_t)16 << 20)
#define BATCH_RESOURCES 1024
#define BATCH_RAW_BYTES ((size_t)2 << 20)
/* Pages stay mapped this far behind the cursor: the consumer parses a
 * batch's spans after the loader has moved on (a dropped page is read
 * again, only slower). */
#define DROP_LAG ((size_t)16 << 20)

/* Hands the batch being filled to the consumer, which now owns it. */
static void flush(struct tf *t)
{
    struct cw__arena *a = t->ba;
    if (!a)
        return;
    t->ba = NULL;
    if (!t->stop && t->bn && !t->bfn(t->arg, t->bv, t->bn, a))
        t->stop = true;
    else if (t->stop || !t->bn) {
        cw__arena_release(a);
        cw__free(a);
    }
    t->bn = 0;
    t->braw = 0;
    t->text = NULL;
    t->tused = 0;
}

/* A fresh batch arena with room for its resource array. */
static enum cw_status batch_open(struct tf *t)
{
    if (t->ba)
        return CW_OK;
    if (!(t->ba = t->sink->get(t->arg))) {
        if (!(t->ba = cw__malloc(sizeof(*t->ba))))
            return CW_ENOMEM;
        cw__arena_init_bulk(t->ba, 0);
    }
    /* The text first: a recycled arena hands its oldest chunk back first,
     * so the same buffer serves batch after batch. */
    t->text = t->fd >= 0 ? cw__arena_alloc_raw(t->ba, BATCH_RAW_BYTES) : NULL;
    t->tused = 0;
    t->bv = cw__arena_alloc(t->ba, BATCH_RESOURCES * sizeof(*t->bv));
    t->bn = 0;
    return t->bv && (t->fd < 0 || t->text) ? CW_OK : CW_ENOMEM;
}

/* Gives back the mapping's pages behind the cursor, 16 MB at a time. */
static void drop_behind(struct tf *t, const char *pos)
{
    size_t at = (size_t)(pos - t->buf);
    if (t->bfn) {
        if (at < DROP_LAG)
            return;
        at -= DROP_LAG;
    }
    if (t->fd >= 0 && at >= t->dropped + DROP_STEP) {
        cw__map_drop(t->buf, at);
        t->dropped = at;
    }
}

/* Indexes the after_unknown trees by address (every resource of a large
 * plan looks itself up: a sorted search was a dozen strcmp each). The
 * first of duplicate addresses wins. False when out of memory. */
static bool hash_unknown(struct tf *t)
{
    size_t i, size = 16;
    while (size < 2 * t->nidx)
        size *= 2;
    if (!(t->hash = cw__calloc(size, sizeof(*t->hash))))
        return false;
    t->hmask = size - 1;
    for (i = 0; i < t->nidx; i++) {
        size_t h = (t->idx[i].hash = cw__str_hash(t->idx[i].address)) &
                   t->hmask;
        while (t->hash[h] &&
               strcmp(t->idx[t->hash[h] - 1].address, t->idx[i].address))
            h = (h + 1) & t->hmask;
        if (!t->hash[h])
            t->hash[h] = i + 1;
    }
    return true;
}

static const struct cw__node *find_unknown(const struct tf *t,
                                           const char *address)
{
    size_t h, full;
    if (!t->hash)
        return NULL;
    full = cw__str_hash(address);
    for (h = full & t->hmask; t->hash[h]; h = (h + 1) & t->hmask) {
        const struct unknown *u = &t->idx[t->hash[h] - 1];
        if (u->hash == full && strcmp(u->address, address) == 0)
            return u->tree;
    }
    return NULL;
}

static bool has_true(const struct cw__node *n)
{
    size_t i;
    if (!n)
        return false;
    if (n->kind == CW__NODE_SCALAR)
        return n->type == CW__T_TRUE;
    for (i = 0; i < n->n; i++)
        if (has_true(n->kind == CW__NODE_MAP ? n->kids[2 * i + 1]
                                             : n->kids[i]))
            return true;
    return false;
}

/* A data source reads what is managed elsewhere: its type is "data.TYPE",
 * as Terraform addresses it, so the checks of a managed TYPE leave it
 * alone and a check can still name one (data.aws_iam_policy_document
 * renders the policy a role gets). NULL when out of memory. */
static const char *type_of(const char *mode, const char *type,
                           struct cw__arena *a)
{
    size_t k = strlen(type);
    char *dt;
    if (!mode || strcmp(mode, "data") != 0)
        return type;
    if ((dt = cw__arena_alloc_raw(a, k + 6))) {
        memcpy(dt, "data.", 5);
        memcpy(dt + 5, type, k + 1);
    }
    return dt;
}

/* resource_changes: [{address, change: {after_unknown: ...}}, ...] */
static enum cw_status index_changes(struct tf *t, struct cw__jcur *c)
{
    struct cw__arena tmp;
    enum cw_status st;
    const char *key;
    bool more;

    if ((st = cw__jcur_enter(c, false)))
        return st;
    cw__arena_init(&tmp, 0);
    while (!(st = cw__jcur_next(c, &key, &more)) && more) {
        struct cw__node *n = NULL;
        const struct cw__node *au;
        const char *addr;
        if ((st = cw__jcur_build(c, &tmp, &n)))
            break;
        addr = cw__node_str(n, "address");
        au = cw__node_get(cw__node_get(n, "change"), "after_unknown");
        if (addr && has_true(au)) {
            if (t->nidx == t->aidx) {
                size_t na = t->aidx ? 2 * t->aidx : 64;
                struct unknown *v = cw__realloc(t->idx, na * sizeof(*v));
                if (!v) {
                    st = CW_ENOMEM;
                    break;
                }
                t->idx = v;
                t->aidx = na;
            }
            t->idx[t->nidx].address = cw__arena_strdup(&t->idx_arena, addr);
            t->idx[t->nidx].tree = cw__node_copy(&t->idx_arena, au);
            if (!t->idx[t->nidx].address || !t->idx[t->nidx].tree) {
                st = CW_ENOMEM;
                break;
            }
            t->nidx++;
        }
        cw__arena_reset(&tmp);
    }
    cw__arena_release(&tmp);
    return st;
}

/* configuration: {provider_config: {NAME: {full_name, alias,
 * expressions: {region: {constant_value}}}}, ...}. Only the default
 * configuration of each provider, and only a constant region. */
static enum cw_status index_providers(struct tf *t, struct cw__jcur *c)
{
    struct cw__arena tmp;
    enum cw_status st;
    const char *key;
    bool more;

    if ((st = cw__jcur_enter(c, true)))
        return st;
    cw__arena_init(&tmp, 0);
    while (!(st = cw__jcur_next(c, &key, &more)) && more) {
        struct cw__node *pc = NULL;
        size_t i;
        if (strcmp(key, "provider_config") != 0) {
            if ((st = cw__jcur_skip(c)))
                break;
            continue;
        }
        if ((st = cw__jcur_build(c, &tmp, &pc)))
            break;
        for (i = 0; pc->kind == CW__NODE_MAP && i < pc->n; i++) {
            const struct cw__node *p = pc->kids[2 * i + 1];
            const char *full = cw__node_str(p, "full_name");
            const char *region = cw__node_str(
                cw__node_get(cw__node_get(p, "expressions"), "region"),
                "constant_value");
            struct pregion *pr = &t->pregions[t->npregions];
            if (!full || !region || cw__node_get(p, "alias") ||
                t->npregions == sizeof(t->pregions) / sizeof(t->pregions[0]))
                continue;
            pr->provider = cw__arena_strdup(&t->idx_arena, full);
            pr->region = cw__arena_strdup(&t->idx_arena, region);
            if (!pr->provider || !pr->region) {
                st = CW_ENOMEM;
                break;
            }
            t->npregions++;
        }
        if (st)
            break;
    }
    cw__arena_release(&tmp);
    return st;
}

static const char *provider_region(const struct tf *t, const char *provider)
{
    size_t i;
    for (i = 0; provider && i < t->npregions; i++)
        if (strcmp(t->pregions[i].provider, provider) == 0)
            return t->pregions[i].region;
    return NULL;
}

/*
 * First pass: the after_unknown index and the providers' regions. With
 * `fast`, the members it does not read (planned_values, most of the
 * file) are stepped over by span, unvalidated: the second pass validates
 * them as it reads them. A fast pass that fails may have been misled by
 * an error in what it stepped over, so the caller runs the validating
 * pass then, whose first error is the document's.
 */
static enum cw_status first_pass(struct tf *t, const char *buf, size_t len,
                                 bool fast)
{
    struct cw__jcur *c = NULL;
    struct cw__jspan span;
    enum cw_status st;
    const char *key;
    bool more;

    st = cw__jcur_new(t->name, buf, len, &c, t->d);
    if (!st)
        st = cw__jcur_enter(c, true);
    while (!st && !(st = cw__jcur_next(c, &key, &more)) && more) {
        const char *from = cw__jcur_pos(c);
        bool changes = strcmp(key, "resource_changes") == 0;
        if (changes || strcmp(key, "configuration") == 0) {
            st = changes ? index_changes(t, c) : index_providers(t, c);
            /* Read through the mapping: give its pages back (the rest
             * was read through the file, and stays unread until the
             * second pass). */
            if (t->fd >= 0 && fast)
                cw__map_drop_range(buf, (size_t)(from - buf),
                                   (size_t)(cw__jcur_pos(c) - buf));
        } else {
            st = fast ? cw__jcur_span_file(c, t->fd, 0, &span)
                      : cw__jcur_skip(c);
        }
    }
    if (!st)
        st = cw__jcur_finish(c);
    if (st == CW_ENOMEM)
        cw__diag_set(t->d, st, t->name, 0, 0, "out of memory");
    cw__jcur_free(c);
    if (!st && t->nidx && !hash_unknown(t))
        st = cw__diag_set(t->d, CW_ENOMEM, t->name, 0, 0, "out of memory");
    return st;
}

/* Forgets what a failed first pass indexed. */
static void first_pass_reset(struct tf *t)
{
    cw__arena_release(&t->idx_arena);
    cw__arena_init(&t->idx_arena, 0);
    t->nidx = 0;
    t->npregions = 0;
    cw__free(t->hash);
    t->hash = NULL;
}

/* The resource in tree `n` (its object), with its strings in `n` and
 * `a`. */
static enum cw_status fill(const struct tf *t, const struct cw__node *n,
                           struct cw__resource *r, struct cw__arena *a,
                           struct cw_diag *d)
{
    static const char *const keys[] = { "type", "address", "provider_name",
                                        "values", "mode" };
    const struct cw__node *v[5];

    cw__node_fields(n, keys, v, 5); /* once over the members */
    memset(r, 0, sizeof(*r));
    r->type = cw__node_string(v[0]);
    r->address = cw__node_string(v[1]);
    r->provider = cw__node_string(v[2]);
    r->attrs = v[3];
    r->unknown = r->address ? find_unknown(t, r->address) : NULL;
    r->region = provider_region(t, r->provider);
    r->file = t->name;
    r->line = n->line;
    if (!r->type || !r->address)
        return cw__diag_set(d, CW_ESCHEMA, t->name, n->line, n->col,
                            "expected a resource with 'type' and "
                            "'address'");
    if (!(r->type = type_of(cw__node_string(v[4]), r->type, a)))
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    return CW_OK;
}

enum cw_status cw__resource_build(struct cw__resource *r,
                                  struct cw__arena *a,
                                  struct cw__jscratch *scratch,
                                  struct cw_diag *d)
{
    const struct tf *t = r->loader;
    struct cw__node *n = NULL;
    struct cw__jspan span = r->raw;
    enum cw_status st;

    if (!span.p)
        return CW_OK;
    st = cw__json_parse_span(a, t->name, &span, scratch, &n, d);
    return st ? st : fill(t, n, r, a, d);
}

/* Adds a run of resources to the batch being filled, their text read
 * from the file into the batch's own buffer (reading a plan through its
 * mapping costs several times more on a VM: see cw__jcur_span_run), as
 * many as fit; a full batch goes to the consumer. False when none was
 * added: the next value goes the usual way (the array's end, a value
 * that is not an object or is larger than a batch's buffer, an error). */
static bool read_run(struct tf *t)
{
    struct cw__jspan spans[BATCH_RESOURCES];
    size_t i, n = 0;
    bool full = false;
    int tries;

    for (tries = 0; tries < 2; tries++) {
        if (batch_open(t))
            return false;
        cw__jcur_span_run(t->c, t->fd, t->text + t->tused,
                          BATCH_RAW_BYTES - t->tused, spans,
                          BATCH_RESOURCES - t->bn, &n, &full);
        for (i = 0; i < n; i++) {
            struct cw__resource *r = &t->bv[t->bn++];
            memset(r, 0, sizeof(*r));
            r->raw = spans[i];
            r->loader = t;
            r->file = t->name;
            r->line = r->raw.line;
            t->braw += r->raw.len;
        }
        if (n)
            t->tused = (size_t)(spans[n - 1].p + spans[n - 1].len - t->text);
        if (full && !t->bn) /* larger than a whole buffer */
            return false;
        if (full || t->bn == BATCH_RESOURCES || t->braw >= BATCH_RAW_BYTES)
            flush(t);
        if (n || !full)
            return n > 0;
        /* Nothing fit in what was left of the buffer: once more in a new
         * batch's (flushed above). */
    }
    return false;
}

/* Resources for a batch consumer are not built here: each is found (its
 * text's span, at several times the speed of parsing it) and handed over
 * to be parsed on the consumer's threads. The first pass validated the
 * whole text, so a span is exact. */
static enum cw_status resources(struct tf *t)
{
    struct cw__arena a; /* one resource's tree, when not batched */
    enum cw_status st;
    const char *key;
    bool more;

    if ((st = cw__jcur_enter(t->c, false)))
        return st;
    cw__arena_init(&a, 0);
    for (;;) {
        struct cw__node *n = NULL;
        struct cw__resource r;
        if (t->bfn && t->fd >= 0 && !t->stop && read_run(t))
            continue;
        if ((st = cw__jcur_next(t->c, &key, &more)) || !more)
            break;
        if (t->stop) {
            st = cw__jcur_skip(t->c);
        } else if (t->bfn) {
            if ((st = batch_open(t))) {
                cw__diag_set(t->d, st, t->name, 0, 0, "out of memory");
                break;
            }
            memset(&r, 0, sizeof(r));
            if (!(st = cw__jcur_span(t->c, &r.raw))) {
                r.loader = t;
                r.file = t->name;
                r.line = r.raw.line;
                t->bv[t->bn++] = r;
                t->braw += r.raw.len;
            }
            if (t->bn == BATCH_RESOURCES || t->braw >= BATCH_RAW_BYTES)
                flush(t);
        } else {
            if (!(st = cw__jcur_build(t->c, &a, &n)) &&
                !(st = fill(t, n, &r, &a, t->d)) && !t->fn(t->arg, &r))
                t->stop = true;
            cw__arena_reset(&a);
        }
        if (st)
            break;
        drop_behind(t, cw__jcur_pos(t->c));
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

static enum cw_status tf_load(const char *name, const char *buf, size_t len,
                              int fd, cw__resource_fn fn,
                              const struct cw__batch_sink *sink, void *arg,
                              struct cw_diag *d)
{
    cw__batch_fn bfn = sink ? sink->put : NULL;
    struct tf t;
    enum cw_status st;
    const char *key;
    bool more, seen = false;

    memset(&t, 0, sizeof(t));
    t.name = name;
    t.fn = fn;
    t.arg = arg;
    t.d = d;
    t.fd = fd;
    t.bfn = bfn;
    t.sink = sink;
    t.buf = buf;
    cw__arena_init(&t.idx_arena, 0);
    st = first_pass(&t, buf, len, true);
    if (st && st != CW_ENOMEM) {
        first_pass_reset(&t);
        st = first_pass(&t, buf, len, false);
        if (fd >= 0) /* that pass read the mapping: keep none of it */
            cw__map_drop(buf, len);
    }
    if (!st)
        st = cw__jcur_new(name, buf, len, &t.c, d);
    if (!st)
        st = cw__jcur_enter(t.c, true);
    while (!st && !(st = cw__jcur_next(t.c, &key, &more)) && more) {
        struct cw__jspan span;
        if (strcmp(key, "planned_values") == 0 || strcmp(key, "values") == 0) {
            seen = true;
            st = values(&t);
        } else if (strcmp(key, "resource_changes") == 0 ||
                   strcmp(key, "configuration") == 0) {
            /* Validated by the first pass (in its frame, which is the
             * document's whenever the planned_values read here are valid). */
            st = cw__jcur_span(t.c, &span);
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
    if (bfn) { /* the last batch, then wait for the consumer */
        /* Even after an error here: a resource in the batch may hold an
         * earlier one (see "In batches" above). */
        flush(&t);
        bfn(arg, NULL, 0, NULL);
    }
    cw__jcur_free(t.c);
    cw__free(t.idx);
    cw__free(t.hash);
    cw__arena_release(&t.idx_arena);
    return st;
}

enum cw_status cw__tf_load(const char *name, const char *buf, size_t len,
                           cw__resource_fn fn, void *arg, struct cw_diag *d)
{
    return tf_load(name, buf, len, -1, fn, NULL, arg, d);
}

enum cw_status cw__tf_load_mapped(const char *name, const char *buf,
                                  size_t len, int fd, cw__resource_fn fn,
                                  void *arg, struct cw_diag *d)
{
    return tf_load(name, buf, len, fd, fn, NULL, arg, d);
}

enum cw_status cw__tf_load_batched(const char *name, const char *buf,
                                   size_t len, int fd,
                                   const struct cw__batch_sink *sink,
                                   void *arg, struct cw_diag *d)
{
    return tf_load(name, buf, len, fd, NULL, sink, arg, d);
}
