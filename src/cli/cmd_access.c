/*
 * cmd_access.c - `cloudward tenant add|list`, `cloudward token
 * create|revoke|list` and `cloudward admin user add|passwd|disable|list`:
 * who may use the store through `cloudward serve` (cw_access.h). Every
 * change is a ledger entry.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum {
    OPT_NAME = OPT_FIRST_VERB_OPTION,
    OPT_ROLE,
    OPT_TENANT,
    OPT_DAYS,
    OPT_UNTIL
};

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "name", required_argument, NULL, OPT_NAME },
    { "role", required_argument, NULL, OPT_ROLE },
    { "tenant", required_argument, NULL, OPT_TENANT },
    { "days", required_argument, NULL, OPT_DAYS },
    { "until", required_argument, NULL, OPT_UNTIL },
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char tenant_help[] =
    "usage: cloudward tenant add ID --name NAME\n"
    "       cloudward tenant list [--format table|json]\n"
    "\n"
    "The provider's customers, each a tenant of the store: what they see\n"
    "through 'cloudward serve' is theirs alone. ID: 1 to 64 of a-z, 0-9 and\n"
    "'-'. Adding one is a ledger entry.\n";

static const char admin_help[] =
    "usage: cloudward admin user add LOGIN --role ROLE [--tenant ID]\n"
    "                                [--until DATE]\n"
    "       cloudward admin user until LOGIN --until DATE|never\n"
    "       cloudward admin user passwd LOGIN\n"
    "       cloudward admin user disable LOGIN\n"
    "       cloudward admin user list [--format table|json]\n"
    "\n"
    "The people who sign in to 'cloudward serve'. add and passwd read the\n"
    "password from the first line of standard input (12 to 1024 bytes;\n"
    "kept as an Argon2id hash). The provider's roles (admin, compliance,\n"
    "engineer, auditor) get a TOTP second factor: add prints its\n"
    "otpauth:// URI once, to enrol in an authenticator app. A tenant's\n"
    "roles (customer-admin, customer) need --tenant. Five failed sign-ins\n"
    "in a row lock an account for 15 minutes; passwd lifts it. --until\n"
    "ends a user's access after DATE (YYYY-MM-DD, UTC): an auditor's ends\n"
    "90 days after it is added unless set. Every change\n"
    "and every sign-in is a ledger entry naming the user's id, never the\n"
    "login.\n";

static const char token_help[] =
    "usage: cloudward token create --name NAME --role ROLE [--tenant ID]\n"
    "                              [--days N]\n"
    "       cloudward token revoke ID\n"
    "       cloudward token list [--format table|json]\n"
    "\n"
    "API tokens for scripts and CI calling 'cloudward serve' (header\n"
    "'Authorization: Bearer TOKEN'). 'create' prints the token once (only\n"
    "its SHA-256 is kept) and its ID on stderr; it expires after N days\n"
    "(default 90, at most 366). ROLE: admin, compliance, engineer, auditor\n"
    "(the provider's), customer-admin or customer (a tenant's: --tenant).\n"
    "NAME says what it is for (ci-nightly), never who holds it. Creating\n"
    "and revoking are ledger entries.\n";

struct args {
    struct cli_common common;
    const char *name, *role, *tenant, *until;
    long long days;
    bool json;
};

/* Options of both verbs; -1 to go on, else the exit code. */
static int parse(int argc, char **argv, const char *help, struct args *a)
{
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "f:h", long_opts, NULL)) != -1) {
        if (cli_common_option(&a->common, c, optarg))
            continue;
        switch (c) {
        case OPT_NAME:
            a->name = optarg;
            break;
        case OPT_ROLE:
            a->role = optarg;
            break;
        case OPT_TENANT:
            a->tenant = optarg;
            break;
        case OPT_UNTIL:
            a->until = optarg;
            break;
        case OPT_DAYS:
            a->days = strtoll(optarg, &end, 10);
            if (*end || a->days < 1 || a->days > 366) {
                cli_error("--days takes 1 to 366");
                return EXIT_USAGE;
            }
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
    return -1;
}

/* The store's access tables; prints the error and returns NULL. */
static struct cw_access *open_access(struct args *a, bool create)
{
    char store[4096];
    struct cw_access *x = NULL;
    struct cw_diag d;
    cli_store_dir(&a->common, store, sizeof(store));
    cw_diag_clear(&d);
    if (cw_access_open(store, create, &x, &d))
        cli_error_diag(&d);
    return x;
}

static int print_tenant(void *arg, const struct cw_tenant *t)
{
    struct args *a = arg;
    if (a->json) {
        fputs("{\"tenant\":", stdout);
        cli_json_str(stdout, t->id);
        fputs(",\"name\":", stdout);
        cli_json_str(stdout, t->name);
        printf(",\"created\":%lld}\n", t->created);
    } else {
        printf("%-24s %s\n", t->id, t->name);
    }
    return 0;
}

int cmd_tenant(int argc, char **argv)
{
    static const char *const subs[] = { "add", "list", NULL };
    struct args a = { .common = { .scope = "cloudward.yaml" }, .days = 90 };
    struct cw_access *x;
    struct cw_diag d;
    const char *sub;
    char actor[400];
    int rc;

    if ((rc = cli_subverb(&argc, &argv, "tenant", subs, tenant_help,
                          &sub)) >= 0)
        return rc;
    if ((rc = parse(argc, argv, tenant_help, &a)) >= 0)
        return rc;
    cw_diag_clear(&d);
    if (strcmp(sub, "add") == 0) {
        if (optind + 1 != argc || !a.name) {
            cli_error("tenant add takes one ID and --name NAME");
            return EXIT_USAGE;
        }
        if (!(x = open_access(&a, true)))
            return EXIT_USAGE;
        cli_actor(actor, sizeof(actor));
        rc = cw_tenant_add(x, argv[optind], a.name, actor, &d);
        if (rc)
            cli_error_diag(&d);
        else if (!cli_quiet)
            printf("tenant %s added\n", argv[optind]);
    } else {
        if (optind != argc) {
            cli_error("tenant list takes no arguments");
            return EXIT_USAGE;
        }
        if (!(x = open_access(&a, false)))
            return EXIT_USAGE;
        if ((rc = cw_tenant_each(x, print_tenant, &a, &d)))
            cli_error_diag(&d);
    }
    cw_access_close(x);
    return rc ? EXIT_USAGE : EXIT_OK;
}

static int print_token(void *arg, const struct cw_token_info *t)
{
    struct args *a = arg;
    if (a->json) {
        printf("{\"id\":\"%s\",\"name\":", t->id);
        cli_json_str(stdout, t->name);
        printf(",\"role\":\"%s\",\"tenant\":", cw_grant_name(t->role));
        cli_json_str(stdout, t->tenant);
        printf(",\"created\":%lld,\"expires\":%lld,\"revoked\":%s}\n",
               t->created, t->expires, t->revoked ? "true" : "false");
    } else {
        char until[32];
        time_t e = (time_t)t->expires;
        struct tm tm;
        strftime(until, sizeof(until), "%Y-%m-%d", gmtime_r(&e, &tm));
        printf("%-16s %-16s %-14s %-16s %s%s\n", t->id, t->name,
               cw_grant_name(t->role), t->tenant ? t->tenant : "-", until,
               t->revoked ? " REVOKED" : "");
    }
    return 0;
}

int cmd_token(int argc, char **argv)
{
    static const char *const subs[] = { "create", "revoke", "list", NULL };
    struct args a = { .common = { .scope = "cloudward.yaml" }, .days = 90 };
    struct cw_access *x;
    struct cw_diag d;
    enum cw_grant role;
    const char *sub;
    char actor[400], token[CW_TOKEN_TEXT], id[CW_TOKEN_ID];
    int rc;

    if ((rc = cli_subverb(&argc, &argv, "token", subs, token_help, &sub)) >=
        0)
        return rc;
    if ((rc = parse(argc, argv, token_help, &a)) >= 0)
        return rc;
    cw_diag_clear(&d);
    cli_actor(actor, sizeof(actor));
    if (strcmp(sub, "create") == 0) {
        if (optind != argc || !a.name || !a.role) {
            cli_error("token create takes --name NAME and --role ROLE");
            return EXIT_USAGE;
        }
        if (!cw_grant_parse(a.role, &role)) {
            cli_error("--role: admin, compliance, engineer, auditor, "
                      "customer-admin or customer");
            return EXIT_USAGE;
        }
        if (!(x = open_access(&a, true)))
            return EXIT_USAGE;
        rc = cw_token_create(x, a.name, role, a.tenant,
                             (long long)time(NULL) + a.days * 86400, actor,
                             token, id, &d);
        if (rc) {
            cli_error_diag(&d);
        } else {
            /* The token on stdout alone, for $(...); the rest aside. */
            printf("%s\n", token);
            fprintf(stderr,
                    "token %s (%s%s%s), valid %lld days: shown once, keep "
                    "it secret\n",
                    id, a.role, a.tenant ? " of " : "",
                    a.tenant ? a.tenant : "", a.days);
        }
        memset(token, 0, sizeof(token));
    } else if (strcmp(sub, "revoke") == 0) {
        if (optind + 1 != argc) {
            cli_error("token revoke takes one token ID (cloudward token "
                      "list)");
            return EXIT_USAGE;
        }
        if (!(x = open_access(&a, false)))
            return EXIT_USAGE;
        if ((rc = cw_token_revoke(x, argv[optind], actor, &d)))
            cli_error_diag(&d);
        else if (!cli_quiet)
            printf("token %s revoked\n", argv[optind]);
    } else {
        if (optind != argc) {
            cli_error("token list takes no arguments");
            return EXIT_USAGE;
        }
        if (!(x = open_access(&a, false)))
            return EXIT_USAGE;
        if ((rc = cw_token_each(x, print_token, &a, &d)))
            cli_error_diag(&d);
    }
    cw_access_close(x);
    return rc ? EXIT_USAGE : EXIT_OK;
}

static int print_user(void *arg, const struct cw_user_info *u)
{
    struct args *a = arg;
    if (a->json) {
        printf("{\"id\":\"%s\",\"login\":", u->id);
        cli_json_str(stdout, u->login);
        printf(",\"role\":\"%s\",\"tenant\":", cw_grant_name(u->role));
        cli_json_str(stdout, u->tenant);
        printf(",\"totp\":%s,\"disabled\":%s,\"created\":%lld,"
               "\"until\":%lld}\n",
               u->totp ? "true" : "false", u->disabled ? "true" : "false",
               u->created, u->until);
    } else {
        printf("%-16s %-32s %-14s %-16s%s%s\n", u->id, u->login,
               cw_grant_name(u->role), u->tenant ? u->tenant : "-",
               u->totp ? " totp" : "", u->disabled ? " DISABLED" : "");
    }
    return 0;
}

/* "YYYY-MM-DD": the end of that day (UTC) as Unix seconds; "never": 0. */
static bool until_of(const char *s, long long *out)
{
    struct tm tm;
    int y, m, day, n = 0;
    if (strcmp(s, "never") == 0) {
        *out = 0;
        return true;
    }
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &day, &n) != 3 ||
        n != 10)
        return false;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = day;
    /* timegm normalises 2027-02-30 into March: such a date is refused. */
    {
        struct tm back;
        time_t t = timegm(&tm);
        if (!gmtime_r(&t, &back) || back.tm_year != y - 1900 ||
            back.tm_mon != m - 1 || back.tm_mday != day)
            return false;
    }
    *out = (long long)timegm(&tm) + 86400;
    return true;
}

/* The password: the first line of standard input, without its newline. */
static bool read_password(char *out, size_t n)
{
    size_t len;
    if (!fgets(out, (int)n, stdin))
        return false;
    len = strcspn(out, "\r\n");
    out[len] = '\0';
    return true;
}

int cmd_admin(int argc, char **argv)
{
    static const char *const areas[] = { "user", NULL };
    static const char *const subs[] = { "add", "until", "passwd",
                                        "disable", "list", NULL };
    struct args a = { .common = { .scope = "cloudward.yaml" }, .days = 90 };
    struct cw_access *x;
    struct cw_diag d;
    enum cw_grant role;
    const char *area, *sub;
    char actor[400], pw[1100], otp[CW_OTPAUTH_LEN];
    long long until = 0;
    int rc;

    if ((rc = cli_subverb(&argc, &argv, "admin", areas, admin_help,
                          &area)) >= 0)
        return rc;
    if ((rc = cli_subverb(&argc, &argv, "admin user", subs, admin_help,
                          &sub)) >= 0)
        return rc;
    if ((rc = parse(argc, argv, admin_help, &a)) >= 0)
        return rc;
    cw_diag_clear(&d);
    cli_actor(actor, sizeof(actor));
    if (strcmp(sub, "list") == 0) {
        if (optind != argc) {
            cli_error("admin user list takes no arguments");
            return EXIT_USAGE;
        }
        if (!(x = open_access(&a, false)))
            return EXIT_USAGE;
        if ((rc = cw_user_each(x, print_user, &a, &d)))
            cli_error_diag(&d);
        cw_access_close(x);
        return rc ? EXIT_USAGE : EXIT_OK;
    }
    if (optind + 1 != argc) {
        cli_error("admin user %s takes one LOGIN", sub);
        return EXIT_USAGE;
    }
    if (strcmp(sub, "add") == 0 && (!a.role || !cw_grant_parse(a.role, &role))) {
        cli_error("--role: admin, compliance, engineer, auditor, "
                  "customer-admin or customer");
        return EXIT_USAGE;
    }
    if (a.until && !until_of(a.until, &until)) {
        cli_error("--until takes a date, YYYY-MM-DD (UTC), or 'never'");
        return EXIT_USAGE;
    }
    if (strcmp(sub, "until") == 0) {
        if (!a.until) {
            cli_error("admin user until needs --until DATE|never");
            return EXIT_USAGE;
        }
        if (!(x = open_access(&a, false)))
            return EXIT_USAGE;
        if ((rc = cw_user_until(x, argv[optind], until, actor, &d)))
            cli_error_diag(&d);
        else if (!cli_quiet)
            printf("access of %s %s%s\n", argv[optind],
                   until ? "ends after " : "no longer ends",
                   until ? a.until : "");
        cw_access_close(x);
        return rc ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(sub, "disable") != 0 && !read_password(pw, sizeof(pw))) {
        cli_error("the password goes on the first line of standard input");
        return EXIT_USAGE;
    }
    if (!(x = open_access(&a, strcmp(sub, "add") == 0)))
        return EXIT_USAGE;
    if (strcmp(sub, "add") == 0) {
        rc = cw_user_add(x, argv[optind], role, a.tenant, pw, actor, otp,
                         &d);
        if (!rc && a.until)
            rc = cw_user_until(x, argv[optind], until, actor, &d);
        if (!rc && otp[0])
            printf("%s\n", otp);
        if (!rc)
            fprintf(stderr, "user %s added%s\n", argv[optind],
                    otp[0] ? "; enrol the URI above in an authenticator "
                             "app now: it is shown once"
                           : "");
        memset(otp, 0, sizeof(otp));
    } else if (strcmp(sub, "passwd") == 0) {
        rc = cw_user_passwd(x, argv[optind], pw, actor, &d);
        if (!rc && !cli_quiet)
            printf("password of %s changed\n", argv[optind]);
    } else {
        rc = cw_user_disable(x, argv[optind], actor, &d);
        if (!rc && !cli_quiet)
            printf("user %s disabled\n", argv[optind]);
    }
    memset(pw, 0, sizeof(pw));
    if (rc)
        cli_error_diag(&d);
    cw_access_close(x);
    return rc ? EXIT_USAGE : EXIT_OK;
}
