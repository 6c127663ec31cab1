/*
 * Write-back I/O errors reported to user space, the way Linux (errseq_t,
 * since 4.13) reports them.
 *
 * A write() only copies into the page cache; the disk write happens later
 * (in the background, or when fsync asks for it) and may fail.  Linux keeps
 * one error counter per file's mapping and a sample of it in every open
 * file description: fsync, fdatasync and msync(MS_SYNC) report EIO on a
 * description that has not yet seen the latest error, then advance its
 * sample.  A description opened while the latest error is still unseen
 * starts from before it, so every description open when the write failed,
 * or opened before anyone was told, hears of it exactly once; one opened
 * after that hears nothing.  Dup'd descriptors share a description, hence
 * its one report.  close() reports nothing.
 *
 * The tests need a disk with injected errors, so they run only in the
 * directory named by TEST_EIO_DIR, else they skip (the host's disk has no
 * errors to inject).  There the harness mounts an ext2 with 1 KiB blocks
 * whose root holds eio1..eio4, 64 KiB of non-zero bytes each, attached
 * through QEMU's blkdebug: the first write covering the first sector of
 * each file's data fails with EIO, once; later writes succeed, and reads
 * never fail (the rules say iotype "write": without it a rule, once armed,
 * fails the first read of its sector as well, such as the page fault of
 * the msync test).  Each test uses a file of its own, so each meets its
 * own error exactly once, and the program runs once per fresh image.
 *
 * After a failed write-back Linux leaves the page in the cache, clean and
 * up to date, and never writes it again: reads return the bytes that were
 * written for as long as the page stays cached (nothing here evicts it),
 * while the disk keeps the old bytes.
 */
#define _GNU_SOURCE
#include "utest.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096
#define SEED 7		/* the pattern the tests write: unlike the files' old bytes */

/* Open name in TEST_EIO_DIR with flags, or skip the test if there is no such directory. */
static int open_eio(const char *name, int flags)
{
	const char *dir = getenv("TEST_EIO_DIR");
	char path[PATH_MAX];
	int fd;

	if (!dir || !*dir)
		utest_skip("TEST_EIO_DIR is not set: no disk with injected write errors");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, flags);
	REQUIRE(fd >= 0);
	return fd;
}

/*
 * The failed write-back lost nothing that a read can see: the first page
 * still reads whole, and holds what was written (the cached page).
 */
static void first_page_reads_back(int fd)
{
	CHECK_PAT(fd, 0, PAGE, SEED);
}

/* sync_fn (fsync or fdatasync) reports the failed write of name once. */
static void sync_reports_error_once(const char *name, int (*sync_fn)(int))
{
	int fd = open_eio(name, O_RDWR);

	pat_write(fd, 0, PAGE, SEED);
	CHECK_ERR(sync_fn(fd), EIO);
	CHECK_EQ(sync_fn(fd), 0);	/* seen: not reported again */
	first_page_reads_back(fd);
	CHECK_OK(close(fd));
}

TEST(fsync_reports_a_failed_write_once)
{
	sync_reports_error_once("eio1", fsync);
}

/*
 * Two descriptions open before the error each see it once; a dup shares
 * its description's report.  The second is read-only: fsync needs no
 * write access, and a reader hears of the lost write too.  A description
 * opened after the write failed but before anyone saw the error sees it
 * as well (sync() writes back without reporting to anyone); one opened
 * after the error was seen sees nothing.
 */
TEST(each_open_file_sees_the_error_once)
{
	int a = open_eio("eio2", O_RDWR), b = open_eio("eio2", O_RDONLY);
	int a2 = dup(a), late, c;

	REQUIRE(a2 >= 0);
	pat_write(a, 0, PAGE, SEED);
	sync();			/* the write-back fails here, unseen */
	late = open_eio("eio2", O_RDONLY);
	/* Opened after the failure, before anyone was told: it hears first. */
	CHECK_ERR(fsync(late), EIO);
	CHECK_EQ(fsync(late), 0);
	CHECK_ERR(fsync(a), EIO);	/* late's fsync did not use up a's report */
	CHECK_EQ(fsync(a2), 0);		/* the same description: already told */
	CHECK_EQ(fsync(a), 0);
	CHECK_ERR(fsync(b), EIO);
	CHECK_EQ(fsync(b), 0);
	c = open_eio("eio2", O_RDWR);
	CHECK_EQ(fsync(c), 0);		/* opened after the error was seen */
	first_page_reads_back(c);
	CHECK_OK(close(a));
	CHECK_OK(close(a2));
	CHECK_OK(close(b));
	CHECK_OK(close(late));
	CHECK_OK(close(c));
}

/*
 * A store through a shared mapping fails to reach the disk: msync(MS_SYNC)
 * reports it once.  msync syncs the mapping's file description, the same
 * one fd names, so fsync(fd) afterwards has nothing left to report.
 */
TEST(msync_reports_a_failed_write_once)
{
	int fd = open_eio("eio3", O_RDWR);
	unsigned char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	REQUIRE(p != MAP_FAILED);
	pat_fill(p, PAGE, 0, SEED);
	CHECK_ERR(msync(p, PAGE, MS_SYNC), EIO);
	CHECK_EQ(msync(p, PAGE, MS_SYNC), 0);
	CHECK_EQ(fsync(fd), 0);
	CHECK_OK(munmap(p, PAGE));
	first_page_reads_back(fd);
	CHECK_OK(close(fd));
}

TEST(fdatasync_reports_a_failed_write_once)
{
	sync_reports_error_once("eio4", fdatasync);
}
