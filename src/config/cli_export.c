/*
 * cli_export.c - JSON written by cloud command-line tools into resources,
 * for teams that can export their live configuration but keep no code.
 *
 * AWS (`aws ... --output json`, the default): an object whose top-level
 * lists are recognised by name, each item one resource of a fixed type:
 *
 *   SecurityGroups   aws ec2 describe-security-groups   aws:ec2:SecurityGroup
 *   Reservations     aws ec2 describe-instances         aws:ec2:Instance
 *   Vpcs, Subnets, Volumes, FlowLogs   (ec2 describe-*) aws:ec2:Vpc, ...
 *   Buckets          aws s3api list-buckets (+ settings) aws:s3:Bucket
 *   DBInstances      aws rds describe-db-instances       aws:rds:DBInstance
 *   trailList        aws cloudtrail describe-trails     aws:cloudtrail:Trail
 *   Listeners        aws elbv2 describe-listeners       aws:elbv2:Listener
 *   UserDetailList, RoleDetailList, GroupDetailList, Policies
 *                    aws iam get-account-authorization-details
 *                                                       aws:iam:User, ...
 *   SummaryMap       aws iam get-account-summary        aws:iam:AccountSummary
 *   PasswordPolicy   aws iam get-account-password-policy aws:iam:PasswordPolicy
 *
 * Several exports may be joined into one array (`jq -s . a.json b.json`).
 * S3 bucket settings come from one call per bucket; docs/config-scans.md
 * shows how to merge them into each Buckets item.
 *
 * Azure (`az ... -o json`): an array of objects with an `id` under
 * /subscriptions/ and a `type` ("Microsoft.Network/networkSecurityGroups");
 * type and address are those, the region is `location`.
 * Google Cloud (`gcloud ... --format=json`): an array of objects with a
 * `kind` ("compute#firewall"); address = selfLink or name, region from
 * `region`, `zone` or `location`.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"

#define MAX_EXPORT_BYTES ((size_t)512 << 20)

struct shape {
    const char *key;  /* top-level list */
    const char *type; /* resource type */
    const char *id;   /* member naming the resource */
};

static const struct shape aws_shapes[] = {
    { "SecurityGroups", "aws:ec2:SecurityGroup", "GroupId" },
    { "Vpcs", "aws:ec2:Vpc", "VpcId" },
    { "Subnets", "aws:ec2:Subnet", "SubnetId" },
    { "Volumes", "aws:ec2:Volume", "VolumeId" },
    { "FlowLogs", "aws:ec2:FlowLog", "FlowLogId" },
    { "Buckets", "aws:s3:Bucket", "Name" },
    { "DBInstances", "aws:rds:DBInstance", "DBInstanceIdentifier" },
    { "trailList", "aws:cloudtrail:Trail", "Name" },
    { "Listeners", "aws:elbv2:Listener", "ListenerArn" },
    { "UserDetailList", "aws:iam:User", "UserName" },
    { "RoleDetailList", "aws:iam:Role", "RoleName" },
    { "GroupDetailList", "aws:iam:Group", "GroupName" },
    { "Policies", "aws:iam:Policy", "PolicyName" },
    { NULL, NULL, NULL }
};

struct cli {
    struct cw__arena *a;
    const char *name;
    cw__resource_fn fn;
    void *arg;
    struct cw_diag *d;
    bool stop;
    size_t found;
};

static enum cw_status emit(struct cli *c, const char *type,
                           const char *address, const char *provider,
                           const struct cw__node *attrs)
{
    struct cw__resource r;
    char region[64];

    memset(&r, 0, sizeof(r));
    r.type = type;
    r.provider = provider;
    r.attrs = attrs;
    r.file = c->name;
    r.line = attrs->line;
    r.address = address ? address
                        : cw__arena_printf(c->a, "%s@%u", type, attrs->line);
    if (!r.address)
        return cw__diag_set(c->d, CW_ENOMEM, c->name, 0, 0, "out of memory");
    r.region = cw__region_of(attrs, region, sizeof(region));
    c->found++;
    if (!c->stop && !c->fn(c->arg, &r))
        c->stop = true;
    return CW_OK;
}

static enum cw_status aws_object(struct cli *c, const struct cw__node *o)
{
    const struct shape *s;
    const struct cw__node *v;
    enum cw_status st = CW_OK;
    size_t i, k;

    for (s = aws_shapes; s->key && !st; s++) {
        v = cw__node_get(o, s->key);
        if (!v || v->kind != CW__NODE_SEQ)
            continue;
        for (i = 0; i < v->n && !st; i++)
            if (v->kids[i]->kind == CW__NODE_MAP)
                st = emit(c, s->type, cw__node_str(v->kids[i], s->id), "aws",
                          v->kids[i]);
    }
    /* describe-instances nests instances in reservations. */
    v = cw__node_get(o, "Reservations");
    for (i = 0; v && v->kind == CW__NODE_SEQ && i < v->n && !st; i++) {
        const struct cw__node *ins = cw__node_get(v->kids[i], "Instances");
        for (k = 0; ins && ins->kind == CW__NODE_SEQ && k < ins->n && !st; k++)
            if (ins->kids[k]->kind == CW__NODE_MAP)
                st = emit(c, "aws:ec2:Instance",
                          cw__node_str(ins->kids[k], "InstanceId"), "aws",
                          ins->kids[k]);
    }
    if (!st && (v = cw__node_get(o, "SummaryMap")) && v->kind == CW__NODE_MAP)
        st = emit(c, "aws:iam:AccountSummary", "account", "aws", v);
    if (!st && (v = cw__node_get(o, "PasswordPolicy")) &&
        v->kind == CW__NODE_MAP)
        st = emit(c, "aws:iam:PasswordPolicy", "account", "aws", v);
    return st;
}

/* One element of a top-level array: an az or gcloud resource, or a whole
 * AWS export joined with others. */
static enum cw_status item(struct cli *c, const struct cw__node *o)
{
    const char *id = cw__node_str(o, "id"), *type = cw__node_str(o, "type");
    const char *kind = cw__node_str(o, "kind");

    if (o->kind != CW__NODE_MAP)
        return cw__diag_set(c->d, CW_ESCHEMA, c->name, o->line, o->col,
                            "expected an object (a resource of 'az' or "
                            "'gcloud' output, or an 'aws' export)");
    if (id && type && strncmp(id, "/subscriptions/", 15) == 0)
        return emit(c, type, id, "azure", o);
    if (kind && strchr(kind, '#'))
        return emit(c, kind,
                    cw__node_str(o, "selfLink") ? cw__node_str(o, "selfLink")
                                          : cw__node_str(o, "name"),
                    "google", o);
    return aws_object(c, o);
}

/* Any of `keys` in the first 4 KB? */
static bool mentions(const char *buf, size_t len, const char *const *keys)
{
    size_t n = len < 4096 ? len : 4096, i, k;
    for (; *keys; keys++)
        for (k = strlen(*keys), i = 0; i + k <= n; i++)
            if (memcmp(buf + i, *keys, k) == 0)
                return true;
    return false;
}

bool cw__cli_detect(const char *buf, size_t len)
{
    static const char *const aws[] = {
        "\"SecurityGroups\"", "\"Vpcs\"", "\"Subnets\"", "\"Volumes\"",
        "\"FlowLogs\"", "\"Buckets\"", "\"DBInstances\"", "\"trailList\"",
        "\"Listeners\"", "\"UserDetailList\"", "\"RoleDetailList\"",
        "\"GroupDetailList\"", "\"Policies\"", "\"Reservations\"",
        "\"SummaryMap\"", "\"PasswordPolicy\"", NULL
    };
    static const char *const arrays[] = { "\"/subscriptions/", "#", NULL };
    size_t i = 0;

    while (i < len && strchr(" \t\r\n", buf[i]))
        i++;
    return mentions(buf, len, aws) ||
           (i < len && buf[i] == '[' && mentions(buf, len, arrays));
}

enum cw_status cw__cli_load(const char *name, const char *buf, size_t len,
                            cw__resource_fn fn, void *arg, struct cw_diag *d)
{
    struct cw__yaml_limits lim = { 128, MAX_EXPORT_BYTES, false };
    struct cw__node *root = NULL;
    struct cw__arena a;
    struct cli c = { &a, name, fn, arg, d, false, 0 };
    enum cw_status st;
    size_t i;

    cw__arena_init(&a, 0);
    st = cw__json_parse(&a, name, buf, len, &lim, &root, d);
    if (!st && root->kind == CW__NODE_SEQ)
        for (i = 0; !st && i < root->n; i++)
            st = item(&c, root->kids[i]);
    else if (!st && root->kind == CW__NODE_MAP)
        st = aws_object(&c, root);
    if (!st && !c.found && !(root->kind == CW__NODE_SEQ && !root->n))
        st = cw__diag_set(d, CW_ESCHEMA, name, root->line, root->col,
                          "no resources recognised: expected the JSON of "
                          "'aws ec2 describe-security-groups' (or another "
                          "export listed in docs/config-scans.md), or an "
                          "array from 'az' or 'gcloud'");
    cw__arena_release(&a);
    return st;
}
