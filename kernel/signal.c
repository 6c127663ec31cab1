/*
 * Signal delivery and the signal system calls.
 *
 * A pending signal is acted on when its task returns to user mode
 * (prepare_return_to_user): ignored, a default action (terminate, or
 * nothing), or a handler.  To run a handler the kernel builds a frame on
 * the user stack exactly as Linux does (struct rt_sigframe: a return
 * address, a ucontext with the interrupted registers, mask and FPU state,
 * and a siginfo), points rip at the handler and lets it "return" into
 * the restorer, which calls rt_sigreturn to put everything back.
 *
 * An interrupted system call (-ERESTARTSYS and friends) is either made to
 * fail with EINTR or restarted by rewinding rip over the syscall
 * instruction, depending on SA_RESTART and on whether a handler runs.
 */
#include <errno.h>
#include <fpu.h>
#include <kmalloc.h>
#include <printk.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <syscall.h>
#include <syscall_nr.h>
#include <traps.h>
#include <usercopy.h>
#include <x86.h>

/* The user-visible structures (x86-64 Linux layouts). */
struct user_siginfo {
	int si_signo, si_errno, si_code, pad;
	union {
		struct { int pid, uid; } kill;
		struct { int pid, uid, status, pad; long utime, stime; } chld;
		struct { u64 addr; } fault;
		u8 bytes[112];
	};
};

struct user_stack {
	u64 ss_sp;
	int ss_flags;
	int pad;
	u64 ss_size;
};

struct user_sigcontext {
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	u16 cs, gs, fs, ss;
	u64 err, trapno, oldmask, cr2;
	u64 fpstate;		/* user address of the fxsave area */
	u64 reserved[8];
};

struct user_ucontext {
	u64 uc_flags;
	u64 uc_link;
	struct user_stack uc_stack;
	struct user_sigcontext uc_mcontext;
	sigset_t uc_sigmask;
};

struct rt_sigframe {
	u64 pretcode;		/* the handler "returns" here: sa_restorer */
	struct user_ucontext uc;
	struct user_siginfo info;
};

_Static_assert(sizeof(struct user_siginfo) == 128, "siginfo is 128 bytes");
_Static_assert(sizeof(struct user_sigcontext) == 256, "sigcontext is 256 bytes");

#define SS_ONSTACK 1
#define SS_DISABLE 2
#define MINSIGSTKSZ 2048
#define RED_ZONE 128		/* below rsp, the interrupted code may keep data */
#define SIG_KERNEL_ONLY (sigmask(SIGKILL) | sigmask(SIGSTOP))

/* Rewritable user flag bits (the rest of rflags is the kernel's). */
#define USER_RFLAGS_MASK 0x00000000000054d5ul	/* CF PF AF ZF SF TF DF OF */

enum default_action { ACT_TERMINATE, ACT_IGNORE, ACT_STOP };

static enum default_action default_action(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGCONT:	/* (continuing a stopped process is done when it is sent) */
	case SIGURG:
	case SIGWINCH:
		return ACT_IGNORE;
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return ACT_STOP;	/* kernel/job_control.c */
	default:
		return ACT_TERMINATE;
	}
}

/*
 * Does init (tg->unkillable) refuse sig, having no handler for it?  Every
 * signal but SIGKILL: only the kernel sends init that (kill() does not),
 * to end a thread of it.
 */
static bool init_refuses(struct task *t, int sig, void *handler)
{
	return handler == SIG_DFL && sig != SIGKILL && t->tg && READ_ONCE(t->tg->unkillable);
}

/* Does sig, with this handler, do nothing at all for t (ignored, or refused by init)? */
static bool handler_discards(struct task *t, int sig, void *handler)
{
	return handler == SIG_IGN || (handler == SIG_DFL && default_action(sig) == ACT_IGNORE) ||
	       init_refuses(t, sig, handler);
}

/* Would sig be thrown away on arrival?  (Blocked signals stay: the mask may change.) */
static bool signal_ignored(struct task *t, int sig)
{
	if (t->blocked & sigmask(sig))
		return false;
	return handler_discards(t, sig, t->sighand->action[sig - 1].handler);
}

bool signal_would_be_ignored(struct task *t, int sig)
{
	return t->sighand && signal_ignored(t, sig);
}

void force_signal_fault(int sig, u64 code, u64 addr)
{
	struct task *t = current;
	struct siginfo_k si = { .signo = sig, .code = (int)code, .addr = addr };

	/* A fault in a handler of the same signal, or with it ignored: die. */
	spin_lock(&t->sighand->lock);
	spin_lock(&t->lock);
	if ((t->blocked & sigmask(sig)) || t->sighand->action[sig - 1].handler == SIG_IGN) {
		t->blocked &= ~sigmask(sig);
		t->sighand->action[sig - 1].handler = SIG_DFL;
	}
	/* Even init: going on would fault again, for ever. */
	if (t->sighand->action[sig - 1].handler == SIG_DFL)
		WRITE_ONCE(t->tg->unkillable, false);
	spin_unlock(&t->lock);
	spin_unlock(&t->sighand->lock);
	send_signal(t, sig, &si);
}

/* The signal to take first from a set: SIGKILL, which nothing may delay, else the lowest. */
static int first_signal(sigset_t ready)
{
	return (ready & sigmask(SIGKILL)) ? SIGKILL : __builtin_ctzl(ready) + 1;
}

/*
 * Take the next pending unblocked signal (0 if none): the thread's own
 * first, then its process's.
 */
static int dequeue_signal(struct task *t, struct siginfo_k *info)
{
	sigset_t ready;
	int sig = 0;

	spin_lock(&t->lock);
	ready = t->pending.set & ~t->blocked;
	if (ready) {
		sig = first_signal(ready);
		sigpending_take(&t->pending, sig, info);
	}
	spin_unlock(&t->lock);
	if (sig || !t->tg)
		return sig;
	spin_lock(&t->tg->siglock);
	ready = t->tg->shared.set & ~READ_ONCE(t->blocked);
	if (ready) {
		sig = first_signal(ready);
		sigpending_take(&t->tg->shared, sig, info);
	}
	spin_unlock(&t->tg->siglock);
	return sig;
}

static void to_user_siginfo(const struct siginfo_k *k, struct user_siginfo *u)
{
	memset(u, 0, sizeof(*u));
	u->si_signo = k->signo;
	u->si_errno = k->errno_;
	u->si_code = k->code;
	switch (k->signo) {
	case SIGSEGV:
	case SIGBUS:
	case SIGILL:
	case SIGFPE:
	case SIGTRAP:
		if (k->code > 0) {	/* raised by a fault, not sent by kill */
			u->fault.addr = k->addr;
			return;
		}
		break;
	case SIGCHLD:
		u->chld.pid = k->pid;
		u->chld.uid = k->uid;
		u->chld.status = k->status;
		return;
	}
	u->kill.pid = k->pid;
	u->kill.uid = k->uid;
}

static bool on_altstack(struct task *t, u64 sp)
{
	return t->altstack.size && sp > t->altstack.sp && sp - t->altstack.sp <= t->altstack.size;
}

/*
 * Build the frame for a handler and point the registers at it.  Returns
 * false if the user stack is unusable (the task then dies of SIGSEGV).
 */
static bool setup_rt_frame(struct trap_frame *tf, int sig, const struct sigaction_k *ka,
			   const struct siginfo_k *info, sigset_t old_mask)
{
	struct task *t = current;
	u64 sp = tf->rsp, fp_addr, frame_addr;
	struct rt_sigframe frame;
	u8 fpu[512] __aligned(16);

	if ((ka->flags & SA_ONSTACK) && t->altstack.size && !on_altstack(t, sp))
		sp = t->altstack.sp + t->altstack.size;
	else
		sp -= RED_ZONE;
	fp_addr = ALIGN_DOWN(sp - sizeof(fpu), 64);
	/* As if called: rsp + 8 is 16-byte aligned at the handler's first instruction. */
	frame_addr = ALIGN_DOWN(fp_addr - sizeof(frame), 16) - 8;

	memset(&frame, 0, sizeof(frame));
	frame.pretcode = (u64)ka->restorer;
	frame.uc.uc_stack.ss_sp = t->altstack.sp;
	frame.uc.uc_stack.ss_size = t->altstack.size;
	frame.uc.uc_stack.ss_flags = t->altstack.size ? (on_altstack(t, tf->rsp) ? SS_ONSTACK : 0)
						      : SS_DISABLE;
	struct user_sigcontext *sc = &frame.uc.uc_mcontext;
	sc->r8 = tf->r8, sc->r9 = tf->r9, sc->r10 = tf->r10, sc->r11 = tf->r11;
	sc->r12 = tf->r12, sc->r13 = tf->r13, sc->r14 = tf->r14, sc->r15 = tf->r15;
	sc->rdi = tf->rdi, sc->rsi = tf->rsi, sc->rbp = tf->rbp, sc->rbx = tf->rbx;
	sc->rdx = tf->rdx, sc->rax = tf->rax, sc->rcx = tf->rcx, sc->rsp = tf->rsp;
	sc->rip = tf->rip, sc->eflags = tf->rflags;
	sc->cs = tf->cs, sc->ss = tf->ss;
	sc->err = tf->vector == VEC_SYSCALL ? 0 : tf->error_code;
	sc->trapno = tf->vector == VEC_SYSCALL ? 0 : tf->vector;
	sc->cr2 = info->addr;
	sc->oldmask = old_mask;
	sc->fpstate = fp_addr;
	frame.uc.uc_sigmask = old_mask;
	to_user_siginfo(info, &frame.info);

	fpu_save(fpu);
	if (copy_to_user((void *)fp_addr, fpu, sizeof(fpu)) ||
	    copy_to_user((void *)frame_addr, &frame, sizeof(frame)))
		return false;

	tf->rsp = frame_addr;
	tf->rip = (u64)ka->handler;
	tf->rdi = sig;
	tf->rsi = frame_addr + __builtin_offsetof(struct rt_sigframe, info);
	tf->rdx = frame_addr + __builtin_offsetof(struct rt_sigframe, uc);
	tf->rax = 0;
	tf->rflags &= ~(X86_RFLAGS_DF | X86_RFLAGS_TF);
	/* The handler starts with a clean FPU, as on Linux. */
	fpu_init_state(fpu);
	fpu_restore(fpu);
	return true;
}

/* Decide what an interrupted system call returns, before acting on sig. */
static void handle_syscall_restart(struct trap_frame *tf, const struct sigaction_k *ka)
{
	long ret = (long)tf->rax;
	bool restart;

	if (tf->vector != VEC_SYSCALL)
		return;
	if (ret != -ERESTARTSYS && ret != -ERESTARTNOHAND && ret != -ERESTART_RESTARTBLOCK)
		return;
	/* No handler runs (ka == NULL): restart whatever it was. */
	restart = !ka || (ret == -ERESTARTSYS && (ka->flags & SA_RESTART));
	if (restart) {
		/* The same call again, or restart_syscall to resume a sleep where it was. */
		tf->rax = ret == -ERESTART_RESTARTBLOCK ? NR_restart_syscall : tf->error_code;
		tf->rip -= 2;			/* back over "syscall" */
	} else {
		tf->rax = (u64)-EINTR;
	}
}

static __noreturn void die_of_signal(int sig)
{
	do_exit_group(sig);	/* the wait status of "terminated by sig" is sig itself */
}

/* Act on one pending signal.  Returns false if there was none. */
static bool do_signal(struct trap_frame *tf)
{
	struct task *t = current;
	struct siginfo_k info;
	struct sigaction_k ka;
	int sig = dequeue_signal(t, &info);
	sigset_t old_mask;

	if (!sig) {
		handle_syscall_restart(tf, NULL);
		return false;
	}
	ka = t->sighand->action[sig - 1];
	if (handler_discards(t, sig, ka.handler))	/* (sent while blocked, or since ignored) */
		return true;	/* a restart, if any, waits for the last signal */
	if (ka.handler == SIG_DFL && default_action(sig) == ACT_STOP && sig != SIGKILL) {
		do_signal_stop(sig);	/* prepare_return_to_user then waits stopped */
		return true;
	}
	if (ka.handler == SIG_DFL || sig == SIGKILL)
		die_of_signal(sig);

	handle_syscall_restart(tf, &ka);
	old_mask = t->restore_saved_mask ? t->saved_mask : t->blocked;
	t->restore_saved_mask = false;
	if (!(ka.flags & SA_RESTORER) || !setup_rt_frame(tf, sig, &ka, &info, old_mask)) {
		pr_info("%s[%d]: cannot deliver signal %d (bad stack or no restorer)", t->comm,
			t->tgid, sig);
		die_of_signal(SIGSEGV);
	}
	spin_lock(&t->sighand->lock);
	spin_lock(&t->lock);
	t->blocked |= ka.mask & ~SIG_KERNEL_ONLY;
	if (!(ka.flags & SA_NODEFER))
		t->blocked |= sigmask(sig);
	if (ka.flags & SA_RESETHAND)
		t->sighand->action[sig - 1].handler = SIG_DFL;
	spin_unlock(&t->lock);
	spin_unlock(&t->sighand->lock);
	return true;
}

/*
 * The last thing before user mode: reschedule if our time slice is over,
 * act on pending signals.  Interrupts are off on entry and on return; the
 * final check happens with them off, so nothing slips in between.
 */
void prepare_return_to_user(struct trap_frame *tf)
{
	for (;;) {
		struct task *t = current;
		bool resched = t->need_resched, sig = signal_pending(t);
		bool stopped = t->tg && READ_ONCE(t->tg->group_stop) && !fatal_signal_pending(t);

		if (stopped) {
			local_irq_enable();
			group_stop_wait();	/* until SIGCONT or SIGKILL */
			local_irq_disable();
			continue;
		}
		if (!resched && !sig) {
			if (tf->vector == VEC_SYSCALL)
				handle_syscall_restart(tf, NULL);	/* no signal took it */
			if (t->restore_saved_mask) {	/* sigsuspend ended without a handler */
				t->blocked = t->saved_mask;
				t->restore_saved_mask = false;
				continue;
			}
			account_return_to_user();
			return;
		}
		local_irq_enable();
		if (resched)
			yield();
		if (sig)
			do_signal(tf);
		local_irq_disable();
	}
}

static void discard_pending_in_group(struct task *t, int sig)
{
	struct task *th;

	spin_lock(&tasklist_lock);
	list_for_each_entry(th, &t->tg->threads, tg_link) {
		spin_lock(&th->lock);
		sigpending_flush(&th->pending, sig);
		spin_unlock(&th->lock);
	}
	spin_unlock(&tasklist_lock);
	spin_lock(&t->tg->siglock);
	sigpending_flush(&t->tg->shared, sig);
	spin_unlock(&t->tg->siglock);
}

/* ---- system calls ---- */

long sys_rt_sigaction(int sig, const struct sigaction_k *act, struct sigaction_k *oldact,
		      size_t sigsetsize)
{
	struct task *t = current;
	struct sigaction_k new, old;

	if (sigsetsize != sizeof(sigset_t) || sig < 1 || sig > NSIG)
		return -EINVAL;
	if (act && copy_from_user(&new, act, sizeof(new)))
		return -EFAULT;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	spin_lock(&t->sighand->lock);
	old = t->sighand->action[sig - 1];
	if (act) {
		new.mask &= ~SIG_KERNEL_ONLY;
		t->sighand->action[sig - 1] = new;
	}
	spin_unlock(&t->sighand->lock);
	/* POSIX: setting "ignore" discards it if pending, even blocked - in every thread. */
	if (act && (new.handler == SIG_IGN || (new.handler == SIG_DFL && default_action(sig) == ACT_IGNORE)))
		discard_pending_in_group(t, sig);
	if (oldact && copy_to_user(oldact, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

long sys_rt_sigprocmask(int how, const sigset_t *set, sigset_t *oldset, size_t sigsetsize)
{
	struct task *t = current;
	sigset_t new, old = t->blocked;

	if (sigsetsize != sizeof(sigset_t))
		return -EINVAL;
	if (set) {
		if (copy_from_user(&new, set, sizeof(new)))
			return -EFAULT;
		new &= ~SIG_KERNEL_ONLY;
		spin_lock(&t->lock);
		if (how == SIG_BLOCK)
			t->blocked |= new;
		else if (how == SIG_UNBLOCK)
			t->blocked &= ~new;
		else if (how == SIG_SETMASK)
			t->blocked = new;
		else
			how = -1;
		spin_unlock(&t->lock);
		if (how < 0)
			return -EINVAL;
	}
	if (oldset && copy_to_user(oldset, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_rt_sigpending(sigset_t *set, size_t sigsetsize)
{
	sigset_t pending;

	if (sigsetsize > sizeof(sigset_t))
		return -EINVAL;
	pending = (current->pending.set | current->tg->shared.set) & current->blocked;
	return copy_to_user(set, &pending, sigsetsize) ? -EFAULT : 0;
}

long sys_rt_sigsuspend(const sigset_t *mask, size_t sigsetsize)
{
	struct task *t = current;
	struct wait_queue never;
	sigset_t new;

	if (sigsetsize != sizeof(sigset_t))
		return -EINVAL;
	if (copy_from_user(&new, mask, sizeof(new)))
		return -EFAULT;
	spin_lock(&t->lock);
	t->saved_mask = t->blocked;
	t->restore_saved_mask = true;	/* the handler's frame records the old mask */
	t->blocked = new & ~SIG_KERNEL_ONLY;
	spin_unlock(&t->lock);
	wait_queue_init(&never);
	while (wait_sleep(&never, NULL, true) == 0)
		;
	return -ERESTARTNOHAND;
}

long sys_pause(void)
{
	struct wait_queue never;

	wait_queue_init(&never);
	while (wait_sleep(&never, NULL, true) == 0)
		;
	return -ERESTARTNOHAND;
}

long sys_rt_sigreturn(void)
{
	struct trap_frame *tf = task_user_frame(current);
	struct task *t = current;
	u64 frame_addr = tf->rsp - 8;	/* the handler's "ret" popped pretcode */
	struct rt_sigframe frame;
	struct user_sigcontext *sc = &frame.uc.uc_mcontext;
	u8 fpu[512] __aligned(16);

	if (copy_from_user(&frame, (void *)frame_addr, sizeof(frame)))
		goto bad;
	if (sc->fpstate) {
		u32 mxcsr;

		if (copy_from_user(fpu, (void *)sc->fpstate, sizeof(fpu)))
			goto bad;
		/* Reserved MXCSR bits would make fxrstor fault in the kernel. */
		memcpy(&mxcsr, fpu + 24, 4);
		mxcsr &= fpu_mxcsr_mask();
		memcpy(fpu + 24, &mxcsr, 4);
		fpu_restore(fpu);
	}
	spin_lock(&t->lock);
	t->blocked = frame.uc.uc_sigmask & ~SIG_KERNEL_ONLY;
	spin_unlock(&t->lock);

	tf->r8 = sc->r8, tf->r9 = sc->r9, tf->r10 = sc->r10, tf->r11 = sc->r11;
	tf->r12 = sc->r12, tf->r13 = sc->r13, tf->r14 = sc->r14, tf->r15 = sc->r15;
	tf->rdi = sc->rdi, tf->rsi = sc->rsi, tf->rbp = sc->rbp, tf->rbx = sc->rbx;
	tf->rdx = sc->rdx, tf->rcx = sc->rcx, tf->rsp = sc->rsp, tf->rip = sc->rip;
	/* Only the user's flags; and never a non-canonical rip into iretq. */
	tf->rflags = (tf->rflags & ~USER_RFLAGS_MASK) | (sc->eflags & USER_RFLAGS_MASK);
	if (tf->rip >= USER_SPACE_END)
		goto bad;
	tf->vector = 0;		/* not a system call any more: no restart games */
	return (long)sc->rax;
bad:
	pr_info("%s[%d]: bad signal frame in rt_sigreturn", t->comm, t->tgid);
	die_of_signal(SIGSEGV);
}

long sys_sigaltstack(const struct user_stack *ss, struct user_stack *old)
{
	struct task *t = current;
	struct trap_frame *tf = task_user_frame(t);
	struct user_stack o = {
		.ss_sp = t->altstack.sp,
		.ss_size = t->altstack.size,
		.ss_flags = !t->altstack.size ? SS_DISABLE : on_altstack(t, tf->rsp) ? SS_ONSTACK : 0,
	};

	if (ss) {
		struct user_stack n;

		if (copy_from_user(&n, ss, sizeof(n)))
			return -EFAULT;
		if (on_altstack(t, tf->rsp))
			return -EPERM;
		if (n.ss_flags & ~(SS_DISABLE | SS_ONSTACK | (1 << 31)))
			return -EINVAL;
		if (n.ss_flags & SS_DISABLE) {
			t->altstack.sp = 0;
			t->altstack.size = 0;
		} else {
			if (n.ss_size < MINSIGSTKSZ)
				return -ENOMEM;
			t->altstack.sp = n.ss_sp;
			t->altstack.size = n.ss_size;
		}
	}
	if (old && copy_to_user(old, &o, sizeof(o)))
		return -EFAULT;
	return 0;
}

/* kill() of SIGKILL to init succeeds and sends nothing, as on Linux. */
static bool kill_spares_init(struct thread_group *tg, int sig)
{
	return sig == SIGKILL && tg && tg->unkillable;
}

/* kill() to a whole process: it waits on the process for any thread to take. */
static int kill_process(struct task *leader, int sig)
{
	struct siginfo_k si = { .signo = sig, .code = SI_USER, .pid = current->tgid };

	if (leader->tg->live == 0 || sig == 0)
		return 0;	/* a zombie exists until reaped, but takes nothing */
	if (kill_spares_init(leader->tg, sig))
		return 0;
	send_signal_process_locked(leader->tg, sig, &si);
	return 0;
}

/* Send sig to t, with the checks kill() makes; tasklist_lock held. */
static int kill_one(struct task *t, int sig, int code)
{
	struct siginfo_k si = { .signo = sig, .code = code, .pid = current->tgid };

	if (t->state == TASK_ZOMBIE || t->state == TASK_DEAD)
		return 0;	/* exists until reaped, but nothing to deliver */
	if (sig == 0 || kill_spares_init(t->tg, sig))
		return 0;
	send_signal(t, sig, &si);
	return 0;
}

long sys_kill(int pid, int sig)
{
	struct task *t;
	int found = 0, err = 0;

	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	spin_lock(&tasklist_lock);
	list_for_each_entry(t, &all_tasks, all_link) {
		bool match;

		if (t->pid == 0 || t->pid != t->tgid)
			continue;	/* the idle tasks; and thread-group leaders only */
		if (pid > 0)
			match = t->tgid == pid;
		else if (pid == 0)
			match = t->pgid == current->pgid;
		else if (pid == -1)
			match = t->tgid != 1 && t != current;
		else
			match = t->pgid == -pid;
		if (!t->tg)
			continue;	/* kernel threads take no signals from kill */
		if (match) {
			found++;
			err = kill_process(t, sig);
		}
	}
	spin_unlock(&tasklist_lock);
	if (!found)
		return -ESRCH;
	return err;
}

long sys_tgkill(int tgid, int tid, int sig)
{
	struct task *t;
	int err = -ESRCH;

	if (tid <= 0 || tgid <= 0 || sig < 0 || sig > NSIG)
		return -EINVAL;
	spin_lock(&tasklist_lock);
	t = find_task(tid);
	if (t && t->tgid == tgid)
		err = kill_one(t, sig, SI_TKILL);
	spin_unlock(&tasklist_lock);
	return err;
}

long sys_tkill(int tid, int sig)
{
	struct task *t;
	int err = -ESRCH;

	if (tid <= 0 || sig < 0 || sig > NSIG)
		return -EINVAL;
	spin_lock(&tasklist_lock);
	t = find_task(tid);
	if (t)
		err = kill_one(t, sig, SI_TKILL);
	spin_unlock(&tasklist_lock);
	return err;
}
