/*
 * tmpfs regular files: their data lives only in the page cache.
 *
 * Reads and writes go through the generic page-cache routines
 * (mm/filemap.c), so mmap of a tmpfs file sees the very pages read() and
 * write() use.  A page that was never written reads as zeros: readpage
 * just clears it.  Truncation drops the pages past the new size, and
 * truncate_pagecache clears the tail of the last one, so that growing
 * the file again later shows zeros there, not old data; it
 * first takes the pages out of every process that maps them.
 *
 * shmem_file_create() makes the unnamed files behind shared anonymous
 * mappings (MAP_SHARED|MAP_ANONYMOUS) on an internal tmpfs instance.
 */
#include <err.h>
#include <errno.h>
#include <page.h>
#include <string.h>
#include <vfs_internal.h>

static struct vfsmount *shm_mnt;

static int tmpfs_readpage(struct file *file, struct page *page)
{
	(void)file;
	memset(page_address(page), 0, PAGE_SIZE);
	page_set_flag(page, PG_uptodate);
	unlock_page(page);
	return 0;
}

const struct address_space_operations tmpfs_aops = {
	.readpage = tmpfs_readpage,
	.holes_are_zero = true,
	.unevictable = true,	/* no disk, no swap: the cache is the data */
};

const struct file_operations tmpfs_file_ops = {
	.read = generic_file_read,
	.write = generic_file_write,
	.llseek = generic_file_llseek,
	.fsync = noop_fsync,
};

/* Called with the inode's i_rwsem held exclusive: the truncate protocol of docs/design.md. */
static void tmpfs_setsize(struct inode *inode, u64 size)
{
	u64 old = inode->i_size;

	down_write(&inode->i_mapping->invalidate_lock);
	WRITE_ONCE(inode->i_size, size);	/* first: a racing fault past it gets SIGBUS */
	if (size < old)
		truncate_pagecache(inode, size);	/* also zeroes the last page's tail */
	up_write(&inode->i_mapping->invalidate_lock);
}

int tmpfs_setattr(struct dentry *dentry, const struct iattr *attr)
{
	struct inode *inode = dentry->d_inode;

	if (attr->ia_valid & ATTR_SIZE) {
		if (!S_ISREG(inode->i_mode))
			return -EINVAL;
		tmpfs_setsize(inode, attr->ia_size);
	}
	setattr_copy(inode, attr);
	return 0;
}

void shmem_init(void)
{
	shm_mnt = vfs_kern_mount(&tmpfs_fs_type, NULL, NULL);
	if (IS_ERR(shm_mnt))
		panic("shmem: cannot mount its tmpfs: %ld", PTR_ERR(shm_mnt));
}

struct file *shmem_file_create(u64 size)
{
	struct super_block *sb = shm_mnt->mnt_sb;
	struct inode *inode;
	struct path path;
	struct file *f;

	if (size > sb->s_maxbytes)
		return ERR_PTR(-EINVAL);
	inode = tmpfs_get_inode(sb, S_IFREG | 0600, 0);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	clear_nlink(inode);	/* in no directory */
	inode->i_size = size;
	path.mnt = shm_mnt;
	path.dentry = d_alloc_anon(sb, inode, "dev/zero");
	if (!path.dentry) {
		iput(inode);
		return ERR_PTR(-ENOMEM);
	}
	f = vfs_open(&path, O_RDWR);
	dput(path.dentry);	/* the file holds its own reference now */
	return f;
}
