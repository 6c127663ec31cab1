/*
 * Process system calls: fork, vfork, clone, execve, wait4, exit, ids,
 * process groups and sessions.
 *
 * Checks made in a grandchild cannot reach the test's failure count, so
 * a grandchild collects them in `ok` (CHECK prints the failing line and
 * evaluates to the condition) and reports through its exit status.
 */
#include "utest.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Write/read a whole small record on a pipe (at most PIPE_BUF: atomic). */
static int put(int fd, const void *p, size_t n)
{
	return write(fd, p, n) == (ssize_t)n;
}

static int get(int fd, void *p, size_t n)
{
	ssize_t r;

	do
		r = read(fd, p, n);
	while (r < 0 && errno == EINTR);
	return r == (ssize_t)n;
}

/* ---- fork ------------------------------------------------------------ */

static volatile int cow_global = 1;

TEST(fork_child_write_does_not_reach_parent)
{
	volatile int on_stack = 10;
	volatile char *small = malloc(64);		/* from the brk/heap area */
	volatile char *big = malloc(512 * 1024);	/* large: its own mmap */
	int status;
	pid_t pid;

	REQUIRE(small && big);
	small[0] = 'p';
	for (int i = 0; i < 512 * 1024; i += 4096)
		big[i] = 'p';

	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		int ok = 1;

		cow_global = 2;
		on_stack = 20;
		small[0] = 'c';
		for (int i = 0; i < 512 * 1024; i += 4096)
			big[i] = 'c';
		/* The child sees its own writes. */
		ok &= CHECK_EQ(cow_global, 2);
		ok &= CHECK_EQ(on_stack, 20);
		ok &= CHECK_EQ(small[0], 'c');
		ok &= CHECK_EQ(big[128 * 1024], 'c');
		_exit(ok ? 0 : 1);
	}
	status = wait_status(pid);
	CHECK(exited_with(status, 0));
	CHECK_EQ(cow_global, 1);
	CHECK_EQ(on_stack, 10);
	CHECK_EQ(small[0], 'p');
	for (int i = 0; i < 512 * 1024; i += 4096)
		if (!CHECK_EQ(big[i], 'p'))
			break;
}

TEST(fork_parent_write_does_not_reach_child)
{
	volatile int on_stack = 10;
	volatile char *heap = malloc(256 * 1024);
	int go[2], status;
	pid_t pid;
	char c;

	REQUIRE(heap);
	for (int i = 0; i < 256 * 1024; i += 4096)
		heap[i] = 'o';
	cow_global = 1;
	REQUIRE(pipe(go) == 0);

	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		int ok = 1;

		close(go[1]);
		/* Wait until the parent has written its new values. */
		ok &= CHECK(get(go[0], &c, 1));
		ok &= CHECK_EQ(cow_global, 1);
		ok &= CHECK_EQ(on_stack, 10);
		for (int i = 0; i < 256 * 1024; i += 4096)
			if (!(ok &= CHECK_EQ(heap[i], 'o')))
				break;
		_exit(ok ? 0 : 1);
	}
	close(go[0]);
	cow_global = 3;
	on_stack = 30;
	for (int i = 0; i < 256 * 1024; i += 4096)
		heap[i] = 'n';
	CHECK(put(go[1], "g", 1));
	status = wait_status(pid);
	CHECK(exited_with(status, 0));
	CHECK_EQ(cow_global, 3);
	CHECK_EQ(heap[4096], 'n');
}

/* ---- vfork ----------------------------------------------------------- */

static volatile int vfork_flag;

TEST(vfork_suspends_parent_until_child_exits)
{
	pid_t pid;

	vfork_flag = 0;
	pid = vfork();
	if (pid == 0) {
		/*
		 * The child borrows the parent's memory; the parent sleeps
		 * until _exit.  Only async-signal-safe calls here.
		 */
		struct timespec ts = { 0, 30 * 1000000 };

		nanosleep(&ts, NULL);
		vfork_flag = 1;
		_exit(5);
	}
	REQUIRE(pid > 0);
	/* Had the parent run on, it would see 0: the child slept first. */
	CHECK_EQ(vfork_flag, 1);
	CHECK(exited_with(wait_status(pid), 5));
}

TEST_CHILD(read_byte_then_exit)
{
	char c;

	if (argc < 1)
		return 100;
	/* Blocks until the vfork parent, which must be running again, writes. */
	if (read(atoi(argv[0]), &c, 1) != 1)
		return 101;
	return c == 'x' ? 7 : 102;
}

TEST(vfork_parent_resumes_when_child_execs)
{
	int p[2];
	char fdarg[16];
	pid_t pid;

	REQUIRE(pipe(p) == 0);
	snprintf(fdarg, sizeof(fdarg), "%d", p[0]);
	vfork_flag = 0;
	pid = vfork();
	if (pid == 0) {
		vfork_flag = 1;	/* shared memory: the parent sees this */
		execl(utest_argv0, utest_argv0, "--child", "read_byte_then_exit", fdarg,
		      (char *)NULL);
		_exit(100);
	}
	REQUIRE(pid > 0);
	CHECK_EQ(vfork_flag, 1);
	/*
	 * The exec'd child waits for this byte: if the parent were still
	 * suspended, nobody would write it and the test would hang.
	 */
	CHECK(put(p[1], "x", 1));
	CHECK(exited_with(wait_status(pid), 7));
}

/* ---- clone ----------------------------------------------------------- */

TEST(clone_with_sigchld_acts_like_fork)
{
	pid_t parent = getpid();
	long r;

	cow_global = 1;
	/* Raw clone with only an exit signal: a plain fork. */
	r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	REQUIRE(r >= 0);
	if (r == 0) {
		int ok = 1;

		cow_global = 2;
		ok &= CHECK_EQ(getppid(), parent);
		ok &= CHECK(getpid() != parent);
		_exit(ok ? 42 : 1);
	}
	CHECK(exited_with(wait_status(r), 42));
	CHECK_EQ(cow_global, 1);
}

/* ---- execve ---------------------------------------------------------- */

static char *const exec_args[] = { "one", "", "three with  spaces", "-x", NULL };
static char *const exec_env[] = { "ALPHA=1", "EMPTY=", "SPACE=a b", "NOEQUALS", NULL };

TEST_CHILD(check_args_and_env)
{
	int ok = 1, n = 0;

	/* argv[0] is whatever the caller passed, not the file name. */
	ok &= CHECK(strcmp(utest_argv0, "custom-argv0") == 0);
	ok &= CHECK_EQ(argc, 4);
	for (int i = 0; i < argc && i < 4; i++)
		ok &= CHECK(strcmp(argv[i], exec_args[i]) == 0);
	ok &= CHECK(argv[argc] == NULL);
	/* The environment is exactly the envp array, in order. */
	for (char **e = environ; *e; e++, n++)
		if (n < 4)
			ok &= CHECK(strcmp(*e, exec_env[n]) == 0);
	ok &= CHECK_EQ(n, 4);
	return ok ? 0 : 1;
}

TEST(execve_passes_argv_and_envp_exactly)
{
	pid_t pid = fork();

	REQUIRE(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "custom-argv0", "--child", "check_args_and_env", exec_args[0],
				 exec_args[1], exec_args[2], exec_args[3], NULL };

		execve(utest_argv0, argv, exec_env);
		_exit(100);
	}
	CHECK(exited_with(wait_status(pid), 0));
}

TEST_CHILD(check_fds)
{
	int ok = 1;

	if (argc < 3)
		return 100;
	/* Kept open, and the close-on-exec flag is clear. */
	ok &= CHECK_EQ(fcntl(atoi(argv[0]), F_GETFD), 0);
	/* Opened with O_CLOEXEC, or marked with F_SETFD: gone. */
	ok &= CHECK_ERR(fcntl(atoi(argv[1]), F_GETFD), EBADF);
	ok &= CHECK_ERR(fcntl(atoi(argv[2]), F_GETFD), EBADF);
	return ok ? 0 : 1;
}

TEST(execve_closes_only_cloexec_fds)
{
	int keep = open("/dev/null", O_RDONLY);
	int cloexec = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int setfd = dup(keep);
	char a[3][16];
	pid_t pid;

	REQUIRE(keep >= 0 && cloexec >= 0 && setfd >= 0);
	CHECK_EQ(fcntl(cloexec, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(setfd, F_SETFD, FD_CLOEXEC), 0);
	snprintf(a[0], 16, "%d", keep);
	snprintf(a[1], 16, "%d", cloexec);
	snprintf(a[2], 16, "%d", setfd);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		execl(utest_argv0, utest_argv0, "--child", "check_fds", a[0], a[1], a[2],
		      (char *)NULL);
		_exit(100);
	}
	CHECK(exited_with(wait_status(pid), 0));
	/* The parent's descriptors are untouched. */
	CHECK_EQ(fcntl(cloexec, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(setfd, F_GETFD), FD_CLOEXEC);
}

static void write_file(const char *name, const void *data, size_t len, mode_t mode)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	REQUIRE(fd >= 0);
	REQUIRE(write(fd, data, len) == (ssize_t)len);
	REQUIRE(close(fd) == 0);
	REQUIRE(chmod(name, mode) == 0);
}

TEST(execve_errors_are_enoent_and_enoexec)
{
	char *argv[] = { "x", NULL };
	/* ELF magic, then nonsense: the ELF loader must refuse it too. */
	static const char bad_elf[64] = "\177ELF\002\001\001";

	CHECK_ERR(execve("no-such-program", argv, exec_env), ENOENT);
	CHECK_ERR(execve("", argv, exec_env), ENOENT);

	/*
	 * Executable, but neither ELF nor "#!": the kernel says ENOEXEC
	 * (only execvp-style library calls fall back to a shell).
	 */
	write_file("plain-text", "echo hello\n", 11, 0755);
	CHECK_ERR(execve("plain-text", argv, exec_env), ENOEXEC);
	write_file("bad-elf", bad_elf, sizeof(bad_elf), 0755);
	CHECK_ERR(execve("bad-elf", argv, exec_env), ENOEXEC);
	/* A failed execve returns and the process goes on. */
	CHECK(getpid() > 0);
}

/* Run as "#!<this program> --child" from a file named shebang_script. */
TEST_CHILD(shebang_script)
{
	const char *interp = getenv("INTERP");
	int ok = 1;

	/*
	 * Linux builds: interpreter, the one optional argument, the script
	 * path as passed to execve, then the original argv[1...] (the
	 * original argv[0] is dropped).
	 */
	ok &= CHECK(interp && strcmp(utest_argv0, interp) == 0);
	ok &= CHECK(strcmp(argv[-2], "--child") == 0);
	ok &= CHECK(strcmp(argv[-1], "shebang_script") == 0);
	ok &= CHECK_EQ(argc, 2);
	ok &= CHECK(argc >= 2 && strcmp(argv[0], "arg1") == 0 && strcmp(argv[1], "arg 2") == 0);
	return ok ? 0 : 1;
}

TEST(execve_shebang_script_runs_interpreter)
{
	char script[512], env0[512];
	int n;
	pid_t pid;

	n = snprintf(script, sizeof(script), "#!%s --child\nignored body\n", utest_argv0);
	REQUIRE(n > 0 && n < (int)sizeof(script));
	write_file("shebang_script", script, n, 0755);
	snprintf(env0, sizeof(env0), "INTERP=%s", utest_argv0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "dropped-argv0", "arg1", "arg 2", NULL };
		char *envp[] = { env0, NULL };

		execve("shebang_script", argv, envp);
		_exit(100);
	}
	CHECK(exited_with(wait_status(pid), 0));
}

/* ---- wait4 / waitpid ------------------------------------------------- */

TEST(wait_reports_exit_codes)
{
	/* Only the low 8 bits of the exit code survive: 256 -> 0, -1 -> 255. */
	static const int codes[] = { 0, 1, 2, 42, 127, 128, 200, 254, 255, 256, 257, -1 };
	enum { N = sizeof(codes) / sizeof(codes[0]) };
	pid_t pids[N];

	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		REQUIRE(pids[i] >= 0);
		if (pids[i] == 0)
			_exit(codes[i]);
	}
	/* Reap in reverse order: each waitpid finds its own child. */
	for (int i = N - 1; i >= 0; i--) {
		int status = wait_status(pids[i]);

		CHECK(WIFEXITED(status));
		CHECK(!WIFSIGNALED(status));
		CHECK_EQ(WEXITSTATUS(status), codes[i] & 0xff);
	}
}

TEST(wait_reports_terminating_signal)
{
	static const int sigs[] = { SIGKILL, SIGTERM, SIGHUP, SIGINT, SIGUSR2, SIGPIPE };
	enum { N = sizeof(sigs) / sizeof(sigs[0]) };
	pid_t pids[N];
	int status;

	for (int i = 0; i < N; i++) {
		/* Whoever started us may have left SIGINT or SIGPIPE ignored. */
		signal(sigs[i], SIG_DFL);
		pids[i] = fork();
		REQUIRE(pids[i] >= 0);
		if (pids[i] == 0) {
			for (;;)
				pause();
		}
		/* Even a child that has not run yet dies of the signal. */
		CHECK_EQ(kill(pids[i], sigs[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		status = wait_status(pids[i]);
		CHECK(WIFSIGNALED(status));
		CHECK(!WIFEXITED(status));
		CHECK_EQ(WTERMSIG(status), sigs[i]);
	}
	/* A child can signal itself, too. */
	signal(SIGUSR1, SIG_DFL);
	pids[0] = fork();
	REQUIRE(pids[0] >= 0);
	if (pids[0] == 0) {
		raise(SIGUSR1);
		_exit(0);
	}
	status = wait_status(pids[0]);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1);
}

TEST(waitpid_wnohang_and_echild)
{
	int p[2], status = 12345;
	pid_t pid;
	char c;

	/* No children at all: ECHILD, with or without WNOHANG. */
	CHECK_ERR(wait(&status), ECHILD);
	CHECK_ERR(waitpid(-1, &status, WNOHANG), ECHILD);
	/* A process that is not our child: ECHILD too. */
	CHECK_ERR(waitpid(getppid(), &status, 0), ECHILD);

	REQUIRE(pipe(p) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		read(p[0], &c, 1);	/* returns at EOF */
		_exit(3);
	}
	close(p[0]);
	/* Running child: WNOHANG returns 0 and leaves the status alone. */
	CHECK_EQ(waitpid(pid, &status, WNOHANG), 0);
	CHECK_EQ(waitpid(-1, &status, WNOHANG), 0);
	CHECK_EQ(status, 12345);
	close(p[1]);
	CHECK(exited_with(wait_status(pid), 3));
	/* Reaped: it is gone. */
	CHECK_ERR(waitpid(pid, &status, WNOHANG), ECHILD);
}

TEST(waitpid_specific_pid_and_wait4_rusage)
{
	struct rusage ru;
	int p[2], status;
	pid_t first, second;
	char c;

	REQUIRE(pipe(p) == 0);
	first = fork();
	REQUIRE(first >= 0);
	if (first == 0)
		_exit(1);
	second = fork();
	REQUIRE(second >= 0);
	if (second == 0) {
		close(p[1]);
		read(p[0], &c, 1);
		_exit(2);
	}
	close(p[0]);
	close(p[1]);
	/* The first child may well be a zombie already: we still get the second. */
	memset(&ru, 0xff, sizeof(ru));
	CHECK_EQ(wait4(second, &status, 0, &ru), second);
	CHECK(exited_with(status, 2));
	CHECK(ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000);
	CHECK(ru.ru_stime.tv_usec >= 0 && ru.ru_stime.tv_usec < 1000000);
	CHECK(ru.ru_utime.tv_sec >= 0 && ru.ru_stime.tv_sec >= 0);
	/* Then "any child" finds the first. */
	CHECK_EQ(wait4(-1, &status, 0, NULL), first);
	CHECK(exited_with(status, 1));
	CHECK_ERR(wait4(-1, &status, 0, NULL), ECHILD);
}

/* ---- exit ------------------------------------------------------------ */

TEST(exit_and_exit_group_end_single_threaded_process)
{
	pid_t a, b;

	a = fork();
	REQUIRE(a >= 0);
	if (a == 0) {
		syscall(SYS_exit, 3);
		_exit(100);	/* not reached */
	}
	b = fork();
	REQUIRE(b >= 0);
	if (b == 0) {
		syscall(SYS_exit_group, 0x1234);	/* only 0x34 survives */
		_exit(100);
	}
	CHECK(exited_with(wait_status(a), 3));
	CHECK(exited_with(wait_status(b), 0x34));
}

/* ---- ids ------------------------------------------------------------- */

TEST(orphan_is_reparented)
{
	int res[2], life[2], ready[2];
	pid_t middle, got[3] = { 0, 0, 0 };

	REQUIRE(pipe(res) == 0 && pipe(life) == 0 && pipe(ready) == 0);
	middle = fork();
	REQUIRE(middle >= 0);
	if (middle == 0) {
		pid_t orphan = fork();
		char c;

		if (orphan == 0) {
			pid_t before = getppid(), now = before, me = getpid();

			close(life[1]);
			put(ready[1], "r", 1);
			/* EOF: the middle process, the only writer, has exited. */
			read(life[0], &c, 1);
			/*
			 * Its files are closed before it is fully gone, so
			 * poll briefly for the new parent.  Which process that
			 * is (init, a subreaper) is not ours to assume.
			 */
			for (int i = 0; i < 1000 && now == before; i++) {
				struct timespec ts = { 0, 1000000 };

				nanosleep(&ts, NULL);
				now = getppid();
			}
			pid_t out[3] = { me, before, now };
			put(res[1], out, sizeof(out));
			_exit(0);
		}
		/* Exit only once the orphan has seen us as its parent. */
		_exit(orphan > 0 && get(ready[0], &c, 1) ? 0 : 1);
	}
	close(life[0]);
	close(life[1]);
	close(res[1]);
	CHECK(exited_with(wait_status(middle), 0));
	REQUIRE(get(res[0], got, sizeof(got)));
	CHECK(got[0] > 0 && got[0] != middle);
	CHECK_EQ(got[1], middle);
	CHECK(got[2] != middle);
	CHECK(got[2] > 0);
	/* The orphan is no child of ours. */
	CHECK_ERR(waitpid(got[0], NULL, WNOHANG), ECHILD);
}

TEST(ids_of_parent_and_child_are_consistent)
{
	pid_t parent = getpid(), pid, reported;
	int p[2];

	CHECK_EQ(syscall(SYS_gettid), getpid());
	/* Not a set-id program: real and effective ids agree. */
	CHECK_EQ(getuid(), geteuid());
	CHECK_EQ(getgid(), getegid());
	REQUIRE(pipe(p) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		int ok = 1;
		pid_t me = getpid();

		put(p[1], &me, sizeof(me));
		ok &= CHECK_EQ(getppid(), parent);
		ok &= CHECK_EQ(syscall(SYS_gettid), me);
		/* User and group ids are inherited. */
		ok &= CHECK_EQ(getuid(), geteuid());
		ok &= CHECK_EQ(getgid(), getegid());
		_exit(ok ? 0 : 1);
	}
	/* The child's own pid is what fork returned. */
	CHECK(get(p[0], &reported, sizeof(reported)));
	CHECK_EQ(reported, pid);
	CHECK(pid != parent);
	CHECK(exited_with(wait_status(pid), 0));
}

/* ---- process groups and sessions ------------------------------------ */

TEST(getpgid_and_setpgid_for_self_and_child)
{
	pid_t pgid = getpgid(0), sid = getsid(0), pid;
	int up[2], down[2];
	char c;

	CHECK(pgid > 0 && sid > 0);
	CHECK_EQ(getpgid(getpid()), pgid);
	CHECK_EQ(getpgrp(), pgid);
	CHECK_EQ(getsid(getpid()), sid);
	CHECK_ERR(setpgid(0, -1), EINVAL);
	/* Our parent is not our child. */
	CHECK_ERR(setpgid(getppid(), 0), ESRCH);
	REQUIRE(pipe(up) == 0 && pipe(down) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		int ok = 1;

		/* Group and session are inherited. */
		ok &= CHECK_EQ(getpgid(0), pgid);
		ok &= CHECK_EQ(getsid(0), sid);
		ok &= CHECK_EQ(setpgid(0, 0), 0);
		ok &= CHECK_EQ(getpgid(0), getpid());
		/* A group that does not exist in our session. */
		ok &= CHECK_ERR(setpgid(0, 0x3ffffff0), EPERM);
		/* Back into the parent's group (same session): allowed. */
		ok &= CHECK_EQ(setpgid(0, pgid), 0);
		ok &= CHECK_EQ(getpgid(0), pgid);
		put(up[1], "d", 1);
		get(down[0], &c, 1);
		_exit(ok ? 0 : 1);
	}
	CHECK(get(up[0], &c, 1));
	CHECK_EQ(getpgid(pid), pgid);
	CHECK_EQ(getsid(pid), sid);
	/* The parent may move its (not yet exec'd) child, too. */
	CHECK_EQ(setpgid(pid, pid), 0);
	CHECK_EQ(getpgid(pid), pid);
	put(down[1], "g", 1);
	CHECK(exited_with(wait_status(pid), 0));
	/* Reaped: no such process. */
	CHECK_ERR(getpgid(pid), ESRCH);
	CHECK_ERR(getsid(pid), ESRCH);
}

TEST(setsid_in_child_makes_it_session_leader)
{
	int up[2], down[2];
	pid_t pid, sid = getsid(0);
	char c;

	REQUIRE(pipe(up) == 0 && pipe(down) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		int ok = 1;

		ok &= CHECK_EQ(setsid(), getpid());
		ok &= CHECK_EQ(getsid(0), getpid());
		ok &= CHECK_EQ(getpgid(0), getpid());
		/* Now a group leader: a second setsid is refused. */
		ok &= CHECK_ERR(setsid(), EPERM);
		put(up[1], "s", 1);
		get(down[0], &c, 1);
		_exit(ok ? 0 : 1);
	}
	CHECK(get(up[0], &c, 1));
	CHECK_EQ(getsid(pid), pid);
	CHECK(getsid(0) == sid);
	/* The child is in another session now: the parent cannot move it. */
	CHECK_ERR(setpgid(pid, getpgid(0)), EPERM);
	put(down[1], "g", 1);
	CHECK(exited_with(wait_status(pid), 0));

	/* A process group leader cannot call setsid. */
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		if (setpgid(0, 0) != 0)
			_exit(1);
		_exit(setsid() == -1 && errno == EPERM ? 0 : 2);
	}
	CHECK(exited_with(wait_status(pid), 0));
}

/* The helper programs sit in ../user-helpers next to this program's folder. */
static void helper_path(char *buf, size_t size, const char *name)
{
	const char *slash = strrchr(utest_argv0, '/');
	int dir_len = slash ? (int)(slash - utest_argv0) : 1;

	snprintf(buf, size, "%.*s/../user-helpers/%s", dir_len, slash ? utest_argv0 : ".", name);
}

/* Run a helper with one argument and one variable; its exit status. */
static int run_helper(const char *name)
{
	char path[512];
	char *argv[] = { path, "arg1", NULL };
	char *envp[] = { "HELLO_EXIT=yes", NULL };
	int status;
	pid_t pid;

	helper_path(path, sizeof(path), name);
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 1);
		execve(path, argv, envp);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST(execve_runs_glibc_static_and_static_pie_programs)
{
	/* ET_EXEC with glibc's start-up code, and ET_DYN that relocates itself. */
	CHECK_EQ(run_helper("hello_exit_static"), 42);
	CHECK_EQ(run_helper("hello_exit_pie"), 42);
}

/*
 * Hold a value in xmm0 across system calls that give the CPU away.  The
 * kernel must keep each process's SSE registers its own: inline assembly,
 * so the compiler cannot save the value in memory around the calls.
 */
static int xmm0_survives_yields(unsigned long value, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		unsigned long out;
		long ret;

		__asm__ __volatile__(
			"movq %[in], %%xmm0\n\t"
			"syscall\n\t"			/* sched_yield: another process runs */
			"movq %%xmm0, %[out]"
			: [out] "=r"(out), "=a"(ret)
			: [in] "r"(value), "a"((long)SYS_sched_yield)
			: "rcx", "r11", "xmm0", "memory");
		if (out != value)
			return 0;
	}
	return 1;
}

TEST(sse_registers_are_private_to_each_process)
{
	pid_t pids[3];
	int status;

	for (int i = 0; i < 3; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(xmm0_survives_yields(0x1111111111111111ul * (i + 1), 2000) ? 0 : 1);
	}
	CHECK(xmm0_survives_yields(0x4444444444444444ul, 2000));
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(waitpid(pids[i], &status, 0), pids[i]);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
}
