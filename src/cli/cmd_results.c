/*
 * cmd_results.c - `cloudward results list|show|diff`: the scan runs saved
 * in the store (cw_runs.h), listed, one shown whole, two compared.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char help[] =
    "usage: cloudward results list [--format table|json]\n"
    "       cloudward results show RUN [--format table|json]\n"
    "       cloudward results diff RUN1 RUN2 [--format table|json]\n"
    "\n"
    "Every saved scan is a run in the store: what was scanned, with which\n"
    "exact pack (its SHA-256), when, by whom, and its results. 'list' shows\n"
    "the runs, newest first; 'show' one run's results (a config scan's\n"
    "passes counted per check); 'diff' what changed from RUN1 to RUN2 (runs\n"
    "of one kind and pack): results now failing, fixed, new, or changed\n"
    "otherwise. RUN is a run number, 'latest', or 'latest~N' (N runs before\n"
    "the latest of any pack).\n"
    "\n"
    "exit status: 0 ok (diff: nothing became failing), 1 diff: something\n"
    "became failing, 2 usage error or no such run.\n";

struct out {
    bool json;
    size_t n;
    int64_t pick;    /* resolving latest~N: runs to skip */
    int64_t found;
};

static int print_run(void *arg, const struct cw_run *r)
{
    struct out *o = arg;
    o->n++;
    if (o->json) {
        printf("{\"run\":%lld,\"kind\":", (long long)r->id);
        cli_json_str(stdout, r->kind);
        fputs(",\"pack\":", stdout);
        cli_json_str(stdout, r->pack);
        fputs(",\"pack_sha256\":", stdout);
        cli_json_str(stdout, r->pack_digest);
        fputs(",\"target\":", stdout);
        cli_json_str(stdout, r->target);
        fputs(",\"started\":", stdout);
        cli_json_str(stdout, r->started);
        printf(",\"seconds\":%.3f,\"actor\":", r->seconds);
        cli_json_str(stdout, r->actor);
        printf(",\"pass\":%zu,\"fail\":%zu,\"not-applicable\":%zu,"
               "\"unknown\":%zu,\"error\":%zu,\"stored\":%zu}\n",
               r->counts[CW_VERDICT_PASS], r->counts[CW_VERDICT_FAIL],
               r->counts[CW_VERDICT_NOT_APPLICABLE],
               r->counts[CW_VERDICT_UNKNOWN], r->counts[CW_VERDICT_ERROR],
               r->stored);
        return 0;
    }
    if (o->n == 1)
        printf("%-5s %-20s %-6s %-14s %8s %8s %6s %8s %6s  %s\n", "RUN",
               "STARTED", "KIND", "PACK", "PASS", "FAIL", "N/A", "UNKNOWN",
               "ERROR", "TARGET");
    printf("%-5lld %-20s %-6s %-14.14s %8zu %8zu %6zu %8zu %6zu  %s\n",
           (long long)r->id, r->started, r->kind, r->pack,
           r->counts[CW_VERDICT_PASS], r->counts[CW_VERDICT_FAIL],
           r->counts[CW_VERDICT_NOT_APPLICABLE],
           r->counts[CW_VERDICT_UNKNOWN], r->counts[CW_VERDICT_ERROR],
           r->target);
    return 0;
}

static void where(const struct cw_run_result *x, char *buf, size_t n)
{
    if (!x->file)
        snprintf(buf, n, "-");
    else if (x->line)
        snprintf(buf, n, "%s:%u", x->file, x->line);
    else
        snprintf(buf, n, "%s", x->file);
}

/* The reason a person reads: a config result's in words. */
static const char *words(const struct cw_run_result *x, char *buf, size_t n)
{
    if (!x->reason || !x->resource)
        return x->reason ? x->reason : "";
    cw_reason_words(x->reason, buf, n);
    return buf;
}

static void json_result(const struct cw_run_result *x)
{
    fputs("{\"check\":", stdout);
    cli_json_str(stdout, x->check);
    fputs(",\"resource\":", stdout);
    cli_json_str(stdout, x->resource);
    printf(",\"verdict\":\"%s\",\"severity\":\"%s\",\"count\":%zu,"
           "\"counted\":%s,\"reason\":",
           cw_verdict_name(x->verdict), cw_severity_name(x->severity),
           x->count, x->counted ? "true" : "false");
    {
        char buf[1024];
        cli_json_str(stdout, x->reason ? words(x, buf, sizeof(buf)) : NULL);
    }
    fputs(",\"file\":", stdout);
    cli_json_str(stdout, x->file);
    printf(",\"line\":%u}", x->line);
}

static int print_result(void *arg, const struct cw_run_result *x)
{
    struct out *o = arg;
    char at[600];

    o->n++;
    if (o->json) {
        json_result(x);
        putchar('\n');
        return 0;
    }
    if (x->counted) {
        printf("%-32.32s %-40s %-14s %zu passes, counted\n", x->check, "-",
               "pass", x->count);
        return 0;
    }
    where(x, at, sizeof(at));
    {
        char buf[1024];
        printf("%-32.32s %-40.40s %-14s %s (%s)\n", x->check,
               x->resource ? x->resource : "-", cw_verdict_name(x->verdict),
               words(x, buf, sizeof(buf)), at);
    }
    return 0;
}

struct changes {
    bool json;
    size_t n[4];
};

static int print_change(void *arg, enum cw_change c,
                        const struct cw_run_result *before,
                        const struct cw_run_result *after)
{
    struct changes *ch = arg;
    const struct cw_run_result *x = after ? after : before;
    char was[64], now[64], buf[1024];

    ch->n[c]++;
    if (ch->json) {
        printf("{\"change\":\"%s\",\"before\":", cw_change_name(c));
        if (before)
            json_result(before);
        else
            fputs("null", stdout);
        fputs(",\"after\":", stdout);
        if (after)
            json_result(after);
        else
            fputs("null", stdout);
        fputs("}\n", stdout);
        return 0;
    }
    snprintf(was, sizeof(was), "%s",
             before ? cw_verdict_name(before->verdict) : "none listed");
    snprintf(now, sizeof(now), "%s",
             after ? cw_verdict_name(after->verdict)
                   : "not listed: passes, or is gone");
    printf("%-8s %-32.32s %-40.40s %s -> %s: %s\n", cw_change_name(c),
           x->check, x->resource ? x->resource : "-", was, now,
           words(x, buf, sizeof(buf)));
    return 0;
}

static int skip_runs(void *arg, const struct cw_run *r)
{
    struct out *o = arg;
    if (o->pick-- == 0) {
        o->found = r->id;
        return 1;
    }
    return 0;
}

/* A run as given: a number, "latest" or "latest~N". */
static bool run_arg(const char *store, const char *s, int64_t *id)
{
    struct out o = { false, 0, 0, 0 };
    struct cw_diag d;
    char *end;

    if (strncmp(s, "latest", 6) == 0) {
        if (s[6] == '~') {
            o.pick = strtoll(s + 7, &end, 10);
            if (!s[7] || *end || o.pick < 0) {
                cli_error("'%s': expected latest~N with N a number", s);
                return false;
            }
        } else if (s[6]) {
            cli_error("'%s': expected a run number, latest or latest~N", s);
            return false;
        }
        cw_diag_clear(&d);
        if (cw_runs_list(store, skip_runs, &o, &d)) {
            cli_error_diag(&d);
            return false;
        }
        if (!o.found) {
            char shown[4096];
            cw_store_display(store, shown, sizeof(shown));
            cli_error("%s: no such run in %s (cloudward results list)", s,
                      shown);
            return false;
        }
        *id = o.found;
        return true;
    }
    *id = strtoll(s, &end, 10);
    if (!*s || *end || *id <= 0) {
        cli_error("'%s': expected a run number, latest or latest~N", s);
        return false;
    }
    return true;
}

int cmd_results(int argc, char **argv)
{
    struct cli_common common = { .scope = "cloudward.yaml" };
    static const char *const subs[] = { "list", "show", "diff", NULL };
    const char *sub;
    struct out o = { false, 0, 0, 0 };
    char store[4096];
    struct cw_diag d;
    int c, rc, want;
    int64_t a = 0, b = 0;

    if ((rc = cli_subverb(&argc, &argv, "results", subs, help, &sub)) >= 0)
        return rc;
    while ((c = getopt_long(argc, argv, "f:h", long_opts, NULL)) != -1) {
        if (cli_common_option(&common, c, optarg))
            continue;
        switch (c) {
        case 'f':
            if (!cli_table_or_json(optarg, &o.json))
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
    want = sub[0] == 'l' ? 0 : sub[0] == 's' ? 1 : 2;
    if (argc - optind != want) {
        cli_error("results %s takes %s", sub,
                  want == 0   ? "no argument"
                  : want == 1 ? "one RUN"
                              : "two runs: RUN1 RUN2");
        return EXIT_USAGE;
    }
    cli_store_dir(&common, store, sizeof(store));
    cw_diag_clear(&d);
    if (want >= 1 && !run_arg(store, argv[optind], &a))
        return EXIT_USAGE;
    if (want == 2 && !run_arg(store, argv[optind + 1], &b))
        return EXIT_USAGE;
    if (want == 0) {
        if (cw_runs_list(store, print_run, &o, &d)) {
            cli_error_diag(&d);
            return EXIT_USAGE;
        }
        if (!o.n && !o.json)
            cli_note("no saved runs in %s: 'cloudward scan' saves one\n",
                     store);
        return EXIT_OK;
    }
    if (want == 1) {
        if (cw_run_get(store, a, print_run, &o, &d)) {
            cli_error_diag(&d);
            return EXIT_USAGE;
        }
        if (!o.json)
            putchar('\n');
        o.n = 0;
        if (cw_run_results(store, a, print_result, &o, &d)) {
            cli_error_diag(&d);
            return EXIT_USAGE;
        }
        return EXIT_OK;
    }
    {
        struct changes ch;
        memset(&ch, 0, sizeof(ch));
        ch.json = o.json;
        if (cw_runs_diff(store, a, b, print_change, &ch, &d)) {
            cli_error_diag(&d);
            return EXIT_USAGE;
        }
        cli_note("run %lld -> %lld: %zu now failing, %zu fixed, %zu new, "
                 "%zu changed otherwise\n",
                 (long long)a, (long long)b, ch.n[CW_CHANGE_FAILING],
                 ch.n[CW_CHANGE_FIXED], ch.n[CW_CHANGE_NEW],
                 ch.n[CW_CHANGE_OTHER]);
        return ch.n[CW_CHANGE_FAILING] ? EXIT_FINDINGS : EXIT_OK;
    }
}
