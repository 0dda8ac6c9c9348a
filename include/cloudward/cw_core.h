/*
 * cw_core.h - diagnostics, the allocator hook and the version.
 */
#ifndef CLOUDWARD_CW_CORE_H
#define CLOUDWARD_CW_CORE_H

#include <stddef.h>

#include <cloudward/cw_export.h>
#include <cloudward/cw_status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CW_DIAG_FILE_MAX 512
#define CW_DIAG_MSG_MAX  512

/*
 * What went wrong, for a human. Owned by the caller (usually on its stack),
 * filled by the failing function. `line` and `col` are 1-based; 0 means "no
 * position" (the problem is about the file as a whole, or not about a file).
 */
struct cw_diag {
    char file[CW_DIAG_FILE_MAX];
    unsigned line;
    unsigned col;
    char msg[CW_DIAG_MSG_MAX];
};

/* Empties `d`. Accepts NULL. */
CW_API void cw_diag_clear(struct cw_diag *d);

/*
 * Writes "FILE:LINE:COL: MESSAGE" (or "FILE: MESSAGE" without a position,
 * or just "MESSAGE" without a file) into `out`, truncated to `n` bytes and
 * always NUL-terminated. Returns `out`.
 */
CW_API const char *cw_diag_format(const struct cw_diag *d, char *out,
                                  size_t n);

/*
 * The allocator libcloudward uses for all its own memory. The three functions
 * behave like malloc, realloc and free; `ud` is passed back unchanged. Set it
 * before any other call and never while objects of the library are alive.
 * Passing NULL restores the C library's allocator. Not thread-safe.
 */
struct cw_allocator {
    void *(*malloc)(size_t size, void *ud);
    void *(*realloc)(void *ptr, size_t size, void *ud);
    void (*free)(void *ptr, void *ud);
    void *ud;
};

CW_API void cw_set_allocator(const struct cw_allocator *a);

/*
 * For a program that runs one large scan and exits (the cloudward CLI
 * does this): asks the C library to keep freed memory for reuse instead
 * of giving each multi-megabyte block back to the system, which costs a
 * page fault per page when it is taken again, and takes the bulk of a
 * config scan's memory (trees, join records, results) from regions the
 * kernel may back with 2 MiB transparent huge pages. That memory stays
 * with the process for its next scan. Process-wide; call it before
 * starting threads; a library user with its own memory policy (or its
 * own allocator, cw_set_allocator) should not call it.
 */
CW_API void cw_tune_memory_for_batch(void);

/* The library's version, "MAJOR.MINOR.PATCH". Static string. */
CW_API const char *cw_version(void);

#ifdef __cplusplus
}
#endif
#endif
