/*
 * http.h - what the parts of `cloudward serve` share: a request's state,
 * who is asking, the answers (security headers, RFC 9457 problems, JSON)
 * and each pool thread's handles on the store. Public API only.
 */
#ifndef CW_SERVER_HTTP_H
#define CW_SERVER_HTTP_H

#include <pthread.h>
#include <stdatomic.h>
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
    bool page_problem; /* a page's problem being made into a page */
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

/* This thread's access tables, or NULL with a 503 queued in *ret. */
struct cw_access *access_or_503(struct ctx *x, enum MHD_Result *ret);

/* The state every handler reads. */
struct server {
    char store[4096];
    bool access_log;
    bool tls; /* served over TLS: HSTS */
    char scope[4096]; /* the provider's scope file (--scope); "": none */
};
extern struct server srv;

/* A background thread of the server (worker.c): the webhook worker, the
 * monitor, the matrix watch. */
struct worker {
    pthread_t thread;
    pthread_mutex_t lock; /* also the owner's, for what it shares with
                             the thread */
    pthread_cond_t wake;
    atomic_bool stop;
    bool running;
};
/* Starts fn on a new thread: 0, or the error number. */
int worker_start(struct worker *w, void *(*fn)(void *arg));
/* Tells the thread to stop, wakes it and waits for it. */
void worker_stop(struct worker *w);
bool worker_stopping(struct worker *w);
/* Sleeps `ms` milliseconds, or until told to stop or woken. */
void worker_nap(struct worker *w, long ms);
void worker_wake(struct worker *w);

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
/* A body of `type` built in memstream m (open_memstream(buf, len)):
 * closes it and answers `status`; the buffer is the response's to free. */
enum MHD_Result reply_stream(struct ctx *x, unsigned status,
                             const char *type, FILE *m, char **buf,
                             size_t *len);
/* The same for an answer that shows a secret once (a token, a
 * password, a webhook's key): its buffer is wiped when freed. */
enum MHD_Result reply_json_secret(struct ctx *x, unsigned status, FILE *m,
                                  char **buf, size_t *len);
/* A JSON body built in memstream m (open_memstream(buf, len)): closes
 * it and answers `status`; the buffer is the response's to free. */
enum MHD_Result reply_json(struct ctx *x, unsigned status, FILE *m,
                           char **buf, size_t *len);
/* A listing built in memstream m: 200 with it when st is CW_OK, else
 * the failure (answer_failure), the listing thrown away. */
enum MHD_Result reply_listing(struct ctx *x, enum cw_status st,
                              const struct cw_diag *d, FILE *m, char **buf,
                              size_t *len);
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

/* 303 See Other to `where` (our own path), with a Set-Cookie when given. */
enum MHD_Result redirect(struct ctx *x, const char *where,
                         const char *cookie);
/* A library status as an HTTP answer: CW_ENOENT 404, CW_EINVAL and
 * CW_EPARSE 400, CW_ELIMIT 413, CW_EPERM 403 (recorded), CW_EEXIST 409,
 * else 500 (the message to the server's log, not the caller). */
enum MHD_Result answer_failure(struct ctx *x, enum cw_status st,
                               const struct cw_diag *d);

/* A JSON string, or null for NULL. */
void json_opt(FILE *m, const char *s);

/* The tenant whose view the caller gets: its own for a tenant's role,
 * NULL (everything) for the provider's. */
const char *viewer(const struct ctx *x);

/*
 * A walk over records a tenant owns (users, tokens) that either lists
 * the ones `tenant` owns (NULL: every one) as JSON objects joined by
 * commas, or, with `key`, finds one record and its tenant.
 */
struct owned_walk {
    FILE *m;
    int n;
    const char *tenant;
    const char *key;
    bool found;
    char found_tenant[80];
};
/* One record (`key`, its `tenant`): true when the caller writes it now
 * (a comma already written); *stop set when the walk can end. */
bool owned_step(struct owned_walk *w, const char *key, const char *tenant,
                int *stop);
/* After a find: true when the caller may act on the record; else the
 * answer is queued in *ret (404, recorded as a refusal when the record is
 * another tenant's). */
bool owned_found(struct ctx *x, const struct owned_walk *w, const char *what,
                 enum MHD_Result *ret);

/* The tenant whose users and tokens the caller manages: its own for a
 * customer-admin; NULL for the provider's admin (every one). */
const char *managed_tenant(const struct ctx *x);

/* Records a refusal of an identified caller in the ledger, and answers
 * 403 (or `status`). */
enum MHD_Result refuse(struct ctx *x, unsigned status, const char *detail);

/* Signs in from the request's fields (login, password, code): 201 with
 * the caller filled in and the session's Set-Cookie value in `cookie`,
 * or 400, 401, 403 (another site's page), 429, 500, 503. */
unsigned signin(struct ctx *x, char *cookie, size_t n);
/* A problem as an HTML page, for the pages' routes. */
enum MHD_Result page_problem(struct ctx *x, unsigned status,
                             const char *detail);

/* The pages (pages.c). */
enum MHD_Result h_page_root(struct ctx *x);
enum MHD_Result h_page_signin(struct ctx *x);
enum MHD_Result h_page_signin_post(struct ctx *x);
enum MHD_Result h_page_signout(struct ctx *x);
enum MHD_Result h_page_portal(struct ctx *x);
enum MHD_Result h_page_documents(struct ctx *x);
enum MHD_Result h_page_download(struct ctx *x);
enum MHD_Result h_page_follow(struct ctx *x);
enum MHD_Result h_page_agreement(struct ctx *x);
enum MHD_Result h_page_accept(struct ctx *x);
enum MHD_Result h_page_notices(struct ctx *x);
enum MHD_Result h_page_log(struct ctx *x);
enum MHD_Result h_page_soa(struct ctx *x);
enum MHD_Result h_page_matrix(struct ctx *x);
enum MHD_Result h_page_admin(struct ctx *x);
enum MHD_Result h_page_publish(struct ctx *x);
enum MHD_Result h_page_agreement_put(struct ctx *x);

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
enum MHD_Result h_registers_due(struct ctx *x);
enum MHD_Result h_register_list(struct ctx *x);
enum MHD_Result h_register_put(struct ctx *x);
enum MHD_Result h_register_close(struct ctx *x);
enum MHD_Result h_page_registers(struct ctx *x);
enum MHD_Result h_openapi(struct ctx *x);
enum MHD_Result h_asset(struct ctx *x);

/* The SoA and matrix from the scope (soa_view.c). */
int soa_view_init(void);
void soa_view_free(void);
/* The live SoA (`tenant`: a copy for that customer, whose registers'
 * state it shows alone). The registers are read through this thread's
 * access tables: a download's generator runs inside their transaction,
 * and a second connection would wait for it. */
enum cw_status soa_view_build(const char *prepared_for, int model,
                              const char *tenant,
                              struct cw_soa **out, struct cw_diag *d);
void soa_view_free_soa(struct cw_soa *soa);
/* The provider's score on each of the last `days` days, today last
 * (cw_score_history), for the dashboard's chart. */
enum cw_status score_view_history(int days,
                                  int (*fn)(void *arg,
                                            const struct cw_score_day *day),
                                  void *arg, struct cw_diag *d);
enum cw_status soa_view_render(const struct cw_soa *soa, enum cw_view view,
                               enum cw_format f, unsigned char **data,
                               size_t *len, struct cw_diag *d);
/* A cw_doc_generator; its argument is the downloading struct who. */
enum cw_status soa_view_generate(void *arg, const struct cw_doc *doc,
                      const char *download_id, struct cw_generated *out,
                      struct cw_diag *d);
/* The matrix watch (soa_view.c): a thread publishing the matrix's rows
 * and telling followers of a matrix document when one changes. */
void matrix_watch_start(void);
void matrix_watch_stop(void);
enum MHD_Result h_soa(struct ctx *x);
enum MHD_Result h_score(struct ctx *x);
enum MHD_Result h_evidence_add(struct ctx *x);
enum MHD_Result h_runs(struct ctx *x);
enum MHD_Result h_tenants(struct ctx *x);
enum MHD_Result h_tenant_add(struct ctx *x);
enum MHD_Result h_tokens(struct ctx *x);
enum MHD_Result h_token_create(struct ctx *x);
enum MHD_Result h_token_revoke(struct ctx *x);
enum MHD_Result h_checkpoint(struct ctx *x);
enum MHD_Result h_consistency(struct ctx *x);
enum MHD_Result h_scan_config(struct ctx *x);
void scan_api_free(void);
/* Built-in pack `name`, loaded once and kept until the server stops;
 * NULL when there is none of that name. */
const struct cw_pack *server_pack(const char *name);
/* The agents (agents_api.c) and the fleet page (pages.c). */
enum MHD_Result h_agent_token(struct ctx *x);
enum MHD_Result h_agent_enrol(struct ctx *x);
enum MHD_Result h_agent_push(struct ctx *x);
enum MHD_Result h_agents(struct ctx *x);
enum MHD_Result h_agent_revoke(struct ctx *x);
enum MHD_Result h_page_fleet(struct ctx *x);
/* Alerts and the monitor (alerts_api.c, monitor.c, pages.c). */
enum MHD_Result h_alerts(struct ctx *x);
enum MHD_Result h_alert_change(struct ctx *x);
enum MHD_Result h_monitor(struct ctx *x);
enum MHD_Result h_monitor_run(struct ctx *x);
enum MHD_Result h_page_alerts(struct ctx *x);
enum MHD_Result h_page_alert_change(struct ctx *x);
void alert_json(FILE *m, const struct cw_alert *x);
/* Reads the monitor's file (--monitor); -1 with the error said. */
int monitor_load(const char *path);
bool monitor_loaded(void);
int monitor_start(void);
void monitor_stop(void);
/* Asks schedule `name` to run now; -1: no such schedule. */
int monitor_ask(const char *name);
void monitor_json(FILE *m);

enum MHD_Result h_run(struct ctx *x);
enum MHD_Result h_users(struct ctx *x);
enum MHD_Result h_user_add(struct ctx *x);
/* Adds the user the request's fields name (login, role, tenant) as the
 * caller may: 201 with a new password (and a second factor's URI for the
 * provider's roles) to show once, else the status and why. */
unsigned user_add(struct ctx *x, char pw[24], char otp[CW_OTPAUTH_LEN],
                  const char **why);
enum MHD_Result h_page_people(struct ctx *x);
enum MHD_Result h_page_people_add(struct ctx *x);
enum MHD_Result h_page_tenant_add(struct ctx *x);
enum MHD_Result h_user_disable(struct ctx *x);
enum MHD_Result h_evidence_list(struct ctx *x);
enum MHD_Result h_matrix(struct ctx *x);

/* A tenant's webhook and its delivery log (webhook_api.c). */
enum MHD_Result h_webhook_get(struct ctx *x);
enum MHD_Result h_webhook_put(struct ctx *x);
enum MHD_Result h_webhook_delete(struct ctx *x);
enum MHD_Result h_webhook_deliveries(struct ctx *x);

/* The webhook worker (webhook_worker.c): a thread of its own that posts
 * the outbox's due deliveries. Started once the daemon listens; stopped,
 * and joined, before the process exits. 0, or -1 (said on stderr) when
 * the thread cannot start: the deliveries then wait in the store. */
int webhook_worker_start(void);
/* --webhooks-to-internal: deliveries may go to loopback, private and
 * link-local addresses (tests, and a receiver on the provider's own
 * network); otherwise the worker refuses to connect there. */
extern bool webhook_allow_internal;
void webhook_worker_stop(void);

/* --demo (demo.c): a fresh store from the bundled examples, its folder
 * into `store` and the example scope's path into `scope`; the people's
 * passwords printed on standard output. 0, or -1 (said on stderr). */
int serve_demo(char *store, size_t nstore, char *scope, size_t nscope);

/* Catalog listings rendered at start (api.c). */
int listings_load(void);
void listings_free(void);

#endif
