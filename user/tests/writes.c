/*
 * Writes into files: partial blocks and pages at every alignment (the
 * read-modify-write a block file system does for them, with the block in
 * the cache or only on the disk), writes past the end, O_APPEND through
 * several descriptors and processes, pwritev/preadv and writev with odd
 * splits, and writes whose source is unusual: partly unmapped, not yet
 * faulted in, or a shared mapping of the very file being written.
 *
 * The alignments are those that matter for 512-byte sectors, 1 KiB and
 * 4 KiB blocks and 4 KiB pages.  Files recorded for the harness's image
 * check (utest_record_file) are kept.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define KiB 1024LL
#define MiB (1024 * KiB)
#define PAGE 4096

static const long long offsets[] = {
	0, 1, 511, 512, 513, 1023, 1024, 1025, 2047, 3072, 4095, 4096, 4097,
	5119, 8191, 8193, 12287, 20479, 20480, 22001,
};
static const long long lengths[] = { 1, 2, 511, 1024, 1025, 3000, 4096, 4097, 9000 };
#define NOFF (sizeof(offsets) / sizeof(offsets[0]))
#define NLEN (sizeof(lengths) / sizeof(lengths[0]))
#define MODEL (32 * KiB)	/* a model is larger than any offset + length above */

/* What a file under test should hold: its bytes and size. */
struct model {
	unsigned char bytes[MODEL];
	long long size;
};

/* Write n bytes of pattern seed at off to the file and to the model. */
static void model_write(int fd, struct model *m, long long off, long long n, unsigned seed)
{
	pat_write(fd, off, n, seed);
	pat_fill(m->bytes + off, n, off, seed);
	if (off + n > m->size)
		m->size = off + n;
}

/* Does the file hold exactly the model?  Prints the first difference. */
static int matches_model(int fd, const struct model *m)
{
	static unsigned char buf[MODEL + 1];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	if (!CHECK_EQ(n, m->size) || !CHECK_EQ(fd_size(fd), m->size))
		return 0;
	for (long long i = 0; i < n; i++)
		if (buf[i] != m->bytes[i]) {
			utest_printf("#     offset %lld: %#x, expected %#x\n", i, buf[i],
				     m->bytes[i]);
			return CHECK(!"file matches the model");
		}
	return 1;
}

/*
 * A 20 KiB file overwritten (and, at the larger offsets, extended with a
 * gap) by every offset/length pair in turn, compared with its model after
 * each write.  cold: the cache is dropped before each write, so a partial
 * block must be read from the disk to be merged.
 */
static void writes_at_every_alignment(const char *name, int cold)
{
	static struct model m;
	int fd = pat_file(name, 20 * KiB, 1);
	unsigned seed = 2;

	pat_fill(m.bytes, 20 * KiB, 0, 1);
	m.size = 20 * KiB;
	for (size_t i = 0; i < NOFF; i++)
		for (size_t j = 0; j < NLEN; j++) {
			if (cold)
				fsync_and_drop(fd);
			model_write(fd, &m, offsets[i], lengths[j], seed++ % 50 + 2);
			if (!matches_model(fd, &m)) {
				utest_printf("#     (after %lld bytes at %lld)\n", lengths[j],
					     offsets[i]);
				close(fd);
				return;
			}
		}
	fsync_and_drop(fd);
	CHECK(matches_model(fd, &m));
	close(fd);
}

TEST(partial_writes_at_every_alignment_hot_cache)
{
	writes_at_every_alignment("align_hot", 0);
	CHECK_OK(unlink("align_hot"));
}

TEST(partial_writes_at_every_alignment_cold_cache_recorded)
{
	writes_at_every_alignment("align.rec", 1);
	utest_record_file("align.rec");
}

TEST(reads_at_every_alignment)
{
	static unsigned char buf[16 * KiB];
	long long size = 3 * PAGE + 1000;
	int fd = pat_file("reads", size, 3);

	fsync_and_drop(fd);
	for (size_t i = 0; i < NOFF; i++)
		for (size_t j = 0; j < NLEN; j++) {
			long long off = offsets[i], want = lengths[j];

			if (off + want > size)
				want = off >= size ? 0 : size - off;
			/* A read across the end is short; at or past the end it is 0. */
			if (!CHECK_EQ(pread(fd, buf, lengths[j], off), want))
				continue;
			for (long long k = 0; k < want; k++)
				if (buf[k] != pat_byte(off + k, 3)) {
					CHECK(!"read returns the file's bytes");
					utest_printf("#     (%lld bytes at %lld: byte %lld)\n",
						     lengths[j], off, k);
					break;
				}
		}
	close(fd);
	CHECK_OK(unlink("reads"));
}

TEST(byte_at_a_time_writes_and_reads)
{
	int fd = open("bytes", O_CREAT | O_TRUNC | O_RDWR, 0644);
	unsigned char c;
	int ok = 1;

	REQUIRE(fd >= 0);
	for (int i = 0; i < 5000; i++) {
		c = pat_byte(i, 4);
		ok &= write(fd, &c, 1) == 1;
	}
	CHECK(ok);
	CHECK_EQ(fd_size(fd), 5000);
	CHECK_PAT(fd, 0, 5000, 4);
	fsync_and_drop(fd);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	for (int i = 0; i < 5000 && ok; i++)
		ok &= read(fd, &c, 1) == 1 && c == pat_byte(i, 4);
	CHECK(ok);
	CHECK_EQ(read(fd, &c, 1), 0);
	close(fd);
	CHECK_OK(unlink("bytes"));
}

TEST(o_append_through_several_descriptors)
{
	int a = open("app", O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0644);
	int b = open("app", O_WRONLY | O_APPEND), plain = open("app", O_RDWR);
	char buf[32] = { 0 };

	REQUIRE(a >= 0 && b >= 0 && plain >= 0);
	CHECK_EQ(write(a, "aaa", 3), 3);
	CHECK_EQ(write(b, "bb", 2), 2);
	CHECK_EQ(write(a, "A", 1), 1);
	/* Each append moves that descriptor's own offset to the new end. */
	CHECK_EQ(lseek(a, 0, SEEK_CUR), 6);
	CHECK_EQ(lseek(b, 0, SEEK_CUR), 5);
	/* A plain descriptor still writes where its offset is. */
	CHECK_EQ(write(plain, "P", 1), 1);
	CHECK_EQ(lseek(b, 0, SEEK_SET), 0);
	CHECK_EQ(write(b, "B", 1), 1);
	/* Extending through the plain descriptor: the next append goes after that. */
	CHECK_EQ(pwrite(plain, "xy", 2, 10), 2);
	CHECK_EQ(write(a, "!", 1), 1);
	CHECK_EQ(pread(plain, buf, sizeof(buf), 0), 13);
	CHECK(memcmp(buf, "PaabbAB\0\0\0xy!", 13) == 0);
	close(a);
	close(b);
	close(plain);
	CHECK_OK(unlink("app"));
}

enum { WRITERS = 4, RECORDS = 150, RECLEN = 100 };

/* One fixed-size record: writer w's r-th, recognisable and self-checking. */
static void make_record(char *rec, int w, int r)
{
	memset(rec, 'a' + w, RECLEN);
	snprintf(rec, RECLEN, "w%d r%03d ", w, r);
	rec[RECLEN - 1] = '\n';
}

static void append_records(int w)
{
	int fd = open("append.rec", O_WRONLY | O_APPEND);
	char rec[RECLEN];

	if (fd < 0)
		_exit(1);
	for (int r = 0; r < RECORDS; r++) {
		make_record(rec, w, r);
		if (write(fd, rec, RECLEN) != RECLEN)
			_exit(1);
	}
	close(fd);
}

TEST(o_append_from_several_processes_never_interleaves_recorded)
{
	static char all[WRITERS * RECORDS * RECLEN];
	int next[WRITERS] = { 0 }, fd = open("append.rec", O_CREAT | O_TRUNC | O_RDWR, 0644);
	pid_t pids[WRITERS];

	REQUIRE(fd >= 0);
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		REQUIRE(pids[w] >= 0);
		if (pids[w] == 0) {
			append_records(w);
			_exit(0);
		}
	}
	for (int w = 0; w < WRITERS; w++)
		CHECK(exited_with(wait_status(pids[w]), 0));
	/* Every record whole, none lost, each writer's in its own order. */
	CHECK_EQ(fd_size(fd), (long long)sizeof(all));
	REQUIRE(pread(fd, all, sizeof(all), 0) == (ssize_t)sizeof(all));
	for (size_t off = 0; off < sizeof(all); off += RECLEN) {
		char want[RECLEN];
		int w = all[off + 1] - '0';

		if (!CHECK(w >= 0 && w < WRITERS && next[w] < RECORDS))
			break;
		make_record(want, w, next[w]++);
		if (!CHECK(memcmp(all + off, want, RECLEN) == 0)) {
			utest_printf("#     (record at %zu)\n", off);
			break;
		}
	}
	REQUIRE(fsync(fd) == 0);
	close(fd);
	utest_record_file("append.rec");
}

/* iovecs over buf cut at the given lengths (summing to at most the buffer). */
static int split(struct iovec *iov, unsigned char *buf, const int *lens, int n)
{
	for (int i = 0; i < n; i++) {
		iov[i] = (struct iovec){ buf, lens[i] };
		buf += lens[i];
	}
	return n;
}

TEST(pwritev_and_preadv_split_across_blocks)
{
	static const int wl[] = { 1, 1023, 1, 4096, 3, 2000, 511, 513 };
	static const int rl[] = { 4095, 2, 1, 1024, 3000, 2022 };
	static unsigned char src[8192], dst[12 * 1024];
	struct iovec iov[8];
	const long long at = 1023;
	int fd = pat_file("vec", 12 * KiB, 5), n;

	pat_fill(src, sizeof(src), at, 6);
	n = split(iov, src, wl, 8);
	CHECK_EQ(lseek(fd, 77, SEEK_SET), 77);
	CHECK_EQ(pwritev(fd, iov, n, at), 8148);
	/* Neither moves the file offset. */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 77);
	CHECK_PAT(fd, 0, at, 5);
	CHECK_PAT(fd, at, 8148, 6);
	CHECK_PAT(fd, at + 8148, 12 * KiB - at - 8148, 5);
	fsync_and_drop(fd);
	n = split(iov, dst, rl, 6);
	CHECK_EQ(preadv(fd, iov, n, at), 10144);
	CHECK(memcmp(dst, src, 8148) == 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 77);
	close(fd);
	CHECK_OK(unlink("vec"));
}

TEST(writev_of_many_small_pieces_lands_in_order)
{
	static unsigned char src[64 * 37];
	struct iovec iov[64];
	int lens[64], fd = pat_file("many", 1000, 7);

	for (int i = 0; i < 64; i++)
		lens[i] = 37;
	pat_fill(src, sizeof(src), 999, 8);
	split(iov, src, lens, 64);
	CHECK_EQ(lseek(fd, 999, SEEK_SET), 999);
	CHECK_EQ(writev(fd, iov, 64), 64 * 37);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 999 + 64 * 37);
	CHECK_PAT(fd, 0, 999, 7);
	CHECK_PAT(fd, 999, 64 * 37, 8);
	CHECK_EQ(fd_size(fd), 999 + 64 * 37);
	close(fd);
	CHECK_OK(unlink("many"));
}

/* Three mapped pages and an unmapped one after them: edge - k has k good bytes. */
static unsigned char *edge_of_mapping(void)
{
	unsigned char *m = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	REQUIRE(m != MAP_FAILED);
	REQUIRE(munmap(m + 3 * PAGE, PAGE) == 0);
	return m + 3 * PAGE;
}

TEST(write_from_partly_unmapped_buffer_stops_at_the_hole)
{
	/*
	 * Linux copies a file write page by page and stops at the first byte
	 * it cannot read: the count is exactly the good bytes before the
	 * hole (EFAULT only when there are none), wherever the write starts
	 * in the file, and the bytes after it in the file are left alone.
	 */
	static const long long at[] = { 0, 1000, 4095, 4096, 10000 };
	static const long long good[] = { 1, 100, 4096, 5000 };
	unsigned char *edge = edge_of_mapping();

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		for (size_t j = 0; j < sizeof(good) / sizeof(good[0]); j++) {
			int fd = pat_file("edge", 16 * KiB, 9);
			long long k = good[j];

			pat_fill(edge - k, k, at[i], 10);
			CHECK_EQ(lseek(fd, at[i], SEEK_SET), at[i]);
			if (!CHECK_EQ(write(fd, edge - k, k + 500), k))
				utest_printf("#     (at %lld, %lld good bytes)\n", at[i], k);
			CHECK_EQ(lseek(fd, 0, SEEK_CUR), at[i] + k);
			CHECK_PAT(fd, 0, at[i], 9);
			CHECK_PAT(fd, at[i], k, 10);
			CHECK_PAT(fd, at[i] + k, 16 * KiB - at[i] - k, 9);
			close(fd);
		}
	/* At the end of the file, the size grows by exactly the good bytes. */
	int fd = pat_file("edge", 3000, 9);
	pat_fill(edge - 700, 700, 3000, 10);
	CHECK_EQ(pwrite(fd, edge - 700, 8000, 3000), 700);
	CHECK_EQ(fd_size(fd), 3700);
	CHECK_PAT(fd, 3000, 700, 10);
	/* No good byte at all: EFAULT, and nothing changes. */
	CHECK_ERR(pwrite(fd, edge, 100, 3700), EFAULT);
	CHECK_ERR(pwrite(fd, edge, 100, 10), EFAULT);
	CHECK_EQ(fd_size(fd), 3700);
	CHECK_PAT(fd, 0, 3000, 9);
	close(fd);
	CHECK_OK(unlink("edge"));
	munmap(edge - 3 * PAGE, 3 * PAGE);
}

TEST(write_from_memory_not_yet_faulted_in)
{
	/* Fresh anonymous pages: the kernel's copy faults them in, as zeros. */
	unsigned char *anon = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = pat_file("unfaulted", 20 * KiB, 11), src = pat_file("unfaulted_src", 4 * PAGE, 12);
	unsigned char *priv;

	REQUIRE(anon != MAP_FAILED);
	CHECK_EQ(pwrite(fd, anon, 4 * PAGE, 100), 4 * PAGE);
	CHECK_PAT(fd, 100, 4 * PAGE, 0);
	CHECK_PAT(fd, 0, 100, 11);
	/* A private mapping of another file, untouched and out of the cache: its data. */
	fsync_and_drop(src);
	priv = mmap(NULL, 4 * PAGE, PROT_READ, MAP_PRIVATE, src, 0);
	REQUIRE(priv != MAP_FAILED);
	CHECK_EQ(pwrite(fd, priv + 1, 3 * PAGE, 5), 3 * PAGE);
	CHECK_EQ(pread(fd, anon, 3 * PAGE, 5), 3 * PAGE);
	CHECK(memcmp(anon, priv + 1, 3 * PAGE) == 0);
	CHECK_EQ(fd_size(fd), 20 * KiB);
	munmap(priv, 4 * PAGE);
	munmap(anon, 4 * PAGE);
	close(src);
	close(fd);
	CHECK_OK(unlink("unfaulted"));
	CHECK_OK(unlink("unfaulted_src"));
}

TEST(write_from_shared_mapping_of_the_same_file)
{
	static unsigned char want[5 * PAGE];
	int fd = pat_file("self", 4 * PAGE, 13);
	unsigned char *m = mmap(NULL, 5 * PAGE, PROT_READ, MAP_SHARED, fd, 0);

	REQUIRE(m != MAP_FAILED);
	pat_fill(want, 4 * PAGE, 0, 13);
	/* Page 0 onto page 2, through the mapping of page 0. */
	CHECK_EQ(pwrite(fd, m, PAGE, 2 * PAGE), PAGE);
	memcpy(want + 2 * PAGE, want, PAGE);
	/*
	 * A page onto itself: the source is the very page the write fills
	 * (the case that deadlocks a kernel that locks the page and then
	 * faults on it).  Nothing changes.
	 */
	CHECK_EQ(pwrite(fd, m + PAGE, PAGE, PAGE), PAGE);
	/* Overlapping, to a lower offset: the copy runs forward, so it acts as memmove. */
	CHECK_EQ(pwrite(fd, m + 3 * PAGE + 100, 3000, 3 * PAGE + 50), 3000);
	memmove(want + 3 * PAGE + 50, want + 3 * PAGE + 100, 3000);
	CHECK(memcmp(m, want, 4 * PAGE) == 0);
	/* Appending the mapping's first page: the file grows into the mapping's fifth page. */
	CHECK_EQ(pwrite(fd, m, 100, 4 * PAGE), 100);
	CHECK_EQ(pwrite(fd, m + 100, PAGE - 100, 4 * PAGE + 100), PAGE - 100);
	CHECK_EQ(fd_size(fd), 5 * PAGE);
	memcpy(want + 4 * PAGE, want, PAGE);
	CHECK(memcmp(m, want, sizeof(want)) == 0);
	munmap(m, 5 * PAGE);
	/* A new mapping of a file out of the cache, not faulted in yet. */
	fsync_and_drop(fd);
	m = mmap(NULL, 5 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	REQUIRE(m != MAP_FAILED);
	CHECK_EQ(pwrite(fd, m + 2 * PAGE + 7, 2 * PAGE, 7), 2 * PAGE);
	memcpy(want + 7, want + 2 * PAGE + 7, 2 * PAGE);
	CHECK(memcmp(m, want, sizeof(want)) == 0);
	munmap(m, 5 * PAGE);
	close(fd);
	CHECK_OK(unlink("self"));
}

TEST(three_mib_in_odd_chunks_recorded)
{
	static const int chunks[] = { 1, 7, 509, 1021, 4093, 4099, 8191, 65537, 131071, 3 };
	static const int reads[] = { 3001, 4096, 1, 77777, 1023 };
	static unsigned char buf[131071];
	const long long total = 3 * MiB;
	int fd = open("odd_chunks.rec", O_CREAT | O_TRUNC | O_RDWR, 0644);
	long long off = 0;

	REQUIRE(fd >= 0);
	for (int i = 0; off < total; i++) {
		long long n = chunks[i % 10];

		if (n > total - off)
			n = total - off;
		pat_fill(buf, n, off, 14);
		REQUIRE(write(fd, buf, n) == n);
		off += n;
	}
	REQUIRE(fsync(fd) == 0);
	CHECK_EQ(fd_size(fd), total);
	/* Read back in other odd sizes, after the cache is dropped. */
	fsync_and_drop(fd);
	off = 0;
	for (int i = 0; off < total; i++) {
		long long n = reads[i % 5];

		if (n > total - off)
			n = total - off;
		if (!CHECK_PAT(fd, off, n, 14))
			break;
		off += n;
	}
	close(fd);
	utest_record_file("odd_chunks.rec");
}

enum { THREADS = 4, SLOT = 128, SLOTS = 512 };

struct slot_writer {
	int fd, id;
	unsigned seed;
};

/* Write every slot i with i % THREADS == id: neighbours share blocks and pages. */
static void *write_slots(void *arg)
{
	struct slot_writer *w = arg;
	unsigned char buf[SLOT];

	for (int i = w->id; i < SLOTS; i += THREADS) {
		pat_fill(buf, SLOT, (long long)i * SLOT, w->seed);
		if (pwrite(w->fd, buf, SLOT, (long long)i * SLOT) != SLOT)
			return (void *)1;
	}
	return NULL;
}

TEST(concurrent_writers_of_neighbouring_slots_lose_nothing)
{
	struct slot_writer w[THREADS];
	pthread_t t[THREADS];
	int fd = pat_file("slots", SLOTS * SLOT, 1);

	for (unsigned round = 0; round < 3; round++) {
		for (int i = 0; i < THREADS; i++) {
			w[i] = (struct slot_writer){ fd, i, 20 + 4 * round + i };
			start_thread(&t[i], write_slots, &w[i]);
		}
		for (int i = 0; i < THREADS; i++)
			CHECK(join(t[i]) == NULL);
		for (int i = 0; i < SLOTS; i++)
			if (!CHECK_PAT(fd, (long long)i * SLOT, SLOT, 20 + 4 * round + i % THREADS))
				break;
		fsync_and_drop(fd);
	}
	close(fd);
	CHECK_OK(unlink("slots"));
}

TEST(write_and_mmap_stay_coherent)
{
	int fd = pat_file("coherent", 3 * PAGE, 15);
	unsigned char *m = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	REQUIRE(m != MAP_FAILED);
	/* A write() is seen by the mapping at once... */
	pat_write(fd, PAGE - 10, 20, 16);
	CHECK_EQ(m[PAGE - 10], pat_byte(PAGE - 10, 16));
	CHECK_EQ(m[PAGE + 9], pat_byte(PAGE + 9, 16));
	CHECK_EQ(m[PAGE + 10], pat_byte(PAGE + 10, 15));
	/* ...and a store by read(), also after writeback and a cache drop. */
	pat_fill(m + 2 * PAGE + 1, 50, 2 * PAGE + 1, 17);
	CHECK_PAT(fd, 2 * PAGE + 1, 50, 17);
	fsync_and_drop(fd);
	CHECK_PAT(fd, 2 * PAGE + 1, 50, 17);
	CHECK_PAT(fd, PAGE - 10, 20, 16);
	CHECK_PAT(fd, 0, PAGE - 10, 15);
	munmap(m, 3 * PAGE);
	close(fd);
	CHECK_OK(unlink("coherent"));
}

TEST(zero_length_writes_change_nothing)
{
	struct iovec none = { NULL, 0 };
	int fd = pat_file("empty_writes", 100, 18);

	CHECK_EQ(pwrite(fd, "x", 0, 5000), 0);
	CHECK_EQ(lseek(fd, 9000, SEEK_SET), 9000);
	CHECK_EQ(write(fd, "x", 0), 0);
	CHECK_EQ(writev(fd, &none, 1), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 9000);
	/* Not even past the end do they extend the file. */
	CHECK_EQ(fd_size(fd), 100);
	CHECK_PAT(fd, 0, 100, 18);
	close(fd);
	CHECK_OK(unlink("empty_writes"));
}
