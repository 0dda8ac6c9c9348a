/*
 * input.c - records read from a JSON or YAML file, or from a command
 * line's flags, checked against their register's fields (schema.c) and
 * written out as canonical JSON: "id" first, then the fields in the
 * schema's order, so that two inputs saying the same thing store the
 * same bytes (and an update that changes nothing is seen as such).
 *
 * Every fault is reported with the file, line and column of the value
 * at fault and what was expected; one bad record refuses the whole file.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>

#include "../report/table.h"
#include "clock.h"
#include "registers_internal.h"

#define TEXT_MAX 200
#define NOTE_MAX 4096
#define LIST_MAX 64
#define OBJS_MAX 256
#define TENANTS_MAX 256
#define RECORDS_MAX 100000

struct cw_reg_input {
    struct cw__arena arena;
    enum cw_register reg;
    size_t n, cap;
    const char **ids;
    const char **json;
};

/* Where a fault is: the file, and the record it is in. */
struct ctx {
    const char *file;
    const struct cw__regdef *def;
    const char *record; /* its id, or NULL before it is known */
    struct cw_diag *d;
    bool partial; /* some fields of a record (an update's flags): the
                     required ones and the rules across fields are
                     checked on the whole, when it is saved */
};

static enum cw_status fail(const struct ctx *x, const struct cw__node *n,
                           const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "FILE:LINE:COL: breaches record 'br-1': field 'confirmed': MESSAGE";
 * from a command line (no position) "--confirmed: ..." instead. */
static enum cw_status fail(const struct ctx *x, const struct cw__node *n,
                           const char *field, const char *fmt, ...)
{
    char msg[400], rec[120];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(rec, sizeof(rec), "%s record%s%s%s", x->def->name,
             x->record ? " '" : "", x->record ? x->record : "",
             x->record ? "'" : "");
    if (!n || !n->line)
        return cw__diag_set(x->d, CW_EINVAL, x->file, 0, 0, "%s%s%s%s: %s",
                            field ? "--" : "", field ? field : "",
                            field ? ": " : "", rec, msg);
    return cw__diag_set(x->d, CW_EINVAL, x->file, n->line, n->col,
                        "%s: %s%s%s%s", rec, field ? "field '" : "",
                        field ? field : "", field ? "': " : "", msg);
}

const struct cw__node *cw__member(const struct cw__node *m, const char *name)
{
    size_t i;
    if (!m || m->kind != CW__NODE_MAP)
        return NULL;
    for (i = 0; i < m->n; i++)
        if (m->kids[2 * i]->len == strlen(name) &&
            memcmp(m->kids[2 * i]->str, name, m->kids[2 * i]->len) == 0) {
            const struct cw__node *v = m->kids[2 * i + 1];
            return v->kind == CW__NODE_SCALAR && v->type == CW__T_NULL
                       ? NULL
                       : v;
        }
    return NULL;
}

const char *cw__member_text(const struct cw__node *m, const char *name)
{
    const struct cw__node *v = cw__member(m, name);
    return v && v->kind == CW__NODE_SCALAR ? v->str : NULL;
}

bool cw__names_customer(const struct cw__node *list, const char *customer)
{
    size_t i;
    if (!list || list->kind != CW__NODE_SEQ)
        return false;
    for (i = 0; i < list->n; i++)
        if (strcmp(list->kids[i]->str, "*") == 0 ||
            (customer && strcmp(list->kids[i]->str, customer) == 0))
            return true;
    return false;
}

/* 1 to 64 of [a-z0-9-], not starting with '-': record and tenant ids. */
static bool id_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 64 && s[0] != '-' &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* JSON's \u0000 puts a NUL inside a string: the C string would end
 * there and a check of it pass on what precedes ("2026-12-01\u0000junk").
 * Every value is checked whole, or refused. */
static bool whole(const struct cw__node *v)
{
    return strlen(v->str) == v->len;
}

static bool text_ok(const struct cw__node *v, size_t max, bool lines)
{
    return v->kind == CW__NODE_SCALAR && whole(v) &&
           (v->type == CW__T_STRING || v->type == CW__T_NUMBER) &&
           v->len >= 1 && v->len <= max &&
           cw__utf8_text(v->str, v->len, lines);
}

static bool string_is(const struct cw__node *v)
{
    return v->kind == CW__NODE_SCALAR && v->type == CW__T_STRING && whole(v);
}

static bool choice_ok(const char *choices, const char *s)
{
    size_t n = strlen(s);
    const char *p = choices;
    while (n && *p) {
        const char *e = strchr(p, '|');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == n && memcmp(p, s, n) == 0)
            return true;
        p += k + (e ? 1 : 0);
    }
    return false;
}

static enum cw_status put_str(struct cw__buf *o, const char *s)
{
    return cw__json_string_buf(o, s);
}

static enum cw_status check_value(struct ctx *x, const struct cw__field *f,
                                  const struct cw__node *v,
                                  struct cw__buf *o);

/* A map of fields `fs`, appended to `o` as a JSON object; `id`, when
 * not NULL, goes first. */
static enum cw_status check_map(struct ctx *x, const struct cw__field *fs,
                                const struct cw__node *m, const char *id,
                                bool top, struct cw__buf *o)
{
    const struct cw__field *f;
    enum cw_status st;
    bool first = true;
    size_t i;

    if (m->kind != CW__NODE_MAP)
        return fail(x, m, NULL, "expected a map of fields");
    /* Unknown fields first: a misspelt one must not pass as absent. */
    for (i = 0; i < m->n; i++) {
        const struct cw__node *k = m->kids[2 * i];
        if (top && (strcmp(k->str, "id") == 0 ||
                    strcmp(k->str, "register") == 0))
            continue;
        if (!cw__field_find(fs, k->str, k->len)) {
            char names[600] = "";
            size_t len = 0;
            for (f = fs; f->name && len < sizeof(names) - 80; f++)
                len += (size_t)snprintf(names + len, sizeof(names) - len,
                                        "%s%s", len ? ", " : "", f->name);
            return fail(x, k, NULL, "unknown field '%.64s' (expected one of: "
                        "%s)", k->str, names);
        }
    }
    if ((st = cw__buf_puts(o, "{")))
        return st;
    if (id) {
        if ((st = cw__buf_puts(o, "\"id\":")) || (st = put_str(o, id)))
            return st;
        first = false;
    }
    for (f = fs; f->name; f++) {
        const struct cw__node *v = cw__member(m, f->name);
        if (!v) {
            if ((f->flags & CW__REQ) && !(top && x->partial))
                return fail(x, m, NULL, "missing field '%s' (%s)", f->name,
                            f->help);
            continue;
        }
        if ((st = cw__buf_puts(o, first ? "" : ",")) ||
            (st = put_str(o, f->name)) || (st = cw__buf_puts(o, ":")) ||
            (st = check_value(x, f, v, o)))
            return st;
        first = false;
    }
    return cw__buf_puts(o, "}");
}

static enum cw_status check_value(struct ctx *x, const struct cw__field *f,
                                  const struct cw__node *v, struct cw__buf *o)
{
    const char *s = v->str;
    enum cw_status st;
    long long t;
    size_t i;

    if (v->kind == CW__NODE_SCALAR && !whole(v))
        return fail(x, v, f->name, "holds a NUL character (\\u0000)");
    switch (f->type) {
    case CW__F_TEXT:
        if (!text_ok(v, TEXT_MAX, false))
            return fail(x, v, f->name, "expected one line of text, 1 to %d "
                        "bytes of UTF-8 (%s)", TEXT_MAX, f->help);
        return put_str(o, s);
    case CW__F_NOTE:
        if (!text_ok(v, NOTE_MAX, true))
            return fail(x, v, f->name, "expected text, 1 to %d bytes of "
                        "UTF-8 (%s)", NOTE_MAX, f->help);
        return put_str(o, s);
    case CW__F_TENANT:
        if (!string_is(v) || !id_ok(s))
            return fail(x, v, f->name, "expected a customer's tenant id "
                        "(1 to 64 of a-z, 0-9 and '-')");
        return put_str(o, s);
    case CW__F_TIME:
        if (!string_is(v) || !cw__time_parse(s, NULL, &t, NULL))
            return fail(x, v, f->name, "expected an RFC 3339 time "
                        "(2026-12-03T14:00:00Z, or with an offset such as "
                        "+01:00) or a date YYYY-MM-DD, found '%.40s'", s);
        return put_str(o, s);
    case CW__F_DATE:
        if (!string_is(v) || !cw__date_valid(s))
            return fail(x, v, f->name, "expected a date YYYY-MM-DD, found "
                        "'%.40s'", s);
        return put_str(o, s);
    case CW__F_INT: {
        if (v->kind != CW__NODE_SCALAR || v->type != CW__T_NUMBER ||
            v->num != floor(v->num) || v->num < (double)f->lo ||
            v->num > (double)f->hi)
            return fail(x, v, f->name, "expected a whole number from %ld "
                        "to %ld (%s)", f->lo, f->hi, f->help);
        return cw__buf_printf(o, "%lld", (long long)v->num);
    }
    case CW__F_BOOL:
        if (v->kind != CW__NODE_SCALAR ||
            (v->type != CW__T_TRUE && v->type != CW__T_FALSE))
            return fail(x, v, f->name, "expected true or false");
        return cw__buf_puts(o, v->type == CW__T_TRUE ? "true" : "false");
    case CW__F_ENUM:
        if (!string_is(v) || !choice_ok(f->choices, s))
            return fail(x, v, f->name, "expected one of %s, found '%.40s'",
                        f->choices, s);
        return put_str(o, s);
    case CW__F_SHA256:
        if (!string_is(v) || v->len != 64 ||
            strspn(s, "0123456789abcdef") != 64)
            return fail(x, v, f->name, "expected a SHA-256: 64 lowercase "
                        "hex digits");
        return put_str(o, s);
    case CW__F_COUNTRY:
        if (!string_is(v) || v->len != 2 ||
            strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 2)
            return fail(x, v, f->name, "expected an ISO 3166-1 alpha-2 "
                        "country code (IE, DE, US), found '%.40s'", s);
        return put_str(o, s);
    case CW__F_ZONE: {
        struct cw__tz *tz = NULL;
        struct cw_diag zd;
        if (!string_is(v) || !cw__tz_name_ok(s) ||
            cw__tz_load(s, &tz, &zd))
            return fail(x, v, f->name, "expected an IANA time zone "
                        "(Europe/Dublin, America/New_York, UTC), found "
                        "'%.64s'", s);
        cw__tz_free(tz);
        return put_str(o, s);
    }
    case CW__F_LIST:
    case CW__F_TENANTS: {
        bool tenants = f->type == CW__F_TENANTS;
        size_t max = tenants ? TENANTS_MAX : LIST_MAX;
        if (v->kind != CW__NODE_SEQ || v->n > max ||
            (v->n == 0 && (f->flags & CW__REQ)))
            return fail(x, v, f->name, "expected a list of %s%zu %s",
                        (f->flags & CW__REQ) ? "1 to " : "up to ", max,
                        tenants ? "customers' tenant ids, or [\"*\"] for "
                                  "every customer"
                                : "values");
        if ((st = cw__buf_puts(o, "[")))
            return st;
        for (i = 0; i < v->n; i++) {
            const struct cw__node *e = v->kids[i];
            size_t k;
            if (tenants && string_is(e) && strcmp(e->str, "*") == 0) {
                if (v->n != 1)
                    return fail(x, e, f->name, "'*' (every customer) "
                                "stands alone in the list");
            } else if (tenants ? !string_is(e) || !id_ok(e->str)
                               : !text_ok(e, TEXT_MAX, false)) {
                return fail(x, e, f->name, tenants
                                ? "expected a customer's tenant id (1 to "
                                  "64 of a-z, 0-9 and '-') or '*'"
                                : "expected one line of text, 1 to 200 "
                                  "bytes of UTF-8");
            }
            for (k = 0; k < i; k++)
                if (strcmp(v->kids[k]->str, e->str) == 0)
                    return fail(x, e, f->name, "'%.64s' is listed twice",
                                e->str);
            if ((st = cw__buf_puts(o, i ? "," : "")) ||
                (st = put_str(o, e->str)))
                return st;
        }
        return cw__buf_puts(o, "]");
    }
    case CW__F_OBJS:
        if (v->kind != CW__NODE_SEQ || v->n > OBJS_MAX)
            return fail(x, v, f->name, "expected a list of up to %d maps "
                        "(%s)", OBJS_MAX, f->help);
        if ((st = cw__buf_puts(o, "[")))
            return st;
        for (i = 0; i < v->n; i++)
            if ((st = cw__buf_puts(o, i ? "," : "")) ||
                (st = check_map(x, f->sub, v->kids[i], NULL, false, o)))
                return st;
        return cw__buf_puts(o, "]");
    }
    return fail(x, v, f->name, "unknown field type");
}

/* Rules across fields, once each field is known to be well formed. */
static enum cw_status check_rules(struct ctx *x, const struct cw__node *m)
{
    const struct cw__node *cust = cw__member(m, "customers");
    const struct cw__node *v;
    const char *lists[] = { "notifications", "objections" };
    size_t i, k;

    if (x->def == cw__regdef(CW_REG_DISCLOSURES) &&
        (v = cw__member(m, "prohibited")) && v->type == CW__T_TRUE &&
        !cw__member(m, "prohibition_basis"))
        return fail(x, v, "prohibited", "a prohibition needs its legal "
                    "basis: give prohibition_basis");
    if (x->def == cw__regdef(CW_REG_RETURNS) &&
        (v = cw__member(m, "export_delivered")) &&
        (!cw__member(m, "manifest") || !cw__member(m, "manifest")->n))
        return fail(x, v, "export_delivered", "a delivered export needs "
                    "its manifest: list each file with its SHA-256");
    if (x->def == cw__regdef(CW_REG_INSTRUCTIONS) &&
        (v = cw__member(m, "consent_at")) && !cw__member(m, "consent_ref"))
        return fail(x, v, "consent_at", "a consent needs consent_ref: where "
                    "the customer's express consent is recorded");
    /* A notification or objection from a customer the record names. */
    for (k = 0; cust && k < 2; k++) {
        const struct cw__node *l = cw__member(m, lists[k]);
        for (i = 0; l && i < l->n; i++) {
            const struct cw__node *c = cw__member(l->kids[i], "customer");
            if (c && !cw__names_customer(cust, c->str))
                return fail(x, c, lists[k], "customer '%.64s' is not among "
                            "the record's customers", c->str);
        }
    }
    return CW_OK;
}

enum cw_status cw__record_check(const struct cw__regdef *def,
                                const char *file, const struct cw__node *m,
                                bool need_id, bool partial,
                                struct cw__buf *out, struct cw_diag *d)
{
    struct ctx x = { file, def, NULL, d, partial };
    const struct cw__node *id = cw__member(m, "id");
    enum cw_status st;

    if (m->kind != CW__NODE_MAP)
        return fail(&x, m, NULL, "expected a map of fields");
    if (id && (!string_is(id) || !id_ok(id->str)))
        return fail(&x, id, "id", "expected an id: 1 to 64 of a-z, 0-9 and "
                    "'-', not starting with '-'");
    if (!id && need_id)
        return fail(&x, m, NULL, "missing field 'id' (the record's id)");
    x.record = id ? id->str : NULL;
    if ((st = check_map(&x, def->fields, m, id ? id->str : NULL, true, out)))
        return st;
    return partial ? CW_OK : check_rules(&x, m);
}

const struct cw__node *cw__record_tree(struct cw__arena *a, const char *json)
{
    struct cw__node *root = NULL;
    struct cw_diag d;
    if (cw__json_parse(a, "(stored record)", json, strlen(json), NULL, &root,
                       &d) ||
        root->kind != CW__NODE_MAP)
        return NULL;
    return root;
}

/* ---- the input's records ------------------------------------------------- */

static enum cw_status keep(struct cw_reg_input *in, const char *id,
                           const char *json, struct cw_diag *d)
{
    if (in->n == in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 16;
        const char **ids = cw__arena_alloc(&in->arena, cap * sizeof(*ids));
        const char **js = cw__arena_alloc(&in->arena, cap * sizeof(*js));
        if (!ids || !js)
            return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        if (in->n) {
            memcpy(ids, in->ids, in->n * sizeof(*ids));
            memcpy(js, in->json, in->n * sizeof(*js));
        }
        in->ids = ids;
        in->json = js;
        in->cap = cap;
    }
    in->ids[in->n] = cw__arena_strdup(&in->arena, id ? id : "");
    in->json[in->n] = cw__arena_strdup(&in->arena, json);
    if (!in->ids[in->n] || !in->json[in->n])
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    in->n++;
    return CW_OK;
}

static enum cw_status one(struct cw_reg_input *in, const char *file,
                          const struct cw__node *m, bool partial,
                          struct cw_diag *d)
{
    const struct cw__regdef *def = cw__regdef(in->reg);
    struct cw__buf o;
    enum cw_status st;
    const char *id = cw__member_text(m, "id");

    cw__buf_init(&o, (size_t)1 << 20);
    st = cw__record_check(def, file, m, false, partial, &o, d);
    if (!st)
        st = keep(in, id && o.len ? id : NULL, o.data, d);
    cw__buf_release(&o);
    return st;
}

struct idref {
    const char *id;
    const struct cw__node *at; /* its node, for the error */
    size_t idx;
};

static int by_id(const void *a, const void *b)
{
    const struct idref *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* A record id given twice in `recs`: the first second occurrence, by
 * sorting (a file may hold 100,000 records; comparing each with every
 * other would take minutes). */
static enum cw_status twice(const char *file, const struct cw__regdef *def,
                            const struct cw__node *recs, struct cw_diag *d)
{
    struct idref *v = cw__calloc(recs->n + 1, sizeof(*v));
    const struct idref *worst = NULL;
    size_t i, n = 0;
    enum cw_status st = CW_OK;

    if (!v)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    for (i = 0; i < recs->n; i++) {
        const struct cw__node *id = cw__member(recs->kids[i], "id");
        if (id && id->kind == CW__NODE_SCALAR) {
            v[n].id = id->str;
            v[n].at = id;
            v[n++].idx = i;
        }
    }
    qsort(v, n, sizeof(*v), by_id);
    for (i = 1; i < n; i++)
        if (strcmp(v[i - 1].id, v[i].id) == 0 &&
            (!worst || v[i].idx < worst->idx))
            worst = &v[i];
    if (worst)
        st = cw__diag_set(d, CW_EINVAL, file, worst->at->line,
                          worst->at->col,
                          "%s record '%.64s' is given twice in the file",
                          def->name, worst->id);
    cw__free(v);
    return st;
}

static struct cw_reg_input *input_new(void)
{
    struct cw_reg_input *in = cw__calloc(1, sizeof(*in));
    if (in)
        cw__arena_init(&in->arena, 0);
    return in;
}

enum cw_status cw_reg_input_read(const char *name, const char *buf,
                                 size_t len, int r, struct cw_reg_input **out,
                                 struct cw_diag *d)
{
    static const struct cw__yaml_limits limits = {
        CW__YAML_DEFAULT_DEPTH, (size_t)384 << 20, false
    };
    struct cw_reg_input *in;
    struct cw__node *root = NULL;
    const struct cw__node *reg, *recs;
    enum cw_status st;
    size_t i, n = strlen(name);
    bool json = n > 5 && strcmp(name + n - 5, ".json") == 0;

    *out = NULL;
    if (len > CW__REG_INPUT_MAX)
        return cw__diag_set(d, CW_ELIMIT, name, 0, 0, "larger than %zu MiB",
                            CW__REG_INPUT_MAX >> 20);
    if (r >= CW_REG_COUNT)
        return cw__diag_set(d, CW_EINVAL, name, 0, 0, "no such register");
    if (!(in = input_new()))
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    /* A tree takes several times its text: 16 MiB of records (100,000
     * of them) need more than the parsers' default 64 MiB. */
    st = json ? cw__json_parse(&in->arena, name, buf, len, &limits, &root, d)
              : cw__yaml_parse(&in->arena, name, buf, len, &limits, &root, d);
    if (st)
        goto done;
    if (root->kind != CW__NODE_MAP) {
        st = cw__diag_set(d, CW_EPARSE, name, root->line, root->col,
                          "expected a record (a map with an id) or a map "
                          "with 'records', a list of them");
        goto done;
    }
    reg = cw__member(root, "register");
    if (reg) {
        enum cw_register named;
        if (!string_is(reg) || !cw_register_parse(reg->str, &named)) {
            st = cw__diag_set(d, CW_EINVAL, name, reg->line, reg->col,
                              "no register '%.64s' (registers: contracts, "
                              "locations, subprocessors, disclosures, "
                              "breaches, instructions, returns, "
                              "temp-erasure, principal-requests, "
                              "restorations, user-records)", reg->str);
            goto done;
        }
        if (r >= 0 && (int)named != r) {
            st = cw__diag_set(d, CW_EINVAL, name, reg->line, reg->col,
                              "holds register '%s', not '%s'", reg->str,
                              cw_register_name((enum cw_register)r));
            goto done;
        }
        r = (int)named;
    }
    if (r < 0) {
        st = cw__diag_set(d, CW_EINVAL, name, root->line, root->col,
                          "missing field 'register' (which register the "
                          "records are for)");
        goto done;
    }
    in->reg = (enum cw_register)r;
    recs = cw__member(root, "records");
    if (recs) {
        for (i = 0; i < root->n; i++) {
            const char *k = root->kids[2 * i]->str;
            if (strcmp(k, "records") && strcmp(k, "register")) {
                st = cw__diag_set(d, CW_EINVAL, name,
                                  root->kids[2 * i]->line,
                                  root->kids[2 * i]->col,
                                  "unknown field '%.64s' beside 'records' "
                                  "(expected register and records)", k);
                goto done;
            }
        }
        if (recs->kind != CW__NODE_SEQ || recs->n > RECORDS_MAX) {
            st = cw__diag_set(d, CW_EINVAL, name, recs->line, recs->col,
                              "'records' must be a list of records (up to "
                              "%d)", RECORDS_MAX);
            goto done;
        }
        st = twice(name, cw__regdef(in->reg), recs, d);
        for (i = 0; !st && i < recs->n; i++) {
            const struct cw__node *k = cw__member(recs->kids[i], "register");
            st = k ? cw__diag_set(d, CW_EINVAL, name, k->line, k->col,
                                  "'register' goes beside 'records', not in "
                                  "a record")
                   : one(in, name, recs->kids[i], false, d);
        }
    } else {
        st = one(in, name, root, false, d);
    }
done:
    if (st) {
        cw_reg_input_free(in);
        return st;
    }
    *out = in;
    return CW_OK;
}

/* A scalar node of text `s` made for a command line's value (line 0). */
static struct cw__node *scalar(struct cw__arena *a, const char *s,
                               enum cw__scalar_type type, double num)
{
    struct cw__node *n = cw__arena_alloc(a, sizeof(*n));
    if (!n || !(n->str = cw__arena_strdup(a, s)))
        return NULL;
    n->kind = CW__NODE_SCALAR;
    n->type = type;
    n->num = num;
    n->len = strlen(s);
    n->plain = true;
    return n;
}

/* The node a flag's value stands for, typed by its field. */
static enum cw_status flag_node(struct cw_reg_input *in,
                                const struct cw__field *f, const char *name,
                                const char *val, struct cw__node **out,
                                struct cw_diag *d)
{
    struct cw__arena *a = &in->arena;
    struct cw__node *n = NULL;
    char file[80];

    snprintf(file, sizeof(file), "--%s", name);
    if (f && f->type == CW__F_OBJS)
        return cw__json_parse(a, file, val, strlen(val), NULL, out, d);
    if (f && (f->type == CW__F_LIST || f->type == CW__F_TENANTS)) {
        size_t cap = 1, k = 0;
        const char *p, *e = NULL;
        for (p = val; *p; p++)
            cap += *p == ',';
        if (!(n = cw__arena_alloc(a, sizeof(*n))) ||
            !(n->kids = cw__arena_alloc(a, cap * sizeof(*n->kids))))
            return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        n->kind = CW__NODE_SEQ;
        n->str = "";
        for (p = val; *val; p = e + 1) {
            size_t len;
            e = strchr(p, ',');
            len = e ? (size_t)(e - p) : strlen(p);
            char *item;
            while (len && (*p == ' ' || *p == '\t'))
                p++, len--;
            while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
                len--;
            if (len) {
                if (!(item = cw__arena_strndup(a, p, len)) ||
                    !(n->kids[k++] = scalar(a, item, CW__T_STRING, 0)))
                    return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0,
                                        "out of memory");
            }
            if (!e)
                break;
        }
        n->n = k;
    } else if (f && f->type == CW__F_INT) {
        /* Decimal digits only: strtod would take "0x10" and "1e2". */
        bool digits = *val && strlen(val) <= 9 &&
                      strspn(val, "0123456789") == strlen(val);
        n = scalar(a, val, digits ? CW__T_NUMBER : CW__T_STRING,
                   digits ? (double)strtol(val, NULL, 10) : 0);
    } else if (f && f->type == CW__F_BOOL) {
        n = scalar(a, val,
                   strcmp(val, "true") == 0    ? CW__T_TRUE
                   : strcmp(val, "false") == 0 ? CW__T_FALSE
                                               : CW__T_STRING,
                   0);
    } else {
        n = scalar(a, val, CW__T_STRING, 0);
    }
    if (!n)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    *out = n;
    return CW_OK;
}

enum cw_status cw_reg_input_fields(enum cw_register r,
                                   const char *const *names,
                                   const char *const *values, size_t n,
                                   struct cw_reg_input **out,
                                   struct cw_diag *d)
{
    const struct cw__regdef *def = cw__regdef(r);
    struct cw_reg_input *in;
    struct cw__node *m;
    enum cw_status st = CW_OK;
    size_t i, k;

    *out = NULL;
    if (!def)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0, "no such register");
    if (!(in = input_new()))
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    in->reg = r;
    if (!(m = cw__arena_alloc(&in->arena, sizeof(*m))) ||
        !(m->kids = cw__arena_alloc(&in->arena,
                                    (2 * n + 1) * sizeof(*m->kids)))) {
        cw_reg_input_free(in);
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    m->kind = CW__NODE_MAP;
    m->str = "";
    for (i = 0; !st && i < n; i++) {
        const struct cw__field *f =
            cw__field_find(def->fields, names[i], strlen(names[i]));
        struct cw__node *v = NULL;
        for (k = 0; k < i; k++)
            if (strcmp(names[k], names[i]) == 0)
                st = cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                                  "--%s is given twice", names[i]);
        if (!st && !f && strcmp(names[i], "id") != 0)
            st = cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                              "--%s: register %s has no such field (see "
                              "'cloudward register %s --help')",
                              names[i], def->name, def->name);
        if (!st)
            st = flag_node(in, f, names[i], values[i], &v, d);
        if (!st) {
            m->kids[2 * m->n] = scalar(&in->arena, names[i], CW__T_STRING, 0);
            m->kids[2 * m->n + 1] = v;
            if (!m->kids[2 * m->n])
                st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
            m->n++;
        }
    }
    if (!st)
        st = one(in, "command line", m, true, d);
    if (st) {
        cw_reg_input_free(in);
        return st;
    }
    *out = in;
    return CW_OK;
}

void cw_reg_input_free(struct cw_reg_input *in)
{
    if (!in)
        return;
    cw__arena_release(&in->arena);
    cw__free(in);
}

enum cw_register cw_reg_input_register(const struct cw_reg_input *in)
{
    return in->reg;
}

size_t cw_reg_input_count(const struct cw_reg_input *in)
{
    return in->n;
}

const char *cw_reg_input_id(const struct cw_reg_input *in, size_t i)
{
    return i < in->n ? in->ids[i] : NULL;
}

const char *cw_reg_input_json(const struct cw_reg_input *in, size_t i)
{
    return i < in->n ? in->json[i] : NULL;
}
