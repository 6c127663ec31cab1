/*
 * utest runner (see utest.h).  Each test runs in a forked child; the parent
 * waits for it and prints the TAP line, so even a test that crashes or
 * hangs produces its line and the program goes on with the next test.
 * The helpers the tests share (child processes, files) follow the runner's
 * own small functions.
 */
#include "utest.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TESTS 256

struct utest {
	const char *name;
	utest_fn fn;
	const char *file;
};

struct utest_child {
	const char *name;
	utest_child_fn fn;
};

#define MAX_CHILDREN 32

static struct utest tests[MAX_TESTS];
static struct utest_child children[MAX_CHILDREN];
static int nchildren;
static int ntests;
static int failed_checks;	/* in the child: checks failed so far */
static char *skip_reason;	/* shared with the children: why a test skipped itself */

#define EXIT_SKIPPED 77		/* a test's exit status for "skipped" (automake's) */
const char *utest_argv0;
unsigned int utest_timeout = 20;

void utest_register(const char *name, utest_fn fn, const char *file)
{
	if (ntests == MAX_TESTS) {
		utest_printf("Bail out! more than %d tests in one program\n", MAX_TESTS);
		exit(2);
	}
	tests[ntests++] = (struct utest){ name, fn, file };
}

void utest_printf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	for (int off = 0; off < n;) {
		ssize_t w = write(1, buf + off, n - off);
		if (w <= 0)
			break;
		off += w;
	}
}

void utest_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	const char *base = strrchr(file, '/');

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	utest_printf("#   %s:%d: expected %s\n", base ? base + 1 : file, line, msg);
	failed_checks++;
}

void utest_skip(const char *reason)
{
	if (skip_reason)
		snprintf(skip_reason, 256, "%s", reason);
	_exit(failed_checks ? 1 : EXIT_SKIPPED);
}

void utest_abort(void)
{
	_exit(failed_checks ? 1 : 2);
}

int utest_failed(void)
{
	return failed_checks;
}

void utest_watchdog(void)
{
	alarm(utest_timeout);
}

int wait_status(pid_t pid)
{
	int status;
	pid_t r;

	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (!CHECK_EQ(r, pid))
		return -1;
	return status;
}

int exited_with(int status, int code)
{
	return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

int killed_by(int status, int sig)
{
	return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

int run_in_child(void (*fn)(void *arg), void *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &no_core);
		fn(arg);
		_exit(0);
	}
	if (!CHECK(pid > 0))
		return -1;
	return wait_status(pid);
}

void read_byte(void *addr)
{
	(void)*(volatile char *)addr;
}

void write_byte(void *addr)
{
	*(volatile char *)addr = 1;
}

void put_file(const char *name, const char *s)
{
	int fd = open(name, O_CREAT | O_TRUNC | O_WRONLY, 0644);

	REQUIRE(fd >= 0);
	REQUIRE(write(fd, s, strlen(s)) == (ssize_t)strlen(s));
	close(fd);
}

nlink_t path_nlink(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_nlink : 0;
}

ino_t path_ino(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_ino : 0;
}

unsigned char pat_byte(uint64_t off, unsigned seed)
{
	uint64_t x = off + seed * 0x9e3779b97f4a7c15ULL;

	if (seed == 0)
		return 0;
	/* A mix (splitmix64's finaliser), so neighbouring blocks differ. */
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (unsigned char)((x ^ (x >> 31)) % 255 + 1);
}

void pat_fill(void *buf, size_t n, uint64_t off, unsigned seed)
{
	unsigned char *p = buf;

	for (size_t i = 0; i < n; i++)
		p[i] = pat_byte(off + i, seed);
}

#define PAT_CHUNK 65536

void pat_write(int fd, uint64_t off, size_t n, unsigned seed)
{
	static unsigned char buf[PAT_CHUNK];

	while (n > 0) {
		size_t len = n < PAT_CHUNK ? n : PAT_CHUNK;

		pat_fill(buf, len, off, seed);
		REQUIRE(pwrite(fd, buf, len, off) == (ssize_t)len);
		off += len;
		n -= len;
	}
}

int pat_check(int fd, uint64_t off, size_t n, unsigned seed)
{
	static unsigned char buf[PAT_CHUNK];
	static const unsigned char zeros[PAT_CHUNK];

	while (n > 0) {
		size_t len = n < PAT_CHUNK ? n : PAT_CHUNK;
		ssize_t got = pread(fd, buf, len, off);

		if (got != (ssize_t)len) {
			utest_printf("#     pread of %zu bytes at %llu: %zd (errno %d)\n", len,
				     (unsigned long long)off, got, errno);
			return 0;
		}
		/* Holes are most of what is checked: compare them at memcmp's speed. */
		if (seed == 0 && memcmp(buf, zeros, len) == 0) {
			off += len;
			n -= len;
			continue;
		}
		for (size_t i = 0; i < len; i++) {
			if (buf[i] != pat_byte(off + i, seed)) {
				utest_printf("#     offset %llu: byte %#x, pattern %u has %#x\n",
					     (unsigned long long)(off + i), buf[i], seed,
					     pat_byte(off + i, seed));
				return 0;
			}
		}
		off += len;
		n -= len;
	}
	return 1;
}

int pat_file(const char *name, size_t n, unsigned seed)
{
	int fd = open(name, O_CREAT | O_TRUNC | O_RDWR, 0644);

	REQUIRE(fd >= 0);
	pat_write(fd, 0, n, seed);
	return fd;
}

void fsync_and_drop(int fd)
{
	CHECK_OK(fsync(fd));
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

off_t fd_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_size : -1;
}

long long fd_blocks(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (long long)st.st_blocks : -1;
}

uint32_t utest_crc32(uint32_t crc, const void *buf, size_t n)
{
	static uint32_t table[256];
	const unsigned char *p = buf;

	if (table[1] == 0) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320 ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	crc = ~crc;
	for (size_t i = 0; i < n; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

void utest_record_file(const char *path)
{
	static unsigned char buf[PAT_CHUNK];
	char cwd[4096];
	uint32_t crc = 0;
	long long size = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	REQUIRE(fd >= 0);
	REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		crc = utest_crc32(crc, buf, n);
		size += n;
	}
	REQUIRE(n == 0);
	close(fd);
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	/* The root directory's getcwd is "/" already. */
	utest_printf("# file-checksum %s%s%s %lld %08x\n", cwd, strcmp(cwd, "/") ? "/" : "",
		     path, size, crc);
}

/*
 * Each test starts with every signal at its default action and none
 * blocked, whatever the shell or harness that started us left behind
 * (a background shell ignores SIGINT, Python ignores SIGPIPE, ...).
 */
static void reset_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The program's name for result lines: the basename of argv[0]. */
static const char *program_name(void)
{
	const char *slash = strrchr(utest_argv0, '/');

	return slash ? slash + 1 : utest_argv0;
}

/* Run one test in a child process; returns true if it passed. */
static bool run_one(int number, const struct utest *t)
{
	int status;
	pid_t pid;

	utest_printf("# start %s/%s\n", program_name(), t->name);
	pid = fork();

	if (pid < 0) {
		utest_printf("not ok %d - %s/%s # fork failed: %s\n", number, program_name(), t->name,
			     strerror(errno));
		return false;
	}
	if (pid == 0) {
		reset_signals();
		utest_watchdog();
		t->fn();
		_exit(failed_checks ? 1 : 0);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			utest_printf("not ok %d - %s/%s # waitpid: %s\n", number, program_name(),
				     t->name, strerror(errno));
			return false;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		utest_printf("ok %d - %s/%s\n", number, program_name(), t->name);
		return true;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SKIPPED) {
		utest_printf("ok %d - %s/%s # SKIP %s\n", number, program_name(), t->name,
			     skip_reason ? skip_reason : "");
		return true;
	}
	if (WIFEXITED(status))
		utest_printf("not ok %d - %s/%s # %s\n", number, program_name(), t->name,
			     WEXITSTATUS(status) == 1 ? "check failed" : "exited early");
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		utest_printf("not ok %d - %s/%s # hang: killed by SIGALRM (the watchdog: %u s)\n",
			     number, program_name(), t->name, utest_timeout);
	else
		utest_printf("not ok %d - %s/%s # killed by signal %d (%s)\n", number,
			     program_name(), t->name, WTERMSIG(status), strsignal(WTERMSIG(status)));
	return false;
}

/*
 * UTEST_SKIP="prog/test,prog/test": tests not to run, because they hung
 * or crashed the machine in an earlier run (the harness sets it).
 */
static bool skipped(const struct utest *t)
{
	const char *list = getenv("UTEST_SKIP");
	char full[256];
	size_t len;

	if (!list || !*list)
		return false;
	snprintf(full, sizeof(full), "%s/%s", program_name(), t->name);
	len = strlen(full);
	for (const char *p = list; (p = strstr(p, full)); p += len)
		if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return true;
	return false;
}

void utest_register_child(const char *name, utest_child_fn fn)
{
	if (nchildren == MAX_CHILDREN) {
		utest_printf("Bail out! more than %d child entry points\n", MAX_CHILDREN);
		exit(2);
	}
	children[nchildren++] = (struct utest_child){ name, fn };
}

int main(int argc, char **argv)
{
	int number = 0, failures = 0;

	utest_argv0 = argv[0];
	/* "prog --child NAME ARGS...": a test re-executed this program. */
	if (argc >= 3 && strcmp(argv[1], "--child") == 0) {
		for (int i = 0; i < nchildren; i++)
			if (strcmp(children[i].name, argv[2]) == 0)
				return children[i].fn(argc - 3, argv + 3);
		utest_printf("# no child entry point %s\n", argv[2]);
		return 127;
	}
	/* Leading NAME=VALUE words set the environment (for runners that pass no environment). */
	while (argc > 1 && strchr(argv[1], '=') && argv[1][0] != '=') {
		putenv(argv[1]);
		argv++;
		argc--;
	}
	skip_reason = mmap(NULL, 256, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (skip_reason == MAP_FAILED)
		skip_reason = NULL;
	utest_printf("# program %s\n", program_name());
	for (int i = 0; i < ntests; i++) {
		if (argc > 1 && fnmatch(argv[1], tests[i].name, 0) != 0)
			continue;
		if (skipped(&tests[i]))
			continue;
		if (!run_one(++number, &tests[i]))
			failures++;
	}
	return failures ? 1 : 0;
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

void set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	REQUIRE(sigaction(sig, &sa, NULL) == 0);
}

/* sigprocmask is the calling thread's mask, as pthread_sigmask. */
int is_blocked(int sig)
{
	sigset_t s;

	sigprocmask(SIG_BLOCK, NULL, &s);
	return sigismember(&s, sig);
}

int is_pending(int sig)
{
	sigset_t s;

	sigpending(&s);
	return sigismember(&s, sig);
}

void start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int e = pthread_create(t, NULL, fn, arg);

	errno = e;
	REQUIRE(e == 0);
}

void *join(pthread_t t)
{
	void *res = (void *)-1;

	CHECK_EQ(pthread_join(t, &res), 0);
	return res;
}

pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

int tid_alive(pid_t tid)
{
	return syscall(SYS_tgkill, getpid(), tid, 0) == 0;
}

long long proc_value(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	size_t len = strlen(key);
	char line[256];

	if (!f) {
		utest_fail(__FILE__, __LINE__, "cannot open %s (errno %d)", path, errno);
		utest_abort();
	}
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, len) == 0 && (line[len] == ':' || line[len] == ' ')) {
			fclose(f);
			return strtoll(line + len + 1, NULL, 10);
		}
	}
	fclose(f);
	utest_fail(__FILE__, __LINE__, "%s has no %s", path, key);
	utest_abort();
}
