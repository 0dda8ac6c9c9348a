/*
 * cw_checks.h - check packs and host scans.
 *
 * A check pack (docs/check-packs.md) is a list of checks, each a rule over
 * probes with the controls it evidences. cw_scan_host() evaluates a pack
 * against a live host or an offline root and gives one verdict per check.
 * Results can be written as reports (cw_results_write) and saved to the
 * store, where cw_soa_build() finds them for the SoA's `checks` column.
 */
#ifndef CLOUDWARD_CW_CHECKS_H
#define CLOUDWARD_CW_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#include <cloudward/cw_catalog.h>
#include <cloudward/cw_core.h>
#include <cloudward/cw_export.h>
#include <cloudward/cw_status.h>

#ifdef __cplusplus
extern "C" {
#endif

enum cw_verdict {
    CW_VERDICT_PASS,
    CW_VERDICT_FAIL,
    CW_VERDICT_NOT_APPLICABLE,
    CW_VERDICT_UNKNOWN, /* could not decide: unreadable, offline-only, ... */
    CW_VERDICT_ERROR,   /* the rule itself is bad */
    CW_VERDICT_COUNT
};

enum cw_severity {
    CW_SEVERITY_INFO,
    CW_SEVERITY_LOW,
    CW_SEVERITY_MEDIUM,
    CW_SEVERITY_HIGH,
    CW_SEVERITY_CRITICAL,
    CW_SEVERITY_COUNT
};

/* "pass", "fail", "not-applicable", "unknown", "error". */
CW_API const char *cw_verdict_name(enum cw_verdict v);
/* "info" ... "critical"; cw_severity_parse accepts those names. */
CW_API const char *cw_severity_name(enum cw_severity s);
CW_API bool cw_severity_parse(const char *s, enum cw_severity *out);

/* A control a check evidences: a catalog name and a control id. */
struct cw_check_control {
    const char *catalog;
    const char *id;
};

/* The most rules one check may cite as its equivalent. */
#define CW_CHECK_REFS_MAX 32

/* A benchmark rule a check cites as its equivalent: scheme "cis", "ssg"
 * or "checkov", and the rule's id there. */
struct cw_check_ref {
    const char *scheme;
    const char *id;
};

struct cw_check {
    const char *id;
    const char *title;
    enum cw_severity severity;
    const char *rationale;
    const char *remediation;
    const struct cw_check_control *controls;
    size_t ncontrols;
    const char *ref_cis; /* CIS benchmark section, or NULL */
    const char *ref_ssg; /* SCAP Security Guide rule id, or NULL */
    const char *ref_checkov; /* Checkov check id, or NULL */
    /* Every rule cited as the equivalent, in the order written (CIS, then
     * SSG, then Checkov); ref_cis, ref_ssg and ref_checkov are the first of
     * each. A check may cite several (owner, group and mode of one file). */
    const struct cw_check_ref *refs;
    size_t nrefs;
    /* Rules that are related but ask something else (another threshold,
     * another file): named for readers, never as the equivalent. */
    const char *rel_cis, *rel_ssg, *rel_checkov;
    const char *file;    /* the pack file and the check's line in it */
    unsigned line;
    /* Host checks: the file the rule reads ("/etc/ssh/sshd_config"), where
     * a result without a place of its own is located (SARIF). NULL for
     * config checks, which locate every result. */
    const char *subject;
};

struct cw_pack;

/*
 * Loads the built-in pack called `path` when `path` has no '/' and is a
 * built-in pack's name ("debian-12", "aws"), else the pack file at `path`
 * (a file named like a built-in pack is "./aws"). Every control reference is
 * checked against `cats`; every regex is compiled. On error returns
 * CW_EPARSE, CW_ESCHEMA, CW_ENOENT, ... with FILE:LINE:COL in `d` and
 * sets *out to NULL. The pack owns all its strings; free with
 * cw_pack_free(). `cats` must outlive the pack.
 */
CW_API enum cw_status cw_pack_load(const struct cw_catalogs *cats,
                                   const char *path, struct cw_pack **out,
                                   struct cw_diag *d);

/* Loads a pack from memory; `name` is used in diagnostics. */
CW_API enum cw_status cw_pack_load_buffer(const struct cw_catalogs *cats,
                                          const char *name, const char *buf,
                                          size_t len, struct cw_pack **out,
                                          struct cw_diag *d);

CW_API void cw_pack_free(struct cw_pack *p);

CW_API const char *cw_pack_name(const struct cw_pack *p);
CW_API const char *cw_pack_title(const struct cw_pack *p);
/* "host" (it scans a host's files) or "config" (documents). */
CW_API const char *cw_pack_kind(const struct cw_pack *p);
/* The SHA-256 of the pack's text, 64 hex digits: which exact pack a saved
 * run was judged with. */
CW_API const char *cw_pack_digest(const struct cw_pack *p);
CW_API size_t cw_pack_count(const struct cw_pack *p);
CW_API const struct cw_check *cw_pack_check_at(const struct cw_pack *p,
                                               size_t i);
/* The index of check `c` in `p` (as cw_pack_check_at takes it), in
 * constant time; cw_pack_count(p) when `c` is not one of its checks. */
CW_API size_t cw_pack_check_index(const struct cw_pack *p,
                                  const struct cw_check *c);

/* Names of the built-in packs, NULL-terminated; borrowed, static. */
CW_API const char *const *cw_pack_builtin_names(void);

/*
 * Picks the built-in pack for the system under `root` ("/" for this host)
 * from its os-release: writes its name into `out` and returns true, or
 * returns false when no built-in pack matches.
 */
CW_API bool cw_pack_detect(const char *root, char *out, size_t n);

/* Called after each check when scanning, for progress displays. */
typedef void (*cw_progress_fn)(void *arg, size_t done, size_t total,
                               const struct cw_check *check);

struct cw_host_options {
    const char *root;      /* "/" or NULL: this host, live */
    cw_progress_fn progress; /* may be NULL */
    void *progress_arg;
};

struct cw_result {
    const struct cw_check *check;
    const char *resource; /* config scans: the resource's address */
    const char *reason;  /* one line: the value seen and where, or why */
    const char *file;    /* in-root path the verdict rests on, or NULL */
    enum cw_verdict verdict;
    unsigned line;       /* its line, or 0 */
};                       /* (40 bytes: a large scan keeps a million) */

struct cw_results;

/*
 * Evaluates every check of `pack` against the host described by `opt`.
 * Never writes anything under the root and never runs a program of it.
 * Returns CW_OK with a verdict for every check (unreadable things give
 * `unknown` verdicts, not errors); fails only when the root itself cannot
 * be opened or memory runs out. The results borrow from `pack`, which must
 * outlive them; free with cw_results_free().
 */
CW_API enum cw_status cw_scan_host(const struct cw_pack *pack,
                                   const struct cw_host_options *opt,
                                   struct cw_results **out,
                                   struct cw_diag *d);

/* What a config scan reads and where PII may live. */
struct cw_config_options {
    const char *type;        /* "terraform", "cloudformation", "kubernetes",
                                "cli", or NULL to detect each file's */
    const char *const *regions; /* regions PII may be stored in (globs such
                                   as "eu-*"), from the scope's pii_regions;
                                   NULL when it names none */
    size_t nregions;
    unsigned threads;        /* 0: automatic (two for large Terraform
                                plans), 1: one, 2: two */
    /* Where PII lives: called for each resource a location check (the
     * PII-location rule of a pack) judges and finds the region of, with
     * its address, type, region, file and line; a resource may come more
     * than once. NULL: not called. Setting it scans on one thread. */
    void (*on_location)(void *arg, const char *address, const char *type,
                        const char *region, const char *file,
                        unsigned line);
    void *location_arg;
};

/*
 * Evaluates a config pack (kind: config) against the documents at `paths`:
 * Terraform plan or state JSON, CloudFormation templates (JSON or YAML),
 * Kubernetes manifests (YAML or JSON) and JSON exports of the aws, az and
 * gcloud tools. One result per check and resource of a type the check
 * names, with the resource's address and the file and line the verdict
 * rests on. Documents are streamed, one resource in memory at a time;
 * checks that join resources (a bucket and its separate encryption
 * settings, a pod and the NetworkPolicies selecting it) are decided once
 * every document has been read. A malformed document fails with
 * FILE:LINE:COL. `opt` may be NULL.
 */
CW_API enum cw_status cw_scan_config(const struct cw_pack *pack,
                                     const char *const *paths, size_t n,
                                     const struct cw_config_options *opt,
                                     struct cw_results **out,
                                     struct cw_diag *d);

/* The format of the document at `path` as a `type` above, in *type
 * (a static string). */
CW_API enum cw_status cw_config_type(const char *path, const char **type,
                                     struct cw_diag *d);

/* The verdict of one cited rule (cw_check.refs) for one result. */
struct cw_cited {
    const struct cw_check_ref *ref;
    enum cw_verdict verdict;
    const char *reason;  /* NULL: the result's own reason */
    const char *file;    /* as cw_result */
    unsigned line;
};

/*
 * Each rule result `i`'s check cites, with its verdict, in refs order:
 * a rule tied to one part of the check (`cite:` in the pack) takes that
 * part's verdict, judged on its own; every other cited rule takes the
 * result's verdict. Writes up to `cap` entries into `out` and returns how
 * many the check cites (0 for none).
 */
CW_API size_t cw_results_cited(const struct cw_results *r, size_t i,
                               struct cw_cited *out, size_t cap);

CW_API void cw_results_free(struct cw_results *r);
CW_API size_t cw_results_count(const struct cw_results *r);
CW_API const struct cw_result *cw_results_at(const struct cw_results *r,
                                             size_t i);
CW_API const struct cw_pack *cw_results_pack(const struct cw_results *r);
/* "host" or "config". */
CW_API const char *cw_results_kind(const struct cw_results *r);
/* What was scanned ("/" or the root given), and when (UTC, ISO 8601). */
CW_API const char *cw_results_target(const struct cw_results *r);
CW_API const char *cw_results_time(const struct cw_results *r);
/* How long the scan took, in seconds. */
CW_API double cw_results_seconds(const struct cw_results *r);
/*
 * Passed (check, resource) pairs of a config scan are counted, not kept as
 * results: cw_results_count/_at list the other verdicts only, and this
 * gives the passes of check `check` (its index in the pack). Host scans
 * keep every result and this returns 0.
 */
CW_API size_t cw_results_passes_of(const struct cw_results *r, size_t check);
/* Number of results with verdict `v` (passes counted ones included). */
CW_API size_t cw_results_tally(const struct cw_results *r, enum cw_verdict v);
/* Number of failed checks at or above `s`. */
CW_API size_t cw_results_failed_at(const struct cw_results *r,
                                   enum cw_severity s);

/* A resource of a config scan that no check of the pack judges (nor
 * joins): its type is one the pack does not know. A scan keeps the first
 * CW_UNCOVERED_MAX and counts the rest. */
#define CW_UNCOVERED_MAX 10000
struct cw_uncovered {
    const char *address; /* "aws_lambda_function.etl" */
    const char *type;    /* "aws_lambda_function" */
    const char *file;    /* the document it is in */
    unsigned line;
};
CW_API size_t cw_results_uncovered_count(const struct cw_results *r);
CW_API const struct cw_uncovered *cw_results_uncovered_at(
    const struct cw_results *r, size_t i);
/* All of them, those kept and those only counted. */
CW_API size_t cw_results_uncovered_total(const struct cw_results *r);

/* Saving results in the store: cw_runs.h. */

#ifdef __cplusplus
}
#endif
#endif
