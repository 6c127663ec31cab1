/*
 * Sleeping locks: a task that cannot have the lock sleeps instead of
 * spinning, so they may be held across anything that sleeps (disk I/O,
 * page faults, copying from user memory).  Never take one while holding a
 * spinlock, or in an interrupt handler.
 *
 *   struct mutex    one owner at a time.
 *   struct rwsem    many readers or one writer (mmap_lock, inode locks).
 *   struct completion  "this has happened": wait for it once.
 */
#ifndef PAGODA_MUTEX_H
#define PAGODA_MUTEX_H

#include <wait.h>

struct mutex {
	struct spinlock lock;		/* protects owner */
	struct task *owner;		/* lock: NULL when free */
	struct wait_queue waiters;
	const char *name;
};

void mutex_init(struct mutex *m, const char *name);
void mutex_lock(struct mutex *m);
/* Returns -EINTR if a signal arrived while waiting (the lock is not held). */
int mutex_lock_interruptible(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
bool mutex_is_locked_by_me(struct mutex *m);

struct rwsem {
	struct spinlock lock;		/* protects readers, writer, writers_waiting */
	int readers;			/* lock: tasks holding it shared */
	struct task *writer;		/* lock: the task holding it exclusive */
	int writers_waiting;		/* lock: so new readers queue behind writers */
	struct wait_queue waiters;
	const char *name;
};

void rwsem_init(struct rwsem *s, const char *name);
void down_read(struct rwsem *s);
void up_read(struct rwsem *s);
void down_write(struct rwsem *s);
void up_write(struct rwsem *s);
bool rwsem_is_write_locked_by_me(struct rwsem *s);

struct completion {
	struct spinlock lock;
	bool done;			/* lock */
	struct wait_queue waiters;
};

void completion_init(struct completion *c);
void complete(struct completion *c);		/* wakes every waiter, now and later */
void wait_for_completion(struct completion *c);

#endif
