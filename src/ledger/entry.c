/*
 * entry.c - ledger entries as canonical JSON following OCSF 1.1 (the
 * profile is documented in docs/ledger.md). Canonical: object keys sorted
 * bytewise at every level, no insignificant space, strings in UTF-8 with
 * only '"', '\\' and control characters escaped, integers only (no
 * fractions, no exponents). The same event always gives the same bytes,
 * so its leaf hash can be recomputed by anyone.
 */
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ledger.h"

struct kv {
    const char *key;
    char *json; /* cw__malloc'd value text */
};

struct obj {
    struct kv v[24];
    size_t n;
    bool oom;
};

static enum cw_status jstr(struct cw__buf *b, const char *s, size_t n)
{
    enum cw_status st = cw__buf_puts(b, "\"");
    size_t i, run = 0;
    for (i = 0; !st && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        st = cw__buf_append(b, s + run, i - run);
        if (!st)
            st = c == '"'    ? cw__buf_puts(b, "\\\"")
                 : c == '\\' ? cw__buf_puts(b, "\\\\")
                 : c == '\n' ? cw__buf_puts(b, "\\n")
                             : cw__buf_printf(b, "\\u%04x", c);
        run = i + 1;
    }
    if (!st)
        st = cw__buf_append(b, s + run, n - run);
    return st ? st : cw__buf_puts(b, "\"");
}

static char *take(struct cw__buf *b)
{
    char *s = b->data;
    if (!s || cw__buf_append(b, "", 1)) { /* NUL-terminated */
        cw__buf_release(b);
        return NULL;
    }
    return b->data;
}

static void put_text(struct obj *o, const char *key, const char *s)
{
    struct cw__buf b;
    cw__buf_init(&b, ENTRY_MAX);
    o->v[o->n].key = key;
    if (jstr(&b, s, strlen(s)) || !(o->v[o->n].json = take(&b)))
        o->oom = true;
    o->n++;
}

static void put_int(struct obj *o, const char *key, long long v)
{
    struct cw__buf b;
    cw__buf_init(&b, ENTRY_MAX);
    o->v[o->n].key = key;
    if (cw__buf_printf(&b, "%lld", v) || !(o->v[o->n].json = take(&b)))
        o->oom = true;
    o->n++;
}

/* Takes ownership of `json` (a value text). */
static void put_raw(struct obj *o, const char *key, char *json)
{
    o->v[o->n].key = key;
    o->v[o->n].json = json;
    o->oom |= !json;
    o->n++;
}

static int cmp_kv(const void *a, const void *b)
{
    return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

/* Writes the object with its keys sorted and frees its values. */
static char *close_obj(struct obj *o)
{
    struct cw__buf b;
    size_t i;
    enum cw_status st = CW_OK;

    cw__buf_init(&b, ENTRY_MAX);
    qsort(o->v, o->n, sizeof(*o->v), cmp_kv);
    st = o->oom ? CW_ENOMEM : cw__buf_puts(&b, "{");
    for (i = 0; !st && i < o->n; i++) {
        st = i ? cw__buf_puts(&b, ",") : CW_OK;
        if (!st)
            st = jstr(&b, o->v[i].key, strlen(o->v[i].key));
        if (!st)
            st = cw__buf_printf(&b, ":%s", o->v[i].json);
    }
    for (i = 0; i < o->n; i++)
        cw__free(o->v[i].json);
    o->n = 0;
    if (st || cw__buf_puts(&b, "}")) {
        cw__buf_release(&b);
        return NULL;
    }
    return take(&b);
}

/* A JSON value from the user (details) in canonical form. */
static enum cw_status canonical(const struct cw__node *n, struct cw__buf *b,
                                const char *file, struct cw_diag *d)
{
    enum cw_status st = CW_OK;
    size_t i, *order;

    if (n->kind == CW__NODE_SCALAR) {
        switch (n->type) {
        case CW__T_STRING:
            return jstr(b, n->str, n->len);
        case CW__T_NUMBER:
            if (strspn(n->str, "-0123456789") != n->len || n->len > 19)
                return cw__diag_set(d, CW_ESCHEMA, file, n->line, n->col,
                                    "details: '%s' is not an integer; "
                                    "ledger entries hold integers only "
                                    "(write fractions as strings)",
                                    n->str);
            return cw__buf_append(b, n->str, n->len);
        case CW__T_TRUE:
            return cw__buf_puts(b, "true");
        case CW__T_FALSE:
            return cw__buf_puts(b, "false");
        default:
            return cw__buf_puts(b, "null");
        }
    }
    if (n->kind == CW__NODE_SEQ) {
        st = cw__buf_puts(b, "[");
        for (i = 0; !st && i < n->n; i++)
            st = (i ? cw__buf_puts(b, ",") : CW_OK) ||
                 canonical(n->kids[i], b, file, d);
        return st ? st : cw__buf_puts(b, "]");
    }
    if (!(order = cw__malloc((n->n + 1) * sizeof(*order))))
        return CW_ENOMEM;
    for (i = 0; i < n->n; i++) { /* insertion sort of key indexes */
        size_t k = i;
        while (k && strcmp(n->kids[2 * order[k - 1]]->str,
                           n->kids[2 * i]->str) > 0) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    st = cw__buf_puts(b, "{");
    for (i = 0; !st && i < n->n; i++) {
        const struct cw__node *k = n->kids[2 * order[i]];
        if (i && strcmp(n->kids[2 * order[i - 1]]->str, k->str) == 0) {
            st = cw__diag_set(d, CW_ESCHEMA, file, k->line, k->col,
                              "details: duplicate key '%s'", k->str);
            break;
        }
        st = (i ? cw__buf_puts(b, ",") : CW_OK);
        if (!st)
            st = jstr(b, k->str, k->len);
        if (!st)
            st = cw__buf_puts(b, ":");
        if (!st)
            st = canonical(n->kids[2 * order[i] + 1], b, file, d);
    }
    cw__free(order);
    return st ? st : cw__buf_puts(b, "}");
}

/* OCSF class of an action: authentication and account changes have their
 * own classes, everything else is API Activity. */
static void ocsf_class(const char *action, unsigned *class_uid,
                       unsigned *category, unsigned *activity)
{
    *class_uid = 6003;
    *category = 6;
    *activity = 99; /* Other */
    if (strncmp(action, "auth.", 5) == 0) {
        *class_uid = 3002;
        *category = 3;
        *activity = strcmp(action, "auth.logon") == 0    ? 1
                    : strcmp(action, "auth.logoff") == 0 ? 2
                                                         : 99;
    } else if (strncmp(action, "account.", 8) == 0) {
        *class_uid = 3001;
        *category = 3;
        *activity = strcmp(action, "account.create") == 0   ? 1
                    : strcmp(action, "account.enable") == 0 ? 2
                    : strcmp(action, "account.delete") == 0 ? 6
                                                            : 99;
    } else {
        const char *dot = strrchr(action, '.');
        const char *verb = dot ? dot + 1 : action;
        *activity = strcmp(verb, "create") == 0 || strcmp(verb, "add") == 0
                        ? 1
                    : strcmp(verb, "read") == 0 || strcmp(verb, "show") == 0
                        ? 2
                    : strcmp(verb, "update") == 0 || strcmp(verb, "set") == 0
                        ? 3
                    : strcmp(verb, "delete") == 0 ? 4
                                                  : 99;
    }
}

static bool utf8(const char *s, size_t n)
{
    const char *end = s + n;
    while (s < end) {
        size_t k = (unsigned char)*s < 0x80 ? 1 : cw__utf8_len(s, end);
        if (!k)
            return false;
        s += k;
    }
    return true;
}

static bool usable(const char *s, size_t max)
{
    size_t n;
    if (!s || !*s)
        return false;
    n = strlen(s);
    return n <= max && utf8(s, n);
}

enum cw_status cw__entry_build(const struct cw_log_event *e, char **out,
                               struct cw_diag *d)
{
    struct obj top = { .n = 0 }, o = { .n = 0 }, p = { .n = 0 };
    unsigned class_uid, category, activity;
    unsigned char rnd[16];
    char id[33];
    long long t = e->time_ms;
    bool ok = e->outcome == NULL || strcmp(e->outcome, "success") == 0;

    *out = NULL;
    if (!usable(e->actor, 256) || !usable(e->action, 128) ||
        !usable(e->target, 512))
        return cw__diag_set(d, CW_EINVAL, e->file, e->line, 0,
                            "an entry needs actor, action and target "
                            "(UTF-8, non-empty)");
    if (e->tenant && !usable(e->tenant, 128))
        return cw__diag_set(d, CW_EINVAL, e->file, e->line, 0,
                            "tenant must be a non-empty UTF-8 id");
    if (e->reason && (strlen(e->reason) > 4096 ||
                      !utf8(e->reason, strlen(e->reason))))
        return cw__diag_set(d, CW_EINVAL, e->file, e->line, 0,
                            "reason must be UTF-8, at most 4096 bytes");
    if (e->outcome && strcmp(e->outcome, "success") != 0 &&
        strcmp(e->outcome, "failure") != 0)
        return cw__diag_set(d, CW_EINVAL, e->file, e->line, 0,
                            "outcome is success or failure, not '%s'",
                            e->outcome);
    if (!t) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        t = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(id, sizeof(id), rnd, sizeof(rnd));
    ocsf_class(e->action, &class_uid, &category, &activity);

    put_int(&top, "activity_id", activity);
    put_int(&top, "category_uid", category);
    put_int(&top, "class_uid", class_uid);
    put_int(&top, "severity_id", 1);
    put_text(&top, "status", ok ? "Success" : "Failure");
    put_int(&top, "status_id", ok ? 1 : 2);
    put_int(&top, "time", t);
    put_int(&top, "type_uid", (long long)class_uid * 100 + activity);
    if (e->reason && *e->reason)
        put_text(&top, "message", e->reason);
    /* actor.user.uid */
    put_text(&p, "uid", e->actor);
    put_raw(&o, "user", close_obj(&p));
    put_raw(&top, "actor", close_obj(&o));
    /* metadata */
    put_text(&p, "name", "cloudward");
    put_text(&p, "vendor_name", "cloudward");
    put_raw(&o, "product", close_obj(&p));
    put_text(&o, "uid", id);
    put_text(&o, "version", "1.1.0");
    put_text(&o, "log_name", "cloudward");
    if (e->tenant)
        put_text(&o, "tenant_uid", e->tenant);
    put_raw(&top, "metadata", close_obj(&o));
    if (class_uid == 6003) {
        put_text(&o, "operation", e->action);
        put_raw(&top, "api", close_obj(&o));
        put_text(&o, "uid", e->target);
        {
            char *r = close_obj(&o), *arr = NULL;
            struct cw__buf b;
            cw__buf_init(&b, ENTRY_MAX);
            if (r && !cw__buf_printf(&b, "[%s]", r))
                arr = take(&b);
            else
                cw__buf_release(&b);
            cw__free(r);
            put_raw(&top, "resources", arr);
        }
    } else {
        put_text(&o, "uid", e->target);
        put_raw(&top, "user", close_obj(&o));
        put_text(&top, "activity_name", e->action);
    }
    if (e->details_json) {
        struct cw__buf b;
        enum cw_status st;
        struct cw__arena a;
        struct cw__node *dn = NULL;
        cw__buf_init(&b, ENTRY_MAX);
        cw__arena_init(&a, 0);
        st = cw__json_parse(&a, e->file ? e->file : "details",
                            e->details_json, strlen(e->details_json), NULL,
                            &dn, d);
        if (!st && dn->kind != CW__NODE_MAP)
            st = cw__diag_set(d, CW_ESCHEMA, e->file, e->line, dn->col,
                              "details must be a JSON object");
        else if (!st)
            st = canonical(dn, &b, e->file, d);
        cw__arena_release(&a);
        if (st) {
            cw__buf_release(&b);
            top.oom = true;
            close_obj(&top); /* frees what was built */
            return st;
        }
        put_raw(&o, "details", take(&b));
        put_raw(&top, "unmapped", close_obj(&o));
    }
    *out = close_obj(&top);
    return *out ? CW_OK
                : cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
}
