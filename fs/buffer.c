/*
 * The buffer cache (see buffer.h): disk blocks kept for file-system
 * metadata, found by (disk, block number, size) through a hash table.
 *
 * Lock order: a buffer's lock (sleeping) -> cache_lock (spinlock).
 *
 * Memory: at most BUFFER_LIMIT buffers are kept; past it, the least
 * recently used clean buffers that nobody holds are freed when a new one
 * is made, and reclaim frees them too when memory runs short (a shrinker).
 * Dirty buffers are never freed before they are written, so the cache may
 * grow past the limit until the flusher or a sync writes them.
 */
#include <buffer.h>
#include <err.h>
#include <errno.h>
#include <kmalloc.h>
#include <page.h>
#include <panic.h>
#include <spinlock.h>
#include <string.h>
#include <time.h>
#include <vmscan.h>

#define HASH_BUCKETS 256
#define BUFFER_LIMIT 4096	/* buffers kept: 4 MiB of 1 KiB blocks, 16 MiB of 4 KiB */
#define SYNC_BATCH 64		/* buffers written at once by buffer_sync_disk */

static struct spinlock cache_lock = SPINLOCK_INIT("buffer_cache");
static struct list_head hash_table[HASH_BUCKETS];	/* cache_lock */
static struct list_head lru = LIST_HEAD_INIT(lru);	/* cache_lock: unreferenced, oldest first */
static unsigned long nr_buffers;			/* cache_lock */
static unsigned long nr_buffer_bytes;			/* cache_lock: their data */
static bool hash_ready;					/* cache_lock */

static unsigned long shrink_buffers(unsigned long nr);
/* Reclaim's hook into the cache, registered with its first buffer. */
static struct shrinker buffer_shrinker = { .name = "buffer cache", .scan = shrink_buffers };

static struct list_head *bucket(struct gendisk *disk, u64 blockno)
{
	return &hash_table[((u64)disk / 64 + blockno) % HASH_BUCKETS];
}

/* The cached buffer, or NULL.  cache_lock held. */
static struct buffer *lookup_locked(struct gendisk *disk, u64 blockno, u32 size)
{
	struct buffer *b;

	if (!hash_ready) {
		for (int i = 0; i < HASH_BUCKETS; i++)
			list_init(&hash_table[i]);
		hash_ready = true;
		register_shrinker(&buffer_shrinker);
	}
	list_for_each_entry(b, bucket(disk, blockno), hash_link)
		if (b->disk == disk && b->blockno == blockno && b->size == size)
			return b;
	return NULL;
}

static bool test_flag(struct buffer *b, enum buffer_flag f)
{
	return __atomic_load_n(&b->flags, __ATOMIC_ACQUIRE) & (1ul << f);
}

static void set_flag(struct buffer *b, enum buffer_flag f)
{
	__atomic_fetch_or(&b->flags, 1ul << f, __ATOMIC_RELEASE);
}

static void clear_flag(struct buffer *b, enum buffer_flag f)
{
	__atomic_fetch_and(&b->flags, ~(1ul << f), __ATOMIC_RELEASE);
}

static void free_buffer(struct buffer *b)
{
	kfree(b->data);
	kfree(b);
}

/* Inside the file system: GFP_NOFS (the caller may hold buffers the flusher needs). */
static struct buffer *alloc_buffer(struct gendisk *disk, u64 blockno, u32 size)
{
	struct buffer *b = kzalloc(sizeof(*b), GFP_NOFS);

	if (!b)
		return NULL;
	b->data = kmalloc(size, GFP_NOFS);
	if (!b->data) {
		kfree(b);
		return NULL;
	}
	/* A bio segment must lie in one page: kmalloc aligns power-of-two sizes. */
	BUG_ON(((u64)b->data & (PAGE_SIZE - 1)) + size > PAGE_SIZE);
	b->disk = disk;
	b->blockno = blockno;
	b->size = size;
	mutex_init(&b->lock, "buffer");
	b->refcount = 1;
	return b;
}

/*
 * Take clean, unreferenced buffers off the LRU (oldest first) onto
 * *victims, for the caller to free once it dropped the lock, until no more
 * than `keep` are cached.  Returns how many it took.
 */
static unsigned long evict_locked(struct list_head *victims, unsigned long keep)
{
	struct buffer *b, *next;
	unsigned long n = 0;

	list_for_each_entry_safe(b, next, &lru, lru_link) {
		if (nr_buffers <= keep)
			break;
		if (test_flag(b, B_DIRTY))
			continue;
		list_del(&b->lru_link);
		list_del(&b->hash_link);
		list_add(&b->lru_link, victims);
		nr_buffers--;
		nr_buffer_bytes -= b->size;
		n++;
	}
	return n;
}

static void free_victims(struct list_head *victims)
{
	struct buffer *victim, *next;

	list_for_each_entry_safe(victim, next, victims, lru_link)
		free_buffer(victim);
}

/* Reclaim's shrinker: free up to nr clean buffers nobody holds. */
static unsigned long shrink_buffers(unsigned long nr)
{
	struct list_head victims = LIST_HEAD_INIT(victims);
	unsigned long n;

	spin_lock(&cache_lock);
	n = evict_locked(&victims, nr_buffers > nr ? nr_buffers - nr : 0);
	spin_unlock(&cache_lock);
	free_victims(&victims);
	return n;
}


/* The buffer for the block, locked and referenced, read or not; NULL if out of memory. */
static struct buffer *buffer_get(struct gendisk *disk, u64 blockno, u32 size,
				 enum buffer_role role)
{
	struct list_head victims = LIST_HEAD_INIT(victims);
	struct buffer *b, *fresh = NULL;

	for (;;) {
		spin_lock(&cache_lock);
		b = lookup_locked(disk, blockno, size);
		if (b) {
			if (b->refcount++ == 0)
				list_del(&b->lru_link);
		} else if (fresh) {
			b = fresh;
			fresh = NULL;
			list_add(&b->hash_link, bucket(disk, blockno));
			nr_buffers++;
			nr_buffer_bytes += b->size;
			evict_locked(&victims, BUFFER_LIMIT);
		}
		spin_unlock(&cache_lock);
		if (b)
			break;
		/* Not cached: make one without the lock held, then look again. */
		fresh = alloc_buffer(disk, blockno, size);
		if (!fresh)
			return NULL;
	}
	if (fresh)
		free_buffer(fresh);	/* someone else cached it meanwhile */
	free_victims(&victims);
	/* The role is the lock's subclass; within it, ascending offset on the disk. */
	mutex_lock_ordered(&b->lock, role, disk, blockno * size);
	b->role = role;
	return b;
}

/* Drop a reference; a forgotten buffer (off the hash) goes with its last one. */
static void buffer_put(struct buffer *b)
{
	bool gone = false;

	spin_lock(&cache_lock);
	if (--b->refcount == 0) {
		if (list_empty(&b->hash_link))
			gone = true;
		else
			list_add_tail(&b->lru_link, &lru);
	}
	spin_unlock(&cache_lock);
	if (gone)
		free_buffer(b);
}

static void buffer_bio_init(struct bio *bio, struct bio_vec *vec, struct buffer *b, enum blk_op op)
{
	bio_init(bio, b->disk, op, b->blockno * (b->size >> SECTOR_SHIFT), vec, 1);
	bio_add_page(bio, virt_to_page(b->data), b->size, (u64)b->data & (PAGE_SIZE - 1));
}

struct buffer *bread(struct gendisk *disk, u64 blockno, u32 size, enum buffer_role role)
{
	struct buffer *b = buffer_get(disk, blockno, size, role);
	struct bio_vec vec;
	struct bio bio;

	if (!b)
		return ERR_PTR(-ENOMEM);
	if (test_flag(b, B_UPTODATE))
		return b;
	buffer_bio_init(&bio, &vec, b, BLK_OP_READ);
	if (submit_bio_wait(&bio)) {
		brelse(b);
		return ERR_PTR(-EIO);
	}
	set_flag(b, B_UPTODATE);
	return b;
}

struct buffer *bget_zeroed(struct gendisk *disk, u64 blockno, u32 size, enum buffer_role role)
{
	struct buffer *b = buffer_get(disk, blockno, size, role);

	if (!b)
		return ERR_PTR(-ENOMEM);
	memset(b->data, 0, size);
	set_flag(b, B_UPTODATE);
	return b;
}

void bmark_dirty(struct buffer *b)
{
	BUG_ON(!mutex_is_locked_by_me(&b->lock));
	if (!test_flag(b, B_DIRTY))
		b->dirtied_ns = clock_ns();	/* the flusher writes it once this is old */
	set_flag(b, B_DIRTY);
}

void brelse(struct buffer *b)
{
	mutex_unlock(&b->lock);
	buffer_put(b);
}

void buffer_forget(struct gendisk *disk, u64 blockno, u32 size)
{
	struct buffer *b;
	bool gone = false;

	spin_lock(&cache_lock);
	b = lookup_locked(disk, blockno, size);
	if (b) {
		/* Off the hash: no lookup finds it, no sync writes it. */
		list_del_init(&b->hash_link);
		nr_buffers--;
		nr_buffer_bytes -= b->size;
		if (b->refcount == 0) {
			list_del(&b->lru_link);
			gone = true;
		}
	}
	spin_unlock(&cache_lock);
	if (gone)
		free_buffer(b);
}

/* One batch of writes in flight: the last completion wakes the syncer. */
struct sync_batch {
	struct buffer *buffers[SYNC_BATCH];
	struct bio bios[SYNC_BATCH];
	struct bio_vec vecs[SYNC_BATCH];
	int count;
	int pending;			/* atomic: bios not yet ended */
	int errors;			/* atomic */
	struct completion done;
};

static void sync_end_io(struct bio *bio)
{
	struct sync_batch *batch = bio->private;

	if (bio->status)
		__atomic_add_fetch(&batch->errors, 1, __ATOMIC_RELAXED);
	if (__atomic_sub_fetch(&batch->pending, 1, __ATOMIC_ACQ_REL) == 0)
		complete(&batch->done);
}

/*
 * Take references on up to SYNC_BATCH dirty buffers of disk at block >=
 * *from that were dirtied before `before`, in block order; *from moves
 * past the last one.
 */
static int collect_dirty(struct gendisk *disk, u64 *from, u64 before, struct sync_batch *batch)
{
	struct buffer *b;
	u64 limit = ~0ul;
	int n = 0;

	spin_lock(&cache_lock);
	/* The SYNC_BATCH lowest dirty blocks at or above *from (insertion into a sorted array). */
	for (int i = 0; i < HASH_BUCKETS && hash_ready; i++) {
		list_for_each_entry(b, &hash_table[i], hash_link) {
			int j;

			if (b->disk != disk || b->blockno < *from || !test_flag(b, B_DIRTY) ||
			    READ_ONCE(b->dirtied_ns) >= before)
				continue;
			if (n == SYNC_BATCH && b->blockno >= limit)
				continue;
			if (n == SYNC_BATCH)
				n--;	/* the highest one makes room */
			for (j = n; j > 0 && batch->buffers[j - 1]->blockno > b->blockno; j--)
				batch->buffers[j] = batch->buffers[j - 1];
			batch->buffers[j] = b;
			n++;
			limit = batch->buffers[n - 1]->blockno;
		}
	}
	for (int i = 0; i < n; i++)
		if (batch->buffers[i]->refcount++ == 0)
			list_del(&batch->buffers[i]->lru_link);
	spin_unlock(&cache_lock);
	if (n)
		*from = batch->buffers[n - 1]->blockno + 1;
	return n;
}

/*
 * Write a batch (buffers referenced, not locked) and wait; returns the
 * errors, and in *reached how many of the n it got to.  Each buffer keeps
 * its lock until written, but only a lock taken while holding none is
 * waited for: ext2 holds a buffer while it waits for alloc_mutex, whose
 * holder may wait for a buffer this batch already holds.  A busy buffer
 * ends the batch instead; the next one starts with it.
 */
static int write_batch(struct sync_batch *batch, int n, int *reached)
{
	struct blk_plug plug;
	int submitted = 0, i;

	batch->pending = 1;	/* held by us until everything is submitted */
	batch->errors = 0;
	completion_init(&batch->done);
	blk_start_plug(&plug);
	for (i = 0; i < n; i++) {
		struct buffer *b = batch->buffers[i];
		struct bio *bio = &batch->bios[submitted];

		if (submitted == 0)
			mutex_lock_ordered(&b->lock, READ_ONCE(b->role), b->disk, b->blockno * b->size);
		else if (!mutex_trylock_ordered(&b->lock, READ_ONCE(b->role), b->disk,
						b->blockno * b->size))
			break;
		if (!test_flag(b, B_DIRTY) || list_empty(&b->hash_link)) {
			mutex_unlock(&b->lock);
			continue;	/* cleaned or forgotten meanwhile */
		}
		clear_flag(b, B_DIRTY);
		buffer_bio_init(bio, &batch->vecs[submitted], b, BLK_OP_WRITE);
		bio->private = batch;
		bio->end_io = sync_end_io;
		__atomic_add_fetch(&batch->pending, 1, __ATOMIC_RELAXED);
		batch->buffers[submitted++] = b;	/* keeps its lock until written */
		blk_plug_bio(&plug, bio);
	}
	*reached = i;
	blk_finish_plug(&plug);
	if (__atomic_sub_fetch(&batch->pending, 1, __ATOMIC_ACQ_REL) == 0)
		complete(&batch->done);
	wait_for_completion(&batch->done);
	for (int i = 0; i < submitted; i++) {
		struct buffer *b = batch->buffers[i];

		if (batch->bios[i].status)
			set_flag(b, B_WRITE_ERROR);
		else
			clear_flag(b, B_WRITE_ERROR);
		mutex_unlock(&b->lock);
	}
	return batch->errors;
}

int buffer_writeback_disk(struct gendisk *disk, u64 dirtied_before)
{
	struct sync_batch *batch = kmalloc(sizeof(*batch), GFP_NOFS);
	int errors = 0, n, reached;
	u64 from = 0;

	if (!batch)
		return -ENOMEM;
	while ((n = collect_dirty(disk, &from, dirtied_before, batch)) > 0) {
		struct buffer *held[SYNC_BATCH];

		memcpy(held, batch->buffers, n * sizeof(held[0]));
		errors += write_batch(batch, n, &reached);
		if (reached < n)
			from = held[reached]->blockno;	/* busy: the next batch starts with it */
		for (int i = 0; i < n; i++)
			buffer_put(held[i]);
	}
	kfree(batch);
	return errors ? -EIO : 0;
}

int buffer_sync_disk(struct gendisk *disk)
{
	int err = buffer_writeback_disk(disk, ~0ul);

	if (blkdev_issue_flush(disk))
		err = -EIO;
	return err;
}

unsigned long buffer_count(void)
{
	return READ_ONCE(nr_buffers);
}

unsigned long buffer_bytes(void)
{
	return READ_ONCE(nr_buffer_bytes);
}
