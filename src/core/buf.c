/*
 * buf.c - capped growable buffers (curl's dynbuf idea): every buffer has a
 * maximum size, so no input can make one grow without bound.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <sys/stat.h>

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

enum cw_status cw__buf_append_slow(struct cw__buf *b, const void *p,
                                   size_t n)
{
    if (n > b->cap || b->len > b->cap - n)
        return CW_ELIMIT;
    if (b->len + n + 1 > b->alloc) {
        size_t want = b->alloc ? b->alloc : 256;
        char *d;
        while (want < b->len + n + 1)
            want *= 2;
        if (b->cap < SIZE_MAX && want > b->cap + 1)
            want = b->cap + 1; /* SIZE_MAX: uncapped (cap + 1 wraps) */
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

/* Opens `path` for reading without blocking on a FIFO or taking a
 * terminal, and refuses what is not a regular file: a FIFO would hang,
 * /dev/zero would grow without end. Returns the descriptor or -1 with `d`
 * set. */
static int open_regular(const char *path, unsigned flags, struct stat *sb,
                        enum cw_status *st, struct cw_diag *d)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
                            (flags & CW__READ_NOFOLLOW ? O_NOFOLLOW : 0));

    if (fd < 0) {
        if (errno == ELOOP && (flags & CW__READ_NOFOLLOW))
            *st = cw__diag_set(d, CW_EINVAL, path, 0, 0,
                               "is a symbolic link; give the file it points "
                               "to");
        else
            *st = cw__diag_set(d, errno == ENOENT ? CW_ENOENT : CW_EIO, path,
                               0, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
        *st = cw__diag_set(d, CW_EINVAL, path, 0, 0,
                     "not a regular file (a directory, FIFO, socket or "
                     "device); save the input to a file and give that");
        close(fd);
        return -1;
    }
    return fd;
}

enum cw_status cw__read_file_flags(const char *path, struct cw__buf *b,
                                   unsigned flags, struct cw_diag *d)
{
    char chunk[65536];
    enum cw_status st = CW_OK;
    struct stat sb;
    int fd = open_regular(path, flags, &sb, &st, d);

    if (fd < 0)
        return st;
    /* Size the buffer once: a 1 GB plan would otherwise be copied by
     * every doubling. */
    if ((size_t)sb.st_size < b->cap && (size_t)sb.st_size > b->alloc) {
        char *nd = cw__realloc(b->data, (size_t)sb.st_size + 1);
        if (nd) {
            b->data = nd;
            b->alloc = (size_t)sb.st_size + 1;
        }
    }
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            st = cw__diag_set(d, CW_EIO, path, 0, 0, "read error: %s",
                              strerror(errno));
            break;
        }
        if (n == 0)
            break;
        st = cw__buf_append(b, chunk, (size_t)n);
        if (st == CW_ELIMIT) {
            cw__diag_set(d, st, path, 0, 0,
                         "file is larger than the %zu-byte limit", b->cap);
            break;
        }
        if (st) {
            cw__diag_set(d, st, path, 0, 0, "out of memory");
            break;
        }
    }
    close(fd);
    if (!st && !b->data)
        st = cw__buf_append(b, "", 0);
    return st;
}

enum cw_status cw__read_file(const char *path, struct cw__buf *b,
                             struct cw_diag *d)
{
    return cw__read_file_flags(path, b, 0, d);
}

enum cw_status cw__map_file(const char *path, struct cw__map *m,
                            struct cw_diag *d)
{
    enum cw_status st = CW_EIO;
    struct stat sb;
    int fd;

    memset(m, 0, sizeof(*m));
    m->fd = -1;
    if ((fd = open_regular(path, 0, &sb, &st, d)) < 0)
        return st;
    if (sb.st_size == 0) {
        /* An empty file cannot be mapped: read it. */
        close(fd);
        cw__buf_init(&m->buf, (size_t)1 << 32);
        if (cw__read_file(path, &m->buf, d))
            return d->file[0] ? CW_EIO : CW_ENOMEM;
        m->data = m->buf.data;
        m->len = m->buf.len;
        return CW_OK;
    }
    /* Not MAP_POPULATE: that would make the whole file resident at once
     * (a 1 GB plan), and a format sniff would pay for every page (16 ms
     * for a 186 MB plan). Pages are mapped as they are read. */
    m->map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m->map == MAP_FAILED) {
        close(fd);
        m->map = NULL;
        return cw__diag_set(d, CW_EIO, path, 0, 0, "cannot map: %s",
                            strerror(errno));
    }
    m->fd = fd; /* for cw__jcur_span_file */
    m->data = m->map;
    m->len = (size_t)sb.st_size;
    return CW_OK;
}

void cw__unmap_file(struct cw__map *m)
{
    if (m->map)
        munmap(m->map, m->len);
    if (m->fd >= 0)
        close(m->fd);
    cw__buf_release(&m->buf);
    memset(m, 0, sizeof(*m));
    m->fd = -1;
}

void cw__map_drop_range(const char *data, size_t from, size_t to)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    from = (from + page - 1) / page * page;
    to -= to % page;
    if (to > from)
        (void)madvise((void *)(uintptr_t)(data + from), to - from,
                      MADV_DONTNEED);
}

void cw__map_drop(const char *data, size_t upto)
{
    cw__map_drop_range(data, 0, upto);
}
