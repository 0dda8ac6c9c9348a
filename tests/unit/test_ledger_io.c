/*
 * test_ledger_io.c - the ledger when the disk fails. A SQLite VFS that
 * wraps the real one fails writes (disk full) or fsyncs on demand. An
 * append that meets such a failure must return an error saying so, must
 * not be acknowledged, must not be retried, and must stop the handle: the
 * next append on it is refused until the ledger is opened again (after a
 * failed fsync the kernel's page cache cannot be trusted; PostgreSQL's
 * "fsyncgate"). Opened again, the ledger holds exactly the acknowledged
 * entries and verifies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include <cloudward/cloudward.h>

/* ---- a VFS that fails on demand ---------------------------------------- */

static int fail_writes, fail_syncs; /* while set, every call fails */
static long writes_seen, syncs_seen;

struct ffile {
    sqlite3_file base;
    sqlite3_file *real; /* follows this struct in the same allocation */
};

static sqlite3_vfs *real_vfs;
static sqlite3_io_methods fmethods;

#define REAL(f) (((struct ffile *)(f))->real)

static int f_close(sqlite3_file *f)
{
    return REAL(f)->pMethods->xClose(REAL(f));
}
static int f_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
    return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}
static int f_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
    writes_seen++;
    if (fail_writes)
        return SQLITE_FULL;
    return REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 n)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), n);
}
static int f_sync(sqlite3_file *f, int flags)
{
    syncs_seen++;
    if (fail_syncs)
        return SQLITE_IOERR_FSYNC;
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int f_size(sqlite3_file *f, sqlite3_int64 *n)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), n);
}
static int f_lock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int f_unlock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int f_check(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int f_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int f_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int f_caps(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int f_shm_map(sqlite3_file *f, int i, int n, int w, void volatile **p)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), i, n, w, p);
}
static int f_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void f_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int f_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **p)
{
    return REAL(f)->pMethods->xFetch(REAL(f), off, n, p);
}
static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static int f_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file,
                  int flags, int *out)
{
    struct ffile *f = (struct ffile *)file;
    int rc;
    (void)vfs;
    f->real = (sqlite3_file *)(f + 1);
    rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out);
    f->base.pMethods = rc == SQLITE_OK && f->real->pMethods ? &fmethods
                                                            : NULL;
    return rc;
}

static sqlite3_vfs faulty;

static void install_vfs(void)
{
    real_vfs = sqlite3_vfs_find(NULL);
    assert_non_null(real_vfs);
    faulty = *real_vfs;
    faulty.zName = "faulty";
    faulty.szOsFile = (int)sizeof(struct ffile) + real_vfs->szOsFile;
    faulty.xOpen = f_open;
    fmethods = (sqlite3_io_methods){
        3,          f_close,  f_read,    f_write,    f_truncate,
        f_sync,     f_size,   f_lock,    f_unlock,   f_check,
        f_control,  f_sector, f_caps,    f_shm_map,  f_shm_lock,
        f_shm_barrier, f_shm_unmap, f_fetch, f_unfetch,
    };
    assert_int_equal(sqlite3_vfs_register(&faulty, 1), SQLITE_OK);
}

/* ---- the ledger on it -------------------------------------------------- */

static char dir[64];

static void append_n(struct cw_ledger *l, size_t n, enum cw_status want,
                     struct cw_diag *d)
{
    struct cw_log_event ev[8];
    size_t i;
    assert_true(n <= 8);
    memset(ev, 0, sizeof(ev));
    for (i = 0; i < n; i++) {
        ev[i].actor = "svc";
        ev[i].action = "scan.host";
        ev[i].target = "h";
        ev[i].tenant = i % 2 ? "acme" : NULL;
    }
    assert_int_equal(cw_ledger_append(l, ev, n, NULL, NULL, d), want);
}

static void reopen_and_check(struct cw_ledger **l, uint64_t want)
{
    struct cw_diag d;
    uint64_t size = 0, bad = 0;
    cw_ledger_close(*l);
    assert_int_equal(cw_ledger_open(dir, l, &d), CW_OK);
    assert_int_equal(cw_ledger_size(*l, &size, &d), CW_OK);
    assert_int_equal(size, want);
    assert_int_equal(cw_ledger_verify(*l, &bad, &d), CW_OK);
}

static void failures(int *flag, const char *says)
{
    struct cw_ledger *l = NULL;
    struct cw_diag d;
    long before;
    char cmd[128];

    snprintf(dir, sizeof(dir), "/tmp/cw-ledger-io-%ld", (long)getpid());
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(cw_ledger_open(dir, &l, &d), CW_OK);
    append_n(l, 8, CW_OK, &d);

    /* The failure: an error that says what failed, nothing
     * acknowledged. */
    *flag = 1;
    before = writes_seen + syncs_seen;
    append_n(l, 5, CW_EIO, &d);
    *flag = 0;
    assert_non_null(strstr(d.msg, says));
    assert_true(writes_seen + syncs_seen > before);

    /* Stopped: the handle takes no more appends, and does not touch the
     * disk trying. */
    before = writes_seen + syncs_seen;
    append_n(l, 1, CW_EIO, &d);
    assert_non_null(strstr(d.msg, "open the ledger again"));
    assert_int_equal(writes_seen + syncs_seen, before);

    /* Opened again: exactly what was acknowledged, and it verifies. */
    reopen_and_check(&l, 8);
    append_n(l, 3, CW_OK, &d);
    reopen_and_check(&l, 11);
    cw_ledger_close(l);
    assert_int_equal(system(cmd), 0);
}

static void failed_fsync(void **state)
{
    (void)state;
    failures(&fail_syncs, "disk I/O error");
}

static void disk_full(void **state)
{
    (void)state;
    failures(&fail_writes, "full");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(failed_fsync),
        cmocka_unit_test(disk_full),
    };
    install_vfs();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
