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

#include <lockdep.h>
#include <types.h>

struct spinlock {
	u16 next_ticket;	/* the ticket the next locker takes */
	u16 now_serving;	/* the ticket that holds the lock */
	int owner_cpu;		/* -1 when free; written only by the owner */
	const char *name;	/* for debugging reports */
	struct lockdep_map dep_map;	/* its class: where it was initialised */
};

/*
 * Every lock's class is the place it is initialised (include/lockdep.h),
 * so these take the caller's __FILE__ and __LINE__.  A raw spinlock is
 * one the lock validator ignores: the scheduler's, the wait queues', the
 * sleeping locks' own; each is innermost wherever it is taken.
 */
#define SPINLOCK_INIT(lockname) \
	{ .owner_cpu = -1, .name = (lockname), .dep_map = LOCKDEP_MAP_INIT(lockname, __FILE__, __LINE__) }
#define RAW_SPINLOCK_INIT(lockname) { .owner_cpu = -1, .name = (lockname) }
#define spin_init(lock, name) spin_init_class((lock), (name), __FILE__, __LINE__)
#define raw_spin_init(lock, name) spin_init_class((lock), (name), NULL, 0)

void spin_init_class(struct spinlock *lock, const char *name, const char *file, int line);
void spin_lock(struct spinlock *lock);
/* Take a second lock of a class already held, as its declared subclass (1..7). */
void spin_lock_nested(struct spinlock *lock, unsigned int subclass);
void spin_unlock(struct spinlock *lock);
bool spin_holding(struct spinlock *lock);

/* Interrupt disabling that nests; spin_lock() uses these. */
void push_irq_off(void);
void pop_irq_off(void);

#endif
