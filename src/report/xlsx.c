/*
 * xlsx.c - the table as an Excel workbook (libxlsxwriter): one sheet with a
 * bold frozen header row and autofilters, wrapped long text, flagged rows
 * (unverified reliance, contradictions) filled red; a second sheet "About"
 * carries the title and the document's header lines.
 */
#include <xlsxwriter.h>

#include "table.h"

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
    lxw_format *head, *wrap, *flag;
    lxw_error err;
    size_t r, c;
    lxw_col_t x;

    if (!wb)
        return cw__diag_set(d, CW_EIO, path, 0, 0, "cannot create workbook");
    ws = workbook_add_worksheet(wb, "Controls");
    about = workbook_add_worksheet(wb, "About");
    head = workbook_add_format(wb);
    wrap = workbook_add_format(wb);
    flag = workbook_add_format(wb);
    if (!ws || !about || !head || !wrap || !flag) {
        workbook_close(wb);
        return cw__diag_set(d, CW_ENOMEM, path, 0, 0, "out of memory");
    }
    format_set_bold(head);
    format_set_bg_color(head, 0xDDEBF7);
    format_set_text_wrap(wrap);
    format_set_align(wrap, LXW_ALIGN_VERTICAL_TOP);
    format_set_text_wrap(flag);
    format_set_align(flag, LXW_ALIGN_VERTICAL_TOP);
    format_set_bg_color(flag, 0xFDE2E2);
    for (c = 0, x = 0; c < t->ncols; c++) {
        unsigned w = t->cols[c].width ? t->cols[c].width : 40;
        if (!cw__col_in_text(&t->cols[c]))
            continue;
        worksheet_set_column(ws, x, x, w > 60 ? 60 : w, NULL);
        worksheet_write_string(ws, 0, x++, t->cols[c].header, head);
    }
    for (r = 0; r < t->nrows; r++) {
        lxw_format *fmt = t->flagged && t->flagged[r] ? flag : wrap;
        for (c = 0, x = 0; c < t->ncols; c++) {
            const char *s = t->cells[r * t->ncols + c];
            if (!cw__col_in_text(&t->cols[c]))
                continue;
            if (s && *s)
                worksheet_write_string(ws, (lxw_row_t)(r + 1), x++, s, fmt);
            else
                worksheet_write_blank(ws, (lxw_row_t)(r + 1), x++, fmt);
        }
    }
    worksheet_freeze_panes(ws, 1, 0);
    if (x)
        worksheet_autofilter(ws, 0, 0, (lxw_row_t)t->nrows,
                             (lxw_col_t)(x - 1));
    worksheet_set_column(about, 0, 0, 100, NULL);
    worksheet_write_string(about, 0, 0, t->title, head);
    if (t->subtitle)
        worksheet_write_string(about, 1, 0, t->subtitle, NULL);
    for (r = 0; r < t->npreamble; r++)
        worksheet_write_string(about, (lxw_row_t)(r + 2), 0, t->preamble[r],
                               NULL);
    err = workbook_close(wb);
    return err ? fail(d, path, err) : CW_OK;
}
