/*
 * fuzz_oscal.c - libFuzzer target for OSCAL in (src/oscal/import.c): the
 * provider's SSP or component-definition that `cloudward scope
 * import-provider` reads, a file from outside.
 *
 * Whatever the input: no crash, leak or overrun; a refusal says why with
 * one of the statuses a reader gives. An accepted document's matrix is
 * JSON that the scope's matrix loader would read: a `controls` list of as
 * many rows as the import counted, each with a catalog, an id and one of
 * the four responsibilities.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/oscal/oscal_internal.h"
#include "../src/parse/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cw_catalogs *cats;

static void check_matrix(const struct cw__buf *out, size_t rows)
{
    struct cw__arena a;
    struct cw__node *root = NULL;
    const struct cw__node *ctl;
    struct cw_diag d;
    size_t i;

    cw__arena_init(&a, 0);
    cw_diag_clear(&d);
    if (cw__json_parse(&a, "matrix", out->data, out->len, NULL, &root, &d))
        abort();
    ctl = cw__node_get(root, "controls");
    if (!ctl || ctl->kind != CW__NODE_SEQ || ctl->n != rows)
        abort();
    for (i = 0; i < ctl->n; i++) {
        const char *r = cw__node_str(ctl->kids[i], "responsibility");
        if (!cw__node_str(ctl->kids[i], "catalog") ||
            !cw__node_str(ctl->kids[i], "id") || !r ||
            (strcmp(r, "provider") != 0 && strcmp(r, "customer") != 0 &&
             strcmp(r, "split") != 0 && strcmp(r, "each") != 0))
            abort();
    }
    cw__arena_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cw__buf out;
    struct cw_diag d;
    enum cw_status st;
    size_t rows = 0;

    if (!cats && cw_catalogs_new(NULL, &cats, &d))
        abort();
    cw__buf_init(&out, (size_t)64 << 20);
    cw_diag_clear(&d);
    st = cw__oscal_import_buffer(cats, "fuzz.json", (const char *)data, size,
                                 &out, &rows, &d);
    if (st == CW_OK)
        check_matrix(&out, rows);
    else if ((st != CW_EPARSE && st != CW_ESCHEMA && st != CW_ELIMIT &&
              st != CW_ENOMEM) ||
             !d.msg[0])
        abort();
    cw__buf_release(&out);
    return 0;
}
