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
 * Lock order: tasklist_lock -> task->lock -> rq_lock.
 */
#include <kmalloc.h>
#include <kstack.h>
#include <mm.h>
#include <paging.h>
#include <panic.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <traps.h>
#include <vm.h>
#include <x86.h>

struct spinlock rq_lock = SPINLOCK_INIT("rq");
static struct list_head run_queue = LIST_HEAD_INIT(run_queue);	/* rq_lock */

struct task *switch_to(u64 *prev_rsp, u64 next_rsp, struct task *prev);
void kthread_start(void);

static void enqueue(struct task *t)
{
	list_add_tail(&t->run_link, &run_queue);
}

/* Load the next task's address space, kernel stack and TLS base. */
static void switch_cpu_state(struct cpu *cpu, struct task *next)
{
	pte_t *pml4 = next->mm ? next->mm->pml4 : kernel_pml4;

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
	bool irqs_were_enabled;

	if (!spin_holding(&rq_lock) || cpu->irq_off_depth != 1)
		panic("schedule: called with %s", spin_holding(&rq_lock) ?
		      "another spinlock held" : "rq_lock not held");
	if (prev->state == TASK_RUNNABLE && prev != cpu->idle)
		enqueue(prev);
	prev->need_resched = false;
	if (list_empty(&run_queue)) {
		next = prev->state == TASK_RUNNABLE ? prev : cpu->idle;
	} else {
		next = list_first_entry(&run_queue, struct task, run_link);
		list_del(&next->run_link);
	}
	if (next == prev) {
		spin_unlock(&rq_lock);
		return;
	}
	next->on_cpu = cpu->id;
	switch_cpu_state(cpu, next);
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
 * away from is now truly off its CPU.  A dead kernel thread can be freed
 * now that nobody runs on its stack; a zombie's parent may now reap it.
 */
void finish_task_switch(struct task *prev)
{
	bool dead, zombie;

	prev->on_cpu = -1;
	dead = prev->state == TASK_DEAD;
	zombie = prev->state == TASK_ZOMBIE;
	spin_unlock(&rq_lock);
	if (dead)
		task_free(prev);
	else if (zombie)
		task_notify_parent_reapable(prev);
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
	    (!only_interruptible && t->state == TASK_SLEEPING_UNINTERRUPTIBLE)) {
		t->state = TASK_RUNNABLE;
		enqueue(t);
		woke = true;
	}
	spin_unlock(&rq_lock);
	return woke;
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
		local_irq_disable();
		spin_lock(&rq_lock);
		if (!list_empty(&run_queue)) {
			schedule_locked();
			continue;
		}
		spin_unlock(&rq_lock);
		/* Interrupts are off: "sti; hlt" cannot miss a wake-up in between. */
		safe_halt();
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

struct task *kthread_create(void (*fn)(void *), void *arg, const char *name)
{
	struct task *t = task_alloc(name);

	if (!t)
		return NULL;
	t->pid = t->tgid = alloc_pid();
	task_prepare_switch(t, t->kstack_top, kthread_start, (u64)fn, (u64)arg);
	task_add_to_list(t, NULL);
	spin_lock(&rq_lock);
	t->state = TASK_RUNNABLE;
	enqueue(t);
	spin_unlock(&rq_lock);
	return t;
}

/* A kernel thread's function returned: it is done.  Its stack is freed after the switch. */
__noreturn void kthread_exit(void)
{
	task_remove_from_list(current);
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
