/* test_oscal.c - the pieces under the OSCAL writers and the audit package:
 * name-based UUIDs (RFC 4122 version 5, the vector computed by Python's
 * uuid.uuid5), control ids made OSCAL tokens, the JSON emitter that
 * never writes an empty array (OSCAL refuses them), a document's UUID from
 * its content, and the package key's PEM form read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/oscal/oscal_internal.h"
#include "../../src/package/package_internal.h"

static void uuid_is_rfc4122_v5(void **state)
{
    char id[37], again[37];
    (void)state;

    /* python3: uuid.uuid5(UUID("3f9b6e52-1c7d-4a08-9e21-5dc4770ab36f"),
     *   "provided\0Nimbus Cloud\0iso27002:2022\0" "7.1\0") */
    cw__oscal_uuid4(id, "provided", "Nimbus Cloud", "iso27002:2022", "7.1");
    assert_string_equal(id, "4e13cab2-7ee4-54c2-921a-50cb7c49f0df");
    assert_int_equal(id[14], '5');
    assert_true(strchr("89ab", id[19]) != NULL);
    cw__oscal_uuid4(again, "provided", "Nimbus Cloud", "iso27002:2022",
                    "7.1");
    assert_string_equal(id, again);
    /* The parts are separated: ("ab", "c") is not ("a", "bc"). */
    cw__oscal_uuid4(id, "ab", "c", NULL, NULL);
    cw__oscal_uuid4(again, "a", "bc", NULL, NULL);
    assert_string_not_equal(id, again);
}

static void control_ids_are_tokens(void **state)
{
    char out[200];
    (void)state;

    assert_string_equal(cw__oscal_control_id("iso27002:2022", "5.1", out,
                                             sizeof(out)),
                        "iso27002-2022_5.1");
    assert_string_equal(cw__oscal_control_id("iso27017:2015", "CLD.6.3.1",
                                             out, sizeof(out)),
                        "iso27017-2015_CLD.6.3.1");
    /* Anything but letters, digits, '.', '-', '_' becomes '-'. */
    assert_string_equal(cw__oscal_control_id("my cat:1", "A/1 x", out,
                                             sizeof(out)),
                        "my-cat-1_A-1-x");
    cw_oscal_file_name(CW_OSCAL_CATALOG, "iso27018:2019", out, sizeof(out));
    assert_string_equal(out, "catalog-iso27018-2019.json");
    cw_oscal_file_name(CW_OSCAL_COMPONENT, NULL, out, sizeof(out));
    assert_string_equal(out, "component-definition.json");
    assert_string_equal(cw__oscal_system_slug("Acme Notes Ltd.", out,
                                              sizeof(out)),
                        "acme-notes-ltd-");
}

static void model_names(void **state)
{
    enum cw_oscal_model m;
    unsigned i;
    (void)state;

    for (i = 0; i < CW_OSCAL_MODEL_COUNT; i++) {
        assert_true(cw_oscal_model_parse(
            cw_oscal_model_name((enum cw_oscal_model)i), &m));
        assert_int_equal(m, i);
    }
    assert_true(cw_oscal_model_parse("component-definition", &m));
    assert_int_equal(m, CW_OSCAL_COMPONENT);
    assert_false(cw_oscal_model_parse("mapping", &m));
    assert_false(cw_oscal_model_parse(NULL, &m));
    assert_null(cw_oscal_model_name(CW_OSCAL_MODEL_COUNT));
}

static void emitter_drops_empty_arrays(void **state)
{
    struct cw__buf b;
    struct jw w;
    (void)state;

    cw__buf_init(&b, 1 << 16);
    jw_init(&w, &b);
    jw_obj(&w, NULL);
    jw_str(&w, "a", "x\"y");
    jw_arr(&w, "empty");          /* never filled: no trace */
    jw_arr(&w, "inner");
    jw_end(&w);
    jw_end(&w);
    jw_arr(&w, "list");
    jw_arr(&w, NULL);             /* a nested array filled late */
    jw_str(&w, NULL, "v");
    jw_end(&w);
    jw_end(&w);
    jw_str(&w, "skipped", NULL);  /* NULL and "" write nothing */
    jw_str(&w, "skipped2", "");
    jw_int(&w, "n", -3);
    jw_bool(&w, "t", true);
    jw_line(&w, "line", "  two\n  lines\t ");
    jw_end(&w);
    assert_int_equal(w.st, CW_OK);
    assert_string_equal(b.data, "{\n"
                                "  \"a\": \"x\\\"y\",\n"
                                "  \"list\": [\n"
                                "    [\n"
                                "      \"v\"\n"
                                "    ]\n"
                                "  ],\n"
                                "  \"n\": -3,\n"
                                "  \"t\": true,\n"
                                "  \"line\": \"two lines\"\n"
                                "}\n");
    cw__buf_release(&b);
}

static void emitter_caps_depth(void **state)
{
    struct cw__buf b;
    struct jw w;
    int i;
    (void)state;

    cw__buf_init(&b, 1 << 16);
    jw_init(&w, &b);
    jw_obj(&w, NULL);
    for (i = 0; i < 100; i++)
        jw_obj(&w, "k");
    assert_int_equal(w.st, CW_ELIMIT);
    cw__buf_release(&b);
}

static void document_uuid_follows_content(void **state)
{
    struct cw__buf a, b;
    const char *text = "{\"uuid\": \"" CW__OSCAL_PLACEHOLDER "\", \"x\": 1}";
    const char *other = "{\"uuid\": \"" CW__OSCAL_PLACEHOLDER "\", \"x\": 2}";
    (void)state;

    cw__buf_init(&a, 1 << 10);
    cw__buf_init(&b, 1 << 10);
    assert_int_equal(cw__buf_puts(&a, text), CW_OK);
    assert_int_equal(cw__buf_puts(&b, text), CW_OK);
    cw__oscal_seal(&a, 10);
    cw__oscal_seal(&b, 10);
    assert_string_equal(a.data, b.data);
    assert_null(strstr(a.data, CW__OSCAL_PLACEHOLDER));
    b.len = 0;
    assert_int_equal(cw__buf_puts(&b, other), CW_OK);
    cw__oscal_seal(&b, 10);
    assert_memory_not_equal(a.data + 10, b.data + 10, 36);
    cw__buf_release(&a);
    cw__buf_release(&b);
}

static void package_key_pem_round_trip(void **state)
{
    unsigned char pk[32], back[32];
    char pem[PKG_PEM_MAX];
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(pk); i++)
        pk[i] = (unsigned char)(i * 7 + 1);
    cw__package_pem(pk, pem, sizeof(pem));
    assert_non_null(strstr(pem, "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"));
    assert_true(cw__package_pem_key(pem, strlen(pem), back));
    assert_memory_equal(pk, back, sizeof(pk));
    /* An RSA key, a truncated one, text that is no PEM: refused. */
    {
        static const char rsa[] = "-----BEGIN PUBLIC KEY-----\nMCow\n"
                                  "-----END PUBLIC KEY-----\n";
        assert_false(cw__package_pem_key(rsa, strlen(rsa), back));
    }
    assert_false(cw__package_pem_key(pem, 30, back));
    assert_false(cw__package_pem_key("hello", 5, back));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uuid_is_rfc4122_v5),
        cmocka_unit_test(control_ids_are_tokens),
        cmocka_unit_test(model_names),
        cmocka_unit_test(emitter_drops_empty_arrays),
        cmocka_unit_test(emitter_caps_depth),
        cmocka_unit_test(document_uuid_follows_content),
        cmocka_unit_test(package_key_pem_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
