/*
 * trap_dispatch: where every exception and interrupt lands, on the
 * interrupted code's kernel stack (or an IST stack), interrupts off.
 *
 * Device interrupts go to the handler registered for their vector.  An
 * exception in kernel mode is a kernel bug for now and panics with the
 * registers and a backtrace, except a page fault on a user address taken
 * by a usercopy instruction (resolved, or sent to its fix-up).  Faults and
 * exceptions in user mode are resolved (demand paging, copy-on-write) or
 * become signals to the task.
 */
#include <apic.h>
#include <irq.h>
#include <mm.h>
#include <sched.h>
#include <signal.h>
#include <smp.h>
#include <vm.h>
#include <panic.h>
#include <printk.h>
#include <symbols.h>
#include <traps.h>
#include <usercopy.h>
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
		   err & PF_RESERVED ? " (reserved bit set in a page table)" :
		   (addr < USER_SPACE_END && (err & PF_PRESENT)) ? " (SMAP: user memory outside usercopy?)" : "",
		   addr < 4096 ? " (NULL pointer dereference?)" : "");
}

/* Like Linux: "prog[pid]: segfault at ADDR ip IP sp SP error E". */
static void report_user_fault(struct trap_frame *tf, int sig, u64 addr)
{
	pr_info("%s[%d]: %s at %lx ip %016lx sp %016lx error %lx", current->comm, current->tgid,
		sig == SIGBUS ? "bus error" : "segfault", addr, tf->rip, tf->rsp, tf->error_code);
}

static void do_page_fault(struct trap_frame *tf)
{
	u64 addr = read_cr2(), code, fixup;
	int sig;

	if (tf->cs & 3) {
		local_irq_enable();	/* resolving a fault may sleep */
		sig = handle_user_fault(addr, tf->error_code, &code);
		if (sig) {
			report_user_fault(tf, sig, addr);
			force_signal_fault(sig, code, addr);
		}
		return;
	}
	/*
	 * Kernel mode: only a usercopy instruction may fault, on a user
	 * address.  Resolve it like a user fault if we may sleep (faults not
	 * disabled, interrupts were on); otherwise, or if it cannot be
	 * resolved, continue at the instruction's fix-up: the copy comes up
	 * short and the system call returns -EFAULT.
	 */
	fixup = search_exception_table(tf->rip);
	if (!fixup || addr >= USER_SPACE_END)
		page_fault_panic(tf);
	if (current->pagefault_disabled == 0 && (tf->rflags & X86_RFLAGS_IF)) {
		local_irq_enable();
		if (handle_user_fault(addr, tf->error_code, &code) == 0)
			return;	/* resolved: retry the instruction */
	}
	tf->rip = fixup;
}

/* Exceptions caused by user code become signals, as on Linux. */
static int exception_signal(u64 vector, u64 *code)
{
	*code = SI_KERNEL;
	switch (vector) {
	case VEC_DIVIDE_ERROR:
		*code = 1;	/* FPE_INTDIV */
		return SIGFPE;
	case VEC_BREAKPOINT:
		return SIGTRAP;
	case VEC_INVALID_OPCODE:
		*code = 1;	/* ILL_ILLOPC */
		return SIGILL;
	case 16:		/* x87 error */
	case 19:		/* SIMD error */
		return SIGFPE;
	case 17:		/* alignment check */
		return SIGBUS;
	default:		/* general protection and the rest */
		return SIGSEGV;
	}
}

void trap_dispatch(struct trap_frame *tf)
{
	u64 v = tf->vector, code;

	if (tf->cs & 3)
		account_enter_kernel();
	if (v >= VEC_IRQ_BASE) {
		/* Spurious interrupts (APIC or the masked PICs) get no EOI. */
		if (v == VEC_SPURIOUS || v == VEC_PIC_SPURIOUS_MASTER || v == VEC_PIC_SPURIOUS_SLAVE)
			return;
		this_cpu()->irq_nesting++;
		if (irq_handlers[v])
			irq_handlers[v](tf);
		else if (!irq_run_handlers(v))
			pr_warn("unexpected interrupt on vector %lu", v);
		this_cpu()->irq_nesting--;
		lapic_eoi();
		return;
	}

	if (v == VEC_PAGE_FAULT) {
		do_page_fault(tf);
		return;
	}
	if (v == VEC_NMI && panic_in_progress())
		cpu_stop_on_nmi(tf);	/* another CPU panicked and stops us */
	if ((tf->cs & 3) && v != VEC_DOUBLE_FAULT && v != VEC_MACHINE_CHECK && v != VEC_NMI) {
		int sig = exception_signal(v, &code);

		pr_info("%s[%d]: %s at ip %016lx sp %016lx error %lx", current->comm, current->tgid,
			exception_names[v], tf->rip, tf->rsp, tf->error_code);
		force_signal_fault(sig, code, 0);
		return;
	}
	if (v == VEC_DOUBLE_FAULT)
		panic_trap(tf, "double fault (kernel stack overflow?)");
	panic_trap(tf, "%s (vector %lu) in %s mode", exception_names[v], v,
		   (tf->cs & 3) ? "user" : "kernel");
}
