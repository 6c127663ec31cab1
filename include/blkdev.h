/*
 * The block layer: disks, and the I/O requests that reach them.
 *
 *   gendisk   a disk: its name (vda), size, block size, limits, and the
 *             driver that moves its data.
 *   bio       one I/O as its submitter sees it: read, write or flush, a
 *             start sector, a list of page segments, and a function the
 *             block layer calls when it is over.
 *   request   what a driver executes: one or more bios that are
 *             contiguous on the disk (merged), within the disk's limits.
 *
 * A submitter fills a bio and calls submit_bio(); the call returns at
 * once, and the bio's end_io runs later, from the disk's interrupt, with
 * bio->status 0 or a negative errno.  submit_bio_wait() does both and
 * sleeps in between.  Requests the device has no room for wait in the
 * disk's software queue, where a new bio that continues one of them (or
 * that one continues) is merged into it.  A plug (blk_start_plug) holds a
 * task's bios back while it submits a batch, so that they merge before
 * any reaches the device.
 *
 * Sectors are always 512 bytes, whatever the disk's logical block size
 * (a bio must start and end on a logical block boundary).
 *
 * Lock order: disk->lock -> the driver's own lock (its queue_rq runs under
 * disk->lock).  Drivers complete requests without holding their lock.
 */
#ifndef PAGODA_BLKDEV_H
#define PAGODA_BLKDEV_H

#include <list.h>
#include <page.h>
#include <spinlock.h>
#include <types.h>

#define SECTOR_SHIFT 9
#define SECTOR_SIZE 512

enum blk_op {
	BLK_OP_READ,
	BLK_OP_WRITE,
	BLK_OP_FLUSH,		/* make completed writes durable; no data */
	BLK_NR_OPS,
};

/* A segment: len bytes of physically contiguous memory, from offset in page on. */
struct bio_vec {
	struct page *page;
	u32 offset;		/* in the page */
	u32 len;		/* may run on into the pages that follow */
};

struct gendisk;

struct bio {
	struct gendisk *disk;
	enum blk_op op;
	u64 sector;		/* where it starts */
	struct bio_vec *vecs;	/* the submitter's array */
	unsigned int nr_vecs, max_vecs;
	u32 size;		/* bytes in vecs */
	int status;		/* once ended: 0 or -errno (-EIO, -EROFS, ...) */
	/* Called once, from interrupt context (or from submit_bio itself): must not sleep. */
	void (*end_io)(struct bio *bio);
	void *private;		/* the submitter's */
	struct bio *next;	/* the block layer's: next bio of the same request */
};

/* Start a bio with no segments; vecs has room for max_vecs. */
void bio_init(struct bio *bio, struct gendisk *disk, enum blk_op op, u64 sector,
	      struct bio_vec *vecs, unsigned int max_vecs);
/* Add len bytes of page at offset; false if the bio has no room. */
bool bio_add_page(struct bio *bio, struct page *page, u32 len, u32 offset);
static inline u32 bio_sectors(const struct bio *bio) { return bio->size >> SECTOR_SHIFT; }

struct request {
	struct gendisk *disk;
	enum blk_op op;
	u64 sector;
	u32 nr_sectors;
	unsigned int nr_segs;	/* bio_vecs in all its bios */
	struct bio *bio, *biotail;
	struct list_head queuelist;	/* disk->lock while queued; the driver's while in flight */
	u64 start_ns;		/* when its first bio was submitted */
	unsigned int merged;	/* bios merged into it in a plug, counted when it is queued */
	int error;		/* why the driver refused it outright */
	bool started;		/* disk->lock: the driver has it */
};

struct blk_driver_ops {
	/*
	 * Start rq on the device.  Called with disk->lock held, interrupts
	 * off.  0: started, and the driver calls blk_end_request() when it is
	 * done; -EBUSY: no room now (the block layer tries again after the
	 * next completion); any other errno fails the request.
	 */
	int (*queue_rq)(struct gendisk *disk, struct request *rq);
};

/* What /proc/diskstats shows, and errors.  disk->lock. */
struct disk_stats {
	u64 ios[BLK_NR_OPS];		/* completed requests */
	u64 merges[BLK_NR_OPS];		/* bios merged into a request */
	u64 sectors[BLK_NR_OPS];
	u64 ns[BLK_NR_OPS];		/* summed time from submission to completion */
	u64 errors;			/* requests that failed */
	unsigned int in_flight;		/* requests submitted and not yet completed */
	unsigned int at_driver;		/* of those, the ones the driver has started */
	unsigned int max_at_driver;	/* the most it ever had at once (its queue depth, seen) */
	u64 busy_ns;			/* time with at least one in flight */
	u64 weighted_ns;		/* in_flight integrated over time */
	u64 stamp_ns;			/* when busy_ns and weighted_ns were last brought up to date */
};

struct gendisk {
	char name[8];			/* fixed: "vda" */
	u32 major, first_minor;		/* fixed: its device number */
	u64 capacity;			/* fixed: size in 512-byte sectors */
	u32 logical_block_size;		/* fixed: bytes, a power of two from 512 to 4096 */
	u32 physical_block_size;	/* fixed */
	bool read_only;			/* fixed: writes fail with -EROFS */
	bool write_cache;		/* fixed: flushes are needed (else they complete at once) */
	u32 max_segments;		/* fixed: bio_vecs per request */
	u32 max_segment_size;		/* fixed: bytes in one bio_vec */
	u32 max_sectors;		/* fixed: sectors per request */
	const struct blk_driver_ops *ops;	/* fixed */
	void *driver_data;		/* fixed */

	struct spinlock lock;
	struct list_head queue;		/* lock: requests waiting for the device */
	struct disk_stats stats;	/* lock */
	struct list_head list;		/* disks_lock: on the list of all disks */
};

/* Fill in the layer's part of a disk the driver has set up, and make it known. */
void add_disk(struct gendisk *disk);
/* The disk with this major and minor, or NULL.  Disks are never removed. */
struct gendisk *disk_lookup(u32 major, u32 minor);
/* Call fn for every disk, in the order they were added. */
void disk_for_each(void (*fn)(struct gendisk *disk, void *arg), void *arg);
/* A consistent copy of the disk's statistics. */
void disk_get_stats(struct gendisk *disk, struct disk_stats *out);

/* The major number of virtio disks (Linux gives them a dynamic one; 254 in practice). */
#define VIRTBLK_MAJOR 254
#define VIRTBLK_MINORS 16	/* minors per disk, as Linux leaves room for partitions */

void submit_bio(struct bio *bio);
/* Submit and sleep until it is over: bio->status (end_io is taken over). */
int submit_bio_wait(struct bio *bio);
/* A flush of the disk's write cache, waited for: 0 or -EIO. */
int blkdev_issue_flush(struct gendisk *disk);

/* Drivers: rq is done (error 0 or -errno).  Any context; no driver lock held. */
void blk_end_request(struct request *rq, int error);

/* Hold a batch of bios back so they merge; blk_finish_plug submits them. */
struct blk_plug {
	struct list_head requests;
};
void blk_start_plug(struct blk_plug *plug);
void blk_plug_bio(struct blk_plug *plug, struct bio *bio);
void blk_finish_plug(struct blk_plug *plug);

#endif
