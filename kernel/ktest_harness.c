/*
 * Deliberate failures: tests that fail, panic or hang on purpose, so that
 * tests/harness.py can prove it notices each kind (a test suite that
 * cannot fail proves nothing).  They are KTEST_MANUAL: only run when named
 * exactly on the command line, never by ktest=*.
 */
#include <ktest.h>
#include <panic.h>
#include <percpu.h>
#include <sched.h>
#include <string.h>
#include <x86.h>

KTEST_MANUAL(harness_must_fail)
{
	KEXPECT_EQ(1 + 1, 3);
}

KTEST_MANUAL(harness_hang)
{
	(void)kt;
	for (;;)
		safe_halt();
}

static int *volatile null_pointer;	/* volatile: the compiler cannot see it is NULL */

static __noinline int deliberate_null_deref(void)
{
	return *null_pointer;
}

KTEST_MANUAL(panic_null_deref)
{
	KEXPECT_EQ(deliberate_null_deref(), 0);
}

static volatile size_t smash_length = 48;

static __noinline void overflow_local_buffer(void)
{
	char buf[16];

	/* Writes past buf into the canary (and beyond): __stack_chk_fail on return. */
	memset(buf, 'A', smash_length);
	__asm__ __volatile__("" : : "r"(buf) : "memory");
}

KTEST_MANUAL(panic_stack_smash)
{
	(void)kt;
	overflow_local_buffer();
}

static __noinline void write_kernel_text(void)
{
	*(volatile u8 *)(void *)write_kernel_text = 0xc3;	/* "ret" over our own first byte */
}

KTEST_MANUAL(panic_wx_text_write)
{
	(void)kt;
	write_kernel_text();
}

static volatile int recursion_limit = 1 << 30;	/* never reached: the guard page is */

static __noinline int recurse_deeply(int depth)
{
	volatile char frame[512];

	frame[0] = (char)depth;
	if (depth >= recursion_limit)
		return 0;
	return recurse_deeply(depth + 1) + frame[0];
}

KTEST_MANUAL(panic_stack_overflow)
{
	KEXPECT(recurse_deeply(0) != 0);
}

/*
 * Panic on one CPU while every other CPU spins with interrupts off: each
 * must still stop (the NMI gets through cli) and print its own backtrace,
 * naming spin_with_interrupts_off.
 */
static volatile int spinners_ready;

static __noinline void spin_with_interrupts_off(void)
{
	local_irq_disable();
	__atomic_add_fetch(&spinners_ready, 1, __ATOMIC_RELEASE);
	for (;;)
		cpu_relax();
}

static void spinner_main(void *arg)
{
	(void)arg;
	spin_with_interrupts_off();
}

KTEST_MANUAL(panic_with_other_cpus_busy)
{
	int others = 0;

	/* Panic on CPU 0, so the harness knows which CPUs must report. */
	sched_set_cpus_allowed(1ul << 0);
	for (int cpu = 1; cpu < nr_cpus_online; cpu++) {
		if (!KEXPECT(kthread_create_on(spinner_main, NULL, "spinner", cpu) != NULL))
			return;
		others++;
	}
	while (__atomic_load_n(&spinners_ready, __ATOMIC_ACQUIRE) < others)
		cpu_relax();
	panic("deliberate, with %d other CPUs spinning with interrupts off", others);
}
