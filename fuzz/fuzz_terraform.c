/*
 * fuzz_terraform.c - libFuzzer target for the config loaders behind
 * format detection (src/config): the streaming Terraform loader with the
 * JSON cursor under it, and the Kubernetes loader (multi-document YAML or
 * JSON). Any input must give resources or one positioned error, never a
 * crash, leak or hang.
 */
#include <stddef.h>
#include <stdint.h>

#include "../src/config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool take(void *arg, const struct cw__resource *r)
{
    size_t *n = arg;
    *n += r->type[0] != '\0';
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cw_diag d;
    size_t n = 0;
    (void)cw__config_load("fuzz", (const char *)data, size, NULL, take, &n,
                          &d);
    return 0;
}
