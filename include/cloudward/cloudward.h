/*
 * cloudward.h - the public API of libcloudward, a compliance engine for
 * ISO/IEC 27017 (cloud security) and ISO/IEC 27018 (PII in public clouds).
 *
 * Data flows one way: catalogs + scope -> decisions -> SoA and matrix ->
 * reports. Each part has its own header, all included here.
 */
#ifndef CLOUDWARD_CLOUDWARD_H
#define CLOUDWARD_CLOUDWARD_H

#include <cloudward/cw_access.h>
#include <cloudward/cw_agent.h>
#include <cloudward/cw_alert.h>
#include <cloudward/cw_monitor.h>
#include <cloudward/cw_drift.h>
#include <cloudward/cw_fields.h>
#include <cloudward/cw_portal.h>
#include <cloudward/cw_catalog.h>
#include <cloudward/cw_checks.h>
#include <cloudward/cw_cron.h>
#include <cloudward/cw_oscal.h>
#include <cloudward/cw_package.h>
#include <cloudward/cw_query.h>
#include <cloudward/cw_registers.h>
#include <cloudward/cw_core.h>
#include <cloudward/cw_ledger.h>
#include <cloudward/cw_report.h>
#include <cloudward/cw_runs.h>
#include <cloudward/cw_scope.h>
#include <cloudward/cw_score.h>
#include <cloudward/cw_soa.h>
#include <cloudward/cw_status.h>
#include <cloudward/cw_store.h>
#include <cloudward/cw_webhook.h>

#endif
