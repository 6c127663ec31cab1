/*
 * The out-of-memory killer: when reclaim can free nothing more and an
 * allocation still cannot be met, end the process using the most memory,
 * so the kernel and everything else can go on.
 *
 * The victim is the process (thread group) whose address space maps the
 * most pages (its resident set, counted by walking its page tables: rare
 * enough to need no counter, and under the lock of a thread that has it,
 * which exec and exit take to change task->mm).  Never init, never a kernel thread.  It gets
 * SIGKILL, which every one of its threads sees as fatal: the allocator
 * lets them use the reserve and fail fast, so they get back to user mode
 * and die, and their memory comes back when the address space goes.
 * While a victim is still dying no second one is chosen (one kill is
 * usually enough); after VICTIM_GRACE_NS the next one is.
 *
 * The console says what happened, in Linux's words, so a student who sees
 * a program vanish knows why:
 *   Out of memory: Killed process 42 (hog) anon-rss:51200kB, file-rss:96kB, UID:0
 *
 * Lock order: oom_lock -> tasklist_lock -> task->lock -> page_table_lock.
 */
#include <mutex.h>
#include <page.h>
#include <printk.h>
#include <sched.h>
#include <string.h>
#include <signal.h>
#include <task.h>
#include <time.h>
#include <vm.h>
#include <vmscan.h>
#include <vmstat.h>

#define VICTIM_GRACE_NS 5000000000ul	/* how long a victim may take to die */
#define VICTIM_WAIT_NS 20000000ul	/* the killer's caller waits this long, then retries */

static struct mutex oom_lock = MUTEX_INIT(oom_lock, "oom_lock");
static int victim_pid;				/* oom_lock: the last victim's tgid, 0 if none */
static u64 victim_killed_ns;			/* oom_lock */

struct victim {
	struct task *leader;		/* valid only under tasklist_lock */
	int pid;
	char comm[TASK_COMM_LEN];
	unsigned long anon, file;
};

/* Is the last victim still on its way out?  tasklist_lock held. */
static bool victim_dying(u64 now)
{
	struct task *t;

	if (!victim_pid || now - victim_killed_ns > VICTIM_GRACE_NS)
		return false;
	t = find_task(victim_pid);
	return t && t->tg && t->tg->live > 0 && t->tg->leader == t;
}

/*
 * The pages a process maps, through any of its threads that still has the
 * address space (the leader may have exited before the others).
 * tasklist_lock held.
 */
static void process_resident_pages(struct thread_group *tg, unsigned long *anon,
				   unsigned long *file)
{
	struct task *th;

	*anon = *file = 0;
	list_for_each_entry(th, &tg->threads, tg_link) {
		bool has_mm;

		spin_lock(&th->lock);
		has_mm = th->mm != NULL;
		if (has_mm)
			mm_resident_pages(th->mm, anon, file);
		spin_unlock(&th->lock);
		if (has_mm)
			return;
	}
}

/* The leader of the process mapping the most pages.  tasklist_lock held. */
static bool pick_victim(struct victim *v)
{
	struct task *t;

	v->leader = NULL;
	list_for_each_entry(t, &all_tasks, all_link) {
		unsigned long anon, file;

		if (!t->tg || t->tg->leader != t || t->tgid == 1 || t->tg->live == 0)
			continue;	/* threads count with their leader; init is never killed */
		process_resident_pages(t->tg, &anon, &file);
		if (anon + file > 0 && (!v->leader || anon + file > v->anon + v->file)) {
			v->leader = t;
			v->anon = anon;
			v->file = file;
		}
	}
	return v->leader != NULL;
}

static void report_memory(void)
{
	pr_warn("oom: free %lu kB (min %lu kB), page cache %lu kB (dirty %lu kB, writeback %lu kB, "
		"tmpfs %lu kB), anonymous %lu kB",
		nr_free_pages() * 4, READ_ONCE(watermarks.min) * 4,
		vm_stat_read(NR_FILE_PAGES) * 4, vm_stat_read(NR_FILE_DIRTY) * 4,
		vm_stat_read(NR_WRITEBACK) * 4, vm_stat_read(NR_SHMEM) * 4,
		vm_stat_read(NR_ANON_PAGES) * 4);
}

bool out_of_memory(unsigned int order)
{
	struct siginfo_k info = { .signo = SIGKILL, .code = SI_KERNEL };
	u64 now = clock_ns();
	struct victim v;
	bool killed = false, dying;

	mutex_lock(&oom_lock);
	spin_lock(&tasklist_lock);
	dying = victim_dying(now);
	if (!dying && pick_victim(&v)) {
		send_signal_process_locked(v.leader->tg, SIGKILL, &info);
		v.pid = v.leader->tgid;
		memcpy(v.comm, v.leader->comm, sizeof(v.comm));
		victim_pid = v.pid;
		victim_killed_ns = now;
		killed = true;
	}
	spin_unlock(&tasklist_lock);
	if (killed) {
		inc_vm_stat(OOM_KILL);
		pr_err("%s invoked oom-killer: order=%u", current->comm, order);
		report_memory();
		pr_err("Out of memory: Killed process %d (%s) anon-rss:%lukB, file-rss:%lukB, UID:0",
		       v.pid, v.comm, v.anon * 4, v.file * 4);
	} else if (!dying) {
		pr_err("%s: out of memory (order %u) and no process to kill", current->comm, order);
		report_memory();
	}
	mutex_unlock(&oom_lock);
	if (killed || dying)
		sleep_ns(VICTIM_WAIT_NS);	/* let it run and exit */
	return killed || dying;
}
