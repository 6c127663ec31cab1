/*
 * The flusher: a kernel thread that writes dirty file pages back on its
 * own, and the throttle that keeps writers from dirtying all of memory.
 *
 * It runs a pass
 *   - every dirty_writeback_centisecs (5 s): files dirty for longer than
 *     dirty_expire_centisecs (30 s) are written whole, then the file
 *     systems' metadata dirty for that long (ext2's buffers);
 *   - when dirty pages pass dirty_background_ratio of the memory that can
 *     hold them (free pages and the page cache): it writes the files that
 *     were dirtied first, a chunk at a time, until they are under again;
 *   - when reclaim hands it dirty pages it found at the old end of the
 *     LRU (writeback_queue_page): those pages first.
 * sync, fsync and msync(MS_SYNC) write what they need themselves and wait
 * for it (filemap_write_and_wait): they need the result, and the error.
 *
 * A writer that finds dirty and writeback pages past dirty_ratio waits in
 * balance_dirty_pages, holding no page lock, until writeback brings them
 * under: so one writer cannot fill memory with pages nobody can free yet.
 *
 * The list of files with dirty pages: a file (its mapping) joins it, with
 * the time, when its first page is dirtied; the flusher takes it off when
 * a pass leaves it clean, and eviction when the inode goes.  While the
 * flusher works on a file it holds a reference on the inode, taken under
 * wb_lock (igrab, which fails for an inode already being evicted).
 *
 * The flusher and its writeback may allocate memory while reclaim waits
 * for them: it is a memalloc task (task->memalloc), which may use the
 * reserve below the min watermark and never waits in reclaim itself.
 *
 * Lock order: mapping->tree_lock -> wb_lock -> inode->i_lock.
 */
#include <blkdev.h>
#include <errno.h>
#include <fs.h>
#include <pagecache.h>
#include <panic.h>
#include <printk.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <vmstat.h>
#include <wait.h>
#include <writeback.h>

int dirty_background_ratio = 10;
int dirty_ratio = 20;
int dirty_expire_centisecs = 3000;
int dirty_writeback_centisecs = 500;

#define RECLAIM_QUEUE_SIZE 256		/* dirty pages reclaim may hand over at once */
#define BACKGROUND_CHUNK 1024		/* pages written from one file before the next one's turn */

static struct spinlock wb_lock = SPINLOCK_INIT("wb_lock");
static struct list_head dirty_mappings = LIST_HEAD_INIT(dirty_mappings);	/* wb_lock */
static struct page *reclaim_queue[RECLAIM_QUEUE_SIZE];		/* wb_lock: referenced */
static unsigned int reclaim_queued;				/* wb_lock */
static bool flusher_kicked;					/* wb_lock: a pass is wanted now */
static struct wait_queue flusher_wait = WAIT_QUEUE_INIT(flusher_wait);

/* Writers and reclaim waiting for some writeback to end (wait_for_writeback). */
static struct spinlock done_lock = SPINLOCK_INIT("writeback_done");
static struct wait_queue done_wait = WAIT_QUEUE_INIT(done_wait);
static int done_waiters;					/* done_lock; read without it */

static u64 centisecs_to_ns(int cs)
{
	return cs > 0 ? (u64)cs * 10000000ul : 0;
}

void flusher_note_dirty_mapping(struct address_space *m)
{
	spin_lock(&wb_lock);
	if (list_empty(&m->dirty_link)) {
		m->dirtied_when = clock_ns();
		list_add_tail(&m->dirty_link, &dirty_mappings);
	}
	spin_unlock(&wb_lock);
}

void flusher_forget_mapping(struct address_space *m)
{
	if (!m->a_ops || !mapping_tracks_dirty(m))
		return;		/* never on the list (and maybe never initialised) */
	spin_lock(&wb_lock);
	list_del_init(&m->dirty_link);
	spin_unlock(&wb_lock);
}

void wakeup_flusher(void)
{
	if (READ_ONCE(flusher_kicked))
		return;
	spin_lock(&wb_lock);
	flusher_kicked = true;
	wake_up(&flusher_wait);
	spin_unlock(&wb_lock);
}

void writeback_done_wake(void)
{
	if (!READ_ONCE(done_waiters))
		return;
	/* Under done_lock: a waiter counted itself and queued up in one step. */
	spin_lock(&done_lock);
	wake_up(&done_wait);
	spin_unlock(&done_lock);
}

void wait_for_writeback(u64 timeout_ns)
{
	spin_lock(&done_lock);
	done_waiters++;
	wait_sleep_timeout(&done_wait, &done_lock, false, timeout_ns);
	done_waiters--;
	spin_unlock(&done_lock);
}

/*
 * Dirtyable memory is what dirty pages could occupy: free pages above the
 * reserve, and the page cache of files that write back.
 */
void dirty_thresholds(unsigned long *background, unsigned long *limit)
{
	unsigned long free = nr_free_pages(), reserve = READ_ONCE(watermarks.high);
	unsigned long dirtyable = (free > reserve ? free - reserve : 0) + nr_lru_pages();

	*background = dirtyable * READ_ONCE(dirty_background_ratio) / 100;
	*limit = dirtyable * READ_ONCE(dirty_ratio) / 100;
	if (*background >= *limit)
		*background = *limit / 2;	/* as Linux: the flusher starts before writers wait */
}

#define THROTTLE_WAIT_NS 100000000ul	/* re-check at least every 100 ms */

void balance_dirty_pages(void)
{
	unsigned long background, limit, dirty;

	for (;;) {
		dirty_thresholds(&background, &limit);
		dirty = vm_stat_read(NR_FILE_DIRTY);
		if (dirty > background)
			wakeup_flusher();
		if (dirty + vm_stat_read(NR_WRITEBACK) <= limit || fatal_signal_pending(current))
			return;
		wait_for_writeback(THROTTLE_WAIT_NS);
	}
}

bool writeback_queue_page(struct page *page)
{
	bool queued = false;

	spin_lock(&wb_lock);
	if (reclaim_queued < RECLAIM_QUEUE_SIZE) {
		get_page(page);
		reclaim_queue[reclaim_queued++] = page;
		flusher_kicked = true;
		wake_up(&flusher_wait);
		queued = true;
	}
	spin_unlock(&wb_lock);
	return queued;
}

/*
 * The dirty pages reclaim queued: write each we can lock now.  Never wait
 * for a page lock here: our plug holds pages under writeback whose I/O is
 * not sent yet, and the lock's holder may be waiting for one of them (a
 * truncate).  A page busy now is met again by reclaim if it is still dirty.
 */
static void write_reclaim_queue(void)
{
	static struct page *pages[RECLAIM_QUEUE_SIZE];	/* the flusher's own */
	struct blk_plug plug;
	unsigned int n;

	spin_lock(&wb_lock);
	n = reclaim_queued;
	for (unsigned int i = 0; i < n; i++)
		pages[i] = reclaim_queue[i];
	reclaim_queued = 0;
	spin_unlock(&wb_lock);
	blk_start_plug(&plug);
	for (unsigned int i = 0; i < n; i++)
		if (trylock_page(pages[i]))
			writeback_one_page(pages[i], &plug);	/* unlocks */
	blk_finish_plug(&plug);
	for (unsigned int i = 0; i < n; i++)
		put_page(pages[i]);
}

/*
 * The file on the list dirtied longest ago, at or before `before` and
 * before this pass began (a file the pass has written is either off the
 * list or dirtied anew), with an inode reference; NULL if none.
 */
static struct address_space *pick_mapping(u64 before, u64 pass_start)
{
	struct address_space *m, *best;

	spin_lock(&wb_lock);
	for (;;) {
		best = NULL;
		list_for_each_entry(m, &dirty_mappings, dirty_link)
			if (m->dirtied_when <= before && m->dirtied_when < pass_start &&
			    READ_ONCE(m->host->i_count) > 0 &&
			    (!best || m->dirtied_when < best->dirtied_when))
				best = m;
		/* An inode whose last reference just went is skipped by the next look. */
		if (!best || igrab(best->host))
			break;
	}
	spin_unlock(&wb_lock);
	return best;
}

/*
 * The pass is done with m: off the list if it is clean now; if not, it
 * goes to the list's end (background writeback takes files in list order,
 * so each gets its turn), and if the pass went over all of it (`whole`),
 * what is dirty was dirtied during the pass, so it counts as dirty from now.
 */
static void finish_mapping(struct address_space *m, bool whole)
{
	spin_lock(&m->tree_lock);
	spin_lock(&wb_lock);
	if (m->nr_dirty == 0) {
		list_del_init(&m->dirty_link);
	} else {
		if (whole)
			m->dirtied_when = clock_ns();
		list_move_tail(&m->dirty_link, &dirty_mappings);
	}
	spin_unlock(&wb_lock);
	spin_unlock(&m->tree_lock);
	iput(m->host);		/* may evict it, if it was unlinked meanwhile */
}

/* The first file on the list (the one whose turn it is), with an inode reference; NULL if none. */
static struct address_space *next_mapping(void)
{
	struct address_space *m, *found = NULL;

	spin_lock(&wb_lock);
	list_for_each_entry(m, &dirty_mappings, dirty_link) {
		if (igrab(m->host)) {
			found = m;
			break;
		}
	}
	spin_unlock(&wb_lock);
	return found;
}

/* Start writing up to nr dirty pages of m where its last pass stopped. */
static unsigned long write_some(struct address_space *m, unsigned long nr)
{
	unsigned long next = m->writeback_index, started;

	started = filemap_writeback(m, &next, nr);
	m->writeback_index = next;
	return started;
}

/* Keep the pages in flight to a bound, so background writeback does not flood the disk queue. */
static void wait_for_inflight(unsigned long limit)
{
	while (vm_stat_read(NR_WRITEBACK) > limit)
		wait_for_writeback(THROTTLE_WAIT_NS);
}

/*
 * Too many dirty pages: write a chunk of each file in turn (oldest on the
 * list first) until under the background threshold, serving reclaim's
 * pages between chunks.
 */
static void background_writeback(void)
{
	u64 pass_start = clock_ns();

	for (;;) {
		unsigned long background, limit, started;
		struct address_space *m;

		write_reclaim_queue();
		dirty_thresholds(&background, &limit);
		if (vm_stat_read(NR_FILE_DIRTY) <= background)
			return;
		m = next_mapping();
		if (!m)
			return;
		started = write_some(m, BACKGROUND_CHUNK);
		finish_mapping(m, false);
		wait_for_inflight(MAX(limit / 2, (unsigned long)BACKGROUND_CHUNK));
		if (!started) {
			/* Everything dirty is busy (locked, still being written, no memory): later. */
			wait_for_writeback(THROTTLE_WAIT_NS / 10);
			if (clock_ns() - pass_start > THROTTLE_WAIT_NS)
				return;
		}
	}
}

/* The periodic pass: every file dirty since before `expired` is written whole. */
static void expired_writeback(u64 expired)
{
	u64 pass_start = clock_ns();
	struct address_space *m;

	while ((m = pick_mapping(expired, pass_start)) != NULL) {
		write_some(m, ~0ul);
		finish_mapping(m, true);
	}
	writeback_filesystems(expired);	/* metadata (ext2's buffers) dirty as long */
}

/* Sleep until a pass is due: kicked, or the period is over.  True if the period is. */
static bool wait_for_work(u64 period)
{
	bool timed_out = false;

	spin_lock(&wb_lock);
	while (!flusher_kicked && !timed_out) {
		if (period)	/* interruptible: an idle flusher is no hung task */
			timed_out = wait_sleep_timeout(&flusher_wait, &wb_lock, true, period) == -ETIMEDOUT;
		else
			wait_sleep(&flusher_wait, &wb_lock, true);
	}
	flusher_kicked = false;
	spin_unlock(&wb_lock);
	return timed_out;
}

static void flusher(void *arg)
{
	u64 last_periodic = clock_ns();

	(void)arg;
	current->memalloc = true;
	for (;;) {
		u64 period = centisecs_to_ns(READ_ONCE(dirty_writeback_centisecs)), now;

		wait_for_work(period);
		write_reclaim_queue();
		background_writeback();
		now = clock_ns();
		if (period && now - last_periodic >= period) {
			u64 expire = centisecs_to_ns(READ_ONCE(dirty_expire_centisecs));

			last_periodic = now;
			expired_writeback(now > expire ? now - expire : 0);
		}
	}
}

void flusher_start(void)
{
	if (!kthread_create(flusher, NULL, "flusher"))
		panic("flusher: cannot start its thread");
}
