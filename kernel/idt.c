/*
 * The interrupt descriptor table: for each of the 256 vectors, the stub in
 * trap_entry.asm to run, the privilege needed to raise it with "int", and
 * which interrupt stack (IST) to switch to, if any.
 */
#include <gdt.h>
#include <traps.h>

struct idt_gate {
	u16 offset_low;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_high;
	u32 reserved;
} __packed;

#define GATE_INTERRUPT 0x8e	/* present, DPL 0, 64-bit interrupt gate (clears IF) */
#define GATE_DPL3 0x60		/* may be raised from user mode with "int" */

extern const u64 trap_stub_table[256];
static struct idt_gate idt[256] __aligned(16);

static void set_gate(int vector, u64 handler, u8 ist, u8 attr)
{
	struct idt_gate *g = &idt[vector];

	g->offset_low = handler & 0xffff;
	g->selector = GDT_KERNEL_CS;
	g->ist = ist;
	g->type_attr = attr;
	g->offset_mid = (handler >> 16) & 0xffff;
	g->offset_high = handler >> 32;
	g->reserved = 0;
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		set_gate(v, trap_stub_table[v], 0, GATE_INTERRUPT);
	/*
	 * A double fault usually means the kernel stack is gone (overflowed
	 * into its guard page), so it must run on a stack of its own.  NMI and
	 * machine check can arrive at any instruction, even one where the
	 * stack is not yet trustworthy.
	 */
	set_gate(VEC_DOUBLE_FAULT, trap_stub_table[VEC_DOUBLE_FAULT], IST_DOUBLE_FAULT, GATE_INTERRUPT);
	set_gate(VEC_NMI, trap_stub_table[VEC_NMI], IST_NMI, GATE_INTERRUPT);
	set_gate(VEC_MACHINE_CHECK, trap_stub_table[VEC_MACHINE_CHECK], IST_MACHINE_CHECK, GATE_INTERRUPT);
	/* int3 from user space traps to the debugger's SIGTRAP (later). */
	set_gate(VEC_BREAKPOINT, trap_stub_table[VEC_BREAKPOINT], 0, GATE_INTERRUPT | GATE_DPL3);
	idt_load();
}

void idt_load(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed idtr = { sizeof(idt) - 1, (u64)idt };

	__asm__ __volatile__("lidt %0" : : "m"(idtr));
}
