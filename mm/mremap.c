/*
 * mremap: shrink, grow or move a mapping.
 *
 * Shrinking unmaps the tail.  Growing extends the VMA in place when the
 * addresses after it are free, and otherwise (with MREMAP_MAYMOVE) moves
 * it: a new VMA is made for the same backing, the page-table entries move
 * across (the pages themselves stay where they are, with their
 * references), and the old range is unmapped.  A moved file VMA goes on
 * its file's list of mappings right after the old one, and its entries
 * move under the file's i_mmap_lock, so a truncate sees the pages in one
 * place or the other, never in neither.
 *
 * Not supported: MREMAP_DONTUNMAP, and old_size 0 (a second mapping of
 * shared memory): both give -EINVAL.  The checks and their errno values
 * follow Linux's.
 */
#include <err.h>
#include <errno.h>
#include <fs.h>
#include <mm.h>
#include <pagecache.h>
#include <sched.h>
#include <syscall.h>
#include <tlb.h>
#include <vm.h>

#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define MREMAP_DONTUNMAP 4

struct pte_move {
	struct mm *mm;
	s64 delta;		/* new address - old address */
	bool commit;		/* false: only make the page tables the move needs */
};

static int move_one_pte(pte_t *pte, u64 va, void *arg)
{
	struct pte_move *pm = arg;
	pte_t *dst = page_walk(pm->mm->pml4, va + pm->delta, true);

	if (!dst)
		return -ENOMEM;
	if (pm->commit) {
		*dst = *pte;	/* the page's reference moves with the entry */
		*pte = 0;
	}
	return 0;
}

/*
 * Move the entries of [old, old + len) to new.  First every page table
 * the new range needs is made, so the move itself cannot fail half way.
 */
static int move_page_tables(struct mm *mm, struct vm_area *v, u64 old, u64 len, u64 new)
{
	struct address_space *m = v->file ? v->file->f_mapping : NULL;
	struct pte_move pm = { .mm = mm, .delta = (s64)(new - old) };
	int err;

	spin_lock(&mm->page_table_lock);
	err = for_each_user_pte(mm->pml4, old, old + len, move_one_pte, &pm);
	spin_unlock(&mm->page_table_lock);
	if (err)
		return err;
	if (m)
		mutex_lock(&m->i_mmap_lock);
	pm.commit = true;
	spin_lock(&mm->page_table_lock);
	for_each_user_pte(mm->pml4, old, old + len, move_one_pte, &pm);
	spin_unlock(&mm->page_table_lock);
	/*
	 * Flushed before a truncate or page_mkclean can reach the new
	 * entries: until then another CPU may still use the old ones.
	 */
	flush_tlb_range(mm, old, old + len);
	if (m)
		mutex_unlock(&m->i_mmap_lock);
	return 0;
}

/* Move the whole VMA [old, old + old_len) to new, new_len long; the new range is free. */
static long move_vma(struct mm *mm, u64 old, u64 old_len, u64 new_len, u64 new)
{
	struct vm_area *v, *moved;
	int err = vma_split_edges(mm, old, old + old_len);

	if (err)
		return err;
	v = find_vma(mm, old);
	moved = vma_insert_after(mm, new, new + new_len, v->flags, v->file, v->pgoff, v);
	if (IS_ERR(moved))
		return PTR_ERR(moved);
	err = move_page_tables(mm, v, old, old_len, new);
	if (err) {
		vma_unmap_range(mm, new, new + new_len);
		return err;
	}
	vma_unmap_range(mm, old, old + old_len);	/* nothing mapped there any more */
	return (long)new;
}

/*
 * The VMA that [addr, addr + old_len) lies in, which is to become new_len
 * long: -EFAULT if the range is not inside one VMA, as on Linux.
 */
static struct vm_area *vma_to_resize(struct mm *mm, u64 addr, u64 old_len, u64 new_len)
{
	struct vm_area *v = find_vma(mm, addr);

	if (!v || old_len > v->end - addr)
		return ERR_PTR(-EFAULT);
	if (v->file && v->pgoff + ((addr - v->start + new_len) >> PAGE_SHIFT) < v->pgoff)
		return ERR_PTR(-EINVAL);
	return v;
}

/* MREMAP_FIXED: whatever is at [new, new + new_len) goes, then the mapping moves there. */
static long mremap_to(struct mm *mm, u64 addr, u64 old_len, u64 new_len, u64 new)
{
	struct vm_area *v;
	long err;

	if ((new & (PAGE_SIZE - 1)) || new_len > USER_SPACE_END || new > USER_SPACE_END - new_len)
		return -EINVAL;
	if (addr + old_len > new && new + new_len > addr)
		return -EINVAL;		/* the two ranges overlap */
	err = vma_unmap_range(mm, new, new + new_len);
	if (!err && old_len > new_len) {
		err = vma_unmap_range(mm, addr + new_len, addr + old_len);
		old_len = new_len;
	}
	if (err)
		return err;
	v = vma_to_resize(mm, addr, old_len, new_len);
	if (IS_ERR(v))
		return PTR_ERR(v);
	return move_vma(mm, addr, old_len, new_len, new);
}

/* Can the VMA ending at addr + old_len grow in place to addr + new_len? */
static bool can_grow_in_place(struct mm *mm, struct vm_area *v, u64 addr, u64 old_len, u64 new_len)
{
	struct vm_area *next = find_vma_above(mm, v->end);

	return v->end == addr + old_len && addr + new_len <= USER_SPACE_END &&
	       addr + new_len > addr && (!next || next->start >= addr + new_len);
}

static long do_mremap(struct mm *mm, u64 addr, u64 old_len, u64 new_len, u64 flags, u64 new)
{
	struct vm_area *v;
	long err;

	if (!find_vma(mm, addr))
		return -EFAULT;		/* first of all, even for a shrink (Linux) */
	if (flags & MREMAP_FIXED)
		return mremap_to(mm, addr, old_len, new_len, new);
	if (old_len >= new_len) {
		err = vma_unmap_range(mm, addr + new_len, addr + old_len);
		return err ? err : (long)addr;
	}
	v = vma_to_resize(mm, addr, old_len, new_len);
	if (IS_ERR(v))
		return PTR_ERR(v);
	if (can_grow_in_place(mm, v, addr, old_len, new_len)) {
		vma_set_end(v, addr + new_len);
		return (long)addr;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	new = vma_find_free(mm, new_len);
	if (!new)
		return -ENOMEM;
	return move_vma(mm, addr, old_len, new_len, new);
}

long sys_mremap(u64 addr, u64 old_len, u64 new_len, u64 flags, u64 new_addr)
{
	struct mm *mm = current->mm;
	struct vm_area *v;
	u64 grown = 0;
	long ret;

	if ((flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) ||
	    (flags & MREMAP_DONTUNMAP) ||
	    ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) || (addr & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (ALIGN_UP(new_len, PAGE_SIZE) < new_len || ALIGN_UP(old_len, PAGE_SIZE) < old_len)
		return -EINVAL;
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (!new_len || !old_len || addr >= USER_SPACE_END || old_len > USER_SPACE_END - addr)
		return -EINVAL;
	down_write(&mm->mmap_lock);
	ret = do_mremap(mm, addr, old_len, new_len, flags, new_addr);
	/* A locked mapping that grew: its new pages are faulted in too. */
	v = ret > 0 ? find_vma(mm, (u64)ret) : NULL;
	if (v && (v->flags & (VM_LOCKED | VM_LOCKONFAULT)) == VM_LOCKED && new_len > old_len)
		grown = (u64)ret;
	up_write(&mm->mmap_lock);
	if (grown)
		populate_range(grown + old_len, grown + new_len);
	return ret;
}
