/*
 * cw_webhook.h - webhooks: a tenant's own address that every notice
 * addressed to the tenant's users (a new version of a document they
 * follow, cw_portal.h) is also POSTed to, signed with the webhook's
 * secret (HMAC-SHA256). Each such notice is written to a durable outbox
 * in the store, in the transaction that makes the notice; a worker
 * (`cloudward serve` runs one) takes the rows that are due, posts them,
 * and reports each attempt, which goes to the delivery log. A failed
 * attempt is tried again later, the wait doubling each time (30 s, 1
 * min, ... capped at 6 hours); after CW_WEBHOOK_ATTEMPTS the delivery is
 * given up. The final delivery, or giving up, is a ledger entry
 * addressed to the tenant (webhook.delivered, webhook.failed).
 *
 * The signature a receiver checks (docs/server.md, "Webhooks"):
 *   X-Cloudward-Signature: t=UNIX,v1=HEX
 * where HEX is HMAC-SHA256 keyed with the secret's text, over the bytes
 * "UNIX." followed by the request's body.
 */
#ifndef CLOUDWARD_CW_WEBHOOK_H
#define CLOUDWARD_CW_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>

#include <cloudward/cw_access.h>
#include <cloudward/cw_core.h>
#include <cloudward/cw_export.h>
#include <cloudward/cw_status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A webhook's secret as shown once: "cwh_" and 43 base64url characters
 * (256 random bits), with room for the NUL. */
#define CW_WEBHOOK_SECRET_TEXT 48
/* A webhook's URL: at most this many bytes. */
#define CW_WEBHOOK_URL_MAX 2048
/* Attempts before a delivery is given up. */
#define CW_WEBHOOK_ATTEMPTS 12
/* The first wait after a failed attempt (doubling after each), and the
 * longest wait, in milliseconds. */
#define CW_WEBHOOK_BACKOFF_MS 30000LL
#define CW_WEBHOOK_BACKOFF_CAP_MS (6LL * 3600 * 1000)
/* A row handed out by cw_webhook_due is not handed out again for this
 * long (ms) unless its attempt is reported first: one worker at a time
 * delivers it, and a worker that dies leaves it to another. */
#define CW_WEBHOOK_LEASE_MS 60000LL
/* Room for a signature header's value: "t=" UNIX ",v1=" 64 hex. */
#define CW_WEBHOOK_SIGNATURE 96

struct cw_webhook {
    const char *id;     /* public: the ledger names the webhook by it */
    const char *tenant;
    const char *url;
    long long created;  /* Unix seconds */
};

/*
 * Sets tenant `tenant`'s webhook (which must exist) to `url`: http:// or
 * https://, at most CW_WEBHOOK_URL_MAX bytes of printable ASCII, a host,
 * no user name or password in it (the secret authenticates) and no
 * fragment. A webhook the tenant had is replaced: its deliveries still
 * pending go to the new one. Its id goes to `id`, and a new secret to
 * `secret` once (kept
 * sealed with the key that seals second factors, never in the clear);
 * the change is a ledger entry (webhook.set) naming the webhook's id and
 * the URL's scheme and host only (a path or query may hold a token).
 */
CW_API enum cw_status cw_webhook_set(struct cw_access *a, const char *tenant,
                                     const char *url, const char *actor,
                                     char secret[CW_WEBHOOK_SECRET_TEXT],
                                     char id[CW_TOKEN_ID],
                                     struct cw_diag *d);

/* Removes tenant `tenant`'s webhook (CW_ENOENT when it has none); its
 * deliveries still pending are cancelled. A ledger entry
 * (webhook.remove). */
CW_API enum cw_status cw_webhook_remove(struct cw_access *a,
                                        const char *tenant,
                                        const char *actor,
                                        struct cw_diag *d);

/* Each webhook in use (of `tenant` only, when not NULL), by tenant,
 * until fn returns non-zero; strings valid during the call. */
CW_API enum cw_status cw_webhook_each(struct cw_access *a,
                                      const char *tenant,
                                      int (*fn)(void *arg,
                                                const struct cw_webhook *w),
                                      void *arg, struct cw_diag *d);

/* One delivery handed to a worker. */
struct cw_webhook_delivery {
    const char *id;      /* the outbox row: X-Cloudward-Delivery */
    const char *tenant;
    const char *webhook; /* the webhook's id */
    const char *event;   /* "document.version": X-Cloudward-Event */
    const char *url;
    const char *secret;  /* the secret's text, to sign with */
    const char *body;    /* the JSON to POST, the same at every attempt */
    long long attempts;  /* made before this one */
    long long created;   /* Unix seconds */
};

/*
 * The deliveries due at `now` (Unix milliseconds), at most `max`, oldest
 * due first, each to fn (strings valid during the call; the secret is
 * wiped after it). They are leased first (CW_WEBHOOK_LEASE_MS), in a
 * transaction of their own that has ended when fn is called, so fn may
 * take its time and call cw_webhook_result on the same handle. A secret
 * that does not open (the secrets key missing or another) leaves its
 * row for later and makes the answer CW_EINTEGRITY, after the others.
 * One thread at a time per handle, as every call on it.
 */
CW_API enum cw_status cw_webhook_due(struct cw_access *a, long long now,
                                     long long max,
                                     int (*fn)(void *arg,
                                               const struct cw_webhook_delivery
                                                   *w),
                                     void *arg, struct cw_diag *d);

/* What became of a delivery after an attempt. */
enum cw_webhook_outcome {
    CW_WEBHOOK_DELIVERED, /* a 2xx answer */
    CW_WEBHOOK_RETRY,     /* tried again after a wait */
    CW_WEBHOOK_FAILED     /* given up after CW_WEBHOOK_ATTEMPTS */
};
/* "delivered", "retry", "failed". */
CW_API const char *cw_webhook_outcome_name(enum cw_webhook_outcome o);

/*
 * Records an attempt at delivery `id` at `now` (Unix milliseconds): its
 * HTTP status (0 when there was no answer) and, for a failure, a short
 * reason (`error`, NULL for none; never a URL or a secret: it is shown
 * to the tenant). A 2xx status delivers it; anything else waits
 * cw_webhook_backoff(attempts, base_ms) before the next attempt, or
 * gives it up after CW_WEBHOOK_ATTEMPTS. Every attempt goes to the
 * delivery log; the delivery and the giving up are ledger entries
 * (webhook.delivered, webhook.failed). What became of it goes to
 * *outcome (may be NULL). CW_ENOENT when no delivery `id` is pending.
 */
CW_API enum cw_status cw_webhook_result(struct cw_access *a, const char *id,
                                        long long now, int http_status,
                                        const char *error, long long base_ms,
                                        enum cw_webhook_outcome *outcome,
                                        struct cw_diag *d);

/* The wait in milliseconds after `attempts` failed attempts (1, 2, ...):
 * base_ms (CW_WEBHOOK_BACKOFF_MS when 0 or less) doubled for each
 * attempt after the first, at most CW_WEBHOOK_BACKOFF_CAP_MS; -1 from
 * CW_WEBHOOK_ATTEMPTS on (given up). */
CW_API long long cw_webhook_backoff(long long attempts, long long base_ms);

/* One attempt, as the delivery log keeps it. */
struct cw_webhook_attempt {
    long long id;         /* the log's order: a cursor */
    const char *delivery; /* the outbox row */
    const char *tenant;
    const char *event;
    long long attempt;    /* 1, 2, ... */
    long long at;         /* Unix seconds */
    int http_status;      /* 0: no answer */
    const char *error;    /* NULL: none */
    const char *outcome;  /* "delivered", "retry" or "failed" */
};

/* The delivery log (of `tenant` only, when not NULL), newest first, at
 * most `limit` attempts with an id below `before` (0: from the newest):
 * a cursor. */
CW_API enum cw_status cw_webhook_log(struct cw_access *a, const char *tenant,
                                     long long before, long long limit,
                                     int (*fn)(void *arg,
                                               const struct cw_webhook_attempt
                                                   *t),
                                     void *arg, struct cw_diag *d);

/* The value of X-Cloudward-Signature for `body` sent at Unix time `t`
 * with `secret` (its text, as shown once): "t=T,v1=" and the hex of
 * HMAC-SHA256(secret, "T." body). A receiver computes it the same way
 * and compares in constant time. */
CW_API void cw_webhook_sign(const char *secret, long long t,
                            const char *body,
                            char out[CW_WEBHOOK_SIGNATURE]);

#ifdef __cplusplus
}
#endif
#endif
