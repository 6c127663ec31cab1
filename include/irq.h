/*
 * Device interrupts: vectors for drivers and the handlers behind them.
 *
 * A vector is one of the CPU's 256 interrupt numbers.  The system's own
 * (the timer, IPIs) are fixed in traps.h.  A device reaches a vector in
 * one of two ways:
 *
 *   - a line of the I/O APIC (an ISA IRQ, or a PCI device's INTx pin):
 *     the line's vector is VEC_IOAPIC_BASE + pin, and several devices may
 *     share one line;
 *   - a message (PCI MSI-X): the device writes straight to a CPU's local
 *     APIC, on a vector the driver took with irq_alloc_vector().
 *
 * Handlers run with interrupts off on whatever stack was interrupted, and
 * must not sleep.  On a shared line every handler runs for each
 * interrupt: a handler asks its own device whether it was the one.
 */
#ifndef PAGODA_IRQ_H
#define PAGODA_IRQ_H

#include <types.h>

/* Vectors handed out by irq_alloc_vector() (below the PIC spurious ones). */
#define VEC_DEVICE_FIRST 0x50
#define VEC_DEVICE_LAST 0xdf

typedef void (*irq_fn_t)(void *data);

/* A vector nobody uses yet, for a message-signalled interrupt; -EBUSY if none is left. */
int irq_alloc_vector(void);
/* Run fn(data) on every interrupt on vector (which others may share).  0 or -ENOMEM. */
int irq_add_handler(int vector, irq_fn_t fn, void *data);
/* Run the handlers added for vector; false if there are none (trap_dispatch). */
bool irq_run_handlers(int vector);

#endif
