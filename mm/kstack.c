/*
 * Kernel stacks with guard areas (see kstack.h).
 *
 * The kernel-stack area is divided into slots of KSTACK_GUARD_SIZE +
 * KSTACK_SIZE bytes; only the upper KSTACK_SIZE of a slot is ever mapped.
 * A bitmap says which slots are in use.
 *
 * Lock: kstack_lock protects slot_used and the area's page tables.
 */
#include <compiler.h>
#include <kstack.h>
#include <page.h>
#include <paging.h>
#include <panic.h>
#include <spinlock.h>
#include <string.h>
#include <tlb.h>

#define SLOT_SIZE (KSTACK_GUARD_SIZE + KSTACK_SIZE)
#define MAX_KSTACKS 4096

/*
 * Freed stacks are kept, still mapped, for the next task: unmapping one
 * needs a TLB shootdown on every CPU, and a process that starts and ends
 * threads all the time would spend its life waiting for those.
 */
#define KSTACK_CACHE 32

static struct spinlock kstack_lock = SPINLOCK_INIT("kstack");
static u64 slot_used[MAX_KSTACKS / 64];	/* kstack_lock */
static void *cache[KSTACK_CACHE];	/* kstack_lock: tops of stacks ready for reuse */
static int cached;			/* kstack_lock */

static void kstack_release(void *top);

static u64 slot_stack_base(int slot)
{
	return KSTACK_AREA_BASE + (u64)slot * SLOT_SIZE + KSTACK_GUARD_SIZE;
}

#define KSTACK_PAGES (KSTACK_SIZE / PAGE_SIZE)

/* Unmap a stack's pages, remembering them (NULL where none was mapped). */
static void unmap_stack(u64 base, struct page **pages)
{
	for (unsigned int i = 0; i < KSTACK_PAGES; i++) {
		u64 va = base + i * PAGE_SIZE;
		phys_addr_t pa;
		u64 flags;

		pages[i] = NULL;
		if (!translate(kernel_pml4, va, &pa, &flags))
			continue;
		unmap_page(kernel_pml4, va);
		pages[i] = pfn_to_page(pa >> PAGE_SHIFT);
	}
}

void *kstack_alloc(void)
{
	int slot = -1;
	u64 base;

	spin_lock(&kstack_lock);
	if (cached > 0) {
		void *top = cache[--cached];

		spin_unlock(&kstack_lock);
		memset((u8 *)top - KSTACK_SIZE, 0, KSTACK_SIZE);	/* as fresh ones are */
		return top;
	}
	for (int i = 0; i < MAX_KSTACKS && slot < 0; i++) {
		if (!(slot_used[i / 64] & (1ul << (i % 64)))) {
			slot_used[i / 64] |= 1ul << (i % 64);
			slot = i;
		}
	}
	spin_unlock(&kstack_lock);
	if (slot < 0)
		return NULL;

	base = slot_stack_base(slot);
	for (u64 off = 0; off < KSTACK_SIZE; off += PAGE_SIZE) {
		struct page *page = alloc_page(GFP_KERNEL | GFP_ZERO);
		int err;

		if (!page)
			goto fail;
		spin_lock(&kstack_lock);
		err = map_page(kernel_pml4, base + off, page_to_phys(page), PAGE_KERNEL_RW);
		spin_unlock(&kstack_lock);
		if (err < 0) {
			free_pages(page, 0);
			goto fail;
		}
	}
	return (void *)(base + KSTACK_SIZE);

fail:
	kstack_release((void *)(base + KSTACK_SIZE));
	return NULL;
}

void kstack_free(void *top)
{
	spin_lock(&kstack_lock);
	if (cached < KSTACK_CACHE) {
		cache[cached++] = top;
		spin_unlock(&kstack_lock);
		return;
	}
	spin_unlock(&kstack_lock);
	kstack_release(top);
}

/* Give every cached stack back (to count free memory exactly). */
void kstack_drain_cache(void)
{
	for (;;) {
		void *top = NULL;

		spin_lock(&kstack_lock);
		if (cached > 0)
			top = cache[--cached];
		spin_unlock(&kstack_lock);
		if (!top)
			return;
		kstack_release(top);
	}
}

/*
 * The page tables of the whole stack area, made once at boot: then a new
 * stack never needs one, and the memory in use does not creep up with the
 * most tasks there ever were at once.
 */
void kstack_init(void)
{
	for (u64 va = KSTACK_AREA_BASE; va < KSTACK_AREA_BASE + (u64)MAX_KSTACKS * SLOT_SIZE;
	     va += HUGE_PAGE_SIZE)
		if (!page_walk(kernel_pml4, va, true))
			panic("kstack: no memory for the stack area's page tables");
}

/* Unmap a stack for good and free its pages and slot. */
static void kstack_release(void *top)
{
	struct page *pages[KSTACK_PAGES];
	u64 base = (u64)top - KSTACK_SIZE;
	int slot = (base - KSTACK_AREA_BASE - KSTACK_GUARD_SIZE) / SLOT_SIZE;

	if (slot < 0 || slot >= MAX_KSTACKS || slot_stack_base(slot) != base)
		panic("kstack_free(%p): not a kernel stack", top);
	spin_lock(&kstack_lock);
	unmap_stack(base, pages);
	spin_unlock(&kstack_lock);
	/* Every CPU forgets the stack before its pages or its slot are reused. */
	flush_tlb_kernel_range(base, base + KSTACK_SIZE);
	for (unsigned int i = 0; i < KSTACK_PAGES; i++)
		if (pages[i])
			free_pages(pages[i], 0);
	spin_lock(&kstack_lock);
	slot_used[slot / 64] &= ~(1ul << (slot % 64));
	spin_unlock(&kstack_lock);
}

void call_on_stack(void *top, void (*fn)(void *), void *arg)
{
	__asm__ __volatile__(
		"movq %0, %%rsp\n\t"
		"xorl %%ebp, %%ebp\n\t"	/* a new stack starts a new backtrace */
		"callq *%1\n\t"
		"ud2"
		:
		: "r"(top), "r"(fn), "D"(arg)
		: "memory");
	__builtin_unreachable();
}
