/*
 * Block device files: reading and writing a whole disk through /dev/vdX.
 *
 * The disks come from the environment, and a test whose disk is not given
 * skips itself, so this program never touches a disk it was not handed:
 *
 *   TEST_DISK            a scratch disk of at least 32 MiB: every test may
 *                        overwrite it
 *   TEST_DISK_RO         a disk attached read-only, every byte 0x5a
 *   TEST_DISK_EIO_WRITE  a disk whose first write covering sector 2048 fails
 *   TEST_DISK_EIO_READ   a disk whose first read covering sector 2048 fails
 *
 * The harness attaches them to Pagoda (QEMU's blkdebug injects the
 * errors), and runs the scratch-disk tests on Linux too
 * (../shared/peers/linux/run --disk IMG blockdev TEST_DISK=/dev/vda).
 * Afterwards it checks the scratch image from the host: its first 4 MiB
 * must hold the pattern below.
 *
 * Regions of the scratch disk: [0, 4M) the pattern; 8M the unaligned
 * writes; 12M direct I/O; 16M the statistics; the last MiB the end tests.
 */
#include "utest.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* <linux/fs.h> has it, but musl-gcc does not see the kernel's headers. */
#ifndef BLKPBSZGET
#define BLKPBSZGET _IO(0x12, 123)
#endif

#define MiB (1024 * 1024)
#define PATTERN_BYTES (4 * MiB)
#define BAD_SECTOR 2048		/* where the harness injects errors */

/* The disk in environment variable var, opened with flags; skips the test if there is none. */
static int open_disk(const char *var, int flags)
{
	const char *path = getenv(var);
	char why[128];
	int fd;

	if (!path || !*path) {
		snprintf(why, sizeof(why), "no disk given (%s is not set)", var);
		utest_skip(why);
	}
	fd = open(path, flags);
	REQUIRE(fd >= 0);
	return fd;
}

/* The 8-byte word at disk offset off (a multiple of 8) of the pattern. */
static uint64_t pattern_word(uint64_t off)
{
	return (off / 8) * 0x9e3779b97f4a7c15ull + 0x5041474f4441ull;
}

static void fill_pattern(unsigned char *buf, uint64_t off, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t w = pattern_word(off + i);

		memcpy(buf + i, &w, 8);
	}
}

/* A page-aligned buffer (O_DIRECT wants block alignment). */
static unsigned char *aligned_buffer(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	REQUIRE(p != MAP_FAILED);
	return p;
}

/* Write all of buf at off, in one call; fails the test if it is short. */
static void pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	REQUIRE(CHECK_EQ(pwrite(fd, buf, len, off), (ssize_t)len));
}

TEST(disk_geometry_ioctls)
{
	int fd = open_disk("TEST_DISK", O_RDONLY);
	unsigned long sectors = 0;
	uint64_t bytes = 0;
	int ssz = 0, pbsz = 0, ro = -1;
	struct stat st;

	CHECK_OK(fstat(fd, &st));
	CHECK(S_ISBLK(st.st_mode));
	CHECK_OK(ioctl(fd, BLKGETSIZE64, &bytes));
	CHECK_OK(ioctl(fd, BLKGETSIZE, &sectors));
	CHECK_OK(ioctl(fd, BLKSSZGET, &ssz));
	CHECK_OK(ioctl(fd, BLKPBSZGET, &pbsz));
	CHECK_OK(ioctl(fd, BLKROGET, &ro));
	CHECK(bytes >= 32 * MiB);
	CHECK_EQ(sectors * 512, bytes);
	CHECK_EQ(lseek(fd, 0, SEEK_END), (off_t)bytes);
	CHECK_EQ(ssz, 512);
	CHECK(pbsz >= ssz && pbsz % ssz == 0);
	CHECK_EQ(ro, 0);
	CHECK_ERR(ioctl(fd, TCGETS, &ssz), ENOTTY);	/* a disk is not a terminal */
	close(fd);
}

/*
 * The pattern goes out in pieces of many sizes (whole pages, a large
 * write, odd lengths that end mid-sector, a writev) and must read back
 * exactly, in pieces of other sizes; the harness checks the image too.
 */
TEST(pattern_written_in_pieces_reads_back)
{
	static const size_t pieces[] = { 4096, 65536, 1000, 24, 512, 1 * MiB, 3000, 4096 * 3 + 7 };
	unsigned char *want = malloc(PATTERN_BYTES), *got = malloc(PATTERN_BYTES);
	int fd = open_disk("TEST_DISK", O_RDWR);
	size_t off = 0;

	REQUIRE(want && got);
	fill_pattern(want, 0, PATTERN_BYTES);
	for (int i = 0;; i++) {
		size_t len = pieces[i % (sizeof(pieces) / sizeof(pieces[0]))];

		if (off + len > PATTERN_BYTES - 3 * 4096)
			break;	/* the rest for the writev */
		pwrite_all(fd, want + off, len, off);
		off += len;
	}
	/* The rest as a writev of three buffers. */
	{
		size_t rest = PATTERN_BYTES - off, a = rest / 3, b = rest / 3;
		struct iovec iov[3] = { { want + off, a }, { want + off + a, b },
					{ want + off + a + b, rest - a - b } };

		CHECK_EQ(lseek(fd, off, SEEK_SET), (off_t)off);
		CHECK_EQ(writev(fd, iov, 3), (ssize_t)rest);
	}
	CHECK_OK(fsync(fd));
	for (off = 0; off < PATTERN_BYTES;) {
		size_t len = off % 3 ? 4096 : 200 * 1024 + 13;

		len = len < PATTERN_BYTES - off ? len : PATTERN_BYTES - off;
		REQUIRE(CHECK_EQ(pread(fd, got + off, len, off), (ssize_t)len));
		off += len;
	}
	CHECK(memcmp(want, got, PATTERN_BYTES) == 0);
	close(fd);
}

/* Writes that start or end inside a sector leave the rest of the sector alone. */
TEST(unaligned_writes_keep_the_bytes_around_them)
{
	const off_t base = 8 * MiB;
	static const struct { size_t off, len; } writes[] = {
		{ 7, 100 }, { 500, 30 }, { 1023, 2 }, { 4095, 4098 }, { 20000, 1 },
		{ 65536 - 1, 65536 + 2 }, { 300000, 511 }, { 600000, 513 },
	};
	unsigned char *shadow = malloc(MiB), *got = malloc(MiB), byte = 1;
	int fd = open_disk("TEST_DISK", O_RDWR);

	REQUIRE(shadow && got);
	memset(shadow, 0xaa, MiB);
	pwrite_all(fd, shadow, MiB, base);
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		unsigned char buf[140000];

		for (size_t k = 0; k < writes[i].len; k++)
			buf[k] = byte++;
		memcpy(shadow + writes[i].off, buf, writes[i].len);
		pwrite_all(fd, buf, writes[i].len, base + writes[i].off);
	}
	CHECK_EQ(pread(fd, got, MiB, base), MiB);
	CHECK(memcmp(shadow, got, MiB) == 0);
	/* One byte at a time, the way a student's first dd does it. */
	CHECK_EQ(pread(fd, got, 1, base + 7), 1);
	CHECK_EQ(got[0], shadow[7]);
	close(fd);
}

TEST(reads_and_writes_stop_at_the_end)
{
	int fd = open_disk("TEST_DISK", O_RDWR);
	off_t end = lseek(fd, 0, SEEK_END);
	char buf[2048];

	memset(buf, 'e', sizeof(buf));
	REQUIRE(end > 0);
	CHECK_EQ(pread(fd, buf, 512, end), 0);			/* end of file */
	CHECK_EQ(pread(fd, buf, 1024, end - 512), 512);		/* cut short */
	CHECK_ERR(pwrite(fd, buf, 512, end), ENOSPC);
	CHECK_ERR(pwrite(fd, buf, 512, end + 4096), ENOSPC);
	CHECK_EQ(pwrite(fd, buf, 1024, end - 512), 512);	/* cut short */
	CHECK_EQ(pread(fd, buf, 1024, end - 100), 100);
	CHECK_ERR(lseek(fd, 1, SEEK_END), EINVAL);		/* no seeking past the end */
	CHECK_ERR(lseek(fd, -1, SEEK_SET), EINVAL);
	CHECK_ERR(lseek(fd, 0, SEEK_DATA), EINVAL);
	CHECK_EQ(lseek(fd, -512, SEEK_END), end - 512);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 512);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 0);
	CHECK_ERR(pread(fd, buf, 1, -1), EINVAL);
	close(fd);
}

TEST(direct_io_needs_aligned_buffers)
{
	const off_t base = 12 * MiB;
	unsigned char *out = aligned_buffer(MiB), *in = aligned_buffer(MiB);
	int fd = open_disk("TEST_DISK", O_RDWR | O_DIRECT);

	fill_pattern(out, base, MiB);
	CHECK_ERR(pwrite(fd, out + 1, 512, base), EINVAL);	/* buffer */
	CHECK_ERR(pwrite(fd, out, 512, base + 1), EINVAL);	/* offset */
	CHECK_ERR(pwrite(fd, out, 100, base), EINVAL);		/* length */
	CHECK_ERR(pread(fd, in + 8, 512, base), EINVAL);
	pwrite_all(fd, out, MiB, base);
	CHECK_EQ(pread(fd, in, MiB, base), MiB);
	CHECK(memcmp(out, in, MiB) == 0);
	close(fd);
}

TEST(fsync_and_fdatasync_flush)
{
	int fd = open_disk("TEST_DISK", O_RDWR);

	CHECK_OK(fsync(fd));
	CHECK_OK(fdatasync(fd));
	close(fd);
}

TEST(bad_buffers_are_efault)
{
	int fd = open_disk("TEST_DISK", O_RDWR);

	CHECK_ERR(pwrite(fd, (void *)1, 512, 16 * MiB), EFAULT);
	CHECK_ERR(pread(fd, (void *)1, 512, 16 * MiB), EFAULT);
	CHECK_ERR(pread(fd, (void *)0xffffffff80000000ul, 512, 16 * MiB), EFAULT);
	close(fd);
}

/* The disk's line in /proc/diskstats, as its 17 numbers; false if it has none. */
static int diskstats(const char *disk, unsigned long long v[17])
{
	const char *name = strrchr(disk, '/') ? strrchr(disk, '/') + 1 : disk;
	FILE *f = fopen("/proc/diskstats", "r");
	char line[512], dev[32];
	int found = 0;

	if (!CHECK(f != NULL))
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		int n = sscanf(line, "%*u %*u %31s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
			       "%llu %llu %llu %llu %llu %llu %llu", dev, &v[0], &v[1], &v[2], &v[3],
			       &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &v[11], &v[12],
			       &v[13], &v[14], &v[15], &v[16]);

		found = n == 18 && strcmp(dev, name) == 0;
	}
	fclose(f);
	return found;
}

/* Columns (after the name): 0 reads, 2 sectors read, 4 writes, 6 sectors written, 15 flushes. */
TEST(diskstats_count_the_io)
{
	const off_t base = 16 * MiB;
	unsigned long long before[17], after[17];
	unsigned char *buf = aligned_buffer(65536);
	int fd = open_disk("TEST_DISK", O_RDWR | O_DIRECT);

	REQUIRE(diskstats(getenv("TEST_DISK"), before));
	pwrite_all(fd, buf, 65536, base);
	CHECK_EQ(pread(fd, buf, 65536, base), 65536);
	CHECK_OK(fsync(fd));
	REQUIRE(diskstats(getenv("TEST_DISK"), after));
	CHECK(after[0] >= before[0] + 1);
	CHECK(after[2] >= before[2] + 128);
	CHECK(after[4] >= before[4] + 1);
	CHECK(after[6] >= before[6] + 128);
	CHECK(after[15] >= before[15] + 1);
	CHECK_EQ(after[8], 0);	/* nothing in flight now */
	close(fd);
}

TEST(read_only_disk_refuses_writes)
{
	int fd = open_disk("TEST_DISK_RO", O_RDWR);	/* opening for writing is allowed */
	char buf[4096];
	int ro = -1;

	CHECK_OK(ioctl(fd, BLKROGET, &ro));
	CHECK_EQ(ro, 1);
	memset(buf, 0, sizeof(buf));
	CHECK_ERR(pwrite(fd, buf, 512, 0), EPERM);	/* Linux's answer, not EROFS */
	CHECK_ERR(pwrite(fd, buf, 100, 4097), EPERM);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	CHECK_EQ(buf[0], 0x5a);
	CHECK_EQ(buf[4095], 0x5a);
	close(fd);
}

/* The injected error reaches us as EIO, once; the disk then works, elsewhere and there. */
static void injected_error(const char *var, int write)
{
	unsigned char *buf = aligned_buffer(4096);
	int fd = open_disk(var, O_RDWR | O_DIRECT);
	off_t bad = (off_t)BAD_SECTOR * 512;

	memset(buf, 'w', 4096);
	if (write) {
		CHECK_ERR(pwrite(fd, buf, 4096, bad), EIO);
		pwrite_all(fd, buf, 4096, bad + MiB);
		pwrite_all(fd, buf, 4096, bad);
	} else {
		CHECK_ERR(pread(fd, buf, 4096, bad), EIO);
		CHECK_EQ(pread(fd, buf, 4096, bad + MiB), 4096);
		CHECK_EQ(pread(fd, buf, 4096, bad), 4096);
	}
	close(fd);
}

TEST(injected_write_error_is_eio)
{
	injected_error("TEST_DISK_EIO_WRITE", 1);
}

TEST(injected_read_error_is_eio)
{
	injected_error("TEST_DISK_EIO_READ", 0);
}
