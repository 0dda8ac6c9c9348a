/*
 * verify.c - cw_package_verify: an audit package checked offline, with
 * nothing but the archive (and, to know who signed it, the signer's
 * public key).
 *
 * One pass over the archive hashes every file and keeps the small ones
 * (manifest, signature, key, checkpoints, proof); the ledger's entries
 * are hashed into their Merkle tree as they stream by (a stack of
 * perfect subtrees: O(log n) memory for a million entries). Then the
 * checks run in the order a reader would want the first failure named:
 * signature, manifest against the files, ledger slice against its
 * checkpoint and head, evidence against its names and ledger entries,
 * and last what the verifier expects (the date, a checkpoint it holds).
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "../ledger/ledger.h"
#include "../parse/node.h"
#include "package_internal.h"

#define SMALL_MAX ((size_t)1 << 20)
#define MANIFEST_MAX ((size_t)256 << 20)
#define FILES_MAX 10000000

struct vfile {
    char *path;
    unsigned long long size;
    char sha256[65];
};

struct evadd {
    char hash[65];
    long long size;
};

struct verify {
    const char *pkg;       /* its name in messages */
    const void *mem;       /* the package in memory, or NULL: read pkg */
    size_t memlen;
    struct cw_diag *d;
    struct vfile *files;
    size_t n, cap;
    struct cw__buf manifest, sig, key, checkpoint, head, proof, vkey;
    /* the ledger's entries, streamed */
    struct cw__buf line;
    cw__hash stack[64];
    unsigned height[64];
    size_t depth;
    uint64_t entries;
    uint64_t since_size;   /* the held checkpoint's size, 0: none */
    cw__hash since_root;   /* the root at since_size, once reached */
    bool since_reached;
    bool bad_entry;
    uint64_t bad_at;
    struct evadd *adds;
    size_t nadds, acap;
    struct cw__arena arena;
};

static enum cw_status fail(struct verify *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static enum cw_status fail(struct verify *v, const char *fmt, ...)
{
    char msg[CW_DIAG_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return cw__diag_set(v->d, CW_EINTEGRITY, v->pkg, 0, 0, "%s", msg);
}

/* ---- the Merkle tree of the entries, one leaf at a time ------------------ */

static void tree_push(struct verify *v, const cw__hash leaf)
{
    memcpy(v->stack[v->depth], leaf, CW__HASH_LEN);
    v->height[v->depth++] = 0;
    while (v->depth >= 2 &&
           v->height[v->depth - 1] == v->height[v->depth - 2]) {
        cw__node_hash(v->stack[v->depth - 2], v->stack[v->depth - 1],
                      v->stack[v->depth - 2]);
        v->height[v->depth - 2]++;
        v->depth--;
    }
}

/* RFC 9162's root of the leaves pushed so far: the perfect subtrees
 * folded from the right. */
static void tree_root(const struct verify *v, cw__hash out)
{
    size_t i;

    if (!v->depth) {
        cw__sha256("", 0, out);
        return;
    }
    memcpy(out, v->stack[v->depth - 1], CW__HASH_LEN);
    for (i = v->depth - 1; i-- > 0;)
        cw__node_hash(v->stack[i], out, out);
}

static void evidence_entry(struct verify *v, const char *text, size_t len)
{
    struct cw__node *root = NULL;
    const struct cw__node *res, *det;
    const char *uid;
    struct cw_diag d;

    cw_diag_clear(&d);
    cw__arena_reset(&v->arena);
    if (cw__json_parse(&v->arena, PKG_ENTRIES, text, len, NULL, &root, &d))
        return;
    res = cw__node_get(root, "resources");
    uid = res && res->kind == CW__NODE_SEQ && res->n
              ? cw__node_str(res->kids[0], "uid")
              : NULL;
    det = cw__node_get(cw__node_get(root, "unmapped"), "details");
    if (!uid || strlen(uid) != 64)
        return;
    if (v->nadds == v->acap) {
        size_t cap = v->acap ? v->acap * 2 : 64;
        struct evadd *a = cw__realloc(v->adds, cap * sizeof(*a));
        if (!a)
            return;
        v->adds = a;
        v->acap = cap;
    }
    snprintf(v->adds[v->nadds].hash, 65, "%s", uid);
    v->adds[v->nadds].size =
        cw__node_get(det, "size") ? (long long)cw__node_get(det, "size")->num
                                  : -1;
    v->nadds++;
}

static void entry_line(struct verify *v, const char *text, size_t len)
{
    cw__hash leaf;

    if (len == 0 || len > ENTRY_MAX) {
        if (!v->bad_entry)
            v->bad_at = v->entries;
        v->bad_entry = true;
    }
    cw__leaf_hash(text, len, leaf);
    tree_push(v, leaf);
    v->entries++;
    if (v->since_size && v->entries == v->since_size) {
        tree_root(v, v->since_root);
        v->since_reached = true;
    }
    if (memmem(text, len, "\"operation\":\"evidence.add\"", 26))
        evidence_entry(v, text, len);
}

static void entries_data(struct verify *v, const char *p, size_t n)
{
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (v->line.len + take > ENTRY_MAX + 1) {
            if (!v->bad_entry)
                v->bad_at = v->entries;
            v->bad_entry = true;
            v->line.len = 0;
        } else if (cw__buf_append(&v->line, p, take)) {
            v->bad_entry = true;
        }
        if (!nl)
            return;
        entry_line(v, v->line.data ? v->line.data : "", v->line.len);
        v->line.len = 0;
        p = nl + 1;
        n -= take + 1;
    }
}

/* ---- reading the archive --------------------------------------------------- */

static struct cw__buf *small_of(struct verify *v, const char *path)
{
    static const struct {
        const char *name;
        size_t off;
    } map[] = {
        { PKG_MANIFEST, offsetof(struct verify, manifest) },
        { PKG_SIG, offsetof(struct verify, sig) },
        { PKG_KEY, offsetof(struct verify, key) },
        { PKG_CHECKPOINT, offsetof(struct verify, checkpoint) },
        { PKG_HEAD, offsetof(struct verify, head) },
        { PKG_PROOF, offsetof(struct verify, proof) },
        { PKG_LEDGER_VKEY, offsetof(struct verify, vkey) },
    };
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(path, map[i].name) == 0)
            return (struct cw__buf *)(void *)((char *)v + map[i].off);
    return NULL;
}

static enum cw_status read_archive(struct verify *v)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    enum cw_status st = CW_OK;
    unsigned char *buf = cw__malloc((size_t)1 << 20);
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    int rc = ARCHIVE_OK, fd = -1;

    if (!a || !buf || !h) {
        st = cw__diag_set(v->d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    if (!v->mem) {
        /* A regular file only: a FIFO would hang the read, a device never
         * end. Opened without blocking, checked, then read as usual. */
        struct stat sb;
        fd = open(v->pkg, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
            st = cw__diag_set(v->d, CW_EIO, v->pkg, 0, 0, "%s",
                              fd < 0 ? strerror(errno)
                                     : "not a regular file (a directory, "
                                       "FIFO, socket or device)");
            goto out;
        }
    }
    if ((v->mem ? archive_read_open_memory(a, v->mem, v->memlen)
                : archive_read_open_fd(a, fd, (size_t)1 << 16)) !=
        ARCHIVE_OK) {
        st = cw__diag_set(v->d, CW_EPARSE, v->pkg, 0, 0,
                          "not a package (a tar.gz): %s",
                          archive_error_string(a));
        goto out;
    }
    while (!st && (rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *path = archive_entry_pathname(e);
        struct cw__buf *small;
        struct vfile *f;
        la_ssize_t got;

        if (!path || archive_entry_filetype(e) != AE_IFREG) {
            st = fail(v, "the archive holds '%s', which is not a regular "
                         "file: a package holds files only",
                      path ? path : "(unnamed)");
            break;
        }
        if (v->n == v->cap) {
            size_t cap = v->cap ? v->cap * 2 : 256;
            struct vfile *nv;
            if (cap > FILES_MAX) {
                st = fail(v, "more files than a package holds");
                break;
            }
            nv = cw__realloc(v->files, cap * sizeof(*nv));
            if (!nv) {
                st = cw__diag_set(v->d, CW_ENOMEM, NULL, 0, 0,
                                  "out of memory");
                break;
            }
            v->files = nv;
            v->cap = cap;
        }
        f = &v->files[v->n];
        memset(f, 0, sizeof(*f));
        if (!(f->path = cw__strdup(path))) {
            st = cw__diag_set(v->d, CW_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        v->n++;
        small = small_of(v, path);
        EVP_DigestInit_ex(h, EVP_sha256(), NULL);
        while ((got = archive_read_data(a, buf, (size_t)1 << 20)) > 0) {
            EVP_DigestUpdate(h, buf, (size_t)got);
            f->size += (unsigned long long)got;
            if (small && cw__buf_append(small, buf, (size_t)got)) {
                st = fail(v, "'%s' is larger than such a file can be",
                          path);
                break;
            }
            if (strcmp(path, PKG_ENTRIES) == 0)
                entries_data(v, (const char *)buf, (size_t)got);
        }
        if (!st && got < 0)
            st = cw__diag_set(v->d, CW_EPARSE, v->pkg, 0, 0,
                              "'%s' cannot be read: %s", path,
                              archive_error_string(a));
        if (!st && strcmp(path, PKG_ENTRIES) == 0 && v->line.len) {
            entry_line(v, v->line.data, v->line.len);
            v->line.len = 0;
        }
        {
            unsigned char md[32];
            unsigned int len = 0;
            EVP_DigestFinal_ex(h, md, &len);
            sodium_bin2hex(f->sha256, sizeof(f->sha256), md, sizeof(md));
        }
    }
    if (!st && rc != ARCHIVE_EOF)
        st = cw__diag_set(v->d, CW_EPARSE, v->pkg, 0, 0,
                          "not a package (a tar.gz): %s",
                          archive_error_string(a));
out:
    EVP_MD_CTX_free(h);
    cw__free(buf);
    if (a)
        archive_read_free(a);
    if (fd >= 0)
        close(fd);
    return st;
}

static int vfile_cmp(const void *a, const void *b)
{
    return strcmp(((const struct vfile *)a)->path,
                  ((const struct vfile *)b)->path);
}

/* The files by path, once all are read: a path twice is refused (which
 * copy would the manifest's digest be of?), and file_of() can search. */
static enum cw_status sort_files(struct verify *v)
{
    size_t i;

    if (v->n)
        qsort(v->files, v->n, sizeof(*v->files), vfile_cmp);
    for (i = 1; i < v->n; i++)
        if (strcmp(v->files[i - 1].path, v->files[i].path) == 0)
            return fail(v, "'%s' is in the archive twice", v->files[i].path);
    return CW_OK;
}

static const struct vfile *file_of(const struct verify *v, const char *path)
{
    struct vfile key;

    if (!v->n)
        return NULL;
    key.path = (char *)(uintptr_t)path; /* bsearch's key, never written */
    return bsearch(&key, v->files, v->n, sizeof(*v->files), vfile_cmp);
}

/* ---- the checks ---------------------------------------------------------- */

static enum cw_status check_signature(struct verify *v,
                                      const struct cw_package_expect *x,
                                      bool *pinned)
{
    unsigned char pk[32], inside[32];

    if (!file_of(v, PKG_MANIFEST) || !file_of(v, PKG_SIG) ||
        !file_of(v, PKG_KEY))
        return cw__diag_set(v->d, CW_EPARSE, v->pkg, 0, 0,
                            "not a cloudward package: it lacks %s, %s or %s",
                            PKG_MANIFEST, PKG_SIG, PKG_KEY);
    if (!cw__package_pem_key(v->key.data, v->key.len, inside))
        return fail(v, "%s is not an Ed25519 public key", PKG_KEY);
    *pinned = x && x->vkey_pem;
    if (*pinned) {
        if (!cw__package_pem_key(x->vkey_pem, strlen(x->vkey_pem), pk))
            return cw__diag_set(v->d, CW_EINVAL, NULL, 0, 0,
                                "the key given is not an Ed25519 public key "
                                "in PEM ('cloudward package vkey' prints "
                                "one)");
    } else
        memcpy(pk, inside, sizeof(pk));
    if (v->sig.len != crypto_sign_BYTES ||
        crypto_sign_verify_detached((const unsigned char *)v->sig.data,
                                    (const unsigned char *)v->manifest.data,
                                    v->manifest.len, pk) != 0)
        return fail(v, "the signature of %s does not verify%s", PKG_MANIFEST,
                    *pinned && memcmp(pk, inside, 32) != 0
                        ? " with the key given: the package was signed by "
                          "another key"
                        : ": the manifest was changed after signing");
    return CW_OK;
}

static enum cw_status check_files(struct verify *v,
                                  const struct cw__node *files)
{
    char msg[400];
    size_t i, k;

    if (!files || files->kind != CW__NODE_SEQ)
        return fail(v, "%s lists no files", PKG_MANIFEST);
    for (i = 0; i < files->n; i++) {
        const char *p = cw__node_str(files->kids[i], "path");
        const char *sha = cw__node_str(files->kids[i], "sha256");
        const struct cw__node *sz = cw__node_get(files->kids[i], "size");
        const struct vfile *f = p ? file_of(v, p) : NULL;
        if (!p || !sha || !sz)
            return fail(v, "%s has a malformed file entry", PKG_MANIFEST);
        if (!f)
            return fail(v, "'%s' is missing: the manifest lists it", p);
        if ((unsigned long long)sz->num != f->size) {
            snprintf(msg, sizeof(msg), "%llu bytes, the manifest says %.0f",
                     f->size, sz->num);
            return fail(v, "'%s' differs: %s", p, msg);
        }
        if (strcmp(sha, f->sha256) != 0)
            return fail(v, "'%s' differs: its SHA-256 is not the one the "
                           "manifest lists",
                        p);
    }
    /* Every listed file was found above, and paths are unique on both
     * sides (sort_files; a manifest listing one twice fails its count):
     * the archive holds nothing else when the counts agree. */
    for (i = 1; i < files->n; i++) {
        const char *a = cw__node_str(files->kids[i - 1], "path");
        const char *b = cw__node_str(files->kids[i], "path");
        if (strcmp(a, b) >= 0)
            return fail(v, "%s does not list its files in order, once "
                           "each ('%s')",
                        PKG_MANIFEST, b);
    }
    if (v->n == files->n + 3)
        return CW_OK;
    for (k = 0; k < v->n; k++) {
        const char *p = v->files[k].path;
        bool listed = strcmp(p, PKG_MANIFEST) == 0 ||
                      strcmp(p, PKG_SIG) == 0 || strcmp(p, PKG_KEY) == 0;
        size_t lo = 0, hi = files->n;
        while (!listed && lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = strcmp(cw__node_str(files->kids[mid], "path"), p);
            if (c == 0)
                listed = true;
            else if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (!listed)
            return fail(v, "'%s' was added: the manifest does not list "
                           "it",
                        p);
    }
    return fail(v, "the archive and %s do not hold the same files",
                PKG_MANIFEST);
}

static bool hex32(const char *s, size_t len, unsigned char out[32])
{
    size_t bin = 0;
    return len == 64 &&
           sodium_hex2bin(out, 32, s, len, NULL, &bin, NULL) == 0 &&
           bin == 32;
}

static enum cw_status check_ledger(struct verify *v,
                                   const struct cw__node *m,
                                   uint64_t *head_size)
{
    const struct cw__node *led = cw__node_get(m, "ledger");
    const char *vkey = cw__node_str(led, "vkey");
    const struct cw__node *ne = cw__node_get(led, "entries");
    uint64_t size_n = 0, size_h = 0;
    cw__hash root_n, root_h, root;
    struct cw__node *pj = NULL;
    const struct cw__node *proof;
    unsigned char hashes[CW__MERKLE_MAX_PROOF * CW__HASH_LEN];
    size_t np = 0, i;
    char num[64];

    if (!vkey || !ne)
        return fail(v, "%s does not say the ledger's key and size",
                    PKG_MANIFEST);
    if (v->vkey.len < strlen(vkey) ||
        strncmp(v->vkey.data, vkey, strlen(vkey)) != 0)
        return fail(v, "%s is not the ledger key the manifest names",
                    PKG_LEDGER_VKEY);
    if (v->bad_entry) {
        snprintf(num, sizeof(num), "%llu", (unsigned long long)v->bad_at);
        return fail(v, "%s: entry %s is empty or too long", PKG_ENTRIES,
                    num);
    }
    if ((uint64_t)ne->num != v->entries) {
        snprintf(num, sizeof(num), "%llu entries, the manifest says %.0f",
                 (unsigned long long)v->entries, ne->num);
        return fail(v, "%s holds %s", PKG_ENTRIES, num);
    }
    if (!cw__checkpoint_verify(v->checkpoint.data, v->checkpoint.len, vkey,
                               &size_n, root_n))
        return fail(v, "%s is not a checkpoint signed by the ledger's "
                       "key",
                    PKG_CHECKPOINT);
    tree_root(v, root);
    if (size_n != v->entries || memcmp(root, root_n, CW__HASH_LEN) != 0)
        return fail(v, "%s do not hash to the root %s signs: an entry was "
                       "changed, added or removed",
                    PKG_ENTRIES, PKG_CHECKPOINT);
    if (!cw__checkpoint_verify(v->head.data, v->head.len, vkey, &size_h,
                               root_h))
        return fail(v, "%s is not a checkpoint signed by the ledger's key",
                    PKG_HEAD);
    if (size_h < size_n)
        return fail(v, "%s is of a smaller tree than %s", PKG_HEAD,
                    PKG_CHECKPOINT);
    cw__arena_reset(&v->arena);
    if (cw__json_parse(&v->arena, PKG_PROOF, v->proof.data ? v->proof.data
                                                           : "",
                       v->proof.len, NULL, &pj, v->d))
        return fail(v, "%s is not JSON", PKG_PROOF);
    proof = cw__node_get(pj, "proof");
    for (i = 0; proof && proof->kind == CW__NODE_SEQ && i < proof->n &&
                i < CW__MERKLE_MAX_PROOF;
         i++) {
        const char *hx = cw__node_string(proof->kids[i]);
        if (!hx || !hex32(hx, strlen(hx), hashes + i * CW__HASH_LEN))
            return fail(v, "%s holds a malformed hash", PKG_PROOF);
        np++;
    }
    if (size_n < size_h && size_n > 0 &&
        !cw__merkle_verify_consistency(size_n, size_h, root_n, root_h,
                                       hashes, np))
        return fail(v, "%s does not prove that %s extends the entries' "
                       "tree",
                    PKG_PROOF, PKG_HEAD);
    if (size_n == size_h && memcmp(root_n, root_h, CW__HASH_LEN) != 0)
        return fail(v, "%s and %s are of one size with two roots",
                    PKG_CHECKPOINT, PKG_HEAD);
    *head_size = size_h;
    return CW_OK;
}

static enum cw_status check_evidence(struct verify *v, size_t *count)
{
    size_t i, k;

    *count = 0;
    for (i = 0; i < v->n; i++) {
        const char *p = v->files[i].path;
        const char *name = p + strlen(PKG_EVIDENCE_DIR);
        bool found = false;
        if (strncmp(p, PKG_EVIDENCE_DIR, strlen(PKG_EVIDENCE_DIR)) != 0 ||
            strcmp(name, "index.json") == 0)
            continue;
        if (strcmp(name, v->files[i].sha256) != 0)
            return fail(v, "'%s' does not hash to its name: its content "
                           "was swapped",
                        p);
        for (k = 0; k < v->nadds && !found; k++)
            found = strcmp(v->adds[k].hash, name) == 0 &&
                    (v->adds[k].size < 0 ||
                     (unsigned long long)v->adds[k].size ==
                         v->files[i].size);
        if (!found)
            return fail(v, "'%s' has no evidence.add entry of its hash and "
                           "size in %s",
                        p, PKG_ENTRIES);
        (*count)++;
    }
    return CW_OK;
}

static enum cw_status check_expect(struct verify *v,
                                   const struct cw_package_expect *x,
                                   const char *as_of, const char *vkey,
                                   uint64_t head)
{
    uint64_t size = 0;
    cw__hash root;
    char num[96];

    if (!x)
        return CW_OK;
    if (x->as_of && strcmp(x->as_of, as_of ? as_of : "") != 0)
        return fail(v, "the package is as of %s, not %s: an older (or "
                       "another) package",
                    as_of ? as_of : "(no date)", x->as_of);
    if (!x->since)
        return CW_OK;
    if (!cw__checkpoint_verify(x->since, strlen(x->since), vkey, &size,
                               root))
        return cw__diag_set(v->d, CW_EINVAL, NULL, 0, 0,
                            "the checkpoint given is not one signed by "
                            "this package's ledger key");
    if (size > head) {
        snprintf(num, sizeof(num), "%llu entries; the checkpoint held has "
                 "%llu",
                 (unsigned long long)head, (unsigned long long)size);
        return fail(v, "the package's ledger stops before the checkpoint "
                       "you hold (%s): an older package replayed",
                    num);
    }
    if (size <= v->entries && size > 0 &&
        (!v->since_reached || memcmp(root, v->since_root, CW__HASH_LEN)))
        return fail(v, "the checkpoint you hold has another root than the "
                       "package's entries: the ledger was rewritten");
    return CW_OK;
}

static enum cw_status verify_any(const char *path, const void *mem,
                                 size_t memlen,
                                 const struct cw_package_expect *expect,
                                 struct cw_package_verdict *out,
                                 struct cw_diag *d)
{
    struct cw_package_verdict scratch;
    struct verify v;
    struct cw__node *m = NULL;
    enum cw_status st;
    uint64_t head = 0;
    size_t i, evidence = 0;
    bool pinned = false;

    if (!out)
        out = &scratch;
    memset(out, 0, sizeof(*out));
    memset(&v, 0, sizeof(v));
    v.pkg = path;
    v.mem = mem;
    v.memlen = memlen;
    v.d = d;
    cw__buf_init(&v.manifest, MANIFEST_MAX);
    cw__buf_init(&v.sig, SMALL_MAX);
    cw__buf_init(&v.key, SMALL_MAX);
    cw__buf_init(&v.checkpoint, SMALL_MAX);
    cw__buf_init(&v.head, SMALL_MAX);
    cw__buf_init(&v.proof, SMALL_MAX);
    cw__buf_init(&v.vkey, SMALL_MAX);
    cw__buf_init(&v.line, ENTRY_MAX + 2);
    cw__arena_init(&v.arena, (size_t)1 << 30);
    if (expect && expect->since) {
        /* Its size now, to catch the root as the entries stream by; its
         * signature is checked with the others. */
        const char *nl = strchr(expect->since, '\n');
        v.since_size = nl ? strtoull(nl + 1, NULL, 10) : 0;
    }
    st = read_archive(&v);
    if (!st)
        st = sort_files(&v);
    if (!st)
        st = check_signature(&v, expect, &pinned);
    if (!st) {
        cw__arena_reset(&v.arena);
        if (cw__json_parse(&v.arena, PKG_MANIFEST,
                           v.manifest.data ? v.manifest.data : "",
                           v.manifest.len, NULL, &m, d))
            st = fail(&v, "%s is not JSON", PKG_MANIFEST);
    }
    if (!st) {
        /* The tree is re-parsed below: keep what is read from it. */
        snprintf(out->organisation, sizeof(out->organisation), "%s",
                 cw__node_str(m, "organisation") ? cw__node_str(m, "organisation") : "");
        snprintf(out->as_of, sizeof(out->as_of), "%s",
                 cw__node_str(m, "as_of") ? cw__node_str(m, "as_of") : "");
        snprintf(out->producer, sizeof(out->producer), "%s",
                 cw__node_str(m, "producer") ? cw__node_str(m, "producer")
                                             : "");
        st = check_files(&v, cw__node_get(m, "files"));
    }
    if (!st) {
        char vkey[CW__NOTE_KEY_MAX];
        snprintf(vkey, sizeof(vkey), "%s",
                 cw__node_str(cw__node_get(m, "ledger"), "vkey")
                     ? cw__node_str(cw__node_get(m, "ledger"), "vkey")
                     : "");
        if (!(st = check_ledger(&v, m, &head)) &&
            !(st = check_evidence(&v, &evidence)))
            st = check_expect(&v, expect, out->as_of, vkey, head);
    }
    out->files = v.n;
    out->evidence = evidence;
    out->entries = v.entries;
    out->head = head;
    out->key_pinned = pinned;
    for (i = 0; i < v.n; i++)
        cw__free(v.files[i].path);
    cw__free(v.files);
    cw__free(v.adds);
    cw__buf_release(&v.manifest);
    cw__buf_release(&v.sig);
    cw__buf_release(&v.key);
    cw__buf_release(&v.checkpoint);
    cw__buf_release(&v.head);
    cw__buf_release(&v.proof);
    cw__buf_release(&v.vkey);
    cw__buf_release(&v.line);
    cw__arena_release(&v.arena);
    return st;
}

enum cw_status cw_package_verify(const char *path,
                                 const struct cw_package_expect *expect,
                                 struct cw_package_verdict *v,
                                 struct cw_diag *d)
{
    return verify_any(path, NULL, 0, expect, v, d);
}

enum cw_status cw_package_verify_buffer(const void *data, size_t len,
                                        const char *name,
                                        const struct cw_package_expect *expect,
                                        struct cw_package_verdict *v,
                                        struct cw_diag *d)
{
    return verify_any(name ? name : "(package)", data ? data : "", len,
                      expect, v, d);
}
