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

static enum cw_status emit(const char *path, bool binary_to_file,
                           bool priv, cw__writer_fn write, const void *arg,
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
    st = cw__atomic_open(path, tmp, sizeof(tmp), &fd, priv, d);
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

enum cw_status cw__emit(const char *path, bool binary_to_file,
                        cw__writer_fn write, const void *arg,
                        struct cw_diag *d)
{
    return emit(path, binary_to_file, false, write, arg, d);
}

enum cw_status cw__emit_private(const char *path, cw__writer_fn write,
                                const void *arg, struct cw_diag *d)
{
    return emit(path, false, true, write, arg, d);
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

/*
 * The SoA answers the three questions of docs/responsibility.md in column
 * groups: own implementation (applicable .. checks), reliance (relies on ..
 * reliance reason), and findings (flags). The matrix is what the
 * organisation publishes to its customers; its JSON form is what a
 * customer's scope reads as a provider's `matrix`, so its keys are a
 * contract (scope.c, load_matrix): schema 2 adds part, applicable, status,
 * relies_on and the top-level assurance.
 */
static const struct cw__col soa_cols[] = {
    { "ID", "id", CW__COL_TEXT, 12 },
    { "Catalog", "catalog", CW__COL_TEXT, 14 },
    { "Title", "title", CW__COL_TEXT, 40 },
    { "Applicable", "applicable", CW__COL_BOOL, 10 },
    { "Source", "source", CW__COL_TEXT, 0 },
    { "Justification", "justification", CW__COL_TEXT, 0 },
    { "Status", "status", CW__COL_TEXT, 14 },
    { "Owner", "owner", CW__COL_TEXT, 0 },
    { "Evidence", "evidence", CW__COL_TEXT, 0 },
    { "Checks", "checks", CW__COL_TEXT, 0 },
    { "Relies on", NULL, CW__COL_TEXT, 0 },
    { "Assurance relied on", "assurance", CW__COL_TEXT, 0 },
    { "Reliance", "reliance", CW__COL_TEXT, 14 },
    { "Reliance detail", "reliance_reason", CW__COL_TEXT, 0 },
    { "relies_on", "relies_on", CW__COL_JSON, 0 },
    { "Flags", "flags", CW__COL_TEXT, 20 },
    { "Why", "why", CW__COL_TEXT, 0 },
    { "Notes", "notes", CW__COL_TEXT, 0 },
};

static const struct cw__col matrix_cols[] = {
    { "ID", "id", CW__COL_TEXT, 12 },
    { "Catalog", "catalog", CW__COL_TEXT, 14 },
    { "Title", "title", CW__COL_TEXT, 40 },
    { "Responsibility", "responsibility", CW__COL_TEXT, 14 },
    { "Customers may rely on", "part", CW__COL_TEXT, 0 },
    { "Provider's part", "provider_duty", CW__COL_TEXT, 0 },
    { "Customer's part", "customer_duty", CW__COL_TEXT, 0 },
    { "Applicable", "applicable", CW__COL_BOOL, 10 },
    { "Status", "status", CW__COL_TEXT, 14 },
    { "Assurance", "assurance", CW__COL_TEXT, 0 },
    { "Relies on", NULL, CW__COL_TEXT, 0 },
    { "Reliance", "reliance", CW__COL_TEXT, 14 },
    { "relies_on", "relies_on", CW__COL_JSON, 0 },
    { "Flags", "flags", CW__COL_TEXT, 20 },
    { "Why", "why", CW__COL_TEXT, 0 },
};

/* Strings made for one report live in one arena. */
struct rep {
    struct cw__arena a;
    const struct cw_soa *soa;
    bool oom;
};

static const char *keep(struct rep *r, struct cw__buf *b, enum cw_status st)
{
    const char *s = NULL;
    if (!st && b->len && !(s = cw__arena_strdup(&r->a, b->data)))
        st = CW_ENOMEM;
    if (st)
        r->oom = true;
    cw__buf_release(b);
    return s;
}

static const char *assurance_text(struct rep *r, const struct cw_assurance *a)
{
    char buf[1024];
    return cw__arena_strdup(&r->a, cw_assurance_cite(a, true, buf,
                                                     sizeof(buf)));
}

static enum cw_status json_str_field(struct cw__buf *b, const char *key,
                                     const char *v, bool first)
{
    enum cw_status st = cw__buf_printf(b, "%s\"%s\":", first ? "" : ",", key);
    if (!st)
        st = v ? cw__json_string_buf(b, v) : cw__buf_puts(b, "null");
    return st;
}

static enum cw_status assurance_json(struct cw__buf *b,
                                     const struct cw_assurance *a,
                                     const char *state)
{
    enum cw_status st;
    size_t i;
    unsigned m;
    bool first = true;

    st = cw__buf_puts(b, "{");
    if (!st)
        st = json_str_field(b, "kind",
                            a->kind == CW_ASSURANCE_CERTIFICATE
                                ? "certificate"
                                : "attestation",
                            true);
    if (!st)
        st = json_str_field(b, "standard", a->standard, false);
    if (!st)
        st = json_str_field(b, "edition", a->edition, false);
    if (!st)
        st = cw__buf_puts(b, ",\"covers\":[");
    for (i = 0; !st && i < a->ncovers; i++) {
        st = i ? cw__buf_puts(b, ",") : CW_OK;
        if (!st)
            st = cw__json_string_buf(b, a->covers[i]);
    }
    if (!st)
        st = cw__buf_puts(b, "]");
    if (!st)
        st = json_str_field(b, "body", a->body, false);
    if (!st)
        st = json_str_field(b, "number", a->number, false);
    if (!st)
        st = json_str_field(b, "scope", a->scope, false);
    if (!st && a->models) {
        st = cw__buf_puts(b, ",\"service_models\":[");
        for (m = 0; !st && m < CW_MODEL_COUNT; m++) {
            if (!(a->models & (1u << m)))
                continue;
            st = cw__buf_printf(b, "%s\"%s\"", first ? "" : ",",
                                cw_model_name((enum cw_model)m));
            first = false;
        }
        if (!st)
            st = cw__buf_puts(b, "]");
    }
    if (!st)
        st = json_str_field(b, "issued", a->issued, false);
    if (!st)
        st = json_str_field(b, "valid_until", a->valid_until, false);
    if (!st && state)
        st = json_str_field(b, "state", state, false);
    return st ? st : cw__buf_puts(b, "}");
}

static enum cw_status link_json(struct cw__buf *b, const char *provider,
                                const char *part, const char *state,
                                const char *reason,
                                const struct cw_assurance *a, size_t na)
{
    enum cw_status st;
    size_t i;

    st = cw__buf_puts(b, "{");
    if (!st)
        st = json_str_field(b, "provider", provider, true);
    if (!st)
        st = json_str_field(b, "part", part, false);
    if (!st)
        st = json_str_field(b, "state", state, false);
    if (!st)
        st = json_str_field(b, "reason", reason, false);
    if (!st)
        st = cw__buf_puts(b, ",\"assurance\":[");
    for (i = 0; !st && i < na; i++) {
        st = i ? cw__buf_puts(b, ",") : CW_OK;
        if (!st)
            st = assurance_json(b, &a[i], NULL);
    }
    return st ? st : cw__buf_puts(b, "]}");
}

/* relies_on as JSON: the line's own reliances, then every link its
 * providers' rows carry, so the chain reaches the bottom flattened. */
static const char *relies_json(struct rep *r, const struct cw_soa_line *l)
{
    struct cw__buf b;
    enum cw_status st;
    size_t i, k;
    bool first = true;

    if (!l->nrelies)
        return NULL;
    cw__buf_init(&b, (size_t)1 << 20);
    st = cw__buf_puts(&b, "[");
    for (i = 0; !st && i < l->nrelies; i++) {
        const struct cw_soa_reliance *x = &l->relies[i];
        const struct cw_upstream *u = x->upstream;
        st = first ? CW_OK : cw__buf_puts(&b, ",");
        first = false;
        if (!st)
            st = link_json(&b, u ? u->name : "(unnamed provider)", x->part,
                           cw_rely_state_name(x->state), x->reason,
                           u ? u->assurance : NULL, u ? u->nassurance : 0);
        for (k = 0; !st && x->row && k < x->row->nchain; k++) {
            const struct cw_chain_link *c = &x->row->chain[k];
            st = cw__buf_puts(&b, ",");
            if (!st)
                st = link_json(&b, c->provider, c->part, c->state,
                               c->state_reason, c->assurance, c->nassurance);
        }
    }
    if (!st)
        st = cw__buf_puts(&b, "]");
    return keep(r, &b, st);
}

/* "Nimbus Cloud: data-centre physical security; ..." */
static const char *relies_text(struct rep *r, const struct cw_soa_line *l,
                               bool assurance)
{
    struct cw__buf b;
    enum cw_status st = CW_OK;
    size_t i;

    cw__buf_init(&b, 65536);
    for (i = 0; !st && i < l->nrelies; i++) {
        const struct cw_soa_reliance *x = &l->relies[i];
        const char *who = x->upstream ? x->upstream->name : "(unnamed provider)";
        if (assurance)
            st = cw__buf_printf(&b, "%s%s: %s", i ? "; " : "", who,
                                x->assurance
                                    ? assurance_text(r, x->assurance)
                                    : "none recorded");
        else
            st = cw__buf_printf(&b, "%s%s: %s", i ? "; " : "", who, x->part);
    }
    return keep(r, &b, st);
}

static const char *reasons_text(struct rep *r, const struct cw_soa_line *l)
{
    struct cw__buf b;
    enum cw_status st = CW_OK;
    size_t i;

    cw__buf_init(&b, 65536);
    for (i = 0; !st && i < l->nrelies; i++)
        if (l->relies[i].reason)
            st = cw__buf_printf(&b, "%s%s", b.len ? " " : "",
                                l->relies[i].reason);
    return keep(r, &b, st);
}

/* The organisation's own certificates that cover `c`, as text. */
static const char *own_assurance(struct rep *r, const struct cw_control *c)
{
    const struct cw_scope *scope = cw_soa_scope(r->soa);
    const struct cw_catalogs *cats = cw_soa_catalogs(r->soa);
    const struct cw_catalog *cat = cw_catalogs_find(cats, c->catalog);
    const struct cw_assurance *a;
    struct cw__buf b;
    enum cw_status st = CW_OK;
    size_t i, k, n;

    a = cw_scope_assurance(scope, &n);
    cw__buf_init(&b, 65536);
    for (i = 0; !st && i < n; i++) {
        bool yes = a[i].standard && cat && !cat->base &&
                   a[i].kind == CW_ASSURANCE_CERTIFICATE &&
                   strcmp(a[i].standard, "ISO/IEC 27001") == 0;
        for (k = 0; k < a[i].ncovers; k++)
            yes |= strcmp(a[i].covers[k], c->catalog) == 0;
        if (yes)
            st = cw__buf_printf(&b, "%s%s", b.len ? "; " : "",
                                assurance_text(r, &a[i]));
    }
    return keep(r, &b, st);
}

static const char *reliance_name(const struct cw_soa_line *l)
{
    return cw_rely_state_name(l->reliance);
}

static void fill_soa_row(struct rep *r, const struct cw_soa_line *l,
                         const char **row)
{
    size_t i = 0;

    row[i++] = l->control->id;
    row[i++] = l->control->catalog;
    row[i++] = l->control->title;
    row[i++] = l->applicable ? "yes" : "no";
    row[i++] = l->source;
    row[i++] = l->justification;
    row[i++] = cw_impl_status_name(l->status);
    row[i++] = l->owner;
    row[i++] = l->evidence;
    row[i++] = l->checks;
    row[i++] = relies_text(r, l, false);
    row[i++] = relies_text(r, l, true);
    row[i++] = reliance_name(l);
    row[i++] = reasons_text(r, l);
    row[i++] = relies_json(r, l);
    row[i++] = l->flags;
    row[i++] = l->why;
    row[i++] = l->notes;
}

static void fill_matrix_row(struct rep *r, const struct cw_soa_line *l,
                            const char **row)
{
    size_t i = 0;
    bool carried = l->responsibility == CW_RESP_PROVIDER ||
                   l->responsibility == CW_RESP_SPLIT;

    row[i++] = l->control->id;
    row[i++] = l->control->catalog;
    row[i++] = l->control->title;
    row[i++] = cw_resp_name(l->responsibility);
    row[i++] = carried ? l->part : NULL;
    row[i++] = l->provider_duty;
    row[i++] = l->customer_duty;
    row[i++] = l->applicable ? "yes" : "no";
    row[i++] = cw_impl_status_name(l->status);
    row[i++] = own_assurance(r, l->control);
    row[i++] = relies_text(r, l, false);
    row[i++] = reliance_name(l);
    row[i++] = relies_json(r, l);
    row[i++] = l->flags;
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

/* The summary as a JSON object: the same counts as the header lines. */
static const char *summary_json(struct rep *r, const struct cw_soa_summary *s)
{
    struct cw__buf b;
    enum cw_status st;
    size_t i;

    cw__buf_init(&b, 4096);
    st = cw__buf_printf(&b,
                        "{\"total\":%zu,\"applicable\":%zu,\"excluded\":%zu,"
                        "\"decided\":%zu,\"status\":{",
                        s->total, s->applicable, s->not_applicable,
                        s->decided);
    for (i = 0; !st && i < CW_IMPL_COUNT; i++)
        st = cw__buf_printf(&b, "%s\"%s\":%zu", i ? "," : "",
                            cw_impl_status_name((enum cw_impl_status)i),
                            s->status[i]);
    if (!st)
        st = cw__buf_printf(&b,
                            "},\"reliance\":{\"none\":%zu,\"verified\":%zu,"
                            "\"expiring\":%zu,\"unverified\":%zu},"
                            "\"flagged\":%zu}",
                            s->relies_none, s->relies_verified,
                            s->relies_expiring, s->relies_unverified,
                            s->flagged);
    return keep(r, &b, st);
}

static const char *own_assurance_json(struct rep *r)
{
    const struct cw_assurance *a;
    struct cw__buf b;
    enum cw_status st;
    size_t i, n;
    const char *as_of = cw_soa_as_of(r->soa);

    a = cw_scope_assurance(cw_soa_scope(r->soa), &n);
    cw__buf_init(&b, 65536);
    st = cw__buf_puts(&b, "[");
    for (i = 0; !st && i < n; i++) {
        st = i ? cw__buf_puts(&b, ",") : CW_OK;
        if (!st)
            st = assurance_json(&b, &a[i],
                                strcmp(a[i].valid_until, as_of) < 0
                                    ? "lapsed"
                                    : "valid");
    }
    if (!st)
        st = cw__buf_puts(&b, "]");
    return keep(r, &b, st);
}

/* The document header in words, one line each (every format but JSON). */
static size_t header_lines(struct rep *r, enum cw_view view,
                           const char *models, const char **out)
{
    const struct cw_soa *soa = r->soa;
    const struct cw_scope *scope = cw_soa_scope(soa);
    const struct cw_soa_summary *s = cw_soa_get_summary(soa);
    const struct cw_document *doc = cw_scope_document(scope);
    const struct cw_assurance *a;
    struct cw__buf b;
    enum cw_status st = CW_OK;
    size_t n = 0, i, na;

    if (cw_soa_prepared_for(soa))
        out[n++] = cw__arena_printf(&r->a, "Prepared for %s.",
                                    cw_soa_prepared_for(soa));
    out[n++] = cw__arena_printf(
        &r->a, "Organisation: %s. Role: %s%s; service models: %s.",
        cw_scope_organisation(scope), cw_role_name(cw_scope_role(scope)),
        cw_scope_pii_processor(scope) ? ", PII processor" : "", models);
    if (cw_scope_statement(scope))
        out[n++] = cw__arena_printf(&r->a, "Scope: %s",
                                    cw_scope_statement(scope));
    cw__buf_init(&b, 4096);
    for (i = 0; !st && i < cw_scope_catalog_count(scope); i++)
        st = cw__buf_printf(&b, "%s%s", i ? ", " : "",
                            cw_scope_catalogs(scope)[i]);
    out[n++] = cw__arena_printf(&r->a, "Catalogs in force: %s.",
                                keep(r, &b, st));
    out[n++] = cw__arena_printf(
        &r->a, "Document version %s; approved by %s on %s. As of %s.",
        doc->version ? doc->version : "(not stated)",
        doc->approver ? doc->approver : "(not stated)",
        doc->approved ? doc->approved : "(not stated)", cw_soa_as_of(soa));
    a = cw_scope_assurance(scope, &na);
    cw__buf_init(&b, 4096);
    for (i = 0, st = CW_OK; !st && i < na; i++)
        st = cw__buf_printf(&b, "%s%s", i ? "; " : "",
                            assurance_text(r, &a[i]));
    if (na)
        out[n++] = cw__arena_printf(&r->a, "Own assurance: %s.",
                                    keep(r, &b, st));
    else
        cw__buf_release(&b);
    out[n++] = cw__arena_printf(
        &r->a, "%zu controls: %zu applicable, %zu excluded; %zu decided.",
        s->total, s->applicable, s->not_applicable, s->decided);
    out[n++] = cw__arena_printf(
        &r->a,
        "Implementation: %zu not started, %zu planned, %zu partial, %zu "
        "implemented, %zu not applicable (of %zu).",
        s->status[CW_IMPL_NOT_STARTED], s->status[CW_IMPL_PLANNED],
        s->status[CW_IMPL_PARTIAL], s->status[CW_IMPL_IMPLEMENTED],
        s->status[CW_IMPL_NOT_APPLICABLE], s->total);
    out[n++] = cw__arena_printf(
        &r->a,
        "Reliance on providers: %zu none, %zu verified, %zu expiring, %zu "
        "unverified (of %zu).",
        s->relies_none, s->relies_verified, s->relies_expiring,
        s->relies_unverified, s->total);
    out[n++] = cw__arena_printf(&r->a, "Contradictions: %zu line%s flagged.",
                                s->flagged, s->flagged == 1 ? "" : "s");
    (void)view;
    for (i = 0; i < n; i++)
        if (!out[i])
            r->oom = true;
    return n;
}

enum cw_status cw_report_write(const struct cw_soa *soa, enum cw_view view,
                               enum cw_format f, const char *path,
                               struct cw_diag *d)
{
    const struct cw_scope *scope = cw_soa_scope(soa);
    const struct cw_soa_summary *s = cw_soa_get_summary(soa);
    const struct cw_document *doc = cw_scope_document(scope);
    struct rep rep;
    struct cw__table t;
    char title[512], models[32], counts[2][24];
    const char *pre[13];
    struct cw__meta meta[13];
    unsigned char *flagged;
    const char **cells;
    enum cw_status st;
    size_t r;

    memset(&t, 0, sizeof(t));
    memset(&rep, 0, sizeof(rep));
    cw__arena_init(&rep.a, 0);
    rep.soa = soa;
    t.cols = view == CW_VIEW_SOA ? soa_cols : matrix_cols;
    t.ncols = view == CW_VIEW_SOA ? CW__ARRAY_LEN(soa_cols)
                                  : CW__ARRAY_LEN(matrix_cols);
    t.nrows = cw_soa_count(soa);
    cells = cw__calloc(t.nrows * t.ncols + 1, sizeof(*cells));
    flagged = cw__calloc(t.nrows + 1, 1);
    if (!cells || !flagged) {
        cw__free(cells);
        cw__free(flagged);
        cw__arena_release(&rep.a);
        return cw__diag_set(d, CW_ENOMEM, path, 0, 0, "out of memory");
    }
    for (r = 0; r < t.nrows; r++) {
        const struct cw_soa_line *l = cw_soa_line_at(soa, r);
        if (view == CW_VIEW_SOA)
            fill_soa_row(&rep, l, cells + r * t.ncols);
        else
            fill_matrix_row(&rep, l, cells + r * t.ncols);
        flagged[r] = l->flags || (l->reliance != CW_RELY_NONE &&
                                  !CW_RELY_VERIFIED(l->reliance));
    }
    snprintf(title, sizeof(title), "%s: %s",
             view == CW_VIEW_SOA ? "Statement of Applicability"
                                 : "Shared-responsibility matrix",
             cw_scope_organisation(scope));
    models_of(soa, models, sizeof(models));
    t.npreamble = header_lines(&rep, view, models, pre);
    t.preamble = pre;
    snprintf(counts[0], sizeof(counts[0]), "%zu", s->total);
    snprintf(counts[1], sizeof(counts[1]), "%d", 2);
    {
        const struct cw__meta m[] = {
            { "cloudward", view == CW_VIEW_SOA ? "soa" : "matrix",
              CW__COL_TEXT },
            { "schema", counts[1], CW__COL_NUMBER },
            { "organisation", cw_scope_organisation(scope), CW__COL_TEXT },
            { "role", cw_role_name(cw_scope_role(scope)), CW__COL_TEXT },
            { "service_models", models, CW__COL_TEXT },
            { "scope_statement", cw_scope_statement(scope), CW__COL_TEXT },
            { "document_version", doc->version, CW__COL_TEXT },
            { "approver", doc->approver, CW__COL_TEXT },
            { "approved", doc->approved, CW__COL_TEXT },
            { "as_of", cw_soa_as_of(soa), CW__COL_TEXT },
            { "assurance", own_assurance_json(&rep), CW__COL_JSON },
            { "summary", summary_json(&rep, s), CW__COL_JSON },
            { "prepared_for", cw_soa_prepared_for(soa), CW__COL_TEXT },
        };
        memcpy(meta, m, sizeof(m));
    }
    t.title = title;
    t.stamp = cw_soa_prepared_for(soa) ? pre[0] : NULL;
    t.date = cw_soa_as_of(soa);
    t.json_root = "controls";
    t.meta = meta;
    /* "prepared_for" only in a copy prepared for someone. */
    t.nmeta = CW__ARRAY_LEN(meta) - (cw_soa_prepared_for(soa) ? 0 : 1);
    t.cells = cells;
    t.flagged = flagged;
    st = rep.oom ? cw__diag_set(d, CW_ENOMEM, path, 0, 0, "out of memory")
                 : cw__table_emit(&t, f, path, d);
    cw__free(cells);
    cw__free(flagged);
    cw__arena_release(&rep.a);
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
