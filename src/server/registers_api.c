/*
 * registers_api.c - the 27018 registers over HTTP (cw_registers.h):
 * GET /api/v1/registers/due, every open duty and finding now, and GET
 * /api/v1/registers/{name}, a register's records. A customer gets its
 * own view of both: the records that name it (or every customer), cut
 * to its part, and the duties owed to it; never another's. The
 * provider's admin and compliance roles write records (POST, as the CLI's
 * --file takes them) and close them; every change is a ledger entry in
 * the caller's name.
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

/* POST /api/v1/registers/{name}[?mode=add|upsert]: the body is a record
 * (or "records", a list) as JSON (Content-Type application/json) or
 * YAML, as the CLI's --file takes it; checked whole, saved in one
 * transaction, each change a ledger entry in the caller's name. add
 * refuses a record whose id is taken (409); upsert updates what
 * differs. */
enum MHD_Result h_register_put(struct ctx *x)
{
    const char *mode = query(x, "mode");
    const char *type = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND,
                                                   "Content-Type");
    struct cw_reg_input *in = NULL;
    enum cw_register r;
    struct cw_access *a;
    struct cw_diag d;
    enum cw_status st;
    size_t counts[3];
    char msg[600];
    bool upsert;

    if (!cw_register_parse(x->q->param[0], &r))
        return problem(x, 404, "no such register");
    if (mode && strcmp(mode, "add") && strcmp(mode, "upsert"))
        return problem(x, 400, "mode: add or upsert");
    upsert = mode && strcmp(mode, "upsert") == 0;
    if (!x->q->len)
        return problem(x, 400, "the request's body is the record (JSON or "
                               "YAML; docs/registers.md)");
    if (!(a = access_tables()))
        return problem(x, 503, "the store cannot be read");
    cw_diag_clear(&d);
    /* Named for its errors ("request.json:3:14: ..."); JSON by its type. */
    st = cw_reg_input_read(type && strncmp(type, "application/json", 16) == 0
                               ? "request.json"
                               : "request.yaml",
                           x->q->body, x->q->len, (int)r, &in, &d);
    if (!st)
        st = cw_register_put_input(a, in, upsert ? CW_REG_UPSERT : CW_REG_ADD,
                                   NULL, x->q->who.id, (long long)time(NULL),
                                   counts, &d);
    cw_reg_input_free(in);
    if (st == CW_ENOENT || st == CW_EINVAL || st == CW_EPARSE) {
        /* About the body (an unknown customer, a bad value): 400. */
        cw_diag_format(&d, msg, sizeof(msg));
        return problem(x, 400, msg);
    }
    if (st)
        return answer_failure(x, st, &d);
    snprintf(msg, sizeof(msg),
             "{\"register\":\"%s\",\"added\":%zu,\"updated\":%zu,"
             "\"unchanged\":%zu}\n",
             cw_register_name(r), counts[0], counts[1], counts[2]);
    return reply(x, 201, "application/json", msg, strlen(msg), true, NULL);
}

/* POST /api/v1/registers/{name}/{id}/close */
enum MHD_Result h_register_close(struct ctx *x)
{
    enum cw_register r;
    struct cw_access *a;
    struct cw_diag d;
    enum cw_status st;

    if (!cw_register_parse(x->q->param[0], &r))
        return problem(x, 404, "no such register");
    if (!(a = access_tables()))
        return problem(x, 503, "the store cannot be read");
    cw_diag_clear(&d);
    if ((st = cw_register_close(a, r, x->q->param[1], x->q->who.id,
                                (long long)time(NULL), &d)))
        return answer_failure(x, st, &d);
    return reply(x, 204, "application/json", "", 0, false, NULL);
}
