/*
 * fuzz_hostfiles.c - libFuzzer target for the host probes' readers of
 * configuration files: the input is split at NUL bytes (or, when it starts
 * with the byte 0xFF, at the two bytes 0xFF 0xFE, so that files can hold
 * NUL bytes themselves) into the contents
 * of sshd_config, sysctl.conf, login.defs, a PAM stack, sudoers, audit
 * rules, passwd, group, shadow, the dpkg status database, fstab, modprobe
 * configuration, modules.dep, os-release and pwquality.conf of an offline
 * root, and a pack with a check per reader is run against it. An offline
 * image is untrusted input: any crash, leak or hang is a bug.
 */
#define _GNU_SOURCE /* memmem */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cloudward/cloudward.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const files[] = {
    "etc/ssh/sshd_config", "etc/sysctl.conf", "etc/login.defs",
    "etc/pam.d/common-auth", "etc/sudoers", "etc/audit/rules.d/a.rules",
    "etc/passwd", "etc/group", "etc/shadow", "var/lib/dpkg/status",
    "etc/fstab", "etc/modprobe.d/a.conf", "lib/modules/1/modules.dep",
    "etc/os-release", "etc/security/pwquality.conf",
};

static const char pack_text[] =
    "pack: fuzz\nchecks:\n"
#define CHECK(id, rule)                                                      \
    "  - {id: " id ", title: t, severity: low, rationale: r,\n"              \
    "     remediation: r, controls: [\"iso27017:2015 CLD.9.5.2\"],\n"        \
    "     rule: " rule "}\n"
    CHECK("a", "{sshd: {key: PermitRootLogin, equals: \"no\"}}")
    CHECK("b", "{sysctl: {key: net.ipv4.ip_forward, max: 0}}")
    CHECK("c", "{keyvalue: {path: /etc/login.defs, key: PASS_MAX_DAYS, "
               "max: 365}}")
    CHECK("d", "{pam: {service: common-auth, module: pam_unix.so, "
               "args: nullok}}")
    CHECK("e", "{sudoers: {match: NOPASSWD, expect: absent}}")
    CHECK("f", "{audit: {match: '^-w /etc/passwd'}}")
    CHECK("g", "{all: [{accounts: {assert: only-root-has-uid-0}}, "
               "{accounts: {assert: password-max-days, max: 90}}, "
               "{accounts: {assert: shadow-group-empty}}]}")
    CHECK("h", "{package: {name: openssh-server}}")
    CHECK("i", "{mount: {path: /tmp, options: [nodev]}}")
    CHECK("j", "{kmod: {name: cramfs, state: disabled}}")
    CHECK("k", "{os: {id: debian, version: \"12\"}}")
    CHECK("l", "{keyvalue: {path: /etc/security/pwquality.conf, "
               "key: minlen, separator: \"=\", min: 14}}")
    CHECK("m", "{tree: {find: unowned}}");
#undef CHECK

static void put(const char *root, const char *name, const char *p, size_t n)
{
    char path[512], dir[512];
    char *slash;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", root, name);
    snprintf(dir, sizeof(dir), "%s", path);
    for (slash = strchr(dir + strlen(root) + 1, '/'); slash;
         slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(dir, 0755);
        *slash = '/';
    }
    f = fopen(path, "wb");
    if (!f)
        abort();
    if (n)
        fwrite(p, 1, n, f);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cw_catalogs *cats;
    static struct cw_pack *pack;
    static char root[] = "/tmp/cw-fuzz-root-XXXXXX";
    struct cw_host_options opt = { root, NULL, NULL };
    struct cw_results *res = NULL;
    struct cw_diag d;
    const char *p = (const char *)data, *end = p + size;
    bool wide = size && data[0] == 0xFF; /* files may hold NULs */
    size_t i;

    if (!cats) {
        if (cw_catalogs_new(NULL, &cats, &d) ||
            cw_pack_load_buffer(cats, "fuzz.yaml", pack_text,
                                sizeof(pack_text) - 1, &pack, &d) ||
            !mkdtemp(root))
            abort(); /* the fixed pack must always load */
    }
    if (wide)
        p++;
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        const char *nul = NULL;
        size_t n;
        if (p < end && wide)
            nul = memmem(p, (size_t)(end - p), "\xff\xfe", 2);
        else if (p < end)
            nul = memchr(p, '\0', (size_t)(end - p));
        n = p < end ? (nul ? (size_t)(nul - p) : (size_t)(end - p)) : 0;
        put(root, files[i], p, n);
        p = nul ? nul + (wide ? 2 : 1) : end;
    }
    if (cw_scan_host(pack, &opt, &res, &d) == CW_OK)
        cw_results_free(res);
    return 0;
}
