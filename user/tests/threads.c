/*
 * Threads: musl's pthreads on top of clone(CLONE_THREAD | ...), and the
 * kernel's side of them: thread groups (one pid, a tid per thread), exit
 * of one thread and of the whole group, process- and thread-directed
 * TLS.  Exit, signals, fork and exec in threaded processes are in
 * thread_signals.c; memory shared between threads and raw clone in
 * thread_memory.c.
 *
 * Worker threads mostly record what they saw and leave the checks to the
 * main thread.  Anything that may end a process (exit_group from a worker,
 * a fatal signal, fork, execve) happens in a child of the test, which
 * reports through its exit status; such a child arms its own alarm, since
 * a forked child does not inherit the test's watchdog.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


/* ---- create, join, detach -------------------------------------------- */

static void *times_three_plus_one(void *arg)
{
	return (void *)((intptr_t)arg * 3 + 1);
}

static void *exit_with_arg(void *arg)
{
	pthread_exit(arg);
}

TEST(create_and_join_return_values)
{
	pthread_t t[16];

	/* More threads than CPUs, all alive at once. */
	for (int i = 0; i < 16; i++)
		start_thread(&t[i], times_three_plus_one, (void *)(intptr_t)i);
	for (int i = 15; i >= 0; i--)
		CHECK_EQ((intptr_t)join(t[i]), i * 3 + 1);

	/* pthread_exit's value reaches the joiner just like a return value. */
	start_thread(&t[0], exit_with_arg, (void *)0x5eed);
	CHECK(join(t[0]) == (void *)0x5eed);
	/* A thread ends: joining it again would be undefined; a new one works. */
	start_thread(&t[0], times_three_plus_one, (void *)100);
	CHECK_EQ((intptr_t)join(t[0]), 301);
}

static atomic_int slow_done;

static void *slow_thread(void *arg)
{
	sleep_ms(100);
	atomic_store(&slow_done, 1);
	return arg;
}

TEST(join_waits_for_a_running_thread)
{
	pthread_t t;
	double start = now();

	start_thread(&t, slow_thread, (void *)7);
	CHECK_EQ((intptr_t)join(t), 7);
	CHECK(now() - start >= 0.099);
	CHECK_EQ(atomic_load(&slow_done), 1);
}

static atomic_int detached_done;
static sem_t detached_sem;

static void *detached_worker(void *arg)
{
	/* Some finish before their creator can detach them, some after. */
	if ((intptr_t)arg & 1)
		sleep_ms(2);
	atomic_fetch_add(&detached_done, 1);
	sem_post(&detached_sem);
	return NULL;
}

TEST(detached_threads_run_to_completion)
{
	pthread_attr_t attr;
	pthread_t t;
	int state = -1;

	REQUIRE(sem_init(&detached_sem, 0, 0) == 0);
	REQUIRE(pthread_attr_init(&attr) == 0);
	CHECK_EQ(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED), 0);
	CHECK_EQ(pthread_attr_getdetachstate(&attr, &state), 0);
	CHECK_EQ(state, PTHREAD_CREATE_DETACHED);
	/*
	 * Ten batches of 16: detached threads free their own stacks, so
	 * 160 of them in a row must not run out of anything.
	 */
	for (int batch = 0; batch < 10; batch++) {
		for (int i = 0; i < 16; i++) {
			if (i < 8) {
				CHECK_EQ(pthread_create(&t, &attr, detached_worker, (void *)(intptr_t)i), 0);
			} else {
				CHECK_EQ(pthread_create(&t, NULL, detached_worker, (void *)(intptr_t)i), 0);
				CHECK_EQ(pthread_detach(t), 0);
			}
		}
		for (int i = 0; i < 16; i++)
			while (sem_wait(&detached_sem) == -1 && errno == EINTR)
				;
		CHECK_EQ(atomic_load(&detached_done), (batch + 1) * 16);
	}
	pthread_attr_destroy(&attr);
}

/* ---- synchronisation ------------------------------------------------- */

#define MUTEX_THREADS 8
#define MUTEX_ROUNDS 100000
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static pthread_barrier_t start_line;

static void *mutex_worker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start_line);
	for (int i = 0; i < MUTEX_ROUNDS; i++) {
		pthread_mutex_lock(&counter_lock);
		/* A read and a write apart: unprotected, increments get lost. */
		long v = *(volatile long *)&counter;
		*(volatile long *)&counter = v + 1;
		pthread_mutex_unlock(&counter_lock);
	}
	return NULL;
}

static void *trylock_once(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)pthread_mutex_trylock(&counter_lock);
}

TEST(mutex_makes_increments_exact)
{
	pthread_t t[MUTEX_THREADS];

	REQUIRE(pthread_barrier_init(&start_line, NULL, MUTEX_THREADS) == 0);
	for (int i = 0; i < MUTEX_THREADS; i++)
		start_thread(&t[i], mutex_worker, NULL);
	for (int i = 0; i < MUTEX_THREADS; i++)
		join(t[i]);
	CHECK_EQ(counter, (long)MUTEX_THREADS * MUTEX_ROUNDS);

	/* Held by the main thread, the mutex is busy for another one. */
	pthread_mutex_lock(&counter_lock);
	start_thread(&t[0], trylock_once, NULL);
	CHECK_EQ((intptr_t)join(t[0]), EBUSY);
	pthread_mutex_unlock(&counter_lock);
	start_thread(&t[0], trylock_once, NULL);
	CHECK_EQ((intptr_t)join(t[0]), 0);
}

/* A bounded buffer: 4 producers, 4 consumers, 8 slots. */
#define PRODUCERS 4
#define CONSUMERS 4
#define ITEMS_EACH 10000
#define TOTAL_ITEMS (PRODUCERS * ITEMS_EACH)
#define SLOTS 8

static struct {
	pthread_mutex_t lock;
	pthread_cond_t not_full, not_empty;
	int slot[SLOTS];
	int head, count;	/* items in slot[head], slot[head+1], ... */
	int remaining;		/* items not yet taken by a consumer */
	unsigned char taken[TOTAL_ITEMS];
	int bad;		/* an item out of range */
} bb = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
	 { 0 }, 0, 0, TOTAL_ITEMS, { 0 }, 0 };

static void *producer(void *arg)
{
	int base = (int)(intptr_t)arg * ITEMS_EACH;

	for (int i = 0; i < ITEMS_EACH; i++) {
		pthread_mutex_lock(&bb.lock);
		while (bb.count == SLOTS)
			pthread_cond_wait(&bb.not_full, &bb.lock);
		bb.slot[(bb.head + bb.count) % SLOTS] = base + i;
		bb.count++;
		pthread_cond_signal(&bb.not_empty);
		pthread_mutex_unlock(&bb.lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	long got = 0;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&bb.lock);
		while (bb.count == 0 && bb.remaining > 0)
			pthread_cond_wait(&bb.not_empty, &bb.lock);
		if (bb.remaining == 0) {
			pthread_mutex_unlock(&bb.lock);
			return (void *)got;
		}
		int item = bb.slot[bb.head];
		bb.head = (bb.head + 1) % SLOTS;
		bb.count--;
		if (--bb.remaining == 0)
			pthread_cond_broadcast(&bb.not_empty);	/* release the others */
		if (item >= 0 && item < TOTAL_ITEMS)
			bb.taken[item]++;
		else
			bb.bad++;
		pthread_cond_signal(&bb.not_full);
		pthread_mutex_unlock(&bb.lock);
		got++;
	}
}

TEST(condvar_bounded_buffer_hands_each_item_over_once)
{
	pthread_t p[PRODUCERS], c[CONSUMERS];
	long consumed = 0;
	int once = 0;

	for (int i = 0; i < CONSUMERS; i++)
		start_thread(&c[i], consumer, NULL);
	for (int i = 0; i < PRODUCERS; i++)
		start_thread(&p[i], producer, (void *)(intptr_t)i);
	for (int i = 0; i < PRODUCERS; i++)
		join(p[i]);
	for (int i = 0; i < CONSUMERS; i++)
		consumed += (long)join(c[i]);
	CHECK_EQ(consumed, TOTAL_ITEMS);
	CHECK_EQ(bb.bad, 0);
	CHECK_EQ(bb.count, 0);
	for (int i = 0; i < TOTAL_ITEMS; i++)
		once += bb.taken[i] == 1;
	CHECK_EQ(once, TOTAL_ITEMS);
}

#define BARRIER_THREADS 8
#define BARRIER_ROUNDS 50
static pthread_barrier_t barrier;
static atomic_int arrived[BARRIER_ROUNDS];
static atomic_int serial_count, barrier_errors;

static void *barrier_worker(void *arg)
{
	(void)arg;
	for (int r = 0; r < BARRIER_ROUNDS; r++) {
		atomic_fetch_add(&arrived[r], 1);
		int ret = pthread_barrier_wait(&barrier);
		if (ret == PTHREAD_BARRIER_SERIAL_THREAD)
			atomic_fetch_add(&serial_count, 1);
		else if (ret != 0)
			atomic_fetch_add(&barrier_errors, 1);
		/* Nobody leaves round r before everyone arrived at it. */
		if (atomic_load(&arrived[r]) != BARRIER_THREADS)
			atomic_fetch_add(&barrier_errors, 1);
		if (r % 8 == 0)
			sched_yield();
	}
	return NULL;
}

TEST(barrier_releases_a_round_only_when_all_arrived)
{
	pthread_t t[BARRIER_THREADS];

	REQUIRE(pthread_barrier_init(&barrier, NULL, BARRIER_THREADS) == 0);
	for (int i = 0; i < BARRIER_THREADS; i++)
		start_thread(&t[i], barrier_worker, NULL);
	for (int i = 0; i < BARRIER_THREADS; i++)
		join(t[i]);
	CHECK_EQ(atomic_load(&barrier_errors), 0);
	/* Exactly one thread per round is told it was the serial one. */
	CHECK_EQ(atomic_load(&serial_count), BARRIER_ROUNDS);
	CHECK_EQ(pthread_barrier_destroy(&barrier), 0);
}

/* ---- ids, TLS, what threads share ------------------------------------ */

#define ID_THREADS 8
static struct ids {
	pid_t tid, pid, ppid;
	pthread_t self;
} ids[ID_THREADS];

static void *record_ids(void *arg)
{
	struct ids *me = arg;

	me->tid = gettid_();
	me->pid = getpid();
	me->ppid = getppid();
	me->self = pthread_self();
	/* Stay alive until every thread recorded (so no tid is reused). */
	pthread_barrier_wait(&barrier);
	pthread_barrier_wait(&barrier);
	return NULL;
}

TEST(threads_share_pid_but_each_has_its_own_tid)
{
	pthread_t t[ID_THREADS];
	pid_t pid = getpid();

	CHECK_EQ(gettid_(), pid);	/* the main thread's tid is the pid */
	REQUIRE(pthread_barrier_init(&barrier, NULL, ID_THREADS + 1) == 0);
	for (int i = 0; i < ID_THREADS; i++)
		start_thread(&t[i], record_ids, &ids[i]);
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < ID_THREADS; i++) {
		CHECK_EQ(ids[i].pid, pid);
		CHECK_EQ(ids[i].ppid, getppid());
		CHECK(ids[i].tid > 0);
		CHECK(ids[i].tid != pid);
		CHECK(pthread_equal(ids[i].self, t[i]));
		CHECK(tid_alive(ids[i].tid));
		for (int j = 0; j < i; j++)
			CHECK(ids[i].tid != ids[j].tid);
	}
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < ID_THREADS; i++)
		join(t[i]);
	/* Gone once they exited (a thread is reaped by itself, not waited for). */
	for (int i = 0; i < ID_THREADS; i++)
		CHECK(EVENTUALLY(!tid_alive(ids[i].tid)));
	CHECK_ERR(syscall(SYS_tgkill, pid, ids[0].tid, 0), ESRCH);
	/* tgkill checks the thread belongs to the group named. */
	CHECK_ERR(syscall(SYS_tgkill, getppid(), gettid_(), 0), ESRCH);
}

static __thread int tls_value;
static __thread char tls_buf[100];
static atomic_int tls_errors;

static void *tls_worker(void *arg)
{
	int me = (int)(intptr_t)arg;

	tls_value = me;
	memset(tls_buf, me, sizeof(tls_buf));
	/* errno is per thread: half the threads get EBADF, half ENOENT. */
	errno = 0;
	if (me & 1)
		close(-1);
	else
		open("no-such-file-here", O_RDONLY);
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < 200; i++) {
		sched_yield();
		if (tls_value != me)
			atomic_fetch_add(&tls_errors, 1);
		for (size_t j = 0; j < sizeof(tls_buf); j++)
			if (tls_buf[j] != (char)me)
				atomic_fetch_add(&tls_errors, 1);
		if (errno != ((me & 1) ? EBADF : ENOENT))
			atomic_fetch_add(&tls_errors, 1);
	}
	return (void *)&tls_value;
}

TEST(tls_and_errno_are_per_thread)
{
	pthread_t t[8];
	void *addr[8];

	tls_value = -1;
	REQUIRE(pthread_barrier_init(&barrier, NULL, 8) == 0);
	for (int i = 0; i < 8; i++)
		start_thread(&t[i], tls_worker, (void *)(intptr_t)(i + 1));
	for (int i = 0; i < 8; i++)
		addr[i] = join(t[i]);
	CHECK_EQ(atomic_load(&tls_errors), 0);
	CHECK_EQ(tls_value, -1);
	for (int i = 0; i < 8; i++) {
		CHECK(addr[i] != (void *)&tls_value);
		for (int j = 0; j < i; j++)
			CHECK(addr[i] != addr[j]);
	}
}

static int shared_fd = -1, doomed_fd = -1;
static atomic_int usr2_hits;

static void usr2_counter(int sig)
{
	(void)sig;
	atomic_fetch_add(&usr2_hits, 1);
}

static void *share_worker(void *arg)
{
	(void)arg;
	/* A descriptor opened here is the main thread's too... */
	shared_fd = open("threads_shared_file", O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (shared_fd >= 0)
		write(shared_fd, "abc", 3);
	/* ...and one closed here is closed for it. */
	close(doomed_fd);
	/* The working directory is shared. */
	chdir("threads_subdir");
	/* So are signal handlers. */
	set_handler(SIGUSR2, usr2_counter, 0);
	return NULL;
}

TEST(threads_share_fds_cwd_and_signal_handlers)
{
	struct stat st;
	pthread_t t;
	char buf[4] = "";

	REQUIRE(mkdir("threads_subdir", 0755) == 0);
	doomed_fd = open(".", O_RDONLY);
	REQUIRE(doomed_fd >= 0);
	start_thread(&t, share_worker, NULL);
	join(t);

	REQUIRE(CHECK(shared_fd >= 0));
	CHECK_EQ(pread(shared_fd, buf, 3, 0), 3);
	CHECK(memcmp(buf, "abc", 3) == 0);
	CHECK_ERR(fcntl(doomed_fd, F_GETFD), EBADF);

	/* Our relative paths now start in the thread's new directory. */
	close(CHECK_OK(open("made_by_main", O_CREAT | O_WRONLY, 0644)));
	CHECK_EQ(chdir(".."), 0);
	CHECK_EQ(stat("threads_subdir/made_by_main", &st), 0);
	CHECK_EQ(unlink("threads_subdir/made_by_main"), 0);
	CHECK_EQ(rmdir("threads_subdir"), 0);
	CHECK_EQ(unlink("threads_shared_file"), 0);

	CHECK_EQ(raise(SIGUSR2), 0);
	CHECK_EQ(atomic_load(&usr2_hits), 1);
}

static void *pause_for_ever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* Start threads that wait, one after another as fast as it can, until clone fails. */
static void *keep_starting_threads(void *arg)
{
	pthread_t t;

	(void)arg;
	while (pthread_create(&t, NULL, pause_for_ever, NULL) == 0)
		pthread_detach(t);
	return pause_for_ever(NULL);
}

/*
 * exit() while another thread is in the middle of creating a thread ends
 * every thread: none created in that moment outlives the process (the
 * parent would wait for it for ever).
 */
TEST(exit_ends_threads_being_created_meanwhile)
{
	for (int round = 0; round < 20; round++) {
		pid_t pid = fork();
		int st;

		REQUIRE(pid >= 0);
		if (pid == 0) {
			pthread_t t;

			for (int i = 0; i < 3; i++)
				pthread_create(&t, NULL, keep_starting_threads, NULL);
			sleep_ms(10 + round);
			_exit(7);
		}
		if (!CHECK(EVENTUALLY(waitpid(pid, &st, WNOHANG) == pid))) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return;
		}
		CHECK(exited_with(st, 7));
	}
}
