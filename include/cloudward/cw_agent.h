/*
 * cw_agent.h - host agents: a host enrols once with a one-time token and
 * its own Ed25519 key, then scans itself on a timer and pushes each
 * result to the server signed, numbered and tied to the exact pack it
 * ran (docs/agents.md).
 *
 * The server's side keeps the fleet in the store's access tables
 * (STORE/access.db, or the PostgreSQL store's, visible to the provider's
 * connections only): each agent's public key, host name, pack, schedule,
 * the last sequence number accepted and what its last run said. Every
 * change is a ledger entry: agent.token (a token made), agent.enrol,
 * agent.revoke, agent.push (a result accepted: its sequence number, the
 * run it became, the SHA-256 of the bytes the agent signed and the
 * signature itself, so an auditor can check a host's result against the
 * host's key long after).
 *
 * A push is one JSON document (cw_agent_push_write) and a detached
 * Ed25519 signature over CW_AGENT_PUSH_FORMAT "\n" followed by the
 * document's bytes (the label keeps a signature of ours from being
 * valid for anything else the key might sign). The server checks, in
 * this order: the agent is known and not revoked, the signature holds
 * for its key, the document is well formed, its pack is the built-in
 * pack the agent enrolled with and its SHA-256 is that pack's, and its
 * sequence number is above every one accepted before (a replay, or an
 * old result sent again, is refused). Nothing of a push is read before
 * its signature holds.
 */
#ifndef CLOUDWARD_CW_AGENT_H
#define CLOUDWARD_CW_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include <cloudward/cw_access.h>
#include <cloudward/cw_checks.h>
#include <cloudward/cw_core.h>
#include <cloudward/cw_export.h>
#include <cloudward/cw_status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The label a push's signature covers first, and the document's
 * "format". */
#define CW_AGENT_PUSH_FORMAT "cloudward-agent-push/1"
/* Ed25519 sizes: a public key, a secret key (seed and public key, as
 * libsodium keeps it) and a signature. */
#define CW_AGENT_PUBLIC_KEY 32
#define CW_AGENT_SECRET_KEY 64
#define CW_AGENT_SIGNATURE 64
/* Room for a key or signature in base64url without padding, with NUL. */
#define CW_AGENT_PUBLIC_TEXT 44
#define CW_AGENT_SIGNATURE_TEXT 88
/* The largest push the server reads (bytes). */
#define CW_AGENT_PUSH_MAX (8 << 20)
/* A host's name: 1 to this many of [A-Za-z0-9.-]. */
#define CW_AGENT_HOST_MAX 253
/* Schedules an agent may declare, in seconds between runs. */
#define CW_AGENT_INTERVAL_MIN 60
#define CW_AGENT_INTERVAL_MAX (7 * 86400)

/* One agent, as the fleet lists it. Strings valid during the callback. */
struct cw_agent {
    const char *id;         /* 16 hex digits: the key's id */
    const char *host;       /* the name it enrolled as: its runs' target */
    const char *pack;       /* the built-in host pack it runs */
    const char *public_key; /* base64url, 43 characters */
    long long interval;     /* seconds between runs, as enrolled */
    long long enrolled;     /* Unix seconds */
    long long last_seen;    /* its last accepted push; 0: none yet */
    long long seq;          /* the last sequence number accepted; 0 */
    long long run;          /* the run its last push became; 0: none */
    long long pass, fail;   /* that run's passes and failures */
    long long failing;      /* checks failing there that passed (or were
                               absent) in its run before */
    long long fixed;        /* checks passing there that failed before */
    long long revoked;      /* Unix seconds; 0: in service */
};

/* An agent is silent when it has not pushed for this long: twice its
 * interval and five minutes (a run late by a reboot is not an alarm). */
CW_API bool cw_agent_silent(const struct cw_agent *g, long long now);
/* Its state at `now`: "revoked", "silent", "ok" (pushing on time) or
 * "new" (enrolled, nothing pushed yet, not silent yet). */
CW_API const char *cw_agent_state(const struct cw_agent *g, long long now);

/*
 * Makes a one-time enrolment token, valid until `expires` (Unix seconds,
 * in the future, at most 30 days on): "cwe_" ID "_" SECRET, shown once
 * in `token`; only its SHA-256 is kept. A ledger entry (agent.token).
 */
CW_API enum cw_status cw_agent_token_create(struct cw_access *a,
                                            long long expires,
                                            const char *actor,
                                            char token[CW_TOKEN_TEXT],
                                            char id[CW_TOKEN_ID],
                                            struct cw_diag *d);

/*
 * Enrols a host: spends `token` (unknown, spent and expired tokens are
 * one CW_EPERM "not a valid enrolment token", compared in constant time)
 * and registers `public_key` under a new agent id (to `id`) with `host`,
 * `pack` (a built-in host pack's name: the caller checks it exists) and
 * `interval`, at `now`. The token and the agent are written in one
 * transaction: a token enrols one host, whatever runs at once. A ledger
 * entry (agent.enrol) names the host, pack, key and token id.
 */
CW_API enum cw_status cw_agent_enrol(struct cw_access *a, const char *token,
                                     const char *host, const char *pack,
                                     long long interval,
                                     const unsigned char
                                         public_key[CW_AGENT_PUBLIC_KEY],
                                     long long now, char id[CW_TOKEN_ID],
                                     struct cw_diag *d);

/* Revokes agent `id` (CW_ENOENT: none; revoking twice is CW_OK and
 * records nothing new). Its pushes are refused from then on. A ledger
 * entry (agent.revoke). */
CW_API enum cw_status cw_agent_revoke(struct cw_access *a, const char *id,
                                      const char *actor, struct cw_diag *d);

/* Each agent (only `id` when not NULL), by host then id, until fn
 * returns non-zero. */
CW_API enum cw_status cw_agent_each(struct cw_access *a, const char *id,
                                    int (*fn)(void *arg,
                                              const struct cw_agent *g),
                                    void *arg, struct cw_diag *d);

/*
 * The first step of accepting a push: agent `id` is known (CW_ENOENT),
 * in service (CW_EPERM "revoked") and `signature` (base64url) is its
 * key's over the document body[0..len) (CW_EPERM). What the agent
 * enrolled with goes to fn (may be NULL) before the call returns.
 */
CW_API enum cw_status cw_agent_verify(struct cw_access *a, const char *id,
                                      const char *signature,
                                      const char *body, size_t len,
                                      int (*fn)(void *arg,
                                                const struct cw_agent *g),
                                      void *arg, struct cw_diag *d);

/* What a push document says besides its results. */
struct cw_agent_push {
    char agent[CW_TOKEN_ID];
    long long seq;
    char pack[64];
    char pack_sha256[65];
    char started[32]; /* UTC, ISO 8601, as the scan stamped it */
    double seconds;
};

/*
 * Reads a push document (after cw_agent_verify) against `pack`, the
 * built-in pack the agent enrolled with: its fields to *push, and its
 * results to *out as a host run of `target` (the enrolled host name).
 * Unknown members, an unknown check, a verdict that is not one of
 * cw_verdict_name's, a pack or SHA-256 other than `pack`'s, a check
 * given twice or not at all: CW_EPARSE or CW_ESCHEMA with the line and column, in
 * `name` (for messages). Free *out with cw_results_free().
 */
CW_API enum cw_status cw_agent_push_read(const struct cw_pack *pack,
                                         const char *name, const char *body,
                                         size_t len, const char *target,
                                         struct cw_agent_push *push,
                                         struct cw_results **out,
                                         struct cw_diag *d);

/*
 * Takes sequence number `seq` for agent `id`: CW_EEXIST when it is not
 * above the last one taken (a replay, or a result sent again after it
 * was accepted: nothing changes). The number it replaces goes to *prev,
 * for cw_agent_unclaim when the result cannot be saved after all (the
 * agent then sends it again under the same number).
 */
CW_API enum cw_status cw_agent_claim(struct cw_access *a, const char *id,
                                     long long seq, long long *prev,
                                     struct cw_diag *d);
/* Gives `seq` back (to `prev`) unless a later number was taken since. */
CW_API enum cw_status cw_agent_unclaim(struct cw_access *a, const char *id,
                                       long long seq, long long prev,
                                       struct cw_diag *d);

/* What a saved push became, for the fleet and the ledger's agent.push
 * entry, at `at` (Unix seconds: the agent's last_seen). */
struct cw_agent_ran {
    long long seq, run, at;
    long long pass, fail, failing, fixed;
    const char *body_sha256; /* 64 hex digits of the signed bytes */
    const char *signature;   /* base64url, as sent */
    /* The run's results: its scan.host entry (cw_results_record's) is
     * appended with agent.push, one append for both. NULL: agent.push
     * alone. */
    const struct cw_results *results;
};
CW_API enum cw_status cw_agent_ran(struct cw_access *a, const char *id,
                                   const struct cw_agent_ran *r,
                                   struct cw_diag *d);

/* ---- the agent's side ------------------------------------------------- */

/* A new key pair: the public half to `pub`, the secret to `sec`. */
CW_API void cw_agent_keygen(unsigned char pub[CW_AGENT_PUBLIC_KEY],
                            unsigned char sec[CW_AGENT_SECRET_KEY]);

/*
 * The push document of host results `r` for agent `id`, sequence `seq`:
 * to *body (malloc'd, *len bytes, NUL-terminated); CW_EINVAL for config
 * results (agents push host runs).
 */
CW_API enum cw_status cw_agent_push_write(const struct cw_results *r,
                                          const char *id, long long seq,
                                          char **body, size_t *len,
                                          struct cw_diag *d);

/* The signature of body[0..len) with `sec`, as base64url text. */
CW_API void cw_agent_sign(const unsigned char sec[CW_AGENT_SECRET_KEY],
                          const char *body, size_t len,
                          char out[CW_AGENT_SIGNATURE_TEXT]);

/* Key bytes as base64url text and back (false: not a key's text). */
CW_API void cw_agent_key_text(const unsigned char *key, size_t n, char *out,
                              size_t cap);
CW_API bool cw_agent_key_parse(const char *text, unsigned char *key,
                               size_t n);

#ifdef __cplusplus
}
#endif
#endif
