/*
 * Micro-benchmarks of the kernel's basic costs, run unchanged on Pagoda
 * and on Linux.  Each prints "name value unit".  Under QEMU's
 * -icount shift=0 the guest clock advances one nanosecond per executed
 * instruction, so "ns" there reads as "instructions".
 *
 *     micro [NAME...]     run the named benchmarks (default: all)
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

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

static const struct {
	const char *name;
	void (*run)(void);
} benches[] = {
	{ "getpid", bench_getpid },
	{ "anon_fault", bench_anon_fault },
	{ "fork_exit_wait", bench_fork_exit_wait },
};

int main(int argc, char **argv)
{
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
