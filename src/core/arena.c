/*
 * arena.c - bump allocator for data that dies together (parse trees, loaded
 * catalogs and scopes). Chunks grow geometrically up to 1 MiB; a request
 * larger than a chunk gets a chunk of its own. An optional byte limit turns
 * runaway input into CW_ELIMIT (reported by callers) instead of exhausting
 * memory. Rejected alternative: one malloc per node, which costs a free per
 * node and makes cleanup on error paths a long list.
 */
#include <stdio.h>
#include <string.h>

#include "core.h"

struct cw__arena_chunk {
    struct cw__arena_chunk *next;
    size_t size;
    bool bulk; /* a bulk block (cw__bulk_get) */
    max_align_t data[];
};

#define ARENA_MIN_CHUNK ((size_t)4096)
#define ARENA_MAX_CHUNK ((size_t)1 << 20)

void cw__arena_init(struct cw__arena *a, size_t limit)
{
    memset(a, 0, sizeof(*a));
    a->limit = limit;
}

void cw__arena_init_bulk(struct cw__arena *a, size_t limit)
{
    cw__arena_init(a, limit);
    a->bulk = true;
}

static void free_chunk(struct cw__arena_chunk *c)
{
    if (c->bulk)
        cw__bulk_put(c);
    else
        cw__free(c);
}

static void free_chunks(struct cw__arena_chunk *c)
{
    while (c) {
        struct cw__arena_chunk *next = c->next;
        free_chunk(c);
        c = next;
    }
}

void cw__arena_release(struct cw__arena *a)
{
    free_chunks(a->head);
    free_chunks(a->spare);
    a->head = a->spare = NULL;
    a->used = a->total = 0;
    a->failed = false;
}

void *cw__arena_alloc_raw(struct cw__arena *a, size_t n)
{
    size_t need = (n + 7u) & ~(size_t)7u;
    void *p;

    if (need < n || (a->limit && (a->total + need > a->limit ||
                                   a->total + need < need))) {
        a->failed = true;
        return NULL;
    }
    if ((!a->head || a->head->size - a->used < need) && a->spare &&
        a->spare->size >= need) {
        struct cw__arena_chunk *c = a->spare; /* recycled: no malloc */
        a->spare = c->next;
        c->next = a->head;
        a->head = c;
        a->used = 0;
    }
    if (!a->head || a->head->size - a->used < need) {
        size_t size = a->head ? a->head->size * 2 : ARENA_MIN_CHUNK;
        struct cw__arena_chunk *c;
        bool bulk = a->bulk && need <= CW__BULK_BLOCK - sizeof(*c);
        if (bulk)
            size = CW__BULK_BLOCK - sizeof(*c);
        else if (size > ARENA_MAX_CHUNK)
            size = ARENA_MAX_CHUNK;
        if (size < need)
            size = need;
        c = bulk ? cw__bulk_get() : cw__malloc(sizeof(*c) + size);
        if (!c) {
            a->failed = true;
            return NULL;
        }
        c->size = size;
        c->bulk = bulk;
        c->next = a->head;
        a->head = c;
        a->used = 0;
    }
    p = (char *)a->head->data + a->used;
    a->used += need;
    a->total += need;
    return p;
}

void *cw__arena_alloc(struct cw__arena *a, size_t n)
{
    void *p = cw__arena_alloc_raw(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *cw__arena_strndup(struct cw__arena *a, const char *s, size_t n)
{
    char *d = cw__arena_alloc_raw(a, n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *cw__arena_strdup(struct cw__arena *a, const char *s)
{
    return cw__arena_strndup(a, s, strlen(s));
}

char *cw__arena_printf(struct cw__arena *a, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *d;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    d = cw__arena_alloc(a, (size_t)n + 1);
    if (!d)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}

void cw__arena_recycle(struct cw__arena *a)
{
    while (a->head) {
        struct cw__arena_chunk *c = a->head;
        a->head = c->next;
        c->next = a->spare;
        a->spare = c;
    }
    a->used = a->total = 0;
    a->failed = false;
}

void cw__arena_reset(struct cw__arena *a)
{
    struct cw__arena_chunk *keep = a->head, *c;

    if (!keep)
        return;
    /* Keep the newest (largest) chunk, free the rest: a loop that fills
     * and empties an arena per item settles on one chunk and no malloc. */
    c = keep->next;
    while (c) {
        struct cw__arena_chunk *next = c->next;
        free_chunk(c);
        c = next;
    }
    keep->next = NULL;
    a->used = 0;
    a->total = 0;
    a->failed = false;
}
