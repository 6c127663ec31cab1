/*
 * read, write and their vector and positional forms; lseek.
 */
#include <errno.h>
#include <fs_syscalls.h>
#include <kmalloc.h>
#include <vfs_ops.h>

#define UIO_FASTIOV 8	/* iovecs kept on the stack; more are allocated */

/* Move the iterator's bytes at the file's offset (pos NULL) or at *pos. */
static long rw_iter(int fd, struct iov_iter *iter, const s64 *pos, bool write)
{
	struct file *f = fget(fd);
	long ret;

	if (!f)
		return -EBADF;
	if (pos && !(f->f_mode & FMODE_LSEEK)) {
		ret = -ESPIPE;
	} else if (pos) {
		u64 p = *pos;

		ret = write ? vfs_write(f, iter, &p) : vfs_read(f, iter, &p);
	} else {
		ret = vfs_rw_at_pos(f, iter, write);
	}
	fput(f);
	return ret;
}

static long rw_single(int fd, void *buf, size_t count, const s64 *pos, bool write)
{
	struct iovec iov = { buf, count };
	struct iov_iter iter;

	if (pos && *pos < 0)
		return -EINVAL;
	iov_iter_init(&iter, ITER_USER, &iov, 1, count);
	return rw_iter(fd, &iter, pos, write);
}

static long rw_vector(int fd, const struct iovec *uvec, unsigned long vlen, const s64 *pos,
		      bool write)
{
	struct iovec fast[UIO_FASTIOV], *iov = fast;
	struct iov_iter iter;
	ssize_t total;
	long ret;

	if (pos && *pos < 0)
		return -EINVAL;
	total = import_iovec(uvec, vlen, fast, UIO_FASTIOV, &iov);
	if (total < 0)
		return total;
	iov_iter_init(&iter, ITER_USER, iov, vlen, total);
	ret = rw_iter(fd, &iter, pos, write);
	if (iov != fast)
		kfree(iov);
	return ret;
}

long sys_read(int fd, void *buf, size_t count)
{
	return rw_single(fd, buf, count, NULL, false);
}

long sys_write(int fd, const void *buf, size_t count)
{
	return rw_single(fd, (void *)buf, count, NULL, true);
}

long sys_pread64(int fd, void *buf, size_t count, s64 pos)
{
	return rw_single(fd, buf, count, &pos, false);
}

long sys_pwrite64(int fd, const void *buf, size_t count, s64 pos)
{
	return rw_single(fd, (void *)buf, count, &pos, true);
}

long sys_readv(int fd, const struct iovec *vec, unsigned long vlen)
{
	return rw_vector(fd, vec, vlen, NULL, false);
}

long sys_writev(int fd, const struct iovec *vec, unsigned long vlen)
{
	return rw_vector(fd, vec, vlen, NULL, true);
}

/* On 64-bit, pos_l holds the whole offset (Linux ignores pos_h there). */
long sys_preadv(int fd, const struct iovec *vec, unsigned long vlen, unsigned long pos_l,
		unsigned long pos_h)
{
	s64 pos = pos_l;

	(void)pos_h;
	return rw_vector(fd, vec, vlen, &pos, false);
}

long sys_pwritev(int fd, const struct iovec *vec, unsigned long vlen, unsigned long pos_l,
		 unsigned long pos_h)
{
	s64 pos = pos_l;

	(void)pos_h;
	return rw_vector(fd, vec, vlen, &pos, true);
}

long sys_lseek(int fd, s64 offset, unsigned int whence)
{
	struct file *f = fget(fd);
	long ret;

	if (!f)
		return -EBADF;
	ret = vfs_llseek(f, offset, whence);
	fput(f);
	return ret;
}
