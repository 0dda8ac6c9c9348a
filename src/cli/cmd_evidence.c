/*
 * cmd_evidence.c - `cloudward evidence add|list|verify|export`: evidence
 * files kept content-addressed in the store and recorded in the ledger
 * (cw_ledger.h), so the SoA can show each control's evidence and flag what
 * has expired or gone missing.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "cli.h"

enum {
    OPT_CONTROL = OPT_FIRST_VERB_OPTION,
    OPT_EFFECTIVE,
    OPT_EXPIRES,
    OPT_FOLLOW
};

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "control", required_argument, NULL, OPT_CONTROL },
    { "effective", required_argument, NULL, OPT_EFFECTIVE },
    { "expires", required_argument, NULL, OPT_EXPIRES },
    { "follow", no_argument, NULL, OPT_FOLLOW },
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char help[] =
    "usage: cloudward evidence add FILE --control ID [--effective DATE]\n"
    "                              [--expires DATE] [--follow]\n"
    "       cloudward evidence list [--control ID] [--format table|json]\n"
    "       cloudward evidence verify\n"
    "       cloudward evidence export DIR\n"
    "\n"
    "Evidence files are stored by their SHA-256 in the store (once, however\n"
    "often added, private to the store's owner) and each addition is an\n"
    "entry of the ledger. 'add' refuses a symbolic link unless --follow.\n"
    "'verify' exits 1 when a stored file is missing or altered; 'export'\n"
    "copies every file with a manifest.json into DIR, which must be new or\n"
    "empty. The SoA shows each control's evidence and flags expired or\n"
    "missing files.\n";

/* An export goes into a new folder, or an empty one that is not a link:
 * nothing in it can lead a write elsewhere. */
static bool export_dir(const char *dir)
{
    struct stat sb;
    struct dirent *e;
    DIR *dp;
    int fd;

    if (mkdir(dir, 0700) == 0)
        return true;
    if (errno != EEXIST) {
        cli_error("%s: %s", dir, strerror(errno));
        return false;
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0 || !(dp = fdopendir(fd))) {
        cli_error("%s: not a folder (or a link to one): export into a new "
                  "folder",
                  dir);
        if (fd >= 0)
            close(fd);
        return false;
    }
    while ((e = readdir(dp)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            closedir(dp);
            cli_error("%s: not empty; export into a new or empty folder",
                      dir);
            return false;
        }
    }
    closedir(dp);
    return true;
}

struct listing {
    const char *control; /* filter, "CATALOG ID" */
    bool json, first, quiet;
    struct cw_ledger *l;
    const char *dir;     /* export */
    struct exported {    /* ... the files written: name and content */
        char *name;
        char hash[65];
    } *out;
    size_t nout, aout;
    FILE *manifest;
    size_t n, bad;
    struct cw_diag *d;
    enum cw_status st;
};

/*
 * The file name an exported piece of evidence gets: the name it was added
 * under, made safe (its last component; control bytes, '\\' and a
 * leading '.' replaced; at most 200 bytes) and unique in the export: the
 * same content under the same name is one file, another content under a
 * taken name becomes NAME-2.EXT, NAME-3.EXT, ... "manifest.json" is taken.
 * Returns the name (owned by x), or NULL when out of memory.
 */
static const char *export_name(struct listing *x, const struct cw_evidence *e,
                               bool *fresh)
{
    char base[256], cand[300];
    const char *slash = strrchr(e->name, '/');
    const char *src = slash ? slash + 1 : e->name, *dot;
    size_t i, n = 0, stem;
    unsigned k;

    for (i = 0; src[i] && n < 200; i++) {
        unsigned char c = (unsigned char)src[i];
        base[n++] = c < 0x20 || c == 0x7f || c == '\\' ? '_' : (char)c;
    }
    base[n] = '\0';
    if (!n || base[0] == '.')
        snprintf(base, sizeof(base), "evidence-%.12s", e->hash);
    dot = strrchr(base, '.');
    stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    for (k = 1;; k++) {
        bool taken = strcmp(base, "manifest.json") == 0 && k == 1;
        if (k == 1)
            snprintf(cand, sizeof(cand), "%s", base);
        else
            snprintf(cand, sizeof(cand), "%.*s-%u%s", (int)stem, base, k,
                     base + stem);
        for (i = 0; i < x->nout && !taken; i++) {
            if (strcmp(x->out[i].name, cand) != 0)
                continue;
            if (strcmp(x->out[i].hash, e->hash) == 0) {
                *fresh = false; /* the same file again */
                return x->out[i].name;
            }
            taken = true;
        }
        if (!taken)
            break;
    }
    if (x->nout == x->aout) {
        size_t na = x->aout ? 2 * x->aout : 16;
        struct exported *g = realloc(x->out, na * sizeof(*g));
        if (!g)
            return NULL;
        x->out = g;
        x->aout = na;
    }
    if (!(x->out[x->nout].name = strdup(cand)))
        return NULL;
    snprintf(x->out[x->nout].hash, sizeof(x->out[x->nout].hash), "%s",
             e->hash);
    *fresh = true;
    return x->out[x->nout++].name;
}

static void json_item(FILE *f, const struct cw_evidence *e, bool intact,
                      bool with_file, const char *file)
{
    fprintf(f, "{\"index\":%llu,\"sha256\":\"%s\",\"control\":",
            (unsigned long long)e->index, e->hash);
    cli_json_str(f, e->control);
    fputs(",\"name\":", f);
    cli_json_str(f, e->name);
    fprintf(f, ",\"size\":%lld,\"effective\":", e->size);
    if (e->effective)
        cli_json_str(f, e->effective);
    else
        fputs("null", f);
    fputs(",\"expires\":", f);
    if (e->expires)
        cli_json_str(f, e->expires);
    else
        fputs("null", f);
    fprintf(f, ",\"intact\":%s", intact ? "true" : "false");
    if (with_file) {
        fputs(",\"file\":", f);
        if (file)
            cli_json_str(f, file);
        else
            fputs("null", f);
    }
    fputc('}', f);
}

static bool list_one(void *arg, const struct cw_evidence *e)
{
    struct listing *x = arg;
    bool intact;

    if (x->control && strcmp(x->control, e->control) != 0)
        return true;
    intact = cw_evidence_intact(x->l, e);
    x->n++;
    x->bad += !intact;
    if (x->quiet) { /* verify: name only what is wrong */
        if (!intact)
            fprintf(stderr, "cloudward: evidence %s (entry %llu, %s): the "
                    "stored file is missing or altered\n", e->hash,
                    (unsigned long long)e->index, e->control);
    } else if (x->dir) {
        const char *file = NULL;
        bool fresh = false;
        if (intact) {
            char path[4096];
            if (!(file = export_name(x, e, &fresh))) {
                cli_error("out of memory");
                x->st = CW_ENOMEM;
                return false;
            }
            snprintf(path, sizeof(path), "%s/%s", x->dir, file);
            if (fresh &&
                (x->st = cw_evidence_export_to(x->l, e, path, x->d)))
                return false;
        }
        fputs(x->first ? "\n  " : ",\n  ", x->manifest);
        /* the exported file's name beside its hash; null when the stored
         * file is missing or altered (not exported) */
        json_item(x->manifest, e, intact, true, file);
    } else if (x->json) {
        json_item(stdout, e, intact, false, NULL);
        putchar('\n');
    } else {
        printf("%-6llu %.12s  %-28s %-10s %-10s %s%s\n",
               (unsigned long long)e->index, e->hash, e->control,
               e->effective ? e->effective : "-",
               e->expires ? e->expires : "-", e->name,
               intact ? "" : "  [MISSING OR ALTERED]");
    }
    x->first = false;
    return true;
}

int cmd_evidence(int argc, char **argv)
{
    struct cli_common common = { .scope = "cloudward.yaml" };
    const char *sub, *control = NULL;
    const char *effective = NULL, *expires = NULL;
    struct cw_catalogs *cats = NULL;
    struct cw_ledger *l = NULL;
    struct listing x = { 0 };
    char store[4096], ref[300];
    struct cw_diag d;
    int c, rc = EXIT_USAGE;
    bool json = false, follow = false;

    static const char *const subs[] = { "add", "list", "verify", "export",
                                        NULL };

    if ((rc = cli_subverb(&argc, &argv, "evidence", subs, help, &sub)) >= 0)
        return rc;
    rc = EXIT_USAGE;
    while ((c = getopt_long(argc, argv, "f:h", long_opts, NULL)) != -1) {
        if (cli_common_option(&common, c, optarg))
            continue;
        switch (c) {
        case OPT_CONTROL:
            control = optarg;
            break;
        case OPT_EFFECTIVE:
            effective = optarg;
            break;
        case OPT_EXPIRES:
            expires = optarg;
            break;
        case OPT_FOLLOW:
            follow = true;
            break;
        case 'f':
            if (!cli_table_or_json(optarg, &json))
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
    if ((strcmp(sub, "add") == 0 || strcmp(sub, "export") == 0) !=
        (optind + 1 == argc)) {
        cli_error(strcmp(sub, "add") == 0 ? "evidence add takes one FILE"
                  : strcmp(sub, "export") == 0
                      ? "evidence export takes one DIR"
                      : "unexpected argument '%s'",
                  argv[optind]);
        return EXIT_USAGE;
    }
    if (strcmp(sub, "add") == 0 && !control) {
        cli_error("evidence add needs --control ID");
        return EXIT_USAGE;
    }
    cw_diag_clear(&d);
    if (control) { /* "CATALOG ID" exactly as the SoA names it */
        if (!(cats = cli_load_catalogs(&common)))
            return EXIT_USAGE;
        if (!cli_control_ref(cats, control, ref, sizeof(ref)))
            goto out;
        control = ref;
    }
    cli_store_dir(&common, store, sizeof(store));
    /* Only add may create a store; list, verify and export read one. */
    if (strcmp(sub, "add") == 0 ? cw_ledger_open(store, &l, &d)
                                : cw_ledger_open_existing(store, &l, &d)) {
        cli_error_diag(&d);
        goto out;
    }
    memset(&x, 0, sizeof(x));
    x.control = control;
    x.json = json;
    x.first = true;
    x.l = l;
    x.d = &d;
    if (strcmp(sub, "add") == 0) {
        char hash[65], actor[400];
        bool dup = false;
        cli_actor(actor, sizeof(actor));
        if (cw_evidence_add(l, argv[optind], control, effective, expires,
                            actor, follow, hash, &dup, &d)) {
            cli_error_diag(&d);
            goto out;
        }
        {
            /* what was stored, for which control, valid when: the hash
             * first, so scripts can take it */
            const char *base = strrchr(argv[optind], '/');
            struct stat sb;
            printf("%s %s%s: %s %s, %lld bytes%s%s%s%s\n", hash, control,
                   dup ? " (content already stored)" : "",
                   dup ? "recorded" : "stored",
                   base && base[1] ? base + 1 : argv[optind],
                   stat(argv[optind], &sb) == 0 ? (long long)sb.st_size
                                                : -1LL,
                   effective ? ", effective " : "",
                   effective ? effective : "", expires ? ", expires " : "",
                   expires ? expires : "");
        }
        rc = EXIT_OK;
    } else if (strcmp(sub, "export") == 0) {
        char mpath[4096];
        int mfd;
        x.dir = argv[optind];
        if (!export_dir(x.dir))
            goto out;
        snprintf(mpath, sizeof(mpath), "%s/manifest.json", x.dir);
        mfd = open(mpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   0600);
        if (mfd < 0 || !(x.manifest = fdopen(mfd, "w"))) {
            cli_error("%s: %s", mpath, strerror(errno));
            if (mfd >= 0)
                close(mfd);
            goto out;
        }
        fputs("{\"evidence\": [", x.manifest);
        if (cw_evidence_each(l, list_one, &x, &d) || x.st) {
            fclose(x.manifest);
            cli_error_diag(&d);
            goto out;
        }
        fputs(x.first ? "]}\n" : "\n]}\n", x.manifest);
        if (fclose(x.manifest) != 0) {
            cli_error("%s: cannot write", mpath);
            goto out;
        }
        if (!cli_quiet)
            printf("exported %zu file(s) to %s\n", x.n - x.bad, x.dir);
        rc = x.bad ? EXIT_FINDINGS : EXIT_OK;
    } else {
        bool verify = sub[0] == 'v';
        if (!json && !verify)
            printf("%-6s %-12s  %-28s %-10s %-10s %s\n", "ENTRY", "SHA256",
                   "CONTROL", "EFFECTIVE", "EXPIRES", "NAME");
        x.quiet = verify;
        if (cw_evidence_each(l, list_one, &x, &d)) {
            cli_error_diag(&d);
            goto out;
        }
        if (verify)
            printf("%zu evidence file(s), %zu missing or altered\n", x.n,
                   x.bad);
        rc = x.bad ? EXIT_FINDINGS : EXIT_OK;
    }
out:
    while (x.nout)
        free(x.out[--x.nout].name);
    free(x.out);
    cw_ledger_close(l);
    cw_catalogs_free(cats);
    return rc;
}
