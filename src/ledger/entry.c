/*
 * entry.c - ledger entries as canonical JSON following OCSF 1.1 (the
 * profile is documented in docs/ledger.md). Canonical: object keys sorted
 * bytewise at every level, no insignificant space, strings in UTF-8 with
 * only '"', '\\' and control characters escaped, integers only (no
 * fractions, no exponents). The same event always gives the same bytes,
 * so its leaf hash can be recomputed by anyone.
 */
#include <pthread.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "../query/jsonpath.h"
#include "ledger.h"

enum cw_status cw__json_str(struct cw__buf *b, const char *s, size_t n)
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
            return cw__json_str(b, n->str, n->len);
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
            st = cw__json_str(b, k->str, k->len);
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

/*
 * The fixed fragments of an entry, in the order they are written. Stored
 * entries carry each as one byte, FRAG_BASE + its position: canonical JSON
 * never holds a raw byte below 0x20 (strings escape them), so the bytes
 * are unambiguous, and a stored entry without them is its own canonical
 * form (stores written before this abbreviation read unchanged). About 300
 * of an entry's 400 bytes are these fragments; storing one byte each is
 * what lets the ledger write at the rate it does. The table is part of the
 * storage format: fragments may be added at its end, never changed.
 */
#define FRAG_BASE 0x0e /* 0x0e-0x1f: past \t \n \r */
static const char *const frags[] = {
    "{\"activity_id\":",
    ",\"activity_name\":",
    ",\"actor\":{\"user\":{\"uid\":",
    "}},\"api\":{\"operation\":",
    ",\"category_uid\":",
    ",\"class_uid\":",
    ",\"message\":",
    (",\"metadata\":{\"log_name\":\"cloudward\",\"product\":{\"name\":"
     "\"cloudward\",\"vendor_name\":\"cloudward\"}"),
    ",\"tenant_uid\":",
    ",\"uid\":\"",
    "\",\"version\":\"1.1.0\"}",
    ",\"resources\":[{\"uid\":",
    ",\"severity_id\":1,\"status\":\"Success\",\"status_id\":1,\"time\":",
    ",\"severity_id\":1,\"status\":\"Failure\",\"status_id\":2,\"time\":",
    ",\"type_uid\":",
    ",\"unmapped\":{\"details\":",
    ",\"user\":{\"uid\":",
};
enum {
    F_ACTIVITY_ID, F_ACTIVITY_NAME, F_ACTOR, F_API, F_CATEGORY, F_CLASS,
    F_MESSAGE, F_METADATA, F_TENANT, F_UID, F_VERSION, F_RESOURCES,
    F_SUCCESS, F_FAILURE, F_TYPE, F_UNMAPPED, F_USER, F_COUNT
};
_Static_assert(F_COUNT == sizeof(frags) / sizeof(frags[0]),
               "one name per fragment");
_Static_assert(FRAG_BASE + F_COUNT <= 0x20, "fragments fit below 0x20");

static size_t frag_len[F_COUNT];
static pthread_once_t frag_once = PTHREAD_ONCE_INIT;

static void frag_init(void)
{
    size_t i;
    for (i = 0; i < F_COUNT; i++)
        frag_len[i] = strlen(frags[i]);
}

static enum cw_status frag(struct cw__buf *b, bool stored, unsigned f)
{
    char c = (char)(FRAG_BASE + f);
    return stored ? cw__buf_append(b, &c, 1)
                  : cw__buf_append(b, frags[f], frag_len[f]);
}

enum cw_status cw__entry_expand(const char *s, size_t n, struct cw__buf *out)
{
    size_t i, run = 0;
    enum cw_status st = CW_OK;

    pthread_once(&frag_once, frag_init);
    out->len = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        unsigned f;
        if (c >= 0x20)
            continue;
        f = (unsigned)c - FRAG_BASE;
        if (c < FRAG_BASE || f >= F_COUNT)
            return CW_EPARSE;
        if ((st = cw__buf_append(out, s + run, i - run)) ||
            (st = cw__buf_append(out, frags[f], frag_len[f])))
            return st;
        run = i + 1;
    }
    return cw__buf_append(out, s + run, n - run); /* NUL-terminated */
}

/* The end of the JSON string starting at p (its opening quote), past its
 * closing quote; NULL when it does not end before `end`. */
static const char *string_end(const char *p, const char *end)
{
    if (p >= end || *p != '"')
        return NULL;
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

static const char *find(const char *s, const char *end, const char *what,
                        size_t n)
{
    while ((size_t)(end - s) >= n &&
           (s = memchr(s, *what, (size_t)(end - s) - n + 1)) != NULL) {
        if (memcmp(s, what, n) == 0)
            return s;
        s++;
    }
    return NULL;
}

static bool starts(const char *p, const char *end, unsigned f)
{
    return (size_t)(end - p) >= frag_len[f] &&
           memcmp(p, frags[f], frag_len[f]) == 0;
}

bool cw__entry_field(const char *canon, size_t n, bool tenant,
                     const char **val, size_t *len)
{
    const char *end = canon + n, *p, *q;

    pthread_once(&frag_once, frag_init);
    *val = NULL;
    *len = 0;
    if (tenant) {
        /* Metadata is written by us and comes before any details: its
         * fragment's first occurrence is it (a string cannot hold its
         * unescaped quotes). */
        p = find(canon, end, frags[F_METADATA], frag_len[F_METADATA]);
        if (!p)
            return false;
        p += frag_len[F_METADATA];
        if (!starts(p, end, F_TENANT))
            return true; /* no tenant */
        p += frag_len[F_TENANT];
    } else {
        /* The action: activity_name right after activity_id's digits, or
         * else the api operation, right after the actor's string. */
        if (!starts(canon, end, F_ACTIVITY_ID))
            return false;
        p = canon + frag_len[F_ACTIVITY_ID];
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (starts(p, end, F_ACTIVITY_NAME)) {
            p += frag_len[F_ACTIVITY_NAME];
        } else {
            if (!starts(p, end, F_ACTOR) ||
                !(q = string_end(p + frag_len[F_ACTOR], end)) ||
                !starts(q, end, F_API))
                return false;
            p = q + frag_len[F_API];
        }
    }
    if (!(q = string_end(p, end)))
        return false;
    *val = p;
    *len = (size_t)(q - p);
    return true;
}

/* Members are written in the order their keys sort in, by hand: the
 * entry's shape is fixed, so no sorting (and no allocation per member) is
 * needed; canonical() sorts what the user gives in details. */
#define PUT(x)                                                                \
    do {                                                                      \
        if (!st)                                                              \
            st = (x);                                                         \
    } while (0)

/* Appends the entry, then a NUL (counted in b->len), to `b`; on error `b`
 * is as it was. */
static enum cw_status build(const struct cw_log_event *e, bool stored,
                            struct cw__buf *out, struct cw_diag *d)
{
    unsigned class_uid, category, activity;
    unsigned char rnd[16];
    char id[33];
    long long t = e->time_ms;
    bool ok = e->outcome == NULL || strcmp(e->outcome, "success") == 0;
    bool api;
    struct cw__buf b = *out;
    size_t start = b.len;
    enum cw_status st = CW_OK;

    pthread_once(&frag_once, frag_init);
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

    PUT(frag(&b, stored, F_ACTIVITY_ID));
    PUT(jint(&b, activity));
    if (!api) {
        PUT(frag(&b, stored, F_ACTIVITY_NAME));
        PUT(cw__json_str(&b, e->action, strlen(e->action)));
    }
    PUT(frag(&b, stored, F_ACTOR));
    PUT(cw__json_str(&b, e->actor, strlen(e->actor)));
    if (api) {
        PUT(frag(&b, stored, F_API));
        PUT(cw__json_str(&b, e->action, strlen(e->action)));
        PUT(cw__buf_puts(&b, "}"));
    } else {
        PUT(cw__buf_puts(&b, "}}"));
    }
    PUT(frag(&b, stored, F_CATEGORY));
    PUT(jint(&b, category));
    PUT(frag(&b, stored, F_CLASS));
    PUT(jint(&b, class_uid));
    if (e->reason && *e->reason) {
        PUT(frag(&b, stored, F_MESSAGE));
        PUT(cw__json_str(&b, e->reason, strlen(e->reason)));
    }
    PUT(frag(&b, stored, F_METADATA));
    if (e->tenant) {
        PUT(frag(&b, stored, F_TENANT));
        PUT(cw__json_str(&b, e->tenant, strlen(e->tenant)));
    }
    PUT(frag(&b, stored, F_UID));
    PUT(cw__buf_append(&b, id, 32));
    PUT(frag(&b, stored, F_VERSION));
    if (api) {
        PUT(frag(&b, stored, F_RESOURCES));
        PUT(cw__json_str(&b, e->target, strlen(e->target)));
        PUT(cw__buf_puts(&b, "}]"));
    }
    PUT(frag(&b, stored, ok ? F_SUCCESS : F_FAILURE));
    PUT(jint(&b, t));
    PUT(frag(&b, stored, F_TYPE));
    PUT(jint(&b, (long long)class_uid * 100 + activity));
    if (!st && e->details_json) {
        struct cw__arena a;
        struct cw__node *dn = NULL;
        cw__arena_init(&a, 0);
        st = cw__json_parse(&a, e->file ? e->file : "details",
                            e->details_json, strlen(e->details_json), NULL,
                            &dn, d);
        if (st) {
            /* The parser said what is wrong (malformed, nested too
             * deep): not a size. */
            cw__arena_release(&a);
            b.len = start;
            *out = b;
            return st;
        }
        if (dn->kind != CW__NODE_MAP)
            st = cw__diag_set(d, CW_ESCHEMA, e->file, e->line, dn->col,
                              "details must be a JSON object");
        PUT(frag(&b, stored, F_UNMAPPED));
        PUT(cw__canonical(dn, &b, e->file, d));
        PUT(cw__buf_puts(&b, "}"));
        cw__arena_release(&a);
    }
    if (!api) {
        PUT(frag(&b, stored, F_USER));
        PUT(cw__json_str(&b, e->target, strlen(e->target)));
        PUT(cw__buf_puts(&b, "}"));
    }
    PUT(cw__buf_append(&b, "}", 2)); /* with its NUL */
    b.len = st ? start : b.len;
    *out = b; /* the data may have moved, even on error */
    if (st)
        return st == CW_ENOMEM || st == CW_ELIMIT
                   ? cw__diag_set(d, st, e->file, e->line, 0,
                                  "the entry is larger than %zu bytes",
                                  ENTRY_MAX)
                   : st;
    return CW_OK;
}

enum cw_status cw__entry_build(const struct cw_log_event *e, char **out,
                               struct cw_diag *d)
{
    struct cw__buf b;
    enum cw_status st;
    /* The canonical size is what ENTRY_MAX bounds. */
    cw__buf_init(&b, ENTRY_MAX + 1);
    if ((st = build(e, false, &b, d)))
        cw__buf_release(&b);
    *out = st ? NULL : b.data;
    return st;
}

enum cw_status cw__entry_append_stored(const struct cw_log_event *e,
                                       struct cw__buf *b, struct cw_diag *d)
{
    return build(e, true, b, d);
}

enum cw_status cw__entry_build_stored(const struct cw_log_event *e,
                                      char **out, size_t *len,
                                      struct cw_diag *d)
{
    struct cw__buf b;
    enum cw_status st;
    cw__buf_init(&b, ENTRY_MAX + 1);
    if ((st = build(e, true, &b, d)))
        cw__buf_release(&b);
    *out = st ? NULL : b.data;
    *len = st ? 0 : b.len - 1;
    return st;
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
        /* Passed on as text; the entry builder canonicalizes it again.
         * Checked here first, where the node knows its place in the line
         * (the builder's parse of the text would say line 1). */
        struct cw__buf w;
        enum cw_status cst;
        if (det->kind != CW__NODE_MAP)
            return cw__diag_set(d, CW_ESCHEMA, file, line, det->col,
                                "'details' must be an object");
        cw__buf_init(&w, ENTRY_MAX);
        cst = cw__canonical(det, &w, file, d);
        cw__buf_release(&w);
        if (cst) {
            if (cst == CW_ELIMIT)
                return cw__diag_set(d, cst, file, line, det->col,
                                    "'details' is larger than %zu bytes",
                                    ENTRY_MAX);
            d->line = line;
            return cst;
        }
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
