/*
 * /init: the first user program.
 *
 * With "user=GLOB" on the kernel command line (passed here as an
 * argument) it runs the test programs in /bin/tests whose names match,
 * one after the other, each in a fresh scratch directory under /tmp, and
 * relays their TAP output to the console:
 *
 *     # suite user on pagoda
 *     # start files/open_creates_file ...  (from the programs)
 *     ok 1 - files/open_creates_file
 *     # user done: P passed, F failed
 *
 * then powers off.  The last result is init's own: the free-page count
 * must be the same before and after the programs (no page leaks).
 * "user_skip=prog/test,..." skips tests that hung or
 * crashed in an earlier boot (the harness adds it).
 *
 * "stress_seconds=N" is passed on as STRESS_SECONDS (how long the stress
 * tests run; 3 s by default), and every "test_xxx=VALUE" as TEST_XXX=VALUE
 * (the disks user/tests/blockdev.c may use, TEST_OOM=1 and the like, which
 * let tests change or exhaust the machine), in the real round only.
 *
 * "user_dir=DIR" puts the scratch directories in DIR instead of /tmp (an
 * ext2 root: the same programs then test ext2), and keeps those of the
 * real round, so the harness can read back from the disk image what the
 * programs recorded ("# file-checksum" lines); the page-leak check is
 * left out there, since the page cache keeps what was read and written.
 * "test_small_disk=/dev/vdX" mounts that (small, empty) ext2 disk on
 * /small and passes TEST_SMALL_DIR=/small (user/tests/enospc.c);
 * "test_eio_disk=/dev/vdX" mounts that one, whose files' first writes fail
 * (QEMU's blkdebug), on /eio as TEST_EIO_DIR=/eio (user/tests/wb_errors.c).
 *
 * "durable=PATH" writes a known pattern to PATH, fsyncs it and powers off
 * at once, with no sync: the harness then finds the data in the image
 * only if fsync put it there.  With "durable_then=wait" it waits instead,
 * for the harness to kill QEMU the moment it reads the line saying so.
 * "expire=PATH" writes the pattern with no fsync, waits as long as the
 * flusher may take to write it back on its own (dirty_expire_centisecs +
 * dirty_writeback_centisecs, and a little), says so, and waits likewise.
 *
 * With "run=PATH" it runs that one program (a benchmark, say), with
 * "run_arg=ARG" as its one argument if given (a test program takes it as a
 * glob of its tests to run), and the console as its output, in /tmp (or in user_dir=), then powers off.  With neither, it runs a login shell
 * (/bin/sh, busybox's, on the ext2 root) on the console, again each time
 * it exits.
 *
 * init also reaps orphans: every process whose parent died is its child.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define TEST_DIR "/bin/tests"
#define PROGRAM_TIMEOUT 300	/* seconds for one whole program */
#define MAX_PROGRAMS 128

static int passed, failed;
static const char *user_dir = "/tmp";	/* where the scratch directories go */
static bool keep_scratch;		/* user_dir= given: keep the real round's */
static const char *cached_dir;		/* files on a disk are there: the page cache keeps them */
static const char *stress_seconds = "3";	/* STRESS_SECONDS for the programs */
#define MAX_TEST_VARS 8
static char *test_vars[MAX_TEST_VARS + 1];	/* TEST_...=... for the programs (test_xxx= options) */

static void say(const char *s)
{
	write(1, s, strlen(s));
}

/* Remove a directory tree (the scratch directory of a test program). */
static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char child[4096];

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
		if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(child);
		else
			unlink(child);
	}
	closedir(d);
	rmdir(path);
}

/* Count a relayed TAP line. */
static void count_line(const char *line)
{
	if (!strncmp(line, "ok ", 3))
		passed++;
	else if (!strncmp(line, "not ok ", 7))
		failed++;
}

/* Copy the child's output to the console line by line, counting results. */
static void relay(int fd, bool quiet)
{
	static char buf[8192];
	size_t have = 0;
	ssize_t n;

	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0 || (n < 0 && errno == EINTR)) {
		char *start = buf, *nl;

		if (n < 0)
			continue;
		have += n;
		buf[have] = '\0';
		while ((nl = strchr(start, '\n'))) {
			*nl = '\0';
			if (!quiet) {
				count_line(start);
				*nl = '\n';
				write(1, start, nl - start + 1);	/* whole lines: one write each */
			}
			start = nl + 1;
		}
		have -= start - buf;
		memmove(buf, start, have);
		if (have == sizeof(buf) - 1) {	/* a huge line: pass it on as it is */
			if (!quiet)
				write(1, buf, have);
			have = 0;
		}
	}
	if (have && !quiet)
		write(1, buf, have);
}

/* Run one test program; quiet: discard its output (the warm-up round). */
static void run_program(const char *name, const char *skip, bool quiet)
{
	char path[512], scratch[512], env_skip[1024], env_stress[64];
	int fds[2], status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", TEST_DIR, name);
	snprintf(scratch, sizeof(scratch), "%s/run.%s%s", user_dir, name, quiet ? ".warm-up" : "");
	snprintf(env_skip, sizeof(env_skip), "UTEST_SKIP=%s", skip ? skip : "");
	/* The warm-up round need not stress for long: the defaults do. */
	snprintf(env_stress, sizeof(env_stress), "STRESS_SECONDS=%s", quiet ? "" : stress_seconds);
	if (mkdir(scratch, 0755) < 0 && errno != EEXIST) {
		printf("not ok - %s # cannot make %s: %s\n", name, scratch, strerror(errno));
		fflush(stdout);
		failed++;
		return;
	}
	if (pipe(fds) < 0) {
		perror("init: pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		char *argv[] = { path, NULL };
		char *envp[5 + MAX_TEST_VARS] = { "HOME=/", "PATH=/bin", env_skip, env_stress };

		/*
		 * The test variables only in the real round: the warm-up must not
		 * use up the errors the harness injected once.
		 */
		for (int i = 0; !quiet && test_vars[i]; i++)
			envp[4 + i] = test_vars[i];

		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		if (chdir(scratch) < 0)
			_exit(126);
		alarm(PROGRAM_TIMEOUT);
		execve(path, argv, envp);
		_exit(127);
	}
	close(fds[1]);
	relay(fds[0], quiet);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!quiet && (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 1))) {
		printf("not ok - %s # the program itself %s %d\n", name,
		       WIFEXITED(status) ? "exited with" : "was killed by signal",
		       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		fflush(stdout);
		failed++;
	}
	if (quiet || !keep_scratch)
		remove_tree(scratch);
	/* Orphans the program left behind are ours now: reap them. */
	while (waitpid(-1, &status, WNOHANG) > 0)
		;
}

/* run=PATH [run_arg=ARG]: the program's output goes straight to the console. */
static void run_one_program(const char *path, const char *arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = { (char *)path, (char *)arg, NULL };
		char *envp[] = { "HOME=/", "PATH=/bin", NULL };

		if (chdir(keep_scratch ? user_dir : "/tmp") == 0)
			execve(path, argv, envp);
		printf("init: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	printf("# run done: %s exited with status %d\n", path, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned long free_pages_once(void)
{
	struct sysinfo si;

	if (sysinfo(&si) < 0)
		return 0;
	return si.freeram * si.mem_unit / 4096;
}

/*
 * The free-page count once it has settled: the last threads of a program
 * may still be on their way out when its process is reaped.
 */
static unsigned long free_pages_now(void)
{
	unsigned long last = free_pages_once(), now;

	for (int i = 0; i < 50; i++) {
		usleep(20000);
		now = free_pages_once();
		if (now == last)
			break;
		last = now;
	}
	return last;
}

static void run_tests(const char *pattern, const char *skip)
{
	char *names[MAX_PROGRAMS];
	unsigned long before, after;
	int n = 0;
	DIR *d = opendir(TEST_DIR);
	struct dirent *e;

	say("# suite user on pagoda\n");
	if (!d) {
		printf("not ok - user/init # no %s: %s\n", TEST_DIR, strerror(errno));
		fflush(stdout);
		failed++;
		return;
	}
	while ((e = readdir(d)) && n < MAX_PROGRAMS)
		if (e->d_name[0] != '.' && fnmatch(pattern, e->d_name, 0) == 0)
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), by_name);
	/*
	 * A first, silent round fills the kernel's caches (each kmalloc size
	 * class keeps one empty slab page once used, for instance), and
	 * everything init needs is allocated by then.  So the free-page count
	 * after the reported round must equal the count before it: any
	 * difference is memory the kernel lost track of.
	 */
	for (int i = 0; i < n; i++)
		run_program(names[i], skip, true);
	before = free_pages_now();
	for (int i = 0; i < n; i++)
		run_program(names[i], skip, false);
	after = free_pages_now();
	printf("# free pages: %lu before the programs, %lu after\n", before, after);
	if (cached_dir) {
		printf("ok - init/no_page_leaks # SKIP the page cache keeps the files of %s\n", cached_dir);
		passed++;
	} else if (before == after) {
		printf("ok - init/no_page_leaks\n");
		passed++;
	} else {
		printf("not ok - init/no_page_leaks # %ld pages lost\n", (long)(before - after));
		failed++;
	}
}

/* test_disk_ro=/dev/vda becomes TEST_DISK_RO=/dev/vda in the programs' environment. */
static void add_test_var(const char *word)
{
	int n = 0;
	char *v;

	while (n < MAX_TEST_VARS && test_vars[n])
		n++;
	if (n == MAX_TEST_VARS || !(v = strdup(word))) {
		printf("init: no room for %s\n", word);
		return;
	}
	for (char *c = v; *c && *c != '='; c++)
		if (*c >= 'a' && *c <= 'z')
			*c -= 'a' - 'A';
	test_vars[n] = v;
}

/* test_small_disk= and test_eio_disk=: mount the disk on dir, tell the programs (var). */
static void mount_test_disk(const char *device, const char *dir, const char *var)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		printf("init: cannot make %s: %s\n", dir, strerror(errno));
	} else if (mount(device, dir, "ext2", 0, NULL) < 0) {
		printf("init: cannot mount %s on %s: %s\n", device, dir, strerror(errno));
	} else {
		add_test_var(var);
		cached_dir = dir;
	}
}

/* The byte the durable= file holds at offset i (tests/disks.py's durable_byte). */
static unsigned char durable_byte(unsigned long i)
{
	return (i * 29 + (i >> 9)) & 0xff;
}

#define DURABLE_SIZE (1 << 20)

/* Fill the durable= or expire= file with the pattern; an open descriptor, or -1. */
static int write_pattern_file(const char *path)
{
	static unsigned char buf[DURABLE_SIZE];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	for (unsigned long i = 0; i < DURABLE_SIZE; i++)
		buf[i] = durable_byte(i);
	if (fd >= 0 && write(fd, buf, DURABLE_SIZE) != DURABLE_SIZE) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		printf("init: %s: %s\n", path, strerror(errno));
	return fd;
}

/* The end of those modes: power off with no sync, or wait to be killed. */
static __attribute__((noreturn)) void end_without_sync(bool wait_for_kill)
{
	while (wait_for_kill)
		pause();
	reboot(RB_POWER_OFF);
	_exit(1);
}

/* durable=PATH: write, fsync, then power off or wait (see the top of this file). */
static void write_durably(const char *path, bool wait_for_kill)
{
	int fd = write_pattern_file(path);

	if (fd >= 0 && fsync(fd) < 0)
		printf("init: durable=%s: fsync: %s\n", path, strerror(errno));
	else if (fd >= 0)
		printf("# durable: %s written and fsynced\n", path);
	end_without_sync(wait_for_kill);
}

/* An integer from a /proc/sys file, or dflt. */
static long read_sysctl(const char *path, long dflt)
{
	FILE *f = fopen(path, "r");
	long v = dflt;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = dflt;
		fclose(f);
	}
	return v;
}

/* expire=PATH: write, no fsync, wait for the flusher's time (see the top of this file). */
static void write_and_let_expire(const char *path)
{
	long centisecs = read_sysctl("/proc/sys/vm/dirty_expire_centisecs", 3000) +
			 read_sysctl("/proc/sys/vm/dirty_writeback_centisecs", 500);
	int fd = write_pattern_file(path);

	if (fd >= 0) {
		printf("# expire: %s written, not synced; waiting %ld s\n", path, centisecs / 100 + 2);
		sleep(centisecs / 100 + 2);
		printf("# expire: waited\n");
	}
	end_without_sync(true);
}

#define SHELL "/bin/sh"

/*
 * busybox's poweroff, reboot and halt (without -f) ask init by signal:
 * SIGUSR2, SIGTERM, SIGUSR1.  Pagoda's only way down is powering off.
 */
static volatile sig_atomic_t shutdown_asked;

static void ask_shutdown(int sig)
{
	shutdown_asked = sig;
}

static void catch_shutdown_signals(void)
{
	struct sigaction sa = { .sa_handler = ask_shutdown };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

/*
 * The shell on the console: a session of its own with the console as its
 * controlling terminal (taken over from init's session) and its process
 * group in the foreground, so ^C, ^Z and job control reach it and its
 * jobs, not init.  Returns the shell's pid, or -1.
 */
static pid_t start_login_shell(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = { "-sh", NULL };	/* "-": a login shell, it reads /etc/profile */
		char *envp[] = { "HOME=/root", "TERM=vt100", "PATH=/bin:/sbin:/usr/bin:/usr/sbin",
				 "SHELL=" SHELL, "USER=root", "LOGNAME=root", NULL };

		setsid();
		ioctl(0, TIOCSCTTY, 1);
		tcsetpgrp(0, getpid());
		execve(SHELL, argv, envp);
		printf("init: cannot run %s: %s\n", SHELL, strerror(errno));
		_exit(127);
	}
	return pid;
}

/*
 * No tests asked for: a shell on the console, started again whenever it
 * exits (as getty would), while init reaps every orphan.  Without a shell
 * on the root file system (the initramfs alone), say so and just reap.
 */
static __attribute__((noreturn)) void run_login_shells(void)
{
	pid_t shell = -1;

	catch_shutdown_signals();
	if (access(SHELL, X_OK) != 0)
		say("Pagoda /init: there is no " SHELL " here (the root is the initramfs).\n"
		    "Boot with the ext2 root (make run), or with user=* to run the user tests.\n");
	for (;;) {
		pid_t pid;

		if (shell < 0 && access(SHELL, X_OK) == 0)
			shell = start_login_shell();
		pid = wait(NULL);
		if (pid < 0 && errno == ECHILD)
			pause();
		if (shutdown_asked) {
			say("init: the system is going down\n");
			sync();
			reboot(RB_POWER_OFF);
		}
		if (pid == shell) {
			say("init: the shell exited; starting a new one (poweroff -f turns Pagoda off)\n");
			shell = -1;
			sleep(1);	/* a shell that cannot start must not spin */
		}
	}
}

int main(int argc, char **argv)
{
	const char *pattern = NULL, *skip = NULL, *run = NULL, *run_arg = NULL;
	const char *small = NULL, *eio = NULL, *durable = NULL, *expire = NULL;
	bool durable_wait = false;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "user=", 5))
			pattern = argv[i] + 5;
		else if (!strncmp(argv[i], "user_skip=", 10))
			skip = argv[i] + 10;
		else if (!strncmp(argv[i], "run=", 4))
			run = argv[i] + 4;
		else if (!strncmp(argv[i], "run_arg=", 8))
			run_arg = argv[i] + 8;
		else if (!strncmp(argv[i], "stress_seconds=", 15))
			stress_seconds = argv[i] + 15;
		else if (!strncmp(argv[i], "user_dir=", 9))
			user_dir = argv[i] + 9;
		else if (!strncmp(argv[i], "test_small_disk=", 16))
			small = argv[i] + 16;
		else if (!strncmp(argv[i], "test_eio_disk=", 14))
			eio = argv[i] + 14;
		else if (!strncmp(argv[i], "test_", 5) && strchr(argv[i], '='))
			add_test_var(argv[i]);
		else if (!strncmp(argv[i], "durable=", 8))
			durable = argv[i] + 8;
		else if (!strcmp(argv[i], "durable_then=wait"))
			durable_wait = true;
		else if (!strncmp(argv[i], "expire=", 7))
			expire = argv[i] + 7;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	keep_scratch = strcmp(user_dir, "/tmp") != 0;
	if (keep_scratch)
		cached_dir = user_dir;
	if (durable)
		write_durably(durable, durable_wait);
	if (expire)
		write_and_let_expire(expire);
	mkdir("/tmp", 01777);
	if (keep_scratch && mkdir(user_dir, 0755) < 0 && errno != EEXIST)
		printf("init: cannot make %s: %s\n", user_dir, strerror(errno));
	if (small)
		mount_test_disk(small, "/small", "test_small_dir=/small");
	if (eio)
		mount_test_disk(eio, "/eio", "test_eio_dir=/eio");
	if (run) {
		run_one_program(run, run_arg);
		sync();
		reboot(RB_POWER_OFF);
	}
	if (!pattern)
		run_login_shells();
	run_tests(pattern, skip);
	printf("# user done: %d passed, %d failed\n", passed, failed);
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
