/*
 * detect.c - which loader reads a document: Terraform plan or state JSON,
 * or Kubernetes manifests (YAML, or JSON with apiVersion and kind at the
 * top). `--type` skips the guess. Encodings other than UTF-8 are
 * refused by the parsers themselves, with their own positions. CloudFormation and cloud CLI exports are
 * the next loaders; until they exist such files are refused with a clear
 * message rather than scanned as nothing.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"

/* Is "key" a member name near the top of a JSON object? A cheap look at
 * the first 4 KB: Terraform writes format_version first, Kubernetes
 * objects start with apiVersion or kind. */
static bool looks_like(const char *buf, size_t len, const char *key)
{
    char quoted[64];
    size_t n = len < 4096 ? len : 4096, k, i;
    snprintf(quoted, sizeof(quoted), "\"%s\"", key);
    k = strlen(quoted);
    for (i = 0; i + k <= n; i++)
        if (memcmp(buf + i, quoted, k) == 0)
            return true;
    return false;
}

enum cw_status cw__config_load(const char *name, const char *buf, size_t len,
                               const char *type, cw__resource_fn fn,
                               void *arg, struct cw_diag *d)
{
    size_t i = 0;
    bool json;

    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' ||
                       buf[i] == '\r'))
        i++;
    json = i < len && buf[i] == '{';
    if (type && strcmp(type, "terraform") == 0)
        return cw__tf_load(name, buf, len, fn, arg, d);
    if (type && strcmp(type, "kubernetes") == 0)
        return cw__k8s_load(name, buf, len, json, fn, arg, d);
    if (json && !looks_like(buf, len, "format_version") &&
        looks_like(buf, len, "apiVersion"))
        return cw__k8s_load(name, buf, len, true, fn, arg, d);
    if (json)
        return cw__tf_load(name, buf, len, fn, arg, d);
    return cw__k8s_load(name, buf, len, false, fn, arg, d);
}
