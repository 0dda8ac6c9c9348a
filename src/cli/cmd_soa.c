/*
 * cmd_soa.c - `cloudward soa` and `cloudward matrix`: load catalogs and
 * scope, compute the lines, write them in the chosen format, and print a
 * summary when the report goes to a file.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_MODEL = OPT_FIRST_VERB_OPTION, OPT_EXPIRING, OPT_AS_RECORDED };

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "format", required_argument, NULL, 'f' },
    { "output", required_argument, NULL, 'o' },
    { "service-model", required_argument, NULL, OPT_MODEL },
    { "expiring-days", required_argument, NULL, OPT_EXPIRING },
    { "as-recorded", no_argument, NULL, OPT_AS_RECORDED },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char soa_help[] =
    "usage: cloudward soa [--scope FILE] [--format FMT] [-o FILE]\n"
    "                     [--as-of DATE] [--expiring-days N] [--catalog-dir "
    "DIR]\n"
    "\n"
    "Writes the Statement of Applicability: one row per control in force\n"
    "with its own implementation (applicable, source, justification,\n"
    "status, owner, evidence, checks), what it relies on providers for and\n"
    "the state of that assurance, contradictions found, and why.\n"
    "\n"
    "  -f, --format FMT     table (default on a terminal), csv, md, html,\n"
    "                       json, xlsx (needs -o)\n"
    "  -o, --output FILE    write to FILE (atomically) and print a summary\n"
    "  --expiring-days N    assurance ending within N days is 'expiring'\n"
    "                       (default 90)\n"
    "  --as-recorded        the store as it stood at the end of --as-of:\n"
    "                       scans started and evidence recorded later are\n"
    "                       left out (as in an audit package of that date)\n"
    "\n"
    "Exit status: 0, or 1 when a reliance is unverified (lapsed, not\n"
    "covering, no assurance, a gap up the chain) or a line is flagged as a\n"
    "contradiction; 2 on bad input.\n";

static const char matrix_help[] =
    "usage: cloudward matrix [--scope FILE] [--service-model iaas|paas|saas]\n"
    "                        [--format FMT] [-o FILE] [--as-of DATE]\n"
    "\n"
    "Writes the shared-responsibility matrix the organisation publishes:\n"
    "for each control provider, customer, split or each (each party for\n"
    "its own organisation), the part customers may rely on, each party's\n"
    "part in words, its own status and assurance, and the chain of\n"
    "providers behind it. A customer lists the JSON form as a provider's\n"
    "'matrix' in its own scope.\n"
    "\n"
    "  --service-model M  the model to describe (default: the scope's)\n"
    "  -f, --format FMT   table, csv, md, html, json, xlsx (needs -o)\n"
    "  -o, --output FILE  write to FILE (atomically) and print a summary\n"
    "\n"
    "Exit status as for 'soa'.\n";

static void print_summary(const struct cw_soa *soa, enum cw_view view,
                          const char *path, enum cw_format f)
{
    const struct cw_scope *scope = cw_soa_scope(soa);
    const struct cw_soa_summary *s = cw_soa_get_summary(soa);
    size_t i;

    cli_note("%s: %s (%s%s), as of %s\n",
           view == CW_VIEW_SOA ? "Statement of Applicability"
                               : "Responsibility matrix",
           cw_scope_organisation(scope), cw_role_name(cw_scope_role(scope)),
           cw_scope_pii_processor(scope) ? ", PII processor" : "",
           cw_soa_as_of(soa));
    cli_note("  catalogs in force: ");
    for (i = 0; i < cw_scope_catalog_count(scope); i++)
        cli_note("%s%s", i ? ", " : "", cw_scope_catalogs(scope)[i]);
    cli_note("\n  %zu controls: %zu applicable, %zu excluded; %zu decided\n",
           s->total, s->applicable, s->not_applicable, s->decided);
    cli_note("  implementation: %zu not started, %zu planned, %zu partial, "
           "%zu implemented, %zu not applicable\n",
           s->status[CW_IMPL_NOT_STARTED], s->status[CW_IMPL_PLANNED],
           s->status[CW_IMPL_PARTIAL], s->status[CW_IMPL_IMPLEMENTED],
           s->status[CW_IMPL_NOT_APPLICABLE]);
    cli_note("  reliance on providers: %zu none, %zu verified, %zu expiring, "
           "%zu unverified\n",
           s->relies_none, s->relies_verified, s->relies_expiring,
           s->relies_unverified);
    cli_note("  contradictions: %zu line%s flagged\n", s->flagged,
           s->flagged == 1 ? "" : "s");
    cli_note("wrote %s (%s)\n", path, cw_format_name(f));
}

/* Exit 1 when the lines hold findings: an unverified reliance or a
 * contradiction. Said on stderr whatever the output goes to. */
static int findings(const struct cw_soa *soa)
{
    const struct cw_soa_summary *s = cw_soa_get_summary(soa);

    if (s->relies_unverified)
        fprintf(stderr,
                "cloudward: %zu line%s rel%s on a provider without verified "
                "assurance (see the Reliance detail column)\n",
                s->relies_unverified, s->relies_unverified == 1 ? "" : "s",
                s->relies_unverified == 1 ? "ies" : "y");
    if (s->flagged)
        fprintf(stderr,
                "cloudward: %zu line%s flagged as contradictions (see the "
                "Flags column)\n",
                s->flagged, s->flagged == 1 ? " is" : "s are");
    return s->relies_unverified || s->flagged ? EXIT_FINDINGS : EXIT_OK;
}

static int run(int argc, char **argv, enum cw_view view)
{
    struct cli_common common = { .scope = "cloudward.yaml" };
    struct cw_soa_options opt = { NULL, -1, NULL, 0, NULL,
                                  NULL, NULL, false, false };
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
        case OPT_EXPIRING: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 3650) {
                cli_error("--expiring-days takes a number of days, 1 to "
                          "3650");
                return EXIT_USAGE;
            }
            opt.expiring_days = (int)v;
            break;
        }
        case OPT_AS_RECORDED:
            opt.as_recorded = true;
            break;
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
        if (access(common.scope, F_OK) != 0)
            fprintf(stderr, "cloudward: no scope here; 'cloudward init' "
                            "writes one (see 'cloudward init --help')\n");
        goto out;
    }
    /* What the report rests on goes into the ledger first. */
    {
        size_t changes;
        if (!cli_record_scope(scope, store, false, &changes))
            goto out;
        if (changes)
            cli_note("cloudward: recorded %zu change(s) of the scope and "
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
    rc = findings(soa);
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
