/*
 * cmd_oscal.c - `cloudward oscal MODEL` (NIST OSCAL 1.0.6 JSON out) and
 * `cloudward scope import-provider` (a provider's OSCAL export in, as the
 * matrix a scope relies on). docs/oscal.md.
 */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_CATALOG = OPT_FIRST_VERB_OPTION, OPT_PACK };

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "output", required_argument, NULL, 'o' },
    { "catalog", required_argument, NULL, OPT_CATALOG },
    { "pack", required_argument, NULL, OPT_PACK },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char oscal_help[] =
    "usage: cloudward oscal catalog --catalog NAME [-o FILE]\n"
    "       cloudward oscal component [--pack NAME|FILE]... [-o FILE]\n"
    "       cloudward oscal profile|ssp|assessment-results|poam [--scope FILE]\n"
    "                       [--store DIR] [--as-of DATE] [-o FILE]\n"
    "       cloudward oscal all -o DIR [--scope FILE] [--store DIR] [--as-of "
    "DATE]\n"
    "\n"
    "Writes NIST OSCAL 1.0.6 JSON (docs/oscal.md):\n"
    "  catalog             one of our catalogs: ids, titles, our own "
    "summaries,\n"
    "                      groups per clause, the 2013 -> 2022 crosswalk as "
    "links\n"
    "  profile             the scope's selection: catalogs in force, "
    "exclusions\n"
    "                      with their reasons\n"
    "  component           check packs (default: every built-in one) as a\n"
    "                      component-definition: each control and the "
    "checks\n"
    "                      that evidence it\n"
    "  ssp                 the SoA as a system security plan: own "
    "implementation,\n"
    "                      what is inherited from providers, what is "
    "provided\n"
    "                      to customers and left to them (export)\n"
    "  assessment-results  the latest scan runs on or before the SoA's date\n"
    "  poam                every open line: its risk and deadline\n"
    "  all                 the whole set into folder DIR, the files named as\n"
    "                      the documents refer to each other\n"
    "\n"
    "UUIDs are derived from what they name and last-modified from the "
    "data's\n"
    "own time: the same store and date give the same bytes.\n"
    "\n"
    "  -o, --output PATH   write to PATH (atomically); default stdout\n"
    "  --catalog NAME      catalog: iso27002:2013, iso27002:2022, "
    "iso27017:2015,\n"
    "                      iso27018:2019\n"
    "  --pack NAME|FILE    component: a built-in pack or a pack file "
    "(repeat)\n"
    "\n"
    "Exit status: 0, or 2 on bad input.\n";

#define MAX_PACKS 32

static struct cw_soa *build_soa(struct cw_catalogs *cats,
                                const struct cli_common *common,
                                const char *store, struct cw_scope **scope)
{
    /* as_recorded: the documents of one set see the same runs (the
     * assessment results read those started by the SoA's date). */
    struct cw_soa_options opt = { NULL, -1, NULL, 0, NULL,
                                  NULL, NULL, true, false };
    struct cw_soa *soa = NULL;
    struct cw_diag d;
    size_t changes;

    cw_diag_clear(&d);
    if (cw_scope_load(cats, common->scope, scope, &d)) {
        cli_error_diag(&d);
        return NULL;
    }
    if (!cli_record_scope(*scope, store, false, &changes))
        return NULL;
    opt.as_of = common->as_of;
    opt.store = store;
    if (cw_soa_build(cats, *scope, &opt, &soa, &d)) {
        cli_error_diag(&d);
        return NULL;
    }
    return soa;
}

int cmd_oscal(int argc, char **argv)
{
    static const char *const subs[] = { "catalog", "profile", "component",
                                        "ssp", "assessment-results", "poam",
                                        "all", NULL };
    struct cli_common common = { .scope = "cloudward.yaml" };
    struct cw_oscal_input in;
    struct cw_pack *packs[MAX_PACKS];
    const char *pack_args[MAX_PACKS];
    size_t npack_args = 0, i;
    struct cw_catalogs *cats = NULL;
    struct cw_scope *scope = NULL;
    struct cw_soa *soa = NULL;
    const char *sub, *out = NULL, *catalog = NULL;
    enum cw_oscal_model model = CW_OSCAL_CATALOG;
    char store[4096];
    struct cw_diag d;
    int c, rc;

    memset(&in, 0, sizeof(in));
    if ((rc = cli_subverb(&argc, &argv, "oscal", subs, oscal_help, &sub)) >=
        0)
        return rc;
    rc = EXIT_USAGE;
    while ((c = getopt_long(argc, argv, "o:h", long_opts, NULL)) != -1) {
        if (cli_common_option(&common, c, optarg))
            continue;
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case OPT_CATALOG:
            catalog = optarg;
            break;
        case OPT_PACK:
            if (npack_args == MAX_PACKS) {
                cli_error("at most %d packs", MAX_PACKS);
                return EXIT_USAGE;
            }
            pack_args[npack_args++] = optarg;
            break;
        case 'h':
            fputs(oscal_help, stdout);
            return EXIT_OK;
        default:
            fputs(oscal_help, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    bool all = strcmp(sub, "all") == 0;
    if (!all)
        cw_oscal_model_parse(sub, &model);
    if (all && !out) {
        cli_error("'oscal all' needs -o DIR, the folder to write the set "
                  "into");
        return EXIT_USAGE;
    }
    if (!all && model == CW_OSCAL_CATALOG && !catalog) {
        cli_error("'oscal catalog' needs --catalog NAME (iso27002:2013, "
                  "iso27002:2022, iso27017:2015, iso27018:2019)");
        return EXIT_USAGE;
    }
    if ((catalog && model != CW_OSCAL_CATALOG) ||
        (npack_args && (all || model != CW_OSCAL_COMPONENT))) {
        cli_error("--catalog goes with 'catalog', --pack with 'component'");
        return EXIT_USAGE;
    }
    cw_diag_clear(&d);
    cats = cli_load_catalogs(&common);
    if (!cats)
        return EXIT_USAGE;
    in.cats = cats;
    in.catalog = catalog;
    cli_store_dir(&common, store, sizeof(store));
    for (i = 0; i < npack_args; i++)
        packs[i] = NULL;
    if (model == CW_OSCAL_COMPONENT && !all) {
        const char *const *names = cw_pack_builtin_names();
        size_t n = npack_args;
        if (!n)
            while (names[n] && n < MAX_PACKS)
                n++;
        for (i = 0; i < n; i++) {
            if (cw_pack_load(cats, npack_args ? pack_args[i] : names[i],
                             &packs[i], &d)) {
                cli_error_diag(&d);
                npack_args = npack_args ? npack_args : i;
                goto out;
            }
            in.npacks++;
        }
        in.packs = (const struct cw_pack *const *)packs;
    } else if (all || model != CW_OSCAL_CATALOG) {
        soa = build_soa(cats, &common, store, &scope);
        if (!soa)
            goto out;
        in.soa = soa;
        in.store = store;
    }
    if (all) {
        size_t n;
        if (cw_oscal_write_set(&in, out, &n, &d)) {
            cli_error_diag(&d);
            goto out;
        }
        cli_note("wrote %zu OSCAL documents into %s\n", n, out);
    } else {
        if (cw_oscal_write(model, &in, out, &d)) {
            cli_error_diag(&d);
            goto out;
        }
        if (out)
            cli_note("wrote %s (OSCAL %s)\n", out, cw_oscal_model_name(model));
    }
    rc = EXIT_OK;
out:
    for (i = 0; i < in.npacks; i++)
        cw_pack_free(packs[i]);
    cw_soa_free(soa);
    cw_scope_free(scope);
    cw_catalogs_free(cats);
    return rc;
}

static const char scope_help[] =
    "usage: cloudward scope import-provider FILE [-o MATRIX.json]\n"
    "\n"
    "Reads a provider's OSCAL system security plan (or component-"
    "definition)\n"
    "and writes the responsibility matrix its exports describe: for each\n"
    "control who carries it (provider, customer, split, each), the part a\n"
    "customer may rely on, each party's duty, the provider's own status and\n"
    "reliances, and its published certificates. Name the file as that\n"
    "provider's 'matrix' in the scope (docs/oscal.md).\n"
    "\n"
    "  -o, --output FILE   write to FILE (atomically); default stdout\n"
    "\n"
    "Exit status: 0, or 2 on bad input (FILE:LINE:COL said).\n";

int cmd_scope(int argc, char **argv)
{
    static const char *const subs[] = { "import-provider", NULL };
    struct cli_common common = { .scope = "cloudward.yaml" };
    struct cw_catalogs *cats;
    const char *sub, *out = NULL;
    struct cw_diag d;
    size_t rows = 0;
    int c, rc;

    if ((rc = cli_subverb(&argc, &argv, "scope", subs, scope_help, &sub)) >=
        0)
        return rc;
    while ((c = getopt_long(argc, argv, "o:h", long_opts, NULL)) != -1) {
        if (cli_common_option(&common, c, optarg))
            continue;
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'h':
            fputs(scope_help, stdout);
            return EXIT_OK;
        default:
            fputs(scope_help, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        cli_error("usage: cloudward scope import-provider FILE [-o FILE]");
        return EXIT_USAGE;
    }
    cats = cli_load_catalogs(&common);
    if (!cats)
        return EXIT_USAGE;
    cw_diag_clear(&d);
    rc = EXIT_OK;
    if (cw_oscal_import_provider(cats, argv[optind], out, &rows, &d)) {
        cli_error_diag(&d);
        rc = EXIT_USAGE;
    } else if (out)
        cli_note("wrote %s: %zu controls of the provider's matrix; name it "
                 "as the provider's 'matrix' in the scope\n",
                 out, rows);
    cw_catalogs_free(cats);
    return rc;
}
