/*
 * registers_internal.h - what the parts of the registers module share:
 * each register's fields (schema.c), the reading of records (input.c),
 * their storage (store.c) and their duties (duties.c).
 */
#ifndef CW_REGISTERS_INTERNAL_H
#define CW_REGISTERS_INTERNAL_H

#include <cloudward/cw_registers.h>

#include "../core/core.h"
#include "../parse/node.h"

/* The kinds of value a field holds. */
enum cw__ftype {
    CW__F_TEXT,    /* one line, up to 200 bytes; never personal data */
    CW__F_NOTE,    /* free text, up to 4 KiB, lines allowed: may hold
                      personal data, so never in the ledger and not shown
                      to a customer when the record concerns others too */
    CW__F_TENANT,  /* a customer: a tenant id */
    CW__F_TENANTS, /* customers: tenant ids, or ["*"] for every one */
    CW__F_TIME,    /* RFC 3339 time, or a date (the start of that day in
                      the customer's zone) */
    CW__F_DATE,    /* YYYY-MM-DD */
    CW__F_INT,     /* a whole number within [lo, hi] */
    CW__F_BOOL,
    CW__F_LIST,    /* strings, each as CW__F_TEXT; at most 64 */
    CW__F_ENUM,    /* one of `choices`, '|'-separated */
    CW__F_SHA256,  /* 64 lowercase hex digits */
    CW__F_COUNTRY, /* ISO 3166-1 alpha-2: two capital letters */
    CW__F_ZONE,    /* an IANA time zone name */
    CW__F_OBJS     /* a list of objects with fields `sub` (at most 256) */
};

#define CW__REQ 1u      /* required */
#define CW__MATERIAL 2u /* a sub-processor change customers are told of */

struct cw__field {
    const char *name;
    enum cw__ftype type;
    unsigned flags;
    long lo, hi;             /* CW__F_INT */
    const char *choices;     /* CW__F_ENUM */
    const struct cw__field *sub; /* CW__F_OBJS; ends with a NULL name */
    const char *help;        /* what it holds, for --help and errors */
};

struct cw__regdef {
    const char *name;
    const char *title;
    const struct cw__field *fields; /* ends with a NULL name */
    const struct cw_register_link *links;
    size_t nlinks;
    const char *customers; /* the field naming its customers, or NULL */
};

const struct cw__regdef *cw__regdef(enum cw_register r);
/* The field `name` of `fs`, or NULL. */
const struct cw__field *cw__field_find(const struct cw__field *fs,
                                       const char *name, size_t len);

/* Largest input file read: 16 MiB. */
#define CW__REG_INPUT_MAX ((size_t)16 << 20)

/*
 * Checks the map `m` as a record of `def` and appends its canonical JSON
 * to `out`: "id" first, then the fields in the schema's order. Errors
 * carry `file` and the node's position (line 0: a command line, the
 * field named instead).
 */
/* With `partial`, fields may be missing and the rules across fields
 * wait for the whole record (an update's flags). */
enum cw_status cw__record_check(const struct cw__regdef *def,
                                const char *file, const struct cw__node *m,
                                bool need_id, bool partial,
                                struct cw__buf *out, struct cw_diag *d);

/* A value of a parsed record: the node of member `name` of map m, or
 * NULL when absent (or null). */
const struct cw__node *cw__member(const struct cw__node *m,
                                  const char *name);
/* Its text, or NULL when absent. */
const char *cw__member_text(const struct cw__node *m, const char *name);

/* Parses stored canonical JSON into a tree in `a` (NULL when it does not
 * parse: a damaged row). */
const struct cw__node *cw__record_tree(struct cw__arena *a,
                                       const char *json);

/* Does `customer` appear among the customers of the tree's field? ("*"
 * matches every customer.) */
bool cw__names_customer(const struct cw__node *list, const char *customer);

/*
 * The registers as they stood at `until` (Unix seconds; 0: now): of each
 * record, the latest version recorded by then, none when it was recorded
 * later. For an audit package of a past date (src/package), whose SoA
 * reads them the same way (src/soa/registers.c, as_recorded). Otherwise
 * as cw_register_each, cw_registers_load[_open] and cw_register_write.
 */
enum cw_status cw__register_each_until(
    struct cw_access *a, int r, const char *id, const char *tenant,
    bool history, long long until,
    int (*fn)(void *arg, const struct cw_reg_record *c), void *arg,
    struct cw_diag *d);
enum cw_status cw__registers_load_until(struct cw_access *a,
                                        const char *tenant, long long now,
                                        long long until,
                                        struct cw_registers **out,
                                        struct cw_diag *d);
enum cw_status cw__registers_load_store_until(const char *store,
                                              const char *tenant,
                                              long long now, long long until,
                                              struct cw_registers **out,
                                              struct cw_diag *d);
enum cw_status cw__register_write_until(struct cw_access *a,
                                        enum cw_register r,
                                        const char *tenant, long long now,
                                        long long until, int format,
                                        const char *path, struct cw_diag *d);

#endif
