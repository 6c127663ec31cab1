/*
 * The page cache (see pagecache.h): looking pages up and adding them,
 * page locks, writeback of a file, the LRU list, and the generic read and
 * write paths.  Truncation is in truncate.c, the way from a page to the
 * mappings of it in rmap.c.
 *
 * Lock order, outer first:
 *     inode->i_rwsem                  (writers of a file, truncate)
 *       mapping->invalidate_lock      (truncate exclusive; faults shared)
 *         mm->mmap_lock               (only in the write path's fault-in, before any page lock)
 *           page lock                 (PG_locked: sleeping)
 *             mapping->tree_lock      (spinlock: the index)
 *             lru_lock                (spinlock: the LRU list; taken alone)
 * A page lock is never held while taking mmap_lock or touching user
 * memory with page faults enabled: see generic_file_write (and its
 * teaching mode, write_path=naive, which breaks that rule on purpose).
 */
#include <blkdev.h>
#include <cmdline.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <fs.h>
#include <pagecache.h>
#include <printk.h>
#include <sched.h>
#include <string.h>
#include <uio.h>
#include <usercopy.h>

struct page *page_index_lookup(struct address_space *m, unsigned long index);
int page_index_insert(struct address_space *m, unsigned long index, struct page *page);
void page_index_remove(struct address_space *m, unsigned long index);
struct page *page_index_next(struct address_space *m, unsigned long *index);

void mapping_init(struct address_space *m, struct inode *host,
		  const struct address_space_operations *a_ops)
{
	spin_init(&m->tree_lock, "tree_lock");
	m->root = NULL;
	m->height = 0;
	m->nrpages = 0;
	m->host = host;
	m->a_ops = a_ops;
	rwsem_init(&m->invalidate_lock, "invalidate_lock");
	m->wb_err = 0;
	mutex_init(&m->i_mmap_lock, "i_mmap_lock");
	list_init(&m->i_mmap);
}

/*
 * Page locks.  Sleepers wait on one of a few queues chosen by hashing the
 * page's address (a wait queue in every struct page would cost too much);
 * each bucket's spinlock makes "test the bit, then sleep" atomic against
 * the waker's "take the bucket lock, wake".
 *
 * PG_waiters spares the common unlock, which nobody waits for, the bucket
 * lock and the wake-up.  A sleeper sets PG_waiters before each test of the
 * bit it waits for; the unlock clears PG_locked and looks at PG_waiters in
 * one atomic operation.  Operations on one word happen in one order, so if
 * the sleeper saw the page locked, the unlock comes later and sees
 * PG_waiters.  The waker clears PG_waiters under the bucket lock and wakes
 * the whole bucket; whoever still has to wait sets it again.
 */
#define PAGE_WAIT_BUCKETS 64

static struct page_wait_bucket {
	struct spinlock lock;
	struct wait_queue wq;
} page_wait[PAGE_WAIT_BUCKETS];
static bool page_wait_ready;

static struct page_wait_bucket *bucket_of(struct page *page)
{
	if (!page_wait_ready) {
		for (int i = 0; i < PAGE_WAIT_BUCKETS; i++) {
			raw_spin_init(&page_wait[i].lock, "page_wait");
			wait_queue_init(&page_wait[i].wq);
		}
		page_wait_ready = true;
	}
	return &page_wait[((u64)page / sizeof(struct page)) % PAGE_WAIT_BUCKETS];
}

static bool test_and_set_locked(struct page *page)
{
	return __atomic_fetch_or(&page->flags, 1ul << PG_locked, __ATOMIC_ACQUIRE) &
	       (1ul << PG_locked);
}

/* Clear bit; true if a sleeper may be waiting for the page. */
static bool clear_bit_see_waiters(struct page *page, enum page_flag bit)
{
	return __atomic_fetch_and(&page->flags, ~(1ul << bit), __ATOMIC_SEQ_CST) &
	       (1ul << PG_waiters);
}

/* Under the bucket lock, before a test of the bit to wait for. */
static void announce_waiter(struct page *page)
{
	__atomic_fetch_or(&page->flags, 1ul << PG_waiters, __ATOMIC_SEQ_CST);
}

static void wake_page_waiters(struct page *page)
{
	struct page_wait_bucket *b = bucket_of(page);

	spin_lock(&b->lock);
	page_clear_flag(page, PG_waiters);
	wake_up(&b->wq);
	spin_unlock(&b->lock);
}

/*
 * The page lock is one class for the lock validator, and each page is its
 * own instance: nesting is allowed in ascending index within one file.
 */
#ifdef CONFIG_LOCKDEP
static struct lockdep_map page_lock_map = LOCKDEP_MAP_INIT("page lock", __FILE__, __LINE__);

void lockdep_page_lock(const void *page, const void *mapping, unsigned long index,
		       bool trylock, u64 ip)
{
	/* A page outside any file (a self-test's) is its own key. */
	lock_acquire_ordered(&page_lock_map, 0, page, mapping ? mapping : page, index, trylock, ip);
}

void lockdep_page_unlock(const void *page)
{
	lock_release(&page_lock_map, page);
}
#endif

bool trylock_page(struct page *page)
{
	if (test_and_set_locked(page))
		return false;
	lockdep_page_lock(page, page->mapping, page->index, true, CALLER_IP);
	return true;
}

void lock_page(struct page *page)
{
	struct page_wait_bucket *b;

	lockdep_page_lock(page, page->mapping, page->index, false, CALLER_IP);
	if (!test_and_set_locked(page))
		return;
	b = bucket_of(page);
	spin_lock(&b->lock);
	for (;;) {
		announce_waiter(page);
		if (!test_and_set_locked(page))
			break;
		wait_sleep(&b->wq, &b->lock, false);
	}
	spin_unlock(&b->lock);
}

void unlock_page(struct page *page)
{
	lockdep_page_unlock(page);
	if (clear_bit_see_waiters(page, PG_locked))
		wake_page_waiters(page);
}

static void wait_on_page_bit(struct page *page, enum page_flag bit)
{
	struct page_wait_bucket *b = bucket_of(page);

	spin_lock(&b->lock);
	for (;;) {
		announce_waiter(page);
		if (!(__atomic_load_n(&page->flags, __ATOMIC_SEQ_CST) & (1ul << bit)))
			break;
		wait_sleep(&b->wq, &b->lock, false);
	}
	spin_unlock(&b->lock);
}

void wait_on_page_locked(struct page *page)
{
	wait_on_page_bit(page, PG_locked);
}

void wait_on_page_writeback(struct page *page)
{
	wait_on_page_bit(page, PG_writeback);
}

void end_page_writeback(struct page *page, int error)
{
	if (error) {
		page_set_flag(page, PG_error);
		if (page->mapping)
			__atomic_add_fetch(&page->mapping->wb_err, 1, __ATOMIC_RELEASE);
	} else {
		page_clear_flag(page, PG_error);
	}
	if (clear_bit_see_waiters(page, PG_writeback))
		wake_page_waiters(page);
}

int filemap_check_wb_err(struct address_space *m, u32 *seen)
{
	u32 now = __atomic_load_n(&m->wb_err, __ATOMIC_ACQUIRE);

	if (now == *seen)
		return 0;
	*seen = now;
	return -EIO;
}

#define WRITEBACK_BATCH 64		/* pages per plug: up to 256 KiB in one request */

/* Start writeback of the page if it is dirty, into plug; true if it was started (reference kept). */
static bool start_writeback(struct address_space *m, struct page *page, struct blk_plug *plug)
{
	if (!page_test_flag(page, PG_dirty))
		return false;
	lock_page(page);
	wait_on_page_writeback(page);	/* one write of a page at a time */
	if (page->mapping != m || !page_test_flag(page, PG_dirty)) {
		unlock_page(page);
		return false;
	}
	/*
	 * Write-protect its shared mappings before cleaning it: a store from
	 * now on faults and dirties it again (it may land in the middle of
	 * this write, so the page is written once more later).
	 */
	page_mkclean(page);
	page_clear_flag(page, PG_dirty);
	page_set_flag(page, PG_writeback);
	m->a_ops->writepage(page, plug);	/* unlocks; errors end up in PG_error */
	return true;
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
		struct blk_plug plug;
		int n = 0;

		/*
		 * Ascending index order: lock, clear dirty, set writeback, submit
		 * (into the plug), unlock.  Nothing here waits for a page of the
		 * plug: a page is taken once a batch, and the plug goes out before
		 * the batch is waited for.
		 */
		blk_start_plug(&plug);
		while (n < WRITEBACK_BATCH) {
			struct page *page = find_get_next_page(m, &index);

			if (!page) {
				more = false;
				break;
			}
			index++;
			if (start_writeback(m, page, &plug))
				batch[n++] = page;
			else
				put_page(page);
		}
		blk_finish_plug(&plug);
		for (int i = 0; i < n; i++) {
			wait_on_page_writeback(batch[i]);
			if (page_test_flag(batch[i], PG_error))
				err = -EIO;
			put_page(batch[i]);
		}
	}
	return err;
}

/*
 * The LRU list: every page-cache page, least recently used first, linked
 * through page->list and marked PG_lru.  A page joins at the tail when it
 * enters the cache, moves to the tail when read, and leaves with the
 * cache.  Reclaim ([writeback]) will take its victims from the head.
 */
static struct spinlock lru_lock = SPINLOCK_INIT("lru");
static struct list_head lru_pages = LIST_HEAD_INIT(lru_pages);	/* lru_lock */
static unsigned long nr_lru_pages;				/* lru_lock */

static void lru_add(struct page *page)
{
	spin_lock(&lru_lock);
	list_add_tail(&page->list, &lru_pages);
	page_set_flag(page, PG_lru);
	nr_lru_pages++;
	spin_unlock(&lru_lock);
}

static void lru_del(struct page *page)
{
	spin_lock(&lru_lock);
	if (page_test_flag(page, PG_lru)) {
		list_del(&page->list);
		page_clear_flag(page, PG_lru);
		nr_lru_pages--;
	}
	spin_unlock(&lru_lock);
}

void mark_page_accessed(struct page *page)
{
	spin_lock(&lru_lock);
	if (page_test_flag(page, PG_lru) && lru_pages.prev != &page->list) {
		list_del(&page->list);
		list_add_tail(&page->list, &lru_pages);
	}
	spin_unlock(&lru_lock);
}

bool page_is_lru_newest(struct page *page)
{
	bool newest;

	spin_lock(&lru_lock);
	newest = page_test_flag(page, PG_lru) && lru_pages.prev == &page->list;
	spin_unlock(&lru_lock);
	return newest;
}

unsigned long nr_cached_pages(void)
{
	return READ_ONCE(nr_lru_pages);
}

struct page *find_get_page(struct address_space *m, unsigned long index)
{
	struct page *page;

	spin_lock(&m->tree_lock);
	page = page_index_lookup(m, index);
	if (page)
		get_page(page);
	spin_unlock(&m->tree_lock);
	return page;
}

struct page *find_get_next_page(struct address_space *m, unsigned long *index)
{
	struct page *page;

	spin_lock(&m->tree_lock);
	page = page_index_next(m, index);
	if (page)
		get_page(page);
	spin_unlock(&m->tree_lock);
	return page;
}

struct page *find_or_create_page(struct address_space *m, unsigned long index, gfp_t gfp)
{
	for (;;) {
		struct page *page = find_get_page(m, index);
		int err;

		if (page) {
			lock_page(page);
			if (page->mapping == m)
				return page;
			unlock_page(page);	/* truncated while we waited: look again */
			put_page(page);
			continue;
		}
		page = alloc_page(gfp);
		if (!page)
			return NULL;
		page_set_flag(page, PG_locked);
		page->mapping = m;
		page->index = index;
		lockdep_page_lock(page, m, index, true, CALLER_IP);
		get_page(page);		/* one reference for the cache, one for the caller */
		spin_lock(&m->tree_lock);
		err = page_index_insert(m, index, page);
		if (!err)
			m->nrpages++;
		spin_unlock(&m->tree_lock);
		if (!err) {
			__atomic_add_fetch(&m->host->i_sb->s_cached_pages, 1, __ATOMIC_RELAXED);
			lru_add(page);
			return page;
		}
		lockdep_page_unlock(page);
		page->mapping = NULL;
		page_clear_flag(page, PG_locked);
		put_page(page);
		put_page(page);
		if (err != -EEXIST)
			return NULL;	/* out of memory for the index */
		/* Someone added it meanwhile: take theirs. */
	}
}

void delete_from_page_cache(struct page *page)
{
	struct address_space *m = page->mapping;

	spin_lock(&m->tree_lock);
	page_index_remove(m, page->index);
	m->nrpages--;
	page->mapping = NULL;
	spin_unlock(&m->tree_lock);
	__atomic_sub_fetch(&m->host->i_sb->s_cached_pages, 1, __ATOMIC_RELAXED);
	lru_del(page);
	page_clear_flag(page, PG_uptodate);
	page_clear_flag(page, PG_dirty);
	put_page(page);		/* the cache's reference */
}

struct page *filemap_get_locked_page(struct file *file, unsigned long index)
{
	return read_mapping_locked_page(file->f_mapping, file, index);
}

struct page *read_mapping_locked_page(struct address_space *m, struct file *file,
				      unsigned long index)
{
	for (;;) {
		struct page *page = find_or_create_page(m, index, GFP_KERNEL);
		int err;

		if (!page)
			return ERR_PTR(-ENOMEM);
		if (page_test_flag(page, PG_uptodate))
			return page;
		err = m->a_ops->readpage(file, page);	/* unlocks the page */
		if (err) {
			put_page(page);
			return ERR_PTR(err);
		}
		lock_page(page);
		if (page->mapping == m && page_test_flag(page, PG_uptodate))
			return page;
		unlock_page(page);
		put_page(page);
		if (page->mapping == m)
			return ERR_PTR(-EIO);
		/* Truncated after it was read: try again (it may be past EOF now). */
	}
}

#define READAHEAD_MIN_PAGES 4
#define READAHEAD_MAX_PAGES 32

/* Start reading pages [index, end) that are not cached; wait for none of them. */
static void page_cache_readahead(struct file *file, unsigned long index, unsigned long end)
{
	struct address_space *m = file->f_mapping;

	if (m->a_ops->holes_are_zero)
		return;		/* nothing to read from */

	for (; index < end; index++) {
		struct page *page = find_get_page(m, index);

		if (page) {
			put_page(page);
			continue;
		}
		page = find_or_create_page(m, index, GFP_KERNEL);
		if (!page)
			break;
		if (page_test_flag(page, PG_uptodate))
			unlock_page(page);	/* someone filled it meanwhile */
		else
			m->a_ops->readpage(file, page);	/* unlocks when the I/O ends */
		put_page(page);
	}
}

void readahead_file_range(struct file *file, unsigned long index, unsigned long end)
{
	page_cache_readahead(file, index, MIN(end, i_size_pages(file->f_inode)));
}

/*
 * A read missed the cache at page index: read a window of pages from
 * there, the missing one first.  A miss where the last window ended is a
 * sequential reader: its window doubles (up to READAHEAD_MAX_PAGES);
 * any other miss starts again from READAHEAD_MIN_PAGES.
 */
static void file_readahead(struct file *file, unsigned long index, u64 size)
{
	unsigned long last = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	unsigned int window = READ_ONCE(file->f_ra_window);

	if (index == READ_ONCE(file->f_ra_next) && window)
		window = MIN(window * 2, READAHEAD_MAX_PAGES);
	else
		window = READAHEAD_MIN_PAGES;
	WRITE_ONCE(file->f_ra_window, window);
	WRITE_ONCE(file->f_ra_next, index + window);
	page_cache_readahead(file, index, MIN(index + window, last));
}

ssize_t generic_file_read(struct file *file, struct iov_iter *to, u64 *pos)
{
	struct inode *inode = file->f_inode;
	ssize_t done = 0;

	while (to->count > 0) {
		u64 size = READ_ONCE(inode->i_size);
		size_t offset = *pos & (PAGE_SIZE - 1), nr, copied;
		struct page *page;

		if (*pos >= size)
			break;
		page = find_get_page(file->f_mapping, *pos >> PAGE_SHIFT);
		if (!page && file->f_mapping->a_ops->holes_are_zero) {
			/* A hole of a file with nothing behind its cache: zeros, and no page made. */
			static const char zeros[PAGE_SIZE];

			nr = MIN(PAGE_SIZE - offset, size - *pos);
			copied = copy_to_iter(zeros, nr, to);
			*pos += copied;
			done += copied;
			if (copied < nr)
				return done ? done : -EFAULT;
			continue;
		}
		if (!page || !page_test_flag(page, PG_uptodate)) {
			if (page)
				put_page(page);
			else
				file_readahead(file, *pos >> PAGE_SHIFT, size);
			page = filemap_get_locked_page(file, *pos >> PAGE_SHIFT);
			if (IS_ERR(page))
				return done ? done : PTR_ERR(page);
			unlock_page(page);
		}
		mark_page_accessed(page);
		/* The size may have shrunk meanwhile: never read past it. */
		size = READ_ONCE(inode->i_size);
		nr = *pos < size ? MIN(PAGE_SIZE - offset, size - *pos) : 0;
		/* No page lock held: copying to user memory may fault and sleep. */
		copied = copy_to_iter((char *)page_address(page) + offset, nr, to);
		put_page(page);
		*pos += copied;
		done += copied;
		if (copied < nr)
			return done ? done : -EFAULT;
		if (nr == 0)
			break;
	}
	return done;
}

/*
 * Lock the page for a write of `bytes` at `offset` into it, making it
 * uptodate first unless the write covers it whole.  Past EOF there is
 * nothing to read: the page is zeroed instead.
 */
static struct page *write_begin(struct file *file, u64 pos, size_t offset, size_t bytes)
{
	struct page *page;
	int err;

	page = find_or_create_page(file->f_mapping, pos >> PAGE_SHIFT, GFP_KERNEL);
	if (!page)
		return ERR_PTR(-ENOMEM);
	if (page_test_flag(page, PG_uptodate) || (offset == 0 && bytes == PAGE_SIZE))
		return page;
	if (ALIGN_DOWN(pos, PAGE_SIZE) >= file->f_inode->i_size) {
		memset(page_address(page), 0, PAGE_SIZE);
		page_set_flag(page, PG_uptodate);
		return page;
	}
	err = file->f_mapping->a_ops->readpage(file, page);
	if (!err) {
		lock_page(page);
		if (!page_test_flag(page, PG_uptodate) || page->mapping != file->f_mapping)
			err = -EIO;
	}
	if (err) {
		if (page_test_flag(page, PG_locked))
			unlock_page(page);
		put_page(page);
		return ERR_PTR(err);
	}
	return page;
}

/*
 * Teaching mode, boot option write_path=naive: write() copies from user
 * memory with page faults enabled while it holds the page lock, as Linux
 * did before 2.6.24.  A fault on a file page there needs a page lock
 * (maybe this very one: write() from a mapping of the file itself), so it
 * can deadlock; the lock validator reports the order that does it.
 */
static bool write_path_naive;

void filemap_init(void)
{
	char value[16];

	if (cmdline_get("write_path", value, sizeof(value)) && strcmp(value, "naive") == 0) {
		write_path_naive = true;
		pr_warn("write_path=naive: write() copies from user memory holding the page lock: "
			"it can deadlock (for teaching)");
	}
}

/* Step 4 below: copy the user's bytes into the locked page. */
static size_t copy_into_locked_page(struct page *page, size_t offset, size_t bytes,
				    struct iov_iter *from)
{
	char *dst = (char *)page_address(page) + offset;
	size_t copied;

	if (write_path_naive)
		return copy_from_iter(dst, bytes, from);	/* may fault: the bug */
	pagefault_disable();
	copied = copy_from_iter_atomic(dst, bytes, from);
	pagefault_enable();
	return copied;
}

/*
 * The buffered write protocol (docs/design.md), one page-sized chunk at a
 * time:
 *  1. (throttling on dirty pages comes with writeback)
 *  2. fault in the source bytes, no lock but i_rwsem held;
 *  3. find or create the page and lock it (reading it if needed);
 *  4. copy with page faults disabled: a fault cannot sleep or recurse into
 *     mmap_lock while we hold the page lock, it just makes the copy short;
 *  5. on a short copy, bytes copied into a page that is not uptodate do not
 *     count (the rest of it is not valid data); unlock and retry from 2,
 *     with the chunk cut down to what is left of the current segment;
 *  6. mark the page dirty, grow the file, unlock.
 * Step 2 runs without the page lock, so each retry makes progress.
 */
ssize_t generic_file_write(struct file *file, struct iov_iter *from, u64 *pos)
{
	struct inode *inode = file->f_inode;
	size_t chunk_limit = PAGE_SIZE;
	ssize_t written = 0;
	u64 old_size;
	int err = 0;

	down_write(&inode->i_rwsem);
	old_size = inode->i_size;
	if (file->f_flags & O_APPEND)
		*pos = inode->i_size;
	err = write_size_limits(inode, *pos, from);
	if (err) {
		up_write(&inode->i_rwsem);
		return err;
	}
	while (from->count > 0) {
		size_t offset = *pos & (PAGE_SIZE - 1);
		size_t bytes = MIN(MIN(PAGE_SIZE - offset, from->count), chunk_limit);
		size_t copied;
		struct page *page;
		bool was_uptodate, faulted;

		iov_iter_advance(from, 0);	/* step past empty segments */
		/* (The naive path skips it: its copy faults pages in, holding the page lock.) */
		if (!write_path_naive &&
		    iov_iter_fault_in_readable(from, bytes) == MIN(bytes, iov_iter_single_seg_count(from))) {
			err = -EFAULT;
			break;
		}
		page = write_begin(file, *pos, offset, bytes);
		if (IS_ERR(page)) {
			err = PTR_ERR(page);
			break;
		}
		if (file->f_mapping->a_ops->prepare_write) {
			err = file->f_mapping->a_ops->prepare_write(file, page, offset, bytes);
			if (err) {
				unlock_page(page);
				put_page(page);
				break;
			}
		}
		was_uptodate = page_test_flag(page, PG_uptodate);
		copied = copy_into_locked_page(page, offset, bytes, from);
		/* The naive copy faulted with faults enabled: the source is bad, no retry helps. */
		faulted = write_path_naive && copied < bytes;
		if (!was_uptodate && copied < bytes) {
			iov_iter_revert(from, copied);
			copied = 0;
		}
		if (copied) {
			if (!was_uptodate)
				page_set_flag(page, PG_uptodate);	/* a whole-page write */
			page_set_flag(page, PG_dirty);
			if (*pos + copied > inode->i_size)
				WRITE_ONCE(inode->i_size, *pos + copied);
		}
		unlock_page(page);
		put_page(page);
		*pos += copied;
		written += copied;
		if (faulted) {
			err = -EFAULT;
			break;
		}
		/* Short: retry with no more than the rest of this segment. */
		chunk_limit = copied < bytes ? MAX(iov_iter_single_seg_count(from), (size_t)1) : PAGE_SIZE;
	}
	if (inode->i_size > old_size)
		pagecache_isize_extended(inode, old_size, inode->i_size);
	up_write(&inode->i_rwsem);
	return written ? written : err;
}
