/*
 * Page reclaim: finding memory to free when little is free.
 *
 * What can be freed: page-cache pages of files whose data lives on a disk
 * (clean ones at once; dirty ones once the flusher has written them), and
 * the objects of other caches through their shrinkers (the buffer cache,
 * kmalloc's empty slabs).  Not anonymous memory (there is no swap) nor
 * tmpfs pages (the cache is their only copy).
 *
 * Who frees:
 *   - the allocator's fast path takes a block while more than the low
 *     watermark stays free (page_alloc.c);
 *   - below it, alloc_pages_slowpath wakes kswapd, the reclaim thread,
 *     which frees until the high watermark is reached;
 *   - an allocation that would leave less than min reclaims for itself
 *     ("direct reclaim"), may wait for writeback, and as a last resort
 *     calls the OOM killer (oom_kill.c).
 *
 * How a page is looked at (reclaim_page), from the old end of the
 * inactive LRU list (lru.c): used since it came there (PG_referenced) ->
 * one more round; locked by someone -> skip it, never wait; under
 * writeback -> skip it; mapped -> take it out of every page table
 * (try_to_unmap), unless a table says it was used (then it goes to the
 * active list); dirty -> hand it to the flusher (writeback_queue_page,
 * which takes a reference; the flusher takes the lock when it writes);
 * clean, and held by nobody else -> out of the cache (remove_mapping)
 * and free.  Reclaim never sleeps on a page lock and never writes a page
 * itself, so it cannot deadlock against a caller that holds a page lock
 * or a file system's locks, whatever it was allocating for.
 *
 * Contexts: an allocation never sleeps when interrupts are off (every
 * spinlock holder, interrupt handlers) or without __GFP_RECLAIM; without
 * __GFP_FS (GFP_NOFS, inside file systems) it frees what is clean but
 * never waits for writeback, nor kills.  Tasks doing reclaim or writeback
 * for others (kswapd, the flusher, a task inside direct reclaim) are
 * "memalloc": their allocations may use the reserve below min and never
 * reclaim themselves.  A task with SIGKILL pending may use it too, so a
 * victim of the OOM killer can get out of the way.
 */
#include <cmdline.h>
#include <kmalloc.h>
#include <page.h>
#include <pagecache.h>
#include <panic.h>
#include <sched.h>
#include <signal.h>
#include <vmscan.h>
#include <vmstat.h>
#include <wait.h>
#include <writeback.h>
#include <x86.h>

#define SCAN_BATCH 32			/* pages taken off a list at once */
#define RECLAIM_WAIT_NS 100000000ul	/* a reclaimer waits up to 100 ms for writeback */
#define MAX_NO_PROGRESS 16		/* rounds without progress before the OOM killer */
#define COSTLY_ORDER 3			/* larger blocks: give up rather than kill for them */

/* ---- shrinkers ------------------------------------------------------- */

#define MAX_SHRINKERS 8

static struct spinlock shrinker_lock = SPINLOCK_INIT("shrinker");
static struct list_head shrinkers = LIST_HEAD_INIT(shrinkers);	/* shrinker_lock */

void register_shrinker(struct shrinker *s)
{
	spin_lock(&shrinker_lock);
	list_add_tail(&s->link, &shrinkers);
	spin_unlock(&shrinker_lock);
}

/* Ask every shrinker for up to nr objects; returns how many they freed. */
static unsigned long run_shrinkers(unsigned long nr)
{
	struct shrinker *list[MAX_SHRINKERS], *s;
	unsigned long freed = 0;
	int n = 0;

	/* Shrinkers are never unregistered: call them with the lock dropped. */
	spin_lock(&shrinker_lock);
	list_for_each_entry(s, &shrinkers, link)
		if (n < MAX_SHRINKERS)
			list[n++] = s;
	spin_unlock(&shrinker_lock);
	for (int i = 0; i < n; i++)
		freed += list[i]->scan(nr);
	return freed;
}

/* kmalloc keeps one empty slab page per size class: reclaim may have them. */
static unsigned long shrink_slabs(unsigned long nr)
{
	(void)nr;
	return kmalloc_shrink();
}

static struct shrinker slab_shrinker = { .name = "kmalloc", .scan = shrink_slabs };

/* ---- the LRU lists --------------------------------------------------- */

struct scan_control {
	bool kswapd;			/* the reclaim thread (else: direct reclaim) */
	unsigned long scanned;
	unsigned long reclaimed;
};

enum verdict { PAGE_FREED, PAGE_KEEP, PAGE_ACTIVATE };

/* Decide about one isolated page of the inactive list (see the top of the file). */
static enum verdict reclaim_page(struct page *page)
{
	enum verdict v = PAGE_KEEP;
	struct address_space *m;

	if (page_test_and_clear_flag(page, PG_referenced))
		return PAGE_KEEP;	/* used once since it came: another round */
	if (!trylock_page(page))
		return PAGE_KEEP;
	m = page->mapping;
	if (!m || page_test_flag(page, PG_writeback))
		goto out;	/* truncated meanwhile, or being written */
	if (!page_test_flag(page, PG_dirty) && page_mapped(page)) {
		enum unmap_result r = try_to_unmap(page);

		if (r == UNMAP_REFERENCED)
			v = PAGE_ACTIVATE;
		if (r != UNMAP_DONE)
			goto out;
	}
	if (page_test_flag(page, PG_dirty)) {
		if (m->a_ops->writepage && writeback_queue_page(page))
			inc_vm_stat(NR_VMSCAN_WRITE);
		goto out;
	}
	if (remove_mapping(m, page))
		v = PAGE_FREED;
out:
	unlock_page(page);
	return v;
}

unsigned long reclaim_page_list(struct list_head *pages, bool kswapd)
{
	struct page *page, *next;
	unsigned long freed = 0;

	list_for_each_entry_safe(page, next, pages, list) {
		list_del(&page->list);
		mod_vm_stat(kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT, 1);
		switch (reclaim_page(page)) {
		case PAGE_FREED:
			freed++;
			inc_vm_stat(kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT);
			put_page(page);		/* the isolation's: the last one */
			continue;
		case PAGE_ACTIVATE:
			page_set_flag(page, PG_active);
			inc_vm_stat(PGACTIVATE);
			break;
		case PAGE_KEEP:
			break;
		}
		lru_putback(page);
	}
	return freed;
}

/* Look at up to nr pages from the old end of the inactive list. */
static void shrink_inactive(struct scan_control *sc, unsigned int nr)
{
	struct list_head pages = LIST_HEAD_INIT(pages);

	sc->scanned += lru_isolate(false, nr, &pages);
	sc->reclaimed += reclaim_page_list(&pages, sc->kswapd);
}

/* Move up to nr pages from the old end of the active list to the inactive one. */
static void shrink_active(unsigned int nr)
{
	struct list_head pages = LIST_HEAD_INIT(pages);
	struct page *page, *next;
	unsigned int n = lru_isolate(true, nr, &pages);

	mod_vm_stat(PGDEACTIVATE, n);
	list_for_each_entry_safe(page, next, &pages, list) {
		list_del(&page->list);
		page_clear_flag(page, PG_active);
		page_clear_flag(page, PG_referenced);
		lru_putback(page);
	}
}

/*
 * Try to free `target` pages: from the inactive list, refilled from the
 * active one while that is the larger, going round the lists at most
 * twice; then the shrinkers.  Returns whether anything was freed.
 */
static bool shrink_memory(unsigned long target, bool kswapd)
{
	struct scan_control sc = { .kswapd = kswapd };
	unsigned long max_scan = 2 * nr_lru_pages() + SCAN_BATCH;

	while (sc.reclaimed < target && sc.scanned < max_scan) {
		unsigned long before = sc.scanned;

		if (vm_stat_read(NR_ACTIVE_FILE) > vm_stat_read(NR_INACTIVE_FILE))
			shrink_active(SCAN_BATCH);
		shrink_inactive(&sc, SCAN_BATCH);
		if (sc.scanned == before && vm_stat_read(NR_ACTIVE_FILE) == 0)
			break;		/* both lists empty */
	}
	return run_shrinkers(4 * SCAN_BATCH) > 0 || sc.reclaimed > 0;
}

/* ---- kswapd ---------------------------------------------------------- */

static struct spinlock kswapd_lock = SPINLOCK_INIT("kswapd");
static struct wait_queue kswapd_wait = WAIT_QUEUE_INIT(kswapd_wait);
static bool kswapd_kicked;		/* kswapd_lock */
static bool kswapd_running;		/* set once: the allocator may reclaim from then on */

static void wake_kswapd(void)
{
	if (!kswapd_running || READ_ONCE(kswapd_kicked))
		return;
	spin_lock(&kswapd_lock);
	kswapd_kicked = true;
	wake_up(&kswapd_wait);
	spin_unlock(&kswapd_lock);
}

/*
 * Woken below the low watermark, it frees until the high one.  When a
 * round frees nothing it gets the flusher going and waits for writeback;
 * after a few such rounds it sleeps until the next wake-up, since what is
 * left may be memory nothing can free (processes' own, tmpfs).
 */
static void kswapd(void *arg)
{
	(void)arg;
	current->memalloc = true;
	for (;;) {
		int idle = 0;

		spin_lock(&kswapd_lock);
		while (!kswapd_kicked)
			wait_sleep(&kswapd_wait, &kswapd_lock, true);	/* idle: no hung task */
		kswapd_kicked = false;
		spin_unlock(&kswapd_lock);
		while (nr_free_pages() < READ_ONCE(watermarks.high) && idle < MAX_NO_PROGRESS) {
			if (shrink_memory(SCAN_BATCH, true)) {
				idle = 0;
				continue;
			}
			idle++;
			wakeup_flusher();
			wait_for_writeback(RECLAIM_WAIT_NS);
		}
	}
}

void kswapd_start(void)
{
	register_shrinker(&slab_shrinker);
	if (!kthread_create(kswapd, NULL, "kswapd"))
		panic("kswapd: cannot start its thread");
	WRITE_ONCE(kswapd_running, true);
}

/* ---- the allocator's slow path ---------------------------------------- */

/* May this allocation sleep to reclaim?  Never with interrupts off (a spinlock held). */
static bool may_reclaim(gfp_t gfp)
{
	return (gfp & __GFP_RECLAIM) && kswapd_running && irqs_enabled() && current &&
	       !current->memalloc;
}

/* Reclaim for ourselves, as a memalloc task (no recursion into reclaim). */
static bool direct_reclaim(unsigned int order)
{
	bool progress;

	current->memalloc = true;
	progress = shrink_memory(MAX((unsigned long)SCAN_BATCH, 1ul << order), false);
	current->memalloc = false;
	return progress;
}

struct page *alloc_pages_slowpath(gfp_t gfp, unsigned int order)
{
	unsigned int no_progress = 0, oom_rounds = 0;
	struct page *page;

	if (!kswapd_running)
		return take_free_block(order, 0);	/* booting: nothing to reclaim yet */
	wake_kswapd();
	/* Those who free memory, and the dying, may use the reserve. */
	if (irqs_enabled() && current && (current->memalloc || fatal_signal_pending(current)))
		return take_free_block(order, 0);
	if (!may_reclaim(gfp))
		return take_free_block(order, READ_ONCE(watermarks.min) / 2);
	for (;;) {
		page = take_free_block(order, READ_ONCE(watermarks.min));
		if (page)
			return page;
		if (fatal_signal_pending(current))
			return take_free_block(order, 0);	/* killed meanwhile: finish quickly */
		if (direct_reclaim(order)) {
			no_progress = 0;
			continue;
		}
		/* Dirty pages become free once written: with __GFP_FS we may wait for that. */
		if (vm_stat_read(NR_FILE_DIRTY) + vm_stat_read(NR_WRITEBACK) > 0) {
			wakeup_flusher();
			wait_for_writeback((gfp & __GFP_FS) ? RECLAIM_WAIT_NS : RECLAIM_WAIT_NS / 10);
		}
		if (++no_progress < MAX_NO_PROGRESS)
			continue;
		/*
		 * Nothing left to reclaim.  Large blocks may just be fragmented,
		 * and without __GFP_FS "no progress" may only mean that what is
		 * dirty could not be waited for: neither kills.
		 */
		if (order > COSTLY_ORDER || !(gfp & __GFP_FS) || ++oom_rounds > MAX_NO_PROGRESS ||
		    !out_of_memory(order))
			return NULL;
		no_progress = 0;
	}
}

/* ---- drop_caches ----------------------------------------------------- */

/* A page nobody maps or holds, clean: out of the cache.  Nothing else is touched. */
static bool drop_page(struct page *page)
{
	bool freed = false;

	if (trylock_page(page)) {
		if (page->mapping)
			freed = remove_mapping(page->mapping, page);
		unlock_page(page);
	}
	return freed;
}

unsigned long drop_caches(bool page_cache, bool with_shrinkers)
{
	unsigned long freed = 0;

	for (int active = 0; page_cache && active < 2; active++) {
		/* Each page is looked at once: survivors go back to the new end. */
		unsigned long left = active ? vm_stat_read(NR_ACTIVE_FILE) : vm_stat_read(NR_INACTIVE_FILE);

		while (left > 0) {
			struct list_head pages = LIST_HEAD_INIT(pages);
			struct page *page, *next;
			unsigned int n = lru_isolate(active, MIN(left, (unsigned long)SCAN_BATCH), &pages);

			if (!n)
				break;
			left -= MIN(left, (unsigned long)n);
			list_for_each_entry_safe(page, next, &pages, list) {
				list_del(&page->list);
				if (drop_page(page)) {
					freed++;
					put_page(page);
				} else {
					lru_putback(page);
				}
			}
		}
	}
	if (with_shrinkers)
		run_shrinkers(~0ul);	/* each frees all it can at once */
	return freed;
}
