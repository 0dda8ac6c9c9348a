/*
 * alerts.c - alerts (cw_alert.h) in the access tables (access.db
 * migration 9, the PostgreSQL store's migration 12; the provider's alone):
 *
 *   alerts(id, akey, kind, severity, subject, control, what, opened,
 *          last_seen, owner, acked, acked_by, resolved, resolved_by,
 *          resolution, mail_state, mail_attempts, mail_next, log_state,
 *          log_attempts, log_next)
 *       one row per alert; at most one unresolved per key (a unique
 *       index over the unresolved rows); a notice's state per channel:
 *       0 due, 1 sent, 2 given up
 *
 * Opening an alert, its ledger entry and its webhook delivery are one
 * transaction: an alert exists with its record and its notice, or not at
 * all.
 */
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include <cloudward/cw_alert.h>

#include "../core/core.h"
#include "../ledger/ledger.h"
#include "access_internal.h"
#include "sql.h"

/* A kept string's longest. */
#define TEXT_MAX 512
/* Notices: attempts, first wait and longest wait (ms). */
#define NOTICE_ATTEMPTS 12
#define NOTICE_BACKOFF_MS 30000LL
#define NOTICE_CAP_MS (6LL * 3600 * 1000)

/* `s` cut to TEXT_MAX bytes at a UTF-8 character boundary, into out. */
static const char *cut(const char *s, char out[TEXT_MAX + 1])
{
    size_t n;
    if (!s)
        return NULL;
    n = strlen(s);
    if (n <= TEXT_MAX)
        return s;
    n = TEXT_MAX;
    while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

static bool severity_ok(const char *s)
{
    static const char *const names[] = { "info", "low", "medium", "high",
                                         "critical", NULL };
    size_t i;
    for (i = 0; s && names[i]; i++)
        if (strcmp(s, names[i]) == 0)
            return true;
    return false;
}

/* The ledger entry's details, {"k":"v",...} from pairs (NULL values
 * left out). */
static enum cw_status details_of(struct cw__buf *b, const char *const *kv,
                                 size_t n)
{
    enum cw_status st = cw__buf_puts(b, "{");
    size_t i, k = 0;
    for (i = 0; !st && i + 1 < n; i += 2) {
        if (!kv[i + 1])
            continue;
        st = cw__buf_printf(b, "%s\"%s\":", k++ ? "," : "", kv[i]);
        if (!st)
            st = cw__json_str(b, kv[i + 1], strlen(kv[i + 1]));
    }
    return st ? st : cw__buf_puts(b, "}");
}

enum cw_status cw_alert_raise(struct cw_access *a,
                              const struct cw_alert_finding *f,
                              long long now, const char *actor,
                              char id[CW_TOKEN_ID], bool *opened,
                              struct cw_diag *d)
{
    char c1[TEXT_MAX + 1], c2[TEXT_MAX + 1], c3[TEXT_MAX + 1],
        c4[TEXT_MAX + 1], c5[TEXT_MAX + 1];
    const char *key = cut(f->key, c1), *subject = cut(f->subject, c2),
               *what = cut(f->what, c3), *control = cut(f->control, c4),
               *kind = cut(f->kind, c5);
    const void *vals[9];
    struct cw__q *q = NULL;
    struct cw__buf details;
    enum cw_status st = CW_OK;
    unsigned char rid[8];
    int rc;

    id[0] = '\0';
    *opened = false;
    if (!key || !*key || !kind || !*kind || !subject || !what ||
        !severity_ok(f->severity))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "an alert has a key, a kind, a severity (info "
                            "to critical), a subject and a sentence");
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    vals[0] = key;
    rc = cw__acc_one(a, "SELECT id FROM alerts WHERE akey = ? AND resolved = 0",
                     "t", vals, &q);
    if (rc == CW__Q_ERROR)
        st = cw__acc_db_error(a, d, "cannot read the alerts");
    else if (rc == CW__Q_ROW) {
        snprintf(id, CW_TOKEN_ID, "%s",
                 cw__col_text(q, 0) ? cw__col_text(q, 0) : "");
        cw__q_finalize(q);
        vals[0] = &now;
        vals[1] = id;
        if (cw__acc_one(a, "UPDATE alerts SET last_seen = ? WHERE id = ?",
                        "it", vals, &q) != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot save the alert");
        return cw__acc_commit(a, st, d);
    }
    randombytes_buf(rid, sizeof(rid));
    sodium_bin2hex(id, CW_TOKEN_ID, rid, sizeof(rid));
    vals[0] = id;
    vals[1] = key;
    vals[2] = kind;
    vals[3] = f->severity;
    vals[4] = subject;
    vals[5] = control;
    vals[6] = what;
    vals[7] = &now;
    vals[8] = &now;
    if (!st && cw__acc_one(a,
                           "INSERT INTO alerts(id, akey, kind, severity, "
                           "subject, control, what, opened, last_seen) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           "tttttttii", vals, &q) != CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot save the alert");
    cw__buf_init(&details, 8192);
    if (!st) {
        const char *kv[] = { "kind", kind, "severity", f->severity,
                             "subject", subject, "control", control,
                             "what", what };
        if (details_of(&details, kv, sizeof(kv) / sizeof(kv[0])))
            st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        else
            st = cw__acc_record(a, "alert.open", id, NULL, details.data,
                                actor, d);
    }
    if (!st)
        st = cw__webhook_enqueue_provider(a, "alert.open", id, subject, now,
                                          d);
    cw__buf_release(&details);
    if ((st = cw__acc_commit(a, st, d)))
        id[0] = '\0';
    else
        *opened = true;
    return st;
}

/* Alert `id`'s resolved time and subject, or CW_ENOENT. */
static enum cw_status find(struct cw_access *a, const char *id,
                           long long *resolved, long long *acked,
                           char subject[TEXT_MAX + 1], struct cw_diag *d)
{
    const void *vals[1] = { id };
    struct cw__q *q = NULL;
    int rc = cw__acc_one(a,
                         "SELECT resolved, acked, subject FROM alerts WHERE "
                         "id = ?",
                         "t", vals, &q);
    if (rc == CW__Q_ERROR)
        return cw__acc_db_error(a, d, "cannot read the alerts");
    if (rc == CW__Q_DONE)
        return cw__diag_set(d, CW_ENOENT, NULL, 0, 0, "no alert %s", id);
    *resolved = cw__col_int64(q, 0);
    *acked = cw__col_int64(q, 1);
    snprintf(subject, TEXT_MAX + 1, "%s",
             cw__col_text(q, 2) ? cw__col_text(q, 2) : "");
    cw__q_finalize(q);
    return CW_OK;
}

/* A change to an unresolved alert: `sql` with (value, now, actor, id)
 * as its statement wants, and its ledger entry. */
static enum cw_status change(struct cw_access *a, const char *id,
                             const char *action, const char *sql,
                             const char *types, const void *const *vals,
                             const char *dkey, const char *dval,
                             const char *actor, bool once,
                             struct cw_diag *d)
{
    char subject[TEXT_MAX + 1];
    long long resolved = 0, acked = 0;
    struct cw__q *q = NULL;
    struct cw__buf details;
    enum cw_status st;

    if (!id || strlen(id) != 16)
        return cw__diag_set(d, CW_ENOENT, NULL, 0, 0, "no alert %s",
                            id ? id : "");
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    st = find(a, id, &resolved, &acked, subject, d);
    if (!st && resolved)
        st = cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                          "alert %s is resolved already", id);
    if (!st && once && acked)
        return cw__acc_commit(a, CW_OK, d); /* nothing new to record */
    if (!st && cw__acc_one(a, sql, types, vals, &q) != CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot save the alert");
    cw__buf_init(&details, 2048);
    if (!st) {
        const char *kv[] = { dkey, dval };
        if (details_of(&details, kv, dkey ? 2 : 0))
            st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        else
            st = cw__acc_record(a, action, id, NULL,
                                dkey ? details.data : NULL, actor, d);
    }
    if (!st && strcmp(action, "alert.resolve") == 0)
        st = cw__webhook_enqueue_provider(a, "alert.resolve", id, subject,
                                          (long long)time(NULL), d);
    cw__buf_release(&details);
    return cw__acc_commit(a, st, d);
}

enum cw_status cw_alert_assign(struct cw_access *a, const char *id,
                               const char *owner, const char *actor,
                               struct cw_diag *d)
{
    const void *vals[2] = { owner, id };
    if (!owner || !cw__acc_plain(owner))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "an owner: 1 to 200 characters, no quotes, "
                            "backslashes or control characters");
    return change(a, id, "alert.assign",
                  "UPDATE alerts SET owner = ? WHERE id = ?", "tt", vals,
                  "owner", owner, actor, false, d);
}

enum cw_status cw_alert_ack(struct cw_access *a, const char *id,
                            const char *actor, struct cw_diag *d)
{
    long long now = (long long)time(NULL);
    const void *vals[3] = { &now, actor, id };
    return change(a, id, "alert.ack",
                  "UPDATE alerts SET acked = ?, acked_by = ? WHERE id = ?",
                  "itt", vals, NULL, NULL, actor, true, d);
}

enum cw_status cw_alert_resolve(struct cw_access *a, const char *id,
                                const char *resolution, const char *actor,
                                struct cw_diag *d)
{
    char c[TEXT_MAX + 1];
    long long now = (long long)time(NULL);
    const char *r = cut(resolution, c);
    const void *vals[4] = { &now, actor, r, id };
    if (!r || !*r)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a resolution says what was done");
    return change(a, id, "alert.resolve",
                  "UPDATE alerts SET resolved = ?, resolved_by = ?, "
                  "resolution = ? WHERE id = ?",
                  "itt" "t", vals, "resolution", r, actor, false, d);
}

#define ALERT_COLUMNS                                                         \
    "SELECT id, akey, kind, severity, subject, control, what, owner, "     \
    "opened, last_seen, acked, resolved, acked_by, resolved_by, "          \
    "resolution FROM alerts "

static int alert_row(struct cw_access *a, struct cw__q *q, void *arg)
{
    struct { int (*fn)(void *, const struct cw_alert *); void *arg; } *e =
        arg;
    struct cw_alert x;
    (void)a;
    x.id = cw__col_text(q, 0);
    x.key = cw__col_text(q, 1);
    x.kind = cw__col_text(q, 2);
    x.severity = cw__col_text(q, 3);
    x.subject = cw__col_text(q, 4);
    x.control = cw__col_text(q, 5);
    x.what = cw__col_text(q, 6);
    x.owner = cw__col_text(q, 7);
    x.opened = cw__col_int64(q, 8);
    x.last_seen = cw__col_int64(q, 9);
    x.acked = cw__col_int64(q, 10);
    x.resolved = cw__col_int64(q, 11);
    x.acked_by = cw__col_text(q, 12);
    x.resolved_by = cw__col_text(q, 13);
    x.resolution = cw__col_text(q, 14);
    x.state = x.resolved ? "resolved" : x.acked ? "acknowledged" : "open";
    if (!x.id || !x.key || !x.kind || !x.severity || !x.subject || !x.what)
        return 0;
    return e->fn(e->arg, &x);
}

enum cw_status cw_alert_each(struct cw_access *a, const char *state,
                             long long limit,
                             int (*fn)(void *arg, const struct cw_alert *x),
                             void *arg, struct cw_diag *d)
{
    struct { int (*fn)(void *, const struct cw_alert *); void *arg; } e = {
        fn, arg
    };
    char sql[512];
    if (state && strcmp(state, "open") != 0 && strcmp(state, "resolved") != 0)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "an alert's state: open or resolved");
    snprintf(sql, sizeof(sql), ALERT_COLUMNS "%s ORDER BY opened DESC, id "
             "LIMIT %lld",
             !state ? ""
             : strcmp(state, "open") == 0 ? "WHERE resolved = 0"
                                          : "WHERE resolved <> 0",
             limit > 0 && limit < 100000 ? limit : 100000);
    return cw__acc_each_row(a, sql, "alerts", alert_row, &e, d);
}

enum cw_status cw_alert_each_open(struct cw_access *a, const char *prefix,
                                  int (*fn)(void *arg,
                                            const struct cw_alert *x),
                                  void *arg, struct cw_diag *d)
{
    struct { int (*fn)(void *, const struct cw_alert *); void *arg; } e = {
        fn, arg
    };
    struct cw__q *q;
    int rc;
    if (!cw__db_prepare(a->db,
                        ALERT_COLUMNS "WHERE resolved = 0 AND "
                                      "substr(akey, 1, ?) = ? ORDER BY id",
                        &q))
        return cw__acc_db_error(a, d, "cannot read the alerts");
    cw__q_int64(q, 1, (int64_t)strlen(prefix));
    cw__q_text(q, 2, prefix);
    while ((rc = cw__q_step(q)) == CW__Q_ROW)
        if (alert_row(a, q, &e))
            break;
    cw__q_finalize(q);
    if (rc == CW__Q_ERROR)
        return cw__acc_db_error(a, d, "cannot read the alerts");
    return CW_OK;
}

static const char *const channel_col[CW_ALERT_CHANNELS] = { "mail", "log" };

enum cw_status cw_alert_due(struct cw_access *a,
                            enum cw_alert_channel channel, long long now,
                            long long max,
                            int (*fn)(void *arg, const struct cw_alert *x),
                            void *arg, struct cw_diag *d)
{
    struct { int (*fn)(void *, const struct cw_alert *); void *arg; } e = {
        fn, arg
    };
    char sql[600];
    if ((unsigned)channel >= CW_ALERT_CHANNELS)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0, "no such channel");
    snprintf(sql, sizeof(sql),
             ALERT_COLUMNS "WHERE %s_state = 0 AND %s_next <= %lld ORDER BY "
                           "opened, id LIMIT %lld",
             channel_col[channel], channel_col[channel], now,
             max > 0 && max < 10000 ? max : 10000);
    return cw__acc_each_row(a, sql, "alerts", alert_row, &e, d);
}

enum cw_status cw_alert_sent(struct cw_access *a, const char *id,
                             enum cw_alert_channel channel, bool ok,
                             long long now, struct cw_diag *d)
{
    char sql[300], get[200];
    const void *vals[3] = { id, NULL, NULL };
    struct cw__q *q = NULL;
    long long attempts = 0, state, next = 0, wait;
    enum cw_status st = CW_OK;
    int rc;

    if ((unsigned)channel >= CW_ALERT_CHANNELS)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0, "no such channel");
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    snprintf(get, sizeof(get), "SELECT %s_attempts FROM alerts WHERE id = ?",
             channel_col[channel]);
    rc = cw__acc_one(a, get, "t", vals, &q);
    if (rc == CW__Q_ERROR)
        st = cw__acc_db_error(a, d, "cannot read the alerts");
    else if (rc == CW__Q_DONE)
        st = cw__diag_set(d, CW_ENOENT, NULL, 0, 0, "no alert %s", id);
    else {
        attempts = cw__col_int64(q, 0) + 1;
        cw__q_finalize(q);
    }
    if (st)
        return cw__acc_commit(a, st, d);
    wait = NOTICE_BACKOFF_MS;
    for (rc = 1; rc < attempts && wait < NOTICE_CAP_MS; rc++)
        wait *= 2;
    state = ok ? 1 : attempts >= NOTICE_ATTEMPTS ? 2 : 0;
    next = now + (wait < NOTICE_CAP_MS ? wait : NOTICE_CAP_MS);
    snprintf(sql, sizeof(sql),
             "UPDATE alerts SET %s_state = %lld, %s_attempts = %lld, "
             "%s_next = %lld WHERE id = ?",
             channel_col[channel], state, channel_col[channel], attempts,
             channel_col[channel], next);
    if (cw__acc_one(a, sql, "t", vals, &q) != CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot save the alert");
    return cw__acc_commit(a, st, d);
}
