/*
 * fuzz_terraform.c - libFuzzer target for the config loaders (src/config).
 * Built as fuzz_terraform with format detection (so it reaches every
 * loader: the streaming Terraform loader with the JSON cursor under it,
 * CloudFormation, Kubernetes, CLI exports), and once per loader with
 * FUZZ_TYPE naming it (fuzz_cloudformation, fuzz_kubernetes, fuzz_cli), so
 * each is fuzzed with the detection out of the way. Any input must give
 * resources or one positioned error, never a crash, leak or hang.
 */
#include <stddef.h>
#include <stdint.h>

#include "../src/config/config.h"

#ifndef FUZZ_TYPE
#define FUZZ_TYPE NULL
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool take(void *arg, const struct cw__resource *r)
{
    size_t *n = arg;
    *n += r->type[0] != '\0' && r->address[0] != '\0' &&
          (!r->region || r->region[0] != '\0');
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cw_diag d;
    size_t n = 0;
    (void)cw__config_load("fuzz", (const char *)data, size, FUZZ_TYPE, take,
                          &n, &d);
    return 0;
}
