/* test_fields.c - a request's named values (cw_fields.h): flat JSON
 * objects and forms read alike; nesting, a name given twice, bad escapes,
 * NUL and control characters, invalid UTF-8, bad names and too many
 * fields are refused; cw_json_quote escapes what JSON and HTML need. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cloudward/cloudward.h>

/* Parses a NUL-terminated JSON body; *f is NULL unless CW_OK. */
static enum cw_status json(const char *s, struct cw_fields **f,
                           struct cw_diag *d)
{
    cw_diag_clear(d);
    return cw_fields_json(s, strlen(s), f, d);
}

static enum cw_status form(const char *s, struct cw_fields **f,
                           struct cw_diag *d)
{
    cw_diag_clear(d);
    return cw_fields_form(s, strlen(s), f, d);
}

static char sentinel; /* a result pointer that is not NULL */

/* The status of parsing `s` as JSON (or a form), the result freed; on an
 * error the result pointer must be NULL. */
static enum cw_status json_st(const char *s)
{
    struct cw_fields *f = (struct cw_fields *)(void *)&sentinel;
    struct cw_diag d;
    enum cw_status st = json(s, &f, &d);
    if (st)
        assert_null(f);
    cw_fields_free(f);
    return st;
}

static enum cw_status form_st(const char *s)
{
    struct cw_fields *f = (struct cw_fields *)(void *)&sentinel;
    struct cw_diag d;
    enum cw_status st = form(s, &f, &d);
    if (st)
        assert_null(f);
    cw_fields_free(f);
    return st;
}

static void test_json_flat(void **state)
{
    struct cw_fields *f;
    struct cw_diag d;
    (void)state;

    assert_int_equal(json("{\"title\": \"SOA \\\"v2\\\"\", \"n\": 42, "
                          "\"x\": -1.5e3, \"on\": true, \"off\": false, "
                          "\"gone\": null, \"A_b.c-9\": \"\\u00e9\\t\"}",
                          &f, &d),
                     CW_OK);
    assert_non_null(f);
    assert_int_equal(cw_fields_count(f), 6);
    assert_string_equal(cw_fields_get(f, "title"), "SOA \"v2\"");
    assert_string_equal(cw_fields_get(f, "n"), "42");
    assert_string_equal(cw_fields_get(f, "x"), "-1.5e3");
    assert_string_equal(cw_fields_get(f, "on"), "true");
    assert_string_equal(cw_fields_get(f, "off"), "false");
    assert_string_equal(cw_fields_get(f, "A_b.c-9"), "\xc3\xa9\t");
    /* null is absent; so is a name never given; names are exact. */
    assert_null(cw_fields_get(f, "gone"));
    assert_null(cw_fields_get(f, "missing"));
    assert_null(cw_fields_get(f, "Title"));
    assert_null(cw_fields_get(f, "titl"));
    cw_fields_free(f);

    assert_int_equal(json("{}", &f, &d), CW_OK);
    assert_int_equal(cw_fields_count(f), 0);
    assert_null(cw_fields_get(f, "a"));
    cw_fields_free(f);

    /* An empty string is a value, unlike null. */
    assert_int_equal(json("{\"a\": \"\"}", &f, &d), CW_OK);
    assert_int_equal(cw_fields_count(f), 1);
    assert_string_equal(cw_fields_get(f, "a"), "");
    cw_fields_free(f);

    cw_fields_free(NULL);
    assert_int_equal(cw_fields_count(NULL), 0);
    assert_null(cw_fields_get(NULL, "a"));
}

static void test_json_refused(void **state)
{
    struct cw_fields *f;
    struct cw_diag d;
    enum cw_status st;
    (void)state;

    /* Nested values, with the position of the first. */
    assert_int_equal(json("{\n \"a\": 1,\n \"b\": [1]\n}", &f, &d),
                     CW_EPARSE);
    assert_null(f);
    assert_int_equal(d.line, 3);
    assert_int_equal(d.col, 7);
    assert_int_equal(json_st("{\"a\": {}}"), CW_EPARSE);
    assert_int_equal(json_st("{\"a\": {\"b\": \"c\"}}"), CW_EPARSE);
    assert_int_equal(json_st("{\"a\": []}"), CW_EPARSE);
    /* Deeper than the parser's cap: refused by the cap (CW_ELIMIT) before
     * the flatness check can say CW_EPARSE; either is a refusal. */
    st = json_st("{\"a\": [[[[[[[[1]]]]]]]]}");
    assert_true(st == CW_EPARSE || st == CW_ELIMIT);
    /* Not JSON; cut short; trailing data. */
    assert_int_equal(json_st(""), CW_EPARSE);
    assert_int_equal(json_st("{\"a\": 1"), CW_EPARSE);
    assert_int_equal(json_st("{\"a\": 1} {}"), CW_EPARSE);
    assert_int_equal(json_st("a=1"), CW_EPARSE);
    /* A name given twice. */
    assert_int_equal(json("{\"a\": \"1\", \"b\": 2, \"a\": \"1\"}", &f, &d),
                     CW_EPARSE);
    assert_null(f);
    assert_int_equal(d.line, 1);
    assert_int_equal(d.col, 20); /* the second "a" */
    assert_int_equal(json_st("{\"a\": 1, \"a\": 2}"), CW_EPARSE);
    /* Also when one copy is null: a reader taking the last would see the
     * name absent, one taking the first would not. */
    assert_int_equal(json_st("{\"a\": \"1\", \"a\": null}"), CW_EPARSE);
    assert_int_equal(json_st("{\"a\": null, \"a\": \"1\"}"), CW_EPARSE);
    /* NUL and control characters; tab, CR and LF are text. */
    assert_int_equal(json_st("{\"a\": \"x\\u0000y\"}"), CW_EPARSE);
    assert_int_equal(json_st("{\"a\\u0000b\": \"x\"}"), CW_EPARSE);
    assert_int_equal(json_st("{\"a\": \"\\u0001\"}"), CW_EPARSE);
    assert_int_equal(json_st("{\"a\": \"\\u001f\"}"), CW_EPARSE);
    assert_int_equal(json_st("{\"a\": \"\\u007f\"}"), CW_EPARSE);
    assert_int_equal(json_st("{\"a\": \"\\t\\r\\n\"}"), CW_OK);
    /* Invalid UTF-8, raw or as a lone surrogate. */
    assert_int_equal(json_st("{\"a\": \"\xff\"}"), CW_EPARSE);
    assert_int_equal(json_st("{\"a\": \"\xc3\"}"), CW_EPARSE);
    assert_int_equal(json_st("{\"a\": \"\xc0\xaf\"}"), CW_EPARSE);
    assert_int_equal(json_st("{\"a\": \"\\ud800\"}"), CW_EPARSE);
    /* Names: 1 to 64 of [A-Za-z0-9_.-]. */
    assert_int_equal(json_st("{\"\": \"x\"}"), CW_EPARSE);
    assert_int_equal(json_st("{\"a b\": \"x\"}"), CW_EPARSE);
    assert_int_equal(json_st("{\"a/b\": \"x\"}"), CW_EPARSE);
    assert_int_equal(json_st("{\"a=b\": \"x\"}"), CW_EPARSE);
    assert_int_equal(json_st("{\"\\u00e9\": \"x\"}"), CW_EPARSE);
    assert_int_equal(
        json_st("{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                "a\": 1}"),
        CW_OK); /* 64 */
    assert_int_equal(
        json_st("{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                "aa\": 1}"),
        CW_EPARSE); /* 65 */
}

/* Valid JSON that is not an object. Under the sanitizers this fails: the
 * refusal reads the root's position from the parse tree after releasing
 * the arena that holds it (src/parse/fields.c, cw_fields_json: a
 * heap-use-after-free). Last, as ASan ends the run. */
static void test_json_not_object(void **state)
{
    struct cw_fields *f;
    struct cw_diag d;
    (void)state;

    assert_int_equal(json("\n  [1]", &f, &d), CW_EPARSE);
    assert_null(f);
    assert_int_equal(d.line, 2);
    assert_int_equal(d.col, 3);
    assert_non_null(strstr(d.msg, "object"));
    assert_int_equal(json_st("[]"), CW_EPARSE);
    assert_int_equal(json_st("\"a\""), CW_EPARSE);
    assert_int_equal(json_st("1"), CW_EPARSE);
    assert_int_equal(json_st("true"), CW_EPARSE);
    assert_int_equal(json_st("null"), CW_EPARSE);
}

/* A body of n fields f0..f(n-1), as JSON or a form. */
static char *many(size_t n, bool as_json)
{
    char *s = malloc(n * 24 + 8);
    size_t i, at = 0;
    assert_non_null(s);
    if (as_json)
        s[at++] = '{';
    for (i = 0; i < n; i++)
        at += (size_t)snprintf(s + at, 24, as_json ? "%s\"f%zu\":%zu"
                                                   : "%sf%zu=%zu",
                               i ? (as_json ? "," : "&") : "", i, i);
    if (as_json)
        s[at++] = '}';
    s[at] = '\0';
    return s;
}

static void test_limits(void **state)
{
    struct cw_fields *f;
    struct cw_diag d;
    char *s, *big;
    int j;
    (void)state;

    for (j = 0; j < 2; j++) {
        bool as_json = j == 0;
        s = many(CW_FIELDS_MAX, as_json);
        assert_int_equal(as_json ? json(s, &f, &d) : form(s, &f, &d), CW_OK);
        assert_int_equal(cw_fields_count(f), CW_FIELDS_MAX);
        assert_string_equal(cw_fields_get(f, "f0"), "0");
        assert_string_equal(cw_fields_get(f, "f63"), "63");
        cw_fields_free(f);
        free(s);
        s = many(CW_FIELDS_MAX + 1, as_json);
        assert_int_equal(as_json ? json(s, &f, &d) : form(s, &f, &d),
                         CW_ELIMIT);
        assert_null(f);
        free(s);
    }

    /* A value of 256 KiB, and one byte more. */
    big = malloc(((size_t)256 << 10) + 16);
    assert_non_null(big);
    memcpy(big, "a=", 2);
    memset(big + 2, 'x', (size_t)256 << 10);
    big[2 + ((size_t)256 << 10)] = '\0';
    assert_int_equal(form(big, &f, &d), CW_OK);
    assert_int_equal(strlen(cw_fields_get(f, "a")), (size_t)256 << 10);
    cw_fields_free(f);
    big[2 + ((size_t)256 << 10)] = 'x';
    big[3 + ((size_t)256 << 10)] = '\0';
    assert_int_equal(form_st(big), CW_EPARSE);
    free(big);

    /* Bodies over 1 MiB. */
    big = malloc(((size_t)1 << 20) + 2);
    assert_non_null(big);
    memset(big, ' ', ((size_t)1 << 20) + 1);
    big[0] = '{';
    big[(size_t)1 << 20] = '}';
    big[((size_t)1 << 20) + 1] = '\0';
    assert_int_equal(json_st(big), CW_ELIMIT);
    big[(size_t)1 << 20] = '\0';
    big[((size_t)1 << 20) - 1] = '}';
    assert_int_equal(json_st(big), CW_OK); /* 1 MiB exactly */
    memset(big, '&', ((size_t)1 << 20) + 1);
    big[((size_t)1 << 20) + 1] = '\0';
    assert_int_equal(form_st(big), CW_ELIMIT);
    free(big);
}

static void test_form(void **state)
{
    struct cw_fields *f;
    struct cw_diag d;
    (void)state;

    assert_int_equal(form("title=Q3+report%3A+SOA%2fv2&n=42&empty=&flag"
                          "&e=%C3%A9%c3%a9&t=%09%0D%0A&pct=100%25",
                          &f, &d),
                     CW_OK);
    assert_int_equal(cw_fields_count(f), 7);
    assert_string_equal(cw_fields_get(f, "title"), "Q3 report: SOA/v2");
    assert_string_equal(cw_fields_get(f, "n"), "42");
    assert_string_equal(cw_fields_get(f, "empty"), "");
    assert_string_equal(cw_fields_get(f, "flag"), ""); /* no '=' */
    assert_string_equal(cw_fields_get(f, "e"), "\xc3\xa9\xc3\xa9");
    assert_string_equal(cw_fields_get(f, "t"), "\t\r\n");
    assert_string_equal(cw_fields_get(f, "pct"), "100%");
    assert_null(cw_fields_get(f, "missing"));
    cw_fields_free(f);

    /* Empty parts are skipped; an empty body has no fields. */
    assert_int_equal(form("a=1&&b=2&", &f, &d), CW_OK);
    assert_int_equal(cw_fields_count(f), 2);
    assert_string_equal(cw_fields_get(f, "a"), "1");
    assert_string_equal(cw_fields_get(f, "b"), "2");
    cw_fields_free(f);
    assert_int_equal(form("", &f, &d), CW_OK);
    assert_non_null(f);
    assert_int_equal(cw_fields_count(f), 0);
    cw_fields_free(f);
    assert_int_equal(cw_fields_form(NULL, 0, &f, &d), CW_OK);
    assert_int_equal(cw_fields_count(f), 0);
    cw_fields_free(f);
    assert_int_equal(form("&&&", &f, &d), CW_OK);
    assert_int_equal(cw_fields_count(f), 0);
    cw_fields_free(f);
    /* Only the first '=' splits; a name may be percent-encoded. */
    assert_int_equal(form("a=b=c&n%2Em=1", &f, &d), CW_OK);
    assert_string_equal(cw_fields_get(f, "a"), "b=c");
    assert_string_equal(cw_fields_get(f, "n.m"), "1");
    cw_fields_free(f);
    /* Only len bytes are read. */
    assert_int_equal(cw_fields_form("a=1&b=2", 3, &f, &d), CW_OK);
    assert_int_equal(cw_fields_count(f), 1);
    assert_string_equal(cw_fields_get(f, "a"), "1");
    assert_null(cw_fields_get(f, "b"));
    cw_fields_free(f);
    /* An escape cut by len is cut, not completed from the bytes after. */
    assert_int_equal(cw_fields_form("a=%41", 4, &f, &d), CW_EPARSE);
    assert_null(f);
    assert_int_equal(cw_fields_form("a=%41", 5, &f, &d), CW_OK);
    assert_string_equal(cw_fields_get(f, "a"), "A");
    cw_fields_free(f);

    /* A name given twice, however it is spelled. */
    assert_int_equal(form("a=1&a=2", &f, &d), CW_EPARSE);
    assert_null(f);
    assert_non_null(strstr(d.msg, "twice"));
    assert_int_equal(form_st("a=1&a=1"), CW_EPARSE);
    assert_int_equal(form_st("a&a"), CW_EPARSE);
    assert_int_equal(form_st("a=1&%61=2"), CW_EPARSE);

    /* Bad escapes. */
    assert_int_equal(form_st("a=%4"), CW_EPARSE);
    assert_int_equal(form_st("a=%zz"), CW_EPARSE);
    assert_int_equal(form_st("a=%"), CW_EPARSE);
    assert_int_equal(form_st("a=%4&b=1"), CW_EPARSE);
    assert_int_equal(form_st("a=%%41"), CW_EPARSE);
    assert_int_equal(form_st("a=%g1"), CW_EPARSE);
    assert_int_equal(form_st("%=1"), CW_EPARSE);
    assert_int_equal(form_st("a%=1"), CW_EPARSE);
    assert_int_equal(form_st("a=x%41"), CW_OK); /* the last two bytes */
    /* NUL, control characters (tab, CR, LF aside), invalid UTF-8. */
    assert_int_equal(form_st("a=%00"), CW_EPARSE);
    assert_int_equal(form_st("a=x%00y"), CW_EPARSE);
    assert_int_equal(form_st("a%00=1"), CW_EPARSE);
    assert_int_equal(cw_fields_form("a=x\0y", 5, &f, &d), CW_EPARSE);
    assert_null(f);
    assert_int_equal(form_st("a=%01"), CW_EPARSE);
    assert_int_equal(form_st("a=%1b"), CW_EPARSE);
    assert_int_equal(form_st("a=%7f"), CW_EPARSE);
    assert_int_equal(form_st("a=x\x01"), CW_EPARSE);
    assert_int_equal(form_st("a=%ff"), CW_EPARSE);
    assert_int_equal(form_st("a=%C3"), CW_EPARSE);
    assert_int_equal(form_st("a=%C0%AF"), CW_EPARSE);
    assert_int_equal(form_st("a=%ED%A0%80"), CW_EPARSE); /* a surrogate */
    assert_int_equal(form_st("a=\xff"), CW_EPARSE);
    /* Names with bad characters, or none. */
    assert_int_equal(form_st("=1"), CW_EPARSE);
    assert_int_equal(form_st("a+b=1"), CW_EPARSE);
    assert_int_equal(form_st("a%20b=1"), CW_EPARSE);
    assert_int_equal(form_st("a%2Fb=1"), CW_EPARSE);
    assert_int_equal(form_st("a%3Db=1"), CW_EPARSE);
    assert_int_equal(form_st("%C3%A9=1"), CW_EPARSE);
    assert_int_equal(form_st("a;b=1"), CW_EPARSE);
}

/* cw_json_quote of s, into a string to compare (the caller frees). */
static char *quoted(const char *s)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    assert_non_null(m);
    cw_json_quote(m, s);
    assert_int_equal(fclose(m), 0);
    return buf;
}

static void check_quote(const char *in, const char *want)
{
    char *got = quoted(in);
    assert_string_equal(got, want);
    free(got);
}

static void test_json_quote(void **state)
{
    (void)state;
    check_quote("", "\"\"");
    check_quote("plain text", "\"plain text\"");
    check_quote("say \"hi\"", "\"say \\\"hi\\\"\"");
    check_quote("C:\\dir\\", "\"C:\\\\dir\\\\\"");
    check_quote("a\nb\rc\td", "\"a\\nb\\rc\\td\"");
    check_quote("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
    check_quote("\b\f", "\"\\u0008\\u000c\"");
    check_quote("<script>&amp;</script>",
                "\"\\u003cscript\\u003e\\u0026amp;\\u003c/script\\u003e\"");
    check_quote("\xc3\xa9 \xe2\x82\xac", "\"\xc3\xa9 \xe2\x82\xac\"");
    check_quote("'/", "\"'/\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_flat),
        cmocka_unit_test(test_json_refused),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_form),
        cmocka_unit_test(test_json_quote),
        cmocka_unit_test(test_json_not_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
