/*
 * history.c - the score per day (cw_score_history; docs/score.md,
 * "History").
 *
 * A past day's score is the score of the SoA as it stood at the end of
 * that day: the scan runs latest by then, the evidence recorded by then
 * and judged on that date, the registers' records at their version then,
 * the providers' assurance judged on that date, and the decisions as the
 * ledger recorded them by then (cw_soa_options: as_recorded,
 * decisions_as_recorded). Each day is one SoA built and scored from
 * scratch: nearly everything in it depends on the date alone (an
 * evidence file expires, a certificate enters its renewal window, a
 * register duty becomes overdue without any entry being written), so a
 * day cannot be derived from the day before by replaying entries.
 * Rejected: rebuilding only on days with an entry (wrong on exactly those
 * expiry days), and one pass computing every day's factors from sorted
 * events (a second implementation of the SoA and of the score that would
 * drift from the first).
 *
 * Days are counted in UTC, as every date of the ledger is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cloudward/cw_score.h>

#include "../core/core.h"
#include "../report/table.h"

#define DEFAULT_DAYS 30

/* Days since 1970-01-01 of a valid date YYYY-MM-DD. */
static long long day_number(const char *date)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = (int)strtol(date, NULL, 10) - 1900;
    tm.tm_mon = (int)strtol(date + 5, NULL, 10) - 1;
    tm.tm_mday = (int)strtol(date + 8, NULL, 10);
    tm.tm_hour = 12;
    return (long long)timegm(&tm) / 86400;
}

static void date_of(long long day, char out[11])
{
    time_t t = (time_t)(day * 86400 + 43200);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The day's totals over the lines of `catalog` (NULL: all). */
static void totals(const struct cw_score *s, const char *catalog,
                   struct cw_score_day *day)
{
    size_t i;

    for (i = 0; i < cw_score_count(s); i++) {
        const struct cw_score_line *l = cw_score_at(s, i);
        if (catalog && strcmp(l->line->control->catalog, catalog) != 0)
            continue;
        day->earned += l->earned;
        day->possible += l->possible;
        day->controls++;
    }
}

enum cw_status cw_score_history_range(const char *since, const char *until,
                                      char first[11], char last[11],
                                      size_t *ndays, struct cw_diag *d)
{
    long long first_day, last_day;

    if (until && !cw__date_valid(until))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "expected a date YYYY-MM-DD for the history's "
                            "last day, found '%s'",
                            until);
    if (since && !cw__date_valid(since))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "expected a date YYYY-MM-DD for the history's "
                            "first day, found '%s'",
                            since);
    if (until) {
        snprintf(last, 11, "%s", until);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(last, 11, "%Y-%m-%d", &tm);
    }
    last_day = day_number(last);
    first_day = since ? day_number(since) : last_day - DEFAULT_DAYS;
    date_of(first_day, first);
    if (first_day > last_day)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "the history cannot start on %s, after its last "
                            "day %s (the SoA's date)",
                            first, last);
    if (last_day - first_day + 1 > CW_SCORE_HISTORY_MAX_DAYS)
        return cw__diag_set(d, CW_ELIMIT, NULL, 0, 0,
                            "a history of %lld days, from %s to %s: at most "
                            "%d days at a time",
                            last_day - first_day + 1, first, last,
                            CW_SCORE_HISTORY_MAX_DAYS);
    *ndays = (size_t)(last_day - first_day + 1);
    return CW_OK;
}

enum cw_status cw_score_history(
    const struct cw_catalogs *cats, const struct cw_scope *scope,
    const struct cw_soa_options *opt, const char *catalog, const char *since,
    const char *until, int (*fn)(void *arg, const struct cw_score_day *day),
    void *arg, struct cw_diag *d)
{
    struct cw_soa_options so;
    char first[11], last[11];
    long long day, first_day, last_day;
    size_t n;
    enum cw_status st;

    if ((st = cw_score_history_range(since, until, first, last, &n, d)))
        return st;
    first_day = day_number(first);
    last_day = day_number(last);
    if (opt)
        so = *opt;
    else {
        memset(&so, 0, sizeof(so));
        so.model = -1;
    }
    so.as_recorded = true;
    so.decisions_as_recorded = true;
    for (day = first_day; !st && day <= last_day; day++) {
        struct cw_score_day out;
        struct cw_soa *soa = NULL;
        struct cw_score *s = NULL;

        memset(&out, 0, sizeof(out));
        date_of(day, out.date);
        /* Today, as it stands now (registers judged now, as the SoA
         * without a date judges them); any other day at its end. */
        so.as_of = day == last_day && !until ? NULL : out.date;
        st = cw_soa_build(cats, scope, &so, &soa, d);
        if (!st)
            st = cw_score_build(soa, &s, d);
        if (!st) {
            totals(s, catalog, &out);
            out.unrecorded = cw_soa_get_summary(soa)->unrecorded;
        }
        cw_score_free(s);
        cw_soa_free(soa);
        if (!st && fn(arg, &out))
            break;
    }
    return st;
}

static void str(FILE *f, const char *s)
{
    if (s)
        cw__json_string(f, s);
    else
        fputs("null", f);
}

enum cw_status cw_score_history_write_json(
    const char *since, const char *until, const char *catalog,
    const struct cw_score_day *days, size_t n, FILE *out)
{
    size_t i;

    fputs("{\n  \"since\": ", out);
    str(out, since ? since : n ? days[0].date : NULL);
    fputs(",\n  \"until\": ", out);
    str(out, until ? until : n ? days[n - 1].date : NULL);
    fputs(",\n  \"catalog\": ", out);
    str(out, catalog);
    fputs(",\n  \"days\": [", out);
    for (i = 0; i < n; i++) {
        const struct cw_score_day *x = &days[i];
        fprintf(out,
                "%s\n    {\"date\": \"%s\", \"earned_milli\": %lld, "
                "\"possible_milli\": %lld, \"percent\": %.1f, "
                "\"controls\": %zu, \"unrecorded\": %zu}",
                i ? "," : "", x->date, x->earned, x->possible,
                x->possible ? 100.0 * (double)x->earned / (double)x->possible
                            : 100.0,
                x->controls, x->unrecorded);
    }
    fprintf(out, "%s]\n}\n", n ? "\n  " : "");
    return ferror(out) ? CW_EIO : CW_OK;
}
