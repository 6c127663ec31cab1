/* The kernel command line, as "key=value" or "flag" words. */
#ifndef PAGODA_CMDLINE_H
#define PAGODA_CMDLINE_H

#include <types.h>

/*
 * Copy the value of `key` into buf (NUL-terminated).  Returns false if the
 * key is absent; a bare "key" has the empty value.
 */
bool cmdline_get(const char *key, char *buf, size_t size);
/* The same, in any command-line string. */
bool cmdline_find(const char *cmdline, const char *key, char *buf, size_t size);

#endif
