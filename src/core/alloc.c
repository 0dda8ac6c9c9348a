/*
 * alloc.c - the hookable allocator (Lua's lua_Alloc idea). All memory of
 * libcloudward goes through cw__malloc/cw__realloc/cw__free so that tests can
 * install an allocator that fails the Nth call and prove every error path
 * ends cleanly. Third-party libraries (libyaml, libxlsxwriter) keep their own
 * allocators; their failures still surface as CW_ENOMEM.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core.h"

static void *sys_malloc(size_t n, void *ud)
{
    (void)ud;
    return malloc(n ? n : 1);
}

static void *sys_realloc(void *p, size_t n, void *ud)
{
    (void)ud;
    return realloc(p, n ? n : 1);
}

static void sys_free(void *p, void *ud)
{
    (void)ud;
    free(p);
}

static struct cw_allocator current = { sys_malloc, sys_realloc, sys_free,
                                       NULL };

void cw_set_allocator(const struct cw_allocator *a)
{
    if (a && a->malloc && a->realloc && a->free)
        current = *a;
    else
        current = (struct cw_allocator){ sys_malloc, sys_realloc, sys_free,
                                         NULL };
}

void *cw__malloc(size_t n)
{
    return current.malloc(n, current.ud);
}

void *cw__calloc(size_t count, size_t size)
{
    void *p;
    if (size && count > SIZE_MAX / size)
        return NULL;
    p = cw__malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *cw__realloc(void *p, size_t n)
{
    return current.realloc(p, n, current.ud);
}

void cw__free(void *p)
{
    if (p)
        current.free(p, current.ud);
}

bool cw__grow(void **v, size_t *alloc, size_t n, size_t size)
{
    void *g;
    size_t na = *alloc ? *alloc : 64;
    if (n < *alloc)
        return true;
    while (na <= n)
        na *= 2;
    if (!(g = cw__realloc(*v, na * size)))
        return false;
    *v = g;
    *alloc = na;
    return true;
}

char *cw__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = cw__malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/*
 * Bulk blocks. A large config scan keeps a few hundred MB of trees, join
 * records and results, touched once each: at 4 KiB a page that is tens of
 * thousands of page faults, 14% of the scan's CPU on a VM whose faults
 * cost microseconds. Blocks carved from regions the kernel may back with
 * 2 MiB transparent huge pages fault once per 2 MiB. The regions are
 * dense (arenas fill whole blocks), so peak memory stays what it was;
 * glibc's own huge-page tunable was measured at +26% peak on the same
 * scan, its heaps being sparse. Regions stay with the process for its
 * next scan, which is why only cw_tune_memory_for_batch() turns this on;
 * otherwise, and under AddressSanitizer (whose checks need malloc), blocks
 * come from cw__malloc.
 */
#if defined(__SANITIZE_ADDRESS__)
#define BULK_POSSIBLE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BULK_POSSIBLE 0
#endif
#endif
#ifndef BULK_POSSIBLE
#define BULK_POSSIBLE 1
#endif

#define BULK_REGION ((size_t)32 << 20)
#define BULK_ALIGN ((size_t)2 << 20) /* a huge page */
#define BULK_REGIONS 256             /* 8 GB; past that, malloc */

struct bulk_free {
    struct bulk_free *next;
};

static struct {
    pthread_mutex_t mu;
    bool on;
    struct bulk_free *free; /* returned blocks, reused first */
    char *next, *end;       /* the newest region's uncarved part */
    char *region[BULK_REGIONS];
    size_t nregions;
} bulk = { .mu = PTHREAD_MUTEX_INITIALIZER };

static bool bulk_owns(const char *p)
{
    size_t i;
    for (i = 0; i < bulk.nregions; i++)
        if (p >= bulk.region[i] && p < bulk.region[i] + BULK_REGION)
            return true;
    return false;
}

/* Under the lock: a new region, aligned to a huge page. */
static bool bulk_grow(void)
{
    size_t len = BULK_REGION + BULK_ALIGN;
    char *m, *r;
    if (bulk.nregions == BULK_REGIONS)
        return false;
    m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
             -1, 0);
    if (m == MAP_FAILED)
        return false;
    r = (char *)(((uintptr_t)m + BULK_ALIGN - 1) & ~(uintptr_t)(BULK_ALIGN - 1));
    if (r > m)
        munmap(m, (size_t)(r - m));
    if (r + BULK_REGION < m + len)
        munmap(r + BULK_REGION, (size_t)(m + len - (r + BULK_REGION)));
#ifdef MADV_HUGEPAGE
    (void)madvise(r, BULK_REGION, MADV_HUGEPAGE); /* a hint: may be off */
#endif
    bulk.region[bulk.nregions++] = r;
    bulk.next = r;
    bulk.end = r + BULK_REGION;
    return true;
}

void *cw__bulk_get(void)
{
    void *p = NULL;
    if (!bulk.on) /* set once, before any thread that allocates */
        return cw__malloc(CW__BULK_BLOCK);
    pthread_mutex_lock(&bulk.mu);
    if (bulk.free) {
        p = bulk.free;
        bulk.free = bulk.free->next;
    } else if (bulk.next < bulk.end || bulk_grow()) {
        p = bulk.next;
        bulk.next += CW__BULK_BLOCK;
    }
    pthread_mutex_unlock(&bulk.mu);
    return p ? p : cw__malloc(CW__BULK_BLOCK);
}

bool cw__bulk_pooled(void)
{
    return bulk.on;
}

void cw__bulk_put(void *p)
{
    bool mine;
    if (!p)
        return;
    if (!bulk.on) {
        cw__free(p);
        return;
    }
    pthread_mutex_lock(&bulk.mu);
    if ((mine = bulk_owns(p))) {
        struct bulk_free *f = p;
        f->next = bulk.free;
        bulk.free = f;
    }
    pthread_mutex_unlock(&bulk.mu);
    if (!mine)
        cw__free(p);
}

void cw_tune_memory_for_batch(void)
{
    bulk.on = BULK_POSSIBLE;
    /* glibc maps blocks above its mmap threshold afresh and unmaps them on
     * free; a large config scan allocates and frees hundreds of MB in
     * such blocks (batch trees, result chunks, report buffers). Measured
     * on bench/config: 3-4% of a 500,000-resource scan. */
    (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
    (void)mallopt(M_TRIM_THRESHOLD, 512 << 20);
    (void)mallopt(M_TOP_PAD, 64 << 20);
}
