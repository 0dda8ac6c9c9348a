/*
 * store.c - the registers' records in the store's access tables
 * (register_records: access.db migration 7, PostgreSQL migration 10),
 * beside the tenants they concern.
 *
 * Records are never changed in place: each save is a new version row,
 * written in the transaction that appends its ledger entries, so a store
 * killed at any point holds the whole version and its entries or
 * neither. An entry names the register, the record, its version and the
 * SHA-256 of its body; the body itself (free text that may hold personal
 * data) never reaches the ledger. `tenants` holds the customers a
 * version concerns as " a b " (or "*", or "" for none): the one column
 * every tenant read, and PostgreSQL's row-level security, filter on.
 */
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>

#include <sodium.h>

#include <cloudward/cw_ledger.h>

#include "../report/table.h"
#include "../store/access_internal.h"
#include "../store/sql.h"
#include "clock.h"
#include "registers_internal.h"

#define BODY_MAX ((size_t)4 << 20)
#define TENANTS_TEXT ((size_t)256 * 66 + 4)

/* ---- trees ------------------------------------------------------------- */

static bool node_equal(const struct cw__node *a, const struct cw__node *b)
{
    size_t i;
    if (!a || !b)
        return a == b;
    if (a->kind != b->kind || a->n != b->n)
        return false;
    if (a->kind == CW__NODE_SCALAR)
        return a->type == b->type && strcmp(a->str, b->str) == 0;
    for (i = 0; i < (a->kind == CW__NODE_MAP ? 2 * a->n : a->n); i++)
        if (!node_equal(a->kids[i], b->kids[i]))
            return false;
    return true;
}

/* Map `m` with member `name` set to `v` (added when absent). */
static struct cw__node *with_member(struct cw__arena *ar,
                                    const struct cw__node *m,
                                    struct cw__node *key,
                                    struct cw__node *v)
{
    struct cw__node *o = cw__arena_alloc(ar, sizeof(*o));
    size_t i;
    if (!o || !key || !v)
        return NULL;
    *o = *m;
    o->kids = cw__arena_alloc(ar, (2 * m->n + 2) * sizeof(*o->kids));
    if (!o->kids)
        return NULL;
    memcpy(o->kids, m->kids, 2 * m->n * sizeof(*o->kids));
    for (i = 0; i < m->n; i++)
        if (strcmp(m->kids[2 * i]->str, key->str) == 0) {
            o->kids[2 * i + 1] = v;
            return o;
        }
    o->kids[2 * o->n] = key;
    o->kids[2 * o->n + 1] = v;
    o->n++;
    return o;
}

/* Writes node `v` as JSON (stored records are canonical already: their
 * numbers are whole and their text valid). */
static enum cw_status put_node(struct cw__buf *o, const struct cw__node *v)
{
    enum cw_status st = CW_OK;
    size_t i;
    switch (v->kind) {
    case CW__NODE_SCALAR:
        switch (v->type) {
        case CW__T_STRING:
            return cw__json_string_buf(o, v->str);
        case CW__T_NUMBER:
            return cw__buf_printf(o, "%lld", (long long)v->num);
        case CW__T_TRUE:
            return cw__buf_puts(o, "true");
        case CW__T_FALSE:
            return cw__buf_puts(o, "false");
        case CW__T_NULL:
            return cw__buf_puts(o, "null");
        }
        return CW_OK;
    case CW__NODE_SEQ:
        st = cw__buf_puts(o, "[");
        for (i = 0; !st && i < v->n; i++)
            if (!(st = cw__buf_puts(o, i ? "," : "")))
                st = put_node(o, v->kids[i]);
        return st ? st : cw__buf_puts(o, "]");
    case CW__NODE_MAP:
        st = cw__buf_puts(o, "{");
        for (i = 0; !st && i < v->n; i++)
            if (!(st = cw__buf_puts(o, i ? "," : "")) &&
                !(st = cw__json_string_buf(o, v->kids[2 * i]->str)) &&
                !(st = cw__buf_puts(o, ":")))
                st = put_node(o, v->kids[2 * i + 1]);
        return st ? st : cw__buf_puts(o, "}");
    }
    return CW_OK;
}

/* The customers of record `m` as stored in `tenants`. */
static void tenants_of(const struct cw__regdef *def, const struct cw__node *m,
                       char *out, size_t n)
{
    const struct cw__node *v = def->customers ? cw__member(m, def->customers)
                                              : NULL;
    size_t i, len = 0;
    out[0] = '\0';
    /* A request the law forbids telling the customer of stays the
     * provider's alone: neither the customer's view nor its log may
     * show it, until the prohibition is lifted. */
    if (def == cw__regdef(CW_REG_DISCLOSURES) &&
        cw__member(m, "prohibited") &&
        cw__member(m, "prohibited")->type == CW__T_TRUE)
        return;
    if (!v)
        return;
    if (v->kind == CW__NODE_SCALAR) {
        snprintf(out, n, " %s ", v->str);
        return;
    }
    if (cw__names_customer(v, NULL)) {
        snprintf(out, n, "*");
        return;
    }
    for (i = 0; i < v->n && len + v->kids[i]->len + 2 < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s%s ", len ? "" : " ",
                                v->kids[i]->str);
}

/* Does a version stored with `tenants` concern customer `t`? */
static bool concerns(const char *tenants, const char *t)
{
    char pat[80];
    if (!tenants)
        return false;
    if (strcmp(tenants, "*") == 0)
        return true;
    snprintf(pat, sizeof(pat), " %s ", t);
    return strstr(tenants, pat) != NULL;
}

/*
 * Customer `t`'s view of record `m`: the customers list cut to it, the
 * notifications and objections of other customers left out, and free
 * text left out when the record concerns others too (it may speak of
 * them).
 */
static enum cw_status project(const struct cw__regdef *def,
                              const struct cw__node *m, const char *t,
                              const char *tenants, struct cw__buf *o)
{
    bool shared = strcmp(tenants, "*") == 0 || strchr(tenants + 1, ' ') !=
                                                   tenants + strlen(tenants) - 1;
    enum cw_status st = cw__buf_puts(o, "{");
    size_t i, k, out = 0;

    for (i = 0; !st && i < m->n; i++) {
        const struct cw__node *key = m->kids[2 * i], *v = m->kids[2 * i + 1];
        const struct cw__field *f = cw__field_find(def->fields, key->str,
                                                   key->len);
        if (f && f->type == CW__F_NOTE && shared)
            continue;
        if ((st = cw__buf_puts(o, out++ ? "," : "")) ||
            (st = cw__json_string_buf(o, key->str)) ||
            (st = cw__buf_puts(o, ":")))
            break;
        if (f && f->type == CW__F_TENANTS) {
            st = strcmp(tenants, "*") == 0 ? cw__buf_puts(o, "[\"*\"]")
                                           : cw__buf_printf(o, "[\"%s\"]", t);
        } else if (f && f->type == CW__F_OBJS) {
            bool by_customer = cw__field_find(f->sub, "customer", 8) != NULL;
            size_t kept = 0;
            st = cw__buf_puts(o, "[");
            for (k = 0; !st && k < v->n; k++) {
                const struct cw__node *e = v->kids[k];
                const char *c = cw__member_text(e, "customer");
                size_t j, w = 0;
                if (by_customer && (!c || strcmp(c, t) != 0))
                    continue;
                st = cw__buf_puts(o, kept++ ? ",{" : "{");
                for (j = 0; !st && j < e->n; j++) {
                    const struct cw__field *sf = cw__field_find(
                        f->sub, e->kids[2 * j]->str, e->kids[2 * j]->len);
                    if (sf && sf->type == CW__F_NOTE && shared)
                        continue;
                    if (!(st = cw__buf_puts(o, w++ ? "," : "")) &&
                        !(st = cw__json_string_buf(o, e->kids[2 * j]->str)) &&
                        !(st = cw__buf_puts(o, ":")))
                        st = put_node(o, e->kids[2 * j + 1]);
                }
                if (!st)
                    st = cw__buf_puts(o, "}");
            }
            if (!st)
                st = cw__buf_puts(o, "]");
        } else {
            st = put_node(o, v);
        }
    }
    return st ? st : cw__buf_puts(o, "}");
}

/* ---- reading ------------------------------------------------------------ */

#define RECORD_COLUMNS                                                        \
    "SELECT register, id, version, body, sha256, closed, actor, created, "   \
    "tenants FROM register_records r "

struct each {
    int reg;
    const char *id, *tenant;
    int (*fn)(void *arg, const struct cw_reg_record *c);
    void *arg;
    enum cw_status st;
    struct cw_diag *d;
};

static int each_row(struct cw_access *a, struct cw__q *q, void *arg)
{
    struct each *e = arg;
    struct cw_reg_record c;
    struct cw__arena ar;
    struct cw__buf o;
    const char *reg = cw__col_text(q, 0), *tenants = cw__col_text(q, 8);
    int stop;

    (void)a;
    memset(&c, 0, sizeof(c));
    if (!reg || !cw_register_parse(reg, &c.reg))
        return 0; /* a register this version does not know */
    if (e->reg >= 0 && (int)c.reg != e->reg)
        return 0;
    c.id = cw__col_text(q, 1);
    if (e->id && (!c.id || strcmp(c.id, e->id) != 0))
        return 0;
    if (e->tenant && !concerns(tenants, e->tenant))
        return 0;
    c.version = cw__col_int64(q, 2);
    c.json = cw__col_text(q, 3);
    c.sha256 = cw__col_text(q, 4);
    c.closed = cw__col_int64(q, 5) != 0;
    c.actor = cw__col_text(q, 6);
    c.recorded = cw__col_int64(q, 7);
    if (!c.id || !c.json || !c.sha256 || !c.actor)
        return 0;
    if (!e->tenant)
        return e->fn(e->arg, &c);
    /* A customer reads its own view, made here. */
    cw__arena_init(&ar, 0);
    cw__buf_init(&o, BODY_MAX);
    {
        const struct cw__node *m = cw__record_tree(&ar, c.json);
        if (!m || project(cw__regdef(c.reg), m, e->tenant, tenants, &o)) {
            e->st = cw__diag_set(e->d, CW_EINTEGRITY, NULL, 0, 0,
                                 "%s record '%s' version %lld does not "
                                 "read back",
                                 reg, c.id, c.version);
            stop = 1;
        } else {
            c.json = o.data;
            stop = e->fn(e->arg, &c);
        }
    }
    cw__buf_release(&o);
    cw__arena_release(&ar);
    return stop;
}

enum cw_status cw__register_each_until(
    struct cw_access *a, int r, const char *id, const char *tenant,
    bool history, long long until,
    int (*fn)(void *arg, const struct cw_reg_record *c), void *arg,
    struct cw_diag *d)
{
    struct each e = { r, id, tenant, fn, arg, CW_OK, d };
    char sql[600], cut[64] = "";
    enum cw_status st;

    if (r >= CW_REG_COUNT)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0, "no such register");
    /* An integer of ours, not text from outside: safe in the SQL. */
    if (until > 0)
        snprintf(cut, sizeof(cut), "%s <= %lld",
                 history ? "WHERE created" : "AND x.created", until);
    if (history)
        snprintf(sql, sizeof(sql),
                 RECORD_COLUMNS "%s ORDER BY register, id, version", cut);
    else
        snprintf(sql, sizeof(sql),
                 RECORD_COLUMNS "WHERE version = (SELECT max(version) FROM "
                                "register_records x WHERE x.register = "
                                "r.register AND x.id = r.id%s%s) ORDER BY "
                                "register, id",
                 cut[0] ? " " : "", cut);
    st = cw__acc_each_row(a, sql, "cannot read the registers", each_row, &e,
                          d);
    return st ? st : e.st;
}

enum cw_status cw_register_each(struct cw_access *a, int r, const char *id,
                                const char *tenant, bool history,
                                int (*fn)(void *arg,
                                          const struct cw_reg_record *c),
                                void *arg, struct cw_diag *d)
{
    return cw__register_each_until(a, r, id, tenant, history, 0, fn, arg, d);
}

/* ---- writing ------------------------------------------------------------ */

/* The latest version of a record, read inside a write. */
struct latest {
    long long version;
    bool closed;
    char *body; /* cw__malloc'd */
};

static enum cw_status read_latest(struct cw_access *a, const char *reg,
                                  const char *id, struct latest *l,
                                  struct cw_diag *d)
{
    const void *v[2] = { reg, id };
    struct cw__q *q = NULL;
    int rc = cw__acc_one(a,
                         "SELECT version, closed, body FROM register_records "
                         "WHERE register = ? AND id = ? ORDER BY version "
                         "DESC LIMIT 1",
                         "tt", v, &q);
    memset(l, 0, sizeof(*l));
    if (rc == CW__Q_ERROR)
        return cw__acc_db_error(a, d, "cannot read the registers");
    if (rc == CW__Q_ROW) {
        const char *b = cw__col_text(q, 2);
        l->version = cw__col_int64(q, 0);
        l->closed = cw__col_int64(q, 1) != 0;
        l->body = cw__malloc(strlen(b ? b : "") + 1);
        if (l->body)
            memcpy(l->body, b ? b : "", strlen(b ? b : "") + 1);
        cw__q_finalize(q);
        if (!l->body)
            return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    return CW_OK;
}

/* Every customer the record names must be a tenant of the store. */
/* The next customer named in a version's `tenants` (" a b ") after *p,
 * into t; false when there is none left ("*" and "" name none). Ids are
 * at most 64 bytes (checked on input). */
static bool next_tenant(const char *tenants, const char **p, char t[80])
{
    size_t n;
    if (strcmp(tenants, "*") == 0)
        return false;
    *p += strspn(*p, " ");
    n = strcspn(*p, " ");
    if (!n || n >= 80)
        return false;
    memcpy(t, *p, n);
    t[n] = '\0';
    *p += n;
    return true;
}

static enum cw_status tenants_exist(struct cw_access *a, const char *tenants,
                                    struct cw_diag *d)
{
    char t[80];
    const char *p = tenants;
    enum cw_status st = CW_OK;
    while (!st && next_tenant(tenants, &p, t))
        if ((st = cw__acc_tenant_exists(a, t, d)))
            cw__diag_set(d, st, NULL, 0, 0,
                         "customer '%s' is not a tenant of this store: add "
                         "it first (cloudward tenant add %s --name NAME)",
                         t, t);
    return st;
}

/* One contract per customer: another open record for the same customer
 * is refused (which one would set the deadlines?). */
static enum cw_status one_contract(struct cw_access *a, const char *id,
                                   const char *tenants, struct cw_diag *d)
{
    const void *v[2] = { tenants, id };
    struct cw__q *q = NULL;
    int rc = cw__acc_one(
        a,
        "SELECT id FROM register_records r WHERE register = 'contracts' AND "
        "tenants = ? AND id <> ? AND closed = 0 AND version = (SELECT "
        "max(version) FROM register_records x WHERE x.register = r.register "
        "AND x.id = r.id)",
        "tt", v, &q);
    char other[80] = "";
    if (rc == CW__Q_ROW)
        snprintf(other, sizeof(other), "%s", cw__col_text(q, 0));
    cw__q_finalize(q);
    if (rc == CW__Q_ERROR)
        return cw__acc_db_error(a, d, "cannot read the registers");
    if (rc == CW__Q_ROW)
        return cw__diag_set(d, CW_EEXIST, NULL, 0, 0,
                            "the customer already has contract '%s': update "
                            "or close it",
                            other);
    return CW_OK;
}

/* The ledger entries of one change: one per customer named, under its
 * tenant; one for the provider when the record names none or every one. */
/* The ledger entries of the changes a transaction makes, appended all
 * at once just before it commits: a change that is rolled back (the next
 * record of an import was refused) leaves no entry behind. */
struct changes {
    struct cw__arena arena;
    struct cw_log_event *ev;
    size_t n, cap;
    bool oom;
};

static void changes_init(struct changes *c)
{
    memset(c, 0, sizeof(*c));
    cw__arena_init(&c->arena, 0);
}

static void changes_release(struct changes *c)
{
    cw__arena_release(&c->arena);
}

static struct cw_log_event *change_new(struct changes *c)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        struct cw_log_event *ev = cw__arena_alloc(&c->arena,
                                                  cap * sizeof(*ev));
        if (!ev) {
            c->oom = true;
            return NULL;
        }
        if (c->n)
            memcpy(ev, c->ev, c->n * sizeof(*ev));
        c->ev = ev;
        c->cap = cap;
    }
    memset(&c->ev[c->n], 0, sizeof(c->ev[0]));
    return &c->ev[c->n++];
}

/* The entries of one change: one per customer named, under its tenant;
 * one for the provider when the record names none or every one. */
static void record_change(struct changes *c, const char *action,
                          const char *reg, const char *id, long long version,
                          const char *sha, bool closed, const char *tenants,
                          const char *actor)
{
    const char *target = cw__arena_printf(&c->arena, "%s/%s", reg, id);
    const char *details = cw__arena_printf(
        &c->arena,
        "{\"register\":\"%s\",\"id\":\"%s\",\"version\":%lld,"
        "\"sha256\":\"%s\",\"closed\":%s}",
        reg, id, version, sha, closed ? "true" : "false");
    const char *who = cw__arena_strdup(&c->arena, actor);
    const char *p = tenants;
    char t[80];
    bool named = false;

    if (!target || !details || !who) {
        c->oom = true;
        return;
    }
    do {
        struct cw_log_event *ev;
        const char *tenant = NULL;
        if (next_tenant(tenants, &p, t)) {
            if (!(tenant = cw__arena_strdup(&c->arena, t))) {
                c->oom = true;
                return;
            }
            named = true;
        } else if (named) {
            break;
        }
        if (!(ev = change_new(c)))
            return;
        ev->actor = who;
        ev->action = action;
        ev->target = target;
        ev->tenant = tenant;
        ev->details_json = details;
        ev->time_ms = 0; /* the ledger's clock: entries stay in order */
        ev->file = "(registers)";
    } while (named);
}

static enum cw_status changes_flush(struct cw_access *a, struct changes *c,
                                    struct cw_diag *d)
{
    struct cw_ledger *l;
    enum cw_status st;
    if (c->oom)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    if (!c->n)
        return CW_OK;
    if ((st = cw_ledger_open(a->store, &l, d)))
        return st;
    st = cw_ledger_append(l, c->ev, c->n, NULL, NULL, d);
    cw_ledger_close(l);
    return st;
}

/* A notice to each user of each customer concerned by a sub-processor
 * change (every tenant's users for "*"), and to each such customer's
 * webhook (its own systems), in the change's transaction. */
static enum cw_status notify_change(struct cw_access *a, const char *id,
                                    const struct cw__node *m,
                                    long long version, const char *tenants,
                                    long long now, struct cw_diag *d)
{
    const char *name = cw__member_text(m, "name");
    const char *service = cw__member_text(m, "service");
    const char *start = cw__member_text(m, "start");
    char subject[300], t[80], record[100];
    struct cw__q *q = NULL;
    const char *p = tenants;

    snprintf(subject, sizeof(subject),
             "Sub-processor %s (%s) added or changed, in use from %s: you "
             "may object within your contract's window (subprocessors/%s)",
             name ? name : "?", service ? service : "?", start ? start : "?",
             id);
    snprintf(record, sizeof(record), "subprocessors/%s", id);
    if (strcmp(tenants, "*") == 0) {
        const void *v[3] = { subject, &version, &now };
        enum cw_status st = cw__webhook_enqueue_tenant(
            a, "*", "subprocessor.change", record, version, subject, now, d);
        if (st)
            return st;
        return cw__acc_one(a,
                           "INSERT INTO notices(tenant_id, user_id, kind, "
                           "doc_id, version, subject, created) SELECT "
                           "tenant_id, id, 'subprocessor.change', NULL, ?2, "
                           "?1, ?3 FROM users WHERE tenant_id IS NOT NULL "
                           "AND disabled = 0",
                           "tii", v, &q) == CW__Q_DONE
                   ? CW_OK
                   : cw__acc_db_error(a, d, "cannot send the notices");
    }
    while (next_tenant(tenants, &p, t)) {
        const void *v[4] = { subject, &version, &now, t };
        enum cw_status st = cw__webhook_enqueue_tenant(
            a, t, "subprocessor.change", record, version, subject, now, d);
        if (st)
            return st;
        if (cw__acc_one(a,
                        "INSERT INTO notices(tenant_id, user_id, kind, "
                        "doc_id, version, subject, created) SELECT "
                        "tenant_id, id, 'subprocessor.change', NULL, ?2, ?1, "
                        "?3 FROM users WHERE tenant_id = ?4 AND disabled = 0",
                        "tiit", v, &q) != CW__Q_DONE)
            return cw__acc_db_error(a, d, "cannot send the notices");
    }
    return CW_OK;
}

/* Did a sub-processor change in what customers are told of? */
static bool material_change(const struct cw__regdef *def,
                            const struct cw__node *old,
                            const struct cw__node *now)
{
    const struct cw__field *f;
    if (!old)
        return true;
    for (f = def->fields; f->name; f++)
        if ((f->flags & CW__MATERIAL) &&
            !node_equal(cw__member(old, f->name), cw__member(now, f->name)))
            return true;
    return false;
}

static struct cw__node *text_node(struct cw__arena *ar, const char *s)
{
    struct cw__node *n = cw__arena_alloc(ar, sizeof(*n));
    if (n && (n->str = cw__arena_strdup(ar, s))) {
        n->kind = CW__NODE_SCALAR;
        n->type = CW__T_STRING;
        n->len = strlen(s);
    }
    return n && n->str ? n : NULL;
}

/* The body to store: `given` checked, merged over `old` for an update,
 * with `notified` set for a sub-processor change. */
static enum cw_status body_of(const struct cw__regdef *def, const char *id,
                              const char *given, const char *old,
                              enum cw_reg_mode mode, long long now,
                              struct cw__arena *ar, struct cw__buf *out,
                              const struct cw__node **tree, bool *material,
                              struct cw_diag *d)
{
    const struct cw__node *g = cw__record_tree(ar, given);
    const struct cw__node *o = old ? cw__record_tree(ar, old) : NULL;
    struct cw__node *m;
    enum cw_status st;
    size_t i;

    if (!g)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "the record is not a JSON object");
    if (old && !o)
        return cw__diag_set(d, CW_EINTEGRITY, NULL, 0, 0,
                            "%s record '%s': the stored version does not "
                            "read back",
                            def->name, id);
    m = (struct cw__node *)g;
    if (mode == CW_REG_UPDATE && o) {
        m = (struct cw__node *)o;
        for (i = 0; m && i < g->n; i++)
            m = with_member(ar, m, g->kids[2 * i], g->kids[2 * i + 1]);
    }
    m = m ? with_member(ar, m, text_node(ar, "id"), text_node(ar, id)) : NULL;
    if (!m)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    *material = def == cw__regdef(CW_REG_SUBPROCESSORS) &&
                material_change(def, o, m);
    if (*material &&
        (!cw__member(g, "notified") ||
         (o && node_equal(cw__member(o, "notified"),
                          cw__member(m, "notified"))))) {
        char ts[40];
        cw__time_format(NULL, now, ts);
        m = with_member(ar, m, text_node(ar, "notified"), text_node(ar, ts));
        if (!m)
            return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    /* A notice sent stays sent: an unchanged sub-processor given again
     * without `notified` (an import) keeps the time it was told. */
    if (!*material && o && cw__member(o, "notified") &&
        !cw__member(g, "notified") &&
        !(m = with_member(ar, m, text_node(ar, "notified"),
                          (struct cw__node *)cw__member(o, "notified"))))
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    if ((st = cw__record_check(def, "(record)", m, true, false, out, d)))
        return st;
    *tree = m;
    return CW_OK;
}

/* Saves one record inside the caller's transaction. */
static enum cw_status save_one(struct cw_access *a, struct changes *log,
                               enum cw_register r, const char *id,
                               const char *json, enum cw_reg_mode mode,
                               bool close, const char *actor, long long now,
                               long long *version, bool *changed,
                               struct cw_diag *d)
{
    const struct cw__regdef *def = cw__regdef(r);
    struct latest l = { 0, false, NULL };
    struct cw__arena ar;
    struct cw__buf body;
    const struct cw__node *tree = NULL;
    char tenants[TENANTS_TEXT], sha[65];
    unsigned char h[32];
    enum cw_status st;
    bool material = false;

    *version = 0;
    *changed = false;
    if (!def)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0, "no such register");
    if (!id || !cw__acc_id_ok(id))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "expected a record id: 1 to 64 of a-z, 0-9 and "
                            "'-', not starting with '-'");
    if (!actor || !cw__acc_plain(actor))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "expected who acts (1 to 200 bytes of text)");
    cw__arena_init(&ar, 0);
    cw__buf_init(&body, BODY_MAX);
    st = read_latest(a, def->name, id, &l, d);
    if (!st && close && !l.version)
        st = cw__diag_set(d, CW_ENOENT, NULL, 0, 0, "no %s record '%s'",
                          def->name, id);
    else if (!st && !close && mode == CW_REG_ADD && l.version)
        st = cw__diag_set(d, CW_EEXIST, NULL, 0, 0,
                          "%s record '%s' exists: update it (cloudward "
                          "register %s update %s ...)",
                          def->name, id, def->name, id);
    else if (!st && !close && mode == CW_REG_UPDATE && !l.version)
        st = cw__diag_set(d, CW_ENOENT, NULL, 0, 0,
                          "no %s record '%s' to update (add it first)",
                          def->name, id);
    if (!st && l.closed)
        st = cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                          "%s record '%s' is closed: a closed record stays "
                          "as it was (add a new one)",
                          def->name, id);
    if (!st && close) {
        tree = cw__record_tree(&ar, l.body);
        st = tree ? cw__buf_puts(&body, l.body)
                  : cw__diag_set(d, CW_EINTEGRITY, NULL, 0, 0,
                                 "%s record '%s': the stored version does "
                                 "not read back",
                                 def->name, id);
    } else if (!st) {
        st = body_of(def, id, json, l.body, mode, now, &ar, &body, &tree,
                     &material, d);
    }
    if (!st && !close && l.version && strcmp(l.body, body.data) == 0) {
        *version = l.version;
        goto out; /* nothing changed: nothing written */
    }
    if (!st) {
        tenants_of(def, tree, tenants, sizeof(tenants));
        st = tenants_exist(a, tenants, d);
    }
    if (!st && r == CW_REG_CONTRACTS && !close)
        st = one_contract(a, id, tenants, d);
    if (!st) {
        const void *v[8] = { def->name, id, &l.version, body.data, sha,
                             actor, &now, tenants };
        long long closed = close;
        struct cw__q *q = NULL;
        l.version++;
        crypto_hash_sha256(h, (const unsigned char *)body.data, body.len);
        sodium_bin2hex(sha, sizeof(sha), h, sizeof(h));
        if (cw__acc_one(a,
                        close ? "INSERT INTO register_records(register, id, "
                                "version, body, sha256, closed, actor, "
                                "created, tenants) VALUES (?1, ?2, ?3, ?4, "
                                "?5, 1, ?6, ?7, ?8)"
                              : "INSERT INTO register_records(register, id, "
                                "version, body, sha256, closed, actor, "
                                "created, tenants) VALUES (?1, ?2, ?3, ?4, "
                                "?5, 0, ?6, ?7, ?8)",
                        "ttitttit", v, &q) != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot save the record");
        (void)closed;
    }
    if (!st && material)
        st = notify_change(a, id, tree, l.version, tenants, now, d);
    if (!st)
        record_change(log,
                      close            ? "register.close"
                      : l.version == 1 ? "register.add"
                                       : "register.update",
                      def->name, id, l.version, sha, close, tenants, actor);
    if (!st) {
        *version = l.version;
        *changed = true;
    }
out:
    cw__free(l.body);
    cw__buf_release(&body);
    cw__arena_release(&ar);
    return st;
}

static enum cw_status save(struct cw_access *a, enum cw_register r,
                           const char *id, const char *json,
                           enum cw_reg_mode mode, bool close,
                           const char *actor, long long now,
                           long long *version, bool *changed,
                           struct cw_diag *d)
{
    struct changes log;
    enum cw_status st;
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    changes_init(&log);
    st = save_one(a, &log, r, id, json, mode, close, actor, now, version,
                  changed, d);
    if (!st)
        st = changes_flush(a, &log, d);
    changes_release(&log);
    st = cw__acc_commit(a, st, d);
    if (st)
        *changed = false;
    return st;
}

enum cw_status cw_register_put(struct cw_access *a, enum cw_register r,
                               const char *id, const char *json,
                               enum cw_reg_mode mode, const char *actor,
                               long long now, long long *version,
                               bool *changed, struct cw_diag *d)
{
    if (!json)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0, "no record given");
    return save(a, r, id, json, mode, false, actor, now, version, changed,
                d);
}

enum cw_status cw_register_put_all(struct cw_access *a,
                                   const struct cw_reg_input *const *ins,
                                   size_t nin, enum cw_reg_mode mode,
                                   const char *id, const char *actor,
                                   long long now, size_t (*counts)[3],
                                   struct cw_diag *d)
{
    struct changes log;
    enum cw_status st = CW_OK;
    size_t i, k;

    memset(counts, 0, nin * sizeof(*counts));
    if (id && (nin != 1 || cw_reg_input_count(ins[0]) != 1))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "one record is needed for '%s'", id);
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    changes_init(&log);
    for (k = 0; !st && k < nin; k++) {
        enum cw_register r = cw_reg_input_register(ins[k]);
        for (i = 0; !st && i < cw_reg_input_count(ins[k]); i++) {
            const char *rid = id ? id : cw_reg_input_id(ins[k], i);
            long long version = 0;
            bool changed = false;
            if (!rid || !rid[0]) {
                st = cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                                  "%s record %zu has no id",
                                  cw_register_name(r), i + 1);
                break;
            }
            st = save_one(a, &log, r, rid, cw_reg_input_json(ins[k], i),
                          mode, false, actor, now, &version, &changed, d);
            if (!st)
                counts[k][!changed ? 2 : version == 1 ? 0 : 1]++;
        }
    }
    if (!st)
        st = changes_flush(a, &log, d);
    changes_release(&log);
    st = cw__acc_commit(a, st, d);
    if (st)
        memset(counts, 0, nin * sizeof(*counts));
    return st;
}

enum cw_status cw_register_put_input(struct cw_access *a,
                                     const struct cw_reg_input *in,
                                     enum cw_reg_mode mode, const char *id,
                                     const char *actor, long long now,
                                     size_t counts[3], struct cw_diag *d)
{
    return cw_register_put_all(a, &in, 1, mode, id, actor, now,
                               (size_t(*)[3])counts, d);
}

enum cw_status cw_register_close(struct cw_access *a, enum cw_register r,
                                 const char *id, const char *actor,
                                 long long now, struct cw_diag *d)
{
    long long version;
    bool changed;
    return save(a, r, id, NULL, CW_REG_UPDATE, true, actor, now, &version,
                &changed, d);
}
