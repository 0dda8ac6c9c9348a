/*
 * cw_status.h - status codes of libcloudward.
 *
 * One X-macro list gives the enum constant, its name and its message, so the
 * three can never drift apart (the libuv way). Every fallible function of the
 * library returns an enum cw_status; CW_OK is zero so `if (st)` reads as
 * "if it failed". Details for humans (file, line, column, what was expected)
 * go into a caller-owned struct cw_diag, never into the status.
 */
#ifndef CLOUDWARD_CW_STATUS_H
#define CLOUDWARD_CW_STATUS_H

#include <cloudward/cw_export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(NAME, message) */
#define CW_STATUS_MAP(X)                                                      \
    X(OK, "success")                                                          \
    X(ENOMEM, "out of memory")                                                \
    X(EINVAL, "invalid argument")                                             \
    X(EPARSE, "malformed input")                                              \
    X(ESCHEMA, "input does not match the expected structure")                 \
    X(ENOENT, "no such file, catalog or control")                             \
    X(EEXIST, "already exists")                                               \
    X(EAMBIG, "ambiguous reference")                                          \
    X(EIO, "input/output error")                                              \
    X(ELIMIT, "a size, depth or count limit was exceeded")                    \
    X(EFORMAT, "unsupported output format")                                   \
    X(EINTEGRITY, "stored data does not match its hashes or signatures")     \
    X(EPERM, "refused: a file or folder others could change")

enum cw_status {
#define CW__STATUS_ENUM(name, msg) CW_##name,
    CW_STATUS_MAP(CW__STATUS_ENUM)
#undef CW__STATUS_ENUM
        CW__STATUS_COUNT
};

/* The constant's name without prefix ("ENOMEM"); "EUNKNOWN" when out of
 * range. The string is static. */
CW_API const char *cw_status_name(enum cw_status st);

/* A one-line message for humans ("out of memory"). The string is static. */
CW_API const char *cw_status_message(enum cw_status st);

#ifdef __cplusplus
}
#endif
#endif
