/*
 * diag.c - diagnostics: where a problem is (file:line:col) and what was
 * expected, in one line a user can paste into an editor.
 */
#include <stdio.h>
#include <string.h>

#include "core.h"

void cw_diag_clear(struct cw_diag *d)
{
    if (d)
        memset(d, 0, sizeof(*d));
}

enum cw_status cw__diag_set(struct cw_diag *d, enum cw_status st,
                            const char *file, unsigned line, unsigned col,
                            const char *fmt, ...)
{
    va_list ap;

    if (!d)
        return st;
    snprintf(d->file, sizeof(d->file), "%s", file ? file : "");
    d->line = line;
    d->col = col;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
    va_end(ap);
    return st;
}

const char *cw_diag_format(const struct cw_diag *d, char *out, size_t n)
{
    if (!n)
        return out;
    if (!d->file[0])
        snprintf(out, n, "%s", d->msg);
    else if (!d->line)
        snprintf(out, n, "%s: %s", d->file, d->msg);
    else
        snprintf(out, n, "%s:%u:%u: %s", d->file, d->line, d->col, d->msg);
    return out;
}

bool cw__date_valid(const char *s)
{
    static const int mdays[] = { 31, 29, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31 };
    int y, m, dd;
    size_t i;

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
        (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    dd = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || dd < 1 || dd > mdays[m - 1])
        return false;
    if (m == 2 && dd == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return false;
    return true;
}
