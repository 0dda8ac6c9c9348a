/*
 * oscal_internal.h - pieces shared by the OSCAL writers (src/oscal): a
 * JSON emitter whose arrays appear only once they hold something (OSCAL
 * refuses an empty array), name-based UUIDs, and the mapping of our
 * control ids onto OSCAL's tokens.
 */
#ifndef CW_OSCAL_INTERNAL_H
#define CW_OSCAL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <cloudward/cw_oscal.h>

#include "../core/core.h"
#include "../report/jw.h"

/* The namespace of our own props (docs/oscal.md lists them). */
#define CW_OSCAL_NS "https://cloudward.dev/ns/oscal"
#define CW_OSCAL_VERSION "1.0.6"

/* A prop {"name", "ns" (ours unless `oscal`), "value", "remarks"};
 * nothing when `value` is NULL or blank. */
void jw_prop(struct jw *w, const char *name, const char *value,
             const char *remarks, bool oscal);
/* A link {"href", "rel"}. */
void jw_link(struct jw *w, const char *href, const char *rel);

/* RFC 4122 version 5 UUID of the NUL-separated `parts` (NULL-ended)
 * under our namespace, lower case, into out[37]. The same names give the
 * same UUID: regenerating a document does not churn its references. */
void cw__oscal_uuid(char out[37], const char *const *parts);
/* cw__oscal_uuid of up to four strings (NULLs end the list). */
void cw__oscal_uuid4(char out[37], const char *a, const char *b,
                     const char *c, const char *d);

/* The OSCAL token of control `id` of `catalog`: "iso27002-2022_5.1"
 * (an OSCAL id must start with a letter and be unique across the
 * catalogs a profile imports). Into out[n]; returns out. */
const char *cw__oscal_control_id(const char *catalog, const char *id,
                                 char *out, size_t n);
/* The catalog's slug "iso27002-2022", into out[n]. */
const char *cw__oscal_slug(const char *catalog, char *out, size_t n);

/* Opens the document: {"ROOT": {"uuid": placeholder, "metadata": {title,
 * last-modified, version, oscal-version, then whatever the caller adds
 * before closing the metadata with jw_end(). */
void cw__oscal_begin(struct jw *w, const char *root, const char *title,
                     const char *last_modified, const char *version);
/* A party {uuid, type "organization", name} (its UUID from the name). */
void cw__oscal_party(struct jw *w, const char *name);
/* The system's id: the organisation's name in lower case, every other
 * byte than a letter or digit a '-', into out[n]. */
const char *cw__oscal_system_slug(const char *org, char *out, size_t n);
/* Writes `b` to `path` atomically, or stdout when NULL. */
enum cw_status cw__oscal_emit(const struct cw__buf *b, const char *path,
                              struct cw_diag *d);

/*
 * Gives the document its UUID once its text is whole: the version 5 UUID
 * of the text with the placeholder in place (so the same content has the
 * same UUID, and changed content a new one, as OSCAL asks of a document's
 * UUID). `at` is the offset of the 36-character placeholder.
 */
void cw__oscal_seal(struct cw__buf *b, size_t at);
#define CW__OSCAL_PLACEHOLDER "00000000-0000-5000-8000-000000000000"

/* The data's own time of the documents of a system (assess.c). */
enum cw_status cw__oscal_last_modified(const struct cw_oscal_input *in,
                                       char out[32], struct cw_diag *d);
/* An assurance entry as props, the names cw_oscal_import_provider reads. */
void cw__oscal_assurance_props(struct jw *w, const struct cw_assurance *a,
                               const char *state);

/* cw_oscal_import_provider on a document in memory, its matrix appended
 * to `out` (for the fuzzer: fuzz/fuzz_oscal.c). */
enum cw_status cw__oscal_import_buffer(const struct cw_catalogs *cats,
                                      const char *name, const char *data,
                                      size_t len, struct cw__buf *out,
                                      size_t *rows, struct cw_diag *d);

/* The six writers (one file each), all into `b`. */
enum cw_status cw__oscal_catalog(const struct cw_oscal_input *in,
                                 struct jw *w, struct cw_diag *d);
enum cw_status cw__oscal_profile(const struct cw_oscal_input *in,
                                 struct jw *w, struct cw_diag *d);
enum cw_status cw__oscal_component(const struct cw_oscal_input *in,
                                   struct jw *w, struct cw_diag *d);
enum cw_status cw__oscal_ssp(const struct cw_oscal_input *in, struct jw *w,
                             struct cw_diag *d);
enum cw_status cw__oscal_results(const struct cw_oscal_input *in,
                                 struct jw *w, struct cw_diag *d);
enum cw_status cw__oscal_poam(const struct cw_oscal_input *in, struct jw *w,
                              struct cw_diag *d);

#endif
