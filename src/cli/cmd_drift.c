/*
 * cmd_drift.c - `cloudward drift`: what drifted since a date or a run
 * (cw_drift.h, docs/drift.md), as a table or JSON; exit 1 when new
 * drift reaches --fail-on.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum { OPT_SINCE = OPT_FIRST_VERB_OPTION, OPT_WITHIN, OPT_FAIL_ON };

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "since", required_argument, NULL, OPT_SINCE },
    { "within", required_argument, NULL, OPT_WITHIN },
    { "fail-on", required_argument, NULL, OPT_FAIL_ON },
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char help[] =
    "usage: cloudward drift [--since DATE|RUN] [--within DAYS]\n"
    "                       [--fail-on SEV] [--format table|json]\n"
    "                       [--scope FILE] [--store DIR] [--as-of DATE]\n"
    "\n"
    "Lists what drifted, from what the store holds, judged on the SoA's\n"
    "date (--as-of, default today):\n"
    "  check-failing, check-fixed    results of the latest runs against\n"
    "                                the runs at the end of --since (or\n"
    "                                the run given), per check and\n"
    "                                resource\n"
    "  evidence-expired, -expiring   evidence past its expiry, or within\n"
    "                                --within days of it\n"
    "  assurance-lapsed, -expiring   the organisation's certificates and\n"
    "                                those its reliance on providers rests on\n"
    "  duty-overdue                  findings of the 27018 registers\n"
    "  decision-changed              the scope or a decision changed since\n"
    "\n"
    "  --since DATE|RUN    drift after the end of that day, or after that\n"
    "                      run (default: 7 days before the SoA's date)\n"
    "  --within DAYS       the 'expiring' window (default 30)\n"
    "  --fail-on SEV       exit 1 when an item of severity SEV or above is\n"
    "                      there (info, low, medium, high, critical; never);\n"
    "                      default low; fixed checks never count\n"
    "  -f, --format FMT    table (default) or json\n"
    "\n"
    "Exit status: 0, 1 drift at or above --fail-on, 2 bad input.\n";

static void json_item(const struct cw_drift_item *it, bool first)
{
    printf("%s\n    {\"kind\": ", first ? "" : ",");
    cli_json_str(stdout, cw_drift_kind_name(it->kind));
    printf(", \"severity\": ");
    cli_json_str(stdout, cw_severity_name(it->severity));
    printf(", \"subject\": ");
    cli_json_str(stdout, it->subject);
    printf(", \"control\": ");
    cli_json_str(stdout, it->control);
    printf(", \"what\": ");
    cli_json_str(stdout, it->what);
    printf(", \"when\": ");
    cli_json_str(stdout, it->when);
    printf("}");
}

int cmd_drift(int argc, char **argv)
{
    struct cli_common common = { .scope = "cloudward.yaml" };
    struct cw_soa_options so = { NULL, -1, NULL, 0, NULL,
                                 NULL, NULL, false, false };
    struct cw_drift_options o;
    struct cw_catalogs *cats = NULL;
    struct cw_scope *scope = NULL;
    struct cw_soa *soa = NULL;
    struct cw_drift *x = NULL;
    const char *since = NULL;
    char store[4096], since_buf[16];
    enum cw_severity fail_on = CW_SEVERITY_LOW;
    bool json = false, never = false;
    struct cw_diag d;
    size_t i, hits = 0;
    int c, rc = EXIT_USAGE;

    memset(&o, 0, sizeof(o));
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:h", long_opts, NULL)) != -1) {
        if (cli_common_option(&common, c, optarg))
            continue;
        switch (c) {
        case OPT_SINCE:
            since = optarg;
            break;
        case OPT_WITHIN: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 3650) {
                cli_error("--within takes a number of days, 1 to 3650");
                return EXIT_USAGE;
            }
            o.within_days = (int)v;
            break;
        }
        case OPT_FAIL_ON:
            if (strcmp(optarg, "never") == 0)
                never = true;
            else if (!cw_severity_parse(optarg, &fail_on)) {
                cli_error("--fail-on takes info, low, medium, high, "
                          "critical or never");
                return EXIT_USAGE;
            }
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
    if (since && strchr(since, '-') == NULL) {
        char *end;
        long long run = strtoll(since, &end, 10);
        if (*end || run < 1) {
            cli_error("--since takes a date YYYY-MM-DD or a run number");
            return EXIT_USAGE;
        }
        o.since_run = run;
        since = NULL;
    }
    cw_diag_clear(&d);
    cli_store_dir(&common, store, sizeof(store));
    if (!(cats = cli_load_catalogs(&common)))
        return EXIT_USAGE;
    so.as_of = common.as_of;
    so.store = store;
    if (cw_scope_load(cats, common.scope, &scope, &d) ||
        cw_soa_build(cats, scope, &so, &soa, &d)) {
        cli_error_diag(&d);
        goto out;
    }
    if (!since && !o.since_run) {
        /* A week before the SoA's date. */
        struct tm tm;
        const char *a = cw_soa_as_of(soa);
        memset(&tm, 0, sizeof(tm));
        tm.tm_year = (int)strtol(a, NULL, 10) - 1900;
        tm.tm_mon = (int)strtol(a + 5, NULL, 10) - 1;
        tm.tm_mday = (int)strtol(a + 8, NULL, 10) - 7;
        {
            time_t t = timegm(&tm);
            gmtime_r(&t, &tm);
        }
        strftime(since_buf, sizeof(since_buf), "%Y-%m-%d", &tm);
        since = since_buf;
    }
    o.soa = soa;
    o.store = store;
    o.since = since;
    if (cw_drift_find(&o, &x, &d)) {
        cli_error_diag(&d);
        goto out;
    }
    for (i = 0; i < cw_drift_count(x); i++) {
        const struct cw_drift_item *it = cw_drift_at(x, i);
        if (!never && it->kind != CW_DRIFT_CHECK_FIXED &&
            it->severity >= fail_on)
            hits++;
    }
    if (json) {
        printf("{\n  \"as_of\": ");
        cli_json_str(stdout, cw_soa_as_of(soa));
        printf(",\n  \"since\": ");
        if (o.since_run)
            printf("{\"run\": %lld}", (long long)o.since_run);
        else
            cli_json_str(stdout, since);
        printf(",\n  \"items\": [");
        for (i = 0; i < cw_drift_count(x); i++)
            json_item(cw_drift_at(x, i), i == 0);
        printf("%s]\n}\n", cw_drift_count(x) ? "\n  " : "");
    } else {
        printf("%-9s %-19s %s\n", "SEVERITY", "KIND", "SUBJECT: WHAT");
        for (i = 0; i < cw_drift_count(x); i++) {
            const struct cw_drift_item *it = cw_drift_at(x, i);
            printf("%-9s %-19s %s: %s\n", cw_severity_name(it->severity),
                   cw_drift_kind_name(it->kind), it->subject ? it->subject : "",
                   it->what ? it->what : "");
        }
    }
    if (o.since_run)
        cli_note("drift after run %lld, as of %s: %zu item%s, %zu at or "
                 "above --fail-on\n",
                 (long long)o.since_run, cw_soa_as_of(soa),
                 cw_drift_count(x), cw_drift_count(x) == 1 ? "" : "s", hits);
    else
        cli_note("drift after %s, as of %s: %zu item%s, %zu at or above "
                 "--fail-on\n",
                 since, cw_soa_as_of(soa), cw_drift_count(x),
                 cw_drift_count(x) == 1 ? "" : "s", hits);
    rc = hits ? EXIT_FINDINGS : EXIT_OK;
out:
    cw_drift_free(x);
    cw_soa_free(soa);
    cw_scope_free(scope);
    cw_catalogs_free(cats);
    return rc;
}
