/*
 * cw_export.h - symbol visibility. The library is built with
 * -fvisibility=hidden; only declarations marked CW_API are exported.
 */
#ifndef CLOUDWARD_CW_EXPORT_H
#define CLOUDWARD_CW_EXPORT_H

#if defined(CW_BUILDING_LIBRARY) && defined(__GNUC__)
#define CW_API __attribute__((visibility("default")))
#else
#define CW_API
#endif

#endif
