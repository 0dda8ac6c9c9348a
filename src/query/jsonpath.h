/*
 * jsonpath.h - RFC 9535 JSONPath over the neutral document tree.
 *
 * A query is compiled once (syntax and function well-typedness are checked
 * at compile time, so an invalid query never reaches evaluation) and then
 * evaluated against any number of documents. Evaluation calls back once
 * per selected node, in RFC 9535 order, with the node and a way to print
 * its normalized path.
 */
#ifndef CW_QUERY_JSONPATH_H
#define CW_QUERY_JSONPATH_H

#include "../core/core.h"
#include "../parse/node.h"

struct cw__jp;

/* One step of the location of a selected node, innermost last. */
struct cw__jp_step {
    const char *name; /* member name, or NULL for an array index */
    size_t index;
};

struct cw__jp_loc {
    const struct cw__jp_step *steps;
    size_t n;
};

/*
 * Compiles `expr`. On error returns CW_EPARSE with the 1-based column in
 * `d->col` (line 1) and what was expected; `name` labels the diagnostic.
 * Free with cw__jp_free().
 */
enum cw_status cw__jp_compile(const char *expr, size_t len, const char *name,
                              struct cw__jp **out, struct cw_diag *d);
void cw__jp_free(struct cw__jp *q);

/* Called per selected node; return false to stop early. */
typedef bool (*cw__jp_fn)(void *arg, const struct cw__node *n,
                          const struct cw__jp_loc *loc);

/*
 * Evaluates `q` against `root`. Returns CW_OK, or CW_ENOMEM / CW_ELIMIT
 * (the location stack exceeded its cap) with `d` set.
 */
enum cw_status cw__jp_eval(const struct cw__jp *q, const struct cw__node *root,
                           cw__jp_fn fn, void *arg, struct cw_diag *d);

/* The number of segments of `q`, and evaluation of its first `k` segments
 * only (to find where along a path a document stops, e.g. at an unknown). */
size_t cw__jp_segments(const struct cw__jp *q);
enum cw_status cw__jp_eval_prefix(const struct cw__jp *q, size_t k,
                                  const struct cw__node *root, cw__jp_fn fn,
                                  void *arg, struct cw_diag *d);

/* Writes the normalized path of `loc` ("$['a'][0]") into `b`. */
enum cw_status cw__jp_normalized(const struct cw__jp_loc *loc,
                                 struct cw__buf *b);

/* JSON equality: numbers by value, objects regardless of member order. */
bool cw__node_equal(const struct cw__node *a, const struct cw__node *b);

/* Writes `n` as compact JSON into `b`. */
enum cw_status cw__json_write(const struct cw__node *n, struct cw__buf *b);

#endif
