/*
 * webhook_api.c - a tenant's webhook (cw_webhook.h) through the API:
 * GET, PUT and DELETE /api/v1/webhook, and its delivery log, GET
 * /api/v1/webhook/deliveries.
 *
 * The router lets the provider's admin and a tenant's customer-admin in
 * (serve.c's table); this file only settles whose webhook it is: a
 * customer-admin's own tenant's, always (naming another tenant is
 * answered as naming one that does not exist, and recorded as a
 * refusal), the admin's the tenant named (`tenant`). The secret is in
 * the answer to PUT alone, once; nothing here logs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "http.h"

static int known_tenant(void *arg, const struct cw_tenant *t)
{
    const char **want = arg;
    if (strcmp(t->id, *want) != 0)
        return 0;
    *want = NULL; /* found */
    return 1;
}

/*
 * Whose webhook the request is about, into *tenant: the caller's own
 * tenant for a customer-admin, the one named in `named` (a query or a
 * field) for the provider's admin. `all`: the admin may name none
 * (*tenant NULL: every tenant's). False with the answer queued in *ret
 * otherwise.
 */
static bool whose(struct ctx *x, const char *named, bool all,
                  const char **tenant, enum MHD_Result *ret)
{
    const struct who *w = &x->q->who;
    struct cw_access *a = access_tables();
    struct cw_diag d;
    const char *look = named;

    *tenant = NULL;
    if (cw_grant_is_tenant(w->role)) {
        if (named && strcmp(named, w->tenant) != 0) {
            *ret = refuse(x, 404, "no such tenant");
            return false;
        }
        *tenant = w->tenant;
        return true;
    }
    if (!named) {
        if (all)
            return true;
        *ret = problem(x, 400, "name the tenant: tenant=ID");
        return false;
    }
    if (!a) {
        *ret = problem(x, 503, "the store cannot be read");
        return false;
    }
    cw_diag_clear(&d);
    if (cw_tenant_each(a, known_tenant, &look, &d)) {
        *ret = answer_failure(x, CW_EIO, &d);
        return false;
    }
    if (look) {
        *ret = problem(x, 404, "no such tenant");
        return false;
    }
    *tenant = named;
    return true;
}

struct one {
    FILE *m;
    int n;
};

static int webhook_json(void *arg, const struct cw_webhook *w)
{
    struct one *o = arg;
    fprintf(o->m, "{\"id\":\"%s\",\"tenant\":", w->id);
    cw_json_quote(o->m, w->tenant);
    fputs(",\"url\":", o->m);
    cw_json_quote(o->m, w->url);
    fprintf(o->m, ",\"created\":%lld}\n", w->created);
    o->n++;
    return 1;
}

/* GET /api/v1/webhook[?tenant=ID]: the webhook, without its secret. */
enum MHD_Result h_webhook_get(struct ctx *x)
{
    struct one o = { NULL, 0 };
    struct cw_access *a;
    struct cw_diag d;
    enum MHD_Result ret;
    enum cw_status st;
    const char *tenant;
    char *buf = NULL;
    size_t len = 0;

    if (!(a = access_or_503(x, &ret)))
        return ret;
    if (!whose(x, query(x, "tenant"), false, &tenant, &ret))
        return ret;
    if (!(o.m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    cw_diag_clear(&d);
    st = cw_webhook_each(a, tenant, webhook_json, &o, &d);
    if (st || !o.n) {
        fclose(o.m);
        free(buf);
        if (st)
            return answer_failure(x, st, &d);
        return problem(x, 404, "the tenant has no webhook");
    }
    return reply_json(x, 200, o.m, &buf, &len);
}

/* PUT /api/v1/webhook {url[, tenant]}: sets (or replaces) the webhook;
 * 201 with its secret, shown once. */
enum MHD_Result h_webhook_put(struct ctx *x)
{
    const char *url = field(x, "url"), *tenant;
    char secret[CW_WEBHOOK_SECRET_TEXT], id[CW_TOKEN_ID], *buf = NULL;
    struct cw_access *a;
    struct cw_diag d;
    enum MHD_Result ret;
    enum cw_status st;
    size_t len = 0;
    FILE *m;

    if (!(a = access_or_503(x, &ret)))
        return ret;
    if (!whose(x, field(x, "tenant"), false, &tenant, &ret))
        return ret;
    if (!url)
        return problem(x, 400, "send the webhook's address: url");
    cw_diag_clear(&d);
    if ((st = cw_webhook_set(a, tenant, url, x->q->who.id, secret, id, &d)))
        return answer_failure(x, st, &d);
    if (!(m = open_memstream(&buf, &len))) {
        sodium_memzero(secret, sizeof(secret));
        return problem(x, 500, "out of memory");
    }
    fprintf(m, "{\"id\":\"%s\",\"tenant\":", id);
    cw_json_quote(m, tenant);
    fputs(",\"url\":", m);
    cw_json_quote(m, url);
    fprintf(m, ",\"secret\":\"%s\"}\n", secret);
    sodium_memzero(secret, sizeof(secret));
    return reply_json_secret(x, 201, m, &buf, &len);
}

/* DELETE /api/v1/webhook[?tenant=ID]: removes it; what it had still to
 * deliver is cancelled. */
enum MHD_Result h_webhook_delete(struct ctx *x)
{
    const char *named = query(x, "tenant"), *tenant;
    struct cw_access *a;
    struct cw_diag d;
    enum MHD_Result ret;
    enum cw_status st;

    if (!(a = access_or_503(x, &ret)))
        return ret;
    if (!whose(x, named ? named : field(x, "tenant"), false, &tenant, &ret))
        return ret;
    cw_diag_clear(&d);
    if ((st = cw_webhook_remove(a, tenant, x->q->who.id, &d)))
        return answer_failure(x, st, &d);
    return reply(x, 204, "application/json", "", 0, false, NULL);
}

struct attempts {
    FILE *m;
    long long n, last;
};

static int attempt_json(void *arg, const struct cw_webhook_attempt *t)
{
    struct attempts *l = arg;
    if (l->n++)
        fputc(',', l->m);
    fprintf(l->m, "{\"id\":%lld,\"delivery\":\"%s\",\"tenant\":", t->id,
            t->delivery);
    cw_json_quote(l->m, t->tenant);
    fputs(",\"event\":", l->m);
    cw_json_quote(l->m, t->event);
    fprintf(l->m, ",\"attempt\":%lld,\"at\":%lld,\"status\":%d,\"error\":",
            t->attempt, t->at, t->http_status);
    json_opt(l->m, t->error);
    fputs(",\"outcome\":", l->m);
    cw_json_quote(l->m, t->outcome);
    fputc('}', l->m);
    l->last = t->id;
    return 0;
}

/* GET /api/v1/webhook/deliveries[?tenant=ID][&before=N][&limit=M]: the
 * delivery log, newest attempt first; "next" continues it. */
enum MHD_Result h_webhook_deliveries(struct ctx *x)
{
    long long before = query_number(x, "before", 0, 1LL << 60),
              limit = query_number(x, "limit", 50, 500);
    struct attempts l = { NULL, 0, 0 };
    struct cw_access *a;
    struct cw_diag d;
    enum MHD_Result ret;
    enum cw_status st;
    const char *tenant;
    char *buf = NULL;
    size_t len = 0;

    if (!(a = access_or_503(x, &ret)))
        return ret;
    if (before < 0 || limit < 1)
        return problem(x, 400, "before: an attempt's id; limit: 1 to 500");
    if (!whose(x, query(x, "tenant"), true, &tenant, &ret))
        return ret;
    if (!(l.m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fputs("{\"deliveries\":[", l.m);
    cw_diag_clear(&d);
    st = cw_webhook_log(a, tenant, before, limit, attempt_json, &l, &d);
    fputs("]", l.m);
    if (l.n == limit) {
        fprintf(l.m,
                ",\"next\":\"/api/v1/webhook/deliveries?before=%lld&limit="
                "%lld",
                l.last, limit);
        /* The admin's tenant, as named (checked: an id). */
        if (tenant && !cw_grant_is_tenant(x->q->who.role))
            fprintf(l.m, "&tenant=%s", tenant);
        fputc('"', l.m);
    }
    fputs("}\n", l.m);
    return reply_listing(x, st, &d, l.m, &buf, &len);
}
