/*
 * The interrupt controllers: each CPU's local APIC (timer, inter-processor
 * interrupts, end-of-interrupt) and the I/O APIC that routes device
 * interrupt lines to CPUs.  The old 8259 PICs are remapped and masked.
 */
#ifndef PAGODA_APIC_H
#define PAGODA_APIC_H

#include <types.h>

void pic_disable(void);

void lapic_init(void);
void lapic_eoi(void);
u32 lapic_id(void);
/* Inter-processor interrupts (kernel/smp.c). */
void lapic_send_ipi(u32 apic_id, int vector);
void lapic_send_nmi(u32 apic_id);
void lapic_send_init(u32 apic_id);
void lapic_send_startup(u32 apic_id, u8 page);

/* One-shot count-down used to calibrate the timer; see time.c. */
void lapic_timer_oneshot_max(void);
u32 lapic_timer_current(void);
/* Interrupt on VEC_LAPIC_TIMER every `count` timer ticks. */
void lapic_timer_periodic(u32 count);

void ioapic_init(void);
/* Route legacy IRQ `isa_irq` (after ACPI overrides) to `vector` on the boot CPU. */
int ioapic_route_isa_irq(unsigned int isa_irq, int vector);
/* Route a PCI INTx line (the IRQ number the firmware gave it) to `vector`, level-triggered. */
int ioapic_route_pci_irq(unsigned int irq, int vector);
void ioapic_set_masked(unsigned int isa_irq, bool masked);
/* The raw redirection entry for a GSI (for self-tests). */
u64 ioapic_read_entry(unsigned int gsi);

#endif
