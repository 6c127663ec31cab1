/*
 * Hard links and symbolic links: st_nlink of files and directories (each
 * subdirectory's ".." is a link to its parent), fast and slow symlinks,
 * readlink, lstat against stat, ENAMETOOLONG for a 256-byte component
 * wherever a name is taken, and EEXIST.
 *
 * ext2 keeps a symlink target shorter than 60 bytes in the inode itself
 * ("fast"), a longer one in a data block ("slow"), so targets of 59, 60,
 * 61, 200 and 4000 bytes are used.  What differs between file systems:
 *  - a slow target is limited to the block size on ext2 (1023 bytes with
 *    1 KiB blocks: ENAMETOOLONG beyond), to PATH_MAX - 1 elsewhere;
 *  - st_blocks of a symlink: 0 for a fast one everywhere, more than 0
 *    for a long one (tmpfs keeps targets below 128 bytes inline, so only
 *    200 bytes and up are checked).
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

TEST(hard_links_share_one_inode_and_count)
{
	char names[8][8];
	struct stat st;
	int fd = pat_file("h0", 3000, 1);

	for (int i = 1; i < 8; i++) {
		snprintf(names[i], sizeof(names[i]), "h%d", i);
		CHECK_OK(link(i == 1 ? "h0" : names[i - 1], names[i]));
		CHECK_EQ(path_nlink("h0"), i + 1);
		CHECK_EQ(path_ino(names[i]), path_ino("h0"));
	}
	/* Data written through one name is there under every other. */
	pat_write(fd, 100, 50, 2);
	close(fd);
	fd = open("h7", O_RDONLY);
	REQUIRE(fd >= 0);
	CHECK_PAT(fd, 100, 50, 2);
	CHECK_PAT(fd, 0, 100, 1);
	/* Removing names counts down; the file lives while a name or an fd is left. */
	for (int i = 0; i < 7; i++) {
		char name[8];

		snprintf(name, sizeof(name), "h%d", i);
		CHECK_OK(unlink(name));
		CHECK_EQ(path_nlink("h7"), 7 - i);
	}
	CHECK_OK(unlink("h7"));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 0);
	CHECK_PAT(fd, 0, 100, 1);
	close(fd);
}

TEST(links_across_directories_and_through_dirfds)
{
	int a, b;

	REQUIRE(mkdir("la", 0755) == 0 && mkdir("lb", 0755) == 0);
	put_file("la/f", "payload");
	a = open("la", O_RDONLY | O_DIRECTORY);
	b = open("lb", O_RDONLY | O_DIRECTORY);
	REQUIRE(a >= 0 && b >= 0);
	CHECK_OK(linkat(a, "f", b, "g", 0));
	CHECK_EQ(path_ino("lb/g"), path_ino("la/f"));
	CHECK_EQ(path_nlink("la/f"), 2);
	/* Links to files add nothing to the directories' own counts. */
	CHECK_EQ(path_nlink("la"), 2);
	CHECK_EQ(path_nlink("lb"), 2);
	/* Renaming one name onto another of the same inode changes nothing. */
	CHECK_OK(rename("la/f", "lb/g"));
	CHECK_EQ(path_nlink("lb/g"), 2);
	CHECK_OK(access("la/f", F_OK));
	/* A rename to a new name keeps the count. */
	CHECK_OK(renameat(b, "g", a, "f2"));
	CHECK_EQ(path_nlink("la/f"), 2);
	CHECK_EQ(path_ino("la/f2"), path_ino("la/f"));
	/* Existing targets, missing sources. */
	CHECK_ERR(linkat(a, "f", a, "f2", 0), EEXIST);
	CHECK_ERR(linkat(a, "f", AT_FDCWD, "la", 0), EEXIST);
	CHECK_ERR(linkat(a, "nothing", b, "x", 0), ENOENT);
	CHECK_ERR(link("la", "lb/dir_link"), EPERM);
	close(a);
	close(b);
	CHECK_OK(unlink("la/f"));
	CHECK_OK(unlink("la/f2"));
	CHECK_OK(rmdir("la"));
	CHECK_OK(rmdir("lb"));
}

TEST(subdirectories_count_in_their_parent)
{
	enum { SUBDIRS = 300 };
	char name[32];
	struct stat st;

	REQUIRE(mkdir("parent", 0755) == 0);
	CHECK_EQ(path_nlink("parent"), 2);
	for (int i = 0; i < SUBDIRS; i++) {
		snprintf(name, sizeof(name), "parent/s%d", i);
		REQUIRE(mkdir(name, 0755) == 0);
	}
	/* Its name, its own ".", and each child's "..". */
	CHECK_EQ(path_nlink("parent"), 2 + SUBDIRS);
	CHECK_EQ(path_nlink("parent/s0"), 2);
	/* A grandchild counts in its parent only. */
	CHECK_OK(mkdir("parent/s0/g", 0755));
	CHECK_EQ(path_nlink("parent/s0"), 3);
	CHECK_EQ(path_nlink("parent"), 2 + SUBDIRS);
	/* Moving a child away moves its link. */
	CHECK_OK(rename("parent/s1", "moved_out"));
	CHECK_EQ(path_nlink("parent"), 1 + SUBDIRS);
	CHECK_OK(rename("moved_out", "parent/s1"));
	CHECK_EQ(path_nlink("parent"), 2 + SUBDIRS);
	for (int i = 1; i < SUBDIRS; i += 2) {
		snprintf(name, sizeof(name), "parent/s%d", i);
		REQUIRE(rmdir(name) == 0);
	}
	CHECK_EQ(path_nlink("parent"), 2 + SUBDIRS / 2);
	/* The count is also what fstat of an open directory says. */
	int fd = open("parent", O_RDONLY | O_DIRECTORY);
	REQUIRE(fd >= 0);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 2 + SUBDIRS / 2);
	close(fd);
	CHECK_OK(rmdir("parent/s0/g"));
	for (int i = 0; i < SUBDIRS; i += 2) {
		snprintf(name, sizeof(name), "parent/s%d", i);
		CHECK_OK(rmdir(name));
	}
	CHECK_EQ(path_nlink("parent"), 2);
	CHECK_OK(rmdir("parent"));
}

/* A target of len bytes (len 4 or len >= 6) that resolves to "file": "./././.../file". */
static char *long_target(size_t len)
{
	static char t[PATH_MAX];
	size_t p = len - 4, i = 0;

	REQUIRE(len >= 4 && len != 5 && len < sizeof(t));
	if (p % 2) {
		memcpy(t, ".//", 3);
		i = 3;
	}
	for (; i < p; i += 2)
		memcpy(t + i, "./", 2);
	memcpy(t + p, "file", 5);
	return t;
}

/*
 * Make a symlink with a target of len bytes that leads to "file"; check
 * readlink, lstat and following it.  Returns 0 if the file system refused
 * the length (ENAMETOOLONG), 1 if it took it.
 */
static int check_symlink(size_t len)
{
	static char back[PATH_MAX + 10];
	char *target = long_target(len);
	struct stat lst, st;
	int fd;

	if (symlink(target, "sl") != 0) {
		CHECK_EQ(errno, ENAMETOOLONG);
		return 0;
	}
	memset(back, '#', sizeof(back));
	CHECK_EQ(readlink("sl", back, sizeof(back)), len);
	CHECK(memcmp(back, target, len) == 0);
	CHECK_EQ(back[len], '#');
	/* A buffer one byte short truncates, with no NUL. */
	CHECK_EQ(readlink("sl", back, len - 1), len - 1);
	CHECK_OK(lstat("sl", &lst));
	CHECK(S_ISLNK(lst.st_mode));
	CHECK_EQ(lst.st_size, len);
	/* A symlink's mode is 0777 whatever the umask. */
	CHECK_EQ(lst.st_mode & 07777, 0777);
	if (len < 60)
		CHECK_EQ(lst.st_blocks, 0);
	if (len >= 200)
		CHECK(lst.st_blocks > 0);
	/* stat and open follow it to the file. */
	CHECK_OK(stat("sl", &st));
	CHECK_EQ(st.st_ino, path_ino("file"));
	fd = CHECK_OK(open("sl", O_RDONLY));
	CHECK_PAT(fd, 0, 10, 3);
	close(fd);
	/* Written out, the same target. */
	sync();
	CHECK_EQ(readlink("sl", back, sizeof(back)), len);
	CHECK(memcmp(back, target, len) == 0);
	CHECK_OK(unlink("sl"));
	return 1;
}

TEST(fast_and_slow_symlinks_round_trip)
{
	static const size_t lens[] = { 4, 6, 7, 58, 59, 60, 61, 100, 127, 128, 200, 1000, 1023 };
	int fd = pat_file("file", 10, 3);

	close(fd);
	umask(077);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		if (!CHECK(check_symlink(lens[i])))
			utest_printf("#     (a %zu-byte target)\n", lens[i]);
	CHECK_OK(unlink("file"));
}

TEST(symlinks_of_4000_bytes_or_the_block_size)
{
	static const size_t lens[] = { 1024, 2000, 4000, 4095 };
	struct statfs sfs;
	int fd = pat_file("file", 10, 3);

	close(fd);
	REQUIRE(statfs(".", &sfs) == 0);
	/*
	 * ext2 refuses a target that does not fit in one block with its NUL;
	 * elsewhere (and on ext2 with 4 KiB blocks) up to 4095 bytes go.
	 */
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		if (!check_symlink(lens[i]) && !CHECK(lens[i] + 1 > (size_t)sfs.f_bsize))
			utest_printf("#     (a %zu-byte target, %ld-byte blocks)\n", lens[i],
				     (long)sfs.f_bsize);
	CHECK_OK(unlink("file"));
}

TEST(lstat_describes_the_link_stat_the_target)
{
	struct stat l, s, f;

	REQUIRE(mkdir("ldir", 0700) == 0);
	put_file("ldir/target", "12345");
	REQUIRE(symlink("ldir/target", "to_file") == 0);
	REQUIRE(symlink("ldir", "to_dir") == 0);
	REQUIRE(symlink("to_file", "to_link") == 0);
	REQUIRE(symlink("ldir/none", "dangling") == 0);
	REQUIRE(stat("ldir/target", &f) == 0);

	CHECK_OK(lstat("to_link", &l));
	CHECK_OK(stat("to_link", &s));
	CHECK(S_ISLNK(l.st_mode));
	CHECK_EQ(l.st_size, 7);
	CHECK(l.st_ino != f.st_ino);
	CHECK(S_ISREG(s.st_mode));
	CHECK_EQ(s.st_ino, f.st_ino);
	CHECK_EQ(s.st_size, 5);
	/* A symlink to a directory is a symlink to lstat, a directory to stat and as a path. */
	CHECK_OK(lstat("to_dir", &l));
	CHECK(S_ISLNK(l.st_mode));
	CHECK_OK(stat("to_dir", &s));
	CHECK(S_ISDIR(s.st_mode));
	CHECK_OK(lstat("to_dir/target", &l));
	CHECK_EQ(l.st_ino, f.st_ino);
	/* A trailing slash makes lstat follow. */
	CHECK_OK(lstat("to_dir/", &l));
	CHECK(S_ISDIR(l.st_mode));
	/* A dangling link: there for lstat and readlink, missing for stat. */
	CHECK_OK(lstat("dangling", &l));
	CHECK_ERR(stat("dangling", &s), ENOENT);
	/* A hard link to a symlink is another name of the link, not of its target. */
	CHECK_OK(link("to_file", "hard_to_link"));
	CHECK_EQ(path_ino("hard_to_link"), path_ino("to_file"));
	CHECK_EQ(path_nlink("to_file"), 2);
	CHECK_EQ(path_nlink("ldir/target"), 1);
	/* Removing a link never touches its target. */
	CHECK_OK(unlink("to_dir"));
	CHECK_OK(unlink("to_file"));
	CHECK_OK(access("ldir/target", F_OK));
	CHECK_OK(unlink("hard_to_link"));
	CHECK_OK(unlink("to_link"));
	CHECK_OK(unlink("dangling"));
	CHECK_OK(unlink("ldir/target"));
	CHECK_OK(rmdir("ldir"));
}

TEST(a_256_byte_component_is_enametoolong_everywhere)
{
	char n255[256], n256[257], path[300], buf[8];
	struct stat st;

	memset(n255, 'n', 255);
	n255[255] = 0;
	memset(n256, 'n', 256);
	n256[256] = 0;
	REQUIRE(mkdir("nt", 0755) == 0);
	put_file("nt/f", "");
	/* In the middle of a path, as well as at its end. */
	snprintf(path, sizeof(path), "nt/%s/x", n256);
	CHECK_ERR(stat(path, &st), ENAMETOOLONG);
	CHECK_ERR(open(path, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
	snprintf(path, sizeof(path), "nt/%s", n256);
	CHECK_ERR(link("nt/f", path), ENAMETOOLONG);
	CHECK_ERR(symlink("f", path), ENAMETOOLONG);
	CHECK_ERR(rename("nt/f", path), ENAMETOOLONG);
	CHECK_ERR(readlink(path, buf, sizeof(buf)), ENAMETOOLONG);
	CHECK_ERR(unlink(path), ENAMETOOLONG);
	CHECK_ERR(rmdir(path), ENAMETOOLONG);
	CHECK_ERR(lstat(path, &st), ENAMETOOLONG);
	/* A target's own components are not checked until it is followed. */
	CHECK_OK(symlink(n256, "nt/long_target"));
	CHECK_ERR(stat("nt/long_target", &st), ENAMETOOLONG);
	/* 255 is fine for every one of them. */
	snprintf(path, sizeof(path), "nt/%s", n255);
	CHECK_OK(link("nt/f", path));
	CHECK_OK(unlink(path));
	CHECK_OK(symlink("f", path));
	CHECK_EQ(readlink(path, buf, sizeof(buf)), 1);
	CHECK_OK(unlink(path));
	CHECK_OK(rename("nt/f", path));
	CHECK_OK(stat(path, &st));
	CHECK_OK(unlink(path));
	CHECK_OK(unlink("nt/long_target"));
	CHECK_OK(rmdir("nt"));
}

TEST(eexist_whatever_the_existing_name_is)
{
	REQUIRE(mkdir("ex_dir", 0755) == 0);
	put_file("ex_file", "");
	REQUIRE(symlink("nowhere", "ex_dangling") == 0);
	REQUIRE(symlink("ex_dir", "ex_dirlink") == 0);
	static const char *const taken[] = { "ex_dir", "ex_file", "ex_dangling", "ex_dirlink" };

	for (size_t i = 0; i < 4; i++) {
		CHECK_ERR(link("ex_file", taken[i]), EEXIST);
		CHECK_ERR(symlink("x", taken[i]), EEXIST);
		CHECK_ERR(mkdir(taken[i], 0755), EEXIST);
		CHECK_ERR(open(taken[i], O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	}
	/* The dangling link stayed dangling: no create went through it. */
	CHECK_ERR(access("nowhere", F_OK), ENOENT);
	CHECK_EQ(path_nlink("ex_file"), 1);
	CHECK_OK(unlink("ex_dirlink"));
	CHECK_OK(unlink("ex_dangling"));
	CHECK_OK(unlink("ex_file"));
	CHECK_OK(rmdir("ex_dir"));
}
