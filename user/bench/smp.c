/*
 * Benchmarks for two CPUs, run unchanged on Pagoda and on Linux.  Each
 * prints "name value unit" (under -icount, ns are instructions).  The
 * work is pinned (sched_setaffinity) to the first two CPUs the program
 * may use, so "the other CPU" is really another one:
 *
 *   munmap_alone        map, touch and unmap one page, single-threaded on
 *                       CPU A: no other CPU can hold the translation;
 *   munmap_other_busy   the same while another process spins on CPU B:
 *                       B is busy but holds none of our translations;
 *   munmap_shootdown    the same while a second thread of this process
 *                       spins on CPU B: every unmap must flush B's TLB
 *                       too, so shootdown - other_busy is one shootdown
 *                       (with B busy in both, an idle CPU's own costs,
 *                       such as waking it, are not counted);
 *   pipe_cross_cpu      a one-byte pipe round trip between a process on
 *                       CPU A and one on CPU B.
 *
 * With a single CPU only munmap_alone is printed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"

static volatile int stop;
static int cpu_a, cpu_b = -1;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		perror("sched_setaffinity");
}

/* The first two CPUs we may use (cpu_b stays -1 if there is one). */
static void find_cpus(void)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return;
	for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
		if (CPU_ISSET(c, &set))
			*(n++ ? &cpu_b : &cpu_a) = c;
}

static double munmap_cost(int n)
{
	uint64_t t0 = now_ns();

	for (int i = 0; i < n; i++) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -1;
		p[0] = 1;
		munmap(p, 4096);
	}
	return (double)(now_ns() - t0) / n;
}

/* Keep CPU B busy in our address space (it touches no memory of note). */
static void *spin(void *arg)
{
	pin(cpu_b);
	while (!stop)
		;
	return arg;
}

static void bench_munmap(void)
{
	const int n = 5000;
	pthread_t t;
	pid_t other;

	pin(cpu_a);
	munmap_cost(n / 10);	/* warm-up: page tables, caches, the kernel's first-time work */
	printf("munmap_alone %.0f ns/iteration\n", munmap_cost(n));
	if (cpu_b < 0)
		return;
	other = fork();
	if (other == 0) {
		pin(cpu_b);
		for (;;)
			;
	}
	usleep(20000);	/* let it reach CPU B */
	printf("munmap_other_busy %.0f ns/iteration\n", munmap_cost(n));
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	if (pthread_create(&t, NULL, spin, NULL) != 0) {
		perror("pthread_create");
		return;
	}
	usleep(20000);	/* let it reach CPU B */
	printf("munmap_shootdown %.0f ns/iteration\n", munmap_cost(n));
	stop = 1;
	pthread_join(t, NULL);
}

static void bench_pipe_cross_cpu(void)
{
	const int n = 2000;
	int ping[2], pong[2];
	char c = 'x';
	uint64_t t0;
	pid_t pid;

	if (cpu_b < 0 || pipe(ping) < 0 || pipe(pong) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		pin(cpu_b);
		for (int i = 0; i < n; i++)
			if (read(ping[0], &c, 1) != 1 || write(pong[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	pin(cpu_a);
	usleep(20000);
	t0 = now_ns();
	for (int i = 0; i < n; i++)
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			break;
	printf("pipe_cross_cpu %.0f ns/round-trip\n", (double)(now_ns() - t0) / n);
	waitpid(pid, NULL, 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	find_cpus();
	bench_munmap();
	bench_pipe_cross_cpu();
	return 0;
}
