/* test_cron.c - cron expressions (cw_cron.h): every syntax form, names,
 * 7 as Sunday, macros, the day-of-month / day-of-week OR rule, the next
 * minute across month ends, leap days and year ends, "strictly after",
 * schedules that never match, every error with its column and message,
 * and a cross-check of cw_cron_next against a minute-by-minute search
 * (gmtime_r) over random expressions whose sets the test works out
 * itself. CW_CRON_SEED=N in the environment changes the random cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* clang-format off: cmocka needs the headers above first. */
#include <cmocka.h>
/* clang-format on */

#include <cloudward/cloudward.h>

#define ALL_MINUTES ((((uint64_t)1) << 60) - 1)

/* Unix time of a UTC date and time (timegm: an oracle independent of
 * cron.c's own calendar arithmetic). */
static long long at(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return (long long)timegm(&tm);
}

/* "YYYY-MM-DD HH:MM" (":SS" when not 0), or "-1". */
static const char *when(long long t, char *buf, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t == -1) {
        snprintf(buf, n, "-1");
        return buf;
    }
    if (!gmtime_r(&tt, &tm))
        abort();
    /* strftime: gcc cannot bound snprintf's %d of a struct tm field */
    strftime(buf, n, tm.tm_sec ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M", &tm);
    return buf;
}

static struct cw_cron parse(const char *expr)
{
    struct cw_cron c;
    struct cw_diag d;
    enum cw_status st;
    cw_diag_clear(&d);
    st = cw_cron_parse(expr, &c, &d);
    if (st)
        fail_msg("'%s': %s (column %u): %s", expr, cw_status_name(st), d.col,
                 d.msg);
    return c;
}

/* cw_cron_next of `expr` after `after`, as when() writes it. */
static const char *next(const char *expr, long long after, char *buf, size_t n)
{
    struct cw_cron c = parse(expr);
    return when(cw_cron_next(&c, after), buf, n);
}

#define NEXT_IS(expr, after, want)                                      \
    do {                                                                \
        char nb_[32];                                                   \
        assert_string_equal(next(expr, after, nb_, sizeof(nb_)), want); \
    } while (0)

/* Bits lo..hi with a step. */
static uint64_t bits(unsigned lo, unsigned hi, unsigned step)
{
    uint64_t b = 0;
    unsigned v;
    for (v = lo; v <= hi; v += step)
        b |= (uint64_t)1 << v;
    return b;
}

static void test_forms(void **state)
{
    struct cw_cron c;
    (void)state;

    c = parse("* * * * *");
    assert_true(c.minutes == ALL_MINUTES);
    assert_int_equal(c.hours, 0xffffff);
    assert_int_equal(c.days, 0xfffffffe);
    assert_int_equal(c.months, 0x1ffe);
    assert_int_equal(c.weekdays, 0x7f);
    assert_true(c.days_any);
    assert_true(c.weekdays_any);

    assert_true(parse("5 * * * *").minutes == bits(5, 5, 1));
    assert_true(parse("59 * * * *").minutes == bits(59, 59, 1));
    assert_true(parse("05 * * * *").minutes == bits(5, 5, 1));
    assert_true(parse("1-3 * * * *").minutes == bits(1, 3, 1));
    assert_true(parse("7-7 * * * *").minutes == bits(7, 7, 1));
    assert_true(parse("*/15 * * * *").minutes == bits(0, 45, 15));
    assert_true(parse("*/1 * * * *").minutes == ALL_MINUTES);
    assert_true(parse("*/60 * * * *").minutes == bits(0, 0, 1));
    assert_true(parse("10-30/10 * * * *").minutes == bits(10, 30, 10));
    assert_true(parse("10-35/10 * * * *").minutes == bits(10, 30, 10));
    assert_true(parse("50/3 * * * *").minutes == bits(50, 59, 3));
    assert_true(parse("59/1 * * * *").minutes == bits(59, 59, 1));
    assert_true(parse("50/1 * * * *").minutes == bits(50, 59, 1));
    assert_true(parse("1,5,10-12 * * * *").minutes ==
                (bits(1, 1, 1) | bits(5, 5, 1) | bits(10, 12, 1)));
    assert_true(parse("3,3,1-4 * * * *").minutes == bits(1, 4, 1));
    assert_true(parse("*,5 * * * *").minutes == ALL_MINUTES);

    assert_int_equal(parse("0 */7 * * *").hours, bits(0, 21, 7));
    assert_int_equal(parse("0 9-17 * * *").hours, bits(9, 17, 1));
    assert_int_equal(parse("0 20/2 * * *").hours, bits(20, 22, 2));
    assert_int_equal(parse("0 0 */10 * *").days, bits(1, 31, 10));
    assert_int_equal(parse("0 0 1/10 * *").days, bits(1, 31, 10));
    assert_int_equal(parse("0 0 31 * *").days, bits(31, 31, 1));
    assert_int_equal(parse("0 0 * */5 *").months, bits(1, 11, 5));
    assert_int_equal(parse("0 0 * 6/2 *").months, bits(6, 12, 2));
    assert_int_equal(parse("0 0 * * 1-5").weekdays, bits(1, 5, 1));
    assert_int_equal(parse("0 0 * * */2").weekdays, bits(0, 6, 2));
    assert_int_equal(parse("0 0 * * 1/2").weekdays, bits(1, 5, 2));
    assert_int_equal(parse("0 0 * * */7").weekdays, bits(0, 0, 1));

    /* Blanks: spaces and tabs, several, around the whole too. */
    c = parse(" \t0\t 12  1 \t6 *\t ");
    assert_true(c.minutes == 1);
    assert_int_equal(c.hours, bits(12, 12, 1));
    assert_int_equal(c.days, bits(1, 1, 1));
    assert_int_equal(c.months, bits(6, 6, 1));
}

static void test_names_and_sunday(void **state)
{
    (void)state;
    assert_int_equal(parse("0 0 * jan,JUL,Dec *").months,
                     bits(1, 1, 1) | bits(7, 7, 1) | bits(12, 12, 1));
    assert_int_equal(parse("0 0 * mar-may/2 *").months, bits(3, 5, 2));
    assert_int_equal(parse("0 0 * Feb-3 *").months, bits(2, 3, 1));
    assert_int_equal(parse("0 0 * oct/1 *").months, bits(10, 12, 1));
    assert_int_equal(parse("0 0 * * MON-fri").weekdays, bits(1, 5, 1));
    assert_int_equal(parse("0 0 * * sun").weekdays, bits(0, 0, 1));
    assert_int_equal(parse("0 0 * * sAt").weekdays, bits(6, 6, 1));
    assert_int_equal(parse("0 0 * * mon/2").weekdays, bits(1, 5, 2));
    assert_int_equal(parse("0 0 * * tue,thu").weekdays,
                     bits(2, 2, 1) | bits(4, 4, 1));
    /* 7 is Sunday, alone, in ranges and beside 0. */
    assert_int_equal(parse("0 0 * * 7").weekdays, bits(0, 0, 1));
    assert_int_equal(parse("0 0 * * 5-7").weekdays,
                     bits(5, 6, 1) | bits(0, 0, 1));
    assert_int_equal(parse("0 0 * * sat-7").weekdays,
                     bits(6, 6, 1) | bits(0, 0, 1));
    assert_int_equal(parse("0 0 * * 0-7").weekdays, 0x7f);
    assert_int_equal(parse("0 0 * * 0,7").weekdays, bits(0, 0, 1));
    assert_int_equal(parse("0 0 * * 7/2").weekdays, bits(0, 0, 1));
    assert_int_equal(parse("0 0 * * sun-sat").weekdays, 0x7f);
}

static bool same(const struct cw_cron *a, const struct cw_cron *b)
{
    return a->minutes == b->minutes && a->hours == b->hours &&
           a->days == b->days && a->months == b->months &&
           a->weekdays == b->weekdays && a->days_any == b->days_any &&
           a->weekdays_any == b->weekdays_any;
}

static void test_macros(void **state)
{
    static const char *const pairs[][2] = {
        { "@yearly", "0 0 1 1 *" },       { "@annually", "0 0 1 1 *" },
        { "@monthly", "0 0 1 * *" },      { "@weekly", "0 0 * * 0" },
        { "@daily", "0 0 * * *" },        { "@midnight", "0 0 * * *" },
        { "@hourly", "0 * * * *" },       { "@DAILY", "0 0 * * *" },
        { " \t@Weekly\t ", "0 0 * * 0" },
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        struct cw_cron a = parse(pairs[i][0]), b = parse(pairs[i][1]);
        if (!same(&a, &b))
            fail_msg("%s is not %s", pairs[i][0], pairs[i][1]);
    }
    NEXT_IS("@yearly", at(2025, 6, 1, 0, 0, 0), "2026-01-01 00:00");
    NEXT_IS("@monthly", at(2025, 6, 1, 0, 0, 0), "2025-07-01 00:00");
    NEXT_IS("@weekly", at(2025, 6, 1, 0, 0, 0), "2025-06-08 00:00");
    NEXT_IS("@daily", at(2025, 6, 1, 0, 0, 0), "2025-06-02 00:00");
    NEXT_IS("@hourly", at(2025, 6, 1, 0, 0, 0), "2025-06-01 01:00");
}

/* Which days a schedule runs on, from its first day on. */
static void check_days(const char *expr, long long from,
                       const char *const *want, size_t n)
{
    struct cw_cron c = parse(expr);
    char buf[32];
    size_t i;
    long long t = from;
    for (i = 0; i < n; i++) {
        t = cw_cron_next(&c, t);
        if (strcmp(when(t, buf, sizeof(buf)), want[i]) != 0)
            fail_msg("'%s' match %zu: got %s, want %s", expr, i, buf, want[i]);
    }
}

static void test_or_rule(void **state)
{
    /* Both restricted: the 13th OR a Friday. */
    static const char *const fri13[] = {
        "2026-02-06 00:00", "2026-02-13 00:00", "2026-02-20 00:00",
        "2026-02-27 00:00", "2026-03-06 00:00", "2026-03-13 00:00",
        "2026-03-20 00:00", "2026-03-27 00:00", "2026-04-03 00:00",
        "2026-04-10 00:00", "2026-04-13 00:00", "2026-04-17 00:00",
    };
    /* '*' with a step counts as '*': odd days AND Mondays. */
    static const char *const odd_mondays[] = {
        "2026-01-05 00:00", "2026-01-19 00:00", "2026-02-09 00:00",
        "2026-02-23 00:00", "2026-03-09 00:00", "2026-03-23 00:00",
    };
    static const char *const thirteenths[] = {
        "2026-02-13 00:00",
        "2026-03-13 00:00",
        "2026-04-13 00:00",
    };
    static const char *const feb_mondays[] = {
        "2026-02-02 00:00", "2026-02-09 00:00", "2026-02-16 00:00",
        "2026-02-23 00:00", "2027-02-01 00:00",
    };
    struct cw_cron c;
    (void)state;

    c = parse("0 0 13 * 5");
    assert_false(c.days_any);
    assert_false(c.weekdays_any);
    check_days("0 0 13 * 5", at(2026, 2, 1, 0, 0, 0), fri13, 12);
    check_days("0 0 13 * fri", at(2026, 2, 1, 0, 0, 0), fri13, 12);

    c = parse("0 0 */2 * 1");
    assert_true(c.days_any);
    assert_false(c.weekdays_any);
    check_days("0 0 */2 * 1", at(2026, 1, 1, 0, 0, 0), odd_mondays, 6);

    /* Weekday '*' (or '*' with a step): every 13th only. */
    check_days("0 0 13 * *", at(2026, 2, 1, 0, 0, 0), thirteenths, 3);
    c = parse("0 0 13 * */1");
    assert_true(c.weekdays_any);
    check_days("0 0 13 * */1", at(2026, 2, 1, 0, 0, 0), thirteenths, 3);

    /* A day that never comes does not stop the weekday: Mondays of
     * February (and no 30th). */
    check_days("0 0 30 2 1", at(2025, 3, 1, 0, 0, 0), feb_mondays, 5);

    /* A list that only starts with a number is restricted, whatever it
     * holds: "1,*" and "sun-sat" keep the OR rule. */
    c = parse("0 0 1,* * sun-sat");
    assert_false(c.days_any);
    assert_false(c.weekdays_any);
    NEXT_IS("0 0 1,* * sun-sat", at(2026, 2, 1, 0, 0, 0), "2026-02-02 00:00");
}

static void test_next_month_end(void **state)
{
    (void)state;
    NEXT_IS("0 0 31 * *", at(2025, 1, 31, 0, 0, 0), "2025-03-31 00:00");
    NEXT_IS("0 0 31 * *", at(2025, 3, 31, 0, 0, 0), "2025-05-31 00:00");
    NEXT_IS("0 0 1 * *", at(2025, 1, 31, 23, 59, 30), "2025-02-01 00:00");
    NEXT_IS("59 23 30 * *", at(2025, 1, 31, 0, 0, 0), "2025-03-30 23:59");
    NEXT_IS("30 12 28-31 2 *", at(2024, 2, 28, 12, 30, 0), "2024-02-29 12:30");
    NEXT_IS("30 12 28-31 2 *", at(2025, 2, 28, 12, 30, 0), "2026-02-28 12:30");
    NEXT_IS("*/20 * * * *", at(2025, 4, 30, 23, 50, 0), "2025-05-01 00:00");
    NEXT_IS("0 6 * 3 *", at(2025, 2, 28, 6, 0, 0), "2025-03-01 06:00");
    NEXT_IS("15 * 31 * *", at(2025, 8, 31, 23, 15, 0), "2025-10-31 00:15");
}

static void test_leap_days(void **state)
{
    (void)state;
    NEXT_IS("0 0 29 2 *", at(2025, 3, 1, 0, 0, 0), "2028-02-29 00:00");
    NEXT_IS("0 0 29 2 *", at(2024, 2, 28, 0, 0, 0), "2024-02-29 00:00");
    NEXT_IS("0 0 29 2 *", at(2024, 2, 29, 0, 0, 0), "2028-02-29 00:00");
    /* 2000 is a leap year (400), 1900 and 2100 are not (100). */
    NEXT_IS("0 0 29 2 *", at(1999, 3, 1, 0, 0, 0), "2000-02-29 00:00");
    NEXT_IS("0 0 29 2 *", at(1899, 3, 1, 0, 0, 0), "1904-02-29 00:00");
    NEXT_IS("0 0 29 2 *", at(2099, 3, 1, 0, 0, 0), "2104-02-29 00:00");
    /* 2096 to 2104 is eight years: beyond the horizon. */
    NEXT_IS("0 0 29 2 *", at(2096, 3, 1, 0, 0, 0), "-1");
    NEXT_IS("0 0 1 3 *", at(2100, 2, 28, 0, 0, 0), "2100-03-01 00:00");
    NEXT_IS("0 0 1 3 *", at(2000, 2, 28, 0, 0, 0), "2000-03-01 00:00");
    NEXT_IS("0 12 * 2 *", at(2024, 2, 28, 12, 0, 0), "2024-02-29 12:00");
    NEXT_IS("0 12 * 2 *", at(2100, 2, 28, 12, 0, 0), "2101-02-01 12:00");
    /* 2028-02-29 is a Tuesday. */
    NEXT_IS("0 0 * 2 tue", at(2028, 2, 28, 0, 0, 0), "2028-02-29 00:00");
}

static void test_year_end(void **state)
{
    (void)state;
    NEXT_IS("0 0 1 1 *", at(2025, 12, 31, 23, 59, 0), "2026-01-01 00:00");
    NEXT_IS("59 23 31 12 *", at(2025, 12, 31, 23, 59, 0), "2026-12-31 23:59");
    NEXT_IS("* * * * *", at(2025, 12, 31, 23, 59, 59), "2026-01-01 00:00");
    NEXT_IS("0 0 * * 1", at(2025, 12, 31, 0, 0, 0), "2026-01-05 00:00");
    NEXT_IS("30 2 * 12 *", at(2025, 12, 31, 3, 0, 0), "2026-12-01 02:30");
    NEXT_IS("0 0 1 1 *", at(1969, 12, 31, 23, 59, 59), "1970-01-01 00:00");
}

static void test_strictly_after(void **state)
{
    struct cw_cron c = parse("* * * * *");
    long long t = at(2025, 6, 15, 10, 0, 0);
    char buf[32];
    (void)state;

    assert_true(cw_cron_next(&c, t) == t + 60);
    assert_true(cw_cron_next(&c, t + 1) == t + 60);
    assert_true(cw_cron_next(&c, t + 59) == t + 60);
    assert_true(cw_cron_next(&c, t - 1) == t);
    NEXT_IS("0 10 * * *", t, "2025-06-16 10:00");
    NEXT_IS("0 10 * * *", t - 1, "2025-06-15 10:00");
    NEXT_IS("0 10 * * *", t + 30, "2025-06-16 10:00");
    NEXT_IS("1 10 * * *", t + 30, "2025-06-15 10:01");
    NEXT_IS("0,30 10 * * *", t, "2025-06-15 10:30");
    NEXT_IS("0 10,11 * * *", t + 30, "2025-06-15 11:00");
    /* A later hour starts from its first minute, not from the minute the
     * search was at. */
    NEXT_IS("5 10 * * *", at(2025, 6, 15, 9, 30, 0), "2025-06-15 10:05");
    NEXT_IS("5,45 */2 * * *", at(2025, 6, 15, 9, 50, 0), "2025-06-15 10:05");
    /* Negative times (before 1970) round down, not towards zero. */
    assert_true(cw_cron_next(&c, -1) == 0);
    assert_true(cw_cron_next(&c, -60) == 0);
    assert_true(cw_cron_next(&c, -61) == -60);
    assert_true(cw_cron_next(&c, -119) == -60);
    assert_string_equal(when(cw_cron_next(&c, t), buf, sizeof(buf)),
                        "2025-06-15 10:01");
}

static void test_never(void **state)
{
    struct cw_cron c;
    (void)state;
    NEXT_IS("0 0 31 4 *", at(2025, 1, 1, 0, 0, 0), "-1");
    NEXT_IS("0 0 30 2 *", at(2025, 1, 1, 0, 0, 0), "-1");
    NEXT_IS("0 0 30,31 2 *", at(2025, 1, 1, 0, 0, 0), "-1");
    NEXT_IS("0 0 31 2,4,6,9,11 *", at(2025, 1, 1, 0, 0, 0), "-1");
    NEXT_IS("0 0 31 4 *", -1, "-1");

    /* Outside years 1 to 9999, and no schedule. */
    c = parse("* * * * *");
    assert_true(cw_cron_next(NULL, 0) == -1);
    assert_true(cw_cron_next(&c, -62135596800LL) == -62135596740LL);
    assert_true(cw_cron_next(&c, -62135596801LL) == -1);
    assert_true(cw_cron_next(&c, 253402300799LL) == 253402300800LL);
    assert_true(cw_cron_next(&c, 253402300800LL) == -1);
    assert_true(cw_cron_next(&c, (long long)(~0ULL >> 1)) == -1);
    assert_true(cw_cron_next(&c, -(long long)(~0ULL >> 1) - 1) == -1);

    /* A hand-built schedule: empty sets and bits out of range. */
    c.minutes = 0;
    assert_true(cw_cron_next(&c, 0) == -1);
    c.minutes = ~ALL_MINUTES;
    assert_true(cw_cron_next(&c, 0) == -1);
    c = parse("* * * * *");
    c.days = 1; /* bit 0: no day */
    assert_true(cw_cron_next(&c, 0) == -1);
    c.weekdays = 0;
    c.days = 0xfffffffe;
    assert_true(cw_cron_next(&c, 0) == -1);
    c = parse("* * * * *");
    c.months = 0xe001; /* bits 0, 13-15: no month */
    assert_true(cw_cron_next(&c, 0) == -1);
}

/* ---- errors ------------------------------------------------------------ */

struct bad {
    const char *expr;
    unsigned col;
    const char *msg;
};

static void test_errors(void **state)
{
    static const struct bad cases[] = {
        { "", 1,
          "empty cron expression: expected 5 fields (minute hour day month "
          "weekday) or a macro such as @daily" },
        { " \t ", 4,
          "empty cron expression: expected 5 fields (minute hour day month "
          "weekday) or a macro such as @daily" },
        { "* * * *", 8,
          "expected 5 fields (minute hour day month weekday), got 4" },
        { "0", 2, "expected 5 fields (minute hour day month weekday), got 1" },
        { "* * * *   ", 8,
          "expected 5 fields (minute hour day month weekday), got 4" },
        { "* * * * * *", 11,
          "expected 5 fields (minute hour day month weekday), got 6" },
        { "0 0 * * * run-scan now", 11,
          "expected 5 fields (minute hour day month weekday), got 7" },
        { "61 * * * *", 1, "minute: 61 is out of range 0-59" },
        { "60 * * * *", 1, "minute: 60 is out of range 0-59" },
        { "* 24 * * *", 3, "hour: 24 is out of range 0-23" },
        { "* * 0 * *", 5, "day: 0 is out of range 1-31" },
        { "* * 32 * *", 5, "day: 32 is out of range 1-31" },
        { "* * * 13 *", 7, "month: 13 is out of range 1-12" },
        { "* * * 0 *", 7, "month: 0 is out of range 1-12" },
        { "* * * * 8", 9, "weekday: 8 is out of range 0-7" },
        { "1-60 * * * *", 3, "minute: 60 is out of range 0-59" },
        { "99999999999999999999 * * * *", 1,
          "minute: 99999999999999999999 is out of range 0-59" },
        { "123456789012345678901234567890 * * * *", 1,
          "minute: 123456789012345678901234... is out of range 0-59" },
        { "*/0 * * * *", 3, "minute: a step of 0 is out of range 1-60" },
        { "*/61 * * * *", 3, "minute: a step of 61 is out of range 1-60" },
        { "0 */25 * * *", 5, "hour: a step of 25 is out of range 1-24" },
        { "0 0 1-31/0 * *", 10, "day: a step of 0 is out of range 1-31" },
        { "0 0 * */13 *", 9, "month: a step of 13 is out of range 1-12" },
        { "0 0 * * */8", 11, "weekday: a step of 8 is out of range 1-7" },
        { "*/ * * * *", 3,
          "minute: expected a step (a number) after '/', got the end of the "
          "field" },
        { "*/x * * * *", 3,
          "minute: expected a step (a number) after '/', got 'x'" },
        { "*/5/2 * * * *", 4, "minute: unexpected '/' after '*/5'" },
        { "5-1 * * * *", 1,
          "minute: 5-1 runs backwards (its start is above its end)" },
        { "0 0 * * fri-mon", 9,
          "weekday: fri-mon runs backwards (its start is above its end)" },
        { "0 0 * dec-jan *", 7,
          "month: dec-jan runs backwards (its start is above its end)" },
        { "0 0 * * 7-1", 9,
          "weekday: 7-1 runs backwards (its start is above its end)" },
        { "0 23-1 * * *", 3,
          "hour: 23-1 runs backwards (its start is above its end)" },
        { "1,,2 * * * *", 3, "minute: nothing between commas" },
        { ",1 * * * *", 1, "minute: nothing before ','" },
        { "1, * * * *", 2, "minute: nothing after ','" },
        { "0 0 * * mon,", 12, "weekday: nothing after ','" },
        { "0 0 1,,15 * *", 7, "day: nothing between commas" },
        { "1-5-7 * * * *", 4, "minute: unexpected '-' after '1-5'" },
        { "*-5 * * * *", 2, "minute: unexpected '-' after '*'" },
        { "5x * * * *", 2, "minute: unexpected 'x' after '5'" },
        { "1-5,7x * * * *", 6, "minute: unexpected 'x' after '7'" },
        { "jan * * * *", 1, "minute: expected '*' or a number 0-59, got 'j'" },
        { "-5 * * * *", 1, "minute: expected '*' or a number 0-59, got '-'" },
        { "0 @daily * * *", 3, "hour: expected '*' or a number 0-23, got '@'" },
        { "0 0 L * *", 5, "day: expected '*' or a number 1-31, got 'L'" },
        { "0 0 ? * *", 5, "day: expected '*' or a number 1-31, got '?'" },
        { "0 0 * ? *", 7,
          "month: expected '*' or a number 1-12 or a month name (jan-dec), "
          "got '?'" },
        { "0 0 * janu *", 7, "month: 'janu' is not a month name (jan-dec)" },
        { "0 0 * ja *", 7, "month: 'ja' is not a month name (jan-dec)" },
        { "0 0 * * sunday", 9,
          "weekday: 'sunday' is not a day name (sun-sat)" },
        { "0 0 * * mon-xyz", 13, "weekday: 'xyz' is not a day name (sun-sat)" },
        { "1- * * * *", 3,
          "minute: expected a number 0-59 after '-', got the end of the "
          "field" },
        { "1-* * * * *", 3,
          "minute: expected a number 0-59 after '-', got '*'" },
        { "0 0 * * 1-", 11,
          "weekday: expected a number 0-7 or a day name (sun-sat) after '-', "
          "got the end of the field" },
        { "0 0 * * 1\n", 10, "weekday: unexpected byte 0x0a after '1'" },
        { "0 0 * * 1\r", 10, "weekday: unexpected byte 0x0d after '1'" },
        { "0\n0 * * *", 10,
          "expected 5 fields (minute hour day month weekday), got 4" },
        { "0 0 \xc3\xa9 * *", 5,
          "day: expected '*' or a number 1-31, got byte 0xc3" },
        { "@reboot", 1,
          "unknown macro '@reboot': expected @yearly, @annually, @monthly, "
          "@weekly, @daily, @midnight or @hourly" },
        { "@", 1,
          "unknown macro '@': expected @yearly, @annually, @monthly, "
          "@weekly, @daily, @midnight or @hourly" },
        { "  @dailyx", 3,
          "unknown macro '@dailyx': expected @yearly, @annually, @monthly, "
          "@weekly, @daily, @midnight or @hourly" },
        { "@daily\x01", 1,
          "unknown macro '@daily?': expected @yearly, @annually, @monthly, "
          "@weekly, @daily, @midnight or @hourly" },
        { "  @daily x", 10, "@daily stands alone: unexpected 'x' after it" },
        { "@hourly 0 * * * *", 9,
          "@hourly stands alone: unexpected '0' after it" },
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct bad *b = &cases[i];
        struct cw_cron c, before;
        struct cw_diag d;
        enum cw_status st;

        memset(&c, 0x5a, sizeof(c));
        before = c;
        cw_diag_clear(&d);
        st = cw_cron_parse(b->expr, &c, &d);
        if (st != CW_EPARSE || d.col != b->col || d.line != 1 ||
            strcmp(d.msg, b->msg) != 0)
            fail_msg("'%s': got %s, column %u, \"%s\"; want EPARSE, column "
                     "%u, \"%s\"",
                     b->expr, cw_status_name(st), d.col, d.msg, b->col, b->msg);
        /* Nothing written on error. */
        assert_memory_equal(&c, &before, sizeof(c));
        /* The same without a diag. */
        assert_int_equal(cw_cron_parse(b->expr, &c, NULL), CW_EPARSE);
    }
}

static void test_limits(void **state)
{
    char buf[CW_CRON_MAX + 1], raw[CW_CRON_MAX + 1];
    struct cw_cron c;
    struct cw_diag d;
    size_t n;
    (void)state;

    /* 256 bytes: a long minute list, still read. */
    memset(buf, 0, sizeof(buf));
    n = 0;
    while (n + 2 < CW_CRON_MAX - 8)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "7,");
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "7 * * * *");
    while (n < CW_CRON_MAX)
        buf[n++] = ' ';
    assert_int_equal(strlen(buf), CW_CRON_MAX);
    c = parse(buf);
    assert_true(c.minutes == bits(7, 7, 1));

    /* 257: refused, with the column of the first byte too many. */
    cw_diag_clear(&d);
    memcpy(raw, buf, CW_CRON_MAX);
    raw[CW_CRON_MAX] = ' ';
    /* raw is not NUL-terminated: nothing past its 257 bytes is read. */
    assert_int_equal(cw_cron_parse(raw, &c, &d), CW_ELIMIT);
    assert_int_equal(d.col, CW_CRON_MAX + 1);
    assert_string_equal(d.msg, "a cron expression is at most 256 bytes");

    assert_int_equal(cw_cron_parse(NULL, &c, &d), CW_EINVAL);
    assert_int_equal(cw_cron_parse("* * * * *", NULL, &d), CW_EINVAL);
    assert_int_equal(cw_cron_parse("* * * * *", &c, NULL), CW_OK);
}

/* ---- cross-check against a minute-by-minute search ------------------- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    /* xorshift64*: reproducible from the seed, whatever the libc. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

/* A field's domain for the generator: what may be written, where '*'
 * stops, and its names. */
struct dom {
    unsigned lo, hi, last;
    const char *const *names;
    unsigned name0, name_count;
};

static const char *const mnames[] = {
    "jan", "FEB", "Mar", "apr", "may", "jun",
    "jul", "aug", "sep", "oct", "nov", "dec"
};
static const char *const dnames[] = { "sun", "Mon", "tue", "WED",
                                      "thu", "fri", "sat" };
static const struct dom doms[5] = {
    { 0, 59, 59, NULL, 0, 0 }, { 0, 23, 23, NULL, 0, 0 },
    { 1, 31, 31, NULL, 0, 0 }, { 1, 12, 12, mnames, 1, 12 },
    { 0, 7, 6, dnames, 0, 7 },
};

/* Writes value v of field f, as a name now and then. */
static size_t put_value(char *out, size_t n, const struct dom *f, unsigned v)
{
    if (f->names && v >= f->name0 && v - f->name0 < f->name_count &&
        rnd(3) == 0)
        return (size_t)snprintf(out, n, "%s", f->names[v - f->name0]);
    return (size_t)snprintf(out, n, "%u", v);
}

/* Writes a random field, and the set of its values into *set (weekday
 * 7 folded onto 0 by the caller); '*' (with a step one time in three)
 * `star` times in 12. */
static size_t gen_field(char *out, size_t n, const struct dom *f,
                        uint32_t star_odds, uint64_t *set, bool *star)
{
    unsigned items = 1 + rnd(3), i, span = f->last - f->lo + 1;
    size_t len = 0;

    *set = 0;
    *star = false;
    if (rnd(12) < star_odds) {
        unsigned step = rnd(3) ? 1 : 1 + rnd(span);
        *star = true;
        if (step == 1)
            len += (size_t)snprintf(out, n, "*");
        else
            len += (size_t)snprintf(out, n, "*/%u", step);
        *set = bits(f->lo, f->last, step);
        return len;
    }
    for (i = 0; i < items; i++) {
        unsigned a = f->lo + rnd(f->hi - f->lo + 1), b, step, kind = rnd(5);
        if (i)
            len += (size_t)snprintf(out + len, n - len, ",");
        len += put_value(out + len, n - len, f, a);
        if (kind == 0) { /* N */
            *set |= bits(a, a, 1);
            continue;
        }
        if (kind == 4) { /* N/S */
            step = 1 + rnd(span);
            len += (size_t)snprintf(out + len, n - len, "/%u", step);
            *set |= bits(a, a > f->last ? a : f->last, step);
            continue;
        }
        b = a + rnd(f->hi - a + 1); /* N-M, N-M/S */
        len += (size_t)snprintf(out + len, n - len, "-");
        len += put_value(out + len, n - len, f, b);
        step = kind == 1 ? 1 + rnd(span) : 1;
        if (kind == 1)
            len += (size_t)snprintf(out + len, n - len, "/%u", step);
        *set |= bits(a, b, step);
    }
    return len;
}

struct expect {
    uint64_t set[5];
    bool any[5];
};

static bool naive_match(const struct expect *e, long long t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    bool dom, dow;
    if (!gmtime_r(&tt, &tm))
        abort();
    if (!(e->set[0] >> tm.tm_min & 1) || !(e->set[1] >> tm.tm_hour & 1) ||
        !(e->set[3] >> (tm.tm_mon + 1) & 1))
        return false;
    dom = e->set[2] >> tm.tm_mday & 1;
    dow = e->set[4] >> tm.tm_wday & 1;
    return (e->any[2] || e->any[4]) ? dom && dow : dom || dow;
}

/* The first matching minute after `after`, searched one minute at a time
 * for a year; -1 when there is none in that year. */
static long long naive_next(const struct expect *e, long long after)
{
    long long t = (after / 60 + 1) * 60, end = after + 366LL * 86400;
    for (; t <= end; t += 60)
        if (naive_match(e, t))
            return t;
    return -1;
}

/* A random start: a year from 1971 to 2099, near a month's end one time
 * in two, with seconds. */
static long long random_start(void)
{
    static const int mdays[] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };
    int y = 1971 + (int)rnd(129), mo = 1 + (int)rnd(12), d;
    int last = mdays[mo - 1] +
               (mo == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
    d = rnd(2) ? last - (int)rnd(2) : 1 + (int)rnd((uint32_t)last);
    return at(y, mo, d, (int)rnd(24), (int)rnd(60), (int)rnd(60));
}

static void cross_check(const char *expr, const struct expect *e,
                        long long start, unsigned rounds)
{
    struct cw_cron c = parse(expr);
    char b1[32], b2[32], b3[32];
    unsigned k;
    long long after = start;

    for (k = 0; k < rounds; k++) {
        long long got = cw_cron_next(&c, after), want = naive_next(e, after);
        /* The naive search stops after a year; past that, only "later
         * than a year" can be checked. */
        if (want == -1 ? got != -1 && got <= after + 366LL * 86400
                       : got != want)
            fail_msg("'%s' after %s: got %s, want %s", expr,
                     when(after, b1, sizeof(b1)), when(got, b2, sizeof(b2)),
                     when(want, b3, sizeof(b3)));
        if (want == -1)
            return;
        after = want;
        if (rnd(2))
            after += rnd(60);
    }
}

static void test_cross_check(void **state)
{
    const char *seed = getenv("CW_CRON_SEED");
    /* Minutes and hours sparse more often than days and months, so that
     * matches are hours to months apart as often as minutes. */
    static const uint32_t star_odds[5] = { 2, 3, 5, 6, 5 };
    unsigned i, f, checked = 0;
    (void)state;

    rng_state = seed ? strtoull(seed, NULL, 10) * 2654435761u + 1
                     : 0x9e3779b97f4a7c15ULL;
    for (i = 0; i < 100; i++) {
        char expr[CW_CRON_MAX + 1];
        struct expect e;
        struct cw_cron c;
        size_t n = 0;

        for (f = 0; f < 5; f++) {
            if (f)
                expr[n++] = rnd(4) ? ' ' : '\t';
            n += gen_field(expr + n, sizeof(expr) - n, &doms[f], star_odds[f],
                           &e.set[f], &e.any[f]);
        }
        expr[n] = '\0';
        e.set[4] = (e.set[4] | e.set[4] >> 7) & 0x7f;
        /* The parser's sets are the generator's. */
        c = parse(expr);
        if (c.minutes != e.set[0] || c.hours != e.set[1] ||
            c.days != e.set[2] || c.months != e.set[3] ||
            c.weekdays != e.set[4] || c.days_any != e.any[2] ||
            c.weekdays_any != e.any[4])
            fail_msg("'%s': sets differ from the generator's", expr);
        cross_check(expr, &e, random_start(), 5);
        checked++;
    }
    /* Fixed ones that reach across month and year ends. */
    {
        struct expect e;
        memset(&e, 0, sizeof(e));
        e.set[0] = 1;
        e.set[1] = 1;
        e.set[2] = bits(29, 31, 1);
        e.set[3] = bits(1, 12, 1) & ~bits(1, 1, 1);
        e.set[4] = 0x7f;
        e.any[4] = true;
        cross_check("0 0 29-31 feb-dec *", &e, at(2023, 12, 30, 0, 0, 0), 12);
        cross_check("0 0 29-31 feb-dec *", &e, at(2024, 1, 15, 0, 0, 0), 12);
        checked++;
    }
    assert_int_equal(checked, 101);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_names_and_sunday),
        cmocka_unit_test(test_macros),
        cmocka_unit_test(test_or_rule),
        cmocka_unit_test(test_next_month_end),
        cmocka_unit_test(test_leap_days),
        cmocka_unit_test(test_year_end),
        cmocka_unit_test(test_strictly_after),
        cmocka_unit_test(test_never),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_cross_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
