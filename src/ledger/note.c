/*
 * note.c - C2SP signed notes and tlog checkpoints with Ed25519 (libsodium);
 * the formats are summed up in note.h. Parsing is strict: one way to
 * write each thing, anything else refused.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "note.h"

#define ALG_ED25519 0x01
#define SIG_PREFIX "\xe2\x80\x94 " /* U+2014 EM DASH, space */
#define SKEY_PREFIX "PRIVATE+KEY+"
#define B64 sodium_base64_VARIANT_ORIGINAL

static bool valid_name(const char *s, size_t n)
{
    size_t i;
    if (!n || n >= CW__NOTE_ORIGIN_MAX)
        return false;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == '+' || s[i] == 0x7f)
            return false;
    return true;
}

static void key_id(const char *name, size_t n, const unsigned char *pk,
                   unsigned char id[4])
{
    crypto_hash_sha256_state st;
    unsigned char h[32], tail[2] = { '\n', ALG_ED25519 };
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)name, n);
    crypto_hash_sha256_update(&st, tail, 2);
    crypto_hash_sha256_update(&st, pk, crypto_sign_PUBLICKEYBYTES);
    crypto_hash_sha256_final(&st, h);
    memcpy(id, h, 4);
}

/* NAME+HEXID+BASE64(0x01 || key) */
static int key_text(const char *prefix, const char *name, size_t n,
                    const unsigned char id[4], const unsigned char *key,
                    char *out, size_t nout)
{
    unsigned char raw[1 + 32];
    char b64[64];
    int w;
    raw[0] = ALG_ED25519;
    memcpy(raw + 1, key, 32);
    sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), B64);
    sodium_memzero(raw, sizeof(raw));
    w = snprintf(out, nout, "%s%.*s+%02x%02x%02x%02x+%s", prefix, (int)n,
                 name, id[0], id[1], id[2], id[3], b64);
    sodium_memzero(b64, sizeof(b64));
    return w < 0 || (size_t)w >= nout ? -1 : 0;
}

/* Splits NAME+HEXID+BASE64 and decodes the key; `name` points into s. */
static int key_parse(const char *s, const char **name, size_t *nname,
                     unsigned char id[4], unsigned char key[32])
{
    const char *p1 = strchr(s, '+'), *p2;
    unsigned char raw[1 + 32];
    size_t len;
    unsigned i;

    if (!p1 || !(p2 = strchr(p1 + 1, '+')) || p2 - p1 != 9 ||
        !valid_name(s, (size_t)(p1 - s)))
        return -1;
    for (i = 0; i < 4; i++) {
        unsigned v;
        char hex[3] = { p1[1 + 2 * i], p1[2 + 2 * i], 0 };
        if (!strchr("0123456789abcdef", hex[0]) || !hex[0] ||
            !strchr("0123456789abcdef", hex[1]) || !hex[1] ||
            sscanf(hex, "%2x", &v) != 1)
            return -1;
        id[i] = (unsigned char)v;
    }
    if (sodium_base642bin(raw, sizeof(raw), p2 + 1, strlen(p2 + 1), NULL,
                          &len, NULL, B64) ||
        len != sizeof(raw) || raw[0] != ALG_ED25519)
        return -1;
    memcpy(key, raw + 1, 32);
    sodium_memzero(raw, sizeof(raw));
    *name = s;
    *nname = (size_t)(p1 - s);
    return 0;
}

/* A signer key: name, id (checked against the public key), key pair. */
static int skey_parse(const char *skey, const char **name, size_t *nname,
                      unsigned char id[4], unsigned char pk[32],
                      unsigned char sk[64])
{
    unsigned char seed[32], want[4];
    int rc;

    if (strncmp(skey, SKEY_PREFIX, strlen(SKEY_PREFIX)) != 0 ||
        key_parse(skey + strlen(SKEY_PREFIX), name, nname, id, seed))
        return -1;
    rc = crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(seed, sizeof(seed));
    key_id(*name, *nname, pk, want);
    return rc || memcmp(want, id, 4) != 0 ? -1 : 0;
}

int cw__note_keygen(const char *name, char *skey, size_t nskey, char *vkey,
                    size_t nvkey)
{
    unsigned char seed[32], pk[32], sk[64], id[4];
    size_t n = strlen(name);
    int rc;

    if (sodium_init() < 0 || !valid_name(name, n))
        return -1;
    randombytes_buf(seed, sizeof(seed));
    crypto_sign_seed_keypair(pk, sk, seed);
    key_id(name, n, pk, id);
    rc = key_text(SKEY_PREFIX, name, n, id, seed, skey, nskey) ||
         key_text("", name, n, id, pk, vkey, nvkey);
    sodium_memzero(seed, sizeof(seed));
    sodium_memzero(sk, sizeof(sk));
    return rc ? -1 : 0;
}

int cw__note_vkey(const char *skey, char *vkey, size_t nvkey)
{
    unsigned char pk[32], sk[64], id[4];
    const char *name;
    size_t n;
    int rc;

    if (sodium_init() < 0 || skey_parse(skey, &name, &n, id, pk, sk))
        return -1;
    sodium_memzero(sk, sizeof(sk));
    rc = key_text("", name, n, id, pk, vkey, nvkey);
    return rc;
}

int cw__checkpoint_sign(const char *skey, const char *origin, uint64_t size,
                        const cw__hash root, char *out, size_t nout)
{
    unsigned char pk[32], sk[64], id[4], blob[4 + 64];
    char root64[64], sig64[128];
    const char *name;
    size_t n, body;
    int w;

    if (sodium_init() < 0 || skey_parse(skey, &name, &n, id, pk, sk))
        return -1;
    if (strlen(origin) != n || memcmp(origin, name, n) != 0) {
        sodium_memzero(sk, sizeof(sk));
        return -1; /* a checkpoint is signed by the log it names */
    }
    sodium_bin2base64(root64, sizeof(root64), root, CW__HASH_LEN, B64);
    w = snprintf(out, nout, "%s\n%llu\n%s\n", origin,
                 (unsigned long long)size, root64);
    if (w < 0 || (size_t)w >= nout) {
        sodium_memzero(sk, sizeof(sk));
        return -1;
    }
    body = (size_t)w;
    memcpy(blob, id, 4);
    crypto_sign_detached(blob + 4, NULL, (const unsigned char *)out, body,
                         sk);
    sodium_memzero(sk, sizeof(sk));
    sodium_bin2base64(sig64, sizeof(sig64), blob, sizeof(blob), B64);
    w = snprintf(out + body, nout - body, "\n" SIG_PREFIX "%s %s\n", origin,
                 sig64);
    return w < 0 || (size_t)w >= nout - body ? -1 : 0;
}

/* The checkpoint body: ORIGIN\nSIZE\nROOT\n, then optional extension
 * lines, which are allowed and ignored. */
static bool parse_body(const char *b, size_t len, const char *name,
                       size_t nname, uint64_t *size, cw__hash root)
{
    const char *l2, *l3, *end = b + len;
    size_t rlen;
    uint64_t v = 0;

    if (len <= nname || memcmp(b, name, nname) != 0 || b[nname] != '\n')
        return false;
    l2 = b + nname + 1;
    if (l2 >= end || *l2 < '0' || *l2 > '9' || (*l2 == '0' && l2[1] != '\n'))
        return false;
    for (l3 = l2; l3 < end && *l3 >= '0' && *l3 <= '9'; l3++) {
        if (v > (UINT64_MAX - (uint64_t)(*l3 - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(*l3 - '0');
    }
    if (l3 >= end || *l3++ != '\n' || l3 >= end)
        return false;
    {
        const char *nl = memchr(l3, '\n', (size_t)(end - l3));
        if (!nl || sodium_base642bin(root, CW__HASH_LEN, l3,
                                     (size_t)(nl - l3), NULL, &rlen, NULL,
                                     B64) ||
            rlen != CW__HASH_LEN)
            return false;
    }
    *size = v;
    return true;
}

bool cw__checkpoint_verify(const char *note, size_t len, const char *vkey,
                           uint64_t *size, cw__hash root)
{
    unsigned char pk[32], id[4], blob[4 + 64];
    const char *name, *split = NULL, *p, *end = note + len;
    size_t nname, i, blen;

    if (sodium_init() < 0 || len > CW__NOTE_MAX * 64 ||
        key_parse(vkey, &name, &nname, id, pk))
        return false;
    {
        unsigned char want[4];
        key_id(name, nname, pk, want);
        if (memcmp(want, id, 4) != 0)
            return false;
    }
    if (memchr(note, '\0', len))
        return false;
    for (i = 0; i + 1 < len; i++) /* the last blank line */
        if (note[i] == '\n' && note[i + 1] == '\n')
            split = note + i;
    if (!split || split == note)
        return false;
    for (p = note; p < split; p++) /* no blank line inside the body */
        if (p[0] == '\n' && p[1] == '\n')
            return false;
    /* Signature lines: the first one of this key decides. */
    for (p = split + 2; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
        if (!nl || (size_t)(nl - p) < 4 || memcmp(p, SIG_PREFIX, 4) != 0)
            return false;
        sp = memchr(p + 4, ' ', (size_t)(nl - p - 4));
        if (!sp || !valid_name(p + 4, (size_t)(sp - p - 4)) ||
            sodium_base642bin(blob, sizeof(blob), sp + 1,
                              (size_t)(nl - sp - 1), NULL, &blen, NULL,
                              B64) ||
            blen < 5)
            return false;
        if ((size_t)(sp - p - 4) == nname && memcmp(p + 4, name, nname) == 0 &&
            memcmp(blob, id, 4) == 0)
            return blen == sizeof(blob) &&
                   crypto_sign_verify_detached(
                       blob + 4, (const unsigned char *)note,
                       (size_t)(split + 1 - note), pk) == 0 &&
                   parse_body(note, (size_t)(split + 1 - note), name, nname,
                              size, root);
        p = nl + 1;
    }
    return false;
}
