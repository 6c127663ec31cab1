/*
 * virtio 1.x: paravirtual devices, and the transport that reaches them.
 *
 * A virtio device is found on PCI (vendor 0x1af4).  Its registers are in
 * memory BARs that vendor-specific PCI capabilities point at: the common
 * configuration (feature bits, status, queue set-up), the notification
 * area (the doorbells), the ISR status (INTx), and the device's own
 * configuration (for a disk: its capacity, block size, ...).  The
 * transport (drivers/virtio_pci.c) does the start-up handshake with the
 * device, negotiates features and sets up its queues; a device driver
 * (virtio_blk.c, and any later one) only says which features it wants and
 * what to do with the buffers the device hands back.
 *
 * Data moves through virtqueues (drivers/virtqueue.c): the driver posts
 * chains of buffers (physical addresses), each readable or writable by the
 * device, and rings the doorbell; the device returns each chain when it is
 * done and interrupts.
 */
#ifndef PAGODA_VIRTIO_H
#define PAGODA_VIRTIO_H

#include <pci.h>
#include <spinlock.h>
#include <types.h>

/* Device types (virtio spec 5). */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2

/* Device status bits (virtio spec 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

/* Feature bits of every device (virtio spec 6). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

#define VIRTIO_MAX_QUEUES 4

struct virtqueue;
struct virtio_device;

/* A device driver (virtio_blk.c): the type it drives and how to start one. */
struct virtio_driver {
	const char *name;
	u16 device_type;
	/* Set the device up: negotiate, find queues, DRIVER_OK.  0 or -errno. */
	int (*probe)(struct virtio_device *vdev);
};

struct virtio_device {
	struct pci_dev *pci;		/* fixed */
	u16 type;			/* fixed: VIRTIO_ID_* */
	char name[16];			/* fixed: "virtio0" */
	volatile u8 *common;		/* fixed: common configuration registers */
	volatile u8 *isr;		/* fixed: ISR status (read clears it) */
	volatile u8 *device_cfg;	/* fixed: the device's own configuration */
	volatile u8 *notify_base;	/* fixed: doorbells */
	u32 notify_off_multiplier;	/* fixed */
	u64 features;			/* fixed after negotiation */
	bool msix;			/* fixed: MSI-X (a vector per queue), else INTx */
	int nr_queues;			/* fixed after virtio_find_queues */
	struct virtqueue *queues[VIRTIO_MAX_QUEUES];
	void *priv;			/* the device driver's */
};

/* The device drivers virtio_pci.c offers devices to (drivers/pci_drivers.c). */
extern const struct virtio_driver *const virtio_drivers[];

static inline bool virtio_has_feature(const struct virtio_device *vdev, unsigned int bit)
{
	return vdev->features & (1ull << bit);
}

/*
 * Feature negotiation: accept those of `wanted` the device offers (plus
 * VERSION_1, which Pagoda requires) and tell the device.  0, or -ENODEV
 * if the device is not a modern one or refuses the set.
 */
int virtio_negotiate(struct virtio_device *vdev, u64 wanted);
/* Read the device configuration (len 1, 2, 4 or 8) consistently. */
u64 virtio_config_read(struct virtio_device *vdev, u32 offset, unsigned int len);
/*
 * Set up queues 0..n-1, each calling done(vq) from its interrupt when the
 * device has returned buffers.  Tries MSI-X first, then INTx.  0 or -errno.
 */
int virtio_find_queues(struct virtio_device *vdev, int n, void (*done)(struct virtqueue *vq));
/* The device may start (DRIVER_OK). */
void virtio_device_ready(struct virtio_device *vdev);
/* Give up on the device (FAILED). */
void virtio_device_failed(struct virtio_device *vdev);

/* ---- virtqueues (drivers/virtqueue.c) ----------------------------------
 *
 * Not locked: the driver serialises calls on one queue with its own lock
 * (the interrupt handler included).
 */

/* One buffer of a chain. */
struct vq_buf {
	phys_addr_t addr;
	u32 len;
	bool device_writes;	/* the device fills it (a read's data, a status byte) */
};

struct virtqueue {
	struct virtio_device *vdev;	/* fixed */
	u16 index;			/* fixed */
	u16 size;			/* fixed: descriptors (a power of two) */
	void (*done)(struct virtqueue *vq);	/* fixed */
	void *priv;			/* the device driver's */
	volatile u16 *doorbell;		/* fixed */

	/* The three parts of the split ring, each in memory of its own. */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;

	u16 free_head;			/* first free descriptor (chained through next) */
	u16 num_free;
	u16 avail_idx;			/* our copy of avail->idx */
	u16 last_used_idx;		/* used entries we have consumed */
	void **tokens;			/* per head descriptor: what the driver posted */
};

/* A queue of `size` descriptors (a power of two); NULL if out of memory. */
struct virtqueue *virtqueue_create(struct virtio_device *vdev, u16 index, u16 size);
/* Post a chain of n buffers; token comes back with it.  -ENOSPC if it does not fit now. */
int virtqueue_add(struct virtqueue *vq, const struct vq_buf *bufs, unsigned int n, void *token);
/* Ring the doorbell, unless the device said it does not need it. */
void virtqueue_kick(struct virtqueue *vq);
/* The next chain the device is done with (*len: bytes it wrote), or NULL. */
void *virtqueue_get_used(struct virtqueue *vq, u32 *len);
/* Physical addresses of the three parts, for the transport's queue set-up. */
phys_addr_t virtqueue_desc_addr(const struct virtqueue *vq);
phys_addr_t virtqueue_avail_addr(const struct virtqueue *vq);
phys_addr_t virtqueue_used_addr(const struct virtqueue *vq);

#endif
