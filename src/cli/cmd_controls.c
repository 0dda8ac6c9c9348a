/*
 * cmd_controls.c - `cloudward controls list|show`: browse the catalogs.
 *
 * Without --catalog, `list` shows the controls of every catalog; with it,
 * it also shows the guidance entries that catalog adds to its base (the 37
 * cloud-guided 27002 controls of iso27017:2015, for example), so that
 * `--catalog iso27017:2015 --cloud` answers "what does 27017 cover".
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
    OPT_CATALOG = OPT_FIRST_VERB_OPTION,
    OPT_CLAUSE,
    OPT_CLOUD,
    OPT_PII,
    OPT_ROLE
};

static const struct option long_opts[] = {
    CLI_COMMON_LONG_OPTIONS,
    { "catalog", required_argument, NULL, OPT_CATALOG },
    { "clause", required_argument, NULL, OPT_CLAUSE },
    { "cloud", no_argument, NULL, OPT_CLOUD },
    { "pii", no_argument, NULL, OPT_PII },
    { "role", required_argument, NULL, OPT_ROLE },
    { "format", required_argument, NULL, 'f' },
    { "output", required_argument, NULL, 'o' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

static const char help[] =
    "usage: cloudward controls list [--catalog NAME] [--clause ID] [--cloud]\n"
    "                               [--pii] [--role provider|customer]\n"
    "                               [--format table|json|csv|md|html|xlsx]\n"
    "                               [-o FILE]\n"
    "       cloudward controls show ID [--catalog NAME] [--format FMT]\n"
    "\n"
    "  --catalog NAME   one catalog (e.g. iso27017:2015), with the guidance\n"
    "                   it adds to its base catalog\n"
    "  --clause ID      controls under a clause, objective or theme (\"12\",\n"
    "                   \"12.4\", \"A.11\", \"8\")\n"
    "  --cloud          cloud-only controls and those with cloud guidance\n"
    "  --pii            PII-processor controls and those with PII guidance\n"
    "  --role R         entries that ask something of the provider or the\n"
    "                   customer\n"
    "Catalogs loaded: run 'cloudward controls list --format csv | cut -d, "
    "-f2 | sort -u'.\n";

struct filter {
    const char *catalog;
    const char *clause;
    bool cloud;
    bool pii;
    int role; /* -1 any, 0 provider, 1 customer */
};

static bool role_matches(const struct cw_control *c, int role)
{
    bool has_duty = c->provider || c->customer;

    if (role < 0)
        return true;
    if (c->layer == CW_LAYER_PII || c->pii)
        return role == 0 || (role == 1 && c->customer);
    if (!has_duty)
        return c->kind == CW_ENTRY_CONTROL;
    return role == 0 ? c->provider != NULL : c->customer != NULL;
}

static bool matches(const struct cw_control *c, const struct filter *f)
{
    if (f->clause && strcmp(c->clause ? c->clause : "", f->clause) != 0 &&
        strcmp(c->group ? c->group : "", f->clause) != 0)
        return false;
    if (f->cloud && !c->cloud)
        return false;
    if (f->pii && !c->pii_related)
        return false;
    return role_matches(c, f->role);
}

static int collect(const struct cw_catalogs *cats, const struct filter *f,
                   const struct cw_control ***out, size_t *n)
{
    const struct cw_control **v = NULL;
    size_t total = 0, i, j, count = 0;

    for (i = 0; i < cw_catalogs_count(cats); i++) {
        const struct cw_catalog *cat = cw_catalogs_at(cats, i);
        total += cat->ncontrols + cat->nguidance;
    }
    v = calloc(total + 1, sizeof(*v));
    if (!v) {
        cli_error("out of memory");
        return EXIT_USAGE;
    }
    for (i = 0; i < cw_catalogs_count(cats); i++) {
        const struct cw_catalog *cat = cw_catalogs_at(cats, i);
        if (f->catalog && strcmp(cat->name, f->catalog) != 0)
            continue;
        for (j = 0; j < cat->ncontrols; j++)
            if (matches(&cat->controls[j], f))
                v[count++] = &cat->controls[j];
        for (j = 0; f->catalog && j < cat->nguidance; j++)
            if (matches(&cat->guidance[j], f))
                v[count++] = &cat->guidance[j];
    }
    *out = v;
    *n = count;
    return EXIT_OK;
}

static void print_field(const char *label, const char *text)
{
    if (text && *text)
        printf("%-14s %s\n", label, text);
}

/* The detailed view of `c`: what it asks, the guidance other catalogs add
 * to it, and where it went in other editions. */
static void show_text(const struct cw_catalogs *cats,
                      const struct cw_control *c)
{
    size_t i, j;

    printf("%s %s: %s\n", c->catalog, c->id, c->title);
    print_field("clause", c->clause);
    print_field("group", c->group);
    print_field("layer", cw_layer_name(c->layer));
    print_field("summary", c->summary);
    print_field("provider", c->provider);
    print_field("customer", c->customer);
    print_field("former id", c->former_id);
    for (i = 0; i < CW_ATTR_FAMILIES; i++)
        print_field(i ? "" : "attributes", c->attributes[i]);
    print_field("confidence", c->confidence);
    for (i = 0; i < cw_catalogs_count(cats); i++) {
        const struct cw_catalog *cat = cw_catalogs_at(cats, i);
        const struct cw_control *g;
        if (!cat->base || strcmp(cat->base, c->catalog) != 0)
            continue;
        if (!(g = cw_catalog_guidance(cat, c->id)))
            continue;
        printf("guidance from %s%s:\n", cat->name,
               g->confidence ? " (unverified)" : "");
        print_field("  provider", g->provider);
        print_field("  customer", g->customer);
        print_field("  pii", g->pii);
    }
    for (i = 0; i < cw_catalogs_crosswalk_count(cats); i++) {
        const struct cw_crosswalk *x = cw_catalogs_crosswalk_at(cats, i);
        const char *ids[16];
        bool rev = strcmp(x->to, c->catalog) == 0;
        size_t n;
        if (!rev && strcmp(x->from, c->catalog) != 0)
            continue;
        n = cw_crosswalk_map(x, c->id, rev, ids, 16);
        printf("%-14s %s:", rev ? "from" : "maps to", rev ? x->from : x->to);
        for (j = 0; j < n && j < 16; j++)
            printf(" %s", ids[j]);
        printf("%s\n", n ? "" : " (none: new in this edition)");
    }
}

static int show(const struct cw_catalogs *cats, const struct filter *f,
                const char *id, enum cw_format fmt, const char *out)
{
    const char *names[64];
    const struct cw_control *c = NULL;
    struct cw_diag d;
    size_t i, n = 0;

    for (i = 0; i < cw_catalogs_count(cats) && n < 64; i++) {
        const char *name = cw_catalogs_at(cats, i)->name;
        if (!f->catalog || strcmp(f->catalog, name) == 0)
            names[n++] = name;
    }
    cw_diag_clear(&d);
    if (cw_catalogs_resolve(cats, id, names, n, &c, &d)) {
        cli_error("%s", d.msg);
        return EXIT_USAGE;
    }
    if (fmt == CW_FORMAT_TABLE && !out) {
        show_text(cats, c);
        return EXIT_OK;
    }
    if (cw_report_controls(&c, 1, fmt, out, &d)) {
        cli_error_diag(&d);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int cmd_controls(int argc, char **argv)
{
    struct cli_common common = { .scope = "cloudward.yaml" };
    struct filter f = { NULL, NULL, false, false, -1 };
    struct cw_catalogs *cats = NULL;
    const struct cw_control **v = NULL;
    enum cw_format fmt = CW_FORMAT_TABLE;
    const char *sub, *out = NULL;
    struct cw_diag d;
    size_t n = 0;
    int c, rc = EXIT_USAGE;

    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:h", long_opts, NULL)) != -1) {
        if (cli_common_option(&common, c, optarg))
            continue;
        switch (c) {
        case OPT_CATALOG:
            f.catalog = optarg;
            break;
        case OPT_CLAUSE:
            f.clause = optarg;
            break;
        case OPT_CLOUD:
            f.cloud = true;
            break;
        case OPT_PII:
            f.pii = true;
            break;
        case OPT_ROLE:
            if (strcmp(optarg, "provider") != 0 &&
                strcmp(optarg, "customer") != 0) {
                cli_error("--role takes provider or customer, not '%s'",
                          optarg);
                return EXIT_USAGE;
            }
            f.role = strcmp(optarg, "provider") == 0 ? 0 : 1;
            break;
        case 'f':
            if (!cw_format_parse(optarg, &fmt)) {
                cli_error("unknown format '%s'; expected table, json, csv, "
                          "md, html or xlsx",
                          optarg);
                return EXIT_USAGE;
            }
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return EXIT_OK;
        default:
            fputs(help, stderr);
            return EXIT_USAGE;
        }
    }
    sub = optind < argc ? argv[optind] : NULL;
    if (!sub || (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0)) {
        cli_error("expected 'controls list' or 'controls show ID'");
        fputs(help, stderr);
        return EXIT_USAGE;
    }
    if ((strcmp(sub, "show") == 0) != (optind + 2 == argc) ||
        optind + 2 < argc) {
        cli_error(strcmp(sub, "show") == 0
                      ? "'controls show' takes exactly one control id"
                      : "'controls list' takes no arguments");
        return EXIT_USAGE;
    }
    cats = cli_load_catalogs(&common);
    if (!cats)
        return EXIT_USAGE;
    if (f.catalog && !cw_catalogs_find(cats, f.catalog)) {
        cli_error("unknown catalog '%s'", f.catalog);
        goto out;
    }
    if (strcmp(sub, "show") == 0) {
        rc = show(cats, &f, argv[optind + 1], fmt, out);
        goto out;
    }
    if (collect(cats, &f, &v, &n))
        goto out;
    cw_diag_clear(&d);
    if (cw_report_controls(v, n, fmt, out, &d)) {
        cli_error_diag(&d);
        goto out;
    }
    rc = EXIT_OK;
out:
    free(v);
    cw_catalogs_free(cats);
    return rc;
}
