/* Self-tests for spinlocks and nested interrupt disabling. */
#include <ktest.h>
#include <percpu.h>
#include <spinlock.h>
#include <x86.h>

KTEST(spinlock_disables_interrupts_and_nests)
{
	/* Two lines: two classes (a class is where a lock is initialised). */
	struct spinlock a = SPINLOCK_INIT("test_a");
	struct spinlock b = SPINLOCK_INIT("test_b");

	KEXPECT(irqs_enabled());
	spin_lock(&a);
	KEXPECT(!irqs_enabled());
	KEXPECT(spin_holding(&a));
	KEXPECT(!spin_holding(&b));
	KEXPECT_EQ(a.owner_cpu, this_cpu()->id);
	spin_lock(&b);
	spin_unlock(&b);
	KEXPECT(!irqs_enabled());	/* still inside a */
	spin_unlock(&a);
	KEXPECT(irqs_enabled());
	KEXPECT(!spin_holding(&a));
	KEXPECT_EQ(a.owner_cpu, -1);
	KEXPECT_EQ(a.next_ticket, 1);	/* one lock, one ticket */
	KEXPECT_EQ(a.now_serving, 1);
}

KTEST(irq_off_keeps_interrupts_off_if_they_were)
{
	local_irq_disable();
	push_irq_off();
	pop_irq_off();
	KEXPECT(!irqs_enabled());
	local_irq_enable();
}
