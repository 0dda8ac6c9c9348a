/*
 * fuzz_monitor.c - libFuzzer target for the monitor's file
 * (src/monitor/config.c), which `cloudward serve --monitor` and
 * `cloudward monitor check` read.
 *
 * Whatever the input: no crash, leak or overrun; a refusal carries a
 * message. An accepted file's schedules each have a name, a cron
 * expression whose next run is a matching minute (or none within five
 * years), and exactly what their kind needs (a scan: its pack and
 * paths); its alert options are in range.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cloudward/cloudward.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cw_monitor_config *c = NULL;
    const struct cw_monitor_alerts *o;
    struct cw_diag d;
    size_t i;

    cw_diag_clear(&d);
    if (cw_monitor_config_parse("monitor.yaml", (const char *)data, size, &c,
                                &d)) {
        if (!d.msg[0])
            abort();
        return 0;
    }
    for (i = 0; i < cw_monitor_job_count(c); i++) {
        const struct cw_job *j = cw_monitor_job_at(c, i);
        long long t = cw_cron_next(&j->when, 1796601600LL);
        if (!j->name || !*j->name || !j->cron)
            abort();
        if (t != -1 && (t <= 1796601600LL || t % 60 != 0))
            abort();
        if ((j->kind == CW_JOB_SCAN) != (j->pack != NULL) ||
            (j->kind == CW_JOB_SCAN) != (j->npaths > 0))
            abort();
    }
    o = cw_monitor_alert_options(c);
    if (o->within_days < 1 || o->within_days > 365 ||
        (unsigned)o->fail_on >= CW_SEVERITY_COUNT ||
        (o->smtp && (!o->mail_from || !o->nmail_to)))
        abort();
    cw_monitor_config_free(c);
    return 0;
}
