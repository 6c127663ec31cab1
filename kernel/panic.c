/*
 * panic(): the kernel found itself in a state it cannot continue from.
 * Print why, where (registers and a symbolized backtrace), tell the test
 * harness (QEMU's debug-exit port), and stop this CPU for good.
 */
#include <debug_exit.h>
#include <panic.h>
#include <printk.h>
#include <smp.h>
#include <symbols.h>
#include <traps.h>
#include <x86.h>

static bool panicking;

static __noreturn void panic_finish(void)
{
	smp_stop_others();
	kprintf("---[ end Kernel panic ]---\n");
	qemu_exit(QEMU_EXIT_PANIC);
}

/* Returns false if we are already panicking: then print nothing more. */
static bool panic_begin(void)
{
	local_irq_disable();
	if (panicking) {
		kprintf("KERNEL PANIC: (nested panic, stopping)\n");
		return false;
	}
	panicking = true;
	/* The panicking code may hold the console lock; print regardless. */
	printk_break_lock();
	return true;
}

bool panic_in_progress(void)
{
	return READ_ONCE(panicking);
}

static void print_reason(const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	kprintf("\nKERNEL PANIC: %s\n", msg);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	if (panic_begin()) {
		va_start(ap, fmt);
		print_reason(fmt, ap);
		va_end(ap);
		print_backtrace((u64)__builtin_frame_address(0));
	}
	panic_finish();
}

void panic_trap(struct trap_frame *tf, const char *fmt, ...)
{
	va_list ap;

	if (panic_begin()) {
		va_start(ap, fmt);
		print_reason(fmt, ap);
		va_end(ap);
		print_trap_frame(tf);
		print_trap_backtrace(tf->rip, tf->rsp, tf->rbp);
	}
	panic_finish();
}

void dump_stack(void)
{
	print_backtrace((u64)__builtin_frame_address(0));
}

bool warn_on(bool cond, const char *expr, const char *file, int line)
{
	if (cond) {
		pr_warn("WARNING: %s at %s:%d", expr, file, line);
		dump_stack();
	}
	return cond;
}

/*
 * Stack protector.  The compiler puts __stack_chk_guard just below the
 * return address of functions with arrays on their stack and checks it
 * before returning; a mismatch means the stack was overwritten.
 */
u64 __stack_chk_guard;

__noreturn void __stack_chk_fail(void)
{
	panic("stack-protector: kernel stack is corrupted in %p",
	      __builtin_return_address(0));
}

/*
 * Called from boot/entry.asm before kmain: give the canary a value that
 * differs from boot to boot.  It must not itself be protected, since the
 * canary changes while it runs.
 */
__no_stack_protector void boot_canary_init(void)
{
	u64 tsc = rdtsc();

	/* A zero low byte stops string overflows (strcpy) at the canary. */
	__stack_chk_guard = ((tsc * 0x9e3779b97f4a7c15ul) ^ 0x5a17c0de2b3d4f61ul) & ~0xfful;
}
