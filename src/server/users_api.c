/*
 * users_api.c - people through the API: the provider's admin manages
 * every user; a tenant's customer-admin manages its own tenant's users
 * (customers and customer-admins of that tenant, nothing else). A new
 * user's password is made here and shown once in the answer; every change
 * is a ledger entry (the library's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "http.h"


static int user_row(void *arg, const struct cw_user_info *u)
{
    struct owned_walk *l = arg;
    int stop;
    if (!owned_step(l, u->login, u->tenant, &stop))
        return stop;
    fputs("{\"id\":", l->m);
    cw_json_quote(l->m, u->id);
    fputs(",\"login\":", l->m);
    cw_json_quote(l->m, u->login);
    fprintf(l->m, ",\"role\":\"%s\",\"tenant\":", cw_grant_name(u->role));
    json_opt(l->m, u->tenant);
    fprintf(l->m, ",\"disabled\":%s,\"second_factor\":%s,\"created\":%lld}",
            u->disabled ? "true" : "false", u->totp ? "true" : "false",
            u->created);
    return 0;
}

/* GET /api/v1/users: the users the caller manages. */
enum MHD_Result h_users(struct ctx *x)
{
    struct cw_access *a = access_tables();
    struct owned_walk l;
    struct cw_diag d;
    enum cw_status st;
    char *buf = NULL;
    size_t len = 0;

    if (!a)
        return problem(x, 503, "the store cannot be read");
    memset(&l, 0, sizeof(l));
    l.tenant = managed_tenant(x);
    if (!(l.m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fputs("{\"users\":[", l.m);
    cw_diag_clear(&d);
    st = cw_user_each(a, user_row, &l, &d);
    fputs("]}\n", l.m);
    if (st) {
        fclose(l.m);
        free(buf);
        return problem(x, 500, "the users cannot be read");
    }
    return reply_json(x, 200, l.m, &buf, &len);
}

unsigned user_add(struct ctx *x, char pw[24], char otp[CW_OTPAUTH_LEN],
                  const char **why)
{
    const char *login = field(x, "login"), *rname = field(x, "role"),
               *tenant = field(x, "tenant"), *own = managed_tenant(x);
    struct cw_access *a = access_tables();
    static _Thread_local struct cw_diag d;
    unsigned char raw[15];
    enum cw_grant role;

    pw[0] = otp[0] = '\0';
    *why = "the store cannot be read";
    if (!a)
        return 503;
    *why = "send login and role (admin, compliance, engineer, auditor, "
           "customer-admin, customer) and, for a tenant's role, tenant";
    if (!login || !rname || !cw_grant_parse(rname, &role))
        return 400;
    if (tenant && !*tenant)
        tenant = NULL; /* a form's empty field */
    if (own) {
        /* A customer-admin: its own tenant's roles, its own tenant. */
        *why = "a customer-admin adds its own tenant's customers and "
               "customer-admins";
        if (!cw_grant_is_tenant(role))
            return 403;
        *why = "no such tenant";
        if (tenant && strcmp(tenant, own) != 0)
            return 404;
        tenant = own;
    }
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(pw, 24, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    cw_diag_clear(&d);
    if (cw_user_add(a, login, role, cw_grant_is_tenant(role) ? tenant : NULL,
                    pw, x->q->who.id, otp, &d)) {
        sodium_memzero(pw, 24);
        pw[0] = '\0';
        *why = d.msg;
        return 400;
    }
    return 201;
}

/* POST /api/v1/users {login, role[, tenant]}: a new user; its password
 * is in the answer, once. */
enum MHD_Result h_user_add(struct ctx *x)
{
    char pw[24], otp[CW_OTPAUTH_LEN], *buf = NULL;
    const char *why;
    unsigned status = user_add(x, pw, otp, &why);
    enum MHD_Result ret;
    size_t len = 0;
    FILE *m;

    if (status == 403 || status == 404)
        return refuse(x, status, why);
    if (status != 201)
        return problem(x, status, why);
    if (!(m = open_memstream(&buf, &len))) {
        sodium_memzero(pw, sizeof(pw));
        return problem(x, 500, "out of memory");
    }
    fputs("{\"login\":", m);
    cw_json_quote(m, field(x, "login"));
    fprintf(m, ",\"role\":\"%s\",\"password\":\"%s\"", field(x, "role"),
            pw);
    if (otp[0]) {
        fputs(",\"otpauth\":", m);
        cw_json_quote(m, otp);
    }
    fputs("}\n", m);
    sodium_memzero(pw, sizeof(pw));
    sodium_memzero(otp, sizeof(otp));
    ret = reply_json_secret(x, 201, m, &buf, &len);
    return ret;
}

/* POST /api/v1/users/{login}/disable. */
enum MHD_Result h_user_disable(struct ctx *x)
{
    struct cw_access *a = access_tables();
    struct owned_walk l;
    struct cw_diag d;
    enum MHD_Result ret;

    if (!a)
        return problem(x, 503, "the store cannot be read");
    memset(&l, 0, sizeof(l));
    l.key = x->q->param[0];
    cw_diag_clear(&d);
    if (cw_user_each(a, user_row, &l, &d))
        return problem(x, 500, "the users cannot be read");
    if (!owned_found(x, &l, "no such user", &ret))
        return ret;
    if (cw_user_disable(a, l.key, x->q->who.id, &d))
        return problem(x, 409, d.msg);
    return reply(x, 204, "application/json", "", 0, false, NULL);
}
