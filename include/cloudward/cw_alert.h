/*
 * cw_alert.h - alerts: drift that needs a person (docs/monitoring.md).
 *
 * `cloudward serve`'s monitor (and `cloudward monitor sweep`) turns each
 * finding of drift at or above a severity, and each silent agent, into
 * an alert, kept in the store's access tables (the provider's alone).
 * An alert is known by its key (what it is about: "check|debian-12 on
 * web-1: ssh-permit-root-login", "agent|ID"): while one with that key is
 * unresolved, the same finding again only refreshes it. Each alert has
 * an owner, an acknowledgement and a resolution, each a ledger entry
 * (alert.open, alert.assign, alert.ack, alert.resolve); a finding that
 * goes away (the check fixed, the evidence renewed, the agent back)
 * resolves its alert as the monitor, saying so.
 *
 * Opening an alert queues, in the same transaction: a delivery to the
 * provider's webhook if it has one (the signed outbox of cw_webhook.h,
 * event alert.open; resolving queues alert.resolve), and an e-mail and a
 * syslog message, which the server's monitor sends (cw_alert_due,
 * cw_alert_sent).
 */
#ifndef CLOUDWARD_CW_ALERT_H
#define CLOUDWARD_CW_ALERT_H

#include <stdbool.h>
#include <stddef.h>

#include <cloudward/cw_access.h>
#include <cloudward/cw_core.h>
#include <cloudward/cw_export.h>
#include <cloudward/cw_status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What an alert is raised from. Strings as kept: at most 512 bytes
 * each (longer ones are cut at a character boundary). */
struct cw_alert_finding {
    const char *key;      /* its identity while unresolved */
    const char *kind;     /* "check-failing", "agent-silent", ... */
    const char *severity; /* "info" ... "critical" */
    const char *subject;
    const char *control;  /* "CATALOG ID", or NULL */
    const char *what;     /* one sentence */
};

struct cw_alert {
    const char *id;       /* 16 hex digits */
    const char *key, *kind, *severity, *subject, *control, *what;
    const char *state;    /* "open", "acknowledged", "resolved" */
    const char *owner;    /* NULL: nobody yet */
    long long opened, last_seen, acked, resolved; /* Unix seconds; 0 */
    const char *acked_by, *resolved_by, *resolution;
};

/*
 * Raises `f` at `now` (Unix seconds): a new open alert (its id to `id`,
 * *opened true), or, when one with its key is unresolved, that one's
 * last sight moved to `now` (*opened false). A new alert is an
 * alert.open ledger entry by `actor` and queues its deliveries.
 */
CW_API enum cw_status cw_alert_raise(struct cw_access *a,
                                     const struct cw_alert_finding *f,
                                     long long now, const char *actor,
                                     char id[CW_TOKEN_ID], bool *opened,
                                     struct cw_diag *d);

/* Gives alert `id` to `owner` (a login or a team's name, plain text of
 * 1 to 200 bytes): alert.assign. CW_ENOENT: no such alert; CW_EINVAL:
 * resolved already. */
CW_API enum cw_status cw_alert_assign(struct cw_access *a, const char *id,
                                      const char *owner, const char *actor,
                                      struct cw_diag *d);
/* Acknowledges alert `id` (someone is on it): alert.ack; twice is
 * CW_OK without a second entry. */
CW_API enum cw_status cw_alert_ack(struct cw_access *a, const char *id,
                                   const char *actor, struct cw_diag *d);
/* Resolves alert `id` with `resolution` (what was done, 1 to 512
 * bytes): alert.resolve, and alert.resolve to the provider's webhook. */
CW_API enum cw_status cw_alert_resolve(struct cw_access *a, const char *id,
                                       const char *resolution,
                                       const char *actor, struct cw_diag *d);

/* Each alert, newest first: `state` "open" (open and acknowledged),
 * "resolved", or NULL (all); at most `limit`. */
CW_API enum cw_status cw_alert_each(struct cw_access *a, const char *state,
                                    long long limit,
                                    int (*fn)(void *arg,
                                              const struct cw_alert *x),
                                    void *arg, struct cw_diag *d);

/* The unresolved alerts whose key starts with `prefix` ("check|", or ""
 * for all), for a sweep to resolve those whose finding is gone. */
CW_API enum cw_status cw_alert_each_open(struct cw_access *a,
                                         const char *prefix,
                                         int (*fn)(void *arg,
                                                   const struct cw_alert *x),
                                         void *arg, struct cw_diag *d);

/* Where a notice of a new alert goes besides the portal and webhooks. */
enum cw_alert_channel { CW_ALERT_MAIL, CW_ALERT_SYSLOG, CW_ALERT_CHANNELS };

/*
 * The alerts whose notice on `channel` is due at `now` (Unix
 * milliseconds): new ones, and failed ones whose wait is over (doubling
 * from 30 s to 6 hours, given up after 12 attempts), at most `max`,
 * oldest first. Strings valid during fn.
 */
CW_API enum cw_status cw_alert_due(struct cw_access *a,
                                   enum cw_alert_channel channel,
                                   long long now, long long max,
                                   int (*fn)(void *arg,
                                             const struct cw_alert *x),
                                   void *arg, struct cw_diag *d);
/* Records an attempt at alert `id`'s notice on `channel`: sent, or not
 * (then tried again later). */
CW_API enum cw_status cw_alert_sent(struct cw_access *a, const char *id,
                                    enum cw_alert_channel channel, bool ok,
                                    long long now, struct cw_diag *d);

#ifdef __cplusplus
}
#endif
#endif
