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

const char *cw__region_of(const struct cw__node *attrs, char *buf,
                          size_t cap)
{
    static const char *const regions[] = { "region", "Region", "HomeRegion",
                                           "BucketRegion", "location",
                                           "Location", NULL };
    static const char *const zones[] = { "availability_zone",
                                         "AvailabilityZone", "zone", NULL };
    const struct cw__node *lc;
    const char *s;
    size_t i;

    if (!attrs || attrs->kind != CW__NODE_MAP)
        return NULL;
    for (i = 0; regions[i]; i++)
        if ((s = cw__node_str(attrs, regions[i])))
            return region_text(buf, cap, s, false);
    lc = cw__node_get(attrs, "LocationConstraint");
    if (lc && lc->kind == CW__NODE_SCALAR)
        return lc->type == CW__T_STRING && lc->str[0]
                   ? region_text(buf, cap, lc->str, false)
                   : "us-east-1"; /* S3's answer for its first region */
    for (i = 0; zones[i]; i++)
        if ((s = cw__node_str(attrs, zones[i])))
            return region_text(buf, cap, s, true);
    if ((s = cw__node_str(cw__node_get(attrs, "Placement"), "AvailabilityZone")))
        return region_text(buf, cap, s, true);
    for (i = 0; i < attrs->n; i++) {
        const char *k = attrs->kids[2 * i]->str;
        size_t n = strlen(k);
        const struct cw__node *v = attrs->kids[2 * i + 1];
        if ((n >= 3 && strcasecmp(k + n - 3, "arn") == 0) &&
            v->kind == CW__NODE_SCALAR && (s = arn_region(buf, cap, v->str)))
            return s;
    }
    return NULL;
}
