/*
 * open(): look a path up (creating its last component with O_CREAT),
 * check that the kind of file suits the flags, make a struct file, and
 * truncate with O_TRUNC.
 *
 * The last component gets special rules (Linux's, checked by
 * user/tests/files.c and dirs.c):
 *   - O_CREAT looks it up and creates it with the directory locked, so
 *     that two racing O_CREAT|O_EXCL opens cannot both succeed;
 *   - a final symlink is followed (its target, resolved from the link's
 *     directory, becomes the new last component and may be created),
 *     except with O_NOFOLLOW (ELOOP) or O_CREAT|O_EXCL (EEXIST);
 *   - "name/" must be a directory, and cannot be created (EISDIR).
 */
#include <err.h>
#include <errno.h>
#include <string.h>
#include <vfs_namei.h>
#include <vfs_ops.h>

/* Create or find the last component with O_CREAT; *created tells which. */
static int open_create(struct nameidata *nd, int flags, umode_t mode, struct path *next,
		       bool *created)
{
	struct inode *dir = nd->path.dentry->d_inode;
	struct dentry *d;
	int err = 0;

	inode_lock(dir);
	d = lookup_one(nd->path.dentry, &nd->last);
	if (IS_ERR(d)) {
		inode_unlock(dir);
		return PTR_ERR(d);
	}
	if (d_is_negative(d)) {
		err = vfs_create(dir, d, mode & ~current_umask());
		*created = !err;
	} else if (flags & O_EXCL) {
		err = -EEXIST;	/* even a dangling symlink: O_EXCL never follows */
	}
	inode_unlock(dir);
	if (err) {
		dput(d);
		return err;
	}
	next->mnt = nd->path.mnt;
	next->dentry = d;
	follow_mount(next);
	return 0;
}

/*
 * The last component: nd->path moves to it, or *link is set to a final
 * symlink the caller should follow (and then call us again).
 */
static int open_last(struct nameidata *nd, int flags, umode_t mode, struct inode **link,
		     bool *created)
{
	struct path next;
	int err;

	*link = NULL;
	if (nd->last_type != LAST_NORM) {
		if (flags & O_CREAT)
			return -EISDIR;	/* ".", ".." and "/" are directories */
		return nd_walk_dots(nd);
	}
	if (nd_trailing_slash(nd)) {
		if (flags & O_CREAT)
			return -EISDIR;
		nd->flags |= LOOKUP_FOLLOW | LOOKUP_DIRECTORY;
	}
	if (flags & O_CREAT)
		err = open_create(nd, flags, mode, &next, created);
	else
		err = lookup_child(&nd->path, &nd->last, &next);
	if (err)
		return err;
	return nd_step_or_link(nd, &next, nd->flags & LOOKUP_FOLLOW, link);
}

/* Is this kind of file openable with these flags? */
static int may_open(const struct nameidata *nd, int flags)
{
	struct inode *inode = nd->path.dentry->d_inode;
	bool writing = (flags & O_ACCMODE) != O_RDONLY;

	if (S_ISLNK(inode->i_mode) && !(flags & O_PATH))
		return -ELOOP;	/* O_NOFOLLOW met a symlink */
	if (((flags & O_DIRECTORY) || (nd->flags & LOOKUP_DIRECTORY)) && !S_ISDIR(inode->i_mode))
		return -ENOTDIR;
	if (flags & O_PATH)
		return 0;
	if (S_ISDIR(inode->i_mode) && (writing || (flags & (O_CREAT | O_TRUNC))))
		return -EISDIR;
	return 0;
}

struct file *do_filp_open(int dfd, const char *name, int flags, umode_t mode)
{
	unsigned int lookup = LOOKUP_FOLLOW;
	bool created = false;
	struct nameidata nd;
	struct inode *link;
	struct file *f;
	int err;

	if ((flags & O_TMPFILE) == O_TMPFILE)
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & O_NOFOLLOW) || (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		lookup = 0;
	err = nd_init(&nd, dfd, name, lookup);
	if (!err)
		err = link_path_walk(name, &nd);
	while (!err) {
		err = open_last(&nd, flags, mode, &link, &created);
		if (err || !link)
			break;
		err = nd_walk_link(&nd, link);
	}
	if (!err)
		err = may_open(&nd, flags);
	if (err) {
		nd_release(&nd);
		return ERR_PTR(err);
	}
	f = vfs_open(&nd.path, flags);
	nd_release(&nd);
	/* O_TRUNC truncates even with O_RDONLY, as on Linux (root may write anything). */
	if (IS_ERR(f) || created || !(flags & O_TRUNC) || !S_ISREG(f->f_inode->i_mode))
		return f;
	err = do_truncate(f->f_path.dentry, 0);
	if (err) {
		fput(f);
		return ERR_PTR(err);
	}
	return f;
}

struct file *filp_open(const char *path, int flags, umode_t mode)
{
	return do_filp_open(AT_FDCWD, path, flags, mode);
}

int do_sys_openat(int dfd, const char *name, int flags, umode_t mode)
{
	struct file *f = do_filp_open(dfd, name, flags, mode & S_IALLUGO);
	int fd;

	if (IS_ERR(f))
		return PTR_ERR(f);
	fd = fd_install_new(f, flags & O_CLOEXEC);
	if (fd < 0)
		fput(f);
	return fd;
}

int vfs_open_console_fds(void)
{
	struct file *f = filp_open("/dev/console", O_RDWR, 0);
	int err = 0;

	if (IS_ERR(f))
		return PTR_ERR(f);
	for (unsigned int fd = 0; fd < 3 && !err; fd++) {
		get_file(f);
		err = fd_replace(fd, f, false);
		if (err < 0)
			fput(f);
		else
			err = 0;
	}
	fput(f);
	return err;
}
