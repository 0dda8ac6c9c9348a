/*
 * assets.c - the server's compiled-in files (assets.h): the OpenAPI
 * description at /api/v1/openapi.json and the pages' files under
 * /assets/, each with an ETag (its content's hash) and a type by its
 * extension. Only names in the table are served: a path names nothing
 * on disk.
 */
#include <stdio.h>
#include <string.h>

#include "assets.h"
#include "http.h"

const struct cw_asset *asset(const char *name)
{
    size_t i;
    for (i = 0; i < cw_asset_count; i++)
        if (strcmp(cw_asset_files[i].name, name) == 0)
            return &cw_asset_files[i];
    return NULL;
}

static const char *type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return "application/octet-stream";
    if (strcmp(dot, ".json") == 0)
        return "application/json";
    if (strcmp(dot, ".css") == 0)
        return "text/css; charset=utf-8";
    if (strcmp(dot, ".js") == 0)
        return "text/javascript; charset=utf-8";
    if (strcmp(dot, ".svg") == 0)
        return "image/svg+xml";
    return "application/octet-stream";
}

static enum MHD_Result send_asset(struct ctx *x, const struct cw_asset *f)
{
    const char *inm = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND,
                                                  "If-None-Match");
    unsigned long long h = 1469598103934665603ULL; /* FNV-1a */
    char etag[24];
    size_t i;
    for (i = 0; i < f->len; i++)
        h = (h ^ (unsigned char)f->data[i]) * 1099511628211ULL;
    snprintf(etag, sizeof(etag), "\"%016llx\"", h);
    if (etag_match(inm, etag))
        return reply(x, 304, type_of(f->name), "", 0, false, etag);
    return reply(x, 200, type_of(f->name), f->data, f->len, false, etag);
}

enum MHD_Result h_openapi(struct ctx *x)
{
    const struct cw_asset *f = asset("openapi.json");
    return f ? send_asset(x, f) : problem(x, 404, "no API description");
}

enum MHD_Result h_asset(struct ctx *x)
{
    const struct cw_asset *f = asset(x->q->param[0]);
    /* The description has its own route; everything else is the pages'. */
    if (!f || strcmp(f->name, "openapi.json") == 0)
        return problem(x, 404, "no such file");
    return send_asset(x, f);
}
