/*
 * totp.c - RFC 6238 one-time passwords (totp.h), HMAC from OpenSSL's
 * libcrypto (libsodium has no HMAC-SHA-1, which every authenticator app
 * uses by default).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "totp.h"

long cw__hotp(const unsigned char *key, size_t len, uint64_t counter,
              unsigned digits, enum cw__totp_hash h)
{
    unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
    unsigned maclen = 0, off, i;
    uint32_t bin;
    long mod = 1;
    const EVP_MD *md = h == CW__TOTP_SHA256   ? EVP_sha256()
                       : h == CW__TOTP_SHA512 ? EVP_sha512()
                                              : EVP_sha1();

    if (digits < 6 || digits > 9 || len > 1024)
        return -1;
    for (i = 0; i < 8; i++)
        msg[i] = (unsigned char)(counter >> (56 - 8 * i));
    if (!HMAC(md, key, (int)len, msg, sizeof(msg), mac, &maclen) ||
        maclen < 20)
        return -1;
    /* Dynamic truncation (RFC 4226 5.3). */
    off = mac[maclen - 1] & 0x0f;
    bin = (uint32_t)(mac[off] & 0x7f) << 24 | (uint32_t)mac[off + 1] << 16 |
          (uint32_t)mac[off + 2] << 8 | mac[off + 3];
    for (i = 0; i < digits; i++)
        mod *= 10;
    return (long)(bin % (uint32_t)mod);
}

bool cw__totp_check(const unsigned char *key, size_t len, const char *code,
                    long long now, uint64_t *step)
{
    char want[24];
    uint64_t t;
    int d;
    bool ok = false;

    if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6 ||
        now < 30)
        return false;
    t = (uint64_t)now / 30;
    /* Every candidate is computed and compared: the time taken does not
     * say which one matched. */
    for (d = -1; d <= 1; d++) {
        long v = cw__hotp(key, len, t + (uint64_t)(int64_t)d, 6,
                          CW__TOTP_SHA1);
        snprintf(want, sizeof(want), "%06ld", v < 0 ? 0 : v);
        if (v >= 0 && sodium_memcmp(want, code, 6) == 0 && !ok) {
            ok = true;
            *step = t + (uint64_t)(int64_t)d;
        }
    }
    return ok;
}

void cw__base32(const unsigned char *p, size_t len, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    size_t i, o = 0;
    unsigned buf = 0, bits = 0;
    for (i = 0; i < len; i++) {
        buf = buf << 8 | p[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = abc[(buf >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits)
        out[o++] = abc[(buf << (5 - bits)) & 31];
    out[o] = '\0';
}
