/*
 * Kernel timers: call fn(timer) from the timer interrupt once the
 * monotonic clock passes `expires_ns`.  The resolution is one tick
 * (1/HZ s).  fn runs with interrupts off and must not sleep.
 *
 * Lock: timer_lock (kernel/timer.c) protects the list and `pending`.
 */
#ifndef PAGODA_TIMER_H
#define PAGODA_TIMER_H

#include <list.h>
#include <types.h>

struct timer {
	struct list_head link;	/* timer_lock: the pending list, by expiry */
	u64 expires_ns;		/* timer_lock */
	bool pending;		/* timer_lock */
	void (*fn)(struct timer *t);
	void *data;		/* for fn's use */
};

void timer_add(struct timer *t, u64 expires_ns, void (*fn)(struct timer *), void *data);
/* Stop a timer; true if it was still pending.  Waits if its fn is running. */
bool timer_cancel(struct timer *t);
/* Called by the timer interrupt. */
void timers_run(void);

#endif
