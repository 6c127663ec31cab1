/*
 * Open file descriptions (struct file): creation, references, release.
 *
 * A struct file is what open() creates: the path it was opened by, the
 * access mode, the status flags and the offset.  Descriptors point at it;
 * dup() and fork() make more descriptors point at the same one, which is
 * why they share the offset.  It is freed when the last descriptor is
 * closed and no system call is still using it.
 */
#include <err.h>
#include <errno.h>
#include <fs.h>
#include <kmalloc.h>
#include <panic.h>

/* Flags that only matter while opening: they are not kept in f_flags. */
#define OPEN_ONLY_FLAGS (O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)

static const struct file_operations empty_fops;	/* O_PATH files: nothing to do */

static unsigned int open_fmode(unsigned int flags)
{
	if (flags & O_PATH)
		return 0;
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		return FMODE_READ;
	case O_WRONLY:
		return FMODE_WRITE;
	default:
		return FMODE_READ | FMODE_WRITE;
	}
}

struct file *alloc_file(const struct path *path, unsigned int flags,
			const struct file_operations *fop)
{
	struct file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return ERR_PTR(-ENOMEM);
	f->f_count = 1;
	spin_init(&f->f_lock, "file");
	mutex_init(&f->f_pos_lock, "file_pos");
	/* Every file is "large" on a 64-bit kernel: Linux reports the flag too. */
	f->f_flags = (flags & ~O_CLOEXEC) | O_LARGEFILE;
	f->f_mode = open_fmode(flags);
	f->f_path = *path;
	path_get(path);
	f->f_inode = path->dentry->d_inode;
	f->f_mapping = f->f_inode->i_mapping;
	/* Writeback errors from now on, and any nobody reported yet, concern this file's fsync. */
	f->f_wb_err = filemap_sample_wb_err(f->f_mapping);
	f->f_op = fop;
	return f;
}

static void file_free(struct file *f)
{
	path_put(&f->f_path);
	kfree(f);
}

/* Which f_mode bits follow from the operations the file ended up with. */
static void set_fmode_from_ops(struct file *f)
{
	umode_t type = f->f_inode->i_mode & S_IFMT;

	if (f->f_op->llseek)
		f->f_mode |= FMODE_LSEEK;
	if (type == S_IFREG || type == S_IFDIR)
		f->f_mode |= FMODE_ATOMIC_POS;
}

struct file *vfs_open(const struct path *path, unsigned int flags)
{
	struct inode *inode = path->dentry->d_inode;
	const struct file_operations *fop = inode->i_fop;
	struct file *f;

	if (!fop || (flags & O_PATH))
		fop = &empty_fops;
	f = alloc_file(path, flags, fop);
	if (IS_ERR(f))
		return f;
	if (f->f_op->open) {
		int err = f->f_op->open(inode, f);

		if (err) {
			file_free(f);
			return ERR_PTR(err);
		}
	}
	f->f_flags &= ~OPEN_ONLY_FLAGS;	/* after ->open: a tty looks at O_NOCTTY */
	set_fmode_from_ops(f);
	return f;
}

void get_file(struct file *f)
{
	int old = __atomic_fetch_add(&f->f_count, 1, __ATOMIC_RELAXED);

	BUG_ON(old <= 0);
}

void fput(struct file *f)
{
	int left;

	if (!f)
		return;
	left = __atomic_sub_fetch(&f->f_count, 1, __ATOMIC_ACQ_REL);
	BUG_ON(left < 0);
	if (left)
		return;
	if (f->f_op->release)
		f->f_op->release(f->f_inode, f);
	file_free(f);
}
