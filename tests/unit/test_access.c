/* test_access.c - API tokens (cw_access.h): a token works until it is
 * revoked or expires; an unknown, altered, truncated or foreign-looking
 * token gets the same refusal; tenants' roles need a tenant that exists,
 * the provider's take none; the secret is never stored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <cloudward/cloudward.h>

static char store[64];

static int setup(void **state)
{
    (void)state;
    snprintf(store, sizeof(store), "/tmp/cw-access-XXXXXX");
    assert_non_null(mkdtemp(store));
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", store);
    return system(cmd);
}

static void test_tokens(void **state)
{
    struct cw_access *a;
    struct cw_diag d;
    struct cw_token_info t;
    char tok[CW_TOKEN_TEXT], id[CW_TOKEN_ID], bad[CW_TOKEN_TEXT];
    long long now = (long long)time(NULL);
    (void)state;

    assert_int_equal(cw_access_open(store, false, &a, &d), CW_ENOENT);
    assert_int_equal(cw_access_open(store, true, &a, &d), CW_OK);
    assert_int_equal(cw_tenant_add(a, "globex", "Globex", "t", &d), CW_OK);
    assert_int_equal(cw_tenant_add(a, "globex", "Globex", "t", &d),
                     CW_EEXIST);
    assert_int_equal(cw_tenant_add(a, "-x", "X", "t", &d), CW_EINVAL);
    assert_int_equal(cw_tenant_add(a, "x", "X \"quoted\"", "t", &d),
                     CW_EINVAL);

    /* Roles and tenants go together; expiry is in the future. */
    assert_int_equal(cw_token_create(a, "ci", CW_GRANT_CUSTOMER, NULL,
                                     now + 60, "t", tok, id, &d),
                     CW_EINVAL);
    assert_int_equal(cw_token_create(a, "ci", CW_GRANT_ADMIN, "globex",
                                     now + 60, "t", tok, id, &d),
                     CW_EINVAL);
    assert_int_equal(cw_token_create(a, "ci", CW_GRANT_CUSTOMER, "nobody",
                                     now + 60, "t", tok, id, &d),
                     CW_ENOENT);
    assert_int_equal(cw_token_create(a, "ci", CW_GRANT_ENGINEER, NULL, now,
                                     "t", tok, id, &d),
                     CW_EINVAL);

    assert_int_equal(cw_token_create(a, "portal", CW_GRANT_CUSTOMER,
                                     "globex", now + 60, "t", tok, id, &d),
                     CW_OK);
    assert_int_equal(strlen(tok), 64);
    assert_int_equal(cw_token_check(a, tok, now, &t, &d), CW_OK);
    assert_string_equal(t.id, id);
    assert_string_equal(t.tenant, "globex");
    assert_int_equal(t.role, CW_GRANT_CUSTOMER);
    /* Expired at its expiry time. */
    assert_int_equal(cw_token_check(a, tok, now + 60, &t, &d), CW_EPERM);
    /* One character of the secret changed; truncated; another id. */
    snprintf(bad, sizeof(bad), "%s", tok);
    bad[40] = bad[40] == 'A' ? 'B' : 'A';
    assert_int_equal(cw_token_check(a, bad, now, &t, &d), CW_EPERM);
    assert_null(t.id);
    bad[40] = tok[40];
    bad[63] = '\0';
    assert_int_equal(cw_token_check(a, bad, now, &t, &d), CW_EPERM);
    snprintf(bad, sizeof(bad), "%s", tok);
    bad[4] = bad[4] == '0' ? '1' : '0';
    assert_int_equal(cw_token_check(a, bad, now, &t, &d), CW_EPERM);
    assert_int_equal(cw_token_check(a, "", now, &t, &d), CW_EPERM);
    assert_int_equal(cw_token_check(a, NULL, now, &t, &d), CW_EPERM);

    /* Revoked for good, once. */
    assert_int_equal(cw_token_revoke(a, id, "t", &d), CW_OK);
    assert_int_equal(cw_token_check(a, tok, now, &t, &d), CW_EPERM);
    assert_int_equal(cw_token_revoke(a, id, "t", &d), CW_EEXIST);
    assert_int_equal(cw_token_revoke(a, "0000000000000000", "t", &d),
                     CW_ENOENT);
    cw_access_close(a);

    /* The secret is not in the store; its hash is. */
    {
        char cmd[256], out[128] = "";
        FILE *p;
        snprintf(cmd, sizeof(cmd), "grep -c -F '%s' '%s/access.db'",
                 tok + 21, store);
        p = popen(cmd, "r");
        assert_non_null(p);
        assert_non_null(fgets(out, sizeof(out), p));
        pclose(p);
        assert_string_equal(out, "0\n");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
