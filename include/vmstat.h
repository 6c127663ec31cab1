/*
 * Memory statistics: the counters behind /proc/vmstat and /proc/meminfo.
 *
 * Each counter is one global atomic long: page states (how many pages are
 * dirty now) and events (how many faults so far).  Global atomics cost a
 * shared cache line per update; with the few CPUs Pagoda runs on that is
 * cheap, and a reader always sees an exact value (Linux keeps per-CPU
 * deltas and folds them in now and then, so its figures lag a little).
 */
#ifndef PAGODA_VMSTAT_H
#define PAGODA_VMSTAT_H

#include <types.h>

enum vm_stat_item {
	/* Page states (counts of pages now). */
	NR_FILE_PAGES,		/* in the page cache (tmpfs included) */
	NR_SHMEM,		/* ... of them, tmpfs: nothing to write them to */
	NR_FILE_DIRTY,		/* dirty pages of files that write back */
	NR_WRITEBACK,		/* pages under writeback */
	NR_ANON_PAGES,		/* anonymous memory (and private copies) of processes */
	NR_FILE_MAPPED,		/* page-cache pages that user page tables map */
	NR_ACTIVE_FILE,		/* page-cache pages on the active LRU list */
	NR_INACTIVE_FILE,	/* ... on the inactive one */
	NR_SLAB,		/* kmalloc's slab pages */
	NR_PAGE_TABLES,		/* user page-table pages */
	/* Events (counts since boot). */
	PGPGIN,			/* 512-byte sectors read from disks (/proc/vmstat shows KiB) */
	PGPGOUT,		/* ... written to disks */
	PGFAULT,		/* user page faults */
	PGMAJFAULT,		/* ... that waited for a disk read */
	PGSCAN_KSWAPD,		/* pages looked at by the reclaim thread */
	PGSCAN_DIRECT,		/* ... by allocations reclaiming for themselves */
	PGSTEAL_KSWAPD,		/* pages freed by the reclaim thread */
	PGSTEAL_DIRECT,		/* ... by direct reclaim */
	PGACTIVATE,		/* inactive pages moved to the active list */
	PGDEACTIVATE,		/* active pages moved to the inactive list */
	NR_VMSCAN_WRITE,	/* dirty pages reclaim handed to the flusher to write */
	OOM_KILL,		/* processes the out-of-memory killer ended */
	NR_VM_STAT_ITEMS
};

extern long vm_stat[NR_VM_STAT_ITEMS];

static inline void mod_vm_stat(enum vm_stat_item item, long delta)
{
	__atomic_add_fetch(&vm_stat[item], delta, __ATOMIC_RELAXED);
}

static inline void inc_vm_stat(enum vm_stat_item item)
{
	mod_vm_stat(item, 1);
}

static inline void dec_vm_stat(enum vm_stat_item item)
{
	mod_vm_stat(item, -1);
}

static inline unsigned long vm_stat_read(enum vm_stat_item item)
{
	long v = __atomic_load_n(&vm_stat[item], __ATOMIC_RELAXED);

	return v < 0 ? 0 : (unsigned long)v;	/* a reader between two updates */
}

/* The name /proc/vmstat gives the item. */
const char *vm_stat_name(enum vm_stat_item item);

#endif
