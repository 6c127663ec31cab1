/*
 * Processes as groups of threads (see struct thread_group in task.h).
 *
 * What belongs to the process rather than to one thread: the pid (the
 * leader's), the moment it ends (when the last thread exits), its exit
 * status (exit_group's, or the fatal signal's), and signals sent to it
 * with kill(), which go to one thread that does not block them.
 *
 * Lock: tasklist_lock protects threads, live, exiting and exit_code.
 */
#include <kmalloc.h>
#include <sched.h>
#include <signal.h>

struct thread_group *thread_group_new(struct task *leader)
{
	struct thread_group *tg = kzalloc(sizeof(*tg), GFP_KERNEL);

	if (!tg)
		return NULL;
	tg->refcount = 1;
	tg->leader = leader;
	tg->unkillable = leader->pid == 1;
	spin_init(&tg->siglock, "siglock");
	sigpending_init(&tg->shared);
	list_init(&tg->threads);
	wait_queue_init(&tg->live_changed);
	wait_queue_init(&tg->stop_wait);
	return tg;
}

void thread_group_put(struct thread_group *tg)
{
	if (tg && __atomic_sub_fetch(&tg->refcount, 1, __ATOMIC_ACQ_REL) == 0) {
		sigpending_flush(&tg->shared, 0);
		kfree(tg);
	}
}

/* Join t to tg as a live thread; tasklist_lock held. */
void thread_group_add(struct thread_group *tg, struct task *t)
{
	if (t != tg->leader)
		__atomic_add_fetch(&tg->refcount, 1, __ATOMIC_RELAXED);
	t->tg = tg;
	list_add_tail(&t->tg_link, &tg->threads);
	tg->live++;
}

/*
 * The thread that should take a signal sent to the whole process: one
 * that does not block it, preferring the leader; if every thread blocks
 * it, the leader keeps it pending.  (Linux keeps such signals in a queue
 * shared by the threads, so that whichever unblocks first takes it;
 * Pagoda chooses at sending time.)  tasklist_lock held.
 */
struct task *thread_group_pick(struct thread_group *tg, int sig)
{
	struct task *t;

	if (!(READ_ONCE(tg->leader->blocked) & sigmask(sig)) && tg->leader->state != TASK_ZOMBIE)
		return tg->leader;
	list_for_each_entry(t, &tg->threads, tg_link)
		if (!(READ_ONCE(t->blocked) & sigmask(sig)))
			return t;
	return tg->leader;
}

/*
 * Start ending the whole process with this wait status: every other
 * thread gets SIGKILL and dies on its way back to user mode.  Returns
 * false if the process was already ending (the first status stands).
 * tasklist_lock held.
 */
bool thread_group_begin_exit(struct thread_group *tg, int status_word)
{
	struct task *t;

	if (tg->exiting)
		return false;
	tg->exiting = true;
	tg->exit_code = status_word;
	tg->stop_count = 0;	/* a stop not yet complete is never reported now */
	list_for_each_entry(t, &tg->threads, tg_link) {
		t->stop_pending = false;
		if (t != current)
			send_signal(t, SIGKILL, NULL);
	}
	return true;
}
