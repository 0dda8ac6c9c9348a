/*
 * findings.c - scan results as reports: a terminal table and HTML through
 * the shared string table, and JSON, SARIF 2.1.0 and JUnit XML written
 * here because their shapes are their own. The store keeps runs as data
 * (src/store/runs_sqlite.c), not as these reports.
 *
 * SARIF: one rule per check (title, rationale, remediation, controls as
 * tags), one result per check with `kind` pass / fail / notApplicable /
 * review (unknown) / open (error); a failed result's `level` follows the
 * severity. Locations are relative to the scanned root (uriBaseId ROOT).
 * JUnit: one testcase per check; fail is <failure>, unknown and error are
 * <error>, not-applicable is <skipped>.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h> /* free: open_memstream buffers are libc-allocated */
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cloudward/cw_checks.h>

#include "table.h"

static const char *const findings_names[] = { "table", "json", "sarif",
                                              "junit", "html" };

bool cw_findings_format_parse(const char *s, enum cw_findings_format *out)
{
    size_t i;
    for (i = 0; i < CW__ARRAY_LEN(findings_names); i++) {
        if (strcmp(s, findings_names[i]) == 0) {
            *out = (enum cw_findings_format)i;
            return true;
        }
    }
    return false;
}

static void controls_text(const struct cw_check *c, char *out, size_t n)
{
    size_t i, off = 0;
    out[0] = '\0';
    for (i = 0; i < c->ncontrols && off < n; i++)
        off += (size_t)snprintf(out + off, n - off, "%s%s %s", i ? "; " : "",
                                c->controls[i].catalog, c->controls[i].id);
}

/* ---- JSON ---------------------------------------------------------------- */

static void json_kv(FILE *f, const char *indent, const char *key,
                    const char *val, bool comma)
{
    fputs(indent, f);
    cw__json_string(f, key);
    fputs(": ", f);
    if (val)
        cw__json_string(f, val);
    else
        fputs("null", f);
    fputs(comma ? ",\n" : "\n", f);
}

/* `      "line": N` and a newline, into `b` (no printf: once a result). */
/* cw__buf_append for the report's many short pieces: up to 32 bytes are
 * moved without a memcpy call (two overlapping 8- or 16-byte moves); a
 * large scan's report is ~12 pieces per result, and the calls were most
 * of rendering it. */
static inline enum cw_status put(struct cw__buf *b, const void *p, size_t n)
{
    const char *s = p;
    char *d;

    if (n > 32 || !b->alloc || n >= b->alloc - b->len ||
        n > b->cap - b->len)
        return cw__buf_append(b, p, n);
    d = b->data + b->len;
    if (n >= 16) {
        memcpy(d, s, 16);
        memcpy(d + n - 16, s + n - 16, 16);
    } else if (n >= 8) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    }
    b->len += n;
    b->data[b->len] = '\0';
    return CW_OK;
}

static enum cw_status json_line_buf(struct cw__buf *b, unsigned line)
{
    char d[16];
    size_t n = sizeof(d);
    d[--n] = '\n'; /* the result's last member */
    do
        d[--n] = (char)('0' + line % 10);
    while ((line /= 10) != 0);
    enum cw_status st = put(b, "      \"line\": ", 14);
    return st ? st : put(b, d + n, sizeof(d) - n);
}

/* The controls of a check as JSON strings "CATALOG ID", comma-separated. */
static void json_controls(FILE *f, const struct cw_check *c)
{
    size_t j;
    for (j = 0; j < c->ncontrols; j++) {
        char ref[160];
        snprintf(ref, sizeof(ref), "%s %s", c->controls[j].catalog,
                 c->controls[j].id);
        if (j)
            fputs(", ", f);
        cw__json_string(f, ref);
    }
}


/* The parts of a result's JSON that depend on its check alone, rendered
 * once per check: `head` (the opening brace and id), `mid` (title,
 * severity) and `tail` (controls to remediation, closing brace). */
struct frag {
    char *s;
    size_t n;
};

/* A check as the report's `checks` array lists it, once: everything a
 * result of it would otherwise repeat. */
static void json_check(FILE *m, const struct cw_check *c)
{
    size_t k;

    fputs("    {\n", m);
    json_kv(m, "      ", "id", c->id, true);
    json_kv(m, "      ", "title", c->title, true);
    json_kv(m, "      ", "severity", cw_severity_name(c->severity), true);
    fputs("      \"controls\": [", m);
    json_controls(m, c);
    fputs("],\n", m);
    json_kv(m, "      ", "cis", c->ref_cis, true);
    json_kv(m, "      ", "ssg", c->ref_ssg, true);
    if (c->ref_checkov)
        json_kv(m, "      ", "checkov", c->ref_checkov, true);
    fputs("      \"references\": [", m);
    for (k = 0; k < c->nrefs; k++) {
        fprintf(m, "%s{\"scheme\": \"%s\", \"id\": ", k ? ", " : "",
                c->refs[k].scheme);
        cw__json_string(m, c->refs[k].id);
        fputs("}", m);
    }
    fputs("],\n", m);
    if (c->rel_cis || c->rel_ssg || c->rel_checkov) {
        fputs("      \"related\": {", m);
        if (c->rel_cis) {
            fputs("\"cis\": ", m);
            cw__json_string(m, c->rel_cis);
        }
        if (c->rel_ssg) {
            fputs(c->rel_cis ? ", \"ssg\": " : "\"ssg\": ", m);
            cw__json_string(m, c->rel_ssg);
        }
        if (c->rel_checkov) {
            fputs(c->rel_cis || c->rel_ssg ? ", \"checkov\": "
                                           : "\"checkov\": ",
                  m);
            cw__json_string(m, c->rel_checkov);
        }
        fputs("},\n", m);
    }
    json_kv(m, "      ", "remediation", c->remediation, false);
    fputs("    }", m);
}

/* What every result of check `i` starts with: its id and its place in
 * `checks`. */
static int render_check(const struct cw_check *c, size_t i, struct frag *out)
{
    FILE *m = open_memstream(&out->s, &out->n);
    if (!m)
        return -1;
    fputs("    {\n", m);
    json_kv(m, "      ", "id", c->id, true);
    fprintf(m, "      \"check\": %zu,\n", i);
    return fclose(m) ? -1 : 0;
}

/* Strings as JSON, remembered by address: results share their reason,
 * file and resource strings (cw__results_put interns them), so a large
 * scan escapes each once per chunk instead of once per result. */
#define ESC_SLOTS 64

struct esc_cache {
    const char *key[ESC_SLOTS];
    struct cw__buf val[ESC_SLOTS];
    /* a config reason's members (reason in words, reason_jsonpath), by
     * the reason's address */
    const char *wkey[ESC_SLOTS];
    struct cw__buf wval[ESC_SLOTS];
};

static void esc_init(struct esc_cache *e)
{
    size_t i;
    for (i = 0; i < ESC_SLOTS; i++) {
        e->key[i] = e->wkey[i] = NULL;
        cw__buf_init(&e->val[i], SIZE_MAX);
        cw__buf_init(&e->wval[i], SIZE_MAX);
    }
}

static void esc_release(struct esc_cache *e)
{
    size_t i;
    for (i = 0; i < ESC_SLOTS; i++) {
        cw__buf_release(&e->val[i]);
        cw__buf_release(&e->wval[i]);
    }
}

/* Appends `s` as a JSON string to `b`, from the cache when it has it. */
static enum cw_status esc_put(struct esc_cache *e, struct cw__buf *b,
                              const char *s)
{
    size_t i = ((uintptr_t)s >> 3) % ESC_SLOTS;
    struct cw__buf *v = &e->val[i];
    if (e->key[i] != s) {
        enum cw_status st;
        v->len = 0;
        e->key[i] = NULL;
        if ((st = cw__json_string_buf(v, s)))
            return st;
        e->key[i] = s;
    }
    return put(b, v->data, v->len);
}

/* `      "key": ` (the key as given, already JSON) then `s` as JSON and
 * `,` and a newline; NULL is null. */
static enum cw_status json_member(struct esc_cache *e, struct cw__buf *b,
                                  const char *key, size_t keylen,
                                  const char *s)
{
    enum cw_status st = put(b, key, keylen);
    if (!st)
        st = s ? esc_put(e, b, s) : put(b, "null", 4);
    return st ? st : put(b, ",\n", 2);
}
#define MEMBER(e, b, key, s) \
    json_member((e), (b), "      \"" key "\": ", sizeof(key) + 9, (s))

#define REASON_WORDS_MAX 1024 /* a reason is at most 511 bytes */

/* A config result's reason in words, and as the rule judged it
 * (reason_jsonpath) when the two differ. */
static enum cw_status reason_members(struct esc_cache *e, struct cw__buf *b,
                                     const char *raw)
{
    size_t i = ((uintptr_t)raw >> 3) % ESC_SLOTS;
    struct cw__buf *v = &e->wval[i];

    if (e->wkey[i] != raw) {
        char words[REASON_WORDS_MAX];
        enum cw_status st;
        cw__reason_words(raw, words, sizeof(words));
        v->len = 0;
        e->wkey[i] = NULL;
        if ((st = cw__buf_append(v, "      \"reason\": ", 16)) ||
            (st = cw__json_string_buf(v, words)) ||
            (st = cw__buf_append(v, ",\n", 2)))
            return st;
        if (strcmp(words, raw) != 0 &&
            ((st = cw__buf_append(v, "      \"reason_jsonpath\": ", 25)) ||
             (st = cw__json_string_buf(v, raw)) ||
             (st = cw__buf_append(v, ",\n", 2))))
            return st;
        e->wkey[i] = raw;
    }
    return cw__buf_append(b, v->data, v->len);
}

/* The reason a person reads: a config result's in words. */
static const char *reason_text(const struct cw_result *x, char *buf,
                               size_t n)
{
    if (!x->resource || !x->reason || !strchr(x->reason, '$'))
        return x->reason;
    cw__reason_words(x->reason, buf, n);
    return buf;
}

/*
 * The results array's members. A large scan has millions of results but
 * few checks: the parts of a result that depend on its check alone are
 * rendered once (a fragment per check, in pack order), results are built in
 * memory in chunks, and with many chunks a second thread renders every
 * other one while this one renders the rest and writes them all in order.
 */
#define CHUNK_RESULTS 4096

struct render {
    const struct cw_results *r;
    const struct cw_pack *p;
    const struct frag *frag;
    size_t nchunks;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct cw__buf theirs;  /* the worker's finished chunk, when `full` */
    enum cw_status st;      /* the worker's */
    bool full, stop;
};

/*
 * `      "cited": [...],` for a result whose cited rules may differ from
 * it: the check cites several, or ties one to a part (`cite:`). Each
 * holds the rule, its verdict and, for a tied rule, that part's reason,
 * file and line. Nothing is written for a check citing one rule as a whole
 * (its verdict is the result's): a config scan's million results stay
 * the size they were.
 */
static enum cw_status json_cited(const struct cw_results *r, size_t i,
                                 struct esc_cache *e, struct cw__buf *b)
{
    struct cw_cited c[CW_CHECK_REFS_MAX];
    size_t k, n = cw_results_cited(r, i, c, CW_CHECK_REFS_MAX);
    enum cw_status st = CW_OK;
    bool tied = false;

    for (k = 0; k < n; k++)
        tied |= c[k].reason != NULL;
    if (n < 2 && !tied)
        return CW_OK;
    st = put(b, "      \"cited\": [", 16);
    for (k = 0; !st && k < n; k++) {
        char num[16];
        st = put(b, k ? ", {\"scheme\": \"" : "{\"scheme\": \"",
                 k ? 14 : 12);
        if (!st)
            st = put(b, c[k].ref->scheme, strlen(c[k].ref->scheme));
        if (!st)
            st = put(b, "\", \"id\": ", 9);
        if (!st)
            st = esc_put(e, b, c[k].ref->id);
        if (!st)
            st = put(b, ", \"verdict\": \"", 14);
        if (!st)
            st = put(b, cw_verdict_name(c[k].verdict),
                     strlen(cw_verdict_name(c[k].verdict)));
        if (!st)
            st = put(b, "\"", 1);
        if (!st && c[k].reason) {
            st = put(b, ", \"reason\": ", 12);
            if (!st)
                st = esc_put(e, b, c[k].reason);
            if (!st && c[k].file) {
                st = put(b, ", \"file\": ", 10);
                if (!st)
                    st = esc_put(e, b, c[k].file);
            }
            if (!st && c[k].line) {
                snprintf(num, sizeof(num), "%u", c[k].line);
                st = put(b, ", \"line\": ", 10);
                if (!st)
                    st = put(b, num, strlen(num));
            }
        }
        if (!st)
            st = put(b, "}", 1);
    }
    return st ? st : put(b, "],\n", 3);
}

static enum cw_status render_chunk(const struct render *R, size_t k,
                                   struct esc_cache *e, struct cw__buf *b)
{
    size_t i, n = cw_results_count(R->r), to = (k + 1) * CHUNK_RESULTS;
    enum cw_status st = CW_OK;

    b->len = 0;
    for (i = k * CHUNK_RESULTS; !st && i < n && i < to; i++) {
        const struct cw_result *x = cw_results_at(R->r, i);
        size_t ci = cw_pack_check_index(R->p, x->check);
        const struct frag *f = &R->frag[ci];
        if (ci == cw_pack_count(R->p))
            return CW_EINVAL; /* a result of another pack */
        st = put(b, i ? ",\n" : "\n", i ? 2 : 1);
        if (!st)
            st = put(b, f->s, f->n);
        if (!st && x->resource)
            st = MEMBER(e, b, "resource", x->resource);
        if (!st)
            st = MEMBER(e, b, "verdict", cw_verdict_name(x->verdict));
        if (!st)
            st = x->resource && x->reason
                     ? reason_members(e, b, x->reason)
                     : MEMBER(e, b, "reason", x->reason);
        if (!st)
            st = MEMBER(e, b, "file", x->file);
        if (!st && x->check->nrefs)
            st = json_cited(R->r, i, e, b);
        if (!st)
            st = json_line_buf(b, x->line);
        if (!st)
            st = put(b, "    }", 5);
    }
    return st;
}

/* The second thread: chunks 1, 3, 5, ..., each handed over in `theirs`. */
static void *render_worker(void *arg)
{
    struct render *R = arg;
    struct esc_cache e;
    struct cw__buf b;
    size_t k;

    esc_init(&e);
    cw__buf_init(&b, SIZE_MAX);
    for (k = 1; k < R->nchunks; k += 2) {
        enum cw_status st = render_chunk(R, k, &e, &b);
        struct cw__buf t;
        pthread_mutex_lock(&R->mu);
        while (R->full && !R->stop)
            pthread_cond_wait(&R->cv, &R->mu);
        if (R->stop) {
            pthread_mutex_unlock(&R->mu);
            break;
        }
        t = R->theirs; /* hand over the chunk, take the spent buffer */
        R->theirs = b;
        b = t;
        R->st = st;
        R->full = true;
        pthread_cond_broadcast(&R->cv);
        pthread_mutex_unlock(&R->mu);
        if (st)
            break;
    }
    cw__buf_release(&b);
    esc_release(&e);
    return NULL;
}

static enum cw_status write_results(const struct cw_results *r,
                                    const struct frag *frag, FILE *f)
{
    struct render R;
    struct esc_cache e;
    struct cw__buf mine;
    pthread_t worker;
    enum cw_status st = CW_OK;
    bool threaded;
    size_t k;

    memset(&R, 0, sizeof(R));
    R.r = r;
    R.p = cw_results_pack(r);
    R.frag = frag;
    R.nchunks = (cw_results_count(r) + CHUNK_RESULTS - 1) / CHUNK_RESULTS;
    esc_init(&e);
    cw__buf_init(&mine, SIZE_MAX);
    cw__buf_init(&R.theirs, SIZE_MAX);
    pthread_mutex_init(&R.mu, NULL);
    pthread_cond_init(&R.cv, NULL);
    threaded = R.nchunks > 2 &&
               pthread_create(&worker, NULL, render_worker, &R) == 0;
    for (k = 0; !st && k < R.nchunks; k++) {
        if (!threaded || k % 2 == 0) {
            st = render_chunk(&R, k, &e, &mine);
        } else { /* the worker's: swap buffers with it */
            struct cw__buf t;
            pthread_mutex_lock(&R.mu);
            while (!R.full)
                pthread_cond_wait(&R.cv, &R.mu);
            t = R.theirs;
            R.theirs = mine;
            mine = t;
            st = R.st;
            R.full = false;
            pthread_cond_broadcast(&R.cv);
            pthread_mutex_unlock(&R.mu);
        }
        if (!st && mine.len)
            fwrite(mine.data, 1, mine.len, f);
    }
    if (threaded) {
        pthread_mutex_lock(&R.mu);
        R.stop = true;
        pthread_cond_broadcast(&R.cv);
        pthread_mutex_unlock(&R.mu);
        pthread_join(worker, NULL);
    }
    pthread_cond_destroy(&R.cv);
    pthread_mutex_destroy(&R.mu);
    cw__buf_release(&mine);
    cw__buf_release(&R.theirs);
    esc_release(&e);
    return st;
}

static enum cw_status write_json(const void *arg, FILE *f, const char *file)
{
    const struct cw_results *r = arg;
    const struct cw_pack *p = cw_results_pack(r);
    enum cw_status st = CW_OK;
    struct frag *frag;
    size_t i, v;
    (void)file;

    fputs("{\n", f);
    json_kv(f, "  ", "cloudward", "scan", true);
    fputs("  \"schema\": 2,\n", f); /* docs/schemas/findings-2 */
    json_kv(f, "  ", "kind", cw_results_kind(r), true);
    json_kv(f, "  ", "pack", cw_pack_name(p), true);
    json_kv(f, "  ", "pack_title", cw_pack_title(p), true);
    json_kv(f, "  ", "pack_sha256", cw_pack_digest(p), true);
    json_kv(f, "  ", "target", cw_results_target(r), true);
    json_kv(f, "  ", "time", cw_results_time(r), true);
    fputs("  \"summary\": {", f);
    for (v = 0; v < CW_VERDICT_COUNT; v++)
        fprintf(f, "%s\"%s\": %zu", v ? ", " : "",
                cw_verdict_name((enum cw_verdict)v),
                cw_results_tally(r, (enum cw_verdict)v));
    /* Every check once; results refer to them by place. */
    fputs("},\n  \"checks\": [", f);
    for (i = 0; i < cw_pack_count(p); i++) {
        fputs(i ? ",\n" : "\n", f);
        json_check(f, cw_pack_check_at(p, i));
    }
    /* Passes a config scan only counted: per check. */
    fputs(cw_pack_count(p) ? "\n  ],\n  \"passes\": [" : "],\n  \"passes\": [",
          f);
    for (i = 0, v = 0; i < cw_pack_count(p); i++) {
        const struct cw_check *c = cw_pack_check_at(p, i);
        size_t n = cw_results_passes_of(r, i);
        if (!n)
            continue;
        fputs(v++ ? ",\n    {" : "\n    {", f);
        fputs("\"id\": ", f);
        cw__json_string(f, c->id);
        fprintf(f, ", \"check\": %zu, \"count\": %zu}", i, n);
    }
    fputs(v ? "\n  ],\n  \"results\": [" : "],\n  \"results\": [", f);

    if (!(frag = cw__calloc(cw_pack_count(p) + 1, sizeof(*frag))))
        return CW_ENOMEM;
    for (i = 0; !st && i < cw_pack_count(p); i++)
        if (render_check(cw_pack_check_at(p, i), i, &frag[i]))
            st = CW_ENOMEM;
    if (!st)
        st = write_results(r, frag, f);
    for (i = 0; i < cw_pack_count(p); i++)
        free(frag[i].s); /* from open_memstream */
    cw__free(frag);
    if (st)
        return st;
    fputs(cw_results_count(r) ? "\n  ]\n}\n" : "]\n}\n", f);
    return ferror(f) ? CW_EIO : CW_OK;
}

/* ---- SARIF --------------------------------------------------------------- */

static const char *sarif_kind(enum cw_verdict v)
{
    static const char *const k[] = { "pass", "fail", "notApplicable",
                                     "review", "open" };
    return k[v];
}

static const char *sarif_level(const struct cw_result *x)
{
    if (x->verdict == CW_VERDICT_ERROR)
        return "error";
    if (x->verdict != CW_VERDICT_FAIL)
        return "none";
    return x->check->severity >= CW_SEVERITY_HIGH     ? "error"
           : x->check->severity >= CW_SEVERITY_MEDIUM ? "warning"
                                                      : "note";
}

/* A path as a quoted URI reference, after prefix: unreserved bytes and '/'
 * as they are, every other byte %XX (RFC 3986), so spaces, '#', '%' and
 * non-ASCII names make valid URIs. Every byte written is JSON-safe, so the
 * string needs no further escaping. */
static void uri_path(FILE *f, const char *prefix, const char *p)
{
    static const char hex[] = "0123456789ABCDEF";

    fputc('"', f);
    fputs(prefix, f);
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~' || c == '/') {
            fputc(c, f);
        } else {
            fputc('%', f);
            fputc(hex[c >> 4], f);
            fputc(hex[c & 15], f);
        }
    }
    fputc('"', f);
}

/* The rule name SARIF viewers show: the id in PascalCase. */
static void rule_name(FILE *f, const char *id)
{
    char buf[256];
    size_t o = 0;
    bool up = true;

    for (; *id && o + 1 < sizeof(buf); id++) {
        if (*id == '-' || *id == '_' || *id == '.') {
            up = true;
            continue;
        }
        buf[o++] = up && *id >= 'a' && *id <= 'z' ? (char)(*id - 32) : *id;
        up = false;
    }
    buf[o] = '\0';
    cw__json_string(f, buf);
}

static const char *severity_level(enum cw_severity s)
{
    return s >= CW_SEVERITY_HIGH ? "error"
           : s >= CW_SEVERITY_MEDIUM ? "warning"
                                      : "note";
}

/*
 * The benchmark rules a check cites are SARIF taxa: one taxonomy per
 * scheme (CIS, SSG, Checkov), each check's rule related to them ("equal"
 * when it cites one rule of the scheme, "superset" when it covers several
 * in one check; "relevant" for rules it cites as related only), and each
 * result listing every cited rule with that rule's own verdict
 * (cw_results_cited) in the reference's property bag.
 */
static const char *taxonomy_name(const char *scheme)
{
    return strcmp(scheme, "cis") == 0   ? "CIS"
           : strcmp(scheme, "ssg") == 0 ? "SSG"
                                        : "Checkov";
}

static void taxon_ref(FILE *f, const char *scheme, const char *id)
{
    fputs("{\"id\": ", f);
    cw__json_string(f, id);
    fprintf(f, ", \"toolComponent\": {\"name\": \"%s\"}}",
            taxonomy_name(scheme));
}

static void sarif_relationships(FILE *f, const struct cw_check *c)
{
    const char *rel[3] = { c->rel_cis, c->rel_ssg, c->rel_checkov };
    static const char *const schemes[3] = { "cis", "ssg", "checkov" };
    size_t k, j, n = 0;

    for (k = 0; k < c->nrefs; k++) {
        size_t same = 0;
        for (j = 0; j < c->nrefs; j++)
            same += strcmp(c->refs[j].scheme, c->refs[k].scheme) == 0;
        fputs(n++ ? ", {\"target\": " : ", \"relationships\": [{\"target\": ",
              f);
        taxon_ref(f, c->refs[k].scheme, c->refs[k].id);
        fprintf(f, ", \"kinds\": [\"%s\"]}", same > 1 ? "superset" : "equal");
    }
    for (k = 0; k < 3; k++) {
        if (!rel[k])
            continue;
        fputs(n++ ? ", {\"target\": " : ", \"relationships\": [{\"target\": ",
              f);
        taxon_ref(f, schemes[k], rel[k]);
        fputs(", \"kinds\": [\"relevant\"]}", f);
    }
    if (n)
        fputs("]", f);
}

/* One taxonomy per scheme any check cites (as equivalent or related),
 * each rule listed once, in the order the pack first names it. */
static void sarif_taxonomies(FILE *f, const struct cw_pack *p)
{
    static const char *const schemes[3] = { "cis", "ssg", "checkov" };
    static const char *const full[3] = {
        "CIS Benchmarks (section numbers)", "SCAP Security Guide (rule ids)",
        "Checkov (check ids)"
    };
    const char **seen = NULL;
    size_t s, i, k, j, shown = 0, n, cap = 0;

    for (s = 0; s < 3; s++) {
        for (n = 0, i = 0; i < cw_pack_count(p); i++) {
            const struct cw_check *c = cw_pack_check_at(p, i);
            const char *rel[3] = { c->rel_cis, c->rel_ssg, c->rel_checkov };
            for (k = 0; k <= c->nrefs; k++) { /* the refs, then related */
                const char *id = k < c->nrefs ? c->refs[k].id : rel[s];
                if (!id || (k < c->nrefs &&
                            strcmp(c->refs[k].scheme, schemes[s]) != 0))
                    continue;
                for (j = 0; j < n && j < cap && strcmp(seen[j], id) != 0; j++)
                    ;
                if (j < n && j < cap)
                    continue;
                if (n == cap) { /* out of memory: a rule may repeat */
                    const char **g = cw__realloc(seen, (cap ? 2 * cap : 64) *
                                                           sizeof(*g));
                    if (g) {
                        seen = g;
                        cap = cap ? 2 * cap : 64;
                    }
                }
                if (n < cap)
                    seen[n] = id;
                if (!n++)
                    fprintf(f, "%s{\"name\": \"%s\", \"fullName\": \"%s\", "
                               "\"taxa\": [",
                            shown++ ? ", " : "    \"taxonomies\": [",
                            taxonomy_name(schemes[s]), full[s]);
                else
                    fputs(", ", f);
                fputs("{\"id\": ", f);
                cw__json_string(f, id);
                fputs("}", f);
            }
        }
        if (n)
            fputs("]}", f);
    }
    if (shown)
        fputs("],\n", f);
    cw__free(seen);
}

static void sarif_result_taxa(FILE *f, const struct cw_results *r, size_t i)
{
    struct cw_cited c[CW_CHECK_REFS_MAX];
    size_t k, n = cw_results_cited(r, i, c, CW_CHECK_REFS_MAX);

    for (k = 0; k < n; k++) {
        fputs(k ? ", " : ", \"taxa\": [", f);
        fputs("{\"id\": ", f);
        cw__json_string(f, c[k].ref->id);
        fprintf(f, ", \"toolComponent\": {\"name\": \"%s\"}, "
                   "\"properties\": {\"verdict\": \"%s\"}}",
                taxonomy_name(c[k].ref->scheme),
                cw_verdict_name(c[k].verdict));
    }
    if (n)
        fputs("]", f);
}

struct sarif_job {
    const struct cw_results *r;
    bool all; /* keep pass and not-applicable results */
};

/*
 * SARIF 2.1.0, as GitHub code scanning takes it: every result located
 * (host results without a place of their own at the file their rule
 * reads), URIs relative to a folder base (ROOT: the scanned root; SRCROOT:
 * the folder the scan ran in) and percent-encoded, a stable
 * partialFingerprint per check, resource and file, automationDetails per
 * kind and pack, rules with name, defaultConfiguration and the
 * `security` tag so security-severity counts. Pass and not-applicable
 * results are left out unless asked for (--sarif-all): a code-scanning
 * alert list is a list of findings.
 */
static enum cw_status write_sarif_run(const struct sarif_job *job, FILE *f)
{
    static const char *const sev_score[] = { "0.0", "3.0", "5.5", "7.5",
                                             "9.5" };
    const struct cw_results *r = job->r;
    const struct cw_pack *p = cw_results_pack(r);
    bool host = strcmp(cw_results_kind(r), "host") == 0;
    size_t i, j, n = cw_results_count(r), shown = 0;
    const char *target = cw_results_target(r);
    char cwd[4096];

    if (!getcwd(cwd, sizeof(cwd)))
        snprintf(cwd, sizeof(cwd), "/");
    fputs("{\n  \"$schema\": \"https://json.schemastore.org/"
          "sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n  \"runs\": [{\n"
          "    \"tool\": {\"driver\": {\n      \"name\": \"cloudward\",\n"
          "      \"version\": ", f);
    cw__json_string(f, cw_version());
    fputs(",\n      \"informationUri\": ", f);
    cw__json_string(f, CW_DOC_URI "/README.md");
    fputs(",\n      \"rules\": [", f);
    for (i = 0; i < cw_pack_count(p); i++) {
        const struct cw_check *c = cw_pack_check_at(p, i);
        fputs(i ? ",\n        {" : "\n        {", f);
        fputs("\"id\": ", f);
        cw__json_string(f, c->id);
        fputs(", \"name\": ", f);
        rule_name(f, c->id);
        fputs(", \"shortDescription\": {\"text\": ", f);
        cw__json_string(f, c->title);
        fputs("}, \"fullDescription\": {\"text\": ", f);
        cw__json_string(f, c->rationale);
        fputs("}, \"helpUri\": ", f);
        cw__json_string(f, CW_DOC_URI "/check-packs.md");
        fputs(", \"help\": {\"text\": ", f);
        cw__json_string(f, c->remediation);
        fprintf(f, "}, \"defaultConfiguration\": {\"level\": \"%s\"}, "
                   "\"properties\": {\"security-severity\": \"%s\", "
                   "\"tags\": [\"security\"",
                severity_level(c->severity), sev_score[c->severity]);
        if (c->ncontrols)
            fputs(", ", f);
        json_controls(f, c);
        fputs("]}", f);
        sarif_relationships(f, c);
        fputs("}", f);
    }
    fputs("\n      ]\n    }},\n", f);
    sarif_taxonomies(f, p);
    fputs("    \"automationDetails\": {\"id\": ", f);
    {
        char id[512];
        snprintf(id, sizeof(id), "cloudward/%s/%s/", cw_results_kind(r),
                 cw_pack_name(p));
        cw__json_string(f, id);
    }
    fputs("},\n    \"originalUriBaseIds\": {", f);
    {
        /* file paths are relative to the scanned root (host) or to the
         * directory the scan ran in (documents and config) */
        const char *dir = host ? target : cwd;
        char base[4200];
        snprintf(base, sizeof(base), "%s%s", dir,
                 strcmp(dir, "/") == 0 ? "" : "/");
        fprintf(f, "\"%s\": {\"uri\": ", host ? "ROOT" : "SRCROOT");
        uri_path(f, "file://", base);
        fputs("}", f);
    }
    fputs("},\n    \"results\": [", f);
    for (i = 0; i < n; i++) {
        const struct cw_result *x = cw_results_at(r, i);
        const char *file = x->file ? x->file : x->check->subject;
        size_t cwdlen = strlen(cwd);
        char fp[65], real[4096];
        if (!job->all && (x->verdict == CW_VERDICT_PASS ||
                          x->verdict == CW_VERDICT_NOT_APPLICABLE))
            continue;
        fputs(shown++ ? ",\n      {" : "\n      {", f);
        fputs("\"ruleId\": ", f);
        cw__json_string(f, x->check->id);
        j = cw_pack_check_index(p, x->check);
        fprintf(f, ", \"ruleIndex\": %zu, \"kind\": \"%s\", \"level\": "
                   "\"%s\", \"message\": {\"text\": ",
                j, sarif_kind(x->verdict), sarif_level(x));
        if (x->resource) {
            char msg[1200 + REASON_WORDS_MAX], words[REASON_WORDS_MAX];
            snprintf(msg, sizeof(msg), "%s: %s", x->resource,
                     reason_text(x, words, sizeof(words)));
            cw__json_string(f, msg);
        } else {
            cw__json_string(f, x->reason);
        }
        fputs("}, \"locations\": [{\"physicalLocation\": "
              "{\"artifactLocation\": {\"uri\": ", f);
        if (!file)
            file = host ? "/" : ".";
        if (host) {
            uri_path(f, "", file[0] == '/' && file[1] ? file + 1
                        : file[0] == '/'          ? "."
                                                  : file);
            fputs(", \"uriBaseId\": \"ROOT\"}", f);
        } else if (file[0] != '/' && strncmp(file, "../", 3) != 0 &&
                   !strstr(file, "/../")) {
            uri_path(f, "", file);
            fputs(", \"uriBaseId\": \"SRCROOT\"}", f);
        } else if ((file = realpath(file, real) ? real : file) &&
                   strncmp(file, cwd, cwdlen) == 0 && file[cwdlen] == '/') {
            uri_path(f, "", file + cwdlen + 1);
            fputs(", \"uriBaseId\": \"SRCROOT\"}", f);
        } else {
            uri_path(f, "file://", file);
            fputs("}", f);
        }
        if (x->line)
            fprintf(f, ", \"region\": {\"startLine\": %u}", x->line);
        fputs("}}]", f);
        /* Stable across runs: the check, the resource and the file
         * (two FNV-1a passes: an identity, not a secret). */
        {
            const char *parts[3] = { x->check->id,
                                     x->resource ? x->resource : "", file };
            uint64_t a = 1469598103934665603ull, b = 0x9e3779b97f4a7c15ull;
            size_t k;
            for (k = 0; k < 3; k++) {
                const unsigned char *q = (const unsigned char *)parts[k];
                for (; *q; q++) {
                    a = (a ^ *q) * 1099511628211ull;
                    b = (b ^ *q) * 0x100000001b3ull + 0x9e37u;
                }
                a = (a ^ 0x1f) * 1099511628211ull;
                b = (b ^ 0x1f) * 0x100000001b3ull;
            }
            snprintf(fp, sizeof(fp), "%016llx%016llx", (unsigned long long)a,
                     (unsigned long long)b);
        }
        fprintf(f, ", \"partialFingerprints\": {\"cloudwardResult/v1\": "
                   "\"%s\"}",
                fp);
        sarif_result_taxa(f, r, i);
        fputs("}", f);
    }
    fputs(shown ? "\n    ]\n  }]\n}\n" : "]\n  }]\n}\n", f);
    return ferror(f) ? CW_EIO : CW_OK;
}

static enum cw_status write_sarif(const void *arg, FILE *f, const char *file)
{
    (void)file;
    return write_sarif_run(arg, f);
}

/* ---- JUnit --------------------------------------------------------------- */

static void xml_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x80) {
            /* Not UTF-8 is not XML: such a byte is written \xHH. */
            size_t k = cw__utf8_len(s, s + strnlen(s, 4));
            if (k) {
                fwrite(s, 1, k, f);
                s += k - 1;
            } else {
                fprintf(f, "\\x%02x", c);
            }
        } else if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (c == '&')
            fputs("&amp;", f);
        else if (c == '"')
            fputs("&quot;", f);
        else if (c < 0x20 && c != '\t' && c != '\n')
            fputc(' ', f); /* not allowed in XML 1.0 */
        else
            fputc(c, f);
    }
}

/*
 * JUnit as Jenkins' schema (tests/data/junit-jenkins) takes it. The
 * suite's counts are the summary's: tests = every result, passes
 * included. A config scan counts its passes per check without keeping
 * them (a plan's millions of passing pairs), so each check's passes are
 * one test case, "CHECK: N resources pass", beside one case per other
 * result. A case has no file attribute in that schema: the file and line
 * are the text of its failure, error or skipped element.
 */
static enum cw_status write_junit(const void *arg, FILE *f, const char *file)
{
    const struct cw_results *r = arg;
    const struct cw_pack *p = cw_results_pack(r);
    const char *pack = cw_pack_name(p);
    size_t i, n = cw_results_count(r), total = 0, v;
    (void)file;

    for (v = 0; v < CW_VERDICT_COUNT; v++)
        total += cw_results_tally(r, (enum cw_verdict)v);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
          "  <testsuite name=\"cloudward ", f);
    xml_text(f, pack);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
               "skipped=\"%zu\" time=\"%.3f\" timestamp=\"%s\" file=\"",
            total, cw_results_tally(r, CW_VERDICT_FAIL),
            cw_results_tally(r, CW_VERDICT_UNKNOWN) +
                cw_results_tally(r, CW_VERDICT_ERROR),
            cw_results_tally(r, CW_VERDICT_NOT_APPLICABLE),
            cw_results_seconds(r), cw_results_time(r));
    xml_text(f, cw_results_target(r));
    fputs("\">\n", f);
    for (i = 0; i < n; i++) {
        const struct cw_result *x = cw_results_at(r, i);
        fputs("    <testcase classname=\"", f);
        xml_text(f, pack);
        fputs("\" name=\"", f);
        xml_text(f, x->check->id);
        if (x->resource) {
            fputs(" ", f);
            xml_text(f, x->resource);
        }
        fputs(": ", f);
        xml_text(f, x->check->title);
        fputs("\"", f);
        if (x->verdict == CW_VERDICT_PASS) {
            fputs("/>\n", f);
            continue;
        }
        fputs(">\n      <", f);
        fputs(x->verdict == CW_VERDICT_FAIL             ? "failure"
              : x->verdict == CW_VERDICT_NOT_APPLICABLE ? "skipped"
                                                        : "error",
              f);
        fprintf(f, " type=\"%s\" message=\"",
                x->verdict == CW_VERDICT_FAIL
                    ? cw_severity_name(x->check->severity)
                    : cw_verdict_name(x->verdict));
        {
            char words[REASON_WORDS_MAX];
            xml_text(f, reason_text(x, words, sizeof(words)));
        }
        fputs("\">", f);
        if (x->file) {
            xml_text(f, x->file);
            if (x->line)
                fprintf(f, ":%u", x->line);
        }
        fprintf(f, "</%s>\n    </testcase>\n",
                x->verdict == CW_VERDICT_FAIL             ? "failure"
                : x->verdict == CW_VERDICT_NOT_APPLICABLE ? "skipped"
                                                          : "error");
    }
    for (i = 0; i < cw_pack_count(p); i++) {
        size_t passes = cw_results_passes_of(r, i);
        const struct cw_check *c = cw_pack_check_at(p, i);
        if (!passes)
            continue;
        fputs("    <testcase classname=\"", f);
        xml_text(f, pack);
        fputs("\" name=\"", f);
        xml_text(f, c->id);
        fprintf(f, ": %zu resource%s pass\"/>\n", passes,
                passes == 1 ? "" : "s");
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
    return ferror(f) ? CW_EIO : CW_OK;
}

/* ---- table and HTML ------------------------------------------------------ */

static const struct cw__col finding_cols[] = {
    { "Check", "id", CW__COL_TEXT, 28 },
    { "Resource", "resource", CW__COL_TEXT, 30 },
    { "Verdict", "verdict", CW__COL_TEXT, 14 },
    { "Severity", "severity", CW__COL_TEXT, 8 },
    { "Title", "title", CW__COL_TEXT, 44 },
    { "Reason", "reason", CW__COL_TEXT, 60 },
    { "Where", "where", CW__COL_TEXT, 36 },
    { "Controls", "controls", CW__COL_TEXT, 0 },
    { "Remediation", "remediation", CW__COL_TEXT, 0 },
};

static enum cw_status write_table(const struct cw_results *r,
                                  enum cw_findings_format f, const char *path,
                                  struct cw_diag *d)
{
    size_t n = cw_results_count(r), nc = CW__ARRAY_LEN(finding_cols), i;
    const char **cells = cw__calloc(n * nc + 1, sizeof(*cells));
    char *ctl = cw__calloc(n + 1, 400);
    unsigned char *flagged = cw__calloc(n + 1, 1);
    char title[256], subtitle[512], listed[160];
    const char *preamble[3];
    struct cw__col cols[CW__ARRAY_LEN(finding_cols)];
    struct cw__table t;
    struct cw__arena texts; /* reasons in words and file:line places */
    const char *wkey[256] = { NULL }, *wval[256];
    enum cw_status st;

    cw__arena_init(&texts, 0);
    if (!cells || !ctl || !flagged) {
        cw__free(cells);
        cw__free(ctl);
        cw__free(flagged);
        return cw__diag_set(d, CW_ENOMEM, path, 0, 0, "out of memory");
    }
    for (i = 0; i < n; i++) {
        const struct cw_result *x = cw_results_at(r, i);
        const char **row = cells + i * nc;
        const char *why = x->reason;
        controls_text(x->check, ctl + 400 * i, 400);
        if (x->resource && why && strchr(why, '$')) {
            /* reasons are shared: each is put in words once */
            size_t h = ((uintptr_t)why >> 3) % 256;
            if (wkey[h] != why) {
                char words[REASON_WORDS_MAX];
                cw__reason_words(why, words, sizeof(words));
                wkey[h] = why;
                wval[h] = cw__arena_strdup(&texts, words);
            }
            why = wval[h] ? wval[h] : x->reason;
        }
        row[0] = x->check->id;
        row[1] = x->resource ? x->resource : "";
        row[2] = cw_verdict_name(x->verdict);
        row[3] = cw_severity_name(x->check->severity);
        row[4] = x->check->title;
        row[5] = why;
        row[6] = !x->file   ? ""
                 : x->line ? cw__arena_printf(&texts, "%s:%u", x->file,
                                               x->line)
                           : x->file;
        if (!row[6])
            row[6] = x->file;
        row[7] = ctl + 400 * i;
        row[8] = x->check->remediation;
        flagged[i] = x->verdict == CW_VERDICT_FAIL ||
                     x->verdict == CW_VERDICT_ERROR;
    }
    snprintf(title, sizeof(title), "%s scan: %s",
             strcmp(cw_results_kind(r), "host") == 0 ? "Host" : "Config",
             cw_pack_title(cw_results_pack(r)));
    /* The counts add up: results by verdict sum to the results total
     * (a config scan counts its passes without listing them below). */
    snprintf(subtitle, sizeof(subtitle),
             "%s at %s. %zu checks, %zu results: %zu pass, %zu fail, %zu "
             "not applicable, %zu unknown, %zu error.",
             cw_results_target(r), cw_results_time(r),
             cw_pack_count(cw_results_pack(r)),
             cw_results_tally(r, CW_VERDICT_PASS) +
                 cw_results_tally(r, CW_VERDICT_FAIL) +
                 cw_results_tally(r, CW_VERDICT_NOT_APPLICABLE) +
                 cw_results_tally(r, CW_VERDICT_UNKNOWN) +
                 cw_results_tally(r, CW_VERDICT_ERROR),
             cw_results_tally(r, CW_VERDICT_PASS),
             cw_results_tally(r, CW_VERDICT_FAIL),
             cw_results_tally(r, CW_VERDICT_NOT_APPLICABLE),
             cw_results_tally(r, CW_VERDICT_UNKNOWN),
             cw_results_tally(r, CW_VERDICT_ERROR));
    memset(&t, 0, sizeof(t));
    memcpy(cols, finding_cols, sizeof(cols));
    if (strcmp(cw_results_kind(r), "host") == 0)
        cols[1].width = 0; /* no resources on a host: hide the column */
    t.title = title;
    t.subtitle = subtitle;
    t.cols = cols;
    t.ncols = nc;
    t.cells = cells;
    t.flagged = flagged;
    t.nrows = n;
    if (f != CW_FINDINGS_HTML) {
        /* The terminal view heads its rows with the counts; they add up
         * to the rows below, or say which results are only counted. */
        size_t counted = strcmp(cw_results_kind(r), "host") == 0
                             ? 0 /* a host scan lists every result */
                             : cw_results_tally(r, CW_VERDICT_PASS);
        preamble[0] = title;
        preamble[1] = subtitle;
        t.preamble = preamble;
        t.npreamble = 2;
        if (counted) {
            snprintf(listed, sizeof(listed),
                     "Listed below: the %zu results other than pass (the "
                     "%zu passes are counted per check, not listed).",
                     n, counted);
            preamble[2] = listed;
            t.npreamble = 3;
        }
    }
    st = cw__table_emit(&t, f == CW_FINDINGS_HTML ? CW_FORMAT_HTML
                                                  : CW_FORMAT_TABLE,
                        path, d);
    cw__free(cells);
    cw__free(ctl);
    cw__free(flagged);
    cw__arena_release(&texts);
    return st;
}

enum cw_status cw_report_results(const struct cw_results *r,
                                 enum cw_findings_format f, const char *path,
                                 struct cw_diag *d)
{
    switch (f) {
    case CW_FINDINGS_JSON:
        return cw__emit(path, false, write_json, r, d);
    case CW_FINDINGS_SARIF:
    case CW_FINDINGS_SARIF_ALL: {
        struct sarif_job job = { r, f == CW_FINDINGS_SARIF_ALL };
        return cw__emit(path, false, write_sarif, &job, d);
    }
    case CW_FINDINGS_JUNIT:
        return cw__emit(path, false, write_junit, r, d);
    default:
        return write_table(r, f, path, d);
    }
}
