/*
 * jsonpath.c - RFC 9535 JSONPath: parser, well-typedness checks, evaluator
 * and normalized paths.
 *
 * Parsing builds a small AST in an arena owned by the query. Everything
 * the RFC makes a syntax or type error is refused at compile time with the
 * column: integers outside +-(2^53-1), "-0" as an index, leading zeros,
 * bad escapes and lone surrogates in string literals, non-singular queries
 * where a value is needed, functions whose result type does not fit the
 * place they are used in, unknown functions, trailing blanks.
 *
 * Evaluation is a depth-first walk that keeps a stack of location steps,
 * so a selected node's normalized path costs nothing unless it is printed.
 * Depth-first order equals the RFC's nodelist order, because each segment
 * concatenates the results for its input nodes in order. Filters evaluate
 * relative queries into small node lists.
 *
 * match() and search() take I-Regexp (RFC 9485), translated to PCRE2:
 * outside a character class '.' becomes [^\n\r]; '^' and '$' anchor, as
 * the compliance suite expects; match() anchors both ends. A pattern that
 * does not compile makes the function false, as the RFC asks. Patterns
 * given as literals are compiled once, with the query.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpath.h"

#define MAX_INT 9007199254740991LL /* 2^53 - 1 */
#define MAX_DEPTH 256              /* nesting of the query itself */
#define MAX_LOC 100000             /* depth of the location stack */

/* ---- AST ---------------------------------------------------------------- */

enum sel_kind { SEL_NAME, SEL_WILD, SEL_INDEX, SEL_SLICE, SEL_FILTER };

struct expr;

struct selector {
    enum sel_kind kind;
    const char *name;
    size_t name_len;
    long long index;
    bool has_start, has_end, has_step;
    long long start, end, step;
    struct expr *filter;
};

struct segment {
    bool descendant;
    struct selector *sels;
    size_t n;
};

struct query {
    bool relative; /* @ rather than $ */
    struct segment *segs;
    size_t n;
};

enum expr_kind { E_OR, E_AND, E_NOT, E_CMP, E_QUERY, E_FUNC, E_LITERAL };
enum cmp_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };
enum fn_id { FN_LENGTH, FN_COUNT, FN_MATCH, FN_SEARCH, FN_VALUE };
enum jtype { JT_VALUE, JT_LOGICAL, JT_NODES };

struct expr {
    enum expr_kind kind;
    struct expr *a, *b;      /* or, and, not (a), cmp */
    enum cmp_op op;
    struct query *q;         /* E_QUERY */
    const struct cw__node *lit; /* E_LITERAL */
    enum fn_id fn;
    struct expr *args[2];
    size_t nargs;
    pcre2_code *re;          /* match/search with a literal pattern */
};

struct cw__jp {
    struct cw__arena arena;
    struct query *q;
    pcre2_code **codes;
    size_t ncodes, acodes;
};

static const struct {
    const char *name;
    enum jtype result;
    size_t nargs;
    enum jtype params[2];
} functions[] = {
    [FN_LENGTH] = { "length", JT_VALUE, 1, { JT_VALUE } },
    [FN_COUNT] = { "count", JT_VALUE, 1, { JT_NODES } },
    [FN_MATCH] = { "match", JT_LOGICAL, 2, { JT_VALUE, JT_VALUE } },
    [FN_SEARCH] = { "search", JT_LOGICAL, 2, { JT_VALUE, JT_VALUE } },
    [FN_VALUE] = { "value", JT_VALUE, 1, { JT_NODES } },
};

/* ---- parser ------------------------------------------------------------- */

struct parser {
    struct cw__jp *jp;
    const char *s, *p, *end;
    const char *name;
    struct cw_diag *d;
    unsigned depth;
};

static enum cw_status perr(struct parser *P, const char *at, const char *what)
{
    return cw__diag_set(P->d, CW_EPARSE, P->name, 1,
                        (unsigned)(at - P->s) + 1, "%s", what);
}

static void *palloc(struct parser *P, size_t n)
{
    return cw__arena_alloc(&P->jp->arena, n);
}

static bool at_end(const struct parser *P)
{
    return P->p >= P->end;
}

static char peek(const struct parser *P)
{
    return P->p < P->end ? *P->p : '\0';
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_blank(struct parser *P)
{
    while (P->p < P->end && is_blank(*P->p))
        P->p++;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}





/* A string literal in ' or " quotes (RFC 9535 2.3.1.1). */
static enum cw_status string_lit(struct parser *P, const char **out,
                                 size_t *outlen)
{
    char q = *P->p, *buf, *w;
    const char *start = P->p++;

    buf = palloc(P, (size_t)(P->end - P->p) + 1);
    if (!buf)
        return CW_ENOMEM;
    w = buf;
    for (;;) {
        unsigned char c;
        if (at_end(P))
            return perr(P, start, "unterminated string literal");
        c = (unsigned char)*P->p;
        if (c == (unsigned char)q) {
            P->p++;
            break;
        }
        if (c < 0x20)
            return perr(P, P->p, "control character in a string literal; "
                                 "escape it");
        if (c == '\\') {
            int cp;
            char e = P->p + 1 < P->end ? P->p[1] : '\0';
            switch (e) {
            case 'b': *w++ = '\b'; break;
            case 'f': *w++ = '\f'; break;
            case 'n': *w++ = '\n'; break;
            case 'r': *w++ = '\r'; break;
            case 't': *w++ = '\t'; break;
            case '/': *w++ = '/'; break;
            case '\\': *w++ = '\\'; break;
            case '\'':
            case '"':
                if (e != q)
                    return perr(P, P->p, "this quote needs no escape "
                                         "here");
                *w++ = e;
                break;
            case 'u':
                cp = cw__hex4(P->p + 2, P->end);
                if (cp < 0)
                    return perr(P, P->p, "expected four hex digits after "
                                         "\\u");
                if (cp >= 0xDC00 && cp <= 0xDFFF)
                    return perr(P, P->p, "a low surrogate without a high "
                                         "one");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    int lo = P->p + 7 < P->end && P->p[6] == '\\' &&
                                     P->p[7] == 'u'
                                 ? cw__hex4(P->p + 8, P->end)
                                 : -1;
                    if (lo < 0xDC00 || lo > 0xDFFF)
                        return perr(P, P->p, "a high surrogate must be "
                                             "followed by a low one");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    P->p += 6;
                }
                w += cw__utf8_put(w, (unsigned)cp);
                P->p += 4;
                break;
            default:
                return perr(P, P->p, "unknown escape in a string literal");
            }
            P->p += 2;
            continue;
        }
        {
            size_t n = cw__utf8_len(P->p, P->end);
            if (!n)
                return perr(P, P->p, "invalid UTF-8");
            memcpy(w, P->p, n);
            w += n;
            P->p += n;
        }
    }
    *w = '\0';
    *out = buf;
    *outlen = (size_t)(w - buf);
    return CW_OK;
}

/* An integer: "0" / ["-"] digit1 *DIGIT, within +-(2^53-1). */
static enum cw_status integer(struct parser *P, long long *out)
{
    const char *start = P->p;
    bool neg = false;
    long long v = 0;

    if (peek(P) == '-') {
        neg = true;
        P->p++;
    }
    if (!is_digit(peek(P)))
        return perr(P, start, "expected an integer");
    if (peek(P) == '0' && (neg || is_digit(P->p + 1 < P->end ? P->p[1] : 0)))
        return perr(P, start, neg ? "-0 is not an integer here"
                                  : "an integer cannot start with 0");
    while (is_digit(peek(P))) {
        v = v * 10 + (*P->p - '0');
        if (v > MAX_INT)
            return perr(P, start, "integer out of range (2^53-1)");
        P->p++;
    }
    *out = neg ? -v : v;
    return CW_OK;
}

static bool name_first(const struct parser *P)
{
    char c = peek(P);
    return is_alpha(c) || c == '_' || (unsigned char)c >= 0x80;
}

/* member-name-shorthand */
static enum cw_status shorthand(struct parser *P, struct selector *s)
{
    const char *start = P->p;
    while (!at_end(P)) {
        char c = *P->p;
        if ((unsigned char)c >= 0x80) {
            size_t n = cw__utf8_len(P->p, P->end);
            if (!n)
                return perr(P, P->p, "invalid UTF-8");
            P->p += n;
        } else if (is_alpha(c) || c == '_' || is_digit(c)) {
            P->p++;
        } else {
            break;
        }
    }
    s->kind = SEL_NAME;
    s->name_len = (size_t)(P->p - start);
    s->name = cw__arena_strndup(&P->jp->arena, start, s->name_len);
    return s->name ? CW_OK : CW_ENOMEM;
}

static enum cw_status parse_logical(struct parser *P, struct expr **out);
static enum cw_status parse_query(struct parser *P, struct query **out);

static bool singular(const struct query *q)
{
    size_t i;
    for (i = 0; i < q->n; i++)
        if (q->segs[i].descendant || q->segs[i].n != 1 ||
            (q->segs[i].sels[0].kind != SEL_NAME &&
             q->segs[i].sels[0].kind != SEL_INDEX))
            return false;
    return true;
}

static enum cw_status selector(struct parser *P, struct selector *s)
{
    enum cw_status st;
    char c = peek(P);

    memset(s, 0, sizeof(*s));
    if (c == '\'' || c == '"')
        return (s->kind = SEL_NAME), string_lit(P, &s->name, &s->name_len);
    if (c == '*') {
        P->p++;
        s->kind = SEL_WILD;
        return CW_OK;
    }
    if (c == '?') {
        P->p++;
        skip_blank(P);
        s->kind = SEL_FILTER;
        return parse_logical(P, &s->filter);
    }
    if (c == '-' || is_digit(c) || c == ':') {
        if (c != ':') {
            if ((st = integer(P, &s->start)))
                return st;
            s->has_start = true;
            skip_blank(P);
            if (peek(P) != ':') {
                s->kind = SEL_INDEX;
                s->index = s->start;
                return CW_OK;
            }
        }
        s->kind = SEL_SLICE;
        P->p++; /* ':' */
        skip_blank(P);
        if (peek(P) == '-' || is_digit(peek(P))) {
            if ((st = integer(P, &s->end)))
                return st;
            s->has_end = true;
            skip_blank(P);
        }
        if (peek(P) == ':') {
            P->p++;
            skip_blank(P);
            if (peek(P) == '-' || is_digit(peek(P))) {
                if ((st = integer(P, &s->step)))
                    return st;
                s->has_step = true;
            }
        }
        return CW_OK;
    }
    return perr(P, P->p, "expected a selector: a name in quotes, *, an "
                         "index, a slice or a ?filter");
}

/* "[" selector *("," selector) "]" with P->p at "[". */
static enum cw_status bracketed(struct parser *P, struct segment *seg)
{
    struct selector tmp[64], *v = tmp;
    size_t n = 0, cap = 64;
    enum cw_status st;

    P->p++;
    for (;;) {
        skip_blank(P);
        if (n == cap) {
            struct selector *nv = palloc(P, 2 * cap * sizeof(*nv));
            if (!nv)
                return CW_ENOMEM;
            memcpy(nv, v, n * sizeof(*v));
            v = nv;
            cap *= 2;
        }
        if ((st = selector(P, &v[n])))
            return st;
        n++;
        skip_blank(P);
        if (peek(P) == ',') {
            P->p++;
            continue;
        }
        if (peek(P) == ']') {
            P->p++;
            break;
        }
        return perr(P, P->p, "expected ',' or ']'");
    }
    seg->sels = palloc(P, n * sizeof(*seg->sels));
    if (!seg->sels)
        return CW_ENOMEM;
    memcpy(seg->sels, v, n * sizeof(*v));
    seg->n = n;
    return CW_OK;
}

static enum cw_status segment(struct parser *P, struct segment *seg)
{
    memset(seg, 0, sizeof(*seg));
    if (peek(P) == '[')
        return bracketed(P, seg);
    /* '.' */
    P->p++;
    if (peek(P) == '.') {
        P->p++;
        seg->descendant = true;
        if (peek(P) == '[')
            return bracketed(P, seg);
    }
    seg->sels = palloc(P, sizeof(*seg->sels));
    if (!seg->sels)
        return CW_ENOMEM;
    memset(seg->sels, 0, sizeof(*seg->sels));
    seg->n = 1;
    if (peek(P) == '*') {
        P->p++;
        seg->sels[0].kind = SEL_WILD;
        return CW_OK;
    }
    if (!name_first(P))
        return perr(P, P->p, "expected a member name, '*' or '[' after '.'");
    return shorthand(P, &seg->sels[0]);
}

/* "$" or "@" followed by segments; blanks before a segment are allowed,
 * trailing blanks are left for the caller. */
static enum cw_status parse_query(struct parser *P, struct query **out)
{
    struct query *q = palloc(P, sizeof(*q));
    struct segment tmp[32], *v = tmp;
    size_t n = 0, cap = 32;
    enum cw_status st;

    if (!q)
        return CW_ENOMEM;
    if (++P->depth > MAX_DEPTH)
        return perr(P, P->p, "query nests too deeply");
    q->relative = *P->p == '@';
    P->p++;
    for (;;) {
        const char *save = P->p;
        skip_blank(P);
        if (peek(P) != '.' && peek(P) != '[') {
            P->p = save;
            break;
        }
        if (n == cap) {
            struct segment *nv = palloc(P, 2 * cap * sizeof(*nv));
            if (!nv)
                return CW_ENOMEM;
            memcpy(nv, v, n * sizeof(*v));
            v = nv;
            cap *= 2;
        }
        if ((st = segment(P, &v[n])))
            return st;
        n++;
    }
    q->segs = palloc(P, (n + 1) * sizeof(*q->segs));
    if (!q->segs)
        return CW_ENOMEM;
    memcpy(q->segs, v, n * sizeof(*v));
    q->n = n;
    P->depth--;
    *out = q;
    return CW_OK;
}

static struct expr *new_expr(struct parser *P, enum expr_kind k)
{
    struct expr *e = palloc(P, sizeof(*e));
    if (e)
        e->kind = k;
    return e;
}

static bool word_at(const struct parser *P, const char *w)
{
    size_t n = strlen(w);
    return (size_t)(P->end - P->p) >= n && memcmp(P->p, w, n) == 0 &&
           !((P->p + n < P->end) &&
             (is_alpha(P->p[n]) || is_digit(P->p[n]) || P->p[n] == '_'));
}

/* A number literal: (int / "-0") [frac] [exp]. */
static enum cw_status number_lit(struct parser *P, struct cw__node *n)
{
    const char *start = P->p;
    char tmp[64];

    if (peek(P) == '-')
        P->p++;
    if (!is_digit(peek(P)))
        return perr(P, start, "expected a number");
    if (peek(P) == '0' && P->p + 1 < P->end && is_digit(P->p[1]))
        return perr(P, start, "a number cannot start with 0");
    while (is_digit(peek(P)))
        P->p++;
    if (peek(P) == '.') {
        P->p++;
        if (!is_digit(peek(P)))
            return perr(P, P->p, "expected a digit after '.'");
        while (is_digit(peek(P)))
            P->p++;
    }
    if (peek(P) == 'e' || peek(P) == 'E') {
        P->p++;
        if (peek(P) == '+' || peek(P) == '-')
            P->p++;
        if (!is_digit(peek(P)))
            return perr(P, P->p, "expected a digit in the exponent");
        while (is_digit(peek(P)))
            P->p++;
    }
    if ((size_t)(P->p - start) >= sizeof(tmp))
        return perr(P, start, "number literal too long");
    memcpy(tmp, start, (size_t)(P->p - start));
    tmp[P->p - start] = '\0';
    n->type = CW__T_NUMBER;
    n->num = strtod(tmp, NULL);
    n->str = cw__arena_strdup(&P->jp->arena, tmp);
    n->len = (size_t)(P->p - start);
    return n->str ? CW_OK : CW_ENOMEM;
}

/* A literal if one starts here; *out NULL when none does. */
static enum cw_status literal(struct parser *P, struct expr **out)
{
    struct cw__node *n;
    char c = peek(P);
    enum cw_status st = CW_OK;

    *out = NULL;
    if (!(c == '"' || c == '\'' || c == '-' || is_digit(c) ||
          word_at(P, "true") || word_at(P, "false") || word_at(P, "null")))
        return CW_OK;
    n = palloc(P, sizeof(*n));
    *out = new_expr(P, E_LITERAL);
    if (!n || !*out)
        return CW_ENOMEM;
    n->kind = CW__NODE_SCALAR;
    n->str = "";
    if (c == '"' || c == '\'') {
        n->type = CW__T_STRING;
        st = string_lit(P, &n->str, &n->len);
    } else if (c == '-' || is_digit(c)) {
        st = number_lit(P, n);
    } else if (c == 't') {
        n->type = CW__T_TRUE;
        P->p += 4;
    } else if (c == 'f') {
        n->type = CW__T_FALSE;
        P->p += 5;
    } else {
        n->type = CW__T_NULL;
        P->p += 4;
    }
    (*out)->lit = n;
    return st;
}

static enum jtype type_of(const struct expr *e)
{
    switch (e->kind) {
    case E_FUNC:
        return functions[e->fn].result;
    case E_QUERY:
        return JT_NODES;
    case E_LITERAL:
        return JT_VALUE;
    default:
        return JT_LOGICAL;
    }
}

static enum cw_status compile_regex(struct parser *P, struct expr *e);

static enum cw_status parse_function(struct parser *P, struct expr **out)
{
    const char *start = P->p;
    struct expr *e;
    size_t i, len;
    int fn = -1;
    enum cw_status st;

    while (!at_end(P) && ((*P->p >= 'a' && *P->p <= 'z') ||
                          is_digit(*P->p) || *P->p == '_'))
        P->p++;
    len = (size_t)(P->p - start);
    for (i = 0; i < CW__ARRAY_LEN(functions); i++)
        if (strlen(functions[i].name) == len &&
            memcmp(functions[i].name, start, len) == 0)
            fn = (int)i;
    if (peek(P) != '(')
        return perr(P, start, "expected a query, a literal or a function "
                              "call");
    if (fn < 0)
        return perr(P, start, "unknown function; expected length, count, "
                              "match, search or value");
    e = new_expr(P, E_FUNC);
    if (!e)
        return CW_ENOMEM;
    e->fn = (enum fn_id)fn;
    P->p++;
    for (i = 0;; i++) {
        struct expr *arg = NULL;
        const char *at;
        skip_blank(P);
        at = P->p;
        if (i == 0 && peek(P) == ')')
            break;
        if (i >= functions[fn].nargs)
            return perr(P, at, "too many arguments");
        if (peek(P) == '@' || peek(P) == '$') {
            arg = new_expr(P, E_QUERY);
            if (!arg)
                return CW_ENOMEM;
            if ((st = parse_query(P, &arg->q)))
                return st;
        } else {
            if ((st = literal(P, &arg)))
                return st;
            if (!arg) {
                if (!(peek(P) >= 'a' && peek(P) <= 'z'))
                    return perr(P, at, "expected a function argument: a "
                                       "literal, a query or a function");
                if ((st = parse_function(P, &arg)))
                    return st;
            }
        }
        /* Well-typedness (RFC 9535 2.4.3). */
        if (functions[fn].params[i] == JT_VALUE) {
            if ((arg->kind == E_QUERY && !singular(arg->q)) ||
                (arg->kind == E_FUNC && type_of(arg) != JT_VALUE))
                return perr(P, at, "this argument must be a single value");
        } else if (functions[fn].params[i] == JT_NODES) {
            if (arg->kind != E_QUERY)
                return perr(P, at, "this argument must be a query");
        }
        e->args[e->nargs++] = arg;
        skip_blank(P);
        if (peek(P) == ',') {
            P->p++;
            continue;
        }
        if (peek(P) == ')')
            break;
        return perr(P, P->p, "expected ',' or ')' in a function call");
    }
    if (e->nargs != functions[fn].nargs)
        return perr(P, start, "wrong number of arguments");
    P->p++;
    if ((e->fn == FN_MATCH || e->fn == FN_SEARCH) &&
        e->args[1]->kind == E_LITERAL &&
        e->args[1]->lit->type == CW__T_STRING && (st = compile_regex(P, e)))
        return st;
    *out = e;
    return CW_OK;
}

static bool cmp_op_at(struct parser *P, enum cmp_op *op)
{
    const char *p = P->p;
    if (P->end - p >= 2 && p[1] == '=') {
        switch (p[0]) {
        case '=': *op = OP_EQ; break;
        case '!': *op = OP_NE; break;
        case '<': *op = OP_LE; break;
        case '>': *op = OP_GE; break;
        default: return false;
        }
        P->p += 2;
        return true;
    }
    if (p < P->end && (p[0] == '<' || p[0] == '>')) {
        *op = p[0] == '<' ? OP_LT : OP_GT;
        P->p++;
        return true;
    }
    return false;
}

/* A comparable: literal, singular query, or value-typed function. */
static enum cw_status comparable(struct parser *P, struct expr **out)
{
    const char *at;
    enum cw_status st;

    skip_blank(P);
    at = P->p;
    if (peek(P) == '@' || peek(P) == '$') {
        struct expr *e = new_expr(P, E_QUERY);
        if (!e)
            return CW_ENOMEM;
        if ((st = parse_query(P, &e->q)))
            return st;
        if (!singular(e->q))
            return perr(P, at, "only a singular query (names and indexes) "
                               "can be compared");
        *out = e;
        return CW_OK;
    }
    if ((st = literal(P, out)))
        return st;
    if (*out)
        return CW_OK;
    if (!(peek(P) >= 'a' && peek(P) <= 'z'))
        return perr(P, at, "expected a literal, a singular query or a "
                           "function");
    if ((st = parse_function(P, out)))
        return st;
    if (type_of(*out) != JT_VALUE)
        return perr(P, at, "this function's result cannot be compared");
    return CW_OK;
}

static enum cw_status basic(struct parser *P, struct expr **out)
{
    enum cw_status st;
    const char *at;
    enum cmp_op op;
    struct expr *e = NULL;
    bool neg = false;

    skip_blank(P);
    if (peek(P) == '!') {
        neg = true;
        P->p++;
        skip_blank(P);
    }
    at = P->p;
    if (peek(P) == '(') {
        P->p++;
        if (++P->depth > MAX_DEPTH)
            return perr(P, at, "expression nests too deeply");
        if ((st = parse_logical(P, &e)))
            return st;
        P->depth--;
        skip_blank(P);
        if (peek(P) != ')')
            return perr(P, P->p, "expected ')'");
        P->p++;
    } else {
        if (peek(P) == '@' || peek(P) == '$') {
            e = new_expr(P, E_QUERY);
            if (!e)
                return CW_ENOMEM;
            if ((st = parse_query(P, &e->q)))
                return st;
        } else {
            if ((st = literal(P, &e)))
                return st;
            if (!e) {
                if (!(peek(P) >= 'a' && peek(P) <= 'z'))
                    return perr(P, at, "expected a filter expression");
                if ((st = parse_function(P, &e)))
                    return st;
            }
        }
        {
            const char *save = P->p;
            skip_blank(P);
            if (!neg && cmp_op_at(P, &op)) {
                struct expr *c = new_expr(P, E_CMP), *rhs = NULL;
                if (!c)
                    return CW_ENOMEM;
                if ((e->kind == E_QUERY && !singular(e->q)))
                    return perr(P, at, "only a singular query (names and "
                                       "indexes) can be compared");
                if (e->kind == E_FUNC && type_of(e) != JT_VALUE)
                    return perr(P, at, "this function's result cannot be "
                                       "compared");
                if ((st = comparable(P, &rhs)))
                    return st;
                c->op = op;
                c->a = e;
                c->b = rhs;
                *out = c;
                return CW_OK;
            }
            P->p = save;
        }
        if (e->kind == E_LITERAL)
            return perr(P, at, "a literal alone is not a test; compare it");
        if (e->kind == E_FUNC && type_of(e) == JT_VALUE)
            return perr(P, at, "this function gives a value; compare it");
    }
    if (neg) {
        struct expr *n = new_expr(P, E_NOT);
        if (!n)
            return CW_ENOMEM;
        n->a = e;
        e = n;
    }
    *out = e;
    return CW_OK;
}

/* A chain of `next` joined by the two-character operator `op` ("&&" or
 * "||"), left-associative. */
static enum cw_status chain(struct parser *P, const char *op,
                           enum expr_kind kind,
                           enum cw_status (*next)(struct parser *,
                                                  struct expr **),
                           struct expr **out)
{
    enum cw_status st = next(P, out);
    while (!st) {
        const char *save = P->p;
        struct expr *e, *rhs = NULL;
        skip_blank(P);
        if (P->end - P->p < 2 || P->p[0] != op[0] || P->p[1] != op[1]) {
            P->p = save;
            break;
        }
        P->p += 2;
        if ((st = next(P, &rhs)))
            break;
        if (!(e = new_expr(P, kind)))
            return CW_ENOMEM;
        e->a = *out;
        e->b = rhs;
        *out = e;
    }
    return st;
}

static enum cw_status parse_and(struct parser *P, struct expr **out)
{
    return chain(P, "&&", E_AND, basic, out);
}

static enum cw_status parse_logical(struct parser *P, struct expr **out)
{
    return chain(P, "||", E_OR, parse_and, out);
}

/* ---- I-Regexp ------------------------------------------------------------ */

static pcre2_code *iregexp(const char *pat, size_t len, bool anchored)
{
    struct cw__buf b;
    size_t i;
    bool in_class = false;
    pcre2_code *re = NULL;
    int err;
    PCRE2_SIZE off;

    cw__buf_init(&b, 4 * len + 64);
    for (i = 0; i < len; i++) {
        char c = pat[i];
        enum cw_status st;
        if (c == '\\' && i + 1 < len) {
            st = cw__buf_append(&b, pat + i, 2);
            i++;
        } else if (in_class) {
            if (c == ']')
                in_class = false;
            st = cw__buf_append(&b, &c, 1);
        } else if (c == '[') {
            in_class = true;
            st = cw__buf_append(&b, &c, 1);
            if (i + 1 < len && pat[i + 1] == '^' && !st) {
                st = cw__buf_append(&b, "^", 1);
                i++;
            }
            if (i + 1 < len && pat[i + 1] == ']' && !st) {
                st = cw__buf_append(&b, "\\]", 2);
                i++;
            }
        } else if (c == '.') {
            st = cw__buf_puts(&b, "[^\\n\\r]");
        } else {
            st = cw__buf_append(&b, &c, 1);
        }
        if (st) {
            cw__buf_release(&b);
            return NULL;
        }
    }
    if (b.data || !cw__buf_puts(&b, ""))
        re = pcre2_compile((PCRE2_SPTR)b.data, b.len,
                           PCRE2_UTF | PCRE2_NO_AUTO_CAPTURE |
                               (anchored ? PCRE2_ANCHORED | PCRE2_ENDANCHORED
                                         : 0),
                           &err, &off, NULL);
    cw__buf_release(&b);
    return re;
}

static enum cw_status compile_regex(struct parser *P, struct expr *e)
{
    struct cw__jp *jp = P->jp;
    const struct cw__node *pat = e->args[1]->lit;
    e->re = iregexp(pat->str, pat->len, e->fn == FN_MATCH);
    if (!e->re)
        return CW_OK; /* an invalid pattern makes the function false */
    if (jp->ncodes == jp->acodes) {
        size_t na = jp->acodes ? 2 * jp->acodes : 8;
        pcre2_code **v = cw__realloc(jp->codes, na * sizeof(*v));
        if (!v) {
            pcre2_code_free(e->re);
            e->re = NULL;
            return CW_ENOMEM;
        }
        jp->codes = v;
        jp->acodes = na;
    }
    jp->codes[jp->ncodes++] = e->re;
    return CW_OK;
}

/* ---- compile ------------------------------------------------------------- */

void cw__jp_free(struct cw__jp *q)
{
    size_t i;
    if (!q)
        return;
    for (i = 0; i < q->ncodes; i++)
        pcre2_code_free(q->codes[i]);
    cw__free(q->codes);
    cw__arena_release(&q->arena);
    cw__free(q);
}

enum cw_status cw__jp_compile(const char *expr, size_t len, const char *name,
                              struct cw__jp **out, struct cw_diag *d)
{
    struct parser P;
    struct cw__jp *jp;
    enum cw_status st;

    *out = NULL;
    jp = cw__calloc(1, sizeof(*jp));
    if (!jp)
        return cw__diag_set(d, CW_ENOMEM, name, 0, 0, "out of memory");
    cw__arena_init(&jp->arena, 0);
    memset(&P, 0, sizeof(P));
    P.jp = jp;
    P.s = P.p = expr;
    P.end = expr + len;
    P.name = name;
    P.d = d;
    if (!len || *expr != '$')
        st = perr(&P, P.p, "a query starts with '$'");
    else
        st = parse_query(&P, &jp->q);
    if (!st && !at_end(&P))
        st = perr(&P, P.p, is_blank(*P.p) ? "blank after the query"
                                          : "unexpected character");
    if (st == CW_ENOMEM)
        cw__diag_set(d, st, name, 0, 0, "out of memory");
    if (st) {
        cw__jp_free(jp);
        return st;
    }
    *out = jp;
    return CW_OK;
}

/* ---- evaluation ---------------------------------------------------------- */

struct eval {
    const struct cw__node *root;
    struct cw__jp_step *loc;
    size_t nloc, aloc;
    struct cw__jp_step inl[32]; /* the location stack until it grows */
    cw__jp_fn fn;
    void *arg;
    bool stop;
    enum cw_status st;
};

/* Every field but the inline stack, which is written before it is read:
 * a config scan starts half a million evaluations, and clearing 600
 * bytes each was 3.6% of its instructions. */
static void eval_init(struct eval *E, const struct cw__node *root,
                      cw__jp_fn fn, void *arg)
{
    E->root = root;
    E->loc = E->inl;
    E->nloc = 0;
    E->aloc = CW__ARRAY_LEN(E->inl);
    E->fn = fn;
    E->arg = arg;
    E->stop = false;
    E->st = CW_OK;
}

static bool push_step(struct eval *E, const char *name, size_t index)
{
    if (E->nloc == E->aloc) {
        size_t na = E->aloc ? 2 * E->aloc : 64;
        struct cw__jp_step *v;
        if (na > MAX_LOC) {
            E->st = CW_ELIMIT;
            return false;
        }
        v = cw__realloc(E->loc == E->inl ? NULL : E->loc, na * sizeof(*v));
        if (!v) {
            E->st = CW_ENOMEM;
            return false;
        }
        if (E->loc == E->inl)
            memcpy(v, E->inl, E->nloc * sizeof(*v));
        E->loc = v;
        E->aloc = na;
    }
    E->loc[E->nloc].name = name;
    E->loc[E->nloc].index = index;
    E->nloc++;
    return true;
}

static void run_segments(struct eval *E, const struct query *q, size_t i,
                         const struct cw__node *n);

static bool filter_true(struct eval *E, const struct expr *e,
                        const struct cw__node *cur);

/* Visits child `c` of `n` (member `name` or element `index`). */
static void visit(struct eval *E, const struct query *q, size_t i,
                  const struct cw__node *c, const char *name, size_t index)
{
    if (E->stop || !push_step(E, name, index)) {
        E->stop = true;
        return;
    }
    run_segments(E, q, i + 1, c);
    E->nloc--;
}

static long long norm_index(long long i, long long len)
{
    return i >= 0 ? i : len + i;
}

static void apply_selector(struct eval *E, const struct query *q, size_t i,
                           const struct selector *s, const struct cw__node *n)
{
    size_t k;

    switch (s->kind) {
    case SEL_NAME:
        if (n->kind != CW__NODE_MAP)
            return;
        for (k = 0; k < n->n; k++) {
            const struct cw__node *key = n->kids[2 * k];
            if (key->len == s->name_len &&
                memcmp(key->str, s->name, s->name_len) == 0) {
                visit(E, q, i, n->kids[2 * k + 1], key->str, 0);
                return;
            }
        }
        return;
    case SEL_WILD:
        for (k = 0; k < n->n && !E->stop; k++) {
            if (n->kind == CW__NODE_MAP)
                visit(E, q, i, n->kids[2 * k + 1], n->kids[2 * k]->str, 0);
            else if (n->kind == CW__NODE_SEQ)
                visit(E, q, i, n->kids[k], NULL, k);
        }
        return;
    case SEL_INDEX: {
        long long len = (long long)n->n, idx;
        if (n->kind != CW__NODE_SEQ)
            return;
        idx = norm_index(s->index, len);
        if (idx >= 0 && idx < len)
            visit(E, q, i, n->kids[idx], NULL, (size_t)idx);
        return;
    }
    case SEL_SLICE: {
        long long len = (long long)n->n, step = s->has_step ? s->step : 1;
        long long lo, hi, x;
        if (n->kind != CW__NODE_SEQ || step == 0)
            return;
        if (step > 0) {
            long long a = s->has_start ? norm_index(s->start, len) : 0;
            long long b = s->has_end ? norm_index(s->end, len) : len;
            lo = a < 0 ? 0 : a > len ? len : a;
            hi = b < 0 ? 0 : b > len ? len : b;
            for (x = lo; x < hi && !E->stop; x += step)
                visit(E, q, i, n->kids[x], NULL, (size_t)x);
        } else {
            long long a = s->has_start ? norm_index(s->start, len) : len - 1;
            long long b = s->has_end ? norm_index(s->end, len) : -len - 1;
            hi = a < -1 ? -1 : a > len - 1 ? len - 1 : a;
            lo = b < -1 ? -1 : b > len - 1 ? len - 1 : b;
            for (x = hi; lo < x && !E->stop; x += step)
                visit(E, q, i, n->kids[x], NULL, (size_t)x);
        }
        return;
    }
    case SEL_FILTER:
        for (k = 0; k < n->n && !E->stop; k++) {
            const struct cw__node *c = n->kind == CW__NODE_MAP
                                           ? n->kids[2 * k + 1]
                                           : n->kids[k];
            if (n->kind != CW__NODE_MAP && n->kind != CW__NODE_SEQ)
                return;
            if (filter_true(E, s->filter, c))
                visit(E, q, i, c,
                      n->kind == CW__NODE_MAP ? n->kids[2 * k]->str : NULL,
                      k);
        }
        return;
    }
}

static void descend(struct eval *E, const struct query *q, size_t i,
                    const struct cw__node *n)
{
    const struct segment *seg = &q->segs[i];
    size_t k;

    for (k = 0; k < seg->n && !E->stop; k++)
        apply_selector(E, q, i, &seg->sels[k], n);
    for (k = 0; k < n->n && !E->stop; k++) {
        bool map = n->kind == CW__NODE_MAP;
        const struct cw__node *c = map ? n->kids[2 * k + 1] : n->kids[k];
        if (n->kind == CW__NODE_SCALAR)
            break;
        if (!push_step(E, map ? n->kids[2 * k]->str : NULL, k)) {
            E->stop = true;
            return;
        }
        descend(E, q, i, c);
        E->nloc--;
    }
}

static void run_segments(struct eval *E, const struct query *q, size_t i,
                         const struct cw__node *n)
{
    size_t k;
    if (E->stop)
        return;
    if (i == q->n) {
        struct cw__jp_loc loc = { E->loc, E->nloc };
        if (!E->fn(E->arg, n, &loc))
            E->stop = true;
        return;
    }
    if (q->segs[i].descendant) {
        descend(E, q, i, n);
        return;
    }
    for (k = 0; k < q->segs[i].n && !E->stop; k++)
        apply_selector(E, q, i, &q->segs[i].sels[k], n);
}

/* Node lists for filter queries. */
struct nodes {
    const struct cw__node *v[2]; /* the first two: enough for value() */
    size_t n;
    bool any_only; /* stop at the first node (existence test) */
};

static bool collect(void *arg, const struct cw__node *n,
                    const struct cw__jp_loc *loc)
{
    struct nodes *ns = arg;
    (void)loc;
    if (ns->n < 2)
        ns->v[ns->n] = n;
    ns->n++;
    return !ns->any_only;
}

static void run_query(struct eval *E, const struct query *q,
                      const struct cw__node *cur, struct nodes *ns)
{
    struct eval sub;
    eval_init(&sub, E->root, collect, ns);
    run_segments(&sub, q, 0, q->relative ? cur : E->root);
    if (sub.loc != sub.inl)
        cw__free(sub.loc);
    if (sub.st && !E->st)
        E->st = sub.st;
}

/* A value: a node, a number made here, or nothing. */
struct val {
    const struct cw__node *n; /* NULL: nothing */
    struct cw__node tmp;
};

bool cw__node_equal(const struct cw__node *a, const struct cw__node *b)
{
    size_t i, j;
    if (a->kind != b->kind)
        return false;
    if (a->kind == CW__NODE_SCALAR) {
        if (a->type != b->type)
            return false;
        if (a->type == CW__T_NUMBER)
            return a->num == b->num;
        if (a->type == CW__T_STRING)
            return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
        return true;
    }
    if (a->n != b->n)
        return false;
    if (a->kind == CW__NODE_SEQ) {
        for (i = 0; i < a->n; i++)
            if (!cw__node_equal(a->kids[i], b->kids[i]))
                return false;
        return true;
    }
    for (i = 0; i < a->n; i++) {
        const struct cw__node *k = a->kids[2 * i];
        bool found = false;
        for (j = 0; j < b->n && !found; j++) {
            const struct cw__node *bk = b->kids[2 * j];
            if (bk->len == k->len && memcmp(bk->str, k->str, k->len) == 0) {
                if (!cw__node_equal(a->kids[2 * i + 1], b->kids[2 * j + 1]))
                    return false;
                found = true;
            }
        }
        if (!found)
            return false;
    }
    return true;
}

static size_t utf8_count(const char *s, size_t len)
{
    size_t i, n = 0;
    for (i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static void eval_value(struct eval *E, const struct expr *e,
                       const struct cw__node *cur, struct val *out);

static bool regex_call(struct eval *E, const struct expr *e,
                       const struct cw__node *cur)
{
    struct val s, p;
    pcre2_code *re = e->re;
    pcre2_match_data *md;
    bool ok = false;
    int rc;

    eval_value(E, e->args[0], cur, &s);
    eval_value(E, e->args[1], cur, &p);
    if (!s.n || !p.n || s.n->kind != CW__NODE_SCALAR ||
        s.n->type != CW__T_STRING || p.n->kind != CW__NODE_SCALAR ||
        p.n->type != CW__T_STRING)
        return false;
    if (!re && e->args[1]->kind != E_LITERAL)
        re = iregexp(p.n->str, p.n->len, e->fn == FN_MATCH);
    if (!re)
        return false;
    md = pcre2_match_data_create(1, NULL);
    if (md) {
        rc = pcre2_match(re, (PCRE2_SPTR)s.n->str, s.n->len, 0, 0, md, NULL);
        ok = rc >= 0;
        pcre2_match_data_free(md);
    }
    if (re != e->re)
        pcre2_code_free(re);
    return ok;
}

static void eval_value(struct eval *E, const struct expr *e,
                       const struct cw__node *cur, struct val *out)
{
    struct nodes ns;

    memset(out, 0, sizeof(*out));
    switch (e->kind) {
    case E_LITERAL:
        out->n = e->lit;
        return;
    case E_QUERY:
        memset(&ns, 0, sizeof(ns));
        run_query(E, e->q, cur, &ns);
        out->n = ns.n == 1 ? ns.v[0] : NULL;
        return;
    case E_FUNC:
        break;
    default:
        return;
    }
    out->tmp.kind = CW__NODE_SCALAR;
    out->tmp.type = CW__T_NUMBER;
    out->tmp.str = "";
    switch (e->fn) {
    case FN_LENGTH: {
        struct val v;
        eval_value(E, e->args[0], cur, &v);
        if (!v.n)
            return;
        if (v.n->kind == CW__NODE_SCALAR && v.n->type == CW__T_STRING)
            out->tmp.num = (double)utf8_count(v.n->str, v.n->len);
        else if (v.n->kind != CW__NODE_SCALAR)
            out->tmp.num = (double)v.n->n;
        else
            return;
        out->n = &out->tmp;
        return;
    }
    case FN_COUNT:
        memset(&ns, 0, sizeof(ns));
        run_query(E, e->args[0]->q, cur, &ns);
        out->tmp.num = (double)ns.n;
        out->n = &out->tmp;
        return;
    case FN_VALUE:
        memset(&ns, 0, sizeof(ns));
        run_query(E, e->args[0]->q, cur, &ns);
        out->n = ns.n == 1 ? ns.v[0] : NULL;
        return;
    default:
        return;
    }
}

static bool compare(const struct val *a, const struct val *b, enum cmp_op op)
{
    bool eq, lt = false;
    const struct cw__node *x = a->n, *y = b->n;

    if (op == OP_GT || op == OP_GE) /* a > b is b < a */
        return compare(b, a, op == OP_GT ? OP_LT : OP_LE);
    if (!x || !y)
        eq = !x && !y;
    else
        eq = cw__node_equal(x, y);
    if (op == OP_EQ)
        return eq;
    if (op == OP_NE)
        return !eq;
    if (x && y && x->kind == CW__NODE_SCALAR && y->kind == CW__NODE_SCALAR &&
        x->type == y->type) {
        if (x->type == CW__T_NUMBER) {
            lt = x->num < y->num;
        } else if (x->type == CW__T_STRING) {
            size_t m = x->len < y->len ? x->len : y->len;
            int c = memcmp(x->str, y->str, m);
            lt = c < 0 || (c == 0 && x->len < y->len);
        }
    }
    return op == OP_LT ? lt : lt || eq;
}

static bool filter_true(struct eval *E, const struct expr *e,
                        const struct cw__node *cur)
{
    struct nodes ns;
    struct val a, b;

    switch (e->kind) {
    case E_OR:
        return filter_true(E, e->a, cur) || filter_true(E, e->b, cur);
    case E_AND:
        return filter_true(E, e->a, cur) && filter_true(E, e->b, cur);
    case E_NOT:
        return !filter_true(E, e->a, cur);
    case E_QUERY:
        memset(&ns, 0, sizeof(ns));
        ns.any_only = true;
        run_query(E, e->q, cur, &ns);
        return ns.n > 0;
    case E_CMP:
        eval_value(E, e->a, cur, &a);
        eval_value(E, e->b, cur, &b);
        return compare(&a, &b, e->op);
    case E_FUNC:
        if (e->fn == FN_MATCH || e->fn == FN_SEARCH)
            return regex_call(E, e, cur);
        return false;
    default:
        return false;
    }
}

size_t cw__jp_segments(const struct cw__jp *q)
{
    return q->q->n;
}

enum cw_status cw__jp_eval(const struct cw__jp *q, const struct cw__node *root,
                           cw__jp_fn fn, void *arg, struct cw_diag *d)
{
    return cw__jp_eval_prefix(q, q->q->n, root, fn, arg, d);
}

enum cw_status cw__jp_eval_prefix(const struct cw__jp *q, size_t k,
                                  const struct cw__node *root, cw__jp_fn fn,
                                  void *arg, struct cw_diag *d)
{
    struct eval E;
    struct query prefix = *q->q;

    eval_init(&E, root, fn, arg);
    if (k < prefix.n)
        prefix.n = k;
    run_segments(&E, &prefix, 0, root);
    if (E.loc != E.inl)
        cw__free(E.loc);
    if (E.st)
        return cw__diag_set(d, E.st, NULL, 0, 0,
                            E.st == CW_ELIMIT ? "document nests too deeply "
                                                "for a query"
                                              : "out of memory");
    return CW_OK;
}

/* ---- output -------------------------------------------------------------- */

static enum cw_status quoted(struct cw__buf *b, const char *s, size_t len,
                             char q)
{
    enum cw_status st = cw__buf_append(b, &q, 1);
    size_t i;
    for (i = 0; !st && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == (unsigned char)q || c == '\\') {
            char e[2] = { '\\', (char)c };
            st = cw__buf_append(b, e, 2);
        } else if (c == '\b') {
            st = cw__buf_puts(b, "\\b");
        } else if (c == '\f') {
            st = cw__buf_puts(b, "\\f");
        } else if (c == '\n') {
            st = cw__buf_puts(b, "\\n");
        } else if (c == '\r') {
            st = cw__buf_puts(b, "\\r");
        } else if (c == '\t') {
            st = cw__buf_puts(b, "\\t");
        } else if (c < 0x20) {
            st = cw__buf_printf(b, "\\u%04x", c);
        } else {
            st = cw__buf_append(b, s + i, 1);
        }
    }
    return st ? st : cw__buf_append(b, &q, 1);
}

enum cw_status cw__jp_normalized(const struct cw__jp_loc *loc,
                                 struct cw__buf *b)
{
    enum cw_status st = cw__buf_puts(b, "$");
    size_t i;
    for (i = 0; !st && i < loc->n; i++) {
        if (loc->steps[i].name) {
            st = cw__buf_puts(b, "[");
            if (!st)
                st = quoted(b, loc->steps[i].name, strlen(loc->steps[i].name),
                            '\'');
            if (!st)
                st = cw__buf_puts(b, "]");
        } else {
            st = cw__buf_printf(b, "[%zu]", loc->steps[i].index);
        }
    }
    return st;
}

enum cw_status cw__json_write(const struct cw__node *n, struct cw__buf *b)
{
    enum cw_status st = CW_OK;
    size_t i;

    if (n->kind == CW__NODE_SCALAR) {
        switch (n->type) {
        case CW__T_STRING:
            return quoted(b, n->str, n->len, '"');
        case CW__T_NUMBER:
            /* The text as written when it is JSON (keeps 1.50 as 1.50,
             * and 1e999999 or a 100-digit integer exact, though no double
             * holds them); YAML forms such as 0x1F or +1 are printed from
             * the value. */
            if (n->len && (n->str[0] == '-' || is_digit(n->str[0])) &&
                strspn(n->str, "-+.eE0123456789") == n->len &&
                !(n->str[0] == '0' && n->len > 1 && is_digit(n->str[1])))
                return cw__buf_append(b, n->str, n->len);
            if (isnan(n->num) || isinf(n->num))
                return cw__buf_puts(b, "null"); /* YAML .inf/.nan */
            if (n->num == floor(n->num) && fabs(n->num) < 1e15)
                return cw__buf_printf(b, "%.0f", n->num);
            return cw__buf_printf(b, "%.17g", n->num);
        case CW__T_TRUE:
            return cw__buf_puts(b, "true");
        case CW__T_FALSE:
            return cw__buf_puts(b, "false");
        default:
            return cw__buf_puts(b, "null");
        }
    }
    st = cw__buf_puts(b, n->kind == CW__NODE_MAP ? "{" : "[");
    for (i = 0; !st && i < n->n; i++) {
        if (i)
            st = cw__buf_puts(b, ",");
        if (!st && n->kind == CW__NODE_MAP) {
            st = quoted(b, n->kids[2 * i]->str, n->kids[2 * i]->len, '"');
            if (!st)
                st = cw__buf_puts(b, ":");
            if (!st)
                st = cw__json_write(n->kids[2 * i + 1], b);
        } else if (!st) {
            st = cw__json_write(n->kids[i], b);
        }
    }
    return st ? st : cw__buf_puts(b, n->kind == CW__NODE_MAP ? "}" : "]");
}
