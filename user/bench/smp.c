/*
 * Benchmarks for several CPUs, run unchanged on Pagoda and on Linux.
 * Each prints "name value unit" (under -icount, ns are instructions).
 *
 *   munmap_alone      map, touch and unmap one page, single-threaded:
 *                     no other CPU can hold the translation;
 *   munmap_shootdown  the same while a second thread of the process runs
 *                     on another CPU: every unmap must flush its TLB too,
 *                     so the difference is the cost of one shootdown.
 * (micro's pipe_round_trip, run with two CPUs, measures a pipe between
 * processes on different CPUs.)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
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

/* Keep another CPU busy in our address space (it touches no memory of note). */
static void *spin(void *arg)
{
	while (!stop)
		;
	return arg;
}

static void bench_munmap(void)
{
	const int n = 2000;
	pthread_t t;

	printf("munmap_alone %.0f ns/iteration\n", munmap_cost(n));
	if (pthread_create(&t, NULL, spin, NULL) != 0) {
		perror("pthread_create");
		return;
	}
	usleep(20000);	/* let it start running on another CPU */
	printf("munmap_shootdown %.0f ns/iteration\n", munmap_cost(n));
	stop = 1;
	pthread_join(t, NULL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_munmap();
	return 0;
}
