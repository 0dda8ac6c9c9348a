/*
 * jw.c - the JSON emitter of jw.h. Arrays are written lazily: OSCAL
 * refuses an empty array, so one that stays empty leaves no trace.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jw.h"
#include "table.h"

void jw_init(struct jw *w, struct cw__buf *b)
{
    memset(w, 0, sizeof(*w));
    w->b = b;
    w->f[0].first = true;
}

static void put(struct jw *w, const char *s)
{
    if (!w->st)
        w->st = cw__buf_puts(w->b, s);
}

static void indent(struct jw *w, int depth)
{
    static const char sp[] = "                                                ";
    put(w, "\n");
    if (!w->st && depth > 0)
        w->st = cw__buf_append(w->b, sp, (size_t)(depth * 2) < sizeof(sp) - 1
                                             ? (size_t)(depth * 2)
                                             : sizeof(sp) - 1);
}

static void key_out(struct jw *w, const char *key)
{
    if (key) {
        if (!w->st)
            w->st = cw__json_string_buf(w->b, key);
        put(w, ": ");
    }
}

/* Writes every pending array up to frame `upto` (their keys, their
 * brackets): something is about to be written inside it. */
static void flush(struct jw *w, int upto)
{
    int i;

    for (i = 1; i <= upto; i++) {
        if (!w->f[i].pending)
            continue;
        if (!w->f[i - 1].first)
            put(w, ",");
        w->f[i - 1].first = false;
        indent(w, i - 1);
        key_out(w, w->f[i].key);
        put(w, "[");
        w->f[i].pending = false;
    }
}

/* Starts a member or element in the current frame. */
static void begin(struct jw *w, const char *key)
{
    flush(w, w->depth);
    if (!w->f[w->depth].first)
        put(w, ",");
    w->f[w->depth].first = false;
    if (w->depth > 0 || !w->f[0].array)
        indent(w, w->depth);
    key_out(w, key);
}

static bool push(struct jw *w, const char *key, bool array)
{
    if (w->st)
        return false;
    if (w->depth + 1 >= JW_DEPTH) {
        w->st = CW_ELIMIT;
        return false;
    }
    w->depth++;
    memset(&w->f[w->depth], 0, sizeof(w->f[w->depth]));
    w->f[w->depth].key = key;
    w->f[w->depth].first = true;
    w->f[w->depth].array = array;
    return true;
}

void jw_obj(struct jw *w, const char *key)
{
    if (w->st)
        return;
    if (w->depth == 0 && w->f[0].first && !key) {
        put(w, "{"); /* the document itself */
        push(w, NULL, false);
        return;
    }
    begin(w, key);
    put(w, "{");
    push(w, key, false);
}

void jw_arr(struct jw *w, const char *key)
{
    if (push(w, key, true))
        w->f[w->depth].pending = true;
}

void jw_end(struct jw *w)
{
    if (w->st || w->depth == 0)
        return;
    if (w->f[w->depth].pending) { /* an empty array: never written */
        w->depth--;
        return;
    }
    if (!w->f[w->depth].first)
        indent(w, w->depth - 1);
    put(w, w->f[w->depth].array ? "]" : "}");
    w->depth--;
    if (w->depth == 0)
        put(w, "\n");
}

void jw_str(struct jw *w, const char *key, const char *val)
{
    if (w->st || !val || !*val)
        return;
    begin(w, key);
    if (!w->st)
        w->st = cw__json_string_buf(w->b, val);
}

void jw_line(struct jw *w, const char *key, const char *val)
{
    char buf[4096];
    size_t n = 0;
    bool space = false;

    if (!val)
        return;
    for (; *val && n + 2 < sizeof(buf); val++) {
        if (*val == ' ' || *val == '\t' || *val == '\n' || *val == '\r') {
            space = n > 0;
            continue;
        }
        if (space)
            buf[n++] = ' ';
        space = false;
        buf[n++] = *val;
    }
    /* A cut in the middle of a UTF-8 sequence would not be text. */
    while (n > 0 && ((unsigned char)buf[n - 1] & 0xC0) == 0x80)
        n--;
    if (n > 0 && (unsigned char)buf[n - 1] >= 0xC0)
        n--;
    buf[n] = '\0';
    jw_str(w, key, buf);
}

void jw_strf(struct jw *w, const char *key, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    jw_str(w, key, buf);
}

void jw_int(struct jw *w, const char *key, long long v)
{
    char buf[32];

    if (w->st)
        return;
    begin(w, key);
    snprintf(buf, sizeof(buf), "%lld", v);
    put(w, buf);
}

void jw_bool(struct jw *w, const char *key, bool v)
{
    if (w->st)
        return;
    begin(w, key);
    put(w, v ? "true" : "false");
}

