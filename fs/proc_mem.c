/*
 * /proc/meminfo and /proc/vmstat: the memory counters (mm/vmstat.c) in
 * Linux's formats, which free, top, test frameworks and students' scripts
 * parse.
 *
 * Where Pagoda has nothing that matches a line, the line still comes, with
 * what is true here: no swap (SwapTotal 0), no memory locked apart from
 * its mapping (Mlocked 0: mlock populates and flags, see design.md), no
 * anonymous LRU (without swap, nothing of processes' memory is ever
 * reclaimed: it all counts as Inactive(anon), tmpfs included).  Buffers is
 * 0 because block devices have no page cache here; ext2's buffer cache is
 * kmalloc memory the reclaimer may free, so it is in SReclaimable, as
 * Linux counts reclaimable slab.
 */
#include <buffer.h>
#include <page.h>
#include <pagecache.h>
#include <sched.h>
#include <kstack.h>
#include <vmstat.h>
#include "proc_internal.h"

static unsigned long kib(unsigned long pages)
{
	return pages << (PAGE_SHIFT - 10);
}

/*
 * What could be had without killing anyone, as Linux estimates it: free
 * memory above the reserve, plus the page cache and the reclaimable
 * caches, minus what reclaim would leave of them.
 */
static unsigned long mem_available(unsigned long reclaimable_slab)
{
	unsigned long free = nr_free_pages(), reserve = watermarks.high, low = watermarks.low;
	unsigned long cache = nr_lru_pages(), avail = free > reserve ? free - reserve : 0;

	avail += cache - MIN(cache / 2, low);
	avail += reclaimable_slab - MIN(reclaimable_slab / 2, low);
	return avail;
}

/* kmalloc pages the buffer cache holds: its shrinker can free them. */
static unsigned long reclaimable_slab_pages(void)
{
	return MIN(buffer_bytes() >> PAGE_SHIFT, vm_stat_read(NR_SLAB));
}

#define LINE(key, kb) proc_printf(pb, "%-16s%8lu kB\n", key ":", (unsigned long)(kb))

void proc_show_meminfo(struct proc_buf *pb, const struct proc_entry *e)
{
	unsigned long total = nr_total_pages(), free = nr_free_pages();
	unsigned long active_file = vm_stat_read(NR_ACTIVE_FILE);
	unsigned long inactive_file = vm_stat_read(NR_INACTIVE_FILE);
	unsigned long unevictable_anon = vm_stat_read(NR_ANON_PAGES) + vm_stat_read(NR_SHMEM);
	unsigned long slab = vm_stat_read(NR_SLAB), reclaimable = reclaimable_slab_pages();

	(void)e;
	LINE("MemTotal", kib(total));
	LINE("MemFree", kib(free));
	LINE("MemAvailable", kib(MIN(mem_available(reclaimable), total)));
	LINE("Buffers", 0);
	LINE("Cached", kib(vm_stat_read(NR_FILE_PAGES)));
	LINE("SwapCached", 0);
	LINE("Active", kib(active_file));
	LINE("Inactive", kib(inactive_file + unevictable_anon));
	LINE("Active(anon)", 0);
	LINE("Inactive(anon)", kib(unevictable_anon));
	LINE("Active(file)", kib(active_file));
	LINE("Inactive(file)", kib(inactive_file));
	LINE("Unevictable", 0);
	LINE("Mlocked", 0);
	LINE("SwapTotal", 0);
	LINE("SwapFree", 0);
	LINE("Dirty", kib(vm_stat_read(NR_FILE_DIRTY)));
	LINE("Writeback", kib(vm_stat_read(NR_WRITEBACK)));
	LINE("AnonPages", kib(vm_stat_read(NR_ANON_PAGES)));
	LINE("Mapped", kib(vm_stat_read(NR_FILE_MAPPED)));
	LINE("Shmem", kib(vm_stat_read(NR_SHMEM)));
	LINE("KReclaimable", kib(reclaimable));
	LINE("Slab", kib(slab));
	LINE("SReclaimable", kib(reclaimable));
	LINE("SUnreclaim", kib(slab - reclaimable));
	LINE("KernelStack", (unsigned long)tasks_allocated() * (KSTACK_SIZE >> 10));
	LINE("PageTables", kib(vm_stat_read(NR_PAGE_TABLES)));
	/* No swap, and Linux's default overcommit ratio of 50%. */
	LINE("CommitLimit", kib(total / 2));
	LINE("Committed_AS", kib(vm_stat_read(NR_ANON_PAGES)));
}

/*
 * The counters in enum order, with Linux's names.  Two are shown as Linux
 * shows them: pgpgin and pgpgout in KiB (counted in sectors), and the slab
 * split into the part reclaim may free (the buffer cache) and the rest.
 */
void proc_show_vmstat(struct proc_buf *pb, const struct proc_entry *e)
{
	unsigned long slab = vm_stat_read(NR_SLAB), reclaimable = reclaimable_slab_pages();

	(void)e;
	proc_printf(pb, "nr_free_pages %lu\n", (unsigned long)nr_free_pages());
	for (int i = 0; i < NR_VM_STAT_ITEMS; i++) {
		unsigned long v = vm_stat_read(i);

		if (i == PGPGIN || i == PGPGOUT)
			v /= 2;
		if (i == NR_SLAB) {
			proc_printf(pb, "nr_slab_reclaimable %lu\n", reclaimable);
			v = slab - reclaimable;
		}
		proc_printf(pb, "%s %lu\n", vm_stat_name(i), v);
	}
}
