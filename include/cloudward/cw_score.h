/*
 * cw_score.h - the compliance score, traceable to the point
 * (docs/score.md).
 *
 * Each applicable control of the SoA is worth points by its nature (its
 * control type, and whether it is mandatory: a legal or contractual
 * source, or a 27018 duty of a PII processor) and earns a share of them
 * from five factors, each with its weight: its own implementation
 * status, its evidence being current, its checks' pass share, its 27018
 * register duties being on time, and its reliance on providers being
 * verified. A factor that does not apply to a line (no check cites it,
 * no register drives it, it relies on nobody) gives its weight to the
 * implementation. Points are counted in thousandths and the total is the
 * sum of the lines: they add up, always.
 */
#ifndef CLOUDWARD_CW_SCORE_H
#define CLOUDWARD_CW_SCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cloudward/cw_core.h>
#include <cloudward/cw_soa.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CW_SCORE_MAP(X)                                                       \
    X(IMPLEMENTATION, "implementation", 40)                                   \
    X(EVIDENCE, "evidence", 20)                                               \
    X(CHECKS, "checks", 20)                                                   \
    X(REGISTERS, "registers", 10)                                             \
    X(RELIANCE, "reliance", 10)

enum cw_score_factor {
#define CW__SCORE_ENUM(name, str, w) CW_SCORE_##name,
    CW_SCORE_MAP(CW__SCORE_ENUM)
#undef CW__SCORE_ENUM
        CW_SCORE_FACTOR_COUNT
};

/* One factor of one line. */
struct cw_score_part {
    bool applies;       /* false: its weight went to the implementation */
    unsigned weight;    /* of 100, after moving the weights that do not
                           apply */
    unsigned value;     /* 0..100: how much of it is met */
    long long earned;   /* thousandths of a point */
    const char *source; /* where the value comes from, one sentence */
};

struct cw_score_line {
    const struct cw_soa_line *line;
    const char *nature;    /* "preventive, mandatory (contract)" */
    long long possible;    /* thousandths of a point */
    long long earned;      /* the sum of its parts' */
    struct cw_score_part part[CW_SCORE_FACTOR_COUNT];
    const char *action;    /* what to do to earn the rest, or NULL */
    unsigned effort;       /* units of work that takes (1..5); 0: none */
};

struct cw_score;

/* Scores the applicable lines of `soa`. */
CW_API enum cw_status cw_score_build(const struct cw_soa *soa,
                                     struct cw_score **out,
                                     struct cw_diag *d);
CW_API void cw_score_free(struct cw_score *s);
CW_API size_t cw_score_count(const struct cw_score *s);
CW_API const struct cw_score_line *cw_score_at(const struct cw_score *s,
                                               size_t i);
/* Totals in thousandths of a point: the sums of the lines'. */
CW_API long long cw_score_earned(const struct cw_score *s);
CW_API long long cw_score_possible(const struct cw_score *s);
/* The line of control `catalog` `id`, or NULL. */
CW_API const struct cw_score_line *cw_score_find(const struct cw_score *s,
                                                 const char *catalog,
                                                 const char *id);
CW_API const char *cw_score_factor_name(enum cw_score_factor f);

/* ---- views: totals by an area, improvement actions, JSON -------------- */

enum cw_score_by {
    CW_SCORE_BY_CONTROL,
    CW_SCORE_BY_CLAUSE,
    CW_SCORE_BY_RESPONSIBILITY
};

/* "control", "clause", "responsibility"; false for anything else. */
CW_API bool cw_score_by_parse(const char *s, enum cw_score_by *out);

/* Points earned and possible of one area. */
struct cw_score_group {
    const char *key;       /* control id, clause, responsibility, tenant */
    const char *catalog;   /* by control: its catalog; else NULL */
    long long earned, possible;
};

/* The lines of `catalog` (NULL: all) summed by `by` into out[cap], in
 * the SoA's order of first appearance; returns how many groups there
 * are (at most the number of lines). *earned and *possible receive the
 * totals of those lines. */
CW_API size_t cw_score_groups(const struct cw_score *s, enum cw_score_by by,
                              const char *catalog,
                              struct cw_score_group *out, size_t cap,
                              long long *earned, long long *possible);

/* The indexes of the lines of `catalog` with points left, ranked by
 * points to gain per unit of effort (most first), into idx[cap];
 * returns how many were written. */
CW_API size_t cw_score_actions(const struct cw_score *s, const char *catalog,
                               size_t *idx, size_t cap);

/*
 * The score as JSON to `out`: {"as_of", "catalog", "earned_milli",
 * "possible_milli", "percent", "by", "groups": [{key, catalog?,
 * earned_milli, possible_milli}], "actions": [{control, catalog,
 * gain_milli, effort, do}]} with `by_name` and `groups` as given (from
 * cw_score_groups, or another grouping such as per tenant) and the
 * first `nactions` actions. CW_EIO when `out` fails.
 */
CW_API enum cw_status cw_score_write_json(const struct cw_score *s,
                                          const char *as_of,
                                          const char *catalog,
                                          const char *by_name,
                                          const struct cw_score_group *groups,
                                          size_t ngroups, size_t nactions,
                                          FILE *out);

/* One line explained as JSON (what `score --explain` prints). */
CW_API enum cw_status cw_score_explain_json(const struct cw_score_line *l,
                                            FILE *out);
/* The weight of factor `f` before any is moved (of 100). */
CW_API unsigned cw_score_factor_weight(enum cw_score_factor f);

/* ---- history: the score per day ---------------------------------------- */

/* The longest history computed at once, in days (ten years). */
#define CW_SCORE_HISTORY_MAX_DAYS 3660

/* One day of a history: the score as it stood at the end of `date`. */
struct cw_score_day {
    char date[11];           /* YYYY-MM-DD */
    long long earned;        /* thousandths of a point */
    long long possible;      /* thousandths of a point */
    size_t controls;         /* applicable controls scored */
    size_t unrecorded;       /* decisions the files hold whose control the
                                ledger never recorded: they count as the
                                files say, on every day */
};

/*
 * The days a history from `since` to `until` covers, as cw_score_history
 * resolves them (NULL `until`: today, UTC; NULL `since`: 30 days before
 * `until`): the first and last into first[11] and last[11], how many
 * (both included) into *ndays. For refusing bad input before any work:
 * CW_EINVAL for a malformed date or `since` after `until`, CW_ELIMIT
 * beyond CW_SCORE_HISTORY_MAX_DAYS days, each with its message in `d`.
 */
CW_API enum cw_status cw_score_history_range(const char *since,
                                             const char *until,
                                             char first[11], char last[11],
                                             size_t *ndays,
                                             struct cw_diag *d);

/*
 * The score of each day from `since` to `until` inclusive (YYYY-MM-DD),
 * oldest first, given to `fn` one day at a time (the day is valid during
 * the call only); `fn` returns 0 to go on, anything else to stop, which
 * is no error. A day's score is the one of the SoA of `cats` and `scope`
 * as it stood at the end of that day (UTC): built with `opt` (NULL: the
 * defaults; its store, model, tenant, access and expiring window count)
 * with as_of that day, as_recorded and decisions_as_recorded
 * (cw_soa.h); of the lines of `catalog` only, when not NULL. `until`
 * NULL is today, scored as of now (as cw_soa_build without a date);
 * `since` NULL is 30 days before `until`. The scope's own settings and
 * catalogs are today's on every day (docs/score.md, "History").
 * Errors: those of cw_score_history_range, before any day is computed,
 * and any error of building a day's SoA; each with its message in `d`.
 * Reads the store only.
 */
CW_API enum cw_status cw_score_history(
    const struct cw_catalogs *cats, const struct cw_scope *scope,
    const struct cw_soa_options *opt, const char *catalog, const char *since,
    const char *until, int (*fn)(void *arg, const struct cw_score_day *day),
    void *arg, struct cw_diag *d);

/*
 * A history as JSON to `out`: {"since", "until", "catalog", "days":
 * [{date, earned_milli, possible_milli, percent, controls,
 * unrecorded}]}, the `n` days as given (what `score --history --format
 * json` prints). CW_EIO when `out` fails.
 */
CW_API enum cw_status cw_score_history_write_json(
    const char *since, const char *until, const char *catalog,
    const struct cw_score_day *days, size_t n, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
