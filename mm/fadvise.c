/*
 * posix_fadvise (fadvise64): what a program expects of its use of a file.
 *
 * WILLNEED starts reading the range in.  DONTNEED writes the range's
 * dirty pages back, waits for them, and drops the pages that are then
 * clean and used by nobody (not mapped, not being read): the way to
 * make the next read come from the disk.  A file whose cache is all it
 * has (tmpfs) keeps its pages, as on Linux.  The other advice is
 * accepted and changes nothing.  Errors are Linux's.
 */
#include <errno.h>
#include <fs.h>
#include <pagecache.h>
#include <syscall.h>

#define POSIX_FADV_NORMAL 0
#define POSIX_FADV_RANDOM 1
#define POSIX_FADV_SEQUENTIAL 2
#define POSIX_FADV_WILLNEED 3
#define POSIX_FADV_DONTNEED 4
#define POSIX_FADV_NOREUSE 5

/* [start, end] inclusive; end ~0 for "to the end of the file". */
static void fadvise_dontneed(struct file *f, u64 start, u64 end)
{
	struct address_space *m = f->f_mapping;
	unsigned long first = (start + PAGE_SIZE - 1) >> PAGE_SHIFT, last;

	if (!mapping_tracks_dirty(m))
		return;
	filemap_write_and_wait(m);	/* a failure stays in the error sequence, for fsync */
	/* Whole pages only: a page the range covers in part may still be wanted. */
	if (end == ~0ull)
		last = ~0ul;
	else if (((end + 1) >> PAGE_SHIFT) == 0)
		return;
	else
		last = ((end + 1) >> PAGE_SHIFT) - 1;
	if (last >= first)
		invalidate_mapping_pages(m, first, last);
}

long sys_fadvise64(int fd, s64 offset, s64 len, int advice)
{
	struct file *f = fget(fd);
	long err = 0;
	u64 end;

	if (!f)
		return -EBADF;
	if (S_ISFIFO(f->f_inode->i_mode)) {
		fput(f);
		return -ESPIPE;
	}
	if (len < 0 || advice < POSIX_FADV_NORMAL || advice > POSIX_FADV_NOREUSE || !f->f_mapping) {
		fput(f);
		return -EINVAL;
	}
	/* [offset, end] inclusive; len 0 means to the end of the file. */
	end = len == 0 || (u64)offset + (u64)len - 1 < (u64)offset ? ~0ull : (u64)offset + (u64)len - 1;
	if (offset < 0)
		offset = 0;
	if (advice == POSIX_FADV_WILLNEED && end != ~0ull)
		readahead_file_range(f, (u64)offset >> PAGE_SHIFT, (end >> PAGE_SHIFT) + 1);
	else if (advice == POSIX_FADV_WILLNEED)
		readahead_file_range(f, (u64)offset >> PAGE_SHIFT, ~0ul);
	else if (advice == POSIX_FADV_DONTNEED)
		fadvise_dontneed(f, (u64)offset, end);
	fput(f);
	return err;
}
