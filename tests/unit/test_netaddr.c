/* test_netaddr.c - CIDR blocks: the direct reading of plain IPv4 blocks
 * must agree with the general one (inet_pton and strtoul) on every
 * input, plain or not; and the set tests on a few known cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "../../src/checks/checks.h"

/* The general reading, as cw__cidr_parse did it before its IPv4 fast
 * path: the reference the fast path must match. */
static bool reference(const char *s, unsigned char net[16], unsigned *bits,
                      bool *v6)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    unsigned long b;
    char *end;

    if (n == 0 || n >= sizeof(addr))
        return false;
    memcpy(addr, s, n);
    addr[n] = '\0';
    memset(net, 0, 16);
    *v6 = strchr(addr, ':') != NULL;
    if (inet_pton(*v6 ? AF_INET6 : AF_INET, addr, net) != 1)
        return false;
    if (!slash) {
        *bits = *v6 ? 128 : 32;
        return true;
    }
    if (!slash[1])
        return false;
    b = strtoul(slash + 1, &end, 10);
    if (*end || b > (*v6 ? 128u : 32u))
        return false;
    *bits = (unsigned)b;
    return true;
}

static void agree(const char *s)
{
    unsigned char n1[16], n2[16];
    unsigned b1 = 0, b2 = 0;
    bool v1 = false, v2 = false;
    bool ok1 = cw__cidr_parse(s, n1, &b1, &v1);
    bool ok2 = reference(s, n2, &b2, &v2);
    if (ok1 != ok2 || (ok1 && (b1 != b2 || v1 != v2 ||
                               memcmp(n1, n2, 16) != 0))) {
        print_error("cidr '%s': got %d/%u, expected %d/%u\n", s, ok1, b1, ok2,
                    b2);
        fail();
    }
}

static void cidr_parse_matches_reference(void **state)
{
    static const char *const cases[] = {
        "0.0.0.0/0", "10.0.0.0/8", "192.168.1.0/24", "255.255.255.255",
        "255.255.255.255/32", "1.2.3.4/33", "1.2.3.4/", "1.2.3/8",
        "1.2.3.4.5/8", "01.2.3.4/8", "1.2.3.04", "0.0.0.0", "256.1.1.1",
        "1.2.3.4/08", "1.2.3.4/+8", "1.2.3.4/ 8", "1.2.3.4/8x", "1.2.3.4x",
        " 1.2.3.4", "1..3.4", "1.2.3.4/100", "1.2.3.4//8", "::/0",
        "2001:db8::/32", "::ffff:1.2.3.4/128", "1.2.3.4/0032", "", "/8",
        "999.1.1.1/8", "1.2.3.4/-1", "1.2.3.4/4294967297", ".1.2.3/8",
    };
    char s[24];
    size_t i, k;
    unsigned x = 12345;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        agree(cases[i]);
    /* Random strings over the bytes a block is made of, and near-misses. */
    for (i = 0; i < 300000; i++) {
        static const char alpha[] = "0123456789./:+ -ax";
        size_t len = 1 + (x = x * 1103515245u + 12345u) % 20;
        for (k = 0; k < len; k++) {
            x = x * 1103515245u + 12345u;
            s[k] = alpha[(x >> 16) % (sizeof(alpha) - 1)];
        }
        s[len] = '\0';
        agree(s);
        x = x * 1103515245u + 12345u;
        snprintf(s, sizeof(s), "%u.%u.%u.%u/%u", (x >> 8) % 300,
                 (x >> 12) % 260, x % 256, (x >> 20) % 256, (x >> 3) % 40);
        agree(s);
    }
}

static void cidr_sets(void **state)
{
    unsigned char a[16], b[16];
    unsigned ab, bb;
    bool av6, bv6;
    (void)state;
    assert_true(cw__cidr_parse("0.0.0.0/0", a, &ab, &av6));
    assert_true(cw__cidr_parse("10.1.2.0/24", b, &bb, &bv6));
    assert_true(cw__cidr_contains(a, ab, av6, b, bb, bv6));
    assert_false(cw__cidr_contains(b, bb, bv6, a, ab, av6));
    assert_true(cw__cidr_parse("::/0", b, &bb, &bv6));
    assert_false(cw__cidr_contains(a, ab, av6, b, bb, bv6)); /* v4 vs v6 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cidr_parse_matches_reference),
        cmocka_unit_test(cidr_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
