/*
 * probe_config.c - configuration files read with the semantics of the
 * program that reads them, because a grep gives wrong verdicts:
 *
 *  - sshd_config: Include expanded in place, first value wins, Match
 *    blocks ignored (a setting under Match applies to some connections
 *    only), keywords case-insensitive;
 *  - sysctl: systemd-sysctl's directory precedence and lexical file order,
 *    last assignment wins, plus the running value on a live host;
 *  - key/value files (login.defs, pwquality.conf, journald.conf with
 *    drop-ins): sections, separators, last (or first) value wins;
 *  - PAM stacks with @include, include and substack expanded;
 *  - sudoers with @include/@includedir (and the # forms);
 *  - audit rules as augenrules merges rules.d.
 *
 * Each file set is parsed once per scan and kept in `struct host`.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"

#define MAX_INCLUDE_DEPTH 16
/* Files one configuration may pull in through includes, whatever their
 * depth: a file that includes itself twice would otherwise cost 2^16
 * reads (found by fuzz_hostfiles). */
#define MAX_INCLUDED_FILES 256
#define INCLUDE_LOOP (-1) /* an `err` value: the budget ran out */
#define REGEX_FAILED (-2) /* an `err` value: a PCRE2 match error */


/* Collapses runs of blanks into one space, in place. */
static void squeeze(char *s)
{
    char *w = s, *start = s;
    bool blank = false;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t') {
            blank = true;
            continue;
        }
        if (blank && w != start)
            *w++ = ' ';
        blank = false;
        *w++ = *s;
    }
    *w = '\0';
}

static void unreadable_outcome(struct outcome *o, const char *file, int e)
{
    if (e == INCLUDE_LOOP)
        outcome_set(o, CW_VERDICT_UNKNOWN, "%s: more than %d included "
                    "files (an include loop?)", file, MAX_INCLUDED_FILES);
    else
        outcome_set(o, CW_VERDICT_UNKNOWN, "cannot read %s: %s", file,
                    host_strerror(e));
    o->file = file;
}

/*
 * For a rule marked `explicit` (judged as the benchmark it cites does,
 * on every file): after the effective value `eff` passed, any other
 * assignment of the same key in the files that fails the test is a
 * finding, though a later (sysctl) or earlier (sshd) one overrides it.
 */
static void conflicting(const struct rule *r, const struct settings *ss,
                        const char *key, const struct setting *eff,
                        bool icase, struct outcome *o)
{
    size_t i;

    if (!r->vt.explicit_only || o->v != CW_VERDICT_PASS || !eff)
        return;
    for (i = 0; i < ss->n; i++) {
        const struct setting *x = &ss->v[i];
        struct outcome t;
        if (x == eff || !x->value ||
            (icase ? strcasecmp(x->key, key) : strcmp(x->key, key)) != 0)
            continue;
        memset(&t, 0, sizeof(t));
        value_judge(&r->vt, key, x->value, x->file, x->line,
                    icase ? VJ_ICASE : 0, &t);
        if (t.v != CW_VERDICT_FAIL)
            continue;
        outcome_set(o, CW_VERDICT_FAIL,
                    "%s is '%s' in effect (%s:%u), but %s:%u sets '%s': "
                    "the benchmark fails any file that sets it wrong",
                    key, eff->value, eff->file, eff->line, x->file, x->line,
                    x->value);
        o->file = x->file;
        o->line = x->line;
        return;
    }
}

/* ---- sshd ---------------------------------------------------------------- */

static void sshd_file(struct host *h, const char *file, bool in_match,
                      unsigned depth);

static void sshd_include(struct host *h, char *args, bool in_match,
                         unsigned depth)
{
    char *save = NULL, *tok;
    for (tok = strtok_r(args, " \t", &save); tok;
         tok = strtok_r(NULL, " \t", &save)) {
        const char **paths;
        const char *pat = tok[0] == '/'
                              ? tok
                              : cw__arena_printf(&h->arena, "/etc/ssh/%s",
                                                 tok);
        size_t n, i;
        if (!pat)
            return;
        n = host_glob(h, pat, &paths);
        for (i = 0; i < n; i++)
            sshd_file(h, paths[i], in_match, depth + 1);
    }
}

static void sshd_file(struct host *h, const char *file, bool in_match,
                      unsigned depth)
{
    size_t i;
    struct lines ls;
    int e;

    if (depth > MAX_INCLUDE_DEPTH || ++h->sshd_files > MAX_INCLUDED_FILES) {
        if (!h->sshd_err)
            h->sshd_err = cw__arena_printf(
                &h->arena, "%s: Include nests deeper than %d or pulls in "
                           "more than %d files", file, MAX_INCLUDE_DEPTH,
                MAX_INCLUDED_FILES);
        return;
    }
    memset(&ls, 0, sizeof(ls));
    e = lines_load(h, &ls, file, false);
    if (e) {
        if (depth == 0 && e == ENOENT) {
            h->sshd_state = C_MISSING;
            return;
        }
        if (!h->sshd_err)
            h->sshd_err = cw__arena_printf(&h->arena, "cannot read %s: %s",
                                           file, host_strerror(e));
        return;
    }
    for (i = 0; i < ls.n; i++) {
        char *s = cw__arena_strdup(&h->arena, ls.v[i].text), *key, *val;
        size_t k;
        if (!s)
            return;
        s = cw__trim(s);
        if (!*s || *s == '#')
            continue;
        key = s;
        k = strcspn(s, " \t=");
        val = s + k;
        if (*val)
            *val++ = '\0';
        while (*val == ' ' || *val == '\t' || *val == '=')
            val++;
        val = cw__trim(val);
        if (strcasecmp(key, "Match") == 0) {
            in_match = strcasecmp(val, "all") != 0;
            continue;
        }
        if (strcasecmp(key, "Include") == 0) {
            sshd_include(h, val, in_match, depth);
            continue;
        }
        if (!in_match)
            settings_add(h, &h->sshd, key, val, ls.v[i].file, ls.v[i].line);
    }
}

void probe_sshd(struct host *h, const struct rule *r, struct outcome *o)
{
    size_t i;

    if (!h->sshd_state) {
        h->sshd_state = C_OK;
        sshd_file(h, "/etc/ssh/sshd_config", false, 0);
    }
    if (h->sshd_err) {
        outcome_set(o, CW_VERDICT_UNKNOWN, "%s", h->sshd_err);
        return;
    }
    if (h->sshd_state == C_MISSING) {
        if (!r->vt.deflt) {
            outcome_set(o, CW_VERDICT_UNKNOWN,
                        "no /etc/ssh/sshd_config to read %s from", r->key);
            return;
        }
        value_judge(&r->vt, r->key, NULL, NULL, 0, true, o);
        return;
    }
    for (i = 0; i < h->sshd.n; i++) {
        const struct setting *s = &h->sshd.v[i];
        if (strcasecmp(s->key, r->key) == 0) { /* the first value wins */
            value_judge(&r->vt, r->key, s->value, s->file, s->line, true, o);
            conflicting(r, &h->sshd, r->key, s, true, o);
            return;
        }
    }
    value_judge(&r->vt, r->key, NULL, "/etc/ssh/sshd_config", 0, true, o);
}

/* ---- sysctl -------------------------------------------------------------- */

static const char *const sysctl_dirs[] = {
    "/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d",
    "/usr/lib/sysctl.d", "/lib/sysctl.d", NULL
};

struct named {
    const char *base, *path;
};

static int cmp_named(const void *a, const void *b)
{
    return strcmp(((const struct named *)a)->base,
                  ((const struct named *)b)->base);
}

static void normalize_key(char *k)
{
    /* "net/ipv4/ip_forward" and "net.ipv4.ip_forward" are the same key;
     * systemd-sysctl turns '/' into '.' when the first separator is '/'. */
    char *slash = strchr(k, '/'), *dot = strchr(k, '.');
    if (slash && (!dot || slash < dot))
        for (; *k; k++)
            if (*k == '/')
                *k = '.';
}

static void sysctl_file(struct host *h, const char *file)
{
    size_t i;
    struct lines ls;
    int e;

    memset(&ls, 0, sizeof(ls));
    e = lines_load(h, &ls, file, false);
    if (e) {
        if (!h->sysctl_err)
            h->sysctl_err = cw__arena_printf(&h->arena, "cannot read %s: %s",
                                             file, host_strerror(e));
        return;
    }
    for (i = 0; i < ls.n; i++) {
        char *s = cw__arena_strdup(&h->arena, ls.v[i].text), *eq, *key;
        if (!s)
            return;
        s = cw__trim(s);
        if (!*s || *s == '#' || *s == ';')
            continue;
        eq = strchr(s, '=');
        if (!eq) {
            /* "-KEY" alone excludes KEY from glob assignments (systemd). */
            if (*s == '-' && s[1]) {
                normalize_key(s + 1);
                settings_add(h, &h->sysctl, s + 1, NULL, ls.v[i].file,
                             ls.v[i].line);
            }
            continue;
        }
        *eq = '\0';
        key = cw__trim(s);
        if (*key == '-')
            key++;
        normalize_key(key);
        eq = cw__trim(eq + 1);
        squeeze(eq);
        settings_add(h, &h->sysctl, key, eq, ls.v[i].file, ls.v[i].line);
    }
}

static void load_sysctl(struct host *h)
{
    struct named *v = NULL;
    size_t n = 0, alloc = 0, d, i, j;
    bool have_99 = false;

    h->sysctl_state = C_OK;
    for (d = 0; sysctl_dirs[d]; d++) {
        const char **paths;
        char pat[64];
        size_t np;
        snprintf(pat, sizeof(pat), "%s/*.conf", sysctl_dirs[d]);
        np = host_glob(h, pat, &paths);
        for (i = 0; i < np; i++) {
            const char *base = strrchr(paths[i], '/') + 1;
            bool seen = false;
            for (j = 0; j < n; j++)
                seen = seen || strcmp(v[j].base, base) == 0;
            if (seen) /* an earlier directory hides the same name */
                continue;
            if (n == alloc) {
                struct named *nv;
                alloc = alloc ? 2 * alloc : 32;
                nv = cw__arena_alloc(&h->arena, alloc * sizeof(*nv));
                if (!nv)
                    return;
                if (n)
                    memcpy(nv, v, n * sizeof(*nv));
                v = nv;
            }
            v[n].base = base;
            v[n].path = paths[i];
            have_99 = have_99 || strcmp(base, "99-sysctl.conf") == 0;
            n++;
        }
    }
    if (!have_99) { /* /etc/sysctl.conf in the place Debian links it to */
        struct stat st;
        if (host_stat(h, "/etc/sysctl.conf", true, &st) == 0) {
            struct named *nv = cw__arena_alloc(&h->arena,
                                               (n + 1) * sizeof(*nv));
            if (!nv)
                return;
            if (n)
                memcpy(nv, v, n * sizeof(*nv));
            v = nv;
            v[n].base = "99-sysctl.conf";
            v[n].path = "/etc/sysctl.conf";
            n++;
        }
    }
    if (n)
        qsort(v, n, sizeof(*v), cmp_named);
    for (i = 0; i < n; i++)
        sysctl_file(h, v[i].path);
}

void probe_sysctl(struct host *h, const struct rule *r, struct outcome *o)
{
    const struct setting *s = NULL;
    char key[256], proc[300];
    size_t i;

    if (!h->sysctl_state)
        load_sysctl(h);
    snprintf(key, sizeof(key), "%s", r->key);
    normalize_key(key);
    /* The last assignment wins. A glob key ("net.ipv4.conf.*.rp_filter")
     * assigns every matching key except those excluded by a "-KEY" line. */
    {
        bool excluded = false;
        for (i = 0; i < h->sysctl.n; i++)
            excluded |= !h->sysctl.v[i].value &&
                        strcmp(h->sysctl.v[i].key, key) == 0;
        for (i = h->sysctl.n; i-- > 0;) {
            const struct setting *x = &h->sysctl.v[i];
            if (!x->value)
                continue;
            if (strcmp(x->key, key) == 0 ||
                (!excluded && strpbrk(x->key, "*?[") &&
                 fnmatch(x->key, key, 0) == 0)) {
                s = x;
                break;
            }
        }
    }
    if (h->sysctl_err) {
        outcome_set(o, CW_VERDICT_UNKNOWN, "%s", h->sysctl_err);
        return;
    }
    if (s)
        value_judge(&r->vt, key, s->value, s->file, s->line, false, o);
    else
        value_judge(&r->vt, key, NULL, NULL, 0, false, o);
    conflicting(r, &h->sysctl, key, s, false, o);
    if (o->v != CW_VERDICT_PASS || !h->live)
        return;
    /* Live: the running kernel must agree with the configuration. */
    {
        struct outcome run;
        const char *data;
        size_t len;
        char *p;
        int e;

        snprintf(proc, sizeof(proc), "/proc/sys/%s", key);
        for (p = proc + 10; *p; p++)
            if (*p == '.')
                *p = '/';
        e = host_read(h, proc, &data, &len);
        if (e == ENOENT)
            return; /* not in this kernel: the configuration decides */
        if (e) {
            unreadable_outcome(o, proc, e);
            return;
        }
        p = cw__arena_strdup(&h->arena, data);
        if (!p)
            return;
        p = cw__trim(p);
        if (*p && p[strlen(p) - 1] == '\n')
            p[strlen(p) - 1] = '\0';
        squeeze(p);
        memset(&run, 0, sizeof(run));
        value_judge(&r->vt, key, p, proc, 0, false, &run);
        if (run.v != CW_VERDICT_PASS) {
            outcome_set(o, run.v, "running value: %s", run.reason);
            o->file = cw__arena_strdup(&h->arena, proc);
        }
    }
}

/* ---- keyvalue ------------------------------------------------------------ */

void probe_keyvalue(struct host *h, const struct rule *r, struct outcome *o)
{
    const char **files = NULL, **drops = NULL;
    size_t nfiles = 0, ndrops = 0, i, j;
    const struct setting *hit = NULL;
    struct setting found;

    nfiles = host_glob(h, r->path, &files);
    if (r->dropins)
        ndrops = host_glob(h, r->dropins, &drops);
    if (!nfiles && !ndrops) {
        struct stat st;
        int e = host_stat(h, r->path, true, &st);
        if (e && e != ENOENT && e != ENOTDIR) {
            unreadable_outcome(o, r->path, e);
            return;
        }
        if (r->vt.deflt && r->if_missing == MISSING_DEFAULT) {
            value_judge(&r->vt, r->key, NULL, NULL, 0, r->icase, o);
            return;
        }
        outcome_set(o, r->if_missing == MISSING_PASS ? CW_VERDICT_PASS
                       : r->if_missing == MISSING_NA
                           ? CW_VERDICT_NOT_APPLICABLE
                           : CW_VERDICT_FAIL,
                    "%s does not exist", r->path);
        return;
    }
    for (i = 0; i < nfiles + ndrops; i++) {
        const char *file = i < nfiles ? files[i] : drops[i - nfiles];
        struct lines ls;
        char section[128] = "";
        int e;
        memset(&ls, 0, sizeof(ls));
        e = lines_load(h, &ls, file, false);
        if (e) {
            unreadable_outcome(o, file, e);
            return;
        }
        for (j = 0; j < ls.n; j++) {
            char *s = cw__arena_strdup(&h->arena, ls.v[j].text), *k, *v;
            size_t kl;
            if (!s)
                return;
            s = cw__trim(s);
            if (!*s || *s == '#' || *s == ';')
                continue;
            if (*s == '[') {
                char *end = strchr(s, ']');
                if (end)
                    snprintf(section, sizeof(section), "%.*s",
                             (int)(end - s - 1), s + 1);
                continue;
            }
            if (r->section && strcmp(section, r->section) != 0)
                continue;
            kl = strcspn(s, r->kv_equals_sep ? "=" : " \t");
            if (r->kv_equals_sep && !s[kl])
                continue;
            k = s;
            v = s + kl;
            if (*v)
                *v++ = '\0';
            k = cw__trim(k);
            v = cw__trim(v);
            kl = strlen(v);
            if (kl >= 2 && (v[0] == '"' || v[0] == '\'') && v[kl - 1] == v[0]) {
                v[kl - 1] = '\0';
                v++;
            }
            if (!(r->icase ? strcasecmp(k, r->key) : strcmp(k, r->key)) &&
                (!hit || !r->first_wins)) {
                found.key = k;
                found.value = v;
                found.file = file;
                found.line = ls.v[j].line;
                hit = &found;
            }
        }
    }
    if (hit)
        value_judge(&r->vt, r->key, hit->value, hit->file, hit->line, r->icase, o);
    else
        value_judge(&r->vt, r->key, NULL, nfiles ? files[0] : NULL, 0, r->icase, o);
}

/* ---- PAM ----------------------------------------------------------------- */

struct pam_ctx {
    struct host *h;
    const struct rule *r;
    struct outcome *o;
    bool found;
    int err;
    const char *err_file;
    unsigned files; /* read so far, against MAX_INCLUDED_FILES */
};

static void pam_service(struct pam_ctx *c, const char *service,
                        const char *only_type, unsigned depth);

static void pam_line(struct pam_ctx *c, char *s, const struct src_line *l,
                     const char *only_type, unsigned depth)
{
    char *type, *control, *module, *args, *save = NULL;
    const char *base;
    bool err = false;

    if (*s == '@') { /* "@include common-auth" */
        char *what = strtok_r(s, " \t", &save), *arg;
        arg = strtok_r(NULL, " \t", &save);
        if (what && arg && strcmp(what, "@include") == 0)
            pam_service(c, arg, only_type, depth + 1);
        return;
    }
    type = strtok_r(s, " \t", &save);
    if (!type)
        return;
    if (*type == '-')
        type++;
    if (only_type && strcasecmp(type, only_type) != 0)
        return;
    args = save;
    while (args && (*args == ' ' || *args == '\t'))
        args++;
    if (args && *args == '[') { /* [value=action ...] */
        control = args;
        args = strchr(args, ']');
        if (!args)
            return;
        *args++ = '\0';
        save = args;
    } else {
        control = strtok_r(NULL, " \t", &save);
    }
    module = strtok_r(NULL, " \t", &save);
    if (!control || !module)
        return;
    args = save ? cw__trim(save) : (char *)"";
    if (strcmp(control, "include") == 0 || strcmp(control, "substack") == 0) {
        pam_service(c, module, type, depth + 1);
        return;
    }
    if (c->found)
        return;
    base = strrchr(module, '/') ? strrchr(module, '/') + 1 : module;
    if (strcmp(base, c->r->module) != 0 ||
        (c->r->type && strcasecmp(type, c->r->type) != 0))
        return;
    if (c->r->match && !re_match(c->r->match, args, strlen(args), &err)) {
        if (err)
            c->err = REGEX_FAILED;
        return;
    }
    c->found = true;
    c->o->file = l->file;
    c->o->line = l->line;
    snprintf(c->o->reason, sizeof(c->o->reason), "%s:%u: %.200s", l->file,
             l->line, l->text);
}

static void pam_service(struct pam_ctx *c, const char *service,
                        const char *only_type, unsigned depth)
{
    const char *file;
    struct lines ls;
    size_t i;
    int e;

    if (depth > MAX_INCLUDE_DEPTH || strchr(service, '/'))
        return;
    file = cw__arena_printf(&c->h->arena, "/etc/pam.d/%s", service);
    if (!file)
        return;
    if (++c->files > MAX_INCLUDED_FILES) {
        if (!c->err) {
            c->err = INCLUDE_LOOP;
            c->err_file = file;
        }
        return;
    }
    memset(&ls, 0, sizeof(ls));
    e = lines_load(c->h, &ls, file, true);
    if (e) {
        if (!c->err && (depth == 0 || e != ENOENT)) {
            c->err = e;
            c->err_file = file;
        }
        return;
    }
    for (i = 0; i < ls.n; i++) {
        char *s = cw__arena_strdup(&c->h->arena, ls.v[i].text), *hash;
        if (!s)
            return;
        hash = strchr(s, '#');
        if (hash)
            *hash = '\0';
        s = cw__trim(s);
        if (*s)
            pam_line(c, s, &ls.v[i], only_type, depth);
    }
}

void probe_pam(struct host *h, const struct rule *r, struct outcome *o)
{
    struct pam_ctx c;

    memset(&c, 0, sizeof(c));
    c.h = h;
    c.r = r;
    c.o = o;
    pam_service(&c, r->name, NULL, 0);
    if (c.err == REGEX_FAILED) {
        outcome_set(o, CW_VERDICT_ERROR, "regex '%s' failed to run",
                    r->match_src);
        return;
    }
    if (c.found) {
        o->v = r->expect_absent ? CW_VERDICT_FAIL : CW_VERDICT_PASS;
        return;
    }
    if (c.err == ENOENT) {
        outcome_set(o, r->expect_absent ? CW_VERDICT_PASS : CW_VERDICT_FAIL,
                    "%s does not exist", c.err_file);
        return;
    }
    if (c.err) {
        unreadable_outcome(o, c.err_file, c.err);
        return;
    }
    outcome_set(o, r->expect_absent ? CW_VERDICT_PASS : CW_VERDICT_FAIL,
                "no %s%s%s line in the /etc/pam.d/%s stack%s%s%s",
                r->type ? r->type : "", r->type ? " " : "", r->module,
                r->name, r->match ? " with arguments matching '" : "",
                r->match ? r->match_src : "", r->match ? "'" : "");
}

/* ---- sudoers ------------------------------------------------------------- */

static void sudo_file(struct host *h, const char *file, unsigned depth);

static void sudo_dir(struct host *h, const char *dir, unsigned depth)
{
    const char **paths;
    const char *pat = cw__arena_printf(&h->arena, "%s/*", dir);
    size_t n = pat ? host_glob(h, pat, &paths) : 0, i;

    for (i = 0; i < n; i++) {
        const char *base = strrchr(paths[i], '/') + 1;
        size_t bl = strlen(base);
        if (strchr(base, '.') || (bl && base[bl - 1] == '~'))
            continue; /* sudo skips these in an included directory */
        sudo_file(h, paths[i], depth + 1);
    }
}

static void sudo_file(struct host *h, const char *file, unsigned depth)
{
    struct lines ls;
    size_t i;
    int e;

    if (depth > MAX_INCLUDE_DEPTH)
        return;
    if (++h->sudo_files > MAX_INCLUDED_FILES) {
        if (!h->sudo.err) {
            h->sudo.err = INCLUDE_LOOP;
            h->sudo.err_file = file;
        }
        return;
    }
    memset(&ls, 0, sizeof(ls));
    e = lines_load(h, &ls, file, true);
    if (e) {
        if (depth == 0 && e == ENOENT)
            h->sudo_state = C_MISSING;
        else if (!h->sudo.err) {
            h->sudo.err = e;
            h->sudo.err_file = file;
        }
        return;
    }
    for (i = 0; i < ls.n; i++) {
        char *s = cw__arena_strdup(&h->arena, ls.v[i].text), *arg;
        if (!s)
            return;
        s = cw__trim(s);
        if (!*s)
            continue;
        if (strncmp(s, "#include", 8) == 0 || strncmp(s, "@include", 8) == 0) {
            bool dir = strncmp(s + 8, "dir", 3) == 0;
            arg = cw__trim(s + 8 + (dir ? 3 : 0));
            if (*arg != '/') { /* relative to the including file's dir */
                const char *slash = strrchr(file, '/');
                arg = cw__arena_printf(&h->arena, "%.*s/%s",
                                       (int)(slash - file), file, arg);
                if (!arg)
                    return;
            }
            if (dir)
                sudo_dir(h, arg, depth);
            else
                sudo_file(h, arg, depth + 1);
            continue;
        }
        if (*s == '#')
            continue;
        squeeze(s);
        ls.v[i].text = s;
        {
            struct src_line l = ls.v[i];
            if (h->sudo.n == h->sudo.alloc) {
                size_t na = h->sudo.alloc ? 2 * h->sudo.alloc : 64;
                struct src_line *v = cw__arena_alloc(&h->arena,
                                                     na * sizeof(*v));
                if (!v)
                    return;
                if (h->sudo.n)
                    memcpy(v, h->sudo.v, h->sudo.n * sizeof(*v));
                h->sudo.v = v;
                h->sudo.alloc = na;
            }
            h->sudo.v[h->sudo.n++] = l;
        }
    }
}

/* Shared by sudoers and audit: PCRE2 over a prepared line set. */
static void match_lines(const struct lines *ls, const struct rule *r,
                        const char *what, struct outcome *o)
{
    size_t i;
    bool err = false;

    for (i = 0; i < ls->n; i++) {
        const struct src_line *l = &ls->v[i];
        if (!re_match(r->match, l->text, strlen(l->text), &err)) {
            if (err) {
                outcome_set(o, CW_VERDICT_ERROR, "regex '%s' failed to run",
                            r->match_src);
                return;
            }
            continue;
        }
        o->file = l->file;
        o->line = l->line;
        outcome_set(o, r->expect_absent ? CW_VERDICT_FAIL : CW_VERDICT_PASS,
                    "%s:%u: %.200s", l->file, l->line, l->text);
        return;
    }
    outcome_set(o, r->expect_absent ? CW_VERDICT_PASS : CW_VERDICT_FAIL,
                "no line of %s matches '%s'", what, r->match_src);
}

void probe_sudoers(struct host *h, const struct rule *r, struct outcome *o)
{
    if (!h->sudo_state) {
        h->sudo_state = C_OK;
        sudo_file(h, "/etc/sudoers", 0);
    }
    if (h->sudo.err) {
        unreadable_outcome(o, h->sudo.err_file, h->sudo.err);
        return;
    }
    if (h->sudo_state == C_MISSING) {
        outcome_set(o, r->expect_absent ? CW_VERDICT_PASS : CW_VERDICT_FAIL,
                    "/etc/sudoers does not exist");
        return;
    }
    match_lines(&h->sudo, r, "the sudoers configuration", o);
}

/* ---- audit rules --------------------------------------------------------- */

static void load_audit(struct host *h)
{
    const char **paths;
    size_t n = host_glob(h, "/etc/audit/rules.d/*.rules", &paths), i, j;

    h->audit_state = C_OK;
    if (!n) {
        struct stat st;
        if (host_stat(h, "/etc/audit/audit.rules", true, &st) != 0) {
            h->audit_state = C_MISSING;
            return;
        }
        paths = cw__arena_alloc(&h->arena, sizeof(*paths));
        if (!paths)
            return;
        paths[0] = "/etc/audit/audit.rules";
        n = 1;
    }
    for (i = 0; i < n; i++) {
        size_t first = h->audit.n;
        if (lines_load(h, &h->audit, paths[i], false))
            continue; /* kept in h->audit.err */
        /* Drop comments and blanks; squeeze the rest in place. */
        for (j = first; j < h->audit.n;) {
            char *s = cw__arena_strdup(&h->arena, h->audit.v[j].text);
            if (s) {
                s = cw__trim(s);
                squeeze(s);
            }
            if (!s || !*s || *s == '#') {
                memmove(&h->audit.v[j], &h->audit.v[j + 1],
                        (h->audit.n - j - 1) * sizeof(h->audit.v[0]));
                h->audit.n--;
                continue;
            }
            h->audit.v[j++].text = s;
        }
    }
}

void probe_audit(struct host *h, const struct rule *r, struct outcome *o)
{
    if (!h->audit_state)
        load_audit(h);
    if (h->audit.err) {
        unreadable_outcome(o, h->audit.err_file, h->audit.err);
        return;
    }
    if (h->audit_state == C_MISSING) {
        outcome_set(o, r->expect_absent ? CW_VERDICT_PASS : CW_VERDICT_FAIL,
                    "no audit rules (/etc/audit/rules.d/*.rules or "
                    "/etc/audit/audit.rules)");
        return;
    }
    match_lines(&h->audit, r, "the audit rules", o);
}
