/*
 * clock.h - the time arithmetic of the registers' deadlines: RFC 3339
 * times and plain dates, IANA time zones read from the system's TZif
 * files (no TZ variable, no localtime: the server is threaded), and
 * "N days later" as a contract means it, on the calendar of the
 * customer's zone. An hour clock (a breach's 72 hours) is elapsed time
 * and needs no zone; a day clock (a 30-day objection window) ends at the
 * same wall-clock time N local days later, so across a change to or from
 * summer time it is 23 or 25 hours longer or shorter than N x 24.
 */
#ifndef CW_REGISTERS_CLOCK_H
#define CW_REGISTERS_CLOCK_H

#include <stdbool.h>

#include "../core/core.h"

/* A time zone loaded once: "UTC" (built in) or an IANA name such as
 * "Europe/Dublin" read from $TZDIR or /usr/share/zoneinfo. */
struct cw__tz;

/* True when `name` may name a zone: 1 to 64 of [A-Za-z0-9_+-/], no
 * component "." or "..", not starting with '/'. */
bool cw__tz_name_ok(const char *name);

/*
 * Loads zone `name`. CW_EINVAL for a name cw__tz_name_ok refuses,
 * CW_ENOENT for one with no TZif file ("unknown time zone 'X'"), CW_EPARSE
 * for a file that is not TZif (version 1 to 4; the 64-bit part of
 * version 2+ files is read). Release with cw__tz_free.
 */
enum cw_status cw__tz_load(const char *name, struct cw__tz **out,
                           struct cw_diag *d);
void cw__tz_free(struct cw__tz *tz);
/* Its name as loaded. */
const char *cw__tz_name(const struct cw__tz *tz);

/* The offset from UTC, in seconds east, in force at instant `t` (Unix
 * seconds). Past the last transition of the file, the last offset. */
long cw__tz_offset(const struct cw__tz *tz, long long t);

/*
 * The instant of local wall-clock time (days since 1970-01-01 of the
 * local calendar, seconds into that day) in `tz`. A wall time that does
 * not exist (skipped by a change to summer time) is moved forward by the
 * gap; one that exists twice (the hour repeated in autumn) is the
 * earlier of the two.
 */
long long cw__tz_local(const struct cw__tz *tz, long long day, long sec);

/*
 * Parses `s` as an RFC 3339 time "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|
 * -HH:MM)" ('t', 'z' and a space for 'T' accepted; fractions dropped) or
 * a plain date "YYYY-MM-DD", which means the start of that day in `tz`
 * (UTC when tz is NULL). Validates the calendar (2026-02-30 is refused)
 * and ranges; years 1970 to 9999. *date_only says which it was (may be
 * NULL). False when it is neither.
 */
bool cw__time_parse(const char *s, const struct cw__tz *tz, long long *out,
                    bool *date_only);

/* `t` plus `days` calendar days of `tz` (negative: earlier): the same
 * wall-clock time, moved as cw__tz_local says when it does not exist. */
long long cw__add_days(const struct cw__tz *tz, long long t, long days);

/* `t` in `tz` as "YYYY-MM-DDTHH:MM:SS+HH:MM" ("Z" when the offset is 0);
 * out holds at least 32 bytes. */
void cw__time_format(const struct cw__tz *tz, long long t, char *out);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
long long cw__days_from_civil(long long y, unsigned m, unsigned d);
void cw__civil_from_days(long long z, long long *y, unsigned *m,
                         unsigned *d);

#endif
