/*
 * Per-CPU data (see percpu.h).  Only the boot CPU runs for now; the array
 * is sized for the others to come.
 */
#include <percpu.h>
#include <x86.h>

struct cpu cpus[MAX_CPUS];

/* kernel/syscall_entry.asm reads these fields at fixed offsets. */
_Static_assert(__builtin_offsetof(struct cpu, self) == 0, "percpu: self at %gs:0");
_Static_assert(__builtin_offsetof(struct cpu, kernel_rsp) == 8, "percpu: kernel_rsp at %gs:8");
_Static_assert(__builtin_offsetof(struct cpu, user_rsp) == 16, "percpu: user_rsp at %gs:16");
_Static_assert(__builtin_offsetof(struct cpu, cur_task) == 24, "percpu: cur_task at %gs:24");

int nr_cpus_online = 1;

void percpu_init_this_cpu(int id)
{
	struct cpu *cpu = &cpus[id];

	cpu->self = cpu;
	cpu->id = id;
	wrmsr(MSR_GS_BASE, (u64)cpu);
	/* The user's GS base is swapped in on entry to user mode; none yet. */
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

/* Point GS at the boot CPU's data.  Must run before anything takes a lock. */
void percpu_init_boot_cpu(void)
{
	percpu_init_this_cpu(0);
}
