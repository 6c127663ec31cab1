/*
 * /proc: files whose contents the kernel writes when they are read, and
 * /proc/sys, whose files take a new value when written.
 *
 * Each entry (proc_internal.h) has a show function that prints the whole
 * file into a buffer; open runs it once (so one read() sees one consistent
 * snapshot) and read copies from the buffer.  A file that does not fit is
 * printed again into a buffer twice the size.  A sysctl is printed afresh
 * for each read, which must start at offset 0 (a later one reads nothing,
 * as on Linux).  Like Linux's, the files report a size of 0.
 *
 * The names live in the dcache (pinned, as tmpfs does), so lookup and
 * readdir are the dcache's; the entries and their folders (sys, sys/vm)
 * are made at mount time from the table below.
 */
#include <blkdev.h>
#include <err.h>
#include <errno.h>
#include <kmalloc.h>
#include <printk.h>
#include <stdarg.h>
#include <string.h>
#include <uio.h>
#include <vfs_internal.h>
#include <vfs_namei.h>
#include <vfs_ops.h>
#include <writeback.h>
#include "proc_internal.h"

#define PROC_SUPER_MAGIC 0x9fa0
#define PROC_BUF_START 4096
#define PROC_BUF_MAX (1u << 20)
#define PROC_WRITE_MAX 64	/* a sysctl's value, with room to spare */
#define INT_MAX 0x7fffffff

void proc_printf(struct proc_buf *pb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (pb->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(pb->data + pb->len, pb->size - pb->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= pb->size - pb->len)
		pb->overflow = true;
	else
		pb->len += n;
}

/* ---- the files ------------------------------------------------------- */

static u64 ns_to_ms(u64 ns)
{
	return ns / 1000000;
}

/* One line per disk, the 20 columns of Linux 6.1's /proc/diskstats (no discards here). */
static void show_disk(struct gendisk *disk, void *arg)
{
	struct proc_buf *pb = arg;
	struct disk_stats s;

	disk_get_stats(disk, &s);
	proc_printf(pb, "%4u %7u %s %lu %lu %lu %lu %lu %lu %lu %lu %u %lu %lu 0 0 0 0 %lu %lu\n",
		    disk->major, disk->first_minor, disk->name,
		    s.ios[BLK_OP_READ], s.merges[BLK_OP_READ], s.sectors[BLK_OP_READ],
		    ns_to_ms(s.ns[BLK_OP_READ]),
		    s.ios[BLK_OP_WRITE], s.merges[BLK_OP_WRITE], s.sectors[BLK_OP_WRITE],
		    ns_to_ms(s.ns[BLK_OP_WRITE]),
		    s.in_flight, ns_to_ms(s.busy_ns), ns_to_ms(s.weighted_ns),
		    s.ios[BLK_OP_FLUSH], ns_to_ms(s.ns[BLK_OP_FLUSH]));
}

static void show_diskstats(struct proc_buf *pb, const struct proc_entry *e)
{
	(void)e;
	disk_for_each(show_disk, pb);
}

static const struct proc_entry proc_entries[] = {
	{ .path = "diskstats", .mode = 0444, .show = show_diskstats },
	{ .path = "meminfo", .mode = 0444, .show = proc_show_meminfo },
	{ .path = "vmstat", .mode = 0444, .show = proc_show_vmstat },
	{ .path = "sys/vm/dirty_background_ratio", .mode = 0644, .show = proc_show_int,
	  .store = proc_store_int, .value = &dirty_background_ratio, .min = 0, .max = 100,
	  .changed = wakeup_flusher },
	{ .path = "sys/vm/dirty_ratio", .mode = 0644, .show = proc_show_int,
	  .store = proc_store_int, .value = &dirty_ratio, .min = 0, .max = 100 },
	{ .path = "sys/vm/dirty_expire_centisecs", .mode = 0644, .show = proc_show_int,
	  .store = proc_store_int, .value = &dirty_expire_centisecs, .min = 0, .max = INT_MAX },
	{ .path = "sys/vm/dirty_writeback_centisecs", .mode = 0644, .show = proc_show_int,
	  .store = proc_store_int, .value = &dirty_writeback_centisecs, .min = 0, .max = INT_MAX,
	  .changed = wakeup_flusher },
	{ .path = "sys/vm/drop_caches", .mode = 0200, .store = proc_store_drop_caches,
	  .min = 1, .max = 4 },
};

/* ---- open files ------------------------------------------------------ */

/* Print the entry into pb, growing the buffer until it fits; 0 or -ENOMEM. */
static int proc_fill(struct proc_buf *pb, const struct proc_entry *e)
{
	size_t size = pb->size ? pb->size : PROC_BUF_START;

	for (; size <= PROC_BUF_MAX; size *= 2) {
		if (size != pb->size) {
			kfree(pb->data);
			pb->data = kmalloc(size, GFP_KERNEL);
			pb->size = pb->data ? size : 0;
			if (!pb->data)
				return -ENOMEM;
		}
		pb->len = 0;
		pb->overflow = false;
		e->show(pb, e);
		if (!pb->overflow)
			return 0;
	}
	return -ENOMEM;
}

/* The permission bits hold for root too, as Linux checks them for /proc/sys. */
static int proc_open(struct inode *inode, struct file *f)
{
	const struct proc_entry *e = inode->i_private;
	struct proc_buf *pb;
	int err = 0;

	if (((f->f_mode & FMODE_READ) && !(e->mode & 0444)) ||
	    ((f->f_mode & FMODE_WRITE) && !(e->mode & 0222)))
		return -EACCES;
	pb = kzalloc(sizeof(*pb), GFP_KERNEL);
	if (!pb)
		return -ENOMEM;
	if ((f->f_mode & FMODE_READ) && e->show)
		err = proc_fill(pb, e);
	if (err) {
		kfree(pb->data);
		kfree(pb);
		return err;
	}
	f->private_data = pb;
	return 0;
}

static ssize_t proc_read(struct file *f, struct iov_iter *to, u64 *pos)
{
	const struct proc_entry *e = f->f_inode->i_private;
	struct proc_buf *pb = f->private_data;
	size_t n, copied;

	if (e->store) {
		int err;

		/* A sysctl is read whole from offset 0, or not at all (Linux's proc_dointvec). */
		if (*pos != 0)
			return 0;
		err = proc_fill(pb, e);		/* a value written since the open shows */
		if (err)
			return err;
	}
	if (*pos >= pb->len)
		return 0;
	n = MIN(to->count, pb->len - *pos);
	copied = copy_to_iter(pb->data + *pos, n, to);
	*pos += copied;
	return copied ? (ssize_t)copied : -EFAULT;
}

static ssize_t proc_write(struct file *f, struct iov_iter *from, u64 *pos)
{
	const struct proc_entry *e = f->f_inode->i_private;
	char text[PROC_WRITE_MAX + 1];
	size_t n = from->count;
	int used;

	if (!e->store)
		return -EIO;
	if (*pos != 0 || n == 0)
		return n;	/* Linux's sysctl_writes_strict: ignored, reported done */
	if (n > PROC_WRITE_MAX)
		return -EINVAL;
	if (copy_from_iter(text, n, from) != n)
		return -EFAULT;
	text[n] = 0;
	used = e->store(e, text);
	if (used < 0)
		return used;
	*pos += used;
	return used;
}

static void proc_release(struct inode *inode, struct file *f)
{
	struct proc_buf *pb = f->private_data;

	(void)inode;
	kfree(pb->data);
	kfree(pb);
}

static const struct file_operations proc_file_ops = {
	.open = proc_open,
	.read = proc_read,
	.write = proc_write,
	.llseek = generic_file_llseek,
	.release = proc_release,
};

/* ---- the file system ------------------------------------------------- */

/* Every name /proc has is in the dcache: any other does not exist. */
static int proc_lookup(struct inode *dir, struct dentry *dentry)
{
	(void)dir;
	d_add(dentry, NULL);
	return 0;
}

static const struct inode_operations proc_dir_inode_ops = {
	.lookup = proc_lookup,
};

static const struct file_operations proc_dir_ops = {
	.llseek = generic_file_llseek,
	.iterate = dcache_readdir,
};

static const struct super_operations proc_sops;

/* A pinned child of parent named name[0..len), bound to inode (consumed); NULL if out of memory. */
static struct dentry *add_child(struct dentry *parent, const char *name, size_t len,
				struct inode *inode)
{
	struct qstr q = { name, len };
	struct dentry *d;

	if (!inode)
		return NULL;
	d = d_alloc(parent, &q);
	if (!d) {
		iput(inode);
		return NULL;
	}
	d_instantiate(d, inode);	/* our reference on d is the pin */
	return d;
}

static struct inode *new_dir_inode(struct super_block *sb)
{
	struct inode *inode = new_inode(sb);

	if (inode) {
		inode->i_mode = S_IFDIR | 0555;
		inode->i_op = &proc_dir_inode_ops;
		inode->i_fop = &proc_dir_ops;
		inode->i_nlink = 2;
	}
	return inode;
}

/* The folder dir/name[0..len), made if it is not there yet; NULL if out of memory. */
static struct dentry *proc_folder(struct dentry *dir, const char *name, size_t len)
{
	struct qstr q = { name, len };
	struct dentry *d = d_lookup(dir, &q);

	if (d) {
		dput(d);	/* pinned by the one who made it */
		return d;
	}
	return add_child(dir, name, len, new_dir_inode(dir->d_sb));
}

/* Make entry e's file, and the folders on its path, pinned for good. */
static int add_entry(struct super_block *sb, const struct proc_entry *e)
{
	struct dentry *dir = sb->s_root;
	const char *name = e->path, *slash;
	struct inode *inode;

	while (dir && (slash = strchr(name, '/')) != NULL) {
		dir = proc_folder(dir, name, slash - name);
		name = slash + 1;
	}
	if (!dir)
		return -ENOMEM;
	inode = new_inode(sb);
	if (inode) {
		inode->i_mode = S_IFREG | e->mode;
		inode->i_fop = &proc_file_ops;
		inode->i_private = e;
	}
	return add_child(dir, name, strlen(name), inode) ? 0 : -ENOMEM;
}

static struct super_block *proc_mount(struct file_system_type *type, const char *source)
{
	struct super_block *sb = alloc_super(&proc_sops, PROC_SUPER_MAGIC);
	struct inode *root;

	(void)type;
	(void)source;
	if (!sb)
		return ERR_PTR(-ENOMEM);
	root = new_dir_inode(sb);
	sb = sb_set_root(sb, root);
	if (IS_ERR(sb))
		return sb;
	for (unsigned int i = 0; i < ARRAY_SIZE(proc_entries); i++) {
		int err = add_entry(sb, &proc_entries[i]);

		if (err)
			return ERR_PTR(err);	/* at boot: vfs_init panics */
	}
	return sb;
}

struct file_system_type proc_fs_type = {
	.name = "proc",
	.mount = proc_mount,
};
