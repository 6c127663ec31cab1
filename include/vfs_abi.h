/*
 * The file-system part of the Linux x86-64 system-call ABI: flag values
 * and the structures user space passes in and out.  The values and the
 * layouts are Linux's own, so a static binary built against Linux's
 * headers sees exactly what it would see there.
 */
#ifndef PAGODA_VFS_ABI_H
#define PAGODA_VFS_ABI_H

#include <fcntl.h>
#include <types.h>

#define PATH_MAX 4096		/* bytes in a path, counting the NUL */
#define NAME_MAX 255		/* bytes in one component */
#define MAXSYMLINKS 40		/* symlinks followed in one lookup */
#define PIPE_BUF 4096		/* writes up to this size are atomic */

/*
 * The open(), *at() and fcntl() flags shared with the rest of the kernel
 * live in <fcntl.h>; here are the ones only the file system calls use.
 */
#define O_ASYNC 00020000
#define AT_EACCESS 0x200		/* faccessat: same bit as AT_REMOVEDIR */
#define AT_NO_AUTOMOUNT 0x800

/* lseek() */
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/* access() */
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4

/* renameat2() */
#define RENAME_NOREPLACE (1u << 0)
#define RENAME_EXCHANGE (1u << 1)
#define RENAME_WHITEOUT (1u << 2)

/* utimensat() */
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

/* Directory entry types (d_type). */
#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12

/* Generic ioctls, valid on every descriptor. */
#define FIONCLEX 0x5450
#define FIOCLEX 0x5451
#define FIONBIO 0x5421
#define FIONREAD 0x541b

struct timespec64 {
	s64 tv_sec;
	long tv_nsec;
};

/* struct stat of x86-64: 144 bytes. */
struct stat {
	u64 st_dev;
	u64 st_ino;
	u64 st_nlink;
	u32 st_mode;
	u32 st_uid;
	u32 st_gid;
	u32 __pad0;
	u64 st_rdev;
	s64 st_size;
	s64 st_blksize;
	s64 st_blocks;	/* 512-byte units */
	u64 st_atime;
	u64 st_atime_nsec;
	u64 st_mtime;
	u64 st_mtime_nsec;
	u64 st_ctime;
	u64 st_ctime_nsec;
	s64 __unused[3];
};

/* struct statfs of x86-64: 120 bytes. */
struct statfs {
	s64 f_type;
	s64 f_bsize;
	u64 f_blocks;
	u64 f_bfree;
	u64 f_bavail;
	u64 f_files;
	u64 f_ffree;
	s32 f_fsid[2];
	s64 f_namelen;
	s64 f_frsize;
	s64 f_flags;
	s64 f_spare[4];
};

#define ST_VALID 0x0020		/* f_flags: the kernel filled them in */

/* One record of getdents64(); records are 8-byte aligned. */
struct linux_dirent64 {
	u64 d_ino;
	s64 d_off;		/* position of the next record */
	u16 d_reclen;
	u8 d_type;
	char d_name[];		/* NUL-terminated */
};

#endif
