/* test_fault.c - fails allocation 1, 2, ... N of loading the catalogs, a
 * scope and building the SoA (and of a scan, and of a score history):
 * every run must end in a clean CW_ENOMEM (or succeed once N passes the
 * number of allocations), never crash or leak (the sanitizer build checks
 * leaks). SQLite's and Lua's idea. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cloudward/cloudward.h>

#include "helpers.h"

static long countdown = -1; /* allocations left before failing; -1: never */

static void *fail_malloc(size_t n, void *ud)
{
    (void)ud;
    if (countdown == 0)
        return NULL;
    if (countdown > 0)
        countdown--;
    return malloc(n ? n : 1);
}

static void *fail_realloc(void *p, size_t n, void *ud)
{
    (void)ud;
    if (countdown == 0)
        return NULL;
    if (countdown > 0)
        countdown--;
    return realloc(p, n ? n : 1);
}

static void fail_free(void *p, void *ud)
{
    (void)ud;
    free(p);
}

static enum cw_status run_once(const char *scope_path)
{
    struct cw_catalogs *cats = NULL;
    struct cw_scope *scope = NULL;
    struct cw_soa *soa = NULL;
    struct cw_diag d;
    enum cw_status st;

    st = cw_catalogs_new(NULL, &cats, &d);
    if (!st)
        st = cw_scope_load(cats, scope_path, &scope, &d);
    if (!st)
        st = cw_soa_build(cats, scope, NULL, &soa, &d);
    cw_soa_free(soa);
    cw_scope_free(scope);
    cw_catalogs_free(cats);
    return st;
}

static void every_allocation_fails_cleanly(void **state)
{
    const struct cw_allocator a = { fail_malloc, fail_realloc, fail_free,
                                    NULL };
    const char *dir = tmp_dir();
    char path[512];
    long n;
    enum cw_status st = CW_ENOMEM;
    (void)state;

    put_file(dir, "cloudward.yaml",
             "organisation: F\nrole: provider\nservice_models: [saas]\n"
             "pii_processor: true\n"
             "providers: [{name: I, service_model: iaas}]\n");
    put_file(dir, "decisions/d.yaml",
             "decisions:\n  - {control: CLD.9.5.2, applicable: true, "
             "evidence: [x]}\n");
    snprintf(path, sizeof(path), "%s/cloudward.yaml", dir);
    cw_set_allocator(&a);
    for (n = 0; n < 100000 && st == CW_ENOMEM; n++) {
        countdown = n;
        st = run_once(path);
        if (st != CW_OK && st != CW_ENOMEM)
            fail_msg("allocation %ld: got %s, wanted ENOMEM", n,
                     cw_status_name(st));
    }
    countdown = -1;
    cw_set_allocator(NULL);
    assert_int_equal(st, CW_OK);
    print_message("succeeded once %ld allocations were allowed\n", n - 1);
    rm_tree(dir);
}

static const char pack_text[] =
    "pack: f\nplatform: {id: debian}\nchecks:\n"
    "  - {id: a, title: t, severity: low, rationale: r, remediation: r,\n"
    "     controls: [\"iso27017:2015 CLD.9.5.2\"],\n"
    "     rule: {all: [{sshd: {key: PermitRootLogin, equals: \"no\"}},\n"
    "                  {sysctl: {key: net.ipv4.ip_forward, equals: \"0\"}},\n"
    "                  {lines: {path: /etc/passwd, match: '^root:'}}]}}\n"
    "  - {id: b, title: t, severity: low, rationale: r, remediation: r,\n"
    "     controls: [\"iso27017:2015 CLD.9.5.2\"],\n"
    "     rule: {any: [{tree: {find: suid}}, {accounts: {assert: "
    "unique-uids}},\n"
    "                  {package: {name: x}}, {kmod: {name: cramfs}}]}}\n";

/* The same for loading a check pack and scanning an offline root. */
static void scan_allocation_fails_cleanly(void **state)
{
    const struct cw_allocator a = { fail_malloc, fail_realloc, fail_free,
                                    NULL };
    const char *dir = tmp_dir();
    struct cw_catalogs *cats = NULL;
    struct cw_host_options opt = { dir, NULL, NULL };
    struct cw_diag d;
    enum cw_status st = CW_ENOMEM;
    long n;
    (void)state;

    put_file(dir, "etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
    put_file(dir, "etc/passwd", "root:x:0:0::/root:/bin/sh\n");
    put_file(dir, "etc/ssh/sshd_config", "Include /etc/ssh/d/*.conf\n");
    put_file(dir, "etc/ssh/d/a.conf", "PermitRootLogin no\n");
    put_file(dir, "etc/sysctl.conf", "net.ipv4.ip_forward = 0\n");
    put_file(dir, "var/lib/dpkg/status", "Package: x\nStatus: install ok "
                                         "installed\n\n");
    assert_int_equal(cw_catalogs_new(NULL, &cats, &d), CW_OK);
    cw_set_allocator(&a);
    for (n = 0; n < 100000 && st == CW_ENOMEM; n++) {
        struct cw_pack *pack = NULL;
        struct cw_results *res = NULL;
        countdown = n;
        st = cw_pack_load_buffer(cats, "f.yaml", pack_text,
                                 sizeof(pack_text) - 1, &pack, &d);
        if (!st)
            st = cw_scan_host(pack, &opt, &res, &d);
        if (st != CW_OK && st != CW_ENOMEM)
            fail_msg("allocation %ld: got %s, wanted ENOMEM", n,
                     cw_status_name(st));
        cw_results_free(res);
        cw_pack_free(pack);
    }
    countdown = -1;
    cw_set_allocator(NULL);
    assert_int_equal(st, CW_OK);
    print_message("scan succeeded once %ld allocations were allowed\n",
                  n - 1);
    cw_catalogs_free(cats);
    rm_tree(dir);
}

static int count_day(void *arg, const struct cw_score_day *day)
{
    (void)day;
    ++*(size_t *)arg;
    return 0;
}

/* The same for a score history of two days with the decisions as
 * recorded (a store without a ledger: the files' decisions, counted). */
static void history_allocation_fails_cleanly(void **state)
{
    const struct cw_allocator a = { fail_malloc, fail_realloc, fail_free,
                                    NULL };
    const char *dir = tmp_dir();
    struct cw_catalogs *cats = NULL;
    struct cw_scope *scope = NULL;
    struct cw_diag d;
    enum cw_status st = CW_ENOMEM;
    char path[512];
    size_t days = 0;
    long n;
    (void)state;

    put_file(dir, "cloudward.yaml",
             "organisation: F\nrole: provider\nservice_models: [saas]\n"
             "pii_processor: false\n");
    put_file(dir, "decisions/d.yaml",
             "decisions:\n  - {control: \"5.1\", applicable: true, "
             "status: planned}\n");
    snprintf(path, sizeof(path), "%s/cloudward.yaml", dir);
    assert_int_equal(cw_catalogs_new(NULL, &cats, &d), CW_OK);
    assert_int_equal(cw_scope_load(cats, path, &scope, &d), CW_OK);
    cw_set_allocator(&a);
    for (n = 0; n < 100000 && st == CW_ENOMEM; n++) {
        countdown = n;
        days = 0;
        st = cw_score_history(cats, scope, NULL, NULL, "2026-11-09",
                              "2026-11-10", count_day, &days, &d);
        if (st != CW_OK && st != CW_ENOMEM)
            fail_msg("allocation %ld: got %s, wanted ENOMEM", n,
                     cw_status_name(st));
    }
    countdown = -1;
    cw_set_allocator(NULL);
    assert_int_equal(st, CW_OK);
    assert_int_equal(days, 2);
    print_message("history succeeded once %ld allocations were allowed\n",
                  n - 1);
    cw_scope_free(scope);
    cw_catalogs_free(cats);
    rm_tree(dir);
}

/* cw_pack_check_index finds each check, and nothing else. */
static void pack_check_index(void **state)
{
    struct cw_catalogs *cats = NULL;
    struct cw_pack *pack = NULL;
    struct cw_check other;
    struct cw_diag d;
    size_t i, n;
    (void)state;

    assert_int_equal(cw_catalogs_new(NULL, &cats, &d), CW_OK);
    assert_int_equal(cw_pack_load_buffer(cats, "f.yaml", pack_text,
                                         sizeof(pack_text) - 1, &pack, &d),
                     CW_OK);
    n = cw_pack_count(pack);
    assert_true(n > 1);
    for (i = 0; i < n; i++)
        assert_int_equal(cw_pack_check_index(pack, cw_pack_check_at(pack, i)),
                         i);
    assert_int_equal(cw_pack_check_index(pack, &other), n);
    assert_int_equal(
        cw_pack_check_index(pack, (const struct cw_check *)(const void *)(
                                      (const char *)cw_pack_check_at(pack, 1) +
                                      8)),
        n); /* inside a check, not at one */
    cw_pack_free(pack);
    cw_catalogs_free(cats);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_allocation_fails_cleanly),
        cmocka_unit_test(scan_allocation_fails_cleanly),
        cmocka_unit_test(history_allocation_fails_cleanly),
        cmocka_unit_test(pack_check_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
