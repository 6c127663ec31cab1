/*
 * Changing and checking inode attributes: size (truncate), mode, owner,
 * times, and access permission.
 *
 * Every change goes through notify_change() with the inode's i_rwsem held
 * exclusive: the file system's setattr does what it must (tmpfs drops the
 * pages past a new size) and copies the rest.
 *
 * Permissions: there are no user ids yet, every task is root.  Root may
 * read and write anything; it may execute a file only if some execute bit
 * is set (directories can always be searched).  That is what
 * inode_permission() checks, and what access() reports.
 */
#include <errno.h>
#include <vfs_namei.h>
#include <vfs_ops.h>

static int notify_change(struct dentry *dentry, const struct iattr *attr)
{
	struct inode *inode = dentry->d_inode;

	if (attr->ia_valid & ATTR_SIZE) {
		int err = size_change_ok(inode, attr->ia_size);

		if (err)
			return err;
	}

	if (inode->i_op && inode->i_op->setattr)
		return inode->i_op->setattr(dentry, attr);
	if (attr->ia_valid & ATTR_SIZE)
		return -EPERM;
	setattr_copy(inode, attr);
	return 0;
}

static int setattr_locked(struct dentry *dentry, const struct iattr *attr)
{
	struct inode *inode = dentry->d_inode;
	int err;

	inode_lock(inode);
	err = notify_change(dentry, attr);
	inode_unlock(inode);
	return err;
}

int do_truncate(struct dentry *dentry, u64 length)
{
	struct timespec64 now = current_time();
	struct iattr attr = {
		.ia_valid = ATTR_SIZE | ATTR_MTIME | ATTR_CTIME,
		.ia_size = length,
		.ia_mtime = now,
		.ia_ctime = now,
	};

	return setattr_locked(dentry, &attr);
}

int vfs_truncate(const struct path *path, s64 length)
{
	struct inode *inode = path->dentry->d_inode;
	int err;

	if (S_ISDIR(inode->i_mode))
		return -EISDIR;
	if (!S_ISREG(inode->i_mode))
		return -EINVAL;
	if (length < 0)
		return -EINVAL;
	err = inode_permission(inode, W_OK);
	if (err)
		return err;
	return do_truncate(path->dentry, length);
}

int chmod_common(const struct path *path, umode_t mode)
{
	struct iattr attr = {
		.ia_valid = ATTR_MODE | ATTR_CTIME,
		.ia_mode = mode & S_IALLUGO,
		.ia_ctime = current_time(),
	};

	return setattr_locked(path->dentry, &attr);
}

int do_fchmodat(int dfd, const char *name, umode_t mode, unsigned int lookup_flags)
{
	struct path path;
	int err = path_lookupat(dfd, name, lookup_flags, &path);

	if (err)
		return err;
	err = chmod_common(&path, mode);
	path_put(&path);
	return err;
}

/* uid or gid -1: leave it as it is. */
int chown_common(const struct path *path, s64 uid, s64 gid)
{
	struct iattr attr = { .ia_valid = ATTR_CTIME, .ia_ctime = current_time() };
	umode_t mode = READ_ONCE(path->dentry->d_inode->i_mode);

	/*
	 * As on Linux, even for root: a file that changes hands loses its
	 * set-user-ID bit, and its set-group-ID bit when it is group-executable.
	 */
	if (!S_ISDIR(mode) && (mode & S_ISUID || (mode & (S_ISGID | 0010)) == (S_ISGID | 0010))) {
		attr.ia_valid |= ATTR_MODE;
		attr.ia_mode = mode & ~(S_ISUID | ((mode & 0010) ? S_ISGID : 0));
	}

	if (uid != -1) {
		attr.ia_valid |= ATTR_UID;
		attr.ia_uid = uid;
	}
	if (gid != -1) {
		attr.ia_valid |= ATTR_GID;
		attr.ia_gid = gid;
	}
	return setattr_locked(path->dentry, &attr);
}

/* One of utimensat's two times: sets *valid's bit and *t unless omitted. */
static void pick_time(const struct timespec64 *given, struct timespec64 now, unsigned int bit,
		      unsigned int *valid, struct timespec64 *t)
{
	if (given && given->tv_nsec == UTIME_OMIT)
		return;
	*valid |= bit;
	*t = (!given || given->tv_nsec == UTIME_NOW) ? now : *given;
}

int vfs_utimes(const struct path *path, const struct timespec64 *times)
{
	struct timespec64 now = current_time();
	struct iattr attr = { .ia_ctime = now };

	pick_time(times ? &times[0] : NULL, now, ATTR_ATIME, &attr.ia_valid, &attr.ia_atime);
	pick_time(times ? &times[1] : NULL, now, ATTR_MTIME, &attr.ia_valid, &attr.ia_mtime);
	if (!attr.ia_valid)
		return 0;	/* both omitted: not even ctime changes */
	attr.ia_valid |= ATTR_CTIME;
	return setattr_locked(path->dentry, &attr);
}

int inode_permission(struct inode *inode, int mask)
{
	if ((mask & X_OK) && !S_ISDIR(inode->i_mode) && !(inode->i_mode & S_IXUGO))
		return -EACCES;
	return 0;
}

int do_faccessat(int dfd, const char *name, int mode, int flags)
{
	struct path path;
	int lookup, err;

	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	lookup = at_lookup_flags(flags, AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH);
	if (lookup < 0)
		return lookup;
	err = path_lookupat(dfd, name, lookup, &path);
	if (err)
		return err;
	err = inode_permission(path.dentry->d_inode, mode);
	path_put(&path);
	return err;
}
