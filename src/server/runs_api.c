/*
 * runs_api.c - saved scan runs through the API, read-only: the provider's
 * roles and auditors see what was scanned, with which exact pack, when,
 * and its results (the same records as `cloudward results list|show`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static void run_json(FILE *m, const struct cw_run *r)
{
    int v;
    fprintf(m, "{\"id\":%lld,\"kind\":", (long long)r->id);
    cw_json_quote(m, r->kind);
    fputs(",\"pack\":", m);
    cw_json_quote(m, r->pack);
    fputs(",\"pack_digest\":", m);
    cw_json_quote(m, r->pack_digest);
    fputs(",\"target\":", m);
    cw_json_quote(m, r->target);
    fputs(",\"started\":", m);
    cw_json_quote(m, r->started);
    fprintf(m, ",\"seconds\":%.3f,\"actor\":", r->seconds);
    json_opt(m, r->actor);
    fputs(",\"counts\":{", m);
    for (v = 0; v < CW_VERDICT_COUNT; v++)
        fprintf(m, "%s\"%s\":%zu", v ? "," : "",
                cw_verdict_name((enum cw_verdict)v), r->counts[v]);
    fprintf(m, "},\"stored\":%zu}", r->stored);
}

struct list {
    FILE *m;
    int n;
    long long skip, limit, seen;
};

static int run_row(void *arg, const struct cw_run *r)
{
    struct list *l = arg;
    if (l->n++)
        fputc(',', l->m);
    run_json(l->m, r);
    return 0;
}

/* GET /api/v1/runs: every saved run. */
enum MHD_Result h_runs(struct ctx *x)
{
    struct list l = { NULL, 0, 0, 0, 0 };
    struct cw_diag d;
    enum cw_status st;
    char *buf = NULL;
    size_t len = 0;

    if (!(l.m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fputs("{\"runs\":[", l.m);
    cw_diag_clear(&d);
    st = cw_runs_list(srv.store, run_row, &l, &d);
    fputs("]}\n", l.m);
    if (st && st != CW_ENOENT) {
        fclose(l.m);
        free(buf);
        return problem(x, 500, "the runs cannot be read");
    }
    return reply_json(x, 200, l.m, &buf, &len);
}

static int result_row(void *arg, const struct cw_run_result *r)
{
    struct list *l = arg;
    if (l->seen++ < l->skip)
        return 0;
    if (l->n == l->limit)
        return 1;
    if (l->n++)
        fputc(',', l->m);
    fprintf(l->m, "{\"seq\":%zu,\"check\":", r->seq);
    cw_json_quote(l->m, r->check);
    fputs(",\"title\":", l->m);
    cw_json_quote(l->m, r->title);
    fprintf(l->m, ",\"severity\":\"%s\",\"verdict\":\"%s\",\"controls\":",
            cw_severity_name(r->severity), cw_verdict_name(r->verdict));
    cw_json_quote(l->m, r->controls ? r->controls : "");
    fputs(",\"resource\":", l->m);
    json_opt(l->m, r->resource);
    fputs(",\"reason\":", l->m);
    cw_json_quote(l->m, r->reason ? r->reason : "");
    fputs(",\"file\":", l->m);
    json_opt(l->m, r->file);
    fprintf(l->m, ",\"line\":%u,\"count\":%zu}", r->line, r->count);
    return 0;
}

static int one_run(void *arg, const struct cw_run *r)
{
    run_json(arg, r);
    return 1;
}

/* GET /api/v1/runs/{id}[?offset=N][&limit=M]: a run and a page of its
 * results. */
enum MHD_Result h_run(struct ctx *x)
{
    struct list l = { NULL, 0, 0, 0, 0 };
    struct cw_diag d;
    enum cw_status st;
    char *buf = NULL, *end;
    size_t len = 0, before;
    long long id = strtoll(x->q->param[0], &end, 10);

    l.skip = query_number(x, "offset", 0, 1LL << 40);
    l.limit = query_number(x, "limit", 1000, 10000);
    if (*end || id < 1 || l.skip < 0 || l.limit < 1)
        return problem(x, 400, "a run number; offset 0 or more; limit 1 to "
                               "10000");
    if (!(l.m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fputs("{\"run\":", l.m);
    fflush(l.m);
    before = len;
    cw_diag_clear(&d);
    st = cw_run_get(srv.store, id, one_run, l.m, &d);
    fflush(l.m);
    if (st || len == before) {
        fclose(l.m);
        free(buf);
        return st && st != CW_ENOENT ? problem(x, 500, "the run cannot be read")
                                     : problem(x, 404, "no such run");
    }
    fputs(",\"results\":[", l.m);
    st = cw_run_results(srv.store, id, result_row, &l, &d);
    fputs("]}\n", l.m);
    if (st) {
        fclose(l.m);
        free(buf);
        return problem(x, 500, "the results cannot be read");
    }
    return reply_json(x, 200, l.m, &buf, &len);
}
