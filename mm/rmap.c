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
