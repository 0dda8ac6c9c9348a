/*
 * jw.h - a streaming writer of indented JSON into a capped buffer, for
 * documents whose shape the code spells out (OSCAL, the audit package's
 * manifest).
 */
#ifndef CW_CORE_JW_H
#define CW_CORE_JW_H

#include <stdbool.h>

#include "../core/core.h"

#define JW_DEPTH 48

/*
 * A streaming writer of indented JSON into a buffer. Errors stick: the
 * first one is kept in `st` and everything after it does nothing. An
 * array opened with jw_arr() is written only when its first element
 * comes; one closed empty leaves no trace, its key included.
 */
struct jw {
    struct cw__buf *b;
    enum cw_status st;
    int depth;
    struct {
        const char *key;   /* pending array's key (NULL: an element) */
        bool pending;      /* an array not written yet */
        bool first;        /* nothing written inside yet */
        bool array;
    } f[JW_DEPTH];
};

void jw_init(struct jw *w, struct cw__buf *b);
/* Objects and arrays: `key` NULL inside an array or at the top. */
void jw_obj(struct jw *w, const char *key);
void jw_arr(struct jw *w, const char *key);
void jw_end(struct jw *w);
/* A string member or element; nothing at all when `val` is NULL or "". */
void jw_str(struct jw *w, const char *key, const char *val);
/* As jw_str, the value made one line (an OSCAL token-ish "string":
 * whitespace runs become one space, none leading or trailing). */
void jw_line(struct jw *w, const char *key, const char *val);
void jw_strf(struct jw *w, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void jw_int(struct jw *w, const char *key, long long v);
void jw_bool(struct jw *w, const char *key, bool v);

#endif
