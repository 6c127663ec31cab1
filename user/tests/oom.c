/*
 * The out-of-memory killer.  Anonymous memory is promised at mmap() and
 * paid for at the first store to each page; when no page is left (no
 * swap, nothing clean left to reclaim), the kernel must pick a process,
 * the one holding the most memory, and kill it with SIGKILL, counting
 * the kill in /proc/vmstat's oom_kill, and then go on working.
 *
 * Running the machine out of memory is dangerous on a real machine (the
 * host's tests run every program): each test skips itself unless
 * TEST_OOM=1.  The harness sets it in a guest of its own.
 */
#include "utest.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define MiB (1024 * 1024L)
/* Emulated, filling a few hundred MiB page by page takes a while. */
#define SLOW 120
/* An allocating child's exit status when mmap itself fails: no OOM kill came. */
#define MMAP_FAILED 3

static void only_when_asked(void)
{
	const char *on = getenv("TEST_OOM");

	if (!on || strcmp(on, "1") != 0)
		utest_skip("runs the machine out of memory: set TEST_OOM=1");
	utest_timeout = SLOW;
	utest_watchdog();
}

static long oom_kills(void)
{
	return vmstat_value("oom_kill");
}

/*
 * Map len bytes of anonymous memory and store into every page, so that
 * each one really takes a page frame (a load would map the zero page).
 * NULL if mmap fails.
 */
static char *touched_memory(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	for (size_t off = 0; off < len; off += PAGE)
		p[off] = 1;
	return p;
}

/*
 * A child that is to hold memory until it is killed: it dies of SIGALRM
 * after a while instead if nothing kills it, so that it cannot outlive a
 * test that gave up on it, still holding its memory.
 */
static void expire_if_forgotten(void)
{
	alarm(utest_timeout);
}

/* For run_in_child: take memory 1 MiB at a time until the kernel kills us. */
static void allocate_forever(void *arg)
{
	(void)arg;
	expire_if_forgotten();
	for (long mib = 0;; mib++)
		if (!touched_memory(MiB)) {
			utest_printf("#     mmap failed after %ld MiB (errno %d, %s)\n", mib, errno,
				     strerror(errno));
			_exit(MMAP_FAILED);
		}
}

static void do_nothing(void *arg)
{
	(void)arg;
}

/* Run allocate_forever in a child: was it killed by SIGKILL?  Says how long that took. */
static int runaway_is_killed(void)
{
	double start = now();
	int status = run_in_child(allocate_forever, NULL);

	if (!CHECK(killed_by(status, SIGKILL))) {
		if (WIFEXITED(status))
			utest_printf("#     the allocating child exited with %d\n", WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			utest_printf("#     the allocating child died of signal %d (%s)\n",
				     WTERMSIG(status), strsignal(WTERMSIG(status)));
		return 0;
	}
	utest_printf("# the allocating child was killed after %.1f s\n", now() - start);
	return 1;
}

TEST(runaway_allocation_is_killed_and_the_system_goes_on)
{
	long before;
	char *p;

	only_when_asked();
	before = oom_kills();
	runaway_is_killed();
	CHECK(oom_kills() >= before + 1);
	/* The memory the victim held came back: a new process can have some. */
	p = touched_memory(4 * MiB);
	if (CHECK(p != NULL))
		CHECK_OK(munmap(p, 4 * MiB));
	CHECK(exited_with(run_in_child(do_nothing, NULL), 0));
}

/*
 * Start a child that takes len bytes and then sleeps holding them; returns
 * once it holds them all (it says so through a pipe).
 */
static pid_t start_holder(size_t len)
{
	int ready[2];
	pid_t pid;
	char c;

	REQUIRE(pipe(ready) == 0);
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		expire_if_forgotten();
		if (!touched_memory(len))
			_exit(MMAP_FAILED);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	REQUIRE(pid > 0);
	close(ready[1]);
	/* End of file instead: the holder died first. */
	REQUIRE(read(ready[0], &c, 1) == 1);
	close(ready[0]);
	return pid;
}

/*
 * Is child pid still running?  kill(pid, 0) alone would not tell: it
 * succeeds for a zombie too.  If it ended, it is reaped, and said how.
 */
static int still_running(pid_t pid)
{
	int status;
	pid_t r = waitpid(pid, &status, WNOHANG);

	if (r == pid && WIFSIGNALED(status))
		utest_printf("#     the holder died of signal %d (%s)\n", WTERMSIG(status),
			     strsignal(WTERMSIG(status)));
	else if (r == pid)
		utest_printf("#     the holder exited with %d\n", WEXITSTATUS(status));
	return CHECK_EQ(r, 0);
}

TEST(the_biggest_process_is_killed_not_a_smaller_one)
{
	long quarter, before;
	pid_t holder;

	only_when_asked();
	quarter = meminfo_kb("MemTotal") * 1024 / 4;
	holder = start_holder(quarter);
	before = oom_kills();
	/* The allocating child outgrows the holder long before memory runs out. */
	runaway_is_killed();
	CHECK(oom_kills() >= before + 1);
	CHECK_EQ(kill(holder, 0), 0);
	if (still_running(holder)) {
		CHECK_OK(kill(holder, SIGKILL));
		CHECK(killed_by(wait_status(holder), SIGKILL));
	}
}
