/* test_totp.c - RFC 6238's own test vectors (Appendix B: SHA-1, SHA-256
 * and SHA-512, 8 digits, at its six times), RFC 4226's HOTP vectors, the
 * window of one step either way, and RFC 4648's base32 vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/store/totp.h"

static const unsigned char seed20[] = "12345678901234567890";
static const unsigned char seed32[] = "12345678901234567890123456789012";
static const unsigned char seed64[] =
    "1234567890123456789012345678901234567890123456789012345678901234";

static void test_rfc6238(void **state)
{
    static const struct {
        long long t;
        long sha1, sha256, sha512;
    } v[] = {
        { 59, 94287082, 46119246, 90693936 },
        { 1111111109, 7081804, 68084774, 25091201 },
        { 1111111111, 14050471, 67062674, 99943326 },
        { 1234567890, 89005924, 91819424, 93441116 },
        { 2000000000, 69279037, 90698825, 38618901 },
        { 20000000000LL, 65353130, 77737706, 47863826 },
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint64_t c = (uint64_t)v[i].t / 30;
        assert_int_equal(cw__hotp(seed20, 20, c, 8, CW__TOTP_SHA1), v[i].sha1);
        assert_int_equal(cw__hotp(seed32, 32, c, 8, CW__TOTP_SHA256),
                         v[i].sha256);
        assert_int_equal(cw__hotp(seed64, 64, c, 8, CW__TOTP_SHA512),
                         v[i].sha512);
    }
}

static void test_rfc4226(void **state)
{
    static const long v[] = { 755224, 287082, 359152, 969429, 338314,
                              254676, 287922, 162583, 399871, 520489 };
    uint64_t c;
    (void)state;
    for (c = 0; c < 10; c++)
        assert_int_equal(cw__hotp(seed20, 20, c, 6, CW__TOTP_SHA1), v[c]);
    assert_int_equal(cw__hotp(seed20, 20, 0, 5, CW__TOTP_SHA1), -1);
}

static void test_window(void **state)
{
    char code[8];
    uint64_t step = 0;
    long long now = 1111111111; /* step 37037037 */
    (void)state;
    snprintf(code, sizeof(code), "%06ld",
             cw__hotp(seed20, 20, 37037037, 6, CW__TOTP_SHA1));
    assert_true(cw__totp_check(seed20, 20, code, now, &step));
    assert_int_equal(step, 37037037);
    assert_true(cw__totp_check(seed20, 20, code, now + 30, &step));
    assert_true(cw__totp_check(seed20, 20, code, now - 30, &step));
    assert_false(cw__totp_check(seed20, 20, code, now + 60, &step));
    assert_false(cw__totp_check(seed20, 20, code, now - 60, &step));
    code[5] = code[5] == '0' ? '1' : '0';
    assert_false(cw__totp_check(seed20, 20, code, now, &step));
    assert_false(cw__totp_check(seed20, 20, "12345", now, &step));
    assert_false(cw__totp_check(seed20, 20, "12345a", now, &step));
    assert_false(cw__totp_check(seed20, 20, NULL, now, &step));
}

static void test_base32(void **state)
{
    char out[32];
    (void)state;
    cw__base32((const unsigned char *)"", 0, out);
    assert_string_equal(out, "");
    cw__base32((const unsigned char *)"f", 1, out);
    assert_string_equal(out, "MY");
    cw__base32((const unsigned char *)"fo", 2, out);
    assert_string_equal(out, "MZXQ");
    cw__base32((const unsigned char *)"foo", 3, out);
    assert_string_equal(out, "MZXW6");
    cw__base32((const unsigned char *)"foob", 4, out);
    assert_string_equal(out, "MZXW6YQ");
    cw__base32((const unsigned char *)"fooba", 5, out);
    assert_string_equal(out, "MZXW6YTB");
    cw__base32((const unsigned char *)"foobar", 6, out);
    assert_string_equal(out, "MZXW6YTBOI");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6238),
        cmocka_unit_test(test_rfc4226),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_base32),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
