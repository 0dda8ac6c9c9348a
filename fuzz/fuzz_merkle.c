/*
 * fuzz_merkle.c - libFuzzer target for the ledger's proof verification
 * (src/ledger/merkle.c), the code that reads proofs a customer or auditor
 * is handed. Input: index (8 bytes), size (8), a hash (32), a root (32),
 * then proof hashes; both verifiers run on it (for consistency, index and
 * size are the two tree sizes and the two hashes their roots). Nothing
 * may crash, hang or read out of bounds whatever the sizes and lengths.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "../src/ledger/merkle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t u64(const uint8_t *p)
{
    uint64_t v = 0;
    int i;
    for (i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t a, b;
    size_t np;

    if (size < 80 || sodium_init() < 0)
        return 0;
    a = u64(data);
    b = u64(data + 8);
    np = (size - 80) / CW__HASH_LEN;
    if (np > CW__MERKLE_MAX_PROOF)
        np = CW__MERKLE_MAX_PROOF;
    (void)cw__merkle_verify_inclusion(data + 16, a, b, data + 80, np,
                                      data + 48);
    (void)cw__merkle_verify_consistency(a, b, data + 16, data + 48,
                                        data + 80, np);
    return 0;
}
