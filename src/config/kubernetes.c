/*
 * kubernetes.c - Kubernetes manifests into resources: multi-document YAML
 * (kubectl apply files, rendered Helm charts with their "---" separators
 * and "# Source:" comments) or JSON (`kubectl get -o json`), with `List`
 * kinds expanded into their items. The type of a resource is its kind
 * ("Deployment"), its address KIND/NAMESPACE/NAME ("default" when the
 * manifest names no namespace; KIND/NAME for kinds outside namespaces
 * such as ClusterRole), its attributes the whole object, so rules
 * select from `$.spec...`. Manifests are small: the whole file is one tree.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"

#define MAX_MANIFEST_BYTES ((size_t)256 << 20)

static const char *str_at(const struct cw__node *m, const char *key)
{
    const struct cw__node *v = cw__node_get(m, key);
    return v && v->kind == CW__NODE_SCALAR ? v->str : NULL;
}

/* Kinds that live outside namespaces: their address is KIND/NAME. */
static bool cluster_scoped(const char *kind)
{
    static const char *const kinds[] = {
        "Namespace", "Node", "PersistentVolume", "ClusterRole",
        "ClusterRoleBinding", "StorageClass", "CustomResourceDefinition",
        "PriorityClass", "IngressClass", "RuntimeClass", "CSIDriver",
        "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
        "APIService", "VolumeAttachment", "PodSecurityPolicy", NULL
    };
    size_t i;
    for (i = 0; kinds[i]; i++)
        if (strcmp(kinds[i], kind) == 0)
            return true;
    return false;
}

struct k8s {
    struct cw__arena *a;
    const char *name;
    cw__resource_fn fn;
    void *arg;
    struct cw_diag *d;
};

/* One object; returns false to stop. */
static enum cw_status object(struct k8s *k, const struct cw__node *o,
                             unsigned depth, bool *stop)
{
    const char *kind = str_at(o, "kind");
    const struct cw__node *meta, *items;
    const char *ns;
    struct cw__resource r;
    size_t i;

    if (o->kind != CW__NODE_MAP || cw__node_is_null(o))
        return CW_OK; /* an empty document between separators */
    if (!kind || !str_at(o, "apiVersion"))
        return cw__diag_set(k->d, CW_ESCHEMA, k->name, o->line, o->col,
                            "expected a Kubernetes object with apiVersion "
                            "and kind (or a Terraform plan; CloudFormation "
                            "is not read yet)");
    items = cw__node_get(o, "items");
    if (strlen(kind) >= 4 && strcmp(kind + strlen(kind) - 4, "List") == 0 &&
        items && items->kind == CW__NODE_SEQ) {
        if (depth > 4)
            return cw__diag_set(k->d, CW_ELIMIT, k->name, o->line, o->col,
                                "lists nest too deeply");
        for (i = 0; i < items->n && !*stop; i++) {
            enum cw_status st = object(k, items->kids[i], depth + 1, stop);
            if (st)
                return st;
        }
        return CW_OK;
    }
    meta = cw__node_get(o, "metadata");
    memset(&r, 0, sizeof(r));
    r.type = kind;
    ns = str_at(meta, "namespace");
    r.address = cw__arena_printf(
        k->a, "%s/%s%s%s", kind, ns ? ns : cluster_scoped(kind) ? "" : "default",
        ns || !cluster_scoped(kind) ? "/" : "",
        str_at(meta, "name") ? str_at(meta, "name")
                             : str_at(meta, "generateName")
                                   ? str_at(meta, "generateName")
                                   : "(unnamed)");
    if (!r.address)
        return cw__diag_set(k->d, CW_ENOMEM, k->name, 0, 0, "out of memory");
    r.provider = "kubernetes";
    r.attrs = o;
    r.file = k->name;
    r.line = o->line;
    if (!k->fn(k->arg, &r))
        *stop = true;
    return CW_OK;
}

enum cw_status cw__k8s_load(const char *name, const char *buf, size_t len,
                            bool json, cw__resource_fn fn, void *arg,
                            struct cw_diag *d)
{
    struct cw__yaml_limits lim = { 128, MAX_MANIFEST_BYTES, true };
    struct cw__node *root = NULL;
    struct cw__arena a;
    struct k8s k;
    enum cw_status st;
    bool stop = false;
    size_t i;

    cw__arena_init(&a, 0);
    k.a = &a;
    k.name = name;
    k.fn = fn;
    k.arg = arg;
    k.d = d;
    st = json ? cw__json_parse(&a, name, buf, len, &lim, &root, d)
              : cw__yaml_parse(&a, name, buf, len, &lim, &root, d);
    if (!st && json)
        st = object(&k, root, 0, &stop);
    for (i = 0; !st && !json && i < root->n && !stop; i++)
        st = object(&k, root->kids[i], 0, &stop);
    cw__arena_release(&a);
    return st;
}
