/*
 * webhook.c - tenants' webhooks, their outbox and delivery log
 * (cw_webhook.h), in the access tables (access.db migration 4, the
 * PostgreSQL store's migration 7, both with row-level security there).
 *
 *   webhooks(id, tenant_id, url, secret, created, disabled)
 *       one in use per tenant (a unique index over the rows not
 *       disabled); a replaced or removed one is kept, disabled, for the
 *       log's sake, its sealed secret wiped
 *   webhook_outbox(id, tenant_id, webhook_id, kind, body, created,
 *                  attempts, next_attempt, state, delivered, last_status,
 *                  last_error)
 *       one row per notice and tenant; state pending, delivered, failed
 *       or cancelled (its webhook removed); next_attempt in milliseconds
 *   webhook_attempts(id, outbox_id, tenant_id, ..., attempt, at,
 *                    http_status, error, outcome)
 *       the delivery log: one row per attempt, never changed
 *
 * The outbox row is written in the transaction that makes the notice
 * (cw_document_put calls cw__webhook_enqueue), so a notice and its
 * delivery exist together or not at all, whatever is killed when. Its
 * body is built then, with the row's id in it, and never changes: every
 * attempt posts the same bytes, and a receiver drops a repeat by that id
 * (a delivery is at least once: an answer lost on the way back means
 * another attempt).
 *
 * Workers (one per server; several servers may share a PostgreSQL store)
 * take due rows under the access tables' write lock and lease them for
 * CW_WEBHOOK_LEASE_MS before posting them outside any transaction: one
 * worker posts a row at a time, and the row of a worker that died is
 * offered again when the lease ends. The row ids are random (not a
 * sequence) so that a tenant's delivery ids tell nothing of how many
 * other tenants' notices there are.
 *
 * The secret is needed in the clear to sign, so a hash would not do: it
 * is sealed (XChaCha20-Poly1305, bound to the webhook's id) with the key
 * that seals second factors (access.c, secrets.key), and the key lives
 * beside the ledger's, never in the database. The HMAC key is the
 * secret's text as the tenant was shown it, so that a receiver uses the
 * string it pasted, with no decoding step to get wrong.
 */
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include <cloudward/cw_webhook.h>

#include "../core/core.h"
#include "../ledger/ledger.h"
#include "access_internal.h"
#include "sql.h"

#define SECRET_BYTES 32
#define SEALED_SECRET CW__ACC_SEALED(SECRET_BYTES)
/* Who the worker's ledger entries name as the actor. */
#define WORKER_ACTOR "webhook-worker"
/* A failure's reason, as kept and shown. */
#define ERROR_MAX 200

/* The sealed secret's associated data: the webhook's id, under a label
 * (a user's id and a webhook's are both 16 hex digits). */
static void secret_ad(const char *id, char out[40])
{
    snprintf(out, 40, "webhook:%s", id);
}

/* "cwh_" and the secret's 32 bytes in base64url: the text the tenant is
 * shown, and the HMAC key. */
static void secret_text(const unsigned char raw[SECRET_BYTES],
                        char out[CW_WEBHOOK_SECRET_TEXT])
{
    memcpy(out, "cwh_", 4);
    sodium_bin2base64(out + 4, CW_WEBHOOK_SECRET_TEXT - 4, raw, SECRET_BYTES,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void new_id(char id[CW_TOKEN_ID])
{
    unsigned char rid[8];
    randombytes_buf(rid, sizeof(rid));
    sodium_bin2hex(id, CW_TOKEN_ID, rid, sizeof(rid));
}

/*
 * A URL a webhook may have: http:// or https://, printable ASCII of
 * RFC 3986's characters, a host, no user information (a password there
 * would be shown in every listing) and no fragment (never sent). Its
 * origin (scheme and authority, the scheme lowercased) into `origin`.
 */
static bool url_ok(const char *url, char *origin, size_t n)
{
    static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "abcdefghijklmnopqrstuvwxyz0123456789"
                                  "-._~:/?[]!$&'()*+,;=%";
    size_t len = url ? strlen(url) : 0, skip, auth;
    const char *scheme;

    if (len == 0 || len > CW_WEBHOOK_URL_MAX ||
        strspn(url, allowed) != len)
        return false;
    if (strncasecmp(url, "https://", 8) == 0) {
        scheme = "https";
        skip = 8;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        scheme = "http";
        skip = 7;
    } else {
        return false;
    }
    auth = strcspn(url + skip, "/?");
    if (auth == 0 || url[skip] == ':' || memchr(url + skip, '@', auth))
        return false;
    snprintf(origin, n, "%s://%.*s", scheme, (int)auth, url + skip);
    return true;
}

/* ---- webhooks ----------------------------------------------------------- */

/* The id of tenant's webhook in use into id ("" when none); CW_EIO on a
 * database error. */
static enum cw_status active_id(struct cw_access *a, const char *tenant,
                                char id[CW_TOKEN_ID], struct cw_diag *d)
{
    const void *vals[1] = { tenant };
    struct cw__q *q = NULL;
    int rc = cw__acc_one(a,
                         "SELECT id FROM webhooks WHERE tenant_id = ? AND "
                         "disabled = 0",
                         "t", vals, &q);
    id[0] = '\0';
    if (rc == CW__Q_ERROR)
        return cw__acc_db_error(a, d, "cannot read the webhooks");
    if (rc == CW__Q_ROW) {
        snprintf(id, CW_TOKEN_ID, "%s",
                 cw__col_text(q, 0) ? cw__col_text(q, 0) : "");
        cw__q_finalize(q);
    }
    return CW_OK;
}

/* Takes webhook `id` out of use: disabled, its sealed secret wiped. */
static enum cw_status retire(struct cw_access *a, const char *id,
                             struct cw_diag *d)
{
    struct cw__acc_blob none = { "", 0 };
    const void *vals[2] = { &none, id };
    struct cw__q *q = NULL;
    if (cw__acc_one(a,
                    "UPDATE webhooks SET disabled = 1, secret = ? WHERE "
                    "id = ?",
                    "bt", vals, &q) != CW__Q_DONE)
        return cw__acc_db_error(a, d, "cannot save the webhook");
    return CW_OK;
}

enum cw_status cw_webhook_set(struct cw_access *a, const char *tenant,
                              const char *url, const char *actor,
                              char secret[CW_WEBHOOK_SECRET_TEXT],
                              char id[CW_TOKEN_ID], struct cw_diag *d)
{
    unsigned char key[32], raw[SECRET_BYTES], sealed[SEALED_SECRET];
    char old[CW_TOKEN_ID], ad[40], origin[300];
    long long now = (long long)time(NULL);
    struct cw__acc_blob blob = { sealed, sizeof(sealed) };
    const void *vals[5] = { id, tenant, url, &blob, &now };
    struct cw__q *q = NULL;
    struct cw__buf details;
    enum cw_status st;

    secret[0] = id[0] = '\0';
    if (!tenant || (*tenant && !cw__acc_id_ok(tenant)))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a tenant id: 1 to 64 of a-z, 0-9 and '-' (\"\": "
                            "the provider's own, for alerts)");
    if (!url_ok(url, origin, sizeof(origin)))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a webhook's URL: http:// or https://, a host, "
                            "at most %d characters, no user name, password "
                            "or fragment, spaces or quotes",
                            CW_WEBHOOK_URL_MAX);
    if ((st = cw__acc_secrets_key(a, true, key, d)))
        return st;
    new_id(id);
    secret_ad(id, ad);
    randombytes_buf(raw, sizeof(raw));
    cw__acc_seal(key, ad, raw, sizeof(raw), sealed);
    sodium_memzero(key, sizeof(key));
    cw__buf_init(&details, 1024);
    if (!cw__db_begin_write(a->db, ACCESS_LOCK)) {
        sodium_memzero(raw, sizeof(raw));
        return cw__acc_db_error(a, d, "cannot save");
    }
    if (!(st = *tenant ? cw__acc_tenant_exists(a, tenant, d) : CW_OK) &&
        !(st = active_id(a, tenant, old, d)) && old[0])
        st = retire(a, old, d);
    if (!st && cw__acc_one(a,
                           "INSERT INTO webhooks(id, tenant_id, url, secret, "
                           "created) VALUES (?, ?, ?, ?, ?)",
                           "tttbi", vals, &q) != CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot save the webhook");
    /* What the old one had still to deliver goes to the new one. */
    if (!st && old[0]) {
        const void *mv[2] = { id, old };
        if (cw__acc_one(a,
                        "UPDATE webhook_outbox SET webhook_id = ? WHERE "
                        "webhook_id = ? AND state = 'pending'",
                        "tt", mv, &q) != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot save the webhook");
    }
    if (!st) {
        /* The origin only: a path or query may carry a token, and the
         * ledger cannot forget. */
        if (cw__buf_puts(&details, "{\"origin\":") ||
            cw__json_str(&details, origin, strlen(origin)) ||
            (old[0] && cw__buf_printf(&details, ",\"replaces\":\"%s\"", old)) ||
            cw__buf_puts(&details, "}"))
            st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        else
            st = cw__acc_record(a, "webhook.set", id,
                                *tenant ? tenant : NULL, details.data, actor,
                                d);
    }
    cw__buf_release(&details);
    if (!(st = cw__acc_commit(a, st, d)))
        secret_text(raw, secret);
    else
        id[0] = '\0';
    sodium_memzero(raw, sizeof(raw));
    return st;
}

enum cw_status cw_webhook_remove(struct cw_access *a, const char *tenant,
                                 const char *actor, struct cw_diag *d)
{
    char id[CW_TOKEN_ID];
    const void *vals[1] = { id };
    struct cw__q *q = NULL;
    enum cw_status st;

    if (!tenant || (*tenant && !cw__acc_id_ok(tenant)))
        return cw__diag_set(d, CW_ENOENT, NULL, 0, 0, "no such tenant");
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    if (!(st = active_id(a, tenant, id, d)) && !id[0])
        st = cw__diag_set(d, CW_ENOENT, NULL, 0, 0,
                          "tenant %s has no webhook", tenant);
    if (!st)
        st = retire(a, id, d);
    if (!st && cw__acc_one(a,
                           "UPDATE webhook_outbox SET state = 'cancelled' "
                           "WHERE webhook_id = ? AND state = 'pending'",
                           "t", vals, &q) != CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot cancel the deliveries");
    if (!st)
        st = cw__acc_record(a, "webhook.remove", id, *tenant ? tenant : NULL,
                            NULL, actor, d);
    return cw__acc_commit(a, st, d);
}

enum cw_status cw_webhook_each(struct cw_access *a, const char *tenant,
                               int (*fn)(void *arg,
                                         const struct cw_webhook *w),
                               void *arg, struct cw_diag *d)
{
    struct cw__q *q;
    int rc;
    if (!cw__db_prepare(a->db,
                        tenant ? "SELECT id, tenant_id, url, created FROM "
                                 "webhooks WHERE disabled = 0 AND "
                                 "tenant_id = ?"
                               : "SELECT id, tenant_id, url, created FROM "
                                 "webhooks WHERE disabled = 0 ORDER BY "
                                 "tenant_id",
                        &q))
        return cw__acc_db_error(a, d, "cannot read the webhooks");
    if (tenant)
        cw__q_text(q, 1, tenant);
    while ((rc = cw__q_step(q)) == CW__Q_ROW) {
        struct cw_webhook w;
        w.id = cw__col_text(q, 0);
        w.tenant = cw__col_text(q, 1);
        w.url = cw__col_text(q, 2);
        w.created = cw__col_int64(q, 3);
        if (w.id && w.tenant && w.url && fn(arg, &w))
            break;
    }
    cw__q_finalize(q);
    if (rc == CW__Q_ERROR)
        return cw__acc_db_error(a, d, "cannot read the webhooks");
    return CW_OK;
}

/* ---- the outbox ------------------------------------------------------------ */

struct target {
    char webhook[CW_TOKEN_ID];
    char tenant[80];
};

/* The body of a delivery: the notice, what it is about (a "document",
 * or a register's "record"), its tenant and its own id. No user is
 * named (who follows the document is personal data). */
static enum cw_status body_of(struct cw__buf *b, const char *kind,
                              const char *key, const char *about,
                              long long version, const char *subject,
                              long long created, const char *tenant,
                              const char *id)
{
    enum cw_status st;
    b->len = 0;
    if ((st = cw__buf_puts(b, "{\"kind\":")) ||
        (st = cw__json_str(b, kind, strlen(kind))) ||
        (st = cw__buf_printf(b, ",\"%s\":", key)) ||
        (st = cw__json_str(b, about, strlen(about))) ||
        (st = cw__buf_printf(b, ",\"version\":%lld,\"subject\":", version)) ||
        (st = cw__json_str(b, subject, strlen(subject))) ||
        (st = cw__buf_printf(b, ",\"created\":%lld,\"tenant\":", created)) ||
        (st = cw__json_str(b, tenant, strlen(tenant))) ||
        (st = cw__buf_puts(b, ",\"id\":")) ||
        (st = cw__json_str(b, id, strlen(id))))
        return st;
    return cw__buf_puts(b, "}");
}

/* An outbox row for each webhook `sql` selects (its id and tenant; `arg`
 * bound to its parameter when not NULL), the notice about `about`. */
static enum cw_status enqueue(struct cw_access *a, const char *sql,
                              const char *arg, const char *kind,
                              const char *key, const char *about,
                              long long version, const char *subject,
                              long long created, struct cw_diag *d)
{
    struct target *t = NULL;
    size_t n = 0, alloc = 0, i;
    struct cw__q *q;
    struct cw__buf body;
    long long due = created * 1000;
    enum cw_status st = CW_OK;
    int rc;

    if (!cw__db_prepare(a->db, sql, &q))
        return cw__acc_db_error(a, d, "cannot read the webhooks");
    if (arg)
        cw__q_text(q, 1, arg);
    while ((rc = cw__q_step(q)) == CW__Q_ROW) {
        const char *id = cw__col_text(q, 0), *tenant = cw__col_text(q, 1);
        if (!id || !tenant)
            continue;
        if (!cw__grow((void **)&t, &alloc, n, sizeof(*t))) {
            st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        snprintf(t[n].webhook, sizeof(t[n].webhook), "%s", id);
        snprintf(t[n].tenant, sizeof(t[n].tenant), "%s", tenant);
        n++;
    }
    cw__q_finalize(q);
    if (!st && rc == CW__Q_ERROR)
        st = cw__acc_db_error(a, d, "cannot read the webhooks");
    cw__buf_init(&body, 4096);
    for (i = 0; !st && i < n; i++) {
        char id[CW_TOKEN_ID];
        const void *vals[7] = { id, t[i].tenant, t[i].webhook, kind,
                                NULL, &created, &due };
        new_id(id);
        if ((st = body_of(&body, kind, key, about, version, subject, created,
                          t[i].tenant, id))) {
            st = cw__diag_set(d, st, NULL, 0, 0,
                              "a webhook's body is too large");
            break;
        }
        vals[4] = body.data;
        if (cw__acc_one(a,
                        "INSERT INTO webhook_outbox(id, tenant_id, "
                        "webhook_id, kind, body, created, next_attempt) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        "tttttii", vals, &q) != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot queue the webhooks");
    }
    cw__buf_release(&body);
    cw__free(t);
    return st;
}

enum cw_status cw__webhook_enqueue(struct cw_access *a, const char *kind,
                                   const char *doc, long long version,
                                   const char *subject, long long created,
                                   struct cw_diag *d)
{
    return enqueue(a,
                   "SELECT w.id, w.tenant_id FROM webhooks w WHERE "
                   "w.disabled = 0 AND EXISTS (SELECT 1 FROM "
                   "subscriptions s WHERE s.doc_id = ? AND "
                   "s.tenant_id = w.tenant_id) ORDER BY w.tenant_id",
                   doc, kind, "document", doc, version, subject, created, d);
}

enum cw_status cw__webhook_enqueue_tenant(struct cw_access *a,
                                          const char *tenant,
                                          const char *kind,
                                          const char *record,
                                          long long version,
                                          const char *subject,
                                          long long created,
                                          struct cw_diag *d)
{
    bool every = strcmp(tenant, "*") == 0;
    return enqueue(a,
                   every ? "SELECT id, tenant_id FROM webhooks WHERE "
                           "disabled = 0 AND tenant_id <> '' ORDER BY "
                           "tenant_id"
                         : "SELECT id, tenant_id FROM webhooks WHERE "
                           "disabled = 0 AND tenant_id = ?",
                   every ? NULL : tenant, kind, "record", record, version,
                   subject, created, d);
}

/* A due row, copied out of the statement. */
struct due {
    char *id, *tenant, *webhook, *event, *url, *body;
    char secret[CW_WEBHOOK_SECRET_TEXT];
    long long attempts, created;
};

static void due_free(struct due *r, size_t n)
{
    size_t i;
    for (i = 0; r && i < n; i++) {
        cw__free(r[i].id);
        cw__free(r[i].tenant);
        cw__free(r[i].webhook);
        cw__free(r[i].event);
        cw__free(r[i].url);
        cw__free(r[i].body);
        sodium_memzero(r[i].secret, sizeof(r[i].secret));
    }
    cw__free(r);
}

/* Reads the due rows into *out (*n of them), their secrets opened; rows
 * whose secret does not open are left out and counted in *bad. */
static enum cw_status due_read(struct cw_access *a, long long now,
                               long long max, const unsigned char key[32],
                               struct due **out, size_t *n, size_t *bad,
                               struct cw_diag *d)
{
    struct due *r = NULL;
    size_t alloc = 0;
    struct cw__q *q;
    enum cw_status st = CW_OK;
    int rc;

    *out = NULL;
    *n = *bad = 0;
    if (!cw__db_prepare(a->db,
                        "SELECT o.id, o.tenant_id, o.webhook_id, o.kind, "
                        "o.body, o.attempts, o.created, w.url, w.secret "
                        "FROM webhook_outbox o JOIN webhooks w ON w.id = "
                        "o.webhook_id WHERE o.state = 'pending' AND "
                        "o.next_attempt <= ? AND w.disabled = 0 "
                        "ORDER BY o.next_attempt, o.id LIMIT ?",
                        &q))
        return cw__acc_db_error(a, d, "cannot read the outbox");
    cw__q_int64(q, 1, now);
    cw__q_int64(q, 2, max);
    while ((rc = cw__q_step(q)) == CW__Q_ROW) {
        unsigned char raw[SECRET_BYTES];
        char ad[40];
        struct due *x;
        const char *id = cw__col_text(q, 0);
        if (!id || !cw__col_text(q, 1) || !cw__col_text(q, 2) ||
            !cw__col_text(q, 3) || !cw__col_text(q, 4) ||
            !cw__col_text(q, 7))
            continue;
        secret_ad(cw__col_text(q, 2), ad);
        if (!cw__acc_unseal(key, ad, cw__col_blob(q, 8),
                            cw__col_bytes(q, 8), raw, sizeof(raw))) {
            ++*bad;
            continue;
        }
        if (!cw__grow((void **)&r, &alloc, *n, sizeof(*r))) {
            sodium_memzero(raw, sizeof(raw));
            st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        x = &r[*n];
        memset(x, 0, sizeof(*x));
        ++*n;
        secret_text(raw, x->secret);
        sodium_memzero(raw, sizeof(raw));
        x->attempts = cw__col_int64(q, 5);
        x->created = cw__col_int64(q, 6);
        if (!(x->id = cw__strdup(id)) ||
            !(x->tenant = cw__strdup(cw__col_text(q, 1))) ||
            !(x->webhook = cw__strdup(cw__col_text(q, 2))) ||
            !(x->event = cw__strdup(cw__col_text(q, 3))) ||
            !(x->body = cw__strdup(cw__col_text(q, 4))) ||
            !(x->url = cw__strdup(cw__col_text(q, 7)))) {
            st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
    }
    cw__q_finalize(q);
    if (!st && rc == CW__Q_ERROR)
        st = cw__acc_db_error(a, d, "cannot read the outbox");
    if (st) {
        due_free(r, *n);
        *n = 0;
        return st;
    }
    *out = r;
    return CW_OK;
}

enum cw_status cw_webhook_due(struct cw_access *a, long long now,
                              long long max,
                              int (*fn)(void *arg,
                                        const struct cw_webhook_delivery *w),
                              void *arg, struct cw_diag *d)
{
    unsigned char key[32];
    long long lease = now + CW_WEBHOOK_LEASE_MS;
    struct due *r = NULL;
    size_t n = 0, bad = 0, i;
    struct cw__q *q = NULL;
    enum cw_status st;
    int rc;

    if (max < 1)
        return CW_OK;
    /* A read first: most seconds nothing is due, and then no write lock
     * is taken. */
    {
        const void *vals[1] = { &now };
        rc = cw__acc_one(a,
                         "SELECT 1 FROM webhook_outbox WHERE state = "
                         "'pending' AND next_attempt <= ? LIMIT 1",
                         "i", vals, &q);
        cw__q_finalize(q);
        q = NULL;
        if (rc == CW__Q_ERROR)
            return cw__acc_db_error(a, d, "cannot read the outbox");
        if (rc != CW__Q_ROW)
            return CW_OK;
    }
    if ((st = cw__acc_secrets_key(a, false, key, d)))
        return st;
    if (!cw__db_begin_write(a->db, ACCESS_LOCK)) {
        sodium_memzero(key, sizeof(key));
        return cw__acc_db_error(a, d, "cannot read the outbox");
    }
    st = due_read(a, now, max, key, &r, &n, &bad, d);
    sodium_memzero(key, sizeof(key));
    for (i = 0; !st && i < n; i++) {
        const void *vals[2] = { &lease, r[i].id };
        if (cw__acc_one(a,
                        "UPDATE webhook_outbox SET next_attempt = ? WHERE "
                        "id = ?",
                        "it", vals, &q) != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot lease the deliveries");
    }
    if ((st = cw__acc_commit(a, st, d))) {
        due_free(r, n);
        return st;
    }
    for (i = 0; i < n; i++) {
        struct cw_webhook_delivery w;
        w.id = r[i].id;
        w.tenant = r[i].tenant;
        w.webhook = r[i].webhook;
        w.event = r[i].event;
        w.url = r[i].url;
        w.secret = r[i].secret;
        w.body = r[i].body;
        w.attempts = r[i].attempts;
        w.created = r[i].created;
        if (fn(arg, &w))
            break;
    }
    due_free(r, n);
    if (bad)
        return cw__diag_set(d, CW_EINTEGRITY, a->path, 0, 0,
                            "%zu webhook deliveries wait: their webhook's "
                            "secret does not open with this store's "
                            "secrets.key",
                            bad);
    return CW_OK;
}

const char *cw_webhook_outcome_name(enum cw_webhook_outcome o)
{
    switch (o) {
    case CW_WEBHOOK_DELIVERED:
        return "delivered";
    case CW_WEBHOOK_RETRY:
        return "retry";
    case CW_WEBHOOK_FAILED:
        return "failed";
    }
    return "?";
}

long long cw_webhook_backoff(long long attempts, long long base_ms)
{
    long long wait;
    if (attempts >= CW_WEBHOOK_ATTEMPTS)
        return -1;
    if (base_ms <= 0)
        base_ms = CW_WEBHOOK_BACKOFF_MS;
    wait = base_ms < CW_WEBHOOK_BACKOFF_CAP_MS ? base_ms
                                               : CW_WEBHOOK_BACKOFF_CAP_MS;
    for (; attempts > 1 && wait < CW_WEBHOOK_BACKOFF_CAP_MS; attempts--)
        wait *= 2;
    return wait < CW_WEBHOOK_BACKOFF_CAP_MS ? wait
                                            : CW_WEBHOOK_BACKOFF_CAP_MS;
}

/* A failure's reason as kept: printable ASCII, at most ERROR_MAX bytes
 * (it is shown to the tenant and goes into JSON). */
static void clean_error(const char *in, char out[ERROR_MAX + 1])
{
    size_t i;
    for (i = 0; in && in[i] && i < ERROR_MAX; i++)
        out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
    out[i] = '\0';
}

/* The ledger entry of a delivery's end. */
static enum cw_status record_end(struct cw_access *a, const char *id,
                                 const char *tenant, const char *webhook,
                                 const char *event, long long attempts,
                                 int status, const char *error, bool ok,
                                 struct cw_diag *d)
{
    struct cw__buf b;
    enum cw_status st;
    cw__buf_init(&b, 2048);
    if (cw__buf_printf(&b, "{\"webhook\":\"%s\",\"event\":", webhook) ||
        cw__json_str(&b, event, strlen(event)) ||
        cw__buf_printf(&b, ",\"attempts\":%lld,\"status\":%d", attempts,
                       status) ||
        (error[0] && (cw__buf_puts(&b, ",\"error\":") ||
                      cw__json_str(&b, error, strlen(error)))) ||
        cw__buf_puts(&b, "}"))
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    else
        st = cw__acc_record(a, ok ? "webhook.delivered" : "webhook.failed",
                            id, *tenant ? tenant : NULL, b.data, WORKER_ACTOR,
                            d);
    cw__buf_release(&b);
    return st;
}

enum cw_status cw_webhook_result(struct cw_access *a, const char *id,
                                 long long now, int http_status,
                                 const char *error, long long base_ms,
                                 enum cw_webhook_outcome *outcome,
                                 struct cw_diag *d)
{
    char tenant[80], webhook[CW_TOKEN_ID], event[64], why[ERROR_MAX + 1];
    const void *vals[1] = { id };
    struct cw__q *q = NULL;
    enum cw_webhook_outcome o;
    enum cw_status st = CW_OK;
    long long attempts, next, at = now / 1000, status = http_status,
                                delivered = 0;
    const char *state;
    bool ok = http_status >= 200 && http_status < 300;
    int rc;

    if (outcome)
        *outcome = CW_WEBHOOK_RETRY;
    if (!id || strlen(id) != 16)
        return cw__diag_set(d, CW_ENOENT, NULL, 0, 0,
                            "no pending delivery");
    clean_error(ok ? NULL : error, why);
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    rc = cw__acc_one(a,
                     "SELECT tenant_id, webhook_id, kind, attempts FROM "
                     "webhook_outbox WHERE id = ? AND state = 'pending'",
                     "t", vals, &q);
    if (rc != CW__Q_ROW) {
        cw__db_exec(a->db, "ROLLBACK");
        return rc == CW__Q_ERROR
                   ? cw__acc_db_error(a, d, "cannot read the outbox")
                   : cw__diag_set(d, CW_ENOENT, NULL, 0, 0,
                                  "no pending delivery %s", id);
    }
    snprintf(tenant, sizeof(tenant), "%s",
             cw__col_text(q, 0) ? cw__col_text(q, 0) : "");
    snprintf(webhook, sizeof(webhook), "%s",
             cw__col_text(q, 1) ? cw__col_text(q, 1) : "");
    snprintf(event, sizeof(event), "%s",
             cw__col_text(q, 2) ? cw__col_text(q, 2) : "");
    attempts = cw__col_int64(q, 3) + 1;
    cw__q_finalize(q);
    q = NULL;
    if (ok) {
        o = CW_WEBHOOK_DELIVERED;
        state = "delivered";
        delivered = at;
        next = now;
    } else if ((next = cw_webhook_backoff(attempts, base_ms)) < 0) {
        o = CW_WEBHOOK_FAILED;
        state = "failed";
        next = now;
    } else {
        o = CW_WEBHOOK_RETRY;
        state = "pending";
        next += now;
    }
    {
        const void *v[7] = { &attempts, &next,  state, &delivered,
                             &status,   why[0] ? why : NULL, id };
        if (cw__acc_one(a,
                        "UPDATE webhook_outbox SET attempts = ?, "
                        "next_attempt = ?, state = ?, delivered = ?, "
                        "last_status = ?, last_error = ? WHERE id = ?",
                        "iitiitt", v, &q) != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot save the attempt");
    }
    if (!st) {
        const char *oname = cw_webhook_outcome_name(o);
        const void *v[9] = { id,        tenant,  webhook,
                             event,     &attempts, &at,
                             &status,   why[0] ? why : NULL, oname };
        if (cw__acc_one(a,
                        "INSERT INTO webhook_attempts(outbox_id, tenant_id, "
                        "webhook_id, kind, attempt, at, http_status, error, "
                        "outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        "ttttiiitt", v, &q) != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot save the attempt");
    }
    if (!st && o != CW_WEBHOOK_RETRY)
        st = record_end(a, id, tenant, webhook, event, attempts, http_status,
                        why, ok, d);
    if (!(st = cw__acc_commit(a, st, d)) && outcome)
        *outcome = o;
    return st;
}

enum cw_status cw_webhook_log(struct cw_access *a, const char *tenant,
                              long long before, long long limit,
                              int (*fn)(void *arg,
                                        const struct cw_webhook_attempt *t),
                              void *arg, struct cw_diag *d)
{
    struct cw__q *q;
    int rc, k = 1;
    if (before <= 0)
        before = (long long)1 << 62;
    if (!cw__db_prepare(a->db,
                        tenant ? "SELECT id, outbox_id, tenant_id, kind, "
                                 "attempt, at, http_status, error, outcome "
                                 "FROM webhook_attempts WHERE tenant_id = ? "
                                 "AND id < ? ORDER BY id DESC LIMIT ?"
                               : "SELECT id, outbox_id, tenant_id, kind, "
                                 "attempt, at, http_status, error, outcome "
                                 "FROM webhook_attempts WHERE id < ? ORDER "
                                 "BY id DESC LIMIT ?",
                        &q))
        return cw__acc_db_error(a, d, "cannot read the delivery log");
    if (tenant)
        cw__q_text(q, k++, tenant);
    cw__q_int64(q, k++, before);
    cw__q_int64(q, k, limit);
    while ((rc = cw__q_step(q)) == CW__Q_ROW) {
        struct cw_webhook_attempt t;
        t.id = cw__col_int64(q, 0);
        t.delivery = cw__col_text(q, 1);
        t.tenant = cw__col_text(q, 2);
        t.event = cw__col_text(q, 3);
        t.attempt = cw__col_int64(q, 4);
        t.at = cw__col_int64(q, 5);
        t.http_status = (int)cw__col_int64(q, 6);
        t.error = cw__col_text(q, 7);
        t.outcome = cw__col_text(q, 8);
        if (!t.delivery || !t.tenant || !t.event || !t.outcome)
            continue;
        if (fn(arg, &t))
            break;
    }
    cw__q_finalize(q);
    if (rc == CW__Q_ERROR)
        return cw__acc_db_error(a, d, "cannot read the delivery log");
    return CW_OK;
}

void cw_webhook_sign(const char *secret, long long t, const char *body,
                     char out[CW_WEBHOOK_SIGNATURE])
{
    crypto_auth_hmacsha256_state s;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char stamp[32], hex[2 * crypto_auth_hmacsha256_BYTES + 1];
    int n = snprintf(stamp, sizeof(stamp), "%lld.", t);

    crypto_auth_hmacsha256_init(&s, (const unsigned char *)secret,
                                strlen(secret));
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)stamp,
                                  (unsigned long long)n);
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)body,
                                  strlen(body));
    crypto_auth_hmacsha256_final(&s, mac);
    sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
    snprintf(out, CW_WEBHOOK_SIGNATURE, "t=%lld,v1=%s", t, hex);
    sodium_memzero(&s, sizeof(s));
}

enum cw_status cw__webhook_enqueue_provider(struct cw_access *a,
                                            const char *kind,
                                            const char *alert,
                                            const char *subject,
                                            long long created,
                                            struct cw_diag *d)
{
    return enqueue(a,
                   "SELECT id, tenant_id FROM webhooks WHERE disabled = 0 "
                   "AND tenant_id = ''",
                   NULL, kind, "alert", alert, 1, subject, created, d);
}
