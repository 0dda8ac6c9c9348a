/* test_clock.c - the registers' calendar: strict RFC 3339 parsing (every
 * kind of bad input refused), Hinnant's calendar against a day-by-day
 * reference walk, real zones from the system's tzdata (Europe/Dublin,
 * America/New_York and friends: offsets, N days across the changes to and
 * from summer time, the spring gap moved forward, the autumn hour taken
 * at its first occurrence), zone names, and the TZif reader on hostile
 * files: hand-built ones with one field broken each, every truncation of
 * a real file, random corruption and failing allocations, all ending in a
 * clean error. The system zones need tzdata: without it the tests fail
 * and say so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/registers/clock.h"

#include "helpers.h"

#define DAY  86400LL
#define HOUR 3600LL

/* Instants used below, from `date -u -d ... +%s`. */
#define T_2026_03_20_10Z 1774000800LL /* 2026-03-20T10:00:00Z */
#define T_DUB_SPRING     1774746000LL /* 2026-03-29T01:00:00Z */
#define T_DUB_AUTUMN     1792890000LL /* 2026-10-25T01:00:00Z */
#define T_NY_SPRING      1772953200LL /* 2026-03-08T07:00:00Z */
#define T_NY_AUTUMN      1793512800LL /* 2026-11-01T06:00:00Z */
#define T_WINTER         1768478400LL /* 2026-01-15T12:00:00Z */
#define T_SUMMER         1784116800LL /* 2026-07-15T12:00:00Z */

/* ---- helpers ----------------------------------------------------------- */

/* A system zone; fails the test, saying why, when it cannot be loaded. */
static struct cw__tz *zone(const char *name)
{
    struct cw__tz *tz = NULL;
    struct cw_diag d;
    enum cw_status st;

    memset(&d, 0, sizeof(d));
    st = cw__tz_load(name, &tz, &d);
    if (st || !tz) {
        print_error("cannot load time zone %s: %s (%s); tzdata must be "
                    "installed in /usr/share/zoneinfo\n",
                    name, cw_status_name(st), d.msg);
        fail();
    }
    assert_string_equal(cw__tz_name(tz), name);
    return tz;
}

static long long parse(const char *s, const struct cw__tz *tz)
{
    long long t = 0;
    if (!cw__time_parse(s, tz, &t, NULL)) {
        print_error("'%s' refused\n", s);
        fail();
    }
    return t;
}

static void expect_format(const struct cw__tz *tz, long long t,
                          const char *want)
{
    char out[32];
    cw__time_format(tz, t, out);
    if (strcmp(out, want) != 0) {
        print_error("%s at %lld: got %s, expected %s\n", cw__tz_name(tz), t,
                    out, want);
        fail();
    }
}

static long long day_of(long long y, unsigned m, unsigned d)
{
    return cw__days_from_civil(y, m, d);
}

static bool is_leap(long long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* ---- calendar ---------------------------------------------------------- */

/* Known anchors, then every day from 0000-03-01 to 2600-12-31 walked one
 * at a time with a plain month-length table: both directions agree. */
static void civil_days(void **state)
{
    static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31 };
    long long y = 0, z = -719468, gy;
    unsigned m = 3, d = 1, gm, gd;

    (void)state;
    assert_int_equal(day_of(1970, 1, 1), 0);
    assert_int_equal(day_of(1969, 12, 31), -1);
    assert_int_equal(day_of(2000, 3, 1), 11017);
    assert_int_equal(day_of(2026, 3, 20), T_2026_03_20_10Z / DAY);
    assert_int_equal(day_of(0, 3, 1), -719468);
    while (y <= 2600) {
        if (day_of(y, m, d) != z) {
            print_error("%lld-%u-%u: %lld, expected %lld\n", y, m, d,
                        day_of(y, m, d), z);
            fail();
        }
        cw__civil_from_days(z, &gy, &gm, &gd);
        if (gy != y || gm != m || gd != d) {
            print_error("day %lld: %lld-%u-%u, expected %lld-%u-%u\n", z, gy,
                        gm, gd, y, m, d);
            fail();
        }
        z++;
        if (++d > mdays[m - 1] + (m == 2 && is_leap(y))) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    /* Absurd arguments are clamped, never undefined behaviour (UBSan). */
    (void)cw__days_from_civil(LLONG_MAX, 13, UINT_MAX);
    (void)cw__days_from_civil(LLONG_MIN, 0, 0);
    cw__civil_from_days(LLONG_MAX, &gy, &gm, &gd);
    cw__civil_from_days(LLONG_MIN, &gy, &gm, &gd);
}

/* ---- parsing ----------------------------------------------------------- */

static void parse_valid(void **state)
{
    static const struct {
        const char *s;
        long long t;
        bool date_only;
    } cases[] = {
        { "1970-01-01T00:00:00Z", 0, false },
        { "1970-01-01", 0, true },
        { "1970-01-01T00:00:00+01:00", -3600, false },
        { "2026-03-20T10:00:00Z", T_2026_03_20_10Z, false },
        { "2026-03-20t10:00:00z", T_2026_03_20_10Z, false },
        { "2026-03-20 10:00:00Z", T_2026_03_20_10Z, false },
        { "2026-03-20T10:00:00.5Z", T_2026_03_20_10Z, false },
        { "2026-03-20T10:00:00.123456789012Z", T_2026_03_20_10Z, false },
        { "2026-03-20T10:00:00+00:00", T_2026_03_20_10Z, false },
        { "2026-03-20T10:00:00-00:00", T_2026_03_20_10Z, false },
        { "2026-03-20T05:00:00-05:00", T_2026_03_20_10Z, false },
        { "2026-03-20T15:30:00+05:30", T_2026_03_20_10Z, false },
        { "2026-03-21T09:59:00+23:59", T_2026_03_20_10Z, false },
        { "2026-03-19T10:01:00-23:59", T_2026_03_20_10Z, false },
        { "2026-03-20T10:00:59.999Z", T_2026_03_20_10Z + 59, false },
        { "2026-03-20", T_2026_03_20_10Z - 10 * HOUR, true },
        { "2024-02-29", 1709164800, true },
        { "2024-02-29T00:00:00Z", 1709164800, false },
        { "2000-02-29T00:00:00Z", 951782400, false },
        { "9999-12-31T23:59:59Z", 253402300799, false },
        /* leap seconds: the last second of a month in UTC, read as :59 */
        { "2016-12-31T23:59:60Z", 1483228799, false },
        { "2016-12-31T15:59:60-08:00", 1483228799, false },
        { "2017-01-01T00:59:60+01:00", 1483228799, false },
        { "2016-12-31T23:59:60.25Z", 1483228799, false },
        { "2015-06-30T23:59:60Z", 1435708799, false },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long long t = -42;
        bool date_only = !cases[i].date_only;
        if (!cw__time_parse(cases[i].s, NULL, &t, &date_only) ||
            t != cases[i].t || date_only != cases[i].date_only) {
            print_error("'%s': got %lld (date only %d), expected %lld\n",
                        cases[i].s, t, date_only, cases[i].t);
            fail();
        }
        /* date_only may be NULL */
        assert_true(cw__time_parse(cases[i].s, NULL, &t, NULL));
    }
}

static void parse_invalid(void **state)
{
    static const char *const cases[] = {
        "",
        "2026",
        "2026-01",
        "2026-02-29",
        "2026-02-29T00:00:00Z",
        "2026-02-30",
        "1900-02-29",
        "2100-02-29T00:00:00Z",
        "2026-04-31",
        "2026-06-31",
        "2026-09-31",
        "2026-11-31",
        "2026-01-32",
        "2026-13-01",
        "2026-00-01",
        "2026-01-00",
        "1969-12-31",
        "1969-12-31T23:59:59Z",
        "0000-01-01",
        "10000-01-01",
        "2026-1-01",
        "2026-01-1",
        "26-01-01",
        "2026/01/01",
        "2026-01-01x",
        "2026-01-01 ",
        " 2026-01-01",
        "+2026-01-01",
        "-2026-01-01",
        "2026-01-01T",
        "2026-01-01T12:00:00",
        "2026-01-01T12:00Z",
        "2026-01-01T12Z",
        "2026-01-01X12:00:00Z",
        "2026-01-01_12:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T23:60:00Z",
        "2026-01-01T23:59:61Z",
        "2026-01-01T99:00:00Z",
        "2026-01-01T1:00:00Z",
        "2026-01-01T12:0:00Z",
        "2026-01-01T12:00:0Z",
        "2026-01-01T-1:00:00Z",
        "2026-01-01T12:00:00ZZ",
        "2026-01-01T12:00:00Z ",
        "2026-01-01T12:00:00Zjunk",
        "2026-01-01T12:00:00 Z",
        "2026-01-01T12:00:00UTC",
        "2026-01-01T12:00:00.Z",
        "2026-01-01T12:00:00.5",
        "2026-01-01T12:00:00,5Z",
        "2026-01-01T12:00:00..5Z",
        "2026-01-01T12:00:00+24:00",
        "2026-01-01T12:00:00+01:60",
        "2026-01-01T12:00:00+1:00",
        "2026-01-01T12:00:00+0100",
        "2026-01-01T12:00:00+01",
        "2026-01-01T12:00:00+01:00:00",
        "2026-01-01T12:00:00+01:00x",
        "2026-01-01T12:00:00+01:0",
        "2026-01-01T12:00:00 +01:00",
        "2026-01-01T12:00:00\xef\xbc\xba",
        "\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x96-01-01",
        /* :60 that is not the last second of a month in UTC */
        "2026-01-01T12:00:60Z",
        "2016-12-30T23:59:60Z",
        "2016-12-31T22:59:60Z",
        "2016-12-31T23:58:60Z",
        "2016-12-31T23:59:60+01:00",
        "2016-11-30T23:59:60-00:30",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long long t = -42;
        bool date_only = true;
        if (cw__time_parse(cases[i], NULL, &t, &date_only)) {
            print_error("'%s' accepted as %lld\n", cases[i], t);
            fail();
        }
    }
    assert_false(cw__time_parse(NULL, NULL, &(long long){ 0 }, NULL));
}

/* ---- UTC --------------------------------------------------------------- */

/* UTC and Etc/UTC are built in: they load even from an empty TZDIR. */
static void utc_zone(void **state)
{
    const char *dir = *state;
    struct cw__tz *utc, *etc;
    char out[32];
    long long t = T_2026_03_20_10Z;

    (void)dir;
    utc = zone("UTC");
    etc = zone("Etc/UTC");
    assert_int_equal(cw__tz_offset(utc, t), 0);
    assert_int_equal(cw__tz_offset(etc, T_SUMMER), 0);
    assert_int_equal(cw__tz_offset(NULL, T_SUMMER), 0);
    assert_string_equal(cw__tz_name(NULL), "UTC");
    assert_int_equal(cw__add_days(utc, t, 30), t + 30 * DAY);
    assert_int_equal(cw__add_days(utc, t, -400), t - 400 * DAY);
    assert_int_equal(cw__add_days(NULL, t, 1), t + DAY);
    assert_int_equal(cw__add_days(utc, t, 0), t);
    assert_int_equal(cw__tz_local(utc, T_2026_03_20_10Z / DAY, 36000), t);
    assert_int_equal(cw__tz_local(etc, 0, -1), -1);
    assert_int_equal(cw__tz_local(NULL, 20532, 86399), 20532 * DAY + 86399);
    assert_int_equal(parse("2026-03-20", utc), t - 10 * HOUR);
    expect_format(utc, t, "2026-03-20T10:00:00Z");
    expect_format(NULL, 0, "1970-01-01T00:00:00Z");
    expect_format(etc, 253402300799, "9999-12-31T23:59:59Z");
    /* the 30 days to the end of February in a leap year and not */
    expect_format(utc,
                  cw__add_days(utc, parse("2024-01-30T08:00:00Z", utc), 30),
                  "2024-02-29T08:00:00Z");
    expect_format(utc,
                  cw__add_days(utc, parse("2026-01-30T08:00:00Z", utc), 30),
                  "2026-03-01T08:00:00Z");
    /* absurd arguments stay defined and the string stays in its 32 bytes */
    cw__time_format(utc, LLONG_MAX, out);
    assert_true(strlen(out) < 32);
    cw__time_format(utc, LLONG_MIN, out);
    assert_true(strlen(out) < 32);
    (void)cw__add_days(utc, LLONG_MAX, LONG_MAX);
    (void)cw__add_days(utc, LLONG_MIN, LONG_MIN);
    (void)cw__tz_local(utc, LLONG_MAX, LONG_MAX);
    (void)cw__tz_local(utc, LLONG_MIN, LONG_MIN);
    cw__tz_free(utc);
    cw__tz_free(etc);
    cw__tz_free(NULL);
}

/* ---- real zones -------------------------------------------------------- */

static void zone_offsets(void **state)
{
    struct cw__tz *dub = zone("Europe/Dublin");
    struct cw__tz *ny = zone("America/New_York");

    (void)state;
    assert_int_equal(cw__tz_offset(dub, T_WINTER), 0);
    assert_int_equal(cw__tz_offset(dub, T_SUMMER), 3600);
    assert_int_equal(cw__tz_offset(dub, T_DUB_SPRING - 1), 0);
    assert_int_equal(cw__tz_offset(dub, T_DUB_SPRING), 3600);
    assert_int_equal(cw__tz_offset(dub, T_DUB_AUTUMN - 1), 3600);
    assert_int_equal(cw__tz_offset(dub, T_DUB_AUTUMN), 0);
    assert_int_equal(cw__tz_offset(ny, T_WINTER), -5 * 3600);
    assert_int_equal(cw__tz_offset(ny, T_SUMMER), -4 * 3600);
    assert_int_equal(cw__tz_offset(ny, T_NY_SPRING - 1), -5 * 3600);
    assert_int_equal(cw__tz_offset(ny, T_NY_SPRING), -4 * 3600);
    assert_int_equal(cw__tz_offset(ny, T_NY_AUTUMN - 1), -4 * 3600);
    assert_int_equal(cw__tz_offset(ny, T_NY_AUTUMN), -5 * 3600);
    /* 2036 is still in the file (Debian's tzdata is "fat") */
    assert_int_equal(cw__tz_offset(dub, parse("2036-07-01T00:00:00Z", NULL)),
                     3600);
    assert_int_equal(cw__tz_offset(ny, parse("2036-12-01T00:00:00Z", NULL)),
                     -5 * 3600);
    expect_format(dub, T_SUMMER, "2026-07-15T13:00:00+01:00");
    expect_format(dub, T_WINTER, "2026-01-15T12:00:00Z");
    expect_format(ny, T_SUMMER, "2026-07-15T08:00:00-04:00");
    expect_format(ny, T_WINTER, "2026-01-15T07:00:00-05:00");
    cw__tz_free(dub);
    cw__tz_free(ny);
}

/* A day clock ends at the same wall time N local days later: 23 hours
 * shorter than N x 24 across the spring change, 25 across the autumn. */
static void add_days_across_changes(void **state)
{
    struct cw__tz *dub = zone("Europe/Dublin");
    struct cw__tz *ny = zone("America/New_York");
    long long t, end;

    (void)state;
    t = parse("2026-03-20T10:00:00Z", NULL); /* 10:00 GMT in Dublin */
    end = cw__add_days(dub, t, 30);
    expect_format(dub, end, "2026-04-19T10:00:00+01:00");
    assert_int_equal(end - t, 30 * 24 * HOUR - HOUR);
    assert_int_equal(cw__add_days(dub, end, -30), t);

    t = parse("2026-10-10T10:00:00+01:00", NULL);
    end = cw__add_days(dub, t, 30);
    expect_format(dub, end, "2026-11-09T10:00:00Z");
    assert_int_equal(end - t, 30 * 24 * HOUR + HOUR);
    assert_int_equal(cw__add_days(dub, end, -30), t);

    t = parse("2026-03-01T09:00:00-05:00", NULL);
    end = cw__add_days(ny, t, 30);
    expect_format(ny, end, "2026-03-31T09:00:00-04:00");
    assert_int_equal(end - t, 30 * 24 * HOUR - HOUR);

    t = parse("2026-10-20T23:30:00-04:00", NULL);
    end = cw__add_days(ny, t, 30);
    expect_format(ny, end, "2026-11-19T23:30:00-05:00");
    assert_int_equal(end - t, 30 * 24 * HOUR + HOUR);

    /* a day that does not cross a change is 24 hours; a year is 365 days */
    t = parse("2026-07-01T00:00:00+01:00", NULL);
    assert_int_equal(cw__add_days(dub, t, 1) - t, 24 * HOUR);
    expect_format(dub, cw__add_days(dub, t, 365), "2027-07-01T00:00:00+01:00");
    /* the same instant, another zone's calendar: 1 day in New York is 23
     * hours here when New York changes that night and Dublin does not */
    t = parse("2026-03-07T12:00:00-05:00", NULL);
    assert_int_equal(cw__add_days(ny, t, 1) - t, 23 * HOUR);
    assert_int_equal(cw__add_days(dub, t, 1) - t, 24 * HOUR);
    cw__tz_free(dub);
    cw__tz_free(ny);
}

/* A wall time skipped in spring is moved forward by the gap. */
static void spring_gap_moves_forward(void **state)
{
    struct cw__tz *dub = zone("Europe/Dublin");
    struct cw__tz *ny = zone("America/New_York");
    struct cw__tz *lh = zone("Australia/Lord_Howe");
    long long t;

    (void)state;
    /* Dublin, 2026-03-29: 01:00 GMT becomes 02:00 IST */
    t = cw__tz_local(dub, day_of(2026, 3, 29), 1 * 3600 + 30 * 60);
    expect_format(dub, t, "2026-03-29T02:30:00+01:00");
    assert_int_equal(t, T_DUB_SPRING + 30 * 60);
    t = cw__tz_local(dub, day_of(2026, 3, 29), 1 * 3600);
    assert_int_equal(t, T_DUB_SPRING);
    expect_format(dub, t, "2026-03-29T02:00:00+01:00");
    t = cw__tz_local(dub, day_of(2026, 3, 29), 1 * 3600 - 1);
    assert_int_equal(t, T_DUB_SPRING - 1);
    expect_format(dub, t, "2026-03-29T00:59:59Z");
    /* New York, 2026-03-08: 02:00 EST becomes 03:00 EDT */
    t = cw__tz_local(ny, day_of(2026, 3, 8), 2 * 3600 + 30 * 60);
    expect_format(ny, t, "2026-03-08T03:30:00-04:00");
    /* adding a day that lands in the gap */
    t = parse("2026-03-07T02:30:00-05:00", NULL);
    expect_format(ny, cw__add_days(ny, t, 1), "2026-03-08T03:30:00-04:00");
    /* Lord Howe's change is half an hour: 02:00 +10:30 to 02:30 +11 */
    t = cw__tz_local(lh, day_of(2026, 10, 4), 2 * 3600 + 10 * 60);
    expect_format(lh, t, "2026-10-04T02:40:00+11:00");
    cw__tz_free(dub);
    cw__tz_free(ny);
    cw__tz_free(lh);
}

/* A wall time repeated in autumn is its first occurrence (summer time). */
static void autumn_overlap_takes_earlier(void **state)
{
    struct cw__tz *dub = zone("Europe/Dublin");
    struct cw__tz *ny = zone("America/New_York");
    long long t;

    (void)state;
    /* Dublin, 2026-10-25: 02:00 IST becomes 01:00 GMT; 01:30 twice */
    t = cw__tz_local(dub, day_of(2026, 10, 25), 1 * 3600 + 30 * 60);
    assert_int_equal(t, T_DUB_AUTUMN - 30 * 60);
    expect_format(dub, t, "2026-10-25T01:30:00+01:00");
    t = cw__tz_local(dub, day_of(2026, 10, 25), 2 * 3600);
    expect_format(dub, t, "2026-10-25T02:00:00Z");
    t = cw__tz_local(dub, day_of(2026, 10, 25), 1 * 3600);
    expect_format(dub, t, "2026-10-25T01:00:00+01:00");
    /* New York, 2026-11-01: 01:30 EDT, not 01:30 EST */
    t = cw__tz_local(ny, day_of(2026, 11, 1), 1 * 3600 + 30 * 60);
    assert_int_equal(t, T_NY_AUTUMN - 30 * 60);
    expect_format(ny, t, "2026-11-01T01:30:00-04:00");
    t = parse("2026-10-31T01:30:00-04:00", NULL);
    expect_format(ny, cw__add_days(ny, t, 1), "2026-11-01T01:30:00-04:00");
    cw__tz_free(dub);
    cw__tz_free(ny);
}

/* Every ten minutes of 2020-2030 in three zones: the instant found reads
 * as the wall time asked for, and no earlier instant does; or the wall
 * time is in a gap and it reads as that time plus the gap. */
static void local_times_sweep(void **state)
{
    static const char *const names[] = { "Europe/Dublin", "America/New_York",
                                         "Australia/Lord_Howe" };
    size_t z;

    (void)state;
    for (z = 0; z < sizeof(names) / sizeof(names[0]); z++) {
        struct cw__tz *tz = zone(names[z]);
        long long day = day_of(2020, 1, 1), end = day_of(2031, 1, 1);
        long gaps = 0, twice = 0, sec;

        for (; day < end; day++) {
            for (sec = 0; sec < DAY; sec += 600) {
                long long want = day * DAY + sec;
                long long t = cw__tz_local(tz, day, sec);
                long long got = t + cw__tz_offset(tz, t);
                long long before = cw__tz_offset(tz, t - DAY);
                /* the instants the offsets of the day before and after
                 * would give: the only other candidates */
                long long alt[2] = { want - before,
                                     want - cw__tz_offset(tz, t + DAY) };
                int k;

                for (k = 0; k < 2; k++) {
                    if (alt[k] == t ||
                        alt[k] + cw__tz_offset(tz, alt[k]) != want)
                        continue;
                    if (got != want || alt[k] < t) {
                        print_error("%s day %lld sec %ld: %lld reads %lld, "
                                    "but %lld reads it\n",
                                    names[z], day, sec, t, got, alt[k]);
                        fail();
                    }
                    twice++;
                }
                if (got == want)
                    continue;
                if (got - want != cw__tz_offset(tz, t) - before ||
                    got <= want) {
                    print_error("%s day %lld sec %ld: %lld reads %lld\n",
                                names[z], day, sec, t, got);
                    fail();
                }
                gaps++;
            }
        }
        /* 11 springs and 11 autumns, several samples each */
        assert_true(gaps >= 22);
        assert_true(twice >= 22);
        cw__tz_free(tz);
    }
}

static void date_only_in_zone(void **state)
{
    struct cw__tz *dub = zone("Europe/Dublin");
    struct cw__tz *ny = zone("America/New_York");
    long long t = 0;
    bool date_only = false;

    (void)state;
    assert_true(cw__time_parse("2026-07-15", dub, &t, &date_only));
    assert_true(date_only);
    assert_int_equal(t, parse("2026-07-14T23:00:00Z", NULL));
    expect_format(dub, t, "2026-07-15T00:00:00+01:00");
    assert_int_equal(parse("2026-01-15", dub), T_WINTER - 12 * HOUR);
    assert_int_equal(parse("2026-07-15", ny), T_SUMMER - 8 * HOUR);
    assert_int_equal(parse("2026-01-15", ny), T_WINTER - 7 * HOUR);
    assert_int_equal(parse("2026-07-15", NULL), T_SUMMER - 12 * HOUR);
    /* a full time ignores the zone */
    assert_int_equal(parse("2026-07-15T12:00:00Z", ny), T_SUMMER);
    assert_true(cw__time_parse("2026-07-15T12:00:00Z", dub, &t, &date_only));
    assert_false(date_only);
    cw__tz_free(dub);
    cw__tz_free(ny);
}

/* What cw__time_format writes, cw__time_parse reads back to the same
 * instant, with the zone's offset, in zones with odd offsets too. */
static void format_round_trip(void **state)
{
    static const char *const names[] = {
        "UTC",
        "Europe/Dublin",
        "America/New_York",
        "Asia/Kolkata",
        "Asia/Kathmandu",
        "America/St_Johns",
        "Australia/Lord_Howe",
    };
    size_t z;

    (void)state;
    for (z = 0; z < sizeof(names) / sizeof(names[0]); z++) {
        struct cw__tz *tz = zone(names[z]);
        long long t, back;
        char out[32];

        /* from 1970-01-02 (parsing starts at 1970) to 2100 */
        for (t = DAY; t < 4102444800LL; t += 3 * DAY + 7 * HOUR + 1237) {
            long off = cw__tz_offset(tz, t);
            size_t n;
            back = -1;
            cw__time_format(tz, t, out);
            n = strlen(out);
            if (!cw__time_parse(out, NULL, &back, NULL) || back != t ||
                (off == 0) != (out[n - 1] == 'Z')) {
                print_error("%s: %lld -> %s -> %lld\n", names[z], t, out, back);
                fail();
            }
            if (off) {
                long want =
                    (out[n - 6] == '-' ? -1 : 1) *
                    ((out[n - 5] - '0') * 36000L + (out[n - 4] - '0') * 3600L +
                     (out[n - 2] - '0') * 600L + (out[n - 1] - '0') * 60L);
                assert_int_equal(want, off);
            }
        }
        cw__tz_free(tz);
    }
    {
        struct cw__tz *in = zone("Asia/Kolkata");
        struct cw__tz *nf = zone("America/St_Johns");
        expect_format(in, T_WINTER, "2026-01-15T17:30:00+05:30");
        expect_format(nf, T_WINTER, "2026-01-15T08:30:00-03:30");
        expect_format(nf, T_SUMMER, "2026-07-15T09:30:00-02:30");
        cw__tz_free(in);
        cw__tz_free(nf);
    }
}

/* ---- names and unknown zones ------------------------------------------ */

static void zone_names(void **state)
{
    static const char *const good[] = {
        "Europe/Dublin",
        "Etc/GMT+5",
        "Etc/GMT-14",
        "EST5EDT",
        "UTC",
        "America/Argentina/Buenos_Aires",
        "America/Port-au-Prince",
        "a..b",
        "a.b/c",
        "...",
        ".x",
        "x.",
        "A234567890123456789012345678901234567890123456789012345678901234",
    };
    static const char *const bad[] = {
        "",
        "/",
        "/etc/passwd",
        "../etc/passwd",
        "..",
        ".",
        "a/../b",
        "Europe/..",
        "Europe/.",
        "./UTC",
        "Europe//Dublin",
        "Europe/",
        "Europe/Dub lin",
        "Europe\\Dublin",
        "Europe/Dublin\n",
        "Ev,il",
        "Europe/Dublin;rm",
        "Europe/Dublin?",
        "~root",
        "Europe/Dubl\xc3\xadn",
        "A2345678901234567890123456789012345678901234567890123456789012345",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (!cw__tz_name_ok(good[i])) {
            print_error("'%s' refused\n", good[i]);
            fail();
        }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cw__tz *tz = (struct cw__tz *)1;
        struct cw_diag d;
        memset(&d, 0, sizeof(d));
        if (cw__tz_name_ok(bad[i])) {
            print_error("'%s' accepted\n", bad[i]);
            fail();
        }
        assert_int_equal(cw__tz_load(bad[i], &tz, &d), CW_EINVAL);
        assert_null(tz);
        assert_true(d.msg[0] != '\0');
    }
    assert_false(cw__tz_name_ok(NULL));
}

static void unknown_zone(void **state)
{
    static const char *const cases[] = {
        "Europe/Nowhere", "Mars/Olympus_Mons", "Europe",
        "a..b",           "Europe/Dublin/x",   "utc",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cw__tz *tz = (struct cw__tz *)1;
        struct cw_diag d;
        enum cw_status st;
        memset(&d, 0, sizeof(d));
        st = cw__tz_load(cases[i], &tz, &d);
        if (st != CW_ENOENT || tz || !strstr(d.msg, cases[i])) {
            print_error("'%s': %s (%s)\n", cases[i], cw_status_name(st), d.msg);
            fail();
        }
    }
}

/* ---- hostile TZif files ------------------------------------------------ */

/* Each of these gets a fresh $TZDIR, removed afterwards. */
static int tzdir_setup(void **state)
{
    static char dir[256];
    snprintf(dir, sizeof(dir), "%s", tmp_dir());
    if (setenv("TZDIR", dir, 1) != 0)
        return -1;
    *state = dir;
    return 0;
}

static int tzdir_teardown(void **state)
{
    unsetenv("TZDIR");
    rm_tree(*state);
    return 0;
}

static void put_bytes(const char *dir, const char *name, const void *p,
                      size_t n)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    static unsigned char buf[1 << 16];
    FILE *f = fopen(path, "rb");
    if (!f) {
        print_error("cannot read %s: tzdata must be installed\n", path);
        fail();
    }
    *n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    assert_true(*n > 44 && *n < sizeof(buf));
    return buf;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* A small zone: +0 until T1, +1 h until T2, +0 again (types 0, 1, 0). */
#define T1 1000000000LL
#define T2 (T1 + 100 * DAY)

/* One header and data block with `tsize`-byte times; offsets shifted by
 * `bias` (to tell a version 1 block read by mistake). Returns its length.
 * Layout with 4-byte times: header 0-43, times 44, indices 52, types 54
 * (6 bytes each: utoff, isdst, designation), names 66 ("X\0Y\0"), isstd
 * 70, isut 72. */
static size_t tzif_block(unsigned char *p, char version, unsigned tsize,
                         long bias)
{
    static const long long times[] = { T1, T2 };
    static const unsigned char idx[] = { 1, 0 };
    size_t n = 44, i;

    memset(p, 0, 44);
    memcpy(p, "TZif", 4);
    p[4] = (unsigned char)version;
    put32(p + 20, 2); /* isutcnt */
    put32(p + 24, 2); /* isstdcnt */
    put32(p + 28, 0); /* leapcnt */
    put32(p + 32, 2); /* timecnt */
    put32(p + 36, 2); /* typecnt */
    put32(p + 40, 4); /* charcnt */
    for (i = 0; i < 2; i++, n += tsize) {
        if (tsize == 8)
            put32(p + n, (uint32_t)((uint64_t)times[i] >> 32));
        put32(p + n + tsize - 4, (uint32_t)times[i]);
    }
    memcpy(p + n, idx, 2);
    n += 2;
    put32(p + n, (uint32_t)bias);
    p[n + 4] = 0;
    p[n + 5] = 0;
    put32(p + n + 6, (uint32_t)(3600 + bias));
    p[n + 10] = 1;
    p[n + 11] = 2;
    n += 12;
    memcpy(p + n, "X\0Y\0", 4);
    n += 4;
    memset(p + n, 0, 4); /* isstd, isut */
    return n + 4;
}

/* The whole file: version 1 alone, or a biased version 1 block, the
 * 64-bit block and a footer. */
static size_t tzif(unsigned char *p, char version)
{
    size_t n;
    if (!version)
        return tzif_block(p, 0, 4, 0);
    n = tzif_block(p, version, 4, 7200);
    n += tzif_block(p + n, version, 8, 0);
    memcpy(p + n, "\nX0Y,M3.5.0,M10.5.0\n", 20);
    return n + 20;
}

static enum cw_status load_status(const char *name, struct cw__tz **tz)
{
    struct cw_diag d;
    enum cw_status st;
    memset(&d, 0, sizeof(d));
    st = cw__tz_load(name, tz, &d);
    if (st && (!d.msg[0] || *tz)) {
        print_error("%s: %s with message '%s'\n", name, cw_status_name(st),
                    d.msg);
        fail();
    }
    return st;
}

/* Built files of versions 1 to 4 load, and the version 2+ ones are read
 * from their 64-bit block. */
static void built_zones(void **state)
{
    const char *dir = *state;
    static const char versions[] = { 0, '2', '3', '4' };
    unsigned char buf[512];
    char name[32];
    size_t i;

    for (i = 0; i < sizeof(versions); i++) {
        struct cw__tz *tz = NULL;
        snprintf(name, sizeof(name), "Zone%zu", i);
        put_bytes(dir, name, buf, tzif(buf, versions[i]));
        assert_int_equal(load_status(name, &tz), CW_OK);
        assert_int_equal(cw__tz_offset(tz, 0), 0);
        assert_int_equal(cw__tz_offset(tz, T1 - 1), 0);
        assert_int_equal(cw__tz_offset(tz, T1), 3600);
        assert_int_equal(cw__tz_offset(tz, T2 - 1), 3600);
        assert_int_equal(cw__tz_offset(tz, T2), 0);
        assert_int_equal(cw__tz_offset(tz, LLONG_MAX), 0);
        assert_int_equal(cw__tz_offset(tz, LLONG_MIN), 0);
        /* the wall clock skips T1 .. T1 + 1 h and repeats T2 .. T2 + 1 h */
        assert_int_equal(cw__tz_local(tz, T1 / DAY, (long)(T1 % DAY) + 60),
                         T1 + 60);
        assert_int_equal(cw__tz_local(tz, T2 / DAY, (long)(T2 % DAY) + 60),
                         T2 - 3600 + 60);
        assert_int_equal(cw__tz_local(tz, T2 / DAY, (long)(T2 % DAY) - 60),
                         T2 - 3600 - 60);
        cw__tz_free(tz);
    }
    /* offsets with seconds (Monrovia's -0:44:30 until 1972) are written
     * cut to whole minutes, with the wall time to match */
    {
        struct cw__tz *tz = NULL;
        long long t, back = -1;
        char out[32];
        put_bytes(dir, "Seconds", buf, tzif_block(buf, 0, 4, -2670));
        assert_int_equal(load_status("Seconds", &tz), CW_OK);
        for (t = T1 - 2; t < T1 + 2; t++) {
            cw__time_format(tz, t, out);
            assert_true(cw__time_parse(out, NULL, &back, NULL));
            assert_int_equal(back, t);
        }
        expect_format(tz, T1 - 1, "2001-09-09T01:02:39-00:44");
        expect_format(tz, T1, "2001-09-09T02:01:40+00:15");
        cw__tz_free(tz);
    }
    /* a symbolic link is followed (zoneinfo is full of them) */
    {
        char target[512], link[512];
        struct cw__tz *tz = NULL;
        snprintf(target, sizeof(target), "%s/Zone1", dir);
        snprintf(link, sizeof(link), "%s/Link", dir);
        assert_int_equal(symlink(target, link), 0);
        assert_int_equal(load_status("Link", &tz), CW_OK);
        assert_int_equal(cw__tz_offset(tz, T1), 3600);
        assert_string_equal(cw__tz_name(tz), "Link");
        cw__tz_free(tz);
    }
    /* UTC stays built in even when TZDIR has no such file */
    {
        struct cw__tz *tz = NULL;
        assert_int_equal(load_status("UTC", &tz), CW_OK);
        cw__tz_free(tz);
        assert_int_equal(load_status("Europe/Dublin", &tz), CW_ENOENT);
    }
}

/* One field broken at a time; each is CW_EPARSE with a message. */
static void broken_zones(void **state)
{
    const char *dir = *state;
    static const struct {
        const char *what;
        size_t at;    /* where to write */
        unsigned len; /* 1 byte or 4 (big-endian) */
        uint32_t value;
    } cases[] = {
        { "magic", 3, 1, 'F' },
        { "version 5", 4, 1, '5' },
        { "version '1'", 4, 1, '1' },
        { "isutcnt 1 of 2", 20, 4, 1 },
        { "isstdcnt 3", 24, 4, 3 },
        { "leapcnt huge", 28, 4, 0xffffffffu },
        { "timecnt huge", 32, 4, 0xffffffffu },
        { "timecnt + 1", 32, 4, 3 },
        { "typecnt 0", 36, 4, 0 },
        { "typecnt 257", 36, 4, 257 },
        { "typecnt huge", 36, 4, 0xffffffffu },
        { "charcnt 0", 40, 4, 0 },
        { "charcnt huge", 40, 4, 0x80000000u },
        { "type index 2", 52, 1, 2 },
        { "type index 255", 53, 1, 255 },
        { "utoff 26 h", 54, 4, 93600 },
        { "utoff -25 h", 60, 4, (uint32_t)-90000 },
        { "utoff INT32_MIN", 54, 4, 0x80000000u },
        { "isdst 2", 58, 1, 2 },
        { "designation past the names", 65, 1, 4 },
        { "isstd 2", 70, 1, 2 },
        { "isut 7", 73, 1, 7 },
    };
    unsigned char good[512], buf[512];
    size_t n = tzif(good, 0), i;
    char name[32];

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cw__tz *tz = NULL;
        memcpy(buf, good, n);
        if (cases[i].len == 4)
            put32(buf + cases[i].at, cases[i].value);
        else
            buf[cases[i].at] = (unsigned char)cases[i].value;
        snprintf(name, sizeof(name), "Bad%zu", i);
        put_bytes(dir, name, buf, n);
        if (load_status(name, &tz) != CW_EPARSE) {
            print_error("%s: loaded\n", cases[i].what);
            fail();
        }
    }
    /* transition times equal, then descending */
    {
        struct cw__tz *tz = NULL;
        memcpy(buf, good, n);
        memcpy(buf + 48, buf + 44, 4);
        put_bytes(dir, "Equal", buf, n);
        assert_int_equal(load_status("Equal", &tz), CW_EPARSE);
        memcpy(buf + 48, good + 44, 4);
        memcpy(buf + 44, good + 48, 4);
        put_bytes(dir, "Descending", buf, n);
        assert_int_equal(load_status("Descending", &tz), CW_EPARSE);
    }
    /* leap seconds: well formed (the 12 bytes it announces are there)
     * but refused */
    {
        struct cw__tz *tz = NULL;
        memcpy(buf, good, n);
        memset(buf + n, 0, 16);
        put32(buf + 28, 1);
        put_bytes(dir, "Leap", buf, n + 16);
        assert_int_equal(load_status("Leap", &tz), CW_EPARSE);
    }
    /* version 2 files: second header missing, of another version, not a
     * header */
    {
        struct cw__tz *tz = NULL;
        size_t n2 = tzif(buf, '2'), v1 = tzif_block(good, '2', 4, 0);
        put_bytes(dir, "NoSecond", buf, v1);
        assert_int_equal(load_status("NoSecond", &tz), CW_EPARSE);
        buf[v1 + 4] = '3';
        put_bytes(dir, "Mixed", buf, n2);
        assert_int_equal(load_status("Mixed", &tz), CW_EPARSE);
        buf[v1 + 4] = '2';
        buf[v1] = 'X';
        put_bytes(dir, "NotHeader", buf, n2);
        assert_int_equal(load_status("NotHeader", &tz), CW_EPARSE);
        buf[v1] = 'T';
        put32(buf + v1 + 32, 0x10000000u); /* 64-bit timecnt */
        put_bytes(dir, "BigCount", buf, n2);
        assert_int_equal(load_status("BigCount", &tz), CW_EPARSE);
    }
    /* not TZif at all */
    {
        struct cw__tz *tz = NULL;
        put_bytes(dir, "Empty", "", 0);
        put_file(dir, "Text",
                 "# tzdata zone.tab\nIE\t+5320-00615\t"
                 "Europe/Dublin\n");
        put_bytes(dir, "Magic", "TZif2", 5);
        put_bytes(dir, "Header", good, 44);
        assert_int_equal(load_status("Empty", &tz), CW_EPARSE);
        assert_int_equal(load_status("Text", &tz), CW_EPARSE);
        assert_int_equal(load_status("Magic", &tz), CW_EPARSE);
        assert_int_equal(load_status("Header", &tz), CW_EPARSE);
    }
    /* larger than the cap, a directory and a FIFO (which must not hang) */
    {
        struct cw__tz *tz = NULL;
        size_t big = (1u << 20) + 1;
        unsigned char *p = calloc(1, big);
        char path[512];
        assert_non_null(p);
        memcpy(p, good, n);
        put_bytes(dir, "Big", p, big);
        free(p);
        assert_int_equal(load_status("Big", &tz), CW_ELIMIT);
        put_file(dir, "Area/Zone", "x");
        assert_int_equal(load_status("Area", &tz), CW_ENOENT);
        snprintf(path, sizeof(path), "%s/Fifo", dir);
        assert_int_equal(mkfifo(path, 0600), 0);
        assert_int_equal(load_status("Fifo", &tz), CW_ENOENT);
    }
}

/* Every prefix of a real version 2+ file: cut anywhere before the footer
 * it is CW_EPARSE; from the footer on (which is not read) it loads. */
static void truncated_zones(void **state)
{
    const char *dir = *state;
    size_t n, i, footer;
    unsigned char *file = slurp("/usr/share/zoneinfo/Europe/Dublin", &n);

    assert_memory_equal(file, "TZif", 4);
    assert_true(file[4] >= '2');
    assert_int_equal(file[n - 1], '\n');
    for (footer = n - 2; footer > 0 && file[footer] != '\n'; footer--)
        ;
    assert_true(footer > 44);
    for (i = 0; i <= n; i++) {
        struct cw__tz *tz = NULL;
        enum cw_status st;
        put_bytes(dir, "Cut", file, i);
        st = load_status("Cut", &tz);
        if (st != (i < footer ? CW_EPARSE : CW_OK)) {
            print_error("cut at %zu of %zu (footer at %zu): %s\n", i, n, footer,
                        cw_status_name(st));
            fail();
        }
        if (!st) {
            assert_int_equal(cw__tz_offset(tz, T_SUMMER), 3600);
            cw__tz_free(tz);
        }
    }
}

/* Random corruption of a real file, mostly in the headers: a clean
 * CW_EPARSE or a zone that works; never a crash (ASan, UBSan). */
static void corrupted_zones(void **state)
{
    const char *dir = *state;
    size_t n, i, k, second;
    unsigned char *file = slurp("/usr/share/zoneinfo/America/New_York", &n);
    unsigned char buf[1 << 16];
    uint64_t x = 12345; /* a 32-bit LCG, kept in 64 bits: no wrapping */
    long loaded = 0, refused = 0;

    /* the second header follows the version 1 block */
    second = 44 + 5 * (size_t)get32(file + 32) + 6 * (size_t)get32(file + 36) +
             get32(file + 40) + 8 * (size_t)get32(file + 28) +
             get32(file + 24) + get32(file + 20);
    assert_true(second + 44 < n);
    assert_memory_equal(file + second, "TZif", 4);
    for (i = 0; i < 3000; i++) {
        struct cw__tz *tz = NULL;
        enum cw_status st;
        memcpy(buf, file, n);
        for (k = 0; k < 1 + i % 4; k++) {
            size_t at;
            x = (x * 1103515245u + 12345u) & 0xffffffffu;
            switch ((x >> 8) % 3) {
            case 0:
                at = (x >> 12) % 44;
                break;
            case 1:
                at = second + (x >> 12) % 44;
                break;
            default:
                at = (x >> 12) % n;
                break;
            }
            x = (x * 1103515245u + 12345u) & 0xffffffffu;
            buf[at] =
                (unsigned char)((x >> 16) % 4 ? x >> 20 : buf[at] ^ 0x80u);
        }
        put_bytes(dir, "Noise", buf, n);
        st = load_status("Noise", &tz);
        if (st == CW_OK) {
            char out[32];
            long long t = cw__tz_local(tz, day_of(2026, 3, 8), 9000);
            cw__time_format(tz, t, out);
            assert_true(strlen(out) < 32);
            (void)cw__add_days(tz, t, 30);
            (void)cw__tz_local(tz, LLONG_MIN, LONG_MIN);
            (void)cw__tz_local(tz, LLONG_MAX, LONG_MAX);
            cw__tz_free(tz);
            loaded++;
        } else if (st == CW_EPARSE) {
            refused++;
        } else {
            print_error("corruption %zu: %s\n", i, cw_status_name(st));
            fail();
        }
    }
    assert_true(loaded > 0 && refused > 0);
}

/* ---- failing allocations ----------------------------------------------- */

static long countdown = -1; /* allocations left before failing; -1: never */

static void *fail_malloc(size_t n, void *ud)
{
    (void)ud;
    if (countdown == 0)
        return NULL;
    if (countdown > 0)
        countdown--;
    return malloc(n ? n : 1);
}

static void *fail_realloc(void *p, size_t n, void *ud)
{
    (void)ud;
    if (countdown == 0)
        return NULL;
    if (countdown > 0)
        countdown--;
    return realloc(p, n ? n : 1);
}

static void fail_free(void *p, void *ud)
{
    (void)ud;
    free(p);
}

/* Allocation 1, 2, ... of loading a zone fails: CW_ENOMEM, no zone, no
 * leak, until enough succeed. */
static void allocation_failures(void **state)
{
    static const char *const names[] = { "UTC", "Europe/Dublin" };
    struct cw_allocator a = { fail_malloc, fail_realloc, fail_free, NULL };
    size_t z;

    (void)state;
    for (z = 0; z < 2; z++) {
        long n;
        cw_set_allocator(&a);
        for (n = 0; n < 100; n++) {
            struct cw__tz *tz = NULL;
            enum cw_status st;
            countdown = n;
            st = load_status(names[z], &tz);
            countdown = -1;
            if (!st) {
                assert_int_equal(cw__tz_offset(tz, T_SUMMER), z ? 3600 : 0);
                cw__tz_free(tz);
                break;
            }
            assert_int_equal(st, CW_ENOMEM);
        }
        cw_set_allocator(NULL);
        assert_true(n > 0 && n < 100);
    }
}

static int no_tzdir(void **state)
{
    (void)state;
    return unsetenv("TZDIR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(civil_days),
        cmocka_unit_test(parse_valid),
        cmocka_unit_test(parse_invalid),
        cmocka_unit_test_setup_teardown(utc_zone, tzdir_setup, tzdir_teardown),
        cmocka_unit_test(zone_offsets),
        cmocka_unit_test(add_days_across_changes),
        cmocka_unit_test(spring_gap_moves_forward),
        cmocka_unit_test(autumn_overlap_takes_earlier),
        cmocka_unit_test(local_times_sweep),
        cmocka_unit_test(date_only_in_zone),
        cmocka_unit_test(format_round_trip),
        cmocka_unit_test(zone_names),
        cmocka_unit_test(unknown_zone),
        cmocka_unit_test_setup_teardown(built_zones, tzdir_setup,
                                        tzdir_teardown),
        cmocka_unit_test_setup_teardown(broken_zones, tzdir_setup,
                                        tzdir_teardown),
        cmocka_unit_test_setup_teardown(truncated_zones, tzdir_setup,
                                        tzdir_teardown),
        cmocka_unit_test_setup_teardown(corrupted_zones, tzdir_setup,
                                        tzdir_teardown),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, no_tzdir, NULL);
}
