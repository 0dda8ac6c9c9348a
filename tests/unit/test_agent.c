/* test_agent.c - host agents (cw_agent.h) and alerts (cw_alert.h) in a
 * real store: a token enrols one host and only once, a forged one gets
 * the same refusal; a push's signature holds for its exact bytes and its
 * key only, and a revoked agent is told so only after its signature
 * holds; sequence numbers are taken once, given back, never reused; a
 * push document read back against its pack gives the same results, and
 * one that leaves a check out, names another pack text or carries an
 * unknown member is refused at its place; silence is twice the interval
 * and five minutes. Alerts: one per key while unresolved, assign, ack
 * (once), resolve (once), each a ledger entry; notices due, retried with
 * a growing wait, given up after their last attempt. */
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

static struct cw_access *open_store(void)
{
    struct cw_access *a = NULL;
    struct cw_diag d;
    assert_int_equal(cw_access_open(store, true, &a, &d), CW_OK);
    return a;
}

/* Enrols a host with a new key: its id into id, its secret key into sec. */
static void enrol(struct cw_access *a, const char *host,
                  char id[CW_TOKEN_ID], unsigned char *sec)
{
    unsigned char pub[CW_AGENT_PUBLIC_KEY];
    char token[CW_TOKEN_TEXT], tid[CW_TOKEN_ID];
    struct cw_diag d;
    long long now = (long long)time(NULL);
    cw_agent_keygen(pub, sec);
    assert_int_equal(cw_agent_token_create(a, now + 600, "t", token, tid, &d),
                     CW_OK);
    assert_int_equal(cw_agent_enrol(a, token, host, "debian-12", 600, pub,
                                    now, id, &d),
                     CW_OK);
}

static int got(void *arg, const struct cw_agent *g)
{
    *(struct cw_agent *)arg = *g;
    ((struct cw_agent *)arg)->id = ((struct cw_agent *)arg)->host =
        ((struct cw_agent *)arg)->pack = ((struct cw_agent *)arg)->public_key =
            NULL;
    return 1;
}

static void test_tokens(void **state)
{
    struct cw_access *a = open_store();
    unsigned char pub[CW_AGENT_PUBLIC_KEY], sec[CW_AGENT_SECRET_KEY];
    char token[CW_TOKEN_TEXT], tid[CW_TOKEN_ID], id[CW_TOKEN_ID],
        forged[CW_TOKEN_TEXT];
    struct cw_diag d;
    long long now = (long long)time(NULL);
    char *log;
    (void)state;

    assert_int_equal(cw_agent_token_create(a, now - 1, "t", token, tid, &d),
                     CW_EINVAL);
    assert_int_equal(cw_agent_token_create(a, now + 31 * 86400, "t", token,
                                           tid, &d),
                     CW_EINVAL);
    assert_int_equal(cw_agent_token_create(a, now + 60, "t", token, tid, &d),
                     CW_OK);
    assert_int_equal(strncmp(token, "cwe_", 4), 0);
    cw_agent_keygen(pub, sec);
    /* the right shape, another secret */
    snprintf(forged, sizeof(forged), "%.21sAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
             token);
    assert_int_equal(cw_agent_enrol(a, forged, "h", "debian-12", 600, pub,
                                    now, id, &d),
                     CW_EPERM);
    assert_non_null(strstr(d.msg, "not a valid enrolment token"));
    assert_int_equal(cw_agent_enrol(a, "nonsense", "h", "debian-12", 600, pub,
                                    now, id, &d),
                     CW_EPERM);
    /* bad host, interval: refused before the token is spent */
    assert_int_equal(cw_agent_enrol(a, token, "-h", "debian-12", 600, pub,
                                    now, id, &d),
                     CW_EINVAL);
    assert_int_equal(cw_agent_enrol(a, token, "h", "debian-12", 59, pub, now,
                                    id, &d),
                     CW_EINVAL);
    /* expired: judged at `now` */
    assert_int_equal(cw_agent_enrol(a, token, "h", "debian-12", 600, pub,
                                    now + 61, id, &d),
                     CW_EPERM);
    assert_int_equal(cw_agent_enrol(a, token, "web-1", "debian-12", 600, pub,
                                    now, id, &d),
                     CW_OK);
    assert_int_equal(strlen(id), 16);
    /* spent */
    assert_int_equal(cw_agent_enrol(a, token, "web-2", "debian-12", 600, pub,
                                    now, id, &d),
                     CW_EPERM);
    log = ledger_text(NULL);
    assert_int_equal(count(log, "\"agent.token\""), 1);
    assert_int_equal(count(log, "\"agent.enrol\""), 1);
    assert_null(strstr(log, token + 21)); /* never the secret */
    free(log);
    cw_access_close(a);
}

static void test_signature_and_sequence(void **state)
{
    struct cw_access *a = open_store();
    unsigned char sec[CW_AGENT_SECRET_KEY], other[CW_AGENT_SECRET_KEY];
    char id[CW_TOKEN_ID], id2[CW_TOKEN_ID], sig[CW_AGENT_SIGNATURE_TEXT];
    const char body[] = "{\"hello\":1}";
    struct cw_agent g;
    struct cw_diag d;
    struct cw_agent_ran r;
    long long prev = -1;
    char *log;
    (void)state;

    enrol(a, "web-1", id, sec);
    enrol(a, "web-2", id2, other);
    cw_agent_sign(sec, body, strlen(body), sig);
    assert_int_equal(strlen(sig), 86);
    assert_int_equal(cw_agent_verify(a, id, sig, body, strlen(body), got, &g,
                                     &d),
                     CW_OK);
    assert_int_equal(g.seq, 0);
    /* one byte more, one less, another agent's key, another agent */
    assert_int_equal(cw_agent_verify(a, id, sig, "{\"hello\":2}", 11, NULL,
                                     NULL, &d),
                     CW_EPERM);
    assert_int_equal(cw_agent_verify(a, id, sig, body, strlen(body) - 1, NULL,
                                     NULL, &d),
                     CW_EPERM);
    assert_int_equal(cw_agent_verify(a, id2, sig, body, strlen(body), NULL,
                                     NULL, &d),
                     CW_EPERM);
    assert_int_equal(cw_agent_verify(a, "0123456789abcdef", sig, body,
                                     strlen(body), NULL, NULL, &d),
                     CW_ENOENT);
    assert_int_equal(cw_agent_verify(a, id, "not base64!", body, strlen(body),
                                     NULL, NULL, &d),
                     CW_EPERM);
    /* sequence numbers */
    assert_int_equal(cw_agent_claim(a, id, 0, &prev, &d), CW_EINVAL);
    assert_int_equal(cw_agent_claim(a, id, 3, &prev, &d), CW_OK);
    assert_int_equal(prev, 0);
    assert_int_equal(cw_agent_claim(a, id, 3, &prev, &d), CW_EEXIST);
    assert_int_equal(cw_agent_claim(a, id, 2, &prev, &d), CW_EEXIST);
    /* given back: taken again */
    assert_int_equal(cw_agent_unclaim(a, id, 3, 0, &d), CW_OK);
    assert_int_equal(cw_agent_claim(a, id, 3, &prev, &d), CW_OK);
    assert_int_equal(cw_agent_claim(a, id, 4, &prev, &d), CW_OK);
    assert_int_equal(prev, 3);
    /* a late give-back of 3 does not undo 4 */
    assert_int_equal(cw_agent_unclaim(a, id, 3, 0, &d), CW_OK);
    assert_int_equal(cw_agent_claim(a, id, 4, &prev, &d), CW_EEXIST);
    memset(&r, 0, sizeof(r));
    r.seq = 4;
    r.run = 9;
    r.at = (long long)time(NULL);
    r.pass = 10;
    r.fail = 2;
    r.failing = 1;
    r.body_sha256 =
        "0000000000000000000000000000000000000000000000000000000000000000";
    r.signature = sig;
    assert_int_equal(cw_agent_ran(a, id, &r, &d), CW_OK);
    assert_int_equal(cw_agent_each(a, id, got, &g, &d), CW_OK);
    assert_true(g.seq == 4 && g.run == 9 && g.pass == 10 && g.fail == 2 &&
                g.failing == 1 && g.last_seen == r.at);
    log = ledger_text(NULL);
    assert_non_null(strstr(log, sig));
    assert_int_equal(count(log, "\"agent.push\""), 1);
    free(log);
    /* revoked: told once the signature holds, and no number taken */
    assert_int_equal(cw_agent_revoke(a, id, "t", &d), CW_OK);
    assert_int_equal(cw_agent_revoke(a, id, "t", &d), CW_OK);
    assert_int_equal(cw_agent_verify(a, id, sig, body, strlen(body), NULL,
                                     NULL, &d),
                     CW_EPERM);
    assert_non_null(strstr(d.msg, "revoked"));
    assert_int_equal(cw_agent_verify(a, id, sig, "{}", 2, NULL, NULL, &d),
                     CW_EPERM);
    assert_null(strstr(d.msg, "revoked"));
    assert_int_equal(cw_agent_claim(a, id, 5, &prev, &d), CW_ENOENT);
    assert_int_equal(cw_agent_revoke(a, "0123456789abcdef", "t", &d),
                     CW_ENOENT);
    log = ledger_text(NULL);
    assert_int_equal(count(log, "\"agent.revoke\""), 1);
    free(log);
    cw_access_close(a);
}

static void test_push_document(void **state)
{
    struct cw_catalogs *cats = NULL;
    struct cw_pack *p = NULL;
    struct cw_results *res = NULL, *back = NULL;
    struct cw_host_options o;
    struct cw_agent_push push;
    struct cw_diag d;
    char *body = NULL, *bad;
    size_t len = 0, i;
    const char *root = tmp_dir();
    (void)state;

    assert_int_equal(cw_catalogs_new(NULL, &cats, &d), CW_OK);
    assert_int_equal(cw_pack_load(cats, "debian-12", &p, &d), CW_OK);
    memset(&o, 0, sizeof(o));
    o.root = root;
    assert_int_equal(cw_scan_host(p, &o, &res, &d), CW_OK);
    assert_int_equal(cw_agent_push_write(res, "0123456789abcdef", 7, &body,
                                         &len, &d),
                     CW_OK);
    assert_int_equal(cw_agent_push_read(p, "push", body, len, "web-1", &push,
                                        &back, &d),
                     CW_OK);
    assert_int_equal(push.seq, 7);
    assert_string_equal(push.agent, "0123456789abcdef");
    assert_string_equal(cw_results_target(back), "web-1");
    assert_string_equal(cw_results_kind(back), "host");
    assert_int_equal(cw_results_count(back), cw_results_count(res));
    for (i = 0; i < cw_results_count(res); i++) {
        const struct cw_result *x = cw_results_at(res, i),
                               *y = cw_results_at(back, i);
        assert_ptr_equal(x->check, y->check);
        assert_int_equal(x->verdict, y->verdict);
        assert_string_equal(x->reason ? x->reason : "",
                            y->reason ? y->reason : "");
    }
    cw_results_free(back);
    back = NULL;
    /* one check left out: the first result's object removed */
    bad = strdup(body);
    {
        char *a = strstr(bad, "[{"), *b = strstr(bad, "},{");
        assert_true(a && b);
        memmove(a + 1, b + 2, strlen(b + 2) + 1);
    }
    assert_int_equal(cw_agent_push_read(p, "push", bad, strlen(bad), "w",
                                        &push, &back, &d),
                     CW_ESCHEMA);
    assert_non_null(strstr(d.msg, "has no result"));
    assert_null(back);
    free(bad);
    /* another text of the pack */
    bad = strdup(body);
    {
        char *h = strstr(bad, "\"pack_sha256\":\"");
        assert_non_null(h);
        h[15] = h[15] == 'a' ? 'b' : 'a';
    }
    assert_int_equal(cw_agent_push_read(p, "push", bad, strlen(bad), "w",
                                        &push, &back, &d),
                     CW_ESCHEMA);
    assert_non_null(strstr(d.msg, "update the agent or the server"));
    free(bad);
    /* an unknown member, at its place */
    assert_int_equal(cw_agent_push_read(p, "push", "{\n  \"x\": 1}", 11, "w",
                                        &push, &back, &d),
                     CW_ESCHEMA);
    assert_int_equal(d.line, 2);
    assert_int_equal(d.col, 3);
    assert_int_equal(cw_agent_push_read(p, "push", "[]", 2, "w", &push, &back,
                                        &d),
                     CW_ESCHEMA);
    free(body);
    cw_results_free(res);
    cw_pack_free(p);
    cw_catalogs_free(cats);
    rm_tree(root);
}

static void test_silence(void **state)
{
    struct cw_agent g;
    (void)state;
    memset(&g, 0, sizeof(g));
    g.interval = 600;
    g.enrolled = 1000;
    assert_string_equal(cw_agent_state(&g, 1000 + 1500), "new");
    assert_string_equal(cw_agent_state(&g, 1000 + 1501), "silent");
    g.last_seen = 5000;
    assert_string_equal(cw_agent_state(&g, 5000 + 1500), "ok");
    assert_string_equal(cw_agent_state(&g, 5000 + 1501), "silent");
    g.revoked = 1;
    assert_string_equal(cw_agent_state(&g, 99999), "revoked");
    assert_false(cw_agent_silent(&g, 99999));
}

struct ids {
    char id[8][CW_TOKEN_ID];
    size_t n;
};

static int collect(void *arg, const struct cw_alert *x)
{
    struct ids *s = arg;
    if (s->n < 8)
        snprintf(s->id[s->n++], CW_TOKEN_ID, "%s", x->id);
    return 0;
}

static void test_alerts(void **state)
{
    struct cw_access *a = open_store();
    struct cw_alert_finding f = { "check|aws on plan.json: x y", "check-failing",
                                  "critical", "aws on plan.json: x y",
                                  "iso27002:2022 8.9", "It fails." };
    char id[CW_TOKEN_ID], id2[CW_TOKEN_ID];
    struct ids s;
    struct cw_diag d;
    bool opened = false;
    long long now = (long long)time(NULL);
    char *log;
    int i;
    (void)state;

    assert_int_equal(cw_alert_raise(a, &f, now, "monitor:sweep", id, &opened,
                                    &d),
                     CW_OK);
    assert_true(opened);
    assert_int_equal(cw_alert_raise(a, &f, now + 60, "monitor:sweep", id2,
                                    &opened, &d),
                     CW_OK);
    assert_false(opened);
    assert_string_equal(id, id2);
    f.severity = "urgent";
    assert_int_equal(cw_alert_raise(a, &f, now, "m", id2, &opened, &d),
                     CW_EINVAL);
    f.severity = "critical";
    assert_int_equal(cw_alert_assign(a, id, "dba \"team\"", "u:1", &d),
                     CW_EINVAL);
    assert_int_equal(cw_alert_assign(a, id, "dba-team", "u:1", &d), CW_OK);
    assert_int_equal(cw_alert_ack(a, id, "u:1", &d), CW_OK);
    assert_int_equal(cw_alert_ack(a, id, "u:2", &d), CW_OK); /* once */
    assert_int_equal(cw_alert_resolve(a, id, "", "u:1", &d), CW_EINVAL);
    assert_int_equal(cw_alert_resolve(a, id, "made private", "u:1", &d),
                     CW_OK);
    assert_int_equal(cw_alert_resolve(a, id, "again", "u:1", &d), CW_EINVAL);
    assert_int_equal(cw_alert_ack(a, "0123456789abcdef", "u:1", &d),
                     CW_ENOENT);
    /* resolved: the same finding opens a new one */
    assert_int_equal(cw_alert_raise(a, &f, now, "m", id2, &opened, &d),
                     CW_OK);
    assert_true(opened);
    assert_string_not_equal(id, id2);
    memset(&s, 0, sizeof(s));
    assert_int_equal(cw_alert_each_open(a, "check|", collect, &s, &d), CW_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.id[0], id2);
    memset(&s, 0, sizeof(s));
    assert_int_equal(cw_alert_each_open(a, "agent|", collect, &s, &d), CW_OK);
    assert_int_equal(s.n, 0);
    log = ledger_text(NULL);
    assert_int_equal(count(log, "\"alert.open\""), 2);
    assert_int_equal(count(log, "\"alert.assign\""), 1);
    assert_int_equal(count(log, "\"alert.ack\""), 1);
    assert_int_equal(count(log, "\"alert.resolve\""), 1);
    free(log);
    /* notices: due at once, then after a growing wait, given up after
     * the last attempt */
    memset(&s, 0, sizeof(s));
    assert_int_equal(cw_alert_due(a, CW_ALERT_MAIL, now * 1000, 10, collect,
                                  &s, &d),
                     CW_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(cw_alert_sent(a, id2, CW_ALERT_MAIL, false, now * 1000,
                                   &d),
                     CW_OK);
    assert_int_equal(cw_alert_sent(a, id, CW_ALERT_MAIL, true, now * 1000,
                                   &d),
                     CW_OK);
    memset(&s, 0, sizeof(s));
    assert_int_equal(cw_alert_due(a, CW_ALERT_MAIL, now * 1000 + 29999, 10,
                                  collect, &s, &d),
                     CW_OK);
    assert_int_equal(s.n, 0);
    memset(&s, 0, sizeof(s));
    assert_int_equal(cw_alert_due(a, CW_ALERT_MAIL, now * 1000 + 30000, 10,
                                  collect, &s, &d),
                     CW_OK);
    assert_int_equal(s.n, 1);
    for (i = 2; i <= 12; i++)
        assert_int_equal(cw_alert_sent(a, id2, CW_ALERT_MAIL, false,
                                       now * 1000, &d),
                         CW_OK);
    memset(&s, 0, sizeof(s));
    assert_int_equal(cw_alert_due(a, CW_ALERT_MAIL, (now + 86400 * 30) * 1000,
                                  10, collect, &s, &d),
                     CW_OK);
    assert_int_equal(s.n, 0); /* given up */
    /* syslog has its own schedule */
    memset(&s, 0, sizeof(s));
    assert_int_equal(cw_alert_due(a, CW_ALERT_SYSLOG, now * 1000, 10, collect,
                                  &s, &d),
                     CW_OK);
    assert_int_equal(s.n, 2);
    cw_access_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signature_and_sequence, setup,
                                        teardown),
        cmocka_unit_test(test_push_document),
        cmocka_unit_test(test_silence),
        cmocka_unit_test_setup_teardown(test_alerts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
