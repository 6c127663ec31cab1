/*
 * The monotonic clock and the periodic timer.
 *
 * Both the TSC (the CPU's cycle counter) and the local APIC timer run at
 * rates nobody tells us, so we measure them against the PIT, whose rate is
 * fixed, over CALIBRATE_MS.  The clock is then
 *     ns = (tsc - tsc_at_boot) * ns_per_tsc
 * in 32.32 fixed point, and the timer is programmed for HZ ticks a second.
 */
#include <apic.h>
#include <sched.h>
#include <timer.h>
#include <pit.h>
#include <printk.h>
#include <time.h>
#include <traps.h>
#include <percpu.h>
#include <x86.h>

#define CALIBRATE_MS 50

static u64 tsc_base;
static u64 tsc_freq;
static u64 ns_per_tsc_32_32;	/* nanoseconds per TSC cycle, << 32 */
static u32 lapic_ticks_per_sec;
static volatile u64 jiffies;	/* written only by the timer interrupt */

u64 clock_ns(void)
{
	if (!ns_per_tsc_32_32)
		return 0;
	return (u64)(((unsigned __int128)(rdtsc() - tsc_base) * ns_per_tsc_32_32) >> 32);
}

u64 jiffies_read(void)
{
	return jiffies;
}

u64 tsc_hz(void)
{
	return tsc_freq;
}

void clock_init(void)
{
	u64 t0, t1;
	u32 apic_left;

	lapic_timer_oneshot_max();
	t0 = rdtsc();
	pit_wait_ms(CALIBRATE_MS);
	t1 = rdtsc();
	apic_left = lapic_timer_current();

	tsc_freq = (t1 - t0) * (1000 / CALIBRATE_MS);
	lapic_ticks_per_sec = (0xffffffffu - apic_left) * (1000 / CALIBRATE_MS);
	ns_per_tsc_32_32 = (NSEC_PER_SEC << 32) / tsc_freq;
	tsc_base = t0;
	pr_info("clock: TSC %lu.%03lu MHz, APIC timer %u.%03u MHz (measured against the PIT)",
		tsc_freq / 1000000, tsc_freq / 1000 % 1000,
		lapic_ticks_per_sec / 1000000, lapic_ticks_per_sec / 1000 % 1000);
}

static void timer_interrupt(struct trap_frame *tf)
{
	(void)tf;
	/* Every CPU ticks; one keeps the count and runs the kernel timers. */
	if (this_cpu()->id == 0) {
		jiffies++;
		timers_run();
	}
	sched_tick();
}

void timer_start(void)
{
	irq_set_handler(VEC_LAPIC_TIMER, timer_interrupt);
	timer_start_this_cpu();
}

/* Each CPU's APIC timer ticks for its own CPU (the rate measured at boot). */
void timer_start_this_cpu(void)
{
	lapic_timer_periodic(lapic_ticks_per_sec / HZ);
}
