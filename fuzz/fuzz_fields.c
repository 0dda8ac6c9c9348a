/*
 * fuzz_fields.c - libFuzzer target for a request's named values
 * (src/parse/fields.c), which the server runs on every body and query
 * string it is sent. Input: one byte choosing the reader (even: a JSON
 * object, odd: a form), then the body.
 *
 * Whatever the input: no crash, leak or overrun; an error leaves no
 * result. When the body is accepted, every field is checked against a
 * second, independent reading of the same body: the same count, each
 * name found by cw_fields_get with the very value sent (so no value holds
 * a NUL or stops short), each name 1 to 64 of [A-Za-z0-9_.-], each value
 * UTF-8 without control characters other than tab, CR and LF. And the
 * other way round: a body that reading finds good must be accepted.
 * (For JSON the second reading walks the JSON parser's tree, whose
 * correctness fuzz_json checks; for forms it splits and decodes anew.)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cloudward/cw_fields.h>

#include "../src/parse/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELDS_NAME_MAX 64
#define FIELDS_VALUE_MAX ((size_t)64 << 10)
#define FIELDS_BODY_MAX ((size_t)1 << 20)

static bool name_good(const char *s, size_t n)
{
    size_t i;
    if (n < 1 || n > FIELDS_NAME_MAX)
        return false;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

/* UTF-8 (RFC 3629: no overlong forms, surrogates or code points above
 * U+10FFFF) without NUL or control characters but tab, CR and LF. */
static bool text_good(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t k, j;
        unsigned long cp;
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') ||
                c == 0x7f)
                return false;
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            k = 2, cp = c & 0x1fu;
        else if (c >= 0xe0 && c <= 0xef)
            k = 3, cp = c & 0x0fu;
        else if (c >= 0xf0 && c <= 0xf4)
            k = 4, cp = c & 0x07u;
        else
            return false;
        if (n - i < k)
            return false;
        for (j = 1; j < k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + j] & 0x3fu);
        }
        if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k;
    }
    return true;
}

/* Checks an accepted field against the value this reading expects. */
static void check_field(const struct cw_fields *f, const char *name,
                        const char *want, size_t wn)
{
    const char *got = cw_fields_get(f, name);
    if (!got || strlen(got) != wn || memcmp(got, want, wn) != 0 ||
        !name_good(name, strlen(name)) ||
        !text_good((const unsigned char *)got, wn))
        abort();
}

static void fuzz_json(const char *body, size_t len)
{
    struct cw__yaml_limits lim = { 64, (size_t)16 << 20, false };
    struct cw__arena arena;
    struct cw__node *root = NULL;
    struct cw_fields *f = NULL;
    struct cw_diag d;
    enum cw_status st, tree;
    size_t i, count = 0;
    bool good;

    cw_diag_clear(&d);
    st = cw_fields_json(body, len, &f, &d);
    if (st && f)
        abort();
    if (!st && (!f || cw_fields_count(f) > CW_FIELDS_MAX))
        abort();

    /* The second reading. */
    cw__arena_init(&arena, (size_t)32 << 20);
    tree = cw__json_parse(&arena, "(fuzz)", body, len, &lim, &root, &d);
    good = len <= FIELDS_BODY_MAX && !tree && root->kind == CW__NODE_MAP;
    for (i = 0; good && i < root->n; i++) {
        const struct cw__node *k = root->kids[2 * i],
                              *v = root->kids[2 * i + 1];
        if (v->kind != CW__NODE_SCALAR) {
            good = false;
        } else if (v->type != CW__T_NULL) {
            good = strlen(k->str) == k->len && strlen(v->str) == v->len &&
                   name_good(k->str, k->len) && v->len <= FIELDS_VALUE_MAX &&
                   text_good((const unsigned char *)v->str, v->len);
            count++;
        }
    }
    if (good && count > CW_FIELDS_MAX)
        good = false;
    /* Accepted what is bad, or refused what is good (but for a large body
     * of many null members, whose tree may outgrow the reader's cap). */
    if ((!good && !st) ||
        (good && st && !(st == CW_ELIMIT && len > ((size_t)64 << 10))))
        abort();
    if (!st) {
        if (cw_fields_count(f) != count)
            abort();
        for (i = 0; i < root->n; i++) {
            const struct cw__node *k = root->kids[2 * i],
                                  *v = root->kids[2 * i + 1];
            if (v->type == CW__T_NULL) {
                if (cw_fields_get(f, k->str)) /* null is absent */
                    abort();
            } else {
                check_field(f, k->str, v->str, v->len);
            }
        }
    } else if (st != CW_EPARSE && st != CW_ELIMIT && st != CW_ENOMEM) {
        abort();
    }
    cw__arena_release(&arena);
    cw_fields_free(f);
}

static int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into out, its length to *on; false on a bad
 * escape (*on then what was decoded before it). */
static bool unescape(const char *s, size_t n, char *out, size_t *on)
{
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (n - i < 3 || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0) {
                *on = o;
                return false;
            }
            out[o++] = (char)(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    *on = o;
    return true;
}

/* A part of a form, decoded, its name and value NUL-terminated. */
struct part {
    char *name, *value;
    size_t nn, vn;
};

static void fuzz_form(const char *body, size_t len)
{
    struct cw_fields *f = NULL;
    struct cw_diag d;
    struct part *parts = calloc(len / 2 + 1, sizeof(*parts));
    char *names = malloc(len + 1), *values = malloc(len + 1);
    enum cw_status st;
    size_t at = 0, np = 0, i, j, used = 0, vused = 0;
    bool good = len <= FIELDS_BODY_MAX;

    if (!parts || !names || !values)
        goto out;
    cw_diag_clear(&d);
    st = cw_fields_form(body, len, &f, &d);
    if (st && f)
        abort();

    /* The second reading: split on '&', then on the first '='. */
    while (good && at < len) {
        size_t end = at, eq;
        struct part *p;
        while (end < len && body[end] != '&')
            end++;
        if (end == at) {
            at = end + 1;
            continue;
        }
        for (eq = at; eq < end && body[eq] != '='; eq++)
            ;
        if (np > len / 2)
            abort(); /* a part takes 2 bytes at least, but one: '&' */
        p = &parts[np++];
        p->name = names + used;
        good = unescape(body + at, eq - at, p->name, &p->nn);
        p->name[p->nn] = '\0';
        used += p->nn + 1;
        p->value = values + vused;
        p->vn = 0;
        if (good && eq < end)
            good = unescape(body + eq + 1, end - eq - 1, p->value, &p->vn);
        p->value[p->vn] = '\0';
        vused += p->vn + 1;
        good = good && memchr(p->name, '\0', p->nn) == NULL &&
               name_good(p->name, p->nn) && p->vn <= FIELDS_VALUE_MAX &&
               text_good((const unsigned char *)p->value, p->vn);
        for (j = 0; good && j + 1 < np; j++)
            if (parts[j].nn == p->nn &&
                memcmp(parts[j].name, p->name, p->nn) == 0)
                good = false; /* given twice */
        at = end + 1;
    }
    if (good && np > CW_FIELDS_MAX)
        good = false;
    if (good != (st == CW_OK))
        abort();
    if (!st) {
        if (cw_fields_count(f) != np)
            abort();
        for (i = 0; i < np; i++)
            check_field(f, parts[i].name, parts[i].value, parts[i].vn);
    } else if (st != CW_EPARSE && st != CW_ELIMIT && st != CW_ENOMEM) {
        abort();
    }
    cw_fields_free(f);
out:
    free(parts);
    free(names);
    free(values);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body;
    if (size < 1)
        return 0;
    /* An exact copy, so that ASan sees a read past the body's end. */
    body = malloc(size - 1 ? size - 1 : 1);
    if (!body)
        return 0;
    memcpy(body, data + 1, size - 1);
    if (data[0] & 1)
        fuzz_form(body, size - 1);
    else
        fuzz_json(body, size - 1);
    free(body);
    return 0;
}
