/*
 * Bad user pointers.  Every pointer a system call gets from user space is
 * checked and copied with fault handling: a bad one is EFAULT (or, for a
 * transfer that faults part-way, whatever Linux returns), never a crash
 * of the caller or of the kernel.
 *
 * The "bad" pointers: NULL, 1 (both in the never-mapped first page), the
 * first non-canonical address (touching it would be a #GP, not a #PF),
 * the start of the kernel half, and the kernel's text at -2 GiB.
 *
 * Where musl's wrapper would touch a pointer itself (the stat family
 * converts through a struct of its own, getcwd allocates for NULL), the
 * raw syscall is used so that the kernel is what gets tested.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static void *const bad_ptrs[] = {
	NULL,
	(void *)1,
	(void *)0x0000800000000000UL,
	(void *)0xffff800000000000UL,
	(void *)0xffffffff80000000UL,
};
#define NBAD (sizeof(bad_ptrs) / sizeof(bad_ptrs[0]))

/* Inside a loop over bad_ptrs (variable bad): EFAULT, naming the pointer. */
#define CHECK_EFAULT(expr)                                                    \
	do {                                                                  \
		if (!CHECK_ERR(expr, EFAULT))                                 \
			utest_printf("#     (bad pointer %p)\n", (void *)bad); \
	} while (0)

/* A file holding n bytes of 'a', 'b', 'c', ..., opened O_RDWR at offset 0. */
static int data_file(const char *name, size_t n)
{
	char buf[512];
	int fd = open(name, O_CREAT | O_TRUNC | O_RDWR, 0644);

	REQUIRE(fd >= 0 && n <= sizeof(buf));
	for (size_t i = 0; i < n; i++)
		buf[i] = 'a' + i % 26;
	REQUIRE(write(fd, buf, n) == (ssize_t)n);
	REQUIRE(lseek(fd, 0, SEEK_SET) == 0);
	return fd;
}

static off_t size_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_size : -1;
}

/*
 * The end of a mapped page whose successor is unmapped: a buffer at
 * edge - k has k good bytes.  Tests that use it make no mappings after,
 * so nothing can land in the hole.
 */
static char *edge_of_mapping(void)
{
	char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	REQUIRE(m != MAP_FAILED);
	REQUIRE(munmap(m + PAGE, PAGE) == 0);
	memset(m, '.', PAGE);
	return m + PAGE;
}

/* The lowest free descriptor number (to show that nothing leaked). */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY);

	if (fd >= 0)
		close(fd);
	return fd;
}

TEST(read_write_with_bad_buffer_are_efault)
{
	char buf[16];
	int fd = data_file("rw", 100), out, z, p[2];

	z = open("/dev/zero", O_RDONLY);
	out = open("rw_out", O_CREAT | O_TRUNC | O_RDWR, 0644);
	REQUIRE(z >= 0 && out >= 0);
	REQUIRE(pipe2(p, O_NONBLOCK) == 0);
	REQUIRE(write(p[1], "pipe data", 9) == 9);
	for (size_t i = 0; i < NBAD; i++) {
		void *bad = bad_ptrs[i];
		struct iovec iov[1] = { { bad, 10 } };

		CHECK_EFAULT(read(fd, bad, 10));
		CHECK_EFAULT(pread(fd, bad, 10, 0));
		CHECK_EFAULT(readv(fd, iov, 1));
		CHECK_EFAULT(readv(fd, (struct iovec *)bad, 1));
		CHECK_EFAULT(read(z, bad, 10));
		CHECK_EFAULT(write(out, bad, 10));
		CHECK_EFAULT(pwrite(out, bad, 10, 0));
		CHECK_EFAULT(writev(out, iov, 1));
		CHECK_EFAULT(writev(out, (struct iovec *)bad, 1));
		CHECK_EFAULT(read(p[0], bad, 10));
		CHECK_EFAULT(write(p[1], bad, 10));
	}
	/* The failures moved no offsets and transferred nothing. */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	CHECK_EQ(lseek(out, 0, SEEK_CUR), 0);
	CHECK_EQ(size_of(out), 0);
	/* The pipe still holds exactly what was put in. */
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 9);
	CHECK(memcmp(buf, "pipe data", 9) == 0);
	CHECK_ERR(read(p[0], buf, 1), EAGAIN);
	/* A zero-length iovec array is not touched. */
	CHECK_EQ(writev(out, NULL, 0), 0);

	close(p[0]);
	close(p[1]);
	close(z);
	close(out);
	close(fd);
	unlink("rw");
	unlink("rw_out");
}

TEST(dev_null_checks_range_but_never_touches_buffer)
{
	int n = open("/dev/null", O_RDWR);

	REQUIRE(n >= 0);
	/*
	 * write() only checks that the range lies in the user half; /dev/null
	 * then ignores the bytes.  So a NULL buffer "succeeds" on Linux while
	 * a kernel or non-canonical one is EFAULT.  read() returns EOF
	 * before any copy.
	 */
	CHECK_EQ(write(n, NULL, 10), 10);
	CHECK_EQ(write(n, (void *)1, 10), 10);
	CHECK_EQ(read(n, NULL, 10), 0);
	for (size_t i = 2; i < NBAD; i++) {
		void *bad = bad_ptrs[i];

		CHECK_EFAULT(write(n, bad, 10));
		CHECK_EFAULT(read(n, bad, 10));
	}
	/* Zero bytes at a user address are never touched, anywhere. */
	CHECK_EQ(read(n, NULL, 0), 0);
	CHECK_EQ(write(n, NULL, 0), 0);
	/* ...but even zero bytes at a kernel address fail the range check. */
	CHECK_ERR(write(n, (void *)0xffffffff80000000UL, 0), EFAULT);
	close(n);
}

TEST(path_arguments_with_bad_pointers_are_efault)
{
	char buf[64];
	struct stat st;
	int fd = data_file("pf", 1);

	close(fd);
	for (size_t i = 0; i < NBAD; i++) {
		const char *bad = bad_ptrs[i];

		CHECK_EFAULT(open(bad, O_RDONLY));
		CHECK_EFAULT(open(bad, O_CREAT | O_WRONLY, 0644));
		CHECK_EFAULT(openat(AT_FDCWD, bad, O_RDONLY));
		CHECK_EFAULT(syscall(SYS_stat, bad, &st));
		CHECK_EFAULT(syscall(SYS_lstat, bad, &st));
		CHECK_EFAULT(syscall(SYS_newfstatat, AT_FDCWD, bad, &st, 0));
		CHECK_EFAULT(access(bad, F_OK));
		CHECK_EFAULT(mkdir(bad, 0755));
		CHECK_EFAULT(rmdir(bad));
		CHECK_EFAULT(unlink(bad));
		CHECK_EFAULT(unlinkat(AT_FDCWD, bad, AT_REMOVEDIR));
		CHECK_EFAULT(chdir(bad));
		CHECK_EFAULT(rename(bad, "x"));
		CHECK_EFAULT(rename("pf", bad));
		CHECK_EFAULT(link(bad, "x"));
		CHECK_EFAULT(link("pf", bad));
		CHECK_EFAULT(symlink(bad, "x"));
		CHECK_EFAULT(symlink("pf", bad));
		CHECK_EFAULT(readlink(bad, buf, sizeof(buf)));
	}
	/* Nothing was created, moved or removed. */
	CHECK_ERR(access("x", F_OK), ENOENT);
	CHECK_OK(access("pf", F_OK));
	CHECK_OK(unlink("pf"));
}

TEST(output_structs_to_bad_pointers_are_efault)
{
	int fd = data_file("os", 10), dfd, first_free;
	char buf[64];

	REQUIRE(symlink("os", "os_link") == 0);
	dfd = open(".", O_RDONLY | O_DIRECTORY);
	REQUIRE(dfd >= 0);
	first_free = lowest_free_fd();
	for (size_t i = 0; i < NBAD; i++) {
		void *bad = bad_ptrs[i];

		CHECK_EFAULT(syscall(SYS_fstat, fd, bad));
		CHECK_EFAULT(syscall(SYS_stat, "os", bad));
		CHECK_EFAULT(syscall(SYS_lstat, "os_link", bad));
		CHECK_EFAULT(syscall(SYS_newfstatat, dfd, "os", bad, 0));
		CHECK_EFAULT(syscall(SYS_getcwd, bad, 4096));
		CHECK_EFAULT(syscall(SYS_readlink, "os_link", bad, 64));
		CHECK_EFAULT(syscall(SYS_getdents64, dfd, bad, 4096));
		/* pipe makes two files, then fails to report them: none may leak. */
		CHECK_EFAULT(pipe(bad));
		CHECK_EFAULT(pipe2(bad, O_CLOEXEC));
		/* On a non-terminal the argument is never looked at: ENOTTY. */
		if (!CHECK_ERR(ioctl(fd, TIOCGWINSZ, bad), ENOTTY))
			utest_printf("#     (bad pointer %p)\n", bad);
	}
	CHECK_EQ(lowest_free_fd(), first_free);
	/* The directory was not consumed by the failed getdents64. */
	CHECK(syscall(SYS_getdents64, dfd, buf, sizeof(buf)) > 0);
	close(dfd);
	close(fd);
	unlink("os_link");
	CHECK_OK(unlink("os"));
}

TEST(read_only_and_inaccessible_pages_are_efault)
{
	char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = data_file("ro", 100), out;
	struct stat st;

	REQUIRE(m != MAP_FAILED);
	out = open("ro_out", O_CREAT | O_TRUNC | O_RDWR, 0644);
	REQUIRE(out >= 0);
	memcpy(m, "keep", 5);
	memcpy(m + PAGE, "hidden", 7);
	REQUIRE(mprotect(m, PAGE, PROT_READ) == 0);
	REQUIRE(mprotect(m + PAGE, PAGE, PROT_NONE) == 0);

	/* Mapped but not writable: the kernel may not write there either. */
	CHECK_ERR(read(fd, m, 10), EFAULT);
	CHECK_ERR(syscall(SYS_fstat, fd, m), EFAULT);
	CHECK_ERR(pipe((int *)m), EFAULT);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	/* Reading from a read-only page is fine. */
	CHECK_EQ(write(out, m, 5), 5);
	/* PROT_NONE: neither direction. */
	CHECK_ERR(read(fd, m + PAGE, 10), EFAULT);
	CHECK_ERR(write(out, m + PAGE, 10), EFAULT);
	CHECK_ERR(open(m + PAGE, O_RDONLY), EFAULT);
	CHECK_EQ(size_of(out), 5);

	REQUIRE(mprotect(m, 2 * PAGE, PROT_READ | PROT_WRITE) == 0);
	CHECK(strcmp(m, "keep") == 0);
	CHECK(strcmp(m + PAGE, "hidden") == 0);
	/* Writable again: the same calls now work. */
	CHECK_EQ(read(fd, m, 10), 10);
	CHECK(memcmp(m, "abcdefghij", 10) == 0);
	CHECK_OK(syscall(SYS_fstat, fd, m + PAGE));
	CHECK_EQ(((struct stat *)(m + PAGE))->st_size, 100);
	CHECK_OK(fstat(fd, &st));

	munmap(m, 2 * PAGE);
	close(out);
	close(fd);
	unlink("ro");
	unlink("ro_out");
}

TEST(usercopy_resolves_demand_zero_and_copy_on_write_faults)
{
	enum { N = 4 * PAGE };
	char *fresh = mmap(NULL, N, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *cow = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int z = open("/dev/zero", O_RDONLY), fd = data_file("cw", 26), status;
	pid_t pid;

	REQUIRE(fresh != MAP_FAILED && cow != MAP_FAILED && shared != MAP_FAILED && z >= 0);
	/* Never-touched pages: the kernel's copy faults them in. */
	CHECK_EQ(read(z, fresh, N), N);
	CHECK(fresh[0] == 0 && fresh[N - 1] == 0);
	CHECK_EQ(munmap(fresh, N), 0);
	fresh = mmap(NULL, N, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(fresh != MAP_FAILED);
	/* ...also as a source: untouched pages read as zeros. */
	CHECK_EQ(pwrite(fd, fresh + PAGE, 4, 0), 4);
	CHECK_EQ(pread(fd, fresh, 6, 0), 6);
	CHECK(memcmp(fresh, "\0\0\0\0ef", 6) == 0);

	/*
	 * After fork the private page is shared copy-on-write: the child's
	 * read() into it must copy the page, leaving ours alone; a read into
	 * the MAP_SHARED page is seen by both.
	 */
	strcpy(cow, "parent");
	strcpy(shared, "parent");
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		int ok = pread(fd, cow, 6, 10) == 6 && memcmp(cow, "klmnop", 6) == 0 &&
			 pread(fd, shared, 6, 20) == 6;
		_exit(ok ? 0 : 1);
	}
	status = wait_status(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strcmp(cow, "parent") == 0);
	CHECK(memcmp(shared, "uvwxyz", 6) == 0);

	munmap(fresh, N);
	munmap(cow, PAGE);
	munmap(shared, PAGE);
	close(z);
	close(fd);
	unlink("cw");
}

TEST(buffer_straddling_unmapped_page_is_short_on_files_efault_on_pipes)
{
	char *edge = edge_of_mapping();
	char good[32], back[300];
	int fd = data_file("sf", 300), out, z, p[2];

	out = open("sf_out", O_CREAT | O_TRUNC | O_RDWR, 0644);
	z = open("/dev/zero", O_RDONLY);
	REQUIRE(out >= 0 && z >= 0);
	REQUIRE(pipe2(p, O_NONBLOCK) == 0);

	/*
	 * Files and /dev/zero: Linux copies up to the fault and returns the
	 * bytes before it, not EFAULT; the offset moves by that much.
	 */
	CHECK_EQ(read(fd, edge - 100, 200), 100);
	CHECK(memcmp(edge - 100, "abcdefghijklmnopqrstuvwxyz", 26) == 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 100);
	CHECK_EQ(pread(fd, edge - 50, 200, 0), 50);
	CHECK_EQ(read(z, edge - 100, 200), 100);
	CHECK_EQ(edge[-1], 0);
	memset(edge - 100, 'S', 100);
	CHECK_EQ(write(out, edge - 100, 200), 100);
	CHECK_EQ(size_of(out), 100);
	CHECK_EQ(pwrite(out, edge - 10, 20, 200), 10);
	CHECK_EQ(size_of(out), 210);
	/* Vectors: the bytes of the good iovec plus those before the fault. */
	memset(good, 'G', sizeof(good));
	struct iovec iov[2] = { { good, 10 }, { edge - 5, 10 } };
	CHECK_EQ(lseek(out, 0, SEEK_SET), 0);
	CHECK_EQ(writev(out, iov, 2), 15);
	CHECK_EQ(pread(out, back, 16, 0), 16);
	CHECK(memcmp(back, "GGGGGGGGGGSSSSSS", 16) == 0);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(readv(fd, iov, 2), 15);
	CHECK(memcmp(good, "abcdefghij", 10) == 0);
	CHECK(memcmp(edge - 5, "klmno", 5) == 0);

	/*
	 * Pipes copy a buffer at a time and give EFAULT when a copy comes
	 * up short with nothing transferred yet; the failed part is neither
	 * queued (write) nor consumed (read).
	 */
	CHECK_ERR(write(p[1], edge - 100, 200), EFAULT);
	CHECK_ERR(read(p[0], back, sizeof(back)), EAGAIN);
	CHECK_EQ(write(p[1], "0123456789", 10), 10);
	CHECK_ERR(read(p[0], edge - 5, 10), EFAULT);
	CHECK_EQ(read(p[0], back, sizeof(back)), 10);
	CHECK(memcmp(back, "0123456789", 10) == 0);

	close(p[0]);
	close(p[1]);
	close(z);
	close(out);
	close(fd);
	munmap(edge - PAGE, PAGE);
	unlink("sf");
	unlink("sf_out");
}

/* Count the records in a getdents64 result; add each "sNN" to seen[]. */
static int count_records(const char *buf, long n, int *seen, int nseen)
{
	int records = 0;

	for (long off = 0; off < n; records++) {
		const struct linux_dirent64 *d = (const void *)(buf + off);

		if (d->d_name[0] == 's') {
			int i = (d->d_name[1] - '0') * 10 + (d->d_name[2] - '0');
			if (i >= 0 && i < nseen)
				seen[i]++;
		}
		off += d->d_reclen;
	}
	return records;
}

TEST(strings_and_structs_straddling_unmapped_page_are_efault)
{
	enum { N = 12 };
	char *edge = edge_of_mapping();
	char name[8], buf[1024] __attribute__((aligned(8)));
	int seen[N] = { 0 }, fd, dfd, first_free, records;
	long n;

	/* A path whose NUL would lie past the mapping. */
	memcpy(edge - 3, "sxx", 3);
	CHECK_ERR(open(edge - 3, O_RDONLY), EFAULT);
	CHECK_ERR(mkdir(edge - 3, 0755), EFAULT);
	CHECK_ERR(syscall(SYS_stat, edge - 3, buf), EFAULT);
	/* The same name with its NUL as the last mapped byte is fine. */
	memcpy(edge - 4, "sxx", 4);
	fd = CHECK_OK(open(edge - 4, O_CREAT | O_RDWR, 0644));
	CHECK_OK(unlink("sxx"));

	/* A struct stat that does not fit is EFAULT as a whole. */
	CHECK_ERR(syscall(SYS_fstat, fd, edge - 100), EFAULT);
	CHECK_OK(syscall(SYS_fstat, fd, edge - sizeof(struct stat)));
	close(fd);
	/* getcwd's answer is at least "/" and a NUL: it cannot fit in 1 byte. */
	CHECK_ERR(syscall(SYS_getcwd, edge - 1, 4096), EFAULT);
	/* readlink: EFAULT only when the target does not fit in the mapped part. */
	REQUIRE(symlink("0123456789abcdefghij", "slink") == 0);
	CHECK_ERR(syscall(SYS_readlink, "slink", edge - 10, 100), EFAULT);
	CHECK_EQ(syscall(SYS_readlink, "slink", edge - 30, 100), 20);
	CHECK_OK(unlink("slink"));
	/* pipe's two ints half-mapped: EFAULT and no descriptor leaked. */
	first_free = lowest_free_fd();
	CHECK_ERR(pipe((int *)(edge - 4)), EFAULT);
	CHECK_EQ(lowest_free_fd(), first_free);

	/*
	 * getdents64 returns the whole records that fit before the fault
	 * (a short count, not EFAULT) and the next call resumes with the
	 * record that faulted: nothing is lost or repeated.  When not even
	 * the first record fits, it is EFAULT.
	 */
	REQUIRE(mkdir("sd", 0755) == 0);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "sd/s%02d", i);
		fd = open(name, O_CREAT | O_WRONLY, 0644);
		REQUIRE(fd >= 0);
		close(fd);
	}
	dfd = open("sd", O_RDONLY | O_DIRECTORY);
	REQUIRE(dfd >= 0);
	CHECK_ERR(syscall(SYS_getdents64, dfd, edge - 8, 4096), EFAULT);
	n = syscall(SYS_getdents64, dfd, edge - 100, 4096);
	CHECK(n > 0 && n <= 100);
	records = n > 0 ? count_records(edge - 100, n, seen, N) : 0;
	CHECK(records >= 1);
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0)
		records += count_records(buf, n, seen, N);
	CHECK_EQ(n, 0);
	CHECK_EQ(records, N + 2);
	for (int i = 0; i < N; i++)
		if (!CHECK_EQ(seen[i], 1))
			break;
	close(dfd);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "sd/s%02d", i);
		unlink(name);
	}
	CHECK_OK(rmdir("sd"));
	munmap(edge - PAGE, PAGE);
}
