/*
 * Changing directories: create, mkdir, mknod, symlink, link, unlink, rmdir.
 *
 * The vfs_* functions check what the VFS can check (the kind of file, a
 * mount on the victim, the same file system for a link) and call the
 * directory's inode operation; they run with the directory's i_rwsem held
 * exclusive, which is what makes "look the name up, then change it" one
 * step for everybody else.  The do_* functions add the lookups.
 */
#include <err.h>
#include <errno.h>
#include <vfs_namei.h>
#include <vfs_ops.h>

int vfs_create(struct inode *dir, struct dentry *dentry, umode_t mode)
{
	if (!dir->i_op->create)
		return -EACCES;
	return dir->i_op->create(dir, dentry, (mode & S_IALLUGO) | S_IFREG);
}

int vfs_mkdir(struct inode *dir, struct dentry *dentry, umode_t mode)
{
	if (!dir->i_op->mkdir)
		return -EPERM;
	return dir->i_op->mkdir(dir, dentry, (mode & S_IALLUGO) | S_IFDIR);
}

int vfs_mknod(struct inode *dir, struct dentry *dentry, umode_t mode, dev_t dev)
{
	if (S_ISDIR(mode) || S_ISLNK(mode))
		return -EPERM;
	if (!dir->i_op->mknod)
		return -EPERM;
	return dir->i_op->mknod(dir, dentry, mode, dev);
}

int vfs_symlink(struct inode *dir, struct dentry *dentry, const char *target)
{
	if (!dir->i_op->symlink)
		return -EPERM;
	return dir->i_op->symlink(dir, dentry, target);
}

int vfs_link(struct dentry *old, struct inode *dir, struct dentry *new_dentry)
{
	struct inode *inode = old->d_inode;

	if (!inode)
		return -ENOENT;
	if (inode->i_sb != dir->i_sb)
		return -EXDEV;
	if (S_ISDIR(inode->i_mode))
		return -EPERM;	/* hard links to directories would make loops */
	if (!dir->i_op->link)
		return -EPERM;
	if (inode_nlink(inode) == 0)
		return -ENOENT;	/* already unlinked: it cannot come back */
	return dir->i_op->link(old, dir, new_dentry);
}

int vfs_unlink(struct inode *dir, struct dentry *dentry)
{
	int err;

	if (d_is_dir(dentry))
		return -EISDIR;
	if (is_mountpoint(dentry))
		return -EBUSY;
	if (!dir->i_op->unlink)
		return -EPERM;
	err = dir->i_op->unlink(dir, dentry);
	if (!err)
		d_delete(dentry);
	return err;
}

int vfs_rmdir(struct inode *dir, struct dentry *dentry)
{
	int err;

	if (!d_is_dir(dentry))
		return -ENOTDIR;
	if (is_mountpoint(dentry))
		return -EBUSY;
	if (!dir->i_op->rmdir)
		return -EPERM;
	err = dir->i_op->rmdir(dir, dentry);
	if (!err)
		d_delete(dentry);
	return err;
}

int do_mkdirat(int dfd, const char *name, umode_t mode)
{
	struct path parent;
	struct dentry *d = filename_create(dfd, name, true, &parent);
	int err;

	if (IS_ERR(d))
		return PTR_ERR(d);
	err = vfs_mkdir(parent.dentry->d_inode, d, mode & ~current_umask());
	done_path_create(&parent, d);
	return err;
}

int do_mknodat(int dfd, const char *name, umode_t mode, dev_t dev)
{
	struct path parent;
	struct dentry *d;
	struct inode *dir;
	int err;

	if ((mode & S_IFMT) == 0)
		mode |= S_IFREG;
	if (S_ISDIR(mode))
		return -EPERM;
	if (!S_ISREG(mode) && !S_ISCHR(mode) && !S_ISBLK(mode) && !S_ISFIFO(mode) &&
	    (mode & S_IFMT) != S_IFSOCK)
		return -EINVAL;
	d = filename_create(dfd, name, false, &parent);
	if (IS_ERR(d))
		return PTR_ERR(d);
	dir = parent.dentry->d_inode;
	mode &= ~current_umask();
	if (S_ISREG(mode))
		err = vfs_create(dir, d, mode);
	else
		err = vfs_mknod(dir, d, mode, dev);
	done_path_create(&parent, d);
	return err;
}

int do_symlinkat(const char *target, int dfd, const char *name)
{
	struct path parent;
	struct dentry *d;
	int err;

	if (!*target)
		return -ENOENT;
	d = filename_create(dfd, name, false, &parent);
	if (IS_ERR(d))
		return PTR_ERR(d);
	err = vfs_symlink(parent.dentry->d_inode, d, target);
	done_path_create(&parent, d);
	return err;
}

int do_linkat(int olddfd, const char *oldname, int newdfd, const char *newname, int flags)
{
	unsigned int how = 0;
	struct path old, parent;
	struct dentry *d;
	int err;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (flags & AT_SYMLINK_FOLLOW)
		how |= LOOKUP_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		how |= LOOKUP_EMPTY;
	err = path_lookupat(olddfd, oldname, how, &old);
	if (err)
		return err;
	d = filename_create(newdfd, newname, false, &parent);
	if (IS_ERR(d)) {
		path_put(&old);
		return PTR_ERR(d);
	}
	if (old.mnt != parent.mnt)
		err = -EXDEV;
	else
		err = vfs_link(old.dentry, parent.dentry->d_inode, d);
	done_path_create(&parent, d);
	path_put(&old);
	return err;
}

/*
 * Removing ".", ".." or "/": unlink calls them all directories; rmdir
 * gives Linux's error for each.
 */
static int dots_removal_error(enum last_type type, bool rmdir)
{
	if (!rmdir)
		return -EISDIR;
	switch (type) {
	case LAST_DOTDOT:
		return -ENOTEMPTY;
	case LAST_DOT:
		return -EINVAL;
	default:
		return -EBUSY;	/* LAST_ROOT */
	}
}

/*
 * unlink and rmdir: the victim is looked up with its parent locked, and
 * the parent stays locked until the victim is gone.
 */
static int do_remove(int dfd, const char *name, bool rmdir)
{
	struct nameidata nd;
	struct dentry *d;
	struct inode *dir;
	int err = path_parentat(dfd, name, &nd);

	if (err)
		return err;
	if (nd.last_type != LAST_NORM)
		d = ERR_PTR(dots_removal_error(nd.last_type, rmdir));
	else
		d = lookup_last_locked(&nd, true);
	if (IS_ERR(d)) {
		nd_release(&nd);
		return PTR_ERR(d);
	}
	dir = nd.path.dentry->d_inode;
	if (rmdir)
		err = vfs_rmdir(dir, d);
	else if (nd_trailing_slash(&nd))
		err = d_is_dir(d) ? -EISDIR : -ENOTDIR;	/* "name/" is never a file to unlink */
	else
		err = vfs_unlink(dir, d);
	inode_unlock(dir);
	dput(d);	/* after unlocking: this may free the file and its pages */
	nd_release(&nd);
	return err;
}

int do_unlinkat(int dfd, const char *name)
{
	return do_remove(dfd, name, false);
}

int do_rmdir(int dfd, const char *name)
{
	return do_remove(dfd, name, true);
}
