/* test_core.c - status list, capped buffers, arenas, dates, diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/core/core.h"

static void status_names_and_messages(void **state)
{
    (void)state;
    assert_string_equal(cw_status_name(CW_OK), "OK");
    assert_string_equal(cw_status_name(CW_ELIMIT), "ELIMIT");
    assert_string_equal(cw_status_message(CW_ENOMEM), "out of memory");
    assert_string_equal(cw_status_name((enum cw_status)999), "EUNKNOWN");
    assert_int_equal(CW_OK, 0);
}

static void buf_respects_cap(void **state)
{
    struct cw__buf b;
    (void)state;
    cw__buf_init(&b, 8);
    assert_int_equal(cw__buf_puts(&b, "12345678"), CW_OK);
    assert_int_equal(cw__buf_puts(&b, "9"), CW_ELIMIT);
    assert_int_equal(b.len, 8);
    assert_string_equal(b.data, "12345678");
    cw__buf_release(&b);
    cw__buf_init(&b, 1 << 20);
    assert_int_equal(cw__buf_printf(&b, "%0600d", 7), CW_OK);
    assert_int_equal(b.len, 600);
    cw__buf_release(&b);
    /* SIZE_MAX is "no cap": cap + 1 must not wrap the size to 0. */
    cw__buf_init(&b, SIZE_MAX);
    for (int i = 0; i < 100; i++)
        assert_int_equal(cw__buf_puts(&b, "0123456789"), CW_OK);
    assert_int_equal(b.len, 1000);
    assert_string_equal(b.data + 990, "0123456789");
    cw__buf_release(&b);
}

static void arena_limit_and_strings(void **state)
{
    struct cw__arena a;
    char *s;
    (void)state;
    cw__arena_init(&a, 64);
    s = cw__arena_printf(&a, "%s-%d", "x", 42);
    assert_string_equal(s, "x-42");
    assert_null(cw__arena_alloc(&a, 100));
    cw__arena_release(&a);
    cw__arena_init(&a, 0);
    assert_non_null(cw__arena_alloc(&a, 3u << 20)); /* larger than a chunk */
    cw__arena_release(&a);
}

/* Bulk blocks before and after cw_tune_memory_for_batch() (process-wide:
 * this test runs last), and arenas made of them. */
static void bulk_blocks_and_arenas(void **state)
{
    enum { N = 300 }; /* more than one 32 MB region's worth */
    static unsigned char *v[N], *w[N / 2];
    struct cw__arena a;
    unsigned char *before;
    size_t i, j, reused = 0;
    (void)state;

    before = cw__bulk_get(); /* from cw__malloc, given back to it */
    assert_non_null(before);
    memset(before, 1, CW__BULK_BLOCK);
    cw_tune_memory_for_batch();
    for (i = 0; i < N; i++) {
        assert_non_null(v[i] = cw__bulk_get());
        memset(v[i], (int)i, CW__BULK_BLOCK); /* every byte writable */
    }
    for (i = 0; i < N; i++) /* none overlaps another */
        for (j = 0; j < CW__BULK_BLOCK; j += 4096)
            assert_int_equal(v[i][j], (unsigned char)i);
    cw__bulk_put(before); /* not the pool's: back to cw__free */
    for (i = 0; i < N; i += 2)
        cw__bulk_put(v[i]);
    for (i = 0; i < N / 2; i++) { /* given back blocks come back first */
        w[i] = cw__bulk_get();
        for (j = 0; j < N; j += 2)
            reused += w[i] == v[j];
    }
    if (cw__bulk_pooled()) /* not under AddressSanitizer */
        assert_int_equal(reused, N / 2);
    for (i = 0; i < N / 2; i++) {
        cw__bulk_put(w[i]);
        cw__bulk_put(v[2 * i + 1]);
    }

    cw__arena_init_bulk(&a, 0);
    for (i = 0; i < 100000; i++) {
        char *s = cw__arena_printf(&a, "resource-%zu", i);
        assert_non_null(s);
        assert_int_equal(s[0], 'r');
    }
    assert_non_null(cw__arena_alloc(&a, 3u << 20)); /* larger than a block */
    cw__arena_recycle(&a);
    assert_non_null(cw__arena_alloc(&a, 1000));
    cw__arena_reset(&a);
    cw__arena_release(&a);
}

static void dates(void **state)
{
    (void)state;
    assert_true(cw__date_valid("2026-11-22"));
    assert_true(cw__date_valid("2024-02-29"));
    assert_false(cw__date_valid("2023-02-29"));
    assert_false(cw__date_valid("2026-13-01"));
    assert_false(cw__date_valid("2026-1-01"));
    assert_false(cw__date_valid("26-11-2022"));
}

static void diag_format(void **state)
{
    struct cw_diag d;
    char out[256];
    (void)state;
    cw_diag_clear(&d);
    cw__diag_set(&d, CW_EPARSE, "a.yaml", 3, 7, "expected %s", "a list");
    assert_string_equal(cw_diag_format(&d, out, sizeof(out)),
                        "a.yaml:3:7: expected a list");
    cw__diag_set(&d, CW_EIO, "a.yaml", 0, 0, "cannot open");
    assert_string_equal(cw_diag_format(&d, out, sizeof(out)),
                        "a.yaml: cannot open");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_names_and_messages),
        cmocka_unit_test(buf_respects_cap),
        cmocka_unit_test(arena_limit_and_strings),
        cmocka_unit_test(dates),
        cmocka_unit_test(diag_format),
        cmocka_unit_test(bulk_blocks_and_arenas), /* last: tunes memory */
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
