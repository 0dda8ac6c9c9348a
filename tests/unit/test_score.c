/* test_score.c - the score's history (cw_score_history) and what it rests
 * on: the SoA with each decision as the ledger recorded it by a date
 * (cw_soa_options.decisions_as_recorded). A scope with decision files is
 * written to a temporary directory and its store's ledger is given
 * decision entries at known times (cw_ledger_append with time_ms), some
 * appended out of time order; each day then has a known decision per
 * control, at the boundaries of a day too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <cloudward/cloudward.h>

#include "helpers.h"

static struct cw_catalogs *cats;

/* The scope, its decisions and its store, built once for the group. */
static char dir[256], store[300], scope_path[300];
static struct cw_scope *scope;

#define SCOPE                                                                 \
    "organisation: E\nrole: provider\nservice_models: [saas]\n"               \
    "pii_processor: false\n"

/* 5.1 and 8.8 are recorded below; 5.2 never is. */
#define DECISIONS                                                             \
    "decisions:\n"                                                            \
    "  - control: \"iso27002:2022 5.1\"\n"                                    \
    "    applicable: true\n"                                                  \
    "    source: risk\n"                                                      \
    "    status: implemented\n"                                               \
    "    evidence: [policy-v4.pdf]\n"                                         \
    "  - control: \"iso27002:2022 5.2\"\n"                                    \
    "    applicable: true\n"                                                  \
    "    status: partial\n"

/* Milliseconds of 2026-11-DD at HH:MM UTC. */
static long long at(int dd, int hh, int mm)
{
    /* 2026-11-01T00:00:00Z is 1793491200. */
    return ((long long)1793491200 + (long long)(dd - 1) * 86400 +
            hh * 3600 + mm * 60) *
           1000;
}

static int setup(void **state)
{
    static const struct {
        const char *action, *target, *details;
        long long time_ms;
    } ev[] = {
        /* 5.1: planned on the 10th, implemented from midnight of the
         * 12th; an entry of the 11th appended last, out of time order. */
        { "decision.set", "iso27002:2022 5.1",
          "{\"applicable\":true,\"file\":\"decisions/d.yaml\",\"line\":2,"
          "\"source\":\"legal\",\"status\":\"planned\"}",
          0 },
        { "decision.set", "iso27002:2022 5.1",
          "{\"applicable\":true,\"file\":\"decisions/d.yaml\",\"line\":2,"
          "\"source\":\"risk\",\"status\":\"implemented\"}",
          0 },
        /* 8.8: excluded on the 11th, removed on the 13th. */
        { "decision.set", "iso27002:2022 8.8",
          "{\"applicable\":false,\"file\":\"decisions/d.yaml\",\"line\":9}",
          0 },
        { "decision.remove", "iso27002:2022 8.8", NULL, 0 },
        { "decision.set", "iso27002:2022 5.1",
          "{\"applicable\":true,\"file\":\"decisions/d.yaml\",\"line\":2,"
          "\"source\":\"risk\",\"status\":\"partial\"}",
          0 },
        /* Of a catalog not loaded: read past. */
        { "decision.set", "iso27002:2017 5.1", "{\"applicable\":true}", 0 },
    };
    struct cw_log_event e[sizeof(ev) / sizeof(ev[0])];
    long long times[] = { at(10, 9, 0),  at(12, 0, 0), at(11, 23, 59),
                          at(13, 8, 0),  at(11, 6, 0), at(1, 0, 0) };
    struct cw_ledger *l = NULL;
    struct cw_diag d;
    size_t i;

    (void)state;
    if (cw_catalogs_new(NULL, &cats, &d))
        return -1;
    snprintf(dir, sizeof(dir), "%s", tmp_dir());
    put_file(dir, "cloudward.yaml", SCOPE);
    put_file(dir, "decisions/d.yaml", DECISIONS);
    snprintf(scope_path, sizeof(scope_path), "%s/cloudward.yaml", dir);
    snprintf(store, sizeof(store), "%s/store", dir);
    if (cw_scope_load(cats, scope_path, &scope, &d))
        return -1;
    memset(e, 0, sizeof(e));
    for (i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
        e[i].actor = "u-1";
        e[i].action = ev[i].action;
        e[i].target = ev[i].target;
        e[i].details_json = ev[i].details;
        e[i].time_ms = times[i] + 59999; /* the minute's last ms */
    }
    e[1].time_ms = at(12, 0, 0); /* midnight exactly: the 12th's */
    if (cw_ledger_open(store, &l, &d) ||
        cw_ledger_append(l, e, sizeof(e) / sizeof(e[0]), NULL, NULL, &d)) {
        cw_ledger_close(l);
        return -1;
    }
    cw_ledger_close(l);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cw_scope_free(scope);
    cw_catalogs_free(cats);
    rm_tree(dir);
    return 0;
}

static struct cw_soa *soa_at(const char *as_of, bool recorded)
{
    struct cw_soa_options o = { as_of, -1, store, 0, NULL, NULL, NULL, true,
                                recorded };
    struct cw_soa *soa = NULL;
    struct cw_diag d;
    char msg[1200];

    if (cw_soa_build(cats, scope, &o, &soa, &d)) {
        cw_diag_format(&d, msg, sizeof(msg));
        fail_msg("%s", msg);
    }
    return soa;
}

static const struct cw_soa_line *line(const struct cw_soa *soa,
                                      const char *id)
{
    size_t i;
    for (i = 0; i < cw_soa_count(soa); i++) {
        const struct cw_soa_line *l = cw_soa_line_at(soa, i);
        if (!strcmp(l->control->catalog, "iso27002:2022") &&
            !strcmp(l->control->id, id))
            return l;
    }
    fail_msg("no line for %s", id);
    return NULL;
}

/* ---- the SoA with the decisions as recorded ---------------------------- */

static void decisions_by_the_ledger(void **state)
{
    struct cw_soa *soa;
    const struct cw_soa_line *l;
    (void)state;

    /* Before anything was recorded: 5.1 and 8.8 have no decision; 5.2,
     * which the ledger never recorded, is as the file says. */
    soa = soa_at("2026-11-09", true);
    l = line(soa, "5.1");
    assert_false(l->decided);
    assert_int_equal(l->status, CW_IMPL_NOT_STARTED);
    assert_null(l->evidence);
    assert_false(line(soa, "8.8")->decided);
    assert_true(line(soa, "8.8")->applicable);
    assert_int_equal(line(soa, "5.2")->status, CW_IMPL_PARTIAL);
    assert_int_equal(cw_soa_get_summary(soa)->unrecorded, 1);
    cw_soa_free(soa);

    /* The 10th: planned, for a legal reason (the ledger's source), with
     * the file's evidence references (the ledger holds their digest
     * only); the line says where the decision was recorded from. */
    soa = soa_at("2026-11-10", true);
    l = line(soa, "5.1");
    assert_true(l->decided);
    assert_int_equal(l->status, CW_IMPL_PLANNED);
    assert_string_equal(l->source, "legal");
    assert_string_equal(l->evidence, "policy-v4.pdf");
    assert_string_equal(l->why, "decision decisions/d.yaml:2");
    cw_soa_free(soa);

    /* The 11th: the entry of 06:00, appended last, is the latest by
     * time; 8.8 excluded at 23:59. */
    soa = soa_at("2026-11-11", true);
    assert_int_equal(line(soa, "5.1")->status, CW_IMPL_PARTIAL);
    assert_false(line(soa, "8.8")->applicable);
    assert_true(line(soa, "8.8")->decided);
    cw_soa_free(soa);

    /* The 12th from midnight: implemented, as the file says; the line is
     * the file's decision itself. */
    soa = soa_at("2026-11-12", true);
    l = line(soa, "5.1");
    assert_int_equal(l->status, CW_IMPL_IMPLEMENTED);
    assert_string_equal(l->source, "risk");
    assert_non_null(strstr(l->why, "/decisions/d.yaml:2"));
    assert_false(line(soa, "8.8")->applicable);
    cw_soa_free(soa);

    /* The 13th: 8.8's decision removed, the default line again. */
    soa = soa_at("2026-11-13", true);
    assert_false(line(soa, "8.8")->decided);
    assert_true(line(soa, "8.8")->applicable);
    assert_int_equal(cw_soa_get_summary(soa)->unrecorded, 1);
    cw_soa_free(soa);

    /* Without the option: the files, and no count. */
    soa = soa_at("2026-11-09", false);
    assert_int_equal(line(soa, "5.1")->status, CW_IMPL_IMPLEMENTED);
    assert_int_equal(cw_soa_get_summary(soa)->unrecorded, 0);
    cw_soa_free(soa);
}

/* A store without a ledger recorded nothing: every decision of the files
 * stands, and is counted. */
static void no_ledger(void **state)
{
    struct cw_soa_options o = { "2026-11-09", -1, NULL, 0, NULL, NULL, NULL,
                                true, true };
    struct cw_soa *soa = NULL;
    struct cw_diag d;
    char empty[320];
    (void)state;

    assert_int_equal(cw_soa_build(cats, scope, &o, &soa, &d), CW_OK);
    assert_int_equal(line(soa, "5.1")->status, CW_IMPL_IMPLEMENTED);
    assert_int_equal(cw_soa_get_summary(soa)->unrecorded, 2);
    cw_soa_free(soa);
    snprintf(empty, sizeof(empty), "%s/empty", dir);
    o.store = empty;
    assert_int_equal(cw_soa_build(cats, scope, &o, &soa, &d), CW_OK);
    assert_int_equal(cw_soa_get_summary(soa)->unrecorded, 2);
    cw_soa_free(soa);
}

/* ---- the history --------------------------------------------------------- */

struct seen {
    struct cw_score_day v[64];
    size_t n;
    size_t stop_after; /* 0: never */
};

static int take(void *arg, const struct cw_score_day *day)
{
    struct seen *s = arg;
    if (s->n < 64)
        s->v[s->n++] = *day;
    return s->stop_after && s->n == s->stop_after;
}

/* Each day's total is the score of that day's SoA as recorded. */
static void history_days(void **state)
{
    struct cw_soa_options o = { NULL, -1, store, 0, NULL, NULL, NULL, false,
                                false };
    struct seen s;
    struct cw_diag d;
    size_t i;
    (void)state;

    memset(&s, 0, sizeof(s));
    assert_int_equal(cw_score_history(cats, scope, &o, NULL, "2026-11-09",
                                      "2026-11-13", take, &s, &d),
                     CW_OK);
    assert_int_equal(s.n, 5);
    for (i = 0; i < s.n; i++) {
        struct cw_soa *soa;
        struct cw_score *sc = NULL;
        char want[11];
        snprintf(want, sizeof(want), "2026-11-%02zu", 9 + i);
        assert_string_equal(s.v[i].date, want);
        soa = soa_at(want, true);
        assert_int_equal(cw_score_build(soa, &sc, &d), CW_OK);
        assert_int_equal(s.v[i].earned, cw_score_earned(sc));
        assert_int_equal(s.v[i].possible, cw_score_possible(sc));
        assert_int_equal(s.v[i].controls, cw_score_count(sc));
        assert_int_equal(s.v[i].unrecorded, 1);
        cw_score_free(sc);
        cw_soa_free(soa);
    }
    /* 5.1 planned (10 %) on the 10th after nothing, partial (50 %) on
     * the 11th, implemented on the 12th; worth three times as much on
     * the 10th (a legal source: mandatory). 8.8's exclusion on the 11th
     * takes its points out of the possible ones until the 13th. */
    assert_true(s.v[1].earned > s.v[0].earned);
    assert_true(s.v[1].possible > s.v[0].possible);
    assert_true(s.v[3].earned > s.v[2].earned);
    assert_true(s.v[2].possible < s.v[1].possible);
    assert_true(s.v[3].possible == s.v[2].possible);
    assert_true(s.v[4].possible > s.v[3].possible);

    /* One catalog: its lines alone. */
    memset(&s, 0, sizeof(s));
    assert_int_equal(cw_score_history(cats, scope, &o, "iso27017:2015",
                                      "2026-11-12", "2026-11-12", take, &s,
                                      &d),
                     CW_OK);
    assert_int_equal(s.n, 1);
    assert_true(s.v[0].controls > 0 && s.v[0].controls < 93);

    /* The callback stops it; no error. */
    memset(&s, 0, sizeof(s));
    s.stop_after = 2;
    assert_int_equal(cw_score_history(cats, scope, &o, NULL, "2026-11-01",
                                      "2026-11-30", take, &s, &d),
                     CW_OK);
    assert_int_equal(s.n, 2);

    /* No first day: the 30 days before the last, 31 in all. */
    memset(&s, 0, sizeof(s));
    assert_int_equal(cw_score_history(cats, scope, NULL, NULL, NULL,
                                      "2026-11-30", take, &s, &d),
                     CW_OK);
    assert_int_equal(s.n, 31);
    assert_string_equal(s.v[0].date, "2026-10-31");
    assert_string_equal(s.v[30].date, "2026-11-30");
    /* Without a store nothing was recorded: the files' decisions. */
    assert_int_equal(s.v[0].unrecorded, 2);
    assert_int_equal(s.v[0].earned, s.v[30].earned);
}

static void history_refused(void **state)
{
    struct seen s;
    struct cw_diag d;
    char msg[1200];
    (void)state;

    memset(&s, 0, sizeof(s));
    assert_int_equal(cw_score_history(cats, scope, NULL, NULL, "2026-02-30",
                                      "2026-03-10", take, &s, &d),
                     CW_EINVAL);
    cw_diag_format(&d, msg, sizeof(msg));
    assert_non_null(strstr(msg, "first day, found '2026-02-30'"));
    assert_int_equal(cw_score_history(cats, scope, NULL, NULL, NULL,
                                      "yesterday", take, &s, &d),
                     CW_EINVAL);
    assert_int_equal(cw_score_history(cats, scope, NULL, NULL, "2026-03-11",
                                      "2026-03-10", take, &s, &d),
                     CW_EINVAL);
    cw_diag_format(&d, msg, sizeof(msg));
    assert_non_null(strstr(msg, "cannot start on 2026-03-11, after its last "
                                "day 2026-03-10"));
    /* 3661 days: refused before any is computed; 3660 are not (the
     * first day is enough to see it). */
    assert_int_equal(cw_score_history(cats, scope, NULL, NULL, "2016-11-27",
                                      "2026-12-05", take, &s, &d),
                     CW_ELIMIT);
    cw_diag_format(&d, msg, sizeof(msg));
    assert_non_null(strstr(msg, "3661 days"));
    assert_int_equal(s.n, 0);
    s.stop_after = 1;
    assert_int_equal(cw_score_history(cats, scope, NULL, NULL, "2016-11-28",
                                      "2026-12-05", take, &s, &d),
                     CW_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.v[0].date, "2016-11-28");
}

/* The days a history covers, resolved as cw_score_history does. */
static void history_range(void **state)
{
    char first[11], last[11], today[11];
    size_t n = 0;
    struct cw_diag d;
    time_t now = time(NULL);
    struct tm tm;
    (void)state;

    assert_int_equal(cw_score_history_range("2024-02-28", "2024-03-01",
                                            first, last, &n, &d),
                     CW_OK);
    assert_string_equal(first, "2024-02-28");
    assert_string_equal(last, "2024-03-01");
    assert_int_equal(n, 3); /* a leap year */
    assert_int_equal(cw_score_history_range(NULL, "2026-03-01", first, last,
                                            &n, &d),
                     CW_OK);
    assert_string_equal(first, "2026-01-30");
    assert_int_equal(n, 31);
    gmtime_r(&now, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    assert_int_equal(cw_score_history_range(today, NULL, first, last, &n, &d),
                     CW_OK);
    assert_string_equal(last, today);
    assert_int_equal(n, 1);
    assert_int_equal(cw_score_history_range("2026-03-02", "2026-03-01",
                                            first, last, &n, &d),
                     CW_EINVAL);
}

static void history_json(void **state)
{
    struct cw_score_day days[2];
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    (void)state;

    memset(days, 0, sizeof(days));
    snprintf(days[0].date, sizeof(days[0].date), "2026-11-09");
    days[0].earned = 655370;
    days[0].possible = 734000;
    days[0].controls = 110;
    snprintf(days[1].date, sizeof(days[1].date), "2026-11-10");
    days[1].possible = 0;
    days[1].unrecorded = 3;
    assert_non_null(f);
    assert_int_equal(cw_score_history_write_json(NULL, NULL, "iso27017:2015",
                                                 days, 2, f),
                     CW_OK);
    fclose(f);
    assert_string_equal(
        text,
        "{\n  \"since\": \"2026-11-09\",\n  \"until\": \"2026-11-10\",\n"
        "  \"catalog\": \"iso27017:2015\",\n  \"days\": [\n"
        "    {\"date\": \"2026-11-09\", \"earned_milli\": 655370, "
        "\"possible_milli\": 734000, \"percent\": 89.3, \"controls\": 110, "
        "\"unrecorded\": 0},\n"
        "    {\"date\": \"2026-11-10\", \"earned_milli\": 0, "
        "\"possible_milli\": 0, \"percent\": 100.0, \"controls\": 0, "
        "\"unrecorded\": 3}\n  ]\n}\n");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decisions_by_the_ledger),
        cmocka_unit_test(no_ledger),
        cmocka_unit_test(history_days),
        cmocka_unit_test(history_refused),
        cmocka_unit_test(history_range),
        cmocka_unit_test(history_json),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
