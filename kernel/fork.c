/*
 * fork, vfork and clone: a new process as a copy of the caller.
 *
 * The child gets a copy-on-write copy of the address space (or shares it,
 * with CLONE_VM), copies of the descriptor table and filesystem context,
 * the signal handlers and mask, and a copy of the caller's user registers
 * with rax = 0, so that it "returns" from the same system call with 0
 * while the parent gets the child's pid.  Threads (CLONE_THREAD and the
 * sharing flags) come with issue [smp].
 */
#include <err.h>
#include <errno.h>
#include <fpu.h>
#include <fs.h>
#include <kmalloc.h>
#include <mutex.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <syscall.h>
#include <traps.h>
#include <usercopy.h>
#include <vm.h>

#define CSIGNAL 0x000000ff
#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_VFORK 0x00004000
#define CLONE_PARENT 0x00008000
#define CLONE_THREAD 0x00010000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID 0x01000000

#define CLONE_SYSVSEM 0x00040000
#define CLONE_DETACHED 0x00400000

#define CLONE_SUPPORTED (CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
			 CLONE_VFORK | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | \
			 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED | \
			 CLONE_CHILD_SETTID)

void ret_from_fork(void);

struct sighand *sighand_copy(struct sighand *old)
{
	struct sighand *s = kmalloc(sizeof(*s), GFP_KERNEL);

	if (s) {
		spin_lock(&old->lock);
		memcpy(s->action, old->action, sizeof(s->action));
		spin_unlock(&old->lock);
		spin_init(&s->lock, "sighand");
		s->refcount = 1;
	}
	return s;
}

static struct sighand *sighand_get(struct sighand *s)
{
	__atomic_add_fetch(&s->refcount, 1, __ATOMIC_RELAXED);
	return s;
}

/* Release what copy_process took; the task itself is not yet visible. */
static void undo_copy(struct task *p)
{
	if (p->mm)
		mm_put(p->mm);
	if (p->files)
		files_put(p->files);
	if (p->fs)
		fs_put(p->fs);
	task_free(p);
}

static struct task *copy_process(u64 flags, u64 stack, u64 tls)
{
	struct task *parent = current, *p;
	struct trap_frame *frame;

	/*
	 * Free what earlier tasks left behind before making another: a process
	 * that starts threads as fast as it can must not outrun the reaper.
	 */
	free_dead_tasks();
	p = task_alloc(parent->comm);

	if (!p)
		return ERR_PTR(-ENOMEM);
	if (flags & CLONE_VM) {
		p->mm = parent->mm;
		__atomic_add_fetch(&p->mm->users, 1, __ATOMIC_RELAXED);
	} else {
		p->mm = mm_fork(parent->mm);
	}
	p->files = (flags & CLONE_FILES) ? files_get(parent->files) : files_dup(parent->files);
	p->fs = (flags & CLONE_FS) ? fs_get(parent->fs) : fs_dup(parent->fs);
	p->sighand = (flags & CLONE_SIGHAND) ? sighand_get(parent->sighand)
					     : sighand_copy(parent->sighand);
	if (!(flags & CLONE_THREAD))
		p->tg = thread_group_new(p);
	if (!p->mm || !p->files || !p->fs || !p->sighand || (!(flags & CLONE_THREAD) && !p->tg)) {
		undo_copy(p);
		return ERR_PTR(-ENOMEM);
	}

	p->pid = alloc_pid();
	/* A thread joins our process; anything else starts its own. */
	p->tgid = (flags & CLONE_THREAD) ? parent->tgid : p->pid;
	p->blocked = parent->blocked;	/* the mask is inherited; pending signals are not */
	p->altstack = parent->altstack;
	p->pgid = parent->pgid;
	p->sid = parent->sid;
	p->fs_base = (flags & CLONE_SETTLS) ? tls : parent->fs_base;
	p->exit_signal = (flags & CLONE_THREAD) ? 0 : flags & CSIGNAL;
	p->start_ns = clock_ns();
	memcpy(p->rlim, parent->rlim, sizeof(p->rlim));
	p->cpus_allowed = READ_ONCE(parent->cpus_allowed);	/* affinity is inherited */
	fpu_save(p->fpu);	/* the parent's live registers */

	/* The child resumes in user mode from a copy of our frame, with rax = 0. */
	frame = task_user_frame(p);
	*frame = *task_user_frame(parent);
	frame->rax = 0;
	if (stack)
		frame->rsp = stack;
	task_prepare_switch(p, frame, ret_from_fork, 0, 0);
	return p;
}

static long do_fork(u64 flags, u64 stack, int *parent_tid, int *child_tid, u64 tls)
{
	struct completion vfork_done;
	struct task *p;
	int pid;

	if (flags & ~CLONE_SUPPORTED)
		return -EINVAL;
	/* Linux's rules: a thread shares handlers, and shared handlers need shared memory. */
	if (((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) ||
	    ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)))
		return -EINVAL;
	if ((flags & CLONE_SETTLS) && tls >= USER_SPACE_END)
		return -EPERM;
	p = copy_process(flags, stack, tls);
	if (IS_ERR(p))
		return PTR_ERR(p);
	pid = p->pid;
	if (flags & CLONE_PARENT_SETTID)
		put_user_u32(pid, parent_tid);
	if (flags & CLONE_CHILD_CLEARTID)
		p->clear_child_tid = child_tid;
	if (flags & CLONE_VFORK) {
		completion_init(&vfork_done);
		p->vfork_done = &vfork_done;
	}
	if (flags & CLONE_CHILD_SETTID)
		p->set_child_tid = child_tid;	/* written by the child, in its own memory */
	/*
	 * A thread is nobody's child: its process's parent waits for the
	 * process.  One critical section, so wait4 never sees a child whose
	 * process has no live thread yet.
	 */
	spin_lock(&tasklist_lock);
	/*
	 * A fatal signal that came while we copied (exit_group, SIGKILL, an
	 * exec killing the other threads - each sent under this lock) would
	 * miss the new task, which would then outlive its process: give up,
	 * as Linux does.
	 */
	if (fatal_signal_pending(current) || current->tg->exiting) {
		spin_unlock(&tasklist_lock);
		undo_copy(p);
		return -EINTR;
	}
	task_add_to_list_locked(p, (flags & CLONE_THREAD) ? NULL : current);
	thread_group_add((flags & CLONE_THREAD) ? current->tg : p->tg, p);
	spin_unlock(&tasklist_lock);
	wake_up_new_task(p);
	/* vfork: the child borrows our memory; we wait until it execs or exits. */
	if (flags & CLONE_VFORK)
		wait_for_completion(&vfork_done);
	return pid;
}

/* The first C code a new child runs (from ret_from_fork), before user mode. */
void fork_child_start(struct task *prev)
{
	finish_task_switch(prev);
	if (current->set_child_tid)
		put_user_u32(current->pid, current->set_child_tid);
}

long sys_fork(void)
{
	return do_fork(SIGCHLD, 0, NULL, NULL, 0);
}

long sys_vfork(void)
{
	return do_fork(CLONE_VM | CLONE_VFORK | SIGCHLD, 0, NULL, NULL, 0);
}

long sys_clone(u64 flags, u64 stack, int *parent_tid, int *child_tid, u64 tls)
{
	return do_fork(flags, stack, parent_tid, child_tid, tls);
}
