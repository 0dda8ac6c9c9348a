/*
 * cw_query.h - RFC 9535 JSONPath over JSON and YAML documents: the
 * selection language of configuration checks, and `cloudward query`.
 */
#ifndef CLOUDWARD_CW_QUERY_H
#define CLOUDWARD_CW_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include <cloudward/cw_core.h>
#include <cloudward/cw_export.h>
#include <cloudward/cw_status.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_query;

/*
 * Compiles a JSONPath query. A query the RFC rejects (syntax, an integer
 * out of range, a non-singular query where a value is needed, an unknown
 * function) fails with CW_EPARSE and the 1-based column in `d->col`.
 * Free with cw_query_free().
 */
CW_API enum cw_status cw_query_compile(const char *expr,
                                       struct cw_query **out,
                                       struct cw_diag *d);
CW_API void cw_query_free(struct cw_query *q);

/* One selected node: its normalized path ("$['a'][0]"), its value as
 * compact JSON, and where it starts in the file. Borrowed for the call. */
struct cw_query_hit {
    const char *path;
    const char *json;
    unsigned line, col;
};

/* Called per selected node, in RFC 9535 order; return false to stop. */
typedef bool (*cw_query_fn)(void *arg, const struct cw_query_hit *hit);

/*
 * Loads `file` (JSON when its first non-blank byte is '{' or '[', else
 * YAML) and calls `fn` for every node `q` selects. A malformed file fails
 * with CW_EPARSE and FILE:LINE:COL in `d`; documents are capped (size and
 * nesting) and a cap gives CW_ELIMIT.
 */
CW_API enum cw_status cw_query_file(const struct cw_query *q,
                                    const char *file, cw_query_fn fn,
                                    void *arg, struct cw_diag *d);

#ifdef __cplusplus
}
#endif
#endif
