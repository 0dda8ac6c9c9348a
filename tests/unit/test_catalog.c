/* test_catalog.c - the embedded catalogs: counts, uniqueness, links,
 * crosswalk round trips, a new edition added as data, loader errors. */
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
    char line[1200];
    (void)state;
    if (cw_catalogs_new(NULL, &cats, &d)) {
        fprintf(stderr, "%s\n", cw_diag_format(&d, line, sizeof(line)));
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cw_catalogs_free(cats);
    return 0;
}

static size_t count_groups(const struct cw_catalog *c, const char *kind)
{
    size_t i, n = 0;
    for (i = 0; i < c->ngroups; i++)
        n += strcmp(c->groups[i].kind, kind) == 0;
    return n;
}

static void counts(void **state)
{
    const struct cw_catalog *c;
    size_t i, cloud = 0, csp = 0, csc = 0;
    (void)state;

    c = cw_catalogs_find(cats, "iso27002:2013");
    assert_non_null(c);
    assert_int_equal(c->ncontrols, 114);
    assert_int_equal(count_groups(c, "clause"), 14);
    assert_int_equal(count_groups(c, "objective"), 35);

    c = cw_catalogs_find(cats, "iso27017:2015");
    assert_non_null(c);
    assert_int_equal(c->ncontrols, 7);
    assert_int_equal(c->nguidance, 37);
    assert_string_equal(c->base, "iso27002:2013");
    for (i = 0; i < c->ncontrols; i++) {
        assert_non_null(c->controls[i].provider);
        assert_non_null(c->controls[i].customer);
        assert_int_equal(strncmp(c->controls[i].id, "CLD.", 4), 0);
    }
    for (i = 0; i < c->nguidance; i++) {
        csp += c->guidance[i].provider != NULL;
        csc += c->guidance[i].customer != NULL;
    }
    /* The reference list: 4 rows without CSP guidance, 3 without CSC. */
    assert_int_equal(csp, 33);
    assert_int_equal(csc, 34);

    c = cw_catalogs_find(cats, "iso27018:2019");
    assert_non_null(c);
    assert_int_equal(c->ncontrols, 25);
    assert_int_equal(c->nguidance, 14);
    for (i = 0; i < c->ncontrols; i++) {
        assert_int_equal(c->controls[i].layer, CW_LAYER_PII);
        assert_non_null(c->controls[i].former_id);
    }

    c = cw_catalogs_find(cats, "iso27002:2022");
    assert_non_null(c);
    assert_int_equal(c->ncontrols, 93);
    assert_int_equal(count_groups(c, "theme"), 4);
    for (i = 0; i < c->ncontrols; i++)
        assert_non_null(c->controls[i].attributes[0]);

    c = cw_catalogs_find(cats, "iso27002:2013");
    for (i = 0; i < c->ncontrols; i++)
        cloud += c->controls[i].cloud;
    assert_int_equal(cloud, 37);
}

static void ids_unique_and_linked(void **state)
{
    size_t k, i, j;
    (void)state;
    for (k = 0; k < cw_catalogs_count(cats); k++) {
        const struct cw_catalog *c = cw_catalogs_at(cats, k);
        for (i = 0; i < c->ncontrols; i++) {
            const struct cw_control *x = &c->controls[i];
            assert_non_null(x->clause);
            assert_true(strlen(x->summary) > 20);
            for (j = i + 1; j < c->ncontrols; j++)
                assert_string_not_equal(x->id, c->controls[j].id);
        }
        for (i = 0; i < c->nguidance; i++) {
            assert_non_null(c->guidance[i].base_control);
            assert_ptr_equal(c->guidance[i].title,
                             c->guidance[i].base_control->title);
        }
    }
}

static void crosswalk_round_trip(void **state)
{
    const struct cw_catalog *from = cw_catalogs_find(cats, "iso27002:2013");
    const struct cw_catalog *to = cw_catalogs_find(cats, "iso27002:2022");
    const struct cw_crosswalk *x = NULL;
    const char *out[8], *back[16];
    size_t i, j, k, n, m, newcount = 0;
    (void)state;

    for (i = 0; i < cw_catalogs_crosswalk_count(cats); i++) {
        const struct cw_crosswalk *c = cw_catalogs_crosswalk_at(cats, i);
        if (!strcmp(c->from, from->name) && !strcmp(c->to, to->name))
            x = c;
    }
    assert_non_null(x);
    for (i = 0; i < from->ncontrols; i++) {
        const char *id = from->controls[i].id;
        n = cw_crosswalk_map(x, id, false, out, 8);
        assert_true(n >= 1);
        for (j = 0; j < n; j++) {
            bool found = false;
            m = cw_crosswalk_map(x, out[j], true, back, 16);
            for (k = 0; k < m; k++)
                found |= strcmp(back[k], id) == 0;
            assert_true(found);
        }
    }
    for (i = 0; i < to->ncontrols; i++)
        if (!cw_crosswalk_map(x, to->controls[i].id, true, back, 16))
            newcount++;
    assert_int_equal(newcount, 11);
    assert_int_equal(x->nadded, 11);
    /* Spot checks from the reference list. */
    n = cw_crosswalk_map(x, "18.2.3", false, out, 8);
    assert_int_equal(n, 2);
    n = cw_crosswalk_map(x, "13.2.1", false, out, 8);
    assert_int_equal(n, 1);
    assert_string_equal(out[0], "5.14");
}

static void resolve(void **state)
{
    const char *names[] = { "iso27002:2013", "iso27017:2015",
                            "iso27018:2019" };
    const char *both[] = { "iso27002:2013", "iso27002:2022" };
    const struct cw_control *c;
    struct cw_diag d;
    (void)state;
    assert_int_equal(cw_catalogs_resolve(cats, "CLD.9.5.2", names, 3, &c, &d),
                     CW_OK);
    assert_string_equal(c->title, "Virtual machine hardening");
    assert_int_equal(
        cw_catalogs_resolve(cats, "iso27002:2022 8.9", names, 3, &c, &d),
        CW_OK);
    assert_int_equal(cw_catalogs_resolve(cats, "99.9", names, 3, &c, &d),
                     CW_ENOENT);
    assert_int_equal(cw_catalogs_resolve(cats, "A.11.6", names, 1, &c, &d),
                     CW_ENOENT);
    /* "5.1" is an objective in 2013 and a control in 2022: not ambiguous. */
    assert_int_equal(cw_catalogs_resolve(cats, "5.1", both, 2, &c, &d), CW_OK);
    assert_string_equal(c->catalog, "iso27002:2022");
}

static const char new_edition[] =
    "catalog: iso27017:2099\n"
    "title: Test edition (fixture, not real)\n"
    "base: iso27002:2022\n"
    "replaces: iso27017:2015\n"
    "groups:\n"
    "  - {id: \"X\", kind: clause, title: Cloud}\n"
    "controls:\n"
    "  - id: \"X.1\"\n"
    "    title: Shared roles\n"
    "    group: \"X\"\n"
    "    layer: organisation\n"
    "    summary: A fixture control used to prove editions are data only.\n"
    "    provider: Publish who does what.\n"
    "    customer: Read who does what.\n"
    "guidance:\n"
    "  - {control: \"5.23\", provider: Explain the service., customer: Choose "
    "well.}\n";

static const char new_crosswalk[] =
    "crosswalk:\n"
    "  from: iso27017:2015\n"
    "  to: iso27017:2099\n"
    "  map:\n"
    "    - [CLD.6.3.1, X.1]\n"
    "  removed: [CLD.8.1.5, CLD.9.5.1, CLD.9.5.2, CLD.12.1.5, CLD.12.4.5,\n"
    "            CLD.13.1.4]\n";

static void new_edition_is_data_only(void **state)
{
    const char *dir = tmp_dir();
    const char *dirs[] = { dir, NULL };
    struct cw_catalogs *c2 = NULL;
    const struct cw_catalog *cat;
    struct cw_diag d;
    char line[1200];
    (void)state;

    put_file(dir, "iso27017-2099.yaml", new_edition);
    /* Without its crosswalk the edition is refused, and says why. */
    assert_int_equal(cw_catalogs_new(dirs, &c2, &d), CW_ENOENT);
    assert_null(c2);
    assert_non_null(strstr(d.msg, "no crosswalk iso27017:2015 -> "
                                  "iso27017:2099"));
    put_file(dir, "crosswalk-27017-2015--2099.yaml", new_crosswalk);
    if (cw_catalogs_new(dirs, &c2, &d))
        fail_msg("%s", cw_diag_format(&d, line, sizeof(line)));
    cat = cw_catalogs_find(c2, "iso27017:2099");
    assert_non_null(cat);
    assert_int_equal(cat->ncontrols, 1);
    assert_string_equal(cat->guidance[0].title,
                        "Information security for use of cloud services");
    assert_true(cw_catalog_control(cw_catalogs_find(c2, "iso27002:2022"),
                                   "5.23")->cloud);
    cw_catalogs_free(c2);
    rm_tree(dir);
}

static void loader_errors(void **state)
{
    const char *dir = tmp_dir();
    const char *dirs[] = { dir, NULL };
    struct cw_catalogs *c2 = NULL;
    struct cw_diag d;
    char line[1200], want[600];
    (void)state;

    put_file(dir, "bad.yaml",
             "catalog: test:1\ntitle: T\ncontrols:\n  - id: \"1\"\n"
             "    title: One\n    group: \"9\"\n    layer: roof\n"
             "    summary: s\n");
    assert_int_equal(cw_catalogs_new(dirs, &c2, &d), CW_ESCHEMA);
    snprintf(want, sizeof(want),
             "%s/bad.yaml:7:12: unknown layer 'roof'; expected one of: "
             "organisation, endpoint, physical, network, virtualization, "
             "platform, application, identity, data, pii",
             dir);
    assert_string_equal(cw_diag_format(&d, line, sizeof(line)), want);
    put_file(dir, "bad.yaml",
             "catalog: iso27002:2013\ntitle: T\ncontrols: []\n");
    assert_int_equal(cw_catalogs_new(dirs, &c2, &d), CW_EEXIST);
    assert_int_equal(d.line, 1);
    assert_int_equal(d.col, 10);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts),
        cmocka_unit_test(ids_unique_and_linked),
        cmocka_unit_test(crosswalk_round_trip),
        cmocka_unit_test(resolve),
        cmocka_unit_test(new_edition_is_data_only),
        cmocka_unit_test(loader_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
