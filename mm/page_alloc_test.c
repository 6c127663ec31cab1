/* Self-tests for the buddy allocator (mm/page_alloc.c). */
#include <ktest.h>
#include <page.h>
#include <string.h>
#include <task.h>

/* Empty the free lists of orders [0, upto) by allocating every block on them. */
static void drain_low_orders(struct list_head *held, unsigned int upto)
{
	for (unsigned int o = 0; o < upto; o++) {
		while (buddy_free_blocks(o) > 0) {
			struct page *p = alloc_pages(GFP_KERNEL, o);
			list_add(&p->list, held);
		}
	}
}

static void free_held(struct list_head *held)
{
	while (!list_empty(held)) {
		struct page *p = list_first_entry(held, struct page, list);
		list_del(&p->list);
		free_pages(p, p->order);
	}
}

KTEST(buddy_split)
{
	struct list_head held = LIST_HEAD_INIT(held);
	u64 before = nr_free_pages();
	struct page *p;

	/* With nothing free below order 4, a single page must come from splitting. */
	drain_low_orders(&held, 4);
	p = alloc_page(GFP_KERNEL);
	if (KEXPECT(p != NULL)) {
		/* Splitting 2^k down to 1 leaves one free block at each order below k. */
		for (unsigned int o = 0; o < 4; o++)
			KEXPECT_EQ(buddy_free_blocks(o), 1);
		free_pages(p, 0);
		/* Freeing it merges everything back. */
		for (unsigned int o = 0; o < 4; o++)
			KEXPECT_EQ(buddy_free_blocks(o), 0);
	}
	free_held(&held);
	KEXPECT_EQ(nr_free_pages(), before);
}

KTEST(buddy_coalesce)
{
	u64 before = nr_free_pages();
	struct page *block = alloc_pages(GFP_KERNEL, 4);

	if (!KEXPECT(block != NULL))
		return;
	KEXPECT_EQ(page_to_pfn(block) % 16, 0);	/* blocks are naturally aligned */
	split_page(block, 4);
	/* Free all but the first page: the rest merge into blocks of 1, 2, 4, 8. */
	for (int i = 15; i >= 1; i--)
		free_pages(block + i, 0);
	for (unsigned int o = 0; o < 4; o++) {
		struct page *b = block + (1 << o);
		KEXPECT(page_test_flag(b, PG_buddy));
		KEXPECT_EQ(b->order, o);
	}
	/* The last page joins them into one block of at least 16 pages. */
	free_pages(block, 0);
	for (unsigned int o = 0; o < 4; o++)
		KEXPECT(!page_test_flag(block + (1 << o), PG_buddy));	/* merged away */
	KEXPECT_EQ(nr_free_pages(), before);
}

KTEST(buddy_alignment_and_contents)
{
	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		struct page *p = alloc_pages(GFP_KERNEL, o);
		u8 *mem;

		if (!KEXPECT(p != NULL))
			continue;
		KEXPECT_EQ(page_to_pfn(p) & ((1ul << o) - 1), 0);
		mem = page_address(p);
		memset(mem, 0xa5, PAGE_SIZE << o);
		KEXPECT_EQ(mem[(PAGE_SIZE << o) - 1], 0xa5);
		free_pages(p, o);
	}
	KEXPECT(alloc_pages(GFP_KERNEL, MAX_ORDER + 1) == NULL);
}

/* Take every page there is, as reclaim itself may (a memalloc task). */
static u64 take_all_pages(struct list_head *held, gfp_t gfp)
{
	struct page *p;
	u64 got = 0;

	while ((p = alloc_page(gfp)) != NULL) {
		list_add(&p->list, held);
		got++;
	}
	return got;
}

KTEST(buddy_exhaustion_returns_null)
{
	struct list_head held = LIST_HEAD_INIT(held);
	u64 before = nr_free_pages(), got;

	current->memalloc = true;
	got = take_all_pages(&held, GFP_KERNEL);
	/* (More than there were, with -smp: kswapd, woken on the way down, frees some.) */
	KEXPECT(got >= before);
	KEXPECT_EQ(nr_free_pages(), 0);
	KEXPECT(alloc_pages(GFP_KERNEL, 3) == NULL);
	current->memalloc = false;
	free_held(&held);
	KEXPECT(nr_free_pages() >= before);
	/* Everything coalesced again: the largest blocks exist once more. */
	KEXPECT(buddy_free_blocks(MAX_ORDER) > 0);
}

/*
 * The last pages are kept for those who free memory: an allocation that
 * cannot sleep stops at half the min watermark, one that may sleep (and
 * finds nothing to reclaim or kill here) at min itself.
 */
KTEST(allocations_leave_the_reserve_to_reclaim)
{
	struct list_head held = LIST_HEAD_INIT(held);
	u64 left;

	take_all_pages(&held, GFP_NOWAIT);
	left = nr_free_pages();
	KEXPECT(left >= watermarks.min / 2 && left <= watermarks.min);
	take_all_pages(&held, GFP_KERNEL);	/* reclaim finds little, the OOM killer no one */
	left = nr_free_pages();
	KEXPECT(left >= watermarks.min / 2 && left <= watermarks.min);
	current->memalloc = true;
	take_all_pages(&held, GFP_KERNEL);
	KEXPECT_EQ(nr_free_pages(), 0);
	current->memalloc = false;
	free_held(&held);
}

KTEST(buddy_double_free_is_refused)
{
	struct page *p = alloc_page(GFP_KERNEL);
	u64 bad = page_alloc_bad_frees(), free_after;

	if (!KEXPECT(p != NULL))
		return;
	free_pages(p, 0);
	free_after = nr_free_pages();
	free_pages(p, 0);	/* the double free: refused, nothing changes */
	KEXPECT_EQ(page_alloc_bad_frees(), bad + 1);
	KEXPECT_EQ(nr_free_pages(), free_after);
	free_pages(pfn_to_page(0), 0);	/* page 0 is reserved firmware memory */
	KEXPECT_EQ(page_alloc_bad_frees(), bad + 2);
	KEXPECT_EQ(nr_free_pages(), free_after);
}

KTEST(page_refcount_delays_free)
{
	u64 before = nr_free_pages();
	struct page *p = alloc_page(GFP_KERNEL);

	if (!KEXPECT(p != NULL))
		return;
	KEXPECT_EQ(p->refcount, 1);
	get_page(p);
	put_page(p);
	KEXPECT_EQ(nr_free_pages(), before - 1);	/* one reference left */
	put_page(p);
	KEXPECT_EQ(nr_free_pages(), before);
}

KTEST(alloc_zeroed_page)
{
	struct page *p = alloc_page(GFP_KERNEL);
	const u8 *mem;
	bool zero = true;

	if (!KEXPECT(p != NULL))
		return;
	memset(page_address(p), 0xff, PAGE_SIZE);
	free_pages(p, 0);
	p = alloc_page(GFP_KERNEL | GFP_ZERO);	/* most likely the same page again */
	mem = page_address(p);
	for (u64 i = 0; i < PAGE_SIZE; i++)
		zero &= mem[i] == 0;
	KEXPECT(zero);
	free_pages(p, 0);
}
