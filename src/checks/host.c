/*
 * host.c - the scanned system as probes see it: every path is an in-root
 * path ("/etc/ssh/sshd_config") resolved under the root with symbolic links
 * followed *inside* the root, so an absolute link in a VM image
 * (/etc/localtime -> /usr/share/zoneinfo/UTC) never escapes to the scanning
 * machine. openat2(RESOLVE_IN_ROOT) would do the same in the kernel, but it
 * is refused by common container seccomp profiles; the walk below works
 * everywhere and costs a few lstat() calls per path.
 *
 * Files are opened read-only with O_NOFOLLOW on the resolved path and
 * nothing is ever created under the root: an offline scan leaves the tree
 * exactly as it was (tests/e2e/host.sh proves it).
 *
 * Parsed state (os-release, accounts, dpkg status) is cached in `struct
 * host` for the whole scan.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"

#define MAX_LINKS 40
#define MAX_CONFIG_BYTES ((size_t)32 << 20)

/* Appends component [s, s+n) to the in-root path `cur` (length *len). */
static int push(char *cur, size_t *len, size_t cap, const char *s, size_t n)
{
    if (*len + 1 + n + 1 > cap)
        return ENAMETOOLONG;
    cur[(*len)++] = '/';
    memcpy(cur + *len, s, n);
    *len += n;
    cur[*len] = '\0';
    return 0;
}

static void pop(char *cur, size_t *len)
{
    while (*len > 0 && cur[*len - 1] != '/')
        (*len)--;
    if (*len > 0)
        (*len)--;
    cur[*len] = '\0';
}

int host_resolve(const struct host *h, const char *path, bool follow_last,
                 char *out, size_t n)
{
    char cur[4096], rest[8192], real[4096 + 256], target[4096];
    size_t len = 0, rootlen = strlen(h->root);
    unsigned links = 0;
    char *p;

    cur[0] = '\0';
    if (strlen(path) >= sizeof(rest))
        return ENAMETOOLONG;
    snprintf(rest, sizeof(rest), "%s", path);
    p = rest;
    while (*p) {
        char *end;
        size_t clen;
        struct stat st;
        ssize_t tl;

        while (*p == '/')
            p++;
        if (!*p)
            break;
        end = strchr(p, '/');
        clen = end ? (size_t)(end - p) : strlen(p);
        if (clen == 1 && p[0] == '.') {
            p += clen;
            continue;
        }
        if (clen == 2 && p[0] == '.' && p[1] == '.') {
            pop(cur, &len); /* never above the root */
            p += clen;
            continue;
        }
        if (push(cur, &len, sizeof(cur), p, clen))
            return ENAMETOOLONG;
        p += clen;
        while (*p == '/')
            p++;
        snprintf(real, sizeof(real), "%s%s", h->root, cur);
        if (lstat(real, &st) != 0) {
            if (errno == ENOENT && *p)
                return ENOENT;
            if (errno != ENOENT)
                return errno;
            break; /* a missing last component: the caller sees ENOENT */
        }
        if (!S_ISLNK(st.st_mode) || (!*p && !follow_last))
            continue;
        if (++links > MAX_LINKS)
            return ELOOP;
        tl = readlink(real, target, sizeof(target) - 1);
        if (tl < 0)
            return errno;
        target[tl] = '\0';
        pop(cur, &len);
        if (target[0] == '/')
            len = 0, cur[0] = '\0';
        /* The rest of the path now follows the link target. */
        if (strlen(target) + 1 + strlen(p) + 1 > sizeof(rest))
            return ENAMETOOLONG;
        {
            char tmp[8192];
            int w = snprintf(tmp, sizeof(tmp), "%s/%s", target, p);
            if (w < 0 || (size_t)w >= sizeof(tmp))
                return ENAMETOOLONG;
            memcpy(rest, tmp, (size_t)w + 1);
        }
        p = rest;
    }
    if (rootlen + len + 2 > n)
        return ENAMETOOLONG;
    snprintf(out, n, "%s%s", h->root, len ? cur : "/");
    return 0;
}

int host_stat(const struct host *h, const char *path, bool follow,
              struct stat *st)
{
    char real[4096 + 256];
    int e = host_resolve(h, path, follow, real, sizeof(real));
    if (e)
        return e;
    return lstat(real, st) == 0 ? 0 : errno;
}

int host_read(struct host *h, const char *path, const char **data,
              size_t *len)
{
    char real[4096 + 256];
    struct stat st;
    char *buf;
    size_t off = 0;
    int fd, e = host_resolve(h, path, true, real, sizeof(real));

    if (e)
        return e;
    fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
                        O_NONBLOCK);
    if (fd < 0)
        return errno;
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

size_t host_glob(struct host *h, const char *pattern, const char ***out)
{
    char full[4096 + 256], dir[4096], real_dir[4096 + 256];
    const char *slash = strrchr(pattern, '/');
    const char *wild = strpbrk(pattern, "*?[");
    size_t i, n = 0, dlen = slash ? (size_t)(slash - pattern) : 0, skip;
    const char **v;
    glob_t g;

    *out = NULL;
    if (!wild) {
        struct stat st;
        if (host_stat(h, pattern, false, &st) != 0)
            return 0;
        v = cw__arena_alloc(&h->arena, sizeof(*v));
        if (!v || !(v[0] = cw__arena_strdup(&h->arena, pattern)))
            return 0;
        *out = v;
        return 1;
    }
    if (slash && wild > slash && dlen < sizeof(dir)) {
        /* Wildcards in the last component only (the common case): resolve
         * the directory inside the root, then glob in it. */
        memcpy(dir, pattern, dlen);
        dir[dlen] = '\0';
        if (host_resolve(h, dlen ? dir : "/", true, real_dir,
                         sizeof(real_dir)))
            return 0;
        snprintf(full, sizeof(full), "%s%s", real_dir, slash);
        skip = strlen(real_dir);
    } else {
        snprintf(full, sizeof(full), "%s%s", h->root, pattern);
        skip = strlen(h->root);
        dlen = 0;
    }
    memset(&g, 0, sizeof(g));
    if (glob(full, 0, NULL, &g) != 0) {
        globfree(&g);
        return 0;
    }
    v = cw__arena_alloc(&h->arena, (g.gl_pathc + 1) * sizeof(*v));
    for (i = 0; v && i < g.gl_pathc; i++) {
        /* The in-root path: the directory as written plus what matched. */
        v[n] = cw__arena_printf(&h->arena, "%.*s%s", (int)dlen, pattern,
                                g.gl_pathv[i] + skip);
        if (v[n])
            n++;
    }
    if (n)
        qsort(v, n, sizeof(*v), cmp_str);
    globfree(&g);
    *out = v;
    return n;
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
