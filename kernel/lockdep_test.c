/*
 * Self-tests for the lock validator, the hung-task watchdog and the
 * console's task dump.  The reports they provoke are marked "expected"
 * (lockdep_expect_reports), so the harness, which fails a boot on any
 * other, lets them through.
 */
#include <hung_task.h>
#include <ktest.h>
#include <lockdep.h>
#include <mutex.h>
#include <page.h>
#include <pagecache.h>
#include <sched.h>

/*
 * Wait until the test's kernel threads are freed, not just finished, so
 * the tests after this one (which count free pages) do not see their
 * stacks come back in the middle.
 */
static void wait_for_threads_freed(int tasks_before)
{
	for (int i = 0; i < 1000 && tasks_allocated() > tasks_before; i++) {
		free_dead_tasks();
		sleep_ns(1000000ul);
	}
}

#ifdef CONFIG_LOCKDEP

/* Two mutexes, each its own class (two init lines). */
struct abba {
	struct mutex a;
	struct mutex b;
	struct completion done;
	bool b_first;
};

static void take_both(void *arg)
{
	struct abba *p = arg;
	struct mutex *outer = p->b_first ? &p->b : &p->a;
	struct mutex *inner = p->b_first ? &p->a : &p->b;

	mutex_lock(outer);
	mutex_lock(inner);
	mutex_unlock(inner);
	mutex_unlock(outer);
	complete(&p->done);
}

/* Run take_both in a new kernel thread and wait for it to finish. */
static bool run_take_both(struct abba *p, bool b_first)
{
	p->b_first = b_first;
	completion_init(&p->done);
	if (!kthread_create(take_both, p, "lockdep_test"))
		return false;
	wait_for_completion(&p->done);
	return true;
}

static void abba_init(struct abba *p)
{
	mutex_init(&p->a, "ktest_a");
	mutex_init(&p->b, "ktest_b");
}

KTEST(lockdep_reports_abba_between_two_kernel_threads_before_it_deadlocks)
{
	static struct abba p;
	unsigned long before = lockdep_report_count();
	int tasks_before = tasks_allocated();

	abba_init(&p);
	lockdep_expect_reports(true);
	/*
	 * One thread takes a then b, and is done before the other takes b
	 * then a: they never collide, so only the order can tell.
	 */
	KEXPECT(run_take_both(&p, false));
	KEXPECT_EQ(lockdep_report_count(), before);
	KEXPECT(run_take_both(&p, true));
	KEXPECT_EQ(lockdep_report_count(), before + 1);
	/* Once per cycle: the same orders again say nothing more. */
	KEXPECT(run_take_both(&p, false));
	KEXPECT(run_take_both(&p, true));
	KEXPECT_EQ(lockdep_report_count(), before + 1);
	lockdep_expect_reports(false);
	wait_for_threads_freed(tasks_before);
}

KTEST(lockdep_stays_quiet_for_one_consistent_order)
{
	static struct mutex outer, inner;
	unsigned long before = lockdep_report_count();

	mutex_init(&outer, "ktest_outer");
	mutex_init(&inner, "ktest_inner");
	for (int i = 0; i < 3; i++) {
		mutex_lock(&outer);
		mutex_lock(&inner);
		mutex_unlock(&inner);
		mutex_unlock(&outer);
		mutex_lock(&inner);	/* alone: no order at all */
		mutex_unlock(&inner);
	}
	KEXPECT_EQ(lockdep_report_count(), before);
}

KTEST(lockdep_reports_a_second_lock_of_a_class_unless_it_is_declared_nested)
{
	static struct mutex locks[2];
	unsigned long before = lockdep_report_count();

	for (int i = 0; i < 2; i++)
		mutex_init(&locks[i], "ktest_same_class");	/* one line: one class */
	mutex_lock(&locks[0]);
	mutex_lock_nested(&locks[1], SINGLE_DEPTH_NESTING);
	mutex_unlock(&locks[1]);
	mutex_unlock(&locks[0]);
	KEXPECT_EQ(lockdep_report_count(), before);

	lockdep_expect_reports(true);
	mutex_lock(&locks[0]);
	mutex_lock(&locks[1]);
	mutex_unlock(&locks[1]);
	mutex_unlock(&locks[0]);
	lockdep_expect_reports(false);
	KEXPECT_EQ(lockdep_report_count(), before + 1);
}

KTEST(lockdep_reports_a_lock_held_into_user_space)
{
	static struct mutex m;
	unsigned long before = lockdep_report_count();

	mutex_init(&m, "ktest_leaked");
	lockdep_sys_exit(39);		/* nothing held: nothing to say */
	KEXPECT_EQ(lockdep_report_count(), before);
	lockdep_expect_reports(true);
	mutex_lock(&m);
	lockdep_sys_exit(39);		/* as if getpid returned with m held */
	mutex_unlock(&m);
	lockdep_expect_reports(false);
	KEXPECT_EQ(lockdep_report_count(), before + 1);
}

/* Pages of a pretend file (only their mapping and index matter to the validator). */
static bool make_pages(struct page **pages, int n, struct address_space *file)
{
	for (int i = 0; i < n; i++) {
		pages[i] = alloc_page(GFP_KERNEL | GFP_ZERO);
		if (!pages[i])
			return false;
		pages[i]->mapping = file;	/* never dereferenced */
		pages[i]->index = 10 + i;
	}
	return true;
}

static void free_test_pages(struct page **pages, int n)
{
	for (int i = 0; i < n; i++) {
		if (!pages[i])
			continue;
		pages[i]->mapping = NULL;
		put_page(pages[i]);
	}
}

KTEST(lockdep_allows_page_locks_of_one_file_in_ascending_order)
{
	static struct address_space file;
	struct page *pages[3] = { NULL };
	unsigned long before = lockdep_report_count();

	if (KEXPECT(make_pages(pages, 3, &file))) {
		for (int i = 0; i < 3; i++)
			lock_page(pages[i]);
		for (int i = 2; i >= 0; i--)
			unlock_page(pages[i]);
		KEXPECT_EQ(lockdep_report_count(), before);
	}
	free_test_pages(pages, 3);
}

KTEST(lockdep_reports_a_recursive_or_descending_page_lock)
{
	static struct address_space file, other_file;
	struct page *pages[2] = { NULL }, *other[1] = { NULL };
	unsigned long before = lockdep_report_count();

	if (!KEXPECT(make_pages(pages, 2, &file) && make_pages(other, 1, &other_file)))
		goto out;
	lockdep_expect_reports(true);
	/* Descending: another task going up would deadlock with this one. */
	lock_page(pages[1]);
	lock_page(pages[0]);
	unlock_page(pages[0]);
	KEXPECT_EQ(lockdep_report_count(), before + 1);
	/*
	 * The same page again: a real lock_page would never return, so only
	 * the validator is asked (and told it is released again).
	 */
	lockdep_page_lock(pages[1], &file, pages[1]->index, false, 0);
	lockdep_page_unlock(pages[1]);
	KEXPECT_EQ(lockdep_report_count(), before + 2);
	/* Two files: no order between them is declared. */
	lock_page(other[0]);
	unlock_page(other[0]);
	KEXPECT_EQ(lockdep_report_count(), before + 3);
	unlock_page(pages[1]);
	lockdep_expect_reports(false);
out:
	free_test_pages(pages, 2);
	free_test_pages(other, 1);
}

#endif /* CONFIG_LOCKDEP */

static void wait_forever_once(void *arg)
{
	wait_for_completion(arg);	/* uninterruptible, no time-out: what a deadlock looks like */
}

KTEST(hung_task_watchdog_reports_an_uninterruptible_sleeper_once)
{
	static struct completion never_yet;
	unsigned long before = hung_task_report_count();
	int tasks_before = tasks_allocated();
	struct task *t;
	u64 reported;

	completion_init(&never_yet);
	t = kthread_create(wait_forever_once, &never_yet, "ktest_sleeper");
	if (!KEXPECT(t != NULL))
		return;
	sleep_ns(20 * 1000000ul);	/* it is asleep by now */
	hung_task_expect_reports(true);
	check_hung_task(t, 10 * 1000000ul);	/* only ours: others' sleeps stay unreported */
	KEXPECT_EQ(hung_task_report_count(), before + 1);
	reported = READ_ONCE(t->hung_reported_ns);
	KEXPECT(reported != 0 && reported == READ_ONCE(t->sleep_start_ns));
	check_hung_task(t, 10 * 1000000ul);	/* the same sleep: no second report of it */
	KEXPECT_EQ(READ_ONCE(t->hung_reported_ns), reported);
	KEXPECT_EQ(hung_task_report_count(), before + 1);
	hung_task_expect_reports(false);
	complete(&never_yet);	/* it exits; t is not touched after this */
	wait_for_threads_freed(tasks_before);
}

KTEST(console_dump_key_is_ctrl_t_twice)
{
	KEXPECT(!console_dump_key(0x14));
	KEXPECT(!console_dump_key('x'));
	KEXPECT(!console_dump_key(0x14));
	KEXPECT(console_dump_key(0x14));	/* prints the tasks */
	KEXPECT(!console_dump_key(0x14));	/* a third press starts a new pair */
}
