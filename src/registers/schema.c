/*
 * schema.c - the registers and their fields: one table each, read by the
 * input checks, the CLI's --help and flags, the exports and the duties.
 * docs/registers.md says in prose what each field means; keep them in
 * step.
 */
#include <string.h>

#include "registers_internal.h"

#define END { NULL, CW__F_TEXT, 0, 0, 0, NULL, NULL, NULL }
#define F(n, t, fl, help) { n, t, fl, 0, 0, NULL, NULL, help }
#define I(n, fl, lo, hi, help) { n, CW__F_INT, fl, lo, hi, NULL, NULL, help }
#define E(n, fl, ch, help) { n, CW__F_ENUM, fl, 0, 0, ch, NULL, help }
#define O(n, fl, sub, help) { n, CW__F_OBJS, fl, 0, 0, NULL, sub, help }

#define L27018(id, drives) { "iso27018:2019", id, drives }
#define L2022(id) { "iso27002:2022", id, false }
#define LINKS(a) a, sizeof(a) / sizeof(a[0])

static const struct cw__field contracts[] = {
    F("customer", CW__F_TENANT, CW__REQ, "the customer (a tenant id)"),
    F("reference", CW__F_TEXT, 0, "the contract's reference"),
    F("time_zone", CW__F_ZONE, 0,
      "the zone its day periods are counted in (default UTC)"),
    F("allowed_regions", CW__F_LIST, 0,
      "regions where its PII may be stored or processed ('*' patterns)"),
    I("objection_days", 0, 0, 365,
      "days to object to a sub-processor change (default 30)"),
    I("breach_notify_hours", 0, 1, 72,
      "hours from a breach's confirmation to notifying it (default 72)"),
    I("disclosure_notify_days", 0, 0, 90,
      "days from a disclosure request to notifying it (default 3)"),
    I("principal_request_days", 0, 1, 90,
      "days to complete a PII principal's request passed on (default 30)"),
    I("return_days", 0, 1, 365,
      "days from a return request to delivering the export (default 30)"),
    I("disposal_days", 0, 1, 730,
      "days from the contract's end to disposing of its PII (default 90)"),
    F("start", CW__F_DATE, 0, "the contract's start"),
    F("end", CW__F_DATE, 0, "the contract's end"),
    END
};

static const struct cw__field locations[] = {
    F("system", CW__F_TEXT, CW__REQ, "the system or data store"),
    E("purpose", CW__REQ, "storage|processing|backup",
      "what happens to the PII there"),
    F("country", CW__F_COUNTRY, CW__REQ, "ISO 3166-1 alpha-2 country code"),
    F("region", CW__F_TEXT, CW__REQ, "the cloud region or site"),
    F("customers", CW__F_TENANTS, CW__REQ,
      "customers whose PII is there ('*': every customer)"),
    F("source", CW__F_TEXT, 0, "where this came from (a scan run, a survey)"),
    END
};

static const struct cw__field objections[] = {
    F("customer", CW__F_TENANT, CW__REQ, "the customer objecting"),
    F("received", CW__F_TIME, CW__REQ, "when the objection came in"),
    E("outcome", 0, "pending|upheld|withdrawn|rejected",
      "how it was resolved (default pending)"),
    F("resolved", CW__F_TIME, 0, "when it was resolved"),
    F("note", CW__F_NOTE, 0, "what was said (free text)"),
    END
};

static const struct cw__field subprocessors[] = {
    F("name", CW__F_TEXT, CW__REQ | CW__MATERIAL, "the sub-processor"),
    F("service", CW__F_TEXT, CW__REQ | CW__MATERIAL, "what it does for us"),
    F("pii_categories", CW__F_LIST, CW__REQ | CW__MATERIAL,
      "categories of PII it processes"),
    F("locations", CW__F_LIST, CW__REQ | CW__MATERIAL,
      "where it processes them (countries or regions)"),
    F("contract_ref", CW__F_TEXT, 0, "our contract with it"),
    F("start", CW__F_DATE, CW__REQ | CW__MATERIAL, "first day in use"),
    F("end", CW__F_DATE, 0, "last day in use"),
    F("customers", CW__F_TENANTS, CW__REQ | CW__MATERIAL,
      "customers whose PII it touches ('*': every customer)"),
    F("notified", CW__F_TIME, 0,
      "when the change notice went out (default: when saved)"),
    O("objections", 0, objections, "customers' objections"),
    END
};

static const struct cw__field disclosure_notices[] = {
    F("customer", CW__F_TENANT, CW__REQ, "the customer told"),
    F("at", CW__F_TIME, CW__REQ, "when"),
    END
};

static const struct cw__field disclosures_made[] = {
    F("what", CW__F_NOTE, CW__REQ, "what was disclosed (free text)"),
    F("to", CW__F_TEXT, CW__REQ, "to whom"),
    F("at", CW__F_TIME, CW__REQ, "when"),
    END
};

static const struct cw__field disclosures[] = {
    F("received", CW__F_TIME, CW__REQ, "when the request came in"),
    F("authority", CW__F_TEXT, CW__REQ, "who made it"),
    F("legal_basis", CW__F_TEXT, CW__REQ, "the law it invokes"),
    F("customers", CW__F_TENANTS, CW__REQ, "customers whose PII it seeks"),
    F("pii_categories", CW__F_LIST, 0, "categories of PII sought"),
    F("prohibited", CW__F_BOOL, 0,
      "true when the law forbids telling the customer"),
    F("prohibition_basis", CW__F_TEXT, 0, "the law that forbids it"),
    O("notifications", 0, disclosure_notices, "customers told, and when"),
    E("outcome", 0, "pending|refused|disclosed|partly-disclosed|withdrawn",
      "where it stands (default pending)"),
    O("disclosures", 0, disclosures_made, "each disclosure made"),
    END
};

static const struct cw__field breach_notices[] = {
    F("customer", CW__F_TENANT, CW__REQ, "the customer notified"),
    F("at", CW__F_TIME, CW__REQ, "when"),
    E("how", 0, "email|phone|portal|letter|other", "by what means"),
    END
};

static const struct cw__field breaches[] = {
    F("detected", CW__F_TIME, CW__REQ, "when it was detected"),
    F("confirmed", CW__F_TIME, 0,
      "when it was confirmed (starts the notification clock)"),
    F("customers", CW__F_TENANTS, CW__REQ, "customers whose PII is involved"),
    F("pii_categories", CW__F_LIST, CW__REQ, "categories of PII involved"),
    F("description", CW__F_NOTE, 0, "what happened (free text)"),
    O("notifications", 0, breach_notices, "customers notified, when, how"),
    F("measures", CW__F_NOTE, 0, "measures taken (free text)"),
    END
};

static const struct cw__field instructions[] = {
    F("customer", CW__F_TENANT, CW__REQ, "the customer instructing"),
    F("purposes", CW__F_LIST, CW__REQ, "the purposes it instructed"),
    F("marketing_use", CW__F_BOOL, 0,
      "true when its PII is used for marketing or advertising"),
    F("consent_at", CW__F_TIME, 0, "when it gave express consent to that"),
    F("consent_ref", CW__F_TEXT, 0, "where that consent is recorded"),
    END
};

static const struct cw__field manifest[] = {
    F("file", CW__F_TEXT, CW__REQ, "a file delivered"),
    F("sha256", CW__F_SHA256, CW__REQ, "its SHA-256"),
    END
};

static const struct cw__field returns[] = {
    F("customer", CW__F_TENANT, CW__REQ, "the customer leaving"),
    F("contract_end", CW__F_DATE, CW__REQ, "the contract's last day"),
    F("requested", CW__F_TIME, 0, "when it asked for its data back"),
    F("export_delivered", CW__F_TIME, 0, "when the export was delivered"),
    O("manifest", 0, manifest, "the files delivered"),
    F("production_disposed", CW__F_TIME, 0,
      "when its PII was disposed of in production"),
    F("backups_disposed", CW__F_TIME, 0,
      "when its PII was disposed of in backups"),
    F("backup_expiry", CW__F_DATE, 0, "when the last backup holding it expires"),
    F("method", CW__F_TEXT, 0, "how it was disposed of"),
    F("disposed_by", CW__F_TEXT, 0, "who did it"),
    F("certificate", CW__F_TEXT, 0, "the certificate of disposal"),
    END
};

static const struct cw__field temp_erasure[] = {
    F("system", CW__F_TEXT, CW__REQ, "where temporary files are made"),
    I("every_days", CW__REQ, 1, 366, "how often they are erased"),
    F("last_run", CW__F_TIME, 0, "when they were last erased"),
    F("method", CW__F_TEXT, 0, "how"),
    END
};

static const struct cw__field principal_requests[] = {
    F("customer", CW__F_TENANT, CW__REQ, "the customer passing it on"),
    E("kind", CW__REQ,
      "access|rectification|erasure|portability|restriction|objection",
      "what the person asks"),
    F("received", CW__F_TIME, CW__REQ, "when the customer passed it on"),
    F("due", CW__F_TIME, 0, "when it is due (default: by the contract)"),
    F("completed", CW__F_TIME, 0, "when our part was done"),
    END
};

static const struct cw__field restorations[] = {
    F("at", CW__F_TIME, CW__REQ, "when the data was restored"),
    F("by", CW__F_TEXT, CW__REQ, "who restored it"),
    F("customers", CW__F_TENANTS, CW__REQ, "customers whose data it was"),
    F("what", CW__F_NOTE, CW__REQ, "what was restored (free text)"),
    F("why", CW__F_NOTE, CW__REQ, "why (free text)"),
    F("approved_by", CW__F_TEXT, 0, "who approved it"),
    END
};

static const struct cw__field user_records[] = {
    F("system", CW__F_TEXT, CW__REQ, "the system whose users are recorded"),
    I("users", CW__REQ, 0, 10000000, "authorised users at the review"),
    F("reviewed", CW__F_TIME, CW__REQ, "when the record was reviewed"),
    F("reviewer", CW__F_TEXT, CW__REQ, "who reviewed it"),
    I("every_days", 0, 1, 366, "days between reviews (default 90)"),
    END
};

static const struct cw_register_link l_contracts[] = {
    L27018("A.11.11", false),
};
static const struct cw_register_link l_locations[] = {
    L27018("A.12.1", true), L27018("A.12.2", false), L2022("5.34"),
};
static const struct cw_register_link l_subprocessors[] = {
    L27018("A.8.1", true), L27018("A.11.12", true), L2022("5.19"),
    L2022("5.21"),
};
static const struct cw_register_link l_disclosures[] = {
    L27018("A.6.1", true), L27018("A.6.2", true), L2022("5.34"),
};
static const struct cw_register_link l_breaches[] = {
    L27018("A.10.1", true), L2022("5.24"), L2022("5.26"),
};
static const struct cw_register_link l_instructions[] = {
    L27018("A.3.1", true), L27018("A.3.2", true), L2022("5.34"),
};
static const struct cw_register_link l_returns[] = {
    L27018("A.10.3", true), L2022("8.10"),
};
static const struct cw_register_link l_temp[] = {
    L27018("A.5.1", true), L2022("8.10"),
};
static const struct cw_register_link l_principal[] = {
    L27018("A.2.1", true), L2022("5.34"),
};
static const struct cw_register_link l_restorations[] = {
    L27018("A.11.3", true), L2022("8.13"),
};
static const struct cw_register_link l_users[] = {
    L27018("A.11.9", true), L2022("5.18"),
};

static const struct cw__regdef defs[CW_REG_COUNT] = {
    { "contracts", "customers' contract terms: zones, regions, periods",
      contracts, LINKS(l_contracts), "customer" },
    { "locations", "where customers' PII is stored, processed and backed up",
      locations, LINKS(l_locations), "customers" },
    { "subprocessors", "sub-processors, their change notices and objections",
      subprocessors, LINKS(l_subprocessors), "customers" },
    { "disclosures", "legally binding disclosure requests and disclosures",
      disclosures, LINKS(l_disclosures), "customers" },
    { "breaches", "breaches involving PII and their notification",
      breaches, LINKS(l_breaches), "customers" },
    { "instructions", "customers' instructed purposes and consents",
      instructions, LINKS(l_instructions), "customer" },
    { "returns", "return, transfer and disposal at a contract's end",
      returns, LINKS(l_returns), "customer" },
    { "temp-erasure", "schedules for erasing temporary files",
      temp_erasure, LINKS(l_temp), NULL },
    { "principal-requests", "PII principals' requests passed on by customers",
      principal_requests, LINKS(l_principal), "customer" },
    { "restorations", "restorations of customer data",
      restorations, LINKS(l_restorations), "customers" },
    { "user-records", "records of authorised users and their reviews",
      user_records, LINKS(l_users), NULL },
};

const struct cw__regdef *cw__regdef(enum cw_register r)
{
    return (unsigned)r < CW_REG_COUNT ? &defs[r] : NULL;
}

const char *cw_register_name(enum cw_register r)
{
    return (unsigned)r < CW_REG_COUNT ? defs[r].name : NULL;
}

const char *cw_register_title(enum cw_register r)
{
    return (unsigned)r < CW_REG_COUNT ? defs[r].title : NULL;
}

bool cw_register_parse(const char *s, enum cw_register *out)
{
    int i;
    for (i = 0; s && i < CW_REG_COUNT; i++)
        if (strcmp(s, defs[i].name) == 0) {
            *out = (enum cw_register)i;
            return true;
        }
    return false;
}

const struct cw_register_link *cw_register_links(enum cw_register r,
                                                 size_t *n)
{
    *n = (unsigned)r < CW_REG_COUNT ? defs[r].nlinks : 0;
    return *n ? defs[r].links : NULL;
}

const struct cw__field *cw__field_find(const struct cw__field *fs,
                                       const char *name, size_t len)
{
    for (; fs->name; fs++)
        if (strlen(fs->name) == len && memcmp(fs->name, name, len) == 0)
            return fs;
    return NULL;
}
