/*
 * Micro-benchmarks of the kernel's basic costs, run unchanged on Pagoda
 * and on Linux.  Each prints "name value unit".  Under QEMU's
 * -icount shift=0 the guest clock advances one nanosecond per executed
 * instruction, so "ns" there reads as "instructions".
 *
 *     micro [NAME...]     run the named benchmarks (default: all)
 *
 * File benchmarks work in the current directory (a tmpfs on both sides).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"

/* A null system call: the cost of entering and leaving the kernel. */
static void bench_getpid(void)
{
	const int n = 200000;
	uint64_t t0 = now_ns();

	for (int i = 0; i < n; i++)
		syscall(SYS_getpid);
	printf("getpid %.1f ns/call\n", (double)(now_ns() - t0) / n);
}

/* First touch of fresh anonymous memory: one demand-zero fault per page. */
static void bench_anon_fault(void)
{
	const size_t pages = 16384;	/* 64 MiB */
	char *p = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t t0;

	if (p == MAP_FAILED) {
		perror("mmap");
		return;
	}
	t0 = now_ns();
	for (size_t i = 0; i < pages; i++)
		p[i * 4096] = 1;
	printf("anon_fault %.1f ns/page\n", (double)(now_ns() - t0) / pages);
	munmap(p, pages * 4096);
}

/* fork, the child exits at once, the parent waits for it. */
static void bench_fork_exit_wait(void)
{
	const int n = 200;
	uint64_t t0 = now_ns();

	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
	printf("fork_exit_wait %.0f ns/iteration\n", (double)(now_ns() - t0) / n);
}

static const char *self;	/* argv[0]: exec'ed by fork_exec_wait */

/* fork, the child execs this program (which exits at once), the parent waits. */
static void bench_fork_exec_wait(void)
{
	const int n = 100;
	uint64_t t0 = now_ns();

	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			execl(self, self, "--exit", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
	printf("fork_exec_wait %.0f ns/iteration\n", (double)(now_ns() - t0) / n);
}

/* One byte there and back between two processes over two pipes. */
static void bench_pipe_round_trip(void)
{
	const int n = 2000;
	int ping[2], pong[2];
	char c = 'x';
	uint64_t t0;
	pid_t pid;

	if (pipe(ping) < 0 || pipe(pong) < 0) {
		perror("pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < n; i++)
			if (read(ping[0], &c, 1) != 1 || write(pong[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	t0 = now_ns();
	for (int i = 0; i < n; i++)
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			break;
	printf("pipe_round_trip %.0f ns/round-trip\n", (double)(now_ns() - t0) / n);
	waitpid(pid, NULL, 0);
	close(ping[0]), close(ping[1]), close(pong[0]), close(pong[1]);
}

#define FILE_PAGES BENCH_FILE_PAGES

/* 4 KiB writes and cached reads in the current directory (a tmpfs on both sides). */
static void bench_file_write_read(void)
{
	bench_write_read_4k("");
}

/* Page faults this process has taken (getrusage's ru_minflt). */
static long minor_faults(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_minflt : 0;
}

/* The first touch of each page of a cached file through a fresh mapping. */
static void bench_mmap_first_touch(void)
{
	int fd = open("bench.dat", O_RDONLY);
	volatile char *p;
	uint64_t t0;
	long faults;
	char sum = 0;

	if (fd < 0) {
		perror("open bench.dat (run file_write_read first)");
		return;
	}
	p = mmap(NULL, (size_t)FILE_PAGES * 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		close(fd);
		return;
	}
	t0 = now_ns();
	faults = minor_faults();
	for (int i = 0; i < FILE_PAGES; i++)
		sum += p[(size_t)i * 4096];
	faults = minor_faults() - faults;
	printf("mmap_first_touch %.0f ns/page\n", (double)(now_ns() - t0) / FILE_PAGES);
	/* The profile behind the row: how many of the touches took a fault. */
	printf("mmap_first_touch_faults %.3f faults/page\n", (double)faults / FILE_PAGES);
	munmap((void *)p, (size_t)FILE_PAGES * 4096);
	close(fd);
	(void)sum;
}

/*
 * 4 KiB writes whose source is a shared mapping of the very page being
 * written (case (a) of the buffered write protocol): cold, through a
 * fresh mapping whose pages the write must fault in; warm, again.
 */
static void bench_write_from_own_mapping(void)
{
	const int pages = 1024;
	int fd = open("bench.dat", O_RDWR);
	char *p;

	if (fd < 0) {
		perror("open bench.dat (run file_write_read first)");
		return;
	}
	p = mmap(NULL, (size_t)pages * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		close(fd);
		return;
	}
	for (int round = 0; round < 2; round++) {
		uint64_t t0 = now_ns();

		for (int i = 0; i < pages; i++)
			if (pwrite(fd, p + (size_t)i * 4096, 4096, (off_t)i * 4096) != 4096)
				break;
		printf("write_from_own_mapping_%s %.0f ns/write\n", round ? "warm" : "cold",
		       (double)(now_ns() - t0) / pages);
	}
	munmap(p, (size_t)pages * 4096);
	close(fd);
	unlink("bench.dat");
}

/* How far the machine had come when this program began (CLOCK_BOOTTIME). */
static uint64_t boot_ns;

static void bench_boot_to_user(void)
{
	printf("boot_to_user %.0f ns\n", (double)boot_ns);
}

static const struct {
	const char *name;
	void (*run)(void);
} benches[] = {
	{ "boot_to_user", bench_boot_to_user },
	{ "getpid", bench_getpid },
	{ "anon_fault", bench_anon_fault },
	{ "fork_exit_wait", bench_fork_exit_wait },
	{ "fork_exec_wait", bench_fork_exec_wait },
	{ "pipe_round_trip", bench_pipe_round_trip },
	{ "file_write_read", bench_file_write_read },
	{ "mmap_first_touch", bench_mmap_first_touch },
	{ "write_from_own_mapping", bench_write_from_own_mapping },
};

int main(int argc, char **argv)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	boot_ns = (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
	if (argc == 2 && strcmp(argv[1], "--exit") == 0)
		return 0;
	self = argv[0];
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		int chosen = argc == 1;

		for (int a = 1; a < argc; a++)
			chosen |= strcmp(argv[a], benches[i].name) == 0;
		if (chosen)
			benches[i].run();
	}
	return 0;
}
