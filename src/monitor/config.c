/*
 * config.c - the monitor's file (cw_monitor.h): schedules and where
 * alerts go. Strict: every key known, every value of its kind, each
 * error at its line and column.
 */
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>

#include <cloudward/cw_monitor.h>

#include "../core/core.h"
#include "../parse/node.h"

#define MAX_JOBS 64
#define MAX_PATHS 64
#define MAX_MAIL_TO 16
#define MAX_BYTES (1 << 20)

struct cw_monitor_config {
    struct cw__arena arena;
    struct cw_job jobs[MAX_JOBS];
    size_t njobs;
    struct cw_monitor_alerts alerts;
};

struct reader {
    const char *file;
    struct cw_monitor_config *c;
    struct cw_diag *d;
};

#define bad(r, n, ...)                                                        \
    cw__diag_set((r)->d, CW_ESCHEMA, (r)->file, (n) ? (n)->line : 0,        \
                 (n) ? (n)->col : 0, __VA_ARGS__)

static bool is_str(const struct cw__node *n)
{
    return n->kind == CW__NODE_SCALAR && n->type == CW__T_STRING &&
           strlen(n->str) == n->len && n->len > 0;
}

/* A name: 1 to 64 of a-z, 0-9 and '-', not starting with '-'. */
static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 64 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n &&
           s[0] != '-';
}

static bool builtin_config_pack(const char *s)
{
    const char *const *n;
    for (n = cw_pack_builtin_names(); n && *n; n++)
        if (strcmp(*n, s) == 0)
            return true;
    return false;
}

/* A list of strings (or one string) into a NULL-ended array. */
static enum cw_status strings(struct reader *r, const struct cw__node *v,
                              const char *what, size_t max,
                              const char *const **out, size_t *n)
{
    const char **list;
    size_t i, k = v->kind == CW__NODE_SEQ ? v->n : 1;

    if (v->kind != CW__NODE_SEQ && !is_str(v))
        return bad(r, v, "%s: a string or a list of strings", what);
    if (k == 0 || k > max)
        return bad(r, v, "%s: 1 to %zu of them", what, max);
    if (!(list = cw__arena_alloc(&r->c->arena, (k + 1) * sizeof(*list))))
        return cw__diag_set(r->d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    for (i = 0; i < k; i++) {
        const struct cw__node *x = v->kind == CW__NODE_SEQ ? v->kids[i] : v;
        if (!is_str(x))
            return bad(r, x, "%s: each a string", what);
        list[i] = x->str;
    }
    list[k] = NULL;
    *out = list;
    *n = k;
    return CW_OK;
}

static enum cw_status read_job(struct reader *r, const struct cw__node *m)
{
    struct cw_job *j = &r->c->jobs[r->c->njobs];
    const struct cw__node *cron = NULL;
    bool sweep = false, checkpoint = false;
    enum cw_status st = CW_OK;
    size_t i, k;

    if (m->kind != CW__NODE_MAP)
        return bad(r, m, "a schedule is a map (name, cron, and scan, sweep "
                         "or checkpoint)");
    memset(j, 0, sizeof(*j));
    for (i = 0; !st && i < m->n; i++) {
        const struct cw__node *key = m->kids[2 * i], *v = m->kids[2 * i + 1];
        const char *k2 = key->str;
        if (strcmp(k2, "name") == 0) {
            if (!is_str(v) || !name_ok(v->str))
                st = bad(r, v, "name: 1 to 64 of a-z, 0-9 and '-'");
            else
                j->name = v->str;
        } else if (strcmp(k2, "cron") == 0) {
            struct cw_diag cd;
            if (!is_str(v))
                st = bad(r, v, "cron: a cron expression in quotes");
            else if (cw_cron_parse(v->str, &j->when, &cd))
                st = cw__diag_set(r->d, CW_ESCHEMA, r->file, v->line,
                                  v->col + (v->plain ? 0 : 1) +
                                      (cd.col ? cd.col - 1 : 0),
                                  "cron: %s", cd.msg);
            else {
                j->cron = v->str;
                cron = v;
            }
        } else if (strcmp(k2, "scan") == 0) {
            if (!is_str(v) || !builtin_config_pack(v->str))
                st = bad(r, v, "scan: a built-in config pack (aws, "
                               "cloudformation, kubernetes, cloud-cli)");
            else
                j->pack = v->str;
        } else if (strcmp(k2, "paths") == 0) {
            st = strings(r, v, "paths", MAX_PATHS, &j->paths, &j->npaths);
        } else if (strcmp(k2, "sweep") == 0 ||
                   strcmp(k2, "checkpoint") == 0) {
            if (v->kind != CW__NODE_SCALAR || v->type != CW__T_TRUE)
                st = bad(r, v, "%s: true (or leave it out)", k2);
            else if (k2[0] == 's')
                sweep = true;
            else
                checkpoint = true;
        } else {
            st = bad(r, key,
                     "unknown key '%s' in a schedule (name, cron, scan, "
                     "paths, sweep, checkpoint)",
                     k2);
        }
    }
    if (st)
        return st;
    if (!j->name || !cron)
        return bad(r, m, "a schedule has a name and a cron");
    if ((j->pack != NULL) + sweep + checkpoint != 1)
        return bad(r, m, "schedule '%s': one of scan, sweep or checkpoint",
                   j->name);
    if (j->pack && !j->paths)
        return bad(r, m, "schedule '%s': a scan has paths", j->name);
    if (!j->pack && j->paths)
        return bad(r, m, "schedule '%s': paths belong to a scan", j->name);
    j->kind = j->pack ? CW_JOB_SCAN : sweep ? CW_JOB_SWEEP : CW_JOB_CHECKPOINT;
    for (k = 0; k < r->c->njobs; k++)
        if (strcmp(r->c->jobs[k].name, j->name) == 0)
            return bad(r, m, "schedule '%s' is named twice", j->name);
    r->c->njobs++;
    return CW_OK;
}

static enum cw_status read_alerts(struct reader *r, const struct cw__node *m)
{
    struct cw_monitor_alerts *o = &r->c->alerts;
    enum cw_status st = CW_OK;
    size_t i;

    if (m->kind != CW__NODE_MAP)
        return bad(r, m, "alerts: a map (fail_on, within_days, smtp, "
                         "mail_from, mail_to, syslog)");
    for (i = 0; !st && i < m->n; i++) {
        const struct cw__node *key = m->kids[2 * i], *v = m->kids[2 * i + 1];
        const char *k = key->str;
        if (strcmp(k, "fail_on") == 0) {
            if (!is_str(v) || !cw_severity_parse(v->str, &o->fail_on))
                st = bad(r, v, "fail_on: info, low, medium, high or "
                               "critical");
        } else if (strcmp(k, "within_days") == 0) {
            if (v->kind != CW__NODE_SCALAR || v->type != CW__T_NUMBER ||
                v->num < 1 || v->num > 365 || v->num != (int)v->num)
                st = bad(r, v, "within_days: 1 to 365");
            else
                o->within_days = (int)v->num;
        } else if (strcmp(k, "smtp") == 0) {
            if (!is_str(v) || (strncmp(v->str, "smtp://", 7) != 0 &&
                               strncmp(v->str, "smtps://", 8) != 0))
                st = bad(r, v, "smtp: the relay's smtp:// or smtps:// URL");
            else
                o->smtp = v->str;
        } else if (strcmp(k, "mail_from") == 0) {
            if (!is_str(v) || !strchr(v->str, '@') ||
                strpbrk(v->str, "<>\r\n ,"))
                st = bad(r, v, "mail_from: an address (name@domain)");
            else
                o->mail_from = v->str;
        } else if (strcmp(k, "mail_to") == 0) {
            size_t x;
            st = strings(r, v, "mail_to", MAX_MAIL_TO, &o->mail_to,
                         &o->nmail_to);
            for (x = 0; !st && x < o->nmail_to; x++)
                if (!strchr(o->mail_to[x], '@') ||
                    strpbrk(o->mail_to[x], "<>\r\n ,"))
                    st = bad(r, v, "mail_to: addresses (name@domain)");
        } else if (strcmp(k, "syslog") == 0) {
            if (!is_str(v) || (strncmp(v->str, "unix:/", 6) != 0 &&
                               (strncmp(v->str, "udp:", 4) != 0 ||
                                !strrchr(v->str + 4, ':'))))
                st = bad(r, v, "syslog: unix:/PATH or udp:HOST:PORT");
            else
                o->syslog = v->str;
        } else {
            st = bad(r, key,
                     "unknown key '%s' in alerts (fail_on, within_days, "
                     "smtp, mail_from, mail_to, syslog)",
                     k);
        }
    }
    if (!st && o->smtp && (!o->mail_from || !o->nmail_to))
        st = bad(r, m, "alerts: smtp needs mail_from and mail_to");
    if (!st && !o->smtp && (o->mail_from || o->nmail_to))
        st = bad(r, m, "alerts: mail_from and mail_to need smtp");
    return st;
}

enum cw_status cw_monitor_config_parse(const char *name, const char *buf,
                                       size_t len,
                                       struct cw_monitor_config **out,
                                       struct cw_diag *d)
{
    struct cw__yaml_limits lim = { 16, (size_t)16 << 20, false };
    struct cw_monitor_config *c;
    struct cw__node *root = NULL;
    struct reader r;
    enum cw_status st;
    size_t i;

    *out = NULL;
    if (len > MAX_BYTES)
        return cw__diag_set(d, CW_ELIMIT, name, 0, 0,
                            "a monitor file is at most 1 MiB");
    if (!(c = cw__calloc(1, sizeof(*c))))
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    cw__arena_init(&c->arena, (size_t)32 << 20);
    c->alerts.fail_on = CW_SEVERITY_MEDIUM;
    c->alerts.within_days = 30;
    r.file = cw__arena_strdup(&c->arena, name);
    r.c = c;
    r.d = d;
    if (!r.file)
        st = cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    else
        st = cw__yaml_parse(&c->arena, r.file, buf, len, &lim, &root, d);
    if (!st && root->kind != CW__NODE_MAP)
        st = bad(&r, root, "a monitor file is a map: schedules, alerts");
    for (i = 0; !st && i < root->n; i++) {
        const struct cw__node *key = root->kids[2 * i],
                              *v = root->kids[2 * i + 1];
        if (strcmp(key->str, "schedules") == 0) {
            size_t k;
            if (v->kind != CW__NODE_SEQ)
                st = bad(&r, v, "schedules: a list");
            else if (v->n > MAX_JOBS)
                st = bad(&r, v, "schedules: at most %d", MAX_JOBS);
            for (k = 0; !st && k < v->n; k++)
                st = read_job(&r, v->kids[k]);
        } else if (strcmp(key->str, "alerts") == 0) {
            st = read_alerts(&r, v);
        } else {
            st = bad(&r, key,
                     "unknown key '%s' (schedules, alerts)", key->str);
        }
    }
    if (st) {
        cw_monitor_config_free(c);
        return st;
    }
    *out = c;
    return CW_OK;
}

enum cw_status cw_monitor_config_load(const char *path,
                                      struct cw_monitor_config **out,
                                      struct cw_diag *d)
{
    struct cw__buf b;
    enum cw_status st;
    *out = NULL;
    cw__buf_init(&b, MAX_BYTES);
    if (!(st = cw__read_file(path, &b, d)))
        st = cw_monitor_config_parse(path, b.data ? b.data : "", b.len, out,
                                     d);
    cw__buf_release(&b);
    return st;
}

void cw_monitor_config_free(struct cw_monitor_config *c)
{
    if (!c)
        return;
    cw__arena_release(&c->arena);
    cw__free(c);
}

size_t cw_monitor_job_count(const struct cw_monitor_config *c)
{
    return c->njobs;
}

const struct cw_job *cw_monitor_job_at(const struct cw_monitor_config *c,
                                       size_t i)
{
    return i < c->njobs ? &c->jobs[i] : NULL;
}

const struct cw_monitor_alerts *
cw_monitor_alert_options(const struct cw_monitor_config *c)
{
    return &c->alerts;
}
