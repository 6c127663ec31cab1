/*
 * Character devices: the table from device number to driver, and what
 * opening a device inode does (look the driver up and let it take over
 * the file).  The /dev nodes are made at boot from the same table.
 */
#include <blkdev.h>
#include <err.h>
#include <errno.h>
#include <string.h>
#include <vfs_internal.h>
#include <vfs_namei.h>
#include <vfs_ops.h>

static const struct chrdev chrdevs[] = {
	{ DEV_NULL, "null", 0666, &null_fops },
	{ DEV_ZERO, "zero", 0666, &zero_fops },
	{ DEV_TTY, "tty", 0666, &console_fops },	/* "my terminal": the console, the only one */
	{ DEV_CONSOLE, "console", 0600, &console_fops },
};

const struct chrdev *chrdev_lookup(dev_t dev)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(chrdevs); i++)
		if (chrdevs[i].dev == dev)
			return &chrdevs[i];
	return NULL;
}

static int chrdev_open(struct inode *inode, struct file *f)
{
	const struct chrdev *cd = chrdev_lookup(inode->i_rdev);

	if (!cd)
		return -ENXIO;
	f->f_op = cd->fops;
	return f->f_op->open ? f->f_op->open(inode, f) : 0;
}

static const struct file_operations def_chr_fops = {
	.open = chrdev_open,
};

/* Named pipes and sockets cannot be opened yet. */
static int no_device_open(struct inode *inode, struct file *f)
{
	(void)inode;
	(void)f;
	return -ENXIO;
}

static const struct file_operations no_device_fops = {
	.open = no_device_open,
};

void init_special_inode(struct inode *inode, umode_t mode, dev_t rdev)
{
	inode->i_mode = mode;
	inode->i_rdev = rdev;
	if (S_ISCHR(mode))
		inode->i_fop = &def_chr_fops;
	else if (S_ISBLK(mode))
		inode->i_fop = &blkdev_fops;	/* fs/block_dev.c finds the disk at open */
	else
		inode->i_fop = &no_device_fops;
}

/* mknod without the umask: device permissions are the table's. */
static int make_dev_node(const struct path *dir, const char *node, umode_t mode, dev_t dev)
{
	struct qstr name = { node, strlen(node) };
	struct inode *inode = dir->dentry->d_inode;
	struct dentry *d;
	int err;

	inode_lock(inode);
	d = lookup_one(dir->dentry, &name);
	if (IS_ERR(d)) {
		err = PTR_ERR(d);
	} else {
		err = d_is_negative(d) ? vfs_mknod(inode, d, mode, dev) : -EEXIST;
		dput(d);
	}
	inode_unlock(inode);
	return err;
}

/* A disk's node, as Linux's devtmpfs makes it: brw------- root root. */
static void make_disk_node(struct gendisk *disk, void *dev_dir)
{
	int err = make_dev_node(dev_dir, disk->name, S_IFBLK | 0600,
				MKDEV(disk->major, disk->first_minor));

	if (err)
		panic("devices: cannot make /dev/%s: %d", disk->name, err);
}

void devices_init(const struct path *dev_dir)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(chrdevs); i++) {
		const struct chrdev *cd = &chrdevs[i];
		int err = make_dev_node(dev_dir, cd->name, S_IFCHR | cd->mode, cd->dev);

		if (err)
			panic("devices: cannot make /dev/%s: %d", cd->name, err);
	}
	disk_for_each(make_disk_node, (void *)dev_dir);
}
