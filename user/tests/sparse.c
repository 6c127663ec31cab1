/*
 * Sparse files: holes read as zeros, writes far past the end, offsets
 * beyond 4 GiB, SEEK_DATA/SEEK_HOLE, st_blocks growing only where data
 * was written.
 *
 * Many offsets sit on both sides of ext2's block-map boundaries for 1 KiB
 * and for 4 KiB blocks (the end of the 12 direct blocks, of the single
 * and of the double indirect range), so each level of the map is used.
 *
 * What differs between file systems is not asserted:
 *  - SEEK_DATA/SEEK_HOLE: Linux's ext2 driver treats all of a file as
 *    data (the only hole is the virtual one at EOF), ext4 and tmpfs report
 *    the real holes.  Both answers are accepted; what must hold for both
 *    is that no written byte is ever inside a reported hole.
 *  - st_blocks: ext2 counts its indirect blocks, tmpfs and ext4 (extents)
 *    have none; only bounds are checked.
 *  - The largest file: ext2 with 1 KiB blocks stops near 16 GiB, so no
 *    offset here is above 12 GiB.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define KiB 1024LL
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)

/* Where ext2's block map changes level, for 1 KiB and 4 KiB blocks. */
static const long long map_edges[] = {
	12 * KiB,			/* 1K: direct -> single indirect */
	48 * KiB,			/* 4K: direct -> single indirect */
	12 * KiB + 256 * KiB,		/* 1K: single -> double */
	48 * KiB + 4 * MiB,		/* 4K: single -> double */
	12 * KiB + 256 * KiB + 64 * MiB,	/* 1K: double -> triple */
	48 * KiB + 4 * MiB + 4 * GiB,	/* 4K: double -> triple */
};
#define NEDGES (sizeof(map_edges) / sizeof(map_edges[0]))

/* One written range of a file under test, and the pattern it holds. */
struct extent {
	long long off, len;
	unsigned seed;
};

static int open_new(const char *name)
{
	int fd = open(name, O_CREAT | O_TRUNC | O_RDWR, 0644);

	REQUIRE(fd >= 0);
	return fd;
}

/* Write the extents, in order, into a new file; its size is then size (ftruncate). */
static int layout_file(const char *name, const struct extent *e, int n, long long size)
{
	int fd = open_new(name);

	for (int i = 0; i < n; i++)
		pat_write(fd, e[i].off, e[i].len, e[i].seed);
	if (size)
		REQUIRE(ftruncate(fd, size) == 0);
	return fd;
}

/*
 * Each extent holds its pattern, and up to `margin` bytes on either side
 * of it, as far as the neighbouring extents and the end of the file, are
 * zeros.  (The extents of a layout do not overlap.)
 */
static void check_layout(int fd, const struct extent *e, int n, long long margin)
{
	long long size = fd_size(fd);

	for (int i = 0; i < n; i++) {
		long long end = e[i].off + e[i].len;
		long long lo = e[i].off - margin < 0 ? 0 : e[i].off - margin;
		long long hi = end + margin > size ? size : end + margin;

		for (int j = 0; j < n; j++) {
			long long jend = e[j].off + e[j].len;

			if (jend <= e[i].off && jend > lo)
				lo = jend;
			if (e[j].off >= end && e[j].off < hi)
				hi = e[j].off;
		}
		CHECK_PAT(fd, lo, e[i].off - lo, 0);
		CHECK_PAT(fd, e[i].off, e[i].len, e[i].seed);
		CHECK_PAT(fd, end, hi - end, 0);
	}
}

/*
 * The extents for the block-map edges below `below`: a short run across
 * each edge, so one write ends a level and begins the next; then the
 * nextra extra extents.  Returns how many.
 */
static int edge_extents(struct extent *e, long long below, const struct extent *extra,
			int nextra)
{
	int n = 0;

	for (size_t i = 0; i < NEDGES; i++)
		if (map_edges[i] + 3000 <= below)
			e[n++] = (struct extent){ map_edges[i] - 1000, 3000, 10 + i };
	for (int i = 0; i < nextra; i++)
		e[n++] = extra[i];
	return n;
}

TEST(holes_read_as_zeros_around_data)
{
	struct extent e[] = {
		{ 0, 100, 1 }, { 5000, 3, 2 }, { 64 * KiB - 1, 2, 3 }, { 1 * MiB + 123, 4000, 4 },
	};
	char buf[300];
	int fd = layout_file("holes", e, 4, 2 * MiB);

	CHECK_EQ(fd_size(fd), 2 * MiB);
	check_layout(fd, e, 4, 3000);
	/* The tail past the last write, up to the size set by ftruncate, is a hole too. */
	CHECK_PAT(fd, 2 * MiB - 64 * KiB, 64 * KiB, 0);
	/* A read running off the end is short, and at the end it is 0. */
	CHECK_EQ(pread(fd, buf, sizeof(buf), 2 * MiB - 10), 10);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 2 * MiB), 0);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 3 * MiB), 0);
	/* After the data goes to the disk and out of the cache, the same. */
	fsync_and_drop(fd);
	check_layout(fd, e, 4, 3000);
	close(fd);
	CHECK_OK(unlink("holes"));
}

TEST(write_far_past_eof_leaves_a_hole)
{
	int fd = pat_file("past", 10, 5);

	/* lseek past the end is allowed and changes nothing by itself. */
	CHECK_EQ(lseek(fd, 300 * KiB + 7, SEEK_SET), 300 * KiB + 7);
	CHECK_EQ(fd_size(fd), 10);
	CHECK_EQ(write(fd, "xyz", 3), 3);
	CHECK_EQ(fd_size(fd), 300 * KiB + 10);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 300 * KiB + 10);
	CHECK_PAT(fd, 0, 10, 5);
	CHECK_PAT(fd, 10, 300 * KiB - 3, 0);
	fsync_and_drop(fd);
	CHECK_PAT(fd, 10, 300 * KiB - 3, 0);
	char back[3];
	CHECK_EQ(pread(fd, back, 3, 300 * KiB + 7), 3);
	CHECK(memcmp(back, "xyz", 3) == 0);
	close(fd);
	CHECK_OK(unlink("past"));
}

TEST(writes_across_every_block_map_level)
{
	struct extent e[NEDGES];
	int n = edge_extents(e, 5 * GiB, NULL, 0);
	int fd = layout_file("levels", e, n, 0);

	CHECK_EQ(fd_size(fd), e[n - 1].off + e[n - 1].len);
	check_layout(fd, e, n, 5000);
	fsync_and_drop(fd);
	check_layout(fd, e, n, 5000);
	close(fd);
	/* A fresh open finds the same (nothing lived only in the descriptor). */
	fd = open("levels", O_RDONLY);
	REQUIRE(fd >= 0);
	check_layout(fd, e, n, 1000);
	close(fd);
	CHECK_OK(unlink("levels"));
}

TEST(offsets_beyond_4gib_do_not_wrap)
{
	/*
	 * The same low offsets with 4 GiB added: a 32-bit truncation of an
	 * offset or of a block number would make the high writes land on
	 * (or read back) the low ones.
	 */
	struct extent e[] = {
		{ 100, 50, 1 },
		{ 4 * GiB - 3, 6, 2 },		/* across 2^32 */
		{ 4 * GiB + 100, 50, 3 },
		{ 5 * GiB + 7, 4096, 4 },
		{ 12 * GiB - 1, 1, 5 },
	};
	char back[50];
	int fd = layout_file("big", e, 5, 0);

	CHECK_EQ(fd_size(fd), 12 * GiB);
	CHECK_EQ(lseek(fd, 0, SEEK_END), 12 * GiB);
	CHECK_EQ(lseek(fd, -1, SEEK_END), 12 * GiB - 1);
	CHECK_EQ(read(fd, back, sizeof(back)), 1);
	CHECK_EQ((unsigned char)back[0], pat_byte(12 * GiB - 1, 5));
	check_layout(fd, e, 5, 4096);
	fsync_and_drop(fd);
	check_layout(fd, e, 5, 4096);
	/* Only the written blocks (and their indirect blocks) take space. */
	CHECK(fd_blocks(fd) * 512 <= 512 * KiB);
	close(fd);
	CHECK_OK(unlink("big"));
}

TEST(st_blocks_grows_only_where_written)
{
	int fd = open_new("blocks");
	long long b0, b1, b2;

	/* Growing with ftruncate allocates nothing. */
	REQUIRE(ftruncate(fd, 64 * MiB) == 0);
	CHECK_EQ(fd_blocks(fd), 0);
	/*
	 * One page in the middle: at least its 8 sectors, at most that plus
	 * ext2's indirect blocks (two of them here); ext4 and tmpfs add none.
	 */
	pat_write(fd, 32 * MiB, 4096, 1);
	REQUIRE(fsync(fd) == 0);
	b1 = fd_blocks(fd);
	CHECK(b1 >= 8);
	CHECK(b1 <= 64);
	/* Overwriting what is there allocates nothing more. */
	pat_write(fd, 32 * MiB, 4096, 2);
	REQUIRE(fsync(fd) == 0);
	CHECK_EQ(fd_blocks(fd), b1);
	/* Reading a hole allocates nothing either. */
	CHECK_PAT(fd, 16 * MiB, 64 * KiB, 0);
	CHECK_EQ(fd_blocks(fd), b1);
	/* Another page, elsewhere: the count grows by at least those 8 sectors. */
	pat_write(fd, 0, 4096, 3);
	REQUIRE(fsync(fd) == 0);
	b2 = fd_blocks(fd);
	CHECK(b2 >= b1 + 8);
	CHECK(b2 <= b1 + 64);
	/* A single byte still takes a whole block (1 KiB or 4 KiB). */
	b0 = b2;
	pat_write(fd, 48 * MiB, 1, 4);
	REQUIRE(fsync(fd) == 0);
	CHECK(fd_blocks(fd) >= b0 + 2);
	CHECK_EQ(fd_size(fd), 64 * MiB);
	close(fd);
	CHECK_OK(unlink("blocks"));
}

/* lseek, checking that the file offset is left where the call says. */
static off_t seek(int fd, off_t off, int whence)
{
	off_t r = lseek(fd, off, whence);

	if (r >= 0)
		CHECK_EQ(lseek(fd, 0, SEEK_CUR), r);
	return r;
}

TEST(seek_data_and_seek_hole_accept_either_model)
{
	/* Data [0, 4 KiB) and [1 MiB, 1 MiB + 4 KiB), holes between and up to 2 MiB. */
	struct extent e[] = { { 0, 4096, 1 }, { 1 * MiB, 4096, 2 } };
	const long long size = 2 * MiB;
	int fd = layout_file("seek", e, 2, size);
	off_t r;

	CHECK_EQ(seek(fd, 0, SEEK_DATA), 0);
	/* Real holes: the first one at 4 KiB.  All-data (ext2): the virtual one at EOF. */
	r = seek(fd, 0, SEEK_HOLE);
	CHECK(r == 4096 || r == size);
	r = seek(fd, 100, SEEK_HOLE);
	CHECK(r == 4096 || r == size);
	/* In a hole, SEEK_DATA goes to the next data, or stays (all-data). */
	r = seek(fd, 8192, SEEK_DATA);
	CHECK(r == 1 * MiB || r == 8192);
	r = seek(fd, 1 * MiB + 10, SEEK_HOLE);
	CHECK(r == 1 * MiB + 4096 || r == size);
	/* In the trailing hole, SEEK_HOLE stays, or goes to EOF. */
	r = seek(fd, size - 1, SEEK_HOLE);
	CHECK(r == size - 1 || r == size);
	r = seek(fd, 1 * MiB + 8192, SEEK_DATA);
	CHECK(r == -1 ? errno == ENXIO : r == 1 * MiB + 8192);

	/* At or past EOF, and before 0, there is neither data nor hole. */
	CHECK_EQ(lseek(fd, 77, SEEK_SET), 77);
	CHECK_ERR(lseek(fd, size, SEEK_DATA), ENXIO);
	CHECK_ERR(lseek(fd, size, SEEK_HOLE), ENXIO);
	CHECK_ERR(lseek(fd, size + 5 * GiB, SEEK_DATA), ENXIO);
	CHECK_ERR(lseek(fd, -1, SEEK_DATA), ENXIO);
	CHECK_ERR(lseek(fd, -1, SEEK_HOLE), ENXIO);
	/* A failed seek leaves the offset alone. */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 77);

	/* An empty file has neither. */
	REQUIRE(ftruncate(fd, 0) == 0);
	CHECK_ERR(lseek(fd, 0, SEEK_DATA), ENXIO);
	CHECK_ERR(lseek(fd, 0, SEEK_HOLE), ENXIO);
	/* A file that is one big hole: SEEK_HOLE at 0 is 0 (holes) or EOF (all-data). */
	REQUIRE(ftruncate(fd, 1 * MiB) == 0);
	r = seek(fd, 0, SEEK_HOLE);
	CHECK(r == 0 || r == 1 * MiB);
	r = seek(fd, 0, SEEK_DATA);
	CHECK(r == -1 ? errno == ENXIO : r == 0);
	close(fd);
	CHECK_OK(unlink("seek"));
}

/* Does [lo, hi) overlap any written extent? */
static int overlaps(const struct extent *e, int n, long long lo, long long hi)
{
	for (int i = 0; i < n; i++)
		if (lo < e[i].off + e[i].len && e[i].off < hi)
			return 1;
	return 0;
}

/*
 * Walk a file with SEEK_DATA and SEEK_HOLE: each hole found holds no
 * written byte and reads as zeros, each data region is non-empty, and the
 * walk ends exactly at EOF.  Returns the number of data regions.
 */
static int walk_holes(int fd, const struct extent *e, int n)
{
	long long size = fd_size(fd), pos = 0;
	int regions = 0;

	while (pos < size && regions < 1000) {
		long long data = lseek(fd, pos, SEEK_DATA), hole;

		if (data < 0) {
			/* No data from pos on: the rest is one hole. */
			CHECK_EQ(errno, ENXIO);
			data = size;
		}
		CHECK(data >= pos && data <= size);
		if (!CHECK(!overlaps(e, n, pos, data)))
			utest_printf("#     written data in the hole [%lld, %lld)\n", pos, data);
		CHECK_PAT(fd, pos, data - pos, 0);
		if (data == size)
			break;
		hole = lseek(fd, data, SEEK_HOLE);
		if (!CHECK(hole > data && hole <= size))
			break;
		regions++;
		pos = hole;
	}
	return regions;
}

TEST(seek_walk_never_puts_data_in_a_hole)
{
	static const struct extent extra[] = { { 0, 1, 1 }, { 3 * MiB + 1, 1, 2 } };
	struct extent e[NEDGES + 3];
	int n = edge_extents(e, 5 * MiB, extra, 2);
	int fd = layout_file("walk", e, n, 6 * MiB);
	CHECK(walk_holes(fd, e, n) >= 1);
	fsync_and_drop(fd);
	CHECK(walk_holes(fd, e, n) >= 1);
	/* Filling a hole in the middle: still consistent. */
	e[n++] = (struct extent){ 2 * MiB - 10, 20 * KiB, 3 };
	pat_write(fd, e[n - 1].off, e[n - 1].len, e[n - 1].seed);
	CHECK(walk_holes(fd, e, n) >= 1);
	check_layout(fd, e, n, 500);
	close(fd);
	CHECK_OK(unlink("walk"));
}

TEST(writing_into_a_hole_keeps_the_rest_of_it)
{
	/* A hole spanning several blocks, then writes into it at odd places. */
	struct extent e[] = {
		{ 0, 1000, 1 }, { 100 * KiB, 1000, 2 },
		{ 7 * KiB + 5, 10, 3 },		/* mid-block, inside the 1st page's neighbour */
		{ 40 * KiB - 1, 2, 4 },		/* across a page */
		{ 64 * KiB + 1023, 1026, 5 },	/* across two 1 KiB blocks */
	};
	int fd = layout_file("fill", e, 2, 0);

	fsync_and_drop(fd);
	for (int i = 2; i < 5; i++)
		pat_write(fd, e[i].off, e[i].len, e[i].seed);
	check_layout(fd, e, 5, 900);
	fsync_and_drop(fd);
	check_layout(fd, e, 5, 900);
	CHECK_EQ(fd_size(fd), 100 * KiB + 1000);
	close(fd);
	CHECK_OK(unlink("fill"));
}

TEST(mmap_of_a_hole_reads_zeros_and_writes_through)
{
	long long size = 1 * MiB;
	int fd = layout_file("maphole", (struct extent[]){ { 0, 10, 1 } }, 1, size);
	unsigned char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 256 * KiB);
	int zeros = 1;

	REQUIRE(m != MAP_FAILED);
	for (int i = 0; i < 3 * 4096; i++)
		zeros &= m[i] == 0;
	CHECK(zeros);
	/* A store into the mapped hole is file data at once (one page cache). */
	pat_fill(m + 4096 + 100, 200, 256 * KiB + 4096 + 100, 2);
	CHECK_PAT(fd, 256 * KiB + 4096 + 100, 200, 2);
	CHECK_PAT(fd, 256 * KiB, 4096 + 100, 0);
	CHECK_PAT(fd, 256 * KiB + 4096 + 300, 8192 - 300, 0);
	CHECK_EQ(fd_size(fd), size);
	/* And a write() into the hole shows in the mapping. */
	pat_write(fd, 256 * KiB + 5, 10, 3);
	CHECK_EQ(m[5], pat_byte(256 * KiB + 5, 3));
	CHECK_EQ(m[4], 0);
	CHECK_OK(munmap(m, 3 * 4096));
	fsync_and_drop(fd);
	CHECK_PAT(fd, 256 * KiB + 4096 + 100, 200, 2);
	CHECK_PAT(fd, 0, 10, 1);
	close(fd);
	CHECK_OK(unlink("maphole"));
}

TEST(sparse_file_is_recorded_for_the_image_check)
{
	/*
	 * Kept for the harness, which dumps it from the disk image and compares
	 * checksums: data on every map level below 5 MiB, holes between, and a
	 * hole at the end.
	 */
	static const struct extent extra[] = { { 0, 777, 1 }, { 2 * MiB + 4095, 4097, 2 } };
	struct extent e[NEDGES + 2];
	int n = edge_extents(e, 5 * MiB, extra, 2);
	int fd = layout_file("sparse.rec", e, n, 5 * MiB + 1234);
	REQUIRE(fsync(fd) == 0);
	check_layout(fd, e, n, 100);
	close(fd);
	utest_record_file("sparse.rec");
}
