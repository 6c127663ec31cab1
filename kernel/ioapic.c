/*
 * The I/O APIC: routes device interrupt lines ("global system interrupts",
 * GSIs) to a vector on a CPU.  Its registers are reached indirectly: write
 * the register number to IOREGSEL, then read or write IOWIN.
 *
 * At boot every input is masked; a driver routes its line when it is
 * ready for interrupts.  Legacy ISA IRQs are identity-mapped to GSIs
 * unless ACPI's MADT says otherwise (on PCs, the timer's IRQ 0 is on GSI 2).
 *
 * Lock: ioapic_lock serialises the select-then-access register pairs.
 */
#include <acpi.h>
#include <apic.h>
#include <errno.h>
#include <paging.h>
#include <printk.h>
#include <spinlock.h>
#include <traps.h>

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_VERSION 0x01
#define IOAPIC_REDIRECTION(n) (0x10 + 2 * (n))

#define REDIR_MASKED (1ul << 16)
#define REDIR_LEVEL (1ul << 15)
#define REDIR_ACTIVE_LOW (1ul << 13)

static struct spinlock ioapic_lock = SPINLOCK_INIT("ioapic");
static volatile u32 *ioapic;	/* the first I/O APIC (QEMU's PC has one) */
static unsigned int ioapic_inputs;
static u32 ioapic_gsi_base;

static u32 ioapic_read(u32 reg)
{
	ioapic[IOREGSEL / 4] = reg;
	return ioapic[IOWIN / 4];
}

static void ioapic_write(u32 reg, u32 v)
{
	ioapic[IOREGSEL / 4] = reg;
	ioapic[IOWIN / 4] = v;
}

static void write_entry(unsigned int pin, u64 entry)
{
	spin_lock(&ioapic_lock);
	/* Mask first, so a half-written entry never delivers. */
	ioapic_write(IOAPIC_REDIRECTION(pin), REDIR_MASKED);
	ioapic_write(IOAPIC_REDIRECTION(pin) + 1, entry >> 32);
	ioapic_write(IOAPIC_REDIRECTION(pin), (u32)entry);
	spin_unlock(&ioapic_lock);
}

u64 ioapic_read_entry(unsigned int gsi)
{
	unsigned int pin = gsi - ioapic_gsi_base;
	u64 e;

	spin_lock(&ioapic_lock);
	e = ioapic_read(IOAPIC_REDIRECTION(pin)) |
	    ((u64)ioapic_read(IOAPIC_REDIRECTION(pin) + 1) << 32);
	spin_unlock(&ioapic_lock);
	return e;
}

void ioapic_init(void)
{
	ioapic = ioremap(acpi_info.ioapics[0].phys, 4096);
	ioapic_gsi_base = acpi_info.ioapics[0].gsi_base;
	ioapic_inputs = ((ioapic_read(IOAPIC_VERSION) >> 16) & 0xff) + 1;
	for (unsigned int pin = 0; pin < ioapic_inputs; pin++)
		write_entry(pin, REDIR_MASKED);
	pr_info("ioapic: %u inputs at %#lx, all masked", ioapic_inputs, acpi_info.ioapics[0].phys);
}

/* The GSI and the redirection flags for an ISA IRQ, per the MADT. */
static u32 isa_irq_to_gsi(unsigned int isa_irq, u64 *flags)
{
	*flags = 0;	/* ISA default: edge-triggered, active high */
	for (int i = 0; i < acpi_info.override_count; i++) {
		const struct irq_override *o = &acpi_info.overrides[i];

		if (o->isa_irq != isa_irq)
			continue;
		if ((o->flags & 3) == 3)
			*flags |= REDIR_ACTIVE_LOW;
		if (((o->flags >> 2) & 3) == 3)
			*flags |= REDIR_LEVEL;
		return o->gsi;
	}
	return isa_irq;
}

int ioapic_route_isa_irq(unsigned int isa_irq, int vector)
{
	u64 flags;
	u32 gsi = isa_irq_to_gsi(isa_irq, &flags);

	if (gsi < ioapic_gsi_base || gsi - ioapic_gsi_base >= ioapic_inputs)
		return -EINVAL;
	/* Fixed delivery, physical destination: the boot CPU's APIC id. */
	write_entry(gsi - ioapic_gsi_base, (u64)vector | flags | ((u64)acpi_info.cpu_apic_ids[0] << 56));
	return 0;
}

/*
 * A PCI device's INTx line, as the firmware assigned it (the IRQ in its
 * configuration space).  PCI lines are level-triggered and may be shared;
 * QEMU's MADT overrides describe them (level, active high), and that is
 * also what we assume for a line it does not mention.
 */
int ioapic_route_pci_irq(unsigned int irq, int vector)
{
	u64 flags;
	u32 gsi = isa_irq_to_gsi(irq, &flags);

	if (gsi < ioapic_gsi_base || gsi - ioapic_gsi_base >= ioapic_inputs)
		return -EINVAL;
	write_entry(gsi - ioapic_gsi_base, (u64)vector | flags | REDIR_LEVEL |
		    ((u64)acpi_info.cpu_apic_ids[0] << 56));
	return 0;
}

void ioapic_set_masked(unsigned int isa_irq, bool masked)
{
	u64 flags;
	u32 gsi = isa_irq_to_gsi(isa_irq, &flags);
	u64 e = ioapic_read_entry(gsi);

	write_entry(gsi - ioapic_gsi_base, masked ? e | REDIR_MASKED : e & ~REDIR_MASKED);
}
