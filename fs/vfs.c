/*
 * The VFS at boot: the root file system (ext2 on the disk named by
 * root=/dev/vdX, else a tmpfs the initramfs fills), /dev (a tmpfs with the
 * device nodes), /proc, /tmp (a tmpfs, on an ext2 root), the internal
 * mounts for pipes and shared memory, and the console.
 *
 * Lock order in fs/ (outer first; see also docs/design.md for mm's):
 *
 *   sb->s_rename_mutex             renames between two directories
 *     directory i_rwsem            ancestor before descendant; under the
 *                                  rename mutex, unrelated ones in any order
 *       file i_rwsem               truncate (O_TRUNC after the lookup is done)
 *         mm: invalidate_lock, page locks, mmap_lock (during usercopy)
 *   f_pos_lock -> directory i_rwsem (getdents) or file i_rwsem (write)
 *   pipe->mutex -> mmap_lock (copying to or from user memory)
 *   tty->read_mutex / tty->write_mutex -> mmap_lock
 *
 * Spinlocks, always innermost and never held across a sleep or a user
 * copy: fs->lock -> dcache_lock; files->file_lock; mount_lock; inode
 * i_lock; sb->s_lock; pipe->lock; tty->lock -> tasklist_lock -> task->lock
 * (^C sends signals).  A file system never takes mmap_lock itself: only
 * copies to or from user memory fault, which mm handles.
 *
 * Sleeping in fs/ happens on wait queues (pipes, terminals) with the
 * object's spinlock handed to wait_sleep(), and on the sleeping locks
 * above.
 */
#include <cmdline.h>
#include <err.h>
#include <errno.h>
#include <printk.h>
#include <vfs_internal.h>
#include <vfs_namei.h>
#include <vfs_ops.h>

/*
 * Make directory `dir` in the root and mount a new instance of `type` on
 * it; *where is then the root of that mount (a reference).  At boot, so
 * a failure panics.
 */
static void mount_at_boot(const char *dir, umode_t mode, struct file_system_type *type,
			  struct path *where)
{
	struct vfsmount *mnt;
	int err;

	err = do_mkdirat(AT_FDCWD, dir, mode);
	if (err == -EEXIST)	/* an ext2 root may have it already */
		err = 0;
	if (!err)
		err = path_lookupat(AT_FDCWD, dir, LOOKUP_DIRECTORY, where);
	if (err)
		panic("vfs: cannot make %s: %d", dir, err);
	mnt = vfs_kern_mount(type, where, NULL);
	if (IS_ERR(mnt))
		panic("vfs: cannot mount %s on %s: %ld", type->name, dir, PTR_ERR(mnt));
	follow_mount(where);
}

/* /dev: a tmpfs holding the device nodes. */
static void mount_dev(void)
{
	struct path dev;

	mount_at_boot("/dev", 0755, &tmpfs_fs_type, &dev);
	devices_init(&dev);
	path_put(&dev);
}

/* /proc (fs/procfs.c). */
static void mount_proc(void)
{
	struct path proc;

	mount_at_boot("/proc", 0555, &proc_fs_type, &proc);
	path_put(&proc);
}

static char root_device[32];	/* root=, or empty: a tmpfs root */

bool vfs_root_is_disk(void)
{
	return root_device[0] != '\0';
}

void vfs_init(void)
{
	struct vfsmount *root;

	if (cmdline_get("root", root_device, sizeof(root_device)))
		root = vfs_kern_mount(&ext2_fs_type, NULL, root_device);
	else
		root = vfs_kern_mount(&tmpfs_fs_type, NULL, NULL);
	if (IS_ERR(root))
		panic("vfs: cannot mount the root file system %s: %ld",
		      vfs_root_is_disk() ? root_device : "(tmpfs)", PTR_ERR(root));
	fs_struct_init();
	shmem_init();
	pipefs_init();
	mount_dev();
	mount_proc();
	if (vfs_root_is_disk()) {
		struct path tmp;

		mount_at_boot("/tmp", 01777, &tmpfs_fs_type, &tmp);
		path_put(&tmp);
	}
	console_init();
	pr_info("vfs: %s on /, device nodes on /dev, proc on /proc%s, console on COM1",
		vfs_root_is_disk() ? root_device : "tmpfs", vfs_root_is_disk() ? ", tmpfs on /tmp" : "");
}
