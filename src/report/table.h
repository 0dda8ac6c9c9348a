/*
 * table.h - the string table every report is first turned into, so that
 * each output format is written once for all views (SoA, matrix, control
 * listings). Cells are borrowed strings; NULL means empty.
 */
#ifndef CW_REPORT_TABLE_H
#define CW_REPORT_TABLE_H

#include <stdio.h>

#include <cloudward/cw_report.h>

#include "../core/core.h"

enum cw__col_type {
    CW__COL_TEXT,
    CW__COL_BOOL,   /* "yes"/"no" in text formats, true/false in JSON */
    CW__COL_NUMBER, /* decimal digits, a bare number in JSON */
    CW__COL_JSON    /* a JSON value written as it is; JSON only */
};

/* One "key": value pair of the JSON document header. */
struct cw__meta {
    const char *key;
    const char *value; /* NULL: null */
    enum cw__col_type type;
};

struct cw__col {
    const char *header; /* "Applicable" */
    const char *key;    /* "applicable", for JSON; NULL: not in JSON */
    enum cw__col_type type;
    unsigned width;     /* in XLSX and the terminal table; 0 = hidden there */
};

struct cw__table {
    const char *title;      /* document title (HTML, XLSX sheet name) */
    const char *subtitle;   /* one line under the title, may be NULL */
    const char *const *preamble; /* lines of the document's header (who,
                                    what, counts) before the table in
                                    every format but JSON, which has
                                    `meta`; may be NULL */
    size_t npreamble;
    const char *json_root;  /* key of the row list in JSON, NULL: bare array */
    const struct cw__meta *meta; /* JSON header pairs, may be NULL */
    size_t nmeta;
    const struct cw__col *cols;
    size_t ncols;
    const char **cells;     /* nrows * ncols */
    const unsigned char *flagged; /* per row: highlight (expired), may be NULL */
    size_t nrows;
    const char *stamp;      /* "Prepared for ..." of a copy handed out (it
                               is also the preamble's first line): XLSX
                               puts it atop the table sheet and in its
                               printed header; NULL: none */
    const char *date;       /* YYYY-MM-DD the document is of: XLSX's
                               created time (midnight UTC), so that the same
                               data gives the same bytes; NULL: now */
};

/* Writers over an open stream; return CW_EIO when the stream fails. */
enum cw_status cw__write_csv(const struct cw__table *t, FILE *f);
enum cw_status cw__write_markdown(const struct cw__table *t, FILE *f);
enum cw_status cw__write_html(const struct cw__table *t, FILE *f);
enum cw_status cw__write_json(const struct cw__table *t, FILE *f);
enum cw_status cw__write_text(const struct cw__table *t, FILE *f);
/* XLSX needs a file name; writes `path` directly (callers make it atomic). */
enum cw_status cw__write_xlsx(const struct cw__table *t, const char *path,
                              struct cw_diag *d);

/*
 * A writer of one document: writes to `out`, or, when `out` is NULL (a
 * binary format that needs a file name), to the file `file`. Returns
 * CW_EIO when writing fails.
 */
typedef enum cw_status (*cw__writer_fn)(const void *arg, FILE *out,
                                        const char *file);

/* Runs `write` into `path` atomically (temporary, fsync, rename), or into
 * stdout when `path` is NULL. */
/* cw__emit for a file of the store: 0600 whatever the umask. */
enum cw_status cw__emit_private(const char *path, cw__writer_fn write,
                                const void *arg, struct cw_diag *d);
enum cw_status cw__emit(const char *path, bool binary_to_file,
                        cw__writer_fn write, const void *arg,
                        struct cw_diag *d);

/* Writes `t` in format `f` to `path` atomically, or to stdout. */
enum cw_status cw__table_emit(const struct cw__table *t, enum cw_format f,
                              const char *path, struct cw_diag *d);

/* Is column `c` written in JSON, in the other formats? */
static inline bool cw__col_in_json(const struct cw__col *c)
{
    return c->key != NULL;
}
static inline bool cw__col_in_text(const struct cw__col *c)
{
    return c->type != CW__COL_JSON;
}

/* JSON string literal with escapes, quotes included. */
void cw__json_string(FILE *f, const char *s);
/* The same, appended to `b`: large reports are built in memory and
 * written in blocks (stdio's per-call cost was most of their time). */
enum cw_status cw__json_string_buf(struct cw__buf *b, const char *s);

/*
 * A config result's reason for people (words.c): every JSONPath as the
 * attribute it names and the rules' phrasings in words ("no element of
 * $.logging[*] (0) qualifies" is "logging is not set"). Writes at most
 * cap - 1 bytes and a NUL into buf; returns the length written.
 */
size_t cw__reason_words(const char *in, char *buf, size_t cap);

#endif
