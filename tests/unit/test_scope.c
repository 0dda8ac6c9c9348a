/* test_scope.c - loading scopes and decisions; every refusal names
 * FILE:LINE:COL and what was expected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <cloudward/cloudward.h>

#include "helpers.h"

static struct cw_catalogs *cats;

static int setup(void **state)
{
    struct cw_diag d;
    (void)state;
    return cw_catalogs_new(NULL, &cats, &d) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    cw_catalogs_free(cats);
    return 0;
}

static const char good_scope[] =
    "organisation: Test Co\n"
    "role: provider\n"
    "service_models: [saas]\n"
    "pii_processor: true\n"
    "providers:\n"
    "  - name: Cloud One\n"
    "    service_model: iaas\n"
    "    certificate: C-1\n"
    "    expires: 2027-01-31\n";

static void loads_good_scope(void **state)
{
    const char *dir = tmp_dir();
    char path[512];
    struct cw_scope *s = NULL;
    struct cw_diag d;
    char line[1200];
    (void)state;
    put_file(dir, "cloudward.yaml", good_scope);
    put_file(dir, "decisions/a.yaml",
             "decisions:\n  - control: CLD.9.5.2\n    applicable: true\n"
             "    status: implemented\n    evidence: [a, b]\n");
    snprintf(path, sizeof(path), "%s/cloudward.yaml", dir);
    if (cw_scope_load(cats, path, &s, &d))
        fail_msg("%s", cw_diag_format(&d, line, sizeof(line)));
    assert_string_equal(cw_scope_organisation(s), "Test Co");
    assert_int_equal(cw_scope_role(s), CW_ROLE_PROVIDER);
    assert_int_equal(cw_scope_models(s), 1u << CW_MODEL_SAAS);
    /* 27002:2022 with 27017 and 27018 by default for a PII processor;
     * their 2013 base only resolves references. */
    assert_int_equal(cw_scope_catalog_count(s), 3);
    assert_string_equal(cw_scope_catalogs(s)[0], "iso27002:2022");
    assert_int_equal(cw_scope_upstream_count(s), 1);
    assert_int_equal(cw_scope_upstream(s, 0)->model, CW_MODEL_IAAS);
    /* The former certificate/expires: one entry, standard not stated. */
    assert_int_equal(cw_scope_upstream(s, 0)->nassurance, 1);
    assert_null(cw_scope_upstream(s, 0)->assurance[0].standard);
    assert_string_equal(cw_scope_upstream(s, 0)->assurance[0].valid_until,
                        "2027-01-31");
    assert_int_equal(cw_scope_decision_count(s), 1);
    assert_string_equal(cw_scope_decision(s, 0)->evidence, "a; b");
    assert_int_equal(cw_scope_decision(s, 0)->line, 2);
    cw_scope_free(s);
    rm_tree(dir);
}

/* Loads `scope` (and `decision` as decisions/d.yaml when not NULL) and
 * expects the diagnostic `want` with DIR substituted for every "@". */
static void expect_error(const char *scope, const char *decision,
                         const char *want)
{
    const char *dir = tmp_dir();
    char path[512], line[1200], expected[1200];
    struct cw_scope *s = NULL;
    struct cw_diag d;
    const char *p;
    size_t n = 0;

    put_file(dir, "cloudward.yaml", scope);
    if (decision)
        put_file(dir, "decisions/d.yaml", decision);
    snprintf(path, sizeof(path), "%s/cloudward.yaml", dir);
    for (p = want; *p && n + strlen(dir) + 1 < sizeof(expected); p++) {
        if (*p == '@')
            n += (size_t)snprintf(expected + n, sizeof(expected) - n, "%s",
                                  dir);
        else
            expected[n++] = *p;
    }
    expected[n] = '\0';
    cw_diag_clear(&d);
    if (!cw_scope_load(cats, path, &s, &d))
        fail_msg("loaded; wanted %s", expected);
    assert_null(s);
    assert_string_equal(cw_diag_format(&d, line, sizeof(line)), expected);
    rm_tree(dir);
}

static const char base[] = "organisation: X\nrole: provider\n"
                           "service_models: [saas]\npii_processor: false\n";

static void scope_errors(void **state)
{
    char buf[1024];
    (void)state;
    expect_error("organisation: X\nrole: vendor\n", NULL,
                 "@/cloudward.yaml:2:7: unknown role 'vendor'; expected one "
                 "of: provider, customer, both");
    expect_error("organisation: X\nrole: provider\nservice_models: [faas]\n",
                 NULL,
                 "@/cloudward.yaml:3:18: unknown service model 'faas'; "
                 "expected one of: iaas, paas, saas");
    snprintf(buf, sizeof(buf), "%scatalogs: [iso27017:2014]\n", base);
    expect_error(buf, NULL,
                 "@/cloudward.yaml:5:12: unknown catalog 'iso27017:2014'; "
                 "expected one of: iso27002:2013, iso27002:2022, "
                 "iso27017:2015, iso27018:2019");
    snprintf(buf, sizeof(buf), "%scolour: blue\n", base);
    expect_error(buf, NULL,
                 "@/cloudward.yaml:5:1: unknown key 'colour'; expected one "
                 "of: organisation, role, service_models, pii_processor, "
                 "catalogs, decisions, providers, pii_regions, "
                 "scope_statement, document, assurance");
    snprintf(buf, sizeof(buf), "%spii_regions: [eu-*, 42]\n", base);
    expect_error(buf, NULL,
                 "@/cloudward.yaml:5:21: expected a region name or glob such "
                 "as eu-west-1 or eu-*");
    snprintf(buf, sizeof(buf), "%spii_regions: eu-west-1\n", base);
    expect_error(buf, NULL,
                 "@/cloudward.yaml:5:14: expected pii_regions (a list), "
                 "found a scalar");
    expect_error("organisation: [X\n", NULL,
                 "@/cloudward.yaml:2:1: did not find expected ',' or ']' "
                 "while parsing a flow sequence");
    snprintf(buf, sizeof(buf),
             "%sproviders:\n  - name: P\n    service_model: iaas\n"
             "    certificate: C\n    expires: 2027-02-30\n",
             base);
    expect_error(buf, NULL,
                 "@/cloudward.yaml:9:14: expected a date YYYY-MM-DD, found "
                 "'2027-02-30'");
    expect_error("organisation: X\nrole: provider\n", NULL,
                 "@/cloudward.yaml:1:1: missing required key "
                 "'service_models' (a list of iaas, paas, saas)");
}

static void loads_new_keys(void **state)
{
    const char *dir = tmp_dir();
    char path[512], line[1200];
    const struct cw_decision *dc;
    const struct cw_assurance *a;
    struct cw_scope *s = NULL;
    struct cw_diag d;
    size_t n;
    (void)state;
    put_file(dir, "cloudward.yaml",
             "organisation: N\nrole: provider\nservice_models: [saas]\n"
             "pii_processor: false\n"
             "scope_statement: The N service.\n"
             "document: {version: \"3\", approver: Ann, approved: "
             "2026-01-02}\n"
             "assurance:\n  - standard: ISO/IEC 27001\n    edition: "
             "\"2022\"\n    covers: [iso27017:2015]\n"
             "    service_models: [saas]\n    valid_until: 2028-01-31\n"
             "providers:\n  - name: Up\n    service_model: iaas\n");
    put_file(dir, "decisions/a.yaml",
             "decisions:\n  - control: \"7.1\"\n    applicable: true\n"
             "    source: [risk, contract, risk]\n    status: not-assessed\n"
             "    relies_on: [{provider: Up, part: cages}]\n"
             "  - control: \"iso27002:2013 12.6.1\"\n    applicable: true\n"
             "    responsibility: shared\n");
    snprintf(path, sizeof(path), "%s/cloudward.yaml", dir);
    if (cw_scope_load(cats, path, &s, &d))
        fail_msg("%s", cw_diag_format(&d, line, sizeof(line)));
    assert_string_equal(cw_scope_statement(s), "The N service.");
    assert_string_equal(cw_scope_document(s)->version, "3");
    assert_string_equal(cw_scope_document(s)->approved, "2026-01-02");
    a = cw_scope_assurance(s, &n);
    assert_int_equal(n, 1);
    assert_string_equal(a[0].standard, "ISO/IEC 27001");
    assert_int_equal(a[0].ncovers, 1);
    assert_int_equal(a[0].models, 1u << CW_MODEL_SAAS);
    dc = cw_scope_decision(s, 0);
    assert_string_equal(dc->source, "risk, contract");
    assert_string_equal(dc->status, "not-started"); /* older name */
    assert_int_equal(dc->nrelies, 1);
    assert_string_equal(dc->relies[0].upstream->name, "Up");
    assert_string_equal(dc->relies[0].part, "cages");
    /* A 2013 reference in a 2022 scope resolves; shared reads as split. */
    dc = cw_scope_decision(s, 1);
    assert_string_equal(dc->control->catalog, "iso27002:2013");
    assert_int_equal(dc->responsibility, CW_RESP_SPLIT);
    cw_scope_free(s);
    rm_tree(dir);
}

static void decision_errors(void **state)
{
    (void)state;
    expect_error(base, "decisions:\n  - control: CLD.99.1\n"
                       "    applicable: true\n",
                 "@/decisions/d.yaml:2:14: no catalog in force has a "
                 "control 'CLD.99.1'");
    expect_error(base, "decisions:\n  - control: CLD.9.5.2\n"
                       "    applicable: maybe\n",
                 "@/decisions/d.yaml:3:17: expected true or false, found "
                 "'maybe'");
    expect_error(base, "decisions:\n  - control: CLD.9.5.2\n"
                       "    applicable: true\n    status: done\n",
                 "@/decisions/d.yaml:4:13: unknown status 'done'; expected "
                 "one of: not-started, planned, partial, implemented, "
                 "not-applicable");
    expect_error(base, "decisions:\n  - control: CLD.9.5.2\n"
                       "    applicable: true\n  - control: "
                       "iso27017:2015 CLD.9.5.2\n    applicable: false\n"
                       "    justification: x\n",
                 "@/decisions/d.yaml:4:5: duplicate decision for "
                 "iso27017:2015 CLD.9.5.2 (first at @/decisions/d.yaml:2)");
    expect_error(base, "decisions:\n  - control: \"5.1.1\"\n"
                       "    applicable: false\n",
                 "@/decisions/d.yaml:2:5: a control marked not applicable "
                 "needs a 'justification'");
}

static void store_dir(void **state)
{
    char out[256];
    (void)state;
    unsetenv("CLOUDWARD_STORE");
    assert_int_equal(cw_scope_store_dir("a/b/cloudward.yaml", NULL, out,
                                        sizeof(out)),
                     CW_OK);
    assert_string_equal(out, "a/b/.cloudward");
    cw_scope_store_dir("cloudward.yaml", NULL, out, sizeof(out));
    assert_string_equal(out, ".cloudward");
    setenv("CLOUDWARD_STORE", "/var/lib/cw", 1);
    cw_scope_store_dir("cloudward.yaml", NULL, out, sizeof(out));
    assert_string_equal(out, "/var/lib/cw");
    cw_scope_store_dir("cloudward.yaml", "/x", out, sizeof(out));
    assert_string_equal(out, "/x");
    unsetenv("CLOUDWARD_STORE");
    assert_int_equal(cw_scope_store_dir("cloudward.yaml", "/long", out, 3),
                     CW_ELIMIT);
}

static void template_round_trip(void **state)
{
    const char *dir = tmp_dir();
    struct cw_scope_template t = { "Quote \"Co\"", CW_ROLE_BOTH,
                                   (1u << CW_MODEL_PAAS) |
                                       (1u << CW_MODEL_SAAS),
                                   false };
    struct cw_scope *s = NULL;
    struct cw_diag d;
    char path[512], line[1200];
    (void)state;
    snprintf(path, sizeof(path), "%s/cloudward.yaml", dir);
    assert_int_equal(cw_scope_write_template(path, &t, false, &d), CW_OK);
    assert_int_equal(cw_scope_write_template(path, &t, false, &d), CW_EEXIST);
    if (cw_scope_load(cats, path, &s, &d))
        fail_msg("%s", cw_diag_format(&d, line, sizeof(line)));
    assert_string_equal(cw_scope_organisation(s), "Quote \"Co\"");
    assert_int_equal(cw_scope_role(s), CW_ROLE_BOTH);
    assert_int_equal(cw_scope_models(s), t.models);
    assert_false(cw_scope_pii_processor(s));
    assert_int_equal(cw_scope_decision_count(s), 0);
    cw_scope_free(s);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loads_good_scope),
        cmocka_unit_test(loads_new_keys),
        cmocka_unit_test(scope_errors),
        cmocka_unit_test(decision_errors),
        cmocka_unit_test(store_dir),
        cmocka_unit_test(template_round_trip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
