/*
 * utest: the tiny test library of Pagoda's user-space tests.
 *
 * A test program is a set of TEST(name) blocks.  Each test runs in a child
 * process of its own (so a crash, a leaked descriptor or a changed signal
 * disposition cannot spill into the next test), under an alarm so a hang
 * is reported instead of stalling the suite.  The program prints TAP:
 *
 *     # program files
 *     ok 1 - files/open_creates_file
 *     #   files.c:42: expected fd >= 0 (errno 2, No such file or directory)
 *     not ok 2 - files/read_bad_fd # 1 check failed
 *
 * and exits with status 0 if every test passed, 1 otherwise.
 *
 *     prog                 run every test
 *     prog PATTERN         run the tests whose name matches (fnmatch)
 *     prog VAR=VALUE.. [PATTERN]  the same, with these set in the environment
 *     prog --child NAME .. run the TEST_CHILD entry point NAME (for exec tests)
 *
 * A test that cannot run here (it needs a device the machine lacks) calls
 * utest_skip(reason): its line is "ok N - prog/test # SKIP reason".
 *
 * The same static binary runs on the host Linux and on Pagoda: a test
 * expects only what Linux itself does.
 */
#ifndef UTEST_H
#define UTEST_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

typedef void (*utest_fn)(void);

void utest_register(const char *name, utest_fn fn, const char *file);
void utest_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* printf to stdout, unbuffered (safe around fork). */
void utest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Checks failed so far in this process (a forked helper can exit with it). */
int utest_failed(void);
/* Re-arm the hang watchdog (after a test used alarm() or ITIMER_REAL itself). */
void utest_watchdog(void);

/* argv[0] of the test program, for tests that exec the program again. */
extern const char *utest_argv0;
/* Seconds before a test is killed as hung (default 20); a test may raise it. */
extern unsigned int utest_timeout;

#define TEST(name)                                                          \
	static void test_##name(void);                                      \
	__attribute__((constructor)) static void utest_register_##name(void) \
	{                                                                   \
		utest_register(#name, test_##name, __FILE__);               \
	}                                                                   \
	static void test_##name(void)

/*
 * A child entry point: a test can run "utest_argv0 --child NAME ARGS..."
 * (through execve) and the program then runs fn(argc, argv) with the ARGS
 * and exits with its return value, instead of running the tests.
 */
typedef int (*utest_child_fn)(int argc, char **argv);
void utest_register_child(const char *name, utest_child_fn fn);

#define TEST_CHILD(name)                                                          \
	static int child_##name(int argc, char **argv);                           \
	__attribute__((constructor)) static void utest_register_child_##name(void) \
	{                                                                         \
		utest_register_child(#name, child_##name);                        \
	}                                                                         \
	static int child_##name(int argc, char **argv)

/* Record a failure and go on with the test. Evaluates to the condition. */
#define CHECK(cond)                                                              \
	({                                                                       \
		int utest_ok_ = !!(cond);                                        \
		if (!utest_ok_)                                                  \
			utest_fail(__FILE__, __LINE__, "%s (errno %d, %s)", #cond, \
				   errno, strerror(errno));                      \
		utest_ok_;                                                       \
	})

/* Compare two integers, printing both on failure. */
#define CHECK_EQ(a, b)                                                           \
	({                                                                       \
		long long utest_a_ = (long long)(a), utest_b_ = (long long)(b);  \
		if (utest_a_ != utest_b_)                                        \
			utest_fail(__FILE__, __LINE__, "%s == %s (%lld != %lld, errno %d)", \
				   #a, #b, utest_a_, utest_b_, errno);           \
		utest_a_ == utest_b_;                                            \
	})

/* A system call that must fail with -1 and this errno. */
#define CHECK_ERR(expr, err)                                                     \
	({                                                                       \
		errno = 0;                                                       \
		long utest_r_ = (long)(expr);                                    \
		int utest_e_ = errno;                                            \
		int utest_ok_ = utest_r_ == -1 && utest_e_ == (err);             \
		if (!utest_ok_)                                                  \
			utest_fail(__FILE__, __LINE__,                           \
				   "%s fails with %s (got %ld, errno %d %s)",    \
				   #expr, #err, utest_r_, utest_e_, strerror(utest_e_)); \
		utest_ok_;                                                       \
	})

/* A system call that must succeed (not return -1); evaluates to its result. */
#define CHECK_OK(expr)                                                           \
	({                                                                       \
		errno = 0;                                                       \
		long utest_r_ = (long)(expr);                                    \
		if (utest_r_ == -1)                                              \
			utest_fail(__FILE__, __LINE__, "%s succeeds (errno %d, %s)", \
				   #expr, errno, strerror(errno));               \
		utest_r_;                                                        \
	})

/* Like CHECK, but end the test at once when it fails. */
#define REQUIRE(cond)                 \
	do {                          \
		if (!CHECK(cond))     \
			utest_abort(); \
	} while (0)

void utest_abort(void) __attribute__((noreturn));
/* End the test as skipped (unless a check already failed). */
void utest_skip(const char *reason) __attribute__((noreturn));

/* ---- helpers several test programs share ---- */

/* CLOCK_MONOTONIC in seconds. */
double now(void);
/* Sleep ms milliseconds, through interruptions by signals. */
void sleep_ms(long ms);
/* Install a plain handler (or SIG_DFL/SIG_IGN) with these flags and an empty mask. */
void set_handler(int sig, void (*fn)(int), int flags);
/* Is sig blocked in (pending for) the calling thread? */
int is_blocked(int sig);
int is_pending(int sig);

/* Threads: start one (a failure ends the test), join one, a thread's id. */
#include <pthread.h>
#include <sys/types.h>
void start_thread(pthread_t *t, void *(*fn)(void *), void *arg);
void *join(pthread_t t);
pid_t gettid_(void);
/* Does thread tid still exist in our process (tgkill with signal 0)? */
int tid_alive(pid_t tid);

/* Poll cond every millisecond for at most 5 s; evaluates to whether it held. */
#define EVENTUALLY(cond)                                   \
	({                                                 \
		double end_ = now() + 5;                   \
		int ok_;                                   \
		while (!(ok_ = !!(cond)) && now() < end_)  \
			sleep_ms(1);                       \
		ok_;                                       \
	})

/* ---- child processes ---------------------------------------------------- */

/*
 * Wait for the child pid, retrying when a signal interrupts the wait:
 * its wait status, or -1 (and a failed check) if waitpid fails.
 */
int wait_status(pid_t pid);
/* The wait status (from wait_status) of a child that exited with code. */
int exited_with(int status, int code);
/* The wait status (from wait_status) of a child killed by signal sig. */
int killed_by(int status, int sig);
/*
 * Fork and run fn(arg) in the child, which exits with 0 if fn returns;
 * core dumps are off there, since such a child is often meant to die of
 * a signal.  Returns the child's wait status, or -1 (and a failed check)
 * if fork fails.
 */
int run_in_child(void (*fn)(void *arg), void *arg);
/* Touch the byte at addr, for run_in_child: each returns only if the access worked. */
void read_byte(void *addr);
void write_byte(void *addr);

/* ---- files ------------------------------------------------------------- */

/* Create (or truncate) name, mode 0644, holding the string s; the test ends if that fails. */
void put_file(const char *name, const char *s);

/* lstat's st_nlink and st_ino of path, or 0. */
nlink_t path_nlink(const char *path);
ino_t path_ino(const char *path);

/* ---- file contents: patterns and checksums ----------------------------- */

/*
 * A pattern gives every file offset a byte of its own, so a block written
 * to the wrong place, a stale block or a lost write shows as a mismatch at
 * a known offset.  Pattern 0 is all zeros (a hole); the others never hold
 * a zero byte, and differ from each other.
 */
unsigned char pat_byte(uint64_t off, unsigned seed);
void pat_fill(void *buf, size_t n, uint64_t off, unsigned seed);
/* pwrite n bytes of pattern seed at off, all of them (the test ends if not). */
void pat_write(int fd, uint64_t off, size_t n, unsigned seed);
/*
 * Does [off, off + n) of fd read back as pattern seed?  On a mismatch or
 * a short read it prints the first bad offset and returns 0; the CHECK
 * wrapper adds the caller's line.
 */
int pat_check(int fd, uint64_t off, size_t n, unsigned seed);
#define CHECK_PAT(fd, off, n, seed) CHECK(pat_check(fd, off, n, seed))
/* Create (or truncate) name holding n bytes of pattern seed: an O_RDWR fd at offset 0. */
int pat_file(const char *name, size_t n, unsigned seed);

/*
 * fsync fd, then ask the kernel to drop its cached pages, so the next
 * reads come from the disk (on Linux; tmpfs keeps them, and the advice
 * may be ignored: only fsync's result is checked).
 */
void fsync_and_drop(int fd);

/* fstat's st_size and st_blocks (512-byte units) of fd, or -1. */
off_t fd_size(int fd);
long long fd_blocks(int fd);

/* CRC-32 as zlib computes it (crc32(0, buf, n) starts a checksum; Python's zlib.crc32). */
uint32_t utest_crc32(uint32_t crc, const void *buf, size_t n);
/*
 * Print "# file-checksum ABSOLUTE_PATH SIZE CRC32" for path's current
 * contents, for the harness to compare with the file it later dumps out
 * of the disk image.  The caller fsyncs the file first and keeps it.
 */
void utest_record_file(const char *path);

/* ---- /proc ------------------------------------------------------------- */

/*
 * The number after key on its line of a /proc file: /proc/vmstat
 * ("oom_kill 3": key "oom_kill") or /proc/meminfo ("MemTotal: 1000 kB":
 * key "MemTotal", in kB).  The test ends if the file or the key is missing.
 */
long long proc_value(const char *path, const char *key);
#define meminfo_kb(key) proc_value("/proc/meminfo", key)
#define vmstat_value(name) proc_value("/proc/vmstat", name)

/* ---- Linux records that musl's headers do not declare ------------------ */

/* One record of getdents64(). */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#endif
