/*
 * Seeing what the tasks are doing: the hung-task watchdog and the
 * console's task dump.
 *
 * The watchdog: a kernel thread that wakes every second and looks for
 * tasks asleep uninterruptibly, with no time-out, for longer than
 * hung_task_timeout seconds (boot option; 20 by default, 0 turns it
 * off).  A deadlocked task sleeps exactly so, and nothing else should for
 * that long: it is reported once per sleep, with its stack and the locks
 * it holds.  Kernel threads waiting for work sleep interruptibly, so they
 * are not reported.
 *
 * The dump: Ctrl-T twice in a row on the serial console (BSD's status
 * key, doubled so a program still gets a single one) prints every task
 * with its state, stack and held locks.  It runs in the serial interrupt
 * itself, so it works even while every task is stuck.
 */
#include <cmdline.h>
#include <hung_task.h>
#include <lockdep.h>
#include <panic.h>
#include <printk.h>
#include <sched.h>
#include <string.h>
#include <symbols.h>
#include <time.h>

#define DEFAULT_TIMEOUT_S 20
#define CHECK_PERIOD_NS 1000000000ul
#define DUMP_KEY 0x14		/* Ctrl-T */
#define STACK_FRAMES 16

static u64 timeout_ns = DEFAULT_TIMEOUT_S * 1000000000ul;	/* set at start */
static unsigned long nr_hung_reports;				/* atomic */
static bool reports_expected;					/* a self-test provokes them */

static const char *state_name(const struct task *t)
{
	switch (READ_ONCE(t->state)) {
	case TASK_RUNNABLE:
		return READ_ONCE(t->on_cpu) >= 0 ? "running" : "runnable";
	case TASK_SLEEPING:
		return "sleeping";
	case TASK_SLEEPING_UNINTERRUPTIBLE:
		return "sleeping (uninterruptible)";
	case TASK_STOPPED:
		return "stopped";
	case TASK_ZOMBIE:
		return "zombie";
	case TASK_DEAD:
		return "dead";
	}
	return "?";
}

/*
 * A task that is off its CPU stopped in switch_to, which pushed rbp, rbx,
 * r12-r15 (kernel/switch.asm): its saved rbp starts the frame chain.
 */
static void print_task_stack(struct task *t)
{
	u64 frames[STACK_FRAMES];
	int n;

	if (t == current) {
		dump_stack();
		return;
	}
	if (READ_ONCE(t->on_cpu) >= 0) {
		kprintf("  (running on CPU %d: no stack while it runs)\n", READ_ONCE(t->on_cpu));
		return;
	}
	n = backtrace_collect(((u64 *)READ_ONCE(t->context.rsp))[5], frames, STACK_FRAMES);
	kprintf("Call trace:\n");
	print_frames(frames, n);
}

static void show_task(struct task *t)
{
	kprintf("%s/%d: %s\n", t->comm, t->pid, state_name(t));
	if (t->state != TASK_ZOMBIE && t->state != TASK_DEAD)
		print_task_stack(t);
	lockdep_print_held_locks(t);
}

void show_all_tasks(void)
{
	struct task *t;

	kprintf("\n--- tasks (the console's task dump) ---\n");
	spin_lock(&tasklist_lock);
	list_for_each_entry(t, &all_tasks, all_link)
		show_task(t);
	spin_unlock(&tasklist_lock);
	kprintf("--- end of tasks ---\n");
}

bool console_dump_key(char c)
{
	static char last;	/* only the serial interrupt calls this */
	bool dump = c == DUMP_KEY && last == DUMP_KEY;

	last = dump ? 0 : c;	/* a third press starts a new pair */
	if (dump)
		show_all_tasks();
	return dump;
}

void hung_task_expect_reports(bool expect)
{
	WRITE_ONCE(reports_expected, expect);
}

unsigned long hung_task_report_count(void)
{
	return __atomic_load_n(&nr_hung_reports, __ATOMIC_ACQUIRE);
}

static void report_hung(struct task *t, u64 since, u64 now)
{
	kprintf("\nINFO: task %s/%d blocked for more than %lu seconds%s.\n", t->comm, t->pid,
		(unsigned long)((now - since) / 1000000000ul),
		READ_ONCE(reports_expected) ? " (expected by a self-test)" : "");
	print_task_stack(t);
	lockdep_print_held_locks(t);
	__atomic_add_fetch(&nr_hung_reports, 1, __ATOMIC_RELEASE);
}

/* Report t if it has slept so for limit_ns or more, once per sleep.  tasklist_lock held. */
static void check_task(struct task *t, u64 now, u64 limit_ns)
{
	u64 since = READ_ONCE(t->sleep_start_ns);

	/* (A sleep that began after `now` was read is not old.) */
	if (!since || READ_ONCE(t->state) != TASK_SLEEPING_UNINTERRUPTIBLE ||
	    since > now || now - since < limit_ns || t->hung_reported_ns == since)
		return;
	t->hung_reported_ns = since;
	report_hung(t, since, now);
}

void check_hung_tasks(u64 limit_ns)
{
	u64 now = clock_ns();
	struct task *t;

	spin_lock(&tasklist_lock);
	list_for_each_entry(t, &all_tasks, all_link)
		check_task(t, now, limit_ns);
	spin_unlock(&tasklist_lock);
}

void check_hung_task(struct task *t, u64 limit_ns)
{
	u64 now = clock_ns();

	spin_lock(&tasklist_lock);
	check_task(t, now, limit_ns);
	spin_unlock(&tasklist_lock);
}

static void watchdog(void *arg)
{
	struct wait_queue never;

	(void)arg;
	wait_queue_init(&never);
	for (;;) {
		/* Interruptible: the watchdog's own sleep is not a hang. */
		wait_sleep_timeout(&never, NULL, true, CHECK_PERIOD_NS);
		check_hung_tasks(timeout_ns);
	}
}

void hung_task_start(void)
{
	char value[16];

	if (cmdline_get("hung_task_timeout", value, sizeof(value)))
		timeout_ns = strtoul(value, NULL, 10) * 1000000000ul;
	if (timeout_ns == 0)
		return;
	if (!kthread_create(watchdog, NULL, "hung_task"))
		pr_warn("hung_task: cannot start the watchdog");
}
