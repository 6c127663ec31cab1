/*
 * /proc/meminfo and /proc/vmstat (format, fields, and the counters that
 * must move when the test faults pages in, fills the page cache, dirties
 * it and writes it back), and the writeback knobs and drop_caches of
 * /proc/sys/vm, with the answers Linux gives to good and bad writes.
 *
 * The counters are the whole machine's: a check asks only for at least
 * the change the test made.  Dirty counts also fall when others' writeback
 * ends, so those checks need TEST_DIRTY_COUNTS=1 (a quiet machine); the
 * sysctl writes need TEST_MAY_TUNE=1 (never the host) and restore every
 * value.  Without /proc the tests skip.  Files go in the current directory.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/param.h>
#include <sys/vfs.h>
#include <unistd.h>

#define KiB 1024LL
#define MiB (1024 * KiB)
#define FILE_SIZE (4 * MiB)
#define GROWTH_KB (3 * MiB / KiB)	/* what a 4 MiB file must at least move a counter by */
#define EXT2_SUPER_MAGIC 0xEF53		/* ext2, ext3 and ext4 alike */
#define TEXT 65536			/* more than /proc/vmstat's ~4 KiB */
#define PAGE_KB (sysconf(_SC_PAGESIZE) / KiB)

/* a >= b, printing both when not. */
#define CHECK_GE(a, b)                                                                 \
	({                                                                             \
		long long a_ = (a), b_ = (b);                                          \
		if (a_ < b_)                                                           \
			utest_fail(__FILE__, __LINE__, "%s >= %s (%lld < %lld)", #a, #b, \
				   a_, b_);                                            \
		a_ >= b_;                                                              \
	})

static void need_proc(void)
{
	if (access("/proc/meminfo", F_OK) != 0 && errno == ENOENT)
		utest_skip("/proc is not mounted");
}

/* Tests that need a quiet machine, or may change it, run only when var=1. */
static int env_set(const char *var)
{
	return getenv(var) && strcmp(getenv(var), "1") == 0;
}

/*
 * Dirty pages and their writeback on a disk file system (tmpfs pages are
 * never dirty nor dropped), on a machine where no one else writes.
 */
static void need_quiet_disk(void)
{
	struct statfs sf;

	need_proc();
	if (!env_set("TEST_DIRTY_COUNTS"))
		utest_skip("needs TEST_DIRTY_COUNTS=1");
	REQUIRE(statfs(".", &sf) == 0);
	if (sf.f_type != EXT2_SUPER_MAGIC)
		utest_skip("the current directory is not on ext2/3/4");
}

/* ---- reading /proc ------------------------------------------------------ */

/* All of path, read chunk bytes per read(), into buf (NUL-terminated): its length. */
static size_t read_proc(const char *path, char *buf, size_t size, size_t chunk)
{
	int fd = open(path, O_RDONLY);
	size_t len = 0;
	ssize_t n;

	REQUIRE(fd >= 0);
	while ((n = read(fd, buf + len, MIN(chunk, size - 1 - len))) > 0)
		len += n;
	REQUIRE(n == 0 && len < size - 1);
	close(fd);
	buf[len] = '\0';
	return len;
}

static const char *next_line(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? nl + 1 : p + strlen(p);
}

/* The number on text's line for key ("key: N kB" or "key N"), or -1 if none. */
static long long field(const char *text, const char *key)
{
	size_t len = strlen(key);

	for (const char *line = text; *line; line = next_line(line))
		if (strncmp(line, key, len) == 0 && (line[len] == ':' || line[len] == ' '))
			return strtoll(line + len + 1, NULL, 10);
	return -1;
}

static const char *skip_digits(const char *p)
{
	while (isdigit((unsigned char)*p))
		p++;
	return p;
}

/* "Key:<spaces>N kB", or "HugePages_X:<spaces>N" (a count, not a size). */
static int meminfo_line_ok(const char *line)
{
	const char *p = line, *end;

	while (isalnum((unsigned char)*p) || (*p && strchr("_()", *p)))
		p++;
	if (p == line || p[0] != ':' || p[1] != ' ')
		return 0;
	p += strspn(p + 1, " ") + 1;
	end = skip_digits(p);
	if (end == p)
		return 0;
	if (strncmp(line, "HugePages_", 10) == 0 && *end == '\n')
		return 1;
	return strncmp(end, " kB\n", 4) == 0;
}

/* "name value": a lowercase identifier, one space, a decimal number. */
static int vmstat_line_ok(const char *line)
{
	const char *p = line;

	if (!islower((unsigned char)*p))
		return 0;
	while (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_')
		p++;
	if (*p++ != ' ' || !isdigit((unsigned char)*p))
		return 0;
	return *skip_digits(p) == '\n';
}

/* Every line of path is as line_ok wants, and it has all the keys. */
static void check_lines(const char *path, int (*line_ok)(const char *),
			const char *const *keys, size_t nkeys)
{
	static char buf[TEXT];
	size_t len = read_proc(path, buf, sizeof(buf), sizeof(buf));

	CHECK(len > 0 && buf[len - 1] == '\n');
	for (const char *line = buf; *line; line = next_line(line))
		if (!CHECK(line_ok(line))) {
			utest_printf("#     line: %.*s\n", (int)strcspn(line, "\n"), line);
			break;
		}
	for (size_t i = 0; i < nkeys; i++)
		if (!CHECK(field(buf, keys[i]) >= 0))
			utest_printf("#     %s has no %s\n", path, keys[i]);
}

/* path read whole, and chunk bytes at a time, has the same keys in the same order. */
static void check_same_keys_in_pieces(const char *path, size_t chunk)
{
	static char whole[TEXT], pieces[TEXT];
	const char *a = whole, *b = pieces;

	read_proc(path, whole, sizeof(whole), sizeof(whole));
	read_proc(path, pieces, sizeof(pieces), chunk);
	for (; *a && *b; a = next_line(a), b = next_line(b))
		if (strcspn(a, ": \n") != strcspn(b, ": \n") || strncmp(a, b, strcspn(a, ": \n")))
			break;
	if (!CHECK(!*a && !*b))
		utest_printf("#     %s read %zu bytes at a time has \"%.*s\" for \"%.*s\"\n", path,
			     chunk, (int)strcspn(b, "\n"), b, (int)strcspn(a, "\n"), a);
}

/* ---- /proc/meminfo and /proc/vmstat ------------------------------------- */

static const char *const meminfo_keys[] = {
	"MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached",
	"Active", "Inactive", "Active(anon)", "Inactive(anon)", "Active(file)",
	"Inactive(file)", "Unevictable", "Mlocked", "SwapTotal", "SwapFree", "Dirty",
	"Writeback", "AnonPages", "Mapped", "Shmem", "Slab", "KernelStack",
	"PageTables", "CommitLimit", "Committed_AS",
};

static const char *const vmstat_keys[] = {
	"nr_free_pages", "nr_file_pages", "nr_anon_pages", "nr_mapped", "nr_dirty",
	"nr_writeback", "nr_shmem", "pgpgin", "pgpgout", "pgfault", "pgmajfault",
	"pgscan_kswapd", "pgscan_direct", "pgsteal_kswapd", "pgsteal_direct", "oom_kill",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

TEST(meminfo_lines_are_key_value_kb)
{
	need_proc();
	check_lines("/proc/meminfo", meminfo_line_ok, meminfo_keys, NELEM(meminfo_keys));
}

TEST(vmstat_lines_are_name_value)
{
	need_proc();
	check_lines("/proc/vmstat", vmstat_line_ok, vmstat_keys, NELEM(vmstat_keys));
}

/* Small reads resume where the last stopped: nothing lost or repeated. */
TEST(small_reads_give_the_same_lines)
{
	need_proc();
	check_same_keys_in_pieces("/proc/meminfo", 7);
	check_same_keys_in_pieces("/proc/vmstat", 7);
}

TEST(meminfo_values_are_consistent)
{
	static char text[TEXT];

	need_proc();
	read_proc("/proc/meminfo", text, sizeof(text), sizeof(text));
	/* One snapshot, so that the values are of the same moment. */
	CHECK(field(text, "MemTotal") > 0);
	CHECK_GE(field(text, "MemTotal"), field(text, "MemFree"));
	CHECK_GE(field(text, "MemTotal"), field(text, "MemAvailable"));
	CHECK_GE(field(text, "MemTotal"), field(text, "Cached"));
	CHECK_GE(field(text, "MemTotal"), field(text, "Dirty"));
	CHECK_GE(field(text, "SwapTotal"), field(text, "SwapFree"));
}

/* The pages the zones of /proc/zoneinfo manage, in kB (0 without the file). */
static long long zones_managed_kb(void)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	long long sum = 0, n;
	char line[256];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, " managed %lld", &n) == 1)
			sum += n;
	if (f)
		fclose(f);
	return sum * PAGE_KB;
}

TEST(vmstat_free_pages_agree_with_meminfo)
{
	long long free_kb, mem_free, zones_kb;

	need_proc();
	zones_kb = zones_managed_kb();
	/*
	 * Linux's MemTotal is the pages its zones manage.  A kernel that counts
	 * more in MemTotal and MemFree (a sandbox's 6.18: 24 GB, its zones
	 * 5.6 GB) has nothing nr_free_pages can be compared with.
	 */
	if (zones_kb && meminfo_kb("MemTotal") > zones_kb + zones_kb / 10)
		utest_skip("MemTotal counts memory outside the zones");
	free_kb = vmstat_value("nr_free_pages") * PAGE_KB;
	mem_free = meminfo_kb("MemFree");
	CHECK_GE(mem_free / 10, llabs(free_kb - mem_free));
}

TEST(pgfault_counts_touched_pages)
{
	const long n = 256, page = sysconf(_SC_PAGESIZE);
	long long before;
	char *p;

	need_proc();
	p = mmap(NULL, n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(p != MAP_FAILED);
	/* One fault per page: no huge page may fill many at once (EINVAL without THP). */
	(void)madvise(p, n * page, MADV_NOHUGEPAGE);
	before = vmstat_value("pgfault");
	for (long i = 0; i < n; i++)
		p[i * page] = 1;
	CHECK_GE(vmstat_value("pgfault") - before, n);
	munmap(p, n * page);
}

/* Cached counts tmpfs pages too (as Shmem), so this holds on any file system. */
TEST(cached_grows_by_a_new_file)
{
	long long before;
	int fd;

	need_proc();
	before = meminfo_kb("Cached");
	fd = pat_file("cached", FILE_SIZE, 1);
	CHECK_GE(meminfo_kb("Cached") - before, GROWTH_KB);
	close(fd);
	CHECK_OK(unlink("cached"));
}

TEST(dirty_and_writeback_follow_a_write_and_fsync)
{
	long long before, high, pages = GROWTH_KB / PAGE_KB;
	int fd;

	need_quiet_disk();
	before = meminfo_kb("Dirty") + meminfo_kb("Writeback");
	fd = pat_file("dirty", FILE_SIZE, 2);
	CHECK_GE(meminfo_kb("Dirty") + meminfo_kb("Writeback") - before, GROWTH_KB);
	high = vmstat_value("nr_dirty");
	CHECK_OK(fsync(fd));
	/* fsync cleans the pages before it returns; the counter may lag a little. */
	(void)EVENTUALLY(high - vmstat_value("nr_dirty") >= pages);
	CHECK_GE(high - vmstat_value("nr_dirty"), pages);
	close(fd);
	CHECK_OK(unlink("dirty"));
}

/* ---- /proc/sys/vm -------------------------------------------------------- */

static const char *const dirty_knobs[] = {
	"dirty_ratio", "dirty_background_ratio", "dirty_expire_centisecs",
	"dirty_writeback_centisecs",
};

static int open_knob(const char *name, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/sys/vm/%s", name);
	return open(path, flags);
}

/* One read() of a fresh open of the knob into buf (NUL-terminated): read's result. */
static ssize_t read_knob(const char *name, char *buf, size_t size)
{
	int fd = open_knob(name, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	return n;
}

/* One write() of s to a fresh open of the knob: -1 and errno if the open or write fails. */
static ssize_t write_knob(const char *name, const char *s)
{
	int fd = open_knob(name, O_WRONLY);
	ssize_t n = fd < 0 ? -1 : write(fd, s, strlen(s));
	int err = errno;

	if (fd >= 0)
		close(fd);
	errno = err;
	return n;
}

/* Does /proc/sys/vm/name read back as exactly s?  Prints what it holds if not. */
static int knob_is(const char *name, const char *s)
{
	char buf[64];

	if (read_knob(name, buf, sizeof(buf)) > 0 && strcmp(buf, s) == 0)
		return 1;
	utest_printf("#     %s reads \"%.*s\", expected \"%.*s\"\n", name,
		     (int)strcspn(buf, "\n"), buf, (int)strcspn(s, "\n"), s);
	return 0;
}

TEST(vm_dirty_sysctls_read_as_one_integer)
{
	char buf[64];
	int fd;

	need_proc();
	for (size_t i = 0; i < NELEM(dirty_knobs); i++) {
		const char *end;

		CHECK(read_knob(dirty_knobs[i], buf, sizeof(buf)) > 0);
		end = skip_digits(buf);
		if (!CHECK(end > buf && strcmp(end, "\n") == 0))
			utest_printf("#     %s reads \"%s\"\n", dirty_knobs[i], buf);
		if (strstr(dirty_knobs[i], "ratio"))
			CHECK(atoi(buf) >= 0 && atoi(buf) <= 100);
	}
	/* A sysctl is meant to be read in one read(): one at a nonzero offset gets nothing. */
	fd = open_knob("dirty_ratio", O_RDONLY);
	REQUIRE(fd >= 0);
	CHECK_EQ(read(fd, buf, 1), 1);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 0);
	close(fd);
}

/* Writes Linux refuses, leaving the value as it was. */
static const struct {
	const char *knob, *value;
} bad_writes[] = {
	/* Ratios lie in 0..100; expiry is at least 0 (writeback takes -1). */
	{ "dirty_ratio", "101" }, { "dirty_ratio", "-1" },
	{ "dirty_background_ratio", "-1" }, { "dirty_background_ratio", "101" },
	{ "dirty_expire_centisecs", "-1" }, { "dirty_expire_centisecs", "abc" },
	{ "dirty_expire_centisecs", "12x" }, { "dirty_writeback_centisecs", "abc" },
};

/* The checks between saving and restoring the knobs: no REQUIRE, so the restore always runs. */
static void check_knob_writes(void)
{
	const char *expire = "dirty_expire_centisecs";
	int fd;

	CHECK_EQ(write_knob(expire, "1234\n"), 5);
	CHECK(knob_is(expire, "1234\n"));
	/* The newline is optional, blanks around the number are skipped. */
	CHECK_EQ(write_knob("dirty_writeback_centisecs", " 777"), 4);
	CHECK(knob_is("dirty_writeback_centisecs", "777\n"));
	for (size_t i = 0; i < NELEM(bad_writes); i++) {
		char was[64];

		read_knob(bad_writes[i].knob, was, sizeof(was));
		if (!CHECK_ERR(write_knob(bad_writes[i].knob, bad_writes[i].value), EINVAL))
			utest_printf("#     (%s to %s)\n", bad_writes[i].value, bad_writes[i].knob);
		CHECK(knob_is(bad_writes[i].knob, was));
	}
	/*
	 * Only a write at offset 0 sets the value (sysctl_writes_strict):
	 * a second write on the same descriptor is accepted and ignored.
	 */
	fd = open_knob(expire, O_WRONLY);
	if (CHECK(fd >= 0)) {
		CHECK_EQ(write(fd, "12", 2), 2);
		CHECK_EQ(write(fd, "34", 2), 2);
		close(fd);
	}
	CHECK(knob_is(expire, "12\n"));
}

TEST(vm_dirty_sysctls_take_good_writes_and_reject_bad_ones)
{
	char saved[NELEM(dirty_knobs)][64];

	need_proc();
	if (!env_set("TEST_MAY_TUNE"))
		utest_skip("needs TEST_MAY_TUNE=1");
	for (size_t i = 0; i < NELEM(dirty_knobs); i++)
		REQUIRE(read_knob(dirty_knobs[i], saved[i], sizeof(saved[i])) > 0);
	check_knob_writes();
	/* Writing a ratio its own value changes nothing else (a new one would zero dirty_bytes). */
	for (size_t i = 0; i < NELEM(dirty_knobs); i++) {
		CHECK_EQ(write_knob(dirty_knobs[i], saved[i]), strlen(saved[i]));
		CHECK(knob_is(dirty_knobs[i], saved[i]));
	}
}

TEST(drop_caches_is_write_only)
{
	need_proc();
	if (geteuid() != 0)
		utest_skip("not root");
	/* Mode 0200, and sysctl permissions hold for root too. */
	CHECK_ERR(open_knob("drop_caches", O_RDONLY), EACCES);
	CHECK_ERR(open_knob("drop_caches", O_RDWR), EACCES);
	/* 1 page cache, 2 slab, 3 both, 4 quiet: 0 is not one. */
	CHECK_ERR(write_knob("drop_caches", "0"), EINVAL);
	/* Dropping empties the machine's page cache: not the host's. */
	if (env_set("TEST_MAY_TUNE"))
		CHECK_EQ(write_knob("drop_caches", "1"), 1);
}

TEST(drop_caches_drops_clean_file_pages)
{
	long long before;
	int fd;

	need_quiet_disk();
	fd = pat_file("drop", FILE_SIZE, 3);
	CHECK_OK(fsync(fd));
	close(fd);
	before = meminfo_kb("Cached");
	CHECK_EQ(write_knob("drop_caches", "1"), 1);
	CHECK_GE(before - meminfo_kb("Cached"), GROWTH_KB);
	CHECK_OK(unlink("drop"));
}
