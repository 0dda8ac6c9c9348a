/* test_report.c - escaping in every text format, atomic writes, XLSX to
 * stdout refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <cloudward/cloudward.h>

#include "helpers.h"
#include "../../src/report/table.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    static char buf[1 << 16];
    size_t n;
    if (!f)
        return NULL;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static struct cw_control hostile(void)
{
    struct cw_control c;
    memset(&c, 0, sizeof(c));
    c.catalog = "test:1";
    c.id = "=HYPERLINK(\"http://x\")";
    c.title = "a, \"quoted\" <b>bold</b> | pipe\nnew line";
    c.summary = "tab\there \\ back";
    c.kind = CW_ENTRY_CONTROL;
    c.layer = CW_LAYER_DATA;
    return c;
}

static char *emit(const char *dir, enum cw_format fmt)
{
    struct cw_control c = hostile();
    const struct cw_control *v = &c;
    struct cw_diag d;
    char path[512];
    snprintf(path, sizeof(path), "%s/out", dir);
    assert_int_equal(cw_report_controls(&v, 1, fmt, path, &d), CW_OK);
    return slurp(path);
}

static void csv_escaping(void **state)
{
    const char *dir = tmp_dir();
    char *s;
    (void)state;
    s = emit(dir, CW_FORMAT_CSV);
    /* Formula defused, quotes doubled, embedded newline kept quoted. */
    assert_non_null(strstr(s, "\r\n\"'=HYPERLINK(\"\"http://x\"\")\","));
    assert_non_null(
        strstr(s, ",\"a, \"\"quoted\"\" <b>bold</b> | pipe\nnew line\","));
    rm_tree(dir);
}

static void json_escaping(void **state)
{
    const char *dir = tmp_dir();
    char *s;
    (void)state;
    s = emit(dir, CW_FORMAT_JSON);
    assert_non_null(strstr(s, "\"id\": \"=HYPERLINK(\\\"http://x\\\")\""));
    assert_non_null(strstr(s, "\"summary\": \"tab\\there \\\\ back\""));
    assert_non_null(strstr(s, "pipe\\nnew line"));
    assert_non_null(strstr(s, "\"provider\": null"));
    assert_non_null(strstr(s, "\"cloud\": false"));
    assert_int_equal(s[0], '[');
    rm_tree(dir);
}

static void html_and_markdown_escaping(void **state)
{
    const char *dir = tmp_dir();
    char *s;
    (void)state;
    s = emit(dir, CW_FORMAT_HTML);
    assert_non_null(strstr(s, "&lt;b&gt;bold&lt;/b&gt;"));
    assert_null(strstr(s, "<b>bold"));
    assert_non_null(strstr(s, "&quot;quoted&quot;"));
    s = emit(dir, CW_FORMAT_MARKDOWN);
    assert_non_null(strstr(s, "\\| pipe new line"));
    /* Markdown renderers pass raw HTML through: it is written as text. */
    assert_non_null(strstr(s, "&lt;b&gt;bold&lt;/b&gt;"));
    assert_null(strstr(s, "<b>bold"));
    rm_tree(dir);
}

static void xlsx_needs_a_file(void **state)
{
    struct cw_control c = hostile();
    const struct cw_control *v = &c;
    struct cw_diag d;
    (void)state;
    assert_int_equal(cw_report_controls(&v, 1, CW_FORMAT_XLSX, NULL, &d),
                     CW_EFORMAT);
}

static void failed_write_leaves_nothing(void **state)
{
    struct cw_control c = hostile();
    const struct cw_control *v = &c;
    struct cw_diag d;
    (void)state;
    assert_int_equal(cw_report_controls(&v, 1, CW_FORMAT_CSV,
                                        "/nonexistent-dir/out.csv", &d),
                     CW_EIO);
    assert_string_equal(d.file, "/nonexistent-dir/out.csv");
}

/* Config reasons in words: each phrasing the rules use, every JSONPath
 * shape, and text that only looks like one left alone. */
static void reasons_in_words(void **state)
{
    static const char *const cases[][2] = {
        { "no element of $.logging[*] (0) qualifies", "logging is not set" },
        { "no element of $.access_logs[*] (1) qualifies",
          "access_logs does not qualify" },
        { "no element of $.a[*].b[*] (3) qualifies",
          "none of the 3 a.b qualifies" },
        { "$.ingress[*] #8: 0.0.0.0/0 covers the block",
          "ingress[8]: 0.0.0.0/0 covers the block" },
        { "0 node(s) at $.exports[*]", "none found: exports" },
        { "2 node(s) at $..[?@.Effect == 'Allow' && !@.Condition]",
          "2 found: an element where Effect == 'Allow' && !Condition" },
        { "$.tags['team name'] is not set", "tags.team name is not set" },
        { "$ is '*'", "the value is '*'" },
        { "$.a[2].b is 'x'", "a[2].b is 'x'" },
        { "$..password is set", "password (at any depth) is set" },
        { "an element of $.policy could not be decided",
          "an entry of policy could not be decided" },
        { "$.encrypted is 'false' (not set; default); expected 'true'",
          "encrypted is 'false' (not set; default); expected 'true'" },
        /* not JSONPaths: a price, a shell variable, a word */
        { "costs $5; PATH=$HOME:$PATH", "costs $5; PATH=$HOME:$PATH" },
        { "no element of $.x[*] qualifies", "no element of x qualifies" },
        { "", "" },
    };
    char buf[256];
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = cw__reason_words(cases[i][0], buf, sizeof(buf));
        assert_string_equal(buf, cases[i][1]);
        assert_int_equal(n, strlen(cases[i][1]));
    }
    /* A small buffer is cut, never overrun. */
    assert_int_equal(cw__reason_words("no element of $.logging[*] (0) "
                                      "qualifies", buf, 8), 7);
    assert_string_equal(buf, "logging");
}

static void format_names(void **state)
{
    enum cw_format f;
    (void)state;
    assert_true(cw_format_parse("markdown", &f));
    assert_int_equal(f, CW_FORMAT_MARKDOWN);
    assert_true(cw_format_parse("xlsx", &f));
    assert_false(cw_format_parse("pdf", &f));
    assert_string_equal(cw_format_name(CW_FORMAT_JSON), "json");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_escaping),
        cmocka_unit_test(json_escaping),
        cmocka_unit_test(html_and_markdown_escaping),
        cmocka_unit_test(xlsx_needs_a_file),
        cmocka_unit_test(failed_write_leaves_nothing),
        cmocka_unit_test(format_names),
        cmocka_unit_test(reasons_in_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
