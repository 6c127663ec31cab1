/*
 * Reverse mapping for file pages: from a page of a file to the page-table
 * entries that map it, through the file's list of mappings
 * (mapping->i_mmap, every VMA of every process that maps the file).
 * Truncate uses it to take pages out of every address space before it
 * drops them from the cache; writeback uses it to write-protect a page
 * before cleaning it, so a store through a mapping dirties it again.
 *
 * Locks: mapping->i_mmap_lock (a mutex) is held across the walk, so no
 * VMA on the list can be freed, split or moved meanwhile, and no address
 * space on it can be torn down (mm_put takes its VMAs off the lists
 * first).  Each address space's page_table_lock is taken for its entries;
 * TLB flushes happen with no spinlock held.  i_mmap_lock nests inside
 * mmap_lock, invalidate_lock and the page lock, and nothing is taken
 * under it but page-table locks.
 */
#include <fs.h>
#include <pagecache.h>
#include <tlb.h>
#include <vm.h>
#include <vmstat.h>

void page_add_rmap(struct page *page)
{
	if (__atomic_fetch_add(&page->mapcount, 1, __ATOMIC_RELAXED) == 0 &&
	    !page_test_flag(page, PG_anon))
		inc_vm_stat(NR_FILE_MAPPED);
}

void page_remove_rmap(struct page *page)
{
	if (__atomic_sub_fetch(&page->mapcount, 1, __ATOMIC_RELAXED) == 0 &&
	    !page_test_flag(page, PG_anon))
		dec_vm_stat(NR_FILE_MAPPED);
}

/*
 * The user addresses [*start, *end) where v maps file pages [first, last],
 * or false if it maps none of them.
 */
static bool vma_file_range(const struct vm_area *v, unsigned long first, unsigned long last,
			   u64 *start, u64 *end)
{
	unsigned long vma_last = vma_pgoff(v, v->end) - 1;

	if (last < v->pgoff || first > vma_last)
		return false;
	*start = v->start + ((MAX(first, v->pgoff) - v->pgoff) << PAGE_SHIFT);
	*end = v->start + ((MIN(last, vma_last) - v->pgoff + 1) << PAGE_SHIFT);
	return true;
}

void unmap_mapping_pages(struct address_space *m, unsigned long first, unsigned long last)
{
	struct vm_area *v;
	u64 start, end;

	mutex_lock(&m->i_mmap_lock);
	list_for_each_entry(v, &m->i_mmap, mapping_link)
		if (vma_file_range(v, first, last, &start, &end))
			zap_page_range(v->mm, start, end);	/* private copies go too */
	mutex_unlock(&m->i_mmap_lock);
}

/*
 * Take the write permission from the entry at va if it maps page: true if
 * it maps it at all.  A read-only entry is flushed too: mprotect may have
 * just taken its write bit, with its own flush still to come, so another
 * CPU may still hold a writable translation.
 */
static bool write_protect_pte(struct mm *mm, u64 va, struct page *page)
{
	bool mapped = false;
	pte_t *pte;

	spin_lock(&mm->page_table_lock);
	pte = page_walk(mm->pml4, va, false);
	if (pte && (*pte & PTE_PRESENT) &&
	    ((*pte & PTE_ADDR_MASK) >> PAGE_SHIFT) == page_to_pfn(page)) {
		*pte &= ~(PTE_WRITE | PTE_DIRTY);
		mapped = true;
	}
	spin_unlock(&mm->page_table_lock);
	return mapped;
}

/*
 * Only shared mappings map the page itself writable (a private one maps
 * it read-only and copies on write).  A mapping added while we walk gets
 * no writable entry for the page: that takes a write fault, and the write
 * fault locks the page, which our caller holds.  fork copies entries, but
 * it puts the copy after the original on the list, so we reach it later.
 */
void page_mkclean(struct page *page)
{
	struct address_space *m = page->mapping;
	struct vm_area *v;
	u64 start, end;

	if (list_empty(&m->i_mmap))
		return;		/* the common case: nobody maps the file */
	mutex_lock(&m->i_mmap_lock);
	list_for_each_entry(v, &m->i_mmap, mapping_link)
		if ((v->flags & VM_SHARED) && vma_file_range(v, page->index, page->index, &start, &end) &&
		    write_protect_pte(v->mm, start, page))
			flush_tlb_range(v->mm, start, end);
	mutex_unlock(&m->i_mmap_lock);
}

/*
 * The entry at va, if it maps page (present, or kept behind PROT_NONE);
 * page_table_lock held.
 */
static pte_t *pte_mapping_page(struct mm *mm, u64 va, struct page *page)
{
	pte_t *pte = page_walk(mm->pml4, va, false);

	if (pte && (*pte & (PTE_PRESENT | PTE_PROTNONE)) &&
	    ((*pte & PTE_ADDR_MASK) >> PAGE_SHIFT) == page_to_pfn(page))
		return pte;
	return NULL;
}

/* Clear the accessed bit of the entry at va if it maps page: true if it was set. */
static bool test_clear_young(struct mm *mm, u64 va, struct page *page)
{
	bool young = false;
	pte_t *pte;

	spin_lock(&mm->page_table_lock);
	pte = pte_mapping_page(mm, va, page);
	if (pte && (*pte & PTE_ACCESSED)) {
		*pte &= ~PTE_ACCESSED;
		young = true;
	}
	spin_unlock(&mm->page_table_lock);
	return young;
}

/* Empty the entry at va if it maps page; the old entry, or 0. */
static pte_t clear_pte_of_page(struct mm *mm, u64 va, struct page *page)
{
	pte_t old = 0, *pte;

	spin_lock(&mm->page_table_lock);
	pte = pte_mapping_page(mm, va, page);
	if (pte) {
		old = *pte;
		*pte = 0;
	}
	spin_unlock(&mm->page_table_lock);
	return old;
}

/*
 * Reclaim: take a locked page-cache page out of every page table.  While
 * we hold its lock no entry for it can appear: faults lock the page before
 * they map it, fault-around trylocks it, and fork and mremap only copy or
 * move entries that exist, through the file's list we hold (fork puts its
 * copy after the original on the list, as for truncate).  A page used
 * through some entry since reclaim last looked (the accessed bit, which
 * the CPU sets) is kept: its bits are cleared for the next look.  The
 * entries' references are dropped after each flush.
 */
enum unmap_result try_to_unmap(struct page *page)
{
	struct address_space *m = page->mapping;
	enum unmap_result result = UNMAP_DONE;
	struct vm_area *v;
	u64 start, end;

	if (!mutex_trylock(&m->i_mmap_lock))
		return UNMAP_BUSY;	/* never wait: reclaim may run under other locks */
	list_for_each_entry(v, &m->i_mmap, mapping_link)
		if (vma_file_range(v, page->index, page->index, &start, &end) &&
		    test_clear_young(v->mm, start, page))
			result = UNMAP_REFERENCED;
	if (result == UNMAP_DONE) {
		list_for_each_entry(v, &m->i_mmap, mapping_link) {
			pte_t old;

			if (!vma_file_range(v, page->index, page->index, &start, &end))
				continue;
			old = clear_pte_of_page(v->mm, start, page);
			if (!old)
				continue;
			flush_tlb_range(v->mm, start, end);
			/* (Writable entries come with PG_dirty set; kept safe all the same.) */
			if (old & PTE_WRITE)
				set_page_dirty(page);
			page_remove_rmap(page);
			put_page(page);		/* the entry's reference */
		}
	}
	mutex_unlock(&m->i_mmap_lock);
	return result;
}
