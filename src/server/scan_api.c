/*
 * scan_api.c - POST /api/v1/scans/config: CI sends a document (a
 * Terraform plan, a CloudFormation template, Kubernetes manifests, a
 * cloud CLI's JSON export) and the server scans it itself with one of its
 * built-in packs, saves the run and records it in the ledger. The server
 * trusts no result a client computed: it computes them. (Signed host
 * results from agents are issue 20's.)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"

static struct cw_catalogs *cats; /* loaded on first use, read-only after */
static pthread_mutex_t cats_lock = PTHREAD_MUTEX_INITIALIZER;

/* A built-in pack's name only: a client never names a file here. */
static bool builtin(const char *name)
{
    const char *const *n;
    for (n = cw_pack_builtin_names(); name && n && *n; n++)
        if (strcmp(*n, name) == 0)
            return true;
    return false;
}


/* POST /api/v1/scans/config?pack=NAME&name=FILE: the body is the
 * document; the answer is the run's number and its counts. */
enum MHD_Result h_scan_config(struct ctx *x)
{
    const char *pack = query(x, "pack"), *name = query(x, "name");
    char dir[] = "/tmp/cloudward-scan-XXXXXX", path[200];
    const char *paths[1] = { path };
    struct cw_pack *p = NULL;
    struct cw_results *res = NULL;
    struct cw_diag d;
    int64_t run = 0;
    enum cw_status st;
    char *buf = NULL;
    size_t len = 0;
    FILE *f, *m;

    if (!builtin(pack))
        return problem(x, 400, "pack: a built-in config pack (aws, "
                               "cloudformation, kubernetes, cloud-cli)");
    if (!name || !*name || strlen(name) > 100 || name[0] == '.' ||
        strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789._-") != strlen(name))
        return problem(x, 400, "name: the document's file name (its "
                               "extension tells JSON from YAML)");
    if (!x->q->len)
        return problem(x, 400, "the request's body is the document");
    cw_diag_clear(&d);
    pthread_mutex_lock(&cats_lock);
    st = cats ? CW_OK : cw_catalogs_new(NULL, &cats, &d);
    pthread_mutex_unlock(&cats_lock);
    if (st)
        return problem(x, 500, "the catalogs cannot be loaded");
    if (cw_pack_load(cats, pack, &p, &d))
        return problem(x, 500, "the pack cannot be loaded");
    if (!mkdtemp(dir)) {
        cw_pack_free(p);
        return problem(x, 500, "cannot stage the document");
    }
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wbx");
    if (!f || fwrite(x->q->body, 1, x->q->len, f) != x->q->len ||
        fclose(f) != 0) {
        remove(path);
        rmdir(dir);
        cw_pack_free(p);
        return problem(x, 500, "cannot stage the document");
    }
    st = cw_scan_config(p, paths, 1, NULL, &res, &d);
    remove(path);
    rmdir(dir);
    if (st == CW_EINVAL && strstr(d.msg, "host pack")) {
        cw_pack_free(p);
        return problem(x, 400, "pack: a config pack, not a host pack");
    }
    if (st) {
        char msg[800];
        cw_pack_free(p);
        /* The message names the staged file: give the client's name. */
        snprintf(msg, sizeof(msg), "%s:%u:%u: %s", name, d.line, d.col,
                 d.msg);
        return problem(x, st == CW_ENOMEM ? 500 : 400, msg);
    }
    /* Nothing the pack checks was found: the wrong file or the wrong
     * pack. An empty run would read as "nothing failed"; refuse it. */
    if (cw_results_count(res) == 0) {
        char msg[300];
        snprintf(msg, sizeof(msg),
                 "no resource of a type pack %s checks is in %s: the wrong "
                 "document or the wrong pack (nothing saved)",
                 cw_pack_name(p), name);
        cw_results_free(res);
        cw_pack_free(p);
        return problem(x, 400, msg);
    }
    if (cw_results_save(res, srv.store, "config", x->q->who.id, &run, &d) ||
        cw_results_record(res, srv.store, "config", run, x->q->who.id, &d)) {
        cw_results_free(res);
        cw_pack_free(p);
        return problem(x, 500, "the run cannot be saved");
    }
    cw_soa_run_cache_put(srv.store, run, res);
    if (!(m = open_memstream(&buf, &len))) {
        cw_results_free(res);
        cw_pack_free(p);
        return problem(x, 500, "out of memory");
    }
    fprintf(m,
            "{\"run\":%lld,\"pack\":\"%s\",\"pack_sha256\":\"%s\","
            "\"pass\":%zu,\"fail\":%zu,\"not_applicable\":%zu,"
            "\"unknown\":%zu,\"error\":%zu}\n",
            (long long)run, cw_pack_name(p), cw_pack_digest(p),
            cw_results_tally(res, CW_VERDICT_PASS),
            cw_results_tally(res, CW_VERDICT_FAIL),
            cw_results_tally(res, CW_VERDICT_NOT_APPLICABLE),
            cw_results_tally(res, CW_VERDICT_UNKNOWN),
            cw_results_tally(res, CW_VERDICT_ERROR));
    cw_results_free(res);
    cw_pack_free(p);
    return reply_json(x, 201, m, &buf, &len);
}

/* Built-in packs loaded once each, for agents' pushes: read-only after
 * loading, so every pool thread may judge with them at once. */
#define NPACKS 32
static struct cw_pack *packs[NPACKS];
static size_t npacks;

const struct cw_pack *server_pack(const char *name)
{
    struct cw_pack *p = NULL;
    struct cw_diag d;
    size_t i;

    if (!builtin(name))
        return NULL;
    cw_diag_clear(&d);
    pthread_mutex_lock(&cats_lock);
    for (i = 0; i < npacks && !p; i++)
        if (strcmp(cw_pack_name(packs[i]), name) == 0)
            p = packs[i];
    if (!p && npacks < NPACKS &&
        (cats || !cw_catalogs_new(NULL, &cats, &d)) &&
        !cw_pack_load(cats, name, &p, &d))
        packs[npacks++] = p;
    pthread_mutex_unlock(&cats_lock);
    return p;
}

void scan_api_free(void)
{
    while (npacks)
        cw_pack_free(packs[--npacks]);
    cw_catalogs_free(cats);
    cats = NULL;
}
