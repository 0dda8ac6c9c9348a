/*
 * netaddr.c - CIDR blocks and port ranges for document rules: parsing
 * ("10.0.0.0/8", "::/0", "22", "1024-65535") and the set tests the cidr
 * and ports rules use. IPv4 and IPv6 are kept apart: an IPv4 block never
 * contains or overlaps an IPv6 one.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

/* Up to `max` decimal digits at *p, no sign or blank: false when there
 * are none or more. */
static bool digits(const char **p, unsigned max, unsigned *out)
{
    unsigned v = 0, n = 0;
    while (**p >= '0' && **p <= '9' && n < max) {
        v = v * 10 + (unsigned)(**p - '0');
        (*p)++;
        n++;
    }
    *out = v;
    return n && !(**p >= '0' && **p <= '9');
}

/* The common case, "a.b.c.d" or "a.b.c.d/n" in plain digits, read
 * directly (a security group scan parses it for every rule and check:
 * through inet_pton it was 4% of a large plan's instructions). False
 * for anything else, which the general reading then decides. */
static bool ipv4_fast(const char *s, unsigned char net[16], unsigned *bits)
{
    unsigned part, i;
    for (i = 0; i < 4; i++) {
        const char *start = s;
        if (!digits(&s, 3, &part) || part > 255 ||
            (s - start > 1 && *start == '0') || *s != (i < 3 ? '.' : *s))
            return false;
        net[i] = (unsigned char)part;
        if (i < 3)
            s++;
    }
    if (!*s) {
        *bits = 32;
        return true;
    }
    if (*s++ != '/' || !digits(&s, 2, &part) || *s || part > 32)
        return false;
    *bits = part;
    return true;
}

bool cw__cidr_parse(const char *s, unsigned char net[16], unsigned *bits,
                    bool *v6)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    unsigned max;
    unsigned long b;
    char *end;

    if (n == 0 || n >= sizeof(addr))
        return false;
    memset(net, 0, 16);
    *v6 = false;
    if (ipv4_fast(s, net, bits))
        return true;
    memcpy(addr, s, n);
    addr[n] = '\0';
    memset(net, 0, 16);
    *v6 = strchr(addr, ':') != NULL;
    if (inet_pton(*v6 ? AF_INET6 : AF_INET, addr, net) != 1)
        return false;
    max = *v6 ? 128 : 32;
    if (!slash) {
        *bits = max;
        return true;
    }
    if (!slash[1])
        return false;
    b = strtoul(slash + 1, &end, 10); /* not cast first: /4294967297 is no /1 */
    if (*end || b > max)
        return false;
    *bits = (unsigned)b;
    return true;
}

/* Does the first `bits` bits of a and b agree? */
static bool prefix_equal(const unsigned char *a, const unsigned char *b,
                         unsigned bits)
{
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, full) != 0)
        return false;
    if (rest) {
        unsigned char mask = (unsigned char)(0xFF << (8 - rest));
        return (a[full] & mask) == (b[full] & mask);
    }
    return true;
}

bool cw__cidr_contains(const unsigned char *a, unsigned abits, bool av6,
                       const unsigned char *b, unsigned bbits, bool bv6)
{
    return av6 == bv6 && abits <= bbits && prefix_equal(a, b, abits);
}

bool cw__cidr_overlaps(const unsigned char *a, unsigned abits, bool av6,
                       const unsigned char *b, unsigned bbits, bool bv6)
{
    return av6 == bv6 && prefix_equal(a, b, abits < bbits ? abits : bbits);
}

bool cw__ports_parse(const char *s, unsigned *lo, unsigned *hi)
{
    char *end;
    unsigned long a = strtoul(s, &end, 10), b = a;
    if (end == s)
        return false;
    if (*end == '-') {
        const char *t = end + 1;
        b = strtoul(t, &end, 10);
        if (end == t)
            return false;
    }
    if (*end || a > 65535 || b > 65535 || a > b)
        return false;
    *lo = (unsigned)a;
    *hi = (unsigned)b;
    return true;
}
