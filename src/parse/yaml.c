/*
 * yaml.c - libyaml's event stream turned into the neutral tree of node.h.
 *
 * We build from events rather than libyaml's own document API because the
 * document API keeps no column for keys we can trust after alias expansion,
 * allocates with its own malloc (out of reach of the allocator hook and of
 * our caps) and expands aliases, which is how alias bombs explode. Here an
 * alias is an error, depth is capped before a container is opened, and all
 * nodes land in an arena with a byte limit.
 *
 * Invariant: `stack` holds the open containers; each frame collects its
 * children in a growable array that is copied into the arena when the
 * container closes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "node.h"

struct frame {
    struct cw__node *node;
    struct cw__node **items;
    size_t n;
    size_t alloc;
};

struct builder {
    struct cw__arena *arena;
    const char *name;
    struct cw_diag *d;
    struct frame *stack;
    unsigned depth;
    unsigned max_depth;
    bool multi;
    struct cw__node *root;
};

static enum cw_status oom(struct builder *b, const yaml_mark_t *m)
{
    return cw__diag_set(b->d, CW_ENOMEM, b->name, (unsigned)m->line + 1,
                        (unsigned)m->column + 1,
                        "out of memory (or the document exceeds the size "
                        "limit)");
}

static struct cw__node *new_node(struct builder *b, enum cw__node_kind kind,
                                 const yaml_mark_t *m, const yaml_char_t *tag)
{
    struct cw__node *n = cw__arena_alloc(b->arena, sizeof(*n));
    if (!n)
        return NULL;
    /* Local tags (CloudFormation's !Ref, !Sub, ...) are kept for the
     * loaders that give them meaning; the standard ones libyaml expands to
     * tag:yaml.org,2002:... are not. */
    if (tag && tag[0] == '!' &&
        !(n->tag = cw__arena_strdup(b->arena, (const char *)tag)))
        return NULL;
    n->kind = kind;
    n->str = "";
    n->line = (unsigned)m->line + 1;
    n->col = (unsigned)m->column + 1;
    return n;
}

/* Reports a duplicate key: config files where the second value silently
 * wins are a classic source of wrong decisions. */
static enum cw_status check_duplicate(struct builder *b, struct frame *f,
                                      const struct cw__node *key)
{
    size_t i;
    if (key->kind != CW__NODE_SCALAR)
        return CW_OK;
    for (i = 0; i + 1 < f->n; i += 2) {
        const struct cw__node *k = f->items[i];
        if (k->kind == CW__NODE_SCALAR && k->len == key->len &&
            memcmp(k->str, key->str, key->len) == 0)
            return cw__diag_set(b->d, CW_EPARSE, b->name, key->line,
                                key->col,
                                "duplicate key '%s' (first at line %u)",
                                key->str, k->line);
    }
    return CW_OK;
}

static enum cw_status add_child(struct builder *b, struct cw__node *n,
                                const yaml_mark_t *m)
{
    struct frame *f;

    if (!b->depth) {
        b->root = n;
        return CW_OK;
    }
    f = &b->stack[b->depth - 1];
    if (f->node->kind == CW__NODE_MAP && f->n % 2 == 0) {
        enum cw_status st = check_duplicate(b, f, n);
        if (st)
            return st;
    }
    if (f->n == f->alloc) {
        size_t want = f->alloc ? f->alloc * 2 : 8;
        struct cw__node **items =
            cw__realloc(f->items, want * sizeof(*items));
        if (!items)
            return oom(b, m);
        f->items = items;
        f->alloc = want;
    }
    f->items[f->n++] = n;
    return CW_OK;
}

static enum cw_status open_container(struct builder *b,
                                     enum cw__node_kind kind,
                                     const yaml_mark_t *m,
                                     const yaml_char_t *tag)
{
    struct cw__node *n;
    enum cw_status st;

    if (b->depth >= b->max_depth)
        return cw__diag_set(b->d, CW_ELIMIT, b->name, (unsigned)m->line + 1,
                            (unsigned)m->column + 1,
                            "nesting deeper than %u levels", b->max_depth);
    n = new_node(b, kind, m, tag);
    if (!n)
        return oom(b, m);
    st = add_child(b, n, m);
    if (st)
        return st;
    memset(&b->stack[b->depth], 0, sizeof(b->stack[b->depth]));
    b->stack[b->depth].node = n;
    b->depth++;
    return CW_OK;
}

static enum cw_status close_container(struct builder *b,
                                      const yaml_mark_t *m)
{
    struct frame *f = &b->stack[b->depth - 1];
    struct cw__node *n = f->node;

    if (f->n) {
        n->kids = cw__arena_alloc(b->arena, f->n * sizeof(*n->kids));
        if (!n->kids)
            return oom(b, m);
        memcpy(n->kids, f->items, f->n * sizeof(*n->kids));
    }
    n->n = n->kind == CW__NODE_MAP ? f->n / 2 : f->n;
    cw__free(f->items);
    f->items = NULL;
    b->depth--;
    return CW_OK;
}

/* Resolves a plain scalar with the YAML 1.2 core schema: null, booleans,
 * integers (decimal, 0o, 0x), floats (.inf, .nan); anything else is a
 * string. */
static void core_schema(struct cw__node *n)
{
    static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
    static const char *const trues[] = { "true", "True", "TRUE" };
    static const char *const falses[] = { "false", "False", "FALSE" };
    const char *s = n->str;
    char *end;
    size_t i;

    n->type = CW__T_STRING;
    for (i = 0; i < CW__ARRAY_LEN(nulls); i++)
        if (strcmp(s, nulls[i]) == 0)
            n->type = CW__T_NULL;
    for (i = 0; i < CW__ARRAY_LEN(trues); i++) {
        if (strcmp(s, trues[i]) == 0)
            n->type = CW__T_TRUE;
        if (strcmp(s, falses[i]) == 0)
            n->type = CW__T_FALSE;
    }
    if (n->type != CW__T_STRING || !*s)
        return;
    if (strncmp(s, "0o", 2) == 0 || strncmp(s, "0x", 2) == 0) {
        unsigned long long v = strtoull(s + 2, &end, s[1] == 'o' ? 8 : 16);
        if (s[2] && !*end) {
            n->type = CW__T_NUMBER;
            n->num = (double)v;
        }
        return;
    }
    if (strcmp(s, ".inf") == 0 || strcmp(s, "+.inf") == 0 ||
        strcmp(s, "-.inf") == 0 || strcmp(s, ".nan") == 0) {
        n->type = CW__T_NUMBER;
        n->num = s[0] == '-' ? -HUGE_VAL : s[1] == 'n' ? NAN : HUGE_VAL;
        return;
    }
    if (strspn(s, "+-0123456789.eE") == n->len &&
        ((s[0] >= '0' && s[0] <= '9') ||
         ((s[0] == '-' || s[0] == '+' || s[0] == '.') && s[1]))) {
        double v = strtod(s, &end);
        if (!*end) {
            n->type = CW__T_NUMBER;
            n->num = v;
        }
    }
}

static enum cw_status on_scalar(struct builder *b, const yaml_event_t *ev)
{
    struct cw__node *n = new_node(b, CW__NODE_SCALAR, &ev->start_mark,
                                  ev->data.scalar.tag);
    if (!n)
        return oom(b, &ev->start_mark);
    n->str = cw__arena_strndup(b->arena, (const char *)ev->data.scalar.value,
                               ev->data.scalar.length);
    if (!n->str)
        return oom(b, &ev->start_mark);
    if (strlen(n->str) != ev->data.scalar.length)
        return cw__diag_set(b->d, CW_EPARSE, b->name, n->line, n->col,
                            "NUL character inside a string");
    n->len = ev->data.scalar.length;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    /* A plain scalar with an explicit !!str (or any tag) is not retyped. */
    if (n->plain && ev->data.scalar.plain_implicit)
        core_schema(n);
    return add_child(b, n, &ev->start_mark);
}

static enum cw_status parse_error(struct builder *b, yaml_parser_t *p,
                                  const char *buf, size_t len)
{
    const char *problem = p->problem ? p->problem : "malformed YAML";
    const yaml_mark_t *m = &p->problem_mark;

    if (p->error == YAML_MEMORY_ERROR)
        return oom(b, m);
    /* libyaml's words for a tab are obscure; say what to change. */
    if (m->index < len && buf[m->index] == '\t')
        return cw__diag_set(b->d, CW_EPARSE, b->name, (unsigned)m->line + 1,
                            (unsigned)m->column + 1,
                            "found a tab; YAML is indented with spaces only");
    if (p->context)
        return cw__diag_set(b->d, CW_EPARSE, b->name, (unsigned)m->line + 1,
                            (unsigned)m->column + 1, "%s %s", problem,
                            p->context);
    return cw__diag_set(b->d, CW_EPARSE, b->name, (unsigned)m->line + 1,
                        (unsigned)m->column + 1, "%s", problem);
}

/* Handles one event; sets *done at the end of the stream. */
static enum cw_status on_event(struct builder *b, const yaml_event_t *ev,
                               unsigned *docs, bool *done)
{
    const yaml_mark_t *m = &ev->start_mark;

    switch (ev->type) {
    case YAML_STREAM_END_EVENT:
        *done = true;
        return b->multi ? close_container(b, m) : CW_OK;
    case YAML_DOCUMENT_START_EVENT:
        if (++*docs > 1 && !b->multi)
            return cw__diag_set(b->d, CW_EPARSE, b->name,
                                (unsigned)m->line + 1,
                                (unsigned)m->column + 1,
                                "expected a single YAML document, found a "
                                "second one");
        return CW_OK;
    case YAML_ALIAS_EVENT:
        return cw__diag_set(b->d, CW_EPARSE, b->name, (unsigned)m->line + 1,
                            (unsigned)m->column + 1,
                            "YAML aliases (*name) are not accepted; write "
                            "the value out");
    case YAML_SCALAR_EVENT:
        return on_scalar(b, ev);
    case YAML_SEQUENCE_START_EVENT:
        return open_container(b, CW__NODE_SEQ, m,
                              ev->data.sequence_start.tag);
    case YAML_MAPPING_START_EVENT:
        return open_container(b, CW__NODE_MAP, m,
                              ev->data.mapping_start.tag);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return close_container(b, m);
    default:
        return CW_OK;
    }
}

enum cw_status cw__yaml_parse(struct cw__arena *arena, const char *name,
                              const char *buf, size_t len,
                              const struct cw__yaml_limits *limits,
                              struct cw__node **root, struct cw_diag *d)
{
    yaml_parser_t parser;
    struct builder b;
    enum cw_status st = CW_OK;
    unsigned docs = 0;
    bool done = false;
    size_t saved_limit = arena->limit;

    memset(&b, 0, sizeof(b));
    b.arena = arena;
    b.name = name;
    b.d = d;
    b.max_depth = limits && limits->max_depth ? limits->max_depth
                                              : CW__YAML_DEFAULT_DEPTH;
    *root = NULL;
    /* libyaml would decode UTF-16 or UTF-32 by their byte order marks; our
     * files are UTF-8 and say so plainly rather than half-parse. */
    if (len >= 2 && (((unsigned char)buf[0] == 0xff &&
                      (unsigned char)buf[1] == 0xfe) ||
                     ((unsigned char)buf[0] == 0xfe &&
                      (unsigned char)buf[1] == 0xff)))
        return cw__diag_set(d, CW_EPARSE, name, 1, 1,
                            "expected UTF-8 text, found a UTF-16 byte order "
                            "mark; save the file as UTF-8");
    if (len >= 1 && buf[0] == '\0')
        return cw__diag_set(d, CW_EPARSE, name, 1, 1,
                            "expected UTF-8 text, found a NUL byte "
                            "(UTF-16 or UTF-32?); save the file as UTF-8");
    if (!arena->limit || (limits && limits->max_bytes))
        arena->limit = arena->total + (limits && limits->max_bytes
                                           ? limits->max_bytes
                                           : CW__YAML_DEFAULT_BYTES);
    b.stack = cw__calloc(b.max_depth, sizeof(*b.stack));
    if (!b.stack) {
        arena->limit = saved_limit;
        return cw__diag_set(d, CW_ENOMEM, name, 0, 0, "out of memory");
    }
    if (!yaml_parser_initialize(&parser)) {
        cw__free(b.stack);
        arena->limit = saved_limit;
        return cw__diag_set(d, CW_ENOMEM, name, 0, 0, "out of memory");
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    b.multi = limits && limits->multi_doc;
    if (b.multi) { /* the outer list of documents */
        yaml_mark_t m0 = { 0, 0, 0 };
        st = open_container(&b, CW__NODE_SEQ, &m0, NULL);
    }
    while (!done && !st) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            st = parse_error(&b, &parser, buf, len);
            break;
        }
        st = on_event(&b, &ev, &docs, &done);
        yaml_event_delete(&ev);
    }
    while (b.depth) {
        cw__free(b.stack[b.depth - 1].items);
        b.depth--;
    }
    cw__free(b.stack);
    yaml_parser_delete(&parser);
    arena->limit = saved_limit;
    if (st)
        return st;
    if (!b.root) {
        yaml_mark_t m = { 0, 0, 0 };
        b.root = new_node(&b, CW__NODE_SCALAR, &m, NULL);
        if (!b.root)
            return oom(&b, &m);
        b.root->plain = true;
    }
    *root = b.root;
    return CW_OK;
}
