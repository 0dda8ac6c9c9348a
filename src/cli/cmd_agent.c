/*
 * cmd_agent.c - `cloudward agent`: both sides of host agents
 * (cw_agent.h, docs/agents.md).
 *
 * On the server's store: `token` makes a one-time enrolment token,
 * `list` shows the fleet, `revoke` ends an agent.
 *
 * On a host: `enroll` makes the host's Ed25519 key and registers it with
 * the server; `run` scans the host with the pack it enrolled with, queues
 * the result signed under the next sequence number, and sends the queue
 * oldest first; `status` says what is queued. A timer runs `run`
 * (dist/cloudward-agent.timer).
 *
 * The agent's folder (--dir, $CLOUDWARD_AGENT_DIR, else
 * /var/lib/cloudward-agent), private (0700):
 *   agent.conf   "KEY VALUE" lines: server, id, host, pack, interval,
 *                cacert
 *   agent.key    the secret key, base64url (0600)
 *   seq          the last sequence number used
 *   queue/       one file per result not yet accepted,
 *                SEQ (20 digits) ".push": the signature's line, then the
 *                document; at most --queue-max of them (the oldest go)
 * Every file is written whole or not at all (a temporary file, fsync,
 * rename, fsync of the folder): a host that loses power mid-run keeps a
 * queue it can send. The sequence number is saved before its result is
 * queued, so a number is never used twice.
 *
 * Exit status of `run`: 0 all sent; 1 the server refused the agent
 * (revoked or unknown: enrol again) or a result (kept in
 * queue/rejected/); 75 (EX_TEMPFAIL) the server could not be reached or
 * answered 5xx: the results wait in the queue for the next run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli.h"

#define EXIT_TEMPFAIL 75
#define DEFAULT_DIR "/var/lib/cloudward-agent"
#define QUEUE_MAX_DEFAULT 100
#define ANSWER_MAX (64 * 1024)

enum {
    OPT_SERVER = OPT_FIRST_VERB_OPTION,
    OPT_TOKEN,
    OPT_DIR,
    OPT_PACK,
    OPT_HOST,
    OPT_INTERVAL,
    OPT_CACERT,
    OPT_ROOT,
    OPT_QUEUE_MAX,
    OPT_SEND_ONLY,
    OPT_EXPIRES_IN
};

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "server", required_argument, NULL, OPT_SERVER },
    { "token", required_argument, NULL, OPT_TOKEN },
    { "dir", required_argument, NULL, OPT_DIR },
    { "pack", required_argument, NULL, OPT_PACK },
    { "host", required_argument, NULL, OPT_HOST },
    { "interval", required_argument, NULL, OPT_INTERVAL },
    { "cacert", required_argument, NULL, OPT_CACERT },
    { "root", required_argument, NULL, OPT_ROOT },
    { "queue-max", required_argument, NULL, OPT_QUEUE_MAX },
    { "send-only", no_argument, NULL, OPT_SEND_ONLY },
    { "expires-in", required_argument, NULL, OPT_EXPIRES_IN },
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char help[] =
    "usage: cloudward agent token [--expires-in SECONDS] [--store STORE]\n"
    "       cloudward agent list [--format table|json] [--store STORE]\n"
    "       cloudward agent revoke ID [--store STORE]\n"
    "       cloudward agent enroll --server URL --token TOKEN [--dir DIR]\n"
    "                 [--pack PACK] [--host NAME] [--interval SECONDS]\n"
    "                 [--cacert FILE]\n"
    "       cloudward agent run [--dir DIR] [--root DIR] [--queue-max N]\n"
    "                 [--send-only]\n"
    "       cloudward agent status [--dir DIR]\n"
    "\n"
    "Host agents (docs/agents.md). On the server's store: 'token' prints a\n"
    "one-time enrolment token (default: valid 24 hours), 'list' the fleet,\n"
    "'revoke' ends an agent. On a host: 'enroll' makes the host's Ed25519\n"
    "key and registers it with the server ('cloudward serve', https://);\n"
    "'run' scans the host with its pack, signs the result under the next\n"
    "sequence number, queues it and sends the queue (kept when the server\n"
    "cannot be reached: at most --queue-max results, default 100, the\n"
    "oldest dropped); 'status' shows what is queued. DIR: --dir, else\n"
    "$CLOUDWARD_AGENT_DIR, else /var/lib/cloudward-agent.\n"
    "\n"
    "'run' exits 0 when everything was sent, 1 when the server refused\n"
    "the agent or a result, 75 when it could not be reached (the results\n"
    "wait for the next run).\n";

struct args {
    struct cli_common common;
    const char *server, *token, *dir, *pack, *host, *cacert, *root;
    long long interval, queue_max, expires_in;
    bool send_only, json;
};

static bool number(const char *s, long long lo, long long hi, long long *out)
{
    char *end = NULL;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || !*s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static int parse(int argc, char **argv, struct args *a)
{
    int c;
    while ((c = getopt_long(argc, argv, "f:h", long_opts, NULL)) != -1) {
        if (cli_common_option(&a->common, c, optarg))
            continue;
        switch (c) {
        case OPT_SERVER: a->server = optarg; break;
        case OPT_TOKEN: a->token = optarg; break;
        case OPT_DIR: a->dir = optarg; break;
        case OPT_PACK: a->pack = optarg; break;
        case OPT_HOST: a->host = optarg; break;
        case OPT_CACERT: a->cacert = optarg; break;
        case OPT_ROOT: a->root = optarg; break;
        case OPT_SEND_ONLY: a->send_only = true; break;
        case OPT_INTERVAL:
            if (!number(optarg, CW_AGENT_INTERVAL_MIN, CW_AGENT_INTERVAL_MAX,
                        &a->interval)) {
                cli_error("--interval: seconds, %d to %d",
                          CW_AGENT_INTERVAL_MIN, CW_AGENT_INTERVAL_MAX);
                return EXIT_USAGE;
            }
            break;
        case OPT_QUEUE_MAX:
            if (!number(optarg, 1, 100000, &a->queue_max)) {
                cli_error("--queue-max: 1 to 100000 results");
                return EXIT_USAGE;
            }
            break;
        case OPT_EXPIRES_IN:
            if (!number(optarg, 60, 30 * 86400, &a->expires_in)) {
                cli_error("--expires-in: seconds, 60 to 2592000 (30 days)");
                return EXIT_USAGE;
            }
            break;
        case 'f':
            if (!cli_table_or_json(optarg, &a->json))
                return EXIT_USAGE;
            break;
        case 'h':
            fputs(help, stdout);
            return EXIT_OK;
        default:
            fputs(help, stderr);
            return EXIT_USAGE;
        }
    }
    return -1;
}

/* ---- the server's store ----------------------------------------------------- */

static int print_agent(void *arg, const struct cw_agent *g)
{
    const struct args *a = arg;
    long long now = (long long)time(NULL);
    const char *state = cw_agent_state(g, now);
    if (a->json) {
        printf("{\"id\":\"%s\",\"host\":", g->id);
        cli_json_str(stdout, g->host);
        fputs(",\"pack\":", stdout);
        cli_json_str(stdout, g->pack);
        printf(",\"interval\":%lld,\"enrolled\":%lld,\"last_seen\":%lld,"
               "\"seq\":%lld,\"run\":%lld,\"pass\":%lld,\"fail\":%lld,"
               "\"failing\":%lld,\"fixed\":%lld,\"revoked\":%lld,"
               "\"state\":\"%s\"}\n",
               g->interval, g->enrolled, g->last_seen, g->seq, g->run,
               g->pass, g->fail, g->failing, g->fixed, g->revoked, state);
    } else {
        printf("%-16s %-24s %-12s %-8s seq %-6lld run %-6lld pass %-4lld "
               "fail %lld\n",
               g->id, g->host, g->pack, state, g->seq, g->run, g->pass,
               g->fail);
    }
    return 0;
}

static int store_side(const char *sub, struct args *a, int argc, char **argv)
{
    struct cw_access *x = NULL;
    struct cw_diag d;
    char store[4096], actor[400], token[CW_TOKEN_TEXT], id[CW_TOKEN_ID];
    int rc = 0;

    if (strcmp(sub, "revoke") == 0 ? optind + 1 != argc : optind != argc) {
        cli_error(strcmp(sub, "revoke") == 0
                      ? "agent revoke takes the agent's id"
                      : "agent %s takes options only", sub);
        return EXIT_USAGE;
    }
    cli_store_dir(&a->common, store, sizeof(store));
    cw_diag_clear(&d);
    if (cw_access_open(store, strcmp(sub, "token") == 0, &x, &d)) {
        cli_error_diag(&d);
        return EXIT_USAGE;
    }
    cli_actor(actor, sizeof(actor));
    if (strcmp(sub, "token") == 0) {
        long long expires = (long long)time(NULL) +
                            (a->expires_in ? a->expires_in : 86400);
        if (!(rc = cw_agent_token_create(x, expires, actor, token, id, &d))) {
            printf("%s\n", token);
            fprintf(stderr,
                    "enrolment token %s, valid once until %lld (Unix "
                    "time): give it to 'cloudward agent enroll'\n",
                    id, expires);
        }
        memset(token, 0, sizeof(token));
    } else if (strcmp(sub, "revoke") == 0) {
        if (!(rc = cw_agent_revoke(x, argv[optind], actor, &d)))
            cli_note("agent %s revoked\n", argv[optind]);
    } else {
        rc = cw_agent_each(x, NULL, print_agent, a, &d);
    }
    if (rc)
        cli_error_diag(&d);
    cw_access_close(x);
    return rc ? EXIT_USAGE : EXIT_OK;
}

/* ---- the host's folder ------------------------------------------------------ */

struct conf {
    char dir[2048];
    char server[2048], id[CW_TOKEN_ID], host[CW_AGENT_HOST_MAX + 1],
        pack[64], cacert[2048];
    long long interval;
};

static void dir_of(const struct args *a, char *out, size_t n)
{
    const char *env = getenv("CLOUDWARD_AGENT_DIR");
    snprintf(out, n, "%s", a->dir ? a->dir : env && *env ? env : DEFAULT_DIR);
}

/* Writes `data` to DIR/NAME whole or not at all, mode `mode`. */
static bool write_whole(const char *dir, const char *name, const char *data,
                        size_t len, mode_t mode)
{
    char tmp[4300], path[4300];
    int fd, dfd;
    bool ok;

    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
              mode);
    if (fd < 0)
        return false;
    ok = write(fd, data, len) == (ssize_t)len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return false;
    }
    if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return true;
}

static bool conf_load(const struct args *a, struct conf *c)
{
    char path[2100], text[8192], *line, *save = NULL;

    memset(c, 0, sizeof(*c));
    dir_of(a, c->dir, sizeof(c->dir));
    snprintf(path, sizeof(path), "%s/agent.conf", c->dir);
    if (!cli_read_small(path, text, sizeof(text))) {
        cli_error("enrol this host first: cloudward agent enroll");
        return false;
    }
    for (line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *v = strchr(line, ' ');
        if (!v)
            continue;
        *v++ = '\0';
        if (strcmp(line, "server") == 0)
            snprintf(c->server, sizeof(c->server), "%s", v);
        else if (strcmp(line, "id") == 0)
            snprintf(c->id, sizeof(c->id), "%s", v);
        else if (strcmp(line, "host") == 0)
            snprintf(c->host, sizeof(c->host), "%s", v);
        else if (strcmp(line, "pack") == 0)
            snprintf(c->pack, sizeof(c->pack), "%s", v);
        else if (strcmp(line, "cacert") == 0)
            snprintf(c->cacert, sizeof(c->cacert), "%s", v);
        else if (strcmp(line, "interval") == 0)
            c->interval = strtoll(v, NULL, 10);
    }
    if (!c->server[0] || strlen(c->id) != 16 || !c->host[0] || !c->pack[0]) {
        cli_error("%s: damaged (server, id, host and pack are needed): "
                  "enrol this host again",
                  path);
        return false;
    }
    return true;
}

/* ---- HTTP ------------------------------------------------------------------ */

struct answer {
    char body[ANSWER_MAX + 1];
    size_t len;
};

static size_t take(char *p, size_t size, size_t n, void *arg)
{
    struct answer *r = arg;
    size_t k = size * n, room = ANSWER_MAX - r->len;
    memcpy(r->body + r->len, p, k < room ? k : room);
    r->len += k < room ? k : room;
    r->body[r->len] = '\0';
    return k;
}

/*
 * POSTs body to SERVER PATH: the HTTP status (0: no answer, with curl's
 * reason in *why), the answer's first 64 KiB in *r. TLS verified
 * (--cacert for a private CA), no redirect followed, 10 s to connect and
 * 60 s in all.
 */
static long post(const char *server, const char *path, const char *cacert,
                 const char *type, const char *sig, const char *body,
                 size_t len, struct answer *r, char *why, size_t nwhy)
{
    char url[4200], h1[128], h2[200];
    struct curl_slist *hs = NULL;
    CURL *c = curl_easy_init();
    long status = 0;
    CURLcode rc;

    r->len = 0;
    r->body[0] = why[0] = '\0';
    if (!c) {
        snprintf(why, nwhy, "libcurl cannot start");
        return 0;
    }
    snprintf(url, sizeof(url), "%s%s", server, path);
    snprintf(h1, sizeof(h1), "Content-Type: %s", type);
    hs = curl_slist_append(hs, h1);
    if (sig) {
        snprintf(h2, sizeof(h2), "X-Cloudward-Signature: %s", sig);
        hs = curl_slist_append(hs, h2);
    }
    hs = curl_slist_append(hs, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "cloudward-agent");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, take);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    if (cacert && *cacert)
        curl_easy_setopt(c, CURLOPT_CAINFO, cacert);
    if ((rc = curl_easy_perform(c)) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    else
        snprintf(why, nwhy, "%s", curl_easy_strerror(rc));
    curl_slist_free_all(hs);
    curl_easy_cleanup(c);
    return status;
}

/* The "detail" of a problem answer, or its start. */
static const char *detail_of(const struct answer *r, char *out, size_t n)
{
    struct cw_fields *f = NULL;
    struct cw_diag d;
    const char *s;
    snprintf(out, n, "%.200s", r->body);
    if (!cw_fields_json(r->body, r->len, &f, &d)) {
        if ((s = cw_fields_get(f, "detail")))
            snprintf(out, n, "%s", s);
        cw_fields_free(f);
    }
    return out;
}

/* ---- enroll ------------------------------------------------------------------ */

static int enroll(struct args *a)
{
    unsigned char pub[CW_AGENT_PUBLIC_KEY], sec[CW_AGENT_SECRET_KEY];
    char pubtext[CW_AGENT_PUBLIC_TEXT], sectext[100], host[256], pack[64],
        dir[2048], path[2100], conf[8192], why[256], msg[300];
    static struct answer r;
    struct cw_fields *f = NULL;
    struct cw_diag d;
    const char *id;
    char *body = NULL;
    size_t blen = 0;
    long status;
    FILE *m;
    int n;

    if (!a->server || !a->token) {
        cli_error("agent enroll takes --server URL and --token TOKEN");
        return EXIT_USAGE;
    }
    if (strncmp(a->server, "https://", 8) != 0 &&
        strncmp(a->server, "http://", 7) != 0) {
        cli_error("--server: the server's https:// URL");
        return EXIT_USAGE;
    }
    if (a->host)
        snprintf(host, sizeof(host), "%s", a->host);
    else if (gethostname(host, sizeof(host)) != 0)
        snprintf(host, sizeof(host), "localhost");
    host[sizeof(host) - 1] = '\0';
    if (a->pack)
        snprintf(pack, sizeof(pack), "%s", a->pack);
    else if (!cw_pack_detect(a->root ? a->root : "/", pack, sizeof(pack))) {
        cli_error("no built-in pack matches this host's os-release: name "
                  "one with --pack");
        return EXIT_USAGE;
    }
    dir_of(a, dir, sizeof(dir));
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        cli_error("%s: %s", dir, strerror(errno));
        return EXIT_USAGE;
    }
    snprintf(path, sizeof(path), "%s/agent.conf", dir);
    if (access(path, F_OK) == 0) {
        cli_error("%s exists: this folder's agent is enrolled already "
                  "(remove the folder to enrol again)",
                  path);
        return EXIT_USAGE;
    }
    cw_agent_keygen(pub, sec);
    cw_agent_key_text(pub, sizeof(pub), pubtext, sizeof(pubtext));
    if (!(m = open_memstream(&body, &blen)))
        return EXIT_USAGE;
    fputs("{\"token\":", m);
    cli_json_str(m, a->token);
    fputs(",\"host\":", m);
    cli_json_str(m, host);
    fputs(",\"pack\":", m);
    cli_json_str(m, pack);
    fprintf(m, ",\"public_key\":\"%s\",\"interval\":\"%lld\"}", pubtext,
            a->interval ? a->interval : 3600);
    fclose(m);
    status = post(a->server, "/api/v1/agents", a->cacert, "application/json",
                  NULL, body, blen, &r, why, sizeof(why));
    memset(body, 0, blen); /* it held the token */
    free(body);
    if (status != 201) {
        if (status)
            cli_error("the server refused the enrolment (%ld): %s", status,
                      detail_of(&r, msg, sizeof(msg)));
        else
            cli_error("cannot reach %s: %s", a->server, why);
        memset(sec, 0, sizeof(sec));
        return EXIT_FINDINGS;
    }
    if (cw_fields_json(r.body, r.len, &f, &d) || !(id = cw_fields_get(f, "id")) ||
        strlen(id) != 16) {
        cli_error("the server's answer names no agent id");
        cw_fields_free(f);
        memset(sec, 0, sizeof(sec));
        return EXIT_FINDINGS;
    }
    cw_agent_key_text(sec, sizeof(sec), sectext, sizeof(sectext));
    memset(sec, 0, sizeof(sec));
    n = snprintf(conf, sizeof(conf),
                 "server %s\nid %s\nhost %s\npack %s\ninterval %lld\n%s%s%s",
                 a->server, id, host, pack, a->interval ? a->interval : 3600,
                 a->cacert ? "cacert " : "", a->cacert ? a->cacert : "",
                 a->cacert ? "\n" : "");
    snprintf(path, sizeof(path), "%s/queue", dir);
    if (n <= 0 || (size_t)n >= sizeof(conf) ||
        !write_whole(dir, "agent.key", sectext, strlen(sectext), 0600) ||
        !write_whole(dir, "seq", "0\n", 2, 0600) ||
        (mkdir(path, 0700) != 0 && errno != EEXIST) ||
        !write_whole(dir, "agent.conf", conf, (size_t)n, 0600)) {
        cli_error("%s: cannot write the agent's files: %s", dir,
                  strerror(errno));
        memset(sectext, 0, sizeof(sectext));
        cw_fields_free(f);
        return EXIT_USAGE;
    }
    memset(sectext, 0, sizeof(sectext));
    printf("%s\n", id);
    cli_note("enrolled as agent %s (host %s, pack %s); 'cloudward agent "
             "run' sends its results\n",
             id, host, pack);
    cw_fields_free(f);
    return EXIT_OK;
}

/* ---- the queue ---------------------------------------------------------------- */

struct queued {
    char name[64];
};

static int by_name(const void *x, const void *y)
{
    return strcmp(((const struct queued *)x)->name,
                  ((const struct queued *)y)->name);
}

/* The queue's files, oldest (lowest number) first; *n of them. */
static struct queued *queue_list(const char *qdir, size_t *n)
{
    DIR *dh = opendir(qdir);
    struct queued *v = NULL;
    size_t cap = 0;
    struct dirent *e;

    *n = 0;
    if (!dh)
        return NULL;
    while ((e = readdir(dh))) {
        size_t k = strlen(e->d_name);
        if (k != 25 || strspn(e->d_name, "0123456789") != 20 ||
            strcmp(e->d_name + 20, ".push") != 0)
            continue;
        if (*n == cap) {
            struct queued *nv = realloc(v, (cap = cap ? cap * 2 : 16) *
                                               sizeof(*v));
            if (!nv)
                break;
            v = nv;
        }
        memcpy(v[(*n)++].name, e->d_name, k + 1); /* 25 bytes and NUL */
    }
    closedir(dh);
    if (*n)
        qsort(v, *n, sizeof(*v), by_name);
    return v;
}

/* Drops the oldest files beyond `max`. */
static void queue_bound(const char *qdir, long long max)
{
    size_t n, i;
    struct queued *v = queue_list(qdir, &n);
    char path[4200];
    for (i = 0; v && (long long)(n - i) > max; i++) {
        snprintf(path, sizeof(path), "%s/%s", qdir, v[i].name);
        if (unlink(path) == 0)
            cli_error("the queue holds at most %lld results: dropped the "
                      "oldest, %s",
                      max, v[i].name);
    }
    free(v);
}

/* Sends one queued file: 0 accepted (or accepted before), 1 refused
 * for good, 2 try later; *stop when the agent itself was refused. */
static int send_one(const struct conf *c, const char *qdir, const char *name,
                    bool *stop)
{
    static char text[CW_AGENT_PUSH_MAX + CW_AGENT_SIGNATURE_TEXT + 2];
    static struct answer r;
    char path[4200], api[64], why[256], msg[300], *nl;
    long status;

    snprintf(path, sizeof(path), "%s/%s", qdir, name);
    if (!cli_read_small(path, text, sizeof(text)) ||
        !(nl = strchr(text, '\n'))) {
        cli_error("%s: unreadable or damaged: dropped", path);
        unlink(path);
        return 1;
    }
    *nl = '\0';
    snprintf(api, sizeof(api), "/api/v1/agents/%s/results", c->id);
    status = post(c->server, api, c->cacert, "application/json", text,
                  nl + 1, strlen(nl + 1), &r, why, sizeof(why));
    if (status == 201 || status == 409) {
        /* 409: that number was accepted already (an answer lost on the
         * way back); it is done either way. */
        unlink(path);
        return 0;
    }
    if (status == 0 || status >= 500 || status == 429 || status == 408) {
        if (status)
            cli_error("the server answered %ld: %s; %s stays queued",
                      status, detail_of(&r, msg, sizeof(msg)), name);
        else
            cli_error("cannot reach %s: %s; %s stays queued", c->server,
                      why, name);
        return 2;
    }
    if (status == 401 || status == 403) {
        cli_error("the server refused this agent (%ld): %s", status,
                  detail_of(&r, msg, sizeof(msg)));
        *stop = true;
        return 1;
    }
    {
        char rej[4200], dest[4300];
        snprintf(rej, sizeof(rej), "%s/rejected", qdir);
        (void)mkdir(rej, 0700);
        snprintf(dest, sizeof(dest), "%s/%s", rej, name);
        cli_error("the server rejected %s (%ld): %s; kept in %s", name,
                  status, detail_of(&r, msg, sizeof(msg)), rej);
        if (rename(path, dest) != 0)
            unlink(path);
    }
    return 1;
}

/* Sends the queue oldest first; the exit status. */
static int queue_send(const struct conf *c, const char *qdir, size_t *sent,
                      size_t *left)
{
    size_t n, i;
    struct queued *v = queue_list(qdir, &n);
    bool stop = false;
    int rc = EXIT_OK;

    *sent = 0;
    for (i = 0; i < n && !stop; i++) {
        int k = send_one(c, qdir, v[i].name, &stop);
        if (k == 0)
            (*sent)++;
        else if (k == 2) {
            rc = EXIT_TEMPFAIL;
            break;
        } else
            rc = EXIT_FINDINGS;
    }
    free(v);
    v = queue_list(qdir, left);
    free(v);
    return rc;
}

/* ---- run ---------------------------------------------------------------- */

static int run(struct args *a)
{
    struct conf c;
    char qdir[2100], path[2100], text[200], sig[CW_AGENT_SIGNATURE_TEXT],
        name[64];
    unsigned char sec[CW_AGENT_SECRET_KEY];
    struct cw_catalogs *cats = NULL;
    struct cw_pack *pack = NULL;
    struct cw_results *res = NULL;
    struct cw_host_options hopt;
    struct cw_diag d;
    long long seq = 0;
    size_t sent = 0, left = 0;
    int rc;

    if (!conf_load(a, &c))
        return EXIT_USAGE;
    snprintf(qdir, sizeof(qdir), "%s/queue", c.dir);
    if (!a->send_only) {
        char *body = NULL, *file = NULL;
        size_t blen = 0;
        int n;
        snprintf(path, sizeof(path), "%s/agent.key", c.dir);
        if (!cli_read_small(path, text, sizeof(text)) ||
            (text[strcspn(text, "\n")] = '\0',
             !cw_agent_key_parse(text, sec, sizeof(sec)))) {
            cli_error("%s: not the agent's key: enrol this host again",
                      path);
            return EXIT_USAGE;
        }
        memset(text, 0, sizeof(text));
        snprintf(path, sizeof(path), "%s/seq", c.dir);
        if (!cli_read_small(path, text, sizeof(text)) ||
            (seq = strtoll(text, NULL, 10)) < 0) {
            cli_error("%s: cannot read the sequence number", path);
            memset(sec, 0, sizeof(sec));
            return EXIT_USAGE;
        }
        if (!(cats = cli_load_catalogs(&a->common))) {
            memset(sec, 0, sizeof(sec));
            return EXIT_USAGE;
        }
        cw_diag_clear(&d);
        memset(&hopt, 0, sizeof(hopt));
        hopt.root = a->root;
        if (cw_pack_load(cats, c.pack, &pack, &d) ||
            cw_scan_host(pack, &hopt, &res, &d)) {
            cli_error_diag(&d);
            cw_pack_free(pack);
            cw_catalogs_free(cats);
            memset(sec, 0, sizeof(sec));
            return EXIT_USAGE;
        }
        /* The number is spent before its result is queued: killed in
         * between, the next run takes the one after. */
        seq++;
        n = snprintf(text, sizeof(text), "%lld\n", seq);
        if (!write_whole(c.dir, "seq", text, (size_t)n, 0600))
            cli_error("%s/seq: cannot save the sequence number: %s", c.dir,
                      strerror(errno));
        else if (cw_agent_push_write(res, c.id, seq, &body, &blen, &d))
            cli_error_diag(&d);
        if (!body) {
            free(body);
            cw_results_free(res);
            cw_pack_free(pack);
            cw_catalogs_free(cats);
            memset(sec, 0, sizeof(sec));
            return EXIT_USAGE;
        }
        cw_agent_sign(sec, body, blen, sig);
        memset(sec, 0, sizeof(sec));
        if (!(file = malloc(strlen(sig) + 1 + blen + 1))) {
            free(body);
            return EXIT_USAGE;
        }
        n = snprintf(file, strlen(sig) + 2, "%s\n", sig);
        memcpy(file + n, body, blen);
        snprintf(name, sizeof(name), "%020lld.push", seq);
        (void)mkdir(qdir, 0700);
        if (!write_whole(qdir, name, file, (size_t)n + blen, 0600)) {
            cli_error("%s: cannot queue the result: %s", qdir,
                      strerror(errno));
            free(file);
            free(body);
            cw_results_free(res);
            cw_pack_free(pack);
            cw_catalogs_free(cats);
            return EXIT_USAGE;
        }
        cli_note("scanned %s with %s: %zu pass, %zu fail; queued as %lld\n",
                 c.host, c.pack, cw_results_tally(res, CW_VERDICT_PASS),
                 cw_results_tally(res, CW_VERDICT_FAIL), seq);
        free(file);
        free(body);
        cw_results_free(res);
        cw_pack_free(pack);
        cw_catalogs_free(cats);
        queue_bound(qdir, a->queue_max ? a->queue_max : QUEUE_MAX_DEFAULT);
    }
    rc = queue_send(&c, qdir, &sent, &left);
    cli_note("sent %zu result(s) to %s; %zu queued\n", sent, c.server, left);
    return rc;
}

static int status_of(struct args *a)
{
    struct conf c;
    char qdir[2100];
    size_t n, i;
    struct queued *v;

    if (!conf_load(a, &c))
        return EXIT_USAGE;
    snprintf(qdir, sizeof(qdir), "%s/queue", c.dir);
    v = queue_list(qdir, &n);
    printf("agent %s\nhost %s\npack %s\nserver %s\ninterval %lld\n"
           "queued %zu\n",
           c.id, c.host, c.pack, c.server, c.interval, n);
    for (i = 0; i < n; i++)
        printf("  %s\n", v[i].name);
    free(v);
    return EXIT_OK;
}

int cmd_agent(int argc, char **argv)
{
    static const char *const subs[] = { "token", "list", "revoke", "enroll",
                                        "run", "status", NULL };
    struct args a = { .common = { .scope = "cloudward.yaml" } };
    const char *sub;
    int rc;

    if ((rc = cli_subverb(&argc, &argv, "agent", subs, help, &sub)) >= 0)
        return rc;
    if ((rc = parse(argc, argv, &a)) >= 0)
        return rc;
    if (strcmp(sub, "token") == 0 || strcmp(sub, "list") == 0 ||
        strcmp(sub, "revoke") == 0)
        return store_side(sub, &a, argc, argv);
    if (optind != argc) {
        cli_error("agent %s takes options only", sub);
        return EXIT_USAGE;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (strcmp(sub, "enroll") == 0)
        rc = enroll(&a);
    else if (strcmp(sub, "run") == 0)
        rc = run(&a);
    else
        rc = status_of(&a);
    curl_global_cleanup();
    return rc;
}
