/*
 * cw_scope.h - an organisation's scope (cloudward.yaml) and its decisions.
 *
 * The scope says who the organisation is in the cloud (provider, customer or
 * both), which service models it offers or consumes, whether it processes
 * PII for customers, which catalogs are in force and which upstream
 * providers' certified controls it inherits. Decisions (YAML files beside the
 * scope) override the default applicability of single controls.
 *
 * Loading checks everything and fails on the first problem with
 * FILE:LINE:COL in the diagnostic; a scope that loads is consistent. All
 * strings returned are owned by the struct cw_scope and live until
 * cw_scope_free().
 */
#ifndef CLOUDWARD_CW_SCOPE_H
#define CLOUDWARD_CW_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#include <cloudward/cw_catalog.h>
#include <cloudward/cw_core.h>

#ifdef __cplusplus
extern "C" {
#endif

enum cw_role {
    CW_ROLE_PROVIDER,
    CW_ROLE_CUSTOMER,
    CW_ROLE_BOTH
};

/* One line of an upstream provider's published responsibility matrix. */
struct cw_matrix_row {
    const struct cw_control *control;
    enum cw_resp responsibility;
    const char *provider_duty; /* may be NULL */
    const char *customer_duty; /* may be NULL */
};

/* A provider whose certified controls this organisation inherits. */
struct cw_upstream {
    const char *name;
    enum cw_model model;      /* the service model consumed from it */
    const char *certificate;  /* NULL when none is declared */
    const char *expires;      /* YYYY-MM-DD, NULL when no certificate */
    const char *matrix;       /* path of its published matrix, or NULL */
    const struct cw_matrix_row *rows; /* loaded from `matrix` */
    size_t nrows;
    const char *file;
    unsigned line;
};

/* A decision about one control. Unset optional fields are NULL. */
struct cw_decision {
    const struct cw_control *control;
    bool applicable;
    const char *justification;
    const char *source;   /* risk, legal, contract, best-practice */
    const char *status;   /* implemented, partial, planned, not-implemented,
                             not-assessed */
    const char *owner;
    enum cw_resp responsibility; /* CW_RESP_NONE when not given */
    const char *notes;
    const char *evidence; /* references joined with "; " */
    const char *file;
    unsigned line;
    unsigned col;
};

struct cw_scope;

/*
 * Loads `path` and the decision files it names, resolving control ids
 * against `cats` (which must outlive the scope). On success *out must be
 * released with cw_scope_free(); on error *out is NULL and `d` holds
 * FILE:LINE:COL and what was expected there.
 */
CW_API enum cw_status cw_scope_load(const struct cw_catalogs *cats,
                                    const char *path, struct cw_scope **out,
                                    struct cw_diag *d);

/* Releases everything. Accepts NULL. */
CW_API void cw_scope_free(struct cw_scope *s);

CW_API const char *cw_scope_path(const struct cw_scope *s);
CW_API const char *cw_scope_organisation(const struct cw_scope *s);
CW_API enum cw_role cw_scope_role(const struct cw_scope *s);
/* Service models as a bit mask of (1u << enum cw_model). */
CW_API unsigned cw_scope_models(const struct cw_scope *s);
CW_API bool cw_scope_pii_processor(const struct cw_scope *s);
/* pii_regions: the regions (or globs such as "eu-*") PII may be stored
 * in; *n = 0 and NULL when the scope names none. */
CW_API const char *const *cw_scope_pii_regions(const struct cw_scope *s,
                                               size_t *n);

/* Catalogs in force: the ones the scope lists, plus their bases. */
CW_API size_t cw_scope_catalog_count(const struct cw_scope *s);
CW_API const char *const *cw_scope_catalogs(const struct cw_scope *s);

CW_API size_t cw_scope_upstream_count(const struct cw_scope *s);
CW_API const struct cw_upstream *cw_scope_upstream(const struct cw_scope *s,
                                                   size_t i);

CW_API size_t cw_scope_decision_count(const struct cw_scope *s);
CW_API const struct cw_decision *cw_scope_decision(const struct cw_scope *s,
                                                   size_t i);
/* The decision about `ctl`, or NULL. */
CW_API const struct cw_decision *
cw_scope_find_decision(const struct cw_scope *s, const struct cw_control *ctl);

/*
 * The store directory for this scope: `override` when not NULL, else
 * $CLOUDWARD_STORE when set and non-empty, else ".cloudward" beside the scope
 * file. Writes it into `out` (size `n`); CW_ELIMIT when it does not fit.
 */
CW_API enum cw_status cw_scope_store_dir(const char *scope_path,
                                         const char *override, char *out,
                                         size_t n);

/* What `cloudward init` asks for. */
struct cw_scope_template {
    const char *organisation;
    enum cw_role role;
    unsigned models; /* bit mask */
    bool pii_processor;
};

/*
 * Writes a commented starter cloudward.yaml to `path`, and an empty
 * decisions/ directory with a commented example beside it. Refuses to
 * overwrite an existing file unless `force`. The write is atomic: the file
 * is complete or absent, never half-written.
 */
CW_API enum cw_status cw_scope_write_template(const char *path,
                                              const struct cw_scope_template *t,
                                              bool force, struct cw_diag *d);

/* Names: "provider", "customer", "both"; false from parse when unknown. */
CW_API const char *cw_role_name(enum cw_role r);
CW_API bool cw_role_parse(const char *s, enum cw_role *out);

#ifdef __cplusplus
}
#endif
#endif
