/*
 * merkle.c - RFC 6962 / 9162 Merkle tree hashes and proofs over a store of
 * complete subtrees (see merkle.h). Proof construction follows the
 * recursive definitions of RFC 6962 2.1.1 and 2.1.2 over leaf ranges;
 * verification is the iterative algorithm of RFC 9162 2.1.3.2 and
 * 2.1.4.2, which needs nothing but the proof.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "merkle.h"

/*
 * SHA-256 comes from OpenSSL's libcrypto, which uses the CPU's SHA
 * extensions: measured with bench/ledger on an AMD EPYC with sha_ni,
 * libsodium's portable SHA-256 was 29% of an append's time (batch 1024).
 * Signatures stay with libsodium.
 */
/* OpenSSL 3 looks the algorithm up on every one-shot SHA256() call
 * (locks included); fetched once, a digest costs only the digest. */
static EVP_MD *sha256_md;
static pthread_key_t sha256_key;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void free_ctx(void *ctx)
{
    EVP_MD_CTX_free(ctx);
}

static void fetch_sha256(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (pthread_key_create(&sha256_key, free_ctx) != 0) {
        EVP_MD_free(sha256_md);
        sha256_md = NULL;
    }
}

/* One digest context per thread, reused: a context made and freed per
 * hash was a tenth of an append. Freed when its thread ends. */
void cw__sha256(const void *data, size_t len, cw__hash out)
{
    EVP_MD_CTX *ctx;

    pthread_once(&sha256_once, fetch_sha256);
    if (sha256_md) {
        if (!(ctx = pthread_getspecific(sha256_key)) &&
            (ctx = EVP_MD_CTX_new()) &&
            pthread_setspecific(sha256_key, ctx) != 0) {
            EVP_MD_CTX_free(ctx);
            ctx = NULL;
        }
        if (ctx && EVP_DigestInit_ex2(ctx, sha256_md, NULL) &&
            EVP_DigestUpdate(ctx, data, len) &&
            EVP_DigestFinal_ex(ctx, out, NULL))
            return;
    }
    crypto_hash_sha256(out, data, len); /* libcrypto unusable */
}

void cw__leaf_hash(const void *data, size_t len, cw__hash out)
{
    unsigned char buf[1 + 4096];
    crypto_hash_sha256_state st;
    static const unsigned char prefix = 0x00;

    if (len <= sizeof(buf) - 1) { /* entries are small: one digest */
        buf[0] = prefix;
        memcpy(buf + 1, data, len);
        cw__sha256(buf, len + 1, out);
        return;
    }
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, &prefix, 1);
    crypto_hash_sha256_update(&st, data, len);
    crypto_hash_sha256_final(&st, out);
}

void cw__node_hash(const cw__hash left, const cw__hash right, cw__hash out)
{
    unsigned char buf[1 + 2 * CW__HASH_LEN];
    buf[0] = 0x01;
    memcpy(buf + 1, left, CW__HASH_LEN);
    memcpy(buf + 1 + CW__HASH_LEN, right, CW__HASH_LEN);
    cw__sha256(buf, sizeof(buf), out);
}

/* The largest power of two strictly below n (n >= 2). */
static uint64_t split(uint64_t n)
{
    uint64_t k = 1;
    while (k < n - k) /* k << 1 < n, without overflow */
        k <<= 1;
    return k;
}

static bool pow2(uint64_t n)
{
    return n && !(n & (n - 1));
}

static unsigned log2_of(uint64_t n)
{
    unsigned l = 0;
    while (n >>= 1)
        l++;
    return l;
}

/* MTH(D[lo:lo+n]), n >= 1, from the store's complete subtrees. */
static int range_hash(cw__subtree_fn fn, void *arg, uint64_t lo, uint64_t n,
                      cw__hash out)
{
    cw__hash l, r;
    uint64_t k;
    int rc;

    if (pow2(n) && lo % n == 0)
        return fn(arg, log2_of(n), lo / n, out);
    k = split(n);
    if ((rc = range_hash(fn, arg, lo, k, l)) ||
        (rc = range_hash(fn, arg, lo + k, n - k, r)))
        return rc;
    cw__node_hash(l, r, out);
    return 0;
}

int cw__merkle_root(cw__subtree_fn fn, void *arg, uint64_t n, cw__hash out)
{
    if (!n) {
        cw__sha256("", 0, out);
        return 0;
    }
    return range_hash(fn, arg, 0, n, out);
}

struct path {
    unsigned char *v; /* n hashes end to end */
    size_t n;
};

static int push(struct path *p, cw__subtree_fn fn, void *arg, uint64_t lo,
                uint64_t n)
{
    if (p->n == CW__MERKLE_MAX_PROOF)
        return -1;
    return range_hash(fn, arg, lo, n, p->v + CW__HASH_LEN * p->n++);
}

/* PATH(m, D[lo:lo+n]) */
static int inclusion(cw__subtree_fn fn, void *arg, uint64_t m, uint64_t lo,
                     uint64_t n, struct path *p)
{
    uint64_t k;
    int rc;

    if (n <= 1)
        return 0;
    k = split(n);
    if (m < k)
        return (rc = inclusion(fn, arg, m, lo, k, p)) ? rc
                                                      : push(p, fn, arg,
                                                             lo + k, n - k);
    return (rc = inclusion(fn, arg, m - k, lo + k, n - k, p))
               ? rc
               : push(p, fn, arg, lo, k);
}

int cw__merkle_inclusion(cw__subtree_fn fn, void *arg, uint64_t m,
                         uint64_t n, unsigned char *proof, size_t *nproof)
{
    struct path p = { proof, 0 };
    int rc;

    *nproof = 0;
    if (m >= n)
        return -1;
    rc = inclusion(fn, arg, m, 0, n, &p);
    *nproof = p.n;
    return rc;
}

/* SUBPROOF(m, D[lo:lo+n], b) */
static int subproof(cw__subtree_fn fn, void *arg, uint64_t m, uint64_t lo,
                    uint64_t n, bool b, struct path *p)
{
    uint64_t k;
    int rc;

    if (m == n)
        return b ? 0 : push(p, fn, arg, lo, m);
    k = split(n);
    if (m <= k)
        return (rc = subproof(fn, arg, m, lo, k, b, p))
                   ? rc
                   : push(p, fn, arg, lo + k, n - k);
    return (rc = subproof(fn, arg, m - k, lo + k, n - k, false, p))
               ? rc
               : push(p, fn, arg, lo, k);
}

int cw__merkle_consistency(cw__subtree_fn fn, void *arg, uint64_t m,
                           uint64_t n, unsigned char *proof, size_t *nproof)
{
    struct path p = { proof, 0 };
    int rc;

    *nproof = 0;
    if (m == 0 || m > n)
        return -1;
    rc = subproof(fn, arg, m, 0, n, true, &p);
    *nproof = p.n;
    return rc;
}

/* Equal hashes, compared in constant time: proofs come from outside. */
static bool same(const cw__hash a, const cw__hash b)
{
    return sodium_memcmp(a, b, CW__HASH_LEN) == 0;
}

bool cw__merkle_verify_inclusion(const cw__hash leaf, uint64_t index,
                                 uint64_t size, const unsigned char *proof,
                                 size_t nproof, const cw__hash root)
{
    uint64_t fn = index, sn;
    cw__hash r;
    size_t i;

    if (index >= size)
        return false;
    sn = size - 1;
    memcpy(r, leaf, CW__HASH_LEN);
    for (i = 0; i < nproof; i++) {
        if (sn == 0)
            return false;
        if ((fn & 1) || fn == sn) {
            cw__node_hash(proof + CW__HASH_LEN * i, r, r);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            cw__node_hash(r, proof + CW__HASH_LEN * i, r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && same(r, root);
}

bool cw__merkle_verify_consistency(uint64_t size1, uint64_t size2,
                                   const cw__hash root1, const cw__hash root2,
                                   const unsigned char *proof, size_t nproof)
{
    uint64_t fn, sn;
    cw__hash fr, sr;
    size_t i = 0, n = nproof;
#define C(k) (proof + CW__HASH_LEN * (k))

    if (size1 > size2)
        return false;
    if (size1 == size2)
        return nproof == 0 && same(root1, root2);
    if (size1 == 0)
        return nproof == 0; /* the empty tree is a prefix of any */
    if (nproof == 0)
        return false;
    fn = size1 - 1;
    sn = size2 - 1;
    /* A first tree that is a complete subtree is its own first node; the
     * proof leaves it out. */
    if (pow2(size1)) {
        memcpy(fr, root1, CW__HASH_LEN);
    } else {
        memcpy(fr, C(0), CW__HASH_LEN);
        i = 1;
    }
    memcpy(sr, fr, CW__HASH_LEN);
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (; i < n; i++) {
        if (sn == 0)
            return false;
        if ((fn & 1) || fn == sn) {
            cw__node_hash(C(i), fr, fr);
            cw__node_hash(C(i), sr, sr);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            cw__node_hash(sr, C(i), sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && same(fr, root1) && same(sr, root2);
#undef C
}
