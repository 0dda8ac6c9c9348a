/*
 * cw_fields.h - the named values of a request: a flat JSON object, an
 * application/x-www-form-urlencoded body or a query string, read alike
 * (the server's forms work without JavaScript, its API takes JSON). A
 * name given twice is refused, not resolved: two parts of a stack that
 * picked different copies would see different requests.
 */
#ifndef CLOUDWARD_CW_FIELDS_H
#define CLOUDWARD_CW_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cloudward/cw_core.h>
#include <cloudward/cw_export.h>
#include <cloudward/cw_status.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_fields;

/* Up to this many fields, each value up to 256 KiB, names up to 64 bytes
 * of [A-Za-z0-9_.-]. */
#define CW_FIELDS_MAX 64

/*
 * A JSON object whose members are strings, numbers, true, false or null
 * (kept as their text; null as absent); nested objects and arrays are
 * refused. CW_EPARSE with the line and column of the first fault.
 */
CW_API enum cw_status cw_fields_json(const char *buf, size_t len,
                                     struct cw_fields **out,
                                     struct cw_diag *d);

/* NAME=VALUE pairs joined by '&', percent-encoded, '+' a space. Values
 * must be valid UTF-8 without control characters other than tab, CR
 * and LF. */
CW_API enum cw_status cw_fields_form(const char *buf, size_t len,
                                     struct cw_fields **out,
                                     struct cw_diag *d);

/* The value of `name`, or NULL. */
CW_API const char *cw_fields_get(const struct cw_fields *f,
                                 const char *name);
CW_API size_t cw_fields_count(const struct cw_fields *f);
CW_API void cw_fields_free(struct cw_fields *f);

/* Writes `s` as a JSON string, quotes included, escaping what RFC 8259
 * asks and '<', '>', '&' (so it is safe inside HTML too). */
CW_API void cw_json_quote(FILE *out, const char *s);

#ifdef __cplusplus
}
#endif
#endif
