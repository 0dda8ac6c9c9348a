/*
 * test_jsonpath_cts.c - runs the JSONPath Compliance Test Suite (RFC 9535,
 * tests/data/jsonpath-cts/cts.json, 703 cases) against src/query: every
 * invalid selector must be refused at compile time; every valid one must
 * select exactly the expected values, in order (or in one of the allowed
 * orders), with the expected normalized paths. Prints each failing case.
 * Usage: test_jsonpath_cts CTS.json
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/query/jsonpath.h"

struct got {
    const struct cw__node *v[4096];
    char *paths[4096];
    size_t n;
};

static bool take(void *arg, const struct cw__node *n,
                 const struct cw__jp_loc *loc)
{
    struct got *g = arg;
    struct cw__buf b;
    if (g->n >= 4096)
        return false;
    cw__buf_init(&b, 1 << 16);
    if (cw__jp_normalized(loc, &b) == CW_OK)
        g->paths[g->n] = strdup(b.data);
    cw__buf_release(&b);
    g->v[g->n++] = n;
    return true;
}

static bool same_values(const struct got *g, const struct cw__node *want)
{
    size_t i;
    if (want->kind != CW__NODE_SEQ || want->n != g->n)
        return false;
    for (i = 0; i < g->n; i++)
        if (!cw__node_equal(g->v[i], want->kids[i]))
            return false;
    return true;
}

static bool same_paths(const struct got *g, const struct cw__node *want)
{
    size_t i;
    if (!want)
        return true;
    if (want->kind != CW__NODE_SEQ || want->n != g->n)
        return false;
    for (i = 0; i < g->n; i++)
        if (!g->paths[i] || strcmp(g->paths[i], want->kids[i]->str) != 0)
            return false;
    return true;
}

/* One case; returns true when it passes. */
static bool run_case(const struct cw__node *t)
{
    const struct cw__node *name = cw__node_get(t, "name");
    const struct cw__node *sel = cw__node_get(t, "selector");
    const struct cw__node *doc = cw__node_get(t, "document");
    const struct cw__node *invalid = cw__node_get(t, "invalid_selector");
    const struct cw__node *result = cw__node_get(t, "result");
    const struct cw__node *results = cw__node_get(t, "results");
    const struct cw__node *paths = cw__node_get(t, "result_paths");
    const struct cw__node *pathss = cw__node_get(t, "results_paths");
    struct cw__jp *q = NULL;
    struct cw_diag d;
    struct got *g;
    bool ok = false;
    size_t i;

    cw_diag_clear(&d);
    if (cw__jp_compile(sel->str, sel->len, "selector", &q, &d)) {
        if (invalid)
            return true;
        printf("FAIL %s: %s: refused: %s (col %u)\n", name->str, sel->str,
               d.msg, d.col);
        return false;
    }
    if (invalid) {
        printf("FAIL %s: %s: accepted an invalid selector\n", name->str,
               sel->str);
        cw__jp_free(q);
        return false;
    }
    g = calloc(1, sizeof(*g));
    if (!g || cw__jp_eval(q, doc, take, g, &d)) {
        printf("FAIL %s: evaluation error %s\n", name->str, d.msg);
    } else if (result) {
        ok = same_values(g, result) && same_paths(g, paths);
    } else {
        for (i = 0; results && !ok && i < results->n; i++)
            ok = same_values(g, results->kids[i]) &&
                 (!pathss || same_paths(g, pathss->kids[i]));
    }
    if (g && !ok) {
        struct cw__buf b;
        cw__buf_init(&b, 1 << 20);
        for (i = 0; i < g->n; i++) {
            cw__json_write(g->v[i], &b);
            cw__buf_printf(&b, " @%s; ", g->paths[i] ? g->paths[i] : "?");
        }
        printf("FAIL %s: %s: got %zu: %s\n", name->str, sel->str, g->n,
               b.data ? b.data : "");
        cw__buf_release(&b);
    }
    for (i = 0; g && i < g->n; i++)
        free(g->paths[i]);
    free(g);
    cw__jp_free(q);
    return ok;
}

int main(int argc, char **argv)
{
    struct cw__arena a;
    struct cw__buf b;
    struct cw__node *root = NULL;
    const struct cw__node *tests;
    struct cw__yaml_limits lim = { 256, (size_t)1 << 30, false };
    struct cw_diag d;
    size_t i, failed = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s cts.json\n", argv[0]);
        return 2;
    }
    cw__arena_init(&a, 0);
    cw__buf_init(&b, (size_t)64 << 20);
    if (cw__read_file(argv[1], &b, &d) ||
        cw__json_parse(&a, argv[1], b.data, b.len, &lim, &root, &d)) {
        fprintf(stderr, "%s:%u:%u: %s\n", d.file, d.line, d.col, d.msg);
        return 2;
    }
    tests = cw__node_get(root, "tests");
    for (i = 0; tests && i < tests->n; i++)
        failed += !run_case(tests->kids[i]);
    printf("%zu of %zu cases passed\n", tests ? tests->n - failed : 0,
           tests ? tests->n : 0);
    cw__buf_release(&b);
    cw__arena_release(&a);
    return failed || !tests ? 1 : 0;
}
