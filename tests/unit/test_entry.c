/*
 * test_entry.c - ledger entries (src/ledger/entry.c): the stored form,
 * with each fixed OCSF fragment as one byte, expands to exactly the
 * canonical entry; canonical text expands to itself (stores written before
 * the abbreviation); a byte below 0x20 that names no fragment is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "../../src/ledger/ledger.h"

/* Blanks the 32 hex digits of metadata.uid, the only random part. */
static void blank_uid(char *s)
{
    char *u = strstr(s, ",\"uid\":\"");
    assert_non_null(u);
    memset(u + 8, 'x', 32);
}

static void round_trip(void **state)
{
    static const char *const actions[] = { "scan.config", "auth.logon",
                                           "account.create", "x" };
    size_t a, v;
    (void)state;
    for (a = 0; a < 4; a++) {
        for (v = 0; v < 8; v++) {
            struct cw_log_event e;
            struct cw_diag d;
            struct cw__buf x;
            char *canon, *stored;
            size_t len, i;
            memset(&e, 0, sizeof(e));
            e.actor = "svc \"1\"";
            e.action = actions[a];
            e.target = "t\\1\n";
            e.time_ms = v & 1 ? -1 : 1796000000000LL;
            e.tenant = v & 2 ? "acme" : NULL;
            e.reason = v & 2 ? "because" : NULL;
            e.outcome = v & 4 ? "failure" : NULL;
            e.details_json = v & 4 ? "{\"b\":[1,{\"z\":null}],\"a\":\"\\u0001\"}"
                                   : NULL;
            assert_int_equal(cw__entry_build(&e, &canon, &d), CW_OK);
            assert_int_equal(cw__entry_build_stored(&e, &stored, &len, &d),
                             CW_OK);
            assert_int_equal(strlen(stored), len);
            /* The fragments are most of an entry. */
            assert_true(len * 2 < strlen(canon));
            cw__buf_init(&x, ENTRY_MAX);
            assert_int_equal(cw__entry_expand(stored, len, &x), CW_OK);
            assert_int_equal(x.len, strlen(canon));
            for (i = 0; i < x.len; i++)
                assert_true((unsigned char)x.data[i] >= 0x20);
            blank_uid(x.data);
            blank_uid(canon);
            assert_string_equal(x.data, canon);
            /* Canonical text is its own stored form. */
            assert_int_equal(cw__entry_expand(canon, strlen(canon), &x),
                             CW_OK);
            assert_string_equal(x.data, canon);
            cw__buf_release(&x);
            cw__free(canon);
            cw__free(stored);
        }
    }
}

/* Tenant and action are found where the builder writes them, whatever
 * the details hold. */
static void fields(void **state)
{
    static const char *const actions[] = { "scan.config", "auth.logon" };
    size_t a, v;
    (void)state;
    for (a = 0; a < 2; a++) {
        for (v = 0; v < 2; v++) {
            struct cw_log_event e;
            struct cw_diag d;
            char *canon;
            const char *val;
            size_t len;
            memset(&e, 0, sizeof(e));
            e.actor = "}},\"api\":{\"operation\":\"x\"";
            e.action = actions[a];
            e.target = "t";
            e.time_ms = 1;
            e.tenant = v ? "ac\"me" : NULL;
            e.details_json = "{\"a\":{\"b\":{}},\"api\":{\"operation\":1},"
                             "\"tenant_uid\":\"evil\",\"activity_name\":2}";
            assert_int_equal(cw__entry_build(&e, &canon, &d), CW_OK);
            assert_true(cw__entry_field(canon, strlen(canon), true, &val,
                                        &len));
            if (v) {
                assert_int_equal(len, strlen("\"ac\\\"me\""));
                assert_memory_equal(val, "\"ac\\\"me\"", len);
            } else {
                assert_null(val);
            }
            assert_true(cw__entry_field(canon, strlen(canon), false, &val,
                                        &len));
            assert_int_equal(len, strlen(actions[a]) + 2);
            assert_memory_equal(val + 1, actions[a], len - 2);
            cw__free(canon);
        }
    }
    {
        const char *val;
        size_t len;
        assert_false(cw__entry_field("{}", 2, true, &val, &len));
        assert_false(cw__entry_field("{}", 2, false, &val, &len));
    }
}

static void bad_bytes(void **state)
{
    struct cw__buf x;
    unsigned c;
    (void)state;
    cw__buf_init(&x, ENTRY_MAX);
    for (c = 0; c < 0x20; c++) {
        char s[3] = { '{', (char)c, '}' };
        enum cw_status st = cw__entry_expand(s, 3, &x);
        /* 0x0e..0x1e name fragments; everything else below 0x20 is not
         * an entry. */
        if (c >= 0x0e && c <= 0x1e)
            assert_int_equal(st, CW_OK);
        else
            assert_int_equal(st, CW_EPARSE);
    }
    cw__buf_release(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(fields),
        cmocka_unit_test(bad_bytes),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
