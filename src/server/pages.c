/*
 * pages.c - the web pages of `cloudward serve`: server-rendered HTML
 * over the same library calls as the API, for people signed in with a
 * session. Every form posts with the session's form token; every page
 * works without JavaScript (app.js only filters tables as one types and
 * asks before an irreversible step). No inline script or style: the
 * Content-Security-Policy is default-src 'self'.
 *
 * What a tenant's user sees is decided by the library, as in the API
 * (portal_api.c): public and gated documents, their own tenant's, their
 * own log entries and notices; never another tenant's, which are
 * answered as missing ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "http.h"

/* ---- writing HTML ----------------------------------------------------------- */

/* Text into HTML: the five characters that matter escaped. */
static void esc(FILE *m, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", m); break;
        case '<': fputs("&lt;", m); break;
        case '>': fputs("&gt;", m); break;
        case '"': fputs("&quot;", m); break;
        case '\'': fputs("&#39;", m); break;
        default: fputc(*s, m);
        }
    }
}

static bool is_provider(const struct who *w)
{
    return !cw_grant_is_tenant(w->role);
}

static bool is_editor(const struct who *w)
{
    return w->role == CW_GRANT_ADMIN || w->role == CW_GRANT_COMPLIANCE;
}

/* The hidden field every form carries. */
static void csrf_field(FILE *m, const struct who *w)
{
    char csrf[CW_CSRF_TEXT];
    cw_session_csrf(w->session, csrf);
    fprintf(m, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", csrf);
    sodium_memzero(csrf, sizeof(csrf));
}

static void page_begin(FILE *m, const char *title, const struct who *w)
{
    fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, "
          "initial-scale=1\"><link rel=\"icon\" "
          "href=\"/assets/favicon.svg\"><title>",
          m);
    esc(m, title);
    fputs(" · cloudward</title><link rel=\"stylesheet\" "
          "href=\"/assets/app.css\"><script src=\"/assets/app.js\" defer>"
          "</script></head><body>",
          m);
    fputs("<header><a class=\"brand\" href=\"/portal\">cloudward</a>", m);
    if (w && w->kind == WHO_SESSION) {
        fputs("<nav aria-label=\"Main\"><a href=\"/portal\">Dashboard</a>"
              "<a href=\"/documents\">Documents</a>",
              m);
        if (is_provider(w))
            fputs("<a href=\"/soa\">SoA</a><a href=\"/fleet\">Fleet</a>"
                  "<a href=\"/alerts\">Alerts</a>",
                  m);
        fputs("<a href=\"/matrix\">Matrix</a><a href=\"/registers\">"
              "Registers</a><a href=\"/log\">Log</a>"
              "<a href=\"/notices\">Notices</a>",
              m);
        if (is_editor(w))
            fputs("<a href=\"/admin\">Admin</a>", m);
        if (w->role == CW_GRANT_ADMIN ||
            w->role == CW_GRANT_CUSTOMER_ADMIN)
            fputs("<a href=\"/people\">People</a>", m);
        fputs("</nav><form class=\"signout\" method=\"post\" "
              "action=\"/signout\">",
              m);
        csrf_field(m, w);
        fputs("<span>", m);
        esc(m, w->login);
        if (w->tenant[0]) {
            fputs(" · ", m);
            esc(m, w->tenant);
        }
        fputs("</span> <button type=\"submit\">Sign out</button></form>", m);
    }
    fputs("</header><main>", m);
    fputs("<h1>", m);
    esc(m, title);
    fputs("</h1>", m);
}

static enum MHD_Result page_end(struct ctx *x, unsigned status, FILE *m,
                                char **buf, size_t *len)
{
    fputs("</main><footer>cloudward ", m);
    esc(m, cw_version());
    fputs("</footer></body></html>\n", m);
    return reply_stream(x, status, "text/html; charset=utf-8", m, buf, len);
}


/* A page that only says something (an error, a refusal). */
static enum MHD_Result message(struct ctx *x, unsigned status,
                               const char *title, const char *text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return problem(x, 500, "out of memory");
    page_begin(m, title, &x->q->who);
    fputs("<p class=\"notice\" role=\"alert\">", m);
    esc(m, text);
    fputs("</p><p><a href=\"/portal\">Back to the dashboard</a></p>", m);
    return page_end(x, status, m, &buf, &len);
}

enum MHD_Result page_problem(struct ctx *x, unsigned status,
                             const char *detail)
{
    char title[64];
    snprintf(title, sizeof(title), "%u", status);
    return message(x, status, title, detail);
}

static void when(FILE *m, long long t)
{
    char s[32];
    time_t tt = (time_t)t;
    struct tm tm;
    strftime(s, sizeof(s), "%Y-%m-%d %H:%M UTC", gmtime_r(&tt, &tm));
    fputs(s, m);
}

/* ---- sign-in and out ---------------------------------------------------------- */

enum MHD_Result h_page_root(struct ctx *x)
{
    const char *cookie = MHD_lookup_connection_value(x->c, MHD_COOKIE_KIND,
                                                     "cw_session");
    struct cw_access *a = access_tables();
    struct cw_user_info u;
    struct cw_diag d;
    cw_diag_clear(&d);
    if (a && cookie &&
        !cw_session_check(a, cookie, (long long)time(NULL), &u, &d))
        return redirect(x, "/portal", NULL);
    return redirect(x, "/signin", NULL);
}

static enum MHD_Result signin_form(struct ctx *x, unsigned status,
                                   const char *error)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return problem(x, 500, "out of memory");
    page_begin(m, "Sign in", NULL);
    if (error) {
        fputs("<p class=\"notice\" role=\"alert\">", m);
        esc(m, error);
        fputs("</p>", m);
    }
    fputs("<form class=\"card narrow\" method=\"post\" action=\"/signin\">"
          "<label for=\"login\">Login</label>"
          "<input id=\"login\" name=\"login\" autocomplete=\"username\" "
          "required autofocus>"
          "<label for=\"password\">Password</label>"
          "<input id=\"password\" name=\"password\" type=\"password\" "
          "autocomplete=\"current-password\" required>"
          "<label for=\"code\">Authenticator code <small>(the provider's "
          "staff)</small></label>"
          "<input id=\"code\" name=\"code\" inputmode=\"numeric\" "
          "autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\">"
          "<button type=\"submit\">Sign in</button></form>",
          m);
    return page_end(x, status, m, &buf, &len);
}

enum MHD_Result h_page_signin(struct ctx *x)
{
    return signin_form(x, 200, NULL);
}

enum MHD_Result h_page_signin_post(struct ctx *x)
{
    char cookie[CW_SESSION_TEXT + 96];
    unsigned status = signin(x, cookie, sizeof(cookie));
    enum MHD_Result ret;
    if (status == 201) {
        ret = redirect(x, "/portal", cookie);
        sodium_memzero(cookie, sizeof(cookie));
        return ret;
    }
    if (status == 429)
        return signin_form(x, 429, "Too many failed sign-ins from this "
                                   "address: wait five minutes.");
    if (status == 403)
        return signin_form(x, 403, "Sign in from this site's own page.");
    return signin_form(x, status == 400 ? 400 : 401,
                       "The login, password or code is not right, or the "
                       "account is locked.");
}

enum MHD_Result h_page_signout(struct ctx *x)
{
    struct cw_access *a = access_tables();
    struct cw_diag d;
    cw_diag_clear(&d);
    if (a)
        (void)cw_session_close(a, x->q->who.session, &d);
    return redirect(x, "/signin",
                     "cw_session=; Path=/; HttpOnly; Secure; "
                     "SameSite=Strict; Max-Age=0");
}

/* ---- charts ------------------------------------------------------------------- */

/* A horizontal bar chart as inline SVG (drawn by the server: no script),
 * with a text table beside it for screen readers and printing. */
static void bars(FILE *m, const char *title, const char *const *labels,
                 const size_t *values, size_t n)
{
    size_t i, max = 1, total = 0;
    unsigned h = (unsigned)(n * 28 + 8);
    for (i = 0; i < n; i++) {
        if (values[i] > max)
            max = values[i];
        total += values[i];
    }
    fputs("<figure class=\"chart\"><figcaption>", m);
    esc(m, title);
    fprintf(m, " <small>(%zu)</small></figcaption>", total);
    fprintf(m,
            "<svg viewBox=\"0 0 420 %u\" width=\"100%%\" role=\"img\" "
            "aria-label=\"",
            h);
    esc(m, title);
    fputs("\">", m);
    for (i = 0; i < n; i++) {
        unsigned w = (unsigned)(values[i] * 250 / max);
        unsigned y = (unsigned)(i * 28 + 4);
        fprintf(m, "<text x=\"0\" y=\"%u\" class=\"l\">", y + 16);
        esc(m, labels[i]);
        fprintf(m,
                "</text><rect x=\"140\" y=\"%u\" width=\"%u\" height=\"20\" "
                "class=\"b%zu\"></rect><text x=\"%u\" y=\"%u\" "
                "class=\"v\">%zu</text>",
                y, w ? w : 1, i % 6, 146 + w, y + 16, values[i]);
    }
    fputs("</svg><table class=\"sr\"><tbody>", m);
    for (i = 0; i < n; i++) {
        fputs("<tr><th scope=\"row\">", m);
        esc(m, labels[i]);
        fprintf(m, "</th><td>%zu</td></tr>", values[i]);
    }
    fputs("</tbody></table></figure>", m);
}

/* A percentage of thousandths, one decimal: "89.3". */
static void pct_text(char *out, size_t n, long long earned, long long possible)
{
    long long t = possible ? (earned * 1000 + possible / 2) / possible : 0;
    snprintf(out, n, "%lld.%lld", t / 10, t % 10);
}

/* The score over time: a line of each day's percentage, 0 to 100, with
 * the first and last day and the values as a table for screen readers. */
struct history {
    struct cw_score_day v[92];
    size_t n;
};

static int history_day(void *arg, const struct cw_score_day *day)
{
    struct history *h = arg;
    if (h->n < sizeof(h->v) / sizeof(h->v[0]))
        h->v[h->n++] = *day;
    return 0;
}

static void line_chart(FILE *m, const char *title, const struct history *h)
{
    const unsigned w = 600, ht = 180, left = 40, top = 10, bottom = 24;
    const unsigned pw = w - left - 10, ph = ht - top - bottom;
    char p[48];
    size_t i;

    fputs("<figure class=\"chart\"><figcaption>", m);
    esc(m, title);
    fprintf(m, "</figcaption><svg viewBox=\"0 0 %u %u\" width=\"100%%\" "
               "role=\"img\" aria-label=\"",
            w, ht);
    esc(m, title);
    fputs("\">", m);
    for (i = 0; i <= 4; i++) { /* 0, 25, ... 100 % */
        unsigned y = top + ph - (unsigned)(i * ph / 4);
        fprintf(m, "<line x1=\"%u\" x2=\"%u\" y1=\"%u\" y2=\"%u\" "
                   "class=\"grid\"></line><text x=\"0\" y=\"%u\" "
                   "class=\"l\">%zu%%</text>",
                left, left + pw, y, y, y + 4, i * 25);
    }
    if (h->n) {
        fputs("<polyline class=\"line\" fill=\"none\" points=\"", m);
        for (i = 0; i < h->n; i++) {
            const struct cw_score_day *d = &h->v[i];
            unsigned x = left + (h->n > 1 ? (unsigned)(i * pw / (h->n - 1))
                                          : pw / 2);
            long long t = d->possible ? d->earned * 1000 / d->possible : 0;
            unsigned y = top + ph - (unsigned)(t * ph / 1000);
            fprintf(m, "%s%u,%u", i ? " " : "", x, y);
        }
        fputs("\"></polyline>", m);
        fprintf(m, "<text x=\"%u\" y=\"%u\" class=\"l\">%s</text>"
                   "<text x=\"%u\" y=\"%u\" class=\"l\" "
                   "text-anchor=\"end\">%s</text>",
                left, ht - 4, h->v[0].date, left + pw, ht - 4,
                h->v[h->n - 1].date);
    }
    fputs("</svg><table class=\"sr\"><tbody>", m);
    for (i = 0; i < h->n; i++) {
        pct_text(p, sizeof(p), h->v[i].earned, h->v[i].possible);
        fprintf(m, "<tr><th scope=\"row\">%s</th><td>%s%%</td></tr>",
                h->v[i].date, p);
    }
    fputs("</tbody></table></figure>", m);
}

/* The score by area: one bar per group, its share of its points. */
static void pct_bars(FILE *m, const char *title,
                     const struct cw_score_group *g, size_t n)
{
    char p[48];
    size_t i;
    unsigned h = (unsigned)(n * 22 + 8);

    fputs("<figure class=\"chart\"><figcaption>", m);
    esc(m, title);
    fprintf(m, "</figcaption><svg viewBox=\"0 0 420 %u\" width=\"100%%\" "
               "role=\"img\" aria-label=\"",
            h);
    esc(m, title);
    fputs("\">", m);
    for (i = 0; i < n; i++) {
        long long t = g[i].possible ? g[i].earned * 1000 / g[i].possible : 0;
        unsigned w = (unsigned)(t * 250 / 1000), y = (unsigned)(i * 22 + 4);
        pct_text(p, sizeof(p), g[i].earned, g[i].possible);
        fprintf(m, "<text x=\"0\" y=\"%u\" class=\"l\">", y + 14);
        esc(m, g[i].key);
        fprintf(m, "</text><rect x=\"110\" y=\"%u\" width=\"%u\" "
                   "height=\"16\" class=\"b%zu\"></rect><text x=\"%u\" "
                   "y=\"%u\" class=\"v\">%s%%</text>",
                y, w ? w : 1, i % 6, 116 + w, y + 14, p);
    }
    fputs("</svg><table class=\"sr\"><tbody>", m);
    for (i = 0; i < n; i++) {
        pct_text(p, sizeof(p), g[i].earned, g[i].possible);
        fputs("<tr><th scope=\"row\">", m);
        esc(m, g[i].key);
        fprintf(m, "</th><td>%s%%</td></tr>", p);
    }
    fputs("</tbody></table></figure>", m);
}

/* The provider's dashboard beyond the tiles: the score now, over 30
 * days and by clause; open alerts; the fleet; the next deadlines. */
struct alert_count {
    size_t n, by[5];
    FILE *top;  /* the newest few, as list items */
};

static int count_alert(void *arg, const struct cw_alert *x)
{
    struct alert_count *c = arg;
    enum cw_severity s;
    if (c->top && c->n < 5) {
        fprintf(c->top, "<li><span class=\"sev %s\">%s</span> ",
                x->severity, x->severity);
        esc(c->top, x->subject);
        fprintf(c->top, "%s</li>", x->owner ? "" : " <small>(no owner)</small>");
    }
    c->n++;
    if (cw_severity_parse(x->severity, &s))
        c->by[s]++;
    return 0;
}

struct fleet_count {
    size_t n, silent;
    long long now;
};

static int count_agent(void *arg, const struct cw_agent *g)
{
    struct fleet_count *f = arg;
    f->n++;
    f->silent += cw_agent_silent(g, f->now);
    return 0;
}

static int by_due(const void *a, const void *b)
{
    const struct cw_duty *x = *(const struct cw_duty *const *)a,
                         *y = *(const struct cw_duty *const *)b;
    return x->due < y->due ? -1 : x->due > y->due;
}

static void provider_board(struct ctx *x, FILE *m, const struct cw_soa *soa)
{
    struct cw_access *a = access_tables();
    struct cw_score *sc = NULL;
    struct alert_count ac;
    struct fleet_count fc;
    struct cw_registers *g = NULL;
    struct history *h = calloc(1, sizeof(*h));
    struct cw_diag d;
    char p[48];
    long long now = (long long)time(NULL);

    char *top = NULL;
    size_t ntop = 0;

    memset(&ac, 0, sizeof(ac));
    memset(&fc, 0, sizeof(fc));
    fc.now = now;
    cw_diag_clear(&d);
    ac.top = open_memstream(&top, &ntop);
    if (a) {
        (void)cw_alert_each(a, "open", 0, count_alert, &ac, &d);
        (void)cw_agent_each(a, NULL, count_agent, &fc, &d);
    }
    if (ac.top)
        fclose(ac.top);
    fputs("<section class=\"tiles\">", m);
    if (!cw_score_build(soa, &sc, &d)) {
        pct_text(p, sizeof(p), cw_score_earned(sc), cw_score_possible(sc));
        fprintf(m, "<a class=\"tile\" href=\"/api/v1/score?by=clause\">"
                   "<strong>%s%%</strong> compliance score<small>%lld.%03lld of "
                   "%lld.%03lld points</small></a>",
                p, cw_score_earned(sc) / 1000, cw_score_earned(sc) % 1000,
                cw_score_possible(sc) / 1000, cw_score_possible(sc) % 1000);
    }
    fprintf(m, "<a class=\"tile\" href=\"/alerts\"><strong>%zu</strong> "
               "open alerts<small>%zu critical, %zu high</small></a>"
               "<a class=\"tile\" href=\"/fleet\"><strong>%zu</strong> "
               "hosts<small>%zu silent</small></a></section>",
            ac.n, ac.by[CW_SEVERITY_CRITICAL], ac.by[CW_SEVERITY_HIGH], fc.n,
            fc.silent);
    fputs("<section class=\"charts\">", m);
    if (h && !score_view_history(30, history_day, h, &d))
        line_chart(m, "Compliance score over 30 days (%)", h);
    if (sc) {
        size_t cap = cw_score_count(sc) + 1, ng;
        struct cw_score_group *gr = calloc(cap, sizeof(*gr));
        long long e, pp;
        if (gr && (ng = cw_score_groups(sc, CW_SCORE_BY_CLAUSE, NULL, gr, cap,
                                        &e, &pp)))
            pct_bars(m, "Score by clause (%)", gr, ng < 40 ? ng : 40);
        free(gr);
    }
    /* open drift: the newest open alerts */
    fputs("<div class=\"card\"><h2>Open drift</h2>", m);
    if (ac.n)
        fprintf(m, "<ul>%s</ul><p><a href=\"/alerts\">All %zu open alerts"
                   "</a></p>",
                top ? top : "", ac.n);
    else
        fputs("<p>No open alert.</p>", m);
    fputs("</div>", m);
    free(top);
    /* the next deadlines the registers set, and those missed */
    if (a && !cw_registers_load_open(a, NULL, now, &g, &d)) {
        size_t n = cw_registers_duty_count(g), i, k = 0;
        const struct cw_duty **v = calloc(n + 1, sizeof(*v));
        for (i = 0; v && i < n; i++)
            if (cw_registers_duty_at(g, i)->due)
                v[k++] = cw_registers_duty_at(g, i);
        if (v && k)
            qsort(v, k, sizeof(*v), by_due);
        fputs("<div class=\"card\"><h2>Next deadlines</h2>", m);
        if (!k)
            fputs("<p>No register duty is pending.</p>", m);
        else
            fputs("<ul>", m);
        for (i = 0; v && i < k && i < 8; i++) {
            fputs("<li>", m);
            when(m, v[i]->due);
            fprintf(m, "%s: ", v[i]->finding ? " (missed)" : "");
            esc(m, v[i]->what);
            fputs("</li>", m);
        }
        if (k)
            fputs("</ul>", m);
        fputs("<p><a href=\"/registers\">Registers</a></p></div>", m);
        free(v);
        cw_registers_free(g);
    }
    fputs("</section>", m);
    cw_score_free(sc);
    free(h);
    (void)x;
}

/* ---- dashboard -------------------------------------------------------------- */

struct counter {
    size_t n, gated, own;
    const char *tenant; /* whose "own" documents: the viewer's tenant */
};

static int count_doc(void *arg, const struct cw_doc *c)
{
    struct counter *k = arg;
    k->n++;
    k->gated += c->cls == CW_DOC_GATED;
    k->own += c->cls == CW_DOC_TENANT && k->tenant &&
              strcmp(c->tenant, k->tenant) == 0;
    return 0;
}

static int count_notice(void *arg, const struct cw_notice *n)
{
    size_t *k = arg;
    *k += !n->seen;
    return 0;
}

enum MHD_Result h_page_portal(struct ctx *x)
{
    const struct who *w = &x->q->who;
    struct cw_access *a = access_tables();
    struct counter docs = { 0, 0, 0, NULL };
    size_t unseen = 0;
    struct cw_soa *soa = NULL;
    struct cw_diag d;
    char *buf = NULL;
    size_t len = 0;
    FILE *m;

    if (!a)
        return page_problem(x, 503, "The store cannot be read.");
    cw_diag_clear(&d);
    docs.tenant = viewer(x);
    (void)cw_document_each(a, viewer(x), count_doc, &docs, &d);
    (void)cw_notice_each(a, w->id, 0, 500, count_notice, &unseen, &d);
    if (!(m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    page_begin(m, "Dashboard", w);
    fprintf(m,
            "<section class=\"tiles\"><a class=\"tile\" href=\"/documents\">"
            "<strong>%zu</strong> documents<small>%zu after an agreement, "
            "%zu your own</small></a><a class=\"tile\" href=\"/notices\">"
            "<strong>%zu</strong> notices<small>in your inbox</small></a>"
            "<a class=\"tile\" href=\"/log\"><strong>Log</strong> your "
            "entries<small>with proofs you can check</small></a></section>",
            docs.n, docs.gated, docs.own, unseen);
    if (!soa_view_build(NULL, -1, x->q->who.tenant, &soa, &d)) {
        const struct cw_soa_summary *s = cw_soa_get_summary(soa);
        size_t resp[5] = { 0, 0, 0, 0, 0 }, stale = 0, failing = 0, i;
        static const char *const resp_labels[] = {
            "not stated", "provider", "customer", "split", "each"
        };
        static const char *const status_labels[] = {
            "not started", "planned", "partial", "implemented",
            "not applicable"
        };
        size_t rely[4];
        static const char *const rely_labels[] = { "none", "verified",
                                                   "expiring", "unverified" };
        for (i = 0; i < cw_soa_count(soa); i++) {
            const struct cw_soa_line *l = cw_soa_line_at(soa, i);
            if ((unsigned)l->responsibility < 5)
                resp[l->responsibility]++;
            stale += l->evidence_stale > 0;
            failing += l->checks_failed > 0;
        }
        rely[0] = s->relies_none;
        rely[1] = s->relies_verified;
        rely[2] = s->relies_expiring;
        rely[3] = s->relies_unverified;
        if (is_provider(w))
            provider_board(x, m, soa);
        fputs("<section class=\"charts\">", m);
        if (is_provider(w))
            bars(m, "Controls by implementation status", status_labels,
                 s->status, 5);
        bars(m, "Controls by responsibility", resp_labels, resp, 5);
        if (is_provider(w)) {
            bars(m, "Reliance on providers", rely_labels, rely, 4);
            fprintf(m,
                    "<div class=\"card\"><h2>Attention</h2><ul>"
                    "<li><a href=\"/soa?reliance=unverified\">%zu "
                    "lapsed or unverified assurance</a></li>"
                    "<li><a href=\"/soa?evidence=stale\">%zu controls with "
                    "evidence expired or missing</a></li>"
                    "<li><a href=\"/soa?checks=failing\">%zu controls with "
                    "failing checks</a></li><li><a href=\"/soa?flagged=1\">"
                    "%zu contradictions</a></li></ul></div>",
                    s->relies_unverified + s->relies_expiring, stale,
                    failing, s->flagged);
        }
        fputs("</section>", m);
        soa_view_free_soa(soa);
    }
    return page_end(x, 200, m, &buf, &len);
}

/* ---- documents and agreements ----------------------------------------------- */

struct doclist {
    struct ctx *x;
    FILE *m;
    struct cw_access *a;
};

static int doc_row(void *arg, const struct cw_doc *c)
{
    struct doclist *l = arg;
    const struct who *w = &l->x->q->who;
    struct cw_diag d;
    bool accepted = true;
    char size[32];
    FILE *m = l->m;

    cw_diag_clear(&d);
    if (c->cls == CW_DOC_GATED && cw_grant_is_tenant(w->role))
        (void)cw_agreement_accepted(l->a, c->agreement, w->id, &accepted,
                                    &d);
    if (c->generated)
        snprintf(size, sizeof(size), "made for you");
    else if (c->size >= 1 << 20)
        snprintf(size, sizeof(size), "%.1f MB", (double)c->size / 1048576.0);
    else
        snprintf(size, sizeof(size), "%.1f kB", (double)c->size / 1024.0);
    fputs("<tr id=\"doc-", m);
    esc(m, c->id);
    fputs("\"><td>", m);
    esc(m, c->title);
    fputs("</td><td>", m);
    esc(m, c->type);
    fprintf(m, "</td><td><span class=\"tag %s\">%s</span></td>",
            cw_doc_class_name(c->cls),
            c->cls == CW_DOC_GATED    ? "after agreement"
            : c->cls == CW_DOC_TENANT ? "yours"
                                      : "public");
    fprintf(m, "<td>%lld</td><td>", c->version);
    when(m, c->updated);
    fprintf(m, "</td><td>%s</td><td class=\"actions\">", size);
    if (!accepted) {
        fputs("<a class=\"button\" href=\"/agreements/", m);
        esc(m, c->agreement);
        fputs("?then=", m);
        esc(m, c->id);
        fputs("\">Read and accept the terms</a>", m);
    } else {
        fputs("<form method=\"post\" action=\"/documents/", m);
        esc(m, c->id);
        fputs("/download\">", m);
        csrf_field(m, w);
        fputs("<button type=\"submit\">Download</button></form>", m);
    }
    fputs("<form method=\"post\" action=\"/documents/", m);
    esc(m, c->id);
    fputs("/subscription\">", m);
    csrf_field(m, w);
    fputs("<button type=\"submit\" class=\"quiet\">Follow</button></form>"
          "</td></tr>",
          m);
    return 0;
}

enum MHD_Result h_page_documents(struct ctx *x)
{
    struct doclist l = { x, NULL, access_tables() };
    struct cw_diag d;
    char *buf = NULL;
    size_t len = 0;

    if (!l.a)
        return page_problem(x, 503, "The store cannot be read.");
    if (!(l.m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    page_begin(l.m, "Documents", &x->q->who);
    fputs("<p>Certificates, reports and policies of the provider. Some open "
          "once you accept an agreement; each download is recorded in your "
          "log.</p><input type=\"search\" class=\"filter\" data-table=\"docs\" "
          "placeholder=\"Filter\" aria-label=\"Filter documents\">"
          "<div class=\"scroll\"><table id=\"docs\"><thead><tr><th>Title</th>"
          "<th>Type</th><th>Access</th><th>Version</th><th>Updated</th>"
          "<th>Size</th><th><span class=\"sr\">Actions</span></th></tr>"
          "</thead><tbody>",
          l.m);
    cw_diag_clear(&d);
    (void)cw_document_each(l.a, viewer(x), doc_row, &l, &d);
    fputs("</tbody></table></div>", l.m);
    return page_end(x, 200, l.m, &buf, &len);
}

enum MHD_Result h_page_download(struct ctx *x)
{
    struct cw_access *a = access_tables();
    char token[CW_DOWNLOAD_TEXT], where[160];
    struct cw_diag d;
    long long expires;
    enum cw_status st;

    if (!a)
        return page_problem(x, 503, "The store cannot be read.");
    cw_diag_clear(&d);
    st = cw_download_grant(a, x->q->param[0], 0, x->q->who.id, viewer(x),
                           (long long)time(NULL), token, &expires, &d);
    if (st == CW_EPERM) {
        struct cw_doc c;
        cw_diag_clear(&d);
        if (!cw_document_get(a, x->q->param[0], 0, viewer(x), &c, &d) &&
            c.agreement[0]) {
            snprintf(where, sizeof(where), "/agreements/%s?then=%s",
                     c.agreement, c.id);
            return redirect(x, where, NULL);
        }
        return message(x, 403, "Not allowed", "You may not download this.");
    }
    if (st)
        return message(x, 404, "Not found", "There is no such document.");
    snprintf(where, sizeof(where), "/api/v1/downloads/%s", token);
    sodium_memzero(token, sizeof(token));
    return redirect(x, where, NULL);
}

enum MHD_Result h_page_follow(struct ctx *x)
{
    struct cw_access *a = access_tables();
    struct cw_diag d;
    cw_diag_clear(&d);
    if (!a || cw_subscribe(a, x->q->param[0], x->q->who.id, viewer(x), true,
                           &d))
        return message(x, 404, "Not found", "There is no such document.");
    return redirect(x, "/notices", NULL);
}

enum MHD_Result h_page_agreement(struct ctx *x)
{
    const char *then = query(x, "then");
    struct cw_access *a = access_tables();
    struct cw_agreement g;
    struct cw_diag d;
    bool yes = false;
    char *buf = NULL;
    size_t len = 0;
    FILE *m;

    cw_diag_clear(&d);
    if (!a || cw_agreement_get(a, x->q->param[0], &g, &d))
        return message(x, 404, "Not found", "There is no such agreement.");
    (void)cw_agreement_accepted(a, g.id, x->q->who.id, &yes, &d);
    if (!(m = open_memstream(&buf, &len))) {
        cw_agreement_release(&g);
        return problem(x, 500, "out of memory");
    }
    page_begin(m, g.title, &x->q->who);
    fprintf(m, "<p>Version %lld of ", g.version);
    when(m, g.created);
    fputs(".</p><article class=\"terms\" tabindex=\"0\">", m);
    esc(m, g.text);
    fputs("</article>", m);
    if (yes) {
        fputs("<p class=\"ok\">You accepted this version.</p>", m);
    } else if (cw_grant_is_tenant(x->q->who.role)) {
        fputs("<form method=\"post\" action=\"/agreements/", m);
        esc(m, g.id);
        fputs("/accept\">", m);
        csrf_field(m, &x->q->who);
        fprintf(m, "<input type=\"hidden\" name=\"version\" value=\"%lld\">",
                g.version);
        if (then && strlen(then) <= 64 &&
            strspn(then, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
                strlen(then)) {
            fputs("<input type=\"hidden\" name=\"then\" value=\"", m);
            esc(m, then);
            fputs("\">", m);
        }
        fputs("<label class=\"check\"><input type=\"checkbox\" "
              "name=\"agree\" value=\"yes\" required> I have read these "
              "terms and accept them for my organisation.</label>"
              "<button type=\"submit\">Accept</button></form>",
              m);
    }
    cw_agreement_release(&g);
    return page_end(x, 200, m, &buf, &len);
}

enum MHD_Result h_page_accept(struct ctx *x)
{
    const char *v = field(x, "version"), *then = field(x, "then");
    struct cw_access *a = access_tables();
    char addr[64], where[160], *end;
    struct cw_diag d;
    long long version;

    if (!a)
        return page_problem(x, 503, "The store cannot be read.");
    if (!v || !*v || (version = strtoll(v, &end, 10), *end) ||
        !field(x, "agree"))
        return message(x, 400, "Not accepted",
                       "Tick the box to accept the terms.");
    client_address(x->c, addr, sizeof(addr));
    cw_diag_clear(&d);
    if (cw_agreement_accept(a, x->q->param[0], version, x->q->who.id,
                            x->q->who.tenant, addr, (long long)time(NULL),
                            &d))
        return message(x, 400, "Not accepted", d.msg);
    if (then && strlen(then) <= 64 &&
        strspn(then, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
            strlen(then) &&
        *then)
        snprintf(where, sizeof(where), "/documents#doc-%s", then);
    else
        snprintf(where, sizeof(where), "/documents");
    return redirect(x, where, NULL);
}

/* ---- notices and the log ---------------------------------------------------- */

static int notice_row(void *arg, const struct cw_notice *n)
{
    FILE *m = arg;
    fputs("<li><time>", m);
    when(m, n->created);
    fputs("</time> ", m);
    esc(m, n->subject);
    fputs("</li>", m);
    return 0;
}

enum MHD_Result h_page_notices(struct ctx *x)
{
    struct cw_access *a = access_tables();
    struct cw_diag d;
    char *buf = NULL;
    size_t len = 0, before;
    FILE *m;

    if (!a)
        return page_problem(x, 503, "The store cannot be read.");
    if (!(m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    page_begin(m, "Notices", &x->q->who);
    fputs("<p>New versions of the documents you follow.</p>"
          "<ul class=\"notices\">",
          m);
    cw_diag_clear(&d);
    fflush(m);
    before = len;
    (void)cw_notice_each(a, x->q->who.id, 0, 200, notice_row, m, &d);
    fflush(m);
    if (len == before)
        fputs("<li>Nothing yet. Follow a document to hear of its new "
              "versions.</li>",
              m);
    fputs("</ul>", m);
    return page_end(x, 200, m, &buf, &len);
}

enum MHD_Result h_page_log(struct ctx *x)
{
    const struct who *w = &x->q->who;
    const char *tenant = viewer(x);
    long long offset = query_number(x, "offset", 0, 1000000000000LL);
    struct cw_ledger *l = ledger();
    struct cw_diag d;
    char *page = NULL, *buf = NULL;
    size_t plen = 0, len = 0;
    enum cw_status st;
    FILE *pm, *m;

    if (offset < 0)
        offset = 0;
    if (!(m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    page_begin(m, tenant ? "Your log" : "The log", w);
    fputs("<p>Each entry is in a tamper-evident log. Download a page with "
          "its proofs and check it offline with <code>cloudward log check"
          "</code>.</p>",
          m);
    fprintf(m, "<p><a class=\"button\" href=\"/api/v1/log?offset=%lld&amp;"
               "limit=100\">This page with proofs (JSON)</a></p>",
            offset);
    if (!l || !(pm = open_memstream(&page, &plen))) {
        fputs("<p>The log is empty.</p>", m);
        return page_end(x, 200, m, &buf, &len);
    }
    cw_diag_clear(&d);
    cw_ledger_view_as(l, tenant);
    st = cw_ledger_show_page(l, tenant, (uint64_t)offset, 100, false, pm,
                             &d);
    cw_ledger_view_as(l, NULL);
    fclose(pm);
    if (st) {
        fputs("<p class=\"notice\">The log cannot be read.</p>", m);
    } else {
        fputs("<pre class=\"log\">", m);
        esc(m, page ? page : "");
        fputs("</pre>", m);
    }
    free(page);
    return page_end(x, 200, m, &buf, &len);
}

/* ---- the SoA and matrix ------------------------------------------------------ */

static bool keep_line(struct ctx *x, const struct cw_soa_line *l)
{
    const char *status = query(x, "status"), *resp = query(x, "responsibility"),
               *rely = query(x, "reliance"), *ev = query(x, "evidence"),
               *chk = query(x, "checks"), *flagged = query(x, "flagged"),
               *cat = query(x, "catalog");
    if (status && *status &&
        strcmp(status, cw_impl_status_name(l->status)) != 0)
        return false;
    if (resp && *resp && strcmp(resp, cw_resp_name(l->responsibility)) != 0)
        return false;
    if (rely && strcmp(rely, "unverified") == 0 &&
        (l->reliance == CW_RELY_NONE || l->reliance == CW_RELY_VALID))
        return false;
    if (ev && strcmp(ev, "stale") == 0 && !l->evidence_stale)
        return false;
    if (chk && strcmp(chk, "failing") == 0 && !l->checks_failed)
        return false;
    if (flagged && !l->flags)
        return false;
    if (cat && *cat && strcmp(cat, l->control->catalog) != 0)
        return false;
    return true;
}

static void select_of(FILE *m, const char *name, const char *label,
                      const char *const *opts, size_t n, const char *cur)
{
    size_t i;
    fprintf(m, "<label>%s <select name=\"%s\"><option value=\"\">all"
               "</option>",
            label, name);
    for (i = 0; i < n; i++) {
        fputs("<option", m);
        if (cur && strcmp(cur, opts[i]) == 0)
            fputs(" selected", m);
        fputs(">", m);
        esc(m, opts[i]);
        fputs("</option>", m);
    }
    fputs("</select></label>", m);
}

static enum MHD_Result soa_page(struct ctx *x, bool matrix)
{
    static const char *const statuses[] = { "not-started", "planned",
                                            "partial", "implemented",
                                            "not-applicable" };
    static const char *const resps[] = { "provider", "customer", "split",
                                         "each" };
    struct cw_soa *soa;
    struct cw_diag d;
    char *buf = NULL;
    size_t len = 0, i, shown = 0;
    FILE *m;

    cw_diag_clear(&d);
    if (soa_view_build(NULL, -1, x->q->who.tenant, &soa, &d))
        return message(x, 404, "Not available",
                       "This server shows no SoA: it was started without "
                       "the provider's scope (--scope).");
    if (!(m = open_memstream(&buf, &len))) {
        soa_view_free_soa(soa);
        return problem(x, 500, "out of memory");
    }
    page_begin(m,
               matrix ? "Shared-responsibility matrix"
                      : "Statement of Applicability",
               &x->q->who);
    fputs("<p>", m);
    esc(m, cw_scope_organisation(cw_soa_scope(soa)));
    fprintf(m, ", as of %s. Download: ", cw_soa_as_of(soa));
    for (i = 0; i < 4; i++) {
        static const char *const f[] = { "xlsx", "csv", "json", "md" };
        fprintf(m, "%s<a href=\"/api/v1/%s?format=%s\">%s</a>",
                i ? " · " : "", matrix ? "matrix" : "soa", f[i], f[i]);
    }
    fprintf(m, "</p><form class=\"filters\" method=\"get\" action=\"/%s\">",
            matrix ? "matrix" : "soa");
    if (!matrix)
        select_of(m, "status", "Status", statuses, 5, query(x, "status"));
    select_of(m, "responsibility", "Responsibility", resps, 4,
              query(x, "responsibility"));
    fputs("<button type=\"submit\">Filter</button> <input type=\"search\" "
          "class=\"filter\" data-table=\"soa\" placeholder=\"Find\" "
          "aria-label=\"Find in the table\"></form>",
          m);
    fputs("<div class=\"scroll\"><table id=\"soa\"><thead><tr><th>Control"
          "</th><th>Title</th>",
          m);
    fputs(matrix ? "<th>Responsibility</th><th>Provider's part</th>"
                   "<th>Customer's part</th>"
                 : "<th>Applicable</th><th>Status</th><th>Reliance</th>"
                   "<th>Checks</th><th>Notes</th>",
          m);
    fputs("</tr></thead><tbody>", m);
    for (i = 0; i < cw_soa_count(soa); i++) {
        const struct cw_soa_line *l = cw_soa_line_at(soa, i);
        if (!keep_line(x, l))
            continue;
        shown++;
        fprintf(m, "<tr%s><td>", l->flags ? " class=\"flagged\"" : "");
        esc(m, l->control->catalog);
        fputs(" ", m);
        esc(m, l->control->id);
        fputs("</td><td>", m);
        esc(m, l->control->title);
        fputs("</td>", m);
        if (matrix) {
            fputs("<td>", m);
            esc(m, cw_resp_name(l->responsibility));
            fputs("</td><td>", m);
            esc(m, l->provider_duty);
            fputs("</td><td>", m);
            esc(m, l->customer_duty);
            fputs("</td>", m);
        } else {
            fprintf(m, "<td>%s</td><td><span class=\"tag %s\">%s</span>"
                       "</td><td>%s</td><td>",
                    l->applicable ? "yes" : "no",
                    cw_impl_status_name(l->status),
                    cw_impl_status_name(l->status),
                    cw_rely_state_name(l->reliance));
            esc(m, l->checks ? l->checks : "");
            fputs("</td><td>", m);
            esc(m, l->flags ? l->flags : (l->justification ? l->justification : ""));
            fputs("</td>", m);
        }
        fputs("</tr>", m);
    }
    fprintf(m, "</tbody></table></div><p>%zu of %zu lines shown.</p>", shown,
            cw_soa_count(soa));
    soa_view_free_soa(soa);
    return page_end(x, 200, m, &buf, &len);
}

enum MHD_Result h_page_soa(struct ctx *x)
{
    return soa_page(x, false);
}

enum MHD_Result h_page_matrix(struct ctx *x)
{
    return soa_page(x, true);
}

/* ---- administration ----------------------------------------------------------- */

static int tenant_row(void *arg, const struct cw_tenant *t)
{
    FILE *m = arg;
    fputs("<tr><td>", m);
    esc(m, t->id);
    fputs("</td><td>", m);
    esc(m, t->name);
    fputs("</td></tr>", m);
    return 0;
}

static int user_row(void *arg, const struct cw_user_info *u)
{
    FILE *m = arg;
    if (!m)
        return 0;
    fputs("<tr><td>", m);
    esc(m, u->login);
    fputs("</td><td>", m);
    esc(m, cw_grant_name(u->role));
    fputs("</td><td>", m);
    esc(m, u->tenant ? u->tenant : "—");
    fprintf(m, "</td><td>%s</td></tr>", u->disabled ? "disabled" : "active");
    return 0;
}

enum MHD_Result h_page_admin(struct ctx *x)
{
    const struct who *w = &x->q->who;
    struct cw_access *a = access_tables();
    struct cw_diag d;
    char *buf = NULL;
    size_t len = 0;
    FILE *m;

    if (!a)
        return page_problem(x, 503, "The store cannot be read.");
    if (!(m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    page_begin(m, "Administration", w);
    fputs("<section class=\"grid\"><form class=\"card\" method=\"post\" "
          "action=\"/admin/documents\" enctype=\"multipart/form-data\">"
          "<h2>Publish a document</h2>",
          m);
    csrf_field(m, w);
    fputs("<label for=\"d-id\">Id</label><input id=\"d-id\" name=\"id\" "
          "required pattern=\"[a-z0-9][a-z0-9\\-]{0,63}\">"
          "<label for=\"d-title\">Title</label><input id=\"d-title\" "
          "name=\"title\" required maxlength=\"200\">"
          "<label for=\"d-type\">Type</label><select id=\"d-type\" "
          "name=\"type\"><option>certificate</option><option>audit-report"
          "</option><option>pentest-summary</option><option>policy</option>"
          "<option>soa</option><option>matrix</option><option>subprocessors"
          "</option><option>package"
          "</option></select>"
          "<label for=\"d-class\">Who may read it</label><select "
          "id=\"d-class\" name=\"class\"><option value=\"public\">every "
          "customer</option><option value=\"gated\">after an agreement"
          "</option><option value=\"tenant\">one tenant</option></select>"
          "<label for=\"d-agreement\">Agreement (gated)</label><input "
          "id=\"d-agreement\" name=\"agreement\">"
          "<label for=\"d-tenant\">Tenant (one tenant's)</label><input "
          "id=\"d-tenant\" name=\"tenant\">"
          "<label for=\"d-file\">File</label><input id=\"d-file\" "
          "name=\"file\" type=\"file\" required>"
          "<button type=\"submit\">Publish</button></form>",
          m);
    fputs("<form class=\"card\" method=\"post\" action=\"/admin/agreements\">"
          "<h2>Publish an agreement</h2>",
          m);
    csrf_field(m, w);
    fputs("<label for=\"g-id\">Id</label><input id=\"g-id\" name=\"id\" "
          "required pattern=\"[a-z0-9][a-z0-9\\-]{0,63}\">"
          "<label for=\"g-title\">Title</label><input id=\"g-title\" "
          "name=\"title\" required maxlength=\"200\">"
          "<label for=\"g-text\">Terms</label><textarea id=\"g-text\" "
          "name=\"text\" rows=\"8\" required></textarea>"
          "<button type=\"submit\">Publish a new version</button></form>"
          "</section>",
          m);
    cw_diag_clear(&d);
    fputs("<h2>Tenants</h2><div class=\"scroll\"><table><thead><tr><th>Id"
          "</th><th>Name</th></tr></thead><tbody>",
          m);
    (void)cw_tenant_each(a, tenant_row, m, &d);
    fputs("</tbody></table></div>", m);
    if (w->role == CW_GRANT_ADMIN) {
        fputs("<form class=\"card narrow\" method=\"post\" "
              "action=\"/admin/tenants\"><h2>Add a tenant</h2>",
              m);
        csrf_field(m, w);
        fputs("<label for=\"t-id\">Id</label><input id=\"t-id\" "
              "name=\"id\" required pattern=\"[a-z0-9][a-z0-9\\-]{0,63}\">"
              "<label for=\"t-name\">Name</label><input id=\"t-name\" "
              "name=\"name\" required maxlength=\"200\">"
              "<button type=\"submit\">Add</button></form>",
              m);
        fputs("<h2>Users</h2><div class=\"scroll\"><table><thead><tr><th>"
              "Login</th><th>Role</th><th>Tenant</th><th>State</th></tr>"
              "</thead><tbody>",
              m);
        (void)cw_user_each(a, user_row, m, &d);
        fputs("</tbody></table></div><p><a href=\"/people\">Add people"
              "</a>, or use <code>cloudward admin user</code>.</p>",
              m);
    }
    return page_end(x, 200, m, &buf, &len);
}

/* The parts of a multipart/form-data upload (libmicrohttpd's parser,
 * fed the body the request collected). */
struct upload {
    char id[65], title[201], type[32], cls[16], tenant[65], agreement[65],
        name[201], csrf[64];
    unsigned char *data;
    size_t len, cap;
    bool bad;
};

static void put_text(char *dst, size_t n, const char *data, uint64_t off,
                     size_t size, bool *bad)
{
    size_t have = strlen(dst);
    if (off != have || have + size >= n) {
        *bad = true;
        return;
    }
    memcpy(dst + have, data, size);
    dst[have + size] = '\0';
}

static enum MHD_Result upload_part(void *cls, enum MHD_ValueKind kind,
                                   const char *key, const char *filename,
                                   const char *content_type,
                                   const char *transfer_encoding,
                                   const char *data, uint64_t off,
                                   size_t size)
{
    struct upload *u = cls;
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    if (!key)
        return MHD_YES;
    if (strcmp(key, "file") == 0) {
        if (filename && !u->name[0])
            snprintf(u->name, sizeof(u->name), "%s", filename);
        if (off != u->len || u->len + size > CW_DOCUMENT_MAX) {
            u->bad = true;
            return MHD_NO;
        }
        if (u->len + size > u->cap) {
            size_t cap = u->cap ? u->cap * 2 : 65536;
            unsigned char *p;
            while (cap < u->len + size)
                cap *= 2;
            if (!(p = realloc(u->data, cap))) {
                u->bad = true;
                return MHD_NO;
            }
            u->data = p;
            u->cap = cap;
        }
        memcpy(u->data + u->len, data, size);
        u->len += size;
        return MHD_YES;
    }
#define TEXT(f)                                                               \
    if (strcmp(key, #f) == 0) {                                               \
        put_text(u->f, sizeof(u->f), data, off, size, &u->bad);               \
        return MHD_YES;                                                       \
    }
    TEXT(id)
    TEXT(title)
    TEXT(type)
    TEXT(tenant)
    TEXT(agreement)
    TEXT(csrf)
#undef TEXT
    if (strcmp(key, "class") == 0)
        put_text(u->cls, sizeof(u->cls), data, off, size, &u->bad);
    return MHD_YES;
}

enum MHD_Result h_page_publish(struct ctx *x)
{
    struct cw_access *a = access_tables();
    struct MHD_PostProcessor *pp;
    struct upload u;
    struct cw_doc c;
    struct cw_diag d;
    long long version;
    enum cw_status st;
    char where[120];

    if (!a)
        return page_problem(x, 503, "The store cannot be read.");
    memset(&u, 0, sizeof(u));
    pp = MHD_create_post_processor(x->c, 65536, upload_part, &u);
    if (!pp)
        return message(x, 415, "Not published",
                       "Send the form as multipart/form-data.");
    if (MHD_post_process(pp, x->q->body ? x->q->body : "", x->q->len) !=
            MHD_YES ||
        MHD_destroy_post_processor(pp) != MHD_YES)
        u.bad = true;
    if (!cw_session_csrf_ok(x->q->who.session, u.csrf)) {
        free(u.data);
        return refuse(x, 403, "the form token is missing or wrong: reload "
                              "the page");
    }
    if (u.bad) {
        free(u.data);
        return message(x, 400, "Not published", "The form could not be read.");
    }
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s", u.id);
    snprintf(c.title, sizeof(c.title), "%s", u.title);
    snprintf(c.type, sizeof(c.type), "%s", u.type);
    snprintf(c.tenant, sizeof(c.tenant), "%s", u.tenant);
    snprintf(c.agreement, sizeof(c.agreement), "%s", u.agreement);
    snprintf(c.name, sizeof(c.name), "%s", u.name);
    if (!cw_doc_class_parse(u.cls, &c.cls)) {
        free(u.data);
        return message(x, 400, "Not published", "Choose who may read it.");
    }
    cw_diag_clear(&d);
    st = cw_document_put(a, &c, u.data ? u.data : (unsigned char *)"",
                         u.len, x->q->who.id, (long long)time(NULL),
                         &version, &d);
    free(u.data);
    if (st)
        return message(x, 400, "Not published", d.msg);
    snprintf(where, sizeof(where), "/documents#doc-%s", c.id);
    return redirect(x, where, NULL);
}

enum MHD_Result h_page_agreement_put(struct ctx *x)
{
    struct cw_access *a = access_tables();
    struct cw_diag d;
    long long version;
    cw_diag_clear(&d);
    if (!a || cw_agreement_put(a, field(x, "id"), field(x, "title"),
                               field(x, "text"), x->q->who.id,
                               (long long)time(NULL), &version, &d))
        return message(x, 400, "Not published",
                       d.msg[0] ? d.msg : "The store cannot be written.");
    return redirect(x, "/admin", NULL);
}

/* ---- people: the admin's, and a customer-admin's own tenant's --------------- */

struct people {
    FILE *m;
    const char *tenant; /* NULL: everyone */
};

static int person_row(void *arg, const struct cw_user_info *u)
{
    struct people *p = arg;
    if (p->tenant && (!u->tenant || strcmp(u->tenant, p->tenant) != 0))
        return 0;
    return user_row(p->m, u);
}

enum MHD_Result h_page_people(struct ctx *x)
{
    const struct who *w = &x->q->who;
    struct cw_access *a = access_tables();
    struct people p;
    struct cw_diag d;
    char *buf = NULL;
    size_t len = 0;

    if (!a)
        return page_problem(x, 503, "The store cannot be read.");
    if (!(p.m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    p.tenant = managed_tenant(x);
    page_begin(p.m, p.tenant ? "Your people" : "People", w);
    fputs("<form class=\"card narrow\" method=\"post\" action=\"/people\">"
          "<h2>Add a person</h2>",
          p.m);
    csrf_field(p.m, w);
    fputs("<label for=\"p-login\">Login</label><input id=\"p-login\" "
          "name=\"login\" required pattern=\"[a-z0-9._@\\-]{1,64}\">"
          "<label for=\"p-role\">Role</label><select id=\"p-role\" "
          "name=\"role\">",
          p.m);
    if (!p.tenant)
        fputs("<option>admin</option><option>compliance</option>"
              "<option>engineer</option><option>auditor</option>",
              p.m);
    fputs("<option>customer</option><option>customer-admin</option>"
          "</select>",
          p.m);
    if (!p.tenant)
        fputs("<label for=\"p-tenant\">Tenant (a tenant's roles)</label>"
              "<input id=\"p-tenant\" name=\"tenant\">",
              p.m);
    fputs("<button type=\"submit\">Add</button></form>", p.m);
    fputs("<h2>People</h2><div class=\"scroll\"><table><thead><tr><th>Login"
          "</th><th>Role</th><th>Tenant</th><th>State</th></tr></thead>"
          "<tbody>",
          p.m);
    cw_diag_clear(&d);
    (void)cw_user_each(a, person_row, &p, &d);
    fputs("</tbody></table></div>", p.m);
    return page_end(x, 200, p.m, &buf, &len);
}

/* POST /people: the new person's password (and second factor), once. */
enum MHD_Result h_page_people_add(struct ctx *x)
{
    char pw[24], otp[CW_OTPAUTH_LEN], *buf = NULL;
    const char *why;
    unsigned status = user_add(x, pw, otp, &why);
    size_t len = 0;
    FILE *m;

    if (status == 403 || status == 404)
        return refuse(x, status, why);
    if (status != 201)
        return message(x, status, "Not added", why);
    if (!(m = open_memstream(&buf, &len))) {
        sodium_memzero(pw, sizeof(pw));
        return problem(x, 500, "out of memory");
    }
    page_begin(m, "Added", &x->q->who);
    fputs("<p>Give these to ", m);
    esc(m, field(x, "login"));
    fputs(" by a safe way; they are shown this once.</p><dl class=\"card "
          "narrow\"><dt>Password</dt><dd><code>",
          m);
    esc(m, pw);
    fputs("</code></dd>", m);
    if (otp[0]) {
        fputs("<dt>Second factor (enrol in an authenticator app)</dt><dd>"
              "<code>",
              m);
        esc(m, otp);
        fputs("</code></dd>", m);
    }
    fputs("</dl><p><a href=\"/people\">Back to the people</a></p>", m);
    sodium_memzero(pw, sizeof(pw));
    sodium_memzero(otp, sizeof(otp));
    return page_end(x, 201, m, &buf, &len);
}

/* POST /admin/tenants {id, name}. */
enum MHD_Result h_page_tenant_add(struct ctx *x)
{
    struct cw_access *a = access_tables();
    struct cw_diag d;
    cw_diag_clear(&d);
    if (!a || cw_tenant_add(a, field(x, "id"), field(x, "name"),
                            x->q->who.id, &d))
        return message(x, 400, "Not added",
                       d.msg[0] ? d.msg : "The store cannot be written.");
    return redirect(x, "/admin", NULL);
}

/* ---- the 27018 registers ---------------------------------------------- */

static int subprocessor_row(void *arg, const struct cw_reg_record *c)
{
    FILE *m = arg;
    fputs("<tr><td>", m);
    esc(m, c->id);
    fputs("</td><td><code>", m);
    esc(m, c->json);
    fprintf(m, "</code></td><td>%lld%s</td></tr>", c->version,
            c->closed ? " (closed)" : "");
    return 0;
}

/* GET /registers: what is due and what is overdue (red), and the
 * sub-processors in use; a tenant's people see their own. */
enum MHD_Result h_page_registers(struct ctx *x)
{
    const struct who *w = &x->q->who;
    const char *tenant = viewer(x);
    struct cw_access *a = access_tables();
    struct cw_registers *g = NULL;
    long long now = (long long)time(NULL);
    struct cw_diag d;
    char *buf = NULL;
    size_t len = 0, i, n;
    FILE *m;

    if (!a)
        return page_problem(x, 503, "The store cannot be read.");
    cw_diag_clear(&d);
    if (cw_registers_load_open(a, tenant, now, &g, &d))
        return page_problem(x, 500, "The registers cannot be read.");
    if (!(m = open_memstream(&buf, &len))) {
        cw_registers_free(g);
        return problem(x, 500, "out of memory");
    }
    page_begin(m, "Registers", w);
    n = cw_registers_duty_count(g);
    fputs("<p>What ISO/IEC 27018 asks us to record and notify, and when "
          "it is due. Overdue duties are findings, shown in red.</p>"
          "<h2>Duties</h2><div class=\"scroll\"><table><thead><tr>"
          "<th>State</th><th>Due</th><th>Register</th><th>Record</th>"
          "<th>Customer</th><th>Control</th><th>What</th></tr></thead>"
          "<tbody>",
          m);
    for (i = 0; i < n; i++) {
        const struct cw_duty *u = cw_registers_duty_at(g, i);
        fprintf(m, "<tr%s><td>%s</td><td>",
                u->finding ? " class=\"overdue\"" : "",
                u->finding ? "finding" : "due");
        if (u->due)
            when(m, u->due);
        fprintf(m, "</td><td>%s</td><td>", cw_register_name(u->reg));
        esc(m, u->record);
        fputs("</td><td>", m);
        esc(m, u->customer ? u->customer : "");
        fprintf(m, "</td><td>%s</td><td>", u->control);
        esc(m, u->what);
        fputs("</td></tr>", m);
    }
    if (!n)
        fputs("<tr><td colspan=\"7\">Nothing due.</td></tr>", m);
    fputs("</tbody></table></div><h2>Sub-processors</h2><div "
          "class=\"scroll\"><table><thead><tr><th>Id</th><th>Record</th>"
          "<th>Version</th></tr></thead><tbody>",
          m);
    (void)cw_register_each(a, CW_REG_SUBPROCESSORS, NULL, tenant, false,
                           subprocessor_row, m, &d);
    fputs("</tbody></table></div>", m);
    cw_registers_free(g);
    return page_end(x, 200, m, &buf, &len);
}

/* ---- the fleet ---------------------------------------------------------------- */

struct fleet {
    FILE *m;
    long long now;
    size_t n, states[4]; /* ok, silent, revoked, new */
};

static void ago(FILE *m, long long now, long long t)
{
    long long s = now - t;
    if (!t)
        fputs("never", m);
    else if (s < 120)
        fprintf(m, "%lld s ago", s < 0 ? 0 : s);
    else if (s < 7200)
        fprintf(m, "%lld min ago", s / 60);
    else if (s < 172800)
        fprintf(m, "%lld h ago", s / 3600);
    else
        fprintf(m, "%lld days ago", s / 86400);
}

static int fleet_row(void *arg, const struct cw_agent *g)
{
    struct fleet *f = arg;
    const char *state = cw_agent_state(g, f->now);
    long long judged = g->pass + g->fail;

    f->n++;
    f->states[state[0] == 'o' ? 0 : state[0] == 's' ? 1
              : state[0] == 'r' ? 2 : 3]++;
    fprintf(f->m, "<tr class=\"%s\"><th scope=\"row\">", state);
    esc(f->m, g->host);
    fprintf(f->m, "<br><small><code>%s</code></small></th><td>", g->id);
    esc(f->m, g->pack);
    fprintf(f->m, "</td><td><span class=\"state %s\">%s</span></td><td>",
            state, state);
    ago(f->m, f->now, g->last_seen);
    fprintf(f->m, "<br><small>every %lld min</small></td>",
            g->interval / 60);
    if (judged)
        fprintf(f->m, "<td>%lld.%lld%%<br><small>%lld pass, %lld fail"
                "</small></td>",
                g->pass * 100 / judged, g->pass * 1000 / judged % 10,
                g->pass, g->fail);
    else
        fputs("<td>-</td>", f->m);
    fprintf(f->m, "<td>%lld newly failing<br><small>%lld fixed</small></td>",
            g->failing, g->fixed);
    if (g->run)
        fprintf(f->m,
                "<td><a href=\"/api/v1/runs/%lld\">run %lld</a> "
                "<small>seq %lld</small></td></tr>",
                g->run, g->run, g->seq);
    else
        fputs("<td>-</td></tr>", f->m);
    return 0;
}

enum MHD_Result h_page_fleet(struct ctx *x)
{
    struct cw_access *a = access_tables();
    struct fleet f;
    struct cw_diag d;
    char *buf = NULL, *rows = NULL;
    size_t len = 0, rlen = 0;
    enum cw_status st;
    FILE *m;

    if (!a)
        return page_problem(x, 503, "The store cannot be read.");
    memset(&f, 0, sizeof(f));
    f.now = (long long)time(NULL);
    if (!(f.m = open_memstream(&rows, &rlen)))
        return problem(x, 500, "out of memory");
    cw_diag_clear(&d);
    st = cw_agent_each(a, NULL, fleet_row, &f, &d);
    fclose(f.m);
    if (st) {
        free(rows);
        return page_problem(x, 500, "The fleet cannot be read.");
    }
    if (!(m = open_memstream(&buf, &len))) {
        free(rows);
        return problem(x, 500, "out of memory");
    }
    page_begin(m, "Fleet", &x->q->who);
    fprintf(m,
            "<section class=\"tiles\"><div class=\"tile\"><strong>%zu"
            "</strong> hosts</div><div class=\"tile\"><strong>%zu</strong>"
            " reporting</div><div class=\"tile\"><strong>%zu</strong> "
            "silent<small>past twice their schedule</small></div>"
            "<div class=\"tile\"><strong>%zu</strong> revoked</div>"
            "</section>",
            f.n, f.states[0], f.states[1], f.states[2]);
    if (!f.n)
        fputs("<p>No host has enrolled yet. Make a token with "
              "<code>cloudward agent token</code>, then run "
              "<code>cloudward agent enroll</code> on the host "
              "(docs/agents.md).</p>",
              m);
    else
        fprintf(m,
                "<table class=\"fleet\"><caption>Hosts by name</caption>"
                "<thead><tr><th scope=\"col\">Host</th><th scope=\"col\">"
                "Pack</th><th scope=\"col\">State</th><th scope=\"col\">"
                "Last seen</th><th scope=\"col\">Score</th>"
                "<th scope=\"col\">Drift</th><th scope=\"col\">Last run"
                "</th></tr></thead><tbody>%s</tbody></table>",
                rows ? rows : "");
    free(rows);
    return page_end(x, 200, m, &buf, &len);
}

/* ---- alerts ------------------------------------------------------------------- */

struct alert_page {
    FILE *m;
    const struct who *w;
    size_t n;
    bool act; /* the caller may acknowledge, assign and resolve */
};

static int alert_row_html(void *arg, const struct cw_alert *x)
{
    struct alert_page *p = arg;
    p->n++;
    fprintf(p->m, "<tr class=\"%s\"><td><span class=\"sev %s\">%s</span>"
                  "</td><td>",
            x->state, x->severity, x->severity);
    esc(p->m, x->subject);
    fputs("<br><small>", p->m);
    esc(p->m, x->what);
    if (x->control) {
        fputs(" · ", p->m);
        esc(p->m, x->control);
    }
    fprintf(p->m, "</small></td><td>%s<br><small>", x->state);
    when(p->m, x->opened);
    fputs("</small></td><td>", p->m);
    esc(p->m, x->owner ? x->owner : "-");
    fputs("</td><td>", p->m);
    if (x->resolved) {
        esc(p->m, x->resolution);
        fputs("<br><small>", p->m);
        esc(p->m, x->resolved_by);
        fputs("</small>", p->m);
    } else if (p->act) {
        fprintf(p->m, "<form method=\"post\" action=\"/alerts/%s\">", x->id);
        csrf_field(p->m, p->w);
        fputs("<input type=\"hidden\" name=\"action\" value=\"ack\">"
              "<button type=\"submit\">Acknowledge</button></form>",
              p->m);
        fprintf(p->m, "<form method=\"post\" action=\"/alerts/%s\">", x->id);
        csrf_field(p->m, p->w);
        fputs("<input type=\"hidden\" name=\"action\" value=\"assign\">"
              "<label>Owner <input name=\"owner\" required maxlength=\"200\">"
              "</label><button type=\"submit\">Assign</button></form>",
              p->m);
        fprintf(p->m, "<form method=\"post\" action=\"/alerts/%s\">", x->id);
        csrf_field(p->m, p->w);
        fputs("<input type=\"hidden\" name=\"action\" value=\"resolve\">"
              "<label>What was done <input name=\"resolution\" required "
              "maxlength=\"512\"></label><button type=\"submit\">Resolve"
              "</button></form>",
              p->m);
    }
    fputs("</td></tr>", p->m);
    return 0;
}

enum MHD_Result h_page_alerts(struct ctx *x)
{
    const struct who *w = &x->q->who;
    const char *state = query(x, "state");
    struct cw_access *a = access_tables();
    struct alert_page p;
    struct cw_diag d;
    char *buf = NULL;
    size_t len = 0;
    FILE *m;

    if (!a)
        return page_problem(x, 503, "The store cannot be read.");
    if (!state || strcmp(state, "resolved") != 0)
        state = "open";
    if (!(m = open_memstream(&buf, &len)))
        return problem(x, 500, "out of memory");
    page_begin(m, "Alerts", w);
    fprintf(m,
            "<p><a href=\"/alerts\"%s>Open</a> · <a href=\"/alerts?state="
            "resolved\"%s>Resolved</a></p><table class=\"alerts\"><thead><tr>"
            "<th scope=\"col\">Severity</th><th scope=\"col\">What</th>"
            "<th scope=\"col\">State</th><th scope=\"col\">Owner</th>"
            "<th scope=\"col\">%s</th></tr></thead><tbody>",
            state[0] == 'o' ? " aria-current=\"page\"" : "",
            state[0] == 'r' ? " aria-current=\"page\"" : "",
            state[0] == 'r' ? "Resolution" : "Act");
    p.m = m;
    p.w = w;
    p.n = 0;
    p.act = w->role == CW_GRANT_ADMIN || w->role == CW_GRANT_COMPLIANCE ||
            w->role == CW_GRANT_ENGINEER;
    cw_diag_clear(&d);
    (void)cw_alert_each(a, state, 500, alert_row_html, &p, &d);
    fputs("</tbody></table>", m);
    if (!p.n)
        fprintf(m, "<p>No %s alerts.</p>", state);
    return page_end(x, 200, m, &buf, &len);
}

enum MHD_Result h_page_alert_change(struct ctx *x)
{
    const char *action = field(x, "action"), *id = x->q->param[0];
    struct cw_access *a = access_tables();
    struct cw_diag d;
    enum cw_status st;

    if (!a)
        return page_problem(x, 503, "The store cannot be written.");
    cw_diag_clear(&d);
    if (action && strcmp(action, "ack") == 0)
        st = cw_alert_ack(a, id, x->q->who.id, &d);
    else if (action && strcmp(action, "assign") == 0)
        st = cw_alert_assign(a, id, field(x, "owner"), x->q->who.id, &d);
    else if (action && strcmp(action, "resolve") == 0)
        st = cw_alert_resolve(a, id, field(x, "resolution"), x->q->who.id,
                              &d);
    else
        return message(x, 400, "Not changed",
                       "Acknowledge, assign or resolve.");
    if (st)
        return message(x, st == CW_ENOENT ? 404 : 400, "Not changed",
                       d.msg[0] ? d.msg : "The store cannot be written.");
    return redirect(x, "/alerts", NULL);
}
