/*
 * Threads and the process they form: exit of one thread and of the whole
 * group, process- and thread-directed signals, fork and execve from a
 * threaded process.  The kernel's side: thread groups (one pid, a tid per
 * thread), the process-wide pending set, execve taking over the leader's
 * pid.  Creation, synchronisation and TLS are in threads.c; memory shared
 * between threads and raw clone in thread_memory.c.
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

/* musl's headers have no <linux/futex.h>. */
#define FUTEX_WAIT 0

/* ---- helpers --------------------------------------------------------- */

static void thread_mask(int how, int sig)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	pthread_sigmask(how, &s, NULL);
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

/* A thread that just computes: its result shows it ran. */
static void *times_three_plus_one(void *arg)
{
	return (void *)((intptr_t)arg * 3 + 1);
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
