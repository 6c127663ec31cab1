/*
 * The block layer (see blkdev.h): bios become requests, requests wait in
 * the disk's queue until its driver has room, and completions end the
 * bios and start what waited.
 *
 * A request's life:
 *
 *   submit_bio      checks the bio, merges it into a queued request it
 *                   continues, or makes it a request of its own and queues it
 *   dispatch        hands queued requests to the driver, oldest first,
 *                   until the driver says -EBUSY
 *   blk_end_request the driver is done: account it, dispatch more, then
 *                   end each of its bios
 *
 * Lock: disk->lock protects the queue and the statistics; disks_lock the
 * list of disks.  Order: disk->lock -> the driver's lock (queue_rq).
 * Bios are ended with no lock held.
 */
#include <blkdev.h>
#include <errno.h>
#include <kmalloc.h>
#include <mutex.h>
#include <printk.h>
#include <string.h>
#include <time.h>
#include <vmstat.h>

static struct spinlock disks_lock = SPINLOCK_INIT("disks");
static struct list_head disks = LIST_HEAD_INIT(disks);	/* disks_lock */

static const char *const op_names[BLK_NR_OPS] = { "read", "write", "flush" };

void add_disk(struct gendisk *disk)
{
	spin_init(&disk->lock, "disk");
	list_init(&disk->queue);
	memset(&disk->stats, 0, sizeof(disk->stats));
	spin_lock(&disks_lock);
	list_add_tail(&disk->list, &disks);
	spin_unlock(&disks_lock);
}

struct gendisk *disk_lookup(u32 major, u32 minor)
{
	struct gendisk *d, *found = NULL;

	spin_lock(&disks_lock);
	list_for_each_entry(d, &disks, list)
		if (d->major == major && d->first_minor == minor)
			found = d;
	spin_unlock(&disks_lock);
	return found;
}

/* The list only grows, and never while fn may sleep on it: walk it unlocked. */
void disk_for_each(void (*fn)(struct gendisk *disk, void *arg), void *arg)
{
	struct gendisk *d;

	list_for_each_entry(d, &disks, list)
		fn(d, arg);
}

/* Bring the time-weighted counters up to now; before in_flight changes.  disk->lock. */
static void stats_catch_up(struct disk_stats *s, u64 now)
{
	if (s->in_flight) {
		s->busy_ns += now - s->stamp_ns;
		s->weighted_ns += (now - s->stamp_ns) * s->in_flight;
	}
	s->stamp_ns = now;
}

void disk_get_stats(struct gendisk *disk, struct disk_stats *out)
{
	spin_lock(&disk->lock);
	stats_catch_up(&disk->stats, clock_ns());
	*out = disk->stats;
	spin_unlock(&disk->lock);
}

/* ---- bios ------------------------------------------------------------ */

void bio_init(struct bio *bio, struct gendisk *disk, enum blk_op op, u64 sector,
	      struct bio_vec *vecs, unsigned int max_vecs)
{
	memset(bio, 0, sizeof(*bio));
	bio->disk = disk;
	bio->op = op;
	bio->sector = sector;
	bio->vecs = vecs;
	bio->max_vecs = max_vecs;
}

/* Within the disk's limits, so that a bio always fits in one request. */
bool bio_add_page(struct bio *bio, struct page *page, u32 len, u32 offset)
{
	struct gendisk *disk = bio->disk;
	struct bio_vec *last = bio->nr_vecs ? &bio->vecs[bio->nr_vecs - 1] : NULL;

	if (((u64)bio->size + len) >> SECTOR_SHIFT > disk->max_sectors)
		return false;
	/* Memory that continues the last segment physically: one longer segment. */
	if (last && page_to_phys(last->page) + last->offset + last->len == page_to_phys(page) + offset &&
	    last->len + len <= disk->max_segment_size) {
		last->len += len;
		bio->size += len;
		return true;
	}
	if (bio->nr_vecs == bio->max_vecs || bio->nr_vecs == disk->max_segments ||
	    len > disk->max_segment_size)
		return false;
	bio->vecs[bio->nr_vecs++] = (struct bio_vec){ page, offset, len };
	bio->size += len;
	return true;
}

static void bio_end(struct bio *bio, int status)
{
	bio->status = status;
	bio->next = NULL;
	bio->end_io(bio);
}

/* Can this bio go to the disk at all?  0 or the errno it ends with. */
static int bio_check(const struct bio *bio)
{
	const struct gendisk *disk = bio->disk;
	u64 block_sectors = disk->logical_block_size >> SECTOR_SHIFT;

	if (bio->op == BLK_OP_FLUSH)
		return bio->size ? -EINVAL : 0;
	if (bio->op == BLK_OP_WRITE && disk->read_only)
		return -EROFS;
	if (!bio->size || bio->size % disk->logical_block_size || bio->sector % block_sectors)
		return -EINVAL;
	if (bio->sector >= disk->capacity || bio_sectors(bio) > disk->capacity - bio->sector)
		return -EIO;	/* beyond the end of the disk, as Linux says */
	return 0;
}

/* /proc/vmstat's pgpgin and pgpgout: sectors read and written, counted as bios go in. */
static void count_bio(const struct bio *bio)
{
	if (bio->op == BLK_OP_READ)
		mod_vm_stat(PGPGIN, bio_sectors(bio));
	else if (bio->op == BLK_OP_WRITE)
		mod_vm_stat(PGPGOUT, bio_sectors(bio));
}

/* ---- requests -------------------------------------------------------- */

static struct request *request_from_bio(struct bio *bio)
{
	struct request *rq = kzalloc(sizeof(*rq), GFP_NOFS);	/* under writeback: never wait for it */

	if (!rq)
		return NULL;
	rq->disk = bio->disk;
	rq->op = bio->op;
	rq->sector = bio->sector;
	rq->nr_sectors = bio_sectors(bio);
	rq->nr_segs = bio->nr_vecs;
	rq->bio = rq->biotail = bio;
	bio->next = NULL;
	rq->start_ns = clock_ns();
	return rq;
}

/*
 * Add bio to a request in `queue` that it continues (a back merge) or
 * that continues it (a front merge), if the result stays within the
 * disk's limits; that request, or NULL.  Requests already at the driver
 * are never in `queue`.
 */
static struct request *merge_bio(struct list_head *queue, struct bio *bio)
{
	const struct gendisk *disk = bio->disk;
	struct request *rq;

	if (bio->op == BLK_OP_FLUSH)
		return NULL;	/* a flush orders writes: it never moves */
	list_for_each_entry(rq, queue, queuelist) {
		if (rq->disk != disk || rq->op != bio->op ||
		    rq->nr_segs + bio->nr_vecs > disk->max_segments ||
		    rq->nr_sectors + bio_sectors(bio) > disk->max_sectors)
			continue;
		if (rq->sector + rq->nr_sectors == bio->sector) {
			bio->next = NULL;
			rq->biotail->next = bio;
			rq->biotail = bio;
		} else if (bio->sector + bio_sectors(bio) == rq->sector) {
			bio->next = rq->bio;
			rq->bio = bio;
			rq->sector = bio->sector;
		} else {
			continue;
		}
		rq->nr_sectors += bio_sectors(bio);
		rq->nr_segs += bio->nr_vecs;
		return rq;
	}
	return NULL;
}

/*
 * Hand queued requests to the driver while it takes them.  A request the
 * driver refuses outright goes on `failed`, to be ended once disk->lock
 * is released.  disk->lock held.
 */
static void dispatch(struct gendisk *disk, struct list_head *failed)
{
	while (!list_empty(&disk->queue)) {
		struct request *rq = list_first_entry(&disk->queue, struct request, queuelist);
		int err;

		list_del(&rq->queuelist);
		err = disk->ops->queue_rq(disk, rq);
		if (err == -EBUSY) {
			list_add(&rq->queuelist, &disk->queue);	/* first in line next time */
			return;
		}
		if (err) {
			rq->error = err;
			list_add_tail(&rq->queuelist, failed);
			continue;
		}
		rq->started = true;
		if (++disk->stats.at_driver > disk->stats.max_at_driver)
			disk->stats.max_at_driver = disk->stats.at_driver;
	}
}

static void end_failed(struct list_head *failed)
{
	while (!list_empty(failed)) {
		struct request *rq = list_first_entry(failed, struct request, queuelist);

		list_del(&rq->queuelist);
		blk_end_request(rq, rq->error);
	}
}

/* Put a request (not merged) at the end of its disk's queue and start what fits. */
static void queue_request(struct request *rq)
{
	struct gendisk *disk = rq->disk;
	struct list_head failed = LIST_HEAD_INIT(failed);

	spin_lock(&disk->lock);
	stats_catch_up(&disk->stats, clock_ns());
	disk->stats.in_flight++;
	disk->stats.merges[rq->op] += rq->merged;
	list_add_tail(&rq->queuelist, &disk->queue);
	dispatch(disk, &failed);
	spin_unlock(&disk->lock);
	end_failed(&failed);
}

void submit_bio(struct bio *bio)
{
	struct gendisk *disk = bio->disk;
	struct request *rq;
	int err = bio_check(bio);

	if (!err && bio->op == BLK_OP_FLUSH && !disk->write_cache) {
		bio_end(bio, 0);	/* nothing volatile to flush */
		return;
	}
	if (err) {
		bio_end(bio, err);
		return;
	}
	count_bio(bio);
	/* Allocate first: no allocation under disk->lock. */
	rq = request_from_bio(bio);
	if (!rq) {
		bio_end(bio, -ENOMEM);
		return;
	}
	spin_lock(&disk->lock);
	if (merge_bio(&disk->queue, bio)) {
		disk->stats.merges[bio->op]++;
		spin_unlock(&disk->lock);
		kfree(rq);
		return;
	}
	spin_unlock(&disk->lock);
	queue_request(rq);
}

static void end_io_complete(struct bio *bio)
{
	complete(bio->private);
}

int submit_bio_wait(struct bio *bio)
{
	struct completion done;

	completion_init(&done);
	bio->private = &done;
	bio->end_io = end_io_complete;
	submit_bio(bio);
	wait_for_completion(&done);
	return bio->status;
}

int blkdev_issue_flush(struct gendisk *disk)
{
	struct bio bio;

	bio_init(&bio, disk, BLK_OP_FLUSH, 0, NULL, 0);
	return submit_bio_wait(&bio) ? -EIO : 0;
}

void blk_end_request(struct request *rq, int error)
{
	struct gendisk *disk = rq->disk;
	struct disk_stats *s = &disk->stats;
	struct list_head failed = LIST_HEAD_INIT(failed);
	struct bio *bio, *next;
	u64 now = clock_ns();

	spin_lock(&disk->lock);
	stats_catch_up(s, now);
	s->in_flight--;
	if (rq->started)
		s->at_driver--;
	s->ios[rq->op]++;
	s->sectors[rq->op] += rq->nr_sectors;
	s->ns[rq->op] += now - rq->start_ns;
	if (error)
		s->errors++;
	dispatch(disk, &failed);	/* the device has room again */
	spin_unlock(&disk->lock);

	if (error)
		pr_warn("%s: %s error at sector %lu (%u sectors): %d", disk->name,
			op_names[rq->op], rq->sector, rq->nr_sectors, error);
	for (bio = rq->bio; bio; bio = next) {
		next = bio->next;
		bio_end(bio, error);
	}
	kfree(rq);
	end_failed(&failed);
}

/* ---- plugging -------------------------------------------------------- */

void blk_start_plug(struct blk_plug *plug)
{
	list_init(&plug->requests);
}

/* Like submit_bio, but the request waits in the plug, where later bios may merge into it. */
void blk_plug_bio(struct blk_plug *plug, struct bio *bio)
{
	struct request *rq;
	int err = bio_check(bio);

	if (err || bio->op == BLK_OP_FLUSH) {
		if (err)
			bio_end(bio, err);
		else
			submit_bio(bio);
		return;
	}
	count_bio(bio);
	/* The plug is this task's own: no lock. */
	rq = merge_bio(&plug->requests, bio);
	if (rq) {
		rq->merged++;	/* into the disk's statistics when it is queued */
		return;
	}
	rq = request_from_bio(bio);
	if (!rq) {
		bio_end(bio, -ENOMEM);
		return;
	}
	list_add_tail(&rq->queuelist, &plug->requests);
}

void blk_finish_plug(struct blk_plug *plug)
{
	while (!list_empty(&plug->requests)) {
		struct request *rq = list_first_entry(&plug->requests, struct request, queuelist);

		list_del(&rq->queuelist);
		queue_request(rq);
	}
}
