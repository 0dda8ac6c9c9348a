/*
 * access_internal.h - what the parts of the access tables share
 * (access.c: tenants, tokens, users, sessions; portal.c: documents,
 * agreements, downloads, notices; webhook.c: webhooks and their outbox):
 * the handle and its helpers.
 */
#ifndef CW_STORE_ACCESS_INTERNAL_H
#define CW_STORE_ACCESS_INTERNAL_H

#include <cloudward/cw_access.h>

#include "../core/core.h"
#include "sql.h"

/* Saves queue on this advisory lock on PostgreSQL ("cwacces"). */
#define ACCESS_LOCK 0x63776163636573LL

struct cw_access {
    struct cw__db *db;
    struct cw__q *lookup;  /* a token by id: prepared once, every request */
    struct cw__q *session; /* a session by id, likewise */
    char store[4096];
    char path[4200];
    /* The strings of the last token, user or tenant handed out. */
    char id[CW_TOKEN_ID], name[256], tenant[80];
};

/* An error of the database, with its message. */
enum cw_status cw__acc_db_error(struct cw_access *a, struct cw_diag *d,
                                const char *what);
/* One statement with up to 8 bound values ('t' text, 'i' integer, 'b'
 * a struct cw__acc_blob), stepped once: CW__Q_ROW (*q left open for the
 * caller to read and finalize), CW__Q_DONE or CW__Q_ERROR. */
int cw__acc_one(struct cw_access *a, const char *sql, const char *types,
                const void *const *vals, struct cw__q **q);
struct cw__acc_blob {
    const void *p;
    size_t n;
};
/* Appends the ledger entry of a change (call before the change commits:
 * a change the ledger does not hold is rolled back). */
enum cw_status cw__acc_record(struct cw_access *a, const char *action,
                              const char *target, const char *tenant,
                              const char *details, const char *actor,
                              struct cw_diag *d);
/* The same with an outcome ("failure") and its reason. */
enum cw_status cw__acc_record_outcome(struct cw_access *a, const char *action,
                                      const char *target, const char *tenant,
                                      const char *details, const char *actor,
                                      const char *outcome, const char *reason,
                                      struct cw_diag *d);
/* Ends a write: COMMIT when st is CW_OK, else ROLLBACK; st or the
 * commit's error. */
enum cw_status cw__acc_commit(struct cw_access *a, enum cw_status st,
                              struct cw_diag *d);
/* Each row of `sql` to `each` until it returns non-zero. */
enum cw_status cw__acc_each_row(struct cw_access *a, const char *sql,
                                const char *what,
                                int (*each)(struct cw_access *a,
                                            struct cw__q *q, void *arg),
                                void *arg, struct cw_diag *d);
/* A string fit for a ledger entry's JSON as it is (1 to 200 bytes, no
 * control character, quote or backslash). */
bool cw__acc_plain(const char *s);
/* An id: 1 to 64 of [a-z0-9-], not starting with '-'. */
bool cw__acc_id_ok(const char *id);
enum cw_status cw__acc_tenant_exists(struct cw_access *a, const char *id,
                                     struct cw_diag *d);
/* SHA-256 of a secret's text, as 64 hex digits. */
void cw__acc_hash(const char *text, char hex[65]);
/* A new secret: "PREFIX" ID "_" SECRET, ID 16 hex, SECRET 43 base64url
 * (256 random bits). */
void cw__acc_secret(const char *prefix, char *out, size_t n,
                    char id[CW_TOKEN_ID]);
/* ID of a secret of that shape, or false when it is not one. */
bool cw__acc_secret_id(const char *prefix, const char *text,
                       char id[CW_TOKEN_ID]);

/* The key that seals secrets kept for later use (second factors,
 * webhooks' secrets): secrets.key in the store's key folder, made on
 * first use when `create`. */
enum cw_status cw__acc_secrets_key(struct cw_access *a, bool create,
                                   unsigned char key[32], struct cw_diag *d);
/* The size of n bytes sealed: a nonce, the bytes, a tag. */
#define CW__ACC_SEALED(n) (24 + (n) + 16)
/* Seals secret[0..n) into out (CW__ACC_SEALED(n) bytes) with `key`,
 * bound to `ad` (a row's id: moved to another row, it does not open). */
void cw__acc_seal(const unsigned char key[32], const char *ad,
                  const unsigned char *secret, size_t n, unsigned char *out);
/* Opens what cw__acc_seal made into secret[0..n); false when it does not
 * open (another key, another row, altered, or not n bytes). */
bool cw__acc_unseal(const unsigned char key[32], const char *ad,
                    const unsigned char *in, size_t len,
                    unsigned char *secret, size_t n);

/* Inside cw_document_put's transaction (webhook.c): an outbox row for
 * each tenant with a webhook and a user who follows document `doc`. */
enum cw_status cw__webhook_enqueue(struct cw_access *a, const char *kind,
                                   const char *doc, long long version,
                                   const char *subject, long long created,
                                   struct cw_diag *d);
/* The same for a notice to `tenant` ("*": every tenant) about a
 * register's record ("subprocessors/ID"), whoever follows what: its body
 * names the "record" rather than a "document". */
enum cw_status cw__webhook_enqueue_tenant(struct cw_access *a,
                                          const char *tenant,
                                          const char *kind,
                                          const char *record,
                                          long long version,
                                          const char *subject,
                                          long long created,
                                          struct cw_diag *d);

/* The same for the provider's own webhook (tenant ""), if it has one: a
 * notice about alert `alert` (cw_alert.h). */
enum cw_status cw__webhook_enqueue_provider(struct cw_access *a,
                                            const char *kind,
                                            const char *alert,
                                            const char *subject,
                                            long long created,
                                            struct cw_diag *d);

#endif
