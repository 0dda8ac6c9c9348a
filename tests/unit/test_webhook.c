/* test_webhook.c - webhooks (cw_webhook.h): the signature against a
 * vector computed apart (python3's hmac), the retry schedule, a
 * delivery retried, delivered once, or given up after its last attempt,
 * with the ledger entries of both ends; outbox rows only for tenants that
 * have a webhook and a follower of the document; one tenant's rows, log
 * and secret never another's; URLs of other schemes refused; a replaced
 * webhook takes its pending deliveries along, a removed one cancels
 * them; the secret is in no ledger entry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <cloudward/cloudward.h>

#define CW_TEST_STORE
#include "helpers.h"

/* ---- the signature and the schedule ------------------------------------ */

static void test_sign(void **state)
{
    char sig[CW_WEBHOOK_SIGNATURE];
    (void)state;
    /* python3 -c 'import hmac, hashlib; print(hmac.new(SECRET,
     *   b"1700000000." + BODY, hashlib.sha256).hexdigest())' */
    cw_webhook_sign("cwh_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG",
                    1700000000,
                    "{\"kind\":\"document.version\",\"id\":\"x\"}", sig);
    assert_string_equal(sig, "t=1700000000,v1=9baebef130de36fa52fe97db6b846d"
                             "064434d5f2ea65f5a51a567790d98e5e55");
    cw_webhook_sign("key", 0, "", sig);
    assert_string_equal(sig, "t=0,v1=85841b4efc3cd7776c3c8f9b7cca9e281c550e"
                             "5d19889d78e9e669c6337f000d");
}

static void test_backoff(void **state)
{
    static const long long want[] = { 30, 60, 120, 240, 480, 960, 1920,
                                       3840, 7680, 15360, 21600 };
    long long i;
    (void)state;
    for (i = 1; i < CW_WEBHOOK_ATTEMPTS; i++)
        assert_int_equal(cw_webhook_backoff(i, 0), want[i - 1] * 1000);
    assert_int_equal(cw_webhook_backoff(CW_WEBHOOK_ATTEMPTS, 0), -1);
    assert_int_equal(cw_webhook_backoff(CW_WEBHOOK_ATTEMPTS + 5, 0), -1);
    /* A test's short base keeps the doubling; a huge one is capped. */
    assert_int_equal(cw_webhook_backoff(1, 100), 100);
    assert_int_equal(cw_webhook_backoff(3, 100), 400);
    assert_int_equal(cw_webhook_backoff(1, 1LL << 50),
                     CW_WEBHOOK_BACKOFF_CAP_MS);
    assert_int_equal(cw_webhook_backoff(11, 1LL << 50),
                     CW_WEBHOOK_BACKOFF_CAP_MS);
}

/* ---- the outbox -------------------------------------------------------- */

static void add_user(struct cw_access *a, const char *login,
                     const char *tenant, char id[80])
{
    struct cw_diag d;
    struct cw_user_info u;
    char otp[CW_OTPAUTH_LEN];
    assert_int_equal(cw_user_add(a, login, CW_GRANT_CUSTOMER, tenant,
                                 "a long password", "t", otp, &d),
                     CW_OK);
    assert_int_equal(cw_user_signin(a, login, "a long password", NULL,
                                    (long long)time(NULL), "::1", &u, &d),
                     CW_OK);
    snprintf(id, 80, "%s", u.id);
}

static void put(struct cw_access *a, const char *id, const char *title,
                long long now)
{
    struct cw_doc c;
    struct cw_diag d;
    long long v;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s", id);
    snprintf(c.title, sizeof(c.title), "%s", title);
    snprintf(c.type, sizeof(c.type), "policy");
    snprintf(c.name, sizeof(c.name), "%s.txt", id);
    c.cls = CW_DOC_PUBLIC;
    assert_int_equal(cw_document_put(a, &c, title, strlen(title), "t", now,
                                     &v, &d),
                     CW_OK);
}

/* What cw_webhook_due handed out. */
struct got {
    size_t n;
    char id[8][17], tenant[8][65], url[8][128], secret[8][CW_WEBHOOK_SECRET_TEXT],
        body[8][512], event[8][32];
    long long attempts[8];
};

static int got_row(void *arg, const struct cw_webhook_delivery *w)
{
    struct got *g = arg;
    assert_true(g->n < 8);
    snprintf(g->id[g->n], 17, "%s", w->id);
    snprintf(g->tenant[g->n], 65, "%s", w->tenant);
    snprintf(g->url[g->n], 128, "%s", w->url);
    snprintf(g->secret[g->n], CW_WEBHOOK_SECRET_TEXT, "%s", w->secret);
    snprintf(g->body[g->n], 512, "%s", w->body);
    snprintf(g->event[g->n], 32, "%s", w->event);
    g->attempts[g->n] = w->attempts;
    g->n++;
    return 0;
}

static void due(struct cw_access *a, long long now_ms, struct got *g)
{
    struct cw_diag d;
    memset(g, 0, sizeof(*g));
    assert_int_equal(cw_webhook_due(a, now_ms, 8, got_row, g, &d), CW_OK);
}

/* The index in g of tenant's delivery, or -1. */
static int of(const struct got *g, const char *tenant)
{
    size_t i;
    for (i = 0; i < g->n; i++)
        if (strcmp(g->tenant[i], tenant) == 0)
            return (int)i;
    return -1;
}

struct attempts {
    size_t n;
    char tenant[16][65], outcome[16][16], delivery[16][17];
    int status[16];
    long long id[16], attempt[16];
};

static int attempt_row(void *arg, const struct cw_webhook_attempt *t)
{
    struct attempts *l = arg;
    assert_true(l->n < 16);
    snprintf(l->tenant[l->n], 65, "%s", t->tenant);
    snprintf(l->outcome[l->n], 16, "%s", t->outcome);
    snprintf(l->delivery[l->n], 17, "%s", t->delivery);
    l->status[l->n] = t->http_status;
    l->id[l->n] = t->id;
    l->attempt[l->n] = t->attempt;
    l->n++;
    return 0;
}

static void log_of(struct cw_access *a, const char *tenant,
                   long long before, long long limit, struct attempts *l)
{
    struct cw_diag d;
    memset(l, 0, sizeof(*l));
    assert_int_equal(cw_webhook_log(a, tenant, before, limit, attempt_row, l,
                                    &d),
                     CW_OK);
}

static int count_hooks(void *arg, const struct cw_webhook *w)
{
    (void)w;
    ++*(int *)arg;
    return 0;
}

static void test_enqueue(void **state)
{
    struct cw_access *a;
    struct cw_diag d;
    struct got g;
    char g1[80], i1[80], u1[80], gsec[CW_WEBHOOK_SECRET_TEXT],
        isec[CW_WEBHOOK_SECRET_TEXT], want[512], *log;
    long long now = (long long)time(NULL), ms = now * 1000;
    char hid[CW_TOKEN_ID];
    int k, hooks = 0;
    (void)state;

    assert_int_equal(cw_access_open(store, true, &a, &d), CW_OK);
    assert_int_equal(cw_tenant_add(a, "globex", "Globex", "t", &d), CW_OK);
    assert_int_equal(cw_tenant_add(a, "initech", "Initech", "t", &d), CW_OK);
    assert_int_equal(cw_tenant_add(a, "umbrella", "Umbrella", "t", &d),
                     CW_OK);
    add_user(a, "g1", "globex", g1);
    add_user(a, "i1", "initech", i1);
    add_user(a, "u1", "umbrella", u1);
    put(a, "soa", "Statement \"of\" applicability", now);

    /* URLs: http and https only, a host, no credentials or fragment. */
    assert_int_equal(cw_webhook_set(a, "globex", "ftp://x.example/", "t",
                                    gsec, hid, &d),
                     CW_EINVAL);
    assert_string_equal(gsec, "");
    assert_int_equal(cw_webhook_set(a, "globex", "javascript:alert(1)", "t",
                                    gsec, hid, &d),
                     CW_EINVAL);
    assert_int_equal(cw_webhook_set(a, "globex", "http://", "t", gsec, hid, &d),
                     CW_EINVAL);
    assert_int_equal(cw_webhook_set(a, "globex", "http://u:pw@x.example/",
                                    "t", gsec, hid, &d),
                     CW_EINVAL);
    assert_int_equal(cw_webhook_set(a, "globex", "http://x.example/#top",
                                    "t", gsec, hid, &d),
                     CW_EINVAL);
    assert_int_equal(cw_webhook_set(a, "globex", "http://x.example/ a", "t",
                                    gsec, hid, &d),
                     CW_EINVAL);
    assert_int_equal(cw_webhook_set(a, "nobody", "http://x.example/", "t",
                                    gsec, hid, &d),
                     CW_ENOENT);

    /* globex and initech have webhooks, umbrella none. */
    assert_int_equal(cw_webhook_set(a, "globex",
                                    "http://127.0.0.1:9/hook?token=abc", "t",
                                    gsec, hid, &d),
                     CW_OK);
    assert_int_equal(strlen(gsec), 47);
    assert_memory_equal(gsec, "cwh_", 4);
    assert_int_equal(cw_webhook_set(a, "initech", "HTTPS://i.example/h",
                                    "t", isec, hid, &d),
                     CW_OK);
    assert_string_not_equal(gsec, isec);
    assert_int_equal(cw_webhook_each(a, NULL, count_hooks, &hooks, &d),
                     CW_OK);
    assert_int_equal(hooks, 2);
    hooks = 0;
    assert_int_equal(cw_webhook_each(a, "umbrella", count_hooks, &hooks, &d),
                     CW_OK);
    assert_int_equal(hooks, 0);

    /* Nobody follows the document: nothing queued. */
    put(a, "soa", "Statement \"of\" applicability", now);
    due(a, ms, &g);
    assert_int_equal(g.n, 0);

    /* g1 (webhook) and u1 (none) follow it: globex's webhook only. */
    assert_int_equal(cw_subscribe(a, "soa", g1, "globex", true, &d), CW_OK);
    assert_int_equal(cw_subscribe(a, "soa", u1, "umbrella", true, &d),
                     CW_OK);
    put(a, "soa", "Statement \"of\" applicability", now);
    due(a, ms, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.tenant[0], "globex");
    assert_string_equal(g.url[0], "http://127.0.0.1:9/hook?token=abc");
    assert_string_equal(g.secret[0], gsec);
    assert_string_equal(g.event[0], "document.version");
    assert_int_equal(g.attempts[0], 0);
    snprintf(want, sizeof(want),
             "{\"kind\":\"document.version\",\"document\":\"soa\","
             "\"version\":3,\"subject\":\"Statement \\\"of\\\" "
             "applicability: version 3\",\"created\":%lld,\"tenant\":"
             "\"globex\",\"id\":\"%s\"}",
             now, g.id[0]);
    assert_string_equal(g.body[0], want);
    assert_null(strstr(g.body[0], "g1")); /* no user named */
    /* Leased: not handed out again until the lease ends. */
    due(a, ms, &g);
    assert_int_equal(g.n, 0);
    due(a, ms + CW_WEBHOOK_LEASE_MS, &g);
    assert_int_equal(g.n, 1);

    /* i1 follows too: the next version goes to both webhooks, each with
     * its own secret and body. */
    assert_int_equal(cw_subscribe(a, "soa", i1, "initech", true, &d), CW_OK);
    put(a, "soa", "Statement \"of\" applicability", now + 1);
    due(a, ms + 1000, &g);
    assert_int_equal(g.n, 2);
    assert_true((k = of(&g, "initech")) >= 0);
    assert_string_equal(g.secret[k], isec);
    assert_string_equal(g.url[k], "HTTPS://i.example/h");
    assert_non_null(strstr(g.body[k], "\"tenant\":\"initech\""));
    assert_null(strstr(g.body[k], "globex"));
    assert_true((k = of(&g, "globex")) >= 0);
    assert_string_equal(g.secret[k], gsec);
    assert_null(strstr(g.body[k], "initech"));

    /* Neither secret is in the ledger; webhook.set names the origin. */
    log = ledger_text(NULL);
    assert_null(strstr(log, gsec + 4));
    assert_null(strstr(log, isec + 4));
    assert_null(strstr(log, "token=abc"));
    assert_non_null(strstr(log, "\"origin\":\"http://127.0.0.1:9\""));
    assert_non_null(strstr(log, "\"origin\":\"https://i.example\""));
    free(log);
    cw_access_close(a);
}

static void test_retry(void **state)
{
    struct cw_access *a;
    struct cw_diag d;
    struct got g;
    struct attempts l;
    enum cw_webhook_outcome o;
    char g1[80], i1[80], sec[CW_WEBHOOK_SECRET_TEXT], sec2[CW_WEBHOOK_SECRET_TEXT],
        id[17], hid[CW_TOKEN_ID], *log;
    long long now = (long long)time(NULL), ms = now * 1000, t;
    int i;
    (void)state;

    assert_int_equal(cw_access_open(store, true, &a, &d), CW_OK);
    assert_int_equal(cw_tenant_add(a, "globex", "Globex", "t", &d), CW_OK);
    assert_int_equal(cw_tenant_add(a, "initech", "Initech", "t", &d), CW_OK);
    add_user(a, "g1", "globex", g1);
    add_user(a, "i1", "initech", i1);
    put(a, "soa", "SOA", now);
    assert_int_equal(cw_subscribe(a, "soa", g1, "globex", true, &d), CW_OK);
    assert_int_equal(cw_subscribe(a, "soa", i1, "initech", true, &d), CW_OK);
    assert_int_equal(cw_webhook_set(a, "globex", "http://127.0.0.1:9/", "t",
                                    sec, hid, &d),
                     CW_OK);
    assert_int_equal(cw_webhook_set(a, "initech", "http://127.0.0.1:9/i",
                                    "t", sec2, hid, &d),
                     CW_OK);

    /* Two failures, then a 2xx: delivered once, three attempts logged. */
    put(a, "soa", "SOA", now);
    due(a, ms, &g);
    assert_int_equal(g.n, 2);
    i = of(&g, "globex");
    snprintf(id, sizeof(id), "%s", g.id[i]);
    /* initech's delivery is answered 204 at once. */
    assert_int_equal(cw_webhook_result(a, g.id[1 - i], ms, 204, NULL, 0, &o,
                                       &d),
                     CW_OK);
    assert_int_equal(o, CW_WEBHOOK_DELIVERED);
    assert_int_equal(cw_webhook_result(a, id, ms, 500, "HTTP 500", 0, &o,
                                       &d),
                     CW_OK);
    assert_int_equal(o, CW_WEBHOOK_RETRY);
    due(a, ms + 29999, &g);
    assert_int_equal(g.n, 0);
    due(a, ms + 30000, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.attempts[0], 1);
    assert_int_equal(cw_webhook_result(a, id, ms + 30000, 0,
                                       "Couldn't connect\nto server", 0, &o,
                                       &d),
                     CW_OK);
    assert_int_equal(o, CW_WEBHOOK_RETRY);
    due(a, ms + 30000 + 59999, &g);
    assert_int_equal(g.n, 0);
    due(a, ms + 90000, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(cw_webhook_result(a, id, ms + 90000, 200, NULL, 0, &o,
                                       &d),
                     CW_OK);
    assert_int_equal(o, CW_WEBHOOK_DELIVERED);
    assert_int_equal(cw_webhook_result(a, id, ms + 90000, 200, NULL, 0, &o,
                                       &d),
                     CW_ENOENT);
    due(a, ms + 100LL * 3600 * 1000, &g);
    assert_int_equal(g.n, 0);

    /* The log: globex's three attempts, newest first, no initech's. */
    log_of(a, "globex", 0, 10, &l);
    assert_int_equal(l.n, 3);
    for (i = 0; i < 3; i++) {
        assert_string_equal(l.tenant[i], "globex");
        assert_string_equal(l.delivery[i], id);
        assert_int_equal(l.attempt[i], 3 - i);
    }
    assert_string_equal(l.outcome[0], "delivered");
    assert_int_equal(l.status[0], 200);
    assert_string_equal(l.outcome[1], "retry");
    assert_int_equal(l.status[1], 0);
    assert_string_equal(l.outcome[2], "retry");
    assert_int_equal(l.status[2], 500);
    log_of(a, "globex", l.id[1], 10, &l); /* the cursor */
    assert_int_equal(l.n, 1);
    assert_int_equal(l.status[0], 500);
    log_of(a, "initech", 0, 10, &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.tenant[0], "initech");
    log_of(a, NULL, 0, 10, &l);
    assert_int_equal(l.n, 4);
    log_of(a, "umbrella", 0, 10, &l);
    assert_int_equal(l.n, 0);

    /* A delivery that always fails is given up at the last attempt. */
    put(a, "soa", "SOA", now);
    t = ms;
    for (i = 1; i <= CW_WEBHOOK_ATTEMPTS; i++) {
        due(a, t, &g);
        assert_true(of(&g, "globex") >= 0);
        snprintf(id, sizeof(id), "%s", g.id[of(&g, "globex")]);
        if (of(&g, "initech") >= 0)
            assert_int_equal(cw_webhook_result(a, g.id[of(&g, "initech")], t,
                                               200, NULL, 0, &o, &d),
                             CW_OK);
        assert_int_equal(cw_webhook_result(a, id, t, 503, "HTTP 503", 0, &o,
                                           &d),
                         CW_OK);
        assert_int_equal(o, i < CW_WEBHOOK_ATTEMPTS ? CW_WEBHOOK_RETRY
                                                    : CW_WEBHOOK_FAILED);
        if (i < CW_WEBHOOK_ATTEMPTS)
            t += cw_webhook_backoff(i, 0);
    }
    due(a, t + 100LL * 3600 * 1000, &g);
    assert_int_equal(g.n, 0);

    /* The ends are ledger entries in the tenant's own view. */
    log = ledger_text("globex");
    assert_int_equal(count(log, "webhook.delivered"), 1);
    assert_int_equal(count(log, "webhook.failed"), 1);
    assert_non_null(strstr(log, "\"attempts\":12"));
    assert_null(strstr(log, "initech"));
    free(log);
    log = ledger_text("initech");
    assert_int_equal(count(log, "webhook.delivered"), 2);
    assert_int_equal(count(log, "webhook.failed"), 0);
    free(log);
    cw_access_close(a);
}

static void test_replace_remove(void **state)
{
    struct cw_access *a;
    struct cw_diag d;
    struct got g;
    char g1[80], s1[CW_WEBHOOK_SECRET_TEXT], s2[CW_WEBHOOK_SECRET_TEXT],
        hid[CW_TOKEN_ID], old[CW_TOKEN_ID], *log;
    long long now = (long long)time(NULL), ms = now * 1000;
    int hooks = 0;
    (void)state;

    assert_int_equal(cw_access_open(store, true, &a, &d), CW_OK);
    assert_int_equal(cw_tenant_add(a, "globex", "Globex", "t", &d), CW_OK);
    add_user(a, "g1", "globex", g1);
    put(a, "soa", "SOA", now);
    assert_int_equal(cw_subscribe(a, "soa", g1, "globex", true, &d), CW_OK);
    assert_int_equal(cw_webhook_remove(a, "globex", "t", &d), CW_ENOENT);
    assert_int_equal(cw_webhook_set(a, "globex", "http://old.example/", "t",
                                    s1, hid, &d),
                     CW_OK);
    snprintf(old, sizeof(old), "%s", hid);
    assert_int_equal(strlen(old), 16);
    put(a, "soa", "SOA", now);

    /* Replaced: the pending delivery goes to the new URL and secret. */
    assert_int_equal(cw_webhook_set(a, "globex", "https://new.example/", "t",
                                    s2, hid, &d),
                     CW_OK);
    assert_string_not_equal(hid, old);
    assert_int_equal(cw_webhook_each(a, NULL, count_hooks, &hooks, &d),
                     CW_OK);
    assert_int_equal(hooks, 1);
    due(a, ms, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.url[0], "https://new.example/");
    assert_string_equal(g.secret[0], s2);

    /* Removed: what was pending is cancelled, nothing more is queued. */
    assert_int_equal(cw_webhook_remove(a, "globex", "t", &d), CW_OK);
    assert_int_equal(cw_webhook_result(a, g.id[0], ms, 200, NULL, 0, NULL,
                                       &d),
                     CW_ENOENT);
    put(a, "soa", "SOA", now);
    due(a, ms + CW_WEBHOOK_LEASE_MS, &g);
    assert_int_equal(g.n, 0);
    hooks = 0;
    assert_int_equal(cw_webhook_each(a, NULL, count_hooks, &hooks, &d),
                     CW_OK);
    assert_int_equal(hooks, 0);
    assert_int_equal(cw_webhook_remove(a, "globex", "t", &d), CW_ENOENT);
    log = ledger_text("globex");
    assert_int_equal(count(log, "webhook.set"), 2);
    assert_int_equal(count(log, "webhook.remove"), 1);
    {
        char want[64];
        snprintf(want, sizeof(want), "\"replaces\":\"%s\"", old);
        assert_non_null(strstr(log, want));
    }
    assert_null(strstr(log, s1 + 4));
    assert_null(strstr(log, s2 + 4));
    free(log);
    cw_access_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test_setup_teardown(test_enqueue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_remove, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
