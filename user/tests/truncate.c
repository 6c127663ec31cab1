/*
 * truncate and ftruncate, down and up, and O_TRUNC.
 *
 * The heart of it: when a file shrinks to the middle of a block (or of a
 * page), the bytes after the new end in that last block must be zero
 * when the file grows again, whether the growth comes from ftruncate or
 * from a write past the end, and whether the last block was in the page
 * cache at the shrink or only on the disk.  So each case runs at every
 * interesting alignment for 512-byte sectors, 1 KiB and 4 KiB blocks and
 * 4 KiB pages, hot and cold.
 *
 * Not asserted, as file systems differ: st_blocks beyond "0 when empty"
 * and "never grows on a shrink".
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define KiB 1024LL
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)

#define LEN (20 * KiB)		/* the file the alignment cases cut */

/* Where a cut is interesting: around sectors, 1 KiB and 4 KiB blocks, pages. */
static const long long cuts[] = {
	0, 1, 511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049, 3071, 3072,
	4095, 4096, 4097, 5000, 8191, 8192, 8193, 12287, 12288, 12289, 16383, 16385,
};
#define NCUTS (sizeof(cuts) / sizeof(cuts[0]))

/* The file is cut at cut and now total bytes long: pattern seed, then zeros. */
static int expect_cut(int fd, long long cut, long long total, unsigned seed)
{
	int ok = CHECK_EQ(fd_size(fd), total);

	ok &= CHECK_PAT(fd, 0, cut, seed);
	ok &= CHECK_PAT(fd, cut, total - cut, 0);
	if (!ok)
		utest_printf("#     (file cut at %lld, %lld bytes long)\n", cut, total);
	return ok;
}

enum grow { GROW_TRUNCATE, GROW_WRITE };

/*
 * A LEN-byte file cut to `cut` and grown back to LEN (by ftruncate, or by a
 * one-byte write at LEN - 1), with the cache dropped before the cut
 * (cold) or not.  Checked before and after the cache is dropped again.
 */
static int shrink_and_grow(long long cut, enum grow how, int cold)
{
	int fd = pat_file("cut", LEN, 1), ok;

	if (cold)
		fsync_and_drop(fd);
	REQUIRE(ftruncate(fd, cut) == 0);
	CHECK_EQ(fd_size(fd), cut);
	if (how == GROW_TRUNCATE)
		REQUIRE(ftruncate(fd, LEN) == 0);
	else
		REQUIRE(pwrite(fd, "", 1, LEN - 1) == 1);
	ok = expect_cut(fd, cut, LEN, 1);
	fsync_and_drop(fd);
	ok &= expect_cut(fd, cut, LEN, 1);
	close(fd);
	CHECK_OK(unlink("cut"));
	return ok;
}

static void shrink_and_grow_at_every_cut(enum grow how)
{
	for (int cold = 0; cold < 2; cold++)
		for (size_t i = 0; i < NCUTS; i++)
			if (!shrink_and_grow(cuts[i], how, cold)) {
				utest_printf("#     (%s cache)\n", cold ? "cold" : "hot");
				return;
			}
}

TEST(shrink_then_ftruncate_up_reads_zeros_after_the_cut)
{
	shrink_and_grow_at_every_cut(GROW_TRUNCATE);
}

TEST(shrink_then_write_past_end_reads_zeros_after_the_cut)
{
	shrink_and_grow_at_every_cut(GROW_WRITE);
}

TEST(shrink_then_grow_in_steps_keeps_every_prefix)
{
	/* Down in odd steps, then up in odd steps: each moves the end by a non-block amount. */
	int fd = pat_file("steps", LEN, 2);
	long long size = LEN;

	while (size > 1000) {
		size -= 1537;
		REQUIRE(ftruncate(fd, size) == 0);
		CHECK_EQ(fd_size(fd), size);
		CHECK_PAT(fd, 0, size, 2);
	}
	for (long long end = size; end < LEN; end += 3001) {
		REQUIRE(ftruncate(fd, end) == 0);
		if (!expect_cut(fd, size, end, 2))
			break;
	}
	close(fd);
	CHECK_OK(unlink("steps"));
}

static void poke(void *addr)
{
	read_byte(addr);
}

TEST(shrink_zeroes_the_tail_of_a_mapped_page)
{
	int fd = pat_file("mapped", 3 * 4096, 3), zeros = 1;
	unsigned char *m = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);

	REQUIRE(m != MAP_FAILED);
	CHECK_EQ(m[6000], pat_byte(6000, 3));
	REQUIRE(ftruncate(fd, 5000) == 0);
	/* The page holding the new end stays mapped: its tail reads as zeros. */
	CHECK_EQ(m[4999], pat_byte(4999, 3));
	for (int i = 5000; i < 8192; i++)
		zeros &= m[i] == 0;
	CHECK(zeros);
	/* A page wholly past the end is gone: touching it is SIGBUS. */
	CHECK(killed_by(run_in_child(poke, m + 8192), SIGBUS));
	/* Grown again, the page is back, as a hole. */
	REQUIRE(ftruncate(fd, 3 * 4096) == 0);
	CHECK_EQ(m[8192], 0);
	CHECK_EQ(m[3 * 4096 - 1], 0);
	CHECK_EQ(m[0], pat_byte(0, 3));
	CHECK_OK(munmap(m, 3 * 4096));
	CHECK(expect_cut(fd, 5000, 3 * 4096, 3));
	close(fd);
	CHECK_OK(unlink("mapped"));
}

TEST(truncate_to_zero_frees_every_block)
{
	/* Big enough for indirect blocks with 1 KiB and 4 KiB blocks. */
	int fd = pat_file("zero", 5 * MiB, 4);
	char c;

	REQUIRE(fsync(fd) == 0);
	CHECK(fd_blocks(fd) >= 5 * MiB / 512);
	CHECK_EQ(lseek(fd, 3 * MiB, SEEK_SET), 3 * MiB);
	REQUIRE(ftruncate(fd, 0) == 0);
	CHECK_EQ(fd_size(fd), 0);
	REQUIRE(fsync(fd) == 0);
	CHECK_EQ(fd_blocks(fd), 0);
	/* The offset did not move; reading there (and at 0) is EOF. */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 3 * MiB);
	CHECK_EQ(read(fd, &c, 1), 0);
	CHECK_EQ(pread(fd, &c, 1, 0), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_END), 0);
	/* The file is usable again, with nothing of the old data in it. */
	pat_write(fd, 100 * KiB, 10, 5);
	CHECK_PAT(fd, 0, 100 * KiB, 0);
	fsync_and_drop(fd);
	CHECK_PAT(fd, 0, 100 * KiB, 0);
	CHECK_PAT(fd, 100 * KiB, 10, 5);
	close(fd);
	CHECK_OK(unlink("zero"));
}

TEST(o_trunc_empties_in_every_access_mode)
{
	static const int modes[] = { O_WRONLY, O_RDWR, O_RDONLY };
	struct stat before, after;
	char c;

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int fd = pat_file("otrunc", 70 * KiB, 6), other;

		REQUIRE(fstat(fd, &before) == 0);
		CHECK_EQ(lseek(fd, 5000, SEEK_SET), 5000);
		/*
		 * O_RDONLY | O_TRUNC is unspecified by POSIX; Linux truncates
		 * (with write permission, which root has).
		 */
		other = CHECK_OK(open("otrunc", modes[i] | O_TRUNC));
		REQUIRE(other >= 0);
		REQUIRE(fstat(other, &after) == 0);
		CHECK_EQ(after.st_ino, before.st_ino);
		CHECK_EQ(after.st_size, 0);
		/* The other descriptor keeps its offset, now past the end. */
		CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5000);
		CHECK_EQ(read(fd, &c, 1), 0);
		CHECK_OK(fsync(fd));
		CHECK_EQ(fd_blocks(fd), 0);
		close(other);
		close(fd);
	}
	/* O_TRUNC on an empty file, and with O_CREAT on a new one. */
	int fd = CHECK_OK(open("otrunc", O_RDWR | O_TRUNC));
	CHECK_EQ(fd_size(fd), 0);
	close(fd);
	fd = CHECK_OK(open("otrunc2", O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK_EQ(fd_size(fd), 0);
	close(fd);
	CHECK_OK(unlink("otrunc"));
	CHECK_OK(unlink("otrunc2"));
}

TEST(truncate_by_path_and_its_errors)
{
	int fd, ro, dir, p[2];

	put_file("tp", "0123456789");
	REQUIRE(symlink("tp", "tp_link") == 0);
	REQUIRE(mkdir("tp_dir", 0755) == 0);
	CHECK_OK(truncate("tp", 4));
	fd = open("tp", O_RDWR);
	REQUIRE(fd >= 0);
	CHECK_EQ(fd_size(fd), 4);
	/* truncate follows a symlink to its target. */
	CHECK_OK(truncate("tp_link", 2));
	CHECK_EQ(fd_size(fd), 2);
	CHECK_OK(truncate("tp", 9000));
	char two[2];
	CHECK_EQ(pread(fd, two, 2, 0), 2);
	CHECK(memcmp(two, "01", 2) == 0);
	CHECK_PAT(fd, 2, 9000 - 2, 0);

	CHECK_ERR(truncate("tp", -1), EINVAL);
	CHECK_ERR(truncate("tp_missing", 0), ENOENT);
	CHECK_ERR(truncate("tp/x", 0), ENOTDIR);
	CHECK_ERR(truncate("tp_dir", 0), EISDIR);
	CHECK_ERR(ftruncate(fd, -1), EINVAL);
	CHECK_ERR(ftruncate(-1, 0), EBADF);
	/* ftruncate needs a descriptor open for writing on a regular file: EINVAL otherwise. */
	ro = open("tp", O_RDONLY);
	dir = open("tp_dir", O_RDONLY | O_DIRECTORY);
	REQUIRE(ro >= 0 && dir >= 0 && pipe(p) == 0);
	CHECK_ERR(ftruncate(ro, 0), EINVAL);
	CHECK_ERR(ftruncate(dir, 0), EINVAL);
	CHECK_ERR(ftruncate(p[1], 0), EINVAL);
	/* Nothing changed in the failures. */
	CHECK_EQ(fd_size(fd), 9000);
	close(p[0]);
	close(p[1]);
	close(dir);
	close(ro);
	close(fd);
	CHECK_OK(unlink("tp_link"));
	CHECK_OK(unlink("tp"));
	CHECK_OK(rmdir("tp_dir"));
}

TEST(shrink_through_each_block_map_level)
{
	/*
	 * The ends of ext2's direct, single and double indirect ranges, for
	 * 1 KiB and 4 KiB blocks (see sparse.c), and odd places between.
	 * The file is cut from the top down; after each cut it is grown back
	 * for a moment, to show the freed range reads as a hole (no freed
	 * block is still mapped), and cut again.
	 */
	static const long long ends[] = {
		4 * MiB + 48 * KiB + 1, 4 * MiB + 48 * KiB, 4 * MiB + 48 * KiB - 1,
		2 * MiB + 3, 268 * KiB + 1, 268 * KiB, 268 * KiB - 1, 100 * KiB,
		48 * KiB + 1, 48 * KiB, 48 * KiB - 1, 12 * KiB + 1, 12 * KiB, 12 * KiB - 1, 1, 0,
	};
	long long top = 4 * MiB + 64 * KiB, blocks;
	int fd = pat_file("levels", top, 7);

	REQUIRE(fsync(fd) == 0);
	blocks = fd_blocks(fd);
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		REQUIRE(ftruncate(fd, ends[i]) == 0);
		REQUIRE(fsync(fd) == 0);
		CHECK(fd_blocks(fd) <= blocks);
		blocks = fd_blocks(fd);
		REQUIRE(ftruncate(fd, top) == 0);
		fsync_and_drop(fd);
		if (!expect_cut(fd, ends[i], top, 7))
			break;
		REQUIRE(ftruncate(fd, ends[i]) == 0);
	}
	REQUIRE(fsync(fd) == 0);
	CHECK_EQ(fd_blocks(fd), 0);
	close(fd);
	CHECK_OK(unlink("levels"));
}

TEST(other_descriptors_see_the_new_end)
{
	int fd = pat_file("shared", 10 * KiB, 8), fd2 = open("shared", O_RDWR);
	char c;

	REQUIRE(fd2 >= 0);
	CHECK_EQ(lseek(fd2, 8000, SEEK_SET), 8000);
	REQUIRE(ftruncate(fd, 100) == 0);
	/* fd2's offset is now past the end: EOF, and a write there leaves a hole. */
	CHECK_EQ(read(fd2, &c, 1), 0);
	CHECK_EQ(write(fd2, "Z", 1), 1);
	CHECK_EQ(fd_size(fd), 8001);
	CHECK_PAT(fd, 0, 100, 8);
	CHECK_PAT(fd, 100, 7900, 0);
	CHECK_EQ(pread(fd, &c, 1, 8000), 1);
	CHECK_EQ(c, 'Z');
	close(fd2);
	close(fd);
	CHECK_OK(unlink("shared"));
}

TEST(shrink_and_grow_past_4gib)
{
	int fd = pat_file("huge", 3000, 9);

	REQUIRE(ftruncate(fd, 5 * GiB + 123) == 0);
	pat_write(fd, 5 * GiB, 100, 10);
	pat_write(fd, 4 * GiB - 50, 100, 11);
	CHECK_EQ(fd_size(fd), 5 * GiB + 123);
	/* Cut just past 4 GiB: half of the run across 2^32 stays, the run at 5 GiB goes. */
	REQUIRE(ftruncate(fd, 4 * GiB + 1) == 0);
	REQUIRE(ftruncate(fd, 5 * GiB + 123) == 0);
	fsync_and_drop(fd);
	CHECK_PAT(fd, 4 * GiB - 50, 51, 11);
	CHECK_PAT(fd, 4 * GiB + 1, 8192, 0);
	CHECK_PAT(fd, 5 * GiB - 4096, 4096 + 123, 0);
	CHECK_PAT(fd, 0, 3000, 9);
	CHECK_PAT(fd, 3000, 5000, 0);
	/* Back to the small file: its blocks are all that is left. */
	REQUIRE(ftruncate(fd, 3000) == 0);
	REQUIRE(fsync(fd) == 0);
	CHECK(fd_blocks(fd) <= 64);
	CHECK_PAT(fd, 0, 3000, 9);
	close(fd);
	CHECK_OK(unlink("huge"));
}

TEST(ftruncate_to_the_same_size_keeps_the_data)
{
	int fd = pat_file("same", 5000, 12);

	REQUIRE(ftruncate(fd, 5000) == 0);
	CHECK_EQ(fd_size(fd), 5000);
	CHECK_PAT(fd, 0, 5000, 12);
	fsync_and_drop(fd);
	CHECK_PAT(fd, 0, 5000, 12);
	close(fd);
	CHECK_OK(unlink("same"));
}
