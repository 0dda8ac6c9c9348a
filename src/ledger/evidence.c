/*
 * evidence.c - content-addressed evidence files recorded in the ledger
 * (see cw_ledger.h). The file goes into STORE/evidence/HASH first,
 * atomically; only then is the ledger entry appended, so an entry always
 * points at a stored file, and an interrupted add leaves at most an
 * unreferenced file that the next add of the same content reuses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ledger.h"

#define MAX_EVIDENCE_BYTES ((size_t)1 << 30)

static void hash_hex(const void *data, size_t len, char hex[65])
{
    unsigned char h[32];
    cw__sha256(data, len, h);
    sodium_bin2hex(hex, 65, h, sizeof(h));
}

static void path_of(struct cw_ledger *l, const char *hash, char *out,
                    size_t n)
{
    snprintf(out, n, "%s/evidence/%s", cw__ledger_dir(l), hash);
}

/* Keeps the bytes of `b` under `hash`: in the database of a store that
 * keeps them (PostgreSQL), else as STORE/evidence/HASH. */
static enum cw_status keep(struct cw_ledger *l, const char *hash,
                           const struct cw__buf *b, bool *dup,
                           struct cw_diag *d)
{
    char dir[4096], dest[4096];
    struct stat sb;

    if (cw__ledger_keeps_blobs(l))
        return cw__ledger_blob_put(l, hash, b->data ? b->data : "", b->len,
                                   dup, d);
    snprintf(dir, sizeof(dir), "%s/evidence", cw__ledger_dir(l));
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return cw__diag_set(d, CW_EIO, dir, 0, 0, "cannot create: %s",
                            strerror(errno));
    path_of(l, hash, dest, sizeof(dest));
    *dup = stat(dest, &sb) == 0;
    return *dup ? CW_OK
                : cw__atomic_write_private(dest, b->data ? b->data : "",
                                           b->len, false, d);
}

/* The bytes kept under `hash`, into `b`. */
static enum cw_status fetch(struct cw_ledger *l, const char *hash,
                            struct cw__buf *b, struct cw_diag *d)
{
    char p[4096];
    if (cw__ledger_keeps_blobs(l))
        return cw__ledger_blob_get(l, hash, b, d);
    path_of(l, hash, p, sizeof(p));
    return cw__read_file_flags(p, b, CW__READ_NOFOLLOW, d);
}

enum cw_status cw_evidence_add(struct cw_ledger *l, const char *path,
                               const char *control, const char *effective,
                               const char *expires, const char *actor,
                               bool follow, char hash[65], bool *dup,
                               struct cw_diag *d)
{
    struct cw__buf b;
    struct cw_log_event ev;
    char details[1024], name[256];
    const char *base = strrchr(path, '/');
    enum cw_status st;
    size_t i;

    if ((effective && !cw__date_valid(effective)) ||
        (expires && !cw__date_valid(expires)))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "dates are YYYY-MM-DD");
    if (effective && expires && strcmp(effective, expires) > 0)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "evidence expires (%s) before it takes effect "
                            "(%s)",
                            expires, effective);
    cw__buf_init(&b, MAX_EVIDENCE_BYTES);
    if ((st = cw__read_file_flags(path, &b, follow ? 0 : CW__READ_NOFOLLOW,
                                  d))) {
        cw__buf_release(&b);
        if (!follow && strstr(d->msg, "symbolic link"))
            cw__diag_set(d, st, path, 0, 0,
                         "is a symbolic link; add the file it points to, "
                         "or pass --follow");
        return st;
    }
    hash_hex(b.data ? b.data : "", b.len, hash);
    if ((st = keep(l, hash, &b, dup, d))) {
        cw__buf_release(&b);
        return st;
    }
    /* The file name goes into a JSON string: keep it plain, and valid
     * UTF-8 (a byte that is not becomes '?'). */
    {
        const char *src = base ? base + 1 : path, *end = src + strlen(src);
        size_t o = 0;
        while (*src && o + 5 < sizeof(name)) {
            size_t k = cw__utf8_len(src, end);
            if (!k) {
                name[o++] = '?';
                src++;
                continue;
            }
            memcpy(name + o, src, k);
            o += k;
            src += k;
        }
        name[o] = '\0';
    }
    for (i = 0; name[i]; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == '"' || name[i] == '\\')
            name[i] = '_';
    snprintf(details, sizeof(details),
             "{\"control\":\"%s\",\"name\":\"%s\",\"size\":%zu%s%s%s%s%s%s}",
             control, name, b.len, effective ? ",\"effective\":\"" : "",
             effective ? effective : "", effective ? "\"" : "",
             expires ? ",\"expires\":\"" : "", expires ? expires : "",
             expires ? "\"" : "");
    cw__buf_release(&b);
    memset(&ev, 0, sizeof(ev));
    ev.actor = actor;
    ev.action = "evidence.add";
    ev.target = hash;
    ev.details_json = details;
    ev.file = path;
    st = cw_ledger_append(l, &ev, 1, NULL, NULL, d);
    if (st && !*dup && !cw__ledger_keeps_blobs(l)) {
        char dest[4096];
        path_of(l, hash, dest, sizeof(dest));
        unlink(dest); /* no stored file without its entry */
    }
    /* (In a database, a blob without its entry stays: the servers' role
     * may not delete, and content nothing names is never shown.) */
    return st;
}

struct each {
    bool (*fn)(void *arg, const struct cw_evidence *e);
    void *arg;
    bool bad;
};

static const char *str_at(const struct cw__node *m, const char *key)
{
    return cw__node_str(m, key);
}

static bool one(void *arg, uint64_t index, const char *body)
{
    struct each *x = arg;
    struct cw__arena a;
    struct cw__node *root = NULL;
    struct cw_diag d;
    struct cw_evidence e;
    const struct cw__node *det, *res, *t, *sz;
    bool go = true;

    cw__arena_init(&a, 0);
    if (cw__json_parse(&a, "ledger", body, strlen(body), NULL, &root, &d)) {
        x->bad = true;
        cw__arena_release(&a);
        return false;
    }
    det = cw__node_get(cw__node_get(root, "unmapped"), "details");
    res = cw__node_get(root, "resources");
    t = cw__node_get(root, "time");
    sz = cw__node_get(det, "size");
    memset(&e, 0, sizeof(e));
    e.index = index;
    e.hash = res && res->kind == CW__NODE_SEQ && res->n
                 ? str_at(res->kids[0], "uid")
                 : NULL;
    e.control = str_at(det, "control");
    e.name = str_at(det, "name");
    e.effective = str_at(det, "effective");
    e.expires = str_at(det, "expires");
    e.size = sz ? (long long)sz->num : 0;
    e.time_ms = t ? (long long)t->num : 0;
    if (e.hash && e.control && e.name)
        go = x->fn(x->arg, &e);
    cw__arena_release(&a);
    return go;
}

enum cw_status cw_evidence_each(struct cw_ledger *l,
                                bool (*fn)(void *arg,
                                           const struct cw_evidence *e),
                                void *arg, struct cw_diag *d)
{
    struct each x = { fn, arg, false };
    enum cw_status st =
        cw__ledger_each(l, CW__KIND_EVIDENCE, one, &x, d);
    if (!st && x.bad)
        st = cw__diag_set(d, CW_EINTEGRITY, NULL, 0, 0,
                          "a ledger entry is not JSON; run 'cloudward log "
                          "verify'");
    return st;
}

bool cw_evidence_intact(struct cw_ledger *l, const struct cw_evidence *e)
{
    char hex[65];
    struct cw__buf b;
    struct cw_diag d;
    bool ok;

    if (strlen(e->hash) != 64 || strspn(e->hash, "0123456789abcdef") != 64)
        return false;
    cw__buf_init(&b, MAX_EVIDENCE_BYTES);
    if (fetch(l, e->hash, &b, &d)) {
        cw__buf_release(&b);
        return false;
    }
    hash_hex(b.data ? b.data : "", b.len, hex);
    ok = sodium_memcmp(hex, e->hash, 64) == 0;
    cw__buf_release(&b);
    return ok;
}

/* Copies the stored file of `e` to `dst`; with `reuse`, an existing
 * `dst` (the same content exported before) is left as it is. */
static enum cw_status export_file(struct cw_ledger *l,
                                  const struct cw_evidence *e,
                                  const char *dst, bool reuse,
                                  struct cw_diag *d)
{
    struct cw__buf b;
    struct stat sb;
    enum cw_status st;

    if (strlen(e->hash) != 64 || strspn(e->hash, "0123456789abcdef") != 64)
        return cw__diag_set(d, CW_EINTEGRITY, NULL, 0, 0,
                            "entry %llu: not a SHA-256",
                            (unsigned long long)e->index);
    if (lstat(dst, &sb) == 0) {
        if (reuse)
            return CW_OK;
        return cw__diag_set(d, CW_EEXIST, dst, 0, 0,
                            "already exists; export into a new folder");
    }
    cw__buf_init(&b, MAX_EVIDENCE_BYTES);
    if (!(st = fetch(l, e->hash, &b, d)))
        st = cw__atomic_write_private(dst, b.data ? b.data : "", b.len,
                                      false, d);
    cw__buf_release(&b);
    return st;
}

enum cw_status cw_evidence_export_to(struct cw_ledger *l,
                                     const struct cw_evidence *e,
                                     const char *path, struct cw_diag *d)
{
    return export_file(l, e, path, false, d);
}

enum cw_status cw_evidence_export(struct cw_ledger *l,
                                  const struct cw_evidence *e,
                                  const char *dir, struct cw_diag *d)
{
    char dst[4096];

    snprintf(dst, sizeof(dst), "%s/%s", dir, e->hash);
    /* A copy per entry: the same content exported twice is one file. */
    return export_file(l, e, dst, true, d);
}

/* ---- copying the files to another store ---------------------------------- */

struct copying {
    struct cw_ledger *from, *to;
    struct cw_diag *d;
    enum cw_status st;
    size_t n;
};

static bool copy_one(void *arg, const struct cw_evidence *e)
{
    struct copying *c = arg;
    struct cw__buf b;
    char hex[65];
    bool dup;

    if (strlen(e->hash) != 64 || strspn(e->hash, "0123456789abcdef") != 64) {
        c->st = cw__diag_set(c->d, CW_EINTEGRITY, NULL, 0, 0,
                             "entry %llu: not a SHA-256",
                             (unsigned long long)e->index);
        return false;
    }
    cw__buf_init(&b, MAX_EVIDENCE_BYTES);
    if ((c->st = fetch(c->from, e->hash, &b, c->d))) {
        cw__buf_release(&b);
        return false;
    }
    /* Copy only what is intact: a damaged file would carry on its hash. */
    hash_hex(b.data ? b.data : "", b.len, hex);
    if (sodium_memcmp(hex, e->hash, 64) != 0)
        c->st = cw__diag_set(c->d, CW_EINTEGRITY, NULL, 0, 0,
                             "evidence %s (entry %llu) was altered in the "
                             "source store; nothing more was copied",
                             e->hash, (unsigned long long)e->index);
    else
        c->st = keep(c->to, e->hash, &b, &dup, c->d);
    cw__buf_release(&b);
    c->n++;
    return !c->st;
}

enum cw_status cw__evidence_copy(struct cw_ledger *from, struct cw_ledger *to,
                                 size_t *n, struct cw_diag *d)
{
    struct copying c = { from, to, d, CW_OK, 0 };
    enum cw_status st = cw_evidence_each(from, copy_one, &c, d);
    *n = c.n;
    return c.st ? c.st : st;
}
