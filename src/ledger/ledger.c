/*
 * ledger.c - the ledger: entries into a Merkle tree kept by a store
 * (src/store/ledger_store.h; SQLite today), signed checkpoints, proofs,
 * verification and tenant views.
 *
 * The tree lives in the entry rows: a leaf hash per entry, and with the
 * last leaf of each complete subtree of 2^level leaves at an even level
 * >= 2, that subtree's hash. An odd level is one hash of two stored
 * children away, so appends write a third of the hashes a full tree would
 * need, in the rows they write anyway.
 *
 * An append runs in one write transaction (appenders in other processes
 * queue on the store's write lock) and returns after commit, which is when
 * the entries are durable. The right edge of the tree (at most 64 complete
 * subtrees) is read at the start of the transaction and extended in
 * memory, so an append of k entries costs k rows, never a walk of the
 * tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "../query/jsonpath.h"
#include "../store/ledger_store.h"
#include "../store/store_dir.h"
#include "ledger.h"

struct edge;

struct cw_ledger {
    struct cw__lstore *st;
    char dir[3800];
    struct cw__buf canon; /* an entry expanded for hashing or showing */
    char failed[256];     /* why appends stopped ("" while they may go) */
    char skey[CW__NOTE_KEY_MAX];
    char vkey[CW__NOTE_KEY_MAX];
    char origin[CW__NOTE_ORIGIN_MAX];
    char path[4096];
    uint64_t held;        /* size of STORE/checkpoint when opened (0: none) */
    struct edge *edge;    /* the right edge after this handle's last append */
    uint64_t edge_size;   /* the size it is the edge of */
};

/* STORE/checkpoint: a copy, outside the database, of the latest signed
 * checkpoint. Deleting rows at the end of the database (and its
 * checkpoints with them) leaves this file behind, and a ledger shorter
 * than the tree it signed is refused. */
static void held_path(const struct cw_ledger *l, char *out, size_t n)
{
    snprintf(out, n, "%s/checkpoint", l->dir);
}

static bool read_held(const struct cw_ledger *l, char *note, size_t n,
                      size_t *len);

static enum cw_status unreadable(struct cw_ledger *l, struct cw_diag *d)
{
    return cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                        "the tree cannot be read; run 'cloudward log "
                        "verify'");
}

static enum cw_status db_error(struct cw_ledger *l, struct cw_diag *d,
                               const char *what)
{
    return cw__diag_set(d, CW_EIO, l->path, 0, 0, "%s: %s", what,
                        l->st->ops->errmsg(l->st));
}

/* A write inside an append failed: the error, and this handle takes no
 * more appends. After a failed write or fsync what the kernel holds for
 * the file is unknown; retrying could acknowledge an entry that is not on
 * disk. Opening the ledger again lets SQLite recover from what is. */
static enum cw_status write_failed(struct cw_ledger *l, struct cw_diag *d,
                                   const char *what)
{
    snprintf(l->failed, sizeof(l->failed), "%s", l->st->ops->errmsg(l->st));
    return db_error(l, d, what);
}

/* The store's operations, by name. */
#define OP(l, name, ...) ((l)->st->ops->name((l)->st, __VA_ARGS__))
#define BEGIN(l, write) ((l)->st->ops->begin((l)->st, (write)))
#define COMMIT(l) ((l)->st->ops->commit((l)->st))
#define ROLLBACK(l) ((l)->st->ops->rollback((l)->st))

/* The canonical bytes of stored entry `body` (n bytes), in l->canon. */
static bool canonical(struct cw_ledger *l, const char *body, size_t n)
{
    return body && cw__entry_expand(body, n, &l->canon) == CW_OK;
}

/* ---- subtree reads --------------------------------------------------- */

/* Subtree `index` of 2^level leaves (level 0 or even) from the row of its
 * last leaf: the leaf column, or its slot in the nodes column. */
static int stored(struct cw_ledger *l, unsigned level, uint64_t index,
                  cw__hash out)
{
    if (level >= 64 || index > (UINT64_MAX >> level) - 1)
        return CW__STORE_MISSING;
    return OP(l, hash, ((index + 1) << level) - 1, level / 2, out);
}

/* Only leaves and even levels are stored. */
static bool kept(unsigned level)
{
    return level % 2 == 0;
}

static int subtree(void *arg, unsigned level, uint64_t index, cw__hash out)
{
    struct cw_ledger *l = arg;
    cw__hash a, b;
    int rc;

    if (kept(level))
        return stored(l, level, index, out);
    if ((rc = stored(l, level - 1, 2 * index, a)) ||
        (rc = stored(l, level - 1, 2 * index + 1, b)))
        return rc;
    cw__node_hash(a, b, out);
    return 0;
}

static enum cw_status size_of(struct cw_ledger *l, uint64_t *n,
                              struct cw_diag *d)
{
    return OP(l, size, n) ? db_error(l, d, "cannot read the ledger") : CW_OK;
}

/* ---- opening ---------------------------------------------------------- */

static const char *meta(struct cw_ledger *l, const char *key, char *out,
                        size_t n)
{
    return OP(l, meta_get, key, out, n) == CW__STORE_OK ? out : NULL;
}

/* Reads the signer key at `path` into l->skey and derives l->vkey. */
static enum cw_status read_key(struct cw_ledger *l, const char *path,
                               struct cw_diag *d)
{
    ssize_t got;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0)
        return cw__diag_set(d, CW_EIO, path, 0, 0,
                            "cannot read the ledger key: %s",
                            strerror(errno));
    got = read(fd, l->skey, sizeof(l->skey) - 1);
    close(fd);
    if (got <= 0)
        return cw__diag_set(d, CW_EIO, path, 0, 0, "empty ledger key");
    l->skey[got] = '\0';
    l->skey[strcspn(l->skey, "\r\n")] = '\0';
    if (cw__note_vkey(l->skey, l->vkey, sizeof(l->vkey)))
        return cw__diag_set(d, CW_EINTEGRITY, path, 0, 0,
                            "not a ledger signing key");
    return CW_OK;
}

/* A new key, written whole or not at all: a temporary file (0600) synced
 * and renamed into place, so a crash leaves no half key. */
static enum cw_status make_key(struct cw_ledger *l, const char *path,
                               struct cw_diag *d)
{
    char tmp[4200], name[64], hex[9];
    unsigned char r[4];
    int fd;

    randombytes_buf(r, sizeof(r));
    sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
    snprintf(name, sizeof(name), "cloudward.local/ledger-%s", hex);
    if (cw__note_keygen(name, l->skey, sizeof(l->skey), l->vkey,
                        sizeof(l->vkey)))
        return cw__diag_set(d, CW_EIO, path, 0, 0, "cannot make a key");
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    unlink(tmp); /* left by a crash before its rename */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return cw__diag_set(d, CW_EIO, tmp, 0, 0, "cannot create: %s",
                            strerror(errno));
    if (write(fd, l->skey, strlen(l->skey)) != (ssize_t)strlen(l->skey) ||
        fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return cw__diag_set(d, CW_EIO, path, 0, 0, "cannot write: %s",
                            strerror(errno));
    }
    /* The rename itself must be durable before the database records the
     * key. */
    {
        char dir[4096];
        const char *slash = strrchr(path, '/');
        snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
                 slash ? path : ".");
        if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
            fsync(fd) != 0) {
            if (fd >= 0)
                close(fd);
            return cw__diag_set(d, CW_EIO, dir, 0, 0, "cannot sync: %s",
                                strerror(errno));
        }
        close(fd);
    }
    return CW_OK;
}

/*
 * The signing key: ledger.key beside the database (0600, never
 * overwritten). The database records its verifier key; a key file without
 * that record is one an interrupted first open wrote, and is taken up.
 */
static enum cw_status load_key(struct cw_ledger *l, const char *dir,
                               struct cw_diag *d)
{
    char path[4096], stored[CW__NOTE_KEY_MAX];
    enum cw_status st;
    struct stat sb;

    snprintf(path, sizeof(path), "%s/ledger.key", dir);
    if (!meta(l, "vkey", stored, sizeof(stored))) {
        st = stat(path, &sb) == 0 ? read_key(l, path, d)
                                  : make_key(l, path, d);
        if (st)
            return st;
        if (OP(l, meta_put, "vkey", l->vkey))
            return db_error(l, d, "cannot record the ledger key");
    } else {
        if ((st = read_key(l, path, d)))
            return st;
        if (strcmp(l->vkey, stored) != 0)
            return cw__diag_set(d, CW_EINTEGRITY, path, 0, 0,
                                "this key is not the one the ledger was "
                                "started with");
    }
    snprintf(l->origin, sizeof(l->origin), "%.*s",
             (int)strcspn(l->vkey, "+"), l->vkey);
    return CW_OK;
}

/* The ledger's files in the store folder, checked before each open
 * (store_dir.h): the folder private to its owner, the files its own. */
static enum cw_status check_store(const char *dir, struct cw_diag *d)
{
    static const char *const names[] = { "ledger.db", "ledger.db-wal",
                                         "ledger.db-shm", "ledger.key",
                                         "package.key", NULL };
    return cw__store_dir_check(dir, names, "ledger.db", d);
}

/* The local folder of a PostgreSQL store: its key and checkpoint copy. */
static enum cw_status check_key_dir(const char *dir, struct cw_diag *d)
{
    static const char *const names[] = { "ledger.key", "checkpoint",
                                         "package.key", NULL };
    return cw__store_dir_check(dir, names, NULL, d);
}

/* Opens the database of the store: the folder's ledger.db, or the
 * PostgreSQL database a URL names (its key in $CLOUDWARD_KEY_DIR). */
static enum cw_status open_db(struct cw_ledger *l, const char *store,
                              bool create, struct cw_diag *d)
{
    char err[600];
    int rc;
    if (!cw__store_is_url(store)) {
        if (cw__lstore_sqlite_open(l->path, &l->st, err, sizeof(err)))
            return cw__diag_set(d, CW_EIO, l->path, 0, 0, "cannot open: %s",
                                err);
        return CW_OK;
    }
    rc = cw__lstore_pg_open(store, NULL, create, &l->st, err, sizeof(err));
    if (rc == CW__STORE_MISSING)
        return cw__diag_set(d, CW_ENOENT, l->path, 0, 0, "%s", err);
    return rc ? cw__diag_set(d, CW_EIO, l->path, 0, 0, "%s", err) : CW_OK;
}

static enum cw_status open_store(const char *store, bool create,
                                 struct cw_ledger **out, struct cw_diag *d)
{
    struct cw_ledger *l;
    enum cw_status st = CW_OK;
    bool url = cw__store_is_url(store);
    char dir[3800];

    *out = NULL;
    if (sodium_init() < 0)
        return cw__diag_set(d, CW_EIO, NULL, 0, 0, "libsodium failed");
    if (!url)
        snprintf(dir, sizeof(dir), "%s", store);
    else if ((st = cw__store_key_dir(dir, sizeof(dir), d)))
        return st;
    if (!create && !url) {
        char db[4200];
        struct stat sb;
        snprintf(db, sizeof(db), "%s/ledger.db", dir);
        if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return cw__diag_set(d, CW_ENOENT, dir, 0, 0,
                                "no store here (check --store or "
                                "$CLOUDWARD_STORE); nothing was created");
        if (lstat(db, &sb) != 0)
            return cw__diag_set(d, CW_ENOENT, dir, 0, 0,
                                "the store has no ledger (ledger.db); "
                                "nothing was created");
    }
    if ((create || url) && mkdir(dir, 0700) != 0 && errno != EEXIST)
        return cw__diag_set(d, CW_EIO, dir, 0, 0, "cannot create: %s",
                            strerror(errno));
    if ((st = url ? check_key_dir(dir, d) : check_store(dir, d)))
        return st;
    if (!(l = cw__calloc(1, sizeof(*l))))
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    cw__buf_init(&l->canon, ENTRY_MAX);
    if (url)
        cw__store_display(store, l->path, sizeof(l->path));
    else
        snprintf(l->path, sizeof(l->path), "%s/ledger.db", dir);
    snprintf(l->dir, sizeof(l->dir), "%s", dir);
    if ((st = open_db(l, store, create, d)))
        goto fail;
    /* The key against its record, in a read transaction when there is
     * one (a read-only replica opens too); else the key and its record
     * in one write transaction. */
    {
        char stored[CW__NOTE_KEY_MAX];
        bool write = false;
        if (BEGIN(l, false)) {
            st = db_error(l, d, "cannot open");
            goto fail;
        }
        if (!meta(l, "vkey", stored, sizeof(stored))) {
            ROLLBACK(l);
            write = true;
            if (BEGIN(l, true)) {
                st = db_error(l, d, "cannot open");
                goto fail;
            }
        }
        if ((st = load_key(l, dir, d)) != CW_OK) {
            ROLLBACK(l);
            goto fail;
        }
        if (COMMIT(l) && write) {
            st = db_error(l, d, "cannot open");
            goto fail;
        }
    }
    {
        char note[CW__NOTE_MAX];
        size_t len;
        cw__hash root;
        if (read_held(l, note, sizeof(note), &len))
            (void)cw__checkpoint_verify(note, len, l->vkey, &l->held, root);
    }
    *out = l;
    return CW_OK;
fail:
    cw_ledger_close(l);
    return st;
}

enum cw_status cw_ledger_open(const char *dir, struct cw_ledger **out,
                              struct cw_diag *d)
{
    return open_store(dir, true, out, d);
}

enum cw_status cw_ledger_open_existing(const char *dir,
                                       struct cw_ledger **out,
                                       struct cw_diag *d)
{
    return open_store(dir, false, out, d);
}

void cw_ledger_close(struct cw_ledger *l)
{
    if (!l)
        return;
    if (l->st)
        l->st->ops->close(l->st);
    cw__free(l->edge);
    sodium_memzero(l->skey, sizeof(l->skey));
    cw__buf_release(&l->canon);
    cw__free(l);
}

/* ---- appending -------------------------------------------------------- */

/* The right edge of the tree of n leaves: its complete subtrees, left to
 * right, as a stack the appends extend. */
struct edge {
    unsigned level[64];
    cw__hash hash[64];
    unsigned n;
};

static int load_edge(struct cw_ledger *l, uint64_t n, struct edge *e)
{
    uint64_t start = 0;
    int lvl, rc;
    e->n = 0;
    for (lvl = 63; lvl >= 0; lvl--) {
        uint64_t w = (uint64_t)1 << lvl;
        if (!(n & w))
            continue;
        if ((rc = subtree(l, (unsigned)lvl, start >> lvl, e->hash[e->n])))
            return rc;
        e->level[e->n++] = (unsigned)lvl;
        start += w;
    }
    return 0;
}

/* Puts leaf `idx` on the right edge, merging equal levels; each stored
 * (even-level) subtree it completes goes to `node`, which may stop the
 * walk by returning non-zero. Appends store them, verify compares them. */
static int edge_push(struct edge *e, const cw__hash leaf, uint64_t idx,
                     int (*node)(void *arg, unsigned level, uint64_t index,
                                 const cw__hash h),
                     void *arg)
{
    int rc;
    memcpy(e->hash[e->n], leaf, CW__HASH_LEN);
    e->level[e->n++] = 0;
    while (e->n >= 2 && e->level[e->n - 1] == e->level[e->n - 2]) {
        unsigned lv = e->level[e->n - 1] + 1;
        cw__node_hash(e->hash[e->n - 2], e->hash[e->n - 1], e->hash[e->n - 2]);
        e->level[e->n - 2] = lv;
        e->n--;
        if (kept(lv) && (rc = node(arg, lv, idx >> lv, e->hash[e->n - 1])))
            return rc;
    }
    return 0;
}

/* The even-level subtrees one leaf completes, lowest first: what goes in
 * its row's nodes column. */
struct row_nodes {
    unsigned char h[32 * CW__HASH_LEN];
    size_t len;
};

static int collect_node(void *arg, unsigned level, uint64_t index,
                        const cw__hash h)
{
    struct row_nodes *r = arg;
    (void)index;
    if (r->len != (size_t)(level / 2 - 1) * CW__HASH_LEN ||
        r->len + CW__HASH_LEN > sizeof(r->h))
        return 1; /* cannot happen: levels come 2, 4, ... in order */
    memcpy(r->h + r->len, h, CW__HASH_LEN);
    r->len += CW__HASH_LEN;
    return 0;
}

/* ---- tenant runs ------------------------------------------------------ */

/*
 * A tenant's view is read through tenant_runs(tenant, first, idxs): one row
 * per tenant per append, `first` its first entry there and `idxs` the gaps
 * to its next ones as LEB128 varints. A batch of 1024 entries for three
 * tenants writes three index rows instead of 1024 (an index on
 * entries(tenant) cost a fifth of the append rate).
 */
struct run_key {
    const char *tenant;
    size_t i;
};

static int run_cmp(const void *a, const void *b)
{
    const struct run_key *x = a, *y = b;
    int c = strcmp(x->tenant, y->tenant);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Calls fn with each index of a run: `first`, then first plus each gap.
 * What fn returns non-zero stops the walk and is returned; -1 when the
 * gaps are malformed (cut off, or a gap of 0). */
static int run_each(uint64_t first, const unsigned char *gaps, size_t n,
                    int (*fn)(void *arg, uint64_t idx), void *arg)
{
    const unsigned char *p = gaps, *end = gaps ? gaps + n : gaps;
    uint64_t idx = first, gap;
    int rc;
    if ((rc = fn(arg, idx)))
        return rc;
    while (p < end) {
        if (!cw__varint_get(&p, end, &gap) || !gap || idx > UINT64_MAX - gap)
            return -1;
        if ((rc = fn(arg, idx += gap)))
            return rc;
    }
    return 0;
}

static int post_runs(struct cw_ledger *l, const struct cw_log_event *ev,
                     size_t n, uint64_t first)
{
    struct run_key *k;
    unsigned char *blob;
    size_t m = 0, i, j;
    int rc = CW__STORE_ERROR;

    for (i = 0; i < n; i++)
        m += ev[i].tenant != NULL;
    if (!m)
        return 0;
    k = cw__calloc(m, sizeof(*k));
    blob = cw__malloc(m * 10);
    if (!k || !blob)
        goto out;
    for (i = 0, j = 0; i < n; i++)
        if (ev[i].tenant)
            k[j++] = (struct run_key){ ev[i].tenant, i };
    qsort(k, m, sizeof(*k), run_cmp);
    for (i = 0; i < m; i = j) {
        size_t len = 0;
        for (j = i + 1; j < m && strcmp(k[j].tenant, k[i].tenant) == 0; j++)
            len += cw__varint_put(blob + len, k[j].i - k[j - 1].i);
        if ((rc = OP(l, put_run, k[i].tenant, first + k[i].i, blob, len)))
            goto out;
    }
    rc = 0;
out:
    cw__free(k);
    cw__free(blob);
    return rc;
}

/* ---- one append ------------------------------------------------------ */

enum cw_status cw_ledger_append(struct cw_ledger *l,
                                const struct cw_log_event *ev, size_t n,
                                uint64_t *first, unsigned char *leaves,
                                struct cw_diag *d)
{
    struct edge e;
    uint64_t size;
    enum cw_status st = CW_OK;
    size_t i;
    struct cw__buf all; /* the stored entries, each NUL-terminated */
    size_t *off;        /* where entry i starts in it; off[n] the end */
    unsigned char *lv;

    if (l->failed[0])
        return cw__diag_set(d, CW_EIO, l->path, 0, 0,
                            "appends stopped after a failed write (%s); "
                            "nothing was retried: open the ledger again",
                            l->failed);
    if (!n)
        return CW_OK;
    cw__buf_init(&all, (size_t)1 << 40);
    off = cw__calloc(n + 1, sizeof(*off));
    lv = cw__malloc(n * CW__HASH_LEN);
    if (!off || !lv) {
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    /* Build (and check) every entry before touching the database. (A
     * builder thread beside the inserts was tried: on this project's
     * 2-vCPU machines it made batches of 1024 slower, 155k -> 125k/s.) */
    for (i = 0; !st && i < n; i++) {
        off[i] = all.len;
        st = cw__entry_append_stored(&ev[i], &all, d);
        if (!st && !canonical(l, all.data + off[i], all.len - off[i] - 1))
            st = cw__diag_set(d, CW_ELIMIT, ev[i].file, ev[i].line, 0,
                              "the entry is larger than %zu bytes",
                              ENTRY_MAX);
        if (!st)
            cw__leaf_hash(l->canon.data, l->canon.len,
                          lv + CW__HASH_LEN * i);
    }
    off[n] = all.len;
    if (st)
        goto out;
    if (BEGIN(l, true)) {
        st = db_error(l, d, "cannot append");
        goto out;
    }
    if ((st = size_of(l, &size, d)))
        goto rollback;
    if (size < l->held) {
        st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                          "holds %llu entries, but the store's last "
                          "checkpoint signed %llu: entries were removed; "
                          "nothing is appended to a cut log (run 'cloudward "
                          "log verify')",
                          (unsigned long long)size,
                          (unsigned long long)l->held);
        goto rollback;
    }
    /* The edge this handle left, while nobody else appended: up to 64
     * stored hashes not read again (a round trip each on PostgreSQL). */
    if (l->edge && l->edge_size == size)
        e = *l->edge;
    else if (load_edge(l, size, &e)) {
        st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                          "the tree's right edge is missing; run 'cloudward "
                          "log verify'");
        goto rollback;
    }
    for (i = 0; i < n; i++) {
        struct cw__lrow row;
        struct row_nodes rn;
        rn.len = 0;
        row.idx = size + i;
        row.leaf = lv + CW__HASH_LEN * i;
        if (edge_push(&e, row.leaf, row.idx, collect_node, &rn)) {
            st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                              "the tree's right edge is inconsistent");
            goto rollback;
        }
        row.tenant = ev[i].tenant;
        row.action = ev[i].action;
        row.leaf_len = CW__HASH_LEN;
        row.nodes = rn.len ? rn.h : NULL;
        row.nodes_len = rn.len;
        row.body = all.data + off[i];
        row.body_len = off[i + 1] - off[i] - 1;
        if (OP(l, put, &row)) {
            st = write_failed(l, d, "cannot append");
            goto rollback;
        }
    }
    if (post_runs(l, ev, n, size)) {
        st = write_failed(l, d, "cannot append");
        goto rollback;
    }
    /* Durable here: the store's commit returns once the entries are on
     * disk. A failure is reported, never retried. */
    if (COMMIT(l)) {
        st = write_failed(l, d, "cannot commit the append");
        goto rollback;
    }
    if (l->edge || (l->edge = cw__malloc(sizeof(*l->edge))) != NULL) {
        *l->edge = e;
        l->edge_size = size + n;
    }
    if (first)
        *first = size;
    if (leaves)
        memcpy(leaves, lv, n * CW__HASH_LEN);
    goto out;
rollback:
    ROLLBACK(l);
out:
    cw__buf_release(&all);
    cw__free(off);
    cw__free(lv);
    return st;
}

enum cw_status cw_ledger_size(struct cw_ledger *l, uint64_t *size,
                              struct cw_diag *d)
{
    return size_of(l, size, d);
}

/* ---- JSON lines ------------------------------------------------------- */

struct line_batch {
    struct cw__arena a;
    struct cw_log_event *ev;
    size_t n;
};

enum cw_status cw_ledger_append_lines(
    struct cw_ledger *l, FILE *in, const char *name, size_t batch,
    void (*ack)(void *arg, uint64_t index, const unsigned char leaf[32]),
    void *arg, struct cw_diag *d)
{
    struct line_batch b;
    char *line = NULL;
    size_t cap = 0, i;
    unsigned lineno = 0;
    ssize_t got = 0;
    enum cw_status st = CW_OK;
    unsigned char *leaves;

    if (!batch || batch > 65536)
        batch = 1024;
    memset(&b, 0, sizeof(b));
    cw__arena_init(&b.a, 0);
    b.ev = cw__calloc(batch, sizeof(*b.ev));
    leaves = cw__malloc(batch * CW__HASH_LEN);
    if (!b.ev || !leaves) {
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    for (;;) {
        bool eof = (got = getline(&line, &cap, in)) < 0;
        if (!eof) {
            size_t len = (size_t)got;
            lineno++;
            while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                len--;
            if (len && (st = cw__event_parse(&b.a, line, len, name, lineno,
                                             &b.ev[b.n], d)))
                break;
            b.n += len != 0;
        }
        if (b.n == batch || (eof && b.n)) {
            uint64_t first = 0;
            if ((st = cw_ledger_append(l, b.ev, b.n, &first, leaves, d)))
                break;
            for (i = 0; ack && i < b.n; i++)
                ack(arg, first + i, leaves + CW__HASH_LEN * i);
            b.n = 0;
            cw__arena_reset(&b.a);
        }
        if (eof)
            break;
    }
    if (!st && ferror(in))
        st = cw__diag_set(d, CW_EIO, name, lineno, 0, "read error");
out:
    free(line); /* getline's buffer is libc's */
    cw__free(b.ev);
    cw__free(leaves);
    cw__arena_release(&b.a);
    return st;
}

/* ---- checkpoints and proofs ------------------------------------------ */

enum cw_status cw_ledger_extends(struct cw_ledger *l, const char *note,
                                 size_t len, const char *what,
                                 struct cw_diag *d)
{
    uint64_t size, have;
    cw__hash root, mine;
    enum cw_status st;

    if (!cw__checkpoint_verify(note, len, l->vkey, &size, root))
        return cw__diag_set(d, CW_EINTEGRITY, what, 0, 0,
                            "not a checkpoint signed by this ledger's key");
    if ((st = size_of(l, &have, d)))
        return st;
    if (have < size)
        return cw__diag_set(d, CW_EINTEGRITY, what, 0, 0,
                            "signed a tree of %llu entries, but the ledger "
                            "holds %llu: entries were removed from its end",
                            (unsigned long long)size,
                            (unsigned long long)have);
    if (size && cw__merkle_root(subtree, l, size, mine))
        return unreadable(l, d);
    if (size && memcmp(mine, root, CW__HASH_LEN) != 0)
        return cw__diag_set(d, CW_EINTEGRITY, what, 0, 0,
                            "the ledger's first %llu entries are not the "
                            "ones this checkpoint signed: the log was "
                            "rewritten",
                            (unsigned long long)size);
    return CW_OK;
}

/* Reads STORE/checkpoint into `note`; false when there is none. */
static bool read_held(const struct cw_ledger *l, char *note, size_t n,
                      size_t *len)
{
    char path[4200];
    ssize_t got;
    int fd;

    held_path(l, path, sizeof(path));
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return false;
    got = read(fd, note, n - 1);
    close(fd);
    if (got <= 0)
        return false;
    note[got] = '\0';
    *len = (size_t)got;
    return true;
}

enum cw_status cw_ledger_checkpoint(struct cw_ledger *l, char *note,
                                    size_t n, struct cw_diag *d)
{
    uint64_t size;
    cw__hash root;
    enum cw_status st;

    if (BEGIN(l, true))
        return db_error(l, d, "cannot checkpoint");
    if ((st = size_of(l, &size, d)))
        goto fail;
    if (cw__merkle_root(subtree, l, size, root)) {
        st = unreadable(l, d);
        goto fail;
    }
    if (cw__checkpoint_sign(l->skey, l->origin, size, root, note, n)) {
        st = cw__diag_set(d, CW_EIO, l->path, 0, 0, "cannot sign");
        goto fail;
    }
    if (OP(l, put_checkpoint, size, note) || COMMIT(l)) {
        st = db_error(l, d, "cannot store the checkpoint");
        goto fail;
    }
    {
        char path[4200];
        held_path(l, path, sizeof(path));
        if ((st = cw__atomic_write_private(path, note, strlen(note), true,
                                           d)))
            return st;
        l->held = size;
    }
    return CW_OK;
fail:
    ROLLBACK(l);
    return st;
}

enum cw_status cw_ledger_root(struct cw_ledger *l, uint64_t *size,
                              unsigned char root[32], struct cw_diag *d)
{
    enum cw_status st;
    if (BEGIN(l, false)) /* one snapshot */
        return db_error(l, d, "cannot read the ledger");
    if (!(st = size_of(l, size, d)) && cw__merkle_root(subtree, l, *size, root))
        st = unreadable(l, d);
    COMMIT(l);
    return st;
}

/* ---- copying a ledger to another store ---------------------------------- */

struct copy {
    struct cw_ledger *to;
    uint64_t next; /* the index the next entry must have */
    size_t checkpoints;
};

static int copy_entry(void *arg, const struct cw__lrow *r)
{
    struct copy *c = arg;
    if (r->idx != c->next++)
        return CW__STORE_ERROR; /* a gap: verify the source first */
    return OP(c->to, put, r);
}

static int copy_run(void *arg, const char *tenant, uint64_t first,
                    const unsigned char *gaps, size_t n)
{
    struct copy *c = arg;
    return OP(c->to, put_run, tenant, first, gaps, n);
}

static int copy_checkpoint(void *arg, uint64_t size, const char *note)
{
    struct copy *c = arg;
    c->checkpoints++;
    return OP(c->to, put_checkpoint, size, note);
}

enum cw_status cw__ledger_copy(struct cw_ledger *from, struct cw_ledger *to,
                               size_t *checkpoints, struct cw_diag *d)
{
    struct copy c = { to, 0, 0 };
    uint64_t size;
    enum cw_status st = CW_OK;
    int rc;

    if (strcmp(from->vkey, to->vkey) != 0)
        return cw__diag_set(d, CW_EINVAL, to->path, 0, 0,
                            "is signed by another key than %s: a copy "
                            "must keep the ledger's key",
                            from->path);
    if (BEGIN(from, false))
        return db_error(from, d, "cannot read the ledger");
    if (BEGIN(to, true)) {
        COMMIT(from);
        return db_error(to, d, "cannot copy the ledger");
    }
    if ((st = size_of(to, &size, d)))
        goto out;
    if (size) {
        st = cw__diag_set(d, CW_EEXIST, to->path, 0, 0,
                          "already holds %llu entries; copy into an empty "
                          "store",
                          (unsigned long long)size);
        goto out;
    }
    rc = OP(from, scan, CW__LKIND_ALL, copy_entry, &c);
    if (!rc)
        rc = OP(from, scan_runs, NULL, copy_run, &c);
    if (!rc)
        rc = OP(from, scan_checkpoints, false, copy_checkpoint, &c);
    if (rc) {
        st = cw__diag_set(d, CW_EIO, to->path, 0, 0,
                          "cannot copy the ledger (entry %llu): %s; "
                          "nothing was copied",
                          (unsigned long long)c.next,
                          to->st->ops->errmsg(to->st));
        goto out;
    }
    /* All of it or nothing: one transaction. */
    if (COMMIT(to)) {
        st = db_error(to, d, "cannot copy the ledger");
        goto out_read;
    }
    {
        char note[CW__NOTE_MAX], path[4200];
        size_t len;
        if (read_held(from, note, sizeof(note), &len)) {
            held_path(to, path, sizeof(path));
            if ((st = cw__atomic_write_private(path, note, len, true, d)))
                goto out_read;
            to->held = from->held;
        }
    }
    *checkpoints = c.checkpoints;
    goto out_read;
out:
    ROLLBACK(to);
out_read:
    COMMIT(from);
    return st;
}

enum cw_status cw_ledger_vkey(struct cw_ledger *l, char *vkey, size_t n,
                              struct cw_diag *d)
{
    if ((size_t)snprintf(vkey, n, "%s", l->vkey) >= n)
        return cw__diag_set(d, CW_ELIMIT, NULL, 0, 0, "buffer too small");
    return CW_OK;
}

enum cw_status cw_ledger_prove(struct cw_ledger *l, uint64_t index,
                               uint64_t size, unsigned char *proof,
                               size_t *nproof, struct cw_diag *d)
{
    uint64_t have;
    enum cw_status st = size_of(l, &have, d);
    if (st)
        return st;
    if (index >= size || size > have)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "entry %llu is not in a tree of %llu entries "
                            "(the ledger has %llu)",
                            (unsigned long long)index,
                            (unsigned long long)size,
                            (unsigned long long)have);
    if (cw__merkle_inclusion(subtree, l, index, size, proof, nproof))
        return unreadable(l, d);
    return CW_OK;
}

enum cw_status cw_ledger_consistency(struct cw_ledger *l, uint64_t size1,
                                     uint64_t size2, unsigned char *proof,
                                     size_t *nproof, struct cw_diag *d)
{
    uint64_t have;
    enum cw_status st = size_of(l, &have, d);
    if (st)
        return st;
    if (size1 == 0 || size1 > size2 || size2 > have)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "need 0 < SIZE1 <= SIZE2 <= %llu",
                            (unsigned long long)have);
    if (cw__merkle_consistency(subtree, l, size1, size2, proof, nproof))
        return unreadable(l, d);
    return CW_OK;
}

/* ---- verification ----------------------------------------------------- */

static void edge_root(const struct edge *e, cw__hash out)
{
    cw__hash r;
    unsigned i;
    if (!e->n) {
        cw__sha256("", 0, out);
        return;
    }
    memcpy(r, e->hash[e->n - 1], CW__HASH_LEN);
    for (i = e->n - 1; i-- > 0;)
        cw__node_hash(e->hash[i], r, r);
    memcpy(out, r, CW__HASH_LEN);
}

/* The subtrees a leaf completes are stored in its own row (whose nodes
 * column verify has checked holds exactly that many): compared there, no
 * lookup. */
struct node_check {
    const struct cw__lrow *row;
    unsigned level; /* where the stored tree differed */
};

static int check_node(void *arg, unsigned level, uint64_t index,
                      const cw__hash h)
{
    struct node_check *c = arg;
    (void)index;
    c->level = level;
    return sodium_memcmp(c->row->nodes + (level / 2 - 1) * CW__HASH_LEN, h,
                         CW__HASH_LEN) != 0;
}

/*
 * The columns beside an entry (tenant, action) and the tenant index are
 * not in the tree; verify holds them to the entries anyway, so that no
 * stored byte can change unnoticed. The index is compared as a multiset
 * of (tenant, index) pairs: a 128-bit sum of their keyed hashes, taken
 * over the entries and over the runs, in one pass each; only when the
 * sums differ is it searched for the entry to name.
 */
struct pair_sum {
    uint64_t lo, hi, n;
};

struct runs_check {
    struct pair_sum from_entries, from_runs;
    unsigned char key[crypto_shorthash_siphashx24_KEYBYTES];
    struct cw__buf esc; /* a column as a JSON string */
    int bad_col;
};

/* SipHash-128 under a key drawn for this verify: whoever edits the store
 * cannot know it, so cannot pick pairs whose sums cancel. */
static void runs_add(struct pair_sum *p, const unsigned char *key,
                     const char *tenant, uint64_t idx)
{
    unsigned char buf[128 + 1 + 8], h[16];
    size_t n = strlen(tenant), i;
    uint64_t lo = 0, hi = 0;

    if (n > 128)
        n = 128; /* tenants are at most 128 bytes */
    memcpy(buf, tenant, n);
    buf[n] = 0;
    for (i = 0; i < 8; i++)
        buf[n + 1 + i] = (unsigned char)(idx >> (56 - 8 * i));
    crypto_shorthash_siphashx24(h, buf, n + 9, key);
    for (i = 0; i < 8; i++) {
        lo = lo << 8 | h[i];
        hi = hi << 8 | h[8 + i];
    }
    p->lo += lo;
    p->hi += hi + (p->lo < lo);
    p->n++;
}

/* Column value `v` (tenant, or action when !tenant) against what the
 * entry in l->canon says. */
static bool column_matches(struct cw_ledger *l, const char *v, bool tenant,
                           struct runs_check *r)
{
    const char *want;
    size_t n;

    r->bad_col = tenant;
    if (!cw__entry_field(l->canon.data, l->canon.len, tenant, &want, &n))
        return false;
    if (!v || !want)
        return !v && !want;
    r->esc.len = 0;
    return !cw__json_str(&r->esc, v, strlen(v)) && r->esc.len == n &&
           memcmp(r->esc.data, want, n) == 0;
}

/* ---- finding where the tenant index went wrong ---- */

struct culprit {
    struct cw_ledger *l;
    struct cw_diag *d;
    unsigned char *seen; /* a bit per entry the index names */
    uint64_t size, *bad;
    const char *tenant;  /* of the run being walked */
    enum cw_status st;
};

static int culprit_index(void *arg, uint64_t idx)
{
    struct culprit *c = arg;
    struct cw__lrow row;
    int rc = idx < c->size ? OP(c->l, get, idx, &row) : CW__STORE_MISSING;

    if (rc == CW__STORE_ERROR) {
        c->st = db_error(c->l, c->d, "cannot read the ledger");
        return 1;
    }
    if (rc || !row.tenant || strcmp(row.tenant, c->tenant) != 0 ||
        (c->seen[idx / 8] & (1u << idx % 8))) {
        *c->bad = idx;
        c->st = cw__diag_set(c->d, CW_EINTEGRITY, c->l->path, 0, 0,
                             "the index of tenant '%s' names entry %llu, "
                             "which is not that tenant's (or twice)",
                             c->tenant, (unsigned long long)idx);
        return 1;
    }
    c->seen[idx / 8] |= (unsigned char)(1u << idx % 8);
    return 0;
}

static int culprit_run(void *arg, const char *tenant, uint64_t first,
                       const unsigned char *gaps, size_t n)
{
    struct culprit *c = arg;
    int rc;
    c->tenant = tenant;
    if ((rc = run_each(first, gaps, n, culprit_index, c)) < 0) {
        c->st = cw__diag_set(c->d, CW_EINTEGRITY, c->l->path, 0, 0,
                             "the index of tenant '%s' cannot be read: it "
                             "was altered",
                             tenant);
        return 1;
    }
    return rc;
}

static int culprit_entry(void *arg, const struct cw__lrow *r)
{
    struct culprit *c = arg;
    if (r->tenant && r->idx < c->size &&
        !(c->seen[r->idx / 8] & (1u << r->idx % 8))) {
        *c->bad = r->idx;
        c->st = cw__diag_set(c->d, CW_EINTEGRITY, c->l->path, 0, 0,
                             "entry %llu is missing from the index of "
                             "tenant '%s'",
                             (unsigned long long)r->idx, r->tenant);
        return 1;
    }
    return 0;
}

/* Where the index and the entries disagree, found the slow way: the
 * first run naming another tenant's entry, or else the first entry no
 * run names. */
static enum cw_status runs_culprit(struct cw_ledger *l, uint64_t size,
                                   uint64_t *bad, struct cw_diag *d)
{
    struct culprit c = { l, d, NULL, size, bad, NULL, CW_OK };
    int rc;

    if (!(c.seen = cw__calloc(size / 8 + 1, 1)))
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    rc = OP(l, scan_runs, NULL, culprit_run, &c);
    if (!rc)
        rc = OP(l, scan, CW__LKIND_ALL, culprit_entry, &c);
    cw__free(c.seen);
    if (c.st)
        return c.st;
    if (rc)
        return db_error(l, d, "cannot read the ledger");
    return cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                        "the tenant index does not match the entries");
}

struct sum_run {
    struct runs_check *r;
    const char *tenant;
};

static int sum_index(void *arg, uint64_t idx)
{
    struct sum_run *x = arg;
    runs_add(&x->r->from_runs, x->r->key, x->tenant, idx);
    return 0;
}

static int sum_run(void *arg, const char *tenant, uint64_t first,
                   const unsigned char *gaps, size_t n)
{
    struct sum_run *x = arg;
    x->tenant = tenant;
    /* Malformed gaps: the sums cannot agree; the culprit search names
     * the run. */
    return run_each(first, gaps, n, sum_index, x) ? CW__STORE_STOP : 0;
}

static enum cw_status verify_runs(struct cw_ledger *l, struct runs_check *r,
                                  uint64_t size, uint64_t *bad,
                                  struct cw_diag *d)
{
    struct sum_run x = { r, NULL };
    int rc = OP(l, scan_runs, NULL, sum_run, &x);
    if (rc == CW__STORE_ERROR)
        return db_error(l, d, "cannot read the ledger");
    if (!rc && r->from_runs.lo == r->from_entries.lo &&
        r->from_runs.hi == r->from_entries.hi &&
        r->from_runs.n == r->from_entries.n)
        return CW_OK;
    return runs_culprit(l, size, bad, d);
}

/* ---- the whole ledger ---- */

struct checkpoint {
    uint64_t size;
    char *note;
};

struct verify {
    struct cw_ledger *l;
    struct cw_diag *d;
    uint64_t *bad;
    struct edge e;
    struct node_check ck;
    struct runs_check runs;
    struct checkpoint *cp;
    size_t ncp, cap, next_cp;
    uint64_t next; /* the entry expected next */
    enum cw_status st;
};

static int keep_checkpoint(void *arg, uint64_t size, const char *note)
{
    struct verify *v = arg;
    if (v->ncp == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 16;
        struct checkpoint *p = cw__realloc(v->cp, cap * sizeof(*p));
        if (!p) {
            v->st = cw__diag_set(v->d, CW_ENOMEM, NULL, 0, 0,
                                 "out of memory");
            return CW__STORE_STOP;
        }
        v->cp = p;
        v->cap = cap;
    }
    if (!(v->cp[v->ncp].note = cw__strdup(note))) {
        v->st = cw__diag_set(v->d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        return CW__STORE_STOP;
    }
    v->cp[v->ncp++].size = size;
    return 0;
}

/* The checkpoints at the size reached so far: signed by our key, over
 * the root the entries give. */
static bool checkpoints_hold(struct verify *v)
{
    while (v->next_cp < v->ncp && v->cp[v->next_cp].size <= v->next) {
        const struct checkpoint *c = &v->cp[v->next_cp];
        uint64_t size;
        cw__hash root, want;
        if (c->size < v->next ||
            !cw__checkpoint_verify(c->note, strlen(c->note), v->l->vkey,
                                   &size, root) ||
            size != c->size) {
            *v->bad = c->size;
            v->st = cw__diag_set(v->d, CW_EINTEGRITY, v->l->path, 0, 0,
                                 "checkpoint at size %llu: the signature "
                                 "does not verify",
                                 (unsigned long long)c->size);
            return false;
        }
        edge_root(&v->e, want);
        if (sodium_memcmp(root, want, CW__HASH_LEN) != 0) {
            *v->bad = c->size ? c->size - 1 : 0;
            v->st = cw__diag_set(v->d, CW_EINTEGRITY, v->l->path, 0, 0,
                                 "checkpoint at size %llu: the entries "
                                 "give another root",
                                 (unsigned long long)c->size);
            return false;
        }
        v->next_cp++;
    }
    return true;
}

/* How many even-level subtrees entry `idx` is the last leaf of: the
 * hashes its row holds. */
static unsigned nodes_of(uint64_t idx)
{
    unsigned k = 0, lv;
    for (lv = 2; lv < 64 && ((idx + 1) & (((uint64_t)1 << lv) - 1)) == 0;
         lv += 2)
        k++;
    return k;
}

static int verify_entry(void *arg, const struct cw__lrow *r)
{
    struct verify *v = arg;
    struct cw_ledger *l = v->l;
    cw__hash leaf;

    if (!checkpoints_hold(v))
        return 1;
    *v->bad = v->next;
    if (r->idx != v->next) {
        v->st = cw__diag_set(v->d, CW_EINTEGRITY, l->path, 0, 0,
                             "entry %llu is missing",
                             (unsigned long long)v->next);
        return 1;
    }
    if (!canonical(l, r->body, r->body_len)) {
        v->st = cw__diag_set(v->d, CW_EINTEGRITY, l->path, 0, 0,
                             "entry %llu cannot be read",
                             (unsigned long long)r->idx);
        return 1;
    }
    cw__leaf_hash(l->canon.data, l->canon.len, leaf);
    if (r->leaf_len != CW__HASH_LEN ||
        sodium_memcmp(leaf, r->leaf, CW__HASH_LEN) != 0) {
        v->st = cw__diag_set(v->d, CW_EINTEGRITY, l->path, 0, 0,
                             "entry %llu: its content does not match its "
                             "leaf hash",
                             (unsigned long long)r->idx);
        return 1;
    }
    if (!column_matches(l, r->tenant, true, &v->runs) ||
        !column_matches(l, r->action, false, &v->runs)) {
        v->st = cw__diag_set(v->d, CW_EINTEGRITY, l->path, 0, 0,
                             "entry %llu: its %s column does not match its "
                             "content",
                             (unsigned long long)r->idx,
                             v->runs.bad_col ? "tenant" : "action");
        return 1;
    }
    if (r->nodes_len != nodes_of(r->idx) * CW__HASH_LEN) {
        v->st = cw__diag_set(v->d, CW_EINTEGRITY, l->path, 0, 0,
                             "entry %llu: its tree hashes are %zu bytes, "
                             "not %u",
                             (unsigned long long)r->idx, r->nodes_len,
                             nodes_of(r->idx) * CW__HASH_LEN);
        return 1;
    }
    if (r->tenant)
        runs_add(&v->runs.from_entries, v->runs.key, r->tenant, r->idx);
    v->ck.row = r;
    if (edge_push(&v->e, leaf, r->idx, check_node, &v->ck)) {
        /* The leaves match their entries, so one of them was rewritten
         * together with its hash: the tree says which span, not which
         * entry. */
        *v->bad = r->idx + 1 - ((uint64_t)1 << v->ck.level);
        v->st = cw__diag_set(v->d, CW_EINTEGRITY, l->path, 0, 0,
                             "entries %llu-%llu: they do not give the "
                             "stored tree hash above them (level %u); one "
                             "was rewritten with its leaf hash",
                             (unsigned long long)*v->bad,
                             (unsigned long long)r->idx, v->ck.level);
        return 1;
    }
    v->next++;
    return 0;
}

enum cw_status cw_ledger_verify(struct cw_ledger *l, uint64_t *bad,
                                struct cw_diag *d)
{
    struct verify v;
    size_t i;
    int rc;

    memset(&v, 0, sizeof(v));
    v.l = l;
    v.d = d;
    v.bad = bad;
    *bad = 0;
    randombytes_buf(v.runs.key, sizeof(v.runs.key));
    cw__buf_init(&v.runs.esc, ENTRY_MAX);
    if (BEGIN(l, false)) /* one consistent snapshot */
        return db_error(l, d, "cannot read the ledger");
    if (OP(l, scan_checkpoints, false, keep_checkpoint, &v)) {
        if (!v.st)
            v.st = db_error(l, d, "cannot read the ledger");
        goto out;
    }
    rc = OP(l, scan, CW__LKIND_ALL, verify_entry, &v);
    if (v.st)
        goto out;
    if (rc) {
        v.st = db_error(l, d, "cannot read the ledger");
        goto out;
    }
    if (!checkpoints_hold(&v))
        goto out;
    if (v.next_cp < v.ncp) {
        *bad = v.cp[v.next_cp].size;
        v.st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                            "checkpoint at size %llu, beyond the %llu "
                            "entries",
                            (unsigned long long)*bad,
                            (unsigned long long)v.next);
        goto out;
    }
    v.st = verify_runs(l, &v.runs, v.next, bad, d);
    if (!v.st) {
        char note[CW__NOTE_MAX], path[4200];
        size_t len;
        held_path(l, path, sizeof(path));
        if (read_held(l, note, sizeof(note), &len) &&
            (v.st = cw_ledger_extends(l, note, len, path, d)))
            *bad = v.next;
    }
out:
    for (i = 0; i < v.ncp; i++)
        cw__free(v.cp[i].note);
    cw__free(v.cp);
    cw__buf_release(&v.runs.esc);
    COMMIT(l);
    return v.st;
}

/* ---- showing ---------------------------------------------------------- */

struct show {
    struct cw_ledger *l;
    struct cw_diag *d;
    FILE *out;
    bool json;
    const char *tenant;
    uint64_t cp_size;
    char *cp_json; /* the latest checkpoint note as a JSON string */
    enum cw_status st;
    uint64_t skip; /* entries still to pass over */
    uint64_t left; /* entries still to write; 0: no limit */
};

/* True for an entry before the page, to pass over. */
static bool before_page(struct show *x)
{
    return x->skip ? (x->skip--, true) : false;
}

/* After an entry is written: CW__STORE_STOP when it ended the page. */
static int page_done(struct show *x)
{
    return x->left && --x->left == 0 ? CW__STORE_STOP : 0;
}

/* Writes one entry. */
/* One entry as a row a person reads: time, actor, action, target, tenant,
 * outcome (the whole entry is in --format json). */
static int show_row(struct show *x, uint64_t idx, const char *tenant,
                    const char *entry)
{
    struct cw__arena a;
    struct cw__node *root = NULL;
    struct cw_diag d;
    const struct cw__node *res, *t;
    const char *actor = NULL, *action = NULL, *target = NULL, *status;
    char when[32] = "?";

    cw__arena_init(&a, 0);
    if (!cw__json_parse(&a, "ledger", entry, strlen(entry), NULL, &root,
                        &d)) {
        actor = cw__node_str(cw__node_get(cw__node_get(root, "actor"),
                                          "user"),
                             "uid");
        action = cw__node_str(cw__node_get(root, "api"), "operation");
        if (!action)
            action = cw__node_str(root, "activity_name");
        res = cw__node_get(root, "resources");
        target = res && res->kind == CW__NODE_SEQ && res->n
                     ? cw__node_str(res->kids[0], "uid")
                     : cw__node_str(cw__node_get(root, "user"), "uid");
        status = cw__node_str(root, "status");
        if ((t = cw__node_get(root, "time")) && t->type == CW__T_NUMBER) {
            time_t secs = (time_t)(t->num / 1000);
            struct tm tm;
            gmtime_r(&secs, &tm);
            strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        }
        fprintf(x->out, "%-7llu %-20s %-14s %-20s %-28s %-10s %s\n",
                (unsigned long long)idx, when, actor ? actor : "-",
                action ? action : "-", target ? target : "-",
                tenant ? tenant : "-", status ? status : "-");
    } else {
        fprintf(x->out, "%-7llu (unreadable entry)\n",
                (unsigned long long)idx);
    }
    cw__arena_release(&a);
    return 0;
}

static int show_entry(void *arg, const struct cw__lrow *r)
{
    struct show *x = arg;
    struct cw_ledger *l = x->l;
    char hex[2 * CW__HASH_LEN + 1];
    unsigned char proof[CW__MERKLE_MAX_PROOF * CW__HASH_LEN];
    size_t np = 0, i;

    if (r->leaf_len != CW__HASH_LEN || !canonical(l, r->body, r->body_len)) {
        x->st = unreadable(l, x->d);
        return 1;
    }
    sodium_bin2hex(hex, sizeof(hex), r->leaf, CW__HASH_LEN);
    if (!x->json)
        return show_row(x, r->idx, r->tenant, l->canon.data);
    fprintf(x->out, "{\"index\":%llu,\"leaf\":\"%s\",\"entry\":%s",
            (unsigned long long)r->idx, hex, l->canon.data);
    if (r->idx >= x->cp_size || !x->cp_json) {
        fputs(",\"proof\":null,\"checkpoint\":null}\n", x->out);
        return 0;
    }
    if (cw__merkle_inclusion(subtree, l, r->idx, x->cp_size, proof, &np)) {
        x->st = unreadable(l, x->d);
        return 1;
    }
    fprintf(x->out, ",\"tree_size\":%llu,\"proof\":[",
            (unsigned long long)x->cp_size);
    for (i = 0; i < np; i++) {
        sodium_bin2hex(hex, sizeof(hex), proof + CW__HASH_LEN * i,
                       CW__HASH_LEN);
        fprintf(x->out, "%s\"%s\"", i ? "," : "", hex);
    }
    fprintf(x->out, "],\"checkpoint\":%s}\n", x->cp_json);
    return 0;
}

/* One index of a tenant's run: the entry must exist and say it is the
 * tenant's; a run that points elsewhere is damage, not something to
 * show. */
static int show_index(void *arg, uint64_t idx)
{
    struct show *x = arg;
    struct cw__lrow row;
    int rc;
    if (before_page(x))
        return 0;
    rc = OP(x->l, get, idx, &row);
    if (rc == CW__STORE_ERROR) {
        x->st = db_error(x->l, x->d, "cannot read the ledger");
        return 1;
    }
    if (rc || !row.tenant || strcmp(row.tenant, x->tenant) != 0) {
        x->st = cw__diag_set(x->d, CW_EINTEGRITY, x->l->path, 0, 0,
                             "the index of tenant '%s' names entry %llu, "
                             "which is not that tenant's: the index was "
                             "altered",
                             x->tenant, (unsigned long long)idx);
        return 1;
    }
    rc = show_entry(x, &row);
    return rc ? rc : page_done(x);
}

/* An entry of the whole log, within the page. */
static int show_any(void *arg, const struct cw__lrow *r)
{
    struct show *x = arg;
    int rc;
    if (before_page(x))
        return 0;
    rc = show_entry(x, r);
    return rc ? rc : page_done(x);
}

static int show_run(void *arg, const char *tenant, uint64_t first,
                    const unsigned char *gaps, size_t n)
{
    struct show *x = arg;
    int rc;
    (void)tenant;
    if ((rc = run_each(first, gaps, n, show_index, x)) < 0) {
        x->st = cw__diag_set(x->d, CW_EINTEGRITY, x->l->path, 0, 0,
                             "the index of tenant '%s' cannot be read: it "
                             "was altered",
                             x->tenant);
        return 1;
    }
    return rc;
}

/* The latest checkpoint: its size, and its note as a JSON string. */
static int latest_checkpoint(void *arg, uint64_t size, const char *note)
{
    struct show *x = arg;
    struct cw__node n;
    struct cw__buf b;
    memset(&n, 0, sizeof(n));
    n.kind = CW__NODE_SCALAR;
    n.type = CW__T_STRING;
    n.str = note;
    n.len = strlen(note);
    cw__buf_init(&b, ENTRY_MAX);
    if (cw__json_write(&n, &b) || cw__buf_append(&b, "", 1)) {
        cw__buf_release(&b);
        x->st = cw__diag_set(x->d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        return 1;
    }
    x->cp_size = size;
    x->cp_json = b.data;
    return 0;
}

struct latest_note {
    char *note;
    size_t n;
    bool found;
};

static int copy_latest(void *arg, uint64_t size, const char *note)
{
    struct latest_note *x = arg;
    (void)size;
    snprintf(x->note, x->n, "%s", note);
    x->found = true;
    return 0;
}

enum cw_status cw_ledger_latest_checkpoint(struct cw_ledger *l, char *note,
                                           size_t n, struct cw_diag *d)
{
    struct latest_note x = { note, n, false };

    if (OP(l, scan_checkpoints, true, copy_latest, &x))
        return db_error(l, d, "cannot read the ledger");
    return x.found ? CW_OK
                   : cw__diag_set(d, CW_ENOENT, l->path, 0, 0,
                                  "no checkpoint has been signed");
}

/* ---- the slice an audit package holds --------------------------------- */

bool cw__entry_time(const char *canon, long long *ms)
{
    /* The top-level "time" is the first ',"time":' of the text: keys are
     * sorted, so it comes before "unmapped" (the only member that nests
     * what a caller chose), and a quote inside a string is escaped. */
    const char *p = strstr(canon, ",\"time\":");
    char *end;

    if (!p)
        return false;
    *ms = strtoll(p + 8, &end, 10);
    return end != p + 8;
}

struct slicer {
    struct cw_ledger *l;
    long long until_ms;
    uint64_t n;
    bool ended;
    int (*fn)(void *arg, uint64_t idx, const char *canon, size_t len);
    void *arg;
    int failed; /* 1: unreadable entry, 2: the callback's refusal */
};

static int slice_entry(void *arg, const struct cw__lrow *r)
{
    struct slicer *x = arg;
    long long t;

    if (r->idx != x->n || cw__entry_expand(r->body, r->body_len,
                                           &x->l->canon)) {
        x->failed = 1;
        return CW__STORE_STOP;
    }
    if (!cw__entry_time(x->l->canon.data, &t)) {
        x->failed = 1;
        return CW__STORE_STOP;
    }
    if (t > x->until_ms) {
        x->ended = true;
        return CW__STORE_STOP;
    }
    if (x->fn(x->arg, r->idx, x->l->canon.data, x->l->canon.len)) {
        x->failed = 2;
        return CW__STORE_STOP;
    }
    x->n++;
    return 0;
}

struct head_note {
    char *note;
    uint64_t size;
    bool found;
};

static int keep_head(void *arg, uint64_t size, const char *note)
{
    struct head_note *h = arg;
    snprintf(h->note, CW__NOTE_MAX, "%s", note);
    h->size = size;
    h->found = true;
    return 0;
}

enum cw_status cw__ledger_slice(struct cw_ledger *l, long long until_ms,
                                int (*fn)(void *arg, uint64_t idx,
                                          const char *canon, size_t len),
                                void *arg, struct cw__slice *out,
                                struct cw_diag *d)
{
    struct slicer x = { l, until_ms, 0, false, fn, arg, 0 };
    struct head_note h = { out->note_head, 0, false };
    uint64_t size;
    cw__hash root;
    enum cw_status st;
    int rc;

    memset(out, 0, sizeof(*out));
    h.note = out->note_head;
    snprintf(out->vkey, sizeof(out->vkey), "%s", l->vkey);
    /* A write transaction: a head may have to be signed and stored. */
    if (BEGIN(l, true))
        return db_error(l, d, "cannot read the ledger");
    if ((st = size_of(l, &size, d)))
        goto fail;
    rc = OP(l, scan, CW__LKIND_ALL, slice_entry, &x);
    if (x.failed == 2) {
        st = cw__diag_set(d, CW_EIO, l->path, 0, 0,
                          "cannot write the ledger's entries");
        goto fail;
    }
    if (x.failed || (rc && rc != CW__STORE_STOP)) {
        st = unreadable(l, d);
        goto fail;
    }
    out->n = x.n;
    if (OP(l, scan_checkpoints, true, keep_head, &h)) {
        st = db_error(l, d, "cannot read the checkpoints");
        goto fail;
    }
    if (!h.found || h.size < x.n) {
        if (cw__merkle_root(subtree, l, size, root) ||
            cw__checkpoint_sign(l->skey, l->origin, size, root,
                                out->note_head, sizeof(out->note_head))) {
            st = unreadable(l, d);
            goto fail;
        }
        if (OP(l, put_checkpoint, size, out->note_head)) {
            st = db_error(l, d, "cannot store the checkpoint");
            goto fail;
        }
        h.size = size;
    }
    out->head = h.size;
    if (cw__merkle_root(subtree, l, x.n, root) ||
        cw__checkpoint_sign(l->skey, l->origin, x.n, root, out->note_n,
                            sizeof(out->note_n)) ||
        (x.n && x.n < h.size &&
         cw__merkle_consistency(subtree, l, x.n, h.size, out->proof,
                                &out->nproof))) {
        st = unreadable(l, d);
        goto fail;
    }
    if (COMMIT(l))
        return db_error(l, d, "cannot store the checkpoint");
    if (h.size == size) {
        char path[4200];
        held_path(l, path, sizeof(path));
        if (l->held < size &&
            (st = cw__atomic_write_private(path, out->note_head,
                                           strlen(out->note_head), true, d)))
            return st;
        l->held = size;
    }
    return CW_OK;
fail:
    ROLLBACK(l);
    return st;
}

/* ---- a page's reads at once (stores with prefetch) ---------------------- */

struct wanted {
    uint64_t *idx;
    size_t n, cap;
    bool failed;
    uint64_t skip, left; /* the page, while its entries are collected */
};

static void want(struct wanted *w, uint64_t idx)
{
    if (w->failed)
        return;
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 256;
        uint64_t *p = cw__realloc(w->idx, cap * sizeof(*p));
        if (!p) {
            w->failed = true;
            return;
        }
        w->idx = p;
        w->cap = cap;
    }
    w->idx[w->n++] = idx;
}

static int want_index(void *arg, uint64_t idx)
{
    struct wanted *w = arg;
    if (w->skip) {
        w->skip--;
        return 0;
    }
    want(w, idx);
    return w->left && --w->left == 0 ? CW__STORE_STOP : 0;
}

static int want_run(void *arg, const char *tenant, uint64_t first,
                    const unsigned char *gaps, size_t n)
{
    int rc = run_each(first, gaps, n, want_index, arg);
    (void)tenant;
    return rc < 0 ? CW__STORE_STOP : rc; /* the real pass names damage */
}

/* A proof's subtree reads, recorded instead of made: the rows holding
 * them (stored(): level 0 or even; an odd level is two such below). */
static int want_subtree(void *arg, unsigned level, uint64_t index,
                        cw__hash out)
{
    struct wanted *w = arg;
    memset(out, 0, CW__HASH_LEN);
    if (level >= 63 || index > (UINT64_MAX >> (level + 1)) - 2)
        return 0;
    if (kept(level)) {
        want(w, ((index + 1) << level) - 1);
    } else {
        want(w, ((2 * index + 1) << (level - 1)) - 1);
        want(w, ((2 * index + 2) << (level - 1)) - 1);
    }
    return 0;
}

static int by_index(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* On a store where each read is a round trip (PostgreSQL), a tenant's
 * page would cost one per entry and one per proof hash, some 4,000 for
 * 100 entries; instead its entries, then the rows their proofs need,
 * are asked for at once. Best effort: what is not loaded is read as
 * usual. */
static void prefetch_page(struct show *x)
{
    struct cw_ledger *l = x->l;
    struct wanted w = { NULL, 0, 0, false, x->skip, x->left };
    unsigned char proof[CW__MERKLE_MAX_PROOF * CW__HASH_LEN];
    size_t i, np, entries, k;

    if (!l->st->ops->prefetch || !x->tenant)
        return;
    if (OP(l, scan_runs, x->tenant, want_run, &w) == CW__STORE_ERROR ||
        w.failed || !w.n)
        goto out;
    entries = w.n;
    for (i = 0; i < entries; i++)
        if (w.idx[i] < x->cp_size && x->cp_json)
            (void)cw__merkle_inclusion(want_subtree, &w, w.idx[i],
                                       x->cp_size, proof, &np);
    if (w.failed)
        goto out;
    qsort(w.idx, w.n, sizeof(*w.idx), by_index);
    for (i = k = 0; i < w.n; i++)
        if (!k || w.idx[i] != w.idx[k - 1])
            w.idx[k++] = w.idx[i];
    l->st->ops->prefetch(l->st, w.idx, k);
out:
    cw__free(w.idx);
}

enum cw_status cw_ledger_show(struct cw_ledger *l, const char *tenant,
                              bool json, FILE *out, struct cw_diag *d)
{
    return cw_ledger_show_page(l, tenant, 0, 0, json, out, d);
}

void cw_ledger_view_as(struct cw_ledger *l, const char *tenant)
{
    if (l->st->ops->scope)
        l->st->ops->scope(l->st, tenant);
}

enum cw_status cw_ledger_show_page(struct cw_ledger *l, const char *tenant,
                                   uint64_t skip, uint64_t limit, bool json,
                                   FILE *out, struct cw_diag *d)
{
    struct show x = { l, d, out, json, tenant, 0, NULL, CW_OK, skip, limit };
    int rc;

    if (BEGIN(l, false)) /* one snapshot */
        return db_error(l, d, "cannot read the ledger");
    rc = OP(l, scan_checkpoints, true, latest_checkpoint, &x);
    if (!rc) {
        if (!json)
            fprintf(out, "%-7s %-20s %-14s %-20s %-28s %-10s %s\n", "INDEX",
                    "TIME (UTC)", "ACTOR", "ACTION", "TARGET", "TENANT",
                    "OUTCOME");
        prefetch_page(&x);
        rc = tenant ? OP(l, scan_runs, tenant, show_run, &x)
                    : OP(l, scan, CW__LKIND_ALL, show_any, &x);
    }
    if (rc && rc != CW__STORE_STOP && !x.st)
        x.st = db_error(l, d, "cannot read the ledger");
    cw__free(x.cp_json);
    COMMIT(l);
    return x.st;
}

/* ---- for evidence.c and record.c -------------------------------------- */

const char *cw__ledger_dir(const struct cw_ledger *l)
{
    return l->dir;
}

bool cw__ledger_keeps_blobs(const struct cw_ledger *l)
{
    return l->st->ops->blob_put != NULL;
}

enum cw_status cw__ledger_blob_put(struct cw_ledger *l, const char *hash,
                                   const void *p, size_t len, bool *dup,
                                   struct cw_diag *d)
{
    int rc;
    if (!cw__ledger_keeps_blobs(l))
        return CW_ENOENT;
    rc = l->st->ops->blob_put(l->st, hash, p, len, dup);
    if (rc == CW__STORE_MISSING)
        return cw__diag_set(d, CW_ELIMIT, l->path, 0, 0,
                            "evidence of %zu bytes is more than a "
                            "PostgreSQL store keeps (64 MiB): keep it in a "
                            "folder store, or add a digest of it",
                            len);
    return rc ? db_error(l, d, "cannot keep the evidence") : CW_OK;
}

enum cw_status cw__ledger_blob_get(struct cw_ledger *l, const char *hash,
                                   struct cw__buf *b, struct cw_diag *d)
{
    int rc;
    if (!cw__ledger_keeps_blobs(l))
        return CW_ENOENT;
    rc = l->st->ops->blob_get(l->st, hash, b);
    if (rc == CW__STORE_MISSING)
        return cw__diag_set(d, CW_ENOENT, l->path, 0, 0,
                            "no evidence %s in the store", hash);
    return rc ? db_error(l, d, "cannot read the evidence") : CW_OK;
}

struct each {
    struct cw_ledger *l;
    struct cw_diag *d;
    bool (*fn)(void *arg, uint64_t index, const char *body);
    void *arg;
    enum cw_status st;
};

static int each_entry(void *arg, const struct cw__lrow *r)
{
    struct each *x = arg;
    if (!canonical(x->l, r->body, r->body_len)) {
        x->st = unreadable(x->l, x->d);
        return 1;
    }
    return x->fn(x->arg, r->idx, x->l->canon.data) ? 0 : CW__STORE_STOP;
}

enum cw_status cw__ledger_each(struct cw_ledger *l, enum cw__ledger_kind kind,
                               bool (*fn)(void *arg, uint64_t index,
                                          const char *body),
                               void *arg, struct cw_diag *d)
{
    struct each x = { l, d, fn, arg, CW_OK };
    int rc = OP(l, scan,
                kind == CW__KIND_EVIDENCE ? CW__LKIND_EVIDENCE
                                          : CW__LKIND_FOUNDATION,
                each_entry, &x);
    if (x.st)
        return x.st;
    return rc == CW__STORE_ERROR ? db_error(l, d, "cannot read the ledger")
                                 : CW_OK;
}
