/*
 * cw_access.h - who may use a store through `cloudward serve`: its
 * tenants (the provider's customers) and API tokens for scripts and CI.
 * Kept in the store (STORE/access.db, or the PostgreSQL store's tables);
 * every change is a ledger entry.
 */
#ifndef CLOUDWARD_CW_ACCESS_H
#define CLOUDWARD_CW_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

#include <cloudward/cw_core.h>
#include <cloudward/cw_export.h>
#include <cloudward/cw_status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a user or token may do: the provider's roles, then a tenant's
 * (docs/server.md). (A scope's role, provider or customer, is enum
 * cw_role of cw_scope.h.) */
enum cw_grant {
    CW_GRANT_ADMIN,
    CW_GRANT_COMPLIANCE,
    CW_GRANT_ENGINEER,
    CW_GRANT_AUDITOR,
    CW_GRANT_CUSTOMER_ADMIN,
    CW_GRANT_CUSTOMER,
    CW_GRANT_COUNT
};

/* "admin", "compliance", ..., "customer-admin", "customer". */
CW_API const char *cw_grant_name(enum cw_grant r);
CW_API bool cw_grant_parse(const char *s, enum cw_grant *out);
/* True for the roles that belong to one tenant. */
CW_API bool cw_grant_is_tenant(enum cw_grant r);

/* A store's access tables, open: one per thread. */
struct cw_access;

/* Opens the access tables of `store` (a folder or a postgresql:// URL);
 * with `create`, makes them when absent. CW_ENOENT (creating nothing)
 * when they are absent and `create` is false. */
CW_API enum cw_status cw_access_open(const char *store, bool create,
                                     struct cw_access **out,
                                     struct cw_diag *d);
CW_API void cw_access_close(struct cw_access *a);

/* Tenant ids: 1 to 64 of [a-z0-9-], starting with a letter or digit. */
CW_API enum cw_status cw_tenant_add(struct cw_access *a, const char *id,
                                    const char *name, const char *actor,
                                    struct cw_diag *d);

struct cw_tenant {
    const char *id;
    const char *name;
    long long created; /* Unix seconds */
};

/* Each tenant by id, until fn returns non-zero. */
CW_API enum cw_status cw_tenant_each(struct cw_access *a,
                                     int (*fn)(void *arg,
                                               const struct cw_tenant *t),
                                     void *arg, struct cw_diag *d);

/* A token as shown once: "cwt_" ID "_" SECRET (16 hex, 43 base64url). */
#define CW_TOKEN_TEXT 80
#define CW_TOKEN_ID 17

struct cw_token_info {
    const char *id;     /* public: names the token in lists and the log */
    const char *name;   /* what it is for ("ci-nightly") */
    const char *tenant; /* NULL: the provider's */
    enum cw_grant role;
    long long created, expires; /* Unix seconds */
    bool revoked;
};

/*
 * Creates an API token for `role` (of `tenant` for a tenant's role,
 * which must exist; NULL for the provider's), valid until `expires`
 * (Unix seconds, in the future), and records it in the ledger. The token
 * text goes to `token` once: only its SHA-256 is kept.
 */
CW_API enum cw_status cw_token_create(struct cw_access *a, const char *name,
                                      enum cw_grant role, const char *tenant,
                                      long long expires, const char *actor,
                                      char token[CW_TOKEN_TEXT],
                                      char id[CW_TOKEN_ID],
                                      struct cw_diag *d);

/* Revokes token `id` for good, and records it. */
CW_API enum cw_status cw_token_revoke(struct cw_access *a, const char *id,
                                      const char *actor, struct cw_diag *d);

/*
 * Who presents `token` at time `now`: CW_OK with *out filled (strings
 * valid until the next call on `a`), or CW_EPERM when the token is
 * malformed, unknown, revoked or expired (one answer for all four, found
 * in the same time: the lookup is by the public id, the secret compared
 * in constant time).
 */
CW_API enum cw_status cw_token_check(struct cw_access *a, const char *token,
                                     long long now,
                                     struct cw_token_info *out,
                                     struct cw_diag *d);

/* Each token, newest first, until fn returns non-zero. */
CW_API enum cw_status cw_token_each(struct cw_access *a,
                                    int (*fn)(void *arg,
                                              const struct cw_token_info *t),
                                    void *arg, struct cw_diag *d);

#ifdef __cplusplus
}
#endif
#endif
