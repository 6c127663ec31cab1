/*
 * ext2 self-tests that change the file system (see ext2_test.c for the
 * disks): files written at odd sizes and read back, directories made and
 * removed, renames, truncation, unlink giving the blocks back, and a sync
 * at the end, after which the harness runs e2fsck -fn on both images and
 * reads /written.bin back with debugfs (tests/disks.py).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <kmalloc.h>
#include <printk.h>
#include <string.h>
#include <vfs_ops.h>
#include <vfs_test.h>
#include "ext2_test.h"

#define WRITTEN_SIZE (300u * 1024 + 17)	/* tests/disks.py's WRITTEN_SIZE */

/* The byte written.bin holds at offset i (disks.py's written_byte). */
static u8 written_byte(u64 i)
{
	return (i * 13 + (i >> 10)) & 0xff;
}

static void path_in(char *path, size_t size, const char *root, const char *name)
{
	snprintf(path, size, "%s/%s", root, name);
}

/* Write written.bin in chunks of odd sizes (so writes straddle blocks and pages), read it back. */
static void check_written_file(struct ktest_ctx *kt, const char *root)
{
	static const size_t chunks[] = { 1, 511, 1000, 4097, 12345, 65536, 3 };
	struct file *f = open_in(kt, root, "written.bin", O_RDWR | O_CREAT | O_TRUNC);
	u8 *buf = kmalloc(65536, GFP_KERNEL);
	u64 pos = 0;

	if (!f || !KEXPECT(buf != NULL))
		goto out;
	for (int c = 0; pos < WRITTEN_SIZE; c = (c + 1) % 7) {
		size_t n = MIN(chunks[c], WRITTEN_SIZE - pos);
		u64 at = pos;

		for (size_t i = 0; i < n; i++)
			buf[i] = written_byte(at + i);
		if (!KEXPECT_EQ(kernel_write(f, buf, n, &pos), n))
			goto out;
	}
	KEXPECT_EQ(f->f_inode->i_size, WRITTEN_SIZE);
	KEXPECT_EQ(f->f_op->fsync(f), 0);
	/* Read back, from the page cache. */
	KEXPECT_EQ(count_wrong_bytes(kt, f, WRITTEN_SIZE, written_byte), 0);
out:
	kfree(buf);
	if (f)
		fput(f);
}

KTEST(ext2_writes_a_file_at_odd_sizes_and_reads_it_back)
{
	for_each_test_disk(kt, check_written_file);
}

static void check_names(struct ktest_ctx *kt, const char *root)
{
	char a[96], b[96], buf[64];
	struct stat st;

	path_in(a, sizeof(a), root, "newdir");
	KEXPECT_EQ(do_mkdirat(AT_FDCWD, a, 0755), 0);
	KEXPECT_EQ(kt_nlink(a), 2);
	path_in(a, sizeof(a), root, "newdir/file.txt");
	KEXPECT_EQ(kt_put_file(a, "in a new directory\n"), 0);
	KEXPECT_EQ(kt_get_file(a, buf, sizeof(buf)), 19);
	path_in(b, sizeof(b), root, "newdir/renamed.txt");
	KEXPECT_EQ(do_renameat2(AT_FDCWD, a, AT_FDCWD, b, 0), 0);
	KEXPECT_EQ(kt_get_file(a, buf, sizeof(buf)), -ENOENT);
	KEXPECT_EQ(kt_get_file(b, buf, sizeof(buf)), 19);
	/* A subdirectory moved to the root: its ".." and both link counts follow. */
	path_in(a, sizeof(a), root, "newdir/sub");
	KEXPECT_EQ(do_mkdirat(AT_FDCWD, a, 0755), 0);
	path_in(b, sizeof(b), root, "newdir");
	KEXPECT_EQ(kt_nlink(b), 3);
	path_in(b, sizeof(b), root, "moved-sub");
	KEXPECT_EQ(do_renameat2(AT_FDCWD, a, AT_FDCWD, b, 0), 0);
	path_in(a, sizeof(a), root, "newdir");
	KEXPECT_EQ(kt_nlink(a), 2);
	path_in(a, sizeof(a), root, "moved-sub/..");
	KEXPECT_EQ(kt_ino(a), kt_ino(root));
	KEXPECT_EQ(do_rmdir(AT_FDCWD, b), 0);
	/* Symlinks, fast and slow, read back through lstat and by following them. */
	path_in(a, sizeof(a), root, "newdir/fast");
	KEXPECT_EQ(do_symlinkat("renamed.txt", AT_FDCWD, a), 0);
	KEXPECT_EQ(kt_get_file(a, buf, sizeof(buf)), 19);
	path_in(a, sizeof(a), root, "newdir/slow");
	KEXPECT_EQ(do_symlinkat("./././././././././././././././././././././././././././renamed.txt",
				AT_FDCWD, a), 0);
	KEXPECT_EQ(kt_stat(a, &st, false), 0);
	KEXPECT_EQ(st.st_size, 65);
	KEXPECT_EQ(kt_get_file(a, buf, sizeof(buf)), 19);
	/* A hard link, then unlink of the original: the data stays under the other name. */
	path_in(a, sizeof(a), root, "newdir/renamed.txt");
	path_in(b, sizeof(b), root, "newdir/hard");
	KEXPECT_EQ(do_linkat(AT_FDCWD, a, AT_FDCWD, b, 0), 0);
	KEXPECT_EQ(kt_nlink(b), 2);
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, a), 0);
	KEXPECT_EQ(kt_nlink(b), 1);
	KEXPECT_EQ(kt_get_file(b, buf, sizeof(buf)), 19);
	path_in(a, sizeof(a), root, "newdir");
	KEXPECT_EQ(do_rmdir(AT_FDCWD, a), -ENOTEMPTY);
}

KTEST(ext2_makes_renames_links_and_removes_names)
{
	for_each_test_disk(kt, check_names);
}

/* Truncate down into a block, grow again: the old tail reads as zeros; unlink frees it all. */
static void check_truncate_and_unlink(struct ktest_ctx *kt, const char *root)
{
	struct file *f = open_in(kt, root, "shrinking.bin", O_RDWR | O_CREAT | O_TRUNC);
	struct super_block *sb = NULL;
	char path[96], buf[64];
	u64 before = free_blocks(kt, root, &sb), pos = 0;
	u8 *data = kmalloc(100000, GFP_KERNEL);

	if (!f || !sb || !KEXPECT(data != NULL))
		goto out;
	memset(data, 'x', 100000);
	KEXPECT_EQ(kernel_write(f, data, 100000, &pos), 100000);
	KEXPECT(free_blocks(kt, root, &sb) < before);
	KEXPECT_EQ(do_truncate(f->f_path.dentry, 5000), 0);
	KEXPECT_EQ(do_truncate(f->f_path.dentry, 8000), 0);
	pos = 4990;
	KEXPECT_EQ(kernel_read(f, buf, 20, &pos), 20);
	KEXPECT(!memcmp(buf, "xxxxxxxxxx\0\0\0\0\0\0\0\0\0\0", 20));
	KEXPECT_EQ(f->f_op->fsync(f), 0);
	fput(f);
	f = NULL;
	path_in(path, sizeof(path), root, "shrinking.bin");
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, path), 0);
	KEXPECT_EQ(free_blocks(kt, root, &sb), before);
out:
	kfree(data);
	if (f)
		fput(f);
}

/*
 * dir/ carries an htree index on the 1 KiB image (disks.py runs e2fsck -D):
 * the first change clears the index flag, and the directory stays whole.
 */
static void check_indexed_directory(struct ktest_ctx *kt, const char *root)
{
	char path[96], buf[16];
	struct file *f;

	path_in(path, sizeof(path), root, "dir/added-later");
	KEXPECT_EQ(kt_put_file(path, "late"), 0);
	path_in(path, sizeof(path), root, "dir/f000");
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, path), 0);
	f = open_in(kt, root, "dir", O_RDONLY);
	if (f) {
		KEXPECT(!(EXT2_I(f->f_inode)->i_flags & EXT2_INDEX_FL));
		fput(f);
	}
	path_in(path, sizeof(path), root, "dir/f299");
	KEXPECT_EQ(kt_get_file(path, buf, sizeof(buf)), 4);
	path_in(path, sizeof(path), root, "dir/added-later");
	KEXPECT_EQ(kt_get_file(path, buf, sizeof(buf)), 4);
}

KTEST(ext2_changing_an_indexed_directory_drops_its_index)
{
	for_each_test_disk(kt, check_indexed_directory);
}

/* Make inode's link count n, as if it had that many names (restored by the caller). */
static void force_nlink(struct inode *inode, unsigned int n)
{
	spin_lock(&inode->i_lock);
	inode->i_nlink = n;
	spin_unlock(&inode->i_lock);
	ext2_write_inode(inode);
}

/* 32000 links at most, for files (link) and directories (mkdir, rename). */
static void check_link_limit(struct ktest_ctx *kt, const char *root)
{
	char file[96], link[96], sub[96];
	struct file *f = open_in(kt, root, "many-links", O_RDWR | O_CREAT | O_TRUNC);
	struct file *d = open_in(kt, root, "newdir", O_RDONLY);

	path_in(file, sizeof(file), root, "many-links");
	path_in(link, sizeof(link), root, "many-links.2");
	path_in(sub, sizeof(sub), root, "newdir/one-too-many");
	if (f) {
		force_nlink(f->f_inode, EXT2_LINK_MAX - 1);
		KEXPECT_EQ(do_linkat(AT_FDCWD, file, AT_FDCWD, link, 0), 0);
		KEXPECT_EQ(do_linkat(AT_FDCWD, file, AT_FDCWD, sub, 0), -EMLINK);
		KEXPECT_EQ(do_unlinkat(AT_FDCWD, link), 0);
		force_nlink(f->f_inode, 1);
		KEXPECT_EQ(do_unlinkat(AT_FDCWD, file), 0);
		fput(f);
	}
	if (d) {
		unsigned int had = inode_nlink(d->f_inode);

		force_nlink(d->f_inode, EXT2_LINK_MAX);
		KEXPECT_EQ(do_mkdirat(AT_FDCWD, sub, 0755), -EMLINK);
		force_nlink(d->f_inode, had);
		fput(d);
	}
}

KTEST(ext2_refuses_a_link_past_32000_with_emlink)
{
	for_each_test_disk(kt, check_link_limit);
}

KTEST(ext2_truncates_zeroing_the_tail_and_unlink_frees_blocks)
{
	for_each_test_disk(kt, check_truncate_and_unlink);
	sync_filesystems();	/* for the harness's e2fsck and debugfs */
}
