/*
 * cw_report.h - writing the SoA, the responsibility matrix and control
 * listings as table, CSV, Markdown, HTML, JSON or XLSX.
 *
 * Files are written atomically: into a temporary file beside the target,
 * flushed to disk, then renamed over it. A failed or interrupted write
 * leaves the previous file (or none) in place, never half a report.
 */
#ifndef CLOUDWARD_CW_REPORT_H
#define CLOUDWARD_CW_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <cloudward/cw_catalog.h>
#include <cloudward/cw_checks.h>
#include <cloudward/cw_soa.h>

#ifdef __cplusplus
extern "C" {
#endif

enum cw_format {
    CW_FORMAT_TABLE,
    CW_FORMAT_CSV,
    CW_FORMAT_MARKDOWN,
    CW_FORMAT_HTML,
    CW_FORMAT_JSON,
    CW_FORMAT_XLSX
};

enum cw_view {
    CW_VIEW_SOA,   /* Statement of Applicability */
    CW_VIEW_MATRIX /* shared-responsibility matrix */
};

/* "table", "csv", "md" (or "markdown"), "html", "json", "xlsx". */
CW_API bool cw_format_parse(const char *s, enum cw_format *out);
CW_API const char *cw_format_name(enum cw_format f);

/*
 * Writes `view` of `soa` in format `f` to `path`, or to standard output
 * when `path` is NULL (refused for XLSX: CW_EFORMAT). Errors: CW_EIO with
 * the path and the system's reason in `d`; CW_ENOMEM.
 */
CW_API enum cw_status cw_report_write(const struct cw_soa *soa,
                                      enum cw_view view, enum cw_format f,
                                      const char *path, struct cw_diag *d);

/* Writes a listing of `n` catalog entries (controls or guidance). */
CW_API enum cw_status cw_report_controls(const struct cw_control *const *v,
                                         size_t n, enum cw_format f,
                                         const char *path, struct cw_diag *d);

/* Formats of scan results. */
enum cw_findings_format {
    CW_FINDINGS_TABLE,
    CW_FINDINGS_JSON,
    CW_FINDINGS_SARIF, /* SARIF 2.1.0 */
    CW_FINDINGS_JUNIT, /* JUnit XML */
    CW_FINDINGS_HTML,
    CW_FINDINGS_SARIF_ALL /* SARIF with pass and not-applicable results;
                             not a name cw_findings_format_parse takes */
};

/* "table", "json", "sarif", "junit", "html". */
CW_API bool cw_findings_format_parse(const char *s,
                                     enum cw_findings_format *out);

/*
 * Writes scan results in format `f` to `path` atomically (a temporary file
 * renamed into place), or to stdout when `path` is NULL. On error nothing
 * at `path` changes and `d` says why.
 */
CW_API enum cw_status cw_report_results(const struct cw_results *r,
                                        enum cw_findings_format f,
                                        const char *path, struct cw_diag *d);

/*
 * A config result's reason in words, as the reports write it: each
 * JSONPath as the attribute it names, the rules' phrasings as sentences
 * ("no element of $.logging[*] (0) qualifies" is "logging is not set").
 * Writes at most n - 1 bytes and a NUL into buf; returns the length.
 */
CW_API size_t cw_reason_words(const char *reason, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
