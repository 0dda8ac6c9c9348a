/*
 * status.c - names and messages of enum cw_status, generated from the one
 * X-macro list in cw_status.h.
 */
#include <cloudward/cw_status.h>

#include "core.h"

static const char *const status_names[] = {
#define CW__STATUS_NAME(name, msg) #name,
    CW_STATUS_MAP(CW__STATUS_NAME)
#undef CW__STATUS_NAME
};

static const char *const status_messages[] = {
#define CW__STATUS_MSG(name, msg) msg,
    CW_STATUS_MAP(CW__STATUS_MSG)
#undef CW__STATUS_MSG
};

const char *cw_status_name(enum cw_status st)
{
    if ((unsigned)st >= CW__ARRAY_LEN(status_names))
        return "EUNKNOWN";
    return status_names[st];
}

const char *cw_status_message(enum cw_status st)
{
    if ((unsigned)st >= CW__ARRAY_LEN(status_messages))
        return "unknown status";
    return status_messages[st];
}
