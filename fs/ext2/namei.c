/*
 * Changing ext2 directories: adding, removing and retargeting entries,
 * and the operations built on them (create, mkdir, mknod, symlink, link,
 * unlink, rmdir, rename).  Called with the directories' i_rwsem held
 * (fs/vfs.c); the VFS has checked the names (existence, length, loops).
 *
 * An htree index cannot be kept up to date here, so the first change to
 * an indexed directory clears EXT2_INDEX_FL, as Linux's ext2 always did:
 * the directory is then a plain one, still valid for e2fsck (which may
 * offer to index it again).
 */
#include <err.h>
#include <errno.h>
#include <kmalloc.h>
#include <string.h>
#include "ext2.h"

static u8 ext2_type_of(umode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return EXT2_FT_REG_FILE;
	case S_IFDIR: return EXT2_FT_DIR;
	case S_IFCHR: return EXT2_FT_CHRDEV;
	case S_IFBLK: return EXT2_FT_BLKDEV;
	case S_IFIFO: return EXT2_FT_FIFO;
	case S_IFSOCK: return EXT2_FT_SOCK;
	case S_IFLNK: return EXT2_FT_SYMLINK;
	default: return EXT2_FT_UNKNOWN;
	}
}

/* The directory changes: drop its index, touch its times (recorded by mark_inode_dirty). */
static void ext2_dir_changed(struct inode *dir)
{
	EXT2_I(dir)->i_flags &= ~EXT2_INDEX_FL;
	inode_touch_mtime(dir);
}

/* Put an entry (name -> ino) into the free space of one block; false if it has no room. */
static bool ext2_put_entry(struct inode *dir, struct buffer *b, const struct qstr *name, u32 ino,
			   u8 type)
{
	u32 need = EXT2_DIR_REC_LEN(name->len), offset = 0;

	while (offset < b->size) {
		struct ext2_dir_entry *de = (void *)((char *)b->data + offset);
		u32 used = de->inode ? EXT2_DIR_REC_LEN(de->name_len) : 0;

		if (!ext2_dirent_ok(dir, de, offset, b->size))
			return false;	/* corrupt: no room taken from it */
		if (de->rec_len - used >= need) {
			if (used) {
				/* Split: the old record keeps what it uses, the new one the rest. */
				struct ext2_dir_entry *next = (void *)((char *)de + used);

				next->rec_len = de->rec_len - used;
				de->rec_len = used;
				de = next;
			}
			de->inode = ino;
			de->name_len = name->len;
			de->file_type = type;
			memcpy(de->name, name->name, name->len);
			bmark_dirty(b);
			return true;
		}
		offset += de->rec_len;
	}
	return false;
}

int ext2_add_entry(struct inode *dir, const struct qstr *name, struct inode *inode)
{
	u32 block_size = EXT2_SB(dir->i_sb)->block_size;
	u64 blocks = dir->i_size / block_size;
	u8 type = ext2_type_of(inode->i_mode);
	struct ext2_dir_entry *de;
	struct buffer *b;

	for (u64 n = 0; n < blocks; n++) {
		b = ext2_dir_block(dir, n);
		if (IS_ERR(b))
			return PTR_ERR(b);
		if (!b)
			continue;
		if (ext2_put_entry(dir, b, name, inode->i_ino, type)) {
			brelse(b);
			ext2_dir_changed(dir);
			return 0;
		}
		brelse(b);
	}
	/* No room: a new block at the end, holding one record that spans it. */
	b = ext2_new_block_buffer(dir, blocks);
	if (IS_ERR(b))
		return PTR_ERR(b);
	de = b->data;
	de->rec_len = block_size;
	ext2_put_entry(dir, b, name, inode->i_ino, type);
	brelse(b);
	dir->i_size += block_size;
	ext2_dir_changed(dir);
	return 0;
}

static int ext2_delete_entry(struct inode *dir, const struct qstr *name)
{
	struct ext2_dir_entry *de, *prev;
	struct buffer *b;

	de = ext2_find_record(dir, name, &b, &prev);
	if (!de)
		return -ENOENT;
	if (prev)
		prev->rec_len += de->rec_len;	/* the previous record takes its space */
	else
		de->inode = 0;
	bmark_dirty(b);
	brelse(b);
	ext2_dir_changed(dir);
	return 0;
}

/* Point dir's entry `name` at inode instead (rename over a name, a moved directory's ".."). */
static int ext2_set_entry(struct inode *dir, const struct qstr *name, struct inode *inode)
{
	struct ext2_dir_entry *de, *prev;
	struct buffer *b;

	de = ext2_find_record(dir, name, &b, &prev);
	if (!de)
		return -EIO;
	de->inode = inode->i_ino;
	de->file_type = ext2_type_of(inode->i_mode);
	bmark_dirty(b);
	brelse(b);
	ext2_dir_changed(dir);
	return 0;
}

/* Does the directory hold no names but "." and ".."? */
static bool ext2_dir_empty(struct inode *dir)
{
	u32 block_size = EXT2_SB(dir->i_sb)->block_size;

	for (u64 n = 0; n < dir->i_size / block_size; n++) {
		struct buffer *b = ext2_dir_block(dir, n);
		u32 offset = 0;

		if (IS_ERR(b))
			return false;
		if (!b)
			continue;
		while (offset < block_size) {
			struct ext2_dir_entry *de = (void *)((char *)b->data + offset);
			bool dot = de->name_len == 1 && de->name[0] == '.';
			bool dotdot = de->name_len == 2 && !memcmp(de->name, "..", 2);

			if (!ext2_dirent_ok(dir, de, offset, block_size) || (de->inode && !dot && !dotdot)) {
				brelse(b);
				return false;
			}
			offset += de->rec_len;
		}
		brelse(b);
	}
	return true;
}

/* The inode is named now: link count, times, the dentry. */
static int ext2_name_new(struct inode *dir, struct dentry *dentry, struct inode *inode)
{
	int err = ext2_add_entry(dir, &dentry->d_name, inode);

	if (err) {
		clear_nlink(inode);	/* nobody names it: evict frees it */
		ext2_write_inode(inode);
		iput(inode);
		return err;
	}
	d_instantiate(dentry, inode);
	return 0;
}

static int ext2_mknod(struct inode *dir, struct dentry *dentry, umode_t mode, dev_t rdev)
{
	struct inode *inode = ext2_new_inode(dir, mode);

	if (IS_ERR(inode))
		return PTR_ERR(inode);
	if (!S_ISREG(mode)) {
		/* The new encoding, in i_block[1], as Linux writes it. */
		EXT2_I(inode)->i_data[1] = (dev_minor(rdev) & 0xff) | (dev_major(rdev) << 8) |
					   ((dev_minor(rdev) & ~0xffu) << 12);
		init_special_inode(inode, mode, rdev);
		ext2_write_inode(inode);
	}
	return ext2_name_new(dir, dentry, inode);
}

static int ext2_create(struct inode *dir, struct dentry *dentry, umode_t mode)
{
	return ext2_mknod(dir, dentry, (mode & ~S_IFMT) | S_IFREG, 0);
}

/* A new directory's first block: "." and "..". */
static int ext2_make_empty(struct inode *inode, struct inode *parent)
{
	u32 block_size = EXT2_SB(inode->i_sb)->block_size;
	struct ext2_dir_entry *dot, *dotdot;
	struct buffer *b = ext2_new_block_buffer(inode, 0);

	if (IS_ERR(b))
		return PTR_ERR(b);
	dot = b->data;
	*dot = (struct ext2_dir_entry){ .inode = inode->i_ino, .rec_len = EXT2_DIR_REC_LEN(1),
					.name_len = 1, .file_type = EXT2_FT_DIR };
	dot->name[0] = '.';
	dotdot = (void *)((char *)b->data + dot->rec_len);
	*dotdot = (struct ext2_dir_entry){ .inode = parent->i_ino,
					   .rec_len = block_size - dot->rec_len,
					   .name_len = 2, .file_type = EXT2_FT_DIR };
	memcpy(dotdot->name, "..", 2);
	bmark_dirty(b);
	brelse(b);
	inode->i_size = block_size;
	return ext2_write_inode(inode);
}

static int ext2_mkdir(struct inode *dir, struct dentry *dentry, umode_t mode)
{
	struct inode *inode;
	int err;

	if (inode_nlink(dir) >= EXT2_LINK_MAX)
		return -EMLINK;
	inode = ext2_new_inode(dir, (mode & ~S_IFMT) | S_IFDIR);
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	err = ext2_make_empty(inode, dir);
	if (err) {
		ext2_truncate_blocks(inode, 0);
		clear_nlink(inode);
		iput(inode);
		return err;
	}
	err = ext2_name_new(dir, dentry, inode);
	if (!err) {
		inc_nlink(dir);		/* the new directory's ".." */
		ext2_write_inode(dir);
	}
	return err;
}

static int ext2_symlink(struct inode *dir, struct dentry *dentry, const char *target)
{
	u32 block_size = EXT2_SB(dir->i_sb)->block_size;
	size_t len = strlen(target);
	struct inode *inode;
	int err = 0;

	if (len >= block_size)
		return -ENAMETOOLONG;
	inode = ext2_new_inode(dir, S_IFLNK | 0777);
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	inode->i_link = kmalloc(len + 1, GFP_NOFS);
	if (!inode->i_link) {
		err = -ENOMEM;
	} else if (len < sizeof(EXT2_I(inode)->i_data)) {
		memcpy(EXT2_I(inode)->i_data, target, len);	/* fast: in the inode itself */
	} else {
		struct buffer *b = ext2_new_block_buffer(inode, 0);

		if (IS_ERR(b)) {
			err = PTR_ERR(b);
		} else {
			memcpy(b->data, target, len);
			bmark_dirty(b);
			brelse(b);
		}
	}
	if (err) {
		ext2_truncate_blocks(inode, 0);
		clear_nlink(inode);
		iput(inode);
		return err;
	}
	memcpy(inode->i_link, target, len + 1);
	inode->i_size = len;
	ext2_write_inode(inode);
	return ext2_name_new(dir, dentry, inode);
}

static int ext2_link(struct dentry *old, struct inode *dir, struct dentry *dentry)
{
	struct inode *inode = old->d_inode;
	int err;

	if (inode_nlink(inode) >= EXT2_LINK_MAX)
		return -EMLINK;
	err = ext2_add_entry(dir, &dentry->d_name, inode);
	if (err)
		return err;
	inc_nlink(inode);
	inode_touch_ctime(inode);
	ihold(inode);
	d_instantiate(dentry, inode);
	return 0;
}

static int ext2_unlink(struct inode *dir, struct dentry *dentry)
{
	struct inode *inode = dentry->d_inode;
	int err = ext2_delete_entry(dir, &dentry->d_name);

	if (err)
		return err;
	drop_nlink(inode);
	inode_touch_ctime(inode);
	return 0;
}

static int ext2_rmdir(struct inode *dir, struct dentry *dentry)
{
	struct inode *inode = dentry->d_inode;
	int err;

	if (!ext2_dir_empty(inode))
		return -ENOTEMPTY;
	err = ext2_unlink(dir, dentry);
	if (err)
		return err;
	clear_nlink(inode);	/* its name and its "." */
	ext2_write_inode(inode);
	drop_nlink(dir);	/* its ".." */
	ext2_write_inode(dir);
	return 0;
}

static const struct qstr dotdot_name = { .name = "..", .len = 2 };

static int ext2_rename(struct inode *old_dir, struct dentry *old_dentry,
		       struct inode *new_dir, struct dentry *new_dentry)
{
	struct inode *inode = old_dentry->d_inode, *target = new_dentry->d_inode;
	bool is_dir = S_ISDIR(inode->i_mode);
	int err;

	if (target) {
		if (is_dir && !ext2_dir_empty(target))
			return -ENOTEMPTY;
		err = ext2_set_entry(new_dir, &new_dentry->d_name, inode);
		if (err)
			return err;
		if (is_dir) {
			clear_nlink(target);
			drop_nlink(new_dir);	/* the replaced directory's ".." */
		} else {
			drop_nlink(target);
		}
		inode_touch_ctime(target);
	} else {
		if (is_dir && old_dir != new_dir && inode_nlink(new_dir) >= EXT2_LINK_MAX)
			return -EMLINK;
		err = ext2_add_entry(new_dir, &new_dentry->d_name, inode);
		if (err)
			return err;
	}
	err = ext2_delete_entry(old_dir, &old_dentry->d_name);
	if (err)
		return err;
	if (is_dir && old_dir != new_dir) {
		err = ext2_set_entry(inode, &dotdot_name, new_dir);
		drop_nlink(old_dir);
		inc_nlink(new_dir);
		ext2_write_inode(old_dir);
		ext2_write_inode(new_dir);
	}
	inode_touch_ctime(inode);
	return err;
}

const struct inode_operations ext2_dir_inode_ops = {
	.lookup = ext2_lookup,
	.create = ext2_create,
	.mkdir = ext2_mkdir,
	.mknod = ext2_mknod,
	.symlink = ext2_symlink,
	.link = ext2_link,
	.unlink = ext2_unlink,
	.rmdir = ext2_rmdir,
	.rename = ext2_rename,
	.setattr = ext2_setattr,
};
