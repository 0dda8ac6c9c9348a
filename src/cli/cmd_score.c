/*
 * cmd_score.c - `cloudward score`: the compliance score of the SoA, by
 * control, clause, responsibility or tenant, each point explained
 * (--explain), and the improvement actions ranked by points per unit of
 * work (cw_score.h, docs/score.md).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_BY = OPT_FIRST_VERB_OPTION, OPT_EXPLAIN, OPT_CATALOG_ONLY,
       OPT_ACTIONS };

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "by", required_argument, NULL, OPT_BY },
    { "explain", required_argument, NULL, OPT_EXPLAIN },
    { "catalog", required_argument, NULL, OPT_CATALOG_ONLY },
    { "actions", required_argument, NULL, OPT_ACTIONS },
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char help[] =
    "usage: cloudward score [--by control|clause|responsibility|tenant]\n"
    "                       [--catalog C] [--explain CONTROL] [--actions N]\n"
    "                       [--format table|json] [--scope F] [--store D]\n"
    "                       [--as-of DATE]\n"
    "\n"
    "The compliance score of the SoA (docs/score.md): each applicable\n"
    "control is worth points by its nature (preventive 3, detective 2,\n"
    "corrective 1; three times that when mandatory: a legal or contract\n"
    "source, or a 27018 duty of a PII processor) and earns them from its\n"
    "implementation (40), current evidence (20), checks' pass share (20),\n"
    "register duties on time (10) and verified reliance (10); a factor that\n"
    "does not apply gives its weight to the implementation. The lines add\n"
    "up to the total, to the thousandth.\n"
    "\n"
    "  --by KEY           group: control (default), clause, responsibility,\n"
    "                     tenant (each customer's copy: its own records)\n"
    "  --catalog C        only the controls of catalog C\n"
    "  --explain CONTROL  every point of one control and where it comes from\n"
    "  --actions N        the N best improvement actions (default 10; 0: none)\n"
    "  -f, --format FMT   table (default) or json\n"
    "\n"
    "Exit status: 0, or 2 on bad input.\n";

enum by { BY_CONTROL, BY_CLAUSE, BY_RESPONSIBILITY, BY_TENANT };

static void pts(FILE *f, long long milli)
{
    fprintf(f, "%lld.%03lld", milli / 1000, milli % 1000);
}

static double pct(long long e, long long p)
{
    return p ? 100.0 * (double)e / (double)p : 100.0;
}

struct group {
    const char *key;
    long long earned, possible;
};

static bool in_catalog(const struct cw_score_line *l, const char *catalog)
{
    return !catalog || strcmp(l->line->control->catalog, catalog) == 0;
}

static size_t group_lines(const struct cw_score *s, enum by by,
                          const char *catalog, struct group *g, size_t cap)
{
    size_t n = 0, i, k;

    for (i = 0; i < cw_score_count(s); i++) {
        const struct cw_score_line *l = cw_score_at(s, i);
        const char *key =
            by == BY_CLAUSE ? l->line->control->clause
                            : cw_resp_name(l->line->responsibility);
        if (!in_catalog(l, catalog))
            continue;
        if (!key)
            key = "(none)";
        for (k = 0; k < n && strcmp(g[k].key, key) != 0; k++)
            ;
        if (k == n) {
            if (n == cap)
                continue;
            g[n].key = key;
            g[n].earned = g[n].possible = 0;
            n++;
        }
        g[k].earned += l->earned;
        g[k].possible += l->possible;
    }
    return n;
}

static void totals(const struct cw_score *s, const char *catalog,
                   long long *e, long long *p)
{
    size_t i;
    *e = *p = 0;
    for (i = 0; i < cw_score_count(s); i++) {
        const struct cw_score_line *l = cw_score_at(s, i);
        if (!in_catalog(l, catalog))
            continue;
        *e += l->earned;
        *p += l->possible;
    }
}

/* Actions: the lines with points left, by points to gain per unit of
 * work, most first; ties by control. */
static const struct cw_score *sort_score;
static int by_gain(const void *a, const void *b)
{
    const struct cw_score_line *x = cw_score_at(sort_score, *(const size_t *)a);
    const struct cw_score_line *y = cw_score_at(sort_score, *(const size_t *)b);
    long long gx = (x->possible - x->earned) * (long long)y->effort;
    long long gy = (y->possible - y->earned) * (long long)x->effort;
    if (gx != gy)
        return gx > gy ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static size_t actions(const struct cw_score *s, const char *catalog,
                      size_t *idx)
{
    size_t i, n = 0;
    for (i = 0; i < cw_score_count(s); i++) {
        const struct cw_score_line *l = cw_score_at(s, i);
        if (in_catalog(l, catalog) && l->effort)
            idx[n++] = i;
    }
    sort_score = s;
    if (n)
        qsort(idx, n, sizeof(*idx), by_gain);
    return n;
}

static void explain(const struct cw_score_line *l, bool json)
{
    size_t i;

    if (json) {
        printf("{\n  \"control\": ");
        cli_json_str(stdout, l->line->control->id);
        printf(",\n  \"catalog\": ");
        cli_json_str(stdout, l->line->control->catalog);
        printf(",\n  \"nature\": ");
        cli_json_str(stdout, l->nature);
        printf(",\n  \"possible_milli\": %lld,\n  \"earned_milli\": %lld,\n"
               "  \"factors\": [",
               l->possible, l->earned);
        for (i = 0; i < CW_SCORE_FACTOR_COUNT; i++) {
            const struct cw_score_part *p = &l->part[i];
            printf("%s\n    {\"factor\": ", i ? "," : "");
            cli_json_str(stdout, cw_score_factor_name((enum cw_score_factor)i));
            printf(", \"applies\": %s, \"weight\": %u, \"value\": %u, "
                   "\"earned_milli\": %lld, \"source\": ",
                   p->applies ? "true" : "false", p->weight, p->value,
                   p->earned);
            cli_json_str(stdout, p->source);
            printf("}");
        }
        printf("\n  ],\n  \"action\": ");
        cli_json_str(stdout, l->action);
        printf("\n}\n");
        return;
    }
    printf("%s %s %s\n", l->line->control->catalog, l->line->control->id,
           l->line->control->title);
    printf("  worth: ");
    pts(stdout, l->possible);
    printf(" points, %s\n  earned: ", l->nature);
    pts(stdout, l->earned);
    printf(" (%.1f%%)\n", pct(l->earned, l->possible));
    for (i = 0; i < CW_SCORE_FACTOR_COUNT; i++) {
        const struct cw_score_part *p = &l->part[i];
        printf("  %-15s ", cw_score_factor_name((enum cw_score_factor)i));
        if (!p->applies) {
            printf("does not apply: its weight went to implementation\n");
            continue;
        }
        printf("weight %3u, %3u%% met: ", p->weight, p->value);
        pts(stdout, p->earned);
        printf(" points; %s\n", p->source ? p->source : "");
    }
    if (l->action)
        printf("  to do: %s\n", l->action);
}

struct tenants {
    char *id[512];
    size_t n;
};

static int take_tenant(void *arg, const struct cw_tenant *t)
{
    struct tenants *x = arg;
    if (x->n < 512)
        x->id[x->n++] = strdup(t->id);
    return 0;
}

int cmd_score(int argc, char **argv)
{
    struct cli_common common = { .scope = "cloudward.yaml" };
    struct cw_soa_options so = { NULL, -1, NULL, 0, NULL, NULL, NULL, false };
    struct cw_catalogs *cats = NULL;
    struct cw_scope *scope = NULL;
    struct cw_soa *soa = NULL;
    struct cw_score *s = NULL;
    const char *catalog = NULL, *control = NULL;
    enum by by = BY_CONTROL;
    long nactions = 10;
    bool json = false;
    char store[4096];
    struct cw_diag d;
    size_t *idx = NULL, i, n;
    int c, rc = EXIT_USAGE;

    optind = 1;
    while ((c = getopt_long(argc, argv, "f:h", long_opts, NULL)) != -1) {
        if (cli_common_option(&common, c, optarg))
            continue;
        switch (c) {
        case OPT_BY:
            if (strcmp(optarg, "control") == 0)
                by = BY_CONTROL;
            else if (strcmp(optarg, "clause") == 0)
                by = BY_CLAUSE;
            else if (strcmp(optarg, "responsibility") == 0)
                by = BY_RESPONSIBILITY;
            else if (strcmp(optarg, "tenant") == 0)
                by = BY_TENANT;
            else {
                cli_error("--by takes control, clause, responsibility or "
                          "tenant");
                return EXIT_USAGE;
            }
            break;
        case OPT_EXPLAIN:
            control = optarg;
            break;
        case OPT_CATALOG_ONLY:
            catalog = optarg;
            break;
        case OPT_ACTIONS: {
            char *end;
            nactions = strtol(optarg, &end, 10);
            if (*end || nactions < 0 || nactions > 10000) {
                cli_error("--actions takes a count, 0 to 10000");
                return EXIT_USAGE;
            }
            break;
        }
        case 'f':
            if (!cli_table_or_json(optarg, &json))
                return EXIT_USAGE;
            break;
        case 'h':
            fputs(help, stdout);
            return EXIT_OK;
        default:
            fputs(help, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    cw_diag_clear(&d);
    cli_store_dir(&common, store, sizeof(store));
    if (!(cats = cli_load_catalogs(&common)))
        return EXIT_USAGE;
    if (catalog && !cw_catalogs_find(cats, catalog)) {
        char names[300];
        cli_error("no catalog '%s'; loaded: %s", catalog,
                  cw_catalogs_names(cats, names, sizeof(names)));
        goto out;
    }
    so.as_of = common.as_of;
    so.store = store;
    if (cw_scope_load(cats, common.scope, &scope, &d) ||
        cw_soa_build(cats, scope, &so, &soa, &d) ||
        cw_score_build(soa, &s, &d)) {
        cli_error_diag(&d);
        goto out;
    }
    if (control) {
        char ref[200];
        const struct cw_score_line *l;
        if (!cli_control_ref(cats, control, ref, sizeof(ref)))
            goto out;
        {
            char *sp = strchr(ref, ' ');
            *sp = '\0';
            l = cw_score_find(s, ref, sp + 1);
            *sp = ' ';
        }
        if (!l) {
            cli_error("%s is not an applicable control of this SoA: it "
                      "scores nothing",
                      ref);
            goto out;
        }
        explain(l, json);
        rc = EXIT_OK;
        goto out;
    }
    {
        long long e, p;
        struct group g[256];
        size_t ng = 0;
        struct tenants t = { { NULL }, 0 };

        totals(s, catalog, &e, &p);
        if (by == BY_TENANT) {
            struct cw_access *a = NULL;
            if (cw_access_open(store, false, &a, &d) == CW_OK) {
                cw_tenant_each(a, take_tenant, &t, &d);
                cw_access_close(a);
            }
            g[ng].key = "(provider)";
            g[ng].earned = e;
            g[ng++].possible = p;
            for (i = 0; i < t.n && ng < 256; i++) {
                struct cw_soa *ts = NULL;
                struct cw_score *tsc = NULL;
                so.tenant = t.id[i];
                if (cw_soa_build(cats, scope, &so, &ts, &d) ||
                    cw_score_build(ts, &tsc, &d)) {
                    cli_error_diag(&d);
                    cw_soa_free(ts);
                    break;
                }
                g[ng].key = t.id[i];
                totals(tsc, catalog, &g[ng].earned, &g[ng].possible);
                ng++;
                cw_score_free(tsc);
                cw_soa_free(ts);
            }
        } else if (by != BY_CONTROL)
            ng = group_lines(s, by, catalog, g, 256);
        idx = calloc(cw_score_count(s) + 1, sizeof(*idx));
        if (!idx) {
            cli_error("out of memory");
            goto out;
        }
        n = actions(s, catalog, idx);
        if (n > (size_t)nactions)
            n = (size_t)nactions;
        if (json) {
            printf("{\n  \"as_of\": ");
            cli_json_str(stdout, cw_soa_as_of(soa));
            printf(",\n  \"catalog\": ");
            cli_json_str(stdout, catalog);
            printf(",\n  \"earned_milli\": %lld,\n  \"possible_milli\": "
                   "%lld,\n  \"percent\": %.1f,\n  \"by\": \"%s\",\n"
                   "  \"groups\": [",
                   e, p, pct(e, p),
                   by == BY_CONTROL   ? "control"
                   : by == BY_CLAUSE  ? "clause"
                   : by == BY_TENANT  ? "tenant"
                                      : "responsibility");
            if (by == BY_CONTROL) {
                size_t k = 0;
                for (i = 0; i < cw_score_count(s); i++) {
                    const struct cw_score_line *l = cw_score_at(s, i);
                    if (!in_catalog(l, catalog))
                        continue;
                    printf("%s\n    {\"key\": ", k++ ? "," : "");
                    cli_json_str(stdout, l->line->control->id);
                    printf(", \"catalog\": ");
                    cli_json_str(stdout, l->line->control->catalog);
                    printf(", \"earned_milli\": %lld, \"possible_milli\": "
                           "%lld}",
                           l->earned, l->possible);
                }
            } else
                for (i = 0; i < ng; i++) {
                    printf("%s\n    {\"key\": ", i ? "," : "");
                    cli_json_str(stdout, g[i].key);
                    printf(", \"earned_milli\": %lld, \"possible_milli\": "
                           "%lld}",
                           g[i].earned, g[i].possible);
                }
            printf("\n  ],\n  \"actions\": [");
            for (i = 0; i < n; i++) {
                const struct cw_score_line *l = cw_score_at(s, idx[i]);
                printf("%s\n    {\"control\": ", i ? "," : "");
                cli_json_str(stdout, l->line->control->id);
                printf(", \"catalog\": ");
                cli_json_str(stdout, l->line->control->catalog);
                printf(", \"gain_milli\": %lld, \"effort\": %u, \"do\": ",
                       l->possible - l->earned, l->effort);
                cli_json_str(stdout, l->action);
                printf("}");
            }
            printf("%s]\n}\n", n ? "\n  " : "");
        } else {
            printf("Score: ");
            pts(stdout, e);
            printf(" of ");
            pts(stdout, p);
            printf(" points (%.1f%%), as of %s%s%s\n", pct(e, p),
                   cw_soa_as_of(soa), catalog ? ", catalog " : "",
                   catalog ? catalog : "");
            if (by == BY_CONTROL)
                for (i = 0; i < cw_score_count(s); i++) {
                    const struct cw_score_line *l = cw_score_at(s, i);
                    if (!in_catalog(l, catalog))
                        continue;
                    printf("  %-15s %-10s ", l->line->control->catalog,
                           l->line->control->id);
                    pts(stdout, l->earned);
                    printf(" / ");
                    pts(stdout, l->possible);
                    printf("  %s\n", l->line->control->title);
                }
            else
                for (i = 0; i < ng; i++) {
                    printf("  %-24s ", g[i].key);
                    pts(stdout, g[i].earned);
                    printf(" / ");
                    pts(stdout, g[i].possible);
                    printf(" (%.1f%%)\n", pct(g[i].earned, g[i].possible));
                }
            if (n)
                printf("Improvement actions (points to gain per unit of "
                       "work):\n");
            for (i = 0; i < n; i++) {
                const struct cw_score_line *l = cw_score_at(s, idx[i]);
                printf("  %2zu. %s %s: +", i + 1, l->line->control->catalog,
                       l->line->control->id);
                pts(stdout, l->possible - l->earned);
                printf(" (effort %u): %s\n", l->effort, l->action);
            }
        }
        for (i = 0; i < t.n; i++)
            free(t.id[i]);
    }
    rc = EXIT_OK;
out:
    free(idx);
    cw_score_free(s);
    cw_soa_free(soa);
    cw_scope_free(scope);
    cw_catalogs_free(cats);
    return rc;
}
