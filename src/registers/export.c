/*
 * export.c - a register's records and the registers' duties as tables
 * (src/report/table.h), so that every output format (terminal, CSV,
 * Markdown, HTML, JSON, XLSX) is the report module's, written once.
 * Rows with a finding are flagged: red in HTML and XLSX.
 */
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>

#include <cloudward/cw_report.h>

#include "../report/table.h"
#include "clock.h"
#include "registers_internal.h"

#define FIXED 7 /* id, version, state, recorded, actor, sha256, findings */

struct rows {
    struct cw__arena arena;
    const struct cw__regdef *def;
    const char **found; /* the records of the register's findings, one
                           per finding, sorted: counted by binary search
                           (a loop over every duty for every row made a
                           20,000-record export take 9 s) */
    size_t nfound;
    size_t ncols, nrows, cap;
    const char **cells;
    unsigned char *flagged;
    bool oom;
};

/* A field's value as one cell: lists joined by "; ", objects as
 * "key value, key value". */
static void cell_of(struct cw__buf *b, const struct cw__node *v)
{
    size_t i, k;
    if (v->kind == CW__NODE_SCALAR) {
        cw__buf_puts(b, v->str);
        return;
    }
    for (i = 0; i < v->n; i++) {
        const struct cw__node *e = v->kids[i];
        if (i)
            cw__buf_puts(b, "; ");
        if (e->kind != CW__NODE_MAP) {
            cw__buf_puts(b, e->str);
            continue;
        }
        for (k = 0; k < e->n; k++)
            cw__buf_printf(b, "%s%s %s", k ? ", " : "", e->kids[2 * k]->str,
                           e->kids[2 * k + 1]->str);
    }
}

static int add_row(void *arg, const struct cw_reg_record *c)
{
    struct rows *t = arg;
    const struct cw__node *m;
    const struct cw__field *f;
    const char **row;
    char ts[40];
    size_t i, n, findings = 0;

    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        const char **cells = cw__arena_alloc(&t->arena,
                                             cap * t->ncols * sizeof(*cells));
        unsigned char *fl = cw__arena_alloc(&t->arena, cap);
        if (!cells || !fl) {
            t->oom = true;
            return 1;
        }
        if (t->nrows) {
            memcpy(cells, t->cells, t->nrows * t->ncols * sizeof(*cells));
            memcpy(fl, t->flagged, t->nrows);
        }
        t->cells = cells;
        t->flagged = fl;
        t->cap = cap;
    }
    row = &t->cells[t->nrows * t->ncols];
    {
        size_t lo = 0, hi = t->nfound;
        while (lo < hi) { /* the first not below c->id */
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(t->found[mid], c->id) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (n = lo; n < t->nfound && strcmp(t->found[n], c->id) == 0; n++)
            findings++;
    }
    cw__time_format(NULL, c->recorded, ts);
    row[0] = cw__arena_strdup(&t->arena, c->id);
    row[1] = cw__arena_printf(&t->arena, "%lld", c->version);
    row[2] = c->closed ? "closed" : "open";
    row[3] = cw__arena_strdup(&t->arena, ts);
    row[4] = cw__arena_strdup(&t->arena, c->actor);
    row[5] = cw__arena_strdup(&t->arena, c->sha256);
    row[6] = cw__arena_printf(&t->arena, "%zu", findings);
    t->flagged[t->nrows] = findings > 0;
    m = cw__record_tree(&t->arena, c->json);
    for (f = t->def->fields, i = FIXED; f->name; f++, i++) {
        const struct cw__node *v = m ? cw__member(m, f->name) : NULL;
        struct cw__buf b;
        if (!v) {
            row[i] = NULL;
            continue;
        }
        cw__buf_init(&b, (size_t)1 << 20);
        cell_of(&b, v);
        row[i] = cw__arena_strdup(&t->arena, b.data ? b.data : "");
        cw__buf_release(&b);
    }
    row[i] = cw__arena_strdup(&t->arena, c->json);
    t->nrows++;
    return 0;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

enum cw_status cw_register_write(struct cw_access *a, enum cw_register r,
                                 const char *tenant, long long now,
                                 int format, const char *path,
                                 struct cw_diag *d)
{
    return cw__register_write_until(a, r, tenant, now, 0, format, path, d);
}

enum cw_status cw__register_write_until(struct cw_access *a,
                                        enum cw_register r,
                                        const char *tenant, long long now,
                                        long long until, int format,
                                        const char *path, struct cw_diag *d)
{
    static const struct cw__col fixed[FIXED] = {
        { "Id", "id", CW__COL_TEXT, 20 },
        { "Version", "version", CW__COL_NUMBER, 7 },
        { "State", "state", CW__COL_TEXT, 6 },
        { "Recorded", "recorded", CW__COL_TEXT, 0 },
        { "By", "actor", CW__COL_TEXT, 0 },
        { "SHA-256", "sha256", CW__COL_TEXT, 0 },
        { "Findings", "findings", CW__COL_NUMBER, 8 },
    };
    struct rows t;
    struct cw__table tab;
    struct cw__col *cols;
    struct cw_registers *g = NULL;
    const struct cw__field *f;
    struct cw__meta meta[2];
    enum cw_status st;
    size_t n = 0, i;

    memset(&t, 0, sizeof(t));
    if (!(t.def = cw__regdef(r)))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0, "no such register");
    for (f = t.def->fields; f->name; f++)
        n++;
    cw__arena_init(&t.arena, 0);
    t.ncols = FIXED + n + 1;
    cols = cw__arena_alloc(&t.arena, t.ncols * sizeof(*cols));
    if (!cols) {
        cw__arena_release(&t.arena);
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    memcpy(cols, fixed, sizeof(fixed));
    for (f = t.def->fields, i = FIXED; f->name; f++, i++) {
        /* Fields are for the text formats; JSON has the record whole.
         * The terminal shows the first three. */
        cols[i].header = f->name;
        cols[i].key = NULL;
        cols[i].type = CW__COL_TEXT;
        cols[i].width = i < FIXED + 3 ? 24 : 0;
    }
    cols[i].header = "Record";
    cols[i].key = "record";
    cols[i].type = CW__COL_JSON;
    cols[i].width = 0;
    if ((st = cw__registers_load_until(a, tenant, now, until, &g, d)))
        goto done;
    n = cw_registers_duty_count(g);
    if (!(t.found = cw__arena_alloc(&t.arena, (n + 1) * sizeof(*t.found)))) {
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    for (i = 0; i < n; i++) {
        const struct cw_duty *u = cw_registers_duty_at(g, i);
        if (u->finding && u->reg == r)
            t.found[t.nfound++] = u->record;
    }
    qsort(t.found, t.nfound, sizeof(*t.found), by_text);
    if ((st = cw__register_each_until(a, (int)r, NULL, tenant, false, until,
                                      add_row, &t, d)))
        goto done;
    if (t.oom) {
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    memset(&tab, 0, sizeof(tab));
    meta[0].key = "register";
    meta[0].value = t.def->name;
    meta[0].type = CW__COL_TEXT;
    meta[1].key = "title";
    meta[1].value = t.def->title;
    meta[1].type = CW__COL_TEXT;
    tab.title = t.def->name;
    tab.subtitle = t.def->title;
    tab.json_root = "records";
    tab.meta = meta;
    tab.nmeta = 2;
    tab.cols = cols;
    tab.ncols = t.ncols;
    tab.cells = t.cells;
    tab.flagged = t.flagged;
    tab.nrows = t.nrows;
    st = cw__table_emit(&tab, (enum cw_format)format, path, d);
done:
    cw_registers_free(g);
    cw__arena_release(&t.arena);
    return st;
}

enum cw_status cw_duties_write(const struct cw_registers *g, long long until,
                               int format, const char *path, size_t *overdue,
                               struct cw_diag *d)
{
    static const struct cw__col cols[] = {
        { "State", "state", CW__COL_TEXT, 8 },
        { "Due", "due", CW__COL_TEXT, 25 },
        { "Register", "register", CW__COL_TEXT, 18 },
        { "Record", "record", CW__COL_TEXT, 20 },
        { "Customer", "customer", CW__COL_TEXT, 10 },
        { "Control", "control", CW__COL_TEXT, 8 },
        { "What", "what", CW__COL_TEXT, 100 },
        { "Zone", "zone", CW__COL_TEXT, 0 },
    };
    const size_t nc = sizeof(cols) / sizeof(cols[0]);
    struct cw__arena ar;
    struct cw__table tab;
    const char **cells;
    unsigned char *flagged;
    size_t i, n = cw_registers_duty_count(g), rows = 0;
    enum cw_status st;

    *overdue = 0;
    cw__arena_init(&ar, 0);
    cells = cw__arena_alloc(&ar, (n + 1) * nc * sizeof(*cells));
    flagged = cw__arena_alloc(&ar, n + 1);
    if (!cells || !flagged) {
        cw__arena_release(&ar);
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (i = 0; i < n; i++) {
        const struct cw_duty *u = cw_registers_duty_at(g, i);
        const char **row = &cells[rows * nc];
        struct cw__tz *tz = NULL;
        struct cw_diag zd;
        char ts[40] = "";
        if (u->finding)
            ++*overdue;
        else if (until && u->due > until)
            continue;
        if (u->due) {
            if (cw__tz_load(u->zone, &tz, &zd))
                tz = NULL;
            cw__time_format(tz, u->due, ts);
            cw__tz_free(tz);
        }
        row[0] = u->finding ? "FINDING" : "due";
        row[1] = ts[0] ? cw__arena_strdup(&ar, ts) : NULL;
        row[2] = cw_register_name(u->reg);
        row[3] = u->record;
        row[4] = u->customer;
        row[5] = u->control;
        row[6] = u->what;
        row[7] = u->zone;
        flagged[rows++] = u->finding;
    }
    memset(&tab, 0, sizeof(tab));
    tab.title = "Register duties";
    tab.subtitle = "open duties and findings of the 27018 registers";
    tab.json_root = "duties";
    tab.cols = cols;
    tab.ncols = nc;
    tab.cells = cells;
    tab.flagged = flagged;
    tab.nrows = rows;
    st = cw__table_emit(&tab, (enum cw_format)format, path, d);
    cw__arena_release(&ar);
    return st;
}
