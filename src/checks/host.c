/*
 * host.c - the scanned system as probes see it: every path is an in-root
 * path ("/etc/ssh/sshd_config") opened relative to a descriptor of the root
 * with symbolic links followed *inside* the root, so an absolute link in a
 * VM image (/etc/localtime -> /usr/share/zoneinfo/UTC) never escapes to the
 * scanning machine, and a tree changing during the scan (a directory
 * swapped for a link to outside) cannot lead a read outside it either:
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) does it in the kernel
 * (Linux 5.6); where it is missing or a seccomp profile refuses it, a walk
 * one component at a time with O_NOFOLLOW does the same. No path is ever
 * checked and then opened by name.
 *
 * Globs expand in the root the same way, with a budget. Nothing is ever
 * created under the root: an offline scan leaves the tree exactly as it was
 * (tests/e2e/host.sh proves it).
 *
 * Parsed state (os-release, accounts, dpkg status) is cached in `struct
 * host` for the whole scan.
 */
#define _GNU_SOURCE /* O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"

#define MAX_LINKS 40
#define MAX_CONFIG_BYTES ((size_t)32 << 20)
#define MAX_GLOB_MATCHES 4096
#define MAX_GLOB_DIRS 4096

int host_open_root(struct host *h, const char *root)
{
    /* Tests run the fallback walk on kernels that have openat2 too. */
    const char *no2 = getenv("CW_TEST_NO_OPENAT2");
    h->no_openat2 = no2 && *no2 == '1';
    h->root = root;
    h->rootfd = open(*root ? root : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return h->rootfd < 0 ? errno : 0;
}

void host_close_root(struct host *h)
{
    if (h->rootfd > 0)
        close(h->rootfd);
    h->rootfd = -1;
}

/*
 * The fallback of host_open where openat2() is missing or refused: one
 * component at a time from the root's descriptor, each opened O_PATH |
 * O_NOFOLLOW and examined with fstat(); a symbolic link is read with
 * readlinkat() and its target walked from the root (absolute) or from the
 * current directory (relative); ".." never climbs above the root. The last
 * component is opened with `flags` and O_NOFOLLOW (unless `follow_last`
 * and it was a link, which is then walked), so a file swapped for a link
 * between the look and the open is refused, never followed.
 */
static int walk_open(const struct host *h, const char *path,
                     bool follow_last, int flags)
{
    char rest[8192], target[4096], name[256];
    unsigned links = 0, depth = 0;
    int dfd = dup(h->rootfd), fd;
    char *p;

    if (dfd < 0)
        return -errno;
    if (strlen(path) >= sizeof(rest)) {
        close(dfd);
        return -ENAMETOOLONG;
    }
    snprintf(rest, sizeof(rest), "%s", path);
    p = rest;
    for (;;) {
        struct stat st;
        size_t clen;
        bool last;

        while (*p == '/')
            p++;
        if (!*p) { /* the path named a directory (or the root) */
            fd = flags & O_PATH ? dfd : openat(dfd, ".", flags | O_CLOEXEC);
            if (fd != dfd)
                close(dfd);
            return fd < 0 ? -errno : fd;
        }
        clen = strcspn(p, "/");
        if (clen >= sizeof(name)) {
            close(dfd);
            return -ENAMETOOLONG;
        }
        memcpy(name, p, clen);
        name[clen] = '\0';
        p += clen;
        last = strspn(p, "/") == strlen(p);
        if (strcmp(name, ".") == 0)
            continue;
        if (strcmp(name, "..") == 0) {
            if (depth) {
                fd = openat(dfd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                close(dfd);
                if (fd < 0)
                    return -errno;
                dfd = fd;
                depth--;
            }
            continue;
        }
        fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) != 0) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            close(dfd);
            return -e;
        }
        if (S_ISLNK(st.st_mode) && (!last || follow_last)) {
            ssize_t tl = readlinkat(fd, "", target, sizeof(target) - 1);
            close(fd);
            if (tl < 0 || ++links > MAX_LINKS) {
                int e = tl < 0 ? errno : ELOOP;
                close(dfd);
                return -e;
            }
            target[tl] = '\0';
            if (target[0] == '/') {
                close(dfd);
                if ((dfd = dup(h->rootfd)) < 0)
                    return -errno;
                depth = 0;
            }
            {
                char tmp[8192];
                int w = snprintf(tmp, sizeof(tmp), "%s/%s", target, p);
                if (w < 0 || (size_t)w >= sizeof(tmp)) {
                    close(dfd);
                    return -ENAMETOOLONG;
                }
                memcpy(rest, tmp, (size_t)w + 1);
            }
            p = rest;
            continue;
        }
        if (last) {
            close(fd);
            fd = openat(dfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
            close(dfd);
            return fd < 0 ? -errno : fd;
        }
        close(dfd);
        if (!S_ISDIR(st.st_mode)) {
            close(fd);
            return -ENOTDIR;
        }
        dfd = fd;
        depth++;
    }
}

int host_open(struct host *h, const char *path, bool follow_last, int flags)
{
    if (!__atomic_load_n(&h->no_openat2, __ATOMIC_RELAXED)) {
        struct open_how how;
        int fd;
        memset(&how, 0, sizeof(how));
        how.flags = (unsigned long long)(flags | O_CLOEXEC |
                                         (follow_last ? 0 : O_NOFOLLOW));
        how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
        fd = (int)syscall(SYS_openat2, h->rootfd, *path ? path : "/", &how,
                          sizeof(how));
        if (fd >= 0)
            return fd;
        if (errno != ENOSYS && errno != EPERM && errno != E2BIG)
            return -errno;
        __atomic_store_n(&h->no_openat2, true, __ATOMIC_RELAXED);
    }
    return walk_open(h, *path ? path : "/", follow_last, flags);
}

int host_stat(struct host *h, const char *path, bool follow,
              struct stat *st)
{
    int fd = host_open(h, path, follow, O_PATH), e = 0;
    if (fd < 0)
        return -fd;
    if (fstat(fd, st) != 0)
        e = errno;
    close(fd);
    return e;
}

ssize_t host_readlink(struct host *h, const char *path, char *buf,
                      size_t n)
{
    int fd = host_open(h, path, false, O_PATH);
    ssize_t r;
    if (fd < 0)
        return -1;
    r = readlinkat(fd, "", buf, n);
    close(fd);
    return r;
}

int host_read(struct host *h, const char *path, const char **data,
              size_t *len)
{
    struct stat st;
    char *buf;
    size_t off = 0;
    int e, fd = host_open(h, path, true, O_RDONLY | O_NOCTTY | O_NONBLOCK);

    if (fd < 0)
        return -fd;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        close(fd);
        return e;
    }
    /* Files of /proc and /sys report size 0: read them to EOF. */
    {
        size_t cap = st.st_size ? (size_t)st.st_size : 65536;
        if (cap > MAX_CONFIG_BYTES) {
            close(fd);
            return EFBIG;
        }
        buf = cw__malloc(cap + 1);
        if (!buf) {
            h->oom = true;
            close(fd);
            return ENOMEM;
        }
        for (;;) {
            ssize_t r;
            if (off == cap) {
                char *nb;
                if (st.st_size || cap >= MAX_CONFIG_BYTES)
                    break;
                cap *= 2;
                nb = cw__realloc(buf, cap + 1);
                if (!nb) {
                    h->oom = true;
                    cw__free(buf);
                    close(fd);
                    return ENOMEM;
                }
                buf = nb;
            }
            r = read(fd, buf + off, cap - off);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                e = errno;
                cw__free(buf);
                close(fd);
                return e;
            }
            if (r == 0)
                break;
            off += (size_t)r;
        }
    }
    close(fd);
    if (memchr(buf, '\0', off)) {
        cw__free(buf);
        return HOST_ENUL;
    }
    buf[off] = '\0';
    *data = cw__arena_strndup(&h->arena, buf, off);
    cw__free(buf);
    if (!*data)
        return ENOMEM;
    *len = off;
    return 0;
}

const char *host_strerror(int e)
{
    if (e == HOST_ENUL)
        return "it holds a NUL byte, which its program reads differently "
               "from the text around it: remove it";
    return strerror(e);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Growable list of in-root paths in the host arena. */
struct plist {
    const char **v;
    size_t n, cap;
};

static bool plist_add(struct host *h, struct plist *l, const char *s)
{
    if (!s)
        return false;
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 16;
        const char **v = cw__arena_alloc(&h->arena, nc * sizeof(*v));
        if (!v)
            return false;
        if (l->n)
            memcpy(v, l->v, l->n * sizeof(*v));
        l->v = v;
        l->cap = nc;
    }
    l->v[l->n++] = s;
    return true;
}

/* The entries of in-root directory `dir` matching `pat`, appended to
 * `next` as in-root paths. Hidden names match only a pattern that starts
 * with a dot, as glob(3) does. */
static void glob_dir(struct host *h, const char *dir, const char *pat,
                     struct plist *next)
{
    struct dirent *de;
    DIR *dp;
    int fd;

    if (++h->glob_dirs > MAX_GLOB_DIRS) {
        h->glob_over = true;
        return;
    }
    fd = host_open(h, *dir ? dir : "/", true, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return;
    dp = fdopendir(fd);
    if (!dp) {
        close(fd);
        return;
    }
    while ((de = readdir(dp)) != NULL) {
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if (fnmatch(pat, name, FNM_PERIOD) != 0)
            continue;
        if (next->n >= MAX_GLOB_MATCHES) {
            h->glob_over = true;
            break;
        }
        if (!plist_add(h, next,
                       cw__arena_printf(&h->arena, "%s/%s", dir, name))) {
            h->oom = true;
            break;
        }
    }
    closedir(dp);
}

/*
 * Expands an in-root pattern one component at a time: a literal component
 * is appended, ".." drops the last component and never climbs above the
 * root (as path resolution in the root does), and a component with
 * wildcards lists each candidate directory through host_open, so neither
 * ".." nor a symbolic link can lead the expansion outside the root. A
 * budget of MAX_GLOB_DIRS directories listed and MAX_GLOB_MATCHES paths
 * per scan stops a pattern of many wildcard components walking a whole
 * tree; hitting it sets
 * h->glob_over, which makes every later verdict of the scan unknown.
 */
size_t host_glob(struct host *h, const char *pattern, const char ***out)
{
    struct plist cur = { NULL, 0, 0 }, next, found = { NULL, 0, 0 };
    const char *p = pattern;
    size_t i;

    *out = NULL;
    if (!plist_add(h, &cur, ""))
        return 0;
    while (*p && cur.n) {
        char comp[256];
        size_t clen;
        while (*p == '/')
            p++;
        clen = strcspn(p, "/");
        if (!clen)
            break;
        if (clen >= sizeof(comp))
            return 0;
        memcpy(comp, p, clen);
        comp[clen] = '\0';
        p += clen;
        if (strcmp(comp, ".") == 0)
            continue;
        memset(&next, 0, sizeof(next));
        for (i = 0; i < cur.n && !h->glob_over; i++) {
            const char *c = cur.v[i];
            if (strcmp(comp, "..") == 0) {
                const char *slash = strrchr(c, '/');
                plist_add(h, &next, slash ? cw__arena_strndup(
                                                &h->arena, c,
                                                (size_t)(slash - c))
                                          : "");
            } else if (strpbrk(comp, "*?[")) {
                glob_dir(h, c, comp, &next);
            } else {
                plist_add(h, &next, cw__arena_printf(&h->arena, "%s/%s", c,
                                                     comp));
            }
        }
        if (h->glob_over)
            return 0;
        cur = next;
    }
    /* What was named literally must exist (a dangling link counts). */
    for (i = 0; i < cur.n; i++) {
        struct stat st;
        const char *c = *cur.v[i] ? cur.v[i] : "/";
        if (host_stat(h, c, false, &st) == 0 && !plist_add(h, &found, c))
            h->oom = true;
    }
    if (found.n)
        qsort(found.v, found.n, sizeof(*found.v), cmp_str);
    *out = found.v;
    return found.n;
}

void lines_add_file(struct host *h, struct lines *ls, const char *file,
                    const char *data, bool continuations)
{
    const char *p = data;
    unsigned lineno = 0;

    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        unsigned first = ++lineno;
        char *text = cw__arena_strndup(&h->arena, p, n);

        p += n + (nl ? 1 : 0);
        if (!text)
            return;
        while (continuations && n > 0 && text[n - 1] == '\\' && *p) {
            const char *nl2 = strchr(p, '\n');
            size_t m = nl2 ? (size_t)(nl2 - p) : strlen(p);
            text[n - 1] = ' ';
            text = cw__arena_printf(&h->arena, "%s%.*s", text, (int)m, p);
            if (!text)
                return;
            n = strlen(text);
            p += m + (nl2 ? 1 : 0);
            lineno++;
        }
        if (n > 0 && text[n - 1] == '\r')
            text[n - 1] = '\0';
        if (ls->n == ls->alloc) {
            size_t na = ls->alloc ? 2 * ls->alloc : 64;
            struct src_line *v = cw__arena_alloc(&h->arena, na * sizeof(*v));
            if (!v)
                return;
            if (ls->n)
                memcpy(v, ls->v, ls->n * sizeof(*v));
            ls->v = v;
            ls->alloc = na;
        }
        ls->v[ls->n].text = text;
        ls->v[ls->n].file = file;
        ls->v[ls->n].line = first;
        ls->n++;
    }
}

int lines_load(struct host *h, struct lines *ls, const char *path,
               bool continuations)
{
    const char *data;
    size_t len;
    int e = host_read(h, path, &data, &len);

    if (e) {
        if (!ls->err) {
            ls->err = e;
            ls->err_file = path;
        }
        return e;
    }
    lines_add_file(h, ls, path, data, continuations);
    return 0;
}

char *cw__trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
                     e[-1] == '\n'))
        *--e = '\0';
    return s;
}

bool settings_add(struct host *h, struct settings *s, const char *key,
                  const char *value, const char *file, unsigned line)
{
    if (s->n == s->alloc) {
        size_t na = s->alloc ? 2 * s->alloc : 32;
        struct setting *v = cw__arena_alloc(&h->arena, na * sizeof(*v));
        if (!v)
            return false;
        if (s->n)
            memcpy(v, s->v, s->n * sizeof(*v));
        s->v = v;
        s->alloc = na;
    }
    s->v[s->n].key = key;
    s->v[s->n].value = value;
    s->v[s->n].file = file;
    s->v[s->n].line = line;
    s->n++;
    return true;
}

/* ---- os-release ---------------------------------------------------------- */

/* Value of KEY= in an os-release text, unquoted, in the arena. */
static const char *os_field(struct host *h, const char *data, const char *key)
{
    size_t klen = strlen(key);
    const char *p = data;

    while (p && *p) {
        if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
            const char *v = p + klen + 1, *e = strchr(v, '\n');
            size_t n = e ? (size_t)(e - v) : strlen(v);
            if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
                v++, n -= 2;
            return cw__arena_strndup(&h->arena, v, n);
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return NULL;
}

void host_load_os(struct host *h)
{
    const char *data;
    size_t len;

    if (h->os_state)
        return;
    if (host_read(h, "/etc/os-release", &data, &len) &&
        host_read(h, "/usr/lib/os-release", &data, &len)) {
        h->os_state = C_MISSING;
        return;
    }
    h->os_id = os_field(h, data, "ID");
    h->os_version = os_field(h, data, "VERSION_ID");
    h->os_state = C_OK;
}

/* ---- passwd, group, shadow ---------------------------------------------- */

/* Splits a colon-separated line into at most `max` fields (in place). */
static size_t split_colon(char *s, char **f, size_t max)
{
    size_t n = 0;
    f[n++] = s;
    while (*s && n < max) {
        if (*s == ':') {
            *s = '\0';
            f[n++] = s + 1;
        }
        s++;
    }
    return n;
}

static long long num_field(const char *s)
{
    char *end;
    long long v;
    if (!*s)
        return -1;
    v = strtoll(s, &end, 10);
    return *end ? -2 : v;
}

/*
 * Reads one of passwd, group, shadow: each non-comment line split at ':'
 * into at most `max` fields, handed to `row` with its line number. Sets
 * *state and *err.
 */
static void colon_file(struct host *h, const char *path, size_t max,
                       enum cache_state *state, int *err,
                       void (*row)(struct host *, char **, size_t, unsigned))
{
    struct lines ls;
    size_t i;

    memset(&ls, 0, sizeof(ls));
    *err = lines_load(h, &ls, path, false);
    if (*err) {
        *state = *err == ENOENT ? C_MISSING : C_UNREADABLE;
        return;
    }
    for (i = 0; i < ls.n; i++) {
        char *f[9], *s = cw__arena_strdup(&h->arena, ls.v[i].text);
        size_t n;
        if (!s || !*s || *s == '#')
            continue;
        n = split_colon(s, f, max);
        row(h, f, n, ls.v[i].line);
    }
    *state = h->arena.failed ? C_UNREADABLE : C_OK;
}

/* Grows an arena array of `size`-byte items to hold one more. */
static void *grow(struct host *h, void *v, size_t n, size_t *alloc,
                  size_t size)
{
    void *nv;
    if (n < *alloc)
        return v;
    *alloc = *alloc ? 2 * *alloc : 64;
    nv = cw__arena_alloc(&h->arena, *alloc * size);
    if (nv && n)
        memcpy(nv, v, n * size);
    return nv;
}

static void passwd_row(struct host *h, char **f, size_t n, unsigned line)
{
    struct account *a;
    void *v;
    if (n < 7)
        return;
    v = grow(h, h->accounts, h->naccounts, &h->aaccounts, sizeof(*h->accounts));
    if (!v)
        return;
    h->accounts = v;
    a = &h->accounts[h->naccounts++];
    a->name = f[0];
    a->passwd = f[1];
    a->uid = num_field(f[2]);
    a->gid = num_field(f[3]);
    a->shell = f[6];
    a->line = line;
}

static void group_row(struct host *h, char **f, size_t n, unsigned line)
{
    struct group_ent *g;
    void *v;
    if (n < 4)
        return;
    v = grow(h, h->groups, h->ngroups, &h->agroups, sizeof(*h->groups));
    if (!v)
        return;
    h->groups = v;
    g = &h->groups[h->ngroups++];
    g->name = f[0];
    g->gid = num_field(f[2]);
    g->members = f[3];
    g->line = line;
}

static void shadow_row(struct host *h, char **f, size_t n, unsigned line)
{
    struct shadow_ent *e;
    void *v;
    if (n < 8)
        return;
    v = grow(h, h->shadow, h->nshadow, &h->ashadow, sizeof(*h->shadow));
    if (!v)
        return;
    h->shadow = v;
    e = &h->shadow[h->nshadow++];
    e->name = f[0];
    e->hash = f[1];
    e->min = num_field(f[3]);
    e->max = num_field(f[4]);
    e->warn = num_field(f[5]);
    e->inactive = num_field(f[6]);
    e->line = line;
}

void host_load_accounts(struct host *h)
{
    if (!h->passwd_state)
        colon_file(h, "/etc/passwd", 7, &h->passwd_state, &h->passwd_err,
                   passwd_row);
    if (!h->group_state)
        colon_file(h, "/etc/group", 4, &h->group_state, &h->group_err,
                   group_row);
    if (!h->shadow_state)
        colon_file(h, "/etc/shadow", 9, &h->shadow_state, &h->shadow_err,
                   shadow_row);
}

long long host_uid_of(struct host *h, const char *name)
{
    size_t i;
    host_load_accounts(h);
    for (i = 0; i < h->naccounts; i++)
        if (strcmp(h->accounts[i].name, name) == 0)
            return h->accounts[i].uid;
    return -1;
}

long long host_gid_of(struct host *h, const char *name)
{
    size_t i;
    host_load_accounts(h);
    for (i = 0; i < h->ngroups; i++)
        if (strcmp(h->groups[i].name, name) == 0)
            return h->groups[i].gid;
    return -1;
}

/* ---- dpkg status --------------------------------------------------------- */

static int cmp_pkg(const void *a, const void *b)
{
    return strcmp(((const struct pkg *)a)->name, ((const struct pkg *)b)->name);
}

/*
 * One pass over /var/lib/dpkg/status: stanzas separated by blank lines,
 * "Package:" and "Status:" fields. Installed means the third word of
 * Status is "installed" and the first is not "deinstall"/"purge" - the
 * state dpkg -l shows as "ii" (or "hi" for held packages).
 */
void host_load_packages(struct host *h)
{
    const char *data, *p;
    size_t len, n = 0, alloc = 0;
    struct pkg *v = NULL;
    const char *name = NULL;
    bool installed = false;
    struct stat st;

    if (h->pkg_state)
        return;
    if (host_read(h, "/var/lib/dpkg/status", &data, &len)) {
        h->pkg_state = C_MISSING;
        h->pkg_why = host_stat(h, "/var/lib/rpm", true, &st) == 0
                         ? "an rpm database is present; cloudward reads "
                           "only dpkg's for now"
                         : "no package database (/var/lib/dpkg/status)";
        return;
    }
    for (p = data;; ) {
        const char *nl = strchr(p, '\n');
        size_t ln = nl ? (size_t)(nl - p) : strlen(p);
        if (ln == 0) { /* end of a stanza */
            if (name) {
                if (n == alloc) {
                    size_t na = alloc ? 2 * alloc : 1024;
                    struct pkg *nv = cw__arena_alloc(&h->arena,
                                                     na * sizeof(*nv));
                    if (!nv)
                        break;
                    if (n)
                        memcpy(nv, v, n * sizeof(*nv));
                    v = nv;
                    alloc = na;
                }
                v[n].name = name;
                v[n].installed = installed;
                n++;
            }
            name = NULL;
            installed = false;
        } else if (ln > 9 && strncmp(p, "Package: ", 9) == 0) {
            name = cw__arena_strndup(&h->arena, p + 9, ln - 9);
        } else if (ln > 8 && strncmp(p, "Status: ", 8) == 0) {
            /* "install ok installed", "hold ok installed" */
            installed = ln >= 18 &&
                        strncmp(p + ln - 10, " installed", 10) == 0 &&
                        strncmp(p + 8, "deinstall", 9) != 0 &&
                        strncmp(p + 8, "purge", 5) != 0;
        }
        if (!nl) {
            if (ln == 0 || !name)
                break;
            p += ln; /* a last stanza without the final blank line */
            continue;
        }
        p = nl + 1;
    }
    if (n)
        qsort(v, n, sizeof(*v), cmp_pkg);
    h->pkgs = v;
    h->npkgs = n;
    h->pkg_state = C_OK;
}
