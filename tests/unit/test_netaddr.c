/* test_netaddr.c - CIDR blocks: the direct reading of plain IPv4 blocks
 * must agree with the general one (inet_pton and strtoul) on every
 * input, plain or not; the set tests (contains, overlaps, and within,
 * which is containment the other way round) on blocks that differ in
 * exactly the last bit of the shorter prefix, at byte boundaries and
 * inside a byte, IPv4 and IPv6; and on random pairs against a reference
 * that compares bit by bit. */
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

/* One pair of blocks and what the set tests must say of it. */
struct pair {
    const char *a, *b;
    bool a_contains_b, b_contains_a, overlap;
};

static const struct pair pairs[] = {
    /* Neighbours differing in the last bit of their common prefix. */
    { "10.0.0.0/8", "11.0.0.0/8", false, false, false },
    { "192.168.0.0/24", "192.168.1.0/24", false, false, false },
    { "10.0.0.0/9", "10.128.0.0/9", false, false, false },
    { "10.0.0.0/31", "10.0.0.2/31", false, false, false },
    { "10.0.0.0/32", "10.0.0.1/32", false, false, false },
    { "10.0.0.1", "10.0.0.0/32", false, false, false },
    { "172.16.0.0/12", "172.32.0.0/16", false, false, false },
    /* One bit shorter covers both neighbours. */
    { "10.0.0.0/7", "11.0.0.0/8", true, false, true },
    { "10.0.0.0/7", "10.0.0.0/8", true, false, true },
    { "192.168.0.0/23", "192.168.1.0/24", true, false, true },
    { "10.0.0.0/31", "10.0.0.1/32", true, false, true },
    { "10.0.0.0/31", "10.0.0.1", true, false, true },
    { "10.0.0.0/31", "10.0.0.2/32", false, false, false },
    /* One bit longer: inside, never the reverse. */
    { "192.168.1.0/24", "192.168.1.128/25", true, false, true },
    { "192.168.1.0/24", "192.168.1.0/25", true, false, true },
    { "192.168.1.0/25", "192.168.1.128/25", false, false, false },
    { "10.0.0.0/8", "10.1.0.0/16", true, false, true },
    { "10.0.0.0/8", "10.255.255.255/32", true, false, true },
    { "10.0.0.0/8", "9.255.255.255/32", false, false, false },
    { "172.16.0.0/12", "172.31.255.0/24", true, false, true },
    /* Equal blocks, also written with host bits set. */
    { "10.0.0.0/8", "10.0.0.0/8", true, true, true },
    { "10.1.2.3/8", "10.0.0.0/8", true, true, true },
    { "10.0.0.1", "10.0.0.1/32", true, true, true },
    { "0.0.0.0/0", "255.255.255.255/32", true, false, true },
    { "0.0.0.0/0", "0.0.0.0/0", true, true, true },
    { "128.0.0.0/1", "0.0.0.0/1", false, false, false },
    /* IPv6: the same, at 16-bit groups, inside a byte, at /127 and /128. */
    { "2001:db8::/32", "2001:db9::/32", false, false, false },
    { "2001:db8::/31", "2001:db9::/32", true, false, true },
    { "2001:db8::/33", "2001:db8:8000::/33", false, false, false },
    { "2001:db8::/32", "2001:db8:ffff::/48", true, false, true },
    { "2001:db8::/127", "2001:db8::1/128", true, false, true },
    { "2001:db8::/127", "2001:db8::2/128", false, false, false },
    { "2001:db8::/127", "2001:db8::2/127", false, false, false },
    { "2001:db8::/126", "2001:db8::2/127", true, false, true },
    { "2001:db8::/128", "2001:db8::1/128", false, false, false },
    { "2001:db8::1", "2001:db8::1/128", true, true, true },
    { "fe80::/10", "febf:ffff::/32", true, false, true },
    { "fe80::/10", "fec0::/10", false, false, false },
    { "fe80::/9", "fec0::/10", true, false, true },
    { "fe00::/8", "fec0::/10", true, false, true },
    { "::/0", "2001:db8::/32", true, false, true },
    { "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true, false, true },
    { "8000::/1", "::/1", false, false, false },
    /* IPv4 and IPv6 never meet, not even a mapped address. */
    { "0.0.0.0/0", "::/0", false, false, false },
    { "::ffff:0.0.0.0/96", "10.0.0.0/8", false, false, false },
    { "::/0", "10.0.0.1", false, false, false },
};

static void parse_ok(const char *s, unsigned char net[16], unsigned *bits,
                     bool *v6)
{
    if (!cw__cidr_parse(s, net, bits, v6)) {
        print_error("cidr '%s' does not parse\n", s);
        fail();
    }
}

static void expect(bool got, bool want, const char *what, const char *a,
                   const char *b)
{
    if (got != want) {
        print_error("%s %s %s: got %s\n", a, what, b, got ? "yes" : "no");
        fail();
    }
}

static void cidr_pairs(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        const struct pair *p = &pairs[i];
        unsigned char a[16], b[16];
        unsigned ab, bb;
        bool av6, bv6;
        parse_ok(p->a, a, &ab, &av6);
        parse_ok(p->b, b, &bb, &bv6);
        expect(cw__cidr_contains(a, ab, av6, b, bb, bv6), p->a_contains_b,
               "contains", p->a, p->b);
        expect(cw__cidr_contains(b, bb, bv6, a, ab, av6), p->b_contains_a,
               "contains", p->b, p->a);
        expect(cw__cidr_overlaps(a, ab, av6, b, bb, bv6), p->overlap,
               "overlaps", p->a, p->b);
        expect(cw__cidr_overlaps(b, bb, bv6, a, ab, av6), p->overlap,
               "overlaps", p->b, p->a);
    }
}

/* The reference: bit i (from the most significant) of each address. */
static bool same_bits(const unsigned char *a, const unsigned char *b,
                      unsigned bits)
{
    unsigned i;
    for (i = 0; i < bits; i++)
        if (((a[i / 8] >> (7 - i % 8)) & 1) != ((b[i / 8] >> (7 - i % 8)) & 1))
            return false;
    return true;
}

/* Random pairs near each other: b is a with one bit flipped, or equal,
 * and each prefix within a few bits of that bit, so most pairs sit on an
 * edge of containment. */
static void cidr_sets_match_reference(void **state)
{
    unsigned x = 4242;
    size_t i, k;
    (void)state;
    for (i = 0; i < 200000; i++) {
        unsigned char a[16] = { 0 }, b[16];
        bool v6 = i % 2 == 1, c1, c2, o1;
        unsigned max = v6 ? 128 : 32, flip, ab, bb;
        for (k = 0; k < (v6 ? 16u : 4u); k++) {
            x = x * 1103515245u + 12345u;
            a[k] = (unsigned char)(x >> 16);
        }
        memcpy(b, a, 16);
        x = x * 1103515245u + 12345u;
        flip = (x >> 8) % max;
        if ((x >> 20) % 8)
            b[flip / 8] ^= (unsigned char)(0x80 >> (flip % 8));
        x = x * 1103515245u + 12345u;
        ab = flip + 3 > (x >> 4) % 7 ? flip + 3 - (x >> 4) % 7 : 0;
        bb = flip + 3 > (x >> 12) % 7 ? flip + 3 - (x >> 12) % 7 : 0;
        if (ab > max)
            ab = max;
        if (bb > max)
            bb = max;
        c1 = cw__cidr_contains(a, ab, v6, b, bb, v6);
        c2 = cw__cidr_contains(b, bb, v6, a, ab, v6);
        o1 = cw__cidr_overlaps(a, ab, v6, b, bb, v6);
        if (c1 != (ab <= bb && same_bits(a, b, ab)) ||
            c2 != (bb <= ab && same_bits(a, b, bb)) ||
            o1 != same_bits(a, b, ab < bb ? ab : bb) ||
            o1 != cw__cidr_overlaps(b, bb, v6, a, ab, v6)) {
            print_error("v6=%d bit %u flipped, /%u vs /%u: contains %d %d, "
                        "overlaps %d\n", v6, flip, ab, bb, c1, c2, o1);
            fail();
        }
        assert_false(cw__cidr_contains(a, ab, v6, b, bb, !v6));
        assert_false(cw__cidr_overlaps(a, ab, v6, b, bb, !v6));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cidr_parse_matches_reference),
        cmocka_unit_test(cidr_sets),
        cmocka_unit_test(cidr_pairs),
        cmocka_unit_test(cidr_sets_match_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
