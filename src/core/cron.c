/*
 * cron.c - cron expressions (cw_cron.h): the five fields (or a macro)
 * read into bit sets, and the next minute a schedule matches.
 *
 * Parsing splits the expression on blanks first, so a wrong number of
 * fields is reported as such (with the column of the first field too many,
 * or just past the last one) before any field is read. Each field is then
 * read item by item into a 64-bit set; every error names the field, says
 * what was expected and points at the offending character. The input is
 * never read past its NUL nor past CW_CRON_MAX + 1 bytes; numbers stop
 * growing at NUM_CAP, so a run of digits cannot overflow. In the weekday
 * field 7 is read as a value of its own and folded onto Sunday at the end,
 * so "5-7" and "sat-7" need no special case.
 *
 * cw_cron_next walks the calendar in (year, month, day, hour, minute),
 * keeping the day number beside it so a weekday is one modulo: a month
 * not in the set skips to the next month's first day, a day that does not
 * match skips to the next day, and within a matching day the hour and the
 * minute are the lowest set bits at or after the current ones. So the
 * horizon of five years costs at most 61 month steps, 1830 day steps and
 * two hour steps a matching day (about a microsecond for a schedule that
 * never matches), and the walk stops at after + CW_CRON_HORIZON whatever
 * the sets hold (a hand-built struct with an empty set included).
 *
 * Rejected: a minute-by-minute search (2.6 million steps for a schedule
 * that never matches); the C library's timegm/gmtime_r (timegm is in
 * neither C11 nor the POSIX we build for, and both work in time_t, whose
 * range is the platform's): the calendar arithmetic here is a few lines
 * and exact over years 1 to 10005; time zones, which a schedule of
 * compliance jobs does not need and which would make a minute occur twice
 * or never.
 */
#include <stdio.h>
#include <string.h>

#include <cloudward/cw_cron.h>

#include "core.h"

#define NUM_CAP  100000u /* digits beyond this only make the number "big" */
#define SHOW_MAX 24      /* bytes of the input quoted in a message */

/* ---- parsing ------------------------------------------------------------ */

/* A field: what may be written in it and where '*' stops. */
struct field {
    const char *name;         /* for messages */
    unsigned lo, hi;          /* the values that may be written */
    unsigned last;            /* where '*' and N/S stop */
    const char *const *names; /* three-letter names, or NULL */
    unsigned name_count;      /* how many */
    unsigned name0;           /* the value of names[0] */
    const char *what;         /* what a name must be, for messages */
};

static const char *const month_names[] = { "jan", "feb", "mar", "apr",
                                           "may", "jun", "jul", "aug",
                                           "sep", "oct", "nov", "dec" };
static const char *const day_names[] = { "sun", "mon", "tue", "wed",
                                         "thu", "fri", "sat" };

static const struct field fields[5] = {
    { "minute", 0, 59, 59, NULL, 0, 0, NULL },
    { "hour", 0, 23, 23, NULL, 0, 0, NULL },
    { "day", 1, 31, 31, NULL, 0, 0, NULL },
    { "month", 1, 12, 12, month_names, 12, 1, "a month name (jan-dec)" },
    { "weekday", 0, 7, 6, day_names, 7, 0, "a day name (sun-sat)" },
};

#define FIELDS_HELP "expected 5 fields (minute hour day month weekday)"

static const struct {
    const char *name;
    const char *expansion;
} macros[] = {
    { "@yearly", "0 0 1 1 *" },  { "@annually", "0 0 1 1 *" },
    { "@monthly", "0 0 1 * *" }, { "@weekly", "0 0 * * 0" },
    { "@daily", "0 0 * * *" },   { "@midnight", "0 0 * * *" },
    { "@hourly", "0 * * * *" },
};

struct parser {
    const char *s; /* the whole expression: columns count from here */
    struct cw_diag *d;
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* True when s[0..n) equals the lower-case `word` in any case. */
static bool same_word(const char *s, size_t n, const char *word)
{
    size_t i;
    if (strlen(word) != n)
        return false;
    for (i = 0; i < n; i++)
        if (lower(s[i]) != word[i])
            return false;
    return true;
}

static const char *skip_blanks(const char *p, const char *end)
{
    while (p < end && is_blank(*p))
        p++;
    return p;
}

/* Sets `d` to CW_EPARSE at the column of `at`, with a message that the
 * caller formats. FAIL is the expression to return: CW_EPARSE, visibly
 * (the static analyzer does not follow a variadic call's result). */
static void set_error(const struct parser *P, const char *at, const char *fmt,
                      ...) __attribute__((format(printf, 3, 4)));

static void set_error(const struct parser *P, const char *at, const char *fmt,
                      ...)
{
    char msg[CW_DIAG_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cw__diag_set(P->d, CW_EPARSE, NULL, 1, (unsigned)(at - P->s) + 1, "%s",
                 msg);
}

#define FAIL(...) (set_error(__VA_ARGS__), CW_EPARSE)

/* The character at `at` (before `end`) for a message: 'x', or "byte
 * 0x0a" for one that does not print, or "the end of the field". */
static const char *show_char(const char *at, const char *end, char *buf,
                             size_t n)
{
    unsigned char c;
    if (at >= end)
        return "the end of the field";
    c = (unsigned char)*at;
    if (c > 0x20 && c < 0x7f)
        snprintf(buf, n, "'%c'", c);
    else
        snprintf(buf, n, "byte 0x%02x", c);
    return buf;
}

/* s[0..n) for a message: at most SHOW_MAX bytes, those that do not print
 * as '?', "..." when cut. */
static const char *show_text(const char *s, size_t n, char *buf)
{
    size_t i, k = n < SHOW_MAX ? n : SHOW_MAX;
    for (i = 0; i < k; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = c > 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (k < n) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = '\0';
    return buf;
}

/* What a value of the field may be, for messages. */
static const char *show_values(const struct field *f, char *buf, size_t n)
{
    if (f->names)
        snprintf(buf, n, "a number %u-%u or %s", f->lo, f->hi, f->what);
    else
        snprintf(buf, n, "a number %u-%u", f->lo, f->hi);
    return buf;
}

/* Reads the digits at *p into *v (capped at NUM_CAP); moves *p past them. */
static void read_number(const char **p, const char *end, unsigned *v)
{
    unsigned n = 0;
    for (; *p < end && is_digit(**p); (*p)++)
        if (n < NUM_CAP)
            n = n * 10 + (unsigned)(**p - '0');
    *v = n;
}

/* Reads one value of field `f` (a number or a name) at *p; `after_dash`
 * only changes the message when there is none. */
static enum cw_status read_value(const struct parser *P, const struct field *f,
                                 const char **p, const char *end, unsigned *v,
                                 bool after_dash)
{
    const char *at = *p;
    char text[SHOW_MAX + 4], what[80], c[16];
    size_t i;

    if (at < end && is_digit(*at)) {
        read_number(p, end, v);
        if (*v < f->lo || *v > f->hi)
            return FAIL(P, at, "%s: %s is out of range %u-%u", f->name,
                        show_text(at, (size_t)(*p - at), text), f->lo, f->hi);
        return CW_OK;
    }
    if (at < end && is_alpha(*at) && f->names) {
        while (*p < end && is_alpha(**p))
            (*p)++;
        for (i = 0; i < f->name_count; i++)
            if (same_word(at, (size_t)(*p - at), f->names[i])) {
                *v = f->name0 + (unsigned)i;
                return CW_OK;
            }
        return FAIL(P, at, "%s: '%s' is not %s", f->name,
                    show_text(at, (size_t)(*p - at), text), f->what);
    }
    if (after_dash)
        return FAIL(P, at, "%s: expected %s after '-', got %s", f->name,
                    show_values(f, what, sizeof(what)),
                    show_char(at, end, c, sizeof(c)));
    return FAIL(P, at, "%s: expected '*' or %s, got %s", f->name,
                show_values(f, what, sizeof(what)),
                show_char(at, end, c, sizeof(c)));
}

/* Reads "/S" at *p, if there is one, into *step (else 0). */
static enum cw_status read_step(const struct parser *P, const struct field *f,
                                const char **p, const char *end, unsigned *step)
{
    unsigned span = f->last - f->lo + 1;
    char text[SHOW_MAX + 4], c[16];
    const char *at;

    *step = 0;
    if (*p >= end || **p != '/')
        return CW_OK;
    at = ++*p;
    if (at >= end || !is_digit(*at))
        return FAIL(P, at, "%s: expected a step (a number) after '/', got %s",
                    f->name, show_char(at, end, c, sizeof(c)));
    read_number(p, end, step);
    if (*step < 1 || *step > span)
        return FAIL(P, at, "%s: a step of %s is out of range 1-%u", f->name,
                    show_text(at, (size_t)(*p - at), text), span);
    return CW_OK;
}

/* Reads one item (*, N, N-M, each with an optional /S) at *p and adds its
 * values to *bits. */
static enum cw_status read_item(const struct parser *P, const struct field *f,
                                const char **p, const char *end, uint64_t *bits)
{
    const char *start = *p;
    char text[SHOW_MAX + 4];
    unsigned lo = 0, hi = 0, step = 0, v;
    bool single = false;
    enum cw_status st;

    if (**p == '*') {
        (*p)++;
        lo = f->lo;
        hi = f->last;
    } else {
        st = read_value(P, f, p, end, &lo, false);
        if (st)
            return st;
        hi = lo;
        single = true;
        if (*p < end && **p == '-') {
            (*p)++;
            st = read_value(P, f, p, end, &hi, true);
            if (st)
                return st;
            if (lo > hi)
                return FAIL(P, start,
                            "%s: %s runs backwards (its start is above its "
                            "end)",
                            f->name,
                            show_text(start, (size_t)(*p - start), text));
            single = false;
        }
    }
    st = read_step(P, f, p, end, &step);
    if (st)
        return st;
    if (!step)
        step = 1;
    else if (single)
        hi = lo > f->last ? lo : f->last; /* N/S: from N to the last */
    for (v = lo; v <= hi; v += step)
        *bits |= (uint64_t)1 << v;
    return CW_OK;
}

/* Reads the field s[p..end), a non-empty run of non-blank bytes. */
static enum cw_status read_field(const struct parser *P, const struct field *f,
                                 const char *p, const char *end, uint64_t *bits)
{
    const char *begin = p, *item;
    char text[SHOW_MAX + 4], c[16];
    enum cw_status st;

    *bits = 0;
    for (;;) {
        if (*p == ',')
            return FAIL(P, p,
                        p == begin ? "%s: nothing before ','"
                                   : "%s: nothing between commas",
                        f->name);
        item = p;
        st = read_item(P, f, &p, end, bits);
        if (st)
            return st;
        if (p == end)
            return CW_OK;
        if (*p != ',')
            return FAIL(P, p, "%s: unexpected %s after '%s'", f->name,
                        show_char(p, end, c, sizeof(c)),
                        show_text(item, (size_t)(p - item), text));
        if (++p == end)
            return FAIL(P, p - 1, "%s: nothing after ','", f->name);
    }
}

static enum cw_status read_macro(const struct parser *P, const char *p,
                                 const char *end, struct cw_cron *out)
{
    const char *q = p, *rest;
    char text[SHOW_MAX + 4], c[16];
    size_t i;

    while (q < end && !is_blank(*q))
        q++;
    for (i = 0; i < CW__ARRAY_LEN(macros); i++)
        if (same_word(p, (size_t)(q - p), macros[i].name))
            break;
    if (i == CW__ARRAY_LEN(macros))
        return FAIL(P, p,
                    "unknown macro '%s': expected @yearly, @annually, "
                    "@monthly, @weekly, @daily, @midnight or @hourly",
                    show_text(p, (size_t)(q - p), text));
    rest = skip_blanks(q, end);
    if (rest < end)
        return FAIL(P, rest, "%s stands alone: unexpected %s after it",
                    macros[i].name, show_char(rest, end, c, sizeof(c)));
    return cw_cron_parse(macros[i].expansion, out, P->d);
}

/* Splits s[p..end) into its five fields. */
static enum cw_status split(const struct parser *P, const char *p,
                            const char *end, const char *start[5],
                            const char *stop[5])
{
    size_t n = 0;
    const char *extra = NULL;

    while (p < end) {
        const char *q = p;
        while (q < end && !is_blank(*q))
            q++;
        if (n == 5 && !extra)
            extra = p;
        if (n < 5) {
            start[n] = p;
            stop[n] = q;
        }
        n++;
        p = skip_blanks(q, end);
    }
    if (n > 5)
        return FAIL(P, extra, FIELDS_HELP ", got %zu", n);
    if (n < 5) /* n >= 1: the caller skipped the blanks before p */
        return FAIL(P, n ? stop[n - 1] : end, FIELDS_HELP ", got %zu", n);
    return CW_OK;
}

enum cw_status cw_cron_parse(const char *expr, struct cw_cron *out,
                             struct cw_diag *d)
{
    struct parser P = { expr, d };
    const char *start[5], *stop[5], *p, *end;
    uint64_t bits[5];
    struct cw_cron c;
    enum cw_status st;
    size_t len, i;

    if (!expr || !out)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "cw_cron_parse: no expression or no result");
    len = strnlen(expr, CW_CRON_MAX + 1);
    if (len > CW_CRON_MAX)
        return cw__diag_set(d, CW_ELIMIT, NULL, 1, CW_CRON_MAX + 1,
                            "a cron expression is at most %d bytes",
                            CW_CRON_MAX);
    end = expr + len;
    p = skip_blanks(expr, end);
    if (p == end)
        return FAIL(&P, p,
                    "empty cron expression: " FIELDS_HELP
                    " or a macro such as @daily");
    if (*p == '@')
        return read_macro(&P, p, end, out);
    st = split(&P, p, end, start, stop);
    if (st)
        return st;
    for (i = 0; i < 5; i++) {
        st = read_field(&P, &fields[i], start[i], stop[i], &bits[i]);
        if (st)
            return st;
    }
    memset(&c, 0, sizeof(c));
    c.minutes = bits[0];
    c.hours = (uint32_t)bits[1];
    c.days = (uint32_t)bits[2];
    c.months = (uint16_t)bits[3];
    /* 7 is Sunday too. */
    c.weekdays = (uint8_t)((bits[4] | bits[4] >> 7) & 0x7f);
    c.days_any = *start[2] == '*';
    c.weekdays_any = *start[4] == '*';
    *out = c;
    return CW_OK;
}

/* ---- the next matching minute -------------------------------------------- */

#define AFTER_MIN    (-62135596800LL) /* 0001-01-01T00:00:00 */
#define AFTER_MAX    253402300799LL   /* 9999-12-31T23:59:59 */
#define MINUTE_BITS  (((uint64_t)1 << 60) - 1)
#define HOUR_BITS    0xffffffu
#define DAY_BITS     0xfffffffeu
#define MONTH_BITS   0x1ffeu
#define WEEKDAY_BITS 0x7fu

/* A minute of the calendar, and its day as days since 1970-01-01. */
struct moment {
    long long year, day_number;
    unsigned month, mday, hour, minute;
};

static long long floor_div(long long a, long long b)
{
    long long q = a / b;
    if (a % b != 0 && (a < 0) != (b < 0))
        q--;
    return q;
}

static bool leap_year(long long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(long long y, unsigned m)
{
    static const unsigned char len[12] = { 31, 28, 31, 30, 31, 30,
                                           31, 31, 30, 31, 30, 31 };
    return m == 2 && leap_year(y) ? 29u : len[m - 1];
}

/* The day number of January 1st of year y (y >= 1): the days of the years
 * before it, less those from 0001-01-01 to 1970-01-01. */
static long long year_start(long long y)
{
    long long p = y - 1;
    return p * 365 + p / 4 - p / 100 + p / 400 - 719162;
}

/* The moment at Unix time t, a multiple of 60 within years 1 to 10000. */
static void moment_at(struct moment *m, long long t)
{
    long long dn = floor_div(t, 86400), secs = t - dn * 86400, y, doy;

    y = 1970 + floor_div(dn * 400, 146097);
    if (y < 1)
        y = 1;
    while (year_start(y) > dn)
        y--;
    while (year_start(y + 1) <= dn)
        y++;
    doy = dn - year_start(y);
    m->year = y;
    m->day_number = dn;
    m->month = 1;
    while (doy >= days_in_month(y, m->month))
        doy -= days_in_month(y, m->month++);
    m->mday = (unsigned)doy + 1;
    m->hour = (unsigned)(secs / 3600);
    m->minute = (unsigned)(secs % 3600 / 60);
}

static long long moment_time(const struct moment *m)
{
    return m->day_number * 86400 + m->hour * 3600LL + m->minute * 60LL;
}

static void next_day(struct moment *m)
{
    m->day_number++;
    m->hour = 0;
    m->minute = 0;
    if (++m->mday <= days_in_month(m->year, m->month))
        return;
    m->mday = 1;
    if (++m->month > 12) {
        m->month = 1;
        m->year++;
    }
}

static void next_month(struct moment *m)
{
    /* From the last day of the month, the next day is the next month's
     * first. */
    m->day_number += days_in_month(m->year, m->month) - m->mday;
    m->mday = days_in_month(m->year, m->month);
    next_day(m);
}

static void next_hour(struct moment *m)
{
    m->minute = 0;
    if (++m->hour == 24)
        next_day(m);
}

/* The lowest bit of `set` at or above `from`, or -1. */
static int first_from(uint64_t set, unsigned from)
{
    if (from >= 64)
        return -1;
    set &= ~(uint64_t)0 << from;
    return set ? __builtin_ctzll(set) : -1;
}

static bool day_matches(const struct cw_cron *c, const struct moment *m)
{
    /* 1970-01-01 was a Thursday (4). */
    long long k = m->day_number + 4;
    unsigned wday = (unsigned)(k - 7 * floor_div(k, 7));
    bool dom = (c->days & DAY_BITS) >> m->mday & 1u;
    bool dow = (c->weekdays & WEEKDAY_BITS) >> wday & 1u;

    if (c->days_any || c->weekdays_any)
        return dom && dow;
    return dom || dow;
}

long long cw_cron_next(const struct cw_cron *c, long long after)
{
    uint64_t minutes;
    uint32_t hours;
    long long limit, t;
    struct moment m;
    int h, mi;

    if (!c || after < AFTER_MIN || after > AFTER_MAX)
        return -1;
    minutes = c->minutes & MINUTE_BITS;
    hours = c->hours & HOUR_BITS;
    if (!minutes || !hours || !(c->months & MONTH_BITS))
        return -1;
    limit = after + CW_CRON_HORIZON;
    moment_at(&m, (floor_div(after, 60) + 1) * 60);
    for (;;) {
        if (moment_time(&m) > limit)
            return -1;
        if (!((c->months & MONTH_BITS) >> m.month & 1u)) {
            next_month(&m);
            continue;
        }
        if (!day_matches(c, &m)) {
            next_day(&m);
            continue;
        }
        h = first_from(hours, m.hour);
        if (h < 0) {
            next_day(&m);
            continue;
        }
        if ((unsigned)h != m.hour) {
            m.hour = (unsigned)h;
            m.minute = 0;
        }
        mi = first_from(minutes, m.minute);
        if (mi < 0) {
            next_hour(&m);
            continue;
        }
        m.minute = (unsigned)mi;
        t = moment_time(&m);
        return t <= limit ? t : -1;
    }
}
