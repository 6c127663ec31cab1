/* Self-tests for page tables, W^X and kernel stacks. */
#include <boot.h>
#include <kstack.h>
#include <errno.h>
#include <ktest.h>
#include <page.h>
#include <paging.h>
#include <x86.h>


static const char some_rodata[] = "read-only";
static int some_data = 1;

/* An address nothing else uses: far into the ioremap area. */
#define TEST_VA (IOREMAP_BASE + (256ul << 30))

KTEST(paging_map_translate_unmap)
{
	struct page *p = alloc_page(GFP_KERNEL | GFP_ZERO);
	phys_addr_t pa;
	u64 flags;

	if (!KEXPECT(p != NULL))
		return;
	KEXPECT(!translate(kernel_pml4, TEST_VA, &pa, &flags));
	KEXPECT_EQ(map_page(kernel_pml4, TEST_VA, page_to_phys(p), PAGE_KERNEL_RW), 0);
	KEXPECT_EQ(map_page(kernel_pml4, TEST_VA, page_to_phys(p), PAGE_KERNEL_RW), -EEXIST);
	if (KEXPECT(translate(kernel_pml4, TEST_VA + 0x123, &pa, &flags))) {
		KEXPECT_EQ(pa, page_to_phys(p) + 0x123);
		KEXPECT(flags & PTE_WRITE);
		KEXPECT(flags & PTE_NX);
		KEXPECT(!(flags & PTE_USER));
	}
	/* The new mapping and the direct map reach the same memory. */
	*(volatile u64 *)TEST_VA = 0x1122334455667788ul;
	KEXPECT_EQ(*(u64 *)page_address(p), 0x1122334455667788ul);
	unmap_page(kernel_pml4, TEST_VA);
	KEXPECT(!translate(kernel_pml4, TEST_VA, &pa, &flags));
	free_pages(p, 0);
}

KTEST(paging_direct_map_covers_ram)
{
	phys_addr_t pa;
	u64 flags;

	/* Huge (2 MiB) pages translate at any offset inside them. */
	KEXPECT(translate(kernel_pml4, DIRECT_MAP_BASE + 0x3456789, &pa, &flags));
	KEXPECT_EQ(pa, 0x3456789);
	KEXPECT(translate(kernel_pml4, (u64)page_address(pfn_to_page(max_pfn - 1)), &pa, &flags));
	KEXPECT_EQ(pa, (max_pfn - 1) << PAGE_SHIFT);
	/* The boot identity map is gone: NULL is not mapped. */
	KEXPECT(!translate(kernel_pml4, 0, &pa, &flags));
	KEXPECT_EQ(read_cr3(), virt_to_phys(kernel_pml4));
}

KTEST(wx_kernel_sections)
{
	phys_addr_t pa;
	u64 f;

	KEXPECT(read_cr0() & CR0_WP);	/* without WP the kernel ignores read-only */
	KEXPECT(rdmsr(MSR_EFER) & EFER_NXE);
	if (KEXPECT(translate(kernel_pml4, (u64)kmain, &pa, &f)))
		KEXPECT(!(f & PTE_WRITE) && !(f & PTE_NX));	/* text: R X */
	if (KEXPECT(translate(kernel_pml4, (u64)some_rodata, &pa, &f)))
		KEXPECT(!(f & PTE_WRITE) && (f & PTE_NX));	/* rodata: R */
	if (KEXPECT(translate(kernel_pml4, (u64)&some_data, &pa, &f)))
		KEXPECT((f & PTE_WRITE) && (f & PTE_NX));	/* data: RW */
	/* The direct map's alias of the text is read-only and not executable. */
	if (KEXPECT(translate(kernel_pml4, (u64)phys_to_virt(virt_to_phys(kmain)), &pa, &f)))
		KEXPECT(!(f & PTE_WRITE) && (f & PTE_NX));
	if (KEXPECT(translate(kernel_pml4, (u64)phys_to_virt(virt_to_phys(some_rodata)), &pa, &f)))
		KEXPECT(!(f & PTE_WRITE));
}

static void count_wx(u64 va, u64 size, u64 flags, void *arg)
{
	u64 *count = arg;

	(void)va;
	(void)size;
	if ((flags & PTE_WRITE) && !(flags & PTE_NX))
		(*count)++;
}

static void count_all(u64 va, u64 size, u64 flags, void *arg)
{
	(void)va;
	(void)flags;
	*(u64 *)arg += size;
}

KTEST(wx_no_mapping_is_writable_and_executable)
{
	u64 wx = 0, mapped = 0;

	for_each_mapping(kernel_pml4, DIRECT_MAP_BASE, ~0ul, count_wx, &wx);
	for_each_mapping(kernel_pml4, DIRECT_MAP_BASE, ~0ul, count_all, &mapped);
	KEXPECT_EQ(wx, 0);
	KEXPECT(mapped >= max_pfn * PAGE_SIZE);	/* the walk saw the direct map */
}

KTEST(kstack_has_unmapped_guard)
{
	u64 before = nr_free_pages();
	u8 *top = kstack_alloc();
	phys_addr_t pa;
	u64 f;
	u64 rsp = (u64)__builtin_frame_address(0);

	if (!KEXPECT(top != NULL))
		return;
	KEXPECT(translate(kernel_pml4, (u64)top - 1, &pa, &f));
	KEXPECT(translate(kernel_pml4, (u64)top - KSTACK_SIZE, &pa, &f));
	KEXPECT(!translate(kernel_pml4, (u64)top - KSTACK_SIZE - 1, &pa, &f));
	KEXPECT(!translate(kernel_pml4, (u64)top - KSTACK_SIZE - KSTACK_GUARD_SIZE, &pa, &f));
	top[-1] = 1;
	kstack_free(top);
	kstack_drain_cache();	/* freed stacks are kept mapped for reuse: give them back */
	KEXPECT(!translate(kernel_pml4, (u64)top - 1, &pa, &f));
	KEXPECT_EQ(nr_free_pages(), before);
	/* And we ourselves run on such a stack. */
	KEXPECT(rsp >= KSTACK_AREA_BASE && rsp < KSTACK_AREA_BASE + KSTACK_AREA_SIZE);
}
