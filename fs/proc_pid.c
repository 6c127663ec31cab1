/*
 * /proc/PID and /proc/self: what ps, top, pidof and students' scripts read
 * about a process, in Linux's formats.
 *
 *   /proc/self          a symlink to the reader's own process
 *   /proc/PID/stat      one line: pid (comm) state ppid pgrp session tty_nr
 *                       tpgid ... (Linux's 52 fields; those Pagoda does
 *                       not keep are 0)
 *   /proc/PID/status    Name, State, Tgid, Pid, PPid, Uid, Gid, VmSize,
 *                       VmRSS, Threads, signal masks, ...
 *   /proc/PID/cmdline   the arguments, each ending in a NUL (empty for a
 *                       zombie or a kernel thread)
 *   /proc/PID/comm      the name, and a newline
 *   /proc/PID/exe       a symlink to the program
 *   /proc/PID/fd/N      a symlink per open descriptor, to its file's path
 *                       (or pipe:[inode], as Linux names pipes)
 *
 * PID is a process (a thread group's leader, as Linux lists them; a
 * thread's tid also works).  These names are not kept in the dcache: each
 * lookup makes a fresh dentry, unhashed at once, so it is gone as soon as
 * the path walk is done with it, and a process that has exited is simply
 * not found.  /proc's root lists the live processes after its own files.
 */
#include <err.h>
#include <errno.h>
#include <kmalloc.h>
#include <printk.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <task.h>
#include <time.h>
#include <tty.h>
#include <vfs_abi.h>
#include <vfs_internal.h>
#include <vm.h>
#include "proc_internal.h"

/* What the files say about a process, read under tasklist_lock. */
struct proc_snapshot {
	char comm[TASK_COMM_LEN];
	char state;
	int pid, ppid, pgid, sid, threads;
	u64 start_ns, min_flt;
	struct cputime cputime;		/* the process's */
	struct cputime children;	/* its children's, waited for */
	sigset_t pending, shared, blocked, ignored, caught;
	int tty_nr, tpgid;
	struct mm *mm;		/* referenced, or NULL */
	u64 vsize;		/* with_memory only: bytes mapped */
	unsigned long anon, file;	/* with_memory only: resident pages */
};

static char state_letter(enum task_state s)
{
	switch (s) {
	case TASK_RUNNABLE:
		return 'R';
	case TASK_SLEEPING:
		return 'S';
	case TASK_SLEEPING_UNINTERRUPTIBLE:
		return 'D';
	case TASK_STOPPED:
		return 'T';
	case TASK_ZOMBIE:
		return 'Z';
	default:
		return 'X';
	}
}

/* The process of pid (tid of any of its threads) now; false if there is none. */
static bool snapshot(int pid, struct proc_snapshot *s)
{
	struct task *t;

	memset(s, 0, sizeof(*s));
	spin_lock(&tasklist_lock);
	t = find_task(pid);
	if (t && t->tg)
		t = t->tg->leader;
	if (!t || t->state == TASK_DEAD || t->pid == 0) {
		spin_unlock(&tasklist_lock);
		return false;
	}
	memcpy(s->comm, t->comm, sizeof(s->comm));
	s->state = state_letter(READ_ONCE(t->state));
	if (t->tg && t->tg->group_stop && s->state != 'Z')
		s->state = 'T';
	s->pid = t->tgid;
	s->ppid = t->parent ? t->parent->tgid : 0;
	s->pgid = t->pgid;
	s->sid = t->sid;
	s->threads = t->tg ? t->tg->live : 1;
	s->start_ns = t->start_ns;
	s->min_flt = t->tg ? READ_ONCE(t->tg->min_flt) : t->min_flt;
	if (t->tg) {
		s->cputime = process_cputime(t->tg);
		s->children = t->tg->children;
	} else {	/* a kernel thread (not listed, but found by number) */
		s->cputime = (struct cputime){ READ_ONCE(t->utime_ns), READ_ONCE(t->stime_ns) };
	}
	s->pending = READ_ONCE(t->pending.set);
	s->shared = t->tg ? READ_ONCE(t->tg->shared.set) : 0;
	s->blocked = READ_ONCE(t->blocked);
	for (int sig = 1; t->sighand && sig <= NSIG; sig++) {
		void *h = t->sighand->action[sig - 1].handler;

		if (h == SIG_IGN)
			s->ignored |= sigmask(sig);
		else if (h != SIG_DFL)
			s->caught |= sigmask(sig);
	}
	s->mm = s->state == 'Z' ? NULL : get_task_mm(t);
	spin_unlock(&tasklist_lock);
	s->tpgid = -1;
	if (console_controls(s->sid, &s->tpgid))
		s->tty_nr = (5 << 8) | 1;	/* /dev/console: 5, 1, in stat's encoding */
	else
		s->tpgid = -1;
	return true;
}

/* snapshot, and the sizes of the process's memory (stat, status). */
static bool snapshot_with_memory(int pid, struct proc_snapshot *s)
{
	if (!snapshot(pid, s))
		return false;
	if (s->mm) {
		s->vsize = mm_total_vm(s->mm);
		mm_resident_pages(s->mm, &s->anon, &s->file);
	}
	return true;
}

static void snapshot_done(struct proc_snapshot *s)
{
	if (s->mm)
		mm_put(s->mm);
}

static void show_stat(struct proc_buf *pb, const struct proc_entry *e)
{
	struct proc_snapshot s;

	(void)e;
	if (!snapshot_with_memory(pb->pid, &s))
		return;
	/* Fields 1-52 of proc(5); those Pagoda does not keep are 0. */
	proc_printf(pb, "%d (%s) %c %d %d %d %d %d 0 %lu 0 0 0 %lu %lu %lu %lu 20 0 %d 0 %lu %lu %lu ",
		    s.pid, s.comm, s.state, s.ppid, s.pgid, s.sid, s.tty_nr, s.tpgid,
		    (unsigned long)s.min_flt, ns_to_clock_t(s.cputime.user_ns),
		    ns_to_clock_t(s.cputime.system_ns), ns_to_clock_t(s.children.user_ns),
		    ns_to_clock_t(s.children.system_ns), s.threads, ns_to_clock_t(s.start_ns),
		    (unsigned long)s.vsize, s.anon + s.file);
	proc_printf(pb, "18446744073709551615 0 0 0 0 0 %lu %lu %lu %lu 0 0 0 17 0 0 0 0 0 0 "
		    "0 0 0 0 0 0 0 0\n", (unsigned long)(s.pending | s.shared),
		    (unsigned long)s.blocked, (unsigned long)s.ignored, (unsigned long)s.caught);
	snapshot_done(&s);
}

static const char *state_name(char state)
{
	switch (state) {
	case 'R':
		return "R (running)";
	case 'S':
		return "S (sleeping)";
	case 'D':
		return "D (disk sleep)";
	case 'T':
		return "T (stopped)";
	case 'Z':
		return "Z (zombie)";
	default:
		return "X (dead)";
	}
}

static void show_status(struct proc_buf *pb, const struct proc_entry *e)
{
	struct proc_snapshot s;

	(void)e;
	if (!snapshot_with_memory(pb->pid, &s))
		return;
	proc_printf(pb, "Name:\t%s\nUmask:\t0022\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n"
		    "PPid:\t%d\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
		    s.comm, state_name(s.state), s.pid, s.pid, s.ppid);
	if (s.mm)
		proc_printf(pb, "VmSize:\t%8lu kB\nVmRSS:\t%8lu kB\nRssAnon:\t%8lu kB\n"
			    "RssFile:\t%8lu kB\n", (unsigned long)(s.vsize >> 10), (s.anon + s.file) * 4,
			    s.anon * 4, s.file * 4);
	proc_printf(pb, "Threads:\t%d\nSigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\n"
		    "SigIgn:\t%016lx\nSigCgt:\t%016lx\n", s.threads, (unsigned long)s.pending,
		    (unsigned long)s.shared, (unsigned long)s.blocked, (unsigned long)s.ignored,
		    (unsigned long)s.caught);
	snapshot_done(&s);
}

static void show_cmdline(struct proc_buf *pb, const struct proc_entry *e)
{
	struct proc_snapshot s;

	(void)e;
	if (!snapshot(pb->pid, &s))
		return;
	if (s.mm && s.mm->arg_end > s.mm->arg_start) {
		size_t want = MIN(s.mm->arg_end - s.mm->arg_start, pb->size - 1);

		pb->len = access_remote_vm(s.mm, s.mm->arg_start, pb->data, want);
		if (want == pb->size - 1)
			pb->overflow = true;	/* print again into a bigger buffer */
	}
	snapshot_done(&s);
}

static void show_comm(struct proc_buf *pb, const struct proc_entry *e)
{
	struct proc_snapshot s;

	(void)e;
	if (!snapshot(pb->pid, &s))
		return;
	proc_printf(pb, "%s\n", s.comm);
	snapshot_done(&s);
}

static const struct proc_entry pid_files[] = {
	{ .path = "stat", .mode = 0444, .show = show_stat },
	{ .path = "status", .mode = 0444, .show = show_status },
	{ .path = "cmdline", .mode = 0444, .show = show_cmdline },
	{ .path = "comm", .mode = 0444, .show = show_comm },
};

/* ---- symlinks: self, exe, fd/N ------------------------------------------ */

/* A symlink inode to target (copied); NULL if out of memory. */
static struct inode *symlink_inode(struct super_block *sb, const char *target)
{
	struct inode *inode = proc_new_inode(sb, S_IFLNK | 0777, NULL);

	if (inode) {
		inode->i_link = kmalloc(strlen(target) + 1, GFP_KERNEL);
		if (!inode->i_link) {
			iput(inode);
			return NULL;
		}
		memcpy(inode->i_link, target, strlen(target) + 1);
		inode->i_size = strlen(target);
	}
	return inode;
}

/* Where a file is, as /proc's links name it: its path, or pipe:[inode]. */
static void file_link_target(struct file *f, char *buf, size_t size)
{
	struct path root;
	char *p;

	if (f->f_inode->i_pipe) {
		snprintf(buf, size, "pipe:[%lu]", (unsigned long)f->f_inode->i_ino);
		return;
	}
	get_fs_root(current_fs(), &root);
	p = d_path(&root, &f->f_path, buf, size);
	path_put(&root);
	if (IS_ERR_OR_NULL(p))
		snprintf(buf, size, "anon_inode:[%lu]", (unsigned long)f->f_inode->i_ino);
	else
		memmove(buf, p, strlen(p) + 1);
}

/* A snapshot's process's task, under tasklist_lock; NULL if it is gone. */
static struct task *task_of(int pid)
{
	struct task *t = find_task(pid);

	return t && t->state != TASK_DEAD && t->state != TASK_ZOMBIE ? t : NULL;
}

static struct inode *exe_link(struct super_block *sb, int pid)
{
	struct proc_snapshot s;
	struct inode *inode = NULL;
	char *buf;

	if (!snapshot(pid, &s))
		return NULL;
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (buf && s.mm && s.mm->exe_file) {
		file_link_target(s.mm->exe_file, buf, PATH_MAX);
		inode = symlink_inode(sb, buf);
	}
	kfree(buf);
	snapshot_done(&s);
	return inode;
}

static struct inode *fd_link(struct super_block *sb, int pid, int fd)
{
	struct inode *inode = NULL;
	struct file *f = NULL;
	struct task *t;
	char *buf;

	spin_lock(&tasklist_lock);
	t = task_of(pid);
	if (t)
		task_get(t);
	spin_unlock(&tasklist_lock);
	if (!t)
		return NULL;
	f = fget_task(t, fd);
	task_put(t);
	buf = f ? kmalloc(PATH_MAX, GFP_KERNEL) : NULL;
	if (buf) {
		file_link_target(f, buf, PATH_MAX);
		inode = symlink_inode(sb, buf);
	}
	kfree(buf);
	if (f)
		fput(f);
	return inode;
}

/* ---- the directories --------------------------------------------------- */

/* A decimal number that is the whole name (no sign, no leading zero), or -1. */
static long name_number(const struct qstr *name)
{
	long n = 0;

	if (name->len == 0 || name->len > 9 || (name->name[0] == '0' && name->len > 1))
		return -1;
	for (unsigned int i = 0; i < name->len; i++) {
		if (name->name[i] < '0' || name->name[i] > '9')
			return -1;
		n = n * 10 + name->name[i] - '0';
	}
	return n;
}

static bool name_is(const struct qstr *name, const char *s)
{
	return name->len == strlen(s) && !memcmp(name->name, s, name->len);
}

/*
 * Bind dentry to inode (or none) and unhash it at once: the name lives as
 * long as the walk that looked it up (see the top of the file).
 */
static int add_volatile(struct dentry *dentry, struct inode *inode)
{
	d_add(dentry, inode);
	d_delete(dentry);
	return 0;
}

static const struct inode_operations pid_fd_dir_iops;
static const struct file_operations pid_fd_dir_fops;
static const struct inode_operations pid_dir_iops;
static const struct file_operations pid_dir_fops;

static int pid_of(const struct inode *inode)
{
	return (int)(long)inode->i_fs_info;
}

static int pid_fd_lookup(struct inode *dir, struct dentry *dentry)
{
	long fd = name_number(&dentry->d_name);

	return add_volatile(dentry, fd < 0 ? NULL : fd_link(dir->i_sb, pid_of(dir), fd));
}

static int pid_dir_lookup(struct inode *dir, struct dentry *dentry)
{
	struct proc_snapshot s;
	struct inode *inode = NULL;
	int pid = pid_of(dir);

	if (!snapshot(pid, &s))
		return add_volatile(dentry, NULL);
	snapshot_done(&s);
	if (name_is(&dentry->d_name, "exe")) {
		inode = exe_link(dir->i_sb, pid);
	} else if (name_is(&dentry->d_name, "fd")) {
		inode = proc_new_inode(dir->i_sb, S_IFDIR | 0500, NULL);
		if (inode) {
			inode->i_op = &pid_fd_dir_iops;
			inode->i_fop = &pid_fd_dir_fops;
		}
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(pid_files) && !inode; i++)
		if (name_is(&dentry->d_name, pid_files[i].path))
			inode = proc_new_inode(dir->i_sb, S_IFREG | pid_files[i].mode, &pid_files[i]);
	if (inode)
		inode->i_fs_info = (void *)(long)pid;
	return add_volatile(dentry, inode);
}

int proc_lookup_pid(struct inode *dir, struct dentry *dentry)
{
	struct proc_snapshot s;
	struct inode *inode = NULL;
	long pid = name_number(&dentry->d_name);

	if (name_is(&dentry->d_name, "self")) {
		char target[16];

		snprintf(target, sizeof(target), "%d", current->tgid);
		return add_volatile(dentry, symlink_inode(dir->i_sb, target));
	}
	if (pid > 0 && snapshot(pid, &s)) {
		snapshot_done(&s);
		inode = proc_new_inode(dir->i_sb, S_IFDIR | 0555, NULL);
		if (inode) {
			inode->i_op = &pid_dir_iops;
			inode->i_fop = &pid_dir_fops;
			inode->i_fs_info = (void *)(long)pid;
		}
	}
	return add_volatile(dentry, inode);
}

/* "." and ".." of a directory that has no dentries to list. */
static bool emit_dots(struct file *f, struct dir_context *ctx)
{
	if (ctx->pos == 0) {
		if (!ctx->actor(ctx, ".", 1, f->f_inode->i_ino, DT_DIR))
			return false;
		ctx->pos = 1;
	}
	if (ctx->pos == 1) {
		if (!ctx->actor(ctx, "..", 2, 1, DT_DIR))
			return false;
		ctx->pos = 2;
	}
	return true;
}

static int pid_dir_iterate(struct file *f, struct dir_context *ctx)
{
	static const struct { const char *name; unsigned int type; } more[] = {
		{ "exe", DT_LNK }, { "fd", DT_DIR } };
	unsigned int n = ARRAY_SIZE(pid_files);

	if (!emit_dots(f, ctx))
		return 0;
	for (; ctx->pos - 2 < n + ARRAY_SIZE(more); ctx->pos++) {
		unsigned int i = ctx->pos - 2;
		const char *name = i < n ? pid_files[i].path : more[i - n].name;

		if (!ctx->actor(ctx, name, strlen(name), 1000 + i, i < n ? DT_REG : more[i - n].type))
			return 0;
	}
	return 0;
}

static int pid_fd_iterate(struct file *f, struct dir_context *ctx)
{
	struct task *t;
	int fd;

	if (!emit_dots(f, ctx))
		return 0;
	spin_lock(&tasklist_lock);
	t = task_of(pid_of(f->f_inode));
	if (t)
		task_get(t);
	spin_unlock(&tasklist_lock);
	if (!t)
		return 0;
	while ((fd = next_open_fd_task(t, ctx->pos - 2)) >= 0) {
		char name[16];

		snprintf(name, sizeof(name), "%d", fd);
		ctx->pos = fd + 2;
		if (!ctx->actor(ctx, name, strlen(name), 1000 + fd, DT_LNK))	/* (not 0: "deleted") */
			break;
		ctx->pos++;
	}
	task_put(t);
	return 0;
}

/* The tgids of the processes above `after`, ascending, up to max of them. */
static int processes_after(int after, int *pids, int max)
{
	struct task *t;
	int n = 0;

	spin_lock(&tasklist_lock);
	list_for_each_entry(t, &all_tasks, all_link) {
		int i;

		if (!t->tg || t->tg->leader != t || t->tgid <= after || t->state == TASK_DEAD)
			continue;
		if (n == max && t->tgid >= pids[n - 1])
			continue;
		if (n == max)
			n--;	/* the largest makes room */
		for (i = n; i > 0 && pids[i - 1] > t->tgid; i--)
			pids[i] = pids[i - 1];
		pids[i] = t->tgid;
		n++;
	}
	spin_unlock(&tasklist_lock);
	return n;
}

#define PID_BATCH 32

int proc_readdir_pids(struct dir_context *ctx)
{
	int pids[PID_BATCH], n;

	if (ctx->pos < PID_POS_BASE)
		ctx->pos = PID_POS_BASE;
	while ((n = processes_after(ctx->pos - PID_POS_BASE, pids, PID_BATCH)) > 0) {
		for (int i = 0; i < n; i++) {
			char name[16];

			snprintf(name, sizeof(name), "%d", pids[i]);
			ctx->pos = PID_POS_BASE + pids[i] - 1;
			if (!ctx->actor(ctx, name, strlen(name), PID_POS_BASE + pids[i], DT_DIR))
				return 0;
			ctx->pos = PID_POS_BASE + pids[i];
		}
	}
	return 0;
}

static const struct inode_operations pid_dir_iops = { .lookup = pid_dir_lookup };
static const struct file_operations pid_dir_fops = { .iterate = pid_dir_iterate };
static const struct inode_operations pid_fd_dir_iops = { .lookup = pid_fd_lookup };
static const struct file_operations pid_fd_dir_fops = { .iterate = pid_fd_iterate };
