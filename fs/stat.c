/*
 * File status: struct stat and struct statfs, in Linux's x86-64 layout.
 */
#include <errno.h>
#include <string.h>
#include <vfs_namei.h>
#include <vfs_ops.h>

_Static_assert(sizeof(struct stat) == 144, "struct stat is 144 bytes on x86-64");
_Static_assert(sizeof(struct statfs) == 120, "struct statfs is 120 bytes on x86-64");

/* The device number as user space sees it (Linux's new_encode_dev). */
static u64 encode_dev(dev_t dev)
{
	u64 major = dev_major(dev), minor = dev_minor(dev);

	return (minor & 0xff) | (major << 8) | ((minor & ~0xfful) << 12);
}

void vfs_getattr(const struct path *path, struct stat *st)
{
	struct inode *inode = path->dentry->d_inode;

	memset(st, 0, sizeof(*st));
	st->st_dev = encode_dev(inode->i_sb->s_dev);
	st->st_ino = inode->i_ino;
	st->st_rdev = encode_dev(inode->i_rdev);
	st->st_size = READ_ONCE(inode->i_size);
	st->st_blksize = PAGE_SIZE;
	if (inode->i_sb->s_op && inode->i_sb->s_op->inode_blocks)
		st->st_blocks = inode->i_sb->s_op->inode_blocks(inode);
	else
		st->st_blocks = READ_ONCE(inode->i_mapping->nrpages) * (PAGE_SIZE / 512);
	spin_lock(&inode->i_lock);
	st->st_mode = inode->i_mode;
	st->st_nlink = inode->i_nlink;
	st->st_uid = inode->i_uid;
	st->st_gid = inode->i_gid;
	st->st_atime = inode->i_atime.tv_sec;
	st->st_atime_nsec = inode->i_atime.tv_nsec;
	st->st_mtime = inode->i_mtime.tv_sec;
	st->st_mtime_nsec = inode->i_mtime.tv_nsec;
	st->st_ctime = inode->i_ctime.tv_sec;
	st->st_ctime_nsec = inode->i_ctime.tv_nsec;
	spin_unlock(&inode->i_lock);
}

int vfs_fstatat(int dfd, const char *name, struct stat *st, int flags)
{
	int lookup = at_lookup_flags(flags, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH);
	struct path path;
	int err;

	if (lookup < 0)
		return lookup;
	err = path_lookupat(dfd, name, lookup, &path);
	if (err)
		return err;
	vfs_getattr(&path, st);
	path_put(&path);
	return 0;
}

int vfs_statfs(const struct path *path, struct statfs *buf)
{
	struct super_block *sb = path->dentry->d_sb;
	int err;

	memset(buf, 0, sizeof(*buf));
	/* A file system with nothing to count (proc, pipefs): no blocks, as Linux's simple_statfs. */
	buf->f_bsize = PAGE_SIZE;
	if (sb->s_op && sb->s_op->statfs) {
		err = sb->s_op->statfs(sb, buf);
		if (err)
			return err;
	}
	buf->f_type = sb->s_magic;
	buf->f_flags |= ST_VALID;
	if (!buf->f_namelen)
		buf->f_namelen = NAME_MAX;
	if (!buf->f_frsize)
		buf->f_frsize = buf->f_bsize;
	return 0;
}
