/*
 * The initramfs: a cpio "newc" archive (a GRUB module) unpacked into the
 * tmpfs root at boot, through the ordinary VFS calls, as Linux does.
 *
 * Each member becomes a directory, regular file, symlink or device node
 * with the archive's mode, owner and modification time.  Members that name
 * an existing file replace it (directories are merged).  Hard links:
 * members with the same inode number and a link count above one become
 * links to the first one unpacked (GNU cpio stores the data with the
 * last, so data in a later member is written too).  Directory times are
 * set at the end, since making their entries changes them.  A member that cannot
 * be made is reported and skipped; only a malformed archive is an error.
 */
#include <cpio.h>
#include <err.h>
#include <errno.h>
#include <kmalloc.h>
#include <printk.h>
#include <string.h>
#include <vfs_namei.h>
#include <vfs_ops.h>

/* A regular file seen with nlink > 1, for the members that link to it. */
struct hardlink {
	struct hardlink *next;
	u32 ino, dev_major, dev_minor;
	char path[];
};

/* A directory whose time is set last: making its entries changes it. */
struct dir_time {
	struct dir_time *next;
	u32 mtime;
	char path[];
};

struct unpacker {
	struct hardlink *links;
	struct dir_time *dirs;
	char *path;		/* PATH_MAX bytes: the current member's absolute path */
};

/* The member's absolute path in u->path; 1 for the root itself (nothing to make). */
static int member_path(struct unpacker *u, const char *name)
{
	while (name[0] == '/' || (name[0] == '.' && name[1] == '/'))
		name += name[0] == '/' ? 1 : 2;
	if (!name[0] || strcmp(name, ".") == 0)
		return 1;
	if (snprintf(u->path, PATH_MAX, "/%s", name) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

static struct hardlink *find_hardlink(struct unpacker *u, const struct cpio_entry *e)
{
	for (struct hardlink *h = u->links; h; h = h->next)
		if (h->ino == e->ino && h->dev_major == e->dev_major && h->dev_minor == e->dev_minor)
			return h;
	return NULL;
}

static int remember_hardlink(struct unpacker *u, const struct cpio_entry *e)
{
	size_t len = strlen(u->path) + 1;
	struct hardlink *h = kmalloc(sizeof(*h) + len, GFP_KERNEL);

	if (!h)
		return -ENOMEM;
	h->ino = e->ino;
	h->dev_major = e->dev_major;
	h->dev_minor = e->dev_minor;
	memcpy(h->path, u->path, len);
	h->next = u->links;
	u->links = h;
	return 0;
}

static int defer_dir_time(struct unpacker *u, u32 mtime)
{
	size_t len = strlen(u->path) + 1;
	struct dir_time *d = kmalloc(sizeof(*d) + len, GFP_KERNEL);

	if (!d)
		return -ENOMEM;
	d->mtime = mtime;
	memcpy(d->path, u->path, len);
	d->next = u->dirs;
	u->dirs = d;
	return 0;
}

static int set_times(const char *name, u32 mtime)
{
	struct timespec64 times[2] = { { mtime, 0 }, { mtime, 0 } };
	struct path path;
	int err = path_lookupat(AT_FDCWD, name, 0, &path);

	if (err)
		return err;
	err = vfs_utimes(&path, times);
	path_put(&path);
	return err;
}

/* At the end: every directory's time, and the lists freed. */
static void finish_unpacking(struct unpacker *u)
{
	while (u->dirs) {
		struct dir_time *next = u->dirs->next;

		set_times(u->dirs->path, u->dirs->mtime);
		kfree(u->dirs);
		u->dirs = next;
	}
	while (u->links) {
		struct hardlink *next = u->links->next;

		kfree(u->links);
		u->links = next;
	}
}

static int write_data(const char *path, const struct cpio_entry *e, int flags)
{
	struct file *f = filp_open(path, flags, e->mode & S_IALLUGO);
	const char *data = e->data;
	u64 pos = 0;
	int err = 0;

	if (IS_ERR(f))
		return PTR_ERR(f);
	while (pos < e->size) {
		ssize_t n = kernel_write(f, data + pos, e->size - pos, &pos);

		if (n <= 0) {
			err = n ? (int)n : -EIO;
			break;
		}
	}
	fput(f);
	return err;
}

static int unpack_file(struct unpacker *u, const struct cpio_entry *e)
{
	struct hardlink *h = e->nlink > 1 ? find_hardlink(u, e) : NULL;
	int err;

	if (h) {
		err = do_linkat(AT_FDCWD, h->path, AT_FDCWD, u->path, 0);
		if (err || !e->size)
			return err;
		return write_data(u->path, e, O_WRONLY | O_TRUNC);
	}
	err = write_data(u->path, e, O_WRONLY | O_CREAT | O_TRUNC);
	if (!err && e->nlink > 1)
		err = remember_hardlink(u, e);
	return err;
}

static int unpack_symlink(struct unpacker *u, const struct cpio_entry *e)
{
	char *target;
	int err;

	if (e->size >= PATH_MAX)
		return -ENAMETOOLONG;
	target = kmalloc(e->size + 1, GFP_KERNEL);
	if (!target)
		return -ENOMEM;
	memcpy(target, e->data, e->size);
	target[e->size] = '\0';
	err = do_symlinkat(target, AT_FDCWD, u->path);
	kfree(target);
	return err;
}

static int unpack_dir(struct unpacker *u, const struct cpio_entry *e)
{
	struct stat st;
	int err = do_mkdirat(AT_FDCWD, u->path, e->mode & S_IALLUGO);

	if (err == -EEXIST && vfs_fstatat(AT_FDCWD, u->path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode))
		err = 0;	/* merge into the directory that is there */
	return err;
}

/* Owner, permissions and modification time (later, for a directory), as the archive says. */
static int set_attributes(struct unpacker *u, const struct cpio_entry *e)
{
	struct path path;
	int err = path_lookupat(AT_FDCWD, u->path, 0, &path);

	if (err)
		return err;
	err = chown_common(&path, e->uid, e->gid);
	if (!err && !S_ISLNK(e->mode))
		err = chmod_common(&path, e->mode);
	path_put(&path);
	if (err)
		return err;
	return S_ISDIR(e->mode) ? defer_dir_time(u, e->mtime) : set_times(u->path, e->mtime);
}

static int unpack_member(struct unpacker *u, const struct cpio_entry *e)
{
	int err = member_path(u, e->name);

	if (err)
		return err > 0 ? 0 : err;
	if (!S_ISDIR(e->mode)) {
		err = do_unlinkat(AT_FDCWD, u->path);	/* replace what is there */
		if (err && err != -ENOENT)
			return err;
	}
	switch (e->mode & S_IFMT) {
	case S_IFDIR:
		err = unpack_dir(u, e);
		break;
	case S_IFREG:
		err = unpack_file(u, e);
		break;
	case S_IFLNK:
		err = unpack_symlink(u, e);
		break;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		err = do_mknodat(AT_FDCWD, u->path, e->mode, MKDEV(e->rdev_major, e->rdev_minor));
		break;
	default:
		err = -EINVAL;
		break;
	}
	return err ? err : set_attributes(u, e);
}

int initramfs_unpack(const void *data, size_t len)
{
	struct unpacker u = { .links = NULL, .dirs = NULL };
	struct cpio_entry e;
	size_t off = 0;
	int ret = 0, nr = 0;

	u.path = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!u.path)
		return -ENOMEM;
	while (cpio_more(data, len, &off)) {
		int err;

		ret = cpio_next(data, len, &off, &e);
		if (ret < 0) {
			pr_err("initramfs: malformed archive at byte %lu", off);
			break;
		}
		ret = 0;
		if (strcmp(e.name, CPIO_TRAILER) == 0)
			continue;	/* another archive may follow */
		err = unpack_member(&u, &e);
		if (err)
			pr_warn("initramfs: %s: cannot unpack (error %d), skipped", e.name, err);
		nr++;
	}
	finish_unpacking(&u);
	kfree(u.path);
	if (!ret)
		pr_info("initramfs: %d files unpacked", nr);
	return ret;
}
