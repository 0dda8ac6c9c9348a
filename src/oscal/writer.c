/*
 * writer.c - the JSON emitter, name-based UUIDs, ids and metadata shared
 * by the OSCAL writers, and cw_oscal_write() choosing among them.
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "../report/table.h"
#include "oscal_internal.h"

void jw_prop(struct jw *w, const char *name, const char *value,
             const char *remarks, bool oscal)
{
    const char *p;

    if (!value)
        return;
    for (p = value; *p == ' ' || *p == '\n' || *p == '\t'; p++)
        ;
    if (!*p)
        return;
    jw_obj(w, NULL);
    jw_str(w, "name", name);
    if (!oscal)
        jw_str(w, "ns", CW_OSCAL_NS);
    jw_line(w, "value", value);
    jw_str(w, "remarks", remarks);
    jw_end(w);
}

void jw_link(struct jw *w, const char *href, const char *rel)
{
    jw_obj(w, NULL);
    jw_str(w, "href", href);
    jw_str(w, "rel", rel);
    jw_end(w);
}

/* ---- UUIDs and ids ---------------------------------------------------- */

/* Our namespace for version 5 UUIDs (RFC 4122 4.3), chosen once. */
static const unsigned char cw_ns[16] = {
    0x3f, 0x9b, 0x6e, 0x52, 0x1c, 0x7d, 0x4a, 0x08,
    0x9e, 0x21, 0x5d, 0xc4, 0x77, 0x0a, 0xb3, 0x6f
};

static void uuid_of(char out[37], const void *data, size_t len,
                    const char *const *parts)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    static const char hex[] = "0123456789abcdef";
    size_t i, o = 0;

    memset(md, 0, sizeof(md));
    if (ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL)) {
        EVP_DigestUpdate(ctx, cw_ns, sizeof(cw_ns));
        if (data)
            EVP_DigestUpdate(ctx, data, len);
        for (i = 0; parts && parts[i]; i++)
            EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]) + 1);
        EVP_DigestFinal_ex(ctx, md, &mdlen);
    }
    EVP_MD_CTX_free(ctx);
    md[6] = (unsigned char)((md[6] & 0x0F) | 0x50); /* version 5 */
    md[8] = (unsigned char)((md[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[md[i] >> 4];
        out[o++] = hex[md[i] & 15];
    }
    out[o] = '\0';
}

void cw__oscal_uuid(char out[37], const char *const *parts)
{
    uuid_of(out, NULL, 0, parts);
}

void cw__oscal_uuid4(char out[37], const char *a, const char *b,
                     const char *c, const char *d)
{
    const char *parts[5] = { a, b, c, d, NULL };
    cw__oscal_uuid(out, parts);
}

void cw__oscal_seal(struct cw__buf *b, size_t at)
{
    char id[37];

    if (at + 36 > b->len)
        return;
    uuid_of(id, b->data, b->len, NULL);
    memcpy(b->data + at, id, 36);
}

const char *cw__oscal_slug(const char *catalog, char *out, size_t n)
{
    size_t i;

    for (i = 0; catalog[i] && i + 1 < n; i++)
        out[i] = catalog[i] == ':' ? '-' : catalog[i];
    out[i] = '\0';
    return out;
}

const char *cw__oscal_control_id(const char *catalog, const char *id,
                                 char *out, size_t n)
{
    char slug[128];
    size_t i, len;

    snprintf(out, n, "%s_%s", cw__oscal_slug(catalog, slug, sizeof(slug)),
             id);
    /* A token has letters, digits, '.', '-', '_' alone. */
    len = strlen(out);
    for (i = 0; i < len; i++) {
        char c = out[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'))
            out[i] = '-';
    }
    return out;
}

void cw__oscal_begin(struct jw *w, const char *root, const char *title,
                     const char *last_modified, const char *version)
{
    jw_obj(w, NULL);
    jw_obj(w, root);
    jw_str(w, "uuid", CW__OSCAL_PLACEHOLDER);
    jw_obj(w, "metadata");
    jw_str(w, "title", title);
    jw_str(w, "last-modified", last_modified);
    jw_str(w, "version", version && *version ? version : "1");
    jw_str(w, "oscal-version", CW_OSCAL_VERSION);
}

void cw__oscal_party(struct jw *w, const char *name)
{
    char id[37];

    cw__oscal_uuid4(id, "party", name, NULL, NULL);
    jw_obj(w, NULL);
    jw_str(w, "uuid", id);
    jw_str(w, "type", "organization");
    jw_str(w, "name", name);
    jw_end(w);
}

const char *cw__oscal_system_slug(const char *org, char *out, size_t n)
{
    size_t i;

    for (i = 0; org[i] && i + 1 < n; i++) {
        char c = org[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        out[i] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '-';
    }
    out[i] = '\0';
    return out;
}

enum cw_status cw__oscal_emit(const struct cw__buf *b, const char *path,
                              struct cw_diag *d)
{
    if (path)
        return cw__atomic_write(path, b->data, b->len, true, d);
    if (fwrite(b->data, 1, b->len, stdout) != b->len || fflush(stdout) != 0)
        return cw__diag_set(d, CW_EIO, "<stdout>", 0, 0,
                            "cannot write the document");
    return CW_OK;
}

/* ---- the public entry points ----------------------------------------- */

static const char *const model_names[CW_OSCAL_MODEL_COUNT] = {
    "catalog", "profile", "component", "ssp", "assessment-results", "poam"
};

const char *cw_oscal_model_name(enum cw_oscal_model m)
{
    return (unsigned)m < CW_OSCAL_MODEL_COUNT ? model_names[m] : NULL;
}

bool cw_oscal_model_parse(const char *s, enum cw_oscal_model *out)
{
    unsigned i;

    for (i = 0; s && i < CW_OSCAL_MODEL_COUNT; i++)
        if (strcmp(s, model_names[i]) == 0) {
            *out = (enum cw_oscal_model)i;
            return true;
        }
    if (s && strcmp(s, "component-definition") == 0) {
        *out = CW_OSCAL_COMPONENT;
        return true;
    }
    return false;
}

const char *cw_oscal_file_name(enum cw_oscal_model m, const char *catalog,
                               char *out, size_t n)
{
    char slug[128];

    if (m == CW_OSCAL_CATALOG)
        snprintf(out, n, "catalog-%s.json",
                 cw__oscal_slug(catalog ? catalog : "", slug, sizeof(slug)));
    else if (m == CW_OSCAL_COMPONENT)
        snprintf(out, n, "component-definition.json");
    else
        snprintf(out, n, "%s.json", cw_oscal_model_name(m));
    return out;
}

static enum cw_status need(bool ok, const char *what, struct cw_diag *d)
{
    return ok ? CW_OK
              : cw__diag_set(d, CW_EINVAL, NULL, 0, 0, "OSCAL %s", what);
}

enum cw_status cw_oscal_write(enum cw_oscal_model m,
                              const struct cw_oscal_input *in,
                              const char *path, struct cw_diag *d)
{
    struct cw__buf b;
    struct jw w;
    enum cw_status st;

    if (!in)
        return need(false, "writers need their input", d);
    switch (m) {
    case CW_OSCAL_CATALOG:
        st = need(in->cats && in->catalog, "catalog needs a catalog name", d);
        break;
    case CW_OSCAL_COMPONENT:
        st = need(in->cats && in->npacks, "component needs check packs", d);
        break;
    case CW_OSCAL_PROFILE:
    case CW_OSCAL_SSP:
    case CW_OSCAL_ASSESSMENT_RESULTS:
    case CW_OSCAL_POAM:
        st = need(in->soa != NULL, "documents of a system need its SoA", d);
        break;
    default:
        st = need(false, "model unknown", d);
    }
    if (st)
        return st;
    if (!in->last_modified &&
        (m == CW_OSCAL_PROFILE || m == CW_OSCAL_SSP)) {
        struct cw_oscal_input copy = *in;
        char lm[32];
        if ((st = cw__oscal_last_modified(in, lm, d)))
            return st;
        copy.last_modified = lm;
        return cw_oscal_write(m, &copy, path, d);
    }
    cw__buf_init(&b, (size_t)1 << 30);
    jw_init(&w, &b);
    switch (m) {
    case CW_OSCAL_CATALOG: st = cw__oscal_catalog(in, &w, d); break;
    case CW_OSCAL_PROFILE: st = cw__oscal_profile(in, &w, d); break;
    case CW_OSCAL_COMPONENT: st = cw__oscal_component(in, &w, d); break;
    case CW_OSCAL_SSP: st = cw__oscal_ssp(in, &w, d); break;
    case CW_OSCAL_ASSESSMENT_RESULTS: st = cw__oscal_results(in, &w, d); break;
    default: st = cw__oscal_poam(in, &w, d); break;
    }
    if (!st && w.st)
        st = cw__diag_set(d, w.st, path, 0, 0,
                          w.st == CW_ENOMEM ? "out of memory"
                                            : "document too large or deep");
    if (!st) {
        char *ph = b.data ? strstr(b.data, CW__OSCAL_PLACEHOLDER) : NULL;
        if (ph)
            cw__oscal_seal(&b, (size_t)(ph - b.data));
        st = cw__oscal_emit(&b, path, d);
    }
    cw__buf_release(&b);
    return st;
}

static enum cw_status write_one(enum cw_oscal_model m,
                                const struct cw_oscal_input *in,
                                const char *dir, const char *catalog,
                                size_t *written, struct cw_diag *d)
{
    struct cw_oscal_input one = *in;
    char name[200], path[4096];
    enum cw_status st;

    one.catalog = catalog;
    in = &one;
    cw_oscal_file_name(m, catalog, name, sizeof(name));
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
        sizeof(path))
        return cw__diag_set(d, CW_ELIMIT, dir, 0, 0, "path too long");
    st = cw_oscal_write(m, in, path, d);
    if (!st)
        (*written)++;
    return st;
}

enum cw_status cw_oscal_write_set(const struct cw_oscal_input *in,
                                  const char *dir, size_t *written,
                                  struct cw_diag *d)
{
    struct cw_oscal_input one = *in;
    struct cw_pack **packs = NULL;
    size_t n = 0, i, npacks = 0, scratch;
    enum cw_status st = CW_OK;

    if (!written)
        written = &scratch;
    *written = 0;
    if (!in->cats || !in->soa)
        return need(false, "set needs catalogs and an SoA", d);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return cw__diag_set(d, CW_EIO, dir, 0, 0, "cannot create: %s",
                            strerror(errno));
    for (i = 0; !st && i < cw_catalogs_count(in->cats); i++)
        st = write_one(CW_OSCAL_CATALOG, in, dir,
                       cw_catalogs_at(in->cats, i)->name, written, d);
    if (!st && !in->npacks) {
        const char *const *names = cw_pack_builtin_names();
        while (names[n])
            n++;
        packs = cw__malloc((n + 1) * sizeof(*packs));
        if (!packs)
            return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
        for (i = 0; !st && i < n; i++) {
            st = cw_pack_load(in->cats, names[i], &packs[i], d);
            if (!st)
                npacks++;
        }
        one.packs = (const struct cw_pack *const *)packs;
        one.npacks = npacks;
    }
    if (!st)
        st = write_one(CW_OSCAL_COMPONENT, &one, dir, NULL, written, d);
    if (!st)
        st = write_one(CW_OSCAL_PROFILE, in, dir, NULL, written, d);
    if (!st)
        st = write_one(CW_OSCAL_SSP, in, dir, NULL, written, d);
    if (!st)
        st = write_one(CW_OSCAL_ASSESSMENT_RESULTS, in, dir, NULL, written,
                       d);
    if (!st)
        st = write_one(CW_OSCAL_POAM, in, dir, NULL, written, d);
    for (i = 0; i < npacks; i++)
        cw_pack_free(packs[i]);
    cw__free(packs);
    return st;
}
