/*
 * clock.c - the registers' calendar: RFC 3339 times, plain dates, IANA
 * time zones read straight from the system's TZif files (RFC 8536), and
 * "N days later" on the wall clock of a zone.
 *
 * A zone is an immutable table loaded once: the transition instants
 * (ascending, 64-bit), the type index of each, and the UTC offset of
 * each type. Between two transitions the offset is constant, so the
 * offset at an instant is one binary search; every function here only
 * reads the table, so one zone may be shared by any number of threads.
 *
 * Rejected alternatives. localtime_r/mktime with TZ set: TZ is process
 * state, and setenv in a threaded server is a data race. The POSIX TZ
 * string at the end of version 2+ files: we do not interpret it; past the
 * file's last transition the last offset stays in force. Debian's tzdata
 * is built "fat", with explicit transitions up to 2037, which covers any
 * deadline a register computes today; a "slim" file (transitions only up
 * to the rule's start) would freeze the offset of its last transition.
 * The leap-second "right/" zones are refused: their transition times
 * count leap seconds, and reading them as Unix time would be 27 seconds
 * off.
 *
 * The file is untrusted input: its size is capped (TZIF_MAX), every count
 * is checked against the bytes actually present before anything is read,
 * and the sums are computed in 64 bits so that no count can overflow
 * them. Instants and day numbers are clamped to about +-109,000 years
 * around 1970 (MAX_DAYS), far beyond any deadline, so that no argument
 * can make the arithmetic overflow.
 *
 * Calendar conversions are Howard Hinnant's days_from_civil and
 * civil_from_days (proleptic Gregorian, 400-year eras), which need no
 * tables and no loops.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"

#define DAY 86400LL
/* Instants and local times are clamped to +-MAX_DAYS days of 1970 (about
 * 109,500 years): a formatted year then has at most 7 characters and no
 * sum below can overflow. */
#define MAX_DAYS 40000000LL
#define MAX_SECS (MAX_DAYS * DAY)
/* The largest TZif file read; the biggest in tzdata is under 4 KiB fat. */
#define TZIF_MAX ((size_t)1 << 20)
/* RFC 8536 3.2: utoff SHOULD lie in -89999 .. 93599 (-25 h to +26 h);
 * anything else is refused, and cw__tz_local relies on the bounds. */
#define OFF_MIN      (-89999L)
#define OFF_MAX      93599L
#define NAME_MAX_LEN 64
#define TZIF_HEADER  44

struct cw__tz {
    char name[NAME_MAX_LEN + 1];
    size_t ntrans;       /* transitions */
    size_t ntypes;       /* local time types, >= 1 */
    long long *times;    /* ntrans instants, strictly ascending */
    unsigned char *type; /* ntrans type indices, each < ntypes */
    long *utoff;         /* ntypes offsets, seconds east of UTC */
};

/* The counts of a TZif header (RFC 8536 3.1). */
struct tzif_header {
    unsigned version; /* 1 to 4 */
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static long long clamp(long long v, long long lo, long long hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Division rounding toward minus infinity (b > 0). */
static long long floor_div(long long a, long long b)
{
    long long q = a / b;
    return a % b < 0 ? q - 1 : q;
}

/* ---- calendar --------------------------------------------------------- */

/* Hinnant's days_from_civil: March-based years so that the leap day is
 * the last of the year, then 400-year eras of 146097 days. `y` is
 * clamped to +-2^50 so that nothing overflows; m and d outside 1-12 and
 * 1-31 give meaningless but defined results. */
long long cw__days_from_civil(long long y, unsigned m, unsigned d)
{
    long long era, yoe, doy, doe;

    y = clamp(y, -(1LL << 50), 1LL << 50);
    if (m <= 2)
        y--;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400; /* 0..399 */
    doy = (153LL * (m > 2 ? (long long)m - 3 : (long long)m + 9) + 2) / 5 +
          (long long)d - 1;                      /* 0..365 */
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* 0..146096 */
    return era * 146097 + doe - 719468;
}

/* Hinnant's civil_from_days, the inverse of cw__days_from_civil. `z` is
 * clamped to +-2^60 days. */
void cw__civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
    long long era, doe, yoe, doy, mp;

    z = clamp(z, -(1LL << 60), 1LL << 60) + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;                                      /* 0..146096 */
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* 0..365 */
    mp = (5 * doy + 2) / 153;                                    /* 0..11 */
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);               /* 1..31 */
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);                  /* 1..12 */
    *y = yoe + era * 400 + (*m <= 2);
}

static bool leap_year(long long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(long long y, unsigned m)
{
    static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30,
                                            31, 31, 30, 31, 30, 31 };
    return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

/* ---- zone names and loading -------------------------------------------- */

static bool name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-' ||
           c == '.';
}

/* A path component: not empty (no leading or trailing '/', no "//"),
 * not "." and not "..". */
static bool component_ok(const char *p, size_t n)
{
    if (n == 0)
        return false;
    if (p[0] == '.' && (n == 1 || (n == 2 && p[1] == '.')))
        return false;
    return true;
}

/* '.' is allowed inside a component ("a..b" is a harmless file name) so
 * that the rule is about path components, not characters; no IANA name
 * uses one today. An empty component is refused too: "Europe/" would name
 * a directory. */
bool cw__tz_name_ok(const char *name)
{
    size_t i, start = 0;

    if (!name)
        return false;
    for (i = 0; name[i]; i++) {
        if (i >= NAME_MAX_LEN)
            return false;
        if (name[i] == '/') {
            if (!component_ok(name + start, i - start))
                return false;
            start = i + 1;
        } else if (!name_char(name[i])) {
            return false;
        }
    }
    return component_ok(name + start, i - start);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

/* Two's complement without implementation-defined conversions. */
static long long be32s(const unsigned char *p)
{
    uint32_t u = be32(p);
    return u > INT32_MAX ? -(long long)(~u) - 1 : (long long)u;
}

static long long be64s(const unsigned char *p)
{
    uint64_t u = (uint64_t)be32(p) << 32 | be32(p + 4);
    return u > INT64_MAX ? -(long long)(~u) - 1 : (long long)u;
}

/* Reads a header at p (len bytes available); false when it is not one. */
static bool read_header(const unsigned char *p, size_t len,
                        struct tzif_header *h)
{
    if (len < TZIF_HEADER || memcmp(p, "TZif", 4) != 0)
        return false;
    if (p[4] == 0)
        h->version = 1;
    else if (p[4] >= '2' && p[4] <= '4')
        h->version = (unsigned)(p[4] - '0');
    else
        return false;
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    return true;
}

/* The length of the data block a header announces, with `tsize`-byte
 * times; at most about 2^38, so the 64-bit sum cannot overflow. */
static uint64_t block_len(const struct tzif_header *h, unsigned tsize)
{
    return (uint64_t)h->timecnt * (tsize + 1) + (uint64_t)h->typecnt * 6 +
           h->charcnt + (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt +
           h->isutcnt;
}

static struct cw__tz *tz_new(const char *name, size_t ntrans, size_t ntypes)
{
    struct cw__tz *tz = cw__calloc(1, sizeof(*tz));

    if (!tz)
        return NULL;
    (void)snprintf(tz->name, sizeof(tz->name), "%s", name);
    tz->ntrans = ntrans;
    tz->ntypes = ntypes;
    tz->times = cw__calloc(ntrans ? ntrans : 1, sizeof(*tz->times));
    tz->type = cw__calloc(ntrans ? ntrans : 1, 1);
    tz->utoff = cw__calloc(ntypes, sizeof(*tz->utoff));
    if (!tz->times || !tz->type || !tz->utoff) {
        cw__tz_free(tz);
        return NULL;
    }
    return tz;
}

/* Checks the counts of the data block about to be read (n bytes of it
 * present) against RFC 8536 and what this reader supports. NULL when
 * fine, else why not. */
static const char *check_counts(const struct tzif_header *h, unsigned tsize,
                                size_t n)
{
    if (block_len(h, tsize) > n)
        return "truncated";
    if (h->typecnt == 0 || h->charcnt == 0)
        return "bad type or designation count";
    if ((h->isstdcnt && h->isstdcnt != h->typecnt) ||
        (h->isutcnt && h->isutcnt != h->typecnt))
        return "bad standard/UT indicator count";
    if (h->leapcnt)
        return "leap-second zones (right/...) are not supported";
    return NULL;
}

/* Fills tz from the data block at p, whose counts check_counts accepted.
 * NULL when fine, else why not. */
static const char *read_block(const struct tzif_header *h, unsigned tsize,
                              const unsigned char *p, struct cw__tz *tz)
{
    size_t i;

    for (i = 0; i < h->timecnt; i++, p += tsize) {
        tz->times[i] = tsize == 8 ? be64s(p) : be32s(p);
        if (i && tz->times[i] <= tz->times[i - 1])
            return "transition times not in ascending order";
    }
    for (i = 0; i < h->timecnt; i++, p++) {
        if (*p >= h->typecnt)
            return "transition type index out of range";
        tz->type[i] = *p;
    }
    for (i = 0; i < h->typecnt; i++, p += 6) {
        long long off = be32s(p);
        if (off < OFF_MIN || off > OFF_MAX)
            return "UTC offset out of range";
        if (p[4] > 1 || p[5] >= h->charcnt)
            return "bad local time type";
        tz->utoff[i] = (long)off;
    }
    p += h->charcnt;
    for (i = 0; i < (size_t)h->isstdcnt + h->isutcnt; i++)
        if (p[i] > 1)
            return "bad standard/UT indicator";
    return NULL;
}

/* Parses a whole TZif file. For version 2+ the version 1 block is skipped
 * and the 64-bit one read; the footer (a POSIX TZ string) is neither read
 * nor required. On error sets `d` (CW_EPARSE or CW_ENOMEM). */
static enum cw_status parse_tzif(const char *name, const unsigned char *p,
                                 size_t len, struct cw__tz **out,
                                 struct cw_diag *d)
{
    struct tzif_header h, h2;
    unsigned tsize = 4;
    const char *why;
    struct cw__tz *tz;

    if (!read_header(p, len, &h))
        return cw__diag_set(d, CW_EPARSE, NULL, 0, 0,
                            "time zone '%s': not a TZif file", name);
    if (h.version >= 2) {
        uint64_t skip = TZIF_HEADER + block_len(&h, 4);
        if (skip > len || !read_header(p + skip, len - (size_t)skip, &h2) ||
            h2.version != h.version)
            return cw__diag_set(d, CW_EPARSE, NULL, 0, 0,
                                "time zone '%s': truncated or bad second "
                                "TZif header",
                                name);
        p += skip;
        len -= (size_t)skip;
        h = h2;
        tsize = 8;
    }
    why = check_counts(&h, tsize, len - TZIF_HEADER);
    if (why)
        return cw__diag_set(d, CW_EPARSE, NULL, 0, 0, "time zone '%s': %s",
                            name, why);
    tz = tz_new(name, h.timecnt, h.typecnt);
    if (!tz)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    why = read_block(&h, tsize, p + TZIF_HEADER, tz);
    if (why) {
        cw__tz_free(tz);
        return cw__diag_set(d, CW_EPARSE, NULL, 0, 0, "time zone '%s': %s",
                            name, why);
    }
    *out = tz;
    return CW_OK;
}

/* "UTC" and "Etc/UTC" are built in: they need no file, so a host without
 * tzdata still has them. A name with no regular file behind it (missing,
 * a directory such as "Europe", a FIFO) is an unknown zone. Besides the
 * header's codes: CW_ELIMIT for a file over 1 MiB, CW_EIO when reading
 * fails, CW_ENOMEM. Reads $TZDIR with getenv: do not change it while
 * another thread loads a zone. */
enum cw_status cw__tz_load(const char *name, struct cw__tz **out,
                           struct cw_diag *d)
{
    char path[4096];
    const char *dir = getenv("TZDIR");
    struct cw__buf b;
    struct stat sb;
    enum cw_status st;
    int n;

    *out = NULL;
    if (!cw__tz_name_ok(name))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "invalid time zone name: 1 to 64 of A-Z a-z "
                            "0-9 _ + - . / without empty, '.' or '..' "
                            "components");
    if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
        *out = tz_new(name, 0, 1);
        return *out ? CW_OK
                    : cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (!dir || !dir[0])
        dir = "/usr/share/zoneinfo";
    n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "time zone '%s': TZDIR is too long", name);
    /* Missing, "Europe/Dublin/x" (ENOTDIR), a loop: all unknown zones;
     * cw__read_file would call the second an I/O error. */
    if (stat(path, &sb) != 0 && errno != EACCES && errno != EIO)
        return cw__diag_set(d, CW_ENOENT, NULL, 0, 0, "unknown time zone '%s'",
                            name);
    cw__buf_init(&b, TZIF_MAX);
    st = cw__read_file(path, &b, d);
    if (st == CW_ENOENT || st == CW_EINVAL)
        st = cw__diag_set(d, CW_ENOENT, NULL, 0, 0, "unknown time zone '%s'",
                          name);
    else if (st == CW_ELIMIT)
        cw__diag_set(d, st, NULL, 0, 0,
                     "time zone '%s': file larger than %zu bytes", name,
                     TZIF_MAX);
    if (!st)
        st = parse_tzif(name, (const unsigned char *)b.data, b.len, out, d);
    cw__buf_release(&b);
    return st;
}

void cw__tz_free(struct cw__tz *tz)
{
    if (!tz)
        return;
    cw__free(tz->times);
    cw__free(tz->type);
    cw__free(tz->utoff);
    cw__free(tz);
}

/* Borrowed; valid until cw__tz_free. NULL stands for UTC everywhere in
 * this file. */
const char *cw__tz_name(const struct cw__tz *tz)
{
    return tz ? tz->name : "UTC";
}

/* ---- offsets and local times ------------------------------------------ */

/* The segment of instant t: the number of transitions at or before it.
 * Segment s runs from transition s-1 (or the beginning of time) up to,
 * not including, transition s (or the end of time). */
static size_t segment(const struct cw__tz *tz, long long t)
{
    size_t lo = 0, hi = tz->ntrans;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->times[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The offset of segment s. Before the first transition it is type 0's,
 * as RFC 8536 3.2 says (zic makes type 0 the zone's earliest time). */
static long segment_offset(const struct cw__tz *tz, size_t s)
{
    return tz->utoff[s ? tz->type[s - 1] : 0];
}

long cw__tz_offset(const struct cw__tz *tz, long long t)
{
    return tz ? segment_offset(tz, segment(tz, t)) : 0;
}

/*
 * Solving t + offset(t) = L for t. Every offset lies in OFF_MIN..OFF_MAX,
 * so a solution lies in L - OFF_MAX .. L - OFF_MIN; we walk the segments
 * covering that window in order (one or two for any real zone). In
 * segment s the only candidate is t = L - offset(s), and it is a solution
 * when it falls inside s. The first solution is the earliest instant: for
 * the hour repeated in autumn that is the one still on summer time. When
 * no segment has one, L is in a gap: some segment's candidate lies past
 * its end while the next one's lies before its start. We take the
 * former, L - offset_before, which reads on the clock as L plus the gap
 * (01:30 on the spring night in Dublin becomes 02:30 IST). The first
 * segment's candidate cannot lie before its start nor the last one's past
 * its end, so with no solution such a pair exists.
 */
long long cw__tz_local(const struct cw__tz *tz, long long day, long sec)
{
    long long local, gap, t;
    size_t s, last;
    bool have_gap = false;

    day = clamp(day, -MAX_DAYS, MAX_DAYS);
    local =
        clamp(day * DAY + clamp(sec, -MAX_SECS, MAX_SECS), -MAX_SECS, MAX_SECS);
    if (!tz)
        return local;
    s = segment(tz, local - OFF_MAX);
    last = segment(tz, local - OFF_MIN);
    gap = local - segment_offset(tz, s);
    for (; s <= last; s++) {
        t = local - segment_offset(tz, s);
        if (s > 0 && t < tz->times[s - 1])
            continue; /* before this segment */
        if (s < tz->ntrans && t >= tz->times[s]) {
            /* past its end: a gap when the next one's is before it */
            if (!have_gap && local - segment_offset(tz, s + 1) < tz->times[s]) {
                gap = t;
                have_gap = true;
            }
            continue;
        }
        return t;
    }
    return gap;
}

/* ---- parsing and formatting -------------------------------------------- */

/* Exactly n decimal digits at s (stops at the NUL, never reads past). */
static bool digits(const char *s, unsigned n, unsigned *out)
{
    unsigned v = 0, i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* "YYYY-MM-DD" at s, a real date of 1970 to 9999: its day number. */
static bool parse_date(const char *s, long long *day)
{
    unsigned y, m, d;

    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) ||
        s[7] != '-' || !digits(s + 8, 2, &d))
        return false;
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
        return false;
    *day = cw__days_from_civil(y, m, d);
    return true;
}

/* "HH:MM:SS[.frac]" at *p, advanced past it; seconds may be 60. */
static bool parse_clock(const char **p, unsigned *h, unsigned *mi,
                        unsigned *sec)
{
    const char *s = *p;

    if (!digits(s, 2, h) || s[2] != ':' || !digits(s + 3, 2, mi) ||
        s[5] != ':' || !digits(s + 6, 2, sec))
        return false;
    if (*h > 23 || *mi > 59 || *sec > 60)
        return false;
    s += 8;
    if (*s == '.') {
        if (s[1] < '0' || s[1] > '9')
            return false;
        for (s++; *s >= '0' && *s <= '9'; s++)
            ;
    }
    *p = s;
    return true;
}

/* "Z", "+HH:MM" or "-HH:MM" and the end of the string: seconds east. */
static bool parse_offset(const char *s, long *off)
{
    unsigned h, m;

    if ((s[0] == 'Z' || s[0] == 'z') && !s[1]) {
        *off = 0;
        return true;
    }
    if ((s[0] != '+' && s[0] != '-') || !digits(s + 1, 2, &h) || s[3] != ':' ||
        !digits(s + 4, 2, &m) || s[6] || h > 23 || m > 59)
        return false;
    *off = (long)(h * 3600 + m * 60) * (s[0] == '-' ? -1 : 1);
    return true;
}

/* RFC 3339 5.7: a leap second is the last of a month in UTC. Reading
 * :60 as :59, `t` must then be one second before midnight UTC of a
 * day that begins a month. */
static bool leap_second_ok(long long t)
{
    long long y;
    unsigned m, d;

    if (floor_div(t + 1, DAY) * DAY != t + 1)
        return false;
    cw__civil_from_days(floor_div(t + 1, DAY), &y, &m, &d);
    return d == 1;
}

bool cw__time_parse(const char *s, const struct cw__tz *tz, long long *out,
                    bool *date_only)
{
    unsigned h, mi, sec;
    long long day, t;
    long off;
    const char *p;

    if (!s || !parse_date(s, &day))
        return false;
    if (!s[10]) {
        *out = cw__tz_local(tz, day, 0);
        if (date_only)
            *date_only = true;
        return true;
    }
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return false;
    p = s + 11;
    if (!parse_clock(&p, &h, &mi, &sec) || !parse_offset(p, &off))
        return false;
    t = day * DAY + h * 3600LL + mi * 60LL + (sec == 60 ? 59 : sec) - off;
    if (sec == 60 && !leap_second_ok(t))
        return false;
    *out = t;
    if (date_only)
        *date_only = false;
    return true;
}

long long cw__add_days(const struct cw__tz *tz, long long t, long days)
{
    long long local, day;

    t = clamp(t, -MAX_SECS, MAX_SECS);
    local = t + cw__tz_offset(tz, t);
    day = floor_div(local, DAY);
    return cw__tz_local(tz, day + clamp(days, -2 * MAX_DAYS, 2 * MAX_DAYS),
                        (long)(local - day * DAY));
}

/* Two decimal digits of v (< 100) at p; returns p + 2. */
static char *put2(char *p, long long v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* An offset with seconds (local mean time before 1972 in a few zones)
 * cannot be written in RFC 3339; it is cut to whole minutes and the wall
 * time written for that offset, so the string still names instant t.
 * With t clamped the year has at most 7 characters, so the string has at
 * most 28. */
void cw__time_format(const struct cw__tz *tz, long long t, char *out)
{
    long long local, day, y, secs;
    unsigned m, d;
    long off, a;
    char *p;

    t = clamp(t, -MAX_SECS, MAX_SECS);
    off = cw__tz_offset(tz, t);
    off -= off % 60;
    local = t + off;
    day = floor_div(local, DAY);
    secs = local - day * DAY;
    cw__civil_from_days(day, &y, &m, &d);
    p = out + snprintf(out, 32, "%04lld", y);
    *p++ = '-';
    p = put2(p, m);
    *p++ = '-';
    p = put2(p, d);
    *p++ = 'T';
    p = put2(p, secs / 3600);
    *p++ = ':';
    p = put2(p, secs / 60 % 60);
    *p++ = ':';
    p = put2(p, secs % 60);
    if (!off) {
        *p++ = 'Z';
    } else {
        a = off < 0 ? -off : off;
        *p++ = off < 0 ? '-' : '+';
        p = put2(p, a / 3600);
        *p++ = ':';
        p = put2(p, a / 60 % 60);
    }
    *p = '\0';
}
