/*
 * stat, fstat, lstat, newfstatat; statfs, fstatfs.
 */
#include <err.h>
#include <errno.h>
#include <fs_syscalls.h>
#include <usercopy.h>
#include <vfs_namei.h>
#include <vfs_ops.h>

static long copy_stat(const struct stat *st, struct stat *ubuf)
{
	return copy_to_user(ubuf, st, sizeof(*st)) ? -EFAULT : 0;
}

long sys_newfstatat(int dfd, const char *filename, struct stat *statbuf, int flag)
{
	struct stat st;
	char *name = getname(filename);
	long err;

	if (IS_ERR(name))
		return PTR_ERR(name);
	err = vfs_fstatat(dfd, name, &st, flag);
	putname(name);
	return err ? err : copy_stat(&st, statbuf);
}

long sys_stat(const char *filename, struct stat *statbuf)
{
	return sys_newfstatat(AT_FDCWD, filename, statbuf, 0);
}

long sys_lstat(const char *filename, struct stat *statbuf)
{
	return sys_newfstatat(AT_FDCWD, filename, statbuf, AT_SYMLINK_NOFOLLOW);
}

long sys_fstat(int fd, struct stat *statbuf)
{
	struct file *f = fget(fd);
	struct stat st;

	if (!f)
		return -EBADF;
	vfs_getattr(&f->f_path, &st);
	fput(f);
	return copy_stat(&st, statbuf);
}

static long statfs_path(const struct path *path, struct statfs *ubuf)
{
	struct statfs buf;
	long err = vfs_statfs(path, &buf);

	if (err)
		return err;
	return copy_to_user(ubuf, &buf, sizeof(buf)) ? -EFAULT : 0;
}

long sys_statfs(const char *pathname, struct statfs *buf)
{
	struct path path;
	long err = user_path_at(AT_FDCWD, pathname, LOOKUP_FOLLOW, &path);

	if (err)
		return err;
	err = statfs_path(&path, buf);
	path_put(&path);
	return err;
}

long sys_fstatfs(int fd, struct statfs *buf)
{
	struct file *f = fget(fd);
	long err;

	if (!f)
		return -EBADF;
	err = statfs_path(&f->f_path, buf);
	fput(f);
	return err;
}
