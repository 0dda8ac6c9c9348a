/*
 * evidence_api.c - evidence through the API: an engineer's script uploads
 * a file as evidence for a control (the same record as `cloudward
 * evidence add`: kept by SHA-256, a ledger entry), and the provider's
 * roles and auditors list what is recorded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"

/* A file name for the evidence record: 1 to 120 of [A-Za-z0-9._-], not
 * starting with a dot. */
static bool name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n && n <= 120 && s[0] != '.' &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789._-") == n;
}

/* POST /api/v1/evidence?control=CATALOG%20ID&name=FILE[&effective=D]
 * [&expires=D]: the body is the file. */
enum MHD_Result h_evidence_add(struct ctx *x)
{
    const char *control = query(x, "control"), *name = query(x, "name"),
               *effective = query(x, "effective"),
               *expires = query(x, "expires");
    struct cw_ledger *l = ledger();
    char dir[] = "/tmp/cloudward-evidence-XXXXXX", path[200], hash[65];
    struct cw_diag d;
    enum cw_status st;
    bool dup = false;
    char *buf = NULL;
    size_t len = 0;
    FILE *f, *m;

    if (!control || !strchr(control, ' '))
        return problem(x, 400, "control: CATALOG ID (iso27017:2015 "
                               "CLD.9.5.1)");
    if (!name_ok(name))
        return problem(x, 400, "name: the file's name, 1 to 120 of A-Z, "
                               "a-z, 0-9, '.', '_' and '-'");
    if (!x->q->len)
        return problem(x, 400, "the request's body is the evidence file");
    if (!l)
        return problem(x, 503, "the store has no ledger");
    if (!mkdtemp(dir))
        return problem(x, 500, "cannot stage the file");
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wbx");
    if (!f || fwrite(x->q->body, 1, x->q->len, f) != x->q->len ||
        fclose(f) != 0) {
        if (f)
            remove(path);
        rmdir(dir);
        return problem(x, 500, "cannot stage the file");
    }
    cw_diag_clear(&d);
    st = cw_evidence_add(l, path, control, effective, expires, x->q->who.id,
                         false, hash, &dup, &d);
    remove(path);
    rmdir(dir);
    if (st == CW_EINVAL || st == CW_ENOENT || st == CW_EPARSE)
        return problem(x, 400, d.msg);
    if (st)
        return problem(x, 500, "the evidence cannot be recorded");
    if (!(m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fprintf(m, "{\"sha256\":\"%s\",\"control\":", hash);
    cw_json_quote(m, control);
    fprintf(m, ",\"stored_before\":%s}\n", dup ? "true" : "false");
    return reply_json(x, 201, m, &buf, &len);
}

struct list {
    FILE *m;
    int n;
};

static bool evidence_row(void *arg, const struct cw_evidence *e)
{
    struct list *l = arg;
    if (l->n++)
        fputc(',', l->m);
    fprintf(l->m, "{\"index\":%llu,\"sha256\":\"%s\",\"control\":",
            (unsigned long long)e->index, e->hash);
    cw_json_quote(l->m, e->control);
    fputs(",\"name\":", l->m);
    cw_json_quote(l->m, e->name);
    fprintf(l->m, ",\"size\":%lld,\"effective\":", e->size);
    json_opt(l->m, e->effective);
    fputs(",\"expires\":", l->m);
    json_opt(l->m, e->expires);
    fprintf(l->m, ",\"time_ms\":%lld}", e->time_ms);
    return true;
}

/* GET /api/v1/evidence: every piece recorded, oldest first. */
enum MHD_Result h_evidence_list(struct ctx *x)
{
    struct cw_ledger *l = ledger();
    struct list li = { NULL, 0 };
    struct cw_diag d;
    enum cw_status st;
    char *buf = NULL;
    size_t len = 0;

    if (!(li.m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    fputs("{\"evidence\":[", li.m);
    cw_diag_clear(&d);
    st = l ? cw_evidence_each(l, evidence_row, &li, &d) : CW_OK;
    fputs("]}\n", li.m);
    if (st) {
        fclose(li.m);
        free(buf);
        return problem(x, 500, "the evidence cannot be read");
    }
    return reply_json(x, 200, li.m, &buf, &len);
}
