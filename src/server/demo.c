/*
 * demo.c - `cloudward serve --demo`: a fresh store filled from the bundled
 * examples, so that a newcomer sees the whole system in one command.
 * Acme Notes (examples/acme-notes) is the provider; Globex and Initech
 * are its customers (tenants); there is an admin, an auditor, a
 * customer-admin and a customer for each tenant, each with a password
 * made now and printed once (the provider's staff with their TOTP
 * secret). The library holds an NDA, the live SoA (generated, after the
 * NDA) and matrix (generated, public), a certificate summary and a
 * penetration-test summary (after the NDA), a security policy (public)
 * and one document of Globex's own; the 27018 registers of
 * examples/acme-notes/registers (an overdue breach notification owed to
 * Globex among them).
 *
 * Everything goes through the public API, as any provider's script would.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "http.h"

#ifndef CW_SOURCE_EXAMPLES
#define CW_SOURCE_EXAMPLES "examples"
#endif
#ifndef CW_INSTALLED_EXAMPLES
#define CW_INSTALLED_EXAMPLES "/usr/local/share/cloudward/examples"
#endif

/* The registers beside the example's scope (SCOPE's folder/registers),
 * contracts first: the others' deadlines use them. */
static int demo_registers(struct cw_access *a, const char *scope,
                          long long now)
{
    static const char *const files[] = {
        "contracts", "locations", "subprocessors", "disclosures",
        "breaches", "instructions", "temp-erasure", "principal-requests",
        "restorations", "user-records"
    };
    char dir[4096], path[4200];
    const char *slash = strrchr(scope, '/');
    size_t i;

    snprintf(dir, sizeof(dir), "%.*s/registers",
             slash ? (int)(slash - scope) : 1, slash ? scope : ".");
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct cw_reg_input *in = NULL;
        struct cw_diag d;
        size_t counts[3], len;
        char *buf;
        FILE *f;
        long size;
        int rc = 0;

        snprintf(path, sizeof(path), "%s/%s.yaml", dir, files[i]);
        if (!(f = fopen(path, "rb")))
            continue; /* an example without that register */
        if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
            fseek(f, 0, SEEK_SET) || !(buf = malloc((size_t)size + 1))) {
            fclose(f);
            return -1;
        }
        len = fread(buf, 1, (size_t)size, f);
        fclose(f);
        cw_diag_clear(&d);
        if (cw_reg_input_read(path, buf, len, -1, &in, &d) ||
            cw_register_put_input(a, in, CW_REG_UPSERT, NULL, "demo", now,
                                  counts, &d))
            rc = -1;
        cw_reg_input_free(in);
        free(buf);
        if (rc) {
            fprintf(stderr, "cloudward: --demo: %s: %s\n", path, d.msg);
            return -1;
        }
    }
    return 0;
}

/* The example provider's scope: in the working folder, the source tree
 * this binary was built from, or where it was installed. */
static bool find_scope(char *out, size_t n)
{
    static const char *const roots[] = { "examples", CW_SOURCE_EXAMPLES,
                                         CW_INSTALLED_EXAMPLES };
    size_t i;
    for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
        snprintf(out, n, "%s/acme-notes/cloudward.yaml", roots[i]);
        if (access(out, R_OK) == 0)
            return true;
    }
    return false;
}

static int fail(const char *what, const struct cw_diag *d)
{
    fprintf(stderr, "cloudward: --demo: %s: %s\n", what, d->msg);
    return -1;
}

/* A password of 20 characters from 15 random bytes (base64url). */
static void password(char out[24])
{
    unsigned char b[15];
    randombytes_buf(b, sizeof(b));
    sodium_bin2base64(out, 24, b, sizeof(b),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

struct person {
    const char *login;
    enum cw_grant role;
    const char *tenant;
};

static int put(struct cw_access *a, const char *id, const char *title,
               const char *type, enum cw_doc_class cls, const char *tenant,
               const char *agreement, const char *name, const char *text)
{
    struct cw_doc c;
    struct cw_diag d;
    long long v;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s", id);
    snprintf(c.title, sizeof(c.title), "%s", title);
    snprintf(c.type, sizeof(c.type), "%s", type);
    c.cls = cls;
    snprintf(c.tenant, sizeof(c.tenant), "%s", tenant ? tenant : "");
    snprintf(c.agreement, sizeof(c.agreement), "%s",
             agreement ? agreement : "");
    snprintf(c.name, sizeof(c.name), "%s", name);
    cw_diag_clear(&d);
    if (cw_document_put(a, &c, text, text ? strlen(text) : 0, "demo",
                        (long long)time(NULL), &v, &d))
        return fail(id, &d);
    return 0;
}

int serve_demo(char *store, size_t nstore, char *scope, size_t nscope)
{
    static const struct person people[] = {
        { "ada", CW_GRANT_ADMIN, NULL },
        { "alex", CW_GRANT_AUDITOR, NULL },
        { "gina", CW_GRANT_CUSTOMER_ADMIN, "globex" },
        { "gus", CW_GRANT_CUSTOMER, "globex" },
        { "ian", CW_GRANT_CUSTOMER, "initech" },
    };
    struct cw_access *a;
    struct cw_diag d;
    long long now = (long long)time(NULL), v;
    char dir[] = "/tmp/cloudward-demo-XXXXXX";
    size_t i;

    if (!find_scope(scope, nscope)) {
        fprintf(stderr,
                "cloudward: --demo: the bundled examples are not here: run "
                "it from the source tree, or install cloudward\n");
        return -1;
    }
    if (!mkdtemp(dir)) {
        fprintf(stderr, "cloudward: --demo: cannot make a folder: %s\n",
                strerror(errno));
        return -1;
    }
    snprintf(store, nstore, "%s/store", dir);
    cw_diag_clear(&d);
    if (cw_access_open(store, true, &a, &d))
        return fail("the store", &d);
    if (cw_tenant_add(a, "globex", "Globex Corporation", "demo", &d) ||
        cw_tenant_add(a, "initech", "Initech", "demo", &d)) {
        cw_access_close(a);
        return fail("tenants", &d);
    }
    if (demo_registers(a, scope, now)) {
        cw_access_close(a);
        return -1;
    }
    printf("cloudward demo: a fresh store in %s\n"
           "provider: Acme Notes Ltd (%s)\n"
           "customers: globex (Globex Corporation), initech (Initech)\n\n"
           "Sign in with these; each password is shown this once.\n",
           store, scope);
    for (i = 0; i < sizeof(people) / sizeof(people[0]); i++) {
        char pw[24], otp[CW_OTPAUTH_LEN];
        password(pw);
        if (cw_user_add(a, people[i].login, people[i].role, people[i].tenant,
                        pw, "demo", otp, &d)) {
            cw_access_close(a);
            return fail(people[i].login, &d);
        }
        printf("  %-5s %-15s %-8s password %s\n", people[i].login,
               cw_grant_name(people[i].role),
               people[i].tenant ? people[i].tenant : "(Acme)", pw);
        if (otp[0])
            printf("        second factor: %s\n", otp);
        sodium_memzero(pw, sizeof(pw));
    }
    if (cw_agreement_put(
            a, "nda", "Mutual non-disclosure agreement",
            "Acme Notes Ltd shares audit reports, test summaries and its "
            "Statement of Applicability with its customers in confidence. "
            "By accepting, your organisation agrees to use them only to "
            "assess Acme Notes as a supplier, to share them only with "
            "people who need them for that and who are bound to the same "
            "confidence, and not to publish them. This is demonstration "
            "text, not legal advice.",
            "demo", now, &v, &d)) {
        cw_access_close(a);
        return fail("the NDA", &d);
    }
    if (put(a, "soa", "Statement of Applicability", "soa", CW_DOC_GATED,
            NULL, "nda", "acme-notes-soa.xlsx", NULL) ||
        put(a, "matrix", "Shared-responsibility matrix (SaaS)", "matrix",
            CW_DOC_PUBLIC, NULL, NULL, "acme-notes-matrix.xlsx", NULL) ||
        put(a, "subprocessors", "Sub-processors", "subprocessors",
            CW_DOC_PUBLIC, NULL, NULL, "acme-notes-subprocessors.xlsx",
            NULL) ||
        put(a, "iso27001", "ISO/IEC 27001 certificate (summary)",
            "certificate", CW_DOC_PUBLIC, NULL, NULL,
            "iso27001-certificate.txt",
            "Certificate AN-2026-117 (demonstration)\n"
            "Issued to: Acme Notes Ltd\n"
            "Standard: ISO/IEC 27001:2022, with the controls of ISO/IEC "
            "27017:2015 and ISO/IEC 27018:2019\n"
            "Scope: the Acme Notes service, its operations and its Dublin "
            "office\nValid: 2026-04-01 to 2029-03-31\n") ||
        put(a, "pentest-2026", "Penetration test summary, 2026",
            "pentest-summary", CW_DOC_GATED, NULL, "nda",
            "pentest-2026-summary.txt",
            "Penetration test of the Acme Notes web application and API, "
            "October 2026 (demonstration).\nFindings: 0 critical, 1 high "
            "(fixed and retested), 3 medium (2 fixed, 1 accepted with a "
            "compensating control), 5 low.\n") ||
        put(a, "security-policy", "Information security policy", "policy",
            CW_DOC_PUBLIC, NULL, NULL, "security-policy.txt",
            "Acme Notes protects its customers' notes and the personal "
            "data in them by design: least privilege, encryption in "
            "transit and at rest, logging that cannot be rewritten "
            "unnoticed, and a tested response to incidents "
            "(demonstration).\n") ||
        put(a, "globex-review", "Globex service review, Q3 2026", "policy",
            CW_DOC_TENANT, "globex", NULL, "globex-review-q3.txt",
            "Quarterly service review for Globex Corporation: "
            "availability 99.97%, no incident involving Globex data "
            "(demonstration).\n")) {
        cw_access_close(a);
        return -1;
    }
    cw_access_close(a);
    {
        struct cw_ledger *l;
        char note[1024];
        if (!cw_ledger_open(store, &l, &d)) {
            (void)cw_ledger_checkpoint(l, note, sizeof(note), &d);
            cw_ledger_close(l);
        }
    }
    fflush(stdout);
    return 0;
}
