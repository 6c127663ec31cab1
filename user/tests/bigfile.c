/*
 * File data larger than memory: written with write() or stored through a
 * shared mapping, it must reach the disk and read back whole, though the
 * page cache can hold only a part of it at a time.  The kernel has to
 * write dirty pages back and reclaim them while the writer goes on, and
 * read evicted pages in again; a page dropped while dirty, written to the
 * wrong block or read back stale shows as a pattern mismatch at a known
 * offset.
 *
 * The sizes come from the environment, TEST_BIGFILE_MIB (default 8) and
 * TEST_BIGMAP_MIB (default 4), so that the ordinary suites stay fast; the
 * harness runs it with 256 and 128 in a 64 MiB guest (kernel command line
 * test_bigfile_mib=256 test_bigmap_mib=128, which init passes on).
 * Both files are kept and recorded (utest_record_file) for the harness,
 * which dumps them from the disk image and compares checksums.
 *
 * The "# " lines give the throughput of each phase, counting only the
 * time spent in the calls measured (or the stores into the mapping), not
 * in making the pattern, which under emulation costs more than the I/O.
 */
#include "utest.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <unistd.h>

#define MiB (1024 * 1024LL)
#define FILE_SEED 201
#define MAP_SEED 202

/* One 1 MiB buffer, refilled chunk by chunk, for every phase. */
static unsigned char chunk[MiB];

/* The environment's value of var, a positive number of MiB, or dflt if var is unset. */
static long long env_mib(const char *var, long long dflt)
{
	const char *s = getenv(var);
	char *end;
	long long v;

	if (!s)
		return dflt;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v <= 0) {
		utest_fail(__FILE__, __LINE__, "%s=%s to be a positive number of MiB", var, s);
		utest_abort();
	}
	return v;
}

/*
 * Emulated, making and checking the pattern alone runs at some tens of
 * MiB/s: allow two seconds per MiB, on top of the usual allowance.
 */
static void allow_time_for(long long mib)
{
	utest_timeout = 60 + 2 * mib;
	utest_watchdog();
}

/* Time spent in one phase's measured calls, and the bytes they moved. */
struct phase {
	const char *name;
	double secs;
	long long bytes;
};

/* Count the time since start, and bytes, to phase p. */
static void phase_add(struct phase *p, double start, long long bytes)
{
	p->secs += now() - start;
	p->bytes += bytes;
}

/* Its line: the throughput, or for a sync (which moved no bytes of its own) the time. */
static void phase_report(const struct phase *p)
{
	double mib = p->bytes / (double)MiB;

	if (p->bytes == 0)
		utest_printf("# %s: %.3f s\n", p->name, p->secs);
	else
		utest_printf("# %s: %.0f MiB in %.3f s, %.1f MiB/s\n", p->name, mib, p->secs,
			     p->secs > 0 ? mib / p->secs : 0.0);
}

/*
 * fsync fd, timed: how long writing back what was still dirty took (its
 * throughput would mean little, since the kernel may have written most
 * of the data back already).
 */
static void timed_fsync(int fd, const char *name)
{
	struct phase p = { name, 0, 0 };
	double t = now();

	CHECK_OK(fsync(fd));
	phase_add(&p, t, 0);
	phase_report(&p);
}

/*
 * Does buf, n bytes read from offset off, hold pattern seed?  Prints the
 * first bad offset.
 */
static int chunk_is_pat(const unsigned char *buf, size_t n, uint64_t off, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (buf[i] != pat_byte(off + i, seed)) {
			utest_printf("#     offset %llu: byte %#x, pattern %u has %#x\n",
				     (unsigned long long)(off + i), buf[i], seed,
				     pat_byte(off + i, seed));
			return 0;
		}
	return 1;
}

/*
 * Read fd from its offset 0 to size in 1 MiB read()s, each checked
 * against pattern seed, and check that the file ends there.  Stops at the
 * first bad chunk and returns 0; else returns 1 and the data's CRC-32 in
 * *crc.
 */
static int read_back(int fd, long long size, unsigned seed, const char *name, uint32_t *crc)
{
	struct phase p = { name, 0, 0 };

	*crc = 0;
	for (long long off = 0; off < size; off += MiB) {
		double t = now();
		ssize_t n = read(fd, chunk, MiB);

		phase_add(&p, t, n > 0 ? n : 0);
		if (!CHECK_EQ(n, MiB) || !CHECK(chunk_is_pat(chunk, n, off, seed))) {
			utest_printf("#     (the read at offset %lld)\n", off);
			return 0;
		}
		*crc = utest_crc32(*crc, chunk, n);
	}
	phase_report(&p);
	return CHECK_EQ(read(fd, chunk, 1), 0);
}

/*
 * Fill the next 1 MiB chunk of the pattern, for offset off, and add it to
 * the CRC-32 of what is written.
 */
static void next_chunk(long long off, unsigned seed, uint32_t *crc)
{
	pat_fill(chunk, MiB, off, seed);
	*crc = utest_crc32(*crc, chunk, MiB);
}

/*
 * Read back what was written, from fd's offset 0, and print its CRC-32
 * (the one the file-checksum line should show).
 */
static void check_contents(int fd, long long size, unsigned seed, const char *name,
			   uint32_t written)
{
	uint32_t crc;

	if (read_back(fd, size, seed, name, &crc) && CHECK_EQ(crc, written))
		utest_printf("# %s: CRC-32 %08x\n", name, crc);
}

TEST(sequential_write_then_read_back)
{
	long long size = env_mib("TEST_BIGFILE_MIB", 8) * MiB;
	struct phase w = { "write() big.bin", 0, 0 };
	uint32_t written = 0;
	int fd;

	allow_time_for(size / MiB);
	fd = open("big.bin", O_CREAT | O_TRUNC | O_WRONLY, 0644);
	REQUIRE(fd >= 0);
	for (long long off = 0; off < size; off += MiB) {
		double t;
		ssize_t n;

		next_chunk(off, FILE_SEED, &written);
		t = now();
		n = write(fd, chunk, MiB);
		phase_add(&w, t, n > 0 ? n : 0);
		if (!CHECK_EQ(n, MiB)) {
			utest_printf("#     (the write at offset %lld)\n", off);
			utest_abort();
		}
	}
	phase_report(&w);
	timed_fsync(fd, "fsync big.bin");
	CHECK_EQ(fd_size(fd), size);
	/* Drop what is still cached (Linux may), so the reads come from the disk. */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	REQUIRE(close(fd) == 0);

	fd = open("big.bin", O_RDONLY);
	REQUIRE(fd >= 0);
	check_contents(fd, size, FILE_SEED, "read() big.bin", written);
	close(fd);
	utest_record_file("big.bin");
}

TEST(shared_mapping_write_then_msync)
{
	long long size = env_mib("TEST_BIGMAP_MIB", 4) * MiB;
	struct phase st = { "stores into the map.bin mapping", 0, 0 };
	struct phase ms = { "msync map.bin", 0, 0 };
	uint32_t written = 0;
	unsigned char *m;
	double t;
	int fd;

	allow_time_for(size / MiB);
	fd = open("map.bin", O_CREAT | O_TRUNC | O_RDWR, 0644);
	REQUIRE(fd >= 0);
	REQUIRE(ftruncate(fd, size) == 0);
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	REQUIRE(m != MAP_FAILED);
	/*
	 * Every page is a hole until a store faults it in: the kernel must
	 * allocate its blocks when it writes the page back, and evict it to
	 * make room for the next ones.
	 */
	for (long long off = 0; off < size; off += MiB) {
		next_chunk(off, MAP_SEED, &written);
		t = now();
		memcpy(m + off, chunk, MiB);
		phase_add(&st, t, MiB);
	}
	phase_report(&st);
	t = now();
	CHECK_EQ(msync(m, size, MS_SYNC), 0);
	phase_add(&ms, t, 0);
	phase_report(&ms);
	REQUIRE(munmap(m, size) == 0);
	CHECK_EQ(fd_size(fd), size);
	/* msync wrote everything back: this fsync should find little left to do. */
	timed_fsync(fd, "fsync map.bin after msync");
	/* As for big.bin: read back from the disk, not from the cache. */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);

	REQUIRE(lseek(fd, 0, SEEK_SET) == 0);
	check_contents(fd, size, MAP_SEED, "read() map.bin", written);
	CHECK_OK(fsync(fd));
	close(fd);
	utest_record_file("map.bin");
}

/* /proc/sys/vm/dirty_ratio: the share of memory writers may keep dirty. */
static long long dirty_ratio(void)
{
	FILE *f = fopen("/proc/sys/vm/dirty_ratio", "r");
	long long v = -1;

	REQUIRE(f != NULL);
	REQUIRE(fscanf(f, "%lld", &v) == 1);
	fclose(f);
	return v;
}

/*
 * A writer that goes on and on is throttled: what it has dirtied and not
 * yet written (Dirty + Writeback) stays under dirty_ratio of memory, give
 * or take the chunk in flight.  It writes half of memory, well over the
 * limit; only on a disk with room for it, on a machine where nobody else
 * writes (TEST_DIRTY_COUNTS=1: the harness's 64 MiB guest, say).
 */
TEST(dirty_pages_stay_under_the_dirty_limit)
{
	long long total_kb, limit_kb, most_kb = 0, size;
	struct statfs sf;
	int fd;

	if (!getenv("TEST_DIRTY_COUNTS") || strcmp(getenv("TEST_DIRTY_COUNTS"), "1") != 0)
		utest_skip("needs TEST_DIRTY_COUNTS=1");
	total_kb = meminfo_kb("MemTotal");
	size = total_kb * 1024 / 2;
	REQUIRE(statfs(".", &sf) == 0);
	if ((long long)(sf.f_bavail * sf.f_bsize) < 2 * size)
		utest_skip("no room for half of memory here");
	limit_kb = total_kb * dirty_ratio() / 100 + 2 * 1024;
	allow_time_for(size / MiB);
	fd = open("throttled.bin", O_CREAT | O_TRUNC | O_WRONLY, 0644);
	REQUIRE(fd >= 0);
	pat_fill(chunk, MiB, 0, FILE_SEED);
	for (long long off = 0; off < size; off += MiB) {
		long long dirty_kb;

		REQUIRE(write(fd, chunk, MiB) == MiB);
		dirty_kb = meminfo_kb("Dirty") + meminfo_kb("Writeback");
		most_kb = dirty_kb > most_kb ? dirty_kb : most_kb;
	}
	utest_printf("# dirty + writeback at most %lld kB while writing %lld MiB; limit %lld kB\n",
		     most_kb, size / MiB, limit_kb);
	CHECK(most_kb <= limit_kb);
	CHECK_OK(close(fd));
	CHECK_OK(unlink("throttled.bin"));
}
