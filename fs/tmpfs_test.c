/*
 * Self-tests for tmpfs through the VFS: files in the page cache, link
 * counts, truncation, unlinked-but-open files, directory listing.
 */
#include <err.h>
#include <errno.h>
#include <ktest.h>
#include <printk.h>
#include <string.h>
#include <vfs_namei.h>
#include <vfs_ops.h>
#include <vfs_test.h>

KTEST(tmpfs_write_read_seek_append)
{
	char buf[64];
	struct file *f;
	u64 pos = 0;

	f = filp_open("/kt_rw", O_RDWR | O_CREAT | O_EXCL, 0644);
	if (!KEXPECT(!IS_ERR(f)))
		return;
	KEXPECT_EQ(kernel_write(f, "hello, ", 7, &pos), 7);
	KEXPECT_EQ(kernel_write(f, "world", 5, &pos), 5);
	KEXPECT_EQ(f->f_inode->i_size, 12);
	KEXPECT_EQ(kernel_read(f, buf, sizeof(buf), &pos), 0);	/* at EOF */
	pos = 7;
	KEXPECT_EQ(kernel_read(f, buf, sizeof(buf), &pos), 5);
	KEXPECT(memcmp(buf, "world", 5) == 0);
	/* Past the end, a write leaves a hole that reads as zeros. */
	pos = 3 * PAGE_SIZE + 10;
	KEXPECT_EQ(kernel_write(f, "Z", 1, &pos), 1);
	KEXPECT_EQ(f->f_inode->i_size, 3 * PAGE_SIZE + 11);
	pos = PAGE_SIZE;
	memset(buf, 'x', sizeof(buf));
	KEXPECT_EQ(kernel_read(f, buf, 8, &pos), 8);
	KEXPECT(memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0);
	fput(f);
	KEXPECT_EQ(filp_open("/kt_rw", O_RDWR | O_CREAT | O_EXCL, 0644), ERR_PTR(-EEXIST));

	/* O_APPEND writes land at the end, whatever the offset says. */
	f = filp_open("/kt_rw", O_WRONLY | O_TRUNC | O_APPEND, 0);
	if (!KEXPECT(!IS_ERR(f)))
		return;
	KEXPECT_EQ(f->f_inode->i_size, 0);
	pos = 0;
	KEXPECT_EQ(kernel_write(f, "ab", 2, &pos), 2);
	pos = 0;
	KEXPECT_EQ(kernel_write(f, "cd", 2, &pos), 2);
	KEXPECT_EQ(pos, 4);
	fput(f);
	KEXPECT_EQ(kt_get_file("/kt_rw", buf, sizeof(buf)), 4);
	KEXPECT(strcmp(buf, "abcd") == 0);
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_rw"), 0);
}

KTEST(tmpfs_truncate_drops_and_zeroes)
{
	struct path path;
	char buf[32];
	struct stat st;
	u64 pos;
	struct file *f;

	KEXPECT_EQ(kt_put_file("/kt_tr", "0123456789"), 0);
	f = filp_open("/kt_tr", O_RDWR, 0);
	if (!KEXPECT(!IS_ERR(f)))
		return;
	KEXPECT_EQ(do_truncate(f->f_path.dentry, 4), 0);
	KEXPECT_EQ(f->f_inode->i_size, 4);
	/* Growing again shows zeros, not the old bytes. */
	KEXPECT_EQ(do_truncate(f->f_path.dentry, 8), 0);
	pos = 0;
	KEXPECT_EQ(kernel_read(f, buf, sizeof(buf), &pos), 8);
	KEXPECT(memcmp(buf, "0123\0\0\0\0", 8) == 0);
	/* Pages past the end go back. */
	pos = 5 * PAGE_SIZE;
	KEXPECT_EQ(kernel_write(f, "x", 1, &pos), 1);
	KEXPECT_EQ(kt_stat("/kt_tr", &st, true), 0);
	KEXPECT_EQ(st.st_blocks, 2 * (PAGE_SIZE / 512));
	KEXPECT_EQ(do_truncate(f->f_path.dentry, 0), 0);
	KEXPECT_EQ(f->f_mapping->nrpages, 0);
	fput(f);

	/* truncate() refuses directories and negative sizes. */
	KEXPECT_EQ(path_lookupat(AT_FDCWD, "/dev", 0, &path), 0);
	KEXPECT_EQ(vfs_truncate(&path, 0), -EISDIR);
	path_put(&path);
	KEXPECT_EQ(path_lookupat(AT_FDCWD, "/kt_tr", 0, &path), 0);
	KEXPECT_EQ(vfs_truncate(&path, -1), -EINVAL);
	path_put(&path);
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_tr"), 0);
}

KTEST(tmpfs_link_counts)
{
	u64 root = kt_nlink("/");

	KEXPECT_EQ(do_mkdirat(AT_FDCWD, "/kt_l", 0755), 0);
	KEXPECT_EQ(kt_nlink("/kt_l"), 2);
	KEXPECT_EQ(kt_nlink("/"), root + 1);
	KEXPECT_EQ(do_mkdirat(AT_FDCWD, "/kt_l/sub", 0755), 0);
	KEXPECT_EQ(kt_nlink("/kt_l"), 3);
	KEXPECT_EQ(kt_put_file("/kt_l/f", "x"), 0);
	KEXPECT_EQ(kt_nlink("/kt_l"), 3);	/* files do not count */
	KEXPECT_EQ(do_linkat(AT_FDCWD, "/kt_l/f", AT_FDCWD, "/kt_l/g", 0), 0);
	KEXPECT_EQ(kt_nlink("/kt_l/f"), 2);
	KEXPECT_EQ(kt_ino("/kt_l/f"), kt_ino("/kt_l/g"));
	KEXPECT_EQ(do_linkat(AT_FDCWD, "/kt_l/sub", AT_FDCWD, "/kt_l/sub2", 0), -EPERM);
	KEXPECT_EQ(do_linkat(AT_FDCWD, "/kt_l/f", AT_FDCWD, "/kt_l/g", 0), -EEXIST);
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_l/f"), 0);
	KEXPECT_EQ(kt_nlink("/kt_l/g"), 1);

	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_l"), -ENOTEMPTY);
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_l/sub"), -EISDIR);
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_l/g"), -ENOTDIR);
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_l/sub/."), -EINVAL);
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_l/sub/.."), -ENOTEMPTY);
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_l/sub"), 0);
	KEXPECT_EQ(kt_nlink("/kt_l"), 2);
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_l/g"), 0);
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_l"), 0);
	KEXPECT_EQ(kt_nlink("/"), root);
}

KTEST(tmpfs_unlinked_file_lives_while_open)
{
	struct stat st;
	char buf[16];
	u64 pos = 0;
	struct file *f;

	KEXPECT_EQ(kt_put_file("/kt_u", "still here"), 0);
	f = filp_open("/kt_u", O_RDWR, 0);
	if (!KEXPECT(!IS_ERR(f)))
		return;
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_u"), 0);
	KEXPECT_EQ(kt_stat("/kt_u", &st, false), -ENOENT);
	KEXPECT_EQ(inode_nlink(f->f_inode), 0);
	KEXPECT_EQ(kernel_read(f, buf, 10, &pos), 10);
	KEXPECT(memcmp(buf, "still here", 10) == 0);
	/* A new file with the same name is another file. */
	KEXPECT_EQ(kt_put_file("/kt_u", "new"), 0);
	KEXPECT(kt_ino("/kt_u") != f->f_inode->i_ino);
	KEXPECT_EQ(do_linkat(AT_FDCWD, "", AT_FDCWD, "/kt_u2", 0), -ENOENT);
	fput(f);
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_u"), 0);
}

struct collect_ctx {
	struct dir_context ctx;
	int count, dots;
	u64 seen;		/* bit i: name "e<i>" seen */
	unsigned int wrong_type;
};

static bool collect(struct dir_context *ctx, const char *name, unsigned int len, u64 ino,
		    unsigned int type)
{
	struct collect_ctx *c = container_of(ctx, struct collect_ctx, ctx);

	(void)ino;
	if (c->count == 5)
		return false;	/* a small "buffer" is full: come back for the rest */
	c->count++;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		c->dots++;
	else if (name[0] == 'e' && type == DT_REG)
		c->seen |= 1ul << strtoul(name + 1, NULL, 10);
	else if (!(name[0] == 's' && type == DT_DIR))
		c->wrong_type++;
	return true;
}

KTEST(tmpfs_readdir_lists_each_entry_once)
{
	struct collect_ctx c = { .ctx.actor = collect };
	char name[32];
	struct file *f;
	int total = 0;

	KEXPECT_EQ(do_mkdirat(AT_FDCWD, "/kt_d", 0755), 0);
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "/kt_d/e%d", i);
		KEXPECT_EQ(kt_put_file(name, ""), 0);
	}
	KEXPECT_EQ(do_mkdirat(AT_FDCWD, "/kt_d/sub", 0755), 0);
	KEXPECT_EQ(do_unlinkat(AT_FDCWD, "/kt_d/e3"), 0);
	f = filp_open("/kt_d", O_RDONLY | O_DIRECTORY, 0);
	if (!KEXPECT(!IS_ERR(f)))
		return;
	/* Resume where each call stopped, until a call finds nothing. */
	do {
		c.count = 0;
		KEXPECT_EQ(iterate_dir(f, &c.ctx), 0);
		total += c.count;
	} while (c.count);
	KEXPECT_EQ(total, 2 + 11 + 1);
	KEXPECT_EQ(c.dots, 2);
	KEXPECT_EQ(c.seen, 0xfff & ~(1ul << 3));
	KEXPECT_EQ(c.wrong_type, 0);
	fput(f);

	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "/kt_d/e%d", i);
		do_unlinkat(AT_FDCWD, name);
	}
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_d/sub"), 0);
	KEXPECT_EQ(do_rmdir(AT_FDCWD, "/kt_d"), 0);
}

KTEST(shmem_file_is_unlinked_and_sized)
{
	struct file *f = shmem_file_create(3 * PAGE_SIZE);
	char buf[8];
	u64 pos = PAGE_SIZE;

	if (!KEXPECT(!IS_ERR(f)))
		return;
	KEXPECT_EQ(f->f_inode->i_size, 3 * PAGE_SIZE);
	KEXPECT_EQ(inode_nlink(f->f_inode), 0);
	KEXPECT(f->f_mapping == f->f_inode->i_mapping);
	KEXPECT_EQ(kernel_read(f, buf, sizeof(buf), &pos), 8);
	KEXPECT(memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0);
	fput(f);
}
