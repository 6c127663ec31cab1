/*
 * Self-tests for path lookup (fs/namei.c): ".", "..", slashes, symlinks
 * and their limits, name lengths, mount crossing.  They need vfs_init()
 * to have run (kernel_init does it before the self-tests).
 */
#include <errno.h>
#include <kmalloc.h>
#include <ktest.h>
#include <printk.h>
#include <string.h>
#include <vfs_namei.h>
#include <vfs_ops.h>
#include <vfs_test.h>

/* Look path up; the dentry's inode number, or -errno. */
static s64 lookup_ino(const char *path, unsigned int flags)
{
	struct path p;
	s64 ino;
	int err = path_lookupat(AT_FDCWD, path, flags, &p);

	if (err)
		return err;
	ino = p.dentry->d_inode->i_ino;
	path_put(&p);
	return ino;
}

KTEST(namei_dots_and_slashes)
{
	KEXPECT_EQ(do_mkdirat(AT_FDCWD, "/kt_n", 0755), 0);
	KEXPECT_EQ(do_mkdirat(AT_FDCWD, "/kt_n/d", 0755), 0);
	KEXPECT_EQ(kt_put_file("/kt_n/d/f", "F"), 0);

	KEXPECT_EQ(lookup_ino("/kt_n/d/.", 0), lookup_ino("/kt_n/d", 0));
	KEXPECT_EQ(lookup_ino("/kt_n/d/..", 0), lookup_ino("/kt_n", 0));
	KEXPECT_EQ(lookup_ino("/kt_n/./d/../d/./f", 0), lookup_ino("/kt_n/d/f", 0));
	KEXPECT_EQ(lookup_ino("//kt_n///d//f", 0), lookup_ino("/kt_n/d/f", 0));
	KEXPECT_EQ(lookup_ino("/..", 0), lookup_ino("/", 0));
	KEXPECT_EQ(lookup_ino("/../../.", 0), lookup_ino("/", 0));
	/* No lexical shortcuts: ".." after a file or a missing name fails. */
	KEXPECT_EQ(lookup_ino("/kt_n/d/f/..", 0), -ENOTDIR);
	KEXPECT_EQ(lookup_ino("/kt_n/missing/..", 0), -ENOENT);
	KEXPECT_EQ(lookup_ino("/kt_n/d/f/x", 0), -ENOTDIR);
	/* A trailing slash demands a directory. */
	KEXPECT(lookup_ino("/kt_n/d/", 0) > 0);
	KEXPECT(lookup_ino("/kt_n/d///", 0) > 0);
	KEXPECT_EQ(lookup_ino("/kt_n/d/f/", 0), -ENOTDIR);
	KEXPECT_EQ(lookup_ino("", 0), -ENOENT);
	KEXPECT(lookup_ino("", LOOKUP_EMPTY) > 0);	/* the working directory */

	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_n/d/f"), 0);
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_n/d"), 0);
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_n"), 0);
}

KTEST(namei_symlinks_follow_and_loop)
{
	char a[16], b[16];
	struct stat st;

	KEXPECT_EQ(do_mkdirat(AT_FDCWD, "/kt_s", 0755), 0);
	KEXPECT_EQ(do_mkdirat(AT_FDCWD, "/kt_s/d", 0755), 0);
	KEXPECT_EQ(kt_put_file("/kt_s/d/f", "via link"), 0);
	KEXPECT_EQ(do_symlinkat("f", AT_FDCWD, "/kt_s/d/rel"), 0);
	KEXPECT_EQ(do_symlinkat("/kt_s/d", AT_FDCWD, "/kt_s/abs"), 0);
	KEXPECT_EQ(do_symlinkat("d", AT_FDCWD, "/kt_s/dirlink"), 0);
	KEXPECT_EQ(do_symlinkat("self", AT_FDCWD, "/kt_s/self"), 0);

	/* Relative targets resolve from the link's directory. */
	KEXPECT_EQ(lookup_ino("/kt_s/d/rel", LOOKUP_FOLLOW), lookup_ino("/kt_s/d/f", 0));
	KEXPECT_EQ(lookup_ino("/kt_s/abs/rel", LOOKUP_FOLLOW), lookup_ino("/kt_s/d/f", 0));
	KEXPECT_EQ(lookup_ino("/kt_s/dirlink/f", 0), lookup_ino("/kt_s/d/f", 0));
	/* Without LOOKUP_FOLLOW the last link is the result; a slash follows it anyway. */
	KEXPECT_EQ(kt_stat("/kt_s/dirlink", &st, false), 0);
	KEXPECT(S_ISLNK(st.st_mode));
	KEXPECT_EQ(st.st_size, 1);
	KEXPECT_EQ(lookup_ino("/kt_s/dirlink/", 0), lookup_ino("/kt_s/d", 0));
	KEXPECT_EQ(lookup_ino("/kt_s/self", LOOKUP_FOLLOW), -ELOOP);
	KEXPECT_EQ(lookup_ino("/kt_s/self/x", 0), -ELOOP);
	KEXPECT(lookup_ino("/kt_s/self", 0) > 0);

	/* A chain l40 -> l39 -> ... -> l0 -> d/f: 40 links resolve, 41 do not. */
	KEXPECT_EQ(do_symlinkat("d/f", AT_FDCWD, "/kt_s/l0"), 0);
	for (int i = 1; i <= 40; i++) {
		snprintf(a, sizeof(a), "/kt_s/l%d", i);
		snprintf(b, sizeof(b), "l%d", i - 1);
		KEXPECT_EQ(do_symlinkat(b, AT_FDCWD, a), 0);
	}
	KEXPECT_EQ(lookup_ino("/kt_s/l39", LOOKUP_FOLLOW), lookup_ino("/kt_s/d/f", 0));
	KEXPECT_EQ(lookup_ino("/kt_s/l40", LOOKUP_FOLLOW), -ELOOP);

	for (int i = 0; i <= 40; i++) {
		snprintf(a, sizeof(a), "/kt_s/l%d", i);
		KEXPECT_EQ(do_unlinkat(AT_FDCWD, a), 0);
	}
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_s/self"), 0);
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_s/dirlink"), 0);
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_s/abs"), 0);
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_s/d/rel"), 0);
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_s/d/f"), 0);
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_s/d"), 0);
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_s"), 0);
}

KTEST(namei_name_length_limits)
{
	char *path = kmalloc(PATH_MAX + 16, GFP_KERNEL);

	if (!KEXPECT(path != NULL))
		return;
	/* A 255-byte component is fine, 256 is not, whether or not it exists. */
	path[0] = '/';
	memset(path + 1, 'n', 255);
	path[256] = '\0';
	KEXPECT_EQ(do_mkdirat(AT_FDCWD, path, 0755), 0);
	KEXPECT(lookup_ino(path, 0) > 0);
	KEXPECT_EQ(do_rmdir(AT_FDCWD, path), 0);
	path[256] = 'n';
	path[257] = '\0';
	KEXPECT_EQ(lookup_ino(path, 0), -ENAMETOOLONG);
	KEXPECT_EQ(do_mkdirat(AT_FDCWD, path, 0755), -ENAMETOOLONG);
	/* 4095 bytes are looked up, 4096 (no room for the NUL) are refused. */
	for (int i = 0; i < 4094; i += 2)
		memcpy(path + i, "./", 2);
	path[4094] = 'x';
	path[4095] = '\0';
	KEXPECT_EQ(lookup_ino(path, 0), -ENOENT);
	path[4095] = 'y';
	path[4096] = '\0';
	KEXPECT_EQ(lookup_ino(path, 0), -ENAMETOOLONG);
	kfree(path);
}

KTEST(namei_crosses_mounts)
{
	struct stat root, dev, null;

	/* /dev is a tmpfs of its own: a different device, and ".." leads back. */
	KEXPECT_EQ(kt_stat("/", &root, true), 0);
	KEXPECT_EQ(kt_stat("/dev", &dev, true), 0);
	KEXPECT_EQ(kt_stat("/dev/null", &null, true), 0);
	KEXPECT(root.st_dev != dev.st_dev);
	KEXPECT_EQ(null.st_dev, dev.st_dev);
	KEXPECT(S_ISCHR(null.st_mode));
	KEXPECT_EQ(null.st_rdev, 0x103);	/* makedev(1, 3) */
	KEXPECT_EQ(lookup_ino("/dev/..", 0), root.st_ino);
	KEXPECT_EQ(lookup_ino("/dev/../dev/./null", 0), null.st_ino);
	/* Names cannot be moved or linked between file systems. */
	KEXPECT_EQ(kt_put_file("/kt_x", "x"), 0);
	KEXPECT_EQ(do_renameat2(AT_FDCWD, "/kt_x", AT_FDCWD, "/dev/kt_x", 0), -EXDEV);
	KEXPECT_EQ(do_linkat(AT_FDCWD, "/kt_x", AT_FDCWD, "/dev/kt_x", 0), -EXDEV);
	/* A mount point cannot be removed. */
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/dev"), -EBUSY);
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_x"), 0);
}
