/*
 * totp.h - one-time passwords of RFC 6238 (TOTP over RFC 4226's HOTP), as
 * authenticator apps compute them: HMAC-SHA-1 by default, 30-second
 * steps, 6 digits.
 */
#ifndef CW_STORE_TOTP_H
#define CW_STORE_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cw__totp_hash { CW__TOTP_SHA1, CW__TOTP_SHA256, CW__TOTP_SHA512 };

/* The code of `key` for step counter `counter` (RFC 4226 5.3), of
 * `digits` digits (6 to 9). -1 on error. */
long cw__hotp(const unsigned char *key, size_t len, uint64_t counter,
              unsigned digits, enum cw__totp_hash h);

/* Whether `code` (digits only) is the SHA-1, 6-digit, 30 s code of `key`
 * at Unix time `now`, or of the step before or after it (clocks drift),
 * compared in constant time. *step gets the step that matched, so that a
 * caller can refuse the same step twice (a code replayed). */
bool cw__totp_check(const unsigned char *key, size_t len, const char *code,
                    long long now, uint64_t *step);

/* `len` bytes as RFC 4648 base32 without padding (what otpauth:// URIs
 * carry); out needs 8 * ceil(len / 5) + 1 bytes. */
void cw__base32(const unsigned char *p, size_t len, char *out);

#endif
