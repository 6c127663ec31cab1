/*
 * virtio-blk: a virtio disk (spec 5.2), as a block-layer driver.
 *
 * Each request is one descriptor chain on the device's single queue:
 *
 *   header (device reads)   type (IN, OUT, FLUSH), reserved, sector
 *   data   (either way)     the request's segments, physically contiguous
 *                           neighbours joined into one descriptor
 *   status (device writes)  one byte: OK, IOERR or UNSUPP
 *
 * The header and status live in a command slot of the driver's own (one
 * per descriptor, so slots never run out before descriptors do); the data
 * is DMA'd straight to and from the bios' pages.
 *
 * Lock: vb->lock protects the virtqueue, the free command slots and the
 * descriptor scratch array.  queue_rq runs under disk->lock, so the order
 * is disk->lock -> vb->lock; completion releases vb->lock before handing
 * requests back to the block layer.
 */
#include <blkdev.h>
#include <errno.h>
#include <kmalloc.h>
#include <printk.h>
#include <virtio.h>

/* Feature bits (spec 5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_GEOMETRY 4
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_TOPOLOGY 10

/* The device configuration (spec 5.2.4). */
#define CONFIG_CAPACITY 0	/* u64, in 512-byte sectors */
#define CONFIG_SIZE_MAX 8	/* u32: bytes in one segment */
#define CONFIG_SEG_MAX 12	/* u32: segments in one request */
#define CONFIG_BLK_SIZE 20	/* u32: logical block size */
#define CONFIG_PHYSICAL_BLOCK_EXP 24	/* u8: physical block = logical << exp */

/* Request types and status values (spec 5.2.6). */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTBLK_MAX_SEGS 256		/* data descriptors per request */
#define VIRTBLK_MAX_SECTORS 2048	/* 1 MiB per request */

struct virtblk_header {
	u32 type;
	u32 reserved;
	u64 sector;
};

struct virtblk_cmd {
	struct virtblk_header hdr;	/* the device reads it */
	u8 status;			/* the device writes it, last */
	struct request *rq;
	struct virtblk_cmd *next_free;
};

struct virtio_blk {
	struct virtio_device *vdev;
	struct virtqueue *vq;
	struct gendisk disk;
	struct spinlock lock;
	struct virtblk_cmd *cmds;	/* one per descriptor */
	struct virtblk_cmd *free_cmds;	/* lock */
	struct vq_buf bufs[VIRTBLK_MAX_SEGS + 2];	/* lock: a chain being built */
};

static int disks_found;	/* for names: vda, vdb, ...; probing is single-threaded */

static const u32 op_types[BLK_NR_OPS] = {
	[BLK_OP_READ] = VIRTIO_BLK_T_IN,
	[BLK_OP_WRITE] = VIRTIO_BLK_T_OUT,
	[BLK_OP_FLUSH] = VIRTIO_BLK_T_FLUSH,
};

/* The chain for rq in vb->bufs: header, data, status.  Returns its length. */
static unsigned int build_chain(struct virtio_blk *vb, struct virtblk_cmd *cmd, struct request *rq)
{
	unsigned int n = 0;

	vb->bufs[n++] = (struct vq_buf){ virt_to_phys(&cmd->hdr), sizeof(cmd->hdr), false };
	for (struct bio *bio = rq->bio; bio; bio = bio->next) {
		for (unsigned int i = 0; i < bio->nr_vecs; i++) {
			const struct bio_vec *v = &bio->vecs[i];
			phys_addr_t addr = page_to_phys(v->page) + v->offset;
			struct vq_buf *prev = &vb->bufs[n - 1];

			if (n > 1 && prev->addr + prev->len == addr &&
			    prev->len + v->len <= vb->disk.max_segment_size)
				prev->len += v->len;	/* the next page in memory too */
			else
				vb->bufs[n++] = (struct vq_buf){ addr, v->len, rq->op == BLK_OP_READ };
		}
	}
	vb->bufs[n++] = (struct vq_buf){ virt_to_phys(&cmd->status), 1, true };
	return n;
}

static int virtblk_queue_rq(struct gendisk *disk, struct request *rq)
{
	struct virtio_blk *vb = disk->driver_data;
	struct virtblk_cmd *cmd;
	int err = -EBUSY;

	spin_lock(&vb->lock);
	cmd = vb->free_cmds;
	if (cmd) {
		cmd->hdr.type = op_types[rq->op];
		cmd->hdr.reserved = 0;
		cmd->hdr.sector = rq->op == BLK_OP_FLUSH ? 0 : rq->sector;
		cmd->status = 0xff;
		cmd->rq = rq;
		if (virtqueue_add(vb->vq, vb->bufs, build_chain(vb, cmd, rq), cmd) == 0) {
			vb->free_cmds = cmd->next_free;
			virtqueue_kick(vb->vq);
			err = 0;
		}
	}
	spin_unlock(&vb->lock);
	return err;	/* -EBUSY: no descriptors now; the block layer retries after a completion */
}

static int status_to_errno(u8 status)
{
	/* IOERR, UNSUPP, or a status the device never wrote: the request failed. */
	return status == VIRTIO_BLK_S_OK ? 0 : -EIO;
}

/* The queue's interrupt: collect finished commands, then end their requests unlocked. */
static void virtblk_done(struct virtqueue *vq)
{
	struct virtio_blk *vb = vq->vdev->priv;
	struct list_head finished = LIST_HEAD_INIT(finished);
	struct virtblk_cmd *cmd;

	spin_lock(&vb->lock);
	while ((cmd = virtqueue_get_used(vq, NULL))) {
		cmd->rq->error = status_to_errno(cmd->status);
		list_add_tail(&cmd->rq->queuelist, &finished);
		cmd->next_free = vb->free_cmds;
		vb->free_cmds = cmd;
	}
	spin_unlock(&vb->lock);
	while (!list_empty(&finished)) {
		struct request *rq = list_first_entry(&finished, struct request, queuelist);

		list_del(&rq->queuelist);
		blk_end_request(rq, rq->error);
	}
}

static const struct blk_driver_ops virtblk_ops = {
	.queue_rq = virtblk_queue_rq,
};

/* Geometry and limits from the device configuration; -ENODEV if they make no sense. */
static int read_config(struct virtio_blk *vb)
{
	struct virtio_device *vdev = vb->vdev;
	struct gendisk *disk = &vb->disk;
	u32 seg_max = 1, size_max = 0xffffffffu;

	disk->capacity = virtio_config_read(vdev, CONFIG_CAPACITY, 8);
	disk->logical_block_size = SECTOR_SIZE;
	if (virtio_has_feature(vdev, VIRTIO_BLK_F_BLK_SIZE))
		disk->logical_block_size = virtio_config_read(vdev, CONFIG_BLK_SIZE, 4);
	if (disk->logical_block_size < SECTOR_SIZE || disk->logical_block_size > PAGE_SIZE ||
	    (disk->logical_block_size & (disk->logical_block_size - 1)))
		return -ENODEV;
	disk->physical_block_size = disk->logical_block_size;
	if (virtio_has_feature(vdev, VIRTIO_BLK_F_TOPOLOGY)) {
		u8 exp = virtio_config_read(vdev, CONFIG_PHYSICAL_BLOCK_EXP, 1);

		if (exp < 8)
			disk->physical_block_size = disk->logical_block_size << exp;
	}
	if (virtio_has_feature(vdev, VIRTIO_BLK_F_SEG_MAX))
		seg_max = virtio_config_read(vdev, CONFIG_SEG_MAX, 4);
	if (virtio_has_feature(vdev, VIRTIO_BLK_F_SIZE_MAX))
		size_max = virtio_config_read(vdev, CONFIG_SIZE_MAX, 4);
	if (seg_max == 0 || size_max < PAGE_SIZE)
		return -ENODEV;	/* Pagoda's bios carry whole pages */
	disk->max_segments = MIN(MIN(seg_max, VIRTBLK_MAX_SEGS), vb->vq->size - 2u);
	disk->max_segment_size = size_max;
	disk->max_sectors = VIRTBLK_MAX_SECTORS;
	disk->read_only = virtio_has_feature(vdev, VIRTIO_BLK_F_RO);
	disk->write_cache = virtio_has_feature(vdev, VIRTIO_BLK_F_FLUSH);
	return 0;
}

static int virtblk_probe(struct virtio_device *vdev)
{
	const u64 wanted = 1ull << VIRTIO_BLK_F_SIZE_MAX | 1ull << VIRTIO_BLK_F_SEG_MAX |
			   1ull << VIRTIO_BLK_F_GEOMETRY | 1ull << VIRTIO_BLK_F_RO |
			   1ull << VIRTIO_BLK_F_BLK_SIZE | 1ull << VIRTIO_BLK_F_FLUSH |
			   1ull << VIRTIO_BLK_F_TOPOLOGY;
	struct virtio_blk *vb;
	struct gendisk *disk;
	int err;

	if (disks_found >= 26)
		return -ENOSPC;	/* vda .. vdz */
	err = virtio_negotiate(vdev, wanted);
	if (err)
		return err;
	vb = kzalloc(sizeof(*vb), GFP_KERNEL);
	if (!vb)
		return -ENOMEM;
	vb->vdev = vdev;
	spin_init(&vb->lock, "virtio_blk");
	vdev->priv = vb;
	err = virtio_find_queues(vdev, 1, virtblk_done);
	if (err)
		return err;
	vb->vq = vdev->queues[0];
	err = read_config(vb);
	if (err)
		return err;
	vb->cmds = kzalloc(sizeof(*vb->cmds) * vb->vq->size, GFP_KERNEL);
	if (!vb->cmds)
		return -ENOMEM;
	for (u16 i = 0; i < vb->vq->size; i++) {
		vb->cmds[i].next_free = vb->free_cmds;
		vb->free_cmds = &vb->cmds[i];
	}

	disk = &vb->disk;
	snprintf(disk->name, sizeof(disk->name), "vd%c", 'a' + disks_found);
	disk->major = VIRTBLK_MAJOR;
	disk->first_minor = disks_found * VIRTBLK_MINORS;
	disk->ops = &virtblk_ops;
	disk->driver_data = vb;
	disks_found++;
	virtio_device_ready(vdev);	/* before the first request can reach it */
	add_disk(disk);
	pr_info("%s: virtio disk on pci %s, %lu sectors (%lu MiB), %u-byte blocks, %s%s%s",
		disk->name, vdev->pci->name, disk->capacity, disk->capacity >> 11,
		disk->logical_block_size, vdev->msix ? "MSI-X" : "INTx",
		disk->read_only ? ", read-only" : "", disk->write_cache ? ", write cache" : "");
	pr_info("%s: queue of %u descriptors, requests of up to %u segments of %u bytes", disk->name,
		vb->vq->size, disk->max_segments, disk->max_segment_size);
	return 0;
}

const struct virtio_driver virtio_blk_driver = {
	.name = "virtio-blk",
	.device_type = VIRTIO_ID_BLOCK,
	.probe = virtblk_probe,
};
