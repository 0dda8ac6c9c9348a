/*
 * webhook_worker.c - the thread of `cloudward serve` that delivers the
 * webhook outbox (cw_webhook.h) with libcurl.
 *
 * Once a second (and at once when told to stop) it asks the store for
 * the deliveries due, posts each one signed (X-Cloudward-Signature, with
 * X-Cloudward-Event and X-Cloudward-Delivery), and reports the attempt;
 * the library keeps the schedule, the delivery log and the ledger
 * entries. It has its own handle on the store, opened on its own thread
 * (a SQLite or libpq connection is one thread's), and its own curl
 * handle (connections to a receiver are reused).
 *
 * A request: POST, no redirect followed (a receiver that moved says so
 * with a new URL, not a 3xx that could point anywhere), TLS verified,
 * 5 s to connect and 10 s in all (a slow receiver holds up the others
 * for no more than that), the answer's body read up to 64 KiB and
 * ignored. A 2xx delivers; anything else is retried later. Stopping
 * aborts a request in flight (it is not counted: its lease ends and it
 * is tried again, by this server's next start or by another server).
 *
 * Its log: one JSON line per attempt on stderr (with the access log):
 * the delivery's id, tenant, the receiver's scheme and host, status and
 * outcome. Never the secret, and never the URL's path or query (a
 * receiver's URL often carries a token of its own).
 *
 * CLOUDWARD_WEBHOOK_BACKOFF_MS: the first wait after a failed attempt,
 * in milliseconds (default 30,000): a knob for tests, which cannot wait
 * minutes for a retry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "http.h"

/* Deliveries taken from the store at a time. */
#define BATCH 16
/* What is read of an answer's body before the rest is dropped. */
#define BODY_MAX (64 * 1024)

bool webhook_allow_internal;

static struct worker worker;
static long long base_ms; /* CLOUDWARD_WEBHOOK_BACKOFF_MS, or 0 */

/* Unix time in milliseconds. */
static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The answer's body: counted, not kept, and cut at BODY_MAX. */
static size_t sink(char *p, size_t size, size_t n, void *arg)
{
    size_t *got = arg;
    (void)p;
    *got += size * n;
    return *got > BODY_MAX ? 0 : size * n;
}

/* Aborts a request in flight when the server stops. */
static int progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
                    curl_off_t un)
{
    (void)arg;
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    return worker_stopping(&worker) ? 1 : 0;
}

/* The scheme and host of a URL the library accepted (no user part). */
static void origin_of(const char *url, char *out, size_t n)
{
    const char *p = strstr(url, "://");
    size_t k = p ? (size_t)(p - url) + 3 : 0;
    k += strcspn(url + k, "/?#");
    snprintf(out, n, "%.*s", (int)k, url);
}

/* A JSON line on stderr, whole (one write). */
static void log_line(const char *line, int n)
{
    if (n > 0 && n < 1024)
        (void)!write(STDERR_FILENO, line, (size_t)n);
}

/* An error of the worker's, as a JSON line (the library's message:
 * it names no secret). */
static void log_error(const char *what, const char *msg)
{
    char ts[32];
    struct tm tm;
    time_t t = time(NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return;
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    fprintf(m, "{\"time\":\"%s\",\"webhooks\":\"%s\",\"error\":", ts, what);
    cw_json_quote(m, msg);
    fputs("}\n", m);
    if (fclose(m) == 0 && len < 1024)
        log_line(buf, (int)len);
    free(buf);
}

struct job {
    struct cw_access *a;
    CURL *curl;
    long long handed;
};

/* Posts one delivery and reports the attempt; non-zero to stop. */
/* Is `sa` an address a webhook may not reach: loopback, private
 * (RFC 1918, unique local), link-local (a cloud's metadata service is
 * 169.254.169.254), unspecified, carrier-grade NAT, multicast? A
 * customer-admin names the URL; without this, the server would POST
 * into the provider's own network for them (blind SSRF). */
static bool internal_address(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const unsigned char *b = (const unsigned char *)&(
            (const struct sockaddr_in *)(const void *)sa)->sin_addr;
        return b[0] == 0 || b[0] == 10 || b[0] == 127 ||
               (b[0] == 100 && (b[1] & 0xc0) == 64) ||
               (b[0] == 169 && b[1] == 254) ||
               (b[0] == 172 && (b[1] & 0xf0) == 16) ||
               (b[0] == 192 && b[1] == 168) || b[0] >= 224;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a =
            &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        const unsigned char *b = a->s6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) {
            struct sockaddr_in v4;
            memset(&v4, 0, sizeof(v4));
            v4.sin_family = AF_INET;
            memcpy(&v4.sin_addr, b + 12, 4);
            return internal_address((const struct sockaddr *)&v4);
        }
        return IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a) ||
               IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_MULTICAST(a) ||
               (b[0] & 0xfe) == 0xfc; /* unique local fc00::/7 */
    }
    return true;
}

/* libcurl's socket opener: the resolved address is checked here, after
 * DNS, so a name that resolves inside cannot slip past. */
static curl_socket_t open_checked(void *arg, curlsocktype purpose,
                                  struct curl_sockaddr *a)
{
    (void)arg;
    if (purpose != CURLSOCKTYPE_IPCXN ||
        (!webhook_allow_internal && internal_address(&a->addr)))
        return CURL_SOCKET_BAD;
    return socket(a->family, a->socktype, a->protocol);
}

static int deliver(void *arg, const struct cw_webhook_delivery *w)
{
    struct job *j = arg;
    char sig[CW_WEBHOOK_SIGNATURE], h_sig[160], h_event[128], h_id[64],
        agent[64], origin[300], line[1024], ts[32], why[160] = "";
    struct curl_slist *hdr = NULL, *h;
    struct cw_diag d;
    enum cw_webhook_outcome o = CW_WEBHOOK_RETRY;
    long long t0 = now_ms();
    long status = 0;
    size_t got = 0;
    CURLcode rc;
    time_t now = time(NULL);
    struct tm tm;
    int n;

    j->handed++;
    if (worker_stopping(&worker))
        return 1;
    cw_webhook_sign(w->secret, (long long)now, w->body, sig);
    snprintf(h_sig, sizeof(h_sig), "X-Cloudward-Signature: %s", sig);
    snprintf(h_event, sizeof(h_event), "X-Cloudward-Event: %s", w->event);
    snprintf(h_id, sizeof(h_id), "X-Cloudward-Delivery: %s", w->id);
    snprintf(agent, sizeof(agent), "cloudward-webhook/%s", cw_version());
    {
        const char *const lines[] = { "Content-Type: application/json",
                                      h_sig, h_event, h_id,
                                      "Expect:" /* no 100-continue */ };
        size_t i;
        for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
            if (!(h = curl_slist_append(hdr, lines[i]))) {
                curl_slist_free_all(hdr);
                hdr = NULL;
                break;
            }
            hdr = h;
        }
    }
    explicit_bzero(sig, sizeof(sig));
    explicit_bzero(h_sig, sizeof(h_sig));
    if (!hdr) {
        log_error("post", "out of memory");
        return 1;
    }
    curl_easy_reset(j->curl);
    curl_easy_setopt(j->curl, CURLOPT_URL, w->url);
    curl_easy_setopt(j->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(j->curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(j->curl, CURLOPT_OPENSOCKETFUNCTION, open_checked);
    curl_easy_setopt(j->curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(j->curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(j->curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(j->curl, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(j->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(j->curl, CURLOPT_USERAGENT, agent);
    curl_easy_setopt(j->curl, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(j->curl, CURLOPT_POST, 1L);
    curl_easy_setopt(j->curl, CURLOPT_POSTFIELDS, w->body);
    curl_easy_setopt(j->curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)strlen(w->body));
    curl_easy_setopt(j->curl, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(j->curl, CURLOPT_WRITEDATA, &got);
    curl_easy_setopt(j->curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(j->curl, CURLOPT_XFERINFOFUNCTION, progress);
    rc = curl_easy_perform(j->curl);
    curl_slist_free_all(hdr);
    curl_easy_setopt(j->curl, CURLOPT_HTTPHEADER, NULL);
    if (rc == CURLE_ABORTED_BY_CALLBACK)
        return 1; /* stopping: not an attempt of the receiver's */
    curl_easy_getinfo(j->curl, CURLINFO_RESPONSE_CODE, &status);
    /* An answer whose body ran past BODY_MAX was still an answer. */
    if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && status > 0)) {
        status = 0;
        snprintf(why, sizeof(why), "%s", curl_easy_strerror(rc));
    }
    cw_diag_clear(&d);
    if (cw_webhook_result(j->a, w->id, now_ms(), (int)status,
                          why[0] ? why : NULL, base_ms, &o, &d) &&
        d.msg[0])
        log_error("result", d.msg);
    if (srv.access_log) {
        origin_of(w->url, origin, sizeof(origin));
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
        n = snprintf(line, sizeof(line),
                     "{\"time\":\"%s\",\"webhook\":\"%s\",\"tenant\":\"%s\","
                     "\"to\":\"%.200s\",\"attempt\":%lld,\"status\":%ld,"
                     "\"outcome\":\"%s\",\"ms\":%lld}\n",
                     ts, w->id, w->tenant, origin, w->attempts + 1, status,
                     cw_webhook_outcome_name(o), now_ms() - t0);
        log_line(line, n);
    }
    return worker_stopping(&worker) ? 1 : 0;
}

static void *run(void *arg)
{
    struct job j = { NULL, NULL, 0 };
    char last[sizeof(((struct cw_diag *)0)->msg)] = "";
    struct cw_diag d;
    (void)arg;

    if (!(j.curl = curl_easy_init())) {
        log_error("start", "libcurl cannot start");
        return NULL;
    }
    while (!worker_stopping(&worker)) {
        enum cw_status st;
        cw_diag_clear(&d);
        if (!j.a && cw_access_open(srv.store, false, &j.a, &d)) {
            j.a = NULL;
            st = CW_EIO;
        } else {
            /* A full batch: there may be more, at once. */
            do {
                j.handed = 0;
                st = cw_webhook_due(j.a, now_ms(), BATCH, deliver, &j, &d);
            } while (!st && j.handed == BATCH && !worker_stopping(&worker));
        }
        /* An error said once, until it changes. */
        if (st && strcmp(d.msg, last) != 0)
            log_error("due", d.msg);
        snprintf(last, sizeof(last), "%s", st ? d.msg : "");
        worker_nap(&worker, 1000);
    }
    curl_easy_cleanup(j.curl);
    cw_access_close(j.a);
    return NULL;
}

int webhook_worker_start(void)
{
    const char *knob = getenv("CLOUDWARD_WEBHOOK_BACKOFF_MS");
    char *end;
    int rc;

    base_ms = 0;
    if (knob && *knob) {
        long long v = strtoll(knob, &end, 10);
        if (*end || v < 1 || v > CW_WEBHOOK_BACKOFF_CAP_MS)
            log_error("start", "CLOUDWARD_WEBHOOK_BACKOFF_MS: not a number "
                               "of milliseconds; the default is used");
        else
            base_ms = v;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        log_error("start", "libcurl cannot start: webhooks wait in the "
                           "store");
        return -1;
    }
    if ((rc = worker_start(&worker, run)) != 0) {
        log_error("start", strerror(rc));
        curl_global_cleanup();
        return -1;
    }
    return 0;
}

void webhook_worker_stop(void)
{
    if (!worker.running)
        return;
    worker_stop(&worker);
    curl_global_cleanup();
}
