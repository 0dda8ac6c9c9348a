/*
 * detect.c - which loader reads a document. `--type` skips the guess.
 *
 * JSON: Terraform writes "format_version" first; a Kubernetes object
 * starts with "apiVersion" or "kind"; a CloudFormation template has
 * "AWSTemplateFormatVersion" or "Resources"; cloud CLI exports are
 * recognised by their top-level shape (see cli_export.c). YAML: a
 * template has a top-level "Resources:" or "AWSTemplateFormatVersion:"
 * line; anything else is read as Kubernetes manifests. Encodings other
 * than UTF-8 are refused by the parsers themselves, with positions.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"

const char *const cw__config_types[] = { "terraform", "cloudformation",
                                         "kubernetes", "cli", NULL };

/* Is "key" a member name near the top of a JSON object? A cheap look at
 * the first 4 KB. */
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

/* Does a line of YAML start with `key` (at column 1)? */
static bool yaml_top_key(const char *buf, size_t len, const char *key)
{
    size_t k = strlen(key), i;
    for (i = 0; i + k <= len; i++) {
        if ((i == 0 || buf[i - 1] == '\n') && memcmp(buf + i, key, k) == 0)
            return true;
        {
            const char *nl = memchr(buf + i, '\n', len - i);
            if (!nl)
                break;
            i = (size_t)(nl - buf);
        }
    }
    return false;
}

const char *cw__config_detect(const char *buf, size_t len)
{
    size_t i = 0;
    bool json, object;

    while (i < len && strchr(" \t\r\n", buf[i]))
        i++;
    object = i < len && buf[i] == '{';
    json = object || (i < len && buf[i] == '[');
    if (object && looks_like(buf, len, "format_version"))
        return "terraform";
    if (object && (looks_like(buf, len, "apiVersion") ||
                   looks_like(buf, len, "kind")) &&
        !looks_like(buf, len, "Resources"))
        return "kubernetes";
    if (object ? looks_like(buf, len, "AWSTemplateFormatVersion") ||
                     looks_like(buf, len, "Resources")
               : !json && (yaml_top_key(buf, len, "Resources:") ||
                           yaml_top_key(buf, len, "AWSTemplateFormatVersion:")))
        return "cloudformation";
    if (json && cw__cli_detect(buf, len))
        return "cli";
    if (object)
        return "terraform"; /* its error says what a plan looks like */
    return json ? "cli" : "kubernetes";
}

static enum cw_status load(const char *name, const char *buf, size_t len,
                           int fd, const char *type, cw__resource_fn fn,
                           const struct cw__batch_sink *bfn, void *arg,
                           struct cw_diag *d)
{
    size_t i = 0;
    bool json;

    while (i < len && strchr(" \t\r\n", buf[i]))
        i++;
    json = i < len && (buf[i] == '{' || buf[i] == '[');
    if (!type)
        type = cw__config_detect(buf, len);
    if (strcmp(type, "terraform") == 0)
        return bfn ? cw__tf_load_batched(name, buf, len, fd, bfn, arg, d)
               : fd >= 0 ? cw__tf_load_mapped(name, buf, len, fd, fn, arg, d)
                        : cw__tf_load(name, buf, len, fn, arg, d);
    if (strcmp(type, "cloudformation") == 0)
        return cw__cfn_load(name, buf, len, json, fn, arg, d);
    if (strcmp(type, "cli") == 0)
        return cw__cli_load(name, buf, len, fn, arg, d);
    return cw__k8s_load(name, buf, len, json, fn, arg, d);
}

enum cw_status cw__config_load(const char *name, const char *buf, size_t len,
                               const char *type, cw__resource_fn fn,
                               void *arg, struct cw_diag *d)
{
    return load(name, buf, len, -1, type, fn, NULL, arg, d);
}

enum cw_status cw__config_load_map(const char *name, const struct cw__map *m,
                                   const char *type, cw__resource_fn fn,
                                   const struct cw__batch_sink *bfn,
                                   void *arg, struct cw_diag *d)
{
    return load(name, m->data, m->len, m->map ? m->fd : -1, type, fn, bfn,
                arg, d);
}
