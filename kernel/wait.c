/*
 * Wait queues (see wait.h).
 *
 * Lock order: the caller's lock (`held`) -> wq->lock -> rq_lock.
 */
#include <errno.h>
#include <panic.h>
#include <sched.h>
#include <time.h>
#include <timer.h>
#include <wait.h>

void wait_queue_init(struct wait_queue *wq)
{
	raw_spin_init(&wq->lock, "wait_queue");
	list_init(&wq->waiters);
}

static void wake_on_timeout(struct timer *tm)
{
	struct waiter *w = tm->data;

	w->timed_out = true;
	wake_up_task(w->task, false);
}

/* Sleep in `state`: TASK_SLEEPING (a signal ends it), _UNINTERRUPTIBLE, or TASK_STOPPED. */
static int do_wait_sleep(struct wait_queue *wq, struct spinlock *held, enum task_state state,
			 u64 ns)
{
	struct waiter w = { .task = current };
	bool interruptible = state == TASK_SLEEPING;
	struct timer tm;
	bool slept = false;

	if (current == this_cpu()->idle)
		panic("the idle task must never sleep");

	spin_lock(&wq->lock);
	list_add_tail(&w.link, &wq->waiters);
	spin_unlock(&wq->lock);
	if (ns)
		timer_add(&tm, clock_ns() + ns, wake_on_timeout, &w);

	spin_lock(&rq_lock);
	if (!(interruptible && signal_pending(current)) && !READ_ONCE(w.woken) &&
	    !READ_ONCE(w.timed_out)) {
		current->state = state;
		/* What the hung-task watchdog looks for: a sleep only a wake_up ends. */
		if (state == TASK_SLEEPING_UNINTERRUPTIBLE && !ns)
			current->sleep_start_ns = clock_ns();
		if (held)
			spin_unlock(held);	/* only now: a waker needs rq_lock to wake us */
		schedule_locked();
		slept = true;
		WRITE_ONCE(current->sleep_start_ns, 0);
	} else {
		spin_unlock(&rq_lock);
	}

	if (ns)
		timer_cancel(&tm);
	spin_lock(&wq->lock);
	list_del(&w.link);
	spin_unlock(&wq->lock);
	if (slept && held)
		spin_lock(held);

	if (w.woken)
		return 0;
	if (w.timed_out)
		return -ETIMEDOUT;
	if (interruptible && signal_pending(current))
		return -ERESTARTSYS;
	return 0;
}

static enum task_state sleep_state(bool interruptible)
{
	return interruptible ? TASK_SLEEPING : TASK_SLEEPING_UNINTERRUPTIBLE;
}

int wait_sleep(struct wait_queue *wq, struct spinlock *held, bool interruptible)
{
	return do_wait_sleep(wq, held, sleep_state(interruptible), 0);
}

void wait_sleep_stopped(struct wait_queue *wq, struct spinlock *held)
{
	do_wait_sleep(wq, held, TASK_STOPPED, 0);
}

int wait_sleep_timeout(struct wait_queue *wq, struct spinlock *held, bool interruptible, u64 ns)
{
	return do_wait_sleep(wq, held, sleep_state(interruptible), ns ? ns : 1);
}

static void wake_waiters(struct wait_queue *wq, bool all)
{
	struct waiter *w;

	spin_lock(&wq->lock);
	list_for_each_entry(w, &wq->waiters, link) {
		if (w->also_set) {	/* a poller: told every time, never counts as the one */
			WRITE_ONCE(*w->also_set, true);
			wake_up_task(w->task, false);
			continue;
		}
		if (w->woken)
			continue;
		w->woken = true;
		wake_up_task(w->task, false);
		if (!all)
			break;
	}
	spin_unlock(&wq->lock);
}

void wake_up(struct wait_queue *wq)
{
	wake_waiters(wq, true);
}

void wake_up_one(struct wait_queue *wq)
{
	wake_waiters(wq, false);
}

void sleep_ns(u64 ns)
{
	struct wait_queue wq;

	wait_queue_init(&wq);
	while (wait_sleep_timeout(&wq, NULL, false, ns) == 0)
		;	/* nobody else knows this queue: only the timeout ends it */
}

void wait_queue_add(struct wait_queue *wq, struct waiter *w)
{
	w->task = current;
	spin_lock(&wq->lock);
	list_add_tail(&w->link, &wq->waiters);
	spin_unlock(&wq->lock);
}

void wait_queue_remove(struct wait_queue *wq, struct waiter *w)
{
	spin_lock(&wq->lock);
	list_del(&w->link);
	spin_unlock(&wq->lock);
}

/*
 * The flag is set under a queue's lock before the waker takes rq_lock to
 * wake us, and we test it under rq_lock before we sleep: a wake-up cannot
 * fall between the test and the sleep.
 */
int wait_for_flag(bool *flag, u64 ns)
{
	struct waiter timeout = { .task = current };
	struct timer tm;

	if (ns)
		timer_add(&tm, clock_ns() + ns, wake_on_timeout, &timeout);
	spin_lock(&rq_lock);
	if (!READ_ONCE(*flag) && !signal_pending(current) && !READ_ONCE(timeout.timed_out)) {
		current->state = TASK_SLEEPING;
		schedule_locked();
	} else {
		spin_unlock(&rq_lock);
	}
	if (ns)
		timer_cancel(&tm);
	if (READ_ONCE(*flag))
		return 0;
	if (READ_ONCE(timeout.timed_out))
		return -ETIMEDOUT;
	return signal_pending(current) ? -ERESTARTSYS : 0;
}
