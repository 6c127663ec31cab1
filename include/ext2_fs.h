/*
 * ext2 as it lies on the disk (all fields little-endian), revision 1, as
 * e2fsprogs' mkfs.ext2 makes it.  Only what Pagoda reads or writes is
 * named; the rest is padding kept as found.
 *
 * The disk: block 0 holds the boot block and, at byte 1024, the super
 * block; the group descriptor table follows the super block's block.  The
 * blocks are split into groups of s_blocks_per_group, each with a block
 * bitmap, an inode bitmap and a slice of the inode table (where its group
 * descriptor says).  With sparse_super only groups 0, 1 and powers of 3, 5
 * and 7 carry backup copies of the super block and descriptors.
 */
#ifndef PAGODA_EXT2_FS_H
#define PAGODA_EXT2_FS_H

#include <types.h>

#define EXT2_SUPER_OFFSET 1024
#define EXT2_SUPER_MAGIC 0xef53
#define EXT2_ROOT_INO 2
#define EXT2_GOOD_OLD_FIRST_INO 11
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_NAME_LEN 255
#define EXT2_LINK_MAX 32000

/* Feature bits Pagoda knows. */
#define EXT2_FEATURE_COMPAT_EXT_ATTR 0x0008	/* extended attribute blocks (kept, not read) */
#define EXT2_FEATURE_COMPAT_RESIZE_INODE 0x0010	/* reserved descriptor blocks (inode 7 owns them) */
#define EXT2_FEATURE_COMPAT_DIR_INDEX 0x0020	/* htree directories (read as plain ones) */
#define EXT2_FEATURE_INCOMPAT_FILETYPE 0x0002	/* a file type byte in directory entries */
#define EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER 0x0001
#define EXT2_FEATURE_RO_COMPAT_LARGE_FILE 0x0002	/* i_size_high for regular files */
#define EXT2_INCOMPAT_SUPPORTED EXT2_FEATURE_INCOMPAT_FILETYPE
#define EXT2_RO_COMPAT_SUPPORTED (EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | \
				  EXT2_FEATURE_RO_COMPAT_LARGE_FILE)

#define EXT2_VALID_FS 0x0001	/* s_state: cleanly unmounted */
#define EXT2_ERROR_FS 0x0002

struct ext2_super_block {
	u32 s_inodes_count;
	u32 s_blocks_count;
	u32 s_r_blocks_count;
	u32 s_free_blocks_count;
	u32 s_free_inodes_count;
	u32 s_first_data_block;
	u32 s_log_block_size;		/* block size = 1024 << this */
	u32 s_log_frag_size;
	u32 s_blocks_per_group;
	u32 s_frags_per_group;
	u32 s_inodes_per_group;
	u32 s_mtime;
	u32 s_wtime;
	u16 s_mnt_count;
	s16 s_max_mnt_count;
	u16 s_magic;
	u16 s_state;
	u16 s_errors;
	u16 s_minor_rev_level;
	u32 s_lastcheck;
	u32 s_checkinterval;
	u32 s_creator_os;
	u32 s_rev_level;
	u16 s_def_resuid;
	u16 s_def_resgid;
	/* Revision 1 (dynamic) only: */
	u32 s_first_ino;
	u16 s_inode_size;
	u16 s_block_group_nr;
	u32 s_feature_compat;
	u32 s_feature_incompat;
	u32 s_feature_ro_compat;
	u8 s_uuid[16];
	char s_volume_name[16];
	char s_last_mounted[64];
	u32 s_algorithm_usage_bitmap;
	u8 s_prealloc_blocks;
	u8 s_prealloc_dir_blocks;
	u16 s_reserved_gdt_blocks;
	u8 s_rest[1024 - 208];
} __packed;

struct ext2_group_desc {
	u32 bg_block_bitmap;
	u32 bg_inode_bitmap;
	u32 bg_inode_table;
	u16 bg_free_blocks_count;
	u16 bg_free_inodes_count;
	u16 bg_used_dirs_count;
	u16 bg_pad;
	u8 bg_reserved[12];
} __packed;

/* i_block[]: 12 direct block numbers, then single, double, triple indirect. */
#define EXT2_NDIR_BLOCKS 12
#define EXT2_IND_BLOCK 12
#define EXT2_DIND_BLOCK 13
#define EXT2_TIND_BLOCK 14
#define EXT2_N_BLOCKS 15

#define EXT2_INDEX_FL 0x00001000	/* i_flags: the directory has an htree index */

struct ext2_inode {
	u16 i_mode;
	u16 i_uid;
	u32 i_size;
	u32 i_atime;
	u32 i_ctime;
	u32 i_mtime;
	u32 i_dtime;			/* when it was deleted */
	u16 i_gid;
	u16 i_links_count;
	u32 i_blocks;			/* 512-byte sectors held, metadata included */
	u32 i_flags;
	u32 i_osd1;
	u32 i_block[EXT2_N_BLOCKS];	/* fast symlinks: the target itself */
	u32 i_generation;
	u32 i_file_acl;			/* extended attribute block */
	u32 i_size_high;		/* regular files with large_file */
	u32 i_faddr;
	u8 i_frag, i_fsize;
	u16 i_pad1;
	u16 i_uid_high;
	u16 i_gid_high;
	u32 i_reserved2;
} __packed;

/* A directory entry; entries never cross a block, rec_len reaches the next. */
struct ext2_dir_entry {
	u32 inode;			/* 0: unused */
	u16 rec_len;
	u8 name_len;
	u8 file_type;			/* EXT2_FT_* (filetype feature) */
	char name[];
} __packed;

#define EXT2_DIR_REC_LEN(name_len) (((name_len) + 8 + 3) & ~3u)

enum {
	EXT2_FT_UNKNOWN, EXT2_FT_REG_FILE, EXT2_FT_DIR, EXT2_FT_CHRDEV,
	EXT2_FT_BLKDEV, EXT2_FT_FIFO, EXT2_FT_SOCK, EXT2_FT_SYMLINK,
};

#endif
