/*
 * fuzz_chunk.c - libFuzzer target for the packed results of a saved run
 * (cw__chunk_decode, src/store/runs_sqlite.c), which a damaged or hostile
 * store hands the reader. Input: a byte giving the result count, then the
 * chunk. Nothing may crash or read out of bounds, and a resource handed
 * out must be a NUL-ended string within what was built.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/store/runs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *arg, const struct cw__chunk_rec *r)
{
    size_t *total = arg;
    if (r->resource)
        *total += strlen(r->resource);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cw__buf b;
    size_t total = 0;

    if (size < 1)
        return 0;
    cw__buf_init(&b, 1 << 20);
    (void)cw__chunk_decode(data + 1, size - 1, data[0], 7, &b, check,
                           &total);
    cw__buf_release(&b);
    return 0;
}
