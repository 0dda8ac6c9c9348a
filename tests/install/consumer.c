/* consumer.c - a program built against an installed libcloudward (through
 * pkg-config and through find_package) by tests/e2e/install.sh: it loads
 * the built-in catalogs and prints how many there are. */
#include <stdio.h>

#include <cloudward/cloudward.h>

int main(void)
{
    struct cw_catalogs *cats = NULL;
    struct cw_diag d;

    if (cw_catalogs_new(NULL, &cats, &d) != CW_OK) {
        fprintf(stderr, "consumer: %s\n", d.msg);
        return 1;
    }
    printf("%zu catalogs\n", cw_catalogs_count(cats));
    cw_catalogs_free(cats);
    return 0;
}
