/*
 * cmd_package.c - `cloudward package`: build the audit package as of a
 * date, print its signing key, verify one offline
 * (docs/audit-package.md).
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"

enum { OPT_VKEY = OPT_FIRST_VERB_OPTION, OPT_SINCE, OPT_EXPECT_AS_OF };

static const char package_help[] =
    "usage: cloudward package --as-of DATE -o FILE.tar.gz [--scope FILE]\n"
    "                         [--store DIR]\n"
    "       cloudward package vkey [--store DIR]\n"
    "       cloudward package verify FILE [--vkey KEY.pem] [--as-of DATE]\n"
    "                                [--since CHECKPOINT]\n"
    "\n"
    "Builds the audit package: everything an audit looks at as of DATE in\n"
    "one signed, deterministic tar.gz (the same store and date give the\n"
    "same bytes): the SoA and matrix (xlsx, csv, json), the OSCAL set, the\n"
    "latest scans (JSON, SARIF), the registers, the decisions' history,\n"
    "every evidence file the SoA cites, the ledger's entries up to DATE\n"
    "with a signed checkpoint and a consistency proof to a signed tree\n"
    "head, and manifest.json (every file's size and SHA-256) signed with\n"
    "the store's package key (Ed25519). Building it is a ledger entry.\n"
    "\n"
    "  vkey     prints the package key's public half (PEM): hand it to\n"
    "           auditors, who pass it to 'verify --vkey'\n"
    "  verify   checks a package offline, without any store: signature,\n"
    "           every file against the manifest (none missing, none added),\n"
    "           the ledger's entries against their checkpoint and the proof\n"
    "           to the head, each evidence file against its name and its\n"
    "           ledger entry; names the first thing that differs\n"
    "\n"
    "  --as-of DATE        build: the date (YYYY-MM-DD); verify: the date\n"
    "                      the package must be of\n"
    "  -o, --output FILE   build: where to write it (atomically)\n"
    "  --vkey KEY.pem      verify: the signer's key (without it the key\n"
    "                      inside is used: that proves integrity, not who\n"
    "                      made the package)\n"
    "  --since FILE        verify: a ledger checkpoint you hold (from an\n"
    "                      earlier package's ledger/head.txt or 'cloudward\n"
    "                      log checkpoint'): an older package fails\n"
    "\n"
    "Exit status: 0 built or verified; 1 verify found a difference; 2 bad\n"
    "input or a file that is no package.\n";

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "output", required_argument, NULL, 'o' },
    { "vkey", required_argument, NULL, OPT_VKEY },
    { "since", required_argument, NULL, OPT_SINCE },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static int verify(int argc, char **argv, const struct cli_common *c,
                  const char *vkey_path, const char *since_path)
{
    struct cw_package_expect x = { NULL, NULL, NULL };
    struct cw_package_verdict v;
    static char pem[4096], since[4096];
    struct cw_diag d;
    enum cw_status st;

    if (optind + 1 != argc) {
        cli_error("usage: cloudward package verify FILE [--vkey KEY.pem]");
        return EXIT_USAGE;
    }
    if (vkey_path) {
        if (!cli_read_small(vkey_path, pem, sizeof(pem)))
            return EXIT_USAGE;
        x.vkey_pem = pem;
    }
    if (since_path) {
        if (!cli_read_small(since_path, since, sizeof(since)))
            return EXIT_USAGE;
        x.since = since;
    }
    x.as_of = c->as_of;
    cw_diag_clear(&d);
    st = cw_package_verify(argv[optind], &x, &v, &d);
    if (st) {
        cli_error_diag(&d);
        return st == CW_EINTEGRITY ? EXIT_FINDINGS : EXIT_USAGE;
    }
    printf("%s: verified: %s as of %s (%s), %zu files, %zu evidence, "
           "ledger %llu entries proven in a tree of %llu\n",
           argv[optind], v.organisation, v.as_of, v.producer, v.files,
           v.evidence, (unsigned long long)v.entries,
           (unsigned long long)v.head);
    if (!v.key_pinned)
        printf("note: signed by the key inside the package; pass --vkey "
               "with the provider's key ('cloudward package vkey') to know "
               "who made it\n");
    return EXIT_OK;
}

int cmd_package(int argc, char **argv)
{
    struct cli_common common = { .scope = "cloudward.yaml" };
    const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
    const char *out = NULL, *vkey = NULL, *since = NULL;
    char store[4096], actor[256];
    struct cw_catalogs *cats = NULL;
    struct cw_scope *scope = NULL;
    struct cw_diag d;
    int c, rc = EXIT_USAGE;

    if (sub && strcmp(sub, "vkey") != 0 && strcmp(sub, "verify") != 0) {
        cli_error("usage: cloudward package [vkey|verify]; see 'cloudward "
                  "package --help'");
        return EXIT_USAGE;
    }
    if (sub) {
        argc--;
        argv++;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", long_opts, NULL)) != -1) {
        if (cli_common_option(&common, c, optarg))
            continue;
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case OPT_VKEY:
            vkey = optarg;
            break;
        case OPT_SINCE:
            since = optarg;
            break;
        case 'h':
            fputs(package_help, stdout);
            return EXIT_OK;
        default:
            fputs(package_help, stderr);
            return EXIT_USAGE;
        }
    }
    if (sub && strcmp(sub, "verify") == 0)
        return verify(argc, argv, &common, vkey, since);
    if (vkey || since) {
        cli_error("--vkey and --since go with 'package verify'");
        return EXIT_USAGE;
    }
    cw_diag_clear(&d);
    cli_store_dir(&common, store, sizeof(store));
    if (sub) { /* vkey */
        char pem[256];
        if (optind < argc) {
            cli_error("unexpected argument '%s'", argv[optind]);
            return EXIT_USAGE;
        }
        if (cw_package_vkey(store, pem, sizeof(pem), &d)) {
            cli_error_diag(&d);
            return EXIT_USAGE;
        }
        fputs(pem, stdout);
        return EXIT_OK;
    }
    if (optind < argc) {
        cli_error("unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    if (!common.as_of || !out) {
        cli_error("a package needs --as-of DATE and -o FILE.tar.gz");
        return EXIT_USAGE;
    }
    cats = cli_load_catalogs(&common);
    if (!cats)
        return EXIT_USAGE;
    if (cw_scope_load(cats, common.scope, &scope, &d)) {
        cli_error_diag(&d);
        goto out;
    }
    {
        size_t changes;
        if (!cli_record_scope(scope, store, false, &changes))
            goto out;
    }
    cli_actor(actor, sizeof(actor));
    {
        struct cw_package_options o = { cats, scope, store, common.as_of,
                                        actor };
        struct cw_package_info info;
        if (cw_package_build(&o, out, &info, &d)) {
            cli_error_diag(&d);
            goto out;
        }
        cli_note("wrote %s: %s as of %s, %zu files (%zu evidence, %zu scan "
                 "runs), ledger %llu entries proven in a tree of %llu; "
                 "%llu bytes, %llu compressed, sha256 %s\n",
                 out, cw_scope_organisation(scope), common.as_of, info.files,
                 info.evidence, info.runs,
                 (unsigned long long)info.entries,
                 (unsigned long long)info.head, info.bytes,
                 info.archive_bytes, info.sha256);
    }
    rc = EXIT_OK;
out:
    cw_scope_free(scope);
    cw_catalogs_free(cats);
    return rc;
}
