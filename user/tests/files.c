/*
 * Regular files: open/openat/close, read/write and their vector and
 * positional forms, lseek, the O_* creation flags, the stat family,
 * access/faccessat, umask, /dev/null and /dev/zero.
 *
 * Every test works in the current (scratch) directory.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

/* The whole file as a NUL-terminated string (at most n-1 bytes). */
static ssize_t get_file(const char *name, char *buf, size_t n)
{
	int fd = open(name, O_RDONLY);
	ssize_t got = 0, r;

	if (fd < 0)
		return -1;
	while (got < (ssize_t)n - 1 && (r = read(fd, buf + got, n - 1 - got)) > 0)
		got += r;
	buf[got] = 0;
	close(fd);
	return got;
}

static off_t size_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	return st.st_size;
}

TEST(open_creat_write_read_roundtrip)
{
	char buf[64];
	int fd = CHECK_OK(open("f", O_CREAT | O_RDWR, 0644));

	REQUIRE(fd >= 0);
	CHECK_EQ(size_of(fd), 0);
	CHECK_EQ(write(fd, "hello, ", 7), 7);
	CHECK_EQ(write(fd, "world", 5), 5);
	/* The offset is at the end now: reading there is EOF, not an error. */
	CHECK_EQ(read(fd, buf, sizeof(buf)), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(read(fd, buf, 5), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	/* A read larger than what is left returns what is left. */
	CHECK_EQ(read(fd, buf, sizeof(buf)), 7);
	CHECK(memcmp(buf, ", world", 7) == 0);
	CHECK_EQ(size_of(fd), 12);
	/* Zero-length transfers succeed and do nothing. */
	CHECK_EQ(read(fd, buf, 0), 0);
	CHECK_EQ(write(fd, buf, 0), 0);
	CHECK_EQ(size_of(fd), 12);
	CHECK_OK(close(fd));
	/* A second close of the same number is EBADF. */
	CHECK_ERR(close(fd), EBADF);
	/* The data is visible through a fresh open. */
	CHECK_EQ(get_file("f", buf, sizeof(buf)), 12);
	CHECK(strcmp(buf, "hello, world") == 0);
	CHECK_OK(unlink("f"));
}

TEST(open_reports_enoent_eexist_eisdir_enotdir)
{
	put_file("f", "x");
	REQUIRE(mkdir("d", 0755) == 0);
	REQUIRE(symlink("missing", "dangling") == 0);

	CHECK_ERR(open("missing", O_RDONLY), ENOENT);
	CHECK_ERR(open("", O_RDONLY), ENOENT);
	CHECK_ERR(open("nodir/f", O_CREAT | O_RDWR, 0644), ENOENT);
	CHECK_ERR(open("f", O_CREAT | O_EXCL | O_RDWR, 0644), EEXIST);
	CHECK_ERR(open("d", O_CREAT | O_EXCL | O_RDONLY, 0644), EEXIST);
	/* O_EXCL never follows a symlink, even a dangling one. */
	CHECK_ERR(open("dangling", O_CREAT | O_EXCL | O_RDWR, 0644), EEXIST);
	CHECK_ERR(access("missing", F_OK), ENOENT);
	/* A directory can be opened read-only, never for writing. */
	int fd = CHECK_OK(open("d", O_RDONLY));
	close(fd);
	CHECK_ERR(open("d", O_WRONLY), EISDIR);
	CHECK_ERR(open("d", O_RDWR), EISDIR);
	CHECK_ERR(open("d", O_CREAT | O_RDWR, 0644), EISDIR);
	CHECK_ERR(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
	CHECK_ERR(open("f/x", O_RDONLY), ENOTDIR);
	CHECK_ERR(open("f/x", O_CREAT | O_RDWR, 0644), ENOTDIR);

	/* Without O_EXCL, O_CREAT through a dangling symlink creates its target. */
	fd = CHECK_OK(open("dangling", O_CREAT | O_RDWR, 0644));
	close(fd);
	CHECK_OK(access("missing", F_OK));

	unlink("missing");
	unlink("dangling");
	unlink("f");
	rmdir("d");
}

TEST(openat_resolves_relative_to_dirfd)
{
	char buf[16] = { 0 };
	int dfd, fd, ffd;

	REQUIRE(mkdir("sub", 0755) == 0);
	dfd = open("sub", O_RDONLY | O_DIRECTORY);
	REQUIRE(dfd >= 0);
	fd = CHECK_OK(openat(dfd, "inner", O_CREAT | O_RDWR, 0644));
	CHECK_EQ(write(fd, "abc", 3), 3);
	close(fd);
	/* The file landed in sub/, not in the current directory. */
	CHECK_ERR(access("inner", F_OK), ENOENT);
	CHECK_EQ(get_file("sub/inner", buf, sizeof(buf)), 3);
	/* AT_FDCWD means the current directory. */
	fd = CHECK_OK(openat(AT_FDCWD, "sub/inner", O_RDONLY));
	close(fd);

	CHECK_ERR(openat(-1, "inner", O_RDONLY), EBADF);
	CHECK_ERR(openat(987654, "inner", O_RDONLY), EBADF);
	/* A dirfd that is not a directory: ENOTDIR for a relative path... */
	ffd = open("sub/inner", O_RDONLY);
	REQUIRE(ffd >= 0);
	CHECK_ERR(openat(ffd, "x", O_RDONLY), ENOTDIR);
	/* ...while an absolute path ignores dirfd, even an invalid one. */
	fd = CHECK_OK(openat(-1, "/dev/null", O_RDONLY));
	close(fd);
	fd = CHECK_OK(openat(ffd, "/dev/null", O_RDONLY));
	close(fd);

	close(ffd);
	CHECK_OK(unlinkat(dfd, "inner", 0));
	close(dfd);
	CHECK_OK(rmdir("sub"));
}

TEST(o_trunc_empties_existing_file)
{
	char buf[32];
	struct stat before, after;
	int fd;

	put_file("t", "some old contents");
	REQUIRE(stat("t", &before) == 0);
	fd = CHECK_OK(open("t", O_WRONLY | O_TRUNC));
	CHECK_EQ(size_of(fd), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	CHECK_EQ(write(fd, "new", 3), 3);
	close(fd);
	CHECK_EQ(get_file("t", buf, sizeof(buf)), 3);
	CHECK(strcmp(buf, "new") == 0);
	/* Same inode: O_TRUNC truncates, it does not replace the file. */
	REQUIRE(stat("t", &after) == 0);
	CHECK_EQ(after.st_ino, before.st_ino);

	/* Without O_TRUNC, opening for writing keeps the contents. */
	fd = CHECK_OK(open("t", O_WRONLY));
	CHECK_EQ(write(fd, "N", 1), 1);
	close(fd);
	CHECK_EQ(get_file("t", buf, sizeof(buf)), 3);
	CHECK(strcmp(buf, "New") == 0);
	CHECK_OK(unlink("t"));
}

TEST(o_append_writes_always_land_at_end)
{
	char buf[32];
	int fd;

	put_file("a", "12345");
	fd = CHECK_OK(open("a", O_RDWR | O_APPEND));
	REQUIRE(fd >= 0);
	/* Opening with O_APPEND does not move the offset... */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	/* ...but every write goes to the end and leaves the offset there. */
	CHECK_EQ(write(fd, "ab", 2), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 7);
	CHECK_EQ(lseek(fd, 1, SEEK_SET), 1);
	CHECK_EQ(write(fd, "cd", 2), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 9);
	/* Reads still use the offset. */
	CHECK_EQ(lseek(fd, 2, SEEK_SET), 2);
	CHECK_EQ(read(fd, buf, 3), 3);
	CHECK(memcmp(buf, "345", 3) == 0);
	/*
	 * Linux quirk (documented in pwrite(2) BUGS): pwrite on an O_APPEND
	 * descriptor appends, ignoring the offset, and leaves the file
	 * offset alone.
	 */
	CHECK_EQ(pwrite(fd, "XY", 2, 0), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);
	close(fd);
	CHECK_EQ(get_file("a", buf, sizeof(buf)), 11);
	CHECK(strcmp(buf, "12345abcdXY") == 0);
	CHECK_OK(unlink("a"));
}

TEST(lseek_moves_offset_and_rejects_bad_whence)
{
	char buf[16];
	int p[2];
	int fd = open("s", O_CREAT | O_RDWR | O_TRUNC, 0644);

	REQUIRE(fd >= 0);
	CHECK_EQ(write(fd, "0123456789", 10), 10);
	CHECK_EQ(lseek(fd, 3, SEEK_SET), 3);
	CHECK_EQ(lseek(fd, 2, SEEK_CUR), 5);
	CHECK_EQ(lseek(fd, -1, SEEK_CUR), 4);
	CHECK_EQ(lseek(fd, 0, SEEK_END), 10);
	CHECK_EQ(lseek(fd, -3, SEEK_END), 7);
	CHECK_EQ(read(fd, buf, 3), 3);
	CHECK(memcmp(buf, "789", 3) == 0);

	/* Seeking past the end is allowed; writing there leaves a hole of zeros. */
	CHECK_EQ(lseek(fd, 20, SEEK_END), 30);
	CHECK_EQ(size_of(fd), 10);
	CHECK_EQ(write(fd, "Z", 1), 1);
	CHECK_EQ(size_of(fd), 31);
	CHECK_EQ(pread(fd, buf, 4, 12), 4);
	CHECK(memcmp(buf, "\0\0\0\0", 4) == 0);

	/* A negative resulting offset and an unknown whence are EINVAL. */
	CHECK_EQ(lseek(fd, 5, SEEK_SET), 5);
	CHECK_ERR(lseek(fd, -1, SEEK_SET), EINVAL);
	CHECK_ERR(lseek(fd, -6, SEEK_CUR), EINVAL);
	CHECK_ERR(lseek(fd, -100, SEEK_END), EINVAL);
	CHECK_ERR(lseek(fd, 0, 77), EINVAL);
	/* A failed lseek leaves the offset where it was. */
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);

	/* Pipes cannot seek; closed descriptors are EBADF. */
	REQUIRE(pipe(p) == 0);
	CHECK_ERR(lseek(p[0], 0, SEEK_CUR), ESPIPE);
	CHECK_ERR(lseek(p[1], 0, SEEK_SET), ESPIPE);
	close(p[0]);
	close(p[1]);
	close(fd);
	CHECK_ERR(lseek(fd, 0, SEEK_SET), EBADF);
	CHECK_OK(unlink("s"));
}

TEST(pread_pwrite_leave_offset_unchanged)
{
	char buf[16] = { 0 };
	int p[2];
	int fd = open("p", O_CREAT | O_RDWR | O_TRUNC, 0644);

	REQUIRE(fd >= 0);
	CHECK_EQ(write(fd, "abcdef", 6), 6);
	CHECK_EQ(lseek(fd, 1, SEEK_SET), 1);
	CHECK_EQ(pread(fd, buf, 3, 2), 3);
	CHECK(memcmp(buf, "cde", 3) == 0);
	CHECK_EQ(pwrite(fd, "XY", 2, 4), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 1);
	/* pread at or past EOF returns 0, short near EOF. */
	CHECK_EQ(pread(fd, buf, 4, 6), 0);
	CHECK_EQ(pread(fd, buf, 4, 100), 0);
	CHECK_EQ(pread(fd, buf, 10, 3), 3);
	CHECK(memcmp(buf, "dXY", 3) == 0);
	/* pwrite past EOF extends the file; the gap reads as zeros. */
	CHECK_EQ(pwrite(fd, "!", 1, 9), 1);
	CHECK_EQ(size_of(fd), 10);
	CHECK_EQ(pread(fd, buf, 10, 0), 10);
	CHECK(memcmp(buf, "abcdXY\0\0\0!", 10) == 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 1);

	CHECK_ERR(pread(fd, buf, 1, -1), EINVAL);
	CHECK_ERR(pwrite(fd, buf, 1, -1), EINVAL);
	REQUIRE(pipe(p) == 0);
	CHECK_ERR(pread(p[0], buf, 1, 0), ESPIPE);
	CHECK_ERR(pwrite(p[1], buf, 1, 0), ESPIPE);
	close(p[0]);
	close(p[1]);
	close(fd);
	CHECK_ERR(pread(fd, buf, 1, 0), EBADF);
	CHECK_OK(unlink("p"));
}

TEST(readv_writev_gather_and_scatter)
{
	char a[4], b[8], c[8];
	struct iovec out[4] = {
		{ "ab", 2 }, { "", 0 }, { "cdefg", 5 }, { "hij", 3 },
	};
	struct iovec in[3] = { { a, 4 }, { b, 0 }, { c, 8 } };
	int fd = open("v", O_CREAT | O_RDWR | O_TRUNC, 0644);

	REQUIRE(fd >= 0);
	CHECK_EQ(writev(fd, out, 4), 10);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10);
	CHECK_EQ(writev(fd, out, 0), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	/* The 10 bytes fill a (4), skip the empty b, and give 6 to c. */
	memset(c, '.', sizeof(c));
	CHECK_EQ(readv(fd, in, 3), 10);
	CHECK(memcmp(a, "abcd", 4) == 0);
	CHECK(memcmp(c, "efghij..", 8) == 0);
	CHECK_EQ(readv(fd, in, 3), 0);

	/* iovcnt beyond IOV_MAX (1024) or negative is EINVAL. */
	struct iovec *many = calloc(IOV_MAX + 1, sizeof(*many));
	REQUIRE(many != NULL);
	for (int i = 0; i <= IOV_MAX; i++)
		many[i] = (struct iovec){ a, 1 };
	CHECK_ERR(writev(fd, many, IOV_MAX + 1), EINVAL);
	CHECK_ERR(readv(fd, many, IOV_MAX + 1), EINVAL);
	CHECK_ERR(writev(fd, out, -1), EINVAL);
	/* Exactly IOV_MAX is fine. */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(readv(fd, many, IOV_MAX), 10);
	free(many);
	/* An iov_len that is negative as an ssize_t is EINVAL, not EFAULT. */
	struct iovec neg[2] = { { a, 1 }, { b, (size_t)-1 } };
	CHECK_ERR(readv(fd, neg, 2), EINVAL);
	close(fd);
	CHECK_ERR(writev(fd, out, 1), EBADF);
	CHECK_OK(unlink("v"));
}

TEST(read_write_need_matching_access_mode)
{
	char buf[8];
	int ro, wo, d;

	put_file("m", "data");
	ro = open("m", O_RDONLY);
	wo = open("m", O_WRONLY);
	d = open(".", O_RDONLY | O_DIRECTORY);
	REQUIRE(ro >= 0 && wo >= 0 && d >= 0);
	CHECK_ERR(write(ro, "x", 1), EBADF);
	CHECK_ERR(pwrite(ro, "x", 1, 0), EBADF);
	CHECK_ERR(read(wo, buf, 1), EBADF);
	CHECK_ERR(pread(wo, buf, 1, 0), EBADF);
	/* read on a directory is EISDIR; write on one is EBADF (opened read-only). */
	CHECK_ERR(read(d, buf, 1), EISDIR);
	CHECK_ERR(write(d, "x", 1), EBADF);
	CHECK_EQ(read(ro, buf, sizeof(buf)), 4);
	CHECK_EQ(write(wo, "DA", 2), 2);
	close(ro);
	close(wo);
	close(d);
	CHECK_ERR(read(ro, buf, 1), EBADF);
	CHECK_ERR(write(wo, buf, 1), EBADF);
	CHECK_ERR(read(-1, buf, 1), EBADF);
	CHECK_OK(unlink("m"));
}

TEST(stat_fstat_lstat_describe_the_same_file)
{
	struct stat s1, s2, s3, sl;
	int fd;

	put_file("st", "0123456789");
	REQUIRE(symlink("st", "st_link") == 0);
	fd = open("st", O_RDONLY);
	REQUIRE(fd >= 0);
	CHECK_OK(stat("st", &s1));
	CHECK_OK(fstat(fd, &s2));
	CHECK_OK(stat("st_link", &s3));	/* follows the link */
	CHECK_OK(lstat("st_link", &sl));	/* does not */
	CHECK(S_ISREG(s1.st_mode));
	CHECK_EQ(s1.st_size, 10);
	CHECK_EQ(s1.st_nlink, 1);
	CHECK(s1.st_blksize > 0);
	CHECK_EQ(s1.st_ino, s2.st_ino);
	CHECK_EQ(s1.st_dev, s2.st_dev);
	CHECK_EQ(s1.st_ino, s3.st_ino);
	CHECK_EQ(s1.st_size, s3.st_size);
	CHECK(S_ISLNK(sl.st_mode));
	CHECK(sl.st_ino != s1.st_ino);
	/* A symlink's size is the length of its target, without a NUL. */
	CHECK_EQ(sl.st_size, 2);
	/* lstat on a regular file is plain stat. */
	CHECK_OK(lstat("st", &s3));
	CHECK_EQ(s3.st_ino, s1.st_ino);
	/* A directory. */
	CHECK_OK(stat(".", &s3));
	CHECK(S_ISDIR(s3.st_mode));

	CHECK_ERR(stat("nope", &s3), ENOENT);
	CHECK_ERR(lstat("nope", &s3), ENOENT);
	CHECK_ERR(stat("st/x", &s3), ENOTDIR);
	/* musl's fstat filters negative fds itself: ask the kernel directly. */
	CHECK_ERR(syscall(SYS_fstat, -1, &s3), EBADF);
	close(fd);
	CHECK_ERR(syscall(SYS_fstat, fd, &s3), EBADF);
	/* A dangling symlink: stat fails, lstat works. */
	CHECK_OK(unlink("st"));
	CHECK_ERR(stat("st_link", &s3), ENOENT);
	CHECK_OK(lstat("st_link", &s3));
	CHECK_OK(unlink("st_link"));
}

TEST(newfstatat_honours_dirfd_and_flags)
{
	struct stat st, ref;
	int dfd, ffd;

	REQUIRE(mkdir("nd", 0755) == 0);
	put_file("nd/f", "abc");
	REQUIRE(symlink("f", "nd/l") == 0);
	dfd = open("nd", O_RDONLY | O_DIRECTORY);
	ffd = open("nd/f", O_RDONLY);
	REQUIRE(dfd >= 0 && ffd >= 0);
	REQUIRE(stat("nd/f", &ref) == 0);

	/* The raw syscall, so that musl cannot rewrite the request. */
	CHECK_OK(syscall(SYS_newfstatat, dfd, "f", &st, 0));
	CHECK_EQ(st.st_ino, ref.st_ino);
	CHECK_OK(syscall(SYS_newfstatat, dfd, "l", &st, 0));
	CHECK_EQ(st.st_ino, ref.st_ino);
	CHECK_OK(syscall(SYS_newfstatat, dfd, "l", &st, AT_SYMLINK_NOFOLLOW));
	CHECK(S_ISLNK(st.st_mode));
	/* AT_EMPTY_PATH with "" is fstat on the descriptor itself. */
	CHECK_OK(syscall(SYS_newfstatat, ffd, "", &st, AT_EMPTY_PATH));
	CHECK_EQ(st.st_ino, ref.st_ino);
	CHECK_EQ(st.st_size, 3);
	CHECK_OK(syscall(SYS_newfstatat, AT_FDCWD, "", &st, AT_EMPTY_PATH));
	CHECK(S_ISDIR(st.st_mode));
	/* Without AT_EMPTY_PATH an empty path is ENOENT. */
	CHECK_ERR(syscall(SYS_newfstatat, ffd, "", &st, 0), ENOENT);
	CHECK_ERR(syscall(SYS_newfstatat, dfd, "f", &st, 0x1), EINVAL);
	CHECK_ERR(syscall(SYS_newfstatat, -5, "f", &st, 0), EBADF);
	CHECK_ERR(syscall(SYS_newfstatat, -1, "", &st, AT_EMPTY_PATH), EBADF);
	CHECK_ERR(syscall(SYS_newfstatat, ffd, "x", &st, 0), ENOTDIR);
	CHECK_ERR(syscall(SYS_newfstatat, dfd, "zz", &st, 0), ENOENT);
	/* An absolute path ignores dirfd entirely, even a bad one. */
	CHECK_OK(syscall(SYS_newfstatat, -5, "/dev/null", &st, 0));
	CHECK(S_ISCHR(st.st_mode));

	close(ffd);
	close(dfd);
	unlink("nd/l");
	unlink("nd/f");
	CHECK_OK(rmdir("nd"));
}

TEST(access_and_faccessat_check_existence_and_mode)
{
	int dfd;

	REQUIRE(mkdir("ad", 0755) == 0);
	put_file("ad/plain", "");
	put_file("ad/prog", "");
	REQUIRE(chmod("ad/plain", 0644) == 0);
	REQUIRE(chmod("ad/prog", 0755) == 0);
	REQUIRE(symlink("nothing", "ad/dangling") == 0);

	CHECK_OK(access("ad/plain", F_OK));
	CHECK_OK(access("ad/plain", R_OK | W_OK));
	CHECK_OK(access("ad/prog", X_OK));
	/*
	 * Even for root, X_OK needs at least one execute bit on a
	 * non-directory: this holds for every user id.
	 */
	CHECK_ERR(access("ad/plain", X_OK), EACCES);
	CHECK_OK(access("ad", X_OK));
	CHECK_ERR(access("ad/none", F_OK), ENOENT);
	/* access follows symlinks. */
	CHECK_ERR(access("ad/dangling", F_OK), ENOENT);
	CHECK_ERR(access("ad/plain/x", F_OK), ENOTDIR);
	CHECK_ERR(access("ad/plain", 8), EINVAL);

	dfd = open("ad", O_RDONLY | O_DIRECTORY);
	REQUIRE(dfd >= 0);
	CHECK_OK(faccessat(dfd, "prog", X_OK, 0));
	CHECK_ERR(faccessat(dfd, "none", F_OK, 0), ENOENT);
	CHECK_ERR(faccessat(-5, "prog", F_OK, 0), EBADF);
	CHECK_OK(faccessat(-5, "/dev/null", F_OK, 0));
	close(dfd);

	unlink("ad/dangling");
	unlink("ad/plain");
	unlink("ad/prog");
	CHECK_OK(rmdir("ad"));
}

TEST(umask_filters_creation_modes)
{
	struct stat st;
	int fd;

	umask(022);
	/* umask returns the previous mask. */
	CHECK_EQ(umask(027), 022);
	fd = CHECK_OK(open("u1", O_CREAT | O_WRONLY, 0777));
	close(fd);
	CHECK_OK(stat("u1", &st));
	CHECK_EQ(st.st_mode & 07777, 0750);
	CHECK_OK(mkdir("u2", 0777));
	CHECK_OK(stat("u2", &st));
	CHECK_EQ(st.st_mode & 07777, 0750);

	CHECK_EQ(umask(0), 027);
	fd = CHECK_OK(open("u3", O_CREAT | O_WRONLY, 0606));
	close(fd);
	CHECK_OK(stat("u3", &st));
	CHECK_EQ(st.st_mode & 07777, 0606);
	/* O_CREAT on an existing file leaves its mode alone. */
	fd = CHECK_OK(open("u3", O_CREAT | O_WRONLY, 0600));
	close(fd);
	CHECK_OK(stat("u3", &st));
	CHECK_EQ(st.st_mode & 07777, 0606);
	/* Only the permission bits are kept. */
	umask(0177777);
	CHECK_EQ(umask(022), 0777);

	unlink("u1");
	rmdir("u2");
	unlink("u3");
}

TEST(dev_null_and_dev_zero_behave)
{
	char buf[64];
	struct stat st;
	int n = open("/dev/null", O_RDWR), z = open("/dev/zero", O_RDWR);

	REQUIRE(n >= 0 && z >= 0);
	/* /dev/null swallows everything and reads as empty. */
	CHECK_EQ(write(n, "abc", 3), 3);
	CHECK_EQ(read(n, buf, sizeof(buf)), 0);
	CHECK_EQ(pwrite(n, "abc", 3, 1000), 3);
	CHECK_EQ(lseek(n, 123, SEEK_SET), 0);	/* always reports offset 0 */
	CHECK_OK(fstat(n, &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(major(st.st_rdev), 1);
	CHECK_EQ(minor(st.st_rdev), 3);

	/* /dev/zero gives zeros for any count and accepts writes. */
	memset(buf, 'x', sizeof(buf));
	CHECK_EQ(read(z, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		if (!CHECK_EQ(buf[i], 0))
			break;
	CHECK_EQ(write(z, "abc", 3), 3);
	CHECK_OK(fstat(z, &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(major(st.st_rdev), 1);
	CHECK_EQ(minor(st.st_rdev), 5);

	/* A large read from /dev/zero completes in one call. */
	size_t big = 1 << 20;
	char *p = malloc(big);
	REQUIRE(p != NULL);
	memset(p, 1, big);
	CHECK_EQ(read(z, p, big), (ssize_t)big);
	CHECK(p[0] == 0 && p[big / 2] == 0 && p[big - 1] == 0);
	free(p);
	close(n);
	close(z);
}
