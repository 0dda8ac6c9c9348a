/*
 * serve.c - `cloudward serve`: the HTTP server (libmicrohttpd), a client
 * of the public API like the CLI: nothing here includes a private header.
 *
 * Threads: libmicrohttpd's pool (epoll, one thread per core by default)
 * runs the handlers; the main thread waits for signals; one more thread
 * delivers the webhook outbox (webhook_worker.c). A handler uses
 * its thread's own handle on the store's access tables (a SQLite or libpq
 * connection is one thread's). Catalog listings are rendered once at
 * start, by the same code as `cloudward controls list --format json`,
 * and served from memory.
 *
 * Limits (docs/server.md): an idle or slow connection is closed after
 * --timeout seconds (no slowloris), a request's headers fit a 32 KiB
 * memory budget per connection (431 beyond it; libmicrohttpd clears the
 * budget for every request, so a larger one costs every request), a body
 * is refused past 1 MiB (413), and the number of connections is capped. SIGTERM and SIGINT stop accepting,
 * let the requests in flight finish (up to --drain seconds) and exit;
 * /readyz answers 503 meanwhile.
 *
 * Every response carries the security headers; API errors are RFC 9457
 * problem+json. Each request is one JSON line on stderr (time, client,
 * method, path without its query, status, bytes, milliseconds, the
 * token's public id): never a token, a cookie or a query string.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include <cloudward/cloudward.h>

#include "serve.h"

#include "http.h"

struct server srv;

/* ---- routes ------------------------------------------------------------------ */

/* What a route needs: nothing (public), or a caller whose role is in
 * `roles`; NEED_PERSON: a signed-in user, not a token. */
#define G(r) (1u << (r))
#define PROVIDER                                                              \
    (G(CW_GRANT_ADMIN) | G(CW_GRANT_COMPLIANCE) | G(CW_GRANT_ENGINEER) |     \
     G(CW_GRANT_AUDITOR))
#define TENANT (G(CW_GRANT_CUSTOMER_ADMIN) | G(CW_GRANT_CUSTOMER))
#define ANYONE (PROVIDER | TENANT)
#define EDITORS (G(CW_GRANT_ADMIN) | G(CW_GRANT_COMPLIANCE))
#define NEED_PERSON (1u << 16)
/* A web page: without a session, to the sign-in page; problems as HTML. */
#define PAGE (1u << 17)
/* The form token is in a multipart body: the handler checks it. */
#define CSRF_LATE (1u << 18)
#define PERSON_PAGE (ANYONE | NEED_PERSON | PAGE)

struct route {
    const char *method;
    const char *path; /* "{}" stands for one segment, a parameter */
    unsigned need;    /* 0: public */
    enum body_kind body;
    enum MHD_Result (*fn)(struct ctx *x);
    const char *rule; /* for --routes and the authorization matrix */
};

static enum MHD_Result h_healthz(struct ctx *x);
static enum MHD_Result h_readyz(struct ctx *x);
static enum MHD_Result h_metrics(struct ctx *x);

static const struct route routes[] = {
    { "GET", "/", PAGE, BODY_NONE, h_page_root,
      "public (to the sign-in page or the dashboard)" },
    { "GET", "/signin", PAGE, BODY_NONE, h_page_signin, "public" },
    { "POST", "/signin", PAGE, BODY_FIELDS, h_page_signin_post,
      "public (sign-in)" },
    { "POST", "/signout", PERSON_PAGE, BODY_FIELDS, h_page_signout,
      "a signed-in user" },
    { "GET", "/portal", PERSON_PAGE, BODY_NONE, h_page_portal,
      "a signed-in user; what they may see" },
    { "GET", "/documents", PERSON_PAGE, BODY_NONE, h_page_documents,
      "a signed-in user; what they may see" },
    { "POST", "/documents/{}/download", PERSON_PAGE, BODY_FIELDS,
      h_page_download,
      "a signed-in user; what they may see, gated after the agreement" },
    { "POST", "/documents/{}/subscription", PERSON_PAGE, BODY_FIELDS,
      h_page_follow, "a signed-in user; what they may see" },
    { "GET", "/agreements/{}", PERSON_PAGE, BODY_NONE, h_page_agreement,
      "a signed-in user" },
    { "POST", "/agreements/{}/accept", TENANT | NEED_PERSON | PAGE,
      BODY_FIELDS, h_page_accept, "a tenant's signed-in user" },
    { "GET", "/notices", PERSON_PAGE, BODY_NONE, h_page_notices,
      "a signed-in user; their own" },
    { "GET", "/log", PERSON_PAGE, BODY_NONE, h_page_log,
      "a signed-in user; a tenant's own entries" },
    { "GET", "/soa", PROVIDER | NEED_PERSON | PAGE, BODY_NONE, h_page_soa,
      "the provider's signed-in users" },
    { "GET", "/registers", PERSON_PAGE, BODY_NONE, h_page_registers,
      "anyone signed in; a tenant's people see their own" },
    { "GET", "/matrix", PERSON_PAGE, BODY_NONE, h_page_matrix,
      "a signed-in user" },
    { "GET", "/fleet", PROVIDER | NEED_PERSON | PAGE, BODY_NONE,
      h_page_fleet, "the provider's signed-in users" },
    { "GET", "/alerts", PROVIDER | NEED_PERSON | PAGE, BODY_NONE,
      h_page_alerts, "the provider's signed-in users" },
    { "POST", "/alerts/{}",
      G(CW_GRANT_ADMIN) | G(CW_GRANT_COMPLIANCE) | G(CW_GRANT_ENGINEER) |
          NEED_PERSON | PAGE,
      BODY_FIELDS, h_page_alert_change,
      "admin, compliance, engineer (signed in)" },
    { "GET", "/admin", EDITORS | NEED_PERSON | PAGE, BODY_NONE, h_page_admin,
      "admin, compliance (signed in)" },
    { "POST", "/admin/documents", EDITORS | NEED_PERSON | PAGE | CSRF_LATE,
      BODY_FILE, h_page_publish, "admin, compliance (signed in)" },
    { "POST", "/admin/agreements", EDITORS | NEED_PERSON | PAGE, BODY_FIELDS,
      h_page_agreement_put, "admin, compliance (signed in)" },
    { "POST", "/admin/tenants", G(CW_GRANT_ADMIN) | NEED_PERSON | PAGE,
      BODY_FIELDS, h_page_tenant_add, "admin (signed in)" },
    { "GET", "/people",
      G(CW_GRANT_ADMIN) | G(CW_GRANT_CUSTOMER_ADMIN) | NEED_PERSON | PAGE,
      BODY_NONE, h_page_people,
      "admin; a tenant's customer-admin, its own (signed in)" },
    { "POST", "/people",
      G(CW_GRANT_ADMIN) | G(CW_GRANT_CUSTOMER_ADMIN) | NEED_PERSON | PAGE,
      BODY_FIELDS, h_page_people_add,
      "admin; a tenant's customer-admin, its own (signed in)" },
    { "GET", "/healthz", 0, BODY_NONE, h_healthz, "public" },
    { "GET", "/readyz", 0, BODY_NONE, h_readyz, "public" },
    { "GET", "/metrics", 0, BODY_NONE, h_metrics, "public" },
    { "GET", "/api/v1/openapi.json", 0, BODY_NONE, h_openapi, "public" },
    { "GET", "/assets/{}", 0, BODY_NONE, h_asset, "public" },
    { "GET", "/api/v1/controls", ANYONE, BODY_NONE, h_controls, "anyone" },
    { "GET", "/api/v1/log", ANYONE, BODY_NONE, h_log,
      "anyone; a tenant's own entries" },
    { "GET", "/api/v1/log/checkpoint", ANYONE, BODY_NONE, h_checkpoint,
      "anyone" },
    { "GET", "/api/v1/log/consistency", ANYONE, BODY_NONE, h_consistency,
      "anyone" },
    { "GET", "/api/v1/tenants", PROVIDER, BODY_NONE, h_tenants,
      "the provider's roles" },
    { "POST", "/api/v1/tenants", G(CW_GRANT_ADMIN), BODY_FIELDS,
      h_tenant_add, "admin" },
    { "GET", "/api/v1/tokens", G(CW_GRANT_ADMIN) | G(CW_GRANT_CUSTOMER_ADMIN),
      BODY_NONE, h_tokens, "admin; a tenant's customer-admin, its own" },
    { "POST", "/api/v1/tokens",
      G(CW_GRANT_ADMIN) | G(CW_GRANT_CUSTOMER_ADMIN), BODY_FIELDS,
      h_token_create, "admin; a tenant's customer-admin, its own" },
    { "DELETE", "/api/v1/tokens/{}",
      G(CW_GRANT_ADMIN) | G(CW_GRANT_CUSTOMER_ADMIN), BODY_FIELDS,
      h_token_revoke, "admin; a tenant's customer-admin, its own" },
    { "GET", "/api/v1/soa", PROVIDER, BODY_NONE, h_soa,
      "the provider's roles" },
    { "GET", "/api/v1/score", PROVIDER, BODY_NONE, h_score,
      "the provider's roles" },
    { "GET", "/api/v1/matrix", ANYONE, BODY_NONE, h_matrix, "anyone" },
    /* The last route that matches wins: a literal after its pattern. */
    { "GET", "/api/v1/registers/{}", ANYONE, BODY_NONE, h_register_list,
      "anyone; a tenant's callers see their own records" },
    { "GET", "/api/v1/registers/due", ANYONE, BODY_NONE, h_registers_due,
      "anyone; a tenant's callers see what is owed to them" },
    { "POST", "/api/v1/registers/{}", EDITORS, BODY_FILE, h_register_put,
      "admin, compliance" },
    { "POST", "/api/v1/registers/{}/{}/close", EDITORS, BODY_FIELDS,
      h_register_close, "admin, compliance" },
    { "POST", "/api/v1/evidence",
      G(CW_GRANT_ADMIN) | G(CW_GRANT_COMPLIANCE) | G(CW_GRANT_ENGINEER),
      BODY_FILE, h_evidence_add, "admin, compliance, engineer" },
    { "GET", "/api/v1/evidence", PROVIDER, BODY_NONE, h_evidence_list,
      "the provider's roles" },
    { "POST", "/api/v1/scans/config",
      G(CW_GRANT_ADMIN) | G(CW_GRANT_COMPLIANCE) | G(CW_GRANT_ENGINEER),
      BODY_FILE, h_scan_config, "admin, compliance, engineer" },
    { "POST", "/api/v1/agents/tokens", G(CW_GRANT_ADMIN), BODY_FIELDS,
      h_agent_token, "admin" },
    { "POST", "/api/v1/agents", 0, BODY_FIELDS, h_agent_enrol,
      "public (a one-time enrolment token)" },
    { "POST", "/api/v1/agents/{}/results", 0, BODY_FILE, h_agent_push,
      "public (the enrolled agent's signature)" },
    { "GET", "/api/v1/agents", PROVIDER, BODY_NONE, h_agents,
      "the provider's roles" },
    { "DELETE", "/api/v1/agents/{}", G(CW_GRANT_ADMIN), BODY_FIELDS,
      h_agent_revoke, "admin" },
    { "GET", "/api/v1/alerts", PROVIDER, BODY_NONE, h_alerts,
      "the provider's roles" },
    { "POST", "/api/v1/alerts/{}/{}",
      G(CW_GRANT_ADMIN) | G(CW_GRANT_COMPLIANCE) | G(CW_GRANT_ENGINEER),
      BODY_FIELDS, h_alert_change, "admin, compliance, engineer" },
    { "GET", "/api/v1/monitor", PROVIDER, BODY_NONE, h_monitor,
      "the provider's roles" },
    { "POST", "/api/v1/monitor/run", G(CW_GRANT_ADMIN), BODY_FIELDS,
      h_monitor_run, "admin" },
    { "GET", "/api/v1/runs", PROVIDER, BODY_NONE, h_runs,
      "the provider's roles" },
    { "GET", "/api/v1/runs/{}", PROVIDER, BODY_NONE, h_run,
      "the provider's roles" },
    { "GET", "/api/v1/users", G(CW_GRANT_ADMIN) | G(CW_GRANT_CUSTOMER_ADMIN),
      BODY_NONE, h_users, "admin; a tenant's customer-admin, its own" },
    { "POST", "/api/v1/users", G(CW_GRANT_ADMIN) | G(CW_GRANT_CUSTOMER_ADMIN),
      BODY_FIELDS, h_user_add, "admin; a tenant's customer-admin, its own" },
    { "POST", "/api/v1/users/{}/disable",
      G(CW_GRANT_ADMIN) | G(CW_GRANT_CUSTOMER_ADMIN), BODY_FIELDS,
      h_user_disable, "admin; a tenant's customer-admin, its own" },
    { "POST", "/api/v1/session", 0, BODY_FIELDS, h_session_new,
      "public (sign-in)" },
    { "GET", "/api/v1/session", ANYONE, BODY_NONE, h_session_get, "anyone" },
    { "DELETE", "/api/v1/session", ANYONE | NEED_PERSON, BODY_FIELDS,
      h_session_end, "a signed-in user" },
    { "GET", "/api/v1/documents", ANYONE, BODY_NONE, h_documents,
      "anyone; what the caller may see" },
    { "POST", "/api/v1/documents", EDITORS, BODY_FILE, h_document_put,
      "admin, compliance" },
    { "GET", "/api/v1/documents/{}", ANYONE, BODY_NONE, h_document,
      "anyone; what the caller may see" },
    { "POST", "/api/v1/documents/{}/download", ANYONE | NEED_PERSON,
      BODY_FIELDS, h_download_grant,
      "a signed-in user; what they may see, gated after the agreement" },
    { "GET", "/api/v1/downloads/{}", ANYONE | NEED_PERSON, BODY_NONE,
      h_download, "the signed-in user the link was made for" },
    { "POST", "/api/v1/documents/{}/subscription", ANYONE | NEED_PERSON,
      BODY_FIELDS, h_subscribe, "a signed-in user; what they may see" },
    { "DELETE", "/api/v1/documents/{}/subscription", ANYONE | NEED_PERSON,
      BODY_FIELDS, h_unsubscribe, "a signed-in user; what they may see" },
    { "POST", "/api/v1/agreements", EDITORS, BODY_FIELDS, h_agreement_put,
      "admin, compliance" },
    { "GET", "/api/v1/agreements/{}", ANYONE, BODY_NONE, h_agreement,
      "anyone" },
    { "POST", "/api/v1/agreements/{}/acceptance", TENANT | NEED_PERSON,
      BODY_FIELDS, h_accept, "a tenant's signed-in user" },
    { "GET", "/api/v1/notices", ANYONE | NEED_PERSON, BODY_NONE, h_notices,
      "a signed-in user; their own" },
    { "GET", "/api/v1/webhook", G(CW_GRANT_ADMIN) | G(CW_GRANT_CUSTOMER_ADMIN),
      BODY_NONE, h_webhook_get, "admin; a tenant's customer-admin, its own" },
    { "PUT", "/api/v1/webhook", G(CW_GRANT_ADMIN) | G(CW_GRANT_CUSTOMER_ADMIN),
      BODY_FIELDS, h_webhook_put,
      "admin; a tenant's customer-admin, its own" },
    { "DELETE", "/api/v1/webhook",
      G(CW_GRANT_ADMIN) | G(CW_GRANT_CUSTOMER_ADMIN), BODY_FIELDS,
      h_webhook_delete, "admin; a tenant's customer-admin, its own" },
    { "GET", "/api/v1/webhook/deliveries",
      G(CW_GRANT_ADMIN) | G(CW_GRANT_CUSTOMER_ADMIN), BODY_NONE,
      h_webhook_deliveries, "admin; a tenant's customer-admin, its own" },
};
#define NROUTES ((int)(sizeof(routes) / sizeof(routes[0])))

/* Latency buckets of the Prometheus histogram, in seconds. */
static const double buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                  0.025,  0.05,  0.1,    0.25,  1 };
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))
#define NCLASSES 5 /* 1xx..5xx */

/* Counters per route, and one more for requests that match none. */
static struct {
    atomic_ullong requests[NROUTES + 1][NCLASSES];
    atomic_ullong le[NROUTES + 1][NBUCKETS];
    atomic_ullong micros[NROUTES + 1];
    atomic_ullong count[NROUTES + 1];
} stats;

static atomic_bool draining;
/* Saved runs whose checks the SoA builds keep (cw_soa_run_cache): a
 * fleet of 10,000 hosts' latest runs, about 40 KB each. */
#define RUN_CACHE 10000
static size_t max_fields = (size_t)1 << 20;

/* A route's name in metrics and the log: its method and pattern. */
static void route_name(int r, char *out, size_t n)
{
    if (r < 0 || r >= NROUTES)
        snprintf(out, n, "other");
    else
        snprintf(out, n, "%s %s", routes[r].method, routes[r].path);
}

/* A path parameter: 1 to PARAM_MAX of [A-Za-z0-9._@-], not "." or "..". */
static bool param_ok(const char *s, size_t n)
{
    size_t i;
    if (n == 0 || n > PARAM_MAX || (s[0] == '.' && (n == 1 || (n == 2 && s[1] == '.'))))
        return false;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' ||
              s[i] == '-' || s[i] == '@'))
            return false;
    return true;
}

/* Does `url` match `pattern`? Parameters into param[]. */
static bool path_match(const char *pattern, const char *url,
                       char param[NPARAMS][PARAM_MAX + 1])
{
    int k = 0;
    while (*pattern && *url) {
        if (pattern[0] == '{' && pattern[1] == '}') {
            size_t n = strcspn(url, "/");
            if (k == NPARAMS || !param_ok(url, n))
                return false;
            memcpy(param[k], url, n);
            param[k++][n] = '\0';
            url += n;
            pattern += 2;
            continue;
        }
        if (*pattern != *url)
            return false;
        pattern++;
        url++;
    }
    return *pattern == '\0' && *url == '\0';
}

/* The route for method and url: its index, -1 when no path matches,
 * -2 when the path matches other methods only (listed in `allow`). */
static int route_of(const char *method, const char *url,
                    char param[NPARAMS][PARAM_MAX + 1], char *allow,
                    size_t n)
{
    int r, found = -1;
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    allow[0] = '\0';
    for (r = 0; r < NROUTES; r++)
        if (path_match(routes[r].path, url, param)) {
            size_t k = strlen(allow);
            if (strcmp(routes[r].method, m) == 0)
                found = r;
            if (strstr(allow, routes[r].method))
                continue; /* a pattern and a literal under it */
            snprintf(allow + k, n - k, "%s%s%s", k ? ", " : "",
                     routes[r].method,
                     strcmp(routes[r].method, "GET") == 0 ? ", HEAD" : "");
        }
    if (found >= 0)
        return found;
    return allow[0] ? -2 : -1;
}

/* ---- each thread's handles ---------------------------------------------------- */

/* Each pool thread's handle on the access tables and on the ledger,
 * opened on first use; all of them listed, to be closed when the pool has
 * stopped. */
static _Thread_local struct cw_access *tl_access;
static _Thread_local bool tl_access_tried;
static _Thread_local struct cw_ledger *tl_ledger;
static pthread_mutex_t handles_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cw_access *handles[256];
static size_t nhandles;
static struct cw_ledger *ledgers[256];
static size_t nledgers;

struct cw_access *access_tables(void)
{
    struct cw_diag d;
    if (!tl_access_tried) {
        tl_access_tried = true;
        cw_diag_clear(&d);
        if (cw_access_open(srv.store, false, &tl_access, &d))
            tl_access = NULL;
        pthread_mutex_lock(&handles_lock);
        if (tl_access && nhandles < sizeof(handles) / sizeof(handles[0]))
            handles[nhandles++] = tl_access;
        else if (tl_access) { /* more threads than slots: not kept */
            cw_access_close(tl_access);
            tl_access = NULL;
        }
        pthread_mutex_unlock(&handles_lock);
    }
    return tl_access;
}

struct cw_access *access_or_503(struct ctx *x, enum MHD_Result *ret)
{
    struct cw_access *a = access_tables();
    if (!a)
        *ret = problem(x, 503, "the store cannot be read");
    return a;
}

struct cw_ledger *ledger(void)
{
    struct cw_diag d;
    if (tl_ledger)
        return tl_ledger;
    cw_diag_clear(&d);
    if (cw_ledger_open_existing(srv.store, &tl_ledger, &d))
        return NULL;
    pthread_mutex_lock(&handles_lock);
    if (nledgers < sizeof(ledgers) / sizeof(ledgers[0])) {
        ledgers[nledgers++] = tl_ledger;
    } else {
        cw_ledger_close(tl_ledger);
        tl_ledger = NULL;
    }
    pthread_mutex_unlock(&handles_lock);
    return tl_ledger;
}

static void close_all(void)
{
    size_t i;
    for (i = 0; i < nhandles; i++)
        cw_access_close(handles[i]);
    nhandles = 0;
    for (i = 0; i < nledgers; i++)
        cw_ledger_close(ledgers[i]);
    nledgers = 0;
    listings_free();
    soa_view_free();
    scan_api_free();
}

/* ---- answers ------------------------------------------------------------------- */

void secure(struct MHD_Response *r, bool cache)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'none'");
    /* same-origin, not no-referrer: under no-referrer a browser sends
     * "Origin: null" with our own forms, and the Origin check refuses
     * them. Other sites still get no referrer. */
    MHD_add_response_header(r, "Referrer-Policy", "same-origin");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    if (srv.tls)
        MHD_add_response_header(r, "Strict-Transport-Security",
                                "max-age=31536000");
    if (!cache)
        MHD_add_response_header(r, "Cache-Control", "no-store");
}

enum MHD_Result reply(struct ctx *x, unsigned status, const char *type,
                      const void *body, size_t len, bool copy,
                      const char *etag)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, (void *)body,
        copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ok;
    if (!r)
        return MHD_NO;
    if (status != 204) /* no content, no type */
        MHD_add_response_header(r, "Content-Type", type);
    secure(r, etag != NULL);
    if (etag) {
        MHD_add_response_header(r, "ETag", etag);
        MHD_add_response_header(r, "Cache-Control", "private, no-cache");
    }
    x->q->status = status;
    x->q->bytes = len;
    ok = MHD_queue_response(x->c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static const char *title_of(unsigned status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "Internal Server Error" : "Error";
    }
}

enum MHD_Result problem(struct ctx *x, unsigned status, const char *detail)
{
    char *buf = NULL;
    /* A page's problem is a page (once: a page that cannot be made falls
     * back to the JSON problem). */
    if (x->q->route >= 0 && (routes[x->q->route].need & PAGE) &&
        !x->q->page_problem) {
        x->q->page_problem = true;
        return page_problem(x, status, detail);
    }
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    struct MHD_Response *r;
    enum MHD_Result ok;

    if (!m)
        return MHD_NO;
    fprintf(m, "{\"type\":\"about:blank\",\"title\":\"%s\",\"status\":%u,"
               "\"detail\":",
            title_of(status), status);
    cw_json_quote(m, detail);
    fputs("}", m);
    if (fclose(m) != 0) {
        free(buf);
        return MHD_NO;
    }
    r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(buf);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/problem+json");
    secure(r, false);
    if (status == MHD_HTTP_UNAUTHORIZED && !x->q->no_challenge)
        MHD_add_response_header(r, "WWW-Authenticate",
                                "Bearer realm=\"cloudward\"");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED && x->q->allow[0])
        MHD_add_response_header(r, "Allow", x->q->allow);
    if (status == MHD_HTTP_TOO_MANY_REQUESTS)
        MHD_add_response_header(r, "Retry-After", "300");
    x->q->status = status;
    x->q->bytes = len;
    ok = MHD_queue_response(x->c, status, r);
    MHD_destroy_response(r);
    return ok;
}


/* Frees an answer that held a secret, wiped first (its text has no NUL
 * inside: JSON). */
static void free_wiped(void *p)
{
    if (p)
        explicit_bzero(p, strlen(p));
    free(p);
}

/* A body built in memstream m, answered with `status`; the response
 * frees the buffer (wiped first when `wipe`). */
static enum MHD_Result stream_reply(struct ctx *x, unsigned status,
                                    const char *type, FILE *m, char **buf,
                                    size_t *len, bool wipe)
{
    struct MHD_Response *r;
    enum MHD_Result ok;
    if (fclose(m) != 0) {
        free_wiped(*buf);
        return problem(x, 500, "out of memory");
    }
    r = MHD_create_response_from_buffer_with_free_callback(
        *len, *buf, wipe ? free_wiped : free);
    if (!r) {
        free_wiped(*buf);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    secure(r, false);
    x->q->status = status;
    x->q->bytes = *len;
    ok = MHD_queue_response(x->c, status, r);
    MHD_destroy_response(r);
    return ok;
}

enum MHD_Result reply_stream(struct ctx *x, unsigned status,
                             const char *type, FILE *m, char **buf,
                             size_t *len)
{
    return stream_reply(x, status, type, m, buf, len, false);
}

enum MHD_Result reply_json_secret(struct ctx *x, unsigned status, FILE *m,
                                  char **buf, size_t *len)
{
    return stream_reply(x, status, "application/json", m, buf, len, true);
}

enum MHD_Result reply_json(struct ctx *x, unsigned status, FILE *m,
                           char **buf, size_t *len)
{
    return reply_stream(x, status, "application/json", m, buf, len);
}

enum MHD_Result reply_listing(struct ctx *x, enum cw_status st,
                              const struct cw_diag *d, FILE *m, char **buf,
                              size_t *len)
{
    if (!st)
        return reply_json(x, 200, m, buf, len);
    fclose(m);
    free(*buf);
    *buf = NULL;
    return answer_failure(x, st, d);
}

const char *viewer(const struct ctx *x)
{
    const struct who *w = &x->q->who;
    return cw_grant_is_tenant(w->role) ? w->tenant : NULL;
}

const char *query(struct ctx *x, const char *name)
{
    return MHD_lookup_connection_value(x->c, MHD_GET_ARGUMENT_KIND, name);
}

const char *field(struct ctx *x, const char *name)
{
    return x->f ? cw_fields_get(x->f, name) : NULL;
}

bool etag_match(const char *inm, const char *etag)
{
    size_t n = strlen(etag);
    while (inm && *inm) {
        size_t k;
        inm += strspn(inm, " \t,");
        if (strncmp(inm, "W/", 2) == 0)
            inm += 2; /* If-None-Match compares weakly */
        k = strcspn(inm, " \t,");
        if ((k == 1 && inm[0] == '*') || (k == n && memcmp(inm, etag, n) == 0))
            return true;
        inm += k;
    }
    return false;
}

long long query_number(struct ctx *x, const char *name, long long def,
                       long long max)
{
    const char *v = query(x, name);
    long long n;
    if (!v)
        return def;
    if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 18)
        return -1;
    n = strtoll(v, NULL, 10);
    return n > max ? -1 : n;
}

void client_address(struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, n, "-");
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET,
                      &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                      out, (socklen_t)n);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6,
                      &((const struct sockaddr_in6 *)(const void *)sa)
                           ->sin6_addr,
                      out, (socklen_t)n);
    }
}

enum MHD_Result refuse(struct ctx *x, unsigned status, const char *detail)
{
    const struct who *w = &x->q->who;
    struct cw_access *a = access_tables();
    if (a && w->kind != WHO_NONE) {
        struct cw_diag d;
        char name[128];
        cw_diag_clear(&d);
        route_name(x->q->route, name, sizeof(name));
        (void)cw_access_denied(a, w->id, w->tenant[0] ? w->tenant : NULL,
                               name, &d);
    }
    return problem(x, status, detail);
}

/* A library status as an HTTP answer, with the library's message for
 * the caller's own mistakes (it names nothing the caller may not see). */
enum MHD_Result answer_failure(struct ctx *x, enum cw_status st,
                               const struct cw_diag *d)
{
    switch (st) {
    case CW_ENOENT:
        return problem(x, 404, d->msg[0] ? d->msg : "not found");
    case CW_EINVAL:
    case CW_EPARSE:
        return problem(x, 400, d->msg);
    case CW_ELIMIT:
        return problem(x, 413, d->msg);
    case CW_EPERM:
        return refuse(x, 403, d->msg);
    case CW_EEXIST:
        return problem(x, 409, d->msg);
    default:
        fprintf(stderr, "cloudward: %s\n", d->msg);
        return problem(x, 500, "the store failed; see the server's log");
    }
}


void json_opt(FILE *m, const char *s)
{
    if (s)
        cw_json_quote(m, s);
    else
        fputs("null", m);
}

bool owned_step(struct owned_walk *w, const char *key, const char *tenant,
                int *stop)
{
    *stop = 0;
    if (w->key) {
        if (strcmp(key, w->key) != 0)
            return false;
        w->found = true;
        snprintf(w->found_tenant, sizeof(w->found_tenant), "%s",
                 tenant ? tenant : "");
        *stop = 1;
        return false;
    }
    if (w->tenant && (!tenant || strcmp(tenant, w->tenant) != 0))
        return false;
    if (w->n++)
        fputc(',', w->m);
    return true;
}

bool owned_found(struct ctx *x, const struct owned_walk *w, const char *what,
                 enum MHD_Result *ret)
{
    const char *own = managed_tenant(x);
    if (w->found && (!own || strcmp(w->found_tenant, own) == 0))
        return true;
    /* Another tenant's record is answered as a missing one. */
    *ret = own && w->found ? refuse(x, 404, what) : problem(x, 404, what);
    return false;
}

const char *managed_tenant(const struct ctx *x)
{
    const struct who *w = &x->q->who;
    return w->role == CW_GRANT_CUSTOMER_ADMIN ? w->tenant : NULL;
}

/* ---- who is asking ---------------------------------------------------------- */

/* Does the request bring a credential at all? */
static bool has_credentials(struct MHD_Connection *c)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization") ||
           MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "cw_session");
}

enum MHD_Result redirect(struct ctx *x, const char *where,
                         const char *cookie)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ok;
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Location", where);
    if (cookie)
        MHD_add_response_header(r, "Set-Cookie", cookie);
    secure(r, false);
    x->q->status = 303;
    ok = MHD_queue_response(x->c, 303, r);
    MHD_destroy_response(r);
    return ok;
}

/* A page asked for without a session: to the sign-in page. */
static enum MHD_Result see_signin(struct ctx *x)
{
    return redirect(x, "/signin", NULL);
}

/* The caller, from a bearer token or a session cookie; false (and a 401
 * or 503 queued) when there is none or it is not good. One answer for a
 * missing, malformed, unknown, revoked or expired credential. */
static bool identify(struct ctx *x, enum MHD_Result *ret)
{
    const char *h = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND,
                                                "Authorization"),
               *cookie = MHD_lookup_connection_value(x->c, MHD_COOKIE_KIND,
                                                     "cw_session");
    struct cw_access *a = access_tables();
    struct who *w = &x->q->who;
    long long now = (long long)time(NULL);
    struct cw_diag d;

    cw_diag_clear(&d);
    if (!a) {
        *ret = problem(x, 503,
                       "the store cannot be read; see the server's log");
        return false;
    }
    if (h && strncmp(h, "Bearer ", 7) == 0) {
        struct cw_token_info t;
        if (!cw_token_check(a, h + 7, now, &t, &d)) {
            w->kind = WHO_TOKEN;
            snprintf(w->id, sizeof(w->id), "%s", t.id);
            snprintf(w->tenant, sizeof(w->tenant), "%s",
                     t.tenant ? t.tenant : "");
            w->role = t.role;
            return true;
        }
    } else if (!h && cookie) {
        struct cw_user_info u;
        if (!cw_session_check(a, cookie, now, &u, &d)) {
            w->kind = WHO_SESSION;
            snprintf(w->id, sizeof(w->id), "%s", u.id);
            snprintf(w->login, sizeof(w->login), "%s", u.login);
            snprintf(w->tenant, sizeof(w->tenant), "%s",
                     u.tenant ? u.tenant : "");
            w->role = u.role;
            snprintf(w->session, sizeof(w->session), "%s", cookie);
            return true;
        }
    }
    if (x->q->route >= 0 && (routes[x->q->route].need & PAGE)) {
        *ret = see_signin(x); /* an ended session: sign in again */
        return false;
    }
    *ret = problem(x, 401,
                   "sign in (POST /api/v1/session) or send a valid API "
                   "token: Authorization: Bearer TOKEN (cloudward token "
                   "create)");
    return false;
}

/* May the caller use route r? Queues the refusal when not. */
static bool allowed(struct ctx *x, int r, enum MHD_Result *ret)
{
    const struct route *rt = &routes[r];
    const struct who *w = &x->q->who;
    if (!(rt->need & G(w->role))) {
        *ret = refuse(x, 403, "your role may not do this");
        return false;
    }
    if ((rt->need & NEED_PERSON) && w->kind != WHO_SESSION) {
        *ret = refuse(x, 403,
                      "a person signs in for this (POST /api/v1/session); "
                      "an API token cannot");
        return false;
    }
    return true;
}

/* A session's write must prove it comes from our own pages: the form
 * token (X-CSRF-Token or a csrf field), and an Origin, when sent, of
 * this host. */
static bool csrf_ok(struct ctx *x)
{
    const char *tok = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND,
                                                  "X-CSRF-Token"),
               *origin = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND,
                                                     "Origin"),
               *host = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND,
                                                   "Host");
    if (x->q->who.kind != WHO_SESSION || strcmp(x->method, "GET") == 0 ||
        strcmp(x->method, "HEAD") == 0)
        return true;
    if (!tok && x->f)
        tok = cw_fields_get(x->f, "csrf");
    if (!cw_session_csrf_ok(x->q->who.session, tok))
        return false;
    if (origin) {
        const char *p = strstr(origin, "://");
        if (!p || !host || strcmp(p + 3, host) != 0)
            return false;
    }
    return true;
}

static enum MHD_Result h_healthz(struct ctx *x)
{
    return reply(x, 200, "text/plain", "ok\n", 3, false, NULL);
}

static enum MHD_Result h_readyz(struct ctx *x)
{
    if (atomic_load(&draining))
        return reply(x, 503, "text/plain", "draining\n", 9, false, NULL);
    if (!access_tables())
        return reply(x, 503, "text/plain", "the store cannot be read\n", 25,
                     false, NULL);
    return reply(x, 200, "text/plain", "ready\n", 6, false, NULL);
}

static bool count_evidence(void *arg, const struct cw_evidence *e)
{
    (void)e;
    ++*(size_t *)arg;
    return true;
}

static int count_run(void *arg, const struct cw_run *r)
{
    size_t *n = arg;
    n[strcmp(r->kind, "host") == 0 ? 0 : 1]++;
    return 0;
}

static enum MHD_Result h_metrics(struct ctx *x)
{
    char *buf = NULL, name[128];
    size_t len = 0, k;
    FILE *m = open_memstream(&buf, &len);
    enum MHD_Result ret;
    int r, s;

    if (!m)
        return problem(x, 500, "out of memory");
    fputs("# HELP cloudward_http_requests_total HTTP requests by route and "
          "status class.\n"
          "# TYPE cloudward_http_requests_total counter\n",
          m);
    for (r = 0; r <= NROUTES; r++) {
        route_name(r, name, sizeof(name));
        for (s = 0; s < NCLASSES; s++)
            fprintf(m,
                    "cloudward_http_requests_total{route=\"%s\",code="
                    "\"%dxx\"} %llu\n",
                    name, s + 1,
                    (unsigned long long)atomic_load(&stats.requests[r][s]));
    }
    fputs("# HELP cloudward_http_request_duration_seconds Time to answer, "
          "by route.\n"
          "# TYPE cloudward_http_request_duration_seconds histogram\n",
          m);
    for (r = 0; r <= NROUTES; r++) {
        route_name(r, name, sizeof(name));
        for (k = 0; k < NBUCKETS; k++)
            fprintf(m,
                    "cloudward_http_request_duration_seconds_bucket{route="
                    "\"%s\",le=\"%g\"} %llu\n",
                    name, buckets[k],
                    (unsigned long long)atomic_load(&stats.le[r][k]));
        fprintf(m,
                "cloudward_http_request_duration_seconds_bucket{route=\"%s\","
                "le=\"+Inf\"} %llu\n"
                "cloudward_http_request_duration_seconds_sum{route=\"%s\"} "
                "%.6f\n"
                "cloudward_http_request_duration_seconds_count{route=\"%s\"} "
                "%llu\n",
                name, (unsigned long long)atomic_load(&stats.count[r]), name,
                (double)atomic_load(&stats.micros[r]) / 1e6, name,
                (unsigned long long)atomic_load(&stats.count[r]));
    }
    {
        struct cw_ledger *l;
        struct cw_diag d;
        uint64_t size;
        size_t evidence = 0, runs[2] = { 0, 0 };
        cw_diag_clear(&d);
        if (!cw_ledger_open_existing(srv.store, &l, &d)) {
            if (!cw_ledger_size(l, &size, &d))
                fprintf(m,
                        "# HELP cloudward_ledger_entries Entries in the "
                        "ledger.\n# TYPE cloudward_ledger_entries gauge\n"
                        "cloudward_ledger_entries %llu\n",
                        (unsigned long long)size);
            if (!cw_evidence_each(l, count_evidence, &evidence, &d))
                fprintf(m,
                        "# HELP cloudward_evidence Evidence files recorded."
                        "\n# TYPE cloudward_evidence gauge\n"
                        "cloudward_evidence %zu\n",
                        evidence);
            cw_ledger_close(l);
        }
        cw_diag_clear(&d);
        if (!cw_runs_list(srv.store, count_run, runs, &d)) {
            fputs("# HELP cloudward_scan_runs Saved scan runs, by kind.\n"
                  "# TYPE cloudward_scan_runs gauge\n",
                  m);
            fprintf(m, "cloudward_scan_runs{kind=\"host\"} %zu\n", runs[0]);
            fprintf(m, "cloudward_scan_runs{kind=\"config\"} %zu\n",
                    runs[1]);
        }
    }
    if (fclose(m) != 0) {
        free(buf);
        return problem(x, 500, "out of memory");
    }
    ret = reply(x, 200, "text/plain; version=0.0.4", buf, len, true, NULL);
    free(buf);
    return ret;
}

/* ---- one request ------------------------------------------------------------ */

/* The body's fields by its type: JSON, a form, or (no body) none. */
static enum MHD_Result parse_fields(struct ctx *x, bool *ok)
{
    const char *type = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND,
                                                   "Content-Type");
    struct cw_diag d;
    enum cw_status st;
    char msg[300];

    *ok = true;
    if (!x->q->len)
        return MHD_YES;
    cw_diag_clear(&d);
    if (type && strncmp(type, "application/json", 16) == 0)
        st = cw_fields_json(x->q->body, x->q->len, &x->f, &d);
    else if (type &&
             strncmp(type, "application/x-www-form-urlencoded", 33) == 0)
        st = cw_fields_form(x->q->body, x->q->len, &x->f, &d);
    else {
        *ok = false;
        return problem(x, 415,
                       "send application/json or "
                       "application/x-www-form-urlencoded");
    }
    if (st) {
        *ok = false;
        cw_diag_format(&d, msg, sizeof(msg));
        return problem(x, 400, msg);
    }
    return MHD_YES;
}

static enum MHD_Result dispatch(struct ctx *x)
{
    struct req *q = x->q;
    const struct route *rt;
    enum MHD_Result ret;
    bool ok;

    if (q->route == -1)
        return problem(x, 404, "no such route");
    if (q->route == -2)
        return problem(x, 405, "this route does not take that method");
    rt = &routes[q->route];
    if (q->too_large)
        return problem(x, 413, rt->fn == h_agent_push
                                   ? "a push is at most 8 MiB"
                               : rt->body == BODY_FILE
                                   ? "a document is at most 64 MiB"
                                   : "a request body is at most 1 MiB");
    if (rt->body == BODY_NONE && q->len)
        return problem(x, 415, "this route takes no request body");
    if (rt->body == BODY_FIELDS && (ret = parse_fields(x, &ok), !ok))
        return ret;
    if (!(rt->need & CSRF_LATE) && !csrf_ok(x))
        return refuse(x, 403,
                      "the form token is missing or wrong: reload the "
                      "page (X-CSRF-Token from GET /api/v1/session)");
    return rt->fn(x);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    struct req *q = *con_cls;
    struct ctx x;
    enum MHD_Result ret;
    (void)cls;
    (void)version;

    memset(&x, 0, sizeof(x));
    x.c = c;
    x.method = method;
    if (!q) {
        /* The headers are in: find the route, and who is asking, before
         * any body is read (an upload nobody may make is never taken). */
        if (!(q = calloc(1, sizeof(*q))))
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &q->start);
        *con_cls = q;
        q->route = route_of(method, url, q->param, q->allow, sizeof(q->allow));
        q->limit = q->route >= 0 && routes[q->route].body == BODY_FILE
                       ? CW_DOCUMENT_MAX
                       : max_fields;
        /* Anyone may send a push (the signature is checked once it is
         * in): what is held for them is a push's size, not a document's. */
        if (q->route >= 0 && routes[q->route].fn == h_agent_push)
            q->limit = CW_AGENT_PUSH_MAX;
        x.q = q;
        if (q->route >= 0 && (routes[q->route].need & ~(PAGE | CSRF_LATE))) {
            bool page = routes[q->route].need & PAGE;
            if (page && !has_credentials(c)) {
                q->refused = true;
                return see_signin(&x);
            }
            if (!identify(&x, &ret) || !allowed(&x, q->route, &ret)) {
                q->refused = true;
                return ret;
            }
        }
        return MHD_YES;
    }
    x.q = q;
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (q->too_large || q->len + n > q->limit) {
            q->too_large = true;
            free(q->body);
            q->body = NULL;
            q->len = q->cap = 0;
            return MHD_YES;
        }
        if (q->len + n > q->cap) {
            size_t cap = q->cap ? q->cap : 4096;
            char *b;
            while (cap < q->len + n)
                cap *= 2;
            if (cap > q->limit)
                cap = q->limit;
            if (!(b = realloc(q->body, cap)))
                return MHD_NO;
            q->body = b;
            q->cap = cap;
        }
        memcpy(q->body + q->len, upload, n);
        q->len += n;
        return MHD_YES;
    }
    if (q->refused)
        return MHD_YES; /* answered already */
    ret = dispatch(&x);
    cw_fields_free(x.f);
    return ret;
}

/* After a request: the counters and the log line. */
static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode why)
{
    struct req *q = *con_cls;
    struct timespec end;
    unsigned long long us;
    unsigned cls_;
    int r;
    size_t k;
    (void)cls;
    (void)why;

    if (!q)
        return;
    clock_gettime(CLOCK_MONOTONIC, &end);
    us = (unsigned long long)((end.tv_sec - q->start.tv_sec) * 1000000LL +
                              (end.tv_nsec - q->start.tv_nsec) / 1000);
    cls_ = q->status >= 100 && q->status < 600 ? q->status / 100 - 1 : 4;
    r = q->route >= 0 ? q->route : NROUTES;
    atomic_fetch_add(&stats.requests[r][cls_], 1);
    atomic_fetch_add(&stats.count[r], 1);
    atomic_fetch_add(&stats.micros[r], us);
    for (k = 0; k < NBUCKETS; k++)
        if ((double)us / 1e6 <= buckets[k])
            atomic_fetch_add(&stats.le[r][k], 1);
    if (srv.access_log) {
        char addr[64], ts[32], line[640], name[128];
        struct tm tm;
        time_t now = time(NULL);
        const struct who *w = &q->who;
        int n;
        client_address(c, addr, sizeof(addr));
        route_name(q->route, name, sizeof(name));
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
        /* The route's name, not the raw path: nothing a client typed
         * reaches the log. A token by its public id, a user by theirs. */
        n = snprintf(line, sizeof(line),
                     "{\"time\":\"%s\",\"client\":\"%s\",\"route\":\"%s\","
                     "\"status\":%u,\"bytes\":%zu,\"ms\":%.3f%s%s%s}\n",
                     ts, addr, name, q->status, q->bytes, (double)us / 1000,
                     w->kind == WHO_TOKEN     ? ",\"token\":\""
                     : w->kind == WHO_SESSION ? ",\"user\":\""
                                              : "",
                     w->kind != WHO_NONE ? w->id : "",
                     w->kind != WHO_NONE ? "\"" : "");
        if (n > 0)
            (void)!write(STDERR_FILENO, line, (size_t)n);
    }
    if (q->body)
        explicit_bzero(q->body, q->cap);
    free(q->body);
    explicit_bzero(&q->who, sizeof(q->who));
    free(q);
    *con_cls = NULL;
}

/* ---- start-up ------------------------------------------------------------------ */

static const char help[] =
    "usage: cloudward serve [--listen ADDR:PORT] [--store DIR|URL]\n"
    "                       [--tls-cert FILE --tls-key FILE]\n"
    "                       [--scope FILE] [--monitor FILE]\n"
    "       cloudward serve --demo [--listen ADDR:PORT]\n"
    "                       [--threads N] [--timeout SECONDS]\n"
    "                       [--drain SECONDS] [--max-connections N]\n"
    "                       [--no-access-log]\n"
    "       cloudward serve --routes\n"
    "\n"
    "Serves the store over HTTP (plain, for a reverse proxy on the same\n"
    "machine), or HTTPS with --tls-cert and --tls-key (PEM; TLS 1.2 and\n"
    "1.3; SIGHUP reloads them without dropping a connection; see\n"
    "docs/server.md): /healthz, /readyz, /metrics (Prometheus),\n"
    "and the API under /api/v1 (Authorization: Bearer TOKEN, from\n"
    "'cloudward token create', or a session from POST /api/v1/session):\n"
    "controls, the log with proofs, documents, agreements, downloads,\n"
    "notices, a tenant's webhook (--routes lists them; docs/server.md).\n"
    "Notices are also posted to the tenants' webhooks, signed, retried\n"
    "(CLOUDWARD_WEBHOOK_BACKOFF_MS: the first wait, for tests).\n"
    "--scope FILE: the provider's scope (cloudward.yaml), for the live SoA\n"
    "and matrix (GET /api/v1/soa, /api/v1/matrix) and generated documents.\n"
    "--monitor FILE: run the monitor's schedules (cron: config scans,\n"
    "sweeps that make drift and silent agents alerts, checkpoints) and\n"
    "send alerts by e-mail and syslog (docs/monitoring.md).\n"
    "Defaults: --listen 127.0.0.1:8080 (port 0: any free port, printed),\n"
    "one thread per core, --timeout 30 (an idle or slow connection is\n"
    "closed), --drain 10 (SIGTERM: requests in flight get this long),\n"
    "--max-connections 10000. One JSON line per request on stderr.\n"
    "Webhooks are not delivered to loopback, private or link-local\n"
    "addresses unless --webhooks-to-internal is given.\n"
    "--demo fills a fresh store from the bundled examples (Acme Notes the\n"
    "provider; Globex and Initech its customers), prints the people's\n"
    "passwords once, and serves it.\n"
    "--routes prints the routes served and what each needs, and exits;\n"
    "--api-routes the same without the web pages (what the API\n"
    "description at /api/v1/openapi.json describes).\n";

static int usage(const char *msg)
{
    fprintf(stderr, "cloudward: %s\n%s", msg, help);
    return 2;
}

/* "ADDR:PORT" (IPv4, or [IPv6]:PORT) into *ss. */
static bool parse_listen(const char *s, struct sockaddr_storage *ss,
                         socklen_t *len)
{
    char host[64];
    const char *colon;
    char *end;
    long port;

    memset(ss, 0, sizeof(*ss));
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
            return false;
        snprintf(host, sizeof(host), "%.*s", (int)(close - s - 1), s + 1);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof(host))
            return false;
        snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
    }
    port = strtol(colon + 1, &end, 10);
    if (*end || colon[1] == '\0' || port < 0 || port > 65535)
        return false;
    if (s[0] == '[') {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)(void *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        *len = sizeof(*a);
        return inet_pton(AF_INET6, host, &a->sin6_addr) == 1;
    }
    {
        struct sockaddr_in *a = (struct sockaddr_in *)(void *)ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        *len = sizeof(*a);
        return inet_pton(AF_INET, host, &a->sin_addr) == 1;
    }
}

static long number_arg(const char *s, long lo, long hi)
{
    char *end;
    long v = strtol(s, &end, 10);
    return *end || s[0] == '\0' || v < lo || v > hi ? -1 : v;
}

/* How the daemons are started: the same for the first, for each one a
 * SIGHUP starts with a new certificate, and for the fuzzer. */
struct listener {
    struct sockaddr_storage ss; /* the port, once bound, filled in */
    bool none;                  /* no socket: connections are added */
    unsigned threads, timeout, maxconn;
    char *cert, *key; /* PEM, for TLS; kept while a daemon uses them */
};

static struct MHD_Daemon *start_daemon(const struct listener *o)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_USE_ITC;
    struct MHD_OptionItem opts[16];
    int n = 0;

#define OPT(o_, v_, p_)                                                       \
    (opts[n].option = (o_), opts[n].value = (intptr_t)(v_),                   \
     opts[n].ptr_value = (void *)(p_), n++)
    if (o->none)
        flags |= MHD_USE_NO_LISTEN_SOCKET;
    else {
        if (((const struct sockaddr *)&o->ss)->sa_family == AF_INET6)
            flags |= MHD_USE_IPv6;
        OPT(MHD_OPTION_SOCK_ADDR, 0, &o->ss);
        OPT(MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL);
        /* SO_REUSEPORT: the daemon a SIGHUP starts binds beside this one
         * before this one stops accepting: no refused connection. */
        OPT(MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL);
    }
    if (o->cert) {
        flags |= MHD_USE_TLS;
        OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, o->cert);
        OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, o->key);
        OPT(MHD_OPTION_HTTPS_PRIORITIES, 0,
            "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2");
    }
    if (o->threads > 1)
        OPT(MHD_OPTION_THREAD_POOL_SIZE, o->threads, NULL);
    OPT(MHD_OPTION_CONNECTION_TIMEOUT, o->timeout, NULL);
    OPT(MHD_OPTION_CONNECTION_LIMIT, o->maxconn, NULL);
    OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, 32 * 1024, NULL);
    OPT(MHD_OPTION_NOTIFY_COMPLETED, completed, NULL);
    OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
    return MHD_start_daemon(flags, 0, NULL, NULL, handle, NULL,
                            MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
}

/* A file's whole text (a certificate or key, up to 1 MiB), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;
    if (!f)
        return NULL;
    buf = malloc((size_t)1 << 20);
    n = buf ? fread(buf, 1, ((size_t)1 << 20) - 1, f) : 0;
    if (buf && (ferror(f) || !feof(f) || n == 0)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

static void release_pem(char **p)
{
    if (*p) {
        explicit_bzero(*p, strlen(*p));
        free(*p);
        *p = NULL;
    }
}

/* Waits until `d` has no connection or `until`; its count then. */
static unsigned drain_daemon(struct MHD_Daemon *d, time_t until)
{
    const union MHD_DaemonInfo *info;
    for (;;) {
        info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (!info || info->num_connections == 0 || time(NULL) >= until)
            return info ? info->num_connections : 0;
        usleep(50000);
    }
}

/* Stops accepting on `d` (its listening socket closed: under SO_REUSEPORT
 * a socket left open would still be handed connections). */
static void quiesce(struct MHD_Daemon *d)
{
    MHD_socket fd = MHD_quiesce_daemon(d);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

int serve_init(const char *store)
{
    snprintf(srv.store, sizeof(srv.store), "%s", store);
    /* The SoA and score are rebuilt at every request: what each saved
     * run holds is read once (a fleet's thousand hosts, then only the
     * runs pushed since). */
    cw_soa_run_cache(RUN_CACHE);
    return listings_load();
}

struct MHD_Daemon *serve_unlistened(void)
{
    struct listener o;
    memset(&o, 0, sizeof(o));
    o.none = true;
    o.threads = 1;
    o.timeout = 2;
    o.maxconn = 64;
    return start_daemon(&o);
}

void serve_finish(struct MHD_Daemon *d)
{
    MHD_stop_daemon(d);
    close_all();
    cw_soa_run_cache(0);
}

int cw_serve(int argc, char **argv)
{
    const char *listen = "127.0.0.1:8080", *store = NULL, *cert = NULL,
               *key = NULL, *monitor_file = NULL;
    char demo_store[4000];
    bool demo = false;
    long threads = sysconf(_SC_NPROCESSORS_ONLN), timeout = 30, drain = 10,
         maxconn = 10000;
    struct listener o;
    socklen_t sslen;
    struct MHD_Daemon *daemon;
    const union MHD_DaemonInfo *info;
    struct cw_diag d;
    sigset_t sigs;
    unsigned cut;
    int i, sig;

    srv.access_log = true;
    memset(&o, 0, sizeof(o));
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(help, stdout);
            return 0;
        }
        if (strcmp(a, "--routes") == 0 || strcmp(a, "--api-routes") == 0) {
            bool api = strcmp(a, "--api-routes") == 0;
            int r;
            for (r = 0; r < NROUTES; r++)
                if (!api || !(routes[r].need & PAGE))
                    printf("%s %s\t%s\n", routes[r].method, routes[r].path,
                           routes[r].rule);
            return 0;
        }
        if (strcmp(a, "--no-access-log") == 0) {
            srv.access_log = false;
            continue;
        }
        if (strcmp(a, "--webhooks-to-internal") == 0) {
            webhook_allow_internal = true;
            continue;
        }
        if (strcmp(a, "--demo") == 0) {
            demo = true;
            continue;
        }
        if (!v)
            return usage("an option without its value, or an unknown one");
        if (strcmp(a, "--listen") == 0)
            listen = v;
        else if (strcmp(a, "--store") == 0)
            store = v;
        else if (strcmp(a, "--scope") == 0 &&
                 strlen(v) < sizeof(srv.scope))
            snprintf(srv.scope, sizeof(srv.scope), "%s", v);
        else if (strcmp(a, "--monitor") == 0)
            monitor_file = v;
        else if (strcmp(a, "--tls-cert") == 0)
            cert = v;
        else if (strcmp(a, "--tls-key") == 0)
            key = v;
        else if (strcmp(a, "--threads") == 0 &&
                 (threads = number_arg(v, 1, 256)) > 0)
            ;
        else if (strcmp(a, "--timeout") == 0 &&
                 (timeout = number_arg(v, 1, 3600)) > 0)
            ;
        else if (strcmp(a, "--drain") == 0 &&
                 (drain = number_arg(v, 0, 3600)) >= 0)
            ;
        else if (strcmp(a, "--max-connections") == 0 &&
                 (maxconn = number_arg(v, 1, 1000000)) > 0)
            ;
        else
            return usage("unknown option or a value out of range");
        i++;
    }
    if (demo) {
        if (store || srv.scope[0])
            return usage("--demo makes its own store and scope");
        if (serve_demo(demo_store, sizeof(demo_store), srv.scope,
                       sizeof(srv.scope)))
            return 2;
        store = demo_store;
    }
    if (!store)
        store = getenv("CLOUDWARD_STORE");
    if (!parse_listen(listen, &o.ss, &sslen))
        return usage("--listen takes ADDR:PORT (127.0.0.1:8080, "
                     "[::1]:8080)");
    if (!cert != !key)
        return usage("TLS takes both --tls-cert and --tls-key");
    if (cert && (!(o.cert = slurp(cert)) || !(o.key = slurp(key)))) {
        fprintf(stderr, "cloudward: cannot read %s: %s\n",
                o.cert ? key : cert, strerror(errno ? errno : EINVAL));
        release_pem(&o.cert);
        return 2;
    }
    srv.tls = cert != NULL;
    o.threads = (unsigned)threads;
    o.timeout = (unsigned)timeout;
    o.maxconn = (unsigned)maxconn;
    if (serve_init(store && *store ? store : ".cloudward") ||
        soa_view_init()) {
        release_pem(&o.cert);
        release_pem(&o.key);
        return 2;
    }
    if (monitor_file && monitor_load(monitor_file)) {
        monitor_stop();
        release_pem(&o.cert);
        release_pem(&o.key);
        return 2;
    }
    {
        struct cw_access *a;
        cw_diag_clear(&d);
        if (cw_access_open(srv.store, false, &a, &d)) {
            fprintf(stderr,
                    "cloudward: %s\n(create a token first: cloudward token "
                    "create --store ...)\n",
                    d.msg);
            release_pem(&o.cert);
            release_pem(&o.key);
            return 2;
        }
        cw_access_close(a);
    }
    /* Signals go to the main thread alone: block them before the pool
     * starts, so its threads inherit the mask. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (!(daemon = start_daemon(&o))) {
        fprintf(stderr, "cloudward: cannot %s on %s: %s\n",
                cert ? "start TLS (is the key the certificate's?) or listen"
                     : "listen",
                listen, strerror(errno));
        release_pem(&o.cert);
        release_pem(&o.key);
        return 2;
    }
    info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (info) { /* port 0: a reload binds the one given */
        if (((struct sockaddr *)&o.ss)->sa_family == AF_INET6)
            ((struct sockaddr_in6 *)(void *)&o.ss)->sin6_port =
                htons(info->port);
        else
            ((struct sockaddr_in *)(void *)&o.ss)->sin_port =
                htons(info->port);
    }
    fprintf(stderr, "cloudward %s: listening on %s://%.*s:%u (store %s)\n",
            cw_version(), cert ? "https" : "http",
            (int)(strrchr(listen, ':') - listen), listen,
            info ? info->port : 0, srv.store);
    if (demo) {
        printf("\nOpen %s://%.*s:%u/ in a browser. Ctrl-C stops the demo.\n",
               cert ? "https" : "http", (int)(strrchr(listen, ':') - listen),
               listen, info ? info->port : 0);
        fflush(stdout);
    }
    (void)webhook_worker_start(); /* on failure, deliveries wait */
    matrix_watch_start();
    if (monitor_start())
        fputs("cloudward: the monitor could not start: its schedules wait\n",
              stderr);
    for (;;) {
        struct listener n = o;
        struct MHD_Daemon *next;
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig != SIGHUP)
            break;
        if (!cert) {
            fputs("cloudward: SIGHUP: nothing to reload (no TLS "
                  "certificate is served)\n",
                  stderr);
            continue;
        }
        /* A new certificate: a new daemon beside the old one, then the
         * old one drains. Any failure keeps the old one serving. */
        n.cert = slurp(cert);
        n.key = slurp(key);
        if (!n.cert || !n.key || !(next = start_daemon(&n))) {
            fprintf(stderr,
                    "cloudward: SIGHUP: cannot load %s and %s; still "
                    "serving the previous certificate\n",
                    cert, key);
            release_pem(&n.cert);
            release_pem(&n.key);
            continue;
        }
        quiesce(daemon);
        cut = drain_daemon(daemon, time(NULL) + drain);
        MHD_stop_daemon(daemon);
        release_pem(&o.cert);
        release_pem(&o.key);
        o = n;
        daemon = next;
        fprintf(stderr,
                "cloudward: SIGHUP: certificate reloaded (%u connection(s) "
                "cut)\n",
                cut);
    }
    /* Drain: stop accepting, let what is in flight finish, then stop. */
    atomic_store(&draining, true);
    quiesce(daemon);
    cut = drain_daemon(daemon, time(NULL) + drain);
    monitor_stop();
    matrix_watch_stop();
    webhook_worker_stop();
    fprintf(stderr, "cloudward: %s: stopped, %u connection(s) cut\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM", cut);
    serve_finish(daemon);
    release_pem(&o.cert);
    release_pem(&o.key);
    return 0;
}
