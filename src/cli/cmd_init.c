/*
 * cmd_init.c - `cloudward init`: write a starter scope.
 */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum {
    OPT_ORG = OPT_FIRST_VERB_OPTION,
    OPT_ROLE,
    OPT_MODEL,
    OPT_PII,
    OPT_NO_PII,
    OPT_FORCE
};

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "organisation", required_argument, NULL, OPT_ORG },
    { "role", required_argument, NULL, OPT_ROLE },
    { "service-model", required_argument, NULL, OPT_MODEL },
    { "pii", no_argument, NULL, OPT_PII },
    { "no-pii", no_argument, NULL, OPT_NO_PII },
    { "force", no_argument, NULL, OPT_FORCE },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char help[] =
    "usage: cloudward init [--scope FILE] [--organisation NAME]\n"
    "                      [--role provider|customer|both]\n"
    "                      [--service-model iaas|paas|saas]... [--pii|--no-pii]\n"
    "                      [--force]\n"
    "\n"
    "Writes a starter scope (default ./cloudward.yaml) and a decisions/\n"
    "folder with a commented example. Defaults: role provider, saas, PII\n"
    "processor. Refuses to overwrite without --force.\n";

int cmd_init(int argc, char **argv)
{
    struct cli_common common = { .scope = "cloudward.yaml" };
    struct cw_scope_template t = { "My Organisation", CW_ROLE_PROVIDER, 0,
                                   true };
    bool force = false;
    struct cw_diag d;
    char store[4096];
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        enum cw_model m;
        if (cli_common_option(&common, c, optarg))
            continue;
        switch (c) {
        case OPT_ORG:
            t.organisation = optarg;
            break;
        case OPT_ROLE:
            if (!cw_role_parse(optarg, &t.role)) {
                cli_error("unknown role '%s'; expected provider, customer or "
                          "both",
                          optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_MODEL:
            if (!cw_model_parse(optarg, &m)) {
                cli_error("unknown service model '%s'; expected iaas, paas or "
                          "saas",
                          optarg);
                return EXIT_USAGE;
            }
            t.models |= 1u << m;
            break;
        case OPT_PII:
            t.pii_processor = true;
            break;
        case OPT_NO_PII:
            t.pii_processor = false;
            break;
        case OPT_FORCE:
            force = true;
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
    if (!t.models)
        t.models = 1u << CW_MODEL_SAAS;
    cw_diag_clear(&d);
    if (cw_scope_write_template(common.scope, &t, force, &d)) {
        cli_error_diag(&d);
        return EXIT_USAGE;
    }
    if (cw_scope_store_dir(common.scope, common.store, store, sizeof(store))) {
        cli_error("the store path is too long");
        return EXIT_USAGE;
    }
    /* Writing the scope is a state change: into the ledger with it. */
    {
        struct cw_log_event ev;
        struct cw_ledger *l = NULL;
        char actor[400];
        memset(&ev, 0, sizeof(ev));
        cli_actor(actor, sizeof(actor));
        ev.actor = actor;
        ev.action = "scope.init";
        ev.target = common.scope;
        ev.file = "(init)";
        if (cw_ledger_open(store, &l, &d) ||
            cw_ledger_append(l, &ev, 1, NULL, NULL, &d)) {
            cw_ledger_close(l);
            cli_error_diag(&d);
            return EXIT_USAGE;
        }
        cw_ledger_close(l);
    }
    printf("wrote %s\nnext: edit it, add decisions, then run 'cloudward soa "
           "--scope %s'\nstate will live in %s\n",
           common.scope, common.scope, store);
    return EXIT_OK;
}
