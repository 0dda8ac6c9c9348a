/*
 * fuzz_cron.c - libFuzzer target for cron expressions (src/core/cron.c),
 * which `cloudward serve` reads from its configuration. Input: the
 * expression, as a NUL-terminated copy of the bytes (so the parser sees
 * them up to the first NUL, and ASan sees a read past the copy).
 *
 * Whatever the input: no crash, overrun or endless loop. A refusal is
 * CW_EPARSE with line 1, a column within the text or just past it and a
 * message (or CW_ELIMIT, only past CW_CRON_MAX bytes), and leaves the
 * result as it was. An accepted expression has non-empty sets within
 * their ranges, and days_any / weekdays_any say whether the third and
 * fifth fields (split here again on blanks) start with '*'. From a few
 * fixed times, cw_cron_next gives -1 or a multiple of 60 strictly after
 * the time and within CW_CRON_HORIZON that matches by a check written
 * here again (gmtime_r and the rules of cw_cron.h); a minute-by-minute
 * search over the first hours after the time must find the same first
 * match, and none in the hours before the one returned.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cloudward/cw_cron.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SCAN_AHEAD 240 /* minutes searched one by one after a time */
#define SCAN_BACK  120 /* and before a result */

/* Whether the schedule matches the minute starting at t, from
 * gmtime_r's calendar. */
static bool matches(const struct cw_cron *c, long long t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    bool dom, dow;

    if (!gmtime_r(&tt, &tm))
        abort();
    if (tm.tm_sec || !(c->minutes >> tm.tm_min & 1) ||
        !(c->hours >> tm.tm_hour & 1) || !(c->months >> (tm.tm_mon + 1) & 1))
        return false;
    dom = c->days >> tm.tm_mday & 1;
    dow = c->weekdays >> tm.tm_wday & 1;
    return (c->days_any || c->weekdays_any) ? dom && dow : dom || dow;
}

static void check_next(const struct cw_cron *c, long long after)
{
    long long got = cw_cron_next(c, after), t, first = -1;
    long long start = (after >= 0 ? after / 60 : (after - 59) / 60) * 60 + 60;
    int i;

    if (got != -1 && (got % 60 != 0 || got <= after ||
                      got > after + CW_CRON_HORIZON || !matches(c, got)))
        abort();
    for (i = 0, t = start; i < SCAN_AHEAD && first < 0; i++, t += 60)
        if (matches(c, t))
            first = t;
    if (first >= 0 ? got != first
                   : got != -1 && got < start + SCAN_AHEAD * 60LL)
        abort();
    for (i = 1, t = got - 60; got != -1 && i <= SCAN_BACK && t > after;
         i++, t -= 60)
        if (matches(c, t))
            abort();
}

static bool blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* The first byte of field k (0-based) of s, split on blanks; NULL when
 * there are not that many. */
static const char *field(const char *s, int k)
{
    int n = -1;
    while (*s) {
        while (blank(*s))
            s++;
        if (!*s)
            break;
        if (++n == k)
            return s;
        while (*s && !blank(*s))
            s++;
    }
    return NULL;
}

static void check_parsed(const struct cw_cron *c, const char *expr)
{
    static const long long times[] = {
        0,            /* 1970-01-01 */
        -1,           /* 1969-12-31T23:59:59 */
        946684799,    /* 1999-12-31T23:59:59 */
        1709164770,   /* 2024-02-28T23:59:30 */
        1740787200,   /* 2025-03-01 */
        3981398400,   /* 2096-03-01: a leap day 8 years away */
        4102444740,   /* 2099-12-31T23:59 */
        253402297200, /* 9999-12-31T23:00 */
    };
    const char *p = expr, *dom, *dow;
    size_t i;

    if (!(c->minutes & ((1ULL << 60) - 1)) || c->minutes >> 60 ||
        !(c->hours & 0xffffff) || c->hours >> 24 || !(c->days >> 1) ||
        c->days & 1 || !(c->months & 0x1ffe) || c->months & ~0x1ffe ||
        !(c->weekdays & 0x7f) || c->weekdays & 0x80)
        abort();
    while (blank(*p))
        p++;
    if (*p != '@') {
        dom = field(expr, 2);
        dow = field(expr, 4);
        if (!dom || !dow || field(expr, 5) || c->days_any != (*dom == '*') ||
            c->weekdays_any != (*dow == '*'))
            abort();
    }
    for (i = 0; i < sizeof(times) / sizeof(times[0]); i++)
        check_next(c, times[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cw_cron c, before;
    struct cw_diag d;
    enum cw_status st;
    char *expr = malloc(size + 1);
    size_t len;

    if (!expr)
        return 0;
    memcpy(expr, data, size);
    expr[size] = '\0';
    len = strlen(expr);
    memset(&c, 0xa5, sizeof(c));
    before = c;
    cw_diag_clear(&d);
    st = cw_cron_parse(expr, &c, &d);
    if ((len > CW_CRON_MAX) != (st == CW_ELIMIT))
        abort();
    if (st == CW_OK) {
        check_parsed(&c, expr);
    } else {
        if (memcmp(&c, &before, sizeof(c)) != 0 || !d.msg[0] || d.line != 1 ||
            d.col < 1 || d.col > len + 1)
            abort();
        if (st != CW_EPARSE && st != CW_ELIMIT)
            abort();
    }
    free(expr);
    return 0;
}
