/*
 * portal_api.c - the trust portal's routes (cw_portal.h): the document
 * library, agreements, single-use downloads, subscriptions and notices.
 *
 * What a tenant's caller may see is the library's to decide
 * (cw_document_get and friends take the caller's tenant); this file only
 * passes the right tenant: NULL for the provider's roles, the caller's
 * own for a tenant's. A document another tenant owns is answered as a
 * missing one, in the same words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "http.h"

static struct cw_access *tables(struct ctx *x, enum MHD_Result *ret)
{
    struct cw_access *a = access_tables();
    if (!a)
        *ret = problem(x, 503, "the store cannot be read");
    return a;
}

static void doc_json(FILE *m, const struct cw_doc *c)
{
    fputs("{\"id\":", m);
    cw_json_quote(m, c->id);
    fputs(",\"title\":", m);
    cw_json_quote(m, c->title);
    fprintf(m, ",\"type\":\"%s\",\"class\":\"%s\"", c->type,
            cw_doc_class_name(c->cls));
    if (c->tenant[0]) {
        fputs(",\"tenant\":", m);
        cw_json_quote(m, c->tenant);
    }
    if (c->agreement[0]) {
        fputs(",\"agreement\":", m);
        cw_json_quote(m, c->agreement);
    }
    fprintf(m, ",\"version\":%lld,\"sha256\":\"%s\",\"size\":%lld,\"name\":",
            c->version, c->sha256, c->size);
    cw_json_quote(m, c->name);
    fprintf(m, ",\"updated\":%lld,\"generated\":%s}", c->updated,
            c->generated ? "true" : "false");
}

struct list {
    FILE *m;
    int n;
};

static int list_doc(void *arg, const struct cw_doc *c)
{
    struct list *l = arg;
    if (l->n++)
        fputc(',', l->m);
    doc_json(l->m, c);
    return 0;
}

/* GET /api/v1/documents: what the caller may see, latest versions. */
enum MHD_Result h_documents(struct ctx *x)
{
    struct cw_access *a;
    struct cw_diag d;
    enum MHD_Result ret;
    enum cw_status st;
    struct list l = { NULL, 0 };
    char *buf = NULL;
    size_t len = 0;

    if (!(a = tables(x, &ret)))
        return ret;
    if (!(l.m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fputs("{\"documents\":[", l.m);
    cw_diag_clear(&d);
    st = cw_document_each(a, viewer(x), list_doc, &l, &d);
    fputs("]}\n", l.m);
    return reply_listing(x, st, &d, l.m, &buf, &len);
}

/* GET /api/v1/documents/{id}[?version=N]: one document, with an ETag. */
enum MHD_Result h_document(struct ctx *x)
{
    const char *inm = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND,
                                                  "If-None-Match");
    long long version = query_number(x, "version", 0, 1LL << 40);
    struct cw_access *a;
    struct cw_doc c;
    struct cw_diag d;
    enum MHD_Result ret;
    enum cw_status st;
    char etag[96], *buf = NULL;
    size_t len = 0;
    FILE *m;

    if (!(a = tables(x, &ret)))
        return ret;
    if (version < 0)
        return problem(x, 400, "version: a whole number");
    cw_diag_clear(&d);
    if ((st = cw_document_get(a, x->q->param[0], version, viewer(x), &c, &d)))
        return answer_failure(x, st, &d);
    snprintf(etag, sizeof(etag), "\"%.32s-%lld\"", c.sha256, c.version);
    if (etag_match(inm, etag))
        return reply(x, 304, "application/json", "", 0, false, etag);
    if (!(m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    doc_json(m, &c);
    fputc('\n', m);
    if (fclose(m) != 0) {
        free(buf);
        return problem(x, 500, "out of memory");
    }
    ret = reply(x, 200, "application/json", buf, len, true, etag);
    free(buf);
    return ret;
}

/*
 * POST /api/v1/documents?id=&title=&type=&class=[&tenant=][&agreement=]
 * &name=: a new version of a document, its bytes the request's body.
 */
enum MHD_Result h_document_put(struct ctx *x)
{
    struct cw_access *a;
    struct cw_doc c;
    struct cw_diag d;
    enum MHD_Result ret;
    enum cw_status st;
    long long version;
    const char *v;
    char *buf = NULL;
    size_t len = 0;
    FILE *m;

    if (!(a = tables(x, &ret)))
        return ret;
    const char *gen = query(x, "generated");
    memset(&c, 0, sizeof(c));
    /* generated=yes: an SoA or matrix made at each download; no file. */
    if (gen && strcmp(gen, "yes") != 0)
        return problem(x, 400, "generated: yes, or leave it out");
    if (!gen && !x->q->len)
        return problem(x, 400, "the request's body is the document's file");
    if (gen && x->q->len)
        return problem(x, 400, "a generated document takes no file");
#define COPY(dst, name)                                                       \
    do {                                                                      \
        v = query(x, name);                                                   \
        if (v && strlen(v) >= sizeof(dst))                                    \
            return problem(x, 400, name " is too long");                     \
        snprintf(dst, sizeof(dst), "%s", v ? v : "");                         \
    } while (0)
    COPY(c.id, "id");
    COPY(c.title, "title");
    COPY(c.type, "type");
    COPY(c.tenant, "tenant");
    COPY(c.agreement, "agreement");
    COPY(c.name, "name");
#undef COPY
    if (!cw_doc_class_parse(query(x, "class"), &c.cls))
        return problem(x, 400, "class: public, gated or tenant");
    cw_diag_clear(&d);
    if ((st = cw_document_put(a, &c, gen ? NULL : x->q->body, x->q->len,
                              x->q->who.id,
                              (long long)time(NULL), &version, &d)))
        return answer_failure(x, st, &d);
    if (!(m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fputs("{\"id\":", m);
    cw_json_quote(m, c.id);
    fprintf(m, ",\"version\":%lld}\n", version);
    return reply_json(x, 201, m, &buf, &len);
}

/* POST /api/v1/documents/{id}/download [version]: a single-use link. */
enum MHD_Result h_download_grant(struct ctx *x)
{
    const char *v = field(x, "version");
    struct cw_access *a;
    struct cw_diag d;
    enum MHD_Result ret;
    enum cw_status st;
    char token[CW_DOWNLOAD_TEXT], *buf = NULL, *end;
    long long version = 0, expires;
    size_t len = 0;
    FILE *m;

    if (!(a = tables(x, &ret)))
        return ret;
    if (v && (version = strtoll(v, &end, 10), *end || version < 1 || !*v))
        return problem(x, 400, "version: a whole number from 1");
    cw_diag_clear(&d);
    if ((st = cw_download_grant(a, x->q->param[0], version, x->q->who.id,
                                viewer(x), (long long)time(NULL), token,
                                &expires, &d)))
        return answer_failure(x, st, &d);
    if (!(m = open_memstream(&buf, &len))) {
        sodium_memzero(token, sizeof(token));
        return problem(x, 500, "out of memory");
    }
    fprintf(m, "{\"url\":\"/api/v1/downloads/%s\",\"expires\":%lld}\n",
            token, expires);
    sodium_memzero(token, sizeof(token));
    return reply_json(x, 201, m, &buf, &len);
}

/* A file name for Content-Disposition: [A-Za-z0-9._-], others '_'. */
static void safe_name(const char *in, char *out, size_t n)
{
    size_t i;
    for (i = 0; in[i] && i + 1 < n; i++)
        out[i] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789._-",
                        in[i])
                     ? in[i]
                     : '_';
    out[i] = '\0';
    if (!out[0] || out[0] == '.')
        out[0] = '_';
}

/* GET /api/v1/downloads/{token}: the file, once. */
enum MHD_Result h_download(struct ctx *x)
{
    struct cw_access *a;
    struct cw_download dl;
    struct cw_diag d;
    struct MHD_Response *r;
    enum MHD_Result ret;
    enum cw_status st;
    char addr[64], name[210], disp[260], ver[32];

    if (!(a = tables(x, &ret)))
        return ret;
    /* A HEAD (a link preview, a prefetch) must not spend the link. */
    if (strcmp(x->method, "HEAD") == 0) {
        snprintf(x->q->allow, sizeof(x->q->allow), "GET");
        return problem(x, 405, "a download link is spent by GET alone");
    }
    client_address(x->c, addr, sizeof(addr));
    cw_diag_clear(&d);
    if ((st = cw_download_redeem(a, x->q->param[0], x->q->who.id, addr,
                                 (long long)time(NULL), soa_view_generate,
                                 &x->q->who, &dl, &d)))
        return answer_failure(x, st, &d);
    safe_name(dl.doc.name, name, sizeof(name));
    snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", name);
    snprintf(ver, sizeof(ver), "%lld", dl.doc.version);
    /* The response takes the bytes and frees them. */
    r = MHD_create_response_from_buffer(dl.len, dl.data,
                                        MHD_RESPMEM_MUST_FREE);
    if (!r) {
        cw_download_release(&dl);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/octet-stream");
    MHD_add_response_header(r, "Content-Disposition", disp);
    MHD_add_response_header(r, "X-Cloudward-Document", dl.doc.id);
    MHD_add_response_header(r, "X-Cloudward-Version", ver);
    MHD_add_response_header(r, "X-Cloudward-SHA256", dl.doc.sha256);
    MHD_add_response_header(r, "X-Cloudward-Download", dl.id);
    secure(r, false);
    x->q->status = 200;
    x->q->bytes = dl.len;
    ret = MHD_queue_response(x->c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result subscription(struct ctx *x, bool on)
{
    struct cw_access *a;
    struct cw_diag d;
    enum MHD_Result ret;
    enum cw_status st;

    if (!(a = tables(x, &ret)))
        return ret;
    cw_diag_clear(&d);
    if ((st = cw_subscribe(a, x->q->param[0], x->q->who.id, viewer(x), on,
                           &d)))
        return answer_failure(x, st, &d);
    return reply(x, 204, "application/json", "", 0, false, NULL);
}

enum MHD_Result h_subscribe(struct ctx *x)
{
    return subscription(x, true);
}

enum MHD_Result h_unsubscribe(struct ctx *x)
{
    return subscription(x, false);
}

/* POST /api/v1/agreements {id, title, text}: a new version. */
enum MHD_Result h_agreement_put(struct ctx *x)
{
    struct cw_access *a;
    struct cw_diag d;
    enum MHD_Result ret;
    enum cw_status st;
    long long version;
    char *buf = NULL;
    size_t len = 0;
    FILE *m;

    if (!(a = tables(x, &ret)))
        return ret;
    cw_diag_clear(&d);
    if ((st = cw_agreement_put(a, field(x, "id"), field(x, "title"),
                               field(x, "text"), x->q->who.id,
                               (long long)time(NULL), &version, &d)))
        return answer_failure(x, st, &d);
    if (!(m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fputs("{\"id\":", m);
    cw_json_quote(m, field(x, "id"));
    fprintf(m, ",\"version\":%lld}\n", version);
    return reply_json(x, 201, m, &buf, &len);
}

/* GET /api/v1/agreements/{id}: the latest terms, and whether the
 * signed-in user accepted them. */
enum MHD_Result h_agreement(struct ctx *x)
{
    struct cw_access *a;
    struct cw_agreement g;
    struct cw_diag d;
    enum MHD_Result ret;
    enum cw_status st;
    bool yes = false;
    char *buf = NULL;
    size_t len = 0;
    FILE *m;

    if (!(a = tables(x, &ret)))
        return ret;
    cw_diag_clear(&d);
    if ((st = cw_agreement_get(a, x->q->param[0], &g, &d)))
        return answer_failure(x, st, &d);
    if (x->q->who.kind == WHO_SESSION &&
        (st = cw_agreement_accepted(a, g.id, x->q->who.id, &yes, &d))) {
        cw_agreement_release(&g);
        return answer_failure(x, st, &d);
    }
    if (!(m = open_memstream(&buf, &len))) {
        cw_agreement_release(&g);
        return problem(x, 500, "out of memory");
    }
    fputs("{\"id\":", m);
    cw_json_quote(m, g.id);
    fputs(",\"title\":", m);
    cw_json_quote(m, g.title);
    fprintf(m, ",\"version\":%lld,\"created\":%lld,\"text\":", g.version,
            g.created);
    cw_json_quote(m, g.text);
    if (x->q->who.kind == WHO_SESSION)
        fprintf(m, ",\"accepted\":%s", yes ? "true" : "false");
    fputs("}\n", m);
    cw_agreement_release(&g);
    return reply_json(x, 200, m, &buf, &len);
}

/* POST /api/v1/agreements/{id}/acceptance {version}: the signed-in
 * tenant user accepts the version they read. */
enum MHD_Result h_accept(struct ctx *x)
{
    const char *v = field(x, "version");
    struct cw_access *a;
    struct cw_diag d;
    enum MHD_Result ret;
    enum cw_status st;
    char addr[64], *end;
    long long version;

    if (!(a = tables(x, &ret)))
        return ret;
    if (!v || !*v || (version = strtoll(v, &end, 10), *end) || version < 1)
        return problem(x, 400, "send the version you read: version=N");
    client_address(x->c, addr, sizeof(addr));
    cw_diag_clear(&d);
    if ((st = cw_agreement_accept(a, x->q->param[0], version, x->q->who.id,
                                  x->q->who.tenant, addr,
                                  (long long)time(NULL), &d)))
        return answer_failure(x, st, &d);
    return reply(x, 204, "application/json", "", 0, false, NULL);
}

struct notices {
    FILE *m;
    int n;
    long long last;
};

static int notice_row(void *arg, const struct cw_notice *n)
{
    struct notices *l = arg;
    if (l->n++)
        fputc(',', l->m);
    fprintf(l->m, "{\"id\":%lld,\"kind\":", n->id);
    cw_json_quote(l->m, n->kind ? n->kind : "");
    fputs(",\"document\":", l->m);
    cw_json_quote(l->m, n->doc ? n->doc : "");
    fprintf(l->m, ",\"version\":%lld,\"subject\":", n->version);
    cw_json_quote(l->m, n->subject ? n->subject : "");
    fprintf(l->m, ",\"created\":%lld,\"seen\":%s}", n->created,
            n->seen ? "true" : "false");
    l->last = n->id;
    return 0;
}

/* GET /api/v1/notices[?before=ID][&limit=N]: the signed-in user's,
 * newest first; "next" continues the list. */
enum MHD_Result h_notices(struct ctx *x)
{
    long long before = query_number(x, "before", 0, 1LL << 60),
              limit = query_number(x, "limit", 50, 500);
    struct notices l = { NULL, 0, 0 };
    struct cw_access *a;
    struct cw_diag d;
    enum MHD_Result ret;
    enum cw_status st;
    char *buf = NULL;
    size_t len = 0;

    if (!(a = tables(x, &ret)))
        return ret;
    if (before < 0 || limit < 1)
        return problem(x, 400, "before: a notice id; limit: 1 to 500");
    if (!(l.m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fputs("{\"notices\":[", l.m);
    cw_diag_clear(&d);
    st = cw_notice_each(a, x->q->who.id, before, limit, notice_row, &l, &d);
    fputs("]", l.m);
    if (l.n == limit)
        fprintf(l.m, ",\"next\":\"/api/v1/notices?before=%lld&limit=%lld\"",
                l.last, limit);
    fputs("}\n", l.m);
    return reply_listing(x, st, &d, l.m, &buf, &len);
}
