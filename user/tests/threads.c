/*
 * Threads: musl's pthreads on top of clone(CLONE_THREAD | ...), and the
 * kernel's side of them: thread groups (one pid, a tid per thread), exit
 * of one thread and of the whole group, process- and thread-directed
 * signals, fork and execve from a threaded process, page faults, munmap
 * and mprotect racing between threads, TLS, and CLONE_CHILD_CLEARTID.
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

#define PAGE 4096UL
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* musl's headers have no <linux/futex.h>. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

/* ---- helpers --------------------------------------------------------- */

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Poll cond every millisecond for at most 5 s; evaluates to whether it held. */
#define EVENTUALLY(cond)                                           \
	({                                                         \
		double end_ = now() + 5;                           \
		int ok_;                                           \
		while (!(ok_ = !!(cond)) && now() < end_)          \
			sleep_ms(1);                               \
		ok_;                                               \
	})

static void start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int e = pthread_create(t, NULL, fn, arg);

	errno = e;
	REQUIRE(e == 0);
}

static void *join(pthread_t t)
{
	void *res = (void *)-1;

	CHECK_EQ(pthread_join(t, &res), 0);
	return res;
}

static int tid_alive(pid_t tid)
{
	return syscall(SYS_tgkill, getpid(), tid, 0) == 0;
}

static void set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	REQUIRE(sigaction(sig, &sa, NULL) == 0);
}

static void thread_mask(int how, int sig)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	pthread_sigmask(how, &s, NULL);
}

static int is_blocked(int sig)
{
	sigset_t s;

	pthread_sigmask(SIG_BLOCK, NULL, &s);
	return sigismember(&s, sig);
}

static int is_pending(int sig)
{
	sigset_t s;

	sigpending(&s);
	return sigismember(&s, sig);
}

/*
 * A signal handler that records which thread ran it: the n-th delivery
 * stores its tid and si_code in sig_tid[n], sig_code[n], then counts
 * itself in sig_hits (so sig_hits == n + 1 means slot n is written).
 */
#define MAX_HITS 64
static atomic_int sig_slots, sig_hits;
static pid_t sig_tid[MAX_HITS];
static int sig_code[MAX_HITS];

static void tid_handler(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	int n = atomic_fetch_add(&sig_slots, 1);

	(void)sig;
	(void)uc;
	if (n < MAX_HITS) {
		sig_tid[n] = gettid_();
		sig_code[n] = si->si_code;
	}
	atomic_fetch_add(&sig_hits, 1);
	errno = saved;
}

static void set_tid_handler(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = tid_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	REQUIRE(sigaction(sig, &sa, NULL) == 0);
}

/*
 * Idle threads: each records its tid, then sleeps a millisecond at a time
 * (counting its loops) until idlers_stop, obeying two requests on the way:
 * unblock a signal, or report whether a signal is pending for it.
 */
struct idler {
	pthread_t thread;
	_Atomic pid_t tid;
	atomic_long loops;
	atomic_int unblock;	/* signal to unblock, 0 when done */
	atomic_int query;	/* signal to look up in sigpending, 0 when answered */
	atomic_int answer;	/* 1 if it was pending */
};

#define MAX_IDLERS 8
static struct idler idlers[MAX_IDLERS];
static atomic_int idlers_stop;

static void *idle_main(void *arg)
{
	struct idler *w = arg;
	int sig;

	atomic_store(&w->tid, gettid_());
	while (!atomic_load(&idlers_stop)) {
		if ((sig = atomic_load(&w->unblock))) {
			thread_mask(SIG_UNBLOCK, sig);
			atomic_store(&w->unblock, 0);
		}
		if ((sig = atomic_load(&w->query))) {
			atomic_store(&w->answer, is_pending(sig));
			atomic_store(&w->query, 0);
		}
		atomic_fetch_add(&w->loops, 1);
		sleep_ms(1);
	}
	return NULL;
}

static void start_idlers(int n)
{
	for (int i = 0; i < n; i++)
		start_thread(&idlers[i].thread, idle_main, &idlers[i]);
	for (int i = 0; i < n; i++)
		REQUIRE(EVENTUALLY(atomic_load(&idlers[i].tid) != 0));
}

static void stop_idlers(int n)
{
	atomic_store(&idlers_stop, 1);
	for (int i = 0; i < n; i++)
		join(idlers[i].thread);
}

/* Ask idler i whether sig is pending for it (its own or the process's). */
static int idler_has_pending(int i, int sig)
{
	atomic_store(&idlers[i].answer, -1);
	atomic_store(&idlers[i].query, sig);
	REQUIRE(EVENTUALLY(atomic_load(&idlers[i].query) == 0));
	return atomic_load(&idlers[i].answer);
}

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

/* ---- exit of one thread, exit of the group --------------------------- */

static atomic_int go_flag, spin_stop;
static atomic_long spins;

static void *exit_when_told(void *arg)
{
	while (!atomic_load(&go_flag))
		sleep_ms(1);
	pthread_exit(arg);
}

static void *spin_until_stop(void *arg)
{
	(void)arg;
	while (!atomic_load(&spin_stop))
		atomic_fetch_add(&spins, 1);
	return (void *)1;
}

static pthread_t main_thread;

static void *join_main_then_exit(void *arg)
{
	void *res = NULL;
	int e;

	(void)arg;
	/* Returns once the main thread is gone (musl needs its cleared tid). */
	e = pthread_join(main_thread, &res);
	exit(e == 0 && res == (void *)7 ? 42 : 43);
}

/*
 * Run in a freshly executed process, not in a forked one: musl's startup
 * points set_tid_address at its thread-list lock, which the kernel then
 * clears when the main thread exits, and pthread_join waits for that.  A
 * fork child has no such address (fork does not inherit it, and musl's
 * fork does not set it again), so joining its main thread hangs.
 */
TEST_CHILD(main_thread_exits)
{
	pthread_t t;

	(void)argc;
	(void)argv;
	alarm(10);
	main_thread = pthread_self();
	if (pthread_create(&t, NULL, join_main_then_exit, NULL) != 0)
		return 2;
	pthread_exit((void *)7);
}

/* For run_in_child: become the TEST_CHILD entry point named arg. */
static void exec_child(void *arg)
{
	execl(utest_argv0, utest_argv0, "--child", (char *)arg, (char *)NULL);
	_exit(100);
}

TEST(pthread_exit_ends_only_the_calling_thread)
{
	pthread_t a, b;
	long before;

	start_thread(&a, exit_when_told, (void *)0x55);
	start_thread(&b, spin_until_stop, NULL);
	REQUIRE(EVENTUALLY(atomic_load(&spins) > 0));
	atomic_store(&go_flag, 1);
	CHECK(join(a) == (void *)0x55);
	/* The other thread still runs after its sibling left. */
	before = atomic_load(&spins);
	CHECK(EVENTUALLY(atomic_load(&spins) > before + 1000));
	atomic_store(&spin_stop, 1);
	CHECK(join(b) == (void *)1);

	/*
	 * Even the main thread may leave: the process lives on in the
	 * other thread, which joins it and then exits with 42.
	 */
	CHECK(exited_with(run_in_child(exec_child, "main_thread_exits"), 42));
}

static int block_pipe[2];

static void *block_in_read(void *arg)
{
	char c;

	(void)arg;
	read(block_pipe[0], &c, 1);	/* we hold the write end: forever */
	return NULL;
}

static void *block_in_futex(void *arg)
{
	static int word;

	(void)arg;
	for (;;)
		syscall(SYS_futex, &word, FUTEX_WAIT, 0, NULL, NULL, 0);
	return NULL;
}

static void *block_in_sleep(void *arg)
{
	(void)arg;
	for (;;)
		sleep(100);
	return NULL;
}

static void *spin_forever(void *arg)
{
	(void)arg;
	for (;;)
		atomic_fetch_add(&spins, 1);
	return NULL;
}

/* Start threads blocked every way we know, and two that spin. */
static void start_blockers(void)
{
	pthread_t t;

	if (pipe(block_pipe) != 0)
		_exit(3);
	if (pthread_create(&t, NULL, block_in_read, NULL) ||
	    pthread_create(&t, NULL, block_in_futex, NULL) ||
	    pthread_create(&t, NULL, block_in_sleep, NULL) ||
	    pthread_create(&t, NULL, spin_forever, NULL) || pthread_create(&t, NULL, spin_forever, NULL))
		_exit(4);
}

static void *exit_7(void *arg)
{
	(void)arg;
	sleep_ms(20);
	exit(7);
}

static void *exit_group_9(void *arg)
{
	(void)arg;
	sleep_ms(20);
	syscall(SYS_exit_group, 9);
	return NULL;
}

static void *null_write(void *arg)
{
	(void)arg;
	sleep_ms(20);
	write_byte(NULL);
	return NULL;
}

static void *raise_term(void *arg)
{
	(void)arg;
	sleep_ms(20);
	raise(SIGTERM);
	return NULL;
}

/* The main thread waits in pthread_join for a thread that ends everything. */
static void group_ender(void *arg)
{
	pthread_t t;

	alarm(10);
	start_blockers();
	if (pthread_create(&t, NULL, (void *(*)(void *))arg, NULL) != 0)
		_exit(5);
	pthread_join(t, NULL);
	_exit(6);
}

static void main_exits_5(void *arg)
{
	(void)arg;
	alarm(10);
	start_blockers();
	while (atomic_load(&spins) == 0)
		sched_yield();
	_exit(5);
}

TEST(exit_group_from_any_thread_ends_the_whole_process)
{
	CHECK(exited_with(run_in_child(group_ender, exit_7), 7));
	CHECK(exited_with(run_in_child(group_ender, exit_group_9), 9));
	CHECK(exited_with(run_in_child(main_exits_5, NULL), 5));
}

static void wait_to_be_killed(void *arg)
{
	int *ready = arg;

	alarm(10);
	start_blockers();
	write(ready[1], "r", 1);
	for (;;)
		pause();
}

TEST(fatal_signal_in_one_thread_kills_every_thread)
{
	int ready[2], status;
	char c;
	pid_t pid;

	set_handler(SIGTERM, SIG_DFL, 0);
	CHECK(killed_by(run_in_child(group_ender, null_write), SIGSEGV));
	CHECK(killed_by(run_in_child(group_ender, raise_term), SIGTERM));

	/* A signal from outside, to a process whose threads all block. */
	REQUIRE(pipe(ready) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		wait_to_be_killed(ready);
		_exit(1);
	}
	close(ready[1]);
	CHECK_EQ(read(ready[0], &c, 1), 1);
	CHECK_EQ(kill(pid, SIGTERM), 0);
	status = wait_status(pid);
	CHECK(killed_by(status, SIGTERM));
}

/* ---- signals and threads --------------------------------------------- */

static int handled_by_one_of_us(pid_t tid, int n)
{
	if (tid == getpid())
		return 1;
	for (int i = 0; i < n; i++)
		if (tid == idlers[i].tid)
			return 1;
	return 0;
}

TEST(kill_to_the_process_is_handled_by_some_thread)
{
	set_tid_handler(SIGUSR1);
	start_idlers(4);
	for (int round = 0; round < 10; round++) {
		CHECK_EQ(kill(getpid(), SIGUSR1), 0);
		REQUIRE((EVENTUALLY(atomic_load(&sig_hits) == round + 1)));
		CHECK(handled_by_one_of_us(sig_tid[round], 4));
		CHECK_EQ(sig_code[round], SI_USER);
	}
	stop_idlers(4);
}

TEST(tgkill_runs_the_handler_in_that_thread)
{
	int n = 0;

	set_tid_handler(SIGUSR1);
	start_idlers(4);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 4; i++) {
			CHECK_EQ(syscall(SYS_tgkill, getpid(), idlers[i].tid, SIGUSR1), 0);
			REQUIRE((EVENTUALLY(atomic_load(&sig_hits) == n + 1)));
			CHECK_EQ(sig_tid[n], idlers[i].tid);
			CHECK_EQ(sig_code[n], SI_TKILL);
			n++;
			/* pthread_kill is the same thing. */
			CHECK_EQ(pthread_kill(idlers[i].thread, SIGUSR1), 0);
			REQUIRE((EVENTUALLY(atomic_load(&sig_hits) == n + 1)));
			CHECK_EQ(sig_tid[n], idlers[i].tid);
			n++;
		}
	}
	/* To the main thread, from the main thread: before tgkill returns. */
	CHECK_EQ(syscall(SYS_tgkill, getpid(), gettid_(), SIGUSR1), 0);
	CHECK_EQ(atomic_load(&sig_hits), n + 1);
	CHECK_EQ(sig_tid[n], getpid());
	stop_idlers(4);
}

TEST(process_signal_goes_to_the_one_thread_not_blocking_it)
{
	/* Blocked before the threads start, so they all inherit the mask. */
	thread_mask(SIG_BLOCK, SIGUSR1);
	set_tid_handler(SIGUSR1);
	start_idlers(4);
	atomic_store(&idlers[2].unblock, SIGUSR1);
	REQUIRE(EVENTUALLY(atomic_load(&idlers[2].unblock) == 0));
	for (int round = 0; round < 20; round++) {
		CHECK_EQ(kill(getpid(), SIGUSR1), 0);
		REQUIRE((EVENTUALLY(atomic_load(&sig_hits) == round + 1)));
		CHECK_EQ(sig_tid[round], idlers[2].tid);
	}
	CHECK(is_blocked(SIGUSR1));
	stop_idlers(4);
}

TEST(pending_process_signal_is_taken_by_the_thread_that_unblocks_it)
{
	thread_mask(SIG_BLOCK, SIGUSR1);
	set_tid_handler(SIGUSR1);
	start_idlers(4);
	CHECK_EQ(kill(getpid(), SIGUSR1), 0);
	/* Pending for the process: every thread's sigpending shows it. */
	CHECK(is_pending(SIGUSR1));
	CHECK_EQ(idler_has_pending(0, SIGUSR1), 1);
	CHECK_EQ(idler_has_pending(3, SIGUSR1), 1);
	CHECK_EQ(atomic_load(&sig_hits), 0);
	atomic_store(&idlers[3].unblock, SIGUSR1);
	REQUIRE((EVENTUALLY(atomic_load(&sig_hits) == 1)));
	CHECK_EQ(sig_tid[0], idlers[3].tid);
	CHECK(!is_pending(SIGUSR1));
	stop_idlers(4);
}

TEST(thread_directed_signal_waits_for_that_thread_only)
{
	thread_mask(SIG_BLOCK, SIGUSR1);
	set_tid_handler(SIGUSR1);
	start_idlers(4);
	CHECK_EQ(syscall(SYS_tgkill, getpid(), idlers[1].tid, SIGUSR1), 0);
	/* Pending for idler 1 alone. */
	CHECK_EQ(idler_has_pending(1, SIGUSR1), 1);
	CHECK_EQ(idler_has_pending(2, SIGUSR1), 0);
	CHECK(!is_pending(SIGUSR1));
	/* Another thread unblocking it does not take it... */
	atomic_store(&idlers[2].unblock, SIGUSR1);
	REQUIRE(EVENTUALLY(atomic_load(&idlers[2].unblock) == 0));
	sleep_ms(50);
	CHECK_EQ(atomic_load(&sig_hits), 0);
	CHECK_EQ(idler_has_pending(1, SIGUSR1), 1);
	/* ...its target does. */
	atomic_store(&idlers[1].unblock, SIGUSR1);
	REQUIRE((EVENTUALLY(atomic_load(&sig_hits) == 1)));
	CHECK_EQ(sig_tid[0], idlers[1].tid);
	stop_idlers(4);
}

static void *report_mask(void *arg)
{
	int blocked_at_start = is_blocked(SIGUSR2);

	(void)arg;
	thread_mask(SIG_UNBLOCK, SIGUSR2);
	thread_mask(SIG_BLOCK, SIGHUP);
	return (void *)(intptr_t)(blocked_at_start && !is_blocked(SIGUSR2) && is_blocked(SIGHUP));
}

TEST(signal_mask_is_per_thread_and_inherited)
{
	pthread_t t;

	thread_mask(SIG_BLOCK, SIGUSR2);
	start_thread(&t, report_mask, NULL);
	CHECK_EQ((intptr_t)join(t), 1);
	/* The thread's changes stayed its own. */
	CHECK(is_blocked(SIGUSR2));
	CHECK(!is_blocked(SIGHUP));
}

/* ---- fork and execve ------------------------------------------------- */

static long loops_of(int i)
{
	return atomic_load(&idlers[i].loops);
}

/* In a child forked from a process with 4 idlers: checks, then the exit code. */
static int forked_child_checks(void)
{
	long before[4];
	pthread_t t;
	void *res = NULL;
	int ok = 1;
	char *p;

	alarm(10);
	/* The forking thread is the child's only, and its main, thread. */
	ok &= CHECK_EQ(gettid_(), getpid());
	for (int i = 0; i < 4; i++)
		before[i] = loops_of(i);
	sleep_ms(30);
	for (int i = 0; i < 4; i++)
		ok &= CHECK_EQ(loops_of(i), before[i]);
	/* The parent's threads are not in this thread group. */
	for (int i = 0; i < 4; i++)
		ok &= CHECK(!tid_alive(idlers[i].tid));
	/* It can allocate, and start and join threads of its own. */
	p = malloc(100000);
	ok &= CHECK(p != NULL);
	free(p);
	ok &= CHECK_EQ(pthread_create(&t, NULL, times_three_plus_one, (void *)5), 0);
	ok &= CHECK_EQ(pthread_join(t, &res), 0);
	ok &= CHECK(res == (void *)16);
	return ok ? 0 : 1;
}

static void *fork_from_thread(void *arg)
{
	pid_t pid;
	int status;

	(void)arg;
	pid = fork();
	if (pid == 0)
		_exit(forked_child_checks());
	if (pid < 0)
		return (void *)-1L;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return (void *)-2L;
	return (void *)(intptr_t)status;
}

TEST(fork_from_a_threaded_process_copies_only_the_caller)
{
	long before[4];
	pthread_t t;
	pid_t pid;

	start_idlers(4);
	for (int from_thread = 0; from_thread < 2; from_thread++) {
		for (int i = 0; i < 4; i++)
			before[i] = loops_of(i);
		if (from_thread) {
			start_thread(&t, fork_from_thread, NULL);
			CHECK(exited_with((int)(intptr_t)join(t), 0));
		} else {
			pid = fork();
			REQUIRE(pid >= 0);
			if (pid == 0)
				_exit(forked_child_checks());
			CHECK(exited_with(wait_status(pid), 0));
		}
		/* Our own threads kept running all along. */
		for (int i = 0; i < 4; i++)
			CHECK(EVENTUALLY(loops_of(i) > before[i] + 10));
	}
	stop_idlers(4);
}

TEST_CHILD(exec_alone)
{
	/* argv: the pid we must have kept, then tids that must be gone. */
	pid_t pid;
	int ok = 1;

	if (argc < 1)
		return 2;
	pid = atoi(argv[0]);
	ok &= CHECK_EQ(getpid(), pid);
	ok &= CHECK_EQ(gettid_(), pid);
	for (int i = 1; i < argc; i++)
		ok &= CHECK_ERR(syscall(SYS_tgkill, pid, atoi(argv[i]), 0), ESRCH);
	return ok ? 0 : 1;
}

/* Exec ourselves as exec_alone, naming the threads that must not survive. */
static void exec_alone(void)
{
	char arg[MAX_IDLERS + 2][16];
	char *argv[MAX_IDLERS + 6];
	int n = 0, a = 0;

	snprintf(arg[n++], 16, "%d", (int)getpid());
	for (int i = 0; i < 4; i++)
		snprintf(arg[n++], 16, "%d", (int)idlers[i].tid);
	if (gettid_() != getpid())	/* our own tid goes: we take the pid */
		snprintf(arg[n++], 16, "%d", (int)gettid_());
	argv[a++] = (char *)utest_argv0;
	argv[a++] = "--child";
	argv[a++] = "exec_alone";
	for (int i = 0; i < n; i++)
		argv[a++] = arg[i];
	argv[a] = NULL;
	execv(utest_argv0, argv);
	_exit(100);
}

static void *exec_from_thread(void *arg)
{
	(void)arg;
	exec_alone();
	return NULL;
}

TEST(execve_from_any_thread_ends_the_other_threads)
{
	for (int from_thread = 0; from_thread < 2; from_thread++) {
		pid_t pid = fork();

		REQUIRE(pid >= 0);
		if (pid == 0) {
			pthread_t t;

			alarm(10);
			start_idlers(4);
			if (!from_thread)
				exec_alone();
			if (pthread_create(&t, NULL, exec_from_thread, NULL) != 0)
				_exit(101);
			pthread_join(t, NULL);	/* execve ends this thread too */
			_exit(102);
		}
		CHECK(exited_with(wait_status(pid), 0));
	}
}

/* ---- memory shared between threads ----------------------------------- */

static uint64_t *region;		/* seen as words: a byte-wise check, done faster */
static size_t region_pages;
static int fault_threads;

#define WORDS (PAGE / 8)

static uint64_t pattern(size_t page, size_t word)
{
	return (page << 20 | word) * 0x9e3779b97f4a7c15ULL;
}

/* Fill count pages from first on, every stride-th one. */
static void fill_pages(size_t first, size_t count, size_t stride)
{
	for (size_t k = 0, page = first; k < count; k++, page += stride)
		for (size_t w = 0; w < WORDS; w++)
			region[page * WORDS + w] = pattern(page, w);
}

static void *quarter_writer(void *arg)
{
	size_t i = (size_t)arg, per = region_pages / fault_threads;

	pthread_barrier_wait(&barrier);
	fill_pages(i * per, per, 1);
	return NULL;
}

static void *interleaved_writer(void *arg)
{
	size_t i = (size_t)arg;

	pthread_barrier_wait(&barrier);
	fill_pages(i, region_pages / fault_threads, fault_threads);
	return NULL;
}

/* Every thread writes its own word of every page: the same faults, at once. */
static void *same_page_writer(void *arg)
{
	size_t i = (size_t)arg;

	pthread_barrier_wait(&barrier);
	for (size_t page = 0; page < region_pages; page++)
		((volatile uint64_t *)region)[page * WORDS + i] = pattern(page, i);
	return NULL;
}

static void run_fault_threads(void *(*fn)(void *), int n, size_t pages)
{
	pthread_t t[16];

	region_pages = pages;
	fault_threads = n;
	region = mmap(NULL, pages * PAGE, RW, ANON, -1, 0);
	REQUIRE(region != MAP_FAILED);
	REQUIRE(pthread_barrier_init(&barrier, NULL, n) == 0);
	for (int i = 0; i < n; i++)
		start_thread(&t[i], fn, (void *)(intptr_t)i);
	for (int i = 0; i < n; i++)
		join(t[i]);
	pthread_barrier_destroy(&barrier);
}

/* Pages whose first `words' words differ from the pattern or whose rest is not zero. */
static size_t wrong_pages(size_t words)
{
	size_t bad = 0;

	for (size_t page = 0; page < region_pages; page++)
		for (size_t w = 0; w < WORDS; w++)
			if (region[page * WORDS + w] != (w < words ? pattern(page, w) : 0)) {
				bad++;
				break;
			}
	return bad;
}

TEST(parallel_page_faults_on_one_fresh_region)
{
	/* 8 MiB in quarters, one per thread. */
	run_fault_threads(quarter_writer, 4, 2048);
	CHECK_EQ(wrong_pages(WORDS), 0);
	CHECK_EQ(munmap(region, region_pages * PAGE), 0);

	/* 8 MiB, page i by thread i % 8: neighbours fault together. */
	run_fault_threads(interleaved_writer, 8, 2048);
	CHECK_EQ(wrong_pages(WORDS), 0);
	CHECK_EQ(munmap(region, region_pages * PAGE), 0);

	/* 4 MiB, 8 threads each writing every page: no write may be lost. */
	run_fault_threads(same_page_writer, 8, 1024);
	CHECK_EQ(wrong_pages(8), 0);
	CHECK_EQ(munmap(region, region_pages * PAGE), 0);
}

/*
 * A toucher thread reads and writes back a known pattern all over a
 * region while the main thread unmaps (or write-protects) it.  Once the
 * main thread has said the call returned, no access may succeed any more:
 * a stale TLB entry in another CPU would let it.
 */
#define TOUCH_PAGES 16
#define TOUCH_PATTERN 0xa5a5a5a5a5a5a5a5ULL
static volatile uint64_t *touch_region;
static atomic_int touch_changed;	/* munmap/mprotect has returned */
static atomic_long touch_passes, touch_late, touch_wrong;
static sigjmp_buf touch_jump;
static void *volatile touch_fault_addr;
static volatile int touch_fault_code;
static _Atomic pid_t touch_fault_tid, toucher_tid;

static void touch_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	touch_fault_addr = si->si_addr;
	touch_fault_code = si->si_code;
	atomic_store(&touch_fault_tid, gettid_());
	siglongjmp(touch_jump, 1);
}

static void *toucher(void *arg)
{
	int write = (int)(intptr_t)arg;

	atomic_store(&toucher_tid, gettid_());
	if (sigsetjmp(touch_jump, 1))
		return (void *)1;	/* faulted */
	for (;;) {
		for (size_t i = 0; i < TOUCH_PAGES * PAGE / 8; i += 64) {
			int changed = atomic_load(&touch_changed);

			atomic_signal_fence(memory_order_seq_cst);
			uint64_t v = touch_region[i];

			if (v != TOUCH_PATTERN)
				atomic_fetch_add(&touch_wrong, 1);
			if (write)
				touch_region[i] = TOUCH_PATTERN;
			atomic_signal_fence(memory_order_seq_cst);
			/* Worked after the change: give up soon rather than hang. */
			if (changed && atomic_fetch_add(&touch_late, 1) >= 100)
				return (void *)2;
		}
		atomic_fetch_add(&touch_passes, 1);
	}
}

static void start_toucher(pthread_t *t, int write)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = touch_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	REQUIRE(sigaction(SIGSEGV, &sa, NULL) == 0);
	touch_region = mmap(NULL, TOUCH_PAGES * PAGE, RW, ANON, -1, 0);
	REQUIRE(touch_region != MAP_FAILED);
	for (size_t i = 0; i < TOUCH_PAGES * PAGE / 8; i++)
		touch_region[i] = TOUCH_PATTERN;
	atomic_store(&touch_changed, 0);
	atomic_store(&touch_passes, 0);
	atomic_store(&touch_fault_tid, 0);
	touch_fault_addr = NULL;
	start_thread(t, toucher, (void *)(intptr_t)write);
	REQUIRE(EVENTUALLY(atomic_load(&touch_passes) >= 2));
}

TEST(munmap_in_one_thread_stops_another_thread_touching)
{
	for (int round = 0; round < 20; round++) {
		char *base;
		pthread_t t;
		int zero = 1;

		start_toucher(&t, 1);
		base = (char *)touch_region;
		REQUIRE(munmap(base, TOUCH_PAGES * PAGE) == 0);
		atomic_store(&touch_changed, 1);
		CHECK_EQ((intptr_t)join(t), 1);
		CHECK(touch_fault_addr >= (void *)base && touch_fault_addr < (void *)(base + TOUCH_PAGES * PAGE));
		CHECK_EQ(touch_fault_code, SEGV_MAPERR);
		/* A fault is signalled to the thread that made it. */
		CHECK_EQ(touch_fault_tid, toucher_tid);

		/* The same range mapped again is fresh zeroed memory. */
		REQUIRE(mmap(base, TOUCH_PAGES * PAGE, RW, ANON | MAP_FIXED, -1, 0) == base);
		for (size_t i = 0; i < TOUCH_PAGES * PAGE; i++)
			zero &= base[i] == 0;
		CHECK(zero);
		CHECK_EQ(munmap(base, TOUCH_PAGES * PAGE), 0);
		if (!CHECK_EQ(atomic_load(&touch_late), 0) || !CHECK_EQ(atomic_load(&touch_wrong), 0))
			break;
	}
}

TEST(mprotect_in_one_thread_stops_another_thread_writing)
{
	for (int round = 0; round < 20; round++) {
		char *base;
		pthread_t t;
		int intact = 1;

		start_toucher(&t, 1);
		base = (char *)touch_region;
		REQUIRE(mprotect(base, TOUCH_PAGES * PAGE, PROT_READ) == 0);
		atomic_store(&touch_changed, 1);
		CHECK_EQ((intptr_t)join(t), 1);
		CHECK(touch_fault_addr >= (void *)base && touch_fault_addr < (void *)(base + TOUCH_PAGES * PAGE));
		CHECK_EQ(touch_fault_code, SEGV_ACCERR);
		CHECK_EQ(touch_fault_tid, toucher_tid);
		/* Still readable, with what was written before. */
		for (size_t i = 0; i < TOUCH_PAGES * PAGE / 8; i++)
			intact &= touch_region[i] == TOUCH_PATTERN;
		CHECK(intact);
		CHECK_EQ(munmap(base, TOUCH_PAGES * PAGE), 0);
		if (!CHECK_EQ(atomic_load(&touch_late), 0) || !CHECK_EQ(atomic_load(&touch_wrong), 0))
			break;
	}
}

/* ---- raw clone and CLONE_CHILD_CLEARTID ------------------------------ */

/*
 * raw_clone(flags, stack_top, ptid, ctid, tls, fn, arg): clone(2) itself.
 * The child starts on stack_top with nothing of libc around it, calls
 * fn(arg) and ends with SYS_exit(return value).  Returns the child's tid,
 * or -errno, in the parent.
 */
long raw_clone(unsigned long flags, void *stack_top, volatile int *ptid, volatile int *ctid,
	       void *tls, int (*fn)(void *), void *arg);
__asm__(".text\n"
	".globl raw_clone\n"
	".type raw_clone, @function\n"
	"raw_clone:\n"
	"	mov 8(%rsp), %rax\n"	/* arg: the 7th argument, on the stack */
	"	sub $16, %rsi\n"
	"	mov %rax, 8(%rsi)\n"	/* the child pops fn, then arg */
	"	mov %r9, (%rsi)\n"
	"	mov %rcx, %r10\n"	/* syscalls take the 4th argument in r10 */
	"	mov $56, %eax\n"	/* SYS_clone */
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	xor %ebp, %ebp\n"
	"	pop %rax\n"
	"	pop %rdi\n"
	"	and $-16, %rsp\n"
	"	call *%rax\n"
	"	mov %eax, %edi\n"
	"	mov $60, %eax\n"	/* SYS_exit */
	"	syscall\n"
	"	hlt\n"
	"1:	ret\n"
	".size raw_clone, .-raw_clone\n");

static inline long rsys(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

struct raw_child {
	int pipe_w;
	atomic_int go;
	volatile int *tidp;
	pid_t tid, pid, tid_seen;
	void *fs0;		/* %fs:0 as the child sees it */
};

/* Runs with a TLS block of its own and no libc: raw system calls only. */
static int raw_child_main(void *arg)
{
	struct raw_child *c = arg;
	struct timespec nap = { 0, 50 * 1000000L };
	void *fs0;

	__asm__ volatile("mov %%fs:0, %0" : "=r"(fs0));
	c->fs0 = fs0;
	c->tid = rsys(SYS_gettid, 0, 0, 0, 0, 0, 0);
	c->pid = rsys(SYS_getpid, 0, 0, 0, 0, 0, 0);
	c->tid_seen = *c->tidp;
	rsys(SYS_write, c->pipe_w, (long)"!", 1, 0, 0, 0);
	while (atomic_load(&c->go) == 0)
		rsys(SYS_futex, (long)&c->go, FUTEX_WAIT, 0, 0, 0, 0);
	/* Linger, so the parent is asleep on the tid word when we exit. */
	rsys(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
	return 0;
}

static volatile int raw_tid_word = -1;

TEST(clone_child_cleartid_wakes_the_joiner)
{
	enum { STACK = 64 * 1024 };
	const unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
				    CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
				    CLONE_CHILD_CLEARTID;
	static void *tls_block[64];	/* x86-64 TLS: the first word points to itself */
	struct raw_child c;
	int p[2], v, waits = 0;
	char *stack, ch;
	long tid;

	REQUIRE(pipe(p) == 0);
	stack = mmap(NULL, STACK, RW, ANON, -1, 0);
	REQUIRE(stack != MAP_FAILED);
	tls_block[0] = tls_block;
	memset(&c, 0, sizeof(c));
	c.pipe_w = p[1];
	c.tidp = &raw_tid_word;

	/* ptid and ctid are one word, as in glibc: set at start, cleared at exit. */
	tid = raw_clone(flags, stack + STACK, &raw_tid_word, &raw_tid_word, tls_block,
			raw_child_main, &c);
	REQUIRE(CHECK(tid > 0));
	CHECK_EQ(raw_tid_word, tid);	/* CLONE_PARENT_SETTID: before clone returned */
	CHECK_EQ(read(p[0], &ch, 1), 1);
	CHECK_EQ(c.tid, tid);
	CHECK(tid != getpid());
	CHECK_EQ(c.pid, getpid());
	CHECK_EQ(c.tid_seen, tid);
	CHECK(c.fs0 == (void *)tls_block);	/* CLONE_SETTLS */
	CHECK(tid_alive(tid));

	/* Release it, then sleep on the tid word until the kernel clears it. */
	atomic_store(&c.go, 1);
	syscall(SYS_futex, &c.go, FUTEX_WAKE, 1, NULL, NULL, 0);
	while ((v = raw_tid_word) != 0) {
		struct timespec limit = { 5, 0 };

		waits++;
		if (syscall(SYS_futex, &raw_tid_word, FUTEX_WAIT, v, &limit, NULL, 0) == -1 &&
		    !CHECK(errno != ETIMEDOUT))
			break;
	}
	CHECK_EQ(raw_tid_word, 0);
	CHECK(waits >= 1);
	/* SYS_exit ended that thread only: we go on, and it is reaped alone. */
	CHECK(EVENTUALLY(!tid_alive(tid)));
	CHECK_EQ(munmap(stack, STACK), 0);
	CHECK_EQ(gettid_(), getpid());
}
