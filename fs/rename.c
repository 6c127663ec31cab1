/*
 * rename(): moving a name, possibly between directories, possibly over
 * an existing name.
 *
 * Locking: both parent directories are locked (their i_rwsem,
 * exclusive).  Two renames between the same two directories in opposite
 * directions would deadlock taking them in opposite orders, and a rename
 * could move a directory below itself if another changed the tree
 * between our checks and our locks; so renames between different
 * directories are serialized by the super block's s_rename_mutex, and
 * with it held the tree's shape is fixed: we lock an ancestor before its
 * descendant, and unrelated directories in any fixed order.
 */
#include <err.h>
#include <errno.h>
#include <vfs_namei.h>
#include <vfs_ops.h>

static void lock_rename(struct dentry *p1, struct dentry *p2)
{
	if (p1 == p2) {
		inode_lock(p1->d_inode);
		return;
	}
	mutex_lock(&p1->d_sb->s_rename_mutex);
	/* The second is a declared nesting for the lock validator: this is the fixed order. */
	if (d_ancestor(p2, p1)) {
		inode_lock(p2->d_inode);
		inode_lock_nested(p1->d_inode, SINGLE_DEPTH_NESTING);
	} else {
		inode_lock(p1->d_inode);
		inode_lock_nested(p2->d_inode, SINGLE_DEPTH_NESTING);
	}
}

static void unlock_rename(struct dentry *p1, struct dentry *p2)
{
	inode_unlock(p1->d_inode);
	if (p1 != p2) {
		inode_unlock(p2->d_inode);
		mutex_unlock(&p1->d_sb->s_rename_mutex);
	}
}

int vfs_rename(struct inode *old_dir, struct dentry *old_dentry,
	       struct inode *new_dir, struct dentry *new_dentry, unsigned int flags)
{
	struct inode *source = old_dentry->d_inode;
	struct inode *target = new_dentry->d_inode;
	bool is_dir = S_ISDIR(source->i_mode);
	int err;

	/* Two names of one file (or one name twice): nothing to do, says POSIX. */
	if (source == target)
		return 0;
	if (target && (flags & RENAME_NOREPLACE))
		return -EEXIST;
	if (target && is_dir && !S_ISDIR(target->i_mode))
		return -ENOTDIR;
	if (target && !is_dir && S_ISDIR(target->i_mode))
		return -EISDIR;
	if (is_mountpoint(old_dentry) || is_mountpoint(new_dentry))
		return -EBUSY;
	if (!old_dir->i_op->rename)
		return -EPERM;
	err = old_dir->i_op->rename(old_dir, old_dentry, new_dir, new_dentry);
	if (err)
		return err;
	d_move(old_dentry, new_dentry);
	return 0;
}

/* Look up both names in their locked parents and check the moves that the tree forbids. */
static int rename_locked(struct nameidata *oldnd, struct nameidata *newnd, unsigned int flags)
{
	struct dentry *old_parent = oldnd->path.dentry, *new_parent = newnd->path.dentry;
	struct dentry *old_dentry, *new_dentry;
	int err;

	old_dentry = lookup_one(old_parent, &oldnd->last);
	if (IS_ERR(old_dentry))
		return PTR_ERR(old_dentry);
	if (d_is_negative(old_dentry)) {
		dput(old_dentry);
		return -ENOENT;
	}
	new_dentry = lookup_one(new_parent, &newnd->last);
	if (IS_ERR(new_dentry)) {
		dput(old_dentry);
		return PTR_ERR(new_dentry);
	}
	if (!d_is_dir(old_dentry) && (nd_trailing_slash(oldnd) || nd_trailing_slash(newnd)))
		err = -ENOTDIR;
	else if (d_ancestor(old_dentry, new_parent))
		err = -EINVAL;		/* a directory cannot move below itself */
	else if (d_ancestor(new_dentry, old_parent))
		err = -ENOTEMPTY;	/* nor replace one of its ancestors */
	else
		err = vfs_rename(old_parent->d_inode, old_dentry, new_parent->d_inode, new_dentry,
				 flags);
	dput(new_dentry);
	dput(old_dentry);
	return err;
}

int do_renameat2(int olddfd, const char *oldname, int newdfd, const char *newname,
		 unsigned int flags)
{
	struct nameidata oldnd, newnd;
	int err;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if (flags & (RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;	/* not supported (tmpfs on Linux has EXCHANGE) */
	err = path_parentat(olddfd, oldname, &oldnd);
	if (err)
		return err;
	err = path_parentat(newdfd, newname, &newnd);
	if (err) {
		nd_release(&oldnd);
		return err;
	}
	if (oldnd.path.mnt != newnd.path.mnt)
		err = -EXDEV;
	else if (oldnd.last_type != LAST_NORM || newnd.last_type != LAST_NORM)
		err = -EBUSY;	/* ".", ".." or "/" */
	if (!err) {
		lock_rename(oldnd.path.dentry, newnd.path.dentry);
		err = rename_locked(&oldnd, &newnd, flags);
		unlock_rename(oldnd.path.dentry, newnd.path.dentry);
	}
	nd_release(&newnd);
	nd_release(&oldnd);
	return err;
}
