/*
 * fuzz_package.c - libFuzzer target for `cloudward package verify` on a
 * package from outside (src/package/verify.c): the archive (gzip or
 * plain tar, through libarchive), the streaming of the ledger's entries
 * into their Merkle tree and their evidence.add lines, the manifest and
 * its signature, the checkpoints and the proof.
 *
 * Whatever the input: no crash, leak, overrun or hang; the verdict is one
 * of the statuses the header promises, with a message when it refuses.
 * Random bytes never verify: a package that does must carry a signature
 * by the key it names, which the fuzzer cannot make; CW_OK is therefore
 * a finding too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cloudward/cw_package.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cw_package_verdict v;
    struct cw_diag d;
    enum cw_status st;

    cw_diag_clear(&d);
    st = cw_package_verify_buffer(data, size, "fuzz.tar.gz", NULL, &v, &d);
    if (st == CW_OK)
        abort();
    if ((st != CW_EINTEGRITY && st != CW_EPARSE && st != CW_EIO &&
         st != CW_ENOMEM) ||
        !d.msg[0])
        abort();
    return 0;
}
