/*
 * File descriptors: dup/dup2/dup3, fcntl, descriptor versus description
 * (shared offsets and status flags across dup and fork, per-descriptor
 * FD_CLOEXEC), close-on-exec, EBADF, EMFILE, ioctl on things that are not
 * terminals.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* A scratch file with the given contents, opened O_RDWR at offset 0. */
static int scratch(const char *name, const char *s)
{
	int fd = open(name, O_CREAT | O_TRUNC | O_RDWR, 0644);

	REQUIRE(fd >= 0);
	REQUIRE(write(fd, s, strlen(s)) == (ssize_t)strlen(s));
	REQUIRE(lseek(fd, 0, SEEK_SET) == 0);
	return fd;
}

TEST(dup_returns_lowest_free_fd_sharing_the_description)
{
	char c;
	int fd = scratch("d", "abcdef");
	int a = dup(fd), b;

	REQUIRE(a >= 0);
	CHECK(a != fd);
	/* The lowest free number is used: free one below a and dup again. */
	b = dup(fd);
	REQUIRE(b >= 0);
	CHECK_OK(close(a));
	CHECK_EQ(dup(fd), a);
	/* Both numbers share one offset. */
	CHECK_EQ(read(fd, &c, 1), 1);
	CHECK_EQ(lseek(a, 0, SEEK_CUR), 1);
	CHECK_EQ(read(a, &c, 1), 1);
	CHECK_EQ(c, 'b');
	CHECK_EQ(lseek(b, 4, SEEK_SET), 4);
	CHECK_EQ(read(fd, &c, 1), 1);
	CHECK_EQ(c, 'e');
	/* Closing the original leaves the duplicates working. */
	CHECK_OK(close(fd));
	CHECK_EQ(read(a, &c, 1), 1);
	CHECK_EQ(c, 'f');
	/* FD_CLOEXEC is not copied by dup. */
	CHECK_OK(fcntl(a, F_SETFD, FD_CLOEXEC));
	fd = dup(a);
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	close(fd);
	close(a);
	close(b);
	CHECK_ERR(dup(a), EBADF);
	CHECK_OK(unlink("d"));
}

TEST(dup2_replaces_target_and_same_fd_is_noop)
{
	char buf[8] = { 0 };
	int f1 = scratch("one", "ONE");
	int f2 = scratch("two", "TWO");
	int t;

	/* dup2 onto an open descriptor silently closes what was there. */
	CHECK_EQ(dup2(f1, f2), f2);
	CHECK_EQ(read(f2, buf, 3), 3);
	CHECK(strcmp(buf, "ONE") == 0);
	CHECK_EQ(lseek(f1, 0, SEEK_CUR), 3);
	/* dup2 onto an unused high number. */
	t = 200;
	CHECK_EQ(dup2(f1, t), t);
	CHECK_EQ(lseek(t, 0, SEEK_CUR), 3);
	/* The new descriptor never has FD_CLOEXEC. */
	CHECK_OK(fcntl(f1, F_SETFD, FD_CLOEXEC));
	CHECK_EQ(dup2(f1, t), t);
	CHECK_EQ(fcntl(t, F_GETFD), 0);
	/* dup2(fd, fd) returns fd and changes nothing, not even FD_CLOEXEC. */
	CHECK_EQ(syscall(SYS_dup2, f1, f1), f1);
	CHECK_EQ(fcntl(f1, F_GETFD), FD_CLOEXEC);

	/* A bad old fd is EBADF and leaves the target open. */
	close(f2);
	CHECK_ERR(dup2(f2, t), EBADF);
	CHECK_EQ(fcntl(t, F_GETFD), 0);
	CHECK_ERR(syscall(SYS_dup2, f2, f2), EBADF);
	/* A target that is negative or beyond RLIMIT_NOFILE is EBADF. */
	CHECK_ERR(dup2(f1, -1), EBADF);
	CHECK_ERR(dup2(f1, INT_MAX), EBADF);
	close(t);
	close(f1);
	unlink("one");
	unlink("two");
}

TEST(dup3_sets_cloexec_and_rejects_same_fd)
{
	int fd = scratch("d3", "x");
	int t = 100;

	CHECK_EQ(dup3(fd, t, O_CLOEXEC), t);
	CHECK_EQ(fcntl(t, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(dup3(fd, t, 0), t);
	CHECK_EQ(fcntl(t, F_GETFD), 0);
	/* Unlike dup2, dup3 with equal fds is EINVAL (the kernel's answer). */
	CHECK_ERR(syscall(SYS_dup3, fd, fd, 0), EINVAL);
	/* Only O_CLOEXEC is a valid flag. */
	CHECK_ERR(syscall(SYS_dup3, fd, t, O_NONBLOCK), EINVAL);
	CHECK_ERR(syscall(SYS_dup3, fd, t, 1), EINVAL);
	close(t);
	CHECK_ERR(syscall(SYS_dup3, t, fd + 1, 0), EBADF);
	CHECK_ERR(syscall(SYS_dup3, fd, -1, 0), EBADF);
	close(fd);
	unlink("d3");
}

TEST(fcntl_dupfd_picks_lowest_at_or_above_arg)
{
	struct rlimit rl;
	int fd = scratch("fd", "xyz"), a, b, c;

	REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	a = fcntl(fd, F_DUPFD, 150);
	CHECK_EQ(a, 150);
	b = fcntl(fd, F_DUPFD, 150);
	CHECK_EQ(b, 151);
	CHECK_EQ(fcntl(b, F_GETFD), 0);
	/* Below an open fd: the lowest free one at or above the argument. */
	close(a);
	CHECK_EQ(fcntl(fd, F_DUPFD, 140), 140);
	close(140);
	CHECK_EQ(fcntl(fd, F_DUPFD, 150), 150);
	close(150);
	c = fcntl(fd, F_DUPFD_CLOEXEC, 150);
	CHECK_EQ(c, 150);
	CHECK_EQ(fcntl(c, F_GETFD), FD_CLOEXEC);
	/* A duplicate shares the offset like dup's. */
	CHECK_EQ(lseek(c, 2, SEEK_SET), 2);
	CHECK_EQ(lseek(b, 0, SEEK_CUR), 2);

	CHECK_ERR(fcntl(fd, F_DUPFD, -1), EINVAL);
	/* An argument at or beyond RLIMIT_NOFILE is EINVAL (not EMFILE). */
	CHECK_ERR(fcntl(fd, F_DUPFD, (int)rl.rlim_cur), EINVAL);
	CHECK_ERR(fcntl(fd, F_DUPFD_CLOEXEC, INT_MAX), EINVAL);
	close(b);
	close(c);
	close(fd);
	unlink("fd");
}

TEST(fd_flags_per_descriptor_status_flags_per_description)
{
	char c;
	int p[2];
	int fd = scratch("fl", "abc"), d, ro;

	d = dup(fd);
	REQUIRE(d >= 0);
	/* FD_CLOEXEC belongs to one descriptor number. */
	CHECK_OK(fcntl(fd, F_SETFD, FD_CLOEXEC));
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(d, F_GETFD), 0);
	/* Only the FD_CLOEXEC bit is kept. */
	CHECK_OK(fcntl(d, F_SETFD, 0xff));
	CHECK_EQ(fcntl(d, F_GETFD), FD_CLOEXEC);
	CHECK_OK(fcntl(d, F_SETFD, 0));
	CHECK_EQ(fcntl(d, F_GETFD), 0);

	/* The access mode is reported by F_GETFL. */
	CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	ro = open("fl", O_RDONLY);
	REQUIRE(ro >= 0);
	CHECK_EQ(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	/* F_SETFL cannot change the access mode: still no writing. */
	CHECK_OK(fcntl(ro, F_SETFL, O_RDWR));
	CHECK_EQ(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	CHECK_ERR(write(ro, "x", 1), EBADF);
	close(ro);

	/* O_APPEND set through one descriptor shows through its dup. */
	CHECK_EQ(fcntl(fd, F_GETFL) & O_APPEND, 0);
	CHECK_OK(fcntl(d, F_SETFL, O_APPEND));
	CHECK_EQ(fcntl(fd, F_GETFL) & O_APPEND, O_APPEND);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(write(fd, "Z", 1), 1);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 4);
	CHECK_OK(fcntl(fd, F_SETFL, 0));
	CHECK_EQ(fcntl(d, F_GETFL) & O_APPEND, 0);
	CHECK_EQ(pwrite(fd, "Y", 1, 0), 1);
	CHECK_EQ(pread(fd, &c, 1, 0), 1);
	CHECK_EQ(c, 'Y');

	/* O_NONBLOCK via F_SETFL: an empty pipe then reads EAGAIN. */
	REQUIRE(pipe(p) == 0);
	CHECK_EQ(fcntl(p[0], F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDONLY);
	CHECK_EQ(fcntl(p[1], F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_WRONLY);
	CHECK_OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
	CHECK_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	CHECK_ERR(read(p[0], &c, 1), EAGAIN);
	CHECK_EQ(write(p[1], "q", 1), 1);
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_OK(fcntl(p[0], F_SETFL, 0));
	CHECK_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);

	/* Unknown commands are EINVAL. */
	CHECK_ERR(fcntl(fd, 12345), EINVAL);
	close(p[0]);
	close(p[1]);
	close(d);
	close(fd);
	unlink("fl");
}

TEST(offset_is_shared_across_fork_not_across_open)
{
	char buf[32] = { 0 };
	int fd = scratch("fk", ""), other, status;
	pid_t pid;

	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		/* The child inherits the description: its writes move our offset. */
		_exit(write(fd, "child,", 6) == 6 ? 0 : 1);
	}
	status = wait_status(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 6);
	CHECK_EQ(write(fd, "parent", 6), 6);

	/* And the parent's lseek is seen by a later child. */
	CHECK_EQ(lseek(fd, 2, SEEK_SET), 2);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0)
		_exit(lseek(fd, 0, SEEK_CUR) == 2 && lseek(fd, 9, SEEK_SET) == 9 ? 0 : 1);
	status = wait_status(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 9);

	/* A second open() is a new description with its own offset. */
	other = open("fk", O_RDWR);
	REQUIRE(other >= 0);
	CHECK_EQ(lseek(other, 0, SEEK_CUR), 0);
	CHECK_EQ(write(other, "C", 1), 1);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 9);
	CHECK_EQ(pread(fd, buf, sizeof(buf) - 1, 0), 12);
	CHECK(strcmp(buf, "Child,parent") == 0);
	close(other);
	close(fd);
	unlink("fk");
}

TEST(bad_descriptors_are_ebadf_everywhere)
{
	char buf[64];
	struct stat st;
	struct iovec iov = { buf, 1 };
	int closed = scratch("bad", "x");
	int fds[3];

	close(closed);
	CHECK_OK(unlink("bad"));
	fds[0] = closed;
	fds[1] = -1;
	fds[2] = INT_MAX;
	for (int i = 0; i < 3; i++) {
		int fd = fds[i];

		CHECK_ERR(read(fd, buf, 1), EBADF);
		CHECK_ERR(write(fd, buf, 1), EBADF);
		CHECK_ERR(pread(fd, buf, 1, 0), EBADF);
		CHECK_ERR(pwrite(fd, buf, 1, 0), EBADF);
		CHECK_ERR(readv(fd, &iov, 1), EBADF);
		CHECK_ERR(writev(fd, &iov, 1), EBADF);
		CHECK_ERR(lseek(fd, 0, SEEK_SET), EBADF);
		CHECK_ERR(syscall(SYS_fstat, fd, &st), EBADF);
		CHECK_ERR(syscall(SYS_newfstatat, fd, "x", &st, 0), EBADF);
		CHECK_ERR(close(fd), EBADF);
		CHECK_ERR(dup(fd), EBADF);
		CHECK_ERR(syscall(SYS_dup2, fd, 50), EBADF);
		CHECK_ERR(syscall(SYS_dup3, fd, 50, 0), EBADF);
		CHECK_ERR(fcntl(fd, F_GETFD), EBADF);
		CHECK_ERR(fcntl(fd, F_SETFD, 0), EBADF);
		CHECK_ERR(fcntl(fd, F_GETFL), EBADF);
		CHECK_ERR(fcntl(fd, F_SETFL, 0), EBADF);
		CHECK_ERR(fcntl(fd, F_DUPFD, 0), EBADF);
		CHECK_ERR(syscall(SYS_fchdir, fd), EBADF);
		CHECK_ERR(syscall(SYS_getdents64, fd, buf, sizeof(buf)), EBADF);
		CHECK_ERR(ioctl(fd, TIOCGWINSZ, buf), EBADF);
		CHECK_ERR(openat(fd, "x", O_RDONLY), EBADF);
		CHECK_ERR(fsync(fd), EBADF);
		CHECK_ERR(ftruncate(fd, 0), EBADF);
	}
	/* The failures created nothing. */
	CHECK_ERR(fcntl(50, F_GETFD), EBADF);
}

TEST(emfile_when_rlimit_nofile_is_reached)
{
	enum { LIMIT = 8 };
	struct rlimit rl;
	int fds[LIMIT], n = 0, fd, p[2];

	/*
	 * This test runs in its own process: close everything above
	 * stderr so the count below does not depend on what was
	 * inherited, then lower the soft limit.
	 */
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	rl.rlim_cur = LIMIT;
	REQUIRE(setrlimit(RLIMIT_NOFILE, &rl) == 0);

	errno = 0;
	while (n < LIMIT && (fd = open("/dev/null", O_RDONLY)) >= 0) {
		CHECK(fd < LIMIT);
		fds[n++] = fd;
	}
	CHECK_EQ(errno, EMFILE);
	REQUIRE(n >= LIMIT - 3);
	CHECK_ERR(open("/dev/null", O_RDONLY), EMFILE);
	CHECK_ERR(dup(fds[0]), EMFILE);
	CHECK_ERR(fcntl(fds[0], F_DUPFD, 0), EMFILE);
	CHECK_ERR(fcntl(fds[0], F_DUPFD_CLOEXEC, 3), EMFILE);
	CHECK_ERR(pipe(p), EMFILE);
	/* Beyond the limit the errors differ: EINVAL and EBADF. */
	CHECK_ERR(fcntl(fds[0], F_DUPFD, LIMIT), EINVAL);
	CHECK_ERR(dup2(fds[0], LIMIT), EBADF);
	/* dup2 onto an fd below the limit needs no new slot. */
	CHECK_EQ(dup2(fds[0], fds[n - 1]), fds[n - 1]);

	/* One free slot: pipe still fails, and leaks nothing. */
	close(fds[n - 1]);
	CHECK_ERR(pipe(p), EMFILE);
	fd = open("/dev/null", O_RDONLY);
	CHECK_EQ(fd, fds[n - 1]);
	close(fd);
	/* Two free slots: pipe works. */
	close(fds[n - 2]);
	CHECK_OK(pipe(p));
	close(p[0]);
	close(p[1]);
	/* Raising the limit again allows more. */
	rl.rlim_cur = LIMIT + 8;
	CHECK_OK(setrlimit(RLIMIT_NOFILE, &rl));
	CHECK_EQ(fcntl(fds[0], F_DUPFD, LIMIT), LIMIT);
	close(LIMIT);
	for (int i = 0; i < n - 2; i++)
		close(fds[i]);
}

TEST(ioctl_terminal_requests_on_non_tty_are_enotty)
{
	struct termios t;
	struct winsize ws;
	int fd = scratch("tty", "x"), p[2];
	int n = open("/dev/null", O_RDWR), d = open(".", O_RDONLY | O_DIRECTORY);

	REQUIRE(pipe(p) == 0);
	REQUIRE(n >= 0 && d >= 0);
	int targets[] = { fd, p[0], p[1], n, d };
	for (unsigned i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		CHECK_ERR(ioctl(targets[i], TCGETS, &t), ENOTTY);
		CHECK_ERR(ioctl(targets[i], TIOCGWINSZ, &ws), ENOTTY);
	}
	/* isatty is built on the same request. */
	CHECK_EQ(isatty(fd), 0);
	CHECK_EQ(errno, ENOTTY);
	/* An unknown request on a regular file is ENOTTY too. */
	CHECK_ERR(ioctl(fd, 0x7f7f, &t), ENOTTY);
	close(p[0]);
	close(p[1]);
	close(n);
	close(d);
	close(fd);
	unlink("tty");
}

/* Exec'd by the test below: argv = closed-fd kept-fd kept-offset. */
TEST_CHILD(check_fds_after_exec)
{
	int ok = 1;

	if (argc != 4)
		return 2;
	for (int i = 0; i < 2; i++)
		ok &= CHECK_ERR(fcntl(atoi(argv[i]), F_GETFD), EBADF);
	ok &= CHECK_EQ(fcntl(atoi(argv[2]), F_GETFD), 0);
	/* The surviving descriptor keeps its description and offset. */
	ok &= CHECK_EQ(lseek(atoi(argv[2]), 0, SEEK_CUR), atoi(argv[3]));
	return ok ? 0 : 1;
}

TEST(cloexec_descriptors_close_on_exec)
{
	char a1[16], a2[16], a3[16];
	int c1 = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int keep = scratch("ex", "0123456789");
	int c2 = fcntl(keep, F_DUPFD_CLOEXEC, 40);
	int status;
	pid_t pid;

	REQUIRE(c1 >= 0 && c2 >= 0);
	REQUIRE(lseek(keep, 7, SEEK_SET) == 7);
	snprintf(a1, sizeof(a1), "%d", c1);
	snprintf(a2, sizeof(a2), "%d", c2);
	snprintf(a3, sizeof(a3), "%d", keep);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		execl(utest_argv0, utest_argv0, "--child", "check_fds_after_exec", a1, a2, a3, "7",
		      (char *)NULL);
		_exit(99);
	}
	status = wait_status(pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	/* The parent's descriptors are untouched by the child's exec. */
	CHECK_EQ(fcntl(c1, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(keep, F_GETFD), 0);
	/* O_CLOEXEC is a descriptor flag, not a file status flag. */
	CHECK_EQ(fcntl(c1, F_GETFL) & O_CLOEXEC, 0);
	close(c1);
	close(c2);
	close(keep);
	unlink("ex");
}
