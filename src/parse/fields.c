/*
 * fields.c - a request's named values (cw_fields.h): a flat JSON object
 * (through the JSON parser every loader uses) or a form body. Every
 * value is NUL-terminated valid UTF-8; a value holding a NUL byte is
 * refused, so no later C string stops short of what was sent.
 */
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>

#include <cloudward/cw_fields.h>

#include "../core/core.h"
#include "node.h"

#define VALUE_MAX ((size_t)256 << 10)
#define NAME_MAX_ 64

struct cw_fields {
    size_t n;
    char *name[CW_FIELDS_MAX];
    char *value[CW_FIELDS_MAX];
};

void cw_fields_free(struct cw_fields *f)
{
    size_t i;
    if (!f)
        return;
    for (i = 0; i < f->n; i++) {
        cw__free(f->name[i]);
        cw__free(f->value[i]);
    }
    cw__free(f);
}

const char *cw_fields_get(const struct cw_fields *f, const char *name)
{
    size_t i;
    for (i = 0; f && i < f->n; i++)
        if (strcmp(f->name[i], name) == 0)
            return f->value[i];
    return NULL;
}

size_t cw_fields_count(const struct cw_fields *f)
{
    return f ? f->n : 0;
}

static bool name_ok(const char *s, size_t n)
{
    size_t i;
    if (n == 0 || n > NAME_MAX_)
        return false;
    for (i = 0; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789_.-",
                    s[i]) ||
            s[i] == '\0')
            return false;
    return true;
}

/* Adds name[0..nn) = value[0..vn): copies both. */
static enum cw_status add(struct cw_fields *f, const char *name, size_t nn,
                          const char *value, size_t vn, const char *what,
                          struct cw_diag *d)
{
    char *a, *b;
    size_t i;
    if (!name_ok(name, nn))
        return cw__diag_set(d, CW_EPARSE, what, 0, 0,
                            "a field name is 1 to 64 of A-Z, a-z, 0-9, "
                            "'_', '.' and '-'");
    if (vn > VALUE_MAX || !cw__utf8_text(value, vn, true))
        return cw__diag_set(d, CW_EPARSE, what, 0, 0,
                            "field '%.*s': a value is up to 256 KiB of "
                            "UTF-8 text without control characters",
                            (int)nn, name);
    for (i = 0; i < f->n; i++)
        if (strlen(f->name[i]) == nn && memcmp(f->name[i], name, nn) == 0)
            return cw__diag_set(d, CW_EPARSE, what, 0, 0,
                                "field '%.*s' is given twice", (int)nn,
                                name);
    if (f->n == CW_FIELDS_MAX)
        return cw__diag_set(d, CW_ELIMIT, what, 0, 0,
                            "more than %d fields", CW_FIELDS_MAX);
    a = cw__malloc(nn + 1);
    b = cw__malloc(vn + 1);
    if (!a || !b) {
        cw__free(a);
        cw__free(b);
        return cw__diag_set(d, CW_ENOMEM, what, 0, 0, "out of memory");
    }
    memcpy(a, name, nn);
    a[nn] = '\0';
    memcpy(b, value, vn);
    b[vn] = '\0';
    f->name[f->n] = a;
    f->value[f->n++] = b;
    return CW_OK;
}

enum cw_status cw_fields_json(const char *buf, size_t len,
                              struct cw_fields **out, struct cw_diag *d)
{
    struct cw__yaml_limits lim = { 4, (size_t)32 << 20, false };
    struct cw__arena arena;
    struct cw__node *root;
    struct cw_fields *f;
    enum cw_status st;
    size_t i;

    *out = NULL;
    if (len > ((size_t)1 << 20))
        return cw__diag_set(d, CW_ELIMIT, "(body)", 0, 0,
                            "a JSON body is at most 1 MiB");
    cw__arena_init(&arena, (size_t)32 << 20);
    if ((st = cw__json_parse(&arena, "(body)", buf, len, &lim, &root, d))) {
        cw__arena_release(&arena);
        return st;
    }
    if (root->kind != CW__NODE_MAP) {
        /* The position before the tree it lives in is released. */
        st = cw__diag_set(d, CW_EPARSE, "(body)", root->line, root->col,
                          "expected a JSON object of named values");
        cw__arena_release(&arena);
        return st;
    }
    if (!(f = cw__calloc(1, sizeof(*f)))) {
        cw__arena_release(&arena);
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (i = 0; i < root->n && !st; i++) {
        const struct cw__node *k = root->kids[2 * i], *v = root->kids[2 * i + 1];
        if (v->kind != CW__NODE_SCALAR) {
            st = cw__diag_set(d, CW_EPARSE, "(body)", v->line, v->col,
                              "field '%s': expected a string, number or "
                              "boolean, not an %s",
                              k->str,
                              v->kind == CW__NODE_MAP ? "object" : "array");
            break;
        }
        if (v->type == CW__T_NULL)
            continue;
        if (strlen(k->str) != k->len || strlen(v->str) != v->len) {
            st = cw__diag_set(d, CW_EPARSE, "(body)", v->line, v->col,
                              "a name or value holds a NUL character");
            break;
        }
        st = add(f, k->str, k->len, v->str, v->len, "(body)", d);
        if (st)
            d->line = v->line, d->col = v->col;
    }
    cw__arena_release(&arena);
    if (st) {
        cw_fields_free(f);
        return st;
    }
    *out = f;
    return CW_OK;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes p[0..n) into out (n bytes at least); -1 on a bad escape. */
static long long decode(const char *p, size_t n, char *out)
{
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        if (p[i] == '+') {
            out[o++] = ' ';
        } else if (p[i] == '%') {
            int h, l;
            if (i + 2 >= n)
                return -1;
            h = hexval(p[i + 1]);
            l = hexval(p[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            out[o++] = (char)(h * 16 + l);
            i += 2;
        } else {
            out[o++] = p[i];
        }
    }
    return (long long)o;
}

enum cw_status cw_fields_form(const char *buf, size_t len,
                              struct cw_fields **out, struct cw_diag *d)
{
    struct cw_fields *f;
    enum cw_status st = CW_OK;
    char *name = NULL, *value = NULL;
    size_t at = 0;

    *out = NULL;
    if (len > ((size_t)1 << 20))
        return cw__diag_set(d, CW_ELIMIT, "(form)", 0, 0,
                            "a form is at most 1 MiB");
    if (!(f = cw__calloc(1, sizeof(*f))) || !(name = cw__malloc(len + 1)) ||
        !(value = cw__malloc(len + 1))) {
        cw__free(f);
        cw__free(name);
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    while (at < len && !st) {
        const char *p = buf + at, *amp = memchr(p, '&', len - at),
                   *end = amp ? amp : buf + len,
                   *eq = memchr(p, '=', (size_t)(end - p));
        long long nn, vn;
        at = (size_t)(end - buf) + (amp ? 1 : 0);
        if (end == p)
            continue; /* "a=1&&b=2" */
        nn = decode(p, (size_t)((eq ? eq : end) - p), name);
        vn = eq ? decode(eq + 1, (size_t)(end - eq - 1), value) : 0;
        if (nn < 0 || vn < 0)
            st = cw__diag_set(d, CW_EPARSE, "(form)", 0, 0,
                              "a '%%' not followed by two hex digits");
        else if (memchr(name, '\0', (size_t)nn) ||
                 memchr(value, '\0', (size_t)vn))
            st = cw__diag_set(d, CW_EPARSE, "(form)", 0, 0,
                              "a name or value holds a NUL character");
        else
            st = add(f, name, (size_t)nn, value, (size_t)vn, "(form)", d);
    }
    cw__free(name);
    cw__free(value);
    if (st) {
        cw_fields_free(f);
        return st;
    }
    *out = f;
    return CW_OK;
}

void cw_json_quote(FILE *out, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    putc('"', out);
    for (; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&' ||
                *p == 0x7f) {
                fputs("\\u00", out);
                putc(hex[*p >> 4], out);
                putc(hex[*p & 15], out);
            } else {
                putc(*p, out);
            }
        }
    }
    putc('"', out);
}
