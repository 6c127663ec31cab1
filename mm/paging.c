/*
 * Page tables: building, walking and changing them, and the kernel's own
 * address space (layout in mm.h).
 *
 * Page-table pages come from the boot allocator until the buddy allocator
 * is up, and from the buddy allocator after.  Either way they are reached
 * through the direct map.
 */
#include <bootmem.h>
#include <compiler.h>
#include <errno.h>
#include <mm.h>
#include <page.h>
#include <paging.h>
#include <panic.h>
#include <printk.h>
#include <spinlock.h>
#include <vmstat.h>
#include <x86.h>

pte_t *kernel_pml4;

/*
 * Serialises changes to the ioremap area's page tables.  (The kernel-stack
 * area has its own lock in kstack.c; the other kernel mappings are made
 * once at boot and never change.)
 */
static struct spinlock kernel_pgtable_lock = SPINLOCK_INIT("kernel_pgtable");

#define LEVEL_PT 1
#define LEVEL_PD 2
#define LEVEL_PDPT 3
#define LEVEL_PML4 4

static unsigned int pt_index(u64 va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

/* Bytes that one entry maps at this level: 4 KiB, 2 MiB, 1 GiB, 512 GiB. */
static u64 level_size(int level)
{
	return 1ul << (PAGE_SHIFT + 9 * (level - 1));
}

static pte_t *table_of(pte_t entry)
{
	return phys_to_virt(entry & PTE_ADDR_MASK);
}

/* A zeroed page table; those of the user half count in NR_PAGE_TABLES until freed. */
static pte_t *alloc_table(bool user)
{
	struct page *p;

	if (!page_alloc_is_ready())
		return phys_to_virt(bootmem_alloc(PAGE_SIZE, PAGE_SIZE));
	p = alloc_page(GFP_KERNEL | GFP_ZERO);
	if (!p)
		return NULL;
	if (user)
		inc_vm_stat(NR_PAGE_TABLES);
	return page_address(p);
}

/*
 * The entry for va at `level`, creating the tables above it if `create`.
 * NULL if a table is missing (and not created), out of memory, or a huge
 * page covers va above that level.
 */
static pte_t *walk(pte_t *pml4, u64 va, int level, bool create)
{
	pte_t *table = pml4;

	for (int l = LEVEL_PML4; l > level; l--) {
		pte_t *e = &table[pt_index(va, l)];

		if (!(*e & PTE_PRESENT)) {
			pte_t *next;

			if (!create || !(next = alloc_table(va < USER_SPACE_END)))
				return NULL;
			/* Upper levels allow everything; the leaf decides. */
			*e = virt_to_phys(next) | PTE_PRESENT | PTE_WRITE |
			     (va < DIRECT_MAP_BASE ? PTE_USER : 0);
		} else if (*e & PTE_HUGE) {
			return NULL;
		}
		table = table_of(*e);
	}
	return &table[pt_index(va, level)];
}

static int set_leaf(pte_t *pml4, u64 va, phys_addr_t pa, u64 flags, int level)
{
	pte_t *e = walk(pml4, va, level, true);

	if (!e)
		return -ENOMEM;
	if (*e & PTE_PRESENT)
		return -EEXIST;
	*e = pa | flags | (level > LEVEL_PT ? PTE_HUGE : 0);
	return 0;
}

int map_page(pte_t *pml4, u64 va, phys_addr_t pa, u64 flags)
{
	return set_leaf(pml4, va, pa, flags, LEVEL_PT);
}

int map_huge_page(pte_t *pml4, u64 va, phys_addr_t pa, u64 flags)
{
	return set_leaf(pml4, va, pa, flags, LEVEL_PD);
}

void unmap_page(pte_t *pml4, u64 va)
{
	pte_t *e = walk(pml4, va, LEVEL_PT, false);

	if (e && (*e & PTE_PRESENT)) {
		*e = 0;
		invlpg(va);
	}
}

bool translate(pte_t *pml4, u64 va, phys_addr_t *pa, u64 *flags)
{
	pte_t *table = pml4;
	u64 eff = PTE_WRITE | PTE_USER;	/* narrowed level by level */

	for (int l = LEVEL_PML4; l >= LEVEL_PT; l--) {
		pte_t e = table[pt_index(va, l)];

		if (!(e & PTE_PRESENT))
			return false;
		eff &= e | ~(PTE_WRITE | PTE_USER);
		eff |= e & PTE_NX;
		if (l == LEVEL_PT || (e & PTE_HUGE)) {
			u64 size = level_size(l);
			*pa = (e & PTE_ADDR_MASK & ~(size - 1)) + (va & (size - 1));
			*flags = (e & ~(PTE_ADDR_MASK | PTE_WRITE | PTE_USER | PTE_NX)) | eff;
			return true;
		}
		table = table_of(e);
	}
	return false;
}

static void walk_range(pte_t *table, int level, u64 base, u64 start, u64 end, u64 eff,
		       void (*fn)(u64, u64, u64, void *), void *arg)
{
	u64 size = level_size(level);

	for (int i = 0; i < 512; i++) {
		u64 va = base + i * size;
		pte_t e = table[i];
		u64 f;

		if (level == LEVEL_PML4 && i >= 256)
			va |= 0xffff000000000000ul;	/* sign-extend the kernel half */
		if (!(e & PTE_PRESENT) || va + size <= start || va >= end)
			continue;
		f = (eff & (e | ~(PTE_WRITE | PTE_USER))) | (e & PTE_NX);
		if (level == LEVEL_PT || (e & PTE_HUGE))
			fn(va, size, (e & ~(PTE_ADDR_MASK | PTE_WRITE | PTE_USER | PTE_NX)) | f, arg);
		else
			walk_range(table_of(e), level - 1, va, start, end, f, fn, arg);
	}
}

pte_t *page_walk(pte_t *pml4, u64 va, bool create)
{
	return walk(pml4, va, LEVEL_PT, create);
}

static int visit_ptes(pte_t *table, int level, u64 base, u64 start, u64 end,
		      int (*fn)(pte_t *pte, u64 va, void *arg), void *arg)
{
	u64 size = level_size(level);
	unsigned int first = start > base ? (start - base) / size : 0;
	int stop = 0;

	for (unsigned int i = first; i < 512 && !stop; i++) {
		u64 va = base + i * size;

		if (va >= end)
			break;
		if (level == LEVEL_PT) {
			if (table[i] & (PTE_PRESENT | PTE_PROTNONE))
				stop = fn(&table[i], va, arg);
			continue;
		}
		if ((table[i] & PTE_PRESENT) && !(table[i] & PTE_HUGE))
			stop = visit_ptes(table_of(table[i]), level - 1, va, start, end, fn, arg);
	}
	return stop;
}

int for_each_user_pte(pte_t *pml4, u64 start, u64 end,
		      int (*fn)(pte_t *pte, u64 va, void *arg), void *arg)
{
	return visit_ptes(pml4, LEVEL_PML4, 0, start, MIN(end, USER_SPACE_END), fn, arg);
}

/* A leaf entry that holds a page (present, or kept behind PROT_NONE) gives up its reference. */
static void release_mapped_pages(pte_t *pt)
{
	for (int i = 0; i < 512; i++)
		if (pt[i] & (PTE_PRESENT | PTE_PROTNONE)) {
			struct page *page = pfn_to_page((pt[i] & PTE_ADDR_MASK) >> PAGE_SHIFT);

			page_remove_rmap(page);
			put_page(page);
		}
}

static void free_tables_below(pte_t *table, int level, bool release_pages)
{
	if (level == LEVEL_PT) {
		if (release_pages)
			release_mapped_pages(table);
	} else {
		for (int i = 0; i < 512; i++) {
			if (!(table[i] & PTE_PRESENT))
				continue;
			if (level > LEVEL_PD || !(table[i] & PTE_HUGE))
				free_tables_below(table_of(table[i]), level - 1, release_pages);
		}
	}
	if (level < LEVEL_PML4) {
		dec_vm_stat(NR_PAGE_TABLES);
		free_pages(virt_to_page(table), 0);
	}
}

void free_pml4_entry_tables(pte_t entry)
{
	if (entry & PTE_PRESENT)
		free_tables_below(table_of(entry), LEVEL_PDPT, false);
}

void free_user_address_space(pte_t *pml4)
{
	/* Only the user half: the kernel half's tables are shared by everyone. */
	for (int i = 0; i < 256; i++) {
		if (pml4[i] & PTE_PRESENT)
			free_tables_below(table_of(pml4[i]), LEVEL_PDPT, true);
		pml4[i] = 0;
	}
}

void for_each_mapping(pte_t *pml4, u64 start, u64 end,
		      void (*fn)(u64 va, u64 size, u64 flags, void *arg), void *arg)
{
	walk_range(pml4, LEVEL_PML4, 0, start, end, PTE_WRITE | PTE_USER, fn, arg);
}

static u64 ioremap_next = IOREMAP_BASE;
static phys_addr_t direct_map_limit;	/* the direct map covers [0, this) */

void *ioremap(phys_addr_t pa, u64 size)
{
	phys_addr_t first = ALIGN_DOWN(pa, PAGE_SIZE);
	u64 len = ALIGN_UP(pa + size, PAGE_SIZE) - first;
	u64 va;

	spin_lock(&kernel_pgtable_lock);
	va = ioremap_next;
	ioremap_next += len + PAGE_SIZE;	/* leave a hole between mappings */
	for (u64 off = 0; off < len; off += PAGE_SIZE) {
		if (map_page(kernel_pml4, va + off, first + off, PAGE_KERNEL_MMIO) < 0)
			panic("ioremap: out of memory for page tables");
	}
	spin_unlock(&kernel_pgtable_lock);
	return (void *)(va + (pa - first));
}

/*
 * Read-only access to firmware tables: through the direct map when it
 * covers them, else through a fresh uncached mapping (boot time only: the
 * ioremap area is not reclaimed).
 */
const void *map_phys(phys_addr_t pa, u64 len)
{
	phys_addr_t unused;
	u64 flags;

	if (pa + len <= direct_map_limit &&
	    translate(kernel_pml4, (u64)phys_to_virt(pa), &unused, &flags) &&
	    translate(kernel_pml4, (u64)phys_to_virt(pa + len - 1), &unused, &flags))
		return phys_to_virt(pa);
	return ioremap(pa, len);
}

static bool in_range(u64 x, const void *start, const void *end)
{
	return x >= (u64)start && x < (u64)end;
}

/*
 * Permissions for a page of the kernel image at address va (W^X): text
 * can run but not be written, data can be written but not run, and
 * rodata and the symbol table can do neither.
 */
static u64 image_page_flags(u64 va)
{
	if (in_range(va, _text_start, _text_end))
		return PAGE_KERNEL_RX;
	if (in_range(va, _rodata_start, _rodata_end) || in_range(va, _ksyms_start, _ksyms_end))
		return PAGE_KERNEL_RO;
	return PAGE_KERNEL_RW;
}

/* The direct map's alias of a physical page: never executable. */
static u64 direct_map_flags(phys_addr_t pa)
{
	return image_page_flags(pa + KERNEL_VMA) == PAGE_KERNEL_RW ? PAGE_KERNEL_RW : PAGE_KERNEL_RO;
}

static void map_or_die(int err, u64 va)
{
	if (err < 0)
		panic("paging_init: cannot map %#lx: error %d", va, err);
}

/*
 * Build the kernel's page tables and switch to them:
 *  - the direct map of the RAM in [0, direct_map_end), with 2 MiB pages
 *    except around the kernel image, whose alias gets 4 KiB pages carrying
 *    the image's own write protection (the text must not be writable
 *    through any address);
 *  - the kernel image at KERNEL_VMA with W^X permissions per section;
 *  - empty tables for the ioremap and kernel-stack areas.
 * The boot page tables' identity map of low memory is gone afterwards, so
 * a stray NULL pointer in the kernel faults.
 */
void paging_init(phys_addr_t direct_map_end, bool (*has_ram)(phys_addr_t start, phys_addr_t end))
{
	phys_addr_t img_start = (phys_addr_t)_kernel_phys_start;
	phys_addr_t img_end = (phys_addr_t)_kernel_phys_end;
	const u64 shared_slots[] = { DIRECT_MAP_BASE, IOREMAP_BASE, KSTACK_AREA_BASE, KERNEL_VMA };

	if (direct_map_end > DIRECT_MAP_MAX_SIZE) {
		pr_warn("paging: only the first %lu GiB of RAM are used", DIRECT_MAP_MAX_SIZE >> 30);
		direct_map_end = DIRECT_MAP_MAX_SIZE;
	}
	kernel_pml4 = alloc_table(false);
	for (unsigned int i = 0; i < ARRAY_SIZE(shared_slots); i++)
		walk(kernel_pml4, shared_slots[i], LEVEL_PDPT, true);

	for (phys_addr_t pa = 0; pa < direct_map_end; pa += HUGE_PAGE_SIZE) {
		/* Holes (device registers below 4 GiB) get no cacheable alias. */
		if (!has_ram(pa, pa + HUGE_PAGE_SIZE))
			continue;
		if (pa + HUGE_PAGE_SIZE <= img_start || pa >= img_end) {
			map_or_die(map_huge_page(kernel_pml4, DIRECT_MAP_BASE + pa, pa, PAGE_KERNEL_RW), pa);
			continue;
		}
		for (phys_addr_t p = pa; p < pa + HUGE_PAGE_SIZE; p += PAGE_SIZE)
			map_or_die(map_page(kernel_pml4, DIRECT_MAP_BASE + p, p, direct_map_flags(p)), p);
	}

	for (u64 va = (u64)_text_start; va < (u64)_kernel_end; va += PAGE_SIZE)
		map_or_die(map_page(kernel_pml4, va, va - KERNEL_VMA, image_page_flags(va)), va);

	write_cr3(virt_to_phys(kernel_pml4));
	write_cr4(read_cr4() | CR4_PGE);
	direct_map_limit = direct_map_end;
	bootmem_set_limit(direct_map_end);
}
