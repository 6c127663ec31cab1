/*
 * Self-tests of virtio-blk on a real (QEMU) disk.  They overwrite it: the
 * harness attaches a scratch image and names it on the command line with
 * ktest_disk=NAME (make test does; by hand: see tests/README.md).
 */
#include <blkdev.h>
#include <cmdline.h>
#include <kmalloc.h>
#include <ktest.h>
#include <mutex.h>
#include <sched.h>
#include <spinlock.h>
#include <string.h>

#define IN_FLIGHT_BIOS 128	/* more than the 64 the issue asks to have in flight */
#define STRIDE_SECTORS 16	/* 4 KiB bios 8 KiB apart: none merges with another */

struct find_disk {
	const char *name;
	struct gendisk *found;
};

static void match_name(struct gendisk *disk, void *arg)
{
	struct find_disk *f = arg;

	if (strcmp(disk->name, f->name) == 0)
		f->found = disk;
}

/* The scratch disk from ktest_disk=, or NULL (and a failure saying why). */
static struct gendisk *scratch_disk(struct ktest_ctx *kt)
{
	char name[16];
	struct find_disk f = { name, NULL };

	if (!cmdline_get("ktest_disk", name, sizeof(name))) {
		ktest_fail(kt, __FILE__, __LINE__, "no scratch disk: boot with ktest_disk=NAME");
		return NULL;
	}
	disk_for_each(match_name, &f);
	if (!f.found)
		ktest_fail(kt, __FILE__, __LINE__, "ktest_disk=%s: no such disk", name);
	return f.found;
}

/* Many bios at once, and a completion when the last has ended. */
struct batch {
	struct bio bios[IN_FLIGHT_BIOS];
	struct bio_vec vecs[IN_FLIGHT_BIOS];
	struct page *pages[IN_FLIGHT_BIOS];
	int remaining;			/* atomic */
	int errors;			/* atomic */
	struct completion all_done;
};

static void batch_bio_end(struct bio *bio)
{
	struct batch *b = bio->private;

	if (bio->status)
		__atomic_add_fetch(&b->errors, 1, __ATOMIC_RELAXED);
	if (__atomic_sub_fetch(&b->remaining, 1, __ATOMIC_ACQ_REL) == 0)
		complete(&b->all_done);
}

/* A word that says which page of which pass this is. */
static u64 stamp(int i, int pass)
{
	return 0x7061676f64610000ull + (u64)pass * 1000 + i;
}

/*
 * Submit every bio of the batch with interrupts off, so that no
 * completion can be handled in between: the device then holds as many
 * as its queue takes, and the rest wait in the block layer's queue.
 */
static void batch_run(struct batch *b, struct gendisk *disk, enum blk_op op)
{
	/* Disk interrupts go to CPU 0: be there, or they would end bios meanwhile. */
	u64 cpus = sched_set_cpus_allowed(1ul << 0);

	completion_init(&b->all_done);
	b->remaining = IN_FLIGHT_BIOS;
	b->errors = 0;
	for (int i = 0; i < IN_FLIGHT_BIOS; i++) {
		bio_init(&b->bios[i], disk, op, (u64)i * STRIDE_SECTORS, &b->vecs[i], 1);
		bio_add_page(&b->bios[i], b->pages[i], PAGE_SIZE, 0);
		b->bios[i].end_io = batch_bio_end;
		b->bios[i].private = b;
	}
	push_irq_off();
	for (int i = 0; i < IN_FLIGHT_BIOS; i++)
		submit_bio(&b->bios[i]);
	pop_irq_off();
	wait_for_completion(&b->all_done);
	sched_set_cpus_allowed(cpus);
}

KTEST(virtio_blk_keeps_64_requests_in_flight)
{
	struct gendisk *disk = scratch_disk(kt);
	struct batch *b = kzalloc(sizeof(*b), GFP_KERNEL);
	struct disk_stats before, after;
	int wrong = 0;

	if (!disk || !KEXPECT(b != NULL))
		goto out;
	for (int i = 0; i < IN_FLIGHT_BIOS; i++) {
		b->pages[i] = alloc_page(GFP_KERNEL);
		if (!KEXPECT(b->pages[i] != NULL))
			goto out;
		for (unsigned int w = 0; w < PAGE_SIZE / 8; w++)
			((u64 *)page_address(b->pages[i]))[w] = stamp(i, 1) ^ w;
	}
	spin_lock(&disk->lock);
	disk->stats.max_at_driver = 0;	/* only this test's depth counts */
	spin_unlock(&disk->lock);
	disk_get_stats(disk, &before);
	batch_run(b, disk, BLK_OP_WRITE);
	KEXPECT_EQ(b->errors, 0);
	disk_get_stats(disk, &after);
	KEXPECT(after.max_at_driver >= 64);
	KEXPECT_EQ(after.ios[BLK_OP_WRITE] - before.ios[BLK_OP_WRITE], IN_FLIGHT_BIOS);
	KEXPECT_EQ(after.merges[BLK_OP_WRITE], before.merges[BLK_OP_WRITE]);

	/* Read it all back into cleared pages, the same way. */
	for (int i = 0; i < IN_FLIGHT_BIOS; i++)
		memset(page_address(b->pages[i]), 0, PAGE_SIZE);
	batch_run(b, disk, BLK_OP_READ);
	KEXPECT_EQ(b->errors, 0);
	for (int i = 0; i < IN_FLIGHT_BIOS; i++)
		for (unsigned int w = 0; w < PAGE_SIZE / 8; w++)
			if (((u64 *)page_address(b->pages[i]))[w] != (stamp(i, 1) ^ w))
				wrong++;
	KEXPECT_EQ(wrong, 0);
	disk_get_stats(disk, &after);
	KEXPECT_EQ(after.in_flight, 0);
	KEXPECT_EQ(after.at_driver, 0);
	KEXPECT_EQ(after.errors, before.errors);
out:
	for (int i = 0; b && i < IN_FLIGHT_BIOS; i++)
		if (b->pages[i])
			put_page(b->pages[i]);
	kfree(b);
}

/* 1 MiB of contiguous memory: one request of one segment, out and back. */
KTEST(virtio_blk_one_megabyte_request)
{
	struct gendisk *disk = scratch_disk(kt);
	struct page *out = alloc_pages(GFP_KERNEL, 8), *in = alloc_pages(GFP_KERNEL, 8);
	struct bio_vec vec;
	struct bio bio;

	if (!disk || !KEXPECT(out && in))
		goto done;
	for (int w = 0; w < (1 << 20) / 8; w++)
		((u64 *)page_address(out))[w] = stamp(w, 2);
	memset(page_address(in), 0, 1 << 20);
	bio_init(&bio, disk, BLK_OP_WRITE, 4096, &vec, 1);
	for (int i = 0; i < 256; i++)
		KEXPECT(bio_add_page(&bio, out + i, PAGE_SIZE, 0));
	KEXPECT_EQ(bio.nr_vecs, 1);
	KEXPECT_EQ(submit_bio_wait(&bio), 0);
	KEXPECT_EQ(blkdev_issue_flush(disk), 0);
	bio_init(&bio, disk, BLK_OP_READ, 4096, &vec, 1);
	for (int i = 0; i < 256; i++)
		KEXPECT(bio_add_page(&bio, in + i, PAGE_SIZE, 0));
	KEXPECT_EQ(submit_bio_wait(&bio), 0);
	KEXPECT(memcmp(page_address(in), page_address(out), 1 << 20) == 0);
done:
	if (out)
		free_pages(out, 8);
	if (in)
		free_pages(in, 8);
}
