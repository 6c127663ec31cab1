/*
 * The virtio PCI transport, modern (virtio 1.x) interface (spec 4.1).
 *
 * Probing a virtio PCI function: find the vendor capabilities that say
 * where the common, notification, ISR and device configuration structures
 * are, map them, reset the device, and hand it to the device driver for
 * its type.  The driver then calls back into this file for the rest of
 * the handshake (spec 3.1.1):
 *
 *   reset -> ACKNOWLEDGE -> DRIVER -> features -> FEATURES_OK (and check
 *   it stuck) -> queue set-up -> DRIVER_OK
 *
 * and on any failure sets FAILED.  QEMU's virtio devices on the PC
 * machine are "transitional": they offer the legacy I/O-port interface as
 * well, which Pagoda ignores.
 *
 * Interrupts: with MSI-X, vector 0 is for configuration changes and vector
 * 1 + i for queue i, so a queue's interrupt needs no further question.
 * With INTx the line may be shared; reading the ISR register says (and
 * clears) whether this device interrupted, and why.
 */
#include <errno.h>
#include <kmalloc.h>
#include <printk.h>
#include <virtio.h>
#include <x86.h>

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_MODERN_BASE 0x1040	/* 0x1040 + type */
#define VIRTIO_PCI_DEVICE_LEGACY_FIRST 0x1000	/* transitional: type in the subsystem id */
#define VIRTIO_PCI_DEVICE_LEGACY_LAST 0x103f

/* Capability types (virtio_pci_cap.cfg_type). */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4

/* Offsets in a virtio_pci_cap, from the capability's start. */
#define CAP_CFG_TYPE 3
#define CAP_BAR 4
#define CAP_OFFSET 8
#define CAP_LENGTH 12
#define CAP_NOTIFY_MULTIPLIER 16

/* The common configuration structure (spec 4.1.4.3). */
#define COMMON_DEVICE_FEATURE_SELECT 0x00
#define COMMON_DEVICE_FEATURE 0x04
#define COMMON_DRIVER_FEATURE_SELECT 0x08
#define COMMON_DRIVER_FEATURE 0x0c
#define COMMON_MSIX_CONFIG 0x10
#define COMMON_NUM_QUEUES 0x12
#define COMMON_DEVICE_STATUS 0x14
#define COMMON_CONFIG_GENERATION 0x15
#define COMMON_QUEUE_SELECT 0x16
#define COMMON_QUEUE_SIZE 0x18
#define COMMON_QUEUE_MSIX_VECTOR 0x1a
#define COMMON_QUEUE_ENABLE 0x1c
#define COMMON_QUEUE_NOTIFY_OFF 0x1e
#define COMMON_QUEUE_DESC 0x20
#define COMMON_QUEUE_DRIVER 0x28
#define COMMON_QUEUE_DEVICE 0x30

#define VIRTIO_MSI_NO_VECTOR 0xffff
#define ISR_QUEUE 1
#define ISR_CONFIG 2
#define QUEUE_SIZE_MAX 256	/* enough for 64+ requests in flight; one page of descriptors */

static int next_index;	/* for names: virtio0, virtio1, ...; probing is single-threaded */

static u8 common_read8(struct virtio_device *v, u32 off) { return *(volatile u8 *)(v->common + off); }
static u16 common_read16(struct virtio_device *v, u32 off) { return *(volatile u16 *)(v->common + off); }
static u32 common_read32(struct virtio_device *v, u32 off) { return *(volatile u32 *)(v->common + off); }
static void common_write8(struct virtio_device *v, u32 off, u8 x) { *(volatile u8 *)(v->common + off) = x; }
static void common_write16(struct virtio_device *v, u32 off, u16 x) { *(volatile u16 *)(v->common + off) = x; }
static void common_write32(struct virtio_device *v, u32 off, u32 x) { *(volatile u32 *)(v->common + off) = x; }

/* 64-bit registers are written as two 32-bit halves, low first (spec 4.1.3.1). */
static void common_write64(struct virtio_device *v, u32 off, u64 x)
{
	common_write32(v, off, (u32)x);
	common_write32(v, off + 4, (u32)(x >> 32));
}

static void set_status(struct virtio_device *v, u8 bits)
{
	common_write8(v, COMMON_DEVICE_STATUS, common_read8(v, COMMON_DEVICE_STATUS) | bits);
}

void virtio_device_failed(struct virtio_device *vdev)
{
	set_status(vdev, VIRTIO_STATUS_FAILED);
}

void virtio_device_ready(struct virtio_device *vdev)
{
	set_status(vdev, VIRTIO_STATUS_DRIVER_OK);
}

int virtio_negotiate(struct virtio_device *vdev, u64 wanted)
{
	u64 offered;

	common_write32(vdev, COMMON_DEVICE_FEATURE_SELECT, 0);
	offered = common_read32(vdev, COMMON_DEVICE_FEATURE);
	common_write32(vdev, COMMON_DEVICE_FEATURE_SELECT, 1);
	offered |= (u64)common_read32(vdev, COMMON_DEVICE_FEATURE) << 32;
	if (!(offered & (1ull << VIRTIO_F_VERSION_1)))
		return -ENODEV;	/* a legacy-only device */
	vdev->features = offered & (wanted | (1ull << VIRTIO_F_VERSION_1));
	common_write32(vdev, COMMON_DRIVER_FEATURE_SELECT, 0);
	common_write32(vdev, COMMON_DRIVER_FEATURE, (u32)vdev->features);
	common_write32(vdev, COMMON_DRIVER_FEATURE_SELECT, 1);
	common_write32(vdev, COMMON_DRIVER_FEATURE, (u32)(vdev->features >> 32));
	set_status(vdev, VIRTIO_STATUS_FEATURES_OK);
	/* The device clears FEATURES_OK again if it cannot live with our choice. */
	if (!(common_read8(vdev, COMMON_DEVICE_STATUS) & VIRTIO_STATUS_FEATURES_OK))
		return -ENODEV;
	return 0;
}

/*
 * The device may change its configuration while we read it; the
 * generation counter tells, and we read again (spec 4.1.4.3.1).  Fields
 * are read at their own width; a 64-bit one as two 32-bit reads.
 */
u64 virtio_config_read(struct virtio_device *vdev, u32 offset, unsigned int len)
{
	volatile u8 *p = vdev->device_cfg + offset;
	u8 gen;
	u64 v;

	do {
		gen = common_read8(vdev, COMMON_CONFIG_GENERATION);
		switch (len) {
		case 1: v = *p; break;
		case 2: v = *(volatile u16 *)p; break;
		case 4: v = *(volatile u32 *)p; break;
		default: v = *(volatile u32 *)p | (u64)*(volatile u32 *)(p + 4) << 32; break;
		}
	} while (gen != common_read8(vdev, COMMON_CONFIG_GENERATION));
	return v;
}

/* ---- interrupts ------------------------------------------------------ */

static void queue_interrupt(void *data)
{
	struct virtqueue *vq = data;

	vq->done(vq);
}

static void config_interrupt(void *data)
{
	struct virtio_device *vdev = data;

	pr_info("%s: configuration changed (not acted on)", vdev->name);
}

/* INTx: the ISR register says whether it was us; reading it lowers the line. */
static void intx_interrupt(void *data)
{
	struct virtio_device *vdev = data;
	u8 isr = *vdev->isr;

	if (isr & ISR_QUEUE)
		for (int i = 0; i < vdev->nr_queues; i++)
			vdev->queues[i]->done(vdev->queues[i]);
	if (isr & ISR_CONFIG)
		config_interrupt(vdev);
}

/* MSI-X vectors for the configuration and each queue; false to fall back to INTx. */
static bool setup_msix(struct virtio_device *vdev, int n)
{
	int vectors[VIRTIO_MAX_QUEUES + 1];

	if (pci_msix_enable(vdev->pci, n + 1, vectors))
		return false;
	if (irq_add_handler(vectors[0], config_interrupt, vdev))
		return false;
	for (int i = 0; i < n; i++)
		if (irq_add_handler(vectors[1 + i], queue_interrupt, vdev->queues[i]))
			return false;
	common_write16(vdev, COMMON_MSIX_CONFIG, 0);
	return common_read16(vdev, COMMON_MSIX_CONFIG) == 0;
}

/* ---- queues ---------------------------------------------------------- */

static int setup_queue(struct virtio_device *vdev, u16 index, void (*done)(struct virtqueue *vq))
{
	struct virtqueue *vq;
	u16 size, notify_off;

	common_write16(vdev, COMMON_QUEUE_SELECT, index);
	size = common_read16(vdev, COMMON_QUEUE_SIZE);
	if (size == 0 || (size & (size - 1)))
		return -ENODEV;	/* no such queue, or not a size a split ring can have */
	if (size > QUEUE_SIZE_MAX)
		size = QUEUE_SIZE_MAX;
	vq = virtqueue_create(vdev, index, size);
	if (!vq)
		return -ENOMEM;
	vq->done = done;
	notify_off = common_read16(vdev, COMMON_QUEUE_NOTIFY_OFF);
	vq->doorbell = (volatile u16 *)(vdev->notify_base + notify_off * vdev->notify_off_multiplier);
	common_write16(vdev, COMMON_QUEUE_SIZE, size);
	common_write64(vdev, COMMON_QUEUE_DESC, virtqueue_desc_addr(vq));
	common_write64(vdev, COMMON_QUEUE_DRIVER, virtqueue_avail_addr(vq));
	common_write64(vdev, COMMON_QUEUE_DEVICE, virtqueue_used_addr(vq));
	vdev->queues[index] = vq;
	return 0;
}

/* Point queue i at its MSI-X vector (1 + i), or at none for INTx, and enable it. */
static int enable_queue(struct virtio_device *vdev, u16 index)
{
	u16 vector = vdev->msix ? 1 + index : VIRTIO_MSI_NO_VECTOR;

	common_write16(vdev, COMMON_QUEUE_SELECT, index);
	common_write16(vdev, COMMON_QUEUE_MSIX_VECTOR, vector);
	if (common_read16(vdev, COMMON_QUEUE_MSIX_VECTOR) != vector)
		return -EIO;	/* the device could not take the vector */
	common_write16(vdev, COMMON_QUEUE_ENABLE, 1);
	return 0;
}

int virtio_find_queues(struct virtio_device *vdev, int n, void (*done)(struct virtqueue *vq))
{
	int err;

	if (n > VIRTIO_MAX_QUEUES || n > common_read16(vdev, COMMON_NUM_QUEUES))
		return -ENODEV;
	for (int i = 0; i < n; i++) {
		err = setup_queue(vdev, i, done);
		if (err)
			return err;
	}
	vdev->nr_queues = n;
	vdev->msix = setup_msix(vdev, n);
	if (!vdev->msix) {
		err = pci_intx_enable(vdev->pci, intx_interrupt, vdev);
		if (err)
			return err;
	}
	for (int i = 0; i < n; i++) {
		err = enable_queue(vdev, i);
		if (err)
			return err;
	}
	return 0;
}

/* ---- probing --------------------------------------------------------- */

/* Map the structure a capability describes; NULL if its BAR is not usable memory. */
static volatile u8 *map_cap(struct pci_dev *pci, u16 cap)
{
	u8 bar = pci_read8(pci, cap + CAP_BAR);
	u32 offset = pci_read32(pci, cap + CAP_OFFSET), length = pci_read32(pci, cap + CAP_LENGTH);
	u8 *base;

	if (bar >= PCI_NUM_BARS || (u64)offset + length > pci->bars[bar].size)
		return NULL;
	base = pci_map_bar(pci, bar);
	return base ? base + offset : NULL;
}

/* Find the modern interface's four structures. */
static int find_structures(struct virtio_device *vdev)
{
	struct pci_dev *pci = vdev->pci;

	for (u16 cap = pci_find_capability(pci, PCI_CAP_ID_VENDOR, 0); cap;
	     cap = pci_find_capability(pci, PCI_CAP_ID_VENDOR, cap)) {
		switch (pci_read8(pci, cap + CAP_CFG_TYPE)) {
		case VIRTIO_PCI_CAP_COMMON_CFG:
			if (!vdev->common)
				vdev->common = map_cap(pci, cap);
			break;
		case VIRTIO_PCI_CAP_NOTIFY_CFG:
			if (!vdev->notify_base) {
				vdev->notify_base = map_cap(pci, cap);
				vdev->notify_off_multiplier = pci_read32(pci, cap + CAP_NOTIFY_MULTIPLIER);
			}
			break;
		case VIRTIO_PCI_CAP_ISR_CFG:
			if (!vdev->isr)
				vdev->isr = map_cap(pci, cap);
			break;
		case VIRTIO_PCI_CAP_DEVICE_CFG:
			if (!vdev->device_cfg)
				vdev->device_cfg = map_cap(pci, cap);
			break;
		}
	}
	return vdev->common && vdev->notify_base && vdev->isr && vdev->device_cfg ? 0 : -ENODEV;
}

static u16 device_type(const struct pci_dev *pci)
{
	if (pci->device >= VIRTIO_PCI_DEVICE_MODERN_BASE)
		return pci->device - VIRTIO_PCI_DEVICE_MODERN_BASE;
	return pci->subsystem;	/* transitional devices */
}

static int virtio_pci_probe(struct pci_dev *pci)
{
	struct virtio_device *vdev = kzalloc(sizeof(*vdev), GFP_KERNEL);
	const struct virtio_driver *drv = NULL;
	int err;

	if (!vdev)
		return -ENOMEM;
	vdev->pci = pci;
	vdev->type = device_type(pci);
	snprintf(vdev->name, sizeof(vdev->name), "virtio%d", next_index++);
	for (int i = 0; virtio_drivers[i]; i++)
		if (virtio_drivers[i]->device_type == vdev->type)
			drv = virtio_drivers[i];
	if (!drv) {
		pr_info("pci %s: virtio device type %u, no driver", pci->name, vdev->type);
		kfree(vdev);
		return 0;	/* not an error: nobody asked for it */
	}
	pci_enable_device(pci);
	err = find_structures(vdev);
	if (err) {
		pr_warn("pci %s: %s: no modern virtio interface", pci->name, vdev->name);
		kfree(vdev);
		return err;
	}
	/* Reset, and wait for the reset to finish (status reads 0 again). */
	common_write8(vdev, COMMON_DEVICE_STATUS, 0);
	for (int i = 0; i < 1000000 && common_read8(vdev, COMMON_DEVICE_STATUS); i++)
		cpu_relax();
	set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(vdev, VIRTIO_STATUS_DRIVER);
	err = drv->probe(vdev);
	if (err) {
		virtio_device_failed(vdev);
		pr_warn("pci %s: %s: %s failed to start (%d); device marked FAILED",
			pci->name, vdev->name, drv->name, err);
		return err;	/* vdev stays: the device may still point at its queues */
	}
	return 0;
}

static const struct pci_device_id virtio_pci_ids[] = {
	{ VIRTIO_PCI_VENDOR, 0x1001 },	/* transitional block device */
	{ VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_MODERN_BASE + VIRTIO_ID_BLOCK },
	{ 0, 0 },
};

const struct pci_driver virtio_pci_driver = {
	.name = "virtio-pci",
	.ids = virtio_pci_ids,
	.probe = virtio_pci_probe,
};
