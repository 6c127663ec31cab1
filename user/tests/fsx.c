/*
 * fsx: a random file exerciser, in the spirit of fsx (xfstests' ltp/fsx.c).
 *
 * One file is worked on by a long stream of random operations: read,
 * write, read and write through a shared mapping, truncate down and up,
 * msync (MS_SYNC, MS_ASYNC, MS_INVALIDATE) and, now and then, fsync.  The
 * program keeps a model of what the file must hold (its bytes and its
 * size): every operation that reads compares what it got with the model,
 * st_size is compared after every operation, and the whole file every
 * 100 operations and at the end, before and after its cache is dropped.  The stream mixes every
 * path to a file's pages: write() into pages a mapping also shows,
 * mapped stores followed by a truncate, the partial page at the end of
 * the file (a mapping shows zeros past the end), dirty pages through
 * msync and fsync, and, in one test, the file closed and opened again.
 *
 * Such a bug shows as a wrong byte, often long after the operation that
 * caused it.  So the program keeps a log of the last operations and
 * prints it with the first wrong byte (the entries that touched that
 * byte marked "*"), and a run is a function of its parameters alone, so
 * that the failure replays with the command line it prints:
 *
 *     fsx FSX_SEED=S FSX_OPS=N FSX_MAXLEN=L FSX_MAXOP=M FSX_REOPEN=R TEST
 *
 * FSX_SEED picks the stream, FSX_OPS its length (N: the failing op, so
 * the replay stops there), FSX_MAXLEN bounds the file's size, FSX_MAXOP
 * the bytes of one operation, FSX_REOPEN closes and reopens the file
 * every that many operations (0: never).  Each test has its defaults; a
 * variable set in the environment overrides them in every test.
 *
 * A mapped operation maps the pages covering its range, MAP_SHARED,
 * either for itself alone (as fsx does: mmap, memcpy, munmap) or through
 * the window, one mapping of the whole FSX_MAXLEN range made when the file
 * is opened and kept, so that its pages live through later writes and
 * truncates.  A store past the end of the file is SIGBUS, so a mapped
 * write past the end first extends the file with ftruncate (as fsx
 * does).  A mapped read may run past the end up to the end of its page.
 *
 * Every write writes bytes of its own: pat_fill with the operation's
 * number as the pattern, never zero and different for every operation
 * and offset, so a lost write, a stale page or data put in the wrong
 * place shows as a wrong byte, and a hole that should not be one too.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define KiB 1024ULL
#define NO_OFFSET UINT64_MAX	/* a failure not about one byte of the file */
#define LOG_LEN 64		/* operations the log keeps */
#define CHECK_EVERY 100		/* operations between checks of the whole file */

enum op {
	OP_READ, OP_WRITE, OP_MAPREAD, OP_MAPWRITE, OP_TRUNCATE, OP_MSYNC, OP_FSYNC,
	NOPS,
	/* Log entries that are not random operations. */
	OP_REOPEN = NOPS, OP_CHECK,
};

static const char *const op_names[] = {
	"read", "write", "mapread", "mapwrite", "truncate", "msync", "fsync", "reopen", "check",
};

/* How often each operation comes, out of their sum. */
static const unsigned op_weights[NOPS] = {
	[OP_READ] = 16, [OP_WRITE] = 16, [OP_MAPREAD] = 10, [OP_MAPWRITE] = 10,
	[OP_TRUNCATE] = 6, [OP_MSYNC] = 4, [OP_FSYNC] = 1,
};

struct params {
	const char *test;	/* the TEST's name, for the replay line */
	unsigned long long seed, ops, maxlen, maxop, reopen;
};

struct log_entry {
	unsigned long long n;	/* the operation's number */
	enum op op;
	const char *how;	/* its variant: fresh mapping or window, msync's flags.. */
	uint64_t off, len;
	uint64_t size_before, size_after;
};

struct fsx {
	struct params p;
	char name[80];		/* the file */
	int fd;
	size_t page;
	size_t span;		/* FSX_MAXLEN rounded up to a page: the model's and window's length */
	uint64_t rng;
	unsigned long long n;	/* the operation under way, from 1 */
	unsigned char *model;	/* what the file must hold: zeros past size */
	uint64_t size;
	unsigned char *window;	/* the long-lived mapping of span bytes */
	unsigned char *buf;	/* an operation's data: span + 1 bytes, for the final read too */
	struct log_entry log[LOG_LEN];
	unsigned long long logged;	/* entries ever logged */
	unsigned long long count[NOPS];
};

/* ---- the random stream ------------------------------------------------- */

/* xorshift64* (Vigna): small, and the same stream on every machine. */
static uint64_t rnd64(struct fsx *f)
{
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 0x2545f4914f6cdd1dULL;
}

/* A number in [0, n), n > 0. */
static uint64_t rnd(struct fsx *f, uint64_t n)
{
	return (rnd64(f) >> 11) % n;
}

/*
 * Mostly x itself; a quarter of the time the page boundary at or below
 * x, or a byte either side of it, since that is where the bugs live.
 */
static uint64_t near_page(struct fsx *f, uint64_t x)
{
	uint64_t edge = x / f->page * f->page;

	if (rnd(f, 4) != 0)
		return x;
	switch (rnd(f, 3)) {
	case 0:
		return edge > 0 ? edge - 1 : 0;
	case 1:
		return edge;
	default:
		return edge + 1;
	}
}

/*
 * A range to operate on: it starts before off_limit (> 0), ends at or
 * before end_limit (>= off_limit), and holds 1 to FSX_MAXOP bytes, short
 * ones more often than long ones.
 */
static void pick_range(struct fsx *f, uint64_t off_limit, uint64_t end_limit, uint64_t *off,
		       uint64_t *len)
{
	uint64_t start = near_page(f, rnd(f, off_limit)), end;

	if (start >= off_limit)
		start = off_limit - 1;
	end = near_page(f, start + 1 + rnd(f, 1 + rnd(f, f->p.maxop)));
	if (end <= start)
		end = start + 1;
	if (end > end_limit)
		end = end_limit;
	if (end - start > f->p.maxop)
		end = start + f->p.maxop;
	*off = start;
	*len = end - start;
}

static uint64_t page_up(struct fsx *f, uint64_t x)
{
	return (x + f->page - 1) / f->page * f->page;
}

/* ---- the log, and failing ------------------------------------------------ */

/* Log the operation under way (its size_after is set when it is done). */
static void log_op(struct fsx *f, enum op op, const char *how, uint64_t off, uint64_t len)
{
	f->log[f->logged++ % LOG_LEN] =
		(struct log_entry){ f->n, op, how, off, len, f->size, f->size };
}

/* Did e touch offset off: its range, or the part of the file its size change cut or added? */
static int touches(const struct log_entry *e, uint64_t off)
{
	uint64_t lo = e->size_before, hi = e->size_after;

	if (lo > hi) {
		lo = e->size_after;
		hi = e->size_before;
	}
	return (off >= e->off && off - e->off < e->len) || (off >= lo && off < hi);
}

static void fail_begin(struct fsx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail_begin(struct fsx *f, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	utest_printf("# fsx: FAILED at op %llu of %s (seed %llu): %s\n", f->n, f->p.test,
		     f->p.seed, msg);
}

/*
 * The end of every failure report: the log (the entries that touched the
 * bad offset marked), the command line that replays the run up to the
 * failing operation; then the test ends, and the file stays for a look.
 */
static void __attribute__((noreturn)) fail_end(struct fsx *f, uint64_t bad)
{
	unsigned long long first = f->logged > LOG_LEN ? f->logged - LOG_LEN : 0;

	utest_printf("# fsx: the model's size %#llx; the last %llu operations (* touched %s):\n",
		     (unsigned long long)f->size, f->logged - first,
		     bad == NO_OFFSET ? "-" : "the bad offset");
	for (unsigned long long i = first; i < f->logged; i++) {
		const struct log_entry *e = &f->log[i % LOG_LEN];

		utest_printf("#   %7llu %-8s %-13s off %#8llx len %#7llx size %#8llx -> %#8llx%s\n",
			     e->n, op_names[e->op], e->how, (unsigned long long)e->off,
			     (unsigned long long)e->len, (unsigned long long)e->size_before,
			     (unsigned long long)e->size_after,
			     bad != NO_OFFSET && touches(e, bad) ? " *" : "");
	}
	utest_printf("# fsx: the file is left as %s; replay with:\n", f->name);
	utest_printf("# fsx:   %s FSX_SEED=%llu FSX_OPS=%llu FSX_MAXLEN=%llu FSX_MAXOP=%llu"
		     " FSX_REOPEN=%llu %s\n",
		     utest_argv0, f->p.seed, f->n, f->p.maxlen, f->p.maxop, f->p.reopen, f->p.test);
	utest_fail(__FILE__, __LINE__, "the file to match its model");
	utest_abort();
}

/* A system call's result must be want; else the test fails, with errno and the log. */
static void expect_ret(struct fsx *f, const char *call, long got, long want)
{
	if (got == want)
		return;
	fail_begin(f, "%s returned %ld, not %ld (errno %d, %s)", call, got, want, errno,
		   strerror(errno));
	fail_end(f, NO_OFFSET);
}

static void print_bytes(const char *label, const unsigned char *p, uint64_t n)
{
	char line[64] = "";

	for (uint64_t i = 0; i < n && i < 16; i++)
		snprintf(line + 3 * i, sizeof(line) - 3 * i, " %02x", p[i]);
	utest_printf("# fsx:   %-8s%s\n", label, line);
}

/* The n bytes got, read by the operation under way (through via) at off, must be the model's. */
static void check_data(struct fsx *f, const char *via, uint64_t off, const unsigned char *got,
		       uint64_t n)
{
	const unsigned char *want = f->model + off;
	uint64_t first = 0, last = 0, nbad = 0;

	if (memcmp(got, want, n) == 0)
		return;
	while (got[first] == want[first])
		first++;
	for (uint64_t i = first; i < n; i++)
		if (got[i] != want[i]) {
			last = i;
			nbad++;
		}
	fail_begin(f, "%s read wrong data", via);
	utest_printf("# fsx: offset %#llx: expected 0x%02x, got 0x%02x; %llu bad bytes in "
		     "%#llx..%#llx of the %#llx read at %#llx\n",
		     (unsigned long long)(off + first), want[first], got[first],
		     (unsigned long long)nbad, (unsigned long long)(off + first),
		     (unsigned long long)(off + last), (unsigned long long)n,
		     (unsigned long long)off);
	utest_printf("# fsx: from offset %#llx:\n", (unsigned long long)(off + first));
	print_bytes("expected", want + first, n - first);
	print_bytes("got", got + first, n - first);
	fail_end(f, off + first);
}

/* ---- the file and its mappings --------------------------------------------- */

static void open_file(struct fsx *f, int flags)
{
	f->fd = open(f->name, O_RDWR | flags, 0644);
	expect_ret(f, "open", f->fd < 0 ? -1 : 0, 0);
	/* Longer than the file, mostly: only the pages past the end are off limits. */
	f->window = mmap(NULL, f->span, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
	expect_ret(f, "mmap of the window", f->window == MAP_FAILED ? -1 : 0, 0);
}

static void close_file(struct fsx *f)
{
	expect_ret(f, "munmap of the window", munmap(f->window, f->span), 0);
	expect_ret(f, "close", close(f->fd), 0);
}

/* A mapping made for one operation (map NULL: the operation uses the window). */
struct mapped {
	unsigned char *map;
	size_t len;
};

/* The file's bytes [off, off + len), mapped: through the window, or by a mapping of their pages. */
static unsigned char *map_range(struct fsx *f, int window, uint64_t off, uint64_t len, int prot,
				struct mapped *m)
{
	uint64_t start = off / f->page * f->page;

	m->map = NULL;
	if (window)
		return f->window + off;
	m->len = off + len - start;
	m->map = mmap(NULL, m->len, prot, MAP_SHARED, f->fd, start);
	expect_ret(f, "mmap", m->map == MAP_FAILED ? -1 : 0, 0);
	return m->map + (off - start);
}

static void unmap_range(struct fsx *f, struct mapped *m)
{
	if (m->map)
		expect_ret(f, "munmap", munmap(m->map, m->len), 0);
}

/* ---- the operations ------------------------------------------------------- */

/* The write of f->buf's first len bytes at off reached the file: so it goes into the model. */
static void apply_write(struct fsx *f, uint64_t off, uint64_t len)
{
	memcpy(f->model + off, f->buf, len);
	if (off + len > f->size)
		f->size = off + len;
}

static void do_read(struct fsx *f)
{
	uint64_t off, len, want;

	/* It may run past the end: the read is short. */
	pick_range(f, f->size, f->p.maxlen, &off, &len);
	log_op(f, OP_READ, "", off, len);
	want = f->size - off < len ? f->size - off : len;
	expect_ret(f, "pread", pread(f->fd, f->buf, len, off), want);
	check_data(f, "pread", off, f->buf, want);
}

static void do_write(struct fsx *f)
{
	uint64_t off, len;

	pick_range(f, f->p.maxlen, f->p.maxlen, &off, &len);
	log_op(f, OP_WRITE, "", off, len);
	pat_fill(f->buf, len, off, f->n);
	expect_ret(f, "pwrite", pwrite(f->fd, f->buf, len, off), len);
	apply_write(f, off, len);
}

static void do_mapread(struct fsx *f)
{
	int window = rnd(f, 2);
	uint64_t off, len;
	struct mapped m;

	/* Up to the end of the last page: what lies past the end of the file reads as zeros. */
	pick_range(f, f->size, page_up(f, f->size), &off, &len);
	log_op(f, OP_MAPREAD, window ? "window" : "fresh", off, len);
	memcpy(f->buf, map_range(f, window, off, len, PROT_READ, &m), len);
	unmap_range(f, &m);
	check_data(f, window ? "a read through the window" : "a mapped read", off, f->buf, len);
}

static void do_mapwrite(struct fsx *f)
{
	int window = rnd(f, 2);
	uint64_t off, len;
	struct mapped m;

	pick_range(f, f->p.maxlen, f->p.maxlen, &off, &len);
	log_op(f, OP_MAPWRITE, window ? "window" : "fresh", off, len);
	pat_fill(f->buf, len, off, f->n);
	if (off + len > f->size) {
		/* A store past the end is SIGBUS: extend the file first (the model's gap is zeros). */
		expect_ret(f, "ftruncate", ftruncate(f->fd, off + len), 0);
		f->size = off + len;
	}
	memcpy(map_range(f, window, off, len, PROT_READ | PROT_WRITE, &m), f->buf, len);
	unmap_range(f, &m);
	apply_write(f, off, len);
}

static void do_truncate(struct fsx *f)
{
	uint64_t size = near_page(f, rnd(f, f->p.maxlen + 1));

	if (size > f->p.maxlen)
		size = f->p.maxlen;
	log_op(f, OP_TRUNCATE, size < f->size ? "down" : size > f->size ? "up" : "same", size, 0);
	expect_ret(f, "ftruncate", ftruncate(f->fd, size), 0);
	/* Cut bytes are gone: when the file grows again, they read as zeros. */
	if (size < f->size)
		memset(f->model + size, 0, f->size - size);
	f->size = size;
}

static void do_msync(struct fsx *f)
{
	static const int flags[] = { MS_SYNC, MS_ASYNC, MS_INVALIDATE, MS_SYNC | MS_INVALIDATE };
	static const char *const names[] = { "MS_SYNC", "MS_ASYNC", "MS_INVALIDATE",
					     "MS_SYNC|INVAL" };
	int k = rnd(f, 4);
	uint64_t off, len, start;

	pick_range(f, f->size, f->size, &off, &len);
	start = off / f->page * f->page;
	log_op(f, OP_MSYNC, names[k], off, len);
	expect_ret(f, "msync", msync(f->window + start, off + len - start, flags[k]), 0);
	/*
	 * The data stays: MS_INVALIDATE may not throw away dirty pages of a
	 * shared mapping (on Linux it does nothing to them).
	 */
	check_data(f, "the window after msync", off, f->window + off, len);
}

static void do_fsync(struct fsx *f)
{
	static const char *const names[] = { "fsync", "fdatasync", "fsync+drop" };
	int k = rnd(f, 3);

	log_op(f, OP_FSYNC, names[k], 0, 0);
	expect_ret(f, names[k], k == 1 ? fdatasync(f->fd) : fsync(f->fd), 0);
	/* Drop the clean pages no mapping holds, so that later reads come from the disk. */
	if (k == 2)
		(void)posix_fadvise(f->fd, 0, 0, POSIX_FADV_DONTNEED);
}

static void (*const op_fns[NOPS])(struct fsx *) = {
	[OP_READ] = do_read, [OP_WRITE] = do_write, [OP_MAPREAD] = do_mapread,
	[OP_MAPWRITE] = do_mapwrite, [OP_TRUNCATE] = do_truncate, [OP_MSYNC] = do_msync,
	[OP_FSYNC] = do_fsync,
};

static enum op pick_op(struct fsx *f)
{
	unsigned total = 0, r;
	enum op op = 0;

	for (int i = 0; i < NOPS; i++)
		total += op_weights[i];
	r = rnd(f, total);
	while (r >= op_weights[op])
		r -= op_weights[op++];
	/* An empty file has nothing to read or msync: write instead. */
	if (f->size == 0 && (op == OP_READ || op == OP_MAPREAD || op == OP_MSYNC))
		op = OP_WRITE;
	return op;
}

static void check_size(struct fsx *f)
{
	off_t size = fd_size(f->fd);

	if (size == (off_t)f->size)
		return;
	fail_begin(f, "st_size is %#llx, the model's %#llx", (long long)size,
		   (unsigned long long)f->size);
	fail_end(f, NO_OFFSET);
}

/* All of the file, by pread, and through the window (up to the end of its last page) too. */
static void check_file(struct fsx *f, const char *when, int window)
{
	log_op(f, OP_CHECK, when, 0, f->size);
	check_size(f);
	expect_ret(f, "pread of the whole file", pread(f->fd, f->buf, f->span + 1, 0), f->size);
	check_data(f, "pread of the whole file", 0, f->buf, f->size);
	if (window)
		check_data(f, "the window", 0, f->window, page_up(f, f->size));
}

/* ---- a run ------------------------------------------------------------------ */

/* The environment's value of var, a number, or dflt if var is not set. */
static unsigned long long env_number(const char *var, unsigned long long dflt)
{
	const char *s = getenv(var);
	unsigned long long v;
	char *end;

	if (!s)
		return dflt;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (*s == '\0' || *end != '\0' || errno) {
		utest_fail(__FILE__, __LINE__, "%s=%s to be a number", var, s);
		utest_abort();
	}
	return v;
}

static void run(const struct params *defaults)
{
	static struct fsx f;
	double start = now();

	f.p = *defaults;
	f.p.seed = env_number("FSX_SEED", f.p.seed);
	f.p.ops = env_number("FSX_OPS", f.p.ops);
	f.p.maxlen = env_number("FSX_MAXLEN", f.p.maxlen);
	f.p.maxop = env_number("FSX_MAXOP", f.p.maxop);
	f.p.reopen = env_number("FSX_REOPEN", f.p.reopen);
	/* Operation numbers are the patterns of the writes: below 2^32, so never pattern 0. */
	REQUIRE(f.p.ops < (1ULL << 32));
	REQUIRE(f.p.maxlen >= 1 && f.p.maxlen <= (1ULL << 32));
	REQUIRE(f.p.maxop >= 1);
	if (f.p.maxop > f.p.maxlen)
		f.p.maxop = f.p.maxlen;

	snprintf(f.name, sizeof(f.name), "fsx.%s", f.p.test);
	f.page = sysconf(_SC_PAGESIZE);
	f.span = page_up(&f, f.p.maxlen);
	/* Any seed, 0 too, gives a non-zero state (the multiplier is odd). */
	f.rng = (f.p.seed + 1) * 0x9e3779b97f4a7c15ULL;
	if (f.rng == 0)
		f.rng = 1;
	f.model = calloc(f.span, 1);
	f.buf = malloc(f.span + 1);
	REQUIRE(f.model && f.buf);
	open_file(&f, O_CREAT | O_TRUNC);

	for (unsigned long long i = 1; i <= f.p.ops; i++) {
		enum op op;

		f.n = i;
		op = pick_op(&f);
		f.count[op]++;
		op_fns[op](&f);
		f.log[(f.logged - 1) % LOG_LEN].size_after = f.size;
		check_size(&f);
		/*
		 * A read sees only its range, and a lost write overwritten
		 * before a read comes by is never seen: so the whole file is
		 * checked now and then.  Not through the window, whose pages
		 * would then all stay mapped (and in the cache).
		 */
		if (i % CHECK_EVERY == 0)
			check_file(&f, "periodic", 0);
		if (f.p.reopen && i % f.p.reopen == 0) {
			log_op(&f, OP_REOPEN, "", 0, 0);
			close_file(&f);
			open_file(&f, 0);
		}
		/* The watchdog is for a hang: a long run that goes on is not one. */
		if (i % 1000 == 0)
			utest_watchdog();
	}
	check_file(&f, "final", 1);
	expect_ret(&f, "fsync", fsync(f.fd), 0);
	(void)posix_fadvise(f.fd, 0, 0, POSIX_FADV_DONTNEED);
	check_file(&f, "final, cold", 1);

	utest_printf("# fsx: %s: %llu ops, seed %llu, up to %llu bytes, %llu per op, reopen %llu:"
		     " %llu read %llu write %llu mapread %llu mapwrite %llu truncate %llu msync"
		     " %llu fsync, %.2f s\n",
		     f.p.test, f.p.ops, f.p.seed, f.p.maxlen, f.p.maxop, f.p.reopen,
		     f.count[OP_READ], f.count[OP_WRITE], f.count[OP_MAPREAD],
		     f.count[OP_MAPWRITE], f.count[OP_TRUNCATE], f.count[OP_MSYNC],
		     f.count[OP_FSYNC], now() - start);
	close_file(&f);
	CHECK_OK(unlink(f.name));
	free(f.buf);
	free(f.model);
}

/* ---- the tests ---------------------------------------------------------------- */

TEST(random_ops)
{
	/* Budget: 300 s on an emulator 20-50 times slower than the host, where this takes ~1 s. */
	utest_timeout = 600;
	utest_watchdog();
	run(&(struct params){ "random_ops", 1, 20000, 256 * KiB, 64 * KiB, 0 });
}

TEST(random_ops_on_a_three_page_file)
{
	/* Every operation near the end of the file, and most across a page boundary. */
	utest_timeout = 600;
	utest_watchdog();
	run(&(struct params){ "random_ops_on_a_three_page_file", 2, 5000, 3 * 4096 + 512, 6000, 0 });
}

TEST(random_ops_reopening_the_file)
{
	/*
	 * Every 20 operations, a new descriptor and a new window: what the
	 * old ones left dirty must be in the file.
	 */
	utest_timeout = 600;
	utest_watchdog();
	run(&(struct params){ "random_ops_reopening_the_file", 3, 5000, 64 * KiB, 16 * KiB, 20 });
}
