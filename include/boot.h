/*
 * What the boot loader told us, copied out of the multiboot2 information
 * structure (kernel/multiboot.c) so that its memory can be reused.
 */
#ifndef PAGODA_BOOT_H
#define PAGODA_BOOT_H

#include <types.h>

#define BOOT_MAX_MEM_RANGES 64
#define BOOT_MAX_MODULES 8

/* Memory map entry types (the BIOS e820 values GRUB passes on). */
#define MEM_USABLE 1
#define MEM_RESERVED 2
#define MEM_ACPI_RECLAIMABLE 3
#define MEM_ACPI_NVS 4
#define MEM_BAD 5

struct mem_range {
	u64 start, end;		/* [start, end) physical */
	u32 type;
};

struct boot_module {
	phys_addr_t start, end;
	char name[64];		/* the command line GRUB gave the module */
};

struct boot_info {
	char cmdline[1024];
	char loader[64];
	struct mem_range mem[BOOT_MAX_MEM_RANGES];
	int mem_count;
	struct boot_module modules[BOOT_MAX_MODULES];
	int module_count;
	u8 rsdp_copy[36];	/* the ACPI RSDP (v1 uses 20 bytes, v2+ 36) */
	bool has_rsdp;
};

extern struct boot_info boot_info;

void multiboot_parse(u32 magic, phys_addr_t mbi);
/* The C entry point, called by boot/entry.asm. */
void kmain(u32 magic, phys_addr_t mbi);

#endif
