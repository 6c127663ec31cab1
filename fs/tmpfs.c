/*
 * tmpfs: a file system that lives in memory only.
 *
 * Directories exist only as dentries: every name tmpfs holds is a dentry
 * that tmpfs keeps one extra reference on (the "pin"), so the dcache never
 * forgets it; lookup of a name that is not in the dcache therefore means
 * "no such file".  Listing a directory walks its dentries
 * (dcache_readdir).  Regular files keep their data in the page cache
 * (fs/tmpfs_file.c); symlinks keep their target in i_link.
 *
 * Like Linux's tmpfs, a directory's size is 20 bytes per entry (counting
 * "." and ".."), and its link count is 2 plus one per subdirectory.
 *
 * Every directory operation runs with the directory's i_rwsem held
 * exclusive (the VFS takes it), which protects the directory's i_size.
 */
#include <err.h>
#include <errno.h>
#include <kmalloc.h>
#include <page.h>
#include <string.h>
#include <vfs_internal.h>

#define TMPFS_MAGIC 0x01021994
#define BOGO_DIRENT_SIZE 20

static const struct inode_operations tmpfs_dir_inode_ops;
static const struct file_operations tmpfs_dir_ops = {
	.llseek = generic_file_llseek,
	.iterate = dcache_readdir,
	.fsync = noop_fsync,
};
static const struct inode_operations tmpfs_other_inode_ops = {
	.setattr = tmpfs_setattr,
};

struct inode *tmpfs_get_inode(struct super_block *sb, umode_t mode, dev_t dev)
{
	struct inode *inode = new_inode(sb);

	if (!inode)
		return NULL;
	inode->i_mode = mode;
	mapping_init(&inode->i_data, inode, &tmpfs_aops);
	switch (mode & S_IFMT) {
	case S_IFREG:
		inode->i_op = &tmpfs_other_inode_ops;
		inode->i_fop = &tmpfs_file_ops;
		break;
	case S_IFDIR:
		inode->i_op = &tmpfs_dir_inode_ops;
		inode->i_fop = &tmpfs_dir_ops;
		inode->i_nlink = 2;	/* its name and its "." */
		inode->i_size = 2 * BOGO_DIRENT_SIZE;
		break;
	case S_IFLNK:
		inode->i_op = &tmpfs_other_inode_ops;
		break;
	default:
		inode->i_op = &tmpfs_other_inode_ops;
		init_special_inode(inode, mode, dev);
		break;
	}
	return inode;
}

/* Give dentry its inode and pin it: the name now exists. */
static void tmpfs_add_name(struct inode *dir, struct dentry *dentry, struct inode *inode)
{
	d_instantiate(dentry, inode);
	dget(dentry);
	dir->i_size += BOGO_DIRENT_SIZE;
	inode_touch_mtime(dir);
}

/* Every name tmpfs has is in the dcache already: this one does not exist. */
static int tmpfs_lookup(struct inode *dir, struct dentry *dentry)
{
	(void)dir;
	d_add(dentry, NULL);
	return 0;
}

static int tmpfs_mknod(struct inode *dir, struct dentry *dentry, umode_t mode, dev_t dev)
{
	struct inode *inode = tmpfs_get_inode(dir->i_sb, mode, dev);

	if (!inode)
		return -ENOSPC;
	tmpfs_add_name(dir, dentry, inode);
	return 0;
}

static int tmpfs_create(struct inode *dir, struct dentry *dentry, umode_t mode)
{
	return tmpfs_mknod(dir, dentry, mode | S_IFREG, 0);
}

static int tmpfs_mkdir(struct inode *dir, struct dentry *dentry, umode_t mode)
{
	int err = tmpfs_mknod(dir, dentry, mode | S_IFDIR, 0);

	if (!err)
		inc_nlink(dir);	/* the new directory's ".." */
	return err;
}

static int tmpfs_symlink(struct inode *dir, struct dentry *dentry, const char *target)
{
	size_t len = strlen(target);
	struct inode *inode;

	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	inode = tmpfs_get_inode(dir->i_sb, S_IFLNK | 0777, 0);
	if (!inode)
		return -ENOSPC;
	inode->i_link = kmalloc(len + 1, GFP_KERNEL);
	if (!inode->i_link) {
		iput(inode);
		return -ENOSPC;
	}
	memcpy(inode->i_link, target, len + 1);
	inode->i_size = len;
	tmpfs_add_name(dir, dentry, inode);
	return 0;
}

static int tmpfs_link(struct dentry *old, struct inode *dir, struct dentry *dentry)
{
	struct inode *inode = old->d_inode;

	inc_nlink(inode);
	ihold(inode);
	inode_touch_ctime(inode);
	tmpfs_add_name(dir, dentry, inode);
	return 0;
}

static int tmpfs_unlink(struct inode *dir, struct dentry *dentry)
{
	struct inode *inode = dentry->d_inode;

	drop_nlink(inode);
	inode_touch_ctime(inode);
	dir->i_size -= BOGO_DIRENT_SIZE;
	inode_touch_mtime(dir);
	dput(dentry);	/* the pin: the name is gone */
	return 0;
}

static int tmpfs_rmdir(struct inode *dir, struct dentry *dentry)
{
	if (!d_dir_is_empty(dentry))
		return -ENOTEMPTY;
	drop_nlink(dentry->d_inode);	/* its "." */
	drop_nlink(dir);		/* its ".." */
	return tmpfs_unlink(dir, dentry);
}

static int tmpfs_rename(struct inode *old_dir, struct dentry *old_dentry,
			struct inode *new_dir, struct dentry *new_dentry)
{
	bool is_dir = d_is_dir(old_dentry);

	if (!d_is_negative(new_dentry)) {
		int err = is_dir ? tmpfs_rmdir(new_dir, new_dentry) : tmpfs_unlink(new_dir, new_dentry);

		if (err)
			return err;
	}
	if (is_dir && old_dir != new_dir) {
		drop_nlink(old_dir);	/* the moved directory's ".." changes parent */
		inc_nlink(new_dir);
	}
	old_dir->i_size -= BOGO_DIRENT_SIZE;
	new_dir->i_size += BOGO_DIRENT_SIZE;
	inode_touch_mtime(old_dir);
	inode_touch_mtime(new_dir);
	inode_touch_ctime(old_dentry->d_inode);
	return 0;
}

static const struct inode_operations tmpfs_dir_inode_ops = {
	.lookup = tmpfs_lookup,
	.create = tmpfs_create,
	.mkdir = tmpfs_mkdir,
	.mknod = tmpfs_mknod,
	.symlink = tmpfs_symlink,
	.link = tmpfs_link,
	.unlink = tmpfs_unlink,
	.rmdir = tmpfs_rmdir,
	.rename = tmpfs_rename,
	.setattr = tmpfs_setattr,
};

static void tmpfs_evict_inode(struct inode *inode)
{
	truncate_inode_pages(&inode->i_data, 0);
	kfree(inode->i_link);
}

/* Like Linux's default, the size limit is half of RAM; what is free is the limit less what the files hold. */
static int tmpfs_statfs(struct super_block *sb, struct statfs *buf)
{
	u64 limit = nr_total_pages() / 2;
	u64 used = __atomic_load_n(&sb->s_cached_pages, __ATOMIC_RELAXED);
	u64 inodes;

	spin_lock(&sb->s_lock);
	inodes = sb->s_inodes;
	spin_unlock(&sb->s_lock);
	buf->f_bsize = PAGE_SIZE;
	buf->f_blocks = limit;
	buf->f_bfree = buf->f_bavail = limit > used ? limit - used : 0;
	buf->f_files = limit;
	buf->f_ffree = limit > inodes ? limit - inodes : 0;
	return 0;
}

/* Symlinks of 128 bytes or more keep their target in a page, as Linux's tmpfs does. */
#define TMPFS_SHORT_SYMLINK 128

static u64 tmpfs_inode_blocks(struct inode *inode)
{
	if (S_ISLNK(inode->i_mode))
		return inode->i_size >= TMPFS_SHORT_SYMLINK ? PAGE_SIZE / 512 : 0;
	return READ_ONCE(inode->i_mapping->nrpages) * (PAGE_SIZE / 512);
}

static const struct super_operations tmpfs_sops = {
	.evict_inode = tmpfs_evict_inode,
	.inode_blocks = tmpfs_inode_blocks,
	.statfs = tmpfs_statfs,
};

static struct super_block *tmpfs_mount(struct file_system_type *type, const char *source)
{
	struct super_block *sb = alloc_super(&tmpfs_sops, TMPFS_MAGIC);

	(void)type;
	(void)source;
	if (!sb)
		return ERR_PTR(-ENOMEM);
	return sb_set_root(sb, tmpfs_get_inode(sb, S_IFDIR | 0755, 0));
}

struct file_system_type tmpfs_fs_type = {
	.name = "tmpfs",
	.mount = tmpfs_mount,
};
