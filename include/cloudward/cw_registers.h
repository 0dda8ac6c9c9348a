/*
 * cw_registers.h - the records ISO/IEC 27018 asks a public-cloud PII
 * processor to keep, and the duties they carry over time
 * (docs/registers.md): where customers' PII lives, sub-processors and
 * their change notices, disclosure requests, breaches, customers'
 * instructions, return and disposal at a contract's end, erasure of
 * temporary files, PII principals' requests passed on, restorations and
 * reviews of authorised users; and each customer's contract terms, whose
 * time zone and periods set the deadlines.
 *
 * Records are kept in the store's access tables, beside the tenants they
 * concern. Every change is a new version and a ledger entry that names
 * the record, its version and the SHA-256 of its body, never its text
 * (free text may hold personal data). Deadlines are data: loading the
 * registers at an instant computes every open duty, its due time and
 * whether it is a finding.
 */
#ifndef CLOUDWARD_CW_REGISTERS_H
#define CLOUDWARD_CW_REGISTERS_H

#include <stdbool.h>
#include <stddef.h>

#include <cloudward/cw_access.h>
#include <cloudward/cw_core.h>
#include <cloudward/cw_export.h>
#include <cloudward/cw_status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The registers, by the name the CLI and the API use. */
#define CW_REGISTER_MAP(X)                                                    \
    X(CONTRACTS, "contracts")                                                 \
    X(LOCATIONS, "locations")                                                 \
    X(SUBPROCESSORS, "subprocessors")                                         \
    X(DISCLOSURES, "disclosures")                                             \
    X(BREACHES, "breaches")                                                   \
    X(INSTRUCTIONS, "instructions")                                           \
    X(RETURNS, "returns")                                                     \
    X(TEMP_ERASURE, "temp-erasure")                                           \
    X(PRINCIPAL_REQUESTS, "principal-requests")                               \
    X(RESTORATIONS, "restorations")                                           \
    X(USER_RECORDS, "user-records")

enum cw_register {
#define CW__REG_ENUM(name, str) CW_REG_##name,
    CW_REGISTER_MAP(CW__REG_ENUM)
#undef CW__REG_ENUM
        CW_REG_COUNT
};

/* "breaches"; NULL when out of range. */
CW_API const char *cw_register_name(enum cw_register r);
CW_API bool cw_register_parse(const char *s, enum cw_register *out);
/* One line saying what it records. */
CW_API const char *cw_register_title(enum cw_register r);

/* A control a register evidences: `drives` when the register's state
 * (its findings) speaks for the control's status in the SoA; otherwise
 * the register is evidence the line points at. */
struct cw_register_link {
    const char *catalog; /* "iso27018:2019", "iso27002:2022" */
    const char *control; /* "A.10.1", "5.26" */
    bool drives;
};
/* The controls register `r` evidences, *n of them. */
CW_API const struct cw_register_link *cw_register_links(enum cw_register r,
                                                        size_t *n);

/* ---- input --------------------------------------------------------------- */

/* Records read from a file or from flags, validated and normalised. */
struct cw_reg_input;

/*
 * Reads the JSON or YAML text buf[0..len) named `name`: one record (a map
 * with an "id") or a map with "records", a list of them, and optionally
 * "register" naming the register (it must agree with `r` when r is not
 * -1; with r -1 it is required). Each record is checked against its
 * register's fields: unknown fields, missing required ones, times that
 * are not RFC 3339, a customer id that is not an id, and so on are
 * refused with FILE:LINE:COL and what was expected (CW_EPARSE, CW_EINVAL).
 * Nothing is kept of a file with one bad record.
 */
CW_API enum cw_status cw_reg_input_read(const char *name, const char *buf,
                                        size_t len, int r,
                                        struct cw_reg_input **out,
                                        struct cw_diag *d);
/*
 * One record of register `r` from n field names and values given on a
 * command line: lists are comma-separated, booleans true or false; fields
 * that hold lists of objects (a breach's notifications) are given as
 * JSON. An error names the field ("--confirmed: ..."). The fields may
 * be some of a record's (an update's): required fields and the rules
 * across fields are checked when the record is saved, on the whole.
 */
CW_API enum cw_status cw_reg_input_fields(enum cw_register r,
                                          const char *const *names,
                                          const char *const *values,
                                          size_t n,
                                          struct cw_reg_input **out,
                                          struct cw_diag *d);
/* A resource a config scan found PII may live in (cw_config_options'
 * on_location). */
struct cw_pii_location {
    const char *address; /* "aws_s3_bucket.notes" */
    const char *type;    /* "aws_s3_bucket" */
    const char *region;  /* "eu-west-1" */
};
/*
 * Locations records for what a config scan found (`scan config
 * --record-locations`): one per resource address (id: its readable part
 * and 12 hex of its SHA-256), system its address, purpose from its type
 * (compute instances, virtual machines and functions process; backups
 * and snapshots back up; the rest store), country from the region
 * (cw_region_country), `customers` (comma-separated tenant ids; NULL or
 * "": "*") and `source` (what was scanned). A resource whose region has
 * no country here is left out and counted in *skipped.
 */
CW_API enum cw_status cw_reg_input_locations(
    const struct cw_pii_location *locs, size_t n, const char *customers,
    const char *source, struct cw_reg_input **out, size_t *skipped,
    struct cw_diag *d);
/* ISO 3166-1 alpha-2 country of an AWS, Azure ("westeurope" or "West
 * Europe") or Google Cloud region; NULL when not known. */
CW_API const char *cw_region_country(const char *region);
CW_API void cw_reg_input_free(struct cw_reg_input *in);
CW_API enum cw_register cw_reg_input_register(const struct cw_reg_input *in);
CW_API size_t cw_reg_input_count(const struct cw_reg_input *in);
/* The i-th record's id ("" when given none: update needs one) and its
 * body as canonical JSON (members in the register's order, times as
 * written but validated). */
CW_API const char *cw_reg_input_id(const struct cw_reg_input *in, size_t i);
CW_API const char *cw_reg_input_json(const struct cw_reg_input *in,
                                     size_t i);

/* ---- the store ------------------------------------------------------------ */

enum cw_reg_mode {
    CW_REG_ADD,    /* a new record: CW_EEXIST when the id is taken */
    CW_REG_UPDATE, /* its fields given replace the latest version's */
    CW_REG_UPSERT  /* add, or replace the latest version with the record
                      given when it exists and differs (an import) */
};

/*
 * Saves record `id` of register `r` with body `json` (from
 * cw_reg_input_json) as a new version, in one transaction with its
 * ledger entries (register.add / register.update): one for each
 * customer the record concerns, under that tenant, so that each
 * customer's own log shows it; one for the provider when it names none
 * or every customer ("*"); none under a customer for a disclosure
 * request the law forbids telling it of. Every customer named must be a
 * tenant of the store. A sub-processor added or changed in what it does,
 * where or for whom opens a change notice: `notified` is set to `now`
 * unless given, each user of each customer concerned gets a notice, and
 * each such customer's webhook a delivery. *version gets
 * the new version; *changed is false (and nothing is written) when an
 * update or upsert changes nothing. CW_ENOENT for an update of a record
 * that does not exist; CW_EINVAL for a closed one.
 */
CW_API enum cw_status cw_register_put(struct cw_access *a,
                                      enum cw_register r, const char *id,
                                      const char *json, enum cw_reg_mode mode,
                                      const char *actor, long long now,
                                      long long *version, bool *changed,
                                      struct cw_diag *d);

/*
 * Saves every record of `in` as cw_register_put does, all in one
 * transaction: one that fails saves none. `id`, when not NULL, names the
 * one record `in` must hold (its own id is then ignored: update ID).
 * counts[0] gets the records added, [1] updated, [2] unchanged.
 */
CW_API enum cw_status cw_register_put_input(struct cw_access *a,
                                            const struct cw_reg_input *in,
                                            enum cw_reg_mode mode,
                                            const char *id,
                                            const char *actor, long long now,
                                            size_t counts[3],
                                            struct cw_diag *d);

/* The same for the records of n inputs (the files of a folder), all in
 * one transaction: one that fails saves none; counts[i] for ins[i]. */
CW_API enum cw_status cw_register_put_all(
    struct cw_access *a, const struct cw_reg_input *const *ins, size_t n,
    enum cw_reg_mode mode, const char *id, const char *actor, long long now,
    size_t (*counts)[3], struct cw_diag *d);

/* Closes record `id` (a new version, closed: register.close). Its open
 * duties end; what it recorded stays. */
CW_API enum cw_status cw_register_close(struct cw_access *a,
                                        enum cw_register r, const char *id,
                                        const char *actor, long long now,
                                        struct cw_diag *d);

/* A record at one version as a reader may see it. */
struct cw_reg_record {
    enum cw_register reg;
    const char *id;
    long long version;
    bool closed;
    long long recorded; /* Unix seconds */
    const char *actor;
    const char *sha256; /* of the body as stored */
    const char *json;   /* the body; for a tenant, its own view */
};

/*
 * Each record of register `r` (-1: every register) at its latest
 * version, by register and id; with `history`, every version, oldest
 * first. With `tenant` (a customer reading), only the records that name
 * it or every customer, each cut to that customer's view: other
 * customers' ids, their notifications and objections, and the free text
 * of a record that concerns others too are left out.
 */
CW_API enum cw_status cw_register_each(struct cw_access *a, int r,
                                       const char *id, const char *tenant,
                                       bool history,
                                       int (*fn)(void *arg,
                                                 const struct cw_reg_record *c),
                                       void *arg, struct cw_diag *d);

/* ---- duties and findings ----------------------------------------------- */

/* One duty a record carries, open or not met. */
struct cw_duty {
    enum cw_register reg;
    const char *record;   /* its id */
    const char *customer; /* the customer it is owed to, or NULL */
    const char *control;  /* the iso27018:2019 control it evidences */
    const char *what;     /* one sentence; never the records' free text */
    long long due;        /* Unix seconds; 0: no deadline (a rule broken) */
    const char *zone;     /* the time zone its deadline is counted in */
    bool finding;         /* overdue, met late, or a rule broken */
};

/* The instant `s` names for judging deadlines: an RFC 3339 time, or a
 * date YYYY-MM-DD meaning the last second of that day (UTC). False when
 * it is neither. */
CW_API bool cw_registers_instant(const char *s, long long *out);

/* The registers' state at one instant. */
struct cw_registers;

/*
 * Loads the latest version of every record (for `tenant`: what that
 * customer may see) and computes, at `now`, each open duty and each
 * finding, ordered by due time (findings without one first). `store`
 * may hold no registers yet: that gives an empty state.
 */
CW_API enum cw_status cw_registers_load(const char *store,
                                        const char *tenant, long long now,
                                        struct cw_registers **out,
                                        struct cw_diag *d);
/* The same on access tables already open. */
CW_API enum cw_status cw_registers_load_open(struct cw_access *a,
                                             const char *tenant,
                                             long long now,
                                             struct cw_registers **out,
                                             struct cw_diag *d);
CW_API void cw_registers_free(struct cw_registers *g);

CW_API size_t cw_registers_duty_count(const struct cw_registers *g);
CW_API const struct cw_duty *cw_registers_duty_at(
    const struct cw_registers *g, size_t i);
/* Records of register `r` loaded (open and closed). */
CW_API size_t cw_registers_record_count(const struct cw_registers *g,
                                        enum cw_register r);
/*
 * What the registers say about control `control` of `catalog`: one or
 * more sentences ("breaches: 2 in the last 12 months, all notified in
 * time."), or NULL when no register evidences it; *findings gets the
 * findings among its duties (0 when none).
 */
CW_API const char *cw_registers_state(const struct cw_registers *g,
                                      const char *catalog,
                                      const char *control, size_t *findings);

/* ---- writing them out -------------------------------------------------- */

/*
 * Writes register `r`'s records (latest versions; for `tenant`, its own
 * view) in format `f` (cw_report.h: table, csv, md, html, json, xlsx) to
 * `path`, or to standard output when NULL (not for xlsx). A row per
 * record: id, version, state, when and by whom recorded, SHA-256, then
 * each field (lists joined by "; "); JSON carries each record's body as
 * it is. Records with a finding at `now` are flagged (red in html and
 * xlsx).
 */
CW_API enum cw_status cw_register_write(struct cw_access *a,
                                        enum cw_register r,
                                        const char *tenant, long long now,
                                        int format, const char *path,
                                        struct cw_diag *d);

/*
 * Writes the duties of `g` that are findings or due before `until` (0:
 * every one), in format `f`, to `path` or standard output; *overdue gets
 * how many are findings.
 */
CW_API enum cw_status cw_duties_write(const struct cw_registers *g,
                                      long long until, int format,
                                      const char *path, size_t *overdue,
                                      struct cw_diag *d);

#ifdef __cplusplus
}
#endif
#endif
