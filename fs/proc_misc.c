/*
 * /proc files about the whole system: diskstats, mounts, uptime, loadavg,
 * stat.
 */
#include <blkdev.h>
#include <err.h>
#include <fs.h>
#include <kmalloc.h>
#include <percpu.h>
#include <printk.h>
#include <sched.h>
#include <smp.h>
#include <task.h>
#include <time.h>
#include <vfs_abi.h>
#include "proc_internal.h"

static u64 ns_to_ms(u64 ns)
{
	return ns / 1000000;
}

/* One line per disk, the 20 columns of Linux 6.1's /proc/diskstats (no discards here). */
static void show_disk(struct gendisk *disk, void *arg)
{
	struct proc_buf *pb = arg;
	struct disk_stats s;

	disk_get_stats(disk, &s);
	proc_printf(pb, "%4u %7u %s %lu %lu %lu %lu %lu %lu %lu %lu %u %lu %lu 0 0 0 0 %lu %lu\n",
		    disk->major, disk->first_minor, disk->name,
		    s.ios[BLK_OP_READ], s.merges[BLK_OP_READ], s.sectors[BLK_OP_READ],
		    ns_to_ms(s.ns[BLK_OP_READ]),
		    s.ios[BLK_OP_WRITE], s.merges[BLK_OP_WRITE], s.sectors[BLK_OP_WRITE],
		    ns_to_ms(s.ns[BLK_OP_WRITE]),
		    s.in_flight, ns_to_ms(s.busy_ns), ns_to_ms(s.weighted_ns),
		    s.ios[BLK_OP_FLUSH], ns_to_ms(s.ns[BLK_OP_FLUSH]));
}

void proc_show_diskstats(struct proc_buf *pb, const struct proc_entry *e)
{
	(void)e;
	disk_for_each(show_disk, pb);
}

#define MAX_MOUNTS 64

/* "source mountpoint type options 0 0", oldest first, as df and mount read it. */
void proc_show_mounts(struct proc_buf *pb, const struct proc_entry *e)
{
	struct vfsmount *mnts[MAX_MOUNTS];
	int n = visible_mounts(mnts, MAX_MOUNTS);
	char *buf = kmalloc(PATH_MAX, GFP_KERNEL);
	struct path root;

	(void)e;
	if (!buf) {
		pb->overflow = true;
		return;
	}
	get_fs_root(current_fs(), &root);
	for (int i = 0; i < n; i++) {
		struct path where = { mnts[i], mnts[i]->mnt_root };
		char *dir = d_path(&root, &where, buf, PATH_MAX);

		if (IS_ERR_OR_NULL(dir))
			continue;	/* outside the reader's root */
		proc_printf(pb, "%s %s %s rw 0 0\n", mnts[i]->mnt_devname, dir, mnts[i]->mnt_type);
	}
	path_put(&root);
	kfree(buf);
}

/* Seconds since boot, and the CPUs' idle seconds summed, to the hundredth. */
void proc_show_uptime(struct proc_buf *pb, const struct proc_entry *e)
{
	u64 up = clock_ns(), idle = 0;

	(void)e;
	for (int i = 0; i < MAX_CPUS; i++)
		if (cpus[i].online)
			idle += READ_ONCE(cpus[i].idle_ns);
	proc_printf(pb, "%lu.%02lu %lu.%02lu\n", (unsigned long)(up / NSEC_PER_SEC),
		    (unsigned long)(up % NSEC_PER_SEC / 10000000), (unsigned long)(idle / NSEC_PER_SEC),
		    (unsigned long)(idle % NSEC_PER_SEC / 10000000));
}

/* The three load averages, running/all tasks, and the last pid handed out. */
void proc_show_loadavg(struct proc_buf *pb, const struct proc_entry *e)
{
	unsigned long loads[3];
	int running = 0, all = 0;
	struct task *t;

	(void)e;
	get_loadavg(loads, 16);
	spin_lock(&tasklist_lock);
	list_for_each_entry(t, &all_tasks, all_link) {
		if (t->pid == 0)
			continue;	/* the idle tasks */
		all++;
		running += READ_ONCE(t->state) == TASK_RUNNABLE;
	}
	spin_unlock(&tasklist_lock);
	for (int i = 0; i < 3; i++)
		proc_printf(pb, "%lu.%02lu ", loads[i] >> 16, ((loads[i] & 0xffff) * 100) >> 16);
	proc_printf(pb, "%d/%d %d\n", running, all, last_pid());
}

/* One line of /proc/stat's CPU times, in 1/100 s (only user, system and idle are kept). */
static void show_cpu_times(struct proc_buf *pb, const char *name, u64 user, u64 system, u64 idle)
{
	proc_printf(pb, "%s %lu 0 %lu %lu 0 0 0 0 0 0\n", name, ns_to_clock_t(user),
		    ns_to_clock_t(system), ns_to_clock_t(idle));
}

/*
 * What top and vmstat read: the time each CPU spent in user mode, in the
 * kernel and idle (each counted as it ends, so each only grows, and top's
 * differences between two reads are never negative), the boot time, the
 * processes so far, and how many run and how many wait uninterruptibly now.
 */
void proc_show_stat(struct proc_buf *pb, const struct proc_entry *e)
{
	u64 user = 0, system = 0, idle = 0;
	int running = 0, blocked = 0;
	char name[16];
	struct task *t;

	(void)e;
	for (int i = 0; i < MAX_CPUS; i++) {
		if (!cpus[i].online)
			continue;
		user += READ_ONCE(cpus[i].user_ns);
		system += READ_ONCE(cpus[i].system_ns);
		idle += READ_ONCE(cpus[i].idle_ns);
	}
	show_cpu_times(pb, "cpu ", user, system, idle);
	for (int i = 0; i < MAX_CPUS; i++) {
		if (!cpus[i].online)
			continue;
		snprintf(name, sizeof(name), "cpu%d", i);
		show_cpu_times(pb, name, READ_ONCE(cpus[i].user_ns), READ_ONCE(cpus[i].system_ns),
			       READ_ONCE(cpus[i].idle_ns));
	}
	spin_lock(&tasklist_lock);
	list_for_each_entry(t, &all_tasks, all_link) {
		enum task_state s = READ_ONCE(t->state);

		if (t->pid == 0)
			continue;
		running += s == TASK_RUNNABLE;
		blocked += task_blocked(t);
	}
	spin_unlock(&tasklist_lock);
	proc_printf(pb, "intr 0\nctxt 0\nbtime %lu\nprocesses %d\nprocs_running %d\n"
		    "procs_blocked %d\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
		    (unsigned long)(realtime_offset() / NSEC_PER_SEC), last_pid(), running, blocked);
}
