/*
 * agent_push.c - an agent's push document (cw_agent.h): host results
 * written as JSON by the agent, read back by the server against the pack
 * the agent enrolled with.
 *
 *   {"format":"cloudward-agent-push/1","agent":"ID","seq":N,
 *    "pack":"NAME","pack_sha256":"HEX","started":"ISO 8601",
 *    "seconds":S,"results":[{"check":"ID","verdict":"pass",
 *    "reason":"...","file":"/etc/...","line":N}, ...]}
 *
 * The reader is strict: every member known, each check of the pack
 * exactly once, nothing the pack does not have. It reads only what a valid
 * signature covers (the server verifies first), but a signed document
 * is still checked whole: a host's key may be stolen, and a well-formed
 * lie is all it could then tell.
 */
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>

#include <cloudward/cw_agent.h>

#include "../core/core.h"
#include "../parse/node.h"
#include "../report/table.h"
#include "checks.h"

/* What one result's strings may hold. */
#define REASON_MAX 4096
#define FILE_MAX 4096

enum cw_status cw_agent_push_write(const struct cw_results *r, const char *id,
                                   long long seq, char **body, size_t *len,
                                   struct cw_diag *d)
{
    const struct cw_pack *p = cw_results_pack(r);
    struct cw__buf b;
    enum cw_status st;
    size_t i, n = cw_results_count(r);

    *body = NULL;
    *len = 0;
    if (strcmp(cw_results_kind(r), "host") != 0)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "an agent pushes host results, not a config "
                            "scan's");
    cw__buf_init(&b, CW_AGENT_PUSH_MAX);
    st = cw__buf_printf(&b,
                        "{\"format\":\"" CW_AGENT_PUSH_FORMAT "\","
                        "\"agent\":\"%s\",\"seq\":%lld,\"pack\":",
                        id, seq);
    if (!st)
        st = cw__json_string_buf(&b, cw_pack_name(p));
    if (!st)
        st = cw__buf_printf(&b,
                            ",\"pack_sha256\":\"%s\",\"started\":\"%s\","
                            "\"seconds\":%.6f,\"results\":[",
                            cw_pack_digest(p), cw_results_time(r),
                            cw_results_seconds(r));
    for (i = 0; !st && i < n; i++) {
        const struct cw_result *x = cw_results_at(r, i);
        st = cw__buf_puts(&b, i ? ",{\"check\":" : "{\"check\":");
        if (!st)
            st = cw__json_string_buf(&b, x->check->id);
        if (!st)
            st = cw__buf_printf(&b, ",\"verdict\":\"%s\"",
                                cw_verdict_name(x->verdict));
        if (!st && x->reason && *x->reason) {
            st = cw__buf_puts(&b, ",\"reason\":");
            if (!st)
                st = cw__json_string_buf(&b, x->reason);
        }
        if (!st && x->file && *x->file) {
            st = cw__buf_puts(&b, ",\"file\":");
            if (!st)
                st = cw__json_string_buf(&b, x->file);
            if (!st && x->line)
                st = cw__buf_printf(&b, ",\"line\":%u", x->line);
        }
        if (!st)
            st = cw__buf_puts(&b, "}");
    }
    if (!st)
        st = cw__buf_puts(&b, "]}\n");
    if (st) {
        cw__buf_release(&b);
        return cw__diag_set(d, st, NULL, 0, 0, "out of memory");
    }
    *body = b.data;
    *len = b.len;
    return CW_OK;
}

/* ---- reading ---------------------------------------------------------- */

struct reader {
    const char *name;
    struct cw_diag *d;
    size_t last; /* where the last check was found: results come in the
                    pack's order, so the next is usually the one after */
};

static const struct cw_check *find_check(struct reader *r,
                                         const struct cw_pack *pack,
                                         const char *id, size_t *index)
{
    size_t n = cw_pack_count(pack), i;
    for (i = 0; i < n; i++) {
        size_t k = (r->last + i) % n;
        const struct cw_check *c = cw_pack_check_at(pack, k);
        if (strcmp(c->id, id) == 0) {
            r->last = k + 1;
            *index = k;
            return c;
        }
    }
    return NULL;
}

/* A schema error at node n (NULL: no position). */
#define bad(r, n, ...)                                                        \
    cw__diag_set((r)->d, CW_ESCHEMA, (r)->name, (n) ? (n)->line : 0,        \
                 (n) ? (n)->col : 0, __VA_ARGS__)

/* A string member's text, or NULL (then an error is set). */
static const char *string_of(struct reader *r, const struct cw__node *v,
                             const char *key, size_t max, enum cw_status *st)
{
    if (v->kind != CW__NODE_SCALAR || v->type != CW__T_STRING ||
        v->len > max || strlen(v->str) != v->len) {
        *st = bad(r, v, "'%s': a string (no NUL), within its size", key);
        return NULL;
    }
    return v->str;
}

/* A whole number in [lo, hi]. */
static bool integer_of(const struct cw__node *v, double lo, double hi,
                       long long *out)
{
    if (v->kind != CW__NODE_SCALAR || v->type != CW__T_NUMBER ||
        v->num < lo || v->num > hi || v->num != (double)(long long)v->num)
        return false;
    *out = (long long)v->num;
    return true;
}

static bool verdict_of(const char *s, enum cw_verdict *out)
{
    int v;
    for (v = 0; v < CW_VERDICT_COUNT; v++)
        if (strcmp(s, cw_verdict_name((enum cw_verdict)v)) == 0) {
            *out = (enum cw_verdict)v;
            return true;
        }
    return false;
}

/* "YYYY-MM-DDTHH:MM:SSZ", as scans stamp their time. */
static bool time_ok(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    size_t i;
    if (strlen(s) != sizeof(shape) - 1)
        return false;
    for (i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return false;
    return true;
}

static enum cw_status read_result(struct reader *r,
                                  const struct cw__node *o,
                                  const struct cw_pack *pack,
                                  struct cw_results *res, bool *seen)
{
    const char *check = NULL, *reason = NULL, *file = NULL;
    const struct cw_check *c = NULL;
    const struct cw__node *cn = o;
    enum cw_verdict verdict = CW_VERDICT_COUNT;
    long long line = 0;
    enum cw_status st = CW_OK;
    size_t i, k = 0;

    if (o->kind != CW__NODE_MAP)
        return bad(r, o, "%s: each result is an object", "results");
    for (i = 0; !st && i < o->n; i++) {
        const struct cw__node *key = o->kids[2 * i], *v = o->kids[2 * i + 1];
        if (strcmp(key->str, "check") == 0) {
            check = string_of(r, v, "check", 256, &st);
            cn = v;
        } else if (strcmp(key->str, "verdict") == 0) {
            const char *s = string_of(r, v, "verdict", 32, &st);
            if (s && !verdict_of(s, &verdict))
                st = bad(r, v,
                         "'verdict': one of pass, fail, not_applicable, "
                         "unknown, error (%s)",
                         "as the scan names them");
        } else if (strcmp(key->str, "reason") == 0) {
            reason = string_of(r, v, "reason", REASON_MAX, &st);
        } else if (strcmp(key->str, "file") == 0) {
            file = string_of(r, v, "file", FILE_MAX, &st);
        } else if (strcmp(key->str, "line") == 0) {
            if (!integer_of(v, 1, 4294967295.0, &line))
                st = bad(r, v, "'%s': a line number from 1", "line");
        } else {
            st = bad(r, key, "unknown member '%s' in a result", key->str);
        }
    }
    if (st)
        return st;
    if (!check || verdict == CW_VERDICT_COUNT)
        return bad(r, o, "a result has a 'check' and a '%s'", "verdict");
    if (!(c = find_check(r, pack, check, &k)))
        return bad(r, cn, "check '%s' is not in the pack", check);
    if (seen[k])
        return bad(r, cn, "check '%s' has two results", check);
    seen[k] = true;
    if (!cw__results_put(res, c, verdict, reason ? reason : "", file,
                         (unsigned)line, NULL))
        return cw__diag_set(r->d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    return CW_OK;
}

enum cw_status cw_agent_push_read(const struct cw_pack *pack,
                                  const char *name, const char *body,
                                  size_t len, const char *target,
                                  struct cw_agent_push *push,
                                  struct cw_results **out, struct cw_diag *d)
{
    struct cw__yaml_limits lim = { 8, (size_t)64 << 20, false };
    struct reader r = { name, d, 0 };
    struct cw__arena arena;
    struct cw__node *root = NULL;
    const struct cw__node *results = NULL;
    struct cw_results *res = NULL;
    enum cw_status st;
    bool *seen = NULL, format = false;
    size_t i;

    *out = NULL;
    memset(push, 0, sizeof(*push));
    push->seconds = -1;
    if (len > CW_AGENT_PUSH_MAX)
        return cw__diag_set(d, CW_ELIMIT, name, 0, 0,
                            "a push is at most %d bytes", CW_AGENT_PUSH_MAX);
    cw__arena_init(&arena, (size_t)64 << 20);
    if ((st = cw__json_parse(&arena, name, body, len, &lim, &root, d)))
        goto out;
    if (root->kind != CW__NODE_MAP) {
        st = bad(&r, root, "a push is a JSON %s", "object");
        goto out;
    }
    for (i = 0; !st && i < root->n; i++) {
        const struct cw__node *key = root->kids[2 * i],
                              *v = root->kids[2 * i + 1];
        const char *k = key->str, *s;
        if (strcmp(k, "format") == 0) {
            s = string_of(&r, v, k, 64, &st);
            if (s && strcmp(s, CW_AGENT_PUSH_FORMAT) != 0)
                st = bad(&r, v, "'format': \"%s\"", CW_AGENT_PUSH_FORMAT);
            format = s != NULL;
        } else if (strcmp(k, "agent") == 0) {
            if ((s = string_of(&r, v, k, 16, &st)))
                snprintf(push->agent, sizeof(push->agent), "%s", s);
        } else if (strcmp(k, "seq") == 0) {
            if (!integer_of(v, 1, 9007199254740991.0, &push->seq))
                st = bad(&r, v, "'%s': a whole number from 1", k);
        } else if (strcmp(k, "pack") == 0) {
            if ((s = string_of(&r, v, k, 63, &st)))
                snprintf(push->pack, sizeof(push->pack), "%s", s);
        } else if (strcmp(k, "pack_sha256") == 0) {
            if ((s = string_of(&r, v, k, 64, &st)))
                snprintf(push->pack_sha256, sizeof(push->pack_sha256), "%s",
                         s);
        } else if (strcmp(k, "started") == 0) {
            if ((s = string_of(&r, v, k, 31, &st)) && !time_ok(s))
                st = bad(&r, v, "'%s': UTC as YYYY-MM-DDTHH:MM:SSZ", k);
            else if (s)
                snprintf(push->started, sizeof(push->started), "%s", s);
        } else if (strcmp(k, "seconds") == 0) {
            if (v->kind != CW__NODE_SCALAR || v->type != CW__T_NUMBER ||
                !(v->num >= 0 && v->num < 86400 * 7))
                st = bad(&r, v, "'%s': a duration in seconds", k);
            else
                push->seconds = v->num;
        } else if (strcmp(k, "results") == 0) {
            if (v->kind != CW__NODE_SEQ)
                st = bad(&r, v, "'%s': an array", k);
            results = v;
        } else {
            st = bad(&r, key, "unknown member '%s' in a push", k);
        }
    }
    if (st)
        goto out;
    if (!format || !push->agent[0] || !push->seq || !push->pack[0] ||
        !push->pack_sha256[0] || !push->started[0] || push->seconds < 0 ||
        !results) {
        st = bad(&r, root,
                 "a push has format, agent, seq, pack, pack_sha256, started, "
                 "seconds and %s",
                 "results");
        goto out;
    }
    if (strcmp(push->pack, cw_pack_name(pack)) != 0 ||
        strcmp(push->pack_sha256, cw_pack_digest(pack)) != 0) {
        st = cw__diag_set(d, CW_ESCHEMA, name, root->line, root->col,
                          "the push was made with pack '%s' (SHA-256 %.12s...), "
                          "not the server's '%s' (%.12s...): update the agent "
                          "or the server so that both run one text",
                          push->pack, push->pack_sha256, cw_pack_name(pack),
                          cw_pack_digest(pack));
        goto out;
    }
    if (!(res = cw__results_new(pack, target, "host")) ||
        !(seen = cw__calloc(cw_pack_count(pack) + 1, sizeof(*seen)))) {
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    for (i = 0; !st && i < results->n; i++)
        st = read_result(&r, results->kids[i], pack, res, seen);
    /* A host scan judges every check: a result left out would read as
     * nothing wrong there. */
    for (i = 0; !st && i < cw_pack_count(pack); i++)
        if (!seen[i])
            st = bad(&r, results, "check '%s' has no result: a push holds "
                                  "one for every check of the pack",
                     cw_pack_check_at(pack, i)->id);
    if (!st)
        cw__results_restored(res, push->started, push->seconds);
out:
    cw__free(seen);
    cw__arena_release(&arena);
    if (st) {
        cw_results_free(res);
        return st;
    }
    *out = res;
    return CW_OK;
}
