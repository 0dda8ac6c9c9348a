/*
 * monitor.c - the thread of `cloudward serve --monitor FILE` that runs
 * the schedules of the monitor's file (cw_monitor.h) and sends alerts'
 * notices by e-mail and to syslog (cw_alert.h). Webhooks go through the
 * webhook worker's outbox, queued when an alert opens.
 *
 * Each schedule runs at the minutes its cron expression names (UTC),
 * once: a run that takes longer than the gap makes the next wait for the
 * following minute that matches. POST /api/v1/monitor/run asks for one
 * to run now. Jobs:
 *   scan        reads each path (a file CI exports) and scans it with
 *               the built-in config pack; the run is saved and recorded
 *               (actor monitor:NAME), as POST /api/v1/scans/config does
 *   sweep       the SoA of --scope, its drift and the fleet's agents
 *               made alerts (cw_monitor_sweep)
 *   checkpoint  a signed checkpoint of the ledger
 * Every run is one JSON line on stderr (with the access log): the
 * schedule, what it did, how long it took, or its error.
 *
 * E-mail: libcurl to the SMTP relay (smtp:// or smtps://; STARTTLS when
 * the relay offers it), one message per new alert, headers made of our
 * own text (the subject's line breaks and non-ASCII replaced: a finding
 * cannot inject a header). Syslog: one RFC 5424 message per new alert
 * (facility daemon, severity from the alert's), over a Unix datagram
 * socket or UDP. A notice that fails is tried again later (the store
 * keeps the schedule).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <curl/curl.h>

#include "http.h"

static struct {
    struct worker w;            /* its lock guards next and asked */
    struct cw_monitor_config *cfg;
    long long *next;            /* each job's next run, Unix seconds */
    bool *asked;                /* run now (POST /api/v1/monitor/run) */
} M;

/* One JSON line on stderr, written whole. */
static void log_json(const char *job, const char *what, const char *error,
                     double ms)
{
    char ts[32], *buf = NULL;
    size_t len = 0;
    time_t t = time(NULL);
    struct tm tm;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return;
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    fprintf(m, "{\"time\":\"%s\",\"monitor\":", ts);
    cw_json_quote(m, job);
    if (what) {
        fputs(",\"did\":", m);
        cw_json_quote(m, what);
    }
    if (error) {
        fputs(",\"error\":", m);
        cw_json_quote(m, error);
    }
    fprintf(m, ",\"ms\":%.1f}\n", ms);
    if (fclose(m) == 0)
        (void)!write(STDERR_FILENO, buf, len);
    free(buf);
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1000 +
           (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* ---- jobs ---------------------------------------------------------------- */

static enum cw_status job_scan(const struct cw_job *j, char *did, size_t n,
                               struct cw_diag *d)
{
    const struct cw_pack *p = server_pack(j->pack);
    char actor[96];
    size_t i, runs = 0, fails = 0;

    if (!p) {
        snprintf(d->msg, sizeof(d->msg), "pack %s cannot be loaded",
                 j->pack);
        return CW_EIO;
    }
    snprintf(actor, sizeof(actor), "monitor:%s", j->name);
    for (i = 0; i < j->npaths; i++) {
        const char *paths[1] = { j->paths[i] };
        struct cw_results *res = NULL;
        int64_t run = 0;
        enum cw_status st = cw_scan_config(p, paths, 1, NULL, &res, d);
        if (!st && cw_results_count(res) == 0) {
            snprintf(d->msg, sizeof(d->msg),
                     "%s: nothing pack %s checks is in it (nothing saved)",
                     j->paths[i], j->pack);
            st = CW_ESCHEMA;
        }
        if (!st && !(st = cw_results_save(res, srv.store, "config", actor,
                                          &run, d)))
            st = cw_results_record(res, srv.store, "config", run, actor, d);
        if (!st) {
            cw_soa_run_cache_put(srv.store, run, res);
            runs++;
            fails += cw_results_tally(res, CW_VERDICT_FAIL);
        }
        cw_results_free(res);
        if (st)
            return st; /* the first error is the answer: the rest wait */
    }
    snprintf(did, n, "%zu run(s) saved, %zu failing result(s)", runs, fails);
    return CW_OK;
}

static enum cw_status job_sweep(struct cw_access *a, const char *name,
                                char *did, size_t n, struct cw_diag *d)
{
    const struct cw_monitor_alerts *o = cw_monitor_alert_options(M.cfg);
    struct cw_soa *soa = NULL;
    struct cw_sweep r;
    char actor[96];
    enum cw_status st;

    snprintf(actor, sizeof(actor), "monitor:%s", name);
    if ((st = soa_view_build(NULL, -1, NULL, &soa, d)))
        return st;
    st = cw_monitor_sweep(a, soa, srv.store, o, (long long)time(NULL), actor,
                          &r, d);
    soa_view_free_soa(soa);
    if (!st)
        snprintf(did, n,
                 "%zu finding(s): %zu alert(s) opened, %zu open seen again, "
                 "%zu resolved",
                 r.findings, r.opened, r.refreshed, r.resolved);
    return st;
}

static enum cw_status job_checkpoint(char *did, size_t n, struct cw_diag *d)
{
    struct cw_ledger *l = NULL;
    char note[1024];
    enum cw_status st = cw_ledger_open(srv.store, &l, d);
    if (!st)
        st = cw_ledger_checkpoint(l, note, sizeof(note), d);
    cw_ledger_close(l);
    if (!st) {
        /* the note's second line: the tree's size */
        const char *nl = strchr(note, '\n');
        snprintf(did, n, "checkpoint signed at size %.*s",
                 nl ? (int)strcspn(nl + 1, "\n") : 0, nl ? nl + 1 : "");
    }
    return st;
}

static void run_job(struct cw_access *a, size_t i)
{
    const struct cw_job *j = cw_monitor_job_at(M.cfg, i);
    struct timespec t0;
    struct cw_diag d;
    char did[300] = "";
    enum cw_status st;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    cw_diag_clear(&d);
    if (j->kind == CW_JOB_SCAN)
        st = job_scan(j, did, sizeof(did), &d);
    else if (j->kind == CW_JOB_SWEEP)
        st = a ? job_sweep(a, j->name, did, sizeof(did), &d) : CW_EIO;
    else
        st = job_checkpoint(did, sizeof(did), &d);
    if (st) {
        char msg[700];
        cw_diag_format(&d, msg, sizeof(msg));
        log_json(j->name, NULL, msg[0] ? msg : cw_status_message(st),
                 ms_since(&t0));
    } else {
        log_json(j->name, did, NULL, ms_since(&t0));
    }
}

/* ---- notices ------------------------------------------------------------ */

/* `s` made fit for a header: control characters and non-ASCII become a
 * space or '?', and it is cut at `n` - 1 bytes. */
static void header_text(const char *s, char *out, size_t n)
{
    size_t i = 0;
    for (; s && *s && i + 1 < n; s++)
        out[i++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' '
                   : (unsigned char)*s >= 0x80           ? '?'
                                                          : *s;
    out[i] = '\0';
}

struct mail {
    char *text;
    size_t len, off;
};

static size_t mail_read(char *p, size_t size, size_t n, void *arg)
{
    struct mail *m = arg;
    size_t k = size * n, left = m->len - m->off;
    if (k > left)
        k = left;
    memcpy(p, m->text + m->off, k);
    m->off += k;
    return k;
}

struct sender {
    struct cw_access *a;
    CURL *curl;
    const struct cw_monitor_alerts *o;
    long long sent, failed;
};

/* The mail's body lines: the body's "." at a line's start doubled
 * (RFC 5321 4.5.2) and bare line ends made CRLF. */
static void body_text(FILE *m, const char *s)
{
    bool start = true;
    for (; s && *s; s++) {
        if (start && *s == '.')
            fputc('.', m);
        if (*s == '\n') {
            fputs("\r\n", m);
            start = true;
            continue;
        }
        if (*s != '\r')
            fputc(*s, m);
        start = false;
    }
}

static int send_mail(void *arg, const struct cw_alert *x)
{
    struct sender *s = arg;
    struct curl_slist *rcpt = NULL;
    struct mail body = { NULL, 0, 0 };
    char subject[300], date[64], host[128] = "localhost";
    time_t t = time(NULL);
    struct tm tm;
    struct cw_diag d;
    CURLcode rc;
    size_t i;
    FILE *m;

    if (worker_stopping(&M.w))
        return 1;
    (void)gethostname(host, sizeof(host) - 1);
    header_text(x->subject, subject, sizeof(subject));
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000",
             gmtime_r(&t, &tm));
    if (!(m = open_memstream(&body.text, &body.len)))
        return 1;
    fprintf(m, "Date: %s\r\nFrom: %s\r\nTo: ", date, s->o->mail_from);
    for (i = 0; i < s->o->nmail_to; i++) {
        fprintf(m, "%s%s", i ? ", " : "", s->o->mail_to[i]);
        rcpt = curl_slist_append(rcpt, s->o->mail_to[i]);
    }
    fprintf(m,
            "\r\nSubject: [cloudward] %s: %s\r\nMessage-ID: <alert-%s@%s>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: "
            "auto-generated\r\nX-Cloudward-Alert: %s\r\n\r\n",
            x->severity, subject, x->id, host, x->id);
    body_text(m, x->what);
    fprintf(m, "\r\n\r\nAlert %s (%s, %s), opened by the monitor.\r\n", x->id,
            x->kind, x->severity);
    if (x->control) {
        fputs("Control: ", m);
        body_text(m, x->control);
        fputs("\r\n", m);
    }
    fputs("Acknowledge, assign or resolve it on the portal's Alerts page "
          "or with 'cloudward alert'.\r\n",
          m);
    if (fclose(m) != 0) {
        curl_slist_free_all(rcpt);
        free(body.text);
        return 1;
    }
    curl_easy_reset(s->curl);
    curl_easy_setopt(s->curl, CURLOPT_URL, s->o->smtp);
    curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, s->o->mail_from);
    curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(s->curl, CURLOPT_READFUNCTION, mail_read);
    curl_easy_setopt(s->curl, CURLOPT_READDATA, &body);
    curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(s->curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
    rc = curl_easy_perform(s->curl);
    curl_slist_free_all(rcpt);
    free(body.text);
    cw_diag_clear(&d);
    (void)cw_alert_sent(s->a, x->id, CW_ALERT_MAIL, rc == CURLE_OK,
                        (long long)t * 1000, &d);
    if (rc == CURLE_OK)
        s->sent++;
    else {
        s->failed++;
        log_json("mail", NULL, curl_easy_strerror(rc), 0);
    }
    return 0;
}

/* The syslog severity of an alert's. */
static int syslog_severity(const char *s)
{
    return strcmp(s, "critical") == 0 ? 2
           : strcmp(s, "high") == 0   ? 3
           : strcmp(s, "medium") == 0 ? 4
           : strcmp(s, "low") == 0    ? 5
                                      : 6;
}

/* A datagram to the syslog target; false when it cannot be sent. */
static bool syslog_send(const char *target, const char *msg, size_t len)
{
    int fd = -1;
    bool ok = false;

    if (strncmp(target, "unix:", 5) == 0) {
        struct sockaddr_un un;
        memset(&un, 0, sizeof(un));
        un.sun_family = AF_UNIX;
        if (strlen(target + 5) >= sizeof(un.sun_path))
            return false;
        memcpy(un.sun_path, target + 5, strlen(target + 5));
        if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0)
            ok = sendto(fd, msg, len, 0, (struct sockaddr *)&un,
                        sizeof(un)) == (ssize_t)len;
    } else {
        char host[256];
        const char *colon = strrchr(target + 4, ':');
        struct addrinfo hints, *ai = NULL;
        snprintf(host, sizeof(host), "%.*s", (int)(colon - (target + 4)),
                 target + 4);
        memset(&hints, 0, sizeof(hints));
        hints.ai_socktype = SOCK_DGRAM;
        if (getaddrinfo(host, colon + 1, &hints, &ai) == 0 && ai) {
            if ((fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >=
                0)
                ok = sendto(fd, msg, len, 0, ai->ai_addr, ai->ai_addrlen) ==
                     (ssize_t)len;
            freeaddrinfo(ai);
        }
    }
    if (fd >= 0)
        close(fd);
    return ok;
}

static int send_syslog(void *arg, const struct cw_alert *x)
{
    struct sender *s = arg;
    char ts[40], host[128] = "-", subject[600], what[1200], msg[2048];
    time_t t = time(NULL);
    struct tm tm;
    struct cw_diag d;
    bool ok;
    int n;

    if (worker_stopping(&M.w))
        return 1;
    (void)gethostname(host, sizeof(host) - 1);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    header_text(x->subject, subject, sizeof(subject));
    header_text(x->what, what, sizeof(what));
    /* RFC 5424: <PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG */
    n = snprintf(msg, sizeof(msg),
                 "<%d>1 %s %s cloudward %ld alert.open [alert@32473 id=\"%s\" "
                 "severity=\"%s\" kind=\"%s\"] %s: %s",
                 3 * 8 + syslog_severity(x->severity), ts, host,
                 (long)getpid(), x->id, x->severity, x->kind, subject, what);
    ok = n > 0 && syslog_send(s->o->syslog, msg,
                              (size_t)n < sizeof(msg) ? (size_t)n
                                                      : sizeof(msg) - 1);
    cw_diag_clear(&d);
    (void)cw_alert_sent(s->a, x->id, CW_ALERT_SYSLOG, ok,
                        (long long)t * 1000, &d);
    if (ok)
        s->sent++;
    else {
        s->failed++;
        log_json("syslog", NULL, strerror(errno ? errno : EIO), 0);
    }
    return 0;
}

static void notices(struct cw_access *a, CURL *curl)
{
    const struct cw_monitor_alerts *o = cw_monitor_alert_options(M.cfg);
    struct sender s = { a, curl, o, 0, 0 };
    struct timespec t;
    struct cw_diag d;
    long long now;

    clock_gettime(CLOCK_REALTIME, &t);
    now = (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
    cw_diag_clear(&d);
    if (o->smtp && curl)
        (void)cw_alert_due(a, CW_ALERT_MAIL, now, 16, send_mail, &s, &d);
    if (o->syslog)
        (void)cw_alert_due(a, CW_ALERT_SYSLOG, now, 64, send_syslog, &s, &d);
}

/* ---- the thread ------------------------------------------------------------ */

static void *run(void *arg)
{
    struct cw_access *a = NULL;
    CURL *curl = curl_easy_init();
    struct cw_diag d;
    size_t i, n = cw_monitor_job_count(M.cfg);
    (void)arg;

    while (!worker_stopping(&M.w)) {
        long long now = (long long)time(NULL);
        cw_diag_clear(&d);
        if (!a && cw_access_open(srv.store, false, &a, &d))
            a = NULL;
        for (i = 0; i < n && !worker_stopping(&M.w); i++) {
            bool go;
            pthread_mutex_lock(&M.w.lock);
            go = M.asked[i] || (M.next[i] > 0 && now >= M.next[i]);
            M.asked[i] = false;
            pthread_mutex_unlock(&M.w.lock);
            if (!go)
                continue;
            run_job(a, i);
            /* the next matching minute after this run ends */
            M.next[i] = cw_cron_next(&cw_monitor_job_at(M.cfg, i)->when,
                                     (long long)time(NULL));
        }
        if (a)
            notices(a, curl);
        worker_nap(&M.w, 1000);
    }
    if (curl)
        curl_easy_cleanup(curl);
    cw_access_close(a);
    return NULL;
}

int monitor_load(const char *path)
{
    struct cw_diag d;
    size_t i, n;

    cw_diag_clear(&d);
    if (cw_monitor_config_load(path, &M.cfg, &d)) {
        char msg[700];
        cw_diag_format(&d, msg, sizeof(msg));
        fprintf(stderr, "cloudward: %s\n", msg);
        return -1;
    }
    n = cw_monitor_job_count(M.cfg);
    for (i = 0; i < n; i++) {
        const struct cw_job *j = cw_monitor_job_at(M.cfg, i);
        const struct cw_pack *p;
        if (j->kind == CW_JOB_SCAN &&
            (!(p = server_pack(j->pack)) ||
             strcmp(cw_pack_kind(p), "config") != 0)) {
            fprintf(stderr,
                    "cloudward: %s: schedule '%s': %s is not a built-in "
                    "config pack\n",
                    path, j->name, j->pack);
            return -1;
        }
        if (j->kind == CW_JOB_SWEEP && !srv.scope[0]) {
            fprintf(stderr,
                    "cloudward: %s: schedule '%s' sweeps: serve needs "
                    "--scope for the SoA it sweeps\n",
                    path, j->name);
            return -1;
        }
    }
    M.next = calloc(n + 1, sizeof(*M.next));
    M.asked = calloc(n + 1, sizeof(*M.asked));
    if (!M.next || !M.asked)
        return -1;
    for (i = 0; i < n; i++)
        M.next[i] = cw_cron_next(&cw_monitor_job_at(M.cfg, i)->when,
                                 (long long)time(NULL));
    return 0;
}

bool monitor_loaded(void)
{
    return M.cfg != NULL;
}

int monitor_start(void)
{
    int rc;
    if (!M.cfg)
        return 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return -1;
    if ((rc = worker_start(&M.w, run)) != 0) {
        fprintf(stderr, "cloudward: the monitor cannot start: %s\n",
                strerror(rc));
        curl_global_cleanup();
        return -1;
    }
    return 0;
}

void monitor_stop(void)
{
    if (M.w.running) {
        worker_stop(&M.w);
        curl_global_cleanup();
    }
    cw_monitor_config_free(M.cfg);
    M.cfg = NULL;
    free(M.next);
    free(M.asked);
    M.next = NULL;
    M.asked = NULL;
}

int monitor_ask(const char *name)
{
    size_t i, n;
    if (!M.cfg)
        return -1;
    n = cw_monitor_job_count(M.cfg);
    for (i = 0; i < n; i++)
        if (strcmp(cw_monitor_job_at(M.cfg, i)->name, name) == 0) {
            pthread_mutex_lock(&M.w.lock);
            M.asked[i] = true;
            pthread_mutex_unlock(&M.w.lock);
            worker_wake(&M.w);
            return 0;
        }
    return -1;
}

/* Each schedule's name, kind, cron and next run, as JSON members of an
 * array (for GET /api/v1/monitor). */
void monitor_json(FILE *m)
{
    static const char *const kinds[] = { "scan", "sweep", "checkpoint" };
    size_t i, n = M.cfg ? cw_monitor_job_count(M.cfg) : 0;
    for (i = 0; i < n; i++) {
        const struct cw_job *j = cw_monitor_job_at(M.cfg, i);
        long long next;
        pthread_mutex_lock(&M.w.lock);
        next = M.next[i];
        pthread_mutex_unlock(&M.w.lock);
        fprintf(m, "%s{\"name\":", i ? "," : "");
        cw_json_quote(m, j->name);
        fprintf(m, ",\"kind\":\"%s\",\"cron\":", kinds[j->kind]);
        cw_json_quote(m, j->cron);
        fprintf(m, ",\"next\":%lld}", next);
    }
}
