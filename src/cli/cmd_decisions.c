/*
 * cmd_decisions.c - `cloudward decisions record|history`: the scope and
 * its decision files, edited by people, brought into the ledger
 * (cw_ledger_record_scope), and read back as a history: who changed which
 * decision, when, to what.
 */
#include <getopt.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char help[] =
    "usage: cloudward decisions record [--scope FILE] [--store DIR]\n"
    "       cloudward decisions history [CONTROL] [--format table|json]\n"
    "\n"
    "'record' compares the scope file and its decisions with the last state\n"
    "the ledger holds and appends one entry per difference: scope.set when\n"
    "the scope file changed, decision.set for a new or changed decision,\n"
    "decision.remove for a decision no file holds any more. 'soa' and\n"
    "'matrix' do the same whenever the store has a ledger. Only a digest of\n"
    "a decision's free texts (justification, owner, notes) is recorded.\n"
    "'history' lists the recorded changes, of one control when given.\n";

struct hist {
    const char *ref; /* "CATALOG ID", or NULL for all */
    bool json;
    size_t n;
};

static bool print_one(void *arg, const struct cw_record *r)
{
    struct hist *h = arg;
    char when[32];
    time_t t = (time_t)(r->time_ms / 1000);
    struct tm tm;

    h->n++;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (h->json) {
        printf("{\"index\":%llu,\"time\":\"%s\",\"actor\":",
               (unsigned long long)r->index, when);
        cli_json_str(stdout, r->actor);
        fputs(",\"action\":", stdout);
        cli_json_str(stdout, r->action);
        fputs(",\"target\":", stdout);
        cli_json_str(stdout, r->target);
        fputs(",\"applicable\":", stdout);
        fputs(r->applicable < 0 ? "null" : r->applicable ? "true" : "false",
              stdout);
        fputs(",\"status\":", stdout);
        cli_json_str(stdout, r->status);
        fputs(",\"responsibility\":", stdout);
        cli_json_str(stdout, r->responsibility);
        fputs(",\"file\":", stdout);
        cli_json_str(stdout, r->file);
        printf(",\"line\":%u,\"sha256\":", r->line);
        cli_json_str(stdout, r->sha256);
        fputs("}\n", stdout);
        return true;
    }
    printf("%-6llu %-20s %-10s %-15s %-28s %-4s %-15s %.12s\n",
           (unsigned long long)r->index, when, r->actor, r->action, r->target,
           r->applicable < 0 ? "-" : r->applicable ? "yes" : "no",
           r->status ? r->status : "-", r->sha256 ? r->sha256 : "-");
    return true;
}

int cmd_decisions(int argc, char **argv)
{
    struct cli_common common = { .scope = "cloudward.yaml" };
    const char *sub;
    struct cw_catalogs *cats = NULL;
    struct cw_scope *scope = NULL;
    struct cw_ledger *l = NULL;
    struct hist h = { NULL, false, 0 };
    char store[4096], ref[300];
    struct cw_diag d;
    int c, rc = EXIT_USAGE;

    static const char *const subs[] = { "record", "history", NULL };

    if ((rc = cli_subverb(&argc, &argv, "decisions", subs, help, &sub)) >= 0)
        return rc;
    rc = EXIT_USAGE;
    while ((c = getopt_long(argc, argv, "f:h", long_opts, NULL)) != -1) {
        if (cli_common_option(&common, c, optarg))
            continue;
        switch (c) {
        case 'f':
            if (!cli_table_or_json(optarg, &h.json))
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
    if (optind < argc - (sub[0] == 'h')) {
        cli_error("unexpected argument '%s'", argv[argc - 1]);
        return EXIT_USAGE;
    }
    cw_diag_clear(&d);
    cli_store_dir(&common, store, sizeof(store));
    if (sub[0] == 'r') {
        size_t changes;
        if (!(cats = cli_load_catalogs(&common)))
            return EXIT_USAGE;
        if (cw_scope_load(cats, common.scope, &scope, &d)) {
            cli_error_diag(&d);
            goto out;
        }
        if (!cli_record_scope(scope, store, true, &changes))
            goto out;
        if (changes && !cli_quiet) {
            char shown[4096];
            cw_store_display(store, shown, sizeof(shown));
            printf("recorded %zu change(s) of %s and its %zu decision(s) in "
                   "%s\n",
                   changes, common.scope, cw_scope_decision_count(scope),
                   shown);
        }
        else if (!cli_quiet)
            printf("the ledger already holds %s and its %zu decision(s)\n",
                   common.scope, cw_scope_decision_count(scope));
        rc = EXIT_OK;
        goto out;
    }
    if (optind < argc) {
        if (!(cats = cli_load_catalogs(&common)) ||
            !cli_control_ref(cats, argv[optind], ref, sizeof(ref)))
            goto out;
        h.ref = ref;
    }
    if (cw_ledger_open_existing(store, &l, &d)) {
        cli_error_diag(&d);
        goto out;
    }
    if (!h.json)
        printf("%-6s %-20s %-10s %-15s %-28s %-4s %-15s %s\n", "ENTRY",
               "TIME", "ACTOR", "ACTION", "TARGET", "APPL", "STATUS",
               "SHA256");
    if (cw_ledger_record_each(l, h.ref, print_one, &h, &d)) {
        cli_error_diag(&d);
        goto out;
    }
    rc = EXIT_OK;
out:
    cw_ledger_close(l);
    cw_scope_free(scope);
    cw_catalogs_free(cats);
    return rc;
}
