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

/* ---- users ------------------------------------------------------------ */

struct cw_user_info {
    const char *id;     /* public: the ledger names users by it */
    const char *login;  /* personal data: never in the ledger */
    const char *tenant; /* NULL: the provider's */
    enum cw_grant role;
    bool disabled;
    bool totp;          /* a second factor is enrolled */
    long long created;
    long long until;    /* access ends then (Unix seconds); 0: never */
};

/* An auditor's access ends this many days after it is added, unless
 * cw_user_until sets another end. */
#define CW_AUDITOR_DAYS 90

/* Room for an otpauth:// enrolment URI. */
#define CW_OTPAUTH_LEN 256

/*
 * Adds user `login` (1 to 64 of a-z, 0-9 and . _ @ -) with `role` (of
 * `tenant` for a tenant's role) and `password` (12 to 1024 bytes; kept
 * as an Argon2id hash). The provider's roles get a TOTP second factor:
 * its otpauth:// URI goes to `otpauth` once (enrol it in an
 * authenticator app); the secret is kept sealed with a key beside the
 * ledger's (secrets.key), never in the clear. A tenant's users get none
 * (otpauth ""). The addition is a ledger entry naming the user's id.
 */
CW_API enum cw_status cw_user_add(struct cw_access *a, const char *login,
                                  enum cw_grant role, const char *tenant,
                                  const char *password, const char *actor,
                                  char otpauth[CW_OTPAUTH_LEN],
                                  struct cw_diag *d);
/* A new password (and the lockout lifted); a ledger entry. */
CW_API enum cw_status cw_user_passwd(struct cw_access *a, const char *login,
                                     const char *password, const char *actor,
                                     struct cw_diag *d);
/* Sets when `login`'s access ends (Unix seconds; 0: never): sign-in and
 * sessions are refused from then on. A ledger entry (account.update). */
CW_API enum cw_status cw_user_until(struct cw_access *a, const char *login,
                                    long long until, const char *actor,
                                    struct cw_diag *d);
/* Disables a user for good; a ledger entry. */
CW_API enum cw_status cw_user_disable(struct cw_access *a, const char *login,
                                      const char *actor, struct cw_diag *d);

/*
 * A sign-in at Unix time `now` from `source` (an address, for the
 * ledger): the password, and for a user with a second factor the current
 * TOTP `code` (a code is taken once). CW_OK with *out (strings valid
 * until the next call on `a`), or CW_EPERM for anything else: an unknown
 * login, a wrong password or code, a disabled user, or one locked out
 * after 5 failures in a row (for 15 minutes), all answered alike and in
 * about the same time. Every attempt is a ledger entry (auth.logon,
 * success or failure), naming the user's id, never the login typed.
 */
CW_API enum cw_status cw_user_signin(struct cw_access *a, const char *login,
                                     const char *password, const char *code,
                                     long long now, const char *source,
                                     struct cw_user_info *out,
                                     struct cw_diag *d);

/* Each user by login, until fn returns non-zero. */
CW_API enum cw_status cw_user_each(struct cw_access *a,
                                   int (*fn)(void *arg,
                                             const struct cw_user_info *u),
                                   void *arg, struct cw_diag *d);

/* ---- sessions (the web pages' sign-in) ---------------------------------- */

/* A session as its cookie holds it: "cws_" ID "_" SECRET. */
#define CW_SESSION_TEXT 80
/* Its form token: 43 base64url characters. */
#define CW_CSRF_TEXT 48
/* A session lasts this long from its sign-in (8 hours), or until it is
 * closed, its user disabled or given a new password. */
#define CW_SESSION_SECONDS (8 * 3600)

/* Opens a session for user `user_id` (after cw_user_signin): its text
 * goes to `session` once; only its SHA-256 is kept. */
CW_API enum cw_status cw_session_open(struct cw_access *a,
                                      const char *user_id, long long now,
                                      char session[CW_SESSION_TEXT],
                                      struct cw_diag *d);
/* Whose `session` is, at `now`: as cw_token_check, CW_EPERM alike for a
 * malformed, unknown, ended or expired session or a disabled user. */
CW_API enum cw_status cw_session_check(struct cw_access *a,
                                       const char *session, long long now,
                                       struct cw_user_info *out,
                                       struct cw_diag *d);
/* Ends `session` (signing out): a ledger entry (auth.logoff). */
CW_API enum cw_status cw_session_close(struct cw_access *a,
                                       const char *session,
                                       struct cw_diag *d);
/* The token a form must carry with `session` (CSRF): derived from it,
 * so nothing is stored; compared in constant time. */
CW_API void cw_session_csrf(const char *session, char out[CW_CSRF_TEXT]);
CW_API bool cw_session_csrf_ok(const char *session, const char *csrf);

/* Records that `actor` (a user's or token's id, of `tenant` or the
 * provider's) was refused `what` (a route's name): auth.denied. */
CW_API enum cw_status cw_access_denied(struct cw_access *a,
                                       const char *actor, const char *tenant,
                                       const char *what, struct cw_diag *d);

#ifdef __cplusplus
}
#endif
#endif
