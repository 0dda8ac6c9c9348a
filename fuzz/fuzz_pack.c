/*
 * fuzz_pack.c - libFuzzer target for the check pack loader (rules, value
 * tests, regexes, control references). A pack that loads is also run
 * against an empty offline root, so the evaluator sees every rule shape
 * the loader accepts. Any crash, leak, hang or sanitizer report is a bug.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cloudward/cloudward.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cw_catalogs *cats;
    struct cw_pack *pack = NULL;
    struct cw_results *res = NULL;
    struct cw_host_options opt = { "fuzz/corpus", NULL, NULL };
    struct cw_diag d;

    if (!cats && cw_catalogs_new(NULL, &cats, &d))
        abort(); /* the embedded catalogs must always load */
    if (cw_pack_load_buffer(cats, "fuzz.yaml", (const char *)data, size,
                            &pack, &d))
        return 0;
    if (cw_scan_host(pack, &opt, &res, &d) == CW_OK)
        cw_results_free(res);
    cw_pack_free(pack);
    return 0;
}
