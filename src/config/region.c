/*
 * region.c - where a resource lives, read from its own attributes, for the
 * ISO/IEC 27018 location-of-PII check. Each provider says it differently:
 * AWS in a region attribute, an availability zone ("eu-west-1a"), an ARN
 * ("arn:aws:rds:eu-west-1:..."), or an S3 LocationConstraint (empty for
 * us-east-1); Azure in `location`; Google Cloud in `region`, `zone` or
 * `location`, often as a URL ending in the name.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "config.h"

/* Lower case, the last path segment of a URL; a zone trimmed to its
 * region. */
static const char *region_text(char *out, size_t cap, const char *s,
                               bool zone)
{
    const char *slash = strrchr(s, '/');
    size_t n, i;

    if (slash)
        s = slash + 1;
    n = strlen(s);
    if (zone && n > 2 && s[n - 2] == '-' && isalpha((unsigned char)s[n - 1])) {
        n -= 2; /* Google Cloud: europe-west1-b */
    } else if (zone) {
        size_t m = n; /* AWS: eu-west-1a, us-west-2-lax-1a */
        while (m > 1 && isalpha((unsigned char)s[m - 1]))
            m--;
        if (m < n && isdigit((unsigned char)s[m - 1]))
            n = m;
    }
    if (!n || n >= cap)
        return NULL;
    for (i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[n] = '\0';
    return out;
}

/* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE */
static const char *arn_region(char *out, size_t cap, const char *arn)
{
    const char *p = arn, *end;
    int field;

    if (strncmp(arn, "arn:", 4) != 0)
        return NULL;
    for (field = 0; field < 3; field++)
        if (!(p = strchr(p, ':')) || !*++p)
            return NULL;
    end = strchr(p, ':');
    if (!end || end == p || (size_t)(end - p) >= cap)
        return NULL;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return out;
}

static const char *const regions[] = { "region", "Region", "HomeRegion",
                                       "BucketRegion", "location",
                                       "Location", NULL };
static const char *const zones[] = { "availability_zone", "AvailabilityZone",
                                     "zone", NULL };
static const unsigned char region_lens[] = { 6, 6, 10, 12, 8, 8 };
static const unsigned char zone_lens[] = { 17, 16, 4 };

/* The index of `k` in `list` (NULL-ended), or -1. Most names are of
 * none of the lengths: one compare each. */
static int key_in(const struct cw__node *k, const char *const *list,
                  const unsigned char *lens)
{
    int i;
    for (i = 0; list[i]; i++)
        if (lens[i] == k->len && memcmp(list[i], k->str, k->len) == 0)
            return i;
    return -1;
}

/* A name ending in "arn", in any case. */
static bool arn_name(const char *k, size_t n)
{
    return n >= 3 && (k[n - 3] | 0x20) == 'a' && (k[n - 2] | 0x20) == 'r' &&
           (k[n - 1] | 0x20) == 'n';
}

const char *cw__region_of(const struct cw__node *attrs, char *buf,
                          size_t cap)
{
    /* The first member of each name that says where (cw__node_get's
     * choice), found in one pass over the attributes: a large plan asks
     * this of every bucket, disk and database. */
    const struct cw__node *reg[sizeof(regions) / sizeof(*regions)] = { NULL };
    const struct cw__node *zone[sizeof(zones) / sizeof(*zones)] = { NULL };
    const struct cw__node *lc = NULL, *placement = NULL;
    const char *s;
    bool arn = false;
    size_t i;
    int x;

    if (!attrs || attrs->kind != CW__NODE_MAP)
        return NULL;
    for (i = 0; i < attrs->n; i++) {
        const struct cw__node *k = attrs->kids[2 * i];
        const struct cw__node *v = attrs->kids[2 * i + 1];
        if (k->kind != CW__NODE_SCALAR)
            continue;
        if ((x = key_in(k, regions, region_lens)) >= 0) {
            if (!reg[x])
                reg[x] = v;
        } else if ((x = key_in(k, zones, zone_lens)) >= 0) {
            if (!zone[x])
                zone[x] = v;
        } else if (k->len == 18 && memcmp(k->str, "LocationConstraint", 18) == 0) {
            if (!lc)
                lc = v;
        } else if (k->len == 9 && memcmp(k->str, "Placement", 9) == 0) {
            if (!placement)
                placement = v;
        }
        arn |= arn_name(k->str, k->len);
    }
    for (x = 0; regions[x]; x++)
        if ((s = cw__node_string(reg[x])))
            return region_text(buf, cap, s, false);
    if (lc && lc->kind == CW__NODE_SCALAR)
        return lc->type == CW__T_STRING && lc->str[0]
                   ? region_text(buf, cap, lc->str, false)
                   : "us-east-1"; /* S3's answer for its first region */
    for (x = 0; zones[x]; x++)
        if ((s = cw__node_string(zone[x])))
            return region_text(buf, cap, s, true);
    if ((s = cw__node_str(placement, "AvailabilityZone")))
        return region_text(buf, cap, s, true);
    for (i = 0; arn && i < attrs->n; i++) {
        const char *k = attrs->kids[2 * i]->str;
        size_t n = strlen(k);
        const struct cw__node *v = attrs->kids[2 * i + 1];
        if ((n >= 3 && strcasecmp(k + n - 3, "arn") == 0) &&
            v->kind == CW__NODE_SCALAR && (s = arn_region(buf, cap, v->str)))
            return s;
    }
    return NULL;
}
