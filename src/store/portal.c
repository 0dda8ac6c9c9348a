/*
 * portal.c - the trust portal's records (cw_portal.h) in the access
 * tables (access.db, or the PostgreSQL store's; migration 3 / 6).
 *
 * A document's bytes sit in document_blobs by SHA-256, written in the
 * same transaction as the version that names them and its ledger entry:
 * killed at any point, a store holds the whole version or none of it.
 * A new version's notices, and the webhook deliveries that carry them to
 * tenants' own systems (webhook.c), are written in that transaction too.
 * Visibility is decided in one place (visible()) and every function that
 * reads a document for a tenant goes through it; a document a tenant may
 * not see is answered exactly as a missing one.
 */
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>

#include <sodium.h>

#include <cloudward/cw_ledger.h>
#include <cloudward/cw_package.h>
#include <cloudward/cw_portal.h>

#include "../core/core.h"
#include "../ledger/merkle.h"

#include "access_internal.h"
#include "sql.h"

#define AGREEMENT_MAX ((size_t)256 << 10)

static const char *const class_names[] = { "public", "gated", "tenant" };
static const char *const doc_types[] = { "soa",          "matrix",
                                         "certificate",  "audit-report",
                                         "pentest-summary", "policy",
                                         "package", "subprocessors" };

const char *cw_doc_class_name(enum cw_doc_class c)
{
    return (unsigned)c < 3 ? class_names[c] : "?";
}

bool cw_doc_class_parse(const char *s, enum cw_doc_class *out)
{
    int i;
    for (i = 0; s && i < 3; i++)
        if (strcmp(s, class_names[i]) == 0) {
            *out = (enum cw_doc_class)i;
            return true;
        }
    return false;
}

bool cw_doc_type_ok(const char *type)
{
    size_t i;
    for (i = 0; type && i < sizeof(doc_types) / sizeof(doc_types[0]); i++)
        if (strcmp(type, doc_types[i]) == 0)
            return true;
    return false;
}

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

/* ---- documents --------------------------------------------------------- */

/* A generated document's format, from its name's extension. */
static bool generated_format(const char *name)
{
    static const char *const ext[] = { ".xlsx", ".csv", ".json", ".html",
                                       ".md" };
    size_t i, n = strlen(name);
    for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
        size_t k = strlen(ext[i]);
        if (n > k && strcmp(name + n - k, ext[i]) == 0)
            return true;
    }
    return false;
}

#define DOC_COLUMNS                                                           \
    "SELECT d.id, d.title, d.type, d.class, d.tenant_id, d.agreement, "     \
    "v.version, v.sha256, v.size, v.name, v.created "                       \
    "FROM documents d JOIN document_versions v ON v.doc_id = d.id "

static void doc_of(struct cw__q *q, struct cw_doc *c)
{
    memset(c, 0, sizeof(*c));
    copy(c->id, sizeof(c->id), cw__col_text(q, 0));
    copy(c->title, sizeof(c->title), cw__col_text(q, 1));
    copy(c->type, sizeof(c->type), cw__col_text(q, 2));
    if (!cw_doc_class_parse(cw__col_text(q, 3), &c->cls))
        c->cls = CW_DOC_TENANT; /* a damaged row: the narrowest */
    copy(c->tenant, sizeof(c->tenant), cw__col_text(q, 4));
    copy(c->agreement, sizeof(c->agreement), cw__col_text(q, 5));
    c->version = cw__col_int64(q, 6);
    copy(c->sha256, sizeof(c->sha256), cw__col_text(q, 7));
    c->size = cw__col_int64(q, 8);
    copy(c->name, sizeof(c->name), cw__col_text(q, 9));
    c->updated = cw__col_int64(q, 10);
    c->generated = c->sha256[0] == '\0';
}

/* May `tenant` (NULL: the provider) see document c? The one rule. */
static bool visible(const struct cw_doc *c, const char *tenant)
{
    if (!tenant)
        return true;
    switch (c->cls) {
    case CW_DOC_PUBLIC:
    case CW_DOC_GATED:
        return true;
    case CW_DOC_TENANT:
        return c->tenant[0] && strcmp(c->tenant, tenant) == 0;
    }
    return false;
}

static enum cw_status not_found(const char *id, struct cw_diag *d)
{
    return cw__diag_set(d, CW_ENOENT, NULL, 0, 0, "no document '%s'",
                        cw__acc_id_ok(id) ? id : "?");
}

/* Reads document `id` at `version` (0: latest) into *c; CW_ENOENT when
 * absent. Visibility is the caller's to check. */
static enum cw_status doc_read(struct cw_access *a, const char *id,
                               long long version, struct cw_doc *c,
                               struct cw_diag *d)
{
    const void *vals[2] = { id, &version };
    struct cw__q *q = NULL;
    int rc;
    if (!id || !cw__acc_id_ok(id))
        return not_found("?", d);
    rc = version > 0
             ? cw__acc_one(a, DOC_COLUMNS "WHERE d.id = ? AND v.version = ?",
                           "ti", vals, &q)
             : cw__acc_one(a,
                           DOC_COLUMNS "WHERE d.id = ? ORDER BY v.version "
                                       "DESC LIMIT 1",
                           "t", vals, &q);
    if (rc == CW__Q_ERROR)
        return cw__acc_db_error(a, d, "cannot read the documents");
    if (rc != CW__Q_ROW)
        return not_found(id, d);
    doc_of(q, c);
    cw__q_finalize(q);
    return CW_OK;
}

enum cw_status cw_document_get(struct cw_access *a, const char *id,
                               long long version, const char *tenant,
                               struct cw_doc *out, struct cw_diag *d)
{
    enum cw_status st = doc_read(a, id, version, out, d);
    if (!st && !visible(out, tenant)) {
        memset(out, 0, sizeof(*out));
        return not_found(id, d);
    }
    return st;
}

struct doc_each {
    const char *tenant;
    int (*fn)(void *arg, const struct cw_doc *c);
    void *arg;
};

static int doc_row(struct cw_access *a, struct cw__q *q, void *arg)
{
    struct doc_each *e = arg;
    struct cw_doc c;
    (void)a;
    doc_of(q, &c);
    return visible(&c, e->tenant) ? e->fn(e->arg, &c) : 0;
}

enum cw_status cw_document_each(struct cw_access *a, const char *tenant,
                                int (*fn)(void *arg,
                                          const struct cw_doc *c),
                                void *arg, struct cw_diag *d)
{
    struct doc_each e = { tenant, fn, arg };
    return cw__acc_each_row(
        a,
        DOC_COLUMNS "WHERE v.version = (SELECT max(version) FROM "
                    "document_versions WHERE doc_id = d.id) ORDER BY d.id",
        "documents", doc_row, &e, d);
}

/* A title or file name: 1 to 200 bytes of UTF-8 without controls. */
static bool text_line(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n && n <= 200 && cw__utf8_text(s, n, false);
}

/* The checks of a new document's description. */
static enum cw_status doc_spec_ok(struct cw_access *a,
                                  const struct cw_doc *doc,
                                  struct cw_diag *d)
{
    if (!cw__acc_id_ok(doc->id))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a document's id: 1 to 64 of a-z, 0-9 and '-'");
    if (!text_line(doc->title))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a document's title: 1 to 200 characters on "
                            "one line");
    if (!cw_doc_type_ok(doc->type))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a document's type: soa, matrix, certificate, "
                            "audit-report, pentest-summary, policy or "
                            "package");
    if (!text_line(doc->name) || strchr(doc->name, '/') ||
        strchr(doc->name, '\\') || doc->name[0] == '.')
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a file name: 1 to 200 characters, no '/' or "
                            "'\\', not starting with '.'");
    if ((doc->cls == CW_DOC_TENANT) != (doc->tenant[0] != '\0'))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            doc->tenant[0] ? "only a tenant's document "
                                             "names a tenant"
                                           : "a tenant's document names "
                                             "its tenant");
    if ((doc->cls == CW_DOC_GATED) != (doc->agreement[0] != '\0'))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            doc->agreement[0] ? "only a gated document "
                                                "names an agreement"
                                              : "a gated document names "
                                                "the agreement to accept");
    if (doc->cls == CW_DOC_TENANT)
        return cw__acc_tenant_exists(a, doc->tenant, d);
    if (doc->cls == CW_DOC_GATED) {
        struct cw_agreement g;
        enum cw_status st = cw_agreement_get(a, doc->agreement, &g, d);
        cw_agreement_release(&g);
        return st;
    }
    return CW_OK;
}

enum cw_status cw_document_put(struct cw_access *a,
                               const struct cw_doc *doc,
                               const void *data, size_t len,
                               const char *actor, long long now,
                               long long *version, struct cw_diag *d)
{
    struct cw_doc old;
    unsigned char h[32];
    char sha[65], details[512], subject[300];
    const char *tenant = doc->tenant[0] ? doc->tenant : NULL;
    struct cw__q *q = NULL;
    enum cw_status st;
    long long v = 1, size = (long long)len;
    bool exists;

    *version = 0;
    if (len > CW_DOCUMENT_MAX)
        return cw__diag_set(d, CW_ELIMIT, NULL, 0, 0,
                            "a document is at most 64 MiB");
    if (!data && (strcmp(doc->type, "soa") != 0 &&
                  strcmp(doc->type, "matrix") != 0 &&
                  strcmp(doc->type, "subprocessors") != 0))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "only an SoA, a matrix or the sub-processors' "
                            "list is generated; a %s document needs its "
                            "file",
                            doc->type);
    if (!data && !generated_format(doc->name))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a generated document's name ends in .xlsx, "
                            ".csv, .json, .html or .md (its format)");
    /* An audit package is only worth handing out whole and signed: what
     * an auditor downloads as one must verify as one (offline, as they
     * will; who signed it they check with the provider's key). */
    if (data && strcmp(doc->type, "package") == 0) {
        struct cw_diag pd;
        cw_diag_clear(&pd);
        if (cw_package_verify_buffer(data, len, doc->name, NULL, NULL, &pd))
            return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                                "a package document must be an audit "
                                "package that verifies ('cloudward "
                                "package'): %s",
                                pd.msg);
    }
    cw__sha256(data ? data : "", len, h);
    sodium_bin2hex(sha, sizeof(sha), h, sizeof(h));
    if (!data)
        sha[0] = '\0'; /* generated: no file */
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    st = doc_spec_ok(a, doc, d);
    if (!st) {
        st = doc_read(a, doc->id, 0, &old, d);
        exists = st == CW_OK;
        if (st == CW_ENOENT)
            cw_diag_clear(d), st = CW_OK;
        if (exists) {
            v = old.version + 1;
            if (strcmp(old.type, doc->type) != 0 || old.cls != doc->cls ||
                strcmp(old.tenant, doc->tenant) != 0 ||
                strcmp(old.agreement, doc->agreement) != 0)
                st = cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                                  "document %s is a %s, %s%s%s%s%s: a new "
                                  "version keeps its type, class, tenant "
                                  "and agreement (make another document "
                                  "for a change)",
                                  doc->id, old.type,
                                  cw_doc_class_name(old.cls),
                                  old.tenant[0] ? " for " : "", old.tenant,
                                  old.agreement[0] ? " under " : "",
                                  old.agreement);
        }
    }
    if (!st && !exists) {
        const char *cls = cw_doc_class_name(doc->cls),
                   *agr = doc->agreement[0] ? doc->agreement : NULL;
        const void *vals[7] = { doc->id, tenant, doc->title, doc->type,
                                cls,     agr,    &now };
        if (cw__acc_one(a,
                        "INSERT INTO documents(id, tenant_id, title, type, "
                        "class, agreement, created) VALUES (?, ?, ?, ?, ?, "
                        "?, ?)",
                        "tttttti", vals, &q) != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot save the document");
    } else if (!st) {
        const void *vals[2] = { doc->title, doc->id };
        if (cw__acc_one(a, "UPDATE documents SET title = ? WHERE id = ?",
                        "tt", vals, &q) != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot save the document");
    }
    if (!st && data) {
        const void *vals[1] = { sha };
        int rc = cw__acc_one(a, "SELECT 1 FROM document_blobs WHERE sha256 = ?",
                             "t", vals, &q);
        cw__q_finalize(q);
        q = NULL;
        if (rc == CW__Q_DONE) {
            struct cw__acc_blob b = { data ? data : "", len };
            const void *bv[2] = { sha, &b };
            if (cw__acc_one(a,
                            "INSERT INTO document_blobs(sha256, data) "
                            "VALUES (?, ?)",
                            "tb", bv, &q) != CW__Q_DONE)
                st = cw__acc_db_error(a, d, "cannot save the file");
        } else if (rc == CW__Q_ERROR) {
            st = cw__acc_db_error(a, d, "cannot read the files");
        }
    }
    if (!st) {
        const void *vals[7] = { doc->id, &v, tenant, sha, &size, doc->name,
                                &now };
        if (cw__acc_one(a,
                        "INSERT INTO document_versions(doc_id, version, "
                        "tenant_id, sha256, size, name, created) VALUES "
                        "(?, ?, ?, ?, ?, ?, ?)",
                        "tittiti", vals, &q) != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot save the version");
    }
    /* A notice to each subscriber. The subject holds the title (the
     * provider's text, not personal data). */
    if (!st) {
        const char *kind = "document.version";
        const void *nv[5] = { kind, &v, subject, &now, doc->id };
        snprintf(subject, sizeof(subject), "%s: version %lld", doc->title,
                 v);
        if (cw__acc_one(a,
                        "INSERT INTO notices(tenant_id, user_id, kind, "
                        "doc_id, version, subject, created) SELECT "
                        "s.tenant_id, s.user_id, ?, s.doc_id, ?, ?, ? "
                        "FROM subscriptions s WHERE s.doc_id = ?",
                        "titit", nv, &q) != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot send the notices");
        /* The same notice to the webhook of each tenant that has one and
         * a follower (webhook.c), in this transaction: kept together. */
        if (!st)
            st = cw__webhook_enqueue(a, kind, doc->id, v, subject, now, d);
    }
    if (!st) {
        snprintf(details, sizeof(details),
                 "{\"version\":%lld,\"sha256\":\"%s\",\"size\":%lld,"
                 "\"type\":\"%s\",\"class\":\"%s\"}",
                 v, sha, size, doc->type, cw_doc_class_name(doc->cls));
        st = cw__acc_record(a, "document.version", doc->id, tenant, details,
                            actor, d);
    }
    if (!(st = cw__acc_commit(a, st, d)))
        *version = v;
    return st;
}

/* ---- agreements ---------------------------------------------------------- */

void cw_agreement_release(struct cw_agreement *g)
{
    if (g) {
        cw__free(g->text);
        g->text = NULL;
    }
}

enum cw_status cw_agreement_get(struct cw_access *a, const char *id,
                                struct cw_agreement *out, struct cw_diag *d)
{
    const void *vals[1] = { id };
    struct cw__q *q = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!id || !cw__acc_id_ok(id))
        return cw__diag_set(d, CW_ENOENT, NULL, 0, 0, "no such agreement");
    rc = cw__acc_one(a,
                     "SELECT id, title, version, created, body FROM "
                     "agreements WHERE id = ? ORDER BY version DESC LIMIT 1",
                     "t", vals, &q);
    if (rc == CW__Q_ERROR)
        return cw__acc_db_error(a, d, "cannot read the agreements");
    if (rc != CW__Q_ROW)
        return cw__diag_set(d, CW_ENOENT, NULL, 0, 0,
                            "no agreement '%s' (cloudward agreement put)", id);
    copy(out->id, sizeof(out->id), cw__col_text(q, 0));
    copy(out->title, sizeof(out->title), cw__col_text(q, 1));
    out->version = cw__col_int64(q, 2);
    out->created = cw__col_int64(q, 3);
    out->text = cw__strdup(cw__col_text(q, 4) ? cw__col_text(q, 4) : "");
    cw__q_finalize(q);
    if (!out->text)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    return CW_OK;
}

enum cw_status cw_agreement_put(struct cw_access *a, const char *id,
                                const char *title, const char *text,
                                const char *actor, long long now,
                                long long *version, struct cw_diag *d)
{
    struct cw_agreement g;
    enum cw_status st;
    struct cw__q *q = NULL;
    char details[128];
    long long v = 1;
    size_t n = text ? strlen(text) : 0;

    *version = 0;
    if (!id || !cw__acc_id_ok(id))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "an agreement's id: 1 to 64 of a-z, 0-9 and '-'");
    if (!text_line(title))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "an agreement's title: 1 to 200 characters on "
                            "one line");
    if (!n || n > AGREEMENT_MAX || !cw__utf8_text(text, n, true))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "an agreement's terms: 1 byte to 256 KiB of "
                            "UTF-8");
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    st = cw_agreement_get(a, id, &g, d);
    if (!st)
        v = g.version + 1;
    else if (st == CW_ENOENT)
        cw_diag_clear(d), st = CW_OK;
    cw_agreement_release(&g);
    if (!st) {
        const void *vals[5] = { id, &v, title, text, &now };
        if (cw__acc_one(a,
                        "INSERT INTO agreements(id, version, title, body, "
                        "created) VALUES (?, ?, ?, ?, ?)",
                        "titti", vals, &q) != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot save the agreement");
    }
    if (!st) {
        unsigned char h[32];
        char sha[65];
        cw__sha256(text, n, h);
        sodium_bin2hex(sha, sizeof(sha), h, sizeof(h));
        snprintf(details, sizeof(details),
                 "{\"version\":%lld,\"sha256\":\"%s\"}", v, sha);
        st = cw__acc_record(a, "agreement.version", id, NULL, details, actor,
                            d);
    }
    if (!(st = cw__acc_commit(a, st, d)))
        *version = v;
    return st;
}

enum cw_status cw_agreement_accepted(struct cw_access *a, const char *id,
                                     const char *user_id, bool *yes,
                                     struct cw_diag *d)
{
    const void *vals[3] = { user_id, id, id };
    struct cw__q *q = NULL;
    int rc;
    *yes = false;
    rc = cw__acc_one(a,
                     "SELECT 1 FROM acceptances WHERE user_id = ? AND "
                     "agreement = ? AND version = (SELECT max(version) "
                     "FROM agreements WHERE id = ?)",
                     "ttt", vals, &q);
    cw__q_finalize(q);
    if (rc == CW__Q_ERROR)
        return cw__acc_db_error(a, d, "cannot read the acceptances");
    *yes = rc == CW__Q_ROW;
    return CW_OK;
}

/* An address for the ledger: digits, hex, '.', ':' only. */
static const char *address(const char *s)
{
    return s && *s && strlen(s) <= 60 &&
                   strspn(s, "0123456789abcdefABCDEF.:") == strlen(s)
               ? s
               : "?";
}

enum cw_status cw_agreement_accept(struct cw_access *a, const char *id,
                                   long long version, const char *user_id,
                                   const char *tenant, const char *source,
                                   long long now, struct cw_diag *d)
{
    struct cw_agreement g;
    enum cw_status st;
    struct cw__q *q = NULL;
    char details[200];
    const char *src = address(source);

    if (!tenant)
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "agreements are accepted by a tenant's users");
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    st = cw_agreement_get(a, id, &g, d);
    if (!st && g.version != version)
        st = cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                          "agreement %s is at version %lld: read it and "
                          "accept that one",
                          id, g.version);
    cw_agreement_release(&g);
    if (!st) {
        const void *vals[6] = { tenant, user_id, id, &version, &now, src };
        int rc = cw__acc_one(a,
                             "INSERT INTO acceptances(tenant_id, user_id, "
                             "agreement, version, accepted, source) VALUES "
                             "(?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                             "tttiit", vals, &q);
        if (rc != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot save the acceptance");
    }
    if (!st) {
        snprintf(details, sizeof(details),
                 "{\"agreement\":\"%s\",\"version\":%lld,\"source\":\"%s\"}",
                 id, version, src);
        st = cw__acc_record(a, "agreement.accept", id, tenant, details,
                            user_id, d);
    }
    return cw__acc_commit(a, st, d);
}

/* ---- downloads ----------------------------------------------------------- */

enum cw_status cw_download_grant(struct cw_access *a, const char *id,
                                 long long version, const char *user_id,
                                 const char *tenant, long long now,
                                 char token[CW_DOWNLOAD_TEXT],
                                 long long *expires, struct cw_diag *d)
{
    struct cw_doc c;
    char did[CW_TOKEN_ID], hash[65];
    struct cw__q *q = NULL;
    enum cw_status st;

    token[0] = '\0';
    *expires = now + CW_DOWNLOAD_SECONDS;
    if ((st = cw_document_get(a, id, version, tenant, &c, d)))
        return st;
    if (c.cls == CW_DOC_GATED && tenant) {
        bool yes;
        if ((st = cw_agreement_accepted(a, c.agreement, user_id, &yes, d)))
            return st;
        if (!yes)
            return cw__diag_set(d, CW_EPERM, NULL, 0, 0,
                                "accept agreement %s first", c.agreement);
    }
    cw__acc_secret("cwd_", token, CW_DOWNLOAD_TEXT, did);
    cw__acc_hash(token, hash);
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    {
        const void *vals[8] = { did,  tenant, user_id, hash,
                                c.id, &c.version, &now, expires };
        if (cw__acc_one(a,
                        "INSERT INTO downloads(id, tenant_id, user_id, hash, "
                        "doc_id, version, created, expires) VALUES (?, ?, "
                        "?, ?, ?, ?, ?, ?)",
                        "tttttiii", vals, &q) != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot save the download");
    }
    if ((st = cw__acc_commit(a, st, d)))
        sodium_memzero(token, CW_DOWNLOAD_TEXT), token[0] = '\0';
    return st;
}

void cw_download_release(struct cw_download *dl)
{
    if (dl) {
        cw__free(dl->data);
        dl->data = NULL;
        dl->len = 0;
    }
}

/* The bytes of document `c` (kept, or made by gen) into *out. */
static enum cw_status doc_bytes(struct cw_access *a, const struct cw_doc *c,
                                const char *download_id, cw_doc_generator gen,
                                void *gen_arg, struct cw_download *out,
                                struct cw_diag *d)
{
    unsigned char h[32];
    char sha[65];
    struct cw__q *q = NULL;
    int rc;

    if (c->generated) {
        struct cw_generated g = { NULL, 0, NULL };
        enum cw_status st;
        if (!gen)
            return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                                "document %s is generated and nothing here "
                                "generates it",
                                c->id);
        if ((st = gen(gen_arg, c, download_id, &g, d)))
            return st;
        out->data = cw__malloc(g.len ? g.len : 1);
        if (out->data && g.len)
            memcpy(out->data, g.data, g.len);
        out->len = g.len;
        if (g.release)
            g.release(g.data);
        if (!out->data)
            return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        cw__sha256(out->data, out->len, h);
        sodium_bin2hex(out->doc.sha256, sizeof(out->doc.sha256), h, sizeof(h));
        out->doc.size = (long long)out->len;
        return CW_OK;
    }
    {
        const void *bv[1] = { c->sha256 };
        rc = cw__acc_one(a, "SELECT data FROM document_blobs WHERE sha256 = ?",
                         "t", bv, &q);
    }
    if (rc != CW__Q_ROW)
        return rc == CW__Q_ERROR
                   ? cw__acc_db_error(a, d, "cannot read the file")
                   : cw__diag_set(d, CW_EINTEGRITY, NULL, 0, 0,
                                  "the file of document %s version %lld is "
                                  "missing",
                                  c->id, c->version);
    out->len = cw__col_bytes(q, 0);
    out->data = cw__malloc(out->len ? out->len : 1);
    if (out->data && out->len)
        memcpy(out->data, cw__col_blob(q, 0), out->len);
    cw__q_finalize(q);
    if (!out->data)
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    cw__sha256(out->data, out->len, h);
    sodium_bin2hex(sha, sizeof(sha), h, sizeof(h));
    if (strcmp(sha, c->sha256) != 0)
        return cw__diag_set(d, CW_EINTEGRITY, NULL, 0, 0,
                            "document %s version %lld does not match its "
                            "SHA-256",
                            c->id, c->version);
    return CW_OK;
}

enum cw_status cw_download_redeem(struct cw_access *a, const char *token,
                                  const char *user_id, const char *source,
                                  long long now, cw_doc_generator gen,
                                  void *gen_arg, struct cw_download *out,
                                  struct cw_diag *d)
{
    static const char nothing[65] =
        "0000000000000000000000000000000000000000000000000000000000000000";
    char id[CW_TOKEN_ID], hash[65], stored[65], doc[65] = "", user[65] = "",
         tenant[65] = "", details[400];
    const void *vals[1] = { id };
    struct cw__q *q = NULL;
    long long version = 0, expires = 0, used = 1;
    enum cw_status st = CW_OK;
    bool ok;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!cw__acc_secret_id("cwd_", token, id))
        return cw__diag_set(d, CW_EPERM, NULL, 0, 0,
                            "not a valid download token");
    cw__acc_hash(token, hash);
    memcpy(stored, nothing, sizeof(stored));
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    rc = cw__acc_one(a,
                     "SELECT hash, doc_id, version, user_id, tenant_id, "
                     "expires, used FROM downloads WHERE id = ?",
                     "t", vals, &q);
    if (rc == CW__Q_ROW) {
        if (cw__col_text(q, 0) && strlen(cw__col_text(q, 0)) == 64)
            copy(stored, sizeof(stored), cw__col_text(q, 0));
        copy(doc, sizeof(doc), cw__col_text(q, 1));
        version = cw__col_int64(q, 2);
        copy(user, sizeof(user), cw__col_text(q, 3));
        copy(tenant, sizeof(tenant), cw__col_text(q, 4));
        expires = cw__col_int64(q, 5);
        used = cw__col_int64(q, 6);
    }
    cw__q_finalize(q);
    q = NULL;
    if (rc == CW__Q_ERROR) {
        cw__db_exec(a->db, "ROLLBACK");
        return cw__acc_db_error(a, d, "cannot read the downloads");
    }
    ok = sodium_memcmp(hash, stored, 64) == 0 &&
         memcmp(stored, nothing, 64) != 0 && !used && expires > now &&
         user_id && strcmp(user, user_id) == 0;
    if (!ok) {
        cw__db_exec(a->db, "ROLLBACK");
        return cw__diag_set(d, CW_EPERM, NULL, 0, 0,
                            "this download link is spent, expired or not "
                            "yours: ask for a new one");
    }
    if (cw__acc_one(a, "UPDATE downloads SET used = 1 WHERE id = ?", "t",
                    vals, &q) != CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot spend the download");
    if (!st)
        st = doc_read(a, doc, version, &out->doc, d);
    if (!st)
        st = doc_bytes(a, &out->doc, id, gen, gen_arg, out, d);
    if (!st) {
        snprintf(details, sizeof(details),
                 "{\"document\":\"%s\",\"version\":%lld,\"sha256\":\"%s\","
                 "\"download\":\"%s\",\"source\":\"%s\"}",
                 doc, version, out->doc.sha256, id, address(source));
        st = cw__acc_record(a, "document.download", doc,
                            tenant[0] ? tenant : NULL, details, user, d);
    }
    if ((st = cw__acc_commit(a, st, d))) {
        cw_download_release(out);
        return st;
    }
    copy(out->id, sizeof(out->id), id);
    return CW_OK;
}

/* ---- subscriptions and notices ------------------------------------------- */

enum cw_status cw_subscribe(struct cw_access *a, const char *id,
                            const char *user_id, const char *tenant, bool on,
                            struct cw_diag *d)
{
    struct cw_doc c;
    struct cw__q *q = NULL;
    enum cw_status st;
    const void *vals[3] = { user_id, tenant, id };

    if ((st = cw_document_get(a, id, 0, tenant, &c, d)))
        return st;
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    if (on ? cw__acc_one(a,
                         "INSERT INTO subscriptions(user_id, tenant_id, "
                         "doc_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                         "ttt", vals, &q) != CW__Q_DONE
           : cw__acc_one(a,
                         "DELETE FROM subscriptions WHERE user_id = ? AND "
                         "doc_id = ?",
                         "tt", (const void *[]){ user_id, id }, &q) !=
                 CW__Q_DONE)
        st = cw__acc_db_error(a, d, "cannot save the subscription");
    if (!st)
        st = cw__acc_record(a, on ? "document.subscribe"
                                  : "document.unsubscribe",
                            id, tenant, NULL, user_id, d);
    return cw__acc_commit(a, st, d);
}

struct notice_each {
    int (*fn)(void *arg, const struct cw_notice *n);
    void *arg;
};

enum cw_status cw_notice_each(struct cw_access *a, const char *user_id,
                              long long before, long long limit,
                              int (*fn)(void *arg, const struct cw_notice *n),
                              void *arg, struct cw_diag *d)
{
    struct cw__q *q;
    int rc;
    if (before <= 0)
        before = (long long)1 << 62;
    if (!cw__db_prepare(a->db,
                        "SELECT id, kind, doc_id, version, subject, created, "
                        "seen FROM notices WHERE user_id = ? AND id < ? "
                        "ORDER BY id DESC LIMIT ?",
                        &q))
        return cw__acc_db_error(a, d, "cannot read the notices");
    cw__q_text(q, 1, user_id);
    cw__q_int64(q, 2, before);
    cw__q_int64(q, 3, limit);
    while ((rc = cw__q_step(q)) == CW__Q_ROW) {
        struct cw_notice n;
        n.id = cw__col_int64(q, 0);
        n.kind = cw__col_text(q, 1);
        n.doc = cw__col_text(q, 2);
        n.version = cw__col_int64(q, 3);
        n.subject = cw__col_text(q, 4);
        n.created = cw__col_int64(q, 5);
        n.seen = cw__col_int64(q, 6) != 0;
        if (fn(arg, &n))
            break;
    }
    cw__q_finalize(q);
    if (rc == CW__Q_ERROR)
        return cw__acc_db_error(a, d, "cannot read the notices");
    return CW_OK;
}

/* ---- the matrix, watched --------------------------------------------------- */

enum cw_status cw_matrix_publish(struct cw_access *a,
                                 const struct cw_published_row *rows, size_t n,
                                 long long now, size_t *changed,
                                 struct cw_diag *d)
{
    struct cw__q *q = NULL;
    enum cw_status st = CW_OK;
    char names[160] = "", subject[300], details[160];
    size_t i, before = 0, gone = 0, named = 0;
    int rc;

    *changed = 0;
    if (!cw__db_begin_write(a->db, ACCESS_LOCK))
        return cw__acc_db_error(a, d, "cannot save");
    rc = cw__acc_one(a, "SELECT count(*) FROM published_rows", "", NULL, &q);
    if (rc == CW__Q_ROW)
        before = (size_t)cw__col_int64(q, 0);
    cw__q_finalize(q);
    q = NULL;
    if (rc != CW__Q_ROW)
        st = cw__acc_db_error(a, d, "cannot read the published matrix");
    for (i = 0; !st && i < n; i++) {
        const void *v[2] = { rows[i].control, rows[i].digest };
        bool same = false;
        rc = cw__acc_one(a, "SELECT digest FROM published_rows WHERE control = ?",
                         "t", v, &q);
        if (rc == CW__Q_ROW)
            same = cw__col_text(q, 0) &&
                   strcmp(cw__col_text(q, 0), rows[i].digest) == 0;
        cw__q_finalize(q);
        q = NULL;
        if (rc == CW__Q_ERROR) {
            st = cw__acc_db_error(a, d, "cannot read the published matrix");
            break;
        }
        if (same)
            continue;
        ++*changed;
        if (named < 5 && strlen(names) + strlen(rows[i].control) + 3 <
                             sizeof(names)) {
            snprintf(names + strlen(names), sizeof(names) - strlen(names),
                     "%s%s", named ? ", " : "", rows[i].control);
            named++;
        }
        if (cw__acc_one(a,
                        rc == CW__Q_ROW
                            ? "UPDATE published_rows SET digest = ?2 "
                              "WHERE control = ?1"
                            : "INSERT INTO published_rows(control, digest) "
                              "VALUES (?1, ?2)",
                        "tt", v, &q) != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot save the published matrix");
    }
    /* Rows no longer in the matrix count as changes too, and are
     * forgotten (a control that comes back is published again). */
    if (!st) {
        struct cw__q *all = NULL;
        if (!cw__db_prepare(a->db, "SELECT control FROM published_rows", &all))
            st = cw__acc_db_error(a, d, "cannot read the published matrix");
        while (!st && (rc = cw__q_step(all)) == CW__Q_ROW) {
            const char *c = cw__col_text(all, 0);
            for (i = 0; c && i < n && strcmp(rows[i].control, c) != 0; i++)
                ;
            if (c && i == n) {
                const void *v[1] = { c };
                gone++;
                if (cw__acc_one(a, "DELETE FROM published_rows WHERE "
                                   "control = ?",
                                "t", v, &q) != CW__Q_DONE)
                    st = cw__acc_db_error(a, d,
                                          "cannot save the published matrix");
            }
        }
        if (!st && rc == CW__Q_ERROR)
            st = cw__acc_db_error(a, d, "cannot read the published matrix");
        cw__q_finalize(all);
        *changed += gone;
    }
    /* The first publication is a baseline: nobody was told anything
     * before it, so nothing has changed for anyone. */
    if (!st && before > 0 && *changed > 0) {
        const char *kind = "matrix.change";
        const void *nv[3] = { kind, subject, &now };
        snprintf(subject, sizeof(subject),
                 "Responsibility matrix: %zu row%s changed (%s%s)", *changed,
                 *changed == 1 ? "" : "s", names[0] ? names : "rows removed",
                 *changed > named ? ", ..." : "");
        if (cw__acc_one(a,
                        "INSERT INTO notices(tenant_id, user_id, kind, "
                        "doc_id, version, subject, created) SELECT "
                        "s.tenant_id, s.user_id, ?1, s.doc_id, 0, ?2, ?3 "
                        "FROM subscriptions s JOIN documents c ON c.id = "
                        "s.doc_id WHERE c.type = 'matrix'",
                        "tti", nv, &q) != CW__Q_DONE)
            st = cw__acc_db_error(a, d, "cannot send the notices");
        if (!st) {
            struct cw__q *docs = NULL;
            if (!cw__db_prepare(a->db,
                                "SELECT id FROM documents WHERE type = "
                                "'matrix' ORDER BY id",
                                &docs))
                st = cw__acc_db_error(a, d, "cannot read the documents");
            while (!st && (rc = cw__q_step(docs)) == CW__Q_ROW) {
                char id[65];
                snprintf(id, sizeof(id), "%s", cw__col_text(docs, 0));
                st = cw__webhook_enqueue(a, kind, id, 0, subject, now, d);
            }
            if (!st && rc == CW__Q_ERROR)
                st = cw__acc_db_error(a, d, "cannot read the documents");
            cw__q_finalize(docs);
        }
    }
    if (!st && (*changed > 0 || before == 0)) {
        snprintf(details, sizeof(details),
                 "{\"rows\":%zu,\"changed\":%zu,\"baseline\":%s}", n,
                 *changed, before == 0 ? "true" : "false");
        st = cw__acc_record(a, "matrix.publish", "matrix", NULL, details,
                            "cloudward serve", d);
    }
    return cw__acc_commit(a, st, d);
}
