/*
 * agents_api.c - host agents (cw_agent.h) through the API:
 *
 *   POST   /api/v1/agents/tokens        admin: a one-time enrolment token
 *   POST   /api/v1/agents               a host enrols with such a token
 *   POST   /api/v1/agents/{id}/results  an agent pushes a signed result
 *   GET    /api/v1/agents               the fleet (the provider's roles)
 *   DELETE /api/v1/agents/{id}          admin: revokes an agent
 *
 * Enrolment and pushes carry no API token: the one-time token, then the
 * agent's signature, is the credential. A push is judged in this order:
 * its size, the signature (nothing of the body is read before it holds),
 * the document against the pack the agent enrolled with, the sequence
 * number; only then is the run saved (with the ledger's scan.host entry)
 * and the push recorded (agent.push). Each refusal answers what to do,
 * never what another agent's state is: an unknown agent and a signature
 * that does not verify get one answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "http.h"

/* Default and longest life of an enrolment token, in seconds. */
#define TOKEN_TTL (24 * 3600)
#define TOKEN_TTL_MAX (30 * 86400)

enum MHD_Result h_agent_token(struct ctx *x)
{
    const char *ttl_text = field(x, "expires_in");
    char token[CW_TOKEN_TEXT], id[CW_TOKEN_ID], *end = NULL, *buf = NULL;
    long long ttl = TOKEN_TTL, expires;
    enum MHD_Result ret = MHD_NO;
    struct cw_access *a = access_or_503(x, &ret);
    struct cw_diag d;
    enum cw_status st;
    size_t len = 0;
    FILE *m;

    if (!a)
        return ret;
    if (ttl_text && ((ttl = strtoll(ttl_text, &end, 10)) < 60 || *end ||
                     ttl > TOKEN_TTL_MAX))
        return problem(x, 400, "expires_in: seconds, 60 to 2592000 (30 "
                               "days)");
    expires = (long long)time(NULL) + ttl;
    cw_diag_clear(&d);
    if ((st = cw_agent_token_create(a, expires, x->q->who.id, token, id, &d)))
        return answer_failure(x, st, &d);
    if (!(m = open_memstream(&buf, &len))) {
        sodium_memzero(token, sizeof(token));
        return problem(x, 500, "out of memory");
    }
    fprintf(m, "{\"id\":\"%s\",\"token\":\"%s\",\"expires\":%lld}\n", id,
            token, expires);
    sodium_memzero(token, sizeof(token));
    return reply_json_secret(x, 201, m, &buf, &len);
}

enum MHD_Result h_agent_enrol(struct ctx *x)
{
    const char *token = field(x, "token"), *host = field(x, "host"),
               *pack = field(x, "pack"), *key = field(x, "public_key"),
               *every = field(x, "interval");
    unsigned char pub[CW_AGENT_PUBLIC_KEY];
    const struct cw_pack *p;
    char id[CW_TOKEN_ID], *end = NULL, *buf = NULL;
    long long interval = 3600;
    enum MHD_Result ret = MHD_NO;
    struct cw_access *a = access_or_503(x, &ret);
    struct cw_diag d;
    enum cw_status st;
    size_t len = 0;
    FILE *m;

    if (!a)
        return ret;
    if (!token || !host || !pack || !key)
        return problem(x, 400, "an enrolment names token, host, pack and "
                               "public_key (and interval, in seconds)");
    if (every && ((interval = strtoll(every, &end, 10)) < 0 || *end))
        return problem(x, 400, "interval: seconds between runs");
    if (!cw_agent_key_parse(key, pub, sizeof(pub)))
        return problem(x, 400, "public_key: an Ed25519 public key, 32 bytes "
                               "in base64url");
    if (!(p = server_pack(pack)) || strcmp(cw_pack_kind(p), "host") != 0)
        return problem(x, 400, "pack: a built-in host pack (cloudward "
                               "packs list)");
    cw_diag_clear(&d);
    st = cw_agent_enrol(a, token, host, pack, interval, pub,
                        (long long)time(NULL), id, &d);
    if (st == CW_EPERM)
        return problem(x, 403, d.msg);
    if (st == CW_EINVAL)
        return problem(x, 400, d.msg);
    if (st)
        return answer_failure(x, st, &d);
    if (!(m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fprintf(m, "{\"id\":\"%s\",\"host\":", id);
    cw_json_quote(m, host);
    fputs(",\"pack\":", m);
    cw_json_quote(m, pack);
    fprintf(m, ",\"pack_sha256\":\"%s\",\"interval\":%lld}\n",
            cw_pack_digest(p), interval);
    return reply_json(x, 201, m, &buf, &len);
}

/* ---- pushes ------------------------------------------------------------ */

struct enrolled {
    char host[CW_AGENT_HOST_MAX + 1];
    char pack[64];
    long long run;
};

static int got_agent(void *arg, const struct cw_agent *g)
{
    struct enrolled *e = arg;
    snprintf(e->host, sizeof(e->host), "%s", g->host);
    snprintf(e->pack, sizeof(e->pack), "%s", g->pack);
    e->run = g->run;
    return 1;
}

/* Checks newly failing and fixed from the agent's run before. */
struct changes {
    long long failing, fixed;
};

static int count_change(void *arg, enum cw_change c,
                        const struct cw_run_result *before,
                        const struct cw_run_result *after)
{
    struct changes *k = arg;
    (void)before;
    (void)after;
    k->failing += c == CW_CHANGE_FAILING;
    k->fixed += c == CW_CHANGE_FIXED;
    return 0;
}

enum MHD_Result h_agent_push(struct ctx *x)
{
    const char *id = x->q->param[0];
    const char *sig = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND,
                                                  "X-Cloudward-Signature");
    struct enrolled e = { "", "", 0 };
    struct changes k = { 0, 0 };
    struct cw_agent_push push;
    struct cw_agent_ran ran;
    struct cw_results *res = NULL;
    const struct cw_pack *p;
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[65], actor[CW_TOKEN_ID + 160], *buf = NULL;
    enum MHD_Result ret = MHD_NO;
    struct cw_access *a = access_or_503(x, &ret);
    struct cw_diag d;
    enum cw_status st;
    long long prev = 0;
    int64_t run = 0;
    size_t len = 0;
    FILE *m;

    if (!a)
        return ret;
    if (x->q->len > CW_AGENT_PUSH_MAX)
        return problem(x, 413, "a push is at most 8 MiB");
    if (!sig)
        return problem(x, 401, "a push is signed: X-Cloudward-Signature");
    cw_diag_clear(&d);
    st = cw_agent_verify(a, id, sig, x->q->body ? x->q->body : "", x->q->len,
                         got_agent, &e, &d);
    if (st == CW_ENOENT || (st == CW_EPERM && !strstr(d.msg, "revoked")))
        return problem(x, 401, "unknown agent, or a signature that does not "
                               "verify with its key");
    if (st == CW_EPERM)
        return problem(x, 403, "this agent was revoked: enrol the host "
                               "again with a new token");
    if (st)
        return answer_failure(x, st, &d);
    if (!(p = server_pack(e.pack)))
        return problem(x, 500, "the agent's pack cannot be loaded");
    st = cw_agent_push_read(p, "push", x->q->body, x->q->len, e.host, &push,
                            &res, &d);
    if (st == CW_ENOMEM)
        return problem(x, 500, "out of memory");
    if (st) {
        char msg[700];
        cw_diag_format(&d, msg, sizeof(msg));
        return problem(x, 400, msg);
    }
    if (strcmp(push.agent, id) != 0) {
        cw_results_free(res);
        return problem(x, 400, "the push names another agent than its "
                               "address");
    }
    if ((st = cw_agent_claim(a, id, push.seq, &prev, &d))) {
        cw_results_free(res);
        if (st == CW_EEXIST)
            return problem(x, 409, d.msg);
        return answer_failure(x, st, &d);
    }
    snprintf(actor, sizeof(actor), "agent:%s", id);
    if ((st = cw_results_save(res, srv.store, "host", actor, &run, &d))) {
        struct cw_diag d2;
        cw_results_free(res);
        cw_diag_clear(&d2);
        (void)cw_agent_unclaim(a, id, push.seq, prev, &d2);
        return problem(x, 500, "the run cannot be saved: send it again");
    }
    /* the next SoA (the score after this result) need not read it back */
    cw_soa_run_cache_put(srv.store, run, res);
    if (e.run)
        (void)cw_runs_diff(srv.store, e.run, run, count_change, &k, &d);
    crypto_hash_sha256(h, (const unsigned char *)x->q->body, x->q->len);
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    memset(&ran, 0, sizeof(ran));
    ran.seq = push.seq;
    ran.run = run;
    ran.at = (long long)time(NULL);
    ran.pass = (long long)cw_results_tally(res, CW_VERDICT_PASS);
    ran.fail = (long long)cw_results_tally(res, CW_VERDICT_FAIL);
    ran.failing = k.failing;
    ran.fixed = k.fixed;
    ran.body_sha256 = hex;
    ran.signature = sig;
    ran.results = res; /* scan.host goes with agent.push */
    cw_diag_clear(&d);
    st = cw_agent_ran(a, id, &ran, &d);
    cw_results_free(res);
    if (st)
        return answer_failure(x, st, &d);
    if (!(m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fprintf(m,
            "{\"run\":%lld,\"seq\":%lld,\"pass\":%lld,\"fail\":%lld,"
            "\"failing\":%lld,\"fixed\":%lld}\n",
            (long long)run, push.seq, ran.pass, ran.fail, ran.failing,
            ran.fixed);
    return reply_json(x, 201, m, &buf, &len);
}

/* ---- the fleet ---------------------------------------------------------- */

struct listing {
    FILE *m;
    int n;
    long long now;
};

static int agent_row(void *arg, const struct cw_agent *g)
{
    struct listing *l = arg;
    fprintf(l->m, "%s{\"id\":\"%s\",\"host\":", l->n++ ? "," : "", g->id);
    cw_json_quote(l->m, g->host);
    fputs(",\"pack\":", l->m);
    cw_json_quote(l->m, g->pack);
    fprintf(l->m,
            ",\"public_key\":\"%s\",\"interval\":%lld,\"enrolled\":%lld,"
            "\"last_seen\":%lld,\"seq\":%lld,\"run\":%lld,\"pass\":%lld,"
            "\"fail\":%lld,\"failing\":%lld,\"fixed\":%lld,\"revoked\":%lld,"
            "\"state\":\"%s\"}",
            g->public_key, g->interval, g->enrolled, g->last_seen, g->seq,
            g->run, g->pass, g->fail, g->failing, g->fixed, g->revoked,
            cw_agent_state(g, l->now));
    return 0;
}

enum MHD_Result h_agents(struct ctx *x)
{
    enum MHD_Result ret = MHD_NO;
    struct cw_access *a = access_or_503(x, &ret);
    struct listing l = { NULL, 0, (long long)time(NULL) };
    struct cw_diag d;
    enum cw_status st;
    char *buf = NULL;
    size_t len = 0;

    if (!a)
        return ret;
    if (!(l.m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fputs("{\"agents\":[", l.m);
    cw_diag_clear(&d);
    st = cw_agent_each(a, NULL, agent_row, &l, &d);
    fputs("]}\n", l.m);
    return reply_listing(x, st, &d, l.m, &buf, &len);
}

enum MHD_Result h_agent_revoke(struct ctx *x)
{
    enum MHD_Result ret = MHD_NO;
    struct cw_access *a = access_or_503(x, &ret);
    struct cw_diag d;
    enum cw_status st;

    if (!a)
        return ret;
    cw_diag_clear(&d);
    if ((st = cw_agent_revoke(a, x->q->param[0], x->q->who.id, &d)))
        return answer_failure(x, st, &d);
    return reply(x, 204, "application/json", "", 0, false, NULL);
}
