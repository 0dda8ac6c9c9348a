/*
 * serve.c - `cloudward serve`: the HTTP server (libmicrohttpd), a client
 * of the public API like the CLI: nothing here includes a private header.
 *
 * Threads: libmicrohttpd's pool (epoll, one thread per core by default)
 * runs the handlers; the main thread waits for signals. A handler uses
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

/* ---- routes and their counters ------------------------------------------- */

enum route {
    R_HEALTHZ,
    R_READYZ,
    R_METRICS,
    R_CONTROLS,
    R_LOG,
    R_NOT_FOUND,
    R_COUNT
};

static const char *const route_names[R_COUNT] = {
    "/healthz", "/readyz", "/metrics", "/api/v1/controls", "/api/v1/log",
    "other",
};

/* Latency buckets of the Prometheus histogram, in seconds. */
static const double buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                  0.025,  0.05,  0.1,    0.25,  1 };
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))
#define NCLASSES 5 /* 1xx..5xx */

static struct {
    atomic_ullong requests[R_COUNT][NCLASSES];
    atomic_ullong le[R_COUNT][NBUCKETS];
    atomic_ullong micros[R_COUNT];
    atomic_ullong count[R_COUNT];
} stats;

/* ---- the server's state ---------------------------------------------------- */

struct listing {
    char *catalog;
    char *json; /* the body */
    size_t len;
    char etag[24];
};

static struct {
    char store[4096];
    struct listing *listings;
    size_t nlistings;
    atomic_bool draining;
    bool access_log;
    size_t max_body;
} srv;

/* Per request: what the log line and the counters need. */
struct req {
    struct timespec start;
    enum route route;
    unsigned status;
    size_t bytes;
    char token_id[CW_TOKEN_ID];
    size_t body; /* bytes of request body seen */
};

/* Each pool thread's handle on the access tables, opened on first use;
 * all of them listed, to be closed when the pool has stopped. */
static _Thread_local struct cw_access *tl_access;
static _Thread_local bool tl_access_tried;
static pthread_mutex_t handles_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cw_access *handles[256];
static size_t nhandles;

static struct cw_access *access_tables(void)
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

/* And its handle on the ledger, likewise. */
static _Thread_local struct cw_ledger *tl_ledger;
static struct cw_ledger *ledgers[256];
static size_t nledgers;

static struct cw_ledger *ledger(void)
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
    for (i = 0; i < srv.nlistings; i++) {
        free(srv.listings[i].catalog);
        free(srv.listings[i].json);
    }
    free(srv.listings);
    srv.listings = NULL;
    srv.nlistings = 0;
}

/* ---- responses --------------------------------------------------------------- */

static void secure(struct MHD_Response *r, bool cache)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'none'");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    if (!cache)
        MHD_add_response_header(r, "Cache-Control", "no-store");
}

static enum MHD_Result reply(struct MHD_Connection *c, struct req *q,
                            unsigned status, const char *type,
                            const void *body, size_t len, bool copy,
                            const char *etag)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, (void *)body,
        copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ok;
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    secure(r, etag != NULL);
    if (etag) {
        MHD_add_response_header(r, "ETag", etag);
        MHD_add_response_header(r, "Cache-Control", "private, no-cache");
    }
    q->status = status;
    q->bytes = len;
    ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

/* An RFC 9457 problem: type about:blank, the status's title, a detail. */
static enum MHD_Result problem(struct MHD_Connection *c, struct req *q,
                               unsigned status, const char *title,
                               const char *detail)
{
    char body[512];
    struct MHD_Response *r;
    enum MHD_Result ok;
    int n = snprintf(body, sizeof(body),
                     "{\"type\":\"about:blank\",\"title\":\"%s\","
                     "\"status\":%u,\"detail\":\"%s\"}",
                     title, status, detail);
    r = MHD_create_response_from_buffer((size_t)n, body,
                                        MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/problem+json");
    secure(r, false);
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(r, "WWW-Authenticate",
                                "Bearer realm=\"cloudward\"");
    q->status = status;
    q->bytes = (size_t)n;
    ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

/* ---- handlers ------------------------------------------------------------------ */

/* The bearer token's grant, or a 401 problem queued (false). The same
 * answer for a missing, malformed, unknown, revoked or expired token. */
static bool authorized(struct MHD_Connection *c, struct req *q,
                       struct cw_token_info *who, enum MHD_Result *ret)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                "Authorization");
    struct cw_access *a = access_tables();
    struct cw_diag d;

    cw_diag_clear(&d);
    if (!a) {
        *ret = problem(c, q, MHD_HTTP_SERVICE_UNAVAILABLE,
                       "Service Unavailable",
                       "the store cannot be read; see the server's log");
        return false;
    }
    if (!h || strncmp(h, "Bearer ", 7) != 0 ||
        cw_token_check(a, h + 7, (long long)time(NULL), who, &d)) {
        *ret = problem(c, q, MHD_HTTP_UNAUTHORIZED, "Unauthorized",
                       "a valid API token is needed: Authorization: "
                       "Bearer TOKEN (cloudward token create)");
        return false;
    }
    snprintf(q->token_id, sizeof(q->token_id), "%s", who->id);
    return true;
}

static enum MHD_Result controls(struct MHD_Connection *c, struct req *q)
{
    const char *catalog = MHD_lookup_connection_value(
        c, MHD_GET_ARGUMENT_KIND, "catalog");
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                  "If-None-Match");
    struct cw_token_info who;
    enum MHD_Result ret;
    size_t i;

    if (!authorized(c, q, &who, &ret))
        return ret;
    if (!catalog)
        return problem(c, q, MHD_HTTP_BAD_REQUEST, "Bad Request",
                       "name a catalog: ?catalog=iso27002:2022");
    for (i = 0; i < srv.nlistings; i++) {
        const struct listing *l = &srv.listings[i];
        if (strcmp(l->catalog, catalog) != 0)
            continue;
        if (inm && strcmp(inm, l->etag) == 0)
            return reply(c, q, MHD_HTTP_NOT_MODIFIED, "application/json", "",
                        0, false, l->etag);
        return reply(c, q, MHD_HTTP_OK, "application/json", l->json, l->len,
                    false, l->etag);
    }
    return problem(c, q, MHD_HTTP_NOT_FOUND, "Not Found",
                   "no such catalog (cloudward controls list shows them)");
}

/* A decimal query parameter in [0, max], or `def` when absent; -1 when
 * malformed. */
static long long query_number(struct MHD_Connection *c, const char *name,
                              long long def, long long max)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                name);
    char *end;
    long long n;
    if (!v)
        return def;
    if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 18)
        return -1;
    n = strtoll(v, &end, 10);
    return n > max ? -1 : n;
}

/*
 * GET /api/v1/log?offset=N&limit=M[&tenant=T]: a page of the log as a JSON
 * array of `cloudward log show --format json` lines (each entry with its
 * inclusion proof against the latest checkpoint, and the checkpoint).
 * A tenant's token sees its own tenant's entries and nothing else: asking
 * for another tenant is answered as a tenant that does not exist would
 * be. The provider's roles see every entry, or one tenant's.
 */
static enum MHD_Result log_page(struct MHD_Connection *c, struct req *q)
{
    const char *want = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                   "tenant");
    long long offset = query_number(c, "offset", 0, 1000000000000LL),
              limit = query_number(c, "limit", 100, 1000);
    struct cw_token_info who;
    struct cw_ledger *l;
    struct cw_diag d;
    enum MHD_Result ret;
    enum cw_status st;
    const char *tenant;
    char *buf = NULL;
    size_t len = 0, i;
    FILE *m;

    if (!authorized(c, q, &who, &ret))
        return ret;
    if (offset < 0 || limit < 1)
        return problem(c, q, MHD_HTTP_BAD_REQUEST, "Bad Request",
                       "offset: 0 or more; limit: 1 to 1000");
    if (cw_grant_is_tenant(who.role)) {
        if (want && strcmp(want, who.tenant) != 0)
            return problem(c, q, MHD_HTTP_NOT_FOUND, "Not Found",
                           "no such tenant");
        tenant = who.tenant;
    } else {
        tenant = want;
    }
    if (!(l = ledger()))
        return problem(c, q, MHD_HTTP_NOT_FOUND, "Not Found",
                       "the store has no ledger yet");
    if (!(m = open_memstream(&buf, &len)))
        return problem(c, q, MHD_HTTP_INTERNAL_SERVER_ERROR,
                       "Internal Server Error", "out of memory");
    cw_diag_clear(&d);
    cw_ledger_view_as(l, tenant);
    st = cw_ledger_show_page(l, tenant, (uint64_t)offset, (uint64_t)limit,
                             true, m, &d);
    cw_ledger_view_as(l, NULL);
    if (fclose(m) != 0 || st) {
        free(buf);
        return problem(c, q, MHD_HTTP_INTERNAL_SERVER_ERROR,
                       "Internal Server Error",
                       st == CW_EINTEGRITY ? "the log does not verify; the "
                                             "provider has been told"
                                           : "the log cannot be read");
    }
    /* JSON lines into one array: a comma for each newline but the last. */
    for (i = 0; i + 1 < len; i++)
        if (buf[i] == '\n')
            buf[i] = ',';
    {
        char *body = malloc(len + 3);
        if (!body) {
            free(buf);
            return problem(c, q, MHD_HTTP_INTERNAL_SERVER_ERROR,
                           "Internal Server Error", "out of memory");
        }
        body[0] = '[';
        memcpy(body + 1, buf, len);
        if (len && body[len] == '\n')
            len--;
        body[len + 1] = ']';
        body[len + 2] = '\n';
        ret = reply(c, q, MHD_HTTP_OK, "application/json", body, len + 3,
                    true, NULL);
        free(body);
    }
    free(buf);
    return ret;
}

static enum MHD_Result metrics(struct MHD_Connection *c, struct req *q)
{
    char *buf = NULL;
    size_t len = 0, k;
    FILE *m = open_memstream(&buf, &len);
    enum MHD_Result ret;
    int r, s;

    if (!m)
        return problem(c, q, MHD_HTTP_INTERNAL_SERVER_ERROR,
                       "Internal Server Error", "out of memory");
    fputs("# HELP cloudward_http_requests_total HTTP requests by route and "
          "status class.\n"
          "# TYPE cloudward_http_requests_total counter\n",
          m);
    for (r = 0; r < R_COUNT; r++)
        for (s = 0; s < NCLASSES; s++)
            fprintf(m,
                    "cloudward_http_requests_total{route=\"%s\",code="
                    "\"%dxx\"} %llu\n",
                    route_names[r], s + 1,
                    (unsigned long long)atomic_load(&stats.requests[r][s]));
    fputs("# HELP cloudward_http_request_duration_seconds Time to answer, "
          "by route.\n"
          "# TYPE cloudward_http_request_duration_seconds histogram\n",
          m);
    for (r = 0; r < R_COUNT; r++) {
        for (k = 0; k < NBUCKETS; k++)
            fprintf(m,
                    "cloudward_http_request_duration_seconds_bucket{route="
                    "\"%s\",le=\"%g\"} %llu\n",
                    route_names[r], buckets[k],
                    (unsigned long long)atomic_load(&stats.le[r][k]));
        fprintf(m,
                "cloudward_http_request_duration_seconds_bucket{route=\"%s\","
                "le=\"+Inf\"} %llu\n"
                "cloudward_http_request_duration_seconds_sum{route=\"%s\"} "
                "%.6f\n"
                "cloudward_http_request_duration_seconds_count{route=\"%s\"} "
                "%llu\n",
                route_names[r],
                (unsigned long long)atomic_load(&stats.count[r]),
                route_names[r],
                (double)atomic_load(&stats.micros[r]) / 1e6, route_names[r],
                (unsigned long long)atomic_load(&stats.count[r]));
    }
    {
        struct cw_ledger *l;
        struct cw_diag d;
        uint64_t size;
        cw_diag_clear(&d);
        if (!cw_ledger_open_existing(srv.store, &l, &d)) {
            if (!cw_ledger_size(l, &size, &d))
                fprintf(m,
                        "# HELP cloudward_ledger_entries Entries in the "
                        "ledger.\n# TYPE cloudward_ledger_entries gauge\n"
                        "cloudward_ledger_entries %llu\n",
                        (unsigned long long)size);
            cw_ledger_close(l);
        }
    }
    if (fclose(m) != 0) {
        free(buf);
        return problem(c, q, MHD_HTTP_INTERNAL_SERVER_ERROR,
                       "Internal Server Error", "out of memory");
    }
    ret = reply(c, q, MHD_HTTP_OK, "text/plain; version=0.0.4", buf, len,
               true, NULL);
    free(buf);
    return ret;
}

static enum route route_of(const char *url)
{
    int r;
    for (r = 0; r < R_NOT_FOUND; r++)
        if (strcmp(url, route_names[r]) == 0)
            return (enum route)r;
    return R_NOT_FOUND;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    struct req *q = *con_cls;
    (void)cls;
    (void)version;
    (void)upload;

    if (!q) {
        if (!(q = calloc(1, sizeof(*q))))
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &q->start);
        q->route = route_of(url);
        *con_cls = q;
        return MHD_YES; /* headers read; the body, if any, comes next */
    }
    if (*upload_size) {
        /* No route takes a body yet: count it and refuse it whole. */
        q->body += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    if (q->body)
        return problem(c, q, q->body > srv.max_body
                                 ? MHD_HTTP_CONTENT_TOO_LARGE
                                 : MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                       q->body > srv.max_body ? "Content Too Large"
                                              : "Unsupported Media Type",
                       "this route takes no request body");
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return problem(c, q, MHD_HTTP_METHOD_NOT_ALLOWED,
                       "Method Not Allowed", "only GET is served here");
    switch (q->route) {
    case R_HEALTHZ:
        return reply(c, q, MHD_HTTP_OK, "text/plain", "ok\n", 3, false, NULL);
    case R_READYZ:
        if (atomic_load(&srv.draining))
            return reply(c, q, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
                        "draining\n", 9, false, NULL);
        if (!access_tables())
            return reply(c, q, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
                        "the store cannot be read\n", 25, false, NULL);
        return reply(c, q, MHD_HTTP_OK, "text/plain", "ready\n", 6, false,
                    NULL);
    case R_METRICS:
        return metrics(c, q);
    case R_CONTROLS:
        return controls(c, q);
    case R_LOG:
        return log_page(c, q);
    default:
        return problem(c, q, MHD_HTTP_NOT_FOUND, "Not Found",
                       "no such route");
    }
}

/* After a request: the counters and the log line. */
static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode why)
{
    struct req *q = *con_cls;
    struct timespec end;
    unsigned long long us;
    unsigned cls_;
    size_t k;
    (void)cls;
    (void)why;

    if (!q)
        return;
    clock_gettime(CLOCK_MONOTONIC, &end);
    us = (unsigned long long)((end.tv_sec - q->start.tv_sec) * 1000000LL +
                              (end.tv_nsec - q->start.tv_nsec) / 1000);
    cls_ = q->status >= 100 && q->status < 600 ? q->status / 100 - 1 : 4;
    atomic_fetch_add(&stats.requests[q->route][cls_], 1);
    atomic_fetch_add(&stats.count[q->route], 1);
    atomic_fetch_add(&stats.micros[q->route], us);
    for (k = 0; k < NBUCKETS; k++)
        if ((double)us / 1e6 <= buckets[k])
            atomic_fetch_add(&stats.le[q->route][k], 1);
    if (srv.access_log) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
            c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        char addr[INET6_ADDRSTRLEN] = "-", ts[32], line[512];
        struct tm tm;
        time_t now = time(NULL);
        int n;
        if (ci && ci->client_addr) {
            const struct sockaddr *sa = ci->client_addr;
            if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET,
                          &((const struct sockaddr_in *)(const void *)sa)
                               ->sin_addr,
                          addr, sizeof(addr));
            else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6,
                          &((const struct sockaddr_in6 *)(const void *)sa)
                               ->sin6_addr,
                          addr, sizeof(addr));
        }
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
        /* The route's name, not the raw path: nothing a client typed
         * reaches the log unescaped. */
        n = snprintf(line, sizeof(line),
                     "{\"time\":\"%s\",\"client\":\"%s\",\"route\":\"%s\","
                     "\"status\":%u,\"bytes\":%zu,\"ms\":%.3f%s%s%s}\n",
                     ts, addr, route_names[q->route], q->status, q->bytes,
                     (double)us / 1000, q->token_id[0] ? ",\"token\":\"" : "",
                     q->token_id, q->token_id[0] ? "\"" : "");
        if (n > 0)
            (void)!write(STDERR_FILENO, line, (size_t)n);
    }
    free(q);
    *con_cls = NULL;
}

/* ---- start-up ------------------------------------------------------------------ */

/* Each catalog's listing, rendered as `controls list --catalog C --format
 * json` renders it (through a private temporary file). */
static int render_listings(const struct cw_catalogs *cats)
{
    char dir[] = "/tmp/cloudward-serve-XXXXXX", path[64];
    size_t i, n = cw_catalogs_count(cats);
    struct cw_diag d;

    if (!mkdtemp(dir))
        return -1;
    srv.listings = calloc(n, sizeof(*srv.listings));
    for (i = 0; srv.listings && i < n; i++) {
        const struct cw_catalog *cat = cw_catalogs_at(cats, i);
        const struct cw_control **v = calloc(cat->ncontrols + 1, sizeof(*v));
        struct listing *l = &srv.listings[srv.nlistings];
        FILE *f;
        long len;
        size_t k;
        unsigned long h = 5381;
        if (!v)
            break;
        for (k = 0; k < cat->ncontrols; k++)
            v[k] = &cat->controls[k];
        snprintf(path, sizeof(path), "%s/listing.json", dir);
        cw_diag_clear(&d);
        if (cw_report_controls(v, cat->ncontrols, CW_FORMAT_JSON, path, &d) ||
            !(f = fopen(path, "rb"))) {
            free(v);
            continue;
        }
        free(v);
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        fseek(f, 0, SEEK_SET);
        l->json = malloc(len > 0 ? (size_t)len : 1);
        if (l->json && len > 0 && fread(l->json, 1, (size_t)len, f) == (size_t)len) {
            l->len = (size_t)len;
            l->catalog = strdup(cat->name);
            for (k = 0; k < l->len; k++)
                h = h * 33 + (unsigned char)l->json[k];
            snprintf(l->etag, sizeof(l->etag), "\"%016lx\"", h);
            srv.nlistings++;
        } else {
            free(l->json);
            l->json = NULL;
        }
        fclose(f);
        remove(path);
    }
    rmdir(dir);
    return srv.listings && srv.nlistings == n ? 0 : -1;
}

/* What each route needs, for --routes and the authorization test. */
static const char *const route_rules[R_NOT_FOUND] = {
    "public", "public", "public", "token", "token, a tenant's own",
};

static const char help[] =
    "usage: cloudward serve [--listen ADDR:PORT] [--store DIR|URL]\n"
    "                       [--threads N] [--timeout SECONDS]\n"
    "                       [--drain SECONDS] [--max-connections N]\n"
    "                       [--no-access-log]\n"
    "       cloudward serve --routes\n"
    "\n"
    "Serves the store over HTTP (plain, for a reverse proxy on the same\n"
    "machine; docs/server.md): /healthz, /readyz, /metrics (Prometheus),\n"
    "and the API under /api/v1 (Authorization: Bearer TOKEN, from\n"
    "'cloudward token create'): GET /api/v1/controls?catalog=NAME,\n"
    "GET /api/v1/log?offset=N&limit=M[&tenant=T] (a tenant's token: its\n"
    "own entries only, with their proofs).\n"
    "Defaults: --listen 127.0.0.1:8080 (port 0: any free port, printed),\n"
    "one thread per core, --timeout 30 (an idle or slow connection is\n"
    "closed), --drain 10 (SIGTERM: requests in flight get this long),\n"
    "--max-connections 10000. One JSON line per request on stderr.\n"
    "--routes prints the routes served and what each needs, and exits.\n";

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

int cw_serve(int argc, char **argv)
{
    const char *listen = "127.0.0.1:8080", *store = NULL;
    long threads = sysconf(_SC_NPROCESSORS_ONLN), timeout = 30, drain = 10,
         maxconn = 10000;
    struct sockaddr_storage ss;
    socklen_t sslen;
    struct cw_catalogs *cats = NULL;
    struct MHD_Daemon *daemon;
    const union MHD_DaemonInfo *info;
    struct cw_diag d;
    sigset_t sigs;
    int i, sig;

    srv.access_log = true;
    srv.max_body = 1 << 20;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(help, stdout);
            return 0;
        }
        if (strcmp(a, "--routes") == 0) {
            int r;
            for (r = 0; r < R_NOT_FOUND; r++)
                printf("GET %s\t%s\n", route_names[r], route_rules[r]);
            return 0;
        }
        if (strcmp(a, "--no-access-log") == 0) {
            srv.access_log = false;
            continue;
        }
        if (!v)
            return usage("an option without its value, or an unknown one");
        if (strcmp(a, "--listen") == 0)
            listen = v;
        else if (strcmp(a, "--store") == 0)
            store = v;
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
    if (!store)
        store = getenv("CLOUDWARD_STORE");
    snprintf(srv.store, sizeof(srv.store), "%s",
             store && *store ? store : ".cloudward");
    if (!parse_listen(listen, &ss, &sslen))
        return usage("--listen takes ADDR:PORT (127.0.0.1:8080, "
                     "[::1]:8080)");
    cw_diag_clear(&d);
    if (cw_catalogs_new(NULL, &cats, &d) || render_listings(cats)) {
        fprintf(stderr, "cloudward: cannot load the catalogs: %s\n", d.msg);
        cw_catalogs_free(cats);
        return 2;
    }
    cw_catalogs_free(cats);
    {
        struct cw_access *a;
        cw_diag_clear(&d);
        if (cw_access_open(srv.store, false, &a, &d)) {
            fprintf(stderr,
                    "cloudward: %s\n(create a token first: cloudward token "
                    "create --store ...)\n",
                    d.msg);
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
    daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
            (((struct sockaddr *)&ss)->sa_family == AF_INET6 ? MHD_USE_IPv6
                                                             : 0),
        0, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)timeout,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)maxconn,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024U, MHD_OPTION_NOTIFY_COMPLETED,
        completed, NULL, MHD_OPTION_END);
    if (!daemon) {
        fprintf(stderr, "cloudward: cannot listen on %s: %s\n", listen,
                strerror(errno));
        return 2;
    }
    info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "cloudward %s: listening on http://%.*s:%u (store %s)\n",
            cw_version(), (int)(strrchr(listen, ':') - listen), listen,
            info ? info->port : 0, srv.store);
    for (;;) {
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            fputs("cloudward: SIGHUP: nothing to reload (no TLS "
                  "certificate is served)\n",
                  stderr);
            continue;
        }
        break;
    }
    /* Drain: stop accepting, let what is in flight finish, then stop. */
    atomic_store(&srv.draining, true);
    MHD_quiesce_daemon(daemon);
    {
        time_t until = time(NULL) + drain;
        for (;;) {
            info = MHD_get_daemon_info(daemon,
                                       MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
            if (!info || info->num_connections == 0 || time(NULL) >= until)
                break;
            usleep(50000);
        }
        fprintf(stderr, "cloudward: %s: stopped, %u connection(s) cut\n",
                sig == SIGINT ? "SIGINT" : "SIGTERM",
                info ? info->num_connections : 0);
    }
    MHD_stop_daemon(daemon);
    close_all();
    return 0;
}
