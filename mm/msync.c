/*
 * msync: make a file mapping's stores durable.
 *
 * The page cache is the one copy of a file's data, so a store through a
 * shared mapping is already what read() sees: MS_ASYNC has nothing to
 * start (the dirty page is written back like any other), MS_INVALIDATE
 * nothing to drop.  MS_SYNC is fsync of each shared file mapped in the
 * range, and reports a failed writeback (-EIO) the way fsync does, once
 * per open file.  The checks and their order are Linux's, errno for
 * errno.
 */
#include <errno.h>
#include <fs.h>
#include <sched.h>
#include <syscall.h>
#include <vm.h>

#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4

long sys_msync(u64 start, u64 len, int flags)
{
	struct mm *mm = current->mm;
	struct vm_area *v;
	long unmapped = 0, err = -ENOMEM;
	u64 end;

	if ((flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) || (start & (PAGE_SIZE - 1)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	end = start + ALIGN_UP(len, PAGE_SIZE);	/* a length that rounds to 0 syncs nothing, as on Linux */
	if (end < start)
		return -ENOMEM;
	if (end == start)
		return 0;
	down_read(&mm->mmap_lock);
	for (v = find_vma_above(mm, start); v; ) {
		if (start < v->start) {
			/* A hole: ENOMEM at the end, but the mapped parts are still synced. */
			if (flags == MS_ASYNC)
				break;
			start = v->start;
			if (start >= end)
				break;
			unmapped = -ENOMEM;
		}
		if ((flags & MS_INVALIDATE) && (v->flags & VM_LOCKED)) {
			err = -EBUSY;
			break;
		}
		start = v->end;
		if ((flags & MS_SYNC) && v->file && (v->flags & VM_SHARED)) {
			struct file *file = v->file;

			get_file(file);
			/* fsync waits for the disk: not with mmap_lock held. */
			up_read(&mm->mmap_lock);
			err = file->f_op->fsync ? file->f_op->fsync(file) : 0;
			fput(file);
			if (err || start >= end)
				return err ? err : unmapped;
			down_read(&mm->mmap_lock);
		} else if (start >= end) {
			err = 0;
			break;
		}
		v = find_vma_above(mm, start);
	}
	up_read(&mm->mmap_lock);
	return err ? err : unmapped;
}
