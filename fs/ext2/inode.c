/*
 * ext2 inodes: reading them from the inode table, the block map (which
 * disk block holds each block of a file), and filling page-cache pages.
 *
 * The block map: i_data[0..11] name the first 12 blocks; i_data[12] an
 * indirect block of block numbers, i_data[13] a block of indirect blocks,
 * i_data[14] one more level.  A zero anywhere on the way is a hole.
 */
#include <err.h>
#include <errno.h>
#include <kmalloc.h>
#include <printk.h>
#include <string.h>
#include "ext2.h"

/* The buffer holding inode ino's slot of the inode table, and where in it. */
static struct ext2_inode *ext2_raw_inode(struct super_block *sb, u64 ino, struct buffer **bufp)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);
	u32 group = (ino - 1) / sbi->inodes_per_group;
	u64 offset = (u64)((ino - 1) % sbi->inodes_per_group) * sbi->inode_size;
	struct ext2_group_desc *gd;
	struct buffer *b;
	u32 table;

	if (ino < 1 || ino > sbi->inodes_count)
		return ERR_PTR(-EIO);
	gd = ext2_group_desc(sb, group, &b);
	if (IS_ERR(gd))
		return ERR_CAST(gd);
	table = gd->bg_inode_table;
	brelse(b);
	b = ext2_bread(sb, table + offset / sbi->block_size);
	if (IS_ERR(b))
		return ERR_CAST(b);
	*bufp = b;
	return (struct ext2_inode *)((char *)b->data + offset % sbi->block_size);
}

static struct timespec64 ext2_time(u32 seconds)
{
	return (struct timespec64){ .tv_sec = seconds, .tv_nsec = 0 };
}

/* Device numbers in i_block: old 8:8 encoding in [0], or the new one in [1]. */
static dev_t ext2_decode_dev(const struct ext2_inode *raw)
{
	u32 old = raw->i_block[0], new = raw->i_block[1];

	if (old)
		return MKDEV((old >> 8) & 0xff, old & 0xff);
	return MKDEV((new & 0xfff00) >> 8, (new & 0xff) | ((new >> 12) & 0xfff00));
}

/* A fast symlink keeps its target in i_block: it owns no data block. */
static bool ext2_fast_symlink(struct inode *inode)
{
	struct ext2_inode_info *ei = EXT2_I(inode);
	u32 ea_sectors = ei->i_file_acl ? EXT2_SB(inode->i_sb)->block_size >> 9 : 0;

	return ei->i_blocks - ea_sectors == 0;
}

/* i_link for a symlink: its target, NUL-terminated. */
static int ext2_read_link(struct inode *inode)
{
	u32 block_size = EXT2_SB(inode->i_sb)->block_size;
	struct buffer *b;
	s64 block;

	if (inode->i_size >= block_size || inode->i_size == 0)
		return -EIO;
	inode->i_link = kmalloc(inode->i_size + 1, GFP_KERNEL);
	if (!inode->i_link)
		return -ENOMEM;
	if (ext2_fast_symlink(inode)) {
		if (inode->i_size >= sizeof(EXT2_I(inode)->i_data))
			return -EIO;
		memcpy(inode->i_link, EXT2_I(inode)->i_data, inode->i_size);
	} else {
		block = ext2_block_map(inode, 0);
		if (block <= 0)
			return block < 0 ? block : -EIO;
		b = ext2_bread(inode->i_sb, block);
		if (IS_ERR(b))
			return PTR_ERR(b);
		memcpy(inode->i_link, b->data, inode->i_size);
		brelse(b);
	}
	inode->i_link[inode->i_size] = '\0';
	return 0;
}

/* Fill a new in-memory inode from the disk's. */
static int ext2_fill_inode(struct inode *inode, const struct ext2_inode *raw)
{
	struct ext2_inode_info *ei = EXT2_I(inode);

	inode->i_mode = raw->i_mode;
	inode->i_uid = raw->i_uid | (u32)raw->i_uid_high << 16;
	inode->i_gid = raw->i_gid | (u32)raw->i_gid_high << 16;
	inode->i_nlink = raw->i_links_count;
	inode->i_size = raw->i_size;
	if (S_ISREG(inode->i_mode))
		inode->i_size |= (u64)raw->i_size_high << 32;
	inode->i_atime = ext2_time(raw->i_atime);
	inode->i_mtime = ext2_time(raw->i_mtime);
	inode->i_ctime = ext2_time(raw->i_ctime);
	memcpy(ei->i_data, raw->i_block, sizeof(ei->i_data));
	ei->i_flags = raw->i_flags;
	ei->i_blocks = raw->i_blocks;
	ei->i_file_acl = raw->i_file_acl;
	ei->i_dtime = raw->i_dtime;
	if (inode->i_nlink == 0)
		return -EIO;		/* a deleted inode: a directory entry points to garbage */
	switch (inode->i_mode & S_IFMT) {
	case S_IFREG:
		inode->i_op = &ext2_file_inode_ops;
		inode->i_fop = &ext2_file_ops;
		return 0;
	case S_IFDIR:
		inode->i_op = &ext2_dir_inode_ops;
		inode->i_fop = &ext2_dir_ops;
		return 0;
	case S_IFLNK:
		inode->i_op = &ext2_file_inode_ops;
		return ext2_read_link(inode);
	case S_IFCHR: case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		inode->i_op = &ext2_file_inode_ops;
		init_special_inode(inode, inode->i_mode, ext2_decode_dev(raw));
		return 0;
	default:
		return -EIO;
	}
}

static void ext2_free_new_inode(struct inode *inode)
{
	kfree(inode->i_link);
	inode->i_link = NULL;
	kfree(inode->i_fs_info);
	inode->i_fs_info = NULL;
	iput(inode);	/* not hashed yet: just freed */
}

struct inode *ext2_iget(struct super_block *sb, u64 ino)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);
	struct ext2_inode_info *ei;
	struct ext2_inode *raw;
	struct inode *inode;
	struct buffer *b;
	int err;

	mutex_lock(&sbi->iget_mutex);
	inode = ilookup(sb, ino);
	if (inode)
		goto out;
	inode = new_inode(sb);
	ei = kzalloc(sizeof(*ei), GFP_KERNEL);
	if (!inode || !ei) {
		kfree(ei);
		if (inode)
			iput(inode);
		inode = ERR_PTR(-ENOMEM);
		goto out;
	}
	inode->i_fs_info = ei;
	inode->i_ino = ino;
	mutex_init(&ei->map_mutex, "ext2_map");
	ei->block_group = (ino - 1) / sbi->inodes_per_group;
	mapping_init(&inode->i_data, inode, &ext2_aops);
	raw = ext2_raw_inode(sb, ino, &b);
	if (IS_ERR(raw)) {
		ext2_free_new_inode(inode);
		inode = ERR_CAST(raw);
		goto out;
	}
	inode->i_fs_info = ei;
	err = ext2_fill_inode(inode, raw);
	brelse(b);
	if (err) {
		pr_err("ext2: %s: inode %lu is corrupt (%d)", sbi->disk->name, (unsigned long)ino, err);
		ext2_free_new_inode(inode);
		inode = ERR_PTR(-EIO);
		goto out;
	}
	inode_hash_insert(inode);
out:
	mutex_unlock(&sbi->iget_mutex);
	return inode;
}

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
		struct buffer *b = ext2_bread(inode->i_sb, block);

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

/* Reads of one page in flight: the last to end wakes the reader. */
struct page_read {
	int pending;		/* atomic */
	int error;		/* atomic: any bio failed */
	struct completion done;
};

static void page_read_end_io(struct bio *bio)
{
	struct page_read *pr = bio->private;

	if (bio->status)
		__atomic_store_n(&pr->error, 1, __ATOMIC_RELAXED);
	if (__atomic_sub_fetch(&pr->pending, 1, __ATOMIC_ACQ_REL) == 0)
		complete(&pr->done);
}

/*
 * Fill a locked page of a regular file: each run of blocks that are
 * contiguous on the disk is one bio, all in flight at once; holes and the
 * part past EOF are zeroed.
 */
static int ext2_readpage(struct file *file, struct page *page)
{
	struct inode *inode = page->mapping->host;
	struct ext2_sb_info *sbi = EXT2_SB(inode->i_sb);
	u32 per_page = PAGE_SIZE / sbi->block_size;
	u64 first = (u64)page->index * per_page;
	struct bio bios[PAGE_SIZE / 1024];
	struct bio_vec vecs[PAGE_SIZE / 1024];
	struct page_read pr = { .pending = 1, .error = 0 };
	char *data = page_address(page);
	int nr_bios = 0, err = 0;
	s64 prev = -1;

	(void)file;
	completion_init(&pr.done);
	for (u32 i = 0; i < per_page; i++) {
		u32 offset = i * sbi->block_size;
		s64 block = 0;

		if ((first + i) * sbi->block_size < inode->i_size)
			block = ext2_block_map(inode, first + i);
		if (block < 0) {
			err = block;
			break;
		}
		if (block == 0) {
			memset(data + offset, 0, sbi->block_size);
			prev = -1;
			continue;
		}
		if (prev >= 0 && block == prev + 1 &&
		    bio_add_page(&bios[nr_bios - 1], page, sbi->block_size, offset)) {
			prev = block;
			continue;
		}
		bio_init(&bios[nr_bios], sbi->disk, BLK_OP_READ,
			 (u64)block * (sbi->block_size >> SECTOR_SHIFT), &vecs[nr_bios], 1);
		bio_add_page(&bios[nr_bios], page, sbi->block_size, offset);
		nr_bios++;
		prev = block;
	}
	for (int i = 0; i < nr_bios; i++) {
		bios[i].private = &pr;
		bios[i].end_io = page_read_end_io;
		__atomic_add_fetch(&pr.pending, 1, __ATOMIC_RELAXED);
		submit_bio(&bios[i]);
	}
	if (__atomic_sub_fetch(&pr.pending, 1, __ATOMIC_ACQ_REL) == 0)
		complete(&pr.done);
	wait_for_completion(&pr.done);
	if (!err && pr.error)
		err = -EIO;
	if (!err)
		page_set_flag(page, PG_uptodate);
	unlock_page(page);
	return err;
}

const struct address_space_operations ext2_aops = {
	.readpage = ext2_readpage,
};
