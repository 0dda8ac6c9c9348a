/*
 * cmd_score.c - `cloudward score`: the compliance score of the SoA, by
 * control, clause, responsibility or tenant, each point explained
 * (--explain), and the improvement actions ranked by points per unit of
 * work (cw_score.h, docs/score.md); with --history, the total per day as
 * it stood at the end of each (cw_score_history).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_BY = OPT_FIRST_VERB_OPTION, OPT_EXPLAIN, OPT_CATALOG_ONLY,
       OPT_ACTIONS, OPT_HISTORY, OPT_SINCE };

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "by", required_argument, NULL, OPT_BY },
    { "explain", required_argument, NULL, OPT_EXPLAIN },
    { "catalog", required_argument, NULL, OPT_CATALOG_ONLY },
    { "actions", required_argument, NULL, OPT_ACTIONS },
    { "history", no_argument, NULL, OPT_HISTORY },
    { "since", required_argument, NULL, OPT_SINCE },
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char help[] =
    "usage: cloudward score [--by control|clause|responsibility|tenant]\n"
    "                       [--catalog C] [--explain CONTROL] [--actions N]\n"
    "                       [--format table|json] [--scope F] [--store D]\n"
    "                       [--as-of DATE]\n"
    "       cloudward score --history [--since DATE] [--catalog C]\n"
    "                       [--format table|json] [--as-of DATE]\n"
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
    "  --history          the total per day, oldest first, up to the SoA's\n"
    "                     date (--as-of, default today): each day as it\n"
    "                     stood at its end (UTC), with the runs, evidence and\n"
    "                     register records of then and each decision as the\n"
    "                     ledger recorded it by then; records the scope and\n"
    "                     its decisions in the ledger first, as 'soa' does\n"
    "  --since DATE       the history's first day (default: 30 days before\n"
    "                     the SoA's date; at most 3660 days in all)\n"
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

static void explain(const struct cw_score_line *l, bool json)
{
    size_t i;

    if (json) {
        cw_score_explain_json(l, stdout);
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

/* The days of a history, kept for printing once all are computed (an
 * error on a later day leaves no half table). */
struct days {
    struct cw_score_day *v;
    size_t n, cap;
    bool oom;
};

static int keep_day(void *arg, const struct cw_score_day *day)
{
    struct days *x = arg;
    if (x->n == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 64;
        struct cw_score_day *p = realloc(x->v, cap * sizeof(*p));
        if (!p) {
            x->oom = true;
            return 1; /* stops the history */
        }
        x->v = p;
        x->cap = cap;
    }
    x->v[x->n++] = *day;
    return 0;
}

/* `score --history`: the total per day. */
static int history(struct cw_catalogs *cats, struct cw_scope *scope,
                   const struct cw_soa_options *so, const char *catalog,
                   const char *since, const char *until, bool json)
{
    struct days x = { NULL, 0, 0, false };
    struct cw_diag d;
    char first[11], last[11];
    size_t i, changes;
    int rc = EXIT_USAGE;

    cw_diag_clear(&d);
    /* Bad dates are refused before anything is written. */
    if (cw_score_history_range(since, until, first, last, &i, &d)) {
        cli_error_diag(&d);
        return EXIT_USAGE;
    }
    /* What the history rests on goes into the ledger first: the last
     * day then holds the files' present decisions. */
    if (!cli_record_scope(scope, so->store, false, &changes))
        return EXIT_USAGE;
    if (changes)
        cli_note("cloudward: recorded %zu change(s) of the scope and its "
                 "decisions in the ledger\n",
                 changes);
    if (cw_score_history(cats, scope, so, catalog, since, until, keep_day,
                         &x, &d)) {
        cli_error_diag(&d);
        goto out;
    }
    if (x.oom || !x.n) {
        cli_error("out of memory");
        goto out;
    }
    if (json) {
        cw_score_history_write_json(first, last, catalog, x.v, x.n, stdout);
    } else {
        printf("%-10s  %12s  %12s  %7s  %10s\n", "DATE", "EARNED",
               "POSSIBLE", "PERCENT", "CHANGE");
        for (i = 0; i < x.n; i++) {
            const struct cw_score_day *y = &x.v[i];
            char e[32], p[32];
            snprintf(e, sizeof(e), "%lld.%03lld", y->earned / 1000,
                     y->earned % 1000);
            snprintf(p, sizeof(p), "%lld.%03lld", y->possible / 1000,
                     y->possible % 1000);
            printf("%-10s  %12s  %12s  %6.1f%%  ", y->date, e, p,
                   pct(y->earned, y->possible));
            if (i) {
                long long c = y->earned - x.v[i - 1].earned;
                long long m = c < 0 ? -c : c;
                snprintf(e, sizeof(e), "%s%lld.%03lld",
                         c > 0 ? "+" : c < 0 ? "-" : "", m / 1000, m % 1000);
            } else {
                snprintf(e, sizeof(e), "-");
            }
            printf("%10s\n", e);
        }
        if (x.v[x.n - 1].unrecorded)
            printf("%zu decision(s) of the files were never recorded in the "
                   "ledger: they count as the files say on every day "
                   "('cloudward decisions record' records them)\n",
                   x.v[x.n - 1].unrecorded);
    }
    rc = EXIT_OK;
out:
    free(x.v);
    return rc;
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
    struct cw_soa_options so = { NULL, -1, NULL, 0, NULL,
                                 NULL, NULL, false, false };
    struct cw_catalogs *cats = NULL;
    struct cw_scope *scope = NULL;
    struct cw_soa *soa = NULL;
    struct cw_score *s = NULL;
    const char *catalog = NULL, *control = NULL, *since = NULL;
    enum by by = BY_CONTROL;
    long nactions = 10;
    bool json = false, hist = false, by_given = false, actions_given = false;
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
            by_given = true;
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
            actions_given = true;
            break;
        }
        case OPT_HISTORY:
            hist = true;
            break;
        case OPT_SINCE:
            since = optarg;
            break;
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
    if (since && !hist) {
        cli_error("--since is the first day of --history; give --history "
                  "too");
        return EXIT_USAGE;
    }
    if (hist && (by_given || control || actions_given)) {
        cli_error("--history gives one total per day: %s does not apply to "
                  "it; give it without --history, with --as-of DATE for a "
                  "past day",
                  control ? "--explain" : by_given ? "--by" : "--actions");
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
    if (hist) {
        if (cw_scope_load(cats, common.scope, &scope, &d)) {
            cli_error_diag(&d);
            goto out;
        }
        rc = history(cats, scope, &so, catalog, since, common.as_of, json);
        goto out;
    }
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
        struct cw_score_group *g;
        struct tenants t = { { NULL }, 0 };
        size_t ng = 0, cap = cw_score_count(s) + 520;
        long long e, p;
        const char *by_name = by == BY_TENANT ? "tenant"
                              : by == BY_CLAUSE ? "clause"
                              : by == BY_RESPONSIBILITY ? "responsibility"
                                                        : "control";

        g = calloc(cap, sizeof(*g));
        idx = calloc(cw_score_count(s) + 1, sizeof(*idx));
        if (!g || !idx) {
            free(g);
            cli_error("out of memory");
            goto out;
        }
        ng = cw_score_groups(s,
                             by == BY_CLAUSE ? CW_SCORE_BY_CLAUSE
                             : by == BY_RESPONSIBILITY
                                 ? CW_SCORE_BY_RESPONSIBILITY
                                 : CW_SCORE_BY_CONTROL,
                             catalog, g, cap, &e, &p);
        if (by == BY_TENANT) {
            /* The provider's copy, then each customer's: its own
             * register records count in it. */
            struct cw_access *a = NULL;
            if (cw_access_open(store, false, &a, &d) == CW_OK) {
                cw_tenant_each(a, take_tenant, &t, &d);
                cw_access_close(a);
            }
            ng = 0;
            g[ng].key = "(provider)";
            g[ng].catalog = NULL;
            g[ng].earned = e;
            g[ng++].possible = p;
            for (i = 0; i < t.n && ng < cap; i++) {
                struct cw_soa *ts = NULL;
                struct cw_score *tsc = NULL;
                struct cw_score_group scratch;
                so.tenant = t.id[i];
                if (cw_soa_build(cats, scope, &so, &ts, &d) ||
                    cw_score_build(ts, &tsc, &d)) {
                    cli_error_diag(&d);
                    cw_soa_free(ts);
                    break;
                }
                g[ng].key = t.id[i];
                g[ng].catalog = NULL;
                cw_score_groups(tsc, CW_SCORE_BY_CLAUSE, catalog, &scratch,
                                0, &g[ng].earned, &g[ng].possible);
                ng++;
                cw_score_free(tsc);
                cw_soa_free(ts);
            }
        }
        if (json)
            cw_score_write_json(s, cw_soa_as_of(soa), catalog, by_name, g,
                                ng, (size_t)nactions, stdout);
        else {
            n = cw_score_actions(s, catalog, idx, (size_t)nactions);
            printf("Score: ");
            pts(stdout, e);
            printf(" of ");
            pts(stdout, p);
            printf(" points (%.1f%%), as of %s%s%s\n", pct(e, p),
                   cw_soa_as_of(soa), catalog ? ", catalog " : "",
                   catalog ? catalog : "");
            for (i = 0; i < ng; i++) {
                if (by == BY_CONTROL) {
                    const struct cw_score_line *l =
                        cw_score_find(s, g[i].catalog, g[i].key);
                    printf("  %-15s %-10s ", g[i].catalog, g[i].key);
                    pts(stdout, g[i].earned);
                    printf(" / ");
                    pts(stdout, g[i].possible);
                    printf("  %s\n", l ? l->line->control->title : "");
                    continue;
                }
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
        free(g);
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
