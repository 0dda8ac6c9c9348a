/*
 * cmd_query.c - `cloudward query EXPR FILE...`: the nodes an RFC 9535
 * JSONPath query selects, one JSON object per line with the file, the
 * line and column, the normalized path and the value. The tool a rule
 * author writes checks with, and a way to test the language from outside.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: cloudward query EXPR FILE...\n"
    "\n"
    "Prints each node the JSONPath query EXPR (RFC 9535) selects in each\n"
    "JSON or YAML FILE, as JSON lines:\n"
    "  {\"file\": F, \"line\": L, \"col\": C, \"path\": \"$['a'][0]\", "
    "\"value\": V}\n"
    "\n"
    "exit status: 0 ok (also when nothing is selected), 2 a bad query or\n"
    "an unreadable or malformed file.\n";

struct out {
    const char *file;
};

static bool print_hit(void *arg, const struct cw_query_hit *h)
{
    const struct out *o = arg;
    fputs("{\"file\": ", stdout);
    cli_json_str(stdout, o->file);
    printf(", \"line\": %u, \"col\": %u, \"path\": ", h->line, h->col);
    cli_json_str(stdout, h->path);
    printf(", \"value\": %s}\n", h->json);
    return !ferror(stdout);
}

int cmd_query(int argc, char **argv)
{
    struct cw_query *q = NULL;
    struct cw_diag d;
    int i, rc = EXIT_OK;

    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
                      strcmp(argv[1], "--help") == 0)) {
        fputs(help, stdout);
        return EXIT_OK;
    }
    if (argc < 3) {
        fputs(help, stderr);
        return EXIT_USAGE;
    }
    cw_diag_clear(&d);
    if (cw_query_compile(argv[1], &q, &d)) {
        cli_error("%s:%u: %s", argv[1], d.col, d.msg);
        return EXIT_USAGE;
    }
    for (i = 2; i < argc; i++) {
        struct out o = { argv[i] };
        cw_diag_clear(&d);
        if (cw_query_file(q, argv[i], print_hit, &o, &d)) {
            cli_error_diag(&d);
            rc = EXIT_USAGE;
        }
    }
    if (fflush(stdout) != 0)
        rc = EXIT_USAGE;
    cw_query_free(q);
    return rc;
}
