/*
 * bench_ledger.c - the ledger's throughput, in one run, against plain
 * SQLite inserts of the same rows as the baseline:
 *
 *   append    durable appends per second at batch sizes 1, 64 and 1024
 *             (one transaction per batch, WAL, synchronous=FULL), and the
 *             same rows (index, tenant, a 32-byte blob, the entry text)
 *             inserted into a plain table with the same settings, twice:
 *             with the canonical entry text, and with the abbreviated text
 *             the ledger stores;
 *   verify    entries per second recomputed by cw_ledger_verify;
 *   prove     inclusion-proof time at 1M and 10M entries (averaged over
 *             1000 random indexes);
 *   --lines   the library appending the lines of a file, the other side
 *             of run.sh's comparison with `cloudward log append --from`.
 *
 * usage: bench_ledger DIR [MAX_ENTRIES]   (default 10,000,000)
 *        bench_ledger --lines FILE NEW_STORE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include <cloudward/cloudward.h>

#include "../../src/ledger/ledger.h" /* the entry builder, for baselines */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void event(struct cw_log_event *e, char *target, size_t i)
{
    static const char *const tenants[] = { "acme", "globex", "initech" };
    memset(e, 0, sizeof(*e));
    snprintf(target, 32, "res-%zu", i);
    e->actor = "svc-bench";
    e->action = "scan.config";
    e->target = target;
    e->tenant = tenants[i % 3];
    e->time_ms = 1796000000000LL + (long long)i;
}

/* Appends `n` entries in batches of `batch`; returns entries/s. */
static double append(struct cw_ledger *l, size_t n, size_t batch)
{
    struct cw_log_event *ev = calloc(batch, sizeof(*ev));
    char (*targets)[32] = calloc(batch, 32);
    struct cw_diag d;
    size_t done = 0, i;
    double t0 = now();

    while (done < n) {
        size_t k = n - done < batch ? n - done : batch;
        for (i = 0; i < k; i++)
            event(&ev[i], targets[i], done + i);
        if (cw_ledger_append(l, ev, k, NULL, NULL, &d)) {
            fprintf(stderr, "append: %s\n", d.msg);
            exit(2);
        }
        done += k;
    }
    free(ev);
    free(targets);
    return (double)n / (now() - t0);
}

/*
 * The same rows into a plain table, same transaction sizes and sync: the
 * entries are built first (by the ledger's own builder, outside the
 * timing), so the baseline is the inserts alone. `stored` picks the text:
 * the canonical entry, or the stored form the ledger writes (its fixed
 * OCSF fragments one byte each), so the ledger's cost can be read against
 * either.
 */
static double baseline(const char *dir, size_t n, size_t batch, bool stored)
{
    char path[4096], target[32];
    char **bodies = calloc(n, sizeof(*bodies));
    size_t *lens = calloc(n, sizeof(*lens));
    struct cw_log_event e;
    struct cw_diag d;
    sqlite3 *db;
    sqlite3_stmt *s;
    unsigned char blob[32] = { 0 };
    size_t done = 0, i;
    double t0;

    for (i = 0; i < n; i++) {
        event(&e, target, i);
        if (stored ? cw__entry_build_stored(&e, &bodies[i], &lens[i], &d)
                   : cw__entry_build(&e, &bodies[i], &d)) {
            fprintf(stderr, "build: %s\n", d.msg);
            exit(2);
        }
        lens[i] = strlen(bodies[i]);
    }
    snprintf(path, sizeof(path), "%s/plain-%zu.db", dir, batch);
    remove(path);
    sqlite3_open(path, &db);
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE t(idx INTEGER PRIMARY KEY, tenant TEXT,"
                     " leaf BLOB, body TEXT)",
                 NULL, NULL, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?, ?, ?)", -1, &s, NULL);
    t0 = now();
    while (done < n) {
        size_t k = n - done < batch ? n - done : batch;
        sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        for (i = 0; i < k; i++) {
            size_t x = done + i;
            blob[0] = (unsigned char)x;
            sqlite3_reset(s);
            sqlite3_bind_int64(s, 1, (sqlite3_int64)x);
            sqlite3_bind_text(s, 2, "acme", -1, SQLITE_STATIC);
            sqlite3_bind_blob(s, 3, blob, 32, SQLITE_STATIC);
            sqlite3_bind_text(s, 4, bodies[x], (int)lens[x], SQLITE_STATIC);
            sqlite3_step(s);
        }
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        done += k;
    }
    t0 = (double)n / (now() - t0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    remove(path);
    for (i = 0; i < n; i++)
        cw__free(bodies[i]);
    free(bodies);
    free(lens);
    return t0;
}

#define ROUNDS 3

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double v[ROUNDS])
{
    qsort(v, ROUNDS, sizeof(v[0]), by_value);
    return v[ROUNDS / 2];
}

static double prove(struct cw_ledger *l, uint64_t size)
{
    unsigned char proof[128 * 32];
    size_t np, i;
    struct cw_diag d;
    double t0 = now();
    srand(7);
    for (i = 0; i < 1000; i++) {
        uint64_t idx = ((uint64_t)rand() * (uint64_t)RAND_MAX + (uint64_t)rand()) % size;
        if (cw_ledger_prove(l, idx, size, proof, &np, &d)) {
            fprintf(stderr, "prove: %s\n", d.msg);
            exit(2);
        }
    }
    return (now() - t0) / 1000 * 1e3; /* ms per proof */
}

static void no_ack(void *arg, uint64_t index, const unsigned char leaf[32])
{
    (void)arg;
    (void)index;
    (void)leaf;
}

/* The library's side of the CLI comparison (run.sh): the lines of FILE
 * appended to a new store with cw_ledger_append_lines, batch 1024, as
 * `cloudward log append --from FILE` does; opening the store included,
 * as the command's time includes it. Prints entries/s. */
static int lines(const char *file, const char *store)
{
    struct cw_ledger *l;
    struct cw_diag d;
    uint64_t size;
    FILE *in = fopen(file, "r");
    double t0 = now();

    if (!in || cw_ledger_open(store, &l, &d) ||
        cw_ledger_append_lines(l, in, file, 1024, no_ack, NULL, &d) ||
        cw_ledger_size(l, &size, &d)) {
        fprintf(stderr, "lines: %s\n", in ? d.msg : file);
        return 2;
    }
    cw_ledger_close(l);
    fclose(in);
    printf("%.0f\n", (double)size / (now() - t0));
    return 0;
}

int main(int argc, char **argv)
{
    static const size_t batches[] = { 1, 64, 1024 };
    static const size_t counts[] = { 2000, 64000, 300000 };
    size_t max = argc > 2 ? (size_t)atoll(argv[2]) : 10000000;
    char sub[4096];
    struct cw_ledger *l;
    struct cw_diag d;
    uint64_t size, bad;
    double t0;
    size_t i;

    if (argc == 4 && strcmp(argv[1], "--lines") == 0)
        return lines(argv[2], argv[3]);
    if (argc < 2) {
        fprintf(stderr,
                "usage: %s DIR [MAX_ENTRIES]\n"
                "       %s --lines FILE NEW_STORE\n",
                argv[0], argv[0]);
        return 2;
    }
    /* The VMs this runs on change I/O speed from minute to minute: the
     * three are measured in turns, ROUNDS times, and the medians
     * compared. */
    printf("medians of %d interleaved rounds\n", ROUNDS);
    printf("%-6s %8s %10s %12s %6s %12s %6s\n", "batch", "entries",
           "ledger/s", "plain/s", "ratio", "plain-abbr/s", "ratio");
    for (i = 0; i < 3; i++) {
        double a[ROUNDS], b[ROUNDS], c[ROUNDS];
        int r;
        for (r = 0; r < ROUNDS; r++) {
            snprintf(sub, sizeof(sub), "%s/append-%zu-%d", argv[1],
                     batches[i], r);
            if (cw_ledger_open(sub, &l, &d)) {
                fprintf(stderr, "%s\n", d.msg);
                return 2;
            }
            a[r] = append(l, counts[i], batches[i]);
            cw_ledger_close(l);
            b[r] = baseline(argv[1], counts[i], batches[i], false);
            c[r] = baseline(argv[1], counts[i], batches[i], true);
        }
        printf("%-6zu %8zu %10.0f %12.0f %5.0f%% %12.0f %5.0f%%\n",
               batches[i], counts[i], median(a), median(b),
               100 * median(a) / median(b), median(c),
               100 * median(a) / median(c));
    }
    /* The big ledger: grown to 1M, proofs; then to MAX, proofs. */
    snprintf(sub, sizeof(sub), "%s/big", argv[1]);
    if (cw_ledger_open(sub, &l, &d) || cw_ledger_size(l, &size, &d))
        return 2;
    if (size < 1000000)
        append(l, 1000000 - size, 4096);
    t0 = now();
    if (cw_ledger_verify(l, &bad, &d)) {
        fprintf(stderr, "verify: %s\n", d.msg);
        return 2;
    }
    printf("\nverify: 1000000 entries in %.2f s = %.0f entries/s\n",
           now() - t0, 1e6 / (now() - t0));
    printf("inclusion proof at %10u entries: %.3f ms\n", 1000000,
           prove(l, 1000000));
    if (max > 1000000) {
        cw_ledger_size(l, &size, &d);
        if (size < max)
            append(l, max - size, 4096);
        printf("inclusion proof at %10zu entries: %.3f ms\n", max,
               prove(l, max));
    }
    cw_ledger_close(l);
    return 0;
}
