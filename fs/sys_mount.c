/*
 * mount(2): attach a file system (by type name, with its device) over a
 * directory.  Every task is root, so no permission check; no mount flags
 * or options are understood yet, and there is no umount.
 */
#include <err.h>
#include <errno.h>
#include <fs.h>
#include <fs_syscalls.h>
#include <vfs_namei.h>

long sys_mount(const char *source, const char *target, const char *fstype, unsigned long flags,
	       const void *data)
{
	char *src = NULL, *dir, *type;
	long err;

	(void)flags;
	(void)data;
	dir = getname(target);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	type = getname(fstype);
	if (IS_ERR(type)) {
		putname(dir);
		return PTR_ERR(type);
	}
	if (source) {
		src = getname(source);
		if (IS_ERR(src)) {
			err = PTR_ERR(src);
			goto out;
		}
	}
	err = do_mount(src, dir, type);
	if (src)
		putname(src);
out:
	putname(type);
	putname(dir);
	return err;
}
