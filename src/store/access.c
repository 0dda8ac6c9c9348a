/*
 * access.c - tenants and API tokens (cw_access.h), in STORE/access.db or
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

static const char *const migrations[] = {
    "CREATE TABLE tenants(tenant_id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE api_tokens(id TEXT PRIMARY KEY, tenant_id TEXT,"
    " role TEXT NOT NULL, name TEXT NOT NULL, hash TEXT NOT NULL,"
    " created INTEGER NOT NULL, expires INTEGER NOT NULL,"
    " revoked INTEGER NOT NULL DEFAULT 0);",
};

static const struct cw__part part = {
    "access.db", "access", migrations,
    sizeof(migrations) / sizeof(migrations[0])
};

/* Saves queue on this advisory lock on PostgreSQL ("cwacces"). */
#define ACCESS_LOCK 0x63776163636573LL

struct cw_access {
    struct cw__db *db;
    char store[4096];
    char path[4200];
    /* The strings of the last token or tenant handed out. */
    char id[CW_TOKEN_ID], name[256], tenant[80];
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

static enum cw_status db_error(struct cw_access *a, struct cw_diag *d,
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
    cw__db_close(a->db);
    cw__free(a);
}

/* One statement with up to 8 bound values ('t' text, 'i' integer),
 * stepped once: CW__Q_ROW, CW__Q_DONE or CW__Q_ERROR; *q left open on a
 * row for the caller to read and finalize. */
static int one(struct cw_access *a, const char *sql, const char *types,
               const void *const *vals, struct cw__q **q)
{
    int i, rc;
    if (!cw__db_prepare(a->db, sql, q))
        return CW__Q_ERROR;
    for (i = 0; types[i]; i++) {
        if (types[i] == 'i')
            cw__q_int64(*q, i + 1, *(const long long *)vals[i]);
        else
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
static enum cw_status record(struct cw_access *a, const char *action,
                             const char *target, const char *tenant,
                             const char *details, const char *actor,
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
    ev.details_json = details;
    ev.file = "(access)";
    if ((st = cw_ledger_open(a->store, &l, d)))
        return st;
    st = cw_ledger_append(l, &ev, 1, NULL, NULL, d);
    cw_ledger_close(l);
    return st;
}

/* A name that goes into a ledger entry's JSON as it is. */
static bool plain(const char *s)
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

static bool id_ok(const char *id)
{
    size_t n = strlen(id);
    return n >= 1 && n <= 64 && strspn(id, "abcdefghijklmnopqrstuvwxyz"
                                           "0123456789-") == n &&
           id[0] != '-';
}

/* Ends a write: commits it when everything before (its ledger entry
 * included) went well, else rolls it back. */
static enum cw_status commit(struct cw_access *a, enum cw_status st,
                             struct cw_diag *d)
{
    if (st) {
        cw__db_exec(a->db, "ROLLBACK");
        return st;
    }
    if (!cw__db_exec(a->db, "COMMIT")) {
        st = db_error(a, d, "cannot save");
        cw__db_exec(a->db, "ROLLBACK");
    }
    return st;
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

    if (!id_ok(id))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "tenant id '%s': 1 to 64 of a-z, 0-9 and '-', "
                            "not starting with '-'",
                            id);
    if (!plain(name))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a tenant's name: 1 to 200 characters, no "
                            "quotes, backslashes or line breaks");
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return db_error(a, d, "cannot save");
    rc = one(a, "SELECT 1 FROM tenants WHERE tenant_id = ?", "t", vals, &q);
    cw__q_finalize(q);
    if (rc == CW__Q_ROW)
        st = cw__diag_set(d, CW_EEXIST, NULL, 0, 0,
                          "tenant '%s' exists already", id);
    else if (rc == CW__Q_ERROR ||
             one(a,
                 "INSERT INTO tenants(tenant_id, name, created) "
                 "VALUES (?, ?, ?)",
                 "tti", vals, &q) != CW__Q_DONE)
        st = db_error(a, d, "cannot save the tenant");
    if (!st) {
        snprintf(details, sizeof(details), "{\"name\":\"%s\"}", name);
        st = record(a, "tenant.add", id, id, details, actor, d);
    }
    return commit(a, st, d);
}

enum cw_status cw_tenant_each(struct cw_access *a,
                              int (*fn)(void *arg, const struct cw_tenant *t),
                              void *arg, struct cw_diag *d)
{
    struct cw__q *q;
    int rc;
    if (!cw__db_prepare(a->db,
                        "SELECT tenant_id, name, created FROM tenants "
                        "ORDER BY tenant_id",
                        &q))
        return db_error(a, d, "cannot read the tenants");
    while ((rc = cw__q_step(q)) == CW__Q_ROW) {
        struct cw_tenant t;
        t.id = cw__col_text(q, 0);
        t.name = cw__col_text(q, 1);
        t.created = cw__col_int64(q, 2);
        if (fn(arg, &t))
            break;
    }
    cw__q_finalize(q);
    return rc == CW__Q_ERROR ? db_error(a, d, "cannot read the tenants")
                             : CW_OK;
}

/* SHA-256 of the token text, as 64 hex digits. */
static void token_hash(const char *token, char hex[65])
{
    unsigned char h[32];
    cw__sha256(token, strlen(token), h);
    sodium_bin2hex(hex, 65, h, sizeof(h));
}

enum cw_status cw_token_create(struct cw_access *a, const char *name,
                               enum cw_grant role, const char *tenant,
                               long long expires, const char *actor,
                               char token[CW_TOKEN_TEXT],
                               char id[CW_TOKEN_ID], struct cw_diag *d)
{
    unsigned char rid[8], secret[32];
    char b64[64], hash[65], details[256];
    long long now = (long long)time(NULL), revoked = 0;
    const char *rname = cw_grant_name(role);
    const void *vals[8] = { id, tenant, rname, name, hash, &now, &expires,
                            &revoked };
    struct cw__q *q = NULL;
    enum cw_status st = CW_OK;
    int rc;

    token[0] = id[0] = '\0';
    if ((unsigned)role >= CW_GRANT_COUNT)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0, "no such role");
    if (cw_grant_is_tenant(role) != (tenant != NULL))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            tenant ? "role %s is the provider's: it takes "
                                     "no tenant"
                                   : "role %s belongs to a tenant: name it "
                                     "(--tenant)",
                            rname);
    if (!name || !id_ok(name))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a token's name: 1 to 64 of a-z, 0-9 and '-' "
                            "(what it is for, not who holds it)");
    if (expires <= now)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a token must expire in the future");
    randombytes_buf(rid, sizeof(rid));
    randombytes_buf(secret, sizeof(secret));
    sodium_bin2hex(id, CW_TOKEN_ID, rid, sizeof(rid));
    sodium_bin2base64(b64, sizeof(b64), secret, sizeof(secret),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(secret, sizeof(secret));
    snprintf(token, CW_TOKEN_TEXT, "cwt_%s_%s", id, b64);
    sodium_memzero(b64, sizeof(b64));
    token_hash(token, hash);
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return db_error(a, d, "cannot save");
    if (tenant) {
        rc = one(a, "SELECT 1 FROM tenants WHERE tenant_id = ?", "t",
                 vals + 1, &q);
        cw__q_finalize(q);
        if (rc != CW__Q_ROW)
            st = rc == CW__Q_ERROR
                     ? db_error(a, d, "cannot read the tenants")
                     : cw__diag_set(d, CW_ENOENT, NULL, 0, 0,
                                    "no tenant '%s' (cloudward tenant add)",
                                    tenant);
    }
    if (!st && one(a,
                   "INSERT INTO api_tokens(id, tenant_id, role, name, hash, "
                   "created, expires, revoked) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   "tttttiii", vals, &q) != CW__Q_DONE)
        st = db_error(a, d, "cannot save the token");
    if (!st) {
        snprintf(details, sizeof(details),
                 "{\"role\":\"%s\",\"expires\":%lld}", rname, expires);
        st = record(a, "token.create", id, tenant, details, actor, d);
    }
    if ((st = commit(a, st, d))) {
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
        return db_error(a, d, "cannot save");
    rc = one(a, "SELECT tenant_id, revoked FROM api_tokens WHERE id = ?",
             "t", vals, &q);
    if (rc == CW__Q_ROW) {
        if (cw__col_text(q, 0))
            snprintf(tenant, sizeof(tenant), "%s", cw__col_text(q, 0));
        if (cw__col_int64(q, 1))
            st = cw__diag_set(d, CW_EEXIST, NULL, 0, 0,
                              "token %s is revoked already", id);
    } else {
        st = rc == CW__Q_ERROR ? db_error(a, d, "cannot read the tokens")
                               : cw__diag_set(d, CW_ENOENT, NULL, 0, 0,
                                              "no token %s (cloudward token "
                                              "list)",
                                              id);
    }
    cw__q_finalize(q);
    if (!st && one(a, "UPDATE api_tokens SET revoked = 1 WHERE id = ?", "t",
                   vals, &q) != CW__Q_DONE)
        st = db_error(a, d, "cannot revoke the token");
    if (!st)
        st = record(a, "token.revoke", id, tenant[0] ? tenant : NULL, NULL,
                    actor, d);
    return commit(a, st, d);
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
    if (!token || strlen(token) != 4 + 16 + 1 + 43 ||
        strncmp(token, "cwt_", 4) != 0 || token[20] != '_' ||
        strspn(token + 4, "0123456789abcdef") != 16)
        return cw__diag_set(d, CW_EPERM, NULL, 0, 0, "not a valid token");
    memcpy(id, token + 4, 16);
    id[16] = '\0';
    token_hash(token, hash);
    rc = one(a, TOKEN_COLUMNS "WHERE id = ?", "t", vals, &q);
    if (rc == CW__Q_ERROR)
        return db_error(a, d, "cannot read the tokens");
    if (rc == CW__Q_ROW && cw__col_text(q, 7) &&
        strlen(cw__col_text(q, 7)) == 64)
        stored = cw__col_text(q, 7);
    ok = sodium_memcmp(hash, stored, 64) == 0 && stored != nothing;
    if (ok) {
        info_of(a, q, out);
        ok = !out->revoked && out->expires > now;
    }
    cw__q_finalize(q);
    if (!ok) {
        memset(out, 0, sizeof(*out));
        return cw__diag_set(d, CW_EPERM, NULL, 0, 0, "not a valid token");
    }
    return CW_OK;
}

enum cw_status cw_token_each(struct cw_access *a,
                             int (*fn)(void *arg,
                                       const struct cw_token_info *t),
                             void *arg, struct cw_diag *d)
{
    struct cw__q *q;
    int rc;
    if (!cw__db_prepare(a->db, TOKEN_COLUMNS "ORDER BY created DESC, id", &q))
        return db_error(a, d, "cannot read the tokens");
    while ((rc = cw__q_step(q)) == CW__Q_ROW) {
        struct cw_token_info t;
        info_of(a, q, &t);
        if (fn(arg, &t))
            break;
    }
    cw__q_finalize(q);
    return rc == CW__Q_ERROR ? db_error(a, d, "cannot read the tokens")
                             : CW_OK;
}
