/*
 * package_internal.h - pieces of the audit package (src/package): its
 * signing key and the names of the files every package has.
 */
#ifndef CW_PACKAGE_INTERNAL_H
#define CW_PACKAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <cloudward/cw_package.h>

#include "../core/core.h"

#define PKG_MANIFEST "manifest.json"
#define PKG_SIG "manifest.sig"
#define PKG_KEY "package-key.pem"
#define PKG_ENTRIES "ledger/entries.jsonl"
#define PKG_CHECKPOINT "ledger/checkpoint.txt"
#define PKG_HEAD "ledger/head.txt"
#define PKG_PROOF "ledger/consistency.json"
#define PKG_LEDGER_VKEY "ledger/vkey.txt"
#define PKG_EVIDENCE_DIR "evidence/"

#define PKG_PEM_MAX 200

/* The package key of the store whose ledger keeps its files in `dir`:
 * dir/package.key, made (0600, never overwritten) on first use.
 * sk: libsodium's 64-byte secret key; pk: 32 bytes. */
enum cw_status cw__package_key(const char *dir, unsigned char sk[64],
                               unsigned char pk[32], struct cw_diag *d);

/* `pk` as a PEM public key (SubjectPublicKeyInfo) into pem[n]. */
void cw__package_pem(const unsigned char pk[32], char *pem, size_t n);
/* The key of a PEM public key; false when it is not an Ed25519 one. */
bool cw__package_pem_key(const char *pem, size_t len, unsigned char pk[32]);

#endif
