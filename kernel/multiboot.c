/*
 * Read the multiboot2 boot information.
 *
 * GRUB leaves a list of tags in memory (spec: "Boot information format"):
 * each tag is {u32 type, u32 size, payload}, padded to 8 bytes, ending with
 * a tag of type 0.  We copy what we use into boot_info so nothing later
 * depends on that memory, which the page allocator may then hand out.
 */
#include <boot.h>
#include <mm.h>
#include <panic.h>
#include <printk.h>
#include <string.h>

#define MB2_BOOT_MAGIC 0x36d76289

#define TAG_END 0
#define TAG_CMDLINE 1
#define TAG_LOADER_NAME 2
#define TAG_MODULE 3
#define TAG_MMAP 6
#define TAG_ACPI_OLD 14
#define TAG_ACPI_NEW 15

struct mb2_tag {
	u32 type;
	u32 size;
} __packed;

struct mb2_tag_module {
	struct mb2_tag tag;
	u32 mod_start, mod_end;
	char cmdline[];
} __packed;

struct mb2_tag_mmap {
	struct mb2_tag tag;
	u32 entry_size;
	u32 entry_version;
	/* entries follow */
} __packed;

struct mb2_mmap_entry {
	u64 base, length;
	u32 type, reserved;
} __packed;

struct boot_info boot_info;

static void parse_mmap(const struct mb2_tag_mmap *t)
{
	const u8 *p = (const u8 *)(t + 1);
	const u8 *end = (const u8 *)t + t->tag.size;

	for (; p + sizeof(struct mb2_mmap_entry) <= end; p += t->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)p;
		struct mem_range *r;

		if (boot_info.mem_count == BOOT_MAX_MEM_RANGES) {
			pr_warn("multiboot: memory map has more than %d entries; ignoring the rest",
				BOOT_MAX_MEM_RANGES);
			return;
		}
		r = &boot_info.mem[boot_info.mem_count++];
		r->start = e->base;
		r->end = e->base + e->length;
		r->type = e->type;
	}
}

static void parse_module(const struct mb2_tag_module *t)
{
	struct boot_module *m;

	if (boot_info.module_count == BOOT_MAX_MODULES) {
		pr_warn("multiboot: more than %d modules; ignoring %s", BOOT_MAX_MODULES, t->cmdline);
		return;
	}
	m = &boot_info.modules[boot_info.module_count++];
	m->start = t->mod_start;
	m->end = t->mod_end;
	strlcpy(m->name, t->cmdline, sizeof(m->name));
}

static void copy_rsdp(const struct mb2_tag *t)
{
	u32 len = t->size - sizeof(*t);

	if (len > sizeof(boot_info.rsdp_copy))
		len = sizeof(boot_info.rsdp_copy);
	/* Prefer the ACPI 2.0 RSDP (it points at the 64-bit XSDT). */
	if (boot_info.has_rsdp && t->type == TAG_ACPI_OLD)
		return;
	memcpy(boot_info.rsdp_copy, t + 1, len);
	boot_info.has_rsdp = true;
}

void multiboot_parse(u32 magic, phys_addr_t mbi)
{
	const u8 *base, *p;
	u32 total;

	if (magic != MB2_BOOT_MAGIC)
		panic("not booted by a multiboot2 loader (magic %#x)", magic);
	/* The boot page tables map only the first 1 GiB through the direct map. */
	if (mbi >= (1ul << 30))
		panic("multiboot2 information at %#lx is above 1 GiB", mbi);

	base = phys_to_virt(mbi);
	total = *(const u32 *)base;
	for (p = base + 8; p < base + total;) {
		const struct mb2_tag *t = (const void *)p;

		if (t->type == TAG_END)
			break;
		switch (t->type) {
		case TAG_CMDLINE:
			strlcpy(boot_info.cmdline, (const char *)(t + 1), sizeof(boot_info.cmdline));
			break;
		case TAG_LOADER_NAME:
			strlcpy(boot_info.loader, (const char *)(t + 1), sizeof(boot_info.loader));
			break;
		case TAG_MODULE:
			parse_module((const void *)t);
			break;
		case TAG_MMAP:
			parse_mmap((const void *)t);
			break;
		case TAG_ACPI_OLD:
		case TAG_ACPI_NEW:
			copy_rsdp(t);
			break;
		}
		p += ALIGN_UP(t->size, 8);
	}
	if (boot_info.mem_count == 0)
		panic("the boot loader gave no memory map");
}
