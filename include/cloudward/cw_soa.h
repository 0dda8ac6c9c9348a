/*
 * cw_soa.h - the Statement of Applicability and the shared-responsibility
 * matrix, derived from catalogs + scope + decisions.
 *
 * One engine computes one line per control in force: a default from the
 * organisation's role, service models, PII processing and upstream
 * providers, then overridden by a decision. Every line says why (`why`): the
 * default rule that produced it, or the decision's FILE:LINE. The SoA and the
 * matrix are two views of the same lines.
 */
#ifndef CLOUDWARD_CW_SOA_H
#define CLOUDWARD_CW_SOA_H

#include <stdbool.h>
#include <stddef.h>

#include <cloudward/cw_catalog.h>
#include <cloudward/cw_scope.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_soa_line {
    const struct cw_control *control;
    bool applicable;
    const char *justification;
    const char *source;  /* risk, legal, contract, best-practice or NULL */
    const char *status;  /* implemented, partial, planned, not-implemented,
                            not-assessed, inherited */
    const char *owner;   /* NULL when unassigned */
    enum cw_resp responsibility; /* between the organisation and the other
                                    party, for the chosen service model */
    const char *notes;
    const char *evidence; /* references joined with "; ", or NULL */
    const char *checks;   /* automated checks and their latest status */
    const char *why;      /* "rule ..." or "decision FILE:LINE" */
    const struct cw_upstream *inherited_from; /* NULL when not inherited */
    bool certificate_expired; /* inherited from a lapsed certificate */
    const char *provider_duty; /* one sentence */
    const char *customer_duty; /* one sentence */
    const char *pii_guidance;  /* 27018 guidance in force, or NULL */
};

struct cw_soa_summary {
    size_t total;
    size_t applicable;
    size_t not_applicable;
    size_t inherited;
    size_t expired;    /* inherited lines whose certificate has lapsed */
    size_t decided;    /* lines set by a decision */
    size_t implemented;
    size_t not_assessed;
};

struct cw_soa_options {
    const char *as_of; /* YYYY-MM-DD for expiry checks; NULL: today (UTC) */
    int model;         /* enum cw_model for the matrix; -1: the scope's */
    const char *store; /* store folder whose saved scan results fill the
                          `checks` column and whose recorded evidence
                          joins the `evidence` column; NULL: none */
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

CW_API size_t cw_soa_count(const struct cw_soa *soa);
CW_API const struct cw_soa_line *cw_soa_line_at(const struct cw_soa *soa,
                                                size_t i);
CW_API const struct cw_soa_summary *cw_soa_get_summary(const struct cw_soa *soa);
CW_API const struct cw_scope *cw_soa_scope(const struct cw_soa *soa);
/* The date the lines were computed for (YYYY-MM-DD). */
CW_API const char *cw_soa_as_of(const struct cw_soa *soa);
/* The service model of the matrix view, or -1 for the scope's models. */
CW_API int cw_soa_model(const struct cw_soa *soa);

#ifdef __cplusplus
}
#endif
#endif
