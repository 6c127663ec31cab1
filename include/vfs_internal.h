/*
 * What the parts of fs/ share with each other and nobody else: the tmpfs
 * pieces, the character-device table, and the start-up steps vfs_init()
 * runs in order.
 */
#ifndef PAGODA_VFS_INTERNAL_H
#define PAGODA_VFS_INTERNAL_H

#include <fs.h>
#include <panic.h>

/* tmpfs (fs/tmpfs.c, fs/tmpfs_file.c) */
extern struct file_system_type tmpfs_fs_type;
extern const struct address_space_operations tmpfs_aops;
extern const struct file_operations tmpfs_file_ops;
struct inode *tmpfs_get_inode(struct super_block *sb, umode_t mode, dev_t dev);
int tmpfs_setattr(struct dentry *dentry, const struct iattr *attr);

/* procfs (fs/procfs.c) */
extern struct file_system_type proc_fs_type;
extern struct file_system_type ext2_fs_type;

/* Character devices (fs/char_dev.c): the driver for a device number. */
struct chrdev {
	dev_t dev;
	const char *name;	/* under /dev */
	umode_t mode;		/* permissions of the /dev node */
	const struct file_operations *fops;
};
const struct chrdev *chrdev_lookup(dev_t dev);

/* Device numbers of the devices Pagoda has (Linux's). */
#define MEM_MAJOR 1
#define TTYAUX_MAJOR 5
#define DEV_NULL MKDEV(MEM_MAJOR, 3)
#define DEV_ZERO MKDEV(MEM_MAJOR, 5)
#define DEV_TTY MKDEV(TTYAUX_MAJOR, 0)
#define DEV_CONSOLE MKDEV(TTYAUX_MAJOR, 1)

extern const struct file_operations null_fops, zero_fops, console_fops;
extern const struct file_operations blkdev_fops;	/* fs/block_dev.c */

/* Start-up steps, in vfs_init()'s order. */
void fs_struct_init(void);	/* the kernel's own root and cwd */
void shmem_init(void);
void pipefs_init(void);
void devices_init(const struct path *dev_dir);	/* device nodes under /dev */
void console_init(void);	/* the console tty, fed by the serial port */

#endif
