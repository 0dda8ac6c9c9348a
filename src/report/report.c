/*
 * report.c - SoA, matrix and control listings turned into the neutral
 * string table, and the atomic file emitter shared by every format.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdio_ext.h> /* __fsetlocking */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "table.h"

static const char *const format_names[] = { "table", "csv", "md", "html",
                                            "json", "xlsx" };

bool cw_format_parse(const char *s, enum cw_format *out)
{
    size_t i;
    if (strcmp(s, "markdown") == 0)
        s = "md";
    for (i = 0; i < CW__ARRAY_LEN(format_names); i++) {
        if (strcmp(s, format_names[i]) == 0) {
            *out = (enum cw_format)i;
            return true;
        }
    }
    return false;
}

const char *cw_format_name(enum cw_format f)
{
    return (unsigned)f < CW__ARRAY_LEN(format_names) ? format_names[f] : NULL;
}

/* ---- atomic output --------------------------------------------------- */

static enum cw_status write_stream(const struct cw__table *t, enum cw_format f,
                                   FILE *out)
{
    switch (f) {
    case CW_FORMAT_CSV:
        return cw__write_csv(t, out);
    case CW_FORMAT_MARKDOWN:
        return cw__write_markdown(t, out);
    case CW_FORMAT_HTML:
        return cw__write_html(t, out);
    case CW_FORMAT_JSON:
        return cw__write_json(t, out);
    case CW_FORMAT_TABLE:
        return cw__write_text(t, out);
    default:
        return CW_EFORMAT;
    }
}

static enum cw_status io_error(struct cw_diag *d, const char *path)
{
    return cw__diag_set(d, CW_EIO, path, 0, 0, "cannot write: %s",
                        strerror(errno));
}

enum cw_status cw__emit(const char *path, bool binary_to_file,
                        cw__writer_fn write, const void *arg,
                        struct cw_diag *d)
{
    char tmp[4096];
    enum cw_status st;
    struct stat sb;
    FILE *out;
    int fd;
    /* Reports of large scans run to hundreds of megabytes: write them in
     * large blocks. */
    enum { OUT_BUFFER = 1 << 20 };

    if (!path) {
        st = write(arg, stdout, NULL);
        if (!st && fflush(stdout) != 0)
            st = CW_EIO;
        return st ? cw__diag_set(d, st, "(stdout)", 0, 0, "cannot write")
                  : CW_OK;
    }
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        /* /dev/null, /dev/stdout, a FIFO: write in place. Renaming a
         * temporary over a device would replace the device node. */
        if (binary_to_file)
            return write(arg, NULL, path) ? io_error(d, path) : CW_OK;
        out = fopen(path, "w");
        if (!out)
            return io_error(d, path);
        setvbuf(out, NULL, _IOFBF, OUT_BUFFER);
        __fsetlocking(out, FSETLOCKING_BYCALLER); /* one thread writes */
        st = write(arg, out, path);
        if (fclose(out) != 0 && !st)
            st = CW_EIO;
        return st ? cw__diag_set(d, st, path, 0, 0, "cannot write: %s",
                                 cw_status_message(st))
                  : CW_OK;
    }
    st = cw__atomic_open(path, tmp, sizeof(tmp), &fd, d);
    if (st)
        return st;
    if (binary_to_file) { /* the writer opens the file by name itself */
        close(fd);
        st = write(arg, NULL, tmp);
    } else {
        out = fdopen(fd, "w");
        if (!out) {
            close(fd);
            unlink(tmp);
            return io_error(d, path);
        }
        setvbuf(out, NULL, _IOFBF, OUT_BUFFER);
        __fsetlocking(out, FSETLOCKING_BYCALLER); /* one thread writes */
        st = write(arg, out, tmp);
        if (fclose(out) != 0 && !st)
            st = CW_EIO;
    }
    if (st) {
        unlink(tmp);
        return cw__diag_set(d, st, path, 0, 0, "cannot write: %s",
                            cw_status_message(st));
    }
    return cw__atomic_commit(tmp, path, true, d);
}

struct table_job {
    const struct cw__table *t;
    enum cw_format f;
    struct cw_diag *d;
};

static enum cw_status table_writer(const void *arg, FILE *out,
                                   const char *file)
{
    const struct table_job *j = arg;
    if (!out)
        return cw__write_xlsx(j->t, file, j->d);
    return write_stream(j->t, j->f, out);
}

enum cw_status cw__table_emit(const struct cw__table *t, enum cw_format f,
                              const char *path, struct cw_diag *d)
{
    struct table_job j;

    if (!path && f == CW_FORMAT_XLSX)
        return cw__diag_set(d, CW_EFORMAT, NULL, 0, 0,
                            "XLSX is a binary format; write it to a file "
                            "with -o FILE");
    j.t = t;
    j.f = f;
    j.d = d;
    return cw__emit(path, f == CW_FORMAT_XLSX, table_writer, &j, d);
}

/* ---- SoA and matrix -------------------------------------------------- */

static const struct cw__col soa_cols[] = {
    { "ID", "id", CW__COL_TEXT, 12 },
    { "Catalog", "catalog", CW__COL_TEXT, 14 },
    { "Title", "title", CW__COL_TEXT, 40 },
    { "Applicable", "applicable", CW__COL_BOOL, 10 },
    { "Justification", "justification", CW__COL_TEXT, 0 },
    { "Source", "source", CW__COL_TEXT, 0 },
    { "Status", "status", CW__COL_TEXT, 14 },
    { "Responsibility", "responsibility", CW__COL_TEXT, 14 },
    { "Owner", "owner", CW__COL_TEXT, 0 },
    { "Evidence", "evidence", CW__COL_TEXT, 0 },
    { "Checks", "checks", CW__COL_TEXT, 0 },
    { "Inherited from", "inherited_from", CW__COL_TEXT, 0 },
    { "Certificate expires", "certificate_expires", CW__COL_TEXT, 0 },
    { "Certificate expired", "certificate_expired", CW__COL_BOOL, 0 },
    { "Flag", "flag", CW__COL_TEXT, 20 },
    { "Why", "why", CW__COL_TEXT, 0 },
    { "Notes", "notes", CW__COL_TEXT, 0 },
};

static const struct cw__col matrix_cols[] = {
    { "ID", "id", CW__COL_TEXT, 12 },
    { "Catalog", "catalog", CW__COL_TEXT, 14 },
    { "Title", "title", CW__COL_TEXT, 40 },
    { "Responsibility", "responsibility", CW__COL_TEXT, 14 },
    { "Provider's duty", "provider_duty", CW__COL_TEXT, 0 },
    { "Customer's duty", "customer_duty", CW__COL_TEXT, 0 },
    { "Other party", "other_party", CW__COL_TEXT, 0 },
    { "Other party's duty", "other_party_duty", CW__COL_TEXT, 0 },
    { "Inherited from", "inherited_from", CW__COL_TEXT, 0 },
    { "Certificate expired", "certificate_expired", CW__COL_BOOL, 0 },
    { "Flag", "flag", CW__COL_TEXT, 20 },
    { "Why", "why", CW__COL_TEXT, 0 },
};

static const char *flag_text(const struct cw_soa_line *l)
{
    return l->certificate_expired ? "CERTIFICATE EXPIRED" : NULL;
}

static void fill_soa_row(const struct cw_soa_line *l, const char **row)
{
    const struct cw_upstream *u = l->inherited_from;
    size_t i = 0;

    row[i++] = l->control->id;
    row[i++] = l->control->catalog;
    row[i++] = l->control->title;
    row[i++] = l->applicable ? "yes" : "no";
    row[i++] = l->justification;
    row[i++] = l->source;
    row[i++] = l->status;
    row[i++] = cw_resp_name(l->responsibility);
    row[i++] = l->owner;
    row[i++] = l->evidence;
    row[i++] = l->checks;
    row[i++] = u ? u->name : NULL;
    row[i++] = u ? u->expires : NULL;
    row[i++] = l->certificate_expired ? "yes" : "no";
    row[i++] = flag_text(l);
    row[i++] = l->why;
    row[i++] = l->notes;
}

static void fill_matrix_row(const struct cw_soa_line *l, bool provider_view,
                            const char **row)
{
    const struct cw_upstream *u = l->inherited_from;
    size_t i = 0;

    row[i++] = l->control->id;
    row[i++] = l->control->catalog;
    row[i++] = l->control->title;
    row[i++] = cw_resp_name(l->responsibility);
    row[i++] = l->provider_duty;
    row[i++] = l->customer_duty;
    row[i++] = provider_view ? "customer" : "provider";
    row[i++] = provider_view ? l->customer_duty : l->provider_duty;
    row[i++] = u ? u->name : NULL;
    row[i++] = l->certificate_expired ? "yes" : "no";
    row[i++] = flag_text(l);
    row[i++] = l->why;
}

static const char *models_of(const struct cw_soa *soa, char *buf, size_t n)
{
    unsigned mask = cw_soa_model(soa) >= 0 ? 1u << cw_soa_model(soa)
                                           : cw_scope_models(cw_soa_scope(soa));
    size_t used = 0;
    unsigned m;

    buf[0] = '\0';
    for (m = 0; m < CW_MODEL_COUNT; m++) {
        int w;
        if (!(mask & (1u << m)))
            continue;
        w = snprintf(buf + used, n - used, "%s%s", used ? "+" : "",
                     cw_model_name((enum cw_model)m));
        if (w > 0 && (size_t)w < n - used)
            used += (size_t)w;
    }
    return buf;
}

enum cw_status cw_report_write(const struct cw_soa *soa, enum cw_view view,
                               enum cw_format f, const char *path,
                               struct cw_diag *d)
{
    const struct cw_scope *scope = cw_soa_scope(soa);
    const struct cw_soa_summary *s = cw_soa_get_summary(soa);
    bool provider_view = cw_scope_role(scope) != CW_ROLE_CUSTOMER;
    struct cw__table t;
    char title[512], subtitle[512], models[32], counts[5][24];
    struct cw__meta meta[9];
    unsigned char *flagged;
    const char **cells;
    enum cw_status st;
    size_t r;

    memset(&t, 0, sizeof(t));
    t.cols = view == CW_VIEW_SOA ? soa_cols : matrix_cols;
    t.ncols = view == CW_VIEW_SOA ? CW__ARRAY_LEN(soa_cols)
                                  : CW__ARRAY_LEN(matrix_cols);
    t.nrows = cw_soa_count(soa);
    cells = cw__calloc(t.nrows * t.ncols + 1, sizeof(*cells));
    flagged = cw__calloc(t.nrows + 1, 1);
    if (!cells || !flagged) {
        cw__free(cells);
        cw__free(flagged);
        return cw__diag_set(d, CW_ENOMEM, path, 0, 0, "out of memory");
    }
    for (r = 0; r < t.nrows; r++) {
        const struct cw_soa_line *l = cw_soa_line_at(soa, r);
        if (view == CW_VIEW_SOA)
            fill_soa_row(l, cells + r * t.ncols);
        else
            fill_matrix_row(l, provider_view, cells + r * t.ncols);
        flagged[r] = l->certificate_expired;
    }
    snprintf(title, sizeof(title), "%s: %s",
             view == CW_VIEW_SOA ? "Statement of Applicability"
                                 : "Shared-responsibility matrix",
             cw_scope_organisation(scope));
    models_of(soa, models, sizeof(models));
    snprintf(subtitle, sizeof(subtitle),
             "As of %s. Role: %s; service models: %s. %zu controls, %zu "
             "applicable, %zu not applicable, %zu inherited, %zu on an "
             "expired certificate.",
             cw_soa_as_of(soa), cw_role_name(cw_scope_role(scope)), models,
             s->total, s->applicable, s->not_applicable, s->inherited,
             s->expired);
    snprintf(counts[0], sizeof(counts[0]), "%zu", s->total);
    snprintf(counts[1], sizeof(counts[1]), "%zu", s->applicable);
    snprintf(counts[2], sizeof(counts[2]), "%zu", s->inherited);
    snprintf(counts[3], sizeof(counts[3]), "%zu", s->expired);
    {
        const struct cw__meta m[] = {
            { "cloudward", view == CW_VIEW_SOA ? "soa" : "matrix",
              CW__COL_TEXT },
            { "organisation", cw_scope_organisation(scope), CW__COL_TEXT },
            { "role", cw_role_name(cw_scope_role(scope)), CW__COL_TEXT },
            { "service_models", models, CW__COL_TEXT },
            { "as_of", cw_soa_as_of(soa), CW__COL_TEXT },
            { "controls_total", counts[0], CW__COL_NUMBER },
            { "controls_applicable", counts[1], CW__COL_NUMBER },
            { "controls_inherited", counts[2], CW__COL_NUMBER },
            { "certificates_expired", counts[3], CW__COL_NUMBER },
        };
        memcpy(meta, m, sizeof(m));
    }
    t.title = title;
    t.subtitle = subtitle;
    t.json_root = "controls";
    t.meta = meta;
    t.nmeta = CW__ARRAY_LEN(meta);
    t.cells = cells;
    t.flagged = flagged;
    st = cw__table_emit(&t, f, path, d);
    cw__free(cells);
    cw__free(flagged);
    return st;
}

/* ---- control listings ------------------------------------------------ */

static const struct cw__col control_cols[] = {
    { "ID", "id", CW__COL_TEXT, 12 },
    { "Catalog", "catalog", CW__COL_TEXT, 14 },
    { "Kind", "kind", CW__COL_TEXT, 9 },
    { "Title", "title", CW__COL_TEXT, 60 },
    { "Clause", "clause", CW__COL_TEXT, 0 },
    { "Group", "group", CW__COL_TEXT, 0 },
    { "Layer", "layer", CW__COL_TEXT, 0 },
    { "Cloud", "cloud", CW__COL_BOOL, 6 },
    { "PII", "pii", CW__COL_BOOL, 4 },
    { "Summary", "summary", CW__COL_TEXT, 0 },
    { "Provider", "provider", CW__COL_TEXT, 0 },
    { "Customer", "customer", CW__COL_TEXT, 0 },
    { "PII guidance", "pii_guidance", CW__COL_TEXT, 0 },
    { "Base", "base", CW__COL_TEXT, 0 },
    { "Attributes", "attributes", CW__COL_TEXT, 0 },
    { "Confidence", "confidence", CW__COL_TEXT, 0 },
};

enum cw_status cw_report_controls(const struct cw_control *const *v, size_t n,
                                  enum cw_format f, const char *path,
                                  struct cw_diag *d)
{
    struct cw__table t;
    const char **cells;
    char **attrs;
    enum cw_status st;
    size_t r, k;

    memset(&t, 0, sizeof(t));
    t.cols = control_cols;
    t.ncols = CW__ARRAY_LEN(control_cols);
    t.nrows = n;
    t.title = "Controls";
    cells = cw__calloc(n * t.ncols + 1, sizeof(*cells));
    attrs = cw__calloc(n + 1, sizeof(*attrs));
    if (!cells || !attrs) {
        cw__free(cells);
        cw__free(attrs);
        return cw__diag_set(d, CW_ENOMEM, path, 0, 0, "out of memory");
    }
    st = CW_OK;
    for (r = 0; r < n && !st; r++) {
        const struct cw_control *c = v[r];
        const char **row = cells + r * t.ncols;
        struct cw__buf b;
        size_t i = 0;

        cw__buf_init(&b, 4096);
        for (k = 0; k < CW_ATTR_FAMILIES && !st; k++)
            if (c->attributes[k])
                st = cw__buf_printf(&b, "%s%s", b.len ? "; " : "",
                                    c->attributes[k]);
        attrs[r] = b.data; /* owned now; freed below */
        row[i++] = c->id;
        row[i++] = c->catalog;
        row[i++] = c->kind == CW_ENTRY_GUIDANCE ? "guidance" : "control";
        row[i++] = c->title;
        row[i++] = c->clause;
        row[i++] = c->group;
        row[i++] = cw_layer_name(c->layer);
        row[i++] = c->cloud ? "yes" : "no";
        row[i++] = c->pii_related ? "yes" : "no";
        row[i++] = c->summary;
        row[i++] = c->provider;
        row[i++] = c->customer;
        row[i++] = c->pii;
        row[i++] = c->base;
        row[i++] = attrs[r];
        row[i++] = c->confidence;
    }
    t.cells = cells;
    if (!st)
        st = cw__table_emit(&t, f, path, d);
    else
        cw__diag_set(d, st, path, 0, 0, "out of memory");
    for (r = 0; r < n; r++)
        cw__free(attrs[r]);
    cw__free(attrs);
    cw__free(cells);
    return st;
}
