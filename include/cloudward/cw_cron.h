/*
 * cw_cron.h - cron expressions: the schedules `cloudward serve` runs
 * (config scans, sweeps, checkpoint signing).
 *
 * SYNTAX
 *     Five fields separated by spaces or tabs (blanks before the first
 *     and after the last are allowed):
 *
 *         minute  hour  day-of-month  month  day-of-week
 *         0-59    0-23  1-31          1-12   0-7 (0 and 7: Sunday)
 *
 *     Each field is a comma-separated list of items; an item is one of
 *
 *         *        every value of the field
 *         * /S     every S-th value from the field's first (written
 *                  without the blank, which only a C comment needs)
 *         N        the value N
 *         N-M      N to M inclusive; N must not be above M
 *         N-M/S    every S-th value from N to M
 *         N/S      every S-th value from N to the field's last
 *
 *     The month field also takes jan-dec and the day-of-week field sun-sat
 *     (three letters, any case), alone or in ranges ("mon-fri",
 *     "jan-mar/2"). In the day-of-week field 7 is Sunday too ("5-7" is
 *     Friday to Sunday); '*' and "N/S" stop at 6 (Saturday). A step S
 *     runs from 1 to the number of values in the field (60 for minutes,
 *     24 for hours, 31 for days, 12 for months, 7 for weekdays).
 *
 *     Instead of the five fields, one of these macros (any case):
 *
 *         @yearly, @annually   0 0 1 1 *
 *         @monthly             0 0 1 * *
 *         @weekly              0 0 * * 0
 *         @daily, @midnight    0 0 * * *
 *         @hourly              0 * * * *
 *
 * DAY OF MONTH AND DAY OF WEEK
 *     The rule of Vixie cron: when both fields are restricted (neither
 *     starts with '*'), a day matches if EITHER matches: "0 0 13 * 5" runs
 *     on every 13th and on every Friday. When either field starts with '*'
 *     (a step too: "* /2" counts as '*'), a day must match both: "0 0 * /2
 *     * 1", without the blank, runs on odd-numbered days that are Mondays.
 *
 * TIME
 *     All times are UTC; there is no time zone and no daylight saving.
 *     Times are Unix seconds (leap seconds do not exist for them).
 */
#ifndef CLOUDWARD_CW_CRON_H
#define CLOUDWARD_CW_CRON_H

#include <stdbool.h>
#include <stdint.h>

#include <cloudward/cw_core.h>
#include <cloudward/cw_export.h>
#include <cloudward/cw_status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The longest expression cw_cron_parse reads, in bytes. */
#define CW_CRON_MAX 256

/* How far ahead cw_cron_next looks: 5 x 366 days, in seconds, which is at
 * least five calendar years from any start. */
#define CW_CRON_HORIZON (1830LL * 86400)

/*
 * A parsed schedule: plain data, copyable, nothing to release. A value
 * belongs to the schedule when its bit is set. days_any and weekdays_any
 * record whether that field's text started with '*' ('*', or '*' with a
 * step): they choose between the AND and the OR rule above, and are set
 * by the macros as their expansions say.
 */
struct cw_cron {
    uint64_t minutes;  /* bit m set: minute m (0-59) */
    uint32_t hours;    /* bits 0-23 */
    uint32_t days;     /* day of month, bits 1-31 */
    uint16_t months;   /* bits 1-12 */
    uint8_t weekdays;  /* bits 0-6, 0 = Sunday (7 is stored as 0) */
    bool days_any;     /* the day-of-month field started with '*' */
    bool weekdays_any; /* the day-of-week field started with '*' */
};

/*
 * Parses the NUL-terminated `expr` into *out. On error returns CW_EPARSE
 * with d->line 1, d->col the 1-based column of the offending character
 * and d->msg saying what was expected ("minute: 61 is out of range
 * 0-59"); CW_ELIMIT when `expr` is longer than CW_CRON_MAX bytes (no byte
 * past CW_CRON_MAX + 1 is read); CW_EINVAL when `expr` or `out` is NULL.
 * *out is written only on success. `d` may be NULL. Thread-safe.
 */
CW_API enum cw_status cw_cron_parse(const char *expr, struct cw_cron *out,
                                    struct cw_diag *d);

/*
 * The first minute strictly after `after` (Unix seconds, UTC) that the
 * schedule matches, as Unix seconds (a multiple of 60): from 10:00:30 the
 * first candidate is 10:01:00, from 10:00:00 it is 10:01:00 too. Returns
 * -1 when no minute matches up to `after` + CW_CRON_HORIZON (a schedule
 * that never matches, as "0 0 30 2 *" or "0 0 31 4 *", or one whose next
 * match is further away, as "0 0 29 2 *" from 2096-03-01 to 2104-02-29),
 * when `c` is NULL, and when `after` is before 0001-01-01 or after
 * 9999-12-31T23:59:59. Bits outside the ranges above are ignored. Takes at
 * most a few thousand steps (months, days, hours: never minute by
 * minute). Thread-safe.
 */
CW_API long long cw_cron_next(const struct cw_cron *c, long long after);

#ifdef __cplusplus
}
#endif
#endif
