/*
 * fuzz_agentpush.c - libFuzzer target for an agent's push document
 * (src/checks/agent_push.c): what `cloudward serve` reads from a host
 * once its signature holds, against the built-in debian-12 pack.
 *
 * Whatever the input: no crash, leak or overrun. An accepted push has a
 * result for every check of the pack, and written again by the agent's
 * writer and read back it gives the same results, field by field.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cloudward/cloudward.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cw_catalogs *cats;
static struct cw_pack *pack;

static bool same(const char *a, const char *b)
{
    return (!a || !*a) ? (!b || !*b) : (b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cw_agent_push push, push2;
    struct cw_results *res = NULL, *res2 = NULL;
    struct cw_diag d;
    char *body = NULL;
    size_t len = 0, i;

    if (!cats && (cw_catalogs_new(NULL, &cats, &d) ||
                  cw_pack_load(cats, "debian-12", &pack, &d)))
        abort();
    if (cw_agent_push_read(pack, "push", (const char *)data, size, "h", &push,
                           &res, &d))
        return 0;
    if (cw_results_count(res) != cw_pack_count(pack))
        abort();
    if (cw_agent_push_write(res, push.agent, push.seq, &body, &len, &d) ||
        cw_agent_push_read(pack, "again", body, len, "h", &push2, &res2, &d))
        abort();
    if (push2.seq != push.seq || strcmp(push2.agent, push.agent) != 0 ||
        strcmp(push2.started, push.started) != 0 ||
        cw_results_count(res2) != cw_results_count(res))
        abort();
    for (i = 0; i < cw_results_count(res); i++) {
        const struct cw_result *x = cw_results_at(res, i),
                               *y = cw_results_at(res2, i);
        if (x->check != y->check || x->verdict != y->verdict ||
            !same(x->reason, y->reason) || !same(x->file, y->file) ||
            (x->file && *x->file && x->line != y->line))
            abort();
    }
    free(body);
    cw_results_free(res);
    cw_results_free(res2);
    return 0;
}
