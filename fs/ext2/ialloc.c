/*
 * ext2 inode allocation: one bit per inode in each group's inode bitmap,
 * free counts (and the count of directories) in the group descriptor,
 * free inodes in the super block; all under alloc_mutex.
 *
 * Where a new inode goes: a file next to its directory (same group, so
 * its blocks land near the directory's too); a directory in the group
 * with the most free inodes, which spreads the tree over the disk.
 */
#include <err.h>
#include <errno.h>
#include <kmalloc.h>
#include <printk.h>
#include <string.h>
#include "ext2.h"

/* Bytes of extra inode fields mkfs.ext2 gives 256-byte inodes (i_extra_isize). */
#define EXT2_EXTRA_ISIZE 32

/* The group a new inode should go to, or -ENOSPC. */
static s64 ext2_pick_group(struct super_block *sb, u32 parent_group, bool dir)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);
	s64 best = -ENOSPC;
	u32 best_free = 0;

	for (u32 i = 0; i < sbi->groups; i++) {
		u32 g = (parent_group + i) % sbi->groups, free;
		struct ext2_group_desc *gd;
		struct buffer *gb;

		gd = ext2_group_desc(sb, g, &gb);
		if (IS_ERR(gd))
			return PTR_ERR(gd);
		free = gd->bg_free_inodes_count;
		brelse(gb);
		if (!dir && free)
			return g;
		if (free > best_free) {
			best = g;
			best_free = free;
		}
	}
	return best;
}

/* Take a free inode of group g; its number, or -errno. */
static s64 ext2_take_inode(struct super_block *sb, u32 g, bool dir)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);
	struct ext2_group_desc *gd;
	struct buffer *gb, *bitmap;
	u32 bit;
	int err;

	gd = ext2_group_desc(sb, g, &gb);
	if (IS_ERR(gd))
		return PTR_ERR(gd);
	bitmap = ext2_bread(sb, gd->bg_inode_bitmap, BUFFER_FS_METADATA);
	if (IS_ERR(bitmap)) {
		brelse(gb);
		return PTR_ERR(bitmap);
	}
	bit = ext2_find_clear_bit(bitmap->data, 0, sbi->inodes_per_group);
	if (bit == sbi->inodes_per_group || (u64)g * sbi->inodes_per_group + bit + 1 < sbi->first_ino) {
		pr_err("ext2: %s: group %u says it has free inodes, its bitmap none", sbi->disk->name, g);
		brelse(bitmap);
		brelse(gb);
		return -EIO;
	}
	ext2_change_bit(bitmap->data, bit, true);
	bmark_dirty(bitmap);
	brelse(bitmap);
	brelse(gb);
	err = ext2_update_counts(sb, g, 0, -1, dir ? 1 : 0);
	return err ? err : (s64)g * sbi->inodes_per_group + bit + 1;
}

/* A zeroed inode-table slot for a new inode, with mkfs's extra-field size. */
static int ext2_clear_slot(struct super_block *sb, u64 ino)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);
	struct ext2_inode *raw;
	struct buffer *b;

	raw = ext2_raw_inode(sb, ino, &b);
	if (IS_ERR(raw))
		return PTR_ERR(raw);
	memset(raw, 0, sbi->inode_size);
	if (sbi->inode_size > EXT2_GOOD_OLD_INODE_SIZE)
		*(u16 *)((char *)raw + EXT2_GOOD_OLD_INODE_SIZE) = EXT2_EXTRA_ISIZE;
	bmark_dirty(b);
	brelse(b);
	return 0;
}

struct inode *ext2_new_inode(struct inode *dir, umode_t mode)
{
	struct super_block *sb = dir->i_sb;
	struct ext2_sb_info *sbi = EXT2_SB(sb);
	struct ext2_inode_info *ei;
	struct inode *inode;
	s64 group, ino;
	int err;

	if (sbi->read_only)
		return ERR_PTR(-EROFS);
	mutex_lock(&sbi->alloc_mutex);
	group = ext2_pick_group(sb, EXT2_I(dir)->block_group, S_ISDIR(mode));
	ino = group < 0 ? group : ext2_take_inode(sb, group, S_ISDIR(mode));
	mutex_unlock(&sbi->alloc_mutex);
	if (ino < 0)
		return ERR_PTR(ino);
	err = ext2_clear_slot(sb, ino);
	inode = err ? NULL : new_inode(sb);
	ei = inode ? kzalloc(sizeof(*ei), GFP_NOFS) : NULL;
	if (!ei) {
		if (inode)
			iput(inode);
		ext2_release_inode_number(sb, ino, S_ISDIR(mode));
		return ERR_PTR(err ? err : -ENOMEM);
	}
	inode->i_fs_info = ei;
	inode->i_ino = ino;
	inode->i_mode = mode;
	inode->i_nlink = S_ISDIR(mode) ? 2 : 1;
	mutex_init(&ei->map_mutex, "ext2_map");
	ei->block_group = group;
	mapping_init(&inode->i_data, inode, &ext2_aops);
	ext2_set_inode_ops(inode, 0);
	mutex_lock(&sbi->iget_mutex);
	inode_hash_insert(inode);
	mutex_unlock(&sbi->iget_mutex);
	ext2_track_inode(inode);
	ext2_write_inode(inode);
	return inode;
}

void ext2_release_inode_number(struct super_block *sb, u64 ino, bool dir)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);
	u32 g = (ino - 1) / sbi->inodes_per_group, bit = (ino - 1) % sbi->inodes_per_group;
	struct ext2_group_desc *gd;
	struct buffer *gb, *bitmap;

	mutex_lock(&sbi->alloc_mutex);
	gd = ext2_group_desc(sb, g, &gb);
	if (IS_ERR(gd))
		goto out;
	bitmap = ext2_bread(sb, gd->bg_inode_bitmap, BUFFER_FS_METADATA);
	if (IS_ERR(bitmap)) {
		brelse(gb);
		goto out;
	}
	brelse(gb);
	if (!ext2_test_bit(bitmap->data, bit)) {
		brelse(bitmap);
		pr_err("ext2: %s: freeing inode %lu, which is free already", sbi->disk->name,
		       (unsigned long)ino);
		goto out;
	}
	ext2_change_bit(bitmap->data, bit, false);
	bmark_dirty(bitmap);
	/* Let go of it first: the counts' buffers come before it on the disk (buffer.h). */
	brelse(bitmap);
	ext2_update_counts(sb, g, 0, +1, dir ? -1 : 0);
out:
	mutex_unlock(&sbi->alloc_mutex);
}
