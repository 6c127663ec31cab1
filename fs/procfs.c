/*
 * /proc: files whose contents the kernel writes when they are opened.
 *
 * Each entry has a show function that prints the whole file into a
 * buffer; open runs it once (so one read() sees one consistent snapshot)
 * and read copies from the buffer.  A file that does not fit is printed
 * again into a buffer twice the size.  Like Linux's, the files report a
 * size of 0 and cannot be written.
 *
 * The names live in the dcache (pinned, as tmpfs does), so lookup and
 * readdir are the dcache's; the entries are fixed at mount time.
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

#define PROC_SUPER_MAGIC 0x9fa0
#define PROC_BUF_START 4096
#define PROC_BUF_MAX (1u << 20)

/* Where a show function prints. */
struct proc_buf {
	char *data;
	size_t size, len;
	bool overflow;
};

static __printf(2, 3) void proc_printf(struct proc_buf *pb, const char *fmt, ...)
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

struct proc_entry {
	const char *name;
	void (*show)(struct proc_buf *pb);
};

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

static void show_diskstats(struct proc_buf *pb)
{
	disk_for_each(show_disk, pb);
}

static const struct proc_entry proc_entries[] = {
	{ "diskstats", show_diskstats },
};

/* ---- open files ------------------------------------------------------ */

static int proc_open(struct inode *inode, struct file *f)
{
	const struct proc_entry *e = inode->i_private;
	struct proc_buf *pb = kzalloc(sizeof(*pb), GFP_KERNEL);

	if (!pb)
		return -ENOMEM;
	for (pb->size = PROC_BUF_START; pb->size <= PROC_BUF_MAX; pb->size *= 2) {
		pb->data = kmalloc(pb->size, GFP_KERNEL);
		if (!pb->data)
			break;
		pb->len = 0;
		pb->overflow = false;
		e->show(pb);
		if (!pb->overflow) {
			f->private_data = pb;
			return 0;
		}
		kfree(pb->data);
		pb->data = NULL;
	}
	kfree(pb);
	return -ENOMEM;
}

static ssize_t proc_read(struct file *f, struct iov_iter *to, u64 *pos)
{
	struct proc_buf *pb = f->private_data;
	size_t n, copied;

	if (*pos >= pb->len)
		return 0;
	n = MIN(to->count, pb->len - *pos);
	copied = copy_to_iter(pb->data + *pos, n, to);
	*pos += copied;
	return copied ? (ssize_t)copied : -EFAULT;
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

/* Make entry e's file in the root, its dentry pinned for good. */
static int add_entry(struct super_block *sb, const struct proc_entry *e)
{
	struct qstr name = { e->name, strlen(e->name) };
	struct inode *inode = new_inode(sb);
	struct dentry *d;

	if (!inode)
		return -ENOMEM;
	inode->i_mode = S_IFREG | 0444;
	inode->i_fop = &proc_file_ops;
	inode->i_private = e;
	d = d_alloc(sb->s_root, &name);
	if (!d) {
		iput(inode);
		return -ENOMEM;
	}
	d_instantiate(d, inode);	/* our reference on d is the pin */
	return 0;
}

static struct super_block *proc_mount(struct file_system_type *type, const char *source)
{
	struct super_block *sb = alloc_super(&proc_sops, PROC_SUPER_MAGIC);
	struct inode *root;

	(void)type;
	(void)source;
	if (!sb)
		return ERR_PTR(-ENOMEM);
	root = new_inode(sb);
	if (root) {
		root->i_mode = S_IFDIR | 0555;
		root->i_op = &proc_dir_inode_ops;
		root->i_fop = &proc_dir_ops;
		root->i_nlink = 2;
	}
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
