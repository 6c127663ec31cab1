/*
 * Ticket spinlocks and nested interrupt disabling (see spinlock.h).
 */
#include <panic.h>
#include <percpu.h>
#include <spinlock.h>
#include <x86.h>

void spin_init_class(struct spinlock *lock, const char *name, const char *file, int line)
{
	lock->next_ticket = 0;
	lock->now_serving = 0;
	lock->owner_cpu = -1;
	lock->name = name;
#ifdef CONFIG_LOCKDEP
	lockdep_map_init(&lock->dep_map, name, file, line);
#else
	(void)file;
	(void)line;
#endif
}

/*
 * push_irq_off/pop_irq_off are like cli/sti but they nest: two
 * push_irq_off() need two pop_irq_off() before interrupts come back, and
 * if interrupts were off to begin with they stay off.
 */
void push_irq_off(void)
{
	bool were_enabled = irqs_enabled();
	struct cpu *cpu;

	local_irq_disable();
	cpu = this_cpu();
	if (cpu->irq_off_depth == 0)
		cpu->irq_were_enabled = were_enabled;
	cpu->irq_off_depth++;
}

void pop_irq_off(void)
{
	struct cpu *cpu = this_cpu();

	if (irqs_enabled())
		panic("pop_irq_off: interrupts are enabled");
	if (cpu->irq_off_depth < 1)
		panic("pop_irq_off: not pushed");
	cpu->irq_off_depth--;
	if (cpu->irq_off_depth == 0 && cpu->irq_were_enabled)
		local_irq_enable();
}

bool spin_holding(struct spinlock *lock)
{
	return READ_ONCE(lock->owner_cpu) == this_cpu()->id &&
	       READ_ONCE(lock->now_serving) != READ_ONCE(lock->next_ticket);
}

/* Inlined: spin_lock is the hottest call in the kernel, one level of call is enough. */
static __always_inline void spin_acquire(struct spinlock *lock, unsigned int subclass, u64 ip)
{
	u16 ticket;

	push_irq_off();
	lock_acquire(&lock->dep_map, subclass, lock, LOCK_EXCLUSIVE, false, ip);
	if (spin_holding(lock))
		panic("spin_lock: CPU %d already holds %s", this_cpu()->id, lock->name);

	ticket = __atomic_fetch_add(&lock->next_ticket, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&lock->now_serving, __ATOMIC_ACQUIRE) != ticket)
		cpu_relax();
	lock->owner_cpu = this_cpu()->id;
}

void spin_lock(struct spinlock *lock)
{
	spin_acquire(lock, 0, CALLER_IP);
}

void spin_lock_nested(struct spinlock *lock, unsigned int subclass)
{
	spin_acquire(lock, subclass, CALLER_IP);
}

void spin_unlock(struct spinlock *lock)
{
	if (!spin_holding(lock))
		panic("spin_unlock: CPU %d does not hold %s", this_cpu()->id, lock->name);
	lock_release(&lock->dep_map, lock);
	lock->owner_cpu = -1;
	__atomic_store_n(&lock->now_serving, lock->now_serving + 1, __ATOMIC_RELEASE);
	pop_irq_off();
}
