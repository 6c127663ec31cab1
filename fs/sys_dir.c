/*
 * Directories: getdents64, getcwd, chdir, fchdir.
 */
#include <err.h>
#include <errno.h>
#include <fs_syscalls.h>
#include <kmalloc.h>
#include <string.h>
#include <usercopy.h>
#include <vfs_namei.h>
#include <vfs_ops.h>

/* getdents64's dir_context: packs records into the user's buffer. */
struct getdents_ctx {
	struct dir_context ctx;
	char *ubuf;		/* where the next record goes */
	size_t left;		/* room left there */
	size_t written;
	int error;
};

static bool filldir64(struct dir_context *ctx, const char *name, unsigned int len, u64 ino,
		      unsigned int type)
{
	struct getdents_ctx *g = container_of(ctx, struct getdents_ctx, ctx);
	size_t reclen = ALIGN_UP(offsetof(struct linux_dirent64, d_name) + len + 1, 8);
	char record[ALIGN_UP(sizeof(struct linux_dirent64) + NAME_MAX + 1, 8)];
	struct linux_dirent64 *d = (struct linux_dirent64 *)record;

	if (reclen > g->left) {
		if (!g->written)
			g->error = -EINVAL;	/* not even one record fits */
		return false;
	}
	memset(record, 0, reclen);
	d->d_ino = ino;
	d->d_off = ctx->pos + 1;	/* where the next entry starts */
	d->d_reclen = reclen;
	d->d_type = type;
	memcpy(d->d_name, name, len);
	if (copy_to_user(g->ubuf, record, reclen)) {
		g->error = -EFAULT;
		return false;
	}
	g->ubuf += reclen;
	g->left -= reclen;
	g->written += reclen;
	return true;
}

long sys_getdents64(unsigned int fd, struct linux_dirent64 *dirent, unsigned int count)
{
	struct getdents_ctx g = {
		.ctx.actor = filldir64,
		.ubuf = (char *)dirent,
		.left = count,
	};
	struct file *f = fget(fd);
	long err;

	if (!f)
		return -EBADF;
	err = iterate_dir(f, &g.ctx);
	fput(f);
	if (g.written)
		return g.written;
	return err ? err : g.error;
}

long sys_getcwd(char *buf, unsigned long size)
{
	struct fs_struct *fs = current_fs();
	char *page = kmalloc(PATH_MAX, GFP_KERNEL);
	struct path root, pwd;
	char *cwd;
	long ret;

	if (!page)
		return -ENOMEM;
	get_fs_root(fs, &root);
	get_fs_pwd(fs, &pwd);
	cwd = d_path(&root, &pwd, page, PATH_MAX);
	if (IS_ERR(cwd)) {
		ret = PTR_ERR(cwd);	/* ENOENT: the directory was removed */
	} else {
		ret = strlen(cwd) + 1;
		if ((unsigned long)ret > size)
			ret = -ERANGE;
		else if (copy_to_user(buf, cwd, ret))
			ret = -EFAULT;
	}
	path_put(&pwd);
	path_put(&root);
	kfree(page);
	return ret;
}

static long set_pwd(const struct path *path)
{
	long err = inode_permission(path->dentry->d_inode, X_OK);

	if (!err)
		set_fs_pwd(current_fs(), path);
	return err;
}

long sys_chdir(const char *filename)
{
	struct path path;
	long err = user_path_at(AT_FDCWD, filename, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &path);

	if (err)
		return err;
	err = set_pwd(&path);
	path_put(&path);
	return err;
}

long sys_fchdir(unsigned int fd)
{
	struct file *f = fget(fd);
	long err;

	if (!f)
		return -EBADF;
	err = S_ISDIR(f->f_inode->i_mode) ? set_pwd(&f->f_path) : -ENOTDIR;
	fput(f);
	return err;
}
