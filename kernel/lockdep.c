/*
 * The lock validator (see include/lockdep.h): classes, the stack of
 * locks each task holds, and the dependency graph with its cycle check.
 * What a report looks like is in lockdep_report.c.
 *
 * The cost is paid once per distinct sequence of held classes (a
 * "chain"): each acquisition hashes the classes held with the new one,
 * and only a chain not seen before takes graph_lock to add its edges and
 * look for cycles.  The common acquisition is a hash and a table look-up.
 *
 * An edge is added from the innermost lock held (of another class) to the
 * new one, and from any trylocked ones above it: deeper locks already
 * reach it through the edges made when they were taken.  An edge that
 * would close a cycle is reported and not added, so the graph stays
 * acyclic and each search ends.
 *
 * Interrupt handlers push their locks on the stack of the task they
 * interrupted, marked in_irq; their chains start afresh and they depend
 * on nothing the task holds (spinlocks turn interrupts off, so a handler
 * never runs inside a spinlock, and it takes no sleeping lock).
 *
 * Everything runs with interrupts off and with this CPU's lockdep_busy
 * set, so the validator's own printing (which takes the serial lock) is
 * not validated, and an interrupt cannot see a half-pushed stack.
 */
#include <lockdep.h>
#include <panic.h>
#include <percpu.h>
#include <printk.h>
#include <string.h>
#include <symbols.h>
#include <task.h>
#include <vm.h>
#include <x86.h>
#include "lockdep_internal.h"

#ifdef CONFIG_LOCKDEP	/* else the validator is compiled out (make bench) */

#define CLASS_HASH_SIZE 2048		/* power of two, > MAX_LOCK_CLASSES */
#define EDGE_HASH_SIZE 16384		/* power of two, > MAX_LOCK_EDGES */
#define CHAIN_HASH_SIZE 32768		/* power of two */
#define MAX_CHAINS (CHAIN_HASH_SIZE * 3 / 4)
#define MAX_REPORTED 256
#define IRQ_CHAIN_SEED 0x1badd00dul	/* chains of interrupt handlers start here */

static struct spinlock graph_lock = RAW_SPINLOCK_INIT("lockdep");

struct lock_class lock_classes[MAX_LOCK_CLASSES];
static int nr_classes;
static u16 class_hash[CLASS_HASH_SIZE];		/* class index + 1 */
struct lock_edge lock_edges[MAX_LOCK_EDGES];
static int nr_edges;
static u32 edge_hash[EDGE_HASH_SIZE];		/* edge index + 1 */
static u64 chain_hash[CHAIN_HASH_SIZE];		/* chain keys seen; 0 = empty */
static int nr_chains;
static u64 reported[MAX_REPORTED];		/* signatures of reports printed */
static int nr_reported;
static unsigned int search_generation;

static bool lockdep_off;			/* a table filled up: stop validating */
static unsigned long nr_reports;		/* atomic */
static bool reports_expected;			/* a self-test provokes them */

static u64 mix64(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdul;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ul;
	x ^= x >> 33;
	return x;
}

static void turn_off(const char *why)
{
	if (!lockdep_off) {
		lockdep_off = true;
		kprintf("lockdep: %s: the lock validator is off from now on\n", why);
	}
}

bool lockdep_active(void)
{
	return !READ_ONCE(lockdep_off);
}

unsigned long lockdep_report_count(void)
{
	return __atomic_load_n(&nr_reports, __ATOMIC_ACQUIRE);
}

void lockdep_expect_reports(bool expect)
{
	WRITE_ONCE(reports_expected, expect);
}

void lockdep_map_init(struct lockdep_map *map, const char *name, const char *file, int line)
{
	map->name = name;
	map->file = file;
	map->line = line;
	map->class_index = 0;
}

/* Classes: one per (init site, subclass).  graph_lock held. */
static bool same_site(const struct lock_class *c, const struct lockdep_map *map,
		      unsigned int subclass)
{
	return c->line == map->line && c->subclass == subclass &&
	       (c->file == map->file || strcmp(c->file, map->file) == 0);
}

static int find_or_make_class(struct lockdep_map *map, unsigned int subclass)
{
	u64 h = mix64((u64)map->line * 31 + subclass) ^ (u64)strlen(map->file);
	unsigned int slot = h & (CLASS_HASH_SIZE - 1);
	struct lock_class *c;

	for (; class_hash[slot]; slot = (slot + 1) & (CLASS_HASH_SIZE - 1)) {
		int i = class_hash[slot] - 1;

		if (same_site(&lock_classes[i], map, subclass))
			return i;
	}
	if (nr_classes == MAX_LOCK_CLASSES) {
		turn_off("too many lock classes");
		return -1;
	}
	c = &lock_classes[nr_classes];
	c->name = map->name;
	c->file = map->file;
	c->line = map->line;
	c->subclass = subclass;
	c->first_edge = 0;
	c->visited = 0;
	class_hash[slot] = ++nr_classes;
	return nr_classes - 1;
}

static int class_of(struct lockdep_map *map, unsigned int subclass)
{
	int cached = READ_ONCE(map->class_index), i;

	if (subclass == 0 && cached)
		return cached - 1;
	spin_lock(&graph_lock);
	i = find_or_make_class(map, subclass);
	spin_unlock(&graph_lock);
	if (i >= 0 && subclass == 0)
		WRITE_ONCE(map->class_index, i + 1);
	return i;
}

/* Chains.  Entries only ever go from 0 to a key, so a look-up needs no lock. */
static bool chain_seen(u64 key)
{
	for (unsigned int slot = key & (CHAIN_HASH_SIZE - 1);; slot = (slot + 1) & (CHAIN_HASH_SIZE - 1)) {
		u64 k = __atomic_load_n(&chain_hash[slot], __ATOMIC_ACQUIRE);

		if (k == key)
			return true;
		if (k == 0)
			return false;
	}
}

/* graph_lock held. */
static void chain_add(u64 key)
{
	unsigned int slot = key & (CHAIN_HASH_SIZE - 1);

	if (nr_chains == MAX_CHAINS) {
		turn_off("too many lock chains");
		return;
	}
	while (chain_hash[slot] && chain_hash[slot] != key)
		slot = (slot + 1) & (CHAIN_HASH_SIZE - 1);
	if (!chain_hash[slot]) {
		nr_chains++;
		__atomic_store_n(&chain_hash[slot], key, __ATOMIC_RELEASE);
	}
}

/* The chain key of the lock at held[i], from the one below it. */
static u64 chain_key_at(const struct held_lock *held, int i)
{
	u64 below;

	if (i > 0 && held[i - 1].in_irq == held[i].in_irq)
		below = held[i - 1].chain_key;
	else
		below = held[i].in_irq ? IRQ_CHAIN_SEED : 0;
	below = mix64(below ^ ((u64)held[i].class_index << 2 | held[i].mode << 1 | 1));
	return below ? below : 1;	/* 0 marks an empty slot */
}

/* Edges (graph_lock held). */
static int find_edge(int from, int to)
{
	u32 key = (u32)from << 16 | (u32)to;
	unsigned int slot = mix64(key) & (EDGE_HASH_SIZE - 1);

	for (; edge_hash[slot]; slot = (slot + 1) & (EDGE_HASH_SIZE - 1)) {
		const struct lock_edge *e = &lock_edges[edge_hash[slot] - 1];

		if (e->from == from && e->to == to)
			return edge_hash[slot] - 1;
	}
	return -1;
}

/*
 * Where `to` was taken: ip (the lock function's caller) and the callers
 * above it, found in the frame chain (which starts inside the validator).
 */
static void record_stack(u64 *stack, u64 ip)
{
	u64 frames[16];
	int n = backtrace_collect((u64)__builtin_frame_address(0), frames, 16), k;

	memset(stack, 0, EDGE_STACK_DEPTH * sizeof(*stack));
	stack[0] = ip;
	for (k = 0; k < n && frames[k] != ip; k++)
		;
	for (int i = 1; i < EDGE_STACK_DEPTH && k + i < n; i++)
		stack[i] = frames[k + i];
}

static void add_edge(struct task *t, const struct held_lock *held, const struct held_lock *next)
{
	u32 key = (u32)held->class_index << 16 | next->class_index;
	unsigned int slot = mix64(key) & (EDGE_HASH_SIZE - 1);
	struct lock_edge *e;

	if (nr_edges == MAX_LOCK_EDGES) {
		turn_off("too many lock dependencies");
		return;
	}
	e = &lock_edges[nr_edges];
	e->from = held->class_index;
	e->to = next->class_index;
	e->from_ip = held->ip;
	record_stack(e->to_stack, next->ip);
	strlcpy(e->comm, t->comm, sizeof(e->comm));
	e->pid = t->pid;
	e->next_out = lock_classes[e->from].first_edge;
	lock_classes[e->from].first_edge = ++nr_edges;
	while (edge_hash[slot])
		slot = (slot + 1) & (EDGE_HASH_SIZE - 1);
	edge_hash[slot] = nr_edges;
}

/*
 * Breadth-first search for a path of edges from class `from` to class
 * `to`; on success, path[] holds its edges in order and the length is
 * returned, else 0.  graph_lock held.
 */
static int find_path(int from, int to, int *path, int max)
{
	static int queue[MAX_LOCK_CLASSES];
	int head = 0, tail = 0, n = 0;

	search_generation++;
	lock_classes[from].visited = search_generation;
	lock_classes[from].reached_by = -1;
	queue[tail++] = from;
	while (head < tail) {
		int c = queue[head++];

		for (int e = lock_classes[c].first_edge; e; e = lock_edges[e - 1].next_out) {
			int next = lock_edges[e - 1].to;

			if (lock_classes[next].visited == search_generation)
				continue;
			lock_classes[next].visited = search_generation;
			lock_classes[next].reached_by = e - 1;
			if (next == to)
				goto found;
			queue[tail++] = next;
		}
	}
	return 0;
found:
	/* Walk back from `to`, then reverse. */
	for (int c = to; c != from && n < max; c = lock_edges[lock_classes[c].reached_by].from)
		path[n++] = lock_classes[c].reached_by;
	for (int i = 0; i < n / 2; i++) {
		int tmp = path[i];

		path[i] = path[n - 1 - i];
		path[n - 1 - i] = tmp;
	}
	return n;
}

/* Has a report with this signature been printed?  If not, remember it.  graph_lock held. */
static bool already_reported(u64 signature)
{
	for (int i = 0; i < nr_reported; i++)
		if (reported[i] == signature)
			return true;
	if (nr_reported == MAX_REPORTED) {
		turn_off("too many distinct reports");	/* or the same ones would repeat */
		return true;
	}
	reported[nr_reported++] = signature;
	return false;
}

static void count_report(void)
{
	__atomic_add_fetch(&nr_reports, 1, __ATOMIC_RELEASE);
}

/* Taking `next` while holding `held`: a new edge, unless it closes a cycle.  graph_lock held. */
static void check_and_add_edge(struct task *t, const struct held_lock *held,
			       const struct held_lock *next)
{
	static int path[MAX_LOCK_CLASSES];	/* graph_lock: a path visits each class once */
	int len;
	u64 signature;

	if (find_edge(held->class_index, next->class_index) >= 0)
		return;
	len = find_path(next->class_index, held->class_index, path, MAX_LOCK_CLASSES);
	if (len == 0) {
		add_edge(t, held, next);
		return;
	}
	/* The cycle is the path plus the new edge: the same set of edges, whichever closes it. */
	signature = mix64((u64)held->class_index << 16 | next->class_index);
	for (int i = 0; i < len; i++)
		signature ^= mix64((u64)lock_edges[path[i]].from << 16 | lock_edges[path[i]].to);
	if (already_reported(signature))
		return;
	report_cycle(t, held, next, path, len, READ_ONCE(reports_expected));
	count_report();
}

/*
 * New chain: edges from the locks it is taken under (see the top of the
 * file).  graph_lock held.
 */
static void add_dependencies(struct task *t, int depth, const struct held_lock *next)
{
	for (int i = depth - 1; i >= 0; i--) {
		const struct held_lock *h = &t->held_locks[i];

		if (h->in_irq != next->in_irq)
			break;
		if (h->class_index == next->class_index)
			continue;	/* nesting within a class: check_nesting */
		check_and_add_edge(t, h, next);
		if (!h->trylock)
			break;
	}
}

/* Ordered classes (page and buffer locks) nest only in ascending index under one key. */
static bool nesting_allowed(const struct held_lock *held, const struct held_lock *next)
{
	return next->order_key && held->order_key == next->order_key &&
	       next->order_index > held->order_index;
}

/* A second lock of a class already held: allowed only as declared. */
static void check_nesting(struct task *t, int depth, const struct held_lock *next)
{
	for (int i = depth - 1; i >= 0; i--) {
		const struct held_lock *h = &t->held_locks[i];

		if (h->in_irq != next->in_irq)
			break;
		if (h->class_index != next->class_index || nesting_allowed(h, next))
			continue;
		spin_lock(&graph_lock);
		if (!already_reported(mix64(h->ip * 3 + next->ip) ^ h->class_index)) {
			report_recursion(t, h, next, READ_ONCE(reports_expected));
			count_report();
		}
		spin_unlock(&graph_lock);
		return;
	}
}

/* Push a lock on the task's stack and check it.  Interrupts off, lockdep_busy set. */
static void acquire(struct task *t, struct held_lock *next)
{
	int depth = t->lockdep_depth;

	if (depth == MAX_HELD_LOCKS) {
		turn_off("a task holds too many locks");
		return;
	}
	t->held_locks[depth] = *next;
	next = &t->held_locks[depth];
	next->chain_key = chain_key_at(t->held_locks, depth);
	if (!next->trylock) {
		check_nesting(t, depth, next);
		if (!chain_seen(next->chain_key)) {
			spin_lock(&graph_lock);
			if (!chain_seen(next->chain_key)) {
				add_dependencies(t, depth, next);
				chain_add(next->chain_key);
			}
			spin_unlock(&graph_lock);
		}
	}
	t->lockdep_depth = depth + 1;
}

/*
 * Enter the validator on this CPU: false if it must not run now (off,
 * before the scheduler, or from inside itself).  Interrupts are off after
 * it, either way; leave with validator_exit.
 */
static bool validator_enter(struct task **t)
{
	struct cpu *cpu;

	push_irq_off();
	cpu = this_cpu();
	if (lockdep_off || cpu->lockdep_busy || !cpu->cur_task)
		return false;
	cpu->lockdep_busy = true;
	*t = cpu->cur_task;
	return true;
}

static void validator_exit(bool entered)
{
	if (entered)
		this_cpu()->lockdep_busy = false;
	pop_irq_off();
}

static void acquire_of_class(struct lockdep_map *map, unsigned int subclass,
			     struct held_lock *next)
{
	struct task *t;
	bool entered;
	int class;

	if (!map->file)
		return;		/* a raw lock */
	entered = validator_enter(&t);
	if (entered) {
		class = class_of(map, subclass);
		if (class >= 0) {
			next->class_index = class;
			next->in_irq = this_cpu()->irq_nesting > 0;
			acquire(t, next);
		}
	}
	validator_exit(entered);
}

void lock_acquire(struct lockdep_map *map, unsigned int subclass, const void *instance,
		  enum lock_mode mode, bool trylock, u64 ip)
{
	struct held_lock next = { .instance = instance, .ip = ip, .mode = mode, .trylock = trylock };

	acquire_of_class(map, subclass, &next);
}

void lock_acquire_ordered(struct lockdep_map *map, unsigned int subclass, const void *instance,
			  const void *key, unsigned long index, bool trylock, u64 ip)
{
	struct held_lock next = { .instance = instance, .ip = ip, .trylock = trylock,
				  .order_key = key, .order_index = index };

	acquire_of_class(map, subclass, &next);
}


/* Take instance off the stack (of this context: task or interrupt), if it is there. */
static void release(struct task *t, const void *instance)
{
	bool in_irq = this_cpu()->irq_nesting > 0;
	int i;

	for (i = t->lockdep_depth - 1; i >= 0; i--) {
		if (t->held_locks[i].in_irq != in_irq)
			return;	/* not ours: a lock handed over (a page under I/O) */
		if (t->held_locks[i].instance == instance)
			break;
	}
	if (i < 0)
		return;
	t->lockdep_depth--;
	for (; i < t->lockdep_depth; i++) {
		t->held_locks[i] = t->held_locks[i + 1];
		t->held_locks[i].chain_key = chain_key_at(t->held_locks, i);
	}
}

/* Also for locks handed over (a page under I/O): then the task's stack does not have it. */
void lock_release(struct lockdep_map *map, const void *instance)
{
	struct task *t;
	bool entered;

	if (!map->file)
		return;
	entered = validator_enter(&t);
	if (entered)
		release(t, instance);
	validator_exit(entered);
}


void lockdep_might_fault(u64 ip)
{
	struct task *t = current;

	/* Faults disabled, or interrupts off: the fault handler would not sleep (traps.c). */
	if (!t || !t->mm || t->pagefault_disabled || !irqs_enabled())
		return;
	lock_acquire(&t->mm->mmap_lock.dep_map, 0, &t->mm->mmap_lock, LOCK_SHARED, false, ip);
	lock_release(&t->mm->mmap_lock.dep_map, &t->mm->mmap_lock);
}

void lockdep_sys_exit(u64 nr)
{
	struct task *t;
	bool entered;

	if (likely(current->lockdep_depth == 0))
		return;
	entered = validator_enter(&t);
	if (entered) {
		spin_lock(&graph_lock);
		if (!already_reported(mix64(nr) ^ t->held_locks[0].ip)) {
			report_held_at_sys_exit(t, nr, READ_ONCE(reports_expected));
			count_report();
		}
		spin_unlock(&graph_lock);
	}
	validator_exit(entered);
}

void lockdep_print_held_locks(struct task *t)
{
	int depth = READ_ONCE(t->lockdep_depth);

	if (depth == 0) {
		kprintf("  no locks held by %s/%d\n", t->comm, t->pid);
		return;
	}
	kprintf("  %d lock%s held by %s/%d:\n", depth, depth == 1 ? "" : "s", t->comm, t->pid);
	for (int i = 0; i < depth && i < MAX_HELD_LOCKS; i++)
		print_held_lock(i, &t->held_locks[i]);
}

#endif /* CONFIG_LOCKDEP */
