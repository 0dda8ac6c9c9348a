/*
 * fuzz_registers.c - libFuzzer target for the registers' input
 * (src/registers/input.c): the YAML or JSON files that `cloudward
 * register NAME add --file` and `registers import` read, and the server
 * may be sent. The whole input is read twice, as "fuzz.yaml" and as
 * "fuzz.json", with the register named in the file (r = -1).
 *
 * Whatever the input: no crash, leak or overrun; a refusal leaves no
 * result, says why, and is one of the statuses the header promises. An
 * accepted file's records are canonical: each record's JSON, sent back
 * alone as {"register": NAME, "records": [JSON]} through the JSON reader
 * with the register given, must be accepted and give the very same
 * canonical JSON and id (so an import of what was exported, or an
 * update that changes nothing, stores the same bytes).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cloudward/cw_registers.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A refusal: no result, a status the reader may give, a message. */
static void check_refusal(enum cw_status st, const struct cw_reg_input *in,
                          const struct cw_diag *d)
{
    if (in)
        abort();
    if (st != CW_EPARSE && st != CW_EINVAL && st != CW_ELIMIT &&
        st != CW_ENOMEM)
        abort();
    if (!d->msg[0])
        abort();
}

/* Record i of `in`, alone, read back from its canonical JSON. */
static void round_trip(const struct cw_reg_input *in, size_t i)
{
    enum cw_register r = cw_reg_input_register(in);
    const char *name = cw_register_name(r);
    const char *json = cw_reg_input_json(in, i);
    const char *id = cw_reg_input_id(in, i);
    struct cw_reg_input *again = NULL;
    struct cw_diag d;
    enum cw_status st;
    size_t cap, len;
    char *w;
    int n;

    if (!name || !json || !id || json[0] != '{')
        abort();
    cap = strlen(json) + strlen(name) + 40;
    w = malloc(cap);
    if (!w)
        abort();
    n = snprintf(w, cap, "{\"register\":\"%s\",\"records\":[%s]}", name, json);
    if (n < 0 || (size_t)n >= cap)
        abort();
    len = (size_t)n;
    memset(&d, 0, sizeof(d));
    st = cw_reg_input_read("x.json", w, len, (int)r, &again, &d);
    if (st == CW_ENOMEM) {
        free(w);
        return;
    }
    if (st || !again) {
        fprintf(stderr, "round trip refused: %s:%u:%u: %s\n%s\n", d.file,
                d.line, d.col, d.msg, w);
        abort();
    }
    if (cw_reg_input_register(again) != r || cw_reg_input_count(again) != 1 ||
        strcmp(cw_reg_input_json(again, 0), json) != 0 ||
        strcmp(cw_reg_input_id(again, 0), id) != 0) {
        fprintf(stderr, "round trip differs:\n%s\n%s\n", json,
                cw_reg_input_json(again, 0));
        abort();
    }
    cw_reg_input_free(again);
    free(w);
}

static void read_as(const char *file, const char *buf, size_t len)
{
    struct cw_reg_input *in = NULL;
    struct cw_diag d;
    enum cw_status st;
    size_t i, n, k;

    memset(&d, 0, sizeof(d));
    st = cw_reg_input_read(file, buf, len, -1, &in, &d);
    if (st) {
        check_refusal(st, in, &d);
        return;
    }
    if (!in || (unsigned)cw_reg_input_register(in) >= CW_REG_COUNT)
        abort();
    n = cw_reg_input_count(in);
    if (cw_reg_input_json(in, n) || cw_reg_input_id(in, n))
        abort(); /* past the end: NULL */
    for (i = 0; i < n; i++) {
        const char *id = cw_reg_input_id(in, i);
        /* An id, when given, is given once. */
        for (k = 0; id[0] && k < i; k++)
            if (strcmp(cw_reg_input_id(in, k), id) == 0)
                abort();
        round_trip(in, i);
    }
    cw_reg_input_free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact copy, so that ASan sees a read past the end. */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    read_as("fuzz.yaml", buf, size);
    read_as("fuzz.json", buf, size);
    free(buf);
    return 0;
}
