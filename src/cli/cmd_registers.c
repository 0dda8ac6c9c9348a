/*
 * cmd_registers.c - `cloudward register NAME add|update|close|list|show|
 * export` and `cloudward registers due|import`: the 27018 registers
 * (cw_registers.h, docs/registers.md).
 *
 * A record's fields come from a JSON or YAML file (--file) or from flags
 * named after them (--confirmed 2026-12-03T14:00:00Z); the options of the
 * verb itself are few and fixed, so every other --NAME is a field.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define INPUT_MAX ((size_t)16 << 20)
#define FIELDS_MAX 64

static const char help_register[] =
    "usage: cloudward register NAME add [--id ID] (--file FILE | --FIELD "
    "VALUE...)\n"
    "       cloudward register NAME update ID (--file FILE | --FIELD "
    "VALUE...)\n"
    "       cloudward register NAME close ID\n"
    "       cloudward register NAME list [--format table|csv|md|html|json]\n"
    "       cloudward register NAME show ID [--format table|json]\n"
    "       cloudward register NAME export [--format json|csv|xlsx|html|md] "
    "[-o FILE]\n"
    "\n"
    "The records ISO/IEC 27018 asks a PII processor to keep "
    "(docs/registers.md).\n"
    "Registers: contracts, locations, subprocessors, disclosures, "
    "breaches,\n"
    "instructions, returns, temp-erasure, principal-requests, "
    "restorations,\n"
    "user-records; 'cloudward register NAME --help' lists a register's "
    "fields.\n"
    "\n"
    "add saves a new record; update saves a new version with the fields "
    "given\n"
    "replacing the latest ones; close ends its open duties. Every change "
    "is a\n"
    "new version and a ledger entry (the record's id, version and SHA-256,"
    "\n"
    "never its text). --file takes one record or 'records:', a list; "
    "flags\n"
    "take lists comma-separated and lists of objects as JSON. Bad input "
    "is\n"
    "refused with FILE:LINE:COL and nothing is written. list and export\n"
    "flag (red in html and xlsx) the records with a finding at --as-of\n"
    "(a date: its last second, UTC; or --at TIME; default now).\n";

static const char help_registers[] =
    "usage: cloudward registers due [--within DAYS] [--tenant ID]\n"
    "                               [--as-of DATE | --at TIME] "
    "[--format table|csv|md|html|json]\n"
    "       cloudward registers import DIR|FILE...\n"
    "\n"
    "due lists every finding and every open duty of the registers (due "
    "within\n"
    "DAYS when given: '7', '7d' or '2w'), judged at --as-of (the last "
    "second of\n"
    "that day, UTC) or --at (an RFC 3339 time), default now; exit 1 when "
    "any\n"
    "is a finding (overdue, done late, or a rule broken): for cron and "
    "CI.\n"
    "--tenant shows what that customer sees.\n"
    "import reads each NAME.yaml|.yml|.json of DIR (or the files given), "
    "each\n"
    "naming its register ('register:'), and saves its records: new ones "
    "added,\n"
    "changed ones updated (the file's record replaces the stored one), "
    "the\n"
    "rest left alone. Every file is read and checked first, then all are\n"
    "saved in one transaction: a folder is imported whole or not at all.\n";

struct opts {
    struct cli_common common;
    const char *file, *format, *out, *id, *at, *within, *tenant;
    const char *names[FIELDS_MAX], *values[FIELDS_MAX];
    size_t nfields;
    const char *pos[FIELDS_MAX];
    size_t npos;
    bool help;
};

/* The verb's own options; every other --NAME VALUE is a field. */
static int parse(int argc, char **argv, struct opts *o)
{
    static const struct {
        const char *name;
        int common;
    } commons[] = { { "scope", OPT_SCOPE },
                    { "store", OPT_STORE },
                    { "as-of", OPT_AS_OF },
                    { "catalog-dir", OPT_CATALOG_DIR },
                    { "actor", OPT_ACTOR } };
    int i;
    size_t k;

    for (i = 0; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        char name[80];
        size_t n;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            o->help = true;
            continue;
        }
        if (strcmp(a, "--quiet") == 0) {
            cli_quiet = true;
            continue;
        }
        if (strcmp(a, "-o") == 0 || strcmp(a, "-f") == 0) {
            if (i + 1 >= argc) {
                cli_error("%s needs a value", a);
                return EXIT_USAGE;
            }
            if (a[1] == 'o')
                o->out = argv[++i];
            else
                o->format = argv[++i];
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || !a[2]) {
            if (o->npos == FIELDS_MAX) {
                cli_error("too many arguments");
                return EXIT_USAGE;
            }
            o->pos[o->npos++] = a;
            continue;
        }
        n = strcspn(a + 2, "=");
        if (n >= sizeof(name)) {
            cli_error("option too long: %.40s...", a);
            return EXIT_USAGE;
        }
        memcpy(name, a + 2, n);
        name[n] = '\0';
        if (a[2 + n] == '=')
            v = a + 3 + n;
        else if (i + 1 < argc)
            v = argv[++i];
        else {
            cli_error("--%s needs a value", name);
            return EXIT_USAGE;
        }
        for (k = 0; k < sizeof(commons) / sizeof(commons[0]); k++)
            if (strcmp(name, commons[k].name) == 0)
                break;
        if (k < sizeof(commons) / sizeof(commons[0])) {
            cli_common_option(&o->common, commons[k].common, v);
            if (commons[k].common == OPT_ACTOR)
                cli_actor_arg = v;
        } else if (strcmp(name, "file") == 0) {
            o->file = v;
        } else if (strcmp(name, "format") == 0) {
            o->format = v;
        } else if (strcmp(name, "output") == 0) {
            o->out = v;
        } else if (strcmp(name, "at") == 0) {
            o->at = v;
        } else if (strcmp(name, "within") == 0) {
            o->within = v;
        } else if (strcmp(name, "tenant") == 0) {
            o->tenant = v;
        } else if (o->nfields == FIELDS_MAX) {
            cli_error("too many fields");
            return EXIT_USAGE;
        } else {
            /* A field: its name as the register spells it. */
            char *copy = malloc(n + 1);
            if (!copy) {
                cli_error("out of memory");
                return EXIT_USAGE;
            }
            memcpy(copy, name, n + 1);
            if (strcmp(copy, "id") == 0)
                o->id = v;
            o->names[o->nfields] = copy;
            o->values[o->nfields++] = v;
        }
    }
    return -1;
}

static void opts_free(struct opts *o)
{
    size_t i;
    for (i = 0; i < o->nfields; i++)
        free((char *)o->names[i]);
}

/* The instant deadlines are judged at: --at, --as-of, or now. */
static bool instant(const struct opts *o, long long *now)
{
    const char *s = o->at ? o->at : o->common.as_of;
    if (!s) {
        *now = (long long)time(NULL);
        return true;
    }
    if (!cw_registers_instant(s, now)) {
        cli_error("%s: expected a date YYYY-MM-DD or an RFC 3339 time, "
                  "found '%s'",
                  o->at ? "--at" : "--as-of", s);
        return false;
    }
    return true;
}

static bool format_of(const struct opts *o, enum cw_format def,
                      enum cw_format *f)
{
    if (!o->format) {
        *f = def;
        return true;
    }
    if (!cw_format_parse(o->format, f)) {
        cli_error("--format: expected table, csv, md, html, json or xlsx, "
                  "found '%s'",
                  o->format);
        return false;
    }
    return true;
}

static bool read_all(const char *path, char **buf, size_t *len)
{
    FILE *f = cli_open_input(path);
    size_t cap = 1 << 16, n = 0;
    char *b;
    if (!f)
        return false;
    b = malloc(cap);
    while (b) {
        size_t got;
        if (n == cap) {
            char *nb;
            if (cap >= INPUT_MAX) {
                cli_error("%s: larger than %zu MiB", path, INPUT_MAX >> 20);
                free(b);
                b = NULL;
                break;
            }
            nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
        got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                cli_error("%s: %s", path, strerror(errno));
                free(b);
                b = NULL;
            }
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    *buf = b;
    *len = n;
    return b != NULL;
}

static struct cw_reg_input *input_of(const struct opts *o, int reg)
{
    struct cw_reg_input *in = NULL;
    struct cw_diag d;
    cw_diag_clear(&d);
    if (o->file) {
        char *buf;
        size_t len;
        if (o->nfields) {
            cli_error("give the record by --file or by flags, not both "
                      "(--%s)",
                      o->names[0]);
            return NULL;
        }
        if (!read_all(o->file, &buf, &len))
            return NULL;
        if (cw_reg_input_read(o->file, buf, len, reg, &in, &d))
            cli_error_diag(&d);
        free(buf);
        return in;
    }
    if (reg < 0)
        return NULL;
    if (cw_reg_input_fields((enum cw_register)reg, o->names, o->values,
                            o->nfields, &in, &d))
        cli_error_diag(&d);
    return in;
}

static void field_help(enum cw_register r)
{
    size_t n, i;
    const struct cw_register_link *l = cw_register_links(r, &n);
    printf("register %s: %s\nevidences:", cw_register_name(r),
           cw_register_title(r));
    for (i = 0; i < n; i++)
        printf(" %s %s%s", l[i].catalog, l[i].control,
               i + 1 < n ? "," : "");
    printf("\nfields: see docs/registers.md, or 'cloudward register %s "
           "export --format json' for the records' shape.\n",
           cw_register_name(r));
}

static int print_version(void *arg, const struct cw_reg_record *c)
{
    bool json = *(bool *)arg;
    if (json) {
        printf("{\"register\":\"%s\",\"id\":", cw_register_name(c->reg));
        cli_json_str(stdout, c->id);
        printf(",\"version\":%lld,\"closed\":%s,\"recorded\":%lld,"
               "\"actor\":",
               c->version, c->closed ? "true" : "false", c->recorded);
        cli_json_str(stdout, c->actor);
        printf(",\"sha256\":\"%s\",\"record\":%s}\n", c->sha256, c->json);
    } else {
        char ts[32];
        time_t t = (time_t)c->recorded;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
        printf("version %lld (%s) recorded %s by %s, sha256 %s\n  %s\n",
               c->version, c->closed ? "closed" : "open", ts, c->actor,
               c->sha256, c->json);
    }
    return 0;
}

static int found_one(void *arg, const struct cw_reg_record *c)
{
    (void)c;
    ++*(size_t *)arg;
    return 0;
}

static struct cw_access *open_store(const struct opts *o, bool create)
{
    struct cw_access *x = NULL;
    struct cw_diag d;
    char store[4096];
    cli_store_dir(&o->common, store, sizeof(store));
    cw_diag_clear(&d);
    if (cw_access_open(store, create, &x, &d)) {
        cli_error_diag(&d);
        return NULL;
    }
    return x;
}

static int do_register(struct opts *o, const char *name, const char *sub)
{
    enum cw_register r;
    struct cw_access *x = NULL;
    struct cw_diag d;
    char actor[400];
    long long now;
    int rc = EXIT_OK;
    const char *id = o->npos ? o->pos[0] : NULL;

    if (!cw_register_parse(name, &r)) {
        cli_error("no register '%s' (contracts, locations, subprocessors, "
                  "disclosures, breaches, instructions, returns, "
                  "temp-erasure, principal-requests, restorations, "
                  "user-records)",
                  name);
        return EXIT_USAGE;
    }
    if (o->help || !sub) {
        fputs(help_register, o->help ? stdout : stderr);
        if (o->help)
            field_help(r);
        return o->help ? EXIT_OK : EXIT_USAGE;
    }
    if (o->npos > 1 || (id && strcmp(sub, "add") == 0)) {
        cli_error("register %s %s: unexpected argument '%s'", name, sub,
                  o->pos[o->npos - 1]);
        return EXIT_USAGE;
    }
    if (!id && (strcmp(sub, "update") == 0 || strcmp(sub, "close") == 0 ||
                strcmp(sub, "show") == 0)) {
        cli_error("register %s %s needs the record's ID", name, sub);
        return EXIT_USAGE;
    }
    if (!instant(o, &now))
        return EXIT_USAGE;
    cli_actor(actor, sizeof(actor));
    cw_diag_clear(&d);
    if (strcmp(sub, "add") == 0 || strcmp(sub, "update") == 0) {
        bool add = strcmp(sub, "add") == 0;
        struct cw_reg_input *in;
        size_t counts[3];
        if (!o->file && !o->nfields) {
            cli_error("register %s %s: give the record by --file FILE or "
                      "by its fields (--FIELD VALUE)",
                      name, sub);
            return EXIT_USAGE;
        }
        if (!(in = input_of(o, (int)r)))
            return EXIT_USAGE;
        if (!(x = open_store(o, true))) {
            cw_reg_input_free(in);
            return EXIT_USAGE;
        }
        if (cw_register_put_input(x, in, add ? CW_REG_ADD : CW_REG_UPDATE,
                                  add ? NULL : id, actor, (long long)time(NULL),
                                  counts, &d)) {
            cli_error_diag(&d);
            rc = EXIT_USAGE;
        } else {
            cli_note("%s: %zu added, %zu updated, %zu unchanged\n", name,
                     counts[0], counts[1], counts[2]);
        }
        cw_reg_input_free(in);
    } else if (strcmp(sub, "close") == 0) {
        if (!(x = open_store(o, false)))
            return EXIT_USAGE;
        if (cw_register_close(x, r, id, actor, (long long)time(NULL), &d)) {
            cli_error_diag(&d);
            rc = EXIT_USAGE;
        } else {
            cli_note("%s record %s closed\n", name, id);
        }
    } else if (strcmp(sub, "show") == 0) {
        bool json = false;
        size_t n = 0;
        if (o->format && !cli_table_or_json(o->format, &json))
            return EXIT_USAGE;
        if (!(x = open_store(o, false)))
            return EXIT_USAGE;
        if (cw_register_each(x, (int)r, id, o->tenant, true, found_one, &n,
                             &d) ||
            (n && cw_register_each(x, (int)r, id, o->tenant, true,
                                   print_version, &json, &d))) {
            cli_error_diag(&d);
            rc = EXIT_USAGE;
        } else if (!n) {
            cli_error("no %s record '%s'", name, id);
            rc = EXIT_USAGE;
        }
    } else if (strcmp(sub, "list") == 0 || strcmp(sub, "export") == 0) {
        enum cw_format f;
        if (!format_of(o, strcmp(sub, "list") == 0 ? CW_FORMAT_TABLE
                                                   : CW_FORMAT_JSON,
                       &f))
            return EXIT_USAGE;
        if (!(x = open_store(o, false)))
            return EXIT_USAGE;
        if (cw_register_write(x, r, o->tenant, now, (int)f, o->out, &d)) {
            cli_error_diag(&d);
            rc = EXIT_USAGE;
        }
    } else {
        cli_error("usage: cloudward register NAME "
                  "add|update|close|list|show|export; see 'cloudward "
                  "register --help'");
        rc = EXIT_USAGE;
    }
    cw_access_close(x);
    return rc;
}

int cmd_register(int argc, char **argv)
{
    struct opts o;
    int rc;
    memset(&o, 0, sizeof(o));
    o.common.scope = "cloudward.yaml";
    if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "--help") == 0) {
        fputs(help_register, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if ((rc = parse(argc - 2, argv + 2, &o)) >= 0) {
        opts_free(&o);
        return rc;
    }
    if (argc >= 3 && argv[2][0] != '-') {
        /* register NAME SUB ...: SUB was taken as the first argument. */
        memmove(o.pos, o.pos + 1, (o.npos ? o.npos - 1 : 0) * sizeof(*o.pos));
        if (o.npos)
            o.npos--;
        rc = do_register(&o, argv[1], argv[2]);
    } else {
        rc = do_register(&o, argv[1], NULL);
    }
    opts_free(&o);
    return rc;
}

/* "7", "7d", "2w": days. */
static bool days_of(const char *s, long *days)
{
    char *end;
    long n = strtol(s, &end, 10);
    if (end == s || n < 0 || n > 3660)
        return false;
    if (*end == 'w' && !end[1])
        n *= 7;
    else if (*end && !(*end == 'd' && !end[1]))
        return false;
    *days = n;
    return true;
}

/* The files an import reads, each with its records once read. */
struct import {
    char *paths[256];
    struct cw_reg_input *in[256];
    size_t n;
};

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool import_add(struct import *im, const char *path)
{
    if (im->n == sizeof(im->paths) / sizeof(im->paths[0])) {
        cli_error("more than %zu files to import",
                  sizeof(im->paths) / sizeof(im->paths[0]));
        return false;
    }
    if (!(im->paths[im->n] = strdup(path))) {
        cli_error("out of memory");
        return false;
    }
    im->in[im->n++] = NULL;
    return true;
}

/* The .yaml, .yml and .json files of `dir`, by name. */
static bool import_dir(struct import *im, const char *dir)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    size_t first = im->n;
    bool ok = true;

    if (!dp) {
        cli_error("%s: %s", dir, strerror(errno));
        return false;
    }
    while (ok && (e = readdir(dp))) {
        size_t k = strlen(e->d_name);
        char path[4200];
        if (e->d_name[0] == '.' ||
            !((k > 5 && strcmp(e->d_name + k - 5, ".yaml") == 0) ||
              (k > 4 && strcmp(e->d_name + k - 4, ".yml") == 0) ||
              (k > 5 && strcmp(e->d_name + k - 5, ".json") == 0)))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        ok = import_add(im, path);
    }
    closedir(dp);
    if (ok && im->n == first) {
        cli_error("%s: no .yaml, .yml or .json file to import", dir);
        return false;
    }
    qsort(im->paths + first, im->n - first, sizeof(*im->paths), by_name);
    return ok;
}

/* Contracts first: the other registers' deadlines use them. */
static int contracts_first(const void *a, const void *b)
{
    const struct cw_reg_input *x = *(const struct cw_reg_input *const *)a;
    const struct cw_reg_input *y = *(const struct cw_reg_input *const *)b;
    return (cw_reg_input_register(y) == CW_REG_CONTRACTS) -
           (cw_reg_input_register(x) == CW_REG_CONTRACTS);
}

/* Reads every file (nothing is saved when one is malformed), then saves
 * all their records in one transaction. */
static int import(struct cw_access *x, struct import *im, const char *actor)
{
    size_t (*counts)[3] = NULL, i;
    struct cw_reg_input *ordered[256];
    struct cw_diag d;
    int rc = EXIT_OK;

    for (i = 0; rc == EXIT_OK && i < im->n; i++) {
        char *buf;
        size_t len;
        if (!read_all(im->paths[i], &buf, &len)) {
            rc = EXIT_USAGE;
            break;
        }
        cw_diag_clear(&d);
        if (cw_reg_input_read(im->paths[i], buf, len, -1, &im->in[i], &d)) {
            cli_error_diag(&d);
            rc = EXIT_USAGE;
        }
        free(buf);
    }
    if (rc == EXIT_OK) {
        memcpy(ordered, im->in, im->n * sizeof(*ordered));
        /* A stable order: contracts first, then the files' own. */
        for (i = 1; i < im->n; i++) {
            size_t k = i;
            while (k && contracts_first(&ordered[k - 1], &ordered[k]) > 0) {
                struct cw_reg_input *t = ordered[k];
                ordered[k] = ordered[k - 1];
                ordered[k - 1] = t;
                k--;
            }
        }
        if (!(counts = calloc(im->n ? im->n : 1, sizeof(*counts)))) {
            cli_error("out of memory");
            rc = EXIT_USAGE;
        }
    }
    if (rc == EXIT_OK &&
        cw_register_put_all(x, (const struct cw_reg_input *const *)ordered,
                            im->n, CW_REG_UPSERT, NULL, actor,
                            (long long)time(NULL), counts, &d)) {
        cli_error_diag(&d);
        cli_error("nothing was imported");
        rc = EXIT_USAGE;
    }
    for (i = 0; rc == EXIT_OK && i < im->n; i++) {
        size_t k;
        for (k = 0; ordered[k] != im->in[i]; k++)
            ;
        cli_note("%s (%s): %zu added, %zu updated, %zu unchanged\n",
                 im->paths[i], cw_register_name(cw_reg_input_register(
                                   im->in[i])),
                 counts[k][0], counts[k][1], counts[k][2]);
    }
    free(counts);
    return rc;
}

static void import_free(struct import *im)
{
    size_t i;
    for (i = 0; i < im->n; i++) {
        free(im->paths[i]);
        cw_reg_input_free(im->in[i]);
    }
}

int cmd_registers(int argc, char **argv)
{
    static const char *const subs[] = { "due", "import", NULL };
    struct opts o;
    struct cw_access *x = NULL;
    struct cw_registers *g = NULL;
    struct cw_diag d;
    const char *sub;
    char actor[400];
    long long now;
    int rc;

    if ((rc = cli_subverb(&argc, &argv, "registers", subs, help_registers,
                          &sub)) >= 0)
        return rc;
    memset(&o, 0, sizeof(o));
    o.common.scope = "cloudward.yaml";
    if ((rc = parse(argc - 1, argv + 1, &o)) >= 0)
        return rc;
    if (o.help) {
        fputs(help_registers, stdout);
        opts_free(&o);
        return EXIT_OK;
    }
    if (o.nfields) {
        cli_error("registers %s: unknown option --%s", sub, o.names[0]);
        opts_free(&o);
        return EXIT_USAGE;
    }
    cw_diag_clear(&d);
    if (strcmp(sub, "import") == 0) {
        size_t i;
        if (!o.npos) {
            cli_error("registers import needs a folder or files");
            return EXIT_USAGE;
        }
        struct import im;
        memset(&im, 0, sizeof(im));
        for (i = 0, rc = EXIT_OK; i < o.npos && rc == EXIT_OK; i++) {
            DIR *dp = opendir(o.pos[i]);
            if (dp)
                closedir(dp);
            if (!(dp ? import_dir(&im, o.pos[i]) : import_add(&im, o.pos[i])))
                rc = EXIT_USAGE;
        }
        if (rc == EXIT_OK && !(x = open_store(&o, true)))
            rc = EXIT_USAGE;
        cli_actor(actor, sizeof(actor));
        if (rc == EXIT_OK)
            rc = import(x, &im, actor);
        import_free(&im);
        cw_access_close(x);
        return rc;
    }
    {
        enum cw_format f;
        long days = -1;
        size_t overdue = 0;
        char store[4096];
        if (o.npos) {
            cli_error("registers due: unexpected argument '%s'", o.pos[0]);
            return EXIT_USAGE;
        }
        if (o.within && !days_of(o.within, &days)) {
            cli_error("--within: expected days ('7', '7d' or '2w'), found "
                      "'%s'",
                      o.within);
            return EXIT_USAGE;
        }
        if (!instant(&o, &now) || !format_of(&o, CW_FORMAT_TABLE, &f))
            return EXIT_USAGE;
        cli_store_dir(&o.common, store, sizeof(store));
        if (cw_registers_load(store, o.tenant, now, &g, &d) ||
            cw_duties_write(g, days >= 0 ? now + days * 86400LL : 0, (int)f,
                            o.out, &overdue, &d)) {
            cli_error_diag(&d);
            cw_registers_free(g);
            return EXIT_USAGE;
        }
        cli_note("%zu duties, %zu findings (overdue, late or a rule "
                 "broken)\n",
                 cw_registers_duty_count(g), overdue);
        cw_registers_free(g);
        return overdue ? EXIT_FINDINGS : EXIT_OK;
    }
}

/* ---- scan config --record-locations ----------------------------------------- */

void cli_location_seen(void *arg, const char *address, const char *type,
                       const char *region, const char *file, unsigned line)
{
    struct cli_locations *l = arg;
    struct cw_pii_location *x;
    (void)file;
    (void)line;
    if (l->oom)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        struct cw_pii_location *v = realloc(l->v, cap * sizeof(*v));
        if (!v) {
            l->oom = true;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    x = &l->v[l->n];
    x->address = strdup(address);
    x->type = strdup(type);
    x->region = strdup(region);
    if (!x->address || !x->type || !x->region) {
        free((char *)x->address);
        free((char *)x->type);
        free((char *)x->region);
        l->oom = true;
        return;
    }
    l->n++;
}

void cli_locations_free(struct cli_locations *l)
{
    size_t i;
    for (i = 0; i < l->n; i++) {
        free((char *)l->v[i].address);
        free((char *)l->v[i].type);
        free((char *)l->v[i].region);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

int cli_locations_save(const struct cli_locations *l,
                       const struct cli_common *c, const char *customers,
                       const char *source)
{
    struct cw_reg_input *in = NULL;
    struct cw_access *x = NULL;
    struct cw_diag d;
    struct opts o;
    size_t counts[3], skipped;
    char actor[400];
    int rc = EXIT_OK;

    if (l->oom) {
        cli_error("out of memory recording the locations");
        return EXIT_USAGE;
    }
    cw_diag_clear(&d);
    if (cw_reg_input_locations(l->v, l->n, customers, source, &in, &skipped,
                               &d)) {
        cli_error_diag(&d);
        return EXIT_USAGE;
    }
    memset(&o, 0, sizeof(o));
    o.common = *c;
    if (!(x = open_store(&o, true))) {
        cw_reg_input_free(in);
        return EXIT_USAGE;
    }
    cli_actor(actor, sizeof(actor));
    if (cw_register_put_input(x, in, CW_REG_UPSERT, NULL, actor,
                              (long long)time(NULL), counts, &d)) {
        cli_error_diag(&d);
        rc = EXIT_USAGE;
    } else {
        cli_note("locations register: %zu added, %zu updated, %zu "
                 "unchanged\n",
                 counts[0], counts[1], counts[2]);
        if (skipped)
            cli_note("locations register: %zu resource%s left out: no "
                     "country is known for %s region; record %s by hand "
                     "(cloudward register locations add)\n",
                     skipped, skipped == 1 ? "" : "s",
                     skipped == 1 ? "its" : "their",
                     skipped == 1 ? "it" : "them");
    }
    cw_reg_input_free(in);
    cw_access_close(x);
    return rc;
}
