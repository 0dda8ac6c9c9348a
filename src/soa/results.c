/*
 * results.c - the SoA's `checks` column: the latest scan results saved in
 * the store (STORE/results/NAME.json, one file per scan kind and pack, written
 * by cw_results_save) summarised per control.
 *
 * A control's cell reads "debian-12 at 2026-11-22T10:00:00Z: 40 pass,
 * 3 fail (ssh-permit-root-login, ...), 2 not-applicable"; one such part per
 * pack that has checks evidencing the control, joined with "; ". Only
 * checks that list the control ("CATALOG ID") count, so a control of an
 * edition a pack does not map stays empty rather than borrowing results.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cloudward/cw_soa.h>

#include "../parse/node.h"
#include "soa_internal.h"

#define MAX_RESULTS_BYTES ((size_t)64 << 20)
#define MAX_FAILED_NAMED 5

static const char *const verdicts[] = { "pass", "fail", "not-applicable",
                                        "unknown", "error", NULL };

struct scan {
    const char *pack, *time;
    const struct cw__node *root;
    const struct cw__node *results;
};

static bool lists_control(const struct cw__node *res, const char *ref)
{
    const struct cw__node *c = cw__node_get(res, "controls");
    size_t i;
    for (i = 0; c && c->kind == CW__NODE_SEQ && i < c->n; i++)
        if (c->kids[i]->kind == CW__NODE_SCALAR &&
            strcmp(c->kids[i]->str, ref) == 0)
            return true;
    return false;
}

/* Appends this scan's part for `ref` to `b`; nothing when no check maps. */
static enum cw_status part(struct cw__buf *b, const struct scan *s,
                           const char *ref, size_t *failed_out)
{
    size_t counts[5] = { 0 }, i, v, named = 0;
    char failed[400] = "";
    enum cw_status st = CW_OK;
    bool any = false;

    for (i = 0; i < s->results->n; i++) {
        const struct cw__node *r = s->results->kids[i];
        const struct cw__node *vn = cw__node_get(r, "verdict");
        const struct cw__node *id = cw__node_get(r, "id");
        if (!vn || !lists_control(r, ref))
            continue;
        for (v = 0; verdicts[v]; v++)
            if (strcmp(vn->str, verdicts[v]) == 0)
                break;
        if (!verdicts[v])
            continue;
        counts[v]++;
        any = true;
        if (v == 1 && id && named++ < MAX_FAILED_NAMED) {
            size_t len = strlen(failed);
            snprintf(failed + len, sizeof(failed) - len, "%s%s",
                     len ? ", " : "", id->str);
        }
    }
    {
        const struct cw__node *passes = cw__node_get(s->root, "passes");
        for (i = 0; passes && passes->kind == CW__NODE_SEQ && i < passes->n;
             i++) {
            const struct cw__node *cnt = cw__node_get(passes->kids[i],
                                                      "count");
            if (!cnt || !lists_control(passes->kids[i], ref))
                continue;
            counts[0] += (size_t)strtoull(cnt->str, NULL, 10);
            any = true;
        }
    }
    if (!any)
        return CW_OK;
    *failed_out += counts[1];
    if (b->len)
        st = cw__buf_puts(b, "; ");
    if (!st)
        st = cw__buf_printf(b, "%s at %s:", s->pack, s->time);
    for (v = 0; !st && verdicts[v]; v++) {
        if (!counts[v])
            continue;
        st = cw__buf_printf(b, " %zu %s", counts[v], verdicts[v]);
        if (!st && v == 1)
            st = cw__buf_printf(b, " (%s%s)", failed,
                                named > MAX_FAILED_NAMED ? ", ..." : "");
        if (!st && verdicts[v + 1])
            st = cw__buf_puts(b, ",");
    }
    if (!st && b->len && b->data[b->len - 1] == ',')
        b->data[--b->len] = '\0';
    return st;
}

static enum cw_status load_scan(struct cw__arena *a, const char *path,
                                struct scan *s, struct cw_diag *d)
{
    struct cw__buf b;
    struct cw__node *root = NULL;
    struct cw__yaml_limits lim = { 16, MAX_RESULTS_BYTES * 4, false };
    enum cw_status st;

    cw__buf_init(&b, MAX_RESULTS_BYTES);
    st = cw__read_file(path, &b, d);
    if (!st)
        st = cw__yaml_parse(a, cw__arena_strdup(a, path), b.data ? b.data : "",
                            b.len, &lim, &root, d);
    cw__buf_release(&b);
    if (st)
        return st;
    s->root = root;
    s->results = cw__node_get(root, "results");
    if (cw__node_get_str(root, "pack", true, path, &s->pack, d) ||
        cw__node_get_str(root, "time", true, path, &s->time, d))
        return CW_ESCHEMA;
    if (!s->results || s->results->kind != CW__NODE_SEQ)
        return cw__diag_set(d, CW_ESCHEMA, path, root->line, root->col,
                            "expected saved scan results with a 'results' "
                            "list; remove the file or scan again");
    return CW_OK;
}

enum cw_status cw__soa_attach_results(struct cw__arena *a,
                                      struct cw_soa_line *lines, size_t n,
                                      const char *store, struct cw_diag *d)
{
    char pat[4200], ref[200];
    struct scan *scans = NULL;
    enum cw_status st = CW_OK;
    size_t i, j, nscans = 0;
    glob_t g;

    snprintf(pat, sizeof(pat), "%s/results/*.json", store);
    memset(&g, 0, sizeof(g));
    if (glob(pat, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
        globfree(&g);
        return CW_OK; /* nothing scanned yet */
    }
    scans = cw__arena_alloc(a, g.gl_pathc * sizeof(*scans));
    if (!scans) {
        globfree(&g);
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (i = 0; !st && i < g.gl_pathc; i++)
        if (!(st = load_scan(a, g.gl_pathv[i], &scans[nscans], d)))
            nscans++;
    globfree(&g);
    for (i = 0; !st && i < n; i++) {
        struct cw__buf b;
        cw__buf_init(&b, 8192);
        snprintf(ref, sizeof(ref), "%s %s", lines[i].control->catalog,
                 lines[i].control->id);
        for (j = 0; !st && j < nscans; j++)
            st = part(&b, &scans[j], ref, &lines[i].checks_failed);
        if (!st && b.len && !(lines[i].checks = cw__arena_strdup(a, b.data)))
            st = CW_ENOMEM;
        cw__buf_release(&b);
        if (st == CW_ENOMEM || st == CW_ELIMIT)
            cw__diag_set(d, st, NULL, 0, 0, "out of memory");
    }
    return st;
}
