/*
 * record.c - the scope and its decisions into the ledger.
 *
 * The scope (cloudward.yaml) and the decision files are files people edit
 * with the tools they like; cloudward cannot see an edit happen. What it
 * can do is refuse to work from a state the ledger does not hold: before
 * an SoA or a matrix is built, the state on disk is compared with the
 * last one recorded, and each difference becomes an entry
 *
 *   scope.set        target the scope file's name, details {sha256,
 *                    organisation}
 *   decision.set     target "CATALOG ID", details {applicable, status,
 *                    responsibility, source, file, line, sha256}
 *   decision.remove  target "CATALOG ID", a decision recorded earlier
 *                    that no file holds any more
 *
 * all in one append. `sha256` is the digest of everything the decision
 * says; the free texts (justification, owner, notes) stay out of the
 * ledger, which cannot be erased, and only their digest goes in. The
 * recorded state is read back from the ledger itself (the entries of the
 * foundation kind, through their own index), so the record and the
 * history cannot disagree.
 */
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>

#include <sodium.h>

#include <cloudward/cw_catalog.h>
#include <cloudward/cw_scope.h>

#include "ledger.h"

/* The last recorded digest of each target. */
struct known {
    char *target;
    char sha[65];
    bool seen; /* still held by the files */
};

struct state {
    struct known *k;
    size_t n, cap;
    char scope_sha[65];
    char org[512];       /* the organisation the store records, "" unknown */
    char where[33];      /* digest of the scope file's real path */
    uint64_t org_index;  /* the entry that said so */
    bool bad;
};

static struct known *find(struct state *s, const char *target)
{
    size_t i;
    for (i = 0; i < s->n; i++)
        if (strcmp(s->k[i].target, target) == 0)
            return &s->k[i];
    return NULL;
}

static bool put(struct state *s, const char *target, const char *sha)
{
    struct known *k = find(s, target);
    if (!k) {
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 64;
            struct known *p = cw__realloc(s->k, cap * sizeof(*p));
            if (!p)
                return false;
            s->k = p;
            s->cap = cap;
        }
        k = &s->k[s->n];
        if (!(k->target = cw__strdup(target)))
            return false;
        s->n++;
    }
    snprintf(k->sha, sizeof(k->sha), "%s", sha);
    k->seen = false;
    return true;
}

/* Reads a recorded entry into *r (strings in `a`); false when it is not
 * one (not JSON, or without action, target or actor). */
static bool parse_record(struct cw__arena *a, uint64_t index,
                         const char *body, struct cw_record *r)
{
    struct cw__node *root = NULL;
    struct cw_diag d;
    const struct cw__node *det, *res, *t, *app, *line;

    memset(r, 0, sizeof(*r));
    if (cw__json_parse(a, "ledger", body, strlen(body), NULL, &root, &d))
        return false;
    r->index = index;
    r->action = cw__node_str(cw__node_get(root, "api"), "operation");
    r->actor = cw__node_str(cw__node_get(cw__node_get(root, "actor"), "user"),
                            "uid");
    res = cw__node_get(root, "resources");
    r->target = res && res->kind == CW__NODE_SEQ && res->n
                    ? cw__node_str(res->kids[0], "uid")
                    : NULL;
    t = cw__node_get(root, "time");
    r->time_ms = t ? (long long)t->num : 0;
    det = cw__node_get(cw__node_get(root, "unmapped"), "details");
    r->sha256 = cw__node_str(det, "sha256");
    r->organisation = cw__node_str(det, "organisation");
    r->scope_file = cw__node_str(det, "scope_file");
    r->status = cw__node_str(det, "status");
    r->source = cw__node_str(det, "source");
    r->responsibility = cw__node_str(det, "responsibility");
    r->file = cw__node_str(det, "file");
    line = cw__node_get(det, "line");
    r->line = line ? (unsigned)line->num : 0;
    app = cw__node_get(det, "applicable");
    r->applicable = app ? (app->type == CW__T_TRUE ? 1 : 0) : -1;
    return r->action && r->target && r->actor;
}

/* Folds one recorded entry into the state. */
static bool fold(void *arg, uint64_t index, const char *body)
{
    struct state *s = arg;
    struct cw__arena a;
    struct cw_record r;

    cw__arena_init(&a, 0);
    if (!parse_record(&a, index, body, &r)) {
        s->bad = true;
    } else if (strncmp(r.action, "scope.", 6) == 0) {
        /* scope.init records no digest: the first record follows it. */
        snprintf(s->scope_sha, sizeof(s->scope_sha), "%s",
                 r.sha256 ? r.sha256 : "");
        if (r.organisation) {
            snprintf(s->org, sizeof(s->org), "%s", r.organisation);
            snprintf(s->where, sizeof(s->where), "%s",
                     r.scope_file ? r.scope_file : "");
            s->org_index = index;
        }
    } else if (strcmp(r.action, "decision.remove") == 0) {
        struct known *k = find(s, r.target);
        if (k)
            k->sha[0] = '\0';
    } else if (!put(s, r.target, r.sha256 ? r.sha256 : "")) {
        s->bad = true;
    }
    cw__arena_release(&a);
    return !s->bad;
}

/* Digest of everything a decision says, each field length-prefixed so no
 * two decisions share one. */
static enum cw_status decision_sha(const struct cw_decision *x, char hex[65])
{
    const char *f[10];
    char app[2] = { x->applicable ? 'y' : 'n', 0 };
    struct cw__buf b;
    enum cw_status st = CW_OK;
    unsigned char h[32];
    size_t i;

    f[0] = x->control->catalog;
    f[1] = x->control->id;
    f[2] = app;
    f[3] = x->justification;
    f[4] = x->source;
    f[5] = x->status;
    f[6] = x->owner;
    f[7] = x->responsibility == CW_RESP_NONE
               ? NULL
               : cw_resp_name(x->responsibility);
    f[8] = x->notes;
    f[9] = x->evidence;
    cw__buf_init(&b, (size_t)1 << 24);
    for (i = 0; !st && i < 10; i++) {
        char len[24];
        snprintf(len, sizeof(len), "%zu:", f[i] ? strlen(f[i]) : 0);
        st = cw__buf_puts(&b, f[i] ? len : "-:");
        if (!st && f[i])
            st = cw__buf_puts(&b, f[i]);
    }
    /* Fields decisions gained later join the digest only when set, so a
     * decision that does not use them keeps the digest it was recorded
     * with. */
    if (!st && (x->provider_part || x->customer_part || x->nrelies))
        st = cw__buf_printf(&b, "P%zu:%sC%zu:%sR%zu",
                            x->provider_part ? strlen(x->provider_part) : 0,
                            x->provider_part ? x->provider_part : "",
                            x->customer_part ? strlen(x->customer_part) : 0,
                            x->customer_part ? x->customer_part : "",
                            x->nrelies);
    for (i = 0; !st && i < x->nrelies; i++) {
        const char *who = x->relies[i].upstream->name;
        const char *part = x->relies[i].part ? x->relies[i].part : "";
        st = cw__buf_printf(&b, ":%zu:%s%zu:%s", strlen(who), who,
                            strlen(part), part);
    }
    if (!st) {
        cw__sha256(b.data, b.len, h);
        sodium_bin2hex(hex, 65, h, sizeof(h));
    }
    cw__buf_release(&b);
    return st;
}

/* The file a decision came from, as the ledger names it: relative to the
 * scope's folder when it is under it (an absolute path may carry a
 * person's home folder), else its base name. */
static const char *short_name(const char *file, const char *scope_path)
{
    const char *slash = strrchr(scope_path, '/');
    size_t n = slash ? (size_t)(slash - scope_path) + 1 : 0;
    if (n && strncmp(file, scope_path, n) == 0)
        return file + n;
    if (!n && file[0] != '/')
        return file;
    slash = strrchr(file, '/');
    return slash ? slash + 1 : file;
}

/* One pending event, its strings in `a`. */
static enum cw_status add_event(struct cw__arena *a, struct cw_log_event **ev,
                                size_t *n, size_t *cap, const char *actor,
                                const char *action, const char *target,
                                const char *details)
{
    struct cw_log_event *e;
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 32;
        struct cw_log_event *p = cw__realloc(*ev, c * sizeof(*p));
        if (!p)
            return CW_ENOMEM;
        *ev = p;
        *cap = c;
    }
    e = &(*ev)[(*n)++];
    memset(e, 0, sizeof(*e));
    e->actor = actor;
    e->action = action;
    e->target = cw__arena_strdup(a, target);
    e->details_json = details ? cw__arena_strdup(a, details) : NULL;
    e->file = "(record)";
    return e->target && (!details || e->details_json) ? CW_OK : CW_ENOMEM;
}

static enum cw_status details_of(const struct cw_decision *x,
                                 const char *scope_path, const char *sha,
                                 struct cw__buf *b)
{
    enum cw_status st = CW_OK;
    const char *file = x->file ? short_name(x->file, scope_path) : NULL;
    char line[32];

    b->len = 0;
    /* Keys in sorted order: the entry builder canonicalizes anyway. */
    st = cw__buf_puts(b, x->applicable ? "{\"applicable\":true"
                                       : "{\"applicable\":false");
    if (!st && file) {
        st = cw__buf_puts(b, ",\"file\":");
        if (!st)
            st = cw__json_str(b, file, strlen(file));
        snprintf(line, sizeof(line), ",\"line\":%u", x->line);
        if (!st)
            st = cw__buf_puts(b, line);
    }
    if (!st && x->responsibility != CW_RESP_NONE) {
        const char *r = cw_resp_name(x->responsibility);
        st = cw__buf_puts(b, ",\"responsibility\":");
        if (!st)
            st = cw__json_str(b, r, strlen(r));
    }
    if (!st) {
        st = cw__buf_puts(b, ",\"sha256\":\"");
        if (!st)
            st = cw__buf_puts(b, sha);
        if (!st)
            st = cw__buf_puts(b, "\"");
    }
    if (!st && x->source) {
        st = cw__buf_puts(b, ",\"source\":");
        if (!st)
            st = cw__json_str(b, x->source, strlen(x->source));
    }
    if (!st && x->status) {
        st = cw__buf_puts(b, ",\"status\":");
        if (!st)
            st = cw__json_str(b, x->status, strlen(x->status));
    }
    if (!st)
        st = cw__buf_append(b, "}", 2); /* with its NUL */
    return st;
}

enum cw_status cw_ledger_record_scope(struct cw_ledger *l,
                                      const struct cw_scope *scope,
                                      const char *actor, size_t *changes,
                                      struct cw_diag *d)
{
    struct state s;
    struct cw__arena a;
    struct cw__buf file, det;
    struct cw_log_event *ev = NULL;
    size_t n = 0, cap = 0, i;
    const char *path = cw_scope_path(scope);
    char sha[65], target[512];
    unsigned char h[32];
    enum cw_status st;

    *changes = 0;
    memset(&s, 0, sizeof(s));
    cw__arena_init(&a, 0);
    cw__buf_init(&file, (size_t)1 << 26);
    cw__buf_init(&det, (size_t)1 << 16);
    if ((st = cw__ledger_each(l, CW__KIND_FOUNDATION, fold, &s, d)))
        goto out;
    if (s.bad) {
        st = cw__diag_set(d, CW_EINTEGRITY, NULL, 0, 0,
                          "a recorded decision cannot be read; run "
                          "'cloudward log verify'");
        goto out;
    }
    /* One store records one scope: a second one would record the first
     * one's decisions as removed, and its own as set, on every run. A
     * scope is known by its organisation and by a digest of its file's
     * real path (the path itself may name a person); one of the two may
     * change (an organisation renamed, a checkout moved), not both. */
    {
        char real[4096], where[33];
        unsigned char hp[32];
        if (!realpath(path, real))
            snprintf(real, sizeof(real), "%s", path);
        cw__sha256(real, strlen(real), hp);
        sodium_bin2hex(where, sizeof(where), hp, 16);
        if (s.org[0] && strcmp(s.org, cw_scope_organisation(scope)) != 0 &&
            strcmp(s.where, where) != 0) {
            st = cw__diag_set(d, CW_EINVAL, path, 0, 0,
                              "this store records the scope of '%s' "
                              "(ledger entry %llu); give '%s' a store of "
                              "its own (--store DIR or $CLOUDWARD_STORE)",
                              s.org, (unsigned long long)s.org_index,
                              cw_scope_organisation(scope));
            goto out;
        }
        /* The scope file as it is now (and, once, whose it is, for a
         * store recorded before scope.set said so). */
        if ((st = cw__read_file(path, &file, d)))
            goto out;
        cw__sha256(file.data ? file.data : "", file.len, h);
        sodium_bin2hex(sha, sizeof(sha), h, sizeof(h));
        if (strcmp(sha, s.scope_sha) != 0 || !s.org[0] ||
            strcmp(s.where, where) != 0) {
            struct cw__buf js;
            const char *slash = strrchr(path, '/');
            const char *org = cw_scope_organisation(scope);
            cw__buf_init(&js, 4096);
            st = cw__buf_puts(&js, "{\"organisation\":");
            if (!st)
                st = cw__json_str(&js, org, strlen(org));
            if (!st)
                st = cw__buf_printf(&js,
                                    ",\"scope_file\":\"%s\",\"sha256\":"
                                    "\"%s\"}",
                                    where, sha);
            if (!st)
                st = add_event(&a, &ev, &n, &cap, actor, "scope.set",
                               slash ? slash + 1 : path, js.data);
            cw__buf_release(&js);
            if (st)
                goto nomem;
        }
    }
    /* Each decision, new or changed. */
    for (i = 0; i < cw_scope_decision_count(scope); i++) {
        const struct cw_decision *x = cw_scope_decision(scope, i);
        struct known *k;
        snprintf(target, sizeof(target), "%s %s", x->control->catalog,
                 x->control->id);
        if ((st = decision_sha(x, sha)))
            goto nomem;
        k = find(&s, target);
        if (k)
            k->seen = true;
        if (k && strcmp(k->sha, sha) == 0)
            continue;
        if ((st = details_of(x, path, sha, &det)) ||
            (st = add_event(&a, &ev, &n, &cap, actor, "decision.set", target,
                            det.data)))
            goto nomem;
    }
    /* Decisions recorded earlier that no file holds now. */
    for (i = 0; i < s.n; i++)
        if (!s.k[i].seen && s.k[i].sha[0] &&
            (st = add_event(&a, &ev, &n, &cap, actor, "decision.remove",
                            s.k[i].target, NULL)))
            goto nomem;
    if (n && !(st = cw_ledger_append(l, ev, n, NULL, NULL, d)))
        *changes = n;
    goto out;
nomem:
    st = cw__diag_set(d, st, NULL, 0, 0, "out of memory");
out:
    for (i = 0; i < s.n; i++)
        cw__free(s.k[i].target);
    cw__free(s.k);
    cw__free(ev);
    cw__buf_release(&file);
    cw__buf_release(&det);
    cw__arena_release(&a);
    return st;
}

/* ---- history ----------------------------------------------------------- */

struct hist {
    const char *target;
    bool (*fn)(void *arg, const struct cw_record *r);
    void *arg;
    bool bad;
};

static bool hist_one(void *arg, uint64_t index, const char *body)
{
    struct hist *h = arg;
    struct cw__arena a;
    struct cw_record r;
    bool go = true;

    cw__arena_init(&a, 0);
    if (!parse_record(&a, index, body, &r))
        h->bad = true;
    else if (!h->target || strcmp(h->target, r.target) == 0)
        go = h->fn(h->arg, &r);
    cw__arena_release(&a);
    return go && !h->bad;
}

enum cw_status cw_ledger_record_each(struct cw_ledger *l, const char *target,
                                     bool (*fn)(void *arg,
                                                const struct cw_record *r),
                                     void *arg, struct cw_diag *d)
{
    struct hist h = { target, fn, arg, false };
    enum cw_status st = cw__ledger_each(l, CW__KIND_FOUNDATION, hist_one, &h,
                                        d);
    if (!st && h.bad)
        st = cw__diag_set(d, CW_EINTEGRITY, NULL, 0, 0,
                          "a recorded decision cannot be read; run "
                          "'cloudward log verify'");
    return st;
}
