/*
 * ext2 regular files: reads and writes go through the page cache
 * (mm/filemap.c, the buffered write protocol); the address-space
 * operations in inode.c move pages to and from the disk and allocate
 * blocks before a write copies.  Here: truncation, fsync, attributes.
 */
#include <err.h>
#include <errno.h>
#include <string.h>
#include "ext2.h"

/*
 * The bytes of the last block past a new, smaller size must read as
 * zeros if the file grows again: zero them in the page and dirty it, so
 * the disk block gets the zeros too.
 */
static int ext2_zero_tail(struct inode *inode, u64 size)
{
	size_t offset = size & (PAGE_SIZE - 1);
	struct page *page;

	if (!offset)
		return 0;
	page = read_mapping_locked_page(inode->i_mapping, NULL, size >> PAGE_SHIFT);
	if (IS_ERR(page))
		return PTR_ERR(page);
	memset((char *)page_address(page) + offset, 0, PAGE_SIZE - offset);
	set_page_dirty(page);
	unlock_page(page);
	put_page(page);
	return 0;
}

/*
 * A new size (i_rwsem held; notify_change has checked it against the
 * limits): the truncate protocol of docs/design.md.
 */
static int ext2_setsize(struct inode *inode, u64 size)
{
	u64 old = inode->i_size;
	int err = 0;

	down_write(&inode->i_mapping->invalidate_lock);
	if (size < old)
		err = ext2_zero_tail(inode, size);
	if (!err) {
		WRITE_ONCE(inode->i_size, size);	/* first: a racing fault past it gets SIGBUS */
		if (size > old)
			pagecache_isize_extended(inode, old, size);
		if (size < old) {
			truncate_pagecache(inode, size);
			err = ext2_truncate_blocks(inode, size);	/* blocks after their pages */
		}
	}
	up_write(&inode->i_mapping->invalidate_lock);
	ext2_write_inode(inode);
	return err;
}

int ext2_setattr(struct dentry *dentry, const struct iattr *attr)
{
	struct inode *inode = dentry->d_inode;
	int err;

	if (EXT2_SB(inode->i_sb)->read_only)
		return -EROFS;
	if (attr->ia_valid & ATTR_SIZE) {
		if (!S_ISREG(inode->i_mode))
			return -EINVAL;
		err = ext2_setsize(inode, attr->ia_size);
		if (err)
			return err;
	}
	setattr_copy(inode, attr);	/* mark_inode_dirty records it */
	return 0;
}

static ssize_t ext2_file_write(struct file *file, struct iov_iter *from, u64 *pos)
{
	if (EXT2_SB(file->f_inode->i_sb)->read_only)
		return -EROFS;
	return generic_file_write(file, from, pos);
}

/*
 * The file's data, then all metadata of the file system (the buffer cache
 * keeps no per-file list, so fsync writes every dirty buffer of the disk),
 * then a flush of the disk's cache.  A data write that failed since this
 * file last asked gives -EIO, once.
 */
int ext2_fsync(struct file *file)
{
	int err, data_err;

	/* Write failures are in the error sequence; no memory to write is said now. */
	if (filemap_write_and_wait(file->f_mapping) == -ENOMEM)
		return -ENOMEM;
	err = buffer_sync_disk(EXT2_SB(file->f_inode->i_sb)->disk);
	data_err = filemap_check_wb_err(file->f_mapping, &file->f_wb_err);
	return data_err ? data_err : err;
}

const struct file_operations ext2_file_ops = {
	.read = generic_file_read,
	.write = ext2_file_write,
	.llseek = generic_file_llseek,
	.fsync = ext2_fsync,
};

const struct inode_operations ext2_file_inode_ops = {
	.setattr = ext2_setattr,
};
