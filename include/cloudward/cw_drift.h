/*
 * cw_drift.h - what drifted since a date or a run (docs/drift.md): checks
 * newly failing or fixed, per resource; evidence expired or expiring;
 * assurance lapsed or lapsing, the organisation's own and its providers';
 * 27018 register duties overdue; decisions changed; new resources of a
 * config scan that no check of its pack knows. Every item comes from
 * data the store already holds (runs, the ledger, the registers), judged
 * on the SoA's date.
 */
#ifndef CLOUDWARD_CW_DRIFT_H
#define CLOUDWARD_CW_DRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cloudward/cw_checks.h>
#include <cloudward/cw_core.h>
#include <cloudward/cw_soa.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CW_DRIFT_MAP(X)                                                       \
    X(CHECK_FAILING, "check-failing")   /* fails now, did not then */        \
    X(CHECK_FIXED, "check-fixed")       /* failed then, does not now */      \
    X(EVIDENCE_EXPIRED, "evidence-expired")                                   \
    X(EVIDENCE_EXPIRING, "evidence-expiring")                                 \
    X(ASSURANCE_LAPSED, "assurance-lapsed")                                   \
    X(ASSURANCE_EXPIRING, "assurance-expiring")                               \
    X(DUTY_OVERDUE, "duty-overdue")     /* a 27018 register finding */       \
    X(DECISION_CHANGED, "decision-changed")                                   \
    X(RESOURCE_UNCOVERED, "resource-uncovered") /* new, no check knows it */

enum cw_drift_kind {
#define CW__DRIFT_ENUM(name, str) CW_DRIFT_##name,
    CW_DRIFT_MAP(CW__DRIFT_ENUM)
#undef CW__DRIFT_ENUM
        CW_DRIFT_COUNT
};

/* One thing that drifted. Strings are NULL when they do not apply. */
struct cw_drift_item {
    enum cw_drift_kind kind;
    enum cw_severity severity; /* fixed checks and decisions: info */
    const char *subject;  /* "debian-12 on /: ssh-root-login", a file, a
                             certificate, "breaches br-2026-12" */
    const char *control;  /* "CATALOG ID" it concerns, or NULL */
    const char *what;     /* one sentence */
    const char *when;     /* when it happened or falls due (ISO 8601) */
};

struct cw_drift_options {
    const struct cw_soa *soa; /* built with the store: its date is "now" */
    const char *store;
    const char *since;    /* YYYY-MM-DD: drift after the end of that day */
    int64_t since_run;    /* > 0 instead: drift after that run (its kind,
                             pack and target only, for checks) */
    int within_days;      /* "expiring" window; <= 0: 30 */
};

struct cw_drift;

/* Finds the drift; free *out with cw_drift_free(). Items are ordered by
 * severity (highest first), then kind, then subject. CW_EINVAL for a
 * malformed date or an unknown run. */
CW_API enum cw_status cw_drift_find(const struct cw_drift_options *o,
                                    struct cw_drift **out,
                                    struct cw_diag *d);
CW_API size_t cw_drift_count(const struct cw_drift *x);
CW_API const struct cw_drift_item *cw_drift_at(const struct cw_drift *x,
                                               size_t i);
CW_API void cw_drift_free(struct cw_drift *x);
/* "check-failing", ...; NULL when out of range. */
CW_API const char *cw_drift_kind_name(enum cw_drift_kind k);

#ifdef __cplusplus
}
#endif
#endif
