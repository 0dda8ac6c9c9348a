/*
 * cmd_scan.c - `cloudward scan host`: load a check pack (the built-in one
 * matching the system, or --pack), evaluate it against this host or an
 * offline root, save the results in the store for the SoA, and report.
 * Progress goes to a terminal on stderr and nowhere when piped.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "cli.h"

enum {
    OPT_ROOT = OPT_FIRST_VERB_OPTION,
    OPT_PACK,
    OPT_FAIL_ON,
    OPT_NO_SAVE,
    OPT_TYPE,
    OPT_JOBS,
    OPT_SARIF_ALL,
    OPT_RECORD_LOCATIONS,
    OPT_CUSTOMERS
};

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "root", required_argument, NULL, OPT_ROOT },
    { "pack", required_argument, NULL, OPT_PACK },
    { "format", required_argument, NULL, 'f' },
    { "output", required_argument, NULL, 'o' },
    { "fail-on", required_argument, NULL, OPT_FAIL_ON },
    { "no-save", no_argument, NULL, OPT_NO_SAVE },
    { "type", required_argument, NULL, OPT_TYPE },
    { "jobs", required_argument, NULL, OPT_JOBS },
    { "sarif-all", no_argument, NULL, OPT_SARIF_ALL },
    { "record-locations", no_argument, NULL, OPT_RECORD_LOCATIONS },
    { "customers", required_argument, NULL, OPT_CUSTOMERS },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char config_help[] =
    "usage: cloudward scan config PATH... [--pack NAME|FILE] [--type T]\n"
    "                             [--format FMT] [-o FILE] [--fail-on SEV]\n"
    "\n"
    "Evaluates a config pack against cloud documents, offline: Terraform\n"
    "plan or state JSON ('terraform show -json'), CloudFormation templates\n"
    "(JSON or YAML), Kubernetes manifests (multi-document YAML, Helm output,\n"
    "kubectl JSON) and JSON exports of the aws, az and gcloud tools (see\n"
    "docs/config-scans.md). Each check judges every resource of the types it\n"
    "names; a result names the resource and the file and line it rests on.\n"
    "Checks that join resources (a bucket and its separate settings, pods\n"
    "and NetworkPolicies) are decided after the last file. The PII location\n"
    "check compares regions with pii_regions in the scope (--scope, or\n"
    "./cloudward.yaml when present). Results are saved for 'cloudward soa'.\n"
    "\n"
    "  --pack NAME|FILE   a built-in pack (aws, cloudformation, kubernetes,\n"
    "                     cloud-cli) or a pack file; default: the pack for\n"
    "                     the first file's format\n"
    "  --type T           terraform, cloudformation, kubernetes or cli\n"
    "                     (detected per file when omitted)\n"
    "  -f, --format FMT   table (default), json, sarif, junit, html\n"
    "  --sarif-all        SARIF keeps pass and not-applicable results too\n"
    "  -o, --output FILE  write the report to FILE (atomically)\n"
    "  --fail-on SEV      exit 1 when a check of severity SEV or above\n"
    "                     fails (default info; 'never' to always exit 0)\n"
    "  --no-save          do not record the results in the store\n"
    "  --record-locations keep where the PII location check found each\n"
    "                     resource in the locations register (one record\n"
    "                     per resource: region, its country, purpose by\n"
    "                     type; docs/registers.md), for --customers LIST\n"
    "                     (tenant ids, comma-separated; default '*')\n"
    "  --jobs 1|2         threads evaluating a Terraform plan (default: two\n"
    "                     for plans of 4 MB or more, else one)\n";

static const char help[] =
    "usage: cloudward scan host [--root DIR] [--pack NAME|FILE]\n"
    "                           [--format FMT] [-o FILE] [--fail-on SEV]\n"
    "\n"
    "Evaluates a hardening check pack against this host, or against an\n"
    "offline root (a mounted VM image, a container root file system, a\n"
    "debootstrap tree) with --root. Nothing under the root is written and\n"
    "no program of it is run. Results are saved in the store, where\n"
    "'cloudward soa' shows them per control.\n"
    "\n"
    "  --root DIR         the system to scan (default: this host, live)\n"
    "  --pack NAME|FILE   a built-in pack (debian-12, ubuntu-24.04) or a\n"
    "                     pack file; default: the pack for the system\n"
    "  -f, --format FMT   table (default), json, sarif, junit, html\n"
    "  --sarif-all        SARIF keeps pass and not-applicable results too\n"
    "  -o, --output FILE  write the report to FILE (atomically)\n"
    "  --fail-on SEV      exit 1 when a check of severity SEV or above\n"
    "                     fails: info (default), low, medium, high,\n"
    "                     critical, or never\n"
    "  --no-save          do not record the results in the store\n"
    "\n"
    "exit status: 0 no failure at --fail-on, 1 failures, 2 usage or input\n"
    "error (a config scan that meets no resource of a type its pack checks\n"
    "is one: the wrong documents or pack). Verdicts: pass, fail,\n"
    "not-applicable, unknown (could not be\n"
    "decided, never counted as a pass), error (a bad rule).\n";

static void progress(void *arg, size_t done, size_t total,
                     const struct cw_check *c)
{
    (void)arg;
    fprintf(stderr, "\r\033[K[%zu/%zu] %.60s", done, total, c->id);
    if (done == total)
        fputs("\r\033[K", stderr);
}

static void summary(const struct cw_results *r, const char *out,
                    const char *store, int64_t run)
{
    bool host = strcmp(cw_results_kind(r), "host") == 0;
    size_t total = 0, v;
    for (v = 0; v < CW_VERDICT_COUNT; v++)
        total += cw_results_tally(r, (enum cw_verdict)v);
    cli_note("%s scan of %s with %s: %zu checks, %zu results\n",
             host ? "Host" : "Config", cw_results_target(r),
             cw_pack_name(cw_results_pack(r)),
             cw_pack_count(cw_results_pack(r)), total);
    cli_note("  %zu pass, %zu fail, %zu not applicable, %zu unknown, "
           "%zu error\n",
           cw_results_tally(r, CW_VERDICT_PASS),
           cw_results_tally(r, CW_VERDICT_FAIL),
           cw_results_tally(r, CW_VERDICT_NOT_APPLICABLE),
           cw_results_tally(r, CW_VERDICT_UNKNOWN),
           cw_results_tally(r, CW_VERDICT_ERROR));
    if (out)
        cli_note("wrote %s\n", out);
    if (store) {
        char shown[4096];
        cw_store_display(store, shown, sizeof(shown));
        cli_note("saved as run %lld in %s (cloudward results show %lld)\n",
                 (long long)run, shown, (long long)run);
    }
}

static const char default_scope[] = "cloudward.yaml";

/* A saved scan is a state change: it goes into the ledger, with the
 * tallies as details. The actor is the user id, never a name. */

static const char *default_pack(const char *type)
{
    return strcmp(type, "kubernetes") == 0       ? "kubernetes"
           : strcmp(type, "cloudformation") == 0 ? "cloudformation"
           : strcmp(type, "cli") == 0            ? "cloud-cli"
                                                 : "aws";
}

/* The scope's pii_regions for the location check: from --scope, or from
 * ./cloudward.yaml when there is one. No scope is not an error: the
 * location check then says it has no regions to compare with. */
static int load_regions(const struct cli_common *common,
                        const struct cw_catalogs *cats,
                        struct cw_scope **scope,
                        struct cw_config_options *copt)
{
    struct cw_diag d;

    if (common->scope == default_scope && access(default_scope, F_OK) != 0)
        return 0;
    cw_diag_clear(&d);
    if (cw_scope_load(cats, common->scope, scope, &d)) {
        cli_error_diag(&d);
        return -1;
    }
    copt->regions = cw_scope_pii_regions(*scope, &copt->nregions);
    return 0;
}

int cmd_scan(int argc, char **argv)
{
    struct cli_common common = { .scope = default_scope };
    struct cw_config_options copt = { NULL, NULL, 0, 0, NULL, NULL };
    struct cw_scope *scope = NULL;
    struct cw_host_options hopt = { NULL, NULL, NULL };
    struct cw_catalogs *cats = NULL;
    struct cw_pack *pack = NULL;
    struct cw_results *res = NULL;
    enum cw_findings_format fmt = CW_FINDINGS_TABLE;
    enum cw_severity fail_on = CW_SEVERITY_INFO;
    bool never = false, save = true, fmt_set = false, sarif_all = false,
         record_locations = false;
    const char *customers = NULL;
    struct cli_locations locs = { NULL, 0, 0, false };
    const char *out = NULL, *pack_name = NULL, *root = NULL, *type = NULL;
    char detected[64], store[4096], actor[400];
    int64_t run = 0;
    struct cw_diag d;
    int c, rc = EXIT_USAGE;

    bool config;
    const char *kind = argc >= 2 ? argv[1] : "";

    if (strcmp(kind, "host") != 0 && strcmp(kind, "config") != 0) {
        if (strcmp(kind, "-h") == 0 || strcmp(kind, "--help") == 0) {
            fputs(help, stdout);
            fputs("\n", stdout);
            fputs(config_help, stdout);
            return EXIT_OK;
        }
        cli_error("usage: cloudward scan host|config [options]; see "
                  "'cloudward scan --help'");
        return EXIT_USAGE;
    }
    config = kind[0] == 'c';
    argc--;
    argv++;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:h", long_opts, NULL)) != -1) {
        if (cli_common_option(&common, c, optarg))
            continue;
        switch (c) {
        case OPT_ROOT:
            root = optarg;
            break;
        case OPT_PACK:
            pack_name = optarg;
            break;
        case 'f':
            if (!cw_findings_format_parse(optarg, &fmt)) {
                cli_error("unknown format '%s'; expected table, json, sarif, "
                          "junit or html",
                          optarg);
                return EXIT_USAGE;
            }
            fmt_set = true;
            break;
        case 'o':
            out = optarg;
            break;
        case OPT_FAIL_ON:
            never = strcmp(optarg, "never") == 0;
            if (!never && !cw_severity_parse(optarg, &fail_on)) {
                cli_error("unknown severity '%s'; expected info, low, "
                          "medium, high, critical or never",
                          optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_SARIF_ALL:
            sarif_all = true;
            break;
        case OPT_RECORD_LOCATIONS:
            record_locations = true;
            break;
        case OPT_CUSTOMERS:
            customers = optarg;
            break;
        case OPT_NO_SAVE:
            save = false;
            break;
        case OPT_TYPE:
            if (!config || (strcmp(optarg, "terraform") != 0 &&
                            strcmp(optarg, "cloudformation") != 0 &&
                            strcmp(optarg, "kubernetes") != 0 &&
                            strcmp(optarg, "cli") != 0)) {
                cli_error("--type takes terraform, cloudformation, "
                          "kubernetes or cli (with scan config)");
                return EXIT_USAGE;
            }
            type = optarg;
            break;
        case OPT_JOBS:
            if (!config || (strcmp(optarg, "1") != 0 &&
                            strcmp(optarg, "2") != 0)) {
                cli_error("--jobs takes 1 or 2 (with scan config)");
                return EXIT_USAGE;
            }
            copt.threads = (unsigned)(optarg[0] - '0');
            break;
        case 'h':
            fputs(config ? config_help : help, stdout);
            return EXIT_OK;
        default:
            fputs(config ? config_help : help, stderr);
            return EXIT_USAGE;
        }
    }
    if (!config && optind < argc) {
        cli_error("unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    if (config && (optind >= argc || root)) {
        cli_error(root ? "--root is for 'scan host'"
                       : "scan config needs at least one document");
        return EXIT_USAGE;
    }
    if (!fmt_set && out) { /* from the extension: .json .sarif .xml .html */
        const char *dot = strrchr(out, '.');
        if (dot && strcmp(dot, ".xml") == 0)
            fmt = CW_FINDINGS_JUNIT;
        else if (dot && !cw_findings_format_parse(dot + 1, &fmt))
            fmt = CW_FINDINGS_TABLE;
    }
    if (!pack_name && config) {
        /* The built-in pack for the first document's format. */
        const char *t = type;
        if (!t && cw_config_type(argv[optind], &t, &d)) {
            cli_error_diag(&d);
            return EXIT_USAGE;
        }
        pack_name = default_pack(t);
    }
    if (root && strcmp(kind, "host") == 0) {
        struct stat sb;
        if (stat(root, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            cli_error("%s: %s", root,
                      stat(root, &sb) != 0 ? "no such folder"
                                           : "not a folder (--root takes "
                                             "the folder of an offline "
                                             "root)");
            return EXIT_USAGE;
        }
    }
    if (!pack_name) {
        if (!cw_pack_detect(root ? root : "/", detected, sizeof(detected))) {
            cli_error("no built-in pack for the system under %s; choose one "
                      "with --pack (built-in: debian-12, ubuntu-24.04)",
                      root ? root : "/");
            return EXIT_USAGE;
        }
        pack_name = detected;
    }
    cw_diag_clear(&d);
    cats = cli_load_catalogs(&common);
    if (!cats)
        goto out;
    if (cw_pack_load(cats, pack_name, &pack, &d)) {
        cli_error_diag(&d);
        goto out;
    }
    if (config && load_regions(&common, cats, &scope, &copt))
        goto out;
    copt.type = type;
    if (record_locations) {
        if (!config) {
            cli_error("--record-locations is for config scans");
            goto out;
        }
        copt.on_location = cli_location_seen;
        copt.location_arg = &locs;
    }
    hopt.root = root;
    if (isatty(2) && !cli_quiet)
        hopt.progress = progress;
    if (config ? cw_scan_config(pack, (const char *const *)argv + optind,
                                (size_t)(argc - optind), &copt, &res, &d)
               : cw_scan_host(pack, &hopt, &res, &d)) {
        cli_error_diag(&d);
        goto out;
    }
    /* A config scan that met no resource of a type the pack checks
     * scanned nothing: the wrong documents or the wrong pack. Its empty
     * report would read as "nothing failed". */
    if (config && cw_results_count(res) == 0) {
        cli_error("no resource of a type pack %s checks is in the "
                  "document%s given: the wrong documents or the wrong pack "
                  "(--pack); nothing was scanned or saved",
                  cw_pack_name(pack), argc - optind > 1 ? "s" : "");
        goto out;
    }
    if (save && (cli_store_dir(&common, store, sizeof(store)),
                 cli_actor(actor, sizeof(actor)),
                 cw_results_save(res, store, kind, actor, &run, &d) ||
                     cw_results_record(res, store, kind, run, actor, &d))) {
        cli_error_diag(&d);
        goto out;
    }
    if (record_locations) {
        char source[160];
        snprintf(source, sizeof(source), "config scan of %s%s", argv[optind],
                 argc - optind > 1 ? " and more" : "");
        if (cli_locations_save(&locs, &common, customers, source) != EXIT_OK)
            goto out;
    }
    if (sarif_all && fmt == CW_FINDINGS_SARIF)
        fmt = CW_FINDINGS_SARIF_ALL;
    if (cw_report_results(res, fmt, out, &d)) {
        cli_error_diag(&d);
        goto out;
    }
    if (out)
        summary(res, out, save ? store : NULL, run);
    rc = !never && cw_results_failed_at(res, fail_on) ? EXIT_FINDINGS
                                                       : EXIT_OK;
out:
    cli_locations_free(&locs);
    cw_scope_free(scope);
    cw_results_free(res);
    cw_pack_free(pack);
    cw_catalogs_free(cats);
    return rc;
}
