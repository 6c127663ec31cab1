/*
 * The system calls that act on file mappings (memory.c covers anonymous
 * memory alone): msync, mlock/mlock2/munlock/mlockall/munlockall,
 * MAP_POPULATE, madvise (MADV_WILLNEED, MADV_DONTNEED), mprotect against
 * the file's open mode, and mremap of anonymous, shared anonymous and file
 * mappings, with the errors Linux gives for each.
 *
 * Whether a range is locked cannot be read without /proc, but Linux shows
 * it: MADV_DONTNEED of a locked range is EINVAL and msync(MS_INVALIDATE)
 * of one is EBUSY.  The tests use that.  Locked ranges are a few pages,
 * so that a user without CAP_IPC_LOCK stays under RLIMIT_MEMLOCK (one not
 * allowed to lock at all skips the locking tests).
 *
 * Bad accesses are made in a child, whose death by SIGSEGV or SIGBUS is
 * the expected result.  Files are created in the current directory.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096UL
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* The access, made in a child, kills it with this signal / works. */
static int dies_of(int sig, void (*access)(void *), void *p)
{
	return killed_by(run_in_child(access, p), sig);
}

static int works(void (*access)(void *), void *p)
{
	return exited_with(run_in_child(access, p), 0);
}

static char *map(size_t len, int prot, int flags, int fd, off_t off)
{
	char *p = mmap(NULL, len, prot, flags, fd, off);

	REQUIRE(p != MAP_FAILED);
	return p;
}

/* Does memory p[0, n) hold pattern seed as at file offset off?  Prints the first difference. */
static int holds(const volatile char *p, uint64_t off, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] != pat_byte(off + i, seed)) {
			utest_printf("#     byte %zu: %#x, pattern %u has %#x\n", i,
				     (unsigned char)p[i], seed, pat_byte(off + i, seed));
			return 0;
		}
	return 1;
}
#define CHECK_HOLDS(p, off, n, seed) CHECK(holds(p, off, n, seed))

/* mremap through the raw call: musl's wrapper checks some arguments itself. */
static void *mremap_(void *old, size_t old_len, size_t new_len, int flags, void *new_addr)
{
	return (void *)syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
}

/* A user that may not lock memory at all (no CAP_IPC_LOCK, RLIMIT_MEMLOCK 0) skips. */
static void need_mlock(void)
{
	char *p = map(PAGE, RW, ANON, -1, 0);

	if (mlock(p, PAGE) != 0 && errno == EPERM)
		utest_skip("mlock not permitted");
	munlock(p, PAGE);
	munmap(p, PAGE);
}

/* ---- msync ----------------------------------------------------------- */

TEST(msync_writes_a_shared_mappings_stores_to_the_file)
{
	int fd = pat_file("msync_sync", 3 * PAGE, 1);
	char *m = map(3 * PAGE, RW, MAP_SHARED, fd, 0);

	/* Across a page boundary, and inside the last page. */
	pat_fill(m + PAGE - 100, 200, PAGE - 100, 2);
	pat_fill(m + 2 * PAGE + 7, 50, 2 * PAGE + 7, 2);
	CHECK_EQ(msync(m, 3 * PAGE, MS_SYNC), 0);
	CHECK_PAT(fd, PAGE - 100, 200, 2);
	CHECK_PAT(fd, 2 * PAGE + 7, 50, 2);
	/* Once unmapped and out of the cache, the disk has them. */
	CHECK_OK(munmap(m, 3 * PAGE));
	fsync_and_drop(fd);
	CHECK_PAT(fd, 0, PAGE - 100, 1);
	CHECK_PAT(fd, PAGE - 100, 200, 2);
	CHECK_PAT(fd, PAGE + 100, PAGE - 93, 1);
	CHECK_PAT(fd, 2 * PAGE + 7, 50, 2);
	CHECK_PAT(fd, 2 * PAGE + 57, PAGE - 57, 1);
	CHECK_EQ(fd_size(fd), 3 * PAGE);

	/*
	 * The other flags are accepted, so are no flags at all (an
	 * asynchronous msync), and a length that is not a page multiple.
	 * MS_INVALIDATE drops nothing of a shared mapping: its pages are
	 * the file's.
	 */
	m = map(3 * PAGE, RW, MAP_SHARED, fd, 0);
	pat_fill(m + PAGE, PAGE, PAGE, 3);
	CHECK_EQ(msync(m, PAGE + 1, MS_ASYNC), 0);
	CHECK_EQ(msync(m, 3 * PAGE, MS_INVALIDATE), 0);
	CHECK_EQ(msync(m, 3 * PAGE, MS_INVALIDATE | MS_SYNC), 0);
	CHECK_EQ(msync(m, 3 * PAGE, MS_INVALIDATE | MS_ASYNC), 0);
	CHECK_EQ(msync(m, 3 * PAGE, 0), 0);
	CHECK_HOLDS(m + PAGE, PAGE, PAGE, 3);
	CHECK_PAT(fd, PAGE, PAGE, 3);
	munmap(m, 3 * PAGE);
	close(fd);
	CHECK_OK(unlink("msync_sync"));
}

TEST(msync_of_anonymous_memory_succeeds)
{
	char *priv = map(2 * PAGE, RW, ANON, -1, 0);
	char *shared = map(2 * PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	static const int flags[] = { MS_SYNC, MS_ASYNC, MS_INVALIDATE };

	memset(priv, 'p', 2 * PAGE);
	memset(shared, 's', 2 * PAGE);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		CHECK_EQ(msync(priv, 2 * PAGE, flags[i]), 0);
		CHECK_EQ(msync(shared, 2 * PAGE, flags[i]), 0);
	}
	CHECK_EQ(priv[PAGE], 'p');
	CHECK_EQ(shared[PAGE], 's');
}

TEST(msync_refuses_bad_arguments)
{
	char *p = map(3 * PAGE, RW, ANON, -1, 0);

	CHECK_OK(munmap(p + PAGE, PAGE));
	/* The address must be page aligned (the length need not be). */
	CHECK_ERR(msync(p + 1, PAGE, MS_SYNC), EINVAL);
	/* Unknown flags, and both MS_SYNC and MS_ASYNC: refused before the range is looked at. */
	CHECK_ERR(msync(p, PAGE, 8), EINVAL);
	CHECK_ERR(msync(p, PAGE, MS_SYNC | MS_ASYNC), EINVAL);
	CHECK_ERR(msync(p, 3 * PAGE, MS_SYNC | MS_ASYNC), EINVAL);
	/* Every page of the range must be mapped, whatever the flags. */
	CHECK_ERR(msync(p, 3 * PAGE, MS_SYNC), ENOMEM);
	CHECK_ERR(msync(p, 3 * PAGE, MS_ASYNC), ENOMEM);
	CHECK_ERR(msync(p + PAGE, PAGE, MS_SYNC), ENOMEM);
	CHECK_ERR(msync(p + PAGE, 2 * PAGE, MS_INVALIDATE), ENOMEM);
	/* An empty range is always fine, even unmapped; but not unaligned. */
	CHECK_EQ(msync(p, 0, MS_SYNC), 0);
	CHECK_EQ(msync(p + PAGE, 0, MS_SYNC), 0);
	CHECK_ERR(msync(p + 1, 0, MS_SYNC), EINVAL);
	/* The mapped pages on either side are fine on their own. */
	CHECK_EQ(msync(p, PAGE, MS_SYNC), 0);
	CHECK_EQ(msync(p + 2 * PAGE, PAGE, MS_SYNC), 0);
}

TEST(msync_invalidate_of_a_locked_range_is_ebusy)
{
	int fd = pat_file("msync_locked", 4 * PAGE, 4);
	char *m = map(4 * PAGE, RW, MAP_SHARED, fd, 0);
	char *anon = map(2 * PAGE, RW, ANON, -1, 0);

	need_mlock();
	CHECK_EQ(mlock(m + PAGE, 2 * PAGE), 0);
	CHECK_EQ(mlock(anon, PAGE), 0);
	/* Locked pages cannot be invalidated: any range that includes one. */
	CHECK_ERR(msync(m, 4 * PAGE, MS_INVALIDATE), EBUSY);
	CHECK_ERR(msync(m + 2 * PAGE, PAGE, MS_INVALIDATE | MS_SYNC), EBUSY);
	CHECK_ERR(msync(m + PAGE, PAGE, MS_INVALIDATE | MS_ASYNC), EBUSY);
	CHECK_ERR(msync(anon, 2 * PAGE, MS_INVALIDATE), EBUSY);
	/* The unlocked pages can; and locked ones can still be written back. */
	CHECK_EQ(msync(m, PAGE, MS_INVALIDATE), 0);
	CHECK_EQ(msync(m + 3 * PAGE, PAGE, MS_INVALIDATE), 0);
	CHECK_EQ(msync(anon + PAGE, PAGE, MS_INVALIDATE), 0);
	pat_fill(m + PAGE, 100, PAGE, 5);
	CHECK_EQ(msync(m, 4 * PAGE, MS_SYNC), 0);
	CHECK_PAT(fd, PAGE, 100, 5);
	/* Unlocked, the whole range can be invalidated again. */
	CHECK_EQ(munlock(m, 4 * PAGE), 0);
	CHECK_EQ(munlock(anon, 2 * PAGE), 0);
	CHECK_EQ(msync(m, 4 * PAGE, MS_INVALIDATE), 0);
	CHECK_EQ(msync(anon, 2 * PAGE, MS_INVALIDATE), 0);
	munmap(m, 4 * PAGE);
	close(fd);
	CHECK_OK(unlink("msync_locked"));
}

/* ---- mlock ----------------------------------------------------------- */

TEST(mlock_of_file_mappings_reads_the_file_and_keeps_copy_on_write)
{
	int fd = pat_file("mlock_file", 4 * PAGE, 6);
	char *shared, *priv;

	need_mlock();
	fsync_and_drop(fd);
	shared = map(4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	priv = map(4 * PAGE, RW, MAP_PRIVATE, fd, 0);
	/* Locking faults the pages in: from the disk, since the cache was dropped. */
	CHECK_EQ(mlock(shared, 4 * PAGE), 0);
	CHECK_EQ(mlock(priv, 4 * PAGE), 0);
	CHECK_HOLDS(shared, 0, 4 * PAGE, 6);
	CHECK_HOLDS(priv, 0, 4 * PAGE, 6);
	/* A locked private mapping is still a private one: the file does not change. */
	pat_fill(priv + PAGE, 10, PAGE, 7);
	CHECK_HOLDS(priv + PAGE, PAGE, 10, 7);
	CHECK_HOLDS(shared + PAGE, PAGE, 10, 6);
	CHECK_PAT(fd, 0, 4 * PAGE, 6);
	/* Locked pages cannot be thrown away... */
	CHECK_ERR(madvise(priv, 4 * PAGE, MADV_DONTNEED), EINVAL);
	CHECK_HOLDS(priv + PAGE, PAGE, 10, 7);
	/* ...until unlocked: then the private copy goes and the file's data is back. */
	CHECK_EQ(munlock(priv, 4 * PAGE), 0);
	CHECK_EQ(madvise(priv, 4 * PAGE, MADV_DONTNEED), 0);
	CHECK_HOLDS(priv, 0, 4 * PAGE, 6);
	CHECK_EQ(munlock(shared, 4 * PAGE), 0);
	munmap(shared, 4 * PAGE);
	munmap(priv, 4 * PAGE);
	close(fd);
	CHECK_OK(unlink("mlock_file"));
}

TEST(mlock_and_munlock_want_every_page_mapped)
{
	char *p = map(3 * PAGE, RW, ANON, -1, 0);
	int fd = pat_file("mlock_eof", PAGE, 8);
	char *m = map(2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);

	need_mlock();
	CHECK_OK(munmap(p + PAGE, PAGE));
	CHECK_ERR(mlock(p, 3 * PAGE), ENOMEM);
	CHECK_ERR(mlock(p + PAGE, PAGE), ENOMEM);
	CHECK_ERR(syscall(SYS_mlock2, p, 3 * PAGE, 0), ENOMEM);
	CHECK_ERR(munlock(p, 3 * PAGE), ENOMEM);
	CHECK_ERR(munlock(p + PAGE, PAGE), ENOMEM);
	/* Unknown mlock2 flags are refused before the range is looked at. */
	CHECK_ERR(syscall(SYS_mlock2, p, PAGE, 2), EINVAL);
	CHECK_ERR(syscall(SYS_mlock2, p, PAGE, 0x100), EINVAL);
	CHECK_ERR(syscall(SYS_mlock2, p, 3 * PAGE, 0x100), EINVAL);
	CHECK_EQ(syscall(SYS_mlock2, p, PAGE, MLOCK_ONFAULT), 0);
	CHECK_EQ(munlock(p, PAGE), 0);
	/* Unlocking what was never locked, and empty ranges, are no-ops. */
	CHECK_EQ(munlock(p + 2 * PAGE, PAGE), 0);
	CHECK_EQ(mlock(p + PAGE, 0), 0);
	CHECK_EQ(munlock(p + PAGE, 0), 0);
	/*
	 * A page past the end of the file cannot be faulted in (it would be
	 * SIGBUS): locking it fails, with ENOMEM.
	 */
	CHECK_ERR(mlock(m, 2 * PAGE), ENOMEM);
	CHECK_HOLDS(m, 0, PAGE, 8);
	munlock(m, 2 * PAGE);
	munmap(m, 2 * PAGE);
	close(fd);
	CHECK_OK(unlink("mlock_eof"));
}

TEST(mlockall_refuses_bad_flags)
{
	/* Flags are checked before the privilege: anyone gets EINVAL. */
	CHECK_ERR(mlockall(0), EINVAL);
	CHECK_ERR(mlockall(0x10), EINVAL);
	CHECK_ERR(mlockall(MCL_CURRENT | 0x10), EINVAL);
	/* MCL_ONFAULT only qualifies MCL_CURRENT or MCL_FUTURE. */
	CHECK_ERR(mlockall(MCL_ONFAULT), EINVAL);
	/* Nothing locked: munlockall has nothing to do. */
	CHECK_EQ(munlockall(), 0);
}

TEST(mlockall_locks_current_and_future_mappings_until_munlockall)
{
	int fd = pat_file("mlockall", 2 * PAGE, 9);
	char *before = map(2 * PAGE, RW, ANON, -1, 0), *anon, *file, *after;

	need_mlock();
	if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
		if (geteuid() != 0 && (errno == ENOMEM || errno == EPERM))
			utest_skip("RLIMIT_MEMLOCK too small for mlockall");
		CHECK(!"mlockall(MCL_CURRENT | MCL_FUTURE) succeeds");
		return;
	}
	CHECK_ERR(madvise(before, 2 * PAGE, MADV_DONTNEED), EINVAL);
	/* New mappings work as usual, and are locked. */
	anon = map(4 * PAGE, RW, ANON, -1, 0);
	file = map(2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	CHECK_HOLDS(anon, 0, 4 * PAGE, 0);
	memset(anon, 'a', 4 * PAGE);
	CHECK_HOLDS(file, 0, 2 * PAGE, 9);
	CHECK_ERR(madvise(anon, 4 * PAGE, MADV_DONTNEED), EINVAL);
	CHECK_ERR(msync(file, 2 * PAGE, MS_INVALIDATE), EBUSY);
	CHECK_EQ(anon[3 * PAGE], 'a');

	/* munlockall unlocks them all, and ends MCL_FUTURE. */
	CHECK_EQ(munlockall(), 0);
	CHECK_EQ(madvise(before, 2 * PAGE, MADV_DONTNEED), 0);
	CHECK_EQ(madvise(anon, 4 * PAGE, MADV_DONTNEED), 0);
	CHECK_HOLDS(anon, 0, 4 * PAGE, 0);
	CHECK_EQ(msync(file, 2 * PAGE, MS_INVALIDATE), 0);
	after = map(PAGE, RW, ANON, -1, 0);
	CHECK_EQ(madvise(after, PAGE, MADV_DONTNEED), 0);
	munmap(file, 2 * PAGE);
	close(fd);
	CHECK_OK(unlink("mlockall"));
}

/* ---- MAP_POPULATE ------------------------------------------------------ */

TEST(map_populate_of_a_file_has_its_data)
{
	int fd = pat_file("populate", 8 * PAGE, 10);
	char *shared, *priv;

	fsync_and_drop(fd);
	shared = map(8 * PAGE, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	priv = map(6 * PAGE, RW, MAP_PRIVATE | MAP_POPULATE, fd, 2 * PAGE);
	CHECK_HOLDS(shared, 0, 8 * PAGE, 10);
	CHECK_HOLDS(priv, 2 * PAGE, 6 * PAGE, 10);
	/* A populated private writable mapping is still copy-on-write. */
	pat_fill(priv, PAGE, 2 * PAGE, 11);
	CHECK_HOLDS(shared + 2 * PAGE, 2 * PAGE, PAGE, 10);
	CHECK_PAT(fd, 0, 8 * PAGE, 10);
	munmap(shared, 8 * PAGE);
	munmap(priv, 6 * PAGE);
	close(fd);
	CHECK_OK(unlink("populate"));
}

TEST(map_populate_of_a_shared_writable_mapping_writes_nothing)
{
	/* Data, a hole, data, and a partial last page. */
	const off_t size = 2 * PAGE + 100;
	const struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	int fd = pat_file("populate_rw", PAGE, 12);
	struct stat st;
	char *m;

	CHECK_OK(ftruncate(fd, size));
	pat_write(fd, 2 * PAGE, 100, 12);
	CHECK_OK(futimens(fd, old));
	/*
	 * The pages are read in, not written: a write fault would dirty
	 * them (and give the hole a block, and set the mtime).
	 */
	m = map(3 * PAGE, RW, MAP_SHARED | MAP_POPULATE, fd, 0);
	CHECK_HOLDS(m, 0, PAGE, 12);
	CHECK_HOLDS(m + PAGE, PAGE, PAGE, 0);
	CHECK_HOLDS(m + 2 * PAGE, 2 * PAGE, 100, 12);
	/* Past the end of the file, inside its last page: zeros. */
	CHECK_HOLDS(m + size, size, 3 * PAGE - size, 0);
	CHECK_OK(munmap(m, 3 * PAGE));
	fsync_and_drop(fd);
	CHECK_EQ(fd_size(fd), size);
	CHECK_PAT(fd, 0, PAGE, 12);
	CHECK_PAT(fd, PAGE, PAGE, 0);
	CHECK_PAT(fd, 2 * PAGE, 100, 12);
	REQUIRE(fstat(fd, &st) == 0);
	CHECK_EQ(st.st_mtim.tv_sec, 1000000000);
	close(fd);
	CHECK_OK(unlink("populate_rw"));
}

TEST(map_populate_past_the_end_of_the_file_succeeds_and_the_rest_is_sigbus)
{
	static const int flags[] = { MAP_SHARED, MAP_PRIVATE };
	int fd = pat_file("populate_eof", PAGE + 100, 13);

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		/* Four pages of a file that has two (the second partly). */
		char *m = mmap(NULL, 4 * PAGE, RW, flags[i] | MAP_POPULATE, fd, 0);

		if (!CHECK(m != MAP_FAILED))
			continue;
		CHECK_HOLDS(m, 0, PAGE + 100, 13);
		CHECK_HOLDS(m + PAGE + 100, PAGE + 100, PAGE - 100, 0);
		CHECK(dies_of(SIGBUS, read_byte, m + 2 * PAGE));
		CHECK(dies_of(SIGBUS, write_byte, m + 4 * PAGE - 1));
		munmap(m, 4 * PAGE);
	}
	CHECK_EQ(fd_size(fd), PAGE + 100);
	close(fd);
	CHECK_OK(unlink("populate_eof"));
}

/* ---- madvise ----------------------------------------------------------- */

TEST(madvise_willneed_on_file_mappings_reads_the_data)
{
	int fd = pat_file("willneed", 3 * PAGE, 14);
	char *shared, *priv;

	fsync_and_drop(fd);
	/* One page past the end of the file: advice about it is not an error. */
	shared = map(4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	priv = map(4 * PAGE, RW, MAP_PRIVATE, fd, 0);
	CHECK_EQ(madvise(shared, 4 * PAGE, MADV_WILLNEED), 0);
	CHECK_EQ(madvise(priv + PAGE, 3 * PAGE, MADV_WILLNEED), 0);
	CHECK_EQ(madvise(shared + 3 * PAGE, PAGE, MADV_WILLNEED), 0);
	CHECK_HOLDS(shared, 0, 3 * PAGE, 14);
	CHECK_HOLDS(priv, 0, 3 * PAGE, 14);
	munmap(shared, 4 * PAGE);
	munmap(priv, 4 * PAGE);
	close(fd);
	CHECK_OK(unlink("willneed"));
}

TEST(madvise_dontneed_keeps_the_data_of_a_shared_file_mapping)
{
	int fd = pat_file("dontneed_shared", 3 * PAGE, 15);
	char *m = map(3 * PAGE, RW, MAP_SHARED, fd, 0);

	pat_fill(m + PAGE - 10, PAGE, PAGE - 10, 16);
	CHECK_EQ(madvise(m, 3 * PAGE, MADV_DONTNEED), 0);
	/* The pages are the file's: faulted in again, with the stores. */
	CHECK_HOLDS(m, 0, PAGE - 10, 15);
	CHECK_HOLDS(m + PAGE - 10, PAGE - 10, PAGE, 16);
	CHECK_HOLDS(m + 2 * PAGE - 10, 2 * PAGE - 10, PAGE + 10, 15);
	CHECK_PAT(fd, PAGE - 10, PAGE, 16);
	/* And a write to the file afterwards shows in the mapping. */
	CHECK_EQ(madvise(m, 3 * PAGE, MADV_DONTNEED), 0);
	pat_write(fd, 2 * PAGE, 50, 17);
	CHECK_HOLDS(m + 2 * PAGE, 2 * PAGE, 50, 17);
	munmap(m, 3 * PAGE);
	close(fd);
	CHECK_OK(unlink("dontneed_shared"));
}

TEST(madvise_dontneed_drops_the_private_copies_of_a_file_mapping)
{
	int fd = pat_file("dontneed_private", 3 * PAGE, 18);
	char *m = map(3 * PAGE, RW, MAP_PRIVATE, fd, 0);

	pat_fill(m, 3 * PAGE, 0, 19);
	CHECK_PAT(fd, 0, 3 * PAGE, 18);
	/* Pages 1 and 2 lose their copies and show the file again; page 0 keeps its copy. */
	CHECK_EQ(madvise(m + PAGE, 2 * PAGE, MADV_DONTNEED), 0);
	CHECK_HOLDS(m, 0, PAGE, 19);
	CHECK_HOLDS(m + PAGE, PAGE, 2 * PAGE, 18);
	/* Still private: a new store makes a new copy. */
	pat_fill(m + PAGE, 10, PAGE, 20);
	CHECK_HOLDS(m + PAGE, PAGE, 10, 20);
	CHECK_PAT(fd, 0, 3 * PAGE, 18);
	munmap(m, 3 * PAGE);
	close(fd);
	CHECK_OK(unlink("dontneed_private"));
}

/* ---- mprotect ---------------------------------------------------------- */

TEST(shared_mapping_of_a_read_only_file_cannot_become_writable)
{
	int rw = pat_file("ro_shared", 2 * PAGE, 21);
	int ro = open("ro_shared", O_RDONLY), wo = open("ro_shared", O_WRONLY);
	char *m;

	REQUIRE(ro >= 0 && wo >= 0);
	CHECK(mmap(NULL, PAGE, RW, MAP_SHARED, ro, 0) == MAP_FAILED && errno == EACCES);
	CHECK(mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED && errno == EACCES);
	/* Any mapping reads: a file opened write-only cannot be mapped at all. */
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, wo, 0) == MAP_FAILED && errno == EACCES);
	m = map(2 * PAGE, PROT_READ, MAP_SHARED, ro, 0);
	CHECK_ERR(mprotect(m, 2 * PAGE, RW), EACCES);
	CHECK_ERR(mprotect(m + PAGE, PAGE, PROT_WRITE), EACCES);
	/* The mapping is as it was: readable, not writable. */
	CHECK_HOLDS(m, 0, 2 * PAGE, 21);
	CHECK(dies_of(SIGSEGV, write_byte, m + PAGE));
	CHECK_PAT(rw, 0, 2 * PAGE, 21);
	munmap(m, 2 * PAGE);
	close(ro);
	close(wo);
	close(rw);
	CHECK_OK(unlink("ro_shared"));
}

TEST(private_mapping_of_a_read_only_file_can_become_writable)
{
	int rw = pat_file("ro_private", 2 * PAGE, 22);
	int ro = open("ro_private", O_RDONLY);
	char *m, *direct;

	REQUIRE(ro >= 0);
	m = map(2 * PAGE, PROT_READ, MAP_PRIVATE, ro, 0);
	CHECK_EQ(mprotect(m, 2 * PAGE, RW), 0);
	pat_fill(m + 100, PAGE, 100, 23);
	/* Mapped writable and private from the start, too. */
	direct = map(PAGE, RW, MAP_PRIVATE, ro, PAGE);
	direct[5] = 'd';
	/* The stores stay in the process's copies. */
	CHECK_HOLDS(m + 100, 100, PAGE, 23);
	CHECK_PAT(rw, 0, 2 * PAGE, 22);
	fsync_and_drop(rw);
	CHECK_PAT(rw, 0, 2 * PAGE, 22);
	munmap(m, 2 * PAGE);
	munmap(direct, PAGE);
	close(ro);
	close(rw);
	CHECK_OK(unlink("ro_private"));
}

TEST(mprotect_makes_a_read_only_shared_file_mapping_writable)
{
	int fd = pat_file("mprotect_rw", 3 * PAGE, 24);
	char *m = map(3 * PAGE, PROT_READ, MAP_SHARED, fd, 0);

	CHECK(dies_of(SIGSEGV, write_byte, m + PAGE));
	CHECK_PAT(fd, 0, 3 * PAGE, 24);
	/* Writable now (the middle page only): the stores reach the file. */
	CHECK_EQ(mprotect(m + PAGE, PAGE, RW), 0);
	pat_fill(m + PAGE, PAGE, PAGE, 25);
	CHECK_PAT(fd, PAGE, PAGE, 25);
	CHECK(dies_of(SIGSEGV, write_byte, m));
	CHECK(dies_of(SIGSEGV, write_byte, m + 2 * PAGE));
	CHECK_OK(munmap(m, 3 * PAGE));
	fsync_and_drop(fd);
	CHECK_PAT(fd, 0, PAGE, 24);
	CHECK_PAT(fd, PAGE, PAGE, 25);
	CHECK_PAT(fd, 2 * PAGE, PAGE, 24);
	close(fd);
	CHECK_OK(unlink("mprotect_rw"));
}

TEST(mprotect_none_and_back_keeps_a_file_mappings_content)
{
	int fd = pat_file("mprotect_none", 2 * PAGE, 26);
	char *m = map(2 * PAGE, RW, MAP_SHARED, fd, 0);

	pat_fill(m + 1000, 100, 1000, 27);
	CHECK_EQ(mprotect(m, 2 * PAGE, PROT_NONE), 0);
	CHECK(dies_of(SIGSEGV, read_byte, m));
	CHECK(dies_of(SIGSEGV, read_byte, m + 2 * PAGE - 1));
	/* A write to the file meanwhile: seen once readable again. */
	pat_write(fd, PAGE, 10, 28);
	CHECK_EQ(mprotect(m, 2 * PAGE, PROT_READ), 0);
	CHECK_HOLDS(m, 0, 1000, 26);
	CHECK_HOLDS(m + 1000, 1000, 100, 27);
	CHECK_HOLDS(m + PAGE, PAGE, 10, 28);
	CHECK_HOLDS(m + PAGE + 10, PAGE + 10, PAGE - 10, 26);
	CHECK(dies_of(SIGSEGV, write_byte, m));
	munmap(m, 2 * PAGE);
	close(fd);
	CHECK_OK(unlink("mprotect_none"));
}

/* ---- mremap ------------------------------------------------------------ */

/*
 * The mremap tests run twice: on anonymous memory (fd -1) filled with
 * pattern seed, and on a shared mapping of a file (fd) that holds
 * pattern seed over at least 4 pages.  Grown, anonymous memory gets zero
 * pages, a file mapping the file's next pages.
 */
static char *filled(int fd, size_t pages, unsigned seed)
{
	char *p = map(pages * PAGE, RW, fd < 0 ? ANON : MAP_SHARED, fd, 0);

	if (fd < 0)
		pat_fill(p, pages * PAGE, 0, seed);
	return p;
}

static unsigned grown(int fd, unsigned seed)
{
	return fd < 0 ? 0 : seed;
}

/* Run check on anonymous memory, then on a mapping of a new file named name. */
static void anon_and_file(void (*check)(int fd, unsigned seed), const char *name, unsigned seed)
{
	int fd = pat_file(name, 4 * PAGE, seed);

	check(-1, seed + 1);
	check(fd, seed);
	close(fd);
	CHECK_OK(unlink(name));
}

static void shrink(int fd, unsigned seed)
{
	char *p = filled(fd, 4, seed);

	/* The new length rounds up to a page: two are left. */
	CHECK(mremap_(p, 4 * PAGE, PAGE + 1, 0, NULL) == p);
	CHECK_HOLDS(p, 0, 2 * PAGE, seed);
	CHECK(dies_of(SIGSEGV, read_byte, p + 2 * PAGE));
	CHECK(dies_of(SIGSEGV, read_byte, p + 4 * PAGE - 1));
	munmap(p, 2 * PAGE);
}

TEST(mremap_shrinks_in_place_and_unmaps_the_tail)
{
	anon_and_file(shrink, "mremap_shrink", 30);
}

static void grow_in_place(int fd, unsigned seed)
{
	char *p = filled(fd, 4, seed);

	CHECK_OK(munmap(p + 2 * PAGE, 2 * PAGE));
	/* The space after is free: the mapping grows where it is. */
	REQUIRE(mremap_(p, 2 * PAGE, 4 * PAGE, 0, NULL) == p);
	CHECK_HOLDS(p, 0, 2 * PAGE, seed);
	CHECK_HOLDS(p + 2 * PAGE, 2 * PAGE, 2 * PAGE, grown(fd, seed));
	/* The new pages are as writable as the old. */
	p[4 * PAGE - 1] = 'g';
	CHECK_EQ(p[4 * PAGE - 1], 'g');
	munmap(p, 4 * PAGE);
}

TEST(mremap_grows_in_place_when_the_space_after_is_free)
{
	anon_and_file(grow_in_place, "mremap_grow", 32);
}

static void grow_by_moving(int fd, unsigned seed)
{
	char *p = filled(fd, 3, seed), *q;
	char *next = p + 2 * PAGE;

	/* Another mapping right after the first two pages. */
	REQUIRE(mmap(next, PAGE, PROT_READ, ANON | MAP_FIXED, -1, 0) == next);
	CHECK_ERR(mremap_(p, 2 * PAGE, 3 * PAGE, 0, NULL), ENOMEM);
	q = mremap_(p, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE, NULL);
	REQUIRE(q != MAP_FAILED);
	CHECK(q != p);
	CHECK_HOLDS(q, 0, 2 * PAGE, seed);
	CHECK_HOLDS(q + 2 * PAGE, 2 * PAGE, 2 * PAGE, grown(fd, seed));
	/* The old address is no longer mapped; the neighbour is untouched. */
	CHECK(dies_of(SIGSEGV, read_byte, p));
	CHECK(dies_of(SIGSEGV, read_byte, p + 2 * PAGE - 1));
	CHECK_HOLDS(next, 0, PAGE, 0);
	CHECK(dies_of(SIGSEGV, write_byte, next));
	munmap(q, 4 * PAGE);
	munmap(next, PAGE);
}

TEST(mremap_maymove_moves_when_the_space_after_is_taken)
{
	anon_and_file(grow_by_moving, "mremap_move", 34);
}

static void move_to_fixed(int fd, unsigned seed)
{
	char *p = filled(fd, 2, seed);
	char *t = map(3 * PAGE, RW, ANON, -1, 0), *u = map(3 * PAGE, RW, ANON, -1, 0);

	memset(t, 'T', 3 * PAGE);
	memset(u, 'U', 3 * PAGE);
	/* Onto the first two pages of t, which are replaced. */
	REQUIRE(mremap_(p, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, t) == t);
	CHECK_HOLDS(t, 0, 2 * PAGE, seed);
	CHECK_EQ(t[2 * PAGE], 'T');
	CHECK(dies_of(SIGSEGV, read_byte, p));
	/* Moved and grown at once, over all of u. */
	REQUIRE(mremap_(t, 2 * PAGE, 3 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, u) == u);
	CHECK_HOLDS(u, 0, 2 * PAGE, seed);
	CHECK_HOLDS(u + 2 * PAGE, 2 * PAGE, PAGE, grown(fd, seed));
	CHECK(dies_of(SIGSEGV, read_byte, t));
	CHECK_EQ(t[2 * PAGE], 'T');
	munmap(u, 3 * PAGE);
	munmap(t + 2 * PAGE, PAGE);
}

TEST(mremap_fixed_moves_to_the_chosen_address_replacing_what_was_there)
{
	anon_and_file(move_to_fixed, "mremap_fixed", 36);
}

TEST(mremap_refuses_bad_arguments)
{
	char *p = map(4 * PAGE, RW, ANON, -1, 0);
	char *next = p + 2 * PAGE, *gone = p + 3 * PAGE;

	/* Two pages, a read-only neighbour (a mapping of its own), an unmapped page. */
	pat_fill(p, 2 * PAGE, 0, 38);
	CHECK_OK(mprotect(next, PAGE, PROT_READ));
	CHECK_OK(munmap(gone, PAGE));

	CHECK_ERR(mremap_(p + 1, PAGE, PAGE, 0, NULL), EINVAL);
	CHECK_ERR(mremap_(p, PAGE, 0, 0, NULL), EINVAL);
	CHECK_ERR(mremap_(p, PAGE, 0, MREMAP_MAYMOVE, NULL), EINVAL);
	CHECK_ERR(mremap_(p, PAGE, PAGE, 8, NULL), EINVAL);
	/* MREMAP_FIXED needs MREMAP_MAYMOVE, an aligned target, and one apart from the source. */
	CHECK_ERR(mremap_(p, PAGE, PAGE, MREMAP_FIXED, gone), EINVAL);
	CHECK_ERR(mremap_(p, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, gone + 1), EINVAL);
	CHECK_ERR(mremap_(p, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, p), EINVAL);
	CHECK_ERR(mremap_(p, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, p + PAGE), EINVAL);
	CHECK_ERR(mremap_(p + PAGE, PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, p), EINVAL);
	/* The old range must lie in one mapping. */
	CHECK_ERR(mremap_(gone, PAGE, 2 * PAGE, 0, NULL), EFAULT);
	CHECK_ERR(mremap_(gone, PAGE, PAGE, MREMAP_MAYMOVE, NULL), EFAULT);
	CHECK_ERR(mremap_(p + PAGE, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE, NULL), EFAULT);
	CHECK_ERR(mremap_(next, 2 * PAGE, 3 * PAGE, MREMAP_MAYMOVE, NULL), EFAULT);
	/* Growing in place into the neighbour. */
	CHECK_ERR(mremap_(p, 2 * PAGE, 3 * PAGE, 0, NULL), ENOMEM);
	/* The same size is a no-op; lengths round up to pages. */
	CHECK(mremap_(p, 2 * PAGE, 2 * PAGE, 0, NULL) == p);
	CHECK(mremap_(p, PAGE + 1, 2 * PAGE - 1, 0, NULL) == p);
	/* Nothing moved. */
	CHECK_HOLDS(p, 0, 2 * PAGE, 38);
	CHECK(dies_of(SIGSEGV, write_byte, next));
	CHECK(dies_of(SIGSEGV, read_byte, gone));
}

TEST(mremap_moved_file_mapping_still_maps_the_same_file_pages)
{
	int fd = pat_file("mremap_file", 6 * PAGE, 40);
	/* File pages 1 and 2, then a neighbour that keeps them from growing in place. */
	char *m = map(3 * PAGE, RW, MAP_SHARED, fd, PAGE), *q;

	REQUIRE(mmap(m + 2 * PAGE, PAGE, PROT_NONE, ANON | MAP_FIXED, -1, 0) == m + 2 * PAGE);
	q = mremap_(m, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE, NULL);
	REQUIRE(q != MAP_FAILED && q != m);
	/* File pages 1 to 4 now. */
	CHECK_HOLDS(q, PAGE, 4 * PAGE, 40);
	/* Stores through the new address, in an old page and a new one, reach the file. */
	pat_fill(q + 10, 20, PAGE + 10, 41);
	pat_fill(q + 3 * PAGE + 5, 20, 4 * PAGE + 5, 41);
	CHECK_PAT(fd, PAGE + 10, 20, 41);
	CHECK_PAT(fd, 4 * PAGE + 5, 20, 41);
	/* And writes to the file show at the new address. */
	pat_write(fd, 2 * PAGE, 30, 42);
	CHECK_HOLDS(q + PAGE, 2 * PAGE, 30, 42);
	CHECK_OK(munmap(q, 4 * PAGE));
	fsync_and_drop(fd);
	CHECK_PAT(fd, 0, PAGE + 10, 40);
	CHECK_PAT(fd, PAGE + 10, 20, 41);
	CHECK_PAT(fd, 2 * PAGE, 30, 42);
	CHECK_PAT(fd, 4 * PAGE + 5, 20, 41);
	CHECK_PAT(fd, 4 * PAGE + 25, 2 * PAGE - 25, 40);
	CHECK_EQ(fd_size(fd), 6 * PAGE);
	munmap(m + 2 * PAGE, PAGE);
	close(fd);
	CHECK_OK(unlink("mremap_file"));
}

TEST(mremap_moves_the_private_copies_of_a_file_mapping)
{
	int fd = pat_file("mremap_private", 4 * PAGE, 43);
	char *m = map(2 * PAGE, RW, MAP_PRIVATE, fd, 0), *t = map(4 * PAGE, PROT_NONE, ANON, -1, 0);

	/* Page 0 gets a private copy, page 1 stays the file's. */
	pat_fill(m + 100, 50, 100, 44);
	REQUIRE(mremap_(m, 2 * PAGE, 3 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, t + PAGE) == t + PAGE);
	m = t + PAGE;
	CHECK_HOLDS(m, 0, 100, 43);
	CHECK_HOLDS(m + 100, 100, 50, 44);
	CHECK_HOLDS(m + 150, 150, 3 * PAGE - 150, 43);
	/* Still private after the move. */
	pat_fill(m + 2 * PAGE, 10, 2 * PAGE, 45);
	CHECK_PAT(fd, 0, 4 * PAGE, 43);
	munmap(t, 4 * PAGE);
	close(fd);
	CHECK_OK(unlink("mremap_private"));
}

TEST(shared_anonymous_memory_moved_by_mremap_stays_shared_with_a_child)
{
	volatile char *s = map(2 * PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0), *q;
	char *t = map(4 * PAGE, PROT_NONE, ANON, -1, 0);
	int go[2];
	pid_t pid;
	char c;

	REQUIRE(pipe(go) == 0);
	s[PAGE] = 'p';
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		/* Still at the old address here: wait for the parent's stores after its move. */
		close(go[1]);
		read(go[0], &c, 1);
		s[1] = 'c';
		_exit(s[0] == 'm' && s[PAGE] == 'M' ? 0 : 1);
	}
	close(go[0]);
	q = mremap_((void *)s, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, t + PAGE);
	REQUIRE(q == t + PAGE);
	CHECK_EQ(q[PAGE], 'p');
	q[0] = 'm';
	q[PAGE] = 'M';
	CHECK_EQ(write(go[1], "g", 1), 1);
	CHECK(exited_with(wait_status(pid), 0));
	CHECK_EQ(q[1], 'c');
	/*
	 * Grown, it is still the same two-page object: the new page lies
	 * past its end, and touching it is SIGBUS.
	 */
	q = mremap_((void *)q, 2 * PAGE, 3 * PAGE, MREMAP_MAYMOVE, NULL);
	REQUIRE(q != MAP_FAILED);
	CHECK_EQ(q[0], 'm');
	CHECK(works(read_byte, (char *)q + 2 * PAGE - 1));
	CHECK(dies_of(SIGBUS, read_byte, (char *)q + 2 * PAGE));
	close(go[1]);
}
