/*
 * Miscellaneous system calls that every static binary meets at start-up
 * (uname, arch_prctl, set_tid_address, set_robust_list, prlimit64,
 * getrandom), unknown system calls, and kernel addresses from user space.
 */
#include "utest.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* <asm/prctl.h> is not visible to musl-gcc. */
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

#define KERNEL_ADDR 0xffffffff80000000UL	/* where Linux (and Pagoda) put the kernel */
#define NONCANONICAL 0x0000800000000000UL	/* first address past the user half */

TEST(uname_reports_x86_64_machine)
{
	struct utsname u;

	memset(&u, 0xff, sizeof(u));
	REQUIRE(uname(&u) == 0);
	/* Every field is a NUL-terminated string; which system it names is open. */
	CHECK(memchr(u.sysname, 0, sizeof(u.sysname)) != NULL);
	CHECK(memchr(u.nodename, 0, sizeof(u.nodename)) != NULL);
	CHECK(memchr(u.release, 0, sizeof(u.release)) != NULL);
	CHECK(memchr(u.version, 0, sizeof(u.version)) != NULL);
	CHECK(memchr(u.machine, 0, sizeof(u.machine)) != NULL);
	CHECK(u.sysname[0] != 0);
	CHECK(u.release[0] != 0);
	CHECK(strcmp(u.machine, "x86_64") == 0);
}

/* ---- arch_prctl ------------------------------------------------------ */

/* A system call that touches neither libc nor errno (both live behind FS). */
static inline long raw2(long n, long a, long b)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return r;
}

static inline unsigned long fs_word(int i)
{
	unsigned long v;

	__asm__ volatile("mov %%fs:(%1), %0" : "=r"(v) : "r"((long)i * 8));
	return v;
}

TEST(arch_prctl_get_fs_is_thread_pointer)
{
	unsigned long fs = 0;

	CHECK_EQ(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs), 0);
	CHECK(fs != 0);
	/* musl's thread pointer points at itself: %fs:0 == FS base. */
	CHECK_EQ(fs_word(0), fs);
	CHECK_EQ((unsigned long)pthread_self(), fs);
	/* A fork child has the same FS base (same address space layout). */
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		unsigned long child_fs = 0;

		raw2(SYS_arch_prctl, ARCH_GET_FS, (long)&child_fs);
		_exit(child_fs == fs ? 0 : 1);
	}
	CHECK_EQ(wait_status(pid), 0);
	CHECK_ERR(syscall(SYS_arch_prctl, 0x9999, 0), EINVAL);
	/* A kernel address as FS base is refused (FS is left alone). */
	CHECK_ERR(syscall(SYS_arch_prctl, ARCH_SET_FS, KERNEL_ADDR), EPERM);
	CHECK_EQ(fs_word(0), fs);
}

static unsigned long fake_tcb[8] __attribute__((aligned(64)));

TEST(arch_prctl_set_fs_round_trip)
{
	unsigned long saved = 0, got = 0, self, word, self_after;
	struct timespec ms = { 0, 1000000 };
	long r_set, r_get, r_sleep, r_restore;

	REQUIRE(syscall(SYS_arch_prctl, ARCH_GET_FS, &saved) == 0);
	fake_tcb[0] = (unsigned long)fake_tcb;
	fake_tcb[1] = 0x1234abcdUL;
	/* From here until FS is restored: no libc calls at all. */
	r_set = raw2(SYS_arch_prctl, ARCH_SET_FS, (long)fake_tcb);
	r_get = raw2(SYS_arch_prctl, ARCH_GET_FS, (long)&got);
	self = fs_word(0);
	word = fs_word(1);
	/* Sleep a little: FS must survive the switch to another process. */
	r_sleep = raw2(SYS_nanosleep, (long)&ms, 0);
	self_after = fs_word(0);
	r_restore = raw2(SYS_arch_prctl, ARCH_SET_FS, (long)saved);

	CHECK_EQ(r_set, 0);
	CHECK_EQ(r_get, 0);
	CHECK_EQ(got, (unsigned long)fake_tcb);
	CHECK_EQ(self, (unsigned long)fake_tcb);
	CHECK_EQ(word, 0x1234abcdUL);
	CHECK_EQ(r_sleep, 0);
	CHECK_EQ(self_after, (unsigned long)fake_tcb);
	CHECK_EQ(r_restore, 0);
	CHECK_EQ(fs_word(0), saved);
}

/* ---- thread bookkeeping --------------------------------------------- */

static int tid_word;

/* The kernel's struct robust_list_head: 3 words, 24 bytes. */
static struct robust_head {
	void *next;
	long futex_offset;
	void *pending;
} robust = { &robust, 0, NULL };

TEST(set_tid_address_and_set_robust_list)
{
	long tid = syscall(SYS_gettid);

	/* Returns the caller's thread id (musl keeps it as its tid). */
	CHECK_EQ(syscall(SYS_set_tid_address, &tid_word), tid);
	CHECK_EQ(syscall(SYS_set_tid_address, NULL), tid);
	CHECK_EQ(tid, getpid());

	CHECK_EQ(syscall(SYS_set_robust_list, &robust, sizeof(robust)), 0);
	CHECK_ERR(syscall(SYS_set_robust_list, &robust, sizeof(robust) - 1), EINVAL);
	CHECK_ERR(syscall(SYS_set_robust_list, &robust, 0), EINVAL);
	CHECK_ERR(syscall(SYS_set_robust_list, &robust, sizeof(robust) * 2), EINVAL);
}

/* ---- resource limits ------------------------------------------------- */

TEST(rlimit_stack_readable_three_ways)
{
	struct rlimit a, b, c, d;

	CHECK_EQ(getrlimit(RLIMIT_STACK, &a), 0);
	CHECK(a.rlim_cur > 0);
	CHECK(a.rlim_cur <= a.rlim_max);	/* RLIM_INFINITY is the largest value */
	CHECK_EQ(syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &b), 0);
	CHECK_EQ(syscall(SYS_prlimit64, getpid(), RLIMIT_STACK, NULL, &c), 0);
	CHECK_EQ(syscall(SYS_getrlimit, RLIMIT_STACK, &d), 0);
	CHECK(a.rlim_cur == b.rlim_cur && a.rlim_max == b.rlim_max);
	CHECK(a.rlim_cur == c.rlim_cur && a.rlim_max == c.rlim_max);
	CHECK(a.rlim_cur == d.rlim_cur && a.rlim_max == d.rlim_max);
	/* Setting it to what it is works; an unknown resource does not. */
	CHECK_EQ(setrlimit(RLIMIT_STACK, &a), 0);
	CHECK_ERR(syscall(SYS_prlimit64, 0, 99, NULL, &b), EINVAL);
	CHECK_ERR(syscall(SYS_prlimit64, 0x3ffffff0, RLIMIT_STACK, NULL, &b), ESRCH);
}

TEST(lowered_rlimit_nofile_limits_new_fds)
{
	struct rlimit r, low, bad;
	int fd, opened = 0, emfile = 0;

	REQUIRE(getrlimit(RLIMIT_NOFILE, &r) == 0);
	/* A soft limit above the hard limit is refused. */
	bad.rlim_cur = 9;
	bad.rlim_max = 8;
	CHECK_ERR(setrlimit(RLIMIT_NOFILE, &bad), EINVAL);

	low.rlim_cur = 8;
	low.rlim_max = r.rlim_max;
	REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &r), 0);
	CHECK_EQ(r.rlim_cur, 8);
	/* Descriptors 0..7 at most; then EMFILE. */
	for (int i = 0; i < 16; i++) {
		errno = 0;
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			opened++;
			CHECK(fd < 8);
		} else if (CHECK_EQ(errno, EMFILE)) {
			emfile++;
		}
	}
	CHECK(emfile > 0);
	/* A target fd at or above the limit: EBADF for dup2, EINVAL for F_DUPFD. */
	CHECK_ERR(dup2(0, 8), EBADF);
	CHECK_ERR(fcntl(0, F_DUPFD, 8), EINVAL);
}

/* ---- getrandom ------------------------------------------------------- */

TEST(getrandom_fills_buffer)
{
	unsigned char a[64], b[64], zero[64];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	CHECK_EQ(getrandom(a, sizeof(a), 0), sizeof(a));
	CHECK_EQ(getrandom(b, sizeof(b), GRND_NONBLOCK), sizeof(b));
	/* 512 random bits: equal to zeros or to each other only by a miracle. */
	CHECK(memcmp(a, zero, sizeof(a)) != 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK_EQ(getrandom(a, 0, 0), 0);
	CHECK_ERR(getrandom(a, sizeof(a), 0x100), EINVAL);
}

/* ---- bad calls ------------------------------------------------------- */

TEST(unknown_syscall_is_enosys)
{
	CHECK_ERR(syscall(1000), ENOSYS);
	CHECK_ERR(syscall(100000, 1, 2, 3), ENOSYS);
	/* The process is fine afterwards. */
	CHECK(getpid() > 0);
}

TEST(kernel_address_in_syscall_is_efault)
{
	struct timespec ts;
	void *volatile null = NULL;	/* hidden from the compiler's nonnull checks */
	int p[2];

	REQUIRE(pipe(p) == 0);
	CHECK_ERR(write(p[1], (void *)KERNEL_ADDR, 8), EFAULT);
	CHECK_ERR(write(p[1], (void *)NONCANONICAL, 8), EFAULT);
	CHECK_ERR(write(p[1], null, 8), EFAULT);
	/* Nothing reached the pipe; a good write still works. */
	CHECK_EQ(write(p[1], "abc", 3), 3);
	CHECK_ERR(read(p[0], (void *)KERNEL_ADDR, 3), EFAULT);
	CHECK_ERR(syscall(SYS_uname, KERNEL_ADDR), EFAULT);
	CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, KERNEL_ADDR), EFAULT);
	CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, NONCANONICAL), EFAULT);
	CHECK_EQ(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts), 0);
}

/* Touch addr in a child; returns the child's wait status. */
static int touch_in_child(unsigned long addr, int write)
{
	return run_in_child(write ? write_byte : read_byte, (void *)addr);
}

TEST(kernel_address_access_kills_with_sigsegv)
{
	int st;

	st = touch_in_child(KERNEL_ADDR, 0);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	st = touch_in_child(KERNEL_ADDR, 1);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	/* A non-canonical address is a general-protection fault: SIGSEGV too. */
	st = touch_in_child(NONCANONICAL, 0);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
}

/* ru_minflt counts page faults: at least one per fresh page first touched. */
TEST(getrusage_counts_minor_faults)
{
	const size_t pages = 64;
	struct rusage before, after, thread;
	char *p = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	REQUIRE(p != MAP_FAILED);
	CHECK_OK(getrusage(RUSAGE_SELF, &before));
	for (size_t i = 0; i < pages; i++)
		p[i * 4096] = 1;
	CHECK_OK(getrusage(RUSAGE_SELF, &after));
	CHECK_OK(getrusage(RUSAGE_THREAD, &thread));
	CHECK(after.ru_minflt - before.ru_minflt >= (long)pages);
	CHECK(after.ru_minflt - before.ru_minflt < (long)pages + 16);
	CHECK(thread.ru_minflt >= (long)pages);
	CHECK_ERR(getrusage(5, &after), EINVAL);
	munmap(p, pages * 4096);
}
