/*
 * fuzz_json.c - libFuzzer target for the JSON parser (src/parse/json.c):
 * any input must give a tree or one positioned error, within the caps,
 * never a crash, a leak or a hang.
 *
 * Differential, for inputs that are an array: reading the elements by
 * span (cw__jcur_span, then cw__json_parse_span each, as large Terraform
 * plans are read) must give the same tree as the whole-text parse, or the
 * same first error at the same line and column (the earliest of the
 * cursor's errors and the spans' parse errors).
 *
 * And reading a span through a file (cw__jcur_span_file, in windows of
 * 64 and 128 bytes, as the first pass over a large plan does) must find
 * the very span, line and column that reading it in memory finds (for
 * inputs over 8 KB, also with a thread reading windows ahead). Spans
 * are read both with AVX2 (where the CPU has it) and without.
 *
 * And reading an array's elements in runs through a file into a small
 * buffer (cw__jcur_span_run, as large plans' resources are read) must
 * find the spans, and leave the cursor where, spanning them one by one
 * in memory finds and leaves them; where a run stops, both go on one by
 * one and must agree (errors included).
 */
#define _GNU_SOURCE /* memfd_create */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <unistd.h>

#include "../src/parse/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_tree(const struct cw__node *a, const struct cw__node *b)
{
    size_t i, n;
    if (a->kind != b->kind || a->line != b->line || a->col != b->col ||
        a->len != b->len || memcmp(a->str, b->str, a->len) != 0 ||
        a->str[a->len] != '\0' || b->str[b->len] != '\0' ||
        a->n != b->n || (a->kind == CW__NODE_SCALAR && a->type != b->type))
        return false;
    n = a->kind == CW__NODE_MAP ? 2 * a->n : a->kind == CW__NODE_SEQ ? a->n : 0;
    for (i = 0; i < n; i++)
        if (!same_tree(a->kids[i], b->kids[i]))
            return false;
    return true;
}

static bool before(const struct cw_diag *a, const struct cw_diag *b)
{
    return a->line < b->line || (a->line == b->line && a->col < b->col);
}

static void spans_agree(const char *text, size_t size)
{
    struct cw__arena whole, parts;
    struct cw__node *root = NULL;
    struct cw__jcur *c = NULL;
    struct cw__jscratch scratch = { NULL, 0, NULL };
    struct cw__jspan span;
    struct cw_diag d1, d2, d3;
    enum cw_status st1, st2 = CW_OK, st3 = CW_OK;
    size_t k = 0, i = 0;
    const char *key;
    bool more;

    while (i < size && text[i] && strchr(" \t\r\n", text[i]))
        i++;
    if (i == size || text[i] != '[')
        return;
    cw__arena_init(&whole, 0);
    cw__arena_init(&parts, 0);
    st1 = cw__json_parse(&whole, "f", text, size, NULL, &root, &d1);
    if (cw__jcur_new("f", text, size, &c, &d2)) { /* UTF-16, say */
        if (!st1)
            abort();
        cw__arena_release(&whole);
        cw__arena_release(&parts);
        return;
    }
    if (cw__jcur_enter(c, false))
        abort(); /* an array starts it */
    while (!(st2 = cw__jcur_next(c, &key, &more)) && more) {
        struct cw__node *n = NULL;
        if ((st2 = cw__jcur_span(c, &span)))
            break;
        if (!st3 && (st3 = cw__json_parse_span(&parts, "f", &span, &scratch,
                                               &n, &d3)) == CW_OK) {
            if (!st1 && (k >= root->n || !same_tree(n, root->kids[k])))
                abort(); /* a span's tree differs from the whole parse */
        }
        k++;
    }
    if (!st2)
        st2 = cw__jcur_finish(c);
    if (st3 && (!st2 || !before(&d2, &d3))) {
        st2 = st3;
        d2 = d3;
    }
    /* Limits and memory are counted differently; syntax is not. */
    if (st1 != CW_ELIMIT && st2 != CW_ELIMIT && st1 != CW_ENOMEM) {
        if ((st1 == CW_OK) != (st2 == CW_OK))
            abort(); /* one reading accepts what the other refuses */
        if (st1 && (d1.line != d2.line || d1.col != d2.col ||
                    strcmp(d1.msg, d2.msg) != 0))
            abort(); /* the first error is placed or said differently */
        if (!st1 && k != root->n)
            abort();
    }
    cw__jscratch_release(&scratch);
    cw__jcur_free(c);
    cw__arena_release(&parts);
    cw__arena_release(&whole);
}

/* The top-level value, then (in an array) each element, spanned in
 * memory and through `fd` holding the same text. */
static void file_spans_agree(const char *text, size_t size, int fd,
                             size_t window)
{
    struct cw__jcur *a = NULL, *b = NULL;
    struct cw_diag da, db;
    unsigned round;

    for (round = 0; round < 2; round++) {
        bool enter = round == 1, more = true;
        const char *key;
        if (cw__jcur_new("f", text, size, &a, &da) ||
            cw__jcur_new("f", text, size, &b, &db))
            goto done;
        if (enter && (cw__jcur_enter(a, false) || cw__jcur_enter(b, false)))
            goto done;
        while (more) {
            struct cw__jspan sa, sb;
            enum cw_status ea, eb;
            bool ma = true, mb = true;
            if (enter) {
                ea = cw__jcur_next(a, &key, &ma);
                eb = cw__jcur_next(b, &key, &mb);
                if (ea != eb || ma != mb)
                    abort();
                if (ea || !ma)
                    break;
            }
            ea = cw__jcur_span(a, &sa);
            eb = cw__jcur_span_file(b, fd, window, &sb);
            if (ea != eb)
                abort();
            if (ea)
                break;
            if (sa.p != sb.p || sa.len != sb.len || sa.line != sb.line ||
                sa.col != sb.col || sa.depth != sb.depth ||
                cw__jcur_pos(a) != cw__jcur_pos(b) ||
                cw__jcur_line(a) != cw__jcur_line(b))
                abort(); /* the file reading found another span */
            more = enter;
        }
    done:
        cw__jcur_free(a);
        cw__jcur_free(b);
        a = b = NULL;
    }
}

/* A span of the text parsed as it is, and the same span's copy parsed
 * in place (its strings left in it): the same tree or the same error. */
static void parsed_alike(const struct cw__jspan *text, const struct cw__jspan *copy)
{
    struct cw__arena aa, ab;
    struct cw__jscratch sa = { NULL, 0, NULL }, sb = { NULL, 0, NULL };
    struct cw__node *ta = NULL, *tb = NULL;
    struct cw_diag da, db;
    enum cw_status ea, eb;

    cw__arena_init(&aa, 0);
    cw__arena_init(&ab, 0);
    ea = cw__json_parse_span(&aa, "f", text, &sa, &ta, &da);
    eb = cw__json_parse_span(&ab, "f", copy, &sb, &tb, &db);
    if (ea != eb || (ea && (da.line != db.line || da.col != db.col)) ||
        (!ea && !same_tree(ta, tb)))
        abort();
    cw__jscratch_release(&sa);
    cw__jscratch_release(&sb);
    cw__arena_release(&aa);
    cw__arena_release(&ab);
}

/* The elements of a top-level array: one by one in memory (a), in runs
 * of up to `max` read through `fd` into `cap` bytes (b). */
static void run_spans_agree(const char *text, size_t size, int fd,
                            size_t cap, size_t max)
{
    struct cw__jcur *a = NULL, *b = NULL;
    struct cw__jspan sb[4];
    struct cw_diag da, db;
    char *w = malloc(cap);
    const char *key;

    if (!w || max > 4 || cw__jcur_new("f", text, size, &a, &da) ||
        cw__jcur_new("f", text, size, &b, &db) || cw__jcur_enter(a, false) ||
        cw__jcur_enter(b, false))
        goto done;
    for (;;) {
        size_t off = (size_t)(cw__jcur_pos(b) - text), i, n = 0;
        struct cw__jspan sa;
        enum cw_status ea, eb;
        bool ma = true, mb = true, full = false;
        cw__jcur_span_run(b, fd, w, cap, sb, max, &n, &full);
        for (i = 0; i < n; i++) {
            if (cw__jcur_next(a, &key, &ma) || !ma || cw__jcur_span(a, &sa))
                abort(); /* the run found an element where a did not */
            if ((size_t)(sa.p - text) != off + (size_t)(sb[i].p - w) ||
                sa.len != sb[i].len || sa.line != sb[i].line ||
                sa.col != sb[i].col || sa.depth != sb[i].depth ||
                sb[i].own != sb[i].p || memcmp(sa.p, sb[i].p, sa.len) != 0)
                abort(); /* another span */
            parsed_alike(&sa, &sb[i]);
        }
        if (cw__jcur_pos(a) != cw__jcur_pos(b) ||
            cw__jcur_line(a) != cw__jcur_line(b))
            abort(); /* the run left the cursor elsewhere */
        if (n)
            continue;
        /* The run stopped: one element by hand, on both. */
        ea = cw__jcur_next(a, &key, &ma);
        eb = cw__jcur_next(b, &key, &mb);
        if (ea != eb || ma != mb || (ea && (da.line != db.line ||
                                             da.col != db.col)))
            abort();
        if (ea || !ma)
            break;
        ea = cw__jcur_span(a, &sa);
        eb = cw__jcur_span(b, &sb[0]);
        if (ea != eb || (!ea && (sa.p != sb[0].p || sa.len != sb[0].len)))
            abort();
        if (ea)
            break;
    }
done:
    free(w);
    cw__jcur_free(a);
    cw__jcur_free(b);
}

/* Every number holds what strtod reads from its text, bit for bit. */
static void numbers_exact(const struct cw__node *n)
{
    size_t i, k;
    if (n->kind == CW__NODE_SCALAR) {
        double want;
        if (n->type != CW__T_NUMBER)
            return;
        want = strtod(n->str, NULL);
        if (memcmp(&want, &n->num, sizeof(want)) != 0)
            abort();
        return;
    }
    k = n->kind == CW__NODE_MAP ? 2 * n->n : n->n;
    for (i = 0; i < k; i++)
        numbers_exact(n->kids[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cw__arena arena;
    struct cw__node *root = NULL;
    struct cw__yaml_limits lim = { 512, (size_t)64 << 20, false };
    struct cw_diag d;

    cw__arena_init(&arena, 0);
    if (!cw__json_parse(&arena, "fuzz", (const char *)data, size, &lim,
                        &root, &d))
        numbers_exact(root);
    cw__arena_release(&arena);
    /* Both span readers: AVX2 (where the CPU has it) and the baseline. */
    cw__span_baseline_only = false;
    spans_agree((const char *)data, size);
    cw__span_baseline_only = true;
    spans_agree((const char *)data, size);
    {
        int fd = memfd_create("fuzz_json", 0);
        if (fd >= 0 && write(fd, data, size) == (ssize_t)size) {
            /* Larger inputs also with a thread reading ahead. */
            cw__span_ahead_min = size > 8192 ? 1024 : SIZE_MAX;
            file_spans_agree((const char *)data, size, fd, 64);
            cw__span_ahead_min = SIZE_MAX;
            run_spans_agree((const char *)data, size, fd, 100, 3);
            cw__span_baseline_only = false;
            file_spans_agree((const char *)data, size, fd, 128);
            run_spans_agree((const char *)data, size, fd, 300, 4);
        }
        if (fd >= 0)
            close(fd);
    }
    return 0;
}
