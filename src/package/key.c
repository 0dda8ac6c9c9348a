/*
 * key.c - the package signing key, and Ed25519 public keys as PEM so that
 * anyone can check a package's signature with OpenSSL alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "package_internal.h"

#define KEY_HEAD "cloudward-package-key v1\n"

/* DER of SubjectPublicKeyInfo for Ed25519 (RFC 8410) before the key. */
static const unsigned char spki_prefix[12] = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
};

static enum cw_status read_seed(const char *path, unsigned char seed[32],
                                struct cw_diag *d)
{
    char text[256];
    size_t len = 0, bin = 0;
    ssize_t got;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0)
        return cw__diag_set(d, CW_EIO, path, 0, 0,
                            "cannot read the package key: %s",
                            strerror(errno));
    got = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (got > 0)
        len = (size_t)got;
    text[len] = '\0';
    if (strncmp(text, KEY_HEAD, strlen(KEY_HEAD)) != 0 ||
        sodium_base642bin(seed, 32, text + strlen(KEY_HEAD),
                          strcspn(text + strlen(KEY_HEAD), "\n"), NULL, &bin,
                          NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        bin != 32) {
        sodium_memzero(text, sizeof(text));
        return cw__diag_set(d, CW_EINTEGRITY, path, 0, 0,
                            "not a package signing key");
    }
    sodium_memzero(text, sizeof(text));
    return CW_OK;
}

enum cw_status cw__package_key(const char *dir, unsigned char sk[64],
                               unsigned char pk[32], struct cw_diag *d)
{
    char path[4200], text[256];
    unsigned char seed[32];
    enum cw_status st;
    struct stat sb;

    if (sodium_init() < 0)
        return cw__diag_set(d, CW_EIO, NULL, 0, 0, "libsodium failed");
    snprintf(path, sizeof(path), "%s/package.key", dir);
    if (lstat(path, &sb) != 0) {
        randombytes_buf(seed, sizeof(seed));
        snprintf(text, sizeof(text), "%s", KEY_HEAD);
        sodium_bin2base64(text + strlen(text), sizeof(text) - strlen(text),
                          seed, sizeof(seed), sodium_base64_VARIANT_ORIGINAL);
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "\n");
        /* Never over a key another process made meanwhile: that one is
         * read back below. */
        st = cw__atomic_write_private(path, text, strlen(text), false, d);
        sodium_memzero(text, sizeof(text));
        if (st && st != CW_EEXIST)
            return st;
    }
    if ((st = read_seed(path, seed, d)))
        return st;
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(seed, sizeof(seed));
    return CW_OK;
}

void cw__package_pem(const unsigned char pk[32], char *pem, size_t n)
{
    unsigned char der[44];
    char b64[64];

    memcpy(der, spki_prefix, sizeof(spki_prefix));
    memcpy(der + sizeof(spki_prefix), pk, 32);
    sodium_bin2base64(b64, sizeof(b64), der, sizeof(der),
                      sodium_base64_VARIANT_ORIGINAL);
    snprintf(pem, n,
             "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n",
             b64);
}

bool cw__package_pem_key(const char *pem, size_t len, unsigned char pk[32])
{
    static const char begin[] = "-----BEGIN PUBLIC KEY-----";
    static const char end[] = "-----END PUBLIC KEY-----";
    unsigned char der[64];
    const char *b, *e;
    size_t bin = 0;
    char text[512];

    if (len >= sizeof(text))
        return false;
    memcpy(text, pem, len);
    text[len] = '\0';
    b = strstr(text, begin);
    e = b ? strstr(b, end) : NULL;
    if (!b || !e)
        return false;
    b += sizeof(begin) - 1;
    if (sodium_base642bin(der, sizeof(der), b, (size_t)(e - b), " \r\n\t",
                          &bin, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        bin != sizeof(spki_prefix) + 32 ||
        memcmp(der, spki_prefix, sizeof(spki_prefix)) != 0)
        return false;
    memcpy(pk, der + sizeof(spki_prefix), 32);
    return true;
}
