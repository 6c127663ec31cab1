/*
 * Address spaces: creating one, copying one for fork (copy-on-write), and
 * tearing one down.
 *
 * Copy-on-write: after fork, parent and child map the same private pages,
 * each mapping read-only and each holding a reference.  The first write by
 * either faults (mm/fault.c): the writer gets its own copy, or, if it holds
 * the only reference left, simply gets write access back.
 */
#include <err.h>
#include <errno.h>
#include <fs.h>
#include <kmalloc.h>
#include <mm.h>
#include <page.h>
#include <sched.h>
#include <string.h>
#include <tlb.h>
#include <vm.h>
#include <x86.h>

struct mm *mm_create(void)
{
	struct mm *mm = kzalloc(sizeof(*mm), GFP_KERNEL);
	struct page *root = alloc_page(GFP_KERNEL | GFP_ZERO);

	if (!mm || !root) {
		kfree(mm);
		if (root)
			free_pages(root, 0);
		return NULL;
	}
	mm->pml4 = page_address(root);
	/* Share the kernel half: its top-level entries never change after boot. */
	memcpy(mm->pml4 + 256, kernel_pml4 + 256, 256 * sizeof(pte_t));
	rwsem_init(&mm->mmap_lock, "mmap_lock");
	spin_init(&mm->page_table_lock, "page_table_lock");
	list_init(&mm->vmas);
	mm->mmap_base = USER_MMAP_BASE;
	mm->users = 1;
	return mm;
}

struct fork_copy {
	struct mm *child;
	struct vm_area *vma;
	int err;
};

static int copy_one_pte(pte_t *pte, u64 va, void *arg)
{
	struct fork_copy *fc = arg;
	pte_t *dst;

	dst = page_walk(fc->child->pml4, va, true);
	if (!dst)
		return -ENOMEM;
	/* Private pages become read-only in both: the first write copies. */
	if (!(fc->vma->flags & VM_SHARED))
		*pte &= ~PTE_WRITE;
	*dst = *pte;
	get_page(pfn_to_page((*pte & PTE_ADDR_MASK) >> PAGE_SHIFT));
	page_add_rmap(pfn_to_page((*pte & PTE_ADDR_MASK) >> PAGE_SHIFT));
	return 0;
}

struct mm *mm_fork(struct mm *old)
{
	struct mm *mm = mm_create();
	struct fork_copy fc = { .child = mm };
	struct vm_area *v;

	if (!mm)
		return NULL;
	down_write(&old->mmap_lock);
	mm->brk_start = old->brk_start;
	mm->brk = old->brk;
	mm->stack_top = old->stack_top;
	mm->mmap_base = old->mmap_base;
	mm->arg_start = old->arg_start;
	mm->arg_end = old->arg_end;
	mm->env_start = old->env_start;
	mm->env_end = old->env_end;
	mm->exe_file = old->exe_file;
	if (mm->exe_file)
		get_file(mm->exe_file);
	/* Memory locks are not inherited (mlock(2)): no def_flags, no VM_LOCKED. */
	list_for_each_entry(v, &old->vmas, link) {
		/*
		 * The copy goes on the file's list of mappings after v, and its
		 * entries are filled under both page-table locks: a truncate
		 * running now either unmaps v before an entry is copied, or
		 * reaches the copy after v and unmaps it there.
		 */
		struct vm_area *copy = vma_insert_after(mm, v->start, v->end, v->flags & ~VM_LOCKED,
						       v->file, v->pgoff, v);

		if (IS_ERR(copy)) {
			fc.err = PTR_ERR(copy);
			break;
		}
		fc.vma = v;
		spin_lock(&old->page_table_lock);
		/* Nests (a second lock of its class): nobody else knows the child yet. */
		spin_lock_nested(&mm->page_table_lock, SINGLE_DEPTH_NESTING);
		fc.err = for_each_user_pte(old->pml4, v->start, v->end, copy_one_pte, &fc);
		spin_unlock(&mm->page_table_lock);
		spin_unlock(&old->page_table_lock);
		if (fc.err)
			break;
	}
	/* The parent's translations lost their write permission. */
	flush_tlb_range(old, 0, USER_SPACE_END);
	up_write(&old->mmap_lock);
	if (fc.err) {
		mm_put(mm);
		return NULL;
	}
	return mm;
}

struct mm *get_task_mm(struct task *t)
{
	struct mm *mm;

	spin_lock(&t->lock);
	mm = t->mm;
	if (mm)
		__atomic_add_fetch(&mm->users, 1, __ATOMIC_ACQ_REL);
	spin_unlock(&t->lock);
	return mm;
}

u64 mm_total_vm(struct mm *mm)
{
	struct vm_area *v;
	u64 bytes = 0;

	down_read(&mm->mmap_lock);
	list_for_each_entry(v, &mm->vmas, link)
		bytes += v->end - v->start;
	up_read(&mm->mmap_lock);
	return bytes;
}

struct rss_count {
	unsigned long anon, file;
};

static int count_resident(pte_t *pte, u64 va, void *arg)
{
	struct rss_count *c = arg;

	(void)va;
	if (pfn_to_page((*pte & PTE_ADDR_MASK) >> PAGE_SHIFT)->mapping)
		c->file++;
	else
		c->anon++;
	return 0;
}

/*
 * Counted by walking the tables (for the OOM killer, which is rare):
 * nothing on the hot paths has to keep a counter right.
 */
void mm_resident_pages(struct mm *mm, unsigned long *anon, unsigned long *file)
{
	struct rss_count c = { 0, 0 };

	spin_lock(&mm->page_table_lock);
	for_each_user_pte(mm->pml4, 0, USER_SPACE_END, count_resident, &c);
	spin_unlock(&mm->page_table_lock);
	*anon = c.anon;
	*file = c.file;
}

void mm_put(struct mm *mm)
{
	if (__atomic_sub_fetch(&mm->users, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	/*
	 * Nobody uses it any more, so no lock is needed; and no CPU has it
	 * loaded (each user switched to the kernel's tables before letting
	 * go), so no TLB holds its translations: the pages go back at once,
	 * with no shootdown to wait for.  The VMAs go first: once they are off
	 * their files' lists, no truncate can reach these page tables.
	 */
	vma_free_all(mm);
	free_user_address_space(mm->pml4);
	free_pages(virt_to_page(mm->pml4), 0);
	if (mm->exe_file)
		fput(mm->exe_file);
	kfree(mm);
}

/* Pin the page mapped at page-aligned va in mm (mmap_lock held), or NULL. */
static struct page *pin_mapped_page(struct mm *mm, u64 va)
{
	struct page *page = NULL;
	pte_t *pte;

	spin_lock(&mm->page_table_lock);
	pte = page_walk(mm->pml4, va, false);
	if (pte && (*pte & PTE_PRESENT)) {
		page = pfn_to_page((*pte & PTE_ADDR_MASK) >> PAGE_SHIFT);
		get_page(page);
	}
	spin_unlock(&mm->page_table_lock);
	return page;
}

size_t access_remote_vm(struct mm *mm, u64 addr, void *buf, size_t len)
{
	size_t done = 0;

	if (addr >= USER_SPACE_END || len > USER_SPACE_END - addr)
		return 0;
	down_read(&mm->mmap_lock);
	while (done < len) {
		u64 va = addr + done;
		size_t off = va & (PAGE_SIZE - 1), n = MIN(len - done, PAGE_SIZE - off);
		struct page *page = pin_mapped_page(mm, va - off);

		if (!page)
			break;
		memcpy((char *)buf + done, (char *)page_address(page) + off, n);
		put_page(page);
		done += n;
	}
	up_read(&mm->mmap_lock);
	return done;
}

void switch_to_kernel_page_tables(void)
{
	write_cr3(virt_to_phys(kernel_pml4));
}
