/*
 * probe_fs.c - file system probes: `file` (existence, type, mode, owner,
 * group), `lines` (PCRE2 over the lines of files) and `tree` (whole-tree
 * findings from one shared walk).
 *
 * The walk runs at most once per scan, the first time a `tree` rule needs
 * it, and records every entry that falls in any find category; every later
 * `tree` rule filters that list. It uses openat()/fstatat() relative to
 * directory descriptors: each subdirectory is opened from its parent's
 * descriptor with O_NOFOLLOW, so neither PATH_MAX nor a directory swapped
 * for a symbolic link during the scan can hide an entry or lead outside
 * the root. At most MAX_OPEN_DIRS queued directories keep their descriptor;
 * the others are reopened later one component at a time from the root's
 * descriptor, each step with O_NOFOLLOW. It never follows symbolic links,
 * stays on the root's file system (like find -xdev) and skips /proc, /sys,
 * /dev and /run. Anything it cannot examine (a directory it cannot open,
 * an entry it cannot stat, depth beyond MAX_WALK_DEPTH) makes a "nothing
 * found" answer unknown, naming the first such path, rather than a pass.
 */
#define _GNU_SOURCE /* O_NOATIME */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"

#define MAX_HITS_PER_FIND 20000
#define MAX_WALK_DEPTH 128
#define MAX_WALKERS 4
#define MAX_OPEN_DIRS 256

/* ---- file ---------------------------------------------------------------- */

static bool id_matches(struct host *h, const char *const *names, size_t n,
                       long long id, bool user)
{
    size_t i;
    for (i = 0; i < n; i++) {
        char *end;
        long long want = strtoll(names[i], &end, 10);
        if (*end || !*names[i])
            want = user ? host_uid_of(h, names[i]) : host_gid_of(h, names[i]);
        if (want >= 0 && want == id)
            return true;
    }
    return false;
}

static const char *type_name(mode_t m)
{
    return S_ISREG(m)    ? "a regular file"
           : S_ISDIR(m)  ? "a directory"
           : S_ISLNK(m)  ? "a symbolic link"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISFIFO(m) ? "a FIFO"
                         : "a socket";
}

/* Judges one existing path; returns false (and fills `o`) on a fail. */
static bool file_one(struct host *h, const struct rule *r, const char *path,
                     struct outcome *o)
{
    struct stat st;
    int e = host_stat(h, path, r->ftype != S_IFLNK, &st);
    mode_t perm;

    o->file = path;
    if (e) {
        outcome_set(o, CW_VERDICT_UNKNOWN, "cannot stat %s: %s", path,
                    host_strerror(e));
        return false;
    }
    if (r->ftype && (st.st_mode & S_IFMT) != (mode_t)r->ftype) {
        outcome_set(o, CW_VERDICT_FAIL, "%s is %s", path,
                    type_name(st.st_mode));
        return false;
    }
    perm = st.st_mode & 07777;
    if (r->mode >= 0 && (perm & ~(mode_t)r->mode)) {
        outcome_set(o, CW_VERDICT_FAIL, "%s has mode %04o; at most %04o "
                    "expected", path, (unsigned)perm, (unsigned)r->mode);
        return false;
    }
    if (r->nowners && !id_matches(h, r->owners, r->nowners, st.st_uid, true)) {
        outcome_set(o, CW_VERDICT_FAIL, "%s is owned by uid %u; expected %s%s",
                    path, (unsigned)st.st_uid, r->owners[0],
                    r->nowners > 1 ? " or another listed owner" : "");
        return false;
    }
    if (r->ngroups && !id_matches(h, r->groups, r->ngroups, st.st_gid, false)) {
        outcome_set(o, CW_VERDICT_FAIL, "%s has group gid %u; expected %s%s",
                    path, (unsigned)st.st_gid, r->groups[0],
                    r->ngroups > 1 ? " or another listed group" : "");
        return false;
    }
    outcome_set(o, CW_VERDICT_PASS, "%s is %s, mode %04o, uid %u, gid %u",
                path, type_name(st.st_mode), (unsigned)perm,
                (unsigned)st.st_uid, (unsigned)st.st_gid);
    return true;
}

static void missing(const struct rule *r, const char *what, struct outcome *o,
                    enum cw_verdict dflt)
{
    enum cw_verdict v = r->if_missing == MISSING_PASS   ? CW_VERDICT_PASS
                        : r->if_missing == MISSING_FAIL ? CW_VERDICT_FAIL
                        : r->if_missing == MISSING_NA
                            ? CW_VERDICT_NOT_APPLICABLE
                            : dflt;
    outcome_set(o, v, "%s does not exist", what);
}

void probe_file(struct host *h, const struct rule *r, struct outcome *o)
{
    const char **paths;
    size_t n, i;

    if (!strpbrk(r->path, "*?[")) {
        struct stat st;
        int e = host_stat(h, r->path, false, &st);
        if (e && e != ENOENT && e != ENOTDIR) {
            outcome_set(o, CW_VERDICT_UNKNOWN, "cannot stat %s: %s", r->path,
                        host_strerror(e));
            return;
        }
    }
    n = host_glob(h, r->path, &paths);
    if (r->exists_false) {
        if (n)
            outcome_set(o, CW_VERDICT_FAIL, "%s exists", paths[0]);
        else
            outcome_set(o, CW_VERDICT_PASS, "%s does not exist", r->path);
        o->file = n ? paths[0] : NULL;
        return;
    }
    if (!n) {
        missing(r, r->path, o, CW_VERDICT_FAIL);
        return;
    }
    for (i = 0; i < n; i++)
        if (!file_one(h, r, paths[i], o))
            return;
    if (n > 1)
        outcome_set(o, CW_VERDICT_PASS, "all %zu files matching %s comply", n,
                    r->path);
}

/* ---- lines --------------------------------------------------------------- */

static bool is_comment(const char *s, const char *prefix)
{
    if (!prefix || !*prefix)
        return false;
    while (*s == ' ' || *s == '\t')
        s++;
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

void probe_lines(struct host *h, const struct rule *r, struct outcome *o)
{
    const char **paths;
    const char *prefix = r->comments ? r->comments : "#";
    size_t n = host_glob(h, r->path, &paths), i, j;
    bool err = false;

    if (!n) {
        missing(r, r->path, o,
                r->expect_absent ? CW_VERDICT_PASS : CW_VERDICT_FAIL);
        return;
    }
    for (i = 0; i < n; i++) {
        struct lines ls;
        const char *data;
        size_t len;
        int e = host_read(h, paths[i], &data, &len);

        if (e == EISDIR)
            continue;
        if (e) {
            outcome_set(o, CW_VERDICT_UNKNOWN, "cannot read %s: %s", paths[i],
                        host_strerror(e));
            o->file = paths[i];
            return;
        }
        memset(&ls, 0, sizeof(ls));
        lines_add_file(h, &ls, paths[i], data, false);
        for (j = 0; j < ls.n; j++) {
            const struct src_line *l = &ls.v[j];
            if (is_comment(l->text, prefix))
                continue;
            if (!re_match(r->match, l->text, strlen(l->text), &err)) {
                if (err) {
                    outcome_set(o, CW_VERDICT_ERROR,
                                "regex '%s' failed to run", r->match_src);
                    return;
                }
                continue;
            }
            o->file = l->file;
            o->line = l->line;
            outcome_set(o, r->expect_absent ? CW_VERDICT_FAIL
                                            : CW_VERDICT_PASS,
                        "%s:%u: %.200s", l->file, l->line, l->text);
            return;
        }
    }
    o->file = n == 1 ? paths[0] : NULL;
    outcome_set(o, r->expect_absent ? CW_VERDICT_PASS : CW_VERDICT_FAIL,
                "no line of %s matches '%s'", r->path, r->match_src);
}

/* ---- tree ---------------------------------------------------------------- */

/* A directory waiting to be read: its in-root path and depth. */
struct job {
    struct job *next;
    unsigned depth;
    int fd; /* the directory, open; -1: reopen it from the root */
    char path[];
};

struct walk {
    struct host *h;
    dev_t dev;
    long long *uids, *gids;
    size_t nuids, ngids;
    size_t per_find[TREE_FIND_COUNT];
    size_t unreadable;
    const char *first_unreadable;
    /* Shared by the workers, under `mu`: */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int rootfd;
    bool no_openat2;  /* the kernel or a seccomp filter refuses it */
    size_t open_dirs; /* queued jobs holding a descriptor */
    struct job *queue;
    unsigned busy;   /* workers reading a directory now */
    size_t entries;
};

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static bool known_id(const long long *v, size_t n, long long id)
{
    return v && bsearch(&id, v, n, sizeof(*v), cmp_ll) != NULL;
}

/* Records a hit; the caller holds w->mu. */
static void hit(struct walk *w, const char *path, int find)
{
    struct host *h = w->h;
    if (w->per_find[find] >= MAX_HITS_PER_FIND) {
        h->tree_capped[find] = true;
        return;
    }
    if (!cw__grow((void **)&h->hits, &h->ahits, h->nhits, sizeof(*h->hits))) {
        h->oom = true;
        return;
    }
    h->hits[h->nhits].path = cw__arena_strdup(&h->arena, path);
    h->hits[h->nhits].find = find;
    if (h->hits[h->nhits].path) {
        h->nhits++;
        w->per_find[find]++;
    }
}

/* Which find categories `st` falls in, as a bit set. */
static unsigned categories(const struct walk *w, const struct stat *st)
{
    mode_t m = st->st_mode;
    unsigned c = 0;
    if (S_ISREG(m)) {
        if (m & S_IWOTH)
            c |= 1u << TREE_WW_FILES;
        if (m & S_ISUID)
            c |= 1u << TREE_SUID;
        if (m & S_ISGID)
            c |= 1u << TREE_SGID;
    } else if (S_ISDIR(m) && (m & S_IWOTH) && !(m & S_ISVTX)) {
        c |= 1u << TREE_WW_DIRS_NO_STICKY;
    }
    if (w->uids && !known_id(w->uids, w->nuids, st->st_uid))
        c |= 1u << TREE_UNOWNED;
    if (w->gids && !known_id(w->gids, w->ngids, st->st_gid))
        c |= 1u << TREE_UNGROUPED;
    return c;
}

/* Records an unreadable entry; the caller holds w->mu. */
static void unreadable(struct walk *w, const char *path)
{
    if (!w->unreadable++)
        w->first_unreadable = cw__arena_strdup(&w->h->arena,
                                               *path ? path : "/");
}

static void locked_unreadable(struct walk *w, const char *path)
{
    pthread_mutex_lock(&w->mu);
    unreadable(w, path);
    pthread_mutex_unlock(&w->mu);
}

/* Queues directory `path` (open as `fd`, or -1) for some worker; false
 * when out of memory (the descriptor is closed then). */
static bool push(struct walk *w, const char *path, unsigned depth, int fd)
{
    size_t n = strlen(path);
    struct job *j = cw__malloc(sizeof(*j) + n + 1);
    if (!j) {
        if (fd >= 0)
            close(fd);
        return false;
    }
    j->depth = depth;
    j->fd = fd;
    memcpy(j->path, path, n + 1);
    pthread_mutex_lock(&w->mu);
    j->next = w->queue;
    w->queue = j;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return true;
}

static bool skipped_top(const char *name)
{
    return strcmp(name, "proc") == 0 || strcmp(name, "sys") == 0 ||
           strcmp(name, "dev") == 0 || strcmp(name, "run") == 0;
}

static int open_dir_at(int at, const char *name)
{
    int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                                  O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM) /* O_NOATIME needs ownership */
        fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                                  O_CLOEXEC);
    return fd;
}

/* Opens in-root directory `path` from the root's descriptor, never
 * following a symbolic link: with openat2(RESOLVE_NO_SYMLINKS |
 * RESOLVE_BENEATH) in one call where the kernel has it (Linux 5.6) and the
 * path fits, else one component at a time with O_NOFOLLOW; -1 on failure.
 * (A seccomp profile may refuse openat2 with EPERM or ENOSYS: the
 * component walk is the fallback, not an error.) */
static int reopen(struct walk *w, const char *path)
{
    const char *p = path;
    int fd;

    while (*p == '/')
        p++;
    if (!__atomic_load_n(&w->no_openat2, __ATOMIC_RELAXED) && *p &&
        strlen(p) < 4096) {
        struct open_how how;
        memset(&how, 0, sizeof(how));
        how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
        how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH |
                      RESOLVE_NO_MAGICLINKS;
        fd = (int)syscall(SYS_openat2, w->rootfd, p, &how, sizeof(how));
        if (fd >= 0)
            return fd;
        if (errno == ENOSYS || errno == EPERM || errno == E2BIG)
            __atomic_store_n(&w->no_openat2, true, __ATOMIC_RELAXED);
        else
            return -1;
    }
    fd = dup(w->rootfd);

    while (fd >= 0 && *p) {
        char name[256];
        size_t n;
        int next;
        while (*p == '/')
            p++;
        n = strcspn(p, "/");
        if (!n)
            break;
        if (n >= sizeof(name)) {
            close(fd);
            return -1;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        p += n;
        next = open_dir_at(fd, name);
        close(fd);
        fd = next;
    }
    return fd;
}

/* Opens subdirectory `name` of `dfd` for a job, when descriptors are to
 * spare; -1 leaves it to be reopened from the root. A directory that is
 * not the one just examined (swapped since) counts as unreadable. */
static int open_child(struct walk *w, int dfd, const char *name,
                      const struct stat *seen, bool *bad)
{
    struct stat st;
    bool spare;
    int fd;

    pthread_mutex_lock(&w->mu);
    spare = w->open_dirs < MAX_OPEN_DIRS;
    if (spare)
        w->open_dirs++;
    pthread_mutex_unlock(&w->mu);
    if (!spare)
        return -1;
    fd = open_dir_at(dfd, name);
    if (fd >= 0 && (fstat(fd, &st) != 0 || st.st_ino != seen->st_ino ||
                    st.st_dev != seen->st_dev)) {
        close(fd);
        fd = -1;
    }
    if (fd < 0) {
        *bad = true;
        pthread_mutex_lock(&w->mu);
        w->open_dirs--;
        pthread_mutex_unlock(&w->mu);
    }
    return fd;
}

/* Reads one directory: classifies every entry, queues subdirectories. */
static size_t read_dir(struct walk *w, const struct job *j)
{
    size_t len = strlen(j->path), n = 0, cap = len + 512;
    char *path = cw__malloc(cap);
    struct dirent *de;
    DIR *dir;
    int fd = j->fd >= 0 ? j->fd : reopen(w, j->path);

    if (j->fd >= 0) {
        pthread_mutex_lock(&w->mu);
        w->open_dirs--;
        pthread_mutex_unlock(&w->mu);
    }
    dir = fd >= 0 && path ? fdopendir(fd) : NULL;
    if (!dir) {
        if (fd >= 0)
            close(fd);
        if (!path)
            w->h->oom = true;
        cw__free(path);
        locked_unreadable(w, j->path);
        return 0;
    }
    memcpy(path, j->path, len + 1);
    while ((de = readdir(dir)) != NULL) {
        const char *name = de->d_name;
        size_t nlen = strlen(name);
        struct stat st;
        unsigned cats;
        bool bad = false;
        int cfd;

        if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
            continue;
        if (len + 1 + nlen + 1 > cap) {
            char *np = cw__realloc(path, len + 1 + nlen + 1);
            if (!np) {
                w->h->oom = true;
                break;
            }
            path = np;
            cap = len + 1 + nlen + 1;
        }
        path[len] = '/';
        memcpy(path + len + 1, name, nlen + 1);
        n++;
        if (fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            locked_unreadable(w, path);
            continue;
        }
        cats = categories(w, &st);
        if (cats) {
            unsigned k;
            pthread_mutex_lock(&w->mu);
            for (k = 0; k < TREE_FIND_COUNT; k++)
                if (cats & (1u << k))
                    hit(w, path, (int)k);
            pthread_mutex_unlock(&w->mu);
        }
        if (!S_ISDIR(st.st_mode) || st.st_dev != w->dev ||
            (j->depth == 0 && skipped_top(name)))
            continue;
        if (j->depth + 1 >= MAX_WALK_DEPTH) {
            locked_unreadable(w, path);
            continue;
        }
        cfd = open_child(w, dirfd(dir), name, &st, &bad);
        if (bad)
            locked_unreadable(w, path);
        else if (!push(w, path, j->depth + 1, cfd))
            w->h->oom = true; /* read under the lock at the end */
    }
    closedir(dir);
    cw__free(path);
    return n;
}

/* A worker: takes directories from the queue until it is empty and no
 * other worker can add more. */
static void *worker(void *arg)
{
    struct walk *w = arg;
    size_t entries = 0;

    for (;;) {
        struct job *j;
        pthread_mutex_lock(&w->mu);
        while (!w->queue && w->busy)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->queue) { /* nothing queued and nobody busy: done */
            pthread_cond_broadcast(&w->cv);
            pthread_mutex_unlock(&w->mu);
            break;
        }
        j = w->queue;
        w->queue = j->next;
        w->busy++;
        pthread_mutex_unlock(&w->mu);
        entries += read_dir(w, j);
        cw__free(j);
        pthread_mutex_lock(&w->mu);
        w->busy--;
        if (!w->busy)
            pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
    }
    pthread_mutex_lock(&w->mu);
    w->entries += entries;
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static long long *id_set(struct host *h, bool users, size_t *n)
{
    size_t i, count = users ? h->naccounts : h->ngroups;
    long long *v = cw__arena_alloc(&h->arena, (count + 1) * sizeof(*v));
    if (!v)
        return NULL;
    for (i = 0; i < count; i++)
        v[i] = users ? h->accounts[i].uid : h->groups[i].gid;
    qsort(v, count, sizeof(*v), cmp_ll);
    *n = count;
    return v;
}

static int cmp_hit(const void *a, const void *b)
{
    const struct tree_hit *x = a, *y = b;
    return x->find != y->find ? x->find - y->find : strcmp(x->path, y->path);
}

/*
 * The walk is spread over up to MAX_WALKERS threads sharing a queue of
 * directories: the kernel work (getdents, fstatat) dominates, and two cores
 * halve it. Hits are sorted at the end so reports do not depend on
 * scheduling.
 */
static void walk_tree(struct host *h)
{
    pthread_t tids[MAX_WALKERS];
    struct walk w;
    struct stat st;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nthreads = cpus > 1 ? (size_t)cpus : 1, i, started = 0;

    if (h->tree_state)
        return;
    if (nthreads > MAX_WALKERS)
        nthreads = MAX_WALKERS;
    memset(&w, 0, sizeof(w));
    w.h = h;
    host_load_accounts(h);
    if (h->passwd_state == C_OK)
        w.uids = id_set(h, true, &w.nuids);
    if (h->group_state == C_OK)
        w.gids = id_set(h, false, &w.ngids);
    if (stat(*h->root ? h->root : "/", &st) != 0) {
        h->tree_state = C_UNREADABLE;
        h->tree_err = "cannot open the root";
        return;
    }
    w.dev = st.st_dev;
    w.no_openat2 = h->no_openat2;
    w.rootfd = open(*h->root ? h->root : "/",
                    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (w.rootfd < 0) {
        h->tree_state = C_UNREADABLE;
        h->tree_err = "cannot open the root";
        return;
    }
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    /* The root itself is an entry too: a root folder anyone may write to
     * is as much a finding as any folder under it. */
    {
        struct stat rst;
        unsigned k, cats;
        if (fstat(w.rootfd, &rst) == 0 &&
            (cats = categories(&w, &rst)) != 0)
            for (k = 0; k < TREE_FIND_COUNT; k++)
                if (cats & (1u << k))
                    hit(&w, "/", (int)k);
    }
    if (!push(&w, "", 0, -1)) {
        h->oom = true;
    } else {
        for (i = 1; i < nthreads; i++)
            if (pthread_create(&tids[started], NULL, worker, &w) == 0)
                started++;
        worker(&w); /* this thread works too */
        for (i = 0; i < started; i++)
            pthread_join(tids[i], NULL);
    }
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    close(w.rootfd);
    h->tree_entries = w.entries;
    if (h->nhits)
        qsort(h->hits, h->nhits, sizeof(*h->hits), cmp_hit);
    if (w.unreadable)
        h->tree_err = cw__arena_printf(&h->arena,
                                       "%zu entries could not be read "
                                       "(first: %s)",
                                       w.unreadable,
                                       w.first_unreadable
                                           ? w.first_unreadable
                                           : "?");
    h->tree_state = C_OK;
}

static bool allowed(const struct rule *r, const char *path)
{
    size_t i;
    for (i = 0; i < r->nallow; i++)
        if (fnmatch(r->allow[i], path, 0) == 0)
            return true;
    return false;
}

void probe_tree(struct host *h, const struct rule *r, struct outcome *o)
{
    size_t i, found = 0, off = 0;
    char list[300];

    walk_tree(h);
    if (h->tree_state != C_OK) {
        outcome_set(o, CW_VERDICT_UNKNOWN, "%s", h->tree_err);
        return;
    }
    if ((r->find == TREE_UNOWNED && h->passwd_state != C_OK) ||
        (r->find == TREE_UNGROUPED && h->group_state != C_OK)) {
        outcome_set(o, CW_VERDICT_UNKNOWN,
                    "cannot read the root's %s to tell owners",
                    r->find == TREE_UNOWNED ? "/etc/passwd" : "/etc/group");
        return;
    }
    list[0] = '\0';
    for (i = 0; i < h->nhits; i++) {
        if (h->hits[i].find != r->find || allowed(r, h->hits[i].path))
            continue;
        if (!found++)
            o->file = h->hits[i].path;
        if (off < sizeof(list) - 1)
            off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
                                    found > 1 ? ", " : "", h->hits[i].path);
    }
    if (found) {
        outcome_set(o, CW_VERDICT_FAIL, "%s%zu found: %s%s",
                    h->tree_capped[r->find] ? "at least " : "", found, list,
                    off >= sizeof(list) - 1 ? ", ..." : "");
        return;
    }
    if (h->tree_capped[r->find]) {
        outcome_set(o, CW_VERDICT_UNKNOWN,
                    "more than %d found, all on the allow list; those past "
                    "%d were not kept, so they cannot all be cleared",
                    MAX_HITS_PER_FIND, MAX_HITS_PER_FIND);
        return;
    }
    if (h->tree_err) {
        outcome_set(o, CW_VERDICT_UNKNOWN, "none found, but %s", h->tree_err);
        return;
    }
    outcome_set(o, CW_VERDICT_PASS, "none found in %zu entries",
                h->tree_entries);
}

void cw__tree_release(struct host *h)
{
    cw__free(h->hits);
    h->hits = NULL;
}
