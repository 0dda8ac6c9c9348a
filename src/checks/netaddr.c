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

bool cw__cidr_parse(const char *s, unsigned char net[16], unsigned *bits,
                    bool *v6)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    unsigned max, b;
    char *end;

    if (n == 0 || n >= sizeof(addr))
        return false;
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
    b = (unsigned)strtoul(slash + 1, &end, 10);
    if (*end || b > max)
        return false;
    *bits = b;
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
