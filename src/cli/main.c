/*
 * main.c - the cloudward command: verb dispatch, options shared by every
 * verb, and error printing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <getopt.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
    "usage: cloudward <verb> [options]\n"
    "\n"
    "verbs:\n"
    "  controls list|show   browse the control catalogs\n"
    "  init                 write a starter cloudward.yaml\n"
    "  soa                  write the Statement of Applicability\n"
    "  matrix               write the shared-responsibility matrix\n"
    "  scan host            check this host or an offline root (--root)\n"
    "  scan config PATH...  check Terraform plans, CloudFormation,\n"
    "                       Kubernetes manifests, cloud CLI exports\n"
    "  query EXPR FILE...   print what a JSONPath query selects\n"
    "  log                  the tamper-evident ledger: append, show,\n"
    "                       verify, prove, checkpoint, consistency\n"
    "  evidence             add, list, verify, export evidence files\n"
    "  decisions            record the scope and decisions in the ledger,\n"
    "                       show their history\n"
    "  results              saved scan runs: list, show one, diff two\n"
    "  store migrate        copy a folder store into PostgreSQL, proved\n"
    "  tenant               the provider's customers: add, list\n"
    "  token                API tokens for the server: create, revoke, list\n"
    "  webhook              a tenant's webhook for notices: set, list, remove\n"
    "  agent                host agents: token, list, revoke; on a host:\n"
    "                       enroll, run (signed results), status\n"
    "  monitor              the monitor: check its file, sweep once\n"
    "  alert                alerts: list, assign, ack, resolve\n"
    "  register NAME        a 27018 register: add, update, close, list,\n"
    "                       show, export (docs/registers.md)\n"
    "  registers            due: open duties and findings; import DIR\n"
    "  oscal MODEL          NIST OSCAL JSON: catalog, profile, component,\n"
    "                       ssp, assessment-results, poam, all (docs/oscal.md)\n"
    "  scope import-provider  a provider's OSCAL export as its matrix\n"
    "  score                the compliance score, explained to the point,\n"
    "                       and improvement actions (docs/score.md)\n"
    "  drift                what drifted since a date or run: checks\n"
    "                       failing or fixed, evidence and assurance\n"
    "                       lapsing, duties overdue (docs/drift.md)\n"
    "  package              the signed audit package as of a date; vkey,\n"
    "                       verify (docs/audit-package.md)\n"
    "  serve                the HTTP server and API (docs/server.md)\n"
    "  admin user           people who sign in: add, passwd, disable, list\n"
    "  completion SHELL     a completion script for bash, zsh or fish\n"
    "  version              print the version\n"
    "\n"
    "options every verb takes:\n"
    "  --scope FILE         the scope file (default ./cloudward.yaml)\n"
    "  --store DIR|URL      cloudward's state: a folder (default .cloudward/\n"
    "                       beside the scope, or $CLOUDWARD_STORE) or a\n"
    "                       postgresql:// URL (docs/scaling.md)\n"
    "  --catalog-dir DIR    load more catalogs (also $CLOUDWARD_CATALOG_PATH)\n"
    "  --as-of DATE         evaluate expiry dates as of DATE (YYYY-MM-DD)\n"
    "  --quiet              no summaries or progress: results and errors\n"
    "  --actor ID           who acts, as the ledger records it (also\n"
    "                       $CLOUDWARD_ACTOR)\n"
    "  -h, --help           help for the verb\n"
    "\n"
    "exit status: 0 ok, 1 findings, 2 usage or input error.\n"
    "Run 'cloudward <verb> --help' for a verb's options; 'man cloudward'.\n";

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("cloudward: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_error_diag(const struct cw_diag *d)
{
    char line[CW_DIAG_FILE_MAX + CW_DIAG_MSG_MAX + 32];
    fprintf(stderr, "cloudward: %s\n", cw_diag_format(d, line, sizeof(line)));
}

bool cli_quiet;
const char *cli_actor_arg;

void cli_note(const char *fmt, ...)
{
    va_list ap;
    if (cli_quiet)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

bool cli_common_option(struct cli_common *c, int opt, const char *arg)
{
    switch (opt) {
    case OPT_QUIET:
        cli_quiet = true;
        return true;
    case OPT_ACTOR:
        /* recorded for ever: an id, not free text */
        if (!*arg || strlen(arg) >= 128 || strpbrk(arg, " \t\r\n")) {
            cli_error("--actor takes an id of 1 to 127 characters without "
                      "spaces (a pseudonymous id, not a name)");
            exit(EXIT_USAGE);
        }
        cli_actor_arg = arg;
        return true;
    case OPT_SCOPE:
        c->scope = arg;
        return true;
    case OPT_STORE:
        c->store = arg;
        return true;
    case OPT_AS_OF:
        c->as_of = arg;
        return true;
    case OPT_CATALOG_DIR:
        if (c->ncatalog_dirs < MAX_CATALOG_DIRS)
            c->catalog_dirs[c->ncatalog_dirs++] = arg;
        else
            cli_error("more than %d --catalog-dir options; ignoring '%s'",
                      MAX_CATALOG_DIRS, arg);
        return true;
    default:
        return false;
    }
}

void cli_store_dir(const struct cli_common *c, char *out, size_t n)
{
    const char *env = getenv("CLOUDWARD_STORE");
    const char *slash = strrchr(c->scope, '/');

    if (c->store)
        snprintf(out, n, "%s", c->store);
    else if (env && *env)
        snprintf(out, n, "%s", env);
    else if (slash)
        snprintf(out, n, "%.*s/.cloudward", (int)(slash - c->scope),
                 c->scope);
    else
        snprintf(out, n, ".cloudward");
}

void cli_json_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", *s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

bool cli_table_or_json(const char *arg, bool *json)
{
    if (strcmp(arg, "json") != 0 && strcmp(arg, "table") != 0) {
        cli_error("--format takes table or json, not '%s'", arg);
        return false;
    }
    *json = arg[0] == 'j';
    return true;
}

int cli_subverb(int *argc, char ***argv, const char *verb,
                const char *const *subs, const char *help, const char **sub)
{
    char list[256];
    size_t i, off = 0;

    *sub = *argc >= 2 ? (*argv)[1] : "";
    if (strcmp(*sub, "-h") == 0 || strcmp(*sub, "--help") == 0) {
        fputs(help, stdout);
        return EXIT_OK;
    }
    list[0] = '\0';
    for (i = 0; subs[i]; i++) {
        if (strcmp(*sub, subs[i]) == 0) {
            (*argc)--; /* getopt_long then reads the sub-verb's options */
            (*argv)++;
            optind = 1;
            return -1;
        }
        if (off < sizeof(list))
            off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
                                    i ? "|" : "", subs[i]);
    }
    cli_error("usage: cloudward %s %s; see 'cloudward %s --help'", verb,
              list, verb);
    return EXIT_USAGE;
}

bool cli_read_small(const char *path, char *buf, size_t n)
{
    FILE *f = cli_open_input(path);
    size_t got;

    if (!f)
        return false;
    got = fread(buf, 1, n - 1, f);
    buf[got] = '\0';
    if (f != stdin)
        fclose(f);
    if (got == n - 1) {
        cli_error("%s: larger than the %zu bytes expected", path, n - 1);
        return false;
    }
    return true;
}

FILE *cli_open_input(const char *path)
{
    struct stat sb;
    int fd;

    if (strcmp(path, "-") == 0)
        return stdin;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        cli_error("%s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        cli_error("%s: not a regular file (a directory, FIFO, socket or "
                  "device); for a pipe give '-' (standard input)",
                  path);
        close(fd);
        return NULL;
    }
    return fdopen(fd, "r");
}

void cli_actor(char *out, size_t n)
{
    /* Who acted, as the ledger records it: --actor, else
     * $CLOUDWARD_ACTOR (a pseudonymous id the organisation assigns), else
     * the user id on this host. Never a login name: entries cannot be
     * erased. */
    const char *env = cli_actor_arg ? cli_actor_arg
                                    : getenv("CLOUDWARD_ACTOR");
    char host[256] = "";

    if (env && *env && strlen(env) < 128 && !strpbrk(env, " \t\r\n")) {
        snprintf(out, n, "%s", env);
        return;
    }
    if (gethostname(host, sizeof(host) - 1) != 0)
        host[0] = '\0';
    host[sizeof(host) - 1] = '\0';
    snprintf(out, n, "uid:%u%s%s", (unsigned)getuid(), *host ? "@" : "",
             host);
}

bool cli_control_ref(const struct cw_catalogs *cats, const char *control,
                     char *out, size_t n)
{
    const struct cw_control *ctl;
    const char *names[64];
    struct cw_diag d;
    size_t i, k = 0;

    /* A bare id may be in any catalog; ambiguity is reported. */
    for (i = 0; i < cw_catalogs_count(cats) && k < 64; i++)
        names[k++] = cw_catalogs_at(cats, i)->name;
    cw_diag_clear(&d);
    if (cw_catalogs_resolve(cats, control, names, k, &ctl, &d)) {
        cli_error_diag(&d);
        return false;
    }
    snprintf(out, n, "%s %s", ctl->catalog, ctl->id);
    return true;
}

bool cli_record_scope(const struct cw_scope *scope, const char *store,
                      bool create, size_t *changes)
{
    struct cw_ledger *l = NULL;
    struct cw_diag d;
    char actor[400];
    enum cw_status st;
    bool ok;

    *changes = 0;
    cw_diag_clear(&d);
    st = create ? cw_ledger_open(store, &l, &d)
                : cw_ledger_open_existing(store, &l, &d);
    if (st == CW_ENOENT && !create)
        return true; /* no ledger in this store yet */
    cli_actor(actor, sizeof(actor));
    ok = !st && !cw_ledger_record_scope(l, scope, actor, changes, &d);
    if (!ok)
        cli_error_diag(&d);
    cw_ledger_close(l);
    return ok;
}

struct cw_catalogs *cli_load_catalogs(const struct cli_common *c)
{
    const char *dirs[2 * MAX_CATALOG_DIRS + 1];
    static char env_copy[4096];
    const char *env = getenv("CLOUDWARD_CATALOG_PATH");
    struct cw_catalogs *cats = NULL;
    struct cw_diag d;
    size_t n = 0, i;

    for (i = 0; i < c->ncatalog_dirs; i++)
        dirs[n++] = c->catalog_dirs[i];
    if (env && *env) {
        char *p = env_copy, *colon;
        snprintf(env_copy, sizeof(env_copy), "%s", env);
        while (p && *p && n < 2 * MAX_CATALOG_DIRS) {
            colon = strchr(p, ':');
            if (colon)
                *colon = '\0';
            if (*p)
                dirs[n++] = p;
            p = colon ? colon + 1 : NULL;
        }
    }
    dirs[n] = NULL;
    cw_diag_clear(&d);
    if (cw_catalogs_new(dirs, &cats, &d)) {
        cli_error_diag(&d);
        return NULL;
    }
    return cats;
}

int main(int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;

    cw_tune_memory_for_batch(); /* one command, then exit */

    if (!verb || strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0 ||
        strcmp(verb, "help") == 0) {
        fputs(usage, verb ? stdout : stderr);
        return verb ? EXIT_OK : EXIT_USAGE;
    }
    if (strcmp(verb, "version") == 0 || strcmp(verb, "--version") == 0) {
        printf("cloudward %s\n", cw_version());
        return EXIT_OK;
    }
    if (strcmp(verb, "controls") == 0)
        return cmd_controls(argc - 1, argv + 1);
    if (strcmp(verb, "init") == 0)
        return cmd_init(argc - 1, argv + 1);
    if (strcmp(verb, "soa") == 0)
        return cmd_soa(argc - 1, argv + 1);
    if (strcmp(verb, "matrix") == 0)
        return cmd_matrix(argc - 1, argv + 1);
    if (strcmp(verb, "scan") == 0)
        return cmd_scan(argc - 1, argv + 1);
    if (strcmp(verb, "query") == 0)
        return cmd_query(argc - 1, argv + 1);
    if (strcmp(verb, "log") == 0)
        return cmd_log(argc - 1, argv + 1);
    if (strcmp(verb, "evidence") == 0)
        return cmd_evidence(argc - 1, argv + 1);
    if (strcmp(verb, "decisions") == 0)
        return cmd_decisions(argc - 1, argv + 1);
    if (strcmp(verb, "results") == 0)
        return cmd_results(argc - 1, argv + 1);
    if (strcmp(verb, "store") == 0)
        return cmd_store(argc - 1, argv + 1);
    if (strcmp(verb, "tenant") == 0)
        return cmd_tenant(argc - 1, argv + 1);
    if (strcmp(verb, "serve") == 0)
        return cw_serve(argc - 1, argv + 1);
    if (strcmp(verb, "admin") == 0)
        return cmd_admin(argc - 1, argv + 1);
    if (strcmp(verb, "token") == 0)
        return cmd_token(argc - 1, argv + 1);
    if (strcmp(verb, "webhook") == 0)
        return cmd_webhook(argc - 1, argv + 1);
    if (strcmp(verb, "agent") == 0)
        return cmd_agent(argc - 1, argv + 1);
    if (strcmp(verb, "monitor") == 0)
        return cmd_monitor(argc - 1, argv + 1);
    if (strcmp(verb, "alert") == 0)
        return cmd_alert(argc - 1, argv + 1);
    if (strcmp(verb, "register") == 0)
        return cmd_register(argc - 1, argv + 1);
    if (strcmp(verb, "registers") == 0)
        return cmd_registers(argc - 1, argv + 1);
    if (strcmp(verb, "oscal") == 0)
        return cmd_oscal(argc - 1, argv + 1);
    if (strcmp(verb, "score") == 0)
        return cmd_score(argc - 1, argv + 1);
    if (strcmp(verb, "drift") == 0)
        return cmd_drift(argc - 1, argv + 1);
    if (strcmp(verb, "package") == 0)
        return cmd_package(argc - 1, argv + 1);
    if (strcmp(verb, "scope") == 0)
        return cmd_scope(argc - 1, argv + 1);
    if (strcmp(verb, "completion") == 0)
        return cmd_completion(argc - 1, argv + 1);
    cli_error("unknown verb '%s'; run 'cloudward --help'", verb);
    return EXIT_USAGE;
}
