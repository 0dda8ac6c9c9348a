/* scope_internal.h - entry points of src/scope for tests and fuzzers. */
#ifndef CW_SCOPE_INTERNAL_H
#define CW_SCOPE_INTERNAL_H

#include <cloudward/cw_scope.h>

#include "../core/core.h"

/*
 * Parses `buf` as a scope file (without reading decision files or provider
 * matrices from disk), then as a decision file, and returns the first
 * error. Everything is freed before it returns. For the fuzzer.
 */
enum cw_status cw__scope_check_buffer(const struct cw_catalogs *cats,
                                      const char *buf, size_t len,
                                      struct cw_diag *d);

#endif
