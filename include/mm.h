/*
 * The kernel's virtual address layout, and conversions between physical
 * and virtual addresses.
 *
 *   0x0000000000000000 - 0x00007fffffffffff  user space (later)
 *   0xffff800000000000 - ...                  direct map: all of RAM, at
 *                                             DIRECT_MAP_BASE + physical
 *   0xffffa00000000000 - ...                  ioremap: device registers
 *   0xffffc00000000000 - ...                  kernel stacks, each below an
 *                                             unmapped guard area
 *   0xffffffff80000000 - ...                  the kernel image (-2 GiB)
 *
 * Each region sits in one top-level (PML4) slot whose lower-level table is
 * created at boot and never freed, so every address space (later, one per
 * process) can share the kernel half by copying those PML4 entries once.
 */
#ifndef PAGODA_MM_H
#define PAGODA_MM_H

#include <types.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ul << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define HUGE_PAGE_SIZE (2ul << 20)	/* a 2 MiB page (page-directory level) */

#define USER_SPACE_END 0x0000800000000000ul	/* first non-canonical address */
#define DIRECT_MAP_BASE 0xffff800000000000ul
#define DIRECT_MAP_MAX_SIZE (512ul << 30)	/* one PML4 slot */
#define IOREMAP_BASE 0xffffa00000000000ul
#define IOREMAP_SIZE (512ul << 30)
#define KSTACK_AREA_BASE 0xffffc00000000000ul
#define KSTACK_AREA_SIZE (512ul << 30)
#define KERNEL_VMA 0xffffffff80000000ul

static inline void *phys_to_virt(phys_addr_t pa)
{
	return (void *)(pa + DIRECT_MAP_BASE);
}

/* For direct-map and kernel-image addresses only. */
static inline phys_addr_t virt_to_phys(const void *va)
{
	u64 v = (u64)va;

	if (v >= KERNEL_VMA)
		return v - KERNEL_VMA;
	return v - DIRECT_MAP_BASE;
}

/* Linker symbols bounding the parts of the kernel image (linker.ld). */
extern char _kernel_phys_start[], _kernel_phys_end[];
extern char _text_start[], _text_end[];
extern char _rodata_start[], _rodata_end[];
extern char _data_start[], _data_end[];
extern char _ksyms_start[], _ksyms_end[];
extern char _kernel_end[];

struct boot_info;
void mm_init(const struct boot_info *bi);

#endif
