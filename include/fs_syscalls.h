/*
 * The file-system system calls (fs/sys_*.c), with the Linux x86-64
 * numbers they answer to.  Each returns a non-negative result or a
 * negative errno; pointers are user pointers, checked by the usercopy
 * routines (a bad one is -EFAULT).  -ERESTARTSYS may come back from a
 * call interrupted by a signal (pipes, terminals): the entry code turns it
 * into EINTR or a restart.
 */
#ifndef PAGODA_FS_SYSCALLS_H
#define PAGODA_FS_SYSCALLS_H

#include <fs.h>
#include <signal.h>
#include <uio.h>

/* fs/sys_read_write.c */
long sys_read(int fd, void *buf, size_t count);					/* 0 */
long sys_write(int fd, const void *buf, size_t count);				/* 1 */
long sys_lseek(int fd, s64 offset, unsigned int whence);			/* 8 */
long sys_pread64(int fd, void *buf, size_t count, s64 pos);			/* 17 */
long sys_pwrite64(int fd, const void *buf, size_t count, s64 pos);		/* 18 */
long sys_readv(int fd, const struct iovec *vec, unsigned long vlen);		/* 19 */
long sys_writev(int fd, const struct iovec *vec, unsigned long vlen);		/* 20 */
long sys_sendfile(int out_fd, int in_fd, s64 *offset, size_t count);		/* 40 */
long sys_preadv(int fd, const struct iovec *vec, unsigned long vlen,
		unsigned long pos_l, unsigned long pos_h);			/* 295 */
long sys_pwritev(int fd, const struct iovec *vec, unsigned long vlen,
		 unsigned long pos_l, unsigned long pos_h);			/* 296 */

/* fs/sys_open.c */
long sys_open(const char *filename, int flags, umode_t mode);			/* 2 */
long sys_close(unsigned int fd);						/* 3 */
long sys_creat(const char *pathname, umode_t mode);				/* 85 */
long sys_openat(int dfd, const char *filename, int flags, umode_t mode);	/* 257 */

/* fs/sys_stat.c */
long sys_stat(const char *filename, struct stat *statbuf);			/* 4 */
long sys_fstat(int fd, struct stat *statbuf);					/* 5 */
long sys_lstat(const char *filename, struct stat *statbuf);			/* 6 */
long sys_statfs(const char *pathname, struct statfs *buf);			/* 137 */
long sys_fstatfs(int fd, struct statfs *buf);					/* 138 */
long sys_newfstatat(int dfd, const char *filename, struct stat *statbuf, int flag); /* 262 */

/* fs/sys_fd.c */
long sys_ioctl(unsigned int fd, unsigned int cmd, unsigned long arg);		/* 16 */
long sys_pipe(int *fildes);							/* 22 */
long sys_dup(unsigned int fildes);						/* 32 */
long sys_dup2(unsigned int oldfd, unsigned int newfd);				/* 33 */
long sys_fcntl(unsigned int fd, unsigned int cmd, unsigned long arg);		/* 72 */
long sys_dup3(unsigned int oldfd, unsigned int newfd, int flags);		/* 292 */
long sys_pipe2(int *fildes, int flags);						/* 293 */

/* fs/sys_attr.c */
long sys_access(const char *filename, int mode);				/* 21 */
long sys_fsync(unsigned int fd);						/* 74 */
long sys_fdatasync(unsigned int fd);						/* 75 */
long sys_truncate(const char *path, s64 length);				/* 76 */
long sys_ftruncate(unsigned int fd, s64 length);				/* 77 */
long sys_chmod(const char *filename, umode_t mode);				/* 90 */
long sys_fchmod(unsigned int fd, umode_t mode);					/* 91 */
long sys_chown(const char *filename, u32 user, u32 group);			/* 92 */
long sys_fchown(unsigned int fd, u32 user, u32 group);				/* 93 */
long sys_lchown(const char *filename, u32 user, u32 group);			/* 94 */
long sys_umask(int mask);							/* 95 */
long sys_sync(void);								/* 162 */
long sys_mount(const char *source, const char *target, const char *fstype, unsigned long flags,
	       const void *data);						/* 165 */
long sys_syncfs(int fd);							/* 306 */
long sys_fallocate(int fd, int mode, s64 offset, s64 len);			/* 285 */
long sys_fchownat(int dfd, const char *filename, u32 user, u32 group, int flag);	/* 260 */
long sys_fchmodat(int dfd, const char *filename, umode_t mode);			/* 268 */
long sys_faccessat(int dfd, const char *filename, int mode);			/* 269 */
long sys_utimensat(int dfd, const char *filename, const struct timespec64 *utimes,
		   int flags);							/* 280 */
long sys_faccessat2(int dfd, const char *filename, int mode, int flags);	/* 439 */

/* fs/sys_dir.c */
long sys_getcwd(char *buf, unsigned long size);					/* 79 */
long sys_chdir(const char *filename);						/* 80 */
long sys_fchdir(unsigned int fd);						/* 81 */
long sys_getdents64(unsigned int fd, struct linux_dirent64 *dirent, unsigned int count); /* 217 */

/* fs/sys_namei.c */
long sys_rename(const char *oldname, const char *newname);			/* 82 */
long sys_mkdir(const char *pathname, umode_t mode);				/* 83 */
long sys_rmdir(const char *pathname);						/* 84 */
long sys_link(const char *oldname, const char *newname);			/* 86 */
long sys_unlink(const char *pathname);						/* 87 */
long sys_symlink(const char *oldname, const char *newname);			/* 88 */
long sys_readlink(const char *path, char *buf, int bufsiz);			/* 89 */
long sys_mknod(const char *filename, umode_t mode, unsigned int dev);		/* 133 */
long sys_mkdirat(int dfd, const char *pathname, umode_t mode);			/* 258 */
long sys_mknodat(int dfd, const char *filename, umode_t mode, unsigned int dev); /* 259 */
long sys_unlinkat(int dfd, const char *pathname, int flag);			/* 263 */
long sys_renameat(int olddfd, const char *oldname, int newdfd, const char *newname); /* 264 */
long sys_linkat(int olddfd, const char *oldname, int newdfd, const char *newname,
		int flags);							/* 265 */
long sys_symlinkat(const char *oldname, int newdfd, const char *newname);	/* 266 */
long sys_readlinkat(int dfd, const char *path, char *buf, int bufsiz);		/* 267 */
long sys_renameat2(int olddfd, const char *oldname, int newdfd, const char *newname,
		   unsigned int flags);						/* 316 */

/* fs/select.c */
struct pollfd_k;
struct timespec_k;
struct timeval_k;
struct sigset_arg;
long sys_poll(struct pollfd_k *ufds, unsigned int nfds, int timeout_ms);	/* 7 */
long sys_select(int nfds, u64 *in, u64 *out, u64 *ex, struct timeval_k *tv);	/* 23 */
long sys_pselect6(int nfds, u64 *in, u64 *out, u64 *ex, const struct timespec_k *ts,
		  const struct sigset_arg *sig);				/* 270 */
long sys_ppoll(struct pollfd_k *ufds, unsigned int nfds, const struct timespec_k *ts,
	       const sigset_t *mask, size_t sigsetsize);			/* 271 */

#endif
