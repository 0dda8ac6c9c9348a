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

#include "../../src/store/totp.h"

#define CW_TEST_STORE
#include "helpers.h"

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
        snprintf(cmd, sizeof(cmd), "grep -c -F -e '%s' '%s/access.db'",
                 tok + 21, store);
        p = popen(cmd, "r");
        assert_non_null(p);
        assert_non_null(fgets(out, sizeof(out), p));
        pclose(p);
        assert_string_equal(out, "0\n");
    }
}

/* The secret of an otpauth:// URI, decoded from base32. */
static size_t otp_secret(const char *uri, unsigned char *out)
{
    const char *p = strstr(uri, "secret=") + 7;
    unsigned buf = 0, bits = 0;
    size_t n = 0;
    for (; *p && *p != '&'; p++) {
        const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        buf = buf << 5 | (unsigned)(strchr(abc, *p) - abc);
        bits += 5;
        if (bits >= 8) {
            out[n++] = (unsigned char)(buf >> (bits - 8));
            bits -= 8;
        }
    }
    return n;
}

static void code_at(const unsigned char *k, size_t n, long long t, char *out)
{
    snprintf(out, 8, "%06ld", cw__hotp(k, n, (uint64_t)t / 30, 6,
                                       CW__TOTP_SHA1));
}

static void test_users(void **state)
{
    struct cw_access *a;
    struct cw_diag d;
    struct cw_user_info u;
    char otp[CW_OTPAUTH_LEN], code[8];
    unsigned char key[32];
    size_t klen;
    long long now = (long long)time(NULL);
    int i;
    (void)state;

    assert_int_equal(cw_access_open(store, true, &a, &d), CW_OK);
    assert_int_equal(cw_tenant_add(a, "globex", "Globex", "t", &d), CW_OK);
    assert_int_equal(cw_user_add(a, "alice", CW_GRANT_ADMIN, NULL,
                                 "short", "t", otp, &d),
                     CW_EINVAL);
    assert_int_equal(cw_user_add(a, "Alice!", CW_GRANT_ADMIN, NULL,
                                 "long enough pass", "t", otp, &d),
                     CW_EINVAL);
    assert_int_equal(cw_user_add(a, "alice", CW_GRANT_ADMIN, NULL,
                                 "long enough pass", "t", otp, &d),
                     CW_OK);
    assert_non_null(strstr(otp, "otpauth://totp/cloudward:alice?secret="));
    klen = otp_secret(otp, key);
    assert_int_equal(klen, 20);
    assert_int_equal(cw_user_add(a, "alice", CW_GRANT_ADMIN, NULL,
                                 "long enough pass", "t", otp, &d),
                     CW_EEXIST);

    /* The provider's user needs the password and the current code. */
    assert_int_equal(cw_user_signin(a, "alice", "long enough pass", NULL, now,
                                    "127.0.0.1", &u, &d),
                     CW_EPERM);
    code_at(key, klen, now, code);
    assert_int_equal(cw_user_signin(a, "alice", "long enough pass", code,
                                    now, "127.0.0.1", &u, &d),
                     CW_OK);
    assert_string_equal(u.login, "alice");
    assert_int_equal(u.role, CW_GRANT_ADMIN);
    assert_true(u.totp);
    /* The same code twice: a replay. */
    assert_int_equal(cw_user_signin(a, "alice", "long enough pass", code,
                                    now, "127.0.0.1", &u, &d),
                     CW_EPERM);
    code_at(key, klen, now + 30, code);
    assert_int_equal(cw_user_signin(a, "alice", "wrong password!", code,
                                    now + 30, "127.0.0.1", &u, &d),
                     CW_EPERM);

    /* A tenant's user: a password alone. Five failures lock it out. */
    assert_int_equal(cw_user_add(a, "bob", CW_GRANT_CUSTOMER, "globex",
                                 "bobs long password", "t", otp, &d),
                     CW_OK);
    assert_string_equal(otp, "");
    assert_int_equal(cw_user_signin(a, "bob", "bobs long password", NULL,
                                    now, "::1", &u, &d),
                     CW_OK);
    assert_string_equal(u.tenant, "globex");
    for (i = 0; i < 5; i++)
        assert_int_equal(cw_user_signin(a, "bob", "not the password", NULL,
                                        now, "::1", &u, &d),
                         CW_EPERM);
    assert_int_equal(cw_user_signin(a, "bob", "bobs long password", NULL,
                                    now + 60, "::1", &u, &d),
                     CW_EPERM);
    /* After 15 minutes the lock is over. */
    assert_int_equal(cw_user_signin(a, "bob", "bobs long password", NULL,
                                    now + 15 * 60 + 1, "::1", &u, &d),
                     CW_OK);
    /* Unknown and disabled users get the same answer. */
    assert_int_equal(cw_user_signin(a, "carol", "whatever it is", NULL, now,
                                    "::1", &u, &d),
                     CW_EPERM);
    assert_int_equal(cw_user_passwd(a, "bob", "a new long password", "t",
                                    &d),
                     CW_OK);
    assert_int_equal(cw_user_signin(a, "bob", "bobs long password", NULL,
                                    now + 16 * 60, "::1", &u, &d),
                     CW_EPERM);
    assert_int_equal(cw_user_disable(a, "bob", "t", &d), CW_OK);
    assert_int_equal(cw_user_signin(a, "bob", "a new long password", NULL,
                                    now + 17 * 60, "::1", &u, &d),
                     CW_EPERM);
    assert_int_equal(cw_user_disable(a, "bob", "t", &d), CW_EEXIST);
    assert_int_equal(cw_user_passwd(a, "nobody", "a new long password", "t",
                                    &d),
                     CW_ENOENT);
    cw_access_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_users, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
