/*
 * ext2 inodes: reading them from the inode table and writing them back,
 * and filling page-cache pages (the block map is in blockmap.c).
 */
#include <err.h>
#include <errno.h>
#include <kmalloc.h>
#include <lockdep.h>
#include <printk.h>
#include <string.h>
#include "ext2.h"

/* The buffer holding inode ino's slot of the inode table, and where in it. */
struct ext2_inode *ext2_raw_inode(struct super_block *sb, u64 ino, struct buffer **bufp)
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
	b = ext2_bread(sb, table + offset / sbi->block_size, BUFFER_FS_METADATA);
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

bool ext2_has_block_map(struct inode *inode)
{
	if (S_ISREG(inode->i_mode) || S_ISDIR(inode->i_mode))
		return true;
	return S_ISLNK(inode->i_mode) && !ext2_fast_symlink(inode);
}

/* i_link for a symlink: its target, NUL-terminated. */
static int ext2_read_link(struct inode *inode)
{
	u32 block_size = EXT2_SB(inode->i_sb)->block_size;
	struct buffer *b;
	s64 block;

	if (inode->i_size >= block_size || inode->i_size == 0)
		return -EIO;
	inode->i_link = kmalloc(inode->i_size + 1, GFP_NOFS);
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
		b = ext2_bread(inode->i_sb, block, BUFFER_FILE_DATA);
		if (IS_ERR(b))
			return PTR_ERR(b);
		memcpy(inode->i_link, b->data, inode->i_size);
		brelse(b);
	}
	inode->i_link[inode->i_size] = '\0';
	return 0;
}

/*
 * Record the in-memory inode in its inode-table slot (in the buffer
 * cache: the disk gets it at the next sync).  map_mutex held, for i_data
 * and i_blocks.  The slot's bytes past the fields named here (the rest of
 * a 256-byte inode) are kept as they are.
 */
int ext2_write_inode_locked(struct inode *inode)
{
	struct ext2_inode_info *ei = EXT2_I(inode);
	struct ext2_inode *raw;
	struct buffer *b;

	if (EXT2_SB(inode->i_sb)->read_only)
		return -EROFS;
	raw = ext2_raw_inode(inode->i_sb, inode->i_ino, &b);
	if (IS_ERR(raw))
		return PTR_ERR(raw);
	spin_lock(&inode->i_lock);
	raw->i_mode = inode->i_mode;
	raw->i_uid = inode->i_uid & 0xffff;
	raw->i_uid_high = inode->i_uid >> 16;
	raw->i_gid = inode->i_gid & 0xffff;
	raw->i_gid_high = inode->i_gid >> 16;
	raw->i_links_count = inode->i_nlink;
	raw->i_atime = inode->i_atime.tv_sec;
	raw->i_mtime = inode->i_mtime.tv_sec;
	raw->i_ctime = inode->i_ctime.tv_sec;
	spin_unlock(&inode->i_lock);
	raw->i_size = inode->i_size;
	raw->i_size_high = S_ISREG(inode->i_mode) ? inode->i_size >> 32 : raw->i_size_high;
	raw->i_dtime = ei->i_dtime;
	raw->i_flags = ei->i_flags;
	raw->i_blocks = ei->i_blocks;
	raw->i_file_acl = ei->i_file_acl;
	memcpy(raw->i_block, ei->i_data, sizeof(raw->i_block));
	bmark_dirty(b);
	brelse(b);
	return 0;
}

int ext2_write_inode(struct inode *inode)
{
	struct ext2_inode_info *ei = EXT2_I(inode);
	int err;

	mutex_lock(&ei->map_mutex);
	err = ext2_write_inode_locked(inode);
	mutex_unlock(&ei->map_mutex);
	return err;
}

void ext2_track_inode(struct inode *inode)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->i_sb);

	EXT2_I(inode)->inode = inode;
	mutex_lock(&sbi->inodes_mutex);
	list_add_tail(&EXT2_I(inode)->sb_link, &sbi->inodes);
	mutex_unlock(&sbi->inodes_mutex);
}

bool ext2_set_inode_ops(struct inode *inode, dev_t rdev)
{
	switch (inode->i_mode & S_IFMT) {
	case S_IFREG:
		inode->i_op = &ext2_file_inode_ops;
		inode->i_fop = &ext2_file_ops;
		return true;
	case S_IFDIR:
		inode->i_op = &ext2_dir_inode_ops;
		inode->i_fop = &ext2_dir_ops;
		return true;
	case S_IFLNK:
		inode->i_op = &ext2_file_inode_ops;
		return true;
	case S_IFCHR: case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		inode->i_op = &ext2_file_inode_ops;
		init_special_inode(inode, inode->i_mode, rdev);
		return true;
	default:
		return false;
	}
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
	if (!ext2_set_inode_ops(inode, ext2_decode_dev(raw)))
		return -EIO;
	return S_ISLNK(inode->i_mode) ? ext2_read_link(inode) : 0;
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
	struct ext2_inode *raw, copy;
	struct inode *inode;
	struct buffer *b;
	int err;

	mutex_lock(&sbi->iget_mutex);
	inode = ilookup(sb, ino);
	if (inode)
		goto out;
	inode = new_inode(sb);
	ei = kzalloc(sizeof(*ei), GFP_NOFS);
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
	/*
	 * Let go of the inode table's buffer first: filling in a slow
	 * symlink reads its block, and metadata buffers are taken inside
	 * file blocks, never around them (include/buffer.h).
	 */
	copy = *raw;
	brelse(b);
	err = ext2_fill_inode(inode, &copy);
	if (err) {
		pr_err("ext2: %s: inode %lu is corrupt (%d)", sbi->disk->name, (unsigned long)ino, err);
		ext2_free_new_inode(inode);
		inode = ERR_PTR(-EIO);
		goto out;
	}
	inode_hash_insert(inode);
	ext2_track_inode(inode);
out:
	mutex_unlock(&sbi->iget_mutex);
	return inode;
}

/*
 * The I/O of one page: a bio per run of blocks contiguous on the disk, all
 * in flight at once; the last to end finishes the page, from the
 * interrupt: a read makes it uptodate (or marks the error) and unlocks it,
 * a write ends its writeback.  Nobody waits here: whoever wants the page
 * waits for its lock, so read-ahead costs its caller nothing.
 */
struct page_io {
	struct page *page;
	enum blk_op op;
	int pending;			/* atomic: bios not yet ended, + 1 while submitting */
	int error;			/* atomic: -EIO if a bio failed, -ENOMEM if one could not be sent */
	struct bio bios[PAGE_SIZE / 1024];
	struct bio_vec vecs[PAGE_SIZE / 1024];
};

static void page_io_put(struct page_io *io)
{
	if (__atomic_sub_fetch(&io->pending, 1, __ATOMIC_ACQ_REL))
		return;
	if (io->op == BLK_OP_READ) {
		if (io->error) {
			page_set_flag(io->page, PG_error);
		} else {
			page_clear_flag(io->page, PG_error);
			page_set_flag(io->page, PG_uptodate);
		}
		unlock_page(io->page);
	} else if (io->error == -ENOMEM) {
		/* The block layer had no memory for a request: nothing is lost, write it later. */
		set_page_dirty(io->page);
		end_page_writeback(io->page, 0);
	} else {
		end_page_writeback(io->page, io->error);
	}
	kfree(io);
}

static void page_io_end(struct bio *bio)
{
	struct page_io *io = bio->private;
	int no_error = 0;

	/* An I/O error wins over "no memory to send it" (which loses nothing). */
	if (bio->status == -ENOMEM)
		__atomic_compare_exchange_n(&io->error, &no_error, -ENOMEM, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	else if (bio->status)
		__atomic_store_n(&io->error, -EIO, __ATOMIC_RELAXED);
	page_io_put(io);
}

/*
 * Map the page's blocks below EOF and submit them (into plug, if given); a
 * hole (or a block past EOF) is zeroed for a read and skipped for a write.
 * 0 or -errno (then nothing was submitted).
 */
static int ext2_submit_page(struct inode *inode, struct page_io *io, struct blk_plug *plug)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->i_sb);
	u32 per_page = PAGE_SIZE / sbi->block_size;
	u64 first = (u64)io->page->index * per_page;
	char *data = page_address(io->page);
	int nr = 0;
	s64 prev = -1;

	for (u32 i = 0; i < per_page; i++) {
		u32 offset = i * sbi->block_size;
		s64 block = 0;

		if ((first + i) * sbi->block_size < inode->i_size)
			block = ext2_block_map(inode, first + i);
		if (block < 0)
			return block;
		if (block == 0) {
			if (io->op == BLK_OP_READ)
				memset(data + offset, 0, sbi->block_size);
			prev = -1;
			continue;
		}
		if (prev < 0 || block != prev + 1 ||
		    !bio_add_page(&io->bios[nr - 1], io->page, sbi->block_size, offset)) {
			bio_init(&io->bios[nr], sbi->disk, io->op,
				 (u64)block * (sbi->block_size >> SECTOR_SHIFT), &io->vecs[nr], 1);
			bio_add_page(&io->bios[nr], io->page, sbi->block_size, offset);
			nr++;
		}
		prev = block;
	}
	io->pending = 1 + nr;
	for (int i = 0; i < nr; i++) {
		io->bios[i].private = io;
		io->bios[i].end_io = page_io_end;
		if (plug)
			blk_plug_bio(plug, &io->bios[i]);
		else
			submit_bio(&io->bios[i]);
	}
	return 0;
}

/*
 * Start filling a locked page of a regular file from the disk; the I/O's
 * end unlocks it (uptodate, or with PG_error).  An error found before any
 * I/O starts (the block map unreadable) is returned, the page unlocked.
 */
static int ext2_readpage(struct file *file, struct page *page)
{
	struct page_io *io = kzalloc(sizeof(*io), GFP_NOFS);
	int err = -ENOMEM;

	(void)file;
	if (io) {
		io->page = page;
		io->op = BLK_OP_READ;
		err = ext2_submit_page(page->mapping->host, io, NULL);
	}
	if (err) {
		kfree(io);
		unlock_page(page);
		return err;
	}
	/* The lock is the I/O's now: the validator must not see this task hold it. */
	lockdep_page_unlock(page);
	page_io_put(io);	/* the submitter's share: a page of holes ends here */
	return 0;
}

/* Start writing a locked page under writeback (see pagecache.h); unlock it. */
static int ext2_writepage(struct page *page, struct blk_plug *plug)
{
	struct page_io *io = kzalloc(sizeof(*io), GFP_NOFS);
	int err = -ENOMEM;

	if (io) {
		io->page = page;
		io->op = BLK_OP_WRITE;
		err = ext2_submit_page(page->mapping->host, io, plug);
	}
	unlock_page(page);
	if (!err) {
		page_io_put(io);
		return 0;
	}
	kfree(io);
	if (err == -ENOMEM) {
		/* Not even started: the data stays dirty, nothing is lost, nothing to report. */
		set_page_dirty(page);
		end_page_writeback(page, 0);
	} else {
		end_page_writeback(page, err);
	}
	return err;
}

/*
 * Every block of [offset, offset + len) of a locked page must exist on
 * the disk.  A block allocated here is a hole until now, which the page
 * holds as zeros: the page is dirtied even if a later block cannot be
 * had, so those zeros reach the new block.  0 or -errno.
 */
static int ext2_allocate_page_blocks(struct inode *inode, struct page *page, size_t offset,
				     size_t len)
{
	u32 block_size = EXT2_SB(inode->i_sb)->block_size;
	u64 first = ((u64)page->index * PAGE_SIZE + offset) / block_size;
	u64 last = ((u64)page->index * PAGE_SIZE + offset + len - 1) / block_size;
	bool new = false;
	s64 block = 0;

	for (u64 n = first; n <= last && block >= 0; n++)
		block = ext2_block_map_create(inode, n, &new);
	if (new)
		set_page_dirty(page);
	return block < 0 ? (int)block : 0;
}

/* Before write() copies into [offset, offset + len) of a locked page (i_rwsem held). */
static int ext2_prepare_write(struct file *file, struct page *page, size_t offset, size_t len)
{
	struct inode *inode = file->f_inode;
	int err = ext2_allocate_page_blocks(inode, page, offset, len);

	/* Nothing may stay allocated past EOF (e2fsck checks): give back what is there. */
	if (err)
		ext2_truncate_blocks(inode, inode->i_size);
	return err;
}

/*
 * Before a store through a shared mapping dirties a locked page: its
 * blocks below EOF (the ones writeback will write).  Nothing past EOF is
 * allocated, so a failure leaves nothing to give back.
 */
static int ext2_page_mkwrite(struct file *file, struct page *page)
{
	struct inode *inode = file->f_inode;
	u64 start = (u64)page->index * PAGE_SIZE, size = READ_ONCE(inode->i_size);

	int err;

	if (EXT2_SB(inode->i_sb)->read_only)
		return -EROFS;
	err = ext2_allocate_page_blocks(inode, page, 0, MIN(PAGE_SIZE, size - start));
	if (!err)
		inode_touch_mtime(inode);	/* a store is a change of the file, as write() is */
	return err;
}

const struct address_space_operations ext2_aops = {
	.readpage = ext2_readpage,
	.prepare_write = ext2_prepare_write,
	.page_mkwrite = ext2_page_mkwrite,
	.writepage = ext2_writepage,
};
