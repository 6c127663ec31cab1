/*
 * The buddy allocator: physical pages in blocks of 2^order.
 *
 * Free blocks of each order sit on that order's free list.  To allocate,
 * take a block of the smallest order that has one and split it in halves
 * until it is the size asked for, putting the unused halves on the lower
 * lists.  To free, look at the block's "buddy" (the other half of the
 * block it was split from, whose frame number differs in just bit `order`):
 * if that is free and of the same order, merge the two and try again one
 * order up.  So free memory coalesces back into large blocks.
 *
 * Lock: zone.lock protects the free lists, nr_free and the PG_buddy flag
 * and order of free pages.  Allocated pages belong to their owner.
 */
#include <bootmem.h>
#include <compiler.h>
#include <page.h>
#include <panic.h>
#include <printk.h>
#include <spinlock.h>
#include <string.h>
#include <vmstat.h>

struct page *mem_map;
struct watermarks watermarks;
u64 max_pfn;

static struct {
	struct spinlock lock;
	struct list_head free_list[MAX_ORDER + 1];	/* lock */
	u64 nr_free;			/* lock: free pages, all orders */
	u64 nr_managed;			/* pages given to the allocator at boot */
	u64 bad_frees;			/* lock: refused frees */
	bool ready;
} zone = { .lock = SPINLOCK_INIT("zone") };

bool page_alloc_is_ready(void)
{
	return zone.ready;
}

/* Put a free block on its list; zone.lock held, block not yet merged. */
static void add_free_block(struct page *page, unsigned int order)
{
	page_set_flag(page, PG_buddy);
	page->order = order;
	list_add(&page->list, &zone.free_list[order]);
}

static void del_free_block(struct page *page)
{
	list_del(&page->list);
	page_clear_flag(page, PG_buddy);
}

/* Free the block at pfn, merging it with free buddies; zone.lock held. */
static void free_block(u64 pfn, unsigned int order)
{
	zone.nr_free += 1ul << order;
	while (order < MAX_ORDER) {
		u64 buddy_pfn = pfn ^ (1ul << order);
		struct page *buddy = pfn_to_page(buddy_pfn);

		if (buddy_pfn >= max_pfn || !page_test_flag(buddy, PG_buddy) || buddy->order != order)
			break;
		del_free_block(buddy);
		pfn &= ~(1ul << order);		/* the merged block starts at the lower half */
		order++;
	}
	add_free_block(pfn_to_page(pfn), order);
}

/*
 * Take a block of 2^order pages if at least `keep` pages stay free
 * afterwards (the watermark the caller must respect); NULL if not.
 */
struct page *take_free_block(unsigned int order, u64 keep)
{
	struct page *page = NULL;
	unsigned int o;

	spin_lock(&zone.lock);
	if (zone.nr_free >= keep + (1ul << order)) {
		for (o = order; o <= MAX_ORDER; o++) {
			if (!list_empty(&zone.free_list[o])) {
				page = list_first_entry(&zone.free_list[o], struct page, list);
				break;
			}
		}
	}
	if (page) {
		del_free_block(page);
		/* Split: give back the upper half until the block is small enough. */
		while (o > order) {
			o--;
			add_free_block(page + (1ul << o), o);
		}
		zone.nr_free -= 1ul << order;
	}
	spin_unlock(&zone.lock);
	return page;
}

/*
 * The fast path takes a block while more than the low watermark stays
 * free; below it, alloc_pages_slowpath (vmscan.c) wakes the reclaim
 * thread, may reclaim for itself and, as the last resort, calls the OOM
 * killer.
 */
struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	struct page *page;

	if (order > MAX_ORDER)
		return NULL;
	page = take_free_block(order, READ_ONCE(watermarks.low));
	if (!page)
		page = alloc_pages_slowpath(gfp, order);
	if (!page)
		return NULL;
	page->flags = 0;
	page->refcount = 1;
	page->mapcount = 0;
	page->order = order;
	page->mapping = NULL;
	page->index = 0;
	if (gfp & GFP_ZERO)
		memset(page_address(page), 0, PAGE_SIZE << order);
	return page;
}

struct page *alloc_anon_page(gfp_t gfp)
{
	struct page *page = alloc_pages(gfp, 0);

	if (page) {
		page_set_flag(page, PG_anon);
		inc_vm_stat(NR_ANON_PAGES);
	}
	return page;
}

static void refuse_free(struct page *page, const char *why)
{
	spin_lock(&zone.lock);
	zone.bad_frees++;
	spin_unlock(&zone.lock);
	pr_err("free_pages: refusing to free pfn %#lx: %s", page_to_pfn(page), why);
	dump_stack();
}

void free_pages(struct page *page, unsigned int order)
{
	int old;

	/* A free page has refcount 0, so a double free is caught here. */
	if (page_test_flag(page, PG_reserved) || page_test_flag(page, PG_buddy)) {
		refuse_free(page, page_test_flag(page, PG_reserved) ? "reserved page" : "already free");
		return;
	}
	old = __atomic_fetch_sub(&page->refcount, 1, __ATOMIC_ACQ_REL);
	if (old <= 0) {
		__atomic_fetch_add(&page->refcount, 1, __ATOMIC_RELAXED);
		refuse_free(page, "reference count already zero (double free?)");
		return;
	}
	if (old > 1)
		return;		/* others still hold references */
	if (page_test_flag(page, PG_anon))
		dec_vm_stat(NR_ANON_PAGES);

	spin_lock(&zone.lock);
	free_block(page_to_pfn(page), order);
	spin_unlock(&zone.lock);
}

void split_page(struct page *page, unsigned int order)
{
	for (u64 i = 0; i < (1ul << order); i++) {
		page[i].refcount = 1;
		page[i].order = 0;
	}
}

u64 buddy_free_blocks(unsigned int order)
{
	struct page *p;
	u64 n = 0;

	spin_lock(&zone.lock);
	list_for_each_entry(p, &zone.free_list[order], list)
		n++;
	spin_unlock(&zone.lock);
	return n;
}

u64 nr_free_pages(void)
{
	return READ_ONCE(zone.nr_free);
}

u64 nr_total_pages(void)
{
	return zone.nr_managed;
}

u64 page_alloc_bad_frees(void)
{
	return READ_ONCE(zone.bad_frees);
}

/*
 * The free-memory watermarks, as Linux sets them: min is the reserve only
 * reclaim itself (and, halfway, allocations that cannot sleep) may use,
 * sqrt(16 * memory in KiB) KiB, at least 128 KiB; the reclaim thread
 * wakes below low (min + 1/4) and sleeps again above high (min + 1/2).
 */
static void set_watermarks(u64 managed)
{
	u64 kib = managed << (PAGE_SHIFT - 10), min_kib = 128;

	while ((min_kib + 1) * (min_kib + 1) <= 16 * kib)
		min_kib++;
	watermarks.min = MAX(min_kib >> (PAGE_SHIFT - 10), 32ul);
	watermarks.low = watermarks.min + watermarks.min / 4;
	watermarks.high = watermarks.min + watermarks.min / 2;
}

/* Hand a free physical range to the allocator, in the largest aligned blocks. */
static void release_range(phys_addr_t start, phys_addr_t end)
{
	u64 pfn = start >> PAGE_SHIFT, end_pfn = MIN(end >> PAGE_SHIFT, max_pfn);

	while (pfn < end_pfn) {
		unsigned int order = MAX_ORDER;

		while (order > 0 && ((pfn & ((1ul << order) - 1)) || pfn + (1ul << order) > end_pfn))
			order--;
		for (u64 i = 0; i < (1ul << order); i++)
			page_clear_flag(pfn_to_page(pfn + i), PG_reserved);
		free_block(pfn, order);
		zone.nr_managed += 1ul << order;
		pfn += 1ul << order;
	}
}

/*
 * Create mem_map (every frame starts reserved) and give the allocator all
 * memory the boot allocator has not handed out.  After this, bootmem is
 * closed for good.
 */
void page_alloc_init(void)
{
	u64 bytes;

	max_pfn = bootmem_ram_end() >> PAGE_SHIFT;
	bytes = max_pfn * sizeof(struct page);
	mem_map = phys_to_virt(bootmem_alloc(bytes, PAGE_SIZE));
	for (u64 pfn = 0; pfn < max_pfn; pfn++)
		mem_map[pfn].flags = 1ul << PG_reserved;
	for (int o = 0; o <= MAX_ORDER; o++)
		list_init(&zone.free_list[o]);

	spin_lock(&zone.lock);
	bootmem_release_free(release_range);
	zone.ready = true;
	spin_unlock(&zone.lock);
	set_watermarks(zone.nr_managed);
	pr_info("page_alloc: %lu pages (%lu MiB) free, struct page array %lu KiB; "
		"watermarks min %lu low %lu high %lu pages",
		zone.nr_free, zone.nr_free >> (20 - PAGE_SHIFT), bytes >> 10,
		watermarks.min, watermarks.low, watermarks.high);
}
