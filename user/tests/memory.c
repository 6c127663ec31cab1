/*
 * Memory system calls: brk, mmap/munmap/mprotect/madvise on anonymous
 * memory, and the faults that follow bad accesses.
 *
 * A bad access is made in a child of the test, whose death by SIGSEGV is
 * the expected result (core dumps disabled, so nothing lands on disk).
 */
#include "utest.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096UL
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* The access, made in a child, kills it with SIGSEGV. */
static int faults(void (*access)(void *), void *p)
{
	return killed_by(run_in_child(access, p), SIGSEGV);
}

/* The access, made in a child, works. */
static int works(void (*access)(void *), void *p)
{
	return exited_with(run_in_child(access, p), 0);
}

static char *map(size_t len)
{
	char *p = mmap(NULL, len, RW, ANON, -1, 0);

	REQUIRE(p != MAP_FAILED);
	return p;
}

static int all_bytes(const volatile char *p, size_t len, char c)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

/* ---- brk ------------------------------------------------------------- */

static uintptr_t brk_(uintptr_t addr)
{
	return (uintptr_t)syscall(SYS_brk, addr);
}

/*
 * No malloc between these calls: musl's malloc moves the break too.
 */
TEST(brk_grows_shrinks_and_refuses_bad_values)
{
	uintptr_t start = brk_(0), want, top;

	REQUIRE(start != 0);
	/* The break need not be page aligned: brk returns exactly what we ask. */
	want = start + 5 * PAGE + 123;
	CHECK_EQ(brk_(want), want);
	CHECK_EQ(brk_(0), want);
	/* New heap memory is zero and writable up to the break. */
	CHECK(all_bytes((char *)start, want - start, 0));
	memset((char *)start, 0x5a, want - start);
	CHECK(all_bytes((char *)start, want - start, 0x5a));

	/* Shrink: the pages wholly above the new break are gone. */
	top = (start + PAGE - 1) & ~(PAGE - 1);
	CHECK_EQ(brk_(start), start);
	CHECK(faults(read_byte, (char *)top + PAGE));
	/* Grow again: fresh zero pages, the old contents are not back. */
	CHECK_EQ(brk_(want), want);
	CHECK(all_bytes((char *)top, want - top, 0));
	CHECK_EQ(brk_(start), start);

	/*
	 * On failure Linux's brk does not return -errno: it returns the
	 * current break unchanged.  Below the heap's start, and into the
	 * top of the user address space:
	 */
	CHECK_EQ(brk_(PAGE), start);
	CHECK_EQ(brk_((1UL << 47) - PAGE), start);
	CHECK_EQ(brk_(0), start);
}

/* sbrk built on the raw system call. */
static void *sbrk_(intptr_t inc)
{
	uintptr_t old = brk_(0);

	if (brk_(old + inc) != old + inc)
		return (void *)-1;
	return (void *)old;
}

TEST(sbrk_via_raw_brk_is_contiguous)
{
	char *a = sbrk_(100), *b = sbrk_(PAGE * 3), *c = sbrk_(0);

	REQUIRE(a != (void *)-1 && b != (void *)-1);
	CHECK(b == a + 100);
	CHECK(c == b + PAGE * 3);
	memset(a, 'a', 100);
	memset(b, 'b', PAGE * 3);
	CHECK(all_bytes(a, 100, 'a'));
	CHECK(all_bytes(b, PAGE * 3, 'b'));
	CHECK(sbrk_(-(intptr_t)(PAGE * 3 + 100)) == c);
	CHECK(sbrk_(0) == a);
}

/* ---- mmap ------------------------------------------------------------ */

TEST(anonymous_memory_is_demand_zero)
{
	char *p = map(64 * PAGE);

	CHECK_EQ((uintptr_t)p % PAGE, 0);
	/* Read first (the zero page may back it), then write, then read again. */
	CHECK(all_bytes(p, 64 * PAGE, 0));
	for (size_t i = 0; i < 64 * PAGE; i += PAGE)
		p[i + i / PAGE] = (char)(i / PAGE + 1);
	for (size_t i = 0; i < 64 * PAGE; i += PAGE) {
		CHECK_EQ(p[i + i / PAGE], (char)(i / PAGE + 1));
		CHECK_EQ(p[i + PAGE - 1 - 64], 0);
	}
	CHECK_EQ(munmap(p, 64 * PAGE), 0);
}

TEST(anonymous_mappings_across_fork_shared_vs_private)
{
	volatile char *shared = mmap(NULL, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	volatile char *private = map(PAGE);
	int go[2], up[2];
	pid_t pid;
	char c;

	REQUIRE(shared != MAP_FAILED);
	REQUIRE(pipe(go) == 0 && pipe(up) == 0);
	shared[0] = 'p';
	private[0] = 'p';
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		shared[0] = 'c';
		private[0] = 'c';
		shared[1] = 'c';
		write(up[1], "w", 1);
		/* Wait for the parent's write to the shared page. */
		read(go[0], &c, 1);
		_exit(shared[2] == 'P' ? 0 : 1);
	}
	/* Once the child has written, its 'c' must show up here. */
	CHECK_EQ(read(up[0], &c, 1), 1);
	CHECK_EQ(shared[0], 'c');
	CHECK_EQ(private[0], 'p');
	shared[2] = 'P';
	write(go[1], "g", 1);
	CHECK_EQ(wait_status(pid), 0);
	/* The shared page outlives the child. */
	CHECK_EQ(shared[1], 'c');
}

TEST(mprotect_read_only_makes_writes_fault)
{
	char *p = map(2 * PAGE);

	memset(p, 'x', 2 * PAGE);
	CHECK_EQ(mprotect(p, PAGE, PROT_READ), 0);
	CHECK(works(read_byte, p));
	CHECK(faults(write_byte, p + 10));
	/* Only the first page changed. */
	CHECK(works(write_byte, p + PAGE));
	CHECK_EQ(p[0], 'x');
}

TEST(mprotect_none_faults_and_rw_keeps_contents)
{
	char *p = map(3 * PAGE);

	memset(p, 'k', 3 * PAGE);
	CHECK_EQ(mprotect(p, 3 * PAGE, PROT_NONE), 0);
	CHECK(faults(read_byte, p));
	CHECK(faults(read_byte, p + 2 * PAGE + 5));
	CHECK(faults(write_byte, p + PAGE));
	CHECK_EQ(mprotect(p, 3 * PAGE, RW), 0);
	CHECK(all_bytes(p, 3 * PAGE, 'k'));
	p[PAGE] = 'w';
	CHECK_EQ(p[PAGE], 'w');
}

TEST(map_fixed_replaces_part_of_a_mapping_but_a_hint_does_not)
{
	char *p = map(4 * PAGE), *q;

	memset(p, 'A', 4 * PAGE);
	q = mmap(p + PAGE, 2 * PAGE, PROT_READ, ANON | MAP_FIXED, -1, 0);
	CHECK(q == p + PAGE);
	/* The replaced pages are new zero pages with the new protection. */
	CHECK(all_bytes(p + PAGE, 2 * PAGE, 0));
	CHECK(faults(write_byte, p + PAGE));
	/* The rest keeps contents and protection. */
	CHECK(all_bytes(p, PAGE, 'A'));
	CHECK(all_bytes(p + 3 * PAGE, PAGE, 'A'));
	CHECK(works(write_byte, p + 3 * PAGE));

	/* Without MAP_FIXED the address is only a hint: we get elsewhere. */
	q = mmap(p, PAGE, RW, ANON, -1, 0);
	REQUIRE(q != MAP_FAILED);
	CHECK(q + PAGE <= p || q >= p + 4 * PAGE);
	CHECK(all_bytes(p, PAGE, 'A'));
}

TEST(munmap_middle_page_splits_mapping)
{
	char *p = map(3 * PAGE);

	memset(p, 'a', PAGE);
	memset(p + PAGE, 'b', PAGE);
	memset(p + 2 * PAGE, 'c', PAGE);
	CHECK_EQ(munmap(p + PAGE, PAGE), 0);
	CHECK(all_bytes(p, PAGE, 'a'));
	CHECK(all_bytes(p + 2 * PAGE, PAGE, 'c'));
	CHECK(faults(read_byte, p + PAGE));
	CHECK(faults(read_byte, p + 2 * PAGE - 1));
	/* Both halves are independent mappings: each can go on its own. */
	CHECK_EQ(munmap(p, PAGE), 0);
	CHECK(all_bytes(p + 2 * PAGE, PAGE, 'c'));
	CHECK(faults(read_byte, p));
	CHECK_EQ(munmap(p + 2 * PAGE, PAGE), 0);
	CHECK(faults(read_byte, p + 2 * PAGE));
}

TEST(madvise_dontneed_zeroes_private_but_not_shared)
{
	char *priv = map(4 * PAGE);
	char *shared = mmap(NULL, 4 * PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	REQUIRE(shared != MAP_FAILED);
	memset(priv, 0xaa, 4 * PAGE);
	memset(shared, 0xbb, 4 * PAGE);
	CHECK_EQ(madvise(priv + PAGE, 2 * PAGE, MADV_DONTNEED), 0);
	/* Private anonymous pages are thrown away: they read back as zero. */
	CHECK(all_bytes(priv + PAGE, 2 * PAGE, 0));
	CHECK(all_bytes(priv, PAGE, (char)0xaa));
	CHECK(all_bytes(priv + 3 * PAGE, PAGE, (char)0xaa));
	/* Shared anonymous memory lives in an object: the data comes back. */
	CHECK_EQ(madvise(shared, 4 * PAGE, MADV_DONTNEED), 0);
	CHECK(all_bytes(shared, 4 * PAGE, (char)0xbb));
}

TEST(invalid_mapping_arguments_are_einval)
{
	char *p = map(2 * PAGE);

	CHECK(mmap(NULL, 0, RW, ANON, -1, 0) == MAP_FAILED && errno == EINVAL);
	CHECK(mmap(p + 1, PAGE, RW, ANON | MAP_FIXED, -1, 0) == MAP_FAILED &&
	      errno == EINVAL);
	/* Neither MAP_PRIVATE nor MAP_SHARED. */
	CHECK(mmap(NULL, PAGE, RW, MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL);
	/* The offset must be page aligned even for anonymous memory (raw: musl checks too). */
	CHECK_ERR(syscall(SYS_mmap, 0, PAGE, RW, ANON, -1, 1), EINVAL);
	/* Not anonymous, so fd -1 is a bad descriptor. */
	CHECK(mmap(NULL, PAGE, RW, MAP_PRIVATE, -1, 0) == MAP_FAILED && errno == EBADF);
	/*
	 * Unknown protection bits: mprotect refuses them, but mmap (for
	 * historical reasons) ignores them.
	 */
	CHECK_ERR(mprotect(p, PAGE, RW | 0x10), EINVAL);
	CHECK(mmap(NULL, PAGE, RW | 0x10, ANON, -1, 0) != MAP_FAILED);
	/* Raw: musl's mprotect() rounds the address down to a page. */
	CHECK_ERR(syscall(SYS_mprotect, p + 1, PAGE, PROT_READ), EINVAL);
	CHECK_ERR(munmap(p + 1, PAGE), EINVAL);
	CHECK_ERR(munmap(p, 0), EINVAL);
	/* A range reaching into the kernel half. */
	CHECK_ERR(munmap((void *)0xffff800000000000UL, PAGE), EINVAL);
	CHECK_ERR(madvise(p, PAGE, 12345), EINVAL);
	/* The mapping is still intact after all that. */
	p[0] = 1;
	CHECK(works(write_byte, p + PAGE));
}

TEST(munmap_makes_access_fault_and_tolerates_holes)
{
	char *p = map(3 * PAGE);

	memset(p, 1, 3 * PAGE);
	CHECK(works(read_byte, p + PAGE));
	CHECK_EQ(munmap(p + PAGE, PAGE), 0);
	CHECK(faults(read_byte, p + PAGE));
	CHECK(faults(write_byte, p + PAGE));
	/* munmap of a hole is not an error... */
	CHECK_EQ(munmap(p + PAGE, PAGE), 0);
	/* ...but mprotect and madvise want every page mapped. */
	CHECK_ERR(mprotect(p + PAGE, PAGE, PROT_READ), ENOMEM);
	CHECK_ERR(mprotect(p, 3 * PAGE, PROT_READ), ENOMEM);
	CHECK_ERR(madvise(p + PAGE, PAGE, MADV_DONTNEED), ENOMEM);
	/* A range spanning the hole can be unmapped at once. */
	CHECK_EQ(munmap(p, 3 * PAGE), 0);
	CHECK(faults(read_byte, p));
	CHECK(faults(write_byte, p + 2 * PAGE));
}

TEST(huge_mmap_length_is_enomem)
{
	/* Larger than the whole user address space (128 TiB). */
	CHECK(mmap(NULL, 1UL << 50, RW, ANON, -1, 0) == MAP_FAILED && errno == ENOMEM);
	CHECK(mmap(NULL, 1UL << 50, PROT_NONE, ANON | MAP_NORESERVE, -1, 0) == MAP_FAILED &&
	      errno == ENOMEM);
	/* Rounding the length up to a page wraps to 0 (musl would hide this). */
	CHECK_ERR(syscall(SYS_mmap, 0, ~0UL, RW, ANON, -1, 0), ENOMEM);
}

TEST(large_mapping_touched_sparsely)
{
	const size_t len = 64UL << 20;
	char *p = mmap(NULL, len, RW, ANON | MAP_NORESERVE, -1, 0);

	REQUIRE(p != MAP_FAILED);
	/* One byte per MiB: 64 pages of real memory for a 64 MiB range. */
	for (size_t off = 0; off < len; off += 1 << 20)
		p[off + (off >> 20) * 8] = (char)(off >> 20);
	for (size_t off = 0; off < len; off += 1 << 20) {
		CHECK_EQ(p[off + (off >> 20) * 8], (char)(off >> 20));
		/* Untouched pages in between still read as zero. */
		CHECK_EQ(p[off + (1 << 19)], 0);
	}
	CHECK_EQ(p[len - 1], 0);
	CHECK_EQ(munmap(p, len), 0);
}

/* A 64 KiB frame per call; touching it grows the main stack downwards. */
static __attribute__((noinline)) long deep(int n)
{
	volatile char buf[64 * 1024];

	buf[sizeof(buf) - 1] = (char)n;
	buf[0] = (char)n;
	return (n ? deep(n - 1) : 0) + buf[0] + buf[sizeof(buf) - 1];
}

TEST(main_stack_grows_on_demand)
{
	/* 2 MiB below the current frame, well inside the usual 8 MiB limit. */
	CHECK_EQ(deep(32), 2 * (32 * 33 / 2));
}
