/*
 * writers.c - one writer per text format over the neutral string table.
 *
 * CSV follows RFC 4180 and defuses spreadsheet formulas: a cell starting
 * with = + - @ or a tab gets a leading apostrophe, so a hostile justification
 * cannot run in the auditor's Excel (OWASP "CSV injection"). JSON is written
 * by hand: the structure is flat, and escaping strings is all it takes.
 */
#include <string.h>

#include "table.h"

static const char *cell(const struct cw__table *t, size_t r, size_t c)
{
    const char *s = t->cells[r * t->ncols + c];
    return s ? s : "";
}

/* Writes n bytes of `s` for a person to read: valid UTF-8 as it is, a
 * control byte as '?' (a hostile file name must not move a terminal's
 * cursor or hide a line), a byte that is not UTF-8 as \xHH. */
static void put_clean(FILE *f, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;

    while (p < end && *p) {
        size_t k;
        if (*p < 0x20 || *p == 0x7f) {
            fputc(*p == '\t' ? ' ' : '?', f);
            p++;
            continue;
        }
        if (*p < 0x80) {
            fputc(*p++, f);
            continue;
        }
        k = cw__utf8_len((const char *)p, (const char *)end);
        if (k) {
            fwrite(p, 1, k, f);
            p += k;
        } else {
            fprintf(f, "\\x%02x", *p++);
        }
    }
}

static enum cw_status done(FILE *f)
{
    return ferror(f) ? CW_EIO : CW_OK;
}

static void csv_cell(FILE *f, const char *s)
{
    bool formula = strchr("=+-@\t", s[0]) && s[0];

    if (!formula && !strpbrk(s, ",\"\r\n")) {
        put_clean(f, s, strlen(s));
        return;
    }
    fputc('"', f);
    if (formula)
        fputc('\'', f);
    while (*s) {
        size_t n = strcspn(s, "\"\r\n");
        put_clean(f, s, n);
        s += n;
        if (*s == '"')
            fputs("\"\"", f);
        else if (*s)
            fputc(*s, f); /* line breaks stay inside the quotes */
        if (*s)
            s++;
    }
    fputc('"', f);
}

/* The document's header lines come first, one cell each, then an empty
 * row: a spreadsheet shows the SoA as a document; programs read JSON. */
enum cw_status cw__write_csv(const struct cw__table *t, FILE *f)
{
    size_t r, c, i;
    bool first;

    if (t->npreamble) {
        csv_cell(f, t->title);
        fputs("\r\n", f);
        for (i = 0; i < t->npreamble; i++) {
            csv_cell(f, t->preamble[i]);
            fputs("\r\n", f);
        }
        fputs("\r\n", f);
    }
    for (c = 0, first = true; c < t->ncols; c++) {
        if (!cw__col_in_text(&t->cols[c]))
            continue;
        fprintf(f, "%s%s", first ? "" : ",", t->cols[c].header);
        first = false;
    }
    fputs("\r\n", f);
    for (r = 0; r < t->nrows; r++) {
        for (c = 0, first = true; c < t->ncols; c++) {
            if (!cw__col_in_text(&t->cols[c]))
                continue;
            if (!first)
                fputc(',', f);
            first = false;
            csv_cell(f, cell(t, r, c));
        }
        fputs("\r\n", f);
    }
    return done(f);
}

/* Writes the HTML entity for c when it has one (& < > " '); false when
 * c needs none. */
static bool put_entity(FILE *f, char c)
{
    switch (c) {
    case '&':
        fputs("&amp;", f);
        return true;
    case '<':
        fputs("&lt;", f);
        return true;
    case '>':
        fputs("&gt;", f);
        return true;
    case '"':
        fputs("&quot;", f);
        return true;
    case '\'':
        fputs("&#39;", f);
        return true;
    default:
        return false;
    }
}

/* A cell of a Markdown table: '|' escaped, line breaks as spaces, and
 * HTML in user text written as entities (Markdown renderers pass raw
 * HTML through: a justification could carry a script). */
static void md_cell(FILE *f, const char *s)
{
    while (*s) {
        size_t n = strcspn(s, "|\n\r<>&");
        put_clean(f, s, n);
        s += n;
        if (!*s)
            break;
        if (*s == '|')
            fputs("\\|", f);
        else if (!put_entity(f, *s))
            fputc(' ', f); /* a line break */
        s++;
    }
}

enum cw_status cw__write_markdown(const struct cw__table *t, FILE *f)
{
    size_t r, c;

    fputs("# ", f);
    md_cell(f, t->title);
    fputs("\n\n", f);
    if (t->subtitle)
        fprintf(f, "%s\n\n", t->subtitle);
    for (c = 0; c < t->npreamble; c++) {
        fputs("- ", f);
        md_cell(f, t->preamble[c]);
        fputc('\n', f);
    }
    if (t->npreamble)
        fputc('\n', f);
    fputc('|', f);
    for (c = 0; c < t->ncols; c++)
        if (cw__col_in_text(&t->cols[c]))
            fprintf(f, " %s |", t->cols[c].header);
    fputs("\n|", f);
    for (c = 0; c < t->ncols; c++)
        if (cw__col_in_text(&t->cols[c]))
            fputs("---|", f);
    fputc('\n', f);
    for (r = 0; r < t->nrows; r++) {
        fputc('|', f);
        for (c = 0; c < t->ncols; c++) {
            if (!cw__col_in_text(&t->cols[c]))
                continue;
            fputc(' ', f);
            md_cell(f, cell(t, r, c));
            fputs(" |", f);
        }
        fputc('\n', f);
    }
    return done(f);
}

/* Text in HTML: markup characters as entities, line breaks and tabs as
 * they are (the page's CSS decides), anything else as put_clean writes it. */
static void html_text(FILE *f, const char *s)
{
    while (*s) {
        size_t n = strcspn(s, "&<>\"'\n\t");
        put_clean(f, s, n);
        s += n;
        if (!*s)
            break;
        if (!put_entity(f, *s))
            fputc(*s, f);
        s++;
    }
}

enum cw_status cw__write_html(const struct cw__table *t, FILE *f)
{
    size_t r, c;

    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8"
          "\">\n<title>",
          f);
    html_text(f, t->title);
    fputs("</title>\n<style>\n"
          "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n"
          "table{border-collapse:collapse;font-size:.85em}\n"
          "th,td{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;"
          "text-align:left}\n"
          "th{background:#f0f0f0;position:sticky;top:0}\n"
          "tr.flagged td{background:#fde2e2}\n"
          /* No sideways overflow on a laptop screen: long cells wrap. */
          "table{width:100%;table-layout:auto}\n"
          "td{overflow-wrap:anywhere;max-width:28em}\n"
          /* Printed (to PDF for an auditor): every column on the page. */
          "@media print{body{margin:0}table{font-size:6.5pt}"
          "th{position:static}td{max-width:none}"
          "tr{break-inside:avoid}@page{size:A4 landscape;margin:8mm}}\n"
          "</style>\n</head>\n<body>\n<h1>",
          f);
    html_text(f, t->title);
    fputs("</h1>\n", f);
    if (t->subtitle) {
        fputs("<p>", f);
        html_text(f, t->subtitle);
        fputs("</p>\n", f);
    }
    if (t->npreamble) {
        fputs("<ul class=\"header\">\n", f);
        for (c = 0; c < t->npreamble; c++) {
            fputs("<li>", f);
            html_text(f, t->preamble[c]);
            fputs("</li>\n", f);
        }
        fputs("</ul>\n", f);
    }
    fputs("<table>\n<thead><tr>", f);
    for (c = 0; c < t->ncols; c++) {
        if (!cw__col_in_text(&t->cols[c]))
            continue;
        fputs("<th>", f);
        html_text(f, t->cols[c].header);
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (r = 0; r < t->nrows; r++) {
        fputs(t->flagged && t->flagged[r] ? "<tr class=\"flagged\">" : "<tr>",
              f);
        for (c = 0; c < t->ncols; c++) {
            if (!cw__col_in_text(&t->cols[c]))
                continue;
            fputs("<td>", f);
            html_text(f, cell(t, r, c));
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n</body>\n</html>\n", f);
    return done(f);
}

/* The escape of a byte a JSON string cannot hold as it is, into `out`
 * (at least 7 bytes); its length, or 0 when the byte needs none. */
static size_t json_escape(unsigned char c, char out[7])
{
    static const char hex[] = "0123456789abcdef";
    if (c >= 0x20 && c != '"' && c != '\\')
        return 0;
    out[0] = '\\';
    switch (c) {
    case '"': out[1] = '"'; return 2;
    case '\\': out[1] = '\\'; return 2;
    case '\n': out[1] = 'n'; return 2;
    case '\r': out[1] = 'r'; return 2;
    case '\t': out[1] = 't'; return 2;
    default:
        memcpy(out + 1, "u00", 3);
        out[4] = hex[c >> 4];
        out[5] = hex[c & 15];
        return 6;
    }
}

/* The length of the valid UTF-8 sequence at p (a NUL-terminated string:
 * a NUL is never a continuation byte, so no check reads past it), or 0. */
static size_t utf8_at(const unsigned char *p)
{
    return cw__utf8_len((const char *)p, (const char *)p + 4);
}

/* A byte that is not UTF-8 (a file name from a hostile image, say) as
 * the text \xHH: JSON must be UTF-8, and the byte stays recoverable. The
 * JSON spelling of a backslash doubles it. */
static void json_bad_byte(unsigned char c, char out[7])
{
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "\\\\x", 3);
    out[3] = hex[c >> 4];
    out[4] = hex[c & 15];
}

void cw__json_string(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    fputc('"', f);
    for (; *p; p++) {
        /* Copy runs of bytes that need no escape in one call: reports of
         * large scans are mostly such runs. */
        const unsigned char *run = p;
        char esc[7];
        size_t n;
        while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
            p++;
        if (p > run)
            fwrite(run, 1, (size_t)(p - run), f);
        if (!*p)
            break;
        if (*p >= 0x80) {
            n = utf8_at(p);
            if (n) {
                fwrite(p, 1, n, f);
                p += n - 1;
            } else {
                json_bad_byte(*p, esc);
                fwrite(esc, 1, 5, f);
            }
            continue;
        }
        n = json_escape(*p, esc);
        fwrite(esc, 1, n, f);
    }
    fputc('"', f);
}

enum cw_status cw__json_string_buf(struct cw__buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    enum cw_status st = cw__buf_append(b, "\"", 1);

    for (; !st && *p; p++) {
        const unsigned char *run = p;
        char esc[7];
        size_t n;
        while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
            p++;
        st = cw__buf_append(b, run, (size_t)(p - run));
        if (st || !*p)
            break;
        if (*p >= 0x80) {
            n = utf8_at(p);
            if (n) {
                st = cw__buf_append(b, p, n);
                p += n - 1;
            } else {
                json_bad_byte(*p, esc);
                st = cw__buf_append(b, esc, 5);
            }
            continue;
        }
        st = cw__buf_append(b, esc, json_escape(*p, esc));
    }
    return st ? st : cw__buf_append(b, "\"", 1);
}

/* A cell as JSON: booleans and numbers bare, empty text as null. */
static void json_value(FILE *f, enum cw__col_type type, const char *s)
{
    if (type == CW__COL_BOOL)
        fputs(s && strcmp(s, "yes") == 0 ? "true" : "false", f);
    else if (type == CW__COL_JSON)
        fputs(s && *s ? s : "null", f);
    else if (!s || !*s)
        fputs("null", f);
    else if (type == CW__COL_NUMBER && strspn(s, "0123456789") == strlen(s))
        fputs(s, f);
    else
        cw__json_string(f, s);
}

static void json_row(const struct cw__table *t, size_t r, FILE *f,
                     const char *indent)
{
    size_t c;
    bool first = true;

    fprintf(f, "%s{", indent);
    for (c = 0; c < t->ncols; c++) {
        const char *s = t->cells[r * t->ncols + c];
        if (!cw__col_in_json(&t->cols[c]))
            continue;
        fprintf(f, "%s\n%s  ", first ? "" : ",", indent);
        first = false;
        cw__json_string(f, t->cols[c].key);
        fputs(": ", f);
        json_value(f, t->cols[c].type, s);
    }
    fprintf(f, "\n%s}", indent);
}

enum cw_status cw__write_json(const struct cw__table *t, FILE *f)
{
    const char *indent = t->json_root ? "    " : "  ";
    size_t r, i;

    if (t->json_root) {
        fputs("{\n", f);
        for (i = 0; i < t->nmeta; i++) {
            fputs("  ", f);
            cw__json_string(f, t->meta[i].key);
            fputs(": ", f);
            json_value(f, t->meta[i].type, t->meta[i].value);
            fputs(",\n", f);
        }
        fputs("  ", f);
        cw__json_string(f, t->json_root);
        fputs(": [", f);
    } else {
        fputc('[', f);
    }
    for (r = 0; r < t->nrows; r++) {
        fputs(r ? ",\n" : "\n", f);
        json_row(t, r, f, indent);
    }
    fputs(t->nrows ? "\n" : "", f);
    fputs(t->json_root ? "  ]\n}\n" : "]\n", f);
    return done(f);
}

/* Bytes of the first `width` UTF-8 characters of `s`, and whether it was
 * cut. Continuation bytes never start a character, so a cut never splits
 * one. */
static size_t utf8_prefix(const char *s, unsigned width, unsigned *chars,
                          bool *cut)
{
    size_t i = 0;
    unsigned n = 0;

    while (s[i]) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (n == width)
                break;
            n++;
        }
        i++;
    }
    *chars = n;
    *cut = s[i] != '\0';
    return i;
}

enum cw_status cw__write_text(const struct cw__table *t, FILE *f)
{
    size_t r, c, last;

    for (r = 0; r < t->npreamble; r++)
        fprintf(f, "%s\n", t->preamble[r]);
    if (t->npreamble)
        fputc('\n', f);
    /* The last column shown is written whole: nothing after it needs
     * it cut to keep its place (a duty's sentence, a control's title). */
    for (last = 0, c = 0; c < t->ncols; c++)
        if (t->cols[c].width && cw__col_in_text(&t->cols[c]))
            last = c;
    for (r = 0; r <= t->nrows; r++) {
        bool first = true;
        for (c = 0; c < t->ncols; c++) {
            unsigned w = t->cols[c].width, chars;
            const char *s;
            bool cut = false;
            size_t bytes;
            if (!w || !cw__col_in_text(&t->cols[c]))
                continue;
            s = r ? cell(t, r - 1, c) : t->cols[c].header;
            if (c == last) {
                fputs(first ? "" : "  ", f);
                put_clean(f, s, s ? strlen(s) : 0);
                break;
            }
            if (w > 48)
                w = 48;
            bytes = utf8_prefix(s, w, &chars, &cut);
            if (cut)
                bytes = utf8_prefix(s, w - 1, &chars, &cut);
            fputs(first ? "" : "  ", f);
            put_clean(f, s, bytes);
            fputs(cut ? "~" : "", f);
            chars += cut ? 1u : 0u;
            fprintf(f, "%*s", (int)(w - chars), "");
            first = false;
        }
        fputc('\n', f);
    }
    return done(f);
}
