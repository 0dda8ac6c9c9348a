/*
 * template.c - the starter cloudward.yaml written by `cloudward init`.
 * The file is written to a temporary name, flushed and renamed, so a crash
 * leaves either no scope or a complete one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cloudward/cw_scope.h>

#include "../core/core.h"

static enum cw_status models_list(struct cw__buf *b, unsigned mask)
{
    enum cw_status st = cw__buf_puts(b, "[");
    unsigned m;
    bool first = true;

    for (m = 0; !st && m < CW_MODEL_COUNT; m++) {
        if (!(mask & (1u << m)))
            continue;
        st = cw__buf_printf(b, "%s%s", first ? "" : ", ",
                            cw_model_name((enum cw_model)m));
        first = false;
    }
    return st ? st : cw__buf_puts(b, "]");
}

/* Quotes a YAML scalar: double quotes with \ and " escaped. */
static enum cw_status yaml_quoted(struct cw__buf *b, const char *s)
{
    enum cw_status st = cw__buf_puts(b, "\"");
    for (; !st && *s; s++) {
        if (*s == '"' || *s == '\\')
            st = cw__buf_append(b, "\\", 1);
        if (!st)
            st = (unsigned char)*s < 0x20 ? cw__buf_puts(b, " ")
                                          : cw__buf_append(b, s, 1);
    }
    return st ? st : cw__buf_puts(b, "\"");
}

static const char example_decisions[] =
    "# Decisions about single controls. Each replaces the default that\n"
    "# cloudward derives from your role, service models and providers.\n"
    "# See docs/scope.md for every key and docs/responsibility.md for the\n"
    "# model.\n"
    "decisions:\n"
    "#  - control: \"7.1\"               # or \"iso27002:2022 7.1\"\n"
    "#    applicable: true\n"
    "#    source: [risk, contract]       # risk, legal, contract, business,\n"
    "#                                   # best-practice\n"
    "#    justification: Our office holds laptops with customer data.\n"
    "#    status: implemented            # not-started, planned, partial,\n"
    "#                                   # implemented, not-applicable\n"
    "#    owner: facilities-manager\n"
    "#    evidence: [\"office access-control design v2\"]\n"
    "#    relies_on:                     # parts a provider carries for you\n"
    "#      - provider: Example IaaS\n"
    "#        part: data-centre physical security\n"
    "#    notes: Reviewed at the 2026 management review.\n";

/* Creates decisions/ beside the scope with a commented example, unless a
 * decisions directory already exists. */
static enum cw_status write_example_decisions(const char *scope_path,
                                              struct cw_diag *d)
{
    char dir[4096], file[4200];
    const char *slash = strrchr(scope_path, '/');
    int w;

    if (slash)
        w = snprintf(dir, sizeof(dir), "%.*s/decisions",
                     (int)(slash - scope_path), scope_path);
    else
        w = snprintf(dir, sizeof(dir), "decisions");
    if (w < 0 || (size_t)w >= sizeof(dir))
        return cw__diag_set(d, CW_ELIMIT, scope_path, 0, 0, "path too long");
    if (mkdir(dir, 0755) != 0) {
        if (errno == EEXIST)
            return CW_OK;
        return cw__diag_set(d, CW_EIO, dir, 0, 0, "cannot create: %s",
                            strerror(errno));
    }
    snprintf(file, sizeof(file), "%s/example.yaml", dir);
    return cw__atomic_write(file, example_decisions, sizeof(example_decisions) - 1,
                        false, d);
}

enum cw_status cw_scope_write_template(const char *path,
                                       const struct cw_scope_template *t,
                                       bool force, struct cw_diag *d)
{
    struct cw__buf b;
    enum cw_status st;

    cw__buf_init(&b, 65536);
    st = cw__buf_puts(&b, "# cloudward scope: who you are in the cloud. See "
                          "docs/scope.md.\norganisation: ");
    if (!st)
        st = yaml_quoted(&b, t->organisation);
    if (!st)
        st = cw__buf_printf(
            &b,
            "\n# provider, customer or both\nrole: %s\n"
            "# the service models you offer (provider) or consume "
            "(customer)\nservice_models: ",
            cw_role_name(t->role));
    if (!st)
        st = models_list(&b, t->models);
    if (!st)
        st = cw__buf_printf(
            &b,
            "\n# do you process personal data on behalf of your customers?\n"
            "pii_processor: %s\n"
            "# catalogs in force: ISO/IEC 27001:2022 Annex A (27002:2022)\n"
            "# with the 27017 cloud controls (and 27018 for a PII processor)\n"
            "catalogs: [iso27002:2022, iso27017:2015%s]\n"
            "# the SoA as a controlled document\n"
            "# scope_statement: What your ISMS covers.\n"
            "# document: {version: \"1.0\", approver: Name, approved: "
            "2027-01-31}\n"
            "# your own certificates, published in your matrix\n"
            "assurance: []\n"
            "# decision files, relative to this file\n"
            "decisions: [\"decisions/*.yaml\"]\n"
            "# providers you rely on, with the assurance you checked\n"
            "providers: []\n"
            "#  - name: Example IaaS\n"
            "#    service_model: iaas\n"
            "#    matrix: providers/example-iaas-matrix.json\n"
            "#    assurance:\n"
            "#      - kind: certificate\n"
            "#        standard: ISO/IEC 27001\n"
            "#        edition: \"2022\"\n"
            "#        covers: [iso27017:2015]\n"
            "#        number: \"1234\"\n"
            "#        valid_until: 2028-06-30\n",
            t->pii_processor ? "true" : "false",
            t->pii_processor ? ", iso27018:2019" : "");
    if (st) {
        cw__buf_release(&b);
        return cw__diag_set(d, st, path, 0, 0, "out of memory");
    }
    st = cw__atomic_write(path, b.data, b.len, force, d);
    cw__buf_release(&b);
    if (!st)
        st = write_example_decisions(path, d);
    return st;
}
