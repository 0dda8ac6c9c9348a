/*
 * soa_view.c - the Statement of Applicability and the responsibility
 * matrix, made live from the scope the server was given (--scope) and
 * the store's scan results and evidence: GET /api/v1/soa and
 * /api/v1/matrix in any of the report formats, and the bytes of a
 * generated document in the library (a copy that names whom it was
 * prepared for, and the download).
 *
 * The scope is read from its files at each request (decisions edited on
 * disk show at once); the catalogs once, at start.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "http.h"

static struct cw_catalogs *cats;

int soa_view_init(void)
{
    struct cw_diag d;
    cw_diag_clear(&d);
    if (!srv.scope[0])
        return 0;
    if (cw_catalogs_new(NULL, &cats, &d)) {
        fprintf(stderr, "cloudward: cannot load the catalogs: %s\n", d.msg);
        return -1;
    }
    return 0;
}

static void scope_forget(void);

void soa_view_free(void)
{
    scope_forget();
    cw_catalogs_free(cats);
    cats = NULL;
}

/*
 * The scope, read once and kept while its files do not change
 * (cw_scope_fresh: a few stats per request instead of parsing its YAML
 * again). Builds running when it changes keep the one they took: each
 * loaded scope counts its users and goes with the last.
 */
#define SCOPES 8
static struct {
    pthread_mutex_t mu;
    struct cw_scope *current;
    struct {
        struct cw_scope *s;
        unsigned users;
    } held[SCOPES];
} sc = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* Counts a user of s; false when no slot is free. */
static bool held_add(struct cw_scope *s)
{
    size_t i;
    for (i = 0; i < SCOPES; i++)
        if (sc.held[i].s == s) {
            sc.held[i].users++;
            return true;
        }
    for (i = 0; i < SCOPES; i++)
        if (!sc.held[i].s) {
            sc.held[i].s = s;
            sc.held[i].users = 1;
            return true;
        }
    return false;
}

static bool held_has(const struct cw_scope *s)
{
    size_t i;
    for (i = 0; i < SCOPES; i++)
        if (sc.held[i].s == s)
            return true;
    return false;
}

static enum cw_status scope_take(struct cw_scope **out, struct cw_diag *d)
{
    struct cw_scope *fresh = NULL;
    enum cw_status st;

    pthread_mutex_lock(&sc.mu);
    if (sc.current && cw_scope_fresh(sc.current) && held_add(sc.current)) {
        *out = sc.current;
        pthread_mutex_unlock(&sc.mu);
        return CW_OK;
    }
    pthread_mutex_unlock(&sc.mu);
    if ((st = cw_scope_load(cats, srv.scope, &fresh, d)))
        return st;
    pthread_mutex_lock(&sc.mu);
    if (held_add(fresh)) {
        if (sc.current && !held_has(sc.current))
            cw_scope_free(sc.current);
        sc.current = fresh;
    } /* else: every slot in use; this one is the caller's alone */
    *out = fresh;
    pthread_mutex_unlock(&sc.mu);
    return CW_OK;
}

static void scope_drop(struct cw_scope *s)
{
    size_t i;
    pthread_mutex_lock(&sc.mu);
    for (i = 0; i < SCOPES; i++)
        if (sc.held[i].s == s) {
            if (--sc.held[i].users == 0) {
                sc.held[i].s = NULL;
                if (s != sc.current)
                    cw_scope_free(s);
            }
            pthread_mutex_unlock(&sc.mu);
            return;
        }
    if (s != sc.current) /* a caller's own (see scope_take) */
        cw_scope_free(s);
    pthread_mutex_unlock(&sc.mu);
}

enum cw_status soa_view_build(const char *prepared_for, int model,
                              const char *tenant, struct cw_soa **out,
                              struct cw_diag *d)
{
    struct cw_soa_options opt = { NULL, model, srv.store, 0, prepared_for,
                                  tenant && tenant[0] ? tenant : NULL,
                                  access_tables(), false, false };
    struct cw_scope *scope = NULL;
    enum cw_status st;

    *out = NULL;
    if (!cats) {
        cw_diag_clear(d);
        snprintf(d->msg, sizeof(d->msg),
                 "this server shows no SoA (start it with --scope)");
        return CW_ENOENT;
    }
    if ((st = scope_take(&scope, d)))
        return st;
    if ((st = cw_soa_build(cats, scope, &opt, out, d))) {
        scope_drop(scope);
        return st;
    }
    return CW_OK;
}

enum cw_status score_view_history(int days,
                                  int (*fn)(void *arg,
                                            const struct cw_score_day *day),
                                  void *arg, struct cw_diag *d)
{
    struct cw_soa_options opt;
    struct cw_scope *scope = NULL;
    char since[16];
    time_t t = time(NULL) - (time_t)(days - 1) * 86400;
    struct tm tm;
    enum cw_status st;

    if (!cats) {
        cw_diag_clear(d);
        snprintf(d->msg, sizeof(d->msg),
                 "this server shows no SoA (start it with --scope)");
        return CW_ENOENT;
    }
    memset(&opt, 0, sizeof(opt));
    opt.model = -1;
    opt.store = srv.store;
    opt.access = access_tables();
    strftime(since, sizeof(since), "%Y-%m-%d", gmtime_r(&t, &tm));
    if ((st = cw_scope_load(cats, srv.scope, &scope, d)))
        return st;
    st = cw_score_history(cats, scope, &opt, NULL, since, NULL, fn, arg, d);
    cw_scope_free(scope);
    return st;
}

void soa_view_free_soa(struct cw_soa *soa)
{
    struct cw_scope *scope;
    if (!soa)
        return;
    scope = (struct cw_scope *)cw_soa_scope(soa);
    cw_soa_free(soa);
    scope_drop(scope);
}

static const char *mime_of(enum cw_format f)
{
    switch (f) {
    case CW_FORMAT_CSV: return "text/csv; charset=utf-8";
    case CW_FORMAT_MARKDOWN: return "text/markdown; charset=utf-8";
    case CW_FORMAT_HTML: return "text/html; charset=utf-8";
    case CW_FORMAT_XLSX:
        return "application/vnd.openxmlformats-officedocument."
               "spreadsheetml.sheet";
    default: return "application/json";
    }
}

/* The report of `soa` in format f, as bytes (malloc'd). Through a private
 * temporary file: the XLSX writer writes files only. */
/* What a document writer writes to a file, read back into memory. */
typedef enum cw_status (*file_writer)(const void *arg, const char *path,
                                      struct cw_diag *d);

static enum cw_status render(file_writer write, const void *arg,
                             unsigned char **data, size_t *len,
                             struct cw_diag *d)
{
    char dir[] = "/tmp/cloudward-soa-XXXXXX", path[64];
    enum cw_status st;
    FILE *fp;
    long n;

    *data = NULL;
    *len = 0;
    if (!mkdtemp(dir)) {
        cw_diag_clear(d);
        return CW_EIO;
    }
    snprintf(path, sizeof(path), "%s/report", dir);
    st = write(arg, path, d);
    if (!st && (fp = fopen(path, "rb"))) {
        if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
            fseek(fp, 0, SEEK_SET) == 0 &&
            (*data = malloc((size_t)n + 1)) &&
            fread(*data, 1, (size_t)n, fp) == (size_t)n)
            *len = (size_t)n;
        else
            st = CW_EIO;
        fclose(fp);
    } else if (!st) {
        st = CW_EIO;
    }
    if (st) {
        free(*data);
        *data = NULL;
    }
    remove(path);
    rmdir(dir);
    return st;
}

struct report_job {
    const struct cw_soa *soa;
    enum cw_view view;
    enum cw_format f;
};

static enum cw_status write_report(const void *arg, const char *path,
                                   struct cw_diag *d)
{
    const struct report_job *j = arg;
    return cw_report_write(j->soa, j->view, j->f, path, d);
}

enum cw_status soa_view_render(const struct cw_soa *soa, enum cw_view view,
                               enum cw_format f, unsigned char **data,
                               size_t *len, struct cw_diag *d)
{
    struct report_job j = { soa, view, f };
    return render(write_report, &j, data, len, d);
}

/* The sub-processors' list, as `tenant` (NULL: the provider) sees it. */
struct list_job {
    const char *tenant;
    enum cw_format f;
};

static enum cw_status write_list(const void *arg, const char *path,
                                 struct cw_diag *d)
{
    const struct list_job *j = arg;
    struct cw_access *a = access_tables();
    if (!a) {
        cw_diag_clear(d);
        snprintf(d->msg, sizeof(d->msg), "the store cannot be read");
        return CW_EIO;
    }
    return cw_register_write(a, CW_REG_SUBPROCESSORS, j->tenant,
                             (long long)time(NULL), (int)j->f, path, d);
}

static bool format_of_name(const char *name, enum cw_format *f)
{
    const char *dot = strrchr(name, '.');
    return dot && cw_format_parse(strcmp(dot + 1, "md") == 0 ? "markdown"
                                                             : dot + 1,
                                  f);
}

static void release(void *p)
{
    free(p);
}

/* cw_doc_generator for the library's generated documents. */
enum cw_status soa_view_generate(void *arg, const struct cw_doc *doc,
                      const char *download_id, struct cw_generated *out,
                      struct cw_diag *d)
{
    const struct who *w = arg;
    char prepared[400], when[32];
    struct cw_soa *soa;
    enum cw_format f;
    enum cw_status st;
    time_t now = time(NULL);
    struct tm tm;

    if (!format_of_name(doc->name, &f))
        return CW_EINVAL;
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime_r(&now, &tm));
    snprintf(prepared, sizeof(prepared), "%s, %s, %s, download %s",
             w->tenant[0] ? w->tenant : "the provider",
             w->login[0] ? w->login : w->id, when, download_id);
    if (strcmp(doc->type, "subprocessors") == 0) {
        struct list_job j = { w->tenant[0] ? w->tenant : NULL, f };
        st = render(write_list, &j, &out->data, &out->len, d);
        out->release = release;
        return st;
    }
    if ((st = soa_view_build(prepared, -1, w->tenant, &soa, d)))
        return st;
    st = soa_view_render(soa,
                         strcmp(doc->type, "matrix") == 0 ? CW_VIEW_MATRIX
                                                          : CW_VIEW_SOA,
                         f, &out->data, &out->len, d);
    out->release = release;
    soa_view_free_soa(soa);
    return st;
}

/* GET /api/v1/soa and /api/v1/matrix [?format=F][&model=M]. */
static enum MHD_Result view(struct ctx *x, enum cw_view v)
{
    const char *fmt = query(x, "format"), *model = query(x, "model");
    struct cw_soa *soa;
    struct cw_diag d;
    enum cw_format f = CW_FORMAT_JSON;
    unsigned char *data;
    size_t len;
    int m = -1;
    enum MHD_Result ret;
    struct MHD_Response *r;

    if (fmt && (!cw_format_parse(fmt, &f) || f == CW_FORMAT_TABLE))
        return problem(x, 400, "format: csv, md, html, json or xlsx");
    if (model) {
        static const char *const models[] = { "iaas", "paas", "saas" };
        for (m = 0; m < 3 && strcmp(model, models[m]) != 0; m++)
            ;
        if (m == 3)
            return problem(x, 400, "model: iaas, paas or saas");
    }
    cw_diag_clear(&d);
    if (soa_view_build(NULL, m, x->q->who.tenant, &soa, &d))
        return problem(x, cats ? 500 : 404,
                       cats ? "the scope cannot be read; see the server's "
                              "log"
                            : "this server shows no SoA (it was started "
                              "without --scope)");
    if (soa_view_render(soa, v, f, &data, &len, &d)) {
        soa_view_free_soa(soa);
        return problem(x, 500, "the report cannot be written");
    }
    soa_view_free_soa(soa);
    r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", mime_of(f));
    if (f == CW_FORMAT_XLSX)
        MHD_add_response_header(r, "Content-Disposition",
                                v == CW_VIEW_SOA
                                    ? "attachment; filename=\"soa.xlsx\""
                                    : "attachment; filename=\"matrix.xlsx\"");
    secure(r, false);
    x->q->status = 200;
    x->q->bytes = len;
    ret = MHD_queue_response(x->c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result h_soa(struct ctx *x)
{
    return view(x, CW_VIEW_SOA);
}

enum MHD_Result h_matrix(struct ctx *x)
{
    return view(x, CW_VIEW_MATRIX);
}

/* GET /api/v1/score[?by=control|clause|responsibility][&catalog=C]
 * [&actions=N]: the score of the SoA made now, as `cloudward score
 * --format json` prints it (one writer: cw_score_write_json). */
enum MHD_Result h_score(struct ctx *x)
{
    const char *by_arg = query(x, "by"), *catalog = query(x, "catalog");
    const char *act = query(x, "actions");
    enum cw_score_by by = CW_SCORE_BY_CONTROL;
    struct cw_score_group *g = NULL;
    struct cw_score *s = NULL;
    struct cw_soa *soa = NULL;
    struct cw_diag d;
    long long e, p, nact = 10;
    char *buf = NULL;
    size_t len = 0, ng;
    FILE *m;

    if (by_arg && !cw_score_by_parse(by_arg, &by))
        return problem(x, 400, "by: control, clause or responsibility");
    if (act) {
        char *end;
        nact = strtoll(act, &end, 10);
        if (end == act || *end || nact < 0 || nact > 10000)
            return problem(x, 400, "actions: a count, 0 to 10000");
    }
    if (catalog && (!cats || !cw_catalogs_find(cats, catalog)))
        return problem(x, 400, "catalog: one of the catalogs loaded");
    cw_diag_clear(&d);
    if (soa_view_build(NULL, -1, x->q->who.tenant, &soa, &d))
        return problem(x, cats ? 500 : 404,
                       cats ? "the scope cannot be read; see the server's "
                              "log"
                            : "this server shows no SoA (it was started "
                              "without --scope)");
    if (cw_score_build(soa, &s, &d) ||
        !(g = calloc(cw_score_count(s) + 1, sizeof(*g))) ||
        !(m = open_memstream(&buf, &len))) {
        free(g);
        cw_score_free(s);
        soa_view_free_soa(soa);
        return problem(x, 500, "out of memory");
    }
    ng = cw_score_groups(s, by, catalog, g, cw_score_count(s) + 1, &e, &p);
    cw_score_write_json(s, cw_soa_as_of(soa), catalog,
                        by == CW_SCORE_BY_CLAUSE   ? "clause"
                        : by == CW_SCORE_BY_CONTROL ? "control"
                                                   : "responsibility",
                        g, ng, (size_t)nact, m);
    free(g);
    cw_score_free(s);
    soa_view_free_soa(soa);
    return reply_json(x, 200, m, &buf, &len);
}

/* ---- the matrix, watched --------------------------------------------------- */

/*
 * A thread that rebuilds the matrix every CLOUDWARD_MATRIX_SWEEP_MS
 * (default a minute) and publishes its rows (cw_matrix_publish): when a
 * row customers rely on changes (a decision edited, a status or a
 * provider's assurance changed), the followers of a matrix document get
 * a notice. A row's digest covers what the matrix tells a customer:
 * responsibility, the part they may rely on, each party's part, whether
 * it applies, its status and the state of the assurance behind it.
 */
static struct worker watcher;

static void row_digest(const struct cw_soa_line *l, char hex[65])
{
    crypto_hash_sha256_state h;
    unsigned char out[32];
    const char *parts[7];
    size_t i;
    parts[0] = cw_resp_name(l->responsibility);
    parts[1] = l->part ? l->part : "";
    parts[2] = l->provider_duty ? l->provider_duty : "";
    parts[3] = l->customer_duty ? l->customer_duty : "";
    parts[4] = l->applicable ? "applicable" : "excluded";
    parts[5] = cw_impl_status_name(l->status);
    parts[6] = cw_rely_state_name(l->reliance);
    crypto_hash_sha256_init(&h);
    for (i = 0; i < 7; i++)
        crypto_hash_sha256_update(&h, (const unsigned char *)parts[i],
                                  strlen(parts[i]) + 1); /* with its NUL */
    crypto_hash_sha256_final(&h, out);
    sodium_bin2hex(hex, 65, out, sizeof(out));
}

static void sweep(void)
{
    struct cw_access *a;
    struct cw_soa *soa;
    struct cw_published_row *rows;
    char (*digests)[65], (*names)[160];
    struct cw_diag d;
    size_t i, n, changed;

    cw_diag_clear(&d);
    if (soa_view_build(NULL, -1, NULL, &soa, &d)) {
        fprintf(stderr, "cloudward: matrix watch: %s\n", d.msg);
        return;
    }
    n = cw_soa_count(soa);
    rows = calloc(n + 1, sizeof(*rows));
    digests = calloc(n + 1, sizeof(*digests));
    names = calloc(n + 1, sizeof(*names));
    if (rows && digests && names && !cw_access_open(srv.store, false, &a, &d)) {
        for (i = 0; i < n; i++) {
            const struct cw_soa_line *l = cw_soa_line_at(soa, i);
            snprintf(names[i], sizeof(names[i]), "%s %s", l->control->catalog,
                     l->control->id);
            row_digest(l, digests[i]);
            rows[i].control = names[i];
            rows[i].digest = digests[i];
        }
        if (cw_matrix_publish(a, rows, n, (long long)time(NULL), &changed, &d))
            fprintf(stderr, "cloudward: matrix watch: %s\n", d.msg);
        else if (changed)
            fprintf(stderr, "cloudward: matrix watch: %zu row(s) changed\n",
                    changed);
        cw_access_close(a);
    }
    free(rows);
    free(digests);
    free(names);
    soa_view_free_soa(soa);
}

static void *watch(void *arg)
{
    const char *env = getenv("CLOUDWARD_MATRIX_SWEEP_MS");
    long ms = env ? strtol(env, NULL, 10) : 60000;
    (void)arg;
    if (ms < 50)
        ms = 50;
    while (!worker_stopping(&watcher)) {
        sweep();
        worker_nap(&watcher, ms);
    }
    return NULL;
}

void matrix_watch_start(void)
{
    if (!cats)
        return; /* no scope, no matrix */
    (void)worker_start(&watcher, watch);
}

void matrix_watch_stop(void)
{
    worker_stop(&watcher);
}

/* At stop: the kept scope goes (builds are over). */
static void scope_forget(void)
{
    pthread_mutex_lock(&sc.mu);
    if (sc.current && !held_has(sc.current))
        cw_scope_free(sc.current);
    sc.current = NULL;
    pthread_mutex_unlock(&sc.mu);
}
