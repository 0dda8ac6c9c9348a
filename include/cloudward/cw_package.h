/*
 * cw_package.h - the audit package: everything an audit looks at, as of
 * one date, in one archive nobody can alter unnoticed
 * (docs/audit-package.md).
 *
 * A package is a tar.gz (ustar, gzip) holding the SoA and the matrix (xlsx,
 * csv, json), the OSCAL set (cw_oscal.h), the latest scan runs on or
 * before the date (JSON and SARIF), the registers' exports and duties,
 * the decisions' history, every evidence file a line of the SoA cites
 * (named by its SHA-256, once each), the ledger's entries up to the date
 * with a checkpoint of them and a consistency proof to a later signed
 * tree head, then manifest.json (every file's path, size and SHA-256;
 * the producer, the scope's digest, the ledger's size and key),
 * manifest.sig (Ed25519 over manifest.json) and package-key.pem (the
 * signer's public key).
 *
 * Deterministic: entries sorted by path, fixed times (the date's
 * midnight UTC), owners and modes, no clock anywhere; the same store and
 * date give the same bytes. Building is recorded in the ledger
 * (package.create) after the package is made, so a rebuild does not see
 * its own record.
 */
#ifndef CLOUDWARD_CW_PACKAGE_H
#define CLOUDWARD_CW_PACKAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cloudward/cw_catalog.h>
#include <cloudward/cw_core.h>
#include <cloudward/cw_scope.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_package_options {
    const struct cw_catalogs *cats;
    const struct cw_scope *scope;
    const char *store;  /* a store with a ledger: folder or URL */
    const char *as_of;  /* YYYY-MM-DD */
    const char *actor;  /* who builds it, for the ledger entry */
};

struct cw_package_info {
    size_t files;             /* content files (the manifest lists them) */
    size_t evidence;          /* evidence files among them */
    size_t runs;              /* scan runs included */
    uint64_t entries;         /* ledger entries in the slice */
    uint64_t head;            /* the signed tree head it is proven in */
    unsigned long long bytes; /* content, uncompressed */
    unsigned long long archive_bytes;
    char sha256[65];          /* of the archive */
};

/*
 * Builds the package of `o` into `path` (written atomically). Errors:
 * CW_EINVAL for a malformed date, CW_ENOENT for a store without a ledger,
 * CW_EIO, CW_ENOMEM; `d` says which file or what.
 */
CW_API enum cw_status cw_package_build(const struct cw_package_options *o,
                                       const char *path,
                                       struct cw_package_info *info,
                                       struct cw_diag *d);

/* The public key packages of `store` are signed with, as PEM
 * (SubjectPublicKeyInfo, what `openssl pkeyutl -verify -pubin` takes),
 * into pem[n] (200 bytes are enough). The key (package.key beside the
 * ledger's, 0600) is made on first use. */
CW_API enum cw_status cw_package_vkey(const char *store, char *pem, size_t n,
                                      struct cw_diag *d);

/* What a verifier expects beyond the package's own consistency. */
struct cw_package_expect {
    const char *vkey_pem;  /* the signer's public key (PEM text); NULL:
                              the key inside, which proves integrity but
                              not who made it */
    const char *as_of;     /* YYYY-MM-DD the package must be of; or NULL */
    const char *since;     /* a checkpoint the verifier already holds
                              (signed note text): a package whose ledger
                              stops before it is an older one replayed */
};

struct cw_package_verdict {
    char organisation[256];
    char as_of[16];
    char producer[64];
    size_t files;
    size_t evidence;
    uint64_t entries, head;
    bool key_pinned;       /* checked against expect->vkey_pem */
};

/*
 * Verifies package `path` offline, without any store: the signature, the
 * manifest against every file (no file missing, none added, no other
 * kind of entry), the ledger's entries against their signed checkpoint
 * and the consistency proof to the signed head, each evidence file
 * against its name and its evidence.add entry, then `expect`. CW_OK when
 * all hold; CW_EINTEGRITY naming the first thing that differs;
 * CW_EPARSE/CW_EIO for a file that is no package or cannot be read.
 */
CW_API enum cw_status cw_package_verify(const char *path,
                                        const struct cw_package_expect *expect,
                                        struct cw_package_verdict *v,
                                        struct cw_diag *d);

/* The same for a package in memory (a portal upload); `name` names it
 * in messages. */
CW_API enum cw_status cw_package_verify_buffer(
    const void *data, size_t len, const char *name,
    const struct cw_package_expect *expect, struct cw_package_verdict *v,
    struct cw_diag *d);

#ifdef __cplusplus
}
#endif
#endif
