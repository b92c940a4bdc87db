/* banned — libc calls that are easy to misuse, turned into compile errors.
 * Included last by util/base.h, so every assay source file gets it. */
#ifndef ASSAY_UTIL_BANNED_H
#define ASSAY_UTIL_BANNED_H

#define BANNED(func) sorry_##func##_is_banned_in_assay

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gets
#define gets(x) BANNED(gets)

#endif
