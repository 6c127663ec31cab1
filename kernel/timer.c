/*
 * Kernel timers (see timer.h): a list sorted by expiry, checked on every
 * tick.  Few timers are ever pending (sleeping tasks, interval timers),
 * so a sorted list is both simple and fast enough.
 */
#include <spinlock.h>
#include <time.h>
#include <timer.h>
#include <x86.h>

static struct spinlock timer_lock = SPINLOCK_INIT("timer");
static struct list_head pending_timers = LIST_HEAD_INIT(pending_timers);	/* timer_lock */
static struct timer *running_timer;	/* timer_lock: whose fn runs right now */

void timer_add(struct timer *t, u64 expires_ns, void (*fn)(struct timer *), void *data)
{
	struct timer *pos;

	t->fn = fn;
	t->data = data;
	spin_lock(&timer_lock);
	t->expires_ns = expires_ns;
	t->pending = true;
	list_for_each_entry(pos, &pending_timers, link)
		if (pos->expires_ns > expires_ns)
			break;
	list_add_tail(&t->link, &pos->link);	/* before pos: the list stays sorted */
	spin_unlock(&timer_lock);
}

bool timer_cancel(struct timer *t)
{
	bool was_pending;

	for (;;) {
		spin_lock(&timer_lock);
		if (running_timer != t)
			break;
		spin_unlock(&timer_lock);	/* its fn runs on another CPU: wait */
		cpu_relax();
	}
	was_pending = t->pending;
	if (was_pending) {
		list_del(&t->link);
		t->pending = false;
	}
	spin_unlock(&timer_lock);
	return was_pending;
}

void timers_run(void)
{
	u64 now = clock_ns();

	spin_lock(&timer_lock);
	while (!list_empty(&pending_timers)) {
		struct timer *t = list_first_entry(&pending_timers, struct timer, link);

		if (t->expires_ns > now)
			break;
		list_del(&t->link);
		t->pending = false;
		running_timer = t;
		/* Call it unlocked: fn may add timers (interval timers re-arm). */
		spin_unlock(&timer_lock);
		t->fn(t);
		spin_lock(&timer_lock);
		running_timer = NULL;
	}
	spin_unlock(&timer_lock);
}
