/* helpers.h - temporary directories and files for the unit tests. */
#ifndef CW_TEST_HELPERS_H
#define CW_TEST_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Creates a fresh directory under $TMPDIR and returns it (static). */
static inline const char *tmp_dir(void)
{
    static char dir[256];
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/cwtest-XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(dir))
        abort();
    return dir;
}

/* Writes `text` to DIR/NAME, creating the sub-directories of NAME. */
static inline void put_file(const char *dir, const char *name,
                            const char *text)
{
    char path[512];
    const char *slash;
    FILE *f;
    for (slash = strchr(name, '/'); slash; slash = strchr(slash + 1, '/')) {
        snprintf(path, sizeof(path), "%s/%.*s", dir, (int)(slash - name),
                 name);
        mkdir(path, 0755);
    }
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
}

static inline void rm_tree(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        abort();
}

#ifdef CW_TEST_STORE
/* A fresh store folder for each test, `store` (cmocka's setup and
 * teardown): the tests of what a store keeps define CW_TEST_STORE. */
static char store[64];

static int setup(void **state)
{
    (void)state;
    snprintf(store, sizeof(store), "/tmp/cw-store-XXXXXX");
    if (!mkdtemp(store))
        abort();
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", store);
    return system(cmd);
}

/* The store's ledger (of `tenant` only, when not NULL) as JSON lines, to
 * search with strstr; the caller frees. (Include cmocka.h and
 * cloudward.h first.) */
static inline char *ledger_text(const char *tenant)
{
    struct cw_ledger *l;
    struct cw_diag d;
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    assert_non_null(m);
    assert_int_equal(cw_ledger_open_existing(store, &l, &d), CW_OK);
    assert_int_equal(cw_ledger_show(l, tenant, true, m, &d), CW_OK);
    cw_ledger_close(l);
    assert_int_equal(fclose(m), 0);
    return buf;
}

/* How many times `needle` is in `hay`. */
static inline size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (; (hay = strstr(hay, needle)); hay++)
        n++;
    return n;
}
#endif

#endif
