/*
 * The VFS: inodes, dentries, mounts, open files, descriptor tables.
 *
 *   inode       a file: its type, size, times, link count and where its
 *               data lives (i_mapping, the page cache).
 *   dentry      a name in a directory, bound to an inode (or to none: a
 *               "negative" dentry caches a name that does not exist).
 *               The dentries form the tree that path lookup walks.
 *   vfsmount    a mounted file system: which dentry it covers.
 *   path        a (mount, dentry) pair: a place in the whole name space.
 *   file        an open file description: offset, flags, operations;
 *               shared by dup() and fork().
 *   files_struct  a process's descriptor table: fd number -> file.
 *   fs_struct   a process's root, working directory and umask.
 *
 * The fields that mm/ and kernel/ rely on (the contract) are marked so.
 * Lock order and locking rules: see the top of fs/vfs.c.
 */
#ifndef PAGODA_FS_H
#define PAGODA_FS_H

#include <list.h>
#include <mutex.h>
#include <pagecache.h>
#include <spinlock.h>
#include <types.h>
#include <vfs_abi.h>

typedef u32 umode_t;
typedef u32 dev_t;

#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_ISUID 0004000
#define S_ISGID 0002000
#define S_ISVTX 0001000
#define S_IALLUGO 0007777	/* every permission bit */
#define S_IXUGO 0000111		/* any execute bit */
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)
#define S_ISCHR(m) (((m) & S_IFMT) == S_IFCHR)
#define S_ISBLK(m) (((m) & S_IFMT) == S_IFBLK)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)

/* Device numbers: 12 bits of major, 20 of minor, as Linux keeps them. */
#define MKDEV(major, minor) ((dev_t)(((major) << 20) | (minor)))
static inline u32 dev_major(dev_t dev) { return dev >> 20; }
static inline u32 dev_minor(dev_t dev) { return dev & 0xfffff; }

struct dentry;
struct file;
struct iov_iter;
struct inode;
struct pipe_inode_info;
struct super_block;
struct vfsmount;

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

/* A name: not NUL-terminated (it points into a longer path). */
struct qstr {
	const char *name;
	unsigned int len;
};

/* ---- inodes ---------------------------------------------------------- */

/* What setattr changes (ia_valid bits). */
#define ATTR_MODE (1u << 0)
#define ATTR_UID (1u << 1)
#define ATTR_GID (1u << 2)
#define ATTR_SIZE (1u << 3)
#define ATTR_ATIME (1u << 4)
#define ATTR_MTIME (1u << 5)
#define ATTR_CTIME (1u << 6)

struct iattr {
	unsigned int ia_valid;
	umode_t ia_mode;
	u32 ia_uid, ia_gid;
	u64 ia_size;
	struct timespec64 ia_atime, ia_mtime, ia_ctime;
};

/*
 * Directory operations are called with the directory's i_rwsem held
 * exclusive (rename: both directories'); setattr with the inode's.
 * They return 0 or a negative errno.
 */
struct inode_operations {
	/* Find `dentry`'s name in dir and d_add() the inode, or NULL if none. */
	int (*lookup)(struct inode *dir, struct dentry *dentry);
	int (*create)(struct inode *dir, struct dentry *dentry, umode_t mode);
	int (*mkdir)(struct inode *dir, struct dentry *dentry, umode_t mode);
	int (*mknod)(struct inode *dir, struct dentry *dentry, umode_t mode, dev_t rdev);
	int (*symlink)(struct inode *dir, struct dentry *dentry, const char *target);
	int (*link)(struct dentry *old, struct inode *dir, struct dentry *dentry);
	int (*unlink)(struct inode *dir, struct dentry *dentry);
	int (*rmdir)(struct inode *dir, struct dentry *dentry);
	/* new_dentry may be positive: the file system replaces it. */
	int (*rename)(struct inode *old_dir, struct dentry *old_dentry,
		      struct inode *new_dir, struct dentry *new_dentry);
	int (*setattr)(struct dentry *dentry, const struct iattr *attr);
};

struct inode {
	umode_t i_mode;			/* contract; type fixed, bits under i_lock */
	u64 i_size;			/* contract; i_rwsem for writers, read without it */
	struct rwsem i_rwsem;		/* contract: the inode lock */
	struct address_space *i_mapping;	/* contract: the page cache of its data */

	u64 i_ino;			/* fixed */
	dev_t i_rdev;			/* fixed: device files */
	struct super_block *i_sb;	/* fixed */
	const struct inode_operations *i_op;	/* fixed */
	const struct file_operations *i_fop;	/* fixed: what open() installs */
	char *i_link;			/* fixed: a symlink's target, NUL-terminated */
	struct pipe_inode_info *i_pipe;	/* fixed: anonymous pipes */
	const void *i_private;		/* fixed: the file system's own (procfs: the entry) */
	void *i_fs_info;		/* the file system's own per-inode state (ext2) */

	struct spinlock i_lock;
	int i_count;			/* i_lock: references */
	unsigned int i_nlink;		/* i_lock: names (directories: + "." + each ".." below) */
	u32 i_uid, i_gid;		/* i_lock */
	struct timespec64 i_atime;	/* i_lock */
	struct timespec64 i_mtime;	/* i_lock */
	struct timespec64 i_ctime;	/* i_lock */

	struct address_space i_data;	/* the page cache, for file systems that keep one here */
	struct list_head i_hash;	/* inode_hash_lock: in the inode hash (disk file systems) */
};

/* How many pages the file has now, counting a partial last one (for EOF checks). */
static inline unsigned long i_size_pages(const struct inode *inode)
{
	return (READ_ONCE(inode->i_size) + PAGE_SIZE - 1) >> PAGE_SHIFT;
}

/* The inode lock: exclusive to change a directory's names or a file's size. */
static inline void inode_lock(struct inode *inode) { down_write(&inode->i_rwsem); }
static inline void inode_unlock(struct inode *inode) { up_write(&inode->i_rwsem); }
/* A second inode lock inside one held (rename's two directories), in an order the caller fixed. */
static inline void inode_lock_nested(struct inode *inode, unsigned int subclass)
{
	down_write_nested(&inode->i_rwsem, subclass);
}
static inline void inode_lock_shared(struct inode *inode) { down_read(&inode->i_rwsem); }
static inline void inode_unlock_shared(struct inode *inode) { up_read(&inode->i_rwsem); }

struct inode *new_inode(struct super_block *sb);
/*
 * The inode hash, for file systems whose inodes have numbers on a disk
 * (ext2): ilookup finds a live inode by (sb, ino) with a new reference;
 * an inode put there leaves it when its last reference goes.  The caller
 * serializes lookups and inserts of one file system (ext2's iget_mutex).
 */
struct inode *ilookup(struct super_block *sb, u64 ino);
void inode_hash_insert(struct inode *inode);
void ihold(struct inode *inode);
/* A new reference, unless the last one is already gone (the inode is being evicted): NULL. */
struct inode *igrab(struct inode *inode);
void iput(struct inode *inode);
unsigned int inode_nlink(struct inode *inode);
void inc_nlink(struct inode *inode);
void drop_nlink(struct inode *inode);
void clear_nlink(struct inode *inode);
struct timespec64 current_time(void);
/* The inode's times, size, mode or owner changed: let its file system record them (may sleep). */
void mark_inode_dirty(struct inode *inode);
/* Set mtime and ctime to now (the contents changed), or ctime only. */
void inode_touch_mtime(struct inode *inode);
void inode_touch_ctime(struct inode *inode);
/* Make a device inode open its driver. */
void init_special_inode(struct inode *inode, umode_t mode, dev_t rdev);
/* Apply the attributes in attr (not the size) to the inode. */
void setattr_copy(struct inode *inode, const struct iattr *attr);
/* A directory that was removed while something still refers to it. */
bool is_dead_dir(struct inode *inode);

/* ---- dentries -------------------------------------------------------- */

struct dentry {
	struct inode *d_inode;		/* dcache_lock and the parent's i_rwsem: NULL if negative */
	struct dentry *d_parent;	/* dcache_lock: itself for a root */
	struct qstr d_name;		/* dcache_lock (changes only by rename); name NUL-terminated */
	int d_count;			/* dcache_lock: references */
	bool d_unhashed;		/* dcache_lock: removed from its directory */
	int d_mounted;			/* mount_lock: mounts on this dentry */
	u64 d_dir_pos;			/* dcache_lock: position in its parent, for readdir */
	u64 d_next_pos;			/* dcache_lock: directories: next child's position */
	struct list_head d_child;	/* dcache_lock: in d_parent->d_subdirs */
	struct list_head d_subdirs;	/* dcache_lock: the children */
	struct super_block *d_sb;	/* fixed */
};

/* A new, unattached (negative) child of parent, with one reference. */
struct dentry *d_alloc(struct dentry *parent, const struct qstr *name);
/* The root dentry of a new file system, bound to inode. */
struct dentry *d_make_root(struct inode *inode);
/* An unnamed dentry for an inode that lives in no directory (pipes, shm). */
struct dentry *d_alloc_anon(struct super_block *sb, struct inode *inode, const char *name);
/* parent's child called name, with a reference, or NULL. */
struct dentry *d_lookup(struct dentry *parent, const struct qstr *name);
struct dentry *dget(struct dentry *d);
void dput(struct dentry *d);
/* Bind a negative dentry to inode (taking over the caller's reference). */
void d_instantiate(struct dentry *d, struct inode *inode);
/* ->lookup's answer: inode (reference taken over) or NULL for "no such name". */
void d_add(struct dentry *d, struct inode *inode);
/* The name is gone from its directory (unlink, rmdir, replaced by rename). */
void d_delete(struct dentry *d);
/* Rename: d takes target's name and parent; target is unhashed. */
void d_move(struct dentry *d, struct dentry *target);
bool d_is_negative(struct dentry *d);
bool d_is_dir(struct dentry *d);
/* Is d an ancestor of (or equal to) p? */
bool d_ancestor(struct dentry *d, struct dentry *p);
/* Has the directory no names in it other than "." and ".."? */
bool d_dir_is_empty(struct dentry *dir);
/*
 * The absolute path of `path` as seen from `root`, written at the end of
 * buf; returns a pointer into buf, or ERR_PTR(-ENOENT) for a removed
 * directory, or ERR_PTR(-ENAMETOOLONG).
 */
char *d_path(const struct path *root, const struct path *path, char *buf, size_t size);
/* Readdir for file systems whose directories live in the dcache (tmpfs). */
struct dir_context;
int dcache_readdir(struct file *file, struct dir_context *ctx);

void path_get(const struct path *p);
void path_put(const struct path *p);
bool path_equal(const struct path *a, const struct path *b);

/* ---- super blocks and mounts ------------------------------------------ */

struct super_operations {
	/* The last reference went: free what the file system attached to it. */
	void (*evict_inode)(struct inode *inode);
	/* st_blocks: 512-byte units the file holds (NULL: its cached pages, as tmpfs). */
	u64 (*inode_blocks)(struct inode *inode);
	/* Times, size, links or mode changed: record them (ext2: in the inode table). */
	void (*dirty_inode)(struct inode *inode);
	/* Write everything dirty to the disk and wait (sync, syncfs): 0 or -EIO. */
	int (*sync_fs)(struct super_block *sb);
	/*
	 * Optional.  The flusher's periodic pass: start writing the metadata
	 * that has been dirty since before `dirtied_before` (clock_ns), and
	 * wait for it; no cache flush.  File data is not the file system's
	 * business here (the flusher writes the pages).
	 */
	void (*write_metadata)(struct super_block *sb, u64 dirtied_before);
	int (*statfs)(struct super_block *sb, struct statfs *buf);
};

struct super_block {
	dev_t s_dev;			/* fixed: st_dev of its files */
	u64 s_magic;			/* fixed: statfs f_type */
	u64 s_maxbytes;			/* fixed: largest file size */
	u32 s_blocksize;		/* fixed: file block size if below a page, else 0 */
	struct dentry *s_root;		/* fixed */
	const struct super_operations *s_op;	/* fixed */
	void *s_fs_info;		/* the file system's own */
	struct spinlock s_lock;
	u64 s_next_ino;			/* s_lock: for file systems that number inodes themselves */
	u64 s_inodes;			/* s_lock: live inodes */
	u64 s_cached_pages;		/* atomic: page-cache pages of its files */
	struct mutex s_rename_mutex;	/* serializes renames between directories */
};

struct file_system_type {
	const char *name;
	/*
	 * A new instance: its super block with s_root set, or ERR_PTR.
	 * source names its device ("/dev/vda") for disk file systems, else NULL.
	 */
	struct super_block *(*mount)(struct file_system_type *type, const char *source);
};

struct vfsmount {
	struct dentry *mnt_root;	/* fixed */
	struct super_block *mnt_sb;	/* fixed */
	struct vfsmount *mnt_parent;	/* fixed: itself for the root mount */
	struct dentry *mnt_mountpoint;	/* fixed: the covered dentry in mnt_parent */
	struct list_head mnt_list;	/* mount_lock */
	const char *mnt_devname;	/* fixed: what was mounted ("/dev/vda", "proc") */
	const char *mnt_type;		/* fixed: the file system's name */
};

struct super_block *alloc_super(const struct super_operations *ops, u64 magic);
/*
 * The end of a file system's mount(): give the new super block its root
 * directory and return it, or, if root is NULL or its dentry cannot be
 * had, free both and return ERR_PTR(-ENOMEM).
 */
struct super_block *sb_set_root(struct super_block *sb, struct inode *root);
dev_t new_anon_dev(void);
/* Mount a new instance of type, from source, on `where` (NULL: as the root). */
struct vfsmount *vfs_kern_mount(struct file_system_type *type, const struct path *where,
				const char *source);
/* Mount file system type `fstype` from source (a device, or NULL) on directory dir. */
int do_mount(const char *source, const char *dir, const char *fstype);
/* sync(2): every mounted file system writes back what is dirty, and waits. */
void sync_filesystems(void);
/*
 * The mounts in the namespace (the root and those on a directory; not the
 * kernel's own, such as pipefs), oldest first, up to max: how many.
 * Mounts are never taken down, so the pointers stay good.
 */
int visible_mounts(struct vfsmount **mnts, int max);
/* The flusher's periodic pass: every file system's write_metadata (fs/mount.c). */
void writeback_filesystems(u64 dirtied_before);
/* If p is covered by a mount, move to that mount's root (repeatedly). */
void follow_mount(struct path *p);
/* From the root of a mount to the dentry it covers; false at the global root. */
bool follow_up(struct path *p);
bool is_mountpoint(struct dentry *d);
/* The root of the name space (a new reference). */
void get_root_path(struct path *p);

/* ---- open files ------------------------------------------------------ */

/* f_mode bits: what the file was opened for. */
#define FMODE_READ (1u << 0)
#define FMODE_WRITE (1u << 1)
#define FMODE_LSEEK (1u << 2)	/* lseek, pread, pwrite make sense */
#define FMODE_ATOMIC_POS (1u << 3)	/* read/write/lseek serialize on f_pos_lock */

struct dir_context {
	/* Emit one entry; false: the caller's buffer is full, stop. */
	bool (*actor)(struct dir_context *ctx, const char *name, unsigned int len,
		      u64 ino, unsigned int type);
	u64 pos;			/* the position of the entry being emitted */
};

struct poll_table;

struct file_operations {
	ssize_t (*read)(struct file *f, struct iov_iter *to, u64 *pos);	/* contract */
	ssize_t (*write)(struct file *f, struct iov_iter *from, u64 *pos);	/* contract */
	/* NULL: not seekable (ESPIPE). */
	s64 (*llseek)(struct file *f, s64 offset, int whence);
	/* Directories: called with the inode's i_rwsem held shared. */
	int (*iterate)(struct file *f, struct dir_context *ctx);
	/* NULL: -ENOTTY. */
	long (*ioctl)(struct file *f, unsigned int cmd, unsigned long arg);
	int (*open)(struct inode *inode, struct file *f);
	void (*release)(struct inode *inode, struct file *f);
	/* NULL: -EINVAL. */
	int (*fsync)(struct file *f);
	/*
	 * What the file is ready for now (POLLIN, POLLOUT, ...: poll.h), after
	 * poll_wait() on each queue whose wake-ups may change that.  NULL:
	 * always ready both ways.
	 */
	unsigned int (*poll)(struct file *f, struct poll_table *pt);
};

struct file {
	unsigned int f_flags;		/* contract: O_* given to open; f_lock for F_SETFL */
	struct inode *f_inode;		/* contract; fixed */
	struct address_space *f_mapping;	/* contract: == f_inode->i_mapping */
	const struct file_operations *f_op;	/* contract; fixed after open */

	unsigned int f_mode;		/* fixed: FMODE_* */
	struct path f_path;		/* fixed */
	int f_count;			/* atomic: references (descriptors, in-flight calls) */
	struct spinlock f_lock;
	struct mutex f_pos_lock;	/* serializes users of f_pos (FMODE_ATOMIC_POS) */
	u64 f_pos;			/* f_pos_lock: the shared offset */
	void *private_data;		/* the driver's */
	u32 f_wb_err;			/* f_mapping's error sequence when fsync last looked */
	unsigned long f_ra_next;	/* read-ahead: the first page not read ahead yet (a hint: no lock) */
	unsigned int f_ra_window;	/* read-ahead: pages in the last window */
};

struct file *alloc_file(const struct path *path, unsigned int flags,
			const struct file_operations *fop);
struct file *fget(int fd);		/* contract: with a reference, or NULL */
/*
 * Another task's descriptors (/proc/PID/fd): the file at fd, referenced,
 * or NULL; the first open fd at or after from, or -1.  The task's
 * descriptor table goes with it at exit, under task->lock, which these take.
 */
struct task;
struct file *fget_task(struct task *t, int fd);
int next_open_fd_task(struct task *t, int from);
void get_file(struct file *f);		/* contract */
void fput(struct file *f);		/* contract */
/* contract: open by path from the kernel; a file or ERR_PTR(-errno) */
struct file *filp_open(const char *path, int flags, umode_t mode);
/* Open a path already looked up. */
struct file *vfs_open(const struct path *path, unsigned int flags);

/* contract: read into a kernel buffer at *pos: bytes read or -errno */
ssize_t kernel_read(struct file *f, void *buf, size_t len, u64 *pos);
ssize_t kernel_write(struct file *f, const void *buf, size_t len, u64 *pos);
ssize_t vfs_read(struct file *f, struct iov_iter *to, u64 *pos);
ssize_t vfs_write(struct file *f, struct iov_iter *from, u64 *pos);
s64 generic_file_llseek(struct file *f, s64 offset, int whence);
/*
 * A write of a regular file at pos: -EFBIG (and SIGXFSZ past RLIMIT_FSIZE)
 * if it cannot write a byte there, else the iterator is cut to what the
 * limits allow.  i_rwsem held.
 */
int write_size_limits(struct inode *inode, u64 pos, struct iov_iter *from);
/* May a truncate make the file `size` bytes?  -EFBIG (and SIGXFSZ) if not. */
int size_change_ok(struct inode *inode, u64 size);
s64 noop_llseek(struct file *f, s64 offset, int whence);
int noop_fsync(struct file *f);
int iterate_dir(struct file *f, struct dir_context *ctx);

/* contract: an unlinked tmpfs file of `size` bytes, for MAP_SHARED|MAP_ANONYMOUS */
struct file *shmem_file_create(u64 size);

/* ---- descriptor tables and the file-system context ----------------------- */

#define NR_OPEN_DEFAULT 1024	/* the default RLIMIT_NOFILE */
#define NR_OPEN_MAX (1u << 20)	/* no table grows beyond this (Linux's fs.nr_open) */

struct files_struct {
	int count;			/* atomic: tasks sharing the table */
	struct spinlock file_lock;
	unsigned int max_fds;		/* file_lock: RLIMIT_NOFILE; fds are below it */
	unsigned int size;		/* file_lock: slots in fd[] */
	struct file **fd;		/* file_lock: NULL for a free slot */
	u64 *close_on_exec;		/* file_lock: one bit per slot */
	unsigned int next_fd;		/* file_lock: no free slot below this */
};

struct fs_struct {
	int users;			/* atomic: tasks sharing it */
	struct spinlock lock;
	struct path root;		/* lock */
	struct path pwd;		/* lock */
	umode_t umask;			/* lock */
};

/* Share a table or context with a new thread (CLONE_FILES, CLONE_FS). */
static inline struct files_struct *files_get(struct files_struct *f)
{
	__atomic_add_fetch(&f->count, 1, __ATOMIC_RELAXED);
	return f;
}

static inline struct fs_struct *fs_get(struct fs_struct *fs)
{
	__atomic_add_fetch(&fs->users, 1, __ATOMIC_RELAXED);
	return fs;
}

struct files_struct *files_new(void);				/* contract: for init */
struct files_struct *files_dup(struct files_struct *old);	/* contract: fork */
void files_put(struct files_struct *files);			/* contract: exit */
void files_close_on_exec(struct files_struct *files);		/* contract: execve */
struct fs_struct *fs_new_root(void);				/* contract: for init */
struct fs_struct *fs_dup(struct fs_struct *old);		/* contract: fork */
void fs_put(struct fs_struct *fs);				/* contract: exit */

/* setrlimit(RLIMIT_NOFILE): new descriptors stay below limit (capped at NR_OPEN_MAX). */
void files_set_max_fds(struct files_struct *files, u64 limit);
/* Install f (the caller's reference) at the lowest free fd >= start. */
int fd_install_from(struct file *f, unsigned int start, bool cloexec);
static inline int fd_install_new(struct file *f, bool cloexec) { return fd_install_from(f, 0, cloexec); }
/* Put f at fd, closing what was there; -EBADF if fd is out of range. */
int fd_replace(unsigned int fd, struct file *f, bool cloexec);
int close_fd(unsigned int fd);
int get_close_on_exec(unsigned int fd);	/* 0/1 or -EBADF */
int set_close_on_exec(unsigned int fd, bool on);

/* The caller's context: the current task's, or the kernel's before there are tasks. */
struct fs_struct *current_fs(void);
void get_fs_root(struct fs_struct *fs, struct path *root);
void get_fs_pwd(struct fs_struct *fs, struct path *pwd);
void set_fs_pwd(struct fs_struct *fs, const struct path *pwd);
umode_t current_umask(void);
umode_t set_current_umask(umode_t mask);

/* contract: open /dev/console as fds 0, 1 and 2 of the current task */
int vfs_open_console_fds(void);

/* contract: the root file system (ext2 with root=/dev/vdX, else tmpfs) and /dev */
void vfs_init(void);
/* Is the root an ext2 disk (root= given)?  Then there is no initramfs to unpack. */
bool vfs_root_is_disk(void);
/* contract: unpack a cpio "newc" archive into the root file system */
int initramfs_unpack(const void *data, size_t len);

#endif
