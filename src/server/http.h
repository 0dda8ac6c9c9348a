/*
 * http.h - what the parts of `cloudward serve` share: a request's state,
 * who is asking, the answers (security headers, RFC 9457 problems, JSON)
 * and each pool thread's handles on the store. Public API only.
 */
#ifndef CW_SERVER_HTTP_H
#define CW_SERVER_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <microhttpd.h>

#include <cloudward/cloudward.h>

/* Who is asking: nobody, an API token or a signed-in user's session. */
enum who_kind { WHO_NONE, WHO_TOKEN, WHO_SESSION };

struct who {
    enum who_kind kind;
    char id[CW_TOKEN_ID + 48]; /* the token's public id, or the user's id */
    char login[80];            /* a session's user: for generated headers */
    char tenant[80];           /* "": the provider's */
    enum cw_grant role;
    char session[CW_SESSION_TEXT]; /* a session's text, for its form token */
};

/* A request's body: none, named values (JSON or a form, 1 MiB) or a
 * file (64 MiB). */
enum body_kind { BODY_NONE, BODY_FIELDS, BODY_FILE };

#define NPARAMS 2
#define PARAM_MAX 128

struct req {
    struct timespec start;
    int route; /* index in the route table; -1: none */
    unsigned status;
    size_t bytes;
    struct who who;
    bool refused;   /* answered at the headers; the body is dropped */
    char *body;
    size_t len, cap, limit;
    bool too_large;
    bool no_challenge; /* a 401 without WWW-Authenticate (sign-in) */
    char allow[64];    /* a 405's Allow header */
    char param[NPARAMS][PARAM_MAX + 1];
};

/* One request being answered. */
struct ctx {
    struct MHD_Connection *c;
    struct req *q;
    const char *method;
    struct cw_fields *f; /* BODY_FIELDS: the values; else NULL */
};

/* The state every handler reads. */
struct server {
    char store[4096];
    bool access_log;
    bool tls; /* served over TLS: HSTS */
};
extern struct server srv;

/* This thread's handles (NULL when the store cannot be opened). */
struct cw_access *access_tables(void);
struct cw_ledger *ledger(void);

/* Answers. `body` is copied when `copy`. An ETag makes it cacheable
 * (private, revalidated). */
enum MHD_Result reply(struct ctx *x, unsigned status, const char *type,
                      const void *body, size_t len, bool copy,
                      const char *etag);
/* An RFC 9457 problem+json: about:blank, the status's title, `detail`
 * (our own words, never what a client sent). */
enum MHD_Result problem(struct ctx *x, unsigned status, const char *detail);
/* A JSON body built in memstream m (open_memstream(buf, len)): closes
 * it and answers `status`; the buffer is the response's to free. */
enum MHD_Result reply_json(struct ctx *x, unsigned status, FILE *m,
                           char **buf, size_t *len);
/* Adds the security headers to a response. */
void secure(struct MHD_Response *r, bool cache);

/* Does an If-None-Match header (NULL: absent) name `etag`? A list, weak
 * tags (W/) and "*" as RFC 9110 says. */
bool etag_match(const char *inm, const char *etag);

/* A query parameter, or NULL. */
const char *query(struct ctx *x, const char *name);
/* A value of the body's fields (never of the query: a password there
 * would reach proxies' logs). */
const char *field(struct ctx *x, const char *name);
/* A decimal query parameter in [0, max]; `def` when absent; -1 when
 * malformed. */
long long query_number(struct ctx *x, const char *name, long long def,
                       long long max);
/* The client's address as text ("-" when unknown). */
void client_address(struct MHD_Connection *c, char *out, size_t n);

/* Records a refusal of an identified caller in the ledger, and answers
 * 403 (or `status`). */
enum MHD_Result refuse(struct ctx *x, unsigned status, const char *detail);

/* The handlers: serve.c's table names them. */
enum MHD_Result h_controls(struct ctx *x);
enum MHD_Result h_log(struct ctx *x);
enum MHD_Result h_session_new(struct ctx *x);
enum MHD_Result h_session_get(struct ctx *x);
enum MHD_Result h_session_end(struct ctx *x);
enum MHD_Result h_documents(struct ctx *x);
enum MHD_Result h_document_put(struct ctx *x);
enum MHD_Result h_document(struct ctx *x);
enum MHD_Result h_download_grant(struct ctx *x);
enum MHD_Result h_download(struct ctx *x);
enum MHD_Result h_subscribe(struct ctx *x);
enum MHD_Result h_unsubscribe(struct ctx *x);
enum MHD_Result h_agreement_put(struct ctx *x);
enum MHD_Result h_agreement(struct ctx *x);
enum MHD_Result h_accept(struct ctx *x);
enum MHD_Result h_notices(struct ctx *x);
enum MHD_Result h_openapi(struct ctx *x);
enum MHD_Result h_asset(struct ctx *x);

/* Catalog listings rendered at start (api.c). */
int listings_load(void);
void listings_free(void);

#endif
