/*
 * The ext2 block map: which disk block holds each block of a file.
 *
 * i_data[0..11] name the first 12 blocks; i_data[12] an indirect block of
 * block numbers, i_data[13] a block of indirect blocks, i_data[14] one
 * more level.  A zero anywhere on the way is a hole.  All of it is read
 * and changed under the inode's map_mutex; i_blocks counts the data and
 * indirect blocks in 512-byte sectors, as e2fsck checks.
 */
#include <err.h>
#include <errno.h>
#include <string.h>
#include "ext2.h"

/*
 * The path through the block map to file block iblock: how many levels
 * (1 = direct) and the index at each.  0 if iblock is beyond the map.
 */
static int ext2_block_path(struct super_block *sb, u64 iblock, u32 offsets[4])
{
	u64 per = EXT2_SB(sb)->addr_per_block;

	if (iblock < EXT2_NDIR_BLOCKS) {
		offsets[0] = iblock;
		return 1;
	}
	iblock -= EXT2_NDIR_BLOCKS;
	if (iblock < per) {
		offsets[0] = EXT2_IND_BLOCK;
		offsets[1] = iblock;
		return 2;
	}
	iblock -= per;
	if (iblock < per * per) {
		offsets[0] = EXT2_DIND_BLOCK;
		offsets[1] = iblock / per;
		offsets[2] = iblock % per;
		return 3;
	}
	iblock -= per * per;
	if (iblock < per * per * per) {
		offsets[0] = EXT2_TIND_BLOCK;
		offsets[1] = iblock / (per * per);
		offsets[2] = iblock / per % per;
		offsets[3] = iblock % per;
		return 4;
	}
	return 0;
}

s64 ext2_block_map(struct inode *inode, u64 iblock)
{
	struct ext2_inode_info *ei = EXT2_I(inode);
	u32 offsets[4], block;
	int depth = ext2_block_path(inode->i_sb, iblock, offsets);

	if (!depth)
		return -EFBIG;
	mutex_lock(&ei->map_mutex);
	block = ei->i_data[offsets[0]];
	for (int level = 1; level < depth && block; level++) {
		/* The block read here has depth - level levels below it. */
		struct buffer *b = ext2_bread(inode->i_sb, block, buffer_indirect_role(depth - level));

		if (IS_ERR(b)) {
			mutex_unlock(&ei->map_mutex);
			return PTR_ERR(b);
		}
		block = ((u32 *)b->data)[offsets[level]];
		brelse(b);
	}
	mutex_unlock(&ei->map_mutex);
	return block;
}

/* Sectors (i_blocks units) one block counts for. */
static u32 block_sectors(struct inode *inode)
{
	return EXT2_SB(inode->i_sb)->block_size >> 9;
}

/*
 * A new block for the file, near `near` (the block before it in the
 * file, or the inode's own group): zeroed in the buffer cache if it is an
 * indirect block (`height` levels above the data, 0 for a data block), so
 * it never shows what the disk held.
 */
static s64 ext2_alloc_for(struct inode *inode, u32 near, int height)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->i_sb);
	u32 goal = near ? near + 1 :
		   sbi->first_data_block + EXT2_I(inode)->block_group * sbi->blocks_per_group;
	s64 block = ext2_new_block(inode->i_sb, goal);

	if (block < 0)
		return block;
	EXT2_I(inode)->i_blocks += block_sectors(inode);
	if (height > 0) {
		struct buffer *b = bget_zeroed(sbi->disk, block, sbi->block_size,
					       buffer_indirect_role(height));

		if (IS_ERR(b))
			return PTR_ERR(b);	/* allocated and counted: truncate frees it */
		bmark_dirty(b);
		brelse(b);
	}
	return block;
}

s64 ext2_block_map_create(struct inode *inode, u64 iblock, bool *new)
{
	struct ext2_inode_info *ei = EXT2_I(inode);
	u32 offsets[4], *slot, near = 0;
	int depth = ext2_block_path(inode->i_sb, iblock, offsets);
	struct buffer *held = NULL;
	s64 block;
	bool changed = false;

	if (!depth)
		return -EFBIG;
	mutex_lock(&ei->map_mutex);
	slot = &ei->i_data[offsets[0]];
	for (int level = 0;; level++) {
		bool meta = level < depth - 1;

		if (*slot == 0) {
			block = ext2_alloc_for(inode, near, depth - 1 - level);
			if (block < 0)
				goto out;
			*slot = block;
			changed = true;
			if (!meta && new)
				*new = true;
			if (held)
				bmark_dirty(held);
		}
		block = *slot;
		near = block;
		if (!meta)
			break;
		if (held)
			brelse(held);
		held = ext2_bread(inode->i_sb, block, buffer_indirect_role(depth - 1 - level));
		if (IS_ERR(held)) {
			block = PTR_ERR(held);
			held = NULL;
			goto out;
		}
		slot = (u32 *)held->data + offsets[level + 1];
	}
out:
	if (held)
		brelse(held);
	if (changed)
		ext2_write_inode_locked(inode);
	mutex_unlock(&ei->map_mutex);
	return block;
}

struct buffer *ext2_new_block_buffer(struct inode *inode, u64 iblock)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->i_sb);
	s64 block = ext2_block_map_create(inode, iblock, NULL);

	if (block < 0)
		return ERR_PTR(block);
	return bget_zeroed(sbi->disk, block, sbi->block_size, BUFFER_FILE_DATA);
}

/* File blocks covered by one block at `depth` levels of indirection (0: a data block). */
static u64 span_of(struct inode *inode, int depth)
{
	u64 span = 1;

	while (depth-- > 0)
		span *= EXT2_SB(inode->i_sb)->addr_per_block;
	return span;
}

/* Free block and, if it is an indirect block, everything below it. */
static int free_whole(struct inode *inode, u32 block, int depth)
{
	int err = 0;

	if (depth > 0) {
		struct buffer *b = ext2_bread(inode->i_sb, block, buffer_indirect_role(depth));
		u32 *entries;

		if (IS_ERR(b))
			return PTR_ERR(b);
		entries = b->data;
		for (u32 i = 0; i < EXT2_SB(inode->i_sb)->addr_per_block && !err; i++)
			if (entries[i])
				err = free_whole(inode, entries[i], depth - 1);
		brelse(b);
	}
	if (!err)
		err = ext2_free_block(inode->i_sb, block);
	if (!err)
		EXT2_I(inode)->i_blocks -= block_sectors(inode);
	return err;
}

/*
 * Free what the subtree at *slot (covering file blocks from base on)
 * holds at file block `keep` and beyond; *slot is cleared (and *changed
 * set) if it all goes.  0 or -errno.
 */
static int free_from(struct inode *inode, u32 *slot, int depth, u64 base, u64 keep, bool *changed)
{
	u64 child_span = depth ? span_of(inode, depth - 1) : 0;
	struct buffer *b;
	int err = 0;

	if (*slot == 0)
		return 0;
	if (base >= keep) {
		err = free_whole(inode, *slot, depth);
		if (!err) {
			*slot = 0;
			*changed = true;
		}
		return err;
	}
	if (depth == 0)
		return 0;	/* a data block that stays */
	b = ext2_bread(inode->i_sb, *slot, buffer_indirect_role(depth));
	if (IS_ERR(b))
		return PTR_ERR(b);
	for (u32 i = 0; i < EXT2_SB(inode->i_sb)->addr_per_block && !err; i++) {
		u64 child = base + i * child_span;
		bool child_changed = false;

		if (child + child_span <= keep)
			continue;
		err = free_from(inode, (u32 *)b->data + i, depth - 1, child, keep, &child_changed);
		if (child_changed)
			bmark_dirty(b);
	}
	brelse(b);
	return err;
}

int ext2_truncate_blocks(struct inode *inode, u64 size)
{
	struct ext2_inode_info *ei = EXT2_I(inode);
	u32 block_size = EXT2_SB(inode->i_sb)->block_size;
	u64 keep = (size + block_size - 1) / block_size, base = EXT2_NDIR_BLOCKS;
	bool changed = false;
	int err = 0;

	mutex_lock(&ei->map_mutex);
	for (int i = 0; i < EXT2_NDIR_BLOCKS && !err; i++)
		err = free_from(inode, &ei->i_data[i], 0, i, keep, &changed);
	for (int depth = 1; depth <= 3 && !err; depth++) {
		err = free_from(inode, &ei->i_data[EXT2_IND_BLOCK + depth - 1], depth, base, keep,
				&changed);
		base += span_of(inode, depth);
	}
	ext2_write_inode_locked(inode);
	mutex_unlock(&ei->map_mutex);
	return err;
}
