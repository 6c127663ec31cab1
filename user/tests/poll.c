/*
 * poll, ppoll, select and pselect: what pipes, closed descriptors and
 * regular files report, timeouts (and select's update of its timeout),
 * waking on another process's write, the signal masks of ppoll and
 * pselect, and poll's limit on nfds.
 *
 * Timing checks are loose (a timeout may end up to 25% early, a wake-up
 * may come seconds late) so that a slow emulator passes; what they catch
 * is a wait that never happened or one that ignored its event.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

/* ---- small helpers ----------------------------------------------------- */

/*
 * poll one descriptor for events: its revents.  poll's result must agree
 * with revents (1 if anything is reported, else 0).
 */
static short poll1(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events, .revents = 0x7fff };
	int r = poll(&p, 1, timeout_ms);

	CHECK_EQ(r, p.revents ? 1 : 0);
	return p.revents;
}

/*
 * Fork a child that sleeps ms, runs fn(arg) and exits (1 if a check
 * failed there): an event that comes while the caller waits.
 * run_in_child does not fit, since it waits for the child first.
 */
static pid_t later(long ms, void (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	REQUIRE(pid >= 0);
	if (pid == 0) {
		sleep_ms(ms);
		fn(arg);
		_exit(utest_failed() ? 1 : 0);
	}
	return pid;
}

static void reap(pid_t pid)
{
	CHECK(exited_with(wait_status(pid), 0));
}

static void write_to(void *fdp)
{
	CHECK_EQ(write(*(int *)fdp, "x", 1), 1);
}

static void signal_parent(void *unused)
{
	(void)unused;
	CHECK_OK(kill(getppid(), SIGUSR1));
}

static struct timespec ms_ts(long ms)
{
	return (struct timespec){ ms / 1000, ms % 1000 * 1000000L };
}

static double tv_secs(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/*
 * The select system call itself: musl's select() hands the kernel a copy
 * of the timeout, so the caller never sees the kernel update it.
 */
static int sys_select(int n, fd_set *r, fd_set *w, struct timeval *tv)
{
	return syscall(SYS_select, n, r, w, NULL, tv);
}

/* Fill a non-blocking pipe: writes larger than PIPE_BUF take every byte that fits. */
static void fill_pipe(int wfd)
{
	static char chunk[65536];
	long total = 0;
	ssize_t r;

	CHECK_OK(fcntl(wfd, F_SETFL, O_NONBLOCK));
	while ((r = write(wfd, chunk, sizeof(chunk))) > 0)
		REQUIRE((total += r) < 16L << 20);
	CHECK_EQ(errno, EAGAIN);
}

/* ---- pipes, closed descriptors, files ------------------------------------ */

TEST(pipe_read_end_reports_in_then_hup)
{
	char buf[4];
	int p[2];

	REQUIRE(pipe(p) == 0);
	/* Empty, with a writer: nothing to report, and timeout 0 does not wait. */
	CHECK_EQ(poll1(p[0], POLLIN, 0), 0);
	CHECK_EQ(write(p[1], "ab", 2), 2);
	CHECK_EQ(poll1(p[0], POLLIN, 0), POLLIN);
	/* Writer gone: POLLHUP (reported though not asked for), POLLIN while data remain. */
	close(p[1]);
	CHECK_EQ(poll1(p[0], POLLIN, 0), POLLIN | POLLHUP);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 2);
	CHECK_EQ(poll1(p[0], POLLIN, 0), POLLHUP);
	close(p[0]);
}

TEST(pipe_write_end_reports_out_err_and_full)
{
	int p[2];

	REQUIRE(pipe(p) == 0);
	CHECK_EQ(poll1(p[1], POLLOUT, 0), POLLOUT);
	/* No reader: POLLERR, and still POLLOUT since there is room. */
	close(p[0]);
	CHECK_EQ(poll1(p[1], POLLOUT, 0), POLLOUT | POLLERR);
	close(p[1]);

	REQUIRE(pipe(p) == 0);
	fill_pipe(p[1]);
	CHECK_EQ(poll1(p[1], POLLOUT, 0), 0);
	/* Full and no reader: POLLERR alone. */
	close(p[0]);
	CHECK_EQ(poll1(p[1], POLLOUT, 0), POLLERR);
	close(p[1]);
}

TEST(closed_fd_is_pollnval_and_negative_fd_is_ignored)
{
	struct pollfd p[2];
	int fd = dup(0);

	REQUIRE(fd >= 0);
	close(fd);
	p[0] = (struct pollfd){ .fd = fd, .events = POLLIN, .revents = 0x7fff };
	/* A negative fd is skipped, and its revents cleared. */
	p[1] = (struct pollfd){ .fd = -1, .events = POLLIN, .revents = 0x7fff };
	CHECK_EQ(poll(p, 2, 0), 1);
	CHECK_EQ(p[0].revents, POLLNVAL);
	CHECK_EQ(p[1].revents, 0);
}

TEST(regular_file_is_always_ready)
{
	int fd = open("poll_file", O_RDWR | O_CREAT | O_TRUNC, 0644);

	REQUIRE(fd >= 0);
	CHECK_EQ(poll1(fd, POLLIN | POLLOUT, 0), POLLIN | POLLOUT);
	close(fd);
	unlink("poll_file");
}

/* ---- waiting ------------------------------------------------------------- */

TEST(poll_wakes_when_another_process_writes)
{
	struct pollfd p = { .events = POLLIN };
	int fds[2];
	double start;
	pid_t pid;

	REQUIRE(pipe(fds) == 0);
	p.fd = fds[0];
	pid = later(100, write_to, &fds[1]);
	start = now();
	CHECK_EQ(poll(&p, 1, 5000), 1);
	CHECK_EQ(p.revents, POLLIN);
	/* It slept until the write, and woke on it rather than at the timeout. */
	CHECK(now() - start >= 0.05);
	CHECK(now() - start < 2);
	reap(pid);
}

TEST(poll_times_out_on_empty_pipe)
{
	double start, took;
	int p[2];

	REQUIRE(pipe(p) == 0);
	start = now();
	CHECK_EQ(poll1(p[0], POLLIN, 200), 0);
	took = now() - start;
	CHECK(took >= 0.15);
	CHECK(took < 2);
}

TEST(poll_nfds_above_rlimit_nofile_is_einval)
{
	struct rlimit rl;
	struct pollfd p[17];

	for (int i = 0; i < 17; i++)
		p[i] = (struct pollfd){ .fd = -1 };
	REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	rl.rlim_cur = 16;
	REQUIRE(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	/* The soft limit itself is allowed; one more is not. */
	CHECK_EQ(poll(p, 16, 0), 0);
	CHECK_ERR(poll(p, 17, 0), EINVAL);
}

/* ---- select --------------------------------------------------------------- */

TEST(select_keeps_only_ready_bits)
{
	int a[2], b[2], n, closed;
	fd_set r, w;

	REQUIRE(pipe(a) == 0 && pipe(b) == 0);
	n = (a[1] > b[1] ? a[1] : b[1]) + 1;
	CHECK_EQ(write(b[1], "x", 1), 1);
	FD_ZERO(&r);
	FD_SET(a[0], &r);
	FD_SET(b[0], &r);
	CHECK_EQ(select(n, &r, NULL, NULL, &(struct timeval){ 0, 0 }), 1);
	CHECK(!FD_ISSET(a[0], &r));
	CHECK(FD_ISSET(b[0], &r));

	/* Both write ends have room: the count is of bits set. */
	FD_ZERO(&w);
	FD_SET(a[1], &w);
	FD_SET(b[1], &w);
	CHECK_EQ(select(n, NULL, &w, NULL, &(struct timeval){ 0, 0 }), 2);
	CHECK(FD_ISSET(a[1], &w) && FD_ISSET(b[1], &w));

	/* A closed descriptor in a set fails the whole call. */
	closed = dup(0);
	REQUIRE(closed >= 0);
	close(closed);
	FD_ZERO(&r);
	FD_SET(b[0], &r);
	FD_SET(closed, &r);
	CHECK_ERR(select(n > closed ? n : closed + 1, &r, NULL, NULL, &(struct timeval){ 0, 0 }),
		  EBADF);
}

TEST(select_updates_timeout_with_time_left)
{
	struct timeval tv = { 0, 300000 };
	double start, took;
	int p[2];
	fd_set r;
	pid_t pid;

	REQUIRE(pipe(p) == 0);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	start = now();
	CHECK_EQ(sys_select(p[0] + 1, &r, NULL, &tv), 0);
	CHECK(now() - start >= 0.225);
	/* Timed out: nothing left, and the set is cleared. */
	CHECK_EQ(tv.tv_sec, 0);
	CHECK_EQ(tv.tv_usec, 0);
	CHECK(!FD_ISSET(p[0], &r));

	/* Woken early: what is left is the timeout less the time waited. */
	tv = (struct timeval){ 5, 0 };
	FD_SET(p[0], &r);
	pid = later(100, write_to, &p[1]);
	start = now();
	CHECK_EQ(sys_select(p[0] + 1, &r, NULL, &tv), 1);
	took = now() - start;
	CHECK(tv_secs(tv) < 5);
	CHECK(tv_secs(tv) >= 5 - took - 0.01);
	reap(pid);
}

/* ---- signal masks of ppoll and pselect ------------------------------------ */

static volatile sig_atomic_t usr1_count;
static volatile double usr1_at;	/* now() when the handler last ran */

static void on_usr1(int sig)
{
	(void)sig;
	usr1_count++;
	usr1_at = now();
}

/* Wait up to ms for fd to be readable, with mask in force meanwhile. */
typedef int (*masked_wait)(int fd, long ms, const sigset_t *mask);

static int ppoll_read(int fd, long ms, const sigset_t *mask)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timespec ts = ms_ts(ms);

	return ppoll(&p, 1, &ts, mask);
}

static int pselect_read(int fd, long ms, const sigset_t *mask)
{
	struct timespec ts = ms_ts(ms);
	fd_set r;

	FD_ZERO(&r);
	FD_SET(fd, &r);
	return pselect(fd + 1, &r, NULL, NULL, &ts, mask);
}

/*
 * SIGUSR1 (and SIGUSR2) blocked, the wait's mask empty: a SIGUSR1 sent
 * meanwhile interrupts it, its handler runs, and the old mask is back.
 * Sent before the wait starts, the signal stays pending until the wait
 * unblocks it, so the child's timing is not a race.
 */
static void check_mask_lets_signal_interrupt(masked_wait wait)
{
	sigset_t usr, none;
	double start;
	int p[2];
	pid_t pid;

	REQUIRE(pipe(p) == 0);
	set_handler(SIGUSR1, on_usr1, 0);
	sigemptyset(&usr);
	sigaddset(&usr, SIGUSR1);
	sigaddset(&usr, SIGUSR2);
	CHECK_OK(sigprocmask(SIG_BLOCK, &usr, NULL));
	sigemptyset(&none);
	pid = later(100, signal_parent, NULL);
	start = now();
	CHECK_ERR(wait(p[0], 5000, &none), EINTR);
	CHECK(now() - start < 2);
	CHECK_EQ(usr1_count, 1);
	CHECK(is_blocked(SIGUSR1));
	CHECK(is_blocked(SIGUSR2));
	CHECK(!is_pending(SIGUSR1));
	reap(pid);
}

TEST(ppoll_mask_lets_signal_interrupt)
{
	check_mask_lets_signal_interrupt(ppoll_read);
}

TEST(pselect_mask_lets_signal_interrupt)
{
	check_mask_lets_signal_interrupt(pselect_read);
}

TEST(ppoll_mask_holds_signal_until_return)
{
	sigset_t usr1;
	double start;
	int p[2];
	pid_t pid;

	REQUIRE(pipe(p) == 0);
	set_handler(SIGUSR1, on_usr1, 0);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pid = later(100, signal_parent, NULL);
	start = now();
	/* Sent at ~0.1 s, the signal waits in the pending set: no EINTR. */
	CHECK_EQ(ppoll_read(p[0], 500, &usr1), 0);
	CHECK(now() - start >= 0.375);
	/* Restoring the mask on the way out delivered it, before ppoll returned. */
	CHECK_EQ(usr1_count, 1);
	CHECK(usr1_at - start >= 0.375);
	CHECK(!is_blocked(SIGUSR1));
	CHECK(!is_pending(SIGUSR1));
	reap(pid);
}
