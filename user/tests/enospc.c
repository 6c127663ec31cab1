/*
 * Running out of room: ENOSPC on a full file system, and EFBIG.
 *
 * The ENOSPC tests fill a whole file system, so they run only in the
 * directory named by TEST_SMALL_DIR, which the harness points at an
 * otherwise empty ext2 of 2-8 MiB; without it they skip (the host's own
 * disk is never filled), and they refuse a file system larger than
 * 64 MiB.  Each test leaves the file system as empty as it found it.
 *
 * On a full file system a write fails with ENOSPC or comes back short;
 * either way the file's size is exactly what was written, and removing
 * the file gives all of the space back (ext2 has no journal to wait for).
 * The tests run as root, so ext2's blocks reserved for root get used too:
 * at the end not even root can allocate.
 *
 * EFBIG: the limits that hold on every file system are RLIMIT_FSIZE and
 * the end of the loff_t range (a write whose end would pass
 * 0x7fffffffffffffff is EINVAL on Linux, before any file system is
 * asked; tmpfs takes writes at any offset below that).  ext2's own
 * maximum file size (about 16 GiB with 1 KiB blocks, 2 TiB with 4 KiB) is
 * checked on the small ext2.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define KiB 1024LL
#define MiB (1024 * KiB)
#define EXT2_SUPER_MAGIC 0xef53

static struct statfs fs_now(void)
{
	struct statfs s;

	REQUIRE(statfs(".", &s) == 0);
	return s;
}

/* Free bytes, root's reserve included. */
static long long free_bytes(void)
{
	struct statfs s = fs_now();

	return (long long)s.f_bfree * s.f_bsize;
}

/* Go to the small file system, or skip the test. */
static void enter_small_fs(void)
{
	const char *dir = getenv("TEST_SMALL_DIR");
	struct statfs s;

	if (!dir || !*dir)
		utest_skip("TEST_SMALL_DIR is not set: no small file system to fill");
	REQUIRE(chdir(dir) == 0);
	s = fs_now();
	if ((long long)s.f_blocks * s.f_bsize > 64 * MiB)
		utest_skip("TEST_SMALL_DIR is on a file system larger than 64 MiB");
}

/*
 * Append pattern seed to fd until not one more byte fits: in chunks of
 * `chunk` bytes, then, once one fails, of half that, and so on down to
 * single bytes.  (Linux's ext2 may refuse a large write while a few
 * blocks are still free; the halving takes those too.)  Each write is
 * whole, short, or ENOSPC.  Returns the bytes written, which is then the
 * file's size.
 */
static long long fill(int fd, long long chunk, unsigned seed)
{
	static unsigned char buf[256 * KiB];
	long long off = fd_size(fd);
	int failures = 0;

	REQUIRE(chunk <= (long long)sizeof(buf) && lseek(fd, off, SEEK_SET) == off);
	while (chunk > 0) {
		ssize_t n;

		pat_fill(buf, chunk, off, seed);
		n = write(fd, buf, chunk);
		if (n > 0)
			off += n;
		if (n == chunk)
			continue;
		if (!CHECK(n > 0 || errno == ENOSPC) && ++failures > 3)
			break;
		chunk /= 2;
	}
	CHECK_EQ(fd_size(fd), off);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), off);
	return off;
}

/* A file filling the file system from empty: its fd (O_RDWR). */
static int fill_file(const char *name, long long *size, long long chunk, unsigned seed)
{
	int fd = open(name, O_CREAT | O_TRUNC | O_RDWR, 0644);

	REQUIRE(fd >= 0);
	*size = fill(fd, chunk, seed);
	/* Full now: appending a byte fails, and it stays failed. */
	CHECK_ERR(write(fd, "x", 1), ENOSPC);
	CHECK_ERR(write(fd, "x", 1), ENOSPC);
	return fd;
}

/* After removing what a test made: all the space it found is back, and usable. */
static void space_is_back(long long before)
{
	int fd;

	CHECK_EQ(free_bytes(), before);
	fd = pat_file("after", 1 * MiB, 99);
	CHECK_OK(fsync(fd));
	CHECK_PAT(fd, 0, 1 * MiB, 99);
	close(fd);
	CHECK_OK(unlink("after"));
}

TEST(one_file_fills_the_file_system_and_gives_it_back)
{
	long long before, size;
	int fd;

	enter_small_fs();
	before = free_bytes();
	fd = fill_file("full", &size, 64 * KiB, 1);
	/* Nearly all the free space went into it (a little into indirect blocks). */
	CHECK(size >= before * 9 / 10);
	CHECK(size <= before);
	CHECK_OK(fsync(fd));
	fsync_and_drop(fd);
	CHECK_PAT(fd, 0, size, 1);
	CHECK_EQ(lseek(fd, 0, SEEK_END), size);
	close(fd);
	CHECK_OK(unlink("full"));
	space_is_back(before);
}

TEST(odd_sized_writes_end_short_at_the_exact_size)
{
	static unsigned char big[200 * KiB];
	long long before, size, cut, more;
	ssize_t n;
	int fd;

	enter_small_fs();
	before = free_bytes();
	/* 3001 bytes at a time: writes end in the middle of blocks. */
	fd = fill_file("odd", &size, 3001, 2);
	/* A few blocks freed at the end, then a big write: short, or ENOSPC. */
	cut = size - 10000;
	CHECK_OK(ftruncate(fd, cut));
	CHECK_EQ(lseek(fd, cut, SEEK_SET), cut);
	pat_fill(big, sizeof(big), cut, 3);
	n = write(fd, big, sizeof(big));
	CHECK(n == -1 ? errno == ENOSPC : n > 0 && n < (ssize_t)sizeof(big));
	CHECK_EQ(fd_size(fd), cut + (n > 0 ? n : 0));
	/* Filled up again, the freed room is used again (the cut left a part-block). */
	more = fill(fd, 8 * KiB, 3);
	CHECK(more > cut);
	CHECK(more <= size + 4096);
	fsync_and_drop(fd);
	CHECK_PAT(fd, 0, cut, 2);
	CHECK_PAT(fd, cut, more - cut, 3);
	close(fd);
	CHECK_OK(unlink("odd"));
	space_is_back(before);
}

TEST(full_file_system_still_overwrites_and_truncates)
{
	long long before, size;
	int fd, holey;
	char c = 'h';

	enter_small_fs();
	before = free_bytes();
	/* A sparse file made while there was room: a hole at [4 KiB, 1 MiB). */
	holey = pat_file("holey", 4096, 4);
	pat_write(holey, 1 * MiB, 10, 4);
	fd = fill_file("filler", &size, 64 * KiB, 5);

	/* Overwriting allocated blocks needs no space. */
	pat_write(fd, 100 * KiB + 3, 200 * KiB, 6);
	CHECK_PAT(fd, 100 * KiB + 3, 200 * KiB, 6);
	/* Filling a hole does: ENOSPC, and the hole and size stay. */
	CHECK_ERR(pwrite(holey, &c, 1, 512 * KiB), ENOSPC);
	CHECK_EQ(fd_size(holey), 1 * MiB + 10);
	CHECK_PAT(holey, 4096, 1 * MiB - 4096, 0);
	/* A new directory needs a block; a long symlink target too. */
	CHECK_ERR(mkdir("newdir", 0755), ENOSPC);
	CHECK_ERR(symlink(
		"a-target-of-more-than-sixty-bytes-needs-a-block-of-its-own-on-ext2-xxxxxxxxx",
		"slowlink"), ENOSPC);
	/* Growing with ftruncate allocates nothing: fine even now. */
	CHECK_OK(ftruncate(fd, size + 10 * MiB));
	CHECK_OK(ftruncate(fd, size));
	/* Shrinking frees: then all of the above works. */
	CHECK_OK(ftruncate(fd, size - 512 * KiB));
	CHECK_EQ(pwrite(holey, &c, 1, 512 * KiB), 1);
	CHECK_OK(mkdir("newdir", 0755));
	CHECK_OK(rmdir("newdir"));
	unlink("slowlink");	/* in case it was made after all */
	CHECK_PAT(fd, 0, 100 * KiB + 3, 5);
	close(holey);
	close(fd);
	CHECK_OK(unlink("holey"));
	CHECK_OK(unlink("filler"));
	space_is_back(before);
}

TEST(many_small_files_until_enospc)
{
	enum { MAXFILES = 20000, EACH = 3000 };
	static unsigned char data[EACH];
	long long before;
	char name[32];
	int made = 0, last_size = -1;

	enter_small_fs();
	before = free_bytes();
	pat_fill(data, EACH, 0, 8);
	/* In a directory of their own: ext2 never gives a directory's blocks back but on rmdir. */
	REQUIRE(mkdir("many", 0755) == 0);
	/* Until the blocks or the inodes run out (ENOSPC either way). */
	for (; made < MAXFILES; made++) {
		int fd;
		ssize_t n;

		snprintf(name, sizeof(name), "many/%d", made);
		fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0) {
			CHECK_EQ(errno, ENOSPC);
			break;
		}
		n = write(fd, data, EACH);
		if (n != EACH) {
			/* The last one: short or ENOSPC, and its size says which. */
			CHECK(n > 0 || errno == ENOSPC);
			last_size = n > 0 ? n : 0;
			CHECK_EQ(fd_size(fd), last_size);
			close(fd);
			made++;
			break;
		}
		close(fd);
	}
	CHECK(made > 100);
	CHECK(made < MAXFILES);
	/* Every file is whole (the last maybe short); then they all go. */
	for (int i = 0; i < made; i++) {
		long long want = i == made - 1 && last_size >= 0 ? last_size : EACH;
		int fd;

		snprintf(name, sizeof(name), "many/%d", i);
		fd = open(name, O_RDONLY);
		if (!CHECK(fd >= 0))
			break;
		CHECK_EQ(fd_size(fd), want);
		if (i % 50 == 0 || i == made - 1)
			CHECK_PAT(fd, 0, want, 8);
		close(fd);
		CHECK_OK(unlink(name));
	}
	CHECK_OK(rmdir("many"));
	space_is_back(before);
}

TEST(removing_an_open_full_file_frees_on_the_last_close)
{
	long long before, size, full;
	int fd, again;

	enter_small_fs();
	before = free_bytes();
	fd = fill_file("held", &size, 64 * KiB, 7);
	full = free_bytes();
	again = open("held", O_RDONLY);
	REQUIRE(again >= 0);
	CHECK_OK(unlink("held"));
	/* Nameless but open: its blocks are still in use, its data still there. */
	CHECK_EQ(free_bytes(), full);
	CHECK_ERR(write(fd, "x", 1), ENOSPC);
	CHECK_PAT(again, size - 1000, 1000, 7);
	close(fd);
	CHECK_EQ(free_bytes(), full);
	/* The last descriptor goes: so do the blocks. */
	close(again);
	space_is_back(before);
}

TEST(ext2_refuses_offsets_past_its_largest_file)
{
	char c = 'x';
	int fd;

	enter_small_fs();
	if (fs_now().f_type != EXT2_SUPER_MAGIC)
		utest_skip("TEST_SMALL_DIR is not on ext2");
	fd = open("big", O_CREAT | O_TRUNC | O_RDWR, 0644);
	REQUIRE(fd >= 0);
	/* 16 TiB: past the largest ext2 file with 1 KiB and with 4 KiB blocks. */
	CHECK_ERR(pwrite(fd, &c, 1, 1LL << 44), EFBIG);
	CHECK_ERR(ftruncate(fd, 1LL << 44), EFBIG);
	CHECK_ERR(pwrite(fd, &c, 1, LLONG_MAX - 1), EFBIG);
	/* Up to 12 GiB is fine with either (a hole, no space used). */
	CHECK_OK(ftruncate(fd, 12LL << 30));
	CHECK_EQ(pwrite(fd, &c, 1, (12LL << 30) - 1), 1);
	CHECK_EQ(fd_size(fd), 12LL << 30);
	close(fd);
	CHECK_OK(unlink("big"));
}

static void write_at_the_limit(void *arg)
{
	int fd = *(int *)arg;

	(void)pwrite(fd, "x", 1, 100000);
}

TEST(rlimit_fsize_gives_efbig_or_sigxfsz)
{
	struct rlimit lim = { 100000, 100000 };
	int fd = open("limited", O_CREAT | O_TRUNC | O_RDWR, 0644);
	char buf[100] = { 0 };

	REQUIRE(fd >= 0);
	REQUIRE(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	/* The default action of SIGXFSZ ends the writer (with a core, here off). */
	CHECK(killed_by(run_in_child(write_at_the_limit, &fd), SIGXFSZ));
	signal(SIGXFSZ, SIG_IGN);
	/* Ignored: a write at or past the limit is EFBIG; one across it is cut at it. */
	CHECK_ERR(pwrite(fd, buf, 1, 100000), EFBIG);
	CHECK_ERR(pwrite(fd, buf, 1, 200000), EFBIG);
	CHECK_EQ(lseek(fd, 99990, SEEK_SET), 99990);
	CHECK_EQ(write(fd, buf, sizeof(buf)), 10);
	CHECK_EQ(fd_size(fd), 100000);
	CHECK_ERR(write(fd, buf, 1), EFBIG);
	/* ftruncate up past the limit too; down is fine. */
	CHECK_ERR(ftruncate(fd, 100001), EFBIG);
	CHECK_OK(ftruncate(fd, 50000));
	CHECK_EQ(fd_size(fd), 50000);
	close(fd);
	CHECK_OK(unlink("limited"));
}

TEST(a_write_ending_past_the_loff_t_range_is_einval)
{
	char c = 'x';
	int fd = open("edge", O_CREAT | O_TRUNC | O_RDWR, 0644);

	REQUIRE(fd >= 0);
	/* The end of [LLONG_MAX, LLONG_MAX + 1) does not fit in loff_t. */
	CHECK_ERR(pwrite(fd, &c, 1, LLONG_MAX), EINVAL);
	CHECK_ERR(pwrite(fd, &c, 10, LLONG_MAX - 5), EINVAL);
	CHECK_ERR(pread(fd, &c, 1, LLONG_MAX), EINVAL);
	CHECK_ERR(pwrite(fd, &c, 1, -1), EINVAL);
	CHECK_ERR(pread(fd, &c, 1, -4096), EINVAL);
	CHECK_EQ(fd_size(fd), 0);
	close(fd);
	CHECK_OK(unlink("edge"));
}
