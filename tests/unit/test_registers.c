/* test_registers.c - the ISO/IEC 27018 registers (cw_registers.h,
 * docs/registers.md) through the public API only: records read from
 * YAML or JSON and refused with FILE:LINE:COL when malformed; saved as
 * versions with one ledger entry per customer named (or one for the
 * provider) holding the body's SHA-256 and never its text; deadlines
 * counted in calendar days of the customer's zone (across summer time:
 * 719 or 721 hours for 30 days) or in elapsed hours (a breach); each
 * register's findings firing when a rule is broken and only then; and
 * what a customer may see of records that concern others too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include <cloudward/cloudward.h>

#ifndef CW_SOURCE_DIR
#define CW_SOURCE_DIR "."
#endif

#define HOUR 3600LL
#define DAY  (24 * HOUR)

#define CW_TEST_STORE
#include "helpers.h"

/* ---- helpers ------------------------------------------------------------ */

/* The instant of an RFC 3339 time (never a plain date here: the API
 * reads that as the day's last second). */
static long long T(const char *s)
{
    long long t = 0;
    assert_true(cw_registers_instant(s, &t));
    return t;
}

/* The store with tenants t1, t2 and t3. */
static struct cw_access *open_store(void)
{
    struct cw_access *a = NULL;
    struct cw_diag d;
    assert_int_equal(cw_access_open(store, true, &a, &d), CW_OK);
    assert_int_equal(cw_tenant_add(a, "t1", "Tenant One", "t", &d), CW_OK);
    assert_int_equal(cw_tenant_add(a, "t2", "Tenant Two", "t", &d), CW_OK);
    assert_int_equal(cw_tenant_add(a, "t3", "Tenant Three", "t", &d), CW_OK);
    return a;
}

/* Reads `text` as file `name` (register r, -1: named in the file) and
 * saves it with `mode` at `now`; counts as cw_register_put_input. */
static enum cw_status put_as(struct cw_access *a, const char *name,
                             const char *text, int r, enum cw_reg_mode mode,
                             long long now, size_t counts[3], struct cw_diag *d)
{
    struct cw_reg_input *in = NULL;
    enum cw_status st;
    memset(d, 0, sizeof(*d));
    counts[0] = counts[1] = counts[2] = 0;
    st = cw_reg_input_read(name, text, strlen(text), r, &in, d);
    if (st) {
        assert_null(in);
        return st;
    }
    assert_non_null(in);
    st = cw_register_put_input(a, in, mode, NULL, "tester", now, counts, d);
    cw_reg_input_free(in);
    return st;
}

/* Saves YAML `text` (which names its register) as new records. */
static void add(struct cw_access *a, const char *text, long long now)
{
    struct cw_diag d;
    size_t c[3];
    char msg[600];
    enum cw_status st =
        put_as(a, "test.yaml", text, -1, CW_REG_ADD, now, c, &d);
    if (st)
        fail_msg("%s", cw_diag_format(&d, msg, sizeof(msg)));
    assert_true(c[0] >= 1);
    assert_int_equal(c[1] + c[2], 0);
}

/* The registers as seen by `tenant` (NULL: the provider) at `now`. */
static struct cw_registers *load(struct cw_access *a, const char *tenant,
                                 long long now)
{
    struct cw_registers *g = NULL;
    struct cw_diag d;
    assert_int_equal(cw_registers_load_open(a, tenant, now, &g, &d), CW_OK);
    assert_non_null(g);
    return g;
}

/* The duties of record `record` of register r owed to `customer` (NULL:
 * any, "" : none), of kind `finding` (-1: either); how many into *n and
 * the first returned. */
static const struct cw_duty *find(const struct cw_registers *g,
                                  enum cw_register r, const char *record,
                                  const char *customer, int finding, size_t *n)
{
    const struct cw_duty *first = NULL;
    size_t i, k = 0;
    for (i = 0; i < cw_registers_duty_count(g); i++) {
        const struct cw_duty *u = cw_registers_duty_at(g, i);
        assert_non_null(u);
        if (u->reg != r || strcmp(u->record, record) != 0)
            continue;
        if (customer && customer[0] &&
            (!u->customer || strcmp(u->customer, customer) != 0))
            continue;
        if (customer && !customer[0] && u->customer)
            continue;
        if (finding >= 0 && u->finding != (finding != 0))
            continue;
        if (!first)
            first = u;
        k++;
    }
    if (n)
        *n = k;
    return first;
}

/* How many duties record `record` carries in all. */
static size_t duties_of(const struct cw_registers *g, enum cw_register r,
                        const char *record)
{
    size_t n;
    find(g, r, record, NULL, -1, &n);
    return n;
}

/* Records read back through cw_register_each. */
struct seen {
    size_t n;
    char *json[32];
    char id[32][80];
    char sha[32][65];
    long long version[32];
    bool closed[32];
};

static int seen_row(void *arg, const struct cw_reg_record *c)
{
    struct seen *s = arg;
    assert_true(s->n < 32);
    s->json[s->n] = strdup(c->json);
    assert_non_null(s->json[s->n]);
    snprintf(s->id[s->n], 80, "%s", c->id);
    snprintf(s->sha[s->n], 65, "%s", c->sha256);
    s->version[s->n] = c->version;
    s->closed[s->n] = c->closed;
    s->n++;
    return 0;
}

static void seen_release(struct seen *s)
{
    size_t i;
    for (i = 0; i < s->n; i++)
        free(s->json[i]);
    memset(s, 0, sizeof(*s));
}

static void each(struct cw_access *a, int r, const char *id, const char *tenant,
                 bool history, struct seen *s)
{
    struct cw_diag d;
    memset(s, 0, sizeof(*s));
    assert_int_equal(
        cw_register_each(a, r, id, tenant, history, seen_row, s, &d), CW_OK);
}

/* The number of records of every register, every version. */
static size_t versions_stored(struct cw_access *a)
{
    struct seen s;
    size_t n;
    each(a, -1, NULL, NULL, true, &s);
    n = s.n;
    seen_release(&s);
    return n;
}

/* Adds tenant user `login` of `tenant` and copies its id to id. */
static void add_user(struct cw_access *a, const char *login, const char *tenant,
                     char id[80])
{
    struct cw_diag d;
    struct cw_user_info u;
    char otp[CW_OTPAUTH_LEN];
    assert_int_equal(cw_user_add(a, login, CW_GRANT_CUSTOMER, tenant,
                                 "a long enough password", "t", otp, &d),
                     CW_OK);
    assert_int_equal(cw_user_signin(a, login, "a long enough password", NULL,
                                    (long long)time(NULL), "::1", &u, &d),
                     CW_OK);
    snprintf(id, 80, "%s", u.id);
}

/* How many notices of kind "subprocessor.change" user `user` has; the
 * latest one's subject into subject (when not NULL). */
struct notices {
    size_t n, other;
    char subject[300];
};

static int notice_row(void *arg, const struct cw_notice *x)
{
    struct notices *ns = arg;
    if (strcmp(x->kind, "subprocessor.change") != 0) {
        ns->other++;
        return 0;
    }
    if (!ns->n)
        snprintf(ns->subject, sizeof(ns->subject), "%s", x->subject);
    ns->n++;
    return 0;
}

static size_t sp_notices(struct cw_access *a, const char *user,
                         char subject[300])
{
    struct notices ns;
    struct cw_diag d;
    memset(&ns, 0, sizeof(ns));
    assert_int_equal(cw_notice_each(a, user, 0, 1000, notice_row, &ns, &d),
                     CW_OK);
    if (subject)
        snprintf(subject, 300, "%s", ns.subject);
    return ns.n;
}

static size_t lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Entries in the ledger (of `tenant`, when not NULL). */
static size_t ledger_count(const char *tenant)
{
    char *t = ledger_text(tenant);
    size_t n = lines(t);
    free(t);
    return n;
}

/* Lines of `text` holding both `a` and `b`. */
static size_t lines_with(const char *text, const char *a, const char *b)
{
    size_t n = 0;
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *line = strndup(p, len);
        assert_non_null(line);
        if (strstr(line, a) && (!b || strstr(line, b)))
            n++;
        free(line);
        p += len + (e ? 1 : 0);
    }
    return n;
}

static void sha256_hex(const char *s, char hex[65])
{
    unsigned char h[32];
    crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
    sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* ---- names -------------------------------------------------------------- */

static void test_names(void **state)
{
    enum cw_register r;
    const struct cw_register_link *l;
    size_t n, i;
    bool drives = false;
    (void)state;

    assert_string_equal(cw_register_name(CW_REG_BREACHES), "breaches");
    assert_string_equal(cw_register_name(CW_REG_TEMP_ERASURE), "temp-erasure");
    assert_null(cw_register_name(CW_REG_COUNT));
    assert_true(cw_register_parse("principal-requests", &r));
    assert_int_equal(r, CW_REG_PRINCIPAL_REQUESTS);
    assert_false(cw_register_parse("Breaches", &r));
    assert_false(cw_register_parse(NULL, &r));
    assert_non_null(cw_register_title(CW_REG_LOCATIONS));
    l = cw_register_links(CW_REG_BREACHES, &n);
    assert_true(n >= 1);
    for (i = 0; i < n; i++)
        if (strcmp(l[i].catalog, "iso27018:2019") == 0 &&
            strcmp(l[i].control, "A.10.1") == 0)
            drives = l[i].drives;
    assert_true(drives);
    assert_null(cw_register_links(CW_REG_COUNT, &n));
    assert_int_equal(n, 0);
}

/* ---- deadline arithmetic ------------------------------------------------ */

/* A 30-day objection window counted on Dublin's calendar: across the
 * spring change it is 719 hours, across the autumn one 721; a local
 * time the spring change skips moves forward by the gap, one the autumn
 * change repeats is the first of the two. */
static void test_objection_window_dst(void **state)
{
    struct cw_access *a = open_store();
    struct cw_registers *g;
    const struct cw_duty *u;
    size_t n;
    (void)state;

    add(a,
        "register: contracts\n"
        "records:\n"
        "  - id: ct-t1\n"
        "    customer: t1\n"
        "    time_zone: Europe/Dublin\n"
        "    objection_days: 30\n",
        T("2026-01-01T00:00:00Z"));
    /* Spring: 2026-03-29 01:00 UTC; autumn: 2026-10-25 01:00 UTC. */
    add(a,
        "register: subprocessors\n"
        "records:\n"
        "  - id: sp-spring\n"
        "    name: Spring Mail\n"
        "    service: e-mail\n"
        "    pii_categories: [contact details]\n"
        "    locations: [IE]\n"
        "    start: 2026-06-01\n"
        "    customers: [t1]\n"
        "    notified: 2026-03-20T10:00:00Z\n"
        "  - id: sp-autumn\n"
        "    name: Autumn Mail\n"
        "    service: e-mail\n"
        "    pii_categories: [contact details]\n"
        "    locations: [IE]\n"
        "    start: 2027-01-04\n"
        "    customers: [t1]\n"
        "    notified: 2026-10-10T10:00:00Z\n"
        "  - id: sp-gap\n"
        "    name: Gap Mail\n"
        "    service: e-mail\n"
        "    pii_categories: [contact details]\n"
        "    locations: [IE]\n"
        "    start: 2026-06-01\n"
        "    customers: [t1]\n"
        "    notified: 2026-02-27T01:30:00Z\n"
        "  - id: sp-twice\n"
        "    name: Twice Mail\n"
        "    service: e-mail\n"
        "    pii_categories: [contact details]\n"
        "    locations: [IE]\n"
        "    start: 2027-01-04\n"
        "    customers: [t1]\n"
        "    notified: 2026-09-25T00:30:00+00:00\n",
        T("2026-02-01T00:00:00Z"));

    /* Spring: 10:00 GMT on 03-20 to 10:00 IST on 04-19. */
    g = load(a, NULL, T("2026-03-21T00:00:00Z"));
    u = find(g, CW_REG_SUBPROCESSORS, "sp-spring", "t1", -1, &n);
    assert_int_equal(n, 1);
    assert_false(u->finding);
    assert_int_equal(u->due, T("2026-04-19T09:00:00Z"));
    assert_int_equal(u->due - T("2026-03-20T10:00:00Z"), (30 * 24 - 1) * HOUR);
    assert_string_equal(u->zone, "Europe/Dublin");
    assert_string_equal(u->control, "A.8.1");
    assert_string_equal(u->customer, "t1");
    assert_non_null(u->what);
    /* 01:30 GMT on 02-27; 30 days on is 01:30 on 03-29, which does not
     * exist in Dublin: 02:30 IST, 01:30 UTC: exactly 720 hours. */
    u = find(g, CW_REG_SUBPROCESSORS, "sp-gap", "t1", -1, &n);
    assert_int_equal(n, 1);
    assert_false(u->finding);
    assert_int_equal(u->due, T("2026-03-29T01:30:00Z"));
    cw_registers_free(g);
    /* The window closed: no duty left (it starts after it closed). */
    g = load(a, NULL, T("2026-04-19T09:00:01Z"));
    assert_int_equal(duties_of(g, CW_REG_SUBPROCESSORS, "sp-spring"), 0);
    cw_registers_free(g);
    g = load(a, NULL, T("2026-04-19T08:59:59Z"));
    assert_int_equal(duties_of(g, CW_REG_SUBPROCESSORS, "sp-spring"), 1);
    cw_registers_free(g);

    /* Autumn: 11:00 IST on 10-10 to 11:00 GMT on 11-09. */
    g = load(a, NULL, T("2026-10-11T00:00:00Z"));
    u = find(g, CW_REG_SUBPROCESSORS, "sp-autumn", "t1", -1, &n);
    assert_int_equal(n, 1);
    assert_false(u->finding);
    assert_int_equal(u->due, T("2026-11-09T11:00:00Z"));
    assert_int_equal(u->due - T("2026-10-10T10:00:00Z"), (30 * 24 + 1) * HOUR);
    assert_string_equal(u->zone, "Europe/Dublin");
    /* 01:30 IST on 09-25; 01:30 on 10-25 happens twice: the first,
     * still summer time, 00:30 UTC. */
    u = find(g, CW_REG_SUBPROCESSORS, "sp-twice", "t1", -1, &n);
    assert_int_equal(n, 1);
    assert_int_equal(u->due, T("2026-10-25T00:30:00Z"));
    cw_registers_free(g);
    cw_access_close(a);
}

/* A plain date is the start of that day in the customer's zone: local
 * midnight in New York, UTC midnight without a contract. */
static void test_date_only_local_midnight(void **state)
{
    struct cw_access *a = open_store();
    struct cw_registers *g;
    const struct cw_duty *u;
    size_t n;
    (void)state;

    add(a,
        "register: contracts\n"
        "records:\n"
        "  - id: ct-t2\n"
        "    customer: t2\n"
        "    time_zone: America/New_York\n",
        T("2026-01-01T00:00:00Z"));
    add(a,
        "register: disclosures\n"
        "records:\n"
        "  - id: dr-ny\n"
        "    received: 2026-06-01\n"
        "    authority: An authority\n"
        "    legal_basis: An act\n"
        "    customers: [t2, t3]\n",
        T("2026-06-01T12:00:00Z"));
    add(a,
        "register: principal-requests\n"
        "records:\n"
        "  - id: pr-ny\n"
        "    customer: t2\n"
        "    kind: access\n"
        "    received: 2026-01-10\n",
        T("2026-01-10T12:00:00Z"));

    g = load(a, NULL, T("2026-06-02T00:00:00Z"));
    /* 2026-06-01 00:00 EDT is 04:00 UTC; 3 days on. */
    u = find(g, CW_REG_DISCLOSURES, "dr-ny", "t2", -1, &n);
    assert_int_equal(n, 1);
    assert_false(u->finding);
    assert_int_equal(u->due, T("2026-06-04T04:00:00Z"));
    assert_string_equal(u->zone, "America/New_York");
    assert_string_equal(u->control, "A.6.1");
    /* No contract: UTC. */
    u = find(g, CW_REG_DISCLOSURES, "dr-ny", "t3", -1, &n);
    assert_int_equal(n, 1);
    assert_int_equal(u->due, T("2026-06-04T00:00:00Z"));
    assert_string_equal(u->zone, "UTC");
    cw_registers_free(g);

    /* 2026-01-10 00:00 EST is 05:00 UTC; 30 days on. */
    g = load(a, NULL, T("2026-01-11T00:00:00Z"));
    u = find(g, CW_REG_PRINCIPAL_REQUESTS, "pr-ny", "t2", -1, &n);
    assert_int_equal(n, 1);
    assert_false(u->finding);
    assert_int_equal(u->due, T("2026-02-09T05:00:00Z"));
    assert_string_equal(u->control, "A.2.1");
    cw_registers_free(g);
    cw_access_close(a);
}

/* ---- breaches ----------------------------------------------------------- */

static void test_breach_clock(void **state)
{
    struct cw_access *a = open_store();
    struct cw_registers *g;
    const struct cw_duty *u;
    struct cw_diag d;
    size_t n, c[3];
    long long conf = T("2026-05-01T12:00:00Z");
    (void)state;

    add(a,
        "register: contracts\n"
        "records:\n"
        "  - id: ct-t1\n"
        "    customer: t1\n"
        "    time_zone: Europe/Dublin\n"
        "    breach_notify_hours: 48\n"
        "  - id: ct-t2\n"
        "    customer: t2\n"
        "    time_zone: Europe/Berlin\n",
        T("2026-01-01T00:00:00Z"));
    add(a,
        "register: breaches\n"
        "records:\n"
        "  - id: br-both\n"
        "    detected: 2026-05-01T09:00:00Z\n"
        "    confirmed: 2026-05-01T12:00:00Z\n"
        "    customers: [t1, t3]\n"
        "    pii_categories: [names]\n"
        "  - id: br-autumn\n"
        "    detected: 2026-10-24T08:00:00+02:00\n"
        "    confirmed: 2026-10-24T12:00:00+02:00\n"
        "    customers: [t2]\n"
        "    pii_categories: [names]\n",
        T("2026-05-01T12:00:00Z"));

    g = load(a, NULL, T("2026-05-02T00:00:00Z"));
    /* The contract's 48 hours. */
    u = find(g, CW_REG_BREACHES, "br-both", "t1", -1, &n);
    assert_int_equal(n, 1);
    assert_false(u->finding);
    assert_int_equal(u->due, conf + 48 * HOUR);
    assert_string_equal(u->control, "A.10.1");
    /* No contract: the default 72. */
    u = find(g, CW_REG_BREACHES, "br-both", "t3", -1, &n);
    assert_int_equal(n, 1);
    assert_false(u->finding);
    assert_int_equal(u->due, conf + 72 * HOUR);
    cw_registers_free(g);

    /* Hours are elapsed time: Berlin went back an hour in between. */
    g = load(a, NULL, T("2026-10-25T00:00:00Z"));
    u = find(g, CW_REG_BREACHES, "br-autumn", "t2", -1, &n);
    assert_int_equal(n, 1);
    assert_int_equal(u->due, T("2026-10-27T10:00:00Z"));
    cw_registers_free(g);

    /* More than 72 hours cannot be agreed; nothing is saved. */
    assert_int_equal(put_as(a, "contract.yaml",
                            "register: contracts\n"
                            "records:\n"
                            "  - id: ct-t3\n"
                            "    customer: t3\n"
                            "    breach_notify_hours: 100\n",
                            -1, CW_REG_ADD, T("2026-05-01T00:00:00Z"), c, &d),
                     CW_EINVAL);
    assert_int_equal(d.line, 5);
    assert_int_equal(d.col, 26);
    assert_non_null(strstr(d.file, "contract.yaml"));
    assert_non_null(strstr(d.msg, "breach_notify_hours"));
    assert_int_equal(put_as(a, "contract.yaml",
                            "id: ct-t3\ncustomer: t3\nbreach_notify_hours: 0\n",
                            CW_REG_CONTRACTS, CW_REG_ADD,
                            T("2026-05-01T00:00:00Z"), c, &d),
                     CW_EINVAL);
    assert_int_equal(d.line, 3);
    assert_int_equal(d.col, 22);
    {
        struct seen s;
        each(a, CW_REG_CONTRACTS, "ct-t3", NULL, true, &s);
        assert_int_equal(s.n, 0);
        seen_release(&s);
    }
    cw_access_close(a);
}

static void test_breach_findings(void **state)
{
    struct cw_access *a = open_store();
    struct cw_registers *g;
    const struct cw_duty *u;
    size_t n;
    long long conf = T("2026-05-01T12:00:00Z");
    long long due = conf + 72 * HOUR;
    (void)state;

    add(a,
        "register: breaches\n"
        "records:\n"
        "  - id: br-in-time\n"
        "    detected: 2026-05-01T09:00:00Z\n"
        "    confirmed: 2026-05-01T12:00:00Z\n"
        "    customers: [t1]\n"
        "    pii_categories: [names]\n"
        "    notifications:\n"
        "      - customer: t1\n"
        "        at: 2026-05-01T22:00:00Z\n"
        "        how: email\n"
        "  - id: br-late\n"
        "    detected: 2026-05-01T09:00:00Z\n"
        "    confirmed: 2026-05-01T12:00:00Z\n"
        "    customers: [t1]\n"
        "    pii_categories: [names]\n"
        "    notifications:\n"
        "      - customer: t1\n"
        "        at: 2026-05-04T20:00:00Z\n"
        "  - id: br-silent\n"
        "    detected: 2026-05-01T09:00:00Z\n"
        "    confirmed: 2026-05-01T12:00:00Z\n"
        "    customers: [t1]\n"
        "    pii_categories: [names]\n"
        "  - id: br-unconfirmed\n"
        "    detected: 2026-05-01T09:00:00Z\n"
        "    customers: [t1]\n"
        "    pii_categories: [names]\n",
        T("2026-05-01T12:00:00Z"));

    /* Before the deadline: the silent one is an open duty. */
    g = load(a, NULL, due - 1);
    assert_int_equal(duties_of(g, CW_REG_BREACHES, "br-in-time"), 0);
    u = find(g, CW_REG_BREACHES, "br-silent", "t1", -1, &n);
    assert_int_equal(n, 1);
    assert_false(u->finding);
    assert_int_equal(u->due, due);
    assert_int_equal(duties_of(g, CW_REG_BREACHES, "br-unconfirmed"), 0);
    cw_registers_free(g);

    /* After it. */
    g = load(a, NULL, due + 1);
    assert_int_equal(duties_of(g, CW_REG_BREACHES, "br-in-time"), 0);
    u = find(g, CW_REG_BREACHES, "br-late", "t1", -1, &n);
    assert_int_equal(n, 1);
    assert_true(u->finding);
    assert_int_equal(u->due, due);
    assert_string_equal(u->control, "A.10.1");
    u = find(g, CW_REG_BREACHES, "br-silent", "t1", -1, &n);
    assert_int_equal(n, 1);
    assert_true(u->finding);
    assert_int_equal(u->due, due);
    assert_int_equal(duties_of(g, CW_REG_BREACHES, "br-unconfirmed"), 0);
    /* Findings come first. */
    assert_true(cw_registers_duty_at(g, 0)->finding);
    assert_int_equal(cw_registers_record_count(g, CW_REG_BREACHES), 4);
    cw_registers_free(g);

    /* Late stays a finding for a year after the deadline, then history;
     * never notified stays a finding. */
    g = load(a, NULL, due + 300 * DAY);
    assert_int_equal(duties_of(g, CW_REG_BREACHES, "br-late"), 1);
    assert_true(find(g, CW_REG_BREACHES, "br-late", "t1", 1, NULL) != NULL);
    cw_registers_free(g);
    g = load(a, NULL, due + 400 * DAY);
    assert_int_equal(duties_of(g, CW_REG_BREACHES, "br-late"), 0);
    assert_non_null(find(g, CW_REG_BREACHES, "br-silent", "t1", 1, NULL));
    assert_int_equal(duties_of(g, CW_REG_BREACHES, "br-in-time"), 0);
    assert_int_equal(duties_of(g, CW_REG_BREACHES, "br-unconfirmed"), 0);
    cw_registers_free(g);
    cw_access_close(a);
}

/* ---- disclosures -------------------------------------------------------- */

static void test_disclosures(void **state)
{
    struct cw_access *a = open_store();
    struct cw_registers *g;
    const struct cw_duty *u;
    struct seen s;
    struct cw_diag d;
    size_t n, c[3], before;
    long long rcv = T("2026-03-02T10:00:00Z");
    char *log;
    (void)state;

    add(a,
        "register: disclosures\n"
        "records:\n"
        "  - id: dr-silent\n"
        "    received: 2026-03-02T10:00:00Z\n"
        "    authority: An authority\n"
        "    legal_basis: An act\n"
        "    customers: [t1]\n"
        "  - id: dr-told\n"
        "    received: 2026-03-02T10:00:00Z\n"
        "    authority: An authority\n"
        "    legal_basis: An act\n"
        "    customers: [t1]\n"
        "    prohibited: false\n"
        "    notifications:\n"
        "      - customer: t1\n"
        "        at: 2026-03-03T10:00:00Z\n"
        "  - id: dr-late\n"
        "    received: 2026-03-02T10:00:00Z\n"
        "    authority: An authority\n"
        "    legal_basis: An act\n"
        "    customers: [t1]\n"
        "    notifications:\n"
        "      - customer: t1\n"
        "        at: 2026-03-07T10:00:00Z\n"
        "  - id: dr-secret\n"
        "    received: 2026-03-02T10:00:00Z\n"
        "    authority: An authority\n"
        "    legal_basis: An act\n"
        "    customers: [t1]\n"
        "    prohibited: true\n"
        "    prohibition_basis: A confidentiality order\n"
        "    outcome: disclosed\n"
        "    disclosures:\n"
        "      - what: some records\n"
        "        to: An authority\n"
        "        at: 2026-03-04T10:00:00Z\n",
        T("2026-03-02T11:00:00Z"));

    g = load(a, NULL, rcv + DAY);
    u = find(g, CW_REG_DISCLOSURES, "dr-silent", "t1", -1, &n);
    assert_int_equal(n, 1);
    assert_false(u->finding);
    assert_int_equal(u->due, rcv + 3 * DAY);
    assert_int_equal(duties_of(g, CW_REG_DISCLOSURES, "dr-told"), 0);
    assert_int_equal(duties_of(g, CW_REG_DISCLOSURES, "dr-secret"), 0);
    cw_registers_free(g);

    g = load(a, NULL, rcv + 6 * DAY);
    u = find(g, CW_REG_DISCLOSURES, "dr-silent", "t1", -1, &n);
    assert_int_equal(n, 1);
    assert_true(u->finding);
    assert_string_equal(u->control, "A.6.1");
    assert_int_equal(u->due, rcv + 3 * DAY);
    assert_int_equal(duties_of(g, CW_REG_DISCLOSURES, "dr-told"), 0);
    assert_int_equal(duties_of(g, CW_REG_DISCLOSURES, "dr-secret"), 0);
    cw_registers_free(g);
    g = load(a, NULL, rcv + 6 * DAY);
    u = find(g, CW_REG_DISCLOSURES, "dr-late", "t1", 1, &n);
    assert_int_equal(n, 1);
    assert_string_equal(u->control, "A.6.1");
    cw_registers_free(g);

    /* The prohibited request: the provider's alone. */
    each(a, CW_REG_DISCLOSURES, NULL, "t1", false, &s);
    for (size_t i = 0; i < s.n; i++)
        assert_string_not_equal(s.id[i], "dr-secret");
    assert_int_equal(s.n, 3);
    seen_release(&s);
    each(a, CW_REG_DISCLOSURES, "dr-secret", "t1", true, &s);
    assert_int_equal(s.n, 0);
    seen_release(&s);
    each(a, CW_REG_DISCLOSURES, "dr-secret", NULL, false, &s);
    assert_int_equal(s.n, 1);
    seen_release(&s);
    g = load(a, "t1", rcv + 6 * DAY);
    assert_int_equal(cw_registers_record_count(g, CW_REG_DISCLOSURES), 3);
    cw_registers_free(g);
    log = ledger_text("t1");
    assert_null(strstr(log, "dr-secret"));
    assert_non_null(strstr(log, "dr-silent"));
    free(log);
    log = ledger_text(NULL);
    assert_int_equal(lines_with(log, "disclosures/dr-secret", NULL), 1);
    free(log);

    /* Prohibited without its basis: refused where it is written. */
    before = versions_stored(a);
    assert_int_equal(put_as(a, "dr.yaml",
                            "register: disclosures\n"
                            "records:\n"
                            "  - id: dr-nobasis\n"
                            "    received: 2026-03-02T10:00:00Z\n"
                            "    authority: An authority\n"
                            "    legal_basis: An act\n"
                            "    customers: [t1]\n"
                            "    prohibited: true\n",
                            -1, CW_REG_ADD, rcv, c, &d),
                     CW_EINVAL);
    assert_int_equal(d.line, 8);
    assert_int_equal(d.col, 17);
    assert_non_null(strstr(d.msg, "prohibition_basis"));
    assert_int_equal(versions_stored(a), before);
    cw_access_close(a);
}

/* ---- locations, instructions -------------------------------------------- */

static void test_locations(void **state)
{
    struct cw_access *a = open_store();
    struct cw_registers *g;
    const struct cw_duty *u;
    size_t n;
    (void)state;

    add(a,
        "register: contracts\n"
        "records:\n"
        "  - id: ct-t1\n"
        "    customer: t1\n"
        "    allowed_regions: [\"eu-*\"]\n",
        T("2026-01-01T00:00:00Z"));
    add(a,
        "register: locations\n"
        "records:\n"
        "  - id: loc-in\n"
        "    system: db\n"
        "    purpose: storage\n"
        "    country: IE\n"
        "    region: eu-west-1\n"
        "    customers: [t1]\n"
        "  - id: loc-out\n"
        "    system: db\n"
        "    purpose: backup\n"
        "    country: US\n"
        "    region: us-east-1\n"
        "    customers: [t1, t3]\n"
        "  - id: loc-free\n"
        "    system: db\n"
        "    purpose: processing\n"
        "    country: IN\n"
        "    region: ap-south-1\n"
        "    customers: [t3]\n"
        "  - id: loc-all\n"
        "    system: cdn\n"
        "    purpose: processing\n"
        "    country: US\n"
        "    region: us-west-2\n"
        "    customers: [\"*\"]\n",
        T("2026-01-01T00:00:00Z"));

    g = load(a, NULL, T("2026-02-01T00:00:00Z"));
    assert_int_equal(duties_of(g, CW_REG_LOCATIONS, "loc-in"), 0);
    u = find(g, CW_REG_LOCATIONS, "loc-out", NULL, -1, &n);
    assert_int_equal(n, 1); /* t3 has no allowed regions */
    assert_true(u->finding);
    assert_string_equal(u->customer, "t1");
    assert_string_equal(u->control, "A.12.1");
    assert_int_equal(u->due, 0);
    assert_int_equal(duties_of(g, CW_REG_LOCATIONS, "loc-free"), 0);
    /* "*": judged for every customer, a finding for t1 only. */
    u = find(g, CW_REG_LOCATIONS, "loc-all", NULL, -1, &n);
    assert_int_equal(n, 1);
    assert_true(u->finding);
    assert_string_equal(u->customer, "t1");
    cw_registers_free(g);
    cw_access_close(a);
}

static void test_instructions(void **state)
{
    struct cw_access *a = open_store();
    struct cw_registers *g;
    const struct cw_duty *u;
    struct cw_diag d;
    size_t n, c[3];
    (void)state;

    add(a,
        "register: instructions\n"
        "records:\n"
        "  - id: in-t1\n"
        "    customer: t1\n"
        "    purposes: [hosting]\n"
        "    marketing_use: true\n"
        "  - id: in-t2\n"
        "    customer: t2\n"
        "    purposes: [hosting]\n"
        "    marketing_use: true\n"
        "    consent_at: 2026-01-05T10:00:00Z\n"
        "    consent_ref: signed addendum 4\n"
        "  - id: in-t3\n"
        "    customer: t3\n"
        "    purposes: [hosting]\n"
        "    marketing_use: false\n",
        T("2026-01-10T00:00:00Z"));
    g = load(a, NULL, T("2026-01-10T00:00:00Z"));
    u = find(g, CW_REG_INSTRUCTIONS, "in-t1", "t1", -1, &n);
    assert_int_equal(n, 1);
    assert_true(u->finding);
    assert_string_equal(u->control, "A.3.2");
    assert_int_equal(duties_of(g, CW_REG_INSTRUCTIONS, "in-t2"), 0);
    assert_int_equal(duties_of(g, CW_REG_INSTRUCTIONS, "in-t3"), 0);
    cw_registers_free(g);

    /* A consent needs where it is recorded. */
    assert_int_equal(put_as(a, "in.yaml",
                            "register: instructions\n"
                            "records:\n"
                            "  - id: in-x\n"
                            "    customer: t3\n"
                            "    purposes: [hosting]\n"
                            "    marketing_use: true\n"
                            "    consent_at: 2026-01-05T10:00:00Z\n",
                            -1, CW_REG_ADD, T("2026-01-10T00:00:00Z"), c, &d),
                     CW_EINVAL);
    assert_int_equal(d.line, 7);
    cw_access_close(a);
}

/* ---- schedules and requests --------------------------------------------- */

static void test_temp_erasure_and_reviews(void **state)
{
    struct cw_access *a = open_store();
    struct cw_registers *g;
    const struct cw_duty *u;
    size_t n;
    long long now = T("2026-06-10T12:00:00Z");
    (void)state;

    add(a,
        "register: temp-erasure\n"
        "records:\n"
        "  - id: te-never\n"
        "    system: scratch\n"
        "    every_days: 1\n"
        "  - id: te-recent\n"
        "    system: spill\n"
        "    every_days: 7\n"
        "    last_run: 2026-06-08T02:00:00Z\n"
        "  - id: te-stale\n"
        "    system: cache\n"
        "    every_days: 1\n"
        "    last_run: 2026-06-01\n",
        now);
    add(a,
        "register: user-records\n"
        "records:\n"
        "  - id: ur-old\n"
        "    system: admin\n"
        "    users: 3\n"
        "    reviewed: 2026-01-01\n"
        "    reviewer: Head of IT\n"
        "  - id: ur-new\n"
        "    system: db\n"
        "    users: 5\n"
        "    reviewed: 2026-06-01T00:00:00Z\n"
        "    reviewer: Head of IT\n"
        "    every_days: 30\n",
        now);

    g = load(a, NULL, now);
    u = find(g, CW_REG_TEMP_ERASURE, "te-never", "", -1, &n);
    assert_int_equal(n, 1);
    assert_true(u->finding);
    assert_null(u->customer);
    assert_string_equal(u->control, "A.5.1");
    u = find(g, CW_REG_TEMP_ERASURE, "te-recent", "", -1, &n);
    assert_int_equal(n, 1);
    assert_false(u->finding);
    assert_int_equal(u->due, T("2026-06-15T02:00:00Z"));
    assert_string_equal(u->zone, "UTC");
    u = find(g, CW_REG_TEMP_ERASURE, "te-stale", "", -1, &n);
    assert_int_equal(n, 1);
    assert_true(u->finding);
    assert_int_equal(u->due, T("2026-06-02T00:00:00Z"));

    u = find(g, CW_REG_USER_RECORDS, "ur-old", "", -1, &n);
    assert_int_equal(n, 1);
    assert_true(u->finding);
    assert_string_equal(u->control, "A.11.9");
    assert_int_equal(u->due, T("2026-04-01T00:00:00Z")); /* 90 days */
    u = find(g, CW_REG_USER_RECORDS, "ur-new", "", -1, &n);
    assert_int_equal(n, 1);
    assert_false(u->finding);
    assert_int_equal(u->due, T("2026-07-01T00:00:00Z"));
    cw_registers_free(g);
    cw_access_close(a);
}

static void test_principal_requests(void **state)
{
    struct cw_access *a = open_store();
    struct cw_registers *g;
    const struct cw_duty *u;
    size_t n;
    (void)state;

    add(a,
        "register: principal-requests\n"
        "records:\n"
        "  - id: pr-open\n"
        "    customer: t1\n"
        "    kind: erasure\n"
        "    received: 2026-01-10T10:00:00Z\n"
        "  - id: pr-done\n"
        "    customer: t1\n"
        "    kind: access\n"
        "    received: 2026-01-10T10:00:00Z\n"
        "    completed: 2026-01-20T10:00:00Z\n"
        "  - id: pr-done-late\n"
        "    customer: t1\n"
        "    kind: access\n"
        "    received: 2026-01-10T10:00:00Z\n"
        "    completed: 2026-02-20T10:00:00Z\n"
        "  - id: pr-due\n"
        "    customer: t1\n"
        "    kind: rectification\n"
        "    received: 2026-01-10T10:00:00Z\n"
        "    due: 2026-03-31T17:00:00Z\n",
        T("2026-01-10T10:00:00Z"));

    g = load(a, NULL, T("2026-03-01T00:00:00Z"));
    u = find(g, CW_REG_PRINCIPAL_REQUESTS, "pr-open", "t1", -1, &n);
    assert_int_equal(n, 1);
    assert_true(u->finding);
    assert_string_equal(u->control, "A.2.1");
    assert_int_equal(u->due, T("2026-02-09T10:00:00Z"));
    assert_int_equal(duties_of(g, CW_REG_PRINCIPAL_REQUESTS, "pr-done"), 0);
    assert_non_null(
        find(g, CW_REG_PRINCIPAL_REQUESTS, "pr-done-late", "t1", 1, NULL));
    u = find(g, CW_REG_PRINCIPAL_REQUESTS, "pr-due", "t1", -1, &n);
    assert_int_equal(n, 1);
    assert_false(u->finding);
    assert_int_equal(u->due, T("2026-03-31T17:00:00Z"));
    cw_registers_free(g);
    cw_access_close(a);
}

static void test_returns(void **state)
{
    struct cw_access *a = open_store();
    struct cw_registers *g;
    const struct cw_duty *u;
    struct cw_diag d;
    size_t n, c[3];
    (void)state;

    add(a,
        "register: returns\n"
        "records:\n"
        "  - id: rt-t1\n"
        "    customer: t1\n"
        "    contract_end: 2026-01-31\n"
        "    requested: 2026-01-15T10:00:00Z\n"
        "  - id: rt-t2\n"
        "    customer: t2\n"
        "    contract_end: 2026-01-31\n"
        "    requested: 2026-01-15T10:00:00Z\n"
        "    export_delivered: 2026-01-20T10:00:00Z\n"
        "    manifest:\n"
        "      - file: export.zip\n"
        "        sha256: "
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
        "    production_disposed: 2026-03-01T00:00:00Z\n"
        "    backups_disposed: 2026-04-01T00:00:00Z\n",
        T("2026-01-15T10:00:00Z"));

    g = load(a, NULL, T("2026-06-01T00:00:00Z"));
    /* Export and both disposals overdue for t1. */
    find(g, CW_REG_RETURNS, "rt-t1", "t1", 1, &n);
    assert_int_equal(n, 3);
    u = find(g, CW_REG_RETURNS, "rt-t1", "t1", 1, &n);
    assert_string_equal(u->control, "A.10.3");
    assert_int_equal(duties_of(g, CW_REG_RETURNS, "rt-t2"), 0);
    cw_registers_free(g);
    /* Before any deadline: open duties only. */
    g = load(a, NULL, T("2026-01-16T00:00:00Z"));
    find(g, CW_REG_RETURNS, "rt-t1", "t1", 0, &n);
    assert_int_equal(n, 3);
    find(g, CW_REG_RETURNS, "rt-t1", "t1", 1, &n);
    assert_int_equal(n, 0);
    u = find(g, CW_REG_RETURNS, "rt-t1", "t1", 0, &n);
    assert_int_equal(u->due, T("2026-02-14T10:00:00Z")); /* the export */
    cw_registers_free(g);

    /* A delivered export needs its manifest. */
    assert_int_equal(put_as(a, "rt.yaml",
                            "register: returns\n"
                            "records:\n"
                            "  - id: rt-t3\n"
                            "    customer: t3\n"
                            "    contract_end: 2026-01-31\n"
                            "    export_delivered: 2026-01-20T10:00:00Z\n",
                            -1, CW_REG_ADD, T("2026-01-15T10:00:00Z"), c, &d),
                     CW_EINVAL);
    assert_int_equal(d.line, 6);
    cw_access_close(a);
}

/*
 * docs/registers.md, returns: disposal in production is due
 * disposal_days local calendar days after the contract's end, the end of
 * its last day (00:00 of the next day in the customer's zone); in backups
 * at the same time, or at the end of the backup_expiry day when that is
 * later.
 */
static void test_returns_disposal_due(void **state)
{
    struct cw_access *a = open_store();
    struct cw_registers *g;
    const struct cw_duty *u;
    size_t i, n;
    long long dues[2] = { 0, 0 };
    (void)state;

    add(a,
        "register: returns\n"
        "records:\n"
        "  - id: rt-t1\n"
        "    customer: t1\n"
        "    contract_end: 2026-01-31\n"
        "  - id: rt-t2\n"
        "    customer: t2\n"
        "    contract_end: 2026-01-31\n"
        "    backup_expiry: 2026-06-30\n",
        T("2026-01-15T10:00:00Z"));
    g = load(a, NULL, T("2026-02-01T00:00:00Z"));
    for (i = 0, n = 0; i < cw_registers_duty_count(g); i++) {
        u = cw_registers_duty_at(g, i);
        if (strcmp(u->record, "rt-t1") == 0)
            dues[n++] = u->due;
    }
    assert_int_equal(n, 2);
    /* 2026-01-31 00:00 UTC + 90 days. */
    assert_int_equal(dues[0], T("2026-05-02T00:00:00Z"));
    assert_int_equal(dues[1], T("2026-05-02T00:00:00Z"));
    for (i = 0, n = 0; i < cw_registers_duty_count(g); i++) {
        u = cw_registers_duty_at(g, i);
        if (strcmp(u->record, "rt-t2") == 0)
            dues[n++] = u->due;
    }
    assert_int_equal(n, 2);
    assert_int_equal(dues[0], T("2026-05-02T00:00:00Z"));
    assert_int_equal(dues[1], T("2026-07-01T00:00:00Z"));
    cw_registers_free(g);
    cw_access_close(a);
}

/* ---- sub-processors ----------------------------------------------------- */

static const char sp_text[] = "register: subprocessors\n"
                              "records:\n"
                              "  - id: sp-mail\n"
                              "    name: Mail Co\n"
                              "    service: e-mail\n"
                              "    pii_categories: [contact details]\n"
                              "    locations: [IE]\n"
                              "    contract_ref: MC-1\n"
                              "    start: 2026-09-01\n"
                              "    customers: [t1]\n";

static void test_subprocessor_rules(void **state)
{
    struct cw_access *a = open_store();
    struct cw_registers *g;
    const struct cw_duty *u;
    size_t n;
    (void)state;

    add(a,
        "register: contracts\n"
        "records:\n"
        "  - id: ct-t1\n"
        "    customer: t1\n"
        "    time_zone: Europe/Dublin\n"
        "    objection_days: 30\n",
        T("2026-01-01T00:00:00Z"));
    add(a,
        "register: subprocessors\n"
        "records:\n"
        "  - id: sp-early\n"
        "    name: Early Co\n"
        "    service: hosting\n"
        "    pii_categories: [everything]\n"
        "    locations: [IE]\n"
        "    start: 2026-03-25\n"
        "    customers: [t1]\n"
        "    notified: 2026-03-20T10:00:00Z\n"
        "  - id: sp-ok\n"
        "    name: Ok Co\n"
        "    service: hosting\n"
        "    pii_categories: [everything]\n"
        "    locations: [IE]\n"
        "    start: 2026-05-01\n"
        "    customers: [t1]\n"
        "    notified: 2026-03-20T10:00:00Z\n"
        "  - id: sp-objected\n"
        "    name: Objected Co\n"
        "    service: hosting\n"
        "    pii_categories: [everything]\n"
        "    locations: [IE]\n"
        "    start: 2026-05-01\n"
        "    customers: [\"*\"]\n"
        "    notified: 2026-03-20T10:00:00Z\n"
        "    objections:\n"
        "      - customer: t1\n"
        "        received: 2026-03-25\n"
        "        note: we object\n",
        T("2026-03-20T10:00:00Z"));

    /* Not yet in use: an open duty at its start. */
    g = load(a, NULL, T("2026-03-22T00:00:00Z"));
    u = find(g, CW_REG_SUBPROCESSORS, "sp-early", "t1", 1, &n);
    assert_int_equal(n, 0);
    find(g, CW_REG_SUBPROCESSORS, "sp-early", "t1", 0, &n);
    assert_true(n >= 1);
    cw_registers_free(g);

    /* In use before the window closed. */
    g = load(a, NULL, T("2026-03-26T00:00:00Z"));
    u = find(g, CW_REG_SUBPROCESSORS, "sp-early", "t1", 1, &n);
    assert_int_equal(n, 1);
    assert_string_equal(u->control, "A.8.1");
    assert_null(find(g, CW_REG_SUBPROCESSORS, "sp-ok", NULL, 1, NULL));
    u = find(g, CW_REG_SUBPROCESSORS, "sp-ok", "t1", 0, &n);
    assert_int_equal(n, 1);
    assert_int_equal(u->due, T("2026-04-19T09:00:00Z"));
    /* The pending objection's window is open: no finding yet. */
    assert_null(find(g, CW_REG_SUBPROCESSORS, "sp-objected", NULL, 1, NULL));
    cw_registers_free(g);

    /* After the window: sp-ok has nothing left; the objection still
     * pending is a finding for t1 only. */
    g = load(a, NULL, T("2026-04-20T00:00:00Z"));
    assert_int_equal(duties_of(g, CW_REG_SUBPROCESSORS, "sp-ok"), 0);
    assert_non_null(find(g, CW_REG_SUBPROCESSORS, "sp-early", "t1", 1, NULL));
    u = find(g, CW_REG_SUBPROCESSORS, "sp-objected", NULL, 1, &n);
    assert_int_equal(n, 1);
    assert_string_equal(u->customer, "t1");
    cw_registers_free(g);

    /* Closing does not undo what happened: sp-early was in use before
     * the window closed, and stays a finding for a year after its close;
     * sp-ok's open window ends with it. */
    {
        struct cw_diag d;
        assert_int_equal(cw_register_close(a, CW_REG_SUBPROCESSORS,
                                           "sp-early", "tester",
                                           T("2026-04-01T00:00:00Z"), &d),
                         CW_OK);
        assert_int_equal(cw_register_close(a, CW_REG_SUBPROCESSORS, "sp-ok",
                                           "tester",
                                           T("2026-04-01T00:00:00Z"), &d),
                         CW_OK);
    }
    g = load(a, NULL, T("2026-04-02T00:00:00Z"));
    assert_non_null(find(g, CW_REG_SUBPROCESSORS, "sp-early", "t1", 1, NULL));
    assert_int_equal(duties_of(g, CW_REG_SUBPROCESSORS, "sp-ok"), 0);
    cw_registers_free(g);
    g = load(a, NULL, T("2027-04-02T00:00:00Z"));
    assert_int_equal(duties_of(g, CW_REG_SUBPROCESSORS, "sp-early"), 0);
    cw_registers_free(g);
    cw_access_close(a);
}

static void test_subprocessor_notices(void **state)
{
    struct cw_access *a = open_store();
    struct cw_diag d;
    struct seen s;
    char u1[80], u2[80], subject[300], ts[40], *log;
    size_t c[3], n_ledger, n_versions;
    long long now = T("2026-07-01T09:00:00Z"), version = 0;
    bool changed = true;
    struct cw_reg_input *in = NULL;
    (void)state;

    add_user(a, "u1", "t1", u1);
    add_user(a, "u2", "t2", u2);
    assert_int_equal(sp_notices(a, u1, NULL), 0);

    /* Added: notified is when it was saved; t1's user is told. */
    add(a, sp_text, now);
    assert_int_equal(sp_notices(a, u1, subject), 1);
    assert_non_null(strstr(subject, "Mail Co"));
    assert_int_equal(sp_notices(a, u2, NULL), 0);
    each(a, CW_REG_SUBPROCESSORS, "sp-mail", NULL, false, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.version[0], 1);
    snprintf(ts, sizeof(ts), "\"notified\":\"2026-07-01T09:00:00Z\"");
    assert_non_null(strstr(s.json[0], ts));
    seen_release(&s);

    /* An update that changes nothing writes nothing. */
    n_ledger = ledger_count(NULL);
    n_versions = versions_stored(a);
    assert_int_equal(
        put_as(a, "sp.yaml", sp_text, -1, CW_REG_UPDATE, now + DAY, c, &d),
        CW_OK);
    assert_int_equal(c[0], 0);
    assert_int_equal(c[1], 0);
    assert_int_equal(c[2], 1);
    assert_int_equal(cw_reg_input_read("sp.yaml", sp_text, strlen(sp_text),
                                       CW_REG_SUBPROCESSORS, &in, &d),
                     CW_OK);
    assert_int_equal(cw_register_put(a, CW_REG_SUBPROCESSORS, "sp-mail",
                                     cw_reg_input_json(in, 0), CW_REG_UPDATE,
                                     "tester", now + DAY, &version, &changed,
                                     &d),
                     CW_OK);
    cw_reg_input_free(in);
    assert_false(changed);
    assert_int_equal(version, 1);
    assert_int_equal(versions_stored(a), n_versions);
    assert_int_equal(ledger_count(NULL), n_ledger);
    assert_int_equal(sp_notices(a, u1, NULL), 1);

    /* Not a change customers are told of: a new version, no notice, the
     * same `notified`. */
    assert_int_equal(cw_register_put(a, CW_REG_SUBPROCESSORS, "sp-mail",
                                     "{\"contract_ref\":\"MC-2\"}",
                                     CW_REG_UPDATE, "tester", now + 2 * DAY,
                                     &version, &changed, &d),
                     CW_OK);
    assert_true(changed);
    assert_int_equal(version, 2);
    assert_int_equal(sp_notices(a, u1, NULL), 1);
    each(a, CW_REG_SUBPROCESSORS, "sp-mail", NULL, false, &s);
    assert_non_null(strstr(s.json[0], ts));
    assert_non_null(strstr(s.json[0], "MC-2"));
    seen_release(&s);
    assert_int_equal(ledger_count(NULL), n_ledger + 1);

    /* A change of what it does: a new notice, notified again. */
    assert_int_equal(cw_register_put(a, CW_REG_SUBPROCESSORS, "sp-mail",
                                     "{\"service\":\"e-mail and SMS\"}",
                                     CW_REG_UPDATE, "tester", now + 3 * DAY,
                                     &version, &changed, &d),
                     CW_OK);
    assert_true(changed);
    assert_int_equal(version, 3);
    assert_int_equal(sp_notices(a, u1, NULL), 2);
    assert_int_equal(sp_notices(a, u2, NULL), 0);
    each(a, CW_REG_SUBPROCESSORS, "sp-mail", NULL, false, &s);
    assert_non_null(strstr(s.json[0], "\"notified\":\"2026-07-04T09:00:00Z\""));
    seen_release(&s);

    /* For every customer: every customer's users. */
    add(a,
        "register: subprocessors\n"
        "records:\n"
        "  - id: sp-all\n"
        "    name: All Co\n"
        "    service: hosting\n"
        "    pii_categories: [everything]\n"
        "    locations: [DE]\n"
        "    start: 2026-12-01\n"
        "    customers: [\"*\"]\n",
        now);
    assert_int_equal(sp_notices(a, u1, NULL), 3);
    assert_int_equal(sp_notices(a, u2, subject), 1);
    assert_non_null(strstr(subject, "All Co"));

    /* A notice names no one's personal data in the ledger either. */
    log = ledger_text(NULL);
    assert_null(strstr(log, "Mail Co"));
    free(log);
    cw_access_close(a);
}

/* docs/registers.md: "importing the same folder twice writes nothing the
 * second time", also for a sub-processor whose file leaves `notified` to
 * the time of saving. */
static void test_subprocessor_import_twice(void **state)
{
    struct cw_access *a = open_store();
    struct cw_registers *g;
    struct cw_diag d;
    struct seen s;
    char u1[80];
    size_t c[3], n_ledger;
    long long now = T("2026-07-01T09:00:00Z");
    (void)state;

    add_user(a, "u1", "t1", u1);
    assert_int_equal(
        put_as(a, "subprocessors.yaml", sp_text, -1, CW_REG_UPSERT, now, c, &d),
        CW_OK);
    assert_int_equal(c[0], 1);
    assert_int_equal(sp_notices(a, u1, NULL), 1);
    n_ledger = ledger_count(NULL);

    assert_int_equal(put_as(a, "subprocessors.yaml", sp_text, -1, CW_REG_UPSERT,
                            now + DAY, c, &d),
                     CW_OK);
    assert_int_equal(c[2], 1); /* unchanged */
    assert_int_equal(c[1], 0);
    assert_int_equal(ledger_count(NULL), n_ledger);
    each(a, CW_REG_SUBPROCESSORS, "sp-mail", NULL, false, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.version[0], 1);
    assert_non_null(strstr(s.json[0], "\"notified\":\"2026-07-01T09:00:00Z\""));
    seen_release(&s);
    /* And no "no change notice recorded" finding. */
    g = load(a, NULL, now + 2 * DAY);
    assert_null(find(g, CW_REG_SUBPROCESSORS, "sp-mail", NULL, 1, NULL));
    cw_registers_free(g);
    cw_access_close(a);
}

/* ---- what a customer sees ----------------------------------------------- */

static void test_tenant_view(void **state)
{
    struct cw_access *a = open_store();
    struct cw_registers *g;
    struct seen s;
    size_t i;
    char *log;
    (void)state;

    add(a,
        "register: breaches\n"
        "records:\n"
        "  - id: br-shared\n"
        "    detected: 2026-05-01T09:00:00Z\n"
        "    confirmed: 2026-05-01T12:00:00Z\n"
        "    customers: [t1, t2]\n"
        "    pii_categories: [names]\n"
        "    description: DESCRIPTION-SHARED mentions both\n"
        "    notifications:\n"
        "      - customer: t1\n"
        "        at: 2026-05-02T10:00:00Z\n"
        "        how: email\n"
        "      - customer: t2\n"
        "        at: 2026-05-02T11:11:11Z\n"
        "        how: phone\n"
        "    measures: MEASURES-SHARED taken\n"
        "  - id: br-own\n"
        "    detected: 2026-05-01T09:00:00Z\n"
        "    customers: [t1]\n"
        "    pii_categories: [names]\n"
        "    description: DESCRIPTION-OWN\n"
        "  - id: br-other\n"
        "    detected: 2026-05-01T09:00:00Z\n"
        "    confirmed: 2026-05-01T12:00:00Z\n"
        "    customers: [t2]\n"
        "    pii_categories: [names]\n",
        T("2026-05-01T12:00:00Z"));

    each(a, CW_REG_BREACHES, NULL, "t1", false, &s);
    assert_int_equal(s.n, 2);
    for (i = 0; i < s.n; i++) {
        assert_string_not_equal(s.id[i], "br-other");
        assert_null(strstr(s.json[i], "\"t2\""));
    }
    assert_string_equal(s.id[1], "br-shared");
    assert_non_null(strstr(s.json[1], "\"customers\":[\"t1\"]"));
    assert_non_null(strstr(s.json[1], "2026-05-02T10:00:00Z"));
    assert_null(strstr(s.json[1], "2026-05-02T11:11:11Z"));
    assert_null(strstr(s.json[1], "phone"));
    assert_null(strstr(s.json[1], "description"));
    assert_null(strstr(s.json[1], "DESCRIPTION-SHARED"));
    assert_null(strstr(s.json[1], "measures"));
    assert_null(strstr(s.json[1], "MEASURES-SHARED"));
    /* Its own record's text is its own. */
    assert_string_equal(s.id[0], "br-own");
    assert_non_null(strstr(s.json[0], "DESCRIPTION-OWN"));
    seen_release(&s);
    each(a, CW_REG_BREACHES, "br-other", "t1", true, &s);
    assert_int_equal(s.n, 0);
    seen_release(&s);
    /* The provider sees it all. */
    each(a, CW_REG_BREACHES, "br-shared", NULL, false, &s);
    assert_int_equal(s.n, 1);
    assert_non_null(strstr(s.json[0], "DESCRIPTION-SHARED"));
    assert_non_null(strstr(s.json[0], "\"t2\""));
    seen_release(&s);

    /* Its duties: its own only. */
    g = load(a, "t1", T("2026-05-10T00:00:00Z"));
    assert_int_equal(cw_registers_record_count(g, CW_REG_BREACHES), 2);
    for (i = 0; i < cw_registers_duty_count(g); i++) {
        const struct cw_duty *u = cw_registers_duty_at(g, i);
        assert_string_not_equal(u->record, "br-other");
        assert_true(u->customer == NULL || strcmp(u->customer, "t1") == 0);
    }
    cw_registers_free(g);
    g = load(a, "t2", T("2026-05-10T00:00:00Z"));
    assert_non_null(find(g, CW_REG_BREACHES, "br-other", "t2", 1, NULL));
    cw_registers_free(g);

    /* A sub-processor for every customer: only its own objection, and
     * no one's note (the record concerns others too). */
    add(a,
        "register: subprocessors\n"
        "records:\n"
        "  - id: sp-all\n"
        "    name: All Co\n"
        "    service: hosting\n"
        "    pii_categories: [everything]\n"
        "    locations: [DE]\n"
        "    start: 2026-12-01\n"
        "    customers: [\"*\"]\n"
        "    notified: 2026-05-01T00:00:00Z\n"
        "    objections:\n"
        "      - customer: t1\n"
        "        received: 2026-05-03T00:00:00Z\n"
        "        note: NOTE-OF-T1\n"
        "      - customer: t2\n"
        "        received: 2026-05-04T00:00:00Z\n"
        "        note: NOTE-OF-T2\n",
        T("2026-05-01T12:00:00Z"));
    each(a, CW_REG_SUBPROCESSORS, NULL, "t1", false, &s);
    assert_int_equal(s.n, 1);
    assert_non_null(strstr(s.json[0], "\"customers\":[\"*\"]"));
    assert_non_null(strstr(s.json[0], "2026-05-03T00:00:00Z"));
    assert_null(strstr(s.json[0], "2026-05-04T00:00:00Z"));
    assert_null(strstr(s.json[0], "\"t2\""));
    assert_null(strstr(s.json[0], "NOTE-OF"));
    seen_release(&s);

    /* Its log: the records that name it. */
    log = ledger_text("t1");
    assert_int_equal(lines_with(log, "breaches/br-shared", NULL), 1);
    assert_int_equal(lines_with(log, "breaches/br-own", NULL), 1);
    assert_int_equal(lines_with(log, "breaches/br-other", NULL), 0);
    free(log);
    cw_access_close(a);
}

/* ---- the ledger --------------------------------------------------------- */

static void test_ledger(void **state)
{
    struct cw_access *a = open_store();
    struct seen s;
    struct cw_diag d;
    size_t all, t1, t2, t3, i;
    char *log, hex[65];
    long long now = T("2026-05-01T12:00:00Z");
    (void)state;

    /* Two customers named: one entry under each. */
    all = ledger_count(NULL);
    t1 = ledger_count("t1");
    t2 = ledger_count("t2");
    t3 = ledger_count("t3");
    add(a,
        "register: breaches\n"
        "records:\n"
        "  - id: br-x\n"
        "    detected: 2026-05-01T09:00:00Z\n"
        "    customers: [t1, t2]\n"
        "    pii_categories: [names]\n"
        "    description: FREE-TEXT-OF-THE-BREACH\n",
        now);
    assert_int_equal(ledger_count(NULL), all + 2);
    assert_int_equal(ledger_count("t1"), t1 + 1);
    assert_int_equal(ledger_count("t2"), t2 + 1);
    assert_int_equal(ledger_count("t3"), t3);

    /* Every customer: one, the provider's. */
    add(a,
        "register: locations\n"
        "records:\n"
        "  - id: loc-all\n"
        "    system: SYSTEM-TEXT-OF-THE-LOCATION\n"
        "    purpose: storage\n"
        "    country: IE\n"
        "    region: eu-west-1\n"
        "    customers: [\"*\"]\n",
        now);
    assert_int_equal(ledger_count(NULL), all + 3);
    assert_int_equal(ledger_count("t1"), t1 + 1);
    /* No customer: one, the provider's. */
    add(a,
        "register: temp-erasure\n"
        "records:\n"
        "  - id: te-x\n"
        "    system: scratch\n"
        "    every_days: 1\n",
        now);
    assert_int_equal(ledger_count(NULL), all + 4);

    /* An update: one more under each customer named. */
    assert_int_equal(cw_register_put(a, CW_REG_BREACHES, "br-x",
                                     "{\"confirmed\":\"2026-05-01T12:00:00Z\"}",
                                     CW_REG_UPDATE, "tester", now + 60,
                                     &(long long){ 0 }, &(bool){ false }, &d),
                     CW_OK);
    assert_int_equal(ledger_count(NULL), all + 6);
    /* A close: as many again. */
    assert_int_equal(
        cw_register_close(a, CW_REG_BREACHES, "br-x", "tester", now + 120, &d),
        CW_OK);
    assert_int_equal(ledger_count(NULL), all + 8);
    assert_int_equal(ledger_count("t1"), t1 + 3);

    /* Each version's SHA-256 in its entries, and nothing of its text. */
    log = ledger_text(NULL);
    each(a, -1, NULL, NULL, true, &s);
    assert_int_equal(s.n, 5);
    for (i = 0; i < s.n; i++) {
        size_t k, same = 0;
        sha256_hex(s.json[i], hex);
        assert_string_equal(hex, s.sha[i]);
        /* Closing keeps the body: its version has the hash of the one
         * before it. */
        for (k = 0; k < s.n; k++)
            same += strcmp(s.id[k], s.id[i]) == 0 &&
                    strcmp(s.sha[k], s.sha[i]) == 0;
        assert_int_equal(lines_with(log, hex, s.id[i]),
                         same * (strcmp(s.id[i], "br-x") == 0 ? 2 : 1));
    }
    assert_true(s.closed[2]);
    assert_string_equal(s.id[2], "br-x");
    assert_int_equal(s.version[2], 3);
    assert_string_equal(s.sha[1], s.sha[2]);
    assert_int_equal(lines_with(log, "register.add", NULL), 4);
    assert_int_equal(lines_with(log, "register.update", NULL), 2);
    assert_int_equal(lines_with(log, "register.close", NULL), 2);
    assert_null(strstr(log, "FREE-TEXT-OF-THE-BREACH"));
    assert_null(strstr(log, "SYSTEM-TEXT-OF-THE-LOCATION"));
    assert_null(strstr(log, "names"));
    seen_release(&s);
    free(log);

    /* A closed record stays as it was. */
    assert_int_equal(
        cw_register_close(a, CW_REG_BREACHES, "br-x", "tester", now + 180, &d),
        CW_EINVAL);
    assert_int_equal(cw_register_put(a, CW_REG_BREACHES, "br-x",
                                     "{\"confirmed\":\"2026-05-01T13:00:00Z\"}",
                                     CW_REG_UPDATE, "tester", now + 180,
                                     &(long long){ 0 }, &(bool){ false }, &d),
                     CW_EINVAL);
    assert_int_equal(cw_register_close(a, CW_REG_BREACHES, "br-nope", "tester",
                                       now + 180, &d),
                     CW_ENOENT);
    assert_int_equal(cw_register_put(a, CW_REG_BREACHES, "br-nope",
                                     "{\"confirmed\":\"2026-05-01T13:00:00Z\"}",
                                     CW_REG_UPDATE, "tester", now + 180,
                                     &(long long){ 0 }, &(bool){ false }, &d),
                     CW_ENOENT);
    assert_int_equal(ledger_count(NULL), all + 8);
    cw_access_close(a);
}

/* An update by flags: the fields given replace the latest version's,
 * the others stay; the rules across fields hold on the whole record. */
static void test_update_by_flags(void **state)
{
    struct cw_access *a = open_store();
    struct cw_registers *g;
    struct cw_reg_input *in = NULL;
    struct cw_diag d;
    struct seen s;
    size_t c[3];
    long long conf = T("2026-05-01T12:00:00Z");
    const char *names[2] = { "notifications", "confirmed" };
    const char *values[2] = {
        "[{\"customer\":\"t1\",\"at\":\"2026-05-05T12:00:00Z\"}]",
        "2026-05-01T12:00:00Z"
    };
    const char *bad[1] = { "2026-05-1T12:00:00Z" };
    const char *pro[1] = { "true" };
    (void)state;

    add(a,
        "register: breaches\n"
        "records:\n"
        "  - id: br-x\n"
        "    detected: 2026-05-01T09:00:00Z\n"
        "    customers: [t1]\n"
        "    pii_categories: [names]\n"
        "  - id: br-y\n"
        "    detected: 2026-05-01T09:00:00Z\n"
        "    customers: [t1]\n"
        "    pii_categories: [names]\n",
        conf);
    assert_int_equal(
        cw_reg_input_fields(CW_REG_BREACHES, names, values, 2, &in, &d), CW_OK);
    assert_int_equal(cw_register_put_input(a, in, CW_REG_UPDATE, "br-x",
                                           "tester", conf + DAY, c, &d),
                     CW_OK);
    cw_reg_input_free(in);
    assert_int_equal(c[1], 1);
    each(a, CW_REG_BREACHES, "br-x", NULL, false, &s);
    assert_int_equal(s.version[0], 2);
    assert_non_null(strstr(s.json[0], "\"detected\":\"2026-05-01T09:00:00Z\""));
    assert_non_null(strstr(s.json[0], "\"pii_categories\":[\"names\"]"));
    seen_release(&s);
    /* Notified two days late. */
    g = load(a, NULL, conf + 10 * DAY);
    assert_non_null(find(g, CW_REG_BREACHES, "br-x", "t1", 1, NULL));
    assert_int_equal(duties_of(g, CW_REG_BREACHES, "br-y"), 0);
    cw_registers_free(g);

    /* A bad value names its flag. */
    assert_int_equal(
        cw_reg_input_fields(CW_REG_BREACHES, names + 1, bad, 1, &in, &d),
        CW_EINVAL);
    assert_null(in);
    assert_non_null(strstr(d.msg, "--confirmed"));
    assert_int_equal(d.line, 0);
    /* A field the register does not have. */
    assert_int_equal(cw_reg_input_fields(CW_REG_BREACHES,
                                         (const char *const[]){ "colour" }, pro,
                                         1, &in, &d),
                     CW_EINVAL);
    assert_non_null(strstr(d.msg, "--colour"));

    /* prohibited without its basis, given as an update: refused when the
     * whole record is checked; nothing saved. */
    add(a,
        "register: disclosures\n"
        "records:\n"
        "  - id: dr-x\n"
        "    received: 2026-05-01T10:00:00Z\n"
        "    authority: An authority\n"
        "    legal_basis: An act\n"
        "    customers: [t1]\n",
        conf);
    assert_int_equal(cw_reg_input_fields(CW_REG_DISCLOSURES,
                                         (const char *const[]){ "prohibited" },
                                         pro, 1, &in, &d),
                     CW_OK);
    assert_int_not_equal(cw_register_put_input(a, in, CW_REG_UPDATE, "dr-x",
                                               "tester", conf + DAY, c, &d),
                         CW_OK);
    cw_reg_input_free(in);
    assert_non_null(strstr(d.msg, "prohibition_basis"));
    each(a, CW_REG_DISCLOSURES, "dr-x", NULL, true, &s);
    assert_int_equal(s.n, 1);
    seen_release(&s);
    cw_access_close(a);
}

/* A closed breach: the duty not yet due ends; a missed one stays. */
static void test_close(void **state)
{
    struct cw_access *a = open_store();
    struct cw_registers *g;
    struct cw_diag d;
    long long conf = T("2026-05-01T12:00:00Z");
    (void)state;

    add(a,
        "register: breaches\n"
        "records:\n"
        "  - id: br-early\n"
        "    detected: 2026-05-01T09:00:00Z\n"
        "    confirmed: 2026-05-01T12:00:00Z\n"
        "    customers: [t1]\n"
        "    pii_categories: [names]\n"
        "  - id: br-missed\n"
        "    detected: 2026-05-01T09:00:00Z\n"
        "    confirmed: 2026-05-01T12:00:00Z\n"
        "    customers: [t1]\n"
        "    pii_categories: [names]\n",
        conf);
    assert_int_equal(cw_register_close(a, CW_REG_BREACHES, "br-early", "tester",
                                       conf + HOUR, &d),
                     CW_OK);
    assert_int_equal(cw_register_close(a, CW_REG_BREACHES, "br-missed",
                                       "tester", conf + 100 * HOUR, &d),
                     CW_OK);
    g = load(a, NULL, conf + HOUR);
    assert_int_equal(duties_of(g, CW_REG_BREACHES, "br-early"), 0);
    cw_registers_free(g);
    g = load(a, NULL, conf + 200 * HOUR);
    assert_non_null(find(g, CW_REG_BREACHES, "br-missed", "t1", 1, NULL));
    assert_int_equal(cw_registers_record_count(g, CW_REG_BREACHES), 2);
    cw_registers_free(g);
    cw_access_close(a);
}

/* ---- malformed input ---------------------------------------------------- */

struct bad {
    const char *name;
    int reg;
    const char *text;
    enum cw_status st;
    unsigned line, col;
    const char *says;
};

static void test_malformed(void **state)
{
    static const struct bad cases[] = {
        { "a.yaml", -1,
          "register: breaches\n"
          "records:\n"
          "  - id: b1\n"
          "    detected: 2026-03-01T10:00:00Z\n"
          "    customers: [t1]\n"
          "    pii_categories: [x]\n"
          "    colour: red\n",
          CW_EINVAL, 7, 5, "colour" },
        { "a.yaml", -1,
          "register: breaches\n"
          "records:\n"
          "  - id: b1\n"
          "    detected: 2026-02-30\n"
          "    customers: [t1]\n"
          "    pii_categories: [x]\n",
          CW_EINVAL, 4, 15, "2026-02-30" },
        { "a.yaml", -1,
          "register: breaches\n"
          "records:\n"
          "  - id: b1\n"
          "    detected: 2026-02-30T10:00:00Z\n"
          "    customers: [t1]\n"
          "    pii_categories: [x]\n",
          CW_EINVAL, 4, 15, "detected" },
        { "a.yaml", -1,
          "register: breaches\n"
          "records:\n"
          "  - id: b1\n"
          "    detected: 2026-02-28\n"
          "    customers: [t1, Globex]\n"
          "    pii_categories: [x]\n",
          CW_EINVAL, 5, 21, "customers" },
        { "a.yaml", -1, "register: nope\nrecords: []\n", CW_EINVAL, 1, 11,
          "nope" },
        { "a.yaml", -1,
          "register: breaches\n"
          "records:\n"
          "  - id: b1\n"
          "    detected: 2026-02-28\n"
          "    customers: [t1]\n"
          "    pii_categories: [x]\n"
          "  - id: b1\n"
          "    detected: 2026-02-28\n"
          "    customers: [t1]\n"
          "    pii_categories: [y]\n",
          CW_EINVAL, 7, 9, "twice" },
        { "a.yaml", CW_REG_BREACHES,
          "register: locations\n"
          "records: []\n",
          CW_EINVAL, 1, 11, "locations" },
        { "a.json", CW_REG_BREACHES,
          "{\"register\": \"breaches\",\n"
          " \"records\": [{\"id\": \"b1\", \"detected\": \"2026-02-28\",\n"
          "   \"customers\": [\"t1\"], \"pii_categories\": \"x\"}]}\n",
          CW_EINVAL, 3, 43, "pii_categories" },
        { "a.yaml", -1,
          "records:\n"
          "  - id: b1\n"
          "    detected: 2026-02-28\n",
          CW_EINVAL, 1, 1, "register" },
        { "a.yaml", -1,
          "register: breaches\n"
          "records:\n"
          "  - id: B1\n"
          "    detected: 2026-02-28\n"
          "    customers: [t1]\n"
          "    pii_categories: [x]\n",
          CW_EINVAL, 3, 9, "id" },
        { "a.yaml", -1,
          "register: breaches\n"
          "records:\n"
          "  - id: b1\n"
          "    customers: [t1]\n"
          "    pii_categories: [x]\n",
          CW_EINVAL, 3, 5, "detected" },
        { "a.yaml", -1,
          "register: breaches\n"
          "records:\n"
          "  - id: b1\n"
          "    detected: 2026-02-28\n"
          "    customers: [t1]\n"
          "    pii_categories: [x]\n"
          "    notifications:\n"
          "      - customer: t2\n"
          "        at: 2026-03-01T00:00:00Z\n",
          CW_EINVAL, 8, 19, "t2" },
        { "a.yaml", -1,
          "register: breaches\n"
          "extra: 1\n"
          "records: []\n",
          CW_EINVAL, 2, 1, "extra" },
    };
    struct cw_access *a = open_store();
    struct cw_diag d;
    size_t i, c[3];
    char msg[700];
    (void)state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum cw_status st =
            put_as(a, cases[i].name, cases[i].text, cases[i].reg, CW_REG_ADD,
                   T("2026-03-01T00:00:00Z"), c, &d);
        cw_diag_format(&d, msg, sizeof(msg));
        if (st != cases[i].st || d.line != cases[i].line ||
            d.col != cases[i].col || !strstr(d.msg, cases[i].says) ||
            strcmp(d.file, cases[i].name) != 0)
            fail_msg("case %zu: status %d, %s", i, (int)st, msg);
    }
    /* A JSON file that does not parse. */
    assert_int_equal(put_as(a, "x.json", "{\"register\": \"breaches\",\n  ]",
                            -1, CW_REG_ADD, T("2026-03-01T00:00:00Z"), c, &d),
                     CW_EPARSE);
    assert_int_equal(d.line, 2);
    assert_true(d.col > 0);

    /* A customer that is not a tenant: nothing of the file is saved. */
    assert_int_equal(put_as(a, "a.yaml",
                            "register: breaches\n"
                            "records:\n"
                            "  - id: b1\n"
                            "    detected: 2026-02-28\n"
                            "    customers: [t1]\n"
                            "    pii_categories: [x]\n"
                            "  - id: b2\n"
                            "    detected: 2026-02-28\n"
                            "    customers: [nobody]\n"
                            "    pii_categories: [x]\n",
                            -1, CW_REG_ADD, T("2026-03-01T00:00:00Z"), c, &d),
                     CW_ENOENT);
    assert_non_null(strstr(d.msg, "nobody"));
    assert_int_equal(c[0] + c[1] + c[2], 0);
    assert_int_equal(versions_stored(a), 0);
    /* An id taken. */
    add(a,
        "register: breaches\n"
        "records:\n"
        "  - id: b1\n"
        "    detected: 2026-02-28\n"
        "    customers: [t1]\n"
        "    pii_categories: [x]\n",
        T("2026-03-01T00:00:00Z"));
    assert_int_equal(put_as(a, "a.yaml",
                            "register: breaches\n"
                            "records:\n"
                            "  - id: b2\n"
                            "    detected: 2026-02-28\n"
                            "    customers: [t1]\n"
                            "    pii_categories: [x]\n"
                            "  - id: b1\n"
                            "    detected: 2026-02-28\n"
                            "    customers: [t1]\n"
                            "    pii_categories: [x]\n",
                            -1, CW_REG_ADD, T("2026-03-01T00:00:00Z"), c, &d),
                     CW_EEXIST);
    assert_int_equal(versions_stored(a), 1);
    /* A second open contract for one customer. */
    add(a, "register: contracts\nrecords:\n  - id: ct-a\n    customer: t1\n",
        T("2026-03-01T00:00:00Z"));
    assert_int_equal(put_as(a, "a.yaml",
                            "register: contracts\nrecords:\n  - id: ct-b\n"
                            "    customer: t1\n",
                            -1, CW_REG_ADD, T("2026-03-01T00:00:00Z"), c, &d),
                     CW_EEXIST);
    assert_int_equal(versions_stored(a), 2);
    cw_access_close(a);
}

/*
 * cw_register_put_input saves "all in one transaction: one that fails
 * saves none" (cw_registers.h), and a refused file has "written nothing"
 * (docs/registers.md): that includes the ledger, whose entries name
 * versions that must exist.
 */
static void test_put_input_atomic(void **state)
{
    struct cw_access *a = open_store();
    struct cw_diag d;
    size_t c[3], before = ledger_count(NULL);
    char *log;
    (void)state;

    assert_int_equal(put_as(a, "a.yaml",
                            "register: breaches\n"
                            "records:\n"
                            "  - id: b1\n"
                            "    detected: 2026-02-28\n"
                            "    customers: [t1]\n"
                            "    pii_categories: [x]\n"
                            "  - id: b2\n"
                            "    detected: 2026-02-28\n"
                            "    customers: [nobody]\n"
                            "    pii_categories: [x]\n",
                            -1, CW_REG_ADD, T("2026-03-01T00:00:00Z"), c, &d),
                     CW_ENOENT);
    assert_int_equal(versions_stored(a), 0);
    log = ledger_text(NULL);
    assert_null(strstr(log, "breaches/b1"));
    free(log);
    assert_int_equal(ledger_count(NULL), before);
    cw_access_close(a);
}

/* One record as canonical JSON: the schema's order, whatever the input's. */
static void test_canonical(void **state)
{
    struct cw_reg_input *x = NULL, *y = NULL;
    struct cw_diag d;
    const char *yaml = "register: breaches\n"
                       "records:\n"
                       "  - pii_categories: [x]\n"
                       "    customers: [t1]\n"
                       "    detected: 2026-02-28\n"
                       "    id: b1\n";
    const char *json = "{\"id\":\"b1\",\"detected\":\"2026-02-28\","
                       "\"customers\":[\"t1\"],\"pii_categories\":[\"x\"]}";
    (void)state;
    assert_int_equal(
        cw_reg_input_read("a.yaml", yaml, strlen(yaml), -1, &x, &d), CW_OK);
    assert_int_equal(cw_reg_input_register(x), CW_REG_BREACHES);
    assert_int_equal(cw_reg_input_count(x), 1);
    assert_string_equal(cw_reg_input_id(x, 0), "b1");
    assert_string_equal(cw_reg_input_json(x, 0), json);
    /* One record on its own, its register given by the caller. */
    assert_int_equal(cw_reg_input_read("b.json", json, strlen(json),
                                       CW_REG_BREACHES, &y, &d),
                     CW_OK);
    assert_string_equal(cw_reg_input_json(y, 0), json);
    cw_reg_input_free(x);
    cw_reg_input_free(y);
    cw_reg_input_free(NULL);
}

/* ---- the example -------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* docs/registers.md, "The example: Acme Notes": 19 records in 10
 * registers; a second import writes nothing; at 2026-12-06 one finding
 * and seven open duties, with the deadlines of its table. */
static void test_acme_example(void **state)
{
    static const char *files[] = {
        "breaches",     "contracts",          "disclosures",  "instructions",
        "locations",    "principal-requests", "restorations", "subprocessors",
        "temp-erasure", "user-records",
    };
    static const struct {
        enum cw_register reg;
        const char *record, *customer, *due;
        bool finding;
    } want[] = {
        { CW_REG_BREACHES, "br-2026-12", "globex", "2026-12-05T14:00:00Z",
          true },
        { CW_REG_TEMP_ERASURE, "te-export-scratch", NULL,
          "2026-12-07T02:00:00Z", false },
        { CW_REG_TEMP_ERASURE, "te-search-spill", NULL, "2026-12-08T00:00:00Z",
          false },
        { CW_REG_SUBPROCESSORS, "sp-postbox-mail", "initech",
          "2026-12-09T09:00:00Z", false },
        { CW_REG_SUBPROCESSORS, "sp-postbox-mail", "globex",
          "2026-12-25T09:00:00Z", false },
        { CW_REG_USER_RECORDS, "ur-prod-admin", NULL, "2026-12-30T00:00:00Z",
          false },
        { CW_REG_PRINCIPAL_REQUESTS, "pr-initech-2026-11", "initech",
          "2026-12-30T18:00:00Z", false },
    };
    struct cw_access *a = NULL;
    struct cw_registers *g;
    struct cw_diag d;
    size_t i, c[3], added = 0, findings = 0, open = 0, n;
    long long now = T("2026-12-06T23:59:59Z"), asof;
    char path[512], msg[700];
    (void)state;

    assert_true(cw_registers_instant("2026-12-06", &asof));
    assert_int_equal(asof, now);
    assert_int_equal(cw_access_open(store, true, &a, &d), CW_OK);
    assert_int_equal(cw_tenant_add(a, "globex", "Globex", "t", &d), CW_OK);
    assert_int_equal(cw_tenant_add(a, "initech", "Initech", "t", &d), CW_OK);
    /* Contracts first: the others' deadlines do not depend on it, but
     * an import in any order must give the same state. */
    for (int pass = 0; pass < 2; pass++) {
        for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
            size_t len;
            char *text;
            snprintf(path, sizeof(path),
                     CW_SOURCE_DIR "/examples/acme-notes/registers/%s.yaml",
                     files[i]);
            text = slurp(path, &len);
            if (put_as(a, path, text, -1, CW_REG_UPSERT,
                       T("2026-12-06T08:00:00Z") + pass, c, &d))
                fail_msg("%s", cw_diag_format(&d, msg, sizeof(msg)));
            free(text);
            if (pass == 0)
                added += c[0];
            else if (c[0] || c[1])
                fail_msg("%s: the second import wrote %zu added, %zu "
                         "updated",
                         files[i], c[0], c[1]);
        }
    }
    assert_int_equal(added, 19);

    g = load(a, NULL, now);
    for (i = 0; i < cw_registers_duty_count(g); i++) {
        const struct cw_duty *u = cw_registers_duty_at(g, i);
        if (u->finding)
            findings++;
        else
            open++;
    }
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const struct cw_duty *u =
            find(g, want[i].reg, want[i].record,
                 want[i].customer ? want[i].customer : "", want[i].finding, &n);
        if (!u)
            fail_msg("no duty for %s %s", want[i].record,
                     want[i].customer ? want[i].customer : "");
        assert_int_equal(u->due, T(want[i].due));
    }
    assert_non_null(cw_registers_state(g, "iso27018:2019", "A.10.1", &n));
    assert_int_equal(n, 1);
    assert_non_null(cw_registers_state(g, "iso27018:2019", "A.8.1", &n));
    assert_int_equal(n, 0);
    assert_null(cw_registers_state(g, "iso27018:2019", "A.99.9", &n));
    assert_int_equal(n, 0);
    assert_int_equal(findings, 1);
    /* One finding and seven open duties: Globex's objection, pending
     * while its window is open, awaits an answer (a duty of its own). */
    if (open != 7)
        for (i = 0; i < cw_registers_duty_count(g); i++)
            print_message("  %s %s %s: %s\n",
                          cw_register_name(cw_registers_duty_at(g, i)->reg),
                          cw_registers_duty_at(g, i)->record,
                          cw_registers_duty_at(g, i)->customer
                              ? cw_registers_duty_at(g, i)->customer
                              : "-",
                          cw_registers_duty_at(g, i)->what);
    cw_registers_free(g);
    cw_access_close(a);
    assert_int_equal(open, 7);
}

/* What cw_webhook_due hands out: each delivery's tenant, event, body. */
struct hooks {
    size_t n;
    char tenant[8][16], event[8][32], body[8][600];
};

static int hook_row(void *arg, const struct cw_webhook_delivery *w)
{
    struct hooks *h = arg;
    if (h->n < 8) {
        snprintf(h->tenant[h->n], sizeof(h->tenant[0]), "%s", w->tenant);
        snprintf(h->event[h->n], sizeof(h->event[0]), "%s", w->event);
        snprintf(h->body[h->n], sizeof(h->body[0]), "%s", w->body);
    }
    h->n++;
    return 0;
}

/* A sub-processor change reaches the webhook of each customer it
 * concerns (its own systems), naming the record; a change customers are
 * not told of (the contract reference) queues nothing. */
static void test_subprocessor_webhook(void **state)
{
    struct cw_access *a = open_store();
    char secret[CW_WEBHOOK_SECRET_TEXT], id[CW_TOKEN_ID];
    struct cw_diag d;
    struct hooks h;
    long long now = T("2026-11-25T09:00:00Z");
    (void)state;

    assert_int_equal(cw_webhook_set(a, "t1", "https://t1.example/hook", "t",
                                    secret, id, &d),
                     CW_OK);
    assert_int_equal(cw_webhook_set(a, "t2", "https://t2.example/hook", "t",
                                    secret, id, &d),
                     CW_OK);
    add(a, sp_text, now);
    memset(&h, 0, sizeof(h));
    assert_int_equal(cw_webhook_due(a, (now + 60) * 1000, 8, hook_row, &h,
                                    &d),
                     CW_OK);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.tenant[0], "t1");
    assert_string_equal(h.event[0], "subprocessor.change");
    assert_non_null(strstr(h.body[0], "\"record\":\"subprocessors/sp-mail\""));
    assert_null(strstr(h.body[0], "\"document\""));
    {
        static const char *const names[] = { "contract_ref" };
        static const char *const values[] = { "DPA-9" };
        struct cw_reg_input *in = NULL;
        size_t c[3];
        assert_int_equal(cw_reg_input_fields(CW_REG_SUBPROCESSORS, names,
                                             values, 1, &in, &d),
                         CW_OK);
        assert_int_equal(cw_register_put_input(a, in, CW_REG_UPDATE,
                                               "sp-mail", "t", now + 3600, c,
                                               &d),
                         CW_OK);
        assert_int_equal(c[1], 1); /* a new version, */
        cw_reg_input_free(in);
    }
    memset(&h, 0, sizeof(h));
    assert_int_equal(cw_webhook_due(a, (now + 7200) * 1000, 8, hook_row, &h,
                                    &d),
                     CW_OK);
    assert_int_equal(h.n, 1); /* but no new delivery: the first, still due */
    cw_access_close(a);
}

/* Regions' countries, as the providers name them; and the records a
 * scan's locations make (one per address, unknown countries left out). */
static void test_scan_locations(void **state)
{
    static const struct cw_pii_location locs[] = {
        { "aws_s3_bucket.notes", "aws_s3_bucket", "eu-west-1" },
        { "aws_s3_bucket.notes", "aws_s3_bucket", "eu-west-1" },
        { "azurerm_linux_virtual_machine.web",
          "azurerm_linux_virtual_machine", "West Europe" },
        { "google_compute_snapshot.nightly", "google_compute_snapshot",
          "europe-west3" },
        { "aws_ebs_volume.mars", "aws_ebs_volume", "mars-north-1" },
    };
    struct cw_reg_input *in = NULL;
    struct cw_diag d;
    size_t skipped = 0;
    (void)state;

    assert_string_equal(cw_region_country("eu-west-1"), "IE");
    assert_string_equal(cw_region_country("westeurope"), "NL");
    assert_string_equal(cw_region_country("West Europe"), "NL");
    assert_string_equal(cw_region_country("europe-west3"), "DE");
    assert_null(cw_region_country("mars-north-1"));
    assert_null(cw_region_country(""));
    assert_int_equal(cw_reg_input_locations(locs, 5, "t1,t2", "config scan of p",
                                            &in, &skipped, &d),
                     CW_OK);
    assert_int_equal(skipped, 1);
    assert_int_equal(cw_reg_input_count(in), 3);
    assert_non_null(strstr(cw_reg_input_json(in, 0),
                           "\"purpose\":\"storage\",\"country\":\"IE\""));
    assert_non_null(strstr(cw_reg_input_json(in, 0),
                           "\"customers\":[\"t1\",\"t2\"]"));
    assert_non_null(strstr(cw_reg_input_json(in, 1), "\"purpose\":\"processing\""));
    assert_non_null(strstr(cw_reg_input_json(in, 2), "\"purpose\":\"backup\""));
    assert_int_equal(strncmp(cw_reg_input_id(in, 0), "aws-s3-bucket-notes-", 20), 0);
    assert_int_equal(strlen(cw_reg_input_id(in, 0)), 20 + 12);
    cw_reg_input_free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_canonical),
        cmocka_unit_test_setup_teardown(test_objection_window_dst, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_date_only_local_midnight, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_breach_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_breach_findings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disclosures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instructions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_temp_erasure_and_reviews, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_principal_requests, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_returns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_returns_disposal_due, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_subprocessor_rules, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_subprocessor_notices, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_subprocessor_import_twice, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tenant_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ledger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_by_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_input_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acme_example, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subprocessor_webhook, setup,
                                        teardown),
        cmocka_unit_test(test_scan_locations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
