/*
 * json.c - a JSON text (RFC 8259) into the neutral tree of node.h, with the
 * line and column of every value and key.
 *
 * Hand-written rather than jansson because jansson keeps no positions (a
 * finding must point at its file:line) and allocates outside our hook and
 * caps. Recursive descent with an explicit depth cap: a 10,000-level
 * nesting is refused at the level that passes the cap, never a stack
 * overflow. Containers collect their children in one scratch stack shared
 * by the whole parse, then copy them into the arena when they close, so a
 * container costs one arena allocation for its children.
 *
 * Strict: no comments, no trailing commas, no leading zeros, no NaN; raw
 * bytes must be UTF-8 and control characters must be escaped; \u escapes
 * must pair surrogates. Columns count bytes from the start of the line.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <errno.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <string.h>
#include <unistd.h>

#include "node.h"

/* Member names already copied into the arena, by a hash of their bytes
 * (direct-mapped: a new name takes its slot). */
#define JKEY_SLOTS 256
#define JKEY_MAX 48 /* longer names are copied each time */
struct cw__jkeys {
    const char *s[JKEY_SLOTS];
    unsigned char len[JKEY_SLOTS];
};

struct jp {
    struct cw__arena *arena; /* NULL: validate and skip, build nothing */
    struct cw__jkeys *keys;  /* share member names through this, or NULL */
    struct cw__node dummy;   /* stands for every node when not building */
    struct cw__node *slab;   /* zeroed nodes handed out one by one */
    size_t slab_left;
    const char *name;
    const char *p, *end;
    const char *line_start;
    unsigned line;
    unsigned depth, max_depth;
    struct cw_diag *d;
    struct cw__node **stack; /* children of the open containers */
    size_t nstack, astack;
    char *own;               /* the text at `base` is ours to change: plain
                                string values stay in place, NUL-ended */
    const char *base;
};

static enum cw_status err_at(struct jp *j, const char *at, enum cw_status st,
                             const char *what)
{
    return cw__diag_set(j->d, st, j->name, j->line,
                        (unsigned)(at - j->line_start) + 1, "%s", what);
}

static enum cw_status too_deep(struct jp *j)
{
    return cw__diag_set(j->d, CW_ELIMIT, j->name, j->line,
                        (unsigned)(j->p - j->line_start) + 1,
                        "nesting exceeds the depth limit of %u levels",
                        j->max_depth);
}

static void skip_ws_run(struct jp *j)
{
    while (j->p < j->end) {
        char c = *j->p;
        if (c == '\n') {
            j->line++;
            j->line_start = ++j->p;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            j->p++;
        } else {
            break;
        }
    }
}

/* Past blanks and newlines. Inline for the usual case, none (a plan as
 * terraform writes it has no blank between tokens). */
static inline void skip_ws(struct jp *j)
{
    if (j->p < j->end && (unsigned char)*j->p > ' ')
        return;
    skip_ws_run(j);
}

/* Bytes a string may hold as they are: printable ASCII but '"' and '\\'. */
static const unsigned char plain_byte[256] = {
#define R4(x) x, x, x, x
#define R16(x) R4(x), R4(x), R4(x), R4(x)
    R16(0), R16(0),                          /* 0x00-0x1f: control */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20-0x2f: '"' */
    R16(1), R16(1),                          /* 0x30-0x4f */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50-0x5f: '\\' */
    R16(1), R16(1),                          /* 0x60-0x7f */
    R16(0), R16(0), R16(0), R16(0),          /* 0x80-0xbf: UTF-8 */
    R16(0), R16(0), R16(0), R16(0),          /* 0xc0-0xff */
#undef R16
#undef R4
};

static inline struct cw__node *new_node(struct jp *j, enum cw__node_kind kind,
                                 const char *at)
{
    struct cw__node *n;

    if (!j->arena) {
        n = &j->dummy;
    } else {
        /* Nodes come from the arena 64 at a time (a plan has tens of
         * millions of nodes), each written once, whole, here: no memset
         * of the slab first. */
        if (!j->slab_left) {
            j->slab = cw__arena_alloc_raw(j->arena, 64 * sizeof(*j->slab));
            if (!j->slab)
                return NULL;
            j->slab_left = 64;
        }
        n = j->slab++;
        j->slab_left--;
    }
    *n = (struct cw__node){ .kind = kind,
                            .str = "",
                            .line = j->line,
                            .col = (unsigned)(at - j->line_start) + 1 };
    return n;
}

static enum cw_status push_grow(struct jp *j, struct cw__node *n)
{
    if (j->nstack == j->astack) {
        size_t na = j->astack ? 2 * j->astack : 256;
        struct cw__node **v = cw__realloc(j->stack, na * sizeof(*v));
        if (!v)
            return CW_ENOMEM;
        j->stack = v;
        j->astack = na;
    }
    j->stack[j->nstack++] = n;
    return CW_OK;
}

/* Stacks a child of the container being parsed (nothing to stack when
 * only validating). */
static inline enum cw_status push(struct jp *j, struct cw__node *n)
{
    if (!j->arena)
        return CW_OK;
    if (j->nstack == j->astack)
        return push_grow(j, n);
    j->stack[j->nstack++] = n;
    return CW_OK;
}

/* n bytes of a and b equal; inline, for member names of a few bytes
 * (memcmp's call was 2% of a large plan's scan). Reads no byte past n. */
static inline bool short_eq(const char *a, const char *b, size_t n)
{
    uint64_t x, y;
    for (; n >= 8; n -= 8, a += 8, b += 8) {
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return false;
    }
    while (n--)
        if (*a++ != *b++)
            return false;
    return true;
}

static size_t jkey_slot(const char *p, size_t n)
{
    return (n * 31u + (unsigned char)p[0] * 7u + (unsigned char)p[n - 1] * 3u +
            (unsigned char)p[n / 2]) % JKEY_SLOTS;
}

/* Past the bytes from `p` a string holds as they are (plain_byte), 16 at
 * a time where SSE2 is there: a large plan's strings are mostly such. */
static const char *plain_run(const char *p, const char *end)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* Signed: below 0x20 are the controls and every byte >= 0x80. */
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                      _mm_cmpeq_epi8(v, bslash)),
                         _mm_cmplt_epi8(v, space)));
        if (m)
            return p + __builtin_ctz(m);
        p += 16;
    }
#endif
    while (p < end && plain_byte[(unsigned char)*p])
        p++;
    return p;
}

/* Parses a string at j->p (the opening quote) into an arena string;
 * `key`: a member name, shared through j->keys when it has one. */
static enum cw_status parse_string(struct jp *j, const char **out,
                                   size_t *outlen, bool key)
{
    const char *start = j->p++, *p;
    char *buf, *w;
    bool escapes = false;

    /* First pass: find the end and validate; most strings have no
     * escapes and are copied in one go. The inner loop runs over plain
     * bytes with one table lookup each (the hot loop of a large plan). */
    for (p = j->p; p < j->end; p++) {
        unsigned char c;
        p = plain_run(p, j->end);
        if (p >= j->end || *p == '"')
            break;
        c = (unsigned char)*p;
        if (c == '\\') {
            escapes = true;
            if (++p >= j->end)
                break;
        } else if (c < 0x20) {
            return err_at(j, p, CW_EPARSE,
                          c == '\n' ? "unterminated string (a raw newline)"
                                    : "control character in a string; "
                                      "escape it");
        } else if (c >= 0x80) {
            size_t n = cw__utf8_len(p, j->end);
            if (!n)
                return err_at(j, p, CW_EPARSE, "invalid UTF-8 in a string");
            p += n - 1;
        }
    }
    if (p >= j->end)
        return err_at(j, start, CW_EPARSE, "unterminated string");
    if (!j->arena) { /* validating only; escapes are checked below */
        if (escapes) {
            const char *q;
            for (q = j->p; q < p; q++) {
                if (*q != '\\')
                    continue;
                q++;
                if (*q == 'u') {
                    int cp = j->end - q >= 5 ? cw__hex4(q + 1, j->end) : -1;
                    if (cp < 0)
                        return err_at(j, q - 1, CW_EPARSE,
                                      "expected four hex digits after \\u");
                    q += 4;
                } else if (!strchr("\"\\/bfnrt", *q)) {
                    return err_at(j, q - 1, CW_EPARSE,
                                  "unknown escape in a string");
                }
            }
        }
        *out = "";
        *outlen = 0;
        j->p = p + 1;
        return CW_OK;
    }
    if (key && !escapes && j->keys && p > j->p && p - j->p <= JKEY_MAX) {
        size_t n = (size_t)(p - j->p), slot = jkey_slot(j->p, n);
        const char *have = j->keys->s[slot];
        if (have && j->keys->len[slot] == n && short_eq(have, j->p, n)) {
            *out = have;
            *outlen = n;
            j->p = p + 1;
            return CW_OK;
        }
        if (!(buf = cw__arena_alloc_raw(j->arena, n + 1)))
            return CW_ENOMEM;
        memcpy(buf, j->p, n);
        buf[n] = '\0';
        j->keys->s[slot] = buf;
        j->keys->len[slot] = (unsigned char)n;
        *out = buf;
        *outlen = n;
        j->p = p + 1;
        return CW_OK;
    }
    if (!escapes && j->own) { /* its closing quote becomes its end */
        buf = j->own + (j->p - j->base);
        buf[p - j->p] = '\0';
        *out = buf;
        *outlen = (size_t)(p - j->p);
        j->p = p + 1;
        return CW_OK;
    }
    buf = cw__arena_alloc_raw(j->arena, (size_t)(p - j->p) + 1);
    if (!buf)
        return CW_ENOMEM;
    if (!escapes) {
        memcpy(buf, j->p, (size_t)(p - j->p));
        buf[p - j->p] = '\0';
        *out = buf;
        *outlen = (size_t)(p - j->p);
        j->p = p + 1;
        return CW_OK;
    }
    for (w = buf, p = j->p; *p != '"'; p++) {
        int cp;
        if (*p != '\\') {
            *w++ = *p;
            continue;
        }
        switch (*++p) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u':
            if (j->end - p < 5 || (cp = cw__hex4(p + 1, j->end)) < 0)
                return err_at(j, p - 1, CW_EPARSE,
                              "expected four hex digits after \\u");
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                int lo = j->end - p >= 7 && p[1] == '\\' && p[2] == 'u'
                             ? cw__hex4(p + 3, j->end)
                             : -1;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return err_at(j, p - 5, CW_EPARSE,
                                  "a high surrogate \\u escape must be "
                                  "followed by a low one");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return err_at(j, p - 5, CW_EPARSE,
                              "a low surrogate \\u escape without a high "
                              "one");
            }
            w += cw__utf8_put(w, (unsigned)cp);
            break;
        default:
            return err_at(j, p - 1, CW_EPARSE, "unknown escape in a string");
        }
    }
    *w = '\0';
    *out = buf;
    *outlen = (size_t)(w - buf);
    j->p = p + 1;
    return CW_OK;
}

static enum cw_status parse_number(struct jp *j, struct cw__node *n)
{
    const char *s = j->p, *p = s;
    char *copy;
    bool plain = true; /* an integer: no fraction, no exponent */

    if (p < j->end && *p == '-')
        p++;
    if (p < j->end && *p == '0')
        p++;
    else if (p < j->end && *p >= '1' && *p <= '9')
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    else
        return err_at(j, s, CW_EPARSE, "expected a value");
    if (p < j->end && *p == '.') {
        plain = false;
        if (++p >= j->end || *p < '0' || *p > '9')
            return err_at(j, p, CW_EPARSE, "expected a digit after '.'");
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < j->end && (*p == 'e' || *p == 'E')) {
        plain = false;
        p++;
        if (p < j->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= j->end || *p < '0' || *p > '9')
            return err_at(j, p, CW_EPARSE, "expected a digit in the exponent");
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    }
    n->len = (size_t)(p - s);
    if (!j->arena) {
        j->p = p;
        return CW_OK;
    }
    /* Copied by hand: numbers are a few bytes, and the memcpy call was
     * most of reading one. */
    if (!(copy = cw__arena_alloc_raw(j->arena, n->len + 1)))
        return CW_ENOMEM;
    for (size_t i = 0; i < n->len; i++)
        copy[i] = s[i];
    copy[n->len] = '\0';
    n->str = copy;
    if (plain && n->len <= 16) {
        /* An integer of up to 16 characters fits in 64 bits, and
         * converting it rounds to nearest as strtod does: the same
         * double, without strtod, which was most of reading a plan's
         * ports and sizes. (fuzz_json checks every number.) */
        const char *d = copy + (*copy == '-');
        uint64_t v = 0;
        for (; *d; d++)
            v = v * 10 + (uint64_t)(*d - '0');
        n->num = *copy == '-' ? -(double)v : (double)v;
    } else {
        n->num = strtod(copy, NULL);
    }
    n->type = CW__T_NUMBER;
    j->p = p;
    return CW_OK;
}

static enum cw_status parse_value(struct jp *j, struct cw__node **out);

/* Member names compared as bytes (a name may hold \u0000). */
static int keycmp(const struct cw__node *a, const struct cw__node *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c;

    /* Most neighbours differ in their first byte: no memcmp call. */
    if (n && a->str[0] != b->str[0])
        return (unsigned char)a->str[0] - (unsigned char)b->str[0];
    c = a->str == b->str ? 0 : memcmp(a->str, b->str, n);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* Could a and b be the same name? Length and both ends first. */
static inline bool maybe_same(const struct cw__node *a,
                              const struct cw__node *b)
{
    return a->len == b->len &&
           (!a->len || (a->str[0] == b->str[0] &&
                        a->str[a->len - 1] == b->str[b->len - 1]));
}

static enum cw_status dup_error(struct jp *j, const struct cw__node *first,
                                const struct cw__node *again)
{
    return cw__diag_set(j->d, CW_EPARSE, j->name, again->line, again->col,
                        "duplicate member name \"%.*s\" (first at line "
                        "%u, column %u): readers disagree on which one "
                        "counts, so the document is refused",
                        again->len > 80 ? 80 : (int)again->len, again->str,
                        first->line, first->col);
}

static int cmp_key_ptr(const void *a, const void *b)
{
    const struct cw__node *x = *(const struct cw__node *const *)a;
    const struct cw__node *y = *(const struct cw__node *const *)b;
    int c = keycmp(x, y);
    /* Equal names: the earlier one first, for the message. */
    return c ? c : (x->line != y->line ? (x->line > y->line ? 1 : -1)
                                       : (x->col > y->col) - (x->col < y->col));
}

/*
 * Refuses an object naming a member twice (`kv` holds n name/value
 * pairs): jq and Go take the last, we took the first, and a check must
 * judge what the provider will apply. Programs emit names sorted or in a
 * fixed order, so the first pass only compares neighbours while they
 * ascend (Terraform's JSON is sorted: one comparison per member); an
 * object out of order is sorted by a copy of its names.
 */
static enum cw_status check_dups(struct jp *j, struct cw__node **kv,
                                 size_t n)
{
    const struct cw__node **v;
    enum cw_status st = CW_OK;
    size_t i, k;

    for (i = 1; i < n; i++) {
        int c = keycmp(kv[2 * (i - 1)], kv[2 * i]);
        if (c == 0)
            return dup_error(j, kv[2 * (i - 1)], kv[2 * i]);
        if (c > 0)
            break;
    }
    if (i >= n)
        return CW_OK;
    if (n <= 16) {
        for (i = 1; i < n; i++)
            for (k = 0; k < i; k++)
                if (maybe_same(kv[2 * k], kv[2 * i]) &&
                    keycmp(kv[2 * k], kv[2 * i]) == 0)
                    return dup_error(j, kv[2 * k], kv[2 * i]);
        return CW_OK;
    }
    v = cw__malloc(n * sizeof(*v));
    if (!v)
        return err_at(j, j->p, CW_ENOMEM, "out of memory");
    for (i = 0; i < n; i++)
        v[i] = kv[2 * i];
    qsort(v, n, sizeof(*v), cmp_key_ptr);
    for (i = 1; i < n && !st; i++)
        if (keycmp(v[i - 1], v[i]) == 0)
            st = dup_error(j, v[i - 1], v[i]);
    cw__free(v);
    return st;
}

/* Closes a container whose children are stack[base..]. */
static enum cw_status close_container(struct jp *j, struct cw__node *n,
                                      size_t base, size_t per_item)
{
    size_t count = j->nstack - base;
    enum cw_status st;

    if (!j->arena) {
        j->depth--;
        return CW_OK;
    }
    if (per_item == 2 && count > 2 &&
        (st = check_dups(j, j->stack + base, count / 2)))
        return st;
    n->n = count / per_item;
    if (count) {
        n->kids = cw__arena_alloc_raw(j->arena, count * sizeof(*n->kids));
        if (!n->kids)
            return CW_ENOMEM;
        memcpy(n->kids, j->stack + base, count * sizeof(*n->kids));
    }
    j->nstack = base;
    j->depth--;
    return CW_OK;
}

static enum cw_status parse_container(struct jp *j, struct cw__node **out)
{
    bool object = *j->p == '{';
    char close = object ? '}' : ']';
    struct cw__node *n = new_node(j, object ? CW__NODE_MAP : CW__NODE_SEQ,
                                  j->p);
    size_t base = j->nstack;
    enum cw_status st;

    if (!n)
        return CW_ENOMEM;
    if (++j->depth > j->max_depth)
        return too_deep(j);
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        *out = n;
        return close_container(j, n, base, 1);
    }
    for (;;) {
        struct cw__node *v = NULL;
        skip_ws(j);
        if (object) {
            struct cw__node *k;
            if (j->p >= j->end || *j->p != '"')
                return err_at(j, j->p, CW_EPARSE,
                              "expected a member name (a string)");
            k = new_node(j, CW__NODE_SCALAR, j->p);
            if (!k)
                return CW_ENOMEM;
            st = parse_string(j, &k->str, &k->len, true);
            if (st || (st = push(j, k)))
                return st;
            skip_ws(j);
            if (j->p >= j->end || *j->p != ':')
                return err_at(j, j->p, CW_EPARSE,
                              "expected ':' after a member name");
            j->p++;
        }
        st = parse_value(j, &v);
        if (st || (st = push(j, v)))
            return st;
        skip_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            break;
        }
        return err_at(j, j->p, CW_EPARSE,
                      object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    *out = n;
    return close_container(j, n, base, object ? 2 : 1);
}

static enum cw_status literal(struct jp *j, struct cw__node *n,
                              const char *word, enum cw__scalar_type t)
{
    size_t len = strlen(word);
    if ((size_t)(j->end - j->p) < len || memcmp(j->p, word, len) != 0)
        return err_at(j, j->p, CW_EPARSE, "expected a value");
    n->str = word;
    n->len = len;
    n->type = t;
    j->p += len;
    return CW_OK;
}

static enum cw_status parse_value(struct jp *j, struct cw__node **out)
{
    struct cw__node *n;

    skip_ws(j);
    if (j->p >= j->end)
        return err_at(j, j->p, CW_EPARSE, "unexpected end of input; expected "
                                          "a value");
    if (*j->p == '{' || *j->p == '[')
        return parse_container(j, out);
    n = new_node(j, CW__NODE_SCALAR, j->p);
    if (!n)
        return CW_ENOMEM;
    *out = n;
    switch (*j->p) {
    case '"':
        n->type = CW__T_STRING;
        return parse_string(j, &n->str, &n->len, false);
    case 't':
        return literal(j, n, "true", CW__T_TRUE);
    case 'f':
        return literal(j, n, "false", CW__T_FALSE);
    case 'n':
        return literal(j, n, "null", CW__T_NULL);
    default:
        return parse_number(j, n);
    }
}

/* Refuses UTF-16/32 text (a byte order mark or a NUL in the first two
 * bytes) and steps over a UTF-8 byte order mark, as jq does. */
static bool utf8_start(const char *name, const char **buf, size_t *len,
                       struct cw_diag *d)
{
    const unsigned char *u = (const unsigned char *)*buf;

    if (*len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) ||
                      (u[0] == 0xFE && u[1] == 0xFF) || u[0] == 0 ||
                      u[1] == 0)) {
        cw__diag_set(d, CW_EPARSE, name, 1, 1,
                     "expected UTF-8 JSON, found UTF-16 or UTF-32; convert "
                     "the file to UTF-8");
        return true;
    }
    if (*len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        *buf += 3;
        *len -= 3;
    }
    return false;
}

enum cw_status cw__json_parse(struct cw__arena *arena, const char *name,
                              const char *buf, size_t len,
                              const struct cw__yaml_limits *limits,
                              struct cw__node **root, struct cw_diag *d)
{
    struct jp j;
    enum cw_status st;
    size_t saved_limit = arena->limit;

    *root = NULL;
    if (utf8_start(name, &buf, &len, d))
        return CW_EPARSE;
    memset(&j, 0, sizeof(j));
    j.arena = arena;
    j.name = name;
    j.p = buf;
    j.end = buf + len;
    j.line_start = buf;
    j.line = 1;
    j.d = d;
    j.max_depth = limits && limits->max_depth ? limits->max_depth
                                              : CW__YAML_DEFAULT_DEPTH;
    if (!arena->limit || (limits && limits->max_bytes))
        arena->limit = arena->total + (limits && limits->max_bytes
                                           ? limits->max_bytes
                                           : CW__YAML_DEFAULT_BYTES);
    st = parse_value(&j, root);
    if (!st) {
        skip_ws(&j);
        if (j.p < j.end)
            st = err_at(&j, j.p, CW_EPARSE,
                        "unexpected data after the JSON value");
    }
    if (st == CW_ENOMEM)
        st = cw__diag_set(d, arena->limit && arena->total >= arena->limit
                                 ? CW_ELIMIT
                                 : CW_ENOMEM,
                          name, j.line, (unsigned)(j.p - j.line_start) + 1,
                          "out of memory (or the document exceeds the size "
                          "limit)");
    cw__free(j.stack);
    arena->limit = saved_limit;
    if (st)
        *root = NULL;
    return st;
}

/* ---- streaming cursor ----------------------------------------------------- */

#define CUR_MAX_LEVELS 64

#define CUR_MAX_MEMBERS 4096 /* per object the cursor walks */

/* A member name an outer object already had, for duplicate checks. */
struct seen_key {
    char *s;
    size_t len;
    unsigned line, col;
};

struct cw__jcur {
    struct jp j;
    const char *text;      /* the text as given: file offset 0 */
    struct cw__arena keys; /* the current key, reset per key */
    char kinds[CUR_MAX_LEVELS]; /* '}' or ']' per entered level */
    bool first[CUR_MAX_LEVELS];
    unsigned levels;
    size_t saved_limit;
    /* Names of the objects the cursor walks member by member: the
     * duplicate check the tree builder does (check_dups), here. */
    struct seen_key *seen[CUR_MAX_LEVELS];
    size_t nseen[CUR_MAX_LEVELS], aseen[CUR_MAX_LEVELS];
};

static void forget_level(struct cw__jcur *c, unsigned level)
{
    size_t i;
    for (i = 0; i < c->nseen[level]; i++)
        cw__free(c->seen[level][i].s);
    c->nseen[level] = 0;
}

/* Records member name `key` of the current object; an error when the
 * object named it before. */
static enum cw_status remember_key(struct cw__jcur *c, const char *key,
                                   size_t len, unsigned line, unsigned col)
{
    unsigned lv = c->levels - 1;
    struct seen_key *k;
    size_t i;

    for (i = 0; i < c->nseen[lv]; i++) {
        k = &c->seen[lv][i];
        if (k->len == len && memcmp(k->s, key, len) == 0)
            return cw__diag_set(c->j.d, CW_EPARSE, c->j.name, line, col,
                                "duplicate member name \"%.*s\" (first at "
                                "line %u, column %u): readers disagree on "
                                "which one counts, so the document is "
                                "refused",
                                len > 80 ? 80 : (int)len, key, k->line,
                                k->col);
    }
    if (c->nseen[lv] == CUR_MAX_MEMBERS)
        return cw__diag_set(c->j.d, CW_ELIMIT, c->j.name, line, col,
                            "more than %d members in one object",
                            CUR_MAX_MEMBERS);
    if (!cw__grow((void **)&c->seen[lv], &c->aseen[lv], c->nseen[lv],
                  sizeof(*c->seen[lv])))
        return cw__diag_set(c->j.d, CW_ENOMEM, c->j.name, line, col,
                            "out of memory");
    k = &c->seen[lv][c->nseen[lv]];
    if (!(k->s = cw__malloc(len + 1)))
        return cw__diag_set(c->j.d, CW_ENOMEM, c->j.name, line, col,
                            "out of memory");
    memcpy(k->s, key, len);
    k->s[len] = '\0';
    k->len = len;
    k->line = line;
    k->col = col;
    c->nseen[lv]++;
    return CW_OK;
}

enum cw_status cw__jcur_new(const char *name, const char *buf, size_t len,
                            struct cw__jcur **out, struct cw_diag *d)
{
    struct cw__jcur *c;
    const char *text;

    *out = NULL;
    text = buf;
    if (utf8_start(name, &buf, &len, d))
        return CW_EPARSE;
    c = cw__calloc(1, sizeof(*c));
    if (!c)
        return cw__diag_set(d, CW_ENOMEM, name, 0, 0, "out of memory");
    c->text = text;
    c->j.name = name;
    c->j.p = c->j.line_start = buf;
    c->j.end = buf + len;
    c->j.line = 1;
    c->j.d = d;
    c->j.max_depth = CW__YAML_DEFAULT_DEPTH;
    cw__arena_init(&c->keys, 0);
    *out = c;
    return CW_OK;
}

void cw__jcur_free(struct cw__jcur *c)
{
    unsigned i;

    if (!c)
        return;
    for (i = 0; i < CUR_MAX_LEVELS; i++) {
        forget_level(c, i);
        cw__free(c->seen[i]);
    }
    cw__free(c->j.stack);
    cw__arena_release(&c->keys);
    cw__free(c);
}

enum cw_status cw__jcur_enter(struct cw__jcur *c, bool object)
{
    struct jp *j = &c->j;
    skip_ws(j);
    if (j->p >= j->end || *j->p != (object ? '{' : '['))
        return err_at(j, j->p, CW_ESCHEMA,
                      object ? "expected an object" : "expected an array");
    if (c->levels == CUR_MAX_LEVELS || ++j->depth > j->max_depth)
        return too_deep(j);
    c->kinds[c->levels] = object ? '}' : ']';
    c->first[c->levels] = true;
    forget_level(c, c->levels);
    c->levels++;
    j->p++;
    return CW_OK;
}

enum cw_status cw__jcur_next(struct cw__jcur *c, const char **key,
                             bool *more)
{
    struct jp *j = &c->j;
    char close;
    bool first;

    *more = false;
    if (!c->levels)
        return err_at(j, j->p, CW_EINVAL, "not inside a container");
    close = c->kinds[c->levels - 1];
    first = c->first[c->levels - 1];
    c->first[c->levels - 1] = false;
    skip_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        c->levels--;
        forget_level(c, c->levels);
        j->depth--;
        return CW_OK;
    }
    if (!first) {
        if (j->p >= j->end || *j->p != ',')
            return err_at(j, j->p, CW_EPARSE,
                          close == '}' ? "expected ',' or '}'"
                                       : "expected ',' or ']'");
        j->p++;
        skip_ws(j);
    }
    if (close == '}') {
        enum cw_status st;
        size_t len;
        struct cw__arena *saved = j->arena;
        if (j->p >= j->end || *j->p != '"')
            return err_at(j, j->p, CW_EPARSE,
                          "expected a member name (a string)");
        unsigned kline = j->line, kcol = (unsigned)(j->p - j->line_start) + 1;
        cw__arena_release(&c->keys);
        cw__arena_init(&c->keys, 0);
        j->arena = &c->keys;
        st = parse_string(j, key, &len, false);
        j->arena = saved;
        if (st)
            return st == CW_ENOMEM ? err_at(j, j->p, st, "out of memory")
                                   : st;
        if ((st = remember_key(c, *key, len, kline, kcol)))
            return st;
        skip_ws(j);
        if (j->p >= j->end || *j->p != ':')
            return err_at(j, j->p, CW_EPARSE,
                          "expected ':' after a member name");
        j->p++;
    } else if (j->p < j->end && *j->p == ']') {
        return err_at(j, j->p, CW_EPARSE, "expected a value");
    }
    *more = true;
    return CW_OK;
}

enum cw_status cw__jcur_skip(struct cw__jcur *c)
{
    struct cw__node *ignored = NULL;
    c->j.arena = NULL;
    return parse_value(&c->j, &ignored);
}

enum cw_status cw__jcur_build(struct cw__jcur *c, struct cw__arena *a,
                              struct cw__node **out)
{
    enum cw_status st;
    c->j.arena = a;
    c->j.slab_left = 0; /* the caller may have reset `a` since */
    st = parse_value(&c->j, out);
    c->j.arena = NULL;
    if (st == CW_ENOMEM)
        st = err_at(&c->j, c->j.p, CW_ENOMEM, "out of memory");
    return st;
}

enum cw_status cw__jcur_finish(struct cw__jcur *c)
{
    skip_ws(&c->j);
    if (c->j.p < c->j.end)
        return err_at(&c->j, c->j.p, CW_EPARSE,
                      "unexpected data after the JSON value");
    return CW_OK;
}

unsigned cw__jcur_line(const struct cw__jcur *c)
{
    return c->j.line;
}

const char *cw__jcur_pos(const struct cw__jcur *c)
{
    return c->j.p;
}

/* ---- spans: find a value's end now, parse it later (elsewhere) ---------- */

/*
 * The span scanner reads 64 bytes at a time as bit masks (one bit per
 * byte): quotes, backslashes, opening and closing brackets, newlines.
 * Escaped quotes are taken out, a prefix XOR of the remaining quotes marks
 * the bytes inside strings, and only the brackets outside strings are
 * walked one by one to find where the value closes. Plans hold few
 * backslashes, so escapes are resolved bit by bit.
 */
struct masks {
    uint64_t quote, bslash, open, close, nl;
};

#if defined(__SSE2__)
static uint64_t eq16(__m128i v, char c)
{
    return (uint64_t)(unsigned)_mm_movemask_epi8(
        _mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}

static void block_masks(const unsigned char *b, struct masks *m)
{
    int k;
    memset(m, 0, sizeof(*m));
    for (k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * k));
        /* '[' and '{' differ only in bit 0x20, as do ']' and '}'; no
         * other byte ORed with 0x20 gives '{' or '}'. */
        __m128i low = _mm_or_si128(v, _mm_set1_epi8(0x20));
        unsigned sh = 16u * (unsigned)k;
        m->quote |= eq16(v, '"') << sh;
        m->bslash |= eq16(v, '\\') << sh;
        m->open |= eq16(low, '{') << sh;
        m->close |= eq16(low, '}') << sh;
        m->nl |= eq16(v, '\n') << sh;
    }
}
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SPAN_AVX2 1
/* The same with two 32-byte loads, where the CPU has AVX2 (checked at
 * run time: the build targets the baseline x86-64). */
__attribute__((target("avx2"))) static inline void
block_masks_avx2(const unsigned char *b, struct masks *m)
{
    const __m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)b),
                  hi = _mm256_loadu_si256(
                      (const __m256i *)(const void *)(b + 32)),
                  t = _mm256_set1_epi8(0x20);
    const __m256i llo = _mm256_or_si256(lo, t), lhi = _mm256_or_si256(hi, t);
#define EQ32(v, c)                                                            \
    ((uint64_t)(uint32_t)_mm256_movemask_epi8(                               \
        _mm256_cmpeq_epi8((v), _mm256_set1_epi8(c))))
    m->quote = EQ32(lo, '"') | EQ32(hi, '"') << 32;
    m->bslash = EQ32(lo, '\\') | EQ32(hi, '\\') << 32;
    m->open = EQ32(llo, '{') | EQ32(lhi, '{') << 32;
    m->close = EQ32(llo, '}') | EQ32(lhi, '}') << 32;
    m->nl = EQ32(lo, '\n') | EQ32(hi, '\n') << 32;
#undef EQ32
}
#endif
#else
static void block_masks(const unsigned char *b, struct masks *m)
{
    int k;
    memset(m, 0, sizeof(*m));
    for (k = 0; k < 64; k++) {
        uint64_t bit = (uint64_t)1 << k;
        switch (b[k]) {
        case '"': m->quote |= bit; break;
        case '\\': m->bslash |= bit; break;
        case '{': case '[': m->open |= bit; break;
        case '}': case ']': m->close |= bit; break;
        case '\n': m->nl |= bit; break;
        default: break;
        }
    }
}
#endif

/* Bits set in x. Not __builtin_popcountll: without -mpopcnt (the
 * baseline x86-64 has no POPCNT) that is a libgcc call per use. */
static unsigned popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555u);
    x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fu;
    return (unsigned)((x * 0x0101010101010101u) >> 56);
}

static uint64_t prefix_xor(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

/* Where a span scan is between windows of the text. */
struct span_state {
    uint64_t escape_in, instr_in; /* carried into the next block */
    size_t depth;
    unsigned line;   /* newlines seen are counted here */
    bool nl;         /* the last window had one ... */
    size_t nl_next;  /* ... and its last ends here, in the window */
};

/* Scans window w[0, n) of a container's text (its first byte the opening
 * bracket, when s->depth is 0), 64 bytes at a time: n is a multiple of
 * 64 but in the text's last window, whose tail is padded with blanks.
 * True with *close just past the byte that closes the container. `avx2`:
 * read the blocks with AVX2 (only inlined where the CPU has it). */
static inline __attribute__((always_inline)) bool
span_window_body(const unsigned char *w, size_t n, struct span_state *s,
                 size_t *close, bool avx2)
{
    unsigned char pad[64];
    size_t k;

    s->nl = false;
    for (k = 0; k < n; k += 64) {
        const unsigned char *b = w + k;
        struct masks m;
        uint64_t escaped = s->escape_in, rest, quote, instr, br, below;
        if (n - k < 64) { /* the tail, padded with blanks */
            memset(pad, ' ', sizeof(pad));
            memcpy(pad, b, n - k);
            b = pad;
        }
#ifdef SPAN_AVX2
        if (avx2)
            block_masks_avx2(b, &m);
        else
#endif
            block_masks(b, &m);
        (void)avx2;
        /* Escapes: each backslash not itself escaped escapes the next. */
        rest = m.bslash & ~escaped;
        s->escape_in = 0;
        while (rest) {
            unsigned i = (unsigned)__builtin_ctzll(rest);
            if (i == 63)
                s->escape_in = 1;
            else
                escaped |= (uint64_t)1 << (i + 1);
            rest &= ~((uint64_t)1 << i);
            rest &= ~escaped;
        }
        quote = m.quote & ~escaped;
        instr = prefix_xor(quote) ^ s->instr_in;
        s->instr_in = (uint64_t)0 - (instr >> 63);
        br = (m.open | m.close) & ~instr;
        /* Deep inside the value, a block that cannot close it only moves
         * the depth (most blocks of a large value). */
        if (s->depth > (size_t)popcount64(m.close & br)) {
            s->depth += (size_t)popcount64(m.open & br);
            s->depth -= (size_t)popcount64(m.close & br);
            br = 0;
        }
        while (br) {
            unsigned i = (unsigned)__builtin_ctzll(br);
            uint64_t bit = (uint64_t)1 << i;
            br &= br - 1;
            if (m.open & bit) {
                s->depth++;
                continue;
            }
            if (--s->depth)
                continue;
            below = m.nl & (bit - 1);
            if (below) {
                s->line += (unsigned)popcount64(below);
                s->nl = true;
                s->nl_next = k + 64 - (size_t)__builtin_clzll(below);
            }
            *close = k + i + 1;
            return true;
        }
        if (m.nl) {
            s->line += (unsigned)popcount64(m.nl);
            s->nl = true;
            s->nl_next = k + 64 - (size_t)__builtin_clzll(m.nl);
        }
    }
    return false;
}

bool cw__span_baseline_only;
size_t cw__span_ahead_min = 8 * CW__SPAN_WINDOW;

static bool span_window_baseline(const unsigned char *w, size_t n,
                                 struct span_state *s, size_t *close)
{
    return span_window_body(w, n, s, close, false);
}

#ifdef SPAN_AVX2
__attribute__((target("avx2"))) static bool
span_window_avx2(const unsigned char *w, size_t n, struct span_state *s,
                 size_t *close)
{
    return span_window_body(w, n, s, close, true);
}
#endif

static bool span_window(const unsigned char *w, size_t n,
                        struct span_state *s, size_t *close)
{
#ifdef SPAN_AVX2
    if (!cw__span_baseline_only && __builtin_cpu_supports("avx2"))
        return span_window_avx2(w, n, s, close);
#endif
    return span_window_baseline(w, n, s, close);
}

/* Finds the end of the container starting at `p` (its '{' or '['), or
 * the end of the text when it does not close. Moves *line and
 * *line_start over every newline before that end. */
static bool span_container(const unsigned char *p, const unsigned char *end,
                           const unsigned char **out, unsigned *line,
                           const char **line_start)
{
    struct span_state s;
    size_t close = 0;
    bool found;

    memset(&s, 0, sizeof(s));
    s.line = *line;
    found = span_window(p, (size_t)(end - p), &s, &close);
    *line = s.line;
    if (s.nl)
        *line_start = (const char *)p + s.nl_next;
    *out = found ? p + close : end;
    return found;
}

enum cw_status cw__jcur_span(struct cw__jcur *c, struct cw__jspan *out)
{
    struct jp *j = &c->j;
    const unsigned char *p, *end = (const unsigned char *)j->end;

    skip_ws(j);
    if (j->p >= j->end)
        return err_at(j, j->p, CW_EPARSE, "unexpected end of input; expected "
                                          "a value");
    out->p = j->p;
    out->own = NULL; /* the mapping: read only */
    out->line = j->line;
    out->col = (unsigned)(j->p - j->line_start) + 1;
    out->depth = j->depth;
    p = (const unsigned char *)j->p;
    /* A value that never closes runs to the end of the text: its parse
     * then finds the first error in it, where a whole-text parse would. */
    if (*p == '{' || *p == '[') {
        (void)span_container(p, end, &p, &j->line, &j->line_start);
    } else if (*p == '"') { /* a string: to its closing quote */
        for (p++; p < end && *p != '"'; p++) {
            if (*p == '\\' && p + 1 < end)
                p++;
            if (*p == '\n') {
                j->line++;
                j->line_start = (const char *)p + 1;
            }
        }
        if (p < end)
            p++;
    } else { /* a number or literal: short, and validated right here
                * (where one ends depends on what it is) */
        struct cw__node *ignored = NULL;
        struct cw__arena *saved = j->arena;
        enum cw_status st;
        j->arena = NULL;
        st = parse_value(j, &ignored);
        j->arena = saved;
        if (st)
            return st;
        p = (const unsigned char *)j->p;
    }
    out->len = (size_t)((const char *)p - out->p);
    j->p = (const char *)p;
    return CW_OK;
}

/* Reads n bytes at file offset `off`; false on an error or a short read. */
static bool read_at(int fd, unsigned char *b, size_t n, size_t off)
{
    while (n) {
        ssize_t r = pread(fd, b, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        b += r;
        n -= (size_t)r;
        off += (size_t)r;
    }
    return true;
}

/*
 * Reading ahead: a thread reads the next window of the file while the
 * current one is spanned (the copy out of the page cache is nearly half
 * of spanning a large value through a file). Two windows take turns.
 */
struct ahead {
    pthread_t t;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int fd;
    unsigned char *w[2];
    size_t n[2];          /* bytes wanted in each */
    size_t off[2];
    bool full[2], ok[2];  /* read (ok: all of it) and not yet consumed */
    size_t next, end;     /* file offsets: the next window to read, the
                             end of what may be read */
    size_t win;
    bool stop;
};

static void *ahead_main(void *arg)
{
    struct ahead *a = arg;
    unsigned k;

    for (k = 0;; k ^= 1) {
        size_t off, n;
        bool ok;
        pthread_mutex_lock(&a->mu);
        while (a->full[k] && !a->stop)
            pthread_cond_wait(&a->cv, &a->mu);
        if (a->stop || a->next >= a->end) {
            pthread_mutex_unlock(&a->mu);
            return NULL;
        }
        off = a->next;
        n = a->end - off < a->win ? a->end - off : a->win;
        a->next += n;
        pthread_mutex_unlock(&a->mu);
        ok = read_at(a->fd, a->w[k], n, off);
        pthread_mutex_lock(&a->mu);
        a->off[k] = off;
        a->n[k] = n;
        a->ok[k] = ok;
        a->full[k] = true;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
    }
}

/* Window k^1 read ahead: waits for window k to be read; false when it
 * could not be. */
static bool ahead_take(struct ahead *a, unsigned k)
{
    bool ok;
    pthread_mutex_lock(&a->mu);
    while (!a->full[k])
        pthread_cond_wait(&a->cv, &a->mu);
    ok = a->ok[k];
    pthread_mutex_unlock(&a->mu);
    return ok;
}

static void ahead_give(struct ahead *a, unsigned k)
{
    pthread_mutex_lock(&a->mu);
    a->full[k] = false;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

static void ahead_stop(struct ahead *a)
{
    pthread_mutex_lock(&a->mu);
    a->stop = true;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->t, NULL);
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
}

/* Spans with a reader thread ahead, the state carried from window to
 * window; false when the thread could not start (nothing is done). */
static bool span_file_ahead(struct cw__jcur *c, int fd, unsigned char *w,
                            size_t window, struct span_state *s,
                            const unsigned char **at, bool *found)
{
    struct jp *j = &c->j;
    const unsigned char *p = *at, *end = (const unsigned char *)j->end;
    struct ahead a;
    unsigned k = 0;
    size_t close = 0;

    memset(&a, 0, sizeof(a));
    a.fd = fd;
    a.w[0] = w;
    a.w[1] = w + window;
    a.win = window;
    a.next = (size_t)((const char *)p - c->text);
    a.end = (size_t)((const char *)end - c->text);
    pthread_mutex_init(&a.mu, NULL);
    pthread_cond_init(&a.cv, NULL);
    if (pthread_create(&a.t, NULL, ahead_main, &a) != 0) {
        pthread_cond_destroy(&a.cv);
        pthread_mutex_destroy(&a.mu);
        return false;
    }
    while (p < end && !*found) {
        size_t n = (size_t)(end - p) < window ? (size_t)(end - p) : window;
        const unsigned char *from = a.w[k];
        if (!ahead_take(&a, k)) {
            from = p; /* the rest through memory, the state carried on */
            n = (size_t)(end - p);
        }
        *found = span_window(from, n, s, &close);
        if (s->nl)
            j->line_start = (const char *)p + s->nl_next;
        p += *found ? close : n;
        ahead_give(&a, k);
        k ^= 1;
    }
    ahead_stop(&a);
    *at = p;
    return true;
}

enum cw_status cw__jcur_span_file(struct cw__jcur *c, int fd, size_t window,
                                  struct cw__jspan *out)
{
    struct jp *j = &c->j;
    const unsigned char *p, *end = (const unsigned char *)j->end;
    struct span_state s;
    unsigned char *w;
    size_t close = 0;
    bool found = false;

    if (!window)
        window = CW__SPAN_WINDOW;
    window -= window % 64;
    skip_ws(j);
    if (fd < 0 || !window || j->p >= j->end ||
        (*j->p != '{' && *j->p != '[') || (size_t)(j->end - j->p) < window ||
        !(w = cw__malloc(2 * window)))
        return cw__jcur_span(c, out);
    out->p = j->p;
    out->own = NULL;
    out->line = j->line;
    out->col = (unsigned)(j->p - j->line_start) + 1;
    out->depth = j->depth;
    memset(&s, 0, sizeof(s));
    s.line = j->line;
    p = (const unsigned char *)j->p;
    /* Reading ahead pays for its thread on a large value. */
    if ((size_t)(end - p) >= cw__span_ahead_min &&
        (size_t)(end - p) >= 2 * window)
        (void)span_file_ahead(c, fd, w, window, &s, &p, &found);
    for (; p < end && !found;) {
        size_t n = (size_t)(end - p) < window ? (size_t)(end - p) : window;
        const unsigned char *from = w;
        if (!read_at(fd, w, n, (size_t)((const char *)p - c->text))) {
            from = p; /* the rest through memory, the state carried on */
            n = (size_t)(end - p);
        }
        found = span_window(from, n, &s, &close);
        if (s.nl)
            j->line_start = (const char *)p + s.nl_next;
        p += found ? close : n;
    }
    cw__free(w);
    j->line = s.line;
    out->len = (size_t)((const char *)p - out->p);
    j->p = (const char *)p;
    return CW_OK;
}

/* Whitespace of w[*i, k): *i moves past it, counting newlines in *line
 * and where the last line starts (a file offset, w[0] at `off`). */
static void run_ws(const char *w, size_t *i, size_t k, size_t off,
                   unsigned *line, size_t *line_start)
{
    for (; *i < k; (*i)++) {
        char ch = w[*i];
        if (ch == '\n') {
            (*line)++;
            *line_start = off + *i + 1;
        } else if (ch != ' ' && ch != '\t' && ch != '\r') {
            break;
        }
    }
}

void cw__jcur_span_run(struct cw__jcur *c, int fd, char *w, size_t cap,
                       struct cw__jspan *out, size_t max, size_t *n,
                       bool *full)
{
    struct jp *j = &c->j;
    size_t off = (size_t)(j->p - c->text), avail = (size_t)(j->end - j->p);
    size_t k = 0, q = 0; /* w[0, k) read; elements end at q so far */
    /* Where the cursor would be at q: */
    size_t keep_start = (size_t)(j->line_start - c->text);
    unsigned keep_line = j->line;
    bool keep_first = c->first[c->levels - 1];

    *n = 0;
    *full = false;
    if (avail < cap)
        cap = avail;
    else
        avail = 0; /* below: the text goes on past w */
    while (*n < max) {
        struct span_state s;
        size_t i = q, e = 0, close = 0, line_start = keep_start;
        unsigned line = keep_line;
        bool need_comma = !keep_first, found = false;
        for (;;) { /* blanks, a ',' unless first, blanks, an object */
            run_ws(w, &i, k, off, &line, &line_start);
            if (i < k && need_comma) {
                if (w[i] != ',')
                    break; /* ']', or an error _next will report */
                need_comma = false;
                i++;
                continue;
            }
            if (i < k) {
                e = i;
                if (w[e] != '{')
                    break; /* not an object: _next and _span take it */
                memset(&s, 0, sizeof(s));
                s.line = line;
                found = span_window((const unsigned char *)w + e, k - e, &s,
                                    &close);
                if (found)
                    break;
            }
            if (k == cap) { /* no room (or text) left to read */
                *full = avail == 0;
                break;
            }
            {
                size_t more = cap - k < CW__SPAN_READ ? cap - k : CW__SPAN_READ;
                if (!read_at(fd, (unsigned char *)w + k, more, off + k))
                    break;
                k += more;
            }
            /* Look again from the last element's end, with more text. */
            i = q;
            line = keep_line;
            line_start = keep_start;
            need_comma = !keep_first;
        }
        if (!found)
            break;
        out[*n].p = out[*n].own = w + e;
        out[*n].len = close;
        out[*n].line = line;
        out[*n].col = (unsigned)(off + e - line_start) + 1;
        out[*n].depth = j->depth;
        (*n)++;
        keep_line = s.line;
        keep_start = s.nl ? off + e + s.nl_next : line_start;
        keep_first = false;
        q = e + close;
    }
    /* Past the last whole element, as _span leaves it. */
    j->p = c->text + off + q;
    j->line = keep_line;
    j->line_start = c->text + keep_start;
    c->first[c->levels - 1] = keep_first;
}

enum cw_status cw__json_parse_span(struct cw__arena *arena, const char *name,
                                   const struct cw__jspan *span,
                                   struct cw__jscratch *scratch,
                                   struct cw__node **root, struct cw_diag *d)
{
    struct jp j;
    enum cw_status st;

    *root = NULL;
    memset(&j, 0, sizeof(j));
    j.arena = arena;
    j.name = name;
    j.p = span->p;
    j.end = span->p + span->len;
    j.line = span->line;
    j.line_start = span->p - (span->col - 1);
    j.depth = span->depth;
    j.max_depth = CW__YAML_DEFAULT_DEPTH;
    j.d = d;
    j.stack = scratch->v;
    j.astack = scratch->alloc;
    j.own = span->own;
    j.base = span->p;
    if (!scratch->keys)
        scratch->keys = cw__calloc(1, sizeof(*scratch->keys)); /* or not */
    j.keys = scratch->keys;
    st = parse_value(&j, root);
    if (!st && j.p < j.end)
        st = err_at(&j, j.p, CW_EPARSE, "unexpected data after the value");
    if (st == CW_ENOMEM)
        st = err_at(&j, j.p, CW_ENOMEM, "out of memory");
    scratch->v = j.stack;
    scratch->alloc = j.astack;
    if (st)
        *root = NULL;
    return st;
}

void cw__jscratch_release(struct cw__jscratch *s)
{
    cw__free(s->v);
    cw__free(s->keys);
    s->v = NULL;
    s->alloc = 0;
    s->keys = NULL;
}
