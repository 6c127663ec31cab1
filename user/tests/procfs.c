/*
 * The per-process files of /proc as ps, top, pgrep and busybox read them
 * (/proc/self, /proc/PID/{stat,status,comm,cmdline,exe,fd}), the listing
 * of /proc, /proc/mounts, /proc/uptime, /proc/loadavg and /proc/stat, and two calls
 * busybox relies on: sendfile (cat) and F_GETPIPE_SZ.  Every expectation
 * is what Linux shows.  Without /proc the /proc tests skip.  Files go in
 * the current directory.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define COMM_MAX 15		/* Linux's TASK_COMM_LEN, less its NUL */
#define STAT_FIELDS 52		/* /proc/PID/stat's fields since Linux 3.5 */
#define MAX_FIELDS 64
/* sscanf patterns: digits '.' exactly two digits (uptime, loadavg); exactly one blank. */
#define DEC2 "%*[0-9].%*1[0-9]%*1[0-9]"
#define SP "%*1[ ]"

static void need_proc(void)
{
	if (access("/proc/self", F_OK) != 0 && errno == ENOENT)
		utest_skip("/proc is not mounted");
}

/* n in decimal, as /proc names pids and fds (a static buffer: one use at a time). */
static const char *decimal(long n)
{
	static char s[24];

	snprintf(s, sizeof(s), "%ld", n);
	return s;
}

/* "/proc/PID/name", or "/proc/self/name" for pid 0, into path (64 bytes). */
static char *proc_path(char *path, pid_t pid, const char *name)
{
	snprintf(path, 64, "/proc/%s/%s", pid ? decimal(pid) : "self", name);
	return path;
}

/* "/proc/self/fd/FD" into path (64 bytes). */
static char *fd_path(char *path, int fd)
{
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return path;
}

/* All of path into buf, NUL-terminated: its length, or -1 (and errno) if it cannot be read. */
static ssize_t read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t len = 0;
	ssize_t n = 0;

	if (fd < 0)
		return -1;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return n < 0 ? -1 : (ssize_t)len;
}

/* Does the link at path read back as want?  Says what it holds if not. */
static int links_to(const char *path, const char *want)
{
	char got[PATH_MAX];
	ssize_t n = readlink(path, got, sizeof(got) - 1);

	got[n >= 0 ? n : 0] = '\0';
	if (n >= 0 && strcmp(got, want) == 0)
		return 1;
	utest_printf("#     %s links to \"%s\" (errno %d), expected \"%s\"\n", path, got, errno, want);
	return 0;
}

/* Does directory dir have an entry called name? */
static int dir_has(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	REQUIRE(d != NULL);
	while ((e = readdir(d)))
		found |= strcmp(e->d_name, name) == 0;
	closedir(d);
	return found;
}

/* The line of text that starts with the printf-made prefix, or NULL (and says which). */
__attribute__((format(printf, 2, 3)))
static const char *line_with(const char *text, const char *fmt, ...)
{
	char prefix[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	for (const char *l = text; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, prefix, strlen(prefix)) == 0)
			return l;
	utest_printf("#     no line \"%.*s\"\n", (int)strcspn(prefix, "\n"), prefix);
	return NULL;
}

/* /proc/uptime's first number, checking the format: "UP.UU IDLE.II\n". */
static double uptime(void)
{
	char text[64];
	int n = 0;

	REQUIRE(read_text("/proc/uptime", text, sizeof(text)) > 0);
	sscanf(text, DEC2 SP DEC2 "%n", &n);
	if (!CHECK(n > 0 && strcmp(text + n, "\n") == 0))
		utest_printf("#     /proc/uptime reads \"%s\"\n", text);
	return strtod(text, NULL);
}

/* ---- /proc/PID/stat, read the way ps reads it ---------------------------- */

struct pstat {
	char text[1024];
	const char *comm;		/* field 2 without its parentheses */
	char *f[MAX_FIELDS + 1];	/* f[n] is field n as proc(5) numbers them */
	int n;				/* how many fields there are */
};

/* Read and split /proc/PID/stat (pid 0: self); returns the state letter. */
static char read_stat(pid_t pid, struct pstat *s)
{
	char path[64], *open_paren, *close_paren, *save;

	memset(s, 0, sizeof(*s));
	REQUIRE(read_text(proc_path(path, pid, "stat"), s->text, sizeof(s->text)) > 0);
	/* comm may hold ')' and blanks: it runs from the first '(' to the last ')'. */
	open_paren = strchr(s->text, '(');
	close_paren = strrchr(s->text, ')');
	REQUIRE(open_paren && close_paren > open_paren);
	*open_paren = *close_paren = '\0';
	s->f[1] = s->text;
	s->comm = open_paren + 1;
	s->n = 2;
	for (char *t = strtok_r(close_paren + 1, " \n", &save); t && s->n < MAX_FIELDS;
	     t = strtok_r(NULL, " \n", &save))
		s->f[++s->n] = t;
	REQUIRE(s->n >= 3);
	return s->f[3][0];
}

/* Field n as a number (-1 if there is no such field). */
static long long field(const struct pstat *s, int n)
{
	return n <= s->n ? strtoll(s->f[n], NULL, 10) : -1;
}

/* Linux names a process after the file it executes, cut to 15 bytes. */
static const char *program_comm(void)
{
	static char comm[COMM_MAX + 1];
	const char *slash = strrchr(utest_argv0, '/');

	snprintf(comm, sizeof(comm), "%s", slash ? slash + 1 : utest_argv0);
	return comm;
}

/* A child that waits in pause(); the alarm ends it if a failed test leaves it behind. */
static pid_t fork_pausing(void)
{
	pid_t pid = fork();

	REQUIRE(pid >= 0);
	if (pid == 0) {
		alarm(10);
		for (;;)
			pause();
	}
	return pid;
}

/* Kill child pid and wait until it is a zombie, without reaping it (the caller reaps). */
static void kill_to_zombie(pid_t pid)
{
	siginfo_t si;

	CHECK_OK(kill(pid, SIGKILL));
	REQUIRE(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0);
}

/* ---- /proc/self, /proc/PID/stat, comm, status ---------------------------- */

TEST(self_and_our_pid_are_in_proc_and_gone_pids_are_not)
{
	char path[64];
	struct stat st;
	pid_t pid;

	need_proc();
	CHECK(lstat("/proc/self", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(links_to("/proc/self", decimal(getpid())));
	CHECK(stat(proc_path(path, getpid(), ""), &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(dir_has("/proc", decimal(getpid())));
	CHECK(dir_has("/proc", "self"));
	/* Once reaped, a child's pid names nothing. */
	pid = fork_pausing();
	kill_to_zombie(pid);
	CHECK(killed_by(wait_status(pid), SIGKILL));
	CHECK_ERR(open(proc_path(path, pid, ""), O_RDONLY | O_DIRECTORY), ENOENT);
	CHECK_ERR(open(proc_path(path, pid, "stat"), O_RDONLY), ENOENT);
}

static atomic_int stop_waiting;

static void *wait_for_stop(void *arg)
{
	while (!atomic_load(&stop_waiting))
		sleep_ms(1);
	return arg;
}

TEST(stat_describes_the_caller)
{
	struct pstat s;
	pthread_t t;
	double up;

	need_proc();
	CHECK_EQ(read_stat(0, &s), 'R');	/* a reader of its own stat is running */
	up = uptime();				/* after stat: starttime cannot be later */
	CHECK(s.n >= STAT_FIELDS);
	CHECK_EQ(field(&s, 1), getpid());
	if (!CHECK(strcmp(s.comm, program_comm()) == 0))
		utest_printf("#     comm \"%s\", expected \"%s\"\n", s.comm, program_comm());
	CHECK_EQ(field(&s, 4), getppid());
	CHECK_EQ(field(&s, 5), getpgrp());
	CHECK_EQ(field(&s, 6), getsid(0));
	CHECK_EQ(field(&s, 20), 1);	/* num_threads */
	/* starttime, in ticks since boot */
	CHECK(field(&s, 22) <= (long long)(up * sysconf(_SC_CLK_TCK)) + 1);
	CHECK(field(&s, 23) > 0);	/* vsize, bytes */
	CHECK(field(&s, 24) > 0);	/* rss, pages */
	start_thread(&t, wait_for_stop, NULL);
	read_stat(0, &s);
	CHECK_EQ(field(&s, 20), 2);
	atomic_store(&stop_waiting, 1);
	join(t);
	/* join returns when the thread clears its tid, a moment before Linux unhashes it. */
	CHECK(EVENTUALLY((read_stat(0, &s), field(&s, 20) == 1)));
}

TEST(stat_state_of_stopped_and_zombie_children)
{
	struct pstat s;
	pid_t pid;
	int st;

	need_proc();
	pid = fork_pausing();
	CHECK_OK(kill(pid, SIGSTOP));
	REQUIRE(waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st));
	CHECK_EQ(read_stat(pid, &s), 'T');
	kill_to_zombie(pid);
	CHECK_EQ(read_stat(pid, &s), 'Z');
	CHECK(killed_by(wait_status(pid), SIGKILL));
}

/* PR_GET_NAME gives want, and /proc/self/comm want and a newline. */
static void check_comm(const char *want)
{
	char got[COMM_MAX + 1], text[64], line[64];

	snprintf(line, sizeof(line), "%s\n", want);
	CHECK(prctl(PR_GET_NAME, got) == 0 && strcmp(got, want) == 0);
	CHECK(read_text("/proc/self/comm", text, sizeof(text)) > 0 && strcmp(text, line) == 0);
}

/* A name that fools a parser stopping at the first ')': it would read state S, ppid 1. */
#define ODD_NAME "x) S 1 (y"

TEST(comm_set_by_prctl_with_a_paren_and_a_space)
{
	struct pstat s;

	need_proc();
	REQUIRE(prctl(PR_SET_NAME, ODD_NAME) == 0);
	check_comm(ODD_NAME);
	CHECK_EQ(read_stat(0, &s), 'R');
	CHECK(strcmp(s.comm, ODD_NAME) == 0);
	CHECK_EQ(field(&s, 4), getppid());
	/* A longer name keeps its first 15 bytes. */
	REQUIRE(prctl(PR_SET_NAME, "0123456789abcdefghij") == 0);
	check_comm("0123456789abcde");
}

TEST(status_has_the_lines_ps_reads)
{
	char text[4096], *end;	/* it is about 1.5 KiB */
	const char *vm, *blk;
	uid_t r, e, s;
	sigset_t set;

	need_proc();
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	REQUIRE(sigprocmask(SIG_BLOCK, &set, NULL) == 0 && getresuid(&r, &e, &s) == 0);
	REQUIRE(read_text("/proc/self/status", text, sizeof(text)) > 0);
	CHECK(line_with(text, "Name:\t%s\n", program_comm()));
	CHECK(line_with(text, "State:\tR (running)\n"));
	CHECK(line_with(text, "Pid:\t%d\n", (int)getpid()));
	CHECK(line_with(text, "PPid:\t%d\n", (int)getppid()));
	CHECK(line_with(text, "Uid:\t%u\t%u\t%u\t", r, e, s));	/* real, effective, saved, fs */
	CHECK(line_with(text, "Threads:\t1\n"));
	vm = line_with(text, "VmRSS:");
	CHECK(vm && strtoll(vm + 6, &end, 10) > 0 && strncmp(end, " kB\n", 4) == 0);
	/* SigBlk is a hex mask with bit sig-1 for each blocked signal. */
	blk = line_with(text, "SigBlk:\t");
	CHECK(blk && strtoull(blk + 8, NULL, 16) == 1ULL << (SIGUSR1 - 1));
}

/* ---- /proc/PID/cmdline, exe, fd ------------------------------------------ */

TEST_CHILD(pause_after_ready)
{
	(void)argc;
	(void)argv;
	/* The test waits for this byte on fd 3, so that it reads our cmdline after the exec. */
	if (write(3, "x", 1) != 1)
		return 1;
	for (;;)
		pause();
}

TEST(cmdline_of_an_exec_child_and_of_a_zombie)
{
	const char *args[] = { utest_argv0, "--child", "pause_after_ready", "a", "b c", "", NULL };
	char want[PATH_MAX + 64], got[sizeof(want)], path[64], c;
	size_t len = 0;
	int ready[2];
	pid_t pid;

	need_proc();
	/* Each argument and its NUL, the empty one too. */
	for (int i = 0; args[i]; i++)
		len += strlen(strcpy(want + len, args[i])) + 1;
	REQUIRE(pipe(ready) == 0);
	REQUIRE((pid = fork()) >= 0);
	if (pid == 0) {
		alarm(10);	/* kept across exec */
		dup2(ready[1], 3);
		execv(utest_argv0, (char **)args);
		_exit(127);
	}
	close(ready[1]);
	REQUIRE(read(ready[0], &c, 1) == 1);
	CHECK_EQ(read_text(proc_path(path, pid, "cmdline"), got, sizeof(got)), len);
	CHECK(memcmp(got, want, len) == 0);
	/* A zombie has no memory left to hold its arguments. */
	kill_to_zombie(pid);
	CHECK_EQ(read_text(path, got, sizeof(got)), 0);
	CHECK(killed_by(wait_status(pid), SIGKILL));
}

TEST(exe_links_to_the_program)
{
	char want[PATH_MAX];

	need_proc();
	REQUIRE(realpath(utest_argv0, want) != NULL);
	CHECK(links_to("/proc/self/exe", want));
}

TEST(fd_dir_lists_and_links_open_fds)
{
	char want[PATH_MAX], path[64];
	struct stat st;
	int fd, p[2];

	need_proc();
	/* 0, 1 and 2 are listed exactly when open (a runner could close one). */
	for (int i = 0; i <= 2; i++)
		CHECK_EQ(dir_has("/proc/self/fd", decimal(i)), fcntl(i, F_GETFD) != -1);
	fd = open("fd-file", O_CREAT | O_TRUNC | O_RDWR, 0644);
	REQUIRE(fd >= 0 && realpath("fd-file", want) != NULL);
	CHECK(dir_has("/proc/self/fd", decimal(fd)));
	CHECK(links_to(fd_path(path, fd), want));
	close(fd);
	CHECK_ERR(readlink(path, want, sizeof(want)), ENOENT);
	CHECK_OK(unlink("fd-file"));
	/* Both ends of a pipe name its inode. */
	REQUIRE(pipe(p) == 0 && fstat(p[0], &st) == 0);
	snprintf(want, sizeof(want), "pipe:[%llu]", (unsigned long long)st.st_ino);
	CHECK(links_to(fd_path(path, p[0]), want));
	CHECK(links_to(fd_path(path, p[1]), want));
}

/* ---- /proc/mounts, /proc/uptime, /proc/loadavg, /proc/stat -------------- */

TEST(mounts_lines_have_six_fields)
{
	char *line = NULL, dir[256], type[64];
	int root = 0, proc = 0, n;
	size_t cap = 0;
	FILE *f;

	need_proc();
	REQUIRE((f = fopen("/proc/mounts", "r")) != NULL);
	while (getline(&line, &cap, f) > 0) {
		/* Device, mount point, type, options, dump, pass (blanks in names are \040). */
		n = 0;
		sscanf(line, "%*s %255s %63s %*s %*d %*d%n", dir, type, &n);
		if (!CHECK(n > 0 && strcmp(line + n, "\n") == 0)) {
			utest_printf("#     line: %s", line);
			continue;
		}
		root |= strcmp(dir, "/") == 0;
		/* The last mount on /proc is the one in view. */
		if (strcmp(dir, "/proc") == 0)
			proc = strcmp(type, "proc") == 0 ? 1 : -1;
	}
	free(line);
	fclose(f);
	CHECK(root);
	CHECK_EQ(proc, 1);
}

TEST(uptime_advances_with_time)
{
	double t0, t1, up0, up1;

	need_proc();
	t0 = now();
	up0 = uptime();
	sleep_ms(1000);
	up1 = uptime();
	t1 = now();
	/* Hundredths, truncated: at most 0.01 lost, never more gained than elapsed. */
	CHECK(up1 - up0 >= 0.98 && up1 - up0 <= t1 - t0 + 0.02);
}

TEST(loadavg_format)
{
	long running = 0, threads = 0, last = 0;
	char text[128];
	int n = 0;
	pid_t pid;

	need_proc();
	/* The last field is the pid handed out last: a child just forked, or a later one. */
	REQUIRE((pid = fork()) >= 0);
	if (pid == 0)
		_exit(0);
	REQUIRE(read_text("/proc/loadavg", text, sizeof(text)) > 0);
	CHECK(exited_with(wait_status(pid), 0));
	/* "0.12 0.34 0.56 R/T LAST\n": averages, running/all threads, last pid. */
	sscanf(text, DEC2 SP DEC2 SP DEC2 SP "%ld/%ld" SP "%ld%n", &running, &threads, &last, &n);
	if (!CHECK(n > 0 && strcmp(text + n, "\n") == 0))
		utest_printf("#     /proc/loadavg reads \"%s\"\n", text);
	CHECK(running >= 1 && threads >= running);	/* we run as we read */
	/* Only a wrap of pid numbers in between could make it smaller. */
	CHECK(last >= pid);
}

/* The sum of the numbers on /proc/stat's "cpu " line, in 1/100 s; -1 if it is missing. */
static long long cpu_ticks(const char *text)
{
	const char *l = line_with(text, "cpu ");
	long long sum = 0;
	char *end;

	if (!l)
		return -1;
	l += strlen("cpu ");
	for (int i = 0; i < 10; i++, l = end) {
		long long v = strtoll(l, &end, 10);

		if (end == l)
			return i >= 4 ? sum : -1;	/* user nice system idle at the least */
		sum += v;
	}
	return sum;
}

TEST(stat_counts_cpu_time_and_processes)
{
	static char before[16384], after[16384];
	long ncpus = 0;
	long long t0, t1, btime = 0, processes = 0, running = 0;
	const char *l;
	double s0, s1;

	need_proc();
	s0 = now();
	REQUIRE(read_text("/proc/stat", before, sizeof(before)) > 0);
	sleep_ms(1000);
	REQUIRE(read_text("/proc/stat", after, sizeof(after)) > 0);
	s1 = now();
	/* One "cpuN " line per online CPU (all of the machine's, whatever our affinity). */
	for (l = after; (l = strstr(l, "\ncpu")) != NULL; l++)
		ncpus += l[4] >= '0' && l[4] <= '9';
	CHECK(ncpus >= 1 && line_with(after, "cpu0 ") != NULL);
	/* Every online CPU's time, idle or busy, moves on with the clock. */
	t0 = cpu_ticks(before);
	t1 = cpu_ticks(after);
	CHECK(t0 >= 0 && t1 >= 0);
	if (!CHECK(t1 - t0 >= 90 && t1 - t0 <= ncpus * ((s1 - s0) * 100 + 10)))
		utest_printf("#     %ld CPUs, %lld ticks in %.2f s\n", ncpus, t1 - t0, s1 - s0);
	/* Boot time plus uptime is now, in seconds since the epoch. */
	if (CHECK((l = line_with(after, "btime ")) != NULL))
		btime = atoll(l + strlen("btime "));
	if (!CHECK(llabs(btime + (long long)uptime() - (long long)time(NULL)) <= 2))
		utest_printf("#     btime %lld\n", btime);
	if (CHECK((l = line_with(after, "processes ")) != NULL))
		processes = atoll(l + strlen("processes "));
	CHECK(processes >= 1);
	if (CHECK((l = line_with(after, "procs_running ")) != NULL))
		running = atoll(l + strlen("procs_running "));
	CHECK(running >= 1);	/* we run as we read */
	CHECK(line_with(after, "procs_blocked ") != NULL);
}

/* ---- sendfile and pipe size ----------------------------------------------- */

#define SF_SIZE 8192
#define SF_SEED 5

TEST(sendfile_copies_between_files)
{
	unsigned char want[500], got[500];
	int in = pat_file("sf-in", SF_SIZE, SF_SEED), out;
	off_t off = 4096;

	REQUIRE((out = open("sf-out", O_CREAT | O_TRUNC | O_RDWR, 0644)) >= 0);
	/* Without an offset: from the input's file offset, which moves. */
	CHECK_EQ(sendfile(out, in, NULL, 1000), 1000);
	CHECK_EQ(lseek(in, 0, SEEK_CUR), 1000);
	CHECK_EQ(lseek(out, 0, SEEK_CUR), 1000);
	CHECK_PAT(out, 0, 1000, SF_SEED);
	/* With one: from *offset, which moves; the file offset stays. */
	CHECK_EQ(sendfile(out, in, &off, sizeof(want)), sizeof(want));
	CHECK_EQ(off, 4096 + sizeof(want));
	CHECK_EQ(lseek(in, 0, SEEK_CUR), 1000);
	pat_fill(want, sizeof(want), 4096, SF_SEED);
	CHECK(pread(out, got, sizeof(got), 1000) == sizeof(got) && memcmp(got, want, sizeof(got)) == 0);
	/* Nothing asked, nothing done. */
	CHECK_EQ(sendfile(out, in, NULL, 0), 0);
	CHECK_EQ(sendfile(out, in, &off, 0), 0);
	CHECK_EQ(off, 4096 + sizeof(want));
	/* At the end of the input, what is left, then 0 (cat's loop ends on it). */
	off = SF_SIZE - 100;
	CHECK_EQ(sendfile(out, in, &off, 1000), 100);
	CHECK_EQ(sendfile(out, in, &off, 1000), 0);
	CHECK_EQ(fd_size(out), 1000 + sizeof(want) + 100);
	CHECK_OK(unlink("sf-in"));
	CHECK_OK(unlink("sf-out"));
}

TEST(sendfile_from_a_pipe_is_einval)
{
	int p[2], out;

	REQUIRE(pipe(p) == 0 && write(p[1], "abc", 3) == 3);
	REQUIRE((out = open("sf-pipe", O_CREAT | O_TRUNC | O_RDWR, 0644)) >= 0);
	/* Linux splices only from files that have a splice_read: pipes have none. */
	CHECK_ERR(sendfile(out, p[0], NULL, 3), EINVAL);
	CHECK_EQ(fd_size(out), 0);
	CHECK_OK(unlink("sf-pipe"));
}

TEST(pipe_size_is_64_kib)
{
	int p[2];

	REQUIRE(pipe(p) == 0);
	CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 65536);	/* Linux's default: 16 pages */
	CHECK_EQ(fcntl(p[1], F_GETPIPE_SZ), 65536);
}
