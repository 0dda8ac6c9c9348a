/*
 * fuzz_entry.c - libFuzzer target for what the ledger reads from outside:
 * an event's details (JSON, canonicalized into the entry: sorted keys,
 * integers only) and signed checkpoint notes (C2SP signed-note and
 * tlog-checkpoint parsing), lines a customer checks (`log check`), and
 * the JSON lines `log append --from` reads (built into their stored form
 * and expanded back), and stored entries. The first byte picks which. Any input must
 * give an entry, a refusal with a position, or false: never a crash,
 * leak or hang.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../src/core/core.h"
#include "../src/ledger/ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A verifier key made once; notes signed by it cannot be forged, but
 * every parsing step before the signature check is reached. */
static char vkey[CW__NOTE_KEY_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;
    struct cw_diag d;

    if (!vkey[0]) {
        char skey[CW__NOTE_KEY_MAX];
        if (cw__note_keygen("example.com/ledger", skey, sizeof(skey), vkey,
                            sizeof(vkey)))
            abort();
    }
    if (!size || sodium_init() < 0 || !(text = malloc(size)))
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    if (data[0] & 4) {
        struct cw__arena a;
        struct cw_log_event e;
        char *out = NULL;
        memset(&e, 0, sizeof(e));
        struct cw__buf x;
        size_t len, i;
        cw__arena_init(&a, 0);
        cw__buf_init(&x, ENTRY_MAX);
        if (!cw__event_parse(&a, text, size - 1, "fuzz", 1, &e, &d) &&
            !cw__entry_build_stored(&e, &out, &len, &d)) {
            /* The stored form expands to canonical text: nothing below
             * 0x20 is left. */
            if (cw__entry_expand(out, len, &x))
                abort();
            for (i = 0; i < x.len; i++)
                if ((unsigned char)x.data[i] < 0x20)
                    abort();
            cw__free(out);
        }
        /* Any bytes: expanded or refused, and searched for the fields
         * verify compares. */
        if (!cw__entry_expand(text, size - 1, &x)) {
            const char *v;
            size_t n;
            (void)cw__entry_field(x.data, x.len, true, &v, &n);
            (void)cw__entry_field(x.data, x.len, false, &v, &n);
        }
        cw__buf_release(&x);
        cw__arena_release(&a);
    } else if (data[0] & 2) {
        uint64_t idx, n;
        (void)cw_ledger_check_line(text, size - 1, vkey, "fuzz", 1, &idx, &n,
                                   &d);
    } else if (data[0] & 1) {
        uint64_t n;
        cw__hash root;
        (void)cw__checkpoint_verify(text, size - 1, vkey, &n, root);
    } else {
        struct cw_log_event e;
        char *out = NULL;
        memset(&e, 0, sizeof(e));
        e.actor = "a";
        e.action = "fuzz.details";
        e.target = "t";
        e.details_json = text;
        e.file = "fuzz";
        if (!cw__entry_build(&e, &out, &d))
            cw__free(out);
    }
    free(text);
    return 0;
}
