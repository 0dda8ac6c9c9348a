/*
 * pack.c - loads a check pack (docs/check-packs.md) into rule trees.
 *
 * Everything that can be wrong with a pack is found here, at load time,
 * with the FILE:LINE:COL of the offending node: unknown keys, unknown
 * probe names, bad enum values, regexes that do not compile, control
 * references that name no control of a loaded catalog, duplicate check
 * ids. Evaluation then never has to report a malformed pack; the `error`
 * verdict is left for what only shows at match time (a PCRE2 match limit).
 *
 * Regexes are compiled with PCRE2 and JIT-compiled when the JIT is
 * available; the compiled codes are freed with the pack (they are tracked
 * in a list because they live outside the arena).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>

#include "../catalog/embedded.h"
#include "../parse/node.h"
#include "../query/jsonpath.h"
#include "checks.h"

#define MAX_PACK_BYTES ((size_t)16 << 20)
#define MAX_RULE_DEPTH 32

struct loader {
    struct cw_pack *p;
    const struct cw_catalogs *cats;
    const char *file;
    struct cw_diag *d;
    pcre2_code **codes; /* every compiled regex, freed with the pack */
    size_t ncodes, acodes;
    struct cw__jp **jps; /* every compiled JSONPath, likewise (NULL-ended) */
    size_t njps, ajps;
    struct jp_text {     /* ... as written: one compile per text */
        const char *src;
        size_t len, uses;
    } *jpt;
    size_t ajpt;
    unsigned in_scope;   /* > 0 inside each, some or join: no join there */
    unsigned leaves;     /* leaves of the check being read */
    bool has_join;
    struct pack_check *cur; /* the check being read, for `cite:` */
    bool in_when;           /* reading its `when`: no `cite:` there */
    /* Document rules by what they are written as, to find the ones the
     * pack repeats (see share_rules). */
    struct written {
        struct rule *r;
        const char *key;
        size_t len;
    } *written;
    size_t nwritten, awritten;
    struct cw__arena keys;
    struct cw__buf key;  /* the one being written */
    bool no_share;       /* out of memory while keeping keys: share none */
};

static enum cw_status parse_rule(struct loader *L, const struct cw__node *n,
                                 unsigned depth, struct rule **out);

static const char *const rule_names[R_KIND_COUNT] = {
    "all", "any", "none", "not", "file", "lines", "sshd", "sysctl",
    "keyvalue", "pam", "sudoers", "audit", "tree", "package", "service",
    "accounts", "mount", "kmod", "socket", "os", "each", "some", "exists",
    "value", "cidr", "ports", "count", "join", "location"
};

const char *const cw__tree_finds[] = {
    "world-writable-files", "world-writable-dirs-without-sticky", "unowned",
    "ungrouped", "suid", "sgid", NULL
};

const char *const cw__account_asserts[] = {
    "only-root-has-uid-0", "no-empty-passwords", "passwords-shadowed",
    "unique-uids", "unique-gids", "unique-user-names", "unique-group-names",
    "groups-exist", "shadow-group-empty", "root-primary-group-0",
    "system-accounts-no-login", "password-max-days", "password-min-days",
    "password-warn-days", "password-inactive-days", NULL
};

static const char *const severity_names[] = { "info", "low", "medium",
                                              "high", "critical", NULL };
static const char *const verdict_names[] = { "pass", "fail",
                                             "not-applicable", "unknown",
                                             "error" };

const char *cw_verdict_name(enum cw_verdict v)
{
    return (unsigned)v < CW_VERDICT_COUNT ? verdict_names[v] : "?";
}

const char *cw_severity_name(enum cw_severity s)
{
    return (unsigned)s < CW_SEVERITY_COUNT ? severity_names[s] : "?";
}

bool cw_severity_parse(const char *s, enum cw_severity *out)
{
    size_t i;
    for (i = 0; severity_names[i]; i++) {
        if (strcmp(s, severity_names[i]) == 0) {
            *out = (enum cw_severity)i;
            return true;
        }
    }
    return false;
}

static enum cw_status at(struct loader *L, const struct cw__node *n,
                         enum cw_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sets the diagnostic at node `n`; returns `st`. */
static enum cw_status at(struct loader *L, const struct cw__node *n,
                         enum cw_status st, const char *fmt, ...)
{
    char msg[CW_DIAG_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return cw__diag_set(L->d, st, L->file, n->line, n->col, "%s", msg);
}

/* ---- scalars ----------------------------------------------------------- */

static enum cw_status scalar(struct loader *L, const struct cw__node *n,
                             const char *what, const char **out)
{
    enum cw_status st = cw__node_expect(n, CW__NODE_SCALAR, L->file, what,
                                        L->d);
    if (!st)
        *out = n->str;
    return st;
}

static enum cw_status str_list(struct loader *L, const struct cw__node *n,
                               const char *what, const char ***out,
                               size_t *count)
{
    size_t i;
    const char **v;

    if (n->kind == CW__NODE_SCALAR) { /* a single value stands for a list */
        v = cw__arena_alloc(&L->p->arena, sizeof(*v));
        if (!v)
            return at(L, n, CW_ENOMEM, "out of memory");
        v[0] = n->str;
        *out = v;
        *count = 1;
        return CW_OK;
    }
    if (cw__node_expect(n, CW__NODE_SEQ, L->file, what, L->d))
        return CW_ESCHEMA;
    v = cw__arena_alloc(&L->p->arena, (n->n + 1) * sizeof(*v));
    if (!v)
        return at(L, n, CW_ENOMEM, "out of memory");
    for (i = 0; i < n->n; i++)
        if (scalar(L, n->kids[i], what, &v[i]))
            return CW_ESCHEMA;
    *out = v;
    *count = n->n;
    return CW_OK;
}

static enum cw_status integer(struct loader *L, const struct cw__node *n,
                              long long *out)
{
    char *end;
    if (n->kind != CW__NODE_SCALAR || !*n->str)
        return at(L, n, CW_ESCHEMA, "expected an integer");
    errno = 0;
    *out = strtoll(n->str, &end, 10);
    if (errno || *end)
        return at(L, n, CW_ESCHEMA, "expected an integer, found '%s'",
                  n->str);
    return CW_OK;
}

static enum cw_status regex(struct loader *L, const struct cw__node *n,
                            pcre2_code **out, const char **src)
{
    int err;
    PCRE2_SIZE off;
    pcre2_code *re;

    if (scalar(L, n, "a regular expression (PCRE2)", src))
        return CW_ESCHEMA;
    re = pcre2_compile((PCRE2_SPTR)n->str, n->len, PCRE2_UTF, &err, &off,
                       NULL);
    if (!re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(err, msg, sizeof(msg));
        return cw__diag_set(L->d, CW_ESCHEMA, L->file, n->line,
                            n->col + (unsigned)off,
                            "bad regular expression: %s (at offset %zu)",
                            (const char *)msg, (size_t)off);
    }
    if (L->ncodes == L->acodes) {
        size_t na = L->acodes ? 2 * L->acodes : 64;
        pcre2_code **v = cw__realloc(L->codes, (na + 1) * sizeof(*v));
        if (!v) {
            pcre2_code_free(re);
            return at(L, n, CW_ENOMEM, "out of memory");
        }
        L->codes = v;
        L->acodes = na;
    }
    L->codes[L->ncodes++] = re;
    L->codes[L->ncodes] = NULL;
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* optional speed-up */
    *out = re;
    return CW_OK;
}

static enum cw_status enum_of(struct loader *L, const struct cw__node *n,
                              const char *const *values, const char *what,
                              int *out)
{
    size_t i;
    enum cw_status st = cw__node_enum(n, values, L->file, what, &i, L->d);
    if (!st)
        *out = (int)i;
    return st;
}

static enum cw_status expect_kw(struct loader *L, const struct cw__node *n,
                                bool *absent)
{
    static const char *const v[] = { "present", "absent", NULL };
    int i = 0;
    enum cw_status st = enum_of(L, n, v, "expect", &i);
    *absent = i == 1;
    return st;
}

/* ---- value tests ------------------------------------------------------- */

static const char *const vt_keys[] = { "equals", "in",      "not_in",
                                       "regex",  "min",     "max",
                                       "default", "explicit", NULL };

static bool is_vt_key(const char *k)
{
    size_t i;
    for (i = 0; vt_keys[i]; i++)
        if (strcmp(k, vt_keys[i]) == 0)
            return true;
    return false;
}

static enum cw_status value_test(struct loader *L, const struct cw__node *k,
                                 const struct cw__node *v,
                                 struct value_test *vt)
{
    const char *key = k->str;
    if (strcmp(key, "equals") == 0)
        return scalar(L, v, "a value", &vt->equals);
    if (strcmp(key, "in") == 0)
        return str_list(L, v, "a list of values", &vt->in, &vt->nin);
    if (strcmp(key, "not_in") == 0)
        return str_list(L, v, "a list of values", &vt->not_in, &vt->nnot_in);
    if (strcmp(key, "regex") == 0)
        return regex(L, v, &vt->regex, &vt->regex_src);
    if (strcmp(key, "min") == 0) {
        vt->has_min = true;
        return integer(L, v, &vt->min);
    }
    if (strcmp(key, "max") == 0) {
        vt->has_max = true;
        return integer(L, v, &vt->max);
    }
    if (strcmp(key, "explicit") == 0)
        return cw__node_bool(v, L->file, &vt->explicit_only, L->d);
    return scalar(L, v, "a default value", &vt->deflt);
}

static bool vt_empty(const struct value_test *vt)
{
    return !vt->equals && !vt->in && !vt->not_in && !vt->regex &&
           !vt->has_min && !vt->has_max;
}

/* ---- probes ------------------------------------------------------------ */

/* Keys each probe accepts (besides the value tests for value probes). */
static const char *const probe_keys[R_KIND_COUNT][12] = {
    [R_FILE] = { "path", "type", "mode", "owner", "group", "exists",
                 "if_missing", NULL },
    [R_LINES] = { "path", "match", "expect", "comments", "if_missing", NULL },
    [R_SSHD] = { "key", NULL },
    [R_SYSCTL] = { "key", NULL },
    [R_KEYVALUE] = { "path", "dropins", "section", "key", "separator",
                     "first_wins", "case_insensitive", "if_missing", NULL },
    [R_PAM] = { "service", "type", "module", "args", "expect", NULL },
    [R_SUDOERS] = { "match", "expect", NULL },
    [R_AUDIT] = { "match", "expect", NULL },
    [R_TREE] = { "find", "allow", NULL },
    [R_PACKAGE] = { "name", "state", NULL },
    [R_SERVICE] = { "unit", "state", NULL },
    [R_ACCOUNTS] = { "assert", "min", "max", NULL },
    [R_MOUNT] = { "path", "separate", "options", NULL },
    [R_KMOD] = { "name", "state", "explicit", NULL },
    [R_SOCKET] = { "port", "proto", "state", NULL },
    [R_OS] = { "id", "version", NULL },
    [R_EACH] = { "select", "json", "rule", NULL },
    [R_SOME] = { "select", "json", "rule", NULL },
    [R_EXISTS] = { "select", NULL },
    [R_VALUE] = { "select", NULL },
    [R_CIDR] = { "select", "contains", "overlaps", "within", NULL },
    [R_PORTS] = { "from", "to", "overlaps", NULL },
    [R_COUNT] = { "select", "min", "max", NULL },
    [R_JOIN] = { "type", "key", "match", "labels", "selector", "rule", NULL },
    [R_LOCATION] = { "allowed", NULL },
};

static bool value_probe(enum rule_kind k)
{
    return k == R_SSHD || k == R_SYSCTL || k == R_KEYVALUE || k == R_VALUE;
}

static bool doc_rule(enum rule_kind k)
{
    return k >= R_EACH;
}

static enum cw_status unknown_key(struct loader *L, enum rule_kind kind,
                                  const struct cw__node *k)
{
    char list[400];
    size_t i, off = 0;

    list[0] = '\0';
    for (i = 0; probe_keys[kind][i]; i++)
        off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
                                i ? ", " : "", probe_keys[kind][i]);
    if (value_probe(kind))
        snprintf(list + off, sizeof(list) - off,
                 ", equals, in, not_in, regex, min, max, default");
    return cw__diag_set(L->d, CW_ESCHEMA, L->file, k->line, k->col,
                        "unknown key '%s' in %s; expected one of: %s",
                        k->str, rule_names[kind], list);
}

static enum cw_status file_mode(struct loader *L, const struct cw__node *v,
                                int *mode)
{
    char *end;
    long m;
    if (v->kind != CW__NODE_SCALAR || !*v->str)
        return at(L, v, CW_ESCHEMA, "expected an octal mode like \"0640\"");
    m = strtol(v->str, &end, 8);
    if (*end || m < 0 || m > 07777)
        return at(L, v, CW_ESCHEMA,
                  "expected an octal mode like \"0640\", found '%s'", v->str);
    *mode = (int)m;
    return CW_OK;
}

static enum cw_status if_missing(struct loader *L, const struct cw__node *v,
                                 enum if_missing *out)
{
    static const char *const vals[] = { "pass", "fail", "not-applicable",
                                        NULL };
    int i = 0;
    enum cw_status st = enum_of(L, v, vals, "if_missing", &i);
    *out = (enum if_missing)(i + 1);
    return st;
}

/* Compiles a JSONPath written in the pack; errors point into the YAML.
 * A query written twice is compiled once: the scan reuses what a shared
 * query selected on a node (see share_rules). */
static enum cw_status jsonpath(struct loader *L, const struct cw__node *v,
                               struct cw__jp **out, const char **src)
{
    struct cw_diag sub;
    size_t i;

    if (scalar(L, v, "a JSONPath query ($...)", src))
        return CW_ESCHEMA;
    for (i = 0; i < L->njps; i++)
        if (L->jpt[i].len == v->len &&
            memcmp(L->jpt[i].src, v->str, v->len) == 0) {
            *out = L->jps[i];
            L->jpt[i].uses++;
            return CW_OK;
        }
    /* Room for the query and the list's NULL after it. */
    if (!cw__grow((void **)&L->jps, &L->ajps, L->njps + 1, sizeof(*L->jps)) ||
        !cw__grow((void **)&L->jpt, &L->ajpt, L->njps, sizeof(*L->jpt)))
        return at(L, v, CW_ENOMEM, "out of memory");
    L->jps[L->njps] = NULL; /* the pack frees up to it, on any error */
    cw_diag_clear(&sub);
    if (cw__jp_compile(v->str, v->len, L->file, out, &sub))
        return cw__diag_set(L->d, CW_ESCHEMA, L->file, v->line,
                            v->col + sub.col - 1,
                            "bad JSONPath: %s", sub.msg);
    L->jpt[L->njps].src = v->str;
    L->jpt[L->njps].len = v->len;
    L->jpt[L->njps].uses = 1;
    L->jps[L->njps++] = *out;
    L->jps[L->njps] = NULL;
    return CW_OK;
}

/* How many rules use the query `q`. */
static size_t jp_uses(const struct loader *L, const struct cw__jp *q)
{
    size_t i;
    for (i = 0; q && i < L->njps; i++)
        if (L->jps[i] == q)
            return L->jpt[i].uses;
    return 0;
}

/* Parameters of the document rules (each, some, exists, value, cidr,
 * ports, count). */
static enum cw_status doc_param(struct loader *L, struct rule *r,
                                const struct cw__node *k,
                                const struct cw__node *v)
{
    const char *key = k->str, *src = NULL;
    long long n = 0;
    enum cw_status st;

    if (strcmp(key, "select") == 0 || strcmp(key, "from") == 0 ||
        strcmp(key, "key") == 0 || strcmp(key, "labels") == 0) {
        if (r->sel)
            return at(L, k, CW_ESCHEMA, "join takes 'key' and 'match', or "
                                        "'labels' and 'selector'");
        return jsonpath(L, v, &r->sel, &r->sel_src);
    }
    if (strcmp(key, "to") == 0 || strcmp(key, "match") == 0 ||
        strcmp(key, "selector") == 0) {
        if (r->sel_to)
            return at(L, k, CW_ESCHEMA, "join takes 'key' and 'match', or "
                                        "'labels' and 'selector'");
        r->jselector = key[0] == 's';
        return jsonpath(L, v, &r->sel_to, &src);
    }
    if (strcmp(key, "type") == 0)
        return str_list(L, v, "a resource type or a list of them",
                        &r->jtypes, &r->njtypes);
    if (strcmp(key, "json") == 0) { /* each, some: strings hold JSON */
        bool b = false;
        st = cw__node_bool(v, L->file, &b, L->d);
        r->json_text = b;
        return st;
    }
    if (strcmp(key, "allowed") == 0)
        return str_list(L, v, "a list of regions (globs such as eu-*)",
                        &r->allow, &r->nallow);
    if (strcmp(key, "rule") == 0) {
        r->kids = cw__arena_alloc(&L->p->arena, sizeof(*r->kids));
        if (!r->kids)
            return at(L, v, CW_ENOMEM, "out of memory");
        r->nkids = 1;
        L->in_scope++;
        st = parse_rule(L, v, 1, &r->kids[0]);
        L->in_scope--;
        return st;
    }
    if (r->kind == R_PORTS) { /* overlaps: "22" or "1024-65535" */
        if (scalar(L, v, "a port or a range", &src) ||
            !cw__ports_parse(src, &r->port_lo, &r->port_hi))
            return at(L, v, CW_ESCHEMA,
                      "expected a port or a range like \"1024-65535\"");
        return CW_OK;
    }
    if (r->kind == R_CIDR) {
        r->cidr_mode = strcmp(key, "contains") == 0   ? CIDR_CONTAINS
                       : strcmp(key, "overlaps") == 0 ? CIDR_OVERLAPS
                                                      : CIDR_WITHIN;
        if (scalar(L, v, "a CIDR block", &src) ||
            !cw__cidr_parse(src, r->net, &r->net_bits, &r->net_v6))
            return at(L, v, CW_ESCHEMA,
                      "expected a CIDR block like \"0.0.0.0/0\"");
        return CW_OK;
    }
    /* count: min / max */
    st = integer(L, v, &n);
    if (strcmp(key, "min") == 0) {
        r->has_count_min = true;
        r->count_min = n;
    } else {
        r->has_count_max = true;
        r->count_max = n;
    }
    return st;
}

/* One key: value of a probe mapping. */
static enum cw_status probe_param(struct loader *L, struct rule *r,
                                  const struct cw__node *k,
                                  const struct cw__node *v)
{
    static const char *const ftypes[] = { "file", "directory", "symlink",
                                          "any", NULL };
    static const char *const pkg_states[] = { "installed", "absent", NULL };
    static const char *const svc_states[] = { "enabled", "disabled",
                                              "masked", "absent",
                                              "not-enabled", NULL };
    static const char *const kmod_states[] = { "disabled", "enabled",
                                               NULL };
    static const char *const sock_states[] = { "listening", "closed",
                                               NULL };
    static const char *const protos[] = { "tcp", "udp", NULL };
    static const char *const seps[] = { "whitespace", "=", NULL };
    const char *key = k->str;
    enum cw_status st;
    int i = 0;
    bool b = false;
    long long n = 0;

    if (value_probe(r->kind) && is_vt_key(key))
        return value_test(L, k, v, &r->vt);
    if (doc_rule(r->kind))
        return doc_param(L, r, k, v);
    if (strcmp(key, "path") == 0)
        return scalar(L, v, "a path", &r->path);
    if (strcmp(key, "dropins") == 0)
        return scalar(L, v, "a glob", &r->dropins);
    if (strcmp(key, "section") == 0)
        return scalar(L, v, "a section name", &r->section);
    if (strcmp(key, "key") == 0)
        return scalar(L, v, "a key", &r->key);
    if (strcmp(key, "name") == 0 || strcmp(key, "service") == 0)
        return scalar(L, v, "a name", &r->name);
    if (strcmp(key, "module") == 0)
        return scalar(L, v, "a module", &r->module);
    if (strcmp(key, "unit") == 0)
        return scalar(L, v, "a unit name", &r->unit);
    if (strcmp(key, "comments") == 0)
        return scalar(L, v, "a comment prefix", &r->comments);
    if (strcmp(key, "match") == 0 || strcmp(key, "args") == 0)
        return regex(L, v, &r->match, &r->match_src);
    if (strcmp(key, "expect") == 0)
        return expect_kw(L, v, &r->expect_absent);
    if (strcmp(key, "if_missing") == 0)
        return if_missing(L, v, &r->if_missing);
    if (strcmp(key, "owner") == 0)
        return str_list(L, v, "a user or a list", &r->owners, &r->nowners);
    if (strcmp(key, "group") == 0)
        return str_list(L, v, "a group or a list", &r->groups, &r->ngroups);
    if (strcmp(key, "allow") == 0)
        return str_list(L, v, "a list of globs", &r->allow, &r->nallow);
    if (strcmp(key, "options") == 0)
        return str_list(L, v, "a list of options", &r->options,
                        &r->noptions);
    if (strcmp(key, "mode") == 0)
        return file_mode(L, v, &r->mode);
    if (strcmp(key, "type") == 0 && r->kind == R_PAM)
        return scalar(L, v, "a PAM type", &r->type);
    if (strcmp(key, "type") == 0) {
        static const int modes[] = { S_IFREG, S_IFDIR, S_IFLNK, 0 };
        st = enum_of(L, v, ftypes, "file type", &i);
        r->ftype = modes[i];
        return st;
    }
    if (strcmp(key, "id") == 0)
        return scalar(L, v, "an os-release ID", &r->os_id);
    if (strcmp(key, "version") == 0)
        return scalar(L, v, "a VERSION_ID", &r->os_version);
    if (strcmp(key, "find") == 0)
        return enum_of(L, v, cw__tree_finds, "find", &r->find);
    if (strcmp(key, "assert") == 0)
        return enum_of(L, v, cw__account_asserts, "assertion", &r->find);
    if (strcmp(key, "proto") == 0) {
        st = enum_of(L, v, protos, "protocol", &i);
        r->udp = i == 1;
        return st;
    }
    if (strcmp(key, "separator") == 0) {
        st = enum_of(L, v, seps, "separator", &i);
        r->kv_equals_sep = i == 1;
        return st;
    }
    if (strcmp(key, "state") == 0) {
        const char *const *vals = r->kind == R_PACKAGE   ? pkg_states
                                  : r->kind == R_SERVICE ? svc_states
                                  : r->kind == R_KMOD    ? kmod_states
                                                         : sock_states;
        return enum_of(L, v, vals, "state", &r->state);
    }
    if (strcmp(key, "min") == 0 || strcmp(key, "max") == 0 ||
        strcmp(key, "port") == 0) {
        st = integer(L, v, &n);
        if (key[0] == 'p') {
            if (!st && (n < 1 || n > 65535))
                return at(L, v, CW_ESCHEMA,
                          "expected a port 1-65535, found '%s'", v->str);
            r->port = (unsigned)n;
        } else {
            r->has_limit = true;
            r->limit = n;
        }
        return st;
    }
    st = cw__node_bool(v, L->file, &b, L->d);
    if (strcmp(key, "exists") == 0)
        r->exists_false = !b;
    else if (strcmp(key, "separate") == 0)
        r->separate = b;
    else if (strcmp(key, "explicit") == 0)
        r->vt.explicit_only = b; /* kmod: absence is not compliance */
    else if (strcmp(key, "first_wins") == 0)
        r->first_wins = b;
    else
        r->icase = b; /* case_insensitive */
    return st;
}

/* The file a host rule reads (its first leaf's), for locating a result
 * that has no place of its own; "/" for what spans the tree. */
static const char *rule_subject(const struct rule *r)
{
    size_t i;

    if (!r)
        return "/";
    for (i = 0; i < r->nkids; i++) { /* all, any, none, not */
        const char *s = rule_subject(r->kids[i]);
        if (strcmp(s, "/") != 0)
            return s;
    }
    switch (r->kind) {
    case R_FILE:
    case R_LINES:
    case R_KEYVALUE:
        return r->path && !strpbrk(r->path, "*?[") ? r->path : "/";
    case R_SSHD:
        return "/etc/ssh/sshd_config";
    case R_SYSCTL:
        return "/etc/sysctl.conf";
    case R_PAM:
        return "/etc/pam.d";
    case R_SUDOERS:
        return "/etc/sudoers";
    case R_AUDIT:
        return "/etc/audit/rules.d";
    case R_PACKAGE:
        return "/var/lib/dpkg/status";
    case R_SERVICE:
        return "/etc/systemd/system";
    case R_ACCOUNTS:
        return "/etc/passwd";
    case R_MOUNT:
        return "/etc/fstab";
    case R_KMOD:
        return "/etc/modprobe.d";
    case R_OS:
        return "/etc/os-release";
    default:
        return "/";
    }
}

static bool allowed_key(enum rule_kind kind, const char *key)
{
    size_t i;
    if (value_probe(kind) && is_vt_key(key))
        return true;
    for (i = 0; probe_keys[kind][i]; i++)
        if (strcmp(key, probe_keys[kind][i]) == 0)
            return true;
    return false;
}

/* Which parameters each probe cannot do without. */
static enum cw_status probe_required(struct loader *L, struct rule *r,
                                     const struct cw__node *v)
{
    const char *miss = NULL;

    switch (r->kind) {
    case R_FILE:
        miss = !r->path ? "path" : NULL;
        break;
    case R_LINES:
        miss = !r->path ? "path" : !r->match ? "match" : NULL;
        break;
    case R_SSHD:
    case R_SYSCTL:
        miss = !r->key ? "key" : NULL;
        break;
    case R_KEYVALUE:
        miss = !r->path ? "path" : !r->key ? "key" : NULL;
        break;
    case R_PAM:
        miss = !r->name ? "service" : !r->module ? "module" : NULL;
        break;
    case R_SUDOERS:
    case R_AUDIT:
        miss = !r->match ? "match" : NULL;
        break;
    case R_TREE:
        miss = !cw__node_get(v, "find") ? "find" : NULL;
        break;
    case R_PACKAGE:
    case R_KMOD:
        miss = !r->name ? "name" : NULL;
        break;
    case R_SERVICE:
        miss = !r->unit ? "unit" : NULL;
        break;
    case R_ACCOUNTS:
        miss = !cw__node_get(v, "assert") ? "assert" : NULL;
        if (!miss && r->find >= ACC_MAX_DAYS && !r->has_limit)
            miss = r->find == ACC_MAX_DAYS || r->find == ACC_INACTIVE
                       ? "max"
                       : "min";
        break;
    case R_MOUNT:
        miss = !r->path ? "path" : NULL;
        break;
    case R_SOCKET:
        miss = !r->port ? "port" : NULL;
        break;
    case R_OS:
        miss = !r->os_id ? "id" : NULL;
        break;
    case R_EACH:
    case R_SOME:
        miss = !r->sel ? "select" : !r->nkids ? "rule" : NULL;
        break;
    case R_EXISTS:
    case R_VALUE:
        miss = !r->sel ? "select" : NULL;
        break;
    case R_CIDR:
        miss = !r->sel ? "select"
               : !r->cidr_mode ? "contains, overlaps or within"
                               : NULL;
        break;
    case R_PORTS:
        miss = !r->sel ? "from" : !r->sel_to ? "to"
               : !cw__node_get(v, "overlaps") ? "overlaps" : NULL;
        break;
    case R_COUNT:
        miss = !r->sel ? "select"
               : !r->has_count_min && !r->has_count_max ? "min or max"
                                                        : NULL;
        break;
    case R_JOIN:
        miss = !r->njtypes ? "type"
               : !r->sel && !r->sel_to ? "key and match, or labels and "
                                         "selector"
               : !r->sel ? (r->jselector ? "labels" : "key")
               : !r->sel_to ? (cw__node_get(v, "labels") ? "selector"
                                                         : "match")
                            : NULL;
        if (!miss && r->jselector != (cw__node_get(v, "labels") != NULL))
            return at(L, v, CW_ESCHEMA, "join takes 'key' and 'match', or "
                                        "'labels' and 'selector'");
        break;
    default:
        break;
    }
    if (miss)
        return cw__diag_set(L->d, CW_ESCHEMA, L->file, v->line, v->col,
                            "%s needs '%s'", rule_names[r->kind], miss);
    if (value_probe(r->kind) && vt_empty(&r->vt))
        return cw__diag_set(L->d, CW_ESCHEMA, L->file, v->line, v->col,
                            "%s needs a test: equals, in, not_in, regex, "
                            "min or max",
                            rule_names[r->kind]);
    if (r->kind == R_FILE && r->exists_false &&
        (r->mode >= 0 || r->nowners || r->ngroups))
        return cw__diag_set(L->d, CW_ESCHEMA, L->file, v->line, v->col,
                            "file with 'exists: false' cannot also test "
                            "mode, owner or group");
    return CW_OK;
}

static enum cw_status parse_rule(struct loader *L, const struct cw__node *n,
                                 unsigned depth, struct rule **out);

static enum cw_status parse_kids(struct loader *L, struct rule *r,
                                 const struct cw__node *v, unsigned depth)
{
    size_t i;
    enum cw_status st;

    if (r->kind == R_NOT) {
        r->kids = cw__arena_alloc(&L->p->arena, sizeof(*r->kids));
        if (!r->kids)
            return at(L, v, CW_ENOMEM, "out of memory");
        r->nkids = 1;
        return parse_rule(L, v, depth + 1, &r->kids[0]);
    }
    if (v->kind != CW__NODE_SEQ || v->n == 0)
        return at(L, v, CW_ESCHEMA, "expected a non-empty list of rules "
                                    "under '%s'",
                  rule_names[r->kind]);
    r->kids = cw__arena_alloc(&L->p->arena, v->n * sizeof(*r->kids));
    if (!r->kids)
        return at(L, v, CW_ENOMEM, "out of memory");
    r->nkids = v->n;
    for (i = 0; i < v->n; i++) {
        st = parse_rule(L, v->kids[i], depth + 1, &r->kids[i]);
        if (st)
            return st;
    }
    return CW_OK;
}

/* Adds the types a join reads to the pack's list, which the scan keeps a
 * copy of as it streams. */
static enum cw_status join_types(struct loader *L, const struct rule *r,
                                 const struct cw__node *v)
{
    struct cw_pack *p = L->p;
    size_t i, j;

    for (i = 0; i < r->njtypes; i++) {
        const char **grown;
        for (j = 0; j < p->njoin_types; j++)
            if (strcmp(p->join_types[j], r->jtypes[i]) == 0)
                break;
        if (j < p->njoin_types)
            continue;
        grown = cw__arena_alloc(&p->arena,
                                (p->njoin_types + 1) * sizeof(*grown));
        if (!grown)
            return at(L, v, CW_ENOMEM, "out of memory");
        if (p->njoin_types)
            memcpy(grown, p->join_types, p->njoin_types * sizeof(*grown));
        grown[p->njoin_types++] = r->jtypes[i];
        p->join_types = grown;
    }
    return CW_OK;
}

/*
 * `cite: ID` (or a list) beside a rule's key ties a rule the check cites
 * as its equivalent to that part: the rule's verdict is the part's own.
 * "owner, group and mode of /etc/passwd" is one check whose three parts
 * the SCAP Security Guide judges as three rules.
 */
static enum cw_status cite(struct loader *L, struct rule *r,
                           const struct cw__node *v)
{
    struct pack_check *pc = L->cur;
    const char **ids;
    size_t i, j, n, hit;

    if (L->p->config || !pc || L->in_when)
        return at(L, v, CW_ESCHEMA,
                  L->p->config ? "'cite' marks parts of host checks only"
                               : "'cite' marks a part of a check's rule, "
                                 "not of its 'when'");
    if (str_list(L, v, "a cited rule id or a list of them", &ids, &n))
        return CW_ESCHEMA;
    if (!pc->cite_part) {
        pc->cite_part = cw__arena_alloc(&L->p->arena,
                                        (pc->pub.nrefs + 1) *
                                            sizeof(*pc->cite_part));
        if (!pc->cite_part)
            return at(L, v, CW_ENOMEM, "out of memory");
        memset(pc->cite_part, 0, (pc->pub.nrefs + 1) *
                                     sizeof(*pc->cite_part));
    }
    for (i = 0; i < n; i++) {
        hit = pc->pub.nrefs;
        for (j = 0; j < pc->pub.nrefs; j++) {
            if (strcmp(pc->pub.refs[j].id, ids[i]) != 0)
                continue;
            if (hit < pc->pub.nrefs)
                return at(L, v, CW_ESCHEMA,
                          "'%s' is cited under both %s and %s; cite it "
                          "once", ids[i], pc->pub.refs[hit].scheme,
                          pc->pub.refs[j].scheme);
            hit = j;
        }
        if (hit == pc->pub.nrefs)
            return at(L, v, CW_ESCHEMA,
                      "cite: '%s' is not among the check's references "
                      "(cis, ssg, checkov)", ids[i]);
        if (pc->cite_part[hit])
            return at(L, v, CW_ESCHEMA,
                      "cite: '%s' already marks the part at line %u; a "
                      "cited rule is tied to one part", ids[i],
                      pc->cite_part[hit]->line);
        pc->cite_part[hit] = r;
    }
    return CW_OK;
}

static enum cw_status rule_body(struct loader *L, const struct cw__node *n,
                                unsigned depth, struct rule **out)
{
    const struct cw__node *k, *v;
    struct rule *r;
    enum cw_status st;
    size_t i, ck;
    int kind = -1;

    if (depth > MAX_RULE_DEPTH)
        return at(L, n, CW_ELIMIT, "rules nest deeper than %d levels",
                  MAX_RULE_DEPTH);
    if (n->kind != CW__NODE_MAP || n->n < 1 ||
        n->n > (cw__node_get(n, "cite") ? 2u : 1u))
        return at(L, n, CW_ESCHEMA,
                  "expected a rule: a mapping with one key (all, any, none, "
                  "not or a probe such as file, sshd, sysctl), and "
                  "optionally 'cite'");
    ck = n->n == 2 && strcmp(n->kids[0]->str, "cite") == 0;
    k = n->kids[2 * ck];
    v = n->kids[2 * ck + 1];
    for (i = 0; i < R_KIND_COUNT; i++)
        if (strcmp(k->str, rule_names[i]) == 0)
            kind = (int)i;
    if (kind < 0)
        return at(L, k, CW_ESCHEMA,
                  "unknown rule '%s'; expected all, any, none, not, file, "
                  "lines, sshd, sysctl, keyvalue, pam, sudoers, audit, tree, "
                  "package, service, accounts, mount, kmod, socket or os",
                  k->str);
    if (kind > R_NOT && doc_rule((enum rule_kind)kind) != L->p->config)
        return at(L, k, CW_ESCHEMA,
                  L->p->config ? "'%s' is a host probe; a pack of kind "
                                 "config takes each, some, exists, value, "
                                 "cidr, ports, count, join and location"
                               : "'%s' is a document rule; use it in a pack "
                                 "with 'kind: config'",
                  k->str);
    r = cw__arena_alloc(&L->p->arena, sizeof(*r));
    if (!r)
        return at(L, n, CW_ENOMEM, "out of memory");
    memset(r, 0, sizeof(*r));
    r->kind = (enum rule_kind)kind;
    r->line = k->line;
    r->col = k->col;
    r->mode = -1;
    *out = r;
    if (n->n == 2 && (st = cite(L, r, n->kids[2 * !ck + 1])))
        return st;
    if (r->kind <= R_NOT)
        return parse_kids(L, r, v, depth);
    /* Only leaves reached through all/any/none/not are recorded for a
     * deferred join check; those under each or some are not. */
    if (!L->in_scope)
        r->leaf = L->leaves++;
    if (r->kind == R_JOIN) {
        if (L->in_scope)
            return at(L, k, CW_ESCHEMA,
                      "a join cannot sit inside each, some or another "
                      "join; combine it with all, any, none or not");
        L->has_join = true;
    }
    if (cw__node_expect(v, CW__NODE_MAP, L->file, rule_names[kind], L->d))
        return CW_ESCHEMA;
    for (i = 0; i < v->n; i++) {
        const struct cw__node *pk = v->kids[2 * i], *pv = v->kids[2 * i + 1];
        if (!allowed_key(r->kind, pk->str))
            return unknown_key(L, r->kind, pk);
        st = probe_param(L, r, pk, pv);
        if (st)
            return st;
    }
    if ((st = probe_required(L, r, v)) || r->kind != R_JOIN)
        return st;
    return join_types(L, r, v);
}

/*
 * Rules written alike. A pack repeats itself: fourteen security-group
 * checks each test every ingress rule for "from anywhere" with the same
 * `any` of two `cidr` rules, and differ only in the ports. A document
 * rule's behaviour is a function of what is written (its YAML, not where)
 * and of the node it is evaluated on, so rules written alike get one
 * `memo` number and the scan reuses a verdict it has already reached for
 * the same node of the same resource (src/checks/scan_config.c, "memo").
 * Rules holding a join are left out: they read the join's records.
 */

/* Appends what `n` is written as, place aside: kind, scalar type, style,
 * tag, text (lengths first, so no two trees write the same key). Raw
 * bytes: a pack's rules are keyed at every start. */
static bool node_key(struct cw__buf *b, const struct cw__node *n,
                     unsigned depth)
{
    struct {
        unsigned char kind, type, plain;
        size_t tag_len, len, kids;
    } head;
    size_t i, k = n->kind == CW__NODE_MAP ? 2 * n->n
                  : n->kind == CW__NODE_SEQ ? n->n
                                            : 0;

    if (depth > MAX_RULE_DEPTH * 4)
        return false;
    memset(&head, 0, sizeof(head)); /* padding too: keys are compared */
    head.kind = (unsigned char)n->kind;
    head.type = (unsigned char)n->type;
    head.plain = n->plain;
    head.tag_len = n->tag ? strlen(n->tag) : 0;
    head.len = n->str ? n->len : 0;
    head.kids = k;
    if (cw__buf_append(b, &head, sizeof(head)) ||
        cw__buf_append(b, n->tag, head.tag_len) ||
        cw__buf_append(b, n->str, head.len))
        return false;
    for (i = 0; i < k; i++)
        if (!node_key(b, n->kids[i], depth + 1))
            return false;
    return true;
}

static bool holds_join(const struct rule *r)
{
    size_t i;
    if (r->kind == R_JOIN)
        return true;
    for (i = 0; i < r->nkids; i++)
        if (holds_join(r->kids[i]))
            return true;
    return false;
}

/* Remembers what the document rule `r`, read from `n`, is written as. */
static void note_written(struct loader *L, struct rule *r,
                         const struct cw__node *n)
{
    struct cw__buf *b = &L->key;
    struct written *w;
    char *key;

    if (L->no_share || !L->p->config || holds_join(r))
        return;
    if (!cw__grow((void **)&L->written, &L->awritten, L->nwritten,
                  sizeof(*L->written))) {
        L->no_share = true;
        return;
    }
    w = &L->written[L->nwritten];
    b->len = 0;
    if (!node_key(b, n, 0) || !(key = cw__arena_alloc_raw(&L->keys, b->len))) {
        L->no_share = true;
        return;
    }
    memcpy(key, b->data, b->len);
    w->key = key;
    w->len = b->len;
    w->r = r;
    L->nwritten++;
}

static int cmp_written(const void *a, const void *b)
{
    const struct written *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return memcmp(x->key, y->key, x->len);
}

/* Numbers every group of two or more rules written alike. */
static void share_rules(struct loader *L)
{
    size_t i, j;
    unsigned id = 0;

    if (L->no_share || !L->nwritten)
        return;
    for (i = 0; i < L->nwritten; i++)
        L->written[i].r->sel_shared = jp_uses(L, L->written[i].r->sel) > 1;
    qsort(L->written, L->nwritten, sizeof(*L->written), cmp_written);
    for (i = 0; i < L->nwritten; i = j) {
        for (j = i + 1; j < L->nwritten &&
                        !cmp_written(&L->written[i], &L->written[j]);
             j++)
            ;
        if (j - i < 2)
            continue;
        id++;
        for (; i < j; i++)
            L->written[i].r->memo = id;
    }
    L->p->nmemo = id;
}

static enum cw_status parse_rule(struct loader *L, const struct cw__node *n,
                                 unsigned depth, struct rule **out)
{
    enum cw_status st = rule_body(L, n, depth, out);
    if (!st)
        note_written(L, *out, n);
    return st;
}

/* ---- checks ------------------------------------------------------------ */

static enum cw_status platform(struct loader *L, const struct cw__node *n,
                               const char **id, const char **version)
{
    static const char *const keys[] = { "id", "version", NULL };
    if (cw__node_expect(n, CW__NODE_MAP, L->file, "a platform {id, version}",
                        L->d) ||
        cw__node_check_keys(n, keys, L->file, L->d) ||
        cw__node_get_str(n, "id", true, L->file, id, L->d) ||
        cw__node_get_str(n, "version", false, L->file, version, L->d))
        return CW_ESCHEMA;
    return CW_OK;
}

static enum cw_status controls(struct loader *L, const struct cw__node *n,
                               struct cw_check *c)
{
    struct cw_check_control *v;
    size_t i;

    if (cw__node_expect(n, CW__NODE_SEQ, L->file,
                        "a list of controls (\"CATALOG ID\")", L->d))
        return CW_ESCHEMA;
    if (n->n == 0)
        return at(L, n, CW_ESCHEMA,
                  "a check needs at least one control it evidences");
    v = cw__arena_alloc(&L->p->arena, n->n * sizeof(*v));
    if (!v)
        return at(L, n, CW_ENOMEM, "out of memory");
    for (i = 0; i < n->n; i++) {
        const struct cw__node *x = n->kids[i];
        const struct cw_control *ctl;
        struct cw_diag sub;

        if (scalar(L, x, "a control \"CATALOG ID\"", &v[i].id))
            return CW_ESCHEMA;
        if (!strchr(x->str, ' '))
            return at(L, x, CW_ESCHEMA,
                      "expected \"CATALOG ID\" (e.g. \"iso27017:2015 "
                      "CLD.9.5.2\"), found '%s'",
                      x->str);
        cw_diag_clear(&sub);
        if (cw_catalogs_resolve(L->cats, x->str, NULL, 0, &ctl, &sub))
            return at(L, x, CW_ESCHEMA, "%s", sub.msg);
        v[i].catalog = ctl->catalog;
        v[i].id = ctl->id;
    }
    c->controls = v;
    c->ncontrols = n->n;
    return CW_OK;
}

static bool valid_id(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '.' || *s == '_'))
            return false;
    return true;
}

/* references: cis, ssg and checkov, each one id or a list of them. */
static enum cw_status references(struct loader *L, const struct cw__node *x,
                                 struct cw_check *c)
{
    static const char *const schemes[] = { "cis", "ssg", "checkov" };
    const char **ids[3] = { NULL, NULL, NULL };
    size_t n[3] = { 0, 0, 0 }, s, i, k = 0;
    struct cw_check_ref *refs;

    for (s = 0; s < 3; s++) {
        const struct cw__node *v = cw__node_get(x, schemes[s]);
        if (v && str_list(L, v, "a rule id or a list of rule ids", &ids[s],
                          &n[s]))
            return CW_ESCHEMA;
        for (i = 0; i < n[s]; i++) {
            size_t j;
            for (j = 0; j < i; j++)
                if (strcmp(ids[s][i], ids[s][j]) == 0)
                    return at(L, v, CW_ESCHEMA, "%s '%s' is cited twice",
                              schemes[s], ids[s][i]);
        }
    }
    if (!(n[0] + n[1] + n[2]))
        return CW_OK;
    if (n[0] + n[1] + n[2] > CW_CHECK_REFS_MAX)
        return at(L, x, CW_ELIMIT, "a check cites at most %d rules; split "
                                   "it", CW_CHECK_REFS_MAX);
    refs = cw__arena_alloc(&L->p->arena, (n[0] + n[1] + n[2]) * sizeof(*refs));
    if (!refs)
        return at(L, x, CW_ENOMEM, "out of memory");
    for (s = 0; s < 3; s++)
        for (i = 0; i < n[s]; i++) {
            refs[k].scheme = schemes[s];
            refs[k++].id = ids[s][i];
        }
    c->ref_cis = n[0] ? ids[0][0] : NULL;
    c->ref_ssg = n[1] ? ids[1][0] : NULL;
    c->ref_checkov = n[2] ? ids[2][0] : NULL;
    c->refs = refs;
    c->nrefs = k;
    return CW_OK;
}

static enum cw_status parse_check(struct loader *L, const struct cw__node *n,
                                  struct pack_check *pc)
{
    static const char *const keys[] = {
        "id", "title", "severity", "rationale", "remediation", "controls",
        "references", "platform", "when", "rule", "resource", NULL
    };
    static const char *const ref_keys[] = { "cis", "ssg", "checkov",
                                            "related", NULL };
    static const char *const rel_keys[] = { "cis", "ssg", "checkov", NULL };
    struct cw_check *c = &pc->pub;
    const struct cw__node *x;
    const char *sev = NULL;
    enum cw_status st;
    int s = 0;

    if (cw__node_expect(n, CW__NODE_MAP, L->file, "a check", L->d) ||
        cw__node_check_keys(n, keys, L->file, L->d) ||
        cw__node_get_str(n, "id", true, L->file, &c->id, L->d) ||
        cw__node_get_str(n, "title", true, L->file, &c->title, L->d) ||
        cw__node_get_str(n, "severity", true, L->file, &sev, L->d) ||
        cw__node_get_str(n, "rationale", true, L->file, &c->rationale,
                         L->d) ||
        cw__node_get_str(n, "remediation", true, L->file, &c->remediation,
                         L->d))
        return CW_ESCHEMA;
    if (!valid_id(c->id))
        return at(L, cw__node_get(n, "id"), CW_ESCHEMA,
                  "check id '%s' may use only a-z, 0-9, '-', '.', '_'",
                  c->id);
    if (enum_of(L, cw__node_get(n, "severity"), severity_names, "severity",
                &s))
        return CW_ESCHEMA;
    c->severity = (enum cw_severity)s;
    c->file = L->file;
    c->line = n->line;
    x = cw__node_get(n, "controls");
    if (!x)
        return cw__diag_set(L->d, CW_ESCHEMA, L->file, n->line, n->col,
                            "check '%s' needs 'controls'", c->id);
    if ((st = controls(L, x, c)))
        return st;
    x = cw__node_get(n, "references");
    if (x && (cw__node_expect(x, CW__NODE_MAP, L->file, "references", L->d) ||
              cw__node_check_keys(x, ref_keys, L->file, L->d) ||
              references(L, x, c)))
        return CW_ESCHEMA;
    /* references.related: a rule that asks something else than this
     * check (another threshold, another package list): cited as related,
     * never as the equivalent. */
    if (x && (x = cw__node_get(x, "related")) &&
        (cw__node_expect(x, CW__NODE_MAP, L->file, "related", L->d) ||
         cw__node_check_keys(x, rel_keys, L->file, L->d) ||
         cw__node_get_str(x, "cis", false, L->file, &c->rel_cis, L->d) ||
         cw__node_get_str(x, "ssg", false, L->file, &c->rel_ssg, L->d) ||
         cw__node_get_str(x, "checkov", false, L->file, &c->rel_checkov,
                          L->d)))
        return CW_ESCHEMA;
    x = cw__node_get(n, "resource");
    if (L->p->config != (x != NULL))
        return cw__diag_set(L->d, CW_ESCHEMA, L->file, n->line, n->col,
                            L->p->config
                                ? "check '%s' needs 'resource': the resource "
                                  "types it applies to"
                                : "check '%s' has 'resource', which only a "
                                  "pack of kind config takes",
                            c->id);
    if (x && (st = str_list(L, x, "a list of resource types", &pc->types,
                            &pc->ntypes)))
        return st;
    pc->plat_id = L->p->plat_id;
    pc->plat_version = L->p->plat_version;
    x = cw__node_get(n, "platform");
    if (x && platform(L, x, &pc->plat_id, &pc->plat_version))
        return CW_ESCHEMA;
    L->cur = pc;
    x = cw__node_get(n, "when");
    L->in_scope++; /* `when` is decided in the stream: no join */
    L->in_when = true;
    st = x ? parse_rule(L, x, 0, &pc->when) : CW_OK;
    L->in_when = false;
    L->in_scope--;
    if (st)
        return st;
    x = cw__node_get(n, "rule");
    if (!x)
        return cw__diag_set(L->d, CW_ESCHEMA, L->file, n->line, n->col,
                            "check '%s' needs a 'rule'", c->id);
    L->leaves = 0;
    L->has_join = false;
    if ((st = parse_rule(L, x, 0, &pc->rule)))
        return st;
    if (!L->p->config)
        c->subject = rule_subject(pc->rule);
    pc->nleaves = L->leaves;
    pc->has_join = L->has_join;
    return CW_OK;
}

static enum cw_status parse_pack(struct loader *L, const struct cw__node *root)
{
    static const char *const keys[] = { "pack", "title", "kind", "platform",
                                        "checks", NULL };
    static const char *const kinds[] = { "host", "config", NULL };
    struct cw_pack *p = L->p;
    const struct cw__node *list, *x;
    size_t i, j;

    if (cw__node_expect(root, CW__NODE_MAP, L->file,
                        "a check pack (pack, title, checks)", L->d) ||
        cw__node_check_keys(root, keys, L->file, L->d) ||
        cw__node_get_str(root, "pack", true, L->file, &p->name, L->d) ||
        cw__node_get_str(root, "title", false, L->file, &p->title, L->d))
        return CW_ESCHEMA;
    x = cw__node_get(root, "kind");
    if (x) {
        int kind = 0;
        if (enum_of(L, x, kinds, "pack kind", &kind))
            return CW_ESCHEMA;
        p->config = kind == 1;
    }
    if (!valid_id(p->name))
        return at(L, cw__node_get(root, "pack"), CW_ESCHEMA,
                  "pack name '%s' may use only a-z, 0-9, '-', '.', '_'",
                  p->name);
    x = cw__node_get(root, "platform");
    if (x && platform(L, x, &p->plat_id, &p->plat_version))
        return CW_ESCHEMA;
    list = cw__node_get(root, "checks");
    if (!list)
        return cw__diag_set(L->d, CW_ESCHEMA, L->file, root->line, root->col,
                            "a pack needs 'checks'");
    if (cw__node_expect(list, CW__NODE_SEQ, L->file, "a list of checks",
                        L->d))
        return CW_ESCHEMA;
    p->checks = cw__arena_alloc(&p->arena, (list->n + 1) * sizeof(*p->checks));
    if (!p->checks)
        return at(L, list, CW_ENOMEM, "out of memory");
    memset(p->checks, 0, (list->n + 1) * sizeof(*p->checks));
    for (i = 0; i < list->n; i++) {
        enum cw_status st = parse_check(L, list->kids[i], &p->checks[i]);
        if (st)
            return st;
        for (j = 0; j < i; j++)
            if (strcmp(p->checks[j].pub.id, p->checks[i].pub.id) == 0)
                return cw__diag_set(L->d, CW_ESCHEMA, L->file,
                                    list->kids[i]->line, list->kids[i]->col,
                                    "duplicate check id '%s' (first at line "
                                    "%u)",
                                    p->checks[i].pub.id,
                                    p->checks[j].pub.line);
        p->nchecks++;
    }
    return CW_OK;
}

static void free_codes(pcre2_code **codes)
{
    size_t i;
    for (i = 0; codes && codes[i]; i++)
        pcre2_code_free(codes[i]);
    cw__free(codes);
}

/* The codes array hangs off the pack, after the arena. */
struct pack_full {
    struct cw_pack pack;
    pcre2_code **codes;
    struct cw__jp **jps;
};

void cw_pack_free(struct cw_pack *p)
{
    struct pack_full *f = (struct pack_full *)p;
    size_t i;
    if (!p)
        return;
    free_codes(f->codes);
    for (i = 0; f->jps && f->jps[i]; i++)
        cw__jp_free(f->jps[i]);
    cw__free(f->jps);
    cw__arena_release(&p->arena);
    cw__free(f);
}

enum cw_status cw_pack_load_buffer(const struct cw_catalogs *cats,
                                   const char *name, const char *buf,
                                   size_t len, struct cw_pack **out,
                                   struct cw_diag *d)
{
    struct pack_full *f;
    struct loader L;
    struct cw__node *root = NULL;
    enum cw_status st;

    *out = NULL;
    f = cw__calloc(1, sizeof(*f));
    if (!f)
        return cw__diag_set(d, CW_ENOMEM, name, 0, 0, "out of memory");
    cw__arena_init(&f->pack.arena, 0);
    memset(&L, 0, sizeof(L));
    L.p = &f->pack;
    L.cats = cats;
    L.d = d;
    L.file = cw__arena_strdup(&f->pack.arena, name);
    if (!L.file) {
        cw_pack_free(&f->pack);
        return cw__diag_set(d, CW_ENOMEM, name, 0, 0, "out of memory");
    }
    f->pack.file = L.file;
    {
        /* what a saved run names the pack by: its exact text */
        unsigned char h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, (const unsigned char *)buf, len);
        sodium_bin2hex(f->pack.digest, sizeof(f->pack.digest), h, sizeof(h));
    }
    cw__arena_init(&L.keys, 0);
    cw__buf_init(&L.key, MAX_PACK_BYTES);
    st = cw__yaml_parse(&f->pack.arena, L.file, buf, len, NULL, &root, d);
    if (!st)
        st = parse_pack(&L, root);
    if (!st)
        share_rules(&L);
    cw__free(L.written);
    cw__arena_release(&L.keys);
    cw__buf_release(&L.key);
    f->codes = L.codes;
    f->jps = L.jps;
    cw__free(L.jpt);
    if (st) {
        cw_pack_free(&f->pack);
        return st;
    }
    *out = &f->pack;
    return CW_OK;
}

static const struct cw__embedded *builtin(const char *name)
{
    char want[128];
    size_t i;
    snprintf(want, sizeof(want), "policies/%s.yaml", name);
    for (i = 0; i < cw__embedded_count; i++)
        if (strcmp(cw__embedded_files[i].name, want) == 0)
            return &cw__embedded_files[i];
    return NULL;
}

const char *const *cw_pack_builtin_names(void)
{
    static const char *names[32];
    static bool done;
    size_t i, n = 0;

    if (done)
        return names;
    for (i = 0; i < cw__embedded_count && n + 1 < CW__ARRAY_LEN(names); i++) {
        const char *e = cw__embedded_files[i].name;
        static char store[32][64];
        size_t len;
        if (strncmp(e, "policies/", 9) != 0)
            continue;
        len = strlen(e + 9);
        if (len < 6 || len - 5 >= sizeof(store[0]))
            continue;
        memcpy(store[n], e + 9, len - 5); /* drop ".yaml" */
        store[n][len - 5] = '\0';
        names[n] = store[n];
        n++;
    }
    names[n] = NULL;
    done = true;
    return names;
}

enum cw_status cw_pack_load(const struct cw_catalogs *cats, const char *path,
                            struct cw_pack **out, struct cw_diag *d)
{
    struct cw__buf b;
    enum cw_status st;
    const struct cw__embedded *e;
    struct stat sb;

    *out = NULL;
    /* A built-in pack's name is that pack, whatever files the current
     * folder holds: a stray file called "aws" must not replace the
     * checks. A file of that name is "./aws". */
    e = strchr(path, '/') ? NULL : builtin(path);
    if (e || (!strchr(path, '/') && stat(path, &sb) != 0)) {
        char name[160], list[256];
        const char *const *names = cw_pack_builtin_names();
        size_t i, off = 0;
        list[0] = '\0';
        for (i = 0; !e && names[i] && off < sizeof(list); i++)
            off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
                                    i ? ", " : "", names[i]);
        if (!e)
            return cw__diag_set(d, CW_ENOENT, NULL, 0, 0,
                                "no pack file '%s' and no built-in pack of "
                                "that name (built-in: %s)",
                                path, list);
        snprintf(name, sizeof(name), "(built-in)/%s", e->name);
        return cw_pack_load_buffer(cats, name, e->data, e->len, out, d);
    }
    cw__buf_init(&b, MAX_PACK_BYTES);
    st = cw__read_file(path, &b, d);
    if (!st)
        st = cw_pack_load_buffer(cats, path, b.data ? b.data : "", b.len, out,
                                 d);
    cw__buf_release(&b);
    return st;
}

const char *cw_pack_name(const struct cw_pack *p)
{
    return p->name;
}

const char *cw_pack_digest(const struct cw_pack *p)
{
    return p->digest;
}

const char *cw_pack_title(const struct cw_pack *p)
{
    return p->title ? p->title : p->name;
}

const char *cw_pack_kind(const struct cw_pack *p)
{
    return p->config ? "config" : "host";
}

size_t cw_pack_count(const struct cw_pack *p)
{
    return p->nchecks;
}

const struct cw_check *cw_pack_check_at(const struct cw_pack *p, size_t i)
{
    return i < p->nchecks ? &p->checks[i].pub : NULL;
}

size_t cw_pack_check_index(const struct cw_pack *p, const struct cw_check *c)
{
    /* `pub` is the first member of struct pack_check; compared as
     * integers, since `c` may point anywhere. */
    uintptr_t at = (uintptr_t)c, base = (uintptr_t)p->checks;
    size_t i;
    if (at < base || (at - base) % sizeof(*p->checks))
        return p->nchecks;
    i = (at - base) / sizeof(*p->checks);
    return i < p->nchecks ? i : p->nchecks;
}

bool cw_pack_detect(const char *root, char *out, size_t n)
{
    const char *const *names = cw_pack_builtin_names();
    char real[4096], want[128];
    struct host h;
    bool found = false;
    size_t i;

    if (!realpath(root ? root : "/", real))
        return false;
    memset(&h, 0, sizeof(h));
    cw__arena_init(&h.arena, 0);
    if (host_open_root(&h, strcmp(real, "/") == 0 ? "" : real)) {
        cw__arena_release(&h.arena);
        return false;
    }
    host_load_os(&h);
    if (h.os_id && h.os_version) {
        /* Built-in packs are named ID-VERSION_ID ("debian-12"). */
        snprintf(want, sizeof(want), "%s-%s", h.os_id, h.os_version);
        for (i = 0; names[i] && !found; i++)
            found = strcmp(names[i], want) == 0;
        if (found)
            snprintf(out, n, "%s", want);
    }
    host_close_root(&h);
    cw__arena_release(&h.arena);
    return found;
}
