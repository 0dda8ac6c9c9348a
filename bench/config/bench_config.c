/*
 * bench_config.c - the document side of `scan config` on a large
 * Terraform plan, as it stands: stream the plan (every byte validated),
 * build each resource as a tree in a scratch arena, and evaluate on every
 * aws_security_group the selector of the jq comparison (an ingress rule
 * from 0.0.0.0/0 covering port 22), then drop the resource. Prints
 * resources, matches, seconds, MB/s and peak RSS as one line of
 * key=value pairs for bench/config/run.sh.
 *
 * With --pack NAME it instead runs the whole evaluation through the
 * library (cw_scan_config: the pack's every check, joins decided, results
 * kept in memory) without writing a report, and prints the tallies: the
 * evaluation cost apart from the report's.
 *
 * usage: bench_config PLAN.json
 *        bench_config --pack NAME PLAN.json [PII_REGION...]
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <cloudward/cloudward.h>

#include "../../src/config/config.h"
#include "../../src/query/jsonpath.h"

struct ctx {
    struct cw__jp *q;
    size_t resources, sgs, matches;
};

static bool count(void *arg, const struct cw__node *n,
                  const struct cw__jp_loc *loc)
{
    (void)n;
    (void)loc;
    ((struct ctx *)arg)->matches++;
    return true;
}

static bool on_resource(void *arg, const struct cw__resource *r)
{
    struct ctx *c = arg;
    struct cw_diag d;
    c->resources++;
    if (strcmp(r->type, "aws_security_group") != 0 || !r->attrs)
        return true;
    c->sgs++;
    (void)cw__jp_eval(c->q, r->attrs, count, c, &d);
    return true;
}

static double since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int pack_run(const char *name, const char *plan,
                    const char *const *regions, size_t nregions)
{
    struct cw_config_options opt = { NULL, regions, nregions, 0, NULL, NULL };
    struct cw_catalogs *cats = NULL;
    struct cw_pack *pack = NULL;
    struct cw_results *res = NULL;
    const char *paths[1] = { plan };
    struct timespec t0;
    struct rusage ru;
    struct cw_diag d;
    double secs;
    cw_diag_clear(&d);
    if (cw_catalogs_new(NULL, &cats, &d) ||
        cw_pack_load(cats, name, &pack, &d))
        goto fail;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (cw_scan_config(pack, paths, 1, &opt, &res, &d))
        goto fail;
    secs = since(&t0);
    getrusage(RUSAGE_SELF, &ru);
    printf("results=%zu pass=%zu fail=%zu unknown=%zu seconds=%.3f "
           "peak_kb=%ld\n",
           cw_results_count(res), cw_results_tally(res, CW_VERDICT_PASS),
           cw_results_tally(res, CW_VERDICT_FAIL),
           cw_results_tally(res, CW_VERDICT_UNKNOWN), secs, ru.ru_maxrss);
    cw_results_free(res);
    cw_pack_free(pack);
    cw_catalogs_free(cats);
    return 0;
fail:
    fprintf(stderr, "%s:%u:%u: %s\n", d.file, d.line, d.col,
            d.msg);
    return 2;
}

int main(int argc, char **argv)
{
    static const char sel[] =
        "$.ingress[?@.from_port <= 22 && @.to_port >= 22 && "
        "@.cidr_blocks[?@ == '0.0.0.0/0']]";
    struct timespec t0, t1;
    struct rusage ru;
    struct cw__map m;
    struct cw_diag d;
    struct ctx c;
    double secs;

    cw_tune_memory_for_batch(); /* as the CLI runs */
    if (argc >= 4 && strcmp(argv[1], "--pack") == 0)
        return pack_run(argv[2], argv[3], (const char *const *)argv + 4,
                        (size_t)(argc - 4));
    if (argc != 2) {
        fprintf(stderr, "usage: %s [--pack NAME] PLAN.json\n", argv[0]);
        return 2;
    }
    memset(&c, 0, sizeof(c));
    cw_diag_clear(&d);
    if (cw__jp_compile(sel, strlen(sel), "selector", &c.q, &d))
        return 2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (cw__map_file(argv[1], &m, &d) ||
        cw__tf_load(argv[1], m.data, m.len, on_resource, &c, &d)) {
        fprintf(stderr, "%s:%u:%u: %s\n", d.file, d.line, d.col, d.msg);
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) +
           (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    getrusage(RUSAGE_SELF, &ru);
    printf("bytes=%zu resources=%zu security_groups=%zu matches=%zu "
           "seconds=%.3f mb_per_s=%.1f peak_kb=%ld\n",
           m.len, c.resources, c.sgs, c.matches, secs,
           (double)m.len / 1e6 / secs, ru.ru_maxrss);
    cw__unmap_file(&m);
    cw__jp_free(c.q);
    return 0;
}
