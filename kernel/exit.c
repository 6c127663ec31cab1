/*
 * Ending a process, and its parent collecting the exit status (wait4).
 *
 * An exiting thread gives back its memory, files and timers at once.  A
 * process ends when its last thread does; its leader then stays as a
 * zombie - just its struct task, holding the wait status - until the
 * parent reaps it with wait4.  Children go to init (pid 1).  If the parent
 * ignores SIGCHLD, nobody will wait: the process is freed as soon as it is
 * off its CPU (autoreap), as POSIX asks.  exit ends one thread; exit_group
 * (and a fatal signal) kills the others first.
 */
#include <errno.h>
#include <fs.h>
#include <futex.h>
#include <kmalloc.h>
#include <mutex.h>
#include <panic.h>
#include <printk.h>
#include <sched.h>
#include <string.h>
#include <syscall.h>
#include <timer.h>
#include <tlb.h>
#include <usercopy.h>
#include <vm.h>

#define WNOHANG 1
#define WNOTHREAD 0x20000000
#define WALL 0x40000000
#define WCLONE 0x80000000

void itimer_cancel(struct task *t);
__noreturn void init_exited(int status_word);

/*
 * Give the children of t to another live thread of its process, or to
 * init, which reaps orphans.  tasklist_lock held.
 */
static void reparent_children(struct task *t)
{
	struct task *heir = NULL, *c;

	if (t->tg)
		list_for_each_entry(c, &t->tg->threads, tg_link)
			if (c != t && !heir)
				heir = c;
	if (!heir)
		heir = find_task(1);
	while (!list_empty(&t->children)) {
		c = list_first_entry(&t->children, struct task, sibling);
		list_del(&c->sibling);
		c->parent = heir;
		if (heir)
			list_add_tail(&c->sibling, &heir->children);
		/* The process is ending: the child's group may lose its last link (job control). */
		if (heir && heir->tg != t->tg && c->pgid != t->pgid && c->sid == t->sid)
			orphaned_by_exit(c->pgid, t);
	}
	if (heir)
		wake_up(&heir->child_exit);	/* some may be zombies already */
}

/* The parent's SIGCHLD: how the child ended, in siginfo form. */
static void notify_parent(struct task *t, int status_word)
{
	struct siginfo_k si = { .signo = SIGCHLD, .pid = t->tgid };

	if (status_word & 0x7f) {
		si.code = CLD_KILLED;
		si.status = status_word & 0x7f;
	} else {
		si.code = CLD_EXITED;
		si.status = (status_word >> 8) & 0xff;
	}
	if (t->parent && t->exit_signal && t->parent->tg)
		send_signal_process_locked(t->parent->tg, t->exit_signal, &si);
}

/* Does the parent want no zombies (SIGCHLD ignored, or SA_NOCLDWAIT)? */
static bool parent_autoreaps(struct task *parent)
{
	struct sigaction_k *ka;

	if (!parent || !parent->sighand)
		return false;
	ka = &parent->sighand->action[SIGCHLD - 1];
	return ka->handler == SIG_IGN || (ka->flags & SA_NOCLDWAIT);
}

static void release_resources(struct task *t)
{
	struct mm *mm = t->mm;

	itimer_cancel(t);
	if (t->clear_child_tid) {
		/* pthread_join waits on this word: clear it and wake the joiner. */
		if (put_user_u32(0, t->clear_child_tid) == 0)
			futex_wake((u32 *)t->clear_child_tid, 1);
	}
	if (t->vfork_done) {
		complete(t->vfork_done);
		t->vfork_done = NULL;
	}
	if (t->files) {
		struct files_struct *files = t->files;

		spin_lock(&t->lock);	/* /proc/PID/fd reads it under this lock */
		t->files = NULL;
		spin_unlock(&t->lock);
		files_put(files);
	}
	if (t->fs) {
		fs_put(t->fs);
		t->fs = NULL;
	}
	if (mm) {
		/* Never free the page tables this CPU is using. */
		switch_to_kernel_page_tables();
		mm_cpu_switch(mm, NULL);
		spin_lock(&t->lock);	/* get_task_mm's lock */
		t->mm = NULL;
		spin_unlock(&t->lock);
		mm_put(mm);
	}
}

/*
 * The process is over (its last thread has exited): record its status on
 * the leader and tell the parent, or free it at once if the parent ignores
 * SIGCHLD.  Returns true if the leader is to be freed without a wait4.
 * tasklist_lock held.
 */
static bool process_ended(struct thread_group *tg, int code)
{
	struct task *leader = tg->leader;

	leader->exit_code = code;
	if (!parent_autoreaps(leader->parent)) {
		notify_parent(leader, code);
		if (leader->parent)
			wake_up(&leader->parent->child_exit);
		return false;
	}
	list_del(&leader->all_link);
	list_del(&leader->sibling);
	leader->parent = NULL;
	leader->autoreaped = true;
	return true;
}

/*
 * This thread is done.  A thread other than the leader vanishes at once;
 * the leader stays a zombie, holding the process's exit status, until
 * the parent collects it - which it can once the last thread is gone.
 */
static __noreturn void do_exit_thread(int status_word)
{
	struct task *t = current, *leader;
	struct thread_group *tg = t->tg;
	bool last, free_leader = false, self_dead;

	release_resources(t);
	spin_lock(&tasklist_lock);
	reparent_children(t);
	list_del(&t->tg_link);
	last = --tg->live == 0;
	wake_up(&tg->live_changed);
	if (last) {
		int code = tg->exiting ? tg->exit_code : status_word;

		orphaned_by_exit(t->pgid, t);	/* its own group may lose its last link */
		if (tg->leader->pid == 1) {
			spin_unlock(&tasklist_lock);
			init_exited(code);
		}
		free_leader = process_ended(tg, code);
	}
	leader = tg->leader;
	/* Only the leader is ever waited for; the others go now. */
	self_dead = t != leader || free_leader;
	if (self_dead && t != leader)
		list_del(&t->all_link);
	spin_unlock(&tasklist_lock);
	/*
	 * Nobody will wait4 for a thread, nor for an autoreaped leader (which,
	 * if it is not us, may still be on its way out): drop the reference a
	 * collector would have dropped.  Our own goes after the last switch.
	 */
	if (t != leader)
		task_put(t);
	if (free_leader)
		task_put(leader);

	spin_lock(&rq_lock);
	/* The leader may have been autoreaped by the last thread meanwhile. */
	t->state = (self_dead || t->autoreaped) ? TASK_DEAD : TASK_ZOMBIE;
	schedule_locked();
	panic("a dead task was scheduled");
}

__noreturn void do_exit_group(int status_word)
{
	struct thread_group *tg = current->tg;

	spin_lock(&tasklist_lock);
	/* Threads killed by a sibling's execve leave without ending the process. */
	if (tg->execing != current && !tg->execing)
		thread_group_begin_exit(tg, status_word);
	spin_unlock(&tasklist_lock);
	do_exit_thread(status_word);
}

long sys_exit(int code)
{
	do_exit_thread((code & 0xff) << 8);	/* this thread only; the last one ends the process */
}

long sys_exit_group(int code)
{
	do_exit_group((code & 0xff) << 8);
}

struct rusage_k {
	long utime_sec, utime_usec, stime_sec, stime_usec;
	long rest[14];
};

static bool wait_matches(struct task *c, int pid)
{
	if (pid > 0)
		return c->pid == pid;
	if (pid == -1)
		return true;
	if (pid == 0)
		return c->pgid == current->pgid;
	return c->pgid == -pid;
}

long sys_wait4(int pid, int *status, int options, struct rusage_k *ru)
{
	struct task *t = current;
	int err;

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE))
		return -EINVAL;
	spin_lock(&tasklist_lock);
	for (;;) {
		struct task *c, *zombie = NULL;
		bool any = false;

		list_for_each_entry(c, &t->children, sibling) {
			int code;

			if (!wait_matches(c, pid))
				continue;
			any = true;
			/*
			 * The process is over when its last thread has exited
			 * (under tasklist_lock, with exit_code set).  Its leader
			 * may still be finishing its last switch: its own
			 * reference keeps the struct and stack until that is done.
			 */
			if (c->tg->live == 0) {
				zombie = c;
				break;
			}
			if (wait_status_report(c, options, &code)) {	/* stopped or continued */
				int cpid = c->pid;

				spin_unlock(&tasklist_lock);
				if (status && put_user_u32(code, status))
					return -EFAULT;
				return cpid;
			}
		}
		if (zombie) {
			int code = zombie->exit_code, cpid = zombie->pid;

			list_del(&zombie->all_link);
			list_del(&zombie->sibling);
			spin_unlock(&tasklist_lock);
			task_put(zombie);
			free_dead_tasks();	/* its memory back now, if it is off its CPU */
			if (status && put_user_u32(code, status))
				return -EFAULT;
			if (ru) {
				struct rusage_k r = { 0 };
				if (copy_to_user(ru, &r, sizeof(r)))
					return -EFAULT;
			}
			return cpid;
		}
		if (!any) {
			spin_unlock(&tasklist_lock);
			return -ECHILD;
		}
		if (options & WNOHANG) {
			spin_unlock(&tasklist_lock);
			return 0;
		}
		err = wait_sleep(&t->child_exit, &tasklist_lock, true);
		if (err) {
			spin_unlock(&tasklist_lock);
			return -ERESTARTSYS;
		}
	}
}
