/*
 * The VFS operations behind the file-system system calls, on names and
 * buffers already in kernel memory.  The sys_* functions (fs/sys_*.c)
 * copy their arguments in and call these; kernel code (the initramfs
 * unpacker, self-tests) calls them directly.  All return 0 (or a count,
 * or a descriptor) or a negative errno.
 */
#ifndef PAGODA_VFS_OPS_H
#define PAGODA_VFS_OPS_H

#include <fs.h>

/* Directory changes, with the directory's i_rwsem held (fs/dirops.c). */
int vfs_create(struct inode *dir, struct dentry *dentry, umode_t mode);
int vfs_mkdir(struct inode *dir, struct dentry *dentry, umode_t mode);
int vfs_mknod(struct inode *dir, struct dentry *dentry, umode_t mode, dev_t dev);
int vfs_symlink(struct inode *dir, struct dentry *dentry, const char *target);
int vfs_link(struct dentry *old, struct inode *dir, struct dentry *new_dentry);
int vfs_unlink(struct inode *dir, struct dentry *dentry);
int vfs_rmdir(struct inode *dir, struct dentry *dentry);
int vfs_rename(struct inode *old_dir, struct dentry *old_dentry,
	       struct inode *new_dir, struct dentry *new_dentry, unsigned int flags);

/* By name (dfd: AT_FDCWD or a directory descriptor). */
int do_mkdirat(int dfd, const char *name, umode_t mode);
int do_mknodat(int dfd, const char *name, umode_t mode, dev_t dev);
int do_symlinkat(const char *target, int dfd, const char *name);
int do_linkat(int olddfd, const char *oldname, int newdfd, const char *newname, int flags);
int do_unlinkat(int dfd, const char *name);
int do_rmdir(int dfd, const char *name);
int do_renameat2(int olddfd, const char *oldname, int newdfd, const char *newname,
		 unsigned int flags);

/* Opening (fs/open.c). */
struct file *do_filp_open(int dfd, const char *name, int flags, umode_t mode);
/* Open and install a descriptor: the fd or -errno. */
int do_sys_openat(int dfd, const char *name, int flags, umode_t mode);

/* Attributes (fs/attr.c). */
int vfs_truncate(const struct path *path, s64 length);
int do_truncate(struct dentry *dentry, u64 length);
int do_fchmodat(int dfd, const char *name, umode_t mode, unsigned int lookup_flags);
int chmod_common(const struct path *path, umode_t mode);
int chown_common(const struct path *path, s64 uid, s64 gid);
/* times: NULL for "now"; tv_nsec may be UTIME_NOW or UTIME_OMIT. */
int vfs_utimes(const struct path *path, const struct timespec64 *times);
int do_faccessat(int dfd, const char *name, int mode, int flags);
int inode_permission(struct inode *inode, int mask);

/* Status (fs/stat.c). */
void vfs_getattr(const struct path *path, struct stat *st);
int vfs_fstatat(int dfd, const char *name, struct stat *st, int flags);
int vfs_statfs(const struct path *path, struct statfs *buf);

/*
 * Read (or write, if write) at the file's shared offset, as read() and
 * write() do; the offset moves only on success (fs/read_write.c).
 */
ssize_t vfs_rw_at_pos(struct file *f, struct iov_iter *iter, bool write);
s64 vfs_llseek(struct file *f, s64 offset, int whence);

#endif
