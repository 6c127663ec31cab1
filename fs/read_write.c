/*
 * Reading, writing and seeking, above the file systems.
 *
 * vfs_read/vfs_write check the access mode the file was opened with and
 * hand an iov_iter to the file's operation; they work for user buffers
 * (read(), readv(), pread()) and kernel ones (kernel_read) alike.  The
 * offset is the caller's: read()/write() use the file's shared offset
 * (f_pos), serialized by f_pos_lock for regular files and directories so
 * that two processes sharing a file description never read the same
 * bytes; pread()/pwrite() use their own.
 */
#include <errno.h>
#include <fs.h>
#include <sched.h>
#include <signal.h>
#include <task.h>
#include <uio.h>
#include <usercopy.h>
#include <vfs_ops.h>

/* The most one call moves, as in Linux (uio.h): a larger request is cut short. */
static void clamp_count(struct iov_iter *iter)
{
	if (iter->count > MAX_RW_COUNT)
		iter->count = MAX_RW_COUNT;
}

/*
 * Every user buffer must lie in user space, even for a file that never
 * touches it (/dev/null): Linux checks, so programs may rely on EFAULT.
 */
static bool user_buffers_ok(const struct iov_iter *iter)
{
	if (iter->kind != ITER_USER)
		return true;
	for (unsigned long i = 0; i < iter->nr_segs; i++)
		if (!access_ok(iter->iov[i].iov_base, iter->iov[i].iov_len))
			return false;
	return true;
}

int write_size_limits(struct inode *inode, u64 pos, struct iov_iter *from)
{
	u64 limit = current->rlim[RLIMIT_FSIZE].cur;

	if (!S_ISREG(inode->i_mode))
		return 0;
	if (limit != RLIM_INFINITY) {
		if (pos >= limit) {
			send_sig_self(SIGXFSZ);
			return -EFBIG;
		}
		iov_iter_truncate(from, limit - pos);
	}
	if (pos >= inode->i_sb->s_maxbytes)
		return -EFBIG;
	iov_iter_truncate(from, inode->i_sb->s_maxbytes - pos);
	return 0;
}

int size_change_ok(struct inode *inode, u64 size)
{
	u64 limit = current->rlim[RLIMIT_FSIZE].cur;

	if (size <= inode->i_size)
		return 0;
	if (limit != RLIM_INFINITY && size > limit) {
		send_sig_self(SIGXFSZ);
		return -EFBIG;
	}
	return size > inode->i_sb->s_maxbytes ? -EFBIG : 0;
}

/* As Linux's rw_verify_area: an offset, or one past the end of the I/O, beyond loff_t is EINVAL. */
static bool offsets_ok(u64 pos, size_t count)
{
	return (s64)pos >= 0 && (s64)(pos + count) >= 0;
}

ssize_t vfs_read(struct file *f, struct iov_iter *to, u64 *pos)
{
	if (!(f->f_mode & FMODE_READ))
		return -EBADF;
	if (!user_buffers_ok(to))
		return -EFAULT;
	if (!offsets_ok(*pos, to->count))
		return -EINVAL;
	if (!f->f_op->read)
		return S_ISDIR(f->f_inode->i_mode) ? -EISDIR : -EINVAL;
	if (to->count == 0)
		return 0;
	clamp_count(to);
	return f->f_op->read(f, to, pos);
}

ssize_t vfs_write(struct file *f, struct iov_iter *from, u64 *pos)
{
	ssize_t ret;

	if (!(f->f_mode & FMODE_WRITE))
		return -EBADF;
	if (!user_buffers_ok(from))
		return -EFAULT;
	if (!offsets_ok(*pos, from->count))
		return -EINVAL;
	if (!f->f_op->write)
		return -EINVAL;
	if (from->count == 0)
		return 0;
	clamp_count(from);
	ret = f->f_op->write(f, from, pos);
	if (ret > 0 && S_ISREG(f->f_inode->i_mode))
		inode_touch_mtime(f->f_inode);
	return ret;
}

static void file_pos_lock(struct file *f)
{
	if (f->f_mode & FMODE_ATOMIC_POS)
		mutex_lock(&f->f_pos_lock);
}

static void file_pos_unlock(struct file *f)
{
	if (f->f_mode & FMODE_ATOMIC_POS)
		mutex_unlock(&f->f_pos_lock);
}

/* f_pos_lock is held across the whole call (see the top of this file). */
ssize_t vfs_rw_at_pos(struct file *f, struct iov_iter *iter, bool write)
{
	ssize_t ret;
	u64 pos;

	file_pos_lock(f);
	pos = f->f_pos;
	ret = write ? vfs_write(f, iter, &pos) : vfs_read(f, iter, &pos);
	if (ret >= 0)
		f->f_pos = pos;
	file_pos_unlock(f);
	return ret;
}

ssize_t kernel_read(struct file *f, void *buf, size_t len, u64 *pos)
{
	struct iov_iter iter;
	struct iovec iov;

	iov_iter_kernel(&iter, &iov, buf, len);
	return vfs_read(f, &iter, pos);
}

ssize_t kernel_write(struct file *f, const void *buf, size_t len, u64 *pos)
{
	struct iov_iter iter;
	struct iovec iov;

	iov_iter_kernel(&iter, &iov, (void *)buf, len);
	return vfs_write(f, &iter, pos);
}

s64 vfs_llseek(struct file *f, s64 offset, int whence)
{
	if (!(f->f_mode & FMODE_LSEEK))
		return -ESPIPE;
	return f->f_op->llseek(f, offset, whence);
}

#define SEEK_DATA 3
#define SEEK_HOLE 4

/* The new offset for whence, or -errno; size is the file's. */
static s64 seek_target(s64 cur, s64 size, s64 offset, int whence)
{
	s64 base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = cur;
		break;
	case SEEK_END:
		base = size;
		break;
	case SEEK_DATA:	/* no holes are reported: all of the file is data */
		return offset < 0 || offset >= size ? -ENXIO : offset;
	case SEEK_HOLE:
		return offset < 0 || offset >= size ? -ENXIO : size;
	default:
		return -EINVAL;
	}
	if ((offset > 0 && base > INT64_MAX - offset) || base + offset < 0)
		return -EINVAL;
	return base + offset;
}

s64 generic_file_llseek(struct file *f, s64 offset, int whence)
{
	s64 pos;

	file_pos_lock(f);
	pos = seek_target(f->f_pos, READ_ONCE(f->f_inode->i_size), offset, whence);
	if (pos >= 0)
		f->f_pos = pos;
	file_pos_unlock(f);
	return pos;
}

/* Devices whose offset means nothing (/dev/null, /dev/zero): always 0. */
s64 noop_llseek(struct file *f, s64 offset, int whence)
{
	(void)offset;
	(void)whence;
	f->f_pos = 0;
	return 0;
}

int noop_fsync(struct file *f)
{
	(void)f;
	return 0;
}
