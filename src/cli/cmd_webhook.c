/*
 * cmd_webhook.c - `cloudward webhook set|list|remove`: a tenant's
 * webhook, the address `cloudward serve` posts the tenant's notices to,
 * signed (cw_webhook.h). `set` prints the new secret once, on stdout
 * alone (for $(...)); nothing else ever shows it. Every change is a
 * ledger entry.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum { OPT_TENANT = OPT_FIRST_VERB_OPTION, OPT_URL, OPT_PROVIDER };

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "tenant", required_argument, NULL, OPT_TENANT },
    { "url", required_argument, NULL, OPT_URL },
    { "provider", no_argument, NULL, OPT_PROVIDER },
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char help[] =
    "usage: cloudward webhook set --tenant ID|--provider --url URL\n"
    "       cloudward webhook list [--tenant ID] [--format table|json]\n"
    "       cloudward webhook remove --tenant ID|--provider\n"
    "\n"
    "A tenant's webhook: 'cloudward serve' posts each notice for the\n"
    "tenant's users (a new version of a document they follow) to URL\n"
    "(http:// or https://), signed with HMAC-SHA256 (header\n"
    "X-Cloudward-Signature; docs/server.md), and tries again with growing\n"
    "waits when it is not answered with 2xx. 'set' makes or replaces it\n"
    "and prints its secret once (keep it for the receiver to check the\n"
    "signature with); what was still to be delivered goes to the new one.\n"
    "'remove' cancels what was still to be delivered. Changes are ledger\n"
    "entries. --provider: the provider's own webhook, which the monitor's\n"
    "alerts go to (events alert.open, alert.resolve; docs/monitoring.md).\n";

struct args {
    struct cli_common common;
    const char *tenant, *url;
    bool json;
};

static int parse(int argc, char **argv, struct args *a)
{
    int c;
    while ((c = getopt_long(argc, argv, "f:h", long_opts, NULL)) != -1) {
        if (cli_common_option(&a->common, c, optarg))
            continue;
        switch (c) {
        case OPT_TENANT:
            a->tenant = optarg;
            break;
        case OPT_URL:
            a->url = optarg;
            break;
        case OPT_PROVIDER:
            a->tenant = ""; /* the provider's own (cw_webhook_set) */
            break;
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
    if (optind != argc) {
        cli_error("webhook takes options only (--tenant, --url)");
        return EXIT_USAGE;
    }
    return -1;
}

static int print_webhook(void *arg, const struct cw_webhook *w)
{
    struct args *a = arg;
    if (a->json) {
        printf("{\"id\":\"%s\",\"tenant\":", w->id);
        cli_json_str(stdout, w->tenant);
        fputs(",\"url\":", stdout);
        cli_json_str(stdout, w->url);
        printf(",\"created\":%lld}\n", w->created);
    } else {
        printf("%-16s %-24s %s\n", w->id, w->tenant, w->url);
    }
    return 0;
}

int cmd_webhook(int argc, char **argv)
{
    static const char *const subs[] = { "set", "list", "remove", NULL };
    struct args a = { .common = { .scope = "cloudward.yaml" } };
    struct cw_access *x = NULL;
    struct cw_diag d;
    const char *sub;
    char store[4096], actor[400], secret[CW_WEBHOOK_SECRET_TEXT],
        id[CW_TOKEN_ID];
    int rc;

    if ((rc = cli_subverb(&argc, &argv, "webhook", subs, help, &sub)) >= 0)
        return rc;
    if ((rc = parse(argc, argv, &a)) >= 0)
        return rc;
    if (strcmp(sub, "list") != 0 && !a.tenant) {
        cli_error("webhook %s takes --tenant ID or --provider", sub);
        return EXIT_USAGE;
    }
    if (strcmp(sub, "set") == 0 && !a.url) {
        cli_error("webhook set takes --url URL (http:// or https://)");
        return EXIT_USAGE;
    }
    cli_store_dir(&a.common, store, sizeof(store));
    cw_diag_clear(&d);
    if (cw_access_open(store, false, &x, &d)) {
        cli_error_diag(&d);
        return EXIT_USAGE;
    }
    cli_actor(actor, sizeof(actor));
    if (strcmp(sub, "set") == 0) {
        if (!(rc = cw_webhook_set(x, a.tenant, a.url, actor, secret, id,
                                  &d))) {
            /* The secret on stdout alone, for $(...); the rest aside. */
            printf("%s\n", secret);
            fprintf(stderr,
                    "webhook %s of %s: the secret above is shown once; the "
                    "receiver checks X-Cloudward-Signature with it\n",
                    id, *a.tenant ? a.tenant : "the provider");
        }
        memset(secret, 0, sizeof(secret));
    } else if (strcmp(sub, "remove") == 0) {
        if (!(rc = cw_webhook_remove(x, a.tenant, actor, &d)) && !cli_quiet)
            printf("webhook of %s removed\n",
                   *a.tenant ? a.tenant : "the provider");
    } else {
        rc = cw_webhook_each(x, a.tenant, print_webhook, &a, &d);
    }
    if (rc)
        cli_error_diag(&d);
    cw_access_close(x);
    return rc ? EXIT_USAGE : EXIT_OK;
}
