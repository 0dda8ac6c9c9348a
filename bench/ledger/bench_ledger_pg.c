/*
 * bench_ledger_pg.c - the ledger on PostgreSQL, and tenant pages on either
 * engine (bench/ledger/run_pg.sh starts the server and runs both):
 *
 *   bench_ledger_pg append URL N
 *       durable appends per second at batches of 64 and 1024 (one
 *       transaction each, fsync and synchronous_commit on; 3 tenants, as
 *       bench_ledger's rows on SQLite), against plain
 *       PostgreSQL inserts of the same rows (index, tenant, a 32-byte
 *       hash, the stored entry text) into a table with no row-level
 *       security, no index but its key and no tree: one INSERT ... SELECT
 *       FROM unnest(arrays) per batch, as the ledger sends them, and COPY,
 *       PostgreSQL's fastest way in. Medians of 3 interleaved rounds.
 *
 *   bench_ledger_pg page STORE N TENANTS ROUNDS
 *       brings the ledger at STORE (a folder or a URL) to N entries spread
 *       over TENANTS tenants, signs a checkpoint, then times ROUNDS pages
 *       of 100 entries with their inclusion proofs (cw_ledger_show_page,
 *       JSON), each of a random tenant at a random offset: p50, p99, max.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include <cloudward/cloudward.h>

#include "../../src/ledger/ledger.h" /* the entry builder, for baselines */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void event(struct cw_log_event *e, char *target, char *tenant,
                  size_t i, size_t tenants)
{
    memset(e, 0, sizeof(*e));
    snprintf(target, 32, "res-%zu", i);
    snprintf(tenant, 32, "tenant-%zu", i % tenants);
    e->actor = "svc-bench";
    e->action = "scan.config";
    e->target = target;
    e->tenant = tenant;
    e->time_ms = 1796000000000LL + (long long)i;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_ledger_pg: %s: %s\n", what, why);
    exit(2);
}

/* Appends entries first..first+n-1 in batches; returns entries/s. */
static double append(struct cw_ledger *l, size_t first, size_t n,
                     size_t batch, size_t tenants)
{
    struct cw_log_event *ev = calloc(batch, sizeof(*ev));
    char (*targets)[32] = calloc(batch, 32), (*tn)[32] = calloc(batch, 32);
    struct cw_diag d;
    size_t done = 0, i;
    double t0 = now();

    while (done < n) {
        size_t k = n - done < batch ? n - done : batch;
        for (i = 0; i < k; i++)
            event(&ev[i], targets[i], tn[i], first + done + i, tenants);
        if (cw_ledger_append(l, ev, k, NULL, NULL, &d))
            die("append", d.msg);
        done += k;
    }
    free(ev);
    free(targets);
    free(tn);
    return (double)n / (now() - t0);
}

static PGresult *ok(PGconn *c, PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
        st != PGRES_COPY_IN)
        die("baseline", PQerrorMessage(c));
    return r;
}

static void sql(PGconn *c, const char *text)
{
    PQclear(ok(c, PQexec(c, text)));
}

/* How put() escapes. */
enum { RAW, COPY_TEXT, ARRAY_ELEMENT };

/* Appends `s` to b (grown as needed): as is, escaped for COPY's text
 * format, or for an array element in double quotes. */
static void put(char **b, size_t *len, size_t *cap, const char *s, size_t n,
                int how)
{
    size_t i;
    if (*len + 2 * n + 8 > *cap) {
        *cap = 2 * (*len + 2 * n + 8);
        *b = realloc(*b, *cap);
    }
    for (i = 0; i < n; i++) {
        char ch = s[i];
        if (how == COPY_TEXT &&
            (ch == '\\' || ch == '\t' || ch == '\n' || ch == '\r')) {
            (*b)[(*len)++] = '\\';
            ch = ch == '\t' ? 't' : ch == '\n' ? 'n' : ch == '\r' ? 'r' : ch;
        } else if (how == ARRAY_ELEMENT && (ch == '"' || ch == '\\')) {
            (*b)[(*len)++] = '\\';
        }
        (*b)[(*len)++] = ch;
    }
    (*b)[*len] = '\0';
}

#define HASH_HEX                                                              \
    "0000000000000000000000000000000000000000000000000000000000000000"
/* A 32-byte hash as COPY's text format and as an array element write it:
 * "\\x" becomes bytea's \x prefix once each layer is unescaped. */
static const char copy_leaf[] = "\t\\\\x" HASH_HEX "\t";
static const char array_leaf[] = "\"\\\\x" HASH_HEX "\"";

/* The same rows into a plain table; `copy` picks COPY over unnest. */
static double baseline(const char *url, size_t n, size_t batch, int copy)
{
    PGconn *c = PQconnectdb(url);
    char **bodies = calloc(n, sizeof(*bodies));
    size_t *lens = calloc(n, sizeof(*lens));
    char target[32], tenant[32], num[32];
    struct cw_log_event e;
    struct cw_diag d;
    size_t done = 0, i;
    double t0;
    char *a[4] = { NULL };
    size_t alen[4], acap[4] = { 0 };

    if (PQstatus(c) != CONNECTION_OK)
        die("connect", PQerrorMessage(c));
    for (i = 0; i < n; i++) {
        event(&e, target, tenant, i, 3);
        if (cw__entry_build_stored(&e, &bodies[i], &lens[i], &d))
            die("build", d.msg);
    }
    sql(c, "DROP TABLE IF EXISTS plain; CREATE TABLE plain(idx bigint "
           "PRIMARY KEY, tenant_id text, leaf bytea NOT NULL, body text "
           "NOT NULL)");
    t0 = now();
    while (done < n) {
        size_t k = n - done < batch ? n - done : batch;
        for (i = 0; i < 4; i++)
            alen[i] = 0;
        for (i = 0; i < k; i++) {
            size_t x = done + i;
            int m = snprintf(num, sizeof(num), "%zu", x);
            snprintf(tenant, sizeof(tenant), "tenant-%zu", x % 3);
            if (copy) {
                put(&a[0], &alen[0], &acap[0], num, (size_t)m, RAW);
                put(&a[0], &alen[0], &acap[0], "\t", 1, RAW);
                put(&a[0], &alen[0], &acap[0], tenant, strlen(tenant),
                    COPY_TEXT);
                put(&a[0], &alen[0], &acap[0], copy_leaf, strlen(copy_leaf),
                    RAW);
                put(&a[0], &alen[0], &acap[0], bodies[x], lens[x], COPY_TEXT);
                put(&a[0], &alen[0], &acap[0], "\n", 1, RAW);
            } else {
                const char *sep = i ? "," : "{";
                put(&a[0], &alen[0], &acap[0], sep, 1, RAW);
                put(&a[0], &alen[0], &acap[0], num, (size_t)m, RAW);
                put(&a[1], &alen[1], &acap[1], sep, 1, RAW);
                put(&a[1], &alen[1], &acap[1], tenant, strlen(tenant), RAW);
                put(&a[2], &alen[2], &acap[2], sep, 1, RAW);
                put(&a[2], &alen[2], &acap[2], array_leaf,
                    strlen(array_leaf), RAW);
                put(&a[3], &alen[3], &acap[3], sep, 1, RAW);
                put(&a[3], &alen[3], &acap[3], "\"", 1, RAW);
                put(&a[3], &alen[3], &acap[3], bodies[x], lens[x],
                    ARRAY_ELEMENT);
                put(&a[3], &alen[3], &acap[3], "\"", 1, RAW);
            }
        }
        sql(c, "BEGIN");
        if (copy) {
            PQclear(ok(c, PQexec(c, "COPY plain FROM STDIN")));
            if (PQputCopyData(c, a[0], (int)alen[0]) != 1 ||
                PQputCopyEnd(c, NULL) != 1)
                die("copy", PQerrorMessage(c));
            PQclear(ok(c, PQgetResult(c)));
        } else {
            const char *v[4];
            for (i = 0; i < 4; i++) {
                put(&a[i], &alen[i], &acap[i], "}", 1, RAW);
                v[i] = a[i];
            }
            PQclear(ok(c, PQexecParams(c,
                                       "INSERT INTO plain SELECT * FROM "
                                       "unnest($1::bigint[], $2::text[], "
                                       "$3::bytea[], $4::text[])",
                                       4, NULL, v, NULL, NULL, 0)));
        }
        sql(c, "COMMIT");
        done += k;
    }
    t0 = (double)n / (now() - t0);
    sql(c, "DROP TABLE plain");
    PQfinish(c);
    for (i = 0; i < n; i++)
        cw__free(bodies[i]);
    for (i = 0; i < 4; i++)
        free(a[i]);
    free(bodies);
    free(lens);
    return t0;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int bench_append(const char *url, size_t n)
{
    static const size_t batches[] = { 64, 1024 };
    struct cw_ledger *l;
    struct cw_diag d;
    size_t i, r, at = 0;

    if (cw_ledger_open(url, &l, &d))
        die(url, d.msg);
    printf("medians of 3 interleaved rounds, %zu entries each\n", n);
    printf("%-6s %10s %14s %6s %12s %6s\n", "batch", "ledger/s",
           "unnest rows/s", "ratio", "COPY rows/s", "ratio");
    for (i = 0; i < 2; i++) {
        double a[3], b[3], c[3];
        size_t m = batches[i] == 64 ? n / 4 : n;
        for (r = 0; r < 3; r++) {
            a[r] = append(l, at, m, batches[i], 3);
            at += m;
            b[r] = baseline(url, m, batches[i], 0);
            c[r] = baseline(url, m, batches[i], 1);
        }
        qsort(a, 3, sizeof(double), by_value);
        qsort(b, 3, sizeof(double), by_value);
        qsort(c, 3, sizeof(double), by_value);
        printf("%-6zu %10.0f %14.0f %5.0f%% %12.0f %5.0f%%\n", batches[i],
               a[1], b[1], 100 * a[1] / b[1], c[1], 100 * a[1] / c[1]);
    }
    cw_ledger_close(l);
    return 0;
}

static int bench_page(const char *store, size_t n, size_t tenants,
                      size_t rounds)
{
    struct cw_ledger *l;
    struct cw_diag d;
    uint64_t size;
    double *t = calloc(rounds, sizeof(double)), t0;
    char note[1024], tenant[32];
    FILE *null = fopen("/dev/null", "w");
    size_t r, per = n / tenants;

    if (cw_ledger_open(store, &l, &d) || cw_ledger_size(l, &size, &d))
        die(store, d.msg);
    if (size < n) {
        t0 = now();
        append(l, (size_t)size, n - (size_t)size, 1024, tenants);
        printf("built %zu entries over %zu tenants in %.1f s\n", n, tenants,
               now() - t0);
        if (cw_ledger_checkpoint(l, note, sizeof(note), &d))
            die("checkpoint", d.msg);
    }
    srand(42);
    for (r = 0; r < rounds; r++) {
        size_t off = per > 100 ? (size_t)rand() % (per - 100) : 0;
        snprintf(tenant, sizeof(tenant), "tenant-%zu",
                 (size_t)rand() % tenants);
        t0 = now();
        if (cw_ledger_show_page(l, tenant, off, 100, true, null, &d))
            die("page", d.msg);
        t[r] = (now() - t0) * 1000;
    }
    qsort(t, rounds, sizeof(double), by_value);
    printf("page of 100 with proofs, %zu pages: p50 %.2f ms, p99 %.2f ms, "
           "max %.2f ms\n",
           rounds, t[rounds / 2], t[rounds * 99 / 100], t[rounds - 1]);
    fclose(null);
    free(t);
    cw_ledger_close(l);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "append") == 0)
        return bench_append(argv[2], (size_t)atoll(argv[3]));
    if (argc == 6 && strcmp(argv[1], "page") == 0)
        return bench_page(argv[2], (size_t)atoll(argv[3]),
                          (size_t)atoll(argv[4]), (size_t)atoll(argv[5]));
    fprintf(stderr, "usage: bench_ledger_pg append URL N\n"
                    "       bench_ledger_pg page STORE N TENANTS ROUNDS\n");
    return 2;
}
