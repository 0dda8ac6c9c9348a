/*
 * cmd_log.c - `cloudward log append|show|verify|prove|checkpoint|
 * consistency`: the ledger of the store (cw_ledger.h) from the command
 * line. Appends print each entry's index and leaf hash only once the
 * entry is durable.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
    OPT_ACTION = OPT_FIRST_VERB_OPTION,
    OPT_TARGET,
    OPT_TENANT,
    OPT_OUTCOME,
    OPT_REASON,
    OPT_DETAILS,
    OPT_FROM,
    OPT_BATCH,
    OPT_SIZE,
    OPT_VKEY,
    OPT_CHECKPOINT,
    OPT_OFFSET,
    OPT_LIMIT
};

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "action", required_argument, NULL, OPT_ACTION },
    { "target", required_argument, NULL, OPT_TARGET },
    { "tenant", required_argument, NULL, OPT_TENANT },
    { "outcome", required_argument, NULL, OPT_OUTCOME },
    { "reason", required_argument, NULL, OPT_REASON },
    { "details", required_argument, NULL, OPT_DETAILS },
    { "from", required_argument, NULL, OPT_FROM },
    { "batch", required_argument, NULL, OPT_BATCH },
    { "size", required_argument, NULL, OPT_SIZE },
    { "vkey", required_argument, NULL, OPT_VKEY },
    { "checkpoint", required_argument, NULL, OPT_CHECKPOINT },
    { "offset", required_argument, NULL, OPT_OFFSET },
    { "limit", required_argument, NULL, OPT_LIMIT },
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char help[] =
    "usage: cloudward log append --actor A --action X --target T\n"
    "                            [--tenant T] [--outcome success|failure]\n"
    "                            [--reason TEXT] [--details JSON]\n"
    "       cloudward log append --from FILE|- [--batch N]\n"
    "       cloudward log show [--tenant T] [--offset N] [--limit N]\n"
    "                          [--format table|json]\n"
    "       cloudward log checkpoint\n"
    "       cloudward log prove INDEX [--size N]\n"
    "       cloudward log consistency SIZE1 SIZE2\n"
    "       cloudward log verify [--checkpoint FILE|-]\n"
    "       cloudward log vkey\n"
    "       cloudward log check --vkey KEY [FILE|-]\n"
    "\n"
    "The ledger: one entry per event (OCSF JSON, docs/ledger.md), each a\n"
    "leaf of a Merkle tree whose checkpoints are signed (Ed25519, C2SP\n"
    "tlog-checkpoint). Entries are never changed or removed.\n"
    "\n"
    "  append       add one event, or one per JSON line of FILE ('-':\n"
    "               standard input; fields actor, action, target, tenant,\n"
    "               outcome, reason, details, time) in batches of N\n"
    "               (default 1024); prints INDEX LEAF-HASH of each once\n"
    "               it is durable\n"
    "  show         the entries (of one tenant with --tenant), with JSON\n"
    "               each carries its inclusion proof against the latest\n"
    "               signed checkpoint; --offset N passes over the first N,\n"
    "               --limit N shows at most N\n"
    "  checkpoint   sign the current tree head and print it\n"
    "  prove        the inclusion proof of entry INDEX (in the tree of N\n"
    "               entries; default: all)\n"
    "  consistency  the proof that the tree of SIZE2 extends that of SIZE1\n"
    "  verify       recompute every hash and signature, and check the log\n"
    "               still extends its last checkpoint (the copy kept as\n"
    "               STORE/checkpoint) and, with --checkpoint, one that a\n"
    "               customer or auditor kept; exit 1 and name the first\n"
    "               entry that differs\n"
    "  vkey         print the ledger's verifier key, for customers\n"
    "  check        what a customer runs on the lines 'show --format json'\n"
    "               gave it, with the provider's verifier key: each entry\n"
    "               must hash to its leaf, its proof lead to the signed\n"
    "               checkpoint's root; needs no store; exit 1 on any\n"
    "               failure\n";

/* Acknowledgements: "INDEX LEAFHEX" per entry, said once its batch is
 * durable. The library commits a batch when it is full or the input ends
 * and then acknowledges its entries in order, so the last entry of each
 * full batch is the one where `batch` entries since the first have been
 * acknowledged: the lines are flushed there (one write per batch, not
 * one per entry), and the last, partial batch when the command ends. */
struct acks {
    uint64_t batch, seen;
};

static void ack(void *arg, uint64_t index, const unsigned char leaf[32])
{
    static const char hex[] = "0123456789abcdef";
    struct acks *a = arg;
    char line[24 + 64 + 2], num[24];
    size_t i, n = 0, k = 0;

    do
        num[k++] = (char)('0' + index % 10);
    while ((index /= 10) != 0);
    while (k)
        line[n++] = num[--k];
    line[n++] = ' ';
    for (i = 0; i < 32; i++) {
        line[n++] = hex[leaf[i] >> 4];
        line[n++] = hex[leaf[i] & 15];
    }
    line[n++] = '\n';
    fwrite(line, 1, n, stdout);
    if (!a || ++a->seen % a->batch == 0)
        fflush(stdout); /* durable now: say so now */
}

static bool number(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    if (!s || !*s || *s == '-')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static void print_proof(const unsigned char *proof, size_t n)
{
    size_t i, k;
    for (i = 0; i < n; i++) {
        for (k = 0; k < 32; k++)
            printf("%02x", proof[32 * i + k]);
        putchar('\n');
    }
}

/* `log check`: every line of `path` ('-': standard input). */
static int check(const char *vkey, const char *path)
{
    FILE *in;
    char *line = NULL;
    size_t cap = 0, ok = 0, pending = 0, failed = 0;
    unsigned lineno = 0;
    ssize_t got;
    int rc = EXIT_OK;

    if (!vkey) {
        cli_error("log check needs --vkey KEY (the provider's 'cloudward "
                  "log vkey')");
        return EXIT_USAGE;
    }
    if (!(in = cli_open_input(path)))
        return EXIT_USAGE;
    while ((got = getline(&line, &cap, in)) >= 0) {
        uint64_t index = 0, size = 0;
        struct cw_diag d;
        enum cw_status st;
        lineno++;
        while (got && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            got--;
        if (!got)
            continue;
        cw_diag_clear(&d);
        st = cw_ledger_check_line(line, (size_t)got, vkey,
                                  in == stdin ? "(stdin)" : path, lineno,
                                  &index, &size, &d);
        if (st == CW_OK) {
            printf("%llu ok (in the signed tree of %llu)\n",
                   (unsigned long long)index, (unsigned long long)size);
            ok++;
        } else if (st == CW_ENOENT) {
            printf("%llu pending (after the latest checkpoint)\n",
                   (unsigned long long)index);
            pending++;
        } else {
            cli_error_diag(&d);
            failed++;
            if (st != CW_EINTEGRITY)
                rc = EXIT_USAGE;
        }
    }
    free(line);
    if (in != stdin)
        fclose(in);
    printf("%zu verified, %zu pending, %zu failed\n", ok, pending, failed);
    if (!ok && !pending && !failed) {
        cli_error("%s: no lines to check", path);
        return EXIT_USAGE;
    }
    return failed && rc == EXIT_OK ? EXIT_FINDINGS : rc;
}

int cmd_log(int argc, char **argv)
{
    struct cli_common common = { .scope = "cloudward.yaml" };
    struct cw_log_event ev;
    struct cw_ledger *l = NULL;
    const char *sub, *from = NULL;
    bool json_out = false;
    const char *vkey = NULL, *kept = NULL;
    char store[4096];
    uint64_t batch = 1024, size = 0, offset = 0, limit = 0;
    bool size_set = false;
    struct cw_diag d;
    int c, rc = EXIT_USAGE;

    static const char *const subs[] = { "append",     "show",
                                        "verify",     "prove",
                                        "checkpoint", "consistency",
                                        "vkey",       "check",
                                        NULL };

    memset(&ev, 0, sizeof(ev));
    if ((rc = cli_subverb(&argc, &argv, "log", subs, help, &sub)) >= 0)
        return rc;
    rc = EXIT_USAGE;
    while ((c = getopt_long(argc, argv, "f:h", long_opts, NULL)) != -1) {
        if (cli_common_option(&common, c, optarg))
            continue;
        switch (c) {
        case OPT_ACTION:
            ev.action = optarg;
            break;
        case OPT_TARGET:
            ev.target = optarg;
            break;
        case OPT_TENANT:
            ev.tenant = optarg;
            break;
        case OPT_OUTCOME:
            ev.outcome = optarg;
            break;
        case OPT_REASON:
            ev.reason = optarg;
            break;
        case OPT_DETAILS:
            ev.details_json = optarg;
            break;
        case OPT_FROM:
            from = optarg;
            break;
        case OPT_BATCH:
            if (!number(optarg, &batch) || !batch || batch > 65536) {
                cli_error("--batch takes 1 to 65536");
                return EXIT_USAGE;
            }
            break;
        case OPT_VKEY:
            vkey = optarg;
            break;
        case OPT_CHECKPOINT:
            kept = optarg;
            break;
        case OPT_OFFSET:
        case OPT_LIMIT:
            if (!number(optarg, c == OPT_OFFSET ? &offset : &limit)) {
                cli_error("--%s takes a number of entries",
                          c == OPT_OFFSET ? "offset" : "limit");
                return EXIT_USAGE;
            }
            break;
        case OPT_SIZE:
            if (!number(optarg, &size)) {
                cli_error("--size takes a number of entries");
                return EXIT_USAGE;
            }
            size_set = true;
            break;
        case 'f':
            if (!cli_table_or_json(optarg, &json_out))
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
    ev.actor = cli_actor_arg;
    if (ev.tenant && strcmp(sub, "append") != 0 && strcmp(sub, "show") != 0) {
        cli_error("--tenant is for append and show");
        return EXIT_USAGE;
    }
    if (strcmp(sub, "append") == 0 && !from &&
        (!ev.actor || !ev.action || !ev.target)) {
        cli_error("log append needs --actor, --action and --target, or "
                  "--from FILE");
        return EXIT_USAGE;
    }
    if (from && (ev.actor || ev.action || ev.target || ev.tenant)) {
        cli_error("--from reads every field from the file; drop the "
                  "field options");
        return EXIT_USAGE;
    }
    cw_diag_clear(&d);
    if (strcmp(sub, "check") == 0)
        return check(vkey, optind < argc ? argv[optind] : "-");
    cli_store_dir(&common, store, sizeof(store));
    /* Only append may create a store; the other verbs read one. */
    if (strcmp(sub, "append") == 0 ? cw_ledger_open(store, &l, &d)
                                   : cw_ledger_open_existing(store, &l, &d)) {
        cli_error_diag(&d);
        return EXIT_USAGE;
    }
    if (strcmp(sub, "append") == 0) {
        FILE *in = NULL;
        if (from) {
            if (!(in = cli_open_input(from)))
                goto out;
            struct acks acks = { batch, 0 };
            rc = cw_ledger_append_lines(l, in, strcmp(from, "-") == 0
                                                   ? "(stdin)"
                                                   : from,
                                        (size_t)batch, ack, &acks, &d)
                     ? EXIT_USAGE
                     : EXIT_OK;
            fflush(stdout); /* the last, partial batch */
            if (in != stdin)
                fclose(in);
        } else {
            uint64_t first;
            unsigned char leaf[32];
            ev.file = "(command line)";
            rc = cw_ledger_append(l, &ev, 1, &first, leaf, &d) ? EXIT_USAGE
                                                                : EXIT_OK;
            if (rc == EXIT_OK)
                ack(NULL, first, leaf);
        }
    } else if (strcmp(sub, "show") == 0) {
        rc = cw_ledger_show_page(l, ev.tenant, offset, limit, json_out,
                            stdout, &d)
                 ? EXIT_USAGE
                 : EXIT_OK;
    } else if (strcmp(sub, "vkey") == 0) {
        char vk[512];
        rc = cw_ledger_vkey(l, vk, sizeof(vk), &d) ? EXIT_USAGE : EXIT_OK;
        if (rc == EXIT_OK)
            puts(vk);
    } else if (strcmp(sub, "checkpoint") == 0) {
        char note[1024];
        rc = cw_ledger_checkpoint(l, note, sizeof(note), &d) ? EXIT_USAGE
                                                               : EXIT_OK;
        if (rc == EXIT_OK)
            fputs(note, stdout);
    } else if (strcmp(sub, "prove") == 0 || strcmp(sub, "consistency") == 0) {
        unsigned char proof[128 * 32];
        size_t np = 0;
        uint64_t a = 0, b = 0;
        bool prove = sub[0] == 'p';
        if (optind >= argc || !number(argv[optind], &a) ||
            (!prove && (optind + 1 >= argc || !number(argv[optind + 1], &b)))) {
            cli_error(prove ? "log prove INDEX [--size N]"
                            : "log consistency SIZE1 SIZE2");
            goto out;
        }
        if (prove && !size_set && cw_ledger_size(l, &size, &d)) {
            cli_error_diag(&d);
            goto out;
        }
        rc = (prove ? cw_ledger_prove(l, a, size, proof, &np, &d)
                    : cw_ledger_consistency(l, a, b, proof, &np, &d))
                 ? EXIT_USAGE
                 : EXIT_OK;
        if (rc == EXIT_OK)
            print_proof(proof, np);
    } else { /* verify */
        uint64_t bad = 0, n = 0;
        enum cw_status st = cw_ledger_verify(l, &bad, &d);
        if (!st && kept) {
            /* A checkpoint someone kept: the log must still extend it. */
            char note[2048];
            if (!cli_read_small(kept, note, sizeof(note)))
                goto out;
            st = cw_ledger_extends(l, note, strlen(note), kept, &d);
        }
        if (st == CW_EINTEGRITY) {
            cli_error_diag(&d);
            rc = EXIT_FINDINGS;
            goto out;
        }
        rc = st || cw_ledger_size(l, &n, &d) ? EXIT_USAGE : EXIT_OK;
        if (rc == EXIT_OK) {
            char note[2048];
            bool signed_once = cw_ledger_latest_checkpoint(l, note,
                                                           sizeof(note),
                                                           &d) == CW_OK;
            printf("ledger verified: %llu entries, every hash holds%s%s%s\n",
                   (unsigned long long)n,
                   signed_once ? " and every checkpoint signature"
                               : "; no checkpoint signed yet ('cloudward "
                                 "log checkpoint')",
                   kept ? "; it extends the checkpoint in " : "",
                   kept ? kept : "");
        }
    }
    if (rc == EXIT_USAGE)
        cli_error_diag(&d);
out:
    cw_ledger_close(l);
    return rc;
}
