/*
 * xlsx.c - the table as an Excel workbook (libxlsxwriter): one sheet with a
 * bold frozen header row and autofilters, wrapped long text, flagged rows
 * (an inherited line whose certificate has lapsed) filled red; a second
 * sheet "About" carries the title and subtitle.
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
    for (c = 0; c < t->ncols; c++) {
        unsigned w = t->cols[c].width ? t->cols[c].width : 40;
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w > 60 ? 60 : w,
                             NULL);
        worksheet_write_string(ws, 0, (lxw_col_t)c, t->cols[c].header, head);
    }
    for (r = 0; r < t->nrows; r++) {
        lxw_format *fmt = t->flagged && t->flagged[r] ? flag : wrap;
        for (c = 0; c < t->ncols; c++) {
            const char *s = t->cells[r * t->ncols + c];
            if (s && *s)
                worksheet_write_string(ws, (lxw_row_t)(r + 1), (lxw_col_t)c,
                                       s, fmt);
            else
                worksheet_write_blank(ws, (lxw_row_t)(r + 1), (lxw_col_t)c,
                                      fmt);
        }
    }
    worksheet_freeze_panes(ws, 1, 0);
    if (t->ncols)
        worksheet_autofilter(ws, 0, 0, (lxw_row_t)t->nrows,
                             (lxw_col_t)(t->ncols - 1));
    worksheet_set_column(about, 0, 0, 100, NULL);
    worksheet_write_string(about, 0, 0, t->title, head);
    if (t->subtitle)
        worksheet_write_string(about, 1, 0, t->subtitle, NULL);
    for (r = 0; r < t->nmeta; r++) {
        char line[600];
        snprintf(line, sizeof(line), "%s: %s", t->meta[r].key,
                 t->meta[r].value ? t->meta[r].value : "");
        worksheet_write_string(about, (lxw_row_t)(r + 3), 0, line, NULL);
    }
    err = workbook_close(wb);
    return err ? fail(d, path, err) : CW_OK;
}
