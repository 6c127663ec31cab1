/*
 * Ticket spinlocks and nested interrupt disabling (see spinlock.h).
 */
#include <panic.h>
#include <percpu.h>
#include <spinlock.h>
#include <x86.h>

void spin_init(struct spinlock *lock, const char *name)
{
	lock->next_ticket = 0;
	lock->now_serving = 0;
	lock->owner_cpu = -1;
	lock->name = name;
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

void spin_lock(struct spinlock *lock)
{
	u16 ticket;

	push_irq_off();
	if (spin_holding(lock))
		panic("spin_lock: CPU %d already holds %s", this_cpu()->id, lock->name);

	ticket = __atomic_fetch_add(&lock->next_ticket, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&lock->now_serving, __ATOMIC_ACQUIRE) != ticket)
		cpu_relax();
	lock->owner_cpu = this_cpu()->id;
}

void spin_unlock(struct spinlock *lock)
{
	if (!spin_holding(lock))
		panic("spin_unlock: CPU %d does not hold %s", this_cpu()->id, lock->name);
	lock->owner_cpu = -1;
	__atomic_store_n(&lock->now_serving, lock->now_serving + 1, __ATOMIC_RELEASE);
	pop_irq_off();
}
