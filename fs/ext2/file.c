/*
 * ext2 regular files: reads and writes go through the page cache
 * (mm/filemap.c); the address-space operations in inode.c move pages to
 * and from the disk.
 */
#include "ext2.h"

const struct file_operations ext2_file_ops = {
	.read = generic_file_read,
	.llseek = generic_file_llseek,
	.fsync = noop_fsync,
};

const struct inode_operations ext2_file_inode_ops = {
	.setattr = NULL,
};
