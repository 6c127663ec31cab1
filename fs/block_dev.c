/*
 * Block device files: /dev/vda and the like.
 *
 * Opening a block device inode finds its disk by device number.  read()
 * and write() then go straight to the disk through the block layer, one
 * synchronous bio at a time, by way of a bounce buffer of kernel pages:
 * the user's bytes are copied in (or out) with faults allowed and no lock
 * held.  Any offset and length work; a write that covers a logical block
 * only partly first reads the rest of that block from the disk.  With
 * O_DIRECT, offset, length and buffer address must be multiples of the
 * logical block size, as Linux asks.
 *
 * Nothing is cached (the disk's data reaches the page cache with the file
 * systems that use it), so every write has reached the device when it
 * returns; fsync still sends a FLUSH, for the device's own write cache.
 *
 * What Linux does, and Pagoda too: reads stop short at the end of the
 * disk; a write that starts there fails with ENOSPC and one that runs
 * over it is cut short; seeking past the end is EINVAL; a read-only disk
 * opens for writing but write() fails with EPERM.
 */
#include <blkdev.h>
#include <errno.h>
#include <fcntl.h>
#include <kmalloc.h>
#include <string.h>
#include <uio.h>
#include <usercopy.h>
#include <vfs_internal.h>

/* Linux's block-device ioctls (<linux/fs.h>). */
#define BLKROGET 0x125e
#define BLKGETSIZE 0x1260
#define BLKFLSBUF 0x1261
#define BLKSSZGET 0x1268
#define BLKBSZGET 0x80081270
#define BLKGETSIZE64 0x80081272
#define BLKIOMIN 0x1278
#define BLKIOOPT 0x1279
#define BLKPBSZGET 0x127b

#define BOUNCE_MAX_ORDER 8	/* bounce buffers of up to 1 MiB */
#define VECS_PER_BIO 16

static struct gendisk *file_disk(struct file *f)
{
	return f->private_data;
}

static u64 disk_bytes(const struct gendisk *disk)
{
	return disk->capacity << SECTOR_SHIFT;
}

static int blkdev_open(struct inode *inode, struct file *f)
{
	struct gendisk *disk = disk_lookup(dev_major(inode->i_rdev), dev_minor(inode->i_rdev));

	if (!disk)
		return -ENXIO;
	f->private_data = disk;
	return 0;
}

/* ---- the bounce buffer ------------------------------------------------ */

struct bounce {
	struct page *pages;	/* 2^order physically contiguous pages */
	unsigned int order;
	u8 *data;		/* their direct-map address */
	size_t size;
};

/* As big as the transfer (up to 1 MiB), or smaller if memory is fragmented. */
static int bounce_alloc(struct bounce *b, size_t want)
{
	unsigned int order = 0;

	while (order < BOUNCE_MAX_ORDER && (PAGE_SIZE << order) < want)
		order++;
	for (;; order--) {
		b->pages = alloc_pages(GFP_KERNEL, order);
		if (b->pages || order == 0)
			break;
	}
	if (!b->pages)
		return -ENOMEM;
	b->order = order;
	b->data = page_address(b->pages);
	b->size = PAGE_SIZE << order;
	return 0;
}

static void bounce_free(struct bounce *b)
{
	free_pages(b->pages, b->order);
}

/*
 * Move `bytes` (whole logical blocks) between the disk at `sector` and the
 * bounce buffer from `offset` on, in as many bios as the disk's limits ask.
 */
static int bounce_io(struct gendisk *disk, enum blk_op op, u64 sector, struct bounce *b,
		     size_t offset, size_t bytes)
{
	while (bytes) {
		struct bio_vec vecs[VECS_PER_BIO];
		struct bio bio;
		int err;

		bio_init(&bio, disk, op, sector, vecs, VECS_PER_BIO);
		while (bytes) {
			struct page *page = b->pages + (offset >> PAGE_SHIFT);
			u32 in_page = offset & (PAGE_SIZE - 1), len = MIN(bytes, PAGE_SIZE - in_page);

			if (!bio_add_page(&bio, page, len, in_page))
				break;
			offset += len;
			bytes -= len;
		}
		sector += bio_sectors(&bio);
		err = submit_bio_wait(&bio);
		if (err)
			return err;
	}
	return 0;
}

/* ---- read and write --------------------------------------------------- */

/* O_DIRECT's rule: every buffer, the offset and the length are block-aligned. */
static bool direct_io_aligned(const struct iov_iter *iter, u64 pos, u32 block)
{
	size_t left = iter->count;

	if ((pos | left) & (block - 1))
		return false;
	for (unsigned long i = 0; i < iter->nr_segs && left; i++) {
		const struct iovec *v = &iter->iov[i];
		u64 base = (u64)v->iov_base + (i == 0 ? iter->iov_offset : 0);
		size_t len = MIN(left, v->iov_len - (i == 0 ? iter->iov_offset : 0));

		if ((base | len) & (block - 1))
			return false;
		left -= len;
	}
	return true;
}

/* The first byte of the logical block that holds byte `pos`, and one past the last's. */
static u64 block_start(const struct gendisk *disk, u64 pos)
{
	return ALIGN_DOWN(pos, (u64)disk->logical_block_size);
}

static u64 block_end(const struct gendisk *disk, u64 pos)
{
	return ALIGN_UP(pos, (u64)disk->logical_block_size);
}

static ssize_t blkdev_read(struct file *f, struct iov_iter *to, u64 *pos)
{
	struct gendisk *disk = file_disk(f);
	size_t done = 0;
	struct bounce b;
	int err = 0;

	if (*pos >= disk_bytes(disk))
		return 0;
	if ((f->f_flags & O_DIRECT) && !direct_io_aligned(to, *pos, disk->logical_block_size))
		return -EINVAL;
	to->count = MIN(to->count, disk_bytes(disk) - *pos);
	if (bounce_alloc(&b, block_end(disk, *pos + to->count) - block_start(disk, *pos)))
		return -ENOMEM;
	while (to->count) {
		u64 start = block_start(disk, *pos), skip = *pos - start;
		size_t want = MIN(to->count, b.size - skip), copied;
		u64 end = block_end(disk, *pos + want);

		err = bounce_io(disk, BLK_OP_READ, start >> SECTOR_SHIFT, &b, 0, end - start);
		if (err)
			break;
		copied = copy_to_iter(b.data + skip, want, to);
		done += copied;
		*pos += copied;
		if (copied < want) {
			err = -EFAULT;
			break;
		}
	}
	bounce_free(&b);
	return done ? (ssize_t)done : err;
}

/*
 * A write covers the logical block that holds `at` only partly: the user
 * gave [from, to) of it.  Read the block into `scratch`, and copy the
 * parts outside [from, to) into place in `b` (which starts at byte `base`
 * of the disk), so the whole block can be written back.
 */
static int fill_partial_block(struct gendisk *disk, struct bounce *b, u64 base, u64 at,
			      u64 from, u64 to, struct bounce *scratch)
{
	u64 blk = block_start(disk, at), blk_end = blk + disk->logical_block_size;
	int err = bounce_io(disk, BLK_OP_READ, blk >> SECTOR_SHIFT, scratch, 0, blk_end - blk);

	if (err)
		return err;
	if (from > blk)
		memcpy(b->data + (blk - base), scratch->data, MIN(from, blk_end) - blk);
	if (to < blk_end) {
		u64 keep = MAX(to, blk);

		memcpy(b->data + (keep - base), scratch->data + (keep - blk), blk_end - keep);
	}
	return 0;
}

/* One bounce-buffer's worth of a write: returns bytes written or -errno. */
static ssize_t write_chunk(struct gendisk *disk, struct iov_iter *from, u64 pos,
			   struct bounce *b, struct bounce *scratch)
{
	u64 start = block_start(disk, pos), skip = pos - start, stop, end;
	size_t copied = copy_from_iter(b->data + skip, MIN(from->count, b->size - skip), from);
	int err = 0;

	if (copied == 0)
		return -EFAULT;
	stop = pos + copied;	/* one past the last byte the user gave */
	end = block_end(disk, stop);
	/* The block the write starts inside of, and the one it ends inside of, if not the same. */
	if (skip)
		err = fill_partial_block(disk, b, start, start, pos, stop, scratch);
	if (!err && stop != end && !(skip && block_start(disk, stop) == start))
		err = fill_partial_block(disk, b, start, stop, pos, stop, scratch);
	if (!err)
		err = bounce_io(disk, BLK_OP_WRITE, start >> SECTOR_SHIFT, b, 0, end - start);
	if (err) {
		iov_iter_revert(from, copied);
		return err;
	}
	return copied;
}

static ssize_t blkdev_write(struct file *f, struct iov_iter *from, u64 *pos)
{
	struct gendisk *disk = file_disk(f);
	struct bounce b, scratch;
	size_t done = 0;
	ssize_t n = 0;

	if (disk->read_only)
		return -EPERM;
	if (*pos >= disk_bytes(disk))
		return -ENOSPC;
	if ((f->f_flags & O_DIRECT) && !direct_io_aligned(from, *pos, disk->logical_block_size))
		return -EINVAL;
	from->count = MIN(from->count, disk_bytes(disk) - *pos);
	if (bounce_alloc(&b, block_end(disk, *pos + from->count) - block_start(disk, *pos)))
		return -ENOMEM;
	if (bounce_alloc(&scratch, disk->logical_block_size)) {
		bounce_free(&b);
		return -ENOMEM;
	}
	while (from->count) {
		n = write_chunk(disk, from, *pos, &b, &scratch);
		if (n < 0)
			break;
		done += n;
		*pos += n;
	}
	bounce_free(&scratch);
	bounce_free(&b);
	return done ? (ssize_t)done : n;
}

/* ---- the rest --------------------------------------------------------- */

static s64 blkdev_llseek(struct file *f, s64 offset, int whence)
{
	struct gendisk *disk = file_disk(f);
	s64 base;

	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = f->f_pos; break;
	case SEEK_END: base = disk_bytes(disk); break;
	default: return -EINVAL;	/* SEEK_DATA and SEEK_HOLE mean nothing on a disk */
	}
	if (offset > 0 ? base + offset > (s64)disk_bytes(disk) : base + offset < 0)
		return -EINVAL;
	f->f_pos = base + offset;
	return f->f_pos;
}

static int put_int(unsigned long arg, u64 v, size_t size)
{
	u32 v32 = v;

	return copy_to_user((void *)arg, size == 8 ? (void *)&v : (void *)&v32, size) ? -EFAULT : 0;
}

static long blkdev_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct gendisk *disk = file_disk(f);

	switch (cmd) {
	case BLKGETSIZE64: return put_int(arg, disk_bytes(disk), 8);
	case BLKGETSIZE: return put_int(arg, disk->capacity, 8);	/* unsigned long sectors */
	case BLKSSZGET: return put_int(arg, disk->logical_block_size, 4);
	case BLKPBSZGET: return put_int(arg, disk->physical_block_size, 4);
	case BLKIOMIN: return put_int(arg, disk->physical_block_size, 4);
	case BLKIOOPT: return put_int(arg, 0, 4);
	case BLKBSZGET: return put_int(arg, PAGE_SIZE, 4);	/* the "soft" block size Linux reports */
	case BLKROGET: return put_int(arg, disk->read_only, 4);
	case BLKFLSBUF: return 0;	/* nothing is cached above the disk */
	default: return -ENOTTY;
	}
}

static int blkdev_fsync(struct file *f)
{
	return blkdev_issue_flush(file_disk(f));
}

const struct file_operations blkdev_fops = {
	.open = blkdev_open,
	.read = blkdev_read,
	.write = blkdev_write,
	.llseek = blkdev_llseek,
	.ioctl = blkdev_ioctl,
	.fsync = blkdev_fsync,
};
