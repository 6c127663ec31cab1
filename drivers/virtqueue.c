/*
 * Split virtqueues (virtio spec 2.7): the rings a driver and a virtio
 * device share.
 *
 *   descriptor table  size entries: address, length, flags, next.  A
 *                     request is a chain of them linked by `next`.
 *   available ring    written by the driver: heads of chains to process,
 *                     and idx, the count of entries it has added.
 *   used ring         written by the device: heads of chains it is done
 *                     with (and how many bytes it wrote), and its own idx.
 *
 * Free descriptors form a list through their `next` fields, so a chain is
 * taken from the front of the list in the order the list already links
 * them, and given back whole.
 *
 * Ordering: the device (QEMU, on another host thread) must see a chain's
 * descriptors before the available-ring entry naming it, and that entry
 * before the new idx.  x86 keeps stores in order, so a compiler barrier
 * is enough there; only "store idx, then read the device's flags" needs a
 * full fence, a store followed by a load.
 */
#include <errno.h>
#include <kmalloc.h>
#include <page.h>
#include <virtio.h>

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_USED_F_NO_NOTIFY 1

struct vring_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct vring_avail {
	u16 flags;
	u16 idx;
	u16 ring[];
};

struct vring_used_elem {
	u32 id;		/* head of the chain */
	u32 len;	/* bytes the device wrote into it */
};

struct vring_used {
	u16 flags;
	u16 idx;
	struct vring_used_elem ring[];
};

/* Zeroed, physically contiguous memory for one part of the ring. */
static void *ring_part_alloc(size_t bytes)
{
	unsigned int order = 0;
	struct page *p;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	p = alloc_pages(GFP_KERNEL | GFP_ZERO, order);
	return p ? page_address(p) : NULL;
}

static void ring_part_free(void *part, size_t bytes)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	if (part)
		free_pages(virt_to_page(part), order);
}

static size_t desc_bytes(u16 size) { return 16ul * size; }
static size_t avail_bytes(u16 size) { return 6 + 2ul * size; }
static size_t used_bytes(u16 size) { return 6 + 8ul * size; }

struct virtqueue *virtqueue_create(struct virtio_device *vdev, u16 index, u16 size)
{
	struct virtqueue *vq = kzalloc(sizeof(*vq), GFP_KERNEL);

	if (!vq)
		return NULL;
	vq->vdev = vdev;
	vq->index = index;
	vq->size = size;
	vq->desc = ring_part_alloc(desc_bytes(size));
	vq->avail = ring_part_alloc(avail_bytes(size));
	vq->used = ring_part_alloc(used_bytes(size));
	vq->tokens = kzalloc(sizeof(void *) * size, GFP_KERNEL);
	if (!vq->desc || !vq->avail || !vq->used || !vq->tokens) {
		ring_part_free(vq->desc, desc_bytes(size));
		ring_part_free(vq->avail, avail_bytes(size));
		ring_part_free(vq->used, used_bytes(size));
		kfree(vq->tokens);
		kfree(vq);
		return NULL;
	}
	for (u16 i = 0; i + 1 < size; i++)
		vq->desc[i].next = i + 1;
	vq->free_head = 0;
	vq->num_free = size;
	return vq;
}

phys_addr_t virtqueue_desc_addr(const struct virtqueue *vq) { return virt_to_phys(vq->desc); }
phys_addr_t virtqueue_avail_addr(const struct virtqueue *vq) { return virt_to_phys(vq->avail); }
phys_addr_t virtqueue_used_addr(const struct virtqueue *vq) { return virt_to_phys(vq->used); }

int virtqueue_add(struct virtqueue *vq, const struct vq_buf *bufs, unsigned int n, void *token)
{
	u16 head = vq->free_head, i = head, last = head;

	if (n == 0 || n > vq->num_free)
		return -ENOSPC;
	for (unsigned int k = 0; k < n; k++) {
		struct vring_desc *d = &vq->desc[i];

		d->addr = bufs[k].addr;
		d->len = bufs[k].len;
		d->flags = (bufs[k].device_writes ? VRING_DESC_F_WRITE : 0) |
			   (k + 1 < n ? VRING_DESC_F_NEXT : 0);
		last = i;
		i = d->next;	/* the free list already links them in this order */
	}
	vq->free_head = vq->desc[last].next;
	vq->num_free -= n;
	vq->tokens[head] = token;

	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	barrier();	/* the entry before the index that publishes it */
	vq->avail_idx++;
	WRITE_ONCE(vq->avail->idx, vq->avail_idx);
	return 0;
}

void virtqueue_kick(struct virtqueue *vq)
{
	/* Our idx store must be visible before we read the device's flags. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!(READ_ONCE(vq->used->flags) & VRING_USED_F_NO_NOTIFY))
		*vq->doorbell = vq->index;
}

/* Give a finished chain's descriptors back to the free list. */
static void free_chain(struct virtqueue *vq, u16 head)
{
	u16 i = head, n = 1;

	while (vq->desc[i].flags & VRING_DESC_F_NEXT) {
		i = vq->desc[i].next;
		n++;
	}
	vq->desc[i].next = vq->free_head;
	vq->free_head = head;
	vq->num_free += n;
}

void *virtqueue_get_used(struct virtqueue *vq, u32 *len)
{
	struct vring_used_elem *e;
	void *token;
	u16 head;

	if (vq->last_used_idx == READ_ONCE(vq->used->idx))
		return NULL;
	barrier();	/* read the entry only after the index that published it */
	e = &vq->used->ring[vq->last_used_idx & (vq->size - 1)];
	head = (u16)READ_ONCE(e->id);
	if (len)
		*len = READ_ONCE(e->len);
	vq->last_used_idx++;
	if (head >= vq->size || !vq->tokens[head])
		return NULL;	/* a device bug; nothing we can give back */
	token = vq->tokens[head];
	vq->tokens[head] = NULL;
	free_chain(vq, head);
	return token;
}
