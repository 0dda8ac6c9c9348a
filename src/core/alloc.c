/*
 * alloc.c - the hookable allocator (Lua's lua_Alloc idea). All memory of
 * libcloudward goes through cw__malloc/cw__realloc/cw__free so that tests can
 * install an allocator that fails the Nth call and prove every error path
 * ends cleanly. Third-party libraries (libyaml, libxlsxwriter) keep their own
 * allocators; their failures still surface as CW_ENOMEM.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

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

char *cw__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = cw__malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void cw_tune_memory_for_batch(void)
{
    /* glibc maps blocks above its mmap threshold afresh and unmaps them on
     * free; a large config scan allocates and frees hundreds of MB in
     * such blocks (batch trees, result chunks, report buffers). Measured
     * on bench/config: 3-4% of a 500,000-resource scan. */
    (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
    (void)mallopt(M_TRIM_THRESHOLD, 512 << 20);
    (void)mallopt(M_TOP_PAD, 64 << 20);
}
