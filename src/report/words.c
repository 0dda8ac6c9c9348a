/*
 * words.c - a config result's reason, for people.
 *
 * A config rule judges the JSONPath it was written with, and its reason
 * says so exactly: "no element of $.logging[*] (0) qualifies". That is the
 * right record (the JSON report keeps it as reason_jsonpath) and the wrong
 * sentence for a reader, who wants the attribute and the value: "logging
 * is not set". cw__reason_words rewrites the few phrasings the config
 * rules use and every JSONPath in them into attribute names, and copies
 * everything else as it is. It never adds a fact and never drops one but
 * the syntax.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <cloudward/cw_report.h>

#include "table.h"

struct out {
    char *s;
    size_t n, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
    while (n-- && o->n + 1 < o->cap)
        o->s[o->n++] = *s++;
    o->s[o->n] = '\0';
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

/* Length of the bracketed part at s ('['), quotes and nesting included;
 * 0 when it does not close. */
static size_t bracket_len(const char *s)
{
    size_t i = 0;
    int depth = 0;
    char q = 0;

    for (; s[i]; i++) {
        char c = s[i];
        if (q) {
            if (c == '\\' && s[i + 1])
                i++;
            else if (c == q)
                q = 0;
        } else if (c == '\'' || c == '"') {
            q = c;
        } else if (c == '[') {
            depth++;
        } else if (c == ']' && --depth == 0) {
            return i + 1;
        }
    }
    return 0;
}

static bool name_char(char c)
{
    return c && !strchr(" \t.[]();,'\"", c);
}

/* Length of the JSONPath starting at s ('$'), 0 when it is none. A path
 * starts a word: "$", "$.a", "$[0]", "$..[?...]". */
static size_t path_len(const char *s)
{
    size_t i = 1;

    if (s[0] != '$')
        return 0;
    for (;;) {
        if (s[i] == '.' && s[i + 1] == '.') {
            i += 2;
        } else if (s[i] == '.' && name_char(s[i + 1])) {
            i++;
        } else if (s[i] == '[') {
            size_t b = bracket_len(s + i);
            if (!b)
                return i;
            i += b;
            continue;
        } else {
            return s[i] && name_char(s[i]) ? 0 : i;
        }
        while (name_char(s[i]))
            i++;
    }
}

/* A filter's expression in words: "@.Effect" is "Effect", "@" is "it". */
static void filter_words(struct out *o, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (s[i] == '@' && i + 1 < n && s[i + 1] == '.') {
            i++;
            continue;
        }
        if (s[i] == '@') {
            puts_(o, "it");
            continue;
        }
        put(o, s + i, 1);
    }
}

/* The path s[0..n) as an attribute: "$.a[*].b" is "a.b", "$.a[2]" is
 * "a[2]", "$" is "the value", "$..[?@.X == 1]" is "an element where
 * X == 1", "$..name" is "name (at any depth)". */
static void path_words(struct out *o, const char *s, size_t n)
{
    size_t i = 1, start = o->n;
    bool deep = false, any = false;

    if (n == 1) {
        puts_(o, "the value");
        return;
    }
    while (i < n) {
        if (s[i] == '.' && i + 1 < n && s[i + 1] == '.') {
            deep = true;
            i += 2;
            continue;
        }
        if (s[i] == '.' || (deep && name_char(s[i]) && s[i - 1] == '.')) {
            size_t j = s[i] == '.' ? ++i : i;
            while (j < n && name_char(s[j]))
                j++;
            if (o->n > start)
                puts_(o, ".");
            put(o, s + i, j - i);
            any = true;
            i = j;
            continue;
        }
        if (s[i] == '[') {
            size_t b = bracket_len(s + i);
            const char *in = s + i + 1;
            size_t m = b - 2;
            if (!b || i + b > n)
                break;
            if (m == 1 && *in == '*') {
                /* every element: the attribute itself */
            } else if (m >= 2 && (*in == '\'' || *in == '"')) {
                if (o->n > start)
                    puts_(o, ".");
                put(o, in + 1, m - 2);
                any = true;
            } else if (m && *in == '?') {
                puts_(o, any ? " where " : "an element where ");
                filter_words(o, in + 1, m - 1);
                any = true;
            } else {
                put(o, s + i, b);
            }
            i += b;
            continue;
        }
        break;
    }
    if (deep && any && !strstr(o->s + start, "where"))
        puts_(o, " (at any depth)");
}

/* Reads a decimal at s into *v; returns its length (0: none). */
static size_t number(const char *s, unsigned long *v)
{
    size_t i = 0;
    *v = 0;
    while (s[i] >= '0' && s[i] <= '9')
        *v = *v * 10 + (unsigned long)(s[i++] - '0');
    return i;
}

static bool starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

size_t cw__reason_words(const char *in, char *buf, size_t cap)
{
    struct out o = { buf, 0, cap };
    size_t i = 0;

    if (!cap)
        return 0;
    buf[0] = '\0';
    while (in[i]) {
        const char *s = in + i;
        bool word_start = i == 0 || in[i - 1] == ' ' || in[i - 1] == '(';
        unsigned long n = 0;
        size_t p, k;

        if (word_start && starts(s, "no element of $") &&
            (p = path_len(s + 14)) && starts(s + 14 + p, " (") &&
            (k = number(s + 16 + p, &n)) &&
            starts(s + 16 + p + k, ") qualifies")) {
            if (n == 0) {
                path_words(&o, s + 14, p);
                puts_(&o, " is not set");
            } else if (n == 1) {
                path_words(&o, s + 14, p);
                puts_(&o, " does not qualify");
            } else {
                char num[24];
                snprintf(num, sizeof(num), "%lu", n);
                puts_(&o, "none of the ");
                puts_(&o, num);
                puts_(&o, " ");
                path_words(&o, s + 14, p);
                puts_(&o, " qualifies");
            }
            i += 16 + p + k + 11;
            continue;
        }
        if (word_start && (k = number(s, &n)) && starts(s + k, " node(s) at $") &&
            (p = path_len(s + k + 12))) {
            if (n)
                put(&o, s, k);
            puts_(&o, n ? " found: " : "none found: ");
            path_words(&o, s + k + 12, p);
            i += k + 12 + p;
            continue;
        }
        if (word_start && starts(s, "an element of $") &&
            (p = path_len(s + 14))) {
            puts_(&o, "an entry of ");
            path_words(&o, s + 14, p);
            i += 14 + p;
            continue;
        }
        if (word_start && *s == '$' && (p = path_len(s))) {
            path_words(&o, s, p);
            /* "$.ingress[*] #3: ..." is "ingress[3]: ..." */
            if (starts(s + p, " #") && (k = number(s + p + 2, &n)) &&
                s[p + 2 + k] == ':') {
                puts_(&o, "[");
                put(&o, s + p + 2, k);
                puts_(&o, "]");
                i += p + 2 + k;
            } else {
                i += p;
            }
            continue;
        }
        put(&o, s, 1);
        i++;
    }
    return o.n;
}

size_t cw_reason_words(const char *reason, char *buf, size_t n)
{
    return cw__reason_words(reason, buf, n);
}
