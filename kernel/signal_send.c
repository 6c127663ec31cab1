/*
 * Sending signals: mark the signal pending - on the thread it was sent to,
 * or on its process, for any thread to take - and wake a thread that can
 * take it.  Delivery (handlers, default actions) happens on that thread's
 * way back to user mode (kernel/signal.c).
 *
 * Locks: task->lock protects a thread's pending set and blocked mask;
 * thread_group->siglock the process's pending set.
 */
#include <kmalloc.h>
#include <sched.h>
#include <signal.h>
#include <string.h>

void sigpending_init(struct sigpending *p)
{
	memset(p, 0, sizeof(*p));
	list_init(&p->rt_queue);
}

bool sigpending_add(struct sigpending *p, int sig, const struct siginfo_k *info)
{
	if (sig >= SIGRTMIN) {
		/* Real-time signals queue: every one sent is delivered, in order. */
		struct sigqueue *q = p->rt_queued < SIGQUEUE_MAX ? kmalloc(sizeof(*q), GFP_KERNEL) : NULL;

		if (!q)
			return false;	/* the queue is full: this one is lost, as on Linux */
		q->info = *info;
		list_add_tail(&q->link, &p->rt_queue);
		p->rt_queued++;
	} else if (!(p->set & sigmask(sig))) {
		/* Standard signals do not queue: a second one while pending is merged. */
		p->info[sig - 1] = *info;
	}
	p->set |= sigmask(sig);
	return true;
}

void sigpending_take(struct sigpending *p, int sig, struct siginfo_k *info)
{
	struct sigqueue *q, *oldest = NULL;
	int queued = 0;

	if (sig < SIGRTMIN) {
		p->set &= ~sigmask(sig);
		*info = p->info[sig - 1];
		return;
	}
	list_for_each_entry(q, &p->rt_queue, link)
		if (q->info.signo == sig && queued++ == 0)
			oldest = q;
	if (oldest) {
		*info = oldest->info;
		list_del(&oldest->link);
		kfree(oldest);
		p->rt_queued--;
	}
	if (queued <= 1)	/* that was the last one: no longer pending */
		p->set &= ~sigmask(sig);
}

void sigpending_flush(struct sigpending *p, int sig)
{
	struct sigqueue *q, *next;

	for (q = list_first_entry(&p->rt_queue, struct sigqueue, link); &q->link != &p->rt_queue; q = next) {
		next = list_entry(q->link.next, struct sigqueue, link);
		if (sig && q->info.signo != sig)
			continue;
		list_del(&q->link);
		kfree(q);
		p->rt_queued--;
	}
	p->set &= sig ? ~sigmask(sig) : 0;
}

/* Is a signal that t does not block pending, for it or for its process? */
static bool unblocked_signal_pending(struct task *t)
{
	sigset_t pending = READ_ONCE(t->pending.set);

	if (t->tg)
		pending |= READ_ONCE(t->tg->shared.set);
	return (pending & ~READ_ONCE(t->blocked)) != 0;
}

bool signal_pending(struct task *t)
{
	/* Its process is stopping: an interruptible sleep must end, so that it stops too. */
	return READ_ONCE(t->stop_pending) || unblocked_signal_pending(t);
}

bool only_stop_pending(struct task *t)
{
	return READ_ONCE(t->stop_pending) && !unblocked_signal_pending(t);
}

bool fatal_signal_pending(struct task *t)
{
	sigset_t pending = READ_ONCE(t->pending.set);

	if (t->tg)
		pending |= READ_ONCE(t->tg->shared.set);
	return pending & sigmask(SIGKILL);
}

static struct siginfo_k make_info(int sig, const struct siginfo_k *info)
{
	struct siginfo_k si = { .signo = sig, .code = SI_KERNEL };

	if (info)
		si = *info;
	si.signo = sig;
	return si;
}

void send_signal(struct task *t, int sig, const struct siginfo_k *info)
{
	struct siginfo_k si = make_info(sig, info);
	bool added;

	if (sig < 1 || sig > NSIG)
		return;
	job_control_on_send(t->tg, sig);	/* SIGCONT continues even if it is then ignored */
	/* An ignored signal is thrown away at once, so it never interrupts a sleep. */
	if (signal_would_be_ignored(t, sig))
		return;
	spin_lock(&t->lock);
	added = sigpending_add(&t->pending, sig, &si);
	spin_unlock(&t->lock);
	if (added)
		signal_wake_up(t);
}

void send_signal_process_locked(struct thread_group *tg, int sig, const struct siginfo_k *info)
{
	struct siginfo_k si = make_info(sig, info);
	bool added;

	if (sig < 1 || sig > NSIG)
		return;
	job_control_on_send(tg, sig);
	if (signal_would_be_ignored(tg->leader, sig))
		return;
	spin_lock(&tg->siglock);
	added = sigpending_add(&tg->shared, sig, &si);
	spin_unlock(&tg->siglock);
	/* Wake a thread that does not block it; it takes the signal on its way out. */
	if (added)
		signal_wake_up(thread_group_pick(tg, sig));
}

void send_signal_process(struct thread_group *tg, int sig, const struct siginfo_k *info)
{
	spin_lock(&tasklist_lock);
	send_signal_process_locked(tg, sig, info);
	spin_unlock(&tasklist_lock);
}

void send_sig_self(int sig)
{
	struct siginfo_k si = { .signo = sig, .code = SI_USER, .pid = current->tgid };

	send_signal(current, sig, &si);
}
