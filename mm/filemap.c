/*
 * The page cache (see pagecache.h): looking pages up, adding and removing
 * them, page locks, and the generic read and write paths.  Truncation is
 * in truncate.c, the way from a page to the mappings of it in rmap.c,
 * dirty pages and writing them back in writeback.c and flusher.c, the LRU
 * lists in lru.c, reclaim in vmscan.c.
 *
 * Lock order, outer first:
 *     inode->i_rwsem                  (writers of a file, truncate)
 *       mm->mmap_lock                 (faults; in the write path only its fault-in, before any page lock)
 *         mapping->invalidate_lock    (truncate exclusive, under i_rwsem; faults shared, under mmap_lock)
 *           page lock                 (PG_locked: sleeping)
 *             mapping->tree_lock      (spinlock: the index, nr_dirty)
 *               wb_lock               (spinlock: the flusher's list of dirty files)
 *             lru_lock                (spinlock: the LRU lists; taken alone)
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
#include <vmstat.h>
#include <writeback.h>

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
	m->nr_dirty = 0;
	list_init(&m->dirty_link);
	m->dirtied_when = 0;
	m->writeback_index = 0;
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

/*
 * The I/O of a page under writeback ended (often in an interrupt).  A
 * failed write leaves the page clean, its data only in memory, with the
 * error recorded in the file's error sequence for fsync to report: Linux's
 * choice, which keeps a dead disk from filling memory with pages that can
 * never be cleaned.
 */
void end_page_writeback(struct page *page, int error)
{
	if (error) {
		page_set_flag(page, PG_error);
		if (page->mapping)
			mapping_set_error(page->mapping);
	} else {
		page_clear_flag(page, PG_error);
	}
	if (clear_bit_see_waiters(page, PG_writeback))
		wake_page_waiters(page);
	dec_vm_stat(NR_WRITEBACK);
	writeback_done_wake();
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
			inc_vm_stat(NR_FILE_PAGES);
			if (m->a_ops->unevictable)
				inc_vm_stat(NR_SHMEM);
			else
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

/* Take a page out of the index and the counters; tree_lock held. */
static void unlink_page(struct address_space *m, struct page *page)
{
	page_index_remove(m, page->index);
	m->nrpages--;
	page->mapping = NULL;
	if (page_test_and_clear_flag(page, PG_dirty) && mapping_tracks_dirty(m)) {
		m->nr_dirty--;
		dec_vm_stat(NR_FILE_DIRTY);
	}
}

/* The page left m (unlink_page done, tree_lock dropped): the rest of the books, the reference. */
static void page_cache_release(struct address_space *m, struct page *page)
{
	__atomic_sub_fetch(&m->host->i_sb->s_cached_pages, 1, __ATOMIC_RELAXED);
	dec_vm_stat(NR_FILE_PAGES);
	if (m->a_ops->unevictable)
		dec_vm_stat(NR_SHMEM);
	else
		lru_del(page);
	page_clear_flag(page, PG_uptodate);
	put_page(page);		/* the cache's reference */
}

void delete_from_page_cache(struct page *page)
{
	struct address_space *m = page->mapping;

	spin_lock(&m->tree_lock);
	unlink_page(m, page);
	spin_unlock(&m->tree_lock);
	page_cache_release(m, page);
}

/*
 * Under tree_lock no look-up can take a new reference, so "only the cache
 * and the caller hold it" stays true while the page leaves.  The caller
 * has taken it off the LRU.
 */
bool remove_mapping(struct address_space *m, struct page *page)
{
	spin_lock(&m->tree_lock);
	if (page->mapping != m || READ_ONCE(page->refcount) != 2 ||
	    page_test_flag(page, PG_dirty) || page_test_flag(page, PG_writeback)) {
		spin_unlock(&m->tree_lock);
		return false;
	}
	unlink_page(m, page);
	spin_unlock(&m->tree_lock);
	page_cache_release(m, page);
	return true;
}

unsigned long nr_cached_pages(void)
{
	return vm_stat_read(NR_FILE_PAGES);
}

static struct page *read_mapping_page_io(struct address_space *m, struct file *file,
					 unsigned long index, bool *read_io);

struct page *filemap_get_locked_page(struct file *file, unsigned long index, bool *read_io)
{
	return read_mapping_page_io(file->f_mapping, file, index, read_io);
}

struct page *read_mapping_locked_page(struct address_space *m, struct file *file,
				      unsigned long index)
{
	bool read_io;

	return read_mapping_page_io(m, file, index, &read_io);
}

/* read_mapping_locked_page, saying in *read_io whether it read from the file system. */
static struct page *read_mapping_page_io(struct address_space *m, struct file *file,
					 unsigned long index, bool *read_io)
{
	*read_io = false;
	for (;;) {
		struct page *page = find_or_create_page(m, index, GFP_KERNEL);
		int err;

		if (!page)
			return ERR_PTR(-ENOMEM);
		if (page_test_flag(page, PG_uptodate))
			return page;
		*read_io = !m->a_ops->holes_are_zero;	/* tmpfs fills zeros: no I/O */
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
			page = read_mapping_locked_page(file->f_mapping, file, *pos >> PAGE_SHIFT);
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
 *  1. throttle: wait while too much of memory is dirty (flusher.c), with
 *     no page lock held (i_rwsem is: the flusher never takes it);
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

		if (mapping_tracks_dirty(file->f_mapping))
			balance_dirty_pages();
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
			set_page_dirty(page);
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
