/*
 * The memory counters (see vmstat.h) and their names in /proc/vmstat.
 */
#include <vmstat.h>

long vm_stat[NR_VM_STAT_ITEMS];

static const char *const vm_stat_names[NR_VM_STAT_ITEMS] = {
	[NR_FILE_PAGES] = "nr_file_pages",
	[NR_SHMEM] = "nr_shmem",
	[NR_FILE_DIRTY] = "nr_dirty",
	[NR_WRITEBACK] = "nr_writeback",
	[NR_ANON_PAGES] = "nr_anon_pages",
	[NR_FILE_MAPPED] = "nr_mapped",
	[NR_ACTIVE_FILE] = "nr_active_file",
	[NR_INACTIVE_FILE] = "nr_inactive_file",
	[NR_SLAB] = "nr_slab_unreclaimable",
	[NR_PAGE_TABLES] = "nr_page_table_pages",
	[PGPGIN] = "pgpgin",
	[PGPGOUT] = "pgpgout",
	[PGFAULT] = "pgfault",
	[PGMAJFAULT] = "pgmajfault",
	[PGSCAN_KSWAPD] = "pgscan_kswapd",
	[PGSCAN_DIRECT] = "pgscan_direct",
	[PGSTEAL_KSWAPD] = "pgsteal_kswapd",
	[PGSTEAL_DIRECT] = "pgsteal_direct",
	[PGACTIVATE] = "pgactivate",
	[PGDEACTIVATE] = "pgdeactivate",
	[NR_VMSCAN_WRITE] = "nr_vmscan_write",
	[OOM_KILL] = "oom_kill",
};

const char *vm_stat_name(enum vm_stat_item item)
{
	return vm_stat_names[item];
}
