/*
 * The boot-time physical memory allocator, used before the buddy allocator
 * exists: it knows the RAM ranges and the reserved ranges, and carves
 * allocations out of what is in the first but not the second.
 */
#ifndef PAGODA_BOOTMEM_H
#define PAGODA_BOOTMEM_H

#include <types.h>

void bootmem_add_ram(phys_addr_t start, phys_addr_t end);
void bootmem_reserve(phys_addr_t start, phys_addr_t end);
/* Allocate zeroed memory below the current limit; panics when there is none. */
phys_addr_t bootmem_alloc(u64 size, u64 align);
/* Allocations must stay below this (what the direct map covers so far). */
void bootmem_set_limit(phys_addr_t limit);
/* Call fn on each free range, in ascending order; then bootmem is closed. */
void bootmem_release_free(void (*fn)(phys_addr_t start, phys_addr_t end));
phys_addr_t bootmem_ram_end(void);
u64 bootmem_ram_total(void);

#endif
