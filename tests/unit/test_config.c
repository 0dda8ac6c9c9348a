/* test_config.c - the streaming Terraform loader: resources of the root
 * module and of nested child modules in document order, with their lines;
 * state files; refusals with positions, also for errors in the parts the
 * loader skips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/config/config.h"

struct seen {
    char list[1024];
    unsigned lines[16];
    size_t n;
};

static bool take(void *arg, const struct cw__resource *r)
{
    struct seen *s = arg;
    size_t len = strlen(s->list);
    snprintf(s->list + len, sizeof(s->list) - len, "%s%s", len ? " " : "",
             r->address);
    if (s->n < 16)
        s->lines[s->n] = r->line;
    s->n++;
    assert_non_null(r->attrs);
    return true;
}

static enum cw_status load(const char *text, struct seen *s,
                           struct cw_diag *d)
{
    memset(s, 0, sizeof(*s));
    cw_diag_clear(d);
    return cw__tf_load("plan.json", text, strlen(text), take, s, d);
}

static const char plan[] =
    "{\"format_version\": \"1.2\",\n"
    " \"variables\": {\"x\": {\"value\": [1, {\"a\": \"\\u00e9\"}]}},\n"
    " \"planned_values\": {\"outputs\": {}, \"root_module\": {\n"
    "  \"resources\": [\n"
    "   {\"address\": \"aws_s3_bucket.a\", \"type\": \"aws_s3_bucket\",\n"
    "    \"values\": {\"bucket\": \"a\"}},\n"
    "   {\"address\": \"aws_vpc.v\", \"type\": \"aws_vpc\", \"values\": {}}],\n"
    "  \"child_modules\": [{\"address\": \"module.m\", \"resources\": [\n"
    "   {\"address\": \"module.m.aws_vpc.w\", \"type\": \"aws_vpc\",\n"
    "    \"values\": {\"cidr_block\": \"10.0.0.0/16\"}}],\n"
    "   \"child_modules\": [{\"resources\": [\n"
    "    {\"address\": \"module.m.module.n.aws_vpc.z\", \"type\": \"aws_vpc\","
    " \"values\": {}}]}]}]}},\n"
    " \"resource_changes\": []}\n";

static void plan_resources_in_order(void **state)
{
    struct seen s;
    struct cw_diag d;
    (void)state;
    assert_int_equal(load(plan, &s, &d), CW_OK);
    assert_string_equal(s.list, "aws_s3_bucket.a aws_vpc.v module.m.aws_vpc.w "
                                "module.m.module.n.aws_vpc.z");
    assert_int_equal(s.lines[0], 5);
    assert_int_equal(s.lines[2], 9);
    assert_int_equal(s.lines[3], 12);
}

static void state_file(void **state)
{
    struct seen s;
    struct cw_diag d;
    (void)state;
    assert_int_equal(load("{\"values\": {\"root_module\": {\"resources\": "
                          "[{\"address\": \"a.b\", \"type\": \"a\", "
                          "\"values\": {}}]}}}",
                          &s, &d),
                     CW_OK);
    assert_string_equal(s.list, "a.b");
}

static void refusals(void **state)
{
    struct seen s;
    struct cw_diag d;
    char line[400];
    (void)state;
    /* An error inside a part that is only skipped is still found. */
    assert_int_equal(load("{\"variables\": {\"x\": [1, 2,]},\n"
                          "\"planned_values\": {}}", &s, &d),
                     CW_EPARSE);
    assert_string_equal(cw_diag_format(&d, line, sizeof(line)),
                        "plan.json:1:27: expected a value");
    assert_int_equal(load("{\"resource_changes\": []}", &s, &d), CW_ESCHEMA);
    assert_int_equal(load("{\"values\": {}} x", &s, &d), CW_EPARSE);
    assert_int_equal(load("[]", &s, &d), CW_ESCHEMA);
    assert_int_equal(load("{\"values\": {\"root_module\": {\"resources\": "
                          "[{\"address\": \"a.b\"}]}}}", &s, &d),
                     CW_ESCHEMA);
    assert_int_equal(load("{\"values\": {\"root_module\": {\"resources\": "
                          "[{\"type\": \"a\", \"address\": \"a.b\", "
                          "\"values\": {\"s\": \"\\x\"}}]}}}",
                          &s, &d),
                     CW_EPARSE);
    assert_int_equal(load("{\"values\": {\"root_module\": {\"resources\": ["
                          , &s, &d), CW_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_resources_in_order),
        cmocka_unit_test(state_file),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
