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
	if (info)
		si = *info;
	si.signo = sig;
	spin_lock(&t->lock);
	/* Standard signals do not queue: a second one while pending is merged. */
	if (!(t->pending & sigmask(sig)) && t->pending_info)
		t->pending_info[sig - 1] = si;
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
