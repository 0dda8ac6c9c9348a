/*
 * migrate.c - a folder store copied into PostgreSQL, and the copy proved
 * (cw_store.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include <cloudward/cw_ledger.h>
#include <cloudward/cw_runs.h>
#include <cloudward/cw_store.h>

#include "../core/core.h"
#include "../ledger/ledger.h"
#include "runs.h"
#include "store_dir.h"

/* The ledger's key into the key folder of the PostgreSQL store: the copy
 * signs on with the same key. A different key already there is refused:
 * one of the two ledgers would lose its signer. */
static enum cw_status copy_key(const char *from, struct cw_diag *d)
{
    char src[4200], dst[4200], dir[3800];
    struct cw__buf a, b;
    enum cw_status st;

    if ((st = cw__store_key_dir(dir, sizeof(dir), d)))
        return st;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return cw__diag_set(d, CW_EIO, dir, 0, 0, "cannot create: %s",
                            strerror(errno));
    snprintf(src, sizeof(src), "%s/ledger.key", from);
    snprintf(dst, sizeof(dst), "%s/ledger.key", dir);
    cw__buf_init(&a, 4096);
    cw__buf_init(&b, 4096);
    if (!(st = cw__read_file_flags(src, &a, CW__READ_NOFOLLOW, d))) {
        if (!cw__read_file_flags(dst, &b, CW__READ_NOFOLLOW, d)) {
            if (a.len != b.len || sodium_memcmp(a.data, b.data, a.len) != 0)
                st = cw__diag_set(d, CW_EEXIST, dst, 0, 0,
                                  "holds another ledger key; move it away "
                                  "or choose another CLOUDWARD_KEY_DIR");
        } else {
            cw_diag_clear(d);
            st = cw__atomic_write_private(dst, a.data, a.len, true, d);
        }
    }
    if (a.data)
        sodium_memzero(a.data, a.len);
    if (b.data)
        sodium_memzero(b.data, b.len);
    cw__buf_release(&a);
    cw__buf_release(&b);
    return st;
}

/* A run's results, hashed in order, and counted. */
struct digest {
    crypto_hash_sha256_state h;
    size_t n;
};

static void feed(struct digest *g, const char *s)
{
    static const unsigned char none = 0xff, end = 0;
    if (s)
        crypto_hash_sha256_update(&g->h, (const unsigned char *)s,
                                  strlen(s));
    crypto_hash_sha256_update(&g->h, s ? &end : &none, 1);
}

static int digest_result(void *arg, const struct cw_run_result *x)
{
    struct digest *g = arg;
    char nums[96];
    snprintf(nums, sizeof(nums), "%d %u %zu %d %d", (int)x->verdict, x->line,
             x->count, (int)x->counted, (int)x->severity);
    feed(g, x->check);
    feed(g, x->title);
    feed(g, x->controls);
    feed(g, x->resource);
    feed(g, x->reason);
    feed(g, x->file);
    feed(g, nums);
    g->n++;
    return 0;
}

static enum cw_status run_digest(const char *store, int64_t id,
                                 unsigned char out[32], size_t *n,
                                 struct cw_diag *d)
{
    struct digest g;
    enum cw_status st;
    crypto_hash_sha256_init(&g.h);
    g.n = 0;
    if ((st = cw_run_results(store, id, digest_result, &g, d)))
        return st;
    crypto_hash_sha256_final(&g.h, out);
    *n = g.n;
    return CW_OK;
}

struct run_ids {
    int64_t *ids;
    size_t n, cap;
    bool oom;
};

static int collect_run(void *arg, const struct cw_run *run)
{
    struct run_ids *r = arg;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        int64_t *p = cw__realloc(r->ids, cap * sizeof(*p));
        if (!p) {
            r->oom = true;
            return 1;
        }
        r->ids = p;
        r->cap = cap;
    }
    r->ids[r->n++] = run->id;
    return 0;
}

/* Every run of `from` gives the same results in `to`. */
static enum cw_status prove_runs(const char *from, const char *to,
                                 struct cw_store_migration *m,
                                 struct cw_diag *d)
{
    struct run_ids r = { NULL, 0, 0, false }, s = { NULL, 0, 0, false };
    enum cw_status st;
    size_t i, na, nb;

    if ((st = cw_runs_list(from, collect_run, &r, d)) ||
        (st = cw_runs_list(to, collect_run, &s, d)))
        goto out;
    if (r.oom || s.oom) {
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    if (r.n != s.n || r.n != m->runs) {
        st = cw__diag_set(d, CW_EINTEGRITY, NULL, 0, 0,
                          "the copy holds %zu runs, the source %zu", s.n,
                          r.n);
        goto out;
    }
    for (i = 0; i < r.n; i++) {
        unsigned char a[32], b[32];
        if ((st = run_digest(from, r.ids[i], a, &na, d)) ||
            (st = run_digest(to, r.ids[i], b, &nb, d)))
            goto out;
        if (na != nb || sodium_memcmp(a, b, 32) != 0) {
            st = cw__diag_set(d, CW_EINTEGRITY, NULL, 0, 0,
                              "run %lld: the copy's results differ from "
                              "the source's",
                              (long long)r.ids[i]);
            goto out;
        }
        m->results += na;
    }
out:
    cw__free(r.ids);
    cw__free(s.ids);
    return st;
}

struct intact {
    struct cw_ledger *l;
    size_t n, bad;
};

static bool check_intact(void *arg, const struct cw_evidence *e)
{
    struct intact *x = arg;
    x->n++;
    x->bad += !cw_evidence_intact(x->l, e);
    return true;
}

/* The copy's ledger verifies, with the source's size and root; every
 * evidence file it names has its digest. */
static enum cw_status prove_ledger(struct cw_ledger *from,
                                   struct cw_ledger *to,
                                   struct cw_store_migration *m,
                                   struct cw_diag *d)
{
    unsigned char root[32];
    uint64_t size, bad;
    struct intact x = { to, 0, 0 };
    enum cw_status st;

    if ((st = cw_ledger_root(from, &m->entries, m->root, d)) ||
        (st = cw_ledger_root(to, &size, root, d)))
        return st;
    if (size != m->entries || sodium_memcmp(root, m->root, 32) != 0)
        return cw__diag_set(d, CW_EINTEGRITY, NULL, 0, 0,
                            "the copy's ledger has %llu entries and another "
                            "root than the source's %llu",
                            (unsigned long long)size,
                            (unsigned long long)m->entries);
    if ((st = cw_ledger_verify(to, &bad, d)))
        return st;
    if ((st = cw_evidence_each(to, check_intact, &x, d)))
        return st;
    if (x.n != m->evidence || x.bad)
        return cw__diag_set(d, CW_EINTEGRITY, NULL, 0, 0,
                            "the copy names %zu evidence files (%zu missing "
                            "or altered), the source %zu",
                            x.n, x.bad, m->evidence);
    return CW_OK;
}

enum cw_status cw_store_migrate(const char *from, const char *to,
                                struct cw_store_migration *m,
                                struct cw_diag *d)
{
    struct cw_ledger *lf = NULL, *lt = NULL;
    enum cw_status st;
    uint64_t size, bad;

    memset(m, 0, sizeof(*m));
    if (cw__store_is_url(from) || !cw__store_is_url(to))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "store migrate copies a folder store into "
                            "PostgreSQL: --from DIR --to postgresql://...");
    if ((st = cw_ledger_open_existing(from, &lf, d)))
        return st;
    /* Only a sound store is worth copying, and a copy of a damaged one
     * would prove nothing. */
    if ((st = cw_ledger_verify(lf, &bad, d)))
        goto out;
    if ((st = copy_key(from, d)) || (st = cw_ledger_open(to, &lt, d)) ||
        (st = cw_ledger_size(lt, &size, d)))
        goto out;
    if (size) {
        st = cw__diag_set(d, CW_EEXIST, NULL, 0, 0,
                          "the destination's ledger already holds %llu "
                          "entries; migrate into an empty database",
                          (unsigned long long)size);
        goto out;
    }
    if ((st = cw__evidence_copy(lf, lt, &m->evidence, d)) ||
        (st = cw__runs_copy(from, to, &m->runs, d)) ||
        (st = cw__ledger_copy(lf, lt, &m->checkpoints, d)))
        goto out;
    if (!(st = prove_ledger(lf, lt, m, d)))
        st = prove_runs(from, to, m, d);
out:
    cw_ledger_close(lf);
    cw_ledger_close(lt);
    return st;
}
