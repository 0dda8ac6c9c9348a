/*
 * build.c - cw_package_build: the audit package as of one date.
 *
 * The documents are written into a private scratch folder by the writers
 * every verb uses (reports, OSCAL, registers), the ledger's slice beside
 * them; evidence files are read straight from the store. Then one pass
 * over the sorted list writes each file into the archive while hashing
 * it, and the manifest of those hashes, its signature and the signer's
 * key end the archive. Each byte is read once: the benchmark
 * (bench/package) compares the whole with `tar czf` of the same files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <cloudward/cw_ledger.h>
#include <cloudward/cw_oscal.h>
#include <cloudward/cw_registers.h>
#include <cloudward/cw_report.h>
#include <cloudward/cw_runs.h>
#include <cloudward/cw_soa.h>

#include "../ledger/ledger.h"
#include "../registers/clock.h"
#include "../registers/registers_internal.h"
#include "../report/jw.h"
#include "package_internal.h"

#define CHUNK ((size_t)1 << 20)

/* One file of the package: in the scratch folder, or an evidence file of
 * the store (`hash` set). */
struct item {
    char *path;       /* in the archive */
    char *src;        /* where it is read from (NULL: a store blob) */
    char hash[65];    /* evidence: its SHA-256, as the store names it */
    unsigned long long size;
    char sha256[65];
};

struct build {
    const struct cw_package_options *o;
    struct cw_diag *d;
    char tmp[4096];
    struct cw_ledger *ledger;
    long long until_ms;       /* the last millisecond of the date */
    time_t mtime;             /* the date's midnight, every entry's time */
    struct item *items;
    size_t n, cap;
    size_t runs, evidence;
    struct omit {
        long long run;
        char pack[128];
        char why[CW_DIAG_MSG_MAX];
    } omit[64];               /* runs left out, and why */
    size_t nomit;
    FILE *entries;            /* ledger/entries.jsonl while it is written */
    /* the archive being written */
    struct archive *ar;
    int fd;
    EVP_MD_CTX *whole;        /* hashes the compressed stream */
    unsigned long long written;
    bool write_failed;
    unsigned char *buf;
    struct cw__buf blob;
};

static enum cw_status oom(struct build *b)
{
    return cw__diag_set(b->d, CW_ENOMEM, NULL, 0, 0, "out of memory");
}

static enum cw_status add_item(struct build *b, const char *path,
                               const char *src, const char *hash)
{
    struct item *it;

    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        struct item *v = cw__realloc(b->items, cap * sizeof(*v));
        if (!v)
            return oom(b);
        b->items = v;
        b->cap = cap;
    }
    it = &b->items[b->n];
    memset(it, 0, sizeof(*it));
    it->path = cw__strdup(path);
    it->src = src ? cw__strdup(src) : NULL;
    if (!it->path || (src && !it->src)) {
        cw__free(it->path);
        cw__free(it->src);
        return oom(b);
    }
    if (hash)
        snprintf(it->hash, sizeof(it->hash), "%s", hash);
    b->n++;
    return CW_OK;
}

/* scratch/REL, its folder made first. */
static enum cw_status scratch(struct build *b, const char *rel, char *out,
                              size_t n)
{
    char *slash;

    if ((size_t)snprintf(out, n, "%s/%s", b->tmp, rel) >= n)
        return cw__diag_set(b->d, CW_ELIMIT, rel, 0, 0, "path too long");
    slash = strrchr(out, '/');
    *slash = '\0';
    if (mkdir(out, 0700) != 0 && errno != EEXIST)
        return cw__diag_set(b->d, CW_EIO, out, 0, 0, "cannot create: %s",
                            strerror(errno));
    *slash = '/';
    return CW_OK;
}

static enum cw_status put_text(struct build *b, const char *rel,
                               const char *text, size_t len)
{
    char path[4200];
    enum cw_status st = scratch(b, rel, path, sizeof(path));
    return st ? st : cw__atomic_write_private(path, text, len, true, b->d);
}

/* ---- the documents -------------------------------------------------------- */

static enum cw_status reports(struct build *b, struct cw_soa *soa)
{
    static const struct {
        enum cw_view view;
        enum cw_format f;
        const char *name;
    } out[] = {
        { CW_VIEW_SOA, CW_FORMAT_JSON, "soa/soa.json" },
        { CW_VIEW_SOA, CW_FORMAT_CSV, "soa/soa.csv" },
        { CW_VIEW_SOA, CW_FORMAT_XLSX, "soa/soa.xlsx" },
        { CW_VIEW_MATRIX, CW_FORMAT_JSON, "soa/matrix.json" },
        { CW_VIEW_MATRIX, CW_FORMAT_CSV, "soa/matrix.csv" },
        { CW_VIEW_MATRIX, CW_FORMAT_XLSX, "soa/matrix.xlsx" },
    };
    enum cw_status st = CW_OK;
    char path[4200];
    size_t i;

    for (i = 0; !st && i < sizeof(out) / sizeof(out[0]); i++)
        if (!(st = scratch(b, out[i].name, path, sizeof(path))))
            st = cw_report_write(soa, out[i].view, out[i].f, path, b->d);
    return st;
}

static enum cw_status oscal(struct build *b, struct cw_soa *soa)
{
    struct cw_oscal_input in;
    char dir[4200];

    memset(&in, 0, sizeof(in));
    in.cats = b->o->cats;
    in.soa = soa;
    in.store = b->o->store;
    snprintf(dir, sizeof(dir), "%s/oscal", b->tmp);
    return cw_oscal_write_set(&in, dir, NULL, b->d);
}

/* ---- scan runs: the latest of each kind, pack and target by the date -- */

struct run_pick {
    struct picked {
        int64_t id;
        char pack[128];
    } *v;
    size_t n, cap;
    bool oom;
};

static int pick_run(void *arg, const struct cw_run *r)
{
    struct run_pick *p = arg;

    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        struct picked *v = cw__realloc(p->v, cap * sizeof(*v));
        if (!v) {
            p->oom = true;
            return 1;
        }
        p->v = v;
        p->cap = cap;
    }
    snprintf(p->v[p->n].pack, sizeof(p->v[0].pack), "%s", r->pack);
    p->v[p->n++].id = r->id;
    return 0;
}

static bool builtin(const char *name)
{
    const char *const *v = cw_pack_builtin_names();
    for (; *v; v++)
        if (strcmp(*v, name) == 0)
            return true;
    return false;
}

static enum cw_status runs(struct build *b)
{
    struct run_pick pick = { NULL, 0, 0, false }, *p = &pick;
    enum cw_status st;
    size_t i;

    st = cw_runs_latest_by(b->o->store, b->o->as_of, pick_run, p, b->d);
    if (!st && p->oom)
        st = oom(b);
    for (i = 0; !st && i < p->n; i++) {
        struct cw_pack *pack = NULL;
        struct cw_results *res = NULL;
        char rel[300], path[4200];
        struct cw_diag d2;

        cw_diag_clear(&d2);
        /* Only a built-in pack is known by name: a pack file's text is
         * not kept in the store, so its run cannot be re-reported. */
        if (!builtin(p->v[i].pack) ||
            cw_pack_load(b->o->cats, p->v[i].pack, &pack, &d2) ||
            cw_run_load(b->o->store, p->v[i].id, pack, &res, &d2)) {
            if (b->nomit < sizeof(b->omit) / sizeof(b->omit[0])) {
                struct omit *m = &b->omit[b->nomit++];
                m->run = (long long)p->v[i].id;
                snprintf(m->pack, sizeof(m->pack), "%s", p->v[i].pack);
                snprintf(m->why, sizeof(m->why), "%s",
                         d2.msg[0] ? d2.msg
                                   : "its pack is a file, not a built-in "
                                     "pack: its text is not in the store");
            }
            cw_pack_free(pack);
            continue;
        }
        snprintf(rel, sizeof(rel), "scans/run-%lld-%s.json",
                 (long long)p->v[i].id, cw_results_kind(res));
        if (!(st = scratch(b, rel, path, sizeof(path))))
            st = cw_report_results(res, CW_FINDINGS_JSON, path, b->d);
        snprintf(rel, sizeof(rel), "scans/run-%lld-%s.sarif",
                 (long long)p->v[i].id, cw_results_kind(res));
        if (!st && !(st = scratch(b, rel, path, sizeof(path))))
            st = cw_report_results(res, CW_FINDINGS_SARIF, path, b->d);
        if (!st)
            b->runs++;
        cw_results_free(res);
        cw_pack_free(pack);
    }
    cw__free(p->v);
    return st;
}

/* ---- registers ---------------------------------------------------------- */

static enum cw_status registers(struct build *b)
{
    struct cw_access *a = NULL;
    struct cw_registers *g = NULL;
    struct cw_diag d2;
    enum cw_status st;
    long long now;
    char rel[128], path[4200];
    size_t overdue;
    int r;

    cw_diag_clear(&d2);
    if (cw_access_open(b->o->store, false, &a, &d2) == CW_ENOENT)
        return CW_OK; /* a store without access tables keeps none */
    if (!a)
        return cw__diag_set(b->d, CW_EIO, b->o->store, 0, 0, "%s", d2.msg);
    cw_registers_instant(b->o->as_of, &now);
    /* The records as they stood at the end of the date: a version
     * recorded later is not what the package's date knew. */
    st = cw__registers_load_until(a, NULL, now, now, &g, b->d);
    for (r = 0; !st && r < CW_REG_COUNT; r++) {
        if (!cw_registers_record_count(g, (enum cw_register)r))
            continue;
        snprintf(rel, sizeof(rel), "registers/%s.csv",
                 cw_register_name((enum cw_register)r));
        if (!(st = scratch(b, rel, path, sizeof(path))))
            st = cw__register_write_until(a, (enum cw_register)r, NULL, now,
                                          now, CW_FORMAT_CSV, path, b->d);
    }
    if (!st && cw_registers_duty_count(g) &&
        !(st = scratch(b, "registers/duties.json", path, sizeof(path))))
        st = cw_duties_write(g, 0, CW_FORMAT_JSON, path, &overdue, b->d);
    cw_registers_free(g);
    cw_access_close(a);
    return st;
}

/* ---- decisions' history and evidence, from the ledger --------------------- */

struct hist {
    struct jw *w;
    long long until_ms;
};

static bool hist_row(void *arg, const struct cw_record *r)
{
    struct hist *h = arg;

    if (r->time_ms > h->until_ms)
        return true;
    jw_obj(h->w, NULL);
    jw_int(h->w, "index", (long long)r->index);
    jw_int(h->w, "time_ms", r->time_ms);
    jw_str(h->w, "action", r->action);
    jw_str(h->w, "target", r->target);
    jw_str(h->w, "actor", r->actor);
    if (r->applicable >= 0)
        jw_bool(h->w, "applicable", r->applicable == 1);
    jw_str(h->w, "status", r->status);
    jw_str(h->w, "responsibility", r->responsibility);
    jw_str(h->w, "file", r->file);
    if (r->line)
        jw_int(h->w, "line", r->line);
    jw_str(h->w, "sha256", r->sha256);
    jw_end(h->w);
    return true;
}

static enum cw_status history(struct build *b)
{
    struct cw__buf out;
    struct jw w;
    struct hist h = { &w, b->until_ms };
    enum cw_status st;

    cw__buf_init(&out, (size_t)1 << 30);
    jw_init(&w, &out);
    jw_obj(&w, NULL);
    jw_str(&w, "as_of", b->o->as_of);
    jw_arr(&w, "changes");
    st = cw_ledger_record_each(b->ledger, NULL, hist_row, &h, b->d);
    jw_end(&w);
    jw_end(&w);
    if (!st && w.st)
        st = oom(b);
    if (!st)
        st = put_text(b, "decisions/history.json", out.data, out.len);
    cw__buf_release(&out);
    return st;
}

struct ev {
    struct build *b;
    const struct cw_soa *soa;
    struct jw *w;
    enum cw_status st;
};

static bool cited_by_soa(const struct cw_soa *soa, const char *control)
{
    size_t i;
    for (i = 0; i < cw_soa_count(soa); i++) {
        const struct cw_control *c = cw_soa_line_at(soa, i)->control;
        size_t len = strlen(c->catalog);
        if (strncmp(control, c->catalog, len) == 0 && control[len] == ' ' &&
            strcmp(control + len + 1, c->id) == 0)
            return true;
    }
    return false;
}

static bool ev_row(void *arg, const struct cw_evidence *e)
{
    struct ev *x = arg;
    struct build *b = x->b;
    char rel[128];
    size_t i;
    bool dup = false;

    if (e->time_ms > b->until_ms || !cited_by_soa(x->soa, e->control))
        return true;
    jw_obj(x->w, NULL);
    jw_int(x->w, "index", (long long)e->index);
    jw_str(x->w, "sha256", e->hash);
    jw_str(x->w, "control", e->control);
    jw_str(x->w, "name", e->name);
    jw_int(x->w, "size", e->size);
    jw_str(x->w, "effective", e->effective);
    jw_str(x->w, "expires", e->expires);
    jw_end(x->w);
    for (i = 0; i < b->n && !dup; i++)
        dup = b->items[i].hash[0] && strcmp(b->items[i].hash, e->hash) == 0;
    if (dup)
        return true;
    snprintf(rel, sizeof(rel), PKG_EVIDENCE_DIR "%s", e->hash);
    if (cw__ledger_keeps_blobs(b->ledger))
        x->st = add_item(b, rel, NULL, e->hash);
    else {
        char src[4200];
        snprintf(src, sizeof(src), "%s/evidence/%s",
                 cw__ledger_dir(b->ledger), e->hash);
        x->st = add_item(b, rel, src, e->hash);
    }
    if (!x->st)
        b->evidence++;
    return x->st == CW_OK;
}

static enum cw_status evidence(struct build *b, const struct cw_soa *soa)
{
    struct cw__buf out;
    struct jw w;
    struct ev x = { b, soa, &w, CW_OK };
    enum cw_status st;

    cw__buf_init(&out, (size_t)1 << 30);
    jw_init(&w, &out);
    jw_obj(&w, NULL);
    jw_str(&w, "as_of", b->o->as_of);
    jw_arr(&w, "evidence");
    st = cw_evidence_each(b->ledger, ev_row, &x, b->d);
    if (!st)
        st = x.st;
    jw_end(&w);
    jw_end(&w);
    if (!st && w.st)
        st = oom(b);
    if (!st)
        st = put_text(b, PKG_EVIDENCE_DIR "index.json", out.data, out.len);
    cw__buf_release(&out);
    return st;
}

/* ---- the ledger's slice --------------------------------------------------- */

static int slice_line(void *arg, uint64_t idx, const char *canon, size_t len)
{
    struct build *b = arg;
    (void)idx;
    return fwrite(canon, 1, len, b->entries) != len ||
           fputc('\n', b->entries) == EOF;
}

static enum cw_status ledger(struct build *b, struct cw__slice *s)
{
    char path[4200];
    enum cw_status st = scratch(b, PKG_ENTRIES, path, sizeof(path));
    int fd;

    if (st)
        return st;
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || !(b->entries = fdopen(fd, "w"))) {
        if (fd >= 0)
            close(fd);
        return cw__diag_set(b->d, CW_EIO, path, 0, 0, "cannot create: %s",
                            strerror(errno));
    }
    st = cw__ledger_slice(b->ledger, b->until_ms, slice_line, b, s, b->d);
    if (fclose(b->entries) != 0 && !st)
        st = cw__diag_set(b->d, CW_EIO, path, 0, 0, "cannot write: %s",
                          strerror(errno));
    b->entries = NULL;
    if (!st)
        st = put_text(b, PKG_CHECKPOINT, s->note_n, strlen(s->note_n));
    if (!st)
        st = put_text(b, PKG_HEAD, s->note_head, strlen(s->note_head));
    if (!st) {
        char vk[CW__NOTE_KEY_MAX + 2];
        snprintf(vk, sizeof(vk), "%s\n", s->vkey);
        st = put_text(b, PKG_LEDGER_VKEY, vk, strlen(vk));
    }
    if (!st) {
        struct cw__buf out;
        struct jw w;
        size_t i;
        cw__buf_init(&out, 1 << 20);
        jw_init(&w, &out);
        jw_obj(&w, NULL);
        jw_int(&w, "from", (long long)s->n);
        jw_int(&w, "to", (long long)s->head);
        jw_arr(&w, "proof");
        for (i = 0; i < s->nproof; i++) {
            char hex[65];
            sodium_bin2hex(hex, sizeof(hex), s->proof + i * 32, 32);
            jw_str(&w, NULL, hex);
        }
        jw_end(&w);
        jw_end(&w);
        st = w.st ? oom(b) : put_text(b, PKG_PROOF, out.data, out.len);
        cw__buf_release(&out);
    }
    return st;
}

/* ---- the scratch folder's files ----------------------------------------- */

static enum cw_status walk(struct build *b, const char *rel)
{
    char dir[4200];
    DIR *dp;
    struct dirent *de;
    enum cw_status st = CW_OK;

    snprintf(dir, sizeof(dir), "%s%s%s", b->tmp, *rel ? "/" : "", rel);
    if (!(dp = opendir(dir)))
        return cw__diag_set(b->d, CW_EIO, dir, 0, 0, "cannot read: %s",
                            strerror(errno));
    while (!st && (de = readdir(dp))) {
        char child[1024], src[4096 + 1024 + 2];
        struct stat sb;
        if (de->d_name[0] == '.')
            continue;
        snprintf(child, sizeof(child), "%s%s%s", rel, *rel ? "/" : "",
                 de->d_name);
        snprintf(src, sizeof(src), "%s/%s", b->tmp, child);
        if (lstat(src, &sb) != 0)
            st = cw__diag_set(b->d, CW_EIO, src, 0, 0, "%s",
                              strerror(errno));
        else if (S_ISDIR(sb.st_mode))
            st = walk(b, child);
        else if (S_ISREG(sb.st_mode))
            st = add_item(b, child, src, NULL);
    }
    closedir(dp);
    return st;
}

static int item_cmp(const void *a, const void *b)
{
    return strcmp(((const struct item *)a)->path,
                  ((const struct item *)b)->path);
}

/* ---- the archive ----------------------------------------------------------- */

static la_ssize_t out_write(struct archive *a, void *arg, const void *p,
                            size_t n)
{
    struct build *b = arg;
    const char *c = p;
    size_t left = n;
    (void)a;

    EVP_DigestUpdate(b->whole, p, n);
    while (left) {
        ssize_t w = write(b->fd, c, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            b->write_failed = true;
            return -1;
        }
        c += w;
        left -= (size_t)w;
    }
    b->written += n;
    return (la_ssize_t)n;
}

static enum cw_status ar_error(struct build *b, const char *what)
{
    return cw__diag_set(b->d, CW_EIO, what, 0, 0, "%s",
                        b->write_failed ? strerror(errno)
                                        : archive_error_string(b->ar));
}

static enum cw_status header(struct build *b, const char *path,
                             unsigned long long size)
{
    struct archive_entry *e = archive_entry_new();
    int rc;

    if (!e)
        return oom(b);
    archive_entry_set_pathname(e, path);
    archive_entry_set_size(e, (la_int64_t)size);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0444);
    archive_entry_set_mtime(e, b->mtime, 0);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    rc = archive_write_header(b->ar, e);
    archive_entry_free(e);
    return rc == ARCHIVE_OK ? CW_OK : ar_error(b, path);
}

static enum cw_status put_data(struct build *b, const char *path,
                               const void *p, size_t n)
{
    return n == 0 || archive_write_data(b->ar, p, n) == (la_ssize_t)n
               ? CW_OK
               : ar_error(b, path);
}

static void hex_of(EVP_MD_CTX *h, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;

    EVP_DigestFinal_ex(h, md, &len);
    sodium_bin2hex(out, 65, md, sizeof(md));
}

/* One file into the archive, hashed on the way. */
static enum cw_status put_item(struct build *b, struct item *it)
{
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    enum cw_status st = CW_OK;
    struct stat sb;
    int fd = -1;

    if (!h || !EVP_DigestInit_ex(h, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(h);
        return oom(b);
    }
    if (!it->src) { /* a blob the store keeps in its database */
        b->blob.len = 0;
        if ((st = cw__ledger_blob_get(b->ledger, it->hash, &b->blob, b->d)))
            goto out;
        it->size = b->blob.len;
        if (!(st = header(b, it->path, it->size)))
            st = put_data(b, it->path, b->blob.data, b->blob.len);
        EVP_DigestUpdate(h, b->blob.data, b->blob.len);
        goto out;
    }
    fd = open(it->src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = cw__diag_set(b->d, CW_EIO, it->src, 0, 0,
                          "cannot read: %s",
                          fd < 0 ? strerror(errno) : "not a regular file");
        goto out;
    }
    it->size = (unsigned long long)sb.st_size;
    if ((st = header(b, it->path, it->size)))
        goto out;
    {
        unsigned long long left = it->size;
        while (!st && left) {
            ssize_t got = read(fd, b->buf, CHUNK);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                st = cw__diag_set(b->d, CW_EIO, it->src, 0, 0,
                                  "changed while it was read");
                break;
            }
            if ((unsigned long long)got > left)
                got = (ssize_t)left;
            EVP_DigestUpdate(h, b->buf, (size_t)got);
            st = put_data(b, it->path, b->buf, (size_t)got);
            left -= (unsigned long long)got;
        }
    }
out:
    if (fd >= 0)
        close(fd);
    if (!st)
        hex_of(h, it->sha256);
    EVP_MD_CTX_free(h);
    /* An evidence file is named by its hash: one that no longer has it
     * was changed in the store, and is not put in as evidence. */
    if (!st && it->hash[0] && strcmp(it->hash, it->sha256) != 0)
        st = cw__diag_set(b->d, CW_EINTEGRITY, it->path, 0, 0,
                          "the store's evidence file does not hash to its "
                          "name; run 'cloudward log verify'");
    return st;
}

static enum cw_status scope_digest(const struct cw_scope *s, char out[65],
                                   struct cw_diag *d)
{
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    const char *seen[512];
    size_t nseen = 0, i, k;
    struct cw__buf f;
    enum cw_status st = CW_OK;

    if (!h || !EVP_DigestInit_ex(h, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(h);
        return cw__diag_set(d, CW_ENOMEM, NULL, 0, 0, "out of memory");
    }
    cw__buf_init(&f, (size_t)64 << 20);
    seen[nseen++] = cw_scope_path(s);
    for (i = 0; i < cw_scope_decision_count(s) && nseen < 512; i++) {
        const char *file = cw_scope_decision(s, i)->file;
        bool dup = false;
        for (k = 0; k < nseen && !dup; k++)
            dup = strcmp(seen[k], file) == 0;
        if (!dup)
            seen[nseen++] = file;
    }
    /* Each file as NAME NUL CONTENT NUL, the scope first, then its
     * decision files in the order the scope reads them. */
    for (i = 0; !st && i < nseen; i++) {
        const char *base = strrchr(seen[i], '/');
        base = base ? base + 1 : seen[i];
        f.len = 0;
        if (!(st = cw__read_file(seen[i], &f, d))) {
            EVP_DigestUpdate(h, base, strlen(base) + 1);
            EVP_DigestUpdate(h, f.data, f.len);
            EVP_DigestUpdate(h, "", 1);
        }
    }
    if (!st)
        hex_of(h, out);
    EVP_MD_CTX_free(h);
    cw__buf_release(&f);
    return st;
}

static enum cw_status manifest(struct build *b, const struct cw__slice *s,
                               const char *scope_sha,
                               const unsigned char pk[32],
                               struct cw__buf *out)
{
    struct jw w;
    char pem[PKG_PEM_MAX], producer[64];
    size_t i;

    cw__package_pem(pk, pem, sizeof(pem));
    snprintf(producer, sizeof(producer), "cloudward %s", cw_version());
    jw_init(&w, out);
    jw_obj(&w, NULL);
    jw_str(&w, "cloudward", "package");
    jw_int(&w, "schema", 1);
    jw_str(&w, "producer", producer);
    jw_str(&w, "organisation", cw_scope_organisation(b->o->scope));
    jw_str(&w, "as_of", b->o->as_of);
    jw_str(&w, "scope_sha256", scope_sha);
    jw_obj(&w, "ledger");
    jw_int(&w, "entries", (long long)s->n);
    jw_int(&w, "head", (long long)s->head);
    jw_str(&w, "vkey", s->vkey);
    jw_end(&w);
    jw_str(&w, "signer", pem);
    jw_arr(&w, "files");
    for (i = 0; i < b->n; i++) {
        jw_obj(&w, NULL);
        jw_str(&w, "path", b->items[i].path);
        jw_int(&w, "size", (long long)b->items[i].size);
        jw_str(&w, "sha256", b->items[i].sha256);
        jw_end(&w);
    }
    jw_end(&w);
    /* Runs left out, each with why: a reader must not take their
     * absence for an absence of scans. */
    jw_arr(&w, "runs_omitted");
    for (i = 0; i < b->nomit; i++) {
        jw_obj(&w, NULL);
        jw_int(&w, "run", b->omit[i].run);
        jw_str(&w, "pack", b->omit[i].pack);
        jw_str(&w, "why", b->omit[i].why);
        jw_end(&w);
    }
    jw_end(&w);
    jw_end(&w);
    return w.st ? oom(b) : CW_OK;
}

static enum cw_status rm_tree(const char *dir)
{
    DIR *dp = opendir(dir);
    struct dirent *de;

    if (!dp)
        return CW_OK;
    while ((de = readdir(dp))) {
        char p[4400];
        struct stat sb;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    closedir(dp);
    rmdir(dir);
    return CW_OK;
}

static enum cw_status write_archive(struct build *b, const char *path,
                                    const struct cw__slice *s,
                                    const char *scope_sha,
                                    struct cw_package_info *info)
{
    unsigned char sk[64], pk[32], sig[64];
    char tmp[4300], pem[PKG_PEM_MAX];
    struct cw__buf man;
    enum cw_status st;
    size_t i;

    if ((st = cw__package_key(cw__ledger_dir(b->ledger), sk, pk, b->d)))
        return st;
    if ((st = cw__atomic_open(path, tmp, sizeof(tmp), &b->fd, false, b->d))) {
        sodium_memzero(sk, sizeof(sk));
        return st;
    }
    cw__buf_init(&man, (size_t)256 << 20);
    b->ar = archive_write_new();
    b->whole = EVP_MD_CTX_new();
    if (!b->ar || !b->whole ||
        !EVP_DigestInit_ex(b->whole, EVP_sha256(), NULL)) {
        st = oom(b);
        goto out;
    }
    /* ustar, gzip without a time in its header: the same input, the same
     * bytes. */
    if (archive_write_set_format_ustar(b->ar) != ARCHIVE_OK ||
        /* no zeros after the gzip stream: `gzip -t` takes it as is */
        archive_write_set_bytes_in_last_block(b->ar, 1) != ARCHIVE_OK ||
        archive_write_add_filter_gzip(b->ar) != ARCHIVE_OK ||
        archive_write_set_filter_option(b->ar, "gzip", "timestamp", NULL) !=
            ARCHIVE_OK ||
        archive_write_open2(b->ar, b, NULL, out_write, NULL, NULL) !=
            ARCHIVE_OK) {
        st = ar_error(b, path);
        goto out;
    }
    for (i = 0; !st && i < b->n; i++) {
        st = put_item(b, &b->items[i]);
        info->bytes += b->items[i].size;
    }
    if (!st)
        st = manifest(b, s, scope_sha, pk, &man);
    if (!st) {
        crypto_sign_detached(sig, NULL, (const unsigned char *)man.data,
                             man.len, sk);
        cw__package_pem(pk, pem, sizeof(pem));
        if (!(st = header(b, PKG_MANIFEST, man.len)))
            st = put_data(b, PKG_MANIFEST, man.data, man.len);
        if (!st && !(st = header(b, PKG_SIG, sizeof(sig))))
            st = put_data(b, PKG_SIG, sig, sizeof(sig));
        if (!st && !(st = header(b, PKG_KEY, strlen(pem))))
            st = put_data(b, PKG_KEY, pem, strlen(pem));
    }
    if (!st && archive_write_close(b->ar) != ARCHIVE_OK)
        st = ar_error(b, path);
out:
    sodium_memzero(sk, sizeof(sk));
    if (b->ar)
        archive_write_free(b->ar);
    b->ar = NULL;
    if (!st) {
        hex_of(b->whole, info->sha256);
        info->archive_bytes = b->written;
        st = cw__atomic_commit(tmp, path, true, b->d);
    } else {
        close(b->fd);
        unlink(tmp);
    }
    EVP_MD_CTX_free(b->whole);
    b->whole = NULL;
    cw__buf_release(&man);
    return st;
}

enum cw_status cw_package_build(const struct cw_package_options *o,
                                const char *path,
                                struct cw_package_info *info,
                                struct cw_diag *d)
{
    /* as_recorded: the SoA of what the package holds, nothing later */
    struct cw_soa_options so = { NULL, -1, NULL, 0, NULL,
                                 NULL, NULL, true, false };
    struct cw_package_info scratch_info;
    struct build b;
    struct cw__slice *slice = NULL;
    struct cw_soa *soa = NULL;
    char scope_sha[65];
    enum cw_status st;
    long long day;
    size_t i;

    if (!info)
        info = &scratch_info;
    memset(info, 0, sizeof(*info));
    if (!o || !o->cats || !o->scope || !o->store || !o->as_of ||
        !cw__date_valid(o->as_of))
        return cw__diag_set(d, CW_EINVAL, NULL, 0, 0,
                            "a package needs catalogs, a scope, a store "
                            "and a date YYYY-MM-DD");
    memset(&b, 0, sizeof(b));
    b.o = o;
    b.d = d;
    b.fd = -1;
    day = cw__days_from_civil(strtoll(o->as_of, NULL, 10),
                              (unsigned)strtoul(o->as_of + 5, NULL, 10),
                              (unsigned)strtoul(o->as_of + 8, NULL, 10));
    b.mtime = (time_t)(day * 86400);
    b.until_ms = (day + 1) * 86400000 - 1;
    cw__buf_init(&b.blob, (size_t)1 << 31);
    if ((st = cw_ledger_open_existing(o->store, &b.ledger, d)))
        return st == CW_ENOENT
                   ? cw__diag_set(d, CW_ENOENT, o->store, 0, 0,
                                  "no ledger in this store: a package "
                                  "proves what the ledger holds ('cloudward "
                                  "soa' or any recorded change makes one)")
                   : st;
    {
        const char *t = getenv("TMPDIR");
        snprintf(b.tmp, sizeof(b.tmp), "%s/cloudward-package-XXXXXX",
                 t && *t ? t : "/tmp");
    }
    slice = cw__calloc(1, sizeof(*slice));
    b.buf = cw__malloc(CHUNK);
    if (!slice || !b.buf) {
        st = oom(&b);
        goto out;
    }
    if (!mkdtemp(b.tmp)) {
        st = cw__diag_set(d, CW_EIO, b.tmp, 0, 0, "cannot create: %s",
                          strerror(errno));
        b.tmp[0] = '\0';
        goto out;
    }
    so.as_of = o->as_of;
    so.store = o->store;
    if ((st = scope_digest(o->scope, scope_sha, d)) ||
        (st = cw_soa_build(o->cats, o->scope, &so, &soa, d)) ||
        (st = reports(&b, soa)) || (st = oscal(&b, soa)) ||
        (st = runs(&b)) || (st = registers(&b)) ||
        (st = history(&b)) || (st = ledger(&b, slice)) ||
        (st = walk(&b, "")) || (st = evidence(&b, soa)))
        goto out;
    /* evidence() wrote index.json after the walk: add it too. */
    {
        char src[4200];
        snprintf(src, sizeof(src), "%s/" PKG_EVIDENCE_DIR "index.json",
                 b.tmp);
        if ((st = add_item(&b, PKG_EVIDENCE_DIR "index.json", src, NULL)))
            goto out;
    }
    if (b.n)
        qsort(b.items, b.n, sizeof(*b.items), item_cmp);
    st = write_archive(&b, path, slice, scope_sha, info);
    if (!st) {
        char target[160], reason[120];
        struct cw_log_event ev;
        char details[128];
        memset(&ev, 0, sizeof(ev));
        snprintf(target, sizeof(target), "package as of %s", o->as_of);
        snprintf(reason, sizeof(reason), "sha256:%s", info->sha256);
        snprintf(details, sizeof(details),
                 "{\"entries\":%llu,\"evidence\":%zu,\"files\":%zu}",
                 (unsigned long long)slice->n, b.evidence, b.n);
        ev.actor = o->actor ? o->actor : "cloudward";
        ev.action = "package.create";
        ev.target = target;
        ev.reason = reason;
        ev.details_json = details;
        st = cw_ledger_append(b.ledger, &ev, 1, NULL, NULL, d);
    }
    info->files = b.n;
    info->evidence = b.evidence;
    info->runs = b.runs;
    info->entries = slice->n;
    info->head = slice->head;
out:
    if (b.tmp[0])
        rm_tree(b.tmp);
    for (i = 0; i < b.n; i++) {
        cw__free(b.items[i].path);
        cw__free(b.items[i].src);
    }
    cw__free(b.items);
    cw__free(b.buf);
    cw__free(slice);
    cw__buf_release(&b.blob);
    cw_soa_free(soa);
    cw_ledger_close(b.ledger);
    return st;
}

enum cw_status cw_package_vkey(const char *store, char *pem, size_t n,
                               struct cw_diag *d)
{
    struct cw_ledger *l = NULL;
    unsigned char sk[64], pk[32];
    enum cw_status st = cw_ledger_open_existing(store, &l, d);

    if (!st)
        st = cw__package_key(cw__ledger_dir(l), sk, pk, d);
    sodium_memzero(sk, sizeof(sk));
    if (!st)
        cw__package_pem(pk, pem, n);
    cw_ledger_close(l);
    return st;
}
