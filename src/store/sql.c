/*
 * sql.c - the statement interface of sql.h over SQLite and libpq.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h> /* before core.h: banned.h poisons inline libc */
#include <string.h>

#include <sqlite3.h>

#include "../core/core.h"
#include "pg.h"
#include "sql.h"

#define MAX_PARAMS 16

struct cw__db {
    sqlite3 *lite;
    PGconn *pg;
    char *url;     /* PostgreSQL: parked by it when closed */
    char err[512];
};

struct cw__q {
    struct cw__db *db;
    sqlite3_stmt *lite;
    /* PostgreSQL: the statement with $N, its parameters, its result */
    char *text;
    int nparams;
    const char *values[MAX_PARAMS];
    int lengths[MAX_PARAMS], formats[MAX_PARAMS];
    char nums[MAX_PARAMS][32];
    PGresult *res;
    int row; /* the row the last step returned */
};

/* ---- connecting to PostgreSQL (pg.h) ------------------------------------ */

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* NOTICEs are for psql users, not our output */
}

void cw__pg_error(PGconn *c, PGresult *r, char *out, size_t n)
{
    const char *m = r ? PQresultErrorMessage(r) : "";
    if (!m || !*m)
        m = c ? PQerrorMessage(c) : "out of memory";
    snprintf(out, n, "%.*s", (int)strcspn(m, "\n"), m);
    if (!out[0])
        snprintf(out, n, "the database did not answer");
    PQclear(r);
}

/* ---- connections kept for the next open --------------------------------- */

/*
 * A PostgreSQL connection is dear to make (the server forks a process,
 * then two queries check the role), and a server thread opens the store
 * several times per request (the runs, the ledger, the access tables).
 * A finished connection is therefore parked with its thread, by URL and
 * tenant, when it is idle and healthy; the thread's next open of that
 * store takes it back. A parked connection holds nothing of its last
 * user: transactions are over (idle), advisory locks and SET LOCAL were
 * theirs, and the tenant it was made for is part of its key. Parked
 * connections are closed when their thread ends, and the main thread's
 * at exit.
 */
#define PARKED 4

struct parking {
    PGconn *c[PARKED];
    char *key[PARKED];
};

static pthread_key_t parking_key;
static pthread_once_t parking_once = PTHREAD_ONCE_INIT;

static void parking_free(void *arg)
{
    struct parking *p = arg;
    size_t i;
    for (i = 0; p && i < PARKED; i++) {
        if (p->c[i])
            PQfinish(p->c[i]);
        free(p->key[i]);
    }
    free(p);
}

static void parking_exit(void)
{
    parking_free(pthread_getspecific(parking_key));
    (void)pthread_setspecific(parking_key, NULL);
}

static void parking_init(void)
{
    (void)pthread_key_create(&parking_key, parking_free);
    (void)atexit(parking_exit);
}

/* "URL" NUL "TENANT", as one string: the key a connection is kept by. */
static char *parking_key_of(const char *url, const char *tenant)
{
    size_t a = strlen(url), b = tenant ? strlen(tenant) : 1;
    char *k = malloc(a + b + 2);
    if (!k)
        return NULL;
    memcpy(k, url, a);
    k[a] = '\x1f';
    memcpy(k + a + 1, tenant ? tenant : "*", b);
    k[a + 1 + b] = '\0';
    return k;
}

static PGconn *unpark(const char *url, const char *tenant)
{
    struct parking *p;
    char *k;
    size_t i;

    pthread_once(&parking_once, parking_init);
    if (!(p = pthread_getspecific(parking_key)) ||
        !(k = parking_key_of(url, tenant)))
        return NULL;
    for (i = 0; i < PARKED; i++)
        if (p->c[i] && strcmp(p->key[i], k) == 0) {
            PGconn *c = p->c[i];
            p->c[i] = NULL;
            free(p->key[i]);
            p->key[i] = NULL;
            free(k);
            if (PQstatus(c) == CONNECTION_OK &&
                PQtransactionStatus(c) == PQTRANS_IDLE)
                return c;
            PQfinish(c);
            return NULL;
        }
    free(k);
    return NULL;
}

void cw__pg_finish(PGconn *c, const char *url, const char *tenant)
{
    struct parking *p;
    size_t i;

    if (!c)
        return;
    pthread_once(&parking_once, parking_init);
    if (!url || PQstatus(c) != CONNECTION_OK ||
        PQtransactionStatus(c) != PQTRANS_IDLE) {
        PQfinish(c);
        return;
    }
    if (!(p = pthread_getspecific(parking_key))) {
        if (!(p = calloc(1, sizeof(*p))) ||
            pthread_setspecific(parking_key, p) != 0) {
            free(p);
            PQfinish(c);
            return;
        }
    }
    for (i = 0; i < PARKED; i++)
        if (!p->c[i] && (p->key[i] = parking_key_of(url, tenant))) {
            p->c[i] = c;
            return;
        }
    /* full: the oldest goes */
    PQfinish(p->c[0]);
    free(p->key[0]);
    memmove(&p->c[0], &p->c[1], (PARKED - 1) * sizeof(p->c[0]));
    memmove(&p->key[0], &p->key[1], (PARKED - 1) * sizeof(p->key[0]));
    p->c[PARKED - 1] = NULL;
    p->key[PARKED - 1] = NULL;
    if ((p->key[PARKED - 1] = parking_key_of(url, tenant)))
        p->c[PARKED - 1] = c;
    else
        PQfinish(c);
}

PGconn *cw__pg_connect(const char *url, const char *tenant, char *err,
                       size_t n)
{
    PGconn *c = unpark(url, tenant);
    PGresult *r;

    if (c)
        return c;
    c = PQconnectdb(url);

    if (!c || PQstatus(c) != CONNECTION_OK) {
        const char *m = c ? PQerrorMessage(c) : "out of memory";
        snprintf(err, n, "cannot connect: %.*s", (int)strcspn(m, "\n"), m);
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    r = PQexec(c, "SELECT current_user, rolsuper OR rolbypassrls FROM "
                  "pg_roles WHERE rolname = current_user");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        cw__pg_error(c, r, err, n);
        PQfinish(c);
        return NULL;
    }
    if (strcmp(PQgetvalue(r, 0, 1), "f") != 0) {
        snprintf(err, n,
                 "role '%s' bypasses row-level security (superuser or "
                 "BYPASSRLS): connect as a role that does not, so that "
                 "tenants stay apart (docs/scaling.md)",
                 PQgetvalue(r, 0, 0));
        PQclear(r);
        PQfinish(c);
        return NULL;
    }
    PQclear(r);
    /* The provider's connection (the CLI, the verifier) reads every row,
     * in or out of a transaction; a tenant's names it per transaction
     * only, so that nothing outlives the transaction that set it. */
    if (!tenant) {
        r = PQexec(c, "SELECT set_config('cloudward.tenant', '*', false)");
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            cw__pg_error(c, r, err, n);
            PQfinish(c);
            return NULL;
        }
        PQclear(r);
    }
    return c;
}

/* ---- databases ----------------------------------------------------------- */

/* SQLite counts every allocation under one global mutex unless told
 * not to: with a server's threads each on its own connection, that
 * mutex was most of their contention. Said once, before any use. */
static void sqlite_tune(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct cw__db *cw__db_open_sqlite(const char *path, bool create, char *err,
                                  size_t n)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct cw__db *db;

    pthread_once(&once, sqlite_tune);
    db = cw__calloc(1, sizeof(*db));
    if (!db) {
        snprintf(err, n, "out of memory");
        return NULL;
    }
    if (sqlite3_open_v2(path, &db->lite,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                            SQLITE_OPEN_NOFOLLOW |
                            (create ? SQLITE_OPEN_CREATE : 0),
                        NULL) != SQLITE_OK) {
        snprintf(err, n, "%s",
                 db->lite ? sqlite3_errmsg(db->lite) : "out of memory");
        cw__db_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db->lite, 30000);
    if (!cw__db_exec(db, "PRAGMA journal_mode=WAL") ||
        !cw__db_exec(db, "PRAGMA synchronous=FULL")) {
        snprintf(err, n, "%s", cw__db_errmsg(db));
        cw__db_close(db);
        return NULL;
    }
    return db;
}

struct cw__db *cw__db_open_pg(const char *url, char *err, size_t n)
{
    struct cw__db *db = cw__calloc(1, sizeof(*db));
    if (!db) {
        snprintf(err, n, "out of memory");
        return NULL;
    }
    if (!(db->pg = cw__pg_connect(url, NULL, err, n))) {
        cw__free(db);
        return NULL;
    }
    db->url = cw__strdup(url); /* none: closed rather than parked */
    return db;
}

void cw__db_close(struct cw__db *db)
{
    if (!db)
        return;
    sqlite3_close(db->lite);
    if (db->pg)
        cw__pg_finish(db->pg, db->url, NULL);
    cw__free(db->url);
    cw__free(db);
}

bool cw__db_is_pg(const struct cw__db *db)
{
    return db->pg != NULL;
}

const char *cw__db_errmsg(struct cw__db *db)
{
    if (db->err[0])
        return db->err;
    return db->lite ? sqlite3_errmsg(db->lite) : "unknown database error";
}

bool cw__db_exec(struct cw__db *db, const char *sql)
{
    PGresult *r;
    ExecStatusType st;
    db->err[0] = '\0';
    if (db->lite)
        return sqlite3_exec(db->lite, sql, NULL, NULL, NULL) == SQLITE_OK;
    r = PQexec(db->pg, sql);
    st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        cw__pg_error(db->pg, r, db->err, sizeof(db->err));
        return false;
    }
    PQclear(r);
    return true;
}

bool cw__db_begin_write(struct cw__db *db, int64_t lock)
{
    char sql[96];
    if (db->lite)
        return cw__db_exec(db, "BEGIN IMMEDIATE");
    snprintf(sql, sizeof(sql), "SELECT pg_advisory_xact_lock(%lld)",
             (long long)lock);
    if (!cw__db_exec(db, "BEGIN"))
        return false;
    if (cw__db_exec(db, sql))
        return true;
    {
        char keep[512];
        snprintf(keep, sizeof(keep), "%s", db->err);
        (void)cw__db_exec(db, "ROLLBACK");
        snprintf(db->err, sizeof(db->err), "%s", keep);
    }
    return false;
}

/* ---- statements ---------------------------------------------------------- */

/* `sql` with each '?' outside a quoted string made $1, $2, ... and each
 * '?N' made $N (N: 1 to MAX_PARAMS); *n the number of parameters, or -1
 * when one is out of range. */
static char *dollars(const char *sql, int *n)
{
    size_t len = strlen(sql), i, o = 0;
    char *out = cw__malloc(len * 4 + 1);
    bool quoted = false;
    int next = 0;
    *n = 0;
    if (!out)
        return NULL;
    for (i = 0; i < len; i++) {
        int k;
        if (sql[i] == '\'')
            quoted = !quoted;
        if (sql[i] != '?' || quoted) {
            out[o++] = sql[i];
            continue;
        }
        if (sql[i + 1] >= '1' && sql[i + 1] <= '9') {
            k = 0;
            while (sql[i + 1] >= '0' && sql[i + 1] <= '9' && k <= MAX_PARAMS)
                k = 10 * k + (sql[++i] - '0');
        } else {
            k = ++next;
        }
        if (k > MAX_PARAMS) {
            *n = -1;
            return out;
        }
        o += (size_t)snprintf(out + o, 5, "$%d", k);
        if (k > *n)
            *n = k;
    }
    out[o] = '\0';
    return out;
}

bool cw__db_prepare(struct cw__db *db, const char *sql, struct cw__q **out)
{
    struct cw__q *q = cw__calloc(1, sizeof(*q));
    *out = NULL;
    db->err[0] = '\0';
    if (!q) {
        snprintf(db->err, sizeof(db->err), "out of memory");
        return false;
    }
    q->db = db;
    q->row = -1;
    if (db->lite) {
        if (sqlite3_prepare_v2(db->lite, sql, -1, &q->lite, NULL) !=
            SQLITE_OK) {
            cw__free(q);
            return false;
        }
    } else if (!(q->text = dollars(sql, &q->nparams)) || q->nparams < 0) {
        snprintf(db->err, sizeof(db->err), "%s",
                 q->text ? "a statement with too many parameters"
                         : "out of memory");
        cw__free(q->text);
        cw__free(q);
        return false;
    }
    *out = q;
    return true;
}

void cw__q_reset(struct cw__q *q)
{
    if (q->lite) {
        sqlite3_reset(q->lite);
        return;
    }
    PQclear(q->res);
    q->res = NULL;
    q->row = -1;
}

void cw__q_finalize(struct cw__q *q)
{
    if (!q)
        return;
    sqlite3_finalize(q->lite);
    PQclear(q->res);
    cw__free(q->text);
    cw__free(q);
}

/* A PostgreSQL parameter: a new value means a new execution. */
static bool param(struct cw__q *q, int i)
{
    cw__q_reset(q);
    return i >= 1 && i <= MAX_PARAMS;
}

void cw__q_int64(struct cw__q *q, int i, int64_t v)
{
    if (q->lite) {
        sqlite3_bind_int64(q->lite, i, v);
    } else if (param(q, i)) {
        snprintf(q->nums[i - 1], sizeof(q->nums[i - 1]), "%lld",
                 (long long)v);
        q->values[i - 1] = q->nums[i - 1];
        q->formats[i - 1] = 0;
    }
}

void cw__q_double(struct cw__q *q, int i, double v)
{
    if (q->lite) {
        sqlite3_bind_double(q->lite, i, v);
    } else if (param(q, i)) {
        snprintf(q->nums[i - 1], sizeof(q->nums[i - 1]), "%.17g", v);
        q->values[i - 1] = q->nums[i - 1];
        q->formats[i - 1] = 0;
    }
}

void cw__q_text(struct cw__q *q, int i, const char *s)
{
    if (q->lite) {
        if (s)
            sqlite3_bind_text(q->lite, i, s, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(q->lite, i);
    } else if (param(q, i)) {
        q->values[i - 1] = s;
        q->formats[i - 1] = 0;
    }
}

void cw__q_blob(struct cw__q *q, int i, const void *p, size_t n)
{
    if (q->lite) {
        sqlite3_bind_blob(q->lite, i, n ? p : "", (int)n, SQLITE_STATIC);
    } else if (param(q, i)) {
        q->values[i - 1] = n ? p : "";
        q->lengths[i - 1] = (int)n;
        q->formats[i - 1] = 1;
    }
}

int cw__q_step(struct cw__q *q)
{
    ExecStatusType st;
    if (q->lite) {
        int rc = sqlite3_step(q->lite);
        return rc == SQLITE_ROW    ? CW__Q_ROW
               : rc == SQLITE_DONE ? CW__Q_DONE
                                   : CW__Q_ERROR;
    }
    if (!q->res) {
        q->db->err[0] = '\0';
        q->res = PQexecParams(q->db->pg, q->text, q->nparams, NULL,
                              q->values, q->lengths, q->formats, 1);
        st = PQresultStatus(q->res);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            cw__pg_error(q->db->pg, q->res, q->db->err,
                         sizeof(q->db->err));
            q->res = NULL;
            return CW__Q_ERROR;
        }
        q->row = -1;
    }
    return ++q->row < PQntuples(q->res) ? CW__Q_ROW : CW__Q_DONE;
}

static uint64_t be(const char *p, int n)
{
    const unsigned char *u = (const unsigned char *)p;
    uint64_t v = 0;
    int i;
    for (i = 0; i < n; i++)
        v = v << 8 | u[i];
    return v;
}

/* The value of column c, or NULL when NULL or out of the result. */
static const char *pg_value(struct cw__q *q, int c)
{
    if (!q->res || q->row < 0 || q->row >= PQntuples(q->res) || c < 0 ||
        c >= PQnfields(q->res) || PQgetisnull(q->res, q->row, c))
        return NULL;
    return PQgetvalue(q->res, q->row, c);
}

int64_t cw__col_int64(struct cw__q *q, int c)
{
    const char *v;
    int n;
    if (q->lite)
        return sqlite3_column_int64(q->lite, c);
    if (!(v = pg_value(q, c)))
        return 0;
    n = PQgetlength(q->res, q->row, c);
    if (n == 8)
        return (int64_t)be(v, 8);
    if (n == 4)
        return (int32_t)(uint32_t)be(v, 4);
    if (n == 2)
        return (int16_t)(uint16_t)be(v, 2);
    /* A boolean ("x IS NOT NULL"): one byte, 0 or 1. Read as 0 it once
     * made every user look like one without a second factor. */
    return n == 1 ? (unsigned char)v[0] != 0 : 0;
}

double cw__col_double(struct cw__q *q, int c)
{
    const char *v;
    uint64_t bits;
    double d;
    if (q->lite)
        return sqlite3_column_double(q->lite, c);
    if (!(v = pg_value(q, c)) || PQgetlength(q->res, q->row, c) != 8)
        return 0;
    bits = be(v, 8);
    memcpy(&d, &bits, sizeof(d));
    return d;
}

const char *cw__col_text(struct cw__q *q, int c)
{
    if (q->lite)
        return (const char *)sqlite3_column_text(q->lite, c);
    return pg_value(q, c); /* libpq ends every value with a NUL */
}

const void *cw__col_blob(struct cw__q *q, int c)
{
    if (q->lite)
        return sqlite3_column_blob(q->lite, c);
    return pg_value(q, c);
}

size_t cw__col_bytes(struct cw__q *q, int c)
{
    if (q->lite)
        return (size_t)sqlite3_column_bytes(q->lite, c);
    return pg_value(q, c) ? (size_t)PQgetlength(q->res, q->row, c) : 0;
}
