/*
 * The page-fault handler for user addresses.
 *
 * A fault is either resolved (the access is retried) or it becomes a
 * signal: SIGSEGV for an address with no mapping or an access the mapping
 * forbids, SIGBUS for a file mapping beyond the end of the file.  The
 * cases it resolves:
 *   - demand-zero: first touch of anonymous memory gets a zeroed page;
 *   - copy-on-write: a write to a private page shared since fork (or to a
 *     private file page) gets a copy of its own;
 *   - file pages: from the page cache, filled by the file system;
 *   - stack growth: just below a VM_GROWSDOWN area, within the limit.
 *
 * Runs with mm->mmap_lock held shared; page-table changes take
 * mm->page_table_lock, and re-check the entry under it because another
 * fault on the same page may have won the race.
 */
#include <err.h>
#include <errno.h>
#include <fs.h>
#include <page.h>
#include <pagecache.h>
#include <sched.h>
#include <string.h>
#include <tlb.h>
#include <traps.h>
#include <vm.h>
#include <vmstat.h>
#include <writeback.h>

/* PTE permissions for a VMA's pages; `writable` only if this mapping may write now. */
static u64 vma_pte_flags(const struct vm_area *v, bool writable)
{
	u64 f = PTE_PRESENT | PTE_USER;

	if (writable)
		f |= PTE_WRITE;
	if (!(v->flags & VM_EXEC))
		f |= PTE_NX;
	return f;
}

/*
 * Install page at va unless someone else already mapped something there.
 * Consumes the caller's reference to page either way.
 */
static int install_pte(struct mm *mm, u64 va, struct page *page, u64 flags, pte_t expected)
{
	pte_t *pte;
	int err = 0;

	spin_lock(&mm->page_table_lock);
	pte = page_walk(mm->pml4, va, true);
	if (!pte) {
		err = -ENOMEM;
	} else if (*pte != expected) {
		put_page(page);		/* another fault got here first: fine */
	} else {
		if (expected & (PTE_PRESENT | PTE_PROTNONE)) {
			struct page *old = pfn_to_page((expected & PTE_ADDR_MASK) >> PAGE_SHIFT);

			page_remove_rmap(old);
			put_page(old);
		}
		*pte = page_to_phys(page) | flags;
		page_add_rmap(page);
	}
	spin_unlock(&mm->page_table_lock);
	if (err)
		put_page(page);
	/*
	 * Replacing a present entry (copy-on-write, write access granted): any
	 * CPU may hold the old translation.  A new entry needs no flush: x86
	 * TLBs never cache "not present".
	 */
	if (expected & PTE_PRESENT)
		flush_tlb_range(mm, va, va + PAGE_SIZE);
	return err;
}

static int do_anonymous_page(struct mm *mm, struct vm_area *v, u64 va)
{
	struct page *page = alloc_anon_page(GFP_KERNEL | GFP_ZERO);

	if (!page)
		return -ENOMEM;
	return install_pte(mm, va, page, vma_pte_flags(v, v->flags & VM_WRITE), 0);
}

/*
 * A write hit a present, read-only page of a writable private mapping.
 * src is pinned by the caller (one reference besides the entry's).
 */
static int do_wp_page(struct mm *mm, struct vm_area *v, u64 va, pte_t old, struct page *src)
{
	struct page *copy;

	/* The only user of an anonymous page (the entry's and our pin): just write. */
	if (!src->mapping && READ_ONCE(src->refcount) == 2) {
		get_page(src);
		return install_pte(mm, va, src, vma_pte_flags(v, true), old);
	}
	copy = alloc_anon_page(GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	memcpy(page_address(copy), page_address(src), PAGE_SIZE);
	return install_pte(mm, va, copy, vma_pte_flags(v, true), old);
}

/* A page hidden by PROT_NONE whose VMA was opened up again: map it read-only (page pinned). */
static int restore_protnone(struct mm *mm, struct vm_area *v, u64 va, pte_t old, struct page *page)
{
	get_page(page);
	return install_pte(mm, va, page, vma_pte_flags(v, false), old);
}

/*
 * Dirtiness of shared file mappings is tracked by write faults: a page is
 * mapped writable only by a write fault, which dirties it, and writeback
 * write-protects it again before cleaning it (page_mkclean).  So a store
 * through a mapping can never land in a page writeback has just cleaned.
 * A file whose mapping writes nothing back (tmpfs) has no dirtiness to
 * track: its shared writable pages are mapped writable at once.
 */
static bool map_writable_on_read(const struct vm_area *v)
{
	return (v->flags & VM_SHARED) && (v->flags & VM_WRITE) &&
	       !mapping_tracks_dirty(v->file->f_mapping);
}

/*
 * A store through a shared mapping is about to make the locked page
 * dirty: the file system gives its blocks a place on the disk first
 * (ext2 allocates holes), so a full disk is a SIGBUS now rather than
 * lost data at writeback.
 */
static int shared_page_mkwrite(struct vm_area *v, struct page *page)
{
	const struct address_space_operations *ops = page->mapping->a_ops;
	int err = ops->page_mkwrite ? ops->page_mkwrite(v->file, page) : 0;

	if (!err)
		set_page_dirty(page);
	return err;
}

/*
 * Fault-around: a read fault on a file page also maps the neighbours in
 * its aligned window of FAULT_AROUND_PAGES that are already cached and
 * uptodate, so reading a cached file through a fresh mapping takes one
 * fault per window, not one per page.  Nothing here sleeps or reads the
 * disk: a page that is missing, not uptodate or locked is left for its
 * own fault.  Called under invalidate_lock shared, so no truncate runs.
 */
#define FAULT_AROUND_PAGES 16

static void map_pages_around(struct mm *mm, struct vm_area *v, u64 va, u64 flags)
{
	struct address_space *m = v->file->f_mapping;
	u64 window = ALIGN_DOWN(va, FAULT_AROUND_PAGES * PAGE_SIZE);
	u64 start = MAX(window, v->start), end = MIN(window + FAULT_AROUND_PAGES * PAGE_SIZE, v->end);
	unsigned long eof = i_size_pages(m->host);

	for (u64 addr = start; addr < end && vma_pgoff(v, addr) < eof; addr += PAGE_SIZE) {
		struct page *page;
		int err = 0;

		if (addr == va)
			continue;
		page = find_get_page(m, vma_pgoff(v, addr));
		if (!page)
			continue;
		if (page_test_flag(page, PG_uptodate) && trylock_page(page)) {
			/* Locked and still the file's: truncate or reclaim cannot take it now. */
			if (page->mapping == m) {
				get_page(page);		/* the entry's; install_pte consumes it */
				err = install_pte(mm, addr, page, flags, 0);
			}
			unlock_page(page);
		}
		put_page(page);
		if (err)
			break;		/* no memory for a page table: the faults will do */
	}
}

/*
 * A page of a file mapping is not mapped.  The contract with truncate:
 * under invalidate_lock (shared), lock the page, check it still belongs
 * to the file and lies below EOF, map it, unlock.  A truncate either
 * unmapped it afterwards or we see the new size (SIGBUS).  Shared
 * mappings map the page-cache page itself; private ones map it
 * read-only, and a write gets a private copy.
 */
static int do_file_page(struct mm *mm, struct vm_area *v, u64 va, bool write, bool *major)
{
	struct address_space *mapping = v->file->f_mapping;
	unsigned long pgoff = vma_pgoff(v, va);
	struct page *page, *copy = NULL;
	u64 flags = vma_pte_flags(v, write || map_writable_on_read(v));
	int err = 0;

	/*
	 * A private write gets a copy: allocate it before the page lock, as
	 * reclaim may wait for writeback, which may need that lock.
	 */
	if (write && !(v->flags & VM_SHARED)) {
		copy = alloc_anon_page(GFP_KERNEL);
		if (!copy)
			return -ENOMEM;
	}
	down_read(&mapping->invalidate_lock);
	page = filemap_get_locked_page(v->file, pgoff, major);
	if (IS_ERR(page)) {
		up_read(&mapping->invalidate_lock);
		if (copy)
			put_page(copy);
		return PTR_ERR(page) == -ENOMEM ? -ENOMEM : -EFAULT;
	}
	if (page->mapping != mapping || pgoff >= i_size_pages(mapping->host)) {
		err = -ENXIO;	/* beyond EOF: SIGBUS */
	} else if (copy) {
		memcpy(page_address(copy), page_address(page), PAGE_SIZE);
		err = install_pte(mm, va, copy, flags, 0);	/* takes the copy, even on failure */
		copy = NULL;
	} else {
		if (write)
			err = shared_page_mkwrite(v, page);
		if (!err) {
			get_page(page);
			err = install_pte(mm, va, page, flags, 0);
		}
	}
	unlock_page(page);
	if (copy)
		put_page(copy);		/* beyond EOF: not needed */
	put_page(page);
	if (!err && !write)
		map_pages_around(mm, v, va, flags);
	up_read(&mapping->invalidate_lock);
	return err;
}

/*
 * A store hit a present, read-only page of a shared writable mapping: a
 * clean page of a file that tracks dirtiness (or one mprotect made
 * read-only).  Under the same locks as a fault that maps it: dirty it,
 * then let the store through.  If truncate took the page meanwhile, its
 * entry is going away: retry, and the fault then sees the new size.
 * The caller has pinned the page.
 */
static int do_shared_write(struct mm *mm, struct vm_area *v, u64 va, pte_t old, struct page *page)
{
	struct address_space *mapping = v->file->f_mapping;
	int err = 0;

	down_read(&mapping->invalidate_lock);
	lock_page(page);
	if (page->mapping == mapping && page->index < i_size_pages(mapping->host)) {
		err = shared_page_mkwrite(v, page);
		if (!err) {
			get_page(page);
			err = install_pte(mm, va, page, vma_pte_flags(v, true), old);
		}
	}
	unlock_page(page);
	up_read(&mapping->invalidate_lock);
	return err;
}

/* Grow the stack VMA v down to cover addr; mmap_lock is held for reading. */
static struct vm_area *expand_stack(struct mm *mm, u64 addr)
{
	struct vm_area *v;

	/* Changing a VMA needs the lock exclusive: trade, then look again. */
	up_read(&mm->mmap_lock);
	down_write(&mm->mmap_lock);
	v = find_vma_above(mm, addr);
	if (v && (v->flags & VM_GROWSDOWN) && addr < v->start &&
	    v->end - ALIGN_DOWN(addr, PAGE_SIZE) <= current->rlim[RLIMIT_STACK].cur) {
		struct vm_area *prev = NULL, *p;

		list_for_each_entry(p, &mm->vmas, link)
			if (p->end <= v->start)
				prev = p;
		/* Keep a guard gap of one page to whatever lies below. */
		if (!prev || prev->end + PAGE_SIZE <= ALIGN_DOWN(addr, PAGE_SIZE))
			v->start = ALIGN_DOWN(addr, PAGE_SIZE);
	}
	up_write(&mm->mmap_lock);
	down_read(&mm->mmap_lock);
	return find_vma(mm, addr);
}

static bool access_allowed(const struct vm_area *v, unsigned int err)
{
	if (err & PF_INSTR)
		return v->flags & VM_EXEC;
	if (err & PF_WRITE)
		return v->flags & VM_WRITE;
	return v->flags & (VM_READ | VM_WRITE | VM_EXEC);
}

/*
 * getrusage's ru_minflt: faults resolved without waiting for a disk, per
 * thread and process; /proc/vmstat's pgmajfault counts the others.
 */
static void count_fault(struct task *t, bool major)
{
	if (major) {
		inc_vm_stat(PGMAJFAULT);
		return;
	}
	t->min_flt++;
	if (t->tg)
		__atomic_add_fetch(&t->tg->min_flt, 1, __ATOMIC_RELAXED);
}

/* A store through a shared mapping of a file that writes back will dirty a page. */
static bool dirties_file_page(const struct vm_area *v, unsigned int err)
{
	return (err & PF_WRITE) && (v->flags & VM_SHARED) && v->file &&
	       mapping_tracks_dirty(v->file->f_mapping);
}

int handle_user_fault(u64 addr, unsigned int err, u64 *si_code)
{
	struct mm *mm = current->mm;
	struct vm_area *v;
	pte_t *pte, old = 0;
	struct page *page = NULL;
	bool major = false, dirtied = false;
	int ret = 0;

	*si_code = SEGV_MAPERR;
	if (!mm || addr >= USER_SPACE_END)
		return SIGSEGV;
	down_read(&mm->mmap_lock);
	v = find_vma(mm, addr);
	if (!v)
		v = expand_stack(mm, addr);
	if (!v) {
		ret = SIGSEGV;
		goto out;
	}
	if (!access_allowed(v, err)) {
		*si_code = SEGV_ACCERR;
		ret = SIGSEGV;
		goto out;
	}
	inc_vm_stat(PGFAULT);	/* as Linux counts: faults on an area that allows the access */

	/*
	 * The page an entry maps is pinned while its entry is read: once the
	 * lock is dropped, a truncate or MADV_DONTNEED may unmap and free it
	 * (truncate does so from other processes, without our mmap_lock).
	 */
	spin_lock(&mm->page_table_lock);
	pte = page_walk(mm->pml4, addr, false);
	if (pte)
		old = *pte;
	if (old & (PTE_PRESENT | PTE_PROTNONE)) {
		page = pfn_to_page((old & PTE_ADDR_MASK) >> PAGE_SHIFT);
		get_page(page);
	}
	spin_unlock(&mm->page_table_lock);

	addr = ALIGN_DOWN(addr, PAGE_SIZE);
	if (old & PTE_PROTNONE) {
		/* The VMA allows the access now, but mprotect left the page behind: restore it. */
		ret = restore_protnone(mm, v, addr, old, page);
	} else if (old & PTE_PRESENT) {
		if ((err & PF_WRITE) && !(old & PTE_WRITE))
			ret = (v->flags & VM_SHARED) ? do_shared_write(mm, v, addr, old, page)
						     : do_wp_page(mm, v, addr, old, page);
		/* else: another fault already resolved it; retry */
	} else if (v->file) {
		ret = do_file_page(mm, v, addr, err & PF_WRITE, &major);
	} else {
		ret = do_anonymous_page(mm, v, addr);
	}
	if (ret == -ENXIO) {
		*si_code = BUS_ADRERR;
		ret = SIGBUS;
	} else if (ret < 0) {
		/* Out of memory (-ENOMEM) or an I/O error: the access cannot go on. */
		ret = ret == -ENOMEM ? SIGKILL : SIGBUS;
	}
	if (page)
		put_page(page);
	if (ret == 0) {
		count_fault(current, major);
		dirtied = dirties_file_page(v, err);
	}
out:
	up_read(&mm->mmap_lock);
	/* As write() does: wait here, with no lock held, if too much is dirty. */
	if (dirtied)
		balance_dirty_pages();
	return ret;
}
