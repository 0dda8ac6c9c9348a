/*
 * fuzz_jsonpath.c - libFuzzer target for JSONPath: the first line of the
 * input is a query, the rest a JSON document. Every query must compile or
 * be refused with a column; every compiled query must evaluate against the
 * document (when it parses), with its normalized paths and values printed
 * to a buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../src/query/jsonpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool sink(void *arg, const struct cw__node *n,
                 const struct cw__jp_loc *loc)
{
    struct cw__buf *b = arg;
    b->len = 0;
    (void)cw__jp_normalized(loc, b);
    (void)cw__json_write(n, b);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t qlen = nl ? (size_t)(nl - s) : size;
    struct cw__yaml_limits lim = { 256, (size_t)16 << 20, false };
    struct cw__node *root = NULL;
    struct cw__jp *q = NULL;
    struct cw__arena arena;
    struct cw__buf b;
    struct cw_diag d;

    if (cw__jp_compile(s, qlen, "fuzz", &q, &d))
        return 0;
    cw__arena_init(&arena, 0);
    cw__buf_init(&b, (size_t)1 << 20);
    if (nl && !cw__json_parse(&arena, "fuzz", nl + 1, size - qlen - 1, &lim,
                              &root, &d))
        (void)cw__jp_eval(q, root, sink, &b, &d);
    cw__buf_release(&b);
    cw__arena_release(&arena);
    cw__jp_free(q);
    return 0;
}
