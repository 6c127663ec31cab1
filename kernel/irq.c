/*
 * Device interrupt vectors and their handlers (see irq.h).
 *
 * Each vector has a chain of actions, newest last.  The interrupt path
 * walks the chain without a lock: an action is filled in before it is
 * linked, and actions are never removed (drivers here are never unloaded).
 *
 * Lock: irq_lock serialises allocation and the linking of new actions.
 */
#include <errno.h>
#include <irq.h>
#include <kmalloc.h>
#include <spinlock.h>
#include <traps.h>

struct irq_action {
	irq_fn_t fn;
	void *data;
	struct irq_action *next;
};

static struct spinlock irq_lock = SPINLOCK_INIT("irq");
static struct irq_action *actions[256];		/* irq_lock for writers */
static int next_free_vector = VEC_DEVICE_FIRST;	/* irq_lock */

int irq_alloc_vector(void)
{
	int v = -EBUSY;

	spin_lock(&irq_lock);
	if (next_free_vector <= VEC_DEVICE_LAST)
		v = next_free_vector++;
	spin_unlock(&irq_lock);
	return v;
}

int irq_add_handler(int vector, irq_fn_t fn, void *data)
{
	struct irq_action *a = kzalloc(sizeof(*a), GFP_KERNEL), **link;

	if (!a)
		return -ENOMEM;
	a->fn = fn;
	a->data = data;
	spin_lock(&irq_lock);
	for (link = &actions[vector]; *link; link = &(*link)->next)
		;
	__atomic_store_n(link, a, __ATOMIC_RELEASE);	/* complete before it is seen */
	spin_unlock(&irq_lock);
	return 0;
}

bool irq_run_handlers(int vector)
{
	struct irq_action *a = __atomic_load_n(&actions[vector], __ATOMIC_ACQUIRE);

	if (!a)
		return false;
	for (; a; a = __atomic_load_n(&a->next, __ATOMIC_ACQUIRE))
		a->fn(a->data);
	return true;
}
