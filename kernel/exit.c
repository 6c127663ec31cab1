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
	cputime_thread_exited();
	list_del(&t->tg_link);
	last = --tg->live == 0;
	stop_joined(t);		/* an exiting thread no longer holds up its process's stop */
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

#define WEXITED 4

/* What a wait found: a child that ended, stopped or continued. */
struct wait_found {
	int pid;
	int status;		/* wait4's status word */
	int code;		/* waitid's si_code: CLD_EXITED, CLD_KILLED, CLD_STOPPED, CLD_CONTINUED */
	int si_status;		/* waitid's si_status: the exit code or the signal */
	struct cputime cputime;	/* the child's and its children's CPU time (rusage) */
};

/* A zombie's status as waitid tells it. */
static void describe_exit(int status, struct wait_found *w)
{
	w->status = status;
	if (status & 0x7f) {
		w->code = CLD_KILLED;
		w->si_status = status & 0x7f;
	} else {
		w->code = CLD_EXITED;
		w->si_status = (status >> 8) & 0xff;
	}
}

/*
 * wait4 and waitid: wait for a child matching pid (wait_matches) to end
 * (WEXITED), stop (WSTOPPED) or continue (WCONTINUED); WNOHANG: do not
 * wait; WNOWAIT: report it, but leave it to be waited for again.  A child
 * that ended is reaped.  0 and *w, 0 with w->pid 0 (WNOHANG, none yet),
 * or -ECHILD, -ERESTARTSYS.
 */
static long do_wait(int pid, int options, struct wait_found *w)
{
	struct task *t = current;

	spin_lock(&tasklist_lock);
	for (;;) {
		struct task *c, *zombie = NULL;
		bool any = false;

		w->pid = 0;
		list_for_each_entry(c, &t->children, sibling) {
			if (!wait_matches(c, pid))
				continue;
			any = true;
			/*
			 * The process is over when its last thread has exited
			 * (under tasklist_lock, with exit_code set).  Its leader
			 * may still be finishing its last switch: its own
			 * reference keeps the struct and stack until that is done.
			 */
			if (c->tg->live == 0 && (options & WEXITED)) {
				zombie = c;
				break;
			}
			if (c->tg->live > 0 && wait_status_report(c, options, &w->status)) {
				w->pid = c->pid;
				w->cputime = cputime_of_child(c->tg);
				w->code = (w->status & 0xff) == 0x7f ? CLD_STOPPED : CLD_CONTINUED;
				w->si_status = w->code == CLD_STOPPED ? w->status >> 8 : SIGCONT;
				spin_unlock(&tasklist_lock);
				return 0;
			}
		}
		if (zombie) {
			w->pid = zombie->pid;
			w->cputime = cputime_of_child(zombie->tg);
			describe_exit(zombie->exit_code, w);
			if (options & WNOWAIT) {
				spin_unlock(&tasklist_lock);
				return 0;
			}
			t->tg->children = cputime_add(t->tg->children, w->cputime);
			list_del(&zombie->all_link);
			list_del(&zombie->sibling);
			spin_unlock(&tasklist_lock);
			task_put(zombie);
			free_dead_tasks();	/* its memory back now, if it is off its CPU */
			return 0;
		}
		if (!any) {
			spin_unlock(&tasklist_lock);
			return -ECHILD;
		}
		if (options & WNOHANG) {
			spin_unlock(&tasklist_lock);
			return 0;
		}
		if (wait_sleep(&t->child_exit, &tasklist_lock, true)) {
			spin_unlock(&tasklist_lock);
			return -ERESTARTSYS;
		}
	}
}

/* A wait's rusage: the child's CPU time and its children's; the rest 0. */
static int put_rusage(struct rusage_k *ru, const struct wait_found *w)
{
	struct rusage_k r = { 0 };

	rusage_from_cputime(&r, w->cputime);
	return copy_to_user(ru, &r, sizeof(r));
}

long sys_wait4(int pid, int *status, int options, struct rusage_k *ru)
{
	struct wait_found w;
	long err;

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE))
		return -EINVAL;
	err = do_wait(pid, options | WEXITED, &w);
	if (err || !w.pid)
		return err;
	if (status && put_user_u32(w.status, status))
		return -EFAULT;
	if (ru && put_rusage(ru, &w))
		return -EFAULT;
	return w.pid;
}

#define P_ALL 0
#define P_PID 1
#define P_PGID 2

/* The siginfo waitid fills in: Linux's layout for SIGCHLD (128 bytes). */
struct waitid_info {
	int si_signo, si_errno, si_code, pad;
	int si_pid, si_uid, si_status;
	char rest[128 - 28];
};

long sys_waitid(int idtype, int id, struct waitid_info *infop, int options, struct rusage_k *ru)
{
	struct waitid_info info = { 0 };
	struct wait_found w;
	int pid;
	long err;

	if (options & ~(WNOHANG | WEXITED | WSTOPPED | WCONTINUED | WNOWAIT | WNOTHREAD | WALL |
			WCLONE) || !(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	if (idtype == P_ALL)
		pid = -1;
	else if (idtype == P_PID && id > 0)
		pid = id;
	else if (idtype == P_PGID && id >= 0)
		pid = id ? -id : 0;	/* 0: the caller's own group */
	else
		return -EINVAL;
	err = do_wait(pid, options, &w);
	if (err)
		return err;
	if (w.pid) {	/* (WNOHANG and nothing: infop stays zeroed, as Linux leaves si_pid 0) */
		info.si_signo = SIGCHLD;
		info.si_code = w.code;
		info.si_pid = w.pid;
		info.si_status = w.si_status;
	}
	if (infop && copy_to_user(infop, &info, sizeof(info)))
		return -EFAULT;
	if (ru && w.pid && put_rusage(ru, &w))	/* (none found: left as it was, as Linux) */
		return -EFAULT;
	return 0;
}
