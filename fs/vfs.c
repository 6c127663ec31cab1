/*
 * The VFS at boot: the root file system (a tmpfs), /dev (another tmpfs
 * with the device nodes), /proc, the internal mounts for pipes and shared
 * memory, and the console.
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
#include <err.h>
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

void vfs_init(void)
{
	struct vfsmount *root = vfs_kern_mount(&tmpfs_fs_type, NULL, NULL);

	if (IS_ERR(root))
		panic("vfs: cannot mount the root tmpfs: %ld", PTR_ERR(root));
	fs_struct_init();
	shmem_init();
	pipefs_init();
	mount_dev();
	mount_proc();
	console_init();
	pr_info("vfs: tmpfs on /, device nodes on /dev, proc on /proc, console on COM1");
}
