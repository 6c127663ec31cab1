/*
 * read, write and their vector and positional forms; lseek.
 */
#include <errno.h>
#include <fs_syscalls.h>
#include <kmalloc.h>
#include <usercopy.h>
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

#define SENDFILE_CHUNK (64 * 1024)

/* Move n bytes of buf through f at *pos, or at f's own offset if pos is NULL. */
static ssize_t kernel_rw(struct file *f, void *buf, size_t n, u64 *pos, bool write)
{
	struct iov_iter iter;
	struct iovec iov;

	if (pos)
		return write ? kernel_write(f, buf, n, pos) : kernel_read(f, buf, n, pos);
	iov_iter_kernel(&iter, &iov, buf, n);
	return vfs_rw_at_pos(f, &iter, write);
}

/*
 * sendfile: copy from a file (not a pipe) to any file through a kernel
 * buffer, from *offset (which moves, the file's own offset does not) or
 * from in's offset.  The input moves by what was written.  busybox's cat,
 * cp and tar use it, and fall back to read and write if it fails.
 */
long sys_sendfile(int out_fd, int in_fd, s64 *uoffset, size_t count)
{
	struct file *in = fget(in_fd), *out = fget(out_fd);
	u64 pos = 0, *ppos = NULL;
	size_t done = 0;
	char *buf = NULL;
	long ret = 0;

	if (!in || !out || !(in->f_mode & FMODE_READ) || !(out->f_mode & FMODE_WRITE))
		ret = -EBADF;
	else if (!(in->f_mode & FMODE_LSEEK) || S_ISDIR(in->f_inode->i_mode))
		ret = -EINVAL;	/* Linux too wants a file it can read at an offset */
	else if (uoffset && copy_from_user(&pos, uoffset, sizeof(pos)))
		ret = -EFAULT;
	else if (uoffset && (s64)pos < 0)
		ret = -EINVAL;
	else if (!(buf = kmalloc(MIN(MAX(count, (size_t)1), (size_t)SENDFILE_CHUNK), GFP_KERNEL)))
		ret = -ENOMEM;
	if (uoffset)
		ppos = &pos;
	while (!ret && done < count) {
		size_t n = MIN(count - done, (size_t)SENDFILE_CHUNK);
		ssize_t r = kernel_rw(in, buf, n, ppos, false), w;

		if (r <= 0) {
			ret = done ? 0 : r;
			break;
		}
		w = kernel_rw(out, buf, r, NULL, true);
		if (w < r) {
			/* Give back what was read and not written. */
			size_t unwritten = w > 0 ? r - w : r;

			if (ppos)
				pos -= unwritten;
			else
				vfs_llseek(in, -(s64)unwritten, SEEK_CUR);
			if (w > 0)
				done += w;
			ret = done ? 0 : w;
			break;
		}
		done += w;
	}
	if (uoffset && !ret && copy_to_user(uoffset, &pos, sizeof(pos)))
		ret = -EFAULT;
	kfree(buf);
	if (in)
		fput(in);
	if (out)
		fput(out);
	return done ? (long)done : ret;
}
