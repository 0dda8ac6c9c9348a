/*
 * api.c - the API's routes about the catalogs, the log and sign-in
 * (`cloudward serve`, serve.c's table).
 *
 * Sign-in: the password and, for the provider's roles, a TOTP code; a
 * new session each time (a session id a client brings is never adopted:
 * no fixation), in an HttpOnly, Secure, SameSite=Strict cookie; its form
 * token comes back in the body. Failed sign-ins are counted per client
 * address as well as per account (the library locks an account after 5):
 * past 10 in 5 minutes an address gets 429 until the window ends.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "http.h"

/* ---- catalog listings ----------------------------------------------------- */

struct listing {
    char *catalog;
    char *json; /* the body */
    size_t len;
    char etag[24];
};

static struct {
    struct listing *listings;
    size_t nlistings;
} L;

/* Each catalog's listing, rendered as `controls list --catalog C --format
 * json` renders it (through a private temporary file). */
static int render_listings(const struct cw_catalogs *cats)
{
    char dir[] = "/tmp/cloudward-serve-XXXXXX", path[64];
    size_t i, n = cw_catalogs_count(cats);
    struct cw_diag d;

    if (!mkdtemp(dir))
        return -1;
    L.listings = calloc(n, sizeof(*L.listings));
    for (i = 0; L.listings && i < n; i++) {
        const struct cw_catalog *cat = cw_catalogs_at(cats, i);
        const struct cw_control **v = calloc(cat->ncontrols + 1, sizeof(*v));
        struct listing *l = &L.listings[L.nlistings];
        FILE *f;
        long len;
        size_t k;
        unsigned long h = 5381;
        if (!v)
            break;
        for (k = 0; k < cat->ncontrols; k++)
            v[k] = &cat->controls[k];
        snprintf(path, sizeof(path), "%s/listing.json", dir);
        cw_diag_clear(&d);
        if (cw_report_controls(v, cat->ncontrols, CW_FORMAT_JSON, path, &d) ||
            !(f = fopen(path, "rb"))) {
            free(v);
            continue;
        }
        free(v);
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        fseek(f, 0, SEEK_SET);
        l->json = malloc(len > 0 ? (size_t)len : 1);
        if (l->json && len > 0 && fread(l->json, 1, (size_t)len, f) == (size_t)len) {
            l->len = (size_t)len;
            l->catalog = strdup(cat->name);
            for (k = 0; k < l->len; k++)
                h = h * 33 + (unsigned char)l->json[k];
            snprintf(l->etag, sizeof(l->etag), "\"%016lx\"", h);
            L.nlistings++;
        } else {
            free(l->json);
            l->json = NULL;
        }
        fclose(f);
        remove(path);
    }
    rmdir(dir);
    return L.listings && L.nlistings == n ? 0 : -1;
}

int listings_load(void)
{
    struct cw_catalogs *cats = NULL;
    struct cw_diag d;
    int rc;
    cw_diag_clear(&d);
    if (cw_catalogs_new(NULL, &cats, &d)) {
        fprintf(stderr, "cloudward: cannot load the catalogs: %s\n", d.msg);
        return -1;
    }
    rc = render_listings(cats);
    cw_catalogs_free(cats);
    if (rc)
        fprintf(stderr, "cloudward: cannot render the catalogs\n");
    return rc;
}

void listings_free(void)
{
    size_t i;
    for (i = 0; i < L.nlistings; i++) {
        free(L.listings[i].catalog);
        free(L.listings[i].json);
    }
    free(L.listings);
    L.listings = NULL;
    L.nlistings = 0;
}

enum MHD_Result h_controls(struct ctx *x)
{
    const char *catalog = query(x, "catalog");
    const char *inm = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND,
                                                  "If-None-Match");
    size_t i;

    if (!catalog)
        return problem(x, 400, "name a catalog: ?catalog=iso27002:2022");
    for (i = 0; i < L.nlistings; i++) {
        const struct listing *l = &L.listings[i];
        if (strcmp(l->catalog, catalog) != 0)
            continue;
        if (etag_match(inm, l->etag))
            return reply(x, 304, "application/json", "", 0, false, l->etag);
        return reply(x, 200, "application/json", l->json, l->len, false,
                     l->etag);
    }
    return problem(x, 404,
                   "no such catalog (cloudward controls list shows them)");
}

/*
 * GET /api/v1/log?offset=N&limit=M[&tenant=T]: a page of the log as a JSON
 * array of `cloudward log show --format json` lines (each entry with its
 * inclusion proof against the latest checkpoint, and the checkpoint).
 * A tenant's caller sees its own tenant's entries and nothing else:
 * asking for another tenant is answered as a tenant that does not exist
 * would be (and recorded as a refusal). The provider's roles see every
 * entry, or one tenant's.
 */
enum MHD_Result h_log(struct ctx *x)
{
    const struct who *w = &x->q->who;
    const char *want = query(x, "tenant");
    long long offset = query_number(x, "offset", 0, 1000000000000LL),
              limit = query_number(x, "limit", 100, 1000);
    struct cw_ledger *l;
    struct cw_diag d;
    enum MHD_Result ret;
    enum cw_status st;
    const char *tenant;
    char *buf = NULL;
    size_t len = 0, i;
    FILE *m;

    if (offset < 0 || limit < 1)
        return problem(x, 400, "offset: 0 or more; limit: 1 to 1000");
    if (cw_grant_is_tenant(w->role)) {
        if (want && strcmp(want, w->tenant) != 0)
            return refuse(x, 404, "no such tenant");
        tenant = w->tenant;
    } else {
        tenant = want;
    }
    if (!(l = ledger()))
        return problem(x, 404, "the store has no ledger yet");
    if (!(m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    cw_diag_clear(&d);
    cw_ledger_view_as(l, tenant);
    st = cw_ledger_show_page(l, tenant, (uint64_t)offset, (uint64_t)limit,
                             true, m, &d);
    cw_ledger_view_as(l, NULL);
    if (fclose(m) != 0 || st) {
        free(buf);
        return problem(x, 500,
                       st == CW_EINTEGRITY ? "the log does not verify; the "
                                             "provider has been told"
                                           : "the log cannot be read");
    }
    /* JSON lines into one array: a comma for each newline but the last. */
    for (i = 0; i + 1 < len; i++)
        if (buf[i] == '\n')
            buf[i] = ',';
    {
        char *body = malloc(len + 3);
        if (!body) {
            free(buf);
            return problem(x, 500, "out of memory");
        }
        body[0] = '[';
        memcpy(body + 1, buf, len);
        if (len && body[len] == '\n')
            len--;
        body[len + 1] = ']';
        body[len + 2] = '\n';
        ret = reply(x, 200, "application/json", body, len + 3, true, NULL);
        free(body);
    }
    free(buf);
    return ret;
}

/* ---- sign-in ------------------------------------------------------------------ */

/* Failed sign-ins per client address, in a small table: a slot per
 * address hash; a collision shares a slot (stricter, never looser). */
#define SLOTS 4096
#define WINDOW 300
#define MAX_FAILS 10

static struct {
    pthread_mutex_t lock;
    struct {
        unsigned long long key;
        long long start;
        unsigned fails;
    } slot[SLOTS];
} throttle = { PTHREAD_MUTEX_INITIALIZER, { { 0, 0, 0 } } };

/* Addresses are hashed with a key of this run (SipHash): a client
 * cannot pick addresses that share a slot with another's. */
static unsigned char addr_hash_key[crypto_shorthash_KEYBYTES];
static pthread_once_t addr_hash_once = PTHREAD_ONCE_INIT;

static void addr_hash_keygen(void)
{
    randombytes_buf(addr_hash_key, sizeof(addr_hash_key));
}

static unsigned long long addr_key(const char *addr)
{
    unsigned char h[8];
    unsigned long long v;
    pthread_once(&addr_hash_once, addr_hash_keygen);
    crypto_shorthash(h, (const unsigned char *)addr, strlen(addr),
                     addr_hash_key);
    memcpy(&v, h, sizeof(v));
    return v | 1;
}

/* True when `addr` may try now; with `failed`, counts one failure. */
static bool throttle_ok(const char *addr, bool failed, long long now)
{
    unsigned long long key = addr_key(addr);
    size_t i = (size_t)(key % SLOTS);
    bool ok;
    pthread_mutex_lock(&throttle.lock);
    if (throttle.slot[i].key != key || now - throttle.slot[i].start >= WINDOW) {
        throttle.slot[i].key = key;
        throttle.slot[i].start = now;
        throttle.slot[i].fails = 0;
    }
    if (failed)
        throttle.slot[i].fails++;
    ok = throttle.slot[i].fails < MAX_FAILS;
    pthread_mutex_unlock(&throttle.lock);
    return ok;
}

static void who_json(FILE *m, const struct who *w)
{
    fputs("{\"kind\":", m);
    cw_json_quote(m, w->kind == WHO_SESSION ? "session" : "token");
    fputs(",\"id\":", m);
    cw_json_quote(m, w->id);
    if (w->kind == WHO_SESSION) {
        char csrf[CW_CSRF_TEXT];
        fputs(",\"login\":", m);
        cw_json_quote(m, w->login);
        cw_session_csrf(w->session, csrf);
        fputs(",\"csrf\":", m);
        cw_json_quote(m, csrf);
    }
    fputs(",\"role\":", m);
    cw_json_quote(m, cw_grant_name(w->role));
    fputs(",\"tenant\":", m);
    json_opt(m, w->tenant[0] ? w->tenant : NULL);
    fputs("}\n", m);
}

static enum MHD_Result with_cookie(struct ctx *x, unsigned status,
                                   const char *cookie, FILE *m, char *buf,
                                   size_t len)
{
    struct MHD_Response *r;
    enum MHD_Result ok;
    (void)m;
    r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(buf);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Set-Cookie", cookie);
    secure(r, false);
    x->q->status = status;
    x->q->bytes = len;
    ok = MHD_queue_response(x->c, status, r);
    MHD_destroy_response(r);
    return ok;
}

unsigned signin(struct ctx *x, char *cookie, size_t n)
{
    const char *login = field(x, "login"), *password = field(x, "password"),
               *code = field(x, "code"),
               *old = MHD_lookup_connection_value(x->c, MHD_COOKIE_KIND,
                                                  "cw_session");
    struct cw_access *a = access_tables();
    long long now = (long long)time(NULL);
    char addr[64], session[CW_SESSION_TEXT];
    struct cw_user_info u;
    struct who *w = &x->q->who;
    struct cw_diag d;

    cookie[0] = '\0';
    x->q->no_challenge = true;
    if (!a)
        return 503;
    /* Login CSRF: a page elsewhere must not sign a browser in. */
    {
        const char *origin = MHD_lookup_connection_value(
                       x->c, MHD_HEADER_KIND, "Origin"),
                   *host = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND,
                                                       "Host"),
                   *p = origin ? strstr(origin, "://") : NULL;
        if (origin && (!p || !host || strcmp(p + 3, host) != 0))
            return 403;
    }
    if (!login || !password)
        return 400;
    client_address(x->c, addr, sizeof(addr));
    if (!throttle_ok(addr, false, now))
        return 429;
    cw_diag_clear(&d);
    if (cw_user_signin(a, login, password, code, now, addr, &u, &d)) {
        throttle_ok(addr, true, now);
        return 401;
    }
    /* Whatever session the client held ends here: never carried over. */
    if (old)
        (void)cw_session_close(a, old, &d);
    w->kind = WHO_SESSION;
    snprintf(w->id, sizeof(w->id), "%s", u.id);
    snprintf(w->login, sizeof(w->login), "%s", u.login);
    snprintf(w->tenant, sizeof(w->tenant), "%s", u.tenant ? u.tenant : "");
    w->role = u.role;
    cw_diag_clear(&d);
    if (cw_session_open(a, w->id, now, session, &d))
        return 500;
    snprintf(w->session, sizeof(w->session), "%s", session);
    snprintf(cookie, n,
             "cw_session=%s; Path=/; HttpOnly; Secure; SameSite=Strict; "
             "Max-Age=%d",
             session, CW_SESSION_SECONDS);
    sodium_memzero(session, sizeof(session));
    return 201;
}

/* POST /api/v1/session {login, password[, code]}: signs in. */
enum MHD_Result h_session_new(struct ctx *x)
{
    char cookie[CW_SESSION_TEXT + 96];
    enum MHD_Result ret;
    char *buf = NULL;
    size_t len = 0;
    FILE *m;

    switch (signin(x, cookie, sizeof(cookie))) {
    case 201:
        break;
    case 503:
        return problem(x, 503, "the store cannot be read; see the server's "
                               "log");
    case 403:
        return problem(x, 403, "a sign-in from another site's page");
    case 400:
        return problem(x, 400, "send login and password (and code, the "
                               "authenticator's six digits, for the "
                               "provider's roles)");
    case 429:
        return problem(x, 429, "too many failed sign-ins from this address: "
                               "wait five minutes");
    case 401:
        return problem(x, 401, "the login, password or code is not right, "
                               "or the account is locked");
    default:
        return problem(x, 500, "cannot open a session");
    }
    if (!(m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    who_json(m, &x->q->who);
    if (fclose(m) != 0) {
        free(buf);
        return problem(x, 500, "out of memory");
    }
    ret = with_cookie(x, 201, cookie, NULL, buf, len);
    sodium_memzero(cookie, sizeof(cookie));
    return ret;
}

/* GET /api/v1/session: who the caller is (and a session's form token). */
enum MHD_Result h_session_get(struct ctx *x)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return problem(x, 500, "out of memory");
    who_json(m, &x->q->who);
    return reply_json(x, 200, m, &buf, &len);
}

/* DELETE /api/v1/session: signs out. */
enum MHD_Result h_session_end(struct ctx *x)
{
    struct cw_access *a = access_tables();
    struct cw_diag d;
    char *buf = malloc(1);
    cw_diag_clear(&d);
    if (!a || cw_session_close(a, x->q->who.session, &d)) {
        free(buf);
        return problem(x, 500, "cannot end the session");
    }
    if (!buf)
        return MHD_NO;
    return with_cookie(x, 204,
                       "cw_session=; Path=/; HttpOnly; Secure; "
                       "SameSite=Strict; Max-Age=0",
                       NULL, buf, 0);
}
