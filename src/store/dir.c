/*
 * dir.c - a store folder's safety checks (store_dir.h).
 *
 * The store holds the ledger's signing key and everything signed with it:
 * only its owner may write there. SQLite creates a database 0644 less the
 * umask, and its -wal and -shm files copy the database's mode; so each
 * file is created private first, and made private when found otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cloudward/cw_ledger.h>

#include "store_dir.h"

enum cw_status cw__store_dir_check(const char *dir, const char *const *names,
                                   const char *create, struct cw_diag *d)
{
    char path[4200];
    struct stat sb;
    size_t i;
    int fd;

    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return cw__diag_set(d, CW_EIO, dir, 0, 0, "not a folder");
    if (sb.st_mode & S_IWOTH)
        return cw__diag_set(d, CW_EPERM, dir, 0, 0,
                            "the store is writable by others (mode %04o): "
                            "make it private (chmod 700) or choose another",
                            (unsigned)(sb.st_mode & 07777));
    for (i = 0; names[i]; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (lstat(path, &sb) != 0)
            continue;
        if (!S_ISREG(sb.st_mode))
            return cw__diag_set(d, CW_EPERM, path, 0, 0,
                                "is not a regular file (a link?); a store's "
                                "files must be its own");
        if ((sb.st_mode & 077) && sb.st_uid == geteuid() &&
            chmod(path, 0600) != 0)
            return cw__diag_set(d, CW_EIO, path, 0, 0,
                                "cannot make it private: %s",
                                strerror(errno));
    }
    if (!create)
        return CW_OK;
    snprintf(path, sizeof(path), "%s/%s", dir, create);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              0600);
    if (fd >= 0)
        close(fd);
    else if (errno != EEXIST)
        return cw__diag_set(d, CW_EIO, path, 0, 0, "cannot create: %s",
                            strerror(errno));
    return CW_OK;
}

bool cw__store_is_url(const char *store)
{
    return strncmp(store, "postgresql://", 13) == 0 ||
           strncmp(store, "postgres://", 11) == 0;
}

void cw__store_display(const char *store, char *out, size_t n)
{
    const char *auth = strstr(store, "://"), *at, *colon, *pw;
    size_t len;

    if (!cw__store_is_url(store) || !auth) {
        snprintf(out, n, "%s", store);
        return;
    }
    auth += 3;
    len = strcspn(auth, "/?");
    /* The last '@': a password may hold one (libpq wants it %40, but a
     * user may not have written it so). */
    for (at = NULL; len; len--)
        if (auth[len - 1] == '@') {
            at = auth + len - 1;
            break;
        }
    colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon)
        snprintf(out, n, "%.*s***%s", (int)(colon + 1 - store), store, at);
    else
        snprintf(out, n, "%s", store);
    /* password=... among the parameters, each time it is given */
    for (pw = strstr(out, "password="); pw; pw = strstr(pw, "password=")) {
        char rest[4096];
        size_t keep = (size_t)(pw - out) + 9;
        snprintf(rest, sizeof(rest), "%s", pw + 9 + strcspn(pw + 9, "&"));
        if (keep >= n)
            break;
        snprintf(out + keep, n - keep, "***%s", rest);
        pw = out + keep;
    }
}

enum cw_status cw__store_key_dir(char *out, size_t n, struct cw_diag *d)
{
    const char *env = getenv("CLOUDWARD_KEY_DIR");
    if (!env || !*env)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a PostgreSQL store signs its ledger with a key "
                            "kept outside the database: set "
                            "CLOUDWARD_KEY_DIR to a private folder "
                            "(docs/scaling.md)");
    snprintf(out, n, "%s", env);
    return CW_OK;
}

void cw_store_display(const char *store, char *out, size_t n)
{
    cw__store_display(store, out, n);
}
