/*
 * The scheduler: which task runs on a CPU, and handing the CPU over.
 *
 * One run queue for all CPUs, under rq_lock: simple, and on the few CPUs
 * Pagoda targets the lock is never the bottleneck.  rq_lock also guards
 * every task's state and on_cpu, so sleeping and waking cannot race (see
 * kernel/sched.c).  Round robin: a task runs until it sleeps, yields, or
 * its time slice (one timer tick) ends while it is in user mode — the
 * kernel itself is not preempted; it gives the CPU up only where it sleeps.
 */
#ifndef PAGODA_SCHED_H
#define PAGODA_SCHED_H

#include <task.h>

extern struct spinlock rq_lock;

/* Turn the boot code (running on stack_top) into CPU 0's idle task. */
void sched_init(void *stack_top);

/*
 * Give up the CPU.  The caller has set current->state (under rq_lock) to
 * what it should be while away; RUNNABLE means "back on the queue".
 * Called with rq_lock held and no other spinlock; returns with it released.
 */
void schedule_locked(void);
/* Let others run; come back when it is our turn. */
void yield(void);
/*
 * Let the current task run only on the CPUs in mask (a bit each), moving
 * it now if this CPU is not one of them; returns the old mask.
 */
u64 sched_set_cpus_allowed(u64 mask);

/* Make a sleeping task runnable; false if it was not asleep in `states`. */
bool wake_up_task(struct task *t, bool only_interruptible);
/*
 * A signal for t: wake it if it sleeps interruptibly, and if it is running
 * on another CPU, interrupt it there so that it sees the signal now, not at
 * its next tick.
 */
void signal_wake_up(struct task *t);

/* Put a newly made task on the run queue for the first time. */
void wake_up_new_task(struct task *t);
/* A new kernel thread running fn(arg), runnable at once; NULL if out of memory. */
struct task *kthread_create(void (*fn)(void *), void *arg, const char *name);
/* The same, but it runs only on CPU cpu (-1: anywhere). */
struct task *kthread_create_on(void (*fn)(void *), void *arg, const char *name, int cpu);
/* Free the tasks whose last reference is gone; interrupts on, no locks held. */
void free_dead_tasks(void);
/* Drop a reference (see task->usage); the last one queues t to be freed. */
void task_put(struct task *t);
/* Take one more (the caller holds one, or tasklist_lock with t on the task list). */
static inline void task_get(struct task *t)
{
	__atomic_add_fetch(&t->usage, 1, __ATOMIC_ACQ_REL);
}
/* Start the kernel thread that frees dead tasks. */
void reaper_start(void);
/* The body of the idle loop: run what is runnable, else halt. */
__noreturn void cpu_idle_loop(void);

/* Called by the timer interrupt on every tick. */
void sched_tick(void);

/*
 * The load average (kernel/loadavg.c): start its thread; the 1, 5 and 15
 * minute averages in fixed point with `shift` fractional bits (at least 11).
 */
void loadavg_start(void);
/* Is t in an uninterruptible sleep that waits for an event (no time limit)? */
bool task_blocked(const struct task *t);
void get_loadavg(unsigned long loads[3], int shift);
/* The last process id handed out (/proc/loadavg). */
int last_pid(void);

/* Sleep uninterruptibly for at least ns nanoseconds. */
void sleep_ns(u64 ns);

/* Task structures: allocated with a kernel stack, freed by the last task_put. */
struct task *task_alloc(const char *name);
void task_free(struct task *t);
void sighand_put(struct sighand *s);
struct sighand *sighand_copy(struct sighand *old);
int alloc_pid(void);

/* Bookkeeping after a switch, run by the task that was switched to. */
void finish_task_switch(struct task *prev);
/* Make t's first switch_to return into entry, with r12/r13 preset and rsp at below. */
void task_prepare_switch(struct task *t, void *below, void (*entry)(void), u64 r12, u64 r13);

struct task *task_alloc_idle(struct cpu *cpu, void *stack_top);
/* Task structures in existence (for self-tests that count memory). */
int tasks_allocated(void);
void task_add_to_list(struct task *t, struct task *parent);
void task_add_to_list_locked(struct task *t, struct task *parent);
void task_remove_from_list(struct task *t);

#endif
