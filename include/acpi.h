/*
 * ACPI: just enough to find the interrupt controllers and the CPUs, from
 * the MADT ("APIC" table).  The boot loader hands us the RSDP.
 */
#ifndef PAGODA_ACPI_H
#define PAGODA_ACPI_H

#include <percpu.h>
#include <types.h>

#define MAX_IOAPICS 4
#define MAX_IRQ_OVERRIDES 16

struct irq_override {
	u8 isa_irq;	/* legacy (ISA) IRQ number */
	u32 gsi;	/* the I/O APIC input it is wired to */
	u16 flags;	/* MPS INTI flags: polarity (bits 0-1), trigger (bits 2-3) */
};

struct acpi_info {
	phys_addr_t lapic_phys;
	int cpu_count;
	u32 cpu_apic_ids[MAX_CPUS];
	int ioapic_count;
	struct {
		u8 id;
		phys_addr_t phys;
		u32 gsi_base;
	} ioapics[MAX_IOAPICS];
	int override_count;
	struct irq_override overrides[MAX_IRQ_OVERRIDES];
	bool from_firmware;	/* false: no usable MADT, PC defaults assumed */
};

extern struct acpi_info acpi_info;

void acpi_init(void);

#endif
