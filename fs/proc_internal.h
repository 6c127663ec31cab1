/*
 * /proc inside: the entries and the buffer their show functions print
 * into (fs/procfs.c is the file system; proc_mem.c, proc_sysctl.c and
 * procfs.c itself hold the entries).
 */
#ifndef PAGODA_PROC_INTERNAL_H
#define PAGODA_PROC_INTERNAL_H

#include <compiler.h>
#include <types.h>

/* Where a show function prints. */
struct proc_buf {
	char *data;
	size_t size, len;
	bool overflow;
	int pid;		/* the process a /proc/PID file is about (its inode's i_fs_info) */
};

__printf(2, 3) void proc_printf(struct proc_buf *pb, const char *fmt, ...);

/*
 * One file.  show prints its contents when it is opened for reading (NULL:
 * write-only); store takes what a write at offset 0 gave (NUL-terminated;
 * NULL: read-only): the bytes it used, or a negative errno.  mode's permission bits are
 * checked at open, also for root (as Linux does for /proc/sys).
 */
struct proc_entry {
	const char *path;			/* below /proc: "meminfo", "sys/vm/dirty_ratio" */
	unsigned int mode;			/* permission bits: 0444, 0644, 0200 */
	void (*show)(struct proc_buf *pb, const struct proc_entry *e);
	int (*store)(const struct proc_entry *e, const char *text);
	int *value;				/* a sysctl's integer (proc_sysctl.c) */
	int min, max;				/* ... and its bounds */
	void (*changed)(void);			/* ... and who must hear of a new value */
};

struct dentry;
struct dir_context;
struct inode;
struct super_block;

/* readdir positions in /proc's root: the processes' are above this. */
#define PID_POS_BASE (1ul << 32)

/* procfs.c: a new inode of mode, showing entry e if it is a file (NULL: no file ops). */
struct inode *proc_new_inode(struct super_block *sb, unsigned int mode, const struct proc_entry *e);

/* proc_pid.c: /proc/self and /proc/PID in /proc's root, and readdir's list of processes. */
int proc_lookup_pid(struct inode *dir, struct dentry *dentry);
int proc_readdir_pids(struct dir_context *ctx);

/* proc_misc.c */
void proc_show_diskstats(struct proc_buf *pb, const struct proc_entry *e);
void proc_show_loadavg(struct proc_buf *pb, const struct proc_entry *e);
void proc_show_mounts(struct proc_buf *pb, const struct proc_entry *e);
void proc_show_uptime(struct proc_buf *pb, const struct proc_entry *e);
void proc_show_stat(struct proc_buf *pb, const struct proc_entry *e);

/* proc_mem.c */
void proc_show_meminfo(struct proc_buf *pb, const struct proc_entry *e);
void proc_show_vmstat(struct proc_buf *pb, const struct proc_entry *e);
/* proc_sysctl.c: integer sysctls, and drop_caches */
void proc_show_int(struct proc_buf *pb, const struct proc_entry *e);
int proc_store_int(const struct proc_entry *e, const char *text);
int proc_store_drop_caches(const struct proc_entry *e, const char *text);

#endif
