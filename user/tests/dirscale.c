/*
 * Directories at scale and renames: 5,000 entries in one directory
 * (listed each exactly once however small the getdents buffer, found by
 * lookup, half of them removed and the rest listed again, slots reused by
 * names of other lengths), listing while entries go away, resuming a
 * listing at a saved offset, and the rules of rename and rmdir for
 * directories with contents, across parents.
 *
 * Nothing depends on the order of entries or on directory sizes, which
 * differ between ext2 (creation order in blocks, or hash order with
 * dir_index under ext4's driver) and tmpfs.  d_type may be DT_UNKNOWN on
 * an ext2 without the filetype feature; otherwise it is DT_REG.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define N 5000
#define SLOW 120	/* seconds: thousands of entries, under emulation */

/* Entry i of a big directory: its index in hex, short to keep the directory small. */
static const char *ename(int i)
{
	static char name[16];

	snprintf(name, sizeof(name), "%x", i);
	return name;
}

/* The index of a name made by ename, or -1 for any other name. */
static int eindex(const char *name)
{
	char *end;
	long i = strtol(name, &end, 16);

	if (*end || i < 0 || i >= N || strcmp(ename(i), name))
		return -1;
	return i;
}

/* The name of source file k of dir's links (in the current directory, not in dir). */
static const char *srcname(const char *dir, int k)
{
	static char name[64];

	snprintf(name, sizeof(name), "%s.src%d", dir, k);
	return name;
}

/*
 * Make directory dir with entries 0..n-1: n new empty files if nsrc is 0,
 * else hard links, entry i to source file i % nsrc.  Links make the
 * same directory entries without making and freeing thousands of inodes:
 * Linux's ext4 driver (which mounts ext2 in the Linux guest) skips
 * inodes freed in the last half minute, so file after file made right
 * after thousands were freed costs a scan each.
 * Returns an fd of dir.
 */
static int make_entries(const char *dir, int n, int nsrc)
{
	int dfd;

	utest_timeout = SLOW;
	utest_watchdog();
	REQUIRE(mkdir(dir, 0755) == 0);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	REQUIRE(dfd >= 0);
	for (int k = 0; k < nsrc; k++)
		put_file(srcname(dir, k), "");
	for (int i = 0; i < n; i++) {
		if (nsrc) {
			REQUIRE(linkat(AT_FDCWD, srcname(dir, i % nsrc), dfd, ename(i), 0) == 0);
		} else {
			int fd = openat(dfd, ename(i), O_CREAT | O_EXCL | O_WRONLY, 0644);

			REQUIRE(fd >= 0);
			close(fd);
		}
	}
	return dfd;
}

/* Remove whatever entries 0..N-1 are left, then dir itself and its sources. */
static void remove_entries(int dfd, const char *dir)
{
	for (int i = 0; i < N; i++)
		if (unlinkat(dfd, ename(i), 0) != 0)
			CHECK_EQ(errno, ENOENT);
	close(dfd);
	CHECK_OK(rmdir(dir));
	for (int k = 0; access(srcname(dir, k), F_OK) == 0; k++)
		CHECK_OK(unlink(srcname(dir, k)));
}

struct listing {
	int count[N];		/* times entry i was listed */
	int dots, others;	/* "." and "..", and names not made by ename */
	int records;
	long long off[N + 3];	/* d_off of each record, in order */
	int index[N + 3];	/* its entry index (-1: not an entry) */
};

/*
 * List dfd from its current offset with getdents64 into a buffer of
 * bufsize bytes; after each batch, between(arg) if given.
 */
static void list_dir(int dfd, size_t bufsize, struct listing *l, void (*between)(void *), void *arg)
{
	static char buf[32768];
	long n;

	memset(l, 0, sizeof(*l));
	while ((n = syscall(SYS_getdents64, dfd, buf, bufsize)) > 0) {
		for (long pos = 0; pos < n;) {
			const struct linux_dirent64 *d = (const void *)(buf + pos);
			int i = eindex(d->d_name);

			if (i >= 0) {
				l->count[i]++;
				CHECK(d->d_type == DT_REG || d->d_type == DT_UNKNOWN);
			} else if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..")) {
				l->dots++;
			} else {
				l->others++;
			}
			if (l->records < N + 3) {
				l->off[l->records] = d->d_off;
				l->index[l->records] = i;
			}
			l->records++;
			pos += d->d_reclen;
		}
		if (between)
			between(arg);
	}
	CHECK_EQ(n, 0);
}

/* Is every entry listed as often as want(i) says (0 or 1)? */
static int listed_as(const struct listing *l, int (*want)(int))
{
	for (int i = 0; i < N; i++)
		if (l->count[i] != want(i)) {
			utest_printf("#     entry %s listed %d times, not %d\n", ename(i),
				     l->count[i], want(i));
			return 0;
		}
	return 1;
}

static int all(int i)
{
	(void)i;
	return 1;
}

static int even(int i)
{
	return i % 2 == 0;
}

/* The name of the i-th of the names of other lengths added to a directory. */
static const char *other_name(int i)
{
	static char name[32];

	snprintf(name, sizeof(name), "new-%03d-%.*s", i, i % 20, "....................");
	return name;
}

TEST(five_thousand_files_listed_found_halved_and_listed_again)
{
	static struct listing l;
	struct stat st;
	int dfd = make_entries("big", N, 0), ok = 1;

	/* A buffer for a few records at a time: hundreds of calls, each resuming. */
	list_dir(dfd, 256, &l, NULL, NULL);
	CHECK(listed_as(&l, all));
	CHECK_EQ(l.dots, 2);
	CHECK_EQ(l.others, 0);
	/* From the start again, with a large buffer: the same. */
	CHECK_EQ(lseek(dfd, 0, SEEK_SET), 0);
	list_dir(dfd, 32768, &l, NULL, NULL);
	CHECK(listed_as(&l, all));
	/* Every name is found, and is a file. */
	for (int i = 0; i < N && ok; i++)
		ok = CHECK_OK(fstatat(dfd, ename(i), &st, 0)) == 0 && CHECK(S_ISREG(st.st_mode));
	/* Near misses are not: past the last index, upper case, a prefix plus a letter. */
	CHECK_ERR(fstatat(dfd, ename(N), &st, 0), ENOENT);
	CHECK_ERR(fstatat(dfd, "ABC", &st, 0), ENOENT);
	CHECK_ERR(fstatat(dfd, "abcx", &st, 0), ENOENT);
	CHECK_ERR(fstatat(dfd, "0x1", &st, 0), ENOENT);
	/* Files add no links to their directory. */
	CHECK_OK(fstat(dfd, &st));
	CHECK_EQ(st.st_nlink, 2);

	/* Half of them go: the rest is listed once each, the others are not found. */
	for (int i = 1; i < N; i += 2)
		REQUIRE(unlinkat(dfd, ename(i), 0) == 0);
	CHECK_EQ(lseek(dfd, 0, SEEK_SET), 0);
	list_dir(dfd, 1024, &l, NULL, NULL);
	CHECK(listed_as(&l, even));
	CHECK_EQ(l.dots, 2);
	CHECK_ERR(fstatat(dfd, ename(1), &st, 0), ENOENT);
	CHECK_ERR(fstatat(dfd, ename(N - 1), &st, 0), ENOENT);
	CHECK_OK(fstatat(dfd, ename(N - 2), &st, 0));
	/* Names of other lengths go into the freed room; all are listed once. */
	put_file("big.src0", "");
	for (int i = 0; i < 500; i++)
		REQUIRE(linkat(AT_FDCWD, "big.src0", dfd, other_name(i), 0) == 0);
	CHECK_EQ(lseek(dfd, 0, SEEK_SET), 0);
	list_dir(dfd, 4096, &l, NULL, NULL);
	CHECK(listed_as(&l, even));
	CHECK_EQ(l.others, 500);
	/* Emptied, however many blocks it grew to, the directory can be removed. */
	for (int i = 0; i < 500; i++)
		CHECK_OK(unlinkat(dfd, other_name(i), 0));
	remove_entries(dfd, "big");
}

struct unlinker {
	int dfd, next;		/* the next entry to remove: every 7th */
};

/* Between batches: remove the next 21 multiples of 7, listed already or not. */
static void unlink_some(void *arg)
{
	struct unlinker *u = arg;

	for (int k = 0; k < 21 && u->next < N; k++, u->next += 7)
		CHECK_OK(unlinkat(u->dfd, ename(u->next), 0));
}

TEST(listing_while_entries_go_lists_the_others_once)
{
	static struct listing l;
	int dfd = make_entries("going", N, 1), twice = 0;
	struct unlinker u = { dfd, 0 };

	/*
	 * Whether a removed entry is still listed is unspecified; every entry
	 * that stays must be listed exactly once.
	 */
	list_dir(dfd, 512, &l, unlink_some, &u);
	for (int i = 0; i < N; i++) {
		if (i % 7 == 0)
			twice += l.count[i] > 1;
		else if (!CHECK_EQ(l.count[i], 1))
			break;
	}
	CHECK_EQ(twice, 0);
	remove_entries(dfd, "going");
}

TEST(listing_resumes_at_a_saved_offset)
{
	static struct listing l, rest;
	int dfd = make_entries("resume", 1500, 1);

	list_dir(dfd, 8192, &l, NULL, NULL);
	REQUIRE(l.records == 1502);
	/*
	 * Each record's d_off is where the listing goes on after it: seeking
	 * there and listing again yields exactly the records that followed.
	 */
	for (int k = 0; k < l.records - 1; k += 97) {
		CHECK_EQ(lseek(dfd, l.off[k], SEEK_SET), l.off[k]);
		list_dir(dfd, 600, &rest, NULL, NULL);
		if (!CHECK_EQ(rest.records, l.records - k - 1))
			break;
		for (int j = 0; j < rest.records; j++)
			if (!CHECK_EQ(rest.index[j], l.index[k + 1 + j]))
				break;
	}
	/* At the last record's offset there is nothing more. */
	CHECK_EQ(lseek(dfd, l.off[l.records - 1], SEEK_SET), l.off[l.records - 1]);
	list_dir(dfd, 600, &rest, NULL, NULL);
	CHECK_EQ(rest.records, 0);
	remove_entries(dfd, "resume");
}

static ino_t ino_at(int dfd, const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st.st_ino : 0;
}

TEST(renames_over_existing_names_in_a_large_directory)
{
	static struct listing l;
	char longer[32];
	int dfd = make_entries("renames", N, 2);
	ino_t src;

	/*
	 * Entry i replaces entry N-1-i, for the first 100: 4,900 names stay.
	 * The two are links to different files (N is even), or the rename
	 * would do nothing at all.
	 */
	for (int i = 0; i < 100; i++) {
		char to[16];

		snprintf(to, sizeof(to), "%s", ename(N - 1 - i));
		src = ino_at(dfd, ename(i));
		if (CHECK_OK(renameat(dfd, ename(i), dfd, to)) != 0 ||
		    !CHECK_EQ(ino_at(dfd, to), src))
			break;
	}
	/* Longer names for the next 100. */
	for (int i = 100; i < 200; i++) {
		snprintf(longer, sizeof(longer), "renamed-to-a-longer-name-%d", i);
		CHECK_OK(renameat(dfd, ename(i), dfd, longer));
	}
	list_dir(dfd, 2048, &l, NULL, NULL);
	for (int i = 0; i < N; i++)
		if (!CHECK_EQ(l.count[i], i >= 200))
			break;
	CHECK_EQ(l.others, 100);
	for (int i = 100; i < 200; i++) {
		snprintf(longer, sizeof(longer), "renamed-to-a-longer-name-%d", i);
		CHECK_OK(unlinkat(dfd, longer, 0));
	}
	remove_entries(dfd, "renames");
}

TEST(rename_directories_across_parents_keeps_link_counts)
{
	int replaced;

	REQUIRE(mkdir("p", 0755) == 0 && mkdir("q", 0755) == 0);
	REQUIRE(mkdir("p/x", 0755) == 0);
	put_file("p/x/f", "moved");
	REQUIRE(mkdir("q/y", 0755) == 0);
	REQUIRE(mkdir("q/full", 0755) == 0);
	put_file("q/full/g", "");
	REQUIRE(mkdir("q/only_sub", 0755) == 0 && mkdir("q/only_sub/s", 0755) == 0);
	CHECK_EQ(path_nlink("p"), 3);
	CHECK_EQ(path_nlink("q"), 5);
	replaced = open("q/y", O_RDONLY | O_DIRECTORY);
	REQUIRE(replaced >= 0);

	/* A directory with contents over an empty one in another parent. */
	CHECK_OK(rename("p/x", "q/y"));
	CHECK_EQ(path_nlink("p"), 2);	/* lost x's ".." */
	CHECK_EQ(path_nlink("q"), 5);	/* lost y's, gained x's */
	CHECK_EQ(path_ino("q/y/.."), path_ino("q"));
	CHECK_OK(access("q/y/f", F_OK));
	/* The replaced directory is dead: no links, no listing, no new names. */
	struct stat st;
	char buf[256];
	CHECK_OK(fstat(replaced, &st));
	CHECK_EQ(st.st_nlink, 0);
	CHECK_ERR(syscall(SYS_getdents64, replaced, buf, sizeof(buf)), ENOENT);
	CHECK_ERR(openat(replaced, "new", O_CREAT | O_WRONLY, 0644), ENOENT);
	close(replaced);

	/* Over a non-empty directory, whether it holds a file or only a directory. */
	CHECK_ERR(rename("q/y", "q/full"), ENOTEMPTY);
	CHECK_ERR(rename("q/y", "q/only_sub"), ENOTEMPTY);
	/* Into its own subtree, however deep. */
	REQUIRE(mkdir("q/y/d1", 0755) == 0 && mkdir("q/y/d1/d2", 0755) == 0);
	CHECK_ERR(rename("q/y", "q/y/d1/d2/z"), EINVAL);
	CHECK_ERR(rename("q", "q/y/d1/d2/z"), EINVAL);
	CHECK_ERR(rename("q/y", "q/y/d1/d2"), EINVAL);
	/* File over directory, directory over file. */
	CHECK_ERR(rename("q/y/f", "q/full"), EISDIR);
	CHECK_ERR(rename("q/full", "q/y/f"), ENOTDIR);
	/* Up two levels: ".." follows, the old parent loses a link. */
	CHECK_EQ(path_nlink("q/y/d1"), 3);
	CHECK_OK(rename("q/y/d1/d2", "d2"));
	CHECK_EQ(path_nlink("q/y/d1"), 2);
	CHECK_EQ(path_ino("d2/.."), path_ino("."));
	CHECK_EQ(path_nlink("q"), 5);
	/* Nothing was lost on the way. */
	CHECK_OK(access("q/full/g", F_OK));
	CHECK_OK(access("q/only_sub/s", F_OK));

	CHECK_OK(rmdir("d2"));
	CHECK_OK(rmdir("q/y/d1"));
	CHECK_OK(unlink("q/y/f"));
	CHECK_OK(rmdir("q/y"));
	CHECK_OK(unlink("q/full/g"));
	CHECK_OK(rmdir("q/full"));
	CHECK_OK(rmdir("q/only_sub/s"));
	CHECK_OK(rmdir("q/only_sub"));
	CHECK_OK(rmdir("q"));
	CHECK_OK(rmdir("p"));
}

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif

TEST(renameat2_noreplace_and_exchange)
{
	long r;

	REQUIRE(mkdir("ea", 0755) == 0 && mkdir("eb", 0755) == 0);
	REQUIRE(mkdir("ea/sub", 0755) == 0);
	put_file("ea/sub/in_a", "");
	put_file("eb/file", "B");
	CHECK_ERR(syscall(SYS_renameat2, AT_FDCWD, "ea/sub", AT_FDCWD, "eb/file", RENAME_NOREPLACE),
		  EEXIST);
	CHECK_ERR(syscall(SYS_renameat2, AT_FDCWD, "eb/file", AT_FDCWD, "ea/sub",
			  RENAME_NOREPLACE | RENAME_EXCHANGE), EINVAL);
	/* NOREPLACE onto a free name is a plain rename. */
	CHECK_OK(syscall(SYS_renameat2, AT_FDCWD, "eb/file", AT_FDCWD, "eb/file2",
			 RENAME_NOREPLACE));
	/*
	 * EXCHANGE swaps a directory and a file in different parents.  Linux's
	 * own ext2 driver does not offer it (EINVAL); ext4's and tmpfs do.
	 */
	r = syscall(SYS_renameat2, AT_FDCWD, "ea/sub", AT_FDCWD, "eb/file2", RENAME_EXCHANGE);
	if (r == 0) {
		CHECK_OK(access("eb/file2/in_a", F_OK));
		CHECK_EQ(path_ino("eb/file2/.."), path_ino("eb"));
		CHECK_EQ(path_nlink("ea"), 2);
		CHECK_EQ(path_nlink("eb"), 3);
		CHECK_OK(rename("eb/file2", "ea/back"));
		CHECK_OK(rename("ea/sub", "eb/file2"));
		CHECK_OK(rename("ea/back", "ea/sub"));
	} else {
		CHECK_EQ(errno, EINVAL);
	}
	CHECK_OK(access("ea/sub/in_a", F_OK));
	CHECK_OK(unlink("ea/sub/in_a"));
	CHECK_OK(rmdir("ea/sub"));
	CHECK_OK(unlink("eb/file2"));
	CHECK_OK(rmdir("ea"));
	CHECK_OK(rmdir("eb"));
}

TEST(rmdir_needs_an_empty_directory_even_a_big_one)
{
	int dfd = make_entries("rmbig", 1000, 1), held;

	CHECK_ERR(rmdir("rmbig"), ENOTEMPTY);
	for (int i = 0; i < 999; i++)
		REQUIRE(unlinkat(dfd, ename(i), 0) == 0);
	/* One entry left, the last one made. */
	CHECK_ERR(rmdir("rmbig"), ENOTEMPTY);
	/* A file still open counts only while it has a name. */
	held = openat(dfd, ename(999), O_RDONLY);
	REQUIRE(held >= 0);
	CHECK_OK(unlinkat(dfd, ename(999), 0));
	CHECK_OK(rmdir("rmbig"));
	CHECK_ERR(access("rmbig", F_OK), ENOENT);
	/* The held file lives on, with only its name outside (its source's). */
	struct stat st;
	CHECK_OK(fstat(held, &st));
	CHECK_EQ(st.st_nlink, 1);
	close(held);
	close(dfd);
	CHECK_OK(unlink("rmbig.src0"));
}

/* Long name i: "L" and i in three digits, padded with 'x' to 100-255 bytes. */
static const char *long_name(int i, int variant)
{
	static char name[256];
	int len = 100 + (i * 53 + variant * 71) % 156;

	memset(name, 'x', len);
	snprintf(name, 5, "L%03d", i);
	name[4] = 'x';
	name[len] = 0;
	return name;
}

/* Through readdir(3): is every long name i listed once, in its variant variants[i]? */
static int long_names_listed(const char *dir, const int *variants, int n)
{
	int seen[256] = { 0 }, ok = 1;
	struct dirent *e;
	DIR *d = opendir(dir);

	REQUIRE(d != NULL && n <= 256);
	while ((e = readdir(d)) != NULL) {
		int i = atoi(e->d_name + 1);

		if (e->d_name[0] != 'L')
			continue;
		if (CHECK(i >= 0 && i < n && variants[i] >= 0) &&
		    CHECK(!strcmp(e->d_name, long_name(i, variants[i]))))
			seen[i]++;
		else
			ok = 0;
	}
	closedir(d);
	for (int i = 0; i < n; i++)
		ok &= CHECK_EQ(seen[i], variants[i] >= 0);
	return ok;
}

TEST(long_names_of_every_length_reuse_freed_room)
{
	enum { LONG = 200 };
	int variant[LONG], dfd = make_entries("longs", 0, 1);
	char path[300];

	/* 200 names of 100 to 255 bytes: entries of every size, many blocks. */
	for (int i = 0; i < LONG; i++) {
		variant[i] = 0;
		REQUIRE(linkat(AT_FDCWD, "longs.src0", dfd, long_name(i, 0), 0) == 0);
	}
	CHECK(long_names_listed("longs", variant, LONG));
	/* Every third goes, and comes back with another length: freed room split or merged. */
	for (int i = 0; i < LONG; i += 3) {
		CHECK_OK(unlinkat(dfd, long_name(i, 0), 0));
		variant[i] = -1;
	}
	CHECK(long_names_listed("longs", variant, LONG));
	for (int i = 0; i < LONG; i += 3) {
		CHECK_OK(linkat(AT_FDCWD, "longs.src0", dfd, long_name(i, 1), 0));
		variant[i] = 1;
	}
	CHECK(long_names_listed("longs", variant, LONG));
	/* Each is found by its name, and not by its old one. */
	for (int i = 0; i < LONG; i++) {
		snprintf(path, sizeof(path), "longs/%s", long_name(i, variant[i]));
		if (CHECK_OK(access(path, F_OK)) != 0)
			break;
	}
	snprintf(path, sizeof(path), "longs/%s", long_name(0, 0));
	CHECK_ERR(access(path, F_OK), ENOENT);
	for (int i = 0; i < LONG; i++)
		CHECK_OK(unlinkat(dfd, long_name(i, variant[i]), 0));
	remove_entries(dfd, "longs");
}
