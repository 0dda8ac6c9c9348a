/*
 * buf.c - capped growable buffers (curl's dynbuf idea): every buffer has a
 * maximum size, so no input can make one grow without bound.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core.h"

void cw__buf_init(struct cw__buf *b, size_t cap)
{
    memset(b, 0, sizeof(*b));
    b->cap = cap;
}

void cw__buf_release(struct cw__buf *b)
{
    cw__free(b->data);
    b->data = NULL;
    b->len = b->alloc = 0;
}

enum cw_status cw__buf_append(struct cw__buf *b, const void *p, size_t n)
{
    if (n > b->cap || b->len > b->cap - n)
        return CW_ELIMIT;
    if (b->len + n + 1 > b->alloc) {
        size_t want = b->alloc ? b->alloc : 256;
        char *d;
        while (want < b->len + n + 1)
            want *= 2;
        if (want > b->cap + 1)
            want = b->cap + 1;
        d = cw__realloc(b->data, want);
        if (!d)
            return CW_ENOMEM;
        b->data = d;
        b->alloc = want;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return CW_OK;
}

enum cw_status cw__buf_puts(struct cw__buf *b, const char *s)
{
    return cw__buf_append(b, s, strlen(s));
}

enum cw_status cw__buf_printf(struct cw__buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    int n;
    enum cw_status st;
    char *big;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return CW_EINVAL;
    if ((size_t)n < sizeof(small))
        return cw__buf_append(b, small, (size_t)n);
    big = cw__malloc((size_t)n + 1);
    if (!big)
        return CW_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    st = cw__buf_append(b, big, (size_t)n);
    cw__free(big);
    return st;
}

enum cw_status cw__read_file(const char *path, struct cw__buf *b,
                             struct cw_diag *d)
{
    char chunk[65536];
    FILE *f = fopen(path, "rb");
    enum cw_status st = CW_OK;

    if (!f)
        return cw__diag_set(d, errno == ENOENT ? CW_ENOENT : CW_EIO, path, 0,
                            0, "cannot open: %s", strerror(errno));
    for (;;) {
        size_t n = fread(chunk, 1, sizeof(chunk), f);
        if (n) {
            st = cw__buf_append(b, chunk, n);
            if (st == CW_ELIMIT) {
                cw__diag_set(d, st, path, 0, 0,
                             "file is larger than the %zu-byte limit",
                             b->cap);
                break;
            }
            if (st) {
                cw__diag_set(d, st, path, 0, 0, "out of memory");
                break;
            }
        }
        if (n < sizeof(chunk)) {
            if (ferror(f))
                st = cw__diag_set(d, CW_EIO, path, 0, 0, "read error");
            break;
        }
    }
    fclose(f);
    if (!st && !b->data)
        st = cw__buf_append(b, "", 0);
    return st;
}
