/*
 * cmd_monitor.c - `cloudward monitor check|sweep` and `cloudward alert
 * list|assign|ack|resolve` (cw_monitor.h, cw_alert.h,
 * docs/monitoring.md).
 *
 * `monitor sweep` does once what `cloudward serve --monitor` does on a
 * schedule: drift and silent agents made alerts, gone findings resolved.
 * `monitor check FILE` reads a monitor's file and lists its schedules
 * with their next run, or says what is wrong at FILE:LINE:COL.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum { OPT_CONFIG = OPT_FIRST_VERB_OPTION, OPT_STATE, OPT_LIMIT };

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "config", required_argument, NULL, OPT_CONFIG },
    { "state", required_argument, NULL, OPT_STATE },
    { "limit", required_argument, NULL, OPT_LIMIT },
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char monitor_help[] =
    "usage: cloudward monitor check FILE\n"
    "       cloudward monitor sweep [--config FILE] [--scope FILE]\n"
    "                               [--store STORE]\n"
    "\n"
    "The monitor (docs/monitoring.md). 'check' reads a monitor's file\n"
    "(schedules in cron syntax: config scans, sweeps, checkpoints; where\n"
    "alerts go) and lists each schedule's next run, or says what is wrong\n"
    "at FILE:LINE:COL. 'sweep' does once what 'cloudward serve --monitor'\n"
    "does on its schedule: the drift of the last two days at or above the\n"
    "file's fail_on (default medium) and silent agents become alerts,\n"
    "alerts whose finding is gone are resolved. It exits 1 when alerts\n"
    "are open afterwards.\n";

static const char alert_help[] =
    "usage: cloudward alert list [--state open|resolved] [--limit N]\n"
    "                            [--format table|json]\n"
    "       cloudward alert assign ID OWNER\n"
    "       cloudward alert ack ID\n"
    "       cloudward alert resolve ID RESOLUTION\n"
    "\n"
    "Alerts raised by the monitor (docs/monitoring.md). Giving one an\n"
    "owner, acknowledging it and resolving it are ledger entries\n"
    "(alert.assign, alert.ack, alert.resolve).\n";

struct args {
    struct cli_common common;
    const char *config, *state;
    long long limit;
    bool json;
};

static int parse(int argc, char **argv, struct args *a, const char *help)
{
    int c;
    while ((c = getopt_long(argc, argv, "f:h", long_opts, NULL)) != -1) {
        if (cli_common_option(&a->common, c, optarg))
            continue;
        switch (c) {
        case OPT_CONFIG:
            a->config = optarg;
            break;
        case OPT_STATE:
            a->state = optarg;
            break;
        case OPT_LIMIT: {
            char *end;
            a->limit = strtoll(optarg, &end, 10);
            if (*end || a->limit < 1 || a->limit > 100000) {
                cli_error("--limit takes 1 to 100000");
                return EXIT_USAGE;
            }
            break;
        }
        case 'f':
            if (!cli_table_or_json(optarg, &a->json))
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
    return -1;
}

static void when(long long t, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0)
        snprintf(out, n, "-");
    else
        strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
}

static int check(const char *path)
{
    struct cw_monitor_config *c = NULL;
    const struct cw_monitor_alerts *o;
    struct cw_diag d;
    long long now = (long long)time(NULL);
    size_t i;
    static const char *const kinds[] = { "scan", "sweep", "checkpoint" };

    cw_diag_clear(&d);
    if (cw_monitor_config_load(path, &c, &d)) {
        cli_error_diag(&d);
        return EXIT_USAGE;
    }
    for (i = 0; i < cw_monitor_job_count(c); i++) {
        const struct cw_job *j = cw_monitor_job_at(c, i);
        char next[32];
        when(cw_cron_next(&j->when, now), next, sizeof(next));
        printf("%-20s %-10s %-20s next %s", j->name, kinds[j->kind], j->cron,
               next);
        if (j->kind == CW_JOB_SCAN)
            printf("  (%s, %zu path%s)", j->pack, j->npaths,
                   j->npaths == 1 ? "" : "s");
        putchar('\n');
    }
    o = cw_monitor_alert_options(c);
    printf("alerts: fail_on %s, within %d days, mail %s, syslog %s\n",
           cw_severity_name(o->fail_on), o->within_days,
           o->smtp ? o->smtp : "-", o->syslog ? o->syslog : "-");
    cw_monitor_config_free(c);
    return EXIT_OK;
}

static int count_alert(void *arg, const struct cw_alert *x)
{
    (void)x;
    (*(size_t *)arg)++;
    return 0;
}

static int sweep(struct args *a)
{
    struct cw_soa_options so;
    struct cw_monitor_config *c = NULL;
    struct cw_monitor_alerts defaults;
    const struct cw_monitor_alerts *o = &defaults;
    struct cw_catalogs *cats = NULL;
    struct cw_scope *scope = NULL;
    struct cw_soa *soa = NULL;
    struct cw_access *x = NULL;
    struct cw_sweep r;
    struct cw_diag d;
    char store[4096], actor[400];
    size_t open = 0;
    int rc = EXIT_USAGE;

    memset(&defaults, 0, sizeof(defaults));
    defaults.fail_on = CW_SEVERITY_MEDIUM;
    defaults.within_days = 30;
    cw_diag_clear(&d);
    if (a->config) {
        if (cw_monitor_config_load(a->config, &c, &d)) {
            cli_error_diag(&d);
            return EXIT_USAGE;
        }
        o = cw_monitor_alert_options(c);
    }
    cli_store_dir(&a->common, store, sizeof(store));
    cli_actor(actor, sizeof(actor));
    memset(&so, 0, sizeof(so));
    so.model = -1;
    so.store = store;
    if (!(cats = cli_load_catalogs(&a->common)))
        goto out;
    if (cw_scope_load(cats, a->common.scope, &scope, &d) ||
        cw_soa_build(cats, scope, &so, &soa, &d) ||
        cw_access_open(store, true, &x, &d) ||
        cw_monitor_sweep(x, soa, store, o, (long long)time(NULL), actor, &r,
                         &d) ||
        cw_alert_each(x, "open", 0, count_alert, &open, &d)) {
        cli_error_diag(&d);
        goto out;
    }
    printf("%zu finding(s): %zu alert(s) opened, %zu still open seen again, "
           "%zu resolved; %zu open now\n",
           r.findings, r.opened, r.refreshed, r.resolved, open);
    rc = open ? EXIT_FINDINGS : EXIT_OK;
out:
    cw_access_close(x);
    cw_soa_free(soa);
    cw_scope_free(scope);
    cw_catalogs_free(cats);
    cw_monitor_config_free(c);
    return rc;
}

int cmd_monitor(int argc, char **argv)
{
    static const char *const subs[] = { "check", "sweep", NULL };
    struct args a = { .common = { .scope = "cloudward.yaml" } };
    const char *sub;
    int rc;

    if ((rc = cli_subverb(&argc, &argv, "monitor", subs, monitor_help,
                          &sub)) >= 0)
        return rc;
    if ((rc = parse(argc, argv, &a, monitor_help)) >= 0)
        return rc;
    if (strcmp(sub, "check") == 0) {
        if (optind + 1 != argc) {
            cli_error("monitor check takes the monitor's file");
            return EXIT_USAGE;
        }
        return check(argv[optind]);
    }
    if (optind != argc) {
        cli_error("monitor sweep takes options only");
        return EXIT_USAGE;
    }
    return sweep(&a);
}

/* ---- alerts ------------------------------------------------------------------ */

static int print_alert(void *arg, const struct cw_alert *x)
{
    const struct args *a = arg;
    char opened[32], acked[32], resolved[32];
    when(x->opened, opened, sizeof(opened));
    when(x->acked, acked, sizeof(acked));
    when(x->resolved, resolved, sizeof(resolved));
    if (a->json) {
        printf("{\"id\":\"%s\",\"state\":\"%s\",\"kind\":", x->id, x->state);
        cli_json_str(stdout, x->kind);
        printf(",\"severity\":\"%s\",\"key\":", x->severity);
        cli_json_str(stdout, x->key);
        fputs(",\"subject\":", stdout);
        cli_json_str(stdout, x->subject);
        fputs(",\"control\":", stdout);
        cli_json_str(stdout, x->control);
        fputs(",\"what\":", stdout);
        cli_json_str(stdout, x->what);
        fputs(",\"owner\":", stdout);
        cli_json_str(stdout, x->owner);
        printf(",\"opened\":%lld,\"last_seen\":%lld,\"acked\":%lld,"
               "\"acked_by\":",
               x->opened, x->last_seen, x->acked);
        cli_json_str(stdout, x->acked_by);
        printf(",\"resolved\":%lld,\"resolved_by\":", x->resolved);
        cli_json_str(stdout, x->resolved_by);
        fputs(",\"resolution\":", stdout);
        cli_json_str(stdout, x->resolution);
        fputs("}\n", stdout);
    } else {
        printf("%-16s %-12s %-8s %-20s %s%s%s\n", x->id, x->state,
               x->severity, opened, x->subject, x->owner ? "  owner " : "",
               x->owner ? x->owner : "");
    }
    return 0;
}

int cmd_alert(int argc, char **argv)
{
    static const char *const subs[] = { "list", "assign", "ack", "resolve",
                                        NULL };
    struct args a = { .common = { .scope = "cloudward.yaml" } };
    struct cw_access *x = NULL;
    struct cw_diag d;
    const char *sub;
    char store[4096], actor[400];
    int rc, want;

    if ((rc = cli_subverb(&argc, &argv, "alert", subs, alert_help, &sub)) >=
        0)
        return rc;
    if ((rc = parse(argc, argv, &a, alert_help)) >= 0)
        return rc;
    want = strcmp(sub, "list") == 0  ? 0
           : strcmp(sub, "ack") == 0 ? 1
                                     : 2;
    if (argc - optind != want) {
        if (want == 0)
            cli_error("alert list takes options only");
        else if (want == 1)
            cli_error("alert ack takes the alert's id");
        else
            cli_error("alert %s takes the alert's id and %s", sub,
                      strcmp(sub, "assign") == 0 ? "an owner"
                                                 : "what was done");
        return EXIT_USAGE;
    }
    cli_store_dir(&a.common, store, sizeof(store));
    cli_actor(actor, sizeof(actor));
    cw_diag_clear(&d);
    if (cw_access_open(store, false, &x, &d)) {
        cli_error_diag(&d);
        return EXIT_USAGE;
    }
    if (want == 0)
        rc = cw_alert_each(x, a.state, a.limit, print_alert, &a, &d);
    else if (strcmp(sub, "ack") == 0)
        rc = cw_alert_ack(x, argv[optind], actor, &d);
    else if (strcmp(sub, "assign") == 0)
        rc = cw_alert_assign(x, argv[optind], argv[optind + 1], actor, &d);
    else
        rc = cw_alert_resolve(x, argv[optind], argv[optind + 1], actor, &d);
    if (rc)
        cli_error_diag(&d);
    else if (want)
        cli_note("alert %s: %s\n", argv[optind],
                 strcmp(sub, "ack") == 0 ? "acknowledged"
                 : strcmp(sub, "assign") == 0 ? "assigned"
                                              : "resolved");
    cw_access_close(x);
    return rc ? EXIT_USAGE : EXIT_OK;
}
