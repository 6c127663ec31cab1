/*
 * trap_dispatch: where every exception and interrupt lands, on the
 * interrupted code's kernel stack (or an IST stack), interrupts off.
 *
 * Device interrupts go to the handler registered for their vector.  An
 * exception in kernel mode is a kernel bug for now and panics with the
 * registers and a backtrace; page faults on user addresses (demand paging,
 * usercopy fix-ups) and exceptions in user mode (signals) come with
 * processes.
 */
#include <apic.h>
#include <panic.h>
#include <printk.h>
#include <symbols.h>
#include <traps.h>
#include <x86.h>

static irq_handler_t irq_handlers[256];

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range exceeded",
	"invalid opcode", "device not available", "double fault", "coprocessor segment overrun",
	"invalid TSS", "segment not present", "stack-segment fault", "general protection fault",
	"page fault", "reserved (15)", "x87 floating-point error", "alignment check",
	"machine check", "SIMD floating-point error", "virtualization exception",
	"control protection exception", "reserved (22)", "reserved (23)", "reserved (24)",
	"reserved (25)", "reserved (26)", "reserved (27)", "hypervisor injection",
	"VMM communication", "security exception", "reserved (31)",
};

void irq_set_handler(int vector, irq_handler_t handler)
{
	irq_handlers[vector] = handler;
}

void print_trap_frame(const struct trap_frame *tf)
{
	kprintf("RIP: %04lx:%p ", tf->cs, (void *)tf->rip);
	print_symbol(tf->rip);
	kprintf("\nRSP: %04lx:%p RFLAGS: %08lx ERROR: %lx\n", tf->ss, (void *)tf->rsp,
		tf->rflags, tf->error_code);
	kprintf("RAX: %p RBX: %p RCX: %p\n", (void *)tf->rax, (void *)tf->rbx, (void *)tf->rcx);
	kprintf("RDX: %p RSI: %p RDI: %p\n", (void *)tf->rdx, (void *)tf->rsi, (void *)tf->rdi);
	kprintf("RBP: %p R08: %p R09: %p\n", (void *)tf->rbp, (void *)tf->r8, (void *)tf->r9);
	kprintf("R10: %p R11: %p R12: %p\n", (void *)tf->r10, (void *)tf->r11, (void *)tf->r12);
	kprintf("R13: %p R14: %p R15: %p\n", (void *)tf->r13, (void *)tf->r14, (void *)tf->r15);
	kprintf("CR0: %p CR2: %p CR3: %p CR4: %p\n", (void *)read_cr0(), (void *)read_cr2(),
		(void *)read_cr3(), (void *)read_cr4());
}

static __noreturn void page_fault_panic(struct trap_frame *tf)
{
	u64 addr = read_cr2();
	u64 err = tf->error_code;

	panic_trap(tf, "page fault at %p: %s %s in %s mode%s%s", (void *)addr,
		   err & PF_INSTR ? "instruction fetch" : err & PF_WRITE ? "write" : "read",
		   err & PF_PRESENT ? "violates the page's protection" : "of a page that is not present",
		   err & PF_USER ? "user" : "kernel",
		   err & PF_RESERVED ? " (reserved bit set in a page table)" : "",
		   addr < 4096 ? " (NULL pointer dereference?)" : "");
}

void trap_dispatch(struct trap_frame *tf)
{
	u64 v = tf->vector;

	if (v >= VEC_IRQ_BASE) {
		if (v == VEC_SPURIOUS)
			return;	/* spurious interrupts get no EOI */
		if (irq_handlers[v])
			irq_handlers[v](tf);
		else
			pr_warn("unexpected interrupt on vector %lu", v);
		lapic_eoi();
		return;
	}

	switch (v) {
	case VEC_PAGE_FAULT:
		page_fault_panic(tf);
	case VEC_DOUBLE_FAULT:
		panic_trap(tf, "double fault (kernel stack overflow?)");
	default:
		panic_trap(tf, "%s (vector %lu) in %s mode", exception_names[v], v,
			   (tf->cs & 3) ? "user" : "kernel");
	}
}
