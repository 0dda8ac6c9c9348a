/*
 * cmd_store.c - `cloudward store migrate --from DIR --to URL`: a folder
 * store copied into PostgreSQL and the copy proved (cw_store.h).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_FROM = OPT_FIRST_VERB_OPTION, OPT_TO };

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "from", required_argument, NULL, OPT_FROM },
    { "to", required_argument, NULL, OPT_TO },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char help[] =
    "usage: cloudward store migrate --from DIR --to postgresql://...\n"
    "\n"
    "Copies the folder store DIR (its ledger, evidence files and scan runs)\n"
    "into an empty PostgreSQL database, then proves the copy: the same\n"
    "ledger size and root (and it verifies), every evidence file with its\n"
    "recorded digest, every run with the same results. The ledger's key\n"
    "goes to $CLOUDWARD_KEY_DIR. DIR is only read, and must verify first.\n"
    "See docs/scaling.md.\n"
    "\n"
    "exit status: 0 copied and proved, 1 a proof failed, 2 usage error or\n"
    "a store that cannot be read or written.\n";

int cmd_store(int argc, char **argv)
{
    static const char *const subs[] = { "migrate", NULL };
    struct cli_common common = { .scope = "cloudward.yaml" };
    struct cw_store_migration m;
    const char *sub, *from = NULL, *to = NULL;
    char shown[4096], root[65];
    struct cw_diag d;
    enum cw_status st;
    int c, rc;
    size_t i;

    if ((rc = cli_subverb(&argc, &argv, "store", subs, help, &sub)) >= 0)
        return rc;
    while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        if (cli_common_option(&common, c, optarg))
            continue;
        switch (c) {
        case OPT_FROM:
            from = optarg;
            break;
        case OPT_TO:
            to = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return EXIT_OK;
        default:
            fputs(help, stderr);
            return EXIT_USAGE;
        }
    }
    if (!from || !to || optind < argc) {
        cli_error("store migrate takes --from DIR and --to URL, nothing "
                  "else");
        return EXIT_USAGE;
    }
    cw_diag_clear(&d);
    cw_store_display(to, shown, sizeof(shown));
    if ((st = cw_store_migrate(from, to, &m, &d))) {
        cli_error_diag(&d);
        return st == CW_EINTEGRITY && m.entries ? EXIT_FINDINGS : EXIT_USAGE;
    }
    for (i = 0; i < 32; i++)
        snprintf(root + 2 * i, 3, "%02x", m.root[i]);
    printf("copied %s into %s, and proved the copy:\n", from, shown);
    printf("  ledger: %llu entries, root %s, %zu checkpoint(s): the same, "
           "and it verifies\n",
           (unsigned long long)m.entries, root, m.checkpoints);
    printf("  evidence: %zu entr%s, every file with its recorded digest\n",
           m.evidence, m.evidence == 1 ? "y" : "ies");
    printf("  scan runs: %zu, %zu results read back: the same\n", m.runs,
           m.results);
    return EXIT_OK;
}
