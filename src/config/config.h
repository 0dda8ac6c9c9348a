/*
 * config.h - cloud configuration documents as one resource model.
 *
 * Every loader turns its format into `struct cw__resource` values handed to
 * a callback one at a time, so a 1 GB Terraform plan is never held as a
 * tree: the loader walks the document with the streaming JSON cursor,
 * builds one resource's tree in a scratch arena, calls back, and releases
 * the arena before the next resource. Checks evaluate everything they need
 * during the callback (parse once, every check in one pass).
 */
#ifndef CW_CONFIG_CONFIG_H
#define CW_CONFIG_CONFIG_H

#include "../core/core.h"
#include "../parse/node.h"

struct cw__resource {
    const char *type;     /* "aws_security_group" */
    const char *address;  /* "module.net.aws_security_group.web" */
    const char *provider; /* "registry.terraform.io/hashicorp/aws" or NULL */
    const char *region;   /* NULL when the document does not say; for
                             Terraform, the provider's configured region
                             (the attributes may say better: see
                             cw__region_of) */
    const struct cw__node *attrs; /* the resource's attribute values */
    const struct cw__node *unknown; /* Terraform after_unknown, or NULL */
    const char *file;
    unsigned line;        /* where the resource starts */
    /* Batches of a Terraform plan: the resource's text, not yet parsed
     * (raw.p NULL once built); see cw__resource_build. */
    struct cw__jspan raw;
    const void *loader;
    const void *user; /* the consumer's, for its own use */
};

/*
 * Builds a resource a batch handed over unbuilt (a no-op for one already
 * built): parses its text into `a` with the loader's indexes, which stay
 * valid until the batch stream's final call. Any thread may build; errors
 * are FILE:LINE:COL as the loader's.
 */
enum cw_status cw__resource_build(struct cw__resource *r,
                                  struct cw__arena *a,
                                  struct cw__jscratch *scratch,
                                  struct cw_diag *d);

/* Called once per resource; everything it points at lives until return.
 * Return false to stop. */
typedef bool (*cw__resource_fn)(void *arg, const struct cw__resource *r);

/*
 * A batch of resources handed over whole, for consumers that evaluate on
 * other threads while the loader reads on: the trees live in `arena`,
 * which the callee now owns (cw__arena_release it, then cw__free it), and
 * `v` lives in it too. A final call with v == NULL, n == 0, arena == NULL
 * ends the stream: the callee must be done with every batch (they point
 * into the loader's indexes) before it returns. Return false to stop.
 */
typedef bool (*cw__batch_fn)(void *arg, struct cw__resource *v, size_t n,
                             struct cw__arena *arena);

/* Where batches get their arenas: the consumer hands back the ones it is
 * done with (reset, chunks kept, so no batch pays for fresh memory), or
 * NULL for a new one. */
struct cw__batch_sink {
    cw__batch_fn put;
    struct cw__arena *(*get)(void *arg);
};

/*
 * Terraform `terraform show -json` output: a plan (planned_values) or a
 * state (values), nested child_modules included. The whole text is
 * validated; errors are FILE:LINE:COL with CW_EPARSE (malformed JSON),
 * CW_ESCHEMA (not a plan or state), CW_ELIMIT (nesting) or CW_ENOMEM.
 */
enum cw_status cw__tf_load(const char *name, const char *buf, size_t len,
                           cw__resource_fn fn, void *arg, struct cw_diag *d);
/* The same, where `buf` is a file mapping of `fd` from cw__map_file: the
 * pages already read are given back as the stream moves on, so a 1 GB plan
 * does not stay resident, and the first pass reads the file through `fd`
 * rather than the mapping (cw__jcur_span_file). */
enum cw_status cw__tf_load_mapped(const char *name, const char *buf,
                                  size_t len, int fd, cw__resource_fn fn,
                                  void *arg, struct cw_diag *d);
/* The same in batches (`fd` as above; -1: `buf` is not a mapping). */
enum cw_status cw__tf_load_batched(const char *name, const char *buf,
                                   size_t len, int fd,
                                   const struct cw__batch_sink *sink,
                                   void *arg, struct cw_diag *d);

/*
 * Kubernetes manifests: multi-document YAML or JSON (`json`), List kinds
 * expanded. Type = kind, address = KIND/NAMESPACE/NAME (KIND/NAME for
 * cluster-scoped kinds such as ClusterRole).
 */
enum cw_status cw__k8s_load(const char *name, const char *buf, size_t len,
                            bool json, cw__resource_fn fn, void *arg,
                            struct cw_diag *d);

/*
 * CloudFormation templates, JSON or YAML (short-form tags such as !Ref
 * rewritten to the long form). Type = the resource's Type, address = its
 * logical id, attributes = its Properties; intrinsic functions are
 * marked in `unknown` (values decided only at deploy time).
 */
enum cw_status cw__cfn_load(const char *name, const char *buf, size_t len,
                            bool json, cw__resource_fn fn, void *arg,
                            struct cw_diag *d);

/*
 * JSON exports of the aws, az and gcloud command-line tools (the shapes
 * are listed in cli_export.c and docs/config-scans.md). cw__cli_detect
 * looks at the first 4 KB only.
 */
enum cw_status cw__cli_load(const char *name, const char *buf, size_t len,
                            cw__resource_fn fn, void *arg, struct cw_diag *d);
bool cw__cli_detect(const char *buf, size_t len);

/*
 * The region a resource lives in, read from its attributes: an explicit
 * region or location, an availability zone or zone (trimmed to its
 * region), an ARN's region field, an S3 LocationConstraint (empty means
 * us-east-1). Lower case, written to `buf` (or a static string); NULL
 * when none says.
 */
const char *cw__region_of(const struct cw__node *attrs, char *buf,
                          size_t cap);

/* The formats cw__config_load reads, by their --type names. */
extern const char *const cw__config_types[];

/* The --type name of the format `buf` looks like (never NULL). */
const char *cw__config_detect(const char *buf, size_t len);

/* Runs the loader of `type` (one of cw__config_types), or detects the
 * format when `type` is NULL. */
enum cw_status cw__config_load(const char *name, const char *buf, size_t len,
                               const char *type, cw__resource_fn fn,
                               void *arg, struct cw_diag *d);
/* The same over a whole file mapped with cw__map_file; Terraform plans go
 * to `sink` in batches when it is not NULL, other formats to `fn`. */
enum cw_status cw__config_load_map(const char *name, const struct cw__map *m,
                                   const char *type, cw__resource_fn fn,
                                   const struct cw__batch_sink *sink,
                                   void *arg, struct cw_diag *d);

#endif
