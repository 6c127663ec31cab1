/*
 * Per-CPU data (see percpu.h).  Only the boot CPU runs for now; the array
 * is sized for the others to come.
 */
#include <percpu.h>
#include <x86.h>

struct cpu cpus[MAX_CPUS];

/* Point GS at the boot CPU's data.  Must run before anything takes a lock. */
void percpu_init_boot_cpu(void)
{
	struct cpu *cpu = &cpus[0];

	cpu->self = cpu;
	cpu->id = 0;
	wrmsr(MSR_GS_BASE, (u64)cpu);
	/* The user's GS base is swapped in on entry to user mode; none yet. */
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}
