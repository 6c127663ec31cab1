/*
 * Writes whose source is a shared mapping of the very file being written:
 * the cases that deadlock a kernel which copies from user memory, with
 * page faults enabled, while it holds the lock of the page-cache page it
 * copies into.
 *
 * A buffered write (write, pwrite, writev) goes a page-sized chunk at a
 * time.  Done safely, each chunk first faults the source bytes in with no
 * page lock held, then locks the destination page and copies with page
 * faults disabled; a short copy (the source went away in between) unlocks
 * the page and tries again.  A kernel that instead locks the page and then
 * lets the copy fault hangs in three ways, one group of tests each:
 *
 *  a. The source is the page being written (or that page is among the
 *     pages the chunk reads from), in a mapping not faulted in yet: the
 *     fault on the source wants the lock of the page the write already
 *     holds.  The writer waits on itself, on its first write.
 *
 *  b. Two writers, each sourcing from the page the other writes: A holds
 *     page 0 and faults on page 1, B holds page 1 and faults on page 0.
 *     An ABBA deadlock between two processes, or two threads of one.
 *
 *  c. The page lock against mmap_lock: the writer holds a page lock and
 *     its fault wants mmap_lock, while another thread of the same process
 *     holds mmap_lock exclusive in munmap, mmap(MAP_POPULATE) or mlock of
 *     that range, and waits for the page's lock (to take the page out of
 *     the page tables, or to fault it in).  A separate process remapping
 *     its own mapping of the file meets the writer on the page locks only.
 *
 * A hang is a failure, through the watchdog.  Every test is bounded; the
 * racing ones raise the watchdog so that they fit under an emulator too.
 * The expected contents are what Linux gives: a write of a region onto
 * itself leaves it unchanged, and a write to a lower offset from a higher
 * one of the same file acts as memmove (the copy runs forward, so every
 * source byte is read before anything is written over it).  No case
 * copies to a higher offset across its own source, where the result
 * would depend on the order of the kernel's copies.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096LL
#define SEED 7			/* the pattern every file starts with */

#define FILE_PAGES 8
#define FILE_LEN (FILE_PAGES * PAGE)

/* Are the n bytes at got those at want?  what names got; prints the first difference. */
static int same_bytes(const unsigned char *got, const unsigned char *want, size_t n,
		      const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i]) {
			utest_printf("#     %s: byte %zu is %#x, expected %#x\n", what, i, got[i],
				     want[i]);
			return 0;
		}
	return 1;
}

/* Is fd len bytes long, and does pread give exactly want? */
static int file_holds(int fd, const unsigned char *want, long long len)
{
	static unsigned char buf[FILE_LEN + 1];

	REQUIRE(len <= FILE_LEN);
	return CHECK_EQ(fd_size(fd), len) && CHECK_EQ(pread(fd, buf, len + 1, 0), len) &&
	       CHECK(same_bytes(buf, want, len, "pread of the file"));
}

/* ---- a. a write sourced from the file itself ----------------------------- */

/* A file of FILE_PAGES pages, a model of what it should hold, and a shared mapping of it. */
struct self {
	const char *name;
	int fd;
	int cold;		/* drop the file's cached pages before each mapping */
	unsigned char *map;
	unsigned char want[FILE_LEN];
};

static void self_open(struct self *s, const char *name, int cold)
{
	s->name = name;
	s->fd = pat_file(name, FILE_LEN, SEED);
	s->cold = cold;
	s->map = NULL;
	pat_fill(s->want, FILE_LEN, 0, SEED);
}

/*
 * Replace the mapping by a new one, never touched: the write's first access
 * to its source faults.  cold: the pages are not even in the page cache, so
 * the write and the fault both find them missing and read them in.
 */
static void fresh_mapping(struct self *s)
{
	if (s->map)
		CHECK_OK(munmap(s->map, FILE_LEN));
	if (s->cold)
		fsync_and_drop(s->fd);
	s->map = mmap(NULL, FILE_LEN, PROT_READ, MAP_SHARED, s->fd, 0);
	REQUIRE(s->map != MAP_FAILED);
}

/* Does the file hold the model, read with pread and through the mapping? */
static int self_holds(struct self *s)
{
	return file_holds(s->fd, s->want, FILE_LEN) &&
	       CHECK(same_bytes(s->map, s->want, FILE_LEN, "the mapping"));
}

/* Check once more from the disk (the cache dropped), and remove the file. */
static void self_close(struct self *s)
{
	CHECK_OK(munmap(s->map, FILE_LEN));
	fsync_and_drop(s->fd);
	CHECK(file_holds(s->fd, s->want, FILE_LEN));
	close(s->fd);
	CHECK_OK(unlink(s->name));
}

/* len bytes of the file at `to`, written from its mapping at file offset `from`. */
struct copy {
	long long to, from, len;
};

static const struct copy copies[] = {
	{ 0, 0, PAGE },				/* a page onto itself */
	{ PAGE, PAGE, 3 * PAGE },		/* three pages onto themselves */
	{ 100, 100, 3 * PAGE },			/* the same, misaligned: four pages, two partly */
	{ 0, PAGE, PAGE },			/* page 0 becomes a copy of page 1 */
	{ 2 * PAGE, 5 * PAGE, 2 * PAGE },	/* pages 2-3 from pages 5-6 */
	{ 0, PAGE / 2, PAGE },			/* half of the chunk's source is its own page */
	{ 100, PAGE + 2000, 2 * PAGE + 5 },	/* misaligned, overlapping, to a lower offset */
	{ 3 * PAGE + 1, 6 * PAGE + 7, PAGE + 2000 },	/* misaligned at both ends */
};
#define NCOPIES (sizeof(copies) / sizeof(copies[0]))

enum how { BY_WRITE, BY_PWRITE };

/* Do one copy from a fresh mapping; does the file then hold what it should? */
static int copy_within(struct self *s, const struct copy *c, enum how how)
{
	ssize_t n;

	fresh_mapping(s);
	if (how == BY_WRITE) {
		REQUIRE(lseek(s->fd, c->to, SEEK_SET) == c->to);
		n = write(s->fd, s->map + c->from, c->len);
		CHECK_EQ(lseek(s->fd, 0, SEEK_CUR), c->to + c->len);
	} else {
		n = pwrite(s->fd, s->map + c->from, c->len, c->to);
	}
	memmove(s->want + c->to, s->want + c->from, c->len);
	return CHECK_EQ(n, c->len) && self_holds(s);
}

static void copies_from_the_file_itself(const char *name, enum how how, int cold)
{
	static struct self s;

	self_open(&s, name, cold);
	for (size_t i = 0; i < NCOPIES; i++)
		if (!copy_within(&s, &copies[i], how)) {
			utest_printf("#     (after copy %zu: %lld bytes to %lld from the mapping at %lld)\n",
				     i, copies[i].len, copies[i].to, copies[i].from);
			break;
		}
	self_close(&s);
}

TEST(write_from_fresh_shared_mappings_of_the_file_itself)
{
	copies_from_the_file_itself("self_write", BY_WRITE, 0);
}

TEST(write_from_fresh_shared_mappings_of_the_file_itself_cold_cache)
{
	copies_from_the_file_itself("self_write_cold", BY_WRITE, 1);
}

TEST(pwrite_from_fresh_shared_mappings_of_the_file_itself)
{
	copies_from_the_file_itself("self_pwrite", BY_PWRITE, 0);
}

TEST(pwrite_from_fresh_shared_mappings_of_the_file_itself_cold_cache)
{
	copies_from_the_file_itself("self_pwrite_cold", BY_PWRITE, 1);
}

/*
 * One writev at offset 100 gathering from several pages of the mapping:
 * some segments are their own destination, the others come from pages
 * past everything written before them, so the result is the same whether
 * the kernel reads each segment just before writing it or all at once.
 * Several chunks take bytes from two or three segments, one of them the
 * chunk's own page.
 */
static const struct {
	long long from, len;
} gather[] = {
	{ 4 * PAGE + 7, 2000 },		/* to [100, 2100): from page 4 */
	{ 2100, PAGE },			/* to [2100, 6196): itself, across pages 0-1 */
	{ 5 * PAGE + 1, 1500 },		/* to [6196, 7696): from page 5 */
	{ 7696, 3 * PAGE },		/* to [7696, 19984): itself, pages 1-4 */
	{ 6 * PAGE + 3000, PAGE + 10 },	/* to [19984, 24090): from pages 6-7 */
};
#define NGATHER (sizeof(gather) / sizeof(gather[0]))

static void writev_from_the_file_itself(const char *name, int cold)
{
	static struct self s;
	struct iovec iov[NGATHER];
	long long at = 100, total = 0;

	self_open(&s, name, cold);
	fresh_mapping(&s);
	for (size_t i = 0; i < NGATHER; i++) {
		iov[i].iov_base = s.map + gather[i].from;
		iov[i].iov_len = gather[i].len;
		total += gather[i].len;
	}
	REQUIRE(lseek(s.fd, at, SEEK_SET) == at);
	CHECK_EQ(writev(s.fd, iov, NGATHER), total);
	CHECK_EQ(lseek(s.fd, 0, SEEK_CUR), at + total);
	for (size_t i = 0; i < NGATHER; i++) {
		memmove(s.want + at, s.want + gather[i].from, gather[i].len);
		at += gather[i].len;
	}
	CHECK(self_holds(&s));
	self_close(&s);
}

TEST(writev_gathering_from_several_pages_of_the_file_itself)
{
	writev_from_the_file_itself("self_writev", 0);
}

TEST(writev_gathering_from_several_pages_of_the_file_itself_cold_cache)
{
	writev_from_the_file_itself("self_writev_cold", 1);
}

/* ---- b. two writers, each sourcing from the page the other writes -------- */

#define ROUNDS 10000

/* A two-page file: page 0 all 'a', page 1 all 'b'. */
static int ab_file(const char *name)
{
	unsigned char buf[2 * PAGE];
	int fd = open(name, O_CREAT | O_TRUNC | O_RDWR, 0644);

	REQUIRE(fd >= 0);
	memset(buf, 'a', PAGE);
	memset(buf + PAGE, 'b', PAGE);
	REQUIRE(pwrite(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf));
	return fd;
}

/* How many of the two pages at p are neither 'a' nor 'b'?  Prints the tally if any. */
static long neither_a_nor_b(const unsigned char *p, const char *what)
{
	long a = 0, b = 0, other = 0, first = -1;

	for (long i = 0; i < 2 * PAGE; i++) {
		if (p[i] == 'a')
			a++;
		else if (p[i] == 'b')
			b++;
		else if (other++ == 0)
			first = i;
	}
	if (other)
		utest_printf("#     %s: %ld 'a', %ld 'b', %ld others from offset %ld (%#x)\n", what,
			     a, b, other, first, p[first]);
	return other;
}

/*
 * The writers may leave any mix of the two pages' bytes (each copies a page
 * that the other is overwriting), but nothing else: no zeros, no garbage,
 * and the file stays two pages long.
 */
static void check_only_a_and_b(int fd, const unsigned char *map)
{
	static unsigned char buf[2 * PAGE + 1];

	CHECK_EQ(fd_size(fd), 2 * PAGE);
	if (CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 2 * PAGE))
		CHECK_EQ(neither_a_nor_b(buf, "pread of the file"), 0);
	CHECK_EQ(neither_a_nor_b(map, "the mapping"), 0);
}

/* One of the two writers. */
struct side {
	int fd;
	unsigned char *map;	/* a shared mapping of both pages */
	int page;		/* the page written; the source is the other one */
	int go;			/* a pipe: the side starts once it reads a byte from it */
	long failures;		/* writes that were not a whole page, failed madvises */
};

static void wait_for_go(int go)
{
	char c;

	while (read(go, &c, 1) < 0 && errno == EINTR)
		;
}

static void *write_the_other_page(void *arg)
{
	struct side *s = arg;
	unsigned char *src = s->map + (1 - s->page) * PAGE;

	wait_for_go(s->go);
	for (int i = 0; i < ROUNDS; i++) {
		/*
		 * Drop the source from this side's page tables (the page stays
		 * in the page cache), so that every write faults on it again:
		 * the fault that a naive kernel takes holding the lock of the
		 * page the other side is faulting on.
		 */
		if (madvise(src, PAGE, MADV_DONTNEED) != 0)
			s->failures++;
		if (pwrite(s->fd, src, PAGE, s->page * PAGE) != PAGE)
			s->failures++;
	}
	return NULL;
}

/* The two sides: page 0 from the mapping of page 1, and page 1 from that of page 0. */
struct abba {
	int fd;
	unsigned char *map;
	int go[2];
	struct side side[2];
};

static void abba_open(struct abba *t, const char *name)
{
	t->fd = ab_file(name);
	t->map = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, t->fd, 0);
	REQUIRE(t->map != MAP_FAILED);
	REQUIRE(pipe(t->go) == 0);
	for (int i = 0; i < 2; i++)
		t->side[i] = (struct side){ t->fd, t->map, i, t->go[0], 0 };
}

/* Let both sides start at once: a byte each. */
static void abba_go(struct abba *t)
{
	REQUIRE(write(t->go[1], "gg", 2) == 2);
}

static void abba_close(struct abba *t, const char *name)
{
	check_only_a_and_b(t->fd, t->map);
	CHECK_OK(munmap(t->map, 2 * PAGE));
	close(t->go[0]);
	close(t->go[1]);
	close(t->fd);
	CHECK_OK(unlink(name));
}

TEST(two_processes_each_writing_the_page_the_other_sources_from)
{
	struct abba t;
	pid_t pid[2];

	utest_timeout = 120;
	utest_watchdog();
	abba_open(&t, "abba_procs");
	/* Each child has a mapping of its own (a copy of ours): two address spaces. */
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			utest_watchdog();	/* a forked child has no alarm of its own */
			write_the_other_page(&t.side[i]);
			_exit(t.side[i].failures ? 1 : 0);
		}
		REQUIRE(pid[i] > 0);
	}
	abba_go(&t);
	for (int i = 0; i < 2; i++)
		CHECK(exited_with(wait_status(pid[i]), 0));
	abba_close(&t, "abba_procs");
}

TEST(two_threads_each_writing_the_page_the_other_sources_from)
{
	struct abba t;
	pthread_t thread[2];

	utest_timeout = 120;
	utest_watchdog();
	/* One address space, one mapping, one mmap_lock that both faults take. */
	abba_open(&t, "abba_threads");
	for (int i = 0; i < 2; i++)
		start_thread(&thread[i], write_the_other_page, &t.side[i]);
	abba_go(&t);
	for (int i = 0; i < 2; i++) {
		join(thread[i]);
		CHECK_EQ(t.side[i].failures, 0);
	}
	abba_close(&t, "abba_threads");
}

/* ---- c. a writer against munmap, mmap(MAP_POPULATE) and mlock ------------ */

/*
 * The writer writes pages 1-4 of a 6-page file from its own mapping of
 * those pages, over and over: the file's own bytes onto themselves, so
 * its contents never change.  The remapper, 2000 times, unmaps that range,
 * maps it again at the same address with MAP_FIXED | MAP_POPULATE, and
 * mlocks and munlocks it (a few pages, well under the smallest usual
 * RLIMIT_MEMLOCK of 64 KiB).
 */
#define RACE_LEN (6 * PAGE)
#define SPAN_OFF PAGE
#define SPAN (4 * PAGE)
#define REMAPS 2000

/* What the writer and the remapper tell each other, in memory a forked remapper shares. */
struct race {
	atomic_int writer_started;
	atomic_int remapper_done;
};

struct writer {
	int fd;
	unsigned char *src;	/* the mapping of the span, never touched by the writer */
	struct race *race;
	long full, partial, efault, other;	/* how the writes ended */
};

static struct race *new_race(void)
{
	struct race *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	REQUIRE(r != MAP_FAILED);
	atomic_init(&r->writer_started, 0);
	atomic_init(&r->remapper_done, 0);
	return r;
}

/*
 * Write the span from its mapping until the remapper is done.  The writer
 * only hands the pointer to the kernel: when the remapper has the range
 * unmapped at that instant, the write fails with EFAULT or is short (never
 * a signal), which is allowed and counted.  Before each write it drops the
 * span from its page tables (that fails, harmlessly, when the range is
 * unmapped or mlocked), so that the write faults.
 */
static void *write_span_until_done(void *arg)
{
	struct writer *w = arg;
	ssize_t n;

	atomic_store(&w->race->writer_started, 1);
	do {
		(void)madvise(w->src, SPAN, MADV_DONTNEED);
		n = pwrite(w->fd, w->src, SPAN, SPAN_OFF);
		if (n == SPAN)
			w->full++;
		else if (n >= 0)
			w->partial++;
		else if (errno == EFAULT)
			w->efault++;
		else
			w->other++;
	} while (!atomic_load(&w->race->remapper_done));
	return NULL;
}

/*
 * The remapper's rounds on its mapping of the span at map; returns the
 * number of calls that failed.  mlock may be refused with EPERM or ENOMEM
 * by RLIMIT_MEMLOCK (a user without the capability, a small limit): the
 * rounds then go on without it.  Tells the writer it is done in any case.
 */
static long remap_span(int fd, unsigned char *map, struct race *race, int *mlocked)
{
	long failures = 0;

	*mlocked = 1;
	while (!atomic_load(&race->writer_started))
		sleep_ms(1);
	for (int i = 0; i < REMAPS; i++) {
		failures += munmap(map, SPAN) != 0;
		failures += mmap(map, SPAN, PROT_READ, MAP_SHARED | MAP_FIXED | MAP_POPULATE, fd,
				 SPAN_OFF) != map;
		if (!*mlocked)
			continue;
		if (mlock(map, SPAN) == 0)
			failures += munlock(map, SPAN) != 0;
		else if (errno == EPERM || errno == ENOMEM)
			*mlocked = 0;
		else
			failures++;
	}
	atomic_store(&race->remapper_done, 1);
	return failures;
}

/* A 6-page file of the pattern, and a shared mapping of its span. */
static int race_file(const char *name, unsigned char **map)
{
	int fd = pat_file(name, RACE_LEN, SEED);

	*map = mmap(NULL, SPAN, PROT_READ, MAP_SHARED, fd, SPAN_OFF);
	REQUIRE(*map != MAP_FAILED);
	return fd;
}

/* The writes changed nothing: the file, and the span through map, still hold the pattern. */
static void check_race(const char *name, int fd, unsigned char *map, const struct writer *w)
{
	static unsigned char want[RACE_LEN];

	utest_printf("#     %ld whole writes, %ld short, %ld EFAULT\n", w->full, w->partial,
		     w->efault);
	CHECK_EQ(w->other, 0);
	CHECK(w->full + w->partial + w->efault > 0);
	pat_fill(want, RACE_LEN, 0, SEED);
	CHECK(file_holds(fd, want, RACE_LEN));
	CHECK(same_bytes(map, want + SPAN_OFF, SPAN, "the mapping of the span"));
	CHECK_OK(munmap(map, SPAN));
	close(fd);
	CHECK_OK(unlink(name));
}

static void note_mlock(int mlocked)
{
	if (!mlocked)
		utest_printf("#     mlock refused (RLIMIT_MEMLOCK): remapped without it\n");
}

TEST(write_from_a_mapping_that_another_thread_remaps_and_mlocks)
{
	struct writer w = { 0 };
	unsigned char *map;
	pthread_t t;
	int mlocked;

	utest_timeout = 120;
	utest_watchdog();
	w.fd = race_file("remap_thread", &map);
	w.src = map;
	w.race = new_race();
	start_thread(&t, write_span_until_done, &w);
	/* This thread remaps the writer's very source: the same mm, the same mmap_lock. */
	CHECK_EQ(remap_span(w.fd, map, w.race, &mlocked), 0);
	join(t);
	note_mlock(mlocked);
	check_race("remap_thread", w.fd, map, &w);
}

TEST(write_from_a_mapping_while_another_process_remaps_and_mlocks_the_file)
{
	struct writer w = { 0 };
	unsigned char *map;
	pid_t pid;
	int mlocked;

	utest_timeout = 120;
	utest_watchdog();
	w.fd = race_file("remap_process", &map);
	w.src = map;
	w.race = new_race();
	pid = fork();
	if (pid == 0) {
		long failures;

		/* The child's copy of the mapping is its own: remapping it leaves ours. */
		utest_watchdog();
		failures = remap_span(w.fd, map, w.race, &mlocked);
		note_mlock(mlocked);
		_exit(failures ? 1 : 0);
	}
	REQUIRE(pid > 0);
	write_span_until_done(&w);
	CHECK(exited_with(wait_status(pid), 0));
	/* Our source stayed mapped all along: every write is whole. */
	CHECK_EQ(w.partial + w.efault, 0);
	check_race("remap_process", w.fd, map, &w);
}
