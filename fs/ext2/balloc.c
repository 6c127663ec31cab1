/*
 * ext2 block allocation: one bit per block in each group's block bitmap,
 * and free counts in the group descriptor and the super block, all kept
 * exact together under alloc_mutex (so e2fsck finds them consistent after
 * any sync).
 */
#include <err.h>
#include <errno.h>
#include <printk.h>
#include "ext2.h"

/* The super block, in its locked buffer *bufp. */
struct ext2_super_block *ext2_super(struct super_block *sb, struct buffer **bufp)
{
	struct buffer *b = bread(EXT2_SB(sb)->disk, 1, EXT2_SUPER_OFFSET, BUFFER_SUPER);

	if (IS_ERR(b))
		return ERR_CAST(b);
	*bufp = b;
	return b->data;
}

bool ext2_test_bit(const void *map, u32 bit)
{
	return ((const u8 *)map)[bit / 8] & (1u << (bit % 8));
}

void ext2_change_bit(void *map, u32 bit, bool set)
{
	u8 *byte = (u8 *)map + bit / 8;

	*byte = set ? *byte | (1u << (bit % 8)) : *byte & ~(1u << (bit % 8));
}

/* The first clear bit in [from, nbits) of map, or nbits. */
u32 ext2_find_clear_bit(const void *map, u32 from, u32 nbits)
{
	for (u32 bit = from; bit < nbits; bit++) {
		if (!(bit % 8) && ((const u8 *)map)[bit / 8] == 0xff) {
			bit += 7;	/* a full byte */
			continue;
		}
		if (!ext2_test_bit(map, bit))
			return bit;
	}
	return nbits;
}

/* Blocks in group g (the last group may be short). */
static u32 group_blocks(struct ext2_sb_info *sbi, u32 g)
{
	u32 first = sbi->first_data_block + g * sbi->blocks_per_group;

	return MIN(sbi->blocks_per_group, sbi->blocks_count - first);
}

int ext2_update_counts(struct super_block *sb, u32 g, int blocks, int inodes, int dirs)
{
	struct ext2_super_block *es;
	struct ext2_group_desc *gd;
	struct buffer *gb, *sbuf;

	gd = ext2_group_desc(sb, g, &gb);
	if (IS_ERR(gd))
		return PTR_ERR(gd);
	es = ext2_super(sb, &sbuf);
	if (IS_ERR(es)) {
		brelse(gb);
		return PTR_ERR(es);
	}
	gd->bg_free_blocks_count += blocks;
	gd->bg_free_inodes_count += inodes;
	gd->bg_used_dirs_count += dirs;
	es->s_free_blocks_count += blocks;
	es->s_free_inodes_count += inodes;
	bmark_dirty(gb);
	bmark_dirty(sbuf);
	brelse(sbuf);
	brelse(gb);
	return 0;
}

/* Take a free block of group g at or after bit `from`; its number, 0 if none, or -errno. */
static s64 ext2_take_block_in_group(struct super_block *sb, u32 g, u32 from)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);
	struct ext2_group_desc *gd;
	struct buffer *gb, *bitmap;
	u32 bitmap_block, free, bit, nbits = group_blocks(sbi, g);
	int err;

	gd = ext2_group_desc(sb, g, &gb);
	if (IS_ERR(gd))
		return PTR_ERR(gd);
	bitmap_block = gd->bg_block_bitmap;
	free = gd->bg_free_blocks_count;
	brelse(gb);
	if (free == 0)
		return 0;
	bitmap = ext2_bread(sb, bitmap_block, BUFFER_FS_METADATA);
	if (IS_ERR(bitmap))
		return PTR_ERR(bitmap);
	bit = ext2_find_clear_bit(bitmap->data, from, nbits);
	if (bit == nbits && from)
		bit = ext2_find_clear_bit(bitmap->data, 0, from);
	if (bit >= nbits) {
		brelse(bitmap);
		pr_err("ext2: %s: group %u says %u blocks are free, its bitmap none",
		       sbi->disk->name, g, free);
		return -EIO;
	}
	ext2_change_bit(bitmap->data, bit, true);
	bmark_dirty(bitmap);
	brelse(bitmap);
	err = ext2_update_counts(sb, g, -1, 0, 0);
	if (err)
		return err;
	return sbi->first_data_block + (u64)g * sbi->blocks_per_group + bit;
}

s64 ext2_new_block(struct super_block *sb, u32 goal)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);
	u32 start = 0, from = 0;
	s64 block = 0;

	if (sbi->read_only)
		return -EROFS;
	if (goal >= sbi->first_data_block && goal < sbi->blocks_count) {
		start = (goal - sbi->first_data_block) / sbi->blocks_per_group;
		from = (goal - sbi->first_data_block) % sbi->blocks_per_group;
	}
	mutex_lock(&sbi->alloc_mutex);
	/* The goal's group first (near the file's other blocks), then the others in turn. */
	for (u32 i = 0; i < sbi->groups && block == 0; i++) {
		u32 g = (start + i) % sbi->groups;

		block = ext2_take_block_in_group(sb, g, i == 0 ? from : 0);
	}
	mutex_unlock(&sbi->alloc_mutex);
	return block ? block : -ENOSPC;
}

int ext2_free_block(struct super_block *sb, u32 block)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);
	u32 g, bit;
	struct ext2_group_desc *gd;
	struct buffer *gb, *bitmap;
	u32 bitmap_block;
	int err = 0;

	if (block < sbi->first_data_block || block >= sbi->blocks_count)
		return -EIO;
	g = (block - sbi->first_data_block) / sbi->blocks_per_group;
	bit = (block - sbi->first_data_block) % sbi->blocks_per_group;
	/* Whatever the cache holds of it is stale from now on. */
	buffer_forget(sbi->disk, block, sbi->block_size);
	mutex_lock(&sbi->alloc_mutex);
	gd = ext2_group_desc(sb, g, &gb);
	if (IS_ERR(gd)) {
		err = PTR_ERR(gd);
		goto out;
	}
	bitmap_block = gd->bg_block_bitmap;
	brelse(gb);
	bitmap = ext2_bread(sb, bitmap_block, BUFFER_FS_METADATA);
	if (IS_ERR(bitmap)) {
		err = PTR_ERR(bitmap);
		goto out;
	}
	if (!ext2_test_bit(bitmap->data, bit)) {
		brelse(bitmap);
		pr_err("ext2: %s: freeing block %u, which is free already", sbi->disk->name, block);
		err = -EIO;
		goto out;
	}
	ext2_change_bit(bitmap->data, bit, false);
	bmark_dirty(bitmap);
	brelse(bitmap);
	err = ext2_update_counts(sb, g, +1, 0, 0);
out:
	mutex_unlock(&sbi->alloc_mutex);
	return err;
}
