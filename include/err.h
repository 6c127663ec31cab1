/*
 * Returning an error through a pointer: the top 4095 addresses are never
 * valid kernel pointers, so a negative errno cast to a pointer can travel
 * where a pointer is expected (as Linux does).
 */
#ifndef PAGODA_ERR_H
#define PAGODA_ERR_H

#include <types.h>

#define MAX_ERRNO 4095

static inline void *ERR_PTR(long err) { return (void *)err; }
static inline long PTR_ERR(const void *p) { return (long)p; }
static inline bool IS_ERR(const void *p) { return (u64)p >= (u64)-MAX_ERRNO; }
/* An error pointer of one type passed on as another. */
static inline void *ERR_CAST(const void *p) { return (void *)p; }
static inline bool IS_ERR_OR_NULL(const void *p) { return !p || IS_ERR(p); }

#endif
