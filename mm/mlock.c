/*
 * Faulting ranges in ahead of use: MAP_POPULATE, and mlock and its kin.
 *
 * Pagoda has no swap and (until reclaim comes) never takes a page from a
 * process, so a locked page is simply one that is faulted in now: mlock
 * marks the VMAs VM_LOCKED (which reclaim will honour, and which makes
 * later growth of them populate too) and faults every page in.  Every
 * process may lock memory: there are no users but root here, and root
 * has CAP_IPC_LOCK, which lifts RLIMIT_MEMLOCK on Linux.
 *
 * The flag changes take mmap_lock exclusive; the faulting runs after,
 * with the lock taken shared per fault (handle_user_fault), so no page
 * lock is ever waited for with mmap_lock held exclusive.
 */
#include <errno.h>
#include <mm.h>
#include <sched.h>
#include <syscall.h>
#include <traps.h>
#include <vm.h>

#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define MCL_ONFAULT 4
#define MLOCK_ONFAULT 1

int populate_range(u64 start, u64 end)
{
	struct mm *mm = current->mm;
	int err = 0;

	for (u64 va = start; va < end && !err; va += PAGE_SIZE) {
		struct vm_area *v;
		unsigned int fault = 0;
		u64 code;

		bool accessible;

		down_read(&mm->mmap_lock);
		v = find_vma(mm, va);
		/*
		 * A private writable page is faulted for writing, so it is the
		 * process's own copy now; a shared one only for reading: it is
		 * the file's page either way, and must not be dirtied for nothing.
		 */
		if (v && (v->flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
			fault = PF_WRITE;
		accessible = v && (v->flags & (VM_READ | VM_WRITE | VM_EXEC));
		up_read(&mm->mmap_lock);
		if (!v)
			return -ENOMEM;		/* unmapped meanwhile */
		if (!accessible)
			continue;		/* PROT_NONE: nothing to fault in, and no error (Linux) */
		switch (handle_user_fault(va, fault, &code)) {
		case 0:
			break;
		case SIGKILL:
			err = -EAGAIN;		/* out of memory, as Linux's mlock reports it */
			break;
		default:
			err = -ENOMEM;		/* SIGBUS, SIGSEGV: Linux's mlock says ENOMEM */
			break;
		}
	}
	return err;
}

#define VM_LOCK_FLAGS (VM_LOCKED | VM_LOCKONFAULT)

/* The lock flags of every VMA of [start, end), which must have no hole, become `lock`. */
static long change_locked(u64 start, u64 end, unsigned int lock)
{
	struct mm *mm = current->mm;
	long err;

	down_write(&mm->mmap_lock);
	err = range_fully_mapped(mm, start, end) ? vma_split_edges(mm, start, end) : -ENOMEM;
	for (struct vm_area *v = find_vma(mm, start); !err && v && v->start < end;
	     v = find_vma_above(mm, v->end))
		v->flags = (v->flags & ~VM_LOCK_FLAGS) | lock;
	up_write(&mm->mmap_lock);
	return err;
}

/* mlock's range: page-aligned outwards, as Linux does (the address need not be aligned). */
static long lock_range(u64 addr, u64 len, u64 *start, u64 *end)
{
	*start = ALIGN_DOWN(addr, PAGE_SIZE);
	*end = ALIGN_UP(addr + len, PAGE_SIZE);
	if (addr + len < addr || *end < *start)
		return -EINVAL;		/* wraps around (Linux) */
	if (*end > USER_SPACE_END)
		return -ENOMEM;
	return 0;
}

long sys_mlock2(u64 addr, u64 len, int flags)
{
	u64 start, end;
	long err;

	if (flags & ~MLOCK_ONFAULT)
		return -EINVAL;
	err = lock_range(addr, len, &start, &end);
	if (err || start == end)
		return err;
	err = change_locked(start, end, VM_LOCKED | (flags & MLOCK_ONFAULT ? VM_LOCKONFAULT : 0));
	if (!err && !(flags & MLOCK_ONFAULT))
		err = populate_range(start, end);
	return err;
}

long sys_mlock(u64 addr, u64 len)
{
	return sys_mlock2(addr, len, 0);
}

long sys_munlock(u64 addr, u64 len)
{
	u64 start, end;
	long err = lock_range(addr, len, &start, &end);

	if (err || start == end)
		return err;
	return change_locked(start, end, 0);
}

/* mlockall(MCL_CURRENT): fault in every locked VMA, ignoring failures (PROT_NONE, EOF) as Linux does. */
static void populate_all_locked(void)
{
	struct mm *mm = current->mm;
	u64 va = 0;

	for (;;) {
		struct vm_area *v;
		u64 start = 0, end = 0;

		down_read(&mm->mmap_lock);
		v = find_vma_above(mm, va);
		if (v && (v->flags & VM_LOCK_FLAGS) == VM_LOCKED) {
			start = MAX(va, v->start);
			end = v->end;
		}
		va = v ? v->end : 0;
		up_read(&mm->mmap_lock);
		if (!v)
			return;
		if (start < end)
			populate_range(start, end);
	}
}

/* Every VMA locked or unlocked. */
static void change_all_locked(unsigned int lock)
{
	struct mm *mm = current->mm;
	struct vm_area *v;

	down_write(&mm->mmap_lock);
	list_for_each_entry(v, &mm->vmas, link)
		v->flags = (v->flags & ~VM_LOCK_FLAGS) | lock;
	up_write(&mm->mmap_lock);
}

long sys_mlockall(int flags)
{
	struct mm *mm = current->mm;

	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
		return -EINVAL;
	down_write(&mm->mmap_lock);
	mm->def_flags = !(flags & MCL_FUTURE) ? 0 :
			flags & MCL_ONFAULT ? VM_LOCK_FLAGS : VM_LOCKED;
	up_write(&mm->mmap_lock);
	if (flags & MCL_CURRENT) {
		change_all_locked(flags & MCL_ONFAULT ? VM_LOCK_FLAGS : VM_LOCKED);
		if (!(flags & MCL_ONFAULT))
			populate_all_locked();
	}
	return 0;
}

long sys_munlockall(void)
{
	struct mm *mm = current->mm;

	down_write(&mm->mmap_lock);
	mm->def_flags = 0;
	up_write(&mm->mmap_lock);
	change_all_locked(0);
	return 0;
}
