/*
 * The page cache: file data in struct pages, indexed by page number within
 * the file.  Every inode has an address_space ("mapping") holding its
 * cached pages.  mm/ reaches a file system only through the mapping's
 * operations (a_ops): fill a page from the backing store, write one back.
 * tmpfs keeps its files entirely in the page cache (its readpage just
 * zero-fills holes); ext2 (later) reads and writes the disk.
 *
 * Page states (page.h): PG_locked while being filled, or while a writer or
 * truncate works on it; PG_uptodate once its contents are valid; PG_dirty
 * when they must be written back.
 *
 * Lock order and rules: see docs/design.md.  In short: a page lock sleeps;
 * lock at most one page-cache page at a time except in ascending index
 * order within one file; never take mmap_lock or touch user memory with
 * faults enabled while holding a page lock.
 *
 * Locks: mapping->tree_lock (spinlock) protects the index and nrpages;
 * mapping->i_mmap_lock (a sleeping mutex) the list of VMAs that map the
 * file, and the bounds and offset of each VMA on it.
 */
#ifndef PAGODA_PAGECACHE_H
#define PAGODA_PAGECACHE_H

#include <list.h>
#include <mutex.h>
#include <page.h>
#include <types.h>

/* The largest file size (Linux's MAX_LFS_FILESIZE on 64-bit): beyond it, EFBIG. */
#define MAX_FILE_SIZE 0x7ffffffffffffffful

struct address_space;
struct blk_plug;
struct file;
struct inode;
struct iov_iter;

struct address_space_operations {
	/*
	 * Fill a locked page that is not uptodate, set PG_uptodate on success,
	 * and unlock it (also on error).  It may return before the I/O is
	 * done (ext2): the caller waits for the page lock, then checks
	 * PG_uptodate.  0, or a negative errno for a failure found at once.
	 */
	int (*readpage)(struct file *file, struct page *page);
	/*
	 * Optional.  Give bytes [offset, offset + len) of the locked,
	 * uptodate page a place on the disk before a write copies into them
	 * (ext2 allocates blocks there), so a full disk fails the write with
	 * -ENOSPC instead of losing the data later.  0 or a negative errno.
	 */
	int (*prepare_write)(struct file *file, struct page *page, size_t offset, size_t len);
	/*
	 * Optional.  A store through a shared mapping is about to dirty the
	 * locked, uptodate page (below EOF): give the part of it below EOF
	 * its place on the disk, as prepare_write does.  Called under
	 * invalidate_lock shared, without i_rwsem.  0 or a negative errno
	 * (the store then gets SIGBUS).
	 */
	int (*page_mkwrite)(struct file *file, struct page *page);
	/*
	 * Optional.  Start writing a locked page that was dirty (its dirty
	 * bit already cleared, PG_writeback set); return with it unlocked.
	 * Its bios go into plug (the writeback batch's, submitted together so
	 * pages next to each other on the disk merge into one request).  The
	 * I/O's end calls end_page_writeback().  0 or a negative errno (then
	 * writeback has already ended, with the error recorded).
	 */
	int (*writepage)(struct page *page, struct blk_plug *plug);
	/*
	 * A page that is not cached is a hole, all zeros (tmpfs: the cache is
	 * all there is): read() copies zeros for it without creating a page.
	 */
	bool holes_are_zero;
	/*
	 * The cached pages are the only copy of the data (tmpfs: no disk, no
	 * swap): reclaim never drops them, so they stay off the LRU lists.
	 */
	bool unevictable;
};

/* A radix tree node: 64 slots, each a child node or (at the bottom) a page. */
#define PAGE_INDEX_BITS 6
#define PAGE_INDEX_SLOTS (1 << PAGE_INDEX_BITS)

struct page_index_node {
	void *slots[PAGE_INDEX_SLOTS];
	unsigned int count;	/* used slots */
};

struct address_space {
	struct spinlock tree_lock;
	struct page_index_node *root;	/* tree_lock */
	unsigned int height;		/* tree_lock: levels below root (0 = empty) */
	unsigned long nrpages;		/* tree_lock */
	struct inode *host;
	const struct address_space_operations *a_ops;
	struct rwsem invalidate_lock;	/* truncate (write) vs faults (read) */
	u32 wb_err;			/* atomic: the error sequence of failed writebacks (writeback.c) */
	struct mutex i_mmap_lock;
	struct list_head i_mmap;	/* i_mmap_lock: VMAs mapping the file (vm_area.mapping_link) */
	/* Writeback (mm/writeback.c), for mappings that write back (mapping_tracks_dirty). */
	unsigned long nr_dirty;		/* tree_lock: pages with PG_dirty */
	struct list_head dirty_link;	/* wb_lock: on the flusher's list while it may have dirty pages */
	u64 dirtied_when;		/* wb_lock: when it went on that list (clock_ns) */
	unsigned long writeback_index;	/* the flusher's: where its next pass over the file starts */
};

void mapping_init(struct address_space *m, struct inode *host,
		  const struct address_space_operations *a_ops);

/* The cached page at index, with a reference, or NULL. */
struct page *find_get_page(struct address_space *m, unsigned long index);
/* The first cached page at or after *index (which moves to it), with a reference, or NULL. */
struct page *find_get_next_page(struct address_space *m, unsigned long *index);
/*
 * The cached page at index, locked and with a reference, creating an
 * empty (not uptodate) one if there is none.  NULL if out of memory.
 */
struct page *find_or_create_page(struct address_space *m, unsigned long index, gfp_t gfp);
/*
 * The page at index of file's mapping, locked, with a reference, and
 * uptodate (read in through a_ops->readpage if needed: then *read_io is
 * set); ERR_PTR on error.
 */
struct page *filemap_get_locked_page(struct file *file, unsigned long index, bool *read_io);
/* The same for a mapping; file (may be NULL: truncate has none) goes to readpage. */
struct page *read_mapping_locked_page(struct address_space *m, struct file *file,
				      unsigned long index);
/* Start reading file pages [index, end) below EOF that are not cached (MADV_WILLNEED); no waiting. */
void readahead_file_range(struct file *file, unsigned long index, unsigned long end);
/* Remove a locked page from its mapping (drops the cache's reference). */
void delete_from_page_cache(struct page *page);
/*
 * Reclaim: remove a locked, clean page that nobody but the cache and the
 * caller holds, atomically against look-ups (which could take a new
 * reference); false, and nothing changed, if it is dirty or in use.
 */
bool remove_mapping(struct address_space *m, struct page *page);
/*
 * Truncation (mm/truncate.c).  truncate_inode_pages drops every page at
 * or above byte offset `start` and zeroes the tail of the page that
 * straddles it (unlink, eviction: nothing maps the file any more).
 * truncate_pagecache is the whole protocol for a file that may be mapped:
 * unmap, drop, unmap again; the caller holds invalidate_lock exclusive
 * and has already set the new i_size.
 */
void truncate_inode_pages(struct address_space *m, u64 start);
void truncate_pagecache(struct inode *inode, u64 new_size);
/*
 * Remove the user mappings of file pages [first, last] from every VMA
 * that maps them, private copies of them included (truncate, hole punch).
 */
void unmap_mapping_pages(struct address_space *m, unsigned long first, unsigned long last);
/* i_size grew: make the old end page fault on its next store (i_rwsem held; truncate.c). */
void pagecache_isize_extended(struct inode *inode, u64 from, u64 to);
/* Drop the clean, unused pages [first, last] (fadvise DONTNEED); busy ones stay. */
void invalidate_mapping_pages(struct address_space *m, unsigned long first, unsigned long last);
/*
 * Write-protect every shared mapping of a locked page (before writeback
 * clears PG_dirty): the next store through one faults and dirties it again.
 */
void page_mkclean(struct page *page);
/*
 * Reclaim: take a locked, clean page-cache page out of every page table
 * (rmap.c).  UNMAP_REFERENCED: some entry was used since the last look
 * (the accessed bits are cleared, nothing unmapped); UNMAP_BUSY: the
 * file's list of mappings is locked, try another time.
 */
enum unmap_result { UNMAP_DONE, UNMAP_REFERENCED, UNMAP_BUSY };
enum unmap_result try_to_unmap(struct page *page);
/* Does the mapping write pages back, so that mappings must track dirtiness? */
static inline bool mapping_tracks_dirty(const struct address_space *m)
{
	return m->a_ops->writepage != NULL;
}

/*
 * Dirty pages (mm/writeback.c).  set_page_dirty marks a cached page dirty
 * (the caller holds a reference, and the page lock or a reason the page
 * stays in its file) and puts its file on the flusher's list; true if it
 * was clean.  clear_page_dirty_for_io, on a locked page about to be
 * written, clears it; true if it was dirty.  Both keep the counters
 * (NR_FILE_DIRTY, mapping->nr_dirty) in step with PG_dirty.
 */
bool set_page_dirty(struct page *page);
bool clear_page_dirty_for_io(struct page *page);

/*
 * Writeback.  filemap_write_and_wait writes every dirty page of the
 * mapping in ascending index order and waits for them: 0, -EIO if a
 * write failed (also recorded in the error sequence, m->wb_err), or
 * -ENOMEM if writepage found no memory to start a write for a second.
 * filemap_writeback starts writing up to nr dirty pages from index *next
 * on (wrapping to 0 at the end once), waits for none, and returns how
 * many it started; *next moves past the last page looked at.
 */
int filemap_write_and_wait(struct address_space *m);
unsigned long filemap_writeback(struct address_space *m, unsigned long *next, unsigned long nr);
/* Write one locked dirty page for reclaim; returns with it unlocked. */
void writeback_one_page(struct page *page, struct blk_plug *plug);
/* The I/O of a page under writeback is over (any context): error 0 or -errno. */
void end_page_writeback(struct page *page, int error);
void wait_on_page_writeback(struct page *page);
/*
 * The error sequence (writeback.c): a failed write records itself
 * (mapping_set_error); a file samples the sequence at open; fsync's answer
 * for a file that last looked at *since is -EIO once if a writeback failed
 * after that, else 0, and *since catches up.
 */
void mapping_set_error(struct address_space *m);
u32 filemap_sample_wb_err(struct address_space *m);
int filemap_check_wb_err(struct address_space *m, u32 *since);

/*
 * The LRU lists of page-cache pages (mm/lru.c): a page of an evictable
 * file is on one while it is cached (PG_lru), inactive until used twice.
 */
void lru_add(struct page *page);
void lru_del(struct page *page);
void mark_page_accessed(struct page *page);
/* Reclaim takes pages off (with a reference each) and gives them back. */
unsigned int lru_isolate(bool active, unsigned int nr, struct list_head *out);
void lru_putback(struct page *page);
bool page_is_lru_newest(struct page *page);	/* for self-tests */
unsigned long nr_lru_pages(void);
/* Pages in the page cache, of every file system. */
unsigned long nr_cached_pages(void);

/* Boot options of the page cache (write_path=naive). */
void filemap_init(void);

void lock_page(struct page *page);
bool trylock_page(struct page *page);
void unlock_page(struct page *page);
void wait_on_page_locked(struct page *page);

/*
 * Read and write through the page cache, for file systems whose data lives
 * there.  They use inode->i_size and take inode->i_rwsem as needed; the
 * write follows the buffered write protocol of docs/design.md.  Both
 * return bytes moved (advancing *pos) or a negative errno.
 */
ssize_t generic_file_read(struct file *file, struct iov_iter *to, u64 *pos);
ssize_t generic_file_write(struct file *file, struct iov_iter *from, u64 *pos);

#endif
