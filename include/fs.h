/*
 * The VFS: inodes, dentries, open files, descriptor tables.
 *
 * SKELETON: the fields and functions below are the contract between fs/
 * and the rest of the kernel (mm/, kernel/exec.c, kernel/fork.c); fs/ owns
 * this header and fills in the rest.
 */
#ifndef PAGODA_FS_H
#define PAGODA_FS_H

#include <mutex.h>
#include <pagecache.h>
#include <types.h>

typedef u32 umode_t;

#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)
#define S_ISCHR(m) (((m) & S_IFMT) == S_IFCHR)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)

struct inode {
	umode_t i_mode;
	u64 i_size;			/* i_rwsem for writers; read without it */
	struct rwsem i_rwsem;		/* the inode lock */
	struct address_space *i_mapping;	/* the page cache of its data */
	/* fs/ adds the rest */
};

struct file;
struct iov_iter;

struct file_operations {
	ssize_t (*read)(struct file *f, struct iov_iter *to, u64 *pos);
	ssize_t (*write)(struct file *f, struct iov_iter *from, u64 *pos);
	/* fs/ adds the rest */
};

struct file {
	unsigned int f_flags;		/* O_* flags given to open (O_APPEND, O_NONBLOCK, ...) */
	struct inode *f_inode;
	struct address_space *f_mapping;	/* == f_inode->i_mapping */
	const struct file_operations *f_op;
	/* fs/ adds the rest */
};

/* Descriptor tables and filesystem context, for fork/exec/exit. */
struct files_struct;
struct fs_struct;
struct files_struct *files_dup(struct files_struct *old);	/* fork without CLONE_FILES */
void files_put(struct files_struct *files);			/* exit */
void files_close_on_exec(struct files_struct *files);		/* execve */
struct fs_struct *fs_dup(struct fs_struct *old);
void fs_put(struct fs_struct *fs);

/* Open files. */
struct file *fget(int fd);		/* with a reference, or NULL */
void get_file(struct file *f);
void fput(struct file *f);
/* Open by path from the kernel (exec, init): a file or an ERR_PTR-style errno. */
struct file *filp_open(const char *path, int flags, umode_t mode);
/* Read into a kernel buffer at *pos: bytes read or a negative errno. */
ssize_t kernel_read(struct file *f, void *buf, size_t len, u64 *pos);
/* An unlinked tmpfs file of `size` bytes, for MAP_SHARED|MAP_ANONYMOUS. */
struct file *shmem_file_create(u64 size);

void vfs_init(void);
/* Unpack a cpio "newc" archive into the root file system. */
int initramfs_unpack(const void *data, size_t len);

#endif
