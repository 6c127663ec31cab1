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
#include <sched.h>
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
 * A task never sleeps holding a plug: the pages in it are under writeback
 * but their I/O is not submitted yet, and whoever we would wait for (a
 * truncate holding a page lock, say) may be waiting for one of them.
 */
static void flush_plug(struct blk_plug *plug)
{
	blk_finish_plug(plug);
	blk_start_plug(plug);
}

/*
 * Write a locked, dirty page that is not under writeback (into plug, or
 * submitted at once if plug is NULL); returns with it unlocked.  Its
 * shared mappings are write-protected before it is cleaned: a store from
 * now on faults and dirties it again (it may land in the middle of this
 * write, so the page is written once more later).  Returns writepage's
 * answer: -ENOMEM means nothing was started and the page is dirty again;
 * other failures are in the error sequence.
 */
static int write_locked_page(struct page *page, struct blk_plug *plug)
{
	page_mkclean(page);
	if (!clear_page_dirty_for_io(page)) {
		unlock_page(page);
		return 0;
	}
	page_set_flag(page, PG_writeback);
	inc_vm_stat(NR_WRITEBACK);
	return page->mapping->a_ops->writepage(page, plug);	/* unlocks */
}

void writeback_one_page(struct page *page, struct blk_plug *plug)
{
	if (page_test_flag(page, PG_dirty) && !page_test_flag(page, PG_writeback) && page->mapping)
		write_locked_page(page, plug);
	else
		unlock_page(page);
}

/*
 * Start writeback of the page if it is dirty, into plug: 1 if it was
 * started, 0 if not, -ENOMEM if writepage had no memory to start it.
 * `wait`: a locked page, or one already under writeback, is waited for
 * (it may have been dirtied again after that write began: sync must write
 * it again); otherwise it is skipped, as background writeback does.
 */
static int start_writeback(struct address_space *m, struct page *page, struct blk_plug *plug,
			   bool wait)
{
	if (!page_test_flag(page, PG_dirty))
		return 0;
	if (!trylock_page(page)) {
		if (!wait)
			return 0;	/* busy: the next pass gets it */
		flush_plug(plug);
		lock_page(page);
	}
	if (page_test_flag(page, PG_writeback)) {
		if (!wait) {
			unlock_page(page);
			return 0;
		}
		flush_plug(plug);
		wait_on_page_writeback(page);	/* one write of a page at a time */
	}
	if (page->mapping != m || !page_test_flag(page, PG_dirty)) {
		unlock_page(page);
		return 0;
	}
	return write_locked_page(page, plug) == -ENOMEM ? -ENOMEM : 1;
}

#define WRITEBACK_BATCH 64		/* pages per plug: up to 256 KiB in one request */

/* Where a batch left a file. */
struct batch_end {
	bool more;		/* pages remain past the index */
	bool no_memory;		/* writepage found no memory: back off, then retry from the index */
};

/*
 * Start writeback of up to `max` dirty pages at or after *index, in
 * ascending order, in one plug (so neighbours on the disk merge into one
 * request); *index moves past the last page looked at.  Pages started are
 * put in batch[] with their reference (when batch is not NULL: the caller
 * waits for them), else their references are dropped.  Returns how many
 * were started.
 */
static int writeback_batch(struct address_space *m, unsigned long *index, int max,
			   struct page **batch, struct batch_end *end)
{
	struct blk_plug plug;
	int n = 0;

	end->more = true;
	end->no_memory = false;
	blk_start_plug(&plug);
	while (n < max) {
		struct page *page = find_get_next_page(m, index);
		int started;

		if (!page) {
			end->more = false;
			break;
		}
		started = start_writeback(m, page, &plug, batch != NULL);
		if (started == -ENOMEM) {
			put_page(page);
			end->no_memory = true;
			break;		/* *index stays: the page is dirty again */
		}
		(*index)++;
		if (started && batch)
			batch[n] = page;
		else
			put_page(page);
		n += started;
		if (*index == 0) {	/* wrapped: the page at ~0ul was the last one */
			end->more = false;
			break;
		}
	}
	blk_finish_plug(&plug);
	return n;
}

#define NO_MEMORY_WAIT_NS 20000000ul	/* writepage found no memory: let reclaim work */
#define NO_MEMORY_RETRIES 50

int filemap_write_and_wait(struct address_space *m)
{
	struct page *batch[WRITEBACK_BATCH];
	struct batch_end end = { .more = true };
	unsigned long index = 0;
	int err = 0, retries = 0;

	if (!m->a_ops->writepage)
		return 0;	/* nothing behind it (tmpfs) */
	while (end.more) {
		/*
		 * Nothing here waits for a page of the plug while it holds another
		 * page: a page is taken once a batch, and the plug goes out before
		 * the batch is waited for.
		 */
		int n = writeback_batch(m, &index, WRITEBACK_BATCH, batch, &end);

		for (int i = 0; i < n; i++) {
			wait_on_page_writeback(batch[i]);
			if (page_test_flag(batch[i], PG_error))
				err = -EIO;
			put_page(batch[i]);
		}
		if (end.no_memory) {
			/* The data is still only in memory: say so rather than succeed. */
			if (++retries > NO_MEMORY_RETRIES)
				return -ENOMEM;
			sleep_ns(NO_MEMORY_WAIT_NS);
		}
	}
	return err;
}

unsigned long filemap_writeback(struct address_space *m, unsigned long *next, unsigned long nr)
{
	struct batch_end end;
	unsigned long started = 0, index = *next;
	bool wrapped = index == 0;

	while (started < nr) {
		started += writeback_batch(m, &index, MIN(nr - started, (unsigned long)WRITEBACK_BATCH),
					   NULL, &end);
		if (end.no_memory)
			break;		/* the flusher backs off */
		if (!end.more) {
			if (wrapped)
				break;
			wrapped = true;		/* once round from the start */
			index = 0;
		}
	}
	*next = index;
	return started;
}
