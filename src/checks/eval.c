/*
 * eval.c - evaluation of rule trees and the host scan driver.
 *
 * Combinators use three-valued logic with `error` dominating (see
 * docs/check-packs.md): `all` fails as soon as one part fails, but only
 * passes when every part passed; an `unknown` part can never turn into a
 * pass. `not` swaps pass and fail and leaves unknown alone. A probe that is
 * not-applicable inside a combinator (a mount option on a path that is no
 * mount of its own) counts as neutral: it neither passes nor fails the
 * whole, and a combinator whose parts are all not-applicable is itself
 * not-applicable.
 *
 * The scan evaluates checks in pack order against one `struct host`, so
 * every configuration file is parsed once however many checks read it.
 */
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "checks.h"

_Thread_local bool cw__terse;

/* `v` in decimal, into num (24 bytes); returns where it starts. */
static const char *decimal(char num[24], unsigned long long v, bool neg)
{
    char *p = num + 23;
    *p = '\0';
    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    if (neg)
        *--p = '-';
    return p;
}

static const char *signed_decimal(char num[24], long long v)
{
    return decimal(num, v < 0 ? 0ull - (unsigned long long)v
                              : (unsigned long long)v, v < 0);
}

/* Appends s[0, len) to dst (n bytes used of cap), truncating. */
static size_t put_run(char *dst, size_t cap, size_t n, const char *s,
                      size_t len)
{
    if (len > cap - 1 - n)
        len = cap - 1 - n;
    memcpy(dst + n, s, len);
    return n + len;
}

/*
 * vsnprintf for reasons, into `cap` bytes (truncated, always terminated),
 * doing %s %d %u %zu %lld and %% itself: glibc's vsnprintf was 6.6% of a
 * large plan scan's instructions, formatting the reasons of failed
 * checks. Any other conversion goes to vsnprintf, from the start.
 */
__attribute__((format(printf, 3, 0))) static void
reason_printf(char *dst, size_t cap, const char *fmt, va_list ap)
{
    const char *f = fmt, *pct;
    size_t n = 0;
    va_list aq;

    va_copy(aq, ap);
    while ((pct = strchr(f, '%')) != NULL) {
        char num[24];
        const char *s = num;
        n = put_run(dst, cap, n, f, (size_t)(pct - f));
        f = pct + 1;
        if (*f == 's') {
            if (!(s = va_arg(aq, const char *)))
                s = "(null)";
        } else if (*f == 'd') {
            s = signed_decimal(num, va_arg(aq, int));
        } else if (*f == 'u') {
            s = decimal(num, va_arg(aq, unsigned), false);
        } else if (f[0] == 'z' && f[1] == 'u') {
            f++;
            s = decimal(num, va_arg(aq, size_t), false);
        } else if (f[0] == 'l' && f[1] == 'l' && f[2] == 'd') {
            f += 2;
            s = signed_decimal(num, va_arg(aq, long long));
        } else if (*f == '%') {
            s = "%";
        } else {
            va_end(aq);
            vsnprintf(dst, cap, fmt, ap);
            return;
        }
        f++;
        n = put_run(dst, cap, n, s, strlen(s));
    }
    va_end(aq);
    n = put_run(dst, cap, n, f, strlen(f));
    dst[n] = '\0';
}

void outcome_set(struct outcome *o, enum cw_verdict v, const char *fmt, ...)
{
    va_list ap;
    o->v = v;
    if (cw__terse) {
        o->reason[0] = '\0';
        return;
    }
    va_start(ap, fmt);
    reason_printf(o->reason, sizeof(o->reason), fmt, ap);
    va_end(ap);
}

bool re_match(const pcre2_code *re, const char *s, size_t len, bool *err)
{
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    int rc;

    if (!md) {
        *err = true;
        return false;
    }
    rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
        *err = true;
    return rc >= 0;
}

static bool parse_int(const char *s, long long *out)
{
    char *end;
    if (!*s)
        return false;
    *out = strtoll(s, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    return *end == '\0';
}

static bool same(const char *a, const char *b, bool icase)
{
    return (icase ? strcasecmp(a, b) : strcmp(a, b)) == 0;
}

static bool in_list(const char *v, const char *const *list, size_t n,
                    bool icase)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (same(v, list[i], icase))
            return true;
    return false;
}

/* Where a value came from, for reasons: " (FILE:LINE)" or "". */
static void where(char *out, size_t n, const char *file, unsigned line)
{
    if (file && line)
        snprintf(out, n, " (%s:%u)", file, line);
    else if (file)
        snprintf(out, n, " (%s)", file);
    else
        out[0] = '\0';
}

static void judge_value(const struct value_test *vt, const char *what,
                        const char *value, const char *file, unsigned line,
                        unsigned flags, struct outcome *o);

/*
 * A setting the benchmark asks to see written (`explicit: true`) fails
 * when only the program's default gives its value, even a safe one: a
 * default can change with a package upgrade, and an auditor needs to see
 * the decision. The reason says that the default happens to be safe.
 */
void value_judge(const struct value_test *vt, const char *what,
                 const char *value, const char *file, unsigned line,
                 unsigned flags, struct outcome *o)
{
    judge_value(vt, what, value, file, line, flags, o);
    if (!value && vt->explicit_only && o->v == CW_VERDICT_PASS)
        outcome_set(o, CW_VERDICT_FAIL,
                    "%s is not set in the configuration; the running "
                    "default '%s' happens to be safe, but the benchmark "
                    "asks for the setting to be written",
                    what, vt->deflt);
}

static void judge_value(const struct value_test *vt, const char *what,
                        const char *value, const char *file, unsigned line,
                        unsigned flags, struct outcome *o)
{
    char at[600];
    const char *v = value ? value : vt->deflt;
    long long num;
    bool err = false, icase = flags & VJ_ICASE;

    o->file = file;
    o->line = line;
    if (cw__terse || (flags & VJ_NO_POS))
        at[0] = '\0';
    else
        where(at, sizeof(at), file, line);
    if (!v) {
        outcome_set(o, CW_VERDICT_FAIL, "%s is not set", what);
        return;
    }
    if (!value)
        snprintf(at, sizeof(at), " (not set; default)");
    if (vt->equals && !same(v, vt->equals, icase)) {
        outcome_set(o, CW_VERDICT_FAIL, "%s is '%s'%s; expected '%s'", what,
                    v, at, vt->equals);
        return;
    }
    if (vt->in && !in_list(v, vt->in, vt->nin, icase)) {
        outcome_set(o, CW_VERDICT_FAIL, "%s is '%s'%s; expected one of %s%s",
                    what, v, at, vt->in[0], vt->nin > 1 ? ", ..." : "");
        return;
    }
    if (vt->not_in && in_list(v, vt->not_in, vt->nnot_in, icase)) {
        outcome_set(o, CW_VERDICT_FAIL, "%s is '%s'%s, a refused value", what,
                    v, at);
        return;
    }
    if (vt->regex && !re_match(vt->regex, v, strlen(v), &err)) {
        if (err)
            outcome_set(o, CW_VERDICT_ERROR, "regex '%s' failed to run",
                        vt->regex_src);
        else
            outcome_set(o, CW_VERDICT_FAIL, "%s is '%s'%s; expected to match "
                        "'%s'", what, v, at, vt->regex_src);
        return;
    }
    if (vt->has_min || vt->has_max) {
        if (!parse_int(v, &num)) {
            outcome_set(o, CW_VERDICT_FAIL, "%s is '%s'%s; expected a number",
                        what, v, at);
            return;
        }
        if ((vt->has_min && num < vt->min) || (vt->has_max && num > vt->max)) {
            outcome_set(o, CW_VERDICT_FAIL, "%s is %lld%s; expected %s%lld",
                        what, num, at, vt->has_min && num < vt->min ? ">= "
                                                                    : "<= ",
                        vt->has_min && num < vt->min ? vt->min : vt->max);
            return;
        }
    }
    outcome_set(o, CW_VERDICT_PASS, "%s is '%s'%s", what, v, at);
}

typedef void (*probe_fn)(struct host *, const struct rule *, struct outcome *);

static const probe_fn probes[R_KIND_COUNT] = {
    [R_FILE] = probe_file,       [R_LINES] = probe_lines,
    [R_SSHD] = probe_sshd,       [R_SYSCTL] = probe_sysctl,
    [R_KEYVALUE] = probe_keyvalue, [R_PAM] = probe_pam,
    [R_SUDOERS] = probe_sudoers, [R_AUDIT] = probe_audit,
    [R_TREE] = probe_tree,       [R_PACKAGE] = probe_package,
    [R_SERVICE] = probe_service, [R_ACCOUNTS] = probe_accounts,
    [R_MOUNT] = probe_mount,     [R_KMOD] = probe_kmod,
    [R_SOCKET] = probe_socket,   [R_OS] = probe_os,
};

/* all / any / none over the kids; `leaf` evaluates each kid in `ctx`
 * (a host for host packs, a document node for config packs). */
void outcome_copy(struct outcome *dst, const struct outcome *src)
{
    dst->v = src->v;
    dst->file = src->file;
    dst->line = src->line;
    /* Terse outcomes (most of them) have no reason: no strlen call. */
    if (!src->reason[0])
        dst->reason[0] = '\0';
    else
        memcpy(dst->reason, src->reason, strlen(src->reason) + 1);
}

/* The first part's outcome (verdict, place) with every part's reason. */
static void joined_outcome(struct outcome *o, const struct outcome *first,
                           const char *joined)
{
    size_t n = strlen(joined);
    o->v = first->v;
    o->file = first->file;
    o->line = first->line;
    memcpy(o->reason, joined, n + 1);
}

void cw__combine(void *ctx, cw__eval_fn leaf, const struct rule *r,
                 struct outcome *o)
{
    size_t i, counts[CW_VERDICT_COUNT] = { 0 };
    /* Outcomes are half a kilobyte: only the fields a leaf may leave
     * unset are cleared, and a kid is copied only when it is the first of
     * its verdict, and then only as far as its reason goes. */
    struct outcome kid, first_fail, first_pass, first_unknown;
    bool any_like = r->kind != R_ALL;
    /* When every part had to be evaluated (all parts of `all` pass, every
     * part of `any` fails), the reason names each part, not the first:
     * "0.0.0.0/0 covers the block; ports 20-25 include 22-22". */
    enum cw_verdict full = any_like ? CW_VERDICT_FAIL : CW_VERDICT_PASS;
    char joined[sizeof(o->reason)];
    size_t jl = 0;

    joined[0] = '\0';
    for (i = 0; i < r->nkids; i++) {
        kid.v = CW_VERDICT_NOT_APPLICABLE;
        kid.reason[0] = '\0';
        kid.file = NULL;
        kid.line = 0;
        leaf(ctx, r->kids[i], &kid);
        if (kid.v == CW_VERDICT_ERROR) {
            outcome_copy(o, &kid);
            return;
        }
        if (kid.v == full && !cw__terse && jl + 1 < sizeof(joined)) {
            if (jl)
                jl = put_run(joined, sizeof(joined), jl, "; ", 2);
            jl = put_run(joined, sizeof(joined), jl, kid.reason,
                         strlen(kid.reason));
            joined[jl] = '\0';
        }
        if (kid.v == CW_VERDICT_FAIL && !counts[CW_VERDICT_FAIL])
            outcome_copy(&first_fail, &kid);
        if (kid.v == CW_VERDICT_PASS && !counts[CW_VERDICT_PASS])
            outcome_copy(&first_pass, &kid);
        if (kid.v == CW_VERDICT_UNKNOWN && !counts[CW_VERDICT_UNKNOWN])
            outcome_copy(&first_unknown, &kid);
        counts[kid.v]++;
        if (!any_like && kid.v == CW_VERDICT_FAIL)
            break; /* all: decided */
        if (any_like && kid.v == CW_VERDICT_PASS)
            break; /* any/none: decided */
    }
    if (!any_like) {
        if (counts[CW_VERDICT_FAIL])
            outcome_copy(o, &first_fail);
        else if (counts[CW_VERDICT_UNKNOWN])
            outcome_copy(o, &first_unknown);
        else if (counts[CW_VERDICT_PASS] == r->nkids && r->nkids > 1 &&
                 !cw__terse)
            joined_outcome(o, &first_pass, joined);
        else if (counts[CW_VERDICT_PASS])
            outcome_copy(o, &first_pass);
        else
            outcome_set(o, CW_VERDICT_NOT_APPLICABLE, "%s",
                        kid.reason);
        return;
    }
    if (counts[CW_VERDICT_PASS])
        outcome_copy(o, &first_pass);
    else if (counts[CW_VERDICT_UNKNOWN])
        outcome_copy(o, &first_unknown);
    else if (counts[CW_VERDICT_FAIL] == r->nkids && r->nkids > 1 &&
             !cw__terse)
        joined_outcome(o, &first_fail, joined);
    else if (counts[CW_VERDICT_FAIL])
        outcome_copy(o, &first_fail);
    else
        outcome_set(o, CW_VERDICT_NOT_APPLICABLE, "%s", kid.reason);
    if (r->kind == R_NONE) {
        if (o->v == CW_VERDICT_PASS) {
            o->v = CW_VERDICT_FAIL;
        } else if (o->v == CW_VERDICT_FAIL) {
            o->v = CW_VERDICT_PASS;
            if (r->nkids > 1)
                snprintf(o->reason, sizeof(o->reason),
                         "none of %zu conditions holds", r->nkids);
        }
    }
}

bool cw__eval_logic(void *ctx, cw__eval_fn leaf, const struct rule *r,
                    struct outcome *o)
{
    o->file = NULL;
    o->line = 0;
    o->reason[0] = '\0';
    switch (r->kind) {
    case R_ALL:
    case R_ANY:
    case R_NONE:
        cw__combine(ctx, leaf, r, o);
        return true;
    case R_NOT:
        leaf(ctx, r->kids[0], o);
        if (o->v == CW_VERDICT_PASS)
            o->v = CW_VERDICT_FAIL;
        else if (o->v == CW_VERDICT_FAIL)
            o->v = CW_VERDICT_PASS;
        return true;
    default:
        return false;
    }
}

static void host_leaf(void *ctx, const struct rule *r, struct outcome *o)
{
    rule_eval(ctx, r, o);
}

void rule_eval(struct host *h, const struct rule *r, struct outcome *o)
{
    if (!cw__eval_logic(h, host_leaf, r, o))
        probes[r->kind](h, r, o);
}

/* ---- scan ---------------------------------------------------------------- */

/* Results are stored in fixed chunks (no copying as a scan of millions
 * of resources grows them), and their strings are shared: a reason is
 * stored once however many results give it, and consecutive results of
 * one resource or file point at the same copy. */
#define RESULT_CHUNK (CW__BULK_BLOCK / sizeof(struct cw_result))

struct cw_results {
    struct cw__arena arena;
    const struct cw_pack *pack;
    struct cw_result **chunks;
    size_t n, nchunks;
    size_t tally[CW_VERDICT_COUNT]; /* stored results by verdict */
    const char **reasons;  /* interned reasons: open addressing */
    size_t nreasons, areasons;
    const char *last_file, *last_resource;
    size_t *passes; /* per check: passes counted but not stored */
    bool keep_passes;
    const char *target;
    const char *kind;
    char time[32];
    struct timespec t0; /* when the scan started (monotonic) */
    double seconds;     /* how long it took, once finished */
    /* Host scans: verdicts of cited rules tied to one part of their check
     * (`cite:`), in result order; the other cited rules take their
     * result's verdict. */
    struct cited_rec {
        size_t result, ref;
        enum cw_verdict v;
        const char *reason, *file;
        unsigned line;
    } *cited;
    size_t ncited, acited;
    /* Config scans: resources of a type no check of the pack knows. */
    struct cw_uncovered *unc;
    size_t nunc, aunc, unc_total;
};

void cw__results_finish(struct cw_results *r)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->seconds = (double)(t1.tv_sec - r->t0.tv_sec) +
                 (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e9;
}

void cw__results_restored(struct cw_results *r, const char *time,
                          double seconds)
{
    snprintf(r->time, sizeof(r->time), "%s", time);
    r->seconds = seconds;
}

double cw_results_seconds(const struct cw_results *r)
{
    return r->seconds;
}

struct cw_results *cw__results_new(const struct cw_pack *pack,
                                   const char *target, const char *kind)
{
    struct cw_results *res = cw__calloc(1, sizeof(*res));
    time_t now = time(NULL);
    struct tm tm;

    if (!res)
        return NULL;
    clock_gettime(CLOCK_MONOTONIC, &res->t0);
    res->pack = pack;
    res->kind = kind;
    /* A config scan of a large plan passes millions of (check, resource)
     * pairs: those are counted per check, not stored one by one. */
    res->keep_passes = strcmp(kind, "host") == 0;
    if (res->keep_passes)
        cw__arena_init(&res->arena, 0);
    else /* may hold a million resource addresses */
        cw__arena_init_bulk(&res->arena, 0);
    res->passes = cw__arena_alloc(&res->arena,
                                  (pack->nchecks + 1) * sizeof(*res->passes));
    res->target = cw__arena_strdup(&res->arena, target);
    gmtime_r(&now, &tm);
    strftime(res->time, sizeof(res->time), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!res->target || !res->passes) {
        cw_results_free(res);
        return NULL;
    }
    return res;
}

const char *cw__results_intern(struct cw_results *res, const char *s)
{
    size_t i, mask;
    const char *c;

    if (2 * (res->nreasons + 1) > res->areasons) {
        size_t na = res->areasons ? 2 * res->areasons : 1024, k;
        const char **t = cw__calloc(na, sizeof(*t));
        if (!t)
            return NULL;
        for (k = 0; k < res->areasons; k++)
            if (res->reasons[k]) {
                for (i = cw__str_hash(res->reasons[k]) & (na - 1); t[i];
                     i = (i + 1) & (na - 1))
                    ;
                t[i] = res->reasons[k];
            }
        cw__free(res->reasons);
        res->reasons = t;
        res->areasons = na;
    }
    mask = res->areasons - 1;
    for (i = cw__str_hash(s) & mask; res->reasons[i]; i = (i + 1) & mask)
        if (strcmp(res->reasons[i], s) == 0)
            return res->reasons[i];
    if (!(c = cw__arena_strdup(&res->arena, s)))
        return NULL;
    res->reasons[i] = c;
    res->nreasons++;
    return c;
}

/* A copy of `s`, shared with the previous result when equal. */
static const char *share(struct cw_results *res, const char **last,
                         const char *s)
{
    if (!s)
        return NULL;
    if (!*last || strcmp(*last, s) != 0)
        *last = cw__arena_strdup(&res->arena, s);
    return *last;
}

bool cw__results_put(struct cw_results *res, const struct cw_check *c,
                     enum cw_verdict v, const char *reason, const char *file,
                     unsigned line, const char *resource)
{
    if (!res->keep_passes && v == CW_VERDICT_PASS)
        return cw__results_put_interned(res, c, v, NULL, file, line,
                                        resource);
    return (reason = cw__results_intern(res, reason)) != NULL &&
           cw__results_put_interned(res, c, v, reason, file, line, resource);
}

const char *cw__results_file(struct cw_results *res, const char *file)
{
    return share(res, &res->last_file, file);
}

const char *cw__results_resource(struct cw_results *res, const char *resource)
{
    return share(res, &res->last_resource, resource);
}

const char *cw__results_new_resource(struct cw_results *res,
                                     const char *resource)
{
    return res->last_resource = cw__arena_strdup(&res->arena, resource);
}

bool cw__results_put_interned(struct cw_results *res, const struct cw_check *c,
                              enum cw_verdict v, const char *reason,
                              const char *file, unsigned line,
                              const char *resource)
{
    const char *f = NULL, *rs = NULL;

    if (!res->keep_passes && v == CW_VERDICT_PASS)
        return cw__results_put_stored(res, c, v, NULL, NULL, line, NULL);
    if ((file && !(f = cw__results_file(res, file))) ||
        (resource && !(rs = cw__results_resource(res, resource))))
        return false;
    return cw__results_put_stored(res, c, v, reason, f, line, rs);
}

bool cw__results_put_stored(struct cw_results *res, const struct cw_check *c,
                            enum cw_verdict v, const char *reason,
                            const char *file, unsigned line,
                            const char *resource)
{
    struct cw_result *r;

    if (!res->keep_passes && v == CW_VERDICT_PASS) {
        /* `c` is the first member of its struct pack_check. */
        res->passes[(const struct pack_check *)(const void *)c -
                    res->pack->checks]++;
        return true;
    }
    if (res->n == res->nchunks * RESULT_CHUNK) {
        struct cw_result **g = cw__realloc(
            res->chunks, (res->nchunks + 1) * sizeof(*g));
        if (!g)
            return false;
        res->chunks = g;
        if (!(g[res->nchunks] = cw__bulk_get()))
            return false;
        res->nchunks++;
    }
    r = &res->chunks[res->n / RESULT_CHUNK][res->n % RESULT_CHUNK];
    memset(r, 0, sizeof(*r));
    r->check = c;
    r->verdict = v;
    r->line = line;
    r->reason = reason;
    r->file = file;
    r->resource = resource;
    res->tally[v]++;
    res->n++;
    return true;
}

bool cw__results_add(struct cw_results *res, const struct cw_check *c,
                     const struct outcome *o, const char *resource)
{
    return cw__results_put(res, c, o->v, o->reason, o->file, o->line,
                           resource);
}

void cw__results_add_passes(struct cw_results *res, size_t check, size_t n)
{
    res->passes[check] += n;
}

const char *cw_results_kind(const struct cw_results *r)
{
    return r->kind;
}

static bool platform_matches(struct host *h, const struct pack_check *pc,
                             struct outcome *o)
{
    if (!pc->plat_id)
        return true;
    host_load_os(h);
    if (!h->os_id) {
        outcome_set(o, CW_VERDICT_UNKNOWN,
                    "no os-release in the root; cannot tell the platform");
        return false;
    }
    if (strcmp(h->os_id, pc->plat_id) != 0 ||
        (pc->plat_version &&
         (!h->os_version || strncmp(h->os_version, pc->plat_version,
                                    strlen(pc->plat_version)) != 0))) {
        outcome_set(o, CW_VERDICT_NOT_APPLICABLE,
                    "for %s %s; this system is %s %s", pc->plat_id,
                    pc->plat_version ? pc->plat_version : "",
                    h->os_id, h->os_version ? h->os_version : "");
        return false;
    }
    return true;
}

/* Evaluates check `pc`; returns whether its rule decided the verdict
 * (not the platform, its `when` or a pattern out of budget). */
static bool eval_check(struct host *h, const struct pack_check *pc,
                       struct outcome *o)
{
    memset(o, 0, sizeof(*o));
    if (!platform_matches(h, pc, o))
        return false;
    if (pc->when) {
        rule_eval(h, pc->when, o);
        if (o->v == CW_VERDICT_ERROR || o->v == CW_VERDICT_UNKNOWN)
            return false;
        if (o->v != CW_VERDICT_PASS) {
            char why[sizeof(o->reason)];
            snprintf(why, sizeof(why), "%s", o->reason);
            outcome_set(o, CW_VERDICT_NOT_APPLICABLE, "does not apply: %s",
                        why);
            o->file = NULL;
            o->line = 0;
            return false;
        }
    }
    rule_eval(h, pc->rule, o);
    if (h->glob_over) {
        /* Whatever it matched so far, a pattern that ran out of budget
         * may have missed the file that decides. */
        outcome_set(o, CW_VERDICT_UNKNOWN,
                    "a file pattern of this root matched more than %d "
                    "paths or listed more than %d directories (a hostile "
                    "Include or glob?): not judged",
                    4096, 4096);
        o->file = NULL;
        o->line = 0;
        return false;
    }
    return true;
}

/* Judges each part of `pc` marked `cite:` on its own, for the verdict of
 * the rule it is tied to; result `ri` holds the check's own verdict. */
static bool eval_cited(struct host *h, const struct pack_check *pc,
                       struct cw_results *res, size_t ri)
{
    size_t j;

    for (j = 0; j < pc->pub.nrefs; j++) {
        struct cited_rec *c;
        struct outcome po;
        if (!pc->cite_part[j])
            continue;
        memset(&po, 0, sizeof(po));
        po.v = CW_VERDICT_NOT_APPLICABLE;
        rule_eval(h, pc->cite_part[j], &po);
        if (h->glob_over)
            return true; /* the check is unknown: so is each rule */
        if (res->ncited == res->acited) {
            size_t na = res->acited ? 2 * res->acited : 64;
            struct cited_rec *g = cw__realloc(res->cited, na * sizeof(*g));
            if (!g)
                return false;
            res->cited = g;
            res->acited = na;
        }
        c = &res->cited[res->ncited];
        c->result = ri;
        c->ref = j;
        c->v = po.v;
        c->line = po.line;
        if (!(c->reason = cw__results_intern(res, po.reason)) ||
            (po.file && !(c->file = cw__arena_strdup(&res->arena, po.file))))
            return false;
        if (!po.file)
            c->file = NULL;
        res->ncited++;
    }
    return true;
}

size_t cw_results_cited(const struct cw_results *r, size_t i,
                        struct cw_cited *out, size_t cap)
{
    const struct cw_result *x = cw_results_at(r, i);
    size_t j, lo = 0, hi = r->ncited;

    if (!x)
        return 0;
    while (lo < hi) { /* the first record of result i */
        size_t mid = lo + (hi - lo) / 2;
        if (r->cited[mid].result < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (j = 0; j < x->check->nrefs && j < cap; j++) {
        out[j].ref = &x->check->refs[j];
        if (lo < r->ncited && r->cited[lo].result == i &&
            r->cited[lo].ref == j) {
            out[j].verdict = r->cited[lo].v;
            out[j].reason = r->cited[lo].reason;
            out[j].file = r->cited[lo].file;
            out[j].line = r->cited[lo].line;
            lo++;
        } else {
            out[j].verdict = x->verdict;
            out[j].reason = NULL;
            out[j].file = x->file;
            out[j].line = x->line;
        }
    }
    return x->check->nrefs;
}

static void host_release(struct host *h)
{
    host_close_root(h);
    cw__tree_release(h);
    cw__arena_release(&h->arena);
}

enum cw_status cw_scan_host(const struct cw_pack *pack,
                            const struct cw_host_options *opt,
                            struct cw_results **out, struct cw_diag *d)
{
    struct cw_results *res;
    struct host h;
    struct stat st;
    const char *root = opt && opt->root ? opt->root : "/";
    char rootbuf[4096];
    bool ok = true;
    size_t i;

    *out = NULL;
    if (pack->config)
        return cw__diag_set(d, CW_EINVAL, pack->file, 0, 0,
                            "pack '%s' checks documents; use 'scan config'",
                            pack->name);
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode))
        return cw__diag_set(d, CW_ENOENT, root, 0, 0,
                            "cannot scan: not a directory");
    if (!realpath(root, rootbuf))
        return cw__diag_set(d, CW_EIO, root, 0, 0, "cannot resolve the root");
    memset(&h, 0, sizeof(h));
    h.live = strcmp(rootbuf, "/") == 0;
    if (host_open_root(&h, h.live ? "" : rootbuf))
        return cw__diag_set(d, CW_EIO, root, 0, 0, "cannot open the root: %s",
                            strerror(errno));
    res = cw__results_new(pack, h.live ? "/" : rootbuf, "host");
    if (!res) {
        host_close_root(&h);
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    cw__arena_init(&h.arena, 0);
    for (i = 0; ok && i < pack->nchecks; i++) {
        struct outcome o;
        bool ruled = eval_check(&h, &pack->checks[i], &o);
        ok = cw__results_add(res, &pack->checks[i].pub, &o, NULL);
        if (ok && ruled && pack->checks[i].cite_part)
            ok = eval_cited(&h, &pack->checks[i], res, res->n - 1);
        if (opt && opt->progress)
            opt->progress(opt->progress_arg, i + 1, pack->nchecks,
                          &pack->checks[i].pub);
    }
    /* A probe that ran out of memory may have judged a partial file; no
     * verdict of this scan can be trusted then. */
    if (!ok || h.arena.failed || h.oom || res->arena.failed) {
        host_release(&h);
        cw_results_free(res);
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    host_release(&h);
    cw__results_finish(res);
    *out = res;
    return CW_OK;
}

void cw_results_free(struct cw_results *r)
{
    size_t i;

    if (!r)
        return;
    for (i = 0; i < r->nchunks; i++)
        cw__bulk_put(r->chunks[i]);
    cw__free(r->chunks);
    cw__free(r->reasons);
    cw__free(r->cited);
    cw__free(r->unc);
    cw__arena_release(&r->arena);
    cw__free(r);
}

bool cw__results_uncovered(struct cw_results *r, const char *address,
                           const char *type, const char *file,
                           unsigned line)
{
    struct cw_uncovered *u;
    r->unc_total++;
    if (r->nunc >= CW_UNCOVERED_MAX)
        return true; /* counted, not kept */
    if (!cw__grow((void **)&r->unc, &r->aunc, r->nunc, sizeof(*r->unc)))
        return false;
    u = &r->unc[r->nunc];
    if (!(u->address = cw__arena_strdup(&r->arena, address ? address : "")) ||
        !(u->type = cw__arena_strdup(&r->arena, type ? type : "")))
        return false;
    u->file = file ? cw__results_file(r, file) : NULL;
    if (file && !u->file)
        return false;
    u->line = line;
    r->nunc++;
    return true;
}

size_t cw_results_uncovered_count(const struct cw_results *r)
{
    return r->nunc;
}

const struct cw_uncovered *cw_results_uncovered_at(const struct cw_results *r,
                                                   size_t i)
{
    return i < r->nunc ? &r->unc[i] : NULL;
}

size_t cw_results_uncovered_total(const struct cw_results *r)
{
    return r->unc_total;
}

size_t cw_results_count(const struct cw_results *r)
{
    return r->n;
}

const struct cw_result *cw_results_at(const struct cw_results *r, size_t i)
{
    return i < r->n ? &r->chunks[i / RESULT_CHUNK][i % RESULT_CHUNK] : NULL;
}

const struct cw_pack *cw_results_pack(const struct cw_results *r)
{
    return r->pack;
}

const char *cw_results_target(const struct cw_results *r)
{
    return r->target;
}

const char *cw_results_time(const struct cw_results *r)
{
    return r->time;
}

size_t cw_results_tally(const struct cw_results *r, enum cw_verdict v)
{
    size_t i, n = r->tally[v];
    for (i = 0; v == CW_VERDICT_PASS && i < r->pack->nchecks; i++)
        n += r->passes[i];
    return n;
}

size_t cw_results_passes_of(const struct cw_results *r, size_t check)
{
    return check < r->pack->nchecks ? r->passes[check] : 0;
}

size_t cw_results_failed_at(const struct cw_results *r, enum cw_severity s)
{
    size_t i, n = 0;
    for (i = 0; i < r->n; i++) {
        const struct cw_result *x = cw_results_at(r, i);
        n += x->verdict == CW_VERDICT_FAIL && x->check->severity >= s;
    }
    return n;
}
