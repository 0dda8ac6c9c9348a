/*
 * registers_api.c - the 27018 registers over HTTP (cw_registers.h):
 * GET /api/v1/registers/due, every open duty and finding now, and GET
 * /api/v1/registers/{name}, a register's records. A customer gets its
 * own view of both: the records that name it (or every customer), cut
 * to its part, and the duties owed to it; never another's. Records are
 * written through the CLI (cloudward register ...), whose every change
 * is a ledger entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"

/* GET /api/v1/registers/due[?within=DAYS] */
enum MHD_Result h_registers_due(struct ctx *x)
{
    const char *within = query(x, "within");
    long long now = (long long)time(NULL), days = -1;
    struct cw_registers *g = NULL;
    struct cw_access *a;
    struct cw_diag d;
    enum cw_status st;
    char *buf = NULL;
    size_t len = 0, i, n, findings = 0, shown = 0;
    FILE *m;

    if (!(a = access_tables()))
        return problem(x, 503, "the store cannot be read");
    if (within) {
        char *end;
        days = strtoll(within, &end, 10);
        if (end == within || *end || days < 0 || days > 3660)
            return problem(x, 400, "within: days, 0 to 3660");
    }
    cw_diag_clear(&d);
    if ((st = cw_registers_load_open(a, viewer(x), now, &g, &d)))
        return answer_failure(x, st, &d);
    if (!(m = open_memstream(&buf, &len))) {
        cw_registers_free(g);
        return problem(x, 500, "out of memory");
    }
    fprintf(m, "{\"at\":%lld,\"duties\":[", now);
    n = cw_registers_duty_count(g);
    for (i = 0; i < n; i++) {
        const struct cw_duty *u = cw_registers_duty_at(g, i);
        if (u->finding)
            findings++;
        else if (days >= 0 && u->due > now + days * 86400)
            continue;
        fprintf(m, "%s{\"register\":\"%s\",\"record\":", shown++ ? "," : "",
                cw_register_name(u->reg));
        json_opt(m, u->record);
        fputs(",\"customer\":", m);
        json_opt(m, u->customer);
        fprintf(m, ",\"control\":\"iso27018:2019 %s\",\"what\":", u->control);
        json_opt(m, u->what);
        if (u->due)
            fprintf(m, ",\"due\":%lld", u->due);
        else
            fputs(",\"due\":null", m);
        fputs(",\"zone\":", m);
        json_opt(m, u->zone);
        fprintf(m, ",\"finding\":%s}", u->finding ? "true" : "false");
    }
    fprintf(m, "],\"findings\":%zu}\n", findings);
    cw_registers_free(g);
    return reply_json(x, 200, m, &buf, &len);
}

struct listing {
    FILE *m;
    size_t n;
};

static int record_row(void *arg, const struct cw_reg_record *c)
{
    struct listing *l = arg;
    fprintf(l->m, "%s{\"id\":", l->n++ ? "," : "");
    json_opt(l->m, c->id);
    fprintf(l->m, ",\"version\":%lld,\"closed\":%s,\"recorded\":%lld,"
                  "\"sha256\":\"%s\",\"record\":%s}",
            c->version, c->closed ? "true" : "false", c->recorded, c->sha256,
            c->json);
    return 0;
}

/* GET /api/v1/registers/{name}[?history=true] */
enum MHD_Result h_register_list(struct ctx *x)
{
    const char *history = query(x, "history");
    struct listing l = { NULL, 0 };
    enum cw_register r;
    struct cw_access *a;
    struct cw_diag d;
    enum cw_status st;
    char *buf = NULL;
    size_t len = 0;

    if (!cw_register_parse(x->q->param[0], &r))
        return problem(x, 404, "no such register");
    if (history && strcmp(history, "true") && strcmp(history, "false"))
        return problem(x, 400, "history: true or false");
    if (!(a = access_tables()))
        return problem(x, 503, "the store cannot be read");
    if (!(l.m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fprintf(l.m, "{\"register\":\"%s\",\"title\":", cw_register_name(r));
    json_opt(l.m, cw_register_title(r));
    fputs(",\"records\":[", l.m);
    cw_diag_clear(&d);
    st = cw_register_each(a, (int)r, NULL, viewer(x),
                          history && strcmp(history, "true") == 0, record_row,
                          &l, &d);
    fputs("]}\n", l.m);
    return reply_listing(x, st, &d, l.m, &buf, &len);
}
