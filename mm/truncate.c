/*
 * Truncation: taking pages past a new end of file out of the page cache,
 * and out of every address space that maps them.
 *
 * The protocol (docs/design.md), with the inode's i_rwsem and the
 * mapping's invalidate_lock held exclusive by the file system:
 *   1. the new i_size is set first;
 *   2. the pages past it are unmapped from every VMA of the file;
 *   3. each page is locked in ascending order, its writeback waited for,
 *      and removed from the cache;
 *   4. the range is unmapped once more;
 *   5. only then does the file system free the blocks behind them.
 * A fault racing this cannot map a page it removes: file faults take
 * invalidate_lock shared, so they ran before (and step 2 undoes them) or
 * run after and see the new size (SIGBUS).  Every other way an entry for
 * a file page appears is ordered against step 2 too: fork and mremap
 * through the file's list of mappings, a copy-on-write fault by its
 * check of the old entry under the page-table lock.  So in Pagoda step 4
 * finds nothing; it is kept as the design's contract and Linux's practice
 * (Linux needs it: its faults on cached pages skip invalidate_lock), a
 * cheap guard should a new path ever map file pages some other way.
 */
#include <fs.h>
#include <pagecache.h>
#include <string.h>

void truncate_inode_pages(struct address_space *m, u64 start)
{
	unsigned long index = (start + PAGE_SIZE - 1) >> PAGE_SHIFT;
	struct page *page;

	/* The page that straddles the new end keeps its head; zero its tail. */
	if (start & (PAGE_SIZE - 1)) {
		page = find_get_page(m, start >> PAGE_SHIFT);
		if (page) {
			lock_page(page);
			memset((char *)page_address(page) + (start & (PAGE_SIZE - 1)), 0,
			       PAGE_SIZE - (start & (PAGE_SIZE - 1)));
			unlock_page(page);
			put_page(page);
		}
	}
	/* Whole pages, in ascending order, one locked at a time. */
	while ((page = find_get_next_page(m, &index)) != NULL) {
		lock_page(page);
		wait_on_page_writeback(page);	/* its I/O must not land after the blocks are freed */
		if (page->mapping == m)
			delete_from_page_cache(page);
		unlock_page(page);
		put_page(page);
		index++;
	}
}

void truncate_pagecache(struct inode *inode, u64 new_size)
{
	struct address_space *m = inode->i_mapping;
	unsigned long first_gone = (new_size + PAGE_SIZE - 1) >> PAGE_SHIFT;

	/*
	 * The page holding the new end stays mapped: its head is still the
	 * file's, and truncate_inode_pages zeroes its tail in place.
	 */
	unmap_mapping_pages(m, first_gone, ~0ul);
	truncate_inode_pages(m, new_size);
	unmap_mapping_pages(m, first_gone, ~0ul);
}

/*
 * Drop the pages [first, last] that nobody needs: clean, not under
 * writeback, and used by no one but the cache (no mapping maps them, no
 * reader holds them: the reference we hold for the look-up is the only
 * other).  A page that is busy is left; this is advice, not truncation.
 */
void invalidate_mapping_pages(struct address_space *m, unsigned long first, unsigned long last)
{
	unsigned long index = first;
	struct page *page;

	while (index <= last && (page = find_get_next_page(m, &index)) != NULL) {
		if (index > last) {
			put_page(page);
			break;
		}
		if (trylock_page(page)) {
			if (page->mapping == m && !page_test_flag(page, PG_dirty) &&
			    !page_test_flag(page, PG_writeback) && READ_ONCE(page->refcount) == 2)
				delete_from_page_cache(page);
			unlock_page(page);
		}
		put_page(page);
		if (index++ == ~0ul)
			break;
	}
}

/*
 * i_size grew from `from` to `to`.  With blocks smaller than a page, the
 * page that held the old end may be mapped writable while some of its
 * blocks, past the old end, have no place on the disk yet (page_mkwrite
 * gave blocks only below EOF, and writeback skips holes).  Write-protect
 * it, so the next store faults and page_mkwrite allocates them; else that
 * store would be lost.  Called with i_rwsem held, no page lock.
 */
void pagecache_isize_extended(struct inode *inode, u64 from, u64 to)
{
	u32 block_size = inode->i_sb->s_blocksize;
	struct page *page;

	if (!block_size || !(from & (PAGE_SIZE - 1)) || to <= ALIGN_UP(from, block_size) ||
	    !mapping_tracks_dirty(inode->i_mapping))
		return;		/* no block of the old end page is new inside EOF */
	page = find_get_page(inode->i_mapping, from >> PAGE_SHIFT);
	if (!page)
		return;
	lock_page(page);
	if (page->mapping == inode->i_mapping)
		page_mkclean(page);
	unlock_page(page);
	put_page(page);
}
