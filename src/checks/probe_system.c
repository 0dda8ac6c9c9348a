/*
 * probe_system.c - probes of the system's state as its own files record
 * it, so that each works on an offline root as on a live host: packages
 * (dpkg status), systemd units (unit files and .wants links), accounts
 * (passwd, shadow, group), mounts (fstab and enabled .mount units, or
 * /proc/self/mounts when live), kernel modules (modprobe.d and
 * modules.dep, plus /proc/modules when live), listening sockets (live
 * only) and the os-release.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"


/* ---- package ------------------------------------------------------------- */

static int cmp_key(const void *k, const void *p)
{
    return strcmp((const char *)k, ((const struct pkg *)p)->name);
}

void probe_package(struct host *h, const struct rule *r, struct outcome *o)
{
    const struct pkg *p;
    bool installed;

    host_load_packages(h);
    if (h->pkg_state != C_OK) {
        outcome_set(o, CW_VERDICT_UNKNOWN, "%s", h->pkg_why);
        return;
    }
    p = h->npkgs ? bsearch(r->name, h->pkgs, h->npkgs, sizeof(*h->pkgs),
                           cmp_key)
                 : NULL; /* bsearch takes no NULL base */
    installed = p && p->installed;
    o->file = "/var/lib/dpkg/status";
    outcome_set(o,
                installed == (r->state == PKG_INSTALLED) ? CW_VERDICT_PASS
                                                          : CW_VERDICT_FAIL,
                "package %s is %s", r->name,
                installed ? "installed"
                : p       ? "not installed (removed, config files remain)"
                          : "not installed");
}

/* ---- os ------------------------------------------------------------------ */

void probe_os(struct host *h, const struct rule *r, struct outcome *o)
{
    host_load_os(h);
    if (!h->os_id) {
        outcome_set(o, CW_VERDICT_UNKNOWN, "no os-release in the root");
        return;
    }
    if (strcmp(h->os_id, r->os_id) == 0 &&
        (!r->os_version ||
         (h->os_version && strncmp(h->os_version, r->os_version,
                                   strlen(r->os_version)) == 0)))
        outcome_set(o, CW_VERDICT_PASS, "the system is %s %s", h->os_id,
                    h->os_version ? h->os_version : "");
    else
        outcome_set(o, CW_VERDICT_FAIL, "the system is %s %s", h->os_id,
                    h->os_version ? h->os_version : "");
}

/* ---- service ------------------------------------------------------------- */

static const char *const unit_dirs[] = {
    "/etc/systemd/system", "/run/systemd/system",
    "/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
    "/lib/systemd/system", NULL
};

static bool masked(struct host *h, const char *unit, const char **where)
{
    static const char *const mask_dirs[] = { "/etc/systemd/system",
                                             "/run/systemd/system", NULL };
    size_t i;
    for (i = 0; mask_dirs[i]; i++) {
        char path[512], target[256];
        ssize_t n;
        snprintf(path, sizeof(path), "%s/%s", mask_dirs[i], unit);
        n = host_readlink(h, path, target, sizeof(target) - 1);
        if (n < 0)
            continue;
        target[n] = '\0';
        if (strcmp(target, "/dev/null") == 0) {
            *where = cw__arena_strdup(&h->arena, path);
            return true;
        }
    }
    return false;
}

static const char *enabled_link(struct host *h, const char *unit)
{
    static const char *const kinds[] = { "wants", "requires", NULL };
    size_t d, k, n;
    for (d = 0; unit_dirs[d]; d++) {
        for (k = 0; kinds[k]; k++) {
            const char **paths;
            char pat[512];
            snprintf(pat, sizeof(pat), "%s/*.%s/%s", unit_dirs[d], kinds[k],
                     unit);
            n = host_glob(h, pat, &paths);
            if (n)
                return paths[0];
        }
    }
    return NULL;
}

static const char *unit_file(struct host *h, const char *unit)
{
    size_t d;
    for (d = 0; unit_dirs[d]; d++) {
        char path[512];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", unit_dirs[d], unit);
        if (host_stat(h, path, true, &st) == 0)
            return cw__arena_strdup(&h->arena, path);
    }
    return NULL;
}

void probe_service(struct host *h, const struct rule *r, struct outcome *o)
{
    static const char *const names[] = { "enabled", "disabled", "masked",
                                         "absent" };
    char unit[256];
    const char *where = NULL, *link;
    int state;
    bool ok;

    snprintf(unit, sizeof(unit), "%s%s", r->unit,
             strchr(r->unit, '.') ? "" : ".service");
    if (masked(h, unit, &where)) {
        state = SVC_MASKED;
    } else if ((link = enabled_link(h, unit)) != NULL) {
        state = SVC_ENABLED;
        where = link;
    } else if ((where = unit_file(h, unit)) != NULL) {
        state = SVC_DISABLED;
    } else {
        state = SVC_ABSENT;
    }
    ok = r->state == SVC_NOT_ENABLED ? state != SVC_ENABLED
                                     : state == r->state;
    o->file = where;
    outcome_set(o, ok ? CW_VERDICT_PASS : CW_VERDICT_FAIL, "%s is %s%s%s%s",
                unit, names[state], where ? " (" : "", where ? where : "",
                where ? ")" : "");
}

/* ---- accounts ------------------------------------------------------------ */

static bool usable_hash(const char *hash)
{
    return hash && *hash && *hash != '!' && *hash != '*';
}

static bool nologin_shell(const char *sh)
{
    const char *base = strrchr(sh, '/') ? strrchr(sh, '/') + 1 : sh;
    return strcmp(base, "nologin") == 0 || strcmp(base, "false") == 0;
}

/* Appends `name` to a "a, b, c" list in `out`, counting in *n. */
static void note(char *out, size_t cap, size_t *n, const char *name)
{
    size_t len = strlen(out);
    if ((*n)++ < 12 && len + strlen(name) + 3 < cap)
        snprintf(out + len, cap - len, "%s%s", len ? ", " : "", name);
}

static void dup_check(struct outcome *o, const char *what, size_t count,
                      const char *(*name_at)(struct host *, size_t),
                      long long (*id_at)(struct host *, size_t),
                      struct host *h)
{
    char list[300] = "";
    size_t i, j, n = 0;
    for (i = 0; i < count; i++) {
        for (j = 0; j < i; j++) {
            bool same = id_at ? id_at(h, i) == id_at(h, j)
                              : strcmp(name_at(h, i), name_at(h, j)) == 0;
            if (same) {
                note(list, sizeof(list), &n, name_at(h, i));
                break;
            }
        }
    }
    if (n)
        outcome_set(o, CW_VERDICT_FAIL, "%zu duplicate %s: %s", n, what, list);
    else
        outcome_set(o, CW_VERDICT_PASS, "no duplicate %s among %zu", what,
                    count);
}

static const char *acc_name(struct host *h, size_t i)
{
    return h->accounts[i].name;
}
static long long acc_uid(struct host *h, size_t i)
{
    return h->accounts[i].uid;
}
static const char *grp_name(struct host *h, size_t i)
{
    return h->groups[i].name;
}
static long long grp_gid(struct host *h, size_t i)
{
    return h->groups[i].gid;
}

static bool need(struct host *h, enum cache_state st, int err,
                 const char *file, struct outcome *o)
{
    (void)h;
    if (st == C_OK)
        return true;
    if (st == C_MISSING)
        outcome_set(o, CW_VERDICT_UNKNOWN, "%s does not exist", file);
    else
        outcome_set(o, CW_VERDICT_UNKNOWN, "cannot read %s: %s", file,
                    host_strerror(err));
    o->file = file;
    return false;
}

/* Password aging over accounts with a usable password. */
static void aging(struct host *h, const struct rule *r, struct outcome *o)
{
    char list[300] = "";
    size_t i, n = 0, judged = 0;

    for (i = 0; i < h->nshadow; i++) {
        const struct shadow_ent *e = &h->shadow[i];
        long long v = r->find == ACC_MAX_DAYS   ? e->max
                      : r->find == ACC_MIN_DAYS ? e->min
                      : r->find == ACC_WARN_DAYS ? e->warn
                                                 : e->inactive;
        bool bad;
        if (!usable_hash(e->hash))
            continue;
        judged++;
        if (r->find == ACC_MAX_DAYS || r->find == ACC_INACTIVE)
            bad = v < 0 || v > r->limit;
        else
            bad = v < r->limit;
        if (bad)
            note(list, sizeof(list), &n, e->name);
    }
    o->file = "/etc/shadow";
    if (n)
        outcome_set(o, CW_VERDICT_FAIL, "%zu of %zu accounts with a password "
                    "are outside the limit %lld: %s", n, judged, r->limit,
                    list);
    else
        outcome_set(o, CW_VERDICT_PASS, "all %zu accounts with a password "
                    "are within the limit %lld", judged, r->limit);
}

void probe_accounts(struct host *h, const struct rule *r, struct outcome *o)
{
    char list[300] = "";
    size_t i, j, n = 0;

    host_load_accounts(h);
    if (!need(h, h->passwd_state, h->passwd_err, "/etc/passwd", o))
        return;
    switch (r->find) {
    case ACC_ONLY_ROOT_UID0:
        for (i = 0; i < h->naccounts; i++)
            if (h->accounts[i].uid == 0 &&
                strcmp(h->accounts[i].name, "root") != 0)
                note(list, sizeof(list), &n, h->accounts[i].name);
        outcome_set(o, n ? CW_VERDICT_FAIL : CW_VERDICT_PASS,
                    n ? "uid 0 is also held by: %s" : "only root has uid 0%s",
                    list);
        break;
    case ACC_NO_EMPTY_PASSWORDS:
        if (!need(h, h->shadow_state, h->shadow_err, "/etc/shadow", o))
            return;
        for (i = 0; i < h->nshadow; i++)
            if (!*h->shadow[i].hash)
                note(list, sizeof(list), &n, h->shadow[i].name);
        for (i = 0; i < h->naccounts; i++)
            if (!*h->accounts[i].passwd)
                note(list, sizeof(list), &n, h->accounts[i].name);
        outcome_set(o, n ? CW_VERDICT_FAIL : CW_VERDICT_PASS,
                    n ? "accounts with an empty password: %s"
                      : "no account has an empty password%s",
                    list);
        break;
    case ACC_PASSWORDS_SHADOWED:
        for (i = 0; i < h->naccounts; i++)
            if (strcmp(h->accounts[i].passwd, "x") != 0)
                note(list, sizeof(list), &n, h->accounts[i].name);
        outcome_set(o, n ? CW_VERDICT_FAIL : CW_VERDICT_PASS,
                    n ? "accounts whose password field is not 'x': %s"
                      : "every account keeps its password in shadow%s",
                    list);
        break;
    case ACC_UNIQUE_UIDS:
        dup_check(o, "uids", h->naccounts, acc_name, acc_uid, h);
        break;
    case ACC_UNIQUE_USER_NAMES:
        dup_check(o, "user names", h->naccounts, acc_name, NULL, h);
        break;
    case ACC_UNIQUE_GIDS:
    case ACC_UNIQUE_GROUP_NAMES:
    case ACC_GROUPS_EXIST:
    case ACC_SHADOW_GROUP_EMPTY:
        if (!need(h, h->group_state, h->group_err, "/etc/group", o))
            return;
        if (r->find == ACC_UNIQUE_GIDS) {
            dup_check(o, "gids", h->ngroups, grp_name, grp_gid, h);
        } else if (r->find == ACC_UNIQUE_GROUP_NAMES) {
            dup_check(o, "group names", h->ngroups, grp_name, NULL, h);
        } else if (r->find == ACC_GROUPS_EXIST) {
            for (i = 0; i < h->naccounts; i++) {
                bool found = false;
                for (j = 0; j < h->ngroups && !found; j++)
                    found = h->groups[j].gid == h->accounts[i].gid;
                if (!found)
                    note(list, sizeof(list), &n, h->accounts[i].name);
            }
            outcome_set(o, n ? CW_VERDICT_FAIL : CW_VERDICT_PASS,
                        n ? "primary group missing from /etc/group for: %s"
                          : "every primary group exists%s",
                        list);
        } else {
            long long gid = host_gid_of(h, "shadow");
            for (j = 0; j < h->ngroups; j++)
                if (strcmp(h->groups[j].name, "shadow") == 0 &&
                    *h->groups[j].members)
                    note(list, sizeof(list), &n, h->groups[j].members);
            for (i = 0; gid >= 0 && i < h->naccounts; i++)
                if (h->accounts[i].gid == gid)
                    note(list, sizeof(list), &n, h->accounts[i].name);
            outcome_set(o, n ? CW_VERDICT_FAIL : CW_VERDICT_PASS,
                        n ? "the shadow group has members: %s"
                          : "the shadow group has no members%s",
                        list);
        }
        o->file = "/etc/group";
        return;
    case ACC_ROOT_GID0:
        for (i = 0; i < h->naccounts; i++)
            if (strcmp(h->accounts[i].name, "root") == 0)
                break;
        if (i == h->naccounts)
            outcome_set(o, CW_VERDICT_FAIL, "there is no root account");
        else
            outcome_set(o, h->accounts[i].gid == 0 ? CW_VERDICT_PASS
                                                   : CW_VERDICT_FAIL,
                        "root's primary group is gid %lld",
                        h->accounts[i].gid);
        break;
    case ACC_SYSTEM_NO_LOGIN:
        for (i = 0; i < h->naccounts; i++) {
            const struct account *a = &h->accounts[i];
            if (a->uid < 0 || a->uid >= 1000 || strcmp(a->name, "root") == 0 ||
                strcmp(a->name, "sync") == 0 ||
                strcmp(a->name, "shutdown") == 0 ||
                strcmp(a->name, "halt") == 0 || nologin_shell(a->shell))
                continue;
            note(list, sizeof(list), &n, a->name);
        }
        outcome_set(o, n ? CW_VERDICT_FAIL : CW_VERDICT_PASS,
                    n ? "system accounts with a login shell: %s"
                      : "no system account has a login shell%s",
                    list);
        break;
    default:
        if (!need(h, h->shadow_state, h->shadow_err, "/etc/shadow", o))
            return;
        aging(h, r, o);
        return;
    }
    o->file = "/etc/passwd";
}

/* ---- mount --------------------------------------------------------------- */

static void add_mount(struct host *h, const char *point, const char *opts,
                      const char *file, unsigned line)
{
    settings_add(h, &h->mounts, point, opts, file, line);
}

static void mounts_from(struct host *h, const char *file, bool proc)
{
    struct lines ls;
    size_t i;

    memset(&ls, 0, sizeof(ls));
    if (lines_load(h, &ls, file, false))
        return;
    for (i = 0; i < ls.n; i++) {
        char *s = cw__arena_strdup(&h->arena, ls.v[i].text), *save = NULL;
        char *spec, *point, *type, *opts;
        if (!s)
            return;
        s = cw__trim(s);
        if (!*s || *s == '#')
            continue;
        spec = strtok_r(s, " \t", &save);
        point = strtok_r(NULL, " \t", &save);
        type = strtok_r(NULL, " \t", &save);
        opts = strtok_r(NULL, " \t", &save);
        if (!spec || !point || !type || strcmp(type, "swap") == 0)
            continue;
        add_mount(h, point, opts ? opts : "defaults", file,
                  proc ? 0 : ls.v[i].line);
    }
}

/* tmp.mount enabled in systemd makes /tmp a tmpfs with its Options=. */
static void systemd_tmp(struct host *h)
{
    const char *link = enabled_link(h, "tmp.mount"), *unit, *data;
    const char *mwhere = NULL;
    size_t len;
    char *opts = NULL, *p;

    if (!link || masked(h, "tmp.mount", &mwhere))
        return;
    unit = unit_file(h, "tmp.mount");
    if (unit && host_read(h, unit, &data, &len) == 0) {
        p = strstr(data, "\nOptions=");
        if (p) {
            opts = cw__arena_strndup(&h->arena, p + 9, strcspn(p + 9, "\n"));
            if (opts)
                opts = cw__trim(opts);
        }
    }
    add_mount(h, "/tmp", opts ? opts : "mode=1777,strictatime,nosuid,nodev",
              unit ? unit : link, 0);
}

static void load_mounts(struct host *h)
{
    h->mount_state = C_OK;
    if (h->live) {
        mounts_from(h, "/proc/self/mounts", true);
        if (h->mounts.n) {
            h->mounts_from_proc = true;
            return;
        }
    }
    mounts_from(h, "/etc/fstab", false);
    systemd_tmp(h);
}

static bool has_option(const char *opts, const char *want)
{
    size_t n = strlen(want);
    const char *p = opts;
    while (p && *p) {
        if (strncmp(p, want, n) == 0 && (p[n] == ',' || !p[n]))
            return true;
        p = strchr(p, ',');
        p = p ? p + 1 : NULL;
    }
    return false;
}

void probe_mount(struct host *h, const struct rule *r, struct outcome *o)
{
    const struct setting *m = NULL;
    char missing_opts[200] = "";
    size_t i, n = 0;

    if (!h->mount_state)
        load_mounts(h);
    for (i = h->mounts.n; i-- > 0;) { /* the last mount on a point wins */
        if (strcmp(h->mounts.v[i].key, r->path) == 0) {
            m = &h->mounts.v[i];
            break;
        }
    }
    if (!m) {
        outcome_set(o, r->separate ? CW_VERDICT_FAIL
                                   : CW_VERDICT_NOT_APPLICABLE,
                    "%s is not a separate mount (%s)", r->path,
                    h->mounts_from_proc ? "/proc/self/mounts"
                                        : "/etc/fstab, systemd units");
        return;
    }
    o->file = m->file;
    o->line = m->line;
    for (i = 0; i < r->noptions; i++)
        if (!has_option(m->value, r->options[i]))
            note(missing_opts, sizeof(missing_opts), &n, r->options[i]);
    if (n)
        outcome_set(o, CW_VERDICT_FAIL, "%s is mounted with '%s'; missing %s",
                    r->path, m->value, missing_opts);
    else
        outcome_set(o, CW_VERDICT_PASS, "%s is a separate mount with '%s'",
                    r->path, m->value);
}

/* ---- kmod ---------------------------------------------------------------- */

static const char *const modprobe_dirs[] = {
    "/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d",
    "/usr/lib/modprobe.d", "/lib/modprobe.d", NULL
};

static void load_kmod(struct host *h)
{
    size_t d, i;
    h->kmod_state = C_OK;
    for (d = 0; modprobe_dirs[d]; d++) {
        const char **paths;
        char pat[64];
        size_t n;
        snprintf(pat, sizeof(pat), "%s/*.conf", modprobe_dirs[d]);
        n = host_glob(h, pat, &paths);
        for (i = 0; i < n; i++) /* a failure is kept in h->kmod.err */
            (void)lines_load(h, &h->kmod, paths[i], true);
    }
}

/* Module names treat '-' and '_' alike. */
static bool same_module(const char *a, size_t alen, const char *b)
{
    size_t i;
    if (alen != strlen(b))
        return false;
    for (i = 0; i < alen; i++) {
        char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
        if (x != y)
            return false;
    }
    return true;
}

/* Does a file of lines "PATH/NAME.ko[.xz]..." list module `name`? */
static bool lists_module(const char *data, const char *name)
{
    const char *p;
    for (p = data; p && *p;) {
        size_t ln = strcspn(p, "\n");
        const char *end = memchr(p, ':', ln) ? (const char *)memchr(p, ':', ln)
                                             : p + ln;
        const char *base = p, *q, *dot;
        for (q = p; q < end; q++)
            if (*q == '/')
                base = q + 1;
        dot = strstr(base, ".ko");
        if (dot && dot < end && same_module(base, (size_t)(dot - base), name))
            return true;
        p = p[ln] ? p + ln + 1 : NULL;
    }
    return false;
}

/* Does some modules.dep list NAME.ko*? -1: no modules directory at all;
 * 2: built into the kernel (modules.builtin), so it cannot be disabled. */
static int shipped(struct host *h, const char *name, const char **where)
{
    const char **deps;
    size_t n = host_glob(h, "/lib/modules/*/modules.dep", &deps), i;

    if (!n)
        n = host_glob(h, "/usr/lib/modules/*/modules.dep", &deps);
    if (!n)
        return -1;
    for (i = 0; i < n; i++) {
        const char *data, *builtin;
        size_t len;
        builtin = cw__arena_printf(&h->arena, "%.*s/modules.builtin",
                                   (int)(strrchr(deps[i], '/') - deps[i]),
                                   deps[i]);
        if (builtin && host_read(h, builtin, &data, &len) == 0 &&
            lists_module(data, name)) {
            *where = builtin;
            return 2;
        }
    }
    for (i = 0; i < n; i++) {
        const char *data, *p;
        size_t len;
        if (host_read(h, deps[i], &data, &len))
            continue;
        for (p = data; p && *p;) {
            const char *colon = strchr(p, ':'), *nl = strchr(p, '\n');
            const char *base, *dot;
            if (!colon || (nl && colon > nl)) {
                p = nl ? nl + 1 : NULL;
                continue;
            }
            base = p;
            for (dot = p; dot < colon; dot++)
                if (*dot == '/')
                    base = dot + 1;
            dot = strstr(base, ".ko");
            if (dot && dot < colon &&
                same_module(base, (size_t)(dot - base), name)) {
                *where = deps[i];
                return 1;
            }
            p = nl ? nl + 1 : NULL;
        }
    }
    return 0;
}

void probe_kmod(struct host *h, const struct rule *r, struct outcome *o)
{
    const struct src_line *inst = NULL, *black = NULL;
    const char *where = NULL;
    size_t i;
    int ships;
    bool disabled;

    if (!h->kmod_state)
        load_kmod(h);
    if (h->kmod.err) {
        outcome_set(o, CW_VERDICT_UNKNOWN, "cannot read %s: %s",
                    h->kmod.err_file, host_strerror(h->kmod.err));
        return;
    }
    for (i = 0; i < h->kmod.n; i++) {
        char *s = cw__arena_strdup(&h->arena, h->kmod.v[i].text), *save = NULL;
        char *verb, *mod, *cmd;
        if (!s)
            return;
        verb = strtok_r(s, " \t", &save);
        mod = strtok_r(NULL, " \t", &save);
        if (!verb || !mod || *verb == '#' ||
            !same_module(mod, strlen(mod), r->name))
            continue;
        if (strcmp(verb, "blacklist") == 0 && !black)
            black = &h->kmod.v[i];
        cmd = strtok_r(NULL, " \t", &save);
        if (strcmp(verb, "install") == 0 && cmd && !inst &&
            (strcmp(cmd, "/bin/false") == 0 || strcmp(cmd, "/bin/true") == 0 ||
             strcmp(cmd, "/usr/bin/false") == 0 ||
             strcmp(cmd, "/usr/bin/true") == 0))
            inst = &h->kmod.v[i];
    }
    if (h->live) {
        const char *data;
        size_t len;
        if (host_read(h, "/proc/modules", &data, &len) == 0) {
            const char *p;
            for (p = data; p && *p;) {
                size_t n = strcspn(p, " ");
                if (same_module(p, n, r->name)) {
                    o->file = "/proc/modules";
                    outcome_set(o, r->state == KMOD_DISABLED
                                       ? CW_VERDICT_FAIL
                                       : CW_VERDICT_PASS,
                                "module %s is loaded now", r->name);
                    return;
                }
                p = strchr(p, '\n');
                p = p ? p + 1 : NULL;
            }
        }
    }
    ships = shipped(h, r->name, &where);
    disabled = ships <= 0 || (ships == 1 && inst && black);
    if (ships == 2) {
        o->file = where;
        outcome_set(o, CW_VERDICT_FAIL, "module %s is built into the kernel "
                    "(%s); it cannot be disabled", r->name, where);
    } else if (ships <= 0 && r->vt.explicit_only && !inst &&
               r->state == KMOD_DISABLED) {
        /* The benchmark asks for the line whatever the kernel ships: a
         * later kernel package may bring the module. */
        outcome_set(o, CW_VERDICT_FAIL,
                    "module %s %s, but no modprobe.d file says 'install %s "
                    "/bin/false', which the benchmark asks for",
                    r->name,
                    ships < 0 ? "cannot load now (no kernel modules in the "
                                "root)"
                              : "is not shipped with the kernel",
                    r->name);
    } else if (ships <= 0)
        outcome_set(o, CW_VERDICT_PASS, "module %s %s", r->name,
                    ships < 0 ? "cannot load: no kernel modules in the root"
                              : "is not shipped with the kernel");
    else if (disabled)
        outcome_set(o, CW_VERDICT_PASS, "module %s is disabled (%s:%u) and "
                    "blacklisted (%s:%u)", r->name, inst->file, inst->line,
                    black->file, black->line);
    else
        outcome_set(o, CW_VERDICT_FAIL, "module %s can be loaded: %s%s%s",
                    r->name, inst ? "" : "no 'install " , inst ? "" : r->name,
                    inst ? (black ? "" : "not blacklisted")
                         : (black ? " /bin/false' line"
                                  : " /bin/false' line and not blacklisted"));
    if (r->state == KMOD_ENABLED)
        o->v = disabled ? CW_VERDICT_FAIL : CW_VERDICT_PASS;
    if (inst && !o->file) {
        o->file = inst->file;
        o->line = inst->line;
    }
}

/* ---- socket -------------------------------------------------------------- */

static bool listening_in(struct host *h, const char *file, unsigned port,
                         bool udp, int *err)
{
    const char *data, *p;
    size_t len;
    int e = host_read(h, file, &data, &len);

    if (e) {
        if (e != ENOENT)
            *err = e;
        return false;
    }
    p = strchr(data, '\n'); /* header */
    while (p && *++p) {
        unsigned sl, lport, st;
        char local[64];
        if (sscanf(p, " %u: %63[0-9A-Fa-f:] %*s %x", &sl, local, &st) == 3) {
            const char *colon = strrchr(local, ':');
            lport = colon ? (unsigned)strtoul(colon + 1, NULL, 16) : 0;
            if (lport == port && st == (udp ? 0x07u : 0x0Au))
                return true;
        }
        p = strchr(p, '\n');
    }
    return false;
}

void probe_socket(struct host *h, const struct rule *r, struct outcome *o)
{
    int err = 0;
    bool on;

    if (!h->live) {
        outcome_set(o, CW_VERDICT_UNKNOWN, "only a running system has "
                    "listening sockets; scan the live host");
        return;
    }
    on = listening_in(h, r->udp ? "/proc/net/udp" : "/proc/net/tcp", r->port,
                      r->udp, &err) ||
         listening_in(h, r->udp ? "/proc/net/udp6" : "/proc/net/tcp6",
                      r->port, r->udp, &err);
    if (!on && err) {
        outcome_set(o, CW_VERDICT_UNKNOWN, "cannot read /proc/net: %s",
                    host_strerror(err));
        return;
    }
    outcome_set(o, on == (r->state == SOCK_LISTENING) ? CW_VERDICT_PASS
                                                      : CW_VERDICT_FAIL,
                "%s port %u is %s", r->udp ? "udp" : "tcp", r->port,
                on ? "listening" : "closed");
}
