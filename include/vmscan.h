/*
 * Page reclaim (mm/vmscan.c): freeing memory when little is free, the
 * reclaim thread, and the hooks other caches give it.
 */
#ifndef PAGODA_VMSCAN_H
#define PAGODA_VMSCAN_H

#include <list.h>
#include <types.h>

/*
 * A cache outside the page cache that reclaim may shrink (the buffer
 * cache): scan frees up to nr objects nobody uses and returns how many it
 * freed.  Called with no lock held, from a task that may not sleep long:
 * it must only trylock what a reclaimer's caller may hold.
 */
struct shrinker {
	const char *name;
	unsigned long (*scan)(unsigned long nr);
	struct list_head link;		/* shrinker_lock */
};

void register_shrinker(struct shrinker *s);

/*
 * Decide about each page on an isolated list (each with a reference, off
 * the LRU): free it, or give it back to the LRU.  Returns how many were
 * freed.  (Reclaim's core, exposed for self-tests.)
 */
unsigned long reclaim_page_list(struct list_head *pages, bool kswapd);

/* Start the reclaim thread (kswapd); until then the allocator does not reclaim. */
void kswapd_start(void);

/*
 * Drop the clean page-cache pages nobody maps or holds (drop_caches "1"),
 * and shrink the other caches too (with_shrinkers, "2"); returns pages freed.
 */
unsigned long drop_caches(bool page_cache, bool with_shrinkers);

/* The OOM killer (mm/oom_kill.c): true if a victim was chosen or is still dying. */
bool out_of_memory(unsigned int order);

#endif
