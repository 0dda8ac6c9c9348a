/*
 * core.h - internal building blocks shared by every part of libcloudward:
 * the allocator wrappers, arenas, capped buffers and diagnostics helpers.
 * Internal names use the cw__ prefix; nothing here is part of the public API.
 */
#ifndef CW_CORE_CORE_H
#define CW_CORE_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h> /* cw__buf_append is inline */

#include <cloudward/cw_core.h>
#include <cloudward/cw_status.h>

#include "banned.h"

#define CW__ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation through the hook set by cw_set_allocator(). Return NULL on
 * failure; cw__free(NULL) is a no-op. */
void *cw__malloc(size_t n);
void *cw__calloc(size_t count, size_t size);
void *cw__realloc(void *p, size_t n);
void cw__free(void *p);
char *cw__strdup(const char *s);
/* Makes room in the array *v (of *alloc elements of `size` bytes) for
 * element n, doubling it (from 64); false when out of memory, *v intact. */
bool cw__grow(void **v, size_t *alloc, size_t n, size_t size);

/*
 * Bulk blocks of CW__BULK_BLOCK bytes, for memory a large scan fills
 * densely: after cw_tune_memory_for_batch(), carved from regions backed by
 * transparent huge pages where the system allows (one page fault per
 * 2 MiB instead of per 4 KiB); otherwise from cw__malloc. NULL when out
 * of memory. Thread-safe.
 */
#define CW__BULK_BLOCK ((size_t)32 << 10)
void *cw__bulk_get(void);
void cw__bulk_put(void *p);
/* True when blocks come from the huge-page pool (after the tuning call,
 * and not under AddressSanitizer). */
bool cw__bulk_pooled(void);

/*
 * Arena: bump allocation in chunks, everything freed by one
 * cw__arena_release(). Used for parse trees and loaded models, whose pieces
 * all die together. Allocations are 8-byte aligned.
 */
struct cw__arena_chunk;
struct cw__arena {
    bool bulk;    /* chunks are bulk blocks (cw__arena_init_bulk) */
    struct cw__arena_chunk *head;
    size_t used;  /* bytes used in head */
    size_t total; /* bytes handed out, across chunks */
    size_t limit; /* 0: no limit; else CW_ELIMIT past it */
    bool failed;  /* some allocation failed since init: callers that
                     degrade gracefully check it once at the end */
    struct cw__arena_chunk *spare; /* chunks kept by cw__arena_recycle */
};

void cw__arena_init(struct cw__arena *a, size_t limit);
/* For an arena that grows to many megabytes (a large scan's trees, join
 * records, results): its chunks are bulk blocks. */
void cw__arena_init_bulk(struct cw__arena *a, size_t limit);
void cw__arena_release(struct cw__arena *a);
/* Empties the arena but keeps every chunk for the next fills: for arenas
 * that are filled and emptied over and over with megabytes each time. */
void cw__arena_recycle(struct cw__arena *a);
/* Empties `a` for reuse, keeping its largest chunk allocated. */
void cw__arena_reset(struct cw__arena *a);
void *cw__arena_alloc(struct cw__arena *a, size_t n);
/* As cw__arena_alloc, without zeroing the memory. */
void *cw__arena_alloc_raw(struct cw__arena *a, size_t n);
char *cw__arena_strndup(struct cw__arena *a, const char *s, size_t n);
char *cw__arena_strdup(struct cw__arena *a, const char *s);
char *cw__arena_printf(struct cw__arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Capped growable byte buffer. Every append fails with CW_ELIMIT instead of
 * growing past `cap`, and with CW_ENOMEM when memory runs out; the content
 * is always NUL-terminated after a successful append.
 */
struct cw__buf {
    char *data;
    size_t len;
    size_t alloc;
    size_t cap;
};

void cw__buf_init(struct cw__buf *b, size_t cap);
void cw__buf_release(struct cw__buf *b);
/* The slow path of cw__buf_append: grows (or refuses), then appends. */
enum cw_status cw__buf_append_slow(struct cw__buf *b, const void *p,
                                   size_t n);

/* Inline: entries and reports are built from many short appends, and the
 * call was a tenth of building a ledger entry. */
static inline enum cw_status cw__buf_append(struct cw__buf *b, const void *p,
                                            size_t n)
{
    /* Room for n bytes and the NUL, within the cap (len <= cap and
     * len < alloc hold whenever alloc is not 0). */
    if (!b->alloc || n >= b->alloc - b->len || n > b->cap - b->len)
        return cw__buf_append_slow(b, p, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return CW_OK;
}
enum cw_status cw__buf_puts(struct cw__buf *b, const char *s);
enum cw_status cw__buf_printf(struct cw__buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reads a whole regular file into `b` (capped by the buffer's cap). A
 * directory, FIFO, socket or device is refused (CW_EINVAL): reading one
 * could block for ever or never end. On failure sets `d` to "FILE:
 * reason". */
enum cw_status cw__read_file(const char *path, struct cw__buf *b,
                             struct cw_diag *d);

/* cw__read_file with flags: CW__READ_NOFOLLOW refuses a symbolic link as
 * the last component (CW_EINVAL). */
#define CW__READ_NOFOLLOW 1u
enum cw_status cw__read_file_flags(const char *path, struct cw__buf *b,
                                   unsigned flags, struct cw_diag *d);

/*
 * A whole file in memory without copying it: mapped read-only when it is a
 * regular file, read into `buf` otherwise (pipes, devices). `data` is NOT
 * NUL-terminated when mapped. Release with cw__unmap_file().
 */
struct cw__map {
    const char *data;
    size_t len;
    void *map;
    int fd;        /* a mapping's file, open until unmapped; else -1 */
    struct cw__buf buf;
};
enum cw_status cw__map_file(const char *path, struct cw__map *m,
                            struct cw_diag *d);
void cw__unmap_file(struct cw__map *m);
/* Gives back the memory of the first `upto` bytes of a file mapping made by
 * cw__map_file (whole pages only); reading them again faults them back in
 * from the file. For a single pass over a file far larger than what is
 * kept of it. `data` must be m->data of a mapping (m->map set). */
void cw__map_drop(const char *data, size_t upto);
/* The same for the whole pages within bytes [from, to) of the mapping. */
void cw__map_drop_range(const char *data, size_t from, size_t to);

/* Fills `d` with a file, a position and a printf-style message; returns
 * `st` so callers can write `return cw__diag_set(d, CW_EPARSE, ...)`. */
enum cw_status cw__diag_set(struct cw_diag *d, enum cw_status st,
                            const char *file, unsigned line, unsigned col,
                            const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/*
 * Atomic file replacement (atomic.c). cw__atomic_open creates an empty
 * temporary file beside `path` (mode 0666 less the umask; with `priv`,
 * 0600 whatever the umask: the store's files), returns its name in `tmp`
 * and an open descriptor in `*fd`. cw__atomic_commit flushes the
 * temporary and renames it over `path` (refusing with CW_EEXIST when
 * `replace` is false and `path` exists); on failure it removes the
 * temporary. cw__atomic_write does all three for a buffer.
 */
enum cw_status cw__atomic_open(const char *path, char *tmp, size_t n, int *fd,
                               bool priv, struct cw_diag *d);
enum cw_status cw__atomic_commit(const char *tmp, const char *path,
                                 bool replace, struct cw_diag *d);
enum cw_status cw__atomic_write(const char *path, const void *data,
                                size_t len, bool replace, struct cw_diag *d);
/* The same for a file of the store: 0600 whatever the umask. */
enum cw_status cw__atomic_write_private(const char *path, const void *data,
                                        size_t len, bool replace,
                                        struct cw_diag *d);

/* UTF-8 (utf8.c): length of the valid sequence at `s` (0 if invalid);
 * the encoding of code point `cp` into `out` (1-4 bytes, returns how many);
 * the value of four hex digits at `p` (-1 if not). */
size_t cw__utf8_len(const char *s, const char *end);
size_t cw__utf8_put(char *out, unsigned cp);
/* True when s[0..n) is valid UTF-8 without control characters (with
 * `lines`, tab, CR and LF allowed). */
bool cw__utf8_text(const char *s, size_t n, bool lines);
int cw__hex4(const char *p, const char *end);

/* LEB128: 7 bits a byte, low first, the high bit set on all but the last.
 * cw__varint_put writes at most 10 bytes at p and returns how many;
 * cw__varint_get reads one of [*p, end), false when cut off or too long. */
static inline size_t cw__varint_put(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    do {
        p[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return n;
}

static inline bool cw__varint_get(const unsigned char **p,
                                  const unsigned char *end, uint64_t *v)
{
    unsigned shift = 0;
    *v = 0;
    while (*p < end && shift < 64) {
        unsigned char c = *(*p)++;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return true;
        shift += 7;
    }
    return false;
}

/* A hash of a NUL-terminated string, for in-memory hash tables only:
 * eight bytes a step, each mixed by a multiply and a shift (byte-wise
 * FNV-1a was a fifth of deciding a large plan's deferred checks, whose
 * reasons run to 150 bytes). It is unkeyed: crafted input can collide,
 * which slows a table and never makes it wrong. Never for anything
 * stored or compared for trust. */
static inline size_t cw__str_hash(const char *s)
{
    size_t n = strlen(s);
    uint64_t h = 0x9e3779b97f4a7c15u ^ n, w;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
    return (size_t)(h ^ (h >> 29));
}

/* True when `s` is a valid calendar date written YYYY-MM-DD. */
bool cw__date_valid(const char *s);

#endif
