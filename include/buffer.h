/*
 * The buffer cache: copies of disk blocks that a file system keeps as
 * metadata (ext2's super block, group descriptors, bitmaps, inode tables,
 * indirect blocks, directories, slow symlinks).  File data does not live
 * here but in each file's page cache.
 *
 * A buffer is one block of one disk, of the file system's block size
 * (512 to 4096 bytes).  bread() returns it locked (a sleeping lock held
 * until brelse), uptodate, with a reference; the holder may read and
 * change it, and marks it dirty if it did.  Dirty buffers reach the disk
 * when buffer_sync_disk() runs (sync, fsync, unmount, the flusher); each
 * is written whole, and only when dirty, which is why metadata is cached
 * per block and not per page: with 1 KiB blocks a page would hold four
 * blocks, some of which may meanwhile belong to a file's data.
 *
 * A block freed by the file system is forgotten (buffer_forget) so that a
 * stale dirty copy can never overwrite what the block holds next.
 *
 * Locks: cache_lock (spinlock) guards the hash, the LRU list, each
 * buffer's refcount; a buffer's own lock (mutex) guards its data and
 * B_DIRTY.  Order: buffer lock -> cache_lock.  Buffers are locked by role
 * (enum buffer_role), outer roles first, and within a role in ascending
 * disk offset; the lock validator checks both.  Nobody waits for a buffer
 * lock while holding one of the same role out of that order (sync writes
 * a batch with trylocks past its first buffer).
 */
#ifndef PAGODA_BUFFER_H
#define PAGODA_BUFFER_H

#include <blkdev.h>
#include <list.h>
#include <mutex.h>
#include <types.h>

enum buffer_flag {
	B_UPTODATE,	/* data holds the block's contents */
	B_DIRTY,	/* data is newer than the disk */
	B_WRITE_ERROR,	/* the last write of it failed */
};

/*
 * What a block is for, which fixes the order its lock is taken in (outer
 * first).  Indirect blocks go by their height in the file's block tree (a
 * parent is locked before its children, wherever each lies on the disk).
 */
enum buffer_role {
	BUFFER_FILE_DATA,	/* a file's data kept here: directory and symlink blocks */
	BUFFER_INDIRECT_3,	/* a triple-indirect block */
	BUFFER_INDIRECT_2,	/* double-indirect blocks */
	BUFFER_INDIRECT_1,	/* indirect blocks that point at data */
	BUFFER_FS_METADATA,	/* group descriptors, bitmaps, inode tables */
	BUFFER_SUPER,		/* the super block: innermost */
};

/* The role of an indirect block with `height` levels of blocks below it (1 to 3). */
static inline enum buffer_role buffer_indirect_role(int height)
{
	return BUFFER_INDIRECT_1 - (height - 1);
}

struct buffer {
	struct gendisk *disk;		/* fixed */
	u64 blockno;			/* fixed: in units of size */
	u32 size;			/* fixed: bytes */
	void *data;			/* fixed: size bytes within one page */
	unsigned long flags;		/* atomic bits: enum buffer_flag */
	struct mutex lock;		/* held between bread() and brelse() */
	enum buffer_role role;		/* lock: what it was last read as (its lock's class) */
	u64 dirtied_ns;			/* lock: when it last went from clean to dirty (clock_ns) */
	int refcount;			/* cache_lock */
	struct list_head hash_link;	/* cache_lock */
	struct list_head lru_link;	/* cache_lock: on the LRU while refcount == 0 */
};

/* The block, locked, uptodate and referenced; ERR_PTR(-EIO / -ENOMEM). */
struct buffer *bread(struct gendisk *disk, u64 blockno, u32 size, enum buffer_role role);
/*
 * The block, locked and referenced, its old contents not read but zeroed:
 * for a block just allocated, that will be written whole.
 */
struct buffer *bget_zeroed(struct gendisk *disk, u64 blockno, u32 size, enum buffer_role role);
/* The holder changed the data: it must reach the disk. */
void bmark_dirty(struct buffer *b);
/* Unlock and drop the reference bread() gave. */
void brelse(struct buffer *b);
/* The block was freed: drop any cached copy, dirty or not, unwritten. */
void buffer_forget(struct gendisk *disk, u64 blockno, u32 size);
/*
 * Write every dirty buffer of the disk, wait for them, then flush the
 * disk's cache.  0, or -EIO if any write (or the flush) failed.
 */
int buffer_sync_disk(struct gendisk *disk);
/*
 * The flusher's part: write the disk's buffers dirty since before
 * dirtied_before (clock_ns) and wait for them, with no cache flush.
 * 0, -EIO if a write failed, -ENOMEM.
 */
int buffer_writeback_disk(struct gendisk *disk, u64 dirtied_before);
/* Buffers cached (for tests and /proc/meminfo). */
unsigned long buffer_count(void);
/* Bytes of data they hold (kmalloc memory the shrinker can free: SReclaimable). */
unsigned long buffer_bytes(void);

#endif
