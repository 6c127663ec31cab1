/*
 * struct fs_struct: a process's root directory, working directory and
 * umask.  fork() copies it, threads (later) share it.
 *
 * Before the first process exists (vfs_init, initramfs, self-tests) the
 * kernel works in a context of its own: root and cwd at "/", umask 022.
 *
 * Lock: fs->lock (a spinlock) protects root, pwd and umask.  A reader
 * takes a reference under it and uses the path after dropping it.
 */
#include <errno.h>
#include <fs.h>
#include <kmalloc.h>
#include <task.h>
#include <vfs_internal.h>

static struct fs_struct kernel_fs = { .users = 1, .lock = SPINLOCK_INIT("fs_struct"), .umask = 022 };

void fs_struct_init(void)
{
	get_root_path(&kernel_fs.root);
	get_root_path(&kernel_fs.pwd);
}

struct fs_struct *current_fs(void)
{
	if (current && current->fs)
		return current->fs;
	return &kernel_fs;
}

static struct fs_struct *fs_alloc(const struct path *root, const struct path *pwd, umode_t umask)
{
	struct fs_struct *fs = kzalloc(sizeof(*fs), GFP_KERNEL);

	if (!fs)
		return NULL;
	fs->users = 1;
	spin_init(&fs->lock, "fs_struct");
	fs->root = *root;
	fs->pwd = *pwd;
	fs->umask = umask;
	return fs;
}

struct fs_struct *fs_new_root(void)
{
	struct path root, pwd;
	struct fs_struct *fs;

	get_root_path(&root);
	get_root_path(&pwd);
	fs = fs_alloc(&root, &pwd, 022);
	if (!fs) {
		path_put(&root);
		path_put(&pwd);
	}
	return fs;
}

struct fs_struct *fs_dup(struct fs_struct *old)
{
	struct path root, pwd;
	struct fs_struct *fs;
	umode_t umask;

	spin_lock(&old->lock);
	root = old->root;
	pwd = old->pwd;
	umask = old->umask;
	path_get(&root);
	path_get(&pwd);
	spin_unlock(&old->lock);
	fs = fs_alloc(&root, &pwd, umask);
	if (!fs) {
		path_put(&root);
		path_put(&pwd);
	}
	return fs;
}

void fs_put(struct fs_struct *fs)
{
	if (!fs || __atomic_sub_fetch(&fs->users, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	path_put(&fs->root);
	path_put(&fs->pwd);
	kfree(fs);
}

void get_fs_root(struct fs_struct *fs, struct path *root)
{
	spin_lock(&fs->lock);
	*root = fs->root;
	path_get(root);
	spin_unlock(&fs->lock);
}

void get_fs_pwd(struct fs_struct *fs, struct path *pwd)
{
	spin_lock(&fs->lock);
	*pwd = fs->pwd;
	path_get(pwd);
	spin_unlock(&fs->lock);
}

void set_fs_pwd(struct fs_struct *fs, const struct path *pwd)
{
	struct path old;

	path_get(pwd);
	spin_lock(&fs->lock);
	old = fs->pwd;
	fs->pwd = *pwd;
	spin_unlock(&fs->lock);
	path_put(&old);
}

umode_t current_umask(void)
{
	struct fs_struct *fs = current_fs();
	umode_t mask;

	spin_lock(&fs->lock);
	mask = fs->umask;
	spin_unlock(&fs->lock);
	return mask;
}

umode_t set_current_umask(umode_t mask)
{
	struct fs_struct *fs = current_fs();
	umode_t old;

	spin_lock(&fs->lock);
	old = fs->umask;
	fs->umask = mask & 0777;
	spin_unlock(&fs->lock);
	return old;
}
