/*
 * CPU time: what `time`, clock(), ps's TIME and top's %CPU rest on.  A
 * busy loop is user time, reading /dev/zero is system time, sleeping is
 * neither; a process's time includes its exited threads'; a child's time
 * (and its own children's) joins its parent's when the parent waits for
 * it, in wait4's rusage, RUSAGE_CHILDREN and times()'s cutime; /proc
 * shows the same figures.  Every amount is a lower bound with room for a
 * loaded machine: a thread spins until its own CPU clock has moved on by
 * SPIN, and the other measures must then show most of it.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SPIN 0.25		/* seconds of CPU time each busy loop uses */
#define MOST (0.8 * SPIN)	/* what must show of it elsewhere */
#define SPIN_WALL_MAX 30.0	/* a CPU clock that does not get there in this long is stuck */

static double cpu_clock(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts) != 0) {
		utest_fail(__FILE__, __LINE__, "clock_gettime(%d): errno %d", (int)clock, errno);
		utest_abort();
	}
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double tv_seconds(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* getrusage(who)'s user and system time, in seconds. */
static void rusage_times(int who, double *user, double *system)
{
	struct rusage ru;

	if (getrusage(who, &ru) != 0) {
		utest_fail(__FILE__, __LINE__, "getrusage(%d): errno %d", who, errno);
		utest_abort();
	}
	*user = tv_seconds(ru.ru_utime);
	*system = tv_seconds(ru.ru_stime);
}

/* Compute, in user mode, until this thread's CPU clock has moved on by seconds; false if stuck. */
static int spin_user(double seconds)
{
	double start = cpu_clock(CLOCK_THREAD_CPUTIME_ID), wall = now();
	volatile unsigned long x = 0;

	while (cpu_clock(CLOCK_THREAD_CPUTIME_ID) - start < seconds) {
		if (now() - wall > SPIN_WALL_MAX)
			return 0;
		for (unsigned long i = 0; i < 200000; i++)	/* mostly user mode, few clock reads */
			x += i * i;
	}
	return 1;
}

/* Make the kernel work (clearing buffers) until this thread's CPU clock has moved on by seconds. */
static int spin_kernel(double seconds)
{
	static char buf[1 << 20];
	double start = cpu_clock(CLOCK_THREAD_CPUTIME_ID), wall = now();
	int fd = open("/dev/zero", O_RDONLY);
	int ok = fd >= 0;

	while (ok && cpu_clock(CLOCK_THREAD_CPUTIME_ID) - start < seconds) {
		ok = read(fd, buf, sizeof(buf)) == sizeof(buf) && now() - wall <= SPIN_WALL_MAX;
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

TEST(a_busy_loop_is_user_time)
{
	double u0, s0, u1, s1, wall = now(), thread0 = cpu_clock(CLOCK_THREAD_CPUTIME_ID);

	rusage_times(RUSAGE_SELF, &u0, &s0);
	REQUIRE(spin_user(SPIN));
	rusage_times(RUSAGE_SELF, &u1, &s1);
	if (u1 - u0 < MOST || s1 - s0 > (u1 - u0) / 4)
		CHECK(!"getrusage: a busy loop shows as user time");
	utest_printf("# user %.3f s, system %.3f s\n", u1 - u0, s1 - s0);
	/* One thread cannot run longer than the wall clock. */
	CHECK(cpu_clock(CLOCK_THREAD_CPUTIME_ID) - thread0 <= now() - wall + 0.02);
}

TEST(reading_dev_zero_is_system_time)
{
	double u0, s0, u1, s1;

	rusage_times(RUSAGE_THREAD, &u0, &s0);
	REQUIRE(spin_kernel(SPIN));
	rusage_times(RUSAGE_THREAD, &u1, &s1);
	utest_printf("# user %.3f s, system %.3f s\n", u1 - u0, s1 - s0);
	CHECK(s1 - s0 >= SPIN / 2);
	CHECK(s1 - s0 > u1 - u0);
}

TEST(sleeping_uses_no_cpu_time)
{
	double process0 = cpu_clock(CLOCK_PROCESS_CPUTIME_ID), thread0 = cpu_clock(CLOCK_THREAD_CPUTIME_ID);
	clock_t clock0 = clock(), ticks0 = times(NULL);
	long hz = sysconf(_SC_CLK_TCK);

	sleep_ms(300);
	CHECK(cpu_clock(CLOCK_PROCESS_CPUTIME_ID) - process0 < 0.05);
	CHECK(cpu_clock(CLOCK_THREAD_CPUTIME_ID) - thread0 < 0.05);
	CHECK((double)(clock() - clock0) / CLOCKS_PER_SEC < 0.05);
	/* times() returns the clock, in ticks: that moved on. */
	CHECK_EQ(hz, 100);
	CHECK(times(NULL) - ticks0 >= 29);
}

TEST(clock_times_and_getrusage_agree)
{
	struct tms tms;
	double user, system, process;
	clock_t c;

	REQUIRE(spin_user(SPIN));
	CHECK(times(&tms) != (clock_t)-1);
	rusage_times(RUSAGE_SELF, &user, &system);
	c = clock();
	process = cpu_clock(CLOCK_PROCESS_CPUTIME_ID);
	CHECK(user >= MOST);
	/* Ticks are 1/100 s and cut off, not rounded. */
	CHECK(tms.tms_utime / 100.0 <= user + 0.011 && tms.tms_utime / 100.0 >= user - 0.03);
	CHECK(tms.tms_stime / 100.0 <= system + 0.011);
	CHECK((double)c / CLOCKS_PER_SEC >= user + system - 0.011);
	CHECK(process >= (double)c / CLOCKS_PER_SEC);
	CHECK(process <= user + system + 0.05);
}

static void *spinning_thread(void *arg)
{
	(void)arg;
	return (void *)(long)spin_user(SPIN);
}

TEST(a_process_keeps_its_exited_threads_time)
{
	double process0 = cpu_clock(CLOCK_PROCESS_CPUTIME_ID), thread0 = cpu_clock(CLOCK_THREAD_CPUTIME_ID);
	double u0, s0, u1, s1;
	pthread_t t[2];

	rusage_times(RUSAGE_SELF, &u0, &s0);
	for (int i = 0; i < 2; i++)
		start_thread(&t[i], spinning_thread, NULL);
	for (int i = 0; i < 2; i++)
		CHECK(join(t[i]) == (void *)1L);
	rusage_times(RUSAGE_SELF, &u1, &s1);
	utest_printf("# user %.3f s, system %.3f s\n", u1 - u0, s1 - s0);
	CHECK(cpu_clock(CLOCK_PROCESS_CPUTIME_ID) - process0 >= 2 * SPIN);
	CHECK(u1 - u0 >= 2 * MOST);
	/* The waiting thread's own clock hardly moved. */
	CHECK(cpu_clock(CLOCK_THREAD_CPUTIME_ID) - thread0 < SPIN / 2);
}

static int spin_then_exit(int child_spins)
{
	pid_t pid;

	if (child_spins) {	/* a grandchild spins too, and is waited for */
		pid = fork();
		if (pid == 0)
			_exit(spin_user(SPIN) ? 0 : 1);
		if (pid < 0 || !exited_with(wait_status(pid), 0))
			return 1;
	}
	return spin_user(SPIN) ? 0 : 1;
}

TEST(a_childs_time_joins_its_parents_when_waited_for)
{
	double cu0, cs0, cu1, cs1;
	struct tms tms0, tms1;
	struct rusage ru;
	siginfo_t si;
	int status;
	pid_t pid;

	rusage_times(RUSAGE_CHILDREN, &cu0, &cs0);
	times(&tms0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0)
		_exit(spin_then_exit(1));
	/* Ended but not waited for: not counted yet. */
	CHECK_OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
	rusage_times(RUSAGE_CHILDREN, &cu1, &cs1);
	CHECK(cu1 - cu0 < 0.01);
	CHECK_EQ(wait4(pid, &status, 0, &ru), pid);
	CHECK(exited_with(status, 0));
	/* wait4's rusage: the child's own time and its grandchild's. */
	utest_printf("# wait4: user %.3f s, system %.3f s\n", tv_seconds(ru.ru_utime),
		     tv_seconds(ru.ru_stime));
	CHECK(tv_seconds(ru.ru_utime) >= 2 * MOST);
	rusage_times(RUSAGE_CHILDREN, &cu1, &cs1);
	CHECK(cu1 - cu0 >= 2 * MOST);
	CHECK(cu1 - cu0 <= tv_seconds(ru.ru_utime) + 0.001);
	times(&tms1);
	CHECK(tms1.tms_cutime - tms0.tms_cutime >= 2 * MOST * 100);
	/* None of it is the parent's own. */
	CHECK(tms1.tms_utime - tms0.tms_utime < 2 * MOST * 100 / 4);
}

/*
 * The nth number of the line of path that starts with prefix: counted
 * after the name in parentheses and the state letter if the line has them
 * (/proc/PID/stat), else after the prefix (/proc/stat).
 */
static unsigned long long stat_field(const char *path, const char *prefix, int n)
{
	char line[1024], *p = NULL;
	unsigned long long v = 0;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, prefix, strlen(prefix)) == 0) {
			p = strrchr(line, ')') ? strrchr(line, ')') + 3 : line + strlen(prefix);
			break;
		}
	if (f)
		fclose(f);
	if (!p) {
		utest_fail(__FILE__, __LINE__, "%s: no line starting \"%s\"", path, prefix);
		utest_abort();
	}
	for (int i = 0; i < n; i++)
		v = strtoull(p, &p, 10);
	return v;
}

TEST(proc_shows_the_time)
{
	struct tms tms;
	unsigned long long utime0, all_user0, utime1, all_user1, stime1;

	if (access("/proc/self/stat", R_OK) != 0)
		utest_skip("/proc is not mounted");
	/* /proc/PID/stat: after "pid (comm) state", utime (field 14) is the 11th number. */
	utime0 = stat_field("/proc/self/stat", "", 11);
	all_user0 = stat_field("/proc/stat", "cpu ", 1);
	REQUIRE(spin_user(SPIN));
	utime1 = stat_field("/proc/self/stat", "", 11);
	stime1 = stat_field("/proc/self/stat", "", 12);
	all_user1 = stat_field("/proc/stat", "cpu ", 1);
	times(&tms);
	utest_printf("# /proc/self/stat utime +%llu, /proc/stat user +%llu (1/100 s)\n",
		     utime1 - utime0, all_user1 - all_user0);
	CHECK(utime1 - utime0 >= MOST * 100);
	CHECK(all_user1 - all_user0 >= MOST * 100);
	/* The same figures as times() (a tick apart at most, read a moment later). */
	CHECK(utime1 + stime1 <= (unsigned long long)(tms.tms_utime + tms.tms_stime));
	CHECK(utime1 + stime1 + 2 >= (unsigned long long)(tms.tms_utime + tms.tms_stime));
}
