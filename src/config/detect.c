/*
 * detect.c - which loader reads a document. Today: Terraform plan and
 * state JSON. CloudFormation, Kubernetes manifests and cloud CLI exports
 * are the next loaders (issue 4); until they exist such files are refused
 * with a clear message rather than scanned as nothing.
 */
#include <string.h>

#include "config.h"

enum cw_status cw__config_load(const char *name, const char *buf, size_t len,
                               cw__resource_fn fn, void *arg,
                               struct cw_diag *d)
{
    size_t i = 0;

    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' ||
                       buf[i] == '\r'))
        i++;
    if (i < len && buf[i] == '{')
        return cw__tf_load(name, buf, len, fn, arg, d);
    if (len >= 2 && ((unsigned char)buf[0] == 0xFF ||
                     (unsigned char)buf[0] == 0xFE || !buf[0] || !buf[1]))
        return cw__diag_set(d, CW_EPARSE, name, 1, 1,
                            "expected UTF-8, found UTF-16 or UTF-32; convert "
                            "the file to UTF-8");
    return cw__diag_set(d, CW_ESCHEMA, name, 1, 1,
                        "not a document cloudward reads yet: expected a "
                        "Terraform plan or state ('terraform show -json')");
}
