/*
 * access.c - tenants, API tokens and users (cw_access.h), in STORE/access.db or
 * the PostgreSQL store's tables (ledger_pg.c, migration 4), through
 * sql.h. A token is shown once; only its SHA-256 is kept. The secret is
 * 256 random bits, so a fast hash is enough (a slow one guards guessable
 * passwords, which these are not); the lookup goes by the token's public
 * id and the hash is compared in constant time, so neither the time nor
 * the answer tells an unknown token from a wrong one.
 */
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include <cloudward/cw_access.h>
#include <cloudward/cw_ledger.h>

#include "../core/core.h"
#include "../ledger/merkle.h"
#include "sql.h"
#include "store_db.h"
#include "store_dir.h"
#include "totp.h"
#include "access_internal.h"

static const char *const migrations[] = {
    "CREATE TABLE tenants(tenant_id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE api_tokens(id TEXT PRIMARY KEY, tenant_id TEXT,"
    " role TEXT NOT NULL, name TEXT NOT NULL, hash TEXT NOT NULL,"
    " created INTEGER NOT NULL, expires INTEGER NOT NULL,"
    " revoked INTEGER NOT NULL DEFAULT 0);",
    /* 2: users; totp holds the second factor's secret, sealed */
    "CREATE TABLE users(id TEXT PRIMARY KEY, login TEXT NOT NULL UNIQUE,"
    " tenant_id TEXT, role TEXT NOT NULL, pwhash TEXT NOT NULL, totp BLOB,"
    " totp_step INTEGER NOT NULL DEFAULT 0,"
    " failures INTEGER NOT NULL DEFAULT 0,"
    " locked_until INTEGER NOT NULL DEFAULT 0,"
    " disabled INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL);",
    /* 3: sessions, and the trust portal (portal.c) */
    "CREATE TABLE sessions(id TEXT PRIMARY KEY, tenant_id TEXT,"
    " user_id TEXT NOT NULL, hash TEXT NOT NULL, created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL, ended INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE documents(id TEXT PRIMARY KEY, tenant_id TEXT,"
    " title TEXT NOT NULL, type TEXT NOT NULL, class TEXT NOT NULL,"
    " agreement TEXT, created INTEGER NOT NULL);"
    "CREATE TABLE document_versions(doc_id TEXT NOT NULL,"
    " version INTEGER NOT NULL, tenant_id TEXT, sha256 TEXT NOT NULL,"
    " size INTEGER NOT NULL, name TEXT NOT NULL, created INTEGER NOT NULL,"
    " PRIMARY KEY(doc_id, version));"
    "CREATE TABLE document_blobs(sha256 TEXT PRIMARY KEY,"
    " data BLOB NOT NULL);"
    "CREATE TABLE agreements(id TEXT NOT NULL, version INTEGER NOT NULL,"
    " title TEXT NOT NULL, body TEXT NOT NULL, created INTEGER NOT NULL,"
    " PRIMARY KEY(id, version));"
    "CREATE TABLE acceptances(tenant_id TEXT NOT NULL,"
    " user_id TEXT NOT NULL, agreement TEXT NOT NULL,"
    " version INTEGER NOT NULL, accepted INTEGER NOT NULL,"
    " source TEXT NOT NULL, PRIMARY KEY(user_id, agreement, version));"
    "CREATE TABLE downloads(id TEXT PRIMARY KEY, tenant_id TEXT,"
    " user_id TEXT NOT NULL, hash TEXT NOT NULL, doc_id TEXT NOT NULL,"
    " version INTEGER NOT NULL, created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE subscriptions(user_id TEXT NOT NULL, tenant_id TEXT,"
    " doc_id TEXT NOT NULL, PRIMARY KEY(user_id, doc_id));"
    "CREATE TABLE notices(id INTEGER PRIMARY KEY, tenant_id TEXT,"
    " user_id TEXT NOT NULL, kind TEXT NOT NULL, doc_id TEXT,"
    " version INTEGER, subject TEXT NOT NULL, created INTEGER NOT NULL,"
    " seen INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX notices_user ON notices(user_id, id);",
    /* 4: webhooks, their outbox and delivery log (webhook.c); a webhook's
     * secret is sealed like a second factor's */
    "CREATE TABLE webhooks(id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL,"
    " url TEXT NOT NULL, secret BLOB NOT NULL, created INTEGER NOT NULL,"
    " disabled INTEGER NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX webhooks_tenant ON webhooks(tenant_id)"
    " WHERE disabled = 0;"
    "CREATE TABLE webhook_outbox(id TEXT PRIMARY KEY,"
    " tenant_id TEXT NOT NULL, webhook_id TEXT NOT NULL, kind TEXT NOT NULL,"
    " body TEXT NOT NULL, created INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'pending',"
    " delivered INTEGER NOT NULL DEFAULT 0,"
    " last_status INTEGER NOT NULL DEFAULT 0, last_error TEXT);"
    "CREATE INDEX webhook_outbox_due ON webhook_outbox(next_attempt)"
    " WHERE state = 'pending';"
    "CREATE TABLE webhook_attempts(id INTEGER PRIMARY KEY,"
    " outbox_id TEXT NOT NULL, tenant_id TEXT NOT NULL,"
    " webhook_id TEXT NOT NULL, kind TEXT NOT NULL,"
    " attempt INTEGER NOT NULL, at INTEGER NOT NULL,"
    " http_status INTEGER NOT NULL, error TEXT, outcome TEXT NOT NULL);"
    "CREATE INDEX webhook_attempts_tenant ON webhook_attempts(tenant_id, id);",
    /* 5: an end to a user's access (auditors'), Unix seconds; 0: none */
    "ALTER TABLE users ADD COLUMN until INTEGER NOT NULL DEFAULT 0;",
    /* 6: the matrix rows last published to customers, by digest */
    "CREATE TABLE published_rows(control TEXT PRIMARY KEY, digest TEXT NOT NULL);",
    /* 7: the 27018 registers' records, every version kept
     * (src/registers/store.c) */
    "CREATE TABLE register_records(register TEXT NOT NULL, id TEXT NOT NULL,"
    " version INTEGER NOT NULL, body TEXT NOT NULL, sha256 TEXT NOT NULL,"
    " closed INTEGER NOT NULL DEFAULT 0, actor TEXT NOT NULL,"
    " created INTEGER NOT NULL, tenants TEXT NOT NULL,"
    " PRIMARY KEY(register, id, version));",
    /* 8: host agents and their one-time enrolment tokens
     * (src/store/agents.c) */
    "CREATE TABLE agent_tokens(id TEXT PRIMARY KEY, hash TEXT NOT NULL,"
    " created INTEGER NOT NULL, expires INTEGER NOT NULL,"
    " spent INTEGER NOT NULL DEFAULT 0, agent_id TEXT);"
    "CREATE TABLE agents(id TEXT PRIMARY KEY, host TEXT NOT NULL,"
    " pack TEXT NOT NULL, public_key TEXT NOT NULL, every_s INTEGER NOT NULL,"
    " enrolled INTEGER NOT NULL, token_id TEXT NOT NULL,"
    " last_seen INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL DEFAULT 0,"
    " last_run INTEGER NOT NULL DEFAULT 0, n_pass INTEGER NOT NULL DEFAULT 0,"
    " n_fail INTEGER NOT NULL DEFAULT 0, failing INTEGER NOT NULL DEFAULT 0,"
    " fixed INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0);",
    /* 9: alerts (src/store/alerts.c) */
    "CREATE TABLE alerts(id TEXT PRIMARY KEY, akey TEXT NOT NULL,"
    " kind TEXT NOT NULL, severity TEXT NOT NULL, subject TEXT NOT NULL,"
    " control TEXT, what TEXT NOT NULL, opened INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL, owner TEXT,"
    " acked INTEGER NOT NULL DEFAULT 0, acked_by TEXT,"
    " resolved INTEGER NOT NULL DEFAULT 0, resolved_by TEXT, resolution TEXT,"
    " mail_state INTEGER NOT NULL DEFAULT 0,"
    " mail_attempts INTEGER NOT NULL DEFAULT 0,"
    " mail_next INTEGER NOT NULL DEFAULT 0,"
    " log_state INTEGER NOT NULL DEFAULT 0,"
    " log_attempts INTEGER NOT NULL DEFAULT 0,"
    " log_next INTEGER NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX alerts_unresolved ON alerts(akey) WHERE resolved = 0;",
};

static const struct cw__part part = {
    "access.db", "access", migrations,
    sizeof(migrations) / sizeof(migrations[0])
};




static const char *const role_names[CW_GRANT_COUNT] = {
    "admin",   "compliance",     "engineer",
    "auditor", "customer-admin", "customer",
};

const char *cw_grant_name(enum cw_grant r)
{
    return (unsigned)r < CW_GRANT_COUNT ? role_names[r] : "?";
}

bool cw_grant_parse(const char *s, enum cw_grant *out)
{
    int i;
    for (i = 0; i < CW_GRANT_COUNT; i++)
        if (strcmp(s, role_names[i]) == 0) {
            *out = (enum cw_grant)i;
            return true;
        }
    return false;
}

bool cw_grant_is_tenant(enum cw_grant r)
{
    return r == CW_GRANT_CUSTOMER_ADMIN || r == CW_GRANT_CUSTOMER;
}

enum cw_status cw__acc_db_error(struct cw_access *a, struct cw_diag *d,
                               const char *what)
{
    return cw__diag_set(d, CW_EIO, a->path, 0, 0, "%s: %s", what,
                        cw__db_errmsg(a->db));
}

enum cw_status cw_access_open(const char *store, bool create,
                              struct cw_access **out, struct cw_diag *d)
{
    struct cw_access *a;
    enum cw_status st;
    bool absent;

    *out = NULL;
    if (sodium_init() < 0)
        return cw__diag_set(d, CW_EIO, NULL, 0, 0, "libsodium failed");
    if (!(a = cw__calloc(1, sizeof(*a))))
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    snprintf(a->store, sizeof(a->store), "%s", store);
    if ((st = cw__store_db_open(store, &part, create, &a->db, a->path,
                                sizeof(a->path), &absent, d))) {
        cw__free(a);
        return st;
    }
    if (absent) {
        cw__free(a);
        return cw__diag_set(d, CW_ENOENT, store, 0, 0,
                            "the store has no tenants or tokens yet");
    }
    *out = a;
    return CW_OK;
}

void cw_access_close(struct cw_access *a)
{
    if (!a)
        return;
    cw__q_finalize(a->lookup);
    cw__q_finalize(a->session);
    cw__db_close(a->db);
    cw__free(a);
}

int cw__acc_one(struct cw_access *a, const char *sql, const char *types,
               const void *const *vals, struct cw__q **q)
{
    int i, rc;
    if (!cw__db_prepare(a->db, sql, q))
        return CW__Q_ERROR;
    for (i = 0; types[i]; i++) {
        if (types[i] == 'i') {
            cw__q_int64(*q, i + 1, *(const long long *)vals[i]);
        } else if (types[i] == 'b') {
            const struct cw__acc_blob *b = vals[i];
            cw__q_blob(*q, i + 1, b->p, b->n);
        } else
            cw__q_text(*q, i + 1, (const char *)vals[i]);
    }
    rc = cw__q_step(*q);
    if (rc != CW__Q_ROW) {
        cw__q_finalize(*q);
        *q = NULL;
    }
    return rc;
}

/* The ledger entry of a change, appended before the change commits: a
 * change the ledger does not hold is rolled back. */
enum cw_status cw__acc_record_outcome(struct cw_access *a, const char *action,
                                      const char *target, const char *tenant,
                                      const char *details, const char *actor,
                                      const char *outcome, const char *reason,
                                      struct cw_diag *d)
{
    struct cw_ledger *l;
    struct cw_log_event ev;
    enum cw_status st;

    memset(&ev, 0, sizeof(ev));
    ev.actor = actor;
    ev.action = action;
    ev.target = target;
    ev.tenant = tenant;
    ev.outcome = outcome;
    ev.reason = reason;
    ev.details_json = details;
    ev.file = "(access)";
    if ((st = cw_ledger_open(a->store, &l, d)))
        return st;
    st = cw_ledger_append(l, &ev, 1, NULL, NULL, d);
    cw_ledger_close(l);
    return st;
}

enum cw_status cw__acc_record(struct cw_access *a, const char *action,
                              const char *target, const char *tenant,
                              const char *details, const char *actor,
                              struct cw_diag *d)
{
    return cw__acc_record_outcome(a, action, target, tenant, details, actor,
                                  NULL, NULL, d);
}

/* A name that goes into a ledger entry's JSON as it is. */
bool cw__acc_plain(const char *s)
{
    size_t i, n = s ? strlen(s) : 0;
    if (!n || n > 200)
        return false;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == '"' || s[i] == '\\' ||
            s[i] == 0x7f)
            return false;
    return true;
}

bool cw__acc_id_ok(const char *id)
{
    size_t n = strlen(id);
    return n >= 1 && n <= 64 && strspn(id, "abcdefghijklmnopqrstuvwxyz"
                                           "0123456789-") == n &&
           id[0] != '-';
}

/* Ends a write: commits it when everything before (its ledger entry
 * included) went well, else rolls it back. */
enum cw_status cw__acc_commit(struct cw_access *a, enum cw_status st,
                             struct cw_diag *d)
{
    if (st) {
        cw__db_exec(a->db, "ROLLBACK");
        return st;
    }
    if (!cw__db_exec(a->db, "COMMIT")) {
        st = cw__acc_db_error(a, d, "cannot save");
        cw__db_exec(a->db, "ROLLBACK");
    }
    return st;
}

/* A role goes with a tenant exactly when it is a tenant's role. */
static enum cw_status grant_ok(enum cw_grant role, const char *tenant,
                               struct cw_diag *d)
{
    if ((unsigned)role >= CW_GRANT_COUNT)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0, "no such role");
    if (cw_grant_is_tenant(role) != (tenant != NULL))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            tenant ? "role %s is the provider's: it takes "
                                     "no tenant"
                                   : "role %s belongs to a tenant: name it "
                                     "(--tenant)",
                            cw_grant_name(role));
    return CW_OK;
}

/* CW_OK when tenant `id` exists, CW_ENOENT saying how to add it. */
enum cw_status cw__acc_tenant_exists(struct cw_access *a, const char *id,
                                    struct cw_diag *d)
{
    const void *vals[1] = { id };
    struct cw__q *q = NULL;
    int rc = cw__acc_one(a, "SELECT 1 FROM tenants WHERE tenant_id = ?", "t", vals,
                 &q);
    cw__q_finalize(q);
    if (rc == CW__Q_ROW)
        return CW_OK;
    return rc == CW__Q_ERROR ? cw__acc_db_error(a, d, "cannot read the tenants")
                             : cw__diag_set(d, CW_ENOENT, NULL, 0, 0,
                                            "no tenant '%s' (cloudward "
                                            "tenant add)",
                                            id);
}

enum cw_status cw_tenant_add(struct cw_access *a, const char *id,
                             const char *name, const char *actor,
                             struct cw_diag *d)
{
    long long now = (long long)time(NULL);
    const void *vals[3] = { id, name, &now };
    struct cw__q *q = NULL;
    char details[512];
    enum cw_status st = CW_OK;
    int rc;

    if (!cw__acc_id_ok(id))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "tenant id '%s': 1 to 64 of a-z, 0-9 and '-', "
                            "not starting with '-'",
                            id);
    if (!cw__acc_plain(name))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a tenant's name: 1 to 200 characters, no "
                            "quotes, backslashes or line breaks");
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    rc = cw__acc_one(a, "SELECT 1 FROM tenants WHERE tenant_id = ?", "t", vals, &q);
    cw__q_finalize(q);
    if (rc == CW__Q_ROW)
        st = cw__diag_set(d, CW_EEXIST, NULL, 0, 0,
                          "tenant '%s' exists already", id);
    else if (rc == CW__Q_ERROR ||
             cw__acc_one(a,
                 "INSERT INTO tenants(tenant_id, name, created) "
                 "VALUES (?, ?, ?)",
                 "tti", vals, &q) != CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot save the tenant");
    if (!st) {
        snprintf(details, sizeof(details), "{\"name\":\"%s\"}", name);
        st = cw__acc_record(a, "tenant.add", id, id, details, actor, d);
    }
    return cw__acc_commit(a, st, d);
}

/* Calls each(a, q, arg) for every row of `sql` until it returns
 * non-zero; `what` names the rows in errors. */
enum cw_status cw__acc_each_row(struct cw_access *a, const char *sql,
                               const char *what,
                               int (*each)(struct cw_access *a,
                                           struct cw__q *q, void *arg),
                               void *arg, struct cw_diag *d)
{
    struct cw__q *q;
    int rc;
    if (!cw__db_prepare(a->db, sql, &q))
        return cw__diag_set(d, CW_EIO, a->path, 0, 0, "cannot read the %s: %s",
                            what, cw__db_errmsg(a->db));
    while ((rc = cw__q_step(q)) == CW__Q_ROW)
        if (each(a, q, arg))
            break;
    cw__q_finalize(q);
    if (rc == CW__Q_ERROR)
        return cw__diag_set(d, CW_EIO, a->path, 0, 0, "cannot read the %s: %s",
                            what, cw__db_errmsg(a->db));
    return CW_OK;
}

/* The caller's callback of an each function, and its argument. */
struct each_fn {
    union {
        int (*tenant)(void *arg, const struct cw_tenant *t);
        int (*token)(void *arg, const struct cw_token_info *t);
        int (*user)(void *arg, const struct cw_user_info *u);
    } fn;
    void *arg;
};

static int tenant_row(struct cw_access *a, struct cw__q *q, void *arg)
{
    struct each_fn *e = arg;
    struct cw_tenant t;
    (void)a;
    t.id = cw__col_text(q, 0);
    t.name = cw__col_text(q, 1);
    t.created = cw__col_int64(q, 2);
    return e->fn.tenant(e->arg, &t);
}

enum cw_status cw_tenant_each(struct cw_access *a,
                              int (*fn)(void *arg, const struct cw_tenant *t),
                              void *arg, struct cw_diag *d)
{
    struct each_fn e;
    e.fn.tenant = fn;
    e.arg = arg;
    return cw__acc_each_row(a,
                    "SELECT tenant_id, name, created FROM tenants ORDER BY "
                    "tenant_id",
                    "tenants", tenant_row, &e, d);
}

/* SHA-256 of the token text, as 64 hex digits. */
void cw__acc_hash(const char *text, char hex[65])
{
    unsigned char h[32];
    cw__sha256(text, strlen(text), h);
    sodium_bin2hex(hex, 65, h, sizeof(h));
}

void cw__acc_secret(const char *prefix, char *out, size_t n,
                    char id[CW_TOKEN_ID])
{
    unsigned char rid[8], secret[32];
    char b64[64];
    randombytes_buf(rid, sizeof(rid));
    randombytes_buf(secret, sizeof(secret));
    sodium_bin2hex(id, CW_TOKEN_ID, rid, sizeof(rid));
    sodium_bin2base64(b64, sizeof(b64), secret, sizeof(secret),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(secret, sizeof(secret));
    snprintf(out, n, "%s%s_%s", prefix, id, b64);
    sodium_memzero(b64, sizeof(b64));
}

bool cw__acc_secret_id(const char *prefix, const char *text,
                       char id[CW_TOKEN_ID])
{
    size_t p = strlen(prefix);
    if (!text || strlen(text) != p + 16 + 1 + 43 ||
        strncmp(text, prefix, p) != 0 || text[p + 16] != '_' ||
        strspn(text + p, "0123456789abcdef") != 16 ||
        strspn(text + p + 17, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                              "qrstuvwxyz0123456789-_") != 43)
        return false;
    memcpy(id, text + p, 16);
    id[16] = '\0';
    return true;
}

enum cw_status cw_token_create(struct cw_access *a, const char *name,
                               enum cw_grant role, const char *tenant,
                               long long expires, const char *actor,
                               char token[CW_TOKEN_TEXT],
                               char id[CW_TOKEN_ID], struct cw_diag *d)
{
    char hash[65], details[256];
    long long now = (long long)time(NULL), revoked = 0;
    const char *rname = cw_grant_name(role);
    const void *vals[8] = { id, tenant, rname, name, hash, &now, &expires,
                            &revoked };
    struct cw__q *q = NULL;
    enum cw_status st = CW_OK;

    token[0] = id[0] = '\0';
    if ((st = grant_ok(role, tenant, d)))
        return st;
    if (!name || !cw__acc_id_ok(name))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a token's name: 1 to 64 of a-z, 0-9 and '-' "
                            "(what it is for, not who holds it)");
    if (expires <= now)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a token must expire in the future");
    cw__acc_secret("cwt_", token, CW_TOKEN_TEXT, id);
    cw__acc_hash(token, hash);
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    if (tenant)
        st = cw__acc_tenant_exists(a, tenant, d);
    if (!st && cw__acc_one(a,
                   "INSERT INTO api_tokens(id, tenant_id, role, name, hash, "
                   "created, expires, revoked) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   "tttttiii", vals, &q) != CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot save the token");
    if (!st) {
        snprintf(details, sizeof(details),
                 "{\"role\":\"%s\",\"expires\":%lld}", rname, expires);
        st = cw__acc_record(a, "token.create", id, tenant, details, actor, d);
    }
    if ((st = cw__acc_commit(a, st, d))) {
        sodium_memzero(token, CW_TOKEN_TEXT);
        token[0] = id[0] = '\0';
    }
    return st;
}

enum cw_status cw_token_revoke(struct cw_access *a, const char *id,
                               const char *actor, struct cw_diag *d)
{
    const void *vals[1] = { id };
    struct cw__q *q = NULL;
    enum cw_status st = CW_OK;
    char tenant[80] = "";
    int rc;

    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    rc = cw__acc_one(a, "SELECT tenant_id, revoked FROM api_tokens WHERE id = ?",
             "t", vals, &q);
    if (rc == CW__Q_ROW) {
        if (cw__col_text(q, 0))
            snprintf(tenant, sizeof(tenant), "%s", cw__col_text(q, 0));
        if (cw__col_int64(q, 1))
            st = cw__diag_set(d, CW_EEXIST, NULL, 0, 0,
                              "token %s is revoked already", id);
    } else {
        st = rc == CW__Q_ERROR ? cw__acc_db_error(a, d, "cannot read the tokens")
                               : cw__diag_set(d, CW_ENOENT, NULL, 0, 0,
                                              "no token %s (cloudward token "
                                              "list)",
                                              id);
    }
    cw__q_finalize(q);
    if (!st && cw__acc_one(a, "UPDATE api_tokens SET revoked = 1 WHERE id = ?", "t",
                   vals, &q) != CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot revoke the token");
    if (!st)
        st = cw__acc_record(a, "token.revoke", id, tenant[0] ? tenant : NULL, NULL,
                    actor, d);
    return cw__acc_commit(a, st, d);
}

/* Row (id, tenant_id, role, name, created, expires, revoked) into *t, its
 * strings copied into a. */
static void info_of(struct cw_access *a, struct cw__q *q,
                    struct cw_token_info *t)
{
    const char *tenant = cw__col_text(q, 1), *role = cw__col_text(q, 2);
    snprintf(a->id, sizeof(a->id), "%s", cw__col_text(q, 0));
    snprintf(a->name, sizeof(a->name), "%s", cw__col_text(q, 3));
    snprintf(a->tenant, sizeof(a->tenant), "%s", tenant ? tenant : "");
    t->id = a->id;
    t->name = a->name;
    t->tenant = tenant ? a->tenant : NULL;
    if (!role || !cw_grant_parse(role, &t->role))
        t->role = CW_GRANT_CUSTOMER; /* the least, for a damaged row */
    t->created = cw__col_int64(q, 4);
    t->expires = cw__col_int64(q, 5);
    t->revoked = cw__col_int64(q, 6) != 0;
}

#define TOKEN_COLUMNS                                                         \
    "SELECT id, tenant_id, role, name, created, expires, revoked, hash "    \
    "FROM api_tokens "

enum cw_status cw_token_check(struct cw_access *a, const char *token,
                              long long now, struct cw_token_info *out,
                              struct cw_diag *d)
{
    char id[CW_TOKEN_ID], hash[65];
    const void *vals[1] = { id };
    /* Compared against when the id is unknown: the same work either way. */
    static const char nothing[65] =
        "0000000000000000000000000000000000000000000000000000000000000000";
    const char *stored = nothing;
    struct cw__q *q = NULL;
    bool ok = false;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!cw__acc_secret_id("cwt_", token, id))
        return cw__diag_set(d, CW_EPERM, NULL, 0, 0, "not a valid token");
    cw__acc_hash(token, hash);
    (void)vals;
    if (!a->lookup &&
        !cw__db_prepare(a->db, TOKEN_COLUMNS "WHERE id = ?", &a->lookup))
        return cw__acc_db_error(a, d, "cannot read the tokens");
    q = a->lookup;
    cw__q_reset(q);
    cw__q_text(q, 1, id);
    rc = cw__q_step(q);
    if (rc == CW__Q_ERROR)
        return cw__acc_db_error(a, d, "cannot read the tokens");
    if (rc == CW__Q_ROW && cw__col_text(q, 7) &&
        strlen(cw__col_text(q, 7)) == 64)
        stored = cw__col_text(q, 7);
    ok = sodium_memcmp(hash, stored, 64) == 0 && stored != nothing;
    if (ok) {
        info_of(a, q, out);
        ok = !out->revoked && out->expires > now;
    }
    cw__q_reset(q); /* ends the read: a revocation is seen next time */
    if (!ok) {
        memset(out, 0, sizeof(*out));
        return cw__diag_set(d, CW_EPERM, NULL, 0, 0, "not a valid token");
    }
    return CW_OK;
}

static int token_row(struct cw_access *a, struct cw__q *q, void *arg)
{
    struct each_fn *e = arg;
    struct cw_token_info t;
    info_of(a, q, &t);
    return e->fn.token(e->arg, &t);
}

enum cw_status cw_token_each(struct cw_access *a,
                             int (*fn)(void *arg,
                                       const struct cw_token_info *t),
                             void *arg, struct cw_diag *d)
{
    struct each_fn e;
    e.fn.token = fn;
    e.arg = arg;
    return cw__acc_each_row(a, TOKEN_COLUMNS "ORDER BY created DESC, id", "tokens",
                    token_row, &e, d);
}

/* ---- users --------------------------------------------------------------- */

#define FAILURES_TO_LOCK 5
#define LOCK_SECONDS (15 * 60)

/* The key that seals second-factor secrets: secrets.key in the store's
 * key folder (the store folder, or $CLOUDWARD_KEY_DIR for PostgreSQL),
 * 32 random bytes as hex, made private on first use. */
enum cw_status cw__acc_secrets_key(struct cw_access *a, bool create,
                                   unsigned char key[32], struct cw_diag *d)
{
    char dir[4096], path[4200], hex[65];
    struct cw__buf b;
    enum cw_status st;

    if (cw__store_is_url(a->store)) {
        if ((st = cw__store_key_dir(dir, sizeof(dir), d)))
            return st;
    } else {
        snprintf(dir, sizeof(dir), "%s", a->store);
    }
    snprintf(path, sizeof(path), "%s/secrets.key", dir);
    cw__buf_init(&b, 256);
    st = cw__read_file_flags(path, &b, CW__READ_NOFOLLOW, d);
    if (st == CW_ENOENT && create) {
        unsigned char k[32];
        cw_diag_clear(d);
        randombytes_buf(k, sizeof(k));
        sodium_bin2hex(hex, sizeof(hex), k, sizeof(k));
        sodium_memzero(k, sizeof(k));
        if ((st = cw__atomic_write_private(path, hex, 64, true, d)) == CW_OK)
            st = cw__read_file_flags(path, &b, CW__READ_NOFOLLOW, d);
        sodium_memzero(hex, sizeof(hex));
    }
    if (!st && (b.len < 64 || sodium_hex2bin(key, 32, b.data, 64, NULL,
                                             NULL, NULL) != 0))
        st = cw__diag_set(d, CW_EINTEGRITY, path, 0, 0,
                          "not a secrets key (64 hex digits)");
    if (b.data)
        sodium_memzero(b.data, b.len);
    cw__buf_release(&b);
    return st;
}

#define SEALED_LEN CW__ACC_SEALED(20)
_Static_assert(CW__ACC_SEALED(1) ==
                   crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + 1 +
                       crypto_aead_xchacha20poly1305_ietf_ABYTES,
               "CW__ACC_SEALED is the nonce, the bytes and the tag");

void cw__acc_seal(const unsigned char key[32], const char *ad,
                  const unsigned char *secret, size_t n, unsigned char *out)
{
    unsigned char *nonce = out;
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        out + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, NULL, secret, n,
        (const unsigned char *)ad, strlen(ad), NULL, nonce, key);
}

bool cw__acc_unseal(const unsigned char key[32], const char *ad,
                    const unsigned char *in, size_t len,
                    unsigned char *secret, size_t n)
{
    unsigned long long got;
    return in && len == CW__ACC_SEALED(n) &&
           crypto_aead_xchacha20poly1305_ietf_decrypt(
               secret, &got, NULL,
               in + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
               len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
               (const unsigned char *)ad, strlen(ad), in, key) == 0 &&
           got == n;
}

/* secret (20 bytes) sealed for user `id` (the id is the associated data:
 * a sealed secret moved to another user's row does not open). */
static void seal(const unsigned char key[32], const char *id,
                 const unsigned char secret[20], unsigned char out[SEALED_LEN])
{
    cw__acc_seal(key, id, secret, 20, out);
}

static bool unseal(const unsigned char key[32], const char *id,
                   const unsigned char *in, size_t len,
                   unsigned char secret[20])
{
    return cw__acc_unseal(key, id, in, len, secret, 20);
}

static bool login_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= 64 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._@-") == n;
}

static enum cw_status password_ok(const char *p, struct cw_diag *d)
{
    size_t n = p ? strlen(p) : 0;
    if (n < 12 || n > 1024)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a password of 12 to 1024 bytes");
    return CW_OK;
}

static enum cw_status hash_password(const char *p, char out[128],
                                    struct cw_diag *d)
{
    if (crypto_pwhash_str(out, p, strlen(p),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0,
                            "out of memory hashing the password");
    return CW_OK;
}

enum cw_status cw_user_add(struct cw_access *a, const char *login,
                           enum cw_grant role, const char *tenant,
                           const char *password, const char *actor,
                           char otpauth[CW_OTPAUTH_LEN], struct cw_diag *d)
{
    unsigned char rid[8], secret[20], key[32], sealed[SEALED_LEN];
    char id[CW_TOKEN_ID], pw[crypto_pwhash_STRBYTES], b32[40];
    char details[128];
    long long now = (long long)time(NULL);
    bool factor = !cw_grant_is_tenant(role);
    struct cw__q *q = NULL;
    enum cw_status st;
    int rc;

    otpauth[0] = '\0';
    if ((st = grant_ok(role, tenant, d)))
        return st;
    if (!login_ok(login))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a login: 1 to 64 of a-z, 0-9 and . _ @ -");
    if ((st = password_ok(password, d)) ||
        (factor && (st = cw__acc_secrets_key(a, true, key, d))) ||
        (st = hash_password(password, pw, d)))
        return st;
    randombytes_buf(rid, sizeof(rid));
    sodium_bin2hex(id, sizeof(id), rid, sizeof(rid));
    if (factor) {
        randombytes_buf(secret, sizeof(secret));
        seal(key, id, secret, sealed);
        cw__base32(secret, sizeof(secret), b32);
        sodium_memzero(secret, sizeof(secret));
        sodium_memzero(key, sizeof(key));
    }
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    {
        const void *vals[1] = { login };
        rc = cw__acc_one(a, "SELECT 1 FROM users WHERE login = ?", "t", vals, &q);
        cw__q_finalize(q);
    }
    if (rc == CW__Q_ROW)
        st = cw__diag_set(d, CW_EEXIST, NULL, 0, 0, "user %s exists already",
                          login);
    else if (rc == CW__Q_ERROR)
        st = cw__acc_db_error(a, d, "cannot read the users");
    if (!st && tenant)
        st = cw__acc_tenant_exists(a, tenant, d);
    if (!st) {
        if (!cw__db_prepare(a->db,
                            "INSERT INTO users(id, login, tenant_id, role, "
                            "pwhash, totp, created, until) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            &q)) {
            st = cw__acc_db_error(a, d, "cannot save the user");
        } else {
            cw__q_text(q, 1, id);
            cw__q_text(q, 2, login);
            cw__q_text(q, 3, tenant);
            cw__q_text(q, 4, cw_grant_name(role));
            cw__q_text(q, 5, pw);
            if (factor)
                cw__q_blob(q, 6, sealed, sizeof(sealed));
            else
                cw__q_text(q, 6, NULL);
            cw__q_int64(q, 7, now);
            /* An auditor's access ends: after an audit's usual span
             * unless cw_user_until says otherwise. */
            cw__q_int64(q, 8, role == CW_GRANT_AUDITOR
                                  ? now + CW_AUDITOR_DAYS * 86400LL
                                  : 0);
            if (cw__q_step(q) != CW__Q_DONE)
                st = cw__acc_db_error(a, d, "cannot save the user");
            cw__q_finalize(q);
        }
    }
    if (!st) {
        snprintf(details, sizeof(details), "{\"role\":\"%s\",\"totp\":%s}",
                 cw_grant_name(role), factor ? "true" : "false");
        st = cw__acc_record(a, "account.create", id, tenant, details, actor, d);
    }
    sodium_memzero(pw, sizeof(pw));
    if ((st = cw__acc_commit(a, st, d)) == CW_OK && factor)
        snprintf(otpauth, CW_OTPAUTH_LEN,
                 "otpauth://totp/cloudward:%s?secret=%s&issuer=cloudward"
                 "&algorithm=SHA1&digits=6&period=30",
                 login, b32);
    sodium_memzero(b32, sizeof(b32));
    return st;
}

/* The user's id, tenant and state by login, in a->id and a->tenant;
 * CW_ENOENT when there is none. */
static enum cw_status user_row(struct cw_access *a, const char *login,
                               long long *disabled, struct cw_diag *d)
{
    const void *vals[1] = { login };
    struct cw__q *q = NULL;
    int rc = cw__acc_one(a, "SELECT id, tenant_id, disabled FROM users "
                    "WHERE login = ?",
                 "t", vals, &q);
    if (rc == CW__Q_ERROR)
        return cw__acc_db_error(a, d, "cannot read the users");
    if (rc != CW__Q_ROW)
        return cw__diag_set(d, CW_ENOENT, NULL, 0, 0,
                            "no user %s (cloudward admin user list)", login);
    snprintf(a->id, sizeof(a->id), "%s", cw__col_text(q, 0));
    snprintf(a->tenant, sizeof(a->tenant), "%s",
             cw__col_text(q, 1) ? cw__col_text(q, 1) : "");
    *disabled = cw__col_int64(q, 2);
    cw__q_finalize(q);
    return CW_OK;
}

enum cw_status cw_user_passwd(struct cw_access *a, const char *login,
                              const char *password, const char *actor,
                              struct cw_diag *d)
{
    char pw[crypto_pwhash_STRBYTES];
    long long disabled;
    const void *vals[2];
    struct cw__q *q = NULL;
    enum cw_status st;

    if ((st = password_ok(password, d)) ||
        (st = hash_password(password, pw, d)))
        return st;
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    if (!(st = user_row(a, login, &disabled, d)) && disabled)
        st = cw__diag_set(d, CW_EPERM, NULL, 0, 0, "user %s is disabled",
                          login);
    vals[0] = pw;
    vals[1] = a->id;
    if (!st && cw__acc_one(a,
                   "UPDATE users SET pwhash = ?, failures = 0, "
                   "locked_until = 0 WHERE id = ?",
                   "tt", vals, &q) != CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot save the password");
    /* A new password ends the sessions the old one opened. */
    vals[0] = a->id;
    if (!st && cw__acc_one(a, "UPDATE sessions SET ended = 1 WHERE user_id = ?",
                           "t", vals, &q) != CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot end the sessions");
    if (!st)
        st = cw__acc_record(a, "account.password", a->id,
                    a->tenant[0] ? a->tenant : NULL, NULL, actor, d);
    sodium_memzero(pw, sizeof(pw));
    return cw__acc_commit(a, st, d);
}

enum cw_status cw_user_disable(struct cw_access *a, const char *login,
                               const char *actor, struct cw_diag *d)
{
    long long disabled;
    const void *vals[1];
    struct cw__q *q = NULL;
    enum cw_status st;

    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    if (!(st = user_row(a, login, &disabled, d)) && disabled)
        st = cw__diag_set(d, CW_EEXIST, NULL, 0, 0,
                          "user %s is disabled already", login);
    vals[0] = a->id;
    if (!st && cw__acc_one(a, "UPDATE users SET disabled = 1 WHERE id = ?", "t",
                   vals, &q) != CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot disable the user");
    if (!st)
        st = cw__acc_record(a, "account.disable", a->id,
                    a->tenant[0] ? a->tenant : NULL, NULL, actor, d);
    return cw__acc_commit(a, st, d);
}

#define USER_COLUMNS                                                          \
    "SELECT id, login, tenant_id, role, disabled, totp IS NOT NULL, "       \
    "created, pwhash, totp, totp_step, failures, locked_until, until "      \
    "FROM users "
/* The column of `until` in USER_COLUMNS and in SESSION_COLUMNS. */
#define USER_UNTIL 12
#define SESSION_UNTIL 10

static void user_of(struct cw_access *a, struct cw__q *q, int until,
                    struct cw_user_info *u)
{
    const char *tenant = cw__col_text(q, 2), *role = cw__col_text(q, 3);
    snprintf(a->id, sizeof(a->id), "%s", cw__col_text(q, 0));
    snprintf(a->name, sizeof(a->name), "%s", cw__col_text(q, 1));
    snprintf(a->tenant, sizeof(a->tenant), "%s", tenant ? tenant : "");
    u->id = a->id;
    u->login = a->name;
    u->tenant = tenant ? a->tenant : NULL;
    if (!role || !cw_grant_parse(role, &u->role))
        u->role = CW_GRANT_CUSTOMER;
    u->disabled = cw__col_int64(q, 4) != 0;
    u->totp = cw__col_int64(q, 5) != 0;
    u->created = cw__col_int64(q, 6);
    u->until = cw__col_int64(q, until);
}

/* A hash to verify against when there is no user, so that an unknown
 * login costs what a known one does. */
static const char *dummy_hash(void)
{
    static char h[crypto_pwhash_STRBYTES];
    static bool made;
    if (!made) {
        made = crypto_pwhash_str(h, "not a password", 14,
                                 crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0;
    }
    return h;
}

enum cw_status cw_user_signin(struct cw_access *a, const char *login,
                              const char *password, const char *code,
                              long long now, const char *source,
                              struct cw_user_info *out, struct cw_diag *d)
{
    const void *vals[1] = { login };
    struct cw__q *q = NULL;
    const char *why = "bad credentials";
    char details[160], target[CW_TOKEN_ID] = "unknown", tenant[80] = "";
    long long failures = 0, locked = 0, step_used = 0;
    uint64_t step = 0;
    bool ok = false, known = false;
    enum cw_status st;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!password)
        password = "";
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot read the users");
    rc = login_ok(login) ? cw__acc_one(a, USER_COLUMNS "WHERE login = ?", "t", vals,
                               &q)
                         : CW__Q_DONE;
    if (rc == CW__Q_ERROR) {
        cw__db_exec(a->db, "ROLLBACK");
        return cw__acc_db_error(a, d, "cannot read the users");
    }
    if (rc == CW__Q_ROW) {
        const char *hash = cw__col_text(q, 7);
        known = true;
        user_of(a, q, USER_UNTIL, out);
        snprintf(target, sizeof(target), "%s", out->id);
        snprintf(tenant, sizeof(tenant), "%s", out->tenant ? out->tenant : "");
        failures = cw__col_int64(q, 10);
        locked = cw__col_int64(q, 11);
        step_used = cw__col_int64(q, 9);
        ok = hash && crypto_pwhash_str_verify(hash, password,
                                              strlen(password)) == 0;
        if (ok && out->totp) {
            unsigned char key[32], secret[20];
            struct cw_diag kd;
            ok = !cw__acc_secrets_key(a, false, key, &kd) &&
                 unseal(key, out->id, cw__col_blob(q, 8), cw__col_bytes(q, 8),
                        secret) &&
                 cw__totp_check(secret, 20, code, now, &step) &&
                 (long long)step > step_used;
            if (ok || !code)
                why = ok ? why : "second factor missing";
            else
                why = "bad second factor";
            sodium_memzero(key, sizeof(key));
            sodium_memzero(secret, sizeof(secret));
        }
        if (out->disabled) {
            ok = false;
            why = "account disabled";
        } else if (locked > now) {
            ok = false;
            why = "account locked";
        } else if (out->until && out->until <= now) {
            ok = false;
            why = "access ended";
        }
    } else {
        /* The same work as for a user, and never a sign-in. */
        int spent = crypto_pwhash_str_verify(dummy_hash(), password,
                                             strlen(password));
        ok = false;
        (void)spent;
    }
    cw__q_finalize(q);
    st = CW_OK;
    if (known) {
        long long f = ok ? 0 : failures + 1;
        long long until = !ok && f >= FAILURES_TO_LOCK && locked <= now
                              ? now + LOCK_SECONDS
                              : ok ? 0 : locked;
        long long s = ok ? (long long)step : step_used;
        const void *v[4] = { &f, &until, &s, out->id };
        if (cw__acc_one(a,
                "UPDATE users SET failures = ?, locked_until = ?, "
                "totp_step = ? WHERE id = ?",
                "iiit", v, &q) != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot save the sign-in");
    }
    snprintf(details, sizeof(details), "{\"source\":\"%.60s\"}",
             source && strspn(source, "0123456789abcdef.:[]") ==
                           strlen(source)
                 ? source
                 : "?");
    if (!st) {
        struct cw_ledger *l;
        struct cw_log_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.actor = target;
        ev.action = "auth.logon";
        ev.target = target;
        ev.tenant = tenant[0] ? tenant : NULL;
        ev.outcome = ok ? NULL : "failure";
        ev.reason = ok ? NULL : why;
        ev.details_json = details;
        ev.file = "(sign-in)";
        if (!(st = cw_ledger_open(a->store, &l, d))) {
            st = cw_ledger_append(l, &ev, 1, NULL, NULL, d);
            cw_ledger_close(l);
        }
    }
    if ((st = cw__acc_commit(a, st, d)))
        return st;
    if (!ok) {
        memset(out, 0, sizeof(*out));
        return cw__diag_set(d, CW_EPERM, NULL, 0, 0,
                            "the login, password or code is not right, or "
                            "the account is locked");
    }
    return CW_OK;
}

static int user_row_of(struct cw_access *a, struct cw__q *q, void *arg)
{
    struct each_fn *e = arg;
    struct cw_user_info u;
    user_of(a, q, USER_UNTIL, &u);
    return e->fn.user(e->arg, &u);
}

enum cw_status cw_user_each(struct cw_access *a,
                            int (*fn)(void *arg, const struct cw_user_info *u),
                            void *arg, struct cw_diag *d)
{
    struct each_fn e;
    e.fn.user = fn;
    e.arg = arg;
    return cw__acc_each_row(a, USER_COLUMNS "ORDER BY login", "users", user_row_of,
                    &e, d);
}

/* ---- sessions -------------------------------------------------------------- */

enum cw_status cw_session_open(struct cw_access *a, const char *user_id,
                               long long now,
                               char session[CW_SESSION_TEXT],
                               struct cw_diag *d)
{
    char id[CW_TOKEN_ID], hash[65], tenant[80] = "";
    long long expires = now + CW_SESSION_SECONDS;
    const void *vals[6] = { id, NULL, user_id, hash, &now, &expires };
    struct cw__q *q = NULL;
    enum cw_status st = CW_OK;
    int rc;

    session[0] = '\0';
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    {
        const void *v[1] = { user_id };
        rc = cw__acc_one(a, "SELECT tenant_id FROM users WHERE id = ? AND "
                            "disabled = 0",
                         "t", v, &q);
        if (rc == CW__Q_ROW && cw__col_text(q, 0))
            snprintf(tenant, sizeof(tenant), "%s", cw__col_text(q, 0));
        cw__q_finalize(q);
        q = NULL;
        if (rc != CW__Q_ROW)
            st = rc == CW__Q_ERROR
                     ? cw__acc_db_error(a, d, "cannot read the users")
                     : cw__diag_set(d, CW_EPERM, NULL, 0, 0,
                                    "no such user, or disabled");
    }
    cw__acc_secret("cws_", session, CW_SESSION_TEXT, id);
    cw__acc_hash(session, hash);
    vals[1] = tenant[0] ? tenant : NULL;
    if (!st && cw__acc_one(a,
                           "INSERT INTO sessions(id, tenant_id, user_id, "
                           "hash, created, expires) VALUES (?, ?, ?, ?, ?, ?)",
                           "ttttii", vals, &q) != CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot save the session");
    if ((st = cw__acc_commit(a, st, d)))
        sodium_memzero(session, CW_SESSION_TEXT), session[0] = '\0';
    return st;
}

#define SESSION_COLUMNS                                                       \
    "SELECT u.id, u.login, u.tenant_id, u.role, u.disabled, "               \
    "u.totp IS NOT NULL, u.created, s.hash, s.expires, s.ended, u.until "   \
    "FROM sessions s JOIN users u ON u.id = s.user_id "

enum cw_status cw_session_check(struct cw_access *a, const char *session,
                                long long now, struct cw_user_info *out,
                                struct cw_diag *d)
{
    static const char nothing[65] =
        "0000000000000000000000000000000000000000000000000000000000000000";
    char id[CW_TOKEN_ID], hash[65];
    const char *stored = nothing;
    struct cw__q *q;
    bool ok;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!cw__acc_secret_id("cws_", session, id))
        return cw__diag_set(d, CW_EPERM, NULL, 0, 0, "not a valid session");
    cw__acc_hash(session, hash);
    if (!a->session &&
        !cw__db_prepare(a->db, SESSION_COLUMNS "WHERE s.id = ?", &a->session))
        return cw__acc_db_error(a, d, "cannot read the sessions");
    q = a->session;
    cw__q_reset(q);
    cw__q_text(q, 1, id);
    rc = cw__q_step(q);
    if (rc == CW__Q_ERROR)
        return cw__acc_db_error(a, d, "cannot read the sessions");
    if (rc == CW__Q_ROW && cw__col_text(q, 7) &&
        strlen(cw__col_text(q, 7)) == 64)
        stored = cw__col_text(q, 7);
    ok = sodium_memcmp(hash, stored, 64) == 0 && stored != nothing;
    if (ok) {
        user_of(a, q, SESSION_UNTIL, out);
        ok = !out->disabled && cw__col_int64(q, 8) > now &&
             cw__col_int64(q, 9) == 0 && (!out->until || out->until > now);
    }
    cw__q_reset(q);
    if (!ok) {
        memset(out, 0, sizeof(*out));
        return cw__diag_set(d, CW_EPERM, NULL, 0, 0, "not a valid session");
    }
    return CW_OK;
}

enum cw_status cw_session_close(struct cw_access *a, const char *session,
                                struct cw_diag *d)
{
    struct cw_user_info u;
    char id[CW_TOKEN_ID], user[CW_TOKEN_ID], tenant[80];
    const void *vals[1] = { id };
    struct cw__q *q = NULL;
    enum cw_status st;

    if ((st = cw_session_check(a, session, (long long)time(NULL), &u, d)))
        return st;
    snprintf(user, sizeof(user), "%s", u.id);
    snprintf(tenant, sizeof(tenant), "%s", u.tenant ? u.tenant : "");
    cw__acc_secret_id("cws_", session, id);
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    if (cw__acc_one(a, "UPDATE sessions SET ended = 1 WHERE id = ?", "t",
                    vals, &q) != CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot end the session");
    if (!st)
        st = cw__acc_record(a, "auth.logoff", user,
                            tenant[0] ? tenant : NULL, NULL, user, d);
    return cw__acc_commit(a, st, d);
}

/* The form token of a session: SHA-256 over a label and the session's
 * text, base64url. It needs no storage, and it tells nothing of the
 * session (a preimage of SHA-256). */
void cw_session_csrf(const char *session, char out[CW_CSRF_TEXT])
{
    crypto_hash_sha256_state st;
    unsigned char h[32];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)"cloudward-csrf\n",
                              15);
    crypto_hash_sha256_update(&st, (const unsigned char *)session,
                              strlen(session));
    crypto_hash_sha256_final(&st, h);
    sodium_bin2base64(out, CW_CSRF_TEXT, h, sizeof(h),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool cw_session_csrf_ok(const char *session, const char *csrf)
{
    char want[CW_CSRF_TEXT];
    bool ok;
    if (!session || !csrf || strlen(csrf) != 43)
        return false;
    cw_session_csrf(session, want);
    ok = sodium_memcmp(want, csrf, 43) == 0;
    sodium_memzero(want, sizeof(want));
    return ok;
}

enum cw_status cw_access_denied(struct cw_access *a, const char *actor,
                                const char *tenant, const char *what,
                                struct cw_diag *d)
{
    char details[160];
    enum cw_status st;
    /* A route's name as it goes into the entry's JSON: plain, valid
     * UTF-8, whole (cut, a character could be split). */
    if (!cw__acc_plain(what) || strlen(what) > 120 ||
        !cw__utf8_text(what, strlen(what), false))
        what = "?";
    snprintf(details, sizeof(details), "{\"route\":\"%s\"}", what);
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    st = cw__acc_record_outcome(a, "auth.denied", actor, tenant, details,
                                actor, "failure", "refused", d);
    return cw__acc_commit(a, st, d);
}

enum cw_status cw_user_until(struct cw_access *a, const char *login,
                             long long until, const char *actor,
                             struct cw_diag *d)
{
    char details[64];
    long long disabled;
    const void *vals[2];
    struct cw__q *q = NULL;
    enum cw_status st;

    if (until < 0)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "an end of access: a time, or 0 for none");
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    if (!(st = user_row(a, login, &disabled, d)) && disabled)
        st = cw__diag_set(d, CW_EPERM, NULL, 0, 0, "user %s is disabled",
                          login);
    vals[0] = &until;
    vals[1] = a->id;
    if (!st && cw__acc_one(a, "UPDATE users SET until = ? WHERE id = ?",
                           "it", vals, &q) != CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot save the end of access");
    if (!st) {
        snprintf(details, sizeof(details), "{\"until\":%lld}", until);
        st = cw__acc_record(a, "account.update", a->id,
                            a->tenant[0] ? a->tenant : NULL, details, actor,
                            d);
    }
    return cw__acc_commit(a, st, d);
}
