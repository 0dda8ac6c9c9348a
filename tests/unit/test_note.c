/*
 * test_note.c - signed checkpoints (src/ledger/note.c): a key pair signs
 * and verifies; every altered byte of a checkpoint, another key, another
 * origin, a key text with a wrong id, and malformed notes are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "../../src/ledger/note.h"

static char skey[CW__NOTE_KEY_MAX], vkey[CW__NOTE_KEY_MAX];
static cw__hash root;

static int setup(void **state)
{
    size_t i;
    (void)state;
    assert_int_equal(cw__note_keygen("example.com/ledger", skey, sizeof(skey),
                                     vkey, sizeof(vkey)),
                     0);
    for (i = 0; i < sizeof(root); i++)
        root[i] = (unsigned char)(i * 7 + 1);
    return 0;
}

static void formats(void **state)
{
    char v2[CW__NOTE_KEY_MAX];
    (void)state;
    assert_true(strncmp(skey, "PRIVATE+KEY+example.com/ledger+", 31) == 0);
    assert_true(strncmp(vkey, "example.com/ledger+", 19) == 0);
    /* The verifier key derives from the signer key. */
    assert_int_equal(cw__note_vkey(skey, v2, sizeof(v2)), 0);
    assert_string_equal(v2, vkey);
    assert_int_not_equal(cw__note_vkey(vkey, v2, sizeof(v2)), 0);
    assert_int_not_equal(cw__note_keygen("has space", v2, sizeof(v2), v2,
                                         sizeof(v2)),
                         0);
    assert_int_not_equal(cw__note_keygen("a+b", v2, sizeof(v2), v2,
                                         sizeof(v2)),
                         0);
}

static void sign_verify(void **state)
{
    char note[CW__NOTE_MAX];
    uint64_t size = 0;
    cw__hash got;
    (void)state;
    assert_int_equal(cw__checkpoint_sign(skey, "example.com/ledger", 1234567,
                                         root, note, sizeof(note)),
                     0);
    assert_true(strstr(note, "example.com/ledger\n1234567\n") == note);
    assert_non_null(strstr(note, "\n\n\xe2\x80\x94 example.com/ledger "));
    assert_true(cw__checkpoint_verify(note, strlen(note), vkey, &size, got));
    assert_true(size == 1234567);
    assert_memory_equal(got, root, sizeof(root));
    /* A checkpoint names its own log. */
    assert_int_not_equal(cw__checkpoint_sign(skey, "other.org/log", 1, root,
                                             note, sizeof(note)),
                         0);
    /* Too small a buffer. */
    assert_int_not_equal(cw__checkpoint_sign(skey, "example.com/ledger", 1,
                                             root, note, 40),
                         0);
}

static void tampering(void **state)
{
    char note[CW__NOTE_MAX], other_s[CW__NOTE_KEY_MAX],
        other_v[CW__NOTE_KEY_MAX];
    uint64_t size;
    cw__hash got;
    size_t i, len;
    (void)state;
    assert_int_equal(cw__checkpoint_sign(skey, "example.com/ledger", 42, root,
                                         note, sizeof(note)),
                     0);
    len = strlen(note);
    for (i = 0; i < len; i++) {
        char was = note[i];
        note[i] = (char)(note[i] ^ 0x01);
        assert_false(cw__checkpoint_verify(note, len, vkey, &size, got));
        note[i] = was;
    }
    assert_true(cw__checkpoint_verify(note, len, vkey, &size, got));
    assert_false(cw__checkpoint_verify(note, len - 1, vkey, &size, got));
    /* Another key of the same name does not verify it. */
    assert_int_equal(cw__note_keygen("example.com/ledger", other_s,
                                     sizeof(other_s), other_v,
                                     sizeof(other_v)),
                     0);
    assert_false(cw__checkpoint_verify(note, len, other_v, &size, got));
    /* A verifier key whose id does not match its key. */
    snprintf(other_v, sizeof(other_v), "%s", vkey);
    other_v[strlen("example.com/ledger+")] ^= 0x01;
    assert_false(cw__checkpoint_verify(note, len, other_v, &size, got));
    /* Malformed notes. */
    assert_false(cw__checkpoint_verify("", 0, vkey, &size, got));
    assert_false(cw__checkpoint_verify("\n\n", 2, vkey, &size, got));
    assert_false(cw__checkpoint_verify("x\n\n\n", 4, vkey, &size, got));
}

static void sizes(void **state)
{
    char note[CW__NOTE_MAX];
    uint64_t size = 1;
    cw__hash got;
    (void)state;
    assert_int_equal(cw__checkpoint_sign(skey, "example.com/ledger", 0, root,
                                         note, sizeof(note)),
                     0);
    assert_true(cw__checkpoint_verify(note, strlen(note), vkey, &size, got));
    assert_true(size == 0);
    assert_int_equal(cw__checkpoint_sign(skey, "example.com/ledger",
                                         UINT64_MAX, root, note,
                                         sizeof(note)),
                     0);
    assert_true(cw__checkpoint_verify(note, strlen(note), vkey, &size, got));
    assert_true(size == UINT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(formats),
        cmocka_unit_test(sign_verify),
        cmocka_unit_test(tampering),
        cmocka_unit_test(sizes),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
