/*
 * cw_oscal.h - NIST OSCAL 1.0.6 JSON out and in (docs/oscal.md).
 *
 * Out: our catalogs as OSCAL catalogs, the scope's selection as a
 * profile, check packs as a component-definition, the SoA as a system
 * security plan (what the organisation does, what it inherits from its
 * providers, what it provides to its customers), the latest scan runs as
 * assessment results and the open lines as a plan of action and
 * milestones. In: a provider's SSP (or component-definition) export made
 * back into the responsibility matrix a scope lists for that provider.
 *
 * Every UUID inside a document is derived from what it names (regenerating
 * does not churn references); a document's own UUID from its content; its
 * last-modified from the data's own time, never the clock. The same input
 * gives the same bytes.
 */
#ifndef CLOUDWARD_CW_OSCAL_H
#define CLOUDWARD_CW_OSCAL_H

#include <stdbool.h>
#include <stddef.h>

#include <cloudward/cw_catalog.h>
#include <cloudward/cw_checks.h>
#include <cloudward/cw_core.h>
#include <cloudward/cw_soa.h>

#ifdef __cplusplus
extern "C" {
#endif

enum cw_oscal_model {
    CW_OSCAL_CATALOG,
    CW_OSCAL_PROFILE,
    CW_OSCAL_COMPONENT,
    CW_OSCAL_SSP,
    CW_OSCAL_ASSESSMENT_RESULTS,
    CW_OSCAL_POAM,
    CW_OSCAL_MODEL_COUNT
};

/* What the writers read. Each model needs some of it:
 *   catalog             cats, catalog
 *   profile             soa
 *   component           cats, packs
 *   ssp                 soa
 *   assessment-results  soa, store (its runs and its ledger's checkpoint)
 *   poam                soa
 * Documents refer to each other by file name, as a set written into one
 * folder: catalog-SLUG.json (SLUG: "iso27002-2022"), profile.json,
 * ssp.json (cw_oscal_file_name). */
struct cw_oscal_input {
    const struct cw_catalogs *cats;
    const char *catalog;          /* the catalog's name: "iso27017:2015" */
    const struct cw_soa *soa;
    const struct cw_pack *const *packs;
    size_t npacks;
    const char *store;            /* store folder or URL; NULL: no runs */
    /* The data's own time (RFC 3339, UTC) for last-modified; NULL: the
     * latest of the scope's approval, its recorded decisions and the runs
     * read, else the SoA's date. */
    const char *last_modified;
};

/* "catalog", "profile", "component", "ssp", "assessment-results",
 * "poam". */
CW_API const char *cw_oscal_model_name(enum cw_oscal_model m);
CW_API bool cw_oscal_model_parse(const char *s, enum cw_oscal_model *out);

/* The file name a document has in a set ("ssp.json"; a catalog's
 * "catalog-iso27017-2015.json" from `catalog`), into out[n]. */
CW_API const char *cw_oscal_file_name(enum cw_oscal_model m,
                                      const char *catalog, char *out,
                                      size_t n);

/*
 * Writes document `m` to `path` atomically, or to stdout when `path` is
 * NULL. Errors: CW_EINVAL when `in` lacks what the model needs (`d` says
 * what), CW_ENOENT for an unknown catalog, CW_EIO, CW_ENOMEM.
 */
CW_API enum cw_status cw_oscal_write(enum cw_oscal_model m,
                                     const struct cw_oscal_input *in,
                                     const char *path, struct cw_diag *d);

/*
 * Writes the whole set into folder `dir` (created, private, when absent):
 * a catalog document for every catalog of `in->cats`, profile.json,
 * component-definition.json (the packs of `in`, or every built-in pack
 * when none are given), ssp.json, assessment-results.json and poam.json.
 * *written receives the number of files (may be NULL).
 */
CW_API enum cw_status cw_oscal_write_set(const struct cw_oscal_input *in,
                                         const char *dir, size_t *written,
                                         struct cw_diag *d);

/*
 * Reads a provider's OSCAL system security plan, or a component-
 * definition, and writes the responsibility matrix its exports describe
 * (the JSON `cloudward matrix --format json` writes, which a scope names
 * as the provider's `matrix`) to `out_path` atomically, or stdout when
 * NULL. Rows are kept for the catalogs of `cats`; a control id that no
 * catalog has, a missing by-component or a malformed document is an
 * error naming FILE:LINE:COL. *rows receives the number of rows written.
 */
CW_API enum cw_status cw_oscal_import_provider(const struct cw_catalogs *cats,
                                               const char *path,
                                               const char *out_path,
                                               size_t *rows,
                                               struct cw_diag *d);

#ifdef __cplusplus
}
#endif
#endif
