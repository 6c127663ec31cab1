/*
 * What the benchmark programs share: the clock, and the file benchmarks
 * that run in the current directory (micro: a tmpfs; ext2: an ext2 root).
 * Under QEMU's -icount shift=0 the guest clock advances one nanosecond per
 * executed instruction, so "ns" there reads as "instructions".
 */
#ifndef PAGODA_BENCH_H
#define PAGODA_BENCH_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

#define BENCH_FILE_PAGES 4096		/* a 16 MiB file */

/*
 * Sequential 4 KiB writes that grow a new file, bench.dat, then 4 KiB
 * reads of it, cached: rows PREFIXwrite_4k and PREFIXread_4k_cached.  The
 * file stays, cached, for the benchmarks that follow (micro's mmap rows).
 */
static inline void bench_write_read_4k(const char *prefix)
{
	static char buf[4096];
	int fd = open("bench.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	uint64_t t0;

	if (fd < 0) {
		perror("open");
		return;
	}
	memset(buf, 'w', sizeof(buf));
	t0 = now_ns();
	for (int i = 0; i < BENCH_FILE_PAGES; i++)
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			break;
	printf("%swrite_4k %.0f ns/write\n", prefix, (double)(now_ns() - t0) / BENCH_FILE_PAGES);
	t0 = now_ns();
	for (int i = 0; i < BENCH_FILE_PAGES; i++)
		if (pread(fd, buf, sizeof(buf), (off_t)i * sizeof(buf)) != sizeof(buf))
			break;
	printf("%sread_4k_cached %.0f ns/read\n", prefix, (double)(now_ns() - t0) / BENCH_FILE_PAGES);
	close(fd);
}

#endif
