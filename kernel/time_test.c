/* Self-tests for the clock and the periodic timer. */
#include <ktest.h>
#include <time.h>
#include <x86.h>

KTEST(timer_ticks_and_clock_agree)
{
	u64 j0, j1, t0, t1, ms;

	/* Start on a tick boundary, then sleep through 10 ticks. */
	j0 = jiffies_read();
	while (jiffies_read() == j0)
		safe_halt();
	j0 = jiffies_read();
	t0 = clock_ns();
	while (jiffies_read() < j0 + 10)
		safe_halt();
	t1 = clock_ns();
	j1 = jiffies_read();

	KEXPECT(t1 > t0);
	ms = (t1 - t0) / 1000000;
	/*
	 * 10 ticks at HZ = 100 are at least 100 ms of clock time (less 20 %
	 * for calibration error): ticks must not come faster than the clock
	 * says.  They may come later - a busy host delays a virtual CPU's
	 * timer interrupts - so there is no upper bound: that would be a
	 * timing check, and those belong in benchmarks.
	 */
	if (ms < 80)
		ktest_fail(kt, __FILE__, __LINE__, "10 timer ticks took only %lu ms of clock time", ms);
	KEXPECT(j1 - j0 >= 10);
}

KTEST(clock_is_monotonic)
{
	u64 prev = clock_ns();

	for (int i = 0; i < 100000; i++) {
		u64 now = clock_ns();

		if (now < prev) {
			ktest_fail(kt, __FILE__, __LINE__, "clock went back from %lu to %lu", prev, now);
			break;
		}
		prev = now;
	}
	KEXPECT(tsc_hz() > 100000000ul);	/* any x86-64 CPU runs above 100 MHz */
}
