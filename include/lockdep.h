/*
 * The lock validator ("lockdep"): proves lock orders can deadlock before
 * they do.
 *
 * Every lock belongs to a class: the place in the source where it was
 * initialised (spin_init, mutex_init, rwsem_init or a static initialiser),
 * so the i_rwsem of every inode is one class and the page lock of every
 * page is another.  Each task keeps the stack of locks it holds.  Taking a
 * lock while holding others records "held class -> new class" edges in one
 * graph for the whole kernel; an edge that closes a cycle is a possible
 * deadlock, reported at once with the chain that makes it one, even if no
 * two tasks ever collided.  Taking a second lock of a class already held
 * is reported too, unless the code declares the nesting: a subclass
 * (mutex_lock_nested), or, for page locks, ascending page index within one
 * file (the one order the page cache allows).
 *
 * Where code may fault on user memory with page faults enabled
 * (lockdep_might_fault, from every usercopy), a fault would take
 * mmap_lock: the validator records that acquisition as if it happened.
 *
 * Each report is printed once per distinct cycle; the kernel goes on.
 * Built with CONFIG_LOCKDEP (make test, make run); make bench builds the
 * kernel without it, and then all of this compiles to nothing.
 */
#ifndef PAGODA_LOCKDEP_H
#define PAGODA_LOCKDEP_H

#include <types.h>

/*
 * What each lock carries: where its class was defined.  file == NULL
 * marks a lock the validator leaves alone (the scheduler's and the lock
 * primitives' own spinlocks, which only ever nest inside everything).
 */
struct lockdep_map {
#ifdef CONFIG_LOCKDEP
	const char *name;
	const char *file;
	int line;
	int class_index;	/* cached class (subclass 0) + 1; 0 = not looked up yet */
#endif
};

#ifdef CONFIG_LOCKDEP
#define LOCKDEP_MAP_INIT(lockname, f, l) { .name = (lockname), .file = (f), .line = (l) }
#else
#define LOCKDEP_MAP_INIT(lockname, f, l) {}
#endif

/* How a lock is taken. */
enum lock_mode {
	LOCK_EXCLUSIVE,
	LOCK_SHARED,		/* rwsem down_read: conflicts only with a writer */
};

/* The largest subclass mutex_lock_nested and friends accept. */
#define LOCKDEP_MAX_SUBCLASS 7
/* One lock of a class taken inside another of the same class (fork's two mms). */
#define SINGLE_DEPTH_NESTING 1

/* A lock a task holds (task->held_locks), innermost last. */
struct held_lock {
	const void *instance;		/* the lock (the struct page, for a page lock) */
	u64 ip;				/* where it was taken */
	u64 chain_key;			/* hash of the classes held up to here */
	const void *order_key;		/* ordered classes (page, buffer locks): nesting */
	unsigned long order_index;	/* is allowed in ascending index, one key */
	u16 class_index;
	u8 mode;			/* enum lock_mode */
	bool trylock;
	bool in_irq;			/* taken by an interrupt handler on top of the task */
};

/* Room for a sync batch of buffers (fs/buffer.c), what its caller holds, and interrupts'. */
#define MAX_HELD_LOCKS 80

#ifdef CONFIG_LOCKDEP

void lockdep_map_init(struct lockdep_map *map, const char *name, const char *file, int line);

/*
 * The task is about to take (or, trylock, has just taken) the lock
 * `instance` of class map/subclass.  Checks the order and records the
 * lock as held.  ip: where (the caller of the lock function).
 */
void lock_acquire(struct lockdep_map *map, unsigned int subclass, const void *instance,
		  enum lock_mode mode, bool trylock, u64 ip);
/* The task no longer holds it (nothing happens if it does not). */
void lock_release(struct lockdep_map *map, const void *instance);

/*
 * A lock of an ordered class: locks of the class may nest, in ascending
 * index under one key (a file's pages, a disk's blocks).  key must not be
 * NULL.
 */
void lock_acquire_ordered(struct lockdep_map *map, unsigned int subclass, const void *instance,
			  const void *key, unsigned long index, bool trylock, u64 ip);

/* The page lock: one ordered class, by (file, page index) (mm/filemap.c). */
void lockdep_page_lock(const void *page, const void *mapping, unsigned long index,
		       bool trylock, u64 ip);
void lockdep_page_unlock(const void *page);

/* Code at ip may fault on user memory and so take mmap_lock (usercopy). */
void lockdep_might_fault(u64 ip);

/* Print the locks the task holds (for the hung-task watchdog and the console dump). */
struct task;
void lockdep_print_held_locks(struct task *t);

/* System call nr is returning to user space: report any lock still held. */
void lockdep_sys_exit(u64 nr);

/* Reports printed so far (self-tests compare before and after). */
unsigned long lockdep_report_count(void);
/*
 * A self-test about to provoke reports: they are marked "expected", so
 * the harness, which fails a boot on any other report, lets them pass.
 */
void lockdep_expect_reports(bool expect);
/* Is the validator still running (it stops if its tables fill up)? */
bool lockdep_active(void);

#else

static inline void lock_acquire(struct lockdep_map *map, unsigned int subclass,
				const void *instance, enum lock_mode mode, bool trylock, u64 ip)
{
	(void)map; (void)subclass; (void)instance; (void)mode; (void)trylock; (void)ip;
}
static inline void lock_release(struct lockdep_map *map, const void *instance)
{
	(void)map; (void)instance;
}
static inline void lock_acquire_ordered(struct lockdep_map *map, unsigned int subclass,
					const void *instance, const void *key, unsigned long index,
					bool trylock, u64 ip)
{
	(void)map; (void)subclass; (void)instance; (void)key; (void)index; (void)trylock; (void)ip;
}
static inline void lockdep_page_lock(const void *page, const void *mapping,
				     unsigned long index, bool trylock, u64 ip)
{
	(void)page; (void)mapping; (void)index; (void)trylock; (void)ip;
}
static inline void lockdep_page_unlock(const void *page)
{
	(void)page;
}
static inline void lockdep_might_fault(u64 ip)
{
	(void)ip;
}
struct task;
static inline void lockdep_print_held_locks(struct task *t)
{
	(void)t;
}
static inline void lockdep_sys_exit(u64 nr)
{
	(void)nr;
}
static inline unsigned long lockdep_report_count(void)
{
	return 0;
}

#endif

/* Inside a lock function: where it was called from. */
#define CALLER_IP ((u64)__builtin_return_address(0))

#endif
