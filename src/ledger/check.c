/*
 * check.c - what a customer runs on what it was shown: one line of
 * `cloudward log show --tenant T --format json` checked offline against the
 * provider's verifier key. The leaf is recomputed from the entry's
 * canonical bytes (never taken from the line), the inclusion proof must
 * lead from it to the checkpoint's root (RFC 9162), and the checkpoint
 * must carry a valid signature of the key. Nothing here reads a store.
 */
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>

#include <sodium.h>

#include "ledger.h"

static enum cw_status bad(struct cw_diag *d, const char *file, unsigned line,
                          const char *what)
{
    return cw__diag_set(d, CW_EINTEGRITY, file, line, 0, "%s", what);
}

static bool hex32(const struct cw__node *n, unsigned char out[32])
{
    size_t len;
    return n && n->kind == CW__NODE_SCALAR && n->type == CW__T_STRING &&
           n->len == 64 &&
           sodium_hex2bin(out, 32, n->str, 64, NULL, &len, NULL) == 0 &&
           len == 32;
}

static bool u64_of(const struct cw__node *n, uint64_t *out)
{
    if (!n || n->kind != CW__NODE_SCALAR || n->type != CW__T_NUMBER ||
        !n->len || strspn(n->str, "0123456789") != n->len || n->len > 19)
        return false;
    *out = strtoull(n->str, NULL, 10);
    return true;
}

enum cw_status cw_ledger_check_line(const char *line, size_t len,
                                    const char *vkey, const char *file,
                                    unsigned lineno, uint64_t *index,
                                    uint64_t *tree_size, struct cw_diag *d)
{
    struct cw__arena a;
    struct cw__node *o = NULL;
    const struct cw__node *entry, *proof, *note;
    unsigned char leaf[32], given[32], root[32];
    unsigned char *path = NULL;
    uint64_t size = 0, csize = 0;
    struct cw__buf b;
    enum cw_status st;
    size_t i;

    cw__arena_init(&a, 0);
    cw__buf_init(&b, ENTRY_MAX);
    if ((st = cw__json_parse(&a, file, line, len, NULL, &o, d))) {
        d->line = lineno;
        goto out;
    }
    entry = cw__node_get(o, "entry");
    proof = cw__node_get(o, "proof");
    note = cw__node_get(o, "checkpoint");
    if (!u64_of(cw__node_get(o, "index"), index) || !entry ||
        entry->kind != CW__NODE_MAP || !hex32(cw__node_get(o, "leaf"), given)) {
        st = cw__diag_set(d, CW_ESCHEMA, file, lineno, 1,
                          "expected a line of 'cloudward log show --format "
                          "json' (index, leaf, entry, proof, checkpoint)");
        goto out;
    }
    if (!proof || proof->kind != CW__NODE_SEQ || !note ||
        note->kind != CW__NODE_SCALAR || note->type != CW__T_STRING) {
        st = cw__diag_set(d, CW_ENOENT, file, lineno, 1,
                          "entry %llu has no proof yet: it came after the "
                          "latest checkpoint",
                          (unsigned long long)*index);
        goto out;
    }
    if ((st = cw__canonical(entry, &b, file, d)))
        goto out;
    cw__leaf_hash(b.data, b.len, leaf);
    if (sodium_memcmp(leaf, given, 32) != 0) {
        st = bad(d, file, lineno, "the entry does not hash to its leaf");
        goto out;
    }
    if (proof->n > CW__MERKLE_MAX_PROOF ||
        !(path = cw__malloc((proof->n + 1) * 32))) {
        st = bad(d, file, lineno, "the proof is too long");
        goto out;
    }
    for (i = 0; i < proof->n; i++)
        if (!hex32(proof->kids[i], path + 32 * i)) {
            st = bad(d, file, lineno, "a proof hash is not 64 hex digits");
            goto out;
        }
    if (!cw__checkpoint_verify(note->str, note->len, vkey, &csize, root)) {
        st = bad(d, file, lineno,
                 "the checkpoint is not signed by this verifier key");
        goto out;
    }
    if (u64_of(cw__node_get(o, "tree_size"), &size) && size != csize) {
        st = bad(d, file, lineno,
                 "tree_size differs from the signed checkpoint's");
        goto out;
    }
    if (!cw__merkle_verify_inclusion(leaf, *index, csize, path, proof->n,
                                     root)) {
        st = bad(d, file, lineno,
                 "the proof does not lead to the checkpoint's root");
        goto out;
    }
    *tree_size = csize;
out:
    cw__free(path);
    cw__buf_release(&b);
    cw__arena_release(&a);
    return st;
}
