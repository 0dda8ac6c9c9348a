/*
 * fuzz_terraform.c - libFuzzer target for the config loaders (src/config).
 * Built as fuzz_terraform with format detection (so it reaches every
 * loader: the streaming Terraform loader with the JSON cursor under it,
 * CloudFormation, Kubernetes, CLI exports), and once per loader with
 * FUZZ_TYPE naming it (fuzz_cloudformation, fuzz_kubernetes, fuzz_cli), so
 * each is fuzzed with the detection out of the way. Any input must give
 * resources or one positioned error, never a crash, leak or hang.
 *
 * Differential (fuzz_terraform): the batched Terraform loader, which hands
 * resources over as unparsed spans built later (as two-thread scans do),
 * must give the same resources, or the same first error at the same
 * place, as the loader that parses each resource as it reads it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/config/config.h"

#ifndef FUZZ_TYPE
#define FUZZ_TYPE NULL
#define FUZZ_DETECT 1
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool take(void *arg, const struct cw__resource *r)
{
    size_t *n = arg;
    *n += r->type[0] != '\0' && r->address[0] != '\0' &&
          (!r->region || r->region[0] != '\0');
    return true;
}

#ifdef FUZZ_DETECT
/* What a load gave: a digest of its resources in order. */
struct seen {
    char list[4096];
    size_t n;
    enum cw_status st; /* a batch's build error (first in order) */
    struct cw_diag d;
};

static void note(struct seen *s, const struct cw__resource *r)
{
    size_t len = strlen(s->list);
    snprintf(s->list + len, sizeof(s->list) - len, "%s|%s|%u|%s|%d;",
             r->type, r->address, r->line, r->region ? r->region : "-",
             r->attrs ? (int)r->attrs->n : -1);
    s->n++;
}

static bool take_seen(void *arg, const struct cw__resource *r)
{
    note(arg, r);
    return true;
}

static bool put(void *arg, struct cw__resource *v, size_t n,
                struct cw__arena *arena)
{
    struct seen *s = arg;
    struct cw__jscratch scratch = { NULL, 0, NULL };
    size_t i;
    bool ok = true;

    if (!arena)
        return true; /* the end of the stream */
    for (i = 0; i < n && ok; i++) {
        if ((s->st = cw__resource_build(&v[i], arena, &scratch, &s->d)))
            ok = false;
        else
            note(s, &v[i]);
    }
    cw__jscratch_release(&scratch);
    cw__arena_release(arena);
    cw__free(arena);
    return ok;
}

static struct cw__arena *get(void *arg)
{
    (void)arg;
    return NULL;
}

static void batched_agrees(const char *text, size_t size)
{
    static const struct cw__batch_sink sink = { put, get };
    struct seen *one = calloc(1, sizeof(*one)), *two = calloc(1, sizeof(*two));
    struct cw_diag d1, d2;
    enum cw_status st1, st2;

    if (!one || !two)
        abort();
    st1 = cw__tf_load("f", text, size, take_seen, one, &d1);
    st2 = cw__tf_load_batched("f", text, size, -1, &sink, two, &d2);
    if (two->st && (!st2 || two->d.line < d2.line ||
                    (two->d.line == d2.line && two->d.col <= d2.col))) {
        st2 = two->st; /* the earlier error, as cw_scan_config picks */
        d2 = two->d;
    }
    if (st1 != CW_ENOMEM && st2 != CW_ENOMEM && st1 != CW_ELIMIT &&
        st2 != CW_ELIMIT) {
        if ((st1 == CW_OK) != (st2 == CW_OK))
            abort(); /* one accepts what the other refuses */
        if (st1 && (d1.line != d2.line || d1.col != d2.col ||
                    strcmp(d1.msg, d2.msg) != 0))
            abort(); /* the first error differs */
        if (!st1 && strcmp(one->list, two->list) != 0)
            abort(); /* other resources */
    }
    free(one);
    free(two);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cw_diag d;
    size_t n = 0;
    (void)cw__config_load("fuzz", (const char *)data, size, FUZZ_TYPE, take,
                          &n, &d);
#ifdef FUZZ_DETECT
    if (strcmp(cw__config_detect((const char *)data, size), "terraform") == 0)
        batched_agrees((const char *)data, size);
#endif
    return 0;
}
