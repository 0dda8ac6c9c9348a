/*
 * agents.c - the fleet of host agents (cw_agent.h) in the access tables
 * (access.db migration 8, the PostgreSQL store's migration 11, where only
 * the provider's connections see them):
 *
 *   agent_tokens(id, hash, created, expires, spent, agent_id)
 *       one-time enrolment tokens; only the SHA-256 of the text is kept
 *   agents(id, host, pack, public_key, every_s, enrolled, token_id,
 *          last_seen, seq, last_run, n_pass, n_fail, failing, fixed,
 *          revoked)
 *       one row per enrolled key; `seq` is the last sequence number
 *       taken, so a push is accepted once
 *
 * Enrolment spends the token and inserts the agent in one write
 * transaction, after an UPDATE that spends the token only while it is
 * unspent: two hosts racing with one token get one agent and one refusal.
 * Taking a sequence number is likewise one conditional UPDATE.
 */
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include <cloudward/cw_agent.h>
#include <cloudward/cw_ledger.h>

#include "../core/core.h"
#include "access_internal.h"
#include "runs.h"
#include "sql.h"

#define TOKEN_PREFIX "cwe_"
/* How far ahead an enrolment token may expire. */
#define TOKEN_TTL_MAX (30LL * 86400)

bool cw_agent_silent(const struct cw_agent *g, long long now)
{
    long long since = g->last_seen ? g->last_seen : g->enrolled;
    return !g->revoked && now - since > 2 * g->interval + 300;
}

const char *cw_agent_state(const struct cw_agent *g, long long now)
{
    if (g->revoked)
        return "revoked";
    if (cw_agent_silent(g, now))
        return "silent";
    return g->last_seen ? "ok" : "new";
}

/* ---- keys and signatures -------------------------------------------------- */

void cw_agent_keygen(unsigned char pub[CW_AGENT_PUBLIC_KEY],
                     unsigned char sec[CW_AGENT_SECRET_KEY])
{
    if (sodium_init() < 0)
        abort(); /* no randomness: nothing safe to do */
    crypto_sign_keypair(pub, sec);
}

void cw_agent_key_text(const unsigned char *key, size_t n, char *out,
                       size_t cap)
{
    sodium_bin2base64(out, cap, key, n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool cw_agent_key_parse(const char *text, unsigned char *key, size_t n)
{
    size_t got = 0;
    const char *end = NULL;
    if (!text || sodium_base642bin(key, n, text, strlen(text), NULL, &got,
                                   &end,
                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING) !=
                     0 ||
        got != n || !end || *end)
        return false;
    return true;
}

/* The bytes a push's signature covers: the label, a newline, the body.
 * Signed as a stream (Ed25519ph would change the algorithm): the label
 * and body are joined in one buffer. */
static unsigned char *signed_bytes(const char *body, size_t len, size_t *n)
{
    static const char label[] = CW_AGENT_PUSH_FORMAT "\n";
    unsigned char *m = cw__malloc(sizeof(label) - 1 + len + 1);
    if (!m)
        return NULL;
    memcpy(m, label, sizeof(label) - 1);
    if (len)
        memcpy(m + sizeof(label) - 1, body, len);
    *n = sizeof(label) - 1 + len;
    return m;
}

void cw_agent_sign(const unsigned char sec[CW_AGENT_SECRET_KEY],
                   const char *body, size_t len,
                   char out[CW_AGENT_SIGNATURE_TEXT])
{
    unsigned char sig[CW_AGENT_SIGNATURE];
    size_t n = 0;
    unsigned char *m = signed_bytes(body, len, &n);
    out[0] = '\0';
    if (!m)
        return;
    crypto_sign_detached(sig, NULL, m, n, sec);
    cw__free(m);
    cw_agent_key_text(sig, sizeof(sig), out, CW_AGENT_SIGNATURE_TEXT);
}

/* ---- enrolment tokens ----------------------------------------------------- */

enum cw_status cw_agent_token_create(struct cw_access *a, long long expires,
                                     const char *actor,
                                     char token[CW_TOKEN_TEXT],
                                     char id[CW_TOKEN_ID], struct cw_diag *d)
{
    char hash[65], details[96];
    long long now = (long long)time(NULL);
    const void *vals[4] = { id, hash, &now, &expires };
    struct cw__q *q = NULL;
    enum cw_status st = CW_OK;

    token[0] = id[0] = '\0';
    if (expires <= now || expires > now + TOKEN_TTL_MAX)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "an enrolment token expires in the future, "
                            "within 30 days");
    cw__acc_secret(TOKEN_PREFIX, token, CW_TOKEN_TEXT, id);
    cw__acc_hash(token, hash);
    if (!cw__db_begin_write(a->db, ACCESS_LOCK)) {
        sodium_memzero(token, CW_TOKEN_TEXT);
        token[0] = id[0] = '\0';
        return cw__acc_db_error(a, d, "cannot save");
    }
    if (cw__acc_one(a,
                    "INSERT INTO agent_tokens(id, hash, created, expires) "
                    "VALUES (?, ?, ?, ?)",
                    "ttii", vals, &q) != CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot save the token");
    if (!st) {
        snprintf(details, sizeof(details), "{\"expires\":%lld}", expires);
        st = cw__acc_record(a, "agent.token", id, NULL, details, actor, d);
    }
    if ((st = cw__acc_commit(a, st, d))) {
        sodium_memzero(token, CW_TOKEN_TEXT);
        token[0] = id[0] = '\0';
    }
    return st;
}

/* A host name: 1 to CW_AGENT_HOST_MAX of letters, digits, '.', '-', not
 * starting with either. */
static bool host_ok(const char *h)
{
    size_t n = h ? strlen(h) : 0;
    return n >= 1 && n <= CW_AGENT_HOST_MAX &&
           strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789.-") == n &&
           h[0] != '.' && h[0] != '-';
}

/* Spends enrolment token `text` at `now` for agent `agent`: true when it
 * was unspent and unexpired. Inside the caller's write transaction. */
static enum cw_status spend(struct cw_access *a, const char *text,
                            long long now, const char *agent,
                            char token_id[CW_TOKEN_ID], struct cw_diag *d)
{
    static const char nothing[65] =
        "0000000000000000000000000000000000000000000000000000000000000000";
    char hash[65], stored[65];
    const void *vals[3] = { token_id, NULL, NULL };
    struct cw__q *q = NULL;
    long long expires = 0, spent = 1;
    bool ok;
    int rc;

    /* The same work whatever is wrong: no answer tells a spent token
     * from an unknown one. */
    if (!cw__acc_secret_id(TOKEN_PREFIX, text, token_id)) {
        snprintf(token_id, CW_TOKEN_ID, "%s", "0000000000000000");
        text = "";
    }
    cw__acc_hash(text, hash);
    memcpy(stored, nothing, sizeof(stored));
    rc = cw__acc_one(a,
                     "SELECT hash, expires, spent FROM agent_tokens WHERE "
                     "id = ?",
                     "t", vals, &q);
    if (rc == CW__Q_ERROR)
        return cw__acc_db_error(a, d, "cannot read the enrolment tokens");
    if (rc == CW__Q_ROW) {
        const char *h = cw__col_text(q, 0);
        if (h && strlen(h) == 64)
            memcpy(stored, h, 65);
        expires = cw__col_int64(q, 1);
        spent = cw__col_int64(q, 2);
        cw__q_finalize(q);
    }
    ok = sodium_memcmp(hash, stored, 64) == 0 &&
         memcmp(stored, nothing, 64) != 0 && !spent && expires > now;
    if (!ok)
        return cw__diag_set(d, CW_EPERM, NULL, 0, 0,
                            "not a valid enrolment token (unknown, used or "
                            "expired: ask for a new one)");
    vals[0] = &now;
    vals[1] = agent;
    vals[2] = token_id;
    if (cw__acc_one(a,
                    "UPDATE agent_tokens SET spent = ?, agent_id = ? WHERE "
                    "id = ? AND spent = 0",
                    "itt", vals, &q) != CW__Q_DONE)
        return cw__acc_db_error(a, d, "cannot spend the token");
    return CW_OK;
}

enum cw_status cw_agent_enrol(struct cw_access *a, const char *token,
                              const char *host, const char *pack,
                              long long interval,
                              const unsigned char
                                  public_key[CW_AGENT_PUBLIC_KEY],
                              long long now, char id[CW_TOKEN_ID],
                              struct cw_diag *d)
{
    char key[CW_AGENT_PUBLIC_TEXT], token_id[CW_TOKEN_ID];
    unsigned char rid[8];
    const void *vals[7] = { id, host, pack, key, &interval, &now, token_id };
    struct cw__q *q = NULL;
    struct cw__buf details;
    enum cw_status st;

    id[0] = '\0';
    if (!host_ok(host))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a host name: 1 to %d of letters, digits, '.' "
                            "and '-'",
                            CW_AGENT_HOST_MAX);
    if (!pack || !cw__acc_id_ok(pack))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a built-in host pack's name");
    if (interval < CW_AGENT_INTERVAL_MIN || interval > CW_AGENT_INTERVAL_MAX)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "an agent runs every %d s to %d s",
                            CW_AGENT_INTERVAL_MIN, CW_AGENT_INTERVAL_MAX);
    randombytes_buf(rid, sizeof(rid));
    sodium_bin2hex(id, CW_TOKEN_ID, rid, sizeof(rid));
    cw_agent_key_text(public_key, CW_AGENT_PUBLIC_KEY, key, sizeof(key));
    if (!cw__db_begin_write(a->db, ACCESS_LOCK)) {
        id[0] = '\0';
        return cw__acc_db_error(a, d, "cannot save");
    }
    st = spend(a, token, now, id, token_id, d);
    if (!st && cw__acc_one(a,
                           "INSERT INTO agents(id, host, pack, public_key, "
                           "every_s, enrolled, token_id) VALUES (?, ?, ?, ?, "
                           "?, ?, ?)",
                           "ttttiit", vals, &q) != CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot save the agent");
    cw__buf_init(&details, 1024);
    if (!st) {
        if (cw__buf_printf(&details,
                           "{\"host\":\"%s\",\"pack\":\"%s\",\"key\":\"%s\","
                           "\"interval\":%lld,\"token\":\"%s\"}",
                           host, pack, key, interval, token_id))
            st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        else
            st = cw__acc_record(a, "agent.enrol", id, NULL, details.data,
                                "agent-enrolment", d);
    }
    cw__buf_release(&details);
    if ((st = cw__acc_commit(a, st, d)))
        id[0] = '\0';
    return st;
}

enum cw_status cw_agent_revoke(struct cw_access *a, const char *id,
                               const char *actor, struct cw_diag *d)
{
    long long now = (long long)time(NULL);
    const void *vals[2] = { id, NULL };
    struct cw__q *q = NULL;
    enum cw_status st = CW_OK;
    long long revoked = 0;
    int rc;

    if (!id || strlen(id) != 16)
        return cw__diag_set(d, CW_ENOENT, NULL, 0, 0, "no agent %s",
                            id ? id : "");
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    rc = cw__acc_one(a, "SELECT revoked FROM agents WHERE id = ?", "t", vals,
                     &q);
    if (rc == CW__Q_ERROR)
        st = cw__acc_db_error(a, d, "cannot read the agents");
    else if (rc == CW__Q_DONE)
        st = cw__diag_set(d, CW_ENOENT, NULL, 0, 0, "no agent %s", id);
    else {
        revoked = cw__col_int64(q, 0);
        cw__q_finalize(q);
    }
    if (!st && !revoked) {
        vals[0] = &now;
        vals[1] = id;
        if (cw__acc_one(a, "UPDATE agents SET revoked = ? WHERE id = ?",
                        "it", vals, &q) != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot revoke the agent");
        else
            st = cw__acc_record(a, "agent.revoke", id, NULL, NULL, actor, d);
    }
    return cw__acc_commit(a, st, d);
}

#define AGENT_COLUMNS                                                         \
    "SELECT id, host, pack, public_key, every_s, enrolled, last_seen, seq, " \
    "last_run, n_pass, n_fail, failing, fixed, revoked FROM agents "

static void agent_of(struct cw__q *q, struct cw_agent *g)
{
    g->id = cw__col_text(q, 0);
    g->host = cw__col_text(q, 1);
    g->pack = cw__col_text(q, 2);
    g->public_key = cw__col_text(q, 3);
    g->interval = cw__col_int64(q, 4);
    g->enrolled = cw__col_int64(q, 5);
    g->last_seen = cw__col_int64(q, 6);
    g->seq = cw__col_int64(q, 7);
    g->run = cw__col_int64(q, 8);
    g->pass = cw__col_int64(q, 9);
    g->fail = cw__col_int64(q, 10);
    g->failing = cw__col_int64(q, 11);
    g->fixed = cw__col_int64(q, 12);
    g->revoked = cw__col_int64(q, 13);
}

enum cw_status cw_agent_each(struct cw_access *a, const char *id,
                             int (*fn)(void *arg, const struct cw_agent *g),
                             void *arg, struct cw_diag *d)
{
    struct cw__q *q;
    int rc;
    if (!cw__db_prepare(a->db,
                        id ? AGENT_COLUMNS "WHERE id = ?"
                           : AGENT_COLUMNS "ORDER BY host, id",
                        &q))
        return cw__acc_db_error(a, d, "cannot read the agents");
    if (id)
        cw__q_text(q, 1, id);
    while ((rc = cw__q_step(q)) == CW__Q_ROW) {
        struct cw_agent g;
        agent_of(q, &g);
        if (g.id && g.host && g.pack && g.public_key && fn(arg, &g))
            break;
    }
    cw__q_finalize(q);
    if (rc == CW__Q_ERROR)
        return cw__acc_db_error(a, d, "cannot read the agents");
    return CW_OK;
}

/* ---- pushes ------------------------------------------------------------- */

enum cw_status cw_agent_verify(struct cw_access *a, const char *id,
                               const char *signature, const char *body,
                               size_t len,
                               int (*fn)(void *arg, const struct cw_agent *g),
                               void *arg, struct cw_diag *d)
{
    unsigned char pub[CW_AGENT_PUBLIC_KEY], sig[CW_AGENT_SIGNATURE], *m;
    const void *vals[1] = { id };
    struct cw__q *q = NULL;
    struct cw_agent g;
    enum cw_status st = CW_OK;
    size_t n = 0;
    int rc;

    if (!id || strlen(id) != 16 ||
        strspn(id, "0123456789abcdef") != 16)
        return cw__diag_set(d, CW_ENOENT, NULL, 0, 0, "no such agent");
    rc = cw__acc_one(a, AGENT_COLUMNS "WHERE id = ?", "t", vals, &q);
    if (rc == CW__Q_ERROR)
        return cw__acc_db_error(a, d, "cannot read the agents");
    if (rc == CW__Q_DONE)
        return cw__diag_set(d, CW_ENOENT, NULL, 0, 0, "no such agent");
    agent_of(q, &g);
    /* The signature first: whether an agent was revoked is told only
     * to the holder of its key. */
    if (!cw_agent_key_parse(g.public_key, pub, sizeof(pub)))
        st = cw__diag_set(d, CW_EINTEGRITY, NULL, 0, 0,
                          "agent %s's stored key is damaged", id);
    else if (!cw_agent_key_parse(signature, sig, sizeof(sig)))
        st = cw__diag_set(d, CW_EPERM, NULL, 0, 0,
                          "the signature is not an Ed25519 signature in "
                          "base64url");
    else if (!(m = signed_bytes(body, len, &n)))
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    else {
        if (crypto_sign_verify_detached(sig, m, n, pub) != 0)
            st = cw__diag_set(d, CW_EPERM, NULL, 0, 0,
                              "the signature does not verify with agent "
                              "%s's key",
                              id);
        cw__free(m);
    }
    if (!st && g.revoked)
        st = cw__diag_set(d, CW_EPERM, NULL, 0, 0,
                          "agent %s was revoked: enrol the host again", id);
    if (!st && fn)
        fn(arg, &g);
    cw__q_finalize(q);
    return st;
}

enum cw_status cw_agent_claim(struct cw_access *a, const char *id,
                              long long seq, long long *prev,
                              struct cw_diag *d)
{
    const void *vals[4] = { id, NULL, NULL, NULL };
    struct cw__q *q = NULL;
    long long last = 0;
    int rc, tries;

    *prev = 0;
    if (seq < 1)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a sequence number counts from 1");
    /* One conditional UPDATE on the agent's row, without the access
     * tables' write lock: pushes of different agents do not queue on
     * each other, and of two racing with one number, one wins. The
     * number read first is given back by cw_agent_unclaim. */
    for (tries = 0; tries < 8; tries++) {
        vals[0] = id;
        rc = cw__acc_one(a,
                         "SELECT seq FROM agents WHERE id = ? AND revoked = 0",
                         "t", vals, &q);
        if (rc == CW__Q_ERROR)
            return cw__acc_db_error(a, d, "cannot read the agents");
        if (rc == CW__Q_DONE)
            return cw__diag_set(d, CW_ENOENT, NULL, 0, 0, "no such agent");
        last = cw__col_int64(q, 0);
        cw__q_finalize(q);
        if (seq <= last)
            return cw__diag_set(d, CW_EEXIST, NULL, 0, 0,
                                "sequence number %lld was taken already "
                                "(the last accepted is %lld): a replay, or "
                                "a result accepted before",
                                seq, last);
        vals[0] = &seq;
        vals[1] = id;
        vals[2] = &last;
        rc = cw__acc_one(a,
                         "UPDATE agents SET seq = ? WHERE id = ? AND seq = ? "
                         "AND revoked = 0 RETURNING seq",
                         "iti", vals, &q);
        if (rc == CW__Q_ERROR)
            return cw__acc_db_error(a, d, "cannot save the agent");
        if (rc == CW__Q_ROW) {
            cw__q_finalize(q);
            *prev = last;
            return CW_OK;
        }
        /* another push of this agent moved it first: look again */
    }
    return cw__diag_set(d, CW_EEXIST, NULL, 0, 0,
                        "agent %s's sequence number keeps moving: try again",
                        id);
}

enum cw_status cw_agent_unclaim(struct cw_access *a, const char *id,
                                long long seq, long long prev,
                                struct cw_diag *d)
{
    const void *vals[3] = { &prev, id, &seq };
    struct cw__q *q = NULL;
    if (cw__acc_one(a, "UPDATE agents SET seq = ? WHERE id = ? AND seq = ?",
                    "iti", vals, &q) != CW__Q_DONE)
        return cw__acc_db_error(a, d, "cannot save the agent");
    return CW_OK;
}

enum cw_status cw_agent_ran(struct cw_access *a, const char *id,
                            const struct cw_agent_ran *r, struct cw_diag *d)
{
    const void *vals[8] = { &r->at, &r->run, &r->pass, &r->fail,
                            &r->failing, &r->fixed, id, &r->seq };
    struct cw_log_event ev[2];
    struct cw_ledger *l = NULL;
    struct cw__q *q = NULL;
    char action[32], scan[400], details[512], actor[40];
    enum cw_status st;
    size_t n = 0;

    if (!r->body_sha256 || strlen(r->body_sha256) != 64 || !r->signature ||
        !cw__acc_plain(r->signature) || strlen(id) != 16)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a push's SHA-256 and signature");
    snprintf(actor, sizeof(actor), "agent:%s", id);
    /* The run's record and the push's, in one append: the ledger holds
     * both or neither. The fleet's figures follow (one row, its own
     * lock): derived data, which the next push sets again. */
    if (r->results)
        cw__results_event(r->results, "host", r->run, actor, &ev[n++], action,
                          scan);
    snprintf(details, sizeof(details),
             "{\"seq\":%lld,\"run\":%lld,\"sha256\":\"%s\","
             "\"signature\":\"%s\",\"pass\":%lld,\"fail\":%lld}",
             r->seq, r->run, r->body_sha256, r->signature, r->pass, r->fail);
    memset(&ev[n], 0, sizeof(ev[n]));
    ev[n].actor = actor;
    ev[n].action = "agent.push";
    ev[n].target = id;
    ev[n].details_json = details;
    ev[n].file = "(access)";
    n++;
    if (!(st = cw_ledger_open(a->store, &l, d)))
        st = cw_ledger_append(l, ev, n, NULL, NULL, d);
    cw_ledger_close(l);
    if (st)
        return st;
    /* Only while the number is still the agent's last: a later push that
     * overtook this one keeps its own figures. */
    if (cw__acc_one(a,
                    "UPDATE agents SET last_seen = ?, last_run = ?, n_pass = "
                    "?, n_fail = ?, failing = ?, fixed = ? WHERE id = ? AND "
                    "seq = ?",
                    "iiiiiiti", vals, &q) != CW__Q_DONE)
        return cw__acc_db_error(a, d, "cannot save the agent");
    return CW_OK;
}
