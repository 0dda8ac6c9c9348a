/*
 * json.c - views of a score: totals by area, the improvement actions
 * ranked, and the JSON that `cloudward score` prints and the server's
 * GET /api/v1/score answers (one writer for both).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cloudward/cw_score.h>

#include "../core/core.h"
#include "../report/table.h"

bool cw_score_by_parse(const char *s, enum cw_score_by *out)
{
    static const char *const names[] = { "control", "clause",
                                         "responsibility" };
    unsigned i;
    for (i = 0; s && i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (enum cw_score_by)i;
            return true;
        }
    return false;
}

static bool in_catalog(const struct cw_score_line *l, const char *catalog)
{
    return !catalog || strcmp(l->line->control->catalog, catalog) == 0;
}

size_t cw_score_groups(const struct cw_score *s, enum cw_score_by by,
                       const char *catalog, struct cw_score_group *out,
                       size_t cap, long long *earned, long long *possible)
{
    size_t n = 0, i, k;

    *earned = *possible = 0;
    for (i = 0; i < cw_score_count(s); i++) {
        const struct cw_score_line *l = cw_score_at(s, i);
        const struct cw_control *c = l->line->control;
        const char *key =
            by == CW_SCORE_BY_CONTROL ? c->id
            : by == CW_SCORE_BY_CLAUSE
                ? (c->clause ? c->clause : "(none)")
                : cw_resp_name(l->line->responsibility);
        if (!in_catalog(l, catalog))
            continue;
        *earned += l->earned;
        *possible += l->possible;
        for (k = 0; by != CW_SCORE_BY_CONTROL && k < n; k++)
            if (strcmp(out[k].key, key) == 0)
                break;
        if (by == CW_SCORE_BY_CONTROL || k == n) {
            if (n == cap)
                continue;
            k = n++;
            out[k].key = key;
            out[k].catalog = by == CW_SCORE_BY_CONTROL ? c->catalog : NULL;
            out[k].earned = out[k].possible = 0;
        }
        out[k].earned += l->earned;
        out[k].possible += l->possible;
    }
    return n;
}

/* A line with points left, as ranked: points to gain per unit of
 * effort, most first; ties in the SoA's order. */
struct rank {
    size_t idx;
    long long gain;
    unsigned effort;
};

static int by_gain(const void *a, const void *b)
{
    const struct rank *x = a, *y = b;
    long long gx = x->gain * (long long)y->effort;
    long long gy = y->gain * (long long)x->effort;

    if (gx != gy)
        return gx > gy ? -1 : 1;
    return x->idx < y->idx ? -1 : 1;
}

size_t cw_score_actions(const struct cw_score *s, const char *catalog,
                        size_t *idx, size_t cap)
{
    struct rank *r = cw__malloc((cw_score_count(s) + 1) * sizeof(*r));
    size_t i, n = 0;

    if (!r)
        return 0;
    for (i = 0; i < cw_score_count(s); i++) {
        const struct cw_score_line *l = cw_score_at(s, i);
        if (in_catalog(l, catalog) && l->effort) {
            r[n].idx = i;
            r[n].gain = l->possible - l->earned;
            r[n++].effort = l->effort;
        }
    }
    if (n)
        qsort(r, n, sizeof(*r), by_gain);
    for (i = 0; i < n && i < cap; i++)
        idx[i] = r[i].idx;
    cw__free(r);
    return i;
}

static void str(FILE *f, const char *s)
{
    if (s)
        cw__json_string(f, s);
    else
        fputs("null", f);
}

enum cw_status cw_score_write_json(const struct cw_score *s,
                                   const char *as_of, const char *catalog,
                                   const char *by_name,
                                   const struct cw_score_group *groups,
                                   size_t ngroups, size_t nactions, FILE *out)
{
    long long e = 0, p = 0;
    size_t *idx, n, i;

    for (i = 0; i < cw_score_count(s); i++) {
        const struct cw_score_line *l = cw_score_at(s, i);
        if (in_catalog(l, catalog)) {
            e += l->earned;
            p += l->possible;
        }
    }
    idx = cw__malloc((cw_score_count(s) + 1) * sizeof(*idx));
    if (!idx)
        return CW_ENOMEM;
    n = cw_score_actions(s, catalog, idx, cw_score_count(s));
    if (n > nactions)
        n = nactions;
    fputs("{\n  \"as_of\": ", out);
    str(out, as_of);
    fputs(",\n  \"catalog\": ", out);
    str(out, catalog);
    fprintf(out,
            ",\n  \"earned_milli\": %lld,\n  \"possible_milli\": %lld,\n"
            "  \"percent\": %.1f,\n  \"by\": ",
            e, p, p ? 100.0 * (double)e / (double)p : 100.0);
    str(out, by_name);
    fputs(",\n  \"groups\": [", out);
    for (i = 0; i < ngroups; i++) {
        fprintf(out, "%s\n    {\"key\": ", i ? "," : "");
        str(out, groups[i].key);
        if (groups[i].catalog) {
            fputs(", \"catalog\": ", out);
            str(out, groups[i].catalog);
        }
        fprintf(out, ", \"earned_milli\": %lld, \"possible_milli\": %lld}",
                groups[i].earned, groups[i].possible);
    }
    fprintf(out, "%s],\n  \"actions\": [", ngroups ? "\n  " : "");
    for (i = 0; i < n; i++) {
        const struct cw_score_line *l = cw_score_at(s, idx[i]);
        fprintf(out, "%s\n    {\"control\": ", i ? "," : "");
        str(out, l->line->control->id);
        fputs(", \"catalog\": ", out);
        str(out, l->line->control->catalog);
        fprintf(out, ", \"gain_milli\": %lld, \"effort\": %u, \"do\": ",
                l->possible - l->earned, l->effort);
        str(out, l->action);
        fputs("}", out);
    }
    fprintf(out, "%s]\n}\n", n ? "\n  " : "");
    cw__free(idx);
    return ferror(out) ? CW_EIO : CW_OK;
}

enum cw_status cw_score_explain_json(const struct cw_score_line *l, FILE *out)
{
    size_t i;

    fputs("{\n  \"control\": ", out);
    str(out, l->line->control->id);
    fputs(",\n  \"catalog\": ", out);
    str(out, l->line->control->catalog);
    fputs(",\n  \"nature\": ", out);
    str(out, l->nature);
    fprintf(out,
            ",\n  \"possible_milli\": %lld,\n  \"earned_milli\": %lld,\n"
            "  \"factors\": [",
            l->possible, l->earned);
    for (i = 0; i < CW_SCORE_FACTOR_COUNT; i++) {
        const struct cw_score_part *p = &l->part[i];
        fprintf(out, "%s\n    {\"factor\": ", i ? "," : "");
        str(out, cw_score_factor_name((enum cw_score_factor)i));
        fprintf(out,
                ", \"applies\": %s, \"weight\": %u, \"value\": %u, "
                "\"earned_milli\": %lld, \"source\": ",
                p->applies ? "true" : "false", p->weight, p->value,
                p->earned);
        str(out, p->source);
        fputs("}", out);
    }
    fputs("\n  ],\n  \"action\": ", out);
    str(out, l->action);
    fputs("\n}\n", out);
    return ferror(out) ? CW_EIO : CW_OK;
}
