/*
 * fuzz_json.c - libFuzzer target for the JSON parser (src/parse/json.c):
 * any input must give a tree or one positioned error, within the caps,
 * never a crash, a leak or a hang.
 */
#include <stddef.h>
#include <stdint.h>

#include "../src/parse/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cw__arena arena;
    struct cw__node *root = NULL;
    struct cw__yaml_limits lim = { 512, (size_t)64 << 20, false };
    struct cw_diag d;

    cw__arena_init(&arena, 0);
    (void)cw__json_parse(&arena, "fuzz", (const char *)data, size, &lim,
                         &root, &d);
    cw__arena_release(&arena);
    return 0;
}
