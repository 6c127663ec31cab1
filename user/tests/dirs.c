/*
 * Directories and names: mkdir/rmdir/unlink/rename/link/symlink and their
 * *at forms, readlink, getdents64, getcwd/chdir/fchdir, and path lookup
 * (".", "..", trailing slashes, symlink loops, over-long names).
 *
 * Every test works in the current (scratch) directory.  Nothing here
 * depends on the file system's entry order or directory sizes, which
 * differ between ext2/ext4 and tmpfs.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* First bytes of a file as a string, or "" if it cannot be read. */
static const char *peek(const char *name)
{
	static char buf[64];
	int fd = open(name, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

static ino_t ino_of(const char *name)
{
	struct stat st;

	return lstat(name, &st) == 0 ? st.st_ino : 0;
}

static nlink_t nlink_of(const char *name)
{
	struct stat st;

	return lstat(name, &st) == 0 ? st.st_nlink : 0;
}

TEST(mkdir_and_rmdir_maintain_link_counts)
{
	struct stat st;
	nlink_t parent = nlink_of(".");

	umask(022);
	CHECK_OK(mkdir("d", 0751));
	CHECK_OK(stat("d", &st));
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0751);
	/* An empty directory has two links: its name and its own ".". */
	CHECK_EQ(st.st_nlink, 2);
	/* The child's ".." is a link to the parent. */
	CHECK_EQ(nlink_of("."), parent + 1);
	CHECK_OK(mkdir("d/sub", 0755));
	CHECK_EQ(nlink_of("d"), 3);
	/* A file does not add to its directory's link count. */
	put_file("d/f", "");
	CHECK_EQ(nlink_of("d"), 3);
	CHECK_EQ(ino_of("d/sub/.."), ino_of("d"));

	CHECK_ERR(mkdir("d", 0755), EEXIST);
	CHECK_ERR(mkdir("d/f", 0755), EEXIST);
	CHECK_ERR(mkdir(".", 0755), EEXIST);
	CHECK_ERR(mkdir("..", 0755), EEXIST);
	CHECK_ERR(mkdir("", 0755), ENOENT);
	CHECK_ERR(mkdir("no/sub", 0755), ENOENT);
	CHECK_ERR(mkdir("d/f/sub", 0755), ENOTDIR);

	CHECK_OK(unlink("d/f"));
	CHECK_OK(rmdir("d/sub"));
	CHECK_EQ(nlink_of("d"), 2);
	CHECK_OK(rmdir("d"));
	CHECK_EQ(nlink_of("."), parent);
	CHECK_ERR(stat("d", &st), ENOENT);
}

TEST(rmdir_refuses_non_empty_dot_and_non_directories)
{
	REQUIRE(mkdir("r", 0755) == 0);
	REQUIRE(mkdir("r/sub", 0755) == 0);
	put_file("r/sub/f", "");
	REQUIRE(symlink("r", "rl") == 0);

	CHECK_ERR(rmdir("r"), ENOTEMPTY);
	CHECK_ERR(rmdir("r/sub"), ENOTEMPTY);
	/* "." as the last component is EINVAL; ".." is ENOTEMPTY. */
	CHECK_ERR(rmdir("."), EINVAL);
	CHECK_ERR(rmdir("r/sub/."), EINVAL);
	CHECK_ERR(rmdir("r/sub/.."), ENOTEMPTY);
	CHECK_ERR(rmdir("r/sub/f"), ENOTDIR);
	CHECK_ERR(rmdir("r/nothing"), ENOENT);
	CHECK_ERR(rmdir(""), ENOENT);
	/* rmdir does not follow a final symlink, so the link is not a directory. */
	CHECK_ERR(rmdir("rl"), ENOTDIR);
	/* Emptied, it goes. */
	CHECK_OK(unlink("r/sub/f"));
	CHECK_OK(rmdir("r/sub"));
	CHECK_OK(rmdir("r"));
	CHECK_OK(unlink("rl"));
}

TEST(mkdirat_and_unlinkat_use_dirfd)
{
	int dfd, ffd, fd;

	REQUIRE(mkdir("top", 0755) == 0);
	dfd = open("top", O_RDONLY | O_DIRECTORY);
	REQUIRE(dfd >= 0);
	CHECK_OK(mkdirat(dfd, "sub", 0755));
	fd = CHECK_OK(openat(dfd, "file", O_CREAT | O_WRONLY, 0644));
	close(fd);
	CHECK_OK(access("top/sub", F_OK));
	CHECK_OK(access("top/file", F_OK));
	CHECK_ERR(mkdirat(dfd, "sub", 0755), EEXIST);
	CHECK_ERR(mkdirat(-5, "x", 0755), EBADF);

	/* Without AT_REMOVEDIR unlinkat is unlink, with it rmdir. */
	CHECK_ERR(unlinkat(dfd, "sub", 0), EISDIR);
	CHECK_ERR(unlinkat(dfd, "file", AT_REMOVEDIR), ENOTDIR);
	CHECK_ERR(unlinkat(dfd, "file", 0x1), EINVAL);
	CHECK_ERR(unlinkat(-5, "file", 0), EBADF);
	ffd = open("top/file", O_RDONLY);
	REQUIRE(ffd >= 0);
	CHECK_ERR(unlinkat(ffd, "x", 0), ENOTDIR);
	CHECK_ERR(mkdirat(ffd, "x", 0755), ENOTDIR);
	close(ffd);

	CHECK_OK(unlinkat(dfd, "file", 0));
	CHECK_OK(unlinkat(dfd, "sub", AT_REMOVEDIR));
	CHECK_ERR(unlinkat(dfd, "sub", AT_REMOVEDIR), ENOENT);
	close(dfd);
	CHECK_OK(unlinkat(AT_FDCWD, "top", AT_REMOVEDIR));
}

TEST(unlink_keeps_open_file_alive)
{
	char buf[16] = { 0 };
	struct stat st;
	ino_t old;
	int fd;

	put_file("u", "still here");
	old = ino_of("u");
	fd = open("u", O_RDWR);
	REQUIRE(fd >= 0);
	CHECK_OK(unlink("u"));
	CHECK_ERR(access("u", F_OK), ENOENT);
	/* The inode lives on while open: link count 0, data intact. */
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(pread(fd, buf, 10, 0), 10);
	CHECK(memcmp(buf, "still here", 10) == 0);
	CHECK_EQ(pwrite(fd, "!", 1, 10), 1);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 11);
	/* A new file under the same name is a different file. */
	put_file("u", "new");
	CHECK(ino_of("u") != old);
	CHECK(strcmp(peek("u"), "new") == 0);
	close(fd);
	CHECK_OK(unlink("u"));

	CHECK_ERR(unlink("u"), ENOENT);
	/* Linux says EISDIR for unlink on a directory (POSIX allows EPERM). */
	REQUIRE(mkdir("ud", 0755) == 0);
	CHECK_ERR(unlink("ud"), EISDIR);
	CHECK_ERR(unlink("."), EISDIR);
	/* Unlinking a symlink removes the link, not its target. */
	put_file("ud/t", "t");
	REQUIRE(symlink("ud/t", "ul") == 0);
	CHECK_OK(unlink("ul"));
	CHECK_OK(access("ud/t", F_OK));
	CHECK_OK(unlink("ud/t"));
	CHECK_OK(rmdir("ud"));
}

TEST(rename_over_existing_file_replaces_it)
{
	char buf[8] = { 0 };
	struct stat st;
	ino_t src;
	int fd;

	put_file("from", "FROM");
	put_file("to", "TO");
	src = ino_of("from");
	fd = open("to", O_RDONLY);
	REQUIRE(fd >= 0);
	CHECK_OK(rename("from", "to"));
	CHECK_ERR(access("from", F_OK), ENOENT);
	/* The name now refers to the moved inode... */
	CHECK_EQ(ino_of("to"), src);
	CHECK(strcmp(peek("to"), "FROM") == 0);
	/* ...and the replaced file survives only through the open fd. */
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 2);
	CHECK(strcmp(buf, "TO") == 0);
	close(fd);

	/* Renaming to a new name in the same directory. */
	CHECK_OK(rename("to", "fresh"));
	CHECK_EQ(ino_of("fresh"), src);
	/* Renaming a name onto itself does nothing. */
	CHECK_OK(rename("fresh", "fresh"));
	CHECK_EQ(ino_of("fresh"), src);
	/*
	 * Two hard links of one inode: rename succeeds and does nothing,
	 * both names stay (POSIX requires this odd rule, Linux follows it).
	 */
	REQUIRE(link("fresh", "hard") == 0);
	CHECK_OK(rename("fresh", "hard"));
	CHECK_OK(access("fresh", F_OK));
	CHECK_OK(access("hard", F_OK));
	CHECK_EQ(nlink_of("hard"), 2);
	CHECK_ERR(rename("missing", "x"), ENOENT);
	CHECK_ERR(rename("fresh", "nodir/x"), ENOENT);
	unlink("hard");
	CHECK_OK(unlink("fresh"));
}

TEST(rename_directory_rules)
{
	REQUIRE(mkdir("a", 0755) == 0);
	put_file("a/inside", "in");
	REQUIRE(mkdir("empty", 0755) == 0);
	REQUIRE(mkdir("full", 0755) == 0);
	put_file("full/x", "");
	put_file("file", "");

	/* A directory moves with its contents. */
	CHECK_OK(rename("a", "b"));
	CHECK(strcmp(peek("b/inside"), "in") == 0);
	/* Over an empty directory: allowed, the empty one is gone. */
	CHECK_OK(rename("b", "empty"));
	CHECK(strcmp(peek("empty/inside"), "in") == 0);
	CHECK_ERR(access("b", F_OK), ENOENT);
	/* Over a non-empty directory: ENOTEMPTY. */
	CHECK_ERR(rename("empty", "full"), ENOTEMPTY);
	/* File over directory and directory over file. */
	CHECK_ERR(rename("file", "full"), EISDIR);
	CHECK_ERR(rename("full", "file"), ENOTDIR);
	/* A directory cannot move below itself. */
	CHECK_ERR(rename("full", "full/x2"), EINVAL);
	CHECK_ERR(rename("empty", "empty/deeper/x"), ENOENT);
	REQUIRE(mkdir("empty/deeper", 0755) == 0);
	CHECK_ERR(rename("empty", "empty/deeper/x"), EINVAL);
	/* "." and ".." as the last component: Linux says EBUSY. */
	CHECK_ERR(rename(".", "dot"), EBUSY);
	CHECK_ERR(rename("full", "."), EBUSY);
	CHECK_ERR(rename("full/..", "dd"), EBUSY);
	/* Nothing moved during the failures. */
	CHECK_OK(access("full/x", F_OK));
	CHECK_OK(access("file", F_OK));

	unlink("empty/inside");
	rmdir("empty/deeper");
	CHECK_OK(rmdir("empty"));
	unlink("full/x");
	CHECK_OK(rmdir("full"));
	CHECK_OK(unlink("file"));
}

TEST(renameat_moves_directory_between_parents)
{
	int p1, p2;

	REQUIRE(mkdir("p1", 0755) == 0);
	REQUIRE(mkdir("p2", 0755) == 0);
	REQUIRE(mkdir("p1/child", 0755) == 0);
	put_file("p1/child/f", "payload");
	p1 = open("p1", O_RDONLY | O_DIRECTORY);
	p2 = open("p2", O_RDONLY | O_DIRECTORY);
	REQUIRE(p1 >= 0 && p2 >= 0);
	CHECK_EQ(nlink_of("p1"), 3);
	CHECK_EQ(nlink_of("p2"), 2);

	CHECK_OK(renameat(p1, "child", p2, "moved"));
	CHECK_ERR(access("p1/child", F_OK), ENOENT);
	CHECK(strcmp(peek("p2/moved/f"), "payload") == 0);
	/* The ".." link moved: old parent loses a link, new parent gains one. */
	CHECK_EQ(nlink_of("p1"), 2);
	CHECK_EQ(nlink_of("p2"), 3);
	CHECK_EQ(ino_of("p2/moved/.."), ino_of("p2"));

	/* A file, relative to AT_FDCWD on one side. */
	CHECK_OK(renameat(p2, "moved/f", AT_FDCWD, "p1/f2"));
	CHECK(strcmp(peek("p1/f2"), "payload") == 0);
	CHECK_ERR(renameat(-5, "f2", p2, "x"), EBADF);
	CHECK_ERR(renameat(p1, "f2", -5, "x"), EBADF);
	CHECK_ERR(renameat(p1, "nothing", p2, "x"), ENOENT);

	close(p1);
	close(p2);
	unlink("p1/f2");
	rmdir("p2/moved");
	CHECK_OK(rmdir("p1"));
	CHECK_OK(rmdir("p2"));
}

TEST(link_adds_names_to_the_same_inode)
{
	struct stat st;
	int fd;

	put_file("orig", "shared");
	CHECK_OK(link("orig", "alias"));
	CHECK_EQ(ino_of("alias"), ino_of("orig"));
	CHECK_EQ(nlink_of("orig"), 2);
	/* A write through one name is seen through the other. */
	fd = open("alias", O_WRONLY);
	REQUIRE(fd >= 0);
	CHECK_EQ(write(fd, "SH", 2), 2);
	close(fd);
	CHECK(strcmp(peek("orig"), "SHared") == 0);
	CHECK_OK(unlink("orig"));
	CHECK_EQ(nlink_of("alias"), 1);
	CHECK(strcmp(peek("alias"), "SHared") == 0);

	REQUIRE(mkdir("ld", 0755) == 0);
	CHECK_ERR(link("ld", "ld2"), EPERM);	/* no hard links to directories */
	put_file("other", "");
	CHECK_ERR(link("alias", "other"), EEXIST);
	CHECK_ERR(link("missing", "x"), ENOENT);
	CHECK_ERR(link("alias", "nodir/x"), ENOENT);
	CHECK_ERR(link("alias/x", "y"), ENOTDIR);

	/* link() does not follow a symlink on Linux: it links the link. */
	REQUIRE(symlink("alias", "sym") == 0);
	CHECK_OK(link("sym", "sym2"));
	CHECK_OK(lstat("sym2", &st));
	CHECK(S_ISLNK(st.st_mode));
	/* linkat with AT_SYMLINK_FOLLOW links the target. */
	CHECK_OK(linkat(AT_FDCWD, "sym", AT_FDCWD, "followed", AT_SYMLINK_FOLLOW));
	CHECK_EQ(ino_of("followed"), ino_of("alias"));
	CHECK_EQ(nlink_of("alias"), 2);
	CHECK_ERR(linkat(AT_FDCWD, "alias", AT_FDCWD, "bad", 0x1), EINVAL);

	unlink("sym");
	unlink("sym2");
	unlink("followed");
	unlink("other");
	rmdir("ld");
	CHECK_OK(unlink("alias"));
}

TEST(symlink_and_readlink_roundtrip)
{
	char buf[64];
	static char target[4200];
	int dfd;

	REQUIRE(mkdir("sd", 0755) == 0);
	put_file("sd/f", "via link");
	/* A relative target is resolved from the link's own directory. */
	CHECK_OK(symlink("f", "sd/rel"));
	CHECK(strcmp(peek("sd/rel"), "via link") == 0);
	/* A symlink to a directory works as a path component. */
	CHECK_OK(symlink("sd", "dirlink"));
	CHECK(strcmp(peek("dirlink/f"), "via link") == 0);

	/* readlink: the target's length, no terminating NUL written. */
	memset(buf, '#', sizeof(buf));
	CHECK_EQ(readlink("sd/rel", buf, sizeof(buf)), 1);
	CHECK_EQ(buf[0], 'f');
	CHECK_EQ(buf[1], '#');
	/* A small buffer truncates silently. */
	CHECK_OK(symlink("abcdefgh", "long"));
	CHECK_EQ(readlink("long", buf, 3), 3);
	CHECK(memcmp(buf, "abc#", 4) == 0);
	/* Symlinks may dangle; readlink does not care. */
	CHECK_EQ(readlink("long", buf, sizeof(buf)), 8);
	/* readlinkat relative to a directory fd. */
	dfd = open("sd", O_RDONLY | O_DIRECTORY);
	REQUIRE(dfd >= 0);
	CHECK_EQ(readlinkat(dfd, "rel", buf, sizeof(buf)), 1);
	CHECK_ERR(readlinkat(dfd, "f", buf, sizeof(buf)), EINVAL);
	close(dfd);

	CHECK_ERR(readlink("sd/f", buf, sizeof(buf)), EINVAL);	/* not a link */
	CHECK_ERR(readlink("nothing", buf, sizeof(buf)), ENOENT);
	/* musl turns a zero size into a 1-byte read: ask the kernel directly. */
	CHECK_ERR(syscall(SYS_readlink, "long", buf, 0), EINVAL);
	CHECK_ERR(symlink("x", "long"), EEXIST);
	CHECK_ERR(symlink("x", "sd"), EEXIST);
	CHECK_ERR(symlink("", "empty"), ENOENT);
	/*
	 * A long target round-trips.  (1000 bytes, not PATH_MAX - 1: ext2
	 * with 1 KiB blocks caps a target at the block size.)
	 */
	memset(target, 'a', 1000);
	target[1000] = 0;
	CHECK_OK(symlink(target, "max"));
	memset(target, 0, sizeof(target));
	CHECK_EQ(readlink("max", target, sizeof(target)), 1000);
	CHECK(target[0] == 'a' && target[999] == 'a' && target[1000] == 0);
	/* A target of PATH_MAX bytes or more is refused before any file system sees it. */
	memset(target, 'a', 4096);
	target[4096] = 0;
	CHECK_ERR(symlink(target, "over"), ENAMETOOLONG);

	unlink("max");
	unlink("long");
	unlink("dirlink");
	unlink("sd/rel");
	unlink("sd/f");
	CHECK_OK(rmdir("sd"));
}

TEST(symlink_loops_give_eloop)
{
	char a[16], b[16];
	struct stat st;
	int fd;

	put_file("target", "end");
	REQUIRE(symlink("self", "self") == 0);
	REQUIRE(symlink("ping", "pong") == 0);
	REQUIRE(symlink("pong", "ping") == 0);
	CHECK_ERR(open("self", O_RDONLY), ELOOP);
	CHECK_ERR(open("self", O_RDWR | O_CREAT, 0644), ELOOP);
	CHECK_ERR(stat("ping", &st), ELOOP);
	CHECK_ERR(open("self/x", O_RDONLY), ELOOP);
	CHECK_ERR(mkdir("ping/x", 0755), ELOOP);
	CHECK_ERR(chdir("pong"), ELOOP);
	/* Not following the last component is fine. */
	CHECK_OK(lstat("ping", &st));
	CHECK(S_ISLNK(st.st_mode));

	/* O_NOFOLLOW on any final symlink is ELOOP. */
	REQUIRE(symlink("target", "l0") == 0);
	CHECK_ERR(open("l0", O_RDONLY | O_NOFOLLOW), ELOOP);

	/* A chain: l(i) -> l(i-1) -> ... -> l0 -> target. */
	for (int i = 1; i <= 40; i++) {
		snprintf(a, sizeof(a), "l%d", i);
		snprintf(b, sizeof(b), "l%d", i - 1);
		REQUIRE(symlink(b, a) == 0);
	}
	/* Linux follows at most 40 links in one lookup. */
	fd = CHECK_OK(open("l39", O_RDONLY));	/* 40 links */
	close(fd);
	CHECK_ERR(open("l40", O_RDONLY), ELOOP);	/* 41 links */

	for (int i = 0; i <= 40; i++) {
		snprintf(a, sizeof(a), "l%d", i);
		unlink(a);
	}
	unlink("self");
	unlink("ping");
	unlink("pong");
	CHECK_OK(unlink("target"));
}

TEST(long_names_give_enametoolong)
{
	char name[300];
	static char path[4200];
	struct stat st;
	int fd;

	/* NAME_MAX is 255: a 255-byte component works... */
	memset(name, 'n', 255);
	name[255] = 0;
	fd = CHECK_OK(open(name, O_CREAT | O_RDWR, 0644));
	close(fd);
	CHECK_OK(stat(name, &st));
	CHECK_OK(unlink(name));
	CHECK_OK(mkdir(name, 0755));
	CHECK_OK(rmdir(name));
	/* ...256 does not, whether or not it exists. */
	memset(name, 'n', 256);
	name[256] = 0;
	CHECK_ERR(open(name, O_CREAT | O_RDWR, 0644), ENAMETOOLONG);
	CHECK_ERR(open(name, O_RDONLY), ENAMETOOLONG);
	CHECK_ERR(stat(name, &st), ENAMETOOLONG);
	CHECK_ERR(mkdir(name, 0755), ENAMETOOLONG);
	CHECK_ERR(symlink("x", name), ENAMETOOLONG);
	put_file("short", "");
	CHECK_ERR(rename("short", name), ENAMETOOLONG);
	CHECK_ERR(link("short", name), ENAMETOOLONG);
	CHECK_OK(unlink("short"));

	/*
	 * PATH_MAX is 4096 including the NUL: a 4095-byte path is looked up
	 * (here: not found), a 4096-byte one is rejected before lookup.
	 */
	for (int i = 0; i < 4094; i += 2)
		memcpy(path + i, "./", 2);
	path[4094] = 'x';
	path[4095] = 0;
	CHECK_ERR(open(path, O_RDONLY), ENOENT);
	path[4095] = 'y';
	path[4096] = 0;
	CHECK_ERR(open(path, O_RDONLY), ENAMETOOLONG);
	CHECK_ERR(stat(path, &st), ENAMETOOLONG);
	CHECK_ERR(mkdir(path, 0755), ENAMETOOLONG);
}

TEST(dot_dotdot_and_trailing_slashes_resolve)
{
	struct stat st;
	int fd;

	REQUIRE(mkdir("d", 0755) == 0);
	put_file("d/f", "F");
	put_file("plain", "P");
	REQUIRE(symlink("d", "to_dir") == 0);
	REQUIRE(symlink("plain", "to_file") == 0);

	CHECK_EQ(ino_of("d/."), ino_of("d"));
	CHECK_EQ(ino_of("d/.."), ino_of("."));
	CHECK_EQ(ino_of("./d/../d/./f"), ino_of("d/f"));
	CHECK_EQ(ino_of("d//f"), ino_of("d/f"));
	/* ".." at the root stays at the root. */
	CHECK_EQ(ino_of("/.."), ino_of("/"));
	CHECK_EQ(ino_of("/../../."), ino_of("/"));
	/* ".." after a non-directory is ENOTDIR: no lexical shortcut. */
	CHECK_ERR(stat("plain/..", &st), ENOTDIR);
	CHECK_ERR(stat("missing/..", &st), ENOENT);

	/* A trailing slash demands a directory. */
	CHECK_OK(stat("d/", &st));
	CHECK_OK(stat("d///", &st));
	CHECK_ERR(stat("plain/", &st), ENOTDIR);
	CHECK_ERR(open("plain/", O_RDONLY), ENOTDIR);
	CHECK_ERR(unlink("plain/"), ENOTDIR);
	CHECK_ERR(rename("plain", "moved/"), ENOTDIR);
	CHECK_ERR(rename("plain/", "moved"), ENOTDIR);
	/* open with O_CREAT cannot create "name/": EISDIR. */
	CHECK_ERR(open("newfile/", O_CREAT | O_RDWR, 0644), EISDIR);
	CHECK_ERR(access("newfile", F_OK), ENOENT);
	/* Directories accept trailing slashes in mkdir, rename and rmdir. */
	CHECK_OK(mkdir("nd/", 0755));
	CHECK_OK(rename("nd/", "nd2/"));
	CHECK_OK(rmdir("nd2/"));
	/* A trailing slash makes even lstat follow a final symlink. */
	CHECK_OK(lstat("to_dir", &st));
	CHECK(S_ISLNK(st.st_mode));
	CHECK_OK(lstat("to_dir/", &st));
	CHECK(S_ISDIR(st.st_mode));
	CHECK_ERR(lstat("to_file/", &st), ENOTDIR);
	/* ...but unlink/rmdir of "link/" see the link and refuse. */
	CHECK_ERR(rmdir("to_dir/"), ENOTDIR);
	CHECK_ERR(unlink("to_dir/"), ENOTDIR);
	fd = CHECK_OK(open("to_dir/", O_RDONLY));
	close(fd);

	unlink("to_dir");
	unlink("to_file");
	unlink("plain");
	unlink("d/f");
	CHECK_OK(rmdir("d"));
}

/*
 * Read the whole directory fd with getdents64 through a small buffer;
 * count how often each of the names "e00".."eNN" is seen, and check the
 * record format and d_type.
 */
static int list_dir(int fd, int *seen, int nseen, int *dots)
{
	char buf[160] __attribute__((aligned(8)));
	int total = 0;
	long n;

	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			size_t len = strlen(d->d_name);

			/* Records are 8-byte aligned and hold the NUL. */
			CHECK_EQ(d->d_reclen % 8, 0);
			CHECK(d->d_reclen >= offsetof(struct linux_dirent64, d_name) + len + 1);
			CHECK(d->d_ino != 0);
			if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) {
				CHECK_EQ(d->d_type, DT_DIR);
				(*dots)++;
			} else if (d->d_name[0] == 'e') {
				int i = atoi(d->d_name + 1);
				if (CHECK(i >= 0 && i < nseen))
					seen[i]++;
				CHECK_EQ(d->d_type, DT_REG);
			} else if (strcmp(d->d_name, "subdir") == 0) {
				CHECK_EQ(d->d_type, DT_DIR);
			} else if (strcmp(d->d_name, "symlink") == 0) {
				CHECK_EQ(d->d_type, DT_LNK);
			} else {
				CHECK(!"unexpected name");
			}
			off += d->d_reclen;
			total++;
		}
	}
	CHECK_EQ(n, 0);
	return total;
}

TEST(getdents64_lists_every_entry_once)
{
	enum { N = 40 };
	int seen[N] = { 0 }, dots = 0, fd, ffd;
	char name[16], tiny[8];

	REQUIRE(mkdir("g", 0755) == 0);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "g/e%02d", i);
		put_file(name, "");
	}
	REQUIRE(mkdir("g/subdir", 0755) == 0);
	REQUIRE(symlink("e00", "g/symlink") == 0);
	fd = open("g", O_RDONLY | O_DIRECTORY);
	REQUIRE(fd >= 0);

	CHECK_EQ(list_dir(fd, seen, N, &dots), N + 4);
	CHECK_EQ(dots, 2);
	for (int i = 0; i < N; i++)
		if (!CHECK_EQ(seen[i], 1))
			break;
	/* At the end it keeps returning 0. */
	CHECK_EQ(syscall(SYS_getdents64, fd, name, sizeof(name)), 0);
	/* lseek to 0 starts over. */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	memset(seen, 0, sizeof(seen));
	dots = 0;
	CHECK_EQ(list_dir(fd, seen, N, &dots), N + 4);

	/* A buffer too small for even one record is EINVAL. */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_ERR(syscall(SYS_getdents64, fd, tiny, sizeof(tiny)), EINVAL);
	CHECK_ERR(syscall(SYS_getdents64, fd, tiny, 0), EINVAL);
	ffd = open("g/e00", O_RDONLY);
	REQUIRE(ffd >= 0);
	CHECK_ERR(syscall(SYS_getdents64, ffd, name, sizeof(name)), ENOTDIR);
	close(ffd);
	close(fd);
	CHECK_ERR(syscall(SYS_getdents64, fd, name, sizeof(name)), EBADF);

	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "g/e%02d", i);
		unlink(name);
	}
	unlink("g/symlink");
	rmdir("g/subdir");
	CHECK_OK(rmdir("g"));
}

/* Entries of a DIR* other than "." and "..", as a bit mask of r0..r9. */
static unsigned readdir_mask(DIR *d)
{
	unsigned mask = 0;
	struct dirent *e;

	errno = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == 'r' && e->d_name[1] >= '0' && e->d_name[1] <= '9')
			mask |= 1u << (e->d_name[1] - '0');
		else if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			CHECK(!"unexpected name");
	}
	/* The end of the directory is NULL with errno untouched. */
	CHECK_EQ(errno, 0);
	return mask;
}

TEST(readdir_sees_changes_after_rewind)
{
	char name[16];
	DIR *d;

	REQUIRE(mkdir("rd", 0755) == 0);
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "rd/r%d", i);
		put_file(name, "");
	}
	d = opendir("rd");
	REQUIRE(d != NULL);
	CHECK_EQ(readdir_mask(d), 0x1f);
	CHECK(readdir(d) == NULL);
	CHECK_OK(unlink("rd/r2"));
	put_file("rd/r7", "");
	rewinddir(d);
	CHECK_EQ(readdir_mask(d), (0x1f & ~(1u << 2)) | (1u << 7));
	closedir(d);

	CHECK(opendir("rd/r0") == NULL && errno == ENOTDIR);
	CHECK(opendir("nothing") == NULL && errno == ENOENT);
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "rd/r%d", i);
		unlink(name);
	}
	CHECK_OK(rmdir("rd"));
}

TEST(getcwd_follows_chdir_fchdir_and_removal)
{
	char start[4096], buf[4096];
	long n;
	int dfd, ffd;

	/* The raw syscall returns the length including the NUL. */
	n = syscall(SYS_getcwd, start, sizeof(start));
	REQUIRE(n > 0);
	CHECK_EQ(n, (long)strlen(start) + 1);
	CHECK_EQ(start[0], '/');
	/* A buffer one byte too small is ERANGE; exactly right is fine. */
	CHECK_ERR(syscall(SYS_getcwd, buf, n - 1), ERANGE);
	CHECK_ERR(syscall(SYS_getcwd, buf, 0), ERANGE);
	CHECK_EQ(syscall(SYS_getcwd, buf, n), n);

	REQUIRE(mkdir("cw", 0755) == 0);
	put_file("cw/f", "here");
	CHECK_OK(chdir("cw"));
	CHECK_EQ(syscall(SYS_getcwd, buf, sizeof(buf)), n + 3);
	CHECK(strncmp(buf, start, n - 1) == 0 && strcmp(buf + n - 1, "/cw") == 0);
	/* Relative lookups now start in cw. */
	CHECK_OK(access("f", F_OK));
	CHECK_OK(chdir(".."));
	CHECK(getcwd(buf, sizeof(buf)) != NULL && strcmp(buf, start) == 0);

	dfd = open("cw", O_RDONLY | O_DIRECTORY);
	REQUIRE(dfd >= 0);
	CHECK_OK(fchdir(dfd));
	CHECK_OK(access("f", F_OK));
	CHECK_OK(chdir(start));	/* absolute path back */
	CHECK(getcwd(buf, sizeof(buf)) != NULL && strcmp(buf, start) == 0);

	CHECK_ERR(chdir("cw/f"), ENOTDIR);
	CHECK_ERR(chdir("nothing"), ENOENT);
	CHECK_ERR(chdir(""), ENOENT);
	ffd = open("cw/f", O_RDONLY);
	REQUIRE(ffd >= 0);
	CHECK_ERR(fchdir(ffd), ENOTDIR);
	close(ffd);
	close(dfd);
	CHECK_ERR(fchdir(dfd), EBADF);
	/* A failed chdir leaves the directory alone. */
	CHECK(getcwd(buf, sizeof(buf)) != NULL && strcmp(buf, start) == 0);

	unlink("cw/f");
	CHECK_OK(rmdir("cw"));

	/* A working directory that is removed while we are in it. */
	REQUIRE(mkdir("gone", 0755) == 0);
	REQUIRE(chdir("gone") == 0);
	CHECK_OK(rmdir("../gone"));
	/* Linux's getcwd says ENOENT for an unlinked working directory. */
	CHECK_ERR(syscall(SYS_getcwd, buf, sizeof(buf)), ENOENT);
	/* "." still opens, but nothing can be created in a dead directory. */
	dfd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
	if (dfd >= 0)
		close(dfd);
	CHECK_ERR(open("new", O_CREAT | O_RDWR, 0644), ENOENT);
	CHECK_ERR(mkdir("newdir", 0755), ENOENT);
	/* ".." still leads back to the parent. */
	CHECK_OK(chdir(".."));
	CHECK(getcwd(buf, sizeof(buf)) != NULL && strcmp(buf, start) == 0);
	CHECK_ERR(access("gone", F_OK), ENOENT);
}
