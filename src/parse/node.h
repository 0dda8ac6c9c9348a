/*
 * node.h - the neutral document tree every loader of cloudward reads: YAML
 * (and JSON, which the YAML parser also reads) becomes maps, sequences and
 * scalars, each carrying the 1-based line and column where it starts, so any
 * later check can point a user at the exact place in the file.
 *
 * Trees live in an arena owned by the caller and die with it.
 */
#ifndef CW_PARSE_NODE_H
#define CW_PARSE_NODE_H

#include "../core/core.h"

enum cw__node_kind {
    CW__NODE_SCALAR,
    CW__NODE_MAP,
    CW__NODE_SEQ
};

/* The JSON type of a scalar: exact for JSON; for YAML, plain scalars are
 * resolved with the YAML 1.2 core schema and quoted ones are strings. */
enum cw__scalar_type {
    CW__T_STRING,
    CW__T_NUMBER,
    CW__T_TRUE,
    CW__T_FALSE,
    CW__T_NULL
};

struct cw__node {
    enum cw__node_kind kind;
    enum cw__scalar_type type; /* scalars only */
    double num;       /* CW__T_NUMBER: the value */
    bool plain;       /* scalar written without quotes or block style */
    const char *tag;  /* YAML: a local tag as written ("!Ref"), else NULL */
    const char *str;  /* scalar text, NUL-terminated ("" for containers) */
    size_t len;       /* bytes in str */
    unsigned line;    /* 1-based */
    unsigned col;     /* 1-based */
    size_t n;         /* SEQ: items; MAP: pairs */
    struct cw__node **kids; /* SEQ: n items; MAP: key0,val0,key1,val1,... */
};

/* Caps that stop hostile input (a 10,000-level nesting, a huge file). */
struct cw__yaml_limits {
    unsigned max_depth;  /* nesting of maps and sequences */
    size_t max_bytes;    /* arena bytes for the tree */
    bool multi_doc;      /* YAML: accept a stream of documents; the root is
                            then a sequence of them (Kubernetes, Helm) */
};

#define CW__YAML_DEFAULT_DEPTH 64
#define CW__YAML_DEFAULT_BYTES ((size_t)64 << 20)

/*
 * Parses one YAML document from `buf` into a tree allocated in `arena`.
 * `name` is the file name used in diagnostics. Aliases are refused (no
 * alias bombs), as are duplicate keys in a map and more than one document.
 * An empty document gives a plain empty scalar. On error returns CW_EPARSE
 * (malformed), CW_ELIMIT (a cap) or CW_ENOMEM, with `d` set to the position
 * and what was expected. `limits` may be NULL for the defaults.
 */
enum cw_status cw__yaml_parse(struct cw__arena *arena, const char *name,
                              const char *buf, size_t len,
                              const struct cw__yaml_limits *limits,
                              struct cw__node **root, struct cw_diag *d);

/*
 * Parses one JSON text (RFC 8259) from `buf` into the same tree, with the
 * line and column of every value and key. Strings are unescaped to UTF-8
 * (surrogate pairs joined); invalid UTF-8, control characters in strings,
 * a byte order mark of UTF-16/32, trailing data and nesting deeper than
 * `limits->max_depth` are refused with their position, and so is a member
 * name given twice in one object (readers disagree on which counts).
 * Errors as cw__yaml_parse.
 */
enum cw_status cw__json_parse(struct cw__arena *arena, const char *name,
                              const char *buf, size_t len,
                              const struct cw__yaml_limits *limits,
                              struct cw__node **root, struct cw_diag *d);

/*
 * A streaming cursor over one JSON text, for documents too large to hold
 * as a tree (a 1 GB Terraform plan): walk the outer structure with
 * _enter/_next, skip what is not needed (still fully validated), and build
 * a tree only for the values wanted, each into an arena the caller can
 * release before the next. Positions stay exact throughout.
 *
 * _next moves to the next member (its decoded key in *key, valid until
 * the next call) or element of the innermost entered container, or leaves
 * the container with *more = false. Errors carry FILE:LINE:COL.
 */
struct cw__jcur;
enum cw_status cw__jcur_new(const char *name, const char *buf, size_t len,
                            struct cw__jcur **out, struct cw_diag *d);
void cw__jcur_free(struct cw__jcur *c);
enum cw_status cw__jcur_enter(struct cw__jcur *c, bool object);
enum cw_status cw__jcur_next(struct cw__jcur *c, const char **key,
                             bool *more);
enum cw_status cw__jcur_skip(struct cw__jcur *c);
enum cw_status cw__jcur_build(struct cw__jcur *c, struct cw__arena *a,
                              struct cw__node **out);
/*
 * A value's place in the text, for parsing it later (on another thread):
 * where it starts, its length, and the nesting around it.
 */
struct cw__jspan {
    const char *p;
    char *own;   /* p, when the text is the parse's to change (a copy):
                    cw__json_parse_span then leaves plain strings in it,
                    NUL-ended, rather than copy them; else NULL */
    size_t len;
    unsigned line, col, depth;
};
/* Moves past the next value without validating it (strings, escapes and
 * brackets only; several times the speed of _skip) and says where it is;
 * a value that never closes runs to the end of the text. Parse it with
 * cw__json_parse_span, which validates it. In malformed text the span
 * may end early or late: the document's first error is then the earliest
 * of the span's parse error and the cursor's next ones, the span's on a
 * tie (fuzz_json checks this against whole-text parses). */
enum cw_status cw__jcur_span(struct cw__jcur *c, struct cw__jspan *out);
/*
 * The same, reading a large container from `fd`, the file whose mapping
 * the cursor's text is (from its first byte), through a reused buffer of
 * `window` bytes (0: CW__SPAN_WINDOW; a multiple of 64) rather than
 * through the mapping: on a machine where first touching a mapped page is
 * dear (a VM's shadow page tables: 70 ms for a 186 MB plan) the pages stay
 * untouched for a later pass. Values shorter than the window, fd -1 and
 * read errors (from there on) go through memory.
 */
#define CW__SPAN_WINDOW ((size_t)1 << 20)
/* Tests: true makes span reading use the baseline (SSE2) code even where
 * the CPU has AVX2. */
extern bool cw__span_baseline_only;
/* Values at least this long are spanned through a file with a thread
 * reading the next window ahead (tests make it small). */
extern size_t cw__span_ahead_min;
enum cw_status cw__jcur_span_file(struct cw__jcur *c, int fd, size_t window,
                                  struct cw__jspan *out);
/*
 * Spans of the array elements that follow, read from `fd` (as _span_file)
 * into w[0, cap) rather than through the mapping: the objects, up to
 * `max` of them, that lie whole within `cap` bytes from the cursor, each
 * well separated from the last. The spans point into `w`. The cursor
 * moves past them, reading nothing through the mapping, and stops before
 * anything else: the array's ']', an element that is not an object or
 * does not fit, a malformed separator, a read error. Its next steps
 * (_next, _span) then go on as if the elements had been spanned one by
 * one, errors included. *n may be 0; *full says the run stopped for
 * want of room in `w` (the next element may fit in an empty buffer). The
 * cursor must be inside an array.
 */
#define CW__SPAN_READ ((size_t)64 << 10) /* bytes read at a time */
void cw__jcur_span_run(struct cw__jcur *c, int fd, char *w, size_t cap,
                       struct cw__jspan *out, size_t max, size_t *n,
                       bool *full);
/* What a parse keeps from one span to the next: its children stack, and
 * the member names it copied, to share them (a plan repeats the same few
 * hundred names). The names are in the arena the spans were parsed into:
 * a scratch serves spans of one arena only, and is released (or zeroed)
 * before that arena is reset. */
struct cw__jkeys;
struct cw__jscratch {
    struct cw__node **v;
    size_t alloc;
    struct cw__jkeys *keys;
};
void cw__jscratch_release(struct cw__jscratch *s);
/* Parses a span (strictly, as cw__json_parse) into a tree whose
 * positions are the document's; the depth limit counts the nesting
 * around the span. Errors as cw__json_parse. */
enum cw_status cw__json_parse_span(struct cw__arena *arena, const char *name,
                                   const struct cw__jspan *span,
                                   struct cw__jscratch *scratch,
                                   struct cw__node **root, struct cw_diag *d);
/* After the outermost value: only blanks may follow. */
enum cw_status cw__jcur_finish(struct cw__jcur *c);
unsigned cw__jcur_line(const struct cw__jcur *c);
/* Where the cursor is in the text: everything before it has been read. */
const char *cw__jcur_pos(const struct cw__jcur *c);

/* The value of `key` in map `m`, or NULL (also when `m` is not a map). */
const struct cw__node *cw__node_get(const struct cw__node *m,
                                    const char *key);

/* A deep copy of `n` in `a` (tags dropped); NULL when out of memory. */
struct cw__node *cw__node_copy(struct cw__arena *a, const struct cw__node *n);

/* The values of keys[0..n) in map `m` into out[0..n), as cw__node_get
 * gives them (the first member of that name, or NULL), in one pass over
 * the map: for reading several members of every resource. */
void cw__node_fields(const struct cw__node *m, const char *const *keys,
                     const struct cw__node **out, size_t n);

/* The string node `v` holds; NULL when `v` is NULL, empty or not a
 * string. */
const char *cw__node_string(const struct cw__node *v);

/* The string value of `key` in map `m`; NULL when missing, empty or not
 * a string. */
const char *cw__node_str(const struct cw__node *m, const char *key);

/* True for a plain scalar meaning null: "", "~", "null", "Null", "NULL". */
bool cw__node_is_null(const struct cw__node *n);

/*
 * Schema helpers: each checks one expectation and, when it fails, fills `d`
 * with "FILE:LINE:COL: expected ..." and returns CW_ESCHEMA.
 */
enum cw_status cw__node_expect(const struct cw__node *n,
                               enum cw__node_kind kind, const char *file,
                               const char *what, struct cw_diag *d);

/* Refuses keys of map `m` that are not in the NULL-terminated `allowed`. */
enum cw_status cw__node_check_keys(const struct cw__node *m,
                                   const char *const *allowed,
                                   const char *file, struct cw_diag *d);

/* Fetches the string value of `key`; a missing key leaves *out untouched
 * unless `required`, in which case the map's position is reported. A null
 * value counts as missing. */
enum cw_status cw__node_get_str(const struct cw__node *m, const char *key,
                                bool required, const char *file,
                                const char **out, struct cw_diag *d);

/* Reads a boolean (true/false, yes/no) from a plain scalar. */
enum cw_status cw__node_bool(const struct cw__node *n, const char *file,
                             bool *out, struct cw_diag *d);

/* Reads a scalar that must be one of the NULL-terminated `values`;
 * *index receives its position. */
enum cw_status cw__node_enum(const struct cw__node *n,
                             const char *const *values, const char *file,
                             const char *what, size_t *index,
                             struct cw_diag *d);

#endif
