/*
 * cw_portal.h - the trust portal's records, beside the access tables
 * (cw_access.h): the document library (versions kept by SHA-256),
 * agreements a customer accepts before reading gated documents,
 * single-use download tokens, subscriptions and the notices they bring.
 * Every change, acceptance and download is a ledger entry, addressed to
 * the tenant it concerns so that its own log view shows it.
 *
 * Who sees a document: the provider's roles every one; a tenant's users
 * the public ones, the agreement-gated ones (listed; downloaded once the
 * agreement's latest version is accepted) and their own tenant's. To
 * anyone else a document is answered as one that does not exist.
 */
#ifndef CLOUDWARD_CW_PORTAL_H
#define CLOUDWARD_CW_PORTAL_H

#include <stdbool.h>
#include <stddef.h>

#include <cloudward/cw_access.h>
#include <cloudward/cw_core.h>
#include <cloudward/cw_export.h>
#include <cloudward/cw_status.h>

#ifdef __cplusplus
extern "C" {
#endif

enum cw_doc_class {
    CW_DOC_PUBLIC, /* anyone signed in */
    CW_DOC_GATED,  /* after accepting its agreement */
    CW_DOC_TENANT  /* one tenant's */
};

/* "public", "gated", "tenant". */
CW_API const char *cw_doc_class_name(enum cw_doc_class c);
CW_API bool cw_doc_class_parse(const char *s, enum cw_doc_class *out);
/* A document's type: soa, matrix, certificate, audit-report,
 * pentest-summary, policy, package, subprocessors (the 27018 register's
 * current list, cw_registers.h). */
CW_API bool cw_doc_type_ok(const char *type);

/* A document at one version (its latest, in listings). */
struct cw_doc {
    char id[65];
    char title[201];
    char type[32];
    enum cw_doc_class cls;
    char tenant[65];    /* CW_DOC_TENANT: whose; else "" */
    char agreement[65]; /* CW_DOC_GATED: the agreement to accept; else "" */
    long long version;  /* 1, 2, ... */
    char sha256[65];
    long long size;
    char name[201]; /* the file's name, for downloads */
    long long updated; /* Unix seconds */
    bool generated;    /* made at each download (sha256 "", size 0) */
};

/* Largest document kept: 64 MiB. */
#define CW_DOCUMENT_MAX ((size_t)64 << 20)

/*
 * Adds a version of document `doc->id` (1 to 64 of [a-z0-9-]) with the
 * bytes data[0..len) named `name` (data NULL for a generated document:
 * type soa, matrix or subprocessors, made fresh at each download by the
 * generator
 * cw_download_redeem is given; the name's extension says the format,
 * .xlsx, .csv, .json, .html or .md): the first makes the document with
 * doc's title, type, class, tenant (CW_DOC_TENANT: an existing tenant)
 * and agreement (CW_DOC_GATED: an existing agreement); a later one must
 * keep its type, class, tenant and agreement (a new title is taken). The
 * version number goes to *version. Every subscriber gets a notice.
 */
CW_API enum cw_status cw_document_put(struct cw_access *a,
                                      const struct cw_doc *doc,
                                      const void *data, size_t len,
                                      const char *actor, long long now,
                                      long long *version, struct cw_diag *d);

/* Each document `tenant` may see (NULL: the provider, all), by id. */
CW_API enum cw_status cw_document_each(struct cw_access *a,
                                       const char *tenant,
                                       int (*fn)(void *arg,
                                                 const struct cw_doc *c),
                                       void *arg, struct cw_diag *d);

/* Document `id` at `version` (0: the latest) as `tenant` may see it;
 * CW_ENOENT when it does not exist or is not that tenant's to see. */
CW_API enum cw_status cw_document_get(struct cw_access *a, const char *id,
                                      long long version, const char *tenant,
                                      struct cw_doc *out,
                                      struct cw_diag *d);

/* ---- agreements ------------------------------------------------------- */

struct cw_agreement {
    char id[65];
    char title[201];
    long long version;
    long long created;
    char *text; /* the terms: free with cw_agreement_release */
};
CW_API void cw_agreement_release(struct cw_agreement *g);

/* A new version of agreement `id` (its first makes it): title and terms
 * (up to 256 KiB of UTF-8). Who accepted an older version is asked
 * again. */
CW_API enum cw_status cw_agreement_put(struct cw_access *a, const char *id,
                                       const char *title, const char *text,
                                       const char *actor, long long now,
                                       long long *version,
                                       struct cw_diag *d);
/* Its latest version; CW_ENOENT when there is none. */
CW_API enum cw_status cw_agreement_get(struct cw_access *a, const char *id,
                                       struct cw_agreement *out,
                                       struct cw_diag *d);
/* True when user `user_id` accepted the latest version of `id`. */
CW_API enum cw_status cw_agreement_accepted(struct cw_access *a,
                                            const char *id,
                                            const char *user_id, bool *yes,
                                            struct cw_diag *d);
/*
 * User `user_id` of `tenant` accepts `version` of agreement `id` at
 * `now` from `source` (an address): a ledger entry (agreement.accept).
 * Only the latest version can be accepted (CW_EINVAL names it).
 */
CW_API enum cw_status cw_agreement_accept(struct cw_access *a,
                                          const char *id, long long version,
                                          const char *user_id,
                                          const char *tenant,
                                          const char *source, long long now,
                                          struct cw_diag *d);

/* ---- downloads -------------------------------------------------------- */

#define CW_DOWNLOAD_TEXT 80
/* A download token is good once, for this long (5 minutes). */
#define CW_DOWNLOAD_SECONDS 300

/*
 * A single-use token for user `user_id` of `tenant` (NULL: the
 * provider's) to download document `id` at `version` (0: the latest),
 * good until *expires. CW_ENOENT when the document is not the tenant's
 * to see; CW_EPERM when it is gated and its agreement's latest version
 * is not accepted by that user (d names the agreement).
 */
CW_API enum cw_status cw_download_grant(struct cw_access *a, const char *id,
                                        long long version,
                                        const char *user_id,
                                        const char *tenant, long long now,
                                        char token[CW_DOWNLOAD_TEXT],
                                        long long *expires,
                                        struct cw_diag *d);

/* The bytes of a generated document, and how to release them. */
struct cw_generated {
    unsigned char *data;
    size_t len;
    void (*release)(void *data);
};
/* Makes a generated document for download `download_id` (so that the
 * copy can name it). */
typedef enum cw_status (*cw_doc_generator)(void *arg,
                                           const struct cw_doc *doc,
                                           const char *download_id,
                                           struct cw_generated *out,
                                           struct cw_diag *d);

struct cw_download {
    struct cw_doc doc; /* a generated one's sha256 and size: this copy's */
    char id[17]; /* the download's id, as the ledger names it */
    unsigned char *data; /* free with cw_download_release */
    size_t len;
};
CW_API void cw_download_release(struct cw_download *dl);

/*
 * Spends `token` for user `user_id` (the one it was granted to) at
 * `now`: the document's bytes, checked against its SHA-256 (a generated
 * one made by `gen`, which may be NULL when there is none), into *out,
 * and a ledger entry (document.download: who, which version, the
 * SHA-256 of the bytes handed out), all in one transaction. CW_EPERM,
 * alike, for a token malformed, unknown, spent, expired or granted to
 * another user.
 */
CW_API enum cw_status cw_download_redeem(struct cw_access *a,
                                         const char *token,
                                         const char *user_id,
                                         const char *source, long long now,
                                         cw_doc_generator gen, void *gen_arg,
                                         struct cw_download *out,
                                         struct cw_diag *d);

/* ---- the responsibility matrix, watched ---------------------------------- */

/* One row of the matrix as customers read it: its control ("CATALOG
 * ID") and a digest of what they rely on in it. */
struct cw_published_row {
    const char *control;
    const char *digest;
};

/*
 * Compares the matrix rows now with those last published: the rows
 * changed, added or gone go to *changed, every follower of a matrix
 * document gets a notice naming them (and its tenant's webhook the
 * same), and the rows become the published ones; a ledger entry
 * (matrix.publish). The first call only records them.
 */
CW_API enum cw_status cw_matrix_publish(struct cw_access *a,
                                        const struct cw_published_row *rows,
                                        size_t n, long long now,
                                        size_t *changed, struct cw_diag *d);

/* ---- subscriptions and notices ----------------------------------------- */

/* User `user_id` of `tenant` follows (on) or stops following document
 * `id`; CW_ENOENT when the document is not the tenant's to see. */
CW_API enum cw_status cw_subscribe(struct cw_access *a, const char *id,
                                   const char *user_id, const char *tenant,
                                   bool on, struct cw_diag *d);

struct cw_notice {
    long long id;
    const char *kind;    /* "document.version" */
    const char *doc;     /* the document it is about */
    long long version;
    const char *subject; /* one line */
    long long created;
    bool seen;
};

/* Notices addressed to user `user_id`, newest first, at most `limit`
 * with an id below `before` (0: from the newest): a cursor. */
CW_API enum cw_status cw_notice_each(struct cw_access *a,
                                     const char *user_id, long long before,
                                     long long limit,
                                     int (*fn)(void *arg,
                                               const struct cw_notice *n),
                                     void *arg, struct cw_diag *d);

#ifdef __cplusplus
}
#endif
#endif
