/* test_config.c - the streaming Terraform loader: resources of the root
 * module and of nested child modules in document order, with their lines;
 * state files; refusals with positions, also for errors in the parts the
 * loader skips. And spanning a large value through its file with a thread
 * reading ahead, as the loader's first pass does; and the region a
 * resource's attributes say it is in. */
#define _GNU_SOURCE /* memfd_create */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* The span of `text`'s value, in memory and through `fd` with windows of
 * `window` bytes read ahead: the same span, and the cursors after it at
 * the same place and line. */
static void span_alike(const char *text, size_t len, int fd, size_t window)
{
    struct cw__jcur *a, *b;
    struct cw__jspan sa, sb;
    struct cw_diag d;

    assert_int_equal(cw__jcur_new("t", text, len, &a, &d), CW_OK);
    assert_int_equal(cw__jcur_new("t", text, len, &b, &d), CW_OK);
    assert_int_equal(cw__jcur_span(a, &sa), CW_OK);
    assert_int_equal(cw__jcur_span_file(b, fd, window, &sb), CW_OK);
    assert_ptr_equal(sa.p, sb.p);
    assert_int_equal(sa.len, sb.len);
    assert_int_equal(sa.line, sb.line);
    assert_int_equal(sa.col, sb.col);
    assert_ptr_equal(cw__jcur_pos(a), cw__jcur_pos(b));
    assert_int_equal(cw__jcur_line(a), cw__jcur_line(b));
    cw__jcur_free(a);
    cw__jcur_free(b);
}

static void span_reading_ahead(void **state)
{
    size_t cap = (size_t)1 << 20, len = 0, i, saved = cw__span_ahead_min;
    char *text = malloc(cap);
    int fd;

    (void)state;
    assert_non_null(text);
    /* An array of objects with brackets, quotes and backslashes inside
     * strings, and newlines between, then more after the value. */
    len += (size_t)snprintf(text + len, cap - len, "[");
    for (i = 0; i < 3000; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "%s{\"k%zu\": \"a]}\\\\\\\"[{\", \"n\": [%zu, {}]}%s",
                                i ? "," : "", i, i, i % 7 ? "" : "\n");
    len += (size_t)snprintf(text + len, cap - len, "]\n  , 1");
    fd = memfd_create("span", 0);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    cw__span_ahead_min = 0;
    span_alike(text, len, fd, 4096);
    span_alike(text, len, fd, 64 * 1024);
    /* Cut short: the value runs to the end of the text. */
    span_alike(text, len / 2, fd, 4096);
    /* A read error part way: the rest is read through memory. */
    assert_int_equal(ftruncate(fd, (off_t)(len / 3)), 0);
    span_alike(text, len, fd, 4096);
    cw__span_ahead_min = saved;
    close(fd);
    free(text);
}

/* cw__region_of on attributes written as JSON; NULL: none found. */
static void region_is(const char *json, const char *want)
{
    struct cw__arena a;
    struct cw__node *n = NULL;
    struct cw_diag d;
    char buf[64];
    const char *got;

    cw__arena_init(&a, 0);
    assert_int_equal(cw__json_parse(&a, "t", json, strlen(json), NULL, &n, &d),
                     CW_OK);
    got = cw__region_of(n, buf, sizeof(buf));
    if (!want)
        assert_null(got);
    else
        assert_string_equal(got, want);
    cw__arena_release(&a);
}

static void regions(void **state)
{
    (void)state;
    /* The names in their order of precedence, whatever their order in
     * the attributes; the first member of a name counts. */
    region_is("{\"availability_zone\": \"us-west-2b\", \"region\": \"EU-West-1\"}",
              "eu-west-1");
    region_is("{\"location\": \"westeurope\", \"HomeRegion\": \"eu-north-1\"}",
              "eu-north-1");
    region_is("{\"region\": 3, \"zone\": \"europe-west1-b\"}", "europe-west1");
    /* A name given twice never reaches the rule: the parser refuses it. */
    {
        struct cw__arena a;
        struct cw__node *n = NULL;
        struct cw_diag d;
        const char *twice = "{\"region\": \"eu-west-3\", \"region\": \"us-east-2\"}";
        cw__arena_init(&a, 0);
        assert_int_equal(cw__json_parse(&a, "t", twice, strlen(twice), NULL,
                                        &n, &d),
                         CW_EPARSE);
        assert_non_null(strstr(d.msg, "duplicate member name \"region\""));
        cw__arena_release(&a);
    }
    region_is("{\"Location\": \"uksouth\", \"BucketRegion\": \"eu-south-1\"}",
              "eu-south-1");
    region_is("{\"Location\": \"uksouth\", \"Region\": \"sa-east-1\"}", "sa-east-1");
    region_is("{\"Location\": \"uksouth\"}", "uksouth");
    region_is("{\"region\": \"https://x/projects/p/regions/us-central1\"}",
              "us-central1");
    /* S3: an empty (or null) LocationConstraint is us-east-1; it beats a
     * zone. */
    region_is("{\"LocationConstraint\": \"\", \"zone\": \"eu-west-1a\"}", "us-east-1");
    region_is("{\"LocationConstraint\": null}", "us-east-1");
    region_is("{\"LocationConstraint\": \"eu-west-2\"}", "eu-west-2");
    /* Zones trimmed to their region; EC2's Placement. */
    region_is("{\"AvailabilityZone\": \"us-west-2-lax-1a\"}", "us-west-2-lax-1");
    region_is("{\"Placement\": {\"AvailabilityZone\": \"ap-south-1b\"}}", "ap-south-1");
    /* Else an ARN's region field, from any attribute named ...arn. */
    region_is("{\"RoleArn\": \"arn:aws:iam::1:role/x\", "
              "\"kms_key_arn\": \"arn:aws:kms:eu-central-1:1:key/k\"}",
              "eu-central-1");
    region_is("{\"bucket\": \"b\", \"acl\": \"private\"}", NULL);
    region_is("[1]", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_resources_in_order),
        cmocka_unit_test(state_file),
        cmocka_unit_test(refusals),
        cmocka_unit_test(span_reading_ahead),
        cmocka_unit_test(regions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
