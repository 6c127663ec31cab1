/*
 * Sleeping locks: a task that cannot have the lock sleeps instead of
 * spinning, so they may be held across anything that sleeps (disk I/O,
 * page faults, copying from user memory).  Never take one while holding a
 * spinlock, or in an interrupt handler.
 *
 *   struct mutex    one owner at a time.
 *   struct rwsem    many readers or one writer (mmap_lock, inode locks).
 *   struct completion  "this has happened": wait for it once.
 *
 * The init functions are macros so that each lock's class, for the lock
 * validator (lockdep.h), is the line that initialises it.  The _nested
 * variants take a second lock of a class already held, as a declared
 * subclass (1..LOCKDEP_MAX_SUBCLASS).
 */
#ifndef PAGODA_MUTEX_H
#define PAGODA_MUTEX_H

#include <wait.h>

struct mutex {
	struct spinlock lock;		/* protects owner (raw) */
	struct task *owner;		/* lock: NULL when free */
	struct wait_queue waiters;
	const char *name;
	struct lockdep_map dep_map;
};

#define mutex_init(m, name) mutex_init_class((m), (name), __FILE__, __LINE__)
/* A static mutex, initialised where it is defined (its class is that line). */
#define MUTEX_INIT(var, lockname)                                                          \
	{ .lock = RAW_SPINLOCK_INIT(lockname), .waiters = WAIT_QUEUE_INIT((var).waiters), \
	  .name = (lockname), .dep_map = LOCKDEP_MAP_INIT(lockname, __FILE__, __LINE__) }
void mutex_init_class(struct mutex *m, const char *name, const char *file, int line);
void mutex_lock(struct mutex *m);
void mutex_lock_nested(struct mutex *m, unsigned int subclass);
/* A mutex of a class whose locks nest in ascending index under one key (buffers: disk, offset). */
void mutex_lock_ordered(struct mutex *m, unsigned int subclass, const void *key, unsigned long index);
bool mutex_trylock_ordered(struct mutex *m, unsigned int subclass, const void *key,
			   unsigned long index);
/* Returns -EINTR if a signal arrived while waiting (the lock is not held). */
int mutex_lock_interruptible(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
bool mutex_is_locked_by_me(struct mutex *m);

struct rwsem {
	struct spinlock lock;		/* protects readers, writer, writers_waiting (raw) */
	int readers;			/* lock: tasks holding it shared */
	struct task *writer;		/* lock: the task holding it exclusive */
	int writers_waiting;		/* lock: so new readers queue behind writers */
	struct wait_queue waiters;
	const char *name;
	struct lockdep_map dep_map;
};

#define rwsem_init(s, name) rwsem_init_class((s), (name), __FILE__, __LINE__)
void rwsem_init_class(struct rwsem *s, const char *name, const char *file, int line);
void down_read(struct rwsem *s);
void up_read(struct rwsem *s);
void down_write(struct rwsem *s);
void down_write_nested(struct rwsem *s, unsigned int subclass);
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
