/*
 * The memory system calls: mmap, munmap, mprotect, brk, madvise (msync,
 * mremap and mlock have files of their own).  Those that change the VMA
 * list take mmap_lock for writing; madvise only reads it.
 * The argument checks follow Linux's, errno for errno.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <fs.h>
#include <sched.h>
#include <syscall.h>
#include <tlb.h>
#include <traps.h>
#include <vm.h>

#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP 0x02000000

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x0100
#define MAP_DENYWRITE 0x0800
#define MAP_EXECUTABLE 0x1000
#define MAP_LOCKED 0x2000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_NONBLOCK 0x10000
#define MAP_STACK 0x20000
#define MAP_FIXED_NOREPLACE 0x100000

#define MADV_NORMAL 0
#define MADV_RANDOM 1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4
#define MADV_FREE 8

static unsigned int prot_to_vm(u64 prot)
{
	return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) |
	       (prot & PROT_EXEC ? VM_EXEC : 0);
}

long sys_mmap(u64 addr, u64 len, u64 prot, u64 flags, u64 fd, u64 off)
{
	struct mm *mm = current->mm;
	struct file *file = NULL;
	unsigned int vm_flags;
	u64 type = flags & MAP_TYPE;
	long ret;

	if (len == 0 || (off & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (len == 0 || len > USER_SPACE_END)
		return -ENOMEM;	/* the length wrapped around, or is absurd */
	if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) &&
	    ((addr & (PAGE_SIZE - 1)) || addr + len > USER_SPACE_END || addr + len < addr))
		return (addr & (PAGE_SIZE - 1)) ? -EINVAL : -ENOMEM;
	if (off + len < off)
		return -EOVERFLOW;

	/*
	 * A stack that grows must be anonymous private memory: growing moves
	 * the VMA's start, which for a file would also move its file offset
	 * (Linux allows it for files; Pagoda does not, see design.md §8.2).
	 */
	if ((flags & MAP_GROWSDOWN) && (type != MAP_PRIVATE || !(flags & MAP_ANONYMOUS)))
		return -EINVAL;
	vm_flags = prot_to_vm(prot) | (type != MAP_PRIVATE ? VM_SHARED : 0) | VM_MAYWRITE |
		   (flags & MAP_LOCKED ? VM_LOCKED : 0);
	if (flags & MAP_ANONYMOUS) {
		/* Shared anonymous memory lives in an unlinked tmpfs file, as on Linux. */
		if (vm_flags & VM_SHARED) {
			file = shmem_file_create(len);
			if (IS_ERR(file))
				return PTR_ERR(file);
		}
		off = 0;
	} else {
		file = fget((int)fd);
		if (!file)
			return -EBADF;
		if (!file->f_mapping || !file->f_inode || !S_ISREG(file->f_inode->i_mode)) {
			fput(file);
			return -ENODEV;
		}
		/* Every mapping reads the file: one opened only for writing cannot be mapped. */
		if ((file->f_flags & O_ACCMODE) == O_WRONLY) {
			fput(file);
			return -EACCES;
		}
		/* Writable shared mappings need a file opened for writing, now and after mprotect. */
		if ((vm_flags & VM_SHARED) && (file->f_flags & O_ACCMODE) == O_RDONLY) {
			if (prot & PROT_WRITE) {
				fput(file);
				return -EACCES;
			}
			vm_flags &= ~VM_MAYWRITE;
		}
	}

	down_write(&mm->mmap_lock);
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		struct vm_area *v = find_vma_above(mm, addr);

		if ((flags & MAP_FIXED_NOREPLACE) && v && v->start < addr + len) {
			ret = -EEXIST;
			goto out;
		}
		ret = vma_unmap_range(mm, addr, addr + len);
		if (ret)
			goto out;
	} else {
		/* A hint is taken if the range there is free, as Linux does. */
		struct vm_area *v = addr ? find_vma_above(mm, ALIGN_DOWN(addr, PAGE_SIZE)) : NULL;

		addr = ALIGN_DOWN(addr, PAGE_SIZE);
		if (!addr || addr + len > USER_SPACE_END || (v && v->start < addr + len))
			addr = vma_find_free(mm, len);
		if (!addr) {
			ret = -ENOMEM;
			goto out;
		}
	}
	vm_flags |= mm->def_flags | (flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0);
	ret = vma_insert(mm, addr, addr + len, vm_flags, file, off >> PAGE_SHIFT);
	if (!ret)
		ret = addr;
out:
	up_write(&mm->mmap_lock);
	if (file)
		fput(file);	/* the VMA holds its own reference */
	/* Failures to fault in (past EOF, no memory) are not mmap's: the access will tell. */
	if (ret > 0 && ((flags & MAP_POPULATE) || (vm_flags & (VM_LOCKED | VM_LOCKONFAULT)) == VM_LOCKED))
		populate_range(addr, addr + len);
	return ret;
}

long sys_munmap(u64 addr, u64 len)
{
	struct mm *mm = current->mm;
	long err;

	if ((addr & (PAGE_SIZE - 1)) || len == 0)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (addr >= USER_SPACE_END || len > USER_SPACE_END - addr)
		return -EINVAL;
	down_write(&mm->mmap_lock);
	err = vma_unmap_range(mm, addr, addr + len);
	up_write(&mm->mmap_lock);
	return err;
}

/*
 * Does a VMA of [start, end) refuse to drop its pages, as on Linux: a
 * locked one for DONTNEED and FREE, and for FREE (lazy freeing) any but
 * anonymous private memory?
 */
static bool refuses_to_drop(struct mm *mm, u64 start, u64 end, int advice)
{
	for (struct vm_area *v = find_vma_above(mm, start); v && v->start < end; v = find_vma_above(mm, v->end))
		if ((v->flags & VM_LOCKED) || (advice == MADV_FREE && v->file))
			return true;
	return false;
}

/* New permissions for one page: PROT_NONE keeps the page but not the access. */
static int change_pte(pte_t *pte, u64 va, void *arg)
{
	unsigned int flags = *(unsigned int *)arg;
	pte_t e = *pte & ~(PTE_PRESENT | PTE_PROTNONE | PTE_WRITE | PTE_NX);

	(void)va;
	if (!(flags & (VM_READ | VM_WRITE | VM_EXEC))) {
		e |= PTE_PROTNONE;
	} else {
		e |= PTE_PRESENT;
		if (!(flags & VM_EXEC))
			e |= PTE_NX;
		/* No write bit: the next write faults and the handler decides (COW). */
	}
	*pte = e;
	return 0;
}

/*
 * The range [addr, addr + len) of mprotect and madvise, page-rounded, in
 * *end: 0 if usable, 1 if empty (nothing to do), or the errno Linux gives.
 */
static long user_range(u64 addr, u64 len, u64 *end, long overflow_err)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	*end = addr + len;
	if (*end < addr || *end > USER_SPACE_END)
		return overflow_err;
	return len == 0;
}

long sys_mprotect(u64 addr, u64 len, u64 prot)
{
	struct mm *mm = current->mm;
	u64 end;
	long err;

	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	err = user_range(addr, len, &end, -ENOMEM);
	if (err)
		return err < 0 ? err : 0;
	down_write(&mm->mmap_lock);
	if (!range_fully_mapped(mm, addr, end)) {
		err = -ENOMEM;
		goto out;
	}
	/* A shared mapping of a file opened read-only can never be written. */
	for (struct vm_area *v = find_vma(mm, addr); v && v->start < end; v = find_vma_above(mm, v->end)) {
		if ((prot & PROT_WRITE) && !(v->flags & VM_MAYWRITE)) {
			err = -EACCES;
			goto out;
		}
	}
	/* Split at the edges, so only VMAs wholly inside the range change. */
	err = vma_split_edges(mm, addr, end);
	if (err)
		goto out;
	for (struct vm_area *v = find_vma(mm, addr); v && v->start < end; v = find_vma_above(mm, v->end)) {
		unsigned int flags = (v->flags & ~(VM_READ | VM_WRITE | VM_EXEC)) | prot_to_vm(prot);

		spin_lock(&mm->page_table_lock);
		for_each_user_pte(mm->pml4, v->start, v->end, change_pte, &flags);
		spin_unlock(&mm->page_table_lock);
		v->flags = flags;
	}
	flush_tlb_range(mm, addr, end);
out:
	up_write(&mm->mmap_lock);
	return err;
}

long sys_madvise(u64 addr, u64 len, int advice)
{
	struct mm *mm = current->mm;
	u64 end;
	long err = 0, range = user_range(addr, len, &end, -EINVAL);

	if (range < 0)
		return range;
	switch (advice) {
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_DONTNEED:
	case MADV_FREE:
		break;
	default:
		return -EINVAL;
	}
	if (range)
		return 0;	/* empty */
	down_read(&mm->mmap_lock);
	if (!range_fully_mapped(mm, addr, end))
		err = -ENOMEM;
	else if ((advice == MADV_DONTNEED || advice == MADV_FREE) && refuses_to_drop(mm, addr, end, advice))
		err = -EINVAL;
	/*
	 * DONTNEED (and FREE, which may act the same) drops the pages: private
	 * anonymous memory reads back as zeros, file and shared memory as the
	 * file's contents.  WILLNEED starts reading a file's pages in.  The
	 * other hints change nothing here.
	 */
	else if (advice == MADV_DONTNEED || advice == MADV_FREE)
		zap_page_range(mm, addr, end);
	else if (advice == MADV_WILLNEED)
		for (struct vm_area *v = find_vma(mm, addr); v && v->start < end; v = find_vma_above(mm, v->end))
			if (v->file)
				readahead_file_range(v->file, vma_pgoff(v, MAX(addr, v->start)),
						     vma_pgoff(v, MIN(end, v->end)));
	up_read(&mm->mmap_lock);
	return err;
}

/*
 * brk: move the end of the heap.  Linux never fails it with an error
 * code: it returns the new break, or the unchanged old one when the
 * request cannot be met.
 */
long sys_brk(u64 brk)
{
	struct mm *mm = current->mm;
	u64 old_end, new_end;
	long ret;

	down_write(&mm->mmap_lock);
	ret = mm->brk;
	if (brk < mm->brk_start || brk >= USER_MMAP_BASE)
		goto out;
	old_end = ALIGN_UP(mm->brk, PAGE_SIZE);
	new_end = ALIGN_UP(brk, PAGE_SIZE);
	if (new_end < old_end) {
		if (vma_unmap_range(mm, new_end, old_end))
			goto out;
	} else if (new_end > old_end) {
		struct vm_area *heap = old_end > mm->brk_start ? find_vma(mm, old_end - 1) : NULL;
		struct vm_area *next = find_vma_above(mm, old_end);

		if (next && next->start < new_end + PAGE_SIZE)
			goto out;	/* would run into another mapping */
		if (heap && heap->end == old_end && !heap->file)
			heap->end = new_end;	/* grow the heap VMA in place */
		else if (vma_insert(mm, old_end, new_end, VM_READ | VM_WRITE, NULL, 0))
			goto out;
	}
	mm->brk = brk;
	ret = brk;
out:
	up_write(&mm->mmap_lock);
	return ret;
}
