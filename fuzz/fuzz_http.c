/*
 * fuzz_http.c - libFuzzer target over the server's request handling:
 * the input is the raw bytes a client sends on one connection (request
 * line, headers, cookies, query strings, bodies; several pipelined
 * requests), handed to the real daemon of `cloudward serve` through a
 * socket pair (libmicrohttpd's parser, our routing, authentication, form
 * token checks, field parsing and handlers, on a real store).
 *
 * Placeholders in the input stand for credentials, so the fuzzer can get
 * past authentication: "@A" an admin's token, "@C" a token of tenant
 * globex's customer, "@S" globex's user's session cookie value, "@X" its
 * form token.
 *
 * Oracles: the sanitizers, and tenant isolation: initech's document,
 * log entries and register records (and the free text of a breach it
 * shares with globex) carry the marker INITECH-SECRET; an answer to a request
 * made as globex (with @C or @S and not @A, and without the marker in the
 * request itself, which an error message may quote) must never contain
 * it.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include <cloudward/cloudward.h>

#include "../src/server/serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MARKER "INITECH-SECRET"

static struct MHD_Daemon *daemon_;
static char store[64];
static char tok_admin[CW_TOKEN_TEXT], tok_customer[CW_TOKEN_TEXT];
static char session[CW_SESSION_TEXT], csrf[CW_CSRF_TEXT];

static void cleanup(void)
{
    char cmd[128];
    if (daemon_)
        serve_finish(daemon_);
    daemon_ = NULL;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", store);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_http: cannot remove %s\n", store);
}

static void must(enum cw_status st, const struct cw_diag *d, const char *what)
{
    if (st) {
        fprintf(stderr, "fuzz_http: setup: %s: %s\n", what, d->msg);
        abort();
    }
}

static void put_doc(struct cw_access *a, const char *id, const char *title,
                    enum cw_doc_class cls, const char *tenant,
                    const char *agreement, const char *text)
{
    struct cw_doc c;
    struct cw_diag d;
    long long v;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s", id);
    snprintf(c.title, sizeof(c.title), "%s", title);
    snprintf(c.type, sizeof(c.type), "policy");
    c.cls = cls;
    snprintf(c.tenant, sizeof(c.tenant), "%s", tenant ? tenant : "");
    snprintf(c.agreement, sizeof(c.agreement), "%s",
             agreement ? agreement : "");
    snprintf(c.name, sizeof(c.name), "%s.txt", id);
    cw_diag_clear(&d);
    must(cw_document_put(a, &c, text, strlen(text), "fuzz", time(NULL), &v,
                         &d),
         &d, id);
}

static void setup(void)
{
    struct cw_access *a;
    struct cw_ledger *l;
    struct cw_diag d;
    struct cw_user_info u;
    char id[CW_TOKEN_ID], otp[CW_OTPAUTH_LEN], note[1024];
    long long now = (long long)time(NULL), v;
    struct cw_log_event ev[2];

    snprintf(store, sizeof(store), "/tmp/cw-fuzz-http-XXXXXX");
    if (!mkdtemp(store))
        abort();
    atexit(cleanup);
    cw_diag_clear(&d);
    must(cw_access_open(store, true, &a, &d), &d, "open");
    must(cw_tenant_add(a, "globex", "Globex", "fuzz", &d), &d, "globex");
    must(cw_tenant_add(a, "initech", "Initech", "fuzz", &d), &d, "initech");
    must(cw_token_create(a, "admin", CW_GRANT_ADMIN, NULL, now + 86400,
                         "fuzz", tok_admin, id, &d),
         &d, "admin token");
    must(cw_token_create(a, "cust", CW_GRANT_CUSTOMER, "globex", now + 86400,
                         "fuzz", tok_customer, id, &d),
         &d, "customer token");
    must(cw_user_add(a, "g1", CW_GRANT_CUSTOMER, "globex",
                     "globex-password-long", "fuzz", otp, &d),
         &d, "user");
    must(cw_user_signin(a, "g1", "globex-password-long", NULL, now,
                        "127.0.0.1", &u, &d),
         &d, "sign-in");
    must(cw_session_open(a, u.id, now, session, &d), &d, "session");
    cw_session_csrf(session, csrf);
    must(cw_agreement_put(a, "nda", "NDA", "Terms.", "fuzz", now, &v, &d),
         &d, "agreement");
    put_doc(a, "policy", "Policy", CW_DOC_PUBLIC, NULL, NULL, "public text");
    put_doc(a, "soc2", "SOC 2", CW_DOC_GATED, NULL, "nda", "gated text");
    put_doc(a, "globex-plan", "Globex plan", CW_DOC_TENANT, "globex", NULL,
            "globex text");
    put_doc(a, "initech-plan", MARKER " plan", CW_DOC_TENANT, "initech",
            NULL, MARKER " text");
    /* Registers: initech's own record, and a breach shared with globex
     * whose free text (which globex's view must leave out) is marked. */
    {
        static const char regs[] =
            "register: breaches\n"
            "records:\n"
            "  - id: br-shared\n"
            "    detected: 2026-12-01T10:00:00Z\n"
            "    confirmed: 2026-12-01T12:00:00Z\n"
            "    customers: [globex, initech]\n"
            "    pii_categories: [email]\n"
            "    description: " MARKER " details\n"
            "    notifications:\n"
            "      - {customer: initech, at: 2026-12-01T13:00:00Z}\n"
            "  - id: br-initech\n"
            "    detected: 2026-12-01T10:00:00Z\n"
            "    customers: [initech]\n"
            "    pii_categories: [" MARKER "]\n";
        struct cw_reg_input *in = NULL;
        size_t counts[3];
        must(cw_reg_input_read("fuzz.yaml", regs, sizeof(regs) - 1, -1, &in,
                               &d),
             &d, "registers");
        must(cw_register_put_input(a, in, CW_REG_ADD, NULL, "fuzz", now,
                                   counts, &d),
             &d, "registers");
        cw_reg_input_free(in);
    }
    cw_access_close(a);
    /* Log entries of both tenants, and a checkpoint over them. */
    memset(ev, 0, sizeof(ev));
    ev[0].actor = ev[1].actor = "svc";
    ev[0].action = ev[1].action = "scan.host";
    ev[0].target = "globex-host";
    ev[0].tenant = "globex";
    ev[1].target = MARKER "-host";
    ev[1].tenant = "initech";
    ev[0].file = ev[1].file = "(fuzz)";
    must(cw_ledger_open(store, &l, &d), &d, "ledger");
    must(cw_ledger_append(l, ev, 2, NULL, NULL, &d), &d, "append");
    must(cw_ledger_checkpoint(l, note, sizeof(note), &d), &d, "checkpoint");
    cw_ledger_close(l);
    if (serve_init(store) != 0 || !(daemon_ = serve_unlistened()))
        abort();
}

/* The input with its placeholders replaced, into out (cap bytes). */
static size_t expand(const uint8_t *in, size_t n, char *out, size_t cap,
                     int *as_globex)
{
    size_t i, o = 0;
    int admin = 0;
    *as_globex = 0;
    for (i = 0; i < n && o < cap; i++) {
        const char *sub = NULL;
        if (in[i] == '@' && i + 1 < n) {
            switch (in[i + 1]) {
            case 'A': sub = tok_admin; admin = 1; break;
            case 'C': sub = tok_customer; *as_globex = 1; break;
            case 'S': sub = session; *as_globex = 1; break;
            case 'X': sub = csrf; break;
            }
        }
        if (sub) {
            size_t k = strlen(sub);
            if (o + k > cap)
                break;
            memcpy(out + o, sub, k);
            o += k;
            i++;
        } else {
            out[o++] = (char)in[i];
        }
    }
    /* With the admin's token anywhere, the answer may be the admin's. */
    if (admin)
        *as_globex = 0;
    return o;
}

static long ms(const struct timespec *a, const struct timespec *b)
{
    return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char req[1 << 17];
    static char resp[1 << 22];
    struct sockaddr_in sa;
    size_t n, sent = 0, got = 0;
    int sv[2], as_globex;
    long cap;
    struct timespec t0, t1;

    if (!daemon_)
        setup();
    n = expand(data, size, req, sizeof(req), &as_globex);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return 0;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(40000);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (MHD_add_connection(daemon_, sv[0], (struct sockaddr *)&sa,
                           sizeof(sa)) != MHD_YES) {
        close(sv[0]);
        close(sv[1]);
        return 0;
    }
    /* Write the request and read the answer, together: a large request
     * could fill the socket while the server answers early. Reading stops
     * at the server's close, 5 ms after its last byte, or when nothing
     * came for `cap` ms: a request the server still waits on (libmicro-
     * httpd does not end a half-sent request at the client's half-close;
     * its own timeout does). Handlers answer in a millisecond or two; a
     * sign-in's Argon2id takes longer, so a request naming the session
     * route gets more time. */
    cap = memmem(req, n, "/session", 8) ? 400 : 30;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    t1 = t0;
    for (;;) {
        struct pollfd p = { sv[1], POLLIN | (sent < n ? POLLOUT : 0), 0 };
        struct timespec now;
        ssize_t k;
        if (poll(&p, 1, 10) < 0 && errno != EINTR)
            break;
        if ((p.revents & POLLOUT) && sent < n) {
            k = send(sv[1], req + sent, n - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (k > 0)
                sent += (size_t)k;
            if (k < 0 && errno != EAGAIN)
                sent = n;
            if (sent == n)
                shutdown(sv[1], SHUT_WR);
        }
        if (n == 0 && sent == 0)
            shutdown(sv[1], SHUT_WR);
        if (p.revents & (POLLIN | POLLHUP)) {
            k = recv(sv[1], resp + got, sizeof(resp) - 1 - got, MSG_DONTWAIT);
            if (k == 0 || (k < 0 && errno != EAGAIN))
                break;
            if (k > 0) {
                got += (size_t)k;
                clock_gettime(CLOCK_MONOTONIC, &t1);
            }
            if (got == sizeof(resp) - 1)
                break;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (ms(&t0, &now) > cap || (got && sent == n && ms(&t1, &now) > 5))
            break;
    }
    close(sv[1]);
    resp[got] = '\0';
    if (as_globex && !memmem(req, n, MARKER, strlen(MARKER)) &&
        memmem(resp, got, MARKER, strlen(MARKER))) {
        fprintf(stderr, "fuzz_http: initech's data in an answer to globex\n"
                        "request:\n%.*s\nanswer:\n%.*s\n",
                (int)n, req, (int)got, resp);
        abort();
    }
    return 0;
}
