/*
 * File-system benchmarks on ext2, run unchanged on Pagoda (in its ext2
 * root: init's user_dir=/) and on Linux (the peer, in an ext2 disk on
 * /mnt): both images are what mkfs.ext2 makes of the same size.
 *
 *   ext2_write_4k, ext2_read_4k_cached  as micro's write_4k/read_4k_cached
 *   ext2_write_fsync_64m                64 MiB written in 64 KiB writes,
 *                                       then fsync: the time per MiB
 *   ext2_write_fsync_64m_requests       the profile of that row: write
 *                                       requests the disk (vda) completed,
 *                                       from /proc/diskstats, per MiB
 */
#include <stdlib.h>
#include "bench.h"

#define FSYNC_MIB 64

/* Write requests vda has completed (/proc/diskstats' fifth field), or -1. */
static long vda_writes(void)
{
	char line[256], name[32];
	unsigned int major, minor;
	long reads, rmerged, rsectors, rms, writes = -1;
	FILE *f = fopen("/proc/diskstats", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%u %u %31s %ld %ld %ld %ld %ld", &major, &minor, name, &reads,
			   &rmerged, &rsectors, &rms, &writes) == 8 && !strcmp(name, "vda"))
			break;
	fclose(f);
	return writes;
}

static void bench_write_fsync(void)
{
	static char buf[64 << 10];
	int fd = open("fsync.dat", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	long requests = vda_writes();
	uint64_t t0;

	if (fd < 0) {
		perror("open");
		return;
	}
	memset(buf, 'f', sizeof(buf));
	t0 = now_ns();
	for (int i = 0; i < FSYNC_MIB * 16; i++)
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			perror("write");
			break;
		}
	if (fsync(fd) < 0)
		perror("fsync");
	printf("ext2_write_fsync_64m %.0f ns/MiB\n", (double)(now_ns() - t0) / FSYNC_MIB);
	if (requests >= 0)
		printf("ext2_write_fsync_64m_requests %.1f requests/MiB\n",
		       (double)(vda_writes() - requests) / FSYNC_MIB);
	close(fd);
	unlink("fsync.dat");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_write_read_4k("ext2_");
	unlink("bench.dat");
	bench_write_fsync();
	return 0;
}
