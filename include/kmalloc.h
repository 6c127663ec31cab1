/*
 * kmalloc: kernel memory in bytes.  Small sizes come from per-size-class
 * slab pages; anything larger than half a page gets whole pages.
 */
#ifndef PAGODA_KMALLOC_H
#define PAGODA_KMALLOC_H

#include <page.h>
#include <types.h>

void *kmalloc(size_t size, gfp_t gfp);
static inline void *kzalloc(size_t size, gfp_t gfp) { return kmalloc(size, gfp | GFP_ZERO); }
void kfree(const void *ptr);
/* A kmalloc'd copy of the string s, or NULL. */
char *kstrdup(const char *s, gfp_t gfp);
/* The usable size of an allocation (at least what was asked for). */
size_t ksize(const void *ptr);
void kmalloc_init(void);
/* Give back the empty slab pages kept for reuse; returns how many. */
unsigned long kmalloc_shrink(void);

#endif
