/*
 * VMAs: the sorted list of a process's mapped ranges (see vm.h).
 * All of this runs with mm->mmap_lock held (for writing where the list
 * changes), except zap_page_range when the reverse map (rmap.c) calls it
 * for a truncate: then only the file's i_mmap_lock is held, and it relies
 * on the page-table lock alone (page tables are freed only by mm_put,
 * after the VMAs are off their files' lists).  A sorted list with a
 * one-entry lookup cache: simple to read,
 * and processes here have tens of VMAs, not thousands.
 */
#include <err.h>
#include <errno.h>
#include <fs.h>
#include <kmalloc.h>
#include <mm.h>
#include <page.h>
#include <pagecache.h>
#include <tlb.h>
#include <vm.h>

struct vm_area *find_vma(struct mm *mm, u64 addr)
{
	struct vm_area *v = READ_ONCE(mm->vma_cache);

	if (v && addr >= v->start && addr < v->end)
		return v;
	list_for_each_entry(v, &mm->vmas, link) {
		if (addr < v->start)
			break;
		if (addr < v->end) {
			WRITE_ONCE(mm->vma_cache, v);
			return v;
		}
	}
	return NULL;
}

bool range_fully_mapped(struct mm *mm, u64 start, u64 end)
{
	while (start < end) {
		struct vm_area *v = find_vma(mm, start);

		if (!v)
			return false;
		start = v->end;
	}
	return true;
}

/* The first VMA that ends above addr (the one containing it, or the next). */
struct vm_area *find_vma_above(struct mm *mm, u64 addr)
{
	struct vm_area *v;

	list_for_each_entry(v, &mm->vmas, link)
		if (addr < v->end)
			return v;
	return NULL;
}

static struct address_space *vma_mapping(const struct vm_area *v)
{
	return v->file ? v->file->f_mapping : NULL;
}

static struct vm_area *vma_new(struct mm *mm, u64 start, u64 end, unsigned int flags,
			       struct file *file, u64 pgoff)
{
	struct vm_area *v = kzalloc(sizeof(*v), GFP_KERNEL);

	if (!v)
		return NULL;
	v->start = start;
	v->end = end;
	v->flags = flags;
	v->file = file;
	v->pgoff = pgoff;
	v->mm = mm;
	list_init(&v->mapping_link);
	if (file)
		get_file(file);
	return v;
}

/*
 * Put a new file VMA on its file's list of mappings: after `after` (a VMA
 * it was copied or split from) or at the end.  A truncate walking the list
 * then visits the copy after the original, so a page table entry copied
 * from the original before it was unmapped is unmapped from the copy too.
 */
static void vma_link_file(struct vm_area *v, struct vm_area *after)
{
	struct address_space *m = vma_mapping(v);

	if (!m)
		return;
	mutex_lock(&m->i_mmap_lock);
	list_add(&v->mapping_link, after ? &after->mapping_link : m->i_mmap.prev);
	mutex_unlock(&m->i_mmap_lock);
}

static void vma_free(struct vm_area *v)
{
	struct address_space *m = vma_mapping(v);

	if (m) {
		mutex_lock(&m->i_mmap_lock);
		list_del(&v->mapping_link);
		mutex_unlock(&m->i_mmap_lock);
		fput(v->file);
	}
	kfree(v);
}

/* Put v in its place in the sorted list. */
static void vma_link(struct mm *mm, struct vm_area *v)
{
	struct vm_area *pos;

	list_for_each_entry(pos, &mm->vmas, link)
		if (pos->start > v->start)
			break;
	list_add_tail(&v->link, &pos->link);
}

struct vm_area *vma_insert_after(struct mm *mm, u64 start, u64 end, unsigned int flags,
				 struct file *file, u64 pgoff, struct vm_area *original)
{
	struct vm_area *next = find_vma_above(mm, start);
	struct vm_area *v;

	if (next && next->start < end)
		return ERR_PTR(-EEXIST);
	v = vma_new(mm, start, end, flags, file, pgoff);
	if (!v)
		return ERR_PTR(-ENOMEM);
	vma_link(mm, v);
	vma_link_file(v, original);
	return v;
}

int vma_insert(struct mm *mm, u64 start, u64 end, unsigned int flags, struct file *file, u64 pgoff)
{
	struct vm_area *v = vma_insert_after(mm, start, end, flags, file, pgoff, NULL);

	return IS_ERR(v) ? PTR_ERR(v) : 0;
}

/*
 * Split v at addr (inside it): v keeps [start, addr), a new VMA gets
 * [addr, end).  Under the file's i_mmap_lock, so a truncate walking the
 * file's mappings sees v either whole or as the two halves.
 */
int vma_split(struct mm *mm, struct vm_area *v, u64 addr)
{
	struct address_space *m = vma_mapping(v);
	struct vm_area *upper;

	upper = vma_new(mm, addr, v->end, v->flags, v->file, vma_pgoff(v, addr));
	if (!upper)
		return -ENOMEM;
	if (m)
		mutex_lock(&m->i_mmap_lock);
	v->end = addr;
	if (m) {
		list_add(&upper->mapping_link, &v->mapping_link);
		mutex_unlock(&m->i_mmap_lock);
	}
	list_add(&upper->link, &v->link);
	return 0;
}

/*
 * Pages unmapped but not yet released: another CPU may still hold a
 * translation to them until the TLB shootdown, so they are released only
 * after it (Linux's "mmu_gather", in small).
 */
#define ZAP_BATCH 64

struct zap_batch {
	struct page *pages[ZAP_BATCH];
	bool writable[ZAP_BATCH];	/* its entry allowed stores */
	int count;
	u64 end;	/* where the walk stopped when the batch filled */
};

/* Take one page out of its PTE into the batch; 1 (stop) once the batch is full. */
static int collect_mapped_page(pte_t *pte, u64 va, void *arg)
{
	struct zap_batch *b = arg;

	b->writable[b->count] = *pte & PTE_WRITE;
	b->pages[b->count++] = pfn_to_page((*pte & PTE_ADDR_MASK) >> PAGE_SHIFT);
	b->end = va + PAGE_SIZE;
	*pte = 0;
	return b->count == ZAP_BATCH;
}

/* Unmap and release the pages mapped in [start, end). */
void zap_page_range(struct mm *mm, u64 start, u64 end)
{
	struct zap_batch b;
	int full;

	do {
		b.count = 0;
		b.end = end;
		spin_lock(&mm->page_table_lock);
		full = for_each_user_pte(mm->pml4, start, end, collect_mapped_page, &b);
		spin_unlock(&mm->page_table_lock);
		/* The walk stopped at b.end if the batch filled: flush that far, then go on. */
		flush_tlb_range(mm, start, full ? b.end : end);
		for (int i = 0; i < b.count; i++) {
			/*
			 * A writable entry of a page-cache page: another CPU may
			 * have stored through it until the flush, unseen by a
			 * writeback that cleaned the page meanwhile (it found no
			 * entry to write-protect).  Dirty it again, now.
			 */
			if (b.writable[i] && b.pages[i]->mapping)
				set_page_dirty(b.pages[i]);
			page_remove_rmap(b.pages[i]);
			put_page(b.pages[i]);
		}
		start = b.end;
	} while (full && start < end);
}

void vma_set_end(struct vm_area *v, u64 end)
{
	struct address_space *m = vma_mapping(v);

	if (m)
		mutex_lock(&m->i_mmap_lock);
	v->end = end;
	if (m)
		mutex_unlock(&m->i_mmap_lock);
}

int vma_split_edges(struct mm *mm, u64 start, u64 end)
{
	struct vm_area *v = find_vma(mm, start);

	if (v && v->start < start && vma_split(mm, v, start) < 0)
		return -ENOMEM;
	v = find_vma(mm, end - 1);
	if (v && v->end > end && vma_split(mm, v, end) < 0)
		return -ENOMEM;
	WRITE_ONCE(mm->vma_cache, NULL);
	return 0;
}

int vma_unmap_range(struct mm *mm, u64 start, u64 end)
{
	struct vm_area *v, *next;

	if (vma_split_edges(mm, start, end) < 0)
		return -ENOMEM;

	zap_page_range(mm, start, end);
	for (v = find_vma_above(mm, start); v && v->start < end; v = next) {
		next = list_entry(v->link.next, struct vm_area, link);
		if (&next->link == &mm->vmas)
			next = NULL;
		list_del(&v->link);
		vma_free(v);
	}
	return 0;
}

u64 vma_find_free(struct mm *mm, u64 len)
{
	u64 top = mm->mmap_base;

	/* Top down from mmap_base: the first gap that fits, like Linux. */
	for (;;) {
		struct vm_area *below = NULL, *p;

		list_for_each_entry(p, &mm->vmas, link)	/* the highest VMA starting below top */
			if (p->start < top)
				below = p;
		if (top < len + PAGE_SIZE)
			return 0;	/* never hand out page 0 */
		if (!below || below->end <= top - len)
			return top - len;
		top = below->start;
	}
}

void vma_free_all(struct mm *mm)
{
	while (!list_empty(&mm->vmas)) {
		struct vm_area *v = list_first_entry(&mm->vmas, struct vm_area, link);

		list_del(&v->link);
		vma_free(v);
	}
	mm->vma_cache = NULL;
}
