/*
 * Sending signals: mark the signal pending on the target and wake it if it
 * sleeps interruptibly.  Delivery (running handlers, default actions)
 * happens on the target's way back to user mode (kernel/signal.c).
 *
 * Lock: task->lock protects pending, blocked and pending_info.
 */
#include <kmalloc.h>
#include <sched.h>
#include <signal.h>
#include <string.h>

bool signal_pending(struct task *t)
{
	return (READ_ONCE(t->pending) & ~READ_ONCE(t->blocked)) != 0;
}

void send_signal(struct task *t, int sig, const struct siginfo_k *info)
{
	struct siginfo_k si = { .signo = sig, .code = SI_KERNEL };

	if (sig < 1 || sig > NSIG)
		return;
	/* An ignored signal is thrown away at once, so it never interrupts a sleep. */
	if (signal_would_be_ignored(t, sig))
		return;
	if (info)
		si = *info;
	si.signo = sig;
	spin_lock(&t->lock);
	if (sig >= SIGRTMIN) {
		/* Real-time signals queue: every one sent is delivered, in order. */
		struct sigqueue *q = t->rt_queued < SIGQUEUE_MAX ? kmalloc(sizeof(*q), GFP_KERNEL) : NULL;

		if (!q) {
			spin_unlock(&t->lock);
			return;		/* the queue is full: this one is lost, as on Linux */
		}
		q->info = si;
		list_add_tail(&q->link, &t->rt_queue);
		t->rt_queued++;
	} else if (!(t->pending & sigmask(sig))) {
		/* Standard signals do not queue: a second one while pending is merged. */
		t->pending_info[sig - 1] = si;
	}
	t->pending |= sigmask(sig);
	spin_unlock(&t->lock);
	/* SIGKILL also ends an uninterruptible-by-signals wait on the way out. */
	if (signal_pending(t) || sig == SIGKILL)
		wake_up_task(t, true);
}

void send_sig_self(int sig)
{
	struct siginfo_k si = { .signo = sig, .code = SI_USER, .pid = current->tgid };

	send_signal(current, sig, &si);
}

void sigqueue_take(struct task *t, int sig, struct siginfo_k *info)
{
	struct sigqueue *q, *oldest = NULL;
	int queued = 0;

	list_for_each_entry(q, &t->rt_queue, link)
		if (q->info.signo == sig && queued++ == 0)
			oldest = q;
	if (oldest) {
		*info = oldest->info;
		list_del(&oldest->link);
		kfree(oldest);
		t->rt_queued--;
	}
	if (queued <= 1)	/* that was the last one: no longer pending */
		t->pending &= ~sigmask(sig);
}

void sigqueue_flush(struct task *t, int sig)
{
	struct sigqueue *q, *next;

	for (q = list_first_entry(&t->rt_queue, struct sigqueue, link); &q->link != &t->rt_queue; q = next) {
		next = list_entry(q->link.next, struct sigqueue, link);
		if (sig && q->info.signo != sig)
			continue;
		list_del(&q->link);
		kfree(q);
		t->rt_queued--;
	}
}
