/*
 * atomic.c - whole-file replacement that a crash cannot tear: the new
 * content goes to a temporary file beside the target, is flushed to disk,
 * and is renamed over the target; then the directory is flushed so the
 * rename itself survives a power cut. Readers see the old file or the new
 * one, never a mix, and a failed write leaves the old file untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core.h"

static enum cw_status io_error(struct cw_diag *d, const char *path, int e)
{
    return cw__diag_set(d, CW_EIO, path, 0, 0, "cannot write: %s",
                        strerror(e));
}

enum cw_status cw__atomic_open(const char *path, char *tmp, size_t n,
                               int *fdp, bool priv, struct cw_diag *d)
{
    static unsigned counter;
    struct timespec ts;
    int tries, fd = -1;

    for (tries = 0; tries < 100; tries++) {
        int w;
        clock_gettime(CLOCK_REALTIME, &ts);
        w = snprintf(tmp, n, "%s.tmp-%ld-%lx-%u", path, (long)getpid(),
                     (unsigned long)ts.tv_nsec, counter++);
        if (w < 0 || (size_t)w >= n)
            return cw__diag_set(d, CW_ELIMIT, path, 0, 0, "path too long");
        /* 0666 and O_EXCL: the umask decides the mode, as for any file the
         * user creates, and an existing file is never reused. A file of
         * the store is 0600, fchmod'ed so that no umask widens it. */
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  priv ? 0600 : 0666);
        if (fd >= 0 && priv && fchmod(fd, 0600) != 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return io_error(d, path, e);
        }
        if (fd >= 0 || errno != EEXIST)
            break;
    }
    *fdp = fd;
    return fd < 0 ? io_error(d, path, errno) : CW_OK;
}

/* Flushes the directory holding `path`, so a completed rename is durable. */
static int sync_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    int fd, rc;

    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else if ((size_t)(slash - path) < sizeof(dir))
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    else
        return -1;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

enum cw_status cw__atomic_commit(const char *tmp, const char *path,
                                 bool replace, struct cw_diag *d)
{
    int fd = open(tmp, O_RDONLY | O_CLOEXEC), e;

    if (fd < 0 || fsync(fd) != 0) {
        e = errno;
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        return io_error(d, path, e);
    }
    close(fd);
    if (!replace && access(path, F_OK) == 0) {
        unlink(tmp);
        return cw__diag_set(d, CW_EEXIST, path, 0, 0,
                            "already exists; use --force to replace it");
    }
    if (rename(tmp, path) != 0 || sync_dir(path) != 0) {
        e = errno;
        unlink(tmp);
        return io_error(d, path, e);
    }
    return CW_OK;
}

static enum cw_status write_file(const char *path, const void *data,
                                 size_t len, bool replace, bool priv,
                                 struct cw_diag *d)
{
    char tmp[4096];
    const char *p = data;
    struct stat sb;
    enum cw_status st;
    int fd, e;

    if (!replace && access(path, F_OK) == 0)
        return cw__diag_set(d, CW_EEXIST, path, 0, 0,
                            "already exists; use --force to replace it");
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
        return cw__diag_set(d, CW_EIO, path, 0, 0,
                            "not a regular file; refusing to replace it");
    st = cw__atomic_open(path, tmp, sizeof(tmp), &fd, priv, d);
    if (st)
        return st;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            e = n < 0 ? errno : EIO;
            close(fd);
            unlink(tmp);
            return io_error(d, path, e);
        }
        p += n;
        len -= (size_t)n;
    }
    if (close(fd) != 0) {
        e = errno;
        unlink(tmp);
        return io_error(d, path, e);
    }
    return cw__atomic_commit(tmp, path, replace, d);
}

enum cw_status cw__atomic_write(const char *path, const void *data,
                                size_t len, bool replace, struct cw_diag *d)
{
    return write_file(path, data, len, replace, false, d);
}

enum cw_status cw__atomic_write_private(const char *path, const void *data,
                                        size_t len, bool replace,
                                        struct cw_diag *d)
{
    return write_file(path, data, len, replace, true, d);
}
