/*
 * bench_fleet.c - a fleet of simulated agents against one `cloudward
 * serve` (bench/fleet/run.sh starts the server and reads its CPU and
 * memory).
 *
 *   bench_fleet URL ADMIN_TOKEN ROOT AGENTS CONNECTIONS SCORES
 *
 * One process, AGENTS distinct Ed25519 keys: each agent gets its own
 * one-time token (POST /api/v1/agents/tokens), enrols (POST
 * /api/v1/agents), and then pushes one signed host result: the debian-12
 * pack's scan of ROOT (every check judged), under its own id and
 * sequence number 1, signed with its own key. The documents are made and
 * signed before the clock starts (that is the agents' work, not the
 * server's); CONNECTIONS threads then push them over keep-alive
 * connections as fast as the server accepts. Printed: pushes accepted
 * per second, acceptance latency (p50, p90, p99, max), and then the
 * latency of GET /api/v1/score with the fleet's runs in the store,
 * SCORES times, one after the other.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include <cloudward/cloudward.h>

struct answer {
    char buf[8192];
    size_t len;
};

static size_t take(char *p, size_t size, size_t n, void *arg)
{
    struct answer *a = arg;
    size_t k = size * n, room = sizeof(a->buf) - 1 - a->len;
    memcpy(a->buf + a->len, p, k < room ? k : room);
    a->len += k < room ? k : room;
    a->buf[a->len] = '\0';
    return k;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* POST (or GET when body is NULL) on handle c: the status. */
static long request(CURL *c, const char *url, const char *auth,
                    const char *sig, const char *body, size_t len,
                    struct answer *a)
{
    struct curl_slist *h = NULL;
    char line[256];
    long status = 0;

    a->len = 0;
    a->buf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    if (auth) {
        snprintf(line, sizeof(line), "Authorization: Bearer %s", auth);
        h = curl_slist_append(h, line);
    }
    if (sig) {
        snprintf(line, sizeof(line), "X-Cloudward-Signature: %s", sig);
        h = curl_slist_append(h, line);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, take);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    return status;
}

/* A string member of a JSON answer into out. */
static bool member(const struct answer *a, const char *name, char *out,
                   size_t n)
{
    struct cw_fields *f = NULL;
    struct cw_diag d;
    const char *v;
    bool ok = false;
    if (!cw_fields_json(a->buf, a->len, &f, &d) &&
        (v = cw_fields_get(f, name))) {
        snprintf(out, n, "%s", v);
        ok = true;
    }
    cw_fields_free(f);
    return ok;
}

struct push {
    unsigned char sec[CW_AGENT_SECRET_KEY];
    char id[64];
    char url[512];
    char sig[CW_AGENT_SIGNATURE_TEXT];
    char *body;
    size_t len;
    double ms;
    long status;
};

static struct push *pushes;
static size_t npushes;
static atomic_size_t next;

static void *pusher(void *arg)
{
    CURL *c = curl_easy_init();
    struct answer *a = calloc(1, sizeof(*a));
    size_t i;
    (void)arg;
    while ((i = atomic_fetch_add(&next, 1)) < npushes) {
        struct push *p = &pushes[i];
        double t0 = now_s();
        p->status = request(c, p->url, NULL, p->sig, p->body, p->len, a);
        p->ms = (now_s() - t0) * 1000;
    }
    curl_easy_cleanup(c);
    free(a);
    return NULL;
}

static int by_value(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double pct(const double *v, size_t n, double p)
{
    size_t k = (size_t)(p * (double)(n - 1) + 0.5);
    return n ? v[k < n ? k : n - 1] : 0;
}

int main(int argc, char **argv)
{
    const char *base, *admin, *root;
    struct cw_catalogs *cats = NULL;
    struct cw_pack *pack = NULL;
    struct cw_results *res = NULL;
    struct cw_host_options hopt;
    struct cw_diag d;
    struct answer *a;
    pthread_t *th = NULL;
    double t0, secs, *lat = NULL;
    size_t i, nconn, nscore, ok = 0;
    char url[512], body[1024], tok[CW_TOKEN_TEXT], id[64];
    CURL *c;

    if (argc != 7) {
        fputs("usage: bench_fleet URL ADMIN_TOKEN ROOT AGENTS CONNECTIONS "
              "SCORES\n",
              stderr);
        return 2;
    }
    base = argv[1];
    admin = argv[2];
    root = argv[3];
    npushes = (size_t)strtoul(argv[4], NULL, 10);
    nconn = (size_t)strtoul(argv[5], NULL, 10);
    nscore = (size_t)strtoul(argv[6], NULL, 10);
    if (!nconn)
        return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    memset(&hopt, 0, sizeof(hopt));
    hopt.root = root;
    if (cw_catalogs_new(NULL, &cats, &d) ||
        cw_pack_load(cats, "debian-12", &pack, &d) ||
        cw_scan_host(pack, &hopt, &res, &d)) {
        fprintf(stderr, "bench_fleet: %s\n", d.msg);
        return 1;
    }
    pushes = calloc(npushes + 1, sizeof(*pushes));
    a = calloc(1, sizeof(*a));
    c = curl_easy_init();
    t0 = now_s();
    for (i = 0; i < npushes; i++) {
        unsigned char pub[CW_AGENT_PUBLIC_KEY], sec[CW_AGENT_SECRET_KEY];
        char pubtext[CW_AGENT_PUBLIC_TEXT];
        long st;

        snprintf(url, sizeof(url), "%s/api/v1/agents/tokens", base);
        if ((st = request(c, url, admin, NULL, "{}", 2, a)) != 201 ||
            !member(a, "token", tok, sizeof(tok))) {
            fprintf(stderr, "bench_fleet: token %zu: %ld %s\n", i, st,
                    a->buf);
            return 1;
        }
        cw_agent_keygen(pub, sec);
        cw_agent_key_text(pub, sizeof(pub), pubtext, sizeof(pubtext));
        snprintf(body, sizeof(body),
                 "{\"token\":\"%s\",\"host\":\"host-%04zu\",\"pack\":"
                 "\"debian-12\",\"public_key\":\"%s\",\"interval\":\"3600\"}",
                 tok, i, pubtext);
        snprintf(url, sizeof(url), "%s/api/v1/agents", base);
        if ((st = request(c, url, NULL, NULL, body, strlen(body), a)) != 201 ||
            !member(a, "id", id, sizeof(id))) {
            fprintf(stderr, "bench_fleet: enrol %zu: %ld %s\n", i, st,
                    a->buf);
            return 1;
        }
        if (cw_agent_push_write(res, id, 1, &pushes[i].body, &pushes[i].len,
                                &d))
            return 1;
        cw_agent_sign(sec, pushes[i].body, pushes[i].len, pushes[i].sig);
        memcpy(pushes[i].sec, sec, sizeof(sec));
        snprintf(pushes[i].id, sizeof(pushes[i].id), "%s", id);
        snprintf(pushes[i].url, sizeof(pushes[i].url),
                 "%s/api/v1/agents/%s/results", base, id);
    }
    if (!npushes)
        goto score;
    printf("enrolled %zu agents in %.2f s (a token and an enrolment each); "
           "each push %zu bytes, %zu checks\n",
           npushes, now_s() - t0, pushes[0].len, cw_results_count(res));
    fflush(stdout);

    th = calloc(nconn, sizeof(*th));
    t0 = now_s();
    for (i = 0; i < nconn; i++)
        pthread_create(&th[i], NULL, pusher, NULL);
    for (i = 0; i < nconn; i++)
        pthread_join(th[i], NULL);
    secs = now_s() - t0;
    lat = calloc(npushes + 1, sizeof(*lat));
    for (i = 0; i < npushes; i++) {
        ok += pushes[i].status == 201;
        lat[i] = pushes[i].ms;
    }
    qsort(lat, npushes, sizeof(*lat), by_value);
    printf("pushes: %zu accepted of %zu in %.2f s over %zu connections: "
           "%.0f/s; latency ms p50 %.1f p90 %.1f p99 %.1f max %.1f\n",
           ok, npushes, secs, nconn, (double)ok / secs,
           pct(lat, npushes, 0.5), pct(lat, npushes, 0.9),
           pct(lat, npushes, 0.99), lat[npushes - 1]);
    for (i = 0; i < npushes && ok != npushes; i++)
        if (pushes[i].status != 201) {
            fprintf(stderr, "first refused push: %ld\n", pushes[i].status);
            break;
        }
    /* The score recomputed after each result: a host pushes its next
     * result (sequence 2), then the score is asked for, SCORES times
     * (at most one per agent). */
    if (nscore) {
        size_t k, m = nscore < npushes ? nscore : npushes;
        double *s = calloc(m + 1, sizeof(*s));
        long st = 0;
        for (k = 0; k < m; k++) {
            struct push *p = &pushes[k];
            char *b2 = NULL;
            size_t l2 = 0;
            double t1;
            if (cw_agent_push_write(res, p->id, 2, &b2, &l2, &d))
                return 1;
            cw_agent_sign(p->sec, b2, l2, p->sig);
            if ((st = request(c, p->url, NULL, p->sig, b2, l2, a)) != 201) {
                fprintf(stderr, "bench_fleet: second push: %ld %s\n", st,
                        a->buf);
                return 1;
            }
            free(b2);
            snprintf(url, sizeof(url), "%s/api/v1/score", base);
            t1 = now_s();
            st = request(c, url, admin, NULL, NULL, 0, a);
            s[k] = (now_s() - t1) * 1000;
        }
        qsort(s, m, sizeof(*s), by_value);
        printf("GET /api/v1/score after each of %zu new results, %zu hosts "
               "(status %ld): ms p50 %.2f p90 %.2f p99 %.2f max %.2f\n",
               m, npushes, st, pct(s, m, 0.5), pct(s, m, 0.9),
               pct(s, m, 0.99), s[m - 1]);
        free(s);
        nscore = 0;
    }
score:
    if (nscore) {
        double *s = calloc(nscore, sizeof(*s));
        long st = 0;
        snprintf(url, sizeof(url), "%s/api/v1/score", base);
        for (i = 0; i < nscore; i++) {
            double t1 = now_s();
            st = request(c, url, admin, NULL, NULL, 0, a);
            s[i] = (now_s() - t1) * 1000;
        }
        qsort(s, nscore, sizeof(*s), by_value);
        printf("GET /api/v1/score with %zu hosts' runs (status %ld): ms p50 "
               "%.2f p99 %.2f max %.2f\n",
               npushes, st, pct(s, nscore, 0.5), pct(s, nscore, 0.99),
               s[nscore - 1]);
        free(s);
    }
    for (i = 0; i < npushes; i++)
        free(pushes[i].body);
    free(pushes);
    free(lat);
    free(th);
    free(a);
    curl_easy_cleanup(c);
    cw_results_free(res);
    cw_pack_free(pack);
    cw_catalogs_free(cats);
    curl_global_cleanup();
    return ok == npushes ? 0 : 1;
}
