/*
 * Time: clocks, sleeping, and sched_yield.
 *
 * Only lower bounds on elapsed time are checked ("slept at least 10 ms"):
 * a loaded machine may always be slower, never faster.
 */
#include "utest.h"

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000L
#define NS 1000000000LL

static long long now_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts) != 0)
		return -1;
	return ts.tv_sec * NS + ts.tv_nsec;
}

TEST(clock_monotonic_never_goes_backwards)
{
	struct timespec prev, cur;

	REQUIRE(clock_gettime(CLOCK_MONOTONIC, &prev) == 0);
	for (int i = 0; i < 10000; i++) {
		REQUIRE(clock_gettime(CLOCK_MONOTONIC, &cur) == 0);
		if (!CHECK(cur.tv_nsec >= 0 && cur.tv_nsec < NS))
			break;
		if (!CHECK(cur.tv_sec > prev.tv_sec ||
			   (cur.tv_sec == prev.tv_sec && cur.tv_nsec >= prev.tv_nsec)))
			break;
		prev = cur;
	}
	/* Also through the system call itself (musl may use the vDSO). */
	struct timespec a, b;
	CHECK_EQ(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a), 0);
	CHECK_EQ(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b), 0);
	CHECK(b.tv_sec * NS + b.tv_nsec >= a.tv_sec * NS + a.tv_nsec);
}

TEST(clock_gettime_rejects_unknown_clock)
{
	struct timespec ts;

	CHECK_ERR(syscall(SYS_clock_gettime, 1000, &ts), EINVAL);
	CHECK_ERR(syscall(SYS_clock_getres, 1000, &ts), EINVAL);
	/* The resolution of the monotonic clock is under a second. */
	CHECK_EQ(syscall(SYS_clock_getres, CLOCK_MONOTONIC, &ts), 0);
	CHECK(ts.tv_sec == 0 && ts.tv_nsec > 0);
}

TEST(nanosleep_advances_monotonic_clock)
{
	struct timespec req = { 0, 10 * MS };
	long long t0 = now_ns(CLOCK_MONOTONIC), t1;

	CHECK_EQ(syscall(SYS_nanosleep, &req, NULL), 0);
	t1 = now_ns(CLOCK_MONOTONIC);
	CHECK(t1 - t0 >= 10 * MS);
	/* The request is not modified. */
	CHECK(req.tv_sec == 0 && req.tv_nsec == 10 * MS);
}

TEST(realtime_agrees_with_time_and_gettimeofday)
{
	struct timespec ts;
	struct timeval tv;
	time_t t1, t2;

	t1 = time(NULL);
	CHECK_EQ(clock_gettime(CLOCK_REALTIME, &ts), 0);
	CHECK_EQ(gettimeofday(&tv, NULL), 0);
	t2 = time(NULL);
	CHECK(t2 >= t1);
	/*
	 * time() counts whole seconds that may lag the fine clock by a
	 * tick, so allow one second either way.
	 */
	CHECK(ts.tv_sec >= t1 - 1 && ts.tv_sec <= t2 + 1);
	CHECK(tv.tv_sec >= t1 - 1 && tv.tv_sec <= t2 + 1);
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	CHECK(tv.tv_sec >= ts.tv_sec);
	/* The raw time system call agrees and also fills its argument. */
	time_t raw = 0;
	CHECK(syscall(SYS_time, &raw) >= t1);
	CHECK(raw >= t1);
}

TEST(nanosleep_rejects_invalid_timespec)
{
	struct timespec big = { 0, NS }, negns = { 0, -1 }, negs = { -1, 0 };

	CHECK_ERR(syscall(SYS_nanosleep, &big, NULL), EINVAL);
	CHECK_ERR(syscall(SYS_nanosleep, &negns, NULL), EINVAL);
	CHECK_ERR(syscall(SYS_nanosleep, &negs, NULL), EINVAL);
	CHECK_ERR(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &big, NULL), EINVAL);
	CHECK_ERR(syscall(SYS_clock_nanosleep, 1000, 0, &big, NULL), EINVAL);
	CHECK_ERR(syscall(SYS_nanosleep, NULL, NULL), EFAULT);
	/* A zero sleep is fine. */
	struct timespec zero = { 0, 0 };
	CHECK_EQ(syscall(SYS_nanosleep, &zero, NULL), 0);
}

TEST(clock_nanosleep_relative_and_absolute)
{
	struct timespec req = { 0, 10 * MS }, target;
	long long t0, t1;

	/* musl's clock_nanosleep returns the error number, not -1. */
	t0 = now_ns(CLOCK_MONOTONIC);
	CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL), 0);
	t1 = now_ns(CLOCK_MONOTONIC);
	CHECK(t1 - t0 >= 10 * MS);

	/* Absolute: sleep until the clock reads target. */
	t0 = now_ns(CLOCK_MONOTONIC) + 15 * MS;
	target.tv_sec = t0 / NS;
	target.tv_nsec = t0 % NS;
	CHECK_EQ(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL), 0);
	CHECK(now_ns(CLOCK_MONOTONIC) >= t0);

	/* A target in the past returns at once. */
	target.tv_sec = 0;
	target.tv_nsec = 1;
	CHECK_EQ(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL), 0);

	/* CLOCK_REALTIME works too. */
	t0 = now_ns(CLOCK_REALTIME) + 5 * MS;
	target.tv_sec = t0 / NS;
	target.tv_nsec = t0 % NS;
	CHECK_EQ(syscall(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &target, NULL), 0);
	CHECK(now_ns(CLOCK_REALTIME) >= t0);
}

/*
 * SIGALRM every 20 ms until stopped: whichever tick comes while the
 * process sleeps interrupts it, even if the first one came too early.
 */
static volatile sig_atomic_t ticks;

static void on_tick(int sig)
{
	(void)sig;
	ticks++;
}

static void start_ticker(int flags)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tick;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	REQUIRE(sigaction(SIGALRM, &sa, NULL) == 0);
	REQUIRE(setitimer(ITIMER_REAL, &it, NULL) == 0);
}

static void stop_ticker(void)
{
	struct itimerval off;

	memset(&off, 0, sizeof(off));
	setitimer(ITIMER_REAL, &off, NULL);
	alarm(utest_timeout);	/* the library's watchdog again */
}

TEST(nanosleep_interrupted_by_signal_reports_remaining_time)
{
	struct timespec req = { 0, 100 * MS }, rem = { 99, 99 };
	long r;
	int err;

	start_ticker(0);
	r = syscall(SYS_nanosleep, &req, &rem);
	err = errno;
	stop_ticker();
	CHECK_EQ(r, -1);
	CHECK_EQ(err, EINTR);
	CHECK(ticks >= 1);
	/* What was left: more than nothing, no more than asked for. */
	CHECK_EQ(rem.tv_sec, 0);
	CHECK(rem.tv_nsec > 0 && rem.tv_nsec <= 100 * MS);
}

TEST(nanosleep_is_not_restarted_even_with_sa_restart)
{
	struct timespec req = { 0, 100 * MS }, rem;
	long r;
	int err;

	/* Sleeps return EINTR whatever SA_RESTART says. */
	start_ticker(SA_RESTART);
	r = syscall(SYS_nanosleep, &req, &rem);
	err = errno;
	stop_ticker();
	CHECK_EQ(r, -1);
	CHECK_EQ(err, EINTR);
	CHECK(rem.tv_nsec > 0 && rem.tv_nsec <= 100 * MS);
}

TEST(sched_yield_returns_zero)
{
	for (int i = 0; i < 100; i++)
		if (!CHECK_EQ(sched_yield(), 0))
			break;
	CHECK_EQ(syscall(SYS_sched_yield), 0);
}
