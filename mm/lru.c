/*
 * The LRU lists of page-cache pages: which cached file data was used
 * least recently, so reclaim (vmscan.c) knows what to drop first.
 *
 * Two lists, as in Linux: a page enters the cache on the *inactive* list;
 * a second use while it is there (a read with PG_referenced already set,
 * or a reference bit reclaim finds in a page table) moves it to the
 * *active* list.  Reclaim frees from the old end of the inactive list and
 * refills it from the old end of the active list when the active one
 * grows larger.  So a file read once, however big, flows through the
 * inactive list without pushing out the pages used again and again.
 *
 * Only pages of mappings whose data lives elsewhere are here: tmpfs pages
 * are the only copy of their data (a_ops->unevictable), and anonymous
 * memory has no swap to go to, so neither is ever reclaimed.
 *
 * Lock: lru_lock guards both lists, PG_lru and PG_active, and the list
 * counters.  A page is on a list (PG_lru) while it is cached, except while
 * reclaim has taken it off to look at it (isolated, with a reference).
 * Taken alone: never with another spinlock held.
 */
#include <pagecache.h>
#include <spinlock.h>
#include <vmstat.h>

static struct spinlock lru_lock = SPINLOCK_INIT("lru");
static struct list_head inactive_list = LIST_HEAD_INIT(inactive_list);	/* lru_lock */
static struct list_head active_list = LIST_HEAD_INIT(active_list);	/* lru_lock */

/* The list a page on the LRU is on, and its counter.  lru_lock held. */
static struct list_head *page_list(struct page *page, enum vm_stat_item *counter)
{
	bool active = page_test_flag(page, PG_active);

	*counter = active ? NR_ACTIVE_FILE : NR_INACTIVE_FILE;
	return active ? &active_list : &inactive_list;
}

/* Put a page on the newest end of its list.  lru_lock held, page not on one. */
static void add_locked(struct page *page)
{
	enum vm_stat_item counter;

	list_add_tail(&page->list, page_list(page, &counter));
	page_set_flag(page, PG_lru);
	inc_vm_stat(counter);
}

/* Take a page off its list.  lru_lock held, page on one. */
static void del_locked(struct page *page)
{
	enum vm_stat_item counter;

	page_list(page, &counter);
	list_del(&page->list);
	page_clear_flag(page, PG_lru);
	dec_vm_stat(counter);
}

void lru_add(struct page *page)
{
	spin_lock(&lru_lock);
	add_locked(page);
	spin_unlock(&lru_lock);
}

void lru_del(struct page *page)
{
	spin_lock(&lru_lock);
	if (page_test_flag(page, PG_lru))
		del_locked(page);
	spin_unlock(&lru_lock);
}

/*
 * A read or a fault used the page.  The first use only marks it
 * (PG_referenced, no lock: the common case of a page read over and over
 * costs one atomic bit test); a second use while it is inactive moves it
 * to the active list.
 */
void mark_page_accessed(struct page *page)
{
	if (!page_test_flag(page, PG_referenced)) {
		page_set_flag(page, PG_referenced);
		return;
	}
	if (page_test_flag(page, PG_active))
		return;
	spin_lock(&lru_lock);
	if (page_test_flag(page, PG_lru) && !page_test_flag(page, PG_active)) {
		del_locked(page);
		page_set_flag(page, PG_active);
		page_clear_flag(page, PG_referenced);
		add_locked(page);
		inc_vm_stat(PGACTIVATE);
	}
	spin_unlock(&lru_lock);
}

/*
 * Take up to nr pages from the old end of the inactive list (active:
 * false) or the active list, with a reference each, onto *out.  They are
 * off the lists (isolated) until lru_putback.  Returns how many.
 */
unsigned int lru_isolate(bool active, unsigned int nr, struct list_head *out)
{
	struct list_head *from = active ? &active_list : &inactive_list;
	unsigned int n = 0;

	spin_lock(&lru_lock);
	while (n < nr && !list_empty(from)) {
		struct page *page = list_first_entry(from, struct page, list);

		/* On a list, the page is cached: the cache's reference keeps it. */
		get_page(page);
		del_locked(page);
		list_add_tail(&page->list, out);
		n++;
	}
	spin_unlock(&lru_lock);
	return n;
}

/*
 * Give an isolated page back to the newest end of the list PG_active
 * names, and drop the isolation's reference.  A page truncated meanwhile
 * (no mapping) stays off: delete_from_page_cache found it off the list.
 */
void lru_putback(struct page *page)
{
	spin_lock(&lru_lock);
	if (READ_ONCE(page->mapping))
		add_locked(page);
	spin_unlock(&lru_lock);
	put_page(page);
}

bool page_is_lru_newest(struct page *page)
{
	enum vm_stat_item counter;
	bool newest;

	spin_lock(&lru_lock);
	newest = page_test_flag(page, PG_lru) && page_list(page, &counter)->prev == &page->list;
	spin_unlock(&lru_lock);
	return newest;
}

unsigned long nr_lru_pages(void)
{
	return vm_stat_read(NR_ACTIVE_FILE) + vm_stat_read(NR_INACTIVE_FILE);
}
