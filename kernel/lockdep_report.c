/*
 * What the lock validator prints (see docs/lockdep.md for how to read it).
 * Everything here runs under graph_lock with interrupts off, and prints
 * with kprintf line by line, like panic().
 */
#include <lockdep.h>
#include <panic.h>
#include <printk.h>
#include <symbols.h>
#include <task.h>
#include "lockdep_internal.h"

#ifdef CONFIG_LOCKDEP	/* else the validator is compiled out (make bench) */

#define RULE "======================================================\n"
#define THIN "------------------------------------------------------\n"

static void print_class(int i)
{
	const struct lock_class *c = &lock_classes[i];

	kprintf("%s (%s:%d", c->name, c->file, c->line);
	if (c->subclass)
		kprintf(", subclass %u", c->subclass);
	kprintf(")");
}

static void print_at(u64 ip)
{
	kprintf(", at: ");
	print_symbol(ip - 1);	/* a return address: name the call itself */
	kprintf("\n");
}

void print_held_lock(int n, const struct held_lock *h)
{
	kprintf("  #%d ", n);
	print_class(h->class_index);
	if (h->order_key)
		kprintf(" [%p index %lu]", h->order_key, h->order_index);
	if (h->mode == LOCK_SHARED)
		kprintf(" shared");
	if (h->trylock)
		kprintf(" (trylock)");
	if (h->in_irq)
		kprintf(" (interrupt)");
	print_at(h->ip);
}

static void print_header(const char *what, bool expected)
{
	kprintf("\n" RULE "WARNING: %s%s\n" THIN, what,
		expected ? " (expected by a self-test)" : "");
}

static void print_task_and_locks(struct task *t, const struct held_lock *next)
{
	kprintf("%s/%d is trying to take:\n", t->comm, t->pid);
	print_held_lock(t->lockdep_depth, next);
	kprintf("while holding:\n");
	for (int i = 0; i < t->lockdep_depth; i++)
		print_held_lock(i, &t->held_locks[i]);
}

static void print_edge(const struct lock_edge *e)
{
	kprintf("  ");
	print_class(e->from);
	kprintf(" -> ");
	print_class(e->to);
	kprintf("\n    first seen in %s/%d: the first taken", e->comm, e->pid);
	print_at(e->from_ip);
	kprintf("    and then the second, at:\n");
	for (int i = 0; i < EDGE_STACK_DEPTH && e->to_stack[i]; i++) {
		kprintf("      ");
		print_symbol(e->to_stack[i] - 1);
		kprintf("\n");
	}
}

static void print_lock_line(int column, int class)
{
	kprintf("%*s", column, "");
	kprintf("lock(%s);\n", lock_classes[class].name);
}

static void print_trace_footer(void)
{
	kprintf("this acquisition's ");
	dump_stack();
	kprintf(RULE);
}

void report_cycle(struct task *t, const struct held_lock *held, const struct held_lock *next,
		  const int *path, int path_len, bool expected)
{
	print_header("possible circular locking dependency detected", expected);
	print_task_and_locks(t, next);
	kprintf("\nbut the reverse order is already known (each step as first seen):\n");
	for (int i = 0; i < path_len; i++)
		print_edge(&lock_edges[path[i]]);
	kprintf("\nso this can deadlock between two tasks:\n\n");
	kprintf("       task A                     task B\n");
	kprintf("       ------                     ------\n");
	print_lock_line(7, held->class_index);
	print_lock_line(34, next->class_index);
	for (int i = 0; i < path_len; i++)
		print_lock_line(34, lock_edges[path[i]].to);
	print_lock_line(7, next->class_index);
	kprintf("\n  *** DEADLOCK ***  (A waits for B's ");
	kprintf("%s, B for A's %s)\n\n", lock_classes[next->class_index].name,
		lock_classes[held->class_index].name);
	print_trace_footer();
}

void report_held_at_sys_exit(struct task *t, u64 nr, bool expected)
{
	print_header("lock held when returning to user space", expected);
	kprintf("%s/%d is leaving system call %lu holding:\n", t->comm, t->pid, (unsigned long)nr);
	for (int i = 0; i < t->lockdep_depth; i++)
		print_held_lock(i, &t->held_locks[i]);
	kprintf("\n  nothing in user space will ever release them\n\n");
	print_trace_footer();
}

void report_recursion(struct task *t, const struct held_lock *held,
		      const struct held_lock *next, bool expected)
{
	print_header("possible recursive locking detected", expected);
	print_task_and_locks(t, next);
	kprintf("\nwhich is of the class of #%d, already held:\n\n",
		(int)(held - t->held_locks));
	kprintf("       task A\n       ------\n");
	print_lock_line(7, held->class_index);
	print_lock_line(7, next->class_index);
	if (held->instance == next->instance)
		kprintf("\n  *** DEADLOCK ***  it is the same lock: the task waits for itself\n\n");
	else if (held->order_key)
		kprintf("\n  *** DEADLOCK *** if it is the same lock, or another task locks these\n"
			"  two in the other order (locks of this class nest only in ascending\n"
			"  index: pages of one file, blocks of one disk)\n\n");
	else
		kprintf("\n  *** DEADLOCK *** if it is the same lock, or another task takes these\n"
			"  two in the other order (a declared nesting, mutex_lock_nested,\n"
			"  gives the inner one its own subclass)\n\n");
	print_trace_footer();
}

#endif /* CONFIG_LOCKDEP */
