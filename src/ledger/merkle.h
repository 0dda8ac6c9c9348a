/*
 * merkle.h - the Merkle tree of the ledger, as RFC 6962 / RFC 9162 define
 * it: SHA-256, leaf hash H(0x00 || entry), node hash H(0x01 || left ||
 * right), the root of n leaves split at the largest power of two below n.
 *
 * The tree is never held whole. A store gives the hash of any complete,
 * aligned subtree it already has (level L, index i: leaves i*2^L to
 * (i+1)*2^L - 1), and every function here asks for no more than
 * O(log n) of them: the right edge of a tree that is not a power of two is
 * rebuilt from the complete subtrees under it. So a proof at 10 million
 * entries costs about 2 * 24 lookups and as many hashes.
 *
 * Proofs are hashes laid end to end (nproof * 32 bytes), ordered as RFC
 * 9162 lists them (from the leaf's side up); at most CW__MERKLE_MAX_PROOF.
 */
#ifndef CW_LEDGER_MERKLE_H
#define CW_LEDGER_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CW__HASH_LEN 32
#define CW__MERKLE_MAX_PROOF 128

typedef unsigned char cw__hash[CW__HASH_LEN];

/* SHA-256 (libcrypto: the CPU's SHA instructions where there are). */
void cw__sha256(const void *data, size_t len, cw__hash out);

/* H(0x00 || data) */
void cw__leaf_hash(const void *data, size_t len, cw__hash out);
/* H(0x01 || left || right) */
void cw__node_hash(const cw__hash left, const cw__hash right, cw__hash out);

/*
 * The hash of the complete subtree at `level` (0: a leaf hash) and
 * `index`. Returns 0, or non-zero when the store cannot read it (the
 * error is passed back unchanged).
 */
typedef int (*cw__subtree_fn)(void *arg, unsigned level, uint64_t index,
                              cw__hash out);

/* MTH(D[0:n]); the empty tree's root is SHA-256 of nothing. */
int cw__merkle_root(cw__subtree_fn fn, void *arg, uint64_t n, cw__hash out);

/* PATH(m, D[0:n]) for 0 <= m < n. */
int cw__merkle_inclusion(cw__subtree_fn fn, void *arg, uint64_t m,
                         uint64_t n, unsigned char *proof, size_t *nproof);

/* PROOF(m, D[0:n]) for 0 < m <= n. */
int cw__merkle_consistency(cw__subtree_fn fn, void *arg, uint64_t m,
                           uint64_t n, unsigned char *proof, size_t *nproof);

/* RFC 9162 2.1.3.2: does `leaf` (a leaf hash) sit at `index` of the tree
 * of `size` leaves whose root is `root`? */
bool cw__merkle_verify_inclusion(const cw__hash leaf, uint64_t index,
                                 uint64_t size, const unsigned char *proof,
                                 size_t nproof, const cw__hash root);

/* RFC 9162 2.1.4.2: is the tree of `size1` leaves (root `root1`) a prefix
 * of the tree of `size2` leaves (root `root2`)? */
bool cw__merkle_verify_consistency(uint64_t size1, uint64_t size2,
                                   const cw__hash root1, const cw__hash root2,
                                   const unsigned char *proof, size_t nproof);

#endif
