/*
 * Self-tests for futexes, without a user program.  The threads of one
 * process are played by kernel threads ("helpers") that attach to the
 * test's address space for each call they make, as user threads sharing
 * an mm would run in it; the test's own thread is attached too.
 *
 * Every test runs its scenario twice, each time in a fresh address space,
 * and checks that the second round gives back every page it took: the
 * first round warms up kmalloc's caches, so a difference is a leak (of a
 * page, or of an inode reference that keeps a shared file's pages).
 */
#include <err.h>
#include <errno.h>
#include <fs.h>
#include <futex.h>
#include <ktest.h>
#include <mutex.h>
#include <page.h>
#include <sched.h>
#include <time.h>
#include <tlb.h>
#include <usercopy.h>
#include <vm.h>
#include <x86.h>

#define AREA 0x30000000ul		/* the test's private anonymous memory */
#define AREA_END (AREA + 4 * PAGE_SIZE)
#define WORD(i) ((u32 *)AREA + (i))	/* futex words, in the first page */
#define UNTOUCHED(i) ((u32 *)(AREA + (1 + (i)) * PAGE_SIZE))	/* pages 1, 2: never written */
#define TIMESPECS ((struct timespec_k *)(AREA + 3 * PAGE_SIZE))	/* for sys_futex to read */
#define SHM_A 0x40000000ul		/* a MAP_SHARED|MAP_ANONYMOUS page... */
#define SHM_B 0x50000000ul		/* ...mapped again elsewhere */

#define PRIV FUTEX_PRIVATE_FLAG
#define MANY __INT_MAX__
#define MS 1000000ul
#define PATIENCE_S 5			/* seconds a waiter waits before the test gives up */
#define NR_HELPERS 3

/* One thing for a helper to do in mm; by default a futex call. */
struct futex_job {
	long (*fn)(struct futex_job *job);
	struct mm *mm;
	u32 *uaddr;
	int op;
	u32 val;
	const struct timespec_k *timeout;	/* a user pointer */
	u32 val3;
	long result;
	struct completion done;
};

struct helper {
	struct task *task;
	struct spinlock lock;
	struct wait_queue wq;		/* the helper waits here for a job */
	struct futex_job *job;		/* lock: the next job, or NULL */
	bool quit;			/* lock */
	struct completion exited;
};

struct futex_env {
	struct mm *mm;			/* this round's address space */
	const struct timespec_k *patience;	/* relative, for FUTEX_WAIT */
	const struct timespec_k *deadline;	/* absolute, for FUTEX_WAIT_BITSET */
	struct helper helpers[NR_HELPERS];
};

/* ---- address spaces ---- */

static void mm_attach(struct mm *mm)
{
	current->mm = mm;
	mm_cpu_switch(NULL, mm);
	write_cr3(virt_to_phys(mm->pml4));
}

static void mm_detach(struct mm *mm)
{
	switch_to_kernel_page_tables();
	mm_cpu_switch(mm, NULL);
	current->mm = NULL;
}

static int map(struct mm *mm, u64 start, u64 end, unsigned int flags, struct file *file)
{
	int err;

	down_write(&mm->mmap_lock);
	err = vma_insert(mm, start, end, flags, file, 0);
	up_write(&mm->mmap_lock);
	return err;
}

/* ---- user memory, seen from the attached test thread ---- */

static void poke(struct ktest_ctx *kt, u32 *uaddr, u32 val)
{
	KEXPECT_EQ(put_user_u32(val, uaddr), 0);
}

static const struct timespec_k *put_timespec(struct ktest_ctx *kt, struct timespec_k *where,
					     long sec, long nsec)
{
	struct timespec_k ts = { sec, nsec };

	KEXPECT_EQ(copy_to_user(where, &ts, sizeof(ts)), 0);
	return where;
}

/* A timespec of ns in slot `slot` of the TIMESPECS page (0, 1: the round's; 2, 3: scratch). */
static const struct timespec_k *timespec_at(struct ktest_ctx *kt, int slot, u64 ns)
{
	return put_timespec(kt, TIMESPECS + slot, ns / NSEC_PER_SEC, ns % NSEC_PER_SEC);
}

static long futex4(u32 *uaddr, int op, u32 val, const struct timespec_k *timeout)
{
	return sys_futex(uaddr, op, val, timeout, NULL, 0);
}

/* How many wait on uaddr: requeue them all to where they are, which changes nothing. */
static long waiters_on(u32 *uaddr, int flags)
{
	return sys_futex(uaddr, FUTEX_REQUEUE | flags, 0, (const struct timespec_k *)(u64)MANY,
			 uaddr, 0);
}

static void await_waiters(struct ktest_ctx *kt, u32 *uaddr, int flags, long n)
{
	u64 give_up = clock_ns() + PATIENCE_S * NSEC_PER_SEC;
	long now;

	while ((now = waiters_on(uaddr, flags)) != n && clock_ns() < give_up)
		yield();
	KEXPECT_EQ(now, n);
}

/* ---- helpers ---- */

static long call_futex(struct futex_job *j)
{
	return sys_futex(j->uaddr, j->op, j->val, j->timeout, NULL, j->val3);
}

static void forget_signals(void)
{
	spin_lock(&current->lock);
	sigpending_flush(&current->pending, 0);	/* a kernel thread has no handlers to run them */
	spin_unlock(&current->lock);
}

static void run_job(struct futex_job *job)
{
	mm_attach(job->mm);
	job->result = job->fn(job);
	mm_detach(job->mm);
	forget_signals();
	complete(&job->done);
}

static struct futex_job *next_job(struct helper *h)
{
	struct futex_job *job;

	spin_lock(&h->lock);
	while (!h->job && !h->quit)
		wait_sleep(&h->wq, &h->lock, false);
	job = h->job;
	h->job = NULL;
	spin_unlock(&h->lock);
	return job;
}

static void helper_main(void *arg)
{
	struct helper *h = arg;
	struct futex_job *job;

	while ((job = next_job(h)))
		run_job(job);
	complete(&h->exited);
}

static void submit(struct helper *h, struct futex_job *job)
{
	completion_init(&job->done);
	spin_lock(&h->lock);
	h->job = job;
	wake_up(&h->wq);
	spin_unlock(&h->lock);
}

static long job_result(struct futex_job *job)
{
	wait_for_completion(&job->done);
	return job->result;
}

/* Have h make a wait job, and return once it is queued behind `before` others. */
static void start_waiter(struct ktest_ctx *kt, struct helper *h, struct futex_job *job, long before)
{
	submit(h, job);
	await_waiters(kt, job->uaddr, job->op & PRIV, before + 1);
}

/* A job waiting on uaddr while it holds val, for PATIENCE_S at most. */
static struct futex_job waiter(struct futex_env *e, u32 *uaddr, int op, u32 val, u32 bitset)
{
	bool bitset_op = (op & FUTEX_CMD_MASK) == FUTEX_WAIT_BITSET;

	return (struct futex_job){ .fn = call_futex, .mm = e->mm, .uaddr = uaddr, .op = op,
				   .val = val, .val3 = bitset,
				   .timeout = bitset_op ? e->deadline : e->patience };
}

static void stop_helpers(struct futex_env *e, int n)
{
	for (int i = 0; i < n; i++) {
		struct helper *h = &e->helpers[i];

		spin_lock(&h->lock);
		h->quit = true;
		wake_up(&h->wq);
		spin_unlock(&h->lock);
		wait_for_completion(&h->exited);
	}
}

static bool start_helpers(struct ktest_ctx *kt, struct futex_env *e)
{
	for (int i = 0; i < NR_HELPERS; i++) {
		struct helper *h = &e->helpers[i];

		spin_init(&h->lock, "futex_test_helper");
		wait_queue_init(&h->wq);
		completion_init(&h->exited);
		h->job = NULL;
		h->quit = false;
		h->task = kthread_create(helper_main, h, "futex_test");
		if (!KEXPECT(h->task != NULL)) {
			stop_helpers(e, i);
			return false;
		}
	}
	return true;
}

/* ---- rounds ---- */

static bool begin_round(struct ktest_ctx *kt, struct futex_env *e)
{
	e->mm = mm_create();
	if (!KEXPECT(e->mm != NULL))
		return false;
	if (!KEXPECT_EQ(map(e->mm, AREA, AREA_END, VM_READ | VM_WRITE, NULL), 0)) {
		mm_put(e->mm);
		return false;
	}
	mm_attach(e->mm);
	e->patience = timespec_at(kt, 0, PATIENCE_S * NSEC_PER_SEC);
	e->deadline = timespec_at(kt, 1, clock_ns() + 2 * PATIENCE_S * NSEC_PER_SEC);
	return true;
}

static void end_round(struct futex_env *e)
{
	mm_detach(e->mm);
	mm_put(e->mm);
}

/* Let exited kernel threads (earlier tests' helpers) be freed, so they are not counted. */
static u64 settled_free_pages(void)
{
	free_dead_tasks();
	sleep_ns(2 * NSEC_PER_SEC / HZ);	/* two ticks: time to finish dying */
	free_dead_tasks();
	return nr_free_pages();
}

typedef void scenario_fn(struct ktest_ctx *kt, struct futex_env *e);

static void run_scenario(struct ktest_ctx *kt, scenario_fn *scenario)
{
	struct futex_env e;
	u64 before = 0;

	if (!start_helpers(kt, &e))
		return;
	for (int round = 0; round < 2; round++) {
		if (!begin_round(kt, &e))
			break;
		scenario(kt, &e);
		end_round(&e);
		if (round == 0)
			before = settled_free_pages();
		else
			KEXPECT_EQ(settled_free_pages(), before);
	}
	stop_helpers(&e, NR_HELPERS);
}

/* ---- scenarios ---- */

static void wait_and_wake(struct ktest_ctx *kt, struct futex_env *e)
{
	static const int kinds[] = { PRIV, 0 };

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		struct futex_job j = waiter(e, WORD(0), FUTEX_WAIT | kinds[i], 0, 0);

		poke(kt, WORD(0), 0);
		start_waiter(kt, &e->helpers[0], &j, 0);
		poke(kt, WORD(0), 1);
		/* Private and shared keys never match, as on Linux. */
		KEXPECT_EQ(futex4(WORD(0), FUTEX_WAKE | (kinds[i] ^ PRIV), 1, NULL), 0);
		/* futex_wake() (thread exit) is a shared wake. */
		if (kinds[i] == PRIV)
			KEXPECT_EQ(futex4(WORD(0), FUTEX_WAKE | PRIV, 1, NULL), 1);
		else
			KEXPECT_EQ(futex_wake(WORD(0), 1), 1);
		KEXPECT_EQ(job_result(&j), 0);
	}
}

KTEST(futex_wait_and_wake_between_threads)
{
	run_scenario(kt, wait_and_wake);
}

static void bad_arguments(struct ktest_ctx *kt, struct futex_env *e)
{
	u32 *odd = (u32 *)(AREA + 2), *unmapped = (u32 *)AREA_END, *kernel = (u32 *)KERNEL_VMA;
	const struct timespec_k *huge;

	(void)e;
	poke(kt, WORD(0), 5);
	KEXPECT_EQ(futex4(WORD(0), FUTEX_WAIT | PRIV, 4, NULL), -EAGAIN);
	KEXPECT_EQ(futex4(WORD(0), FUTEX_WAIT, 4, NULL), -EAGAIN);
	KEXPECT_EQ(futex4(odd, FUTEX_WAIT | PRIV, 5, NULL), -EINVAL);
	KEXPECT_EQ(futex4(odd, FUTEX_WAKE, 1, NULL), -EINVAL);
	KEXPECT_EQ(futex4(kernel, FUTEX_WAKE | PRIV, 1, NULL), -EFAULT);
	KEXPECT_EQ(futex4(unmapped, FUTEX_WAIT | PRIV, 0, NULL), -EFAULT);
	KEXPECT_EQ(futex4(unmapped, FUTEX_WAIT, 0, NULL), -EFAULT);
	KEXPECT_EQ(futex4(unmapped, FUTEX_WAKE, 1, NULL), -EFAULT);	/* no VMA to key on */
	KEXPECT_EQ(futex4(unmapped, FUTEX_WAKE | PRIV, 1, NULL), 0);	/* private: no VMA */
	/* FUTEX_FD, FUTEX_WAKE_OP and FUTEX_LOCK_PI are not implemented. */
	KEXPECT_EQ(futex4(WORD(0), 2, 0, NULL), -ENOSYS);
	KEXPECT_EQ(futex4(WORD(0), 5 | PRIV, 0, NULL), -ENOSYS);
	KEXPECT_EQ(futex4(WORD(0), 6 | PRIV, 0, NULL), -ENOSYS);
	KEXPECT_EQ(futex4(WORD(0), FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 5, NULL), -ENOSYS);
	KEXPECT_EQ(futex4(WORD(0), FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL), -ENOSYS);
	KEXPECT_EQ(sys_futex(WORD(0), FUTEX_WAIT_BITSET | PRIV, 5, NULL, NULL, 0), -EINVAL);
	KEXPECT_EQ(sys_futex(WORD(0), FUTEX_WAKE_BITSET | PRIV, 1, NULL, NULL, 0), -EINVAL);
	/* Timeouts: checked first, as on Linux; huge ones are fine. */
	KEXPECT_EQ(futex4(WORD(0), FUTEX_WAIT, 5, put_timespec(kt, TIMESPECS + 3, 0, NSEC_PER_SEC)),
		   -EINVAL);
	KEXPECT_EQ(futex4(WORD(0), FUTEX_WAIT, 5, put_timespec(kt, TIMESPECS + 3, -1, 0)), -EINVAL);
	KEXPECT_EQ(futex4(WORD(0), FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 5, TIMESPECS + 3), -EINVAL);
	KEXPECT_EQ(futex4(WORD(0), FUTEX_WAIT, 5, (const struct timespec_k *)unmapped), -EFAULT);
	huge = put_timespec(kt, TIMESPECS + 3, __LONG_MAX__, NSEC_PER_SEC - 1);
	KEXPECT_EQ(futex4(WORD(0), FUTEX_WAIT, 4, huge), -EAGAIN);
	/* Negative counts for requeue (the count to move rides in the timeout argument). */
	KEXPECT_EQ(sys_futex(WORD(0), FUTEX_REQUEUE | PRIV, -1u, NULL, WORD(1), 0), -EINVAL);
	KEXPECT_EQ(sys_futex(WORD(0), FUTEX_REQUEUE | PRIV, 1,
			     (const struct timespec_k *)0xfffffffful, WORD(1), 0), -EINVAL);
}

KTEST(futex_rejects_bad_arguments)
{
	run_scenario(kt, bad_arguments);
}

static void timeouts(struct ktest_ctx *kt, struct futex_env *e)
{
	u64 t0 = clock_ns(), abs;

	(void)e;
	poke(kt, WORD(0), 3);
	KEXPECT_EQ(futex4(WORD(0), FUTEX_WAIT | PRIV, 3, timespec_at(kt, 2, 20 * MS)), -ETIMEDOUT);
	KEXPECT(clock_ns() - t0 >= 20 * MS);
	abs = clock_ns() + 20 * MS;
	KEXPECT_EQ(sys_futex(WORD(0), FUTEX_WAIT_BITSET, 3, timespec_at(kt, 2, abs), NULL,
			     FUTEX_BITSET_MATCH_ANY), -ETIMEDOUT);
	KEXPECT(clock_ns() >= abs);
	/* Already over: a relative zero, an absolute time in the past. */
	KEXPECT_EQ(futex4(WORD(0), FUTEX_WAIT, 3, timespec_at(kt, 2, 0)), -ETIMEDOUT);
	KEXPECT_EQ(sys_futex(WORD(0), FUTEX_WAIT_BITSET | PRIV, 3, timespec_at(kt, 2, 0), NULL, 1),
		   -ETIMEDOUT);
	abs = realtime_offset() + clock_ns() + 20 * MS;
	KEXPECT_EQ(sys_futex(WORD(0), FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME | PRIV, 3,
			     timespec_at(kt, 2, abs), NULL, 1), -ETIMEDOUT);
	KEXPECT(realtime_offset() + clock_ns() >= abs);
	/* Words in pages never touched: the read faults, the page comes in, the wait goes on. */
	KEXPECT_EQ(futex4(UNTOUCHED(0), FUTEX_WAIT | PRIV, 0, timespec_at(kt, 2, 20 * MS)),
		   -ETIMEDOUT);
	KEXPECT_EQ(futex4(UNTOUCHED(1), FUTEX_WAIT, 0, timespec_at(kt, 2, 20 * MS)), -ETIMEDOUT);
}

KTEST(futex_wait_times_out)
{
	run_scenario(kt, timeouts);
}

static void wake_counts(struct ktest_ctx *kt, struct futex_env *e)
{
	struct futex_job j[3];

	poke(kt, WORD(0), 0);
	for (int i = 0; i < 3; i++) {
		j[i] = waiter(e, WORD(0), FUTEX_WAIT | PRIV, 0, 0);
		start_waiter(kt, &e->helpers[i], &j[i], i);
	}
	KEXPECT_EQ(futex4(WORD(0), FUTEX_WAKE | PRIV, 2, NULL), 2);
	KEXPECT_EQ(job_result(&j[0]), 0);	/* the oldest two */
	KEXPECT_EQ(job_result(&j[1]), 0);
	KEXPECT_EQ(waiters_on(WORD(0), PRIV), 1);
	KEXPECT_EQ(futex4(WORD(0), FUTEX_WAKE | PRIV, 0, NULL), 1);	/* 0 wakes one (Linux) */
	KEXPECT_EQ(job_result(&j[2]), 0);
	KEXPECT_EQ(futex4(WORD(0), FUTEX_WAKE | PRIV, 1, NULL), 0);
}

KTEST(futex_wake_counts_oldest_first)
{
	run_scenario(kt, wake_counts);
}

static void bitsets(struct ktest_ctx *kt, struct futex_env *e)
{
	static const u32 masks[3] = { 0x1, 0x2, 0x3 };
	struct futex_job j[3];

	poke(kt, WORD(0), 0);
	for (int i = 0; i < 3; i++) {
		j[i] = waiter(e, WORD(0), FUTEX_WAIT_BITSET | PRIV, 0, masks[i]);
		start_waiter(kt, &e->helpers[i], &j[i], i);
	}
	KEXPECT_EQ(sys_futex(WORD(0), FUTEX_WAKE_BITSET | PRIV, MANY, NULL, NULL, 0x4), 0);
	KEXPECT_EQ(sys_futex(WORD(0), FUTEX_WAKE_BITSET | PRIV, MANY, NULL, NULL, 0x2), 2);
	KEXPECT_EQ(job_result(&j[1]), 0);
	KEXPECT_EQ(job_result(&j[2]), 0);
	KEXPECT_EQ(waiters_on(WORD(0), PRIV), 1);
	KEXPECT_EQ(futex4(WORD(0), FUTEX_WAKE | PRIV, MANY, NULL), 1);	/* any bitset */
	KEXPECT_EQ(job_result(&j[0]), 0);
}

KTEST(futex_wake_bitset_masks)
{
	run_scenario(kt, bitsets);
}

static void requeue(struct ktest_ctx *kt, struct futex_env *e)
{
	const struct timespec_k *one = (const struct timespec_k *)1;	/* waiter to move */
	struct futex_job j[3];

	poke(kt, WORD(0), 0);
	for (int i = 0; i < 3; i++) {
		j[i] = waiter(e, WORD(0), FUTEX_WAIT | PRIV, 0, 0);
		start_waiter(kt, &e->helpers[i], &j[i], i);
	}
	/* Wake one, move one: the oldest is woken, the next moves, the youngest stays. */
	KEXPECT_EQ(sys_futex(WORD(0), FUTEX_REQUEUE | PRIV, 1, one, WORD(1), 0), 2);
	KEXPECT_EQ(job_result(&j[0]), 0);
	KEXPECT_EQ(waiters_on(WORD(0), PRIV), 1);
	KEXPECT_EQ(waiters_on(WORD(1), PRIV), 1);
	KEXPECT_EQ(futex4(WORD(1), FUTEX_WAKE | PRIV, MANY, NULL), 1);
	KEXPECT_EQ(job_result(&j[1]), 0);
	KEXPECT_EQ(futex4(WORD(0), FUTEX_WAKE | PRIV, MANY, NULL), 1);
	KEXPECT_EQ(job_result(&j[2]), 0);
}

KTEST(futex_requeue_moves_waiters)
{
	run_scenario(kt, requeue);
}

static void cmp_requeue(struct ktest_ctx *kt, struct futex_env *e)
{
	const struct timespec_k *all = (const struct timespec_k *)(u64)MANY;
	struct futex_job j[2];

	poke(kt, WORD(0), 7);
	for (int i = 0; i < 2; i++) {
		j[i] = waiter(e, WORD(0), FUTEX_WAIT | PRIV, 7, 0);
		start_waiter(kt, &e->helpers[i], &j[i], i);
	}
	KEXPECT_EQ(sys_futex(WORD(0), FUTEX_CMP_REQUEUE | PRIV, 0, all, WORD(1), 8), -EAGAIN);
	KEXPECT_EQ(waiters_on(WORD(0), PRIV), 2);
	KEXPECT_EQ(sys_futex(WORD(0), FUTEX_CMP_REQUEUE | PRIV, 0, all, WORD(1), 7), 2);
	KEXPECT_EQ(waiters_on(WORD(0), PRIV), 0);
	KEXPECT_EQ(waiters_on(WORD(1), PRIV), 2);
	KEXPECT_EQ(futex4(WORD(1), FUTEX_WAKE | PRIV, MANY, NULL), 2);
	KEXPECT_EQ(job_result(&j[0]), 0);
	KEXPECT_EQ(job_result(&j[1]), 0);
	/* The word to compare in a page never touched: faulted in, then compared. */
	KEXPECT_EQ(sys_futex(UNTOUCHED(1), FUTEX_CMP_REQUEUE | PRIV, 0, all, WORD(1), 1), -EAGAIN);
	KEXPECT_EQ(sys_futex(UNTOUCHED(1), FUTEX_CMP_REQUEUE, 0, all, WORD(1), 0), 0);
}

KTEST(futex_cmp_requeue_checks_the_word)
{
	run_scenario(kt, cmp_requeue);
}

/*
 * MAP_SHARED|MAP_ANONYMOUS memory (a tmpfs file), in this mm and in a
 * fork of it, which also maps it at a second address: a shared futex is
 * the same one at every address and in every address space.
 */
static void shared_memory(struct ktest_ctx *kt, struct futex_env *e)
{
	unsigned int shared = VM_READ | VM_WRITE | VM_SHARED;
	struct file *f = shmem_file_create(PAGE_SIZE);
	u32 *word = (u32 *)(SHM_A + 8), *other_word = (u32 *)(SHM_B + 8);
	struct timespec_k *ts = (struct timespec_k *)(SHM_A + 512);
	struct futex_job j[2];
	struct mm *child;

	if (!KEXPECT(!IS_ERR(f)))
		return;
	KEXPECT_EQ(map(e->mm, SHM_A, SHM_A + PAGE_SIZE, shared, f), 0);
	child = mm_fork(e->mm);
	if (!KEXPECT(child != NULL)) {
		fput(f);
		return;
	}
	KEXPECT_EQ(map(child, SHM_B, SHM_B + PAGE_SIZE, shared, f), 0);
	fput(f);	/* the VMAs hold their own references */

	put_timespec(kt, ts, PATIENCE_S, 0);	/* in the shared page: both mms see it */
	j[0] = (struct futex_job){ .fn = call_futex, .mm = child, .uaddr = word, .op = FUTEX_WAIT,
				   .timeout = ts };
	j[1] = j[0];
	j[1].uaddr = other_word;
	j[1].timeout = (const struct timespec_k *)(SHM_B + 512);
	start_waiter(kt, &e->helpers[0], &j[0], 0);
	submit(&e->helpers[1], &j[1]);
	await_waiters(kt, word, 0, 2);	/* SHM_B is not mapped here: count through SHM_A */

	KEXPECT_EQ(futex4(word, FUTEX_WAKE | PRIV, MANY, NULL), 0);	/* private: per mm */
	KEXPECT_EQ(futex4(word + 1, FUTEX_WAKE, MANY, NULL), 0);	/* the next word */
	poke(kt, word, 1);
	KEXPECT_EQ(futex4(word, FUTEX_WAKE, MANY, NULL), 2);
	KEXPECT_EQ(job_result(&j[0]), 0);
	KEXPECT_EQ(job_result(&j[1]), 0);
	mm_put(child);
}

KTEST(futex_shared_memory_across_address_spaces)
{
	run_scenario(kt, shared_memory);
}

static void signals(struct ktest_ctx *kt, struct futex_env *e)
{
	struct helper *h = &e->helpers[0];
	struct futex_job j = waiter(e, WORD(0), FUTEX_WAIT | PRIV, 0, 0);

	poke(kt, WORD(0), 0);
	j.timeout = NULL;
	start_waiter(kt, h, &j, 0);
	send_signal(h->task, SIGUSR1, NULL);
	KEXPECT_EQ(job_result(&j), -ERESTARTSYS);	/* restarted (also after SA_RESTART) */
	j.timeout = e->patience;
	start_waiter(kt, h, &j, 0);
	send_signal(h->task, SIGUSR1, NULL);
	KEXPECT_EQ(job_result(&j), -ERESTARTNOHAND);	/* EINTR if a handler runs */
	KEXPECT_EQ(waiters_on(WORD(0), PRIV), 0);
}

KTEST(futex_signal_interrupts_wait)
{
	run_scenario(kt, signals);
}

#define PING_PONG_ROUNDS 300

/* Take turns with another helper: wait for ours (j->val), hand over, wake. */
static long ping_pong(struct futex_job *j)
{
	for (u32 round = 0; round < PING_PONG_ROUNDS; round++) {
		u32 turn;
		long r;

		for (;;) {
			if (get_user_u32(&turn, j->uaddr))
				return -EFAULT;
			if (turn == j->val)
				break;
			r = futex4(j->uaddr, FUTEX_WAIT | PRIV, turn, j->timeout);
			if (r && r != -EAGAIN)
				return r;	/* -ETIMEDOUT: a wake-up was lost */
		}
		if (put_user_u32(!j->val, j->uaddr))
			return -EFAULT;
		r = futex4(j->uaddr, FUTEX_WAKE | PRIV, 1, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

static void ping_pong_pair(struct ktest_ctx *kt, struct futex_env *e)
{
	struct futex_job j[2];

	poke(kt, WORD(0), 0);
	for (int i = 0; i < 2; i++) {
		j[i] = (struct futex_job){ .fn = ping_pong, .mm = e->mm, .uaddr = WORD(0), .val = i,
					   .timeout = e->patience };
		submit(&e->helpers[i], &j[i]);
	}
	KEXPECT_EQ(job_result(&j[0]), 0);
	KEXPECT_EQ(job_result(&j[1]), 0);
	KEXPECT_EQ(waiters_on(WORD(0), PRIV), 0);
}

KTEST(futex_ping_pong_loses_no_wake_up)
{
	run_scenario(kt, ping_pong_pair);
}
