/*
 * cmd_soa.c - `cloudward soa` and `cloudward matrix`: load catalogs and
 * scope, compute the lines, write them in the chosen format, and print a
 * summary when the report goes to a file.
 */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_MODEL = OPT_FIRST_VERB_OPTION };

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "format", required_argument, NULL, 'f' },
    { "output", required_argument, NULL, 'o' },
    { "service-model", required_argument, NULL, OPT_MODEL },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char soa_help[] =
    "usage: cloudward soa [--scope FILE] [--format FMT] [-o FILE]\n"
    "                     [--as-of DATE] [--catalog-dir DIR]\n"
    "\n"
    "Writes the Statement of Applicability: one row per control in force\n"
    "with applicability, justification, source, status, responsibility,\n"
    "evidence, checks, inheritance and why.\n"
    "\n"
    "  -f, --format FMT   table (default on a terminal), csv, md, html, json,\n"
    "                     xlsx (needs -o)\n"
    "  -o, --output FILE  write to FILE (atomically) and print a summary\n";

static const char matrix_help[] =
    "usage: cloudward matrix [--scope FILE] [--service-model iaas|paas|saas]\n"
    "                        [--format FMT] [-o FILE] [--as-of DATE]\n"
    "\n"
    "Writes the shared-responsibility matrix: for each control, provider,\n"
    "customer or shared, and each party's duty in one sentence. A customer\n"
    "can list the JSON form as a provider's 'matrix' in its own scope.\n"
    "\n"
    "  --service-model M  the model to describe (default: the scope's)\n"
    "  -f, --format FMT   table, csv, md, html, json, xlsx (needs -o)\n"
    "  -o, --output FILE  write to FILE (atomically) and print a summary\n";

static void print_summary(const struct cw_soa *soa, enum cw_view view,
                          const char *path, enum cw_format f)
{
    const struct cw_scope *scope = cw_soa_scope(soa);
    const struct cw_soa_summary *s = cw_soa_get_summary(soa);
    size_t i;

    printf("%s: %s (%s%s), as of %s\n",
           view == CW_VIEW_SOA ? "Statement of Applicability"
                               : "Responsibility matrix",
           cw_scope_organisation(scope), cw_role_name(cw_scope_role(scope)),
           cw_scope_pii_processor(scope) ? ", PII processor" : "",
           cw_soa_as_of(soa));
    printf("  catalogs in force: ");
    for (i = 0; i < cw_scope_catalog_count(scope); i++)
        printf("%s%s", i ? ", " : "", cw_scope_catalogs(scope)[i]);
    printf("\n  %zu controls: %zu applicable, %zu not applicable\n",
           s->total, s->applicable, s->not_applicable);
    printf("  %zu inherited from providers, %zu on an expired certificate\n",
           s->inherited, s->expired);
    printf("  %zu set by decisions, %zu implemented, %zu not yet assessed\n",
           s->decided, s->implemented, s->not_assessed);
    printf("wrote %s (%s)\n", path, cw_format_name(f));
    if (s->expired)
        printf("warning: %zu inherited controls rest on an expired provider "
               "certificate\n",
               s->expired);
}

static int run(int argc, char **argv, enum cw_view view)
{
    struct cli_common common = { .scope = "cloudward.yaml" };
    struct cw_soa_options opt = { NULL, -1, NULL };
    char store[4096];
    struct cw_catalogs *cats = NULL;
    struct cw_scope *scope = NULL;
    struct cw_soa *soa = NULL;
    const char *out = NULL;
    enum cw_format fmt = isatty(1) ? CW_FORMAT_TABLE : CW_FORMAT_CSV;
    bool fmt_set = false;
    struct cw_diag d;
    int c, rc = EXIT_USAGE;

    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:h", long_opts, NULL)) != -1) {
        if (cli_common_option(&common, c, optarg))
            continue;
        switch (c) {
        case 'f':
            if (!cw_format_parse(optarg, &fmt)) {
                cli_error("unknown format '%s'; expected table, csv, md, "
                          "html, json or xlsx",
                          optarg);
                return EXIT_USAGE;
            }
            fmt_set = true;
            break;
        case 'o':
            out = optarg;
            break;
        case OPT_MODEL: {
            enum cw_model m;
            if (view != CW_VIEW_MATRIX || !cw_model_parse(optarg, &m)) {
                cli_error("--service-model takes iaas, paas or saas, and "
                          "only with 'matrix'");
                return EXIT_USAGE;
            }
            opt.model = (int)m;
            break;
        }
        case 'h':
            fputs(view == CW_VIEW_SOA ? soa_help : matrix_help, stdout);
            return EXIT_OK;
        default:
            fputs(view == CW_VIEW_SOA ? soa_help : matrix_help, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    if (!fmt_set && out) {
        const char *dot = strrchr(out, '.');
        if (!dot || !cw_format_parse(dot + 1, &fmt))
            fmt = CW_FORMAT_CSV;
    }
    opt.as_of = common.as_of;
    cli_store_dir(&common, store, sizeof(store));
    opt.store = store;
    cw_diag_clear(&d);
    cats = cli_load_catalogs(&common);
    if (!cats)
        goto out;
    if (cw_scope_load(cats, common.scope, &scope, &d)) {
        cli_error_diag(&d);
        goto out;
    }
    /* What the report rests on goes into the ledger first. */
    {
        size_t changes;
        if (!cli_record_scope(scope, store, false, &changes))
            goto out;
        if (changes)
            fprintf(stderr,
                    "cloudward: recorded %zu change(s) of the scope and "
                    "its decisions in the ledger\n",
                    changes);
    }
    if (cw_soa_build(cats, scope, &opt, &soa, &d) ||
        cw_report_write(soa, view, fmt, out, &d)) {
        cli_error_diag(&d);
        goto out;
    }
    if (out)
        print_summary(soa, view, out, fmt);
    rc = EXIT_OK;
out:
    cw_soa_free(soa);
    cw_scope_free(scope);
    cw_catalogs_free(cats);
    return rc;
}

int cmd_soa(int argc, char **argv)
{
    return run(argc, argv, CW_VIEW_SOA);
}

int cmd_matrix(int argc, char **argv)
{
    return run(argc, argv, CW_VIEW_MATRIX);
}
