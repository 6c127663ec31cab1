/*
 * Spinlocks.
 *
 * A spinlock is held only for short stretches and never across a sleep.
 * Taking one disables interrupts on this CPU (an interrupt handler that
 * wanted the same lock would otherwise spin forever on a lock its own CPU
 * holds); they come back on when the last spinlock is released.
 *
 * Ticket locks: each CPU takes a ticket and waits for its turn, so waiters
 * are served in order and none starves.  The owner's CPU number is recorded
 * so that taking a lock twice on one CPU, or releasing one that this CPU
 * does not hold, is caught at once instead of deadlocking silently.
 */
#ifndef PAGODA_SPINLOCK_H
#define PAGODA_SPINLOCK_H

#include <types.h>

struct spinlock {
	u16 next_ticket;	/* the ticket the next locker takes */
	u16 now_serving;	/* the ticket that holds the lock */
	int owner_cpu;		/* -1 when free; written only by the owner */
	const char *name;	/* for debugging reports */
};

#define SPINLOCK_INIT(lockname) { .owner_cpu = -1, .name = (lockname) }

void spin_init(struct spinlock *lock, const char *name);
void spin_lock(struct spinlock *lock);
void spin_unlock(struct spinlock *lock);
bool spin_holding(struct spinlock *lock);

/* Interrupt disabling that nests; spin_lock() uses these. */
void push_irq_off(void);
void pop_irq_off(void);

#endif
