/*
 * registers.c - the SoA's lines from the 27018 registers
 * (cw_registers.h): the checks cell of each control a register drives
 * gets that register's state at the SoA's date ("breaches: 2 in the last
 * 12 months, all notified in time."), counting its findings in
 * `register_findings`; the evidence cell of every control a register is
 * linked to points at it ("register breaches (2 records)"). A store
 * without registers changes nothing.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cloudward/cw_registers.h>

#include "../registers/registers_internal.h"
#include "soa_internal.h"

static const char *append(struct cw__arena *a, const char *cell,
                          const char *sep, const char *s, bool *oom)
{
    const char *out = cell ? cw__arena_printf(a, "%s%s%s", cell, sep, s)
                           : cw__arena_strdup(a, s);
    if (!out)
        *oom = true;
    return out ? out : cell;
}

enum cw_status cw__soa_attach_registers(struct cw__arena *a,
                                        struct cw_soa_line *lines, size_t n,
                                        const struct cw_soa_options *opt,
                                        const char *as_of, bool today,
                                        struct cw_diag *d)
{
    struct cw_registers *g = NULL;
    enum cw_status st;
    long long now;
    bool oom = false;
    size_t i, k;
    int r;

    if (today)
        now = (long long)time(NULL);
    else if (!cw_registers_instant(as_of, &now))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "expected a date YYYY-MM-DD, found '%s'", as_of);
    /* as_recorded: the records as they stood at the end of the date */
    st = opt->access
             ? cw__registers_load_until(opt->access, opt->tenant, now,
                                        opt->as_recorded ? now : 0, &g, d)
             : cw__registers_load_store_until(opt->store, opt->tenant, now,
                                              opt->as_recorded ? now : 0, &g,
                                              d);
    if (st)
        return st;
    for (i = 0; i < n; i++) {
        struct cw_soa_line *l = &lines[i];
        const struct cw_control *c = l->control;
        size_t findings = 0;
        const char *state = cw_registers_state(g, c->catalog, c->id,
                                               &findings);
        if (state) {
            l->checks = append(a, l->checks, "; ", state, &oom);
            l->register_findings += findings;
        }
        for (r = 0; r < CW_REG_COUNT; r++) {
            size_t m, recs = cw_registers_record_count(
                           g, (enum cw_register)r);
            const struct cw_register_link *lk =
                cw_register_links((enum cw_register)r, &m);
            char ref[120];
            if (!recs)
                continue;
            for (k = 0; k < m; k++)
                if (strcmp(lk[k].catalog, c->catalog) == 0 &&
                    strcmp(lk[k].control, c->id) == 0)
                    break;
            if (k == m)
                continue;
            snprintf(ref, sizeof(ref), "register %s (%zu record%s)",
                     cw_register_name((enum cw_register)r), recs,
                     recs == 1 ? "" : "s");
            l->evidence = append(a, l->evidence, "; ", ref, &oom);
        }
    }
    cw_registers_free(g);
    return oom ? cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory")
               : CW_OK;
}
