/*
 * ext2: mounting (reading and checking the super block), group
 * descriptors, statfs and sync.
 *
 * The super block stays on the disk, cached in the buffer of the block
 * that holds it; the free counts there and in the group descriptors are
 * kept exact at every allocation (under alloc_mutex), so the disk is
 * consistent for e2fsck after any sync.
 */
#include <err.h>
#include <errno.h>
#include <kmalloc.h>
#include <printk.h>
#include <string.h>
#include "ext2.h"

_Static_assert(sizeof(struct ext2_super_block) == 1024, "ext2 super block is 1024 bytes");
_Static_assert(sizeof(struct ext2_group_desc) == 32, "ext2 group descriptor is 32 bytes");
_Static_assert(sizeof(struct ext2_inode) == 128, "ext2 inode is 128 bytes");

struct buffer *ext2_bread(struct super_block *sb, u32 block, enum buffer_role role)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);

	if (block < sbi->first_data_block || block >= sbi->blocks_count) {
		pr_err("ext2: %s: block %u is outside the file system", sbi->disk->name, block);
		return ERR_PTR(-EIO);
	}
	return bread(sbi->disk, block, sbi->block_size, role);
}

struct ext2_group_desc *ext2_group_desc(struct super_block *sb, u32 g, struct buffer **bufp)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);
	struct buffer *b = ext2_bread(sb, sbi->first_data_block + 1 + g / sbi->desc_per_block,
				      BUFFER_FS_METADATA);

	if (IS_ERR(b))
		return ERR_CAST(b);
	*bufp = b;
	return (struct ext2_group_desc *)b->data + g % sbi->desc_per_block;
}

struct disk_search {
	const char *name;
	struct gendisk *found;
};

static void match_disk_name(struct gendisk *disk, void *arg)
{
	struct disk_search *search = arg;

	if (!search->found && !strcmp(disk->name, search->name))
		search->found = disk;
}

/* "/dev/vda" or "vda": the disk (never removed, so the pointer stays good), or NULL. */
static struct gendisk *disk_named(const char *source)
{
	struct disk_search search = { .name = source, .found = NULL };

	if (!strncmp(source, "/dev/", 5))
		search.name += 5;
	disk_for_each(match_disk_name, &search);
	return search.found;
}

/* Check a super block read from the disk; fill sbi from it.  0 or -EINVAL. */
static int ext2_parse_super(struct ext2_sb_info *sbi, const struct ext2_super_block *es)
{
	const char *name = sbi->disk->name;

	if (es->s_magic != EXT2_SUPER_MAGIC) {
		pr_err("ext2: %s: no ext2 file system (magic %#x)", name, es->s_magic);
		return -EINVAL;
	}
	if (es->s_rev_level < 1 || es->s_log_block_size > 2 || es->s_inodes_per_group == 0 ||
	    es->s_blocks_per_group == 0 || es->s_blocks_per_group > 8192u << es->s_log_block_size) {
		pr_err("ext2: %s: unsupported revision or geometry", name);
		return -EINVAL;
	}
	if (es->s_feature_incompat & ~EXT2_INCOMPAT_SUPPORTED) {
		pr_err("ext2: %s: unsupported incompatible features %#x", name,
		       es->s_feature_incompat & ~EXT2_INCOMPAT_SUPPORTED);
		return -EINVAL;
	}
	sbi->block_size = 1024u << es->s_log_block_size;
	sbi->addr_per_block = sbi->block_size / 4;
	sbi->blocks_count = es->s_blocks_count;
	sbi->inodes_count = es->s_inodes_count;
	sbi->first_data_block = es->s_first_data_block;
	sbi->blocks_per_group = es->s_blocks_per_group;
	sbi->inodes_per_group = es->s_inodes_per_group;
	sbi->inode_size = es->s_inode_size;
	sbi->first_ino = es->s_first_ino;
	sbi->groups = (es->s_blocks_count - es->s_first_data_block + es->s_blocks_per_group - 1) /
		      es->s_blocks_per_group;
	sbi->desc_per_block = sbi->block_size / sizeof(struct ext2_group_desc);
	sbi->feature_ro_compat = es->s_feature_ro_compat;
	if (sbi->inode_size < EXT2_GOOD_OLD_INODE_SIZE || sbi->inode_size > sbi->block_size ||
	    (sbi->inode_size & (sbi->inode_size - 1))) {
		pr_err("ext2: %s: bad inode size %u", name, sbi->inode_size);
		return -EINVAL;
	}
	if ((u64)sbi->groups * sbi->inodes_per_group < sbi->inodes_count) {
		pr_err("ext2: %s: inode count does not fit the groups", name);
		return -EINVAL;
	}
	sbi->read_only = sbi->disk->read_only ||
			 (es->s_feature_ro_compat & ~EXT2_RO_COMPAT_SUPPORTED);
	return 0;
}

static int ext2_statfs(struct super_block *sb, struct statfs *buf)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);
	struct buffer *b = bread(sbi->disk, 1, EXT2_SUPER_OFFSET, BUFFER_SUPER);
	const struct ext2_super_block *es;

	if (IS_ERR(b))
		return PTR_ERR(b);
	es = b->data;
	buf->f_bsize = sbi->block_size;
	buf->f_frsize = sbi->block_size;
	buf->f_blocks = es->s_blocks_count;
	buf->f_bfree = es->s_free_blocks_count;
	buf->f_bavail = es->s_free_blocks_count > es->s_r_blocks_count ?
			es->s_free_blocks_count - es->s_r_blocks_count : 0;
	buf->f_files = es->s_inodes_count;
	buf->f_ffree = es->s_free_inodes_count;
	buf->f_namelen = EXT2_NAME_LEN;
	brelse(b);
	return 0;
}

/*
 * Every file's dirty pages, then every dirty buffer, then a flush.  The
 * list is walked under inodes_mutex, which an inode on its way out must
 * take to leave it: one being written here stays whole meanwhile.
 */
static int ext2_sync_fs(struct super_block *sb)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);
	struct ext2_inode_info *ei;
	int err = 0;

	mutex_lock(&sbi->inodes_mutex);
	list_for_each_entry(ei, &sbi->inodes, sb_link)
		if (filemap_write_and_wait(&ei->inode->i_data))
			err = -EIO;
	mutex_unlock(&sbi->inodes_mutex);
	if (buffer_sync_disk(sbi->disk))
		err = -EIO;
	return err;
}

/* The flusher's periodic pass: the buffers (all of ext2's metadata) dirty that long. */
static void ext2_write_metadata(struct super_block *sb, u64 dirtied_before)
{
	struct ext2_sb_info *sbi = EXT2_SB(sb);

	if (!sbi->read_only)
		buffer_writeback_disk(sbi->disk, dirtied_before);	/* errors: B_WRITE_ERROR */
}

static void ext2_evict_inode(struct inode *inode)
{
	struct ext2_sb_info *sbi = EXT2_SB(inode->i_sb);
	struct ext2_inode_info *ei = EXT2_I(inode);

	truncate_inode_pages(&inode->i_data, 0);
	kfree(inode->i_link);
	if (!ei)
		return;		/* never fully read in */
	mutex_lock(&sbi->inodes_mutex);
	if (ei->inode)
		list_del(&ei->sb_link);
	mutex_unlock(&sbi->inodes_mutex);
	if (inode->i_nlink == 0 && ei->inode && !sbi->read_only) {
		/* No names, nobody has it open: its blocks and its number go back. */
		if (ext2_has_block_map(inode))
			ext2_truncate_blocks(inode, 0);
		inode->i_size = 0;
		ei->i_dtime = current_time().tv_sec;
		ext2_write_inode(inode);
		ext2_release_inode_number(inode->i_sb, inode->i_ino, S_ISDIR(inode->i_mode));
	}
	kfree(ei);
}

/* As on the disk: data and indirect blocks, in 512-byte units (0 for a fast symlink or a device). */
static u64 ext2_inode_blocks(struct inode *inode)
{
	return EXT2_I(inode) ? READ_ONCE(EXT2_I(inode)->i_blocks) : 0;
}

static void ext2_dirty_inode(struct inode *inode)
{
	if (EXT2_I(inode) && !EXT2_SB(inode->i_sb)->read_only)
		ext2_write_inode(inode);
}

static const struct super_operations ext2_sops = {
	.evict_inode = ext2_evict_inode,
	.dirty_inode = ext2_dirty_inode,
	.inode_blocks = ext2_inode_blocks,
	.statfs = ext2_statfs,
	.sync_fs = ext2_sync_fs,
	.write_metadata = ext2_write_metadata,
};

/*
 * The largest file: what the block map reaches, or what i_blocks (32 bits
 * of 512-byte sectors, data and indirect blocks together) can count.
 */
static u64 ext2_max_size(u32 block_size)
{
	u64 per = block_size / 4, shift = __builtin_ctz(block_size);
	u64 blocks = EXT2_NDIR_BLOCKS + per + per * per + per * per * per;
	u64 limit = (((1ull << 32) - 1) >> (shift - 9));
	u64 meta;

	if (blocks + 1 + (1 + per) + (1 + per + per * per) > limit) {
		u64 rest = limit - EXT2_NDIR_BLOCKS - per;

		blocks = limit;
		if (rest < per * per) {
			meta = 1 + 1 + (rest + per - 1) / per;
		} else {
			rest -= per * per;
			meta = 1 + (1 + per) + 1 + (rest + per - 1) / per +
			       (rest + per * per - 1) / (per * per);
		}
		blocks -= meta;
	}
	return MIN(blocks << shift, MAX_FILE_SIZE);
}

static struct super_block *ext2_mount(struct file_system_type *type, const char *source)
{
	struct ext2_sb_info *sbi;
	struct super_block *sb;
	struct buffer *b;
	struct inode *root;
	int err;

	(void)type;
	if (!source)
		return ERR_PTR(-EINVAL);
	sbi = kzalloc(sizeof(*sbi), GFP_KERNEL);
	if (!sbi)
		return ERR_PTR(-ENOMEM);
	sbi->disk = disk_named(source);
	if (!sbi->disk) {
		kfree(sbi);
		return ERR_PTR(-ENODEV);
	}
	mutex_init(&sbi->alloc_mutex, "ext2_alloc");
	mutex_init(&sbi->iget_mutex, "ext2_iget");
	mutex_init(&sbi->inodes_mutex, "ext2_inodes");
	list_init(&sbi->inodes);
	/*
	 * The super block is read as 1 KiB block 1 before the block size is
	 * known; statfs keeps reading it that way.  Writers go through the
	 * same buffer, so there is only ever one copy of it in the cache.
	 */
	b = bread(sbi->disk, 1, EXT2_SUPER_OFFSET, BUFFER_SUPER);
	if (IS_ERR(b)) {
		kfree(sbi);
		return ERR_CAST(b);
	}
	err = ext2_parse_super(sbi, b->data);
	brelse(b);
	if (err) {
		kfree(sbi);
		return ERR_PTR(err);
	}
	sb = alloc_super(&ext2_sops, EXT2_SUPER_MAGIC);
	if (!sb) {
		kfree(sbi);
		return ERR_PTR(-ENOMEM);
	}
	sb->s_fs_info = sbi;
	sb->s_dev = MKDEV(sbi->disk->major, sbi->disk->first_minor);
	sb->s_maxbytes = ext2_max_size(sbi->block_size);
	sb->s_blocksize = sbi->block_size < PAGE_SIZE ? sbi->block_size : 0;
	root = ext2_iget(sb, EXT2_ROOT_INO);
	if (IS_ERR(root)) {
		kfree(sbi);
		kfree(sb);
		return ERR_CAST(root);
	}
	pr_info("ext2: %s: %u blocks of %u bytes, %u inodes, %u groups%s", sbi->disk->name,
		sbi->blocks_count, sbi->block_size, sbi->inodes_count, sbi->groups,
		sbi->read_only ? ", read-only" : "");
	return sb_set_root(sb, root);
}

struct file_system_type ext2_fs_type = {
	.name = "ext2",
	.mount = ext2_mount,
};
