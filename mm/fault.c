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
		if (expected & (PTE_PRESENT | PTE_PROTNONE))
			put_page(pfn_to_page((expected & PTE_ADDR_MASK) >> PAGE_SHIFT));
		*pte = page_to_phys(page) | flags;
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
	struct page *page = alloc_page(GFP_ZERO);

	if (!page)
		return -ENOMEM;
	return install_pte(mm, va, page, vma_pte_flags(v, v->flags & VM_WRITE), 0);
}

/* A write hit a present, read-only page of a writable private mapping. */
static int do_wp_page(struct mm *mm, struct vm_area *v, u64 va, pte_t old)
{
	struct page *src = pfn_to_page((old & PTE_ADDR_MASK) >> PAGE_SHIFT);
	struct page *copy;

	/* The only user of an anonymous page: no need to copy, just write. */
	if (!src->mapping && READ_ONCE(src->refcount) == 1) {
		get_page(src);
		return install_pte(mm, va, src, vma_pte_flags(v, true), old);
	}
	copy = alloc_page(GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	memcpy(page_address(copy), page_address(src), PAGE_SIZE);
	return install_pte(mm, va, copy, vma_pte_flags(v, true), old);
}

/* A write to a present page of a shared mapping: it is the page itself, just allow it. */
static int do_shared_write(struct mm *mm, struct vm_area *v, u64 va, pte_t old)
{
	struct page *page = pfn_to_page((old & PTE_ADDR_MASK) >> PAGE_SHIFT);

	get_page(page);
	page_set_flag(page, PG_dirty);
	return install_pte(mm, va, page, vma_pte_flags(v, true), old);
}

/* A page hidden by PROT_NONE whose VMA was opened up again: map it read-only. */
static int restore_protnone(struct mm *mm, struct vm_area *v, u64 va, pte_t old)
{
	struct page *page = pfn_to_page((old & PTE_ADDR_MASK) >> PAGE_SHIFT);

	get_page(page);
	return install_pte(mm, va, page, vma_pte_flags(v, false), old);
}

/*
 * A page of a file mapping.  Shared mappings map the page-cache page
 * itself; private ones map it read-only, and a write gets a private copy.
 * The contract with truncate: under invalidate_lock (shared), lock the
 * page, check it still belongs to the file and lies below EOF, map it,
 * unlock.  A truncate either unmapped it afterwards or we see the new size.
 */
static int do_file_page(struct mm *mm, struct vm_area *v, u64 va, bool write)
{
	struct address_space *mapping = v->file->f_mapping;
	u64 pgoff = v->pgoff + ((va - v->start) >> PAGE_SHIFT);
	struct page *page;
	int err = 0;

	down_read(&mapping->invalidate_lock);
	page = filemap_get_locked_page(v->file, pgoff);
	if (IS_ERR(page)) {
		up_read(&mapping->invalidate_lock);
		return PTR_ERR(page) == -ENOMEM ? -ENOMEM : -EFAULT;
	}
	if (page->mapping != mapping ||
	    pgoff >= (READ_ONCE(mapping->host->i_size) + PAGE_SIZE - 1) >> PAGE_SHIFT) {
		err = -ENXIO;	/* beyond EOF: SIGBUS */
	} else if (v->flags & VM_SHARED) {
		if (write)
			page_set_flag(page, PG_dirty);
		get_page(page);
		err = install_pte(mm, va, page, vma_pte_flags(v, v->flags & VM_WRITE), 0);
	} else if (write) {
		struct page *copy = alloc_page(GFP_KERNEL);

		if (!copy) {
			err = -ENOMEM;
		} else {
			memcpy(page_address(copy), page_address(page), PAGE_SIZE);
			err = install_pte(mm, va, copy, vma_pte_flags(v, true), 0);
		}
	} else {
		get_page(page);
		err = install_pte(mm, va, page, vma_pte_flags(v, false), 0);
	}
	unlock_page(page);
	put_page(page);
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

/* getrusage's ru_minflt: faults resolved without waiting for a disk, per thread and process. */
static void count_minor_fault(struct task *t)
{
	t->min_flt++;
	if (t->tg)
		__atomic_add_fetch(&t->tg->min_flt, 1, __ATOMIC_RELAXED);
}

int handle_user_fault(u64 addr, unsigned int err, u64 *si_code)
{
	struct mm *mm = current->mm;
	struct vm_area *v;
	pte_t *pte, old = 0;
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

	spin_lock(&mm->page_table_lock);
	pte = page_walk(mm->pml4, addr, false);
	if (pte)
		old = *pte;
	spin_unlock(&mm->page_table_lock);

	addr = ALIGN_DOWN(addr, PAGE_SIZE);
	if (old & PTE_PROTNONE) {
		/* The VMA allows the access now, but mprotect left the page behind: restore it. */
		ret = restore_protnone(mm, v, addr, old);
	} else if (old & PTE_PRESENT) {
		if ((err & PF_WRITE) && !(old & PTE_WRITE))
			ret = (v->flags & VM_SHARED) ? do_shared_write(mm, v, addr, old)
						     : do_wp_page(mm, v, addr, old);
		/* else: another fault already resolved it; retry */
	} else if (v->file) {
		ret = do_file_page(mm, v, addr, err & PF_WRITE);
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
	if (ret == 0)
		count_minor_fault(current);
out:
	up_read(&mm->mmap_lock);
	return ret;
}
