/*
 * cw_monitor.h - continuous monitoring (docs/monitoring.md): what
 * `cloudward serve --monitor FILE` runs on schedules, and the sweep that
 * turns drift into alerts (cw_alert.h).
 *
 * The monitor's file (YAML):
 *
 *   schedules:
 *     - name: plan              # 1 to 64 of a-z, 0-9, '-'
 *       cron: "*" "/15 * * * *"   (one string: cw_cron.h's syntax, UTC)
 *       scan: aws               # a config scan with this built-in pack
 *       paths: [/srv/ci/plan.json]   # files CI exports (plans,
 *                                    # templates, manifests)
 *     - name: sweep
 *       cron: "0 * * * *"
 *       sweep: true             # drift, evidence and register deadlines,
 *                               # assurance, silent agents -> alerts
 *     - name: checkpoint
 *       cron: "0 0 * * *"
 *       checkpoint: true        # a signed checkpoint of the ledger
 *   alerts:
 *     fail_on: medium           # drift at or above this opens an alert
 *     within_days: 30           # "expiring" means within this many days
 *     smtp: smtp://127.0.0.1:25 # an SMTP relay (smtp:// or smtps://)
 *     mail_from: cloudward@example.com
 *     mail_to: [soc@example.com]
 *     syslog: unix:/dev/log     # or udp:HOST:PORT; RFC 5424 messages
 *
 * Every error names the file, line and column and what was expected.
 */
#ifndef CLOUDWARD_CW_MONITOR_H
#define CLOUDWARD_CW_MONITOR_H

#include <stdbool.h>
#include <stddef.h>

#include <cloudward/cw_access.h>
#include <cloudward/cw_checks.h>
#include <cloudward/cw_core.h>
#include <cloudward/cw_cron.h>
#include <cloudward/cw_export.h>
#include <cloudward/cw_soa.h>
#include <cloudward/cw_status.h>

#ifdef __cplusplus
extern "C" {
#endif

enum cw_job_kind { CW_JOB_SCAN, CW_JOB_SWEEP, CW_JOB_CHECKPOINT };

struct cw_job {
    const char *name;
    const char *cron;        /* as written */
    struct cw_cron when;
    enum cw_job_kind kind;
    const char *pack;        /* CW_JOB_SCAN: a built-in config pack */
    const char *const *paths; /* CW_JOB_SCAN: the documents */
    size_t npaths;
};

struct cw_monitor_alerts {
    enum cw_severity fail_on; /* default medium */
    int within_days;          /* default 30 */
    const char *smtp;         /* NULL: no e-mail */
    const char *mail_from;
    const char *const *mail_to;
    size_t nmail_to;
    const char *syslog;       /* NULL: no syslog; "unix:PATH", "udp:H:P" */
};

struct cw_monitor_config;

/* Reads the monitor's file at `path` (or text buf[0..len) named `name`). */
CW_API enum cw_status cw_monitor_config_load(const char *path,
                                             struct cw_monitor_config **out,
                                             struct cw_diag *d);
CW_API enum cw_status cw_monitor_config_parse(const char *name,
                                              const char *buf, size_t len,
                                              struct cw_monitor_config **out,
                                              struct cw_diag *d);
CW_API void cw_monitor_config_free(struct cw_monitor_config *c);
CW_API size_t cw_monitor_job_count(const struct cw_monitor_config *c);
CW_API const struct cw_job *cw_monitor_job_at(const struct cw_monitor_config *c,
                                             size_t i);
CW_API const struct cw_monitor_alerts *
cw_monitor_alert_options(const struct cw_monitor_config *c);

/* What a sweep did. */
struct cw_sweep {
    size_t findings;  /* drift items and silent agents seen */
    size_t opened;    /* new alerts */
    size_t refreshed; /* alerts still open, seen again */
    size_t resolved;  /* alerts whose finding is gone */
};

/*
 * One sweep at `now` (Unix seconds): the drift of `soa` (built with
 * `store`, dated today) over the last two days, and every agent's state,
 * compared with the alerts: a finding at or above o->fail_on raises its
 * alert (cw_alert_raise, by `actor`); a check fixed, evidence renewed,
 * assurance or a duty no longer found, an agent reporting again or
 * revoked resolves the alert it had raised. `a` may be NULL (no access
 * tables: nothing is raised, the findings are counted).
 */
CW_API enum cw_status cw_monitor_sweep(struct cw_access *a,
                                       const struct cw_soa *soa,
                                       const char *store,
                                       const struct cw_monitor_alerts *o,
                                       long long now, const char *actor,
                                       struct cw_sweep *out,
                                       struct cw_diag *d);

#ifdef __cplusplus
}
#endif
#endif
