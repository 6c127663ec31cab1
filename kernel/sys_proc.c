/*
 * Process identity and attributes: ids, process groups and sessions,
 * resource limits, TLS base, uname, reboot.
 *
 * Pagoda has a single user, root: every uid and gid is 0.
 */
#include <debug_exit.h>
#include <errno.h>
#include <fs.h>
#include <printk.h>
#include <sched.h>
#include <string.h>
#include <kmalloc.h>
#include <kstack.h>
#include <page.h>
#include <syscall.h>
#include <time.h>
#include <usercopy.h>
#include <vm.h>
#include <x86.h>
#include <vmstat.h>

long sys_getpid(void)
{
	return current->tgid;
}

long sys_gettid(void)
{
	return current->pid;
}

long sys_getppid(void)
{
	long ppid;

	struct task *leader;

	spin_lock(&tasklist_lock);
	/* A thread has no parent of its own: its process's is the one. */
	leader = current->tg ? current->tg->leader : current;
	ppid = leader->parent ? leader->parent->tgid : 0;
	spin_unlock(&tasklist_lock);
	return ppid;
}

long sys_getuid(void)
{
	return 0;	/* also geteuid, getgid, getegid: everyone is root */
}

/* The real, effective and saved ids: all 0 (also getresgid). */
long sys_getresuid(u32 *ruid, u32 *euid, u32 *suid)
{
	if (put_user_u32(0, ruid) || put_user_u32(0, euid) || put_user_u32(0, suid))
		return -EFAULT;
	return 0;
}

/* The process group (or session, if want_sid) of pid, 0 meaning ourselves. */
static long group_of(int pid, bool want_sid)
{
	struct task *t;
	long ret = -ESRCH;

	spin_lock(&tasklist_lock);
	t = pid ? find_task(pid) : current;
	if (t)
		ret = want_sid ? t->sid : t->pgid;
	spin_unlock(&tasklist_lock);
	return ret;
}

long sys_getpgid(int pid)
{
	return group_of(pid, false);
}

long sys_getpgrp(void)
{
	return sys_getpgid(0);
}

long sys_getsid(int pid)
{
	return group_of(pid, true);
}

/*
 * Does group pgid exist in session sid?  A member that has exited but is
 * not waited for yet still counts, as on Linux: a shell puts the second
 * command of `echo x | cat` into the first one's group, which may have
 * exited by then.  tasklist_lock held.
 */
static bool pgrp_in_session(int pgid, int sid)
{
	struct task *t;

	list_for_each_entry(t, &all_tasks, all_link)
		if (t->pgid == pgid && t->sid == sid && t->state != TASK_DEAD)
			return true;
	return false;
}

long sys_setpgid(int pid, int pgid)
{
	struct task *t, *me = current;
	long err = 0;

	if (pgid < 0)
		return -EINVAL;
	spin_lock(&tasklist_lock);
	t = pid ? find_task(pid) : me;
	if (!t || (t != me && t->parent != me))
		err = -ESRCH;		/* only ourselves or our own children */
	else if (!pgid)
		pgid = t->tgid;
	if (!err && t->sid != me->sid)
		err = -EPERM;		/* a child in another session */
	else if (!err && t->sid == t->tgid)
		err = -EPERM;		/* a session leader stays in its group */
	else if (!err && pgid != t->tgid && !pgrp_in_session(pgid, me->sid))
		err = -EPERM;		/* no such group in our session */
	if (!err)
		t->pgid = pgid;
	spin_unlock(&tasklist_lock);
	return err;
}

long sys_setsid(void)
{
	struct task *t = current, *o;
	long ret;

	spin_lock(&tasklist_lock);
	ret = t->tgid;
	/* A process-group leader cannot start a session: its group would split. */
	list_for_each_entry(o, &all_tasks, all_link)
		if (o->pgid == t->tgid)
			ret = -EPERM;
	if (ret > 0) {
		t->sid = t->tgid;
		t->pgid = t->tgid;
	}
	spin_unlock(&tasklist_lock);
	return ret;
}

long sys_set_tid_address(int *tidptr)
{
	current->clear_child_tid = tidptr;
	return current->pid;
}

#define ROBUST_LIST_HEAD_SIZE 24

long sys_set_robust_list(void *head, size_t len)
{
	(void)head;
	/* Recorded by Linux for futexes of dying threads; threads come with [smp]. */
	return len == ROBUST_LIST_HEAD_SIZE ? 0 : -EINVAL;
}

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

long sys_arch_prctl(int code, u64 addr)
{
	struct task *t = current;

	switch (code) {
	case ARCH_SET_FS:
		if (addr >= USER_SPACE_END)
			return -EPERM;
		t->fs_base = addr;
		wrmsr(MSR_FS_BASE, addr);
		return 0;
	case ARCH_GET_FS:
		return put_user_u64(t->fs_base, (void *)addr);
	case ARCH_SET_GS:
	case ARCH_GET_GS:
		return -EINVAL;	/* user GS is not supported: nothing uses it */
	default:
		return -EINVAL;
	}
}

static int check_resource(int resource)
{
	return resource >= 0 && resource < RLIM_NLIMITS ? 0 : -EINVAL;
}

long sys_prlimit64(int pid, int resource, const void *new_limit, void *old_limit)
{
	struct task *t = current;
	struct rlimit_k new;

	if (check_resource(resource))
		return -EINVAL;
	if (pid && pid != t->tgid)
		return -ESRCH;	/* other processes' limits: not supported */
	if (new_limit) {
		if (copy_from_user(&new, new_limit, sizeof(new)))
			return -EFAULT;
		if (new.cur > new.max)
			return -EINVAL;
	}
	if (old_limit && copy_to_user(old_limit, &t->rlim[resource], sizeof(struct rlimit_k)))
		return -EFAULT;
	if (new_limit) {
		t->rlim[resource] = new;
		if (resource == RLIMIT_NOFILE && t->files)
			files_set_max_fds(t->files, new.cur);
	}
	return 0;
}

long sys_getrlimit(int resource, void *rlim)
{
	return sys_prlimit64(0, resource, NULL, rlim);
}

long sys_setrlimit(int resource, const void *rlim)
{
	return sys_prlimit64(0, resource, rlim, NULL);
}

/* The limits of the first process; children inherit them. */
void rlimits_init(struct rlimit_k *rlim)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		rlim[i] = (struct rlimit_k){ RLIM_INFINITY, RLIM_INFINITY };
	rlim[RLIMIT_STACK] = (struct rlimit_k){ USER_STACK_MAX, RLIM_INFINITY };
	rlim[RLIMIT_NOFILE] = (struct rlimit_k){ 1024, 4096 };
	rlim[RLIMIT_CORE] = (struct rlimit_k){ 0, RLIM_INFINITY };
}

struct utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

long sys_uname(void *buf)
{
	struct utsname u;

	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, "Pagoda", sizeof(u.sysname));
	strlcpy(u.nodename, "pagoda", sizeof(u.nodename));
	/* Programs compare the release against Linux's: claim a recent one. */
	strlcpy(u.release, "6.1.0-pagoda", sizeof(u.release));
	strlcpy(u.version, "#1 " __DATE__, sizeof(u.version));
	strlcpy(u.machine, "x86_64", sizeof(u.machine));
	strlcpy(u.domainname, "(none)", sizeof(u.domainname));
	return copy_to_user(buf, &u, sizeof(u)) ? -EFAULT : 0;
}

#define PR_SET_NAME 15
#define PR_GET_NAME 16

/*
 * prctl: the thread's name (what ps and /proc/PID/comm show; busybox sets
 * each applet's).  Other options are not known here: EINVAL, as Linux
 * answers an option it does not have.
 */
long sys_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
	       unsigned long arg5)
{
	char name[TASK_COMM_LEN];
	long len;

	(void)arg3;
	(void)arg4;
	(void)arg5;
	switch (option) {
	case PR_SET_NAME:
		len = strncpy_from_user(name, (const char *)arg2, sizeof(name));
		if (len < 0 && len != -ENAMETOOLONG)
			return len;
		name[sizeof(name) - 1] = '\0';	/* longer names are cut, as Linux does */
		memcpy(current->comm, name, sizeof(name));
		return 0;
	case PR_GET_NAME:
		return copy_to_user((void *)arg2, current->comm, sizeof(current->comm)) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}

struct sysinfo_k {
	long uptime;
	unsigned long loads[3];
	unsigned long totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	unsigned short procs, pad;
	unsigned long totalhigh, freehigh;
	unsigned int mem_unit;
	char reserved[4];
};

long sys_sysinfo(struct sysinfo_k *info)
{
	struct sysinfo_k si = { 0 };
	struct task *t;

	/* Count what dead tasks held, and what is only kept for reuse, as free. */
	free_dead_tasks();
	kstack_drain_cache();
	kmalloc_shrink();
	si.uptime = clock_ns() / NSEC_PER_SEC;
	get_loadavg(si.loads, 16);	/* SI_LOAD_SHIFT */
	si.totalram = nr_total_pages();
	si.freeram = nr_free_pages();
	si.sharedram = vm_stat_read(NR_SHMEM);	/* in mem_unit, as free(1) expects */
	si.mem_unit = PAGE_SIZE;
	spin_lock(&tasklist_lock);
	list_for_each_entry(t, &all_tasks, all_link)
		si.procs++;
	spin_unlock(&tasklist_lock);
	return copy_to_user(info, &si, sizeof(si)) ? -EFAULT : 0;
}

long sys_sched_yield(void)
{
	yield();
	return 0;
}

/*
 * CPU affinity.  A mask is one bit per CPU; Pagoda's has 64 bits (8
 * bytes), and a longer user mask must leave the bits beyond them clear.
 * The new mask is cut down to the CPUs that are online; nothing left is
 * -EINVAL, as in Linux.  The caller moves at once; another task moves
 * the next time it leaves user mode.
 */
static u64 online_cpus_mask(void)
{
	u64 mask = 0;

	for (int i = 0; i < MAX_CPUS; i++)
		if (READ_ONCE(cpus[i].online))
			mask |= 1ul << i;
	return mask;
}

long sys_sched_setaffinity(int pid, unsigned int len, const u64 *user_mask)
{
	u64 mask = 0, extra;
	struct task *t;

	if (copy_from_user(&mask, user_mask, MIN(len, sizeof(mask))))
		return -EFAULT;
	for (unsigned int off = sizeof(mask); off < len; off += sizeof(extra)) {
		extra = 0;
		if (copy_from_user(&extra, (const u8 *)user_mask + off, MIN(len - off, sizeof(extra))))
			return -EFAULT;
		if (extra)
			return -EINVAL;	/* a CPU this machine cannot have */
	}
	mask &= online_cpus_mask();
	if (pid == 0 || pid == current->pid) {
		if (!mask)
			return -EINVAL;
		sched_set_cpus_allowed(mask);
		return 0;
	}
	/* As in Linux, a missing task is reported before an empty mask. */
	spin_lock(&tasklist_lock);
	t = pid > 0 ? find_task(pid) : NULL;
	if (t && mask) {
		spin_lock(&rq_lock);
		t->cpus_allowed = mask;
		t->need_resched = true;
		spin_unlock(&rq_lock);
	}
	spin_unlock(&tasklist_lock);
	return !t ? -ESRCH : !mask ? -EINVAL : 0;
}

/* The size of the mask written, as Linux returns it (8 bytes here). */
long sys_sched_getaffinity(int pid, unsigned int len, u64 *user_mask)
{
	struct task *t = current;
	u64 mask;

	if (len < sizeof(mask) || (len & (sizeof(mask) - 1)))
		return -EINVAL;
	spin_lock(&tasklist_lock);
	if (pid != 0)
		t = pid > 0 ? find_task(pid) : NULL;
	mask = t ? READ_ONCE(t->cpus_allowed) & online_cpus_mask() : 0;
	spin_unlock(&tasklist_lock);
	if (!t)
		return -ESRCH;
	return copy_to_user(user_mask, &mask, sizeof(mask)) ? -EFAULT : (long)sizeof(mask);
}

/* getcpu(cpu, node, cache): where the caller runs now (it may move at once). */
long sys_getcpu(unsigned int *cpu, unsigned int *node, void *cache)
{
	unsigned int here = this_cpu()->id, zero = 0;

	(void)cache;
	if (cpu && copy_to_user(cpu, &here, sizeof(here)))
		return -EFAULT;
	if (node && copy_to_user(node, &zero, sizeof(zero)))
		return -EFAULT;
	return 0;
}

#define REBOOT_MAGIC1 0xfee1dead
#define REBOOT_MAGIC2 672274793
#define REBOOT_CMD_RESTART 0x01234567
#define REBOOT_CMD_HALT 0xcdef0123
#define REBOOT_CMD_POWER_OFF 0x4321fedc

__noreturn void power_off(enum qemu_exit_code code);

long sys_reboot(int magic1, int magic2, unsigned int cmd, void *arg)
{
	(void)arg;
	if ((unsigned int)magic1 != REBOOT_MAGIC1 || magic2 != REBOOT_MAGIC2)
		return -EINVAL;
	switch (cmd) {
	case REBOOT_CMD_POWER_OFF:
	case REBOOT_CMD_HALT:
	case REBOOT_CMD_RESTART:
		power_off(QEMU_EXIT_PASS);
	default:
		return -EINVAL;
	}
}
