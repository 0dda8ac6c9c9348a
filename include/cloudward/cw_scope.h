/*
 * cw_scope.h - an organisation's scope (cloudward.yaml) and its decisions.
 *
 * The scope says who the organisation is in the cloud (provider, customer or
 * both), which service models it offers or consumes, whether it processes
 * PII for customers, which catalogs are in force, which upstream providers
 * it relies on and the assurance (certificates, reports) behind them.
 * Decisions (YAML files beside the scope) record what the organisation
 * decided about single controls: applicability, own implementation,
 * reliance, and what it publishes to its customers.
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

/* What an assurance entry is: a certificate, or an attestation report. */
enum cw_assurance_kind {
    CW_ASSURANCE_CERTIFICATE,
    CW_ASSURANCE_ATTESTATION
};

/*
 * A certificate or attestation report, as the scope records it (what the
 * organisation checked of a provider, or its own) or as a published matrix
 * states it. What it covers and its state on a date are worked out by the
 * SoA (docs/scope.md, "Assurance"). Unset texts are NULL.
 */
struct cw_assurance {
    enum cw_assurance_kind kind;
    const char *standard;     /* "ISO/IEC 27001"; NULL: not stated */
    const char *edition;      /* "2022"; NULL: not stated */
    const char *const *covers; /* catalogs it extends to (iso27017:2015) */
    size_t ncovers;
    const char *body;         /* certification body or auditor */
    const char *number;       /* certificate or report number */
    const char *scope;        /* its scope statement */
    unsigned models;          /* service models covered (bit mask); 0: any */
    const char *issued;       /* YYYY-MM-DD or NULL */
    const char *valid_until;  /* YYYY-MM-DD; NULL only in legacy entries */
    const char *file;         /* where it was read, for messages */
    unsigned line;
};

/*
 * One link of the chain behind a published matrix row: the publisher (or a
 * provider further up) relies on `provider` for `part`, on the assurance
 * recorded for it. A consumer judges every link again on its own date, so
 * a certificate lapsing anywhere up the chain reaches the bottom.
 */
struct cw_chain_link {
    const char *provider;
    const char *part;
    const struct cw_assurance *assurance; /* NULL: none recorded */
    size_t nassurance;
    const char *state; /* as its publisher judged it; NULL: not stated */
    const char *state_reason; /* the publisher's reason, or NULL */
};

/* One line of an upstream provider's published responsibility matrix. */
struct cw_matrix_row {
    const struct cw_control *control;
    enum cw_resp responsibility;
    const char *part;          /* what a customer may rely on, or NULL */
    const char *provider_duty; /* may be NULL */
    const char *customer_duty; /* may be NULL */
    int applicable;            /* 1, 0, or -1 when not stated */
    const char *status;        /* its own implementation, or NULL */
    const struct cw_chain_link *chain; /* its own reliances, flattened */
    size_t nchain;
};

/* A provider this organisation relies on. */
struct cw_upstream {
    const char *name;
    enum cw_model model;      /* the service model consumed from it */
    const struct cw_assurance *assurance; /* what the organisation checked */
    size_t nassurance;
    const char *matrix;       /* path of its published matrix, or NULL */
    const struct cw_matrix_row *rows; /* loaded from `matrix` */
    size_t nrows;
    const struct cw_assurance *published; /* its own, as its matrix says */
    size_t npublished;
    const char *notes;
    const char *file;
    unsigned line;
};

/* A reliance a decision names: `part` of the control, carried by
 * `upstream`. */
struct cw_reliance {
    const struct cw_upstream *upstream;
    const char *part; /* NULL: the default part for that provider */
};

/* A decision about one control. Unset optional fields are NULL. */
struct cw_decision {
    const struct cw_control *control;
    bool applicable;
    const char *justification;
    const char *source;   /* reasons for inclusion or exclusion, joined with
                             ", ": risk, legal, contract, business,
                             best-practice */
    const char *status;   /* own implementation: not-started, planned,
                             partial, implemented, not-applicable */
    const char *owner;
    enum cw_resp responsibility; /* published to customers; NONE: default */
    const char *provider_part;   /* published texts, or NULL */
    const char *customer_part;
    const char *notes;
    const char *evidence; /* references joined with "; " */
    const struct cw_reliance *relies; /* what it relies on upstream */
    size_t nrelies;
    const char *due;      /* YYYY-MM-DD the work is due (POA&M), or NULL */
    const char *file;
    unsigned line;
    unsigned col;
};

/* The SoA as a controlled document (the scope's `document`). */
struct cw_document {
    const char *version;  /* NULL when not stated */
    const char *approver;
    const char *approved; /* YYYY-MM-DD */
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
/* Whether every file `s` was read from (the scope file, its decision
 * files, the providers' matrices) is as it was when read, and each
 * decision pattern still matches the same files: a server may then keep
 * using `s` rather than read it again. Stats and globs only. */
CW_API bool cw_scope_fresh(const struct cw_scope *s);

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

/* Catalogs in force (one SoA line per control): the ones the scope lists,
 * plus the base of an extension (27017, 27018) unless the scope lists
 * another edition of that base (iso27002:2022): then the base only
 * resolves references and carries guidance through the crosswalk. */
CW_API size_t cw_scope_catalog_count(const struct cw_scope *s);
CW_API const char *const *cw_scope_catalogs(const struct cw_scope *s);

/* The scope statement, or NULL. */
CW_API const char *cw_scope_statement(const struct cw_scope *s);
/* Version and approval of the SoA; fields NULL when not stated. */
CW_API const struct cw_document *cw_scope_document(const struct cw_scope *s);
/* The organisation's own certificates and reports (`assurance`). */
CW_API const struct cw_assurance *cw_scope_assurance(const struct cw_scope *s,
                                                     size_t *n);
/* The upstream provider called `name`, or NULL. */
CW_API const struct cw_upstream *cw_scope_find_upstream(
    const struct cw_scope *s, const char *name);

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

/*
 * How an assurance entry reads in a sentence, into `buf` (size `n`,
 * truncated): "ISO/IEC 27001:2022 certificate NC-2025-0042 (Example
 * Certification Ltd)", followed, when `full`, by " extended to
 * iso27017:2015 and iso27018:2019, valid until 2028-09-30". Returns `buf`.
 */
CW_API const char *cw_assurance_cite(const struct cw_assurance *a, bool full,
                                     char *buf, size_t n);

/* Names: "provider", "customer", "both"; false from parse when unknown. */
CW_API const char *cw_role_name(enum cw_role r);
CW_API bool cw_role_parse(const char *s, enum cw_role *out);

#ifdef __cplusplus
}
#endif
#endif
