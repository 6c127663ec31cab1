/*
 * QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4): a
 * write of value v to its port ends QEMU with exit status (v << 1) | 1.
 * The test harness reads that status.  On a machine without the device the
 * write does nothing and we simply halt.
 */
#include <debug_exit.h>
#include <x86.h>

#define DEBUG_EXIT_PORT 0xf4

__noreturn void qemu_exit(enum qemu_exit_code code)
{
	local_irq_disable();
	outl(DEBUG_EXIT_PORT, code);
	for (;;)
		hlt();
}
