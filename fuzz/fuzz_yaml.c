/*
 * fuzz_yaml.c - libFuzzer target for the YAML loader: the neutral tree
 * builder, then the scope and decision schema checks over the same input.
 * Any crash, leak, hang or sanitizer report is a bug; errors are expected.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../src/parse/node.h"
#include "../src/scope/scope_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cw_catalogs *cats;
    struct cw__arena arena;
    struct cw__node *root = NULL;
    struct cw_diag d;

    if (!cats && cw_catalogs_new(NULL, &cats, &d))
        abort(); /* the embedded catalogs must always load */
    cw__arena_init(&arena, 0);
    (void)cw__yaml_parse(&arena, "fuzz", (const char *)data, size, NULL,
                         &root, &d);
    cw__arena_release(&arena);
    (void)cw__scope_check_buffer(cats, (const char *)data, size, &d);
    return 0;
}
