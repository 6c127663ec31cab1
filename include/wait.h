/*
 * Wait queues: how a task sleeps until something happens.
 *
 *     spin_lock(&pipe->lock);
 *     while (pipe_empty(pipe)) {               // the condition, under a lock
 *             err = wait_sleep(&pipe->readers_wait, &pipe->lock, true);
 *             if (err) ...                      // -ERESTARTSYS: a signal came
 *     }
 *
 * wait_sleep() puts the task on the queue and marks it asleep *before*
 * dropping the lock, so a wake_up() from another CPU between the check and
 * the sleep cannot be lost; it takes the lock again before returning.
 * The caller re-checks its condition: wake-ups may be spurious.
 *
 * Lock: wq->lock protects the list of waiters.
 */
#ifndef PAGODA_WAIT_H
#define PAGODA_WAIT_H

#include <list.h>
#include <spinlock.h>

struct task;

struct wait_queue {
	struct spinlock lock;
	struct list_head waiters;	/* lock: struct waiter.link */
};

struct waiter {
	struct task *task;
	struct list_head link;	/* wq->lock */
	bool woken;		/* wq->lock: a wake_up picked this waiter */
	bool timed_out;		/* set by the timeout timer */
	bool *also_set;		/* poll: every wake_up sets this flag, shared by a task's waiters */
};

#define WAIT_QUEUE_INIT(name) { .lock = RAW_SPINLOCK_INIT("wait_queue"), .waiters = LIST_HEAD_INIT((name).waiters) }

void wait_queue_init(struct wait_queue *wq);

/*
 * Sleep on wq, releasing `held` (a spinlock the caller holds, or NULL) while
 * asleep.  interruptible: a signal ends the sleep with -ERESTARTSYS.
 * Returns 0 after a wake-up.
 */
int wait_sleep(struct wait_queue *wq, struct spinlock *held, bool interruptible);
/*
 * Sleep stopped (job control: TASK_STOPPED), until a wake_up on wq; no
 * signal ends it (the SIGCONT and SIGKILL senders wake the queue).
 */
void wait_sleep_stopped(struct wait_queue *wq, struct spinlock *held);
/* Like wait_sleep, but also wakes up after `ns` nanoseconds: then -ETIMEDOUT. */
int wait_sleep_timeout(struct wait_queue *wq, struct spinlock *held, bool interruptible, u64 ns);

void wake_up(struct wait_queue *wq);		/* every waiter */
void wake_up_one(struct wait_queue *wq);	/* the longest waiter (and every poller) */

/*
 * Waiting on several queues at once (poll, select: fs/select.c).  Each
 * queue gets a waiter of the current task whose also_set points at one
 * flag; every wake_up on any of them sets it.  wait_for_flag sleeps
 * (interruptibly) until the flag is set, a signal is pending, or ns pass
 * (0: no limit): 0, -ERESTARTSYS or -ETIMEDOUT.
 */
void wait_queue_add(struct wait_queue *wq, struct waiter *w);
void wait_queue_remove(struct wait_queue *wq, struct waiter *w);
int wait_for_flag(bool *flag, u64 ns);

#endif
