/*
 * Self-tests of the block layer, against a disk in memory whose driver
 * the test controls: it takes at most `depth` requests, moves their data
 * at once, and finishes them only when the test says so.  That makes
 * queueing, merging and error paths happen exactly when a test wants.
 */
#include <blkdev.h>
#include <errno.h>
#include <kmalloc.h>
#include <ktest.h>
#include <string.h>

#define FAKE_SECTORS 2048	/* 1 MiB */

struct fake_disk {
	struct gendisk disk;
	u8 *data;
	unsigned int depth;		/* requests it takes at once */
	struct list_head held;		/* disk.lock: taken, not yet finished */
	unsigned int held_count;	/* disk.lock */
	int fail_with;			/* the next request it takes ends with this */
};

/* Copy a request's data to or from the memory disk. */
static void fake_move_data(struct fake_disk *fd, struct request *rq)
{
	u64 off = rq->sector << SECTOR_SHIFT;

	for (struct bio *bio = rq->bio; bio; bio = bio->next) {
		for (unsigned int i = 0; i < bio->nr_vecs; i++) {
			struct bio_vec *v = &bio->vecs[i];
			u8 *mem = (u8 *)page_address(v->page) + v->offset;

			if (rq->op == BLK_OP_WRITE)
				memcpy(fd->data + off, mem, v->len);
			else if (rq->op == BLK_OP_READ)
				memcpy(mem, fd->data + off, v->len);
			off += v->len;
		}
	}
}

static int fake_queue_rq(struct gendisk *disk, struct request *rq)
{
	struct fake_disk *fd = disk->driver_data;

	if (fd->held_count == fd->depth)
		return -EBUSY;
	fake_move_data(fd, rq);
	rq->error = fd->fail_with;
	fd->fail_with = 0;
	list_add_tail(&rq->queuelist, &fd->held);
	fd->held_count++;
	return 0;
}

static const struct blk_driver_ops fake_ops = { .queue_rq = fake_queue_rq };

static struct fake_disk *fake_disk_new(unsigned int depth, u32 block_size, bool read_only)
{
	struct fake_disk *fd = kzalloc(sizeof(*fd), GFP_KERNEL);

	if (!fd)
		return NULL;
	fd->data = kzalloc(FAKE_SECTORS << SECTOR_SHIFT, GFP_KERNEL);
	if (!fd->data) {
		kfree(fd);
		return NULL;
	}
	fd->depth = depth;
	list_init(&fd->held);
	strlcpy(fd->disk.name, "fake", sizeof(fd->disk.name));
	fd->disk.major = 0;	/* never in /dev: add_disk would list it for good */
	fd->disk.capacity = FAKE_SECTORS;
	fd->disk.logical_block_size = fd->disk.physical_block_size = block_size;
	fd->disk.read_only = read_only;
	fd->disk.max_segments = 16;
	fd->disk.max_segment_size = PAGE_SIZE;
	fd->disk.max_sectors = 256;
	fd->disk.ops = &fake_ops;
	fd->disk.driver_data = fd;
	/* What add_disk does, without putting it on the list of real disks. */
	spin_init(&fd->disk.lock, "disk");
	list_init(&fd->disk.queue);
	return fd;
}

static void fake_disk_free(struct fake_disk *fd)
{
	kfree(fd->data);
	kfree(fd);
}

/* Finish the oldest request the fake driver holds; false if it holds none. */
static bool fake_finish_one(struct fake_disk *fd)
{
	struct request *rq = NULL;

	spin_lock(&fd->disk.lock);
	if (!list_empty(&fd->held)) {
		rq = list_first_entry(&fd->held, struct request, queuelist);
		list_del(&rq->queuelist);
		fd->held_count--;
	}
	spin_unlock(&fd->disk.lock);
	if (rq)
		blk_end_request(rq, rq->error);
	return rq != NULL;
}

/* A bio of one page, with its own vec, that records how it ended. */
struct test_bio {
	struct bio bio;
	struct bio_vec vec;
	struct page *page;
	bool ended;
};

static void test_bio_end(struct bio *bio)
{
	struct test_bio *tb = container_of(bio, struct test_bio, bio);

	tb->ended = true;
}

static bool test_bio_init(struct test_bio *tb, struct gendisk *disk, enum blk_op op, u64 sector,
			  u32 len, u8 fill)
{
	memset(tb, 0, sizeof(*tb));
	tb->page = alloc_page(GFP_KERNEL);
	if (!tb->page)
		return false;
	memset(page_address(tb->page), fill, PAGE_SIZE);
	bio_init(&tb->bio, disk, op, sector, &tb->vec, 1);
	tb->bio.end_io = test_bio_end;
	return bio_add_page(&tb->bio, tb->page, len, 0);
}

static void test_bio_free(struct test_bio *tb)
{
	if (tb->page)
		put_page(tb->page);
}

KTEST(blk_plug_merges_adjacent_bios)
{
	struct fake_disk *fd = fake_disk_new(4, 512, false);
	struct test_bio tb[8];
	struct blk_plug plug;

	if (!KEXPECT(fd != NULL))
		return;
	blk_start_plug(&plug);
	for (int i = 0; i < 8; i++) {
		KEXPECT(test_bio_init(&tb[i], &fd->disk, BLK_OP_WRITE, 8 * i, PAGE_SIZE, 'a' + i));
		blk_plug_bio(&plug, &tb[i].bio);
	}
	KEXPECT_EQ(fd->held_count, 0);	/* nothing reaches the driver before the plug is done */
	blk_finish_plug(&plug);
	KEXPECT_EQ(fd->held_count, 1);	/* one request of eight bios */
	KEXPECT_EQ(fd->disk.stats.merges[BLK_OP_WRITE], 7);
	KEXPECT_EQ(fd->disk.stats.in_flight, 1);
	KEXPECT(fake_finish_one(fd));
	for (int i = 0; i < 8; i++) {
		KEXPECT(tb[i].ended && tb[i].bio.status == 0);
		KEXPECT_EQ(fd->data[i * PAGE_SIZE], 'a' + i);
		KEXPECT_EQ(fd->data[i * PAGE_SIZE + PAGE_SIZE - 1], 'a' + i);
		test_bio_free(&tb[i]);
	}
	KEXPECT_EQ(fd->disk.stats.ios[BLK_OP_WRITE], 1);
	KEXPECT_EQ(fd->disk.stats.sectors[BLK_OP_WRITE], 64);
	KEXPECT_EQ(fd->disk.stats.in_flight, 0);
	fake_disk_free(fd);
}

/*
 * With the device full, new bios wait in the queue, and one that continues
 * a waiting request (either end) joins it; a completion starts the next.
 */
KTEST(blk_busy_device_queues_and_merges)
{
	struct fake_disk *fd = fake_disk_new(1, 512, false);
	struct test_bio a, b, c, d;

	if (!KEXPECT(fd != NULL))
		return;
	KEXPECT(test_bio_init(&a, &fd->disk, BLK_OP_WRITE, 0, PAGE_SIZE, 1));
	KEXPECT(test_bio_init(&b, &fd->disk, BLK_OP_WRITE, 100, PAGE_SIZE, 2));
	KEXPECT(test_bio_init(&c, &fd->disk, BLK_OP_WRITE, 108, PAGE_SIZE, 3));	/* after b */
	KEXPECT(test_bio_init(&d, &fd->disk, BLK_OP_WRITE, 92, PAGE_SIZE, 4));	/* before b */
	submit_bio(&a.bio);
	submit_bio(&b.bio);
	submit_bio(&c.bio);
	submit_bio(&d.bio);
	KEXPECT_EQ(fd->held_count, 1);
	KEXPECT_EQ(fd->disk.stats.in_flight, 2);	/* a at the driver, b+c+d waiting */
	KEXPECT_EQ(fd->disk.stats.merges[BLK_OP_WRITE], 2);
	KEXPECT(fake_finish_one(fd));			/* a done: b+c+d go */
	KEXPECT(a.ended && !b.ended);
	KEXPECT_EQ(fd->held_count, 1);
	KEXPECT(fake_finish_one(fd));
	KEXPECT(b.ended && c.ended && d.ended);
	KEXPECT(!fake_finish_one(fd));
	KEXPECT_EQ(fd->data[92 * 512], 4);
	KEXPECT_EQ(fd->data[100 * 512], 2);
	KEXPECT_EQ(fd->data[108 * 512], 3);
	KEXPECT_EQ(fd->disk.stats.ios[BLK_OP_WRITE], 2);
	KEXPECT_EQ(fd->disk.stats.sectors[BLK_OP_WRITE], 32);
	KEXPECT_EQ(fd->disk.stats.max_at_driver, 1);
	test_bio_free(&a);
	test_bio_free(&b);
	test_bio_free(&c);
	test_bio_free(&d);
	fake_disk_free(fd);
}

KTEST(blk_rejects_bios_the_disk_cannot_take)
{
	struct fake_disk *ro = fake_disk_new(4, 512, true), *big = fake_disk_new(4, 4096, false);
	struct test_bio tb;

	if (!KEXPECT(ro && big))
		return;
	KEXPECT(test_bio_init(&tb, &ro->disk, BLK_OP_WRITE, 0, 512, 0));
	submit_bio(&tb.bio);
	KEXPECT(tb.ended && tb.bio.status == -EROFS);
	test_bio_free(&tb);
	KEXPECT(test_bio_init(&tb, &ro->disk, BLK_OP_READ, FAKE_SECTORS - 1, 1024, 0));
	submit_bio(&tb.bio);
	KEXPECT(tb.ended && tb.bio.status == -EIO);	/* runs past the end */
	test_bio_free(&tb);
	KEXPECT(test_bio_init(&tb, &big->disk, BLK_OP_READ, 0, 512, 0));
	submit_bio(&tb.bio);
	KEXPECT(tb.ended && tb.bio.status == -EINVAL);	/* less than one 4 KiB block */
	test_bio_free(&tb);
	KEXPECT(test_bio_init(&tb, &big->disk, BLK_OP_READ, 1, PAGE_SIZE, 0));
	submit_bio(&tb.bio);
	KEXPECT(tb.ended && tb.bio.status == -EINVAL);	/* not on a block boundary */
	test_bio_free(&tb);
	/* No write cache: a flush has nothing to do and ends at once. */
	KEXPECT_EQ(blkdev_issue_flush(&big->disk), 0);
	KEXPECT_EQ(ro->held_count + big->held_count, 0);
	KEXPECT_EQ(ro->disk.stats.in_flight + big->disk.stats.in_flight, 0);
	fake_disk_free(ro);
	fake_disk_free(big);
}

/* A failed request fails every bio merged into it, and only those. */
KTEST(blk_error_ends_every_bio_of_the_request)
{
	struct fake_disk *fd = fake_disk_new(1, 512, false);
	struct test_bio a, b, c, later;

	if (!KEXPECT(fd != NULL))
		return;
	KEXPECT(test_bio_init(&a, &fd->disk, BLK_OP_READ, 0, PAGE_SIZE, 0));
	KEXPECT(test_bio_init(&b, &fd->disk, BLK_OP_READ, 64, PAGE_SIZE, 0));
	KEXPECT(test_bio_init(&c, &fd->disk, BLK_OP_READ, 72, PAGE_SIZE, 0));
	KEXPECT(test_bio_init(&later, &fd->disk, BLK_OP_READ, 200, PAGE_SIZE, 0));
	submit_bio(&a.bio);		/* at the driver */
	submit_bio(&b.bio);		/* b and c wait, merged */
	submit_bio(&c.bio);
	fd->fail_with = -EIO;		/* the next request the driver takes: b+c */
	KEXPECT(fake_finish_one(fd));
	KEXPECT(a.ended && a.bio.status == 0);
	submit_bio(&later.bio);
	KEXPECT(fake_finish_one(fd));
	KEXPECT(b.ended && b.bio.status == -EIO);
	KEXPECT(c.ended && c.bio.status == -EIO);
	KEXPECT(fake_finish_one(fd));
	KEXPECT(later.ended && later.bio.status == 0);
	KEXPECT_EQ(fd->disk.stats.errors, 1);
	KEXPECT_EQ(fd->disk.stats.ios[BLK_OP_READ], 3);
	test_bio_free(&a);
	test_bio_free(&b);
	test_bio_free(&c);
	test_bio_free(&later);
	fake_disk_free(fd);
}

/* bio_add_page keeps a bio within the disk's limits, and joins contiguous memory. */
KTEST(blk_bio_add_page_respects_limits)
{
	struct fake_disk *fd = fake_disk_new(1, 512, false);
	struct page *block = alloc_pages(GFP_KERNEL, 6), *single = alloc_page(GFP_KERNEL);
	struct bio_vec vecs[32];
	struct bio bio;
	int added = 0;

	if (!KEXPECT(fd && block && single))
		return;
	/* 64 contiguous pages: one segment, cut at max_sectors (256 sectors = 32 pages). */
	fd->disk.max_segment_size = 1 << 20;
	bio_init(&bio, &fd->disk, BLK_OP_READ, 0, vecs, 32);
	while (added < 64 && bio_add_page(&bio, block + added, PAGE_SIZE, 0))
		added++;
	KEXPECT_EQ(added, 32);
	KEXPECT_EQ(bio.nr_vecs, 1);
	KEXPECT_EQ(bio_sectors(&bio), 256);
	/* One page again and again: never contiguous with itself, cut at max_segments (16). */
	fd->disk.max_segment_size = PAGE_SIZE;
	bio_init(&bio, &fd->disk, BLK_OP_READ, 0, vecs, 32);
	for (added = 0; bio_add_page(&bio, single, PAGE_SIZE, 0); added++)
		;
	KEXPECT_EQ(added, 16);
	KEXPECT_EQ(bio.nr_vecs, 16);
	free_pages(block, 6);
	put_page(single);
	fake_disk_free(fd);
}
