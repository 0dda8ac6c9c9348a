/* test_soa.c - the applicability engine, three questions per line
 * (docs/responsibility.md): the organisation's own implementation, what
 * it relies on upstream providers for with the assurance behind it judged
 * on the SoA's date, and what it publishes to its own customers. Each test
 * builds a scope (and decisions, and an upstream's published matrix) in a
 * temporary directory, loads it and computes the lines. Every fixture also
 * checks that the summary's counts add up (check_counts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <cloudward/cloudward.h>

#include "helpers.h"

static struct cw_catalogs *cats;

static int setup(void **state)
{
    struct cw_diag d;
    (void)state;
    return cw_catalogs_new(NULL, &cats, &d) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    cw_catalogs_free(cats);
    return 0;
}

/* ---- fixtures ---------------------------------------------------------- */

#define AS_OF "2026-11-22"

struct fixture {
    char dir[256];
    struct cw_scope *scope;
    struct cw_soa *soa;
};

/* A copy of the fixture built and not yet released, so that a failed
 * assertion (which leaves the test's stack) leaves neither memory nor a
 * temporary directory behind (cleanup). */
static struct fixture open_fixture;
static bool fixture_open;

/* Writes the scope, decisions/d.yaml and matrix.json (each when not NULL)
 * into a fresh directory; returns the scope's path in `path`. */
static void write_files(struct fixture *f, const char *scope,
                        const char *decisions, const char *matrix,
                        char *path, size_t n)
{
    snprintf(f->dir, sizeof(f->dir), "%s", tmp_dir());
    put_file(f->dir, "cloudward.yaml", scope);
    if (decisions)
        put_file(f->dir, "decisions/d.yaml", decisions);
    if (matrix)
        put_file(f->dir, "matrix.json", matrix);
    snprintf(path, n, "%s/cloudward.yaml", f->dir);
}

static void check_counts(const struct fixture *f);

static void build_at(struct fixture *f, const char *scope,
                     const char *decisions, const char *matrix,
                     const char *as_of, int expiring_days)
{
    struct cw_soa_options opt = { as_of, -1, NULL, expiring_days, NULL, NULL,
                                  NULL, false, false };
    char path[512], line[1200];
    struct cw_diag d;

    f->scope = NULL;
    f->soa = NULL;
    write_files(f, scope, decisions, matrix, path, sizeof(path));
    if (cw_scope_load(cats, path, &f->scope, &d) ||
        cw_soa_build(cats, f->scope, &opt, &f->soa, &d)) {
        cw_diag_format(&d, line, sizeof(line));
        cw_soa_free(f->soa);
        cw_scope_free(f->scope);
        rm_tree(f->dir);
        fail_msg("%s", line);
    }
    open_fixture = *f;
    fixture_open = true;
    check_counts(f);
}

static void build(struct fixture *f, const char *scope, const char *decisions,
                  const char *matrix)
{
    build_at(f, scope, decisions, matrix, AS_OF, 0);
}

static void release(struct fixture *f)
{
    fixture_open = false;
    cw_soa_free(f->soa);
    cw_scope_free(f->scope);
    rm_tree(f->dir);
}

static int cleanup(void **state)
{
    (void)state;
    if (fixture_open)
        release(&open_fixture);
    return 0;
}

/* Loads a scope that must be refused: returns the status, the formatted
 * diagnostic in `msg`. */
static enum cw_status load_refused(const char *scope, const char *decisions,
                                   const char *matrix, char *msg, size_t n)
{
    struct fixture f;
    char path[512];
    struct cw_diag d;
    enum cw_status st;

    cw_diag_clear(&d);
    write_files(&f, scope, decisions, matrix, path, sizeof(path));
    f.scope = NULL;
    st = cw_scope_load(cats, path, &f.scope, &d);
    cw_diag_format(&d, msg, n);
    cw_scope_free(f.scope);
    rm_tree(f.dir);
    return st;
}

static const struct cw_soa_line *find_line(const struct fixture *f,
                                           const char *catalog,
                                           const char *id)
{
    size_t i;
    for (i = 0; i < cw_soa_count(f->soa); i++) {
        const struct cw_soa_line *l = cw_soa_line_at(f->soa, i);
        if (!strcmp(l->control->catalog, catalog) &&
            !strcmp(l->control->id, id))
            return l;
    }
    return NULL;
}

static const struct cw_soa_line *line_of(const struct fixture *f,
                                         const char *catalog, const char *id)
{
    const struct cw_soa_line *l = find_line(f, catalog, id);
    if (!l)
        fail_msg("no line for %s %s", catalog, id);
    return l;
}

static const struct cw_soa_line *l22(const struct fixture *f, const char *id)
{
    return line_of(f, "iso27002:2022", id);
}

static size_t lines_of_catalog(const struct fixture *f, const char *catalog)
{
    size_t i, n = 0;
    for (i = 0; i < cw_soa_count(f->soa); i++)
        n += !strcmp(cw_soa_line_at(f->soa, i)->control->catalog, catalog);
    return n;
}

static bool starts(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool has(const char *s, const char *part)
{
    return s && strstr(s, part) != NULL;
}

#define assert_has(s, part)                                                   \
    do {                                                                      \
        const char *s_ = (s);                                                 \
        if (!has(s_, part))                                                   \
            fail_msg("'%s' not in '%s'", part, s_ ? s_ : "(null)");           \
    } while (0)

/* The one reliance of `l`, on `who`. */
static const struct cw_soa_reliance *only_reliance(const struct cw_soa_line *l,
                                                   const char *who)
{
    if (l->nrelies != 1)
        fail_msg("%s %s: %zu reliances, expected 1", l->control->catalog,
                 l->control->id, l->nrelies);
    assert_non_null(l->relies[0].upstream);
    assert_string_equal(l->relies[0].upstream->name, who);
    return &l->relies[0];
}

static void assert_no_reliance(const struct cw_soa_line *l)
{
    if (l->nrelies != 0 || l->reliance != CW_RELY_NONE)
        fail_msg("%s %s: %zu reliances (state %s, first part '%s'), "
                 "expected none",
                 l->control->catalog, l->control->id, l->nrelies,
                 cw_rely_state_name(l->reliance),
                 l->nrelies && l->relies[0].part ? l->relies[0].part : "");
}

#define assert_rely(l, want)                                                  \
    do {                                                                      \
        const struct cw_soa_line *l_ = (l);                                   \
        if (l_->reliance != (want))                                           \
            fail_msg("%s %s: reliance %s, expected %s", l_->control->catalog, \
                     l_->control->id, cw_rely_state_name(l_->reliance),       \
                     cw_rely_state_name(want));                               \
    } while (0)

/* 6. Counts add up on every fixture: statuses, reliance states and
 * applicability each to the total; the summary agrees with the lines;
 * an excluded line is not-applicable unless it is flagged for saying
 * otherwise; a line relies on someone exactly when its state says so. */
static void check_counts(const struct fixture *f)
{
    const struct cw_soa_summary *s = cw_soa_get_summary(f->soa);
    size_t i, sum = 0, flagged = 0, decided = 0, applicable = 0;
    size_t none = 0, valid = 0, expiring = 0, unverified = 0;
    size_t status[CW_IMPL_COUNT] = { 0 };

    assert_int_equal(s->total, cw_soa_count(f->soa));
    for (i = 0; i < CW_IMPL_COUNT; i++)
        sum += s->status[i];
    assert_int_equal(sum, s->total);
    assert_int_equal(s->relies_none + s->relies_verified + s->relies_expiring +
                         s->relies_unverified,
                     s->total);
    assert_int_equal(s->applicable + s->not_applicable, s->total);
    for (i = 0; i < cw_soa_count(f->soa); i++) {
        const struct cw_soa_line *l = cw_soa_line_at(f->soa, i);
        assert_true((unsigned)l->status < CW_IMPL_COUNT);
        status[l->status]++;
        applicable += l->applicable;
        decided += l->decided;
        flagged += l->flags != NULL;
        assert_int_equal(l->flags != NULL, l->nflags > 0);
        if (!l->applicable && l->status != CW_IMPL_NOT_APPLICABLE &&
            !has(l->flags, "Excluded"))
            fail_msg("%s %s is excluded with status %s and no flag",
                     l->control->catalog, l->control->id,
                     cw_impl_status_name(l->status));
        if ((l->nrelies == 0) != (l->reliance == CW_RELY_NONE))
            fail_msg("%s %s: %zu reliances but state %s",
                     l->control->catalog, l->control->id, l->nrelies,
                     cw_rely_state_name(l->reliance));
        if (l->reliance == CW_RELY_NONE)
            none++;
        else if (l->reliance == CW_RELY_VALID)
            valid++;
        else if (l->reliance == CW_RELY_EXPIRING)
            expiring++;
        else
            unverified++;
        assert_non_null(l->why);
    }
    for (i = 0; i < CW_IMPL_COUNT; i++)
        assert_int_equal(status[i], s->status[i]);
    assert_int_equal(applicable, s->applicable);
    assert_int_equal(decided, s->decided);
    assert_int_equal(flagged, s->flagged);
    assert_int_equal(none, s->relies_none);
    assert_int_equal(valid, s->relies_verified);
    assert_int_equal(expiring, s->relies_expiring);
    assert_int_equal(unverified, s->relies_unverified);
}

/* ---- scopes -------------------------------------------------------------- */

/* A SaaS provider, PII processor, on an IaaS whose ISO/IEC 27001:2022
 * certificate covers the cloud and PII extensions; the IaaS's published
 * matrix is matrix.json. */
#define SAAS_HEAD                                                             \
    "organisation: SaaS Co\n"                                                 \
    "role: provider\n"                                                        \
    "service_models: [saas]\n"                                                \
    "pii_processor: true\n"
#define IAAS_UPSTREAM                                                         \
    "providers:\n"                                                            \
    "  - name: Big IaaS\n"                                                    \
    "    service_model: iaas\n"
#define CERT_2022(covers, until)                                              \
    "    assurance:\n"                                                        \
    "      - kind: certificate\n"                                             \
    "        standard: ISO/IEC 27001\n"                                       \
    "        edition: \"2022\"\n"                                             \
    "        covers: " covers "\n"                                            \
    "        body: Example Certification Ltd\n"                               \
    "        number: BI-2025-1\n"                                             \
    "        scope: IaaS compute and storage\n"                               \
    "        service_models: [iaas]\n"                                        \
    "        issued: 2025-01-01\n"                                            \
    "        valid_until: " until "\n"
#define FULL_CERT CERT_2022("[iso27017:2015, iso27018:2019]", "2028-06-30")

static const char saas_on_iaas[] = SAAS_HEAD IAAS_UPSTREAM FULL_CERT;
static const char saas_on_iaas_matrix[] =
    SAAS_HEAD IAAS_UPSTREAM "    matrix: matrix.json\n" FULL_CERT;

#define ROW(cat, id, resp, extra)                                             \
    "{\"catalog\":\"" cat "\",\"id\":\"" id "\",\"responsibility\":\"" resp   \
    "\"" extra "}"
#define ROW22(id, extra) ROW("iso27002:2022", id, "provider", extra)
#define ROW18(id, extra) ROW("iso27018:2019", id, "provider", extra)

/* ---- 1. each party for its own organisation ------------------------------ */

static const char *const own_organisation[] = {
    "5.1",  "6.1",  "5.22", "5.24", "5.25", "5.26",
    "5.27", "5.28", "8.1",  "6.7",  "5.15", "8.2",
};

/* An upstream's matrix claiming `provider`, with a part, for each of them,
 * and for 7.1 (physical) without one. */
#define CLAIM(id) ROW22(id, ",\"part\":\"x\"") ",\n"
static const char claims_provider[] =
    "{\"controls\":[\n"
    CLAIM("5.1") CLAIM("6.1") CLAIM("5.22") CLAIM("5.24") CLAIM("5.25")
    CLAIM("5.26") CLAIM("5.27") CLAIM("5.28") CLAIM("8.1") CLAIM("6.7")
    CLAIM("5.15") CLAIM("8.2") ROW22("7.1", "") "\n]}\n";

/* The upstream's matrix claims `provider` with a part for organisation,
 * endpoint and identity-policy controls: nobody may rely on it for them.
 * (The old model inherited every row a matrix marked provider.) */
static void each_party_for_its_own_organisation(void **state)
{
    struct fixture f;
    size_t i;
    (void)state;
    build(&f, saas_on_iaas_matrix, NULL, claims_provider);
    for (i = 0; i < sizeof(own_organisation) / sizeof(*own_organisation);
         i++) {
        const struct cw_soa_line *l = l22(&f, own_organisation[i]);
        assert_no_reliance(l);
        if (l->responsibility != CW_RESP_EACH)
            fail_msg("%s published as %s, expected each", l->control->id,
                     cw_resp_name(l->responsibility));
        assert_true(l->applicable);
        assert_int_equal(l->status, CW_IMPL_NOT_STARTED);
        assert_null(l->part);
    }
    /* The same matrix is read: its physical row is relied on. */
    assert_int_equal(cw_scope_upstream(f.scope, 0)->nrows, 13);
    assert_non_null(only_reliance(l22(&f, "7.1"), "Big IaaS")->row);
    assert_has(l22(&f, "7.1")->why, "its published matrix");
    release(&f);
}

/* The same matrix read by a customer of that provider: the customer relies
 * on nobody for its own organisation either, and its matrix view does not
 * show the provider carrying what each party carries for itself (EACH:
 * "never relied on, never in part"), whatever the provider's row claims. */
static void customer_view_of_own_organisation(void **state)
{
    struct fixture f;
    char wrong[600] = "";
    size_t i, used = 0;
    (void)state;
    build(&f,
          "organisation: Customer Co\nrole: customer\n"
          "service_models: [saas]\npii_processor: false\n"
          "providers:\n  - name: Notes SaaS\n    service_model: saas\n"
          "    matrix: matrix.json\n"
          CERT_2022("[iso27017:2015]", "2028-06-30"),
          NULL, claims_provider);
    for (i = 0; i < sizeof(own_organisation) / sizeof(*own_organisation);
         i++) {
        const struct cw_soa_line *l = l22(&f, own_organisation[i]);
        int w;
        assert_no_reliance(l);
        assert_null(l->part);
        if (l->responsibility == CW_RESP_EACH)
            continue;
        w = snprintf(wrong + used, sizeof(wrong) - used, " %s=%s",
                     l->control->id, cw_resp_name(l->responsibility));
        if (w > 0 && (size_t)w < sizeof(wrong) - used)
            used += (size_t)w;
    }
    /* The matrix is read: its physical row is relied on. */
    assert_non_null(only_reliance(l22(&f, "7.1"), "Notes SaaS")->row);
    if (used)
        fail_msg("shown as carried by someone, expected each:%s", wrong);
    release(&f);
}

/* ---- 2. a PII processor's own duties ------------------------------------- */

static void pii_processor_relies_on_nobody_for_its_duties(void **state)
{
    static const char *const duties[] = { "A.8.1", "A.11.12", "A.10.1",
                                          "A.2.1" };
    struct fixture f;
    const struct cw_soa_reliance *r;
    size_t i;
    (void)state;
    build(&f, saas_on_iaas_matrix, NULL,
          "{\"controls\":[\n" ROW18("A.8.1", ",\"part\":\"x\"") ",\n"
          ROW18("A.11.12", ",\"part\":\"x\"") ",\n"
          ROW18("A.10.1", ",\"part\":\"x\"") ",\n"
          ROW18("A.2.1", ",\"part\":\"x\"") ",\n"
          ROW18("A.11.4", "") ",\n"
          ROW18("A.11.13", "") "\n]}\n");
    assert_int_equal(cw_scope_upstream(f.scope, 0)->nrows, 6);
    for (i = 0; i < sizeof(duties) / sizeof(*duties); i++) {
        const struct cw_soa_line *l = line_of(&f, "iso27018:2019", duties[i]);
        assert_true(l->applicable);
        assert_no_reliance(l);
    }
    r = only_reliance(line_of(&f, "iso27018:2019", "A.11.4"), "Big IaaS");
    assert_string_equal(r->part,
                        "storage media leaving the provider's data centres");
    assert_int_equal(r->state, CW_RELY_VALID);
    r = only_reliance(line_of(&f, "iso27018:2019", "A.11.13"), "Big IaaS");
    assert_string_equal(r->part, "wiping of pre-used storage space in the "
                                 "provider's infrastructure");
    release(&f);
}

static void refused_reliances(void **state)
{
    char msg[1200];
    (void)state;
    assert_int_equal(load_refused(saas_on_iaas,
                                  "decisions:\n"
                                  "  - control: A.8.1\n"
                                  "    applicable: true\n"
                                  "    relies_on:\n"
                                  "      - provider: Big IaaS\n",
                                  NULL, msg, sizeof(msg)),
                     CW_ESCHEMA);
    assert_has(msg, "iso27018:2019 A.8.1 ");
    assert_has(msg, "cannot rely");
    assert_has(msg, "d.yaml:5");
    assert_int_equal(load_refused(saas_on_iaas,
                                  "decisions:\n"
                                  "  - control: \"5.1\"\n"
                                  "    applicable: true\n"
                                  "    status: implemented\n"
                                  "    relies_on:\n"
                                  "      - provider: Big IaaS\n"
                                  "        part: its policies\n",
                                  NULL, msg, sizeof(msg)),
                     CW_ESCHEMA);
    assert_has(msg, "iso27002:2022 5.1 ");
    assert_has(msg, "cannot rely");
    /* A provider the scope does not list. */
    assert_int_equal(load_refused(saas_on_iaas,
                                  "decisions:\n"
                                  "  - control: \"7.1\"\n"
                                  "    applicable: true\n"
                                  "    relies_on:\n"
                                  "      - provider: Tiny IaaS\n",
                                  NULL, msg, sizeof(msg)),
                     CW_ESCHEMA);
    assert_has(msg, "Tiny IaaS");
    assert_has(msg, "Big IaaS");
}

/* ---- 3. decisions win ---------------------------------------------------- */

static void decisions_replace_the_default_reliance(void **state)
{
    struct fixture f;
    const struct cw_soa_line *l;
    const struct cw_soa_reliance *r;
    (void)state;
    build(&f, saas_on_iaas,
          "decisions:\n"
          "  - control: \"7.1\"\n"
          "    applicable: true\n"
          "    status: implemented\n"
          "    owner: facilities\n",
          NULL);
    l = l22(&f, "7.1");
    assert_true(l->decided);
    assert_no_reliance(l);
    assert_int_equal(l->status, CW_IMPL_IMPLEMENTED);
    assert_string_equal(l->owner, "facilities");
    assert_true(starts(l->why, "decision "));
    assert_has(l->why, "/decisions/d.yaml:2");
    /* Its neighbour keeps the default. */
    only_reliance(l22(&f, "7.2"), "Big IaaS");
    release(&f);

    build(&f, saas_on_iaas,
          "decisions:\n"
          "  - control: \"7.1\"\n"
          "    applicable: true\n"
          "    status: partial\n"
          "    relies_on:\n"
          "      - provider: Big IaaS\n"
          "        part: only the cages\n",
          NULL);
    l = l22(&f, "7.1");
    r = only_reliance(l, "Big IaaS");
    assert_string_equal(r->part, "only the cages");
    assert_int_equal(r->state, CW_RELY_VALID);
    assert_int_equal(l->status, CW_IMPL_PARTIAL);
    assert_true(starts(l->why, "decision "));
    release(&f);

    /* relies_on: [] means none. */
    build(&f, saas_on_iaas,
          "decisions:\n"
          "  - control: \"7.1\"\n"
          "    applicable: true\n"
          "    relies_on: []\n",
          NULL);
    assert_no_reliance(l22(&f, "7.1"));
    release(&f);
}

/* ---- 4. layers ----------------------------------------------------------- */

static void saas_on_iaas_layers(void **state)
{
    struct fixture f;
    const struct cw_soa_line *l;
    const struct cw_soa_reliance *r;
    (void)state;
    build(&f, saas_on_iaas,
          "decisions:\n"
          "  - control: CLD.9.5.1\n"
          "    applicable: true\n"
          "    status: partial\n"
          "    relies_on:\n"
          "      - provider: Big IaaS\n",
          NULL);
    /* Securing offices: the SaaS's own offices stay its own, the data
     * centre is the IaaS's. Never an "inherited" status. */
    l = l22(&f, "7.3");
    assert_true(l->applicable);
    assert_false(l->decided);
    assert_int_equal(l->status, CW_IMPL_NOT_STARTED);
    r = only_reliance(l, "Big IaaS");
    assert_string_equal(r->part, "data-centre physical security");
    assert_int_equal(r->state, CW_RELY_VALID);
    assert_rely(l, CW_RELY_VALID);
    assert_true(starts(l->why, "rule "));
    assert_has(l->why, "layer rule");

    /* Isolation: relied on for the named part (the decision names no
     * part: the default one), own status kept. */
    l = line_of(&f, "iso27017:2015", "CLD.9.5.1");
    r = only_reliance(l, "Big IaaS");
    assert_string_equal(r->part,
                        "hypervisor and tenant isolation of the "
                        "infrastructure");
    assert_int_equal(l->status, CW_IMPL_PARTIAL);
    assert_rely(l, CW_RELY_VALID);

    /* Information transfer and NDAs: each party for its own. */
    l = l22(&f, "5.14");
    assert_int_equal(l->responsibility, CW_RESP_EACH);
    assert_no_reliance(l);
    l = l22(&f, "6.6");
    assert_int_equal(l->responsibility, CW_RESP_EACH);
    assert_no_reliance(l);

    /* What the SaaS publishes for the physical layer: provider. */
    l = l22(&f, "7.1");
    assert_int_equal(l->responsibility, CW_RESP_PROVIDER);
    assert_string_equal(l->part, "data-centre physical security");
    release(&f);

    /* Without a decision CLD.9.5.1 is relied on too, and not started. */
    build(&f, saas_on_iaas, NULL, NULL);
    l = line_of(&f, "iso27017:2015", "CLD.9.5.1");
    r = only_reliance(l, "Big IaaS");
    assert_string_equal(r->part,
                        "hypervisor and tenant isolation of the "
                        "infrastructure");
    assert_int_equal(l->status, CW_IMPL_NOT_STARTED);
    release(&f);
}

/* ---- 5. a provider's own lines ------------------------------------------- */

static void iaas_provider_publishes(void **state)
{
    struct fixture f;
    const struct cw_soa_line *l;
    const struct cw_control *c;
    size_t i;
    (void)state;
    build(&f,
          "organisation: IaaS Co\nrole: provider\nservice_models: [iaas]\n"
          "pii_processor: false\n",
          NULL, NULL);
    assert_int_equal(cw_soa_count(f.soa), 93 + 7);
    /* Capacity: platform is the customer's in IaaS, but 27017 names a
     * duty for both parties. */
    l = l22(&f, "8.6");
    assert_int_equal(l->responsibility, CW_RESP_SPLIT);
    assert_non_null(l->provider_duty);
    assert_non_null(l->customer_duty);
    l = line_of(&f, "iso27017:2015", "CLD.9.5.2");
    c = l->control;
    assert_int_equal(l->responsibility,
                     c->provider && c->customer
                         ? CW_RESP_SPLIT
                         : cw_catalogs_resp(cats, c, CW_MODEL_IAAS));
    assert_true(l->responsibility == CW_RESP_SPLIT ||
                l->responsibility == CW_RESP_CUSTOMER);
    l = l22(&f, "7.1");
    assert_int_equal(l->responsibility, CW_RESP_PROVIDER);
    assert_string_equal(l->part, "data-centre physical security");
    assert_int_equal(l22(&f, "5.1")->responsibility, CW_RESP_EACH);
    assert_null(l22(&f, "5.1")->part);
    /* Nothing upstream: no line of its own SoA relies on anyone. */
    for (i = 0; i < cw_soa_count(f.soa); i++)
        assert_no_reliance(cw_soa_line_at(f.soa, i));
    assert_int_equal(cw_soa_get_summary(f.soa)->relies_none, 100);
    release(&f);
}

/* ---- 7. assurance -------------------------------------------------------- */

static void assurance_lapsed(void **state)
{
    struct fixture f;
    const struct cw_soa_line *l;
    (void)state;
    build(&f,
          SAAS_HEAD IAAS_UPSTREAM
              CERT_2022("[iso27017:2015, iso27018:2019]", "2026-01-31"),
          NULL, NULL);
    l = l22(&f, "7.1");
    assert_rely(l, CW_RELY_LAPSED);
    assert_int_equal(only_reliance(l, "Big IaaS")->state, CW_RELY_LAPSED);
    assert_has(l->relies[0].reason, "2026-01-31");
    assert_non_null(l->relies[0].assurance);
    assert_true(cw_soa_get_summary(f.soa)->relies_unverified > 0);
    assert_int_equal(cw_soa_get_summary(f.soa)->relies_verified, 0);
    release(&f);
}

#define CERT_2013                                                             \
    "    assurance:\n"                                                        \
    "      - kind: certificate\n"                                             \
    "        standard: ISO/IEC 27001\n"                                       \
    "        edition: \"2013\"\n"                                             \
    "        covers: [iso27017:2015, iso27018:2019]\n"                        \
    "        number: OLD-2013\n"                                              \
    "        valid_until: 2027-06-30\n"

static void assurance_transition_2013(void **state)
{
    struct fixture f;
    const struct cw_soa_line *l;
    (void)state;
    build_at(&f, SAAS_HEAD IAAS_UPSTREAM CERT_2013, NULL, NULL, "2026-01-01",
             0);
    l = l22(&f, "7.1");
    assert_rely(l, CW_RELY_LAPSED);
    assert_has(only_reliance(l, "Big IaaS")->reason, "2025-10-31");
    assert_rely(line_of(&f, "iso27017:2015", "CLD.9.5.1"), CW_RELY_LAPSED);
    release(&f);
    build_at(&f, SAAS_HEAD IAAS_UPSTREAM CERT_2013, NULL, NULL, "2025-06-01",
             0);
    assert_rely(l22(&f, "7.1"), CW_RELY_VALID);
    release(&f);
}

static void assurance_not_covering(void **state)
{
    struct fixture f;
    const struct cw_soa_line *l;
    (void)state;
    /* 27001 with 27017 but not 27018: the 27002 and CLD lines are covered,
     * the 27018 Annex A one is not. */
    build(&f,
          SAAS_HEAD IAAS_UPSTREAM CERT_2022("[iso27017:2015]", "2028-06-30"),
          NULL, NULL);
    l = line_of(&f, "iso27018:2019", "A.11.4");
    assert_rely(l, CW_RELY_NOT_COVERING);
    assert_has(only_reliance(l, "Big IaaS")->reason, "iso27018:2019");
    assert_rely(line_of(&f, "iso27017:2015", "CLD.9.5.1"), CW_RELY_VALID);
    assert_rely(l22(&f, "7.1"), CW_RELY_VALID);
    release(&f);

    /* Without 27017 the cloud control is not covered. */
    build(&f, SAAS_HEAD IAAS_UPSTREAM CERT_2022("[]", "2028-06-30"), NULL,
          NULL);
    l = line_of(&f, "iso27017:2015", "CLD.9.5.1");
    assert_rely(l, CW_RELY_NOT_COVERING);
    assert_has(only_reliance(l, "Big IaaS")->reason, "iso27017:2015");
    assert_rely(l22(&f, "7.1"), CW_RELY_VALID);
    release(&f);

    /* A certificate for the PaaS of a provider bought as IaaS. */
    build(&f,
          SAAS_HEAD IAAS_UPSTREAM
          "    assurance:\n"
          "      - kind: certificate\n"
          "        standard: ISO/IEC 27001\n"
          "        edition: \"2022\"\n"
          "        covers: [iso27017:2015, iso27018:2019]\n"
          "        service_models: [paas]\n"
          "        valid_until: 2028-06-30\n",
          NULL, NULL);
    l = l22(&f, "7.1");
    assert_rely(l, CW_RELY_NOT_COVERING);
    assert_has(only_reliance(l, "Big IaaS")->reason, "the iaas service");
    release(&f);

    /* An attestation covers only the catalogs it lists (docs/scope.md). */
    build(&f,
          SAAS_HEAD IAAS_UPSTREAM
          "    assurance:\n"
          "      - kind: attestation\n"
          "        standard: ISAE 3000 SOC 2 Type II\n"
          "        covers: [iso27017:2015]\n"
          "        valid_until: 2028-06-30\n",
          NULL, NULL);
    assert_rely(l22(&f, "7.1"), CW_RELY_NOT_COVERING);
    assert_rely(line_of(&f, "iso27017:2015", "CLD.9.5.1"), CW_RELY_VALID);
    release(&f);

    /* A certificate of another standard covers no 27002 control. */
    build(&f,
          SAAS_HEAD IAAS_UPSTREAM
          "    assurance:\n"
          "      - kind: certificate\n"
          "        standard: ISO 9001\n"
          "        edition: \"2015\"\n"
          "        valid_until: 2028-06-30\n",
          NULL, NULL);
    assert_rely(l22(&f, "7.1"), CW_RELY_NOT_COVERING);
    release(&f);
}

static void assurance_missing(void **state)
{
    struct fixture f;
    const struct cw_soa_line *l;
    (void)state;
    build(&f, SAAS_HEAD IAAS_UPSTREAM, NULL, NULL);
    l = l22(&f, "7.1");
    assert_rely(l, CW_RELY_NO_ASSURANCE);
    assert_has(only_reliance(l, "Big IaaS")->reason, "Big IaaS");
    assert_null(l->relies[0].assurance);
    assert_int_equal(cw_soa_get_summary(f.soa)->relies_verified, 0);
    assert_true(cw_soa_get_summary(f.soa)->relies_unverified > 0);
    release(&f);
}

static void assurance_expiring(void **state)
{
    struct fixture f;
    const struct cw_soa_line *l;
    const struct cw_soa_summary *s;
    (void)state;
    /* 2026-12-22 is 30 days after the SoA's date. */
    build(&f,
          SAAS_HEAD IAAS_UPSTREAM
              CERT_2022("[iso27017:2015, iso27018:2019]", "2026-12-22"),
          NULL, NULL);
    l = l22(&f, "7.1");
    assert_rely(l, CW_RELY_EXPIRING);
    assert_has(only_reliance(l, "Big IaaS")->reason, "2026-12-22");
    s = cw_soa_get_summary(f.soa);
    assert_true(s->relies_expiring > 0);
    assert_int_equal(s->relies_verified, 0);
    assert_int_equal(s->relies_unverified, 0);
    release(&f);
    build_at(&f,
             SAAS_HEAD IAAS_UPSTREAM
                 CERT_2022("[iso27017:2015, iso27018:2019]", "2026-12-22"),
             NULL, NULL, AS_OF, 10);
    assert_rely(l22(&f, "7.1"), CW_RELY_VALID);
    s = cw_soa_get_summary(f.soa);
    assert_int_equal(s->relies_expiring, 0);
    assert_true(s->relies_verified > 0);
    release(&f);
}

static void assurance_legacy_certificate(void **state)
{
    struct fixture f;
    size_t i, relying = 0;
    (void)state;
    build(&f,
          SAAS_HEAD IAAS_UPSTREAM "    certificate: CERT-9\n"
                                  "    expires: 2027-01-31\n",
          NULL, NULL);
    for (i = 0; i < cw_soa_count(f.soa); i++) {
        const struct cw_soa_line *l = cw_soa_line_at(f.soa, i);
        size_t k;
        for (k = 0; k < l->nrelies; k++) {
            assert_int_equal(l->relies[k].state, CW_RELY_NOT_COVERING);
            assert_has(l->relies[k].reason, "states no standard");
            relying++;
        }
    }
    assert_true(relying > 10);
    assert_int_equal(cw_soa_get_summary(f.soa)->relies_unverified, relying);
    release(&f);
}

/* ---- 8. the upstream's own row ------------------------------------------- */

static void upstream_gap(void **state)
{
    struct fixture f;
    const struct cw_soa_line *l;
    (void)state;
    build(&f, saas_on_iaas_matrix, NULL,
          "{\"controls\":[\n" ROW22("7.1", ",\"applicable\":false") ",\n"
          ROW22("7.2", ",\"status\":\"planned\"") ",\n"
          ROW22("7.3", ",\"applicable\":true,\"status\":\"implemented\"")
          "\n]}\n");
    l = l22(&f, "7.1");
    assert_rely(l, CW_RELY_UPSTREAM_GAP);
    assert_has(only_reliance(l, "Big IaaS")->reason, "Big IaaS");
    l = l22(&f, "7.2");
    assert_rely(l, CW_RELY_UPSTREAM_GAP);
    assert_has(only_reliance(l, "Big IaaS")->reason, "Big IaaS");
    assert_has(l->relies[0].reason, "planned");
    assert_rely(l22(&f, "7.3"), CW_RELY_VALID);
    release(&f);

    /* A reliance a decision names is judged against the row too. */
    build(&f, saas_on_iaas_matrix,
          "decisions:\n"
          "  - control: \"7.4\"\n"
          "    applicable: true\n"
          "    status: partial\n"
          "    relies_on:\n"
          "      - provider: Big IaaS\n"
          "        part: camera coverage of the halls\n",
          "{\"controls\":[\n" ROW22("7.4", ",\"applicable\":false") "\n]}\n");
    l = l22(&f, "7.4");
    assert_rely(l, CW_RELY_UPSTREAM_GAP);
    assert_string_equal(only_reliance(l, "Big IaaS")->part,
                        "camera coverage of the halls");
    assert_has(l->relies[0].reason, "Big IaaS");
    release(&f);
}

/* ---- 9. editions --------------------------------------------------------- */

static void editions_default_2022(void **state)
{
    struct fixture f;
    const struct cw_soa_line *l;
    (void)state;
    build(&f,
          "organisation: E\nrole: provider\nservice_models: [saas]\n"
          "pii_processor: false\n",
          NULL, NULL);
    assert_int_equal(cw_soa_count(f.soa), 93 + 7);
    assert_int_equal(lines_of_catalog(&f, "iso27002:2022"), 93);
    assert_int_equal(lines_of_catalog(&f, "iso27017:2015"), 7);
    assert_int_equal(lines_of_catalog(&f, "iso27002:2013"), 0);
    /* 27017 guidance on 12.6.1 reaches 8.8 through the crosswalk. */
    l = l22(&f, "8.8");
    assert_has(l->provider_duty, "(from 12.6.1)");
    release(&f);
    build(&f,
          "organisation: E\nrole: provider\nservice_models: [saas]\n"
          "pii_processor: true\n",
          NULL, NULL);
    assert_int_equal(cw_soa_count(f.soa), 93 + 7 + 25);
    assert_int_equal(lines_of_catalog(&f, "iso27018:2019"), 25);
    assert_int_equal(lines_of_catalog(&f, "iso27002:2013"), 0);
    release(&f);
}

static void editions_listed(void **state)
{
    struct fixture f;
    (void)state;
    build(&f,
          "organisation: E\nrole: provider\nservice_models: [saas]\n"
          "pii_processor: false\ncatalogs: [iso27017:2015]\n",
          NULL, NULL);
    assert_int_equal(cw_soa_count(f.soa), 114 + 7);
    assert_int_equal(lines_of_catalog(&f, "iso27002:2013"), 114);
    assert_int_equal(lines_of_catalog(&f, "iso27002:2022"), 0);
    release(&f);
    build(&f,
          "organisation: E\nrole: provider\nservice_models: [saas]\n"
          "pii_processor: false\n"
          "catalogs: [iso27002:2013, iso27002:2022, iso27017:2015]\n",
          NULL, NULL);
    assert_int_equal(cw_soa_count(f.soa), 114 + 93 + 7);
    assert_int_equal(lines_of_catalog(&f, "iso27002:2013"), 114);
    assert_int_equal(lines_of_catalog(&f, "iso27002:2022"), 93);
    release(&f);
}

static void editions_decisions_through_crosswalk(void **state)
{
    struct fixture f;
    const struct cw_soa_line *l;
    (void)state;
    build(&f,
          "organisation: E\nrole: provider\nservice_models: [saas]\n"
          "pii_processor: false\n",
          "decisions:\n"
          "  - control: \"iso27002:2013 12.6.1\"\n"
          "    applicable: true\n"
          "    status: implemented\n"
          "  - control: \"iso27002:2013 5.1.1\"\n"
          "    applicable: true\n"
          "    status: implemented\n"
          "  - control: \"iso27002:2013 5.1.2\"\n"
          "    applicable: true\n"
          "    status: planned\n",
          NULL);
    l = l22(&f, "8.8");
    assert_true(l->decided);
    assert_int_equal(l->status, CW_IMPL_IMPLEMENTED);
    assert_true(starts(l->why, "decision "));
    assert_has(l->why, "(on iso27002:2013 12.6.1)");
    assert_int_equal(l->nflags, 0);
    /* Two decisions of the other edition reach 5.1. */
    l = l22(&f, "5.1");
    assert_true(l->decided);
    assert_true(l->nflags >= 1);
    assert_has(l->flags, "directly");
    assert_has(l->flags, "5.1.2");
    assert_true(cw_soa_get_summary(f.soa)->flagged >= 1);
    release(&f);

    /* The line's own decision wins and nothing is flagged. */
    build(&f,
          "organisation: E\nrole: provider\nservice_models: [saas]\n"
          "pii_processor: false\n",
          "decisions:\n"
          "  - control: \"iso27002:2013 5.1.1\"\n"
          "    applicable: true\n"
          "    status: implemented\n"
          "  - control: \"iso27002:2013 5.1.2\"\n"
          "    applicable: true\n"
          "    status: planned\n"
          "  - control: \"iso27002:2022 5.1\"\n"
          "    applicable: true\n"
          "    status: partial\n",
          NULL);
    l = l22(&f, "5.1");
    assert_int_equal(l->status, CW_IMPL_PARTIAL);
    assert_null(l->flags);
    assert_has(l->why, "d.yaml:8");
    release(&f);

    /* In a 2013 scope, a decision on the 2022 control. */
    build(&f,
          "organisation: E\nrole: provider\nservice_models: [saas]\n"
          "pii_processor: false\ncatalogs: [iso27017:2015]\n",
          "decisions:\n"
          "  - control: \"iso27002:2022 8.8\"\n"
          "    applicable: true\n"
          "    status: implemented\n",
          NULL);
    l = line_of(&f, "iso27002:2013", "12.6.1");
    assert_true(l->decided);
    assert_int_equal(l->status, CW_IMPL_IMPLEMENTED);
    assert_has(l->why, "(on iso27002:2022 8.8)");
    /* 8.8 also came from 18.2.3 (docs/scope.md). */
    assert_true(line_of(&f, "iso27002:2013", "18.2.3")->decided);
    assert_false(line_of(&f, "iso27002:2013", "12.6.2")->decided);
    release(&f);
}

static void editions_unknown_catalog(void **state)
{
    char msg[1200];
    (void)state;
    assert_int_equal(load_refused("organisation: E\nrole: provider\n"
                                  "service_models: [saas]\n"
                                  "pii_processor: false\n"
                                  "catalogs: [iso27002:2017]\n",
                                  NULL, NULL, msg, sizeof(msg)),
                     CW_ESCHEMA);
    assert_has(msg, "iso27002:2017");
    assert_has(msg, "iso27002:2022");
}

/* ---- 6. counts: an excluded line is not-applicable ----------------------- */

/* check_counts runs on every fixture; this one excludes controls whose
 * decisions still carry an implementation status (the older names of
 * not-started among them, as decision files written for the old model
 * do). An excluded line is not-applicable; one that says otherwise is a
 * contradiction and flagged (as "implemented" is). */
static void excluded_lines_are_not_applicable(void **state)
{
    struct fixture f;
    const struct cw_soa_summary *s;
    (void)state;
    build(&f, saas_on_iaas,
          "decisions:\n"
          "  - control: \"5.10\"\n"
          "    applicable: false\n"
          "    justification: No information of others is used.\n"
          "  - control: \"5.11\"\n"
          "    applicable: false\n"
          "    justification: Nothing is lent out.\n"
          "    status: not-assessed\n"
          "  - control: \"5.12\"\n"
          "    applicable: false\n"
          "    justification: One class of information only.\n"
          "    status: planned\n",
          NULL);
    assert_int_equal(l22(&f, "5.10")->status, CW_IMPL_NOT_APPLICABLE);
    assert_null(l22(&f, "5.10")->flags);
    s = cw_soa_get_summary(f.soa);
    assert_int_equal(s->not_applicable, 3);
    release(&f);
}

/* ---- 10. contradictions -------------------------------------------------- */

static void contradictions(void **state)
{
    struct fixture f;
    const struct cw_soa_line *l;
    size_t i, flagged = 0;
    (void)state;
    build(&f, saas_on_iaas,
          "decisions:\n"
          "  - control: \"7.9\"\n"
          "    applicable: false\n"
          "    justification: Nothing leaves the premises.\n"
          "  - control: \"8.9\"\n"
          "    applicable: true\n"
          "    status: not-applicable\n"
          "  - control: \"8.16\"\n"
          "    applicable: false\n"
          "    justification: Not monitored.\n"
          "    status: implemented\n"
          "  - control: \"7.4\"\n"
          "    applicable: true\n"
          "    status: not-applicable\n"
          "    relies_on:\n"
          "      - provider: Big IaaS\n",
          NULL);
    /* Remote working (6.7) applies by default and needs 7.9. */
    l = l22(&f, "7.9");
    assert_false(l->applicable);
    assert_int_equal(l->status, CW_IMPL_NOT_APPLICABLE);
    assert_true(l->nflags >= 1);
    assert_has(l->flags, "6.7");
    /* Applicable, nothing of its own, no reliance: nobody carries it. */
    l = l22(&f, "8.9");
    assert_true(l->applicable);
    assert_int_equal(l->status, CW_IMPL_NOT_APPLICABLE);
    assert_int_equal(l->nflags, 1);
    assert_non_null(l->flags);
    /* Excluded, yet implemented: counted not applicable, and flagged. */
    l = l22(&f, "8.16");
    assert_false(l->applicable);
    assert_int_equal(l->status, CW_IMPL_NOT_APPLICABLE);
    assert_int_equal(l->nflags, 1);
    assert_has(l->flags, "Excluded");
    /* Carried entirely by what it relies on: no contradiction. */
    l = l22(&f, "7.4");
    assert_int_equal(l->status, CW_IMPL_NOT_APPLICABLE);
    only_reliance(l, "Big IaaS");
    assert_null(l->flags);
    /* Nothing else is flagged, and the summary counts these lines. */
    for (i = 0; i < cw_soa_count(f.soa); i++) {
        l = cw_soa_line_at(f.soa, i);
        if (!l->flags)
            continue;
        flagged++;
        if (strcmp(l->control->id, "7.9") && strcmp(l->control->id, "8.9") &&
            strcmp(l->control->id, "8.16"))
            fail_msg("%s %s flagged: %s", l->control->catalog,
                     l->control->id, l->flags);
    }
    assert_int_equal(flagged, 3);
    assert_int_equal(cw_soa_get_summary(f.soa)->flagged, 3);
    release(&f);

    /* Without the exclusion, 7.9 is not flagged. */
    build(&f, saas_on_iaas, NULL, NULL);
    assert_null(l22(&f, "7.9")->flags);
    assert_int_equal(cw_soa_get_summary(f.soa)->flagged, 0);
    release(&f);
}

int main(void)
{
#define T(fn) cmocka_unit_test_teardown(fn, cleanup)
    const struct CMUnitTest tests[] = {
        T(each_party_for_its_own_organisation),
        T(customer_view_of_own_organisation),
        T(pii_processor_relies_on_nobody_for_its_duties),
        T(refused_reliances),
        T(decisions_replace_the_default_reliance),
        T(saas_on_iaas_layers),
        T(iaas_provider_publishes),
        T(assurance_lapsed),
        T(assurance_transition_2013),
        T(assurance_not_covering),
        T(assurance_missing),
        T(assurance_expiring),
        T(assurance_legacy_certificate),
        T(upstream_gap),
        T(editions_default_2022),
        T(editions_listed),
        T(editions_decisions_through_crosswalk),
        T(editions_unknown_catalog),
        T(excluded_lines_are_not_applicable),
        T(contradictions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
