/*
 * ext2 self-tests over images that the host made with mkfs.ext2 -d
 * (tests/disks.py: ext2_staging() says what is in them), one with 4 KiB
 * and one with 1 KiB blocks: boot with ktest_ext2=vdb,vdc (make test does).
 * Each disk is mounted on /ext2test-NAME and read through the VFS, so
 * lookups, the block map at every depth, holes, directories, symlinks and
 * hard links are read the way user space reads them.
 */
#include <cmdline.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <kmalloc.h>
#include <ktest.h>
#include <printk.h>
#include <string.h>
#include <vfs_namei.h>
#include <vfs_ops.h>
#include "ext2.h"
#include "ext2_test.h"
#include <vfs_test.h>

#define BIG_SIZE (3u << 20)
#define SPARSE_TAIL (5ull << 30)	/* past 4 GiB: triple indirect with 4 KiB blocks */
#define DIR_FILES 300
#define RA_SIZE (1u << 20)	/* ra.bin: read by the read-ahead test only, so it starts cold */

/* The byte big.bin holds at offset i (disks.py's big_byte). */
static u8 big_byte(u64 i)
{
	return (i * 7 + (i >> 12)) & 0xff;
}

/* Mount each disk of ktest_ext2= on /ext2test-NAME; run fn on each mount point. */
void for_each_test_disk(struct ktest_ctx *kt, void (*fn)(struct ktest_ctx *kt, const char *root))
{
	char list[64], *name, *rest;

	if (!cmdline_get("ktest_ext2", list, sizeof(list))) {
		ktest_fail(kt, __FILE__, __LINE__, "no ext2 disks: boot with ktest_ext2=vdb,vdc");
		return;
	}
	for (name = list; name && *name; name = rest) {
		char dir[32];
		int err;

		rest = strchr(name, ',');
		if (rest)
			*rest++ = '\0';
		snprintf(dir, sizeof(dir), "/ext2test-%s", name);
		err = do_mkdirat(AT_FDCWD, dir, 0755);
		if (err == 0) {
			err = do_mount(name, dir, "ext2");
			if (!KEXPECT_EQ(err, 0))
				continue;
		} else if (!KEXPECT_EQ(err, -EEXIST)) {
			continue;	/* mounted by an earlier test of this boot if EEXIST */
		}
		fn(kt, dir);
	}
}

struct file *open_in(struct ktest_ctx *kt, const char *root, const char *name, int flags)
{
	char path[128];
	struct file *f;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	f = filp_open(path, flags, 0644);
	if (IS_ERR(f)) {
		ktest_fail(kt, __FILE__, __LINE__, "open %s: %ld", path, PTR_ERR(f));
		return NULL;
	}
	return f;
}

static void check_small_files(struct ktest_ctx *kt, const char *root)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), "%s/hello.txt", root);
	KEXPECT_EQ(kt_get_file(path, buf, sizeof(buf)), 12);
	KEXPECT(!strcmp(buf, "hello, ext2\n"));
	snprintf(path, sizeof(path), "%s/a/b/c/deep.txt", root);
	KEXPECT_EQ(kt_get_file(path, buf, sizeof(buf)), 5);
	KEXPECT(!strcmp(buf, "deep\n"));
	snprintf(path, sizeof(path), "%s/no-such-file", root);
	KEXPECT_EQ(kt_get_file(path, buf, sizeof(buf)), -ENOENT);
}

KTEST(ext2_reads_small_files_and_nested_paths)
{
	for_each_test_disk(kt, check_small_files);
}

u64 count_wrong_bytes(struct ktest_ctx *kt, struct file *f, u64 size, u8 (*expected)(u64))
{
	u8 *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	u64 pos = 0, bad = 0;

	if (!KEXPECT(buf != NULL))
		return ~0ul;
	while (pos < size) {
		u64 at = pos;
		ssize_t n = kernel_read(f, buf, PAGE_SIZE, &pos);

		if (!KEXPECT(n > 0)) {
			bad++;
			break;
		}
		for (ssize_t i = 0; i < n; i++)
			bad += buf[i] != expected(at + i);
	}
	kfree(buf);
	return bad;
}

static void check_big_file(struct ktest_ctx *kt, const char *root)
{
	struct file *f = open_in(kt, root, "big.bin", O_RDONLY);
	u64 pos = BIG_SIZE;
	char c;

	if (!f)
		return;
	KEXPECT_EQ(f->f_inode->i_size, BIG_SIZE);
	KEXPECT_EQ(count_wrong_bytes(kt, f, BIG_SIZE, big_byte), 0);
	KEXPECT_EQ(kernel_read(f, &c, 1, &pos), 0);	/* EOF */
	fput(f);
}

/* 3 MiB: indirect blocks with 4 KiB blocks, double indirect ones with 1 KiB. */
KTEST(ext2_reads_a_file_through_indirect_blocks)
{
	for_each_test_disk(kt, check_big_file);
}

static void check_sparse_file(struct ktest_ctx *kt, const char *root)
{
	struct file *f = open_in(kt, root, "sparse.bin", O_RDONLY);
	char buf[8] = { 0 };
	u64 pos = 0;

	if (!f)
		return;
	KEXPECT_EQ(f->f_inode->i_size, SPARSE_TAIL + 4);
	KEXPECT_EQ(kernel_read(f, buf, 4, &pos), 4);
	KEXPECT(!memcmp(buf, "head", 4));
	pos = 1ull << 30;	/* in the hole */
	memset(buf, 'x', sizeof(buf));
	KEXPECT_EQ(kernel_read(f, buf, 8, &pos), 8);
	KEXPECT(!memcmp(buf, "\0\0\0\0\0\0\0\0", 8));
	pos = SPARSE_TAIL;
	KEXPECT_EQ(kernel_read(f, buf, 8, &pos), 4);	/* short: EOF */
	KEXPECT(!memcmp(buf, "tail", 4));
	fput(f);
}

KTEST(ext2_reads_holes_as_zeros_and_data_past_4gib)
{
	for_each_test_disk(kt, check_sparse_file);
}

struct dir_count {
	struct dir_context ctx;
	int files, dots, other;
};

static bool count_entry(struct dir_context *ctx, const char *name, unsigned int len, u64 ino,
			unsigned int type)
{
	struct dir_count *c = container_of(ctx, struct dir_count, ctx);

	(void)ino;
	if ((len == 1 && name[0] == '.') || (len == 2 && !memcmp(name, "..", 2)))
		c->dots += type == DT_DIR;
	else if (len == 4 && name[0] == 'f' && type == DT_REG)
		c->files++;
	else
		c->other++;
	return true;
}

static void check_directory(struct ktest_ctx *kt, const char *root)
{
	struct file *f = open_in(kt, root, "dir", O_RDONLY);
	struct dir_count c = { .ctx.actor = count_entry };
	char path[128], buf[16];

	if (!f)
		return;
	KEXPECT_EQ(iterate_dir(f, &c.ctx), 0);
	KEXPECT_EQ(c.files, DIR_FILES);
	KEXPECT_EQ(c.dots, 2);
	KEXPECT_EQ(c.other, 0);
	fput(f);
	snprintf(path, sizeof(path), "%s/dir/f123", root);
	KEXPECT_EQ(kt_get_file(path, buf, sizeof(buf)), 4);
	KEXPECT(!strcmp(buf, "f123"));
}

KTEST(ext2_lists_and_finds_entries_of_a_large_directory)
{
	for_each_test_disk(kt, check_directory);
}

static void check_links(struct ktest_ctx *kt, const char *root)
{
	char path[128], buf[64];
	struct stat st;

	snprintf(path, sizeof(path), "%s/link_fast", root);
	KEXPECT_EQ(kt_get_file(path, buf, sizeof(buf)), 12);
	KEXPECT_EQ(kt_stat(path, &st, false), 0);
	KEXPECT(S_ISLNK(st.st_mode));
	KEXPECT_EQ(st.st_size, 9);	/* "hello.txt" */
	snprintf(path, sizeof(path), "%s/link_slow", root);
	KEXPECT_EQ(kt_get_file(path, buf, sizeof(buf)), 5);	/* deep.txt, by a long way */
	KEXPECT_EQ(kt_stat(path, &st, false), 0);
	KEXPECT(st.st_size > 60);
	snprintf(path, sizeof(path), "%s/hard.txt", root);
	KEXPECT_EQ(kt_nlink(path), 2);
	snprintf(buf, sizeof(buf), "%s/hello.txt", root);
	KEXPECT_EQ(kt_ino(path), kt_ino(buf));
}

KTEST(ext2_follows_fast_and_slow_symlinks_and_hard_links)
{
	for_each_test_disk(kt, check_links);
}

/* The free-block count statfs gives for the file system mounted at root. */
u64 free_blocks(struct ktest_ctx *kt, const char *root, struct super_block **sbp)
{
	struct statfs st;
	struct path p;

	if (!KEXPECT_EQ(path_lookupat(AT_FDCWD, root, LOOKUP_DIRECTORY, &p), 0))
		return 0;
	*sbp = p.dentry->d_sb;
	path_put(&p);
	memset(&st, 0, sizeof(st));
	KEXPECT_EQ((*sbp)->s_op->statfs(*sbp, &st), 0);
	return st.f_bfree;
}

#define ALLOC_BLOCKS 40

static void check_block_allocation(struct ktest_ctx *kt, const char *root)
{
	struct super_block *sb = NULL;
	u64 before = free_blocks(kt, root, &sb);
	s64 blocks[ALLOC_BLOCKS];
	int distinct = 1;

	if (!sb)
		return;
	for (int i = 0; i < ALLOC_BLOCKS; i++) {
		blocks[i] = ext2_new_block(sb, 0);
		if (!KEXPECT(blocks[i] > 0))
			return;
		KEXPECT(blocks[i] < EXT2_SB(sb)->blocks_count);
		for (int j = 0; j < i; j++)
			distinct &= blocks[j] != blocks[i];
	}
	KEXPECT(distinct);
	KEXPECT_EQ(free_blocks(kt, root, &sb), before - ALLOC_BLOCKS);
	for (int i = 0; i < ALLOC_BLOCKS; i++)
		KEXPECT_EQ(ext2_free_block(sb, blocks[i]), 0);
	KEXPECT_EQ(free_blocks(kt, root, &sb), before);
	/* A block that is free already: refused, counts untouched. */
	KEXPECT_EQ(ext2_free_block(sb, blocks[0]), -EIO);
	KEXPECT_EQ(free_blocks(kt, root, &sb), before);
}

KTEST(ext2_allocates_and_frees_blocks_keeping_counts)
{
	for_each_test_disk(kt, check_block_allocation);
}

static bool cached(struct file *f, unsigned long index)
{
	struct page *page = find_get_page(f->f_mapping, index);

	if (page)
		put_page(page);
	return page != NULL;
}

/* A sequential reader gets windows of 4, then 8 pages read ahead; the data is right. */
static void check_readahead(struct ktest_ctx *kt, const char *root)
{
	struct file *f = open_in(kt, root, "ra.bin", O_RDONLY);
	u8 *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	u64 pos = 0;

	if (!f || !KEXPECT(buf != NULL))
		goto out;
	KEXPECT(!cached(f, 0));
	KEXPECT_EQ(kernel_read(f, buf, PAGE_SIZE, &pos), PAGE_SIZE);
	KEXPECT(cached(f, 3));		/* the first window: pages 0-3 */
	KEXPECT(!cached(f, 4));
	while (pos < 5 * PAGE_SIZE)
		KEXPECT_EQ(kernel_read(f, buf, PAGE_SIZE, &pos), PAGE_SIZE);
	KEXPECT(cached(f, 11));		/* the miss at page 4 read 4-11 */
	KEXPECT(!cached(f, 12));
	KEXPECT_EQ(count_wrong_bytes(kt, f, RA_SIZE, big_byte), 0);
out:
	kfree(buf);
	if (f)
		fput(f);
}

KTEST(ext2_reads_ahead_of_a_sequential_reader)
{
	for_each_test_disk(kt, check_readahead);
}
