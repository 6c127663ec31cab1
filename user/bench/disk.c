/*
 * Raw disk throughput: sequential 1 MiB reads and writes on a virtio disk,
 * with O_DIRECT (on Linux: no page cache; on Pagoda every block-device
 * transfer is direct anyway).  Run unchanged on Pagoda and on Linux, on a
 * scratch disk it overwrites: make bench attaches one as /dev/vda.
 *
 *     disk [DEVICE]       default /dev/vda
 *
 * Prints "name value unit": the time per MiB (instructions per MiB under
 * -icount shift=0) and the rate in MiB/s.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"

#define MiB (1024 * 1024)
#define TOTAL_MIB 32

static void report(const char *name, uint64_t ns)
{
	printf("%s %.0f ns/MiB\n", name, (double)ns / TOTAL_MIB);
	printf("%s_rate %.1f MiB/s\n", name, TOTAL_MIB / ((double)ns / 1e9));
}

/* TOTAL_MIB one-MiB transfers from the start of the disk; the time taken, or 0 on error. */
static uint64_t sequential(int fd, char *buf, int write)
{
	uint64_t t0 = now_ns();

	for (int i = 0; i < TOTAL_MIB; i++) {
		ssize_t n = write ? pwrite(fd, buf, MiB, (off_t)i * MiB) : pread(fd, buf, MiB, (off_t)i * MiB);

		if (n != MiB) {
			perror(write ? "disk: pwrite" : "disk: pread");
			return 0;
		}
	}
	return now_ns() - t0;
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/vda";
	char *buf = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t ns;
	int fd = open(dev, O_RDWR | O_DIRECT);

	if (fd < 0 || buf == MAP_FAILED) {
		perror(dev);
		return 1;
	}
	memset(buf, 0x42, MiB);
	sequential(fd, buf, 1);	/* warm-up: the disk image's blocks get allocated */
	if ((ns = sequential(fd, buf, 1)))
		report("disk_write_1m", ns);
	if ((ns = sequential(fd, buf, 0)))
		report("disk_read_1m", ns);
	close(fd);
	return 0;
}
