/*
 * Self-tests for reclaim and writeback: what reclaim does with each kind
 * of page, and the dirty counters.  The pages belong to a file of the
 * test's own, whose writepage just records the write.
 */
#include <fs.h>
#include <ktest.h>
#include <list.h>
#include <pagecache.h>
#include <sched.h>
#include <vmscan.h>
#include <vmstat.h>
#include <writeback.h>
#include "mm_test.h"

static unsigned long pages_written;	/* by recording_writepage */

static int recording_writepage(struct page *page, struct blk_plug *plug)
{
	(void)plug;
	__atomic_add_fetch(&pages_written, 1, __ATOMIC_RELEASE);
	unlock_page(page);
	end_page_writeback(page, 0);
	return 0;
}

static const struct address_space_operations recording_aops = {
	.readpage = ktest_zero_readpage,
	.writepage = recording_writepage,
};

/* Static: the flusher may look at the file's inode while the test runs. */
static struct super_block test_sb;
static struct inode test_host = { .i_mode = S_IFREG, .i_sb = &test_sb };
static struct address_space test_mapping;

/* A cached, uptodate page of the test file at index, unlocked, with the caller's reference. */
static struct page *cached_page(unsigned long index)
{
	struct page *page = find_or_create_page(&test_mapping, index, GFP_KERNEL | GFP_ZERO);

	if (page) {
		page_set_flag(page, PG_uptodate);
		unlock_page(page);
	}
	return page;
}

/* Take the page off the LRU onto list, as lru_isolate does (a reference each). */
static void isolate(struct page *page, struct list_head *list)
{
	lru_del(page);
	get_page(page);
	list_add_tail(&page->list, list);
}

static bool cached(unsigned long index)
{
	struct page *page = find_get_page(&test_mapping, index);

	if (page)
		put_page(page);
	return page != NULL;
}

/*
 * Clean and unused: freed.  Locked by someone: kept, without waiting for
 * the lock (the test holds it; a wait would never end).  Used once since
 * it came: kept for another round.  Dirty: kept, and written by the
 * flusher, which reclaim hands it to.
 */
KTEST(reclaim_frees_clean_pages_and_hands_dirty_ones_to_the_flusher)
{
	struct list_head list = LIST_HEAD_INIT(list);
	struct page *clean, *locked, *used, *dirty;
	unsigned long written = READ_ONCE(pages_written);

	mapping_init(&test_mapping, &test_host, &recording_aops);
	clean = cached_page(0);
	locked = cached_page(1);
	used = cached_page(2);
	dirty = cached_page(3);
	if (!KEXPECT(clean && locked && used && dirty))
		return;
	KEXPECT(trylock_page(locked));
	page_set_flag(used, PG_referenced);
	KEXPECT(set_page_dirty(dirty));
	KEXPECT(!set_page_dirty(dirty));	/* already dirty */
	KEXPECT_EQ(test_mapping.nr_dirty, 1);
	isolate(clean, &list);
	isolate(locked, &list);
	isolate(used, &list);
	isolate(dirty, &list);
	put_page(clean);	/* only the cache and the isolation hold it now */

	KEXPECT_EQ(reclaim_page_list(&list, false), 1);
	KEXPECT(!cached(0) && cached(1) && cached(2) && cached(3));
	KEXPECT(page_test_flag(locked, PG_lru) && page_test_flag(used, PG_lru));
	KEXPECT(!page_test_flag(used, PG_referenced));
	unlock_page(locked);
	for (int i = 0; i < 500 && page_test_flag(dirty, PG_dirty); i++)
		sleep_ns(10 * 1000000ul);
	KEXPECT(!page_test_flag(dirty, PG_dirty));
	KEXPECT(READ_ONCE(pages_written) > written);
	KEXPECT_EQ(test_mapping.nr_dirty, 0);

	truncate_inode_pages(&test_mapping, 0);
	flusher_forget_mapping(&test_mapping);
	put_page(locked);
	put_page(used);
	put_page(dirty);
}

/*
 * A file's dirty count follows set_page_dirty, writeback and truncation
 * (the machine's, NR_FILE_DIRTY, moves with it, but other files' pages
 * may be dirtied or written meanwhile: only the file's is exact here).
 */
KTEST(dirty_pages_are_counted_until_written_or_truncated)
{
	struct page *a, *b;

	mapping_init(&test_mapping, &test_host, &recording_aops);
	a = cached_page(0);
	b = cached_page(1);
	if (!KEXPECT(a && b))
		return;
	set_page_dirty(a);
	set_page_dirty(b);
	KEXPECT_EQ(test_mapping.nr_dirty, 2);
	KEXPECT(vm_stat_read(NR_FILE_DIRTY) >= 2);
	KEXPECT_EQ(filemap_write_and_wait(&test_mapping), 0);
	KEXPECT_EQ(test_mapping.nr_dirty, 0);
	KEXPECT(!page_test_flag(a, PG_dirty) && !page_test_flag(b, PG_dirty));
	set_page_dirty(a);
	KEXPECT_EQ(test_mapping.nr_dirty, 1);
	truncate_inode_pages(&test_mapping, 0);		/* the dirty page goes unwritten */
	KEXPECT_EQ(test_mapping.nr_dirty, 0);
	KEXPECT(!page_test_flag(a, PG_dirty));
	flusher_forget_mapping(&test_mapping);
	put_page(a);
	put_page(b);
}
