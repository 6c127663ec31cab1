/*
 * Memory start-up: from the boot loader's memory map to a working page
 * allocator and kmalloc.
 */
#include <boot.h>
#include <bootmem.h>
#include <kmalloc.h>
#include <kstack.h>
#include <mm.h>
#include <page.h>
#include <paging.h>
#include <printk.h>

static const struct boot_info *boot;

/* Does [start, end) overlap RAM or ACPI tables in the boot memory map? */
static bool has_ram(phys_addr_t start, phys_addr_t end)
{
	for (int i = 0; i < boot->mem_count; i++) {
		const struct mem_range *r = &boot->mem[i];

		if ((r->type == MEM_USABLE || r->type == MEM_ACPI_RECLAIMABLE || r->type == MEM_ACPI_NVS) &&
		    r->start < end && r->end > start)
			return true;
	}
	return false;
}

void mm_init(const struct boot_info *bi)
{
	phys_addr_t direct_end = 0;

	for (int i = 0; i < bi->mem_count; i++) {
		const struct mem_range *r = &bi->mem[i];

		if (r->type == MEM_USABLE)
			bootmem_add_ram(r->start, r->end);
		/* ACPI tables live in RAM too; the direct map covers them. */
		if (r->type == MEM_USABLE || r->type == MEM_ACPI_RECLAIMABLE || r->type == MEM_ACPI_NVS)
			direct_end = MAX(direct_end, r->end);
	}
	/* Real-mode structures (IVT, BIOS data, EBDA) live in the first megabyte. */
	bootmem_reserve(0, 1ul << 20);
	bootmem_reserve((phys_addr_t)_kernel_phys_start, (phys_addr_t)_kernel_phys_end);
	for (int i = 0; i < bi->module_count; i++)
		bootmem_reserve(bi->modules[i].start, bi->modules[i].end);

	boot = bi;
	paging_init(ALIGN_UP(direct_end, HUGE_PAGE_SIZE), has_ram);
	page_alloc_init();
	kmalloc_init();
	kstack_init();
}
