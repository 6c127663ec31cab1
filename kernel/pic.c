/*
 * The legacy 8259 interrupt controllers.  We use the APICs instead, but
 * the PICs still exist: we move their vectors out of the way of the CPU
 * exceptions (where the BIOS left them) and mask every line.  A masked
 * PIC can still raise a spurious interrupt on its IRQ 7 or 15; those land
 * on vectors PIC_VECTOR_BASE + 7 / + 15, which trap_dispatch ignores.
 */
#include <apic.h>
#include <x86.h>

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_VECTOR_BASE 0xe0

void pic_disable(void)
{
	/* ICW1: initialise, expect ICW4. */
	outb(PIC1_CMD, 0x11);
	outb(PIC2_CMD, 0x11);
	/* ICW2: vector bases. */
	outb(PIC1_DATA, PIC_VECTOR_BASE);
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	/* ICW3: the slave hangs off the master's IRQ 2. */
	outb(PIC1_DATA, 1 << 2);
	outb(PIC2_DATA, 2);
	/* ICW4: 8086 mode. */
	outb(PIC1_DATA, 0x01);
	outb(PIC2_DATA, 0x01);
	/* OCW1: mask everything. */
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}
