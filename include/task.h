/*
 * struct task: a thread of execution, in the kernel or in user space.
 *
 * Every task has its own kernel stack; a user process is a task with an
 * address space (mm) and, while it runs in user mode, its user registers
 * saved in the trap frame at the top of its kernel stack.  Threads (later)
 * are tasks that share mm, files, fs and signal handlers.
 *
 * Locks (outer first): tasklist_lock protects the task tree (parent,
 * children, sibling) and pid lookup; task->lock protects the pending and
 * blocked signal sets; rq_lock (kernel/sched.c) protects state, on_cpu and
 * the run-queue link.  Fields marked "own" are touched only by
 * the task itself (or before it first runs).
 */
#ifndef PAGODA_TASK_H
#define PAGODA_TASK_H

#include <cputime.h>
#include <list.h>
#include <percpu.h>
#include <signal.h>
#include <spinlock.h>
#include <timer.h>
#include <types.h>
#include <wait.h>

struct timespec_k;

struct completion;

struct mm;
struct files_struct;
struct fs_struct;
struct trap_frame;

enum task_state {
	TASK_RUNNABLE,		/* running, or on the run queue */
	TASK_SLEEPING,		/* on a wait queue, a signal wakes it */
	TASK_SLEEPING_UNINTERRUPTIBLE,	/* on a wait queue, only wake_up wakes it */
	TASK_STOPPED,		/* stopped by a stop signal: only SIGCONT or SIGKILL wakes it */
	TASK_ZOMBIE,		/* exited, waiting for its parent's wait4 */
	TASK_DEAD,		/* reaped: about to be freed */
};

#define TASK_COMM_LEN 16

/* Resource limits (the ones Pagoda knows; Linux numbering). */
#define RLIMIT_FSIZE 1
#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_CORE 4
#define RLIMIT_NOFILE 7
#define RLIMIT_AS 9
#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0ul)

struct rlimit_k {
	u64 cur, max;
};

/* Linux's default limits (kernel/sys_proc.c). */
void rlimits_init(struct rlimit_k *rlim);

/* Registers saved by switch_to: the callee-saved ones, and where they are. */
struct context {
	u64 rsp;
};

struct task {
	struct context context;		/* own: must stay first (switch_to) */
	int pid;			/* thread id; never changes */
	int tgid;			/* thread-group (process) id */
	char comm[TASK_COMM_LEN];	/* own: program name, for messages */

	struct spinlock lock;		/* signals (below); mm changes, for readers from outside */
	/*
	 * atomic: references to this struct (task_put).  Two from birth: the
	 * task's own, dropped by the switch away from it once it has died, and
	 * its collector's (the parent's wait4, or whoever decides nobody will
	 * wait).  So a zombie may be reaped while it still finishes its last
	 * switch: the struct and its stack outlive both.
	 */
	int usage;
	enum task_state state;		/* rq_lock */
	int on_cpu;			/* rq_lock: -1 unless running on a CPU */
	u64 cpus_allowed;		/* rq_lock: the CPUs it may run on (a bit each) */
	struct list_head run_link;	/* rq_lock: on the run queue */
	u64 sleep_deadline_ns;		/* own: for timed sleeps */

	void *kstack_top;		/* own: top of the kernel stack */
	struct trap_frame *user_regs;	/* own: saved user registers (user tasks) */
	int pagefault_disabled;		/* own: pagefault_disable() depth */
	bool memalloc;			/* own: reclaim or writeback works for us: use the reserve, never reclaim */
	bool need_resched;		/* set by the timer, read on return to user */

	struct mm *mm;			/* own, changed under lock (exec, exit): NULL for kernel threads */
	struct files_struct *files;	/* own: open file descriptors */
	struct fs_struct *fs;		/* own: root, cwd, umask */

	/* Signals (kernel/signal.c). */
	struct sighand *sighand;	/* own: handlers, shared by threads (later) */
	sigset_t blocked;		/* lock */
	struct sigpending pending;	/* lock: signals sent to this thread */
	struct sigaltstack_k altstack;	/* own */
	sigset_t saved_mask;		/* own: restored after a handler (sigsuspend) */
	bool restore_saved_mask;	/* own */

	/* The process this thread belongs to (kernel/thread_group.c). */
	struct thread_group *tg;	/* own: set at creation, never changes */
	struct list_head tg_link;	/* tasklist_lock: on tg->threads */

	/* Family (tasklist_lock). */
	struct task *parent;
	struct list_head children;
	struct list_head sibling;
	struct wait_queue child_exit;	/* woken when a child exits or stops */
	int exit_code;			/* wait4 status word, set at exit */
	bool autoreaped;		/* tasklist_lock: nobody will wait4 for it: free it */
	bool stop_pending;		/* tasklist_lock: has yet to stop for its process's stop */
	int exit_signal;		/* sent to the parent at exit (SIGCHLD) */

	/* Process attributes. */
	int pgid, sid;			/* tasklist_lock */
	u64 fs_base;			/* own: arch_prctl(ARCH_SET_FS) */
	int *clear_child_tid;		/* own: set_tid_address, CLONE_CHILD_CLEARTID */
	int *set_child_tid;		/* own: CLONE_CHILD_SETTID */
	/* CPU time (kernel/cputime.c): own, read by others with READ_ONCE. */
	u64 utime_ns, stime_ns;		/* run in user mode, in the kernel */
	u64 cputime_stamp;		/* when the interval being run began */
	u64 min_flt;			/* own: page faults resolved (getrusage RUSAGE_THREAD) */
	/* A nanosleep to resume by restart_syscall (kernel/sys_time.c). */
	bool restart_sleep;		/* own */
	u64 restart_deadline;		/* own: the monotonic time it sleeps until */
	struct timespec_k *restart_rem;	/* own: the caller's rem, or NULL */
	u64 start_ns;

	/* ITIMER_REAL / alarm (kernel/sys_time.c). */
	u64 itimer_real_expires_ns;	/* tasklist_lock: 0 = disarmed */
	u64 itimer_real_interval_ns;	/* tasklist_lock */
	struct timer itimer_real;

	struct list_head all_link;	/* tasklist_lock: on the list of all tasks */

	struct rlimit_k rlim[RLIM_NLIMITS];	/* own: resource limits */
	struct completion *vfork_done;	/* own: a vfork parent waits on it until we exec or exit */

	/* The lock validator's stack of the locks it holds (kernel/lockdep.c). */
#ifdef CONFIG_LOCKDEP
	int lockdep_depth;		/* own (and its interrupt handlers) */
	struct held_lock held_locks[MAX_HELD_LOCKS];
#endif
	u64 sleep_start_ns;		/* own (read by the watchdog): when an untimed uninterruptible sleep began, else 0 */
	u64 hung_reported_ns;		/* tasklist_lock: the sleep the watchdog reported */

	/* The user's x87/SSE registers, saved while another task runs (fxsave). */
	u8 fpu[512] __aligned(16);	/* own */
};

/*
 * A process: the threads that share one address space, descriptor table
 * and signal handlers (CLONE_THREAD).  A single-threaded process has one
 * too.  The leader is the first thread; its pid is the process id (tgid).
 * The process ends, for its parent, when its last thread has exited.
 */
struct thread_group {
	int refcount;			/* atomic: threads pointing here, dead or alive */
	struct task *leader;
	struct list_head threads;	/* tasklist_lock: every thread not yet exited */
	int live;			/* tasklist_lock: threads that have not exited */
	bool exiting;			/* tasklist_lock: exit_group or a fatal signal is under way */
	int exit_code;			/* tasklist_lock: the process's wait status, once exiting */
	struct wait_queue live_changed;	/* a thread exited (exec waits for the others) */
	struct task *execing;		/* tasklist_lock: the thread whose execve kills the others */
	struct spinlock siglock;
	struct sigpending shared;	/* siglock: signals sent to the process */
	/*
	 * init's (Linux's SIGNAL_UNKILLABLE): a signal it has no handler for is
	 * dropped, so `kill -9 1` or a stray SIGINT cannot take the machine down.  Set
	 * at creation; cleared by the process itself when a fault must kill it.
	 */
	bool unkillable;
	u64 min_flt;			/* atomic: page faults resolved, all its threads (RUSAGE_SELF) */
	struct cputime exited;		/* tasklist_lock: CPU time of its threads that have exited */
	struct cputime children;	/* tasklist_lock: of its children waited for, and theirs */
	/* Job control (kernel/job_control.c). */
	bool group_stop;		/* tasklist_lock: a stop signal stopped it; SIGCONT ends that */
	int stop_signal;		/* tasklist_lock: which one */
	int stop_count;			/* tasklist_lock: threads yet to stop; the stop is reported at 0 */
	int wait_report;		/* tasklist_lock: what wait4 has to tell: WAIT_STOPPED, WAIT_CONTINUED */
	struct wait_queue stop_wait;	/* its threads sleep here while it is stopped */
};

/* thread_group.wait_report: a change a parent's wait4 (WUNTRACED, WCONTINUED) reports once. */
#define WAIT_STOPPED 1
#define WAIT_CONTINUED 2

struct thread_group *thread_group_new(struct task *leader);
void thread_group_put(struct thread_group *tg);
void thread_group_add(struct thread_group *tg, struct task *t);
struct task *thread_group_pick(struct thread_group *tg, int sig);
bool thread_group_begin_exit(struct thread_group *tg, int status_word);

extern struct spinlock tasklist_lock;
extern struct list_head all_tasks;	/* tasklist_lock */

/* The task running on this CPU. */
static inline struct task *current_task(void)
{
	return this_cpu()->cur_task;
}
#define current (current_task())

struct task *find_task(int pid);	/* tasklist_lock held */

#endif
