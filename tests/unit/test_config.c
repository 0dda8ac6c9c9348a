/* test_config.c - the streaming Terraform loader: resources of the root
 * module and of nested child modules in document order, with their lines;
 * state files; refusals with positions, also for errors in the parts the
 * loader skips. And spanning a large value through its file with a thread
 * reading ahead, as the loader's first pass does. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_resources_in_order),
        cmocka_unit_test(state_file),
        cmocka_unit_test(refusals),
        cmocka_unit_test(span_reading_ahead),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
