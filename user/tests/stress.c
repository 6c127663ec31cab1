/*
 * Stress, bounded by time rather than by iterations: process churn (fork,
 * execve, exit, wait), thread churn (create, join, detach), memory churn
 * across threads, and fork while other threads churn.  Each test runs
 * for a few seconds - the process churn for STRESS_SECONDS if that is
 * set (the harness's stress suite asks for 30 on Pagoda) - and checks
 * every result on the way: an exit status, a return value, a byte.
 *
 * Bounds: at most 4 workers with one child each (10 processes), about
 * 30 threads and 8 MiB of memory at once.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define WORKERS 4

/*
 * The test's duration: dflt, or STRESS_SECONDS if set and from_env.  The
 * watchdog is moved out accordingly (twice the duration, plus slack).
 */
static double duration(double dflt, bool from_env)
{
	const char *s = getenv("STRESS_SECONDS");
	double secs = dflt;

	if (from_env && s && *s && atof(s) > 0)
		secs = atof(s);
	utest_timeout = (unsigned)(2 * secs) + 20;
	utest_watchdog();
	return secs;
}

/* waitpid that retries on EINTR; -1 on failure. */
static int reap(pid_t pid)
{
	int status;
	pid_t r;

	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	return r == pid ? status : -1;
}

/* ---- processes ------------------------------------------------------- */

TEST_CHILD(exit_with)
{
	return argc == 1 ? atoi(argv[0]) : 200;
}

TEST_CHILD(die_of)
{
	int sig = argc == 1 ? atoi(argv[0]) : SIGKILL;

	signal(sig, SIG_DFL);
	raise(sig);
	return 201;
}

/* What each worker counted, in memory shared with the test. */
struct proc_counts {
	atomic_long rounds[WORKERS];
	atomic_long wrong[WORKERS];
};

static void *exit_from_thread(void *arg)
{
	exit((int)(intptr_t)arg);
}

/*
 * One round of four kinds: a child that exits at once, one that execs
 * us and exits with a code, one that execs us and dies of a signal (none
 * that dumps core), and one whose second thread calls exit.  Returns 1
 * if the status was right.
 */
static int one_round(long n, int worker)
{
	static const int sigs[] = { SIGTERM, SIGUSR1, SIGKILL, SIGHUP, SIGPIPE };
	int kind = n % 4, code = (int)((n * 7 + worker) % 256), sig = sigs[n % 5];
	char arg[16];
	int status;
	pid_t pid;

	snprintf(arg, sizeof(arg), "%d", kind == 2 ? sig : code);
	pid = fork();
	if (pid == 0) {
		pthread_t t;

		if (kind == 0)
			_exit(code);
		if (kind == 3) {
			if (pthread_create(&t, NULL, exit_from_thread, (void *)(intptr_t)code) == 0)
				pthread_join(t, NULL);
			_exit(203);
		}
		if (kind == 1)
			execl(utest_argv0, utest_argv0, "--child", "exit_with", arg, (char *)NULL);
		else
			execl(utest_argv0, utest_argv0, "--child", "die_of", arg, (char *)NULL);
		_exit(202);
	}
	if (pid < 0) {
		utest_printf("#   worker %d: fork: %s\n", worker, strerror(errno));
		return 0;
	}
	status = reap(pid);
	if (kind == 2 ? killed_by(status, sig) : exited_with(status, code))
		return 1;
	utest_printf("#   worker %d round %ld: kind %d wanted %d, status %#x\n", worker, n, kind,
		     kind == 2 ? sig : code, status);
	return 0;
}

static void proc_worker(struct proc_counts *c, int worker, double secs)
{
	double end = now() + secs;
	long n = 0, wrong = 0;

	alarm(utest_timeout);
	while (now() < end && wrong < 10)
		wrong += !one_round(n++, worker);
	atomic_store(&c->rounds[worker], n);
	atomic_store(&c->wrong[worker], wrong);
	_exit(wrong ? 1 : 0);
}

TEST(fork_exec_exit_wait_in_four_workers)
{
	double secs = duration(3, true);
	struct proc_counts *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid[WORKERS];
	long total = 0;

	REQUIRE(c != MAP_FAILED);
	for (int i = 0; i < WORKERS; i++) {
		pid[i] = fork();
		REQUIRE(pid[i] >= 0);
		if (pid[i] == 0)
			proc_worker(c, i, secs);
	}
	for (int i = 0; i < WORKERS; i++) {
		CHECK(exited_with(wait_status(pid[i]), 0));
		CHECK_EQ(atomic_load(&c->wrong[i]), 0);
		CHECK(atomic_load(&c->rounds[i]) >= 4);	/* every kind at least once */
		total += atomic_load(&c->rounds[i]);
	}
	utest_printf("# %ld fork/exec/exit/wait rounds in %.0f s\n", total, secs);
}

/* ---- threads --------------------------------------------------------- */

static atomic_long threads_made, thread_errors, detached_started, detached_done;

static void *short_lived(void *arg)
{
	/* A little work on the stack and the heap, then a known value. */
	volatile char buf[2048];
	char *p = malloc(1000 + ((uintptr_t)arg % 7) * 1000);

	buf[0] = buf[sizeof(buf) - 1] = 1;
	if (!p)
		atomic_fetch_add(&thread_errors, 1);
	else
		memset(p, 0x5a, 1000);
	free(p);
	return (void *)((uintptr_t)arg * 2 + 1);
}

static void *short_detached(void *arg)
{
	(void)arg;
	if ((uintptr_t)arg % 3 == 0)
		sched_yield();
	atomic_fetch_add(&detached_done, 1);
	return NULL;
}

struct spawner {
	pthread_t thread;
	double end;
	long rounds;
};

static void *spawner_main(void *arg)
{
	struct spawner *s = arg;
	pthread_attr_t detached;

	pthread_attr_init(&detached);
	pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
	/* At least one round, however late this thread got a CPU: no timing check. */
	do {
		pthread_t t[4];
		int made = 0;

		for (int i = 0; i < 4; i++) {
			if (pthread_create(&t[i], NULL, short_lived, (void *)(uintptr_t)(s->rounds + i)) != 0)
				break;
			made++;
		}
		for (int i = 0; i < made; i++) {
			void *res;

			if (pthread_join(t[i], &res) != 0 || res != (void *)((uintptr_t)(s->rounds + i) * 2 + 1))
				atomic_fetch_add(&thread_errors, 1);
		}
		if (made < 4)
			atomic_fetch_add(&thread_errors, 1);
		atomic_fetch_add(&threads_made, made);
		/* Now and then a detached one, with few of them in flight. */
		if (s->rounds % 4 == 0 &&
		    atomic_load(&detached_started) - atomic_load(&detached_done) < 8) {
			pthread_t d;

			if (pthread_create(&d, &detached, short_detached, (void *)(uintptr_t)s->rounds) == 0)
				atomic_fetch_add(&detached_started, 1);
			else
				atomic_fetch_add(&thread_errors, 1);
		}
		s->rounds++;
	} while (now() < s->end);
	pthread_attr_destroy(&detached);
	return NULL;
}

TEST(four_threads_creating_and_joining_threads)
{
	double secs = duration(2, false);
	struct spawner s[WORKERS];
	long rounds = 0;

	for (int i = 0; i < WORKERS; i++) {
		s[i].end = now() + secs;
		s[i].rounds = 0;
		start_thread(&s[i].thread, spawner_main, &s[i]);
	}
	for (int i = 0; i < WORKERS; i++) {
		CHECK_EQ(pthread_join(s[i].thread, NULL), 0);
		CHECK(s[i].rounds > 0);
		rounds += s[i].rounds;
	}
	CHECK_EQ(atomic_load(&thread_errors), 0);
	CHECK_EQ(atomic_load(&threads_made), rounds * 4);
	CHECK(atomic_load(&detached_started) > 0);
	/* Every detached thread runs to its end. */
	for (double end = now() + 5; now() < end;) {
		if (atomic_load(&detached_done) == atomic_load(&detached_started))
			break;
		sleep_ms(1);
	}
	CHECK_EQ(atomic_load(&detached_done), atomic_load(&detached_started));
	utest_printf("# %ld threads joined, %ld detached, in %.0f s\n", atomic_load(&threads_made),
		     atomic_load(&detached_started), secs);
}

/* ---- memory across threads ------------------------------------------- */

static atomic_long memory_errors, memory_rounds;

/* Map, fill, check, write-protect half, check, unmap: over and over. */
static void *memory_churner(void *arg)
{
	struct spawner *s = arg;
	unsigned seed = (unsigned)(uintptr_t)s;

	do {	/* at least one round, as above */
		size_t pages = 16 + (seed = seed * 1103515245 + 12345) % 240;	/* < 1 MiB */
		unsigned char tag = (unsigned char)(s->rounds * 13 + 1);
		unsigned char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			atomic_fetch_add(&memory_errors, 1);
			break;
		}
		for (size_t i = 0; i < pages * PAGE; i += 64)
			if (p[i] != 0)
				atomic_fetch_add(&memory_errors, 1);
		for (size_t i = 0; i < pages * PAGE; i += 64)
			p[i] = (unsigned char)(tag + i / PAGE);
		if (mprotect(p, pages / 2 * PAGE, PROT_READ) != 0)
			atomic_fetch_add(&memory_errors, 1);
		for (size_t i = 0; i < pages * PAGE; i += 64)
			if (p[i] != (unsigned char)(tag + i / PAGE))
				atomic_fetch_add(&memory_errors, 1);
		/* Give back the middle first, then the two ends. */
		if (munmap(p + pages / 4 * PAGE, pages / 2 * PAGE) != 0 || munmap(p, pages / 4 * PAGE) != 0 ||
		    munmap(p + (pages / 4 + pages / 2) * PAGE, (pages - pages / 4 - pages / 2) * PAGE) != 0)
			atomic_fetch_add(&memory_errors, 1);
		s->rounds++;
	} while (now() < s->end);
	atomic_fetch_add(&memory_rounds, s->rounds);
	return NULL;
}

TEST(four_threads_mapping_touching_and_unmapping)
{
	double secs = duration(2, false);
	struct spawner s[WORKERS];

	for (int i = 0; i < WORKERS; i++) {
		s[i].end = now() + secs;
		s[i].rounds = 0;
		start_thread(&s[i].thread, memory_churner, &s[i]);
	}
	for (int i = 0; i < WORKERS; i++) {
		CHECK_EQ(pthread_join(s[i].thread, NULL), 0);
		CHECK(s[i].rounds > 0);
	}
	CHECK_EQ(atomic_load(&memory_errors), 0);
	utest_printf("# %ld map/fill/protect/unmap rounds in %.0f s\n", atomic_load(&memory_rounds), secs);
}

/* ---- fork while threads churn ---------------------------------------- */

TEST(fork_while_other_threads_churn)
{
	double secs = duration(2, false), end;
	struct spawner s[WORKERS];
	unsigned char *mine;
	long forks = 0;

	/* A region only the main thread writes: each child must see it whole. */
	mine = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(mine != MAP_FAILED);
	end = now() + secs;
	for (int i = 0; i < WORKERS; i++) {
		s[i].end = end;
		s[i].rounds = 0;
		start_thread(&s[i].thread, i % 2 ? memory_churner : spawner_main, &s[i]);
	}
	while (now() < end) {
		unsigned char tag = (unsigned char)(forks * 29 + 3);
		pid_t pid;

		for (size_t i = 0; i < 64 * PAGE; i += 256)
			mine[i] = (unsigned char)(tag + i / PAGE);
		pid = fork();
		if (pid == 0) {
			int ok = 1;

			alarm(10);
			for (size_t i = 0; i < 64 * PAGE; i += 256)
				ok &= mine[i] == (unsigned char)(tag + i / PAGE);
			/* The child's writes stay its own. */
			memset(mine, 0, 64 * PAGE);
			_exit(ok ? 0 : 1);
		}
		REQUIRE(pid > 0);
		if (!CHECK(exited_with(reap(pid), 0)))
			break;
		for (size_t i = 0; i < 64 * PAGE; i += 256)
			if (mine[i] != (unsigned char)(tag + i / PAGE)) {
				CHECK(!"the parent's memory changed under a child");
				break;
			}
		forks++;
	}
	for (int i = 0; i < WORKERS; i++)
		CHECK_EQ(pthread_join(s[i].thread, NULL), 0);
	CHECK(forks > 0);
	CHECK_EQ(atomic_load(&thread_errors), 0);
	CHECK_EQ(atomic_load(&memory_errors), 0);
	utest_printf("# %ld forks beside %ld threads and %ld memory rounds in %.0f s\n", forks,
		     atomic_load(&threads_made), atomic_load(&memory_rounds), secs);
}
