/*
 * Attributes: access, umask, truncate, fsync and sync, chmod, chown, utimensat.
 */
#include <err.h>
#include <errno.h>
#include <fs_syscalls.h>
#include <usercopy.h>
#include <vfs_namei.h>
#include <vfs_ops.h>

long sys_faccessat2(int dfd, const char *filename, int mode, int flags)
{
	char *name = getname(filename);
	long err;

	if (IS_ERR(name))
		return PTR_ERR(name);
	err = do_faccessat(dfd, name, mode, flags);
	putname(name);
	return err;
}

long sys_faccessat(int dfd, const char *filename, int mode)
{
	return sys_faccessat2(dfd, filename, mode, 0);
}

long sys_access(const char *filename, int mode)
{
	return sys_faccessat2(AT_FDCWD, filename, mode, 0);
}

long sys_umask(int mask)
{
	return set_current_umask(mask & 0777);
}

long sys_truncate(const char *path, s64 length)
{
	struct path p;
	long err = user_path_at(AT_FDCWD, path, LOOKUP_FOLLOW, &p);

	if (err)
		return err;
	err = vfs_truncate(&p, length);
	path_put(&p);
	return err;
}

long sys_ftruncate(unsigned int fd, s64 length)
{
	struct file *f;
	long err;

	if (length < 0)
		return -EINVAL;
	f = fget(fd);
	if (!f)
		return -EBADF;
	if (!S_ISREG(f->f_inode->i_mode) || !(f->f_mode & FMODE_WRITE))
		err = -EINVAL;
	else
		err = do_truncate(f->f_path.dentry, length);
	fput(f);
	return err;
}

long sys_fsync(unsigned int fd)
{
	struct file *f = fget(fd);
	long err;

	if (!f)
		return -EBADF;
	err = f->f_op->fsync ? f->f_op->fsync(f) : -EINVAL;
	fput(f);
	return err;
}

long sys_sync(void)
{
	sync_filesystems();
	return 0;	/* sync(2) cannot fail */
}

long sys_syncfs(int fd)
{
	struct file *f = fget(fd);
	struct super_block *sb;
	long err = 0;

	if (!f)
		return -EBADF;
	sb = f->f_inode->i_sb;
	if (sb->s_op && sb->s_op->sync_fs)
		err = sb->s_op->sync_fs(sb);
	fput(f);
	return err;
}

/*
 * fallocate: Linux's checks, in Linux's order; then no file system of
 * Pagoda preallocates (ext2 does not on Linux either): EOPNOTSUPP.
 */
long sys_fallocate(int fd, int mode, s64 offset, s64 len)
{
	struct file *f = fget(fd);
	struct inode *inode;
	long err;

	if (!f)
		return -EBADF;
	inode = f->f_inode;
	if (offset < 0 || len <= 0)
		err = -EINVAL;
	else if (mode)
		err = -EOPNOTSUPP;
	else if (!(f->f_mode & FMODE_WRITE))
		err = -EBADF;
	else if (S_ISFIFO(inode->i_mode))
		err = -ESPIPE;
	else if (S_ISDIR(inode->i_mode))
		err = -EISDIR;
	else if (!S_ISREG(inode->i_mode) && !S_ISBLK(inode->i_mode))
		err = -ENODEV;
	else if (offset + len < 0 || (u64)(offset + len) > inode->i_sb->s_maxbytes)
		err = -EFBIG;
	else
		err = -EOPNOTSUPP;
	fput(f);
	return err;
}

/* The file's metadata goes too: Pagoda's fsync does not tell the two apart. */
long sys_fdatasync(unsigned int fd)
{
	return sys_fsync(fd);
}

long sys_fchmodat(int dfd, const char *filename, umode_t mode)
{
	char *name = getname(filename);
	long err;

	if (IS_ERR(name))
		return PTR_ERR(name);
	err = do_fchmodat(dfd, name, mode, LOOKUP_FOLLOW);
	putname(name);
	return err;
}

long sys_chmod(const char *filename, umode_t mode)
{
	return sys_fchmodat(AT_FDCWD, filename, mode);
}

long sys_fchmod(unsigned int fd, umode_t mode)
{
	struct file *f = fget(fd);
	long err;

	if (!f)
		return -EBADF;
	err = chmod_common(&f->f_path, mode);
	fput(f);
	return err;
}

/* (u32)-1 means "do not change". */
static s64 id_arg(u32 id)
{
	return id == (u32)-1 ? -1 : (s64)id;
}

long sys_fchownat(int dfd, const char *filename, u32 user, u32 group, int flag)
{
	int lookup = at_lookup_flags(flag, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH);
	struct path path;
	long err;

	if (lookup < 0)
		return lookup;
	err = user_path_at(dfd, filename, lookup, &path);
	if (err)
		return err;
	err = chown_common(&path, id_arg(user), id_arg(group));
	path_put(&path);
	return err;
}

long sys_chown(const char *filename, u32 user, u32 group)
{
	return sys_fchownat(AT_FDCWD, filename, user, group, 0);
}

long sys_lchown(const char *filename, u32 user, u32 group)
{
	return sys_fchownat(AT_FDCWD, filename, user, group, AT_SYMLINK_NOFOLLOW);
}

long sys_fchown(unsigned int fd, u32 user, u32 group)
{
	struct file *f = fget(fd);
	long err;

	if (!f)
		return -EBADF;
	err = chown_common(&f->f_path, id_arg(user), id_arg(group));
	fput(f);
	return err;
}

static bool valid_time(const struct timespec64 *t)
{
	return t->tv_nsec == UTIME_NOW || t->tv_nsec == UTIME_OMIT ||
	       (t->tv_nsec >= 0 && t->tv_nsec < 1000000000l);
}

long sys_utimensat(int dfd, const char *filename, const struct timespec64 *utimes, int flags)
{
	int lookup = at_lookup_flags(flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH);
	struct timespec64 times[2], *tp = NULL;
	struct path path;
	long err;

	if (lookup < 0)
		return lookup;
	if (utimes) {
		if (copy_from_user(times, utimes, sizeof(times)))
			return -EFAULT;
		if (!valid_time(&times[0]) || !valid_time(&times[1]))
			return -EINVAL;
		tp = times;
	}
	if (filename) {
		err = user_path_at(dfd, filename, lookup, &path);
	} else {
		/* Linux's futimens: a NULL name means dfd itself. */
		struct file *f = fget(dfd);

		if (!f)
			return -EBADF;
		path = f->f_path;
		path_get(&path);
		fput(f);
		err = 0;
	}
	if (err)
		return err;
	err = vfs_utimes(&path, tp);
	path_put(&path);
	return err;
}
