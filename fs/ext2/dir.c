/*
 * ext2 directories: a directory's data is a list of entries (inode
 * number, record length, name), block after block; a record never
 * crosses a block, and an unused one has inode 0.  Directory blocks live
 * in the buffer cache.
 *
 * A directory that mkfs.ext2 gave an htree index (EXT2_INDEX_FL, with the
 * dir_index feature) still reads as a plain one: the index nodes are
 * records with inode 0 that span their blocks.
 *
 * A directory's position (f_pos, telldir) is the byte offset of a record.
 */
#include <err.h>
#include <errno.h>
#include <kmalloc.h>
#include <printk.h>
#include <string.h>
#include "ext2.h"

static const unsigned char ext2_dt_of_type[] = {
	[EXT2_FT_UNKNOWN] = DT_UNKNOWN, [EXT2_FT_REG_FILE] = DT_REG, [EXT2_FT_DIR] = DT_DIR,
	[EXT2_FT_CHRDEV] = DT_CHR, [EXT2_FT_BLKDEV] = DT_BLK, [EXT2_FT_FIFO] = DT_FIFO,
	[EXT2_FT_SOCK] = DT_SOCK, [EXT2_FT_SYMLINK] = DT_LNK,
};

bool ext2_dirent_ok(struct inode *dir, const struct ext2_dir_entry *de, u32 offset,
			   u32 block_size)
{
	if (de->rec_len >= EXT2_DIR_REC_LEN(1) && !(de->rec_len & 3) &&
	    offset + de->rec_len <= block_size && EXT2_DIR_REC_LEN(de->name_len) <= de->rec_len)
		return true;
	pr_err("ext2: directory inode %lu: bad entry at offset %u", (unsigned long)dir->i_ino, offset);
	return false;
}

/*
 * Read directory block n into a locked buffer; ERR_PTR on error, NULL for
 * a hole (which a directory should not have: it is skipped).
 */
struct buffer *ext2_dir_block(struct inode *dir, u64 n)
{
	s64 block = ext2_block_map(dir, n);

	if (block < 0)
		return ERR_PTR(block);
	if (block == 0)
		return NULL;
	return ext2_bread(dir->i_sb, block, BUFFER_FILE_DATA);
}

/*
 * Find name in dir: its record, in its locked buffer *bufp, and the record
 * before it in the same block (NULL if it is the first).  NULL if absent.
 */
struct ext2_dir_entry *ext2_find_record(struct inode *dir, const struct qstr *name,
					       struct buffer **bufp, struct ext2_dir_entry **prevp)
{
	u32 block_size = EXT2_SB(dir->i_sb)->block_size;
	u64 blocks = dir->i_size / block_size;

	for (u64 n = 0; n < blocks; n++) {
		struct buffer *b = ext2_dir_block(dir, n);
		struct ext2_dir_entry *prev = NULL;
		u32 offset = 0;

		if (IS_ERR_OR_NULL(b))
			continue;
		while (offset < block_size) {
			struct ext2_dir_entry *de = (void *)((char *)b->data + offset);

			if (!ext2_dirent_ok(dir, de, offset, block_size))
				break;
			if (de->inode && de->name_len == name->len &&
			    !memcmp(de->name, name->name, name->len)) {
				*bufp = b;
				*prevp = prev;
				return de;
			}
			prev = de;
			offset += de->rec_len;
		}
		brelse(b);
	}
	return NULL;
}

int ext2_lookup(struct inode *dir, struct dentry *dentry)
{
	struct ext2_dir_entry *de, *prev;
	struct inode *inode;
	struct buffer *b;
	u32 ino;

	de = ext2_find_record(dir, &dentry->d_name, &b, &prev);
	if (!de) {
		d_add(dentry, NULL);
		return 0;
	}
	ino = de->inode;
	brelse(b);
	inode = ext2_iget(dir->i_sb, ino);
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	d_add(dentry, inode);
	return 0;
}

static int ext2_readdir(struct file *file, struct dir_context *ctx)
{
	struct inode *dir = file->f_inode;
	u32 block_size = EXT2_SB(dir->i_sb)->block_size;
	/*
	 * The entries go to user memory, which may fault (and a fault may need
	 * this disk's buffers): so they are read from a copy of each block,
	 * never with a buffer locked.  The directory's i_rwsem, held shared,
	 * keeps the copy true.
	 */
	char *copy = kmalloc(block_size, GFP_NOFS);
	int err = 0;

	if (!copy)
		return -ENOMEM;
	while (ctx->pos < dir->i_size) {
		u64 n = ctx->pos / block_size;
		struct buffer *b = ext2_dir_block(dir, n);
		u32 offset = 0, start = ctx->pos % block_size;

		if (IS_ERR(b)) {
			err = PTR_ERR(b);
			break;
		}
		if (!b) {
			ctx->pos = (n + 1) * block_size;
			continue;
		}
		memcpy(copy, b->data, block_size);
		brelse(b);
		/* Walk from the block's start, so a stale position lands on a record. */
		while (offset < block_size) {
			struct ext2_dir_entry *de = (void *)(copy + offset);

			if (!ext2_dirent_ok(dir, de, offset, block_size)) {
				kfree(copy);
				return -EIO;
			}
			if (offset >= start && de->inode) {
				unsigned int type = de->file_type < sizeof(ext2_dt_of_type) ?
						    ext2_dt_of_type[de->file_type] : DT_UNKNOWN;

				ctx->pos = n * block_size + offset;
				if (!ctx->actor(ctx, de->name, de->name_len, de->inode, type)) {
					kfree(copy);
					return 0;
				}
			}
			offset += de->rec_len;
		}
		ctx->pos = (n + 1) * block_size;
	}
	kfree(copy);
	return err;
}

const struct file_operations ext2_dir_ops = {
	.llseek = generic_file_llseek,
	.iterate = ext2_readdir,
	.fsync = ext2_fsync,
};

