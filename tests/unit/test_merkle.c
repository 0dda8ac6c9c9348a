/*
 * test_merkle.c - the ledger's Merkle tree against an independent
 * rendering of RFC 6962: the reference below computes MTH, PATH and PROOF
 * by the RFC's recursive definitions straight over an array of entries,
 * hashing with plain SHA-256 calls of its own, and shares no
 * code with src/ledger/merkle.c. For every tree size up to 70 and every
 * index, the library's roots and proofs must equal the reference's, verify,
 * and stop verifying when any byte, index or size is altered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "../../src/ledger/merkle.h"

#define MAXN 70
#define P(a) (&(a)[0][0]) /* proof arrays as the flat bytes the API takes */

static unsigned char entries[MAXN][16];
static size_t entry_len[MAXN];

/* ---- the reference: RFC 6962 section 2.1, verbatim ---------------------- */

static void ref_leaf(size_t i, unsigned char out[32])
{
    unsigned char buf[1 + 16];
    buf[0] = 0;
    memcpy(buf + 1, entries[i], entry_len[i]);
    crypto_hash_sha256(out, buf, 1 + entry_len[i]);
}

static void ref_node(const unsigned char *l, const unsigned char *r,
                     unsigned char out[32])
{
    unsigned char buf[65];
    buf[0] = 1;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    crypto_hash_sha256(out, buf, 65);
}

static size_t ref_k(size_t n)
{
    size_t k = 1;
    while (2 * k < n)
        k *= 2;
    return k;
}

/* MTH(D[lo:hi]) */
static void ref_mth(size_t lo, size_t hi, unsigned char out[32])
{
    unsigned char l[32], r[32];
    size_t k;
    if (hi - lo == 1) {
        ref_leaf(lo, out);
        return;
    }
    k = ref_k(hi - lo);
    ref_mth(lo, lo + k, l);
    ref_mth(lo + k, hi, r);
    ref_node(l, r, out);
}

/* PATH(m, D[lo:hi]) appended to p */
static void ref_path(size_t m, size_t lo, size_t hi, unsigned char p[][32],
                     size_t *n)
{
    size_t k;
    if (hi - lo <= 1)
        return;
    k = ref_k(hi - lo);
    if (m < k) {
        ref_path(m, lo, lo + k, p, n);
        ref_mth(lo + k, hi, p[(*n)++]);
    } else {
        ref_path(m - k, lo + k, hi, p, n);
        ref_mth(lo, lo + k, p[(*n)++]);
    }
}

/* SUBPROOF(m, D[lo:hi], b) appended to p */
static void ref_sub(size_t m, size_t lo, size_t hi, int b,
                    unsigned char p[][32], size_t *n)
{
    size_t k;
    if (m == hi - lo) {
        if (!b)
            ref_mth(lo, hi, p[(*n)++]);
        return;
    }
    k = ref_k(hi - lo);
    if (m <= k) {
        ref_sub(m, lo, lo + k, b, p, n);
        ref_mth(lo + k, hi, p[(*n)++]);
    } else {
        ref_sub(m - k, lo + k, hi, 0, p, n);
        ref_mth(lo, lo + k, p[(*n)++]);
    }
}

/* ---- the library's view: complete subtrees computed on request ---------- */

static int calls;

static int subtree(void *arg, unsigned level, uint64_t index, cw__hash out)
{
    size_t lo = (size_t)(index << level), hi = lo + ((size_t)1 << level);
    (void)arg;
    calls++;
    if (hi > MAXN)
        return 7; /* a store error is passed back */
    ref_mth(lo, hi, out);
    return 0;
}

static int setup(void **state)
{
    size_t i;
    (void)state;
    assert_true(sodium_init() >= 0);
    for (i = 0; i < MAXN; i++)
        entry_len[i] = (size_t)snprintf((char *)entries[i],
                                        sizeof(entries[i]), "entry %zu", i);
    return 0;
}

static void roots(void **state)
{
    cw__hash got, want;
    uint64_t n;
    (void)state;
    for (n = 1; n <= MAXN; n++) {
        assert_int_equal(cw__merkle_root(subtree, NULL, n, got), 0);
        ref_mth(0, n, want);
        assert_memory_equal(got, want, 32);
    }
    /* RFC 6962: the empty tree's hash is SHA-256 of the empty string. */
    assert_int_equal(cw__merkle_root(subtree, NULL, 0, got), 0);
    crypto_hash_sha256(want, NULL, 0);
    assert_memory_equal(got, want, 32);
    /* The leaf and node prefixes. */
    cw__leaf_hash(entries[3], entry_len[3], got);
    ref_leaf(3, want);
    assert_memory_equal(got, want, 32);
}

/* Every single-byte change, a wrong index or size, a proof cut short or
 * made longer: none may verify. */
static void inclusion_tampered(const cw__hash leaf, uint64_t m, uint64_t n,
                               unsigned char (*proof)[32], size_t np,
                               const cw__hash root)
{
    size_t i, b;
    unsigned char extra[CW__MERKLE_MAX_PROOF + 1][32];
    cw__hash bad;

    for (i = 0; i < np; i++)
        for (b = 0; b < 32; b += 7) {
            proof[i][b] ^= 0x20;
            assert_false(cw__merkle_verify_inclusion(leaf, m, n, P(proof), np,
                                                     root));
            proof[i][b] ^= 0x20;
        }
    memcpy(bad, leaf, 32);
    bad[0] ^= 1;
    assert_false(cw__merkle_verify_inclusion(bad, m, n, P(proof), np, root));
    memcpy(bad, root, 32);
    bad[31] ^= 1;
    assert_false(cw__merkle_verify_inclusion(leaf, m, n, P(proof), np, bad));
    if (np) {
        assert_false(cw__merkle_verify_inclusion(leaf, m, n, P(proof), np - 1,
                                                 root));
        if (m + 1 < n)
            assert_false(cw__merkle_verify_inclusion(leaf, m + 1, n, P(proof),
                                                     np, root));
        if (m > 0)
            assert_false(cw__merkle_verify_inclusion(leaf, m - 1, n, P(proof),
                                                     np, root));
    }
    memcpy(extra, proof, np * sizeof(*proof));
    memcpy(extra[np], root, 32);
    assert_false(cw__merkle_verify_inclusion(leaf, m, n, P(extra), np + 1,
                                             root));
    /* A size and root must come together (a signed checkpoint binds
     * them): the proof for n does not prove m in the tree of n + 1. */
    if (n < MAXN) {
        ref_mth(0, n + 1, bad);
        assert_false(cw__merkle_verify_inclusion(leaf, m, n + 1, P(proof),
                                                 np, bad));
    }
    assert_false(cw__merkle_verify_inclusion(leaf, n, n, P(proof), np, root));
}

static void inclusion(void **state)
{
    uint64_t n, m;
    (void)state;
    for (n = 1; n <= MAXN; n++) {
        cw__hash root;
        ref_mth(0, n, root);
        for (m = 0; m < n; m++) {
            unsigned char proof[CW__MERKLE_MAX_PROOF][32];
            cw__hash leaf;
            unsigned char want[CW__MERKLE_MAX_PROOF][32];
            size_t np = 0, nw = 0;
            calls = 0;
            assert_int_equal(
                cw__merkle_inclusion(subtree, NULL, m, n, P(proof), &np), 0);
            ref_path(m, 0, n, want, &nw);
            assert_int_equal(np, nw);
            assert_memory_equal(proof, want, 32 * nw);
            /* O(log n) subtree reads, not O(n). */
            assert_true(calls <= 2 * 8);
            ref_leaf(m, leaf);
            assert_true(cw__merkle_verify_inclusion(leaf, m, n, P(proof), np,
                                                    root));
            inclusion_tampered(leaf, m, n, proof, np, root);
        }
    }
}

static void consistency(void **state)
{
    uint64_t n, m;
    (void)state;
    for (n = 1; n <= MAXN; n++) {
        cw__hash r2;
        ref_mth(0, n, r2);
        for (m = 1; m <= n; m++) {
            unsigned char proof[CW__MERKLE_MAX_PROOF][32];
            cw__hash r1, bad;
            unsigned char want[CW__MERKLE_MAX_PROOF][32];
            size_t np = 0, nw = 0, i, b;
            ref_mth(0, m, r1);
            assert_int_equal(
                cw__merkle_consistency(subtree, NULL, m, n, P(proof), &np), 0);
            ref_sub(m, 0, n, 1, want, &nw);
            assert_int_equal(np, nw);
            assert_memory_equal(proof, want, 32 * nw);
            assert_true(cw__merkle_verify_consistency(m, n, r1, r2, P(proof),
                                                      np));
            for (i = 0; i < np; i++)
                for (b = 0; b < 32; b += 11) {
                    proof[i][b] ^= 0x40;
                    assert_false(cw__merkle_verify_consistency(m, n, r1, r2,
                                                               P(proof), np));
                    proof[i][b] ^= 0x40;
                }
            memcpy(bad, r1, 32);
            bad[5] ^= 1;
            assert_false(cw__merkle_verify_consistency(m, n, bad, r2, P(proof),
                                                       np));
            memcpy(bad, r2, 32);
            bad[5] ^= 1;
            assert_false(cw__merkle_verify_consistency(m, n, r1, bad, P(proof),
                                                       np));
            if (np)
                assert_false(cw__merkle_verify_consistency(m, n, r1, r2,
                                                           P(proof), np - 1));
            if (m < n) {
                if (n < MAXN) {
                    ref_mth(0, n + 1, bad);
                    assert_false(cw__merkle_verify_consistency(
                        m, n + 1, r1, bad, P(proof), np));
                }
                assert_false(cw__merkle_verify_consistency(m + 1, n, r1, r2,
                                                           P(proof), np));
            }
            assert_false(cw__merkle_verify_consistency(n + 1, n, r2, r1,
                                                       P(proof), np));
        }
    }
}

static void store_errors(void **state)
{
    cw__hash out;
    unsigned char proof[CW__MERKLE_MAX_PROOF][32];
    size_t np;
    (void)state;
    /* Leaves past MAXN fail in the store: the error comes back as is. */
    assert_int_equal(cw__merkle_root(subtree, NULL, MAXN + 5, out), 7);
    assert_int_equal(cw__merkle_inclusion(subtree, NULL, 2, MAXN + 5,
                                          P(proof), &np),
                     7);
    assert_int_not_equal(cw__merkle_inclusion(subtree, NULL, 5, 5, P(proof),
                                              &np),
                         0);
    assert_int_not_equal(cw__merkle_consistency(subtree, NULL, 0, 5,
                                                P(proof), &np),
                         0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roots),
        cmocka_unit_test(inclusion),
        cmocka_unit_test(consistency),
        cmocka_unit_test(store_errors),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
