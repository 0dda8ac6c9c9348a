/* test_runs.c - the packed results of a saved run (src/store/runs.h):
 * records decode exactly, resources rebuilt from shared prefixes (a
 * shorter one too), and every malformed chunk refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/store/runs.h"

struct seen {
    char res[8][32];
    unsigned verdict[8];
    size_t n;
};

static int note(void *arg, const struct cw__chunk_rec *r)
{
    struct seen *s = arg;
    if (s->n < 8) {
        snprintf(s->res[s->n], sizeof(s->res[0]), "%s",
                 r->resource ? r->resource : "(none)");
        s->verdict[s->n] = (unsigned)r->verdict;
    }
    s->n++;
    return 0;
}

static int decode(const unsigned char *p, size_t len, uint64_t n,
                  struct seen *s)
{
    struct cw__buf b;
    int rc;
    memset(s, 0, sizeof(*s));
    cw__buf_init(&b, SIZE_MAX);
    rc = cw__chunk_decode(p, len, n, 3, &b, note, s);
    cw__buf_release(&b);
    return rc;
}

static void prefixes(void **state)
{
    /* "module.a", then "module.ab" (prefix 8), then "module" (prefix 6,
     * nothing more: shorter than the one before), then none. */
    static const unsigned char c[] = {
        1,
        0, 1, 0, 0, 0, 1, 8, 'm', 'o', 'd', 'u', 'l', 'e', '.', 'a',
        1, 1, 0, 0, 0, 9, 1, 'b',
        2, 0, 0, 0, 0, 7, 0,
        2, 2, 0, 0, 0, 0,
    };
    struct seen s;
    (void)state;
    assert_int_equal(decode(c, sizeof(c), 4, &s), 0);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.res[0], "module.a");
    assert_string_equal(s.res[1], "module.ab");
    assert_string_equal(s.res[2], "module");
    assert_string_equal(s.res[3], "(none)");
    assert_int_equal(s.verdict[3], 2);
}

static void malformed(void **state)
{
    static const unsigned char good[] = { 1, 0, 1, 0, 0, 0, 1, 1, 'x' };
    unsigned char c[sizeof(good) + 1];
    struct seen s;
    size_t i;
    (void)state;

    assert_int_equal(decode(good, sizeof(good), 1, &s), 0);
    for (i = 0; i < sizeof(good); i++) /* every cut is refused */
        assert_int_equal(decode(good, i, 1, &s), -1);
    memcpy(c, good, sizeof(good));
    c[sizeof(good)] = 0; /* a trailing byte */
    assert_int_equal(decode(c, sizeof(c), 1, &s), -1);
    memcpy(c, good, sizeof(good));
    c[0] = 2; /* another format */
    assert_int_equal(decode(c, sizeof(good), 1, &s), -1);
    c[0] = 1;
    c[1] = 3; /* check 3 of 3 */
    assert_int_equal(decode(c, sizeof(good), 1, &s), -1);
    c[1] = 0;
    c[2] = 5; /* verdict 5 */
    assert_int_equal(decode(c, sizeof(good), 1, &s), -1);
    c[2] = 1;
    c[6] = 3; /* a prefix longer than what came before */
    assert_int_equal(decode(c, sizeof(good), 1, &s), -1);
    c[6] = 1;
    c[7] = 9; /* a resource longer than the chunk */
    assert_int_equal(decode(c, sizeof(good), 1, &s), -1);
    /* more results than the chunk holds */
    assert_int_equal(decode(good, sizeof(good), 2, &s), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prefixes),
        cmocka_unit_test(malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
