/*
 * Time system calls: clocks, sleeping, and the real-time interval timer
 * (alarm, setitimer) that sends SIGALRM.
 *
 * CLOCK_MONOTONIC is the TSC clock (kernel/time.c); CLOCK_REALTIME adds
 * the wall-clock time read from the CMOS clock at boot.  Sleeps and timers
 * have the resolution of the timer tick (1/HZ).
 */
#include <errno.h>
#include <rtc.h>
#include <sched.h>
#include <syscall.h>
#include <time.h>
#include <timer.h>
#include <usercopy.h>

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

struct timeval_k {
	long tv_sec;
	long tv_usec;
};

struct itimerval_k {
	struct timeval_k it_interval;
	struct timeval_k it_value;
};

static u64 realtime_offset_ns;	/* wall clock at monotonic zero */

u64 realtime_offset(void)
{
	return realtime_offset_ns;
}

void time_init_realtime(void)
{
	realtime_offset_ns = rtc_read_epoch_seconds() * NSEC_PER_SEC - clock_ns();
}

/* Now, on the given clock, in ns; -EINVAL for an unknown clock. */
static long clock_now(int clock, u64 *ns)
{
	struct cputime t;

	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = clock_ns() + realtime_offset_ns;
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = clock_ns();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
		t = current_process_cputime();
		*ns = t.user_ns + t.system_ns;
		return 0;
	case CLOCK_THREAD_CPUTIME_ID:
		t = thread_cputime();
		*ns = t.user_ns + t.system_ns;
		return 0;
	default:
		return -EINVAL;
	}
}

static struct timespec_k ns_to_timespec(u64 ns)
{
	return (struct timespec_k){ ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };
}

static long timespec_to_ns(const struct timespec_k *ts, u64 *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (long)NSEC_PER_SEC)
		return -EINVAL;
	*ns = (u64)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
	return 0;
}

long sys_clock_gettime(int clock, struct timespec_k *tp)
{
	struct timespec_k ts;
	u64 ns;
	long err = clock_now(clock, &ns);

	if (err)
		return err;
	ts = ns_to_timespec(ns);
	return copy_to_user(tp, &ts, sizeof(ts)) ? -EFAULT : 0;
}

long sys_clock_getres(int clock, struct timespec_k *tp)
{
	struct timespec_k res = { 0, 1 };
	u64 ns;

	if (clock_now(clock, &ns))
		return -EINVAL;
	if (clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE)
		res.tv_nsec = NSEC_PER_SEC / HZ;
	if (tp && copy_to_user(tp, &res, sizeof(res)))
		return -EFAULT;
	return 0;
}

long sys_gettimeofday(void *tv, void *tz)
{
	u64 ns = clock_ns() + realtime_offset_ns;
	struct timeval_k t = { ns / NSEC_PER_SEC, ns % NSEC_PER_SEC / 1000 };

	if (tv && copy_to_user(tv, &t, sizeof(t)))
		return -EFAULT;
	if (tz && clear_user(tz, 8))	/* struct timezone: always UTC */
		return -EFAULT;
	return 0;
}

long sys_time(long *t)
{
	long now = (clock_ns() + realtime_offset_ns) / NSEC_PER_SEC;

	if (t && put_user_u64(now, t))
		return -EFAULT;
	return now;
}

/*
 * Sleep until the monotonic clock reaches deadline.  A signal ends it
 * early: the remaining time is stored in *rem and the call returns
 * -ERESTART_RESTARTBLOCK, which becomes EINTR if a handler runs (Linux
 * never restarts nanosleep after one) and otherwise - a stop, say, that
 * is continued - makes the thread call restart_syscall, which sleeps on
 * to the same deadline.  A stop that another thread of the process took
 * pauses the sleep here, with no restart.
 */
static long sleep_until(u64 deadline, struct timespec_k *rem)
{
	struct wait_queue wq;

	wait_queue_init(&wq);
	for (;;) {
		u64 now = clock_ns();
		int err;

		if (now >= deadline)
			return 0;
		err = wait_sleep_timeout(&wq, NULL, true, deadline - now);
		if (err == -ERESTARTSYS && only_stop_pending(current)) {
			group_stop_wait();
			continue;
		}
		if (err == -ERESTARTSYS) {
			struct timespec_k left = ns_to_timespec(deadline > clock_ns() ?
								deadline - clock_ns() : 1);
			if (rem && copy_to_user(rem, &left, sizeof(left)))
				return -EFAULT;
			current->restart_sleep = true;
			current->restart_deadline = deadline;
			current->restart_rem = rem;
			return -ERESTART_RESTARTBLOCK;
		}
	}
}

/* The call user space makes when told to (handle_syscall_restart): resume the interrupted sleep. */
long sys_restart_syscall(void)
{
	struct task *t = current;

	if (!t->restart_sleep)
		return -EINTR;	/* nothing to resume: as Linux */
	t->restart_sleep = false;
	return sleep_until(t->restart_deadline, t->restart_rem);
}

long sys_nanosleep(const struct timespec_k *req, struct timespec_k *rem)
{
	struct timespec_k ts;
	u64 ns;

	if (copy_from_user(&ts, req, sizeof(ts)))
		return -EFAULT;
	if (timespec_to_ns(&ts, &ns))
		return -EINVAL;
	return sleep_until(clock_ns() + ns, rem);
}

long sys_clock_nanosleep(int clock, int flags, const struct timespec_k *req, struct timespec_k *rem)
{
	struct timespec_k ts;
	u64 ns, now;

	if (clock == CLOCK_THREAD_CPUTIME_ID || clock_now(clock, &now))
		return -EINVAL;
	/* Waiting for the process to use CPU time needs CPU-time timers, which Pagoda lacks. */
	if (clock == CLOCK_PROCESS_CPUTIME_ID)
		return -EOPNOTSUPP;
	if (copy_from_user(&ts, req, sizeof(ts)))
		return -EFAULT;
	if (timespec_to_ns(&ts, &ns))
		return -EINVAL;
	if (flags & TIMER_ABSTIME)	/* convert to the monotonic clock's deadline */
		return sleep_until(ns > now ? clock_ns() + (ns - now) : 0, NULL);
	return sleep_until(clock_ns() + ns, rem);
}

/* ---- ITIMER_REAL: one per process, shared by alarm() and setitimer() ---- */

static void itimer_fire(struct timer *tm)
{
	struct task *t = tm->data;
	struct siginfo_k si = { .signo = SIGALRM, .code = SI_KERNEL };

	spin_lock(&tasklist_lock);
	if (t->itimer_real_interval_ns)
		timer_add(tm, tm->expires_ns + t->itimer_real_interval_ns, itimer_fire, t);
	else
		t->itimer_real_expires_ns = 0;
	spin_unlock(&tasklist_lock);
	send_signal_process(t->tg, SIGALRM, &si);
}

void itimer_cancel(struct task *t)
{
	timer_cancel(&t->itimer_real);
}

static u64 timeval_ns(const struct timeval_k *tv)
{
	return (u64)tv->tv_sec * NSEC_PER_SEC + (u64)tv->tv_usec * 1000;
}

static struct timeval_k ns_timeval(u64 ns)
{
	return (struct timeval_k){ ns / NSEC_PER_SEC, ns % NSEC_PER_SEC / 1000 };
}

/* Read the current setting into *old and, if new_value, replace it. */
static void itimer_swap(const struct itimerval_k *new_value, struct itimerval_k *old)
{
	struct task *t = current;
	u64 now = clock_ns();

	if (new_value)
		timer_cancel(&t->itimer_real);
	spin_lock(&tasklist_lock);
	old->it_interval = ns_timeval(t->itimer_real_interval_ns);
	old->it_value = ns_timeval(t->itimer_real_expires_ns > now ?
				   t->itimer_real_expires_ns - now : 0);
	if (new_value) {
		t->itimer_real_interval_ns = timeval_ns(&new_value->it_interval);
		t->itimer_real_expires_ns = timeval_ns(&new_value->it_value) ?
					    now + timeval_ns(&new_value->it_value) : 0;
		if (t->itimer_real_expires_ns)
			timer_add(&t->itimer_real, t->itimer_real_expires_ns, itimer_fire, t);
	}
	spin_unlock(&tasklist_lock);
}

static bool timeval_ok(const struct timeval_k *tv)
{
	return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000;
}

long sys_setitimer(int which, const void *new_value, void *old_value)
{
	struct itimerval_k n, o;

	if (which != ITIMER_REAL)
		return which == ITIMER_VIRTUAL || which == ITIMER_PROF ? -ENOSYS : -EINVAL;
	if (new_value && copy_from_user(&n, new_value, sizeof(n)))
		return -EFAULT;
	if (new_value && (!timeval_ok(&n.it_value) || !timeval_ok(&n.it_interval)))
		return -EINVAL;
	itimer_swap(new_value ? &n : NULL, &o);
	if (old_value && copy_to_user(old_value, &o, sizeof(o)))
		return -EFAULT;
	return 0;
}

long sys_getitimer(int which, void *value)
{
	struct itimerval_k o;

	if (which != ITIMER_REAL)
		return which == ITIMER_VIRTUAL || which == ITIMER_PROF ? -ENOSYS : -EINVAL;
	itimer_swap(NULL, &o);
	return copy_to_user(value, &o, sizeof(o)) ? -EFAULT : 0;
}

long sys_alarm(unsigned int seconds)
{
	struct itimerval_k n = { .it_value = { seconds, 0 } }, o;

	itimer_swap(&n, &o);
	/* Whole seconds left, rounded; a remainder under a second still counts as 1. */
	if (o.it_value.tv_sec == 0 && o.it_value.tv_usec)
		return 1;
	return o.it_value.tv_sec + (o.it_value.tv_usec >= 500000);
}
