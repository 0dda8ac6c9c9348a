/*
 * banned.h - C library calls that are too easy to misuse, turned into
 * compile errors (git's banned.h). Use snprintf, memcpy with a checked
 * length, or the capped buffers of core.h instead.
 */
#ifndef CW_CORE_BANNED_H
#define CW_CORE_BANNED_H

#define CW__BANNED(func) sorry_##func##_is_banned_in_cloudward

#undef strcpy
#define strcpy(x, y) CW__BANNED(strcpy)
#undef strcat
#define strcat(x, y) CW__BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) CW__BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) CW__BANNED(strncat)
#undef sprintf
#define sprintf(...) CW__BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) CW__BANNED(vsprintf)
#undef gets
#define gets(x) CW__BANNED(gets)
#undef strtok
#define strtok(x, y) CW__BANNED(strtok)
#undef atoi
#define atoi(x) CW__BANNED(atoi)

#endif
