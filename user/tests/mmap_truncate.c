/*
 * File mappings against read(), write() and truncate.
 *
 * A MAP_SHARED mapping and read()/write() are two views of one page
 * cache: each sees the other's changes at once, in this process and in
 * others, and stores through a mapping reach the file and stay there
 * after munmap and close.  A MAP_PRIVATE mapping shows the file's page
 * until its first store to that page, and its own copy from then on.  A
 * page of a mapping wholly past the end of the file raises SIGBUS.
 *
 * Truncate is where a kernel goes wrong.  It must take the removed pages
 * out of every mapping of the file, in every process, private copies
 * made from them included (as Linux does), and zero the tail of the page
 * that holds the new end, while other threads and processes go on
 * faulting pages in and storing.  A page left mapped after a truncate
 * shows bytes the file no longer has, or takes stores that never reach
 * it.  The race tests make that visible with stamps that only grow: read
 * back after stamp c was put somewhere, a word may hold c, zero (the page
 * was cut and regrown in between) or be past the end (SIGBUS, or a short
 * read), never an older stamp.
 *
 * Covered elsewhere: truncate.c, the zeroed tail of a mapped page with
 * nobody else touching the file; writes.c, write() and a mapping in one
 * process; mmap_deadlock.c, writes whose source is a mapping of the file.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096
#define RW (PROT_READ | PROT_WRITE)

/* A read-write mapping of the first len bytes of fd; the test ends if mmap fails. */
static unsigned char *map_file(int fd, size_t len, int flags)
{
	unsigned char *m = mmap(NULL, len, RW, flags, fd, 0);

	REQUIRE(m != MAP_FAILED);
	return m;
}

/*
 * Does [off, off + n) of the mapping m (of the file from offset 0) hold
 * pattern seed?  Prints the first difference.
 */
static int mem_is_pat(const unsigned char *m, uint64_t off, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (m[off + i] != pat_byte(off + i, seed)) {
			utest_printf("#     mapping at offset %llu: byte %#x, pattern %u has %#x\n",
				     (unsigned long long)(off + i), m[off + i], seed,
				     pat_byte(off + i, seed));
			return 0;
		}
	return 1;
}
#define CHECK_MEM(m, off, n, seed) CHECK(mem_is_pat(m, off, n, seed))

/* Does touching addr (read_byte or write_byte) kill a child with SIGBUS? */
static int sigbus_on(void (*touch)(void *), void *addr)
{
	return killed_by(run_in_child(touch, addr), SIGBUS);
}

/* ---- a second process, taking turns with the test --------------------- */

/*
 * The peer runs fn(peer) in a child; each side tell()s the other that a
 * step is done and await()s the other's step, through two pipes.  If
 * one side dies the other's await() reads end-of-file and fails.
 */
struct peer {
	pid_t pid;	/* 0 in the peer itself */
	int rd, wr;	/* this side's ends of the pipes */
	void *arg;
};

static void peer_start(struct peer *p, void (*fn)(struct peer *), void *arg)
{
	int down[2], up[2];

	REQUIRE(pipe(down) == 0 && pipe(up) == 0);
	p->arg = arg;
	p->pid = fork();
	REQUIRE(p->pid >= 0);
	if (p->pid == 0) {
		close(down[1]);
		close(up[0]);
		p->rd = down[0];
		p->wr = up[1];
		fn(p);
		_exit(utest_failed() ? 1 : 0);
	}
	close(down[0]);
	close(up[1]);
	p->rd = up[0];
	p->wr = down[1];
}

static void tell(struct peer *p)
{
	REQUIRE(write(p->wr, "", 1) == 1);
}

static void await(struct peer *p)
{
	char c;

	REQUIRE(read(p->rd, &c, 1) == 1);
}

static void peer_finish(struct peer *p)
{
	CHECK(exited_with(wait_status(p->pid), 0));
	close(p->rd);
	close(p->wr);
}

/* ---- coherence --------------------------------------------------------- */

#define SHARED_LEN (3 * PAGE)

/* The other side of two_processes_see_...: a mapping of its own, made after the fork. */
static void sharing_peer(struct peer *p)
{
	int fd = open("shared", O_RDWR);
	unsigned char *m;

	REQUIRE(fd >= 0);
	m = map_file(fd, SHARED_LEN, MAP_SHARED);
	CHECK_MEM(m, 0, SHARED_LEN, 30);
	/* Across the boundary of pages 0 and 1, both mapped in the parent already. */
	pat_fill(m + 100, PAGE, 100, 31);
	tell(p);
	await(p);
	CHECK_MEM(m, 2 * PAGE + 2000, 50, 32);
	CHECK_MEM(m, PAGE + 3000, 2000, 33);
	CHECK_MEM(m, 100, PAGE, 31);
}

TEST(two_processes_see_each_others_stores_and_writes)
{
	int fd = pat_file("shared", SHARED_LEN, 30);
	unsigned char *m = map_file(fd, SHARED_LEN, MAP_SHARED);
	struct peer p;

	/* Fault every page in first, so the peer's stores must reach pages mapped here. */
	CHECK_MEM(m, 0, SHARED_LEN, 30);
	peer_start(&p, sharing_peer, NULL);
	await(&p);
	CHECK_MEM(m, 100, PAGE, 31);
	CHECK_PAT(fd, 100, PAGE, 31);
	/* The other way: a store through this mapping and a write(), seen by the peer's. */
	pat_fill(m + 2 * PAGE + 2000, 50, 2 * PAGE + 2000, 32);
	pat_write(fd, PAGE + 3000, 2000, 33);
	tell(&p);
	peer_finish(&p);
	munmap(m, SHARED_LEN);
	fsync_and_drop(fd);
	CHECK_PAT(fd, 100, PAGE, 31);
	CHECK_PAT(fd, PAGE + 3000, 2000, 33);
	CHECK_PAT(fd, 2 * PAGE + 2000, 50, 32);
	close(fd);
	CHECK_OK(unlink("shared"));
}

/* Give page `page` of the file pattern seed, by write() or by a store through the shared mapping s. */
static void change_page(int fd, unsigned char *s, long long page, unsigned seed, int by_store)
{
	if (by_store)
		pat_fill(s + page * PAGE, PAGE, page * PAGE, seed);
	else
		pat_write(fd, page * PAGE, PAGE, seed);
}

/*
 * Page `page` of the private mapping p, read first: it is the page cache's
 * page, mapped read-only, so a change to the file shows through it (what
 * Linux does; POSIX leaves it open).  The first store gives p a copy of
 * its own, which the file and the shared mapping s never see, and which
 * from then on does not follow the file.
 */
static void private_page_follows_until_stored(int fd, unsigned char *p, unsigned char *s,
					      long long page, unsigned seed, int by_store)
{
	long long off = page * PAGE;

	CHECK_MEM(p, off, PAGE, 40);
	change_page(fd, s, page, seed, by_store);
	CHECK_MEM(p, off, PAGE, seed);
	pat_fill(p + off + 10, 20, off + 10, seed + 1);
	CHECK_PAT(fd, off, PAGE, seed);
	CHECK_MEM(s, off, PAGE, seed);
	change_page(fd, s, page, seed + 2, by_store);
	CHECK_MEM(p, off, 10, seed);
	CHECK_MEM(p, off + 10, 20, seed + 1);
	CHECK_MEM(p, off + 30, PAGE - 30, seed);
	CHECK_MEM(s, off, PAGE, seed + 2);
}

TEST(private_mapping_follows_the_file_until_its_first_store)
{
	int fd = pat_file("private", 3 * PAGE, 40);
	unsigned char *p = map_file(fd, 3 * PAGE, MAP_PRIVATE);
	unsigned char *s = map_file(fd, 3 * PAGE, MAP_SHARED);

	private_page_follows_until_stored(fd, p, s, 1, 41, 0);
	private_page_follows_until_stored(fd, p, s, 2, 44, 1);
	/* A store as the first touch copies the file's page at once. */
	p[500] = 0;
	CHECK_MEM(p, 0, 500, 40);
	CHECK_MEM(p, 501, PAGE - 501, 40);
	CHECK_MEM(s, 0, PAGE, 40);
	/* Gone with the mapping, the copies never reach the file. */
	CHECK_OK(munmap(p, 3 * PAGE));
	CHECK_OK(munmap(s, 3 * PAGE));
	fsync_and_drop(fd);
	CHECK_PAT(fd, 0, PAGE, 40);
	CHECK_PAT(fd, PAGE, PAGE, 43);
	CHECK_PAT(fd, 2 * PAGE, PAGE, 46);
	close(fd);
	CHECK_OK(unlink("private"));
}

#define STORED_LEN (5 * PAGE + 300)

/* Does fd hold pattern 50 with stores_reach_the_file's pieces (51, 52) over it? */
static int holds_the_stores(int fd)
{
	return CHECK_EQ(fd_size(fd), STORED_LEN) && CHECK_PAT(fd, 0, 1000, 50) &&
	       CHECK_PAT(fd, 1000, 3 * PAGE, 51) &&
	       CHECK_PAT(fd, 1000 + 3 * PAGE, 5 * PAGE - 1000 - 3 * PAGE, 50) &&
	       CHECK_PAT(fd, 5 * PAGE, 300, 52);
}

/*
 * Stores through a shared mapping (across pages, and the last partial
 * page up to the end), the only unwritten data (the file was fsynced
 * first), then munmap and close, with or without msync(MS_SYNC) first:
 * the stores are in the file when it is opened again, and on the disk.
 */
static void stores_reach_the_file(int with_msync)
{
	int fd = pat_file("stored", STORED_LEN, 50);
	unsigned char *m = map_file(fd, STORED_LEN, MAP_SHARED);

	CHECK_OK(fsync(fd));
	pat_fill(m + 1000, 3 * PAGE, 1000, 51);
	pat_fill(m + 5 * PAGE, 300, 5 * PAGE, 52);
	if (with_msync)
		CHECK_OK(msync(m, STORED_LEN, MS_SYNC));
	CHECK_OK(munmap(m, STORED_LEN));
	CHECK_OK(close(fd));
	fd = open("stored", O_RDWR);
	REQUIRE(fd >= 0);
	if (holds_the_stores(fd)) {
		fsync_and_drop(fd);
		holds_the_stores(fd);
	}
	close(fd);
	CHECK_OK(unlink("stored"));
}

TEST(shared_stores_survive_munmap_and_close)
{
	stores_reach_the_file(0);
}

TEST(shared_stores_are_in_the_file_after_msync)
{
	stores_reach_the_file(1);
}

/*
 * A store after the page was written back must be written back again:
 * writeback cleans the page, so the kernel must notice the next store
 * through a mapping that is still in place (Pagoda write-protects the
 * page when it cleans it; a kernel that did not would drop the second
 * store with the "clean" page).  munmap before the drop, so nothing keeps
 * the page in the cache.
 */
TEST(a_store_after_msync_dirties_the_page_again)
{
	int fd = pat_file("restored", 2 * PAGE, 53);
	unsigned char *m = map_file(fd, 2 * PAGE, MAP_SHARED);

	pat_fill(m + 100, 200, 100, 54);
	CHECK_OK(msync(m, 2 * PAGE, MS_SYNC));
	pat_fill(m + 1000, 200, 1000, 55);
	CHECK_OK(msync(m, 2 * PAGE, MS_SYNC));
	pat_fill(m + PAGE + 5, 10, PAGE + 5, 56);	/* no msync: munmap keeps it dirty */
	CHECK_OK(munmap(m, 2 * PAGE));
	fsync_and_drop(fd);
	CHECK_PAT(fd, 0, 100, 53);
	CHECK_PAT(fd, 100, 200, 54);
	CHECK_PAT(fd, 300, 700, 53);
	CHECK_PAT(fd, 1000, 200, 55);
	CHECK_PAT(fd, 1200, PAGE + 5 - 1200, 53);
	CHECK_PAT(fd, PAGE + 5, 10, 56);
	CHECK_PAT(fd, PAGE + 15, PAGE - 15, 53);
	close(fd);
	CHECK_OK(unlink("restored"));
}

/*
 * A store into a mapped page past the old end of the file after the file
 * grew (by ftruncate, or by a write further on) must reach the disk.  With
 * 1 KiB blocks the page's blocks past the old end did not exist when the
 * page was first stored to; a kernel that keeps the page writable never
 * hears of the second store and writes back only the blocks it knows.
 */
static void store_after_growth(int grow_by_write)
{
	int fd = pat_file("grown", 100, 57);
	unsigned char *m = map_file(fd, PAGE, MAP_SHARED);

	m[0] = pat_byte(0, 58);
	if (grow_by_write)
		pat_write(fd, 2 * PAGE - 10, 10, 59);
	else
		CHECK_OK(ftruncate(fd, 2 * PAGE));
	pat_fill(m + 2000, 100, 2000, 58);
	CHECK_OK(munmap(m, PAGE));
	fsync_and_drop(fd);
	CHECK_PAT(fd, 0, 1, 58);
	CHECK_PAT(fd, 1, 99, 57);
	CHECK_PAT(fd, 100, 1900, 0);
	CHECK_PAT(fd, 2000, 100, 58);
	close(fd);
	CHECK_OK(unlink("grown"));
}

TEST(a_store_past_the_old_end_after_ftruncate_up_reaches_the_file)
{
	store_after_growth(0);
}

TEST(a_store_past_the_old_end_after_a_write_beyond_reaches_the_file)
{
	store_after_growth(1);
}

/* ---- past the end ------------------------------------------------------ */

#define SHORT_LEN (PAGE + PAGE / 2)

/* A 3-page mapping of the 1.5-page file: pages 0 and 1 are the file's, page 2 is SIGBUS. */
static void check_short_file_mapping(unsigned char *m)
{
	CHECK_MEM(m, 0, SHORT_LEN, 60);
	/* The tail of the last page, past the end, reads as zeros. */
	CHECK_MEM(m, SHORT_LEN, 2 * PAGE - SHORT_LEN, 0);
	CHECK(sigbus_on(read_byte, m + 2 * PAGE));
	CHECK(sigbus_on(read_byte, m + 3 * PAGE - 1));
	CHECK(sigbus_on(write_byte, m + 2 * PAGE));
	CHECK(sigbus_on(write_byte, m + 3 * PAGE - 1));
}

TEST(pages_wholly_past_the_end_raise_sigbus)
{
	int fd = pat_file("short", SHORT_LEN, 60);
	unsigned char *s = map_file(fd, 3 * PAGE, MAP_SHARED);
	unsigned char *p = map_file(fd, 3 * PAGE, MAP_PRIVATE);
	char c;

	check_short_file_mapping(s);
	check_short_file_mapping(p);
	/* A store into the tail does not make the file longer. */
	s[SHORT_LEN + 10] = 1;
	CHECK_EQ(fd_size(fd), SHORT_LEN);
	CHECK_EQ(pread(fd, &c, 1, SHORT_LEN), 0);
	/* Once the file grows over page 2, the same mappings reach it. */
	pat_write(fd, 2 * PAGE, PAGE, 61);
	CHECK_MEM(s, 2 * PAGE, PAGE, 61);
	CHECK_MEM(p, 2 * PAGE, PAGE, 61);
	munmap(s, 3 * PAGE);
	munmap(p, 3 * PAGE);
	close(fd);
	CHECK_OK(unlink("short"));
}

/* ---- truncate against accesses ----------------------------------------- */

/*
 * The race: a RACE_LEN-byte file whose first CUT bytes (pattern
 * RACE_SEED) are never cut, and a truncater that cuts it to CUT, in the
 * middle of a page, and grows it back to RACE_LEN, ROUNDS times, while
 * the accessor puts stamps past CUT and reads them back.
 *
 * Each page past CUT has one word for stamps, so a page left mapped
 * after a cut holds an older stamp there, not zeros, and shows as one.
 * The truncater counts its cuts: when the count has gone up by two
 * between a put and its read-back, a whole cut came in between, and the
 * stamp must be gone (zeros, or past the end), which also catches a
 * tail of the page holding CUT not zeroed.  Every fourth put waits for
 * that, so it happens often whatever the scheduling (one CPU or four).
 */
#define CUT (2 * PAGE + 100)
#define RACE_LEN (9 * PAGE)
#define ROUNDS 2000
#define RACE_SEED 70
#define END_PAGE (CUT / PAGE)			/* the page holding CUT: never past the end */
#define FIRST_SLOT ((CUT % PAGE + 7) / 8 * 8)	/* its first whole word past CUT */
#define SLOT_PAGES (RACE_LEN / PAGE - END_PAGE)	/* odd: both puts of a round go everywhere */

struct race {
	int fd;
	volatile uint64_t *map;	/* the accessor's MAP_SHARED view, or NULL: pread and pwrite only */
	atomic_int started, done, truncate_errno;
	atomic_long cuts;	/* ftruncate(CUT)s done */
	/* What the accessor met: */
	long puts, cut_between, sigbus, zeros, eof;
};

static void *truncater(void *arg)
{
	struct race *r = arg;

	/* Bounded, so that a truncater process never outlives a test that died. */
	EVENTUALLY(atomic_load(&r->started));
	/*
	 * Sharing a CPU with the accessor, the truncater would otherwise run
	 * a whole time slice of rounds, then the accessor a slice of its
	 * own, and they would hardly meet.  So it yields often, after the
	 * cut or the growth or both, changing from round to round so that
	 * the accessor meets the file at every step.
	 */
	for (int i = 0; i < ROUNDS; i++) {
		if (ftruncate(r->fd, CUT) != 0) {
			atomic_store(&r->truncate_errno, errno);
			break;
		}
		atomic_fetch_add(&r->cuts, 1);
		if (i % 2)
			sched_yield();
		if (ftruncate(r->fd, RACE_LEN) != 0) {
			atomic_store(&r->truncate_errno, errno);
			break;
		}
		if (i % 3)
			sched_yield();
	}
	atomic_store(&r->done, 1);
	return NULL;
}

static sigjmp_buf bus_jump;

static void bus_handler(int sig)
{
	(void)sig;
	siglongjmp(bus_jump, 1);
}

/* Load the word at p into *v, or store v there: 1, or 0 if that took SIGBUS. */
static int load_word(volatile uint64_t *p, uint64_t *v)
{
	if (sigsetjmp(bus_jump, 1))
		return 0;
	*v = *p;
	return 1;
}

static int store_word(volatile uint64_t *p, uint64_t v)
{
	if (sigsetjmp(bus_jump, 1))
		return 0;
	*p = v;
	return 1;
}

/*
 * Where stamp n goes: the pages past CUT in turn, the tail of END_PAGE
 * among them, each at its own word (the first word past CUT in END_PAGE,
 * a little further into each page after it).
 */
static long long slot(uint64_t n)
{
	long long i = n % SLOT_PAGES;

	return (END_PAGE + i) * PAGE + FIRST_SLOT + i * 600;
}

/*
 * Read back the word at off, through the mapping or with pread, after
 * stamp c was put there: c or zeros, or only zeros if a whole cut came
 * in between; or past the end, which END_PAGE never is to the mapping.
 */
static int read_back(struct race *r, long long off, uint64_t c, int mapped, int cut_between)
{
	uint64_t v;

	if (mapped && !load_word(r->map + off / 8, &v)) {
		r->sigbus++;
		if (off >= (END_PAGE + 1) * PAGE)
			return 1;
		utest_printf("#     offset %lld: SIGBUS, but the file never ends before %d\n", off,
			     CUT);
		return 0;
	}
	if (!mapped) {
		ssize_t n = pread(r->fd, &v, 8, off);

		if (n == 0) {
			r->eof++;
			return 1;
		}
		if (n != 8) {
			utest_printf("#     offset %lld: pread of a stamp gave %zd\n", off, n);
			return 0;
		}
	}
	if (v == 0)
		r->zeros++;
	if (v == 0 || (v == c && !cut_between))
		return 1;
	utest_printf("#     offset %lld: %s read stamp %llu after stamp %llu was put there%s\n", off,
		     mapped ? "the mapping" : "pread", (unsigned long long)v,
		     (unsigned long long)c, cut_between ? " and the file cut" : "");
	return 0;
}

/*
 * Put stamp c in its slot, by pwrite or by a store through the mapping
 * (which may take SIGBUS: then the stamp is not there, and that is all),
 * and read it back the other way.  wait: for a whole cut in between.
 */
static int put_and_read_back(struct race *r, uint64_t c, int store, int wait)
{
	long long off = slot(c);
	long cuts;
	int cut_between;

	if (store) {
		if (!store_word(r->map + off / 8, c))
			r->sigbus++;
	} else if (pwrite(r->fd, &c, 8, off) != 8) {
		utest_printf("#     pwrite of stamp %llu at %lld failed (errno %d)\n",
			     (unsigned long long)c, off, errno);
		return 0;
	}
	/*
	 * Cut number cuts + 1 may have begun before the put; the one after
	 * it began after, so once the count reaches cuts + 2, a whole cut
	 * fell between the put and the read-back.
	 */
	cuts = atomic_load(&r->cuts);
	while (wait && atomic_load(&r->cuts) < cuts + 2 && !atomic_load(&r->done))
		sched_yield();
	cut_between = atomic_load(&r->cuts) >= cuts + 2;
	r->puts++;
	r->cut_between += cut_between;
	return read_back(r, off, c, !store && r->map, cut_between);
}

/* A word below CUT, through the mapping or with pread: always there, always the pattern. */
static int low_word_ok(struct race *r, uint64_t n)
{
	long long off = n * 37 % (CUT / 8) * 8;
	uint64_t v, want;
	int got = r->map ? load_word(r->map + off / 8, &v) : pread(r->fd, &v, 8, off) == 8;

	pat_fill(&want, 8, off, RACE_SEED);
	if (got && v == want)
		return 1;
	utest_printf("#     offset %lld, below the cut: %s\n", off,
		     got ? "not the file's data" : r->map ? "SIGBUS" : "a short read");
	return 0;
}

/*
 * Accessor round n: write() a stamp and read it back through the mapping
 * (or read()); with a mapping, store the next through it and read() it
 * back; check a word below the cut.  0 on a failure.
 */
static int access_round(struct race *r, uint64_t *stamp, long n)
{
	uint64_t c = ++*stamp;
	int ok = put_and_read_back(r, c, 0, n % 4 == 0);

	if (ok && r->map) {
		c = ++*stamp;
		ok = put_and_read_back(r, c, 1, n % 4 == 2);
	}
	return ok && low_word_ok(r, c);
}

enum truncater_in { IN_THREAD, IN_PROCESS };

/*
 * The race, with the truncater in another thread or another process (one
 * that has no mapping of the file), then the file settled: cut, it is the
 * pattern up to CUT and the mapping shows zeros after it, though stamps
 * were stored there; grown, zeros after CUT to read() too.
 */
static void race(int mapped, enum truncater_in where)
{
	struct race *r = mmap(NULL, sizeof(*r), RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned char *m = NULL;
	uint64_t stamp = 0;
	pthread_t thread;
	pid_t pid = 0;
	int accesses_ok = 1;

	REQUIRE(r != MAP_FAILED);
	utest_timeout = 120;
	utest_watchdog();
	r->fd = pat_file("race", RACE_LEN, RACE_SEED);
	if (where == IN_PROCESS) {
		pid = fork();
		if (pid == 0) {
			truncater(r);
			_exit(0);
		}
		REQUIRE(pid > 0);
	} else {
		start_thread(&thread, truncater, r);
	}
	if (mapped) {
		m = map_file(r->fd, RACE_LEN, MAP_SHARED);
		r->map = (volatile uint64_t *)m;
		set_handler(SIGBUS, bus_handler, 0);
	}
	atomic_store(&r->started, 1);
	for (long n = 0; accesses_ok && !atomic_load(&r->done); n++)
		accesses_ok = access_round(r, &stamp, n);
	CHECK(accesses_ok);
	if (where == IN_PROCESS)
		CHECK(exited_with(wait_status(pid), 0));
	else
		join(thread);
	CHECK_EQ(atomic_load(&r->truncate_errno), 0);
	utest_printf("#     %ld stamps (%ld with a cut in between): %ld SIGBUS, %ld zeros, %ld EOF\n",
		     r->puts, r->cut_between, r->sigbus, r->zeros, r->eof);

	REQUIRE(ftruncate(r->fd, CUT) == 0);
	CHECK_PAT(r->fd, 0, CUT, RACE_SEED);
	if (m) {
		CHECK_MEM(m, 0, CUT, RACE_SEED);
		CHECK_MEM(m, CUT, (END_PAGE + 1) * PAGE - CUT, 0);
	}
	REQUIRE(ftruncate(r->fd, RACE_LEN) == 0);
	CHECK_PAT(r->fd, CUT, RACE_LEN - CUT, 0);
	if (m) {
		CHECK_MEM(m, CUT, RACE_LEN - CUT, 0);
		munmap(m, RACE_LEN);
	}
	fsync_and_drop(r->fd);
	CHECK_PAT(r->fd, 0, CUT, RACE_SEED);
	CHECK_PAT(r->fd, CUT, RACE_LEN - CUT, 0);
	close(r->fd);
	CHECK_OK(unlink("race"));
}

TEST(truncate_in_another_thread_never_shows_removed_bytes_through_a_mapping)
{
	race(1, IN_THREAD);
}

TEST(truncate_in_another_process_never_shows_removed_bytes_through_a_mapping)
{
	race(1, IN_PROCESS);
}

TEST(truncate_racing_pread_and_pwrite_never_shows_removed_bytes)
{
	race(0, IN_THREAD);
}

#define IDLE_LEN (3 * PAGE + 500)

/*
 * The other side of truncate_under_an_idle_mapping: it fills the file
 * through its own mapping (so every page is mapped, writable and dirty
 * here), then waits, touching nothing, while the parent cuts the file and
 * grows it back; its mapping must show the cut.
 */
static void idle_holder(struct peer *p)
{
	long long cut = *(long long *)p->arg;
	int fd = open("idle", O_RDWR);
	unsigned char *m;

	REQUIRE(fd >= 0);
	m = map_file(fd, IDLE_LEN, MAP_SHARED);
	pat_fill(m, IDLE_LEN, 0, 81);
	tell(p);
	await(p);
	CHECK_MEM(m, 0, cut, 81);
	CHECK_MEM(m, cut, IDLE_LEN - cut, 0);
}

/*
 * Catches a kernel that takes the removed pages out of the truncating
 * process's page tables only: the peer's old mapping would still show
 * its data (and its dirty pages might even be written back over the
 * regrown file).
 */
static void truncate_under_an_idle_mapping(long long cut)
{
	int fd = pat_file("idle", IDLE_LEN, 80);
	struct peer p;

	peer_start(&p, idle_holder, &cut);
	await(&p);
	CHECK_PAT(fd, 0, IDLE_LEN, 81);
	REQUIRE(ftruncate(fd, cut) == 0);
	REQUIRE(ftruncate(fd, IDLE_LEN) == 0);
	tell(&p);
	peer_finish(&p);
	fsync_and_drop(fd);
	CHECK_PAT(fd, 0, cut, 81);
	CHECK_PAT(fd, cut, IDLE_LEN - cut, 0);
	close(fd);
	CHECK_OK(unlink("idle"));
}

TEST(truncate_to_zero_empties_an_idle_mapping_of_another_process)
{
	truncate_under_an_idle_mapping(0);
}

TEST(truncate_to_mid_page_zeroes_an_idle_mapping_of_another_process)
{
	truncate_under_an_idle_mapping(PAGE + 100);
}

TEST(truncate_drops_private_copies_of_pages_past_the_end)
{
	int fd = pat_file("cow", 3 * PAGE, 90);
	unsigned char *p = map_file(fd, 3 * PAGE, MAP_PRIVATE);

	/* A private copy of every page, which the file never sees. */
	pat_fill(p, 3 * PAGE, 0, 91);
	CHECK_PAT(fd, 0, 3 * PAGE, 90);
	REQUIRE(ftruncate(fd, PAGE + 100) == 0);
	/* Page 2 is wholly past the end: its copy went with the file's page. */
	CHECK(sigbus_on(read_byte, p + 2 * PAGE));
	CHECK(sigbus_on(write_byte, p + 3 * PAGE - 1));
	/*
	 * Only whole pages past the end are taken away: the copy of page 1,
	 * which holds the new end, keeps all its bytes, past the end too.
	 */
	CHECK_MEM(p, 0, 2 * PAGE, 91);
	CHECK_PAT(fd, 0, PAGE + 100, 90);
	/* Grown back, page 2 is the file's again: a hole, not the lost copy. */
	REQUIRE(ftruncate(fd, 3 * PAGE) == 0);
	CHECK_MEM(p, 2 * PAGE, PAGE, 0);
	CHECK_MEM(p, 0, 2 * PAGE, 91);
	munmap(p, 3 * PAGE);
	close(fd);
	CHECK_OK(unlink("cow"));
}
