/*
 * The scheduler (see sched.h).
 *
 * Sleeping without losing wake-ups: a task going to sleep sets its state
 * and calls schedule_locked() without ever releasing rq_lock in between,
 * and the next task releases rq_lock only after the switch is complete
 * (finish_task_switch).  A waker takes rq_lock too, so it sees the sleeper
 * either before it set its state (and the sleeper, re-checking its
 * condition under its own lock, will not sleep) or after it is fully off
 * the CPU (and can be put back on the queue).
 *
 * Lock order: tasklist_lock -> task->lock -> rq_lock;
 * reaper_lock -> (a wait queue's lock) -> rq_lock.
 */
#include <apic.h>
#include <fpu.h>
#include <kmalloc.h>
#include <kstack.h>
#include <mm.h>
#include <paging.h>
#include <panic.h>
#include <sched.h>
#include <smp.h>
#include <tlb.h>
#include <string.h>
#include <time.h>
#include <traps.h>
#include <vm.h>
#include <x86.h>

/* Raw (not validated): it passes from task to task across a switch, and nests inside everything. */
struct spinlock rq_lock = RAW_SPINLOCK_INIT("rq");
static struct list_head run_queue = LIST_HEAD_INIT(run_queue);	/* rq_lock */
static struct spinlock reaper_lock = SPINLOCK_INIT("reaper");
static struct list_head dead_tasks = LIST_HEAD_INIT(dead_tasks);	/* reaper_lock: to free */
static struct wait_queue reaper_wait = WAIT_QUEUE_INIT(reaper_wait);

struct task *switch_to(u64 *prev_rsp, u64 next_rsp, struct task *prev);
void kthread_start(void);

/* Is a queued task allowed on this CPU?  rq_lock held. */
static bool work_for(struct cpu *cpu)
{
	struct task *t;

	list_for_each_entry(t, &run_queue, run_link)
		if (t->cpus_allowed & (1ul << cpu->id))
			return true;
	return false;
}

/* The first queued task allowed on this CPU (or NULL), taken off the queue. */
static struct task *pick_next(struct cpu *cpu)
{
	struct task *t;

	list_for_each_entry(t, &run_queue, run_link) {
		if (t->cpus_allowed & (1ul << cpu->id)) {
			list_del(&t->run_link);
			return t;
		}
	}
	return NULL;
}

/* Queue t to run, and wake an idle CPU to run it if there is one. */
static void enqueue(struct task *t)
{
	list_add_tail(&t->run_link, &run_queue);
	smp_kick_idle_cpu(t->cpus_allowed);
}

/* Load the next task's address space, kernel stack and TLS base. */
static void switch_cpu_state(struct cpu *cpu, struct task *prev, struct task *next)
{
	pte_t *pml4 = next->mm ? next->mm->pml4 : kernel_pml4;

	/*
	 * The user's x87/SSE registers: the kernel never uses them, so they
	 * still hold prev's values here; keep them, and give next its own.
	 */
	if (prev->mm)
		fpu_save(prev->fpu);
	if (next->mm)
		fpu_restore(next->fpu);
	mm_cpu_switch(prev->mm, next->mm);
	cpu->cur_task = next;
	cpu->kernel_rsp = (u64)next->kstack_top;
	cpu->tss.rsp[0] = (u64)next->kstack_top;
	if (read_cr3() != virt_to_phys(pml4))
		write_cr3(virt_to_phys(pml4));
	if (next->mm)
		wrmsr(MSR_FS_BASE, next->fs_base);
}

void schedule_locked(void)
{
	struct cpu *cpu = this_cpu();
	struct task *prev = cpu->cur_task, *next, *last;
	bool irqs_were_enabled, prev_queued = prev->state == TASK_RUNNABLE && prev != cpu->idle;

	if (!spin_holding(&rq_lock) || cpu->irq_off_depth != 1)
		panic("schedule: called with %s", spin_holding(&rq_lock) ?
		      "another spinlock held" : "rq_lock not held");
	/*
	 * A runnable prev goes to the back of the queue: picked again if
	 * nothing is before it and it may run here.  No idle CPU is kicked for
	 * it yet: a busy CPU comes here after every tick (on its way back to
	 * user mode), and mostly takes prev straight back.
	 */
	if (prev_queued)
		list_add_tail(&prev->run_link, &run_queue);
	prev->need_resched = false;
	next = pick_next(cpu);
	if (!next)
		next = cpu->idle;
	if (next == prev) {
		spin_unlock(&rq_lock);
		return;
	}
	if (prev_queued)
		smp_kick_idle_cpu(prev->cpus_allowed);	/* prev waits now: an idle CPU may take it */
	next->on_cpu = cpu->id;
	account_switch(prev, next);
	switch_cpu_state(cpu, prev, next);
	/*
	 * The interrupt flag to restore when rq_lock is released belongs to
	 * this task, not to the CPU: keep it across the switch (xv6's intena).
	 */
	irqs_were_enabled = cpu->irq_were_enabled;
	last = switch_to(&prev->context.rsp, next->context.rsp, prev);
	this_cpu()->irq_were_enabled = irqs_were_enabled;
	finish_task_switch(last);
}

/*
 * Runs in the task switched to, still holding rq_lock: the task switched
 * away from is now truly off its CPU.  If it has died, nobody will run on
 * its stack again, and it drops its own reference; the struct is freed
 * when its collector (a parent's wait4) has dropped the other one too.
 */
void finish_task_switch(struct task *prev)
{
	bool died = prev->state == TASK_ZOMBIE || prev->state == TASK_DEAD;

	prev->on_cpu = -1;
	spin_unlock(&rq_lock);
	/* task_put may wake the reaper, which takes rq_lock: not under it. */
	if (died)
		task_put(prev);
}

/*
 * Freeing waits for a context with interrupts on and no locks held:
 * freeing a kernel stack takes a TLB shootdown, which must not wait with
 * them off.  So the last task_put only queues the task, for the reaper.
 */
void task_put(struct task *t)
{
	if (__atomic_sub_fetch(&t->usage, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	spin_lock(&reaper_lock);
	list_add_tail(&t->run_link, &dead_tasks);
	wake_up(&reaper_wait);
	spin_unlock(&reaper_lock);
}

/*
 * The reaper: frees dead tasks as they come.  The idle loop frees them too,
 * but a busy CPU may not go idle for a long time, and a process that keeps
 * starting threads must not run out of memory meanwhile.
 */
static void reaper(void *arg)
{
	(void)arg;
	for (;;) {
		spin_lock(&reaper_lock);
		/* Interruptible: waiting for work is not a hang (kernel threads get no signals). */
		while (list_empty(&dead_tasks))
			wait_sleep(&reaper_wait, &reaper_lock, true);
		spin_unlock(&reaper_lock);
		free_dead_tasks();
	}
}

void reaper_start(void)
{
	if (!kthread_create(reaper, NULL, "reaper"))
		panic("cannot start the reaper");
}

/* Free the tasks that finished dying; interrupts on, no locks held. */
void free_dead_tasks(void)
{
	for (;;) {
		struct task *t = NULL;

		spin_lock(&reaper_lock);
		if (!list_empty(&dead_tasks)) {
			t = list_first_entry(&dead_tasks, struct task, run_link);
			list_del(&t->run_link);
		}
		spin_unlock(&reaper_lock);
		if (!t)
			return;
		task_free(t);
	}
}

u64 sched_set_cpus_allowed(u64 mask)
{
	struct task *t = current;
	u64 old;

	spin_lock(&rq_lock);
	old = t->cpus_allowed;
	t->cpus_allowed = mask;
	if (mask & (1ul << this_cpu()->id)) {
		spin_unlock(&rq_lock);
		return old;
	}
	schedule_locked();	/* back on the queue, for a CPU we may run on */
	return old;
}

void yield(void)
{
	spin_lock(&rq_lock);
	schedule_locked();
}

bool wake_up_task(struct task *t, bool only_interruptible)
{
	bool woke = false;

	spin_lock(&rq_lock);
	if (t->state == TASK_SLEEPING ||
	    (!only_interruptible && (t->state == TASK_SLEEPING_UNINTERRUPTIBLE ||
				     t->state == TASK_STOPPED))) {
		t->state = TASK_RUNNABLE;
		enqueue(t);
		woke = true;
	}
	spin_unlock(&rq_lock);
	return woke;
}

void signal_wake_up(struct task *t)
{
	int cpu;

	if (wake_up_task(t, true))
		return;
	/*
	 * Unlocked: at worst a needless interrupt, or the tick does it.
	 * wake_up_task took rq_lock, which orders the caller's store (the
	 * signal) before this read of cur_task: a t switched in after it sees
	 * the signal on its way to user mode anyway.
	 */
	cpu = READ_ONCE(t->on_cpu);
	if (cpu >= 0 && cpu != this_cpu()->id && READ_ONCE(cpus[cpu].cur_task) == t)
		lapic_send_ipi(cpus[cpu].apic_id, VEC_RESCHEDULE);
}

void sched_tick(void)
{
	struct task *t = current;

	/* One tick is a time slice; the switch happens on the way to user mode. */
	if (t != this_cpu()->idle)
		t->need_resched = true;
}

__noreturn void cpu_idle_loop(void)
{
	for (;;) {
		u64 idle_start;

		/* Interrupts on: an AP arrives here with them off, and so do we after a switch back. */
		local_irq_enable();
		free_dead_tasks();
		local_irq_disable();
		spin_lock(&rq_lock);
		/* (A task pinned to another CPU is that CPU's to run: halt past it.) */
		if (work_for(this_cpu())) {
			this_cpu()->idling = false;
			schedule_locked();
			continue;
		}
		/* Under rq_lock: whoever queues work after this sees it and kicks us. */
		this_cpu()->idling = true;
		spin_unlock(&rq_lock);
		/* Interrupts are off: "sti; hlt" cannot miss a wake-up in between. */
		idle_start = clock_ns();
		safe_halt();
		this_cpu()->idle_ns += clock_ns() - idle_start;
	}
}

/*
 * Lay out a new task's kernel stack so that its first switch_to() returns
 * into `entry` with r12 and r13 preset (see kernel/switch.asm), and with
 * rsp then at `below`.
 */
void task_prepare_switch(struct task *t, void *below, void (*entry)(void), u64 r12, u64 r13)
{
	u64 *sp = below;

	*--sp = (u64)entry;	/* switch_to's "ret" */
	*--sp = 0;		/* rbp */
	*--sp = 0;		/* rbx */
	*--sp = r12;
	*--sp = r13;
	*--sp = 0;		/* r14 */
	*--sp = 0;		/* r15 */
	t->context.rsp = (u64)sp;
}

void wake_up_new_task(struct task *t)
{
	spin_lock(&rq_lock);
	t->state = TASK_RUNNABLE;
	enqueue(t);
	spin_unlock(&rq_lock);
}

struct task *kthread_create(void (*fn)(void *), void *arg, const char *name)
{
	return kthread_create_on(fn, arg, name, -1);
}

struct task *kthread_create_on(void (*fn)(void *), void *arg, const char *name, int cpu)
{
	struct task *t = task_alloc(name);

	if (!t)
		return NULL;
	if (cpu >= 0)
		t->cpus_allowed = 1ul << cpu;
	t->pid = t->tgid = alloc_pid();
	/*
	 * Start below the slot of the user registers: a kernel thread may
	 * become a user process (kernel_init execs /init), and exec writes the
	 * user frame there while the thread's own frames are still in use.
	 */
	task_prepare_switch(t, task_user_frame(t), kthread_start, (u64)fn, (u64)arg);
	task_add_to_list(t, NULL);
	wake_up_new_task(t);
	return t;
}

/* A kernel thread's function returned: it is done.  Its stack is freed after the switch. */
__noreturn void kthread_exit(void)
{
	task_remove_from_list(current);
	task_put(current);	/* nobody collects a kernel thread */
	spin_lock(&rq_lock);
	current->state = TASK_DEAD;
	schedule_locked();
	panic("a dead kernel thread was scheduled");
}

void sched_init(void *stack_top)
{
	struct cpu *cpu = this_cpu();
	struct task *idle = task_alloc_idle(cpu, stack_top);

	cpu->idle = idle;
	cpu->cur_task = idle;
	idle->on_cpu = cpu->id;
}
