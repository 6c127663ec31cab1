/*
 * Calls that change names: mkdir, mknod, rmdir, unlink, symlink, link,
 * rename and their *at forms; readlink.
 */
#include <err.h>
#include <errno.h>
#include <fs_syscalls.h>
#include <string.h>
#include <usercopy.h>
#include <vfs_namei.h>
#include <vfs_ops.h>

/* Copy two user names in: 0 with both, or -errno with neither. */
static long getname2(const char *u1, const char *u2, char **n1, char **n2)
{
	*n1 = getname(u1);
	if (IS_ERR(*n1))
		return PTR_ERR(*n1);
	*n2 = getname(u2);
	if (IS_ERR(*n2)) {
		putname(*n1);
		return PTR_ERR(*n2);
	}
	return 0;
}

long sys_mkdirat(int dfd, const char *pathname, umode_t mode)
{
	char *name = getname(pathname);
	long err;

	if (IS_ERR(name))
		return PTR_ERR(name);
	err = do_mkdirat(dfd, name, mode);
	putname(name);
	return err;
}

long sys_mkdir(const char *pathname, umode_t mode)
{
	return sys_mkdirat(AT_FDCWD, pathname, mode);
}

/* A device number as user space encodes it (Linux's new_decode_dev). */
static dev_t decode_dev(unsigned int dev)
{
	return MKDEV((dev & 0xfff00) >> 8, (dev & 0xff) | ((dev >> 12) & 0xfff00));
}

long sys_mknodat(int dfd, const char *filename, umode_t mode, unsigned int dev)
{
	char *name = getname(filename);
	long err;

	if (IS_ERR(name))
		return PTR_ERR(name);
	err = do_mknodat(dfd, name, mode, decode_dev(dev));
	putname(name);
	return err;
}

long sys_mknod(const char *filename, umode_t mode, unsigned int dev)
{
	return sys_mknodat(AT_FDCWD, filename, mode, dev);
}

long sys_unlinkat(int dfd, const char *pathname, int flag)
{
	char *name;
	long err;

	if (flag & ~AT_REMOVEDIR)
		return -EINVAL;
	name = getname(pathname);
	if (IS_ERR(name))
		return PTR_ERR(name);
	err = (flag & AT_REMOVEDIR) ? do_rmdir(dfd, name) : do_unlinkat(dfd, name);
	putname(name);
	return err;
}

long sys_unlink(const char *pathname)
{
	return sys_unlinkat(AT_FDCWD, pathname, 0);
}

long sys_rmdir(const char *pathname)
{
	return sys_unlinkat(AT_FDCWD, pathname, AT_REMOVEDIR);
}

long sys_symlinkat(const char *oldname, int newdfd, const char *newname)
{
	char *target, *name;
	long err = getname2(oldname, newname, &target, &name);

	if (err)
		return err;
	err = do_symlinkat(target, newdfd, name);
	putname(name);
	putname(target);
	return err;
}

long sys_symlink(const char *oldname, const char *newname)
{
	return sys_symlinkat(oldname, AT_FDCWD, newname);
}

long sys_linkat(int olddfd, const char *oldname, int newdfd, const char *newname, int flags)
{
	char *from, *to;
	long err = getname2(oldname, newname, &from, &to);

	if (err)
		return err;
	err = do_linkat(olddfd, from, newdfd, to, flags);
	putname(to);
	putname(from);
	return err;
}

long sys_link(const char *oldname, const char *newname)
{
	return sys_linkat(AT_FDCWD, oldname, AT_FDCWD, newname, 0);
}

long sys_renameat2(int olddfd, const char *oldname, int newdfd, const char *newname,
		   unsigned int flags)
{
	char *from, *to;
	long err = getname2(oldname, newname, &from, &to);

	if (err)
		return err;
	err = do_renameat2(olddfd, from, newdfd, to, flags);
	putname(to);
	putname(from);
	return err;
}

long sys_renameat(int olddfd, const char *oldname, int newdfd, const char *newname)
{
	return sys_renameat2(olddfd, oldname, newdfd, newname, 0);
}

long sys_rename(const char *oldname, const char *newname)
{
	return sys_renameat2(AT_FDCWD, oldname, AT_FDCWD, newname, 0);
}

long sys_readlinkat(int dfd, const char *pathname, char *buf, int bufsiz)
{
	struct path path;
	struct inode *inode;
	long ret;

	if (bufsiz <= 0)
		return -EINVAL;
	ret = user_path_at(dfd, pathname, LOOKUP_EMPTY, &path);
	if (ret)
		return ret;
	inode = path.dentry->d_inode;
	if (!S_ISLNK(inode->i_mode)) {
		ret = -EINVAL;
	} else {
		/* The target stays put while we hold the inode (through the path). */
		size_t len = MIN(strlen(inode->i_link), (size_t)bufsiz);

		ret = copy_to_user(buf, inode->i_link, len) ? -EFAULT : (long)len;
	}
	path_put(&path);
	return ret;
}

long sys_readlink(const char *path, char *buf, int bufsiz)
{
	return sys_readlinkat(AT_FDCWD, path, buf, bufsiz);
}
