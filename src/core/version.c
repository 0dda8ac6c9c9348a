/* version.c - the library version, set by CMake from project(). */
#include "core.h"

#ifndef CW_VERSION_STRING
#define CW_VERSION_STRING "0.0.0"
#endif

const char *cw_version(void)
{
    return CW_VERSION_STRING;
}
