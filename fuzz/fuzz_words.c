/*
 * fuzz_words.c - libFuzzer target for the rewriting of config reasons into
 * words (src/report/words.c), which scans brackets, quotes and numbers in
 * text that may quote a scanned document. Input: the reason; it is
 * rewritten into buffers of every small size and one large one. Nothing
 * may crash or write past the buffer, and the output must end in a NUL
 * at the length returned.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/report/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1), out[2048];
    size_t cap, n;

    if (!in)
        return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    for (cap = 1; cap <= sizeof(out); cap = cap < 16 ? cap + 1 : cap * 2) {
        char *buf = malloc(cap); /* exact size: ASan sees an overrun */
        if (!buf)
            break;
        n = cw__reason_words(in, buf, cap);
        if (n >= cap || buf[n] != '\0' || strlen(buf) != n)
            abort();
        free(buf);
    }
    free(in);
    return 0;
}
