/*
 * alerts_api.c - alerts (cw_alert.h) and the monitor through the API:
 *
 *   GET  /api/v1/alerts[?state=open|resolved&limit=N]  the provider's roles
 *   POST /api/v1/alerts/{id}/ack                 admin, compliance, engineer
 *   POST /api/v1/alerts/{id}/assign  (owner)     admin, compliance, engineer
 *   POST /api/v1/alerts/{id}/resolve (resolution) admin, compliance, engineer
 *   GET  /api/v1/monitor             the schedules and their next runs
 *   POST /api/v1/monitor/run?schedule=NAME   admin: run one now
 *
 * Each change names the caller as its actor in the ledger.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

void alert_json(FILE *m, const struct cw_alert *x)
{
    fprintf(m, "{\"id\":\"%s\",\"state\":\"%s\",\"kind\":", x->id, x->state);
    cw_json_quote(m, x->kind);
    fprintf(m, ",\"severity\":\"%s\",\"key\":", x->severity);
    cw_json_quote(m, x->key);
    fputs(",\"subject\":", m);
    cw_json_quote(m, x->subject);
    fputs(",\"control\":", m);
    json_opt(m, x->control);
    fputs(",\"what\":", m);
    cw_json_quote(m, x->what);
    fputs(",\"owner\":", m);
    json_opt(m, x->owner);
    fprintf(m, ",\"opened\":%lld,\"last_seen\":%lld,\"acked\":%lld,"
               "\"acked_by\":",
            x->opened, x->last_seen, x->acked);
    json_opt(m, x->acked_by);
    fprintf(m, ",\"resolved\":%lld,\"resolved_by\":", x->resolved);
    json_opt(m, x->resolved_by);
    fputs(",\"resolution\":", m);
    json_opt(m, x->resolution);
    fputc('}', m);
}

struct listing {
    FILE *m;
    int n;
};

static int alert_row(void *arg, const struct cw_alert *x)
{
    struct listing *l = arg;
    if (l->n++)
        fputc(',', l->m);
    alert_json(l->m, x);
    return 0;
}

enum MHD_Result h_alerts(struct ctx *x)
{
    const char *state = query(x, "state");
    long long limit = query_number(x, "limit", 1000, 100000);
    enum MHD_Result ret = MHD_NO;
    struct cw_access *a = access_or_503(x, &ret);
    struct listing l = { NULL, 0 };
    struct cw_diag d;
    enum cw_status st;
    char *buf = NULL;
    size_t len = 0;

    if (!a)
        return ret;
    if (limit < 1 || (state && strcmp(state, "open") != 0 &&
                      strcmp(state, "resolved") != 0))
        return problem(x, 400, "state: open or resolved; limit: 1 to 100000");
    if (!(l.m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fputs("{\"alerts\":[", l.m);
    cw_diag_clear(&d);
    st = cw_alert_each(a, state, limit, alert_row, &l, &d);
    fputs("]}\n", l.m);
    return reply_listing(x, st, &d, l.m, &buf, &len);
}

/* POST /api/v1/alerts/{id}/{ack|assign|resolve}: which one by the
 * route's second parameter. */
enum MHD_Result h_alert_change(struct ctx *x)
{
    const char *id = x->q->param[0], *verb = x->q->param[1];
    enum MHD_Result ret = MHD_NO;
    struct cw_access *a = access_or_503(x, &ret);
    struct cw_diag d;
    enum cw_status st;

    if (!a)
        return ret;
    cw_diag_clear(&d);
    if (strcmp(verb, "ack") == 0) {
        st = cw_alert_ack(a, id, x->q->who.id, &d);
    } else if (strcmp(verb, "assign") == 0) {
        const char *owner = field(x, "owner");
        if (!owner)
            return problem(x, 400, "owner: who is on it");
        st = cw_alert_assign(a, id, owner, x->q->who.id, &d);
    } else if (strcmp(verb, "resolve") == 0) {
        const char *r = field(x, "resolution");
        if (!r)
            return problem(x, 400, "resolution: what was done");
        st = cw_alert_resolve(a, id, r, x->q->who.id, &d);
    } else {
        return problem(x, 404, "no such route");
    }
    if (st == CW_EINVAL)
        return problem(x, 409, d.msg);
    if (st)
        return answer_failure(x, st, &d);
    return reply(x, 204, "application/json", "", 0, false, NULL);
}

enum MHD_Result h_monitor(struct ctx *x)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return problem(x, 500, "out of memory");
    fprintf(m, "{\"monitor\":%s,\"schedules\":[",
            monitor_loaded() ? "true" : "false");
    monitor_json(m);
    fputs("]}\n", m);
    return reply_json(x, 200, m, &buf, &len);
}

enum MHD_Result h_monitor_run(struct ctx *x)
{
    const char *name = query(x, "schedule");
    if (!monitor_loaded())
        return problem(x, 409, "the server runs no monitor (serve "
                               "--monitor FILE)");
    if (!name || monitor_ask(name) != 0)
        return problem(x, 404, "no such schedule");
    return reply(x, 202, "application/json", "", 0, false, NULL);
}
