/*
 * PCI: finding the devices on the bus and giving each to its driver.
 *
 * Every PCI function has 256 bytes of configuration space: who it is
 * (vendor, device, class), where its registers are (the six base address
 * registers, BARs), how it interrupts, and a linked list of capabilities
 * (MSI-X, vendor-specific ones such as virtio's).  Pagoda reaches it with
 * configuration mechanism #1, the two I/O ports 0xcf8 (address) and 0xcfc
 * (data) that every PC chipset, and QEMU's, provides.
 *
 * At boot pci_init() walks bus 0 and every bus behind a PCI-to-PCI bridge,
 * records each function it finds, and offers it to the drivers in
 * drivers/pci_drivers.c; the first whose table matches gets to probe it.
 */
#ifndef PAGODA_PCI_H
#define PAGODA_PCI_H

#include <irq.h>
#include <list.h>
#include <types.h>

/* Configuration-space registers (the type 0 header). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_SUBCLASS 0x0a
#define PCI_CLASS 0x0b
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SECONDARY_BUS 0x19	/* bridges (type 1 header) */
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

#define PCI_COMMAND_IO (1u << 0)
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)	/* the device may do DMA */
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define PCI_STATUS_CAP_LIST (1u << 4)

#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_VENDOR 0x09

#define PCI_NUM_BARS 6

struct pci_bar {
	phys_addr_t base;	/* 0: not implemented */
	u64 size;
	bool is_io;		/* I/O ports rather than memory */
	void *mapped;		/* pci_map_bar's mapping, once made */
};

struct pci_dev {
	u8 bus, slot, func;
	u16 vendor, device;
	u16 subsystem_vendor, subsystem;
	u8 class, subclass, prog_if, revision;
	u8 irq_line;		/* the INTx IRQ the firmware assigned (0xff: none) */
	u8 irq_pin;		/* 1-4 for INTA-INTD, 0: no INTx */
	struct pci_bar bars[PCI_NUM_BARS];
	char name[16];		/* "00:04.0", for messages */
	struct list_head list;	/* on pci_devices; fixed after boot */

	/* MSI-X, once pci_msix_enable() has set it up. */
	u16 msix_cap;		/* offset of the capability, 0 if none */
	u16 msix_count;		/* table entries the device has */
	volatile u32 *msix_table;
};

struct pci_device_id {
	u16 vendor, device;
};

struct pci_driver {
	const char *name;
	const struct pci_device_id *ids;	/* ends with a zero vendor */
	/* Take the device: 0, or a negative errno (the device stays unused). */
	int (*probe)(struct pci_dev *dev);
};

/* Every function found at boot (pci_init), in bus order; read-only after. */
extern struct list_head pci_devices;

void pci_init(void);

u8 pci_read8(const struct pci_dev *d, u16 off);
u16 pci_read16(const struct pci_dev *d, u16 off);
u32 pci_read32(const struct pci_dev *d, u16 off);
void pci_write16(const struct pci_dev *d, u16 off, u16 v);
void pci_write32(const struct pci_dev *d, u16 off, u32 v);

/* Turn on memory and I/O decoding and bus mastering (DMA). */
void pci_enable_device(struct pci_dev *d);
/* BAR bar's memory registers, mapped uncached (once); NULL if it has none. */
void *pci_map_bar(struct pci_dev *d, int bar);
/* The capability of this id after offset `after` (0: the first); 0 if none. */
u16 pci_find_capability(const struct pci_dev *d, u8 id, u16 after);

/*
 * MSI-X: give table entry i (i < n) a vector of its own, vectors[i],
 * delivered to the boot CPU.  0, or -ENODEV if the device has no MSI-X
 * (or fewer than n entries), -EBUSY if the vectors ran out.
 */
int pci_msix_enable(struct pci_dev *d, int n, int *vectors);
/*
 * INTx: run fn(data) on interrupts from the device's interrupt line,
 * which other devices may share.  0, or -ENODEV if it has none.
 */
int pci_intx_enable(struct pci_dev *d, irq_fn_t fn, void *data);

/* The drivers pci_init() offers devices to (drivers/pci_drivers.c). */
extern const struct pci_driver *const pci_drivers[];

#endif
