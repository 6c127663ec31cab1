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

static const struct proc_entry proc_entries[] = {
	{ .path = "diskstats", .mode = 0444, .show = proc_show_diskstats },
	{ .path = "loadavg", .mode = 0444, .show = proc_show_loadavg },
	{ .path = "meminfo", .mode = 0444, .show = proc_show_meminfo },
	{ .path = "mounts", .mode = 0444, .show = proc_show_mounts },
	{ .path = "stat", .mode = 0444, .show = proc_show_stat },
	{ .path = "uptime", .mode = 0444, .show = proc_show_uptime },
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
	pb->pid = (int)(long)inode->i_fs_info;	/* /proc/PID files: which process */
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

/*
 * The fixed names of /proc are in the dcache; in its root, a name that is
 * not may be a process's (proc_pid.c), anywhere else it does not exist.
 */
static int proc_lookup(struct inode *dir, struct dentry *dentry)
{
	if (dir == dir->i_sb->s_root->d_inode)
		return proc_lookup_pid(dir, dentry);
	d_add(dentry, NULL);
	return 0;
}

static const struct inode_operations proc_dir_inode_ops = {
	.lookup = proc_lookup,
};

/* The root's readdir: the fixed names (the dcache's), then self, then the processes. */
struct root_walk {
	struct dir_context ctx;
	struct dir_context *outer;
	bool full;
};

static bool root_actor(struct dir_context *ctx, const char *name, unsigned int len, u64 ino,
		       unsigned int type)
{
	struct root_walk *w = container_of(ctx, struct root_walk, ctx);

	w->outer->pos = ctx->pos;
	w->full = !w->outer->actor(w->outer, name, len, ino, type);
	return !w->full;
}

static int proc_readdir(struct file *f, struct dir_context *ctx)
{
	if (f->f_inode != f->f_inode->i_sb->s_root->d_inode)
		return dcache_readdir(f, ctx);
	if (ctx->pos < PID_POS_BASE - 1) {
		struct root_walk w = { .ctx = { .actor = root_actor, .pos = ctx->pos }, .outer = ctx };

		dcache_readdir(f, &w.ctx);
		ctx->pos = w.ctx.pos;
		if (w.full)
			return 0;
		ctx->pos = PID_POS_BASE - 1;
	}
	if (ctx->pos == PID_POS_BASE - 1) {
		if (!ctx->actor(ctx, "self", 4, PID_POS_BASE, DT_LNK))
			return 0;
		ctx->pos = PID_POS_BASE;
	}
	return proc_readdir_pids(ctx);
}

static const struct file_operations proc_dir_ops = {
	.llseek = generic_file_llseek,
	.iterate = proc_readdir,
};

/* /proc's own symlinks (self, exe, fd/N) own their target strings. */
static void proc_evict_inode(struct inode *inode)
{
	kfree(inode->i_link);
}

static const struct super_operations proc_sops = {
	.evict_inode = proc_evict_inode,
};

struct inode *proc_new_inode(struct super_block *sb, unsigned int mode, const struct proc_entry *e)
{
	struct inode *inode = new_inode(sb);

	if (!inode)
		return NULL;
	inode->i_mode = mode;
	if (S_ISDIR(mode)) {
		inode->i_op = &proc_dir_inode_ops;
		inode->i_fop = &proc_dir_ops;
		inode->i_nlink = 2;
	} else if (e) {
		inode->i_fop = &proc_file_ops;
		inode->i_private = e;
	}
	return inode;
}

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

/* The folder dir/name[0..len), made if it is not there yet; NULL if out of memory. */
static struct dentry *proc_folder(struct dentry *dir, const char *name, size_t len)
{
	struct qstr q = { name, len };
	struct dentry *d = d_lookup(dir, &q);

	if (d) {
		dput(d);	/* pinned by the one who made it */
		return d;
	}
	return add_child(dir, name, len, proc_new_inode(dir->d_sb, S_IFDIR | 0555, NULL));
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
	inode = proc_new_inode(sb, S_IFREG | e->mode, e);
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
	root = proc_new_inode(sb, S_IFDIR | 0555, NULL);
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
