/*
 * regions.c - the country of a cloud region, for the locations register
 * fed from config scans (cw_reg_input_locations): where a provider says
 * its region is, as AWS, Azure and Google Cloud publish it. A region not
 * listed has no country here, and its resource is left for a person to
 * record (a location without its country is no answer to "where").
 */
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>

#include <sodium.h>

#include "../report/table.h"
#include "registers_internal.h"

static const struct {
    const char *region, *country;
} countries[] = {
    /* AWS */
    { "af-south-1", "ZA" }, { "ap-east-1", "HK" },
    { "ap-northeast-1", "JP" }, { "ap-northeast-2", "KR" },
    { "ap-northeast-3", "JP" }, { "ap-south-1", "IN" },
    { "ap-south-2", "IN" }, { "ap-southeast-1", "SG" },
    { "ap-southeast-2", "AU" }, { "ap-southeast-3", "ID" },
    { "ap-southeast-4", "AU" }, { "ca-central-1", "CA" },
    { "ca-west-1", "CA" }, { "eu-central-1", "DE" },
    { "eu-central-2", "CH" }, { "eu-north-1", "SE" },
    { "eu-south-1", "IT" }, { "eu-south-2", "ES" },
    { "eu-west-1", "IE" }, { "eu-west-2", "GB" }, { "eu-west-3", "FR" },
    { "il-central-1", "IL" }, { "me-central-1", "AE" },
    { "me-south-1", "BH" }, { "sa-east-1", "BR" },
    { "us-east-1", "US" }, { "us-east-2", "US" }, { "us-gov-east-1", "US" },
    { "us-gov-west-1", "US" }, { "us-west-1", "US" }, { "us-west-2", "US" },
    /* Azure (names without spaces, lower case) */
    { "australiaeast", "AU" }, { "australiasoutheast", "AU" },
    { "brazilsouth", "BR" }, { "canadacentral", "CA" },
    { "canadaeast", "CA" }, { "centralindia", "IN" },
    { "centralus", "US" }, { "eastasia", "HK" }, { "eastus", "US" },
    { "eastus2", "US" }, { "francecentral", "FR" },
    { "germanywestcentral", "DE" }, { "israelcentral", "IL" },
    { "italynorth", "IT" }, { "japaneast", "JP" }, { "japanwest", "JP" },
    { "koreacentral", "KR" }, { "northcentralus", "US" },
    { "northeurope", "IE" }, { "norwayeast", "NO" },
    { "polandcentral", "PL" }, { "qatarcentral", "QA" },
    { "southafricanorth", "ZA" }, { "southcentralus", "US" },
    { "southeastasia", "SG" }, { "southindia", "IN" },
    { "spaincentral", "ES" }, { "swedencentral", "SE" },
    { "switzerlandnorth", "CH" }, { "uaenorth", "AE" },
    { "uksouth", "GB" }, { "ukwest", "GB" }, { "westcentralus", "US" },
    { "westeurope", "NL" }, { "westus", "US" }, { "westus2", "US" },
    { "westus3", "US" },
    /* Google Cloud */
    { "africa-south1", "ZA" }, { "asia-east1", "TW" },
    { "asia-east2", "HK" }, { "asia-northeast1", "JP" },
    { "asia-northeast2", "JP" }, { "asia-northeast3", "KR" },
    { "asia-south1", "IN" }, { "asia-south2", "IN" },
    { "asia-southeast1", "SG" }, { "asia-southeast2", "ID" },
    { "australia-southeast1", "AU" }, { "australia-southeast2", "AU" },
    { "europe-central2", "PL" }, { "europe-north1", "FI" },
    { "europe-southwest1", "ES" }, { "europe-west1", "BE" },
    { "europe-west10", "DE" }, { "europe-west12", "IT" },
    { "europe-west2", "GB" }, { "europe-west3", "DE" },
    { "europe-west4", "NL" }, { "europe-west6", "CH" },
    { "europe-west8", "IT" }, { "europe-west9", "FR" },
    { "me-central1", "QA" }, { "me-west1", "IL" },
    { "northamerica-northeast1", "CA" }, { "northamerica-northeast2", "CA" },
    { "southamerica-east1", "BR" }, { "southamerica-west1", "CL" },
    { "us-central1", "US" }, { "us-east1", "US" }, { "us-east4", "US" },
    { "us-east5", "US" }, { "us-south1", "US" }, { "us-west1", "US" },
    { "us-west2", "US" }, { "us-west3", "US" }, { "us-west4", "US" },
};

const char *cw_region_country(const char *region)
{
    char key[64];
    size_t i, k = 0;
    /* Azure writes "West Europe" as readily as "westeurope". */
    for (i = 0; region && region[i] && k + 1 < sizeof(key); i++)
        if (region[i] != ' ')
            key[k++] = (char)(region[i] >= 'A' && region[i] <= 'Z'
                                  ? region[i] - 'A' + 'a'
                                  : region[i]);
    key[k] = '\0';
    for (i = 0; k && i < sizeof(countries) / sizeof(countries[0]); i++)
        if (strcmp(countries[i].region, key) == 0)
            return countries[i].country;
    return NULL;
}

/* What happens to PII in a resource of this type. */
static const char *purpose_of(const char *type)
{
    if (strstr(type, "backup") || strstr(type, "snapshot"))
        return "backup";
    if ((strstr(type, "instance") && !strstr(type, "db_instance") &&
         !strstr(type, "sql_database_instance")) ||
        strstr(type, "virtual_machine") || strstr(type, "function"))
        return "processing";
    return "storage";
}

/* A record id for a resource address: its readable part, then 12 hex of
 * its SHA-256 (two addresses that read alike stay apart). */
static void id_of(const char *address, char out[65])
{
    unsigned char h[32];
    char hex[65];
    size_t i, k = 0;
    bool dash = true;
    crypto_hash_sha256(h, (const unsigned char *)address, strlen(address));
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    for (i = 0; address[i] && k < 51; i++) {
        char c = address[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            out[k++] = c;
            dash = false;
        } else if (!dash) {
            out[k++] = '-';
            dash = true;
        }
    }
    if (!k || out[k - 1] != '-')
        out[k++] = '-';
    snprintf(out + k, 65 - k, "%.12s", hex);
}

static int by_address(const void *a, const void *b)
{
    return strcmp((*(const struct cw_pii_location *const *)a)->address,
                  (*(const struct cw_pii_location *const *)b)->address);
}

enum cw_status cw_reg_input_locations(const struct cw_pii_location *locs,
                                      size_t n, const char *customers,
                                      const char *source,
                                      struct cw_reg_input **out,
                                      size_t *skipped, struct cw_diag *d)
{
    const struct cw_pii_location **by;
    struct cw__buf b;
    enum cw_status st;
    size_t i, k, kept = 0;
    const char *p;

    *out = NULL;
    *skipped = 0;
    cw__buf_init(&b, CW__REG_INPUT_MAX);
    st = cw__buf_puts(&b, "{\"register\":\"locations\",\"records\":[");
    /* By address, each once (a resource two checks judged comes twice;
     * sorting rather than comparing each with every other: a plan holds
     * hundreds of thousands). */
    if (!(by = cw__calloc(n + 1, sizeof(*by)))) {
        cw__buf_release(&b);
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (i = 0; i < n; i++)
        by[i] = &locs[i];
    qsort(by, n, sizeof(*by), by_address);
    for (i = 0; !st && i < n; i++) {
        const struct cw_pii_location *l = by[i];
        const char *country = cw_region_country(l->region);
        char id[65];
        if (i && strcmp(by[i - 1]->address, l->address) == 0)
            continue;
        if (!country) {
            ++*skipped;
            continue;
        }
        id_of(l->address, id);
        st = cw__buf_printf(&b, "%s{\"id\":\"%s\",\"system\":", kept++ ? "," : "",
                            id);
        if (!st)
            st = cw__json_string_buf(&b, l->address);
        if (!st)
            st = cw__buf_printf(&b, ",\"purpose\":\"%s\",\"country\":\"%s\","
                                    "\"region\":",
                                purpose_of(l->type), country);
        if (!st)
            st = cw__json_string_buf(&b, l->region);
        if (!st)
            st = cw__buf_puts(&b, ",\"customers\":[");
        for (p = customers && *customers ? customers : "*", k = 0;
             !st && *p; k++) {
            size_t len = strcspn(p, ",");
            char one[80];
            snprintf(one, sizeof(one), "%.*s", (int)(len < 79 ? len : 79), p);
            st = cw__buf_puts(&b, k ? "," : "");
            if (!st)
                st = cw__json_string_buf(&b, one);
            p += len + (p[len] == ',');
        }
        if (!st)
            st = cw__buf_puts(&b, "],\"source\":");
        if (!st) {
            char src[160]; /* a field of one line, at most 200 bytes */
            snprintf(src, sizeof(src), "%s", source ? source : "config scan");
            st = cw__json_string_buf(&b, src);
        }
        if (!st)
            st = cw__buf_puts(&b, "}");
    }
    if (!st)
        st = cw__buf_puts(&b, "]}");
    cw__free(by);
    if (st)
        st = cw__diag_set(d, st, NULL, 0, 0, "too many locations");
    else
        st = cw_reg_input_read("(config scan).json", b.data, b.len,
                               CW_REG_LOCATIONS, out, d);
    cw__buf_release(&b);
    return st;
}
