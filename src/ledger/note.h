/*
 * note.h - signed checkpoints of the ledger in the C2SP formats, so that
 * the tools of the transparency-log world (witnesses, the Go sumdb/note
 * verifier) can read them:
 *
 *   tlog-checkpoint body      ORIGIN\n SIZE\n BASE64(ROOT)\n
 *   signed-note signature     "\u2014 " NAME " " BASE64(KEYID[4] || SIG[64]) "\n"
 *                             after one blank line; the Ed25519 signature
 *                             covers the body including its last newline
 *   key id                    SHA-256(NAME || 0x0A || 0x01 || PUBKEY)[:4]
 *   verifier key (public)     NAME+HEX(KEYID)+BASE64(0x01 || PUBKEY)
 *   signer key (secret)       PRIVATE+KEY+NAME+HEX(KEYID)+BASE64(0x01 || SEED)
 *
 * The secret key text is the only secret: it never reaches a log line.
 */
#ifndef CW_LEDGER_NOTE_H
#define CW_LEDGER_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "merkle.h"

#define CW__NOTE_MAX 1024      /* a checkpoint with one signature fits */
#define CW__NOTE_KEY_MAX 400   /* key texts */
#define CW__NOTE_ORIGIN_MAX 256

/* A fresh Ed25519 key named `name` (a log origin such as
 * "example.com/cloudward"; no spaces, no '+'). Writes both key texts. */
int cw__note_keygen(const char *name, char *skey, size_t nskey, char *vkey,
                    size_t nvkey);

/* The verifier key of a signer key; -1 when `skey` is not one. */
int cw__note_vkey(const char *skey, char *vkey, size_t nvkey);

/* Signs the checkpoint (origin, size, root) with `skey` into `out`. */
int cw__checkpoint_sign(const char *skey, const char *origin, uint64_t size,
                        const cw__hash root, char *out, size_t nout);

/*
 * Checks that `note` is a checkpoint signed by `vkey`, whose origin is the
 * key's name, and reads its size and root. False on any malformation, an
 * unknown or bad signature, or a body that is not a checkpoint.
 */
bool cw__checkpoint_verify(const char *note, size_t len, const char *vkey,
                           uint64_t *size, cw__hash root);

#endif
