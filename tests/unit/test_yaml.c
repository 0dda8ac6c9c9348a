/* test_yaml.c - the YAML tree: positions, refusals and caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/parse/node.h"

static enum cw_status parse(const char *text, struct cw__arena *a,
                            struct cw__node **root, struct cw_diag *d)
{
    cw__arena_init(a, 0);
    cw_diag_clear(d);
    return cw__yaml_parse(a, "t.yaml", text, strlen(text), NULL, root, d);
}

static void positions(void **state)
{
    struct cw__arena a;
    struct cw__node *root;
    struct cw_diag d;
    const struct cw__node *v;
    (void)state;
    assert_int_equal(parse("a: 1\nlist:\n  - x\n  - \"y\"\n", &a, &root, &d),
                     CW_OK);
    assert_int_equal(root->kind, CW__NODE_MAP);
    assert_int_equal(root->n, 2);
    v = cw__node_get(root, "list");
    assert_non_null(v);
    assert_int_equal(v->kind, CW__NODE_SEQ);
    assert_int_equal(v->n, 2);
    assert_int_equal(v->kids[1]->line, 4);
    assert_int_equal(v->kids[1]->col, 5);
    assert_false(v->kids[1]->plain);
    assert_true(v->kids[0]->plain);
    cw__arena_release(&a);
}

static void expect_error(const char *text, enum cw_status want,
                         const char *diag_prefix)
{
    struct cw__arena a;
    struct cw__node *root;
    struct cw_diag d;
    char line[1024];
    enum cw_status st = parse(text, &a, &root, &d);
    cw_diag_format(&d, line, sizeof(line));
    if (st != want || strncmp(line, diag_prefix, strlen(diag_prefix)) != 0)
        fail_msg("got %s '%s', wanted %s '%s...'", cw_status_name(st), line,
                 cw_status_name(want), diag_prefix);
    cw__arena_release(&a);
}

static void refusals(void **state)
{
    (void)state;
    expect_error("a: 1\na: 2\n", CW_EPARSE,
                 "t.yaml:2:1: duplicate key 'a' (first at line 1)");
    expect_error("a: &x [1]\nb: *x\n", CW_EPARSE, "t.yaml:2:4: YAML aliases");
    expect_error("a: 1\n---\nb: 2\n", CW_EPARSE,
                 "t.yaml:2:1: expected a single YAML document");
    expect_error("a: [1, 2\n", CW_EPARSE, "t.yaml:2:1: did not find");
    expect_error("a:\n\t- b\n", CW_EPARSE, "t.yaml:2:1:");
}

static void depth_cap(void **state)
{
    char *deep = malloc(20001);
    (void)state;
    memset(deep, '[', 10000);
    memset(deep + 10000, ']', 10000);
    deep[20000] = '\0';
    expect_error(deep, CW_ELIMIT, "t.yaml:1:65: nesting deeper than 64");
    free(deep);
}

static void empty_document(void **state)
{
    struct cw__arena a;
    struct cw__node *root;
    struct cw_diag d;
    (void)state;
    assert_int_equal(parse("", &a, &root, &d), CW_OK);
    assert_true(cw__node_is_null(root));
    cw__arena_release(&a);
}

static void schema_helpers(void **state)
{
    static const char *const keys[] = { "a", "b", NULL };
    static const char *const vals[] = { "x", "y", NULL };
    struct cw__arena a;
    struct cw__node *root;
    struct cw_diag d;
    size_t idx;
    bool b;
    (void)state;
    assert_int_equal(parse("a: z\nb: yes\nc: 1\n", &a, &root, &d), CW_OK);
    assert_int_equal(cw__node_check_keys(root, keys, "t.yaml", &d),
                     CW_ESCHEMA);
    assert_string_equal(d.msg, "unknown key 'c'; expected one of: a, b");
    assert_int_equal(d.line, 3);
    assert_int_equal(cw__node_enum(cw__node_get(root, "a"), vals, "t.yaml",
                                   "value", &idx, &d),
                     CW_ESCHEMA);
    assert_string_equal(d.msg, "unknown value 'z'; expected one of: x, y");
    assert_int_equal(cw__node_bool(cw__node_get(root, "b"), "t.yaml", &b, &d),
                     CW_OK);
    assert_true(b);
    cw__arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(positions),     cmocka_unit_test(refusals),
        cmocka_unit_test(depth_cap),     cmocka_unit_test(empty_document),
        cmocka_unit_test(schema_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
