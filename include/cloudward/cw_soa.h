/*
 * cw_soa.h - the Statement of Applicability and the shared-responsibility
 * matrix, derived from catalogs + scope + decisions.
 *
 * One engine computes one line per control in force, each answering three
 * questions apart: the organisation's own implementation, what it relies
 * on upstream providers for (with the assurance behind it, judged on the
 * SoA's date), and what it publishes to its own customers. Defaults come
 * from the role, service models, PII processing and providers' published
 * matrices; a decision wins over them. Every line says why (`why`): the
 * rule that produced it, or the decision's FILE:LINE. The SoA and the
 * matrix are two views of the same lines.
 */
#ifndef CLOUDWARD_CW_SOA_H
#define CLOUDWARD_CW_SOA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cloudward/cw_access.h>
#include <cloudward/cw_catalog.h>
#include <cloudward/cw_scope.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The state of a reliance on an upstream provider on the SoA's date
 * (docs/responsibility.md). VALID and EXPIRING are verified; every other
 * state but NONE makes the reliance unverified.
 */
#define CW_RELY_MAP(X)                                                        \
    X(NONE, "none")                 /* relies on nobody */                    \
    X(VALID, "valid")                                                         \
    X(EXPIRING, "expiring")         /* valid, ends within the window */       \
    X(LAPSED, "lapsed")             /* past its end or its edition's */       \
    X(NOT_COVERING, "not-covering") /* its standard or scope misses it */     \
    X(NO_ASSURANCE, "no-assurance") /* nothing recorded for the provider */   \
    X(UPSTREAM_GAP, "upstream-gap") /* excluded or not done by the provider */\
    X(CHAIN, "chain-unverified")    /* unverified further up the chain */

enum cw_rely_state {
#define CW__RELY_ENUM(name, str) CW_RELY_##name,
    CW_RELY_MAP(CW__RELY_ENUM)
#undef CW__RELY_ENUM
        CW_RELY_COUNT
};

/* True for VALID and EXPIRING. */
#define CW_RELY_VERIFIED(s) ((s) == CW_RELY_VALID || (s) == CW_RELY_EXPIRING)

/* One reliance of a line: `part` of the control, carried by `upstream`. */
struct cw_soa_reliance {
    const struct cw_upstream *upstream;
    const char *part;
    const struct cw_assurance *assurance; /* the entry judged, or NULL */
    enum cw_rely_state state;
    const char *reason; /* one or more sentences: the state and what to do */
    const struct cw_matrix_row *row;      /* its published row, or NULL */
};

/* Implementation statuses of an organisation's own part of a control. */
#define CW_IMPL_MAP(X)                                                        \
    X(NOT_STARTED, "not-started")                                             \
    X(PLANNED, "planned")                                                     \
    X(PARTIAL, "partial")                                                     \
    X(IMPLEMENTED, "implemented")                                             \
    X(NOT_APPLICABLE, "not-applicable")

enum cw_impl_status {
#define CW__IMPL_ENUM(name, str) CW_IMPL_##name,
    CW_IMPL_MAP(CW__IMPL_ENUM)
#undef CW__IMPL_ENUM
        CW_IMPL_COUNT
};

/*
 * One line: three separate answers about one control (docs/
 * responsibility.md). Strings are NULL when empty.
 */
struct cw_soa_line {
    const struct cw_control *control;
    /* 1. The organisation's own implementation. */
    bool applicable;
    const char *source;        /* reasons: risk, legal, contract, business,
                                  best-practice (", "-joined) */
    const char *justification;
    enum cw_impl_status status;
    const char *owner;
    const char *evidence;      /* references and stored files, "; " */
    const char *checks;        /* latest automated check results */
    size_t checks_failed;      /* failing check results among them */
    size_t evidence_stale;     /* expired, not yet effective or missing */
    const char *notes;
    /* 2. Reliance on upstream providers for named parts. */
    const struct cw_soa_reliance *relies;
    size_t nrelies;
    enum cw_rely_state reliance; /* the worst of `relies`; NONE when none */
    /* 3. What it publishes to its own customers (the matrix view). */
    enum cw_resp responsibility;
    const char *part;          /* what its customers may rely on, or NULL */
    const char *provider_duty; /* the provider's part, one or more
                                  sentences; "(from 12.6.1)" where 27017
                                  guidance came through the crosswalk */
    const char *customer_duty;
    const char *pii_guidance;  /* 27018 guidance in force, or NULL */
    /* Contradictions found on the line, one sentence each, "; "-joined. */
    const char *flags;
    size_t nflags;
    const char *why;           /* "rule ..." or "decision FILE:LINE" */
    bool decided;
    /* Findings of the 27018 registers on this control at the SoA's date
     * (overdue duties, duties met late, rules broken: cw_registers.h);
     * their state is in `checks`. */
    size_t register_findings;
    /* Passing check results among `checks` (with checks_failed: the
     * pass share the score counts, cw_score.h). */
    size_t checks_passed;
};

/* Counts that add up: statuses to `total`, reliance states to `total`. */
struct cw_soa_summary {
    size_t total;
    size_t applicable;
    size_t not_applicable;
    size_t decided;
    size_t status[CW_IMPL_COUNT];
    size_t relies_none;       /* lines relying on nobody */
    size_t relies_verified;   /* VALID */
    size_t relies_expiring;   /* EXPIRING */
    size_t relies_unverified; /* every other state */
    size_t flagged;           /* lines with at least one contradiction */
    /* With decisions_as_recorded: the decisions the files hold whose
     * control the ledger never recorded (kept as the files say); else 0. */
    size_t unrecorded;
};

struct cw_soa_options {
    const char *as_of; /* YYYY-MM-DD for expiry checks; NULL: today (UTC) */
    int model;         /* enum cw_model for the matrix; -1: the scope's */
    const char *store; /* store folder whose saved scan results fill the
                          `checks` column and whose recorded evidence
                          joins the `evidence` column; NULL: none */
    int expiring_days; /* warning window for assurance; <= 0: 90 */
    const char *prepared_for; /* a copy handed to someone ("prepared for
                                 TENANT, USER, DATE, download ID"): the
                                 first header line of every format, and
                                 "prepared_for" in JSON; NULL: none */
    const char *tenant; /* a copy for this customer: the 27018 registers'
                           state shows its own records alone; NULL: the
                           provider's, all of them */
    struct cw_access *access; /* the store's access tables, already open
                                 (inside a transaction of the caller's);
                                 NULL: opened from `store` */
    bool as_recorded; /* the store as it stood at the end of `as_of`:
                         scan runs started and evidence recorded later are
                         left out (an audit package of a past date);
                         false: all of them, judged on `as_of` */
    bool decisions_as_recorded; /* each decision's applicability, status,
                         responsibility and source as the ledger of `store`
                         recorded them by the end of `as_of` (the latest
                         decision.set or decision.remove of its control
                         timed then or before; free texts, evidence
                         references and reliances stay the files', which
                         the ledger holds only as a digest): a control
                         recorded only later, or removed by then, has no
                         decision (the rules' default line). A decision the
                         files hold for a control the ledger never recorded
                         at all stays as the file says, counted in the
                         summary's `unrecorded`. false: the files' present
                         decisions (docs/score.md, "History") */
};

struct cw_soa;

/*
 * Computes the lines for `scope` (whose catalogs must be `cats`). `opt` may
 * be NULL. On success *out must be released with cw_soa_free(). Errors:
 * CW_EINVAL for a malformed as_of date, CW_ENOMEM.
 */
CW_API enum cw_status cw_soa_build(const struct cw_catalogs *cats,
                                   const struct cw_scope *scope,
                                   const struct cw_soa_options *opt,
                                   struct cw_soa **out, struct cw_diag *d);

/* Releases the lines. Accepts NULL. */
CW_API void cw_soa_free(struct cw_soa *soa);

/*
 * Lets SoA builds of this process keep what they read of each saved run
 * (its checks' counts by verdict), up to `max_runs` runs: a run never
 * changes, so the next build reads only runs saved since. A server that
 * rebuilds the SoA after each of a fleet's results sets it; 0 (the
 * default) keeps nothing and frees what was kept. Call with 0 before
 * changing the allocator (cw_set_allocator) or at exit.
 */
CW_API void cw_soa_run_cache(size_t max_runs);
struct cw_results;
/* Puts results `r`, just saved as run `run` of `store`, in that cache
 * (when it is on): the next build need not read them back. */
CW_API void cw_soa_run_cache_put(const char *store, int64_t run,
                                 const struct cw_results *r);

CW_API size_t cw_soa_count(const struct cw_soa *soa);
CW_API const struct cw_soa_line *cw_soa_line_at(const struct cw_soa *soa,
                                                size_t i);
CW_API const struct cw_soa_summary *cw_soa_get_summary(const struct cw_soa *soa);
CW_API const struct cw_scope *cw_soa_scope(const struct cw_soa *soa);
/* The date the lines were computed for (YYYY-MM-DD). */
CW_API const char *cw_soa_as_of(const struct cw_soa *soa);
/* The catalogs used for lines, in order, and how the guidance got there. */
CW_API const struct cw_catalogs *cw_soa_catalogs(const struct cw_soa *soa);

/* Names: "valid", "not-started"; NULL when out of range. */
CW_API const char *cw_rely_state_name(enum cw_rely_state s);
CW_API const char *cw_impl_status_name(enum cw_impl_status s);
/* Whom the copy was prepared for (cw_soa_options), or NULL. */
CW_API const char *cw_soa_prepared_for(const struct cw_soa *soa);
/* The service model of the matrix view, or -1 for the scope's models. */
CW_API int cw_soa_model(const struct cw_soa *soa);

#ifdef __cplusplus
}
#endif
#endif
