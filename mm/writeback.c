/*
 * Dirty pages, and writing a file's dirty pages back.
 *
 * A page-cache page of a file that writes back (ext2: a_ops->writepage)
 * is dirty (PG_dirty) from the moment its data differs from the disk's
 * until writeback starts.  set_page_dirty and clear_page_dirty_for_io are
 * the only ways the bit changes while the page is cached, so the counters
 * stay exact: NR_FILE_DIRTY for the whole machine, nr_dirty per file, and
 * the flusher's list of files with dirty pages (flusher.c).  Writeback of
 * one page: lock it, write-protect its shared mappings (page_mkclean),
 * clear PG_dirty, set PG_writeback, hand it to a_ops->writepage (which
 * unlocks it); the I/O's end clears PG_writeback (end_page_writeback in
 * filemap.c).
 *
 * A failed write is recorded in the file's error sequence (wb_err, a
 * counter): each open file remembers the value it last reported, and
 * fsync reports -EIO once to every open file that has not seen the newest
 * failure yet, as Linux's errseq does.
 *
 * Lock order: page lock -> mapping->tree_lock -> wb_lock (flusher.c).
 */
#include <blkdev.h>
#include <errno.h>
#include <fs.h>
#include <pagecache.h>
#include <vmstat.h>
#include <writeback.h>

bool set_page_dirty(struct page *page)
{
	struct address_space *m;
	bool newly = false;

	if (page_test_flag(page, PG_dirty))
		return false;
	m = READ_ONCE(page->mapping);
	if (!m)
		return false;	/* truncated meanwhile: nothing left to write it to */
	/* Under tree_lock, so truncation (which clears PG_dirty there) cannot interleave. */
	spin_lock(&m->tree_lock);
	if (page->mapping == m && !page_test_and_set_flag(page, PG_dirty)) {
		newly = true;
		if (mapping_tracks_dirty(m)) {
			inc_vm_stat(NR_FILE_DIRTY);
			if (m->nr_dirty++ == 0)
				flusher_note_dirty_mapping(m);
		}
	}
	spin_unlock(&m->tree_lock);
	return newly;
}

bool clear_page_dirty_for_io(struct page *page)
{
	struct address_space *m = page->mapping;
	bool was;

	spin_lock(&m->tree_lock);
	was = page_test_and_clear_flag(page, PG_dirty);
	if (was && mapping_tracks_dirty(m)) {
		m->nr_dirty--;
		dec_vm_stat(NR_FILE_DIRTY);
	}
	spin_unlock(&m->tree_lock);
	return was;
}

/*
 * The error sequence, as Linux's errseq: a count of failed writes (from
 * bit 1 up) and, in bit 0, whether some open file has reported the
 * newest one.  A failure while the last one is still unreported changes
 * nothing: whoever looks next reports both as one -EIO.
 */
#define WB_ERR_SEEN 1u
#define WB_ERR_ONE 2u

void mapping_set_error(struct address_space *m)
{
	u32 old = __atomic_load_n(&m->wb_err, __ATOMIC_ACQUIRE), new;

	do {
		if (old && !(old & WB_ERR_SEEN))
			return;
		new = (old & ~WB_ERR_SEEN) + WB_ERR_ONE;
	} while (!__atomic_compare_exchange_n(&m->wb_err, &old, new, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
}

/*
 * A file opened now must still hear of a failure nobody has reported
 * yet (it may be the one that fsyncs), but not of older ones.
 */
u32 filemap_sample_wb_err(struct address_space *m)
{
	u32 now = __atomic_load_n(&m->wb_err, __ATOMIC_ACQUIRE);

	return (now & WB_ERR_SEEN) ? now : 0;
}

int filemap_check_wb_err(struct address_space *m, u32 *since)
{
	u32 old = __atomic_load_n(&m->wb_err, __ATOMIC_ACQUIRE);

	if (old == *since)
		return 0;
	/* Reported: mark it seen (unless a newer failure came in meanwhile, which stays unseen). */
	if (!(old & WB_ERR_SEEN) &&
	    __atomic_compare_exchange_n(&m->wb_err, &old, old | WB_ERR_SEEN, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		old |= WB_ERR_SEEN;
	*since = old;
	return -EIO;
}

/*
 * Write a locked, dirty page that is not under writeback (into plug, or
 * submitted at once if plug is NULL); returns with it unlocked.  Its
 * shared mappings are write-protected before it is cleaned: a store from
 * now on faults and dirties it again (it may land in the middle of this
 * write, so the page is written once more later).
 */
static void write_locked_page(struct page *page, struct blk_plug *plug)
{
	page_mkclean(page);
	if (!clear_page_dirty_for_io(page)) {
		unlock_page(page);
		return;
	}
	page_set_flag(page, PG_writeback);
	inc_vm_stat(NR_WRITEBACK);
	page->mapping->a_ops->writepage(page, plug);	/* unlocks; errors end up in PG_error */
}

void writeback_one_page(struct page *page, struct blk_plug *plug)
{
	if (page_test_flag(page, PG_dirty) && !page_test_flag(page, PG_writeback) && page->mapping)
		write_locked_page(page, plug);
	else
		unlock_page(page);
}

/*
 * Start writeback of the page if it is dirty, into plug; true if it was
 * started.  `wait`: a page already under writeback is waited for (it may
 * have been dirtied again after that write began: sync must write it
 * again); otherwise it is skipped, as background writeback does.
 */
static bool start_writeback(struct address_space *m, struct page *page, struct blk_plug *plug,
			    bool wait)
{
	if (!page_test_flag(page, PG_dirty))
		return false;
	if (wait) {
		lock_page(page);
		wait_on_page_writeback(page);	/* one write of a page at a time */
	} else if (page_test_flag(page, PG_writeback) || !trylock_page(page)) {
		return false;	/* busy: the next pass gets it */
	}
	if (page->mapping != m || !page_test_flag(page, PG_dirty) ||
	    page_test_flag(page, PG_writeback)) {
		unlock_page(page);
		return false;
	}
	write_locked_page(page, plug);
	return true;
}

#define WRITEBACK_BATCH 64		/* pages per plug: up to 256 KiB in one request */

/*
 * Start writeback of up to `max` dirty pages at or after *index, in
 * ascending order, in one plug (so neighbours on the disk merge into one
 * request); *index moves past the last page looked at.  Pages started are
 * put in batch[] with their reference (when batch is not NULL), else
 * their references are dropped.  Returns how many were started; *more
 * says whether pages remain past *index.
 */
static int writeback_batch(struct address_space *m, unsigned long *index, int max,
			   struct page **batch, bool *more)
{
	struct blk_plug plug;
	int n = 0;

	*more = true;
	blk_start_plug(&plug);
	while (n < max) {
		struct page *page = find_get_next_page(m, index);

		if (!page) {
			*more = false;
			break;
		}
		(*index)++;
		if (start_writeback(m, page, &plug, batch != NULL)) {
			if (batch)
				batch[n] = page;
			else
				put_page(page);
			n++;
		} else {
			put_page(page);
		}
		if (*index == 0) {	/* wrapped: the page at ~0ul was the last one */
			*more = false;
			break;
		}
	}
	blk_finish_plug(&plug);
	return n;
}

int filemap_write_and_wait(struct address_space *m)
{
	struct page *batch[WRITEBACK_BATCH];
	unsigned long index = 0;
	bool more = true;
	int err = 0;

	if (!m->a_ops->writepage)
		return 0;	/* nothing behind it (tmpfs) */
	while (more) {
		/*
		 * Nothing here waits for a page of the plug while it holds another
		 * page: a page is taken once a batch, and the plug goes out before
		 * the batch is waited for.
		 */
		int n = writeback_batch(m, &index, WRITEBACK_BATCH, batch, &more);

		for (int i = 0; i < n; i++) {
			wait_on_page_writeback(batch[i]);
			if (page_test_flag(batch[i], PG_error))
				err = -EIO;
			put_page(batch[i]);
		}
	}
	return err;
}

unsigned long filemap_writeback(struct address_space *m, unsigned long *next, unsigned long nr)
{
	unsigned long started = 0, index = *next;
	bool more = true, wrapped = index == 0;

	while (started < nr) {
		started += writeback_batch(m, &index, MIN(nr - started, (unsigned long)WRITEBACK_BATCH),
					   NULL, &more);
		if (!more) {
			if (wrapped)
				break;
			wrapped = true;		/* once round from the start */
			index = 0;
		}
	}
	*next = index;
	return started;
}
