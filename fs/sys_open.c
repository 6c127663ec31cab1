/*
 * open, openat, creat, close.
 */
#include <err.h>
#include <errno.h>
#include <fs_syscalls.h>
#include <vfs_namei.h>
#include <vfs_ops.h>

long sys_openat(int dfd, const char *filename, int flags, umode_t mode)
{
	char *name = getname(filename);
	long fd;

	if (IS_ERR(name))
		return PTR_ERR(name);
	fd = do_sys_openat(dfd, name, flags, mode);
	putname(name);
	return fd;
}

long sys_open(const char *filename, int flags, umode_t mode)
{
	return sys_openat(AT_FDCWD, filename, flags, mode);
}

long sys_creat(const char *pathname, umode_t mode)
{
	return sys_openat(AT_FDCWD, pathname, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

long sys_close(unsigned int fd)
{
	return close_fd(fd);
}
