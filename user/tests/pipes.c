/*
 * Pipes: pipe/pipe2, blocking and non-blocking transfers, end of file,
 * EPIPE and SIGPIPE, pipes across fork, large transfers and PIPE_BUF
 * atomicity.
 *
 * Nothing here depends on the pipe's exact capacity: only that it is at
 * least PIPE_BUF and well below 1 MiB (Linux's default is 64 KiB).
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The child exited normally with status 0. */
#define CHECK_CHILD_OK(pid)                                                  \
	({                                                                   \
		int st_ = wait_status(pid);                                  \
		CHECK(WIFEXITED(st_) && WEXITSTATUS(st_) == 0);              \
	})

/* A byte pattern that makes misordered or lost data visible. */
static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / 251);
}

/* Read exactly n bytes unless EOF or an error comes first. */
static ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += r;
	}
	return got;
}

static void set_sigpipe(void (*handler)(int))
{
	struct sigaction sa = { 0 };
	sigset_t none;

	sa.sa_handler = handler;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

TEST(pipe_delivers_bytes_in_order)
{
	char buf[64] = { 0 };
	struct stat st;
	int p[2];

	REQUIRE(pipe(p) == 0);
	CHECK(p[0] != p[1]);
	CHECK_OK(fstat(p[0], &st));
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_OK(fstat(p[1], &st));
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_EQ(write(p[1], "hello ", 6), 6);
	CHECK_EQ(write(p[1], "world", 5), 5);
	/* A read takes what is there and does not wait for the full count. */
	CHECK_EQ(read(p[0], buf, 3), 3);
	CHECK(memcmp(buf, "hel", 3) == 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 8);
	CHECK(memcmp(buf, "lo world", 8) == 0);
	/* Zero-byte transfers return 0 at once, even on an empty pipe. */
	CHECK_EQ(read(p[0], buf, 0), 0);
	CHECK_EQ(write(p[1], buf, 0), 0);
	/* Each end works only in its own direction. */
	CHECK_ERR(read(p[1], buf, 1), EBADF);
	CHECK_ERR(write(p[0], "x", 1), EBADF);
	CHECK_OK(close(p[0]));
	CHECK_OK(close(p[1]));
	/* musl's pipe() is the pipe syscall: a bad array is the kernel's EFAULT. */
	CHECK_ERR(pipe(NULL), EFAULT);
}

TEST(pipe2_applies_cloexec_and_nonblock)
{
	char c;
	int p[2];

	CHECK_OK(pipe2(p, O_CLOEXEC));
	CHECK_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
	close(p[0]);
	close(p[1]);

	CHECK_OK(pipe2(p, O_NONBLOCK));
	CHECK_EQ(fcntl(p[0], F_GETFD), 0);
	CHECK_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	CHECK_EQ(fcntl(p[1], F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	CHECK_ERR(read(p[0], &c, 1), EAGAIN);
	close(p[0]);
	close(p[1]);

	CHECK_OK(pipe2(p, O_CLOEXEC | O_NONBLOCK));
	CHECK_EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(p[1], F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	close(p[0]);
	close(p[1]);
	/* Any other flag is EINVAL, and no descriptors are made. */
	p[0] = p[1] = -7;
	CHECK_ERR(pipe2(p, O_APPEND), EINVAL);
	CHECK_ERR(pipe2(p, 1), EINVAL);
	CHECK(p[0] == -7 && p[1] == -7);
}

TEST(nonblocking_pipe_is_eagain_when_empty_or_full)
{
	static unsigned char chunk[4096], back[1 << 20];
	size_t total = 0, big = sizeof(back);
	ssize_t r;
	int p[2];

	REQUIRE(pipe2(p, O_NONBLOCK) == 0);
	CHECK_ERR(read(p[0], back, 1), EAGAIN);
	/* Fill it with PIPE_BUF-sized writes until it refuses. */
	for (;;) {
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = pattern(total + i);
		r = write(p[1], chunk, sizeof(chunk));
		if (r < 0)
			break;
		CHECK_EQ(r, (ssize_t)sizeof(chunk));
		total += r;
		REQUIRE(total < big);
	}
	CHECK_EQ(errno, EAGAIN);
	CHECK(total >= PIPE_BUF);
	CHECK_ERR(write(p[1], "x", 1), EAGAIN);
	/* Drain: everything comes back, in order. */
	CHECK_EQ(read(p[0], back, big), (ssize_t)total);
	for (size_t i = 0; i < total; i++)
		if (!CHECK_EQ(back[i], pattern(i)))
			break;
	CHECK_ERR(read(p[0], back, 1), EAGAIN);

	/*
	 * A write larger than PIPE_BUF into an empty non-blocking pipe
	 * transfers what fits and returns that count (no atomicity promised).
	 */
	r = write(p[1], back, big);
	CHECK(r > 0 && (size_t)r < big);
	CHECK_ERR(write(p[1], back, big), EAGAIN);
	/* With the writer gone an empty non-blocking pipe reads 0, not EAGAIN. */
	CHECK_EQ(read_full(p[0], back, r), r);
	close(p[1]);
	CHECK_EQ(read(p[0], back, 1), 0);
	close(p[0]);
}

TEST(read_sees_eof_only_after_every_writer_closes)
{
	char buf[16] = { 0 };
	int p[2], w2;
	pid_t pid;

	REQUIRE(pipe(p) == 0);
	w2 = dup(p[1]);
	REQUIRE(w2 >= 0);
	CHECK_EQ(write(p[1], "abc", 3), 3);
	close(p[1]);
	/* One writer left: buffered data first, then "no data yet". */
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 3);
	CHECK_OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
	CHECK_ERR(read(p[0], buf, 1), EAGAIN);
	CHECK_EQ(write(w2, "de", 2), 2);
	close(w2);
	/* No writers: the rest, then EOF, and EOF again. */
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 2);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
	close(p[0]);

	/* The same with the last writer in a child that writes late and exits. */
	REQUIRE(pipe(p) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		sleep_ms(50);
		_exit(write(p[1], "late", 4) == 4 ? 0 : 1);
	}
	close(p[1]);
	/* This blocking read sleeps until the child writes. */
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 4);
	CHECK(strcmp(buf, "late") == 0);
	/* The child's exit closes the last writer: EOF. */
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
	CHECK_CHILD_OK(pid);
	close(p[0]);
}

TEST(write_without_readers_kills_with_sigpipe)
{
	int p[2], status;
	pid_t pid;

	REQUIRE(pipe(p) == 0);
	/* Close the only reader before the fork, so the child never has one. */
	close(p[0]);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		set_sigpipe(SIG_DFL);
		(void)write(p[1], "x", 1);
		_exit(0);	/* not reached: SIGPIPE's default action kills */
	}
	close(p[1]);
	status = wait_status(pid);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), SIGPIPE);
}

static volatile sig_atomic_t sigpipe_seen;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipe_seen++;
}

TEST(write_without_readers_is_epipe_when_sigpipe_ignored_or_caught)
{
	sigset_t block, pending;
	int p[2];

	REQUIRE(pipe(p) == 0);
	close(p[0]);

	set_sigpipe(SIG_IGN);
	CHECK_ERR(write(p[1], "x", 1), EPIPE);

	/* Caught: the handler runs and the write still fails with EPIPE. */
	set_sigpipe(on_sigpipe);
	CHECK_ERR(write(p[1], "x", 1), EPIPE);
	CHECK_EQ(sigpipe_seen, 1);

	/* Blocked: EPIPE now, and SIGPIPE stays pending. */
	sigemptyset(&block);
	sigaddset(&block, SIGPIPE);
	sigprocmask(SIG_BLOCK, &block, NULL);
	CHECK_ERR(write(p[1], "x", 1), EPIPE);
	CHECK_OK(sigpending(&pending));
	CHECK(sigismember(&pending, SIGPIPE));
	CHECK_EQ(sigpipe_seen, 1);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	CHECK_EQ(sigpipe_seen, 2);
	close(p[1]);
}

TEST(writer_blocked_on_full_pipe_returns_partial_count_when_reader_closes)
{
	enum { BIG = 1 << 20 };
	char first[PIPE_BUF];
	int p[2];
	pid_t pid;

	REQUIRE(pipe(p) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		char *buf = calloc(1, BIG);
		ssize_t r;
		int ok = 1;

		set_sigpipe(SIG_IGN);
		close(p[0]);
		/*
		 * The reader takes PIPE_BUF bytes (so this write has begun) and
		 * then closes; 1 MiB cannot fit, so the write is still waiting
		 * for room then.  Linux returns the bytes already written
		 * rather than EPIPE...
		 */
		r = write(p[1], buf, BIG);
		ok &= CHECK(r >= PIPE_BUF && r < BIG);
		/* ...and the next write gets the EPIPE. */
		ok &= CHECK_ERR(write(p[1], buf, 1), EPIPE);
		_exit(ok ? 0 : 1);
	}
	close(p[1]);
	CHECK_EQ(read_full(p[0], first, sizeof(first)), (ssize_t)sizeof(first));
	close(p[0]);
	CHECK_CHILD_OK(pid);
}

TEST(pipes_carry_requests_and_replies_across_fork)
{
	char buf[32] = { 0 };
	int req[2], rep[2];
	pid_t pid;

	REQUIRE(pipe(req) == 0 && pipe(rep) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		char in[32] = { 0 };
		close(req[1]);
		close(rep[0]);
		/* Echo each request upper-cased until EOF. */
		for (;;) {
			ssize_t n = read(req[0], in, sizeof(in));
			if (n <= 0)
				_exit(n == 0 ? 0 : 1);
			for (ssize_t i = 0; i < n; i++)
				if (in[i] >= 'a' && in[i] <= 'z')
					in[i] -= 32;
			if (write(rep[1], in, n) != n)
				_exit(1);
		}
	}
	close(req[0]);
	close(rep[1]);
	CHECK_EQ(write(req[1], "ping", 4), 4);
	CHECK_EQ(read_full(rep[0], buf, 4), 4);
	CHECK(memcmp(buf, "PING", 4) == 0);
	CHECK_EQ(write(req[1], "second", 6), 6);
	CHECK_EQ(read_full(rep[0], buf, 6), 6);
	CHECK(memcmp(buf, "SECOND", 6) == 0);
	/* Closing our writer ends the child, which closes its writer: EOF. */
	close(req[1]);
	CHECK_EQ(read(rep[0], buf, sizeof(buf)), 0);
	CHECK_CHILD_OK(pid);
	close(rep[0]);
}

TEST(large_write_completes_with_concurrent_reader)
{
	enum { BIG = 1 << 20 };	/* sixteen times Linux's default capacity */
	unsigned char *buf = malloc(BIG);
	int p[2];
	pid_t pid;

	REQUIRE(buf != NULL);
	for (size_t i = 0; i < BIG; i++)
		buf[i] = pattern(i);
	REQUIRE(pipe(p) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		/* Read in odd-sized pieces and check every byte. */
		static unsigned char piece[1000];
		size_t got = 0;
		ssize_t n;

		close(p[1]);
		while ((n = read(p[0], piece, sizeof(piece))) > 0) {
			for (ssize_t i = 0; i < n; i++)
				if (piece[i] != pattern(got + i))
					_exit(2);
			got += n;
		}
		_exit(n == 0 && got == BIG ? 0 : 1);
	}
	close(p[0]);
	/* A blocking write returns only when everything is in. */
	CHECK_EQ(write(p[1], buf, BIG), BIG);
	close(p[1]);
	CHECK_CHILD_OK(pid);

	/* The other way round: a child writes 1 MiB, we read it all. */
	REQUIRE(pipe(p) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(write(p[1], buf, BIG) == BIG ? 0 : 1);
	}
	close(p[1]);
	memset(buf, 0, BIG);
	CHECK_EQ(read_full(p[0], buf, BIG), BIG);
	CHECK_EQ(read(p[0], buf, 1), 0);
	for (size_t i = 0; i < BIG; i++)
		if (!CHECK_EQ(buf[i], pattern(i)))
			break;
	CHECK_CHILD_OK(pid);
	close(p[0]);
	free(buf);
}

TEST(pipe_buf_writes_are_never_interleaved)
{
	enum { WRITERS = 4, RECORDS = 64 };
	size_t total = (size_t)WRITERS * RECORDS * PIPE_BUF;
	unsigned char *all = malloc(total + 1);
	int count[WRITERS] = { 0 };
	pid_t pids[WRITERS];
	int p[2];

	/* Linux's PIPE_BUF, which the ABI fixes. */
	CHECK_EQ(PIPE_BUF, 4096);
	REQUIRE(all != NULL);
	REQUIRE(pipe(p) == 0);
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		REQUIRE(pids[w] >= 0);
		if (pids[w] == 0) {
			unsigned char rec[PIPE_BUF];

			close(p[0]);
			memset(rec, 'A' + w, sizeof(rec));
			for (int i = 0; i < RECORDS; i++)
				if (write(p[1], rec, sizeof(rec)) != sizeof(rec))
					_exit(1);
			_exit(0);
		}
	}
	close(p[1]);
	/* All writers compete for the pipe; each record must arrive whole. */
	CHECK_EQ(read_full(p[0], all, total + 1), (ssize_t)total);
	for (size_t r = 0; r < total / PIPE_BUF; r++) {
		unsigned char *rec = all + r * PIPE_BUF;
		int w = rec[0] - 'A';

		if (!CHECK(w >= 0 && w < WRITERS))
			break;
		for (size_t i = 1; i < PIPE_BUF; i++)
			if (rec[i] != rec[0]) {
				CHECK(!"a PIPE_BUF record was interleaved");
				i = PIPE_BUF;
				r = total;
			}
		count[w]++;
	}
	for (int w = 0; w < WRITERS; w++) {
		CHECK_EQ(count[w], RECORDS);
		CHECK_CHILD_OK(pids[w]);
	}
	close(p[0]);
	free(all);
}
