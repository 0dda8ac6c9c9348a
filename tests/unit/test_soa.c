/* test_soa.c - the applicability engine: defaults from role x model x PII
 * x upstream providers, decisions overriding them, expiry flags, and the
 * `why` of every line. */
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

struct fixture {
    const char *dir;
    struct cw_scope *scope;
    struct cw_soa *soa;
};

static void build(struct fixture *f, const char *scope, const char *decisions,
                  const char *matrix, int model)
{
    struct cw_soa_options opt = { "2026-11-22", model, NULL };
    char path[512], line[1200];
    struct cw_diag d;

    f->dir = tmp_dir();
    put_file(f->dir, "cloudward.yaml", scope);
    if (decisions)
        put_file(f->dir, "decisions/d.yaml", decisions);
    if (matrix)
        put_file(f->dir, "matrix.json", matrix);
    snprintf(path, sizeof(path), "%s/cloudward.yaml", f->dir);
    if (cw_scope_load(cats, path, &f->scope, &d) ||
        cw_soa_build(cats, f->scope, &opt, &f->soa, &d))
        fail_msg("%s", cw_diag_format(&d, line, sizeof(line)));
}

static void release(struct fixture *f)
{
    cw_soa_free(f->soa);
    cw_scope_free(f->scope);
    rm_tree(f->dir);
}

static const struct cw_soa_line *line_of(const struct fixture *f,
                                         const char *catalog, const char *id)
{
    size_t i;
    for (i = 0; i < cw_soa_count(f->soa); i++) {
        const struct cw_soa_line *l = cw_soa_line_at(f->soa, i);
        if (!strcmp(l->control->catalog, catalog) && !strcmp(l->control->id, id))
            return l;
    }
    fail_msg("no line for %s %s", catalog, id);
    return NULL;
}

static bool starts(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char saas_on_iaas[] =
    "organisation: SaaS Co\nrole: provider\nservice_models: [saas]\n"
    "pii_processor: false\n"
    "providers:\n  - name: Big IaaS\n    service_model: iaas\n"
    "    certificate: CERT-9\n    expires: 2027-01-31\n";

static void saas_provider_on_iaas(void **state)
{
    struct fixture f;
    const struct cw_soa_line *l;
    const struct cw_soa_summary *s;
    (void)state;
    build(&f, saas_on_iaas, NULL, NULL, -1);
    /* 114 + 7: 27018 is not in force for a non-processor. */
    assert_int_equal(cw_soa_count(f.soa), 121);

    l = line_of(&f, "iso27002:2013", "11.1.1"); /* physical: inherited */
    assert_true(l->applicable);
    assert_string_equal(l->status, "inherited");
    assert_non_null(l->inherited_from);
    assert_string_equal(l->inherited_from->name, "Big IaaS");
    assert_true(starts(l->why, "rule inherit-physical: Big IaaS runs"));
    assert_false(l->certificate_expired);
    assert_non_null(strstr(l->justification, "CERT-9"));

    l = line_of(&f, "iso27017:2015", "CLD.9.5.2"); /* VM hardening: own */
    assert_true(l->applicable);
    assert_null(l->inherited_from);
    assert_string_equal(l->status, "not-assessed");
    assert_int_equal(l->responsibility, CW_RESP_PROVIDER);
    assert_true(starts(l->why, "rule own-platform"));

    l = line_of(&f, "iso27017:2015", "CLD.9.5.1"); /* isolation: inherited */
    assert_string_equal(l->status, "inherited");

    l = line_of(&f, "iso27002:2013", "13.1.1"); /* network: shared in iaas */
    assert_true(starts(l->why, "rule share-network"));
    assert_string_equal(l->status, "not-assessed");
    assert_non_null(l->inherited_from);

    l = line_of(&f, "iso27002:2013", "14.2.1"); /* application: own */
    assert_int_equal(l->responsibility, CW_RESP_PROVIDER);
    assert_null(l->inherited_from);

    s = cw_soa_get_summary(f.soa);
    assert_int_equal(s->total, 121);
    assert_int_equal(s->not_applicable, 0);
    assert_true(s->inherited > 10);
    release(&f);
}

static void pii_rules(void **state)
{
    struct fixture f;
    const struct cw_soa_line *l;
    (void)state;
    build(&f,
          "organisation: P\nrole: provider\nservice_models: [paas]\n"
          "pii_processor: false\ncatalogs: [iso27018:2019]\n",
          NULL, NULL, -1);
    l = line_of(&f, "iso27018:2019", "A.11.6");
    assert_false(l->applicable);
    assert_true(starts(l->why, "rule pii-none"));
    release(&f);
    build(&f,
          "organisation: P\nrole: provider\nservice_models: [paas]\n"
          "pii_processor: true\n",
          NULL, NULL, -1);
    l = line_of(&f, "iso27018:2019", "A.11.6");
    assert_true(l->applicable);
    assert_int_equal(l->responsibility, CW_RESP_PROVIDER);
    /* 27018 guidance on a 27002 control reaches its line. */
    assert_non_null(line_of(&f, "iso27002:2013", "10.1.1")->pii_guidance);
    release(&f);
}

static void decisions_override(void **state)
{
    struct fixture f;
    const struct cw_soa_line *l;
    (void)state;
    build(&f, saas_on_iaas,
          "decisions:\n"
          "  - control: \"11.1.1\"\n"
          "    applicable: false\n"
          "    justification: No premises of our own.\n"
          "    source: risk\n"
          "  - control: CLD.9.5.2\n"
          "    applicable: true\n"
          "    status: implemented\n"
          "    owner: platform\n"
          "    responsibility: shared\n",
          NULL, -1);
    l = line_of(&f, "iso27002:2013", "11.1.1");
    assert_false(l->applicable);
    assert_null(l->inherited_from);
    assert_string_equal(l->status, "not-assessed");
    assert_string_equal(l->source, "risk");
    assert_non_null(strstr(l->why, "/decisions/d.yaml:2"));
    assert_true(starts(l->why, "decision "));
    l = line_of(&f, "iso27017:2015", "CLD.9.5.2");
    assert_string_equal(l->status, "implemented");
    assert_string_equal(l->owner, "platform");
    assert_int_equal(l->responsibility, CW_RESP_SHARED);
    assert_non_null(strstr(l->why, "/decisions/d.yaml:6"));
    assert_int_equal(cw_soa_get_summary(f.soa)->decided, 2);
    release(&f);
}

static void customer_inherits_and_expiry(void **state)
{
    struct fixture f;
    const struct cw_soa_line *l;
    const struct cw_soa_summary *s;
    (void)state;
    build(&f,
          "organisation: C\nrole: customer\nservice_models: [saas]\n"
          "pii_processor: false\n"
          "providers:\n  - name: Notes SaaS\n    service_model: saas\n"
          "    certificate: OLD\n    expires: 2026-06-30\n"
          "    matrix: matrix.json\n",
          NULL,
          "{\"controls\": [\n"
          " {\"catalog\": \"iso27002:2013\", \"id\": \"9.2.1\",\n"
          "  \"responsibility\": \"provider\"},\n"
          " {\"catalog\": \"iso27002:2013\", \"id\": \"14.2.1\",\n"
          "  \"responsibility\": \"customer\"},\n"
          " {\"catalog\": \"iso27018:2019\", \"id\": \"A.11.6\",\n"
          "  \"responsibility\": \"provider\"}\n]}\n",
          -1);
    /* From the published matrix, overriding the layer rule (shared). */
    l = line_of(&f, "iso27002:2013", "9.2.1");
    assert_string_equal(l->status, "inherited");
    assert_int_equal(l->responsibility, CW_RESP_PROVIDER);
    assert_true(l->certificate_expired);
    assert_non_null(strstr(l->why, "its published matrix"));
    l = line_of(&f, "iso27002:2013", "14.2.1");
    assert_null(l->inherited_from);
    assert_int_equal(l->responsibility, CW_RESP_CUSTOMER);
    /* Not in the matrix: the layer rule for SaaS says provider. */
    l = line_of(&f, "iso27002:2013", "12.6.1");
    assert_string_equal(l->status, "inherited");
    assert_true(l->certificate_expired);
    assert_non_null(strstr(l->why, "layer rule"));
    s = cw_soa_get_summary(f.soa);
    assert_true(s->expired > 10);
    assert_int_equal(s->expired, s->inherited);
    release(&f);
}

static void matrix_model(void **state)
{
    struct fixture f;
    (void)state;
    build(&f,
          "organisation: M\nrole: provider\nservice_models: [iaas, saas]\n"
          "pii_processor: false\n",
          NULL, NULL, CW_MODEL_IAAS);
    assert_int_equal(line_of(&f, "iso27017:2015", "CLD.9.5.2")->responsibility,
                     CW_RESP_CUSTOMER);
    assert_int_equal(line_of(&f, "iso27002:2013", "11.1.1")->responsibility,
                     CW_RESP_PROVIDER);
    release(&f);
    build(&f,
          "organisation: M\nrole: provider\nservice_models: [iaas, saas]\n"
          "pii_processor: false\n",
          NULL, NULL, -1);
    /* Over both models the platform layer is carried by each side once. */
    assert_int_equal(line_of(&f, "iso27017:2015", "CLD.9.5.2")->responsibility,
                     CW_RESP_SHARED);
    release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(saas_provider_on_iaas),
        cmocka_unit_test(pii_rules),
        cmocka_unit_test(decisions_override),
        cmocka_unit_test(customer_inherits_and_expiry),
        cmocka_unit_test(matrix_model),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
