/*
 * CPU time accounting: how long each thread has run in user mode and in
 * the kernel, and the calls that report it (times, getrusage; the CPU-time
 * clocks, wait4's rusage and /proc read it too).
 *
 * Measured, not sampled.  A thread stamps the clock each time it crosses
 * a boundary, and the interval since its last stamp goes to the side it
 * was on:
 *
 *   user mode -> kernel   (system call, interrupt, exception)   user time
 *   kernel -> user mode   (the last step of return_to_user)      system time
 *   switched off its CPU  (always from inside the kernel)        system time
 *   switched on           a new stamp, nothing added
 *
 * So every nanosecond a thread spends on a CPU is counted once, on one
 * side (but for the last steps of an exiting thread, after it has left
 * its time to its process).  (Linux instead samples at each timer tick which side the thread
 * was on and divides its measured run time in that proportion; measuring
 * costs two clock reads per system call, which a teaching kernel can pay
 * for an exact answer.)  A thread spinning in user mode is still counted
 * promptly: the timer interrupt enters the kernel every tick.
 *
 * A process's time is its live threads' plus what its exited threads left
 * in thread_group.exited; when a parent reaps a child, the child's time
 * and its own children's go to the parent's thread_group.children
 * (times()'s cutime and cstime, RUSAGE_CHILDREN).  A child nobody waits
 * for (SIGCHLD ignored) is not counted, as on Linux.
 *
 * Each CPU also counts its user and system time (/proc/stat), the same
 * intervals, and its idle time around the halt (kernel/sched.c).
 *
 * Locking: a thread's counters and stamp are written only by the thread
 * itself, on its CPU, with no switch possible in between (the kernel is
 * not preempted), or by the switch to it, before it runs; others read
 * them with READ_ONCE.  Nested interrupts come from the kernel and account
 * nothing.  The process totals are under tasklist_lock.
 */
#include <cputime.h>
#include <errno.h>
#include <percpu.h>
#include <sched.h>
#include <syscall.h>
#include <task.h>
#include <time.h>
#include <usercopy.h>

/*
 * Give the time since t's last stamp to one of its counters and, unless
 * NULL, to one of this CPU's (and restamp).
 */
static void account_interval(struct task *t, u64 *counter, u64 *cpu_counter)
{
	u64 now = clock_ns(), ran = now - t->cputime_stamp;

	WRITE_ONCE(*counter, *counter + ran);
	if (cpu_counter)
		WRITE_ONCE(*cpu_counter, *cpu_counter + ran);
	t->cputime_stamp = now;
}

/* Interrupts off (syscall_entry calls it before sti). */
void account_enter_kernel(void)
{
	account_interval(current, &current->utime_ns, &this_cpu()->user_ns);
}

void account_return_to_user(void)
{
	account_interval(current, &current->stime_ns, &this_cpu()->system_ns);
}

/*
 * rq_lock held.  next is not running anywhere yet, so its stamp is ours to
 * set.  The idle task's time is idle time (counted around the halt), not
 * the CPU's system time; its own counter grows, and nobody reads it.
 */
void account_switch(struct task *prev, struct task *next)
{
	struct cpu *cpu = this_cpu();

	account_interval(prev, &prev->stime_ns, prev == cpu->idle ? NULL : &cpu->system_ns);
	next->cputime_stamp = prev->cputime_stamp;	/* the same instant */
}

struct cputime thread_cputime(void)
{
	struct task *t = current;

	/* We are in the kernel: the time since the stamp is system time. */
	return (struct cputime){ t->utime_ns, t->stime_ns + clock_ns() - t->cputime_stamp };
}

struct cputime process_cputime(struct thread_group *tg)
{
	struct cputime sum = tg->exited;
	struct task *t;

	list_for_each_entry(t, &tg->threads, tg_link)
		sum = cputime_add(sum, (struct cputime){ READ_ONCE(t->utime_ns),
							 READ_ONCE(t->stime_ns) });
	return sum;
}

struct cputime current_process_cputime(void)
{
	struct cputime sum;

	spin_lock(&tasklist_lock);
	sum = process_cputime(current->tg);
	spin_unlock(&tasklist_lock);
	/* Ours since we entered the kernel, not yet on the counters. */
	sum.system_ns += clock_ns() - current->cputime_stamp;
	return sum;
}

void cputime_thread_exited(void)
{
	struct task *t = current;

	account_interval(t, &t->stime_ns, &this_cpu()->system_ns);
	t->tg->exited = cputime_add(t->tg->exited, (struct cputime){ t->utime_ns, t->stime_ns });
}

struct cputime cputime_of_child(struct thread_group *child)
{
	return cputime_add(process_cputime(child), child->children);
}

void rusage_from_cputime(struct rusage_k *ru, struct cputime t)
{
	ru->utime_sec = t.user_ns / NSEC_PER_SEC;
	ru->utime_usec = t.user_ns % NSEC_PER_SEC / 1000;
	ru->stime_sec = t.system_ns / NSEC_PER_SEC;
	ru->stime_usec = t.system_ns % NSEC_PER_SEC / 1000;
}

struct tms_k {
	long utime, stime, cutime, cstime;
};

/* times: the process's and its reaped children's CPU time, and the clock, in ticks. */
long sys_times(struct tms_k *buf)
{
	struct cputime self = current_process_cputime(), children;
	struct tms_k tms;

	spin_lock(&tasklist_lock);
	children = current->tg->children;
	spin_unlock(&tasklist_lock);
	tms = (struct tms_k){ ns_to_clock_t(self.user_ns), ns_to_clock_t(self.system_ns),
			      ns_to_clock_t(children.user_ns), ns_to_clock_t(children.system_ns) };
	if (buf && copy_to_user(buf, &tms, sizeof(tms)))
		return -EFAULT;
	/* Ticks since boot: Linux counts from an arbitrary point too. */
	return ns_to_clock_t(clock_ns());
}

#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD 1

/*
 * getrusage: the CPU times, and the minor faults of the thread or the
 * process; the other counts read 0 (see docs/design.md, §8.2).
 */
long sys_getrusage(int who, struct rusage_k *ru)
{
	struct rusage_k r = { 0 };

	switch (who) {
	case RUSAGE_THREAD:
		rusage_from_cputime(&r, thread_cputime());
		r.rest[RU_MINFLT] = current->min_flt;
		break;
	case RUSAGE_SELF:
		rusage_from_cputime(&r, current_process_cputime());
		r.rest[RU_MINFLT] = __atomic_load_n(&current->tg->min_flt, __ATOMIC_RELAXED);
		break;
	case RUSAGE_CHILDREN:
		spin_lock(&tasklist_lock);
		rusage_from_cputime(&r, current->tg->children);
		spin_unlock(&tasklist_lock);
		break;
	default:
		return -EINVAL;
	}
	return copy_to_user(ru, &r, sizeof(r)) ? -EFAULT : 0;
}
