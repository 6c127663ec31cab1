/*
 * File system metadata: fsync, fdatasync, sync, syncfs; statfs/fstatfs
 * (sane figures, free blocks going down on writes and back on unlink);
 * utimensat/futimens with UTIME_NOW, UTIME_OMIT and AT_SYMLINK_NOFOLLOW;
 * chmod, chown (the tests run as root everywhere); fallocate mode 0;
 * mtime and ctime moving on writes, truncations and directory changes.
 *
 * What differs between file systems is not asserted:
 *  - timestamp granularity: ext2 keeps whole seconds (Linux's ext4 driver
 *    keeps nanoseconds in 256-byte ext2 inodes), tmpfs nanoseconds; a set
 *    tv_nsec must read back as itself or as 0;
 *  - fallocate: Linux's ext2 (and ext4's driver on an ext2 without
 *    extents) has none (EOPNOTSUPP), tmpfs and ext4 do;
 *  - exact block counts; a statfs figure changed by other activity on the
 *    same file system is allowed for by retrying.
 * "Now" is compared in whole seconds with a second of slack: the kernel
 * stamps files from a clock that may lag a tick behind clock_gettime.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#define KiB 1024LL
#define MiB (1024 * KiB)

static struct stat stat_of(const char *path)
{
	struct stat st;

	REQUIRE(lstat(path, &st) == 0);
	return st;
}

static time_t wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

/* Is t a time the kernel may have stamped between wall() == from and now? */
static int is_now(struct timespec t, time_t from)
{
	int ok = t.tv_sec >= from - 1 && t.tv_sec <= wall() + 1;

	if (!ok)
		utest_printf("#     time %lld is not between %lld and now\n", (long long)t.tv_sec,
			     (long long)from);
	return ok;
}

/* A set time, read back: the same seconds, and the same nanoseconds or none. */
static int same_time(struct timespec got, struct timespec want)
{
	int ok = got.tv_sec == want.tv_sec && (got.tv_nsec == want.tv_nsec || got.tv_nsec == 0);

	if (!ok)
		utest_printf("#     time %lld.%09ld, set %lld.%09ld\n", (long long)got.tv_sec,
			     got.tv_nsec, (long long)want.tv_sec, want.tv_nsec);
	return ok;
}

static const struct timespec t_old = { 1000000000, 123456789 };
static const struct timespec t_older = { 900000000, 5 };

/* Put path's atime and mtime back in 2001, so that a change to "now" shows. */
static void age(const char *path)
{
	struct timespec ts[2] = { t_old, t_old };

	REQUIRE(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) == 0);
}

TEST(fsync_fdatasync_sync_and_syncfs)
{
	int fd = pat_file("synced", 10000, 1), ro, dir, p[2];

	CHECK_OK(fsync(fd));
	/* Growing, then fdatasync: the new size is part of the data. */
	pat_write(fd, 50000, 10, 2);
	CHECK_OK(fdatasync(fd));
	fsync_and_drop(fd);
	CHECK_EQ(fd_size(fd), 50010);
	CHECK_PAT(fd, 50000, 10, 2);
	sync();
	CHECK_OK(syncfs(fd));
	/* Read-only descriptors and directories can be synced too. */
	ro = open("synced", O_RDONLY);
	dir = open(".", O_RDONLY | O_DIRECTORY);
	REQUIRE(ro >= 0 && dir >= 0 && pipe(p) == 0);
	CHECK_OK(fsync(ro));
	CHECK_OK(fdatasync(ro));
	CHECK_OK(fsync(dir));
	CHECK_OK(syncfs(dir));
	/* A pipe has nothing to sync: EINVAL; a closed number is EBADF. */
	CHECK_ERR(fsync(p[0]), EINVAL);
	CHECK_ERR(fdatasync(p[1]), EINVAL);
	close(p[0]);
	close(p[1]);
	CHECK_ERR(fsync(p[0]), EBADF);
	CHECK_ERR(fdatasync(p[0]), EBADF);
	CHECK_ERR(syncfs(p[0]), EBADF);
	close(dir);
	close(ro);
	close(fd);
	CHECK_OK(unlink("synced"));
}

TEST(statfs_and_fstatfs_agree_and_are_sane)
{
	struct statfs a, b;
	int fd;

	put_file("sfs", "x");
	REQUIRE(mkdir("sfs_dir", 0755) == 0);
	CHECK_OK(statfs(".", &a));
	CHECK(a.f_bsize > 0 && a.f_frsize > 0);
	CHECK(a.f_blocks > 0);
	CHECK(a.f_bfree <= a.f_blocks);
	CHECK(a.f_bavail <= a.f_bfree);
	CHECK(a.f_ffree <= a.f_files);
	CHECK_EQ(a.f_namelen, 255);
	/* A file and a directory on it, by path and by fd: the same file system. */
	fd = open("sfs", O_RDONLY);
	REQUIRE(fd >= 0);
	CHECK_OK(fstatfs(fd, &b));
	CHECK_EQ(b.f_type, a.f_type);
	CHECK_EQ(b.f_bsize, a.f_bsize);
	CHECK_EQ(b.f_blocks, a.f_blocks);
	CHECK(memcmp(&b.f_fsid, &a.f_fsid, sizeof(a.f_fsid)) == 0);
	CHECK_OK(statfs("sfs_dir", &b));
	CHECK_EQ(b.f_type, a.f_type);
	CHECK_EQ(b.f_blocks, a.f_blocks);
	close(fd);
	CHECK_ERR(statfs("sfs_missing", &b), ENOENT);
	CHECK_ERR(statfs("sfs/x", &b), ENOTDIR);
	CHECK_ERR(fstatfs(-1, &b), EBADF);
	CHECK_OK(unlink("sfs"));
	CHECK_OK(rmdir("sfs_dir"));
}

static long long bfree_bytes(void)
{
	struct statfs s;

	sync();
	REQUIRE(statfs(".", &s) == 0);
	return (long long)s.f_bfree * s.f_bsize;
}

/*
 * Free space before, after writing and syncing 2 MiB, and after removing
 * the file: did it drop by the 2 MiB and come back?
 */
static int free_space_follows_a_file(void)
{
	const long long size = 2 * MiB;
	long long before = bfree_bytes(), written, removed;
	int fd = pat_file("space", size, 3);

	REQUIRE(fsync(fd) == 0);
	close(fd);
	written = bfree_bytes();
	REQUIRE(unlink("space") == 0);
	/* Freeing may lag behind the unlink (a journal commit): give it a moment. */
	EVENTUALLY((removed = bfree_bytes()) - written >= size);
	if (before - written >= size && removed - written >= size)
		return 1;
	utest_printf("#     free: %lld before, %lld written, %lld removed\n", before, written,
		     removed);
	return 0;
}

TEST(free_blocks_go_down_on_writes_and_up_on_unlink)
{
	int ok = 0;

	/* Other writers on the same file system (the host's disk) can blur one try. */
	utest_timeout = 60;
	utest_watchdog();
	for (int tries = 0; tries < 3 && !ok; tries++)
		ok = free_space_follows_a_file();
	CHECK(ok);
}

TEST(utimensat_sets_omits_and_takes_now)
{
	struct timespec ts[2];
	struct stat st, prev;
	time_t start = wall();
	int fd;

	put_file("times", "t");
	ts[0] = t_old;
	ts[1] = t_older;
	CHECK_OK(utimensat(AT_FDCWD, "times", ts, 0));
	st = stat_of("times");
	CHECK(same_time(st.st_atim, t_old));
	CHECK(same_time(st.st_mtim, t_older));
	/* ctime cannot be set: it becomes now. */
	CHECK(is_now(st.st_ctim, start));

	/* UTIME_OMIT keeps that one; UTIME_NOW takes the time of the call. */
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1] = t_old;
	CHECK_OK(utimensat(AT_FDCWD, "times", ts, 0));
	st = stat_of("times");
	CHECK(same_time(st.st_atim, t_old));
	CHECK(same_time(st.st_mtim, t_old));
	ts[0].tv_nsec = UTIME_NOW;
	ts[1].tv_nsec = UTIME_OMIT;
	CHECK_OK(utimensat(AT_FDCWD, "times", ts, 0));
	st = stat_of("times");
	CHECK(is_now(st.st_atim, start));
	CHECK(same_time(st.st_mtim, t_old));
	/* No times at all: both now. */
	age("times");
	CHECK_OK(utimensat(AT_FDCWD, "times", NULL, 0));
	st = stat_of("times");
	CHECK(is_now(st.st_atim, start) && is_now(st.st_mtim, start));
	/* Both omitted: nothing happens, not even to ctime (Linux does not look at the file). */
	prev = st;
	ts[0].tv_nsec = ts[1].tv_nsec = UTIME_OMIT;
	CHECK_OK(utimensat(AT_FDCWD, "times", ts, 0));
	st = stat_of("times");
	CHECK_EQ(st.st_ctim.tv_sec, prev.st_ctim.tv_sec);
	CHECK_EQ(st.st_ctim.tv_nsec, prev.st_ctim.tv_nsec);

	/* futimens: the same through a descriptor (read-only will do for root). */
	fd = open("times", O_RDONLY);
	REQUIRE(fd >= 0);
	ts[0] = t_older;
	ts[1].tv_nsec = UTIME_NOW;
	CHECK_OK(futimens(fd, ts));
	CHECK_OK(fstat(fd, &st));
	CHECK(same_time(st.st_atim, t_older));
	CHECK(is_now(st.st_mtim, start));
	close(fd);

	/* Bad nanoseconds and flags are EINVAL; a missing file ENOENT. */
	ts[0] = t_old;
	ts[1] = (struct timespec){ 5, 1000000000 };
	CHECK_ERR(utimensat(AT_FDCWD, "times", ts, 0), EINVAL);
	ts[1].tv_nsec = -1;
	CHECK_ERR(utimensat(AT_FDCWD, "times", ts, 0), EINVAL);
	CHECK_ERR(utimensat(AT_FDCWD, "times", NULL, 0x4000), EINVAL);
	CHECK_ERR(utimensat(AT_FDCWD, "times_missing", NULL, 0), ENOENT);
	CHECK_OK(unlink("times"));
}

TEST(utimensat_nofollow_changes_the_link_not_the_target)
{
	struct timespec ts[2] = { t_older, t_older };
	struct stat link, target;

	put_file("tgt", "");
	REQUIRE(symlink("tgt", "lnk") == 0);
	age("tgt");
	CHECK_OK(utimensat(AT_FDCWD, "lnk", ts, AT_SYMLINK_NOFOLLOW));
	link = stat_of("lnk");
	target = stat_of("tgt");
	CHECK(same_time(link.st_mtim, t_older));
	CHECK(same_time(target.st_mtim, t_old));
	/* Without the flag, the target. */
	CHECK_OK(utimensat(AT_FDCWD, "lnk", (struct timespec[2]){ t_old, t_old }, 0));
	CHECK(same_time(stat_of("lnk").st_mtim, t_older));
	CHECK(same_time(stat_of("tgt").st_atim, t_old));
	CHECK_OK(unlink("lnk"));
	CHECK_OK(unlink("tgt"));
}

TEST(chmod_and_fchmod_change_mode_and_ctime_only)
{
	static const mode_t modes[] = { 0, 0777, 0644, 04755, 02711, 01777, 07777, 0400 };
	struct stat st;
	time_t start = wall();
	int fd;

	put_file("mode", "");
	REQUIRE(symlink("mode", "mode_link") == 0);
	fd = open("mode", O_RDONLY);
	REQUIRE(fd >= 0);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		CHECK_OK(i % 2 ? fchmod(fd, modes[i]) : chmod("mode", modes[i]));
		if (!CHECK_EQ(stat_of("mode").st_mode, S_IFREG | modes[i]))
			break;
	}
	/* The file type bits in the argument are ignored. */
	CHECK_OK(chmod("mode", S_IFDIR | 0640));
	CHECK_EQ(stat_of("mode").st_mode, S_IFREG | 0640);
	/* chmod follows a symlink; the link itself stays 0777. */
	CHECK_OK(chmod("mode_link", 0604));
	CHECK_EQ(stat_of("mode").st_mode, S_IFREG | 0604);
	CHECK_EQ(stat_of("mode_link").st_mode & 07777, 0777);
	/* A mode change is a status change, not a modification. */
	age("mode");
	CHECK_OK(fchmodat(AT_FDCWD, "mode", 0600, 0));
	st = stat_of("mode");
	CHECK(same_time(st.st_mtim, t_old));
	CHECK(is_now(st.st_ctim, start));
	/* Directories too. */
	REQUIRE(mkdir("mode_dir", 0755) == 0);
	CHECK_OK(chmod("mode_dir", 02750));
	CHECK_EQ(stat_of("mode_dir").st_mode, S_IFDIR | 02750);
	CHECK_ERR(chmod("mode_missing", 0644), ENOENT);
	CHECK_ERR(fchmod(-1, 0644), EBADF);
	close(fd);
	CHECK_OK(rmdir("mode_dir"));
	CHECK_OK(unlink("mode_link"));
	CHECK_OK(unlink("mode"));
}

TEST(chown_fchown_lchown_as_root)
{
	struct stat st;
	time_t start = wall();
	int fd;

	put_file("own", "");
	REQUIRE(symlink("own", "own_link") == 0);
	age("own");
	CHECK_OK(chown("own", 1234, 5678));
	st = stat_of("own");
	CHECK_EQ(st.st_uid, 1234);
	CHECK_EQ(st.st_gid, 5678);
	CHECK(is_now(st.st_ctim, start));
	CHECK(same_time(st.st_mtim, t_old));
	/* -1 leaves that id alone. */
	CHECK_OK(chown("own", -1, 42));
	CHECK_EQ(stat_of("own").st_uid, 1234);
	CHECK_EQ(stat_of("own").st_gid, 42);
	fd = open("own", O_RDONLY);
	REQUIRE(fd >= 0);
	CHECK_OK(fchown(fd, 7, -1));
	CHECK_EQ(stat_of("own").st_uid, 7);
	CHECK_EQ(stat_of("own").st_gid, 42);
	/* chown follows a symlink; lchown and AT_SYMLINK_NOFOLLOW change the link. */
	CHECK_OK(chown("own_link", 8, 9));
	CHECK_EQ(stat_of("own").st_uid, 8);
	CHECK_EQ(stat_of("own_link").st_uid, 0);
	CHECK_OK(lchown("own_link", 10, 11));
	CHECK_EQ(stat_of("own_link").st_uid, 10);
	CHECK_EQ(stat_of("own_link").st_gid, 11);
	CHECK_OK(fchownat(AT_FDCWD, "own_link", 12, -1, AT_SYMLINK_NOFOLLOW));
	CHECK_EQ(stat_of("own_link").st_uid, 12);
	CHECK_EQ(stat_of("own").st_uid, 8);
	/* A new owner clears set-user-ID, and set-group-ID with group execute, on a file... */
	CHECK_OK(chmod("own", 06755));
	CHECK_OK(fchown(fd, 20, 21));
	CHECK_EQ(stat_of("own").st_mode, S_IFREG | 0755);
	/* ...but not set-group-ID on a directory. */
	REQUIRE(mkdir("own_dir", 02755) == 0);
	REQUIRE(chmod("own_dir", 02755) == 0);
	CHECK_OK(chown("own_dir", 30, 31));
	CHECK_EQ(stat_of("own_dir").st_mode, S_IFDIR | 02755);
	CHECK_ERR(chown("own_missing", 1, 1), ENOENT);
	CHECK_ERR(fchown(-1, 1, 1), EBADF);
	close(fd);
	CHECK_OK(rmdir("own_dir"));
	CHECK_OK(unlink("own_link"));
	CHECK_OK(unlink("own"));
}

TEST(fallocate_mode_0_allocates_zeros_or_is_unsupported)
{
	int fd = pat_file("falloc", 0, 4), ro, p[2];
	long r;

	/* The checks before the file system is asked: the same everywhere. */
	ro = open("falloc", O_RDONLY);
	REQUIRE(ro >= 0 && pipe(p) == 0);
	CHECK_ERR(fallocate(fd, 0, 0, 0), EINVAL);
	CHECK_ERR(fallocate(fd, 0, -1, 4096), EINVAL);
	CHECK_ERR(fallocate(ro, 0, 0, 4096), EBADF);
	CHECK_ERR(fallocate(p[1], 0, 0, 4096), ESPIPE);
	close(p[0]);
	close(p[1]);
	close(ro);

	r = fallocate(fd, 0, 0, 1 * MiB);
	if (r != 0) {
		CHECK_EQ(errno, EOPNOTSUPP);
		CHECK_EQ(fd_size(fd), 0);
	} else {
		/* Allocated: the size moves, the range reads as zeros, the blocks are there. */
		CHECK_EQ(fd_size(fd), 1 * MiB);
		CHECK_PAT(fd, 0, 1 * MiB, 0);
		CHECK_OK(fsync(fd));
		CHECK(fd_blocks(fd) >= 1 * MiB / 512);
		/* Over data, the data stays; past the end, the size grows. */
		pat_write(fd, 1000, 5000, 4);
		CHECK_OK(fallocate(fd, 0, 0, 2 * MiB));
		CHECK_EQ(fd_size(fd), 2 * MiB);
		CHECK_PAT(fd, 1000, 5000, 4);
		CHECK_PAT(fd, 6000, 2 * MiB - 6000, 0);
		/* KEEP_SIZE allocates past the end without moving it. */
		CHECK_OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 2 * MiB, 1 * MiB));
		CHECK_EQ(fd_size(fd), 2 * MiB);
	}
	close(fd);
	CHECK_OK(unlink("falloc"));
}

/* Were path's mtime and ctime both stamped "now" (since start)? */
static int modified_now(const char *path, time_t start)
{
	struct stat st = stat_of(path);

	return is_now(st.st_mtim, start) && is_now(st.st_ctim, start);
}

/* Are path's mtime still t_old (it was aged and not modified since)? */
static int unmodified(const char *path)
{
	return same_time(stat_of(path).st_mtim, t_old);
}

TEST(writes_and_truncations_move_mtime_and_ctime)
{
	time_t start = wall();
	char c;
	int fd = pat_file("mt", 5000, 5);

	age("mt");
	CHECK_EQ(pread(fd, &c, 1, 0), 1);
	CHECK(unmodified("mt"));
	/* A zero-length write changes nothing, on Linux not even the times. */
	CHECK_EQ(write(fd, &c, 0), 0);
	CHECK(unmodified("mt"));
	CHECK_EQ(pwrite(fd, "x", 1, 10), 1);
	CHECK(modified_now("mt", start));
	age("mt");
	CHECK_OK(ftruncate(fd, 100));
	CHECK(modified_now("mt", start));
	age("mt");
	CHECK_OK(truncate("mt", 7000));
	CHECK(modified_now("mt", start));
	age("mt");
	/* POSIX: O_TRUNC on an existing file marks both. */
	close(open("mt", O_WRONLY | O_TRUNC));
	CHECK(modified_now("mt", start));
	close(fd);
	CHECK_OK(unlink("mt"));
}

TEST(directory_changes_move_the_directory_times)
{
	time_t start = wall();

	REQUIRE(mkdir("dt", 0755) == 0 && mkdir("dt2", 0755) == 0);
	age("dt");
	put_file("dt/f", "");
	CHECK(modified_now("dt", start));
	age("dt");
	age("dt/f");
	/* A new link: the directory is modified, the file's status changes. */
	CHECK_OK(link("dt/f", "dt/g"));
	CHECK(modified_now("dt", start));
	CHECK(is_now(stat_of("dt/f").st_ctim, start));
	CHECK(unmodified("dt/f"));
	/* Removing a name: both directories of a rename, the directory of an unlink. */
	age("dt");
	age("dt2");
	CHECK_OK(rename("dt/g", "dt2/g"));
	CHECK(modified_now("dt", start));
	CHECK(modified_now("dt2", start));
	age("dt2");
	CHECK_OK(unlink("dt2/g"));
	CHECK(modified_now("dt2", start));
	age("dt");
	CHECK_OK(mkdir("dt/sub", 0755));
	CHECK(modified_now("dt", start));
	age("dt");
	CHECK_OK(rmdir("dt/sub"));
	CHECK(modified_now("dt", start));
	/* Looking at a directory changes nothing. */
	age("dt");
	CHECK_OK(access("dt/f", F_OK));
	CHECK(unmodified("dt"));
	CHECK_OK(unlink("dt/f"));
	CHECK_OK(rmdir("dt"));
	CHECK_OK(rmdir("dt2"));
}
