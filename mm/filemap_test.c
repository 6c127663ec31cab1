/* Self-tests for the page cache index, page locks and truncation. */
#include <errno.h>
#include <fs.h>
#include <kmalloc.h>
#include <ktest.h>
#include <pagecache.h>
#include <sched.h>
#include <string.h>
#include "mm_test.h"

struct page *page_index_lookup(struct address_space *m, unsigned long index);
struct page *page_index_next(struct address_space *m, unsigned long *index);

/* A file of zeros for self-tests: fills a page and unlocks it (mm_test.h). */
int ktest_zero_readpage(struct file *file, struct page *page)
{
	(void)file;
	memset(page_address(page), 0, PAGE_SIZE);
	page_set_flag(page, PG_uptodate);
	unlock_page(page);
	return 0;
}

static const struct address_space_operations zero_aops = { .readpage = ktest_zero_readpage };
/* A mapping's host belongs to a super block (which counts its cached pages). */
static struct super_block test_sb;

KTEST(page_cache_index_sparse_and_ordered)
{
	static const unsigned long where[] = { 0, 1, 63, 64, 4095, 1ul << 20, 1ul << 30, (1ul << 40) + 7 };
	struct address_space m;
	struct inode host = { .i_mode = S_IFREG, .i_sb = &test_sb };
	unsigned long index = 0;
	unsigned int found = 0;
	struct page *p;
	u64 before;

	/*
	 * kmalloc keeps empty slab pages for reuse, and how many depends on
	 * what earlier tests freed: count with none kept, before and after.
	 */
	kmalloc_shrink();
	before = nr_free_pages();
	mapping_init(&m, &host, &zero_aops);
	for (unsigned int i = 0; i < ARRAY_SIZE(where); i++) {
		p = find_or_create_page(&m, where[i], GFP_KERNEL | GFP_ZERO);
		if (!KEXPECT(p != NULL))
			return;
		KEXPECT_EQ(p->index, where[i]);
		unlock_page(p);
		put_page(p);
	}
	KEXPECT_EQ(m.nrpages, ARRAY_SIZE(where));
	KEXPECT(page_index_lookup(&m, 2) == NULL);
	KEXPECT(find_get_page(&m, (1ul << 40) + 6) == NULL);
	/* Walking the index visits the pages in ascending order. */
	while ((p = page_index_next(&m, &index)) != NULL) {
		if (found < ARRAY_SIZE(where))
			KEXPECT_EQ(index, where[found]);
		found++;
		index++;
	}
	KEXPECT_EQ(found, ARRAY_SIZE(where));
	truncate_inode_pages(&m, 64 * PAGE_SIZE + 100);	/* keeps 0, 1, 63, 64 */
	KEXPECT_EQ(m.nrpages, 4);
	KEXPECT(find_get_page(&m, 4095) == NULL);
	truncate_inode_pages(&m, 0);
	KEXPECT_EQ(m.nrpages, 0);
	KEXPECT(m.root == NULL);	/* every node freed */
	kmalloc_shrink();
	KEXPECT_EQ(nr_free_pages(), before);
}

KTEST(page_cache_truncate_zeroes_partial_page)
{
	struct address_space m;
	struct inode host = { .i_mode = S_IFREG, .i_sb = &test_sb };
	struct page *p;
	u8 *data;

	mapping_init(&m, &host, &zero_aops);
	p = find_or_create_page(&m, 0, GFP_KERNEL);
	if (!KEXPECT(p != NULL))
		return;
	data = page_address(p);
	memset(data, 0xab, PAGE_SIZE);
	page_set_flag(p, PG_uptodate);
	unlock_page(p);
	truncate_inode_pages(&m, 100);
	KEXPECT_EQ(data[99], 0xab);
	KEXPECT_EQ(data[100], 0);
	KEXPECT_EQ(data[PAGE_SIZE - 1], 0);
	KEXPECT_EQ(m.nrpages, 1);
	put_page(p);
	truncate_inode_pages(&m, 0);
}

struct lock_probe {
	struct page *page;
	int stage;
	struct completion done;
};

static void take_page_lock(void *arg)
{
	struct lock_probe *lp = arg;

	lock_page(lp->page);	/* sleeps until the test unlocks it */
	lp->stage = 2;
	unlock_page(lp->page);
	complete(&lp->done);
}

KTEST(page_lock_sleeps_until_unlocked)
{
	struct lock_probe lp = { .stage = 0 };
	struct page *p = alloc_page(GFP_KERNEL);

	if (!KEXPECT(p != NULL))
		return;
	lp.page = p;
	completion_init(&lp.done);
	lock_page(p);
	KEXPECT(!trylock_page(p));
	kthread_create(take_page_lock, &lp, "ktest");
	yield();
	yield();
	KEXPECT_EQ(lp.stage, 0);	/* still waiting for us */
	unlock_page(p);
	wait_for_completion(&lp.done);
	KEXPECT_EQ(lp.stage, 2);
	KEXPECT(trylock_page(p));
	unlock_page(p);
	free_pages(p, 0);
}

/*
 * Cached pages start on the inactive LRU list; a first use marks one
 * referenced, a second moves it to the active list; truncation takes
 * them off.
 */
KTEST(page_cache_pages_join_and_leave_the_lru)
{
	struct address_space m;
	struct inode host = { .i_mode = S_IFREG, .i_sb = &test_sb };
	unsigned long before = nr_cached_pages(), lru_before = nr_lru_pages();
	struct page *a, *b;

	mapping_init(&m, &host, &zero_aops);
	a = find_or_create_page(&m, 0, GFP_KERNEL | GFP_ZERO);
	b = find_or_create_page(&m, 1, GFP_KERNEL | GFP_ZERO);
	if (!KEXPECT(a && b))
		return;
	unlock_page(a);
	unlock_page(b);
	KEXPECT(page_test_flag(a, PG_lru) && page_test_flag(b, PG_lru));
	KEXPECT(!page_test_flag(a, PG_active) && !page_test_flag(b, PG_active));
	KEXPECT_EQ(nr_cached_pages(), before + 2);
	KEXPECT_EQ(nr_lru_pages(), lru_before + 2);
	KEXPECT(page_is_lru_newest(b));
	mark_page_accessed(a);
	KEXPECT(page_test_flag(a, PG_referenced) && !page_test_flag(a, PG_active));
	KEXPECT(page_is_lru_newest(b));
	mark_page_accessed(a);
	KEXPECT(page_test_flag(a, PG_active) && page_is_lru_newest(a));
	truncate_inode_pages(&m, 0);
	KEXPECT(!page_test_flag(a, PG_lru) && !page_test_flag(b, PG_lru));
	KEXPECT_EQ(nr_cached_pages(), before);
	KEXPECT_EQ(nr_lru_pages(), lru_before);
	put_page(a);
	put_page(b);
}
