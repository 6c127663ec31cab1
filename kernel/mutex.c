/*
 * Sleeping locks (see mutex.h), built on a spinlock and a wait queue.
 * Each waits in a loop: a wake-up only says "look again".
 *
 * The lock validator hears of an acquisition before the task waits for
 * it, so an order that can deadlock is reported even when this time it
 * does not (or before it does); of a trylock only once it succeeded.
 */
#include <errno.h>
#include <mutex.h>
#include <panic.h>
#include <sched.h>

static void lockdep_init_class(struct lockdep_map *map, const char *name,
			       const char *file, int line)
{
#ifdef CONFIG_LOCKDEP
	lockdep_map_init(map, name, file, line);
#else
	(void)map; (void)name; (void)file; (void)line;
#endif
}

void mutex_init_class(struct mutex *m, const char *name, const char *file, int line)
{
	raw_spin_init(&m->lock, name);
	m->owner = NULL;
	wait_queue_init(&m->waiters);
	m->name = name;
	lockdep_init_class(&m->dep_map, name, file, line);
}

/* Wait for the mutex and take it; the validator has been told. */
static int mutex_acquire(struct mutex *m, bool interruptible)
{
	int err = 0;

	spin_lock(&m->lock);
	if (m->owner == current)
		panic("mutex %s: taken twice by %s", m->name, current->comm);
	while (m->owner && !err)
		err = wait_sleep(&m->waiters, &m->lock, interruptible);
	if (!err)
		m->owner = current;
	spin_unlock(&m->lock);
	return err ? -EINTR : 0;
}

void mutex_lock(struct mutex *m)
{
	lock_acquire(&m->dep_map, 0, m, LOCK_EXCLUSIVE, false, CALLER_IP);
	mutex_acquire(m, false);
}

void mutex_lock_nested(struct mutex *m, unsigned int subclass)
{
	lock_acquire(&m->dep_map, subclass, m, LOCK_EXCLUSIVE, false, CALLER_IP);
	mutex_acquire(m, false);
}

void mutex_lock_ordered(struct mutex *m, unsigned int subclass, const void *key, unsigned long index)
{
	lock_acquire_ordered(&m->dep_map, subclass, m, key, index, false, CALLER_IP);
	mutex_acquire(m, false);
}

int mutex_lock_interruptible(struct mutex *m)
{
	int err;

	lock_acquire(&m->dep_map, 0, m, LOCK_EXCLUSIVE, false, CALLER_IP);
	err = mutex_acquire(m, true);
	if (err)
		lock_release(&m->dep_map, m);
	return err;
}

/* Take the mutex if it is free; the caller tells the validator if it got it. */
static bool mutex_try(struct mutex *m)
{
	bool got;

	spin_lock(&m->lock);
	got = m->owner == NULL;
	if (got)
		m->owner = current;
	spin_unlock(&m->lock);
	return got;
}

bool mutex_trylock(struct mutex *m)
{
	if (!mutex_try(m))
		return false;
	lock_acquire(&m->dep_map, 0, m, LOCK_EXCLUSIVE, true, CALLER_IP);
	return true;
}

bool mutex_trylock_ordered(struct mutex *m, unsigned int subclass, const void *key,
			   unsigned long index)
{
	if (!mutex_try(m))
		return false;
	lock_acquire_ordered(&m->dep_map, subclass, m, key, index, true, CALLER_IP);
	return true;
}

void mutex_unlock(struct mutex *m)
{
	spin_lock(&m->lock);
	if (m->owner != current)
		panic("mutex %s: unlocked by %s, which does not hold it", m->name, current->comm);
	lock_release(&m->dep_map, m);
	m->owner = NULL;
	wake_up_one(&m->waiters);
	spin_unlock(&m->lock);
}

bool mutex_is_locked_by_me(struct mutex *m)
{
	return READ_ONCE(m->owner) == current;
}

void rwsem_init_class(struct rwsem *s, const char *name, const char *file, int line)
{
	raw_spin_init(&s->lock, name);
	s->readers = 0;
	s->writer = NULL;
	s->writers_waiting = 0;
	wait_queue_init(&s->waiters);
	s->name = name;
	lockdep_init_class(&s->dep_map, name, file, line);
}

void down_read(struct rwsem *s)
{
	lock_acquire(&s->dep_map, 0, s, LOCK_SHARED, false, CALLER_IP);
	spin_lock(&s->lock);
	/* Queue behind waiting writers, or a stream of readers starves them. */
	while (s->writer || s->writers_waiting)
		wait_sleep(&s->waiters, &s->lock, false);
	s->readers++;
	spin_unlock(&s->lock);
}

void up_read(struct rwsem *s)
{
	spin_lock(&s->lock);
	if (s->readers <= 0)
		panic("rwsem %s: up_read without a reader", s->name);
	lock_release(&s->dep_map, s);
	if (--s->readers == 0)
		wake_up(&s->waiters);
	spin_unlock(&s->lock);
}

static __always_inline void rwsem_acquire_write(struct rwsem *s, unsigned int subclass, u64 ip)
{
	lock_acquire(&s->dep_map, subclass, s, LOCK_EXCLUSIVE, false, ip);
	spin_lock(&s->lock);
	if (s->writer == current)
		panic("rwsem %s: taken twice for writing by %s", s->name, current->comm);
	s->writers_waiting++;
	while (s->writer || s->readers)
		wait_sleep(&s->waiters, &s->lock, false);
	s->writers_waiting--;
	s->writer = current;
	spin_unlock(&s->lock);
}

void down_write(struct rwsem *s)
{
	rwsem_acquire_write(s, 0, CALLER_IP);
}

void down_write_nested(struct rwsem *s, unsigned int subclass)
{
	rwsem_acquire_write(s, subclass, CALLER_IP);
}

void up_write(struct rwsem *s)
{
	spin_lock(&s->lock);
	if (s->writer != current)
		panic("rwsem %s: up_write by %s, which does not hold it", s->name, current->comm);
	lock_release(&s->dep_map, s);
	s->writer = NULL;
	wake_up(&s->waiters);
	spin_unlock(&s->lock);
}

bool rwsem_is_write_locked_by_me(struct rwsem *s)
{
	return READ_ONCE(s->writer) == current;
}

void completion_init(struct completion *c)
{
	raw_spin_init(&c->lock, "completion");
	c->done = false;
	wait_queue_init(&c->waiters);
}

void complete(struct completion *c)
{
	spin_lock(&c->lock);
	c->done = true;
	wake_up(&c->waiters);
	spin_unlock(&c->lock);
}

void wait_for_completion(struct completion *c)
{
	spin_lock(&c->lock);
	while (!c->done)
		wait_sleep(&c->waiters, &c->lock, false);
	spin_unlock(&c->lock);
}
