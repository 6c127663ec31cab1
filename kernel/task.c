/*
 * Task structures: allocation, pids, the list of all tasks.
 *
 * Lock: tasklist_lock protects all_tasks, every task's parent, children
 * and sibling links, and next_pid.
 */
#include <kmalloc.h>
#include <kstack.h>
#include <panic.h>
#include <sched.h>
#include <string.h>

struct spinlock tasklist_lock = SPINLOCK_INIT("tasklist");
struct list_head all_tasks = LIST_HEAD_INIT(all_tasks);

#define PID_MAX 32768
static int next_pid = 1;	/* tasklist_lock */

static int nr_tasks;	/* atomic: task structures allocated and not yet freed */

int tasks_allocated(void)
{
	return __atomic_load_n(&nr_tasks, __ATOMIC_ACQUIRE);
}

static struct task *task_new_struct(const char *name)
{
	struct task *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	__atomic_add_fetch(&nr_tasks, 1, __ATOMIC_RELAXED);
	spin_init(&t->lock, "task");
	t->usage = 2;	/* its own, and its collector's */
	t->state = TASK_SLEEPING_UNINTERRUPTIBLE;	/* not runnable until set up */
	t->on_cpu = -1;
	t->cpus_allowed = ~0ul;
	list_init(&t->children);
	list_init(&t->sibling);
	list_init(&t->all_link);
	sigpending_init(&t->pending);
	list_init(&t->tg_link);
	wait_queue_init(&t->child_exit);
	t->exit_signal = SIGCHLD;
	/* Kernel threads write files too (the initramfs, self-tests): Linux's defaults, not zeros. */
	rlimits_init(t->rlim);
	strlcpy(t->comm, name, sizeof(t->comm));
	return t;
}

struct task *task_alloc(const char *name)
{
	struct task *t = task_new_struct(name);

	if (!t)
		return NULL;
	t->kstack_top = kstack_alloc();
	if (!t->kstack_top) {
		kfree(t);
		return NULL;
	}
	return t;
}

/* The idle task of a CPU: the code already running there, on its stack. */
struct task *task_alloc_idle(struct cpu *cpu, void *stack_top)
{
	struct task *t = task_new_struct("idle");

	if (!t)
		panic("no memory for the idle task");
	t->kstack_top = stack_top;
	t->state = TASK_RUNNABLE;
	t->pid = t->tgid = 0;	/* like Linux's swapper */
	(void)cpu;
	return t;
}

void sighand_put(struct sighand *s)
{
	if (s && __atomic_sub_fetch(&s->refcount, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(s);
}

/* Free a task that no CPU runs and nobody will look up again. */
void task_free(struct task *t)
{
	sigpending_flush(&t->pending, 0);
	sighand_put(t->sighand);
	thread_group_put(t->tg);
	kstack_free(t->kstack_top);
	kfree(t);
	__atomic_sub_fetch(&nr_tasks, 1, __ATOMIC_RELEASE);
}

int alloc_pid(void)
{
	int pid;

	spin_lock(&tasklist_lock);
	do {
		pid = next_pid;
		next_pid = next_pid == PID_MAX - 1 ? 2 : next_pid + 1;
	} while (find_task(pid));
	spin_unlock(&tasklist_lock);
	return pid;
}

int last_pid(void)
{
	int next = READ_ONCE(next_pid);

	return next > 2 ? next - 1 : PID_MAX - 1;
}

struct task *find_task(int pid)
{
	struct task *t;

	list_for_each_entry(t, &all_tasks, all_link)
		if (t->pid == pid)
			return t;
	return NULL;
}

void task_add_to_list_locked(struct task *t, struct task *parent)
{
	list_add_tail(&t->all_link, &all_tasks);
	t->parent = parent;
	if (parent)
		list_add_tail(&t->sibling, &parent->children);
}

void task_add_to_list(struct task *t, struct task *parent)
{
	spin_lock(&tasklist_lock);
	task_add_to_list_locked(t, parent);
	spin_unlock(&tasklist_lock);
}

void task_remove_from_list(struct task *t)
{
	spin_lock(&tasklist_lock);
	list_del(&t->all_link);
	if (t->parent)
		list_del(&t->sibling);
	t->parent = NULL;
	spin_unlock(&tasklist_lock);
}
