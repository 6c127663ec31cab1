/*
 * The load average (/proc/loadavg, sysinfo, uptime): how many tasks want
 * a CPU or wait uninterruptibly (for a disk, say), averaged over 1, 5 and
 * 15 minutes, as Linux computes it.  Every 5 s a kernel thread counts
 * them and folds the count into three exponentially decaying averages:
 *     load = load * e + n * (1 - e),   e = exp(-5 s / 1, 5, 15 min)
 * in fixed point with 11 fractional bits (Linux's constants).  An
 * uninterruptible sleep counts when it waits for an event (a disk, a lock:
 * no time limit); a kernel thread's timed nap does not (Linux gives those
 * TASK_IDLE).
 */
#include <sched.h>
#include <task.h>
#include <time.h>

#define FSHIFT 11
#define FIXED_1 (1ul << FSHIFT)
#define LOAD_INTERVAL_NS (5 * NSEC_PER_SEC)

static const unsigned long load_exp[3] = { 1884, 2014, 2037 };	/* FIXED_1 * e */
static unsigned long avenrun[3];	/* written by the thread only, read anywhere */

bool task_blocked(const struct task *t)
{
	return READ_ONCE(t->state) == TASK_SLEEPING_UNINTERRUPTIBLE && READ_ONCE(t->sleep_start_ns);
}

/* Tasks running, runnable or blocked (see above); the idle tasks and ourselves not. */
static unsigned long count_active(void)
{
	unsigned long n = 0;
	struct task *t;

	spin_lock(&tasklist_lock);
	list_for_each_entry(t, &all_tasks, all_link)
		if (t != current && t->pid != 0 &&
		    (READ_ONCE(t->state) == TASK_RUNNABLE || task_blocked(t)))
			n++;
	spin_unlock(&tasklist_lock);
	return n;
}

static unsigned long fold(unsigned long load, unsigned long e, unsigned long active)
{
	unsigned long next = load * e + active * (FIXED_1 - e);

	if (active >= load)
		next += FIXED_1 - 1;	/* round up while it climbs, as Linux does */
	return next / FIXED_1;
}

static void loadavg_thread(void *arg)
{
	(void)arg;
	for (;;) {
		unsigned long active;

		sleep_ns(LOAD_INTERVAL_NS);
		active = count_active() * FIXED_1;
		for (int i = 0; i < 3; i++)
			WRITE_ONCE(avenrun[i], fold(avenrun[i], load_exp[i], active));
	}
}

void loadavg_start(void)
{
	kthread_create(loadavg_thread, NULL, "loadavg");
}

void get_loadavg(unsigned long loads[3], int shift)
{
	for (int i = 0; i < 3; i++)
		loads[i] = READ_ONCE(avenrun[i]) << (shift - FSHIFT);
}
