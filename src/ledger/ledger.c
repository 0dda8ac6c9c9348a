/*
 * ledger.c - the ledger's SQLite store.
 *
 *   entries(idx, tenant, action, leaf, body, nodes)
 *       one row per entry; body is the entry with its fixed OCSF fragments
 *       as one byte each (entry.c), leaf H(0x00||canonical JSON), and
 *       nodes the hashes of the complete subtrees this entry is the last
 *       leaf of, at even levels 2, 4, ... (32 bytes each; NULL for three
 *       entries in four). An odd level is one hash of two stored children
 *       away. The tree lives in the entry rows: an append writes one row
 *       per entry and nothing else.
 *   tenant_runs(tenant, first, idxs)   where each tenant's entries are: one
 *                                      row per tenant per append
 *   checkpoints(size, note)            signed tree heads
 *   meta(key, value)                   origin and verifier key
 *
 * An append runs in one IMMEDIATE transaction (appenders queue on the
 * write lock, so several processes may append) and returns after COMMIT,
 * which with WAL and synchronous=FULL means after fsync. The right edge of
 * the tree (at most 64 complete subtrees) is read at the start of the
 * transaction and extended in memory, so an append of k entries costs k
 * rows, never a walk of the tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "../query/jsonpath.h"
#include "ledger.h"

struct cw_ledger {
    sqlite3 *db;
    char dir[4096];
    sqlite3_stmt *get_leaf, *get_node;
    struct cw__buf canon; /* an entry expanded for hashing or showing */
    char failed[256];     /* why appends stopped ("" while they may go) */
    char skey[CW__NOTE_KEY_MAX];
    char vkey[CW__NOTE_KEY_MAX];
    char origin[CW__NOTE_ORIGIN_MAX];
    char path[4096];
};

#define EVIDENCE_ACTIONS "action = 'evidence.add'"
/* ORs, not IN: SQLite evaluates a partial index's IN list through a
 * temporary b-tree built on every insert, 12% of an append. */
#define FOUNDATION_ACTIONS                                                    \
    "(action = 'scope.init' OR action = 'scope.set' OR "                     \
    "action = 'decision.set' OR action = 'decision.remove')"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS entries(idx INTEGER PRIMARY KEY,"
    " tenant TEXT, action TEXT NOT NULL, leaf BLOB NOT NULL,"
    " body TEXT NOT NULL, nodes BLOB);"
    "CREATE TABLE IF NOT EXISTS tenant_runs(tenant TEXT NOT NULL,"
    " first INTEGER NOT NULL, idxs BLOB NOT NULL, PRIMARY KEY(tenant, first))"
    " WITHOUT ROWID;"
    /* Only the actions something looks up are indexed: every other
     * append saves a b-tree insert. */
    "CREATE INDEX IF NOT EXISTS entries_evidence ON entries(idx)"
    " WHERE " EVIDENCE_ACTIONS ";"
    "CREATE INDEX IF NOT EXISTS entries_foundation ON entries(idx)"
    " WHERE " FOUNDATION_ACTIONS ";"
    "CREATE TABLE IF NOT EXISTS checkpoints(size INTEGER PRIMARY KEY,"
    " note TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY,"
    " value TEXT NOT NULL);";

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
                        sqlite3_errmsg(l->db));
}

/* A write inside an append failed: the error, and this handle takes no
 * more appends. After a failed write or fsync what the kernel holds for
 * the file is unknown; retrying could acknowledge an entry that is not on
 * disk. Opening the ledger again lets SQLite recover from what is. */
static enum cw_status write_failed(struct cw_ledger *l, struct cw_diag *d,
                                   const char *what)
{
    snprintf(l->failed, sizeof(l->failed), "%s", sqlite3_errmsg(l->db));
    return db_error(l, d, what);
}

static int exec(struct cw_ledger *l, const char *sql)
{
    return sqlite3_exec(l->db, sql, NULL, NULL, NULL);
}

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
    sqlite3_stmt *s = level ? l->get_node : l->get_leaf;
    size_t off = level ? (size_t)(level / 2 - 1) * CW__HASH_LEN : 0;
    int rc;

    if (level >= 64 || index > (UINT64_MAX >> level) - 1)
        return SQLITE_CORRUPT;
    sqlite3_reset(s);
    sqlite3_bind_int64(s, 1,
                       (sqlite3_int64)(((index + 1) << level) - 1));
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW ||
        (size_t)sqlite3_column_bytes(s, 0) < off + CW__HASH_LEN ||
        (!level && sqlite3_column_bytes(s, 0) != CW__HASH_LEN)) {
        sqlite3_reset(s);
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_CORRUPT : rc;
    }
    memcpy(out, (const unsigned char *)sqlite3_column_blob(s, 0) + off,
           CW__HASH_LEN);
    sqlite3_reset(s);
    return 0;
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
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(
        l->db, "SELECT COALESCE(MAX(idx) + 1, 0) FROM entries", -1, &s,
        NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        *n = (uint64_t)sqlite3_column_int64(s, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_OK ? CW_OK : db_error(l, d, "cannot read the ledger");
}

/* ---- opening ---------------------------------------------------------- */

static const char *meta(struct cw_ledger *l, const char *key, char *out,
                        size_t n)
{
    sqlite3_stmt *s;
    const char *r = NULL;
    if (sqlite3_prepare_v2(l->db, "SELECT value FROM meta WHERE key = ?",
                           -1, &s, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW) {
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(s, 0));
        r = out;
    }
    sqlite3_finalize(s);
    return r;
}

/* Reads the signer key at `path` into l->skey and derives l->vkey. */
static enum cw_status read_key(struct cw_ledger *l, const char *path,
                               struct cw_diag *d)
{
    ssize_t got;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

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
        sqlite3_stmt *s;
        int rc;
        st = stat(path, &sb) == 0 ? read_key(l, path, d)
                                  : make_key(l, path, d);
        if (st)
            return st;
        rc = sqlite3_prepare_v2(
            l->db, "INSERT INTO meta(key, value) VALUES ('vkey', ?)", -1, &s,
            NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(s, 1, l->vkey, -1, SQLITE_STATIC);
            rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        }
        sqlite3_finalize(s);
        if (rc != SQLITE_OK)
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

/* 1 when the schema has an object of `type` called `name`, 0 when not,
 * -1 on error. */
static int has(struct cw_ledger *l, const char *type, const char *name)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(l->db,
                                "SELECT 1 FROM sqlite_master WHERE "
                                "type = ? AND name = ?",
                                -1, &s, NULL);
    if (rc)
        return -1;
    sqlite3_bind_text(s, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Stores made before the tree moved into the entry rows kept it in a
 * nodes(level, idx, hash) table: each hash goes to the row of its
 * subtree's last leaf, in level order, and the table goes. */
static int migrate_nodes(struct cw_ledger *l)
{
    sqlite3_stmt *q = NULL, *u = NULL;
    unsigned char blob[32 * CW__HASH_LEN];
    sqlite3_int64 row = -1;
    size_t len = 0;
    int rc;

    if ((rc = sqlite3_prepare_v2(l->db, "SELECT nodes FROM entries LIMIT 0",
                                 -1, &q, NULL)) != SQLITE_OK &&
        (rc = exec(l, "ALTER TABLE entries ADD COLUMN nodes BLOB")))
        return rc;
    sqlite3_finalize(q);
    q = NULL;
    if ((rc = sqlite3_prepare_v2(l->db,
                                 "SELECT ((idx + 1) << level) - 1, hash "
                                 "FROM nodes ORDER BY 1, level",
                                 -1, &q, NULL)) ||
        (rc = sqlite3_prepare_v2(l->db,
                                 "UPDATE entries SET nodes = ? WHERE idx = ?",
                                 -1, &u, NULL)))
        goto out;
    for (;;) {
        rc = sqlite3_step(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            goto out;
        if (row >= 0 && (rc == SQLITE_DONE || sqlite3_column_int64(q, 0) != row)) {
            sqlite3_reset(u);
            sqlite3_bind_blob(u, 1, blob, (int)len, SQLITE_STATIC);
            sqlite3_bind_int64(u, 2, row);
            if (sqlite3_step(u) != SQLITE_DONE) {
                rc = SQLITE_CORRUPT;
                goto out;
            }
            len = 0;
        }
        if (rc == SQLITE_DONE)
            break;
        row = sqlite3_column_int64(q, 0);
        if (sqlite3_column_bytes(q, 1) != CW__HASH_LEN ||
            len + CW__HASH_LEN > sizeof(blob)) {
            rc = SQLITE_CORRUPT;
            goto out;
        }
        memcpy(blob + len, sqlite3_column_blob(q, 1), CW__HASH_LEN);
        len += CW__HASH_LEN;
    }
    sqlite3_finalize(q);
    sqlite3_finalize(u);
    return exec(l, "DROP TABLE nodes");
out:
    sqlite3_finalize(q);
    sqlite3_finalize(u);
    return rc ? rc : SQLITE_ERROR;
}

/* Brings a store written by an earlier version to this layout, inside
 * the opening transaction: all or nothing. */
static int migrate(struct cw_ledger *l)
{
    int rc;
    /* An index on entries(tenant) became tenant_runs: one run per entry
     * says the same. */
    if ((rc = has(l, "index", "entries_tenant")) < 0)
        return SQLITE_ERROR;
    if (rc && (rc = exec(l, "INSERT INTO tenant_runs(tenant, first, idxs) "
                            "SELECT tenant, idx, x'' FROM entries WHERE "
                            "tenant IS NOT NULL; DROP INDEX entries_tenant;")))
        return rc;
    if ((rc = has(l, "table", "nodes")) < 0)
        return SQLITE_ERROR;
    return rc ? migrate_nodes(l) : 0;
}

enum cw_status cw_ledger_open(const char *dir, struct cw_ledger **out,
                              struct cw_diag *d)
{
    struct cw_ledger *l;
    enum cw_status st = CW_OK;

    *out = NULL;
    if (sodium_init() < 0)
        return cw__diag_set(d, CW_EIO, NULL, 0, 0, "libsodium failed");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return cw__diag_set(d, CW_EIO, dir, 0, 0, "cannot create: %s",
                            strerror(errno));
    if (!(l = cw__calloc(1, sizeof(*l))))
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    cw__buf_init(&l->canon, ENTRY_MAX);
    snprintf(l->path, sizeof(l->path), "%s/ledger.db", dir);
    snprintf(l->dir, sizeof(l->dir), "%s", dir);
    if (sqlite3_open_v2(l->path, &l->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        st = db_error(l, d, "cannot open");
        goto fail;
    }
    sqlite3_busy_timeout(l->db, 30000);
    if (exec(l, "PRAGMA journal_mode=WAL") || exec(l, "PRAGMA synchronous=FULL") ||
        exec(l, "BEGIN IMMEDIATE")) {
        st = db_error(l, d, "cannot open");
        goto fail;
    }
    if (exec(l, schema) || migrate(l) ||
        (st = load_key(l, dir, d)) != CW_OK) {
        if (!st)
            st = db_error(l, d, "cannot create the tables");
        exec(l, "ROLLBACK");
        goto fail;
    }
    if (exec(l, "COMMIT") ||
        sqlite3_prepare_v2(l->db, "SELECT leaf FROM entries WHERE idx = ?",
                           -1, &l->get_leaf, NULL) ||
        sqlite3_prepare_v2(l->db,
                           "SELECT nodes FROM entries WHERE idx = ?",
                           -1, &l->get_node, NULL)) {
        st = db_error(l, d, "cannot open");
        goto fail;
    }
    *out = l;
    return CW_OK;
fail:
    cw_ledger_close(l);
    return st;
}

void cw_ledger_close(struct cw_ledger *l)
{
    if (!l)
        return;
    sqlite3_finalize(l->get_leaf);
    sqlite3_finalize(l->get_node);
    sqlite3_close(l->db);
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

static size_t put_varint(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    do {
        p[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return n;
}

/* Reads one varint of [*p, end); false when it is cut off or too long. */
static bool get_varint(const unsigned char **p, const unsigned char *end,
                       uint64_t *v)
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

/* The indexes of one tenant's entries, in order, read from tenant_runs. */
struct tenant_iter {
    sqlite3_stmt *runs;
    const unsigned char *p, *end; /* the rest of the current run */
    uint64_t cur;
};

/* 1 with the next index in *idx, 0 at the end, -1 when unreadable. */
static int tenant_next(struct tenant_iter *t, uint64_t *idx)
{
    uint64_t gap;
    int rc;
    if (t->p < t->end) {
        if (!get_varint(&t->p, t->end, &gap) || !gap)
            return -1;
        *idx = t->cur += gap;
        return 1;
    }
    if ((rc = sqlite3_step(t->runs)) == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW)
        return -1;
    t->cur = *idx = (uint64_t)sqlite3_column_int64(t->runs, 0);
    t->p = sqlite3_column_blob(t->runs, 1);
    t->end = t->p + sqlite3_column_bytes(t->runs, 1);
    return 1;
}

static int post_runs(struct cw_ledger *l, const struct cw_log_event *ev,
                     size_t n, uint64_t first)
{
    struct run_key *k;
    unsigned char *blob;
    sqlite3_stmt *s = NULL;
    size_t m = 0, i, j;
    int rc = SQLITE_NOMEM;

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
    if ((rc = sqlite3_prepare_v2(l->db,
                                 "INSERT INTO tenant_runs(tenant, first, idxs)"
                                 " VALUES (?, ?, ?)",
                                 -1, &s, NULL)))
        goto out;
    for (i = 0; i < m; i = j) {
        size_t len = 0;
        for (j = i + 1; j < m && strcmp(k[j].tenant, k[i].tenant) == 0; j++)
            len += put_varint(blob + len, k[j].i - k[j - 1].i);
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, k[i].tenant, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, (sqlite3_int64)(first + k[i].i));
        sqlite3_bind_blob(s, 3, blob, (int)len, SQLITE_STATIC);
        if ((rc = sqlite3_step(s)) != SQLITE_DONE)
            goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
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
    sqlite3_stmt *ins = NULL;
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
    if (exec(l, "BEGIN IMMEDIATE")) {
        st = db_error(l, d, "cannot append");
        goto out;
    }
    if ((st = size_of(l, &size, d)))
        goto rollback;
    if (load_edge(l, size, &e)) {
        st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                          "the tree's right edge is missing; run 'cloudward "
                          "log verify'");
        goto rollback;
    }
    if (sqlite3_prepare_v2(l->db,
                           "INSERT INTO entries(idx, tenant, leaf, body, "
                           "action, nodes) VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &ins, NULL)) {
        st = db_error(l, d, "cannot append");
        goto rollback;
    }
    for (i = 0; i < n; i++) {
        uint64_t idx = size + i;
        const unsigned char *leaf = lv + CW__HASH_LEN * i;
        struct row_nodes rn;
        rn.len = 0;
        if (edge_push(&e, leaf, idx, collect_node, &rn)) {
            st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                              "the tree's right edge is inconsistent");
            goto rollback;
        }
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, (sqlite3_int64)idx);
        if (ev[i].tenant)
            sqlite3_bind_text(ins, 2, ev[i].tenant, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(ins, 2);
        sqlite3_bind_blob(ins, 3, leaf, CW__HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, all.data + off[i],
                          (int)(off[i + 1] - off[i] - 1), SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, ev[i].action, -1, SQLITE_STATIC);
        if (rn.len)
            sqlite3_bind_blob(ins, 6, rn.h, (int)rn.len, SQLITE_STATIC);
        else
            sqlite3_bind_null(ins, 6);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            st = write_failed(l, d, "cannot append");
            goto rollback;
        }
    }
    if (post_runs(l, ev, n, size)) {
        st = write_failed(l, d, "cannot append");
        goto rollback;
    }
    sqlite3_finalize(ins);
    ins = NULL;
    /* Durable here: COMMIT returns after the WAL is synced. A failure is
     * reported, never retried. */
    if (exec(l, "COMMIT")) {
        st = write_failed(l, d, "cannot commit the append");
        goto rollback;
    }
    if (first)
        *first = size;
    if (leaves)
        memcpy(leaves, lv, n * CW__HASH_LEN);
    goto out;
rollback:
    sqlite3_finalize(ins);
    exec(l, "ROLLBACK");
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

enum cw_status cw_ledger_checkpoint(struct cw_ledger *l, char *note,
                                    size_t n, struct cw_diag *d)
{
    sqlite3_stmt *s = NULL;
    uint64_t size;
    cw__hash root;
    enum cw_status st;
    int rc;

    if (exec(l, "BEGIN IMMEDIATE"))
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
    rc = sqlite3_prepare_v2(l->db,
                            "INSERT OR IGNORE INTO checkpoints(size, note) "
                            "VALUES (?, ?)",
                            -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, (sqlite3_int64)size);
        sqlite3_bind_text(s, 2, note, -1, SQLITE_STATIC);
        rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_OK || exec(l, "COMMIT")) {
        st = db_error(l, d, "cannot store the checkpoint");
        goto fail;
    }
    return CW_OK;
fail:
    exec(l, "ROLLBACK");
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

struct node_check {
    struct cw_ledger *l;
    unsigned level; /* where the stored tree differed */
};

static int check_node(void *arg, unsigned level, uint64_t index,
                      const cw__hash h)
{
    struct node_check *c = arg;
    cw__hash have;
    c->level = level;
    return subtree(c->l, level, index, have) ||
           sodium_memcmp(have, h, CW__HASH_LEN) != 0;
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

/* Column `col` of the current row of `s` against the entry in l->canon. */
static bool column_matches(struct cw_ledger *l, sqlite3_stmt *s, int col,
                           bool tenant, struct runs_check *r)
{
    const char *v = (const char *)sqlite3_column_text(s, col), *want;
    size_t n;

    r->bad_col = col;
    if (!cw__entry_field(l->canon.data, l->canon.len, tenant, &want, &n))
        return false;
    if (!v || !want)
        return !v && !want;
    r->esc.len = 0;
    return !cw__json_str(&r->esc, v, strlen(v)) && r->esc.len == n &&
           memcmp(r->esc.data, want, n) == 0;
}

/* Where the index and the entries disagree, found the slow way: the
 * first run naming another tenant's entry, or else the first entry no
 * run names. */
static enum cw_status runs_culprit(struct cw_ledger *l, uint64_t size,
                                   uint64_t *bad, struct cw_diag *d)
{
    sqlite3_stmt *q = NULL, *e = NULL;
    struct tenant_iter t;
    unsigned char *seen = cw__calloc(size / 8 + 1, 1);
    enum cw_status st = CW_OK;
    uint64_t idx;
    int more;

    memset(&t, 0, sizeof(t));
    if (!seen)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    if (sqlite3_prepare_v2(l->db,
                           "SELECT first, idxs, tenant FROM tenant_runs "
                           "ORDER BY tenant, first",
                           -1, &t.runs, NULL) ||
        sqlite3_prepare_v2(l->db, "SELECT tenant FROM entries WHERE idx = ?",
                           -1, &q, NULL) ||
        sqlite3_prepare_v2(l->db,
                           "SELECT idx, tenant FROM entries WHERE tenant IS "
                           "NOT NULL ORDER BY idx",
                           -1, &e, NULL)) {
        st = db_error(l, d, "cannot read the ledger");
        goto out;
    }
    while ((more = tenant_next(&t, &idx)) > 0) {
        const char *tenant = (const char *)sqlite3_column_text(t.runs, 2);
        const char *have;
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, (sqlite3_int64)idx);
        have = sqlite3_step(q) == SQLITE_ROW
                   ? (const char *)sqlite3_column_text(q, 0)
                   : NULL;
        if (idx >= size || !tenant || !have || strcmp(have, tenant) != 0 ||
            (seen[idx / 8] & (1u << idx % 8))) {
            *bad = idx;
            st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                              "the index of tenant '%s' names entry %llu, "
                              "which is not that tenant's (or twice)",
                              tenant ? tenant : "?",
                              (unsigned long long)idx);
            goto out;
        }
        seen[idx / 8] |= (unsigned char)(1u << idx % 8);
    }
    if (more < 0) {
        st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                          "the tenant index cannot be read: it was altered");
        goto out;
    }
    while (sqlite3_step(e) == SQLITE_ROW) {
        idx = (uint64_t)sqlite3_column_int64(e, 0);
        if (idx < size && !(seen[idx / 8] & (1u << idx % 8))) {
            *bad = idx;
            st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                              "entry %llu is missing from the index of "
                              "tenant '%s'",
                              (unsigned long long)idx,
                              (const char *)sqlite3_column_text(e, 1));
            goto out;
        }
    }
    st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                      "the tenant index does not match the entries");
out:
    sqlite3_finalize(t.runs);
    sqlite3_finalize(q);
    sqlite3_finalize(e);
    cw__free(seen);
    return st;
}

static enum cw_status verify_runs(struct cw_ledger *l, struct runs_check *r,
                                  uint64_t size, uint64_t *bad,
                                  struct cw_diag *d)
{
    struct tenant_iter t;
    uint64_t idx;
    int more;

    memset(&t, 0, sizeof(t));
    if (sqlite3_prepare_v2(l->db,
                           "SELECT first, idxs, tenant FROM tenant_runs",
                           -1, &t.runs, NULL))
        return db_error(l, d, "cannot read the ledger");
    while ((more = tenant_next(&t, &idx)) > 0) {
        const char *tenant = (const char *)sqlite3_column_text(t.runs, 2);
        if (!tenant)
            break;
        runs_add(&r->from_runs, r->key, tenant, idx);
    }
    sqlite3_finalize(t.runs);
    if (more == 0 && r->from_runs.lo == r->from_entries.lo &&
        r->from_runs.hi == r->from_entries.hi &&
        r->from_runs.n == r->from_entries.n)
        return CW_OK;
    return runs_culprit(l, size, bad, d);
}

enum cw_status cw_ledger_verify(struct cw_ledger *l, uint64_t *bad,
                                struct cw_diag *d)
{
    struct node_check ck = { NULL, 0 };
    struct runs_check runs;
    sqlite3_stmt *s = NULL, *cps = NULL;
    struct edge e;
    uint64_t next = 0, cp_size = 0;
    const char *cp_note = NULL;
    enum cw_status st = CW_OK;
    int rc;

    *bad = 0;
    e.n = 0;
    memset(&runs, 0, sizeof(runs));
    randombytes_buf(runs.key, sizeof(runs.key));
    cw__buf_init(&runs.esc, ENTRY_MAX);
    if (exec(l, "BEGIN") || /* one consistent snapshot */
        sqlite3_prepare_v2(l->db,
                           "SELECT idx, leaf, body, tenant, action "
                           "FROM entries ORDER BY idx",
                           -1, &s, NULL) ||
        sqlite3_prepare_v2(l->db,
                           "SELECT size, note FROM checkpoints ORDER BY size",
                           -1, &cps, NULL)) {
        st = db_error(l, d, "cannot read the ledger");
        goto out;
    }
#define NEXT_CP()                                                             \
    do {                                                                      \
        rc = sqlite3_step(cps);                                               \
        cp_note = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(cps, 1) \
                                   : NULL;                                    \
        cp_size = cp_note ? (uint64_t)sqlite3_column_int64(cps, 0) : 0;       \
    } while (0)
    NEXT_CP();
    for (;;) {
        /* Checkpoints at the size reached so far. */
        while (cp_note && cp_size <= next) {
            uint64_t size;
            cw__hash root, want;
            if (cp_size < next ||
                !cw__checkpoint_verify(cp_note, strlen(cp_note), l->vkey,
                                       &size, root) ||
                size != cp_size) {
                *bad = cp_size;
                st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                                  "checkpoint at size %llu: the signature "
                                  "does not verify",
                                  (unsigned long long)cp_size);
                goto out;
            }
            edge_root(&e, want);
            if (sodium_memcmp(root, want, CW__HASH_LEN) != 0) {
                *bad = cp_size ? cp_size - 1 : 0;
                st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                                  "checkpoint at size %llu: the entries "
                                  "give another root",
                                  (unsigned long long)cp_size);
                goto out;
            }
            NEXT_CP();
        }
        rc = sqlite3_step(s);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            st = db_error(l, d, "cannot read the ledger");
            goto out;
        }
        {
            uint64_t idx = (uint64_t)sqlite3_column_int64(s, 0);
            const char *body = (const char *)sqlite3_column_text(s, 2);
            cw__hash leaf;
            *bad = next;
            if (idx != next) {
                st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                                  "entry %llu is missing",
                                  (unsigned long long)next);
                goto out;
            }
            if (!canonical(l, body, (size_t)sqlite3_column_bytes(s, 2))) {
                st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                                  "entry %llu cannot be read",
                                  (unsigned long long)idx);
                goto out;
            }
            cw__leaf_hash(l->canon.data, l->canon.len, leaf);
            if (sqlite3_column_bytes(s, 1) != CW__HASH_LEN ||
                sodium_memcmp(leaf, sqlite3_column_blob(s, 1),
                              CW__HASH_LEN) != 0) {
                st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                                  "entry %llu: its content does not match "
                                  "its leaf hash",
                                  (unsigned long long)idx);
                goto out;
            }
            if (!column_matches(l, s, 3, true, &runs) ||
                !column_matches(l, s, 4, false, &runs)) {
                st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                                  "entry %llu: its %s column does not match "
                                  "its content",
                                  (unsigned long long)idx,
                                  runs.bad_col == 3 ? "tenant" : "action");
                goto out;
            }
            if (sqlite3_column_text(s, 3))
                runs_add(&runs.from_entries, runs.key,
                         (const char *)sqlite3_column_text(s, 3), idx);
            ck.l = l;
            if (edge_push(&e, leaf, idx, check_node, &ck)) {
                /* The leaves match their entries, so one of them was
                 * rewritten together with its hash: the tree says which
                 * span, not which entry. */
                *bad = idx + 1 - ((uint64_t)1 << ck.level);
                st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                                  "entries %llu-%llu: they do not give the "
                                  "stored tree hash above them (level %u); "
                                  "one was rewritten with its leaf hash",
                                  (unsigned long long)*bad,
                                  (unsigned long long)idx, ck.level);
                goto out;
            }
            next++;
        }
    }
    if (cp_note) {
        *bad = cp_size;
        st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                          "checkpoint at size %llu, beyond the %llu "
                          "entries",
                          (unsigned long long)cp_size,
                          (unsigned long long)next);
        goto out;
    }
    st = verify_runs(l, &runs, next, bad, d);
#undef NEXT_CP
out:
    cw__buf_release(&runs.esc);
    sqlite3_finalize(s);
    sqlite3_finalize(cps);
    exec(l, "COMMIT");
    return st;
}

/* ---- showing ---------------------------------------------------------- */

/* Writes one entry (the current row of `s`: idx, leaf, body, tenant). */
static enum cw_status show_entry(struct cw_ledger *l, sqlite3_stmt *s,
                                 bool json, uint64_t cp_size,
                                 const char *cp_json, FILE *out,
                                 struct cw_diag *d)
{
    uint64_t idx = (uint64_t)sqlite3_column_int64(s, 0);
    const char *body = (const char *)sqlite3_column_text(s, 2);
    const char *ten = (const char *)sqlite3_column_text(s, 3);
    char hex[2 * CW__HASH_LEN + 1];
    unsigned char proof[CW__MERKLE_MAX_PROOF * CW__HASH_LEN];
    size_t np = 0, i;

    if (sqlite3_column_bytes(s, 1) != CW__HASH_LEN ||
        !canonical(l, body, (size_t)sqlite3_column_bytes(s, 2)))
        return unreadable(l, d);
    body = l->canon.data;
    sodium_bin2hex(hex, sizeof(hex), sqlite3_column_blob(s, 1), CW__HASH_LEN);
    if (!json) {
        fprintf(out, "%-8llu %.16s %-12s %.60s\n", (unsigned long long)idx,
                hex, ten ? ten : "-", body);
        return CW_OK;
    }
    fprintf(out, "{\"index\":%llu,\"leaf\":\"%s\",\"entry\":%s",
            (unsigned long long)idx, hex, body);
    if (idx >= cp_size || !cp_json) {
        fputs(",\"proof\":null,\"checkpoint\":null}\n", out);
        return CW_OK;
    }
    if (cw__merkle_inclusion(subtree, l, idx, cp_size, proof, &np))
        return unreadable(l, d);
    fprintf(out, ",\"tree_size\":%llu,\"proof\":[",
            (unsigned long long)cp_size);
    for (i = 0; i < np; i++) {
        sodium_bin2hex(hex, sizeof(hex), proof + CW__HASH_LEN * i,
                       CW__HASH_LEN);
        fprintf(out, "%s\"%s\"", i ? "," : "", hex);
    }
    fprintf(out, "],\"checkpoint\":%s}\n", cp_json);
    return CW_OK;
}

/* The latest checkpoint: its size, and its note as a JSON string. */
static enum cw_status latest_checkpoint(struct cw_ledger *l,
                                        uint64_t *size, char **json,
                                        struct cw_diag *d)
{
    sqlite3_stmt *cp;
    enum cw_status st = CW_OK;
    int rc = sqlite3_prepare_v2(l->db,
                                "SELECT size, note FROM checkpoints "
                                "ORDER BY size DESC LIMIT 1",
                                -1, &cp, NULL);
    *size = 0;
    *json = NULL;
    if (rc)
        return db_error(l, d, "cannot read the ledger");
    if ((rc = sqlite3_step(cp)) == SQLITE_ROW) {
        struct cw__node n;
        struct cw__buf b;
        memset(&n, 0, sizeof(n));
        n.kind = CW__NODE_SCALAR;
        n.type = CW__T_STRING;
        n.str = (const char *)sqlite3_column_text(cp, 1);
        n.len = (size_t)sqlite3_column_bytes(cp, 1);
        cw__buf_init(&b, ENTRY_MAX);
        if (!n.str || cw__json_write(&n, &b) || cw__buf_append(&b, "", 1)) {
            cw__buf_release(&b);
            st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        } else {
            *size = (uint64_t)sqlite3_column_int64(cp, 0);
            *json = b.data;
        }
    } else if (rc != SQLITE_DONE) {
        st = db_error(l, d, "cannot read the ledger");
    }
    sqlite3_finalize(cp);
    return st;
}

enum cw_status cw_ledger_show(struct cw_ledger *l, const char *tenant,
                              bool json, FILE *out, struct cw_diag *d)
{
    struct tenant_iter t;
    sqlite3_stmt *s = NULL;
    uint64_t cp_size = 0, idx;
    char *cp_json = NULL;
    enum cw_status st = CW_OK;
    int rc;

    memset(&t, 0, sizeof(t));
    if (exec(l, "BEGIN")) /* one snapshot */
        return db_error(l, d, "cannot read the ledger");
    if ((st = latest_checkpoint(l, &cp_size, &cp_json, d)))
        goto out;
    if (sqlite3_prepare_v2(l->db,
                           tenant ? "SELECT idx, leaf, body, tenant "
                                    "FROM entries WHERE idx = ?"
                                  : "SELECT idx, leaf, body, tenant "
                                    "FROM entries ORDER BY idx",
                           -1, &s, NULL) ||
        (tenant && sqlite3_prepare_v2(l->db,
                                      "SELECT first, idxs FROM tenant_runs "
                                      "WHERE tenant = ? ORDER BY first",
                                      -1, &t.runs, NULL))) {
        st = db_error(l, d, "cannot read the ledger");
        goto out;
    }
    if (tenant)
        sqlite3_bind_text(t.runs, 1, tenant, -1, SQLITE_STATIC);
    if (!json)
        fprintf(out, "%-8s %-16s %-12s %s\n", "INDEX", "LEAF", "TENANT",
                "ENTRY");
    for (;;) {
        if (tenant) {
            int more = tenant_next(&t, &idx);
            if (more < 0) {
                st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                                  "the index of tenant '%s' cannot be "
                                  "read: it was altered",
                                  tenant);
                break;
            }
            if (!more)
                break;
            sqlite3_reset(s);
            sqlite3_bind_int64(s, 1, (sqlite3_int64)idx);
            /* The entry must exist and say it is the tenant's: a run that
             * points elsewhere is damage, not something to show. */
            if (sqlite3_step(s) != SQLITE_ROW ||
                !sqlite3_column_text(s, 3) ||
                strcmp((const char *)sqlite3_column_text(s, 3), tenant)) {
                st = cw__diag_set(d, CW_EINTEGRITY, l->path, 0, 0,
                                  "the index of tenant '%s' names entry "
                                  "%llu, which is not that tenant's: the "
                                  "index was altered",
                                  tenant, (unsigned long long)idx);
                break;
            }
        } else if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
            if (rc != SQLITE_DONE)
                st = db_error(l, d, "cannot read the ledger");
            break;
        }
        if ((st = show_entry(l, s, json, cp_size, cp_json, out, d)))
            break;
    }
out:
    cw__free(cp_json);
    sqlite3_finalize(s);
    sqlite3_finalize(t.runs);
    exec(l, "COMMIT");
    return st;
}

/* ---- for evidence.c --------------------------------------------------- */

const char *cw__ledger_dir(const struct cw_ledger *l)
{
    return l->dir;
}

enum cw_status cw__ledger_each(struct cw_ledger *l, enum cw__ledger_kind kind,
                               bool (*fn)(void *arg, uint64_t index,
                                          const char *body),
                               void *arg, struct cw_diag *d)
{
    sqlite3_stmt *s;
    /* Each WHERE is word for word its partial index's (schema above), so
     * SQLite reads the index, not the table. */
    int rc = sqlite3_prepare_v2(
        l->db,
        kind == CW__KIND_EVIDENCE
            ? "SELECT idx, body FROM entries WHERE " EVIDENCE_ACTIONS
              " ORDER BY idx"
            : "SELECT idx, body FROM entries WHERE " FOUNDATION_ACTIONS
              " ORDER BY idx",
        -1, &s, NULL);
    if (rc)
        return db_error(l, d, "cannot read the ledger");
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *body = (const char *)sqlite3_column_text(s, 1);
        if (!canonical(l, body, (size_t)sqlite3_column_bytes(s, 1))) {
            sqlite3_finalize(s);
            return unreadable(l, d);
        }
        if (!fn(arg, (uint64_t)sqlite3_column_int64(s, 0), l->canon.data))
            break;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE
               ? CW_OK
               : db_error(l, d, "cannot read the ledger");
}
