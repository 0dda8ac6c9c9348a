/*
 * admin_api.c - tenants and API tokens through the API (the provider's
 * admin; a tenant's customer-admin for its own tenant's tokens), and the
 * log's checkpoint and consistency proofs for anyone checking it offline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "http.h"

/* ---- tenants ------------------------------------------------------------ */

/* A JSON list being written. */
struct list {
    FILE *m;
    int n;
};

static int tenant_row(void *arg, const struct cw_tenant *t)
{
    struct list *l = arg;
    if (l->n++)
        fputc(',', l->m);
    fputs("{\"id\":", l->m);
    cw_json_quote(l->m, t->id);
    fputs(",\"name\":", l->m);
    cw_json_quote(l->m, t->name);
    fprintf(l->m, ",\"created\":%lld}", t->created);
    return 0;
}

enum MHD_Result h_tenants(struct ctx *x)
{
    struct cw_access *a = access_tables();
    struct list l;
    struct cw_diag d;
    char *buf = NULL;
    size_t len = 0;

    if (!a)
        return problem(x, 503, "the store cannot be read");
    memset(&l, 0, sizeof(l));
    if (!(l.m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fputs("{\"tenants\":[", l.m);
    cw_diag_clear(&d);
    if (cw_tenant_each(a, tenant_row, &l, &d)) {
        fclose(l.m);
        free(buf);
        return problem(x, 500, "the tenants cannot be read");
    }
    fputs("]}\n", l.m);
    return reply_json(x, 200, l.m, &buf, &len);
}

enum MHD_Result h_tenant_add(struct ctx *x)
{
    struct cw_access *a = access_tables();
    struct cw_diag d;
    enum cw_status st;
    if (!a)
        return problem(x, 503, "the store cannot be read");
    if (!field(x, "id") || !field(x, "name"))
        return problem(x, 400, "send id (1 to 64 of a-z, 0-9 and '-') and "
                               "name");
    cw_diag_clear(&d);
    if ((st = cw_tenant_add(a, field(x, "id"), field(x, "name"), x->q->who.id,
                            &d)))
        return answer_failure(x, st, &d);
    return reply(x, 201, "application/json", "{}\n", 3, false, NULL);
}


static int token_row(void *arg, const struct cw_token_info *t)
{
    struct owned_walk *l = arg;
    int stop;
    if (!owned_step(l, t->id, t->tenant, &stop))
        return stop;
    fputs("{\"id\":", l->m);
    cw_json_quote(l->m, t->id);
    fputs(",\"name\":", l->m);
    cw_json_quote(l->m, t->name);
    fprintf(l->m, ",\"role\":\"%s\",\"tenant\":", cw_grant_name(t->role));
    json_opt(l->m, t->tenant);
    fprintf(l->m, ",\"created\":%lld,\"expires\":%lld,\"revoked\":%s}",
            t->created, t->expires, t->revoked ? "true" : "false");
    return 0;
}

/* GET /api/v1/tokens: the tokens the caller manages, never a secret. */
enum MHD_Result h_tokens(struct ctx *x)
{
    struct cw_access *a = access_tables();
    struct owned_walk l;
    struct cw_diag d;
    char *buf = NULL;
    size_t len = 0;

    if (!a)
        return problem(x, 503, "the store cannot be read");
    memset(&l, 0, sizeof(l));
    l.tenant = managed_tenant(x);
    if (!(l.m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fputs("{\"tokens\":[", l.m);
    cw_diag_clear(&d);
    if (cw_token_each(a, token_row, &l, &d)) {
        fclose(l.m);
        free(buf);
        return problem(x, 500, "the tokens cannot be read");
    }
    fputs("]}\n", l.m);
    return reply_json(x, 200, l.m, &buf, &len);
}

/* POST /api/v1/tokens {name, role[, tenant][, days]}: the token, once. */
enum MHD_Result h_token_create(struct ctx *x)
{
    const char *name = field(x, "name"), *rname = field(x, "role"),
               *tenant = field(x, "tenant"), *days = field(x, "days"),
               *own = managed_tenant(x);
    struct cw_access *a = access_tables();
    char token[CW_TOKEN_TEXT], id[CW_TOKEN_ID], *buf = NULL, *end;
    long long n = 90;
    enum cw_grant role;
    enum cw_status st;
    struct cw_diag d;
    enum MHD_Result ret;
    size_t len = 0;
    FILE *m;

    if (!a)
        return problem(x, 503, "the store cannot be read");
    if (!name || !rname || !cw_grant_parse(rname, &role))
        return problem(x, 400, "send name and role (and tenant for a "
                               "tenant's role; days, 1 to 366)");
    if (days && (n = strtoll(days, &end, 10), *end || n < 1 || n > 366 ||
                                                  !*days))
        return problem(x, 400, "days: 1 to 366");
    if (own) {
        if (!cw_grant_is_tenant(role))
            return refuse(x, 403, "a customer-admin makes its own "
                                  "tenant's tokens");
        if (tenant && strcmp(tenant, own) != 0)
            return refuse(x, 404, "no such tenant");
        tenant = own;
    }
    cw_diag_clear(&d);
    if ((st = cw_token_create(a, name, role,
                              cw_grant_is_tenant(role) ? tenant : NULL,
                              (long long)time(NULL) + n * 86400,
                              x->q->who.id, token, id, &d)))
        return answer_failure(x, st, &d);
    if (!(m = open_memstream(&buf, &len))) {
        sodium_memzero(token, sizeof(token));
        return problem(x, 500, "out of memory");
    }
    fprintf(m, "{\"id\":\"%s\",\"token\":\"%s\",\"role\":\"%s\"}\n", id,
            token, cw_grant_name(role));
    sodium_memzero(token, sizeof(token));
    ret = reply_json_secret(x, 201, m, &buf, &len);
    return ret;
}

/* DELETE /api/v1/tokens/{id}: revoked for good. */
enum MHD_Result h_token_revoke(struct ctx *x)
{
    struct cw_access *a = access_tables();
    struct owned_walk l;
    struct cw_diag d;
    enum MHD_Result ret;
    enum cw_status st;

    if (!a)
        return problem(x, 503, "the store cannot be read");
    memset(&l, 0, sizeof(l));
    l.key = x->q->param[0];
    cw_diag_clear(&d);
    if (cw_token_each(a, token_row, &l, &d))
        return problem(x, 500, "the tokens cannot be read");
    if (!owned_found(x, &l, "no such token", &ret))
        return ret;
    if ((st = cw_token_revoke(a, l.key, x->q->who.id, &d)))
        return answer_failure(x, st, &d);
    return reply(x, 204, "application/json", "", 0, false, NULL);
}

/* ---- the log's checkpoint and consistency ------------------------------------- */

/* GET /api/v1/log/checkpoint: the latest signed checkpoint (a signed
 * note: the tree's size and root) and the key that verifies it. */
enum MHD_Result h_checkpoint(struct ctx *x)
{
    struct cw_ledger *l = ledger();
    char note[1024], vkey[256], *buf = NULL;
    struct cw_diag d;
    size_t len = 0;
    FILE *m;

    cw_diag_clear(&d);
    if (!l || cw_ledger_latest_checkpoint(l, note, sizeof(note), &d))
        return problem(x, 404, "no checkpoint has been signed yet");
    if (cw_ledger_vkey(l, vkey, sizeof(vkey), &d))
        return problem(x, 500, "the ledger's key cannot be read");
    if (!(m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fputs("{\"checkpoint\":", m);
    cw_json_quote(m, note);
    fputs(",\"vkey\":", m);
    cw_json_quote(m, vkey);
    fputs("}\n", m);
    return reply_json(x, 200, m, &buf, &len);
}

/* GET /api/v1/log/consistency?from=N&to=M: the RFC 9162 consistency
 * proof that the tree of M entries extends the tree of N. */
enum MHD_Result h_consistency(struct ctx *x)
{
    long long from = query_number(x, "from", -1, 1LL << 50),
              to = query_number(x, "to", -1, 1LL << 50);
    struct cw_ledger *l = ledger();
    unsigned char proof[128 * 32];
    char hex[65], *buf = NULL;
    size_t n = 0, i, len = 0;
    uint64_t size;
    struct cw_diag d;
    FILE *m;

    cw_diag_clear(&d);
    if (from < 1 || to < from)
        return problem(x, 400, "from and to: tree sizes, 1 <= from <= to");
    if (!l || cw_ledger_size(l, &size, &d))
        return problem(x, 404, "the store has no ledger yet");
    if ((uint64_t)to > size)
        return problem(x, 400, "to is past the tree's size");
    if (cw_ledger_consistency(l, (uint64_t)from, (uint64_t)to, proof, &n, &d))
        return problem(x, 500, "the proof cannot be made");
    if (!(m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fprintf(m, "{\"from\":%lld,\"to\":%lld,\"proof\":[", from, to);
    for (i = 0; i < n; i++) {
        sodium_bin2hex(hex, sizeof(hex), proof + i * 32, 32);
        fprintf(m, "%s\"%s\"", i ? "," : "", hex);
    }
    fputs("]}\n", m);
    return reply_json(x, 200, m, &buf, &len);
}
