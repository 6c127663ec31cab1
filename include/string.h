/* The few C library string functions the kernel needs, in kernel/string.c. */
#ifndef PAGODA_STRING_H
#define PAGODA_STRING_H

#include <types.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
void *memchr(const void *s, int c, size_t n);
size_t strlcpy(char *dst, const char *src, size_t size);
unsigned long strtoul(const char *s, const char **end, int base);
bool glob_match(const char *pattern, const char *s);

#endif
