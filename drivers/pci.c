/*
 * PCI enumeration and configuration space (see pci.h).
 *
 * Configuration mechanism #1: write the address of a 32-bit register
 * (enable bit, bus, slot, function, offset) to port 0xcf8, then read or
 * write it through port 0xcfc.  The two steps must not interleave with
 * another CPU's, hence pci_config_lock.
 *
 * Lock: pci_config_lock serialises configuration-space accesses.  The
 * device list is built by pci_init() on the boot CPU before any driver
 * runs, and is read-only after.
 */
#include <kmalloc.h>
#include <paging.h>
#include <pci.h>
#include <printk.h>
#include <spinlock.h>
#include <x86.h>

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc

struct list_head pci_devices = LIST_HEAD_INIT(pci_devices);
static struct spinlock pci_config_lock = SPINLOCK_INIT("pci_config");

static u32 config_address(u8 bus, u8 slot, u8 func, u16 off)
{
	return 0x80000000u | (u32)bus << 16 | (u32)slot << 11 | (u32)func << 8 | (off & 0xfc);
}

static u32 config_read32(u8 bus, u8 slot, u8 func, u16 off)
{
	u32 v;

	spin_lock(&pci_config_lock);
	outl(PCI_CONFIG_ADDRESS, config_address(bus, slot, func, off));
	v = inl(PCI_CONFIG_DATA);
	spin_unlock(&pci_config_lock);
	return v;
}

static void config_write32(u8 bus, u8 slot, u8 func, u16 off, u32 v)
{
	spin_lock(&pci_config_lock);
	outl(PCI_CONFIG_ADDRESS, config_address(bus, slot, func, off));
	outl(PCI_CONFIG_DATA, v);
	spin_unlock(&pci_config_lock);
}

u32 pci_read32(const struct pci_dev *d, u16 off)
{
	return config_read32(d->bus, d->slot, d->func, off);
}

/* Narrower reads take the aligned 32-bit register and pick their bytes. */
u16 pci_read16(const struct pci_dev *d, u16 off)
{
	return pci_read32(d, off & ~3) >> ((off & 2) * 8);
}

u8 pci_read8(const struct pci_dev *d, u16 off)
{
	return pci_read32(d, off & ~3) >> ((off & 3) * 8);
}

void pci_write32(const struct pci_dev *d, u16 off, u32 v)
{
	config_write32(d->bus, d->slot, d->func, off, v);
}

/*
 * A 16-bit write is a read-modify-write of its 32-bit register.  Safe for
 * the registers drivers write (command, MSI-X control): their neighbours
 * (status, capability id and next) are read-only or write-one-to-clear,
 * and writing back the zeros we read clears nothing.
 */
void pci_write16(const struct pci_dev *d, u16 off, u16 v)
{
	unsigned int shift = (off & 2) * 8;
	u32 word = pci_read32(d, off & ~3);

	if ((off & ~3) == PCI_COMMAND)
		word &= 0xffff;	/* status bits are write-one-to-clear: write zeros */
	word = (word & ~(0xffffu << shift)) | (u32)v << shift;
	pci_write32(d, off & ~3, word);
}

void pci_enable_device(struct pci_dev *d)
{
	u16 cmd = pci_read16(d, PCI_COMMAND);

	pci_write16(d, PCI_COMMAND, cmd | PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

void *pci_map_bar(struct pci_dev *d, int bar)
{
	struct pci_bar *b = &d->bars[bar];

	if (bar < 0 || bar >= PCI_NUM_BARS || !b->base || b->is_io)
		return NULL;
	if (!b->mapped)
		b->mapped = ioremap(b->base, b->size);
	return b->mapped;
}

u16 pci_find_capability(const struct pci_dev *d, u8 id, u16 after)
{
	u16 off;
	int guard = 48;	/* a broken (looping) list ends here */

	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	off = after ? pci_read8(d, after + 1) : pci_read8(d, PCI_CAPABILITY_LIST);
	while (off >= 0x40 && guard--) {
		off &= 0xfc;
		if (pci_read8(d, off) == id)
			return off;
		off = pci_read8(d, off + 1);
	}
	return 0;
}

/*
 * How big a BAR's window is: write all ones, see which address bits
 * stick (the low, size-aligned ones read back as zero), put the address
 * back.  Returns the BAR index to look at next (a 64-bit BAR uses two).
 */
static int size_bar(struct pci_dev *d, int i)
{
	u16 reg = PCI_BAR0 + 4 * i;
	u32 orig = pci_read32(d, reg), mask;
	struct pci_bar *b = &d->bars[i];

	pci_write32(d, reg, 0xffffffff);
	mask = pci_read32(d, reg);
	pci_write32(d, reg, orig);
	if (orig & 1) {
		b->is_io = true;
		b->base = orig & ~3u;
		b->size = (u16)(~(mask & ~3u) + 1);
		return i + 1;
	}
	if (((orig >> 1) & 3) == 2 && i + 1 < PCI_NUM_BARS) {	/* 64-bit */
		u32 orig_hi = pci_read32(d, reg + 4), mask_hi;
		u64 full;

		pci_write32(d, reg + 4, 0xffffffff);
		mask_hi = pci_read32(d, reg + 4);
		pci_write32(d, reg + 4, orig_hi);
		full = ((u64)mask_hi << 32) | (mask & ~0xfu);
		b->base = ((u64)orig_hi << 32) | (orig & ~0xfu);
		b->size = full ? ~full + 1 : 0;
		return i + 2;
	}
	b->base = orig & ~0xfu;
	b->size = (mask & ~0xfu) ? (u32)(~(mask & ~0xfu) + 1) : 0;
	return i + 1;
}

static void read_bars(struct pci_dev *d)
{
	u16 cmd = pci_read16(d, PCI_COMMAND);

	/* No decoding while a BAR holds all ones: it would claim every address. */
	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (int i = 0; i < PCI_NUM_BARS;)
		i = size_bar(d, i);
	pci_write16(d, PCI_COMMAND, cmd);
	for (int i = 0; i < PCI_NUM_BARS; i++)
		if (!d->bars[i].size)
			d->bars[i].base = 0;
}

static struct pci_dev *add_function(u8 bus, u8 slot, u8 func)
{
	struct pci_dev *d = kzalloc(sizeof(*d), GFP_KERNEL);
	u32 id, class;

	if (!d) {
		pr_warn("pci: out of memory at %02x:%02x.%x", bus, slot, func);
		return NULL;
	}
	d->bus = bus;
	d->slot = slot;
	d->func = func;
	id = pci_read32(d, PCI_VENDOR_ID);
	d->vendor = id & 0xffff;
	d->device = id >> 16;
	class = pci_read32(d, PCI_REVISION);
	d->revision = class & 0xff;
	d->prog_if = (class >> 8) & 0xff;
	d->subclass = (class >> 16) & 0xff;
	d->class = class >> 24;
	d->subsystem_vendor = pci_read16(d, PCI_SUBSYSTEM_VENDOR_ID);
	d->subsystem = pci_read16(d, PCI_SUBSYSTEM_ID);
	d->irq_line = pci_read8(d, PCI_INTERRUPT_LINE);
	d->irq_pin = pci_read8(d, PCI_INTERRUPT_PIN);
	snprintf(d->name, sizeof(d->name), "%02x:%02x.%x", bus, slot, func);
	if ((pci_read8(d, PCI_HEADER_TYPE) & 0x7f) == 0)
		read_bars(d);	/* bridges (type 1) have other registers there */
	list_add_tail(&d->list, &pci_devices);
	return d;
}

static void scan_bus(u8 bus)
{
	for (u8 slot = 0; slot < 32; slot++) {
		u8 functions;

		if ((config_read32(bus, slot, 0, PCI_VENDOR_ID) & 0xffff) == 0xffff)
			continue;	/* nothing in this slot */
		functions = (config_read32(bus, slot, 0, PCI_HEADER_TYPE & ~3) >> 16) & 0x80 ? 8 : 1;
		for (u8 func = 0; func < functions; func++) {
			struct pci_dev *d;

			if ((config_read32(bus, slot, func, PCI_VENDOR_ID) & 0xffff) == 0xffff)
				continue;
			d = add_function(bus, slot, func);
			/* A PCI-to-PCI bridge: the bus behind it is numbered higher. */
			if (d && d->class == 0x06 && d->subclass == 0x04) {
				u8 secondary = pci_read8(d, PCI_SECONDARY_BUS);

				if (secondary > bus)
					scan_bus(secondary);
			}
		}
	}
}

static bool id_matches(const struct pci_driver *drv, const struct pci_dev *d)
{
	for (const struct pci_device_id *id = drv->ids; id->vendor; id++)
		if (id->vendor == d->vendor && id->device == d->device)
			return true;
	return false;
}

/* The first driver that knows the device probes it; a failure is reported and boot goes on. */
static void attach_driver(struct pci_dev *d)
{
	for (int i = 0; pci_drivers[i]; i++) {
		const struct pci_driver *drv = pci_drivers[i];
		int err;

		if (!id_matches(drv, d))
			continue;
		err = drv->probe(d);
		if (err)
			pr_warn("pci %s: %s could not take %04x:%04x (%d); left unused",
				d->name, drv->name, d->vendor, d->device, err);
		return;
	}
}

void pci_init(void)
{
	struct pci_dev *d;
	int n = 0;

	scan_bus(0);
	list_for_each_entry(d, &pci_devices, list)
		n++;
	pr_info("pci: %d function(s) on the bus", n);
	list_for_each_entry(d, &pci_devices, list)
		attach_driver(d);
}
