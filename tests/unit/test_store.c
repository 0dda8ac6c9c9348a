/*
 * test_store.c - what the store shows of itself: a PostgreSQL URL never
 * with its password (messages, logs, "saved as run N in ...").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/store/store_dir.h"

static void shown(const char *store, const char *want)
{
    char out[512];
    cw__store_display(store, out, sizeof(out));
    assert_string_equal(out, want);
    assert_null(strstr(out, "secret"));
}

static void test_is_url(void **state)
{
    (void)state;
    assert_true(cw__store_is_url("postgresql://h/db"));
    assert_true(cw__store_is_url("postgres://h/db"));
    assert_false(cw__store_is_url("postgresql:/h/db"));
    assert_false(cw__store_is_url(".cloudward"));
    assert_false(cw__store_is_url("/var/lib/postgresql://x"));
}

static void test_display(void **state)
{
    (void)state;
    shown(".cloudward", ".cloudward");
    shown("postgres://h/db", "postgres://h/db");
    shown("postgresql://u@h/db", "postgresql://u@h/db");
    shown("postgresql://u:secret@h:5432/db",
          "postgresql://u:***@h:5432/db");
    shown("postgresql://u:se@cret@h/db", "postgresql://u:***@h/db");
    shown("postgresql:///db?host=/tmp&password=secret&user=u",
          "postgresql:///db?host=/tmp&password=***&user=u");
    shown("postgresql:///db?password=secret", "postgresql:///db?password=***");
    shown("postgresql:///db?password=secret&password=secret2",
          "postgresql:///db?password=***&password=***");
    shown("postgresql://u:secret@h/db?password=secret",
          "postgresql://u:***@h/db?password=***");
    /* A folder named like a parameter is a folder. */
    shown("password=folder", "password=folder");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_url),
        cmocka_unit_test(test_display),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
