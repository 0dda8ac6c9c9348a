/*
 * xlsx.c - the table as an Excel workbook (libxlsxwriter): one sheet with a
 * bold frozen header row and autofilters, wrapped long text, flagged rows
 * (unverified reliance, contradictions) filled red; a second sheet "About"
 * carries the title and the document's header lines. Dates are Excel
 * dates; no cell is ever lost to Excel's length limit.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "table.h"

/* Excel holds at most 32,767 characters in a cell, and libxlsxwriter
 * refuses a longer string (LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED), which
 * left the cell empty. A longer text is cut visibly instead: at a
 * character boundary, with a marker saying how much is missing and where
 * the whole of it is, and one warning per workbook on stderr. */
#define XLSX_CELL_MAX 32767

static lxw_error put_cell(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                          const char *s, lxw_format *fmt, size_t *cut)
{
    static const char marker[] = " [cut here: %zu more bytes; the CSV, "
                                 "HTML and JSON outputs hold all of it]";
    size_t len = strlen(s), keep, chars;
    char *buf;
    lxw_error rc;

    if (len <= XLSX_CELL_MAX / 4 || lxw_utf8_strlen(s) <= XLSX_CELL_MAX)
        return worksheet_write_string(ws, row, col, s, fmt);
    /* Bytes of the first 32,000 characters (UTF-8 leads only). */
    for (keep = 0, chars = 0; s[keep] && chars < 32000; keep++)
        if (((unsigned char)s[keep] & 0xC0) != 0x80)
            chars++;
    while (keep && ((unsigned char)s[keep] & 0xC0) == 0x80)
        keep--;
    buf = cw__malloc(keep + sizeof(marker) + 32);
    if (!buf)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    memcpy(buf, s, keep);
    snprintf(buf + keep, sizeof(marker) + 32, marker, len - keep);
    rc = worksheet_write_string(ws, row, col, buf, fmt);
    cw__free(buf);
    (*cut)++;
    return rc;
}

/* A cell that is exactly a calendar date (YYYY-MM-DD: effective, expires,
 * review dates) is written as an Excel date, so it sorts and filters as
 * one. */
static bool as_date(const char *s, lxw_datetime *dt)
{
    if (!cw__date_valid(s))
        return false;
    memset(dt, 0, sizeof(*dt));
    dt->year = (int)strtol(s, NULL, 10);
    dt->month = (uint8_t)strtol(s + 5, NULL, 10);
    dt->day = (uint8_t)strtol(s + 8, NULL, 10);
    return dt->year >= 1900; /* Excel's dates start in 1900 */
}

static enum cw_status fail(struct cw_diag *d, const char *path,
                           lxw_error err)
{
    return cw__diag_set(d, CW_EIO, path, 0, 0, "cannot write workbook: %s",
                        lxw_strerror(err));
}

enum cw_status cw__write_xlsx(const struct cw__table *t, const char *path,
                              struct cw_diag *d)
{
    lxw_workbook_options opts = { .constant_memory = LXW_FALSE,
                                  .tmpdir = NULL,
                                  .use_zip64 = LXW_FALSE };
    lxw_workbook *wb = workbook_new_opt(path, &opts);
    lxw_worksheet *ws, *about;
    lxw_format *head, *wrap, *flag, *date, *date_flag;
    lxw_error err;
    size_t r, c, cut = 0;
    /* A copy's stamp takes the first row; the table starts below. */
    size_t top = t->stamp ? 1 : 0;
    lxw_col_t x;

    if (!wb)
        return cw__diag_set(d, CW_EIO, path, 0, 0, "cannot create workbook");
    ws = workbook_add_worksheet(wb, "Controls");
    about = workbook_add_worksheet(wb, "About");
    head = workbook_add_format(wb);
    wrap = workbook_add_format(wb);
    flag = workbook_add_format(wb);
    date = workbook_add_format(wb);
    date_flag = workbook_add_format(wb);
    if (!ws || !about || !head || !wrap || !flag || !date || !date_flag) {
        workbook_close(wb);
        return cw__diag_set(d, CW_ENOMEM, path, 0, 0, "out of memory");
    }
    {
        lxw_doc_properties props;
        memset(&props, 0, sizeof(props));
        static char author[] = "cloudward";
        char title[512];
        snprintf(title, sizeof(title), "%s", t->title); /* not const */
        props.title = title;
        props.author = author;
        if (t->date && cw__date_valid(t->date)) {
            struct tm tm;
            memset(&tm, 0, sizeof(tm));
            tm.tm_year = (int)strtol(t->date, NULL, 10) - 1900;
            tm.tm_mon = (int)strtol(t->date + 5, NULL, 10) - 1;
            tm.tm_mday = (int)strtol(t->date + 8, NULL, 10);
            props.created = timegm(&tm);
        }
        workbook_set_properties(wb, &props);
    }
    format_set_bold(head);
    format_set_bg_color(head, 0xDDEBF7);
    format_set_text_wrap(wrap);
    format_set_align(wrap, LXW_ALIGN_VERTICAL_TOP);
    format_set_text_wrap(flag);
    format_set_align(flag, LXW_ALIGN_VERTICAL_TOP);
    format_set_bg_color(flag, 0xFDE2E2);
    format_set_num_format(date, "yyyy-mm-dd");
    format_set_align(date, LXW_ALIGN_VERTICAL_TOP);
    format_set_num_format(date_flag, "yyyy-mm-dd");
    format_set_align(date_flag, LXW_ALIGN_VERTICAL_TOP);
    format_set_bg_color(date_flag, 0xFDE2E2);
    if (t->stamp)
        worksheet_write_string(ws, 0, 0, t->stamp, head);
    for (c = 0, x = 0; c < t->ncols; c++) {
        unsigned w = t->cols[c].width ? t->cols[c].width : 40;
        if (!cw__col_in_text(&t->cols[c]))
            continue;
        worksheet_set_column(ws, x, x, w > 60 ? 60 : w, NULL);
        worksheet_write_string(ws, (lxw_row_t)top, x++, t->cols[c].header,
                               head);
    }
    for (r = 0; r < t->nrows; r++) {
        lxw_format *fmt = t->flagged && t->flagged[r] ? flag : wrap;
        for (c = 0, x = 0; c < t->ncols; c++) {
            const char *s = t->cells[r * t->ncols + c];
            lxw_datetime dt;
            if (!cw__col_in_text(&t->cols[c]))
                continue;
            if (s && as_date(s, &dt))
                err = worksheet_write_datetime(
                    ws, (lxw_row_t)(r + 1 + top), x++, &dt,
                    fmt == flag ? date_flag : date);
            else if (s && *s)
                err = put_cell(ws, (lxw_row_t)(r + 1 + top), x++, s, fmt,
                               &cut);
            else
                err = worksheet_write_blank(ws, (lxw_row_t)(r + 1 + top),
                                            x++, fmt);
            if (err) {
                workbook_close(wb);
                return fail(d, path, err);
            }
        }
    }
    if (t->stamp) {
        /* The copy's stamp on the sheet people open, and on its printed
         * pages. A header's '&' is a code: doubled, it prints as one. */
        char hdr[256];
        size_t i, o = 0;
        o = (size_t)snprintf(hdr, sizeof(hdr), "&L");
        for (i = 0; t->stamp[i] && o + 3 < sizeof(hdr); i++) {
            if (t->stamp[i] == '&')
                hdr[o++] = '&';
            hdr[o++] = t->stamp[i];
        }
        hdr[o] = '\0';
        worksheet_set_header(ws, hdr);
    }
    worksheet_freeze_panes(ws, (lxw_row_t)(1 + top), 0);
    if (x)
        worksheet_autofilter(ws, (lxw_row_t)top, 0,
                             (lxw_row_t)(t->nrows + top), (lxw_col_t)(x - 1));
    worksheet_set_column(about, 0, 0, 100, NULL);
    worksheet_write_string(about, 0, 0, t->title, head);
    if (t->subtitle)
        worksheet_write_string(about, 1, 0, t->subtitle, NULL);
    for (r = 0; r < t->npreamble; r++)
        put_cell(about, (lxw_row_t)(r + 2), 0, t->preamble[r], NULL, &cut);
    /* The document's facts as name and value (the JSON header's), dates
     * (as of, approved) as Excel dates. */
    worksheet_set_column(about, 1, 1, 40, NULL);
    for (c = 0, r += 3; c < t->nmeta; c++) {
        const struct cw__meta *m = &t->meta[c];
        lxw_datetime dt;
        if (!m->value || m->type == CW__COL_JSON)
            continue;
        worksheet_write_string(about, (lxw_row_t)r, 0, m->key, NULL);
        if (as_date(m->value, &dt))
            worksheet_write_datetime(about, (lxw_row_t)r, 1, &dt, date);
        else
            put_cell(about, (lxw_row_t)r, 1, m->value, NULL, &cut);
        r++;
    }
    if (cut)
        fprintf(stderr,
                "cloudward: %s: %zu cell%s longer than Excel's %d "
                "characters %s cut, marked in the cell\n",
                path, cut, cut == 1 ? "" : "s", XLSX_CELL_MAX,
                cut == 1 ? "was" : "were");
    err = workbook_close(wb);
    return err ? fail(d, path, err) : CW_OK;
}
