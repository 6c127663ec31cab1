/*
 * The VFS at boot: the root file system (a tmpfs), /dev (another tmpfs
 * with the device nodes), the internal mounts for pipes and shared memory,
 * and the console.
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

static void mount_dev(void)
{
	struct vfsmount *mnt;
	struct path dev;
	int err;

	err = do_mkdirat(AT_FDCWD, "/dev", 0755);
	if (!err)
		err = path_lookupat(AT_FDCWD, "/dev", LOOKUP_DIRECTORY, &dev);
	if (err)
		panic("vfs: cannot make /dev: %d", err);
	mnt = vfs_kern_mount(&tmpfs_fs_type, &dev);
	if (IS_ERR(mnt))
		panic("vfs: cannot mount a tmpfs on /dev: %ld", PTR_ERR(mnt));
	follow_mount(&dev);
	devices_init(&dev);
	path_put(&dev);
}

void vfs_init(void)
{
	struct vfsmount *root = vfs_kern_mount(&tmpfs_fs_type, NULL);

	if (IS_ERR(root))
		panic("vfs: cannot mount the root tmpfs: %ld", PTR_ERR(root));
	fs_struct_init();
	shmem_init();
	pipefs_init();
	mount_dev();
	console_init();
	pr_info("vfs: tmpfs on /, device nodes on /dev, console on COM1");
}
