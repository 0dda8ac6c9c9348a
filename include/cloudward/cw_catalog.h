/*
 * cw_catalog.h - control catalogs, one per edition of a standard, and the
 * crosswalks between editions.
 *
 * Catalogs are data (the YAML files of data/catalog, see docs/catalog-format.md),
 * embedded into libcloudward at build time; more can be loaded at run time
 * from directories, which is how a new edition is added without a rebuild.
 * Everything returned by the getters below is owned by the struct
 * cw_catalogs it came from and stays valid until cw_catalogs_free().
 */
#ifndef CLOUDWARD_CW_CATALOG_H
#define CLOUDWARD_CW_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include <cloudward/cw_core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where in a cloud stack a control lives; decides who carries it. */
#define CW_LAYER_MAP(X)                                                       \
    X(ORGANISATION, "organisation")                                           \
    X(ENDPOINT, "endpoint")                                                   \
    X(PHYSICAL, "physical")                                                   \
    X(NETWORK, "network")                                                     \
    X(VIRTUALIZATION, "virtualization")                                       \
    X(PLATFORM, "platform")                                                   \
    X(APPLICATION, "application")                                             \
    X(IDENTITY, "identity")                                                   \
    X(DATA, "data")                                                           \
    X(PII, "pii")

enum cw_layer {
#define CW__LAYER_ENUM(name, str) CW_LAYER_##name,
    CW_LAYER_MAP(CW__LAYER_ENUM)
#undef CW__LAYER_ENUM
        CW_LAYER_COUNT
};

/* Cloud service models; used as bits in masks (1u << model). */
enum cw_model {
    CW_MODEL_IAAS,
    CW_MODEL_PAAS,
    CW_MODEL_SAAS,
    CW_MODEL_COUNT
};

/*
 * Who carries a control between a cloud provider and its customer, as the
 * provider publishes it in its matrix (docs/responsibility.md):
 *   PROVIDER  the provider carries it for the customer, who may rely on it;
 *   CUSTOMER  the customer carries it;
 *   SPLIT     each carries a named part;
 *   EACH      each party for its own organisation (policies, people,
 *             suppliers, incidents, audits, own endpoints and
 *             administrators): never relied on, never "in part".
 * In OSCAL terms: PROVIDER is `provided` (+ the customer's `inherited`),
 * CUSTOMER a `responsibility`, SPLIT both, EACH neither (each `satisfied`).
 */
enum cw_resp {
    CW_RESP_NONE,
    CW_RESP_PROVIDER,
    CW_RESP_CUSTOMER,
    CW_RESP_SPLIT,
    CW_RESP_EACH
};

enum cw_entry_kind {
    CW_ENTRY_CONTROL,  /* a control of this catalog */
    CW_ENTRY_GUIDANCE  /* guidance this catalog adds to a control of its base */
};

#define CW_ATTR_FAMILIES 5

/* One entry of a catalog. Optional texts are NULL when absent. */
struct cw_control {
    const char *catalog;  /* name of the catalog holding the entry */
    const char *id;
    const char *title;    /* for guidance: the base control's title */
    enum cw_entry_kind kind;
    const char *group;    /* group id (for guidance: the base control's) */
    const char *clause;   /* top-level group id, e.g. "12" or "A.11" */
    enum cw_layer layer;
    const char *summary;  /* our words; for guidance: the base summary */
    const char *provider; /* duty or cloud guidance for the provider */
    const char *customer; /* duty or cloud guidance for the customer */
    const char *pii;      /* guidance for a public-cloud PII processor */
    const char *base;     /* guidance: catalog of the control it refines */
    const struct cw_control *base_control; /* guidance: that control */
    const char *former_id;  /* number in the previous edition */
    const char *confidence; /* "unverified" where a source was uncertain */
    /* 27002:2022 attributes, comma-separated: control type, security
     * properties, cybersecurity concepts, operational capabilities,
     * security domains. */
    const char *attributes[CW_ATTR_FAMILIES];
    enum cw_resp resp_override[CW_MODEL_COUNT]; /* NONE: use the layer */
    /* What a provider carries of this control that its customer may rely
     * on, when it differs from the layer's part (the rules' `parts`);
     * NULL: the layer's. */
    const char *part;
    bool cloud; /* cloud-only control, cloud guidance, or has such guidance */
    bool pii_related; /* 27018 control, PII guidance, or has such guidance */
    const char *file; /* where it is defined, for messages */
    unsigned line;
};

struct cw_group {
    const char *id;
    const char *kind; /* clause, objective, theme, principle */
    const char *title;
    const char *parent; /* NULL at the top */
};

struct cw_catalog {
    const char *name;     /* "iso27017:2015" */
    const char *title;
    const char *base;     /* NULL or the catalog guidance entries refine */
    const char *replaces; /* NULL or the edition this one supersedes */
    const char *note;
    const char *file;
    const struct cw_group *groups;
    size_t ngroups;
    const struct cw_control *controls;
    size_t ncontrols;
    const struct cw_control *guidance;
    size_t nguidance;
};

struct cw_crosswalk {
    const char *from;
    const char *to;
    const char *note;
    const char *const (*pairs)[2]; /* {from id, to id} */
    size_t npairs;
    const char *const *added;   /* `to` ids with no source */
    size_t nadded;
    const char *const *removed; /* `from` ids with no target */
    size_t nremoved;
};

/* An edition of a certifiable standard whose certificates cease to be
 * valid on a date (the rules' `transitions`). */
struct cw_transition {
    const char *standard; /* "ISO/IEC 27001" */
    const char *edition;  /* "2013" */
    const char *ends;     /* YYYY-MM-DD: last day of validity */
};

struct cw_catalogs;

/*
 * Loads the embedded catalogs, then every *.yaml file of each directory in
 * the NULL-terminated `dirs` (may be NULL), and checks them together: bases
 * and replaced editions exist, every referenced id exists, crosswalks cover
 * both editions. On success *out owns everything and must be released with
 * cw_catalogs_free(). On error *out is NULL and `d` names the file, line and
 * column at fault.
 */
CW_API enum cw_status cw_catalogs_new(const char *const *dirs,
                                      struct cw_catalogs **out,
                                      struct cw_diag *d);

/* Releases everything. Accepts NULL. */
CW_API void cw_catalogs_free(struct cw_catalogs *c);

/* Catalogs are kept sorted by name. */
CW_API size_t cw_catalogs_count(const struct cw_catalogs *c);
CW_API const struct cw_catalog *cw_catalogs_at(const struct cw_catalogs *c,
                                               size_t i);
/* NULL when no catalog has that name. */
CW_API const struct cw_catalog *cw_catalogs_find(const struct cw_catalogs *c,
                                                 const char *name);

CW_API size_t cw_catalogs_crosswalk_count(const struct cw_catalogs *c);
CW_API const struct cw_crosswalk *
cw_catalogs_crosswalk_at(const struct cw_catalogs *c, size_t i);

/* The control (not guidance) `id` of catalog `cat`, or NULL. */
CW_API const struct cw_control *
cw_catalog_control(const struct cw_catalog *cat, const char *id);

/* The guidance `cat` adds to its base's control `id`, or NULL. */
CW_API const struct cw_control *
cw_catalog_guidance(const struct cw_catalog *cat, const char *id);

/* The group `id` of `cat`, or of its base, or NULL. */
CW_API const struct cw_group *cw_catalogs_group(const struct cw_catalogs *c,
                                                const struct cw_catalog *cat,
                                                const char *id);

/*
 * Resolves a reference written by a user: "CATALOG ID" (for example
 * "iso27017:2015 CLD.9.5.2") or a bare "ID" looked up in the `n` catalogs
 * named in `names`. Returns CW_ENOENT when nothing matches and CW_EAMBIG when
 * a bare id exists in more than one catalog; `d->msg` then says which.
 */
CW_API enum cw_status cw_catalogs_resolve(const struct cw_catalogs *c,
                                          const char *ref,
                                          const char *const *names, size_t n,
                                          const struct cw_control **out,
                                          struct cw_diag *d);

/*
 * Maps `id` through crosswalk `x` (forward when `reverse` is false, from
 * `x->from` to `x->to`). Writes up to `max` ids into `out` and returns how
 * many targets exist (which may exceed `max`).
 */
CW_API size_t cw_crosswalk_map(const struct cw_crosswalk *x, const char *id,
                               bool reverse, const char **out, size_t max);

/* Who carries controls of `layer` in service model `m`, from the
 * responsibility rules (data/rules/responsibility.yaml). */
CW_API enum cw_resp cw_catalogs_layer_resp(const struct cw_catalogs *c,
                                           enum cw_layer layer,
                                           enum cw_model m);

/* Who carries `ctl` in model `m` by default: the control's own override,
 * else its layer's rule. Never CW_RESP_NONE for a valid model. */
CW_API enum cw_resp cw_catalogs_resp(const struct cw_catalogs *c,
                                     const struct cw_control *ctl,
                                     enum cw_model m);

/* The part of `ctl` a provider offering model `m` carries that its customer
 * may rely on (a noun phrase), or NULL when no part of it can be relied on
 * (organisation, endpoint and 27018 Annex A duties). */
CW_API const char *cw_catalogs_part(const struct cw_catalogs *c,
                                    const struct cw_control *ctl,
                                    enum cw_model m);

/* Controls that should apply when `ctl` applies (the rules' `related`).
 * Writes up to `max` into `out`; returns how many there are. */
CW_API size_t cw_catalogs_related(const struct cw_catalogs *c,
                                  const struct cw_control *ctl,
                                  const struct cw_control **out, size_t max);

/* The last day certificates of `standard` `edition` are valid whatever
 * their own expiry, or NULL when no transition ends that edition. */
CW_API const char *cw_catalogs_transition_end(const struct cw_catalogs *c,
                                              const char *standard,
                                              const char *edition);

/* The loaded catalogs' names, ", "-separated, into `buf` (truncated to
 * `n`); returns `buf`. For messages that list what is valid. */
CW_API const char *cw_catalogs_names(const struct cw_catalogs *c, char *buf,
                                     size_t n);

/* The default one-sentence duty of the provider (`customer` false) or the
 * customer for controls of `layer`. Never NULL. */
CW_API const char *cw_catalogs_layer_duty(const struct cw_catalogs *c,
                                          enum cw_layer layer, bool customer);

/* Names: "organisation", "iaas", "provider"; NULL when out of range. */
CW_API const char *cw_layer_name(enum cw_layer l);
CW_API const char *cw_model_name(enum cw_model m);
CW_API const char *cw_resp_name(enum cw_resp r);

/* Parses a name back; returns false when unknown. */
CW_API bool cw_model_parse(const char *s, enum cw_model *out);
CW_API bool cw_resp_parse(const char *s, enum cw_resp *out);

#ifdef __cplusplus
}
#endif
#endif
