/*
 * checks.h - internals of the check engine: the rule tree a pack compiles
 * to, the host context probes read through, and the probe entry points.
 *
 * A pack is parsed once into `struct rule` trees (regexes compiled, enum
 * values resolved), so evaluation never looks at YAML again. Probes read
 * the scanned system only through `struct host`, which confines every path
 * to the root and caches each parsed configuration (passwd, dpkg status,
 * sshd_config, ...) for the whole scan: a pack of 200 checks parses each
 * file once.
 */
#ifndef CW_CHECKS_CHECKS_H
#define CW_CHECKS_CHECKS_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cloudward/cw_checks.h>

#include "../core/core.h"

struct cw__jp;

/* ---- rules ------------------------------------------------------------- */

enum rule_kind {
    R_ALL,
    R_ANY,
    R_NONE,
    R_NOT,
    R_FILE,
    R_LINES,
    R_SSHD,
    R_SYSCTL,
    R_KEYVALUE,
    R_PAM,
    R_SUDOERS,
    R_AUDIT,
    R_TREE,
    R_PACKAGE,
    R_SERVICE,
    R_ACCOUNTS,
    R_MOUNT,
    R_KMOD,
    R_SOCKET,
    R_OS,
    /* document rules (config packs) */
    R_EACH,
    R_SOME,
    R_EXISTS,
    R_VALUE,
    R_CIDR,
    R_PORTS,
    R_COUNT,
    R_JOIN,
    R_LOCATION,
    R_KIND_COUNT
};

/* Tests on one value (sshd, sysctl, keyvalue); all set ones must hold. */
struct value_test {
    const char *equals;
    const char **in;
    size_t nin;
    const char **not_in;
    size_t nnot_in;
    pcre2_code *regex;
    const char *regex_src;
    bool has_min, has_max;
    long long min, max;
    const char *deflt; /* assumed when nothing sets the key */
    bool explicit_only; /* `explicit: true`: a default never passes (the
                           benchmark cited asks for the setting written) */
};

enum if_missing { MISSING_DEFAULT, MISSING_PASS, MISSING_FAIL, MISSING_NA };

/* Find kinds of the shared tree walk. */
enum tree_find {
    TREE_WW_FILES,
    TREE_WW_DIRS_NO_STICKY,
    TREE_UNOWNED,
    TREE_UNGROUPED,
    TREE_SUID,
    TREE_SGID,
    TREE_FIND_COUNT
};

struct rule {
    enum rule_kind kind;
    unsigned line, col;      /* where the rule is written in the pack */
    struct rule **kids;      /* all/any/none: nkids; not: 1 */
    size_t nkids;

    /* Probe parameters; which are used depends on `kind`. */
    const char *path;        /* file, lines, keyvalue: path or glob */
    const char *dropins;     /* keyvalue: glob read after `path` */
    const char *section;     /* keyvalue */
    const char *key;         /* sshd, sysctl, keyvalue */
    const char *name;        /* package, kmod; pam: service */
    const char *type;        /* pam type; file type */
    const char *module;      /* pam */
    const char *unit;        /* service */
    const char *os_id, *os_version; /* os */
    const char **allow;      /* tree: allow-list globs */
    size_t nallow;
    const char **options;    /* mount */
    size_t noptions;
    pcre2_code *match;       /* lines, sudoers, audit; pam args */
    const char *match_src;
    const char *comments;    /* lines: comment prefix, "" for none */
    struct value_test vt;
    enum if_missing if_missing;
    bool expect_absent;      /* lines, pam, sudoers, audit: expect: absent */
    bool exists_false;       /* file: exists: false */
    bool separate;           /* mount: separate: true */
    bool json_text;          /* each, some: the selected strings are JSON
                                documents (IAM policies), read parsed */
    bool kv_equals_sep;      /* keyvalue: separator "=" */
    bool first_wins;         /* keyvalue */
    bool icase;              /* keyvalue: case-insensitive keys */
    int state;               /* package/service/kmod/socket: an enum below */
    int find;                /* tree: enum tree_find; accounts: assertion */
    int mode;                /* file: ceiling, -1 unset */
    const char **owners, **groups; /* file: names or numbers */
    size_t nowners, ngroups;
    int ftype;               /* file: S_IFREG, S_IFDIR, S_IFLNK or 0 (any) */
    unsigned port;           /* socket */
    bool udp;                /* socket: proto udp */
    bool has_limit;          /* accounts: min/max given */
    long long limit;

    /* Document rules. */
    struct cw__jp *sel;      /* select: JSONPath from the current node */
    const char *sel_src;
    struct cw__jp *sel_to;   /* ports: the upper bound's path */
    int cidr_mode;           /* 0 (unset), CIDR_CONTAINS, _OVERLAPS, _WITHIN */
    unsigned char net[16];   /* cidr: the reference network */
    unsigned net_bits;
    bool net_v6;
    unsigned port_lo, port_hi; /* ports: the range to test against */
    bool has_count_min, has_count_max;
    long long count_min, count_max;
    const char **jtypes;     /* join: the types of the other resources */
    size_t njtypes;
    bool jselector;          /* join: sel = labels, sel_to = selector
                                (Kubernetes); else sel = key, sel_to =
                                match (equal values) */
    unsigned leaf;           /* index among its check's leaves (joins) */
    bool sel_shared;         /* `sel` is other rules' too: what it selects
                                is worth keeping for them */
    unsigned memo;           /* document rules: one number for the rules a
                                pack writes alike, 0 for a rule written
                                once (see share_rules in pack.c) */
};

enum { CIDR_CONTAINS = 1, CIDR_OVERLAPS, CIDR_WITHIN };

enum { PKG_INSTALLED, PKG_ABSENT };
enum { SVC_ENABLED, SVC_DISABLED, SVC_MASKED, SVC_ABSENT, SVC_NOT_ENABLED };
enum { KMOD_DISABLED, KMOD_ENABLED };
enum { SOCK_LISTENING, SOCK_CLOSED };

struct pack_check {
    struct cw_check pub;
    const char **types;                 /* config: resource types */
    size_t ntypes;
    const char *plat_id, *plat_version; /* NULL: any */
    struct rule *when;                  /* NULL: always */
    struct rule *rule;
    unsigned nleaves;                   /* leaves of `rule` reached through
                                           all/any/none/not, numbered
                                           pre-order (join checks) */
    bool has_join;                      /* `rule` joins other resources */
    /* Per cited rule (pub.refs): the part of `rule` marked `cite:` with
     * it, judged on its own for that rule's verdict; NULL when no part is
     * (the rule takes the check's verdict). NULL when no part is marked. */
    const struct rule **cite_part;
};

struct cw_pack {
    struct cw__arena arena;
    const char *name, *title;
    bool config;                        /* kind: config (documents) */
    const char *plat_id, *plat_version;
    struct pack_check *checks;
    size_t nchecks;
    const char **join_types;            /* every type a join reads */
    size_t njoin_types;
    const char *file;
    unsigned nmemo;                     /* rules' memo numbers: 1..nmemo */
    char digest[65];                    /* SHA-256 of the pack's text, hex */
};

/* ---- host context ------------------------------------------------------ */

/* Outcome of one probe: a verdict and one line saying why. */
struct outcome {
    enum cw_verdict v;
    char reason[512];
    const char *file; /* in-root path, arena string, or NULL */
    unsigned line;
};

/* One "KEY VALUE" seen in a config file, with where it was set. */
struct setting {
    const char *key, *value;
    const char *file; /* in-root path */
    unsigned line;
};

struct settings {
    struct setting *v;
    size_t n, alloc;
};

/* One line of a file set (sudoers, audit rules, PAM stack). */
struct src_line {
    const char *text;
    const char *file;
    unsigned line;
};

struct lines {
    struct src_line *v;
    size_t n, alloc;
    int err;          /* errno of the first unreadable file, 0 if none */
    const char *err_file;
};

struct account {
    const char *name, *passwd, *shell;
    long long uid, gid;
    unsigned line;
};

struct group_ent {
    const char *name, *members;
    long long gid;
    unsigned line;
};

struct shadow_ent {
    const char *name, *hash;
    long long min, max, warn, inactive; /* -1: empty field */
    unsigned line;
};

struct pkg {
    const char *name;
    bool installed;
};

struct tree_hit {
    const char *path;
    int find;
};

/* A lazily parsed piece of the scanned system. */
enum cache_state { C_UNREAD = 0, C_OK, C_MISSING, C_UNREADABLE };

struct host {
    struct cw__arena arena;  /* everything parsed for this scan */
    const char *root;        /* "" for the live host, else "/path" */
    int rootfd;              /* the root, open; every path starts here */
    bool no_openat2;         /* the kernel or seccomp refuses openat2() */
    bool glob_over;          /* a glob ran out of budget: all unknown */
    size_t glob_dirs;        /* directories listed by globs so far */
    bool live;
    bool oom;                /* an allocation outside the arena failed */

    enum cache_state os_state;
    const char *os_id, *os_version;

    enum cache_state passwd_state, group_state, shadow_state;
    int passwd_err, group_err, shadow_err;
    struct account *accounts;
    size_t naccounts, aaccounts;
    struct group_ent *groups;
    size_t ngroups, agroups;
    struct shadow_ent *shadow;
    size_t nshadow, ashadow;

    enum cache_state pkg_state;
    const char *pkg_why;
    struct pkg *pkgs;        /* sorted by name */
    size_t npkgs;

    enum cache_state sshd_state;
    struct settings sshd;
    const char *sshd_err;

    enum cache_state sysctl_state;
    struct settings sysctl;  /* last assignment wins: scanned backwards */
    const char *sysctl_err;

    enum cache_state sudo_state, audit_state, kmod_state, mount_state;
    unsigned sshd_files, sudo_files; /* read through includes so far */
    struct lines sudo, audit, kmod;
    struct settings mounts;  /* key: mount point, value: options */
    bool mounts_from_proc;

    enum cache_state tree_state;
    struct tree_hit *hits;
    size_t nhits, ahits;
    size_t tree_entries;
    const char *tree_err;
    /* Finds that had more hits than the walk keeps: those past the cap
     * are not known, so an allow-list cannot clear the find. */
    bool tree_capped[TREE_FIND_COUNT];
};

/* Opens the root for a scan (h->root, h->rootfd); 0 or an errno. */
int host_open_root(struct host *h, const char *root);
void host_close_root(struct host *h);

/*
 * Opens in-root `path` with `flags` (O_RDONLY, O_PATH, O_DIRECTORY ...),
 * symbolic links resolved inside the root; with `follow_last` false a
 * final link is opened itself (O_PATH) or refused. Returns a descriptor,
 * or minus an errno (ENOENT, ELOOP, ENAMETOOLONG, ...).
 */
int host_open(struct host *h, const char *path, bool follow_last, int flags);

/* readlink() of an in-root path; -1 on failure. */
ssize_t host_readlink(struct host *h, const char *path, char *buf,
                      size_t n);

/* Records how long the scan of `r` took (cw_results_seconds). */
void cw__results_finish(struct cw_results *r);
/* A saved run's time and duration, in results rebuilt from it. */
void cw__results_restored(struct cw_results *r, const char *time,
                          double seconds);

/* An error of host_read beside the errnos: the file holds a NUL byte. */
#define HOST_ENUL (-2)

/*
 * Reads an in-root file into an arena string; returns 0 or an errno, or
 * HOST_ENUL for a file holding a NUL byte: every reader here works on C
 * strings, and the programs whose files they read each treat a NUL in
 * their own way (sshd drops the rest of the line and the newline, so the
 * next line joins it), so such a file is never judged from a partial
 * read: its checks say unknown.
 */
int host_read(struct host *h, const char *path, const char **data,
              size_t *len);

/* strerror() that also names HOST_ENUL. */
const char *host_strerror(int e);

/* Expands an in-root glob; returns matches as in-root paths, sorted. The
 * array and strings live in the host arena. */
size_t host_glob(struct host *h, const char *pattern, const char ***out);

/* stat() / lstat() of an in-root path; 0 or an errno. */
int host_stat(struct host *h, const char *path, bool follow,
              struct stat *st);

/* Splits `data` into lines, appending to `ls` with `file` as the source;
 * joins backslash continuations when `continuations`. */
void lines_add_file(struct host *h, struct lines *ls, const char *file,
                    const char *data, bool continuations);

/* Reads an in-root file and appends its lines to `ls`; returns 0 or an
 * errno, which the first time is also kept in ls->err / ls->err_file. */
int lines_load(struct host *h, struct lines *ls, const char *path,
               bool continuations);

/* Strips blanks (and CR/LF) at both ends, in place. */
char *cw__trim(char *s);

bool settings_add(struct host *h, struct settings *s, const char *key,
                  const char *value, const char *file, unsigned line);

/* Loaders of cached state (each runs once per scan). */
void host_load_os(struct host *h);
void host_load_accounts(struct host *h);
void host_load_packages(struct host *h);

/* Name -> id from the root's passwd / group; -1 when unknown. */
long long host_uid_of(struct host *h, const char *name);
long long host_gid_of(struct host *h, const char *name);

/* ---- probes ------------------------------------------------------------ */

/* While set (per thread), outcome_set records verdicts without
 * formatting reasons: config scans first evaluate tersely, and only
 * results that are not a counted pass are evaluated again with reasons. */
extern _Thread_local bool cw__terse;

void outcome_set(struct outcome *o, enum cw_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Copies an outcome without the unused tail of its reason buffer (half a
 * kilobyte, copied for every element a rule quantifies over). */
void outcome_copy(struct outcome *dst, const struct outcome *src);
/* What memset to 0 gives (a pass, no reason, no place), without writing
 * the half kilobyte: join checks clear several per resource. */
static inline void outcome_clear(struct outcome *o)
{
    o->v = (enum cw_verdict)0;
    o->reason[0] = '\0';
    o->file = NULL;
    o->line = 0;
}

/* Applies `vt` to `value` (NULL: not set anywhere). `what` names the
 * setting in the reason ("PermitRootLogin"). Flags: VJ_ICASE compares
 * equals/in/not_in without regard to case (sshd's yes/no); VJ_NO_POS
 * leaves FILE:LINE out of the reason (config results carry it apart). */
enum { VJ_ICASE = 1u, VJ_NO_POS = 2u };
void value_judge(const struct value_test *vt, const char *what,
                 const char *value, const char *file, unsigned line,
                 unsigned flags, struct outcome *o);

/* True when PCRE2 `re` matches `s`; sets *err on a match-time error. */
bool re_match(const pcre2_code *re, const char *s, size_t len, bool *err);

void probe_file(struct host *h, const struct rule *r, struct outcome *o);
void probe_lines(struct host *h, const struct rule *r, struct outcome *o);
void probe_sshd(struct host *h, const struct rule *r, struct outcome *o);
void probe_sysctl(struct host *h, const struct rule *r, struct outcome *o);
void probe_keyvalue(struct host *h, const struct rule *r, struct outcome *o);
void probe_pam(struct host *h, const struct rule *r, struct outcome *o);
void probe_sudoers(struct host *h, const struct rule *r, struct outcome *o);
void probe_audit(struct host *h, const struct rule *r, struct outcome *o);
void probe_tree(struct host *h, const struct rule *r, struct outcome *o);
void probe_package(struct host *h, const struct rule *r, struct outcome *o);
void probe_service(struct host *h, const struct rule *r, struct outcome *o);
void probe_accounts(struct host *h, const struct rule *r, struct outcome *o);
void probe_mount(struct host *h, const struct rule *r, struct outcome *o);
void probe_kmod(struct host *h, const struct rule *r, struct outcome *o);
void probe_socket(struct host *h, const struct rule *r, struct outcome *o);
void probe_os(struct host *h, const struct rule *r, struct outcome *o);

/* Frees what the tree walk allocated outside the arena. */
void cw__tree_release(struct host *h);

/* netaddr.c: CIDR blocks and port ranges. */
bool cw__cidr_parse(const char *s, unsigned char net[16], unsigned *bits,
                    bool *v6);
bool cw__cidr_contains(const unsigned char *a, unsigned abits, bool av6,
                       const unsigned char *b, unsigned bbits, bool bv6);
bool cw__cidr_overlaps(const unsigned char *a, unsigned abits, bool av6,
                       const unsigned char *b, unsigned bbits, bool bv6);
bool cw__ports_parse(const char *s, unsigned *lo, unsigned *hi);

/* Evaluates one rule in a context: a host, or a document node. */
typedef void (*cw__eval_fn)(void *ctx, const struct rule *r,
                            struct outcome *o);
/* all/any/none/not over `leaf`; returns false when `r` is no combinator. */
bool cw__eval_logic(void *ctx, cw__eval_fn leaf, const struct rule *r,
                    struct outcome *o);
void cw__combine(void *ctx, cw__eval_fn leaf, const struct rule *r,
                 struct outcome *o);

/* Results under construction (eval.c). */
struct cw_results *cw__results_new(const struct cw_pack *pack,
                                   const char *target, const char *kind);
bool cw__results_add(struct cw_results *res, const struct cw_check *c,
                     const struct outcome *o, const char *resource);
/* The same from parts: `reason` is copied (or shared), not formatted. */
bool cw__results_put(struct cw_results *res, const struct cw_check *c,
                     enum cw_verdict v, const char *reason, const char *file,
                     unsigned line, const char *resource);
/* The stored copy of reason `s` (NULL when out of memory), and a put
 * whose reason is such a copy: a caller that puts many results with few
 * reasons interns each once. */
const char *cw__results_intern(struct cw_results *res, const char *s);
bool cw__results_put_interned(struct cw_results *res, const struct cw_check *c,
                              enum cw_verdict v, const char *reason,
                              const char *file, unsigned line,
                              const char *resource);
/* The stored copies of a result's file and resource (shared with the
 * previous result's when equal; NULL when out of memory), and a put whose
 * reason, file and resource are all such copies: a caller that puts
 * several results of one resource compares and copies its texts once. */
const char *cw__results_file(struct cw_results *res, const char *file);
const char *cw__results_resource(struct cw_results *res, const char *resource);
/* The same for a resource known to differ from the previous result's (the
 * next resource of a stream): copied without comparing. */
const char *cw__results_new_resource(struct cw_results *res,
                                     const char *resource);
bool cw__results_put_stored(struct cw_results *res, const struct cw_check *c,
                            enum cw_verdict v, const char *reason,
                            const char *file, unsigned line,
                            const char *resource);
/* Counts `n` passes of the pack's check number `check` (config scans). */
void cw__results_add_passes(struct cw_results *res, size_t check, size_t n);
/* A resource no check judges (cw_results_uncovered_at); false when out of
 * memory. */
bool cw__results_uncovered(struct cw_results *r, const char *address,
                           const char *type, const char *file,
                           unsigned line);

/* Evaluates a rule tree. */
void rule_eval(struct host *h, const struct rule *r, struct outcome *o);

/* Accounts assertions, in pack order. */
extern const char *const cw__account_asserts[];
enum {
    ACC_ONLY_ROOT_UID0,
    ACC_NO_EMPTY_PASSWORDS,
    ACC_PASSWORDS_SHADOWED,
    ACC_UNIQUE_UIDS,
    ACC_UNIQUE_GIDS,
    ACC_UNIQUE_USER_NAMES,
    ACC_UNIQUE_GROUP_NAMES,
    ACC_GROUPS_EXIST,
    ACC_SHADOW_GROUP_EMPTY,
    ACC_ROOT_GID0,
    ACC_SYSTEM_NO_LOGIN,
    ACC_MAX_DAYS,
    ACC_MIN_DAYS,
    ACC_WARN_DAYS,
    ACC_INACTIVE,
    ACC_COUNT
};

extern const char *const cw__tree_finds[];

#endif
