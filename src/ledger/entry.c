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

#include "../query/jsonpath.h"
#include "ledger.h"

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

/* A JSON value from the user (details) in canonical form. */
enum cw_status cw__canonical(const struct cw__node *n, struct cw__buf *b,
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
                 cw__canonical(n->kids[i], b, file, d);
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
            st = cw__canonical(n->kids[2 * order[i] + 1], b, file, d);
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

/* 128 random bits per entry id, drawn from a pool refilled 256 ids at a
 * time: one getrandom() per 256 entries instead of one each. Ids are
 * identifiers, not secrets. */
static void entry_id(unsigned char out[16])
{
    static _Thread_local unsigned char pool[16 * 256];
    static _Thread_local size_t left;
    if (!left) {
        randombytes_buf(pool, sizeof(pool));
        left = sizeof(pool);
    }
    left -= 16;
    memcpy(out, pool + left, 16);
    sodium_memzero(pool + left, 16);
}

/* A decimal integer, without printf: entries are built at hundreds of
 * thousands a second and vsnprintf was a fifth of the time. */
static enum cw_status jint(struct cw__buf *b, long long v)
{
    char tmp[24], *p = tmp + sizeof(tmp);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
                                 : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return cw__buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* Members are written in the order their keys sort in, by hand: the
 * entry's shape is fixed, so no sorting (and no allocation per member) is
 * needed; canonical() sorts what the user gives in details. */
#define PUT(x)                                                                \
    do {                                                                      \
        if (!st)                                                              \
            st = (x);                                                         \
    } while (0)

enum cw_status cw__entry_build(const struct cw_log_event *e, char **out,
                               struct cw_diag *d)
{
    unsigned class_uid, category, activity;
    unsigned char rnd[16];
    char id[33];
    long long t = e->time_ms;
    bool ok = e->outcome == NULL || strcmp(e->outcome, "success") == 0;
    bool api;
    struct cw__buf b;
    enum cw_status st = CW_OK;

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
    entry_id(rnd);
    sodium_bin2hex(id, sizeof(id), rnd, sizeof(rnd));
    ocsf_class(e->action, &class_uid, &category, &activity);
    api = class_uid == 6003;

    cw__buf_init(&b, ENTRY_MAX);
    PUT(cw__buf_puts(&b, "{\"activity_id\":"));
    PUT(jint(&b, activity));
    PUT(cw__buf_puts(&b, ","));
    if (!api) {
        PUT(cw__buf_puts(&b, "\"activity_name\":"));
        PUT(jstr(&b, e->action, strlen(e->action)));
        PUT(cw__buf_puts(&b, ","));
    }
    PUT(cw__buf_puts(&b, "\"actor\":{\"user\":{\"uid\":"));
    PUT(jstr(&b, e->actor, strlen(e->actor)));
    PUT(cw__buf_puts(&b, "}},"));
    if (api) {
        PUT(cw__buf_puts(&b, "\"api\":{\"operation\":"));
        PUT(jstr(&b, e->action, strlen(e->action)));
        PUT(cw__buf_puts(&b, "},"));
    }
    PUT(cw__buf_puts(&b, "\"category_uid\":"));
    PUT(jint(&b, category));
    PUT(cw__buf_puts(&b, ",\"class_uid\":"));
    PUT(jint(&b, class_uid));
    PUT(cw__buf_puts(&b, ","));
    if (e->reason && *e->reason) {
        PUT(cw__buf_puts(&b, "\"message\":"));
        PUT(jstr(&b, e->reason, strlen(e->reason)));
        PUT(cw__buf_puts(&b, ","));
    }
    PUT(cw__buf_puts(&b, "\"metadata\":{\"log_name\":\"cloudward\","
                         "\"product\":{\"name\":\"cloudward\","
                         "\"vendor_name\":\"cloudward\"},"));
    if (e->tenant) {
        PUT(cw__buf_puts(&b, "\"tenant_uid\":"));
        PUT(jstr(&b, e->tenant, strlen(e->tenant)));
        PUT(cw__buf_puts(&b, ","));
    }
    PUT(cw__buf_puts(&b, "\"uid\":\""));
    PUT(cw__buf_append(&b, id, 32));
    PUT(cw__buf_puts(&b, "\",\"version\":\"1.1.0\"},"));
    if (api) {
        PUT(cw__buf_puts(&b, "\"resources\":[{\"uid\":"));
        PUT(jstr(&b, e->target, strlen(e->target)));
        PUT(cw__buf_puts(&b, "}],"));
    }
    PUT(cw__buf_puts(&b, ok ? "\"severity_id\":1,\"status\":\"Success\","
                              "\"status_id\":1,\"time\":"
                            : "\"severity_id\":1,\"status\":\"Failure\","
                              "\"status_id\":2,\"time\":"));
    PUT(jint(&b, t));
    PUT(cw__buf_puts(&b, ",\"type_uid\":"));
    PUT(jint(&b, (long long)class_uid * 100 + activity));
    if (!st && e->details_json) {
        struct cw__arena a;
        struct cw__node *dn = NULL;
        cw__arena_init(&a, 0);
        st = cw__json_parse(&a, e->file ? e->file : "details",
                            e->details_json, strlen(e->details_json), NULL,
                            &dn, d);
        if (!st && dn->kind != CW__NODE_MAP)
            st = cw__diag_set(d, CW_ESCHEMA, e->file, e->line, dn->col,
                              "details must be a JSON object");
        PUT(cw__buf_puts(&b, ",\"unmapped\":{\"details\":"));
        PUT(cw__canonical(dn, &b, e->file, d));
        PUT(cw__buf_puts(&b, "}"));
        cw__arena_release(&a);
    }
    if (!api) {
        PUT(cw__buf_puts(&b, ",\"user\":{\"uid\":"));
        PUT(jstr(&b, e->target, strlen(e->target)));
        PUT(cw__buf_puts(&b, "}"));
    }
    PUT(cw__buf_append(&b, "}", 2)); /* with its NUL */
    if (st) {
        cw__buf_release(&b);
        return st == CW_ENOMEM || st == CW_ELIMIT
                   ? cw__diag_set(d, st, e->file, e->line, 0,
                                  "the entry is larger than %zu bytes",
                                  ENTRY_MAX)
                   : st;
    }
    *out = b.data;
    return CW_OK;
}

/* ---- events as JSON lines ---------------------------------------------- */

static const char *field(const struct cw__node *o, const char *key,
                         const char *file, unsigned line, bool *bad,
                         struct cw_diag *d)
{
    const struct cw__node *v = cw__node_get(o, key);
    if (!v || cw__node_is_null(v))
        return NULL;
    if (v->kind != CW__NODE_SCALAR || v->type != CW__T_STRING) {
        *bad = true;
        cw__diag_set(d, CW_ESCHEMA, file, line, v->col,
                     "'%s' must be a string", key);
        return NULL;
    }
    return v->str;
}

enum cw_status cw__event_parse(struct cw__arena *a, const char *text,
                               size_t len, const char *file, unsigned line,
                               struct cw_log_event *e, struct cw_diag *d)
{
    static const char *const keys[] = { "actor",  "action",  "target",
                                        "tenant", "outcome", "reason",
                                        "details", "time",   NULL };
    struct cw__node *o = NULL;
    const struct cw__node *det, *t;
    enum cw_status st;
    bool bad = false;

    st = cw__json_parse(a, file, text, len, NULL, &o, d);
    if (st) {
        d->line = line; /* one line of the file: its line, the parser's col */
        return st;
    }
    if (o->kind != CW__NODE_MAP)
        return cw__diag_set(d, CW_ESCHEMA, file, line, 1,
                            "expected an object with actor, action, target");
    if (cw__node_check_keys(o, keys, file, d)) {
        d->line = line;
        return CW_ESCHEMA;
    }
    memset(e, 0, sizeof(*e));
    e->file = file;
    e->line = line;
    e->actor = field(o, "actor", file, line, &bad, d);
    e->action = field(o, "action", file, line, &bad, d);
    e->target = field(o, "target", file, line, &bad, d);
    e->tenant = field(o, "tenant", file, line, &bad, d);
    e->outcome = field(o, "outcome", file, line, &bad, d);
    e->reason = field(o, "reason", file, line, &bad, d);
    if (bad)
        return CW_ESCHEMA;
    if ((t = cw__node_get(o, "time"))) {
        if (t->kind != CW__NODE_SCALAR || t->type != CW__T_NUMBER ||
            strspn(t->str, "0123456789") != t->len || t->len > 15)
            return cw__diag_set(d, CW_ESCHEMA, file, line, t->col,
                                "'time' is milliseconds since 1970, an "
                                "integer");
        e->time_ms = atoll(t->str);
    }
    if ((det = cw__node_get(o, "details"))) {
        /* Passed on as text; the entry builder checks and canonicalizes
         * it (an object, integers only). */
        struct cw__buf w;
        if (det->kind != CW__NODE_MAP)
            return cw__diag_set(d, CW_ESCHEMA, file, line, det->col,
                                "'details' must be an object");
        cw__buf_init(&w, ENTRY_MAX);
        if (cw__json_write(det, &w) || cw__buf_append(&w, "", 1) ||
            !(e->details_json = cw__arena_strdup(a, w.data))) {
            cw__buf_release(&w);
            return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        }
        cw__buf_release(&w);
    }
    return CW_OK;
}
