/*
 * The lock validator's tables, shared by kernel/lockdep.c (the checks)
 * and kernel/lockdep_report.c (what it prints).  See include/lockdep.h.
 *
 * Lock: graph_lock (a raw spinlock, taken with interrupts off) protects
 * the classes' edge lists, the edges, the chain table and the signatures
 * of reports already printed.  A class, once made, never changes, so
 * its name and site are read without the lock.
 */
#ifndef PAGODA_LOCKDEP_INTERNAL_H
#define PAGODA_LOCKDEP_INTERNAL_H

#include <lockdep.h>
#include <spinlock.h>

#define MAX_LOCK_CLASSES 1024
#define MAX_LOCK_EDGES 8192
#define EDGE_STACK_DEPTH 4

struct lock_class {
	const char *name;
	const char *file;		/* where its locks are initialised */
	int line;
	unsigned int subclass;
	int first_edge;			/* graph_lock: edges out of it (index + 1; 0 = none) */
	/* graph_lock: the search for a cycle (lockdep.c, find_path) */
	unsigned int visited;		/* == the search's generation: seen */
	int reached_by;			/* the edge the search came in by, or -1 */
};

/* "Some task took `to` while holding `from`", as first seen. */
struct lock_edge {
	u16 from, to;
	int next_out;			/* the next edge out of `from` (index + 1) */
	u64 from_ip;			/* where `from` had been taken */
	u64 to_stack[EDGE_STACK_DEPTH];	/* where `to` was taken, innermost first */
	char comm[16];
	int pid;
};

extern struct lock_class lock_classes[MAX_LOCK_CLASSES];
extern struct lock_edge lock_edges[MAX_LOCK_EDGES];

/* lockdep_report.c; called with graph_lock held. */
void report_cycle(struct task *t, const struct held_lock *held, const struct held_lock *next,
		  const int *path, int path_len, bool expected);
void report_recursion(struct task *t, const struct held_lock *held,
		      const struct held_lock *next, bool expected);
void report_held_at_sys_exit(struct task *t, u64 nr, bool expected);
void print_held_lock(int n, const struct held_lock *h);

#endif
