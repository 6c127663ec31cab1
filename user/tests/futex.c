/*
 * futex(2), called raw: FUTEX_WAIT and FUTEX_WAKE, the bitset forms, the
 * two requeues, timeouts (relative for FUTEX_WAIT, absolute for
 * FUTEX_WAIT_BITSET on either clock), signals, shared futexes across fork,
 * and the errors.  Each behaviour is checked twice, plain and with
 * FUTEX_PRIVATE_FLAG.
 *
 * A waiter is a thread that says it is ready just before it calls
 * futex(); the main thread then gives the waiters SETTLE_MS to fall
 * asleep before it wakes or requeues them.  Counts are exact: a wake or
 * requeue must reach exactly the waiters it names, never more.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* musl's headers have no <linux/futex.h>. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffff

#define PAGE 4096UL
#define SETTLE_MS 200

/* Run the block twice: with priv = 0, then with priv = FUTEX_PRIVATE_FLAG. */
#define FOR_BOTH(priv) for (int priv = 0; priv <= FUTEX_PRIVATE_FLAG; priv += FUTEX_PRIVATE_FLAG)

static long futex(volatile int *uaddr, int op, int val, const struct timespec *ts,
		  volatile int *uaddr2, int val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

/* The requeue operations take a count where the others take a timeout. */
static long requeue(volatile int *uaddr, int op, int nr_wake, int nr_requeue, volatile int *uaddr2,
		    int val3)
{
	return syscall(SYS_futex, uaddr, op, nr_wake, (long)nr_requeue, uaddr2, val3);
}

static double clock_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct timespec after(clockid_t clock, long ms)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	ts.tv_nsec += (ms % 1000) * 1000000L;
	ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	return ts;
}

/* ---- waiter threads -------------------------------------------------- */

struct waiter {
	pthread_t thread;
	volatile int *uaddr;
	int op, val;
	unsigned bitset;
	long result;
	int err;
	atomic_int done;
};

#define MAX_WAITERS 8
static struct waiter waiters[MAX_WAITERS];
static atomic_int ready, woke;

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	long r;

	atomic_fetch_add(&ready, 1);
	r = futex(w->uaddr, w->op, w->val, NULL, NULL, (int)w->bitset);
	w->err = r == -1 ? errno : 0;
	w->result = r;
	atomic_store(&w->done, 1);
	atomic_fetch_add(&woke, 1);
	return NULL;
}

/* Start waiter i: futex(uaddr, op, val, NULL, NULL, bitset). */
static void start_waiter(int i, volatile int *uaddr, int op, int val, unsigned bitset)
{
	struct waiter *w = &waiters[i];

	memset(w, 0, sizeof(*w));
	w->uaddr = uaddr;
	w->op = op;
	w->val = val;
	w->bitset = bitset;
	errno = pthread_create(&w->thread, NULL, waiter_main, w);
	REQUIRE(errno == 0);
}

/* Wait until n waiters said they are ready, and give them time to sleep. */
static void settle(int n)
{
	REQUIRE(EVENTUALLY(atomic_load(&ready) == n));
	sleep_ms(SETTLE_MS);
}

/* Start waiters 0..n-1, all the same, and let them fall asleep. */
static void start_waiters(int n, volatile int *uaddr, int op, int val, unsigned bitset)
{
	atomic_store(&ready, 0);
	atomic_store(&woke, 0);
	for (int i = 0; i < n; i++)
		start_waiter(i, uaddr, op, val, bitset);
	settle(n);
}

/* Join n waiters, each of which must have been woken (futex returned 0). */
static void join_waiters(int n)
{
	for (int i = 0; i < n; i++) {
		CHECK_EQ(pthread_join(waiters[i].thread, NULL), 0);
		CHECK_EQ(waiters[i].result, 0);
		CHECK_EQ(waiters[i].err, 0);
	}
}

/* After a wake: exactly n waiters are out, and they stay n. */
static int woke_exactly(int n)
{
	if (!EVENTUALLY(atomic_load(&woke) >= n))
		return 0;
	sleep_ms(50);
	return atomic_load(&woke) == n;
}

/* ---- FUTEX_WAIT and FUTEX_WAKE --------------------------------------- */

TEST(wait_fails_with_eagain_when_the_value_differs)
{
	volatile int f = 1;
	struct timespec limit = { 5, 0 };

	FOR_BOTH(priv) {
		CHECK_ERR(futex(&f, FUTEX_WAIT | priv, 0, NULL, NULL, 0), EAGAIN);
		CHECK_ERR(futex(&f, FUTEX_WAIT | priv, 2, &limit, NULL, 0), EAGAIN);
		CHECK_ERR(futex(&f, FUTEX_WAIT_BITSET | priv, 0, NULL, NULL, 1), EAGAIN);
		/* Nobody waits: a wake wakes nobody. */
		CHECK_EQ(futex(&f, FUTEX_WAKE | priv, 1, NULL, NULL, 0), 0);
		CHECK_EQ(futex(&f, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0), 0);
	}
}

TEST(wait_with_relative_timeout_times_out_no_earlier)
{
	volatile int f = 0;
	struct timespec zero = { 0, 0 }, tenth = { 0, 100 * 1000000L };

	FOR_BOTH(priv) {
		double start = now();

		CHECK_ERR(futex(&f, FUTEX_WAIT | priv, 0, &tenth, NULL, 0), ETIMEDOUT);
		CHECK(now() - start >= 0.0999);
		/* A zero timeout only checks the value. */
		CHECK_ERR(futex(&f, FUTEX_WAIT | priv, 0, &zero, NULL, 0), ETIMEDOUT);
		CHECK_ERR(futex(&f, FUTEX_WAIT | priv, 1, &zero, NULL, 0), EAGAIN);
	}
}

TEST(wake_wakes_at_most_the_number_asked)
{
	volatile int f = 0;

	FOR_BOTH(priv) {
		start_waiters(3, &f, FUTEX_WAIT | priv, 0, 0);
		CHECK_EQ(futex(&f, FUTEX_WAKE | priv, 2, NULL, NULL, 0), 2);
		CHECK(woke_exactly(2));
		/* The third one still sleeps, until it is woken too. */
		CHECK_EQ(futex(&f, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0), 1);
		CHECK(woke_exactly(3));
		CHECK_EQ(futex(&f, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0), 0);
		join_waiters(3);
	}
}

static volatile int timed_word;
static atomic_long timed_result = 1, timed_errno;

static void *timed_waiter(void *arg)
{
	struct timespec limit = { 10, 0 };
	long r;

	atomic_fetch_add(&ready, 1);
	r = futex(&timed_word, FUTEX_WAIT | (int)(intptr_t)arg, 0, &limit, NULL, 0);
	atomic_store(&timed_errno, r == -1 ? errno : 0);
	atomic_store(&timed_result, r);
	return NULL;
}

TEST(wait_with_timeout_returns_zero_when_woken_in_time)
{
	FOR_BOTH(priv) {
		pthread_t t;
		double start;

		atomic_store(&ready, 0);
		atomic_store(&timed_result, 1);
		REQUIRE(pthread_create(&t, NULL, timed_waiter, (void *)(intptr_t)priv) == 0);
		REQUIRE(EVENTUALLY(atomic_load(&ready) == 1));
		sleep_ms(SETTLE_MS);
		start = now();
		CHECK_EQ(futex(&timed_word, FUTEX_WAKE | priv, 1, NULL, NULL, 0), 1);
		CHECK_EQ(pthread_join(t, NULL), 0);
		CHECK_EQ(atomic_load(&timed_result), 0);
		CHECK_EQ(atomic_load(&timed_errno), 0);
		CHECK(now() - start < 5);	/* woken, not timed out (10 s) */
	}
}

/* ---- bitsets and absolute timeouts ----------------------------------- */

TEST(wake_bitset_wakes_only_waiters_whose_masks_meet)
{
	volatile int f = 0;

	FOR_BOTH(priv) {
		/* Waiter 0 wants bit 0, waiter 1 bit 1. */
		atomic_store(&ready, 0);
		atomic_store(&woke, 0);
		start_waiter(0, &f, FUTEX_WAIT_BITSET | priv, 0, 0x1);
		start_waiter(1, &f, FUTEX_WAIT_BITSET | priv, 0, 0x2);
		settle(2);

		/* Disjoint masks: nobody. */
		CHECK_EQ(futex(&f, FUTEX_WAKE_BITSET | priv, INT_MAX, NULL, NULL, 0x4), 0);
		CHECK(woke_exactly(0));
		/* Bit 1: waiter 1 only, however many we allow. */
		CHECK_EQ(futex(&f, FUTEX_WAKE_BITSET | priv, INT_MAX, NULL, NULL, 0x2), 1);
		CHECK(woke_exactly(1));
		CHECK(atomic_load(&waiters[1].done));
		CHECK(!atomic_load(&waiters[0].done));
		/* A plain FUTEX_WAKE matches every mask. */
		CHECK_EQ(futex(&f, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0), 1);
		CHECK(woke_exactly(2));
		join_waiters(2);

		/* And a plain FUTEX_WAIT is woken by any non-zero mask. */
		start_waiters(1, &f, FUTEX_WAIT | priv, 0, 0);
		CHECK_EQ(futex(&f, FUTEX_WAKE_BITSET | priv, 1, NULL, NULL, 0x80000000), 1);
		CHECK(woke_exactly(1));
		join_waiters(1);
	}
}

TEST(wait_bitset_timeout_is_absolute_on_either_clock)
{
	volatile int f = 0;
	struct timespec deadline, past = { 1, 0 };

	FOR_BOTH(priv) {
		double start = now();

		/* Without FUTEX_CLOCK_REALTIME: an absolute CLOCK_MONOTONIC time. */
		deadline = after(CLOCK_MONOTONIC, 100);
		CHECK_ERR(futex(&f, FUTEX_WAIT_BITSET | priv, 0, &deadline, NULL, -1), ETIMEDOUT);
		CHECK(now() - start >= 0.0999);

		/* With it: an absolute CLOCK_REALTIME time. */
		deadline = after(CLOCK_REALTIME, 100);
		start = now();
		CHECK_ERR(futex(&f, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME | priv, 0, &deadline, NULL,
				-1),
			  ETIMEDOUT);
		CHECK(clock_s(CLOCK_REALTIME) >= deadline.tv_sec + deadline.tv_nsec / 1e9 - 1e-6);
		CHECK(now() - start >= 0.0999);

		/* A time already past (1970, or boot + 1 s): at once. */
		start = now();
		CHECK_ERR(futex(&f, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME | priv, 0, &past, NULL, -1),
			  ETIMEDOUT);
		CHECK_ERR(futex(&f, FUTEX_WAIT_BITSET | priv, 0, &past, NULL, -1), ETIMEDOUT);
		CHECK(now() - start < 5);
	}
}

/* ---- requeue --------------------------------------------------------- */

TEST(requeue_moves_waiters_to_the_second_futex)
{
	volatile int f1 = 0, f2 = 0;

	for (int cmp = 0; cmp < 2; cmp++) {
		FOR_BOTH(priv) {
			long r;

			/* 5 waiters on f1: wake 1, move 2 to f2, leave 2 on f1. */
			start_waiters(5, &f1, FUTEX_WAIT | priv, 0, 0);
			if (cmp)
				r = requeue(&f1, FUTEX_CMP_REQUEUE | priv, 1, 2, &f2, 0);
			else
				r = requeue(&f1, FUTEX_REQUEUE | priv, 1, 2, &f2, 0);
			CHECK_EQ(r, 3);	/* woken plus requeued */
			CHECK(woke_exactly(1));
			/* f2 holds exactly the two moved, f1 the two left. */
			CHECK_EQ(futex(&f2, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0), 2);
			CHECK(woke_exactly(3));
			CHECK_EQ(futex(&f2, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0), 0);
			CHECK_EQ(futex(&f1, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0), 2);
			CHECK(woke_exactly(5));
			join_waiters(5);

			/* Wake one, requeue all the rest. */
			start_waiters(4, &f1, FUTEX_WAIT | priv, 0, 0);
			r = requeue(&f1, (cmp ? FUTEX_CMP_REQUEUE : FUTEX_REQUEUE) | priv, 1, INT_MAX, &f2, 0);
			CHECK_EQ(r, 4);
			CHECK(woke_exactly(1));
			CHECK_EQ(futex(&f1, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0), 0);
			CHECK_EQ(futex(&f2, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0), 3);
			CHECK(woke_exactly(4));
			join_waiters(4);
		}
	}
}

TEST(cmp_requeue_fails_with_eagain_when_the_value_changed)
{
	volatile int f1 = 5, f2 = 0;

	FOR_BOTH(priv) {
		/* No waiters needed to see the comparison fail... */
		CHECK_ERR(requeue(&f1, FUTEX_CMP_REQUEUE | priv, 1, INT_MAX, &f2, 4), EAGAIN);
		CHECK_EQ(requeue(&f1, FUTEX_CMP_REQUEUE | priv, 1, INT_MAX, &f2, 5), 0);
		/* ...and FUTEX_REQUEUE compares nothing. */
		CHECK_EQ(requeue(&f1, FUTEX_REQUEUE | priv, 1, INT_MAX, &f2, 4), 0);

		/* With waiters: a failed comparison neither wakes nor moves. */
		start_waiters(2, &f1, FUTEX_WAIT | priv, 5, 0);
		CHECK_ERR(requeue(&f1, FUTEX_CMP_REQUEUE | priv, 1, INT_MAX, &f2, 4), EAGAIN);
		CHECK(woke_exactly(0));
		CHECK_EQ(futex(&f2, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0), 0);
		CHECK_EQ(futex(&f1, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0), 2);
		CHECK(woke_exactly(2));
		join_waiters(2);
	}
}

/* ---- private and shared ---------------------------------------------- */

TEST(private_and_shared_waiters_on_one_word_are_apart)
{
	volatile int f = 0;

	/*
	 * Linux keys a private futex by (mm, address) and a shared one on
	 * private memory by (mm, address, "shared"): the two never meet.
	 */
	start_waiters(1, &f, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, 0);
	CHECK_EQ(futex(&f, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 0);
	CHECK(woke_exactly(0));
	CHECK_EQ(futex(&f, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0), 1);
	CHECK(woke_exactly(1));
	join_waiters(1);

	start_waiters(1, &f, FUTEX_WAIT, 0, 0);
	CHECK_EQ(futex(&f, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0), 0);
	CHECK(woke_exactly(0));
	CHECK_EQ(futex(&f, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 1);
	CHECK(woke_exactly(1));
	join_waiters(1);
}

/* Wake one waiter on w, retrying for up to 5 s: 0 if woken, else an exit code. */
static int wake_one_within_5s(volatile int *w, int op)
{
	double end = now() + 5;
	long r;

	while ((r = futex(w, op, 1, NULL, NULL, 0)) == 0 && now() < end)
		sleep_ms(1);
	return r == 1 ? 0 : r == 0 ? 1 : 2;
}

TEST(shared_futex_in_map_shared_memory_works_across_fork)
{
	volatile int *w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct timespec limit = { 10, 0 }, short_limit = { 0, 300 * 1000000L };
	pid_t pid;

	REQUIRE(w != MAP_FAILED);
	/* The parent waits, the child wakes it. */
	w[0] = 0;
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		alarm(10);
		_exit(wake_one_within_5s(&w[0], FUTEX_WAKE));
	}
	CHECK_EQ(futex(&w[0], FUTEX_WAIT, 0, &limit, NULL, 0), 0);
	CHECK(exited_with(wait_status(pid), 0));

	/* The child waits, the parent wakes it. */
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		alarm(10);
		_exit(futex(&w[1], FUTEX_WAIT, 0, &limit, NULL, 0) == 0 ? 0 : 1);
	}
	CHECK_EQ(wake_one_within_5s(&w[1], FUTEX_WAKE), 0);
	CHECK(exited_with(wait_status(pid), 0));

	/* A private futex belongs to one address space: nothing crosses. */
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		double end = now() + 0.2;
		long woken = 0;

		alarm(10);
		while (now() < end)
			woken += futex(&w[2], FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
		_exit(woken == 0 ? 0 : 1);
	}
	CHECK_ERR(futex(&w[2], FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &short_limit, NULL, 0), ETIMEDOUT);
	CHECK(exited_with(wait_status(pid), 0));
	CHECK_EQ(munmap((void *)w, PAGE), 0);
}

/* ---- signals --------------------------------------------------------- */

static atomic_int hits;
static pthread_t main_thread;

static void count_hit(int sig)
{
	(void)sig;
	atomic_fetch_add(&hits, 1);
}

static volatile int sig_word;

/* Signal the main thread after a while; with arg, wake it once the handler ran. */
static void *poke_main(void *arg)
{
	sleep_ms(SETTLE_MS);
	pthread_kill(main_thread, SIGUSR1);
	if (arg) {
		while (atomic_load(&hits) == 0)
			sleep_ms(1);
		sleep_ms(SETTLE_MS);	/* let the main thread wait again */
		return (void *)(intptr_t)wake_one_within_5s(&sig_word, FUTEX_WAKE);
	}
	return NULL;
}

TEST(signal_interrupts_wait_and_sa_restart_restarts_only_untimed_waits)
{
	struct timespec limit = { 10, 0 };
	void *res;
	pthread_t t;

	main_thread = pthread_self();
	/* Without SA_RESTART: EINTR. */
	set_handler(SIGUSR1, count_hit, 0);
	REQUIRE(pthread_create(&t, NULL, poke_main, NULL) == 0);
	CHECK_ERR(futex(&sig_word, FUTEX_WAIT, 0, NULL, NULL, 0), EINTR);
	CHECK_EQ(atomic_load(&hits), 1);
	pthread_join(t, NULL);

	/* With SA_RESTART, a wait with a timeout still fails with EINTR... */
	atomic_store(&hits, 0);
	set_handler(SIGUSR1, count_hit, SA_RESTART);
	REQUIRE(pthread_create(&t, NULL, poke_main, NULL) == 0);
	CHECK_ERR(futex(&sig_word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &limit, NULL, 0), EINTR);
	CHECK_EQ(atomic_load(&hits), 1);
	pthread_join(t, NULL);

	/* ...but one without is restarted, and ends only when woken. */
	atomic_store(&hits, 0);
	REQUIRE(pthread_create(&t, NULL, poke_main, (void *)1) == 0);
	CHECK_EQ(futex(&sig_word, FUTEX_WAIT, 0, NULL, NULL, 0), 0);
	CHECK_EQ(atomic_load(&hits), 1);
	pthread_join(t, &res);
	CHECK_EQ((intptr_t)res, 0);
}

/* ---- errors ---------------------------------------------------------- */

TEST(bad_addresses_fail_with_efault)
{
	char *none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *gone = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile int f = 0, f2 = 0;

	REQUIRE(none != MAP_FAILED && gone != MAP_FAILED);
	REQUIRE(munmap(gone, PAGE) == 0);
	FOR_BOTH(priv) {
		CHECK_ERR(futex(NULL, FUTEX_WAIT | priv, 0, NULL, NULL, 0), EFAULT);
		CHECK_ERR(futex((int *)gone, FUTEX_WAIT | priv, 0, NULL, NULL, 0), EFAULT);
		CHECK_ERR(futex((int *)none, FUTEX_WAIT | priv, 0, NULL, NULL, 0), EFAULT);
		CHECK_ERR(futex(NULL, FUTEX_WAIT_BITSET | priv, 0, NULL, NULL, 1), EFAULT);
		/* The timeout is read too. */
		CHECK_ERR(futex(&f, FUTEX_WAIT | priv, 0, (struct timespec *)gone, NULL, 0), EFAULT);
		/* FUTEX_CMP_REQUEUE reads the first word. */
		CHECK_ERR(requeue((int *)gone, FUTEX_CMP_REQUEUE | priv, 1, 1, &f2, 0), EFAULT);
	}
	/*
	 * A shared wake must find the page behind the address (a private one
	 * only hashes the address: waking nobody at a bad one is no error).
	 */
	CHECK_ERR(futex((int *)gone, FUTEX_WAKE, 1, NULL, NULL, 0), EFAULT);
	CHECK_EQ(munmap(none, PAGE), 0);
}

TEST(bad_arguments_fail_with_einval_and_unknown_ops_with_enosys)
{
	int words[2] = { 0, 0 };
	volatile int *odd = (volatile int *)((char *)words + 1);
	volatile int f = 0, f2 = 0;
	struct timespec bad_nsec = { 0, 1000000000L }, negative = { -1, 0 };

	FOR_BOTH(priv) {
		/* A futex is an aligned 32-bit word. */
		CHECK_ERR(futex(odd, FUTEX_WAIT | priv, 0, NULL, NULL, 0), EINVAL);
		CHECK_ERR(futex(odd, FUTEX_WAKE | priv, 1, NULL, NULL, 0), EINVAL);
		CHECK_ERR(requeue(&f, FUTEX_CMP_REQUEUE | priv, 1, 1, odd, 0), EINVAL);
		/* An empty bitset matches nothing and is refused. */
		CHECK_ERR(futex(&f, FUTEX_WAIT_BITSET | priv, 0, NULL, NULL, 0), EINVAL);
		CHECK_ERR(futex(&f, FUTEX_WAKE_BITSET | priv, 1, NULL, NULL, 0), EINVAL);
		/* Timeouts must be normalised and not negative. */
		CHECK_ERR(futex(&f, FUTEX_WAIT | priv, 0, &bad_nsec, NULL, 0), EINVAL);
		CHECK_ERR(futex(&f, FUTEX_WAIT | priv, 0, &negative, NULL, 0), EINVAL);
		/* Negative counts. */
		CHECK_ERR(requeue(&f, FUTEX_CMP_REQUEUE | priv, -1, 1, &f2, 0), EINVAL);
		CHECK_ERR(requeue(&f, FUTEX_CMP_REQUEUE | priv, 1, -1, &f2, 0), EINVAL);
		/* An operation Linux does not know: ENOSYS, not EINVAL. */
		CHECK_ERR(futex(&f, 99 | priv, 0, NULL, NULL, 0), ENOSYS);
		CHECK_ERR(futex(&f, 0x7f | priv, 0, NULL, NULL, 0), ENOSYS);
		/* FUTEX_CLOCK_REALTIME only goes with waits that take an absolute time. */
		CHECK_ERR(futex(&f, FUTEX_WAKE | FUTEX_CLOCK_REALTIME | priv, 1, NULL, NULL, 0), ENOSYS);
	}
}
