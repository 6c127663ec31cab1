/*
 * Job control: stopping and continuing processes, as a shell's ^Z, fg
 * and bg need, and the terminal's checks of background process groups.
 *
 * A stop signal (SIGSTOP, and SIGTSTP, SIGTTIN, SIGTTOU unless handled or
 * ignored) stops the whole process: the thread that takes it marks the
 * group stopped, tells the parent (SIGCHLD with CLD_STOPPED, unless the
 * parent asked SA_NOCLDSTOP; wait4 with WUNTRACED reports it once), and
 * nudges the other threads; each thread, on its way back to user mode,
 * sleeps in TASK_STOPPED on the group's stop_wait.  No signal but SIGCONT
 * and SIGKILL ends that sleep; others stay pending until the process runs
 * again.  SIGCONT, sent to a stopped process, continues it whatever its
 * handler (the handler, if any, runs afterwards), discards pending stop
 * signals, and tells the parent (CLD_CONTINUED; WCONTINUED).  Sending a
 * stop signal discards a pending SIGCONT.
 *
 * A process group is orphaned when no member has a parent in another
 * group of the same session: nobody is left to continue it.  Its members
 * do not stop for SIGTSTP, SIGTTIN, SIGTTOU (the signal is discarded), and
 * the terminal answers their background reads and writes with EIO.  A
 * group that becomes orphaned (a process exits that was its last link)
 * while a member is stopped gets SIGHUP and SIGCONT, so it cannot stay
 * stopped for ever.
 *
 * Lock: tasklist_lock guards the groups' stop state, as it does parents,
 * children and process groups.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <task.h>

bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* Would process group pgid be orphaned without task `gone` (NULL: as it is)?  tasklist_lock held. */
static bool orphaned_without(int pgid, const struct task *gone)
{
	struct task *t;

	list_for_each_entry(t, &all_tasks, all_link) {
		struct task *p = t->parent;

		if (t == gone || t->pgid != pgid || t->state == TASK_ZOMBIE || t->state == TASK_DEAD)
			continue;
		if (p && p != gone && p->pgid != pgid && p->sid == t->sid)
			return false;
	}
	return true;
}

bool pgrp_is_orphaned(int pgid)
{
	return orphaned_without(pgid, NULL);
}

/* Call fn(tg) for every live process of group pgid but `gone`'s.  tasklist_lock held. */
static void for_each_process_in(int pgid, const struct task *gone,
				void (*fn)(struct thread_group *tg, void *arg), void *arg)
{
	struct task *t;

	list_for_each_entry(t, &all_tasks, all_link)
		if (t != gone && t->pgid == pgid && t->tg && t->tg->leader == t && t->tg->live > 0)
			fn(t->tg, arg);
}

static void note_stopped(struct thread_group *tg, void *arg)
{
	*(bool *)arg |= tg->group_stop;
}

static void hang_up_and_continue(struct thread_group *tg, void *arg)
{
	struct siginfo_k si = { .code = SI_KERNEL };

	(void)arg;
	si.signo = SIGHUP;
	send_signal_process_locked(tg, SIGHUP, &si);
	si.signo = SIGCONT;
	send_signal_process_locked(tg, SIGCONT, &si);
}

void orphaned_by_exit(int pgid, const struct task *exiting)
{
	bool stopped = false;

	if (!orphaned_without(pgid, exiting))
		return;
	for_each_process_in(pgid, exiting, note_stopped, &stopped);
	if (stopped)
		for_each_process_in(pgid, exiting, hang_up_and_continue, NULL);
}

/* SIGCHLD to tg's parent for a stop or a continue, unless it asked SA_NOCLDSTOP. */
static void notify_parent_of_change(struct thread_group *tg, int code, int status)
{
	struct task *leader = tg->leader, *parent = leader->parent;
	struct siginfo_k si = { .signo = SIGCHLD, .code = code, .pid = leader->tgid,
				.status = status };

	if (!parent || !parent->tg || !parent->sighand)
		return;
	if (!(parent->sighand->action[SIGCHLD - 1].flags & SA_NOCLDSTOP))
		send_signal_process_locked(parent->tg, SIGCHLD, &si);
	wake_up(&parent->child_exit);	/* a wait4 with WUNTRACED or WCONTINUED may want it */
}

/* Drop the signals of `set` pending for tg, in every thread and the shared queue. */
static void discard_pending(struct thread_group *tg, sigset_t set)
{
	struct task *t;

	for (int sig = 1; sig <= NSIG; sig++) {
		if (!(set & sigmask(sig)))
			continue;
		list_for_each_entry(t, &tg->threads, tg_link) {
			spin_lock(&t->lock);
			sigpending_flush(&t->pending, sig);
			spin_unlock(&t->lock);
		}
		spin_lock(&tg->siglock);
		sigpending_flush(&tg->shared, sig);
		spin_unlock(&tg->siglock);
	}
}

#define STOP_SIGNALS (sigmask(SIGSTOP) | sigmask(SIGTSTP) | sigmask(SIGTTIN) | sigmask(SIGTTOU))

void job_control_on_send(struct thread_group *tg, int sig)
{
	if (!tg)
		return;
	if (is_stop_signal(sig)) {
		discard_pending(tg, sigmask(SIGCONT));
	} else if (sig == SIGCONT) {
		discard_pending(tg, STOP_SIGNALS);
		if (tg->group_stop) {
			struct task *t;

			/* (A stop not yet complete ends too: reported as continued.) */
			list_for_each_entry(t, &tg->threads, tg_link)
				t->stop_pending = false;
			tg->stop_count = 0;
			tg->group_stop = false;
			tg->wait_report = WAIT_CONTINUED;
			notify_parent_of_change(tg, CLD_CONTINUED, SIGCONT);
			wake_up(&tg->stop_wait);
		}
	} else if (sig == SIGKILL) {
		wake_up(&tg->stop_wait);	/* a stopped process must still die */
	}
}

void do_signal_stop(int sig)
{
	struct task *t = current, *th;
	struct thread_group *tg = t->tg;

	spin_lock(&tasklist_lock);
	if (sig != SIGSTOP && pgrp_is_orphaned(t->pgid)) {
		spin_unlock(&tasklist_lock);
		return;		/* nobody would ever continue it: the signal is dropped */
	}
	if (!tg->exiting && !tg->group_stop) {
		tg->group_stop = true;
		tg->stop_signal = sig;
		/*
		 * Every thread stops on its way back to user mode (this one
		 * too, now); the parent hears of the stop when the last one
		 * has (stop_joined), not before, as on Linux.
		 */
		tg->stop_count = 0;
		list_for_each_entry(th, &tg->threads, tg_link) {
			th->stop_pending = true;
			tg->stop_count++;
			if (th != t)
				signal_wake_up(th);
		}
	}
	spin_unlock(&tasklist_lock);
}

/*
 * t has stopped for its process's stop, or has exited, which counts the
 * same: if it was the last thread the stop waited for, the stop is
 * complete and the parent is told - unless the process is ending (exit
 * cancels a pending stop, thread_group_begin_exit; or its last thread has
 * just gone).  tasklist_lock held.
 */
void stop_joined(struct task *t)
{
	struct thread_group *tg = t->tg;

	if (!t->stop_pending)
		return;
	t->stop_pending = false;
	if (--tg->stop_count == 0 && tg->group_stop && !tg->exiting && tg->live > 0) {
		tg->wait_report = WAIT_STOPPED;
		notify_parent_of_change(tg, CLD_STOPPED, tg->stop_signal);
	}
}

void group_stop_wait(void)
{
	struct task *t = current;
	struct thread_group *tg = t->tg;

	spin_lock(&tasklist_lock);
	for (;;) {
		/* Each pass: a SIGCONT and a new stop may have come while we were waking. */
		stop_joined(t);
		if (!tg->group_stop || tg->exiting || fatal_signal_pending(t))
			break;
		wait_sleep_stopped(&tg->stop_wait, &tasklist_lock);
	}
	spin_unlock(&tasklist_lock);
}

int wait_status_report(struct task *leader, int options, int *status)
{
	struct thread_group *tg = leader->tg;

	if ((options & WUNTRACED) && tg->wait_report == WAIT_STOPPED)
		*status = (tg->stop_signal << 8) | 0x7f;
	else if ((options & WCONTINUED) && tg->wait_report == WAIT_CONTINUED)
		*status = 0xffff;
	else
		return 0;
	if (!(options & WNOWAIT))
		tg->wait_report = 0;	/* reported once */
	return 1;
}

/*
 * May the current task act on terminal tty's settings or write to it (sig
 * SIGTTOU), or read from it (SIGTTIN)?  Only its foreground group may,
 * as Linux rules: a background task gets sig sent to its whole group and
 * -ERESTARTSYS (the call runs again once the group is continued in the
 * foreground), unless it ignores or blocks sig (then a write or an ioctl
 * goes ahead, a read fails with EIO), or its group is orphaned (EIO).
 * Tasks of another session, or none, are not the terminal's business.
 */
int tty_check_job(int tty_session, int tty_pgrp, int sig)
{
	struct task *t = current;
	struct siginfo_k si = { .signo = sig, .code = SI_KERNEL };
	bool blocked_or_ignored;
	int err = 0;

	if (!t->tg || t->sid != tty_session || tty_pgrp <= 0 || t->pgid == tty_pgrp)
		return 0;
	spin_lock(&tasklist_lock);
	blocked_or_ignored = (t->blocked & sigmask(sig)) ||
			     t->sighand->action[sig - 1].handler == SIG_IGN;
	if (blocked_or_ignored) {
		err = sig == SIGTTIN ? -EIO : 0;
	} else if (pgrp_is_orphaned(t->pgid)) {
		err = -EIO;
	} else {
		struct task *p;

		list_for_each_entry(p, &all_tasks, all_link)
			if (p->pgid == t->pgid && p->tg && p->tg->leader == p && p->tg->live > 0)
				send_signal_process_locked(p->tg, sig, &si);
		err = -ERESTARTSYS;
	}
	spin_unlock(&tasklist_lock);
	return err;
}
