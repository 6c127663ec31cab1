/*
 * How PCI devices interrupt: MSI-X messages, or the old INTx line.
 *
 * MSI-X: the device has a table (in one of its BARs) of up to 2048
 * entries, each an address and a data word.  To interrupt, the device
 * writes the data to the address; an address in 0xfee00000-0xfeefffff is
 * a local APIC, and the data's low byte is the vector.  So each entry is
 * an interrupt of its own, on a vector nobody shares, edge-triggered.
 *
 * INTx: one level-triggered line per device, routed by the chipset to an
 * I/O APIC input that other devices may share.  The firmware has already
 * chosen the IRQ and written it into the device's Interrupt Line register.
 */
#include <acpi.h>
#include <apic.h>
#include <errno.h>
#include <pci.h>
#include <printk.h>
#include <traps.h>

#define MSIX_CONTROL 2		/* offsets in the capability */
#define MSIX_TABLE 4
#define MSIX_CONTROL_TABLE_SIZE 0x7ff
#define MSIX_CONTROL_MASK_ALL (1u << 14)
#define MSIX_CONTROL_ENABLE (1u << 15)

#define MSIX_ENTRY_WORDS 4	/* address low, address high, data, vector control */
#define MSIX_ENTRY_MASKED 1u

#define MSI_ADDRESS_BASE 0xfee00000u

int pci_msix_enable(struct pci_dev *d, int n, int *vectors)
{
	u16 cap = pci_find_capability(d, PCI_CAP_ID_MSIX, 0), control;
	u32 table;
	u8 *bar;

	if (!cap)
		return -ENODEV;
	control = pci_read16(d, cap + MSIX_CONTROL);
	d->msix_count = (control & MSIX_CONTROL_TABLE_SIZE) + 1;
	if (n > d->msix_count)
		return -ENODEV;
	table = pci_read32(d, cap + MSIX_TABLE);
	bar = pci_map_bar(d, table & 7);
	if (!bar)
		return -ENODEV;
	for (int i = 0; i < n; i++) {
		vectors[i] = irq_alloc_vector();
		if (vectors[i] < 0)
			return vectors[i];
	}
	d->msix_cap = cap;
	d->msix_table = (volatile u32 *)(bar + (table & ~7u));

	/* Enabled but masked as a whole while the entries are written. */
	pci_write16(d, cap + MSIX_CONTROL, control | MSIX_CONTROL_ENABLE | MSIX_CONTROL_MASK_ALL);
	for (int i = 0; i < d->msix_count; i++) {
		volatile u32 *e = d->msix_table + i * MSIX_ENTRY_WORDS;

		if (i >= n) {
			e[3] = MSIX_ENTRY_MASKED;	/* entries we do not use stay quiet */
			continue;
		}
		e[0] = MSI_ADDRESS_BASE | acpi_info.cpu_apic_ids[0] << 12;	/* the boot CPU */
		e[1] = 0;
		e[2] = vectors[i];	/* fixed delivery, edge */
		e[3] = 0;		/* unmasked */
	}
	pci_write16(d, cap + MSIX_CONTROL, (control | MSIX_CONTROL_ENABLE) & ~MSIX_CONTROL_MASK_ALL);
	return 0;
}

int pci_intx_enable(struct pci_dev *d, irq_fn_t fn, void *data)
{
	int vector, err;

	if (!d->irq_pin || d->irq_line == 0xff || d->irq_line >= 16)
		return -ENODEV;
	vector = VEC_IOAPIC_BASE + d->irq_line;
	err = irq_add_handler(vector, fn, data);
	if (!err)
		err = ioapic_route_pci_irq(d->irq_line, vector);
	if (err)
		return err;
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) & ~PCI_COMMAND_INTX_DISABLE);
	return 0;
}
