/*
 * Signals, with Linux's numbers and user-visible structures (the ABI).
 */
#ifndef PAGODA_SIGNAL_H
#define PAGODA_SIGNAL_H

#include <list.h>
#include <spinlock.h>
#include <types.h>

#define NSIG 64

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPWR 30
#define SIGSYS 31
#define SIGRTMIN 32	/* real-time signals (32-64) queue: each one sent is delivered */
#define SIGQUEUE_MAX 1024	/* queued real-time signals per task (RLIMIT_SIGPENDING) */

typedef u64 sigset_t;	/* bit (sig - 1) */

static inline u64 sigmask(int sig) { return 1ul << (sig - 1); }

/* sigaction flags */
#define SA_NOCLDSTOP 0x00000001u
#define SA_NOCLDWAIT 0x00000002u
#define SA_SIGINFO 0x00000004u
#define SA_ONSTACK 0x08000000u
#define SA_RESTART 0x10000000u
#define SA_NODEFER 0x40000000u
#define SA_RESETHAND 0x80000000u
#define SA_RESTORER 0x04000000u

#define SIG_DFL ((void *)0)
#define SIG_IGN ((void *)1)

/* si_code values */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TKILL (-6)
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRERR 2
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_TRAPPED 4
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

/* The kernel's copy of a handler (struct k_sigaction in Linux's ABI). */
struct sigaction_k {
	void *handler;
	u64 flags;
	void *restorer;
	sigset_t mask;
};

/* What the kernel remembers about a queued signal. */
struct siginfo_k {
	int signo;
	int code;
	int errno_;
	int pid;		/* sender (kill) or child (SIGCHLD) */
	int uid;
	int status;		/* SIGCHLD: exit status or signal */
	u64 addr;		/* SIGSEGV/SIGBUS: the faulting address */
};

/* One queued instance of a real-time signal. */
struct sigqueue {
	struct list_head link;
	struct siginfo_k info;
};

/*
 * Signals waiting to be taken: a thread's own (sent to it: faults,
 * tgkill) or its process's (kill(): any thread may take them).  The lock
 * is the owner's: task->lock, or thread_group->siglock.
 */
struct sigpending {
	sigset_t set;			/* which signals are pending */
	struct siginfo_k info[NSIG];	/* what each pending standard signal carries */
	struct list_head rt_queue;	/* queued real-time signals (struct sigqueue) */
	int rt_queued;			/* how many */
};

void sigpending_init(struct sigpending *p);
/* Add sig; false if a real-time signal could not be queued (queue full). */
bool sigpending_add(struct sigpending *p, int sig, const struct siginfo_k *info);
/* Take sig (pending in p) out, with what it carries. */
void sigpending_take(struct sigpending *p, int sig, struct siginfo_k *info);
/* Forget sig (0: every signal). */
void sigpending_flush(struct sigpending *p, int sig);

struct sigaltstack_k {
	u64 sp;
	int flags;
	u64 size;
};

/* Handlers of a process: shared by its threads. */
struct sighand {
	int refcount;			/* atomic */
	struct spinlock lock;
	struct sigaction_k action[NSIG];	/* lock (for writers; readers take a snapshot) */
};

struct task;

/* Queue sig for task and wake it if it sleeps interruptibly. */
void send_signal(struct task *t, int sig, const struct siginfo_k *info);
/* SIGPIPE and friends for the current task (info: SI_USER from itself). */
void send_sig_self(int sig);
/*
 * A synchronous signal caused by the current task's own fault: it cannot
 * be blocked or ignored (if it is, the default action - death - applies).
 */
void force_signal_fault(int sig, u64 code, u64 addr);
struct thread_group;
/* A signal to a whole process (kill, SIGCHLD, SIGALRM): one of its threads takes it. */
void send_signal_process(struct thread_group *tg, int sig, const struct siginfo_k *info);
/* The same, with tasklist_lock already held. */
void send_signal_process_locked(struct thread_group *tg, int sig, const struct siginfo_k *info);
/* Would sig be discarded on arrival (ignored and not blocked)? */
bool signal_would_be_ignored(struct task *t, int sig);
/* Is a signal pending that is not blocked?  (Sleeps check this.) */
bool signal_pending(struct task *t);
/* Is t's only reason to wake that it must join its process's stop (no signal to take)? */
bool only_stop_pending(struct task *t);
/* Is SIGKILL on its way (the task will die at its next return to user mode)? */
bool fatal_signal_pending(struct task *t);

/*
 * Job control (kernel/job_control.c).  The senders call
 * job_control_on_send for every signal, with tasklist_lock held for the
 * job-control ones (SIGCONT continues a stopped process; a stop signal
 * drops a pending SIGCONT; SIGKILL wakes a stopped one).  The taker of a
 * stop signal calls do_signal_stop; each thread of a stopped process
 * sleeps in group_stop_wait on its way back to user mode.
 */
struct thread_group;
bool is_stop_signal(int sig);
void job_control_on_send(struct thread_group *tg, int sig);
void do_signal_stop(int sig);
void group_stop_wait(void);
/* tasklist_lock held: */
struct task;
void stop_joined(struct task *t);
bool pgrp_is_orphaned(int pgid);
/*
 * The process of `exiting` is ending, and it may have been the last link
 * of group pgid to the rest of its session: if that orphans the group
 * while a member is stopped, the group gets SIGHUP and SIGCONT.
 */
void orphaned_by_exit(int pgid, const struct task *exiting);
/* wait4's report of a stop or a continue (WUNTRACED, WCONTINUED): 1 and *status, or 0. */
int wait_status_report(struct task *leader, int options, int *status);
/* A terminal's check of a background task (see job_control.c): 0, -EIO or -ERESTARTSYS. */
int tty_check_job(int tty_session, int tty_pgrp, int sig);

#define WUNTRACED 2
#define WSTOPPED WUNTRACED	/* waitid's name for it */
#define WCONTINUED 8
#define WNOWAIT 0x01000000	/* report, but leave the child to be waited for again */

/* Returned by an interrupted system call; never reaches user space. */
#define ERESTARTSYS 512
#define ERESTARTNOHAND 514	/* restart only if no handler ran (pause, sigsuspend) */
#define ERESTART_RESTARTBLOCK 516	/* nanosleep: restart with the remaining time */

#endif
