/*
 * ext2 inside Pagoda: the in-memory super block and inode, and the calls
 * between the files of fs/ext2/.
 *
 * Where things are cached:
 *   - file data (regular files) in each inode's page cache;
 *   - everything else (super block, group descriptors, bitmaps, inode
 *     tables, indirect blocks, directories, slow symlinks) in the buffer
 *     cache (include/buffer.h), one buffer per block.
 *
 * Locks, outer first (see also fs/vfs.c and mm/filemap.c):
 *   inode->i_rwsem                 a directory's names, a file's size
 *     ext2_inode->map_mutex        its block map (i_data and indirect blocks)
 *       page lock                  (file data pages; never taken under map_mutex)
 *       a file's block buffers     directory and symlink blocks, then indirect
 *                                  blocks parent first (held across alloc_mutex
 *                                  when the tree grows or shrinks)
 *         sbi->alloc_mutex         bitmaps, free counts, group descriptors
 *           metadata buffers       group descriptors, bitmaps, inode tables in
 *                                  ascending disk order, then the super block
 * (buffer roles: include/buffer.h; the lock validator checks this order)
 *   sbi->iget_mutex                reading an inode in: taken under a directory's
 *                                  i_rwsem, takes map_mutex (slow symlinks) and buffers
 */
#ifndef PAGODA_FS_EXT2_H
#define PAGODA_FS_EXT2_H

#include <blkdev.h>
#include <buffer.h>
#include <ext2_fs.h>
#include <fs.h>
#include <mutex.h>

struct ext2_sb_info {
	struct gendisk *disk;		/* fixed */
	u32 block_size;			/* fixed: bytes */
	u32 addr_per_block;		/* fixed: block numbers in an indirect block */
	u32 blocks_count, inodes_count;	/* fixed */
	u32 first_data_block;		/* fixed: 1 with 1 KiB blocks, else 0 */
	u32 blocks_per_group;		/* fixed */
	u32 inodes_per_group;		/* fixed */
	u32 inode_size;			/* fixed: bytes per inode-table slot */
	u32 first_ino;			/* fixed: the first inode for files */
	u32 groups;			/* fixed */
	u32 desc_per_block;		/* fixed */
	u32 feature_ro_compat;		/* fixed */
	bool read_only;			/* fixed: unknown ro_compat features, or a read-only disk */
	struct mutex alloc_mutex;	/* bitmaps, free counts (descriptors and super block) */
	struct mutex iget_mutex;	/* one inode read or made at a time */
	struct mutex inodes_mutex;	/* inodes: sync walks them, evict leaves */
	struct list_head inodes;	/* inodes_mutex: every live inode (ext2_inode_info.sb_link) */
};

struct ext2_inode_info {
	struct mutex map_mutex;		/* i_data and the inode's indirect blocks */
	u32 i_data[EXT2_N_BLOCKS];	/* map_mutex */
	u32 i_flags;			/* the inode's i_rwsem */
	u32 i_blocks;			/* map_mutex: 512-byte sectors, as on the disk */
	u32 i_file_acl;			/* fixed: extended attribute block, kept as found */
	u32 i_dtime;
	u32 block_group;		/* fixed: where the inode lives */
	struct inode *inode;		/* fixed: whose this is */
	struct list_head sb_link;	/* sbi->inodes_mutex */
};

static inline struct ext2_sb_info *EXT2_SB(struct super_block *sb) { return sb->s_fs_info; }
static inline struct ext2_inode_info *EXT2_I(struct inode *inode) { return inode->i_fs_info; }

/* super.c */
extern struct file_system_type ext2_fs_type;
/* Group descriptor g, in its locked buffer *bufp (brelse it). */
struct ext2_group_desc *ext2_group_desc(struct super_block *sb, u32 g, struct buffer **bufp);
/* A block of the file system, checked to lie inside it (role: include/buffer.h). */
struct buffer *ext2_bread(struct super_block *sb, u32 block, enum buffer_role role);

/* balloc.c: bitmaps and counts.  The super block in its locked buffer *bufp. */
struct ext2_super_block *ext2_super(struct super_block *sb, struct buffer **bufp);
bool ext2_test_bit(const void *map, u32 bit);
void ext2_change_bit(void *map, u32 bit, bool set);
/* The first clear bit in [from, nbits) of map, or nbits. */
u32 ext2_find_clear_bit(const void *map, u32 from, u32 nbits);
/* Add to group g's free blocks, free inodes and directories, and the super block's totals. */
int ext2_update_counts(struct super_block *sb, u32 g, int blocks, int inodes, int dirs);
/* A free block, near goal if it can (its number, or -ENOSPC / -EIO / -EROFS). */
s64 ext2_new_block(struct super_block *sb, u32 goal);
/* Give a block back (its cached copy is forgotten first). */
int ext2_free_block(struct super_block *sb, u32 block);

/* ialloc.c: a new inode near dir (linked once: the caller names it), or ERR_PTR. */
struct inode *ext2_new_inode(struct inode *dir, umode_t mode);
/* Give inode number ino back to the bitmap. */
void ext2_release_inode_number(struct super_block *sb, u64 ino, bool dir);

/* inode.c */
/* A new inode joins the file system's list (sync finds its pages there). */
void ext2_track_inode(struct inode *inode);
/* The inode's slot in the inode table, in its locked buffer *bufp. */
struct ext2_inode *ext2_raw_inode(struct super_block *sb, u64 ino, struct buffer **bufp);
/* Does i_data hold block numbers?  (A fast symlink keeps its target there, a device its number.) */
bool ext2_has_block_map(struct inode *inode);
/* i_op and i_fop for the inode's type (rdev for device files); false for an unknown type. */
bool ext2_set_inode_ops(struct inode *inode, dev_t rdev);
struct inode *ext2_iget(struct super_block *sb, u64 ino);
/* Record the inode in the inode table (in the buffer cache); _locked: map_mutex held. */
int ext2_write_inode(struct inode *inode);
int ext2_write_inode_locked(struct inode *inode);

/* blockmap.c */
/* The disk block holding file block `iblock`, 0 for a hole; negative errno. */
s64 ext2_block_map(struct inode *inode, u64 iblock);
/*
 * The same, allocating the block (and indirect blocks) if it is a hole
 * (*new, if not NULL, is then set); -ENOSPC, -EFBIG.
 */
s64 ext2_block_map_create(struct inode *inode, u64 iblock, bool *new);
/*
 * A new disk block for file block iblock (a hole until now), zeroed in the
 * buffer cache, locked: for directories and slow symlinks, whose blocks
 * are metadata.  ERR_PTR(-ENOSPC) and the like.
 */
struct buffer *ext2_new_block_buffer(struct inode *inode, u64 iblock);
/* Free every block that holds data at byte `size` or beyond (the size itself is the caller's). */
int ext2_truncate_blocks(struct inode *inode, u64 size);
extern const struct address_space_operations ext2_aops;

/* dir.c */
extern const struct inode_operations ext2_dir_inode_ops;
extern const struct file_operations ext2_dir_ops;
int ext2_lookup(struct inode *dir, struct dentry *dentry);
/* Is the record at offset in a block of block_size sane?  If not, says so on the console. */
bool ext2_dirent_ok(struct inode *dir, const struct ext2_dir_entry *de, u32 offset, u32 block_size);
/* Directory block n, locked; NULL for a hole, ERR_PTR on error. */
struct buffer *ext2_dir_block(struct inode *dir, u64 n);
/*
 * Find name in dir: its record, in its locked buffer *bufp, and the record
 * before it in the same block (NULL if it is the first).  NULL if absent
 * (or unreadable: lookup then says it does not exist, and the log says why).
 */
struct ext2_dir_entry *ext2_find_record(struct inode *dir, const struct qstr *name,
					struct buffer **bufp, struct ext2_dir_entry **prevp);

/* namei.c */
int ext2_add_entry(struct inode *dir, const struct qstr *name, struct inode *inode);

/* file.c */
extern const struct file_operations ext2_file_ops;
extern const struct inode_operations ext2_file_inode_ops;
int ext2_setattr(struct dentry *dentry, const struct iattr *attr);
int ext2_fsync(struct file *file);

#endif
